"""France services (ANCT) as a network of the directory, on the real list of 1 August 2024."""

from __future__ import annotations

import csv
import io

import duckdb
import pandas as pd
import pytest

from sources import catalog
from sources.errors import SourceFormatError
from sources.fetch import fetch

from .official import serve_official

DS = catalog.get("france_services_2024")


@pytest.fixture(scope="module")
def fs(mirror):
    return DS.parse(mirror / DS.mirror_path)


def test_the_real_list(fs):
    assert len(fs) == 128
    assert fs["commune_code"].str[:2].value_counts().to_dict() == {"44": 33, "49": 28, "72": 26, "85": 23, "53": 18}
    r = fs.set_index("fs_id").loc["664"]
    assert (r["name"], r["address"], r["commune_code"], r["postcode"]) == (
        "France services Voyageurs 72", "22 Rue François Monnier", "72181", "72100")
    assert (r["latitude"], r["longitude"]) == (pytest.approx(47.95325), pytest.approx(0.185936))
    assert (r["phone"], r["email"]) == ("02 43 52 18 59", "franceservices@voyageurs72.fr")
    assert r["opening_hours"].startswith("lundi 09:00 - 12:00 / 13:30 - 16:30")
    assert r["labelled"] == "Espace labellisé 01/02/2020"
    buses = fs[fs["format"].str.startswith("Bus")]
    assert len(buses) == 3 and buses["opening_hours"].dropna().str.startswith("itinérant (bus)").all()


def test_the_national_file_as_served_today(mirror, fs, tmp_path):
    """A 2026 reuser describes the national file as ';'-separated with a BOM: built here from the
    real lines (re-separated), with rows of another département relabelled, served at the official
    URL's path; the parse equals the mirror's."""
    rows = list(csv.reader(io.StringIO((mirror / DS.mirror_path).read_text(encoding="utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    dep, com = header.index("insee_dep"), header.index("insee_com")
    other = []
    for r in body[:5]:
        r = list(r)
        r[dep], r[com] = "35", "35" + r[com][2:]
        r[0] = "9" + r[0]
        other.append(r)
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows([header, *other, *body])
    with serve_official(tmp_path, DS.url, ("\ufeff" + out.getvalue()).encode("utf-8")) as url:
        got = fetch(DS, url=url, cache_dir=tmp_path / "cache")
    pd.testing.assert_frame_equal(DS.parse(got.path), fs)


def test_a_renamed_column_is_named(tmp_path):
    f = tmp_path / "fs.csv"
    f.write_text('"id_fs","insee_dep","nom","adresse","insee_com","code_postal","latitude","longitude"\n')
    with pytest.raises(SourceFormatError, match="lib_fs"):
        DS.parse(f)


def test_france_services_in_the_directory_and_the_indicators(warehouse_db):
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        n = con.execute("select count(*) from directory.reception_point where network = 'france_services'").fetchone()[0]
        assert n == 128
        # 49069 (Orée d'Anjou's former code, a commune déléguée in 2026) is placed in 49126
        codes = {r[0] for r in con.execute(
            "select commune_code from directory.reception_point where network = 'france_services'").fetchall()}
        assert "49069" not in codes and "49126" in codes
        placed = con.execute(
            """select count(distinct p.id) from directory.reception_point p
               join directory.reception_point_territory t on t.id = p.id and t.set_id = 'clpe'
               where p.network = 'france_services'""").fetchone()[0]
        assert placed == 128
        region = con.execute(
            """select value from indicators.observation where set_id = 'region'
               and indicator_id = 'points_accueil_france_services'""").fetchone()[0]
        assert region == 128
