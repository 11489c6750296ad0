"""The pipeline's stages as plain functions on a DuckDB connection.

Dagster assets (``pipelines/assets``) are thin wrappers around these; tests and notebooks can call
them directly.
"""

from __future__ import annotations

from sources import catalog
from sources.fetch import Retrieval, fetch
from sources.registry import BY_ID

from . import indicators, warehouse


def ingest(con, dataset_id: str, **fetch_kwargs) -> tuple[Retrieval, int]:
    """Fetch, parse and load one dataset into ``raw``; record its provenance in ``meta.source``.

    Parsing happens before anything is written, so a bad file leaves the previous raw table as is.
    """
    spec = BY_ID[dataset_id]
    ds = catalog.get(dataset_id)
    retrieval = fetch(ds, **fetch_kwargs)
    df = spec.parse(retrieval.path)
    warehouse.init_schema(con)
    con.execute("begin")
    try:
        rows = warehouse.load_raw(con, spec.table, df, source_id=ds.id, vintage=ds.vintage)
        warehouse.record_source(con, ds, retrieval, rows)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return retrieval, rows


def build_ref(con) -> dict[str, int]:
    warehouse.init_schema(con)
    warehouse.run_sql_file(con, "ref_geography")
    return {t: con.execute(f"select count(*) from ref.{t}").fetchone()[0]
            for t in ("commune", "epci", "departement", "region", "commune_history")}


def build_territories(con, extra_sets=()) -> dict[str, int]:
    """Standard sets plus ``extra_sets`` (custom definitions, see portraits.territories)."""
    warehouse.run_sql_file(con, "territories")
    for definition in extra_sets:
        definition.insert_into(con)
    warehouse.run_sql_file(con, "territories_publish")
    rows = con.execute(
        "select set_id, count(*) from ref.territory group by 1 order by 1").fetchall()
    return dict(rows)


def build_indicators(con) -> int:
    return indicators.build(con)
