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


def catalog() -> list[Indicator]:
    """Every indicator of every theme (portraits/themes), in theme order."""
    from .themes import themes

    out: list[Indicator] = []
    for theme in themes():
        out.extend(theme.INDICATORS)
    ids = [i.id for i in out]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise ValueError(f"indicator ids declared twice: {sorted(dup)}")
    return out





def catalog_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"indicator_id": i.id, "label": i.label, "unit": i.unit, "source_id": i.source_id,
             "description": i.description, "aggregation": i.aggregation, "decimals": i.decimals}
            for i in catalog()
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
    from .themes import themes

    run_sql_file(con, "commune_values")
    for theme in themes():
        theme.commune_values(con)
    run_sql_file(con, "aggregate")
    for theme in themes():
        theme.derived(con)
    return con.execute("select count(*) from indicators.observation").fetchone()[0]
