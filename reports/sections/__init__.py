"""Portrait sections. Each module builds the context of one section from the published database:

``context(con, base) -> dict | None`` where ``base`` is the portrait's common context (territory,
comparison ``areas``, ``source_by_id``…). The returned dict has at least ``id`` (anchor), ``title``
(French), ``template`` (under ``reports/templates/sections/``), and optionally ``key_figures`` (for
the cover: dicts with ``value``, ``label``, ``source_id``, ``compare``) and ``source_ids`` (cited on
the sources page). Return None to leave the section out.
"""

from __future__ import annotations

import importlib

SECTION_MODULES = ["territoire", "population", "emploi", "formation", "annuaire"]


def sections():
    out = []
    for name in SECTION_MODULES:
        try:
            out.append(importlib.import_module(f"reports.sections.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"reports.sections.{name}":
                raise
    return out
