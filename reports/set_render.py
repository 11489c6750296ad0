"""Rendering one set's portraits on a published edition, in batches, then publishing them.

Used by the partitioned rendering asset (``pipelines.assets.rendering``): the plan cuts the set
into batches, each batch is a step that Dagster's executor runs wherever it runs steps (processes
on this machine, a Dask cluster, Kubernetes pods), and one last step publishes. The steps share
nothing but files:

- they read the **published edition** (``output.editions/<id>/``), which is never modified once
  published, so no step needs the build lock while rendering;
- each batch writes its portraits under ``<work>/portraits/<set_id>/<territory_id>/``;
- the publishing step takes the build lock, checks that the edition it rendered from is still the
  published one (else it refuses: another build published meanwhile, nothing is lost), copies the
  edition (hard links for the database and the portraits it keeps), puts the new portraits in,
  writes the catalogue again and publishes the whole as a new folder, atomically.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import duckdb

from portraits import editions, publication

from . import build as report_build
from . import formation_exports, geo_exports, site

# Above this many territories in one rendering, the plan refuses (memory and time stay bounded:
# render such a set in parts with territory_ids). The full commune set (1,228) is well below.
MAX_TERRITORIES = int(os.environ.get("PORTRAITS_RENDER_MAX", "5000") or 5000)


class RenderError(RuntimeError):
    """A rendering that cannot be done (French message naming the set or territory)."""


def published_edition(output_dir: Path) -> Path:
    edition = publication.current_edition(Path(output_dir))
    if edition is None or not (edition / editions.DB_NAME).is_file():
        raise RenderError(f"aucune édition publiée dans {output_dir} : lancez d'abord « portraits build »")
    return edition


def plan(edition: Path, set_id: str, territory_ids: list[str] | None = None, batch_size: int = 0,
         max_territories: int = MAX_TERRITORIES, lots: int = 8) -> list[list[str]]:
    """The set's territories (or the asked ones) cut into at most ``lots`` batches of at least 4
    (or ``batch_size``, the lots then growing to hold them all); refuses an unknown set or
    territory, and more than ``max_territories`` at once."""
    with duckdb.connect(str(edition / editions.DB_NAME), read_only=True) as con:
        known = [r[0] for r in con.execute("select territory_id from ref.territory where set_id = ? "
                                           "order by territory_id", [set_id]).fetchall()]
    if not known:
        raise RenderError(f"le jeu de territoires « {set_id} » n'existe pas dans l'édition publiée "
                          f"({edition.name})")
    ids = known
    if territory_ids:
        unknown = sorted(set(territory_ids) - set(known))
        if unknown:
            raise RenderError(f"territoire(s) inconnu(s) dans le jeu « {set_id} » : {', '.join(unknown[:10])}")
        wanted = set(territory_ids)
        ids = [t for t in known if t in wanted]
    if len(ids) > max_territories:
        raise RenderError(f"le jeu « {set_id} » compte {len(ids)} territoires : au-delà de {max_territories} "
                          "par rendu (PORTRAITS_RENDER_MAX), rendez-le en plusieurs fois avec une liste de "
                          "territoires")
    size = max(batch_size or 4, -(-len(ids) // lots))
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _previous_db(edition: Path, con) -> Path | None:
    """The database of the edition before ``edition`` (its « Ce qui a changé » compares with it)."""
    listed = editions.edition_list(con)
    for e in listed[1:2]:
        path = edition / "editions" / e["edition_id"] / editions.DB_NAME
        if path.is_file():
            return path
    return None


def render_batch(edition: Path, set_id: str, ids: list[str], work: Path, build: dict, *,
                 log=None) -> list[dict]:
    """Render ``ids`` of ``set_id`` from the published ``edition`` into ``work``; a territory whose
    portrait is already in the edition with the same content fingerprint is copied, not redrawn.
    A failure names the territory."""
    con = duckdb.connect(str(edition / editions.DB_NAME), read_only=True)
    prev = _previous_db(edition, con)
    prev_con = duckdb.connect(str(prev), read_only=True) if prev else None
    out, t0 = [], time.perf_counter()
    try:
        for i, tid in enumerate(ids, 1):
            try:
                out.append(report_build.render_territory(con, set_id, tid, work, build, previous=edition,
                                                         previous_con=prev_con))
            except Exception as exc:
                raise RenderError(f"portrait {set_id}/{tid} : {type(exc).__name__} : {exc}") from exc
            if log is not None:
                log(report_build.progress_text(set_id, i, len(ids), time.perf_counter() - t0))
    finally:
        con.close()
        if prev_con is not None:
            prev_con.close()
    return out


def _copy_edition(edition: Path, build_dir: Path, replaced: set[str]) -> None:
    """The edition into ``build_dir``: hard links for the database, its archives, the Parquet files
    and the PDF and HTML of the portraits kept (files nothing writes again); real copies of
    everything else, which the exports and the catalogue may rewrite (writing through a hard link
    would change the published edition). ``replaced``: portrait folders left out."""
    for src in edition.rglob("*"):
        rel = src.relative_to(edition)
        parts = rel.parts
        if parts[:1] == ("portraits",) and len(parts) >= 3 and f"{parts[1]}/{parts[2]}" in replaced:
            continue
        dst = build_dir / rel
        if src.is_dir():
            dst.mkdir(parents=True, exist_ok=True)
        elif (parts[0] in ("editions", "parquet") or rel.name == editions.DB_NAME
              or (parts[0] == "portraits" and src.suffix in (".pdf", ".html"))):
            editions.link_or_copy(src, dst)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def publish_set(edition: Path, work: Path, set_id: str, rendered: list[dict], *, whole_set: bool,
                build_dir: Path, output_dir: Path, build: dict) -> dict:
    """Publish the portraits rendered into ``work`` over the ``edition`` they were rendered from.
    The caller holds the build lock. Refused (``RenderError``) when another edition was published
    since: the rendering is then simply run again."""
    current = publication.current_edition(output_dir)
    if current is None or current.resolve() != edition.resolve():
        raise RenderError(f"une autre édition a été publiée pendant le rendu ({current.name if current else 'aucune'} "
                          f"au lieu de {edition.name}) : rien n'est publié, relancez le rendu")
    build_dir = publication.prepare_build_dir(build_dir)
    ids = {r["territory_id"] for r in rendered}
    replaced = {f"{set_id}/{t}" for t in ids}
    if whole_set:  # territories gone from the set lose their portrait
        replaced |= {f"{set_id}/{p.name}" for p in (edition / "portraits" / set_id).glob("*") if p.is_dir()}
    _copy_edition(edition, build_dir, replaced)
    for tid in sorted(ids):
        dst = build_dir / "portraits" / set_id / tid
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(work / "portraits" / set_id / tid, dst)
    with duckdb.connect(str(build_dir / editions.DB_NAME), read_only=True) as con:
        # the set's outlines are already in the edition (same database): the new folders only
        geo_exports.write_set(con, build_dir, set_id, per_territory=True, territory_ids=ids, set_file=False)
        formation_exports.write_exports(con, build_dir, set_id, sorted(ids))
        site.render_catalogue(con, build_dir, build)
    # the same edition (same database), with more portraits: a folder of its own
    folder = publication.new_edition_id("rendu" + re.sub(r"[^A-Za-z0-9]", "", build.get("build_id", ""))[:7])
    publication.publish(build_dir, output_dir, edition_id=folder)
    return {"edition_folder": folder, "portraits": len(ids), "set_id": set_id}


def remember(path: Path, set_id: str, whole: bool = True) -> None:
    """``set_id`` joins the sets every later build renders again (``path``:
    ``var/portrait_sets.txt`` beside the working database): the whole set, or (``whole`` false,
    a render of some territories) only the territories whose portraits are published."""
    sets = _read(path)
    sets[set_id] = sets.get(set_id, False) or whole
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{s}{'' if w else ' part'}\n" for s, w in sorted(sets.items())), encoding="utf-8")


def _read(path: Path) -> dict[str, bool]:
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts:
            out[parts[0]] = parts[1:2] != ["part"]
    return out


def remembered(path: Path) -> list[str]:
    """The remembered set ids (see :func:`remember`)."""
    return sorted(_read(path))


def to_render_again(path: Path, output_dir: Path) -> list[tuple[str, list[str] | None]]:
    """After a build: each remembered set with ``None`` (the whole set) or the territories whose
    portraits the new edition carries (a set of which only some territories were rendered)."""
    edition = publication.current_edition(Path(output_dir))
    out = []
    for set_id, whole in sorted(_read(path).items()):
        if whole:
            out.append((set_id, None))
            continue
        folder = edition / "portraits" / set_id if edition else None
        ids = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder and folder.is_dir() else []
        if ids:
            out.append((set_id, ids))
    return out


def carry_over(con, output_dir: Path, build_dir: Path, set_ids: list[str]) -> dict[str, int]:
    """The published portraits of ``set_ids`` into the new build, as they are (hard links), for
    the territories the set still has; returns how many per set. Each portrait keeps its own date
    and figures until ``territory_portraits`` renders the set again on the new edition."""
    edition = publication.current_edition(Path(output_dir))
    done: dict[str, int] = {}
    if edition is None:
        return done
    for set_id in set_ids:
        src = edition / "portraits" / set_id
        if not src.is_dir():
            continue
        keep = {r[0] for r in con.execute("select territory_id from ref.territory where set_id = ?",
                                          [set_id]).fetchall()}
        n = 0
        for tdir in sorted(p for p in src.iterdir() if p.is_dir() and p.name in keep):
            dst = Path(build_dir) / "portraits" / set_id / tdir.name
            for f in tdir.iterdir():
                if f.is_file():
                    editions.link_or_copy(f, dst / f.name)
            n += 1
        done[set_id] = n
    return done
