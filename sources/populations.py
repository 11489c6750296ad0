"""INSEE historical municipal populations (populations historiques), 2026 geography.

Two layouts, recognised from the file itself (``df.attrs["layout"]``):

* ``"mirror"``: one row per commune, ``CODGEO;PMUN2010;PMUN2015;PMUN2020;PMUN2021;PMUN2022`` (the
  mirror's reshaping of the Melodi dataset; column names are the mirror's own).
* ``"official"``: the Melodi file ``DS_POPULATIONS_HISTORIQUES`` served by the dataset's URL, a
  ZIP holding ``DS_POPULATIONS_HISTORIQUES_data.csv`` (the data) and
  ``DS_POPULATIONS_HISTORIQUES_metadata.csv`` (labels, ``COD_VAR;LIB_VAR;COD_MOD;LIB_MOD``…); the
  data member is picked by its ``_data.csv`` suffix. A bare data CSV is read too.

What was confirmed about the official layout, and where (public code reading the real file):

* the URL serves a ZIP with a ``*_data.csv`` and a ``*_metadata.csv`` member: INSEE's own R
  client, GitHub ``InseeFrLab/melodi``, ``R/get_all_data.R`` (commit 113fb5c1: picks the members by
  ``_data.csv`` / ``_metadata.csv``); the member name ``DS_POPULATIONS_HISTORIQUES_data.csv`` is
  read by name in several independent projects;
* long layout, ``;`` separator, UTF-8, fields quoted with ``"``, columns
  ``FREQ;GEO;GEO_OBJECT;POPREF_MEASURE;TIME_PERIOD;OBS_VALUE``; commune rows have
  ``GEO_OBJECT = COM`` and ``GEO`` = the plain 5-character commune code; the municipal population
  is ``POPREF_MEASURE = PMUN``: GitHub ``crocdeine/ministere-de-l-info``,
  ``src/ministere_de_l_info/data_sources/insee_populations.py`` (commit 3fc83898: ``separator=";"``,
  ``quote_char='"'``, filter ``GEO_OBJECT == "COM"`` and ``POPREF_MEASURE == "PMUN"``, member
  ``*_data.csv``; commune codes 5 characters, Paris/Lyon/Marseille as whole communes), and GitHub
  ``10ch81/territoire-portrait``, ``scripts/ingest-population.ts`` (commit 3b60ce7b: the script
  the mirror's values come from; reads fields 2-6 as GEO, GEO_OBJECT, measure, TIME_PERIOD,
  OBS_VALUE after FREQ, keeps COM and PMUN);
* ``OBS_VALUE`` of PMUN is a whole number (cast to integer by those readers).

Not confirmed: line endings and BOM (both accepted). Column order is not relied on: columns are
taken by name (``FREQ`` is not needed).

Reading the official file: the data member is streamed, rows of the region only (``GEO``
starting with 44, 49, 53, 72 or 85), then ``GEO_OBJECT = COM`` and ``POPREF_MEASURE = PMUN``.
The Melodi file holds every year since 1968 (communes: from 2006); only :data:`YEARS`, the
dataset's vintage, are kept, in both layouts, so both yield the same table (the legal population
2023 comes from COG 2026 in this project). In the ZIP, a year of :data:`YEARS` without a commune
row is an error naming the file and the year expected; a bare data CSV is taken as an extract and
keeps the years it has. Other years are listed in ``df.attrs["ignored_years"]``.

``parse(path)`` → long table ``commune_code, year, population`` (population municipale, integer
counts stored as float; no missing value is expected: a blank cell is an error), ordered by year
then commune code.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

from .archive import member_label, read_streamed, sniff, zip_errors, zip_member
from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import check_codes, check_unique, read_delimited, to_number

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
        official_layout=True,
        note=(
            "Mirror: one row per commune (CODGEO; PMUN2010..PMUN2022), reshaped from the Melodi "
            "dataset DS_POPULATIONS_HISTORIQUES (rows GEO_OBJECT=COM, measure PMUN). The official "
            "URL serves a zip holding the long Melodi CSV (DS_POPULATIONS_HISTORIQUES_data.csv: "
            "FREQ;GEO;GEO_OBJECT;POPREF_MEASURE;TIME_PERIOD;OBS_VALUE) and its metadata: the parser "
            "reads it too, keeping the region's communes, measure PMUN and the years above."
        ),
    ),
]
YEAR_COLUMN = re.compile(r"^PMUN(\d{4})$")
#: the census years of the dataset's vintage, kept from either layout.
YEARS = (2010, 2015, 2020, 2021, 2022)
LONG_COLUMNS = ["GEO", "GEO_OBJECT", "POPREF_MEASURE", "TIME_PERIOD", "OBS_VALUE"]
COMMUNE_LEVEL, MEASURE = "COM", "PMUN"


def parse(path: Path) -> pd.DataFrame:
    path = Path(path)
    if sniff(path, dataset_id=DATASET_ID) == "zip":
        with zipfile.ZipFile(path) as zf:
            member = zip_member(path, zf, lambda n: n.endswith("_data.csv"),
                                "*_data.csv (the Melodi data file)", dataset_id=DATASET_ID)
            where = member_label(path, member)
            with zip_errors(where, dataset_id=DATASET_ID):
                with zf.open(member) as raw:
                    head = raw.readline().decode("utf-8-sig", errors="replace")
                with zf.open(member) as raw:
                    out = _parse_long(raw, where, _separator(head), complete=True)
    else:
        with open(path, "rb") as raw:
            head = raw.readline().decode("utf-8-sig", errors="replace")
        if "OBS_VALUE" in head:
            with open(path, "rb") as raw:
                out = _parse_long(raw, str(path), _separator(head), complete=False)
        else:
            out = _parse_wide(path)
    return out


def _separator(header: str) -> str:
    return ";" if header.count(";") >= header.count(",") else ","


def _parse_wide(path: Path) -> pd.DataFrame:
    df = read_delimited(path, sep=";", required=["CODGEO"], dataset_id=DATASET_ID)
    found = [c for c in df.columns if YEAR_COLUMN.match(c)]
    years = [c for c in found if int(YEAR_COLUMN.match(c).group(1)) in YEARS]
    if not years:
        raise SourceFormatError(
            path, f"no PMUNyyyy column for the years {', '.join(map(str, YEARS))} in the header",
            line=1, dataset_id=DATASET_ID)
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
    out = out.sort_values(["year", "commune_code"], kind="mergesort").reset_index(drop=True)
    validate(out, path)
    out.attrs["layout"] = "mirror"
    out.attrs["ignored_years"] = sorted(int(YEAR_COLUMN.match(c).group(1)) for c in found
                                        if c not in years)
    return out


def _parse_long(raw, where: str, sep: str, *, complete: bool) -> pd.DataFrame:
    """The Melodi long CSV (a binary stream), cut to the region while read."""
    df, _ = read_streamed(where, raw, sep=sep, columns=LONG_COLUMNS, region_column="GEO",
                          dataset_id=DATASET_ID)
    for col in LONG_COLUMNS:
        df[col] = df[col].str.strip()
    df = df[(df["GEO_OBJECT"] == COMMUNE_LEVEL) & (df["POPREF_MEASURE"] == MEASURE)]
    if df.empty:
        raise SourceFormatError(
            where, f"no row with GEO_OBJECT = {COMMUNE_LEVEL} and POPREF_MEASURE = {MEASURE} for a "
                   "commune of départements 44, 49, 53, 72, 85", column="GEO", dataset_id=DATASET_ID)
    check_codes(df, "GEO", where, dataset_id=DATASET_ID)
    year = to_number(df, "TIME_PERIOD", where, missing=(), dataset_id=DATASET_ID, integer=True)
    keep = year.isin(YEARS)
    ignored = sorted(int(y) for y in year[~keep].unique())
    if complete:
        absent = [y for y in YEARS if not (year == y).any()]
        if absent:
            raise SourceFormatError(
                where, f"no commune population (PMUN) for year(s) {', '.join(map(str, absent))} "
                       f"(expected every year of {', '.join(map(str, YEARS))})",
                column="TIME_PERIOD", value=str(absent[0]), dataset_id=DATASET_ID)
    df, year = df[keep], year[keep]
    check_unique(df, ["GEO", "TIME_PERIOD"], where, dataset_id=DATASET_ID)
    population = to_number(df, "OBS_VALUE", where, missing=(), dataset_id=DATASET_ID, integer=True)
    out = pd.DataFrame(
        {
            "commune_code": df["GEO"].astype("string"),
            "year": year.astype("int64"),
            "population": population.astype("float64"),
        }
    )
    out = out.sort_values(["year", "commune_code"], kind="mergesort").reset_index(drop=True)
    validate(out, where)
    out.attrs["layout"] = "official"
    out.attrs["ignored_years"] = ignored
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
