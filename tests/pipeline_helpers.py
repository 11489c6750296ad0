"""Run the Dagster job build_all into a temporary project folder (shared by the integration tests)."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import DagsterInstance

from pipelines.definitions import defs
from pipelines.jobs import build_all_job


def project_env(root: Path, mirror: Path) -> dict:
    return {
        "PORTRAITS_WORK_DB": str(root / "var" / "work.duckdb"),
        "PORTRAITS_OUTPUT_DIR": str(root / "output"),
        "PORTRAITS_BUILD_DIR": str(root / "var" / "build"),
        "PORTRAITS_CACHE_DIR": str(root / "var" / "cache"),
        "PORTRAITS_MIRROR_DIR": str(mirror),
        # every test build includes the hand-written custom set, like the session build
        "PORTRAITS_TERRITORY_FILES": str(Path(__file__).resolve().parent.parent / "examples" / "territoires_exemple.csv"),
    }


def run_build(root: Path, mirror: Path, extra_env: dict | None = None, job: str = "build_all"):
    """Execute ``job`` (build_all by default) with the project's paths under ``root``; returns the
    Dagster result."""
    env = project_env(root, mirror) | (extra_env or {})
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with DagsterInstance.ephemeral() as instance:
            job_def = build_all_job() if job == "build_all" else defs.resolve_job_def(job)
            return job_def.execute_in_process(instance=instance, raise_on_error=False)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
