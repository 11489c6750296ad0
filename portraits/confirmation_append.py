"""Appending rows to the corrections file of the shared directory
(``portraits/corrections/annuaire.csv``), for the confirmation sheets (:mod:`portraits.confirmation`).

:func:`append_corrections` appends rows to the corrections file atomically (a temporary file beside
it, then ``os.replace``), keeping its BOM and line endings. :func:`_append_text` does the same in
place, on the temporary copy a returned sheet is validated with; :func:`_record_lines` gives the
line numbers :func:`portraits.directory.load_corrections` reports for its records.

Split out of ``portraits/confirmation.py``, which re-exports every name defined here.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path
from typing import Iterable

from . import directory as D


# --------------------------------------------------------------------------------------------------
# Appending to the corrections file
# --------------------------------------------------------------------------------------------------


def _record_lines(text: str) -> list[int]:
    """The line number (as :func:`portraits.directory.load_corrections` reports it) of every record
    after the header."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    next(reader, None)
    out = []
    for _row in reader:
        out.append(reader.line_num)
    return out


def _style(data: bytes) -> tuple[bool, str]:
    """``(has BOM, line ending)`` of a corrections file."""
    bom = data.startswith(b"\xef\xbb\xbf")
    return bom, "\r\n" if b"\r\n" in data else "\n"


def _encode_rows(rows: Iterable[dict], newline: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator=newline)
    for r in rows:
        w.writerow([r[c] for c in D.CORRECTION_COLUMNS])
    return buf.getvalue()


def _append_text(path: Path, rows: list[dict]) -> int:
    """Append ``rows`` to ``path`` in place (temporary copies only); returns the number of records
    that were in the file before (header excluded)."""
    data = path.read_bytes()
    before = len(_record_lines(data.decode("utf-8-sig")))
    _bom, newline = _style(data)
    tail = b"" if not data or data.endswith(b"\n") else newline.encode()
    path.write_bytes(data + tail + _encode_rows(rows, newline).encode("utf-8"))
    return before


def append_corrections(path: Path | str, rows: list[dict], *, expected: bytes | None = None) -> None:
    """Append ``rows`` to the corrections file at ``path`` in one atomic step: a temporary file
    beside it receives the old content and the new rows (same BOM, same line endings), then
    replaces it (``os.replace``). ``expected``: the content the rows were validated against; if the
    file changed since, nothing is written (RuntimeError, French message)."""
    path = Path(path)
    data = path.read_bytes()
    if expected is not None and data != expected:
        raise RuntimeError(f"{path} a été modifié pendant l'intégration : relancez la commande")
    if not rows:
        return
    _bom, newline = _style(data)
    tail = b"" if not data or data.endswith(b"\n") else newline.encode()
    new = data + tail + _encode_rows(rows, newline).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(new)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
