"""Gather what one portrait shows, from the published database (read-only connection).

``portrait_context(con, set_id, territory_id)`` returns a plain dict for the Jinja template; the
comparison areas are the territory's département(s) (those of its communes in the region) and the
region, read from the ``departement`` and ``region`` sets of the same database.
"""

from __future__ import annotations

import base64

from . import charts
from .formatting import is_missing, long_date, number, percent

POPULATION_SOURCES = ("insee_pop_historiques", "cog_communes_2026")


def _rows(con, sql: str, params=()) -> list[dict]:
    cur = con.execute(sql, list(params))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _png_data_uri(fig) -> str:
    """Charts are embedded in the HTML, so that a downloaded portrait.html stands alone."""
    return "data:image/png;base64," + base64.b64encode(charts.figure_to_png(fig)).decode("ascii")


def observations(con, set_id: str, territory_id: str, indicator_id: str) -> list[dict]:
    return _rows(
        con,
        """select period, value, numerator, denominator, status, source_id, note
           from indicators.observation
           where set_id = ? and territory_id = ? and indicator_id = ? order by period""",
        (set_id, territory_id, indicator_id),
    )


def comparison_areas(con, set_id: str, territory_id: str) -> list[dict]:
    """The territory itself, then its département(s), then the region."""
    t = _rows(con, "select * from ref.territory where set_id = ? and territory_id = ?", (set_id, territory_id))
    if not t:
        raise KeyError(f"no territory {territory_id!r} in set {set_id!r}")
    areas = [{"set_id": set_id, "territory_id": territory_id, "label": t[0]["label"], "role": "territoire"}]
    deps = [d for d in (t[0]["departements"] or "").split("|") if d]
    if set_id != "departement":
        for dep in deps:
            label = con.execute("select label from ref.departement where departement_code = ?", [dep]).fetchone()
            areas.append({"set_id": "departement", "territory_id": dep,
                          "label": label[0] if label else dep, "role": "departement"})
    if set_id != "region":
        for code, label in con.execute("select region_code, label from ref.region").fetchall():
            areas.append({"set_id": "region", "territory_id": code, "label": label, "role": "region"})
    return areas


def portrait_context(con, set_id: str, territory_id: str, *, build: dict | None = None) -> dict:
    territory = _rows(con, "select * from ref.territory where set_id = ? and territory_id = ?",
                      (set_id, territory_id))[0]
    set_row = _rows(con, "select * from ref.territory_set where set_id = ?", (set_id,))[0]
    areas = comparison_areas(con, set_id, territory_id)

    epcis = _rows(
        con,
        """select e.epci_siren, e.label, e.epci_type, e.n_communes as n_total,
                  count(*) as n_in_territory
           from ref.territory_commune tc join ref.commune c using (commune_code)
           join ref.epci e on e.epci_siren = c.epci_siren
           where tc.set_id = ? and tc.territory_id = ?
           group by all order by n_in_territory desc, e.label""",
        (set_id, territory_id),
    )
    communes = _rows(
        con,
        """select c.commune_code, coalesce(c.label, c.commune_code) as label, c.departement_code,
                  c.in_region, p.value as population, p.period
           from ref.territory_commune tc join ref.commune c using (commune_code)
           left join indicators.observation p
             on p.set_id = 'commune' and p.territory_id = c.commune_code
            and p.indicator_id = 'population'
            and p.period = (select max(period) from indicators.observation
                            where indicator_id = 'population' and set_id = 'commune')
           where tc.set_id = ? and tc.territory_id = ?
           order by p.value desc nulls last, label""",
        (set_id, territory_id),
    )

    # Population series for every comparison area
    years: list[str] = []
    pop_by_area = []
    for area in areas:
        obs = observations(con, area["set_id"], area["territory_id"], "population")
        pop_by_area.append({**area, "obs": {o["period"]: o for o in obs}})
        for o in obs:
            if o["period"] not in years:
                years.append(o["period"])
    years.sort()
    pop_table = [
        {"year": y, "cells": [a["obs"].get(y) for a in pop_by_area],
         "source_id": next((a["obs"][y]["source_id"] for a in pop_by_area if y in a["obs"]), None)}
        for y in years
    ]
    index_series = [
        {"label": a["label"], "role": a["role"],
         "points": [(int(y), a["obs"][y]["value"]) for y in years
                    if y in a["obs"] and not is_missing(a["obs"][y]["value"])]}
        for a in pop_by_area
    ]
    own = pop_by_area[0]["obs"]
    bar_points = [(int(y), own[y]["value"]) for y in years if y in own]

    variations = []
    for ind in ("population_variation_annuelle_longue", "population_variation_annuelle_5ans"):
        label = con.execute("select label from indicators.catalog where indicator_id = ?", [ind]).fetchone()[0]
        cells = []
        period = None
        for area in areas:
            obs = observations(con, area["set_id"], area["territory_id"], ind)
            cells.append(obs[-1] if obs else None)
            period = period or (obs[-1]["period"] if obs else None)
        variations.append({"indicator_id": ind, "label": label, "period": period, "cells": cells})

    latest_year = years[-1] if years else None
    latest = own.get(latest_year) if latest_year else None
    dep_share = None
    if latest and len(areas) > 1 and areas[1]["role"] == "departement" and len(territory["departements"] or "") == 2:
        dep_latest = pop_by_area[1]["obs"].get(latest_year)
        if dep_latest and dep_latest["value"] and latest["value"] is not None:
            dep_share = 100 * latest["value"] / dep_latest["value"]

    key_figures = [
        {"label": f"habitants en {latest_year}" if latest_year else "habitants",
         "value": number(latest["value"], 0, latest["status"]) if latest else "non disponible",
         "source_id": latest["source_id"] if latest else None},
        {"label": "communes", "value": number(territory["n_communes"]),
         "source_id": set_row["source_id"]},
        {"label": "intercommunalités (EPCI)", "value": number(len(epcis)), "source_id": "cog_epci_2026"},
    ]
    for v in variations:
        cell = v["cells"][0]
        key_figures.append({
            "label": f"de population par an, {v['period']}" if v["period"] else v["label"],
            "value": percent(cell["value"], 2, cell["status"], signed_=True) if cell else "non disponible",
            "source_id": cell["source_id"] if cell else None,
            "compare": [
                {"label": a["label"], "value": percent(c["value"], 2, c["status"], signed_=True) if c else "–"}
                for a, c in zip(areas[1:], v["cells"][1:])
            ],
        })
    if dep_share is not None:
        key_figures.append({"label": f"de la population de {areas[1]['label']}",
                            "value": percent(dep_share, 1), "source_id": latest["source_id"]})

    used_sources = {"cog_communes_2026", "cog_epci_2026", set_row["source_id"], *POPULATION_SOURCES}
    sources = _rows(
        con,
        f"""select * from meta.source where source_id in ({', '.join('?' * len(used_sources))})
            order by title""",
        sorted(used_sources),
    )
    for s in sources:
        s["retrieved_label"] = long_date(s["retrieved_at"]) if s["retrieved_at"] else ""
    source_titles = {s["source_id"]: s for s in sources}

    notes = sorted({o["note"] for a in pop_by_area[:1] for o in a["obs"].values() if o.get("note")})

    return {
        "set": set_row,
        "territory": territory,
        "areas": areas,
        "departements": [a for a in areas if a["role"] == "departement"],
        "epcis": epcis,
        "communes": communes,
        "pop_years": years,
        "pop_table": pop_table,
        "variations": variations,
        "key_figures": key_figures,
        "charts": {
            "population_index": _png_data_uri(charts.population_index(index_series)),
            "population_bars": _png_data_uri(charts.population_bars(bar_points)),
        },
        "sources": sources,
        "source_by_id": source_titles,
        "notes": notes,
        "build": build or {},
    }
