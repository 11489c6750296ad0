"""The coordinators' corrections: reading and checking the file, then applying it to the directory.

The corrections file (:func:`load_corrections`) is a ``;``-separated CSV kept by the SPRO
coordinators. Closed points are *removed* from the directory (the corrections file keeps the
trace); ``apply_corrections(..., keep_closed=True)`` keeps them with a ``closed`` column instead.
Every problem of a file is reported at once (:class:`CorrectionsError`, one :class:`Problem` per
line and field); messages are in French: coordinators read them.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable

import pandas as pd

from sources.errors import SourceError

from .lists import BBOX, COLUMNS, CORRECTIONS_SOURCE_ID, NETWORKS, PUBLICS, publics_of
from .normalise import _is_stale, _missing, _split, _today

CORRECTION_COLUMNS = ["action", "id", "field", "value", "author", "date"]
ACTIONS = ("add", "update", "close", "confirm")
# fields a correction may set (id, source_*, stale, merged_from, corrected_at are computed)
CORRECTABLE = ("name", "network", "publics", "address", "postcode", "commune_code", "latitude",
               "longitude", "phone", "email", "website", "opening_hours")
REQUIRED_FOR_ADD = ("name", "network", "commune_code")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^(?:0[1-9](?:[ .]?\d{2}){4}|\+33 ?[1-9](?:[ .]?\d{2}){4})$")
_POSTCODE = re.compile(r"^\d{5}$")
_LOCAL_ID = re.compile(r"^local:[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"ligne {self.line}, champ {self.field!r} : {self.message}"


class CorrectionsError(SourceError):
    """Every problem of a corrections file, each with its line and field."""

    def __init__(self, path, problems: list[Problem]):
        self.path = str(path)
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{self.path} : {len(problems)} problème(s) dans le fichier de corrections :\n{lines}")


def _known_communes(communes) -> set[str]:
    if isinstance(communes, pd.DataFrame):
        return set(communes["commune_code"].astype(str))
    return {str(c) for c in communes}


def _check_value(field: str, value: str, communes: set[str]) -> str | None:
    """Error message for a bad value of ``field``, or None."""
    v = value.strip()
    if field in ("name",) and not v:
        return "nom vide"
    if field == "network" and v not in NETWORKS:
        return f"réseau inconnu {v!r} (réseaux connus : {', '.join(NETWORKS)})"
    if field == "publics":
        bad = [p for p in v.split("|") if p not in PUBLICS]
        if bad or not v:
            return f"public(s) inconnu(s) {', '.join(bad) or repr(v)} (publics connus : {', '.join(PUBLICS)})"
    if field == "commune_code" and v not in communes:
        return f"code commune inconnu {v!r} (code INSEE 2026 d'une commune de la région attendu)"
    if field == "postcode" and v and not _POSTCODE.fullmatch(v):
        return f"code postal mal formé {v!r} (5 chiffres attendus)"
    if field in ("latitude", "longitude"):
        try:
            f = float(v.replace(",", "."))
        except ValueError:
            return f"{field} n'est pas un nombre : {v!r}"
        lo, hi = BBOX["lat" if field == "latitude" else "lon"]
        if not (lo <= f <= hi) or math.isnan(f):
            return f"{field} {v} hors du rectangle de la région ({lo} … {hi})"
    if field == "email" and v and not _EMAIL.fullmatch(v):
        return f"adresse électronique mal formée {v!r}"
    if field == "website" and v:
        from ..safety import url_problem

        return url_problem(v)
    if field == "phone" and v and not _PHONE.fullmatch(v):
        return f"téléphone mal formé {v!r} (10 chiffres commençant par 0, ou +33 ; espaces ou points permis)"
    return None


def load_corrections(path: Path | str, known_ids: Iterable[str], communes) -> pd.DataFrame:
    """Read and validate a corrections file; raise :class:`CorrectionsError` listing every problem.

    Format: ``;``-separated, UTF-8 (with or without BOM), header
    ``action;id;field;value;author;date``:

    * ``update``: set ``field`` (one of :data:`CORRECTABLE`) of point ``id`` to ``value``;
    * ``close``: remove point ``id`` (``field`` and ``value`` empty);
    * ``confirm``: the point was checked on ``date`` and is unchanged (``field`` and ``value``
      empty): it sets ``corrected_at``, so the point is no longer ``stale``;
    * ``add``: a new point, one row per field, all rows with the same new id ``local:<name>``;
      ``name``, ``network`` and ``commune_code`` are required, ``latitude`` and ``longitude`` go
      together; ``publics`` defaults to the network's.

    ``known_ids``: ids of the directory (a merged point may also be named by an id of its
    ``merged_from``). ``communes``: the COG 2026 codes (DataFrame with ``commune_code`` or iterable).
    ``date`` is an ISO date (``YYYY-MM-DD``), ``author`` is required. Returns the rows
    (``action, id, field, value, author, date, _line``) in the order they apply (date, then line).
    """
    path = Path(path)
    known = set(known_ids)
    codes = _known_communes(communes)
    problems: list[Problem] = []
    rows = _read_rows(path, problems)
    added: dict[str, list[dict]] = {}
    new_ids = {r["id"] for r in rows if r["action"].lower() == "add"}
    for r in rows:
        _check_row(r, known, new_ids, codes, added, problems)
    _check_added(added, problems)
    if problems:
        problems.sort(key=lambda p: (p.line, p.field))
        raise CorrectionsError(path, problems)
    df = pd.DataFrame(rows, columns=[*CORRECTION_COLUMNS, "_line"])
    return df.sort_values(["date", "_line"], kind="mergesort").reset_index(drop=True)


def _read_rows(path: Path, problems: list[Problem]) -> list[dict]:
    """The rows of a corrections file (stripped cells, ``_line``); a row with the wrong number
    of fields goes to ``problems``. Raises :class:`CorrectionsError` when the file cannot be read
    at all (not UTF-8, a column missing)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorrectionsError(path, [Problem(raw[: exc.start].count(b"\n") + 1, "-", "texte non UTF-8 (enregistrer en « CSV UTF-8 »)")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in CORRECTION_COLUMNS if c not in header]
    if missing:
        raise CorrectionsError(path, [Problem(1, c, "colonne absente (séparateur « ; » attendu)") for c in missing])
    rows = []
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            problems.append(Problem(line, "-", f"{len(header)} champs attendus, {len(row)} trouvés"))
            continue
        r = {h: c.strip() for h, c in zip(header, row)}
        r["_line"] = line
        rows.append(r)
    return rows


def _check_row(r: dict, known: set[str], new_ids: set[str], codes: set[str],
               added: dict[str, list[dict]], problems: list[Problem]) -> None:
    """Check one row of the file (its action lower-cased and its date made ISO in place);
    the rows of ``add`` go to ``added`` by new id."""
    line, action, pid, field, value = r["_line"], r["action"].lower(), r["id"], r["field"], r["value"]
    r["action"] = action
    if action not in ACTIONS:
        problems.append(Problem(line, "action", f"action inconnue {r['action']!r} (add, update, close ou confirm)"))
    try:
        r["date"] = date.fromisoformat(r["date"]).isoformat()
    except ValueError:
        problems.append(Problem(line, "date", f"date invalide {r['date']!r} (AAAA-MM-JJ attendu)"))
    if not r["author"]:
        problems.append(Problem(line, "author", "auteur absent"))
    if action in ("update", "close", "confirm") and pid not in known and pid not in new_ids:
        problems.append(Problem(line, "id", f"identifiant inconnu {pid!r}"))
    if action in ("close", "confirm"):
        if field or value:
            problems.append(Problem(line, "field", f"une ligne {action} ne prend ni champ ni valeur"))
        return
    if action == "add":
        if not _LOCAL_ID.fullmatch(pid):
            problems.append(Problem(line, "id", f"un nouveau lieu prend un identifiant commençant par « local: », pas {pid!r}"))
        elif pid in known:
            problems.append(Problem(line, "id", f"l'identifiant {pid!r} existe déjà"))
        added.setdefault(pid, []).append(r)
    if action in ("add", "update"):
        if field not in CORRECTABLE:
            problems.append(Problem(line, "field", f"champ inconnu {field!r} (champs permis : {', '.join(CORRECTABLE)})"))
            return
        msg = _check_value(field, value, codes)
        if msg:
            problems.append(Problem(line, field, msg))


def _check_added(added: dict[str, list[dict]], problems: list[Problem]) -> None:
    """Check the rows of every new point together: required fields, coordinates as a pair,
    no field given twice."""
    for pid, group in added.items():
        fields = [g["field"] for g in group]
        first = group[0]["_line"]
        for f in REQUIRED_FOR_ADD:
            if f not in fields:
                problems.append(Problem(first, f, f"il manque au nouveau lieu {pid!r} une ligne {f}"))
        if ("latitude" in fields) != ("longitude" in fields):
            problems.append(Problem(first, "latitude" if "latitude" not in fields else "longitude",
                                    f"nouveau lieu {pid!r} : latitude et longitude vont ensemble"))
        for f in set(fields):
            if fields.count(f) > 1:
                dup_line = [g["_line"] for g in group if g["field"] == f][1]
                problems.append(Problem(dup_line, f, f"champ donné deux fois pour le nouveau lieu {pid!r}"))


def known_ids(directory: pd.DataFrame) -> set[str]:
    """Ids a correction may name: the directory's ids and those merged into them."""
    ids = set(directory["id"])
    for m in directory["merged_from"].fillna(""):
        ids.update(_split(m))
    return ids


def apply_corrections(
    directory: pd.DataFrame,
    corrections: pd.DataFrame,
    *,
    today: date | str | None = None,
    keep_closed: bool = False,
) -> pd.DataFrame:
    """The directory with ``corrections`` (from :func:`load_corrections`) applied in order.

    ``update`` sets the field and ``corrected_at`` (a network change also resets ``publics`` to the
    network's; a later ``publics`` row overrides it; a commune change clears the coordinates unless the file
    gives the point's ``latitude``/``longitude``); ``confirm`` sets ``corrected_at`` only;
    ``add`` creates a point (``source_id`` = ``corrections_locales``, ``source_date`` =
    ``corrected_at`` = the date of its last row); ``close`` removes the point, or with
    ``keep_closed=True`` keeps it with ``closed = True`` (column added). ``stale`` is recomputed
    from ``source_date`` and ``corrected_at`` (a correction confirms the record). Ids in
    ``merged_from`` resolve to the row they were merged into.
    """
    today_d = _today(today)
    df = directory.copy().reset_index(drop=True)
    df["corrected_at"] = df["corrected_at"].astype(object)
    df["_closed"] = False
    alias = {}
    for i, m in zip(df.index, df["merged_from"].fillna("")):
        for old in _split(m):
            alias[old] = df.at[i, "id"]
    new_rows: dict[str, dict] = {}
    located = {c["id"] for c in corrections.to_dict("records") if c["field"] in ("latitude", "longitude")}
    for c in corrections.to_dict("records"):
        if c["action"] == "add":
            _add_field(new_rows, c)
        elif c["id"] in new_rows:
            _correct_new_point(new_rows[c["id"]], c)
        else:
            _correct_point(df, c, alias, located)
    if new_rows:
        df = pd.concat([df.astype(object), _new_points(new_rows, today_d)], ignore_index=True)
    if keep_closed:
        df = df.rename(columns={"_closed": "closed"})
        cols = [*COLUMNS, "closed"]
    else:
        df = df[~df["_closed"].astype(bool)]
        cols = COLUMNS
    df["latitude"] = pd.to_numeric(df["latitude"], errors="coerce").astype("float64")
    df["longitude"] = pd.to_numeric(df["longitude"], errors="coerce").astype("float64")
    df["stale"] = [_is_stale(s, today_d, c) for s, c in zip(df["source_date"], df["corrected_at"])]
    df["stale"] = df["stale"].astype(bool)
    return df[cols].sort_values("id", kind="mergesort").reset_index(drop=True)


def _add_field(new_rows: dict[str, dict], c: dict) -> None:
    """An ``add`` row: one field of a new point (created at its first row)."""
    pid, field, value, when = c["id"], c["field"], c["value"], c["date"]
    row = new_rows.setdefault(pid, {**{col: None for col in COLUMNS}, "_closed": False})
    row["id"] = pid
    row[field] = _typed(field, value)
    row["corrected_at"] = max(filter(None, [row["corrected_at"], when]))


def _correct_new_point(row: dict, c: dict) -> None:
    """An ``update``, ``close`` or ``confirm`` row naming a point added by the file itself."""
    action, field, value, when = c["action"], c["field"], c["value"], c["date"]
    if action == "close":
        row["_closed"] = True
    elif action == "update":
        row[field] = _typed(field, value)
        if field == "network":
            row["publics"] = publics_of(value)
    row["corrected_at"] = max(row["corrected_at"], when)


def _correct_point(df: pd.DataFrame, c: dict, alias: dict[str, str], located: set[str]) -> None:
    """An ``update``, ``close`` or ``confirm`` row naming a point of the directory (or a record
    merged into one, through ``alias``), applied to ``df`` in place."""
    action, pid, field, value, when = c["action"], c["id"], c["field"], c["value"], c["date"]
    target = pid if pid in set(df["id"]) else alias.get(pid)
    if target is None:
        raise CorrectionsError("corrections", [Problem(int(c.get("_line", 0)), "id", f"identifiant inconnu {pid!r}")])
    i = df.index[df["id"] == target][0]
    if action == "close":
        df.at[i, "_closed"] = True
    elif action == "update":
        if field == "commune_code" and value != df.at[i, "commune_code"] and pid not in located:
            # moved to another commune: its old position would mislead the distances; it is
            # placed at the new commune's centre (approximate) unless the file gives coordinates
            df.at[i, "latitude"] = df.at[i, "longitude"] = None
        df.at[i, field] = _typed(field, value)
        if field == "network":
            df.at[i, "publics"] = publics_of(value)
    prev = df.at[i, "corrected_at"]
    df.at[i, "corrected_at"] = when if _missing(prev) or when > prev else prev


def _new_points(new_rows: dict[str, dict], today_d: date) -> pd.DataFrame:
    """The points added by the file, with their computed columns."""
    added = []
    for row in new_rows.values():
        if _missing(row.get("publics")):
            row["publics"] = publics_of(row["network"])
        row["source_id"] = CORRECTIONS_SOURCE_ID
        row["source_date"] = row["corrected_at"]
        row["stale"] = _is_stale(row["source_date"], today_d)
        row["merged_from"] = ""
        row["_closed"] = bool(row.get("_closed", False))
        added.append(row)
    return pd.DataFrame(added, dtype=object)


def _typed(field: str, value: str):
    if field in ("latitude", "longitude"):
        return float(value.replace(",", "."))
    return value if value != "" else None
