"""Excel workbooks and zipped workbooks as publishers serve them (INSEE, France Travail): what a
retrieved file holds, which member and sheet, and the header row found by its first code cell
rather than a fixed row number. Read with python-calamine (see sources/chomage.py for the
measurements that chose it)."""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
import zlib
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from .errors import SourceFormatError


# --- official files: what a file holds, Excel workbooks, zip members ---------------------------

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip (or xlsx), an empty zip
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
_MAX_MEMBER_BYTES = 512 * 1024 * 1024  # a zip member is read in memory: refuse a zip bomb
_HEADER_SCAN_ROWS = 50


def sniff(path: Path, dataset_id: str | None = None) -> str:
    """What ``path`` holds, told by its first bytes: ``workbook`` (a zip, an xlsx or an xls),
    ``html`` (a web page, such as an error page), ``xml`` or ``text``. An empty file is an error."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(4096)
    if not head.strip() and path.stat().st_size <= len(head):
        raise SourceFormatError(path, "file is empty", dataset_id=dataset_id)
    if head.startswith((*_ZIP_MAGIC, _OLE2_MAGIC)):
        return "workbook"
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if start.startswith(b"<"):
        if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start[:1024]:
            return "html"
        return "xml"
    return "text"


def unexpected(path: Path, kind: str, expected: str, dataset_id: str | None = None) -> SourceFormatError:
    """The error for a file that holds something else than what the parser reads."""
    what = {
        "html": "an HTML page (the server answered with a web page: an error page, or a moved file?)",
        "xml": "an XML document",
        "workbook": "an Excel workbook or a zip",
        "text": "a text file",
    }[kind]
    return SourceFormatError(path, f"{what}, not {expected}", dataset_id=dataset_id)


def cell_text(value) -> str:
    """A workbook cell as the text a CSV export would hold: numbers without a useless ``.0``
    (``7.0`` → ``"7"``, ``5203.0`` → ``"5203"``, ``5.5`` → ``"5.5"``), empty cells as ``""``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _workbook_member(names: list[str], member: re.Pattern | None, path: Path, expected: str,
                     dataset_id: str | None) -> str:
    books = [n for n in names if n.lower().endswith((".xlsx", ".xls"))
             and not n.startswith("__MACOSX/") and not n.rsplit("/", 1)[-1].startswith("~$")]
    if member is not None:
        preferred = [n for n in books if member.search(n.rsplit("/", 1)[-1])]
        if len(preferred) == 1:
            return preferred[0]
    if len(books) == 1:
        return books[0]
    listing = ", ".join(names[:10]) + ("…" if len(names) > 10 else "") if names else "an empty archive"
    reason = "several Excel workbook members" if books else "no Excel workbook member"
    raise SourceFormatError(path, f"{reason} in the zip (members: {listing}); expected {expected}",
                            dataset_id=dataset_id)


def open_workbook(path: Path, *, expected: str, member: re.Pattern | None = None,
                  dataset_id: str | None = None) -> tuple[CalamineWorkbook, str]:
    """Open the Excel workbook at ``path`` with python-calamine: an .xlsx or .xls file, or the
    workbook member of a zip (``member`` picks it by name when there are several), read in memory.

    Returns ``(workbook, where)``: ``where`` names the file, ``archive.zip!member.xlsx`` for a member,
    for error messages. ``expected`` says what was expected, in those messages."""
    path = Path(path)
    where, data = str(path), None
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic in _ZIP_MAGIC:
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                if "xl/workbook.xml" not in names:  # not an xlsx itself: a zip holding one
                    name = _workbook_member(names, member, path, expected, dataset_id)
                    if zf.getinfo(name).file_size > _MAX_MEMBER_BYTES:
                        raise SourceFormatError(f"{path}!{name}", "zip member larger than "
                                                f"{_MAX_MEMBER_BYTES} bytes", dataset_id=dataset_id)
                    data = zf.read(name)
                    where = f"{path}!{name}"
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise SourceFormatError(path, f"not a readable zip or xlsx file ({exc}); expected {expected}",
                                    dataset_id=dataset_id) from None
    try:
        book = (CalamineWorkbook.from_path(str(path)) if data is None
                else CalamineWorkbook.from_filelike(io.BytesIO(data)))
    except Exception as exc:  # python_calamine.CalamineError, ZipError, XmlError…
        raise SourceFormatError(where, f"not a readable Excel workbook ({type(exc).__name__}: {exc}); "
                                f"expected {expected}", dataset_id=dataset_id) from None
    return book, where


def sheet_rows(book: CalamineWorkbook, where: str, sheet: str | re.Pattern, *, expected: str,
               dataset_id: str | None = None) -> tuple[str, list[list]]:
    """The rows of the sheet named ``sheet`` (or whose name matches the pattern), from row 1 and
    column A (so that row ``i`` of the list is the sheet's row ``i + 1``): ``(name, rows)``."""
    names = list(book.sheet_names)
    if isinstance(sheet, str):
        found = [n for n in names if n == sheet] or [n for n in names if n.strip() == sheet.strip()]
        wanted = repr(sheet)
    else:
        found = [n for n in names if sheet.fullmatch(n.strip())]
        wanted = f"matching {sheet.pattern!r}"
    if not found:
        raise SourceFormatError(where, f"no sheet {wanted} (sheets: {', '.join(map(repr, names))}); "
                                f"expected {expected}", dataset_id=dataset_id)
    return found[0], book.get_sheet_by_name(found[0]).to_python(skip_empty_area=False)


def sheet_table(rows: list[list], where: str, first_code: str, *, required=(), keep=None,
                dataset_id: str | None = None) -> pd.DataFrame:
    """The table of a sheet, as :func:`sources.tabular.read_delimited` returns a CSV.

    The header row is the first row whose first cell is the code ``first_code`` (title, note and
    label rows above it are skipped, however many); trailing empty header cells are dropped.
    Cells become text (:func:`cell_text`), fully empty rows are skipped, and ``_line`` holds the
    sheet's row number. ``keep=(column, values)`` keeps only the rows whose cell in ``column`` is one
    of ``values``: a national sheet is cut to the region while read. A missing header row, an
    empty or repeated header cell, a missing ``required`` column, or a value right of the last
    header column is a :class:`SourceFormatError` naming ``where``, the row and the column.
    """
    header_at = next((i for i, row in enumerate(rows[:_HEADER_SCAN_ROWS])
                      if row and cell_text(row[0]).strip() == first_code), None)
    if header_at is None:
        raise SourceFormatError(
            where, f"header row not found: no row among the first {_HEADER_SCAN_ROWS} starts with the "
            f"code {first_code!r} in column A", column=first_code, dataset_id=dataset_id)
    line = header_at + 1
    header = [cell_text(c).strip() for c in rows[header_at]]
    while header and not header[-1]:
        header.pop()
    for i, name in enumerate(header):
        if not name:
            raise SourceFormatError(where, "empty header cell inside the header row", line=line,
                                    column=_column_letter(i), dataset_id=dataset_id)
        if name in header[:i]:
            raise SourceFormatError(where, "header cell repeated", line=line, column=name,
                                    dataset_id=dataset_id)
    if keep and keep[0] not in required:
        required = [*required, keep[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceFormatError(
            where, f"missing column(s) {', '.join(missing)}; header row has: {', '.join(header[:12])}"
            + ("…" if len(header) > 12 else ""), line=line, dataset_id=dataset_id)
    width = len(header)
    keep_at, keep_values = (header.index(keep[0]), set(keep[1])) if keep else (None, None)
    data, lines = [], []
    for i in range(header_at + 1, len(rows)):
        row = rows[i]
        if keep_at is not None and (keep_at >= len(row)
                                    or cell_text(row[keep_at]).strip() not in keep_values):
            continue
        cells = [cell_text(c) for c in row]
        if not any(c.strip() for c in cells):
            continue
        beyond = next((j for j in range(width, len(cells)) if cells[j].strip()), None)
        if beyond is not None:
            raise SourceFormatError(where, "value right of the last header column", line=i + 1,
                                    column=_column_letter(beyond), value=cells[beyond], dataset_id=dataset_id)
        data.append(cells[:width] + [""] * (width - len(cells)))
        lines.append(i + 1)
    df = pd.DataFrame(data, columns=header, dtype="string")
    df["_line"] = lines
    df.attrs["header_line"] = line
    return df
