"""DARES job seekers by commune (``dares_defm_communes``): the official export's layout, served at the
official URL's path by the tests' local HTTP server, fetched, and parsed like the mirror.

No real commune row of the official export exists offline (see
``official_layouts/dares_defm_communales/LAYOUT.md``). The official-layout files are therefore built
IN THE TESTS, at run time, from the mirror's real values laid out the official way:

* 12 columns (field names, or the labels of ``use_labels=true``), ``;``, UTF-8 BOM, CRLF;
* every mirror row (categories ABC, sexe Total, age Total, Q4) as the ``Total``/``Total`` row, with
  region and département names and the commune name of the COG file of the mirror;
* the extra sex and age rows of the official layout (Hommes, Femmes, three age bands, not crossed);
  they carry the commune's own Total count (replicated, not a published figure), so a filter that let
  them through would duplicate keys or double the sums;
* the 3 real aggregate rows quoted in LAYOUT.md (``Total`` pseudo-communes), read from it at run time;
* Paris (75056) and one of its arrondissements (75101), with Nantes' real series replicated under
  these codes (not Paris' figures): they only exercise the département cut and the arrondissement rule.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re

import pandas as pd
import pytest

from sources import france_travail as ft
from sources.errors import SourceFormatError
from sources.fetch import fetch

from .official import serve_official

DEFM = "france_travail/dares_defm_communales_abc_t4_2015_2024_pdl.csv"
LAYOUT = "official_layouts/dares_defm_communales/LAYOUT.md"
COG = "cog/decoupage-administratif-6.0.0_communes_r52.json"
FIELDS = list(ft.DEFM_OFFICIAL_COLUMNS)
LABELS = list(ft.DEFM_OFFICIAL_COLUMNS.values())
DEPARTEMENTS = {"44": "Loire-Atlantique", "49": "Maine-et-Loire", "53": "Mayenne", "72": "Sarthe",
                "85": "Vendée"}
BANDS = [("Total", "Total"), ("Hommes", "Total"), ("Femmes", "Total"), ("Total", "Moins de 25 ans"),
         ("Total", "De 25 à 49 ans"), ("Total", "50 ans et plus")]


def dataset():
    return next(d for d in ft.DATASETS if d.id == ft.DEFM_COMMUNES_ID)


def mirror_rows(mirror) -> list[dict]:
    with open(mirror / DEFM, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def aggregate_rows(mirror) -> list[str]:
    """The real ``Total`` pseudo-commune rows quoted in LAYOUT.md."""
    text = (mirror / LAYOUT).read_text(encoding="utf-8")
    rows = re.findall(r"^\d{4}-T4;Total;Total;Total;Total;Total;.*$", text, flags=re.M)
    assert len(rows) == 3
    return rows


@functools.lru_cache(maxsize=4)
def official_bytes(mirror, *, labels=False) -> bytes:
    """The mirror's rows laid out like the official export (module docstring); built once per run."""
    names = {c["code"]: c["nom"] for c in json.loads((mirror / COG).read_text(encoding="utf-8"))}
    rows = mirror_rows(mirror)
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(LABELS if labels else FIELDS)
    for r in rows:
        dep = r["code_departement"]
        for sexe, age in BANDS:
            w.writerow([r["date"], "52", "Pays de la Loire", dep, DEPARTEMENTS[dep], r["code_commune"],
                        names.get(r["code_commune"], ""), "Brutes", "ABC", sexe, age,
                        r["nombre_de_demandeurs_d_emploi"]])
    text = out.getvalue() + "".join(line + "\r\n" for line in aggregate_rows(mirror))
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for r in (r for r in rows if r["code_commune"] == "44109"):  # Nantes' series under Paris codes
        for code, name in (("75056", "Paris"), ("75101", "Paris 1er Arrondissement")):
            for sexe, age in BANDS:
                w.writerow([r["date"], "11", "Île-de-France", "75", "Paris", code, name, "Brutes", "ABC",
                            sexe, age, r["nombre_de_demandeurs_d_emploi"]])
    return ("\ufeff" + text + out.getvalue()).encode("utf-8")


def served(tmp_path, content: bytes):
    """Serve ``content`` at the official URL's path, fetch it, return the retrieved file."""
    ds = dataset()
    with serve_official(tmp_path, ds.url, content) as url:
        retrieval = fetch(ds, url=url, cache_dir=tmp_path / "cache")
    assert retrieval.origin == "http" and retrieval.bytes == len(content)
    return retrieval.path


@pytest.fixture(scope="module")
def from_mirror(mirror):
    return ft.parse_defm_communes(mirror / DEFM)


@pytest.mark.parametrize("labels", [False, True], ids=["field_names", "labels"])
def test_official_layout_equals_mirror(mirror, tmp_path, from_mirror, labels):
    content = official_bytes(mirror, labels=labels)
    assert content.startswith(b"\xef\xbb\xbf") and b"\r\n" in content
    df = ft.parse_defm_communes(served(tmp_path, content))
    assert df.attrs["layout"] == "official" and from_mirror.attrs["layout"] == "mirror"
    pd.testing.assert_frame_equal(df, from_mirror)
    # real values, read from the mirror file at run time and from its SOURCE.md spot checks
    nantes = next(int(r["nombre_de_demandeurs_d_emploi"]) for r in mirror_rows(mirror)
                  if r["code_commune"] == "44109" and r["date"] == "2024-T4")
    y2024 = df[df["year"] == 2024].set_index("commune_code")["value"]
    assert y2024["44109"] == nantes == 31_510
    assert y2024["49007"] == 16_690 and y2024["53130"] == 4_710
    assert df.groupby("year")["value"].sum()[2024] == 287_210
    blank = df[df["status"] == "missing"]
    assert len(blank) == 20 and set(blank["commune_code"]) == {"85165", "85212"} and blank["value"].isna().all()


def test_national_reading_drops_totals_and_arrondissements(mirror, tmp_path, from_mirror):
    """departements=None keeps every département: Paris stays, its arrondissement and the three
    'Total' pseudo-communes go."""
    path = served(tmp_path, official_bytes(mirror))
    df = ft.parse_defm_communes(path, departements=None)
    assert len(df) == len(from_mirror) + 10
    assert "75101" not in set(df["commune_code"]) and "Total" not in set(df["commune_code"])
    paris = df[df["commune_code"] == "75056"].set_index("year")["value"]
    nantes = from_mirror[from_mirror["commune_code"] == "44109"].set_index("year")["value"]
    assert paris.equals(nantes)
    only_44 = ft.parse_defm_communes(path, departements=["44"])
    assert set(only_44["commune_code"].str[:2]) == {"44"}
    assert only_44.groupby("year")["value"].sum()[2024] == 108_905


def test_arrondissements_kept_without_the_whole_commune(mirror, tmp_path):
    lines = official_bytes(mirror).decode("utf-8").split("\r\n")
    f = tmp_path / "dares.csv"
    f.write_text("\r\n".join(line for line in lines if ";75056;" not in line), encoding="utf-8")
    df = ft.parse_defm_communes(f, departements=["75"])
    assert set(df["commune_code"]) == {"75101"} and len(df) == 10


def test_official_only_total_rows_of_abc(tmp_path):
    """Hand-written official rows: only categorie ABC, sexe Total, age Total, 4th quarter are kept."""
    lines = [";".join(FIELDS),
             "2024-T4;52;Pays de la Loire;44;Loire-Atlantique;44109;Nantes;Brutes;ABC;Total;Total;100",
             "2024-T4;52;Pays de la Loire;44;Loire-Atlantique;44109;Nantes;Brutes;ABC;Hommes;Total;60",
             "2024-T4;52;Pays de la Loire;44;Loire-Atlantique;44109;Nantes;Brutes;A;Total;Total;70",
             "2024-T3;52;Pays de la Loire;44;Loire-Atlantique;44109;Nantes;Brutes;ABC;Total;Total;90",
             "2024-T4;52;Pays de la Loire;44;Loire-Atlantique;44110;Nort;Brutes;ABC;Total;Total;",
             "2024-T4;53;Bretagne;35;Ille-et-Vilaine;35238;Rennes;Brutes;ABC;Total;Total;80"]
    f = tmp_path / "defm.csv"
    f.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    df = ft.parse_defm_communes(f)
    assert df.attrs["layout"] == "official"
    assert df["commune_code"].tolist() == ["44109", "44110"] and df["year"].tolist() == [2024, 2024]
    assert df["value"].iloc[0] == 100 and pd.isna(df["value"].iloc[1])  # empty count: not published
    assert df["status"].tolist() == ["ok", "missing"]


# --- bad inputs ----------------------------------------------------------------------------------

def _official(tmp_path, header, rows=()) -> object:
    f = tmp_path / "dares.csv"
    f.write_bytes(("\ufeff" + "\r\n".join([";".join(header), *rows]) + "\r\n").encode("utf-8"))
    return f


ROW = "2024-T4;52;Pays de la Loire;44;Loire-Atlantique;44109;Nantes;Brutes;ABC;Total;Total;31510"


@pytest.mark.parametrize("field, renamed", [
    ("nombre_de_demandeurs_d_emploi", "nb_demandeurs"),
    ("code_commune", "codgeo"),
    ("date", "periode"),
    ("code_departement", "dep"),
])
def test_renamed_column(tmp_path, field, renamed):
    header = [renamed if h == field else h for h in FIELDS]
    with pytest.raises(SourceFormatError) as err:
        ft.parse_defm_communes(_official(tmp_path, header, [ROW]))
    e = err.value
    assert e.line == 1 and e.column == field and e.dataset_id == "dares_defm_communes"
    msg = str(e)
    assert "dares.csv" in msg and field in msg and ft.DEFM_OFFICIAL_COLUMNS[field] in msg
    assert "official DARES export" in msg and renamed in msg


def test_renamed_label(tmp_path):
    header = ["Nombre de DE" if h == "Nombre de demandeurs d'emploi" else h for h in LABELS]
    with pytest.raises(SourceFormatError, match=r"line 1, column 'nombre_de_demandeurs_d_emploi'.*"
                                                r"Nombre de demandeurs d'emploi"):
        ft.parse_defm_communes(_official(tmp_path, header, [ROW]))


def test_bad_count_and_date_lines(tmp_path):
    rows = [ROW, ROW.replace(";44109;", ";44110;").replace("31510", "1O5")]
    with pytest.raises(SourceFormatError) as err:
        ft.parse_defm_communes(_official(tmp_path, FIELDS, rows))
    assert (err.value.line, err.value.column, err.value.value) == (3, "nombre_de_demandeurs_d_emploi", "1O5")
    rows = [ROW.replace("2024-T4", "2024-12")]
    with pytest.raises(SourceFormatError, match=r"line 2, column 'Date', value '2024-12'.*YYYY-Tq"):
        ft.parse_defm_communes(_official(tmp_path, LABELS, rows))


def test_short_line(tmp_path):
    with pytest.raises(SourceFormatError, match=r"line 3: expected 12 fields, found 11"):
        ft.parse_defm_communes(_official(tmp_path, FIELDS, [ROW, ROW.rsplit(";", 1)[0]]))


@pytest.mark.parametrize("content, reason", [
    (b"", "file is empty"),
    (b"\xef\xbb\xbf\r\n  \r\n", "file is empty"),
    (b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head></html>\n", "HTML page"),
    (b'{"error_code": "ODSQLError", "message": "Unknown field: code_departement"}', "JSON answer"),
])
def test_not_a_csv_export(tmp_path, content, reason):
    if b"html" in content:  # what the official URL would serve on a portal error
        path = served(tmp_path, content)
    else:
        path = tmp_path / "dares.csv"
        path.write_bytes(content)
    with pytest.raises(SourceFormatError, match=reason) as err:
        ft.parse_defm_communes(path)
    assert err.value.path == str(path) and err.value.dataset_id == "dares_defm_communes"


def test_header_only_or_no_row_of_the_region(tmp_path):
    with pytest.raises(SourceFormatError, match="no row for categories ABC.*départements 44, 49, 53, 72, 85"):
        ft.parse_defm_communes(_official(tmp_path, FIELDS, [ROW.replace(";44;", ";35;")]))


# --- records -------------------------------------------------------------------------------------

def test_records():
    ds = dataset()
    assert ds.official_layout and ds.official_reason == ""
    assert ds.layout == "derived" and ds.mirror_path == DEFM
    assert 'where=code_departement%20in%20(%2244%22%2C%2249%22%2C%2253%22%2C%2272%22%2C%2285%22)' in ds.url
    for year in ft.DEFM_EPCI_YEARS:
        epci = next(d for d in ft.DATASETS if d.id == f"pe_defm_epci_{year}")
        assert not epci.official_layout
        assert epci.official_reason.startswith("no machine-readable official file: ")
        assert "pole-emploi.org" in epci.official_reason and str(year) in epci.official_reason
