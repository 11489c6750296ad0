"""The catalogue's two ways in for the public, from the files alone (no server, no CDN):

* **find my commune**: ``recherche/communes.js`` lists every commune of the region (and the
  communes outside it that belong to a territory) with its INSEE code, its former codes and names
  (``ref.commune_history``: a commune merged since then is found under its old name), the
  postcodes seen in the directory's addresses, its centre, and the territory of every set that
  holds it (with the link to its portrait when one is published);
* **« Où m'adresser ? »**: ``recherche/lieux.js`` lists the open reception points of the shared
  directory with what ``portraits annuaire orienter`` prints (network, publics, address, phone,
  website, freshness), so that the page ranks them by distance like the command does
  (``portraits.directory.orienter``: great-circle distance from the commune's centroid, a point
  without coordinates placed at its commune's centroid, exact before approximate, then by id).

Both are JavaScript files assigning one JSON value (``window.portraitsCommunes`` and
``window.portraitsLieux``), loaded by ``catalogue.js`` only when a visitor starts searching: a
``<script src>`` works from ``file://`` where ``fetch`` of a JSON file does not, and the catalogue
page itself stays small whatever the number of portraits. The page inserts every value as text
(``textContent``), never as HTML; website links are kept only when ``http``/``https``
(``portraits.safety.safe_url``).

Postcodes: the mirror holds no postcode reference (La Poste's base is not among the official files
we read), so a postcode is known for the communes where a reception point has an address; the page
says so when a postcode is not found.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from portraits import directory as D
from portraits.safety import safe_url

from .formatting import long_date

FOLDER = "recherche"
STATIC_JS = Path(__file__).parent / "static" / "catalogue.js"
_POSTCODE = re.compile(r"^\d{5}$")


def _js(name: str, value) -> str:
    """One assignment; ``ensure_ascii`` also escapes U+2028/2029."""
    return f"window.{name} = " + json.dumps(value, ensure_ascii=True, separators=(",", ":")) + ";\n"


def commune_centroids(con) -> dict[str, tuple[float, float]]:
    """``commune_code -> (latitude, longitude)`` of the commune's centroid (WGS84), as
    ``portraits annuaire orienter`` computes it."""
    import shapely

    geo = con.execute("select commune_code, geometry_wkb from ref.commune_geometry order by commune_code").fetchall()
    if not geo:
        return {}
    cent = shapely.centroid(shapely.from_wkb([bytes(g[1]) for g in geo]))
    return {code: (float(y), float(x)) for (code, _), x, y in zip(geo, shapely.get_x(cent), shapely.get_y(cent))}


def _has(con, schema: str, table: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                       [schema, table]).fetchone()[0] > 0


def communes_index(con, root: Path, centroids: dict | None = None) -> dict:
    """What ``recherche/communes.js`` holds (see the module docstring). Links are relative to
    the catalogue page."""
    centroids = commune_centroids(con) if centroids is None else centroids
    sets = con.execute("select set_id, label from ref.territory_set order by portraits desc, set_id").fetchall()
    set_index = {s: i for i, (s, _l) in enumerate(sets)}
    territories, t_index = [], {}
    for set_id, tid, label in con.execute(
            "select set_id, territory_id, label from ref.territory order by set_id, territory_id").fetchall():
        href = f"portraits/{set_id}/{tid}/portrait.html"
        t_index[(set_id, tid)] = len(territories)
        territories.append([set_index[set_id], tid, label, href if (root / href).is_file() else None])
    members: dict[str, list[int]] = {}
    for set_id, tid, code in con.execute(
            "select set_id, territory_id, commune_code from ref.territory_commune "
            "order by commune_code, set_id, territory_id").fetchall():
        members.setdefault(code, []).append(t_index[(set_id, tid)])
    postcodes: dict[str, set] = {}
    if _has(con, "directory", "reception_point"):
        for pc, code in con.execute("select distinct postcode, commune_code from directory.reception_point "
                                    "where postcode is not null and commune_code is not null").fetchall():
            if _POSTCODE.match(pc.strip()):
                postcodes.setdefault(code, set()).add(pc.strip())
    aliases: dict[str, set] = {}
    for old_code, new_code, old_name in con.execute(
            "select old_code, new_code, old_name from ref.commune_history where old_code <> new_code "
            "or old_name <> new_name").fetchall():
        aliases.setdefault(new_code, set()).update(v for v in (old_code, old_name) if v and v != new_code)
    departements = dict(con.execute("select departement_code, label from ref.departement").fetchall())
    communes = []
    for code, label, dep, in_region in con.execute(
            "select commune_code, label, departement_code, in_region from ref.commune order by commune_code").fetchall():
        if not in_region and code not in members:
            continue
        lat, lon = centroids.get(code, (None, None))
        communes.append([code, label, departements.get(dep, dep or ""),
                         round(lat, 5) if lat is not None else None, round(lon, 5) if lon is not None else None,
                         sorted(postcodes.get(code, ())), sorted(aliases.get(code, set()) - {label}),
                         members.get(code, [])])
    return {"sets": [[s, label] for s, label in sets], "territories": territories, "communes": communes,
            "postcodes_known": len(postcodes)}


def points_index(con, centroids: dict | None = None) -> dict:
    """What ``recherche/lieux.js`` holds: the open reception points, ready to be ranked."""
    from .sections.annuaire import _address, _clean, _display_url, _phone, freshness

    centroids = commune_centroids(con) if centroids is None else centroids
    out = {"publics": D.PUBLICS, "networks": D.NETWORKS,
           "reference": {p: list(n) for p, n in D.REFERENCE_NETWORKS.items()}, "points": [],
           "date": ""}
    if not _has(con, "directory", "reception_point"):
        return out
    build = con.execute("select finished_at from meta.build order by finished_at desc limit 1").fetchone() \
        if _has(con, "meta", "build") else None
    out["date"] = long_date(build[0]) if build and build[0] else ""
    labels = dict(con.execute("select commune_code, label from ref.commune").fetchall())
    cur = con.execute("select * from directory.reception_point order by id")
    cols = [d[0] for d in cur.description]
    for row in cur.fetchall():
        p = dict(zip(cols, row))
        p["commune_label"] = labels.get(p["commune_code"], p["commune_code"])
        lat, lon, approx = p["latitude"], p["longitude"], False
        if lat is None or lon is None or lat != lat or lon != lon:
            lat, lon = centroids.get(p["commune_code"] or "", (None, None))
            approx = True
        if lat is None:
            continue  # neither coordinates nor commune: ``orienter`` leaves it out too
        website = safe_url(_clean(p.get("website")))
        out["points"].append({
            "id": p["id"], "name": p["name"], "network": p["network"],
            "publics": [x for x in (p["publics"] or "").split("|") if x],
            "lat": lat, "lon": lon, "approx": approx,
            "address": _address(p), "phone": _phone(_clean(p.get("phone"))) or "",
            "email": _clean(p.get("email")) or "", "website": website or "",
            "website_text": _display_url(website) or "", "hours": _clean(p.get("opening_hours")) or "",
            "freshness": freshness(p)["text"], "stale": bool(p.get("stale")),
        })
    return out


def write_finder(con, root: Path) -> list[Path]:
    """Write ``recherche/communes.js``, ``recherche/lieux.js`` and ``catalogue.js`` under ``root``."""
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    centroids = commune_centroids(con)
    files = [folder / "communes.js", folder / "lieux.js", root / "catalogue.js"]
    files[0].write_text(_js("portraitsCommunes", communes_index(con, root, centroids)), encoding="utf-8")
    files[1].write_text(_js("portraitsLieux", points_index(con, centroids)), encoding="utf-8")
    files[2].write_text(STATIC_JS.read_text(encoding="utf-8"), encoding="utf-8")
    return files
