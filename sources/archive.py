"""Official files as served: zip archives and national CSV files read in a stream.

What a retrieved file is (zip, text, an HTML error page, nothing), which zip member holds the data,
and a CSV reader that streams a national file, keeping only the columns asked for and the rows of
the region, so that memory stays bounded by the region's rows whatever the size of the file. Used
by the INSEE parsers (census, populations, zonages)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

import pandas as pd

from .errors import SourceFormatError


# ------------------------------------------------------------- reading official files (zip, CSV)
#
# Shared by :mod:`sources.populations` and :mod:`sources.zonages`: what a retrieved file is (zip,
# text, an HTML error page, nothing), which zip member holds the data, and a CSV reader that streams
# a national file, keeping only the columns asked for and the rows of the region, so that memory
# stays bounded by the region's rows whatever the size of the file.

#: départements of the région Pays de la Loire (52): the regional cut keeps codes starting so.
REGION_DEPARTEMENTS = ("44", "49", "53", "72", "85")


def sniff(path, *, dataset_id: str | None = None) -> str:
    """``"zip"`` or ``"text"``, from the file's first bytes (never from its name).

    Raises :class:`SourceFormatError` for an empty file, an HTML/XML page (what a server sends
    instead of the file when something is wrong) or a damaged zip."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(2048)
    if not head.strip():
        raise SourceFormatError(path, "file is empty", dataset_id=dataset_id)
    if head.startswith(b"PK"):
        if not zipfile.is_zipfile(path):
            raise SourceFormatError(path, "damaged or truncated zip archive", dataset_id=dataset_id)
        return "zip"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"<") or b"<html" in start[:512]:
        raise SourceFormatError(
            path, "an HTML/XML page, not the expected zip or CSV file (an error page served "
                  "instead of the file?)", value=_printable(start[:60]), dataset_id=dataset_id)
    return "text"


def _printable(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").replace("\n", " ").strip()


def zip_member(path, zf: zipfile.ZipFile, accept: Callable[[str], bool], expected: str, *,
               dataset_id: str | None = None) -> str:
    """The one member of ``zf`` whose base name (lower case) ``accept`` says yes to."""
    names = [n for n in zf.namelist() if not n.endswith("/")]
    found = [n for n in names if accept(n.rsplit("/", 1)[-1].lower())]
    if len(found) != 1:
        what = "no member" if not found else f"{len(found)} members"
        raise SourceFormatError(
            path, f"{what} matching {expected} in the zip; members: {', '.join(names) or '(none)'}",
            dataset_id=dataset_id)
    return found[0]


@contextmanager
def zip_errors(where, *, dataset_id: str | None = None):
    """Turn the errors of reading a damaged zip member (bad CRC, truncated or unsupported
    compression) into a :class:`SourceFormatError` naming the member."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise SourceFormatError(where, f"cannot read the zip member ({exc})",
                                dataset_id=dataset_id) from None


def member_label(path, member: str) -> str:
    """How a zip member is named in error messages: ``archive.zip!member.csv``."""
    return f"{path}!{member}"


_EDITION = re.compile(r"\d{2}")


def _similar(name: str, header: Iterable[str]) -> list[str]:
    """Header names equal to ``name`` but for its first two-digit group (another edition's year)."""
    key = _EDITION.sub("##", name, count=1)
    return [h for h in header if h != name and _EDITION.sub("##", h, count=1) == key]


def read_streamed(
    path,
    raw: BinaryIO,
    *,
    sep: str,
    columns: list[str],
    region_column: str | None = None,
    dataset_id: str | None = None,
    what: str = "",
) -> tuple[pd.DataFrame, list[str]]:
    """Stream a delimited file (bytes), keep ``columns`` (by name) and, if ``region_column`` is
    given, only the rows whose code there starts with a département of the region.

    Returns the kept cells as text (``string`` dtype, ``""`` for empty), plus ``_line`` (physical
    line, header = 1), and the full header. Memory holds one line at a time plus the kept rows.
    Errors (:class:`SourceFormatError`, naming ``path``): empty file, missing columns (with the
    similar names the header has, e.g. another edition's ``P23_POP0014`` for ``P22_POP0014``),
    a kept row with a wrong number of fields. Text is UTF-8 (BOM allowed); an undecodable byte
    becomes U+FFFD, which only matters in a kept cell (then not a number: an error there).
    """
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
    header_line = text.readline()
    if not header_line.strip():
        raise SourceFormatError(path, "file is empty", dataset_id=dataset_id)
    header = next(csv.reader([header_line], delimiter=sep))
    wanted = set(columns) | ({region_column} if region_column else set())
    header = [h.strip() if h.strip() in wanted else h for h in header]
    index = {}
    for i, h in enumerate(header):
        index.setdefault(h, i)
    missing = [c for c in columns if c not in index]
    if region_column and region_column not in index:
        missing.insert(0, region_column)
    if missing:
        hints = []
        for name in missing:
            similar = _similar(name, header)
            if similar:
                hints.append(f"{name} (the header has {', '.join(similar[:3])})")
        hint = f"; similar columns: {'; '.join(hints)}" if hints else ""
        if len(header) == 1 and sep not in header[0]:
            hint += f" (is the separator {sep!r}? the header line has none)"
        shown = ", ".join(header[:12]) + ("…" if len(header) > 12 else "")
        raise SourceFormatError(
            path,
            f"missing column(s) {', '.join(missing)}{what}{hint}; header has {len(header)} "
            f"column(s): {shown}",
            line=1, column=missing[0], dataset_id=dataset_id)
    take = [index[c] for c in columns]
    n = len(header)
    kept, lines = [], []
    if region_column is not None and index[region_column] == 0:
        # Fast path: the code opens the line; split only the lines of the region. (INSEE's
        # national files hold codes and numbers only: no quoted line break inside a field.)
        for number, line in enumerate(text, start=2):
            if line.lstrip('"')[:2] not in REGION_DEPARTEMENTS:
                continue
            row = next(csv.reader([line], delimiter=sep))
            if len(row) != n:
                raise SourceFormatError(path, f"expected {n} fields, found {len(row)}", line=number,
                                        dataset_id=dataset_id)
            kept.append([row[i] for i in take])
            lines.append(number)
    else:
        reader = csv.reader(text, delimiter=sep)
        code_at = index[region_column] if region_column is not None else None
        previous = 0  # the reader counts lines from its start, after the header line
        for row in reader:
            number, previous = previous + 2, reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if (code_at is not None and len(row) > code_at
                    and row[code_at].strip()[:2] not in REGION_DEPARTEMENTS):
                continue  # another region (a short row falls through to the field count check)
            if len(row) != n:
                raise SourceFormatError(path, f"expected {n} fields, found {len(row)}", line=number,
                                        dataset_id=dataset_id)
            kept.append([row[i] for i in take])
            lines.append(number)
    df = pd.DataFrame(kept, columns=columns, dtype="string")
    df["_line"] = pd.Series(lines, dtype="int64")
    return df, header


# --------------------------------------------------------------------------------------- parsing
