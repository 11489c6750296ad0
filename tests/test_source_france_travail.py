"""France Travail / DARES job-seeker and agency parsers, on the real files of the mirror."""

from __future__ import annotations


import pytest

from sources import france_travail as ft
from sources.errors import SourceFormatError

from .rewrite import rewrite

DEFM = "france_travail/dares_defm_communales_abc_t4_2015_2024_pdl.csv"
AGENCIES = "france_travail/pole_emploi_agencies_pdl.csv"


@pytest.fixture(scope="module")
def defm(mirror):
    return ft.parse_defm_communes(mirror / DEFM)


@pytest.fixture(scope="module")
def epci(mirror):
    return {(year, kind): ft.parse_defm_epci(mirror / path)
            for year in ft.DEFM_EPCI_YEARS for kind, path in ft.defm_epci_files(year).items()}


# --- job seekers by commune -------------------------------------------------------------------

def test_defm_communes(defm):
    assert list(defm.columns) == ["commune_code", "year", "value", "status"]
    assert len(defm) == 12_280 and sorted(defm["year"].unique()) == list(range(2015, 2025))
    y2024 = defm[defm["year"] == 2024].set_index("commune_code")["value"]
    assert y2024["44109"] == 31_510 and y2024["49007"] == 16_690 and y2024["72181"] == 16_745
    assert y2024["85191"] == 5_370 and y2024["53130"] == 4_710
    by_dep = y2024.groupby(y2024.index.str[:2]).sum().to_dict()
    assert by_dep == {"44": 108_905, "49": 65_320, "53": 18_885, "72": 44_130, "85": 49_970}
    totals = defm.groupby("year")["value"].sum()
    assert totals[2024] == 287_210 and totals[2015] == 319_825 and totals[2020] == 331_740
    assert (defm["value"].dropna() % 5 == 0).all()  # rounded by DARES to 5


def test_defm_blank_cells(defm):
    blank = defm[defm["value"].isna()]
    assert len(blank) == 20 and (blank["status"] == "missing").all()
    assert set(blank["commune_code"]) == {"85165", "85212"}
    assert (defm.loc[defm["value"].notna(), "status"] == "ok").all()
    assert (defm["value"] == 0).sum() == 44  # published zeros: small counts are not hidden


def test_defm_official_layout_rows_are_filtered(mirror, tmp_path):
    """The official export has every quarter, sex, age band and category: only ABC/Total/Total/T4 is kept."""
    def add_rows(rows):
        rows[1:] = [r for r in rows[1:] if r[0] == "44109"]  # Nantes, 2015-T4 … 2024-T4
        extra = [("2024-T3", "ABC", "Total", "Total", "30000"), ("2024-T4", "A", "Total", "Total", "17000"),
                 ("2024-T4", "ABC", "Femmes", "Total", "16000"),
                 ("2024-T4", "ABC", "Total", "Moins de 25 ans", "4000")]
        rows.extend(["44109", "44", *e] for e in extra)

    df = ft.parse_defm_communes(rewrite(mirror / DEFM, tmp_path / "defm.csv", add_rows))
    assert len(df) == 10 and (df["commune_code"] == "44109").all()
    assert df.query("year == 2024")["value"].item() == 31_510


def test_defm_non_numeric_count(mirror, tmp_path):
    def edit(rows):
        rows[40][6] = "1O5"

    with pytest.raises(SourceFormatError) as err:
        ft.parse_defm_communes(rewrite(mirror / DEFM, tmp_path / "defm.csv", edit, keep=300))
    msg = str(err.value)
    assert "defm.csv" in msg and "line 41" in msg and "nombre_de_demandeurs_d_emploi" in msg and "'1O5'" in msg


def test_defm_malformed_commune_code(mirror, tmp_path):
    def edit(rows):
        rows[100][0] = "4400A"

    with pytest.raises(SourceFormatError) as err:
        ft.parse_defm_communes(rewrite(mirror / DEFM, tmp_path / "defm.csv", edit, keep=300))
    msg = str(err.value)
    assert "defm.csv" in msg and "line 101" in msg and "'4400A'" in msg


def test_defm_changed_header(mirror, tmp_path):
    def edit(rows):
        rows[0][6] = "nb_demandeurs"

    with pytest.raises(SourceFormatError, match=r"line 1.*nombre_de_demandeurs_d_emploi"):
        ft.parse_defm_communes(rewrite(mirror / DEFM, tmp_path / "defm.csv", edit, keep=300))


# --- job seekers by EPCI ----------------------------------------------------------------------

def test_defm_epci_files(mirror):
    for year in (2018, 2019):
        files = ft.defm_epci_files(year)
        assert set(files) == {"categorie_abc", "categorie_a", "categorie", "anciennete"}
        assert all((mirror / p).is_file() for p in files.values())
        ds = next(d for d in ft.DATASETS if d.id == f"pe_defm_epci_{year}")
        assert ds.mirror_path == files["categorie_abc"]
    with pytest.raises(KeyError):
        ft.defm_epci_files(2017)


def test_defm_epci_categories(epci):
    df = epci[(2019, "categorie")]  # French headers in this file ("Code EPCI", "Catégorie A"…)
    assert list(df.columns) == ["epci_siren", "epci_name", "year", "scope", "breakdown", "category", "value",
                                "status"]
    assert df["epci_siren"].str.fullmatch(r"\d{9}").all() and df["epci_siren"].nunique() == 71
    wide = df.pivot(index="epci_siren", columns="scope", values="value")
    assert wide.loc["200000438"].tolist() == [1233, 341, 1140, 175, 172]
    assert wide.loc["200055887"].tolist() == [1202, 280, 767, 198, 215]
    assert set(df["category"]) == {"categorie_a", "categorie_b", "categorie_c", "categorie_d", "categorie_e"}
    assert epci[(2018, "categorie")]["epci_siren"].nunique() == 70


def test_defm_epci_files_agree(epci):
    """ABC total = A + B + C of the category file = total by seniority; A total = category A."""
    for year in (2018, 2019):
        cat = epci[(year, "categorie")].pivot(index="epci_siren", columns="scope", values="value")

        def total(kind):
            df = epci[(year, kind)]
            return df[df["breakdown"] == "total"].set_index("epci_siren")["value"].sort_index()

        abc = total("categorie_abc")
        assert (epci[(year, "categorie_abc")]["scope"] == "ABC").all()
        assert (epci[(year, "categorie_a")]["scope"] == "A").all()
        assert abc.equals((cat["A"] + cat["B"] + cat["C"]).sort_index().rename("value"))
        assert abc.equals(total("anciennete"))
        assert total("categorie_a").equals(cat["A"].sort_index().rename("value"))
    assert abc["200000438"] == 2714


def test_defm_epci_secret_and_stray_cells(epci):
    abc19 = epci[(2019, "categorie_abc")]
    assert (abc19["status"] == "secret").sum() == 94
    assert abc19.loc[abc19["status"] == "secret", "value"].isna().all()
    assert set(abc19.loc[abc19["status"] == "secret", "breakdown"]) == {"diplome"}
    # stray ',' cells: the other diploma levels add up to the total, so they are 0
    cell = abc19.query("epci_siren == '200042182' and category == 'diplome_indetermine'")
    assert cell["value"].item() == 0 and cell["status"].item() == "ok"
    for df in epci.values():
        assert not (df["status"] == "missing").any()
        assert df["value"].notna().sum() == (df["status"] == "ok").sum()
    breakdowns = set(abc19["breakdown"])
    assert breakdowns == {"sexe_age", "sexe", "diplome", "total"}
    assert set(epci[(2018, "anciennete")]["breakdown"]) == {"anciennete", "total"}


def test_defm_epci_stray_cell_that_does_not_close_is_missing(mirror, tmp_path):
    src = mirror / ft.defm_epci_files(2019)["categorie_abc"]

    def edit(rows):
        row = next(r for r in rows if r[0] == "200042182.0")
        assert row[16] == ","
        row[15] = str(int(float(row[15])) - 3)  # diplome_niv_6 three short: the stray cell is not 0

    df = ft.parse_defm_epci(rewrite(src, tmp_path / "pole_emploi_defm_epci_dec2019_categorie_abc_pdl.csv", edit))
    cell = df.query("epci_siren == '200042182' and category == 'diplome_indetermine'")
    assert cell["value"].isna().item() and cell["status"].item() == "missing"


def test_defm_epci_malformed_siren(mirror, tmp_path):
    src = mirror / ft.defm_epci_files(2018)["anciennete"]

    def edit(rows):
        rows[3][0] = "2444006.0"

    f = rewrite(src, tmp_path / "pole_emploi_defm_epci_dec2018_anciennete_pdl.csv", edit)
    with pytest.raises(SourceFormatError) as err:
        ft.parse_defm_epci(f)
    msg = str(err.value)
    assert "dec2018_anciennete" in msg and "line 4" in msg and "'2444006.0'" in msg and "SIREN" in msg


def test_defm_epci_non_numeric_count(mirror, tmp_path):
    src = mirror / ft.defm_epci_files(2019)["categorie_abc"]

    def edit(rows):
        rows[5][4] = "12 3"

    f = rewrite(src, tmp_path / "pole_emploi_defm_epci_dec2019_categorie_abc_pdl.csv", edit)
    with pytest.raises(SourceFormatError) as err:
        ft.parse_defm_epci(f)
    msg = str(err.value)
    assert "line 6" in msg and "hommes_plus_de_50_ans" in msg and "'12 3'" in msg


def test_defm_epci_needs_year_and_scope(mirror, tmp_path):
    text = (mirror / ft.defm_epci_files(2019)["categorie_abc"]).read_text(encoding="utf-8")
    anonymous = tmp_path / "defm_epci.csv"
    anonymous.write_text(text, encoding="utf-8")
    with pytest.raises(SourceFormatError, match="year"):
        ft.parse_defm_epci(anonymous)
    with pytest.raises(SourceFormatError, match="scope"):
        ft.parse_defm_epci(anonymous, year=2019)
    df = ft.parse_defm_epci(anonymous, year=2019, scope="ABC")
    assert (df["scope"] == "ABC").all() and (df["year"] == 2019).all()


def test_defm_epci_unknown_layout(mirror, tmp_path):
    def edit(rows):
        rows[0][2] = "moins_3_mois"

    src = mirror / ft.defm_epci_files(2019)["anciennete"]
    with pytest.raises(SourceFormatError, match="line 1.*unknown EPCI table layout"):
        ft.parse_defm_epci(rewrite(src, tmp_path / "pole_emploi_defm_epci_dec2019_anciennete_pdl.csv", edit))


# --- agencies ---------------------------------------------------------------------------------

def test_agencies(mirror):
    df = ft.parse_agencies(mirror / AGENCIES)
    assert list(df.columns) == ["agency_id", "safir_code", "name", "type_site", "address", "address_complement",
                                "postcode", "commune_name", "latitude", "longitude", "region"]
    assert len(df) == 54 and df["agency_id"].is_unique
    assert df["type_site"].value_counts().to_dict() == {"ALE": 49, "DDA": 4, "DRA": 1}
    assert df["postcode"].str[:2].value_counts().to_dict() == {"44": 20, "49": 11, "85": 10, "72": 9, "53": 4}
    assert {"Nantes Nord", "ST NAZAIRE"} <= set(df["name"])
    assert df["latitude"].between(46.2, 48.6).all() and df["longitude"].between(-2.7, 1.0).all()
    nord = df.set_index("name").loc["Nantes Nord"]
    assert nord["latitude"] == pytest.approx(47.26385) and nord["longitude"] == pytest.approx(-1.569667)
    assert not df["address_complement"].str.contains("NULL").any()
    assert (df["region"] == "52").all()


def test_agencies_bad_coordinate(mirror, tmp_path):
    def edit(rows):
        rows[7][11] = "47,2x"

    f = rewrite(mirror / AGENCIES, tmp_path / "agencies.csv", edit, sep=",")
    with pytest.raises(SourceFormatError) as err:
        ft.parse_agencies(f)
    msg = str(err.value)
    assert "agencies.csv" in msg and "line 8" in msg and "DN_LATITUDE" in msg and "47,2x" in msg


def test_datasets(mirror):
    ids = {d.id: d for d in ft.DATASETS}
    assert set(ids) == {"dares_defm_communes", "pe_defm_epci_2018", "pe_defm_epci_2019", "pe_agences_2019"}
    for d in ids.values():
        assert (mirror / d.mirror_path).is_file()
        assert d.layout in ("official", "derived") and d.url.startswith("https://")
        assert d.layout == "official" or d.note
    assert ids["pe_agences_2019"].layout == "official"
