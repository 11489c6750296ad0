"""One asset per official dataset (group ``sources``): fetch, parse, validate, load into ``raw``."""


from dagster import (AssetCheckSpec, AssetExecutionContext, AssetsDefinition, MaterializeResult,
                     MetadataValue, asset)

from portraits import stages, warehouse
from sources import catalog
from sources.dataset import Dataset

from ..check_results import SOURCE_CHECK, SOURCE_CHECK_DESCRIPTION, result, source_problems
from ..resources import PortraitsSettings


def asset_name(ds: Dataset) -> str:
    return f"raw_{ds.table}"


def _make(ds: Dataset) -> AssetsDefinition:

    @asset(
        name=asset_name(ds),
        group_name="sources",
        pool="duckdb_writer",
        description=f"{ds.description}\n\nPublisher: {ds.publisher}. Official URL: {ds.url}. "
                    f"Licence: {ds.licence}. Vintage: {ds.vintage}. Mirror path: {ds.mirror_path}. "
                    f"Refresh: {ds.family or 'none (' + ds.no_refresh + ')'}. "
                    f"Official layout read: {'yes' if ds.official_layout else 'no (' + ds.official_reason + ')'}.",
        metadata={"dataset_id": ds.id, "url": MetadataValue.url(ds.url), "vintage": ds.vintage,
                  "layout": ds.layout, "official_layout": ds.official_layout,
                  "refresh_family": ds.family or "none"},
        kinds={"duckdb", "python"},
        check_specs=[AssetCheckSpec(SOURCE_CHECK, asset=asset_name(ds), blocking=True,
                                    description=SOURCE_CHECK_DESCRIPTION)],
    )
    def _ingest(context: AssetExecutionContext, settings: PortraitsSettings) -> MaterializeResult:
        # The check runs on the new table before it is committed: a rejected version is rolled
        # back, so the working database keeps the last good table for every later job.
        checked: dict = {}

        def validate(c) -> list[str]:
            checked["rows"], checked["problems"] = source_problems(c, settings, ds.table, ds.id)
            return checked["problems"]

        with warehouse.connect(settings.work_db_path()) as con:
            retrieval, rows = stages.ingest(con, ds.id, validate=validate, **settings.fetch_kwargs())
            preview = con.execute(f'select * from raw."{ds.table}" limit 5').df()
        problems = checked["problems"]
        if problems:
            context.log.error(f"{ds.id}: new version rejected, the previous raw.{ds.table} is kept")
        context.log.info(f"{ds.id}: {rows} rows from {retrieval.origin} {retrieval.path}")
        what = f"raw.{ds.table}: {checked['rows']} rows" + (" (rejected, previous table kept)" if problems else "")
        return MaterializeResult(
            check_results=[result(problems, what)],
            metadata={
                "rows": rows,
                "rejected": bool(problems),
                "origin": retrieval.origin,
                "path": str(retrieval.path),
                "sha256": retrieval.sha256,
                "bytes": retrieval.bytes,
                "retrieved_at": retrieval.retrieved_at,
                "preview": MetadataValue.md(markdown_table(preview)),
            }
        )

    return _ingest


def markdown_table(df) -> str:
    """A small Markdown preview of a DataFrame (for the Dagster UI)."""
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join("" if v is None else str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)


SOURCE_ASSETS = [_make(ds) for ds in catalog.DATASETS.values()]
ASSET_BY_DATASET = {ds.id: asset_name(ds) for ds in catalog.DATASETS.values()}
