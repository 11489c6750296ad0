"""Confirmation sheets of the shared directory: what each network is asked to confirm, and how a
returned sheet becomes rows of the corrections file (``portraits/corrections/annuaire.csv``).

The sheets are split by concern; this module turns a returned sheet into correction rows and
re-exports the names of the others, so that everything stays importable from here:

* :mod:`portraits.confirmation_sheet`: the layout of a sheet (:data:`SHEET_COLUMNS`, French
  headers, documented there), its rows (:func:`sheet_rows`), reading a returned sheet
  (:func:`read_sheet`) and :class:`SheetError`;
* :mod:`portraits.confirmation_append`: appending rows to the corrections file
  (:func:`append_corrections`);
* :mod:`portraits.confirmation_freshness`: the directory's freshness per network
  (:func:`network_freshness`).

**Turning it into corrections** (:func:`sheet_corrections`), for each answered row:

* ``confirme`` → ``confirm`` (the values must be unchanged);
* ``corrige`` → one ``update`` per changed field (values compared as normalised strings: Unicode
  NFC, surrounding and repeated white space ignored), then a ``confirm``; no change is an error;
* ``ferme`` → ``close``;
* ``ajoute`` (identifiant empty) → one ``add`` row per non-empty field (``name``, ``network`` = the
  sheet's, ``commune_code`` mandatory), id :func:`new_point_id`
  (``local:<network>-<commune_code>-<slug of the name>``).

Every row is checked with the rules of the corrections file
(:func:`portraits.directory.corrections._check_value` on every value written; unknown id, id of
another network, bad answer, bad date, missing author, a cell a spreadsheet would run as a formula);
every problem is collected and one :class:`SheetError` (a
:class:`portraits.directory.CorrectionsError`) lists them all with the file, the line as a
spreadsheet shows it and the French column. The rows produced are then validated once more by
:func:`portraits.directory.load_corrections` on the existing corrections file plus the new rows (in
a temporary file). An answer already in the corrections file (same point, same action, author and
date) is skipped, so integrating a sheet twice adds nothing.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field as _field
from pathlib import Path
from typing import Iterable

import pandas as pd

from . import directory as D
# The sheet, appending and freshness, re-exported: every name below stays importable from
# portraits.confirmation (the private ones too: tests and older callers use them).
from .confirmation_append import (  # noqa: F401
    _append_text, _encode_rows, _record_lines, _style, append_corrections)
from .confirmation_freshness import network_freshness  # noqa: F401
from .confirmation_sheet import (  # noqa: F401
    ANSWERS, CONTEXT, EDITABLE, FIELD_HEADER, HEADERS, MAX_SHEET_BYTES, REQUIRED_HEADERS, SHEET_COLUMNS,
    Sheet, SheetError, _cell_text, _csv_table, _header_key, _text, _workbook_table, problem_text,
    read_sheet, sheet_rows)
from .directory.corrections import _LOCAL_ID, _check_value, _known_communes
from .directory.normalise import _split
from .safety import neutralise_cell

_ADD_ORDER = ("name", "network", "commune_code", "address", "postcode", "phone", "email", "website",
              "opening_hours")


# --------------------------------------------------------------------------------------------------
# The id of a point added by a sheet
# --------------------------------------------------------------------------------------------------


def slug(text: str, limit: int = 60) -> str:
    """``Point information jeunesse de Bouaye`` → ``point-information-jeunesse-de-bouaye``."""
    s = "-".join(D.normalise(text).split())[:limit].strip("-")
    return s or "lieu"


def new_point_id(network: str, commune_code: str, name: str) -> str:
    """The id of a point added by a sheet: ``local:<network>-<commune_code>-<slug of the name>``
    (the same answer always gives the same id)."""
    pid = f"local:{network}-{commune_code}-{slug(name)}"
    if not _LOCAL_ID.fullmatch(pid):  # commune_code is validated before: a safety net
        pid = f"local:{network}-{slug(commune_code, 10)}-{slug(name)}"
    return pid


# --------------------------------------------------------------------------------------------------
# From a returned sheet to correction rows
# --------------------------------------------------------------------------------------------------


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _norm(value: str | None) -> str:
    """The form two values are compared in: NFC, control characters dropped (an .xlsx cannot hold
    them), white space collapsed and stripped."""
    return " ".join(_CONTROL.sub("", unicodedata.normalize("NFC", value or "")).split())


def _clean_value(value: str) -> str:
    """The value written to the corrections file: NFC, stripped, line breaks as ``\\n``."""
    s = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    s = _CONTROL.sub("", s)
    return "\n".join(" ".join(line.split()) for line in s.strip().split("\n"))


def _unneutralise(value: str) -> str:
    """Undo :func:`portraits.safety.neutralise_cell` (the apostrophe the sheet put before a value
    starting like a formula)."""
    if value.startswith("'") and neutralise_cell(value[1:]) == value:
        return value[1:]
    return value


def _answer(value: str) -> str:
    return D.normalise(value).replace(" ", "")


def value_problem(field: str, value: str, communes: set[str]) -> str | None:
    """Why ``value`` cannot be written to ``field`` (French), by the rules of the corrections file
    (:func:`portraits.directory.corrections._check_value`); None when it can."""
    msg = _check_value(field, value, communes)
    if msg is None:
        return None
    v = value.strip()
    return {
        "name": "nom vide : le nom du lieu est obligatoire",
        "postcode": f"code postal « {v} » mal formé (5 chiffres attendus)",
        "commune_code": f"code commune « {v} » inconnu : code INSEE (géographie 2026) d'une commune de la région "
                        "attendu" if v else "code commune manquant (code INSEE de la commune, ex. 44109)",
        "phone": f"téléphone « {v} » mal formé : 10 chiffres commençant par 0, ou +33 (espaces ou points "
                 "permis), ex. 02 40 00 00 00",
        "email": f"courriel « {v} » mal formé (ex. accueil@exemple.fr)",
        "network": f"réseau « {v} » inconnu (réseaux : {', '.join(D.NETWORKS)})",
    }.get(field, msg)


@dataclass
class Integration:
    """What a returned sheet gives: the correction ``rows`` (dicts ``action, id, field, value,
    author, date``, in sheet order), the sheet's ``network``, the lines answered, the lines skipped
    because their answer is already in the corrections file, and non-blocking ``warnings``."""

    path: Path
    network: str
    rows: list[dict] = _field(default_factory=list)
    answered: list[int] = _field(default_factory=list)
    skipped: list[int] = _field(default_factory=list)
    warnings: list[D.Problem] = _field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Rows per action, every action of the corrections file listed (0 when none)."""
        c = Counter(r["action"] for r in self.rows)
        return {a: c.get(a, 0) for a in ("confirm", "update", "close", "add")}

    def csv_lines(self) -> list[str]:
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\n")
        for r in self.rows:
            w.writerow([r[c] for c in D.CORRECTION_COLUMNS])
        return buf.getvalue().splitlines()


def _existing_rows(path: Path | None) -> list[dict]:
    """The rows of a corrections file as text (not validated here: see :func:`_final_check`)."""
    if path is None or not Path(path).exists():
        return []
    text = Path(path).read_bytes().decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header = [h.strip().lower() for h in next(reader, [])]
    out = []
    for row in reader:
        if len(row) == len(header):
            out.append({h: c.strip() for h, c in zip(header, row)})
    return out


def _sheet_network(sheet: Sheet, network: str | None) -> tuple[str | None, list[D.Problem]]:
    if network is not None:
        if network not in D.NETWORKS:
            return None, [D.Problem(0, "reseau", f"réseau « {network} » inconnu (réseaux : {', '.join(D.NETWORKS)})")]
        return network, []
    values = Counter(v["reseau"].strip() for _l, v in sheet.rows if v.get("reseau", "").strip())
    if not values:
        return None, [D.Problem(1, "reseau", "réseau de la fiche introuvable : la colonne reseau est vide ou absente "
                                             "(gardez-la, ou donnez le réseau avec --reseau)")]
    ranked = values.most_common()
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None, [D.Problem(1, "reseau", "réseau de la fiche indéterminé : la colonne reseau mélange "
                                             + ", ".join(v for v, _ in ranked) + " (donnez le réseau avec --reseau)")]
    if ranked[0][0] not in D.NETWORKS:
        return None, [D.Problem(1, "reseau", f"réseau « {ranked[0][0]} » inconnu (réseaux : {', '.join(D.NETWORKS)})")]
    return ranked[0][0], []


@dataclass
class _Reading:
    """What the reading of one sheet keeps from row to row: the directory's ids (and the ids merged
    into them), the answers already in the corrections file, the lines seen, the rows produced."""

    result: Integration
    net: str | None
    codes: set[str]
    ids: set[str]
    alias: dict[str, str]
    by_id: pd.DataFrame
    done: set[tuple]
    done_adds: set[str]
    problems: list[D.Problem]
    origins: list[tuple[int, str]] = _field(default_factory=list)  # (sheet line, column) of each row
    seen_ids: dict[str, int] = _field(default_factory=dict)
    new_ids: dict[str, int] = _field(default_factory=dict)

    def emit(self, line: int, column: str, action: str, pid: str, fld: str, value: str, author: str,
             when: str) -> None:
        self.result.rows.append({"action": action, "id": pid, "field": fld, "value": value,
                                 "author": author, "date": when})
        self.origins.append((line, column))


def sheet_corrections(
    path: Path | str,
    directory: pd.DataFrame,
    communes,
    *,
    network: str | None = None,
    existing: Path | str | None = None,
    applied_ids: Iterable[str] | None = None,
) -> Integration:
    """The correction rows a returned sheet gives (module docstring); raise :class:`SheetError`
    listing every problem, nothing being written anywhere but a temporary file.

    ``directory``: the rows of ``directory.reception_point`` (published database); ``communes``:
    the region's COG 2026 codes (iterable or DataFrame with ``commune_code``); ``network``: the
    sheet's network (default: the value of its ``reseau`` column); ``existing``: the corrections
    file the rows will be appended to (answers already there are skipped; the result is validated
    with it by :func:`portraits.directory.load_corrections`); ``applied_ids``: the ids named by the
    corrections the published directory already applied (``directory.correction``: ``id`` and
    ``point_id``), so that the existing rows about points closed since are still known; when None,
    every id the existing file names is taken as known."""
    path = Path(path)
    sheet = read_sheet(path)
    net, problems = _sheet_network(sheet, network)
    existing_rows = _existing_rows(Path(existing) if existing is not None else None)
    alias = {}
    for i, m in zip(directory["id"], directory["merged_from"].fillna("")):
        alias[i] = i
        for old in _split(m):
            alias.setdefault(old, i)
    st = _Reading(
        result=Integration(path, net or ""), net=net, codes=_known_communes(communes),
        ids=D.known_ids(directory), alias=alias, by_id=directory.set_index("id", drop=False),
        done={(r.get("action", "").lower(), r.get("id", ""), r.get("author", ""), r.get("date", ""))
              for r in existing_rows},
        done_adds={r.get("id", "") for r in existing_rows if r.get("action", "").lower() == "add"},
        problems=problems)
    for line, cells in sheet.rows:
        _read_line(st, line, cells)
    if st.problems:
        st.problems.sort(key=lambda p: (p.line, HEADERS.index(p.field) if p.field in HEADERS else -1))
        raise SheetError(path, st.problems)
    if st.result.rows:
        _final_check(st.result, st.origins, directory, st.codes, existing_rows,
                     Path(existing) if existing else None, applied_ids)
    return st.result


def _read_line(st: _Reading, line: int, cells: dict[str, str]) -> None:
    """One line of the sheet: its problems into ``st.problems``, or its rows into ``st.result``."""
    answer_raw = cells.get("reponse", "").strip()
    answer = _answer(_unneutralise(answer_raw))
    if not answer:
        _unanswered(st, line, cells)
        return
    author = _clean_value(_unneutralise(cells.get("auteur", "")))
    try:
        when = _dt.date.fromisoformat(cells.get("date", "").strip()).isoformat()
    except ValueError:
        when = ""
    row_problems = _line_problems(st, line, cells, answer, answer_raw, author, when)
    values = {h: _clean_value(_unneutralise(cells[h])) for h in EDITABLE if h in cells}
    pid_raw = cells.get("identifiant", "").strip()
    if answer == "ajoute":
        _added(st, line, values, pid_raw, author, when, row_problems)
    elif answer not in ANSWERS:
        st.problems += row_problems
    else:
        _answered(st, line, answer, values, pid_raw, author, when, row_problems)


def _unanswered(st: _Reading, line: int, cells: dict[str, str]) -> None:
    """A line without answer is ignored; a warning if it was edited all the same."""
    pid = st.alias.get(cells.get("identifiant", "").strip())
    if pid is not None:
        edited = any(_norm(_unneutralise(cells[h])) != _norm(_text(st.by_id.at[pid, EDITABLE[h]]))
                     for h in EDITABLE if h in cells)
    else:
        edited = not cells.get("identifiant", "").strip() and any(cells.get(h, "").strip() for h in EDITABLE)
    if edited:
        st.result.warnings.append(D.Problem(line, "reponse", "ligne modifiée mais sans réponse : elle est "
                                            "ignorée (écrivez corrige, ou ajoute pour un nouveau lieu)"))


def _line_problems(st: _Reading, line: int, cells: dict[str, str], answer: str, answer_raw: str,
                   author: str, when: str) -> list[D.Problem]:
    """The faults of an answered line that do not depend on its answer: formulas, the answer
    itself, author, date (``when`` empty: not a date), network."""
    out: list[D.Problem] = []
    # every cell that is read: nothing a spreadsheet would run as a formula
    for h, v in cells.items():
        if h in CONTEXT:
            continue
        s = v.strip()
        if s and neutralise_cell(s) != s:
            out.append(D.Problem(line, h, f"cellule « {s[:40]} » refusée : elle commence par "
                                 f"« {s[0]} » comme une formule de tableur ; écrivez une valeur simple"))
    if answer not in ANSWERS:
        out.append(D.Problem(line, "reponse", f"réponse « {answer_raw} » inconnue : confirme, corrige, "
                             "ferme ou ajoute (laisser vide si le lieu n'est pas traité)"))
    if not author:
        out.append(D.Problem(line, "auteur", "auteur manquant : nom et structure de la personne qui répond"))
    when_raw = cells.get("date", "").strip()
    if not when:
        out.append(D.Problem(line, "date", f"date « {when_raw} » invalide : AAAA-MM-JJ attendu "
                             "(ex. 2026-11-02)" if when_raw else "date de la réponse manquante "
                             "(AAAA-MM-JJ, ex. 2026-11-02)"))
    reseau = cells.get("reseau", "").strip()
    if st.net and reseau and reseau != st.net:
        out.append(D.Problem(line, "reseau", f"réseau « {reseau} » : cette fiche est celle du réseau "
                             f"« {st.net} » ; le réseau d'un lieu ne se change pas par une fiche "
                             "(signalez-le au coordinateur SPRO)"))
    return out


def _added(st: _Reading, line: int, values: dict, pid_raw: str, author: str, when: str,
           row_problems: list[D.Problem]) -> None:
    """A line « ajoute »: a new point of the sheet's network."""
    if pid_raw:
        row_problems.append(D.Problem(line, "identifiant", f"une ligne « ajoute » a un identifiant vide ; "
                                      f"« {pid_raw} » existe : pour le modifier, répondez corrige"))
    for h in ("nom", "code_commune"):
        if not values.get(h):
            row_problems.append(D.Problem(line, h, f"{h} obligatoire pour ajouter un lieu"))
    for h, v in values.items():
        if v and (msg := value_problem(EDITABLE[h], v, st.codes)):
            row_problems.append(D.Problem(line, h, msg))
    if row_problems or not st.net:
        st.problems += row_problems
        return
    pid = new_point_id(st.net, values["code_commune"], values["nom"])
    if ("add", pid, author, when) in st.done:
        st.result.skipped.append(line)
        return
    if pid in st.ids or pid in st.done_adds:
        st.problems.append(D.Problem(line, "nom", f"ce lieu existe déjà (identifiant {pid}) : pour le "
                                     "modifier, répondez corrige sur sa ligne"))
        return
    if pid in st.new_ids:
        st.problems.append(D.Problem(line, "nom", f"même lieu que la ligne {st.new_ids[pid]} (même nom, même "
                                     "commune)"))
        return
    st.new_ids[pid] = line
    st.result.answered.append(line)
    fields = {"network": st.net, **{EDITABLE[h]: v for h, v in values.items() if v}}
    for f in _ADD_ORDER:
        if f in fields:
            st.emit(line, FIELD_HEADER[f], "add", pid, f, fields[f], author, when)


def _answered(st: _Reading, line: int, answer: str, values: dict, pid_raw: str, author: str, when: str,
              row_problems: list[D.Problem]) -> None:
    """A line « confirme », « corrige » or « ferme » about a point of the directory."""
    if not pid_raw:
        row_problems.append(D.Problem(line, "identifiant", "identifiant manquant (seule une ligne « ajoute » "
                                      "a un identifiant vide)"))
        st.problems += row_problems
        return
    action = {"confirme": "confirm", "corrige": "confirm", "ferme": "close"}[answer]
    if {(action, pid_raw, author, when), (action, st.alias.get(pid_raw), author, when)} & st.done:
        st.result.skipped.append(line)
        return
    if pid_raw not in st.ids:
        row_problems.append(D.Problem(line, "identifiant", f"identifiant « {pid_raw} » inconnu de l'annuaire "
                                      "(lieu fermé depuis, ou identifiant modifié ?)"))
        st.problems += row_problems
        return
    if pid_raw in st.seen_ids:
        row_problems.append(D.Problem(line, "identifiant", f"lieu déjà traité ligne {st.seen_ids[pid_raw]}"))
    st.seen_ids.setdefault(pid_raw, line)
    point = st.by_id.loc[st.alias.get(pid_raw, pid_raw)]
    if st.net and point["network"] != st.net:
        row_problems.append(D.Problem(line, "identifiant", f"« {pid_raw} » est un lieu du réseau "
                                      f"« {point['network']} », pas du réseau de la fiche (« {st.net} »)"))
    changed = {h: v for h, v in values.items() if _norm(v) != _norm(_text(point[EDITABLE[h]]))}
    if answer == "confirme" and changed:
        row_problems.append(D.Problem(line, next(iter(changed)), "valeurs modifiées ("
                                      + ", ".join(changed) + ") : répondez corrige pour les enregistrer, "
                                      "ou rétablissez-les"))
    if answer == "corrige":
        if not changed:
            row_problems.append(D.Problem(line, "reponse", "« corrige » sans aucune valeur modifiée : répondez "
                                          "confirme si la fiche est exacte (la colonne commune n'est pas lue : "
                                          "le nom de la commune suit le code commune, corrigez code_commune)"))
        for h, v in changed.items():
            if msg := value_problem(EDITABLE[h], v, st.codes):
                row_problems.append(D.Problem(line, h, msg))
    if row_problems:
        st.problems += row_problems
        return
    st.result.answered.append(line)
    pid = point["id"]
    if answer == "corrige":
        for h in EDITABLE:
            if h in changed:
                st.emit(line, h, "update", pid, EDITABLE[h], changed[h], author, when)
    st.emit(line, "reponse", action, pid, "", "", author, when)


def _final_check(result: Integration, origins, directory: pd.DataFrame, communes: set[str],
                 existing_rows: list[dict], existing: Path | None, applied_ids: Iterable[str] | None) -> None:
    """Validate existing + new rows with :func:`portraits.directory.load_corrections` (temporary
    file); map its problems back to the sheet's lines and columns."""
    # the published directory has the corrections applied: points added by the file are in it,
    # closed ones are not; give load_corrections the ids as the build sees them
    known = D.known_ids(directory)
    if applied_ids is None:
        known |= {r.get("id", "") for r in existing_rows if r.get("action", "").lower() != "add"}
    else:
        known |= {str(i) for i in applied_ids if i}
    known -= {r.get("id", "") for r in existing_rows if r.get("action", "").lower() == "add"}
    with tempfile.TemporaryDirectory(prefix="portraits-fiche-") as tmp:
        target = Path(tmp) / "annuaire.csv"
        if existing is not None and existing.exists():
            target.write_bytes(existing.read_bytes())
        else:
            target.write_text(";".join(D.CORRECTION_COLUMNS) + "\n", encoding="utf-8")
        first_new = _append_text(target, result.rows)
        lines = _record_lines(target.read_bytes().decode("utf-8-sig"))
        new_lines = {ln: i for i, ln in enumerate(lines[first_new:])}
        try:
            D.load_corrections(target, known, communes)
        except D.CorrectionsError as exc:
            mapped, own = [], []
            for p in exc.problems:
                if p.line in new_lines:
                    line, column = origins[new_lines[p.line]]
                    mapped.append(D.Problem(line, FIELD_HEADER.get(p.field, column), p.message))
                else:
                    own.append(p)
            if own:
                raise SheetError(existing or target, [
                    D.Problem(p.line, p.field, f"le fichier des corrections lui-même est refusé : {p.message}")
                    for p in own]) from None
            raise SheetError(result.path, mapped) from None
