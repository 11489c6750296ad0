"""Charts of the training section (« Se former sur le territoire »): data in, SVG text out.

* :func:`establishments_map` — the territory's communes (:func:`reports.maps.territory_canvas`,
  same style) with the establishments as points, one marker and colour per kind; apprenticeship
  organisations known only by their address are drawn, hollow, at their commune.
* :func:`insertion_strip` — every establishment's employment rate as a dot on a 0–100 % axis, one
  row per kind (lycées, CFA), with the region's rate as a reference mark.

Layers are groups with an ``id`` (the kind of establishment, ``dots_<i>``, ``reference_<i>``) for
the tests. Colours follow ``reports/style.py`` and stay distinguishable in greyscale through the
marker shapes.
"""

from __future__ import annotations

import math

import geopandas as gpd

from . import maps, style, svg
from .formatting import number

# kind → (legend label, marker, colour, size in points, filled)
MAP_LAYERS = {
    "lycee_professionnel": ("Lycée professionnel", "o", style.DEPARTEMENT[0], 7.0, True),
    "lycee_polyvalent": ("Lycée polyvalent", "s", style.DEPARTEMENT[1], 6.6, True),
    "lycee_general_technologique": ("Lycée général et technologique", "D", style.TERRITORY, 8.0, True),
    "lycee_autre": ("Autre lycée", "o", style.REGION, 6.0, False),
    "college": ("Collège", ".", "#808080", 5.0, True),
    "cio": ("CIO", "*", "#1a1a1a", 11.0, True),
    "cfa": ("Organisme d'apprentissage", "^", style.DEPARTEMENT[2], 8.0, True),
    "cfa_commune": ("Organismes d'apprentissage sans coordonnées", "^", style.DEPARTEMENT[2], 9.0, False),
}
MAP_ORDER = ["college", "lycee_autre", "lycee_general_technologique", "lycee_polyvalent",
             "lycee_professionnel", "cfa", "cfa_commune", "cio"]


def map_kind(category: str, lycee_kind: str | None) -> str | None:
    """The map layer of an establishment (None: not drawn, e.g. higher education)."""
    if category == "lycee":
        return f"lycee_{lycee_kind or 'autre'}"
    if category in ("college", "cio", "cfa"):
        return category
    return None


def establishments_map(communes_gdf, territory_geom, points: gpd.GeoDataFrame,
                       commune_points: gpd.GeoDataFrame | None = None, *, size=(6.0, 5.4),
                       title: str | None = None) -> str:
    """The communes of the territory with the establishments.

    ``points``: GeoDataFrame of points with a ``kind`` column (keys of :data:`MAP_LAYERS`);
    ``commune_points``: one point per commune holding apprenticeship organisations without
    coordinates (kind ``cfa_commune``), e.g. the communes' representative points, with their number
    in column ``n`` (written next to the marker when above 1; the legend counts organisations).
    Layers without points are left out of the legend.
    """
    frames = []
    if points is not None and len(points):
        frames.append(points.to_crs(maps.LAMBERT93))
    if commune_points is not None and len(commune_points):
        frames.append(commune_points.to_crs(maps.LAMBERT93).assign(kind="cfa_commune"))
    layers = []
    for kind in MAP_ORDER:
        xs, ys, ns = [], [], []
        for f in frames:
            part = f[f["kind"] == kind]
            xs += list(part.geometry.x)
            ys += list(part.geometry.y)
            ns += list(part["n"]) if "n" in part.columns else [1] * len(part)
        if xs:
            layers.append((kind, xs, ys, ns))
    width = size[0] * 72
    items = []
    for kind, _xs, _ys, ns in layers:
        label, marker, colour, _size, filled = MAP_LAYERS[kind]
        items.append({"label": f"{label} ({number(sum(ns))})", "kind": "marker", "marker": marker,
                      "colour": colour, "hollow": not filled, "size": 9 if marker == "*" else 6})
    leg_h = svg.legend(None, items, x=width / 2, y=0, ncols=2, size=7, width=width - 8)
    c, frame = maps.territory_canvas(communes_gdf, territory_geom, width=width, title=title, n_labels=4,
                                     bottom=leg_h + 6 if items else 0)
    for kind, xs, ys, ns in layers:
        _label, marker, colour, size_pt, filled = MAP_LAYERS[kind]
        c.open(kind)
        for x, y in zip(xs, ys):
            px, py = frame.xy(x, y)
            if filled:
                c.marker(marker, px, py, size_pt, colour, "white" if marker != "." else colour, 0.5)
            else:
                c.marker(marker, px, py, size_pt, "white", colour, 1.2)
        c.close()
        if kind == "cfa_commune" and any(n > 1 for n in ns):
            c.open("cfa_commune_count")
            for x, y, n in zip(xs, ys, ns):
                if n > 1:
                    px, py = frame.xy(x, y)
                    c.text(px + 4, py + 8, number(n), size=6.5, bold=True, fill=colour, halo=2)
            c.close()
    frame.scale_bar(c, 10, c.height - leg_h - 14 if items else c.height - 10, width)
    svg.legend(c, items, x=width / 2, y=c.height - leg_h - 2, ncols=2, size=7, width=width - 8)
    return c.svg()


def insertion_strip(groups: list[dict], *, title: str = "Taux d'emploi à 6 mois par établissement") -> str:
    """Dot strip of per-establishment rates.

    ``groups``: dicts with ``label`` (row label), ``values`` (list of rates in %, NaN/None skipped)
    and optionally ``reference`` (the region's rate, %) and ``reference_label``. Rows are drawn top
    to bottom in the order given; the dots of a row are spread vertically (deterministic) so that
    equal rates stay visible.
    """
    n = len(groups)
    width, height = 460.8, (0.7 + 0.6 * max(n, 1)) * 72
    c = svg.Canvas(width, height)
    c.title(title, x=6, y=14)
    left = max((svg.text_width(g["label"], 8) for g in groups), default=10) + 12
    ax = svg.Axes(c, (left, 30, width - 14, height - 20), (0, 100), (-0.6, n - 0.3))
    ax.xticks(range(0, 101, 20), label=lambda x: f"{number(x)} %", grid=True)
    ax.categories_y([g["label"] for g in reversed(groups)])
    colours = [style.DEPARTEMENT[0], style.DEPARTEMENT[2], style.TERRITORY]
    for i, g in enumerate(groups):
        y0 = n - 1 - i
        vals = [float(v) for v in g.get("values", []) if v is not None and not math.isnan(v)]
        ranks = {j: r for r, j in enumerate(sorted(range(len(vals)), key=lambda k: vals[k]))}
        c.open(f"dots_{i}")
        for j, v in enumerate(vals):
            jitter = ((ranks[j] % 5) - 2) * 0.07
            c.parts.append(f'<circle cx="{svg.fmt(ax.x(v))}" cy="{svg.fmt(ax.y(y0 + jitter))}" r="2.7" '
                           f'fill="{colours[i % len(colours)]}" fill-opacity="0.85" stroke="white" '
                           f'stroke-width="0.4"/>')
        c.close()
        ref = g.get("reference")
        if ref is not None and not math.isnan(ref):
            c.open(f"reference_{i}")
            c.line(ax.x(ref), ax.y(y0 - 0.32), ax.x(ref), ax.y(y0 + 0.32), "#1a1a1a", 1.6)
            c.text(ax.x(ref), ax.y(y0 + 0.34) - 2, g.get("reference_label", "région") + f" : {number(ref, 1)} %",
                   size=7, anchor="middle", halo=2)
            c.close()
    ax.spines()
    return c.svg()
