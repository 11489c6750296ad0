"""INSEE historical municipal populations (populations historiques), 2026 geography.

The mirror holds one row per commune (``CODGEO;PMUN2010;PMUN2015;PMUN2020;PMUN2021;PMUN2022``),
reshaped from the Melodi dataset ``DS_POPULATIONS_HISTORIQUES``. The official download is the long
Melodi CSV; :func:`parse` reads both layouts: any ``PMUNyyyy`` column in the wide one, and rows with
``GEO_OBJECT = COM`` and a ``PMUN`` measure in the long one (column names as announced by INSEE for
Melodi files: ``GEO``, ``GEO_OBJECT``, ``TIME_PERIOD``, ``OBS_VALUE``; to be checked online).

``parse(path)`` → long table ``commune_code, year, population`` (population municipale, integer
counts stored as float; no missing value is expected: a blank cell is an error).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import check_codes, check_unique, read_delimited, read_text, to_number

DATASET_ID = "insee_pop_historiques"

DATASETS: list[Dataset] = [
    Dataset(
        id=DATASET_ID,
        table="population_historique",
        parser="populations:parse",
        description='INSEE municipal populations 2010, 2015, 2020-2022 by commune, 2026 geography.',
        family="recensement",
        title="Séries historiques des populations municipales 2010-2022 (géographie 2026)",
        publisher="INSEE",
        url="https://api.insee.fr/melodi/file/DS_POPULATIONS_HISTORIQUES/DS_POPULATIONS_HISTORIQUES_CSV_FR",
        page="https://www.insee.fr/fr/statistiques/3698339",
        licence=LO2,
        vintage="RP 2010, 2015, 2020, 2021, 2022 ; géographie 2026",
        mirror_path="insee_rp/populations_historiques_pmun_2010_2022_geo2026_r52.csv",
        layout="derived",
        official_layout=False,
        official_reason="only the mirror's derived layout is parsed so far",
        note=(
            "Mirror: one row per commune (CODGEO; PMUN2010..PMUN2022), reshaped from the Melodi "
            "dataset DS_POPULATIONS_HISTORIQUES (rows GEO_OBJECT=COM, measure PMUN). The official "
            "URL serves the long Melodi CSV (zipped)."
        ),
    ),
]
YEAR_COLUMN = re.compile(r"^PMUN(\d{4})$")


def parse(path: Path) -> pd.DataFrame:
    head = read_text(path, dataset_id=DATASET_ID).split("\n", 1)[0]
    if "OBS_VALUE" in head:
        return _parse_long(path, sep=";" if head.count(";") >= head.count(",") else ",")
    return _parse_wide(path)


def _parse_wide(path: Path) -> pd.DataFrame:
    df = read_delimited(path, sep=";", required=["CODGEO"], dataset_id=DATASET_ID)
    years = [c for c in df.columns if YEAR_COLUMN.match(c)]
    if not years:
        raise SourceFormatError(path, "no PMUNyyyy column in the header", line=1, dataset_id=DATASET_ID)
    check_codes(df, "CODGEO", path, dataset_id=DATASET_ID)
    check_unique(df, ["CODGEO"], path, dataset_id=DATASET_ID)
    frames = []
    for col in years:
        values = to_number(df, col, path, missing=(), dataset_id=DATASET_ID, integer=True)
        frames.append(
            pd.DataFrame(
                {"commune_code": df["CODGEO"], "year": int(YEAR_COLUMN.match(col).group(1)),
                 "population": values}
            )
        )
    out = pd.concat(frames, ignore_index=True)
    validate(out, path)
    return out


def _parse_long(path: Path, sep: str) -> pd.DataFrame:
    df = read_delimited(path, sep=sep, required=["GEO", "GEO_OBJECT", "TIME_PERIOD", "OBS_VALUE"],
                        dataset_id=DATASET_ID)
    df = df[df["GEO_OBJECT"] == "COM"]
    measure_cols = [c for c in df.columns if "MEASURE" in c.upper()]
    if measure_cols:
        df = df[df[measure_cols[0]] == "PMUN"]
    check_codes(df, "GEO", path, dataset_id=DATASET_ID)
    out = pd.DataFrame(
        {
            "commune_code": df["GEO"],
            "year": pd.to_numeric(df["TIME_PERIOD"], errors="raise").astype(int),
            "population": to_number(df, "OBS_VALUE", path, missing=(), dataset_id=DATASET_ID),
        }
    )
    out = out.reset_index(drop=True)
    validate(out, path)
    return out


def validate(df: pd.DataFrame, path) -> None:
    if df.empty:
        raise SourceFormatError(path, "no commune population found", dataset_id=DATASET_ID)
    if (df["population"] < 0).any():
        bad = df[df["population"] < 0].iloc[0]
        raise SourceFormatError(path, "negative population", value=f"{bad.commune_code} {bad.year}",
                                dataset_id=DATASET_ID)
    dup = df.duplicated(["commune_code", "year"])
    if dup.any():
        bad = df[dup].iloc[0]
        raise SourceFormatError(path, "commune-year listed twice",
                                value=f"{bad.commune_code} {bad.year}", dataset_id=DATASET_ID)
