"""INSEE localised unemployment rates (taux de chômage localisés) and the zones d'emploi 2020.

Rates are quarterly averages in %, seasonally adjusted (CVS), as published (one decimal).

``parse_ze_rates(path)`` reads both sheets of the zone d'emploi workbook, saved as ``;`` CSV: the
whole zones (``txcho_ze``: ``ZE2020, LIBZE2020, REG, LIBREG, 2003-T1 …``) and the regional parts of
interregional zones (``txcho_parties reg``: ``ZER2020, LIBZER2020, 2003-T1 …``). Long output:

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

``parse_bdm_rates(path)`` reads the BDM sheet ``valeurs_trimestrielles`` (``Libellé, idBank,
Dernière mise à jour, Période, 2000-T1 …``) → ``geo_code, label, id_bank, quarter, rate``, with
``geo_code`` from the idBank (:data:`IDBANKS`): ``FM`` France métropolitaine, ``52`` Pays de la
Loire, ``44`` … ``85`` départements. ``label`` is the part of ``Libellé`` after `` - ``. An idBank
that lost its leading zeros (``1515854``) is padded back to 9 characters; an unknown idBank is an
error.

A blank or non-numeric rate is an error in both parsers (none in the mirror); a rate outside
0-100 too. Decimal points and decimal commas are both read.

``parse_ze_composition(path)`` → commune → zone d'emploi 2020 (COG of 1 January 2023):

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
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .bmo import refuse_workbook
from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import check_codes, check_unique, read_delimited, read_text

ZE_ID = "insee_chomage_ze"
ZE_PARTS_ID = "insee_chomage_ze_parties"
BDM_ID = "insee_chomage_dep_reg"
ZE_COMPOSITION_ID = "insee_ze2020_communes"

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
        official_layout=False,
        official_reason="only the mirror's derived layout is parsed so far",
        note=(
            "The official URL serves an Excel workbook, which the parser does not read; the mirror is "
            "its sheet txcho_ze (header on row 6, columns and values unchanged) saved as ';' CSV, cut to the 21 zones of region 52 and the 2 interregional zones "
            "with communes in it (0051 Alençon, 0062 Redon). Newer editions follow the file name "
            "pattern chomage-zone-t1-2003-tQ-YYYY.xlsx (find the latest on the page)."
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
        official_layout=False,
        official_reason="only the mirror's derived layout is parsed so far",
        note=(
            "Same workbook as insee_chomage_ze (not read by the parser): sheet 'txcho_parties reg' "
            "saved as ';' CSV, cut to the Pays de la Loire parts (5251 Alençon, 5262 Redon)."
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
        url="https://bdm.insee.fr/series/sdmx/data/SERIES_BDM/" + "+".join(IDBANKS),
        page="https://www.insee.fr/fr/statistiques/serie/001515854",
        licence=LO2,
        vintage="2000-T1 à 2024-T4 (extraction du 21/03/2025)",
        mirror_path="insee/insee_bdm_taux_chomage_localise_region_dep_2000T1_2024T4_pdl.csv",
        layout="derived",
        official_layout=False,
        official_reason="only the mirror's derived layout is parsed so far",
        note=(
            "Mirror: sheet valeurs_trimestrielles of the BDM family download 'TAUX-CHOMAGE' (xlsx), "
            "7 series kept, saved as ';' CSV. The official URL (SDMX API, pattern to verify) serves "
            "the same series as SDMX XML: one row per idBank and quarter must be rebuilt from it."
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
        official_layout=False,
        official_reason="only the mirror's derived layout is parsed so far",
        note=(
            "The official URL serves a zip of an Excel workbook, which the parser does not read; the "
            "mirror is its sheet Composition_communale (header on row 6, columns unchanged) saved as "
            "';' CSV, rows REG == 52. The file URL follows the page's naming "
            "(ZE2020_au_01-01-YYYY.zip); check it on the page."
        ),
    ),
]

QUARTER = re.compile(r"^\d{4}-T[1-4]$")
ZE_CODE = re.compile(r"^\d{4}$")


def _rates_long(df: pd.DataFrame, keys: dict[str, pd.Series], path: Path, dataset_id: str) -> pd.DataFrame:
    quarters = [c for c in df.columns if QUARTER.match(c)]
    if not quarters:
        raise SourceFormatError(path, "no quarter column (YYYY-Tq) in the header", line=1,
                                dataset_id=dataset_id)
    wide = pd.DataFrame({**keys, "_line": df["_line"]})
    wide[quarters] = df[quarters]
    long = wide.melt(id_vars=[*keys, "_line"], value_vars=quarters, var_name="quarter", value_name="_raw")
    text = long["_raw"].fillna("").str.strip().str.replace(",", ".", regex=False)
    rate = pd.to_numeric(text.where(text != ""), errors="coerce").astype("float64")
    for bad, reason in ((rate.isna(), "not a number"), ((rate < 0) | (rate > 100), "rate outside 0-100 %")):
        if bad.any():
            row = long[bad].sort_values("_line", kind="stable").iloc[0]
            raise SourceFormatError(path, reason, line=int(row["_line"]), column=row["quarter"],
                                    value=row["_raw"], dataset_id=dataset_id)
    long["rate"] = rate
    return long.drop(columns=["_line", "_raw"])


def parse_ze_rates(path: Path, dataset_id: str | None = None) -> pd.DataFrame:
    refuse_workbook(path, dataset_id, "txcho_ze / txcho_parties reg")
    header = read_text(path, dataset_id=dataset_id).split("\n", 1)[0]
    parts = "ZER2020" in [h.strip() for h in header.split(";")]
    if parts:
        dataset_id = dataset_id or ZE_PARTS_ID
        df = read_delimited(path, sep=";", required=["ZER2020", "LIBZER2020"], dataset_id=dataset_id)
        code_col, label_col = "ZER2020", "LIBZER2020"
    else:
        dataset_id = dataset_id or ZE_ID
        df = read_delimited(path, sep=";", required=["ZE2020", "LIBZE2020", "REG"], dataset_id=dataset_id)
        code_col, label_col = "ZE2020", "LIBZE2020"
    df[code_col] = df[code_col].str.strip()
    check_codes(df, code_col, path, pattern=ZE_CODE, dataset_id=dataset_id, what="zone d'emploi code")
    check_unique(df, [code_col], path, dataset_id=dataset_id)
    region = df[code_col].str[:2] if parts else df["REG"].str.strip()
    keys = {
        "ze_code": df[code_col],
        "ze_label": df[label_col].str.strip(),
        "kind": pd.Series("ze_partie_reg" if parts else "ze", index=df.index),
        "region": region,
    }
    return _rates_long(df, keys, path, dataset_id)


def parse_bdm_rates(path: Path, dataset_id: str = BDM_ID) -> pd.DataFrame:
    refuse_workbook(path, dataset_id, "valeurs_trimestrielles")
    df = read_delimited(path, sep=";", required=["Libellé", "idBank"], dataset_id=dataset_id)
    ids = df["idBank"].str.strip()
    ids = ids.where(~ids.str.fullmatch(r"\d{1,9}"), ids.str.zfill(9))
    unknown = ~ids.isin(list(IDBANKS))
    if unknown.any():
        row = df[unknown].iloc[0]
        raise SourceFormatError(path, f"unknown idBank (known: {', '.join(IDBANKS)})", line=int(row["_line"]),
                                column="idBank", value=row["idBank"], dataset_id=dataset_id)
    df["idBank"] = ids
    check_unique(df, ["idBank"], path, dataset_id=dataset_id)
    label = df["Libellé"].str.strip().str.split(" - ", n=1).str[-1].str.strip()
    keys = {"geo_code": ids.map(IDBANKS), "label": label, "id_bank": ids}
    return _rates_long(df, keys, path, dataset_id)


ZE_COMPOSITION_COLUMNS = ["CODGEO", "LIBGEO", "ZE2020", "LIBZE2020", "ZE2020_PARTIE_REG", "DEP"]
PARTIE_REG = re.compile(r"^(\d{4})-(\d{2})$")


def parse_ze_composition(path: Path, dataset_id: str = ZE_COMPOSITION_ID) -> pd.DataFrame:
    refuse_workbook(path, dataset_id, "Composition_communale")
    df = read_delimited(path, sep=";", required=ZE_COMPOSITION_COLUMNS, dataset_id=dataset_id)
    for col in ZE_COMPOSITION_COLUMNS:
        df[col] = df[col].str.strip()
    check_codes(df, "CODGEO", path, dataset_id=dataset_id)
    check_codes(df, "ZE2020", path, pattern=ZE_CODE, dataset_id=dataset_id, what="zone d'emploi code")
    check_unique(df, ["CODGEO"], path, dataset_id=dataset_id)
    zer = []
    for code, part, line in zip(df["ZE2020"], df["ZE2020_PARTIE_REG"], df["_line"]):
        if not part:
            zer.append("")
            continue
        m = PARTIE_REG.match(part)
        if not m or m.group(1) != code:
            raise SourceFormatError(path, "regional part does not match the zone (expected ZZZZ-RR)",
                                    line=int(line), column="ZE2020_PARTIE_REG", value=part,
                                    dataset_id=dataset_id)
        zer.append(m.group(2) + code[2:])
    return pd.DataFrame(
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
