"""Charts of the « Population » section: age structure and unemployment rate by age, territory
against its département(s) and the region. Data in, SVG text out (:mod:`reports.svg`); one palette
(:mod:`reports.style`), French number formats. Unknown values are left blank (no bar), never
drawn as 0."""

from __future__ import annotations

from . import svg
from .formatting import is_missing, number


def _fills(c: svg.Canvas, series: list[dict]) -> list[tuple[str, dict]]:
    """(fill, style) per series; the region hatched, so that it stays distinct in greyscale."""
    out = []
    for i, st in enumerate(svg.series_style(series)):
        out.append((c.hatch(f"hatch{i}", st["colour"]) if st["hatch"] else st["colour"], st))
    return out


def _legend_items(series, fills) -> list[dict]:
    return [{"label": s["label"], "kind": "bar", "colour": st["colour"], "fill": fill}
            for s, (fill, st) in zip(series, fills)]


def _bar_canvas(series: list[dict], plot_height: float, title: str, width: float = 460.8):
    """The canvas of a bar chart: room for the legend under the plot, the fills, the title, and
    the known values. Returns ``(canvas, fills, legend height, values)``."""
    probe = [{"label": s["label"], "kind": "bar", "colour": "#000"} for s in series]
    leg_h = svg.legend(None, probe, x=width / 2, y=0, ncols=4, width=width - 20)
    c = svg.Canvas(width, plot_height + leg_h)
    fills = _fills(c, series)
    c.title(title, x=6, y=14)
    return c, fills, leg_h, [v for s in series for v in s["values"] if not is_missing(v)]


def age_structure(bands: list[str], series: list[dict], title: str = "Structure par âge en {year}",
                  year: str = "") -> str:
    """Horizontal grouped bars: share of each age band (youngest at the bottom, as in a pyramid).

    ``bands``: band labels, youngest first; ``series``: dicts with ``label``, ``role``
    ('territoire', 'departement', 'region') and ``values`` (shares in %, None when unknown, one per
    band)."""
    c, fills, leg_h, values = _bar_canvas(series, 196, title.format(year=year))
    width, height = c.width, c.height
    top = max(values, default=1.0) * 1.06 or 1.0
    xt = svg.ticks(0, top, 6)
    left = max((svg.text_width(b, 8) for b in bands), default=10) + 12
    n = max(len(series), 1)
    ax = svg.Axes(c, (left, 26, width - 14, height - leg_h - 34), (0, top), (-0.5, len(bands) - 0.5))
    ax.xticks(xt, label=svg.pct_label, grid=True)
    ax.categories_y(bands)
    h = 0.8 / n
    for i, (s, (fill, _st)) in enumerate(zip(series, fills)):
        c.open(f"bars_{i}")
        for j, v in enumerate(s["values"]):
            if is_missing(v):
                continue
            yc = j + (n - 1 - i - (n - 1) / 2) * h
            y_top = ax.y(yc + h * 0.46)
            c.rect(ax.left, y_top, ax.x(v) - ax.left, ax.y(yc - h * 0.46) - y_top, fill)
        c.close()
    ax.spines()
    c.text((ax.left + ax.right) / 2, ax.bottom + 24, "part de la population", size=8, anchor="middle")
    svg.legend(c, _legend_items(series, fills), x=width / 2, y=height - leg_h - 4, ncols=4, width=width - 20)
    return c.svg()


def rates_by_group(groups: list[str], series: list[dict], title: str, ylabel: str = "") -> str:
    """Vertical grouped bars of rates (%) by group (e.g. age bands), one bar per area, values written
    above the territory's bars. ``series`` as in :func:`age_structure` (``values`` one per group)."""
    c, fills, leg_h, values = _bar_canvas(series, 166, title)
    width, height = c.width, c.height
    top = max(values, default=0.0) * 1.15 or 1.0
    yt = svg.ticks(0, top, 5)
    label_w = max((svg.text_width(svg.pct_label(v), 8) for v in yt), default=10)
    left = label_w + 12 + (13 if ylabel else 0)
    n = max(len(series), 1)
    ax = svg.Axes(c, (left, 28, width - 8, height - leg_h - 22), (-0.5, len(groups) - 0.5), (0, top))
    ax.yticks(yt, label=svg.pct_label)
    ax.categories_x(groups)
    w = 0.8 / n
    for i, (s, (fill, _st)) in enumerate(zip(series, fills)):
        c.open(f"bars_{i}")
        for j, v in enumerate(s["values"]):
            if is_missing(v):
                continue
            xc = j + (i - (n - 1) / 2) * w
            x0 = ax.x(xc - w * 0.46)
            c.rect(x0, ax.y(v), ax.x(xc + w * 0.46) - x0, ax.y(0) - ax.y(v), fill)
            if s["role"] == "territoire":
                c.text(ax.x(xc), ax.y(v) - 3, number(v, 1), size=7.5, anchor="middle")
        c.close()
    ax.spines()
    if ylabel:
        c.parts.append(f'<text x="0" y="0" font-size="8" text-anchor="middle" transform="translate(10,'
                       f'{svg.fmt((ax.top + ax.bottom) / 2)}) rotate(-90)">{svg.esc(ylabel)}</text>')
    svg.legend(c, _legend_items(series, fills), x=width / 2, y=height - leg_h - 4, ncols=4, width=width - 20)
    return c.svg()
