"""SVG drawing for the portraits' charts and maps: a small canvas, axes with French tick labels,
legends and map projection. The same SVG text is shown by browsers (``<img>``), drawn by Typst
into the PDF (its text set in the PDF's embedded DejaVu Sans, so it stays selectable) and by
WeasyPrint.

Why not Matplotlib: a portrait drew ten Matplotlib figures and encoded them as PNG, 0.2 s each,
three quarters of a portrait's CPU. Writing the few shapes these charts need costs milliseconds.

Units are points (1/72 in): a chart declared ``6.4 × 3.2`` inches is a 460.8 × 230.4 pt canvas,
fonts in pt as in print. Every string that comes from data (labels, names) is escaped here
(:func:`esc`); nothing from a file reaches the SVG as markup. Layers are ``<g id="…">`` groups so
that tests can find them without looking at pixels.
"""

from __future__ import annotations

import math
from functools import lru_cache
from html import escape

from . import style
from .formatting import number

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"


def esc(text) -> str:
    return escape(str(text), quote=True)


def fmt(v: float) -> str:
    """A coordinate with 0.1 pt precision, without trailing zeros."""
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


@lru_cache(maxsize=2)
def _font(bold: bool):
    """DejaVu Sans (the font Typst embeds in the PDF) for measuring text, from Matplotlib's data
    files (always installed with the project); None when absent (then an average width is used)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "mpl-data/fonts/ttf" / (
        "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    try:
        from PIL import ImageFont

        return ImageFont.truetype(str(path), 1000)
    except (OSError, ImportError):
        return None


@lru_cache(maxsize=4096)
def text_width(text: str, size: float, bold: bool = False) -> float:
    font = _font(bold)
    if font is None:
        return len(text) * size * (0.62 if bold else 0.58)
    return font.getlength(text) * size / 1000


def nice_step(span: float, nbins: int, steps=(1, 2, 5, 10)) -> float:
    raw = span / max(nbins, 1)
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    scale = 10 ** math.floor(math.log10(raw))
    return next((s * scale for s in steps if s * scale >= raw * (1 - 1e-9)), 10 * scale)


def ticks(lo: float, hi: float, nbins: int = 6, steps=(1, 2, 5, 10), integer: bool = False) -> list[float]:
    """Round tick values within [lo, hi] (about ``nbins`` intervals)."""
    step = nice_step(hi - lo, nbins, steps)
    if integer:
        step = max(1.0, round(step))
    first = math.ceil(lo / step - 1e-9)
    out = []
    k = first
    while k * step <= hi + step * 1e-9:
        out.append(round(k * step, 10))
        k += 1
    return out


def tick_label(v: float, decimals: int | None = None) -> str:
    if decimals is None:
        decimals = 0 if abs(v - round(v)) < 1e-9 else (1 if abs(v * 10 - round(v * 10)) < 1e-6 else 2)
    return number(v, decimals)


def pct_label(v: float) -> str:
    return tick_label(v) + "\u00a0%"


# ----------------------------------------------------------------------------------- the canvas

class Canvas:
    """An SVG document of ``width × height`` points."""

    def __init__(self, width: float, height: float):
        self.width, self.height = width, height
        self.defs: list[str] = []
        self.parts: list[str] = []

    # layers
    def open(self, layer_id: str, **attrs) -> None:
        extra = "".join(f' {k.replace("_", "-")}="{esc(v)}"' for k, v in attrs.items() if v is not None)
        self.parts.append(f'<g id="{esc(layer_id)}"{extra}>')

    def close(self) -> None:
        self.parts.append("</g>")

    # shapes
    def line(self, x1, y1, x2, y2, stroke: str, width: float = 1.0, dash: str | None = None) -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{fmt(x1)}" y1="{fmt(y1)}" x2="{fmt(x2)}" y2="{fmt(y2)}" '
                          f'stroke="{stroke}" stroke-width="{width}"{d}/>')

    def polyline(self, points, stroke: str, width: float = 1.0, dash: str | None = None) -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        pts = " ".join(f"{fmt(x)},{fmt(y)}" for x, y in points)
        self.parts.append(f'<polyline points="{pts}" fill="none" stroke="{stroke}" stroke-width="{width}" '
                          f'stroke-linejoin="round"{d}/>')

    def rect(self, x, y, w, h, fill: str, stroke: str | None = None, width: float = 0.0) -> None:
        s = f' stroke="{stroke}" stroke-width="{width}"' if stroke else ""
        self.parts.append(f'<rect x="{fmt(x)}" y="{fmt(y)}" width="{fmt(max(w, 0))}" height="{fmt(max(h, 0))}" '
                          f'fill="{fill}"{s}/>')

    def path(self, d: str, fill: str = "none", stroke: str | None = None, width: float = 0.0,
             rule: str = "evenodd") -> None:
        if not d:
            return
        s = f' stroke="{stroke}" stroke-width="{width}" stroke-linejoin="round"' if stroke else ""
        self.parts.append(f'<path d="{d}" fill="{fill}" fill-rule="{rule}"{s}/>')

    def text(self, x, y, text, size: float = 9, anchor: str = "start", bold: bool = False,
             fill: str = "#1a1a1a", halo: float = 0.0, middle: bool = False) -> None:
        """``text`` at ``(x, y)`` (its baseline; ``middle``: its vertical centre), lines split on
        ``\\n``. ``halo``: a white outline of that width drawn first, so that labels stay legible
        over a map (two ``<text>`` rather than paint-order, which not every renderer follows)."""
        lines = str(text).split("\n")
        y0 = y + (0.35 * size if middle else 0) - (len(lines) - 1) * 1.2 * size * (0.5 if middle else 0)
        weight = ' font-weight="bold"' if bold else ""
        for i, line in enumerate(lines):
            yy = fmt(y0 + i * 1.2 * size)
            common = f'x="{fmt(x)}" y="{yy}" font-size="{size}" text-anchor="{anchor}"{weight}'
            if halo:
                self.parts.append(f'<text {common} fill="white" stroke="white" stroke-width="{halo}" '
                                  f'stroke-linejoin="round">{esc(line)}</text>')
            self.parts.append(f'<text {common} fill="{fill}">{esc(line)}</text>')

    def marker(self, kind: str, x, y, size: float, fill: str, stroke: str = "white", width: float = 0.5) -> None:
        """A marker of ``size`` points across: o circle, . small circle, s square, D diamond,
        ^ triangle, * star."""
        r = size / 2
        s = f' fill="{fill}" stroke="{stroke}" stroke-width="{width}"'
        if kind in ("o", "."):
            self.parts.append(f'<circle cx="{fmt(x)}" cy="{fmt(y)}" r="{fmt(r * (0.6 if kind == "." else 1))}"{s}/>')
        elif kind == "s":
            r *= 0.88
            self.parts.append(f'<rect x="{fmt(x - r)}" y="{fmt(y - r)}" width="{fmt(2 * r)}" height="{fmt(2 * r)}"{s}/>')
        else:
            if kind == "D":
                pts = [(0, -r), (r * 0.75, 0), (0, r), (-r * 0.75, 0)]
            elif kind == "^":
                pts = [(0, -r), (r * 0.95, r * 0.7), (-r * 0.95, r * 0.7)]
            else:  # star
                pts = [((r if i % 2 == 0 else r * 0.45) * math.sin(i * math.pi / 5),
                        -(r if i % 2 == 0 else r * 0.45) * math.cos(i * math.pi / 5)) for i in range(10)]
            p = " ".join(f"{fmt(x + dx)},{fmt(y + dy)}" for dx, dy in pts)
            self.parts.append(f'<polygon points="{p}"{s}/>')

    def hatch(self, pattern_id: str, colour: str) -> str:
        """A diagonal hatch of ``colour`` on white lines (the region's bars: distinct in greyscale)."""
        self.defs.append(f'<pattern id="{pattern_id}" width="4" height="4" patternUnits="userSpaceOnUse" '
                         f'patternTransform="rotate(45)"><rect width="4" height="4" fill="{colour}"/>'
                         f'<line x1="0" y1="0" x2="0" y2="4" stroke="white" stroke-width="1.4"/></pattern>')
        return f"url(#{pattern_id})"

    def title(self, text: str, x: float = 6, y: float = 14, size: float = 10) -> None:
        self.text(x, y, text, size=size, bold=True)

    def svg(self) -> str:
        w, h = fmt(self.width), fmt(self.height)
        defs = f"<defs>{''.join(self.defs)}</defs>" if self.defs else ""
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}pt" height="{h}pt" viewBox="0 0 {w} {h}" '
                f'font-family="{FONT}"><rect width="{w}" height="{h}" fill="white"/>{defs}'
                + "".join(self.parts) + "</svg>")


# ------------------------------------------------------------------------------------- the axes

class Axes:
    """A plot area ``(left, top, right, bottom)`` of a :class:`Canvas` with data limits."""

    def __init__(self, canvas: Canvas, box: tuple[float, float, float, float],
                 xlim: tuple[float, float], ylim: tuple[float, float]):
        self.c = canvas
        self.left, self.top, self.right, self.bottom = box
        self.xlim, self.ylim = xlim, ylim

    def x(self, v: float) -> float:
        x0, x1 = self.xlim
        return self.left + (v - x0) / ((x1 - x0) or 1) * (self.right - self.left)

    def y(self, v: float) -> float:
        y0, y1 = self.ylim
        return self.bottom - (v - y0) / ((y1 - y0) or 1) * (self.bottom - self.top)

    def yticks(self, values, label=tick_label, grid: bool = True) -> None:
        self.c.open("yticks")
        for v in values:
            y = self.y(v)
            if grid:
                self.c.line(self.left, y, self.right, y, style.GRID, 0.6)
            self.c.line(self.left - 3, y, self.left, y, "#808080", 0.6)
            self.c.text(self.left - 5, y, label(v), size=8, anchor="end", middle=True)
        self.c.close()

    def xticks(self, values, label=tick_label, grid: bool = False) -> None:
        self.c.open("xticks")
        for v in values:
            x = self.x(v)
            if grid:
                self.c.line(x, self.top, x, self.bottom, style.GRID, 0.6)
            self.c.line(x, self.bottom, x, self.bottom + 3, "#808080", 0.6)
            self.c.text(x, self.bottom + 12, label(v), size=8, anchor="middle")
        self.c.close()

    def categories_x(self, labels: list[str]) -> None:
        """Category labels under positions 0, 1, … of the x axis."""
        self.xticks(range(len(labels)), label=lambda i: labels[int(i)])

    def categories_y(self, labels: list[str]) -> None:
        self.c.open("yticks")
        for i, lab in enumerate(labels):
            self.c.text(self.left - 5, self.y(i), lab, size=8, anchor="end", middle=True)
        self.c.close()

    def spines(self) -> None:
        self.c.line(self.left, self.top, self.left, self.bottom, "#808080", 0.8)
        self.c.line(self.left, self.bottom, self.right, self.bottom, "#808080", 0.8)


def legend(c: Canvas | None, items: list[dict], *, x: float, y: float, ncols: int, anchor: str = "middle",
           size: float = 8, width: float | None = None) -> float:
    """Legend entries (``label``, ``kind`` 'line'/'bar'/'marker', ``colour``, optional ``dash``,
    ``fill`` (hatch url), ``marker``, ``hollow``) in ``ncols`` columns from ``(x, y)`` (top of the
    first row; ``anchor`` 'middle' centres the block on ``x``; columns are dropped until the
    block fits in ``width``). Returns the height used; with ``c`` None, only measures."""
    if not items:
        return 0.0
    ncols = max(1, min(ncols, len(items)))
    key_w, gap = 16, 12
    widths = [key_w + 4 + text_width(it["label"], size) for it in items]
    col_w = [max(widths[i::ncols]) for i in range(ncols)]
    if width is not None and sum(col_w) + gap * (ncols - 1) > width and ncols > 1:
        return legend(c, items, x=x, y=y, ncols=ncols - 1, anchor=anchor, size=size, width=width)
    total = sum(col_w) + gap * (ncols - 1)
    x0 = x - total / 2 if anchor == "middle" else x
    row_h = size * 1.5
    height = math.ceil(len(items) / ncols) * row_h
    if c is None:
        return height
    c.open("legend")
    for i, it in enumerate(items):
        row, col = divmod(i, ncols)
        kx = x0 + sum(col_w[:col]) + gap * col
        ky = y + row * row_h + row_h / 2
        kind = it.get("kind", "line")
        if kind == "line":
            c.line(kx, ky, kx + key_w, ky, it["colour"], it.get("width", 1.5), it.get("dash"))
            if it.get("marker"):
                c.marker("o", kx + key_w / 2, ky, 3.5, it["colour"], it["colour"], 0)
        elif kind == "bar":
            c.rect(kx + 2, ky - 4, key_w - 4, 8, it.get("fill") or it["colour"])
        else:
            hollow = it.get("hollow")
            c.marker(it.get("marker", "o"), kx + key_w / 2, ky, it.get("size", 6.5),
                     "white" if hollow else it["colour"], it["colour"] if hollow else "white",
                     1.1 if hollow else 0.5)
        c.text(kx + key_w + 4, ky, it["label"], size=size, middle=True)
    c.close()
    return height


def series_style(series: list[dict]) -> list[dict]:
    """Colour, line width, dash and hatch per series: the territory dark blue and thick, the
    département(s) in their colours, the region grey, dashed (lines) or hatched (bars)."""
    out, dep_i = [], 0
    for s in series:
        if s["role"] == "territoire":
            out.append({"colour": style.TERRITORY, "width": 2.2, "dash": None, "hatch": False})
        elif s["role"] == "departement":
            out.append({"colour": style.DEPARTEMENT[dep_i % len(style.DEPARTEMENT)], "width": 1.4,
                        "dash": None, "hatch": False})
            dep_i += 1
        else:
            out.append({"colour": style.REGION, "width": 1.4, "dash": "5 3", "hatch": True})
    return out


# ------------------------------------------------------------------------------------------ maps

class MapFrame:
    """Lambert-93 metres → canvas points, equal aspect, for the extent ``bounds`` fitted into
    ``box`` (left, top, right, bottom)."""

    def __init__(self, bounds, box, pad: float = 0.04):
        minx, miny, maxx, maxy = bounds
        dx, dy = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
        minx, maxx = minx - dx * pad, maxx + dx * pad
        miny, maxy = miny - dy * pad, maxy + dy * pad
        left, top, right, bottom = box
        self.scale = min((right - left) / (maxx - minx), (bottom - top) / (maxy - miny))
        self.ox = left + ((right - left) - (maxx - minx) * self.scale) / 2 - minx * self.scale
        self.oy = top + ((bottom - top) - (maxy - miny) * self.scale) / 2 + maxy * self.scale

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return self.ox + x * self.scale, self.oy - y * self.scale

    def path(self, geom) -> str:
        """SVG path data of a (multi)polygon or (multi)line, simplified to a fifth of a point."""
        import shapely

        if geom is None or geom.is_empty:
            return ""
        g = shapely.simplify(geom, 0.2 / self.scale, preserve_topology=True)
        parts = []
        for part in getattr(g, "geoms", [g]):
            if part.geom_type == "Polygon":
                rings, close = [part.exterior, *part.interiors], " Z"
            elif part.geom_type in ("LineString", "LinearRing"):
                rings, close = [part], ""
            elif part.geom_type in ("MultiPolygon", "MultiLineString", "GeometryCollection"):
                parts.append(self.path(part))
                continue
            else:
                continue
            for ring in rings:
                xy = shapely.get_coordinates(ring)
                if len(xy) < 2:
                    continue
                pts = [f"{fmt(self.ox + x * self.scale)},{fmt(self.oy - y * self.scale)}" for x, y in xy]
                parts.append("M" + " L".join(pts) + close)
        return " ".join(p for p in parts if p)

    def scale_bar(self, c: Canvas, x: float, y: float, width_pt: float) -> None:
        """A plain scale bar of a round length, about a fifth of ``width_pt``, at ``(x, y)``."""
        target_km = width_pt / 5 / self.scale / 1000
        km = next((v for v in (1, 2, 5, 10, 20, 50, 100) if v >= target_km * 0.6), 100)
        length = km * 1000 * self.scale
        c.open("scale_bar")
        c.line(x, y, x + length, y, "#333333", 1.5)
        c.text(x + length / 2, y - 3, f"{km:g} km", size=6.5, anchor="middle", fill="#333333")
        c.close()
