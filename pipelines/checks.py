"""Blocking asset checks: a failing check stops the run before publication, with its reason in the
UI and in the CLI output."""


from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, asset_check

from portraits import quality, warehouse

from .assets.ingest import SOURCE_ASSETS
from .assets.warehouse import indicator_observations, territory_sets
from .resources import PortraitsSettings


def _result(problems: list[str], what: str) -> AssetCheckResult:
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        description=(what if not problems else f"{what}: FAILED\n" + "\n".join(problems)),
        metadata={"problems": len(problems), "first_problems": "\n".join(problems[:10]) or "none"},
    )


@asset_check(asset=indicator_observations, blocking=True,
             description="For every additive indicator, the sum over each set's territories equals the region's value.")
def regional_totals_equal_sum_of_territories(settings: PortraitsSettings) -> AssetCheckResult:
    with warehouse.connect(settings.work_db_path(), read_only=True) as con:
        return _result(quality.regional_totals(con), "regional totals equal the sum of territories")


@asset_check(asset=indicator_observations, blocking=True,
             description="One observation per (set, territory, indicator, period); statuses in ok/secret/missing/estimate; secret and missing carry no value.")
def observations_well_formed(settings: PortraitsSettings) -> AssetCheckResult:
    with warehouse.connect(settings.work_db_path(), read_only=True) as con:
        problems = quality.unique_observation_keys(con) + quality.statuses_valid(con)
    return _result(problems, "observation keys and statuses")


@asset_check(asset=territory_sets, blocking=True,
             description="Each of the region's 1,228 communes is in exactly one territory of every standard set.")
def standard_sets_partition_region(settings: PortraitsSettings) -> AssetCheckResult:
    with warehouse.connect(settings.work_db_path(), read_only=True) as con:
        return _result(quality.partition_sets_cover_region(con), "standard sets partition the region")


@asset_check(asset="reception_points", blocking=True,
             description="Every reception point has a well-formed COG 2026 commune code and a known network, "
                         "and is assigned to a territory of every standard set (custom sets may cover "
                         "part of the region only).")
def reception_points_well_formed(settings: PortraitsSettings) -> AssetCheckResult:
    with warehouse.connect(settings.work_db_path(), read_only=True) as con:
        problems = quality.commune_codes_well_formed(con, "directory", "reception_point")
        bad = con.execute(
            """select count(*) from directory.reception_point
               where network not in (select network from directory.network)""").fetchone()[0]
        if bad:
            problems.append(f"{bad} reception points with a network outside directory.network")
        unassigned = con.execute(
            """select s.set_id, count(*) from ref.territory_set s cross join directory.reception_point p
               where s.set_id in (select unnest(?))
                 and p.commune_code in (select commune_code from ref.commune where in_region)
                 and not exists (select 1 from directory.reception_point_territory t
                                 where t.set_id = s.set_id and t.id = p.id)
               group by 1""", [list(quality.PARTITION_SETS)]).fetchall()
        problems += [f"set {s}: {n} points without a territory" for s, n in unassigned]
    return _result(problems, "reception points")


def _previous(settings: PortraitsSettings, dataset_id):
    """Rows and columns of ``dataset_id`` in the last published build (None, None if none)."""
    import duckdb

    published = settings.output_path() / "portraits.duckdb"
    if not dataset_id or not published.exists():
        return None, None
    try:
        with duckdb.connect(str(published), read_only=True) as pub:
            cols = {r[0] for r in pub.execute(
                "select column_name from information_schema.columns where table_schema = 'meta' "
                "and table_name = 'source'").fetchall()}
            row = pub.execute(
                f"select rows, {'columns' if 'columns' in cols else 'null'} from meta.source where source_id = ?",
                [dataset_id]).fetchone()
    except duckdb.Error:
        return None, None
    if not row:
        return None, None
    return row[0], (row[1].split(",") if row[1] else None)


def _source_check(asset_def):
    table = asset_def.key.path[-1].removeprefix("raw_")

    dataset_id = (asset_def.metadata_by_key[asset_def.key] or {}).get("dataset_id")

    @asset_check(asset=asset_def, blocking=True, name="not_empty_and_codes_well_formed",
                 description="The raw table is not empty, its commune codes are 5-character text, it "
                             "keeps every column of the last published build and its row count is "
                             "within 0.5x-2x of it.")
    def _check(context: AssetCheckExecutionContext, settings: PortraitsSettings) -> AssetCheckResult:
        with warehouse.connect(settings.work_db_path(), read_only=True) as con:
            n = con.execute(f'select count(*) from raw."{table}"').fetchone()[0]
            problems = [] if n else [f"raw.{table} is empty"]
            problems += quality.commune_codes_well_formed(con, "raw", table)
            columns = [r[0] for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' "
                "and table_name = ?", [table]).fetchall()]
        prev_rows, prev_columns = _previous(settings, dataset_id)
        problems += quality.row_count_in_band(n, prev_rows)
        problems += quality.columns_kept(columns, prev_columns)
        return _result(problems, f"raw.{table}: {n} rows")

    return _check


SOURCE_CHECKS = [_source_check(a) for a in SOURCE_ASSETS]
ALL_CHECKS = [regional_totals_equal_sum_of_territories, observations_well_formed,
              standard_sets_partition_region, reception_points_well_formed, *SOURCE_CHECKS]
