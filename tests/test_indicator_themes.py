"""Indicator themes as their own Dagster assets: the graph follows the code (each theme depends on
its own sources and on the themes it reads), and a theme built alone gives the rows of the full
build without touching the others'."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from portraits import indicators, warehouse
from portraits.themes import themes
from sources import catalog

SQL_DIR = Path(warehouse.__file__).parent / "sql"


@pytest.fixture(scope="module")
def graph():
    from pipelines.definitions import defs

    return defs.resolve_asset_graph()


def downstream(graph, key: str) -> set[str]:
    from dagster import AssetKey

    seen, todo = set(), [AssetKey(key)]
    while todo:
        for child in graph.get(todo.pop()).child_keys:
            if child.to_user_string() not in seen:
                seen.add(child.to_user_string())
                todo.append(child)
    return seen


def _upstream(graph, key: str) -> set[str]:
    from dagster import AssetKey

    seen, todo = set(), [AssetKey(key)]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent.to_user_string() not in seen:
                seen.add(parent.to_user_string())
                todo.append(parent)
    return seen


def indicator_assets(keys) -> set[str]:
    return {k for k in keys if k.startswith("indicators_")}


def readers_of(theme_id: str) -> set[str]:
    """The themes that read ``theme_id``'s observations, directly or not."""
    out: set[str] = set()
    for t in themes():
        if theme_id in indicators.themes_read(t):
            out |= {t.ID} | readers_of(t.ID)
    return out


def test_a_bmo_refresh_recomputes_employment_only(graph):
    """Materialising the BMO survey (raw_bmo_2024) and what depends on it recomputes the employment
    theme, then the statistical neighbours (they read emploi's 5-year change of private jobs, so
    Dagster cannot know they do not change), then the whole-table checks and the publication:
    no population, territory, training or directory indicator."""
    bmo = "raw_" + catalog.get("bmo_2024").table
    below = downstream(graph, bmo)
    assert indicator_assets(below) == {"indicators_emploi", "indicators_voisins"}
    assert readers_of("emploi") == {"voisins"}
    assert "indicator_observations" in below
    assert not {"territory_sets", "reception_points", "ref_geography"} & below


def test_every_source_refreshes_the_themes_that_read_it_and_no_other(graph):
    from pipelines.assets.warehouse import REF_DATASETS, TERRITORY_DATASETS

    for ds in catalog.DATASETS.values():
        if ds.id in REF_DATASETS + TERRITORY_DATASETS:
            continue  # upstream of the territory sets, hence of every theme
        readers = {t.ID for t in themes() if ds.id in t.SOURCES}
        expected = readers | {r for t in readers for r in readers_of(t)}
        if ds.id in ("dila_annuaire_2016", "pe_agences_2019", "annuaire_education", "ofa_referentiel",
                     "france_services_2024"):
            expected |= {"annuaire"} | readers_of("annuaire")  # through the directory
        assert indicator_assets(downstream(graph, f"raw_{ds.table}")) == {f"indicators_{t}" for t in expected}, ds.id


def test_each_theme_asset_depends_on_its_sources_and_the_themes_it_reads(graph):
    from dagster import AssetKey

    for t in themes():
        node = graph.get(AssetKey(f"indicators_{t.ID}"))
        assert node.group_name == "indicators" and node.description
        parents = {k.to_user_string() for k in node.parent_keys}
        expected = {"territory_sets"} | {f"raw_{catalog.get(d).table}" for d in t.SOURCES} \
            | {f"indicators_{r}" for r in indicators.themes_read(t)}
        if t.ID == "annuaire":
            expected.add("reception_points")
        assert parents == expected, t.ID
    whole = graph.get(AssetKey("indicator_observations"))
    assert {f"indicators_{t.ID}" for t in themes()} <= {k.to_user_string() for k in whole.parent_keys}
    # every source is upstream of the whole table, hence of the publication (meta.source lists them all)
    assert {f"raw_{ds.table}" for ds in catalog.DATASETS.values()} <= _upstream(graph, "indicator_observations")


def test_every_indicator_cites_a_source_of_its_theme():
    """An indicator whose source is not among its theme's SOURCES (hence not among its asset's
    dependencies) fails here, named."""
    wrong = [f"{t.ID}: {i.id} cites {i.source_id}" for t in themes() for i in t.INDICATORS
             if i.source_id not in t.SOURCES]
    assert not wrong, wrong
    for t in themes():
        for d in t.SOURCES:
            catalog.get(d)  # a known dataset


def _theme_files(t) -> list[Path]:
    """The theme's module and the SQL files it runs (names quoted in the module)."""
    module = Path(t.__file__)
    names = set(re.findall(r'"([a-z0-9_]+)"', module.read_text(encoding="utf-8")))
    return [module] + sorted(SQL_DIR / f"{n}.sql" for n in names if (SQL_DIR / f"{n}.sql").is_file())


def test_a_theme_reads_the_raw_tables_of_its_sources_only():
    """Every ``raw.<table>`` a theme's code or SQL names is the table of one of its SOURCES, so its
    asset is refreshed when that table is."""
    table_of = {ds.table: ds.id for ds in catalog.DATASETS.values()}
    for t in themes():
        tables = {ds_table for f in _theme_files(t)
                  for ds_table in re.findall(r"\braw\.([a-z0-9_]+)", f.read_text(encoding="utf-8"))
                  if ds_table in table_of}
        unexpected = sorted(f"raw.{x} ({table_of[x]})" for x in tables if table_of[x] not in t.SOURCES)
        assert not unexpected, f"theme {t.ID} reads {unexpected}, not among its SOURCES"


def test_themes_read_are_declared():
    """The neighbours' features and the density's population come from the themes they declare."""
    from portraits.themes import voisins

    owner = {i.id: t.ID for t in themes() for i in t.INDICATORS}
    assert {owner[f] for f in voisins.FEATURES} <= set(voisins.THEMES_READ)
    order = [t.ID for t in indicators.build_order()]
    for t in themes():
        assert all(order.index(r) < order.index(t.ID) for r in indicators.themes_read(t))


# --- on the real files ---------------------------------------------------------------------------

def _of_theme(theme_id: str) -> str:
    """SQL predicate: the indicator is one of the theme's (declared or generated)."""
    t = indicators.theme(theme_id)
    ids = ", ".join(f"'{i.id}'" for i in t.INDICATORS) or "null"
    prefixes = " or ".join(f"starts_with(indicator_id, '{p}')" for p in indicators.generated_prefixes(t))
    return f"(indicator_id in ({ids}) or {prefixes or 'false'})"


def _scope_rows(db: str, theme_id: str, *, others: bool = False) -> str:
    """The observations of the theme (or of every other theme) in database ``db``."""
    return f"(select * from {db}.indicators.observation where {'not ' if others else ''}{_of_theme(theme_id)})"


def _closure(theme_id: str) -> list[str]:
    out: list[str] = []
    for r in indicators.themes_read(indicators.theme(theme_id)):
        out += [x for x in _closure(r) + [r] if x not in out]
    return out


def _differences(con, a: str, b: str) -> int:
    """Rows of a and b (same columns as indicators.observation) that differ beyond the last bits
    of a double (DuckDB's parallel sums are not order-stable, the full build run twice differs)."""
    close = " and ".join(
        f"(x.{c} is not distinct from y.{c} or abs(x.{c} - y.{c}) <= 1e-9 * greatest(abs(x.{c}), abs(y.{c})))"
        for c in ("value", "numerator", "denominator"))
    return con.execute(
        f"""select count(*) from {a} x full join {b} y using (set_id, territory_id, indicator_id, period)
            where x.status is distinct from y.status or x.note is distinct from y.note
               or x.source_id is distinct from y.source_id or not ({close})""").fetchone()[0]


@pytest.fixture(scope="module")
def no_indicators(warehouse_db, tmp_path_factory) -> Path:
    """The working database of the full build, its indicator tables dropped."""
    path = tmp_path_factory.mktemp("themes") / "base.duckdb"
    shutil.copyfile(warehouse_db, path)
    with warehouse.connect(path) as con:
        for table in ("staging.commune_value", "indicators.observation", "indicators.catalog"):
            con.execute(f"drop table {table}")
    return path


@pytest.mark.parametrize("theme_id", [t.ID for t in indicators.build_order()])
def test_a_theme_built_alone_gives_the_rows_of_the_full_build(theme_id, no_indicators, warehouse_db, tmp_path):
    """A theme built with only the themes it declares it reads gives the same observations as the
    theme rebuilt once every theme is there, and as the full build: THEMES_READ is enough (a theme
    reading an undeclared theme would see it only in the second case), and build_theme computes
    what build does."""
    alone, rebuilt = tmp_path / "alone.duckdb", tmp_path / "rebuilt.duckdb"
    shutil.copyfile(no_indicators, alone)
    shutil.copyfile(warehouse_db, rebuilt)
    with warehouse.connect(alone) as con:
        for r in _closure(theme_id):
            indicators.build_theme(con, r)
        n = indicators.build_theme(con, theme_id)
    with warehouse.connect(rebuilt) as con:
        assert indicators.build_theme(con, theme_id) == n
    con = duckdb.connect()
    for name, path in (("full_build", warehouse_db), ("alone", alone), ("rebuilt", rebuilt)):
        con.execute(f"attach '{path}' as {name} (read_only)")
    assert n == con.execute(f"select count(*) from {_scope_rows('full_build', theme_id)}").fetchone()[0]
    assert _differences(con, _scope_rows("full_build", theme_id), _scope_rows("alone", theme_id)) == 0
    assert _differences(con, _scope_rows("rebuilt", theme_id), _scope_rows("alone", theme_id)) == 0
    if theme_id == "voisins":
        for name in ("alone", "rebuilt"):
            assert con.execute("select count(*) from (select * from full_build.indicators.neighbour "
                               f"except all select * from {name}.indicators.neighbour)").fetchone()[0] == 0
    # every observation of the theme cites one of its sources
    cited = {r[0] for r in con.execute(f"select distinct source_id from {_scope_rows('alone', theme_id)}").fetchall()}
    assert cited <= set(indicators.theme(theme_id).SOURCES), theme_id


def test_rebuilding_employment_leaves_every_other_row_as_it_was(warehouse_db, tmp_path):
    path = tmp_path / "work.duckdb"
    shutil.copyfile(warehouse_db, path)
    with warehouse.connect(path) as con:
        n = indicators.build_theme(con, "emploi")
    con = duckdb.connect()
    con.execute(f"attach '{warehouse_db}' as before (read_only)")
    con.execute(f"attach '{path}' as after (read_only)")
    emploi_before, emploi_after = _scope_rows("before", "emploi"), _scope_rows("after", "emploi")
    for a, b in (("before", "after"), ("after", "before")):
        # untouched rows: exactly the same, bits included
        assert con.execute(f"select count(*) from ({_scope_rows(a, 'emploi', others=True)} "
                           f"except all {_scope_rows(b, 'emploi', others=True)})").fetchone()[0] == 0
    assert n == con.execute(f"select count(*) from {emploi_before}").fetchone()[0] > 0
    assert _differences(con, emploi_before, emploi_after) == 0
    for table in ("indicators.catalog", "staging.commune_value"):
        assert con.execute(f"select count(*) from (select * from before.{table} except all select * from after.{table})"
                           ).fetchone()[0] == 0, table
        assert con.execute(f"select count(*) from before.{table}").fetchone()[0] == \
            con.execute(f"select count(*) from after.{table}").fetchone()[0], table


def test_a_theme_writing_another_themes_indicator_is_refused(warehouse_db, tmp_path, monkeypatch):
    from portraits.themes import annuaire

    path = tmp_path / "work.duckdb"
    shutil.copyfile(warehouse_db, path)

    def derived(con):
        con.execute("insert into indicators.observation select * from indicators.observation "
                    "where indicator_id = 'population' limit 1")

    monkeypatch.setattr(annuaire, "derived", derived)
    with warehouse.connect(path) as con, pytest.raises(ValueError, match="theme annuaire .*population"):
        indicators.build_theme(con, "annuaire")


def test_rows_of_an_indicator_no_theme_knows_any_more_go(warehouse_db, tmp_path):
    """A renamed or removed indicator does not stay in the working database (hence in the
    publication) when its theme is rebuilt alone."""
    path = tmp_path / "work.duckdb"
    shutil.copyfile(warehouse_db, path)
    with warehouse.connect(path) as con:
        for table in ("indicators.observation", "staging.commune_value"):
            con.execute(f"insert into {table} select * replace ('ancien_indicateur' as indicator_id) "
                        f"from {table} where indicator_id = 'superficie'")
        before = con.execute("select count(*) from indicators.observation").fetchone()[0]
        orphans = con.execute("select count(*) from indicators.observation "
                              "where indicator_id = 'ancien_indicateur'").fetchone()[0]
        assert orphans > 0
        indicators.build_theme(con, "annuaire")
        for table in ("indicators.observation", "staging.commune_value"):
            assert con.execute(f"select count(*) from {table} where indicator_id = 'ancien_indicateur'").fetchone()[0] == 0
        assert con.execute("select count(*) from indicators.observation").fetchone()[0] == before - orphans
