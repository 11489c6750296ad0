"""Data-quality rules, as plain functions returning a list of problems (empty = pass).

The Dagster asset checks (``pipelines/checks.py``) call these; tests call them with passing and
failing data.
"""

from __future__ import annotations

# Sets whose territories partition the region's communes (each region commune in exactly one).
PARTITION_SETS = ("commune", "epci", "departement", "region", "clpe", "zone_emploi", "bassin_vie", "bassin_bmo")


def unique_observation_keys(con) -> list[str]:
    rows = con.execute(
        """select set_id, territory_id, indicator_id, period, count(*)
           from indicators.observation group by all having count(*) > 1 limit 5""").fetchall()
    return [f"duplicate observation {r[0]}/{r[1]}/{r[2]}/{r[3]} ({r[4]} rows)" for r in rows]


def statuses_valid(con) -> list[str]:
    rows = con.execute(
        """select status, count(*) from indicators.observation
           where status not in ('ok', 'secret', 'missing', 'estimate') or status is null group by 1""").fetchall()
    problems = [f"invalid status {r[0]!r} on {r[1]} rows" for r in rows]
    rows = con.execute(
        """select count(*) from indicators.observation
           where status in ('secret', 'missing') and value is not null""").fetchone()
    if rows[0]:
        problems.append(f"{rows[0]} secret/missing observations carry a value")
    return problems


def regional_totals(con, sets=PARTITION_SETS, tolerance: float = 1e-6) -> list[str]:
    """For every additive indicator, the sum over a partition set's territories equals the region."""
    rows = con.execute(
        """with additive as (select indicator_id from indicators.catalog where aggregation = 'sum'),
           region as (
             select indicator_id, period, value from indicators.observation
             where set_id = 'region' and status = 'ok' and indicator_id in (select * from additive)),
           sums as (
             select set_id, indicator_id, period, sum(value) as total,
                    count(*) filter (where status <> 'ok') as not_ok
             from indicators.observation
             where set_id in (select unnest(?)) and indicator_id in (select * from additive)
             group by all)
           select s.set_id, s.indicator_id, s.period, s.total, r.value
           from sums s join region r using (indicator_id, period)
           where s.not_ok = 0 and abs(s.total - r.value) > ? * greatest(1, abs(r.value))
           order by 1, 2, 3 limit 20""",
        [list(sets), tolerance],
    ).fetchall()
    return [f"{r[1]} {r[2]}: sum over set {r[0]} = {r[3]:,.2f} but region = {r[4]:,.2f}" for r in rows]


def partition_sets_cover_region(con, sets=PARTITION_SETS) -> list[str]:
    rows = con.execute(
        """with region as (select commune_code from ref.commune where in_region),
           counts as (
             select s.set_id, r.commune_code,
                    count(tc.territory_id) as n
             from (select unnest(?) as set_id) s cross join region r
             left join ref.territory_commune tc on tc.set_id = s.set_id and tc.commune_code = r.commune_code
             group by all)
           select set_id, commune_code, n from counts where n <> 1 order by 1, 2 limit 20""",
        [list(sets)],
    ).fetchall()
    return [f"set {r[0]}: commune {r[1]} is in {r[2]} territories (expected 1)" for r in rows]


def commune_codes_well_formed(con, schema: str, table: str, column: str = "commune_code") -> list[str]:
    cols = {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table]).fetchall()}
    if column not in cols:
        return []
    rows = con.execute(
        f"""select "{column}", count(*) from {schema}."{table}"
            where not regexp_full_match(coalesce("{column}", ''), '[0-9]{{5}}|2[AB][0-9]{{3}}')
            group by 1 limit 5""").fetchall()
    return [f"{schema}.{table}.{column}: malformed code {r[0]!r} ({r[1]} rows)" for r in rows]


def row_count_in_band(rows: int, previous: int | None, low: float = 0.5, high: float = 2.0) -> list[str]:
    """A new version of a file with half (or twice) the rows of the last published build is
    suspect: it fails the check rather than publish."""
    if previous is None or previous == 0:
        return []
    if not (low * previous <= rows <= high * previous):
        return [f"{rows} rows, against {previous} in the last published build "
                f"(allowed band {low:g}x to {high:g}x)"]
    return []


def columns_kept(columns: list[str], previous: list[str] | None) -> list[str]:
    """Columns of the last published build that a new version dropped."""
    if not previous:
        return []
    dropped = [c for c in previous if c not in set(columns)]
    return [f"dropped column(s) {', '.join(dropped)} since the last published build"] if dropped else []
