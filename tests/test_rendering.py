"""The rendering asset territory_portraits (one partition per set) and its job render_portraits:
a set rendered on the published edition and published again, alone; a failure names the
territory and publishes nothing; the same job on a real Dask cluster started here."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance

from pipelines.assets.rendering import PORTRAIT_SETS
from pipelines.definitions import defs
from reports import set_render
from reports.build import FILES

from .pipeline_helpers import project_env


@pytest.fixture()
def project(built, tmp_path, mirror):
    """A project whose publication is a copy of the session build's (its editions and link)."""
    root = tmp_path / "project"
    (root / "var").mkdir(parents=True)
    current = (built / "output").resolve()
    shutil.copytree(current.parent, root / "output.editions", symlinks=True)
    os.symlink(f"output.editions/{current.name}", root / "output")
    env = project_env(root, mirror) | {"DAGSTER_HOME": str(root / "dagster_home")}
    (root / "dagster_home").mkdir()
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield root
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _run_config(territory_ids=(), batch_size=0) -> dict:
    return {"ops": {"territory_portraits": {"ops": {"plan_portraits": {"config": {
        "territory_ids": list(territory_ids), "batch_size": batch_size}}}}}}


def render_in_process(set_id: str, territory_ids=(), batch_size=0):
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(PORTRAIT_SETS.name, [set_id])
        return defs.resolve_job_def("render_portraits").execute_in_process(
            instance=instance, partition_key=set_id, run_config=_run_config(territory_ids, batch_size),
            raise_on_error=False)


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _smallest_commune(db: Path) -> tuple[str, float]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            """select territory_id, value from indicators.observation
               where set_id = 'commune' and indicator_id = 'population'
                 and period = (select max(period) from indicators.observation where indicator_id = 'population')
               order by value, territory_id limit 1""").fetchone()


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo (poppler-utils) not installed")
def test_the_smallest_commune_gets_a_true_portrait_alone(project):
    """The commune set's smallest commune (72214, 12 inhabitants in the mirror), rendered alone:
    its portrait is published beside the existing ones, which are kept, and says what is secret."""
    before = (project / "output").resolve()
    tid, population = _smallest_commune(before / "portraits.duckdb")
    assert population == 12 and tid == "72214"  # real value of the official files
    result = render_in_process("commune", [tid])
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    after = (project / "output").resolve()
    assert after != before and before.is_dir()  # a new publication; the previous one is kept
    folder = after / "portraits" / "commune" / tid
    assert all((folder / f).is_file() for f in FILES)
    assert _pages(folder / "portrait.pdf") >= 2 and _pages(folder / "essentiel.pdf") == 4
    html = (folder / "portrait.html").read_text(encoding="utf-8")
    assert "secret statistique" in html  # tiny commune: secret spelled out, never 0
    assert ">nan<" not in html.lower() and ">none<" not in html.lower()
    csv = (folder / "indicateurs.csv").read_text(encoding="utf-8-sig")
    assert re.search(rf"^[^;]*;{tid};population;[^;]*;\d{{4}};12;", csv, re.M)
    # the earlier portraits are still published, the very same files (hard links, never rewritten)
    for f in ("portrait.pdf", "portrait.html"):
        old, new = before / "portraits/clpe/CLPE44001" / f, after / "portraits/clpe/CLPE44001" / f
        assert new.read_bytes() == old.read_bytes()
    catalogue = (after / "index.html").read_text(encoding="utf-8")
    assert f"portraits/commune/{tid}/portrait.html" in catalogue
    remembered = project / "var" / "portrait_sets.txt"
    assert set_render.remembered(remembered) == ["commune"]
    # only that territory is rendered again after the next build, not the 1,228 communes
    assert set_render.to_render_again(remembered, project / "output") == [("commune", [tid])]
    mat = [e for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"]
    assert mat and mat[0].event_specific_data.materialization.partition == "commune"
    # the next build carries this set's published portraits over (hard links) until the job
    # renders it again on the new edition
    build = project / "var" / "next-build"
    with duckdb.connect(str(after / "portraits.duckdb"), read_only=True) as con:
        assert set_render.carry_over(con, project / "output", build, ["commune", "epci"]) == {"commune": 1}
    carried = build / "portraits" / "commune" / tid / "portrait.pdf"
    assert carried.stat().st_ino == (folder / "portrait.pdf").stat().st_ino


def test_a_failing_portrait_fails_its_run_names_it_and_publishes_nothing(project, monkeypatch):
    from reports import build

    real = build.render_territory

    def broken(con, set_id, territory_id, *a, **k):
        if territory_id == "85":
            raise ValueError("données illisibles")
        return real(con, set_id, territory_id, *a, **k)

    monkeypatch.setattr(build, "render_territory", broken)
    before = (project / "output").resolve()
    result = render_in_process("departement", ["44", "85"], batch_size=1)
    assert not result.success
    from pipelines.report import failure_reasons

    messages = " ".join(failure_reasons(result.all_events))
    assert "departement/85" in messages and "données illisibles" in messages
    assert (project / "output").resolve() == before
    assert not (before / "portraits" / "departement").exists()
    # the other lot rendered; its step succeeded, only the failing one failed
    ok = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert any(k.endswith("lot_1") for k in ok)


def test_publication_refused_when_another_edition_was_published_meanwhile(project):
    edition = (project / "output").resolve()
    other = edition.parent / (edition.name[:-3] + "zzz")
    shutil.copytree(edition, other, symlinks=True)
    link = project / "output.tmp"
    os.symlink(f"output.editions/{other.name}", link)
    os.replace(link, project / "output")
    with pytest.raises(set_render.RenderError, match="une autre édition a été publiée pendant le rendu"):
        set_render.publish_set(edition, project / "var" / "render", "departement", [{"territory_id": "44"}],
                               whole_set=False, build_dir=project / "var" / "build",
                               output_dir=project / "output", build={"build_id": "x", "date_label": "x"})
    assert (project / "output").resolve() == other


def test_plan_refuses_unknown_sets_territories_and_too_many(project):
    edition = set_render.published_edition(project / "output")
    n = sum(map(len, set_render.plan(edition, "commune")))
    assert n == 1228  # communes of the region, COG 2026
    assert len(set_render.plan(edition, "commune")) == 8
    assert set_render.plan(edition, "region") == [["52"]]
    with pytest.raises(set_render.RenderError, match="1228 territoires : au-delà de 1000"):
        set_render.plan(edition, "commune", max_territories=1000)
    with pytest.raises(set_render.RenderError, match="« cantons » n'existe pas"):
        set_render.plan(edition, "cantons")
    with pytest.raises(set_render.RenderError, match="territoire\\(s\\) inconnu\\(s\\) .*99999"):
        set_render.plan(edition, "commune", ["44109", "99999"])


def test_rendering_job_runs_on_a_dask_cluster(project):
    """The job render_portraits, unchanged, on a real Dask cluster (scheduler and two worker
    processes started here): only the run configuration names the engine."""
    distributed = pytest.importorskip("distributed")
    from dagster import execute_job, reconstructable

    from pipelines.jobs import render_portraits_job

    instance = DagsterInstance.get()  # persistent, under the test's DAGSTER_HOME
    instance.add_dynamic_partitions(PORTRAIT_SETS.name, ["departement"])
    before = (project / "output").resolve()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            config = _run_config(["44", "53"], batch_size=1) | {
                "execution": {"config": {"dask": {"cluster": {"existing": {"address": cluster.scheduler_address}}}}}}
            result = execute_job(reconstructable(render_portraits_job), instance=instance, run_config=config,
                                 tags={"dagster/partition": "departement"}, raise_on_error=False)
            assert result.success, [e.message for e in result.all_events if e.is_failure]
            # the steps were tasks of this cluster
            done = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert any("render_portraits" in p for p in done), done
    after = (project / "output").resolve()
    assert after != before
    for tid in ("44", "53"):
        folder = after / "portraits" / "departement" / tid
        assert all((folder / f).is_file() for f in FILES)
        assert "Portrait de territoire" in (folder / "portrait.html").read_text(encoding="utf-8")
    instance.dispose()


def test_worker_pool_after_a_pdf_in_this_process(built, tmp_path):
    """A process that has already compiled a PDF with Typst holds its thread pool; the portrait
    workers must not be forked from it (a forked child could wait forever on one of its locks).
    Run in a child process with a deadline, so that a regression fails instead of hanging."""
    script = f"""
import sys
from pathlib import Path
from reports import build, render
render.portrait_pdf('<html><body><p>essai</p></body></html>', Path({str(tmp_path / 'warm.pdf')!r}))
out = build.render_set(Path({str(built / 'output' / 'portraits.duckdb')!r}), 'departement', Path({str(tmp_path)!r}),
                       {{'build_id': 'essai', 'date_label': 'essai'}}, territory_ids=['44', '53'], workers=2)
print(len(out), sum(r['pages'] for r in out) > 0)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["2", "True"]
