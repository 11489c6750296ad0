"""Warehouse assets: reference geography, territory sets, indicators (groups ``territories`` and
``indicators``). Thin wrappers over ``portraits.stages``."""


from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from portraits import stages, warehouse

from ..resources import PortraitsSettings
from .ingest import ASSET_BY_DATASET, markdown_table

COG_DEPS = [ASSET_BY_DATASET[d] for d in
            ("cog_communes_2026", "cog_epci_2026", "cog_departements_2026", "cog_regions_2026")]


@asset(group_name="territories", pool="duckdb_writer", deps=COG_DEPS, kinds={"duckdb"})
def ref_geography(settings: PortraitsSettings) -> MaterializeResult:
    """Reference geography of COG 2026: ``ref.commune`` (the region's 1,228 communes plus the
    out-of-region members of cross-border territories, flagged), ``ref.epci``, ``ref.departement``,
    ``ref.region`` and ``ref.commune_history`` (former codes → current commune)."""
    with warehouse.connect(settings.work_db_path()) as con:
        counts = stages.build_ref(con)
    return MaterializeResult(metadata={f"rows_{k}": v for k, v in counts.items()})


@asset(group_name="territories", pool="duckdb_writer",
       deps=[ref_geography, ASSET_BY_DATASET["clpe_communes"]], kinds={"duckdb"})
def territory_sets(context: AssetExecutionContext, settings: PortraitsSettings) -> MaterializeResult:
    """Every territory set: ``clpe`` (local territories), ``commune``, ``epci``, ``departement``,
    ``region``, plus the sets defined by coordinators' files (``PORTRAITS_TERRITORY_FILES``).
    Writes ``ref.territory_set``, ``ref.territory`` and ``ref.territory_commune``."""
    from portraits.definitions import load_definitions

    with warehouse.connect(settings.work_db_path()) as con:
        extra = load_definitions(con, settings.territory_file_paths())
        for d in extra:
            for w in d.warnings:
                context.log.warning(f"{d.set_id}: {w}")
        counts = stages.build_territories(con, extra)
        preview = con.execute(
            "select set_id, territory_id, label, n_communes, n_communes_outside_region from ref.territory "
            "where set_id not in ('commune') order by set_id, territory_id limit 40").df()
    return MaterializeResult(metadata={
        "territories_per_set": MetadataValue.json(counts),
        "custom_sets": MetadataValue.json([d.set_id for d in extra]),
        "preview": MetadataValue.md(markdown_table(preview)),
    })


@asset(group_name="indicators", pool="duckdb_writer",
       deps=[territory_sets, ASSET_BY_DATASET["insee_pop_historiques"]], kinds={"duckdb"})
def indicator_observations(settings: PortraitsSettings) -> MaterializeResult:
    """``indicators.catalog`` and ``indicators.observation``: every indicator for every territory
    of every set; counts summed over communes, rates recomputed from summed numerators and
    denominators, secrecy kept as ``secret``."""
    with warehouse.connect(settings.work_db_path()) as con:
        n = stages.build_indicators(con)
        by_status = dict(con.execute(
            "select status, count(*) from indicators.observation group by 1 order by 1").fetchall())
        preview = con.execute(
            "select set_id, territory_id, indicator_id, period, value, status from indicators.observation "
            "where set_id = 'region' order by indicator_id, period").df()
    return MaterializeResult(metadata={
        "rows": n,
        "rows_by_status": MetadataValue.json(by_status),
        "region_preview": MetadataValue.md(markdown_table(preview)),
    })
