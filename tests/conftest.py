"""Shared fixtures. Tests read the real official files from the mirror (``../shared/opendata``, or
``PORTRAITS_MIRROR_DIR``) at run time; nothing from it is committed here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def mirror_path() -> Path:
    value = os.environ.get("PORTRAITS_MIRROR_DIR", "").strip()
    return Path(value) if value else REPO.parent / "shared" / "opendata"


@pytest.fixture(scope="session")
def mirror() -> Path:
    path = mirror_path()
    if not (path / "README.md").is_file():
        pytest.fail(f"mirror of the official files not found at {path} (set PORTRAITS_MIRROR_DIR)")
    return path


@pytest.fixture(scope="session")
def built(tmp_path_factory, mirror):
    """One full build (Dagster job build_all) per test session, into a temporary project folder.

    Returns the folder: ``output/`` holds the published database, portraits and catalogue."""
    from .pipeline_helpers import run_build

    root = tmp_path_factory.mktemp("project")
    example = REPO / "examples" / "territoires_exemple.csv"
    result = run_build(root, mirror, {"PORTRAITS_TERRITORY_FILES": str(example)})
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return root


@pytest.fixture(scope="session")
def warehouse_db(tmp_path_factory, mirror):
    """The working database after ingest, territories and indicators (no Dagster, no rendering).

    Returns the path of a DuckDB file; open it read-only in tests."""
    from portraits import stages, warehouse
    from sources.catalog import DATASETS

    path = tmp_path_factory.mktemp("warehouse") / "work.duckdb"
    with warehouse.connect(path) as con:
        for dataset_id in DATASETS:
            stages.ingest(con, dataset_id, mirror_dir=mirror)
        stages.build_ref(con)
        stages.build_territories(con)
        stages.build_directory(con)
        stages.build_indicators(con)
    return path


@pytest.fixture(scope="session")
def published_db(tmp_path_factory, warehouse_db):
    """A published-like database (ref, indicators, meta, directory) staged from ``warehouse_db``."""
    from portraits import warehouse

    path = tmp_path_factory.mktemp("published") / "portraits.duckdb"
    warehouse.stage_published(warehouse_db, path, build_id="test", started_at=warehouse.now())
    return path


@pytest.fixture(scope="module")
def pub(published_db):
    """A read-only connection to ``published_db`` (one per test module)."""
    import duckdb

    con = duckdb.connect(str(published_db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def work(warehouse_db):
    """A read-only connection to ``warehouse_db`` (one per test module)."""
    import duckdb

    con = duckdb.connect(str(warehouse_db), read_only=True)
    yield con
    con.close()
