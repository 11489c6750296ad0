"""Where the rendering steps run: chosen in the run's configuration, not in the code.

``render_executor`` takes one of:

- ``multiprocess`` (default): processes on this machine (``max_concurrent``: 0 = one per core);
- ``dask``: a Dask cluster (``dagster-dask``, extra ``[dask]``), e.g.
  ``{"cluster": {"existing": {"address": "tcp://scheduler:8786"}}}`` or a local one;
- ``k8s``: one Kubernetes pod per step (``dagster-k8s``' ``k8s_job_executor``, installed in the
  image the instance's run launcher uses).

and hands over to that executor, with its own configuration schema and defaults. Loading this
module imports neither Dask nor Kubernetes: an engine is imported when a run chooses it."""

from dagster import Field, Permissive, Selector, executor, multiprocess_executor
from dagster._core.definitions.executor_definition import multiple_process_executor_requirements
from dagster._config import process_config
from dagster._core.executor.init import InitExecutorContext

from reports import build as report_build


ENGINES = {"dask": ("dagster_dask", "dask_executor"), "k8s": ("dagster_k8s", "k8s_job_executor")}

SCHEMA = Selector({
    "multiprocess": multiprocess_executor.config_schema.as_field(),
    **{k: Field(Permissive(), is_required=False, description=f"{module}.{name}'s configuration")
       for k, (module, name) in ENGINES.items()},
})


def _engine(kind: str):
    if kind == "multiprocess":
        return multiprocess_executor
    module, name = ENGINES[kind]
    try:
        return getattr(__import__(module, fromlist=[name]), name)
    except ImportError:
        raise RuntimeError(f"moteur d'exécution « {kind} » demandé, mais le paquet {module.replace('_', '-')} "
                           f"n'est pas installé (pip install {module.replace('_', '-')})") from None


def _dask_without_partition_record(executor_instance):
    """dagster-dask (0.29) submits the run to Dask, which walks tuple arguments looking for
    futures; the run of a job with dynamic partitions carries a Dagster record that refuses to be
    walked (``KeyRangesPartitionsSubset``: "Iteration is not allowed"). The partition is also in
    the run's tags (``dagster/partition``), which is what the steps read: the run is handed to Dask
    without that record. Nothing else of the engine changes."""
    from dagster_shared.record import copy

    engine_execute = type(executor_instance).execute

    def execute(plan_context, execution_plan):
        run = plan_context.dagster_run
        if run.partitions_subset is not None:
            plan_context._plan_data = plan_context._plan_data._replace(dagster_run=copy(run, partitions_subset=None))
        return engine_execute(executor_instance, plan_context, execution_plan)

    executor_instance.execute = execute
    return executor_instance


# Processes are forked from a server that has imported these once: a lot step starts in about
# 0.3 s instead of the 2-3 s of a fresh interpreter importing Dagster, the definitions and the
# rendering libraries (multiprocess's default ``spawn``).
PRELOAD = ["pipelines.jobs", "reports.set_render", *report_build.PRELOAD]


@executor(name="render_executor", config_schema=Field(SCHEMA, default_value={"multiprocess": {}}),
          requirements=multiple_process_executor_requirements())
def render_executor(init_context: InitExecutorContext):
    (kind, config), = init_context.executor_config.items()
    inner = _engine(kind)
    if kind == "multiprocess" and not (config or {}).get("start_method"):
        config = {**(config or {}), "start_method": {"forkserver": {"preload_modules": PRELOAD}}}
    if kind != "multiprocess":  # checked against the engine's own schema, its defaults applied
        result = process_config(inner.config_schema.config_type, config or {})
        if not result.success:
            raise RuntimeError(f"configuration du moteur « {kind} » invalide : "
                               + "; ".join(e.message for e in result.errors))
        config = result.value
    created = inner.executor_creation_fn(InitExecutorContext(job=init_context.job, executor_def=inner,
                                                             executor_config=config, instance=init_context.instance))
    return _dask_without_partition_record(created) if kind == "dask" else created
