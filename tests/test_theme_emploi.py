"""Theme « emploi » and its portrait section, against the official files of the mirror.

Reference values are recomputed here with pandas from the mirror CSVs (nothing copied from them);
the published values come from the ``published_db`` / ``warehouse_db`` fixtures (read-only).
"""

from __future__ import annotations

import pandas as pd
import pytest

from portraits import quality
from portraits.themes import emploi

PARTITIONS = ["commune", "epci", "departement", "region", "clpe", "zone_emploi", "bassin_vie", "bassin_bmo"]


def _csv(mirror, path, **kw) -> pd.DataFrame:
    return pd.read_csv(mirror / path, sep=";", dtype=str, keep_default_na=False, **kw)


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.str.strip().str.replace(",", ".", regex=False).replace("", None), errors="coerce")


def _obs(con, set_id, territory_id, indicator_id, period):
    r = con.execute(
        """select value, numerator, denominator, status, source_id, note from indicators.observation
           where set_id = ? and territory_id = ? and indicator_id = ? and period = ?""",
        [set_id, territory_id, indicator_id, period]).fetchall()
    assert len(r) == 1, (set_id, territory_id, indicator_id, period, r)
    return dict(zip(["value", "numerator", "denominator", "status", "source_id", "note"], r[0]))


def _members(con, set_id) -> pd.DataFrame:
    return con.execute(
        "select territory_id, commune_code from ref.territory_commune where set_id = ? and in_region",
        [set_id]).df()


# --------------------------------------------------------------------------------------------------
# Counts by commune: done-when criteria

def test_private_jobs_2025_equal_sum_of_communes_for_every_clpe(mirror, pub):
    df = _csv(mirror, "urssaf/urssaf_effectifs_salaries_prive_commune_2015_2025_pdl.csv")
    jobs = dict(zip(df["code_commune"], _num(df["effectifs_salaries_2025"])))
    members = _members(pub, "clpe")
    assert members["territory_id"].nunique() == 20
    for tid, group in members.groupby("territory_id"):
        expected = pd.Series([jobs.get(c) for c in group["commune_code"]], dtype="float64").sum()  # blanks skipped
        obs = _obs(pub, "clpe", tid, "emplois_salaries_prives", "2025")
        assert obs["status"] == "ok", (tid, obs)
        assert obs["value"] == pytest.approx(expected, abs=0.5), tid
        assert obs["source_id"] == "urssaf_effectifs_commune"
    region = _obs(pub, "region", "52", "emplois_salaries_prives", "2025")
    assert region["value"] == pytest.approx(_num(df["effectifs_salaries_2025"]).sum())
    assert region["value"] == 1_164_961  # spot check of urssaf/SOURCE.md
    n_blank = int(_num(df["effectifs_salaries_2025"]).isna().sum())
    assert f"{n_blank} commune(s) sans établissement employeur privé" in region["note"]


def test_job_seekers_2024_equal_sum_of_communes_for_every_clpe(mirror, pub):
    df = _csv(mirror, "france_travail/dares_defm_communales_abc_t4_2015_2024_pdl.csv")
    df = df[df["date"] == "2024-T4"]
    seekers = dict(zip(df["code_commune"], _num(df["nombre_de_demandeurs_d_emploi"])))
    members = _members(pub, "clpe")
    for tid, group in members.groupby("territory_id"):
        expected = pd.Series([seekers.get(c) for c in group["commune_code"]], dtype="float64").sum()
        obs = _obs(pub, "clpe", tid, "demandeurs_emploi_abc", "2024")
        assert obs["status"] == "ok", (tid, obs)
        assert obs["value"] == pytest.approx(expected, abs=0.5), tid
    region = _obs(pub, "region", "52", "demandeurs_emploi_abc", "2024")
    assert region["value"] == pytest.approx(_num(df["nombre_de_demandeurs_d_emploi"]).sum())
    assert region["value"] % 5 == 0  # commune counts rounded to 5 at the source


def test_blank_communes_stay_missing_never_zero(mirror, pub):
    df = _csv(mirror, "france_travail/dares_defm_communales_abc_t4_2015_2024_pdl.csv")
    blanks = sorted(df.loc[df["nombre_de_demandeurs_d_emploi"].str.strip() == "", "code_commune"].unique())
    assert blanks == ["85165", "85212"]
    for code in blanks:
        obs = _obs(pub, "commune", code, "demandeurs_emploi_abc", "2024")
        assert obs["status"] == "missing" and obs["value"] is None
        assert "Essarts-en-Bocage" in obs["note"]
    # the territories holding the commune nouvelle they were split from are complete
    whole = _obs(pub, "epci", "200071918", "demandeurs_emploi_abc", "2024")
    assert whole["status"] == "ok" and "L'Oie (85165)" in whole["note"]
    essarts = _obs(pub, "commune", "85084", "demandeurs_emploi_abc", "2024")
    assert essarts["status"] == "ok" and "inclut vraisemblablement" in essarts["note"]

    urssaf = _csv(mirror, "urssaf/urssaf_effectifs_salaries_prive_commune_2015_2025_pdl.csv")
    blank = urssaf.loc[urssaf["effectifs_salaries_2025"].str.strip() == "", "code_commune"].iloc[0]
    # one rule for URSSAF's blank communes (the source documents them as "no declaring employer"):
    # 0, alone as in a territory, with the reason in the note
    obs = _obs(pub, "commune", blank, "emplois_salaries_prives", "2025")
    assert obs["status"] == "ok" and obs["value"] == 0
    assert "1 commune(s) sans établissement employeur privé" in obs["note"]


def test_sectors_and_establishments(mirror, pub):
    df = _csv(mirror, "urssaf/urssaf_effectifs_etab_commune_x_grand_secteur_2025_pdl.csv")
    df["code"] = df["grand_secteur_d_activite"].str.extract(r"^(GS\d)")[0]
    employees = _num(df["effectifs_salaries_2025"])
    total = employees.sum()
    for code, (suffix, _label) in emploi.SECTORS.items():
        expected = employees[df["code"] == code].sum()
        count = _obs(pub, "region", "52", f"emplois_salaries_prives_{suffix}", "2025")
        share = _obs(pub, "region", "52", f"emplois_salaries_prives_{suffix}_part", "2025")
        assert count["value"] == pytest.approx(expected)
        assert share["value"] == pytest.approx(100 * expected / total)
        assert (share["numerator"], share["denominator"]) == (pytest.approx(expected), pytest.approx(total))
    estab = _obs(pub, "region", "52", "etablissements_employeurs", "2025")
    assert estab["value"] == pytest.approx(_num(df["nombre_d_etablissements_2025"]).sum())
    # one clpe, from its communes
    members = set(_members(pub, "clpe").query("territory_id == 'CLPE53002'")["commune_code"])
    part = df[df["code_commune"].isin(members)]
    ind = _obs(pub, "clpe", "CLPE53002", "emplois_salaries_prives_industrie_part", "2025")
    assert ind["value"] == pytest.approx(100 * _num(part.loc[part["code"] == "GS1", "effectifs_salaries_2025"]).sum()
                                         / _num(part["effectifs_salaries_2025"]).sum())


def test_changes_recomputed_from_sums(pub):
    for set_id, tid in [("clpe", "CLPE44001"), ("departement", "85"), ("region", "52")]:
        v25 = _obs(pub, set_id, tid, "emplois_salaries_prives", "2025")["value"]
        v15 = _obs(pub, set_id, tid, "emplois_salaries_prives", "2015")["value"]
        ch = _obs(pub, set_id, tid, "emplois_salaries_prives_evol_10ans", "2015-2025")
        assert ch["value"] == pytest.approx((v25 / v15 - 1) * 100)
        assert (ch["numerator"], ch["denominator"]) == (v25, v15)
        d24 = _obs(pub, set_id, tid, "demandeurs_emploi_abc", "2024")["value"]
        d23 = _obs(pub, set_id, tid, "demandeurs_emploi_abc", "2023")["value"]
        assert _obs(pub, set_id, tid, "demandeurs_emploi_abc_evol_1an", "2023-2024")["value"] == pytest.approx(
            (d24 / d23 - 1) * 100)


# --------------------------------------------------------------------------------------------------
# BMO

def test_bmo_estimates_add_up_to_the_regional_total_on_every_partition(mirror, pub):
    bmo = _csv(mirror, "bmo/bmo_2024_pdl.csv")
    met = _num(bmo["met"].replace("*", ""))
    total = met.sum()
    assert total == 187_291  # bmo/SOURCE.md
    for set_id in PARTITIONS:
        s = pub.execute(
            """select sum(value), count(*) filter (where status = 'missing') from indicators.observation
               where set_id = ? and indicator_id = 'projets_recrutement' and period = '2024'""",
            [set_id]).fetchone()
        assert s[0] == pytest.approx(total, rel=1e-9), set_id
    region = _obs(pub, "region", "52", "projets_recrutement", "2024")
    assert region["status"] == "ok"
    assert f"{int((bmo['met'] == '*').sum())} cellule(s)" in region["note"]
    # exact for the basins themselves, estimated for a clpe that cuts basins
    by_basin = met.groupby(bmo["BE24"]).sum()
    for basin, value in by_basin.items():
        obs = _obs(pub, "bassin_bmo", basin, "projets_recrutement", "2024")
        assert obs["status"] == "ok" and obs["value"] == pytest.approx(value)
    assert _obs(pub, "bassin_bmo", "5220", "projets_recrutement", "2024")["value"] == 42_283  # Nantes, exact
    clpe = _obs(pub, "clpe", "CLPE44001", "projets_recrutement", "2024")
    assert clpe["status"] == "estimate" and "NANTES" in clpe["note"]


def test_bmo_shares_and_population_rule(mirror, pub, work):
    bmo = _csv(mirror, "bmo/bmo_2024_pdl.csv")
    met, xmet, smet = (_num(bmo[c].replace("*", "")) for c in ("met", "xmet", "smet"))
    # shares over the cells where both counts are published; secret parts make them estimates,
    # with the bounds of the true share in the note (a '*' is too few answers, not a small number)
    both_d = (bmo["met"] != "*") & (bmo["xmet"] != "*")
    both_s = (bmo["met"] != "*") & (bmo["smet"] != "*")
    region = _obs(pub, "region", "52", "projets_recrutement_difficiles_part", "2024")
    assert region["value"] == pytest.approx(100 * xmet[both_d].sum() / met[both_d].sum())
    assert region["status"] == "estimate" and "la part réelle est comprise entre" in region["note"]
    seasonal = _obs(pub, "region", "52", "projets_recrutement_saisonniers_part", "2024")
    assert seasonal["value"] == pytest.approx(100 * smet[both_s].sum() / met[both_s].sum())
    assert round(seasonal["value"], 1) == 50.0
    assert seasonal["status"] == "estimate" and "comprise entre 32,9 % et 67,0 %" in seasonal["note"]
    # attribution by 2022 population: recompute one clpe by hand
    pop = _csv(mirror, "insee_rp/populations_historiques_pmun_2010_2022_geo2026_r52.csv")
    pop22 = dict(zip(pop["CODGEO"], _num(pop["PMUN2022"])))
    basins = _members(work, "bassin_bmo")
    basins["pop"] = basins["commune_code"].map(pop22)
    basins = basins[basins["territory_id"].isin(set(bmo["BE24"]))]
    clpe = set(_members(work, "clpe").query("territory_id == 'CLPE53002'")["commune_code"])
    by_basin = met.groupby(bmo["BE24"]).sum()
    expected = sum(
        by_basin[b] * g.loc[g["commune_code"].isin(clpe), "pop"].sum() / g["pop"].sum()
        for b, g in basins.groupby("territory_id"))
    assert _obs(pub, "clpe", "CLPE53002", "projets_recrutement", "2024")["value"] == pytest.approx(expected)


def test_bmo_occupations(mirror, pub):
    bmo = _csv(mirror, "bmo/bmo_2024_pdl.csv")
    fap = bmo[bmo["met"] != "*"].assign(met=lambda d: _num(d["met"])).groupby("Code métier BMO")["met"].sum()
    secret = set(bmo.loc[bmo["met"] == "*", "Code métier BMO"])
    code = next(c for c in fap.sort_values(ascending=False).index if c not in secret)
    ind = emploi.FAP_PREFIX + code.lower()
    region = _obs(pub, "region", "52", ind, "2024")
    assert region["status"] == "ok" and region["value"] == pytest.approx(fap[code])
    total = pub.execute("select sum(value) from indicators.observation where set_id = 'clpe' and indicator_id = ?",
                        [ind]).fetchone()[0]
    assert total == pytest.approx(fap[code])
    label = pub.execute("select label from indicators.catalog where indicator_id = ?", [ind]).fetchone()[0]
    assert label.endswith(bmo.loc[bmo["Code métier BMO"] == code, "Nom métier BMO"].iloc[0])
    # a secret cell makes the basin's figure secret, never 0
    row = bmo[bmo["met"] == "*"].iloc[0]
    obs = _obs(pub, "bassin_bmo", row["BE24"], emploi.FAP_PREFIX + row["Code métier BMO"].lower(), "2024")
    assert obs["status"] == "secret" and obs["value"] is None
    # not computed for communes
    assert pub.execute("select count(*) from indicators.observation where set_id = 'commune' "
                       "and starts_with(indicator_id, ?)", [emploi.FAP_PREFIX]).fetchone()[0] == 0


# --------------------------------------------------------------------------------------------------
# Unemployment rates

def _rates(mirror, path, code_col):
    df = _csv(mirror, path)
    return df.set_index(code_col)


def test_unemployment_exact_series(mirror, pub):
    ze = _rates(mirror, "insee/insee_taux_chomage_localise_zone_emploi_2003T1_2023T3_pdl.csv", "ZE2020")
    parts = _rates(mirror, "insee/insee_taux_chomage_localise_ze_parties_regionales_2003T1_2023T3_pdl.csv", "ZER2020")
    bdm = _csv(mirror, "insee/insee_bdm_taux_chomage_localise_region_dep_2000T1_2024T4_pdl.csv")
    nantes = _obs(pub, "zone_emploi", "5216", "taux_chomage_localise", "2023-T3")
    assert nantes["value"] == float(ze.loc["5216", "2023-T3"]) == 5.5  # insee/SOURCE.md spot check
    redon = _obs(pub, "zone_emploi", "0062", "taux_chomage_localise", "2023-T3")
    assert redon["value"] == float(parts.loc["5262", "2023-T3"]) != float(ze.loc["0062", "2023-T3"])
    assert redon["status"] == "ok"
    bdm["id"] = bdm["idBank"].str.zfill(9)
    dep44 = float(bdm.loc[bdm["id"] == "001515909", "2024-T4"].iloc[0])
    assert _obs(pub, "departement", "44", "taux_chomage_localise", "2024-T4")["value"] == dep44
    assert _obs(pub, "region", "52", "taux_chomage_localise", "2024-T4")["value"] == float(
        bdm.loc[bdm["id"] == "001515854", "2024-T4"].iloc[0])
    last = pub.execute("select max(period) from indicators.observation where set_id = 'clpe' "
                       "and indicator_id = 'taux_chomage_localise'").fetchone()[0]
    assert last == "2023-T3"


def test_unemployment_estimate_weighted_by_active_population(mirror, pub, work):
    ze = _rates(mirror, "insee/insee_taux_chomage_localise_zone_emploi_2003T1_2023T3_pdl.csv", "ZE2020")
    parts = _rates(mirror, "insee/insee_taux_chomage_localise_ze_parties_regionales_2003T1_2023T3_pdl.csv", "ZER2020")
    cc = _csv(mirror, "insee_rp/base_cc_comparateur_rp2022_r52.csv")
    act = dict(zip(cc["CODGEO"], _num(cc["P22_ACT1564"])))
    zones = _members(work, "zone_emploi").rename(columns={"territory_id": "zone"})
    for tid in ("CLPE53002", "CLPE35001"):
        members = _members(work, "clpe").query("territory_id == @tid").merge(zones, on="commune_code")
        members["act"] = members["commune_code"].map(act)
        w = members.groupby("zone")["act"].sum()

        def rate(z):
            return float(parts.loc["52" + z[2:], "2023-T3"]) if z.startswith("00") else float(ze.loc[z, "2023-T3"])

        expected = sum(rate(z) * a for z, a in w.items()) / w.sum()
        obs = _obs(pub, "clpe", tid, "taux_chomage_localise", "2023-T3")
        assert obs["status"] == "estimate"
        assert obs["value"] == pytest.approx(expected)
        assert obs["denominator"] == pytest.approx(w.sum())
        assert "zones" in obs["note"]


# --------------------------------------------------------------------------------------------------
# Job seekers by EPCI

def test_epci_2020_changes_match_the_mirror(mirror, work):
    c20 = _csv(mirror, "france_travail/epci_composition_2020_pdl.csv")
    hist = dict(work.execute("select old_code, new_code from ref.commune_history").fetchall())
    now = dict(work.execute("select commune_code, epci_siren from raw.cog_epci_2026").fetchall())
    changed = {}
    for code, epci in zip(c20["codgeo"], c20["code_epci"].str.replace(r"\.0$", "", regex=True)):
        if epci == "ZZZZZZZZZ" or not code.startswith(("44", "49", "53", "72", "85")):
            continue
        if now.get(hist.get(code, code)) != epci:
            changed[code] = epci
    assert changed == emploi.EPCI_2020_CHANGES


def test_epci_breakdowns(mirror, pub):
    abc = _csv(mirror, "france_travail/pole_emploi_defm_epci_dec2019_categorie_abc_pdl.csv")
    abc["siren"] = abc["code_epci"].str.replace(r"\.0$", "", regex=True)
    row = abc.set_index("siren").loc["244400404"]  # Nantes Métropole = CLPE44001
    femmes, total = float(row["total_femmes"]), float(row["total_categorie_a"])  # the ABC total (naming slip)
    for set_id, tid in [("epci", "244400404"), ("clpe", "CLPE44001")]:
        obs = _obs(pub, set_id, tid, "demandeurs_emploi_abc_femmes_part", "2019-12")
        assert obs["status"] == "ok"
        assert obs["value"] == pytest.approx(100 * femmes / total)
        assert (obs["numerator"], obs["denominator"]) == (femmes, total)
    young = float(row["hommes_moins_de_25_ans"]) + float(row["femmes_moins_de_25_ans"])
    assert _obs(pub, "epci", "244400404", "demandeurs_emploi_abc_moins_25ans", "2019-12")["value"] == young
    # a territory cutting an EPCI, and the region (cross-border EPCI, L'Île-d'Yeu): missing with a note
    for set_id, tid in [("clpe", "CLPE35001"), ("region", "52"), ("commune", "44109")]:
        obs = _obs(pub, set_id, tid, "demandeurs_emploi_abc_femmes_part", "2019-12")
        assert obs["status"] == "missing" and obs["value"] is None and obs["note"]
    # EPCI whose perimeter changed since 2020: estimate
    assert _obs(pub, "epci", "247200132", "demandeurs_emploi_abc_decembre", "2019-12")["status"] == "estimate"
    # Laval Agglomération did not exist in the 2018 file
    assert _obs(pub, "epci", "200083392", "demandeurs_emploi_abc_decembre", "2018-12")["status"] == "missing"


def test_metiers_en_tension(mirror, pub):
    df = _csv(mirror, "dares/liste_metiers_en_tension_arrete_mars2024_pdl.csv")
    obs = _obs(pub, "region", "52", "metiers_en_tension", "2024")
    assert obs["value"] == len(df)
    from reports.sections.emploi import parse_tension_list
    items = parse_tension_list(obs["note"])
    assert sorted(i["code"] for i in items) == sorted(df["Code FAP"])
    assert sum(i["national"] for i in items) == int((df["Region"] == "France Entière").sum())


# --------------------------------------------------------------------------------------------------
# Quality rules and catalogue

def test_quality_rules_pass_for_the_theme(work):
    ids = {i.id for i in emploi.INDICATORS}
    problems = [p for p in quality.regional_totals(work) if p.split(" ", 1)[0] in ids
                or p.startswith(emploi.FAP_PREFIX)]
    assert problems == []
    assert quality.statuses_valid(work) == []
    assert quality.unique_observation_keys(work) == []
    declared = dict(work.execute("select indicator_id, aggregation from indicators.catalog").fetchall())
    for ind in emploi.INDICATORS:
        assert declared[ind.id] == ind.aggregation
        if ind.unit == "%":
            assert ind.aggregation in ("ratio", "growth"), ind.id
    # every observation of the theme has a catalogue entry and a source of the catalogue
    orphans = work.execute(
        """select count(*) from indicators.observation o
           where (starts_with(o.indicator_id, 'projets_recrutement') or starts_with(o.indicator_id, 'emplois_salaries')
                  or starts_with(o.indicator_id, 'demandeurs_emploi') or o.indicator_id = 'taux_chomage_localise')
             and (o.indicator_id not in (select indicator_id from indicators.catalog)
                  or o.source_id not in (select source_id from meta.source))""").fetchone()[0]
    assert orphans == 0


# --------------------------------------------------------------------------------------------------
# Section

def test_section_context_and_html(pub):
    from reports import render
    from reports.portrait import base_context
    from reports.sections import emploi as section
    from reports.sections.common import rows

    ctx = base_context(pub, "clpe", "CLPE44001")
    ctx["source_by_id"] = {r["source_id"]: r for r in rows(pub, "select * from meta.source")}
    s = section.context(pub, ctx)
    assert s["title"] == "Emploi et marché du travail"
    assert 1 <= len(s["key_figures"]) <= 3
    assert len(s["top"]) == section.TOP_N
    values = [t["projects"]["value"] for t in s["top"]]
    assert values == sorted(values, reverse=True)
    assert all(s["charts"][k].startswith("data:image/svg+xml;base64,") for k in ("trends", "unemployment"))
    assert s["rate_table"][-1]["period"] == "2024-T4"
    html = render.env().get_template("sections/emploi.html.j2").render(
        s=s, territory=ctx["territory"], areas=ctx["areas"], source_by_id=ctx["source_by_id"],
        doc={"print": False, "appendix": []})
    assert html.count("<img ") == 2 and html.count('alt="') == 2
    assert "arrondis à 5" in html and "estimation" in html
    assert "\u202f" in html  # French thousands separator
    assert "Métiers en tension" in html


def test_charts_are_svg():
    from xml.etree import ElementTree as ET

    from reports import charts_emploi

    area = [{"label": "T", "role": "territoire", "points": [(2015, 100.0), (2016, 110.0)]},
            {"label": "R", "role": "region", "points": [(2015, 50.0), (2016, 52.0)]}]
    root = ET.fromstring(charts_emploi.trends(area, area))
    ns = {"s": "http://www.w3.org/2000/svg"}
    # two panels, each with the territory's and the region's line
    assert len(root.findall(".//s:g[@id='jobs']//s:polyline", ns)) == 2
    assert len(root.findall(".//s:g[@id='seekers']//s:polyline", ns)) == 2
    rates = [{"label": "T", "role": "territoire", "points": [("2015-T1", 8.0), ("2015-T2", 7.5)], "estimate": True}]
    root = ET.fromstring(charts_emploi.unemployment(rates, 2015))
    assert "T (estimation)" in "".join(root.itertext())


def test_bmo_occupation_share_with_secret_parts_is_not_complete(mirror, pub):
    """The independent recomputation's case: CLPE44002 x U1X91 (artists) touches Nantes, where 827
    projects have a secret difficult count; the share was published as 0.26 % with status ok."""
    ind = "projets_recrutement_difficiles_part_metier_u1x91"
    obs = _obs(pub, "clpe", "CLPE44002", ind, "2024")
    # 2 % of its projects have a published difficult count: no figure, the bounds in the note
    assert obs["status"] == "secret" and obs["value"] is None
    assert "publié pour 2 % des projets seulement : part non calculée" in obs["note"]
    assert "la part réelle est comprise entre 0,3 % et 98,4 %" in obs["note"]
    # no share of any set is presented as complete ('ok') when one of its cells is secret
    bmo = _csv(mirror, "bmo/bmo_2024_pdl.csv")
    secret_d = bmo[(bmo["met"] != "*") & (bmo["xmet"] == "*")]
    for _, row in secret_d.head(40).iterrows():
        o = _obs(pub, "bassin_bmo", row["BE24"], emploi.FAP_DIFFICULT_PREFIX + row["Code métier BMO"].lower(), "2024")
        assert o["status"] == "secret" and o["value"] is None
    n_ok_with_secret = pub.execute(
        """select count(*) from indicators.observation where set_id = 'clpe' and status = 'ok'
           and starts_with(indicator_id, ?) and note like '%secret%'""", [emploi.FAP_DIFFICULT_PREFIX]).fetchone()[0]
    assert n_ok_with_secret == 0


def test_the_portrait_tells_the_bounds_of_bmo_shares(pub):
    """A share computed over the published cells is shown with its coverage and bounds."""
    from reports.portrait import portrait_context, render_portrait

    ctx = portrait_context(pub, "clpe", "CLPE44001", build={"build_id": "test", "date_label": "2 décembre 2026"})
    html = render_portrait(ctx)
    assert "Projets saisonniers : part calculée sur les projets dont le nombre de projets saisonniers est publié" in html
    assert "la part réelle est comprise entre" in html
