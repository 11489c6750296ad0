"""The wheel built from pyproject.toml carries everything the code reads (templates of every
section, stylesheet and catalogue script, SQL, the corrections file) and renders a portrait on its
own: it is installed into a folder outside the project, imported from there (not from the editable
install), and asked for a portrait and its 4-page handout from the real published database.

The wheel is built without network (``--no-build-isolation``: setuptools and wheel come with the
``dev`` extra), from a copy of the sources, so the checkout is left untouched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import sys
from pathlib import Path
import duckdb
import portraits, reports
from portraits import stages, warehouse
from reports import build, finder, render
from reports.portrait import portrait_context, render_portrait

target = Path(sys.argv[2])
for module in (portraits, reports):
    assert Path(module.__file__).resolve().is_relative_to(target), module.__file__
assert stages.DEFAULT_CORRECTIONS.is_file(), stages.DEFAULT_CORRECTIONS
assert sorted(p.name for p in warehouse.SQL_DIR.glob("*.sql")), warehouse.SQL_DIR
assert finder.STATIC_JS.is_file()
con = duckdb.connect(sys.argv[1], read_only=True)
ctx = portrait_context(con, "clpe", "CLPE53002", build={"date_label": "test"})
html = render_portrait(ctx)
assert "Mayenne Nord" in html and 'id="ou-s-adresser"' in html, len(html)
print(build.essentiel_pdf(ctx, Path(sys.argv[3])))
"""


def test_the_wheel_renders_a_portrait(published_db, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        ".venv", ".git", "var", "output", "output.editions", "build", "*.egg-info", "__pycache__", "tests",
        "notebooks", "docs"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "-w", str(wheels), str(src)], check=True, timeout=300)
    wheel = next(wheels.glob("portraits_territoire-*.whl"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--target", str(target), str(wheel)], check=True, timeout=300)
    run_dir = tmp_path / "elsewhere"
    run_dir.mkdir()
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(published_db), str(target), str(run_dir / "e.pdf")],
                         cwd=run_dir, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "4"
