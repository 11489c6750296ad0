"""Shared helpers for parsing delimited official files with precise error messages.

Every cell is read as text first, so that codes keep their leading zeros and so that a bad cell can
be reported with its file, line (1-based, header = line 1) and column.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import Iterable

import pandas as pd

from .errors import SourceFormatError

COMMUNE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


def read_text(path: Path, *, dataset_id: str | None = None, encodings=("utf-8-sig",)) -> str:
    raw = Path(path).read_bytes()
    if not raw.strip():
        raise SourceFormatError(path, "file is empty", dataset_id=dataset_id)
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError as exc:
            last = exc
    line = raw[: last.start].count(b"\n") + 1
    raise SourceFormatError(
        path, f"not valid {encodings[0]} text ({last.reason})", line=line, dataset_id=dataset_id
    )


def read_delimited(
    path: Path,
    *,
    sep: str,
    required: Iterable[str],
    dataset_id: str | None = None,
    encodings=("utf-8-sig",),
) -> pd.DataFrame:
    """Read a delimited file as text; check required columns and field counts per line.

    Returns a DataFrame of strings (empty cells as ``""``) with an extra ``_line`` column giving the
    physical line number of each row in the file.
    """
    text = read_text(path, dataset_id=dataset_id, encodings=encodings)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        header = next(reader)
    except StopIteration:
        raise SourceFormatError(path, "file is empty", dataset_id=dataset_id) from None
    header = [h.strip() if h.strip() != h and h.strip() in set(required) else h for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        hint = ""
        if len(header) == 1 and sep not in header[0]:
            hint = f" (is the separator {sep!r}? the header line has none)"
        raise SourceFormatError(
            path,
            f"missing column(s) {', '.join(missing)}{hint}; header has: {', '.join(header[:12])}"
            + ("…" if len(header) > 12 else ""),
            line=1,
            dataset_id=dataset_id,
        )
    rows, lines = [], []
    n = len(header)
    for row in reader:
        line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != n:
            raise SourceFormatError(
                path, f"expected {n} fields, found {len(row)}", line=line, dataset_id=dataset_id
            )
        rows.append(row)
        lines.append(line)
    df = pd.DataFrame(rows, columns=header, dtype="string")
    df["_line"] = lines
    return df


def read_json(path: Path, *, dataset_id: str | None = None):
    text = read_text(path, dataset_id=dataset_id)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceFormatError(
            path, f"invalid JSON: {exc.msg}", line=exc.lineno, dataset_id=dataset_id
        ) from None


def check_codes(
    df: pd.DataFrame, column: str, path: Path, *, pattern=COMMUNE_CODE, dataset_id=None, what="commune code"
) -> None:
    bad = ~df[column].fillna("").str.fullmatch(pattern.pattern)
    if bad.any():
        row = df[bad].iloc[0]
        raise SourceFormatError(
            path, f"malformed {what}", line=int(row["_line"]), column=column, value=row[column],
            dataset_id=dataset_id,
        )


def check_unique(df: pd.DataFrame, columns: list[str], path: Path, *, dataset_id=None) -> None:
    dup = df.duplicated(subset=columns, keep="first")
    if dup.any():
        row = df[dup].iloc[0]
        value = "/".join(str(row[c]) for c in columns)
        raise SourceFormatError(
            path, f"duplicate key ({', '.join(columns)})", line=int(row["_line"]),
            column=columns[0] if len(columns) == 1 else None, value=value, dataset_id=dataset_id,
        )


def to_number(
    df: pd.DataFrame,
    column: str,
    path: Path,
    *,
    missing: Iterable[str] = ("",),
    decimal: str = ".",
    dataset_id: str | None = None,
    integer: bool = False,
) -> pd.Series:
    """Convert a text column to float; ``missing`` markers become NaN, anything else non-numeric
    raises :class:`SourceFormatError` naming the line, column and value."""
    s = df[column].fillna("").str.strip()
    is_missing = s.isin(list(missing))
    cleaned = s.where(~is_missing, None)
    if decimal != ".":
        cleaned = cleaned.str.replace(decimal, ".", regex=False)
    values = pd.to_numeric(cleaned, errors="coerce")
    bad = values.isna() & ~is_missing
    if bad.any():
        row = df[bad].iloc[0]
        raise SourceFormatError(
            path, "not a number", line=int(row["_line"]), column=column, value=row[column],
            dataset_id=dataset_id,
        )
    if integer:
        frac = values.dropna() % 1 != 0
        if frac.any():
            idx = frac[frac].index[0]
            raise SourceFormatError(
                path, "expected a whole number", line=int(df.loc[idx, "_line"]), column=column,
                value=df.loc[idx, column], dataset_id=dataset_id,
            )
    return values.astype("float64")


def concat_files(items, parse_one, key_column: str | None = None) -> pd.DataFrame:
    """Parser of a multi-file dataset: ``parse_one(path, key)`` for each ``(key, path)``, the key
    added as ``key_column`` when the parser did not add it, the tables concatenated."""
    frames = []
    for key, path in items:
        df = parse_one(path, key)
        if key_column and key_column not in df.columns:
            df[key_column] = key
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


_HTML_START = (b"<!doctype html", b"<html", b"<head", b"<body")


def refuse_html_page(path: Path, *, dataset_id: str | None = None) -> None:
    """Raise :class:`SourceFormatError` when ``path`` is an HTML page instead of a data file."""
    path = Path(path)
    if not path.is_file():
        return  # a directory (multi-file mirror folder) or nothing: the parser says what is wrong
    with open(path, "rb") as f:
        head = f.read(512)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(_HTML_START):
        raise SourceFormatError(
            path, "le serveur a renvoyé une page HTML (page d'erreur ou de connexion ?) au lieu du fichier "
            f"de données ({path.stat().st_size} octets) ; la version précédente est conservée",
            line=1, dataset_id=dataset_id)


def header_key(name: str) -> str:
    """A header cell as compared: Unicode NFC, BOM and spaces stripped, typographic apostrophe → '."""
    return unicodedata.normalize("NFC", name).lstrip("\ufeff").strip().replace("’", "'")


def refuse_not_csv(path: Path, dataset_id: str | None) -> None:
    """Stop on an empty file, or on an HTML page or a JSON answer served instead of the CSV export."""
    with open(path, "rb") as f:
        head = f.read(4096)
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text:
        raise SourceFormatError(path, "file is empty (expected a CSV export with a header line)",
                                dataset_id=dataset_id)
    first = text.split(b"\n", 1)[0].decode("utf-8", "replace").strip()[:80]
    if text[:1] == b"<":
        raise SourceFormatError(path, "an HTML page, not a CSV file (an error or landing page was served "
                                "instead of the export?)", line=1, value=first, dataset_id=dataset_id)
    if text[:1] in (b"{", b"["):
        raise SourceFormatError(path, "a JSON answer, not a CSV file (an API error?)", line=1, value=first,
                                dataset_id=dataset_id)
