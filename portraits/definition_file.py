"""Reading a coordinator's definition file (the format is described in :mod:`portraits.territories`):
bytes → text → separator → CSV rows → header → records, with every fault a :class:`Problem`
(line, field, code, French message). A fault that stops the reading raises :class:`_Fatal` once it
is recorded; :func:`portraits.territories.load_definition` turns the problems into a
:class:`~portraits.territories.DefinitionError`."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
COMMUNE_PATTERN = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
SIREN_PATTERN = re.compile(r"^\d{9}$")
REGION_DEPARTEMENTS = ("44", "49", "53", "72", "85")
RESERVED_SET_IDS = {"clpe", "commune", "epci", "departement", "region"}
SUPPORTED_COG = (2026, 2024)
COLUMNS = ("territory_id", "label", "epci_siren", "commune_code")
SOURCE_PREFIX = "definition:"
MAX_LISTED = 10


@dataclass(frozen=True)
class Problem:
    """One fault of a definition file. ``line`` is the physical line in the file (header = 1),
    None for a fault of the whole file; ``field`` the column at fault (or None)."""

    line: int | None
    field: str | None
    code: str
    message: str

    def __str__(self) -> str:
        where = f"ligne {self.line}" if self.line is not None else "fichier"
        if self.field:
            where += f", colonne {self.field}"
        return f"{where} : {self.message}"



class _Fatal(Exception):
    pass


def _decode(raw: bytes, problems: list[Problem]) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(
            line, None, "encoding",
            "le fichier n'est pas en UTF-8 (premier caractère illisible sur cette ligne) : dans Excel, "
            "« Enregistrer sous » → « CSV UTF-8 (délimité par des virgules) ». La suite est lue en "
            "Windows-1252 pour signaler les autres problèmes.",
        ))
        return raw.decode("cp1252", errors="replace")


_CONTROL = tuple(chr(c) for c in range(32) if chr(c) not in "\t") + ("\x7f",)


def _norm_header(h: str) -> str:
    return h.strip().strip('"').strip().lower()


MAX_BYTES = 20 * 1024 * 1024  # a definition of every commune of France by EPCI is ~2 MB
MAX_ROWS = 40_000  # more rows than communes in France (34,900)
MAX_FIELD = 500  # characters in one cell (a label is shortened in tables at 50)


def _sniff_binary(path: Path, head: bytes, problems: list[Problem]) -> None:
    """Files that are not CSV text: refused with what to do, before any parsing."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append(Problem(1, None, "encoding",
                                "le fichier est en UTF-16 (« Texte Unicode » d'Excel) : enregistrez-le en "
                                "« CSV UTF-8 (délimité par des virgules) »."))
        raise _Fatal
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        problems.append(Problem(None, None, "spreadsheet",
                                "c'est un classeur Excel ou LibreOffice, pas un CSV : dans le tableur, "
                                "« Enregistrer sous » → « CSV UTF-8 (délimité par des virgules) »."))
        raise _Fatal


def _read_text(path: Path, problems: list[Problem]) -> str:
    """The file's text, after the checks on its bytes (size, not a spreadsheet, not empty, no NUL)."""
    size = Path(path).stat().st_size
    if size > MAX_BYTES:
        problems.append(Problem(None, None, "too_large",
                                f"fichier de {size:,} octets : au-delà de {MAX_BYTES // 1024 // 1024} Mio, ce "
                                "n'est pas une définition de territoires (une par commune de France tient en "
                                "2 Mio).".replace(",", "\u202f")))
        raise _Fatal
    raw = Path(path).read_bytes()
    _sniff_binary(Path(path), raw[:8], problems)
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        problems.append(Problem(None, None, "empty_file", "le fichier est vide."))
        raise _Fatal
    if b"\x00" in raw:
        problems.append(Problem(raw[: raw.index(b"\x00")].count(b"\n") + 1, None, "control_character",
                                "caractère nul (octet 0) dans le fichier : ce n'est pas un CSV texte."))
        raise _Fatal
    return _decode(raw, problems)


def _delimiter(text: str, problems: list[Problem]) -> str:
    """``;`` or ``,``, whichever the header line (the first non-blank one) holds more of."""
    lines = text.splitlines()
    header_index = next(i for i, line in enumerate(lines) if line.strip())
    header_line = lines[header_index]
    n_semi, n_comma = header_line.count(";"), header_line.count(",")
    if n_semi == 0 and n_comma == 0:
        hint = " (des tabulations ont été trouvées)" if "\t" in header_line else ""
        problems.append(Problem(
            header_index + 1, None, "delimiter",
            f"séparateur non reconnu{hint} : les colonnes doivent être séparées par « ; » ou « , ». "
            f"En-tête lu : « {header_line.strip()[:80]} ».",
        ))
        raise _Fatal
    return ";" if n_semi >= n_comma else ","


def _csv_rows(text: str, sep: str, problems: list[Problem]):
    """``(header, header line number, [(line, cells)])``: the normalised header and the non-blank
    rows after it. A line the csv module cannot read, or that must not be read, stops everything."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header = header_line_no = None
    rows = []
    iterator = iter(reader)
    while True:
        start = reader.line_num + 1
        try:
            row = next(iterator)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over the csv module's limit, …
            problems.append(Problem(start, None, "unreadable_line",
                                    f"ligne illisible ({exc}) : un champ est-il immense, ou un guillemet "
                                    "jamais refermé ?"))
            raise _Fatal from None
        _check_csv_row(row, start, reader.line_num, len(rows), problems)
        if header is None:
            if not any(c.strip() for c in row):
                continue
            header = [_norm_header(h) for h in row]
            header_line_no = reader.line_num
            continue
        if not any(c.strip() for c in row):
            continue
        rows.append((reader.line_num, row))
    return header, header_line_no, rows


def _check_csv_row(row: list[str], start: int, line_num: int, n_rows: int, problems: list[Problem]) -> None:
    """Faults of one CSV row (from line ``start`` to ``line_num``) that stop the reading."""
    if line_num > start and any("\n" in c or "\r" in c for c in row):
        problems.append(Problem(start, None, "unbalanced_quote",
                                f"guillemet ouvert à la ligne {start} et refermé seulement ligne "
                                f"{line_num} : les lignes entre les deux seraient avalées dans un "
                                "seul champ. Refermez le guillemet ou retirez-le."))
        raise _Fatal
    long_cell = next((c for c in row if len(c) > MAX_FIELD), None)
    if long_cell is not None:
        problems.append(Problem(line_num, None, "field_too_long",
                                f"un champ de {len(long_cell)} caractères (au plus {MAX_FIELD}) : "
                                f"« {long_cell[:40]}… »"))
        raise _Fatal
    if any(ch in c for c in row for ch in _CONTROL):
        problems.append(Problem(line_num, None, "control_character",
                                "caractère de contrôle dans un champ : retirez-le."))
        raise _Fatal
    if n_rows >= MAX_ROWS:
        problems.append(Problem(line_num, None, "too_many_rows",
                                f"plus de {MAX_ROWS:,} lignes : une définition liste au plus chaque commune "
                                "de France une fois.".replace(",", "\u202f")))
        raise _Fatal


def _check_header(header: list[str], header_line_no: int, sep: str, rows: list, problems: list[Problem]) -> None:
    """The header names each column once and has the required ones; at least one row follows."""
    dup = sorted({h for h in header if h and header.count(h) > 1})
    if dup:
        problems.append(Problem(header_line_no, None, "duplicate_column",
                                f"colonne(s) en double dans l'en-tête : {', '.join(dup)}."))
        raise _Fatal
    missing = [c for c in ("territory_id", "label") if c not in header]
    if not ({"epci_siren", "commune_code"} & set(header)):
        missing.append("epci_siren ou commune_code")
    if missing:
        other = "," if sep == ";" else ";"
        hint = ""
        if any(other in h for h in header):
            hint = (f" Le séparateur semble être « {other} » mais l'en-tête contient aussi « {sep} » : "
                    "vérifiez le séparateur.")
        problems.append(Problem(
            header_line_no, None, "missing_columns",
            f"colonne(s) manquante(s) : {', '.join(missing)}. Attendu : territory_id, label, et "
            f"epci_siren et/ou commune_code ; lu : {', '.join(h or '(vide)' for h in header)}.{hint}",
        ))
        raise _Fatal
    if not rows:
        problems.append(Problem(None, None, "no_rows", "le fichier n'a que la ligne d'en-tête : aucun territoire."))
        raise _Fatal


def _records(header: list[str], rows: list, sep: str, problems: list[Problem]) -> list[dict]:
    """One record per row (``line, territory_id, label, epci_siren, commune_code``); a row whose
    number of fields does not fit the header is a problem and is left out."""
    records = []
    n = len(header)
    for line, row in rows:
        other = "," if sep == ";" else ";"
        if n > 1 and len(row) == 1 and other in row[0]:
            problems.append(Problem(
                line, None, "delimiter",
                f"la ligne est séparée par « {other} » alors que l'en-tête l'est par « {sep} » : "
                "un seul séparateur pour tout le fichier.",
            ))
            continue
        if len(row) > n and not any(c.strip() for c in row[n:]):
            row = row[:n]  # trailing empty cells (Excel)
        if len(row) < n:
            row = row + [""] * (n - len(row))
        if len(row) > n:
            problems.append(Problem(
                line, None, "field_count",
                f"{len(row)} champs au lieu de {n} : un libellé contient-il « {sep} » ? "
                "Mettez-le entre guillemets.",
            ))
            continue
        rec = dict(zip(header, (c.strip() for c in row)))
        records.append({
            "line": line,
            "territory_id": rec.get("territory_id", ""),
            "label": rec.get("label", ""),
            "epci_siren": re.sub(r"\s", "", rec.get("epci_siren", "") or ""),
            "commune_code": re.sub(r"\s", "", rec.get("commune_code", "") or ""),
        })
    return records


def _read_rows(path: Path, problems: list[Problem]):
    """``(records, separator)`` of a definition file; raises :class:`_Fatal` (the problem added to
    ``problems``) when the file cannot be read on."""
    text = _read_text(path, problems)
    sep = _delimiter(text, problems)
    header, header_line_no, rows = _csv_rows(text, sep, problems)
    if header is None:  # only separators: « ; », « ;; »…
        problems.append(Problem(None, None, "empty_file",
                                "le fichier ne contient que des cellules vides : aucune ligne d'en-tête."))
        raise _Fatal
    _check_header(header, header_line_no, sep, rows, problems)
    return _records(header, rows, sep, problems), sep
