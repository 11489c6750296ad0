"""Theme « formation » (training offer), its section and its exports, on the real mirror files.

Every expected value is recomputed here at run time from the official files with pandas and
compared with what the pipeline published; nothing from the files is written in this test."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from portraits import quality
from portraits.themes import formation
from sources.errors import SourceFormatError

ANNUAIRE = "annuaire_education/fr-en-annuaire-education_extrait_pdl.csv"
IJ_LYCEES_2022 = "inserjeunes/depp-inserjeunes-etablissements-2022_2023-voie-pro_pdl.csv"
IJ_REGION = "inserjeunes/ij_region_data_region52.csv"
AFFELNET_2022 = "orion_pilotage/attractivite_capacite_2022_pdl.csv"
OFA_DIR = "referentiel_ofa_reseaux"


def obs(con, set_id, territory_id, indicator_id, period=None):
    sql = """select period, value, numerator, denominator, status, note from indicators.observation
             where set_id = ? and territory_id = ? and indicator_id = ?"""
    params = [set_id, territory_id, indicator_id]
    if period is not None:
        sql += " and period = ?"
        params.append(period)
    row = con.execute(sql + " order by period desc limit 1", params).fetchone()
    return dict(zip(["period", "value", "numerator", "denominator", "status", "note"], row)) if row else None


@pytest.fixture(scope="module")
def annuaire(mirror, pub):
    """The directory file read with pandas, codes mapped to COG 2026 with the commune history."""
    df = pd.read_csv(mirror / ANNUAIRE, sep=";", dtype=str, keep_default_na=False)
    history = dict(pub.execute("select old_code, new_code from ref.commune_history").fetchall())
    df["code_2026"] = df["code_commune"].map(lambda c: history.get(c, c))
    return df


@pytest.fixture(scope="module")
def clpe_of(pub):
    return dict(pub.execute(
        "select commune_code, territory_id from ref.territory_commune where set_id = 'clpe'").fetchall())


# ----------------------------------------------------------------------------------------- counts

def test_lycee_counts_equal_an_independent_count_of_the_file(annuaire, clpe_of, pub):
    lycees = annuaire[annuaire["type_etablissement"] == "Lycée"].drop_duplicates("identifiant_de_l_etablissement")
    assert len(annuaire[annuaire["type_etablissement"] == "Lycée"]) > len(lycees)  # UAI listed twice
    expected = lycees["code_2026"].map(clpe_of).value_counts()
    published = dict(pub.execute(
        """select territory_id, value from indicators.observation
           where set_id = 'clpe' and indicator_id = 'lycees' and status = 'ok'""").fetchall())
    assert set(published) == {r[0] for r in pub.execute(
        "select territory_id from ref.territory where set_id = 'clpe'").fetchall()}
    for tid, value in published.items():
        assert value == expected.get(tid, 0), tid
    assert obs(pub, "region", "52", "lycees")["value"] == len(lycees)
    # public / private and every partition set add up to the region
    by_sector = lycees["statut_public_prive"].value_counts()
    assert obs(pub, "region", "52", "lycees_publics")["value"] == by_sector["Public"]
    assert obs(pub, "region", "52", "lycees_prives")["value"] == by_sector["Privé"]
    dep = lycees["code_2026"].str[:2].value_counts()
    for d, n in dep.items():
        assert obs(pub, "departement", d, "lycees")["value"] == n


def test_other_directory_counts(annuaire, clpe_of, pub):
    for kind, indicator in (("Collège", "colleges"), ("Information et orientation", "cio")):
        part = annuaire[annuaire["type_etablissement"] == kind].drop_duplicates("identifiant_de_l_etablissement")
        assert obs(pub, "region", "52", indicator)["value"] == len(part)
    colleges = annuaire[annuaire["type_etablissement"] == "Collège"]
    expected = colleges["code_2026"].map(clpe_of).value_counts()
    assert obs(pub, "clpe", "CLPE44003", "colleges")["value"] == expected["CLPE44003"]
    # the CIO point d'accueil filed with Laval's code is counted in Château-Gontier, as in the directory
    row = annuaire.set_index("identifiant_de_l_etablissement").loc["0530802J"]
    assert row["code_commune"] == "53130" and row["nom_commune"] == "Château-Gontier-sur-Mayenne"
    assert pub.execute("select commune_code from ref.etablissement_formation where uai = '0530802J'"
                       ).fetchone()[0] == "53062"


def test_pupils_are_published_counts(annuaire, pub):
    lycees = annuaire[annuaire["type_etablissement"] == "Lycée"].drop_duplicates("identifiant_de_l_etablissement")
    pupils = pd.to_numeric(lycees["nombre_d_eleves"].replace("", None))
    o = obs(pub, "region", "52", "eleves_lycees")
    assert o["status"] == "ok" and o["value"] == pupils.sum()
    sections = lycees["nom_etablissement"].str.lower().str.startswith("section d")
    assert f"{int((pupils.isna() & ~sections).sum())} lycée(s) sans effectif publié" in o["note"]


def test_every_partition_adds_up_to_the_region(work):
    assert quality.regional_totals(work) == []
    assert quality.unique_observation_keys(work) == []
    assert quality.statuses_valid(work) == []
    ids = [i.id for i in formation.INDICATORS]
    sets = dict(work.execute(
        """select set_id, count(distinct territory_id) from indicators.observation
           where indicator_id = 'lycees' group by 1""").fetchall())
    assert sets == dict(work.execute("select set_id, count(*) from ref.territory group by 1").fetchall())
    assert work.execute("select count(distinct indicator_id) from indicators.catalog where indicator_id in "
                        "(select unnest(?))", [ids]).fetchone()[0] == len(ids)


def test_cfa_count_follows_its_definition(mirror, pub):
    frames = [pd.read_csv(p, sep=";", dtype=str, keep_default_na=False)
              for p in sorted((mirror / OFA_DIR).glob("referentiel-reseau-*_pdl.csv"))]
    net = pd.concat([f.rename(columns=lambda c: " ".join(c.split())) for f in frames], ignore_index=True)
    net = net[(net.get("Région", "Pays de la Loire") == "Pays de la Loire") | net["Région"].isna()]
    net = pd.DataFrame({"uai": net["UAI validée"], "nature": net.get("Nature", ""),
                        "state": net.get("etat_administratif", "")}).fillna("")
    prepa = pd.read_csv(mirror / OFA_DIR / "organismes-prepa-apprentissage_pdl.csv", sep=";", dtype=str,
                        keep_default_na=False)
    prepa = pd.DataFrame({"uai": prepa["uai"], "nature": prepa["nature"], "state": ""})
    rows_ = pd.concat([net, prepa], ignore_index=True)
    rows_ = rows_[rows_["uai"] != ""]
    kept = set()
    for uai, part in rows_.groupby("uai"):
        natures = set(part["nature"]) - {""}
        states = set(part["state"]) - {""}
        if ("fermé" in states and "actif" not in states) or (natures and natures <= {"responsable"}):
            continue
        kept.add(uai)
    unplaced = pub.execute(
        """select count(*) from meta.data_quality where source_id like 'ofa%' and level = 'warning'
           and message like '%commune de l''adresse introuvable%'""").fetchone()[0]
    assert obs(pub, "region", "52", "cfa")["value"] + unplaced == len(kept)
    assert pub.execute("select count(*) from ref.etablissement_formation where apprentissage").fetchone()[0] \
        == len(kept) - unplaced


# ------------------------------------------------------------------------------------- insertion

def test_brossaud_blancho_lands_in_saint_nazaire_with_its_real_rate(mirror, pub, annuaire):
    raw = pd.read_csv(mirror / IJ_LYCEES_2022, sep=";", dtype=str, keep_default_na=False)
    row = raw[(raw["n°UAI de l'établissement"] == "0440074S") & (raw["Dont apprentis en EPLE"] == "ensemble")]
    expected = float(row["Taux"].iloc[0])
    assert expected == 44
    e = pub.execute("select commune_code, category, lycee_kind from ref.etablissement_formation where uai = '0440074S'"
                    ).fetchone()
    assert e == (annuaire.set_index("identifiant_de_l_etablissement").loc["0440074S", "code_2026"], "lycee",
                 "professionnel")
    assert pub.execute("select territory_id from ref.territory_commune where set_id = 'clpe' and commune_code = ?",
                       [e[0]]).fetchone()[0] == "CLPE44003"
    value, status, source = pub.execute(
        """select value, status, source_id from indicators.etablissement_insertion
           where uai = '0440074S' and cohort = '2022_2023' and population = 'ensemble'
             and indicator_id = 'taux_emploi_6m'""").fetchone()
    assert (value, status, source) == (expected, "ok", "inserjeunes_lycees")
    attendu = pub.execute(
        """select value from indicators.etablissement_insertion where uai = '0440074S' and cohort = '2022_2023'
           and population = 'ensemble' and indicator_id = 'taux_emploi_6m_attendu'""").fetchone()[0]
    assert attendu == float(row["Taux attendu"].iloc[0])


def test_not_disclosed_rates_stay_secret(mirror, pub):
    raw = pd.read_csv(mirror / IJ_LYCEES_2022, sep=";", dtype=str, keep_default_na=False)
    nd = raw[raw["Taux"] == "nd"].iloc[0]
    pop = {"ensemble": "ensemble", "dont élèves en voie pro sco": "scolaires", "dont apprentis": "apprentis"}
    value, status = pub.execute(
        """select value, status from indicators.etablissement_insertion where uai = ? and cohort = '2022_2023'
           and population = ? and indicator_id = 'taux_emploi_6m'""",
        [nd["n°UAI de l'établissement"], pop[nd["Dont apprentis en EPLE"]]]).fetchone()
    assert value is None and status == "secret"
    # per-establishment rates are never turned into territory observations
    assert pub.execute("""select count(*) from indicators.observation
                          where indicator_id like 'taux_emploi%' and set_id <> 'region'""").fetchone()[0] == 0


@pytest.mark.parametrize("voie,months,indicator", [
    ("scolaire", 6, "taux_emploi_6_mois_scolaire"), ("scolaire", 12, "taux_emploi_12_mois_scolaire"),
    ("apprentissage", 6, "taux_emploi_6_mois_apprentis"), ("apprentissage", 12, "taux_emploi_12_mois_apprentis"),
])
def test_region_rates_are_recomputed_from_counts(mirror, pub, voie, months, indicator):
    raw = pd.read_csv(mirror / IJ_REGION, sep=";", dtype=str, keep_default_na=False)
    part = raw[(raw["code_region"] == "52") & (raw["voie"] == voie) & (raw["millesime"] == "2022_2023")]
    emp = pd.to_numeric(part[f"nb_en_emploi_{months}_mois"].replace("", None))
    out = pd.to_numeric(part["nb_sortant"].replace("", None))
    both = emp.notna() & out.notna()
    o = obs(pub, "region", "52", indicator, "2022-2023")
    assert o["numerator"] == emp[both].sum() and o["denominator"] == out[both].sum()
    assert o["value"] == pytest.approx(100 * emp[both].sum() / out[both].sum())
    # not the average of the published rates
    published = pd.to_numeric(part[f"taux_emploi_{months}_mois"].replace("", None)).mean()
    assert abs(o["value"] - published) > 0.1


# -------------------------------------------------------------------------------------- affelnet

def test_affelnet_places_wishes_and_ratio(mirror, pub, annuaire, clpe_of):
    aff = pd.read_csv(mirror / AFFELNET_2022, sep=";", dtype=str, keep_default_na=False)
    aff["cap"] = pd.to_numeric(aff["Capacité carte scolaire"])
    aff["v1"] = pd.to_numeric(aff["Demandes vœux 1"])
    assert aff.loc[(aff["Etablissement d'accueil"] == "0440001M") & (aff["MEF STAT 11"] == "23210025223"),
                   ["cap", "v1"]].values.tolist() == [[13, 21]]
    offers = aff.groupby(["Etablissement d'accueil", "MEF STAT 11"]).agg(
        cap_sum=("cap", "sum"), cap_min=("cap", "min"), cap_max=("cap", "max"), n=("cap", "size"),
        v1=("v1", "sum")).reset_index()
    offers["cap"] = np.where((offers["n"] > 1) & (offers["cap_min"] == offers["cap_max"]),
                             offers["cap_min"], offers["cap_sum"])
    commune = annuaire.drop_duplicates("identifiant_de_l_etablissement").set_index(
        "identifiant_de_l_etablissement")["code_2026"]
    offers["territory"] = offers["Etablissement d'accueil"].map(commune).map(clpe_of)
    placed = offers[offers["territory"].notna()]
    assert len(placed) < len(offers)  # a lycée absent from the 2025 directory
    for tid in ("CLPE44003", "CLPE53002"):
        part = placed[placed["territory"] == tid]
        places = obs(pub, "clpe", tid, "places_affelnet", "2022")
        wishes = obs(pub, "clpe", tid, "voeux1_affelnet", "2022")
        ratio = obs(pub, "clpe", tid, "voeux1_par_place", "2022")
        assert places["value"] == part["cap"].sum() and wishes["value"] == part["v1"].sum()
        assert ratio["numerator"] == part["v1"].sum() and ratio["denominator"] == part["cap"].sum()
        assert ratio["value"] == pytest.approx(part["v1"].sum() / part["cap"].sum())
    assert obs(pub, "region", "52", "places_affelnet", "2022")["value"] == placed["cap"].sum()
    assert "absent(s) de l'annuaire 2025" in obs(pub, "region", "52", "places_affelnet", "2022")["note"]
    dups = (aff.groupby(["Etablissement d'accueil", "MEF STAT 11"]).size() > 1).sum()
    assert pub.execute("""select count(*) from meta.data_quality where source_id = 'orion_affelnet'
                          and key like '%/2022' and message like 'Offre Affelnet%'""").fetchone()[0] == dups


def test_parcoursup_groups_add_up(mirror, pub):
    raw = pd.read_csv(mirror / "parcoursup/fr-esr-parcoursup_simplifie_pdl.csv", dtype=str)
    total = obs(pub, "region", "52", "formations_parcoursup")
    assert total["value"] == len(raw) and "session Parcoursup non indiquée" in total["note"]
    groups = sum(obs(pub, "region", "52", f"formations_parcoursup_{g}")["value"]
                 for g in formation.PARCOURSUP_GROUP_LABELS)
    assert groups == total["value"]
    assert obs(pub, "region", "52", "formations_parcoursup_bts")["value"] == \
        raw["Filiere de formation"].str.match(r"^BTS").sum()


# ---------------------------------------------------------------------------------- bad input

def test_data_quality_records_warnings(pub):
    dq = pub.execute("select source_id, level, key, message from meta.data_quality").df()
    assert set(dq["level"]) <= {"warning", "info"}
    le_fresne = dq[dq["key"] == "0490946M"]["message"].iloc[0]  # LEGTA Le Fresne, coded Angers
    assert "hors" not in le_fresne and "de sa commune 49007" in le_fresne
    assert (dq["key"] == "0530802J").any()


def test_unknown_commune_code_stops_the_build():
    names = formation.CommuneNames(pd.DataFrame({"departement": ["44"], "name": ["Nantes"],
                                                 "commune_code": ["44109"]}))
    df = pd.DataFrame({"uai": ["0449999Z"], "name": ["Lycée test"], "category": ["lycee"],
                       "commune_code": ["44999"], "commune_name": ["Nulle part"],
                       "latitude": [47.2], "longitude": [-1.5]})
    history = pd.DataFrame({"old_code": ["44000"], "new_code": ["44109"]})
    with pytest.raises(SourceFormatError) as exc:
        formation.directory_communes(df, history, {"44109"}, names, formation.Issues())
    text = str(exc.value)
    assert "fr-en-annuaire-education_extrait_pdl.csv" in text and "0449999Z" in text and "'44999'" in text


def test_rate_above_100_stops_the_build():
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("""create table raw.inserjeunes_lycees as select '0440074S' as uai, '2022_2023' as cohort,
                   'ensemble' as population, 104.0 as taux_emploi_6m, 'ok' as taux_emploi_6m_status""")
    con.execute("""create table raw.inserjeunes_cfa as select '0721427K' as uai, '2023_2024' as cohort,
                   67.0 as taux_emploi_6m, 'ok' as taux_emploi_6m_status""")
    with pytest.raises(SourceFormatError) as exc:
        formation.insertion_table(con)
    assert "0440074S" in str(exc.value) and "104" in str(exc.value)


def test_point_outside_its_commune_is_a_warning():
    square = shapely.Polygon([(0, 0), (1000, 0), (1000, 1000), (0, 1000)])
    other = shapely.Polygon([(1000, 0), (5000, 0), (5000, 1000), (1000, 1000)])
    communes = gpd.GeoDataFrame({"commune_code": ["44001", "44002"]}, geometry=[square, other], crs=2154)
    pts = gpd.GeoSeries(gpd.points_from_xy([500, 1100, 3000], [500, 500, 500]), crs=2154).to_crs(4326)
    etab = pd.DataFrame({"uai": ["A", "B", "C"], "name": ["in", "near", "far"],
                         "commune_code": ["44001"] * 3, "latitude": pts.y, "longitude": pts.x,
                         "source_id": "annuaire_education"})
    issues = formation.Issues()
    assert formation.check_coordinates(etab, communes, {"44001": "Un", "44002": "Deux"}, issues) == 1
    assert issues.rows[0][2] == "C" and "44002" in issues.rows[0][3]


# --------------------------------------------------------------------------- section and exports

def test_section_of_every_clpe_territory_has_a_map(pub, monkeypatch):
    from reports.portrait import base_context
    from reports.sections import formation as section
    from reports.sections.common import rows

    def draw_only(builder, *args, **kwargs):  # the SVG is drawn, not encoded
        builder(*args, **kwargs)
        return "data:image/svg+xml;base64,"

    monkeypatch.setattr(section, "chart_uri", draw_only)
    sources = {r["source_id"]: r for r in rows(pub, "select * from meta.source")}
    for (tid,) in pub.execute("select territory_id from ref.territory where set_id = 'clpe' order by 1").fetchall():
        ctx = base_context(pub, "clpe", tid)
        ctx["source_by_id"] = sources
        s = section.context(pub, ctx)
        assert s["title"] == "Se former sur le territoire" and s["map"], tid


def test_section_html(pub):
    from reports import render
    from reports.portrait import base_context
    from reports.sections import formation as section
    from reports.sections.common import rows

    ctx = base_context(pub, "clpe", "CLPE44003")
    ctx["source_by_id"] = {r["source_id"]: r for r in rows(pub, "select * from meta.source")}
    ctx["s"] = section.context(pub, ctx)
    names = [i["uai"] for i in ctx["s"]["lycees"]]
    assert "0440074S" in names
    html = render.env().get_template("sections/formation.html.j2").render(**ctx, doc={"print": False, "appendix": []})
    assert "Se former sur le territoire" in html and "Brossaud-Blancho" in html
    assert html.count("<img ") == 2 and html.count('alt="') == 2
    assert "44\u00a0%" in html and "non diffusé" in html
    assert "InserJeunes" in html and "extrait simplifié réalisé par un tiers" in html


def test_exports(pub, tmp_path):
    from reports import formation_exports

    paths = formation_exports.write_exports(pub, tmp_path, "clpe", ["CLPE44003", "CLPE53002"])
    assert len(paths) == 4
    raw = (tmp_path / "portraits/clpe/CLPE44003/etablissements.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    n = pub.execute("""select count(*) from ref.etablissement_formation e join ref.territory_commune tc
                       using (commune_code) where tc.set_id = 'clpe' and tc.territory_id = 'CLPE44003'"""
                    ).fetchone()[0]
    assert len(table) == n
    row = next(r for r in table if r["uai"] == "0440074S")
    assert row["taux_emploi_6_mois"] == "44" and row["commune"] == "Saint-Nazaire"
    assert row["cohorte_insertion"] == "2022-2023" and row["statut_insertion"] == "publié"
    geo = json.loads((tmp_path / "portraits/clpe/CLPE44003/etablissements.geojson").read_text("utf-8"))
    assert len(geo["features"]) == n
    feat = next(f for f in geo["features"] if f["id"] == "0440074S")
    assert feat["geometry"]["type"] == "Point" and feat["properties"]["taux_emploi_6_mois"] == 44
    assert any(f["geometry"] is None for f in geo["features"])  # apprenticeship organisations by address


def test_chart_builders():
    from reports import charts_formation

    square = shapely.box(-1.6, 47.1, -1.4, 47.3)
    communes = gpd.GeoDataFrame({"commune_code": ["44109"], "label": ["Nantes"], "population": [1.0]},
                                geometry=[square], crs=4326)
    pts = gpd.GeoDataFrame({"kind": ["lycee_professionnel", "cio"]},
                           geometry=gpd.points_from_xy([-1.5, -1.45], [47.2, 47.25]), crs=4326)
    cpts = gpd.GeoDataFrame({"n": [3]}, geometry=gpd.points_from_xy([-1.55], [47.15]), crs=4326)
    from xml.etree import ElementTree as ET

    ns = {"s": "http://www.w3.org/2000/svg"}
    root = ET.fromstring(charts_formation.establishments_map(communes, communes, pts, cpts))
    ids = {g.get("id") for g in root.findall(".//s:g", ns)}
    assert {"lycee_professionnel", "cio", "cfa_commune", "cfa_commune_count"} <= ids
    legend = [t.text for t in root.findall(".//s:g[@id='legend']/s:text", ns)]
    assert legend[-1] == "CIO (1)" and "Organismes d'apprentissage sans coordonnées (3)" in legend
    root = ET.fromstring(charts_formation.insertion_strip(
        [{"label": "Lycées", "values": [44, 60, None], "reference": 54.9}]))
    assert len(root.findall(".//s:g[@id='dots_0']/s:circle", ns)) == 2
    assert "région : 54,9 %" in "".join(root.find(".//s:g[@id='reference_0']", ns).itertext())
    ticks = [t.text for t in root.findall(".//s:g[@id='xticks']/s:text", ns)]
    assert ticks[0] == "0 %" and ticks[-1] == "100 %"
