"""Maps of a territory for the portraits: data in, SVG text out (:mod:`reports.svg`).

Everything is drawn in Lambert-93 (EPSG:2154) with an equal aspect, whatever the input CRS;
geometries without a CRS (bare shapely objects) are taken as WGS84 (EPSG:4326) unless ``crs`` says
otherwise. Outlines are simplified to a fifth of a point of the drawing.

* :func:`locator_map` — the territory highlighted in the region, with the départements' borders;
  a territory too small to see (a small commune) gets a ring around it.
* :func:`communes_map` — the territory's communes with thin borders, the territory's outline and the
  names of its 5 most populous communes (when a ``population`` column is given).
* :func:`territory_canvas` — the same base for the maps of the training and directory sections.

Layers are groups with an ``id`` (``region``, ``departements``, ``territory``, ``region_outline``,
``communes``, ``outline``, ``commune_label``, ``scale_bar``) so tests can find them.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd

from . import svg

LAMBERT93 = "EPSG:2154"

# sober palette: greys for context, one blue for the territory
STYLE = {
    "region_fill": "#eeeeee",
    "region_edge": "#6b6b6b",
    "departement_edge": "#a3a3a3",
    "territory_fill": "#2b6a99",
    "territory_edge": "#173e5c",
    "commune_fill": "#dce7f0",
    "commune_edge": "#8296a8",
    "outline": "#173e5c",
    "text": "#333333",
    "muted": "#6b6b6b",
}


def as_lambert(geom, crs=None) -> gpd.GeoDataFrame:
    """GeoDataFrame in Lambert-93 from a GeoDataFrame, GeoSeries or shapely geometry."""
    if isinstance(geom, gpd.GeoDataFrame):
        gdf = geom
    elif isinstance(geom, gpd.GeoSeries):
        gdf = gpd.GeoDataFrame(geometry=geom)
    else:
        gdf = gpd.GeoDataFrame(geometry=[geom], crs=crs or "EPSG:4326")
    if gdf.crs is None:
        gdf = gdf.set_crs(crs or "EPSG:4326")
    return gdf.to_crs(LAMBERT93)


def _height(width: float, bounds, lo: float = 0.55, hi: float = 1.3) -> float:
    """Map height (pt) following the data's aspect ratio (clamped), so that wide or tall
    territories do not float in white space."""
    minx, miny, maxx, maxy = bounds
    if maxx <= minx or maxy <= miny:
        return width
    return width * min(max((maxy - miny) / (maxx - minx), lo), hi)


def _title_space(title: str | None) -> float:
    return 20.0 if title else 4.0


@lru_cache(maxsize=8)
def _region_layers(region_wkb: tuple, deps: tuple, box: tuple) -> tuple[str, str, str, tuple]:
    """Region fill, départements' borders and labels, region outline: the same for every portrait,
    drawn once per process for the same geometries and size."""
    import shapely

    region = [shapely.from_wkb(w) for w in region_wkb]
    bounds = shapely.total_bounds(region)
    frame = svg.MapFrame(bounds, box)
    c = svg.Canvas(0, 0)
    c.open("region")
    for g in region:
        c.path(frame.path(g), fill=STYLE["region_fill"])
    c.close()
    fill = "".join(c.parts)
    c.parts = []
    c.open("departements")
    for wkb, _label in deps:
        c.path(frame.path(shapely.from_wkb(wkb).boundary), stroke=STYLE["departement_edge"], width=0.6)
    c.close()
    borders = "".join(c.parts)
    c.parts = []
    c.open("region_outline")
    for g in region:
        c.path(frame.path(g.boundary), stroke=STYLE["region_edge"], width=0.8)
    c.close()
    outline = "".join(c.parts)
    labels = tuple((label, *frame.xy(*shapely.from_wkb(wkb).representative_point().coords[0]))
                   for wkb, label in deps if label)
    return fill, borders, outline, labels


def locator_map(region_gdf, departements_gdf, territory_geom, title: str | None = None, *,
                crs=None, label_departements: bool = True, size=(4.2, 4.2)) -> str:
    """The territory (filled, blue) within the region (light grey), with the départements' borders.

    ``region_gdf`` and ``departements_gdf`` are GeoDataFrames (e.g. :func:`sources.contours.
    parse_region` / ``parse_departements``; a ``label`` column names the départements);
    ``territory_geom`` a GeoDataFrame, GeoSeries or shapely geometry (``crs`` for bare geometries,
    default EPSG:4326). The view is the region's extent.
    """
    region = as_lambert(region_gdf)
    deps = as_lambert(departements_gdf)
    territory = as_lambert(territory_geom, crs)
    width = size[0] * 72
    top = _title_space(title)
    height = _height(width, region.total_bounds, 0.5, 1.2) + top
    box = (2, top, width - 2, height - 2)
    region_wkb = tuple(region.geometry.to_wkb())
    dep_items = tuple(zip(deps.geometry.to_wkb(), deps["label"] if "label" in deps.columns else [None] * len(deps)))
    fill, borders, outline, labels = _region_layers(region_wkb, dep_items, box)
    frame = svg.MapFrame(region.total_bounds, box)
    c = svg.Canvas(width, height)
    c.parts += [fill, borders]
    c.open("territory")
    path = " ".join(frame.path(g) for g in territory.geometry)
    c.path(path, fill=STYLE["territory_fill"], stroke=STYLE["territory_edge"], width=0.5)
    c.close()
    c.parts.append(outline)
    minx, miny, maxx, maxy = territory.total_bounds
    if max(maxx - minx, maxy - miny) * frame.scale < 6:  # a small commune: a ring shows where it is
        cx, cy = frame.xy((minx + maxx) / 2, (miny + maxy) / 2)
        c.open("territory_marker")
        c.parts.append(f'<circle cx="{svg.fmt(cx)}" cy="{svg.fmt(cy)}" r="6" fill="none" '
                       f'stroke="{STYLE["territory_edge"]}" stroke-width="1.4"/>')
        c.close()
    if label_departements and labels:
        c.open("departement_label")
        for label, x, y in labels:
            c.text(x, y, label, size=6, anchor="middle", fill=STYLE["muted"], halo=2, middle=True)
        c.close()
    if title:
        c.title(title, x=4, y=14)
    return c.svg()


def territory_canvas(communes, territory, *, width: float, title: str | None = None, crs=None,
                     labels: bool = True, n_labels: int = 5, bottom: float = 0.0,
                     fill: str = STYLE["commune_fill"], edge: str = STYLE["commune_edge"],
                     outline_width: float = 1.2, label_above: bool = False,
                     aspect=(0.55, 1.3)) -> tuple[svg.Canvas, svg.MapFrame]:
    """A canvas ``width`` points wide with the territory's communes (one path each), its outline and
    the names of its ``n_labels`` most populous communes; ``bottom`` points are kept free under the
    map (for a legend). Returns the canvas and the projection, for the layers drawn on top."""
    communes = as_lambert(communes)
    territory = as_lambert(territory, crs)
    extent = territory if not territory.geometry.is_empty.all() else communes
    top = _title_space(title)
    height = _height(width, extent.total_bounds, *aspect) + top + bottom
    frame = svg.MapFrame(extent.total_bounds, (2, top, width - 2, height - bottom - 2))
    c = svg.Canvas(width, height)
    c.open("communes")
    for g in communes.geometry:
        c.path(frame.path(g), fill=fill, stroke=edge, width=0.3)
    c.close()
    c.open("outline")
    c.path(" ".join(frame.path(g.boundary) for g in territory.geometry if g is not None and not g.is_empty),
           stroke=STYLE["outline"], width=outline_width)
    c.close()
    if labels and n_labels and "population" in communes.columns and "label" in communes.columns:
        top_n = communes.dropna(subset=["population"]).nlargest(n_labels, "population")
        c.open("commune_label")
        for row in top_n.itertuples(index=False):
            x, y = frame.xy(*row.geometry.representative_point().coords[0])
            if label_above:
                c.text(x, y - 6, row.label, size=7, anchor="middle", fill=STYLE["text"], halo=2.2)
            else:
                c.marker("o", x, y, 2.5, STYLE["text"], STYLE["text"], 0)
                c.text(x + 3, y - 3, row.label, size=7, fill=STYLE["text"], halo=2.2)
        c.close()
    if title:
        c.title(title, x=4, y=14)
    return c, frame


def communes_map(communes_gdf_of_territory, territory_geom, labels: bool = True, *,
                 title: str | None = None, crs=None, n_labels: int = 5, size=(6, 6)) -> str:
    """The territory's communes (light fill, thin borders) and the territory's outline.

    ``communes_gdf_of_territory`` has a geometry and, optionally, ``label`` (commune name) and
    ``population``: with ``labels`` True, the ``n_labels`` most populous communes are named.
    """
    width = size[0] * 72
    c, frame = territory_canvas(communes_gdf_of_territory, territory_geom, width=width, title=title, crs=crs,
                                labels=labels, n_labels=n_labels)
    frame.scale_bar(c, 10, c.height - 10, width)
    return c.svg()
