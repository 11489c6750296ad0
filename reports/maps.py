"""Maps of a territory for the portraits (Matplotlib): data in, :class:`~matplotlib.figure.Figure` out.

No file I/O and no pyplot state: figures are built with :class:`matplotlib.figure.Figure`, so they
can be made in worker threads and saved by the caller (``fig.savefig(buf, format="svg")``).
Everything is drawn in Lambert-93 (EPSG:2154) with an equal aspect, whatever the input CRS;
geometries without a CRS (bare shapely objects) are taken as WGS84 (EPSG:4326) unless ``crs`` says
otherwise.

* :func:`locator_map` — the territory highlighted in the region, with the départements' borders.
* :func:`communes_map` — the territory's communes with thin borders, the territory's outline and the
  names of its 5 most populous communes (when a ``population`` column is given).

Axes carry a ``gid`` per layer (``region``, ``departements``, ``territory``, ``communes``,
``outline``) so tests can find them without looking at pixels.
"""

from __future__ import annotations

import geopandas as gpd
import matplotlib.patheffects as pe
from matplotlib.figure import Figure

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
    "font": "DejaVu Sans",
}


def _as_gdf(geom, crs=None) -> gpd.GeoDataFrame:
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


def _new_axes(size: tuple[float, float]):
    fig = Figure(figsize=size, dpi=150, layout="constrained")
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.set_axis_off()
    return fig, ax


def _title(ax, title: str | None) -> None:
    if title:
        ax.set_title(title, loc="left", fontsize=10, color=STYLE["text"], fontfamily=STYLE["font"])


def _scale_bar(ax, length_km: float | None = None) -> None:
    """A plain scale bar in the lower left corner (Lambert-93 units are metres)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width_km = (x1 - x0) / 1000
    if length_km is None:
        target = width_km / 5
        length_km = next((v for v in (1, 2, 5, 10, 20, 50, 100) if v >= target * 0.6), 100)
    x = x0 + (x1 - x0) * 0.04
    y = y0 + (y1 - y0) * 0.04
    ax.plot([x, x + length_km * 1000], [y, y], color=STYLE["text"], linewidth=1.5,
            solid_capstyle="butt", gid="scale_bar")
    ax.text(x + length_km * 500, y + (y1 - y0) * 0.015, f"{length_km:g} km", ha="center", va="bottom",
            fontsize=6.5, color=STYLE["text"], fontfamily=STYLE["font"])


def _fit(size, gdf: gpd.GeoDataFrame) -> tuple[float, float]:
    """Figure size whose height follows the data's aspect ratio (width kept, ratio clamped to
    0.55–1.3), so that wide or tall territories do not float in white space."""
    minx, miny, maxx, maxy = gdf.total_bounds
    width = size[0]
    if maxx <= minx or maxy <= miny:
        return size
    ratio = min(max((maxy - miny) / (maxx - minx), 0.55), 1.3)
    return (width, width * ratio + 0.35)


def _pad(ax, gdf: gpd.GeoDataFrame, ratio: float = 0.04) -> None:
    minx, miny, maxx, maxy = gdf.total_bounds
    dx, dy = (maxx - minx) * ratio, (maxy - miny) * ratio
    ax.set_xlim(minx - dx, maxx + dx)
    ax.set_ylim(miny - dy, maxy + dy)


def locator_map(region_gdf, departements_gdf, territory_geom, title: str | None = None, *,
                crs=None, label_departements: bool = True, size=(4.2, 4.2)) -> Figure:
    """The territory (filled, blue) within the region (light grey), with the départements' borders.

    ``region_gdf`` and ``departements_gdf`` are GeoDataFrames (e.g. :func:`sources.contours.
    parse_region` / ``parse_departements``; a ``label`` column names the départements);
    ``territory_geom`` a GeoDataFrame, GeoSeries or shapely geometry (``crs`` for bare geometries,
    default EPSG:4326). The view is the region's extent.
    """
    region = _as_gdf(region_gdf)
    deps = _as_gdf(departements_gdf)
    territory = _as_gdf(territory_geom, crs)
    fig, ax = _new_axes(size)
    region.plot(ax=ax, color=STYLE["region_fill"], edgecolor="none", gid="region")
    deps.boundary.plot(ax=ax, color=STYLE["departement_edge"], linewidth=0.6, gid="departements")
    territory.plot(ax=ax, color=STYLE["territory_fill"], edgecolor=STYLE["territory_edge"],
                   linewidth=0.5, gid="territory")
    region.boundary.plot(ax=ax, color=STYLE["region_edge"], linewidth=0.8, gid="region_outline")
    if label_departements and "label" in deps.columns:
        for row in deps.itertuples(index=False):
            p = row.geometry.representative_point()
            ax.text(p.x, p.y, row.label, ha="center", va="center", fontsize=6, color=STYLE["muted"],
                    fontfamily=STYLE["font"], gid="departement_label",
                    path_effects=[pe.withStroke(linewidth=2, foreground="white")])
    _pad(ax, region)
    _title(ax, title)
    return fig


def communes_map(communes_gdf_of_territory, territory_geom, labels: bool = True, *,
                 title: str | None = None, crs=None, n_labels: int = 5, size=(6, 6)) -> Figure:
    """The territory's communes (light fill, thin borders) and the territory's outline.

    ``communes_gdf_of_territory`` has a geometry and, optionally, ``label`` (commune name) and
    ``population``: with ``labels`` True, the ``n_labels`` most populous communes are named.
    """
    communes = _as_gdf(communes_gdf_of_territory)
    territory = _as_gdf(territory_geom, crs)
    extent = territory if not territory.geometry.is_empty.all() else communes
    fig, ax = _new_axes(_fit(size, extent))
    communes.plot(ax=ax, color=STYLE["commune_fill"], edgecolor=STYLE["commune_edge"], linewidth=0.3,
                  gid="communes")
    territory.boundary.plot(ax=ax, color=STYLE["outline"], linewidth=1.2, gid="outline")
    if labels and "population" in communes.columns and "label" in communes.columns:
        top = communes.dropna(subset=["population"]).nlargest(n_labels, "population")
        for row in top.itertuples(index=False):
            p = row.geometry.representative_point()
            ax.plot(p.x, p.y, marker="o", markersize=2.5, color=STYLE["text"], gid="town")
            ax.annotate(row.label, (p.x, p.y), xytext=(3, 3), textcoords="offset points", fontsize=7,
                        color=STYLE["text"], fontfamily=STYLE["font"], gid="commune_label",
                        path_effects=[pe.withStroke(linewidth=2.2, foreground="white")])
    _pad(ax, extent)
    _scale_bar(ax)
    _title(ax, title)
    return fig
