"""Charts of the section « Emploi et marché du travail » (trends, unemployment rate): data in,
SVG text out (:mod:`reports.svg`).

The project palette (territory dark blue, then the département(s), then the region in grey,
dashed) and French number formatting, as every chart of the portrait.
"""

from __future__ import annotations

from . import svg
from .charts import line_panel
from .formatting import percent


def trends(jobs: list[dict], seekers: list[dict]) -> str:
    """Private salaried jobs and job seekers, each indexed (base 100 in its first year), for the
    territory and its comparison areas, side by side. ``jobs`` / ``seekers``: dicts ``label``,
    ``role`` ('territoire', 'departement', 'region'), ``points`` [(year, value)]."""
    width = 504.0
    y_jobs = min((p[0] for s in jobs for p in s["points"]), default="")
    y_seek = min((p[0] for s in seekers for p in s["points"]), default="")
    probe = [{"label": s["label"], "kind": "line", "colour": "#000"} for s in jobs]
    leg_h = svg.legend(None, probe, x=width / 2, y=0, ncols=4, width=width - 20)
    height = 172 + leg_h
    c = svg.Canvas(width, height)
    bottom = height - leg_h - 6
    c.open("jobs")
    items = line_panel(c, (4, 2, width / 2 - 6, bottom), jobs,
                       title=f"Emplois salariés privés\n(base 100 en {y_jobs})", indexed=True, baseline=100,
                       marker=2.6)
    c.close()
    c.open("seekers")
    other = line_panel(c, (width / 2 + 6, 2, width - 2, bottom), seekers,
                       title=f"Demandeurs d'emploi A, B, C\n(base 100 en {y_seek})", indexed=True,
                       baseline=100, marker=2.6)
    c.close()
    svg.legend(c, items or other, x=width / 2, y=height - leg_h - 4, ncols=4, width=width - 20)
    return c.svg()


def unemployment(series: list[dict], first_year: int) -> str:
    """Quarterly localised unemployment rate (%) from ``first_year``. ``series``: dicts ``label``,
    ``role``, ``points`` [(quarter 'YYYY-Tq', rate)], ``estimate`` (bool: labelled « estimation »)."""

    def x_of(q: str) -> float:
        year, quarter = q.split("-T")
        return int(year) + (int(quarter) - 1) / 4

    kept = [{**s, "points": [(q, v) for q, v in s["points"] if v is not None and int(q[:4]) >= first_year]}
            for s in series]
    kept = [s for s in kept if s["points"]]
    width = 475.2
    probe = [{"label": s["label"] + (" (estimation)" if s.get("estimate") else ""), "kind": "line",
              "colour": "#000"} for s in kept]
    leg_h = svg.legend(None, probe, x=width / 2, y=0, ncols=2, width=width - 20)
    height = 160 + leg_h
    c = svg.Canvas(width, height)
    items = line_panel(c, (6, 2, width - 4, height - leg_h - 6), kept,
                       title="Taux de chômage localisé (moyenne trimestrielle, CVS)", indexed=False,
                       y_label=lambda v: percent(v, 0), x_of=x_of, ymin=0, marker=0, xnbins=10)
    svg.legend(c, items, x=width / 2, y=height - leg_h - 4, ncols=2, width=width - 20)
    return c.svg()
