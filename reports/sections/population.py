"""Section « Population »: municipal population series and its change, components of the change
(natural balance, apparent migration), age structure, households and housing, activity and
unemployment (census definition) by age, jobs at place of work, income and poverty (communes only).
Each block compares the territory with its département(s) and the region."""

from __future__ import annotations

from portraits.themes import population as population_theme

from .. import charts, charts_population
from ..formatting import is_missing
from .common import SectionContext, chart_uri, evolution_compare, key_figure, rows, table_rows
from .observations import Observations, declared

SOURCE_IDS = ["insee_pop_historiques", "cog_communes_2026", "insee_dossier_complet_2022",
              "insee_comparateur_2022", "insee_comparateur_2018"]

# the theme's bands, labels shortened for the chart's axis (« 0 à 14 ans » → « 0-14 ans »)
AGE_BANDS = [(b, lab.replace(" à ", "-")) for b, lab in population_theme.AGE_BANDS]
UNEMPLOYMENT_GROUPS = [("1524", "15-24 ans"), ("2554", "25-54 ans"), ("5564", "55-64 ans"), ("1564", "15-64 ans")]

# The tables' rows come from the indicators' declarations (portraits/themes/population_indicators.py,
# ``rows=``), read when a portrait is built (``common.table_rows``).
TABLES = {"change_rows": "population.change", "age_summary_rows": "population.ages",
          "household_rows": "population.households", "housing_rows": "population.housing",
          "activity_rows": "population.activity", "jobs_rows": "population.jobs"}
_SECTION_NOTES_SKIPPED = ("non additif",)
_CHART_IDS = ([f"population_age_{b}" for b, _ in AGE_BANDS] + [f"part_age_{b}" for b, _ in AGE_BANDS]
              + [f"taux_chomage_rp_{b}" for b, _ in UNEMPLOYMENT_GROUPS] + ["population"])


def _value(obs: dict | None):
    if obs is None or obs["status"] not in ("ok", "estimate") or is_missing(obs["value"]):
        return None
    return obs["value"]


def _income(con, base: dict, obs: Observations) -> dict:
    """Median income and poverty rate: published for communes only (never aggregated)."""
    t = base["territory"]
    if t["set_id"] == "commune":
        own = {ind: obs.own(ind) for ind in ("revenu_median", "taux_pauvrete")}
        return {"commune": own}
    communes = rows(
        con,
        """select c.label, p.value as population, m.value as median, m.status as median_status,
                  r.value as poverty, r.status as poverty_status
           from ref.territory_commune tc
           join ref.commune c using (commune_code)
           left join indicators.observation p on p.set_id = 'commune' and p.territory_id = tc.commune_code
                and p.indicator_id = 'population' and p.period = '2022'
           left join indicators.observation m on m.set_id = 'commune' and m.territory_id = tc.commune_code
                and m.indicator_id = 'revenu_median'
           left join indicators.observation r on r.set_id = 'commune' and r.territory_id = tc.commune_code
                and r.indicator_id = 'taux_pauvrete'
           where tc.set_id = ? and tc.territory_id = ? and c.in_region
           order by p.value desc nulls last, c.label""",
        (t["set_id"], t["territory_id"]),
    )
    medians = [c["median"] for c in communes if c["median_status"] == "ok"]
    poverty = [c["poverty"] for c in communes if c["poverty_status"] == "ok"]
    return {
        "n_communes": len(communes),
        "n_median": len(medians),
        "median_min": min(medians) if medians else None,
        "median_max": max(medians) if medians else None,
        "n_poverty": len(poverty),
        "n_poverty_secret": sum(1 for c in communes if c["poverty_status"] == "secret"),
        "top": [{"label": c["label"], "population": c["population"],
                 "median": {"value": c["median"], "status": c["median_status"] or "missing"},
                 "poverty": {"value": c["poverty"], "status": c["poverty_status"] or "missing"}}
                for c in communes[:10]] if len(communes) > 1 else [],
    }


class PopulationContext(SectionContext):
    """What ``sections/population.html.j2`` reads; a table is a list of rows ``{indicator_id,
    label, kind, decimals, cells}`` (``Observations.table``), its rows declared with the indicators."""

    years: list[str]
    pop_table: list[dict]  # per year: the population of every area
    variations: list[dict]  # average annual changes, long and 5 years
    notes: list[str]
    census_notes: list[str]
    change_rows: list[dict]
    age_rows: list[dict]
    age_summary_rows: list[dict]
    household_rows: list[dict]
    housing_rows: list[dict]
    activity_rows: list[dict]
    jobs_rows: list[dict]
    own_unemployment: list[dict]
    income: dict  # communes only: the commune's own, or its communes' range
    charts: dict[str, str]


def _series(obs: Observations, years: list[str], pop_by_area: list[dict]) -> dict:
    """The municipal population by year, its index chart and its average annual changes."""
    index_series = [
        {"label": a["label"], "role": a["role"],
         "points": [(int(y), a["obs"][y]["value"]) for y in years
                    if y in a["obs"] and not is_missing(a["obs"][y]["value"])]}
        for a in pop_by_area
    ]
    variations = []
    for ind in ("population_variation_annuelle_longue", "population_variation_annuelle_5ans"):
        cells = obs.cells(ind)
        period = next((c["period"] for c in cells if c), None)
        variations.append({"indicator_id": ind, "label": declared(ind).label, "period": period, "cells": cells})
    return {"years": years,
            "pop_table": [{"year": y, "cells": [a["obs"].get(y) for a in pop_by_area]} for y in years],
            "variations": variations,
            "notes": sorted({o["note"] for o in pop_by_area[0]["obs"].values() if o.get("note")}),
            "index_chart": chart_uri(charts.population_index, index_series)}


def _by_age(obs: Observations) -> dict:
    """The age structure and the unemployment rate by age (2022), with their charts."""
    areas = obs.areas
    age_series = [{"label": a["label"], "role": a["role"],
                   "values": [_value(obs.cells(f"part_age_{b}", "2022")[i]) for b, _ in AGE_BANDS]}
                  for i, a in enumerate(areas)]
    unemployment_series = [{"label": a["label"], "role": a["role"],
                            "values": [_value(obs.cells(f"taux_chomage_rp_{b}", "2022")[i])
                                       for b, _ in UNEMPLOYMENT_GROUPS]}
                           for i, a in enumerate(areas)]
    return {
        "age_rows": [{"label": lab, "count": obs.own(f"population_age_{b}", "2022"),
                      "cells": obs.cells(f"part_age_{b}", "2022")} for b, lab in AGE_BANDS],
        "own_unemployment": [{"label": lab, "obs": obs.own(f"taux_chomage_rp_{b}", "2022")}
                             for b, lab in UNEMPLOYMENT_GROUPS],
        "age_chart": chart_uri(charts_population.age_structure, [lab for _, lab in AGE_BANDS], age_series,
                               year="2022"),
        "unemployment_chart": chart_uri(charts_population.rates_by_group, [lab for _, lab in UNEMPLOYMENT_GROUPS],
                                        unemployment_series, "Taux de chômage par âge en 2022 (recensement)"),
    }


def _key_figures(obs: Observations, latest_year: str) -> list[dict]:
    key_figures = [
        key_figure(obs, "population", f"habitants en {latest_year}", period=latest_year),
        key_figure(obs, "part_moins_30", "de moins de 30 ans en 2022", decimals=1, unit="%", period="2022"),
        key_figure(obs, "taux_chomage_rp_1564", "de chômeurs parmi les actifs de 15 à 64 ans "
                   "(recensement 2022)", decimals=1, unit="%", period="2022"),
    ]
    # sizes of the département and region say little: compare the growth rate instead
    key_figures[0]["compare"] = evolution_compare(
        obs.cells("population_variation_annuelle_longue"), obs.areas, decimals=2)
    if key_figures[0]["compare"]:
        key_figures[0]["compare"][0]["label"] = (
            f"évolution annuelle moyenne {key_figures[0]['compare'][0]['label'].removeprefix('évolution ')}")
    return key_figures


def context(con, base: dict) -> PopulationContext | None:
    obs = Observations.of(con, base)
    years, pop_by_area = obs.series("population")
    if not years:
        return None
    series, ages = _series(obs, years, pop_by_area), _by_age(obs)
    tables = {key: table_rows(table) for key, table in TABLES.items()}
    shown = sorted({r[0] for spec in tables.values() for r in spec} | set(_CHART_IDS))
    return PopulationContext(
        id="population", title="Population", template="sections/population.html.j2", source_ids=SOURCE_IDS,
        key_figures=_key_figures(obs, years[-1]),
        years=years, pop_table=series["pop_table"], variations=series["variations"], notes=series["notes"],
        census_notes=[n for n in obs.own_notes(shown, _SECTION_NOTES_SKIPPED) if n not in series["notes"]],
        **{key: obs.table(spec) for key, spec in tables.items()},
        age_rows=ages["age_rows"], own_unemployment=ages["own_unemployment"],
        income=_income(con, base, obs),
        charts={"population_index": series["index_chart"], "age_structure": ages["age_chart"],
                "unemployment": ages["unemployment_chart"]})
