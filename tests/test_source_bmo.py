"""BMO 2024, BMO basins and FAP-2021 parsers, on the real files of the mirror."""

from __future__ import annotations


import pytest

from sources import bmo
from sources.errors import SourceFormatError

from .rewrite import rewrite

BMO = "bmo/bmo_2024_pdl.csv"
BASINS = "bmo/bassins_emploi_bmo_communes_pdl.csv"
FAP = "bmo/intitules_fap2021.csv"


@pytest.fixture(scope="module")
def survey(mirror):
    return bmo.parse_bmo(mirror / BMO)


@pytest.fixture(scope="module")
def fap(mirror):
    return bmo.parse_fap(mirror / FAP)


def test_bmo_totals(survey):
    assert len(survey) == 3462
    for col in ("basin_code", "basin_label", "departement", "fap_code", "fap_label", "family_code",
                "projects", "projects_status", "difficult", "difficult_status", "seasonal", "seasonal_status"):
        assert col in survey.columns
    assert survey["projects"].sum() == 187_291
    assert survey["difficult"].sum() == 111_251 and survey["seasonal"].sum() == 61_688
    by_basin = survey.groupby("basin_code")["projects"].sum()
    assert by_basin["5220"] == 42_283 and by_basin["5218"] == 21_707 and by_basin["5208"] == 12_440
    assert by_basin["5214"] == 10_877 and by_basin["5206"] == 9_688
    assert survey["basin_code"].nunique() == 26
    first = survey.iloc[0]
    assert (first["fap_code"], first["basin_code"], first["basin_label"]) == ("A0X40", "5203", "CHATEAUBRIANT")
    assert (first["projects"], first["difficult"], first["seasonal"]) == (98, 34, 87)


def test_bmo_secret_cells(survey):
    secret = survey["projects_status"] == "secret"
    assert secret.sum() == 655
    assert survey.loc[secret, "projects"].isna().all()
    assert (survey.loc[secret, ["difficult_status", "seasonal_status"]] == "secret").all().all()
    assert (survey["difficult_status"] == "secret").sum() == 1253
    assert (survey["seasonal_status"] == "secret").sum() == 2543
    assert survey[["projects", "difficult", "seasonal"]].min().min() == 5  # no published value below 5
    published = survey.loc[survey["projects_status"] == "ok", "projects"]
    assert published.notna().all()


def test_bmo_codes_are_fap2021(survey, fap):
    assert set(survey["fap_code"]) <= set(fap["fap228_code"])


def test_basin_communes(mirror, survey):
    df = bmo.parse_basin_communes(mirror / BASINS)
    assert list(df.columns) == ["commune_code", "basin_code", "basin_label", "departement", "region"]
    assert len(df) == 1530 and df["commune_code"].is_unique
    assert set(df["basin_code"]) == set(survey["basin_code"])
    labels = df.drop_duplicates("basin_code").set_index("basin_code")["basin_label"]
    assert labels["5220"] == "NANTES" and labels["5218"] == "ANGERS" and labels["5227"] == "LAVAL"
    # the ','-separated copy in france_travail/ gives the same table
    same = bmo.parse_basin_communes(mirror / "france_travail/France_Travail_Bassin_Emploi_2021_pdl.csv")
    assert same.equals(df)


def test_fap(fap):
    assert len(fap) == 341 and fap["fap341_code"].is_unique
    assert list(fap.columns)[0] == "fap341_code"  # the BOM does not stick to the first column name
    assert fap["fap228_code"].nunique() == 228 and fap["fap86_code"].nunique() == 86
    assert fap["fap22_code"].nunique() == 22
    row = fap.set_index("fap341_code").loc["A0X40"]
    assert row["fap228_label"] == "Agriculteurs" and row["fap22_label"] == "Agriculture, marine, pêche"


def test_bmo_non_numeric_count(mirror, tmp_path):
    def edit(rows):
        rows[19][11] = "12 0"

    with pytest.raises(SourceFormatError) as err:
        bmo.parse_bmo(rewrite(mirror / BMO, tmp_path / "bmo.csv", edit, keep=300))
    msg = str(err.value)
    assert "bmo.csv" in msg and "line 20" in msg and "'met'" in msg and "'12 0'" in msg


def test_bmo_malformed_basin(mirror, tmp_path):
    def edit(rows):
        rows[2][9] = "52O5"

    with pytest.raises(SourceFormatError) as err:
        bmo.parse_bmo(rewrite(mirror / BMO, tmp_path / "bmo.csv", edit, keep=300))
    msg = str(err.value)
    assert "line 3" in msg and "BE24" in msg and "'52O5'" in msg


def test_bmo_difficult_above_projects(mirror, tmp_path):
    def edit(rows):
        rows[1][12] = "99"  # xmet 99 > met 98

    with pytest.raises(SourceFormatError, match=r"line 2.*xmet.*99 > 98"):
        bmo.parse_bmo(rewrite(mirror / BMO, tmp_path / "bmo.csv", edit, keep=300))


def test_bmo_changed_header(mirror, tmp_path):
    def edit(rows):
        rows[0][11] = "nb_projets"

    with pytest.raises(SourceFormatError, match=r"line 1.*missing column\(s\) met"):
        bmo.parse_bmo(rewrite(mirror / BMO, tmp_path / "bmo.csv", edit, keep=300))


def test_bmo_workbook_is_refused(tmp_path):
    f = tmp_path / "Base_open_data_BMO_2024.xlsx"
    f.write_bytes(b"PK\x03\x04" + b"\0" * 64)
    with pytest.raises(SourceFormatError, match="BMO_2024_open_data"):
        bmo.parse_bmo(f)


def test_basin_malformed_commune(mirror, tmp_path):
    def edit(rows):
        rows[10][2] = "8502"

    with pytest.raises(SourceFormatError) as err:
        bmo.parse_basin_communes(rewrite(mirror / BASINS, tmp_path / "basins.csv", edit, keep=300))
    msg = str(err.value)
    assert "basins.csv" in msg and "line 11" in msg and "'8502'" in msg


def test_datasets(mirror):
    ids = {d.id: d for d in bmo.DATASETS}
    assert set(ids) == {"bmo_2024", "bmo_bassins", "fap_2021"}
    for d in ids.values():
        assert (mirror / d.mirror_path).is_file() and d.url.startswith("https://")
    assert ids["bmo_2024"].layout == "derived" and "xlsx" in ids["bmo_2024"].note
    assert ids["bmo_bassins"].layout == ids["fap_2021"].layout == "official"
