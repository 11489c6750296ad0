"""France Travail / DARES: job seekers by commune (``parse_defm_communes``), from the DARES export
``dares_defm_communales-brutes`` or the mirror's extract.

Split from :mod:`sources.france_travail`, which declares the datasets, documents this parser's two
layouts (recognised from the header), its filters and its errors, and re-exports the public names
below. This module holds the whole commune parser: the official export's columns and labels, the
layout detection, the streamed reading that keeps the rows of the départements asked (categories
ABC, sexe and age Total, the pseudo-communes ``Total`` dropped), the drop of the Paris, Lyon and
Marseille arrondissements, and the checks. It imports nothing from :mod:`sources.france_travail`.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import SourceFormatError
from .tabular import check_codes, check_unique, header_key, refuse_not_csv, to_number

DEFM_COMMUNES_ID = "dares_defm_communes"

# ---------------------------------------------------------------------------------------------
# Job seekers by commune (DARES)

DEFM_COLUMNS = ["code_commune", "date", "nombre_de_demandeurs_d_emploi"]
REGION_DEPARTEMENTS = ("44", "49", "53", "72", "85")
_FILTERS = {"categorie": "ABC", "sexe": "Total", "tranche_d_age": "Total"}
_QUARTER = re.compile(r"^(\d{4})-T([1-4])$")
# the official export's 12 columns: field name → label (export with ``use_labels=true``)
DEFM_OFFICIAL_COLUMNS = {
    "date": "Date",
    "code_region": "Code région",
    "region": "Région",
    "code_departement": "Code département",
    "departement": "Département",
    "code_commune": "Code commune",
    "commune": "Commune",
    "type_de_donnees": "Type de données",
    "categorie": "Catégorie",
    "sexe": "Sexe",
    "tranche_d_age": "Tranche d'âge",
    "nombre_de_demandeurs_d_emploi": "Nombre de demandeurs d'emploi",
}
# columns only the official layout has: one of them in the header means the official layout
_OFFICIAL_ONLY = {"code_region", "region", "departement", "commune", "type_de_donnees"}
_OFFICIAL_NEEDED = ["date", "code_departement", "code_commune", "categorie", "sexe", "tranche_d_age",
                    "nombre_de_demandeurs_d_emploi"]
# code columns that all hold the text "Total" in the aggregate pseudo-commune rows
_GEO_CODES = ("code_region", "region", "code_departement", "departement", "code_commune")
# whole commune → pattern of its arrondissements (both are in the official export)
_PLM = {"75056": re.compile(r"^751(?:0[1-9]|1\d|20)$"), "69123": re.compile(r"^6938[1-9]$"),
        "13055": re.compile(r"^132(?:0[1-9]|1[0-6])$")}


_DEFM_LABELS = {header_key(label): field for field, label in DEFM_OFFICIAL_COLUMNS.items()}


def _departement_of(code: str) -> str:
    return code[:3] if code[:2] in ("97", "98") else code[:2]


def parse_defm_communes(path: Path, dataset_id: str = DEFM_COMMUNES_ID,
                        departements=REGION_DEPARTEMENTS) -> pd.DataFrame:
    """Job seekers A+B+C by commune, Q4, from the mirror or the official export (module docstring).

    ``departements``: codes of the départements kept (text, e.g. ``"44"``); ``None`` keeps them all.
    """
    refuse_not_csv(path, dataset_id)
    keep_deps = None if departements is None else frozenset(departements)
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=";")
        try:
            header = next(reader)
            layout, col = _defm_layout(path, header, dataset_id)
            kept = _defm_rows(path, reader, len(header), col, keep_deps, dataset_id)
        except UnicodeDecodeError as exc:
            raise SourceFormatError(path, f"not valid UTF-8 text ({exc.reason})", line=reader.line_num + 1,
                                    dataset_id=dataset_id) from None
    names = {field: header[i] for field, i in col.items()}  # the file's own column names
    c_code, c_date, c_count = names["code_commune"], names["date"], names["nombre_de_demandeurs_d_emploi"]
    df = pd.DataFrame(kept, columns=["_line", c_code, c_date, c_count, "_type"]).astype(
        {c_code: "string", c_date: "string", c_count: "string", "_type": "string"})
    df = _drop_arrondissements(df, c_code)
    if "type_de_donnees" in col and df["_type"].nunique() > 1:
        values = ", ".join(sorted(df["_type"].unique()))
        raise SourceFormatError(path, f"several type_de_donnees ({values}): choose one before parsing",
                                column=names["type_de_donnees"], dataset_id=dataset_id)
    dates = df[c_date]
    bad = ~dates.str.fullmatch(_QUARTER.pattern)
    if bad.any():
        row = df[bad].iloc[0]
        raise SourceFormatError(path, "date is not YYYY-Tq (e.g. 2024-T4)", line=int(row["_line"]),
                                column=c_date, value=row[c_date], dataset_id=dataset_id)
    df = df[dates.str.endswith("-T4")].copy()
    if df.empty:
        where = "" if keep_deps is None else f" in départements {', '.join(sorted(keep_deps))}"
        raise SourceFormatError(path, f"no row for categories ABC, all sexes, all ages, 4th quarter{where}",
                                dataset_id=dataset_id)
    df["year"] = df[c_date].str[:4].astype(int)
    check_codes(df, c_code, path, dataset_id=dataset_id)
    check_unique(df, [c_code, "year"], path, dataset_id=dataset_id)
    values = to_number(df, c_count, path, missing=("",), dataset_id=dataset_id, integer=True)
    neg = values < 0
    if neg.any():
        row = df[neg].iloc[0]
        raise SourceFormatError(path, "negative count", line=int(row["_line"]), column=c_count,
                                value=row[c_count], dataset_id=dataset_id)
    out = pd.DataFrame(
        {
            "commune_code": df[c_code].to_numpy(dtype=object),
            "year": df["year"].to_numpy(),
            "value": values.to_numpy(),
            "status": np.where(values.isna(), "missing", "ok").astype(object),
        }
    ).reset_index(drop=True)
    out.attrs["layout"] = layout
    return out


def _defm_layout(path: Path, header: list[str], dataset_id: str | None) -> tuple[str, dict[str, int]]:
    """("official" or "mirror", position of each known column) from the header line."""
    fields = [_DEFM_LABELS.get(header_key(h), header_key(h)) for h in header]
    col: dict[str, int] = {}
    for i, field in enumerate(fields):
        col.setdefault(field, i)
    official = bool(_OFFICIAL_ONLY & set(col))
    needed = _OFFICIAL_NEEDED if official else DEFM_COLUMNS
    missing = [c for c in needed if c not in col]
    if missing:
        what = (f"missing column {missing[0]} (label {DEFM_OFFICIAL_COLUMNS[missing[0]]!r}) of the official "
                "DARES export" if official else
                f"missing column(s) {', '.join(missing)} of the mirror's layout (and none of the official "
                "export's own columns code_region, region, departement, commune, type_de_donnees)")
        hint = " (is the separator ';'? the header line has none)" if len(header) == 1 else ""
        raise SourceFormatError(path, f"{what}{hint}; header has: {', '.join(header[:12])}", line=1,
                                column=missing[0], dataset_id=dataset_id)
    return ("official" if official else "mirror"), col


def _defm_rows(path, reader, n: int, col: dict[str, int], keep_deps, dataset_id):
    """The rows kept while reading, as (line, commune code, date, count, type_de_donnees)."""
    i_code, i_date, i_count = col["code_commune"], col["date"], col["nombre_de_demandeurs_d_emploi"]
    i_dep = col.get("code_departement")
    i_type = col.get("type_de_donnees")
    filters = [(col[c], v) for c, v in _FILTERS.items() if c in col]
    geo = [col[c] for c in _GEO_CODES if c in col]
    by_dep = keep_deps is not None and i_dep is not None
    kept = []
    for row in reader:
        if len(row) != n:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            raise SourceFormatError(path, f"expected {n} fields, found {len(row)}", line=reader.line_num,
                                    dataset_id=dataset_id)
        if by_dep and row[i_dep].strip() not in keep_deps:
            continue  # first, as it rejects most lines of the national file
        if any(row[i].strip() != v for i, v in filters):
            continue
        code = row[i_code].strip()
        if code == "Total" and all(row[i].strip() == "Total" for i in geo):
            continue  # aggregate pseudo-commune (France métropolitaine, non localisés…)
        if keep_deps is not None and i_dep is None and _departement_of(code) not in keep_deps:
            continue
        kept.append((reader.line_num, code, row[i_date].strip(), row[i_count].strip(),
                     row[i_type].strip() if i_type is not None else ""))
    return kept


def _drop_arrondissements(df: pd.DataFrame, c_code: str) -> pd.DataFrame:
    """Drop the arrondissements of Paris, Lyon and Marseille whose whole commune is in the table."""
    codes = set(df[c_code])
    drop = pd.Series(False, index=df.index)
    for whole, pattern in _PLM.items():
        if whole in codes:
            drop |= df[c_code].str.fullmatch(pattern.pattern)
    return df[~drop]
