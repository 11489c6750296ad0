"""Which parser reads which dataset, and the ``raw`` table it lands in.

The pipeline ingests every entry of :data:`SOURCES` (one Dagster asset each). A parser takes the
local path of the retrieved file and returns a DataFrame whose columns are documented in its module;
it raises :class:`sources.errors.SourceFormatError` on bad input.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import pandas as pd

from . import clpe, cog, populations


@dataclass(frozen=True)
class SourceSpec:
    dataset_id: str
    table: str  # table name in the ``raw`` schema
    parse: Callable[..., pd.DataFrame]
    description: str


SOURCES: list[SourceSpec] = [
    SourceSpec("cog_communes_2026", "cog_communes_2026", partial(cog.parse_communes, dataset_id="cog_communes_2026"),
               "Communes of COG 2026 (current, delegated, associated) with population municipale 2023."),
    SourceSpec("cog_epci_2026", "cog_epci_2026", partial(cog.parse_epci, dataset_id="cog_epci_2026"),
               "EPCI of 2026 and their member communes (including members outside the region)."),
    SourceSpec("cog_departements_2026", "cog_departements_2026",
               partial(cog.parse_simple, dataset_id="cog_departements_2026"), "Départements of 2026."),
    SourceSpec("cog_regions_2026", "cog_regions_2026", partial(cog.parse_simple, dataset_id="cog_regions_2026"),
               "Régions of 2026."),
    SourceSpec("clpe_communes", "clpe_communes", clpe.parse,
               "France Travail CLPE referential: commune → local territory (Clefop perimeters)."),
    SourceSpec("insee_pop_historiques", "population_historique", populations.parse,
               "INSEE municipal populations 2010, 2015, 2020-2022 by commune, 2026 geography."),
]

BY_ID: dict[str, SourceSpec] = {s.dataset_id: s for s in SOURCES}
