"""The catalogue page ``output/index.html``: every portrait with its downloads.

Works from the files alone (no CDN, no server): inline CSS and a few lines of inline JavaScript for
the search box; links are relative.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from portraits import editions
from portraits.directory import PUBLICS

from . import finder, render
from .formatting import long_date

# A set with more territories than this is listed folded (<details>): the page stays short, and
# the commune search opens the right portraits without scrolling through them.
FOLD_ABOVE = 40


def catalogue_context(con, root: Path, build: dict) -> dict:
    sets = []
    for set_id, label, description in con.execute(
        "select set_id, label, description from ref.territory_set").fetchall():
        set_dir = root / "portraits" / set_id
        if not set_dir.is_dir():
            continue
        rows = con.execute(
            """select t.territory_id, t.label, t.n_communes, t.n_communes_outside_region, t.departements,
                      p.value as population, p.period
               from ref.territory t
               left join indicators.observation p
                 on p.set_id = t.set_id and p.territory_id = t.territory_id and p.indicator_id = 'population'
                and p.period = (select max(period) from indicators.observation where indicator_id = 'population')
               where t.set_id = ? order by t.label""",
            [set_id],
        ).fetchall()
        territories = []
        for tid, tlabel, n, n_out, deps, pop, period in rows:
            tdir = set_dir / tid
            if not tdir.is_dir():
                continue
            files = {name: f"portraits/{set_id}/{tid}/{name}"
                     for name in ("portrait.html", "portrait.pdf", "essentiel.pdf", "indicateurs.csv",
                                  "territoire.geojson")
                     if (tdir / name).exists()}
            territories.append({"territory_id": tid, "label": tlabel, "n_communes": n,
                                "n_outside": n_out, "departements": deps or "", "population": pop,
                                "period": period, "files": files})
        svg = ""
        if territories:
            from . import geo_exports, svgmap

            gdf = geo_exports.territories_gdf(con, set_id)
            links = {t["territory_id"]: t["files"].get("portrait.html") for t in territories}
            svg = svgmap.set_map(gdf, links, title=f"Carte des territoires : {label}", map_id=f"carte-{set_id}",
                                 set_id=set_id)
        geojson = f"territoires/{set_id}.geojson" if (root / "territoires" / f"{set_id}.geojson").exists() else None
        sets.append({"set_id": set_id, "label": label, "description": description, "territories": territories,
                     "map_svg": svg, "geojson": geojson, "folded": len(territories) > FOLD_ABOVE})
    sources = con.execute("select source_id, title, vintage, retrieved_at from meta.source order by title").fetchall()
    return {
        "sets": sets,
        "sources": [{"source_id": s[0], "title": s[1], "vintage": s[2],
                     "retrieved": long_date(s[3]) if s[3] else ""} for s in sources],
        "build": build,
        "downloads": {
            name: name for name in ("portraits.duckdb", "schema.md") if (root / name).exists()
        },
        "all_geojson": sorted(p.name for p in (root / "territoires").glob("*.geojson"))
        if (root / "territoires").is_dir() else [],
        "annuaire": (root / "annuaire").is_dir(),
        "editions": _editions(con, root),
        "networks": _networks(con),
        "publics": [(k, v) for k, v in PUBLICS.items() if k != "tout_public"],
        "finder": (root / finder.FOLDER / "communes.js").is_file(),
    }


def _editions(con, root: Path) -> list[dict]:
    out = []
    for e in editions.edition_list(con):
        e = dict(e)
        e["date_label"] = long_date(e["published_at"]) if e["published_at"] else ""
        e["database_link"] = e["database"] if e["database"] and (root / e["database"]).is_file() else None
        out.append(e)
    return out


def _networks(con) -> list[dict]:
    """Per network: points, confirmed, last confirmation (``portraits.confirmation``)."""
    from portraits import confirmation

    try:
        rows = confirmation.network_freshness(con)
    except duckdb.Error:
        return []
    for r in rows:
        for key in ("last_confirmation", "oldest_source_date", "newest_source_date"):
            r[key + "_label"] = long_date(r[key]) if r.get(key) else ""
    return rows


def render_catalogue(con, root: Path, build: dict) -> Path:
    finder.write_finder(con, root)
    ctx = catalogue_context(con, root, build)
    out = root / "index.html"
    out.write_text(render.render("index.html.j2", **ctx), encoding="utf-8")
    return out
