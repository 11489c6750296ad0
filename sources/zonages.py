"""INSEE table d'appartenance géographique des communes, geography 2024 (zones d'emploi 2020,
bassins de vie 2022, aires d'attraction 2020, unités urbaines 2020, EPCI, arrondissements, cantons).

The official publication is a zipped xlsx (sheets COM, Zones_supra_communales, …). The mirror holds
``communes_zonages_r52_2024.csv`` (``;``, UTF-8), a convenience join of the sheet COM (rows REG = 52)
with the labels of sheet Zones_supra_communales: a *derived* layout. :func:`parse` reads it, and also
reads a plain CSV export of the sheet COM (``CODGEO;LIBGEO;DEP;…;BV2022``, no labels: label columns
are then empty). An online refresh must export the sheet COM (and join the labels) first: the xlsx
itself is not read here.

``parse(path)`` → one row per commune of geography 2024 (1,232 in the region):

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
================ ===========================================================================

Every value is text, as in the sheet (codes keep their leading zeros).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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
        official_layout=False,
        official_reason="only the mirror's derived layout is parsed so far",
        note=(
            "Mirror: sheet COM of table-appartenance-geo-communes-2024.xlsx, rows REG = 52, joined with "
            "the labels of sheet Zones_supra_communales (LIB_* columns), ';'-separated UTF-8. The "
            "official URL serves the zipped xlsx: an online refresh must export sheet COM (and the "
            "labels) to this layout."
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


def parse(path: Path) -> pd.DataFrame:
    df = read_delimited(path, sep=";", required=list(CODES), dataset_id=DATASET_ID)
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
    return out[COLUMNS + ["_line"]].reset_index(drop=True)
