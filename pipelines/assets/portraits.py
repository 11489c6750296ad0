"""What people read: the staged published database, the portraits, the catalogue page and their
publication into ``output/`` (group ``portraits``); the GeoJSON, training and directory exports
(group ``exports``)."""


import shutil
import time

import duckdb
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from portraits import contract, editions, publication, warehouse
from reports import build as report_build
from reports import annuaire_exports, formation_exports
from reports import geo_exports as geo_exports_module
from reports import confirmation_exports, set_render, site

from ..resources import PortraitsSettings
from . import build_info
from .rendering import PORTRAIT_SETS
from .warehouse import indicator_observations


@asset(group_name="portraits", pool="duckdb_writer", deps=[indicator_observations], kinds={"duckdb"})
def published_database(context: AssetExecutionContext, settings: PortraitsSettings) -> MaterializeResult:
    """A new copy of the published schemas (``ref``, ``indicators``, ``meta``) in the build
    directory, with its ``meta.build`` row. Readers get it only when ``published_outputs`` swaps it
    in; until then they keep reading the previous ``output/portraits.duckdb``."""
    build_dir = publication.prepare_build_dir(settings.build_path())
    staged = build_dir / "portraits.duckdb"
    started_at = warehouse.now()
    counts = warehouse.stage_published(settings.work_db_path(), staged,
                                       build_id=context.run_id, started_at=started_at)
    # This edition and the archived databases of the previous ones (meta.edition, editions/)
    edition_id = publication.new_edition_id(context.run_id)
    archived = editions.archive_previous(settings.output_path(), build_dir)
    with warehouse.connect(staged) as con:
        n_editions = editions.record_editions(con, build_dir, edition_id, context.run_id, started_at, archived)
    # The contract: meta.column (a ContractError on an undocumented column stops the build),
    # output/schema.md and every table as Parquet.
    with warehouse.connect(staged) as con:
        n_columns = contract.write_meta_column(con)
        for w in contract.check_contract(con).warnings:
            context.log.warning(w)
        contract.write_schema_md(con, build_dir / "schema.md")
        parquet = contract.export_parquet(con, build_dir / "parquet")
        fingerprint = contract.contract_fingerprint(con)
    return MaterializeResult(metadata={"path": str(staged),
                                       "tables": MetadataValue.json(counts),
                                       "documented_columns": n_columns,
                                       "parquet_files": len(parquet),
                                       "schema_version": warehouse.SCHEMA_VERSION,
                                       "edition": edition_id,
                                       "editions_listed": n_editions,
                                       "contract_fingerprint": fingerprint})


def _portrait_sets(con) -> list[str]:
    """The sets flagged for portraits (``clpe`` and coordinators' sets)."""
    return [r[0] for r in con.execute("select set_id from ref.territory_set where portraits order by set_id").fetchall()]


@asset(group_name="portraits", deps=[published_database], kinds={"html", "pdf"})
def portrait_files(context: AssetExecutionContext, settings: PortraitsSettings) -> MaterializeResult:
    """For every territory of every set flagged for portraits (``clpe`` and coordinators' sets):
    ``portraits/<set_id>/<territory_id>/portrait.html``, ``portrait.pdf``, ``essentiel.pdf`` (4
    pages) and ``indicateurs.csv`` (``;``-separated, UTF-8 with BOM) in the build directory (the
    exports of their folders are assets of their own, group ``exports``). The sets rendered
    through ``territory_portraits`` (``var/portrait_sets.txt``) keep their published portraits
    (territories still in the set), to be rendered again by that job. Keyed by content: a territory whose
    portrait would not change (same data, definition, template) reuses the published files, so a
    rebuild renders only the territories affected by a change."""
    build_dir = settings.build_path()
    db = build_dir / "portraits.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        sets = _portrait_sets(con)
        # the sets rendered through territory_portraits keep their published portraits until
        # that job renders them again on this edition (portraits render, or the sensor after a build)
        carried = set_render.carry_over(con, settings.output_path(), build_dir,
                                        [s for s in set_render.remembered(settings.rendered_sets_path())
                                         if s not in sets])
    info = build_info(context)
    results = []
    t0 = time.perf_counter()
    for set_id in sets:
        results += report_build.render_set(db, set_id, build_dir, info, workers=settings.workers or None,
                                           previous=settings.output_path(),
                                           progress=context.log.info)
    wall = time.perf_counter() - t0
    # charts are drawn as SVG in milliseconds: the PNG cache of earlier versions is not used any more
    shutil.rmtree(settings.cache_path() / "charts", ignore_errors=True)
    return MaterializeResult(metadata={
        "sets": MetadataValue.json(sets),
        "portraits": len(results),
        "rendered": sum(1 for r in results if not r.get("reused")),
        "reused_unchanged": sum(1 for r in results if r.get("reused")),
        "rendered_territories": MetadataValue.json(
            [f"{r['set_id']}/{r['territory_id']}" for r in results if not r.get("reused")]),
        "pdf_pages": sum(r["pages"] for r in results),
        "wall_seconds": round(wall, 2),
        "html_seconds_sum": round(sum(r["html_seconds"] for r in results), 2),
        "pdf_seconds_sum": round(sum(r["pdf_seconds"] for r in results), 2),
        "output_dir": str(build_dir / "portraits"),
        "carried_over": MetadataValue.json(carried),
    })



@asset(group_name="exports", deps=[portrait_files], kinds={"geojson"})
def geo_exports(context: AssetExecutionContext, settings: PortraitsSettings) -> MaterializeResult:
    """The outlines as GeoJSON (WGS 84): ``territoires/<set_id>.geojson`` for every set, and
    ``territoire.geojson`` in each portrait folder of the sets flagged for portraits (written after
    the portraits, into their folders)."""
    build_dir = settings.build_path()
    with duckdb.connect(str(build_dir / "portraits.duckdb"), read_only=True) as con:
        rendered = set(_portrait_sets(con))
        all_sets = [r[0] for r in con.execute("select set_id from ref.territory_set order by set_id").fetchall()]
        files = [p for s in all_sets for p in geo_exports_module.write_set(con, build_dir, s, per_territory=s in rendered)]
    return MaterializeResult(metadata={"files": len(files), "sets": MetadataValue.json(all_sets)})


@asset(group_name="exports", deps=[portrait_files], kinds={"csv", "geojson"})
def training_exports(context: AssetExecutionContext, settings: PortraitsSettings) -> MaterializeResult:
    """The training establishments of each portrait's territory, with their InserJeunes rates:
    ``etablissements.csv`` and ``etablissements.geojson`` in its folder."""
    build_dir = settings.build_path()
    files = []
    with duckdb.connect(str(build_dir / "portraits.duckdb"), read_only=True) as con:
        for set_id in _portrait_sets(con):
            ids = [r[0] for r in con.execute("select territory_id from ref.territory where set_id = ? "
                                             "order by territory_id", [set_id]).fetchall()]
            files += formation_exports.write_exports(con, build_dir, set_id, ids)
    return MaterializeResult(metadata={"files": len(files)})


@asset(group_name="exports", deps=[published_database], kinds={"csv", "xlsx"})
def directory_exports(context: AssetExecutionContext, settings: PortraitsSettings) -> MaterializeResult:
    """The directory of reception points (``annuaire/``: CSV, GeoJSON, per territory) and the
    networks' confirmation sheets."""
    build_dir = settings.build_path()
    with duckdb.connect(str(build_dir / "portraits.duckdb"), read_only=True) as con:
        annuaire = annuaire_exports.write_exports(con, build_dir)
        sheets = confirmation_exports.write_sheets(con, build_dir)
    return MaterializeResult(metadata={"directory_export_files": len(annuaire),
                                       "confirmation_sheet_files": len(sheets)})


@asset(group_name="portraits", deps=[portrait_files, geo_exports, training_exports, directory_exports],
       kinds={"html"})
def catalogue_page(context: AssetExecutionContext, settings: PortraitsSettings) -> MaterializeResult:
    """The catalogue ``index.html``: every set and territory with its HTML, PDF and CSV downloads,
    a search box, the build date and the data vintages. Works from the files alone."""
    build_dir = settings.build_path()
    with duckdb.connect(str(build_dir / "portraits.duckdb"), read_only=True) as con:
        out = site.render_catalogue(con, build_dir, build_info(context))
    return MaterializeResult(metadata={"path": str(out)})


@asset(group_name="portraits", deps=[catalogue_page], kinds={"python"})
def published_outputs(context: AssetExecutionContext, settings: PortraitsSettings) -> MaterializeResult:
    """Publication: the complete build becomes ``output/`` in one atomic step (the build folder
    becomes an edition under ``output.editions/`` and the ``output`` link is switched to it; the
    last editions are kept). Runs only when every upstream asset and blocking check succeeded, so a
    failed or killed build leaves the previous publication exactly as it was."""
    with duckdb.connect(str(settings.build_path() / "portraits.duckdb"), read_only=True) as con:
        edition_id = editions.current_edition_id(con) or publication.new_edition_id(context.run_id)
    done = publication.publish(settings.build_path(), settings.output_path(), edition_id=edition_id)
    # every published set is a partition of territory_portraits (rendered on demand)
    with duckdb.connect(str(settings.output_path() / "portraits.duckdb"), read_only=True) as pub:
        set_ids = [r[0] for r in pub.execute("select set_id from ref.territory_set order by set_id").fetchall()]
    known = set(context.instance.get_dynamic_partitions(PORTRAIT_SETS.name))
    if set(set_ids) - known:
        context.instance.add_dynamic_partitions(PORTRAIT_SETS.name, sorted(set(set_ids) - known))
    for gone in sorted(known - set(set_ids)):
        context.instance.delete_dynamic_partition(PORTRAIT_SETS.name, gone)
    published_db = settings.output_path() / "portraits.duckdb"
    with duckdb.connect(str(published_db), read_only=True) as pub:
        build_row = pub.execute("select * from meta.build where build_id = ?", [context.run_id]).fetchall()
    with warehouse.connect(settings.work_db_path()) as con:
        con.executemany("insert into meta.build values (?, ?, ?, ?, ?)", build_row)
    return MaterializeResult(metadata={"published": MetadataValue.json(done),
                                       "edition": edition_id,
                                       "output_dir": str(settings.output_path())})
