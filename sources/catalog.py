"""The list of official datasets the project reads.

Every dataset has an id (used as ``source_id`` everywhere in the warehouse), its publisher, the
official URL the pipeline downloads when online, its licence, its vintage and its path inside the
mirror directory (a copy of the official files cut to the region, see ``../shared/opendata``).

``layout`` says how the mirror copy relates to the file behind ``url``:

* ``official``: same layout as the official file (cut to the region); the parser reads both.
* ``derived``: the mirror holds a table derived from the official publication (a third-party
  re-aggregation or a reshaped extract). The official URL serves a different file: an online refresh
  must derive the same table from it. Each parser documents which layouts it reads; given a layout
  it does not know, it stops with a :class:`~sources.errors.SourceFormatError` naming the file.

Datasets of each thematic module are declared in that module (``DATASETS``) and gathered here.
"""

from __future__ import annotations

from .dataset import LO2, Dataset


_DATASETS = [
    Dataset(
        id="cog_communes_2026",
        title="Code officiel géographique 2026 : communes (actuelles, déléguées, associées) et populations légales 2023",
        publisher="INSEE (paquet Etalab @etalab/decoupage-administratif 6.0.0)",
        url="https://unpkg.com/@etalab/decoupage-administratif@6.0.0/data/communes.json",
        page="https://www.insee.fr/fr/information/8740222",
        licence=LO2,
        vintage="COG 2026 ; population municipale 2023",
        mirror_path="cog/decoupage-administratif-6.0.0_communes_r52.json",
    ),
    Dataset(
        id="cog_epci_2026",
        title="EPCI à fiscalité propre au 1er janvier 2026 et leurs communes membres",
        publisher="DGCL / INSEE (paquet Etalab @etalab/decoupage-administratif 6.0.0)",
        url="https://unpkg.com/@etalab/decoupage-administratif@6.0.0/data/epci.json",
        page="https://www.collectivites-locales.gouv.fr/institutions/liste-et-composition-des-epci-fiscalite-propre",
        licence=LO2,
        vintage="COG 2026",
        mirror_path="cog/decoupage-administratif-6.0.0_epci_r52.json",
    ),
    Dataset(
        id="cog_departements_2026",
        title="Départements au 1er janvier 2026",
        publisher="INSEE (paquet Etalab @etalab/decoupage-administratif 6.0.0)",
        url="https://unpkg.com/@etalab/decoupage-administratif@6.0.0/data/departements.json",
        page="https://www.insee.fr/fr/information/8740222",
        licence=LO2,
        vintage="COG 2026",
        mirror_path="cog/decoupage-administratif-6.0.0_departements_r52.json",
    ),
    Dataset(
        id="cog_regions_2026",
        title="Régions au 1er janvier 2026",
        publisher="INSEE (paquet Etalab @etalab/decoupage-administratif 6.0.0)",
        url="https://unpkg.com/@etalab/decoupage-administratif@6.0.0/data/regions.json",
        page="https://www.insee.fr/fr/information/8740222",
        licence=LO2,
        vintage="COG 2026",
        mirror_path="cog/decoupage-administratif-6.0.0_regions_r52.json",
    ),
    Dataset(
        id="cog_communes_2024",
        title="Code officiel géographique 2024 : communes (actuelles, déléguées, associées)",
        publisher="INSEE (paquet Etalab @etalab/decoupage-administratif 4.1.0)",
        url="https://unpkg.com/@etalab/decoupage-administratif@4.1.0/data/communes.json",
        page="https://www.insee.fr/fr/information/7766585",
        licence=LO2,
        vintage="COG 2024",
        mirror_path="cog/decoupage-administratif-4.1.0_communes_r52.json",
    ),
    Dataset(
        id="clpe_communes",
        title="Comités locaux pour l'emploi (CLPE, périmètres des Clefop) : référentiel commune → territoire",
        publisher="France Travail (référentiel CLPE, via gip-inclusion/pilotage-airflow)",
        url="https://raw.githubusercontent.com/gip-inclusion/pilotage-airflow/4f69095f997e8019362230753b33f4ee8108cf62/dbt/seeds/ref_clpe_ft.csv",
        page="https://www.data.gouv.fr/datasets/territoires-efop-en-pays-de-la-loire/",
        licence="Aucune licence indiquée (données publiques France Travail, 2025)",
        vintage="2025 (communes COG 2026)",
        mirror_path="territoires_efop/clpe_france_travail_pdl_communes.csv",
        note=(
            "Proxy for the Région's 'Territoires EFOP' files: the France Travail CLPE referential, "
            "which follows the Clefop perimeters. Not proven identical, commune for commune."
        ),
    ),
    Dataset(
        id="insee_pop_historiques",
        title="Séries historiques des populations municipales 2010-2022 (géographie 2026)",
        publisher="INSEE",
        url="https://api.insee.fr/melodi/file/DS_POPULATIONS_HISTORIQUES/DS_POPULATIONS_HISTORIQUES_CSV_FR",
        page="https://www.insee.fr/fr/statistiques/3698339",
        licence=LO2,
        vintage="RP 2010, 2015, 2020, 2021, 2022 ; géographie 2026",
        mirror_path="insee_rp/populations_historiques_pmun_2010_2022_geo2026_r52.csv",
        layout="derived",
        note=(
            "Mirror: one row per commune (CODGEO; PMUN2010..PMUN2022), reshaped from the Melodi "
            "dataset DS_POPULATIONS_HISTORIQUES (rows GEO_OBJECT=COM, measure PMUN). The official "
            "URL serves the long Melodi CSV (zipped)."
        ),
    ),
]

DATASETS: dict[str, Dataset] = {d.id: d for d in _DATASETS}


def get(dataset_id: str) -> Dataset:
    try:
        return DATASETS[dataset_id]
    except KeyError:
        known = ", ".join(sorted(DATASETS))
        raise KeyError(f"unknown dataset id {dataset_id!r}; known ids: {known}") from None


def _gather() -> list[Dataset]:
    """Datasets declared by the thematic modules (each module lists its own files)."""
    from . import (annuaire_education, bmo, census, chomage, dares, dila, france_travail, inserjeunes,
                   ofa, orion, parcoursup, urssaf)

    modules = [census, urssaf, france_travail, bmo, chomage, dares, annuaire_education, inserjeunes,
               parcoursup, orion, dila, ofa]
    for optional in ("contours", "zonages", "cog_history"):
        try:
            modules.append(__import__(f"sources.{optional}", fromlist=["DATASETS"]))
        except ImportError:
            pass
    return [d for m in modules for d in m.DATASETS]


for _d in _gather():
    if _d.id in DATASETS and DATASETS[_d.id] != _d:
        raise RuntimeError(f"dataset id {_d.id!r} declared twice with different descriptions")
    DATASETS[_d.id] = _d
