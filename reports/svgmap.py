"""A clickable SVG map of a territory set for the catalogue page (no JavaScript, no CDN).

Each territory is a ``<path>`` inside an ``<a>`` to its portrait, with a ``<title>`` (tooltip and
accessible name). Geometries are projected to Lambert-93, simplified and scaled to the viewBox.
"""

from __future__ import annotations

from html import escape

import geopandas as gpd
import shapely

FILL = "#c6dbef"  # one neutral fill: the colours carry no meaning (no choropleth)


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


def set_map(gdf: gpd.GeoDataFrame, links: dict[str, str], *, width: int = 640, title: str = "",
            map_id: str = "map", set_id: str = "") -> str:
    """``gdf``: ``territory_id``, ``label``, geometry (any CRS); ``links``: territory_id → href.
    Each link carries ``data-territory="<set_id>/<territory_id>"`` (the catalogue's search
    highlights the territories holding the communes found)."""
    g = gdf.to_crs("EPSG:2154")
    g = g[~g.geometry.is_empty]
    minx, miny, maxx, maxy = g.total_bounds
    scale = width / (maxx - minx)
    height = (maxy - miny) * scale

    def tx(x, y):
        return (x - minx) * scale, (maxy - y) * scale

    items, labels = [], []
    for row in g.itertuples(index=False):
        geom = shapely.simplify(row.geometry, 1.5 / scale)
        d = _path(geom, tx)
        label = escape(str(row.label))
        path = f'<path d="{d}" fill="{FILL}" stroke="#1f4e79" stroke-width="0.8"><title>{label}</title></path>'
        href = links.get(row.territory_id)
        key = escape(f"{set_id}/{row.territory_id}")
        items.append(f'<a href="{escape(href)}" aria-label="{label}" data-territory="{key}">{path}</a>'
                     if href else path)
        c = geom.representative_point()
        cx, cy = tx(c.x, c.y)
        labels.append(f'<text x="{cx:.1f}" y="{cy:.1f}" class="map-label">{label}</text>')
    # labels last, above every polygon
    items.append('<g aria-hidden="true">' + "".join(labels) + "</g>")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" role="group" '
            f'aria-labelledby="{escape(map_id)}-title" class="set-map"><title id="{escape(map_id)}-title">{escape(title)}</title>'
            + "".join(items) + "</svg>")
