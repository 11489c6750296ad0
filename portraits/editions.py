"""Editions: every publication is kept, listed, and compared with the one before.

* :func:`archive_previous` puts the database of the previous editions beside the new build, under
  ``editions/<edition_id>/portraits.duckdb`` (a hard link when the file system allows it, else a
  copy): a reader of ``output/`` can open any of the last :data:`ARCHIVES_KEPT` editions'
  databases (``PORTRAITS_ARCHIVES_KEPT``, default 12), long after the edition folders themselves
  were pruned (``portraits.publication.KEPT``).
* :func:`record_editions` writes ``meta.edition`` (one row per edition: this one and the archived
  ones) and ``meta.edition_source`` (the vintage and SHA-256 of every dataset in every edition), so
  that the catalogue and other tools can list the editions and what changed between them.
* :func:`territory_changes` compares one territory between the new database and the previous
  edition's: key figures that moved (a new period or a revised value), datasets with a new vintage,
  communes added or removed, reception points opened or closed. The portrait shows it in its block
  « Ce qui a changé depuis l'édition du … ».

Plain Python and SQL, no Dagster.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ARCHIVES = "editions"
DB_NAME = "portraits.duckdb"
_EDITION = re.compile(r"^[0-9A-Za-z_-]{1,80}$")

# The key figures compared between editions, in this order: (indicator id, short French label).
# One place: the portrait's block and the tests read this list.
KEY_INDICATORS: list[tuple[str, str]] = [
    ("population", "Population municipale"),
    ("emplois_salaries_prives", "Emplois salariés du secteur privé"),
    ("etablissements_employeurs", "Établissements employeurs"),
    ("demandeurs_emploi_abc", "Demandeurs d'emploi (A, B, C)"),
    ("taux_chomage_localise", "Taux de chômage localisé"),
    ("projets_recrutement", "Projets de recrutement (BMO)"),
    ("formations_parcoursup", "Formations dans Parcoursup"),
    ("points_accueil", "Lieux d'accueil de l'annuaire"),
]


def _archives_kept() -> int:
    value = os.environ.get("PORTRAITS_ARCHIVES_KEPT", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 12


ARCHIVES_KEPT = _archives_kept()


def link_or_copy(src: Path, dst: Path) -> None:
    """A hard link (same file system: no bytes copied), else a copy."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def archive_previous(previous_output: Path | None, build_dir: Path, *, kept: int = ARCHIVES_KEPT) -> list[str]:
    """Archive the previous edition's database and the archives it carried (newest first, at
    most ``kept`` in all) under ``build_dir/editions/``. ``previous_output`` is the published
    ``output`` link (or folder); returns the archived edition ids, newest first."""
    if previous_output is None or not (Path(previous_output) / DB_NAME).is_file():
        return []
    previous_output = Path(previous_output)
    candidates: list[tuple[str, Path]] = [(_edition_id_of(previous_output), previous_output / DB_NAME)]
    old = previous_output / ARCHIVES
    if old.is_dir():
        for d in sorted((p for p in old.iterdir() if p.is_dir() and _EDITION.match(p.name)), reverse=True):
            if (d / DB_NAME).is_file():
                candidates.append((d.name, d / DB_NAME))
    done = []
    for edition_id, db in candidates:
        if len(done) >= kept:
            break
        if not _EDITION.match(edition_id) or edition_id in done:
            continue
        link_or_copy(db, build_dir / ARCHIVES / edition_id / DB_NAME)
        done.append(edition_id)
    return done


def _edition_id_of(output: Path) -> str:
    """The id of the published edition in ``output``: recorded in its database (``meta.edition``),
    else its folder's name when ``output`` is an edition link, else ``avant-editions-<build>``
    (an ``output/`` published before editions existed)."""
    import duckdb

    try:
        with duckdb.connect(str(output / DB_NAME), read_only=True) as con:
            recorded = current_edition_id(con)
            build = _one(con, "select build_id from meta.build order by finished_at desc limit 1")
    except duckdb.Error:
        recorded, build = None, None
    if recorded and _EDITION.match(recorded):
        return recorded
    if output.is_symlink() and _EDITION.match(output.resolve().name):
        return output.resolve().name
    return "avant-editions-" + re.sub(r"[^A-Za-z0-9_-]", "", str(build or "build"))[:12]


def _one(con, sql: str, params=()):
    row = con.execute(sql, list(params)).fetchone()
    return row[0] if row else None


def record_editions(con, build_dir: Path, edition_id: str, build_id: str, published_at: str,
                    archived: list[str]) -> int:
    """Create and fill ``meta.edition`` and ``meta.edition_source`` in the staged database
    ``con`` (read-write); returns the number of editions listed."""
    import duckdb

    con.execute("""create or replace table meta.edition (
        edition_id varchar primary key, published_at varchar, build_id varchar, is_current boolean,
        database_path varchar, previous_edition_id varchar)""")
    con.execute("""create or replace table meta.edition_source (
        edition_id varchar, source_id varchar, title varchar, vintage varchar, sha256 varchar,
        primary key (edition_id, source_id))""")
    chain = [edition_id, *archived]
    rows = [(edition_id, published_at, build_id, True, DB_NAME, chain[1] if len(chain) > 1 else None)]
    con.execute("""insert into meta.edition_source
                   select ?, source_id, title, vintage, sha256 from meta.source""", [edition_id])
    for i, old_id in enumerate(archived):
        path = build_dir / ARCHIVES / old_id / DB_NAME
        rel = f"{ARCHIVES}/{old_id}/{DB_NAME}"
        try:
            old = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            continue
        try:
            build = old.execute("select build_id, finished_at from meta.build "
                                "order by finished_at desc limit 1").fetchone() or (None, None)
            sources = old.execute("select source_id, title, vintage, sha256 from meta.source").fetchall()
        except duckdb.Error:
            build, sources = (None, None), []
        finally:
            old.close()
        rows.append((old_id, build[1], build[0], False, rel, chain[i + 2] if len(chain) > i + 2 else None))
        con.executemany("insert into meta.edition_source values (?, ?, ?, ?, ?)",
                        [(old_id, *s) for s in sources])
    con.executemany("insert into meta.edition values (?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def current_edition_id(con) -> str | None:
    import duckdb

    try:
        return _one(con, "select edition_id from meta.edition where is_current")
    except duckdb.Error:  # an older database without meta.edition
        return None


def edition_list(con) -> list[dict]:
    """Editions newest first, each with the datasets whose vintage or file changed since the
    edition before it (``changed_sources``: titles with old → new vintage)."""
    import duckdb

    try:
        rows = con.execute("select edition_id, published_at, build_id, is_current, database_path, "
                           "previous_edition_id from meta.edition order by edition_id").fetchall()
    except duckdb.Error:
        return []
    # newest first: from the current edition along previous_edition_id (the publication order)
    by_id = {r[0]: r for r in rows}
    editions, seen = [], set()
    nxt = next((r[0] for r in rows if r[3]), None)
    while nxt in by_id and nxt not in seen:
        seen.add(nxt)
        editions.append(by_id[nxt])
        nxt = by_id[nxt][5]
    editions += [r for r in rows if r[0] not in seen]
    out = []
    for eid, published_at, build_id, current, path, prev in editions:
        changed = con.execute(
            """select n.title, o.vintage, n.vintage, o.sha256 is distinct from n.sha256
               from meta.edition_source n
               left join meta.edition_source o on o.edition_id = ? and o.source_id = n.source_id
               where n.edition_id = ? and ? is not null
                 and (o.source_id is null or o.vintage is distinct from n.vintage
                      or o.sha256 is distinct from n.sha256)
               order by n.title""", [prev, eid, prev]).fetchall()
        n_sources = _one(con, "select count(*) from meta.edition_source where edition_id = ?", [eid])
        out.append({"edition_id": eid, "published_at": published_at, "build_id": build_id,
                    "current": bool(current), "database": path, "previous": prev, "n_sources": n_sources,
                    "changed_sources": [{"title": t, "old": o, "new": n, "file_only": bool(f) and o == n}
                                        for t, o, n, f in changed]})
    return out


# ------------------------------------------------------------------------------ what changed

def _latest(con, set_id: str, territory_id: str, indicator_id: str):
    return con.execute(
        """select period, value, status from indicators.observation
           where set_id = ? and territory_id = ? and indicator_id = ?
           order by period desc limit 1""", [set_id, territory_id, indicator_id]).fetchone()


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)), abs(float(b)))


def territory_changes(con, previous, set_id: str, territory_id: str, source_ids: list[str]) -> dict:
    """What changed for one territory between the previous edition (``previous``: an open
    read-only connection to its database, or None for a first edition) and this one (``con``).

    Returns ``{"first": True}`` for a first edition or a new territory, else ``since`` (the
    previous build's ``finished_at``), ``figures`` (key indicators whose latest period or value
    changed: label, old and new period, value, status), ``sources`` (datasets among
    ``source_ids`` with a new vintage or a new file: title, old and new vintage), ``communes_added``
    / ``communes_removed`` (code, label), ``points_opened`` / ``points_closed`` (id, name)."""
    import duckdb

    if previous is None:
        return {"first": True, "reason": "première édition"}
    try:
        since = _one(previous, "select finished_at from meta.build order by finished_at desc limit 1")
        known = _one(previous, "select count(*) from ref.territory where set_id = ? and territory_id = ?",
                     [set_id, territory_id])
    except duckdb.Error:
        return {"first": True, "reason": "édition précédente illisible"}
    if not known:
        return {"first": True, "since": since, "reason": "nouveau territoire"}
    out: dict = {"first": False, "since": since, "figures": [], "sources": [], "communes_added": [],
                 "communes_removed": [], "points_opened": [], "points_closed": []}
    units = dict(con.execute("select indicator_id, unit from indicators.catalog").fetchall())
    decimals = dict(con.execute("select indicator_id, decimals from indicators.catalog").fetchall())
    for indicator_id, label in KEY_INDICATORS:
        new = _latest(con, set_id, territory_id, indicator_id)
        try:
            old = _latest(previous, set_id, territory_id, indicator_id)
        except duckdb.Error:
            old = None
        if new is None and old is None:
            continue
        if old is not None and new is not None and old[0] == new[0] and old[2] == new[2] and _same(old[1], new[1]):
            continue
        out["figures"].append({
            "indicator_id": indicator_id, "label": label, "unit": units.get(indicator_id, ""),
            "decimals": decimals.get(indicator_id),
            "old_period": old[0] if old else None, "old_value": old[1] if old else None,
            "old_status": old[2] if old else None,
            "new_period": new[0] if new else None, "new_value": new[1] if new else None,
            "new_status": new[2] if new else None,
            "kind": "new_period" if (old and new and old[0] != new[0]) else
                    ("revised" if old and new else ("appeared" if new else "gone")),
        })
    if source_ids:
        olds = {r[0]: r[1:] for r in previous.execute(
            "select source_id, vintage, sha256 from meta.source").fetchall()}
        for sid, title, vintage, sha in con.execute(
                "select source_id, title, vintage, sha256 from meta.source order by title").fetchall():
            if sid not in source_ids:
                continue
            o = olds.get(sid)
            if o is None or o[0] != vintage or o[1] != sha:
                out["sources"].append({"source_id": sid, "title": title, "old": o[0] if o else None,
                                       "new": vintage, "file_only": o is not None and o[0] == vintage})
    q = "select commune_code from ref.territory_commune where set_id = ? and territory_id = ?"
    new_c = {r[0] for r in con.execute(q, [set_id, territory_id]).fetchall()}
    old_c = {r[0] for r in previous.execute(q, [set_id, territory_id]).fetchall()}
    labels = dict(con.execute("select commune_code, label from ref.commune").fetchall())
    try:
        labels_old = dict(previous.execute("select commune_code, label from ref.commune").fetchall())
    except duckdb.Error:
        labels_old = {}
    out["communes_added"] = [{"code": c, "label": labels.get(c, c)} for c in sorted(new_c - old_c)]
    out["communes_removed"] = [{"code": c, "label": labels_old.get(c, c)} for c in sorted(old_c - new_c)]
    pq = """select p.id, p.name from directory.reception_point_territory rt
            join directory.reception_point p using (id) where rt.set_id = ? and rt.territory_id = ?"""
    try:
        new_p = dict(con.execute(pq, [set_id, territory_id]).fetchall())
        old_p = dict(previous.execute(pq, [set_id, territory_id]).fetchall())
    except duckdb.Error:
        new_p, old_p = {}, {}
    out["points_opened"] = [{"id": i, "name": new_p[i]} for i in sorted(set(new_p) - set(old_p), key=lambda i: (new_p[i], i))]
    out["points_closed"] = [{"id": i, "name": old_p[i]} for i in sorted(set(old_p) - set(new_p), key=lambda i: (old_p[i], i))]
    out["nothing"] = not any(out[k] for k in ("figures", "sources", "communes_added", "communes_removed",
                                              "points_opened", "points_closed"))
    return out
