"""Glue between coordinators' definition files and the warehouse (see portraits.territories)."""

from __future__ import annotations

from pathlib import Path


def load_definitions(con, paths: list[Path]) -> list:
    """Load and validate every definition file against the reference tables of ``con``.

    Raises ``portraits.territories.DefinitionError`` listing every fault of a file.
    """
    if not paths:
        return []
    from . import territories

    return [territories.load_from_warehouse(con, Path(p)) for p in paths]
