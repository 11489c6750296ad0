"""The layout of a confirmation sheet of the shared directory, its rows, and how a returned sheet is
read. What the answered lines become is :mod:`portraits.confirmation`; the sheet files themselves
(CSV, XLSX) are written by :mod:`reports.confirmation_exports`.

A **confirmation sheet** lists the open reception points of one network (in one territory, or in
the whole region) with their current values, and three columns the network fills. Column order is
fixed (:data:`SHEET_COLUMNS`); headers are French because the networks read them::

    identifiant   id of directory.reception_point (empty on a row that adds a point)
    nom           name                                     } current values: the network
    adresse       address                                  } corrects them in place
    code_postal   postcode                                 }
    code_commune  commune_code (INSEE, COG 2026)           }
    commune       commune name (follows code_commune; never read back)
    telephone     phone                                    }
    courriel      email                                    }
    site_web      website                                  }
    horaires      opening_hours                            }
    reseau        network (read-only: the sheet's network)
    source        source_id           } read-only context, never read back
    date_source   source_date         }
    corrige_le    corrected_at        }
    a_confirmer   "oui" when stale    }
    reponse       filled by the network: confirme, corrige, ferme, ajoute, or empty (not answered)
    auteur        who answers (name, structure)
    date          date of the answer, YYYY-MM-DD

**Reading a returned sheet** (:func:`read_sheet`): a CSV (``;`` or ``,``, UTF-8 with or without
BOM) or an Excel workbook (first sheet, read with python-calamine); the header row is line 1,
headers are matched without case or accents; unknown columns are ignored, a missing value column
counts as unchanged.

A problem of a sheet is a :class:`portraits.directory.Problem`; :class:`SheetError` lists them all
in French. Split out of ``portraits/confirmation.py``, which re-exports every name defined here.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import directory as D

# (French header, directory.reception_point column or computed; None = filled by the network)
SHEET_COLUMNS: list[tuple[str, str | None]] = [
    ("identifiant", "id"), ("nom", "name"), ("adresse", "address"), ("code_postal", "postcode"),
    ("code_commune", "commune_code"), ("commune", "commune_label"), ("telephone", "phone"),
    ("courriel", "email"), ("site_web", "website"), ("horaires", "opening_hours"),
    ("reseau", "network"), ("source", "source_id"), ("date_source", "source_date"),
    ("corrige_le", "corrected_at"), ("a_confirmer", "stale"),
    ("reponse", None), ("auteur", None), ("date", None),
]
HEADERS = [h for h, _ in SHEET_COLUMNS]
# the values a network may correct: French header → directory field (a CORRECTABLE field)
EDITABLE: dict[str, str] = {
    "nom": "name", "adresse": "address", "code_postal": "postcode", "code_commune": "commune_code",
    "telephone": "phone", "courriel": "email", "site_web": "website", "horaires": "opening_hours",
}
# never read back: computed or informative (a spreadsheet may reformat them)
CONTEXT = ("commune", "source", "date_source", "corrige_le", "a_confirmer")
REQUIRED_HEADERS = ("identifiant", "reponse", "auteur", "date")
ANSWERS: dict[str, str] = {
    "confirme": "le lieu existe et ses valeurs sont exactes",
    "corrige": "les valeurs ont été corrigées dans la ligne",
    "ferme": "le lieu n'accueille plus de public",
    "ajoute": "un lieu absent de la fiche (identifiant vide)",
}
# directory field → French header, for messages
FIELD_HEADER = {v: k for k, v in EDITABLE.items()} | {
    "network": "reseau", "id": "identifiant", "action": "reponse", "author": "auteur", "date": "date",
    "publics": "reseau",
}
MAX_SHEET_BYTES = 20 * 1024 * 1024


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


def problem_text(p: D.Problem) -> str:
    """One problem in French: ``ligne 3, colonne « telephone » : …``."""
    where = f"ligne {p.line}" if p.line else "fichier"
    return f"{where}, colonne « {p.field} » : {p.message}" if p.field and p.field != "-" else f"{where} : {p.message}"


class SheetError(D.CorrectionsError):
    """Every problem of a returned confirmation sheet: line (header = line 1), French column, French
    message. ``str()`` is French, one problem per line."""

    def __init__(self, path, problems: list[D.Problem]):
        super().__init__(path, problems)
        name = Path(str(path)).name
        lines = "\n".join(f"  {name}, {problem_text(p)}" for p in problems)
        self.args = (f"{self.path} : {len(problems)} problème(s), rien n'a été intégré :\n{lines}",)

    def __str__(self) -> str:
        return self.args[0]


# --------------------------------------------------------------------------------------------------
# Writing a sheet: its rows
# --------------------------------------------------------------------------------------------------


def _text(v) -> str:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, (pd.Timestamp, _dt.datetime, _dt.date)):
        return v.isoformat()[:10]
    return str(v)


def sheet_rows(points: pd.DataFrame) -> list[list[str]]:
    """The data rows of a sheet (after the header :data:`HEADERS`), one per point, as plain text
    (not yet neutralised: the writers do it). ``points``: rows of ``directory.reception_point``
    with a ``commune_label`` column (optional)."""
    out = []
    for r in points.to_dict("records"):
        row = []
        for _h, col in SHEET_COLUMNS:
            if col is None:
                row.append("")
            elif col == "stale":
                row.append("oui" if bool(r.get("stale")) else "non")
            else:
                row.append(_text(r.get(col)))
        out.append(row)
    return out


# --------------------------------------------------------------------------------------------------
# Reading a returned sheet
# --------------------------------------------------------------------------------------------------


def _header_key(h) -> str:
    return "_".join(D.normalise(str(h)).split()) if h is not None else ""


def _cell_text(value) -> str:
    """A cell as text: workbook numbers without ``.0``, dates as ``YYYY-MM-DD``."""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time(0) else value.isoformat()
    from sources.workbook import cell_text

    return cell_text(value)


@dataclass
class Sheet:
    """A returned sheet: ``columns`` are the recognised French headers by position (None for an
    ignored column); ``rows`` are ``(line, {header: text})`` with the line a spreadsheet shows."""

    path: Path
    columns: list[str | None]
    rows: list[tuple[int, dict[str, str]]]


def read_sheet(path: Path | str) -> Sheet:
    """Read a returned sheet (module docstring); raise :class:`SheetError` when it cannot be read
    or lacks a required column."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_SHEET_BYTES:
        raise SheetError(path, [D.Problem(0, "-", f"fichier trop gros ({size} octets ; au plus {MAX_SHEET_BYTES})")])
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        table = _workbook_table(path)
    else:
        table = _csv_table(path)
    if not table:
        raise SheetError(path, [D.Problem(1, "-", "fichier vide : l'en-tête de la fiche est attendu en ligne 1")])
    keys = [_header_key(h) for h in table[0]]
    known = set(HEADERS)
    columns = [k if k in known else None for k in keys]
    seen = Counter(c for c in columns if c)
    problems = [D.Problem(1, h, "colonne présente deux fois") for h, n in seen.items() if n > 1]
    problems += [D.Problem(1, h, "colonne manquante : gardez l'en-tête de la fiche tel quel "
                                 f"({';'.join(HEADERS)})") for h in REQUIRED_HEADERS if h not in seen]
    if problems:
        raise SheetError(path, problems)
    rows = []
    for i, cells in enumerate(table[1:], start=2):
        values = {c: cells[j] if j < len(cells) else "" for j, c in enumerate(columns) if c}
        if not any(v.strip() for v in values.values()):
            continue
        rows.append((i, values))
    return Sheet(path, columns, rows)


def _csv_table(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SheetError(path, [D.Problem(line, "-", "le fichier n'est pas en UTF-8 : enregistrez-le au format "
                                                      "« CSV UTF-8 » ou en classeur Excel (.xlsx)")]) from None
    if text.lstrip().lower().startswith(("<!doctype", "<html", "<?xml")):
        raise SheetError(path, [D.Problem(1, "-", "ce fichier est une page web ou un document XML, pas une fiche "
                                                  "CSV ni un classeur Excel")])
    best: list[list[str]] = []
    for delimiter in (";", ",", "\t"):
        try:
            table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise SheetError(path, [D.Problem(0, "-", f"fichier CSV illisible ({exc})")]) from None
        if table and "identifiant" in {_header_key(h) for h in table[0]}:
            return table
        if not best:
            best = table
    return best


def _workbook_table(path: Path) -> list[list[str]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # python_calamine.CalamineError, zip or XML errors
        raise SheetError(path, [D.Problem(0, "-", f"classeur illisible ({type(exc).__name__} : {exc})")]) from None
    return [[_cell_text(v) for v in row] for row in rows]
