"""Blocking asset checks: a failing check stops the run before publication, with its reason in the
UI and in the CLI output."""


from dagster import AssetCheckResult, asset_check

from portraits import quality, warehouse

from .assets.warehouse import indicator_observations, territory_sets
from .check_results import result
from .resources import PortraitsSettings





@asset_check(asset=indicator_observations, blocking=True,
             description="For every additive indicator, the sum over each set's territories equals the region's value.")
def regional_totals_equal_sum_of_territories(settings: PortraitsSettings) -> AssetCheckResult:
    with warehouse.connect(settings.work_db_path(), read_only=True) as con:
        return result(quality.regional_totals(con), "regional totals equal the sum of territories")


@asset_check(asset=indicator_observations, blocking=True,
             description="One observation per (set, territory, indicator, period); statuses in ok/secret/missing/estimate; secret and missing carry no value.")
def observations_well_formed(settings: PortraitsSettings) -> AssetCheckResult:
    with warehouse.connect(settings.work_db_path(), read_only=True) as con:
        problems = quality.unique_observation_keys(con) + quality.statuses_valid(con)
    return result(problems, "observation keys and statuses")


@asset_check(asset=territory_sets, blocking=True,
             description="Each of the region's 1,228 communes is in exactly one territory of every standard set.")
def standard_sets_partition_region(settings: PortraitsSettings) -> AssetCheckResult:
    with warehouse.connect(settings.work_db_path(), read_only=True) as con:
        return result(quality.partition_sets_cover_region(con), "standard sets partition the region")


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
    return result(problems, "reception points")


# The sources' checks (not_empty_and_codes_well_formed) are declared on each source asset and
# evaluated in its step (assets/ingest.py): one step per source instead of two.
ALL_CHECKS = [regional_totals_equal_sum_of_territories, observations_well_formed,
              standard_sets_partition_region, reception_points_well_formed]
