"""Population: municipal population series and its average annual change (foundation issue)."""

from __future__ import annotations

from ..indicators import Indicator
from ..warehouse import run_sql_file

ID = "population"
SOURCES = ["insee_pop_historiques", "cog_communes_2026"]

INDICATORS = [
    Indicator(
        "population", "Population municipale", "habitants", "insee_pop_historiques",
        "Population municipale (recensement), sum of the territory's communes. One observation per "
        "available year: 2010, 2015, 2020, 2021, 2022 from the historical series (2026 geography) and "
        "2023 from the legal populations published with COG 2026 (source_id cog_communes_2026 on those "
        "rows).",
        "sum",
    ),
    Indicator(
        "population_variation_annuelle_longue", "Variation annuelle moyenne de la population (période longue)",
        "% par an", "insee_pop_historiques",
        "Average annual change of the population between the first and the last available year "
        "(period 'YYYY-YYYY'): ((P_end / P_start)^(1/years) - 1) x 100; numerator = P_end, "
        "denominator = P_start, both summed over the communes.",
        "growth", 2,
    ),
    Indicator(
        "population_variation_annuelle_5ans", "Variation annuelle moyenne de la population (5 dernières années disponibles)",
        "% par an", "insee_pop_historiques",
        "Average annual change over the latest span of exactly 5 years with data at both ends "
        "(2015-2020 with the current sources); same formula as the long period.",
        "growth", 2,
    ),
]


def commune_values(con) -> None:
    run_sql_file(con, "population_commune_values")


def derived(con) -> None:
    run_sql_file(con, "derived_population")
