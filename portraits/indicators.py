"""Indicator catalogue and computation.

Two kinds of indicators:

* **counts** (``aggregation = 'sum'``): commune values in ``staging.commune_value`` summed over the
  communes of each territory (``portraits/sql/aggregate.sql``);
* **derived** (``aggregation = 'ratio'``, ``'growth'``…): recomputed on each territory from summed
  numerators and denominators, never averaged (``portraits/sql/derived_*.sql``).

Status of an observation: ``ok``; ``secret`` (at least one member commune is under statistical
secrecy at the source: the total is unknown and stays blank, never 0); ``missing`` (the source has no
value for some commune of the region in the territory, or none at all); ``estimate`` (attributed
from a coarser geography with a documented rule). Communes outside the region are not covered by
the regional sources: their absence leaves the status ``ok`` and fills ``note``.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from .warehouse import run_sql_file


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str  # French, as shown to readers
    unit: str  # French unit label
    source_id: str
    description: str
    aggregation: str  # 'sum', 'growth', 'ratio'…
    decimals: int = 0


CATALOG: list[Indicator] = [
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

BY_ID = {i.id: i for i in CATALOG}


def catalog_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"indicator_id": i.id, "label": i.label, "unit": i.unit, "source_id": i.source_id,
             "description": i.description, "aggregation": i.aggregation, "decimals": i.decimals}
            for i in CATALOG
        ]
    )


def build(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)compute ``indicators.catalog`` and ``indicators.observation``; returns the row count."""
    cat = catalog_frame()
    con.register("_catalog", cat)
    try:
        con.execute("create or replace table indicators.catalog as select * from _catalog")
    finally:
        con.unregister("_catalog")
    run_sql_file(con, "commune_values")
    run_sql_file(con, "aggregate")
    run_sql_file(con, "derived_population")
    return con.execute("select count(*) from indicators.observation").fetchone()[0]
