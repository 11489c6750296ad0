"""InserJeunes parsers (lycées, CFA, region by diploma) on the real mirror files and broken copies."""

from __future__ import annotations

import math

import pytest

from sources import inserjeunes as ij
from sources.errors import SourceFormatError

CFA = "inserjeunes/fr-en-inserjeunes-cfa_pdl.csv"
REGION = "inserjeunes/ij_region_data_region52.csv"


def rewrite(src, dst, line, edit, head=None):
    """Copy ``src`` to ``dst`` with physical ``line`` (1-based) replaced by ``edit(text)``; BOM and line
    endings kept."""
    lines = src.read_bytes().decode("utf-8").split("\n")
    body = lines[line - 1]
    cr = "\r" if body.endswith("\r") else ""
    lines[line - 1] = edit(body.rstrip("\r")) + cr
    if head:  # keep the first lines only: a smaller copy parses faster
        lines = lines[:head] + [""]
    dst.write_bytes("\n".join(lines).encode("utf-8"))
    return dst


def set_field(index, value, sep=";"):
    def edit(text):
        fields = text.split(sep)
        fields[index] = value
        return sep.join(fields)
    return edit


def line_of(path, *needles):
    for i, text in enumerate(path.read_text(encoding="utf-8-sig").split("\n"), start=1):
        if all(n in text for n in needles):
            return i
    raise AssertionError(f"{needles} not in {path}")


@pytest.fixture(scope="module")
def lycees(mirror):
    return {c: ij.parse_lycees(mirror / rel, c) for c, rel in ij.LYCEE_FILES.items()}


def test_lycee_row_counts(lycees):
    assert {c: len(df) for c, df in lycees.items()} == {
        "2018_2019": 234, "2019_2020": 237, "2020_2021": 251, "2021_2022": 272, "2022_2023": 288}
    for cohort, df in lycees.items():
        assert (df["cohort"] == cohort).all()
        assert df["uai"].nunique() == (df["population"] == "ensemble").sum()
        assert df.groupby("uai").size().max() <= 3


def test_brossaud_blancho_2022_2023(lycees):
    df = lycees["2022_2023"].set_index(["uai", "population"])
    ens = df.loc[("0440074S", "ensemble")]
    assert ens["name"].startswith("Lycée professionnel Brossaud-Blancho")
    assert (ens["taux_emploi_6m"], ens["taux_emploi_6m_attendu"], ens["valeur_ajoutee"]) == (44, 43, 1)
    assert ens["taux_emploi_6m_status"] == "ok"
    assert ens["part_poursuite"] + ens["part_emploi_6m"] + ens["part_autres"] == 100
    assert df.loc[("0440074S", "apprentis"), "taux_emploi_6m"] == 85
    assert ens["taux_emploi_12m_status"] == "absent" and math.isnan(ens["taux_emploi_12m"])


def test_not_disclosed(lycees):
    df = lycees["2022_2023"]
    nd = df[df["taux_emploi_6m_status"] == "nd"]
    assert len(nd) == 60 and nd["taux_emploi_6m"].isna().all()
    joubert = df.set_index(["uai", "population"]).loc[("0440001M", "apprentis")]
    assert joubert["taux_poursuite_status"] == "nd"  # 'nd' in the file
    # 2020_2021 writes an empty cell where later files write 'nd'
    old = lycees["2020_2021"].set_index(["uai", "population"]).loc[("0440001M", "apprentis")]
    assert old["taux_emploi_6m_status"] == "nd"


def test_legacy_layouts(lycees):
    first = lycees["2018_2019"].set_index(["uai", "population"]).loc[("0440001M", "ensemble")]
    assert (first["taux_poursuite"], first["taux_emploi_6m"], first["taux_emploi_6m_attendu"],
            first["valeur_ajoutee"]) == (46, 49, 45, 4)
    assert (first["taux_emploi_12m"], first["taux_emploi_18m"], first["taux_emploi_24m"]) == (57, 56, 58)
    assert first["part_emploi_6m_status"] == "absent"
    second = lycees["2019_2020"].set_index(["uai", "population"]).loc[("0440001M", "ensemble")]
    assert (second["taux_emploi_6m"], second["taux_emploi_12m"]) == (42, 56)
    assert second["taux_emploi_18m_status"] == "absent"


def test_cfa(mirror):
    df = ij.parse_cfa(mirror / CFA)
    assert len(df) == 792
    assert df["cohort"].value_counts().to_dict() == {
        "2023_2024": 184, "2022_2023": 178, "2021_2022": 173, "2020_2021": 138, "2019_2020": 68,
        "2018_2019": 51}
    row = df.set_index(["cohort", "uai"]).loc[("2023_2024", "0721427K")]
    assert row["name"] == "Maison Familiale Rurale de Verneil-le-Chétif"
    assert (row["taux_emploi_6m"], row["taux_emploi_6m_attendu"], row["va_emploi_6m"]) == (67, 63, 4)
    assert row["taux_emploi_18m_status"] == "nd" and math.isnan(row["taux_emploi_18m"])
    assert (df["taux_emploi_6m_status"] == "nd").sum() == 269


def test_region_counts_and_rates(mirror):
    df = ij.parse_region(mirror / REGION)
    assert len(df) == 2816
    assert df["voie"].value_counts().to_dict() == {"apprentissage": 1880, "scolaire": 936}
    assert set(df["cohort"]) == {"2019_2020", "2020_2021", "2021_2022", "2022_2023"}
    assert (df["code_region"] == "52").all()
    assert (df.loc[df["voie"] == "scolaire", "mefstat11"].str.len() == 11).all()
    assert (df.loc[df["voie"] == "apprentissage", "cfd"].str.len() == 8).all()
    first = df.iloc[0]
    assert first["id"] == "2019_2020_17_scolaire_23830031107"
    assert (first["nb_annee_term"], first["nb_sortant"], first["nb_en_emploi_6_mois"]) == (196, 138, 110)
    assert first["taux_emploi_6m"] == 80
    # every published rate is its counts' ratio, rounded; rates are withheld below 20
    for rate, (num, den) in ij.RATE_DEFINITIONS.items():
        given = df[df[f"{rate}_status"] == "ok"]
        assert ((100 * given[num] / given[den] - given[rate]).abs() <= 0.5 + 1e-9).all(), rate
        assert (given[den] >= ij.MIN_DENOMINATOR).all(), rate
    both = df[df["nb_poursuite_etudes"].notna() & df["nb_sortant"].notna()]
    assert len(both) == 2532
    assert (both["nb_poursuite_etudes"] + both["nb_sortant"] == both["nb_annee_term"]).all()


def test_rate_above_100_names_line_and_value(mirror, tmp_path):
    src = mirror / ij.LYCEE_FILES["2022_2023"]
    line = line_of(src, "0440074S", ";ensemble;")
    bad = rewrite(src, tmp_path / "lycees.csv", line, set_field(5, "130"), head=300)
    with pytest.raises(SourceFormatError) as err:
        ij.parse_lycees(bad, "2022_2023")
    msg = str(err.value)
    assert "lycees.csv" in msg and f"line {line}" in msg and "'Taux'" in msg and "'130'" in msg
    assert "above 100" in msg


def test_cfa_rate_above_100(mirror, tmp_path):
    bad = rewrite(mirror / CFA, tmp_path / "cfa.csv", 3, set_field(9, "130.0"), head=300)
    with pytest.raises(SourceFormatError) as err:
        ij.parse_cfa(bad)
    msg = str(err.value)
    assert "cfa.csv" in msg and "line 3" in msg and "Taux emploi 6 mois" in msg and "130.0" in msg


def test_region_rate_above_100(mirror, tmp_path):
    bad = rewrite(mirror / REGION, tmp_path / "region.csv", 2, set_field(17, "130"), head=300)
    with pytest.raises(SourceFormatError) as err:
        ij.parse_region(bad)
    msg = str(err.value)
    assert "region.csv" in msg and "line 2" in msg and "taux_emploi_6_mois" in msg and "'130'" in msg


def test_region_more_employed_than_leavers(mirror, tmp_path):
    bad = rewrite(mirror / REGION, tmp_path / "region.csv", 2, set_field(11, "500"), head=300)
    with pytest.raises(SourceFormatError, match=r"line 2, column 'nb_en_emploi_6_mois', value '500'"):
        ij.parse_region(bad)


def test_changed_header(mirror, tmp_path):
    src = mirror / ij.LYCEE_FILES["2022_2023"]
    bad = rewrite(src, tmp_path / "lycees.csv", 1,
                  lambda t: t.replace(";Taux attendu;", ";Taux prévu;"), head=300)
    with pytest.raises(SourceFormatError) as err:
        ij.parse_lycees(bad, "2022_2023")
    msg = str(err.value)
    assert "lycees.csv" in msg and "line 1" in msg and "Taux attendu" in msg and "Taux prévu" in msg


def test_changed_header_legacy_layout(mirror, tmp_path):
    """An unnamed column that gets a name is not a known layout either."""
    src = mirror / ij.LYCEE_FILES["2019_2020"]
    bad = rewrite(src, tmp_path / "lycees.csv", 1,
                  lambda t: t.replace('"Dont apprentis en EPLE";;', '"Dont apprentis en EPLE";"Taux 2";'),
                  head=300)
    with pytest.raises(SourceFormatError, match=r"line 1, column '<unnamed column 5>', value 'Taux 2'"):
        ij.parse_lycees(bad, "2019_2020")


def test_unknown_population_and_marker(mirror, tmp_path):
    src = mirror / ij.LYCEE_FILES["2022_2023"]
    bad = rewrite(src, tmp_path / "lycees.csv", 2, set_field(3, "dont stagiaires"), head=300)
    with pytest.raises(SourceFormatError,
                       match=r"line 2, column 'Dont apprentis en EPLE', value 'dont stagiaires'"):
        ij.parse_lycees(bad, "2022_2023")
    bad = rewrite(src, tmp_path / "lycees2.csv", 3, set_field(6, "n.d."), head=300)
    with pytest.raises(SourceFormatError, match=r"line 3, column 'Taux attendu', value 'n.d.'"):
        ij.parse_lycees(bad, "2022_2023")


def test_duplicate_population_row(mirror, tmp_path):
    src = mirror / ij.LYCEE_FILES["2022_2023"]
    line = line_of(src, "0440074S", ";ensemble;")
    bad = rewrite(src, tmp_path / "lycees.csv", line, lambda t: t + "\r\n" + t, head=300)
    with pytest.raises(SourceFormatError) as err:
        ij.parse_lycees(bad, "2022_2023")
    assert f"line {line + 1}" in str(err.value) and "0440074S/ensemble" in str(err.value)


def test_datasets():
    ids = {d.id: d for d in ij.DATASETS}
    assert set(ids) == {"inserjeunes_lycees", "inserjeunes_cfa", "inserjeunes_region"}
    assert ids["inserjeunes_lycees"].layout == "derived" and ids["inserjeunes_lycees"].note
    assert ids["inserjeunes_cfa"].layout == "official"
    assert ids["inserjeunes_lycees"].mirror_path in ij.LYCEE_FILES.values()
    assert sorted(ij.LYCEE_FILES) == ["2018_2019", "2019_2020", "2020_2021", "2021_2022", "2022_2023"]
