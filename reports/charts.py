"""Chart builders: data in, SVG text out (see :mod:`reports.svg`), no file I/O.

Line charts of the population (this module), of employment (:mod:`reports.charts_emploi`), bars of
the population section (:mod:`reports.charts_population`), training (:mod:`reports.charts_formation`)
and maps (:mod:`reports.maps`) share one canvas, one palette (:mod:`reports.style`) and French
number formats. Legends sit under the plot, where they never hide a curve.
"""

from __future__ import annotations

from . import svg


def line_panel(c: svg.Canvas, box, series: list[dict], *, title: str, indexed: bool,
               ylabel: str = "", y_label=svg.tick_label, x_of=None, ymin: float | None = None,
               baseline: float | None = None, marker: float = 3.0, xnbins: int = 6) -> list[dict]:
    """One line plot in ``box`` (left, top, right, bottom of the whole panel, title included).

    ``series``: dicts ``label``, ``role``, ``points`` [(x, value)]; ``indexed``: each series as an
    index, base 100 at its first point (series with fewer than 2 points are skipped); ``x_of`` maps
    a point's x (e.g. a quarter 'YYYY-Tq') to a number. Returns the legend items of the drawn
    series."""
    left, top, right, bottom = box
    drawn = []
    for s, st in zip(series, svg.series_style(series)):
        pts = [((x_of(x) if x_of else float(x)), v) for x, v in s["points"] if v is not None and v == v]
        if indexed:
            pts = [(x, v) for x, v in pts if v]
            if len(pts) < 2:
                continue
            base = pts[0][1]
            pts = [(x, 100 * v / base) for x, v in pts]
        if pts:
            drawn.append((s, st, pts))
    c.title(title, x=left, y=top + 10)
    n_title = title.count("\n") + 1
    top += 10 + 12 * n_title
    xs = [x for _s, _st, pts in drawn for x, _ in pts] or [0.0, 1.0]
    ys = [v for _s, _st, pts in drawn for _, v in pts] or [0.0, 1.0]
    y_lo, y_hi = min(ys), max(ys)
    if baseline is not None:
        y_lo, y_hi = min(y_lo, baseline), max(y_hi, baseline)
    pad = (y_hi - y_lo) * 0.06 or abs(y_hi) * 0.05 or 1.0
    y_lo, y_hi = (ymin if ymin is not None else y_lo - pad), y_hi + pad
    yt = svg.ticks(y_lo, y_hi, 5)
    label_w = max((svg.text_width(y_label(v), 8) for v in yt), default=10)
    plot_left = left + label_w + 8 + (13 if ylabel else 0)
    x_lo, x_hi = min(xs), max(xs)
    xpad = (x_hi - x_lo) * 0.03 or 0.5
    ax = svg.Axes(c, (plot_left, top, right - 6, bottom - 16), (x_lo - xpad, x_hi + xpad), (y_lo, y_hi))
    ax.yticks(yt, label=y_label)
    ax.xticks(svg.ticks(x_lo, x_hi, xnbins, integer=True), label=lambda v: f"{int(v)}")
    if ylabel:
        c.parts.append(f'<text x="0" y="0" font-size="8" text-anchor="middle" transform="translate('
                       f'{svg.fmt(left + 8)},{svg.fmt((top + bottom - 16) / 2)}) rotate(-90)">{svg.esc(ylabel)}</text>')
    if baseline is not None:
        ax.c.line(ax.left, ax.y(baseline), ax.right, ax.y(baseline), "#808080", 0.6)
    ax.spines()
    items = []
    # the region first, the territory last: the territory's line is drawn on top
    for s, st, pts in sorted(drawn, key=lambda d: {"region": 0, "departement": 1}.get(d[0]["role"], 2)):
        c.open(f"series_{s['role']}")
        c.polyline([(ax.x(x), ax.y(v)) for x, v in pts], st["colour"], st["width"], st["dash"])
        if marker:
            for x, v in pts:
                c.marker("o", ax.x(x), ax.y(v), marker, st["colour"], st["colour"], 0)
        c.close()
    for s, st, _pts in drawn:
        items.append({"label": s["label"] + (" (estimation)" if s.get("estimate") else ""), "kind": "line",
                      "colour": st["colour"], "width": st["width"], "dash": st["dash"], "marker": bool(marker)})
    return items


def population_index(series: list[dict], title: str = "Évolution de la population (base 100 en {y0})") -> str:
    """Indexed population (base 100 in the first year) of the territory and its comparisons.

    ``series``: dicts with ``label``, ``role`` ('territoire', 'departement', 'region') and
    ``points`` (list of (year, value)); series with fewer than 2 points are skipped.
    """
    y0 = next((min(y for y, v in s["points"] if v) for s in series
               if len([1 for _y, v in s["points"] if v]) >= 2), "")
    width = 460.8
    items = [{"label": s["label"], "kind": "line", "colour": "#000"} for s in series]
    leg_h = svg.legend(None, items, x=width / 2, y=0, ncols=4, width=width - 20)
    height = 200 + leg_h
    c = svg.Canvas(width, height)
    items = line_panel(c, (6, 2, width - 4, height - leg_h - 6), series, title=title.format(y0=y0),
                       indexed=True, ylabel="indice")
    svg.legend(c, items, x=width / 2, y=height - leg_h - 4, ncols=4, width=width - 20)
    return c.svg()

