"""Module-level accessor so that ``reconstructable`` can rebuild the job in any process."""

from .definitions import build_all, defs


def build_all_job():
    return defs.resolve_job_def(build_all.name)


def refresh_territories_job():
    return defs.resolve_job_def("refresh_territories")


def render_portraits_job():
    return defs.resolve_job_def("render_portraits")
