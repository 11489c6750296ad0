"""The shared directory of reception points (group ``directory``): a thin wrapper over
``portraits.stages.build_directory`` (see ``portraits/directory/stage.py``)."""


import hashlib
import os
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from portraits import stages, warehouse

from ..resources import PortraitsSettings
from .ingest import ASSET_BY_DATASET, markdown_table

# sources of the directory, and the COG file read for postcodes and former communes
DIRECTORY_DATASETS = ("dila_annuaire_2016", "pe_agences_2019", "annuaire_education", "ofa_referentiel",
                      "france_services_2024", "cog_communes_2026")
# an environment variable may point the build at another corrections file (tests, dry runs)
CORRECTIONS_ENV = "PORTRAITS_ANNUAIRE_CORRECTIONS"


def corrections_path() -> Path:
    value = os.environ.get(CORRECTIONS_ENV, "").strip()
    return Path(value) if value else stages.DEFAULT_CORRECTIONS


@asset(
    group_name="directory",
    pool="duckdb_writer",
    # by key, not by object: pipelines/assets/warehouse.py imports this module
    deps=[*[ASSET_BY_DATASET[d] for d in DIRECTORY_DATASETS], AssetKey("territory_sets")],
    kinds={"duckdb"},
)
def reception_points(context: AssetExecutionContext, settings: PortraitsSettings) -> MaterializeResult:
    """The shared directory of guidance reception points: ``directory.reception_point`` (CIO,
    missions locales, France Travail agencies, information jeunesse, chambres, apprenticeship
    organisations… one row per point, duplicates across sources merged, COG 2026 communes, stale
    flag for records not confirmed for 3 years), ``directory.network``, ``directory.public``,
    ``directory.reception_point_territory`` (every point in a territory of every set) and
    ``directory.correction``. Applies the coordinators' corrections file
    (``portraits/corrections/annuaire.csv``, or ``$PORTRAITS_ANNUAIRE_CORRECTIONS``); a faulty file
    stops the build with every problem listed by line and field."""
    path = corrections_path()
    with warehouse.connect(settings.work_db_path()) as con:
        counts = stages.build_directory(con, path)
        by_network = dict(con.execute(
            """select network, count(*) from directory.reception_point group by 1 order by 2 desc, 1""").fetchall())
        by_source = dict(con.execute(
            """select source_id, count(*) from directory.reception_point group by 1 order by 2 desc, 1""").fetchall())
        preview = con.execute(
            """select id, name, network, commune_code, source_id, source_date, stale, merged_from
               from directory.reception_point where network <> 'cfa' order by network, name limit 30""").df()
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    if counts.get("foreign_records"):
        context.log.warning(f"{counts['foreign_records']} source record(s) of another region left out")
    return MaterializeResult(metadata={
        "rows": counts.get("rows", 0),
        "rows_by_network": MetadataValue.json(by_network),
        "rows_by_source": MetadataValue.json(by_source),
        "stale": counts.get("stale", 0),
        "closed": counts.get("closed", 0),
        "corrections": counts.get("corrections", 0),
        "corrections_file": str(path),
        "corrections_sha256": digest or "(no file)",
        "merges": MetadataValue.json({k: v for k, v in counts.items() if k.startswith("merges_")}),
        "territory_rows": counts.get("territory_rows", 0),
        "seconds": counts.get("seconds", 0.0),
        "preview": MetadataValue.md(markdown_table(preview)),
    })
