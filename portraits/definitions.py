"""Glue between coordinators' definition files and the warehouse (see portraits.territories)."""

from __future__ import annotations

import os
from pathlib import Path


def load_definitions(con, paths: list[Path]) -> list:
    """Load and validate every definition file against the reference tables of ``con``.

    Raises ``portraits.territories.DefinitionError`` listing every fault of a file.
    """
    if not paths:
        return []
    from . import territories

    return [territories.load_from_warehouse(con, Path(p)) for p in paths]


def definitions_dir() -> Path:
    """Where the definition files given to ``portraits build --territories`` are remembered, so
    that every later build (``make run``, schedules) rebuilds those sets too."""
    return Path(os.environ.get("PORTRAITS_DEFINITIONS_DIR") or (Path.cwd() / "var" / "territories"))


def remembered_specs() -> list[str]:
    """``path#set=ID#cog=YEAR`` for every remembered definition file."""
    specs = []
    d = definitions_dir()
    for f in sorted(d.glob("*.csv")) if d.is_dir() else []:
        opts = f.with_suffix(".cog")
        spec = f"{f.resolve()}#set={f.stem}"
        if opts.exists():
            spec += f"#cog={opts.read_text().strip()}"
        specs.append(spec)
    return specs
