"""Warehouse assets: reference geography, territory sets, indicators (groups ``territories`` and
``indicators``). Thin wrappers over ``portraits.stages``.

The indicators are one asset per theme (``indicators_<theme>``, ``portraits/themes``), each
depending on the territory sets, on the source assets of its theme's ``SOURCES`` and on the themes
whose observations it reads, so a refreshed source recomputes its theme only; then
``indicator_observations``, the whole table, checked."""


import time
from importlib.util import find_spec

from dagster import AssetExecutionContext, AssetsDefinition, MaterializeResult, MetadataValue, asset

from portraits import indicators, stages, warehouse

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
THEMES = indicators.build_order()
# theme id -> asset name
THEME_ASSET = {t.ID: f"indicators_{t.ID}" for t in THEMES}
# what a theme reads beyond raw tables, territories and other themes: the directory of reception
# points (portraits/themes/annuaire.py counts directory.reception_point)
THEME_EXTRA_DEPS = {"annuaire": DIRECTORY_DEPS}
# sources no theme reads (yet): kept upstream of indicator_observations, hence of the publication,
# which publishes their provenance (meta.source) like every other dataset's
UNREAD_DEPS = [a for d, a in ASSET_BY_DATASET.items()
               if d not in REF_DATASETS + TERRITORY_DATASETS and not any(d in t.SOURCES for t in THEMES)]


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


def theme_deps(theme) -> list[str]:
    """The asset keys a theme's asset depends on: the territory sets, its sources, what else it
    reads (the directory), the themes it reads."""
    return ["territory_sets", *[ASSET_BY_DATASET[d] for d in theme.SOURCES], *THEME_EXTRA_DEPS.get(theme.ID, []),
            *[THEME_ASSET[r] for r in indicators.themes_read(theme)]]


def _summary(theme) -> str:
    """The first paragraph of the theme module's docstring."""
    return " ".join((theme.__doc__ or theme.ID).strip().split("\n\n")[0].split())


def _theme_asset(theme) -> AssetsDefinition:
    read = indicators.themes_read(theme)
    generated = indicators.generated_prefixes(theme)
    description = (
        f"Indicator theme `{theme.ID}` (portraits/themes/{theme.ID}.py): {_summary(theme)}\n\n"
        + ((f"Replaces the theme's rows of `indicators.observation` and `indicators.catalog` (and "
            f"`staging.commune_value`), nobody else's: {len(theme.INDICATORS)} declared indicators"
            + (f", plus those it generates from the data ({', '.join(f'`{p}*`' for p in generated)})"
               if generated else ""))
           if theme.INDICATORS or generated else "Declares no indicator: its tables are described in its module")
        + ". Sources: " + (", ".join(theme.SOURCES) or "none of its own")
        + (f"; reads the observations of the theme(s) {', '.join(read)}, built before it" if read else "")
        + ("; counts the directory of reception points" if THEME_EXTRA_DEPS.get(theme.ID) else "") + ".")

    @asset(name=THEME_ASSET[theme.ID], group_name="indicators", pool="duckdb_writer", deps=theme_deps(theme),
           kinds={"duckdb"}, description=description,
           metadata={"theme": theme.ID, "sources": MetadataValue.json(list(theme.SOURCES)),
                     "themes_read": MetadataValue.json(read)})
    def _build(settings: PortraitsSettings) -> MaterializeResult:
        t0 = time.perf_counter()
        with warehouse.connect(settings.work_db_path()) as con:
            n = stages.build_indicator_theme(con, theme.ID)
            seconds = round(time.perf_counter() - t0, 1)
            by_status = dict(con.execute(
                f"select status, count(*) from indicators.observation where {indicators.in_scope()} "
                "group by 1 order by 1").fetchall())
            n_indicators = con.execute(
                f"select count(distinct indicator_id) from indicators.observation where {indicators.in_scope()}"
            ).fetchone()[0]
            preview = con.execute(
                "select set_id, territory_id, indicator_id, period, value, status from indicators.observation "
                f"where set_id = 'region' and {indicators.in_scope()} order by indicator_id, period limit 60").df()
        return MaterializeResult(metadata={
            "rows": n,
            "indicators": n_indicators,
            "rows_by_status": MetadataValue.json(by_status),
            "seconds": seconds,
            "region_preview": MetadataValue.md(markdown_table(preview)),
        })

    return _build


THEME_ASSETS = [_theme_asset(t) for t in THEMES]


@asset(group_name="indicators", pool="duckdb_writer", deps=[*THEME_ASSET.values(), *UNREAD_DEPS], kinds={"duckdb"})
def indicator_observations(settings: PortraitsSettings) -> MaterializeResult:
    """``indicators.catalog`` and ``indicators.observation`` whole: every indicator for every
    territory of every set, once every theme asset (``indicators_<theme>``) has written its rows;
    counts summed over communes, rates recomputed from summed numerators and denominators, secrecy
    kept as ``secret``. Computes nothing itself: it carries the blocking checks over the whole table
    and its metadata. Also downstream of the sources no theme reads yet, whose provenance the
    publication lists."""
    with warehouse.connect(settings.work_db_path()) as con:
        n = con.execute("select count(*) from indicators.observation").fetchone()[0]
        by_status = dict(con.execute(
            "select status, count(*) from indicators.observation group by 1 order by 1").fetchall())
        by_theme = {}
        for t in THEMES:
            indicators.set_scope(con, t.ID)
            by_theme[t.ID] = con.execute(
                f"select count(*) from indicators.observation where {indicators.in_scope()}").fetchone()[0]
        preview = con.execute(
            "select set_id, territory_id, indicator_id, period, value, status from indicators.observation "
            "where set_id = 'region' order by indicator_id, period").df()
    return MaterializeResult(metadata={
        "rows": n,
        "rows_by_status": MetadataValue.json(by_status),
        "rows_by_theme": MetadataValue.json(by_theme),
        "region_preview": MetadataValue.md(markdown_table(preview)),
    })
