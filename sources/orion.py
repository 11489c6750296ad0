"""Orion (DNE, "pilotage de la carte des formations"): capacities, wishes and pupils per lycée × diploma.

Administrative extracts (Affelnet, Parcoursup, constat de rentrée) published inside the public GitHub
repository of Orion (``mission-apprentissage/tjp-pilotage``, ``server/static/files/``). Real ministry
data, but **no licence statement** and no official open-data release: cite them as such. The
mirror keeps the rows whose UAI starts with 044, 049, 053, 072 or 085, original columns and bytes;
each parser reads the national file as well (same layout).

``parse_affelnet(path, year)`` — ``orion_affelnet``, Affelnet entry into 2nde professionnelle, 1st
year CAP and 2nde GT (:data:`AFFELNET_FILES`, 2021 and 2022). One row per line:

================== ================================================================================
uai                ``Etablissement d'accueil``
mefstat11          ``MEF STAT 11`` (11 characters)
year               the ``year`` argument (Affelnet campaign, entry in September of that year)
capacity           ``Capacité carte scolaire`` (places; float)
first_wishes       ``Demandes vœux 1`` (applicants who put this offer first; float)
census_wish        ``Voeu de recensement O/N`` (``O``/``N``; all ``N`` in the region)
offer_status       ``Statut Offre de formation`` (``ST`` = statut scolaire: all rows in the region)
job_family         ``Famille de métiers`` (2nde professionnelle by family of trades; ``""`` otherwise)
mefstat11_final    ``mef_stat_terminale`` (MEF of the final year; ``""`` when not given)
appearances        ``nb_apparitions_uai_mefstat``: rows sharing this (UAI, MEF): 1 or 2
_line              line in the file (header = line 1)
================== ================================================================================

A (UAI, MEF) pair can appear twice (27 pairs in 2021, 15 in 2022): two Affelnet offers of the same
diploma in one lycée. Rows are kept; in about half of those pairs both rows carry the same capacity
(12 of 27 in 2021, 7 of 15 in 2022), which may be one capacity repeated: summing capacities over a
pair can double count. ``appearances`` is checked against the actual row count.

``parse_bts(path, year)`` — ``orion_bts``, Parcoursup BTS offers (:data:`BTS_FILES`, 2022–2024):

================== ================================================================================
uai                ``UAI``
formation          ``LIBELLÉFORMATION`` ("BTS - Services - Gestion de la PME - en apprentissage")
diploma            first segment of the label: ``BTS``; the 2024 file also lists 44 rows of
                   ``Certificat de Spécialisation`` (MEF 23K…)
mefstat11          ``MEFSTAT11`` (the corrected code in 2022–2023, where ``MEFSTAT11_old`` also exists)
cfd                ``CFD rectifié`` (2022–2023; ``""`` in 2024, which has no CFD)
year               the ``year`` argument (Parcoursup session)
wishes             ``NB_VOEUX_CONFIRMES`` (confirmed wishes, all ranks; float)
status             ``STATUT``: ``Scolaire`` or ``Apprentissage``
capacity           ``CAPACITEPSUP`` (places; float, NaN when empty: 15 rows in 2022, 18 in 2023)
_line
================== ================================================================================

(UAI, MEF, status) is not a key: 0721528V lists the same apprenticeship BTS twice (two offers).

``parse_constat(path)`` — ``orion_constat_2020``, constat de rentrée 2020:
``year`` (``Rentrée scolaire``), ``uai``, ``mef`` (``Mef Bcp 11``, 11 characters, may hold letters:
32A11031403), ``pupils`` (``Nombre d'élèves : Total``, float), ``_line``. (UAI, MEF) is unique.

Validation (:class:`~sources.errors.SourceFormatError` naming file, line, column, value): required
columns; UAI and MEF codes well formed; counts whole and non-negative; BTS status one of the two
labels; Affelnet ``O``/``N`` flag; the duplicate rules above.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .dataset import Dataset
from .errors import SourceFormatError
from .tabular import concat_files, check_codes, check_unique, read_delimited, to_number

AFFELNET_ID = "orion_affelnet"
BTS_ID = "orion_bts"
CONSTAT_ID = "orion_constat_2020"

AFFELNET_FILES: dict[int, str] = {
    y: f"orion_pilotage/attractivite_capacite_{y}_pdl.csv" for y in (2021, 2022)
}
BTS_FILES: dict[int, str] = {
    y: f"orion_pilotage/BTS_attractivite_capacite_{y}_pdl.csv" for y in (2022, 2023, 2024)
}
CONSTAT_FILE = "orion_pilotage/constat_2020_pdl.csv"

_ORION = (
    "https://raw.githubusercontent.com/mission-apprentissage/tjp-pilotage/"
    "f1c9eb234470d26e09d23009b7ce30f7dd94a030/server/static/files/"
)
# national files in the repository (year folders; the 2022 and 2023 paths follow the pattern seen
# for 2021 and 2024, unchecked offline)
AFFELNET_URLS: dict[int, str] = {y: f"{_ORION}{y}/attractivite_capacite_{y}.csv" for y in AFFELNET_FILES}
BTS_URLS: dict[int, str] = {y: f"{_ORION}{y}/BTS_attractivite_capacite_{y}.csv" for y in BTS_FILES}
CONSTAT_URL = f"{_ORION}2020/constat_2020.csv"

_PUBLISHER = (
    "Direction du numérique pour l'éducation / Mission interministérielle pour l'apprentissage — "
    "Orion (dépôt public mission-apprentissage/tjp-pilotage)"
)
_LICENCE = "Aucune licence indiquée (extraits administratifs publiés dans le dépôt public d'Orion)"
_PAGE = "https://github.com/mission-apprentissage/tjp-pilotage"

DATASETS: list[Dataset] = [
    Dataset(
        id=AFFELNET_ID,
        table="orion_affelnet",
        parser="orion:parse_affelnet_files",
        description='Affelnet capacities and first-choice wishes per lycée x MEF, 2021-2022.',
        files=tuple((str(y), p, AFFELNET_URLS[y]) for y, p in AFFELNET_FILES.items()),
        family="education",
        title=(
            "Affelnet : capacités d'accueil et premiers vœux par lycée et formation "
            "(2nde professionnelle, CAP, 2nde générale et technologique)"
        ),
        publisher=_PUBLISHER,
        url=AFFELNET_URLS[2022],
        page=_PAGE,
        licence=_LICENCE,
        vintage="Campagnes Affelnet 2021 et 2022",
        mirror_path=AFFELNET_FILES[2022],
        note=(
            "One file per campaign (AFFELNET_FILES, AFFELNET_URLS); mirror rows: UAI of the region's "
            "départements. Not an open dataset: Affelnet capacities are not published as open data."
        ),
    ),
    Dataset(
        id=BTS_ID,
        table="orion_bts",
        parser="orion:parse_bts_files",
        description='Parcoursup BTS capacities and confirmed wishes, 2022-2024.',
        files=tuple((str(y), p, BTS_URLS[y]) for y, p in BTS_FILES.items()),
        family="education",
        title=(
            "Parcoursup : capacités et vœux confirmés des BTS, par lycée, statut scolaire ou "
            "apprentissage"
        ),
        publisher=_PUBLISHER,
        url=BTS_URLS[2024],
        page=_PAGE,
        licence=_LICENCE,
        vintage="Sessions Parcoursup 2022, 2023 et 2024",
        mirror_path=BTS_FILES[2024],
        note=(
            "One file per session (BTS_FILES, BTS_URLS); mirror rows: UAI of the region's départements. "
            "Official equivalent for capacities: fr-esr-parcoursup (capa_fin)."
        ),
    ),
    Dataset(
        id=CONSTAT_ID,
        table="orion_constat_2020",
        parser="orion:parse_constat",
        description='Pupils per lycée x MEF, constat de rentrée 2020.',
        family="education",
        title="Constat de rentrée 2020 : élèves par lycée et formation (MEF)",
        publisher=_PUBLISHER,
        url=CONSTAT_URL,
        page=_PAGE,
        licence=_LICENCE,
        vintage="Rentrée 2020",
        mirror_path=CONSTAT_FILE,
        note=(
            "Mirror rows: UAI of the region's départements. Official equivalents (per lycée and MEF): "
            "fr-en-lycee_pro-effectifs-niveau-sexe-mef and fr-en-lycee_gt-effectifs-niveau-sexe-lv."
        ),
    ),
]

UAI = re.compile(r"^\d{7}[A-Z]$")
MEF11 = re.compile(r"^[0-9A-Z]{11}$")
CFD = re.compile(r"^[0-9A-Z]{8}$")
BTS_STATUSES = {"Scolaire", "Apprentissage"}


def _strip(raw: pd.DataFrame, columns) -> None:
    for col in columns:
        raw[col] = raw[col].fillna("").str.strip()


def _count(raw: pd.DataFrame, column: str, path, dataset_id: str) -> pd.Series:
    values = to_number(raw, column, path, dataset_id=dataset_id, integer=True)
    neg = values < 0
    if neg.any():
        row = raw[neg].iloc[0]
        raise SourceFormatError(path, "negative count", line=int(row["_line"]), column=column,
                                value=row[column], dataset_id=dataset_id)
    return values


def _check_year(year: int) -> int:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValueError(f"year must be an int such as 2022, got {year!r}")
    return year


# -------------------------------------------------------------------------------------- Affelnet

UAI_COLUMN = "Etablissement d'accueil"
AFFELNET_COLUMNS = {
    "Etablissement d'accueil": "uai",
    "MEF STAT 11": "mefstat11",
    "Voeu de recensement O/N": "census_wish",
    "Statut Offre de formation": "offer_status",
    "Capacité carte scolaire": "capacity",
    "Demandes vœux 1": "first_wishes",
    "Famille de métiers": "job_family",
    "nb_apparitions_uai_mefstat": "appearances",
    "mef_stat_terminale": "mefstat11_final",
}


def parse_affelnet(path: Path, year: int) -> pd.DataFrame:
    _check_year(year)
    raw = read_delimited(path, sep=";", required=list(AFFELNET_COLUMNS), dataset_id=AFFELNET_ID)
    _strip(raw, AFFELNET_COLUMNS)
    check_codes(raw, "Etablissement d'accueil", path, pattern=UAI, dataset_id=AFFELNET_ID, what="UAI")
    check_codes(raw, "MEF STAT 11", path, pattern=MEF11, dataset_id=AFFELNET_ID, what="MEF code")
    final = raw[raw["mef_stat_terminale"] != ""]
    check_codes(final, "mef_stat_terminale", path, pattern=MEF11, dataset_id=AFFELNET_ID, what="MEF code")
    bad = raw[~raw["Voeu de recensement O/N"].isin({"O", "N"})]
    if not bad.empty:
        row = bad.iloc[0]
        raise SourceFormatError(path, "expected O or N", line=int(row["_line"]),
                                column="Voeu de recensement O/N", value=row["Voeu de recensement O/N"],
                                dataset_id=AFFELNET_ID)
    out = raw.rename(columns=AFFELNET_COLUMNS)[["uai", "mefstat11"]].copy()
    out["year"] = year
    out["capacity"] = _count(raw, "Capacité carte scolaire", path, AFFELNET_ID)
    out["first_wishes"] = _count(raw, "Demandes vœux 1", path, AFFELNET_ID)
    for old in ("Voeu de recensement O/N", "Statut Offre de formation", "Famille de métiers",
                "mef_stat_terminale"):
        out[AFFELNET_COLUMNS[old]] = raw[old]
    appearances = _count(raw, "nb_apparitions_uai_mefstat", path, AFFELNET_ID)
    actual = out.groupby(["uai", "mefstat11"])["uai"].transform("size")
    wrong = appearances != actual
    if wrong.any():
        row = raw[wrong].iloc[0]
        pair = f"{row[UAI_COLUMN]}/{row['MEF STAT 11']}"
        raise SourceFormatError(
            path, f"nb_apparitions_uai_mefstat does not match the {int(actual[wrong].iloc[0])} row(s) of "
            f"the (UAI, MEF) pair {pair}", line=int(row["_line"]), column="nb_apparitions_uai_mefstat",
            value=row["nb_apparitions_uai_mefstat"], dataset_id=AFFELNET_ID,
        )
    out["appearances"] = appearances.astype("int64")
    out["_line"] = raw["_line"]
    return out[["uai", "mefstat11", "year", "capacity", "first_wishes", "census_wish", "offer_status",
                "job_family", "mefstat11_final", "appearances", "_line"]].reset_index(drop=True)


# ------------------------------------------------------------------------------------------- BTS

BTS_REQUIRED = ["UAI", "LIBELLÉFORMATION", "MEFSTAT11", "NB_VOEUX_CONFIRMES", "STATUT", "CAPACITEPSUP"]


def parse_bts(path: Path, year: int) -> pd.DataFrame:
    _check_year(year)
    raw = read_delimited(path, sep=";", required=BTS_REQUIRED, dataset_id=BTS_ID)
    has_cfd = "CFD rectifié" in raw.columns
    _strip(raw, BTS_REQUIRED + (["CFD rectifié"] if has_cfd else []))
    check_codes(raw, "UAI", path, pattern=UAI, dataset_id=BTS_ID, what="UAI")
    check_codes(raw, "MEFSTAT11", path, pattern=MEF11, dataset_id=BTS_ID, what="MEF code")
    if has_cfd:
        check_codes(raw, "CFD rectifié", path, pattern=CFD, dataset_id=BTS_ID, what="CFD code")
    bad = raw[~raw["STATUT"].isin(BTS_STATUSES)]
    if not bad.empty:
        row = bad.iloc[0]
        raise SourceFormatError(path, "unknown status (expected Scolaire or Apprentissage)",
                                line=int(row["_line"]), column="STATUT", value=row["STATUT"],
                                dataset_id=BTS_ID)
    empty = raw[raw["LIBELLÉFORMATION"] == ""]
    if not empty.empty:
        raise SourceFormatError(path, "empty label", line=int(empty.iloc[0]["_line"]),
                                column="LIBELLÉFORMATION", dataset_id=BTS_ID)
    out = pd.DataFrame({
        "uai": raw["UAI"],
        "formation": raw["LIBELLÉFORMATION"],
        "diploma": raw["LIBELLÉFORMATION"].str.split(" - ", n=1).str[0].str.strip(),
        "mefstat11": raw["MEFSTAT11"],
        "cfd": raw["CFD rectifié"] if has_cfd else "",
        "year": year,
        "wishes": _count(raw, "NB_VOEUX_CONFIRMES", path, BTS_ID),
        "status": raw["STATUT"],
        "capacity": _count(raw, "CAPACITEPSUP", path, BTS_ID),
        "_line": raw["_line"],
    })
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------- constat

CONSTAT_COLUMNS = {"Rentrée scolaire": "year", "UAI": "uai", "Mef Bcp 11": "mef",
                   "Nombre d'élèves : Total": "pupils"}


def parse_constat(path: Path) -> pd.DataFrame:
    raw = read_delimited(path, sep=";", required=list(CONSTAT_COLUMNS), dataset_id=CONSTAT_ID)
    _strip(raw, CONSTAT_COLUMNS)
    check_codes(raw, "Rentrée scolaire", path, pattern=re.compile(r"^\d{4}$"), dataset_id=CONSTAT_ID,
                what="year")
    check_codes(raw, "UAI", path, pattern=UAI, dataset_id=CONSTAT_ID, what="UAI")
    check_codes(raw, "Mef Bcp 11", path, pattern=MEF11, dataset_id=CONSTAT_ID, what="MEF code")
    out = pd.DataFrame({
        "year": raw["Rentrée scolaire"].astype(int),
        "uai": raw["UAI"],
        "mef": raw["Mef Bcp 11"],
        "pupils": _count(raw, "Nombre d'élèves : Total", path, CONSTAT_ID),
        "_line": raw["_line"],
    })
    check_unique(out, ["uai", "mef"], path, dataset_id=CONSTAT_ID)
    return out.reset_index(drop=True)


def parse_affelnet_files(items) -> pd.DataFrame:
    """Every campaign file of ``orion_affelnet`` (``[(year, path), …]``), as one table."""
    return concat_files(items, lambda p, y: parse_affelnet(p, int(y)))


def parse_bts_files(items) -> pd.DataFrame:
    """Every session file of ``orion_bts`` (``[(year, path), …]``), as one table."""
    return concat_files(items, lambda p, y: parse_bts(p, int(y)))
