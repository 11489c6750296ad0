"""DARES tension indicators and the list of occupations in shortage, on the real files of the mirror."""

from __future__ import annotations


import pytest

from sources import dares
from sources.errors import SourceFormatError

from .rewrite import rewrite

TENSIONS = "dares/dares_tensions_fap_2019_nat_reg52_dep_pdl.csv"
METIERS = "dares/liste_metiers_en_tension_arrete_mars2024_pdl.csv"


@pytest.fixture(scope="module")
def tensions(mirror):
    return dares.parse_tensions(mirror / TENSIONS)


def test_tensions_spot_checks(tensions):
    nat = tensions[(tensions["geo_level"] == "nat") & (tensions["fap_level"] == "fap225")].set_index("fap_code")
    assert round(nat.loc["B7Z91", "tension"], 2) == 2.58 and nat.loc["B7Z91", "tension_category"] == 5
    assert round(nat.loc["C2Z71", "tension"], 2) == 3.42
    assert round(nat.loc["U1Z91", "tension"], 2) == -1.66 and nat.loc["U1Z91", "tension_category"] == 1
    reg = tensions[(tensions["geo_level"] == "reg") & (tensions["fap_level"] == "fap225")].set_index("fap_code")
    a0z40 = reg.loc["A0Z40"]
    assert a0z40["geo_code"] == "52" and a0z40["emploi_moyen"] == 3400
    assert round(a0z40["tension"], 3) == -0.298 and a0z40["tension_category"] == 2


def test_tensions_geography(tensions):
    assert len(tensions) == 1841
    assert set(tensions["geo_level"]) == {"nat", "reg", "dep"}  # 'reg ' (trailing space) normalised
    counts = tensions.groupby("geo_level").size().to_dict()
    assert counts == {"nat": 263, "reg": 263, "dep": 1315}
    assert set(tensions.loc[tensions["geo_level"] == "reg", "geo_code"]) == {"52"}  # not '52.0'
    assert set(tensions.loc[tensions["geo_level"] == "dep", "geo_code"]) == {"44", "49", "53", "72", "85"}
    assert set(tensions["geo_code"][tensions["geo_level"] == "nat"]) == {"FR"}
    assert tensions.groupby("fap_level").size().to_dict() == {"fap225": 1302, "fap87": 539}
    assert (tensions["year"] == 2019).all()


def test_tensions_not_computed(tensions):
    missing = tensions[tensions["status"] == "missing"]
    assert len(missing) == 530
    assert missing.groupby("geo_level").size().to_dict() == {"dep": 504, "reg": 26}
    components = ["tension_category", "intensite_embauches", "lien_formation_emploi", "manque_main_oeuvre",
                  "non_durabilite_emploi", "conditions_travail", "inadequation_geographique"]
    assert missing[components].isna().all().all()
    assert missing["tension"].notna().all()
    ok = tensions[tensions["status"] == "ok"]
    assert ok[components].notna().all().all() and ok[components].isin([1, 2, 3, 4, 5]).all().all()


def test_metiers_en_tension(mirror, tensions):
    df = dares.parse_metiers_en_tension(mirror / METIERS)
    assert list(df.columns) == ["region", "label", "fap_code"]
    assert df["region"].value_counts().to_dict() == {"Pays de la Loire": 30, "France Entière": 4}
    by_fap = df.set_index("fap_code")["label"]
    assert by_fap["T4Z61"] == "Agents de services hospitaliers"
    assert by_fap["B4Z41"] == "Plombiers, chauffagistes"  # ';' of the third-party table restored
    assert not df["label"].str.contains(";").any()
    assert set(df["fap_code"]) <= set(tensions["fap_code"])  # same FAP-2009 nomenclature


def test_tension_not_a_number(mirror, tmp_path):
    def edit(rows):
        rows[30][2] = "2,58"

    with pytest.raises(SourceFormatError) as err:
        dares.parse_tensions(rewrite(mirror / TENSIONS, tmp_path / "tensions.csv", edit, keep=300))
    msg = str(err.value)
    assert "tensions.csv" in msg and "line 31" in msg and "'Tension'" in msg and "'2,58'" in msg


def test_component_out_of_range(mirror, tmp_path):
    def edit(rows):
        rows[2][5] = "7.0"

    with pytest.raises(SourceFormatError) as err:
        dares.parse_tensions(rewrite(mirror / TENSIONS, tmp_path / "tensions.csv", edit, keep=300))
    msg = str(err.value)
    assert "line 3" in msg and "Lien formation-emploi" in msg and "'7.0'" in msg


def test_unknown_geo_level(mirror, tmp_path):
    def edit(rows):
        rows[200][11] = "region"

    with pytest.raises(SourceFormatError) as err:
        dares.parse_tensions(rewrite(mirror / TENSIONS, tmp_path / "tensions.csv", edit, keep=300))
    msg = str(err.value)
    assert "line 201" in msg and "niveau_geo" in msg and "'region'" in msg


def test_metiers_malformed_fap(mirror, tmp_path):
    def edit(rows):
        rows[6][2] = "T4Z6"

    with pytest.raises(SourceFormatError) as err:
        dares.parse_metiers_en_tension(rewrite(mirror / METIERS, tmp_path / "metiers.csv", edit))
    msg = str(err.value)
    assert "metiers.csv" in msg and "line 7" in msg and "'T4Z6'" in msg


def test_datasets(mirror):
    ids = {d.id: d for d in dares.DATASETS}
    assert set(ids) == {"dares_tensions_2019", "metiers_en_tension_2024"}
    for d in ids.values():
        assert (mirror / d.mirror_path).is_file() and d.url.startswith("https://") and d.note
