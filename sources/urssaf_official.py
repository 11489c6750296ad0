"""URSSAF: the official commune × APE layout, told from the mirror's by its header and read with DuckDB.

Split from :mod:`sources.urssaf`, which declares the datasets, holds the public parsers and the mirror
layout, and documents both layouts (the official one: ``official_layouts/urssaf_commune_ape/LAYOUT.md``
in the mirror). This module holds what the official file's layout needs:

* the grand secteurs (:data:`SECTORS`) and how a label written by either layout maps to its code;
* the official dimension columns (:data:`OFFICIAL_DIMENSIONS`) and year columns, and
  :func:`layout_of`, which tells the two layouts apart from the header line (:func:`_read_header`);
* the DuckDB reading of the official file (table ``kept``, checks, sums over APE) behind
  :func:`_effectifs_official` and :func:`_secteurs_official`, with errors naming file, line and column.

It imports nothing from :mod:`sources.urssaf` (which re-exports its public names).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path
from typing import Callable

import duckdb
import numpy as np
import pandas as pd

from .errors import SourceFormatError
from .tabular import COMMUNE_CODE

# --- grand secteurs: the labels of both layouts (``GS6 Intérim``, or ``Intérim`` without the code)
SECTORS: dict[str, str] = {
    "GS1": "Industrie",
    "GS2": "Construction",
    "GS3": "Commerce",
    "GS4": "Hôtellerie-restauration",
    "GS5": "Autres services marchands hors intérim",
    "GS6": "Intérim",
    "GS7": "Services non marchands",
}
_CODE_BY_LABEL = {label.casefold(): code for code, label in SECTORS.items()}

SECTOR_LABEL = re.compile(r"^(GS\d)\s+(.+)$")


def _sector_of(label: str) -> str | None:
    """``GSn`` of a grand secteur label (``GS6 Intérim`` or ``Intérim``); None when unknown or when
    the prefix contradicts the label."""
    text = " ".join(str(label).split())
    m = SECTOR_LABEL.match(text)
    if m:
        code = m.group(1)
        return code if SECTORS.get(code, "").casefold() == m.group(2).casefold() else None
    return _CODE_BY_LABEL.get(text.casefold())


# --- official layout: the commune × APE file (LAYOUT.md: field name, label, in the file's order)
OFFICIAL_DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("region", "Région"),
    ("ancienne_region", "Ancienne région"),
    ("departement", "Département"),
    ("zone_d_emploi", "Zone d'emploi"),
    ("epci", "EPCI"),
    ("commune", "Nom commune"),
    ("intitule_commune", "Commune"),
    ("grand_secteur_d_activite", "Grand secteur d'activité"),
    ("secteur_na17", "Secteur NA17"),
    ("secteur_na38", "Secteur NA38"),
    ("secteur_na88", "Secteur NA88"),
    ("ape", "APE"),
    ("code_region", "Code région"),
    ("code_ancienne_region", "Code ancienne région"),
    ("code_departement", "Code département"),
    ("code_zone_d_emploi", "Code zone d'emploi"),
    ("code_epci", "Code EPCI"),
    ("code_commune", "Code commune"),
    ("code_ape", "Code APE"),
)
_LABEL_OF = dict(OFFICIAL_DIMENSIONS)
_MIRROR_COLUMNS = {"code_commune", "code_departement", "grand_secteur_d_activite"}
# a header holding any of these is the official layout (the mirror has none of them)
_OFFICIAL_MARKERS = ({f for f, _ in OFFICIAL_DIMENSIONS} - _MIRROR_COLUMNS) | set(_LABEL_OF.values())
# year columns: (kind, year); kind "n" = establishments, "e" = salaried headcount
_OFFICIAL_YEAR = (
    (re.compile(r"^nombre_d_etablissements_(\d{4})$"), "n"),
    (re.compile(r"^effectifs_salaries_(\d{4})$"), "e"),
    (re.compile(r"^Nombre d['’]établissements (\d{4})$"), "n"),
    (re.compile(r"^Effectifs salariés (\d{4})$"), "e"),
)
_LABEL_YEAR = re.compile(r"^(?:Nombre d['’]établissements|Effectifs salariés) \d{4}$")
_WHOLE = r"\d+(\.0*)?"  # a count, as the mirror accepts it (``12.0`` float artefacts included)
DUCKDB_MEMORY_LIMIT = "512MB"


# --- which layout: the header line ------------------------------------------------------------


def _read_header(path: Path, dataset_id: str) -> list[str]:
    """The header line's names, after checking that the file is text and looks like CSV."""
    try:
        with open(path, "rb") as f:
            first = f.readline(1 << 20)
            rest = f.read(1 << 12) if not first.strip() else b""
    except OSError as exc:
        raise SourceFormatError(path, f"cannot be read ({exc.strerror or exc})",
                                dataset_id=dataset_id) from None
    if not first.strip() and not rest.strip():
        raise SourceFormatError(path, "file is empty; expected a ';' CSV file with a header line", line=1,
                                dataset_id=dataset_id)
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path, f"header line is not valid UTF-8 text ({exc.reason})", line=1,
                                dataset_id=dataset_id) from None
    lead = text.lstrip()
    if not lead:
        raise SourceFormatError(path, "first line is blank; expected the header line", line=1,
                                dataset_id=dataset_id)
    if lead.startswith("<"):
        raise SourceFormatError(
            path, "an HTML/XML page, not a ';' CSV file (an error page served instead of the export?)",
            line=1, value=lead[:80].strip(), dataset_id=dataset_id,
        )
    if lead[0] in "{[":
        raise SourceFormatError(path, "a JSON document, not a ';' CSV file (an API error message?)",
                                line=1, value=lead[:80].strip(), dataset_id=dataset_id)
    return [name.strip() for name in next(csv.reader(io.StringIO(text, newline=""), delimiter=";"))]


def layout_of(header: list[str]) -> str:
    """``"official"`` (commune × APE file, labels or field names) or ``"mirror"``."""
    if any(h in _OFFICIAL_MARKERS or _LABEL_YEAR.match(h) for h in header):
        return "official"
    return "mirror"


# --- official layout ---------------------------------------------------------------------------


def _official_columns(path: Path, header: list[str], dataset_id: str, *, sector: bool) -> dict:
    """Positions of the columns the parsers use; errors name the expected column."""
    labels = any(h in set(_LABEL_OF.values()) or _LABEL_YEAR.match(h) for h in header)

    def expected(field: str) -> str:
        return _LABEL_OF[field] if labels else field

    def shown() -> str:
        return ", ".join(header[:20]) + ("…" if len(header) > 20 else "")

    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in seen:
            raise SourceFormatError(path, "column appears twice in the header", line=1, column=name,
                                    dataset_id=dataset_id)
        seen[name] = i

    def find(field: str, required: bool) -> int | None:
        for name in (field, _LABEL_OF[field]):
            if name in seen:
                return seen[name]
        if required:
            raise SourceFormatError(
                path, f"missing column {expected(field)!r} in the official commune × APE layout; "
                f"header has: {shown()}", line=1, column=expected(field), dataset_id=dataset_id,
            )
        return None

    cols = {
        "c": find("code_commune", True),
        "d": find("code_departement", False),
        "s": find("grand_secteur_d_activite", sector),
        "a": find("code_ape", False),
    }
    years: dict[int, dict[str, int]] = {}
    for i, name in enumerate(header):
        for pattern, kind in _OFFICIAL_YEAR:
            m = pattern.match(name)
            if m:
                years.setdefault(int(m.group(1)), {})[kind] = i
    if not years:
        pair = (("Nombre d'établissements YYYY", "Effectifs salariés YYYY") if labels
                else ("nombre_d_etablissements_YYYY", "effectifs_salaries_YYYY"))
        raise SourceFormatError(
            path, f"no year column: expected {pair[0]!r} and {pair[1]!r} for each year; "
            f"header has: {shown()}",
            line=1, column=pair[1], dataset_id=dataset_id,
        )
    for year, kinds in sorted(years.items()):
        if len(kinds) != 2:
            (kind, i), = kinds.items()
            other = {"n": ("Effectifs salariés {}", "effectifs_salaries_{}"),
                     "e": ("Nombre d'établissements {}", "nombre_d_etablissements_{}")}[kind]
            raise SourceFormatError(
                path, f"year column without its pair: expected {other[0 if labels else 1].format(year)!r} "
                "as well (two columns per year)", line=1, column=header[i], dataset_id=dataset_id,
            )
    cols["years"] = dict(sorted(years.items()))
    return cols


def _kept(row: list[str], cols: dict, departements: list[str] | None) -> bool:
    """Python twin of the SQL filter of :func:`_load_official` (used to find a row's line)."""
    if departements is None:
        return True
    if cols["d"] is not None:
        return row[cols["d"]].strip() in departements
    code = row[cols["c"]].strip()
    return code[:2] in departements or code[:3] in departements


def _line_of(path: Path, cols: dict, departements: list[str] | None, rowid: int) -> int | None:
    """Physical line of the ``rowid``-th kept row (error path only: streams the file once)."""
    with open(path, encoding="utf-8-sig", newline="", errors="replace") as f:
        reader = csv.reader(f, delimiter=";")
        next(reader, None)
        n = -1
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            try:
                keep = _kept(row, cols, departements)
            except IndexError:
                continue
            if keep:
                n += 1
                if n == rowid:
                    return reader.line_num
    return None


def _duckdb_error(path: Path, exc: Exception, dataset_id: str) -> SourceFormatError:
    text = str(exc)
    line = re.search(r"Line: (\d+)", text)
    fields = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if fields:
        reason = f"expected {fields.group(1)} fields, found {fields.group(2)}"
    else:
        reason = "not a well-formed ';' CSV file: " + text.splitlines()[0][:200]
    return SourceFormatError(path, reason, line=int(line.group(1)) if line else None, dataset_id=dataset_id)


def _load_official(con, path: Path, header: list[str], cols: dict, departements: list[str] | None,
                   years: list[int], dataset_id: str) -> None:
    """Table ``kept``: the rows of ``departements``, with the columns used, every cell as text
    (blank = NULL); columns c (commune), d (département), s (sector), a (APE), e<year>, n<year>."""
    names = [f"f{i}" for i in range(len(header))]  # our own names: nothing from the file goes into SQL

    def cell(i: int | None) -> str:
        return f"nullif(trim(f{i}), '')" if i is not None else "null"

    select = [f"trim(coalesce(f{cols['c']}, '')) as c", f"{cell(cols['d'])} as d", f"{cell(cols['s'])} as s",
              f"{cell(cols['a'])} as a"]
    for year in years:
        pair = cols["years"][year]
        select += [f"{cell(pair['e'])} as e{year}", f"{cell(pair['n'])} as n{year}"]
    params: list = [str(path)]
    where = ""
    if departements is not None:
        if cols["d"] is not None:
            where = f"where list_contains(?, trim(f{cols['d']}))"
            params.append(departements)
        else:
            code = f"trim(f{cols['c']})"
            where = f"where list_contains(?, left({code}, 2)) or list_contains(?, left({code}, 3))"
            params += [departements, departements]
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    sql = (
        f"create temp table kept as select {', '.join(select)} "
        f"from read_csv(?, delim=';', quote='\"', escape='\"', header=true, auto_detect=false, "
        f"columns={columns}, encoding='utf-8') {where}"
    )
    try:  # insertion order is preserved (DuckDB's default): kept.rowid follows the file's order
        con.execute(sql, params)
    except duckdb.Error as exc:
        raise _duckdb_error(path, exc, dataset_id) from None


def _check_official(con, path: Path, header: list[str], cols: dict, departements: list[str] | None,
                    years: list[int], dataset_id: str, *, sector: bool) -> dict[str, str]:
    """Checks on ``kept``; returns {label as written: sector code} when ``sector``."""
    def fail(reason: str, rowid: int | None, column: int | None, value) -> SourceFormatError:
        line = _line_of(path, cols, departements, rowid) if rowid is not None else None
        return SourceFormatError(path, reason, line=line, value=value, dataset_id=dataset_id,
                                 column=header[column] if column is not None else None)

    if con.execute("select count(*) from kept").fetchone()[0] == 0:
        which = "any département" if departements is None else f"département(s) {', '.join(departements)}"
        raise SourceFormatError(path, f"no data row for {which} in the official commune × APE file",
                                column=header[cols["d"] if cols["d"] is not None else cols["c"]],
                                dataset_id=dataset_id)
    bad = con.execute("select rowid, c from kept where not regexp_full_match(c, ?) order by rowid limit 1",
                      [COMMUNE_CODE.pattern.strip("^$")]).fetchone()
    if bad:
        raise fail("malformed commune code (expected 5 characters, e.g. 44109)", bad[0], cols["c"], bad[1])
    if cols["d"] is not None:
        bad = con.execute("select rowid, c, d from kept where d is not null and not starts_with(c, d) "
                          "order by rowid limit 1").fetchone()
        if bad:
            raise fail("commune code does not belong to its département", bad[0], cols["d"],
                       f"{bad[1]} / {bad[2]}")
    if cols["a"] is not None:
        bad = con.execute(
            "select r, c, a from (select rowid as r, c, a, "
            "row_number() over (partition by c, a order by rowid) as k from kept) "
            "where k = 2 order by r limit 1").fetchone()
        if bad:
            raise fail("duplicate key (commune, APE)", bad[0], cols["c"], f"{bad[1]}/{bad[2]}")
    for year in years:
        for kind in ("e", "n"):
            bad = con.execute(
                f"select rowid, {kind}{year} from kept where {kind}{year} is not null "
                f"and not regexp_full_match({kind}{year}, ?) order by rowid limit 1", [_WHOLE]).fetchone()
            if bad:
                number = pd.to_numeric(pd.Series([bad[1]]), errors="coerce").iloc[0]
                reason = ("not a number" if pd.isna(number) else "negative count" if number < 0
                          else "expected a whole number")
                raise fail(f"{reason} (expected a whole count, or an empty cell)", bad[0],
                           cols["years"][year][kind], bad[1])
    codes: dict[str, str] = {}
    if sector:
        labels = con.execute("select coalesce(s, ''), min(rowid) from kept group by 1 order by 2").fetchall()
        for label, rowid in labels:
            code = _sector_of(label)
            if code is None:
                raise fail("unknown grand secteur, or code and label disagree (expected e.g. 'GS6 Intérim')",
                           rowid, cols["s"], label)
            codes[label] = code
    return codes


def _official(path: Path, header: list[str], dataset_id: str, *, sector: bool, run: Callable) -> pd.DataFrame:
    """``run(con, cols)`` on a private DuckDB connection with bounded memory (spills to a temporary
    directory removed afterwards)."""
    cols = _official_columns(path, header, dataset_id, sector=sector)
    with tempfile.TemporaryDirectory(prefix="urssaf-duckdb-") as tmp:
        con = duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT, "temp_directory": tmp})
        try:
            return run(con, cols)
        finally:
            con.close()


def _effectifs_official(path: Path, header: list[str], dataset_id: str,
                        departements: list[str] | None) -> pd.DataFrame:
    def run(con, cols):
        years = list(cols["years"])
        _load_official(con, path, header, cols, departements, years, dataset_id)
        _check_official(con, path, header, cols, departements, years, dataset_id, sector=False)
        long = " union all ".join(
            f"select c, {y} as year, cast(e{y} as double) as e, cast(n{y} as double) as n from kept"
            for y in years)
        out = con.execute(
            f"select c, year, sum(e) as value, count(*) filter (where e is null and n > 0) as withheld "
            f"from ({long}) group by c, year order by year, c").fetchdf()
        df = pd.DataFrame({
            "commune_code": out["c"].astype(str).to_numpy(dtype=object),
            "year": out["year"].astype("int64").to_numpy(),
            "value": out["value"].astype("float64").to_numpy(),
            "status": np.where(out["value"].isna(), "missing", "ok"),
        })
        w = out[out["withheld"] > 0]
        df.attrs["withheld_headcount"] = list(zip(w["c"].astype(str).tolist(), w["year"].astype(int).tolist()))
        return df

    return _official(path, header, dataset_id, sector=False, run=run)


def _secteurs_official(path: Path, header: list[str], dataset_id: str,
                       departements: list[str] | None) -> pd.DataFrame:
    def run(con, cols):
        year = max(cols["years"])
        _load_official(con, path, header, cols, departements, [year], dataset_id)
        codes = _check_official(con, path, header, cols, departements, [year], dataset_id, sector=True)
        out = con.execute(
            f"select c, coalesce(s, '') as s, sum(cast(e{year} as double)) as employees, "
            f"sum(cast(n{year} as double)) as establishments, "
            f"count(*) filter (where e{year} is null and cast(n{year} as double) > 0) as withheld "
            f"from kept group by 1, 2").fetchdf()
        out["sector_code"] = out["s"].map(codes)
        out = (out.groupby(["c", "sector_code"], as_index=False)
               .agg(employees=("employees", lambda v: v.sum(min_count=1)),
                    establishments=("establishments", lambda v: v.sum(min_count=1)),
                    withheld=("withheld", "sum")))
        out = out[(out["employees"].fillna(0) != 0) | (out["establishments"].fillna(0) != 0)]
        out = out.sort_values(["c", "sector_code"]).reset_index(drop=True)
        df = pd.DataFrame({
            "commune_code": out["c"].astype(str).to_numpy(dtype=object),
            "year": np.full(len(out), year, dtype="int64"),
            "sector_code": out["sector_code"].astype(str).to_numpy(dtype=object),
            "sector_label": out["sector_code"].map(SECTORS).to_numpy(dtype=object),
            "employees": out["employees"].astype("float64").to_numpy(),
            "establishments": out["establishments"].astype("float64").to_numpy(),
        })
        w = out[out["withheld"] > 0]
        df.attrs["withheld_headcount"] = list(zip(w["c"].astype(str).tolist(), w["sector_code"].astype(str).tolist()))
        return df

    return _official(path, header, dataset_id, sector=True, run=run)
