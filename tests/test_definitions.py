"""The Dagster definitions: load without work, the expected graph, schedules and sensors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

from dagster import build_sensor_context

from sources import catalog

from .httpserver import LocalServer


def test_definitions_load_fast_and_without_environment():
    """Loading does no I/O: it succeeds with no mirror, no DAGSTER_HOME, an empty environment."""
    code = "import time; t=time.time(); from pipelines.definitions import defs; defs.resolve_asset_graph(); print(time.time()-t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.strip().splitlines()[-1]) < 30


def test_asset_graph_snapshot():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = sorted(k.to_user_string() for k in graph.get_all_asset_keys())
    for expected in ("raw_cog_communes_2026", "raw_population_historique", "raw_clpe_communes",
                     "ref_geography", "territory_sets", "indicator_observations", "published_database",
                     "portrait_files", "catalogue_page", "published_outputs"):
        assert expected in keys
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {"sources", "territories", "indicators", "portraits"} <= groups
    for k in graph.get_all_asset_keys():
        assert graph.get(k).description, f"asset {k.to_user_string()} has no description"
    assert {j.name for j in defs.jobs} >= {"build_all", "refresh_emploi_trimestriel", "refresh_bmo",
                                            "refresh_recensement", "refresh_education", "refresh_annuaire",
                                            "refresh_territories"}
    refresh = defs.resolve_job_def("refresh_territories")
    keys = {k.to_user_string() for k in refresh.asset_layer.executable_asset_keys}
    assert keys == {"territory_sets", "reception_points", "indicators_territoire", "indicators_population",
                    "indicators_emploi", "indicators_formation", "indicators_annuaire", "indicators_voisins",
                    "indicator_observations", "published_database", "portrait_files", "geo_exports",
                    "training_exports", "directory_exports", "catalogue_page", "published_outputs"}
    # the local-definitions sensor runs it (no new ingest for a changed definition)
    sensor = next(s for s in defs.sensors if s.name == "local_definitions_sensor")
    assert [t.job_name for t in sensor.targets] == ["refresh_territories"]
    assert {s.name: s.cron_schedule for s in defs.schedules} == {
        "emploi_trimestriel_schedule": "0 6 20 1,4,7,10 *", "bmo_schedule": "0 6 25 4 *",
        "recensement_schedule": "0 6 1 7 *", "education_schedule": "0 5 1 * *",
        "annuaire_schedule": "30 5 1 * *"}
    checks = {c.name for c in defs.resolve_asset_graph().asset_check_keys}
    assert {"regional_totals_equal_sum_of_territories", "observations_well_formed",
            "standard_sets_partition_region", "not_empty_and_codes_well_formed"} <= checks


def test_official_file_sensor_notices_a_new_version(mirror, tmp_path):
    """Against a real HTTP server: first pass records, unchanged passes skip, a changed file triggers."""
    from pipelines.schedules import official_file_changes

    served = tmp_path / "served"
    shutil.copytree(mirror / "urssaf", served / "urssaf")

    def url_for(server):
        def f(ds):
            return f"{server.url}/{ds.mirror_path}"
        return f

    with LocalServer(served) as server:
        cursor, changed, errors = official_file_changes({}, mirror_dir=None, url_for=url_for(server), timeout=5)
        ds = catalog.get("urssaf_effectifs_commune")
        assert ds.id in cursor and not changed
        # every dataset not served answers 404: reported as an error, never as a change
        assert any("404" in e for e in errors)
        cursor2, changed2, _ = official_file_changes(cursor, mirror_dir=None, url_for=url_for(server), timeout=5)
        assert changed2 == []
        time.sleep(1.1)  # Last-Modified has a one-second resolution
        f = served / ds.mirror_path
        f.write_bytes(f.read_bytes() + b"\n")
        cursor3, changed3, _ = official_file_changes(cursor2, mirror_dir=None, url_for=url_for(server), timeout=5)
        assert changed3 == ["urssaf_effectifs_commune"]


def test_official_file_sensor_on_the_mirror(mirror, tmp_path):
    from pipelines.schedules import official_file_changes

    copy = tmp_path / "m"
    shutil.copytree(mirror / "bmo", copy / "bmo")
    cursor, changed, _ = official_file_changes({}, mirror_dir=copy)
    assert not changed and cursor["bmo_2024"].startswith("sha256:")
    (copy / "bmo/bmo_2024_pdl.csv").write_text("changed", encoding="utf-8")
    _, changed, _ = official_file_changes(cursor, mirror_dir=copy)
    assert changed == ["bmo_2024"]


def test_local_definitions_sensor(tmp_path, monkeypatch):
    from pipelines.schedules import local_definitions_sensor

    monkeypatch.setenv("PORTRAITS_DEFINITIONS_DIR", str(tmp_path))
    ctx = build_sensor_context(cursor=None)
    first = local_definitions_sensor(ctx)
    cursor = ctx.cursor
    assert cursor and "first evaluation" in str(first.skip_message)
    ctx2 = build_sensor_context(cursor=cursor)
    assert "no local file changed" in str(local_definitions_sensor(ctx2).skip_message)
    (tmp_path / "mes_territoires.csv").write_text("territory_id;label;commune_code\na;A;44109\n", encoding="utf-8")
    ctx3 = build_sensor_context(cursor=cursor)
    result = local_definitions_sensor(ctx3)
    assert result.run_key and ctx3.cursor != cursor
    assert json.dumps(result.tags)


def test_a_bmo_refresh_materialises_the_employment_assets_only():
    """The job ``refresh_bmo`` (its schedule, or « Materialize » of the job in the UI) reads the BMO
    family's files again and recomputes the employment themes and what they feed, not the
    territories nor the other themes; its territory file (the basins) is applied by
    ``refresh_territory_files``, which the official files sensor requests when it changed."""
    from pipelines.definitions import defs

    keys = {k.to_user_string() for k in defs.resolve_job_def("refresh_bmo").asset_layer.executable_asset_keys}
    assert {"indicators_emploi", "indicators_voisins", "indicator_observations", "raw_bmo_2024",
            "raw_bmo_bassins"} <= keys
    assert not {"territory_sets", "reception_points", "indicators_population", "indicators_territoire",
                "indicators_formation", "indicators_annuaire"} & keys
    assert {k for k in keys if not k.startswith("raw_")} == {
        "indicators_emploi", "indicators_voisins", "indicator_observations", "published_database",
        "portrait_files", "geo_exports", "training_exports", "directory_exports", "catalogue_page",
        "published_outputs"}
    files = {k.to_user_string() for k in
             defs.resolve_job_def("refresh_territory_files").asset_layer.executable_asset_keys}
    assert {"raw_bmo_bassins", "territory_sets", "indicators_population", "indicators_emploi"} <= files


def test_the_official_files_sensor_applies_a_changed_territory_file(monkeypatch):
    from dagster import build_sensor_context

    from pipelines import schedules

    monkeypatch.setattr(schedules, "build_running", lambda: False)
    monkeypatch.setattr(schedules, "official_file_changes",
                        lambda previous, **kw: ({"bmo_2024": "b", "bmo_bassins": "c"}, ["bmo_2024", "bmo_bassins"], []))
    requests = schedules.official_files_sensor(build_sensor_context())
    assert sorted((r.job_name, r.tags["changed"]) for r in requests) == [
        ("refresh_bmo", "bmo_2024"), ("refresh_territory_files", "bmo_bassins")]
