"""Charts of the section « Emploi et marché du travail » (2: trends, unemployment rate): data in,
``Figure`` out (no pyplot state).

Every chart uses the project style (:func:`reports.style.apply`), its palette (territory dark blue,
then the département(s), then the region in grey, dashed) and French number formatting.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from . import style  # noqa: E402
from .formatting import number, percent  # noqa: E402


def _line_style(role: str, dep_index: int) -> dict:
    if role == "territoire":
        return {"color": style.TERRITORY, "linewidth": 2.4, "zorder": 3, "linestyle": "-"}
    if role == "departement":
        return {"color": style.DEPARTEMENT[dep_index % len(style.DEPARTEMENT)], "linewidth": 1.5,
                "zorder": 2, "linestyle": "-"}
    return {"color": style.REGION, "linewidth": 1.5, "zorder": 1, "linestyle": "--"}


def _indexed(ax, series: list[dict], title: str) -> None:
    dep_i = 0
    for s in series:
        pts = [(x, v) for x, v in s["points"] if v]
        if len(pts) < 2:
            continue
        kw = _line_style(s["role"], dep_i)
        dep_i += s["role"] == "departement"
        base = pts[0][1]
        ax.plot([p[0] for p in pts], [100 * p[1] / base for p in pts], marker="o", markersize=2.8,
                label=s["label"], **kw)
    ax.set_title(title, loc="left")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: number(x)))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{int(x)}"))
    ax.axhline(100, color="#808080", linewidth=0.6, zorder=0)


def trends(jobs: list[dict], seekers: list[dict]) -> Figure:
    """Private salaried jobs and job seekers, each indexed (base 100 in its first year), for the
    territory and its comparison areas. ``jobs`` / ``seekers``: dicts ``label``, ``role``
    ('territoire', 'departement', 'region'), ``points`` [(year, value)]."""
    style.apply()
    fig = Figure(figsize=(7.0, 2.7))
    ax1, ax2 = fig.subplots(1, 2, sharey=False)
    y_jobs = min((p[0] for s in jobs for p in s["points"]), default="")
    y_seek = min((p[0] for s in seekers for p in s["points"]), default="")
    _indexed(ax1, jobs, f"Emplois salariés privés\n(base 100 en {y_jobs})")
    _indexed(ax2, seekers, f"Demandeurs d'emploi A, B, C\n(base 100 en {y_seek})")
    handles, labels = ax1.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=min(len(labels), 4), frameon=False)
    # fixed margins: tight_layout costs more than the drawing itself
    fig.subplots_adjust(left=0.07, right=0.99, top=0.82, bottom=0.2, wspace=0.22)
    return fig


def unemployment(series: list[dict], first_year: int) -> Figure:
    """Quarterly localised unemployment rate (%) from ``first_year``. ``series``: dicts ``label``,
    ``role``, ``points`` [(quarter 'YYYY-Tq', rate)], ``estimate`` (bool: drawn with a lighter
    marker and labelled « estimation »)."""
    style.apply()
    fig = Figure(figsize=(6.6, 2.5))
    ax = fig.subplots()
    dep_i = 0

    def x_of(q: str) -> float:
        year, quarter = q.split("-T")
        return int(year) + (int(quarter) - 1) / 4

    for s in series:
        pts = [(x_of(q), v) for q, v in s["points"] if v is not None and int(q[:4]) >= first_year]
        if not pts:
            continue
        kw = _line_style(s["role"], dep_i)
        dep_i += s["role"] == "departement"
        label = s["label"] + (" (estimation)" if s.get("estimate") else "")
        ax.plot([p[0] for p in pts], [p[1] for p in pts], label=label, **kw)
    ax.set_title("Taux de chômage localisé (moyenne trimestrielle, CVS)", loc="left")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: percent(x, 0)))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=10))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{int(x)}"))
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower left", ncols=2)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.89, bottom=0.11)
    return fig
