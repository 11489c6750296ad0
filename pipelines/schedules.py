"""Schedules (publishers' cadences), and sensors for new official files and changed local files.

Cadences (cron, Europe/Paris), documented in the README:

| family | datasets | cadence |
|---|---|---|
| emploi_trimestriel | URSSAF headcounts, job seekers | quarterly, 20th of Jan/Apr/Jul/Oct 06:00 |
| bmo | BMO survey | yearly, 25 April 06:00 (published in April) |
| recensement | census, populations, COG, zonages, contours | yearly, 1 July 06:00 |
| education | education directory, InserJeunes, Parcoursup, Orion, OFA | monthly, 1st 05:00 |
| annuaire | reception-point sources | monthly, 1st 05:30; corrections file: sensor |

Each family job refreshes its source assets and everything downstream, up to publication; a
territory file of a family (the BMO basins) is read again but applied by ``refresh_territory_files``.
"""

import os
from pathlib import Path

from dagster import (AssetSelection, DagsterRunStatus, DefaultScheduleStatus, DefaultSensorStatus, RunRequest,
                     RunStatusSensorContext, ScheduleDefinition, SensorEvaluationContext, SkipReason,
                     define_asset_job, in_process_executor, run_status_sensor, sensor)

from sources import catalog, dataset, freshness

from .assets.ingest import ASSET_BY_DATASET
from .assets.warehouse import TERRITORY_DATASETS
from .assets.rendering import PORTRAIT_SETS
from .executors import render_executor

# the partitioned rendering asset has its own job (render_portraits); never in an unpartitioned one
RENDERING = AssetSelection.assets("territory_portraits")

# family -> (dataset ids, cron): made from the catalogue (each dataset names its family)
FAMILIES = {name: ([d.id for d in catalog.in_family(name)], cron) for name, (cron, _what) in dataset.FAMILIES.items()}


def _selection(dataset_ids):
    """The family's source assets and what depends on them, but for its territory files
    (:data:`TERRITORY_DATASETS`, e.g. the BMO basins): those are read again, and what they define
    (every territory set, so every theme) is rebuilt by ``refresh_territory_files``, which the
    official files sensor requests when one of them changed. So the BMO survey's refresh recomputes
    the employment themes only, not every territory and theme."""
    keys = [ASSET_BY_DATASET[d] for d in dataset_ids]
    data = [ASSET_BY_DATASET[d] for d in dataset_ids if d not in TERRITORY_DATASETS]
    selection = AssetSelection.assets(*keys)
    if data:
        selection = selection | AssetSelection.assets(*data).downstream()
    return selection - RENDERING


FAMILY_JOBS = {
    name: define_asset_job(f"refresh_{name}", selection=_selection(ids), executor_def=in_process_executor,
                           description=f"Refresh {name}: read {', '.join(ids)} again, recompute what depends on "
                                       "them (a territory file among them is applied by refresh_territory_files) "
                                       "and publish.")
    for name, (ids, _cron) in FAMILIES.items()
}

# A publisher's new territory file (the BMO basins, the zonings, the EPCI): every set and theme.
REFRESH_TERRITORY_FILES = define_asset_job(
    "refresh_territory_files",
    selection=AssetSelection.assets(*[ASSET_BY_DATASET[d] for d in TERRITORY_DATASETS]).downstream() - RENDERING,
    executor_def=in_process_executor,
    description="Read the official territory files again (" + ", ".join(TERRITORY_DATASETS) + ") and rebuild "
                "territories, directory, indicators and portraits, then publish (requested by the official "
                "files sensor when one of them changed).")

# A changed territory definition or corrections file needs no new ingest: territories, directory,
# indicators and portraits only (the unchanged portraits are reused, see portrait_files).
REFRESH_TERRITORIES = define_asset_job(
    "refresh_territories", selection=AssetSelection.assets("territory_sets").downstream() - RENDERING,
    executor_def=in_process_executor,
    description="Rebuild territories, directory, indicators and portraits from the raw tables already "
                "loaded (after a changed territory definition or corrections file), then publish.")

# One set's portraits (a partition of territory_portraits) on the published edition, lots spread
# by Dagster's executor: processes here, a Dask cluster or Kubernetes pods by configuration (README).
RENDER_PORTRAITS = define_asset_job(
    "render_portraits",
    selection=RENDERING,
    partitions_def=PORTRAIT_SETS,
    executor_def=render_executor,
    description="Render the portraits of one set of territories (one partition per set) on the published "
                "edition, in lots spread by the executor, then publish them.",
)

SCHEDULES = [
    ScheduleDefinition(name=f"{name}_schedule", job=FAMILY_JOBS[name], cron_schedule=cron,
                       execution_timezone="Europe/Paris", default_status=DefaultScheduleStatus.STOPPED)
    for name, (_ids, cron) in FAMILIES.items()
]


def _family_of(dataset_id: str) -> str | None:
    return next((name for name, (ids, _c) in FAMILIES.items() if dataset_id in ids), None)


def official_file_changes(previous: dict, *, mirror_dir: Path | None, timeout: float = 20.0,
                          url_for=None) -> tuple[dict, list[str], list[str]]:
    """Fingerprints of every scheduled dataset; returns (new cursor, changed ids, errors).

    Online: HTTP validators of the official URL (``url_for(ds)`` overrides it, for tests).
    With a mirror: the SHA-256 of the mirror file. A dataset seen for the first time is recorded,
    not reported as changed.
    """
    cursor, changed, errors = dict(previous), [], []
    for name, (ids, _c) in FAMILIES.items():
        for dataset_id in ids:
            ds = catalog.get(dataset_id)
            try:
                if mirror_dir is not None:
                    f = mirror_dir / ds.mirror_path
                    fp = freshness.file_fingerprint(f) if f.is_file() else "absent"
                else:
                    fp = freshness.fingerprint(freshness.probe(url_for(ds) if url_for else ds.url, timeout))
            except Exception as exc:  # a probe failing is reported, not fatal
                errors.append(f"{dataset_id}: {exc}")
                continue
            if dataset_id in previous and previous[dataset_id] != fp:
                changed.append(dataset_id)
            cursor[dataset_id] = fp
    return cursor, changed, errors


@sensor(name="official_files_sensor", minimum_interval_seconds=6 * 3600,
        jobs=[*FAMILY_JOBS.values(), REFRESH_TERRITORY_FILES],
        default_status=DefaultSensorStatus.STOPPED,
        description="Notices a new version of an official file (HTTP ETag / Last-Modified / length, or the "
                    "mirror file's SHA-256) and refreshes its family.")
def official_files_sensor(context: SensorEvaluationContext):
    import json

    if build_running():
        return SkipReason("une construction est en cours : réévalué au prochain passage")
    previous = json.loads(context.cursor) if context.cursor else {}
    mirror = os.environ.get("PORTRAITS_MIRROR_DIR", "").strip()
    cursor, changed, errors = official_file_changes(previous, mirror_dir=Path(mirror) if mirror else None)
    for e in errors:
        context.log.warning(e)
    context.update_cursor(json.dumps(cursor, sort_keys=True))
    territory_files = [d for d in changed if d in TERRITORY_DATASETS]
    data_files = [d for d in changed if d not in TERRITORY_DATASETS]
    families = sorted({_family_of(d) for d in data_files} - {None})
    if not families and not territory_files:
        return SkipReason("no official file changed" + (f" ({len(errors)} probe errors)" if errors else ""))
    requests = [RunRequest(run_key=f"{f}:{cursor_hash(cursor)}", job_name=FAMILY_JOBS[f].name,
                           tags={"changed": ",".join(d for d in data_files if _family_of(d) == f)})
                for f in families]
    if territory_files:  # its family's job would not apply them (see _selection)
        requests.append(RunRequest(run_key=f"territory_files:{cursor_hash(cursor)}",
                                   job_name=REFRESH_TERRITORY_FILES.name,
                                   tags={"changed": ",".join(territory_files)}))
    return requests


def build_running() -> bool:
    """Another build holds the lock (see portraits/lock.py): sensors wait rather than queue a run
    that would stop at once."""
    from portraits.lock import is_locked, lock_path

    return is_locked(lock_path(Path(os.environ.get("PORTRAITS_WORK_DB") or "var/work.duckdb")))


def cursor_hash(cursor: dict) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(cursor, sort_keys=True).encode()).hexdigest()[:16]


def local_files() -> list[Path]:
    """Coordinators' definition files and the networks' corrections file."""
    from portraits.stages import DEFAULT_CORRECTIONS

    d = Path(os.environ.get("PORTRAITS_DEFINITIONS_DIR") or (Path.cwd() / "var" / "territories"))
    files = sorted(d.glob("*.csv")) if d.is_dir() else []
    if DEFAULT_CORRECTIONS.exists():
        files.append(DEFAULT_CORRECTIONS)
    return files


@sensor(name="local_definitions_sensor", minimum_interval_seconds=60, job=REFRESH_TERRITORIES,
        default_status=DefaultSensorStatus.STOPPED,
        description="Notices a changed territory definition file (var/territories) or directory corrections "
                    "file (portraits/corrections/annuaire.csv) and runs refresh_territories.")
def local_definitions_sensor(context: SensorEvaluationContext):
    if build_running():  # the cursor is not advanced: the change is seen again once it is done
        return SkipReason("une construction est en cours : réévalué au prochain passage")
    fp = freshness.files_fingerprint(local_files())
    if context.cursor is None:
        context.update_cursor(fp)
        return SkipReason("first evaluation: fingerprint recorded")
    if fp == context.cursor:
        return SkipReason("no local file changed")
    context.update_cursor(fp)
    return RunRequest(run_key=fp, tags={"reason": "local definition or corrections file changed"})




@run_status_sensor(name="rendered_sets_after_build", run_status=DagsterRunStatus.SUCCESS,
                   request_job=RENDER_PORTRAITS, default_status=DefaultSensorStatus.STOPPED,
                   description="After a build that published a new edition, renders again the sets once "
                               "rendered through territory_portraits (var/portrait_sets.txt): until then "
                               "they keep the portraits of the previous edition.")
def rendered_sets_after_build(context: RunStatusSensorContext):
    if context.dagster_run.job_name == RENDER_PORTRAITS.name:
        return SkipReason("a rendering, not a build")
    from reports.set_render import to_render_again

    from .resources import PortraitsSettings

    settings = PortraitsSettings()
    again = to_render_again(settings.rendered_sets_path(), settings.output_path())
    if not again:
        return SkipReason("no set rendered beyond the default ones")
    return [RunRequest(run_key=f"{context.dagster_run.run_id}:{s}", partition_key=s,
                       run_config={"ops": {"territory_portraits": {"ops": {"plan_portraits": {"config": {
                           "territory_ids": ids or []}}}}}})
            for s, ids in again]


SENSORS = [official_files_sensor, local_definitions_sensor, rendered_sets_after_build]
