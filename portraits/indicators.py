"""Indicator catalogue and computation.

Two kinds of indicators:

* **counts** (``aggregation = 'sum'``): commune values in ``staging.commune_value`` summed over the
  communes of each territory (``portraits/sql/aggregate.sql``);
* **derived** (``aggregation = 'ratio'``, ``'growth'``…): recomputed on each territory from summed
  numerators and denominators, never averaged (``portraits/sql/derived_*.sql``).

Status of an observation: ``ok``; ``secret`` (at least one member commune is under statistical
secrecy at the source: the total is unknown and stays blank, never 0); ``missing`` (the source has no
value for some commune of the region in the territory, or none at all); ``estimate`` (attributed
from a coarser geography with a documented rule). Communes outside the region are not covered by
the regional sources: their absence leaves the status ``ok`` and fills ``note``.

Computed theme by theme (:func:`build_theme`): a theme owns the rows of its indicators — the ids it
declares (``INDICATORS``) and the ids it generates from the data (``GENERATED_PREFIXES``, e.g. one
indicator per occupation of the BMO file) — in ``staging.commune_value``, ``indicators.observation``
and ``indicators.catalog``, and replaces only those, so a refreshed source recomputes its theme
alone. :func:`build` is every theme from scratch, in dependency order (:func:`build_order`).
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

import duckdb
import pandas as pd

from .warehouse import run_sql_file


# How an indicator goes from the communes to a territory (``indicators.catalog.aggregation``).
AGGREGATIONS = {
    "sum": "counts of the communes summed over the territory (sql/aggregate.sql)",
    "ratio": "recomputed on each territory from its summed numerator and denominator, never averaged",
    "growth": "average annual change between two summed values",
    "none": "not aggregable (a median, a rate published as such): communes only",
    "list": "a list published by the source for a coarser area, attributed to the territory",
}


@dataclass(frozen=True)
class Row:
    """Where an indicator appears: one row of a section's table (``reports/sections``), which is
    the list of the rows that name it, in the order of the declarations."""

    table: str  # "<section>.<table>", e.g. "population.households"
    label: str  # French, as the row reads in the portrait
    period: str | None = None  # the period shown; default: the indicator's (None: the latest)
    signed: bool = False  # a signed count (« +1 234 »)
    sub: bool = False  # a part of the row above (« dont … »), indented

    def __post_init__(self):
        if self.table.count(".") != 1 or not all(self.table.split(".")):
            raise ValueError(f"row {self.label!r}: table {self.table!r} is not '<section>.<table>'")


@dataclass(frozen=True)
class Indicator:
    """One indicator, declared once: the catalogue's row (``indicators.catalog``), how it is
    computed and where it appears. The first seven fields are the catalogue's columns."""

    id: str
    label: str  # French, as shown to readers
    unit: str  # French unit label
    source_id: str
    description: str
    aggregation: str  # a key of AGGREGATIONS
    decimals: int = 0
    _: KW_ONLY
    period: str | None = None  # the period it is published for, when it has one
    column: str | None = None  # read per commune from this column of its source (the parser keeps it)
    grouped: bool = False  # the source publishes one value for a group of communes (population)
    numerator: tuple[str, ...] = ()  # a ratio: factor x sum(numerator) / sum(denominator), per territory
    denominator: tuple[str, ...] = ()
    factor: float = 100.0
    rows: tuple[Row, ...] = ()  # where it appears in the portrait's tables

    def __post_init__(self):
        where = f"indicator {self.id!r}"
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(f"{where}: aggregation {self.aggregation!r} is not one of {sorted(AGGREGATIONS)}")
        if bool(self.numerator) != bool(self.denominator):
            raise ValueError(f"{where}: a ratio declares both its numerator and its denominator")
        if self.numerator and self.aggregation != "ratio":
            raise ValueError(f"{where}: numerator and denominator are declared for aggregation 'ratio' only")
        if self.numerator and not self.period:
            raise ValueError(f"{where}: a declared ratio names the period of its parts")
        if self.column and self.aggregation not in ("sum", "none"):
            raise ValueError(f"{where}: a source column is read for a count or a value of the communes "
                             "(aggregation 'sum' or 'none')")


def catalog() -> list[Indicator]:
    """Every indicator of every theme (portraits/themes), in theme order."""
    from .themes import themes

    out: list[Indicator] = []
    for theme in themes():
        out.extend(theme.INDICATORS)
    ids = [i.id for i in out]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise ValueError(f"indicator ids declared twice: {sorted(dup)}")
    for theme in themes():
        for prefix in generated_prefixes(theme):
            clash = [i for i in ids if i.startswith(prefix)]
            if clash:
                raise ValueError(f"indicator ids {clash[:5]} declared with the prefix that theme "
                                 f"{theme.ID} generates from the data ({prefix!r})")
    known = set(ids)
    for i in out:
        unknown = [c for c in (*i.numerator, *i.denominator) if c not in known]
        if unknown:
            raise ValueError(f"indicator {i.id!r}: its ratio names undeclared indicator(s) {unknown}")
    return out


def catalog_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"indicator_id": i.id, "label": i.label, "unit": i.unit, "source_id": i.source_id,
             "description": i.description, "aggregation": i.aggregation, "decimals": i.decimals}
            for i in catalog()
        ]
    )


# --------------------------------------------------------------------------------------------------
# themes
# --------------------------------------------------------------------------------------------------

def theme(theme_id: str):
    """The theme module of that id (``portraits/themes/<id>.py``)."""
    from .themes import themes

    for t in themes():
        if t.ID == theme_id:
            return t
    raise KeyError(f"unknown indicator theme {theme_id!r}")


def themes_read(t) -> list[str]:
    """Ids of the themes whose observations theme ``t`` reads (``THEMES_READ``)."""
    return list(getattr(t, "THEMES_READ", []))


def generated_prefixes(t) -> list[str]:
    """Prefixes of the indicator ids theme ``t`` generates from the data (``GENERATED_PREFIXES``)."""
    return list(getattr(t, "GENERATED_PREFIXES", []))


def build_order() -> list:
    """The themes in ``THEME_MODULES`` order, each after the themes it reads."""
    from .themes import themes

    pending = themes()
    known = {t.ID for t in pending}
    for t in pending:
        unknown = set(themes_read(t)) - known
        if unknown:
            raise ValueError(f"theme {t.ID} reads unknown theme(s) {sorted(unknown)}")
    done: list = []
    while pending:
        ready = [t for t in pending if set(themes_read(t)) <= {d.ID for d in done}]
        if not ready:
            raise ValueError("themes reading each other: " + ", ".join(t.ID for t in pending))
        done.append(ready[0])
        pending.remove(ready[0])
    return done


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """``staging.commune_value`` and ``indicators.observation`` (empty if absent)."""
    run_sql_file(con, "commune_values")


def write_catalog(con: duckdb.DuckDBPyConnection) -> int:
    """``indicators.catalog``: every declared indicator of every theme (so it follows the code
    whichever theme is built), then the generated entries already there (rows whose id a theme
    generates from the data, written by that theme). Returns the row count."""
    from .themes import themes

    declared = catalog_frame()
    prefixes = [p for t in themes() for p in generated_prefixes(t)]
    frame = declared
    if prefixes and _table_exists(con, "indicators", "catalog"):
        generated = con.execute(
            f"""select {', '.join(declared.columns)} from indicators.catalog
                where indicator_id not in (select unnest(?::varchar[]))
                  and exists (select 1 from unnest(?::varchar[]) p(prefix) where starts_with(indicator_id, p.prefix))""",
            [list(declared["indicator_id"]), prefixes]).df()
        frame = pd.concat([declared, generated.astype(declared.dtypes.to_dict())], ignore_index=True)
    con.register("_catalog", frame)
    try:
        con.execute("create or replace table indicators.catalog as select * from _catalog")
    finally:
        con.unregister("_catalog")
    return len(frame)


def set_scope(con: duckdb.DuckDBPyConnection, theme_id: str) -> None:
    """Temp tables naming the indicators of one theme: ``indicator_scope(indicator_id)`` (the ids
    it declares; ``sql/aggregate.sql`` sums these series only) and ``indicator_scope_prefix(prefix)``
    (the prefixes of the ids it generates). :func:`in_scope` tests an id against them."""
    t = theme(theme_id)
    con.execute("create or replace temp table indicator_scope (indicator_id varchar)")
    con.execute("create or replace temp table indicator_scope_prefix (prefix varchar)")
    declared = [i.id for i in t.INDICATORS]
    if declared:
        con.execute("insert into indicator_scope select unnest(?)", [declared])
    if generated_prefixes(t):
        con.execute("insert into indicator_scope_prefix select unnest(?)", [generated_prefixes(t)])


def in_scope(column: str = "indicator_id") -> str:
    """SQL predicate: ``column`` is an indicator of the theme of :func:`set_scope`."""
    return (f"({column} in (select indicator_id from indicator_scope) or exists "
            f"(select 1 from indicator_scope_prefix p where starts_with({column}, p.prefix)))")


def _table_exists(con, schema: str, table: str) -> bool:
    return con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table]).fetchone()[0] > 0


def _counts_of_others(con, table: str) -> dict[str, int]:
    return dict(con.execute(
        f"select indicator_id, count(*) from {table} where not {in_scope()} group by 1").fetchall())


def _check_untouched(theme_id: str, table: str, before: dict[str, int], after: dict[str, int]) -> None:
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if changed:
        raise ValueError(
            f"theme {theme_id} wrote rows of {table} for indicators it neither declares nor generates: "
            + ", ".join(changed[:10]))


def drop_orphans(con: duckdb.DuckDBPyConnection) -> int:
    """Delete from ``staging.commune_value`` and ``indicators.observation`` the rows of indicators
    no theme declares or generates any more (a renamed or removed indicator: :func:`build` started
    from empty tables, a theme built alone must not leave them behind). Returns their number."""
    from .themes import themes

    declared = {i.id for t in themes() for i in t.INDICATORS}
    prefixes = tuple(p for t in themes() for p in generated_prefixes(t))
    n = 0
    for table in ("staging.commune_value", "indicators.observation"):
        # the few hundred ids present, compared here: a filter over every row cost 0.2 s per theme
        ids = [r[0] for r in con.execute(f"select distinct indicator_id from {table}").fetchall()]
        orphans = [i for i in ids if i not in declared and not (prefixes and i.startswith(prefixes))]
        if orphans:
            n += con.execute(f"select count(*) from {table} where indicator_id in (select unnest(?::varchar[]))",
                             [orphans]).fetchone()[0]
            con.execute(f"delete from {table} where indicator_id in (select unnest(?::varchar[]))", [orphans])
    return n


def build_theme(con: duckdb.DuckDBPyConnection, theme_id: str) -> int:
    """(Re)compute one theme: its rows of ``staging.commune_value``, ``indicators.observation`` and
    ``indicators.catalog`` are replaced; the other themes' rows stay as they are (a theme writing
    indicators it neither declares nor generates stops here, naming them). The themes it reads
    (``THEMES_READ``) must have been built. Rows of indicators no theme knows any more go
    (:func:`drop_orphans`). Returns the theme's number of observations.

    Not one transaction, like :func:`build` before it: DuckDB updates rows inserted in the same
    transaction slowly (population's derived step took 8 s instead of 0.3 s). A theme that fails
    leaves its rows missing in the working database, and nothing downstream of it runs."""
    t = theme(theme_id)
    ensure_tables(con)
    drop_orphans(con)
    for read in themes_read(t):
        set_scope(con, read)
        if not con.execute(f"select count(*) from indicators.observation where {in_scope()}").fetchone()[0]:
            raise ValueError(f"theme {t.ID} reads the observations of theme {read}, which is not built")
    set_scope(con, t.ID)
    # the catalogue: every declaration; the theme's generated entries are written again by its derived step
    if _table_exists(con, "indicators", "catalog"):
        con.execute(f"delete from indicators.catalog where {in_scope()}")
    write_catalog(con)
    catalog_before = _counts_of_others(con, "indicators.catalog")
    con.execute(f"delete from staging.commune_value where {in_scope()}")
    con.execute(f"delete from indicators.observation where {in_scope()}")
    staged_before = _counts_of_others(con, "staging.commune_value")
    observed_before = _counts_of_others(con, "indicators.observation")
    t.commune_values(con)
    _check_untouched(t.ID, "staging.commune_value", staged_before, _counts_of_others(con, "staging.commune_value"))
    run_sql_file(con, "aggregate")
    t.derived(con)
    declared_ratios(con, t)
    _check_untouched(t.ID, "indicators.observation", observed_before,
                     _counts_of_others(con, "indicators.observation"))
    _check_untouched(t.ID, "indicators.catalog", catalog_before, _counts_of_others(con, "indicators.catalog"))
    return con.execute(f"select count(*) from indicators.observation where {in_scope()}").fetchone()[0]


def ratio_definitions(indicators: list[Indicator]) -> pd.DataFrame:
    """One row per component of every ratio declared with its parts (``sql/ratios.sql``)."""
    rows = [(i.id, i.period, part, component, i.period, len(parts), i.factor, i.source_id)
            for i in indicators if i.numerator
            for part, parts in (("num", i.numerator), ("den", i.denominator)) for component in parts]
    return pd.DataFrame(rows, columns=["indicator_id", "period", "part", "component", "component_period",
                                       "n_components", "factor", "source_id"])


def declared_ratios(con: duckdb.DuckDBPyConnection, t) -> None:
    """The ratios theme ``t`` declares with their numerator and denominator, on every territory,
    after its derived step (their parts are its observations, or those of a theme it reads)."""
    frame = ratio_definitions(t.INDICATORS)
    if frame.empty:
        return
    con.register("_ratio_def", frame)
    try:
        run_sql_file(con, "ratios")
    finally:
        con.unregister("_ratio_def")


def build(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)compute ``indicators.catalog`` and ``indicators.observation`` from scratch: every theme
    in :func:`build_order`; returns the row count."""
    for table in ("staging.commune_value", "indicators.observation", "indicators.catalog"):
        con.execute(f"drop table if exists {table}")
    for t in build_order():
        build_theme(con, t.ID)
    return con.execute("select count(*) from indicators.observation").fetchone()[0]

