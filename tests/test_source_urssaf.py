"""URSSAF parsers, on the real files of the mirror (spot checks of urssaf/SOURCE.md)."""

from __future__ import annotations


import pytest

from sources import urssaf
from sources.errors import SourceFormatError

from .rewrite import rewrite

EFFECTIFS = "urssaf/urssaf_effectifs_salaries_prive_commune_2015_2025_pdl.csv"
SECTEURS = "urssaf/urssaf_effectifs_etab_commune_x_grand_secteur_2025_pdl.csv"


@pytest.fixture(scope="module")
def effectifs(mirror):
    return urssaf.parse_effectifs_commune(mirror / EFFECTIFS)


@pytest.fixture(scope="module")
def secteurs(mirror):
    return urssaf.parse_secteurs_2025(mirror / SECTEURS)


def test_effectifs_totals(effectifs):
    assert list(effectifs.columns) == ["commune_code", "year", "value", "status"]
    assert effectifs["commune_code"].nunique() == 1228
    assert len(effectifs) == 1228 * 11
    totals = effectifs.groupby("year")["value"].sum()
    assert totals[2015] == 999_450 and totals[2019] == 1_084_299 and totals[2020] == 1_085_293
    assert totals[2024] == 1_170_574 and totals[2025] == 1_164_961
    y2025 = effectifs[effectifs["year"] == 2025].set_index("commune_code")["value"]
    by_dep = y2025.groupby(y2025.index.str[:2]).sum().to_dict()
    assert by_dep == {"44": 499_548, "49": 231_310, "53": 85_171, "72": 148_845, "85": 200_087}
    assert y2025["44109"] == 133_493 and y2025["49007"] == 54_105 and y2025["72181"] == 58_572
    assert y2025["44162"] == 51_827 and y2025["85191"] == 29_582 and y2025["53130"] == 23_163
    nantes = effectifs[effectifs["commune_code"] == "44109"].set_index("year")["value"]
    assert nantes[2015] == 110_058 and nantes[2023] == 135_756


def test_effectifs_blank_is_missing_never_zero(effectifs):
    y2025 = effectifs[effectifs["year"] == 2025]
    missing = y2025[y2025["status"] == "missing"]
    assert len(missing) == 15
    assert missing["value"].isna().all()
    assert {"49038", "72018"} <= set(missing["commune_code"])
    # the same 15 communes are blank every year; zeros stay real zeros with status ok
    assert (effectifs["status"] == "missing").sum() == 15 * 11
    zeros = y2025[y2025["value"] == 0]
    assert len(zeros) == 38 and (zeros["status"] == "ok").all()


def test_secteurs(secteurs, effectifs):
    assert list(secteurs.columns) == ["commune_code", "year", "sector_code", "sector_label", "employees",
                                      "establishments"]
    assert len(secteurs) == 5523 and (secteurs["year"] == 2025).all()
    by_sector = secteurs.groupby("sector_code")["employees"].sum().to_dict()
    assert by_sector == {"GS1": 259_723, "GS2": 101_180, "GS3": 189_859, "GS4": 52_803, "GS5": 372_858,
                         "GS6": 38_093, "GS7": 150_445}
    assert secteurs["establishments"].sum() == 98_347
    assert set(secteurs["sector_label"]) == set(urssaf.SECTORS.values())
    nantes = secteurs[secteurs["commune_code"] == "44109"].set_index("sector_code")["employees"]
    assert nantes["GS5"] == 77_276 and nantes["GS7"] == 22_178 and nantes["GS3"] == 11_085
    # every commune: the sectors add up to its 2025 total
    total = effectifs[effectifs["year"] == 2025].set_index("commune_code")["value"].dropna()
    summed = secteurs.groupby("commune_code")["employees"].sum()
    assert summed.reindex(total.index, fill_value=0).equals(total)


def test_secteurs_label_without_prefix(mirror, tmp_path):
    """The third party's own labels have no GSn prefix: they are read the same way."""
    def strip_prefix(rows):
        for r in rows[1:]:
            r[2] = r[2].split(" ", 1)[1]

    f = rewrite(mirror / SECTEURS, tmp_path / "secteurs.csv", strip_prefix)
    df = urssaf.parse_secteurs(f)
    assert df.groupby("sector_code")["employees"].sum()["GS6"] == 38_093


def test_effectifs_non_numeric_count(mirror, tmp_path):
    def edit(rows):
        rows[11][12] = "1 204"

    f = rewrite(mirror / EFFECTIFS, tmp_path / "eff.csv", edit, keep=300)
    with pytest.raises(SourceFormatError) as err:
        urssaf.parse_effectifs_commune(f)
    msg = str(err.value)
    assert "eff.csv" in msg and "line 12" in msg and "effectifs_salaries_2025" in msg and "'1 204'" in msg


def test_effectifs_float_artefact_accepted(mirror, tmp_path):
    def edit(rows):
        rows[1][12] = rows[1][12] + ".0"

    df = urssaf.parse_effectifs_commune(rewrite(mirror / EFFECTIFS, tmp_path / "eff.csv", edit))
    assert df.groupby("year")["value"].sum()[2025] == 1_164_961


def test_effectifs_malformed_commune_code(mirror, tmp_path):
    def edit(rows):
        rows[5][0] = "4405"

    f = rewrite(mirror / EFFECTIFS, tmp_path / "eff.csv", edit, keep=300)
    with pytest.raises(SourceFormatError) as err:
        urssaf.parse_effectifs_commune(f)
    msg = str(err.value)
    assert "eff.csv" in msg and "line 6" in msg and "'4405'" in msg and "commune code" in msg


def test_effectifs_changed_header(mirror, tmp_path):
    def edit(rows):
        rows[0][0] = "codgeo"

    f = rewrite(mirror / EFFECTIFS, tmp_path / "eff.csv", edit, keep=300)
    with pytest.raises(SourceFormatError) as err:
        urssaf.parse_effectifs_commune(f)
    assert "line 1" in str(err.value) and "code_commune" in str(err.value)


def test_secteurs_contradicting_sector(mirror, tmp_path):
    def edit(rows):
        rows[3][2] = "GS1 Commerce"

    f = rewrite(mirror / SECTEURS, tmp_path / "sect.csv", edit, keep=300)
    with pytest.raises(SourceFormatError) as err:
        urssaf.parse_secteurs(f)
    msg = str(err.value)
    assert "sect.csv" in msg and "line 4" in msg and "GS1 Commerce" in msg


def test_secteurs_blank_count_is_an_error(mirror, tmp_path):
    def edit(rows):
        rows[7][4] = ""

    with pytest.raises(SourceFormatError, match=r"line 8.*nombre_d_etablissements_2025"):
        urssaf.parse_secteurs(rewrite(mirror / SECTEURS, tmp_path / "sect.csv", edit, keep=300))


def test_datasets(mirror):
    ids = {d.id: d for d in urssaf.DATASETS}
    assert set(ids) == {"urssaf_effectifs_commune", "urssaf_secteurs_2025"}
    for d in ids.values():
        assert (mirror / d.mirror_path).is_file()
        assert d.layout == "derived" and d.note and d.url.startswith("https://open.urssaf.fr/")
        assert "ODbL" in d.licence
