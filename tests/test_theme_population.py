"""Theme « population » (portraits/themes/population.py) and its portrait section, on the real files
of the mirror: every expected value is recomputed here with pandas from the official files."""

from __future__ import annotations

import math
import shutil
from xml.etree import ElementTree as ET

import duckdb
import pandas as pd
import pytest

from portraits import quality, stages, warehouse
from portraits.geography import KNOWN_SPLITS
from portraits.themes import population
from sources.errors import SourceFormatError

DOSSIER = "insee_rp/dossier_complet_light_rp2022_r52.csv"
COMP22 = "insee_rp/base_cc_comparateur_rp2022_r52.csv"
COMP18 = "insee_rp/base_cc_comparateur_rp2018_geo2021_r52.csv"
POPS = "insee_rp/populations_historiques_pmun_2010_2022_geo2026_r52.csv"
BANDS = ["P22_POP0014", "P22_POP1529", "P22_POP3044", "P22_POP4559", "P22_POP6074", "P22_POP7589", "P22_POP90P"]


def read(mirror, rel: str, decimal_comma=()) -> pd.DataFrame:
    df = pd.read_csv(mirror / rel, sep=";", dtype=str, keep_default_na=False).set_index("CODGEO")
    return df


def num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.str.replace(",", ".", regex=False).replace({"": None, "s": None, "nd": None}))


@pytest.fixture(scope="module")
def db(warehouse_db, published_db):
    # published_db first: staging it opens the working database read-write, which DuckDB refuses
    # while a read-only connection to the same file is open in this process
    con = duckdb.connect(str(warehouse_db), read_only=True)
    yield con
    con.close()


def obs(con, set_id, territory_id, indicator_id, period):
    row = con.execute(
        """select value, numerator, denominator, status, source_id, note from indicators.observation
           where set_id = ? and territory_id = ? and indicator_id = ? and period = ?""",
        [set_id, territory_id, indicator_id, period]).fetchone()
    assert row is not None, (set_id, territory_id, indicator_id, period)
    return dict(zip(["value", "numerator", "denominator", "status", "source_id", "note"], row))


def members(con, set_id, territory_id) -> list[str]:
    return [r[0] for r in con.execute(
        """select tc.commune_code from ref.territory_commune tc join ref.commune c using (commune_code)
           where tc.set_id = ? and tc.territory_id = ? and c.in_region""", [set_id, territory_id]).fetchall()]


# ------------------------------------------------------------------------------------ age bands


def test_clpe44001_age_band_is_the_sum_of_its_24_communes(db, mirror):
    dossier = read(mirror, DOSSIER)
    codes = members(db, "clpe", "CLPE44001")
    assert len(codes) == 24
    expected = num(dossier.loc[codes, "P22_POP1529"]).sum()
    got = obs(db, "clpe", "CLPE44001", "population_age_1529", "2022")
    assert got["status"] == "ok" and got["source_id"] == "insee_dossier_complet_2022"
    assert got["value"] == pytest.approx(expected, abs=1e-6)
    assert 156_000 < got["value"] < 156_500  # 156 232 and INSEE decimals kept
    assert got["value"] != round(got["value"])


def test_every_clpe_age_bands_add_up_to_its_population_and_to_its_communes(db, mirror):
    dossier = read(mirror, DOSSIER)
    bands = dossier[BANDS].apply(num)
    ids = [r[0] for r in db.execute("select territory_id from ref.territory where set_id = 'clpe'").fetchall()]
    assert len(ids) == 20
    for tid in ids:
        codes = members(db, "clpe", tid)
        total = 0.0
        for band in BANDS:
            ind = "population_age_" + band[len("P22_POP"):].lower()
            got = obs(db, "clpe", tid, ind, "2022")
            assert got["status"] == "ok", (tid, ind)
            assert got["value"] == pytest.approx(bands.loc[codes, band].sum(), abs=1e-6), (tid, ind)
            total += got["value"]
        pop = obs(db, "clpe", tid, "population", "2022")
        assert abs(total - pop["value"]) < 0.01 * len(codes), tid
        shares = sum(obs(db, "clpe", tid, "part_age_" + b[len("P22_POP"):].lower(), "2022")["value"] for b in BANDS)
        assert shares == pytest.approx(100.0)


def test_youth_and_ageing_indicators_of_the_region(db, mirror):
    bands = read(mirror, DOSSIER)[BANDS].apply(num).sum()
    total = bands.sum()
    assert total == pytest.approx(3_879_216, abs=0.5)
    under30 = obs(db, "region", "52", "part_moins_30", "2022")
    assert under30["value"] == pytest.approx(100 * (bands["P22_POP0014"] + bands["P22_POP1529"]) / total)
    assert under30["denominator"] == pytest.approx(total)
    over60 = bands["P22_POP6074"] + bands["P22_POP7589"] + bands["P22_POP90P"]
    assert obs(db, "region", "52", "part_60_plus", "2022")["value"] == pytest.approx(100 * over60 / total)
    iv = obs(db, "region", "52", "indice_vieillissement", "2022")
    assert iv["value"] == pytest.approx(100 * over60 / bands["P22_POP0014"])
    assert iv["numerator"] == pytest.approx(over60) and iv["denominator"] == pytest.approx(bands["P22_POP0014"])


# ------------------------------------------------------------------------------------ activity


def test_nantes_unemployment_rate_census_definition(db, mirror):
    c22 = read(mirror, COMP22)
    chom, act = float(c22.loc["44109", "P22_CHOM1564"]), float(c22.loc["44109", "P22_ACT1564"])
    assert round(chom) == 22425 and round(act) == 168363
    got = obs(db, "commune", "44109", "taux_chomage_rp_1564", "2022")
    assert got["status"] == "ok"
    assert got["numerator"] == pytest.approx(chom) and got["denominator"] == pytest.approx(act)
    assert got["value"] == pytest.approx(100 * chom / act)
    assert round(got["value"], 1) == 13.3


def test_rates_are_recomputed_from_summed_counts(db, mirror):
    c22 = read(mirror, COMP22)
    dossier = read(mirror, DOSSIER)
    codes = members(db, "clpe", "CLPE44001")
    act, pop, chom = (num(c22.loc[codes, v]).sum() for v in ("P22_ACT1564", "P22_POP1564", "P22_CHOM1564"))
    assert obs(db, "clpe", "CLPE44001", "taux_activite_1564", "2022")["value"] == pytest.approx(100 * act / pop)
    assert obs(db, "clpe", "CLPE44001", "taux_chomage_rp_1564", "2022")["value"] == pytest.approx(100 * chom / act)
    young = num(dossier.loc[codes, "P22_CHOM1524"]).sum() / num(dossier.loc[codes, "P22_ACT1524"]).sum()
    assert obs(db, "clpe", "CLPE44001", "taux_chomage_rp_1524", "2022")["value"] == pytest.approx(100 * young)
    # not the mean of the communes' rates
    mean_rate = (100 * num(c22.loc[codes, "P22_CHOM1564"]) / num(c22.loc[codes, "P22_ACT1564"])).mean()
    assert abs(mean_rate - 100 * chom / act) > 0.1
    jobs = num(c22.loc[codes, "P22_EMPLT"]).sum()
    conc = obs(db, "clpe", "CLPE44001", "concentration_emploi", "2022")
    assert conc["value"] == pytest.approx(100 * jobs / (act - chom))
    households = num(c22.loc[codes, "P22_MEN"]).sum()
    alone = num(dossier.loc[codes, "C22_MENPSEUL"]).sum()
    assert obs(db, "clpe", "CLPE44001", "part_menages_personne_seule", "2022")["value"] == pytest.approx(
        100 * alone / households)
    vac, log = num(c22.loc[codes, "P22_LOGVAC"]).sum(), num(c22.loc[codes, "P22_LOG"]).sum()
    assert obs(db, "clpe", "CLPE44001", "part_logements_vacants", "2022")["value"] == pytest.approx(100 * vac / log)


# ------------------------------------------------------------------------------ change 2016-2022


def test_components_of_change_2016_2022_of_the_region(db, mirror):
    c22 = read(mirror, COMP22)
    c22 = c22[c22["P22_POP"] != ""]
    p22, p16 = num(c22["P22_POP"]).sum(), num(c22["P16_POP"]).sum()
    births, deaths = num(c22["NAIS1621"]).sum(), num(c22["DECE1621"]).sum()
    assert p22 == 3_879_216 and p16 == 3_737_632
    assert obs(db, "region", "52", "naissances", "2016-2022")["value"] == births
    assert obs(db, "region", "52", "solde_naturel", "2016-2022")["value"] == births - deaths
    assert obs(db, "region", "52", "solde_migratoire_apparent", "2016-2022")["value"] == (p22 - p16) - (births - deaths)
    total = obs(db, "region", "52", "population_variation_annuelle_rp", "2016-2022")
    assert total["value"] == pytest.approx(((p22 / p16) ** (1 / 6) - 1) * 100)
    nat = obs(db, "region", "52", "variation_annuelle_solde_naturel", "2016-2022")
    assert nat["value"] == pytest.approx(100 * (births - deaths) / (6 * (p16 + p22) / 2))
    mig = obs(db, "region", "52", "variation_annuelle_solde_migratoire", "2016-2022")
    assert nat["value"] + mig["value"] == pytest.approx(total["value"])
    assert mig["numerator"] == (p22 - p16) - (births - deaths)


def test_change_since_2011_uses_the_grouped_population_of_essarts(db, mirror):
    dossier = read(mirror, DOSSIER)
    p11 = num(dossier["P11_POP"])
    assert p11.isna().sum() == 2  # L'Oie, Sainte-Florence: counted within Essarts-en-Bocage in 2011
    region = obs(db, "region", "52", "population_rp2011", "2011")
    assert region["status"] == "ok" and region["value"] == p11.sum()
    for code in ("85084", "85165", "85212"):
        got = obs(db, "commune", code, "population_rp2011", "2011")
        assert got["status"] == "missing" and got["value"] is None
        assert "Essarts-en-Bocage" in got["note"]
    epci = db.execute("select territory_id from ref.territory_commune where set_id = 'epci' and commune_code = '85084'"
                      ).fetchone()[0]
    assert obs(db, "epci", epci, "population_rp2011", "2011")["status"] == "ok"
    assert obs(db, "commune", "85084", "population_variation_annuelle_rp", "2011-2022")["status"] == "missing"


# ------------------------------------------------------------------------------------ RP2018


def test_rp2018_mapping_reaches_the_1228_communes_and_keeps_regional_totals(db, mirror):
    c18 = read(mirror, COMP18)
    assert len(c18) == 1236
    mapped = population._rp2018_frame(db)
    codes_2026 = {r[0] for r in db.execute("select commune_code from ref.commune where in_region").fetchall()}
    assert len(codes_2026) == 1228
    assert set(mapped["commune_code"]) == codes_2026
    for decl in population._census_counts():
        if decl.source_id != population.CMP18:
            continue
        ind, var, period = decl.id, decl.column, decl.period
        expected = num(c18[var]).sum()
        part = mapped[mapped["indicator_id"] == ind]
        assert len(part) == 1228 and part["commune_code"].is_unique
        assert part["value"].sum() == pytest.approx(expected, rel=1e-12), ind
        region = obs(db, "region", "52", ind, period)
        assert region["status"] == "ok" and region["value"] == pytest.approx(expected, rel=1e-12), ind
        clpe = db.execute("select sum(value), count(*) filter (where status <> 'ok') from indicators.observation "
                          "where set_id = 'clpe' and indicator_id = ? and period = ?", [ind, period]).fetchone()
        assert clpe[1] == 0 and clpe[0] == pytest.approx(expected, rel=1e-12), ind
    assert obs(db, "region", "52", "population_rp2018", "2018")["value"] == 3_781_423
    # the group of communes restored in 2022 is whole in every standard territory but the communes
    restored = KNOWN_SPLITS["85084"]["restored"]
    for code in ("85084", *restored):
        got = obs(db, "commune", code, "population_rp2018", "2018")
        assert got["status"] == "missing" and got["value"] is None
    assert obs(db, "commune", "44109", "population_rp2018", "2018")["value"] == float(c18.loc["44109", "P18_POP"])


def test_unemployment_change_since_2018(db, mirror):
    c18 = read(mirror, COMP18)
    got = obs(db, "commune", "44109", "taux_chomage_rp_1564_rp2018", "2018")
    assert got["value"] == pytest.approx(100 * float(c18.loc["44109", "P18_CHOM1564"]) / float(c18.loc["44109", "P18_ACT1564"]))
    jobs = obs(db, "region", "52", "emplois_variation_annuelle", "2018-2022")
    assert jobs["value"] == pytest.approx(((jobs["numerator"] / jobs["denominator"]) ** 0.25 - 1) * 100)
    assert jobs["denominator"] == pytest.approx(num(c18["P18_EMPLT"]).sum())


# ------------------------------------------------------------------------------------ income


def test_income_published_for_communes_only(db, mirror):
    c22 = read(mirror, COMP22)
    nantes = obs(db, "commune", "44109", "revenu_median", "2021")
    assert nantes["status"] == "ok" and nantes["value"] == float(c22.loc["44109", "MED21"]) == 24170
    assert obs(db, "commune", "44109", "taux_pauvrete", "2021")["value"] == 17.0
    secret = c22.index[(c22["TP6021"] == "s") & (c22["P22_POP"] != "")][0]
    got = obs(db, "commune", secret, "taux_pauvrete", "2021")
    assert got["status"] == "secret" and got["value"] is None
    assert obs(db, "commune", "49126", "revenu_median", "2021")["status"] == "missing"  # empty cells
    for set_id, tid in (("region", "52"), ("departement", "44"), ("clpe", "CLPE44001")):
        for ind in ("revenu_median", "taux_pauvrete"):
            got = obs(db, set_id, tid, ind, "2021")
            assert got["status"] == "missing" and got["value"] is None
            assert got["note"] == "non additif : publié par l'INSEE pour les communes seulement"


# ------------------------------------------------------------------------------------ quality


def test_quality_rules_pass(db):
    assert quality.unique_observation_keys(db) == []
    assert quality.statuses_valid(db) == []
    assert quality.regional_totals(db) == []
    n = db.execute("select count(*) from indicators.observation where status = 'ok' and value is null").fetchone()[0]
    assert n == 0
    ids = {i.id for i in population.INDICATORS}
    for required in ("population", "population_variation_annuelle_longue", "population_variation_annuelle_5ans",
                     "population_age_0014", "population_age_1529", "population_age_3044", "population_age_4559",
                     "population_age_6074", "population_age_7589", "population_age_90p", "part_age_0014",
                     "part_moins_30", "part_60_plus", "indice_vieillissement", "taux_activite_1564",
                     "taux_chomage_rp_1564", "population_rp2018", "emplois_rp2018", "revenu_median", "taux_pauvrete"):
        assert required in ids, required
    present = {r[0] for r in db.execute(
        "select distinct indicator_id from indicators.observation where set_id = 'clpe'").fetchall()}
    assert ids <= present


def test_age_bands_not_adding_up_are_rejected(tmp_path, mirror):
    """A dossier complet whose age bands do not add up to the 2022 population stops the pipeline with
    an error naming the file, the line, the columns and the commune."""
    mirror2 = tmp_path / "mirror"
    (mirror2 / "insee_rp").mkdir(parents=True)
    shutil.copy(mirror / POPS, mirror2 / POPS)
    lines = (mirror / DOSSIER).read_text(encoding="ascii").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(";")
    col = header.index("P22_POP1529")
    line_no = next(i for i, line in enumerate(lines, start=1) if line.startswith("44109;"))
    cells = lines[line_no - 1].rstrip("\n").split(";")
    cells[col] = str(float(cells[col]) + 250)
    lines[line_no - 1] = ";".join(cells) + "\n"
    (mirror2 / DOSSIER).write_text("".join(lines), encoding="ascii")
    with warehouse.connect(tmp_path / "work.duckdb") as con:
        for ds in ("insee_pop_historiques", "insee_dossier_complet_2022"):
            stages.ingest(con, ds, mirror_dir=mirror2)  # the parser itself accepts the file
        warehouse.run_sql_file(con, "commune_values")
        with pytest.raises(SourceFormatError) as err:
            population.commune_values(con)
    e = err.value
    assert e.dataset_id == "insee_dossier_complet_2022"
    assert e.path.endswith("dossier_complet_light_rp2022_r52.csv")
    assert e.line == line_no
    assert "P22_POP1529" in e.column and "P22_POP0014" in e.column
    assert "44109" in str(e) and "325070.00" in str(e) and "325320.00" in str(e)


# ------------------------------------------------------------------------------------ section


def test_population_section_of_clpe44001(published_db, mirror):
    from reports import render
    from reports.portrait import portrait_context
    from reports.formatting import percent

    with duckdb.connect(str(published_db), read_only=True) as con:
        ctx = portrait_context(con, "clpe", "CLPE44001")
        section = next(s for s in ctx["sections"] if s["id"] == "population")
        assert len(section["key_figures"]) <= 3
        labels = [k["label"] for k in section["key_figures"]]
        assert any("moins de 30 ans" in lab for lab in labels)
        assert len(section["charts"]) <= 3 and all(v.startswith("data:image/svg+xml;base64,") for v in section["charts"].values())
        html = render.render("portrait.html.j2", **ctx)
    dossier = read(mirror, DOSSIER)
    codes = [c for c in dossier.index if c in set(members_from_published(published_db, "CLPE44001"))]
    b = dossier.loc[codes, BANDS].apply(num).sum()
    share = 100 * (b["P22_POP0014"] + b["P22_POP1529"]) / b.sum()
    assert percent(share, 1) in html  # "40,1 %" with a no-break space
    assert "Structure par âge en 2022" in html and "Taux de chômage des 15-64 ans" in html
    assert "non additif" not in html  # explained in prose, not as a note
    assert "ne s'additionnent pas" in html
    assert html.count('<img src="data:image/svg+xml') >= 3
    for alt in ('alt="Graphique en barres horizontales', 'alt="Graphique en barres : taux de chômage'):
        assert alt in html


def members_from_published(path, territory_id) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return members(con, "clpe", territory_id)


def test_charts_leave_unknown_values_blank():
    from reports import charts_population

    series = [{"label": "Territoire", "role": "territoire", "values": [10.0, None, 30.0]},
              {"label": "Région", "role": "region", "values": [12.0, 20.0, 28.0]}]
    ns = {"s": "http://www.w3.org/2000/svg"}

    def bars(svg_text):
        root = ET.fromstring(svg_text)
        return [r for g in root.findall(".//s:g", ns) if g.get("id", "").startswith("bars_")
                for r in g.findall("s:rect", ns)]

    got = bars(charts_population.age_structure(["a", "b", "c"], series, year="2022"))
    assert len(got) == 5  # the unknown value has no bar (never drawn as 0)
    got = bars(charts_population.rates_by_group(["a", "b", "c"], series, "Titre"))
    assert len(got) == 5 and all(not math.isnan(float(r.get("height"))) for r in got)
    # every series drawn with nothing known: no bar, no error
    empty = [{"label": "T", "role": "territoire", "values": [None, None, None]}]
    assert bars(charts_population.rates_by_group(["a", "b", "c"], empty, "Titre")) == []
