"""The database contract: what other tools may rely on in ``output/portraits.duckdb``.

* :data:`FIELDS` and :data:`DECLARATIONS`: the data dictionary, every column name described once
  (description in English, expected DuckDB type, unit or allowed values where relevant) and every
  published table listing its columns by name; :data:`TABLES` and :data:`COLUMNS` follow from them.
  They are declared in :mod:`portraits.contract_fields` (:class:`Column`, :data:`FIELDS`) and
  :mod:`portraits.contract_tables` (:class:`Table`, :data:`DECLARATIONS`, :data:`TABLES`,
  :data:`COLUMNS`, checked at import) and re-exported here; this module holds what reads and
  writes the database:
* :func:`check_contract`: the published columns compared with the dictionary;
* :func:`write_meta_column`: writes the dictionary into the published database as ``meta.column``
  and refuses a published column that is not documented;
* :func:`write_schema_md`: ``schema.md``, the Markdown reference for developers of other tools;
* :func:`export_parquet`: every published table as ``<schema>.<table>.parquet``;
* :func:`contract_fingerprint`: a hash of the published (schema, table, column, type).

**Schema version policy.** :data:`SCHEMA_VERSION` (defined in :mod:`portraits.warehouse`, written to
``meta.build.schema_version`` by every build) names one exact set of published
``(schema, table, column, type)``. Any change to that set (a table or column added, removed or
renamed, a type changed) must bump ``SCHEMA_VERSION`` and record the new fingerprint in
``tests/test_contract.py`` (``EXPECTED_FINGERPRINTS``): ``python -m portraits.contract fingerprint``
prints the fingerprint of the dictionary, ``python -m portraits.contract fingerprint
output/portraits.duckdb`` the one of a database. Column order, descriptions and row contents are
not part of the fingerprint. Readers should check ``schema_version`` and select columns by name.

Schemas whose tables may be published before they are documented (:data:`LENIENT_SCHEMAS`, for now
``directory``) are skipped with a warning instead of an error; their undocumented tables are left
out of ``meta.column``, of the fingerprint and of ``schema.md``.

Plain Python (no Dagster): every function takes an open DuckDB connection.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import duckdb

from . import indicators

# The data dictionary, re-exported: every name below stays importable from portraits.contract
# (the private ones too: tests and older callers use them).
from .contract_fields import _STATUS_VALUES, _WKB, FIELDS, Column  # noqa: F401
from .contract_tables import (  # noqa: F401
    _CONTOUR, COLUMNS, DECLARATIONS, TABLES, ContractError, Table, _columns)
from .warehouse import SCHEMA_VERSION, sql_string

__all__ = [
    "SCHEMA_VERSION", "CONTRACT_SCHEMAS", "LENIENT_SCHEMAS", "FIELDS", "DECLARATIONS", "TABLES", "COLUMNS",
    "Column", "Table", "ContractError", "ContractCheck", "published_tables", "published_columns",
    "check_contract", "contract_fingerprint", "dictionary_fingerprint", "write_meta_column",
    "write_schema_md", "export_parquet",
]

log = logging.getLogger(__name__)

# Every schema of the published database (``directory`` comes with the shared directory).
CONTRACT_SCHEMAS = ("ref", "indicators", "meta", "directory")
# Schemas whose undocumented tables are skipped with a warning rather than refused.
LENIENT_SCHEMAS = ("directory",)


# --------------------------------------------------------------------------------------------------
# Reading the database
# --------------------------------------------------------------------------------------------------

def _in_list(values) -> str:
    return ", ".join(sql_string(v) for v in values)


def published_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Every base table of the contract's schemas in the connected database, sorted."""
    return [tuple(r) for r in con.execute(
        f"""select table_schema, table_name from information_schema.tables
            where table_catalog = current_database() and table_type = 'BASE TABLE'
              and table_schema in ({_in_list(CONTRACT_SCHEMAS)})
            order by 1, 2""").fetchall()]


def published_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    """``(schema, table, column, data_type)`` of every published column, in table order."""
    return [tuple(r) for r in con.execute(
        f"""select c.table_schema, c.table_name, c.column_name, c.data_type
            from information_schema.columns c
            join information_schema.tables t
              on t.table_catalog = c.table_catalog and t.table_schema = c.table_schema
             and t.table_name = c.table_name
            where c.table_catalog = current_database() and t.table_type = 'BASE TABLE'
              and c.table_schema in ({_in_list(CONTRACT_SCHEMAS)})
            order by c.table_schema, c.table_name, c.ordinal_position""").fetchall()]


@dataclass
class ContractCheck:
    """Differences between the database and the dictionary (see :func:`check_contract`)."""

    columns: list[tuple[str, str, str, str]]  # documented published columns (schema, table, column, type)
    undocumented: list[tuple[str, str, str]]  # published columns absent from COLUMNS (refused)
    skipped_tables: list[tuple[str, str]]  # undocumented tables of LENIENT_SCHEMAS (warned)
    type_mismatches: list[tuple[str, str, str, str, str]]  # (schema, table, column, documented, actual)
    not_published: list[tuple[str, str, str]]  # documented columns absent from the database

    @property
    def errors(self) -> list[str]:
        out = []
        if self.undocumented:
            out.append(
                "published columns missing from portraits.contract.COLUMNS (list them in DECLARATIONS, "
                "describe a new name in FIELDS, then bump SCHEMA_VERSION): "
                + ", ".join(".".join(c) for c in self.undocumented))
        if self.type_mismatches:
            out.append(
                "published column types differ from portraits.contract.COLUMNS (update the dictionary, "
                "then bump SCHEMA_VERSION): " + ", ".join(
                    f"{s}.{t}.{c} documented {d}, database {a}" for s, t, c, d, a in self.type_mismatches))
        return out

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.skipped_tables:
            out.append("undocumented tables skipped (not in meta.column, schema.md nor the "
                       "fingerprint): " + ", ".join(".".join(t) for t in self.skipped_tables))
        if self.not_published:
            out.append("documented columns absent from the database: "
                       + ", ".join(".".join(c) for c in self.not_published))
        return out


def check_contract(con: duckdb.DuckDBPyConnection) -> ContractCheck:
    """Compare the published columns of ``con`` with :data:`COLUMNS` (raises nothing)."""
    rows = published_columns(con)
    documented_tables = {(s, t) for s, t, _ in COLUMNS}
    columns, undocumented, skipped, mismatches = [], [], [], []
    for schema, table, column, dtype in rows:
        doc = COLUMNS.get((schema, table, column))
        if doc is None:
            if schema in LENIENT_SCHEMAS and (schema, table) not in documented_tables:
                if (schema, table) not in skipped:
                    skipped.append((schema, table))
            else:
                undocumented.append((schema, table, column))
            continue
        if doc.type.upper() != dtype.upper():
            mismatches.append((schema, table, column, doc.type, dtype))
        columns.append((schema, table, column, dtype))
    present = {(s, t, c) for s, t, c, _ in rows}
    not_published = [k for k in COLUMNS if k not in present]
    return ContractCheck(columns, undocumented, skipped, mismatches, not_published)


def _fingerprint(rows) -> str:
    text = "\n".join(f"{s}.{t}.{c} {d.upper()}" for s, t, c, d in sorted(rows))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def contract_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """SHA-256 of the sorted ``(schema, table, column, type)`` of every published column of ``con``
    (undocumented tables of :data:`LENIENT_SCHEMAS` left out)."""
    check = check_contract(con)
    # undocumented columns (refused by write_meta_column) still change the fingerprint
    actual = {(s, t, c): d for s, t, c, d in published_columns(con)}
    rows = check.columns + [(s, t, c, actual[(s, t, c)]) for s, t, c in check.undocumented]
    return _fingerprint(rows)


def dictionary_fingerprint() -> str:
    """The fingerprint a database exactly matching :data:`COLUMNS` has."""
    return _fingerprint([(s, t, c, doc.type) for (s, t, c), doc in COLUMNS.items()])


# --------------------------------------------------------------------------------------------------
# Writing meta.column, schema.md, Parquet
# --------------------------------------------------------------------------------------------------

def write_meta_column(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)create ``meta.column(schema_name, table_name, column_name, data_type, description)`` in the
    connected database: one row per published column (``meta.column`` included), ``data_type`` as
    in the database, description from :data:`COLUMNS`. Returns the row count.

    Raises :class:`ContractError` naming every published column missing from :data:`COLUMNS` or whose
    type differs from the documented one (nothing is written then). Undocumented tables of
    :data:`LENIENT_SCHEMAS` are skipped with a warning.
    """
    con.execute("create schema if not exists meta")
    # Created first so that it documents itself.
    con.execute("""create or replace table meta.column (
        schema_name varchar, table_name varchar, column_name varchar, data_type varchar,
        description varchar)""")
    check = check_contract(con)
    if check.errors:
        con.execute("drop table meta.column")
        raise ContractError("; ".join(check.errors))
    for message in check.warnings:
        warnings.warn(f"portraits.contract: {message}", stacklevel=2)
        log.warning(message)
    rows = [(s, t, c, d, COLUMNS[(s, t, c)].full_description()) for s, t, c, d in check.columns]
    con.executemany("insert into meta.column values (?, ?, ?, ?, ?)", rows)
    return len(rows)


def _md(text: object) -> str:
    """A Markdown table cell."""
    if text is None:
        return ""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _latest_build(con) -> tuple[str | None, str | None, str | None]:
    try:
        row = con.execute("select build_id, finished_at, schema_version from meta.build "
                          "order by finished_at desc limit 1").fetchone()
    except duckdb.Error:
        row = None
    return tuple(row) if row else (None, None, None)


def _schema_md_head(version: str, build_id: str | None, finished_at: str | None) -> list[str]:
    """The beginning of ``schema.md``, up to the list of tables: the file, the schema version and
    the build, how to open the database, the publication guarantee, versioning, conventions."""
    lines = [
        "# Portraits de territoire: published database",
        "",
        "<!-- Generated by portraits.contract.write_schema_md from the database and "
        "portraits/contract.py: do not edit by hand. -->",
        "",
        f"- **File**: `output/portraits.duckdb` (DuckDB {duckdb.__version__} format)",
        f"- **Schema version**: `{version}` (column `schema_version` of `meta.build`)",
    ]
    if build_id:
        lines.append(f"- **Build**: `{build_id}`, finished at {finished_at}")
    lines += [
        "- **Also as Parquet**: `output/parquet/<schema>.<table>.parquet`, one file per table below",
        "",
        "## Opening the database",
        "",
        "Always open it **read-only**; the pipeline is the only writer.",
        "",
        "```python",
        "import duckdb",
        'con = duckdb.connect("output/portraits.duckdb", read_only=True)',
        'con.sql("select * from indicators.observation where set_id = \'clpe\'").df()',
        "con.close()",
        "```",
        "",
        "Command line: `duckdb -readonly output/portraits.duckdb`. "
        "R: `DBI::dbConnect(duckdb::duckdb(), \"output/portraits.duckdb\", read_only = TRUE)`.",
        "",
        "## Publication guarantee",
        "",
        "Each build writes a complete new database file, then swaps it in with one atomic rename "
        "(`os.replace`). A reader therefore sees either the previous database or the new one, never "
        "a partial one, and never needs to lock anything.",
        "",
        "- A connection opened before a swap keeps reading the previous build (the old file stays "
        "readable until its last connection closes). Close and reopen to see the new build.",
        "- Within one process DuckDB shares the open database between connections to the same path: "
        "while *any* connection to the file is open, a new `connect()` still returns the previous "
        "build. Close every connection, then reconnect.",
        "- Never open the published file in read-write mode and never write next to it: the next "
        "publication replaces it.",
        "",
        "## Versioning",
        "",
        "`schema_version` changes whenever a published table or column is added, removed or renamed, "
        "or a type changes. Row contents, descriptions and column order are not part of the contract: "
        "select columns by name. Check `schema_version` before relying on this document.",
        "",
        "## Conventions",
        "",
        "- Codes (communes, départements, EPCI, territories) are text: keep leading zeros.",
        "- `indicators.observation.value` is null when unknown (`status` `secret` or `missing`); an "
        "unknown value is never 0. Read `note` for the communes behind a non-`ok` status.",
        "- Multi-valued text columns are pipe-separated (`44|49`).",
        "- Every value names its source (`source_id` → `meta.source`), with URL, licence and SHA-256.",
        "",
        "## Tables",
        "",
    ]
    return lines


def _schema_md_table(con: duckdb.DuckDBPyConnection, schema: str, table: str,
                     cols: list[tuple[str, str]]) -> list[str]:
    """The section of ``schema.md`` on one table: its description, row count and columns."""
    n = con.execute(f'select count(*) from {schema}."{table}"').fetchone()[0]
    lines = [
        f"### {schema}.{table}",
        "",
        TABLES.get((schema, table), ""),
        "",
        f"Rows in this build: {n:,}.",
        "",
        "| Column | Type | Description | Unit / values |",
        "|---|---|---|---|",
    ]
    for column, dtype in cols:
        doc = COLUMNS[(schema, table, column)]
        extra = doc.unit or ""
        if doc.values:
            extra = "; ".join(f"`{k}`: {v}" for k, v in doc.values.items())
        lines.append(f"| `{column}` | {dtype} | {_md(doc.description)} | {_md(extra)} |")
    lines.append("")
    return lines


def _schema_md_indicators() -> list[str]:
    """The indicators, as ``schema.md`` lists them (Markdown lines): one table per theme, from the
    declarations (the same as ``indicators.catalog``'s declared rows), with how each is computed
    on a territory."""
    from .themes import themes

    lines = ["## Indicators", "",
             "Declared in `portraits/themes/` (one `Indicator` each); `indicators.catalog` holds the same "
             "rows, plus the ones a theme generates from its source (prefixes below). Aggregation: "
             + "; ".join(f"`{k}`: {v}" for k, v in indicators.AGGREGATIONS.items()) + ".", ""]
    indicators.catalog()  # the declarations' checks
    for t in themes():
        lines += [f"### Theme `{t.ID}`", "",
                  "| Indicator | Label (French) | Unit | Aggregation | Period | Source |",
                  "|---|---|---|---|---|---|"]
        for i in t.INDICATORS:
            how = i.aggregation
            if i.numerator:
                factor = f"{i.factor:g} × " if i.factor != 1 else ""
                how += f": {factor}({' + '.join(i.numerator)}) / ({' + '.join(i.denominator)})"
            lines.append(f"| `{i.id}` | {_md(i.label)} | {_md(i.unit)} | {_md(how)} | {_md(i.period)} | "
                         f"`{i.source_id}`{f' (`{i.column}`)' if i.column else ''} |")
        for prefix in indicators.generated_prefixes(t):
            lines.append(f"| `{prefix}…` | generated from the source, one per item | | | | |")
        lines.append("")
    return lines


def write_schema_md(con: duckdb.DuckDBPyConnection, path: Path | str) -> Path:
    """Write ``schema.md`` (English, for developers of other tools): how to open the database, the
    schema version, the publication guarantee, then one section per documented table with its
    columns, then the indicators. Generated from the database (tables, types, row counts),
    :data:`COLUMNS` and the indicators' declarations (:func:`_schema_md_indicators`)."""
    path = Path(path)
    check = check_contract(con)
    if check.errors:
        raise ContractError("; ".join(check.errors))
    build_id, finished_at, db_version = _latest_build(con)
    version = db_version or SCHEMA_VERSION
    by_table: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for s, t, c, d in check.columns:
        by_table.setdefault((s, t), []).append((c, d))
    order = list(TABLES)
    by_table = dict(sorted(by_table.items(), key=lambda kv: (
        CONTRACT_SCHEMAS.index(kv[0][0]), order.index(kv[0]) if kv[0] in order else len(order), kv[0][1])))

    lines = _schema_md_head(version, build_id, finished_at)
    for schema, table in by_table:
        lines.append(f"- [`{schema}.{table}`](#{schema}{table})")
    lines.append("")
    for (schema, table), cols in by_table.items():
        lines += _schema_md_table(con, schema, table, cols)
    # what indicators.catalog's rows mean, from the declarations (portraits/themes)
    lines += _schema_md_indicators()
    if check.skipped_tables:
        lines += ["## Not yet documented", "",
                  "These tables are published but not yet part of the contract; they may change "
                  "without a version change: "
                  + ", ".join(f"`{s}.{t}`" for s, t in check.skipped_tables) + ".", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path | str) -> list[Path]:
    """Write every published table (documented or not) as ``out_dir/<schema>.<table>.parquet``;
    returns the files in table order. ``out_dir`` should be a fresh directory (files of tables no
    longer published are not removed)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for schema, table in published_tables(con):
        target = out_dir / f"{schema}.{table}.parquet"
        # COPY takes no bound parameter: the path is quoted as an SQL string literal.
        con.execute(f'copy {schema}."{table}" to {sql_string(str(target))} (format parquet)')
        files.append(target)
    return files


def _main(argv: list[str] | None = None) -> int:
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "fingerprint":
        print("usage: python -m portraits.contract fingerprint [DATABASE]", file=sys.stderr)
        return 2
    if len(args) > 1:
        with duckdb.connect(args[1], read_only=True) as con:
            print(contract_fingerprint(con))
    else:
        print(dictionary_fingerprint())
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
