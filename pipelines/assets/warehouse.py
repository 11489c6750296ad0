"""Warehouse assets: reference geography, territory sets, indicators (groups ``territories`` and
``indicators``). Thin wrappers over ``portraits.stages``."""


from importlib.util import find_spec

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from portraits import stages, warehouse

from ..resources import PortraitsSettings
from .ingest import ASSET_BY_DATASET, markdown_table

# The directory of reception points (pipelines/assets/directory.py) is built between the
# territories and the indicators; referenced by key to keep the modules free of import cycles.
DIRECTORY_DEPS = ["reception_points"] if find_spec("pipelines.assets.directory") else []

REF_DATASETS = ("cog_communes_2026", "cog_epci_2026", "cog_departements_2026", "cog_regions_2026",
                "cog_communes_2024", "insee_v_commune_2024", "contours_communes_2024",
                "contours_departements_2024", "contours_region_2024")
TERRITORY_DATASETS = ("clpe_communes", "insee_zonages_2024", "bmo_bassins", "cog_epci_2024")
COG_DEPS = [ASSET_BY_DATASET[d] for d in REF_DATASETS]
# every other source feeds the indicators
INDICATOR_DEPS = [a for d, a in ASSET_BY_DATASET.items() if d not in REF_DATASETS + TERRITORY_DATASETS]


@asset(group_name="territories", pool="duckdb_writer", deps=COG_DEPS, kinds={"duckdb"})
def ref_geography(settings: PortraitsSettings) -> MaterializeResult:
    """Reference geography of COG 2026: ``ref.commune`` (the region's 1,228 communes plus the
    out-of-region members of cross-border territories, flagged), ``ref.epci``, ``ref.departement``,
    ``ref.region``, ``ref.commune_history`` (every former code → its 2026 commune) and the commune
    polygons ``ref.commune_geometry`` (2024 contours dissolved into 2026 communes)."""
    with warehouse.connect(settings.work_db_path()) as con:
        counts = stages.build_ref(con)
    return MaterializeResult(metadata={f"rows_{k}": v for k, v in counts.items()})


@asset(group_name="territories", pool="duckdb_writer",
       deps=[ref_geography, *[ASSET_BY_DATASET[d] for d in TERRITORY_DATASETS]], kinds={"duckdb"})
def territory_sets(context: AssetExecutionContext, settings: PortraitsSettings) -> MaterializeResult:
    """Every territory set: ``clpe`` (local territories), ``commune``, ``epci``, ``departement``,
    ``region``, ``zone_emploi``, ``bassin_vie``, ``bassin_bmo``, plus the sets defined by
    coordinators' files (``PORTRAITS_TERRITORY_FILES``). Writes ``ref.territory_set``,
    ``ref.territory``, ``ref.territory_commune`` and the polygons ``ref.territory_geometry``."""
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
       deps=[territory_sets, *INDICATOR_DEPS, *DIRECTORY_DEPS], kinds={"duckdb"})
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
