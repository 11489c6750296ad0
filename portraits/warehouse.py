"""DuckDB warehouse: schema creation, loading of parsed sources, atomic publication.

Two files:

* the **working database** (``PORTRAITS_WORK_DB``, default ``var/work.duckdb``), written by one
  pipeline process at a time: schemas ``raw``, ``staging``, ``ref``, ``indicators``, ``meta``;
* the **published database** (``output/portraits.duckdb``), read-only for everyone else. It is built
  as a new file (schemas ``ref``, ``indicators``, ``meta``) and swapped in with an atomic rename, so a
  reader sees the previous database or the new one, never half of one.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

SCHEMA_VERSION = "2"
PUBLISHED_SCHEMAS = ("ref", "indicators", "meta", "directory")
SQL_DIR = Path(__file__).parent / "sql"


def work_db_path() -> Path:
    return Path(os.environ.get("PORTRAITS_WORK_DB", "var/work.duckdb"))


def output_dir() -> Path:
    return Path(os.environ.get("PORTRAITS_OUTPUT_DIR", "output"))


@contextmanager
def connect(path: Path | str | None = None, *, read_only: bool = False):
    path = Path(path) if path is not None else work_db_path()
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def run_sql_file(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> None:
    """Run every statement of ``portraits/sql/<name>.sql`` (statements separated by ``;``)."""
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    con.execute(text, params or {}) if params else con.execute(text)


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    run_sql_file(con, "schema")


def code_version() -> str:
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=5,
            cwd=Path(__file__).resolve().parent.parent,
        )
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("portraits-territoire")
    except PackageNotFoundError:
        return "unknown"


def load_raw(con, table: str, df: pd.DataFrame, *, source_id: str, vintage: str) -> int:
    """Replace ``raw.<table>`` with ``df`` plus ``source_id`` and ``vintage`` columns."""
    frame = df.drop(columns=[c for c in df.columns if c.startswith("_")]).copy()
    if "geometry" in frame.columns and hasattr(frame, "geometry"):
        # GeoDataFrame: store the geometry as WKB (EPSG:4326), readable by shapely or DuckDB spatial
        frame["geometry_wkb"] = frame.geometry.to_wkb()
        frame = pd.DataFrame(frame.drop(columns="geometry"))
    frame["source_id"] = source_id
    frame["vintage"] = vintage
    con.register("_frame", frame)
    try:
        con.execute(f'create or replace table raw."{table}" as select * from _frame')
    finally:
        con.unregister("_frame")
    return len(frame)


def replace_table(con, schema: str, table: str, df: pd.DataFrame) -> int:
    """``create or replace table schema.table`` from a DataFrame."""
    con.register("_frame", df)
    try:
        con.execute(f'create or replace table {schema}."{table}" as select * from _frame')
    finally:
        con.unregister("_frame")
    return len(df)


def record_source(con, dataset, retrieval, rows: int, columns: list[str] | None = None) -> None:
    """Upsert the provenance of one retrieved dataset into ``meta.source``."""
    con.execute("delete from meta.source where source_id = ?", [dataset.id])
    con.execute(
        """insert into meta.source (source_id, title, publisher, url, page, licence, vintage, layout,
               origin, retrieved_at, sha256, bytes, rows, note, columns)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [dataset.id, dataset.title, dataset.publisher, retrieval.url, dataset.page, dataset.licence,
         dataset.vintage, dataset.layout, retrieval.origin, retrieval.retrieved_at, retrieval.sha256,
         retrieval.bytes, rows, dataset.note, ",".join(columns or [])],
    )


def sql_string(text: str) -> str:
    """An SQL string literal for statements that accept no bound parameter (ATTACH, COPY)."""
    return "'" + text.replace("'", "''") + "'"


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


# Published tables written in the order their readers look them up: DuckDB skips the row groups
# whose min/max exclude a territory, so a portrait's hundred lookups of one territory read a few
# row groups instead of the whole table (half a million observations). Row order is not part of
# the contract; readers that need an order say it.
CLUSTERED = {
    ("indicators", "observation"): "set_id, territory_id, indicator_id, period",
    ("ref", "territory_commune"): "set_id, territory_id, commune_code",
}


def stage_published(work_db: Path, staged_path: Path, *, build_id: str, started_at: str) -> dict:
    """Copy the published schemas of the working database into a new file ``staged_path``.

    Returns row counts per table. The file is complete and checkpointed when this returns; it is
    not visible to readers until :func:`swap_in` renames it over the published one.
    """
    staged_path.parent.mkdir(parents=True, exist_ok=True)
    for p in (staged_path, staged_path.with_name(staged_path.name + ".wal")):
        p.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    with connect(work_db) as con:
        # ATTACH takes no bound parameter: quote the path as an SQL string literal.
        con.execute(f"attach {sql_string(str(staged_path))} as pub")
        tables = con.execute(
            """select table_schema, table_name from information_schema.tables
               where table_catalog = current_database() and table_schema in ('ref', 'indicators', 'meta', 'directory')
                 and table_type = 'BASE TABLE'
               order by 1, 2"""
        ).fetchall()
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists pub.{schema}")
        for schema, table in tables:
            order = f" order by {CLUSTERED[(schema, table)]}" if (schema, table) in CLUSTERED else ""
            con.execute(f'create table pub.{schema}."{table}" as select * from {schema}."{table}"{order}')
            counts[f"{schema}.{table}"] = con.execute(
                f'select count(*) from pub.{schema}."{table}"').fetchone()[0]
        con.execute(
            "insert into pub.meta.build values (?, ?, ?, ?, ?)",
            [build_id, started_at, now(), SCHEMA_VERSION, code_version()],
        )
        con.execute("detach pub")
    return counts


def swap_in(staged_path: Path, published_path: Path) -> None:
    """Atomically replace the published database with the staged one."""
    published_path.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged_path, published_path)
