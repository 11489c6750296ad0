"""InserJeunes: the rate columns shared by the three parsers (lycées, CFA, region).

Split from :mod:`sources.inserjeunes`, which declares the datasets, documents the tables and their
validation, and re-exports :data:`MISSING` and :data:`SIGNED`. Each rate cell is a number, empty or
``nd`` (:data:`MISSING`: status ``nd``); a rate above 100, or below 0 (below −100 for the value-added
columns of :data:`SIGNED`), is an error naming the file, line, column and value; a rate the file
does not have is NaN with status ``absent``. Imports nothing from :mod:`sources.inserjeunes`.
"""

from __future__ import annotations

import pandas as pd

from .errors import SourceFormatError
from .tabular import to_number

MISSING = ("", "nd")
SIGNED = {"valeur_ajoutee", "va_emploi_6m"}  # points: −100…100


# ---------------------------------------------------------------------------------------- shared

def _fail_where(raw: pd.DataFrame, mask: pd.Series, column: str, reason: str, path, dataset_id) -> None:
    mask = mask.fillna(False)
    if mask.any():
        row = raw[mask].iloc[0]
        raise SourceFormatError(path, reason, line=int(row["_line"]), column=column, value=row[column],
                                dataset_id=dataset_id)


def _add_rates(out: pd.DataFrame, raw: pd.DataFrame, rates: list[str], file_names: dict[str, str],
               path, dataset_id: str) -> None:
    """Add each rate (float) and its status to ``out``; ``raw`` holds the text cells under the output
    names (a rate missing from ``raw`` is ``absent``)."""
    for rate in rates:
        if rate not in raw.columns:
            out[rate] = float("nan")
            out[f"{rate}_status"] = "absent"
            continue
        src = pd.DataFrame({file_names[rate]: raw[rate], "_line": raw["_line"]})
        values = to_number(src, file_names[rate], path, missing=MISSING, dataset_id=dataset_id)
        low, high = (-100, 100) if rate in SIGNED else (0, 100)
        _fail_where(src, values > high, file_names[rate], f"rate above {high}", path, dataset_id)
        _fail_where(src, values < low, file_names[rate], f"rate below {low}", path, dataset_id)
        out[rate] = values.to_numpy()
        out[f"{rate}_status"] = values.notna().map({True: "ok", False: "nd"}).to_numpy()


def _order(out: pd.DataFrame, rates: list[str]) -> pd.DataFrame:
    first = [c for c in ("uai", "name", "cohort", "population") if c in out.columns]
    return out[first + rates + [f"{r}_status" for r in rates] + ["_line"]].reset_index(drop=True)
