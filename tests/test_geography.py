"""One commune geography (COG 2026): history, mapping of tables and contours, territory geometries.

Real files of the mirror; the few hand-written frames are tiny synthetic cases."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from portraits import geography as g
from sources import clpe, cog, cog_history, contours, zonages
from sources.errors import SourceFormatError

GONE_2024 = {"49069": "49126", "72287": "72155", "72298": "72382", "85021": "85076", "85233": "85223"}
GONE_2021 = {"49321": "49160", "85037": "85289", "85041": "85292", "85053": "85289", "85271": "85292",
             "85307": "85001"}


@pytest.fixture(scope="module")
def cog26(mirror):
    return cog.parse_communes(mirror / "cog/decoupage-administratif-6.0.0_communes_r52.json")


@pytest.fixture(scope="module")
def cog24(mirror):
    return cog.parse_communes(mirror / "cog/decoupage-administratif-4.1.0_communes_r52.json",
                              dataset_id="cog_communes_2024")


@pytest.fixture(scope="module")
def vcom24(mirror):
    return cog_history.parse_v_commune(mirror / "cog/v_commune_2024_r52.csv")


@pytest.fixture(scope="module")
def history(cog26, cog24, vcom24):
    return g.commune_history(cog26, cog24, vcom24)


@pytest.fixture(scope="module")
def current26(cog26):
    return set(cog26.loc[cog26["type"] == "commune-actuelle", "code"])


@pytest.fixture(scope="module")
def contours24(mirror):
    return contours.parse_communes(mirror / "contours/communes_r52_cog2024.geojson")


@pytest.fixture(scope="module")
def communes26_gdf(contours24, history):
    return g.dissolve_contours(contours24, history)


@pytest.fixture(scope="module")
def comparateur2018(mirror):
    return pd.read_csv(mirror / "insee_rp/base_cc_comparateur_rp2018_geo2021_r52.csv", sep=";",
                       dtype={"CODGEO": str})


# --- parsers ----------------------------------------------------------------------------------


def test_contours_parsers(mirror, contours24):
    assert len(contours24) == 1232 and contours24.crs.to_epsg() == 4326
    assert list(contours24.columns) == ["commune_code", "label", "departement", "epci_siren", "area_m2",
                                        "geometry"]
    nantes = contours24.set_index("commune_code").loc["44109"]
    assert nantes["label"] == "Nantes" and nantes["area_m2"] / 1e6 == pytest.approx(65.64, abs=0.01)
    deps = contours.parse_departements(mirror / "contours/departements_r52_cog2024.geojson")
    assert list(deps["departement_code"]) == ["44", "49", "53", "72", "85"]
    region = contours.parse_region(mirror / "contours/region_r52_cog2024.geojson")
    assert region["label"].item() == "Pays de la Loire"
    assert region.to_crs(g.LAMBERT93).area.item() / 1e6 == pytest.approx(32358, abs=1)


def test_contours_etalab_layout_is_cut_to_the_region(tmp_path):
    f = tmp_path / "communes-100m.geojson"
    square = "[[[-1.5,47.2],[-1.4,47.2],[-1.4,47.3],[-1.5,47.2]]]"
    f.write_text(
        '{"type":"FeatureCollection","features":['
        f'{{"type":"Feature","properties":{{"code":"44109","nom":"Nantes","departement":"44","region":"52"}},'
        f'"geometry":{{"type":"Polygon","coordinates":{square}}}}},'
        f'{{"type":"Feature","properties":{{"code":"35236","nom":"Redon","departement":"35","region":"53"}},'
        f'"geometry":{{"type":"Polygon","coordinates":{square}}}}}]}}',
        encoding="utf-8",
    )
    gdf = contours.parse_communes(f)
    assert list(gdf["commune_code"]) == ["44109"] and gdf["area_m2"].isna().all()


def test_contours_unknown_layout(tmp_path):
    f = tmp_path / "x.geojson"
    f.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"INSEE":"44109"},'
                 '"geometry":{"type":"Point","coordinates":[-1.5,47.2]}}]}', encoding="utf-8")
    with pytest.raises(SourceFormatError, match="unknown property layout"):
        contours.parse_communes(f)


def test_zonages(mirror):
    z = zonages.parse(mirror / "zonages/communes_zonages_r52_2024.csv")
    assert len(z) == 1232
    nantes = z.set_index("commune_code").loc["44109"]
    assert (nantes["ze2020"], nantes["ze2020_label"], nantes["bv2022"], nantes["epci"]) == (
        "5216", "Nantes", "44109", "244400404")
    assert z.set_index("commune_code").loc["85113", "epci"] == "ZZZZZZZZZ"
    assert z["ze2020"].nunique() == 23 and z["bv2022"].nunique() == 139


def test_v_commune_2024(vcom24):
    assert vcom24["type"].value_counts().to_dict() == {"COM": 1232, "COMD": 347, "COMA": 11}
    anetz = vcom24.set_index("code").loc["44004"]
    assert (anetz["type"], anetz["parent_code"], anetz["name"]) == ("COMD", "44163", "Anetz")


# --- history ----------------------------------------------------------------------------------


def test_history_maps_every_vanished_code(history, current26):
    m = dict(zip(history["old_code"], history["new_code"]))
    for old, new in {**GONE_2024, **GONE_2021, "44017": "44180", "79224": "49099"}.items():
        assert m[old] == new, old
    assert not set(history["old_code"]) & current26  # a 2026 commune is never an old code
    assert set(history["new_code"]) <= current26  # chains are followed to the end
    assert history["old_code"].is_unique
    assert history.attrs["current_codes"] == current26


def test_history_kinds_and_dates(history):
    h = history.set_index("old_code")
    assert h.loc["72287", "kind"] == "merged_after_2024"
    assert h.loc["72287", "effective_date"] == dt.date(2025, 1, 1)
    assert (h.loc["72287", "old_name"], h.loc["72287", "new_name"]) == ("Saint-Gervais-en-Belin",
                                                                        "Laigné-Saint-Gervais")
    # 49069 was Orée d'Anjou's code in 2024; the same territory is 49126 in 2026: a re-coding
    assert h.loc["49069", "kind"] == "recoded_after_2024" and h.loc["49069", "effective_date"] is None
    assert h.loc["85037", "kind"] == "delegated" and h.loc["85037", "effective_date"] is None
    assert h["effective_date"].notna().sum() == 4


def test_history_follows_chains_across_vintages():
    """A delegated commune of 2024 whose commune merged by 2026 lands on the 2026 commune."""
    c24 = pd.DataFrame({
        "code": ["10001", "10002", "10003"], "name": ["A", "B", "C (déléguée de A)"],
        "type": ["commune-actuelle", "commune-actuelle", "commune-deleguee"],
        "parent_code": ["", "", "10001"], "former_codes": ["10003", "", ""],
    })
    c26 = pd.DataFrame({
        "code": ["10002", "10001"], "name": ["AB", "A (déléguée)"],
        "type": ["commune-actuelle", "commune-deleguee"], "parent_code": ["", "10002"],
        "former_codes": ["10001", ""],
    })
    h = g.commune_history(c26, c24)
    assert dict(zip(h["old_code"], h["new_code"])) == {"10001": "10002", "10003": "10002"}


# --- tables -----------------------------------------------------------------------------------


def test_comparateur_2021_lands_on_the_1228_communes(comparateur2018, history, current26):
    df = comparateur2018
    assert len(df) == 1236
    out = g.to_2026(df, "CODGEO", history, ["P18_POP", "P13_POP", "NAIS1318", "P18_LOG"],
                    ["MED19", "TP6019", "SUPERF"], geography_year=2021)
    assert len(out) == 1228 and set(out["CODGEO"]) == current26
    for col in ("P18_POP", "P13_POP", "NAIS1318"):
        assert out[col].sum() == df[col].sum()
    assert out["P18_POP"].sum() == 3_781_423
    o = out.set_index("CODGEO")
    # a merger: counts summed, rates and medians blanked
    assert o.loc["72155", "P18_POP"] == 2331 + 2048 and pd.isna(o.loc["72155", "MED19"])
    assert o.loc["72155", "merged"] and o.loc["72155", "source_codes"] == "72155|72287"
    assert o.loc["85289", "source_codes"] == "85037|85053|85289"
    # a re-coding (49069 → 49126): the same territory, every value kept
    assert o.loc["49126", "MED19"] == 21510 and not o.loc["49126", "merged"]
    # a restoration: 2021 Essarts-en-Bocage covered L'Oie and Sainte-Florence
    assert o.loc["85084", "P18_POP"] == 9053 and o.loc["85084", "group_codes"] == "85084|85165|85212"
    assert pd.isna(o.loc["85165", "P18_POP"]) and o.loc["85165", "merged"]
    assert o["merged"].sum() == 8 + 3


def test_without_geography_year_no_split(comparateur2018, history):
    out = g.to_2026(comparateur2018, "CODGEO", history, ["P18_POP"])
    assert len(out) == 1226 and "85165" not in set(out["CODGEO"])


def test_to_2026_secret_parts_and_long_tables(history):
    df = pd.DataFrame({"code": ["72155", "72287", "72155", "72287", "44109"],
                       "year": [2020, 2020, 2021, 2021, 2021],
                       "jobs": [10.0, None, 12.0, 3.0, 100.0], "rate": [0.1, 0.2, 0.3, 0.4, 0.5]})
    out = g.to_2026(df, "code", history, ["jobs"], ["rate"], by=["year"]).set_index(["code", "year"])
    assert pd.isna(out.loc[("72155", 2020), "jobs"])  # a secret part makes the sum unknown
    assert out.loc[("72155", 2021), "jobs"] == 15 and pd.isna(out.loc[("72155", 2021), "rate"])
    assert out.loc[("44109", 2021), "rate"] == 0.5 and not out.loc[("44109", 2021), "merged"]


def test_to_2026_unknown_codes_are_listed(history):
    df = pd.DataFrame({"code": ["44109", "99999", "44999"], "n": [1, 2, 3]})
    with pytest.raises(g.UnknownCommuneCodes) as err:
        g.to_2026(df, "code", history, ["n"])
    assert err.value.codes == ["44999", "99999"] and "44999, 99999" in str(err.value)


def test_zonages_2024_land_on_2026(mirror, history, current26):
    z = zonages.parse(mirror / "zonages/communes_zonages_r52_2024.csv")
    mapped = g.map_codes(z["commune_code"], history)
    assert set(mapped) == current26


# --- contours ---------------------------------------------------------------------------------


def test_dissolve_contours(communes26_gdf, current26, cog26):
    gdf = communes26_gdf
    assert len(gdf) == 1228 and set(gdf["commune_code"]) == current26
    c = gdf.set_index("commune_code")
    assert c.loc["72155", "label"] == "Laigné-Saint-Gervais" and c.loc["72155", "n_source_communes"] == 2
    assert c.loc["49126", "label"] == "Orée d'Anjou" and c.loc["49126", "n_source_communes"] == 1
    names = cog26[cog26["type"] == "commune-actuelle"].set_index("code")["name"]
    assert (c["label"] == names.reindex(c.index)).all()
    assert gdf.to_crs(g.LAMBERT93).area.sum() / 1e6 == pytest.approx(32358, abs=1)
    assert gdf.geometry.is_valid.all()


def test_territory_geometries_clpe(mirror, communes26_gdf, contours24):
    k = clpe.parse(mirror / "territoires_efop/clpe_france_travail_pdl_communes.csv")
    members = k.assign(set_id="clpe")[["set_id", "territory_id", "commune_code"]]
    t = g.territory_geometries(members, communes26_gdf).set_index("territory_id")
    assert len(t) == 20
    nm = k.loc[k["territory_id"] == "CLPE44001", "commune_code"]
    assert len(nm) == 24
    area_sum = contours24.loc[contours24["commune_code"].isin(nm), "area_m2"].sum() / 1e6
    assert t.loc["CLPE44001", "area_km2"] == pytest.approx(area_sum, rel=0.01)  # 531.9 vs 533.8 km²
    assert t.loc["CLPE44001", "geometry"].geom_type == "Polygon"
    # out-of-region communes have no contour: the geometry covers the region part only
    assert t.loc["CLPE44003", "n_communes_without_contour"] == 3
    assert t.loc["CLPE72002", "n_communes_without_contour"] == 2
    # the territories of the region tile it
    assert t["area_km2"].sum() == pytest.approx(32358, abs=1)
