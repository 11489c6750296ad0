"""A clickable SVG map of a territory set for the catalogue page (no JavaScript, no CDN).

Each territory is a ``<path>`` inside an ``<a>`` to its portrait, with a ``<title>`` (tooltip and
accessible name). Geometries are projected to Lambert-93, simplified and scaled to the viewBox.
"""

from __future__ import annotations

from html import escape

import geopandas as gpd
import shapely

PALETTE = ["#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#9ebcda", "#8c96c6"]


def _path(geom, tx) -> str:
    parts = []
    polys = geom.geoms if hasattr(geom, "geoms") else [geom]
    for poly in polys:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in [poly.exterior, *poly.interiors]:
            pts = [tx(x, y) for x, y in ring.coords]
            parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + " Z")
    return " ".join(parts)


def set_map(gdf: gpd.GeoDataFrame, links: dict[str, str], *, width: int = 640, title: str = "") -> str:
    """``gdf``: ``territory_id``, ``label``, geometry (any CRS); ``links``: territory_id → href."""
    g = gdf.to_crs("EPSG:2154")
    g = g[~g.geometry.is_empty]
    minx, miny, maxx, maxy = g.total_bounds
    scale = width / (maxx - minx)
    height = (maxy - miny) * scale

    def tx(x, y):
        return (x - minx) * scale, (maxy - y) * scale

    items = []
    for i, row in enumerate(g.itertuples(index=False)):
        geom = shapely.simplify(row.geometry, 1.5 / scale)
        d = _path(geom, tx)
        label = escape(str(row.label))
        fill = PALETTE[i % len(PALETTE)]
        path = f'<path d="{d}" fill="{fill}" stroke="#ffffff" stroke-width="1"><title>{label}</title></path>'
        href = links.get(row.territory_id)
        items.append(f'<a href="{escape(href)}" aria-label="{label}">{path}</a>' if href else path)
        c = geom.representative_point()
        cx, cy = tx(c.x, c.y)
        items.append(f'<text x="{cx:.1f}" y="{cy:.1f}" class="map-label" aria-hidden="true">{label}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" role="img" '
            f'aria-labelledby="map-title" class="set-map"><title id="map-title">{escape(title)}</title>'
            + "".join(items) + "</svg>")
