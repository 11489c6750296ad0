"""Section « Population »: municipal population series, average annual change."""

from __future__ import annotations

from .. import charts
from ..formatting import is_missing
from .common import compare_cells, key_figure, png_data_uri, rows, series_by_area

SOURCE_IDS = ["insee_pop_historiques", "cog_communes_2026"]


def context(con, base: dict) -> dict | None:
    areas = base["areas"]
    years, pop_by_area = series_by_area(con, areas, "population")
    if not years:
        return None
    pop_table = [{"year": y, "cells": [a["obs"].get(y) for a in pop_by_area]} for y in years]
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
        cells = compare_cells(con, areas, ind)
        period = next((c["period"] for c in cells if c), None)
        variations.append({"indicator_id": ind, "label": label, "period": period, "cells": cells})
    notes = sorted({o["note"] for o in own.values() if o.get("note")})

    latest_year = years[-1]
    key_figures = [
        key_figure(con, areas, "population", f"habitants en {latest_year}", period=latest_year),
        key_figure(con, areas, "population_variation_annuelle_longue",
                   f"de population par an, {variations[0]['period']}", decimals=2, unit="%", signed=True),
    ]
    key_figures[0]["compare"] = []  # sizes of the département and region say little here
    return {
        "id": "population",
        "title": "Population",
        "template": "sections/population.html.j2",
        "source_ids": SOURCE_IDS,
        "key_figures": key_figures,
        "years": years,
        "pop_table": pop_table,
        "variations": variations,
        "notes": notes,
        "charts": {
            "population_index": png_data_uri(charts.population_index(index_series)),
            "population_bars": png_data_uri(charts.population_bars(bar_points)),
        },
    }
