"""Annuaire de l'éducation parser, on the real mirror file, and on broken copies made at run time."""

from __future__ import annotations

import math

import pytest

from sources import annuaire_education as ae
from sources.errors import SourceFormatError

REL = "annuaire_education/fr-en-annuaire-education_extrait_pdl.csv"


def rewrite(src, dst, line, edit, head=None):
    """Copy ``src`` to ``dst`` with physical ``line`` (1-based) replaced by ``edit(text)``; other bytes
    (BOM, line endings) unchanged. ``edit`` may return several lines joined by ``\\n``."""
    lines = src.read_bytes().decode("utf-8").split("\n")
    body = lines[line - 1]
    cr = "\r" if body.endswith("\r") else ""
    lines[line - 1] = edit(body.rstrip("\r")).replace("\n", cr + "\n") + cr
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


@pytest.fixture(scope="module")
def annuaire(mirror):
    return ae.classify(ae.parse(mirror / REL))


def test_counts(annuaire):
    assert annuaire["rows_in_file"].sum() == 3915  # rows of the file
    assert len(annuaire) == 3911 and annuaire["uai"].is_unique  # 4 UAI listed twice, merged
    rows = annuaire.groupby("type")["rows_in_file"].sum()
    assert rows["Lycée"] == 335 and rows["Collège"] == 524 and rows["Ecole"] == 2743
    assert rows["Information et orientation"] == 14 and rows["EREA"] == 3
    lycees = annuaire[annuaire["type"] == "Lycée"]
    assert lycees.groupby("sector")["rows_in_file"].sum().to_dict() == {"Public": 150, "Privé": 185}
    assert len(lycees) == 331
    # rows with an empty type are kept
    assert (annuaire["type"] == "").sum() == 8


def test_spot_checks(annuaire):
    by_uai = annuaire.set_index("uai")
    cio = by_uai.loc["0441722H"]
    assert cio["name"] == "Centre d'information et d'orientation de Nantes"
    assert cio["type"] == "Information et orientation" and cio["commune_code"] == "44109"
    assert cio["longitude"] == pytest.approx(-1.5564, abs=1e-4)
    assert cio["latitude"] == pytest.approx(47.2502, abs=1e-4)
    assert math.isnan(cio["pupils"])
    joubert = by_uai.loc["0440001M"]
    assert joubert["pupils"] == 1015 and joubert["commune_code"] == "44003"
    assert joubert["sector"] == "Public" and joubert["voie_generale"] == 1
    merged = by_uai.loc["0440256P"]
    assert merged["name"] == "Lycée polyvalent Saint-Pierre La Joliverie"
    assert merged["other_names"] == "Lycée polyvalent Saint-Pierre La Joliverie - Pôle des arts graphiques"
    assert merged["rows_in_file"] == 2 and merged["pupils"] == 666


def test_classify(annuaire):
    assert annuaire["category"].value_counts().to_dict() == {
        "ecole": 2743, "college": 524, "lycee": 331, "other": 296, "cio": 14, "erea": 3}
    assert set(annuaire.loc[annuaire["category"] == "cio", "uai"]) >= {"0441722H", "0490787P", "0850045M"}
    kinds = annuaire.set_index("uai")["lycee_kind"]
    assert kinds["0440074S"] == "professionnel"  # Lycée professionnel Brossaud-Blancho
    assert kinds["0440001M"] == "polyvalent"
    assert kinds["0441722H"] == ""  # not a lycée
    lycees = annuaire[annuaire["category"] == "lycee"]
    assert set(lycees["lycee_kind"]) == {"professionnel", "polyvalent", "general_technologique", "autre"}


@pytest.mark.parametrize(
    "name, voie_generale, kind",
    [
        ("Lycée professionnel privé Saint-Thomas", 0, "professionnel"),
        ("Section d'enseignement professionnel du Lycée polyvalent Nicolas Appert", 0, "professionnel"),
        ("Section d'enseignement général et technologique du Lycée professionnel Le Masle", 1,
         "general_technologique"),
        ("Lycée technologique et professionnel la Providence", 0, "polyvalent"),
        ("Lycée polyvalent Rosa Parks", 1, "polyvalent"),
        ("Lycée général et technologique Livet", 1, "general_technologique"),
        ("LEGTA Jules Rieffel", 1, "general_technologique"),
        ("Lycée Clemenceau", 1, "general_technologique"),
        ("Lycée Clemenceau", float("nan"), "autre"),
        ("LEAP Val de Sarthe", 0, "autre"),
    ],
)
def test_lycee_kind_rules(name, voie_generale, kind):
    assert ae.lycee_kind(name, voie_generale) == kind


def test_duplicated_uai_names_line_and_uai(mirror, tmp_path):
    # line 6 takes the UAI of line 2 (0440001M) while staying another establishment
    bad = rewrite(mirror / REL, tmp_path / "annuaire.csv", 6, set_field(0, "0440001M"), head=300)
    with pytest.raises(SourceFormatError) as err:
        ae.parse(bad)
    msg = str(err.value)
    assert "annuaire.csv" in msg and "line 6" in msg and "0440001M" in msg and "duplicate UAI" in msg
    assert err.value.line == 6 and err.value.value == "0440001M"


def test_same_establishment_under_two_names_is_merged(mirror, tmp_path):
    src = mirror / REL
    first = src.read_text(encoding="utf-8").split("\n")[1]
    site_name = "Lycée polyvalent Joubert Émilien Maillard - site enseignement supérieur"
    site = first.replace("Lycée polyvalent Joubert Émilien Maillard", site_name)
    f = rewrite(src, tmp_path / "annuaire.csv", 2, lambda text: site + "\n" + text)
    df = ae.parse(f)
    row = df.set_index("uai").loc["0440001M"]
    # the shortest name is the main one, whatever the order of the rows
    assert row["rows_in_file"] == 2 and row["name"] == "Lycée polyvalent Joubert Émilien Maillard"
    assert row["other_names"] == site_name and row["_line"] == 3
    assert df["rows_in_file"].sum() == 3916


def test_coordinates_outside_france(mirror, tmp_path):
    # longitude of Saint-Denis de La Réunion on line 10
    bad = rewrite(mirror / REL, tmp_path / "annuaire.csv", 10, set_field(12, "55.45"), head=300)
    with pytest.raises(SourceFormatError) as err:
        ae.parse(bad)
    msg = str(err.value)
    assert "annuaire.csv" in msg and "line 10" in msg and "'longitude'" in msg and "55.45" in msg
    assert "outside metropolitan France" in msg


def test_malformed_commune_code(mirror, tmp_path):
    bad = rewrite(mirror / REL, tmp_path / "annuaire.csv", 20, set_field(4, "4410"), head=300)
    with pytest.raises(SourceFormatError) as err:
        ae.parse(bad)
    msg = str(err.value)
    assert "line 20" in msg and "code_commune" in msg and "'4410'" in msg


def test_non_numeric_pupils(mirror, tmp_path):
    bad = rewrite(mirror / REL, tmp_path / "annuaire.csv", 2, set_field(11, "1 015"), head=300)
    with pytest.raises(SourceFormatError, match=r"line 2, column 'nombre_d_eleves', value '1 015'"):
        ae.parse(bad)


def test_changed_header(mirror, tmp_path):
    bad = rewrite(mirror / REL, tmp_path / "annuaire.csv", 1,
                  lambda text: text.replace("code_commune", "code_insee"), head=300)
    with pytest.raises(SourceFormatError) as err:
        ae.parse(bad)
    msg = str(err.value)
    assert "annuaire.csv" in msg and "line 1" in msg and "code_commune" in msg and "code_insee" in msg


def test_dataset_entry():
    (ds,) = ae.DATASETS
    assert ds.id == "annuaire_education" and ds.layout == "derived" and ds.note
    assert ds.mirror_path == REL and ds.url.startswith("https://data.education.gouv.fr/")
