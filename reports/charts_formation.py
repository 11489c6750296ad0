"""Charts of the training section (« Se former sur le territoire »): data in, Figure out.

* :func:`establishments_map` — the territory's communes (:func:`reports.maps.communes_map`, same
  style) with the establishments as points, one marker and colour per kind; apprenticeship
  organisations known only by their address are drawn, hollow, at their commune.
* :func:`insertion_strip` — every establishment's employment rate as a dot on a 0–100 % axis, one
  row per kind (lycées, CFA), with the region's rate as a reference mark.

No pyplot state: :class:`matplotlib.figure.Figure` only. Layers carry a ``gid`` for the tests.
Colours follow ``reports/style.py`` and stay distinguishable in greyscale through the marker shapes.
"""

from __future__ import annotations

import geopandas as gpd
import matplotlib.patheffects as pe
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from . import maps, style
from .formatting import number

# kind → (legend label, marker, colour, size, filled)
MAP_LAYERS = {
    "lycee_professionnel": ("Lycée professionnel", "o", style.DEPARTEMENT[0], 26, True),
    "lycee_polyvalent": ("Lycée polyvalent", "s", style.DEPARTEMENT[1], 24, True),
    "lycee_general_technologique": ("Lycée général et technologique", "D", style.TERRITORY, 20, True),
    "lycee_autre": ("Autre lycée", "o", style.REGION, 20, False),
    "college": ("Collège", ".", "#808080", 16, True),
    "cio": ("CIO", "*", "#1a1a1a", 70, True),
    "cfa": ("Organisme d'apprentissage", "^", style.DEPARTEMENT[2], 30, True),
    "cfa_commune": ("Organismes d'apprentissage sans coordonnées", "^", style.DEPARTEMENT[2], 30, False),
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
                       title: str | None = None) -> Figure:
    """The communes of the territory with the establishments.

    ``points``: GeoDataFrame of points with a ``kind`` column (keys of :data:`MAP_LAYERS`);
    ``commune_points``: one point per commune holding apprenticeship organisations without
    coordinates (kind ``cfa_commune``), e.g. the communes' representative points, with their number
    in column ``n`` (written next to the marker when above 1; the legend counts organisations).
    Layers without points are left out of the legend.
    """
    style.apply()
    fig = maps.communes_map(communes_gdf, territory_geom, labels=True, n_labels=4, size=size, title=title)
    ax = fig.axes[0]
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    frames = []
    if points is not None and len(points):
        frames.append(points.to_crs(maps.LAMBERT93))
    if commune_points is not None and len(commune_points):
        frames.append(commune_points.to_crs(maps.LAMBERT93).assign(kind="cfa_commune"))
    handles = []
    for kind in MAP_ORDER:
        label, marker, colour, size_pt, filled = MAP_LAYERS[kind]
        xs, ys, ns = [], [], []
        for f in frames:
            part = f[f["kind"] == kind]
            xs += list(part.geometry.x)
            ys += list(part.geometry.y)
            ns += list(part["n"]) if "n" in part.columns else [1] * len(part)
        if not xs:
            continue
        if kind == "cfa_commune":
            for x, y, n in zip(xs, ys, ns):
                if n > 1:
                    ax.annotate(number(n), (x, y), xytext=(4, -8), textcoords="offset points", fontsize=6.5,
                                color=colour, fontweight="bold", gid="cfa_commune_count", zorder=7,
                                path_effects=[pe.withStroke(linewidth=2, foreground="white")])
        ax.scatter(xs, ys, s=size_pt * (1.6 if kind == "cfa_commune" else 1), marker=marker,
                   facecolors=colour if filled else "white",
                   edgecolors="white" if filled and marker not in (".",) else colour,
                   linewidths=0.5 if filled else 1.2, zorder=6 if kind == "cfa_commune" else 4, gid=kind)
        handles.append(Line2D([], [], linestyle="none", marker=marker, markersize=6 if marker != "*" else 9,
                              markerfacecolor=colour if filled else "white", markeredgecolor=colour,
                              label=f"{label} ({number(sum(ns))})"))
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=7, frameon=False,
                   handletextpad=0.3, columnspacing=1.2)
    return fig


def insertion_strip(groups: list[dict], *, title: str = "Taux d'emploi à 6 mois par établissement") -> Figure:
    """Dot strip of per-establishment rates.

    ``groups``: dicts with ``label`` (row label), ``values`` (list of rates in %, NaN/None skipped)
    and optionally ``reference`` (the region's rate, %) and ``reference_label``. Rows are drawn top
    to bottom in the order given; the dots of a row are spread vertically (deterministic) so that
    equal rates stay visible.
    """
    style.apply()
    n = len(groups)
    fig = Figure(figsize=(6.4, 0.7 + 0.6 * max(n, 1)))
    ax = fig.subplots()
    colours = [style.DEPARTEMENT[0], style.DEPARTEMENT[2], style.TERRITORY]
    for i, g in enumerate(groups):
        y0 = n - 1 - i
        vals = np.array([v for v in g.get("values", []) if v is not None and not np.isnan(v)], dtype=float)
        if len(vals):
            order = np.argsort(np.argsort(vals, kind="stable"), kind="stable")
            jitter = ((order % 5) - 2) * 0.07
            ax.scatter(vals, y0 + jitter, s=22, color=colours[i % len(colours)], alpha=0.85,
                       edgecolors="white", linewidths=0.4, zorder=3, gid=f"dots_{i}")
        ref = g.get("reference")
        if ref is not None and not np.isnan(ref):
            ax.plot([ref, ref], [y0 - 0.32, y0 + 0.32], color="#1a1a1a", linewidth=1.6, zorder=4,
                    gid=f"reference_{i}")
            ax.annotate(g.get("reference_label", "région") + f" : {number(ref, 1)} %", (ref, y0 + 0.34),
                        ha="center", va="bottom", fontsize=7, color="#1a1a1a",
                        path_effects=[pe.withStroke(linewidth=2, foreground="white")])
    ax.set_yticks(range(n))
    ax.set_yticklabels([g["label"] for g in reversed(groups)])
    ax.set_ylim(-0.6, n - 0.3)
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{number(x)} %"))
    ax.grid(axis="x", color=style.GRID, linewidth=0.6)
    ax.grid(axis="y", visible=False)
    ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig
