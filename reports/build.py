"""Write the per-territory files: portrait.html, portrait.pdf, indicateurs.csv.

Reads the staged database read-only; writes under ``<root>/portraits/<set_id>/<territory_id>/``.
Rendering is spread over processes (WeasyPrint is CPU-bound): each worker opens its own read-only
connection.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import duckdb

from . import render
from portraits import editions
from portraits.safety import spreadsheet_csv

from .formatting import csv_number
from .portrait import ESSENTIEL_PAGES, comparison_areas, portrait_context, render_essentiel, render_portrait

CSV_COLUMNS = ["zone", "code_zone", "indicateur", "libelle", "periode", "valeur", "unite", "statut",
               "numerateur", "denominateur", "source", "millesime", "note"]


def indicators_csv(con, set_id: str, territory_id: str, areas: list[dict] | None = None) -> bytes:
    """``;``-separated, UTF-8 with BOM, decimal comma: opens as is in a French spreadsheet.
    ``areas``: the comparison areas, when the caller already has them."""
    areas = areas or comparison_areas(con, set_id, territory_id)
    out = []
    for a in areas:
        rows = con.execute(
            """select o.indicator_id, c.label, o.period, o.value, c.unit, o.status, o.numerator,
                      o.denominator, o.source_id, s.vintage, o.note, c.decimals
               from indicators.observation o
               join indicators.catalog c using (indicator_id)
               left join meta.source s on s.source_id = o.source_id
               where o.set_id = ? and o.territory_id = ?
               order by o.indicator_id, o.period""",
            [a["set_id"], a["territory_id"]],
        ).fetchall()
        for ind, label, period, value, unit, status, num, den, src, vintage, note, decimals in rows:
            out.append([a.get("full_label", a["label"]), a["territory_id"], ind, label, period,
                        csv_number(value, decimals if decimals else None), unit, status,
                        csv_number(num), csv_number(den), src, vintage or "", note or ""])
    return spreadsheet_csv(CSV_COLUMNS, out)


FILES = ("portrait.html", "portrait.pdf", "essentiel.pdf", "indicateurs.csv")


class EssentielError(RuntimeError):
    """The handout does not fit on its pages (French message naming the territory)."""


def essentiel_pdf(ctx: dict, out: Path) -> int:
    """Write ``essentiel.pdf``: 4 A4 pages. A territory whose tables would overflow is rendered
    again with fewer rows (``dense`` 1, then 2); one that still does not fit is an error naming it,
    never a 5-page handout."""
    pages = 0
    for dense in (0, 1, 2):
        pages = render.portrait_pdf(render_essentiel(ctx, dense=dense), out, base_url=out.parent, kind="essentiel")
        if pages <= ESSENTIEL_PAGES:
            return pages
    out.unlink(missing_ok=True)
    raise EssentielError(f"« L'essentiel » de {ctx['territory']['label']} ({ctx['territory']['territory_id']}) "
                         f"tient sur {pages} pages au lieu de {ESSENTIEL_PAGES}")

@lru_cache(maxsize=None)
def _rendering_code_digest() -> str:
    """The templates, stylesheet and Python that turn a context into HTML and PDF."""
    here = Path(__file__).parent
    files = sorted([*(here / "templates").rglob("*.j2"), *(here / "static").rglob("*"),
                    here / "formatting.py", here / "render.py", here / "portrait.py", here / "build.py",
                    here / "typst_pdf.py"])
    h = hashlib.sha256()
    h.update(f"pdf={render.pdf_engine()};".encode())
    for lib in ("weasyprint", "typst", "jinja2", "babel", "markupsafe"):
        try:
            h.update(f"{lib}={version(lib)};".encode())
        except PackageNotFoundError:
            h.update(f"{lib}=?;".encode())
    for f in files:
        if f.is_file():
            h.update(f.relative_to(here).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def canonical(obj):
    """Floats to 12 significant digits (sums of floats vary in their last bits from one build to
    the next; no portrait shows a difference that small), through lists, tuples and dicts."""
    if isinstance(obj, float):
        return float(f"{obj:.12g}")
    if isinstance(obj, (list, tuple)):
        return type(obj)(canonical(v) for v in obj)
    if isinstance(obj, dict):
        return {k: canonical(v) for k, v in obj.items()}
    return obj


def content_fingerprint(ctx: dict, csv_bytes: bytes) -> str:
    """SHA-256 of the rendering code, the portrait's context (without the build stamp; floats to
    12 significant digits) and its CSV. Cheaper than rendering the HTML to compare it, and it
    changes whenever the HTML would. The context holds only what the portrait uses: no retrieval
    time, no set description (see reports.portrait.portrait_context)."""
    h = hashlib.sha256(_rendering_code_digest().encode())
    # JSON, not pickle: a pickle also encodes which equal objects are shared, which varies
    h.update(json.dumps(canonical({k: v for k, v in ctx.items() if k != "build"}), default=repr,
                        ensure_ascii=False).encode("utf-8"))
    h.update(csv_bytes)
    return h.hexdigest()


def render_territory(con, set_id: str, territory_id: str, root: Path, build: dict, *, pdf: bool = True,
                     previous: Path | None = None, previous_con=None) -> dict:
    """Render one portrait into ``root``. When ``previous`` (the published output folder) holds a
    portrait of this territory whose content fingerprint is the same, its files are reused instead
    of rendering the PDF again: a rebuild only re-renders the territories whose data changed.

    The fingerprint (:func:`content_fingerprint`) covers what the portrait shows (its context,
    charts included), the code and templates that render it, and its CSV: any change of data,
    definition, template or code changes it.

    The block « Ce qui a changé depuis l'édition du … » compares the territory with the previous
    edition's database (``previous_con``, read-only; None for a first edition,
    ``portraits.editions.territory_changes``). It is left out of the fingerprint: a reused portrait
    keeps the block it was rendered with, which compares it with the last edition whose figures
    differed from today's.
    """
    out = root / "portraits" / set_id / territory_id
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ctx = portrait_context(con, set_id, territory_id, build={})
    csv_bytes = indicators_csv(con, set_id, territory_id, ctx["areas"])
    fingerprint = content_fingerprint(ctx, csv_bytes)
    old = previous / "portraits" / set_id / territory_id if previous else None
    if (old is not None and (old / ".fingerprint").is_file() and all((old / f).is_file() for f in FILES)
            and (old / ".fingerprint").read_text().strip() == fingerprint and pdf):
        for f in FILES:
            shutil.copy2(old / f, out / f)
        (out / ".fingerprint").write_text(fingerprint)
        return {"set_id": set_id, "territory_id": territory_id, "label": ctx["territory"]["label"],
                "dir": str(out), "pages": 0, "reused": True,
                "html_seconds": time.perf_counter() - t0, "pdf_seconds": 0.0}
    ctx["build"] = build
    ctx["changes"] = editions.territory_changes(con, previous_con, set_id, territory_id,
                                                [s["source_id"] for s in ctx["sources"]])
    html = render_portrait(ctx)
    (out / "portrait.html").write_text(html, encoding="utf-8")
    (out / "indicateurs.csv").write_bytes(csv_bytes)
    t1 = time.perf_counter()
    pages = (render.portrait_pdf(render_portrait(ctx, for_print=True), out / "portrait.pdf", base_url=out)
             if pdf else 0)
    if pdf:
        essentiel_pdf(ctx, out / "essentiel.pdf")
    t2 = time.perf_counter()
    (out / ".fingerprint").write_text(fingerprint)
    return {"set_id": set_id, "territory_id": territory_id, "label": ctx["territory"]["label"],
            "dir": str(out), "pages": pages, "reused": False, "html_seconds": t1 - t0, "pdf_seconds": t2 - t1}


def _worker(args):
    db_path, set_id, ids, root, build, pdf, previous = args
    con = duckdb.connect(str(db_path), read_only=True)
    prev_db = Path(previous) / editions.DB_NAME if previous else None
    prev_con = None
    if prev_db is not None and prev_db.is_file():
        try:
            prev_con = duckdb.connect(str(prev_db), read_only=True)
        except duckdb.Error:
            prev_con = None  # unreadable: the block says "première édition" rather than failing
    try:
        return [render_territory(con, set_id, tid, Path(root), build, pdf=pdf, previous=previous,
                                 previous_con=prev_con) for tid in ids]
    finally:
        con.close()
        if prev_con is not None:
            prev_con.close()


# what a rendering process imports before its first portrait (also preloaded by the Dagster
# executor's forkserver, pipelines/executors.py)
PRELOAD = ["reports.build", "reports.sections", "reports.typst_pdf", "geopandas", "typst"]


def _pool_context():
    """Workers forked from a clean server, never from this process: a process that has already
    compiled a PDF holds Typst's (Rust) thread pool, and a child forked from it can wait forever
    on a lock one of those threads held. The server imports the rendering code once."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def progress_text(set_id: str, done: int, total: int, seconds: float) -> str:
    """« portraits clpe : 12/20 (60 %), 1,8 par seconde, encore 4 s environ » (French, for logs)."""
    from .formatting import number

    rate = done / seconds if seconds > 0 else 0.0
    left = (total - done) / rate if rate > 0 else None
    text = f"portraits {set_id} : {done}/{total} ({round(100 * done / total) if total else 100} %)"
    if done and rate:
        text += f", {number(rate, 1)} par seconde"
    if left is not None and done < total:
        text += f", encore {number(left, 0)} s environ"
    return text


def render_set(db_path: Path, set_id: str, root: Path, build: dict, *, territory_ids=None,
               workers: int | None = None, pdf: bool = True, previous: Path | None = None,
               progress=None, progress_every: float = 2.0) -> list[dict]:
    """Render every territory of ``set_id`` (or only ``territory_ids``), reusing the unchanged
    portraits of ``previous`` (see :func:`render_territory`).

    ``progress(text)`` (e.g. a logger's ``info``) receives :func:`progress_text` as batches finish,
    at most every ``progress_every`` seconds, and always at the end. Work goes out in small batches
    (a few territories each) so that progress is seen and the workers stay busy to the end."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        ids = [r[0] for r in con.execute(
            "select territory_id from ref.territory where set_id = ? order by territory_id", [set_id]
        ).fetchall()]
    if territory_ids is not None:
        wanted = set(territory_ids)
        ids = [i for i in ids if i in wanted]
    if not ids:
        return []
    t0, last = time.perf_counter(), [0.0]
    results: list[dict] = []

    def report(final: bool = False):
        now = time.perf_counter() - t0
        if progress is not None and (final or now - last[0] >= progress_every):
            last[0] = now
            progress(progress_text(set_id, len(results), len(ids), now))

    workers = workers or min(len(ids), os.cpu_count() or 1, 4)
    size = max(1, min(8, len(ids) // (workers * 4)))
    batches = [ids[i:i + size] for i in range(0, len(ids), size)]
    if workers <= 1:
        for batch in batches:
            results.extend(_worker((db_path, set_id, batch, root, build, pdf, previous)))
            report()
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
            futures = [pool.submit(_worker, (db_path, set_id, b, root, build, pdf, previous))
                       for b in batches]
            for future in as_completed(futures):
                results.extend(future.result())
                report()
    report(final=True)
    return sorted(results, key=lambda r: r["territory_id"])
