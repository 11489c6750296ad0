"""The rendering asset ``territory_portraits``: one partition per set of territories (``commune``,
``epci``, ``zone_emploi``, ``bassin_vie``, ``bassin_bmo``, ``departement``, ``region``, ``clpe``
and the coordinators' sets), rendered on the published edition and published again.

Inside a partition, the territories are cut into at most ``LOTS`` batches; each batch is a step of
its own (``lot_1`` … ``lot_8``), so Dagster's executor spreads them: processes on this machine
with the job ``render_portraits``, a Dask cluster or Kubernetes pods — a change of configuration,
not of code (``pipelines.executors``, README « Rendre sur plusieurs machines »).

Measured and not chosen: one step (or one partition) per territory — a step costs a process start
and the imports, about 3 s here, more than a portrait (1-2 s); dynamic outputs (``.map``), which
the Dask executor does not run (dagster-io/dagster#9785); optional outputs (a lot skipped when
empty), whose fan-in the Dask executor resolves to nothing. A fixed number of lots, empty ones
included, works on every executor.

The rendering steps only read the published edition (immutable) and write into their own run
folder: they take no lock. The last step takes the build lock and publishes (see
``reports.set_render``)."""


from pathlib import Path

from dagster import (Config, DynamicPartitionsDefinition, Failure, In, OpExecutionContext, Out, Output,
                     graph_asset, op)

from reports import set_render

from ..resources import PortraitsSettings
from . import build_info

PORTRAIT_SETS = DynamicPartitionsDefinition(name="portrait_set")
LOTS = 8  # steps per set at most: the parallelism a set can get (a Dask cluster of 8 workers)


class RenderConfig(Config):
    """``territory_ids``: only these territories of the set (empty: the whole set);
    ``batch_size``: territories per step (0: the set shared among the 8 lots, at least 4 per lot)."""

    territory_ids: list[str] = []
    batch_size: int = 0


def _work_dir(settings: PortraitsSettings, run_id: str) -> Path:
    return settings.build_path().parent / "render" / run_id


@op(out={f"lot_{i}": Out(dict) for i in range(1, LOTS + 1)})
def plan_portraits(context: OpExecutionContext, render_settings: PortraitsSettings, config: RenderConfig):
    """The set's territories in at most 8 lots, from the published edition."""
    set_id = context.partition_key
    try:
        edition = set_render.published_edition(render_settings.output_path())
        batches = set_render.plan(edition, set_id, config.territory_ids or None, config.batch_size, lots=LOTS)
    except set_render.RenderError as exc:
        raise Failure(description=str(exc)) from None
    context.log.info(f"portraits {set_id} : {sum(map(len, batches))} territoires en {len(batches)} lots, "
                     f"édition {edition.name}")
    whole = not config.territory_ids
    # every lot is sent, empty ones included: skipping a step is not followed by every executor
    # (Dask's starts every step of the plan, and its fan-in then sees no result at all)
    batches = batches + [[] for _ in range(LOTS - len(batches))]
    for i, ids in enumerate(batches, 1):
        yield Output({"set_id": set_id, "ids": ids, "edition": str(edition), "whole_set": whole}, f"lot_{i}")


@op
def render_portrait_lot(context: OpExecutionContext, render_settings: PortraitsSettings, batch: dict) -> list:
    """One batch of portraits (HTML, PDF, essentiel, CSV) into the run's folder."""
    try:
        results = set_render.render_batch(Path(batch["edition"]), batch["set_id"], batch["ids"],
                                          _work_dir(render_settings, context.run_id), build_info(context),
                                          log=context.log.info)
    except set_render.RenderError as exc:
        raise Failure(description=str(exc)) from None
    return [dict(r, edition=batch["edition"], whole_set=batch["whole_set"]) for r in results]


@op(ins={f"lot_{i}": In(list) for i in range(1, LOTS + 1)})
def publish_portraits(context: OpExecutionContext, render_settings: PortraitsSettings, **lots) -> dict:
    """Take the build lock, check that the edition is still the published one, publish. One input
    per lot, not a fan-in: the Dask executor resolves a fan-in from the plan's initial state and
    would hand over nothing."""
    from portraits.lock import build_lock

    results = [r for i in range(1, LOTS + 1) for r in lots[f"lot_{i}"]]
    if not results:
        raise Failure(description="aucun portrait rendu")
    set_id, edition = results[0]["set_id"], Path(results[0]["edition"])
    work = _work_dir(render_settings, context.run_id)
    try:
        with build_lock(render_settings.lock_path(), entry=f"rendu {set_id} (run {context.run_id})", wait=60):
            done = set_render.publish_set(edition, work, set_id, results, whole_set=results[0]["whole_set"],
                                          build_dir=render_settings.build_path(),
                                          output_dir=render_settings.output_path(), build=build_info(context))
            set_render.remember(render_settings.rendered_sets_path(), set_id, whole=results[0]["whole_set"])
    except set_render.RenderError as exc:
        raise Failure(description=str(exc)) from None
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    rendered = sum(1 for r in results if not r.get("reused"))
    context.add_output_metadata({"set_id": set_id, "portraits": len(results), "rendered": rendered,
                                 "reused_unchanged": len(results) - rendered,
                                 "edition_folder": done["edition_folder"]})
    return {"set_id": set_id, "portraits": len(results), "rendered": rendered}


@graph_asset(partitions_def=PORTRAIT_SETS, group_name="portraits",
             description="Les portraits d'un jeu de territoires (une partition par jeu), rendus par lots sur "
                         "l'édition publiée puis publiés : portraits/<jeu>/<territoire>/ (portrait.html, "
                         "portrait.pdf, essentiel.pdf, indicateurs.csv).")
def territory_portraits():
    lots = plan_portraits()
    return publish_portraits(**{f"lot_{i}": render_portrait_lot.alias(f"lot_{i}")(lot) for i, lot in enumerate(lots, 1)})
