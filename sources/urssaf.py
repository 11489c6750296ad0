"""URSSAF: private-sector salaried headcount by commune, and by commune × grand secteur.

Two layouts are read. Which one a file has is recognised from its header, never from a setting; both
give the same raw tables (below), and the returned DataFrame says which it read in
``df.attrs["layout"]`` (``"official"`` or ``"mirror"``).

* **official**: what the datasets' ``url`` serves, the URSSAF open dataset "Nombre d'établissements
  employeurs et effectifs salariés du secteur privé, par commune x APE" (layout documented in the
  mirror's ``official_layouts/urssaf_commune_ape/LAYOUT.md``). One row per commune × APE code, 19
  dimension columns, then two columns per year, as labels (``Nombre d'établissements YYYY``,
  ``Effectifs salariés YYYY``, ``Code commune``, ``Grand secteur d'activité``…) or as API field
  names (``nombre_d_etablissements_YYYY``, ``effectifs_salaries_YYYY``, ``code_commune``,
  ``grand_secteur_d_activite``…: Opendatasoft exports give field names unless ``use_labels=true``).
  ``;``, UTF-8 with or without BOM, CRLF or LF; year columns are found by name, not position.
  Recognised by any dimension column that the mirror does not have (``code_ape``, ``Code APE``,
  ``intitule_commune``, ``Code région``…). DuckDB reads it (every cell as text) and keeps only the
  rows of the départements asked (``departements=``, default :data:`REGION_DEPARTEMENTS`; by
  ``code_departement``, or by the commune-code prefix when that column is absent), so the national
  file (about 1.23 M rows × 59 columns) is parsed in bounded memory. The parsers sum over APE
  themselves (and by grand secteur for :func:`parse_secteurs`).
* **mirror** (derived): the mirror's two files are a third-party re-aggregation
  (``MayetSoft/rouages.fr``) of that dataset: APE summed per commune, communes re-assigned to the
  COG 2025 geography; one row per commune (``code_commune;code_departement;effectifs_salaries_YYYY``…)
  or per commune × grand secteur. ``departements=`` applies to it too (a no-op on the region's files).

The sum over APE follows the mirror's derivation rule (LAYOUT.md), so that both layouts agree: in
the official file an empty cell is secret or absent and ``0`` is a real value; **empty cells count as
0, and if every cell summed is empty the result is empty** (NaN, status ``missing``).

Withheld headcounts (official layout only): a row may have establishments but an empty headcount (a
headcount withheld or missing; 4 such cells in the 9,338 real rows of one département). The
commune-year's value is then the sum of the published headcounts, a **lower bound** of the true
total, still with status ``ok``; when every headcount of the commune-year is empty, the value is
``missing`` although the commune had employers. The tables have no column for it: the pairs
concerned are listed in ``df.attrs["withheld_headcount"]`` (``(commune_code, year)`` for
:func:`parse_effectifs_commune`, ``(commune_code, sector_code)`` for :func:`parse_secteurs`; empty
for the mirror, which cannot tell). A status value of its own would change what staging does with
the value (``portraits/sql/emploi_commune_values.sql`` turns every status but ``ok`` into ``none``),
so none is used.

Geography: the mirror is on COG 2025. The official file's commune codes are kept as URSSAF
publishes them (the geography of its edition), not re-coded here. A commune without any row in the
official file is absent from the table, whereas the mirror lists such communes (15) as blank.

``parse_effectifs_commune(path)`` → long table, one row per commune × year:

============= ==========================================================================
commune_code  INSEE code (text, 5 characters); COG 2025 in the mirror
year          int, headcount at 31 December of that year: every year of the file
              (2015 … 2025 in the mirror, 2006 … 2025 in today's official edition)
value         salaried employees (float, whole numbers); NaN when blank
status        ``ok``; ``missing`` for a blank cell (official: every headcount summed empty)
============= ==========================================================================

Blank cells: the source says "empty = the commune had no declaring establishment that year". In the
mirror the 15 blank communes are blank for *every* year (no URSSAF row at all), while cells of 1 or 2
employees in a single establishment are published elsewhere, so the blanks are not statistical
secrecy. They are kept as ``missing`` (NaN, never 0): the total of a territory that contains one is
then flagged rather than silently completed. Zeros (38 communes in 2025) are real zeros: the commune
has employer establishments with no employee at 31 December. The mirror file has one row per
commune (a repeated commune is an error); the official file one row per commune × APE (a repeated
commune × APE is an error).

``parse_secteurs(path)`` (alias ``parse_secteurs_2025``) → one row per commune × grand secteur:

============== =========================================================================
commune_code   INSEE code; COG 2025 in the mirror
year           int, the latest year of the file (2025 in both: taken from the
               ``effectifs_salaries_YYYY`` / ``Effectifs salariés YYYY`` column names)
sector_code    ``GS1`` … ``GS7`` (see :data:`SECTORS`)
sector_label   URSSAF label without the code (``Industrie``, ``Intérim``…)
employees      salaried employees at 31 December (float, whole numbers)
establishments employer establishments (contribution accounts)
============== =========================================================================

Sectors with neither employee nor establishment are absent (not zero rows). In the mirror a blank
cell is an error (the file has none); in the official layout the sum rule applies, so ``employees``
is NaN in the rare commune × sector whose every headcount is withheld. The label may carry the
``GSn`` prefix (mirror, official ``GS6 Intérim``) or not (the third party's JSON): both are read, and
a prefix that contradicts the label is an error.

Bad input (an empty file, an HTML or JSON page instead of CSV, a missing code or year column, a
malformed or repeated row, a cell that is not a whole non-negative number) raises
:class:`~sources.errors.SourceFormatError` naming the file, the line, the column and the value.

The official layout (telling it from the mirror's, the grand secteurs, the DuckDB reading) is in
:mod:`sources.urssaf_official`; its public names are re-exported here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import SourceFormatError
from .tabular import check_codes, check_unique, read_delimited, to_number
# the official layout's reading (and the grand secteurs both layouts use); public names re-exported
from .urssaf_official import (  # noqa: F401  (re-exported)
    DUCKDB_MEMORY_LIMIT,
    OFFICIAL_DIMENSIONS,
    SECTOR_LABEL,
    SECTORS,
    _effectifs_official,
    _read_header,
    _sector_of,
    _secteurs_official,
    layout_of,
)

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
        official_layout=True,
        note=(
            "Mirror: one row per commune (code_commune; code_departement; effectifs_salaries_2015 … "
            "_2025), all APE summed and communes mapped to COG 2025 by a third party (rouages.fr). "
            "The official URL serves the commune × APE export (one row per commune × APE code, two "
            "columns per year from 2006): the parser recognises it from its header, keeps the "
            "region's départements and sums effectifs_salaries_YYYY by commune for every year of "
            "the file; commune codes stay as URSSAF publishes them. "
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
        official_layout=True,
        note=(
            "Mirror: commune × grand secteur (GS1-GS7) for 2025 only, headcount and number of "
            "establishments, aggregated by a third party (rouages.fr); the GSn prefix was restored "
            "by the mirror (GS6 Intérim inferred, confirmed by the official file). The official URL "
            "serves the commune × APE export: the parser recognises it from its header, keeps the "
            "region's départements and sums the latest year's effectifs_salaries_YYYY and "
            "nombre_d_etablissements_YYYY by commune and grand_secteur_d_activite."
        ),
    ),
]

#: Départements kept by default (Pays de la Loire, region 52).
REGION_DEPARTEMENTS: tuple[str, ...] = ("44", "49", "53", "72", "85")

YEAR_COLUMN = re.compile(r"^effectifs_salaries_(\d{4})$")
ESTAB_COLUMN = "nombre_d_etablissements_{year}"


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


def _departements(departements: Iterable[str] | None) -> list[str] | None:
    if departements is None:
        return None
    if isinstance(departements, str):
        departements = [departements]
    return [str(d).strip() for d in departements]


def _keep_departements(df: pd.DataFrame, departements: list[str] | None) -> pd.DataFrame:
    """Mirror tables: keep the communes of ``departements`` (by commune-code prefix)."""
    if departements is None:
        return df
    return df[df["commune_code"].str.startswith(tuple(departements))].reset_index(drop=True)

# --- parsers -----------------------------------------------------------------------------------


def parse_effectifs_commune(path: Path, dataset_id: str = EFFECTIFS_ID, *,
                            departements: Iterable[str] | None = REGION_DEPARTEMENTS) -> pd.DataFrame:
    """Headcount by commune × year, from the official commune × APE file or the mirror's file
    (recognised from the header). ``departements``: départements kept (None: all; on the national
    file that keeps every commune, about 1 GiB peak instead of about 350 MB for the region)."""
    path = Path(path)
    deps = _departements(departements)
    header = _read_header(path, dataset_id)
    if layout_of(header) == "official":
        df = _effectifs_official(path, header, dataset_id, deps)
        df.attrs["layout"] = "official"
        return df
    df = _keep_departements(_effectifs_mirror(path, dataset_id), deps)
    df.attrs.update(layout="mirror", withheld_headcount=[])
    return df


def _effectifs_mirror(path: Path, dataset_id: str) -> pd.DataFrame:
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
    codes = df["grand_secteur_d_activite"].fillna("").map(_sector_of)
    bad = codes.isna()
    if bad.any():
        row = df[bad].iloc[0]
        raise SourceFormatError(path, "unknown grand secteur, or code and label disagree",
                                line=int(row["_line"]), column="grand_secteur_d_activite",
                                value=row["grand_secteur_d_activite"], dataset_id=dataset_id)
    return codes.tolist(), codes.map(SECTORS).tolist()


def parse_secteurs(path: Path, dataset_id: str = SECTEURS_ID, *,
                   departements: Iterable[str] | None = REGION_DEPARTEMENTS) -> pd.DataFrame:
    """Headcount and establishments by commune × grand secteur for the file's latest year, from the
    official commune × APE file or the mirror's file (recognised from the header)."""
    path = Path(path)
    deps = _departements(departements)
    header = _read_header(path, dataset_id)
    if layout_of(header) == "official":
        df = _secteurs_official(path, header, dataset_id, deps)
        df.attrs["layout"] = "official"
        return df
    df = _keep_departements(_secteurs_mirror(path, dataset_id), deps)
    df.attrs.update(layout="mirror", withheld_headcount=[])
    return df


def _secteurs_mirror(path: Path, dataset_id: str) -> pd.DataFrame:
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
