"""A real build killed with SIGKILL while it ingests, stages or renders: ``output/`` stays byte for
byte the previous publication, the lock is released, and the next build publishes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from portraits import lock

from .pipeline_helpers import project_env, run_build


def _snapshot(output: Path) -> dict[str, str]:
    return {str(p.relative_to(output)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(output.rglob("*")) if p.is_file()}


def _wait(predicate, timeout: float, proc: subprocess.Popen) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return
        if proc.poll() is not None:
            raise AssertionError(f"the build ended (status {proc.returncode}) before the kill point")
        time.sleep(0.1)
    raise AssertionError("kill point not reached")


STAGES = {
    # the lock is taken: Dagster is starting and ingesting the official files
    "ingest": lambda root: lock.holder(lock.lock_path(root / "var" / "work.duckdb")).get("entry", "").startswith("portraits build"),
    # the published database is being staged in the build folder
    "staging": lambda root: (root / "var" / "build" / "portraits.duckdb").exists(),
    # portraits are being rendered into the build folder
    "render": lambda root: (root / "var" / "build" / "portraits" / "clpe").is_dir(),
}


def test_kill_9_during_a_build_leaves_the_publication_and_the_next_build_works(built, mirror, tmp_path):
    output = built / "output"
    before = _snapshot(output)
    env = os.environ | project_env(built, mirror) | {"DAGSTER_HOME": str(tmp_path / "dagster"),
                                                      "PORTRAITS_DEFINITIONS_DIR": str(tmp_path / "defs")}
    exe = Path(sys.executable).with_name("portraits")
    for stage, reached in STAGES.items():
        proc = subprocess.Popen([str(exe), "build"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            _wait(lambda: reached(built), 600, proc)
            if stage == "ingest":
                time.sleep(2)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        assert _snapshot(output) == before, stage
        with duckdb.connect(str(output / "portraits.duckdb"), read_only=True) as con:
            assert con.execute("select count(*) from indicators.observation").fetchone()[0] > 0
        assert not lock.is_locked(lock.lock_path(built / "var" / "work.duckdb")), stage
    result = run_build(built, mirror)
    assert result.success
    with duckdb.connect(str(output / "portraits.duckdb"), read_only=True) as con:
        build_ids = [r[0] for r in con.execute("select build_id from meta.build").fetchall()]
    assert result.run_id in build_ids
    index = (output / "index.html").read_text(encoding="utf-8")
    assert result.run_id[:8] in os.readlink(output) or "portraits" in index
