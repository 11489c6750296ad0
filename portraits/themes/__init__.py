"""Indicator themes. Each module declares its indicators and fills the warehouse:

* ``ID``: short id (``population``, ``emploi``…);
* ``INDICATORS``: list of :class:`portraits.indicators.Indicator` (the catalogue is their union);
* ``SOURCES``: the datasets (ids of ``sources/catalog.py``) whose raw tables the theme reads, every
  indicator's ``source_id`` among them; the theme's Dagster asset depends on exactly these
  (``pipelines/assets/warehouse.py``, checked by ``tests/test_indicator_themes.py``);
* ``THEMES_READ`` (default none): the themes whose observations it reads; it is built after them;
* ``GENERATED_PREFIXES`` (default none): prefixes of the indicator ids it generates from the data
  and catalogues itself (``indicators.catalog``), beyond its ``INDICATORS``;
* ``commune_values(con)``: inserts additive commune-level counts into ``staging.commune_value``
  (``indicator_id, period, commune_code, value, status, source_id``), COG 2026 codes; the core then
  sums them over every territory of every set (``sql/aggregate.sql``);
* ``derived(con)``: after aggregation, inserts into ``indicators.observation`` what is not a plain
  sum: rates recomputed from summed numerators and denominators, changes, estimates attributed from
  coarser geographies (status ``estimate``).

A theme is built alone (:func:`portraits.indicators.build_theme`): it replaces its own rows and
only them. :func:`portraits.indicators.build` builds every theme in the order of
:data:`THEME_MODULES`, each after the themes it reads.
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
