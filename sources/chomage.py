"""INSEE localised unemployment rates (taux de chômage localisés) and the zones d'emploi 2020.

Rates are quarterly averages in %, seasonally adjusted (CVS), as published (one decimal).

Each parser recognises the layout from the file itself (its first bytes, zip member names, sheet
names, the header row), never from a setting, and returns the same raw table for both layouts, with
``df.attrs["layout"]`` set to ``"official"`` (what the dataset's ``url`` serves) or ``"mirror"``
(the ``;`` CSV of the mirror directory).

``parse_ze_rates(path, dataset_id)`` reads the zone d'emploi workbook
``chomage-zone-t1-2003-tQ-YYYY.xlsx`` as published (sheet ``txcho_ze`` for ``insee_chomage_ze``,
sheet ``txcho_parties reg`` for ``insee_chomage_ze_parties``; the header row is the row whose first
cell is the code ``ZE2020``/``ZER2020``, whatever the number of title rows above it; rates are
numbers in the workbook), or one of those sheets saved as ``;`` CSV (the mirror). The workbook is
national: it is cut to the rows the mirror keeps, the zones with ``REG`` = ``52`` plus the
interregional zones (``REG`` = ``00``) that have a Pays de la Loire part in ``txcho_parties reg``
(``5251`` → ``0051`` Alençon, ``5262`` → ``0062`` Redon), and the parts whose code starts with
``52``. Columns: the whole zones (``ZE2020, LIBZE2020, REG, LIBREG, 2003-T1 …``) and the regional
parts of interregional zones (``ZER2020, LIBZER2020, 2003-T1 …``). Long output:

========== ===========================================================================
ze_code    4 characters: ``5216`` Nantes…; ``0051`` Alençon and ``0062`` Redon are whole
           interregional zones; ``5251``/``5262`` their Pays de la Loire parts
ze_label   label (trailing spaces stripped)
kind       ``ze`` (whole zone) or ``ze_partie_reg`` (regional part of a zone)
region     ``REG`` of the zone (``52``; ``00`` = interregional); for parts: the first two
           characters of the code (``52``)
quarter    ``2023-T3``
rate       float, %
========== ===========================================================================

``parse_bdm_rates(path)`` reads the BDM series, either as the SDMX-ML 2.1 message the ``url``
serves (``StructureSpecificData``, INSEE's default: ``<Series IDBANK=… TITLE_FR=…>`` holding
``<Obs TIME_PERIOD="2024-Q4" OBS_VALUE="5.9"/>``; ``GenericData`` is read too), or as the mirror's
sheet ``valeurs_trimestrielles`` (``Libellé, idBank, Dernière mise à jour, Période, 2000-T1 …``)
→ ``geo_code, label, id_bank, quarter, rate``, with ``geo_code`` from the idBank (:data:`IDBANKS`):
``FM`` France métropolitaine, ``52`` Pays de la Loire, ``44`` … ``85`` départements. ``label`` is the
part of the title (``Libellé``, or ``TITLE_FR`` in SDMX) after the first `` - ``. ``TIME_PERIOD``
``2024-Q4`` becomes ``2024-T4``; series come in idBank order, quarters ascending. An idBank that
lost its leading zeros (``1515854``) is padded back to 9 characters; an unknown idBank is an
error. An SDMX error message, or an HTML page, is an error naming the file.

A blank or non-numeric rate is an error in both parsers (none in the mirror, none for the region in
the workbook); a rate outside 0-100 too. Decimal points and decimal commas are both read. The
quarter columns must be ``YYYY-Tq`` and consecutive: a renamed quarter column, or one missing between
two others, is an error (a missing last quarter cannot be told from an older edition).

``parse_ze_composition(path)`` → commune → zone d'emploi 2020 (COG of 1 January 2023), from the
official zip ``ZE2020_au_01-01-YYYY.zip`` (its ``.xlsx`` member read in memory, sheet
``Composition_communale``, header row found by its first cell ``CODGEO``, cut to ``REG`` = ``52``)
or from that sheet saved as ``;`` CSV (the mirror):

============== =========================================================================
commune_code   ``CODGEO``
commune_name   ``LIBGEO``
ze_code        ``ZE2020`` (``0051``/``0062`` for communes of interregional zones)
ze_label       ``LIBZE2020``
ze_partie_reg  ``ZE2020_PARTIE_REG`` as published: ``0062-52`` for the Pays de la Loire part
               of Redon, empty for zones inside the region
zer_code       code of that part in the rates file (region + last two digits of the zone:
               ``0062-52`` → ``5262``), empty otherwise
departement    ``DEP``
============== =========================================================================

Commune codes are those of the 2023 COG (1,233 communes): communes merged since then need the COG
passage table before joining to the 2026 geography. Zone codes overlap the BMO basin code range but
are another zoning (``5220`` is Saumur here and the Nantes basin in BMO).

Excel reader. Workbooks (here and in :mod:`sources.bmo`) are read with python-calamine
(``CalamineWorkbook``), chosen by speed. Measured on the real INSEE workbook
``chomage-zone-t1-2003-t3-2023.xlsx`` (133 kB; both data sheets read to Python rows: ``txcho_ze``
308 rows x 87 columns, ``txcho_parties reg`` 36 x 85), 2 cores, median of 7 in-process runs
(timeit) / of 5 whole processes (interpreter start, imports and read): python-calamine 27 ms /
65 ms; openpyxl read-only 130 ms / 479 ms; openpyxl default mode 195 ms / 489 ms; through pandas
``read_excel`` (pandas import included in the whole-process figure): engine calamine 37 ms /
676 ms, engine openpyxl 173 ms / 793 ms. A second run with the machine loaded by other jobs (load
average 9) kept the ranking: calamine 59 ms / 200 ms, openpyxl read-only 359 ms / 1,325 ms.
Calamine is 5-6 times faster in process and 6-7 times faster as a whole process, and its rows need
no pandas round trip, so it is used directly; openpyxl only writes the test workbooks. A zip member
is read into memory with :mod:`zipfile` (never extracted to disk). Errors in a workbook name the
file (and zip member), the sheet, the row (``line`` = the sheet's row number) and the column.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .workbook import open_workbook, sheet_rows, sheet_table, sniff, unexpected
from .tabular import check_codes, check_unique, read_delimited, read_text
# the BDM web service's SDMX-ML reader, and the order of quarters it shares with the rates
from .chomage_sdmx import _SdmxReader, _quarter_number

ZE_ID = "insee_chomage_ze"
ZE_PARTS_ID = "insee_chomage_ze_parties"
BDM_ID = "insee_chomage_dep_reg"
ZE_COMPOSITION_ID = "insee_ze2020_communes"

REGION = "52"  # Pays de la Loire: national official files are cut to it while read

IDBANKS: dict[str, str] = {
    "001515842": "FM",
    "001515854": "52",
    "001515909": "44",
    "001515914": "49",
    "001515918": "53",
    "001515937": "72",
    "001515949": "85",
}

_ZE_XLSX = "https://www.insee.fr/fr/statistiques/fichier/1893230/chomage-zone-t1-2003-t3-2023.xlsx"
_ZE_PAGE = "https://www.insee.fr/fr/statistiques/1893230"

DATASETS: list[Dataset] = [
    Dataset(
        id=ZE_ID,
        table="chomage_ze",
        parser="chomage:parse_ze_rates",
        description="Localised unemployment rates by zone d'emploi 2020, quarterly 2003-2023.",
        family="emploi_trimestriel",
        title="Taux de chômage localisés par zone d'emploi 2020, trimestriels, 2003-T1 à 2023-T3",
        publisher="INSEE",
        url=_ZE_XLSX,
        page=_ZE_PAGE,
        licence=LO2,
        vintage="2003-T1 à 2023-T3 (édition de décembre 2023) ; zones d'emploi 2020",
        mirror_path="insee/insee_taux_chomage_localise_zone_emploi_2003T1_2023T3_pdl.csv",
        layout="derived",
        note=(
            "The official URL serves an Excel workbook (xlsx), read as published: sheet txcho_ze, "
            "header row found by its code cell ZE2020, cut to the 21 zones of region 52 and the 2 "
            "interregional zones with a Pays de la Loire part (0051 Alençon, 0062 Redon). The mirror "
            "is that sheet (header on row 6, columns and values unchanged) saved as ';' CSV, cut the "
            "same way; the parser reads both. Newer editions follow the file name pattern "
            "chomage-zone-t1-2003-tQ-YYYY.xlsx (find the latest on the page)."
        ),
    ),
    Dataset(
        id=ZE_PARTS_ID,
        table="chomage_ze_parties",
        parser="chomage:parse_ze_rates",
        description="Localised unemployment rates of the region parts of interregional zones d'emploi.",
        family="emploi_trimestriel",
        title="Taux de chômage localisés des parties régionales des zones d'emploi interrégionales, 2003-T1 à 2023-T3",
        publisher="INSEE",
        url=_ZE_XLSX,
        page=_ZE_PAGE,
        licence=LO2,
        vintage="2003-T1 à 2023-T3 (édition de décembre 2023) ; zones d'emploi 2020",
        mirror_path="insee/insee_taux_chomage_localise_ze_parties_regionales_2003T1_2023T3_pdl.csv",
        layout="derived",
        note=(
            "Same workbook as insee_chomage_ze, read as published: sheet 'txcho_parties reg' (header "
            "row found by its code cell ZER2020), cut to the Pays de la Loire parts (5251 Alençon, "
            "5262 Redon). The mirror is that sheet saved as ';' CSV, cut the same way."
        ),
    ),
    Dataset(
        id=BDM_ID,
        table="chomage_dep_reg",
        parser="chomage:parse_bdm_rates",
        description='Localised unemployment rates, France métropolitaine, region and départements, quarterly to 2024.',
        family="emploi_trimestriel",
        title="Taux de chômage localisés trimestriels : France métropolitaine, Pays de la Loire et ses départements, 2000-T1 à 2024-T4",
        publisher="INSEE (Banque de données macroéconomiques, famille TAUX-CHOMAGE)",
        url="https://bdm.insee.fr/series/sdmx/data/SERIES_BDM/" + "+".join(IDBANKS) + "?startPeriod=2000-Q1",
        page="https://www.insee.fr/fr/statistiques/serie/001515854",
        licence=LO2,
        vintage="2000-T1 à 2024-T4 (extraction du 21/03/2025)",
        mirror_path="insee/insee_bdm_taux_chomage_localise_region_dep_2000T1_2024T4_pdl.csv",
        layout="derived",
        note=(
            "The official URL (BDM SDMX web service, the 7 idBanks, from 2000-Q1 like the mirror) "
            "serves an SDMX-ML 2.1 StructureSpecificData message: one Series per idBank (IDBANK, "
            "TITLE_FR) with one Obs per quarter (TIME_PERIOD YYYY-Qn, OBS_VALUE); the parser rebuilds "
            "one row per idBank and quarter from it. Mirror: sheet valeurs_trimestrielles of the BDM "
            "family download 'TAUX-CHOMAGE' (xlsx), 7 series kept, saved as ';' CSV; read too."
        ),
    ),
    Dataset(
        id=ZE_COMPOSITION_ID,
        table="ze2020_communes",
        parser="chomage:parse_ze_composition",
        description="Commune → zone d'emploi 2020 (COG 2023) with its region part.",
        family="recensement",
        title="Zones d'emploi 2020 : composition communale au 1er janvier 2023",
        publisher="INSEE",
        url="https://www.insee.fr/fr/statistiques/fichier/4652957/ZE2020_au_01-01-2023.zip",
        page="https://www.insee.fr/fr/information/4652957",
        licence=LO2,
        vintage="zonage 2020 ; communes COG 2023",
        mirror_path="insee/insee_ze2020_composition_communale_geo2023_pdl.csv",
        layout="derived",
        note=(
            "The official URL serves a zip of an Excel workbook, read as published: the .xlsx member "
            "(in memory), sheet Composition_communale, header row found by its code cell CODGEO, "
            "rows REG == 52. The mirror is that sheet (header on row 6, columns unchanged) saved as "
            "';' CSV, rows REG == 52; the parser reads both. The file URL follows the page's naming "
            "(ZE2020_au_01-01-YYYY.zip); check it on the page."
        ),
    ),
]

QUARTER = re.compile(r"^\d{4}-T[1-4]$")
ZE_CODE = re.compile(r"^\d{4}$")


# --- rates -----------------------------------------------------------------------------------------

def _quarter_columns(columns, known: list[str], where, header_line: int | None, dataset_id) -> list[str]:
    """The quarter columns: every column but ``known`` ones must be ``YYYY-Tq``, consecutive."""
    quarters = []
    for c in columns:
        if c == "_line" or c in known:
            continue
        if not QUARTER.match(c):
            raise SourceFormatError(where, f"column {c!r} is not a quarter: expected YYYY-Tq columns after "
                                    f"{', '.join(known)}", line=header_line, column=c, dataset_id=dataset_id)
        quarters.append(c)
    if not quarters:
        raise SourceFormatError(where, "no quarter column (YYYY-Tq) in the header", line=header_line,
                                dataset_id=dataset_id)
    for before, after in zip(quarters, quarters[1:]):
        if _quarter_number(after) != _quarter_number(before) + 1:
            raise SourceFormatError(where, f"quarter columns not consecutive: {before} is followed by "
                                    f"{after} (a quarter column missing, renamed or out of order)",
                                    line=header_line, column=after, dataset_id=dataset_id)
    return quarters


def _rates_long(df: pd.DataFrame, keys: dict[str, pd.Series], quarters: list[str], where,
                dataset_id: str) -> pd.DataFrame:
    wide = pd.DataFrame({**keys, "_line": df["_line"]})
    wide[quarters] = df[quarters]
    long = wide.melt(id_vars=[*keys, "_line"], value_vars=quarters, var_name="quarter", value_name="_raw")
    text = long["_raw"].fillna("").str.strip().str.replace(",", ".", regex=False)
    rate = pd.to_numeric(text.where(text != ""), errors="coerce").astype("float64")
    checks = ((text == "", "empty cell: a rate was expected"), (rate.isna(), "not a number"),
              ((rate < 0) | (rate > 100), "rate outside 0-100 %"))
    for bad, reason in checks:
        if bad.any():
            row = long[bad].sort_values("_line", kind="stable").iloc[0]
            raise SourceFormatError(where, reason, line=int(row["_line"]), column=row["quarter"],
                                    value=row["_raw"], dataset_id=dataset_id)
    long["rate"] = rate
    return long.drop(columns=["_line", "_raw"])


ZE_SHEET = "txcho_ze"
ZE_PARTS_SHEET = "txcho_parties reg"
ZE_COLUMNS = ["ZE2020", "LIBZE2020", "REG", "LIBREG"]
ZER_COLUMNS = ["ZER2020", "LIBZER2020"]
_ZE_WORKBOOK = ("the INSEE workbook chomage-zone-t1-2003-tQ-YYYY.xlsx (sheets 'txcho_ze' and "
                "'txcho_parties reg') or one of those sheets saved as ';' CSV")


def _ze_workbook(path: Path, parts: bool, dataset_id: str) -> tuple[pd.DataFrame, str]:
    """The region's rows of one sheet of the official workbook, and where they come from."""
    book, where = open_workbook(path, expected=_ZE_WORKBOOK, dataset_id=dataset_id)
    _, rows = sheet_rows(book, where, ZE_PARTS_SHEET, expected=_ZE_WORKBOOK, dataset_id=dataset_id)
    parts_where = f"{where} (sheet {ZE_PARTS_SHEET!r})"
    all_parts = sheet_table(rows, parts_where, "ZER2020", required=ZER_COLUMNS, dataset_id=dataset_id)
    region_parts = all_parts[all_parts["ZER2020"].str.strip().str[:2] == REGION]
    if parts:
        df, where, header_line = region_parts, parts_where, all_parts.attrs["header_line"]
    else:
        _, rows = sheet_rows(book, where, ZE_SHEET, expected=_ZE_WORKBOOK, dataset_id=dataset_id)
        where = f"{where} (sheet {ZE_SHEET!r})"
        zones = sheet_table(rows, where, "ZE2020", required=["ZE2020", "LIBZE2020", "REG"],
                            dataset_id=dataset_id)
        interregional = {"00" + code.strip()[2:] for code in region_parts["ZER2020"]}
        region = zones["REG"].str.strip()
        df = zones[(region == REGION) | ((region == "00") & zones["ZE2020"].str.strip().isin(interregional))]
        header_line = zones.attrs["header_line"]
    if df.empty:
        raise SourceFormatError(where, f"no row for region {REGION}", dataset_id=dataset_id)
    out = df.reset_index(drop=True)
    out.attrs["header_line"] = header_line
    return out, where


def parse_ze_rates(path: Path, dataset_id: str | None = None) -> pd.DataFrame:
    kind = sniff(path, dataset_id)
    if kind == "workbook":
        parts = dataset_id == ZE_PARTS_ID
        dataset_id = dataset_id or ZE_ID
        df, where = _ze_workbook(path, parts, dataset_id)
        header_line, layout = df.attrs["header_line"], "official"
    elif kind == "text":
        header = read_text(path, dataset_id=dataset_id).split("\n", 1)[0]
        parts = "ZER2020" in [h.strip() for h in header.split(";")]
        dataset_id = dataset_id or (ZE_PARTS_ID if parts else ZE_ID)
        required = ZER_COLUMNS if parts else ["ZE2020", "LIBZE2020", "REG"]
        df = read_delimited(path, sep=";", required=required, dataset_id=dataset_id)
        where, header_line, layout = path, 1, "mirror"
    else:
        raise unexpected(path, kind, _ZE_WORKBOOK, dataset_id)
    code_col, label_col = ("ZER2020", "LIBZER2020") if parts else ("ZE2020", "LIBZE2020")
    quarters = _quarter_columns(df.columns, ZER_COLUMNS if parts else ZE_COLUMNS, where, header_line,
                                dataset_id)
    df[code_col] = df[code_col].str.strip()
    check_codes(df, code_col, where, pattern=ZE_CODE, dataset_id=dataset_id, what="zone d'emploi code")
    check_unique(df, [code_col], where, dataset_id=dataset_id)
    region = df[code_col].str[:2] if parts else df["REG"].str.strip()
    keys = {
        "ze_code": df[code_col],
        "ze_label": df[label_col].str.strip(),
        "kind": pd.Series("ze_partie_reg" if parts else "ze", index=df.index),
        "region": region,
    }
    out = _rates_long(df, keys, quarters, where, dataset_id)
    out.attrs["layout"] = layout
    return out


# --- BDM series: SDMX-ML (official) or the family download's sheet (mirror) -------------------------

BDM_COLUMNS = ["Libellé", "idBank", "Dernière mise à jour", "Période"]
_BDM_EXPECTED = ("the SDMX-ML 2.1 data message of the BDM web service, or the mirror's ';' CSV "
                 "(Libellé;idBank;Dernière mise à jour;Période;YYYY-Tq…)")


def parse_bdm_rates(path: Path, dataset_id: str = BDM_ID) -> pd.DataFrame:
    kind = sniff(path, dataset_id)
    if kind == "xml":
        df = _SdmxReader(Path(path), dataset_id).read()
        label_col, id_col, header_line, layout = "TITLE_FR", "IDBANK", None, "official"
        known = [label_col, id_col]
    elif kind == "text":
        df = read_delimited(path, sep=";", required=["Libellé", "idBank"], dataset_id=dataset_id)
        label_col, id_col, header_line, layout = "Libellé", "idBank", 1, "mirror"
        known = BDM_COLUMNS
    else:
        raise unexpected(path, kind, _BDM_EXPECTED, dataset_id)
    quarters = _quarter_columns(df.columns, known, path, header_line, dataset_id)
    ids = df[id_col].str.strip()
    ids = ids.where(~ids.str.fullmatch(r"\d{1,9}"), ids.str.zfill(9))
    unknown = ~ids.isin(list(IDBANKS))
    if unknown.any():
        row = df[unknown].iloc[0]
        raise SourceFormatError(path, f"unknown idBank (known: {', '.join(IDBANKS)})", line=int(row["_line"]),
                                column=id_col, value=row[id_col], dataset_id=dataset_id)
    df[id_col] = ids
    check_unique(df, [id_col], path, dataset_id=dataset_id)
    label = df[label_col].str.strip().str.split(" - ", n=1).str[-1].str.strip()
    keys = {"geo_code": ids.map(IDBANKS), "label": label, "id_bank": ids}
    out = _rates_long(df, keys, quarters, path, dataset_id)
    out.attrs["layout"] = layout
    return out


# --- zones d'emploi 2020: composition ------------------------------------------------------------

ZE_COMPOSITION_COLUMNS = ["CODGEO", "LIBGEO", "ZE2020", "LIBZE2020", "ZE2020_PARTIE_REG", "DEP"]
ZE_COMPOSITION_SHEET = "Composition_communale"
PARTIE_REG = re.compile(r"^(\d{4})-(\d{2})$")
_ZE_COMPOSITION_EXPECTED = ("the INSEE zip ZE2020_au_01-01-YYYY.zip (an .xlsx member with sheet "
                            "'Composition_communale') or that sheet saved as ';' CSV")


def parse_ze_composition(path: Path, dataset_id: str = ZE_COMPOSITION_ID) -> pd.DataFrame:
    kind = sniff(path, dataset_id)
    if kind == "workbook":
        book, where = open_workbook(path, expected=_ZE_COMPOSITION_EXPECTED,
                                    member=re.compile(r"^ZE2020", re.I), dataset_id=dataset_id)
        _, rows = sheet_rows(book, where, ZE_COMPOSITION_SHEET, expected=_ZE_COMPOSITION_EXPECTED,
                             dataset_id=dataset_id)
        where = f"{where} (sheet {ZE_COMPOSITION_SHEET!r})"
        df = sheet_table(rows, where, "CODGEO", required=[*ZE_COMPOSITION_COLUMNS, "REG"],
                         keep=("REG", {REGION}), dataset_id=dataset_id)
        if df.empty:
            raise SourceFormatError(where, f"no commune of region {REGION} (column REG)",
                                    dataset_id=dataset_id)
        layout = "official"
    elif kind == "text":
        df = read_delimited(path, sep=";", required=ZE_COMPOSITION_COLUMNS, dataset_id=dataset_id)
        where, layout = path, "mirror"
    else:
        raise unexpected(path, kind, _ZE_COMPOSITION_EXPECTED, dataset_id)
    for col in ZE_COMPOSITION_COLUMNS:
        df[col] = df[col].str.strip()
    check_codes(df, "CODGEO", where, dataset_id=dataset_id)
    check_codes(df, "ZE2020", where, pattern=ZE_CODE, dataset_id=dataset_id, what="zone d'emploi code")
    check_unique(df, ["CODGEO"], where, dataset_id=dataset_id)
    zer = []
    for code, part, line in zip(df["ZE2020"], df["ZE2020_PARTIE_REG"], df["_line"]):
        if not part:
            zer.append("")
            continue
        m = PARTIE_REG.match(part)
        if not m or m.group(1) != code:
            raise SourceFormatError(where, "regional part does not match the zone (expected ZZZZ-RR)",
                                    line=int(line), column="ZE2020_PARTIE_REG", value=part,
                                    dataset_id=dataset_id)
        zer.append(m.group(2) + code[2:])
    out = pd.DataFrame(
        {
            "commune_code": df["CODGEO"].to_numpy(),
            "commune_name": df["LIBGEO"].to_numpy(),
            "ze_code": df["ZE2020"].to_numpy(),
            "ze_label": df["LIBZE2020"].to_numpy(),
            "ze_partie_reg": df["ZE2020_PARTIE_REG"].to_numpy(),
            "zer_code": zer,
            "departement": df["DEP"].to_numpy(),
        }
    )
    out.attrs["layout"] = layout
    return out
