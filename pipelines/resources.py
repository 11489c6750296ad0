"""The one resource of the pipeline: where things live. Read from environment variables at run
time (never at import), with project-relative defaults (the embedded default: local files)."""


import os
from pathlib import Path

from dagster import ConfigurableResource


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


class PortraitsSettings(ConfigurableResource):
    """Paths and options. Empty fields fall back to environment variables, then to defaults:

    - ``work_db``: ``PORTRAITS_WORK_DB`` or ``var/work.duckdb`` (the single writer's database)
    - ``output_dir``: ``PORTRAITS_OUTPUT_DIR`` or ``output`` (what readers and coordinators get)
    - ``build_dir``: ``PORTRAITS_BUILD_DIR`` or ``var/build`` (a build before publication)
    - ``mirror_dir``: ``PORTRAITS_MIRROR_DIR`` (offline copies of the official files); empty = download
    - ``cache_dir``: ``PORTRAITS_CACHE_DIR`` or ``var/cache`` (downloads)
    - ``territory_files``: ``PORTRAITS_TERRITORY_FILES`` (``os.pathsep``-separated definition CSVs)
    - ``workers``: processes rendering PDFs (0 = one per core)
    - ``lock``: take the build lock for the whole step (the writers); the rendering steps of
      ``territory_portraits`` use a copy with ``lock=False`` (they read a published edition only)
    """

    work_db: str = ""
    output_dir: str = ""
    build_dir: str = ""
    mirror_dir: str = ""
    cache_dir: str = ""
    territory_files: str = ""
    workers: int = 0
    lock: bool = True

    def work_db_path(self) -> Path:
        return Path(self.work_db or _env("PORTRAITS_WORK_DB", "var/work.duckdb"))

    def output_path(self) -> Path:
        return Path(self.output_dir or _env("PORTRAITS_OUTPUT_DIR", "output"))

    def build_path(self) -> Path:
        return Path(self.build_dir or _env("PORTRAITS_BUILD_DIR", "var/build"))

    def mirror_path(self) -> Path | None:
        value = self.mirror_dir or _env("PORTRAITS_MIRROR_DIR", "")
        return Path(value) if value else None

    def cache_path(self) -> Path:
        return Path(self.cache_dir or _env("PORTRAITS_CACHE_DIR", "var/cache"))

    def territory_file_paths(self) -> list[Path]:
        """The custom sets to build: ``territory_files`` / ``PORTRAITS_TERRITORY_FILES`` when set,
        else the remembered definitions (``var/territories``), so a run started from the UI, a
        schedule or a sensor publishes the same sets as ``portraits build`` (an edition replaces the
        whole output: a set left out would disappear)."""
        value = self.territory_files or _env("PORTRAITS_TERRITORY_FILES", "")
        if not value.strip():
            from portraits.definitions import remembered_specs

            return [Path(p) for p in remembered_specs()]
        return [Path(p) for p in value.split(os.pathsep) if p.strip()]

    def rendered_sets_path(self) -> Path:
        """Sets rendered through ``territory_portraits`` beyond the default ones: every later
        build renders them again (``var/portrait_sets.txt``, beside the working database)."""
        return self.work_db_path().parent / "portrait_sets.txt"

    def lock_path(self) -> Path:
        from portraits.lock import lock_path

        return lock_path(self.work_db_path())

    def setup_for_execution(self, context) -> None:
        # One build at a time, whatever starts it (CLI, UI, schedule, sensor): a run that finds the
        # lock taken stops here, before any step writes anything, and says who holds it.
        if not self.lock:
            return
        from portraits.lock import acquire

        wait = float(_env("PORTRAITS_LOCK_WAIT", "0"))
        run_id = getattr(context, "run_id", None) or ""
        acquire(self.lock_path(), entry=f"run Dagster {run_id}", wait=wait)
        instance = getattr(context, "instance", None)
        if instance is not None:
            release_dead_runs(instance, keep=run_id)

    def teardown_after_execution(self, context) -> None:
        if not self.lock:
            return
        from portraits.lock import release

        release(self.lock_path())

    def fetch_kwargs(self) -> dict:
        mirror = self.mirror_path()
        return {"mirror_dir": mirror, "cache_dir": self.cache_path()} if mirror else {
            "cache_dir": self.cache_path()}


def release_dead_runs(instance, keep: str = "") -> list[str]:
    """Runs left "started" by a build that died (``kill -9``, power cut) hold their slot of the
    ``duckdb_writer`` pool forever, so every later run would wait on it. Called by whoever has just
    taken the build lock — no other build can then be alive — it marks those runs failed and frees
    their slots. Returns their ids."""
    from dagster import DagsterRunStatus, RunsFilter

    stale = instance.get_runs(filters=RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING,
                                                            DagsterRunStatus.CANCELING]))
    freed = []
    for run in stale:
        if run.run_id == keep:
            continue
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        instance.report_run_failed(run, message="construction interrompue (processus arrêté) : marquée en échec "
                                                "par la construction suivante, qui libère ses créneaux")
        freed.append(run.run_id)
    return freed
