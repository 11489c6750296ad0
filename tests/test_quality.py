"""Each data-quality rule of the blocking checks, with passing and failing data (small tables
written by hand: they are not official data, they exercise the rules)."""

from __future__ import annotations

import duckdb
import pytest

from portraits import quality


@pytest.fixture()
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "q.duckdb"))
    c.execute("create schema ref; create schema indicators; create schema raw; create schema meta")
    c.execute("""create table indicators.catalog as select * from (values
                 ('pop', 'sum'), ('taux', 'ratio')) t(indicator_id, aggregation)""")
    c.execute("""create table indicators.observation (set_id varchar, territory_id varchar, indicator_id varchar,
                 period varchar, value double, numerator double, denominator double, status varchar,
                 source_id varchar, note varchar)""")
    c.execute("""insert into indicators.observation values
        ('region', '52', 'pop', '2022', 300, 300, null, 'ok', 's', null),
        ('departement', '44', 'pop', '2022', 100, 100, null, 'ok', 's', null),
        ('departement', '49', 'pop', '2022', 200, 200, null, 'ok', 's', null),
        ('departement', '44', 'taux', '2022', 10, 1, 10, 'ok', 's', null)""")
    c.execute("create table ref.commune as select * from (values ('44109', true), ('49007', true), ('56030', false)) t(commune_code, in_region)")
    c.execute("""create table ref.territory_commune as select * from (values
        ('departement', '44', '44109'), ('departement', '49', '49007'), ('region', '52', '44109'),
        ('region', '52', '49007')) t(set_id, territory_id, commune_code)""")
    yield c
    c.close()


def test_regional_totals_pass_and_fail(con):
    assert quality.regional_totals(con, sets=("departement",)) == []
    con.execute("update indicators.observation set value = 199 where territory_id = '49' and indicator_id = 'pop'")
    problems = quality.regional_totals(con, sets=("departement",))
    assert len(problems) == 1 and "sum over set departement = 299.00 but region = 300.00" in problems[0]


def test_regional_totals_ignore_ratios(con):
    con.execute("insert into indicators.observation values ('region', '52', 'taux', '2022', 99, 1, 1, 'ok', 's', null)")
    assert quality.regional_totals(con, sets=("departement",)) == []


def test_unique_keys_pass_and_fail(con):
    assert quality.unique_observation_keys(con) == []
    con.execute("insert into indicators.observation values ('departement', '44', 'pop', '2022', 1, 1, null, 'ok', 's', null)")
    assert "duplicate observation departement/44/pop/2022" in quality.unique_observation_keys(con)[0]


def test_statuses_pass_and_fail(con):
    assert quality.statuses_valid(con) == []
    con.execute("insert into indicators.observation values ('departement', '44', 'x', '2022', 0, null, null, 'secret', 's', null)")
    con.execute("insert into indicators.observation values ('departement', '44', 'y', '2022', null, null, null, 'zero', 's', null)")
    problems = quality.statuses_valid(con)
    assert any("invalid status 'zero'" in p for p in problems)
    assert any("secret/missing observations carry a value" in p for p in problems)


def test_partition_pass_and_fail(con):
    assert quality.partition_sets_cover_region(con, sets=("departement", "region")) == []
    con.execute("insert into ref.territory_commune values ('departement', '49', '44109')")
    con.execute("delete from ref.territory_commune where set_id = 'region' and commune_code = '49007'")
    problems = quality.partition_sets_cover_region(con, sets=("departement", "region"))
    assert "set departement: commune 44109 is in 2 territories (expected 1)" in problems
    assert "set region: commune 49007 is in 0 territories (expected 1)" in problems


def test_commune_codes_pass_and_fail(con):
    con.execute("create table raw.t as select * from (values ('44109'), ('2A004')) v(commune_code)")
    assert quality.commune_codes_well_formed(con, "raw", "t") == []
    con.execute("insert into raw.t values ('4410'), ('44109.0')")
    problems = quality.commune_codes_well_formed(con, "raw", "t")
    assert len(problems) == 2 and "malformed code '4410'" in " ".join(problems)


def test_row_count_band_pass_and_fail():
    assert quality.row_count_in_band(1000, 1100) == []
    assert quality.row_count_in_band(1000, None) == []  # first build: nothing to compare
    problem = quality.row_count_in_band(480, 1000)
    assert problem and "480 rows" in problem[0] and "1000" in problem[0]
    assert quality.row_count_in_band(2500, 1000)


def test_expected_columns_pass_and_fail():
    assert quality.columns_kept(["a", "b", "c"], ["a", "b"]) == []
    assert quality.columns_kept(["a"], None) == []
    problem = quality.columns_kept(["a", "c"], ["a", "b"])
    assert problem and "dropped column(s) b" in problem[0]
