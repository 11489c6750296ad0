"""The catalogue page ``output/index.html``: every portrait with its downloads.

Works from the files alone (no CDN, no server): inline CSS and a few lines of inline JavaScript for
the search box; links are relative.
"""

from __future__ import annotations

from pathlib import Path

from . import render
from .formatting import long_date


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
                     for name in ("portrait.html", "portrait.pdf", "indicateurs.csv", "territoire.geojson")
                     if (tdir / name).exists()}
            territories.append({"territory_id": tid, "label": tlabel, "n_communes": n,
                                "n_outside": n_out, "departements": deps or "", "population": pop,
                                "period": period, "files": files})
        svg = ""
        if territories:
            from . import geo_exports, svgmap

            gdf = geo_exports.territories_gdf(con, set_id)
            links = {t["territory_id"]: t["files"].get("portrait.html") for t in territories}
            svg = svgmap.set_map(gdf, links, title=f"Carte des territoires : {label}", map_id=f"carte-{set_id}")
        geojson = f"territoires/{set_id}.geojson" if (root / "territoires" / f"{set_id}.geojson").exists() else None
        sets.append({"set_id": set_id, "label": label, "description": description, "territories": territories,
                     "map_svg": svg, "geojson": geojson})
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
    }


def render_catalogue(con, root: Path, build: dict) -> Path:
    ctx = catalogue_context(con, root, build)
    out = root / "index.html"
    out.write_text(render.render("index.html.j2", **ctx), encoding="utf-8")
    return out
