"""France Travail "Besoins en main-d'œuvre" (BMO) survey 2024, its employment basins, and FAP-2021.

``parse_bmo(path)`` → one row per bassin d'emploi × métier (BMO 2024 open-data sheet). It reads the
official data.gouv.fr resource as published, a zip holding the open-data workbook (its ``.xlsx``
member, one with ``BMO`` in its name if there are several, read in memory; the workbook the mirror
was cut from is ``Base_open_data_BMO_2024.xlsx``) or that workbook itself: sheet found by its name
``BMO_YYYY_open_data``, header row found by its first code cell ``annee`` (row 1 in 2024), national
rows cut to ``REG`` = ``52`` while read, numbers written back as text (``annee`` and ``BE24`` are
numbers in the workbook: ``5203.0`` → ``"5203"``); or the mirror's copy of that sheet as ``;`` CSV.
The layout is recognised from the file itself and recorded in ``df.attrs["layout"]``
(``"official"`` or ``"mirror"``); both give the same table:

================= ======================================================================
year              int (``annee``)
region            ``52``
departement       département of the basin (``Dept``)
basin_code        BMO basin code ``BE24`` (4 characters, e.g. ``5220`` Nantes)
basin_label       ``NOMBE24`` (upper case, as published)
fap_code          ``Code métier BMO``: a FAP-2021 code at the 228-family level (``A0X40``)
fap_label         ``Nom métier BMO``
family_code       ``Famille_met`` (A, C, I, O, S, T, V, Z)
family_label      ``Lbl_fam_met``
projects          ``met``: recruitment projects (float, whole numbers; NaN when secret)
projects_status   ``ok`` or ``secret``
difficult         ``xmet``: projects judged difficult
difficult_status  ``ok`` or ``secret``
seasonal          ``smet``: seasonal projects
seasonal_status   ``ok`` or ``secret``
================= ======================================================================

``*`` = not published (statistical secrecy or too few answers; a text cell in the workbook too) → NaN
with status ``secret``, never 0. In the 2024 file no published value is below 5 and no cell is 0, so
``*`` also covers small counts, zeros included: ``xmet``/``smet`` under ``*`` where ``met`` is
published (598 and 1,888 rows) are probably often 0 but cannot be told apart. Rates (difficult / projects) must therefore be
computed only where both are published. A blank cell, or ``xmet``/``smet`` above ``met``, is an error.
So are a renamed sheet, a missing header row or column, an HTML page or an empty file instead of the
workbook, and a zip without a workbook member: the error names the file (and zip member), the sheet,
the row and the column. Workbooks are read with python-calamine (see :mod:`sources.chomage` for the
measured choice).

BE24 basin codes look like zone d'emploi codes but are a different zoning: ``5220`` is the Nantes
basin in BMO and the Saumur zone d'emploi at INSEE.

``parse_basin_communes(path)`` → commune → BMO basin (``,`` or ``;`` separated: both copies of the
mirror are read): ``commune_code, basin_code, basin_label, departement, region``. Commune codes are
those of the 2021 COG (the BMO edition's zoning file); they are not mapped here: communes merged since
then need the COG passage table before joining to the 2026 geography.

``parse_fap(path)`` → FAP-2021 nomenclature (DARES), one row per 341-family:
``fap341_code, fap341_label, fap228_code, fap228_label, fap86_code, fap86_label, fap22_code,
fap22_label``. BMO ``fap_code`` values are ``fap228_code`` values.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .chomage import REGION
from .workbook import open_workbook, sheet_rows, sheet_table, sniff, unexpected
from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import check_codes, check_unique, read_delimited, read_text, to_number

BMO_ID = "bmo_2024"
BASINS_ID = "bmo_bassins"
FAP_ID = "fap_2021"

DATASETS: list[Dataset] = [
    Dataset(
        id=BMO_ID,
        table="bmo_2024",
        parser="bmo:parse_bmo",
        description='BMO 2024 recruitment projects by employment basin x occupation (FAP-2021).',
        family="bmo",
        title="Enquête Besoins en main-d'œuvre (BMO) 2024 : projets de recrutement par bassin d'emploi et métier",
        publisher="France Travail, avec le Crédoc",
        url="https://www.data.gouv.fr/api/1/datasets/r/4319f5e8-a8e6-476c-8da0-c0d3439ebb55",
        page="https://statistiques.francetravail.org/bmo",
        licence=LO2,
        vintage="BMO 2024 (enquête de l'automne 2023, publiée en avril 2024) ; bassins 2024",
        mirror_path="bmo/bmo_2024_pdl.csv",
        layout="derived",
        note=(
            "The official URL serves a zip holding the Excel workbook (xlsx), read as published: "
            "sheet BMO_2024_open_data (header row found by its code cell annee), rows REG == 52. "
            "The mirror is that sheet saved as ';' CSV (UTF-8), rows REG == 52, columns and values "
            "unchanged; the parser reads both. '*' = not published."
        ),
    ),
    Dataset(
        id=BASINS_ID,
        table="bmo_bassins",
        parser="bmo:parse_basin_communes",
        description='Commune → France Travail employment basin (BMO 2024), COG ~2021.',
        family="bmo",
        title="Bassins d'emploi BMO : table de correspondance commune → bassin",
        publisher="France Travail (zonage de l'enquête BMO, via jbesan/13_odis_stream2)",
        url=(
            "https://raw.githubusercontent.com/jbesan/13_odis_stream2/"
            "f596c7771ce54183f5df26258b38a72173a04a64/csv/France_Travail_Bassin_Emploi_2021.csv"
        ),
        page="https://statistiques.francetravail.org/bmo",
        licence=LO2,
        vintage="bassins BMO (codes BE24) ; communes COG 2021",
        mirror_path="bmo/bassins_emploi_bmo_communes_pdl.csv",
        note=(
            "Copy of the national commune → basin table (37,498 communes) cut to reg == 52; the "
            "mirror copy is ';' separated, the URL's is ',' separated (the parser reads both). "
            "Each BMO edition ships its own basin list on francetravail.org: prefer it when online."
        ),
    ),
    Dataset(
        id=FAP_ID,
        table="fap_2021",
        parser="bmo:parse_fap",
        description='FAP-2021 occupation families (DARES).',
        family="bmo",
        title="Nomenclature des familles professionnelles FAP-2021 (341, 228, 86 et 22 postes)",
        publisher="DARES (table publiée dans dataforgoodfr/13_odis)",
        url=(
            "https://raw.githubusercontent.com/dataforgoodfr/13_odis/"
            "f33217d0cea4aa970ea251da0638f3141332493c/dbt_odis/seeds/Intitul%C3%A9s_FAP2021.csv"
        ),
        page="https://www.dares.travail-emploi.gouv.fr/actualite/une-nouvelle-facon-de-classer-les-metiers-en-2023",
        licence=LO2,
        vintage="FAP-2021",
        mirror_path="bmo/intitules_fap2021.csv",
        note="Full nomenclature (341 rows), ';' separated, UTF-8 with BOM.",
    ),
]

BMO_COLUMNS = ["annee", "Code métier BMO", "Nom métier BMO", "Famille_met", "Lbl_fam_met", "REG",
               "Dept", "BE24", "NOMBE24", "met", "xmet", "smet"]
SECRET = "*"
FAMILIES = set("ACIOSTVZ")
BASIN_CODE = re.compile(r"^\d{4}$")
DEPARTEMENT = re.compile(r"^(?:\d{2}|2[AB]|97\d)$")
FAP228 = re.compile(r"^[A-Z][0-9A-Z][A-Z]\d{2}$")
FAP341 = re.compile(r"^[A-Z][0-9A-Z][A-Z]\d{2}[a-z]?$")


def _counts(df: pd.DataFrame, column: str, path: Path, dataset_id: str) -> tuple[pd.Series, np.ndarray]:
    raw = df[column].fillna("").str.strip()
    values = to_number(df, column, path, missing=(SECRET,), dataset_id=dataset_id, integer=True)
    neg = values < 0
    if neg.any():
        row = df[neg].iloc[0]
        raise SourceFormatError(path, "negative count", line=int(row["_line"]), column=column,
                                value=row[column], dataset_id=dataset_id)
    return values, np.where(raw == SECRET, "secret", "ok")


def _check_pattern(df, column, pattern, path, dataset_id, what):
    check_codes(df, column, path, pattern=pattern, dataset_id=dataset_id, what=what)


BMO_SHEET = re.compile(r"BMO_\d{4}_open_data")
_BMO_EXPECTED = ("the BMO open-data workbook (zip or xlsx) with sheet 'BMO_2024_open_data' "
                 "(header row starting with 'annee'), or that sheet saved as ';' CSV")


def _bmo_table(path: Path, dataset_id: str) -> tuple[pd.DataFrame, str, str]:
    """The region's rows of the BMO sheet as text, where they come from, and the layout."""
    kind = sniff(path, dataset_id)
    if kind == "text":
        return read_delimited(path, sep=";", required=BMO_COLUMNS, dataset_id=dataset_id), str(path), "mirror"
    if kind != "workbook":
        raise unexpected(path, kind, _BMO_EXPECTED, dataset_id)
    book, where = open_workbook(path, expected=_BMO_EXPECTED, member=re.compile(r"BMO", re.I),
                                dataset_id=dataset_id)
    sheet, rows = sheet_rows(book, where, BMO_SHEET, expected=_BMO_EXPECTED, dataset_id=dataset_id)
    where = f"{where} (sheet {sheet!r})"
    df = sheet_table(rows, where, "annee", required=BMO_COLUMNS, keep=("REG", {REGION}), dataset_id=dataset_id)
    if df.empty:
        raise SourceFormatError(where, f"no row of region {REGION} (column REG)", dataset_id=dataset_id)
    return df, where, "official"


def parse_bmo(path: Path, dataset_id: str = BMO_ID) -> pd.DataFrame:
    df, where, layout = _bmo_table(path, dataset_id)
    for col in BMO_COLUMNS:
        df[col] = df[col].str.strip()
    _check_pattern(df, "BE24", BASIN_CODE, where, dataset_id, "basin code (BE24)")
    _check_pattern(df, "Dept", DEPARTEMENT, where, dataset_id, "département code")
    _check_pattern(df, "Code métier BMO", FAP228, where, dataset_id, "FAP-2021 code")
    _check_pattern(df, "annee", re.compile(r"^\d{4}$"), where, dataset_id, "year")
    bad = ~df["Famille_met"].isin(FAMILIES)
    if bad.any():
        row = df[bad].iloc[0]
        raise SourceFormatError(where, "unknown family of occupations", line=int(row["_line"]),
                                column="Famille_met", value=row["Famille_met"], dataset_id=dataset_id)
    check_unique(df, ["BE24", "Code métier BMO"], where, dataset_id=dataset_id)
    labels = df.groupby("BE24")["NOMBE24"].nunique()
    if (labels > 1).any():
        code = labels[labels > 1].index[0]
        row = df[df["BE24"] == code].iloc[0]
        raise SourceFormatError(where, "basin with several labels", line=int(row["_line"]), column="BE24",
                                value=code, dataset_id=dataset_id)
    met, met_status = _counts(df, "met", where, dataset_id)
    xmet, xmet_status = _counts(df, "xmet", where, dataset_id)
    smet, smet_status = _counts(df, "smet", where, dataset_id)
    for col, part in (("xmet", xmet), ("smet", smet)):
        over = part > met
        if over.any():
            row = df[over].iloc[0]
            raise SourceFormatError(where, f"{col} is larger than met", line=int(row["_line"]), column=col,
                                    value=f"{row[col]} > {row['met']}", dataset_id=dataset_id)
    out = pd.DataFrame(
        {
            "year": df["annee"].astype(int).to_numpy(),
            "region": df["REG"].to_numpy(),
            "departement": df["Dept"].to_numpy(),
            "basin_code": df["BE24"].to_numpy(),
            "basin_label": df["NOMBE24"].to_numpy(),
            "fap_code": df["Code métier BMO"].to_numpy(),
            "fap_label": df["Nom métier BMO"].to_numpy(),
            "family_code": df["Famille_met"].to_numpy(),
            "family_label": df["Lbl_fam_met"].to_numpy(),
            "projects": met.to_numpy(),
            "projects_status": met_status,
            "difficult": xmet.to_numpy(),
            "difficult_status": xmet_status,
            "seasonal": smet.to_numpy(),
            "seasonal_status": smet_status,
        }
    )
    out.attrs["layout"] = layout
    return out


BASIN_COLUMNS = ["reg", "dep", "codgeo", "codbe", "libbe"]


def parse_basin_communes(path: Path, dataset_id: str = BASINS_ID) -> pd.DataFrame:
    header = read_text(path, dataset_id=dataset_id).split("\n", 1)[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    df = read_delimited(path, sep=sep, required=BASIN_COLUMNS, dataset_id=dataset_id)
    for col in BASIN_COLUMNS:
        df[col] = df[col].str.strip()
    check_codes(df, "codgeo", path, dataset_id=dataset_id)
    _check_pattern(df, "codbe", BASIN_CODE, path, dataset_id, "basin code")
    check_unique(df, ["codgeo"], path, dataset_id=dataset_id)
    labels = df.groupby("codbe")["libbe"].nunique()
    if (labels > 1).any():
        code = labels[labels > 1].index[0]
        row = df[df["codbe"] == code].iloc[0]
        raise SourceFormatError(path, "basin with several labels", line=int(row["_line"]), column="codbe",
                                value=code, dataset_id=dataset_id)
    return pd.DataFrame(
        {
            "commune_code": df["codgeo"].to_numpy(),
            "basin_code": df["codbe"].to_numpy(),
            "basin_label": df["libbe"].to_numpy(),
            "departement": df["dep"].to_numpy(),
            "region": df["reg"].to_numpy(),
        }
    )


FAP_COLUMNS = ["Code_FAP341", "Intitulé_FAP341", "Code_FAP228", "Intitulé_FAP228", "Code_FAP86",
               "Intitulé_FAP86", "Code_FAP22", "Intitulé_FAP22"]


def parse_fap(path: Path, dataset_id: str = FAP_ID) -> pd.DataFrame:
    df = read_delimited(path, sep=";", required=FAP_COLUMNS, dataset_id=dataset_id)
    for col in FAP_COLUMNS:
        df[col] = df[col].str.strip()
    _check_pattern(df, "Code_FAP341", FAP341, path, dataset_id, "FAP-341 code")
    _check_pattern(df, "Code_FAP228", FAP228, path, dataset_id, "FAP-228 code")
    _check_pattern(df, "Code_FAP86", re.compile(r"^[A-Z][0-9A-Z][A-Z]$"), path, dataset_id, "FAP-86 code")
    _check_pattern(df, "Code_FAP22", re.compile(r"^[A-Z]$"), path, dataset_id, "FAP-22 code")
    check_unique(df, ["Code_FAP341"], path, dataset_id=dataset_id)
    for level in ("228", "86", "22"):
        code, label = f"Code_FAP{level}", f"Intitulé_FAP{level}"
        n = df.groupby(code)[label].nunique()
        if (n > 1).any():
            bad = n[n > 1].index[0]
            row = df[df[code] == bad].iloc[0]
            raise SourceFormatError(path, f"FAP-{level} code with several labels", line=int(row["_line"]),
                                    column=code, value=bad, dataset_id=dataset_id)
    empty = (df[FAP_COLUMNS] == "").any(axis=1)
    if empty.any():
        row = df[empty].iloc[0]
        raise SourceFormatError(path, "empty code or label", line=int(row["_line"]), dataset_id=dataset_id)
    columns = {}
    for level in ("341", "228", "86", "22"):
        columns[f"fap{level}_code"] = df[f"Code_FAP{level}"].to_numpy()
        columns[f"fap{level}_label"] = df[f"Intitulé_FAP{level}"].to_numpy()
    return pd.DataFrame(columns)
