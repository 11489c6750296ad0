"""The whole pipeline end to end (the Dagster job build_all) on the real files of the mirror.

One build runs per test session into a temporary project folder; the tests then read the published
database read-only, the portraits and the catalogue, and assert real values of the official files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import DagsterInstance

from pipelines.report import failure_reasons

from .pipeline_helpers import run_build


@pytest.fixture()
def db(built):
    con = duckdb.connect(str(built / "output" / "portraits.duckdb"), read_only=True)
    yield con
    con.close()


def official_populations(mirror: Path) -> pd.DataFrame:
    return pd.read_csv(mirror / "insee_rp/populations_historiques_pmun_2010_2022_geo2026_r52.csv",
                       sep=";", dtype={"CODGEO": str})


def test_contract_tables_and_columns(db):
    expected = {
        ("ref", "territory_set"): ["set_id", "label", "source_id"],
        ("ref", "territory"): ["set_id", "territory_id", "label", "n_communes", "n_communes_outside_region"],
        ("ref", "territory_commune"): ["set_id", "territory_id", "commune_code"],
        ("indicators", "catalog"): ["indicator_id", "label", "unit", "source_id", "description"],
        ("indicators", "observation"): ["set_id", "territory_id", "indicator_id", "period", "value",
                                        "numerator", "denominator", "status", "source_id"],
        ("meta", "source"): ["source_id", "publisher", "url", "licence", "vintage", "retrieved_at",
                             "sha256", "bytes", "rows"],
        ("meta", "build"): ["build_id", "started_at", "finished_at", "schema_version", "code_version"],
    }
    for (schema, table), cols in expected.items():
        got = [r[0] for r in db.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position", [schema, table]).fetchall()]
        assert got[: len(cols)] == cols, (schema, table, got)
    assert db.execute("select data_type from information_schema.columns where table_schema='ref' "
                      "and table_name='territory_commune' and column_name='commune_code'").fetchone()[0] == "VARCHAR"
    assert {r[0] for r in db.execute("select set_id from ref.territory_set").fetchall()} >= {
        "clpe", "commune", "epci", "departement", "region"}
    assert db.execute("select count(*) from meta.build").fetchone()[0] >= 1


def test_clpe_territories(db):
    rows = dict(db.execute("select territory_id, n_communes from ref.territory where set_id='clpe'").fetchall())
    assert len(rows) == 20
    assert rows["CLPE44001"] == 24 and rows["CLPE72002"] == 186
    outside = dict(db.execute(
        "select territory_id, n_communes_outside_region from ref.territory where set_id='clpe' "
        "and n_communes_outside_region > 0").fetchall())
    assert outside == {"CLPE44003": 3, "CLPE72002": 2}
    flagged = {r[0] for r in db.execute(
        "select commune_code from ref.territory_commune where set_id='clpe' and not in_region").fetchall()}
    assert flagged == {"56030", "56058", "56155", "61319", "61476"}


def test_population_of_loire_atlantique_centre_is_the_sum_of_its_communes(db, mirror):
    pop = official_populations(mirror)
    members = {r[0] for r in db.execute(
        "select commune_code from ref.territory_commune where set_id='clpe' and territory_id='CLPE44001'").fetchall()}
    assert len(members) == 24
    expected = pop[pop["CODGEO"].isin(members)]["PMUN2022"].sum()
    got = db.execute("select value, status from indicators.observation where set_id='clpe' "
                     "and territory_id='CLPE44001' and indicator_id='population' and period='2022'").fetchone()
    assert got == (expected, "ok")
    assert expected == 680_338 or expected > 600_000  # Nantes Métropole, 24 communes


def test_region_total_matches_official_total(db, mirror):
    got = dict(db.execute("select period, value from indicators.observation where set_id='region' "
                          "and indicator_id='population'").fetchall())
    assert got["2022"] == 3_879_216 == official_populations(mirror)["PMUN2022"].sum()
    assert got["2010"] == 3_571_495
    assert got["2023"] == 3_907_156  # legal populations 2023, COG 2026
    dep = dict(db.execute("select territory_id, value from indicators.observation where set_id='departement' "
                          "and indicator_id='population' and period='2022'").fetchall())
    assert dep == {"44": 1_473_156, "49": 828_151, "53": 305_437, "72": 566_129, "85": 706_343}


def test_every_set_sums_to_the_region(db):
    rows = db.execute(
        "select set_id, sum(value) from indicators.observation where indicator_id='population' "
        "and period='2022' and set_id <> 'territoires_exemple' group by 1").fetchall()
    assert {s: v for s, v in rows} == {s: 3_879_216 for s, _ in rows}


def test_average_annual_change_recomputed(db):
    rows = {r[0]: r[1:] for r in db.execute(
        "select indicator_id, period, value, numerator, denominator from indicators.observation "
        "where set_id='region' and indicator_id like 'population_variation%'").fetchall()}
    period, value, num, den = rows["population_variation_annuelle_longue"]
    assert period == "2010-2023" and (num, den) == (3_907_156, 3_571_495)
    assert value == pytest.approx(((3_907_156 / 3_571_495) ** (1 / 13) - 1) * 100)
    assert rows["population_variation_annuelle_5ans"][0] == "2015-2020"


def test_cross_border_note(db):
    note = db.execute("select note from indicators.observation where set_id='clpe' and territory_id='CLPE44003' "
                      "and indicator_id='population' and period='2022'").fetchone()[0]
    assert "3 commune(s) hors Pays de la Loire" in note


def test_provenance_recorded(db, mirror):
    src = db.execute("select url, sha256, bytes, rows, origin from meta.source "
                     "where source_id='insee_pop_historiques'").fetchone()
    f = mirror / "insee_rp/populations_historiques_pmun_2010_2022_geo2026_r52.csv"
    assert src[0].startswith("https://") and src[1] == hashlib.sha256(f.read_bytes()).hexdigest()
    assert src[2] == f.stat().st_size and src[3] == 1228 * 5 and src[4] == "mirror"


def test_portraits_for_every_clpe_territory(built, db):
    ids = [r[0] for r in db.execute("select territory_id from ref.territory where set_id='clpe'").fetchall()]
    for tid in ids:
        d = built / "output" / "portraits" / "clpe" / tid
        for name in ("portrait.html", "portrait.pdf", "indicateurs.csv"):
            assert (d / name).stat().st_size > 1000, (tid, name)
    html = (built / "output/portraits/clpe/CLPE44001/portrait.html").read_text(encoding="utf-8")
    assert 'lang="fr"' in html and "Loire-Atlantique Centre" in html and "Nantes Métropole" in html
    # 2022 population of the territory, French format with narrow no-break spaces
    value = db.execute("select value from indicators.observation where set_id='clpe' and territory_id='CLPE44001' "
                       "and indicator_id='population' and period='2022'").fetchone()[0]
    assert f"{int(value):,}".replace(",", "\u202f") in html
    assert "Loire-Atlantique" in html and "Pays de la Loire" in html  # comparisons
    assert "Licence Ouverte" in html and "SHA-256" in html


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo (poppler-utils) not installed")
def test_every_portrait_has_a_4_page_essentiel(built, db):
    """« L'essentiel » beside every published portrait: 4 A4 pages, linked from the portrait."""
    import subprocess

    sets = [r[0] for r in db.execute("select set_id from ref.territory_set where portraits").fetchall()]
    n = 0
    for set_id in sets:
        for (tid,) in db.execute("select territory_id from ref.territory where set_id = ?", [set_id]).fetchall():
            folder = built / "output" / "portraits" / set_id / tid
            info = subprocess.run(["pdfinfo", str(folder / "essentiel.pdf")], capture_output=True, text=True,
                                  check=True).stdout
            assert "Pages:           4\n" in info and "595.276 x 841.89 pts (A4)" in info, (tid, info)
            assert 'href="essentiel.pdf"' in (folder / "portrait.html").read_text(encoding="utf-8")
            n += 1
    assert n >= 23


def test_indicator_csv_opens_in_a_french_spreadsheet(built):
    raw = (built / "output/portraits/clpe/CLPE44001/indicateurs.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(pd.io.common.BytesIO(raw), sep=";", encoding="utf-8-sig", dtype=str)
    assert list(df.columns[:5]) == ["zone", "code_zone", "indicateur", "libelle", "periode"]
    row = df[(df["code_zone"] == "52") & (df["indicateur"] == "population") & (df["periode"] == "2022")]
    assert row["valeur"].item() == "3879216"
    var = df[(df["code_zone"] == "52") & (df["indicateur"] == "population_variation_annuelle_longue")]
    assert "," in var["valeur"].item()  # decimal comma


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_pdf_pages_render_and_are_not_blank(built, tmp_path):
    from PIL import Image

    pdf = built / "output/portraits/clpe/CLPE72002/portrait.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert 2 <= len(pages) <= 30
    for p in pages:
        im = Image.open(p).convert("L")
        lo, hi = im.getextrema()
        assert hi - lo > 100, p  # some ink on every page


def test_catalogue_lists_every_portrait(built):
    html = (built / "output/index.html").read_text(encoding="utf-8")
    for tid in ("CLPE44001", "CLPE35001", "CLPE85004"):
        for name in ("portrait.html", "portrait.pdf", "indicateurs.csv"):
            link = f"portraits/clpe/{tid}/{name}"
            assert link in html and (built / "output" / link).exists()
    assert "Trouver ma commune" in html and "catalogue.js" in html and (built / "output/recherche/communes.js").is_file()


POP_FILE = "insee_rp/populations_historiques_pmun_2010_2022_geo2026_r52.csv"


def mirror_with_own_copy(mirror: Path, target: Path, relative: str) -> list[str]:
    """A mirror at ``target`` made of links to ``mirror``'s files, except ``relative``, whose
    lines are returned for the test to write a new version of it."""
    for f in mirror.rglob("*"):
        if f.is_file():
            dest = target / f.relative_to(mirror)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.symlink_to(f)
    own = target / relative
    lines = own.read_text().splitlines()
    own.unlink()
    return lines


def test_bad_input_leaves_the_publication_untouched(built, mirror, tmp_path):
    """A malformed official file stops the build naming file and line; output/ stays as it was."""
    out = built / "output"
    before = {p: p.read_bytes() for p in [out / "portraits.duckdb", out / "index.html",
                                          out / "portraits/clpe/CLPE44001/portrait.html"]}
    broken = tmp_path / "mirror"
    lines = mirror_with_own_copy(mirror, broken, POP_FILE)
    lines[41] = lines[41].replace(";", ";x", 1)
    (broken / POP_FILE).write_text("\n".join(lines) + "\n")
    result = run_build(built, broken)
    assert not result.success
    messages = " ".join(failure_reasons(result.all_events))
    assert "populations_historiques" in messages and "line 42" in messages
    for p, content in before.items():
        assert p.read_bytes() == content, p


def test_halved_source_fails_its_check_and_blocks_publication(built, mirror, tmp_path):
    """A new version of an official file with half its rows parses, but its blocking check fails
    (row count outside 0.5x-2x of the published build): nothing downstream runs, the reason names
    the table, and output/ stays as it was."""
    out = built / "output"
    before = {p: p.read_bytes() for p in [out / "portraits.duckdb", out / "index.html"]}
    halved = tmp_path / "mirror"
    lines = mirror_with_own_copy(mirror, halved, POP_FILE)
    (halved / POP_FILE).write_text("\n".join(lines[: 1 + (len(lines) - 1) // 3]) + "\n")
    result = run_build(built, halved)
    assert not result.success
    reasons = failure_reasons(result.all_events)
    assert any("not_empty_and_codes_well_formed" in r and "population_historique" in r and "rows" in r
               for r in reasons), reasons
    ran = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert "published_outputs" not in ran and "indicator_observations" not in ran
    # the rejected version was rolled back: the working database keeps the last good table, so a
    # later refresh_territories (no ingest) cannot publish from it
    with duckdb.connect(str(built / "var" / "work.duckdb"), read_only=True) as con:
        kept = con.execute("select count(*) from raw.population_historique").fetchone()[0]
    with duckdb.connect(str(out / "portraits.duckdb"), read_only=True) as con:
        published = con.execute("select rows from meta.source where source_id = 'insee_pop_historiques'").fetchone()[0]
    assert kept == published and kept > len(lines) // 2
    for p, content in before.items():
        assert p.read_bytes() == content, p


def test_missing_mirror_file_stops_with_its_path(built, tmp_path):
    empty = tmp_path / "empty_mirror"
    empty.mkdir()
    out = built / "output" / "portraits.duckdb"
    before = out.read_bytes()
    result = run_build(built, empty)
    assert not result.success
    messages = " ".join(failure_reasons(result.all_events))
    assert "mirror" in messages and str(empty) in messages
    assert out.read_bytes() == before


def test_custom_set_written_by_hand_builds(built, db, mirror):
    """examples/territoires_exemple.csv (EPCI and a single commune) is built like clpe."""
    rows = dict(db.execute("select territory_id, n_communes from ref.territory "
                           "where set_id = 'territoires_exemple'").fetchall())
    assert rows == {"chateaubriant": 1, "estuaire-nord": 21, "metropole": 24}
    assert db.execute("select portraits from ref.territory_set where set_id = 'territoires_exemple'").fetchone()[0]
    pop = official_populations(mirror).set_index("CODGEO")["PMUN2022"]
    got = db.execute("select value from indicators.observation where set_id = 'territoires_exemple' "
                     "and territory_id = 'chateaubriant' and indicator_id = 'population' and period = '2022'").fetchone()[0]
    assert got == pop["44036"]
    for tid in rows:
        assert (built / "output/portraits/territoires_exemple" / tid / "portrait.pdf").stat().st_size > 1000
    assert "portraits/territoires_exemple/metropole/portrait.html" in (built / "output/index.html").read_text()


def test_unchanged_portraits_are_reused(built, mirror):
    """A second build with the same data renders no portrait again (content-keyed portraits)."""
    result = run_build(built, mirror)
    assert result.success
    mats = [e.event_specific_data.materialization for e in result.all_events
            if e.event_type_value == "ASSET_MATERIALIZATION"]
    pf = next(m for m in mats if m.asset_key.to_user_string() == "portrait_files")
    # Every portrait is reused: nothing in a portrait may depend on row order or on the last bits
    # of a float sum (ties are broken by id, neighbours computed on sorted rows).
    rendered, reused = pf.metadata["rendered"].value, pf.metadata["reused_unchanged"].value
    assert (rendered, reused) == (0, 23), pf.metadata["rendered_territories"].value


def test_changed_definition_rebuilds_only_its_territory(built, mirror, tmp_path):
    """refresh_territories (what local_definitions_sensor runs): no ingest, one territory gains a
    commune, only its portrait is rendered again and its figures follow; the others are reused."""
    project = tmp_path / "project"
    for name in ("var", "output"):
        shutil.copytree(built / name, project / name, symlinks=True)
    example = Path(__file__).resolve().parent.parent / "examples" / "territoires_exemple.csv"
    definition = tmp_path / "territoires_exemple.csv"
    text = example.read_text(encoding="utf-8")
    definition.write_text(text.rstrip("\n") + "\nchateaubriant;Châteaubriant (ville seule);;44131\n", encoding="utf-8")
    result = run_build(project, mirror, {"PORTRAITS_TERRITORY_FILES": str(definition)}, job="refresh_territories")
    assert result.success, failure_reasons(result.all_events)
    steps = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert not any(s.startswith("raw_") for s in steps) and "published_outputs" in steps
    mats = {e.event_specific_data.materialization.asset_key.to_user_string():
            e.event_specific_data.materialization for e in result.all_events
            if e.event_type_value == "ASSET_MATERIALIZATION"}
    pf = mats["portrait_files"].metadata
    assert pf["rendered_territories"].value == ["territoires_exemple/chateaubriant"]
    assert pf["reused_unchanged"].value == 22
    pop = official_populations(mirror).set_index("CODGEO")["PMUN2022"]
    with duckdb.connect(str(project / "output" / "portraits.duckdb"), read_only=True) as con:
        got = con.execute("select value from indicators.observation where set_id = 'territoires_exemple' "
                          "and territory_id = 'chateaubriant' and indicator_id = 'population' "
                          "and period = '2022'").fetchone()[0]
    assert got == pop["44036"] + pop["44131"]
