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

Datasets of each thematic module are declared in that module (``DATASETS``), one record each
(:class:`sources.dataset.Dataset`: URL, layouts, parser, raw table, refresh family, licence), and
gathered and checked here at import: any inconsistency raises :class:`CatalogError`.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys

from .dataset import FAMILIES, LO2, Dataset


_DATASETS = [
    Dataset(
        id="cog_communes_2026",
        table="cog_communes_2026",
        parser="cog:parse_communes",
        description='Communes of COG 2026 (current, delegated, associated) with population municipale 2023.',
        family="recensement",
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
        table="cog_epci_2026",
        parser="cog:parse_epci",
        description='EPCI of 2026 and their member communes (including members outside the region).',
        family="recensement",
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
        table="cog_departements_2026",
        parser="cog:parse_simple",
        description='Départements of 2026.',
        family="recensement",
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
        table="cog_regions_2026",
        parser="cog:parse_simple",
        description='Régions of 2026.',
        family="recensement",
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
        table="cog_communes_2024",
        parser="cog:parse_communes",
        description='Communes of COG 2024 (for definitions written in COG 2024 and the commune history).',
        no_refresh='frozen vintage: COG 2024 is kept to read definitions written in 2024 codes; it never changes',
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
        table="clpe_communes",
        parser="clpe:parse",
        description='France Travail CLPE referential: commune → local territory (Clefop perimeters).',
        family="annuaire",
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
]

# Every module that declares datasets, explicitly: a module that fails to import stops the program.
MODULES = ("catalog", "populations", "census", "france_services", "urssaf", "france_travail", "bmo", "chomage", "dares", "annuaire_education",
           "inserjeunes", "parcoursup", "orion", "dila", "ofa", "contours", "zonages", "cog_history")


class CatalogError(RuntimeError):
    """An inconsistent dataset declaration, found when the catalogue is imported."""


def _gather() -> list[Dataset]:
    found = []
    for name in MODULES:
        module = sys.modules[__name__] if name == "catalog" else importlib.import_module(f"sources.{name}")
        declared = _DATASETS if name == "catalog" else getattr(module, "DATASETS", None)
        if not declared:
            raise CatalogError(f"sources.{name} declares no DATASETS")
        found.extend(declared)
    return found


def _resolve(ds: Dataset):
    module_name, _, function = ds.parser.partition(":")
    if not module_name or not function:
        raise CatalogError(f"{ds.id}: parser {ds.parser!r} is not of the form 'module:function'")
    try:
        module = importlib.import_module(f"sources.{module_name}")
    except ImportError as exc:
        raise CatalogError(f"{ds.id}: parser module sources.{module_name} cannot be imported ({exc})") from exc
    fn = getattr(module, function, None)
    if not callable(fn):
        raise CatalogError(f"{ds.id}: sources.{module_name} has no function {function!r}")
    if "dataset_id" in inspect.signature(fn).parameters:
        return functools.partial(fn, dataset_id=ds.id)
    return fn


def check(datasets: list[Dataset]) -> dict[str, Dataset]:
    """Every declaration complete and consistent, or :class:`CatalogError` naming the dataset."""
    by_id: dict[str, Dataset] = {}
    tables: dict[str, str] = {}
    problems = []
    for ds in datasets:
        if ds.id in by_id:
            problems.append(f"{ds.id}: declared twice")
            continue
        by_id[ds.id] = ds
        missing = [f for f in ("title", "publisher", "url", "licence", "vintage", "mirror_path", "table",
                               "parser", "description") if not getattr(ds, f)]
        if missing:
            problems.append(f"{ds.id}: missing {', '.join(missing)}")
        if not ds.url.startswith("https://"):
            problems.append(f"{ds.id}: url must be https ({ds.url!r})")
        if ds.layout not in ("official", "derived"):
            problems.append(f"{ds.id}: layout must be 'official' or 'derived', not {ds.layout!r}")
        if ds.table in tables:
            problems.append(f"{ds.id}: raw table {ds.table!r} already used by {tables[ds.table]}")
        tables[ds.table] = ds.id
        if ds.family is None and not ds.no_refresh:
            problems.append(f"{ds.id}: no refresh family and no reason (no_refresh)")
        if ds.family is not None and ds.family not in FAMILIES:
            problems.append(f"{ds.id}: unknown refresh family {ds.family!r} (known: {', '.join(FAMILIES)})")
        if ds.family is not None and ds.no_refresh:
            problems.append(f"{ds.id}: both a refresh family and a no_refresh reason")
        if not ds.official_layout and not ds.official_reason:
            problems.append(f"{ds.id}: official_layout is False without a reason (official_reason)")
        for key, path, url in ds.files:
            if not (key and path and url.startswith("https://")):
                problems.append(f"{ds.id}: incomplete file entry {(key, path, url)!r}")
        try:
            _PARSERS[ds.id] = _resolve(ds)
        except CatalogError as exc:
            problems.append(str(exc))
    if problems:
        raise CatalogError("inconsistent dataset declarations:\n  " + "\n  ".join(problems))
    return by_id


_PARSERS: dict = {}


def parser_of(ds: Dataset):
    """The parsing function of ``ds`` (``dataset_id`` bound when the function takes it)."""
    return _PARSERS.get(ds.id) or _resolve(ds)


def get(dataset_id: str) -> Dataset:
    try:
        return DATASETS[dataset_id]
    except KeyError:
        known = ", ".join(sorted(DATASETS))
        raise KeyError(f"unknown dataset id {dataset_id!r}; known ids: {known}") from None


def in_family(family: str) -> list[Dataset]:
    return [d for d in DATASETS.values() if d.family == family]


DATASETS: dict[str, Dataset] = check(_gather())
