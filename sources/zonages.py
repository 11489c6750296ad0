"""INSEE table d'appartenance géographique des communes, geography 2024 (zones d'emploi 2020,
bassins de vie 2022, aires d'attraction 2020, unités urbaines 2020, EPCI, arrondissements, cantons).

Two layouts, recognised from the file itself (``df.attrs["layout"]``):

* ``"official"``: what the dataset's URL serves, ``table-appartenance-geo-communes-2024.zip``
  holding ``table-appartenance-geo-communes-2024.xlsx`` (a bare ``.xlsx`` is read too). Sheets
  ``COM`` (one row per commune), ``ARM`` (arrondissements municipaux, not used),
  ``Zones_supra_communales`` (``NIVGEO, CODGEO, LIBGEO, NB_COM``: the label of every zone),
  ``Variables``, ``Documentation``. Each data sheet has title rows above its header row; the
  header row is found by its first code cell (``CODGEO`` in ``COM``, ``NIVGEO`` in
  ``Zones_supra_communales``), not by a row number. ``COM`` columns (official names):
  ``CODGEO, LIBGEO, DEP, CTCD, REG, EPCI, EPT, ARR, CANOV, ZE2020, UU2020, AAV2020, BV2022``.
  The workbook is read with python-calamine; the rows of région 52 are kept and each zone code
  gets its label from ``Zones_supra_communales`` (``NIVGEO`` = the column name): a code without
  a label there is an error.
* ``"mirror"``: ``communes_zonages_r52_2024.csv`` (``;``, UTF-8), the mirror's join of sheet COM
  (rows REG = 52) with the labels of sheet Zones_supra_communales (``LIB_EPCI``, ``LIB_ZE2020``…);
  a plain CSV export of sheet COM is read too (label columns then empty).

Both layouts yield the same table. ``parse(path)`` → one row per commune of geography 2024
(1,232 in the region):

================ ===========================================================================
commune_code     CODGEO (COG 2024; map to 2026 with :func:`portraits.geography.to_2026`)
label            LIBGEO
departement      DEP
epci             EPCI SIREN (``ZZZZZZZZZ`` = sans objet: 85113 L'Île-d'Yeu)
epci_label       LIB_EPCI
arr, arr_label   arrondissement
canov, canov_label  canton-ou-ville
ze2020, ze2020_label  zone d'emploi 2020 (``0051`` Alençon and ``0062`` Redon straddle the border)
bv2022, bv2022_label  bassin de vie 2022 (code of its pôle commune)
aav2020, aav2020_label  aire d'attraction des villes 2020 (``000`` = hors attraction)
uu2020, uu2020_label  unité urbaine 2020
_line            line of the CSV, or row of sheet COM (1-based), of the commune
================ ===========================================================================

Every value is text, as in the sheet (codes keep their leading zeros; a code stored as a number
in the workbook is written back with the zeros of its fixed width, :data:`CODE_WIDTHS`, and every
code is checked against that width in both layouts).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd

from .archive import member_label, sniff, zip_errors, zip_member
from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import check_codes, check_unique, read_delimited

DATASET_ID = "insee_zonages_2024"
REGION_CODE = "52"

DATASETS = [
    Dataset(
        id=DATASET_ID,
        table="zonages_2024",
        parser="zonages:parse",
        description="INSEE table d'appartenance 2024: zones d'emploi 2020, bassins de vie 2022, … (2024 geography).",
        family="recensement",
        title="Table d'appartenance géographique des communes au 1er janvier 2024 "
              "(EPCI, zones d'emploi 2020, bassins de vie 2022, aires d'attraction, unités urbaines)",
        publisher="INSEE",
        url="https://www.insee.fr/fr/statistiques/fichier/7671844/table-appartenance-geo-communes-2024.zip",
        page="https://www.insee.fr/fr/information/7671844",
        licence=LO2,
        vintage="Géographie au 1er janvier 2024 (mise en ligne le 18/03/2024)",
        mirror_path="zonages/communes_zonages_r52_2024.csv",
        layout="derived",
        official_layout=True,
        note=(
            "Mirror: sheet COM of table-appartenance-geo-communes-2024.xlsx, rows REG = 52, joined with "
            "the labels of sheet Zones_supra_communales (LIB_* columns), ';'-separated UTF-8. The "
            "official URL serves the zipped xlsx: the parser reads the workbook itself (sheets COM "
            "and Zones_supra_communales) and makes the same table."
        ),
    ),
]

# official column → output column
CODES = {
    "CODGEO": "commune_code", "LIBGEO": "label", "DEP": "departement", "REG": "region",
    "EPCI": "epci", "ARR": "arr", "CANOV": "canov", "ZE2020": "ze2020", "BV2022": "bv2022",
    "AAV2020": "aav2020", "UU2020": "uu2020",
}
LABELS = {
    "LIB_EPCI": "epci_label", "LIB_ARR": "arr_label", "LIB_CANOV": "canov_label",
    "LIB_ZE2020": "ze2020_label", "LIB_BV2022": "bv2022_label", "LIB_AAV2020": "aav2020_label",
    "LIB_UU2020": "uu2020_label",
}
COLUMNS = ["commune_code", "label", "departement", "epci", "epci_label", "ze2020", "ze2020_label",
           "bv2022", "bv2022_label", "aav2020", "aav2020_label", "uu2020", "uu2020_label",
           "arr", "arr_label", "canov", "canov_label"]
#: fixed width of each code column (official names)
CODE_WIDTHS = {"CODGEO": 5, "DEP": 2, "REG": 2, "EPCI": 9, "ARR": 3, "CANOV": 4, "ZE2020": 4,
               "BV2022": 5, "AAV2020": 3, "UU2020": 5}
COM_SHEET, SUPRA_SHEET = "COM", "Zones_supra_communales"
SUPRA_COLUMNS = ["NIVGEO", "CODGEO", "LIBGEO"]
# How far down a sheet its header row is looked for.
HEADER_SEARCH_ROWS = 50


def parse(path: Path) -> pd.DataFrame:
    path = Path(path)
    if sniff(path, dataset_id=DATASET_ID) == "zip":
        out = _parse_workbook(path)
        out.attrs["layout"] = "official"
    else:
        out = _parse_csv(path)
        out.attrs["layout"] = "mirror"
    return out


# --------------------------------------------------------------------------------- mirror (CSV)


def _parse_csv(path: Path) -> pd.DataFrame:
    df = read_delimited(path, sep=";", required=list(CODES), dataset_id=DATASET_ID)
    return _finish(df, path)


def _finish(df: pd.DataFrame, path) -> pd.DataFrame:
    """Text table with the official column names (+ ``_line``) → the output table, checked."""
    df = df[df["REG"].str.strip() == REGION_CODE]
    if df.empty:
        raise SourceFormatError(path, f"no commune of région {REGION_CODE}", dataset_id=DATASET_ID)
    out = pd.DataFrame({new: df[old].str.strip() for old, new in CODES.items()})
    for old, new in LABELS.items():
        out[new] = df[old].str.strip() if old in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")
    out["_line"] = df["_line"]
    check_codes(out, "commune_code", path, dataset_id=DATASET_ID)
    check_unique(out, ["commune_code"], path, dataset_id=DATASET_ID)
    for col in ("ze2020", "bv2022", "epci"):
        empty = out[col].fillna("") == ""
        if empty.any():
            row = out[empty].iloc[0]
            raise SourceFormatError(path, f"empty {col} code", line=int(row["_line"]),
                                    value=row["commune_code"], dataset_id=DATASET_ID)
    for old, width in CODE_WIDTHS.items():
        col = CODES[old]
        bad = out[col].fillna("").str.len() != width
        if bad.any():
            row = out[bad].iloc[0]
            raise SourceFormatError(path, f"commune {row['commune_code']}: expected a {width}-character "
                                    "code", line=int(row["_line"]), column=old, value=row[col],
                                    dataset_id=DATASET_ID)
    return out[COLUMNS + ["_line"]].reset_index(drop=True)


# ----------------------------------------------------------------------------- official (xlsx)


def _workbook_bytes(path: Path) -> tuple[bytes, str]:
    """The workbook's bytes and how to name it: the zip is the xlsx itself, or holds one."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if "xl/workbook.xml" in names:  # a bare .xlsx (itself a zip)
            return path.read_bytes(), str(path)
        member = zip_member(path, zf, lambda n: n.endswith(".xlsx"),
                            "*.xlsx (the table d'appartenance workbook)", dataset_id=DATASET_ID)
        where = member_label(path, member)
        with zip_errors(where, dataset_id=DATASET_ID):
            return zf.read(member), where


def _open_workbook(path: Path):
    from python_calamine import CalamineWorkbook

    data, where = _workbook_bytes(path)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for unreadable workbooks
        raise SourceFormatError(where, f"not a readable Excel workbook ({exc})",
                                dataset_id=DATASET_ID) from None
    return workbook, where


def _cell(value, width: int | None = None) -> str:
    """A sheet cell as text: a whole number without ``.0`` (zero-padded to ``width`` if given)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        return text.zfill(width) if width else text
    return str(value).strip()


def _sheet_table(workbook, where: str, sheet: str, first: str, required: list[str],
                 widths: dict[str, int] | None = None) -> pd.DataFrame:
    """Rows of ``sheet`` under its header row (the row whose first filled cell is ``first``), as
    text with the sheet's column names, plus ``_line`` (sheet row, 1-based). A number in a column
    of ``widths`` is zero-padded to that width."""
    widths = widths or {}
    if sheet not in workbook.sheet_names:
        raise SourceFormatError(where, f"no sheet {sheet!r} in the workbook; sheets: "
                                f"{', '.join(workbook.sheet_names)}", dataset_id=DATASET_ID)
    rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    label = f"{where} (sheet {sheet})"
    head = None
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        filled = [_cell(v) for v in row if _cell(v) != ""]
        if filled and filled[0] == first:
            head = i
            break
    if head is None:
        raise SourceFormatError(
            label, f"no header row starting with {first} in the first {HEADER_SEARCH_ROWS} rows",
            column=first, dataset_id=DATASET_ID)
    header = [_cell(v) for v in rows[head]]
    index = {}
    for j, name in enumerate(header):
        if name:
            index.setdefault(name, j)
    missing = [c for c in required if c not in index]
    if missing:
        raise SourceFormatError(
            label, f"missing column(s) {', '.join(missing)}; header row has: "
                   f"{', '.join(h for h in header if h)}",
            line=head + 1, column=missing[0], dataset_id=DATASET_ID)
    names = list(index)
    kept, lines = [], []
    for i in range(head + 1, len(rows)):
        row = rows[i]
        cells = [_cell(row[index[n]] if index[n] < len(row) else None, widths.get(n))
                 for n in names]
        if all(c == "" for c in cells):
            continue
        kept.append(cells)
        lines.append(i + 1)
    df = pd.DataFrame(kept, columns=names, dtype="string")
    df["_line"] = pd.Series(lines, dtype="int64")
    df.attrs["where"] = label
    return df


def _parse_workbook(path: Path) -> pd.DataFrame:
    workbook, where = _open_workbook(path)
    com = _sheet_table(workbook, where, COM_SHEET, "CODGEO", list(CODES), CODE_WIDTHS)
    label = com.attrs["where"]
    com = com[com["REG"].str.strip() == REGION_CODE].copy()
    if com.empty:
        raise SourceFormatError(label, f"no commune of région {REGION_CODE}", column="REG",
                                dataset_id=DATASET_ID)
    supra = _sheet_table(workbook, where, SUPRA_SHEET, "NIVGEO", SUPRA_COLUMNS)
    names = {}
    for level, code, name in zip(supra["NIVGEO"].str.strip(), supra["CODGEO"].str.strip(),
                                 supra["LIBGEO"]):
        width = CODE_WIDTHS.get(level)
        if width and code.isdigit():  # a zone code stored as a number: zeros of its width back
            code = code.zfill(width)
        names[(level, code)] = name
    for lib in LABELS:
        level = lib.removeprefix("LIB_")
        codes = com[level].str.strip()
        found = [names.get((level, c)) for c in codes]
        absent = [i for i, name in enumerate(found) if name is None]
        if absent:
            row = com.iloc[absent[0]]
            raise SourceFormatError(
                label, f"commune {row['CODGEO']}: {level} code {row[level]!r} has no label in sheet "
                       f"{SUPRA_SHEET} (NIVGEO = {level})",
                line=int(row["_line"]), column=level, value=row[level], dataset_id=DATASET_ID)
        com[lib] = pd.array(found, dtype="string")
    return _finish(com, label)
