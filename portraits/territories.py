"""Coordinator-defined territories: the definition file format, its validation and its loading.

Format
------
A CSV file, ``;`` or ``,`` separated (detected from the header line), UTF-8 with or without BOM
(what Excel writes with « CSV UTF-8 »), one row per member::

    territory_id;label;epci_siren;commune_code
    nantes-metropole;Nantes Métropole;244400404;
    estuaire;Estuaire et Sillon;;44184
    estuaire;Estuaire et Sillon;;44211

* ``territory_id``: letters, digits, ``-`` and ``_`` only (ids become file names), at most 64
  characters; two ids differing only by case are refused (they would collide on Windows/macOS).
* ``label``: the territory's name, identical on every row of the territory.
* ``epci_siren`` *or* ``commune_code``: a row fills exactly one of them; a territory may mix whole
  EPCI and single communes. Either column may be absent from the header if unused.
* Other columns (a commune name for readability…) are ignored.

The set id is the file stem unless given; it becomes ``staging.territory_set.set_id``.

Codes are read in COG 2026 (default) or COG 2024 (``cog=2024``: codes of the 2024 communes and
EPCI, mapped to 2026 through the commune history).

Validation collects every problem before failing: :class:`DefinitionError` lists them all
(:class:`Problem`: line, field, code, French message). Warnings do not stop the load: communes of
the region left out, communes outside the region (kept, flagged ``in_region = false`` by
``territories_publish.sql``), codes converted from COG 2024, rows listing a commune twice in the
same territory, territories that split a group of communes that older data count together.

Messages are in French: coordinators read them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd

from .geography import KNOWN_SPLITS

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


class DefinitionError(ValueError):
    """The definition file has faults; ``problems`` lists every one of them."""

    def __init__(self, path, problems: Iterable[Problem]):
        self.path = Path(path)
        self.problems = sorted(problems, key=lambda p: (p.line is not None, p.line or 0, p.code))
        n = len(self.problems)
        head = f"{self.path.name} : {n} problème{'s' if n > 1 else ''} à corriger"
        super().__init__("\n".join([head] + [f"  - {p}" for p in self.problems]))


@dataclass
class Definition:
    set_id: str
    label: str
    members: pd.DataFrame  # territory_id, label, commune_code (COG 2026), one row per pair
    warnings: list[str] = field(default_factory=list)
    cog: int = 2026
    path: Path | None = None
    sha256: str = ""
    description: str = ""
    sort_order: int = 100
    detail: pd.DataFrame | None = None  # territory_id, commune_code, line, given_code, via
    portraits: bool = True  # render one portrait per territory (staging.territory_set.portraits)

    @property
    def source_id(self) -> str:
        return SOURCE_PREFIX + (self.path.name if self.path else self.set_id)

    @property
    def territories(self) -> pd.DataFrame:
        """``territory_id, label, n_communes`` in file order."""
        g = self.members.groupby("territory_id", sort=False)
        return pd.DataFrame({"label": g["label"].first(), "n_communes": g.size()}).reset_index()

    def report(self) -> str:
        """A French summary for the command line."""
        n_t, n_c = len(self.territories), self.members["commune_code"].nunique()
        vintage = "COG 2026" if self.cog == 2026 else f"COG {self.cog}, converti en COG 2026"
        lines = [f"Ensemble « {self.set_id} » ({self.label}) : {n_t} territoire{'s' if n_t > 1 else ''}, "
                 f"{n_c} commune{'s' if n_c > 1 else ''} ({vintage})."]
        for t in self.territories.itertuples(index=False):
            lines.append(f"  {t.territory_id} — {t.label} : {t.n_communes} commune{'s' if t.n_communes > 1 else ''}")
        for w in self.warnings:
            lines.append(f"Attention : {w}")
        return "\n".join(lines)

    def insert_into(self, con) -> None:
        """Insert the set into ``staging.territory_set`` and ``staging.territory_member``
        (created by ``territories.sql``), replacing rows of the same set id."""
        con.execute("delete from staging.territory_member where set_id = ?", [self.set_id])
        con.execute("delete from staging.territory_set where set_id = ?", [self.set_id])
        columns = {r[0] for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'staging' and table_name = 'territory_set'").fetchall()}
        names = ["set_id", "label", "source_id", "description", "sort_order"]
        values = [self.set_id, self.label, self.source_id, self.description, self.sort_order]
        if "portraits" in columns:
            names.append("portraits")
            values.append(self.portraits)
        con.execute(
            f"insert into staging.territory_set ({', '.join(names)}) "
            f"values ({', '.join('?' for _ in names)})",
            values,
        )
        frame = self.members[["territory_id", "label", "commune_code"]].copy()
        frame.insert(0, "set_id", self.set_id)
        name = "_definition_members"
        con.register(name, frame)
        try:
            con.execute(
                "insert into staging.territory_member (set_id, territory_id, label, commune_code) "
                f"select set_id, territory_id, label, commune_code from {name}"
            )
        finally:
            con.unregister(name)


# ----------------------------------------------------------------------------------------------
# reading


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
    _check_header(header, header_line_no, sep, rows, problems)
    return _records(header, rows, sep, problems), sep


# ----------------------------------------------------------------------------------------------
# reference tables


def _communes_table(communes: pd.DataFrame) -> tuple[set[str], dict[str, str]]:
    """Current codes and names of a commune frame (sources.cog.parse_communes or ref.commune)."""
    if "code" in communes.columns:
        cur = communes[communes["type"] == "commune-actuelle"] if "type" in communes.columns else communes
        names = dict(zip(communes["code"], communes["name"]))
        names.update(zip(cur["code"], cur["name"]))  # a current commune's name wins over a delegated one
        return set(cur["code"]), names
    if "commune_code" in communes.columns:
        label = "label" if "label" in communes.columns else None
        names = dict(zip(communes["commune_code"], communes[label])) if label else {}
        return set(communes["commune_code"]), names
    raise KeyError("communes: expected columns (code, name, type) or (commune_code, label)")


def _name(code: str, *tables: dict) -> str:
    for t in tables:
        v = t.get(code)
        if isinstance(v, str) and v:
            return f"{code} ({v})"
    return code


def _listing(codes, names: dict, limit: int = MAX_LISTED) -> str:
    codes = list(codes)
    shown = ", ".join(_name(c, names) for c in codes[:limit])
    return shown + (f" … (+{len(codes) - limit})" if len(codes) > limit else "")


def _lines(lines) -> str:
    lines = sorted(set(lines))
    return ("ligne " if len(lines) == 1 else "lignes ") + ", ".join(map(str, lines))


# ----------------------------------------------------------------------------------------------
# loading


def load_definition(
    path,
    *,
    set_id: str | None = None,
    cog: int = 2026,
    communes: pd.DataFrame,
    epci_members: pd.DataFrame,
    history: pd.DataFrame,
    region_communes: set[str],
    label: str | None = None,
    description: str | None = None,
    sort_order: int = 100,
    portraits: bool = True,
) -> Definition:
    """Read and validate a coordinator definition file.

    ``communes`` and ``epci_members`` describe the COG vintage the file is written in (``cog``):
    :func:`sources.cog.parse_communes` (or a ``commune_code, label`` table of current communes)
    and :func:`sources.cog.parse_epci` frames. ``history`` is :func:`portraits.geography.
    commune_history` (``old_code, new_code`` and, for messages, ``old_name, new_name``);
    ``region_communes`` the 2026 communes of the region. Communes of other regions are known only
    as members of an EPCI of ``epci_members``.

    Returns a :class:`Definition` whose members are in COG 2026; raises :class:`DefinitionError`
    listing every problem.
    """
    if cog not in SUPPORTED_COG:
        raise ValueError(f"unsupported COG vintage {cog}: use one of {', '.join(map(str, SUPPORTED_COG))}")
    path = Path(path)
    problems: list[Problem] = []
    warnings: list[str] = []

    set_id = path.stem if set_id is None else set_id
    _check_set_id(set_id, problems)
    try:
        records, _sep = _read_rows(path, problems)
    except _Fatal:
        raise DefinitionError(path, problems) from None

    ref = _reference(communes, epci_members, history, cog)
    rows = _Rows()
    for rec in records:
        _check_row(rec, ref, rows, problems)
    _check_codeless_rows(rows, problems)
    _check_id_case(rows, problems)
    _check_labels(rows, problems)
    det = pd.DataFrame(rows.detail, columns=["territory_id", "commune_code", "line", "given_code", "via"])
    if not det.empty:
        _check_communes_in_two(det, ref, problems)
        warnings.extend(_listed_twice(det, ref))
    if problems:
        raise DefinitionError(path, problems)

    members = _members(det, rows)
    warnings.extend(_coverage_warnings(members, region_communes, rows.converted, ref))
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    if description is None:
        description = _description(path, sha, cog, members, region_communes)
    return Definition(
        set_id=set_id,
        label=label or f"Territoires personnalisés ({set_id})",
        members=members,
        warnings=warnings,
        cog=cog,
        path=path,
        sha256=sha,
        description=description,
        sort_order=sort_order,
        detail=det,
        portraits=portraits,
    )


def _check_set_id(set_id: str, problems: list[Problem]) -> None:
    if not ID_PATTERN.fullmatch(set_id or ""):
        problems.append(Problem(None, "set_id", "bad_set_id",
                                f"« {set_id} » ne peut pas servir d'identifiant d'ensemble (lettres, chiffres, "
                                "« - » et « _ » seulement, 64 caractères au plus) : renommez le fichier "
                                "ou indiquez un identifiant."))
    elif set_id.lower() in RESERVED_SET_IDS:
        problems.append(Problem(None, "set_id", "reserved_set_id",
                                f"« {set_id} » est le nom d'un ensemble standard "
                                f"({', '.join(sorted(RESERVED_SET_IDS))}) : choisissez un autre nom."))


@dataclass
class _Reference:
    """The reference tables as the checks read them: ``*_v`` in the file's COG vintage, ``names26``
    the names to show (2026 names first when the file is in COG 2026)."""

    cog: int
    history: pd.DataFrame
    current: set[str]  # current communes of the vintage
    names_v: dict[str, str]
    parents_v: dict[str, str]  # delegated or associated commune -> its commune, in the vintage
    old_to_new: dict[str, str]  # former code -> 2026 code
    old_names: dict[str, str]
    new_names: dict[str, str]
    names26: dict[str, str]
    epci_communes: dict[str, list[str]]  # EPCI SIREN -> member communes (vintage)
    epci_member_codes: set[str]
    member_names: dict[str, str]

    def to_2026(self, code: str) -> str:
        return self.old_to_new.get(code, code) if self.cog == 2024 else code


def _reference(communes: pd.DataFrame, epci_members: pd.DataFrame, history: pd.DataFrame,
               cog: int) -> _Reference:
    current, names_v = _communes_table(communes)
    parents_v = {}
    if {"code", "type", "parent_code"} <= set(communes.columns):
        child = communes[(communes["type"] != "commune-actuelle") & ~communes["code"].isin(current)]
        parents_v = dict(zip(child["code"], child["parent_code"]))
    hist = history.drop_duplicates("old_code").set_index("old_code")
    old_to_new = hist["new_code"].to_dict()
    old_names = hist["old_name"].dropna().to_dict() if "old_name" in hist.columns else {}
    new_names = dict(zip(history["new_code"], history["new_name"])) if "new_name" in history.columns else {}
    names26 = {**names_v, **new_names} if cog == 2024 else {**new_names, **names_v}
    epci_communes = epci_members.groupby("epci_siren")["commune_code"].apply(list).to_dict()
    epci_member_codes = set(epci_members["commune_code"])
    member_names = dict(zip(epci_members["commune_code"], epci_members.get("commune_name", epci_members["commune_code"])))
    return _Reference(cog, history, current, names_v, parents_v, old_to_new, old_names, new_names, names26,
                      epci_communes, epci_member_codes, member_names)


@dataclass
class _Rows:
    """What the row checks gather for the territory checks."""

    detail: list[tuple] = field(default_factory=list)  # territory_id, commune_code (2026), line, given_code, via
    no_code_rows: dict[str, list[int]] = field(default_factory=dict)  # territory_id -> lines without a code
    rows_by_tid: dict[str, list[dict]] = field(default_factory=dict)  # in file order
    converted: dict[str, str] = field(default_factory=dict)  # COG 2024 code -> 2026 code


def _check_row(rec: dict, ref: _Reference, rows: _Rows, problems: list[Problem]) -> None:
    """Check one row and resolve its EPCI or commune to 2026 communes (into ``rows.detail``)."""
    line, tid, lab = rec["line"], rec["territory_id"], rec["label"]
    ep, cc = rec["epci_siren"], rec["commune_code"]
    if not tid:
        problems.append(Problem(line, "territory_id", "empty_id", "identifiant de territoire vide."))
    elif not ID_PATTERN.fullmatch(tid):
        bad = sorted({ch for ch in tid if not re.fullmatch(r"[A-Za-z0-9_-]", ch)})
        why = (f"caractère(s) non autorisé(s) : {' '.join(repr(c) for c in bad)}" if bad
               else "plus de 64 caractères")
        problems.append(Problem(line, "territory_id", "bad_id",
                                f"identifiant « {tid} » invalide ({why}) : lettres sans accent, chiffres, "
                                "« - » et « _ » seulement (l'identifiant devient un nom de fichier)."))
    if not lab:
        problems.append(Problem(line, "label", "empty_label", "libellé du territoire vide."))
    if tid:
        rows.rows_by_tid.setdefault(tid, []).append(rec)
    if ep and cc:
        problems.append(Problem(line, None, "both_codes",
                                f"la ligne remplit à la fois epci_siren ({ep}) et commune_code ({cc}) : "
                                "une ligne désigne soit un EPCI entier, soit une commune."))
        return
    if not ep and not cc:
        rows.no_code_rows.setdefault(tid, []).append(line)
        return
    if cc:
        _resolve_commune(line, tid, cc, ref, rows, problems)
    else:
        _resolve_epci(line, tid, ep, ref, rows, problems)


def _resolve_commune(line: int, tid: str, cc: str, ref: _Reference, rows: _Rows,
                     problems: list[Problem]) -> None:
    cog = ref.cog
    if not COMMUNE_PATTERN.fullmatch(cc):
        hint = ""
        if re.fullmatch(r"\d{4}", cc) and ("0" + cc in ref.current or "0" + cc in ref.epci_member_codes):
            hint = f" Le zéro initial a-t-il été perdu (0{cc}) ? Mettez la colonne au format Texte."
        elif SIREN_PATTERN.fullmatch(cc):
            hint = " Cela ressemble à un SIREN d'EPCI : mettez-le dans la colonne epci_siren."
        problems.append(Problem(line, "commune_code", "bad_commune_code",
                                f"« {cc} » n'est pas un code commune INSEE (5 caractères).{hint}"))
        return
    if cc in ref.current or (cc in ref.epci_member_codes and cc not in ref.old_to_new):
        new = ref.to_2026(cc)
        if new != cc:
            rows.converted[cc] = new
        if tid:
            rows.detail.append((tid, new, line, cc, "commune"))
    elif cc in ref.old_to_new:
        new = ref.old_to_new[cc]
        msg = (f"{_name(cc, ref.old_names)} est une ancienne commune, fusionnée dans "
               f"{_name(new, ref.new_names, ref.names26)} : utilisez le code {new}")
        if cog == 2026 and cc in _gone_after_2024(ref.history):
            msg += " (ou indiquez --cog 2024 si tout le fichier est en COG 2024)"
        problems.append(Problem(line, "commune_code", "former_commune", msg + "."))
    elif cc in ref.parents_v:
        parent = ref.parents_v[cc]
        new = ref.to_2026(parent)
        after = f" (aujourd'hui {_name(new, ref.names26)})" if new != parent else ""
        problems.append(Problem(line, "commune_code", "former_commune",
                                f"{_name(cc, ref.names_v)} est une commune déléguée ou associée de "
                                f"{_name(parent, ref.names_v)} dans le COG {cog}{after} : utilisez le "
                                f"code {parent}."))
    elif cc[:2] not in REGION_DEPARTEMENTS:
        problems.append(Problem(line, "commune_code", "unknown_commune",
                                f"code commune {cc} inconnu : hors de la région, seules les communes "
                                f"des EPCI du COG {cog} ayant au moins une commune dans la région sont "
                                "connues (indiquez plutôt l'EPCI, ou vérifiez le code)."))
    else:
        problems.append(Problem(line, "commune_code", "unknown_commune",
                                f"code commune {cc} inconnu dans le COG {cog}."))


def _resolve_epci(line: int, tid: str, ep: str, ref: _Reference, rows: _Rows,
                  problems: list[Problem]) -> None:
    cog = ref.cog
    if not SIREN_PATTERN.fullmatch(ep):
        hint = ""
        if COMMUNE_PATTERN.fullmatch(ep):
            hint = " Cela ressemble à un code commune : mettez-le dans la colonne commune_code."
        problems.append(Problem(line, "epci_siren", "bad_epci_siren",
                                f"« {ep} » n'est pas un SIREN d'EPCI (9 chiffres).{hint}"))
        return
    if ep not in ref.epci_communes:
        problems.append(Problem(line, "epci_siren", "unknown_epci",
                                f"EPCI {ep} inconnu parmi les EPCI du COG {cog} ayant au moins une "
                                "commune dans la région."))
        return
    for c in ref.epci_communes[ep]:
        new = ref.to_2026(c)
        if new != c:
            rows.converted[c] = new
        if tid:
            rows.detail.append((tid, new, line, c, f"epci:{ep}"))


def _check_codeless_rows(rows: _Rows, problems: list[Problem]) -> None:
    """Rows with neither an EPCI nor a commune: a problem each, or one for a territory with no code."""
    for tid, lines in rows.no_code_rows.items():
        if not tid:
            for line in lines:
                problems.append(Problem(line, None, "no_code", "ni epci_siren ni commune_code : ligne vide de sens."))
        elif len(lines) == len(rows.rows_by_tid.get(tid, [])):
            problems.append(Problem(lines[0], None, "empty_territory",
                                    f"le territoire « {tid} » n'a aucun EPCI ni aucune commune "
                                    f"({_lines(lines)} sans code)."))
        else:
            for line in lines:
                problems.append(Problem(line, None, "no_code",
                                        "ni epci_siren ni commune_code : indiquez l'un des deux."))


def _check_id_case(rows: _Rows, problems: list[Problem]) -> None:
    """Two territory ids differing only by case would give the same file name."""
    by_lower: dict[str, list[str]] = {}
    for tid in rows.rows_by_tid:
        by_lower.setdefault(tid.lower(), []).append(tid)
    for spellings in by_lower.values():
        if len(spellings) > 1:
            firsts = {t: rows.rows_by_tid[t][0]["line"] for t in spellings}
            later = sorted(spellings, key=firsts.get)
            desc = " et ".join(f"« {t} » (ligne {firsts[t]})" for t in later)
            problems.append(Problem(firsts[later[1]], "territory_id", "duplicate_id",
                                    f"les identifiants {desc} ne diffèrent que par la casse : ils donneraient "
                                    "le même nom de fichier. Utilisez un seul identifiant par territoire."))


def _check_labels(rows: _Rows, problems: list[Problem]) -> None:
    """One label per territory."""
    for tid, recs in rows.rows_by_tid.items():
        labels: dict[str, list[int]] = {}
        for r in recs:
            if r["label"]:
                labels.setdefault(r["label"], []).append(r["line"])
        if len(labels) > 1:
            ordered = sorted(labels.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
            desc = " ; ".join(f"« {lab} » ({_lines(ls)})" for lab, ls in ordered)
            first_odd = min(ordered[1][1])
            problems.append(Problem(first_odd, "label", "label_mismatch",
                                    f"le territoire « {tid} » a plusieurs libellés : {desc}. "
                                    "Un même libellé sur toutes ses lignes."))


def _check_communes_in_two(det: pd.DataFrame, ref: _Reference, problems: list[Problem]) -> None:
    """A commune in two territories: one problem per (line, territory already holding the communes)."""
    per_commune = det.groupby("commune_code")["territory_id"].nunique()
    clash = per_commune[per_commune > 1].index
    if not len(clash):
        return
    c = det[det["commune_code"].isin(clash)]
    pairs: dict[tuple, dict] = {}
    for code, part in c.groupby("commune_code"):
        firsts = part.sort_values("line").drop_duplicates("territory_id")
        base = firsts.iloc[0]
        for other in firsts.iloc[1:].itertuples(index=False):
            entry = pairs.setdefault((int(other.line), other.territory_id, base.territory_id),
                                     {"codes": [], "lines": set()})
            entry["codes"].append(code)
            entry["lines"].add(int(base.line))
    names26 = ref.names26
    for (l2, t2, t1), entry in sorted(pairs.items()):
        codes = entry["codes"]
        merged = ""
        if ref.cog == 2024:
            notes = []
            for code in codes:
                given = sorted(set(det.loc[det["commune_code"] == code, "given_code"]) - {code})
                if given:
                    notes.append(f"{', '.join(given)} et {code} forment {_name(code, names26)} en 2026")
            merged = (" (" + " ; ".join(notes) + ")") if notes else ""
        n = len(codes)
        problems.append(Problem(
            l2, None, "commune_in_two_territories",
            f"{'la commune' if n == 1 else f'{n} communes'} {_listing(codes, names26)} "
            f"{'est' if n == 1 else 'sont'} dans le territoire « {t2} » (ligne {l2}) et déjà dans le "
            f"territoire « {t1} » ({_lines(entry['lines'])}){merged}. "
            "Une commune appartient à un seul territoire.",
        ))


def _listed_twice(det: pd.DataFrame, ref: _Reference) -> list[str]:
    """The warning (none or one) for communes listed twice in one territory (counted once)."""
    twice = det[det.duplicated(["territory_id", "commune_code"], keep=False)]
    if twice.empty:
        return []
    parts = []
    for (tid, code), part in twice.groupby(["territory_id", "commune_code"]):
        parts.append(f"{_name(code, ref.names26)} dans « {tid} » ({_lines(part['line'])})")
    return [f"{len(parts)} commune(s) listée(s) deux fois dans le même territoire (comptée(s) "
            f"une fois) : {'; '.join(parts[:MAX_LISTED])}{' …' if len(parts) > MAX_LISTED else ''}."]


def _members(det: pd.DataFrame, rows: _Rows) -> pd.DataFrame:
    """``territory_id, label, commune_code``: one row per pair, territories in file order."""
    label_of = {tid: next(r["label"] for r in recs if r["label"]) for tid, recs in rows.rows_by_tid.items()}
    members = det.drop_duplicates(["territory_id", "commune_code"])[["territory_id", "commune_code"]].copy()
    members["label"] = members["territory_id"].map(label_of)
    order = {tid: i for i, tid in enumerate(rows.rows_by_tid)}
    return (members.assign(_o=members["territory_id"].map(order))
            .sort_values(["_o", "commune_code"]).drop(columns="_o")
            [["territory_id", "label", "commune_code"]].reset_index(drop=True))


def _coverage_warnings(members: pd.DataFrame, region_communes: set[str], converted: dict[str, str],
                       ref: _Reference) -> list[str]:
    """Warnings of a valid definition: communes of the region left out, communes outside the region,
    COG 2024 codes converted, groups of communes that older data count together split."""
    warnings = []
    names26 = ref.names26
    covered = set(members["commune_code"])
    left_out = sorted(set(region_communes) - covered)
    if left_out:
        warnings.append(f"{len(left_out)} commune(s) de la région ne sont dans aucun territoire : "
                        f"{_listing(left_out, names26)}.")
    outside = members[~members["commune_code"].isin(region_communes)]
    if not outside.empty:
        parts = [f"{_name(r.commune_code, ref.member_names, names26)} dans « {r.territory_id} »"
                 for r in outside.itertuples(index=False)]
        warnings.append(f"{len(outside)} commune(s) hors région, conservée(s) et signalée(s) : "
                        f"{'; '.join(parts[:MAX_LISTED])}{' …' if len(parts) > MAX_LISTED else ''}.")
    if converted:
        pairs = [f"{old} → {_name(new, names26)}" for old, new in sorted(converted.items())]
        warnings.append(f"{len(converted)} code(s) du COG 2024 convertis en COG 2026 : {', '.join(pairs)}.")
    territory_of = dict(zip(members["commune_code"], members["territory_id"]))
    for parent, split in KNOWN_SPLITS.items():
        group = [parent, *split["restored"]]
        where = {territory_of.get(c) for c in group}
        if len(where) > 1 and where != {None}:
            warnings.append(
                f"les communes {_listing(group, names26)} sont dans des territoires différents : les données "
                f"antérieures à {split['year']} les comptent ensemble ({_name(parent, names26)}) et ne "
                "pourront pas être réparties entre ces territoires.")
    return warnings


def _description(path: Path, sha: str, cog: int, members: pd.DataFrame, region_communes: set[str]) -> str:
    """The set's default description (English, for the database's metadata)."""
    covered = set(members["commune_code"])
    outside = members[~members["commune_code"].isin(region_communes)]
    n_t = members["territory_id"].nunique()
    return (f"Coordinator definition {path.name} (sha256 {sha[:12]}, COG {cog}"
            f"{' mapped to 2026' if cog != 2026 else ''}): {n_t} territories, "
            f"{len(covered)} communes"
            f"{f', {len(outside)} outside the region' if len(outside) else ''}.")


def _gone_after_2024(history: pd.DataFrame) -> set[str]:
    if "kind" not in history.columns:
        return set()
    return set(history.loc[history["kind"].isin(["merged_after_2024", "recoded_after_2024"]), "old_code"])


# ----------------------------------------------------------------------------------------------
# reference tables from the warehouse or from the official files


def parse_spec(spec) -> tuple[Path, str | None, int | None]:
    """``/path/file.csv#set=ID#cog=2024`` (as written by ``portraits build --territories``) →
    ``(path, set_id, cog)``; plain paths give ``(path, None, None)``."""
    text = str(spec)
    if Path(text).is_file():  # a file whose name holds a '#' (terr#2.csv) is a file, not options
        return Path(text), None, None
    path, *options = text.split("#")
    set_id = cog = None
    for opt in options:
        key, _, value = opt.partition("=")
        if key == "set" and value:
            set_id = value
        elif key == "cog" and value:
            cog = int(value)
        else:
            raise ValueError(f"unknown option {opt!r} in territory definition spec {text!r}")
    return Path(path), set_id, cog


def _region_communes(c26: pd.DataFrame) -> set[str]:
    cur = c26[c26["type"] == "commune-actuelle"]
    return set(cur.loc[cur["departement"].isin(REGION_DEPARTEMENTS), "code"])


def _load_with(path, set_id, cog, c26, e26, c24, e24, **kw) -> Definition:
    from .geography import commune_history

    history = commune_history(c26, c24)
    communes, epci = (c26, e26) if cog == 2026 else (c24, e24)
    return load_definition(path, set_id=set_id, cog=cog, communes=communes, epci_members=epci,
                           history=history, region_communes=_region_communes(c26), **kw)


def load_from_warehouse(con, path, *, set_id: str | None = None, cog: int | None = None, **kw) -> Definition:
    """:func:`load_definition` with the reference read from the working database.

    ``path`` may carry ``#set=ID#cog=YEAR`` (see :func:`parse_spec`). Reads ``raw.cog_communes_2026``
    and ``raw.cog_epci_2026``, and ``raw.cog_communes_2024`` when present (history of the 2024
    codes); ``cog=2024`` also needs ``raw.cog_epci_2024`` (datasets ``cog_communes_2024`` and
    ``cog_epci_2024``, parsed by ``sources.cog.parse_communes`` / ``parse_epci``).
    """
    path, spec_set, spec_cog = parse_spec(path)
    set_id = set_id or spec_set
    cog = cog or spec_cog or 2026
    tables = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()}

    def table(name: str, required: bool) -> pd.DataFrame | None:
        if name not in tables:
            if required:
                raise LookupError(
                    f"raw.{name} is not in the working database: ingest dataset {name} first "
                    f"(needed to read a definition written in COG {cog})")
            return None
        return con.execute(f'select * from raw."{name}"').df()

    c26 = table("cog_communes_2026", True)
    e26 = table("cog_epci_2026", True)
    c24 = table("cog_communes_2024", cog == 2024)
    e24 = table("cog_epci_2024", cog == 2024)
    return _load_with(path, set_id, cog, c26, e26, c24, e24, **kw)


def check_file(path, *, set_id: str | None = None, cog: int = 2026, **fetch_kwargs) -> Definition:
    """:func:`load_definition` with the reference read from the official files (mirror or
    download, through :func:`sources.fetch.fetch`; ``fetch_kwargs`` are passed on). For
    ``portraits territories check``: no database needed."""
    from sources import catalog, cog as cog_source, cog_history
    from sources.fetch import fetch

    extra = {d.id: d for d in cog_history.DATASETS}

    def dataset(dataset_id: str):
        try:
            return catalog.get(dataset_id)
        except KeyError:
            return extra[dataset_id]

    def communes(dataset_id):
        return cog_source.parse_communes(fetch(dataset(dataset_id), **fetch_kwargs).path, dataset_id=dataset_id)

    def epci(dataset_id):
        return cog_source.parse_epci(fetch(dataset(dataset_id), **fetch_kwargs).path, dataset_id=dataset_id)

    path, spec_set, spec_cog = parse_spec(path)
    set_id = set_id or spec_set
    cog = cog if spec_cog is None else spec_cog
    if not path.is_file():
        raise FileNotFoundError(path)
    c26, e26 = communes("cog_communes_2026"), epci("cog_epci_2026")
    c24 = communes("cog_communes_2024")
    e24 = epci("cog_epci_2024") if cog == 2024 else None
    return _load_with(path, set_id, cog, c26, e26, c24, e24)
