"""France Travail (ex-Pôle emploi) and DARES: job seekers by commune and by EPCI, and agencies.

``parse_defm_communes(path, departements=REGION_DEPARTEMENTS)`` → job seekers in categories A, B, C
living in the commune, average of the 4th quarter (DARES, raw data, rounded by DARES to the nearest
5), one row per commune × year:

============= =========================================================================
commune_code  INSEE code as the file gives it: COG 2025 in the mirror, COG 2024 in the
              official export (the pipeline maps old codes to the current COG later)
year          int (the ``YYYY`` of ``date`` = ``YYYY-T4``)
value         number of job seekers (float, whole numbers); NaN when blank
status        ``ok``; ``missing`` for a blank cell
============= =========================================================================

Two layouts, recognised from the header (``df.attrs["layout"]`` says which was read):

* ``mirror`` — the derived extract of the mirror (``;``): ``code_commune, code_departement, date,
  categorie, sexe, tranche_d_age, nombre_de_demandeurs_d_emploi``, already cut to categories ABC,
  sexe Total, age Total, 4th quarters, region 52.
* ``official`` — the DARES export ``dares_defm_communales-brutes`` (``;``, UTF-8 with BOM, CRLF), long,
  12 columns: ``date, code_region, region, code_departement, departement, code_commune, commune,
  type_de_donnees, categorie, sexe, tranche_d_age, nombre_de_demandeurs_d_emploi`` as field names, or
  their labels (``Date;Code région;…;Nombre de demandeurs d'emploi``, export with ``use_labels=true``).
  One row per date × commune × sex or age band (sex and age are not crossed). The parser keeps
  ``categorie = ABC``, ``sexe = Total``, ``tranche_d_age = Total`` and ``date = YYYY-T4``; it drops the
  aggregate pseudo-communes (every geographic code column is the text ``Total``: ``Total France
  métropolitaine``, ``Non localisés…``) and the arrondissements of Paris (751xx), Lyon (6938x) and
  Marseille (132xx) when the whole commune (75056, 69123, 13055) is in the file too, as it is in the
  official export. If ``type_de_donnees`` holds several values it stops (which one to keep has to be
  checked on the portal).

Both layouts are read as a stream (one line at a time, rows outside ``departements`` dropped while
reading; ``None`` keeps every département): the national export (about 2.1 million lines) never
sits in memory. A row's département is its ``code_departement`` (the commune code's first two
characters, three overseas, when the file has no such column). The mirror's filters are applied to
it as well, so an official-like file with the mirror's header is read the same way.

Blank cells: 20 in the mirror, every year of two communes only, L'Oie (85165) and Sainte-Florence
(85212), about 1,300 inhabitants each (their series is null in the upstream JSON). The file publishes
44 counts of 0 and many of 5, so small numbers are not hidden: these blanks are a gap in the source
(probably its commune geography), not statistical secrecy. They are ``missing``, never 0; an empty
count of the official export (not published) is read the same way.

Errors (:class:`~sources.errors.SourceFormatError`, naming the file, line, column and value): an
empty file, an HTML or JSON answer instead of CSV, a missing column (named with its official label),
a line with another number of fields than the header, a malformed date, commune code or count.

``parse_defm_epci(path, year=None, scope=None)`` → job seekers by EPCI at the end of December, from
one of the four cleaned files (``categorie``, ``categorie_a``, ``categorie_abc``, ``anciennete``),
long, one row per EPCI × column:

============= =========================================================================
epci_siren    9-character text (the ``200000438.0`` float artefact is removed)
epci_name     label of the file
year          int (from ``decYYYY`` in the file name, or the ``year`` argument)
scope         categories counted: ``A``, ``ABC`` (``categorie_a``/``categorie_abc``/
              ``anciennete`` files), or ``A`` … ``E`` for the ``categorie`` file (one per column)
breakdown     ``sexe_age``, ``sexe``, ``diplome``, ``anciennete``, ``categorie`` or ``total``
category      source column name (normalised: ``Catégorie A`` → ``categorie_a``); the total
              column is ``total`` (in the source it is ``total_categorie_a`` even in the ABC
              file, a naming slip of the cleaned source)
value         float, whole numbers; NaN when secret or missing
status        ``ok``; ``secret`` for ``s.s`` (secret statistique); ``missing`` (see below)
============= =========================================================================

Only these cleaned files (the mirror's layout, ``df.attrs["layout"] = "mirror"``) are read: no
machine-readable official file of these December snapshots is known (the official URL is an HTML page
of the former pole-emploi.org site; see ``official_reason`` in the records).

Stray ``,`` (2019) and ``.`` (2018) cells, always in ``diplome_indetermine`` in the mirror: where the
other cells of the group are all published and add up exactly to the total (true of every stray cell
of the mirror: 50 cells), the cell is 0 (``ok``); otherwise NaN with status ``missing``. Secret cells
come in pairs (secondary secrecy) and are never deduced from totals.

``parse_agencies(path)`` → Pôle emploi sites (referential of November 2019), one row per site:
``agency_id`` (``REFERENCE_PE``), ``safir_code``, ``name``, ``type_site`` (ALE agence locale,
DDA direction territoriale, DRA direction régionale), ``address``, ``address_complement`` (the two
complement columns joined, ``NULL`` dropped), ``postcode``, ``commune_name``, ``latitude``,
``longitude`` (WGS84, decimal comma in the source), ``region``. All regions of the national file are
kept; the mirror holds region 52 only.

The commune parser (``parse_defm_communes``: official columns, layout detection, streamed reading)
is in :mod:`sources.france_travail_communes`; its public names are re-exported here.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import concat_files, check_codes, check_unique, read_delimited, to_number
# job seekers by commune (DARES): the whole parser; public names re-exported
from .france_travail_communes import (  # noqa: F401  (re-exported)
    DEFM_COLUMNS,
    DEFM_COMMUNES_ID,
    DEFM_OFFICIAL_COLUMNS,
    REGION_DEPARTEMENTS,
    parse_defm_communes,
)

AGENCIES_ID = "pe_agences_2019"
DEFM_EPCI_YEARS = (2018, 2019)
EPCI_FILE_KINDS = ("categorie_abc", "categorie_a", "categorie", "anciennete")
_EPCI_FILE = "france_travail/pole_emploi_defm_epci_dec{year}_{kind}_pdl.csv"
_PE_EPCI = ("https://raw.githubusercontent.com/pauldechorgnat/data-chomage/"
            "c7ca3396b0924e6a2fc98ec6d88a5ac4b5966a4e/clean_data/{kind}/{year}.csv")
_EPCI_REPO = "https://github.com/pauldechorgnat/data-chomage/tree/c7ca3396b0924e6a2fc98ec6d88a5ac4b5966a4e/clean_data"

def _defm_epci_files(year: int) -> tuple[tuple[str, str, str], ...]:
    """(kind, mirror path, URL of the cleaned CSV) of the four EPCI files of ``year``."""
    return tuple((kind, _EPCI_FILE.format(year=year, kind=kind), _PE_EPCI.format(kind=kind, year=year))
                 for kind in EPCI_FILE_KINDS)


DATASETS: list[Dataset] = [
    Dataset(
        id=DEFM_COMMUNES_ID,
        table="defm_communes",
        parser="france_travail:parse_defm_communes",
        description='Job seekers A+B+C by commune of residence, Q4 average, 2015-2024 (rounded to 5).',
        family="emploi_trimestriel",
        title="Demandeurs d'emploi inscrits à France Travail en catégories A, B, C par commune "
        "(moyenne du 4e trimestre), 2015-2024",
        publisher="DARES / France Travail (extraction MayetSoft/rouages.fr)",
        url=(
            "https://data.dares.travail-emploi.gouv.fr/api/explore/v2.1/catalog/datasets/"
            "dares_defm_communales-brutes/exports/csv?delimiter=%3B"
            "&where=code_departement%20in%20(%2244%22%2C%2249%22%2C%2253%22%2C%2272%22%2C%2285%22)"
        ),
        page="https://data.dares.travail-emploi.gouv.fr/explore/dataset/dares_defm_communales-brutes/",
        licence=LO2,
        vintage="4e trimestre 2015 à 2024 ; communes COG 2025",
        mirror_path="france_travail/dares_defm_communales_abc_t4_2015_2024_pdl.csv",
        layout="derived",
        note=(
            "Mirror: categories ABC, sexe Total, age Total, 4th quarters only, rebuilt from the job "
            "seeker series of the rouages.fr JSON with the official column names, communes in COG 2025. "
            "The official URL serves the long 12-column export (field names; labels with use_labels=true), "
            "every sex and age band, communes in COG 2024, cut to the region's départements by its "
            "where clause on code_departement (text); the parser reads both layouts, keeps the same "
            "rows (ABC, Total, Total, Q4) and drops the 'Total' pseudo-communes and the Paris, Lyon, "
            "Marseille arrondissements. Layout documented from several third-party codebases, no real "
            "commune row seen offline. Counts are rounded by DARES to the nearest 5."
        ),
    ),
    *[
        Dataset(
            id=f"pe_defm_epci_{year}",
            table=f"defm_epci_{year}",
            parser="france_travail:parse_defm_epci_files",
            description=f"Job seekers by EPCI, December {year}, by sex/age/diploma/registration length.",
            files=_defm_epci_files(year),
            no_refresh=f"historical snapshot (December {year}) that the publisher no longer updates",
            title=f"Demandeurs d'emploi par EPCI en décembre {year} : catégories, sexe et âge, "
            "niveau de diplôme, ancienneté d'inscription",
            publisher="Pôle emploi (fichiers nettoyés par pauldechorgnat/data-chomage)",
            url="https://www.pole-emploi.org/statistiques-analyses/en-savoir/accedez-a-nos-donnees/"
            "demandeurs-demploi-par-epci.html",
            page="https://statistiques.francetravail.org/",
            licence=LO2,
            vintage=f"décembre {year} ; EPCI au 1er janvier 2020",
            mirror_path=_EPCI_FILE.format(year=year, kind="categorie_abc"),
            layout="derived",
            official_layout=False,
            official_reason=(
                "no machine-readable official file: the official URL is an HTML page of the former "
                "pole-emploi.org site, not a data file; it linked one Excel workbook per December "
                f"(one sheet per table) whose direct URL for December {year} is not known and of which "
                "no copy is in the mirror (only the cleaned CSVs of pauldechorgnat/data-chomage, read "
                "here); the France Travail statistics portal ('Données locales') is named as the "
                "current source but no file of these December snapshots is documented there"
            ),
            note=(
                f"Four companion files (see defm_epci_files({year})): categorie, categorie_a, "
                "categorie_abc, anciennete. They are the cleaned CSVs of "
                f"{_EPCI_REPO}/<kind>/{year}.csv, cut to EPCIs with a commune in region 52. The "
                "official URL (old pole-emploi.org page) served one Excel workbook per December with "
                "one sheet per table: the same tables must be extracted from its sheets."
            ),
        )
        for year in DEFM_EPCI_YEARS
    ],
    Dataset(
        id=AGENCIES_ID,
        table="pe_agences_2019",
        parser="france_travail:parse_agencies",
        description='Pôle emploi (France Travail) sites of the region, November 2019.',
        family="annuaire",
        title="Sites Pôle emploi (agences locales, directions territoriales et régionale), novembre 2019",
        publisher="Pôle emploi, référentiel des sites (via gip-inclusion/les-emplois)",
        url=(
            "https://raw.githubusercontent.com/gip-inclusion/les-emplois/"
            "89b55ad26be29daf0dc7473af98eb18dda665880/itou/prescribers/management/commands/data/"
            "pole_emploi_agencies.csv"
        ),
        page="https://francetravail.io/",
        licence="Aucune licence indiquée (référentiel public de Pôle emploi, diffusé par le GIP de la plateforme de l'inclusion)",
        vintage="novembre 2019",
        mirror_path="france_travail/pole_emploi_agencies_pdl.csv",
        note=(
            "National file (959 sites) cut to REGION == 52, lines unchanged. Names and addresses "
            "date from the Pôle emploi era (2019). The current referential is the France Travail "
            "API 'Référentiel des agences' (OAuth)."
        ),
    ),
]


def defm_epci_files(year: int) -> dict[str, str]:
    """Mirror paths (relative to the mirror root) of the four EPCI files of ``year``, by kind."""
    if year not in DEFM_EPCI_YEARS:
        raise KeyError(f"no EPCI job-seeker files for {year}; years: {DEFM_EPCI_YEARS}")
    return {kind: _EPCI_FILE.format(year=year, kind=kind) for kind in EPCI_FILE_KINDS}


# ---------------------------------------------------------------------------------------------
# Job seekers by EPCI (Pôle emploi, December 2018 and 2019)

SECRET_MARKERS = ("s.s",)
STRAY_MARKERS = (",", ".")
_SIREN = re.compile(r"^(\d{9})(?:\.0+)?$")
_NUMBER = re.compile(r"^\d+(?:\.0+)?$")
_SEXE_AGE = ["moins_de_25_ans", "25_a_49_ans", "plus_de_50_ans"]
_DIPLOMES = ["diplome_niv_1_2", "diplome_niv_3", "diplome_niv_4", "diplome_niv_5", "diplome_niv_5_bis",
             "diplome_niv_6", "diplome_indetermine"]
_ANCIENNETE = ["anc_moins_3_mois", "anc_3_a_5_mois", "anc_6_a_11_mois", "anc_12_a_23_mois",
               "anc_24_a_35_mois", "anc_plus_36_mois"]
_CATEGORIES = [f"categorie_{c}" for c in "abcde"]
_TOTALS = {"total_categorie_a", "total_categorie_abc", "total"}


def _normalise(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.strip()).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return {"libelle_epci": "lib_epci"}.get(text, text)


def _epci_layout(columns: list[str]) -> tuple[str, dict[str, str], list[tuple[str, list[str]]]]:
    """(kind, breakdown of each value column, groups whose members add up to a total)."""
    cols = set(columns)
    if set(_DIPLOMES) <= cols:
        hommes = [f"hommes_{a}" for a in _SEXE_AGE]
        femmes = [f"femmes_{a}" for a in _SEXE_AGE]
        total = next((c for c in columns if c in _TOTALS), None)
        expected = set(hommes + femmes + _DIPLOMES) | {"total_hommes", "total_femmes"}
        if total is None or not expected <= cols:
            return "unknown", {}, []
        breakdown = {c: "sexe_age" for c in hommes + femmes}
        breakdown |= {"total_hommes": "sexe", "total_femmes": "sexe"}
        breakdown |= {c: "diplome" for c in _DIPLOMES}
        breakdown[total] = "total"
        groups = [("total_hommes", hommes), ("total_femmes", femmes),
                  (total, ["total_hommes", "total_femmes"]), (total, _DIPLOMES)]
        return "sexe_age_diplome", breakdown, groups
    if set(_ANCIENNETE) <= cols and "total" in cols:
        breakdown = {c: "anciennete" for c in _ANCIENNETE} | {"total": "total"}
        return "anciennete", breakdown, [("total", _ANCIENNETE)]
    if set(_CATEGORIES) <= cols:
        return "categorie", {c: "categorie" for c in _CATEGORIES}, []
    return "unknown", {}, []


def _epci_scope(path: Path, kind: str, scope: str | None, dataset_id: str | None) -> str | None:
    if kind == "categorie":
        return None  # one scope per column
    if kind == "anciennete":
        return scope or "ABC"
    if scope:
        return scope
    name = Path(path).name.lower()
    if "categorie_abc" in name or "abc" in name.split("_"):
        return "ABC"
    if "categorie_a" in name:
        return "A"
    raise SourceFormatError(
        path, "cannot tell categories A from A+B+C by the file name: pass scope='A' or 'ABC'",
        dataset_id=dataset_id,
    )


def parse_defm_epci(path: Path, year: int | None = None, scope: str | None = None,
                    dataset_id: str | None = None) -> pd.DataFrame:
    if year is None:
        m = re.search(r"dec(?:embre)?[_ ]?(\d{4})", Path(path).name.lower())
        if not m:
            raise SourceFormatError(path, "no year in the file name (decYYYY): pass year=",
                                    dataset_id=dataset_id)
        year = int(m.group(1))
    if dataset_id is None and year in DEFM_EPCI_YEARS:
        dataset_id = f"pe_defm_epci_{year}"
    df = read_delimited(path, sep=";", required=[], dataset_id=dataset_id)
    raw_names = [c for c in df.columns if c != "_line"]
    names = [_normalise(c) for c in raw_names]
    df = df.rename(columns=dict(zip(raw_names, names)))
    for needed in ("code_epci", "lib_epci"):
        if needed not in names:
            raise SourceFormatError(path, f"missing column {needed}; header has: {', '.join(raw_names[:8])}",
                                    line=1, dataset_id=dataset_id)
    kind, breakdown, groups = _epci_layout(names)
    if kind == "unknown":
        raise SourceFormatError(
            path, "unknown EPCI table layout (expected categorie, categorie_a/abc or anciennete columns); "
            f"header has: {', '.join(raw_names[:8])}", line=1, dataset_id=dataset_id,
        )
    file_scope = _epci_scope(path, kind, scope, dataset_id)

    sirens = df["code_epci"].str.strip().str.extract(_SIREN.pattern)[0]
    if sirens.isna().any():
        row = df[sirens.isna()].iloc[0]
        raise SourceFormatError(path, "malformed EPCI SIREN", line=int(row["_line"]), column="code_epci",
                                value=row["code_epci"], dataset_id=dataset_id)
    df["code_epci"] = sirens
    check_unique(df, ["code_epci"], path, dataset_id=dataset_id)

    value_cols = [c for c in names if c in breakdown]
    cells = pd.DataFrame({c: df[c].fillna("").str.strip() for c in value_cols})
    numeric = pd.DataFrame({c: cells[c].str.fullmatch(_NUMBER.pattern) for c in value_cols})
    for col in value_cols:
        bad = ~(numeric[col] | cells[col].isin(SECRET_MARKERS + STRAY_MARKERS))
        if bad.any():
            row = df[bad].iloc[0]
            raise SourceFormatError(path, "not a count (nor s.s)", line=int(row["_line"]), column=col,
                                    value=row[col], dataset_id=dataset_id)
    values = pd.DataFrame(
        {c: pd.to_numeric(cells[c].where(numeric[c]), errors="coerce").astype("float64") for c in value_cols}
    )
    secret = cells.isin(SECRET_MARKERS)
    stray = cells.isin(STRAY_MARKERS)
    closes = _stray_is_zero(values, groups, value_cols)
    values = values.mask(stray & closes, 0.0)
    status = pd.DataFrame("ok", index=cells.index, columns=value_cols)
    status = status.mask(secret, "secret").mask(stray & ~closes, "missing")

    n_rows, n_cols = len(df), len(value_cols)
    scopes = [file_scope or c.rsplit("_", 1)[-1].upper() for c in value_cols]
    out = pd.DataFrame(
        {
            "epci_siren": np.repeat(df["code_epci"].to_numpy(), n_cols),
            "epci_name": np.repeat(df["lib_epci"].str.strip().to_numpy(), n_cols),
            "year": np.full(n_rows * n_cols, year, dtype="int64"),
            "scope": np.tile(scopes, n_rows),
            "breakdown": np.tile([breakdown[c] for c in value_cols], n_rows),
            "category": np.tile(["total" if breakdown[c] == "total" else c for c in value_cols], n_rows),
            "value": values.to_numpy(dtype="float64").ravel(),
            "status": status.to_numpy().ravel(),
        }
    )
    out.attrs["layout"] = "mirror"
    return out


def _stray_is_zero(values: pd.DataFrame, groups, value_cols) -> pd.DataFrame:
    """True where a cell would be 0 because the rest of its group adds up exactly to the group total.

    A stray ``,``/``.`` cell is read as 0 only there; elsewhere it stays missing.
    """
    closes = pd.DataFrame(False, index=values.index, columns=value_cols)
    for total, members in groups:
        for col in members:
            others = values[[m for m in members if m != col]]
            known = others.notna().all(axis=1) & values[total].notna()
            closes[col] |= known & (values[total] - others.sum(axis=1) == 0)
    return closes


# ---------------------------------------------------------------------------------------------
# Pôle emploi sites

AGENCY_COLUMNS = ["REFERENCE_PE", "NOM", "TYPE_SITE", "ADRESSE", "CODE_POSTAL", "COMMUNE",
                  "DN_LATITUDE", "DN_LONGITUDE"]
SITE_TYPES = {"ALE", "DDA", "DRA"}
_POSTCODE = re.compile(r"^\d{5}$")
# the national file has overseas sites too: only check that the values are WGS84 degrees
_LAT_RANGE, _LON_RANGE = (-90.0, 90.0), (-180.0, 180.0)


def _clean(series: pd.Series) -> pd.Series:
    s = series.fillna("").str.strip()
    return s.where(s.str.upper() != "NULL", "")


def parse_agencies(path: Path, dataset_id: str = AGENCIES_ID) -> pd.DataFrame:
    df = read_delimited(path, sep=",", required=AGENCY_COLUMNS, dataset_id=dataset_id)
    for col in AGENCY_COLUMNS:
        df[col] = _clean(df[col])
    empty = df["REFERENCE_PE"] == ""
    if empty.any():
        row = df[empty].iloc[0]
        raise SourceFormatError(path, "site without REFERENCE_PE", line=int(row["_line"]),
                                column="REFERENCE_PE", dataset_id=dataset_id)
    check_unique(df, ["REFERENCE_PE"], path, dataset_id=dataset_id)
    bad = ~df["TYPE_SITE"].isin(SITE_TYPES)
    if bad.any():
        row = df[bad].iloc[0]
        raise SourceFormatError(path, f"unknown site type (expected {', '.join(sorted(SITE_TYPES))})",
                                line=int(row["_line"]), column="TYPE_SITE", value=row["TYPE_SITE"],
                                dataset_id=dataset_id)
    check_codes(df, "CODE_POSTAL", path, pattern=_POSTCODE, dataset_id=dataset_id, what="postcode")
    lat = to_number(df, "DN_LATITUDE", path, missing=(), decimal=",", dataset_id=dataset_id)
    lon = to_number(df, "DN_LONGITUDE", path, missing=(), decimal=",", dataset_id=dataset_id)
    for col, values, (lo, hi) in (("DN_LATITUDE", lat, _LAT_RANGE), ("DN_LONGITUDE", lon, _LON_RANGE)):
        out = (values < lo) | (values > hi)
        if out.any():
            row = df[out].iloc[0]
            raise SourceFormatError(path, "coordinate out of range", line=int(row["_line"]), column=col,
                                    value=row[col], dataset_id=dataset_id)
    complement = pd.Series(
        [" ".join(p for p in parts if p) for parts in zip(
            _clean(df.get("COMPLEMENT_ADRESSE", pd.Series("", index=df.index))),
            _clean(df.get("DC_COMPLEMENTADRSITEPHYSIQUE", pd.Series("", index=df.index))),
        )],
        index=df.index,
    )
    return pd.DataFrame(
        {
            "agency_id": df["REFERENCE_PE"],
            "safir_code": _clean(df["CODE_SAFIR"]) if "CODE_SAFIR" in df.columns else "",
            "name": df["NOM"],
            "type_site": df["TYPE_SITE"],
            "address": df["ADRESSE"],
            "address_complement": complement,
            "postcode": df["CODE_POSTAL"],
            "commune_name": df["COMMUNE"],
            "latitude": lat,
            "longitude": lon,
            "region": _clean(df["REGION"]) if "REGION" in df.columns else "",
        }
    ).reset_index(drop=True)


def parse_defm_epci_files(items, dataset_id: str) -> pd.DataFrame:
    """The four EPCI files of one December (``pe_defm_epci_<year>``), as one table."""
    year = int(dataset_id.rsplit("_", 1)[-1])
    out = concat_files(items, lambda p, kind: parse_defm_epci(p, year=year))
    out.attrs["layout"] = "mirror"
    return out
