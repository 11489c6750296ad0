"""URSSAF: private-sector salaried headcount by commune, and by commune × grand secteur.

Two layouts are read. Which one a file has is recognised from its header, never from a setting; both
give the same raw tables (below), and the returned DataFrame says which it read in
``df.attrs["layout"]`` (``"official"`` or ``"mirror"``).

* **official**: what the datasets' ``url`` serves, the URSSAF open dataset "Nombre d'établissements
  employeurs et effectifs salariés du secteur privé, par commune x APE" (layout documented in the
  mirror's ``official_layouts/urssaf_commune_ape/LAYOUT.md``). One row per commune × APE code, 19
  dimension columns, then two columns per year, as labels (``Nombre d'établissements YYYY``,
  ``Effectifs salariés YYYY``, ``Code commune``, ``Grand secteur d'activité``…) or as API field
  names (``nombre_d_etablissements_YYYY``, ``effectifs_salaries_YYYY``, ``code_commune``,
  ``grand_secteur_d_activite``…: Opendatasoft exports give field names unless ``use_labels=true``).
  ``;``, UTF-8 with or without BOM, CRLF or LF; year columns are found by name, not position.
  Recognised by any dimension column that the mirror does not have (``code_ape``, ``Code APE``,
  ``intitule_commune``, ``Code région``…). DuckDB reads it (every cell as text) and keeps only the
  rows of the départements asked (``departements=``, default :data:`REGION_DEPARTEMENTS`; by
  ``code_departement``, or by the commune-code prefix when that column is absent), so the national
  file (about 1.23 M rows × 59 columns) is parsed in bounded memory. The parsers sum over APE
  themselves (and by grand secteur for :func:`parse_secteurs`).
* **mirror** (derived): the mirror's two files are a third-party re-aggregation
  (``MayetSoft/rouages.fr``) of that dataset: APE summed per commune, communes re-assigned to the
  COG 2025 geography; one row per commune (``code_commune;code_departement;effectifs_salaries_YYYY``…)
  or per commune × grand secteur. ``departements=`` applies to it too (a no-op on the region's files).

The sum over APE follows the mirror's derivation rule (LAYOUT.md), so that both layouts agree: in
the official file an empty cell is secret or absent and ``0`` is a real value; **empty cells count as
0, and if every cell summed is empty the result is empty** (NaN, status ``missing``).

Withheld headcounts (official layout only): a row may have establishments but an empty headcount (a
headcount withheld or missing; 4 such cells in the 9,338 real rows of one département). The
commune-year's value is then the sum of the published headcounts, a **lower bound** of the true
total, still with status ``ok``; when every headcount of the commune-year is empty, the value is
``missing`` although the commune had employers. The tables have no column for it: the pairs
concerned are listed in ``df.attrs["withheld_headcount"]`` (``(commune_code, year)`` for
:func:`parse_effectifs_commune`, ``(commune_code, sector_code)`` for :func:`parse_secteurs`; empty
for the mirror, which cannot tell). A status value of its own would change what staging does with
the value (``portraits/sql/emploi_commune_values.sql`` turns every status but ``ok`` into ``none``),
so none is used.

Geography: the mirror is on COG 2025. The official file's commune codes are kept as URSSAF
publishes them (the geography of its edition), not re-coded here. A commune without any row in the
official file is absent from the table, whereas the mirror lists such communes (15) as blank.

``parse_effectifs_commune(path)`` → long table, one row per commune × year:

============= ==========================================================================
commune_code  INSEE code (text, 5 characters); COG 2025 in the mirror
year          int, headcount at 31 December of that year: every year of the file
              (2015 … 2025 in the mirror, 2006 … 2025 in today's official edition)
value         salaried employees (float, whole numbers); NaN when blank
status        ``ok``; ``missing`` for a blank cell (official: every headcount summed empty)
============= ==========================================================================

Blank cells: the source says "empty = the commune had no declaring establishment that year". In the
mirror the 15 blank communes are blank for *every* year (no URSSAF row at all), while cells of 1 or 2
employees in a single establishment are published elsewhere, so the blanks are not statistical
secrecy. They are kept as ``missing`` (NaN, never 0): the total of a territory that contains one is
then flagged rather than silently completed. Zeros (38 communes in 2025) are real zeros: the commune
has employer establishments with no employee at 31 December. The mirror file has one row per
commune (a repeated commune is an error); the official file one row per commune × APE (a repeated
commune × APE is an error).

``parse_secteurs(path)`` (alias ``parse_secteurs_2025``) → one row per commune × grand secteur:

============== =========================================================================
commune_code   INSEE code; COG 2025 in the mirror
year           int, the latest year of the file (2025 in both: taken from the
               ``effectifs_salaries_YYYY`` / ``Effectifs salariés YYYY`` column names)
sector_code    ``GS1`` … ``GS7`` (see :data:`SECTORS`)
sector_label   URSSAF label without the code (``Industrie``, ``Intérim``…)
employees      salaried employees at 31 December (float, whole numbers)
establishments employer establishments (contribution accounts)
============== =========================================================================

Sectors with neither employee nor establishment are absent (not zero rows). In the mirror a blank
cell is an error (the file has none); in the official layout the sum rule applies, so ``employees``
is NaN in the rare commune × sector whose every headcount is withheld. The label may carry the
``GSn`` prefix (mirror, official ``GS6 Intérim``) or not (the third party's JSON): both are read, and
a prefix that contradicts the label is an error.

Bad input (an empty file, an HTML or JSON page instead of CSV, a missing code or year column, a
malformed or repeated row, a cell that is not a whole non-negative number) raises
:class:`~sources.errors.SourceFormatError` naming the file, the line, the column and the value.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path
from typing import Callable, Iterable

import duckdb
import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import SourceFormatError
from .tabular import COMMUNE_CODE, check_codes, check_unique, read_delimited, to_number

EFFECTIFS_ID = "urssaf_effectifs_commune"
SECTEURS_ID = "urssaf_secteurs_2025"

ODBL = "Open Database License (ODbL) 1.0 — attribution « Urssaf »"
_PAGE = "https://open.urssaf.fr/explore/dataset/etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-last/"
_EXPORT = (
    "https://open.urssaf.fr/api/explore/v2.1/catalog/datasets/"
    "etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-last/exports/csv"
    "?delimiter=%3B&where=code_region%3D%2252%22"
)

DATASETS: list[Dataset] = [
    Dataset(
        id=EFFECTIFS_ID,
        table="urssaf_effectifs_commune",
        parser="urssaf:parse_effectifs_commune",
        description='URSSAF private-sector salaried headcount by commune, 2015-2025.',
        family="emploi_trimestriel",
        title="Effectifs salariés du secteur privé au 31 décembre par commune, 2015-2025",
        publisher="Urssaf Caisse nationale (open.urssaf.fr), agrégation par commune de MayetSoft/rouages.fr",
        url=_EXPORT,
        page=_PAGE,
        licence=ODBL,
        vintage="31/12/2015 à 31/12/2025 ; communes COG 2025",
        mirror_path="urssaf/urssaf_effectifs_salaries_prive_commune_2015_2025_pdl.csv",
        layout="derived",
        official_layout=True,
        note=(
            "Mirror: one row per commune (code_commune; code_departement; effectifs_salaries_2015 … "
            "_2025), all APE summed and communes mapped to COG 2025 by a third party (rouages.fr). "
            "The official URL serves the commune × APE export (one row per commune × APE code, two "
            "columns per year from 2006): the parser recognises it from its header, keeps the "
            "region's départements and sums effectifs_salaries_YYYY by commune for every year of "
            "the file; commune codes stay as URSSAF publishes them. "
            "Private sector, régime général (agriculture excluded); apprentices counted from 2023."
        ),
    ),
    Dataset(
        id=SECTEURS_ID,
        table="urssaf_secteurs_2025",
        parser="urssaf:parse_secteurs",
        description='URSSAF headcount and establishments by commune x 7 sectors, 2025.',
        family="emploi_trimestriel",
        title="Effectifs salariés et établissements employeurs du secteur privé par commune et grand secteur, 2025",
        publisher="Urssaf Caisse nationale (open.urssaf.fr), agrégation par commune de MayetSoft/rouages.fr",
        url=_EXPORT,
        page=_PAGE,
        licence=ODBL,
        vintage="31/12/2025 ; communes COG 2025",
        mirror_path="urssaf/urssaf_effectifs_etab_commune_x_grand_secteur_2025_pdl.csv",
        layout="derived",
        official_layout=True,
        note=(
            "Mirror: commune × grand secteur (GS1-GS7) for 2025 only, headcount and number of "
            "establishments, aggregated by a third party (rouages.fr); the GSn prefix was restored "
            "by the mirror (GS6 Intérim inferred, confirmed by the official file). The official URL "
            "serves the commune × APE export: the parser recognises it from its header, keeps the "
            "region's départements and sums the latest year's effectifs_salaries_YYYY and "
            "nombre_d_etablissements_YYYY by commune and grand_secteur_d_activite."
        ),
    ),
]

#: Départements kept by default (Pays de la Loire, region 52).
REGION_DEPARTEMENTS: tuple[str, ...] = ("44", "49", "53", "72", "85")

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

YEAR_COLUMN = re.compile(r"^effectifs_salaries_(\d{4})$")
ESTAB_COLUMN = "nombre_d_etablissements_{year}"
SECTOR_LABEL = re.compile(r"^(GS\d)\s+(.+)$")

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


def _check_departement(df: pd.DataFrame, path: Path, dataset_id: str) -> None:
    if "code_departement" not in df.columns:
        return
    bad = df["code_commune"].str[:2] != df["code_departement"].str.strip()
    if bad.any():
        row = df[bad].iloc[0]
        raise SourceFormatError(
            path, "commune code does not belong to its département", line=int(row["_line"]),
            column="code_departement", value=f"{row['code_commune']} / {row['code_departement']}",
            dataset_id=dataset_id,
        )


def _non_negative(df: pd.DataFrame, values: pd.Series, column: str, path: Path, dataset_id: str) -> None:
    neg = values < 0
    if neg.any():
        idx = neg[neg].index[0]
        raise SourceFormatError(path, "negative count", line=int(df.loc[idx, "_line"]), column=column,
                                value=df.loc[idx, column], dataset_id=dataset_id)


def _departements(departements: Iterable[str] | None) -> list[str] | None:
    if departements is None:
        return None
    if isinstance(departements, str):
        departements = [departements]
    return [str(d).strip() for d in departements]


def _keep_departements(df: pd.DataFrame, departements: list[str] | None) -> pd.DataFrame:
    """Mirror tables: keep the communes of ``departements`` (by commune-code prefix)."""
    if departements is None:
        return df
    return df[df["commune_code"].str.startswith(tuple(departements))].reset_index(drop=True)


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


# --- parsers -----------------------------------------------------------------------------------


def parse_effectifs_commune(path: Path, dataset_id: str = EFFECTIFS_ID, *,
                            departements: Iterable[str] | None = REGION_DEPARTEMENTS) -> pd.DataFrame:
    """Headcount by commune × year, from the official commune × APE file or the mirror's file
    (recognised from the header). ``departements``: départements kept (None: all; on the national
    file that keeps every commune, about 1 GiB peak instead of about 350 MB for the region)."""
    path = Path(path)
    deps = _departements(departements)
    header = _read_header(path, dataset_id)
    if layout_of(header) == "official":
        df = _effectifs_official(path, header, dataset_id, deps)
        df.attrs["layout"] = "official"
        return df
    df = _keep_departements(_effectifs_mirror(path, dataset_id), deps)
    df.attrs.update(layout="mirror", withheld_headcount=[])
    return df


def _effectifs_mirror(path: Path, dataset_id: str) -> pd.DataFrame:
    df = read_delimited(path, sep=";", required=["code_commune"], dataset_id=dataset_id)
    years = [c for c in df.columns if YEAR_COLUMN.match(c)]
    if not years:
        raise SourceFormatError(path, "no effectifs_salaries_YYYY column in the header", line=1,
                                dataset_id=dataset_id)
    df["code_commune"] = df["code_commune"].str.strip()
    check_codes(df, "code_commune", path, dataset_id=dataset_id)
    check_unique(df, ["code_commune"], path, dataset_id=dataset_id)
    _check_departement(df, path, dataset_id)
    frames = []
    for col in years:
        values = to_number(df, col, path, missing=("",), dataset_id=dataset_id, integer=True)
        _non_negative(df, values, col, path, dataset_id)
        frames.append(
            pd.DataFrame(
                {
                    "commune_code": df["code_commune"].to_numpy(),
                    "year": int(YEAR_COLUMN.match(col).group(1)),
                    "value": values.to_numpy(),
                    "status": np.where(values.isna(), "missing", "ok"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _sector_of(label: str) -> str | None:
    """``GSn`` of a grand secteur label (``GS6 Intérim`` or ``Intérim``); None when unknown or when
    the prefix contradicts the label."""
    text = " ".join(str(label).split())
    m = SECTOR_LABEL.match(text)
    if m:
        code = m.group(1)
        return code if SECTORS.get(code, "").casefold() == m.group(2).casefold() else None
    return _CODE_BY_LABEL.get(text.casefold())


def _sector(df: pd.DataFrame, path: Path, dataset_id: str) -> tuple[list[str], list[str]]:
    codes = df["grand_secteur_d_activite"].fillna("").map(_sector_of)
    bad = codes.isna()
    if bad.any():
        row = df[bad].iloc[0]
        raise SourceFormatError(path, "unknown grand secteur, or code and label disagree",
                                line=int(row["_line"]), column="grand_secteur_d_activite",
                                value=row["grand_secteur_d_activite"], dataset_id=dataset_id)
    return codes.tolist(), codes.map(SECTORS).tolist()


def parse_secteurs(path: Path, dataset_id: str = SECTEURS_ID, *,
                   departements: Iterable[str] | None = REGION_DEPARTEMENTS) -> pd.DataFrame:
    """Headcount and establishments by commune × grand secteur for the file's latest year, from the
    official commune × APE file or the mirror's file (recognised from the header)."""
    path = Path(path)
    deps = _departements(departements)
    header = _read_header(path, dataset_id)
    if layout_of(header) == "official":
        df = _secteurs_official(path, header, dataset_id, deps)
        df.attrs["layout"] = "official"
        return df
    df = _keep_departements(_secteurs_mirror(path, dataset_id), deps)
    df.attrs.update(layout="mirror", withheld_headcount=[])
    return df


def _secteurs_mirror(path: Path, dataset_id: str) -> pd.DataFrame:
    df = read_delimited(path, sep=";", required=["code_commune", "grand_secteur_d_activite"],
                        dataset_id=dataset_id)
    years = [c for c in df.columns if YEAR_COLUMN.match(c)]
    if len(years) != 1:
        raise SourceFormatError(
            path, f"expected exactly one effectifs_salaries_YYYY column, found {len(years)}", line=1,
            dataset_id=dataset_id,
        )
    year = int(YEAR_COLUMN.match(years[0]).group(1))
    estab = ESTAB_COLUMN.format(year=year)
    if estab not in df.columns:
        raise SourceFormatError(path, f"missing column {estab}", line=1, dataset_id=dataset_id)
    df["code_commune"] = df["code_commune"].str.strip()
    check_codes(df, "code_commune", path, dataset_id=dataset_id)
    _check_departement(df, path, dataset_id)
    codes, labels = _sector(df, path, dataset_id)
    df["_sector"] = codes
    check_unique(df, ["code_commune", "_sector"], path, dataset_id=dataset_id)
    employees = to_number(df, years[0], path, missing=(), dataset_id=dataset_id, integer=True)
    establishments = to_number(df, estab, path, missing=(), dataset_id=dataset_id, integer=True)
    _non_negative(df, employees, years[0], path, dataset_id)
    _non_negative(df, establishments, estab, path, dataset_id)
    return pd.DataFrame(
        {
            "commune_code": df["code_commune"].to_numpy(),
            "year": year,
            "sector_code": codes,
            "sector_label": labels,
            "employees": employees.to_numpy(),
            "establishments": establishments.to_numpy(),
        }
    )


parse_secteurs_2025 = parse_secteurs
