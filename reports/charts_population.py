"""Charts of the « Population » section: age structure and unemployment rate by age, territory
against its département(s) and the region. Data in, :class:`matplotlib.figure.Figure` out (no
pyplot state); one style (:mod:`reports.style`), French number formats."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from . import style  # noqa: E402
from .formatting import is_missing, number  # noqa: E402


def _colors(series: list[dict]) -> list[tuple[str, str | None]]:
    """(colour, hatch) per series: territory dark blue, départements, region grey (hatched, so that
    the region stays distinct in greyscale print)."""
    out, dep_i = [], 0
    for s in series:
        if s["role"] == "territoire":
            out.append((style.TERRITORY, None))
        elif s["role"] == "departement":
            out.append((style.DEPARTEMENT[dep_i % len(style.DEPARTEMENT)], None))
            dep_i += 1
        else:
            out.append((style.REGION, "///"))
    return out


def _pct(x, _pos=None) -> str:
    return number(x, 0 if abs(x - round(x)) < 1e-9 else 1) + "\u00a0%"


def age_structure(bands: list[str], series: list[dict], title: str = "Structure par âge en {year}",
                  year: str = "") -> Figure:
    """Horizontal grouped bars: share of each age band (youngest at the bottom, as in a pyramid).

    ``bands``: band labels, youngest first; ``series``: dicts with ``label``, ``role``
    ('territoire', 'departement', 'region') and ``values`` (shares in %, None when unknown, one per
    band). Unknown values are left blank (no bar), never drawn as 0."""
    style.apply()
    fig = Figure(figsize=(6.4, 3.1))
    ax = fig.subplots()
    n = max(len(series), 1)
    height = 0.8 / n
    for i, (s, (color, hatch)) in enumerate(zip(series, _colors(series))):
        ys, xs = [], []
        for j, v in enumerate(s["values"]):
            if not is_missing(v):
                ys.append(j + (n - 1 - i - (n - 1) / 2) * height)
                xs.append(v)
        ax.barh(ys, xs, height=height * 0.92, color=color, hatch=hatch, edgecolor="white" if hatch else color,
                linewidth=0, label=s["label"])
    ax.set_yticks(range(len(bands)), bands)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))  # whole percentages
    ax.xaxis.set_major_formatter(FuncFormatter(_pct))
    ax.grid(axis="x", color=style.GRID, linewidth=0.6)
    ax.grid(axis="y", visible=False)
    ax.set_axisbelow(True)
    ax.set_title(title.format(year=year), loc="left")
    ax.set_xlabel("part de la population")
    ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.2), ncols=min(n, 4))
    fig.tight_layout()
    return fig


def rates_by_group(groups: list[str], series: list[dict], title: str, ylabel: str = "") -> Figure:
    """Vertical grouped bars of rates (%) by group (e.g. age bands), one bar per area, values written
    above the territory's bars. ``series`` as in :func:`age_structure` (``values`` one per group)."""
    style.apply()
    fig = Figure(figsize=(6.4, 2.6))
    ax = fig.subplots()
    n = max(len(series), 1)
    width = 0.8 / n
    top = 0.0
    for i, (s, (color, hatch)) in enumerate(zip(series, _colors(series))):
        xs, vs = [], []
        for j, v in enumerate(s["values"]):
            if not is_missing(v):
                xs.append(j + (i - (n - 1) / 2) * width)
                vs.append(v)
                top = max(top, v)
        bars = ax.bar(xs, vs, width=width * 0.92, color=color, hatch=hatch,
                      edgecolor="white" if hatch else color, linewidth=0, label=s["label"])
        if s["role"] == "territoire":
            for bar, v in zip(bars, vs):
                ax.annotate(number(v, 1), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            ha="center", va="bottom", fontsize=7.5, xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(range(len(groups)), groups)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(_pct))
    ax.set_ylim(0, top * 1.15 if top > 0 else 1)
    ax.set_title(title, loc="left")
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=min(n, 4))
    fig.tight_layout()
    return fig
