"""The database contract (portraits.contract): data dictionary, meta.column, schema.md, Parquet export,
schema-version fingerprint, and readers during a publication.

Everything that writes works on a copy of the published database in ``tmp_path``: the session build
(``built``) is only read, except by the concurrent-reader test, which runs a new full build into it
(as ``test_pipeline`` does) while other processes read the published file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from portraits import contract, contract_fields
from portraits.warehouse import sql_string

from .pipeline_helpers import run_build

# Fingerprint of the published (schema, table, column, type) for each SCHEMA_VERSION.
#
# When test_contract_fingerprint fails, the published tables, columns or types changed. Then:
#   1. document the change in portraits/contract_fields.py (FIELDS) and contract_tables.py (DECLARATIONS);
#   2. bump SCHEMA_VERSION in portraits/warehouse.py ("1" -> "2");
#   3. add the new version here with the value printed by
#      `.venv/bin/python -m portraits.contract fingerprint` (fingerprint of the dictionary; with a
#      database path as last argument, the fingerprint of that database);
#   4. tell the developers of the tools reading output/portraits.duckdb (schema.md lists the columns).
# Never edit the fingerprint of a version already published.
EXPECTED_FINGERPRINTS = {
    "1": "795b3cdf80a89313ee42dc352a230c738f415da828339ac3236166cd0f387907",
    # 2: meta.edition and meta.edition_source (editions, issue 16)
    "2": "ba60dfdd7fa75dda500ed38f6147c903640e182f15eaf8032f5483dffb80a7aa",
}

CORE_TABLES = {
    "ref.territory_set", "ref.territory", "ref.territory_commune", "ref.commune", "ref.epci",
    "ref.departement", "ref.region", "ref.commune_history", "indicators.catalog",
    "indicators.observation", "meta.source", "meta.build",
}


@pytest.fixture()
def pub_copy(built, tmp_path) -> Path:
    """A writable copy of the published database (never write into ``built``)."""
    target = tmp_path / "copy" / "portraits.duckdb"
    target.parent.mkdir()
    shutil.copyfile(built / "output" / "portraits.duckdb", target)
    return target


@pytest.fixture()
def con(pub_copy):
    c = duckdb.connect(str(pub_copy))
    yield c
    c.close()


def test_dictionary_covers_the_required_tables():
    documented = {f"{s}.{t}" for s, t, _ in contract.COLUMNS}
    assert documented >= CORE_TABLES | {"meta.column"}
    assert set(contract.TABLES) == {(s, t) for s, t, _ in contract.COLUMNS}
    for key, doc in contract.COLUMNS.items():
        assert doc.description.strip() and doc.type.isupper(), key
    status = contract.COLUMNS[("indicators", "observation", "status")]
    assert set(status.values) == {"ok", "secret", "missing", "estimate"}
    assert "pipe-separated" in contract.COLUMNS[("ref", "territory", "departements")].description


def test_dictionary_values_follow_the_code():
    """Closed lists documented in the dictionary are the ones the code writes."""
    from portraits import geography
    from portraits.indicators import catalog

    assert set(contract.COLUMNS[("ref", "commune_history", "kind")].values) == set(geography.KINDS)
    aggregations = set(contract.COLUMNS[("indicators", "catalog", "aggregation")].values)
    assert {i.aggregation for i in catalog()} <= aggregations


def test_bad_declarations_are_refused_by_name():
    """A table listing a name with neither a field nor an override, an override that the table does
    not list or that repeats the field, a column listed twice, a field no table publishes: each is
    named, and the real dictionary has none (portraits.contract imports)."""
    fields = {"code": contract.Column("Code.", "VARCHAR"), "unused": contract.Column("Never.", "BIGINT")}
    tables = {
        ("ref", "a"): contract.Table("A.", "code nameless", ghost="Not a column of a."),
        ("ref", "b"): contract.Table("B.", "code code", code="Code."),
        ("ref", "c"): contract.Table("C.", "code typed", typed=contract.Column("Typed here.", "DATE")),
    }
    with pytest.raises(contract.ContractError) as err:
        contract._columns(fields, tables)
    message = str(err.value)
    for expected in ("ref.a.nameless has no field in FIELDS", "ref.a.ghost is overridden but not a column",
                     "ref.b.code overrides FIELDS['code'] with the same declaration",
                     "ref.b.code is listed twice", "FIELDS['unused'] is published by no table"):
        assert expected in message, message
    assert "ref.c" not in message  # a Column override needs no field
    good = contract._columns(fields, {("ref", "c"): tables[("ref", "c")], ("ref", "d"): contract.Table("D.", "unused")})
    assert good[("ref", "c", "typed")].type == "DATE" and good[("ref", "d", "unused")] is fields["unused"]


def test_a_field_declared_twice_stops_the_import():
    """FIELDS is a dict(...) of keywords: a name declared twice does not compile (a {...} literal would
    silently keep the last description)."""
    source = Path(contract_fields.__file__).read_text(encoding="utf-8")
    head = "FIELDS: dict[str, Column] = dict(\n"
    assert source.count(head) == 1
    compile(source, contract_fields.__file__, "exec")
    twice = source.replace(head, head + '    period=Column("Declared again.", "VARCHAR"),\n')
    with pytest.raises(SyntaxError, match="keyword argument repeated: period"):
        compile(twice, contract_fields.__file__, "exec")


def test_every_published_column_is_documented(con):
    n = contract.write_meta_column(con)
    published = contract.published_columns(con)
    tables = {f"{s}.{t}" for s, t in contract.published_tables(con)}
    assert tables >= CORE_TABLES | {"meta.column"}
    check = contract.check_contract(con)
    assert check.errors == [] and check.undocumented == [] and check.type_mismatches == []
    rows = con.execute("select schema_name, table_name, column_name, data_type, description "
                       "from meta.column").fetchall()
    assert n == len(rows) == len(published)
    assert {r[:4] for r in rows} == set(published)
    assert all(r[4] for r in rows)
    got = {r[:3]: r for r in rows}
    assert got[("ref", "commune", "in_region")][3] == "BOOLEAN"
    assert got[("meta", "column", "description")][3] == "VARCHAR"  # documents itself
    status = got[("indicators", "observation", "status")][4]
    assert "'secret'" in status and "'estimate'" in status
    assert "Unit: inhabitants" in got[("ref", "commune", "population_cog")][4]
    # idempotent
    assert contract.write_meta_column(con) == n


def test_undocumented_column_is_refused(con):
    con.execute("alter table ref.territory add column population_density double")
    con.execute("create table indicators.extra (x integer)")
    with pytest.raises(contract.ContractError) as err:
        contract.write_meta_column(con)
    message = str(err.value)
    assert "ref.territory.population_density" in message and "indicators.extra.x" in message
    assert "COLUMNS" in message
    assert con.execute("select count(*) from information_schema.tables "
                       "where table_schema = 'meta' and table_name = 'column'").fetchone()[0] == 0


def test_type_change_is_refused(con):
    con.execute("alter table ref.territory alter n_communes type integer")
    with pytest.raises(contract.ContractError, match="ref.territory.n_communes documented BIGINT, database INTEGER"):
        contract.write_meta_column(con)


def test_directory_tables_are_skipped_with_a_warning_for_now(con, tmp_path):
    contract.write_meta_column(con)
    before = contract.contract_fingerprint(con)
    con.execute("create schema if not exists directory")
    con.execute("create table directory.draft_table as "
                "select 'cio:1' as id, 'cio' as network, 47.2 as latitude, -1.55 as longitude")
    with pytest.warns(UserWarning, match="directory.draft_table"):
        contract.write_meta_column(con)
    assert con.execute("select count(*) from meta.column where table_name = 'draft_table'").fetchone()[0] == 0
    assert contract.contract_fingerprint(con) == before
    md = contract.write_schema_md(con, tmp_path / "schema.md").read_text(encoding="utf-8")
    assert "Not yet documented" in md and "`directory.draft_table`" in md
    files = contract.export_parquet(con, tmp_path / "parquet")
    assert tmp_path / "parquet" / "directory.draft_table.parquet" in files
    # any other undocumented schema is refused
    con.execute("create table meta.extra (x integer)")
    with pytest.raises(contract.ContractError, match="meta.extra.x"):
        contract.write_meta_column(con)


def test_schema_md(con, tmp_path):
    contract.write_meta_column(con)
    path = contract.write_schema_md(con, tmp_path / "out" / "schema.md")
    md = path.read_text(encoding="utf-8")
    assert md.startswith("# ") and "read_only=True" in md and "-readonly" in md
    assert f"**Schema version**: `{contract.SCHEMA_VERSION}`" in md and "os.replace" in md
    build_id = con.execute("select build_id from meta.build order by finished_at desc limit 1").fetchone()[0]
    assert build_id in md
    for s, t in contract.TABLES:
        section = md.split(f"### {s}.{t}\n", 1)[1].split("\n### ", 1)[0]
        for (cs, ct, column), doc in contract.COLUMNS.items():
            if (cs, ct) == (s, t):
                assert f"| `{column}` | {doc.type} |" in section, (s, t, column)
    n_obs = con.execute("select count(*) from indicators.observation").fetchone()[0]
    assert f"Rows in this build: {n_obs:,}." in md
    assert "(`44\\|49`)" in md  # pipes escaped inside table cells
    # every table row of the Markdown tables has 4 cells (the columns), 6 (the indicators)
    columns, listed = md.split("\n## Indicators\n", 1)
    for text, cells in ((columns, 4), (listed, 6)):
        for line in text.splitlines():
            if line.startswith("| `"):
                assert line.replace("\\|", "").count("|") == cells + 1, line
    # the indicators, from their declarations
    assert "| `part_moins_30` | Part des moins de 30 ans en 2022 | % | ratio: 100 × (population_age_0014 + " \
           "population_age_1529) / (population_age_0014 + " in listed
    assert "| `projets_recrutement_metier_…` | generated from the source" in listed


def test_parquet_export_reads_back(con, tmp_path):
    contract.write_meta_column(con)
    out = tmp_path / "parquet"
    files = contract.export_parquet(con, out)
    tables = contract.published_tables(con)
    assert sorted(p.name for p in files) == sorted(f"{s}.{t}.parquet" for s, t in tables)
    assert sorted(out.iterdir()) == sorted(files)
    reader = duckdb.connect()
    try:
        for (s, t), f in zip(tables, files):
            assert f.name == f"{s}.{t}.parquet"
            n_db = con.execute(f'select count(*) from {s}."{t}"').fetchone()[0]
            n_pq = reader.execute(f"select count(*) from read_parquet({sql_string(str(f))})").fetchone()[0]
            assert n_pq == n_db and (n_db > 0 or t == 'correction'), f
            cols_db = [(r[0], r[1]) for r in con.execute(f'describe {s}."{t}"').fetchall()]
            cols_pq = [(r[0], r[1]) for r in reader.execute(
                f"describe select * from read_parquet({sql_string(str(f))})").fetchall()]
            assert cols_pq == cols_db, f
        region = reader.execute(
            "select value from read_parquet(?) where set_id = 'region' and indicator_id = 'population' "
            "and period = '2022'", [str(out / "indicators.observation.parquet")]).fetchone()[0]
        assert region == 3_879_216
    finally:
        reader.close()


def test_parquet_export_quotes_paths(con, tmp_path):
    out = tmp_path / "it's a dir"
    files = contract.export_parquet(con, out)
    assert all(f.exists() and f.parent == out for f in files)


def test_contract_fingerprint(con):
    """The published columns match the fingerprint recorded for SCHEMA_VERSION (see the comment on
    EXPECTED_FINGERPRINTS for what to do when this fails)."""
    version = contract.SCHEMA_VERSION
    assert version in EXPECTED_FINGERPRINTS, (
        f"SCHEMA_VERSION {version!r} has no recorded fingerprint: add "
        f"{contract.dictionary_fingerprint()!r} to EXPECTED_FINGERPRINTS")
    assert contract.dictionary_fingerprint() == EXPECTED_FINGERPRINTS[version], (
        "portraits.contract.COLUMNS changed (a table, column or type) without a SCHEMA_VERSION bump: "
        "bump SCHEMA_VERSION in portraits/warehouse.py and record "
        f"{contract.dictionary_fingerprint()!r} in EXPECTED_FINGERPRINTS")
    contract.write_meta_column(con)
    assert contract.contract_fingerprint(con) == EXPECTED_FINGERPRINTS[version], (
        "the published database no longer matches the contract of SCHEMA_VERSION "
        f"{version!r}; differences: {contract.check_contract(con).errors}")
    assert con.execute("select schema_version from meta.build order by finished_at desc limit 1"
                       ).fetchone()[0] == version


def test_fingerprint_ignores_column_order_and_rows(con):
    contract.write_meta_column(con)
    before = contract.contract_fingerprint(con)
    con.execute("create or replace table ref.region as select label, region_code from ref.region")
    con.execute("delete from ref.commune_history")
    assert contract.contract_fingerprint(con) == before
    con.execute("alter table ref.region rename column label to name")
    assert contract.contract_fingerprint(con) != before


# --------------------------------------------------------------------------------------------------
# Readers during a publication
# --------------------------------------------------------------------------------------------------

READER = r'''
import json, os, sys, time, traceback
import duckdb

mode, path, stop = sys.argv[1], sys.argv[2], sys.argv[3]
deadline = time.time() + float(sys.argv[4])


def snapshot(con):
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() and table_type = 'BASE TABLE' "
        "and table_schema in ('ref', 'indicators', 'meta') order by 1, 2").fetchall()
    counts = {f"{s}.{t}": con.execute(f'select count(*) from {s}."{t}"').fetchone()[0] for s, t in tables}
    build = con.execute("select build_id from meta.build order by finished_at desc limit 1").fetchone()
    return {"ok": True, "observation": con.execute("select count(*) from indicators.observation").fetchone()[0],
            "territory": con.execute("select count(*) from ref.territory").fetchone()[0],
            "builds": con.execute("select count(*) from meta.build").fetchone()[0],
            "counts": counts, "build": build[0] if build else None, "t": time.time()}


def report(fn):
    try:
        out = fn()
    except BaseException:
        out = {"ok": False, "error": traceback.format_exc(), "t": time.time()}
    print(json.dumps(out), flush=True)


if mode == "loop":
    # open, read, close, again, until told to stop
    def once():
        con = duckdb.connect(path, read_only=True)
        try:
            return snapshot(con)
        finally:
            con.close()
    while not os.path.exists(stop) and time.time() < deadline:
        report(once)
        time.sleep(0.02)
else:
    # one connection held for the whole publication: it keeps reading the file it opened
    con = duckdb.connect(path, read_only=True)
    report(lambda: snapshot(con))
    while not os.path.exists(stop) and time.time() < deadline:
        time.sleep(0.1)
    report(lambda: snapshot(con))
    con.close()
'''


def _lines(path: Path) -> list[dict]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            out.append({"ok": False, "error": line})
    return out


def _wait_for(predicate, timeout: float, what: str) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_readers_always_see_a_complete_database_during_a_build(built, mirror, tmp_path):
    published = built / "output" / "portraits.duckdb"
    with duckdb.connect(str(published), read_only=True) as c:  # closed before the build starts
        old_build = c.execute("select build_id from meta.build order by finished_at desc limit 1").fetchone()[0]
    stop = tmp_path / "stop"
    logs = {m: tmp_path / f"{m}.log" for m in ("loop", "pinned")}
    procs = {}
    try:
        for mode, log in logs.items():
            with open(log, "w") as fh:
                procs[mode] = subprocess.Popen(
                    [sys.executable, "-c", READER, mode, str(published), str(stop), "1200"],
                    stdout=fh, stderr=subprocess.STDOUT)
        _wait_for(lambda: all(log.stat().st_size > 0 for log in logs.values())
                  or any(p.poll() is not None for p in procs.values()), 60, "the readers to start")
        result = run_build(built, mirror)
        assert result.success
        new_build = result.run_id
        # let the loop reader read the new publication a few times
        _wait_for(lambda: sum(r.get("build") == new_build for r in _lines(logs["loop"])) >= 3,
                  60, "a read of the new build")
        stop.touch()
        for p in procs.values():
            p.wait(timeout=60)
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()

    reads = _lines(logs["loop"])
    errors = [r["error"] for r in reads if not r["ok"]]
    assert errors == []
    assert procs["loop"].returncode == 0
    assert len(reads) > 20
    for r in reads:
        assert r["observation"] > 0 and r["territory"] > 0 and r["builds"] >= 1, r
        assert set(r["counts"]) >= CORE_TABLES, r
        assert all(n > 0 for n in r["counts"].values()), r
    # the reader saw the previous build, then the new one, and never went back
    builds = [r["build"] for r in reads]
    assert builds[0] == old_build and builds[-1] == new_build
    first_new = builds.index(new_build)
    assert set(builds[:first_new]) == {old_build} and set(builds[first_new:]) == {new_build}
    assert first_new > 0

    # a connection opened before the swap keeps reading the previous file, unchanged
    pinned = _lines(logs["pinned"])
    assert [r["ok"] for r in pinned] == [True, True], pinned
    assert pinned[0]["build"] == pinned[1]["build"] == old_build
    assert pinned[0]["counts"] == pinned[1]["counts"]
