"""Indicator themes. Each module declares its indicators and fills the warehouse:

* ``ID``: short id (``population``, ``emploi``…);
* ``INDICATORS``: list of :class:`portraits.indicators.Indicator` (the catalogue is their union);
* ``commune_values(con)``: inserts additive commune-level counts into ``staging.commune_value``
  (``indicator_id, period, commune_code, value, status, source_id``), COG 2026 codes; the core then
  sums them over every territory of every set (``sql/aggregate.sql``);
* ``derived(con)``: after aggregation, inserts into ``indicators.observation`` what is not a plain
  sum: rates recomputed from summed numerators and denominators, changes, estimates attributed from
  coarser geographies (status ``estimate``).

Themes run in the order of :data:`THEMES`; a theme may use the observations of an earlier one.
"""

from __future__ import annotations

import importlib

THEME_MODULES = ["territoire", "population", "emploi", "formation", "annuaire", "voisins"]


def themes():
    """The theme modules that exist (a theme under construction may be absent)."""
    out = []
    for name in THEME_MODULES:
        try:
            out.append(importlib.import_module(f"portraits.themes.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"portraits.themes.{name}":
                raise
    return out
