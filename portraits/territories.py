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

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd

# the format's constants, the reading and the row checks live in definition_file and definition_rows;
# the names other modules use are importable from here
from .definition_file import (COLUMNS, ID_PATTERN, REGION_DEPARTEMENTS, RESERVED_SET_IDS,  # noqa: F401
                              SOURCE_PREFIX, SUPPORTED_COG, Problem, _Fatal, _read_rows)
from .definition_rows import (_check_codeless_rows, _check_communes_in_two, _check_id_case,
                              _check_labels, _check_row, _coverage_warnings, _description,
                              _listed_twice, _members, _reference, _Rows)



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
