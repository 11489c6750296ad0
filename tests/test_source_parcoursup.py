"""Parcoursup parser: the third-party simplified extract of the mirror, and the official layout."""

from __future__ import annotations

import pytest

from sources import parcoursup as ps
from sources.errors import SourceFormatError

REL = "parcoursup/fr-esr-parcoursup_simplifie_pdl.csv"


def rewrite(src, dst, line, edit, head=None):
    lines = src.read_bytes().decode("utf-8").split("\n")
    body = lines[line - 1]
    cr = "\r" if body.endswith("\r") else ""
    lines[line - 1] = edit(body.rstrip("\r")) + cr
    if head:  # keep the first lines only: a smaller copy parses faster
        lines = lines[:head] + [""]
    dst.write_bytes("\n".join(lines).encode("utf-8"))
    return dst


@pytest.fixture(scope="module")
def offer(mirror):
    return ps.parse(mirror / REL)


def test_rows_and_columns(offer):
    assert len(offer) == 840
    assert offer["uai"].nunique() == 234  # SOURCE.md says 74: the file has 234 distinct UAI
    assert (offer["region"] == "Pays de la Loire").all()
    assert offer["sector"].value_counts().to_dict() == {"Public": 476, "Privé": 364}
    assert offer["sector_detail"].value_counts()["Privé sous contrat d'association"] == 189
    assert offer["latitude"].isna().sum() == 1 and offer["longitude"].isna().sum() == 1
    assert offer["latitude"].dropna().between(46.3, 48.4).all()
    assert offer["longitude"].dropna().between(-2.5, 0.7).all()
    assert (offer["session"] == "").all()


def test_spot_checks(offer):
    uco = offer[offer["uai"] == "0492433D"]
    assert uco["establishment"].iloc[0] == "Facultes libres de l Ouest - UCO ANGERS"
    assert {"Licence - Musicologie", "Licence - Portail Lettres"} <= set(uco["formation"])
    assert (uco["formation_type"] == "Licence").sum() == 28
    first = uco.iloc[0]  # "lat, lon" in the file
    assert (first["latitude"], first["longitude"]) == (47.4629, -0.54627)
    iut = offer[offer["uai"] == "0530951W"]
    assert "BUT - Genie biologique parcours biologie medicale et biotechnologie" in set(iut["formation"])
    assert set(iut["formation_type"]) == {"BUT"}
    agri = offer[offer["uai"] == "0530081A"]
    assert agri["formation"].str.startswith("BTS - Agricole - ").all()
    assert set(agri["formation_type"]) == {"BTS"}
    assert offer["establishment"].str.contains("Nantes Universite").sum() == 74


def test_formation_types(offer):
    counts = offer["formation_type"].value_counts()
    assert counts["BTS"] == 328 and counts["Licence"] == 214 and counts["CPGE"] == 43
    assert counts["BUT"] == 37 and counts["Ingénieur"] == 55 and counts["Diplôme d'État"] == 28
    assert counts["Autre"] == 16 and counts["Diplôme d'établissement"] == 2


@pytest.mark.parametrize(
    "label, kind",
    [
        ("BTS   Services   Gestion de la PME", "BTS"),
        ("BTS - Production - Conception des processus", "BTS"),
        ("Licence professionnelle   Metiers du notariat", "Licence professionnelle"),
        ("Licence - Droit", "Licence"),
        ("Double licence   Droit   Histoire", "Double licence"),
        ("D.E Infirmier", "Diplôme d'État"),
        ("Formation d'ingénieur Bac + 5 - Bacs généraux", "Ingénieur"),
        ("Formation d ingenieur Bac + 5", "Ingénieur"),
        ("C.M.I   Cursus Master en Ingenierie", "CMI"),
        ("CPGE   ECG      Mathematiques appliquees + HGG", "CPGE"),
        ("CUPGE   Sciences", "CUPGE"),
        ("Formation Bac + 3", "Autre"),
        ("Butinage", "Autre"),
    ],
)
def test_formation_type_rule(label, kind):
    assert ps.formation_type(label) == kind


def test_gps_swapped_is_outside_france(mirror, tmp_path):
    # "lon, lat" instead of "lat, lon" on line 2
    bad = rewrite(mirror / REL, tmp_path / "psup.csv", 2,
                  lambda t: t.replace('"47.4629, -0.54627"', '"-0.54627, 47.4629"'), head=300)
    with pytest.raises(SourceFormatError) as err:
        ps.parse(bad)
    msg = str(err.value)
    assert "psup.csv" in msg and "line 2" in msg and "Coordonnées GPS" in msg and "-0.54627, 47.4629" in msg
    assert "outside metropolitan France" in msg


def test_gps_overseas(mirror, tmp_path):
    bad = rewrite(mirror / REL, tmp_path / "psup.csv", 5,
                  lambda t: t.rsplit(",", 2)[0] + ',"-20.88, 55.45"', head=300)
    with pytest.raises(SourceFormatError, match=r"line 5, .*value '-20\.88, 55\.45'"):
        ps.parse(bad)


def test_changed_header(mirror, tmp_path):
    bad = rewrite(mirror / REL, tmp_path / "psup.csv", 1,
                  lambda t: t.replace("Code UAI de l etablissement", "UAI"), head=300)
    with pytest.raises(SourceFormatError) as err:
        ps.parse(bad)
    msg = str(err.value)
    assert "psup.csv" in msg and "line 1" in msg and "Code UAI de l etablissement" in msg


def test_bad_uai_and_status(mirror, tmp_path):
    bad = rewrite(mirror / REL, tmp_path / "psup.csv", 3, lambda t: t.replace("0492433D", "492433D"),
                  head=300)
    with pytest.raises(SourceFormatError,
                       match=r"line 3, column 'Code UAI de l etablissement', value '492433D'"):
        ps.parse(bad)
    bad = rewrite(mirror / REL, tmp_path / "psup2.csv", 4,
                  lambda t: t.replace("Prive enseignement superieur", "Consulaire"), head=300)
    with pytest.raises(SourceFormatError, match=r"line 4, .*value 'Consulaire'"):
        ps.parse(bad)


def test_official_layout(tmp_path):
    """A hand-written file in the layout of the official export (API field names, ';')."""
    f = tmp_path / "fr-esr-parcoursup.csv"
    f.write_text(
        "session;contrat_etab;cod_uai;g_ea_lib_vx;dep;region_etab_aff;lib_for_voe_ins;capa_fin;"
        "g_olocalisation_des_formations\n"
        "2025;Public;0000001A;Lycée Exemple;44;Pays de la Loire;BTS - Services - Gestion de la PME;"
        "30;47.2, -1.55\n"
        "2025;Privé sous contrat d'association;0000002B;École Exemple;49;Pays de la Loire;"
        "Formation d'ingénieur Bac + 5 - Bac général;40;47.47, -0.55\n",
        encoding="utf-8",
    )
    df = ps.parse(f)
    assert list(df["formation_type"]) == ["BTS", "Ingénieur"]
    assert list(df["sector"]) == ["Public", "Privé"] and list(df["session"]) == ["2025", "2025"]
    assert df.loc[0, "latitude"] == 47.2 and df.loc[0, "longitude"] == -1.55
    assert df.loc[0, "formation"] == "BTS - Services - Gestion de la PME"


def test_dataset_entry():
    (ds,) = ps.DATASETS
    assert ds.id == "parcoursup_extrait" and ds.layout == "derived"
    assert "tiers" in ds.publisher and "Third-party" in ds.note
    assert ds.url.startswith("https://data.enseignementsup-recherche.gouv.fr/")
