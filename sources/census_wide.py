"""INSEE census: a wide file's cells (one row per commune, one column per variable) as numbers and
statuses, its long output, and the helpers of the parsers' checks.

Split from :mod:`sources.census`, which reads the files (dossier complet, comparateurs), applies the
checks of each dataset with these helpers and re-exports the public names (the separator, the cell
markers and the status values). The status rules are described in that module's docstring: a cell
is a number, ``s`` (secret), or empty / ``nd`` (missing); anything else is an error naming the file,
line, column and value. This module imports nothing from :mod:`sources.census`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .census_variables import DECIMAL_COMMA
from .errors import SourceFormatError
from .tabular import check_codes, check_unique, to_number

SEP = ";"
SECRET_MARKERS = ("s",)
MISSING_MARKERS = ("", "nd")
STATUS_OK, STATUS_SECRET, STATUS_MISSING = "ok", "secret", "missing"

# Small slack for "a <= b" comparisons of weighted values (floating-point noise only).
_EPS = 1e-6


class _Wide:
    """A wide file once read: text cells, numbers and statuses, one row per commune."""

    layout = "official"

    def __init__(self, text: pd.DataFrame, values: pd.DataFrame, status: pd.DataFrame):
        self.text = text  # strings, incl. CODGEO and _line
        self.values = values  # float64, one column per variable
        self.status = status  # "ok" / "secret" / "missing"

    def keep(self, mask: pd.Series) -> "_Wide":
        kept = _Wide(self.text[mask], self.values[mask], self.status[mask])
        kept.layout = self.layout
        return kept


def _wide_from_text(df: pd.DataFrame, path, variables: list[str], dataset_id: str) -> _Wide:
    """Text cells (``CODGEO``, the variables, ``_line``) → numbers and statuses, checked."""
    df["CODGEO"] = df["CODGEO"].str.strip()
    check_codes(df, "CODGEO", path, dataset_id=dataset_id)
    check_unique(df, ["CODGEO"], path, dataset_id=dataset_id)
    values, status = {}, {}
    markers = SECRET_MARKERS + MISSING_MARKERS
    for var in variables:
        values[var] = to_number(
            df, var, path, missing=markers, decimal="," if var in DECIMAL_COMMA else ".",
            dataset_id=dataset_id,
        )
        # to_number accepted only numbers and markers: a NaN is a marker, ``s`` or a missing one.
        st = np.full(len(df), STATUS_OK, dtype=object)
        blank = values[var].isna().to_numpy()
        if blank.any():
            secret = df.loc[blank, var].fillna("").str.strip().isin(SECRET_MARKERS).to_numpy()
            st[blank] = np.where(secret, STATUS_SECRET, STATUS_MISSING)
        status[var] = pd.Series(st, index=df.index)
    return _Wide(df, pd.DataFrame(values, index=df.index), pd.DataFrame(status, index=df.index))


def _to_long(wide: _Wide, variables: list[str]) -> pd.DataFrame:
    n, k = len(wide.text), len(variables)
    codes = wide.text["CODGEO"].astype(str).to_numpy()
    out = pd.DataFrame(
        {
            "commune_code": pd.array(np.repeat(codes, k), dtype="string"),
            "variable": np.tile(np.array(variables, dtype=object), n),
            "value": wide.values[variables].to_numpy(dtype="float64").ravel(),
            "status": wide.status[variables].to_numpy(dtype=object).ravel(),
        }
    )
    return out


def _fail(path, dataset_id: str, wide: _Wide, mask: pd.Series, column: str, reason: str):
    """Raise for the first row of ``mask``: line, column, value, and the commune in the reason."""
    idx = mask[mask].index[0]
    row = wide.text.loc[idx]
    code = row["CODGEO"]
    detail = reason.format(**{k: _fmt(wide.values.loc[idx, k]) for k in wide.values.columns})
    raise SourceFormatError(
        path, f"commune {code}: {detail}", line=int(row["_line"]), column=column,
        value=row[column], dataset_id=dataset_id,
    )


def _fmt(x: float) -> str:
    return "NaN" if pd.isna(x) else f"{x:.6g}"


def _check_non_negative(path, dataset_id: str, wide: _Wide, variables: list[str]) -> None:
    for var in variables:
        neg = wide.values[var] < 0
        if neg.any():
            _fail(path, dataset_id, wide, neg, var, "negative value")


def _le(a: pd.Series, b: pd.Series) -> pd.Series:
    """True where ``a > b`` (both known): a violation of ``a <= b``."""
    return (a - b > _EPS) & a.notna() & b.notna()
