"""Dagster definitions: the only module tree that imports dagster. Loading does no work (no
network, no file, no environment read): paths are resolved when assets run."""


from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from .assets.directory import reception_points
from .assets.ingest import SOURCE_ASSETS
from .assets.portraits import (catalogue_page, directory_exports, geo_exports, portrait_files, published_database,
                               published_outputs, training_exports)
from .assets.rendering import territory_portraits
from .assets.warehouse import THEME_ASSETS, indicator_observations, ref_geography, territory_sets
from .checks import ALL_CHECKS
from .resources import PortraitsSettings
from .schedules import (FAMILY_JOBS, REFRESH_TERRITORIES, REFRESH_TERRITORY_FILES, RENDER_PORTRAITS, SCHEDULES,
                        SENSORS)

ALL_ASSETS = [*SOURCE_ASSETS, ref_geography, territory_sets, reception_points, *THEME_ASSETS, indicator_observations,
              published_database, portrait_files, geo_exports, training_exports, directory_exports, catalogue_page,
              published_outputs, territory_portraits]

# The main job: every asset and check, end to end. In-process: the steps share one DuckDB writer
# and the PDF rendering spreads itself over processes.
build_all = define_asset_job(
    "build_all",
    selection=AssetSelection.all() - AssetSelection.assets(territory_portraits),
    executor_def=in_process_executor,
    description="Ingest every official file, build territories and indicators, render the portraits "
                "and publish output/ (the same graph as the UI shows).",
)

defs = Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=[build_all, RENDER_PORTRAITS, *FAMILY_JOBS.values(), REFRESH_TERRITORIES, REFRESH_TERRITORY_FILES],
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources={"settings": PortraitsSettings(), "render_settings": PortraitsSettings(lock=False)},
    # one process per run, whatever starts it (a one-off materialisation from the UI included): the
    # build lock is held from the run's start to its end, never released between steps
    executor=in_process_executor,
)
