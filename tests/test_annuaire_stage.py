"""The directory stage in the warehouse (portraits/directory/stage.py), its indicators, exports, portrait
section and command. Real records are read from the mirror at run time and compared with what the
build produced; corrections are written to tmp_path, never to the project's file."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date

import duckdb
import pandas as pd
import pytest

from portraits import directory as D
from portraits import quality, stages
from portraits.directory import stage

DILA_FILE = "dila_annuaire_local_2016/annuaire-services-publics-locaux-2016_pdl_orientation-emploi.jsonl"
EN_FILE = "annuaire_education/fr-en-annuaire-education_extrait_pdl.csv"
FT_FILE = "france_travail/pole_emploi_agencies_pdl.csv"
CLPE_FILE = "territoires_efop/clpe_france_travail_pdl_communes.csv"
ISSUE_COLUMNS = [
    "id", "name", "network", "publics", "address", "postcode", "commune_code", "latitude", "longitude",
    "phone", "email", "website", "opening_hours", "source_id", "source_date", "corrected_at", "stale",
    "merged_from",
]


# ---------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def points(pub) -> pd.DataFrame:
    return pub.execute("select * from directory.reception_point").df()


@pytest.fixture(scope="module")
def dila_records(mirror) -> pd.DataFrame:
    """The DILA file read with json alone (independent of sources/dila.py)."""
    rows = [json.loads(line) for line in (mirror / DILA_FILE).read_text(encoding="utf-8").splitlines() if line.strip()]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def en_cio(mirror) -> pd.DataFrame:
    raw = pd.read_csv(mirror / EN_FILE, sep=";", dtype=str, keep_default_na=False)
    return raw[raw["type_etablissement"] == "Information et orientation"]


@pytest.fixture
def work_copy(warehouse_db, tmp_path):
    """A writable copy of the session's warehouse (never modify the shared one)."""
    path = tmp_path / "work.duckdb"
    shutil.copyfile(warehouse_db, path)
    return path


def where(points: pd.DataFrame, source_key: str) -> pd.DataFrame:
    """Rows holding a source key, as their id or in merged_from."""
    merged = points["merged_from"].fillna("").str.split("|")
    return points[(points["id"] == source_key) | merged.map(lambda ids: source_key in ids)]


# ------------------------------------------------------------------------------------ the tables


def test_tables_and_columns(pub, points):
    assert list(points.columns) == ISSUE_COLUMNS
    types = dict(pub.execute(
        """select column_name, data_type from information_schema.columns
           where table_schema = 'directory' and table_name = 'reception_point'""").fetchall())
    assert types["source_date"] == "DATE" and types["corrected_at"] == "DATE" and types["stale"] == "BOOLEAN"
    assert types["latitude"] == "DOUBLE"
    assert points["id"].is_unique
    networks = pub.execute("select * from directory.network").df()
    assert list(networks.columns) == ["network", "label", "publics"]
    assert list(networks["network"]) == list(D.NETWORKS)
    assert set(points["network"]) <= set(networks["network"])
    publics = set(pub.execute("select public from directory.public").df()["public"])
    assert publics == set(D.PUBLICS)
    assert all(set(p.split("|")) <= publics for p in points["publics"])
    region = {r[0] for r in pub.execute("select commune_code from ref.commune where in_region").fetchall()}
    assert points["commune_code"].notna().all() and points["commune_code"].isin(region).all()
    # every point is in exactly one territory of every partition set
    per_set = pub.execute(
        """select set_id, count(*), count(distinct id) from directory.reception_point_territory
           where set_id in (select unnest(?)) group by 1""", [list(quality.PARTITION_SETS)]).fetchall()
    assert {s for s, *_ in per_set} == set(quality.PARTITION_SETS)
    assert all(n == d == len(points) for _, n, d in per_set)


def test_cio_de_nantes_in_loire_atlantique_centre(pub, points, en_cio, mirror):
    row = en_cio[en_cio["identifiant_de_l_etablissement"] == "0441722H"].iloc[0]
    assert row["code_commune"] == "44109"
    clpe = pd.read_csv(mirror / CLPE_FILE, dtype=str).set_index("commune_id")
    assert clpe.loc["44109", "territoire_id"] == "CLPE44001"
    point = points.set_index("id").loc["uai:0441722H"]
    assert point["name"] == row["nom_etablissement"] and point["commune_code"] == "44109"
    assert point["latitude"] == pytest.approx(float(row["latitude"])) and not point["stale"]
    assert str(point["source_date"])[:10] == "2025-10-13"
    assert pub.execute(
        """select territory_id from directory.reception_point_territory
           where set_id = 'clpe' and id = 'uai:0441722H'""").fetchall() == [("CLPE44001",)]


def test_cio_missions_locales_and_agencies_present_once(points, dila_records, en_cio, mirror):
    """Every CIO of the two sources, every mission locale, every France Travail local agency (and
    every DILA Pôle emploi record) is in exactly one row, as its id or merged into another."""
    keys = [f"uai:{u}" for u in en_cio["identifiant_de_l_etablissement"]]
    for kind in ("cio", "mission_locale", "pole_emploi"):
        keys += [f"dila:{i}" for i in dila_records.loc[dila_records["type"] == kind, "id"]]
    ft = pd.read_csv(mirror / FT_FILE, dtype=str, keep_default_na=False)
    keys += [f"ft:{a}" for a in ft.loc[ft["TYPE_SITE"] == "ALE", "REFERENCE_PE"]]
    assert len(keys) == 14 + 20 + 27 + 45 + 49
    for key in keys:
        assert len(where(points, key)) == 1, key
    # directions (DDA, DRA) are offices, not reception points
    for a in ft.loc[ft["TYPE_SITE"] != "ALE", "REFERENCE_PE"]:
        assert where(points, f"ft:{a}").empty
    assert set(points.loc[points["network"] == "mission_locale", "id"]) == {
        f"dila:{i}" for i in dila_records.loc[dila_records["type"] == "mission_locale", "id"]}


def test_record_of_another_region_left_out(points, dila_records):
    """DILA files the Greta Vivarais-Provence (Aubenas, Ardèche) under Le Mans' code 72181."""
    rec = dila_records.set_index("id").loc["greta-72181-01"]
    assert rec["codeinsee"] == "72181" and rec["writeAddress"]["postalCode"] == "07203"
    assert where(points, "dila:greta-72181-01").empty
    assert points["latitude"].dropna().between(*D.BBOX["lat"]).all()
    assert points["longitude"].dropna().between(*D.BBOX["lon"]).all()


def test_address_commune_decided_by_coordinates(points, dila_records):
    recs = dila_records.set_index("id")
    ml = recs.loc["mission_locale-44043-01"]
    assert ml["codeinsee"] == "44043" and ml["writeAddress"]["addressLocality"] == "Gorges"
    assert points.set_index("id").loc["dila:mission_locale-44043-01", "commune_code"] == "44064"
    # the PIJ of Sainte-Pazanne gives an address at Saint-Hilaire-de-Chaléons, but its name, code and
    # coordinates say Sainte-Pazanne: it stays there
    pij = recs.loc["cij-44186-01"]
    assert pij["writeAddress"]["addressLocality"] == "Saint-Hilaire-de-Chaléons"
    assert points.set_index("id").loc["dila:cij-44186-01", "commune_code"] == "44186"


def test_stale_flag(points):
    today = date.today()
    try:
        limit = today.replace(year=today.year - 3)
    except ValueError:
        limit = today.replace(year=today.year - 3, day=28)
    fresh = points[["source_date", "corrected_at"]].max(axis=1)
    expected = pd.to_datetime(fresh).dt.date < limit
    assert (points["stale"] == expected).all()
    assert points.loc[points["source_id"] == "dila_annuaire_2016", "stale"].all()
    assert points.loc[points["source_id"] == "pe_agences_2019", "stale"].all()


# ------------------------------------------------------------------------------------- indicators


def test_indicators_count_the_directory(pub, points, dila_records):
    obs = pub.execute(
        """select set_id, territory_id, indicator_id, period, value, status, source_id
           from indicators.observation where indicator_id like 'points_accueil%'""").df()
    assert set(obs["period"]) == {str(date.today().year)}
    assert set(obs["status"]) == {"ok"}
    region = obs[obs["set_id"] == "region"].set_index("indicator_id")["value"]
    assert region["points_accueil"] == len(points)
    assert region["points_accueil_mission_locale"] == (dila_records["type"] == "mission_locale").sum() == 27
    assert region["points_accueil_cio"] == (points["network"] == "cio").sum()
    assert region["points_accueil_non_confirmes"] == points["stale"].sum()
    by_source = obs.drop_duplicates("indicator_id").set_index("indicator_id")["source_id"]
    assert by_source["points_accueil_cio"] == "annuaire_education"
    assert by_source["points_accueil_france_travail"] == "pe_agences_2019"
    # a commune's value is its points; 0 where there is none
    nantes = obs[(obs["set_id"] == "commune") & (obs["territory_id"] == "44109")].set_index("indicator_id")
    assert nantes.loc["points_accueil", "value"] == (points["commune_code"] == "44109").sum()
    assert (obs[(obs["set_id"] == "commune")]["value"] == 0).any()
    clpe = obs[(obs["set_id"] == "clpe") & (obs["territory_id"] == "CLPE44001")].set_index("indicator_id")
    assert clpe.loc["points_accueil_cio", "value"] == 3  # Nantes, Rezé and the 2016 CIO de Nantes


def test_sums_over_every_partition_set(warehouse_db):
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        problems = [p for p in quality.regional_totals(con) if "points_accueil" in p]
    assert problems == []


# ------------------------------------------------------------------------------------ corrections


def _write(tmp_path, lines: list[str]):
    f = tmp_path / "annuaire.csv"
    f.write_bytes(("\ufeffaction;id;field;value;author;date\n" + "\n".join(lines) + "\n").encode("utf-8"))
    return f


def test_a_correction_shows_up_in_the_next_build(work_copy, tmp_path):
    f = _write(tmp_path, [
        "update;dila:mission_locale-44109-01;phone;02 40 00 00 01;C. Martin;2026-03-05",
        "confirm;dila:cij-53147-01;;;C. Martin;2026-03-06",
        "add;local:pij-bouaye;name;Point information jeunesse de Bouaye;C. Martin;2026-03-02",
        "add;local:pij-bouaye;network;information_jeunesse;C. Martin;2026-03-02",
        "add;local:pij-bouaye;commune_code;44018;C. Martin;2026-03-02",
        "add;local:pij-bouaye;latitude;47.1436;C. Martin;2026-03-02",
        "add;local:pij-bouaye;longitude;-1.6920;C. Martin;2026-03-02",
        # closing a record merged into another row closes that row
        "close;dila:cio-72181-02;;;C. Martin;2026-03-04",
    ])
    with duckdb.connect(str(work_copy)) as con:
        before = con.execute("select count(*) from directory.reception_point").fetchone()[0]
        closed_row = con.execute(
            "select id from directory.reception_point where id = 'dila:cio-72181-02' "
            "or list_contains(string_split(merged_from, '|'), 'dila:cio-72181-02')").fetchone()[0]
        counts = stage.build(con, f, today="2026-06-01")
        pts = con.execute("select * from directory.reception_point").df().set_index("id")
        assert counts["corrections"] == 8 and counts["closed"] == 1
        assert len(pts) == before  # one added, one closed
        ml = pts.loc["dila:mission_locale-44109-01"]
        assert ml["phone"] == "02 40 00 00 01" and str(ml["corrected_at"])[:10] == "2026-03-05"
        assert not ml["stale"]  # a correction confirms the record
        assert str(pts.loc["dila:cij-53147-01", "corrected_at"])[:10] == "2026-03-06"
        assert not pts.loc["dila:cij-53147-01", "stale"]
        added = pts.loc["local:pij-bouaye"]
        assert added["source_id"] == "corrections_locales" and added["commune_code"] == "44018"
        assert added["publics"] == D.publics_of("information_jeunesse")
        assert closed_row not in pts.index
        assert con.execute(
            """select territory_id from directory.reception_point_territory
               where set_id = 'clpe' and id = 'local:pij-bouaye'""").fetchall() == [("CLPE44001",)]
        trace = con.execute("select action, id, point_id, author from directory.correction order by line").fetchall()
        assert len(trace) == 8 and ("close", "dila:cio-72181-02", closed_row, "C. Martin") in trace
        assert closed_row == "uai:0720073N"  # the CIO du Mans of 2025, which absorbed the DILA record
        # the counts follow
        stages.build_indicators(con)
        bouaye = con.execute(
            """select value from indicators.observation where set_id = 'commune' and territory_id = '44018'
               and indicator_id = 'points_accueil_information_jeunesse'""").fetchone()[0]
        assert bouaye == 1 + (pts.drop(index="local:pij-bouaye").query(
            "commune_code == '44018' and network == 'information_jeunesse'").shape[0])


def test_a_bad_corrections_file_stops_the_build(work_copy, tmp_path):
    f = _write(tmp_path, [
        "update;dila:nope-00000-01;phone;02 40 00 00 00;A;2026-03-01",  # 2: unknown id
        "update;dila:mission_locale-44109-01;network;maison_emploi;A;2026-03-01",  # 3: network
        "update;dila:mission_locale-44109-01;commune_code;35238;A;2026-03-01",  # 4: Rennes
        "update;dila:mission_locale-44109-01;longitude;2.35;A;2026-03-01",  # 5: Paris
        "update;dila:mission_locale-44109-01;email;contact@@ml;A;2026-03-01",  # 6
        "update;dila:mission_locale-44109-01;phone;02 40 00;A;2026-03-01",  # 7
    ])
    with duckdb.connect(str(work_copy)) as con:
        snapshot = con.execute("select * from directory.reception_point order by id").df()
        with pytest.raises(D.CorrectionsError) as err:
            stage.build(con, f)
        found = {(p.line, p.field) for p in err.value.problems}
        assert found == {(2, "id"), (3, "network"), (4, "commune_code"), (5, "longitude"), (6, "email"),
                         (7, "phone")}
        assert "annuaire.csv" in str(err.value) and "ligne 4, champ 'commune_code'" in str(err.value)
        # nothing was written
        pd.testing.assert_frame_equal(con.execute("select * from directory.reception_point order by id").df(),
                                      snapshot)


def test_project_corrections_file_is_valid(warehouse_db):
    """The committed file has the expected header and passes the validation of a build."""
    text = stages.DEFAULT_CORRECTIONS.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == ";".join(D.CORRECTION_COLUMNS)
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        df, corrections, _ = stage.build_frame(con, stages.DEFAULT_CORRECTIONS)
    assert len(corrections) == len([line for line in text.splitlines()[1:] if line.strip()])


# ---------------------------------------------------------------------------------------- exports


def test_exports(pub, points, tmp_path):
    from reports.annuaire_exports import COLUMNS, write_exports

    paths = write_exports(pub, tmp_path)
    root = tmp_path / "annuaire"
    clpe = [r[0] for r in pub.execute("select territory_id from ref.territory where set_id = 'clpe'").fetchall()]
    assert len(clpe) == 20
    for tid in clpe:
        assert (root / "clpe" / f"{tid}.csv") in paths and (root / "clpe" / f"{tid}.geojson") in paths
    data = (root / "clpe" / "CLPE44001.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(data), sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(df.columns) == [c for c, _ in COLUMNS]
    cio = df.set_index("identifiant").loc["uai:0441722H"]
    assert cio["code_commune"] == "44109" and cio["commune"] == "Nantes" and cio["a_confirmer"] == "non"
    assert cio["latitude"].startswith("47,25")  # decimal comma
    n_clpe = pub.execute("select count(*) from directory.reception_point_territory "
                         "where set_id = 'clpe' and territory_id = 'CLPE44001'").fetchone()[0]
    assert len(df) == n_clpe
    region = list(csv.reader(io.StringIO((root / "region.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    assert len(region) - 1 == len(points)
    gj = json.loads((root / "clpe" / "CLPE44001.geojson").read_text(encoding="utf-8"))
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == n_clpe
    feat = next(f for f in gj["features"] if f["properties"]["identifiant"] == "uai:0441722H")
    assert feat["geometry"]["coordinates"] == pytest.approx([-1.5564, 47.2502], abs=1e-3)
    assert feat["properties"]["a_confirmer"] is False
    assert (root / "LISEZMOI.txt").read_text(encoding="utf-8").startswith("Annuaire partagé")


# ----------------------------------------------------------------------------------------- section


def test_section_context_and_html(pub):
    from reports import render
    from reports.portrait import base_context
    from reports.sections import annuaire as section

    base = base_context(pub, "clpe", "CLPE44001")
    ctx = section.context(pub, base)
    assert ctx["title"] == "Où s'adresser ?" and ctx["map"].startswith("data:image/svg+xml;base64,")
    cio = next(g for g in ctx["groups"] if g["group"] == "cio")
    assert "uai:0441722H" in {p["id"] for p in cio["points"]}
    assert all(len(g["points"]) <= section.GROUPS[g["group"]][1] for g in ctx["groups"])
    assert sum(g["n"] for g in ctx["groups"]) == ctx["n_points"]
    jeunes = next(r for r in ctx["referral"] if r["public"] == "jeunes_16_25")
    assert jeunes["structures"][0]["name"] == "Mission locale de Nantes"
    counts = {c["indicator_id"]: c["cells"] for c in ctx["counts"]}
    assert counts["points_accueil"][0]["value"] == ctx["n_points"]
    html = render.env().get_template(ctx["template"]).render(
        s=ctx, territory=base["territory"], areas=base["areas"], source_by_id={}, doc={"print": False, "appendix": []})
    assert "Où s&#39;adresser ?" in html and "source 2016, non confirmée depuis" in html
    assert "absent de l&#39;annuaire de l&#39;Éducation nationale 2025" in html  # the CIO de Nantes of 2016
    assert 'alt="Carte des' in html and "annuaire/clpe/CLPE44001.csv" in html
    assert "None" not in html and " nan" not in html and "NaT" not in html


def test_section_rural_territory(pub):
    from reports.portrait import base_context
    from reports.sections import annuaire as section

    base = base_context(pub, "clpe", "CLPE53002")
    ctx = section.context(pub, base)
    assert ctx["main_commune"]["label"] == "Mayenne"
    assert ctx["n_points"] == pub.execute(
        "select count(*) from directory.reception_point_territory where set_id = 'clpe' "
        "and territory_id = 'CLPE53002'").fetchone()[0]


# ----------------------------------------------------------------------------------------- command


def test_cli_orienter(published_db, capsys):
    from pipelines.annuaire_cli import main

    assert main(["annuaire", "orienter", "--commune", "44109", "--public", "jeunes_16_25", "--limit", "3",
                 "--db", str(published_db)]) == 0
    out = capsys.readouterr().out
    assert "les plus proches de Nantes (44109)" in out
    assert "Réseau de référence (Mission locale) : Mission locale de Nantes" in out
    assert out.count(" km  ") == 3 and "non confirmée depuis" in out
    # a former commune code is mapped to its 2026 commune (Olonne-sur-Mer → Les Sables-d'Olonne)
    assert main(["annuaire", "orienter", "--commune", "85166", "--public", "demandeurs_emploi", "--limit", "1",
                 "--db", str(published_db)]) == 0
    assert "Les Sables-d'Olonne (85194)" in capsys.readouterr().out
    # and a name works too
    assert main(["annuaire", "orienter", "--commune", "Château-Gontier-sur-Mayenne", "--public",
                 "eleves_etudiants", "--limit", "1", "--db", str(published_db)]) == 0
    out = capsys.readouterr().out
    assert "uai:0530802J" in out and "0,7 km" in out
    assert main(["annuaire", "orienter", "--commune", "44109", "--public", "retraites",
                 "--db", str(published_db)]) == 2
    assert "public inconnu" in capsys.readouterr().err
