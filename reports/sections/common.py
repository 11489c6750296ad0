"""Helpers shared by the sections: their tables' rows (from the declarations), cover figures,
formatted cells, charts as data URIs. Observations are read by :mod:`.observations`."""

from __future__ import annotations

import base64

from typing import TypedDict

from ..formatting import is_missing, number, percent
from .observations import declarations


class SectionContext(TypedDict):
    """What every section's ``context()`` returns (each section's own type adds the keys its
    template reads; ``tests/test_section_contexts.py`` checks the keys returned are exactly those)."""

    id: str  # anchor of the section
    title: str  # French heading
    template: str  # under reports/templates
    source_ids: list[str]  # datasets cited (meta.source)
    key_figures: list[dict]  # cover figures (common.key_figure_of)


def _kind(indicator, row) -> str:
    """How a table cell is written: 'signed' count, 'pct' share, 'rate' signed % per year, 'num'
    count, 'ratio' plain number (``reports/templates/macros.html.j2``)."""
    if row.signed:
        return "signed"
    if indicator.unit == "%":
        return "pct"
    if indicator.unit == "% par an":
        return "rate"
    return "num" if indicator.aggregation == "sum" else "ratio"


def table_rows(table: str) -> list[tuple]:
    """The rows of a section's table (``"<section>.<table>"``), from the declarations of the
    indicators that appear in it (``Indicator.rows``), in their order: ``(indicator_id, period or
    None for the latest, French label, kind, decimals, sub)`` (``sub``: a « dont » line). A table no
    declaration names is an error: a section never shows an empty table by a typo."""
    out = [(i.id, r.period or i.period, r.label, _kind(i, r), i.decimals, r.sub)
           for i in declarations() for r in i.rows if r.table == table]
    if not out:
        raise KeyError(f"no indicator declares a row of the table {table!r} (Indicator.rows)")
    return out


def rows(con, sql: str, params=()) -> list[dict]:
    cur = con.execute(sql, list(params))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def chart_uri(builder, *args, **kwargs) -> str:
    """``builder(*args, **kwargs)`` (SVG text, see ``reports.svg``) as a data URI: charts are
    embedded in the HTML, so that a downloaded portrait.html stands alone; in an ``<img>``, an SVG
    runs no script and loads nothing."""
    return "data:image/svg+xml;base64," + base64.b64encode(builder(*args, **kwargs).encode("utf-8")).decode("ascii")


def geo_frame(con, sql: str, params=()):
    """A query with a ``geometry_wkb`` column as a GeoDataFrame (WGS 84)."""
    import geopandas as gpd

    df = con.execute(sql, list(params)).df()
    geom = gpd.GeoSeries.from_wkb(df["geometry_wkb"].map(bytes), crs="EPSG:4326")
    return gpd.GeoDataFrame(df.drop(columns=["geometry_wkb"]), geometry=geom, crs="EPSG:4326")


def territory_geometry(con, set_id: str, territory_id: str):
    return geo_frame(con, "select * from ref.territory_geometry where set_id = ? and territory_id = ?",
                     (set_id, territory_id))


def commune_geometries(con, set_id: str, territory_id: str):
    """The territory's communes (code, label, latest population) with their outlines."""
    return geo_frame(
        con,
        """select g.commune_code, g.label, g.geometry_wkb, p.value as population
           from ref.territory_commune tc join ref.commune_geometry g using (commune_code)
           left join indicators.observation p on p.set_id = 'commune' and p.territory_id = g.commune_code
                and p.indicator_id = 'population'
                and p.period = (select max(period) from indicators.observation where indicator_id = 'population')
           where tc.set_id = ? and tc.territory_id = ?
           order by g.commune_code""",
        (set_id, territory_id),
    )


def fmt(obs: dict | None, decimals: int = 0, unit: str = "", signed: bool = False) -> str:
    if obs is None:
        return "non disponible"
    if unit == "%":
        return percent(obs["value"], decimals, obs["status"], signed_=signed)
    text = number(obs["value"], decimals, obs["status"])
    if signed and not is_missing(obs["value"]) and obs["status"] not in ("secret", "missing") and obs["value"] > 0:
        text = "+" + text
    return text + (f"\u00a0{unit}" if unit and obs["status"] not in ("secret", "missing")
                   and not is_missing(obs["value"]) else "")


def key_figure(obs, indicator_id, label, *, decimals=0, unit="", signed=False, period=None) -> dict:
    """A cover figure for the territory, with the same figure for its département(s) and region
    (``obs``: the portrait's :class:`~.observations.Observations`)."""
    return key_figure_of(obs.cells(indicator_id, period), obs.areas, label,
                         decimals=decimals, unit=unit, signed=signed)


def key_figure_of(cells: list, areas: list[dict], label: str, *, decimals=0, unit="", signed=False) -> dict:
    """A cover figure from the observations of every area (the territory's first)."""
    own = cells[0]
    return {
        "value": fmt(own, decimals, unit, signed),
        "label": label,
        "period": own["period"] if own else None,
        "status": own["status"] if own else "missing",
        "source_id": own["source_id"] if own else None,
        "compare": [{"label": a["label"], "value": fmt(c, decimals, unit, signed)}
                    for a, c in zip(areas[1:], cells[1:])],
    }


def evolution_compare(cells: list, areas: list[dict], decimals: int = 1) -> list[dict]:
    """A cover figure's comparison line from a rate of change of every area:
    ``évolution 2020-2025 : +3,7 % · Mayenne : +2,1 % · Pays de la Loire : +4,0 %``."""
    own = cells[0] if cells else None
    if own is None:
        return []
    out = [{"label": f"évolution {own['period']}", "value": fmt(own, decimals, "%", signed=True)}]
    out += [{"label": a["label"], "value": fmt(c, decimals, "%", signed=True)} for a, c in zip(areas[1:], cells[1:])]
    return out


def per_inhabitants_compare(obs, cells: list, per: int = 10_000) -> list[dict]:
    """A count related to the population of every area (``pour 10 000 habitants``), recomputed
    from the count and the latest legal population of each area (never averaged)."""
    out = []
    for i, (a, c) in enumerate(zip(obs.areas, cells)):
        pop = obs.latest(a, "population")
        if c is None or pop is None or c["status"] != "ok" or pop["status"] != "ok" or not pop["value"]:
            value = "non disponible"
        else:
            value = number(per * c["value"] / pop["value"], 1)
        out.append({"label": f"pour {number(per)} habitants ({pop['period'] if pop else '–'})" if i == 0
                    else a["label"], "value": value})
    return out
