"""INSEE localised unemployment rates and zones d'emploi 2020, on the real files of the mirror."""

from __future__ import annotations


import pytest

from sources import chomage
from sources.errors import SourceFormatError

from .rewrite import rewrite

ZE = "insee/insee_taux_chomage_localise_zone_emploi_2003T1_2023T3_pdl.csv"
PARTS = "insee/insee_taux_chomage_localise_ze_parties_regionales_2003T1_2023T3_pdl.csv"
BDM = "insee/insee_bdm_taux_chomage_localise_region_dep_2000T1_2024T4_pdl.csv"
COMPOSITION = "insee/insee_ze2020_composition_communale_geo2023_pdl.csv"


def test_ze_rates(mirror):
    df = chomage.parse_ze_rates(mirror / ZE)
    assert list(df.columns) == ["ze_code", "ze_label", "kind", "region", "quarter", "rate"]
    assert df["ze_code"].nunique() == 23 and df["quarter"].nunique() == 83
    assert df["quarter"].min() == "2003-T1" and df["quarter"].max() == "2023-T3"
    last = df[df["quarter"] == "2023-T3"].set_index("ze_code")["rate"]
    assert last["5216"] == 5.5 and last["5202"] == 7.0 and last["5212"] == 7.7 and last["5220"] == 7.3
    assert last["5213"] == 3.5 and last.idxmin() == "5213"
    assert last["5211"] == 4.9 and last["5219"] == 6.0
    zones = df.drop_duplicates("ze_code").set_index("ze_code")
    assert zones.loc["5216", "ze_label"] == "Nantes" and zones.loc["5220", "ze_label"] == "Saumur"
    assert zones.loc["0051", "region"] == "00" and zones.loc["5216", "region"] == "52"
    assert (df["kind"] == "ze").all()


def test_ze_parts_rates(mirror):
    df = chomage.parse_ze_rates(mirror / PARTS)
    last = df[df["quarter"] == "2023-T3"].set_index("ze_code")["rate"]
    assert last.to_dict() == {"5251": 6.2, "5262": 7.9}
    assert (df["kind"] == "ze_partie_reg").all() and (df["region"] == "52").all()


def test_bdm_rates(mirror):
    df = chomage.parse_bdm_rates(mirror / BDM)
    assert list(df.columns) == ["geo_code", "label", "id_bank", "quarter", "rate"]
    assert df["quarter"].nunique() == 100
    last = df[df["quarter"] == "2024-T4"].set_index("geo_code")["rate"].to_dict()
    assert last == {"FM": 7.1, "52": 5.9, "44": 5.6, "49": 6.3, "53": 5.2, "72": 7.1, "85": 5.3}
    labels = df.drop_duplicates("geo_code").set_index("geo_code")["label"]
    assert labels["52"] == "Pays de la Loire" and labels["FM"] == "France métropolitaine"


def test_bdm_idbank_without_leading_zeros(mirror, tmp_path):
    def edit(rows):
        rows[2][1] = "1515854"

    df = chomage.parse_bdm_rates(rewrite(mirror / BDM, tmp_path / "bdm.csv", edit))
    assert df.query("geo_code == '52' and quarter == '2024-T4'")["rate"].item() == 5.9


def test_ze_composition(mirror):
    df = chomage.parse_ze_composition(mirror / COMPOSITION)
    assert list(df.columns) == ["commune_code", "commune_name", "ze_code", "ze_label", "ze_partie_reg",
                                "zer_code", "departement"]
    assert len(df) == 1233 and df["commune_code"].is_unique
    by_code = df.set_index("commune_code")
    assert by_code.loc["44109", "ze_code"] == "5216" and by_code.loc["44007", "ze_partie_reg"] == "0062-52"
    assert df["zer_code"].value_counts().to_dict() == {"": 1154, "5251": 72, "5262": 7}
    parts = chomage.parse_ze_rates(mirror / PARTS)
    assert set(df["zer_code"]) - {""} == set(parts["ze_code"])
    rates = chomage.parse_ze_rates(mirror / ZE)
    assert set(df["ze_code"]) == set(rates["ze_code"])


def test_ze_rate_not_a_number(mirror, tmp_path):
    def edit(rows):
        rows[5][50] = "5.5*"

    with pytest.raises(SourceFormatError) as err:
        chomage.parse_ze_rates(rewrite(mirror / ZE, tmp_path / "ze.csv", edit))
    msg = str(err.value)
    assert "ze.csv" in msg and "line 6" in msg and "'5.5*'" in msg


def test_ze_decimal_comma_accepted(mirror, tmp_path):
    def edit(rows):
        for r in rows[1:]:
            r[4:] = [v.replace(".", ",") for v in r[4:]]

    df = chomage.parse_ze_rates(rewrite(mirror / ZE, tmp_path / "ze.csv", edit))
    assert df.query("ze_code == '5216' and quarter == '2023-T3'")["rate"].item() == 5.5


def test_ze_malformed_code(mirror, tmp_path):
    def edit(rows):
        rows[3][0] = "521"

    with pytest.raises(SourceFormatError) as err:
        chomage.parse_ze_rates(rewrite(mirror / ZE, tmp_path / "ze.csv", edit))
    msg = str(err.value)
    assert "line 4" in msg and "ZE2020" in msg and "'521'" in msg


def test_bdm_unknown_idbank(mirror, tmp_path):
    def edit(rows):
        rows[4][1] = "001515999"

    with pytest.raises(SourceFormatError) as err:
        chomage.parse_bdm_rates(rewrite(mirror / BDM, tmp_path / "bdm.csv", edit))
    msg = str(err.value)
    assert "bdm.csv" in msg and "line 5" in msg and "'001515999'" in msg and "idBank" in msg


def test_composition_part_of_another_zone(mirror, tmp_path):
    def edit(rows):
        row = next(r for r in rows if r[0] == "44007")
        row[4] = "0051-52"

    with pytest.raises(SourceFormatError) as err:
        chomage.parse_ze_composition(rewrite(mirror / COMPOSITION, tmp_path / "compo.csv", edit, keep=300))
    msg = str(err.value)
    assert "compo.csv" in msg and "line 7" in msg and "'0051-52'" in msg


def test_composition_changed_header(mirror, tmp_path):
    def edit(rows):
        rows[0][2] = "ZE"

    with pytest.raises(SourceFormatError, match=r"line 1.*ZE2020"):
        chomage.parse_ze_composition(rewrite(mirror / COMPOSITION, tmp_path / "compo.csv", edit, keep=300))


def test_datasets(mirror):
    ids = {d.id: d for d in chomage.DATASETS}
    assert set(ids) == {"insee_chomage_ze", "insee_chomage_ze_parties", "insee_chomage_dep_reg",
                        "insee_ze2020_communes"}
    for d in ids.values():
        assert (mirror / d.mirror_path).is_file() and d.note
        assert d.url.startswith("https://")
    assert all(d.layout == "derived" for d in ids.values())  # Excel workbooks / SDMX online
