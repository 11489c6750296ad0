"""URSSAF: private-sector salaried headcount by commune (2015-2025) and by commune × grand secteur (2025).

Both mirror files are a third-party re-aggregation (``MayetSoft/rouages.fr``) of the URSSAF open
dataset "Nombre d'établissements employeurs et effectifs salariés du secteur privé, par commune x
APE": APE summed per commune, communes re-assigned to the COG 2025 geography. The official URL
serves the commune × APE file (about 1.2 M rows, one ``effectifs_salaries_YYYY`` and
``nombre_d_etablissements_YYYY`` column per year): an online refresh must sum it by commune (and by
grand secteur for the sector table) and map the communes to the current COG before these parsers can
read it. Given the commune × APE file itself, :func:`parse_effectifs_commune` stops on the first
repeated commune (``duplicate key``).

``parse_effectifs_commune(path)`` → long table, one row per commune × year:

============= ==========================================================================
commune_code  INSEE code, COG 2025 (text, 5 characters)
year          int, headcount at 31 December of that year (2015 … 2025)
value         salaried employees (float, whole numbers); NaN when blank
status        ``ok``; ``missing`` for a blank cell
============= ==========================================================================

Blank cells: the source says "empty = the commune had no declaring establishment that year". In the
mirror the 15 blank communes are blank for *every* year (no URSSAF row at all), while cells of 1 or 2
employees in a single establishment are published elsewhere, so the blanks are not statistical
secrecy. They are kept as ``missing`` (NaN, never 0): the total of a territory that contains one is
then flagged rather than silently completed. Zeros (38 communes in 2025) are real zeros: the commune
has employer establishments with no employee at 31 December.

``parse_secteurs(path)`` (alias ``parse_secteurs_2025``) → one row per commune × grand secteur:

============== =========================================================================
commune_code   INSEE code, COG 2025
year           int (2025: taken from the ``effectifs_salaries_YYYY`` column name)
sector_code    ``GS1`` … ``GS7`` (see :data:`SECTORS`)
sector_label   URSSAF label without the code (``Industrie``, ``Intérim``…)
employees      salaried employees at 31 December (float, whole numbers)
establishments employer establishments (contribution accounts)
============== =========================================================================

Sectors with neither employee nor establishment are absent (not zero rows). A blank cell is an error
(the file has none). The label may carry the ``GSn`` prefix (mirror) or not (the third party's JSON):
both are read, and a prefix that contradicts the label is an error.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import SourceFormatError
from .tabular import check_codes, check_unique, read_delimited, to_number

EFFECTIFS_ID = "urssaf_effectifs_commune"
SECTEURS_ID = "urssaf_secteurs_2025"

ODBL = "Open Database License (ODbL) 1.0 — attribution « Urssaf »"
_PAGE = "https://open.urssaf.fr/explore/dataset/etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-last/"
_EXPORT = (
    "https://open.urssaf.fr/api/explore/v2.1/catalog/datasets/"
    "etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-last/exports/csv"
    "?delimiter=%3B&where=code_region%3D%2252%22"
)

DATASETS: list[Dataset] = [
    Dataset(
        id=EFFECTIFS_ID,
        table="urssaf_effectifs_commune",
        parser="urssaf:parse_effectifs_commune",
        description='URSSAF private-sector salaried headcount by commune, 2015-2025.',
        family="emploi_trimestriel",
        title="Effectifs salariés du secteur privé au 31 décembre par commune, 2015-2025",
        publisher="Urssaf Caisse nationale (open.urssaf.fr), agrégation par commune de MayetSoft/rouages.fr",
        url=_EXPORT,
        page=_PAGE,
        licence=ODBL,
        vintage="31/12/2015 à 31/12/2025 ; communes COG 2025",
        mirror_path="urssaf/urssaf_effectifs_salaries_prive_commune_2015_2025_pdl.csv",
        layout="derived",
        official_layout=False,
        official_reason="only the mirror's derived layout is parsed so far",
        note=(
            "Mirror: one row per commune (code_commune; code_departement; effectifs_salaries_2015 … "
            "_2025), all APE summed and communes mapped to COG 2025 by a third party (rouages.fr). "
            "The official URL serves the commune × APE export (one row per commune × APE code, one "
            "column per year): sum effectifs_salaries_YYYY by commune and map to the current COG. "
            "Private sector, régime général (agriculture excluded); apprentices counted from 2023."
        ),
    ),
    Dataset(
        id=SECTEURS_ID,
        table="urssaf_secteurs_2025",
        parser="urssaf:parse_secteurs",
        description='URSSAF headcount and establishments by commune x 7 sectors, 2025.',
        family="emploi_trimestriel",
        title="Effectifs salariés et établissements employeurs du secteur privé par commune et grand secteur, 2025",
        publisher="Urssaf Caisse nationale (open.urssaf.fr), agrégation par commune de MayetSoft/rouages.fr",
        url=_EXPORT,
        page=_PAGE,
        licence=ODBL,
        vintage="31/12/2025 ; communes COG 2025",
        mirror_path="urssaf/urssaf_effectifs_etab_commune_x_grand_secteur_2025_pdl.csv",
        layout="derived",
        official_layout=False,
        official_reason="only the mirror's derived layout is parsed so far",
        note=(
            "Mirror: commune × grand secteur (GS1-GS7) for 2025 only, headcount and number of "
            "establishments, aggregated by a third party (rouages.fr); the GSn prefix was restored "
            "by the mirror (GS6 Intérim inferred). The official URL serves the commune × APE export: "
            "sum effectifs_salaries_2025 and nombre_d_etablissements_2025 by commune and "
            "grand_secteur_d_activite."
        ),
    ),
]

SECTORS: dict[str, str] = {
    "GS1": "Industrie",
    "GS2": "Construction",
    "GS3": "Commerce",
    "GS4": "Hôtellerie-restauration",
    "GS5": "Autres services marchands hors intérim",
    "GS6": "Intérim",
    "GS7": "Services non marchands",
}
_CODE_BY_LABEL = {label.casefold(): code for code, label in SECTORS.items()}

YEAR_COLUMN = re.compile(r"^effectifs_salaries_(\d{4})$")
ESTAB_COLUMN = "nombre_d_etablissements_{year}"
SECTOR_LABEL = re.compile(r"^(GS\d)\s+(.+)$")


def _check_departement(df: pd.DataFrame, path: Path, dataset_id: str) -> None:
    if "code_departement" not in df.columns:
        return
    bad = df["code_commune"].str[:2] != df["code_departement"].str.strip()
    if bad.any():
        row = df[bad].iloc[0]
        raise SourceFormatError(
            path, "commune code does not belong to its département", line=int(row["_line"]),
            column="code_departement", value=f"{row['code_commune']} / {row['code_departement']}",
            dataset_id=dataset_id,
        )


def _non_negative(df: pd.DataFrame, values: pd.Series, column: str, path: Path, dataset_id: str) -> None:
    neg = values < 0
    if neg.any():
        idx = neg[neg].index[0]
        raise SourceFormatError(path, "negative count", line=int(df.loc[idx, "_line"]), column=column,
                                value=df.loc[idx, column], dataset_id=dataset_id)


def parse_effectifs_commune(path: Path, dataset_id: str = EFFECTIFS_ID) -> pd.DataFrame:
    df = read_delimited(path, sep=";", required=["code_commune"], dataset_id=dataset_id)
    years = [c for c in df.columns if YEAR_COLUMN.match(c)]
    if not years:
        raise SourceFormatError(path, "no effectifs_salaries_YYYY column in the header", line=1,
                                dataset_id=dataset_id)
    df["code_commune"] = df["code_commune"].str.strip()
    check_codes(df, "code_commune", path, dataset_id=dataset_id)
    check_unique(df, ["code_commune"], path, dataset_id=dataset_id)
    _check_departement(df, path, dataset_id)
    frames = []
    for col in years:
        values = to_number(df, col, path, missing=("",), dataset_id=dataset_id, integer=True)
        _non_negative(df, values, col, path, dataset_id)
        frames.append(
            pd.DataFrame(
                {
                    "commune_code": df["code_commune"].to_numpy(),
                    "year": int(YEAR_COLUMN.match(col).group(1)),
                    "value": values.to_numpy(),
                    "status": np.where(values.isna(), "missing", "ok"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _sector(df: pd.DataFrame, path: Path, dataset_id: str) -> tuple[list[str], list[str]]:
    text = df["grand_secteur_d_activite"].fillna("").str.split().str.join(" ")
    parts = text.str.extract(SECTOR_LABEL.pattern)
    prefixed = parts[0].notna()
    by_label = text.str.casefold().map(_CODE_BY_LABEL)
    codes = parts[0].where(prefixed, by_label)
    expected = codes.map(SECTORS).fillna("").str.casefold()
    agree = ~prefixed | (parts[1].fillna("").str.casefold() == expected)
    bad = codes.isna() | ~codes.isin(list(SECTORS)) | ~agree
    if bad.any():
        row = df[bad].iloc[0]
        raise SourceFormatError(path, "unknown grand secteur, or code and label disagree",
                                line=int(row["_line"]), column="grand_secteur_d_activite",
                                value=row["grand_secteur_d_activite"], dataset_id=dataset_id)
    return codes.tolist(), codes.map(SECTORS).tolist()


def parse_secteurs(path: Path, dataset_id: str = SECTEURS_ID) -> pd.DataFrame:
    df = read_delimited(path, sep=";", required=["code_commune", "grand_secteur_d_activite"],
                        dataset_id=dataset_id)
    years = [c for c in df.columns if YEAR_COLUMN.match(c)]
    if len(years) != 1:
        raise SourceFormatError(
            path, f"expected exactly one effectifs_salaries_YYYY column, found {len(years)}", line=1,
            dataset_id=dataset_id,
        )
    year = int(YEAR_COLUMN.match(years[0]).group(1))
    estab = ESTAB_COLUMN.format(year=year)
    if estab not in df.columns:
        raise SourceFormatError(path, f"missing column {estab}", line=1, dataset_id=dataset_id)
    df["code_commune"] = df["code_commune"].str.strip()
    check_codes(df, "code_commune", path, dataset_id=dataset_id)
    _check_departement(df, path, dataset_id)
    codes, labels = _sector(df, path, dataset_id)
    df["_sector"] = codes
    check_unique(df, ["code_commune", "_sector"], path, dataset_id=dataset_id)
    employees = to_number(df, years[0], path, missing=(), dataset_id=dataset_id, integer=True)
    establishments = to_number(df, estab, path, missing=(), dataset_id=dataset_id, integer=True)
    _non_negative(df, employees, years[0], path, dataset_id)
    _non_negative(df, establishments, estab, path, dataset_id)
    return pd.DataFrame(
        {
            "commune_code": df["code_commune"].to_numpy(),
            "year": year,
            "sector_code": codes,
            "sector_label": labels,
            "employees": employees.to_numpy(),
            "establishments": establishments.to_numpy(),
        }
    )


parse_secteurs_2025 = parse_secteurs
