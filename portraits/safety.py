"""What may leave a file and reach a page, a link, a path or a spreadsheet cell: one home each.

* :func:`safe_url`: a link is ``http``/``https`` with a host, or nothing (``javascript:``, ``data:``,
  ``file:`` and relative links from a source or the corrections file never become a link);
* :func:`neutralise_cell` and :func:`spreadsheet_csv`: every CSV the project publishes is written by
  :func:`spreadsheet_csv`, which turns a text cell that a spreadsheet would run as a formula
  (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) into text by prefixing an
  apostrophe — numbers written by the project (``-1,5``) are left as they are;
* :func:`check_id`: an id that becomes a file or folder name (set ids, territory ids) is letters,
  digits, ``-`` and ``_``, 1 to 64 characters, so ``../`` or ``terr#2`` never reach a path.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Iterable
from urllib.parse import urlsplit

ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[-+]?\d[\d\u202f\u00a0 ]*(?:[.,]\d+)?(?:[eE][-+]?\d+)?$")


def safe_url(value) -> str | None:
    """``value`` when it is an absolute ``http``/``https`` URL with a host and no space or control
    character; None otherwise."""
    if value is None:
        return None
    s = str(value).strip()
    if not s or any(ord(c) < 33 or c in '"<>\\`' for c in s):
        return None
    try:
        parts = urlsplit(s)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or parts.netloc.startswith("@"):
        return None
    return s


def url_problem(value: str) -> str | None:
    """Why ``value`` is refused as a website (French), or None when :func:`safe_url` accepts it."""
    if safe_url(value) is not None:
        return None
    return f"adresse web refusée {value!r} : seules les adresses http:// ou https:// complètes sont acceptées"


def neutralise_cell(value) -> str:
    """The text of a CSV cell, made inert for spreadsheets (see the module docstring)."""
    if value is None:
        return ""
    s = str(value)
    if s.startswith(_FORMULA_START) and not _NUMBER.fullmatch(s):
        return "'" + s
    return s


def spreadsheet_csv(header: Iterable[str], rows: Iterable[Iterable]) -> bytes:
    """``;``-separated, UTF-8 with BOM, CRLF: opens as is in a French spreadsheet, and no cell runs
    as a formula. Cells are written as their ``str`` (None as empty), then neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([neutralise_cell(h) for h in header])
    for row in rows:
        w.writerow([neutralise_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def check_id(value: str, what: str = "identifiant") -> str | None:
    """Why ``value`` cannot be a file or folder name (French), or None when it can."""
    if not isinstance(value, str) or not ID.fullmatch(value):
        return (f"{what} {str(value)[:80]!r} refusé : lettres, chiffres, « - » et « _ » seulement, "
                "de 1 à 64 caractères (il devient un nom de fichier)")
    return None
