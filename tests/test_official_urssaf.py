"""URSSAF parsers on the OFFICIAL commune × APE layout (what the datasets' URL serves).

The real sample ``official_layouts/urssaf_commune_ape/sample.csv`` of the mirror (header and 20 real
rows of département 76, 2006-2022 edition, label header, UTF-8 with BOM, CRLF) is read at run time,
served by the tests' local HTTP server at the path of the official URL, fetched with
:func:`sources.fetch.fetch` and parsed. Expected figures were summed by hand from its rows.
Bad-input texts are small hand-written tables.
"""

from __future__ import annotations

import math

import pytest

from sources import urssaf
from sources.errors import SourceFormatError
from sources.fetch import fetch

from .official import serve_official

SAMPLE = ("official_layouts", "urssaf_commune_ape", "sample.csv")
DS = {d.id: d for d in urssaf.DATASETS}
EFF = DS["urssaf_effectifs_commune"]
SECT = DS["urssaf_secteurs_2025"]
DEP76 = ("76",)  # the sample is Seine-Maritime: the region cut is set aside for these tests


@pytest.fixture(scope="module")
def sample(mirror):
    return mirror.joinpath(*SAMPLE)


def _fetched(tmp_path, ds, content):
    with serve_official(tmp_path, ds.url, content) as url:
        return fetch(ds, url=url, cache_dir=tmp_path / "cache", retries=1).path


def _field_header(sample_bytes: bytes) -> bytes:
    """The sample with its header line rewritten to the API field names of LAYOUT.md (the default
    header of an Opendatasoft v2.1 export, without ``use_labels=true``); rows, BOM and CRLF kept."""
    bom = b"\xef\xbb\xbf"
    assert sample_bytes.startswith(bom)
    head, sep, rest = sample_bytes[len(bom):].partition(b"\r\n")
    labels = head.decode("utf-8").split(";")
    fields = [f for f, _ in urssaf.OFFICIAL_DIMENSIONS]
    assert labels[:19] == [label for _, label in urssaf.OFFICIAL_DIMENSIONS]  # LAYOUT.md's pairing
    years = range(2006, 2023)
    assert labels[19:] == [x for y in years for x in (f"Nombre d'établissements {y}", f"Effectifs salariés {y}")]
    fields += [x for y in years for x in (f"nombre_d_etablissements_{y}", f"effectifs_salaries_{y}")]
    return bom + ";".join(fields).encode("utf-8") + sep + rest


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def _edit_line(data: bytes, line: int, old: bytes, new: bytes) -> bytes:
    lines = data.split(b"\r\n")
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return b"\r\n".join(lines)


# --- real values ------------------------------------------------------------------------------


def test_effectifs_official_label_header(sample, tmp_path):
    df = urssaf.parse_effectifs_commune(_fetched(tmp_path, EFF, sample), departements=DEP76)
    assert df.attrs["layout"] == "official"
    assert list(df.columns) == ["commune_code", "year", "value", "status"]
    assert [str(t) for t in df.dtypes] == ["object", "int64", "float64", "object"]
    assert set(df["commune_code"]) == {"76005", "76007", "76020"}
    assert sorted(df["year"].unique()) == list(range(2006, 2023))  # every year of the file
    v = df.set_index(["commune_code", "year"])
    # 76005 Amfreville-la-Mi-Voie, 18 APE rows summed by hand; empty cells count as 0, 8690E's 0 is real
    assert v.loc[("76005", 2006), "value"] == 63  # 4+3+15+21+2+4+9+0+5
    assert v.loc[("76005", 2018), "value"] == 23  # 2+2+4+1+1+4+1+0+4+4
    assert v.loc[("76005", 2022), "value"] == 34  # 2+1+3+1+5+6+1+4+7+4
    assert v.loc[("76007", 2022), "value"] == 6 and v.loc[("76020", 2019), "value"] == 9
    # 76020 / 3320A, 2018: one establishment, headcount withheld; the only row: missing, never 0
    assert math.isnan(v.loc[("76020", 2018), "value"]) and v.loc[("76020", 2018), "status"] == "missing"
    assert v.loc[("76020", 2012), "status"] == "missing"  # 2012: neither establishment nor headcount
    assert df.attrs["withheld_headcount"] == [("76020", 2018)]
    assert (df.loc[df["value"].notna(), "status"] == "ok").all()


def test_effectifs_official_field_name_header(sample, tmp_path):
    """Header rewritten to the API field names listed in LAYOUT.md: same table as with labels."""
    labels = urssaf.parse_effectifs_commune(sample, departements=DEP76)
    fields = urssaf.parse_effectifs_commune(_fetched(tmp_path, EFF, _field_header(sample.read_bytes())),
                                            departements=DEP76)
    assert fields.attrs["layout"] == "official"
    assert fields.equals(labels)
    assert fields.set_index(["commune_code", "year"]).loc[("76005", 2022), "value"] == 34


def test_secteurs_official(sample, tmp_path):
    df = urssaf.parse_secteurs(_fetched(tmp_path, SECT, sample), departements=DEP76)
    assert df.attrs["layout"] == "official"
    assert list(df.columns) == ["commune_code", "year", "sector_code", "sector_label", "employees",
                                "establishments"]
    assert (df["year"] == 2022).all()  # latest year of the file, from the column names
    got = {(r.commune_code, r.sector_code): (r.employees, r.establishments) for r in df.itertuples()}
    # 76005 in 2022: GS3 = 4520A (1;2); GS4 = 5610C (1;1) + 5629B (1;3); GS5 = 7 APE, 8 establishments.
    # GS2 (4399A) and GS7 (8690E) have only empty cells in 2022: absent, not zero rows.
    assert got == {("76005", "GS3"): (2, 1), ("76005", "GS4"): (4, 2), ("76005", "GS5"): (28, 8),
                   ("76007", "GS1"): (6, 1), ("76020", "GS1"): (4, 1)}
    assert df.loc[df["sector_code"] == "GS5", "sector_label"].iloc[0] == "Autres services marchands hors intérim"
    # the sectors add up to the commune totals of the other parser
    total = urssaf.parse_effectifs_commune(sample, departements=DEP76)
    total = total[total["year"] == 2022].set_index("commune_code")["value"]
    assert df.groupby("commune_code")["employees"].sum().equals(total)
    fields = urssaf.parse_secteurs(_write(tmp_path / "f.csv", _field_header(sample.read_bytes())),
                                   departements=DEP76)
    assert fields.equals(df)  # field-name header (LAYOUT.md): same table


def test_region_cut_is_the_default(sample, tmp_path):
    """Default départements = the region's: the sample (76) has none of them."""
    with pytest.raises(SourceFormatError) as err:
        urssaf.parse_effectifs_commune(sample)
    msg = str(err.value)
    assert "sample.csv" in msg and "44, 49, 53, 72, 85" in msg and "Code département" in msg
    assert urssaf.REGION_DEPARTEMENTS == ("44", "49", "53", "72", "85")


# --- hand-written tables: the sum rule, the cut, GS6 ------------------------------------------

_HEAD = ("code_departement;code_commune;grand_secteur_d_activite;code_ape;"
         "nombre_d_etablissements_2024;effectifs_salaries_2024;nombre_d_etablissements_2025;effectifs_salaries_2025\n")


def test_sum_rule_cut_and_withheld(tmp_path):
    """Empty = 0 in a sum, all empty = missing; 0 is real; a withheld headcount makes a lower bound;
    only the départements asked are kept (by code_departement, or by the commune prefix)."""
    text = _HEAD + (
        "44;44109;GS6 Intérim;7820Z;2;10;2;\n"           # 2025: headcount withheld
        "44;44109;GS1 Industrie;1011Z;1;5;1;7\n"          # 2025: 7 published -> lower bound
        "44;44001;GS3 Commerce;4711B;1;0;;\n"             # 0 is a real value; 2025 all empty
        "76;76999;GS3 Commerce;4520A;3;8;3;9\n"           # another département: cut
    )
    f = _write(tmp_path / "x.csv", text.encode("utf-8"))
    df = urssaf.parse_effectifs_commune(f)
    v = df.set_index(["commune_code", "year"])
    assert set(df["commune_code"]) == {"44001", "44109"}
    assert v.loc[("44109", 2024), "value"] == 15 and v.loc[("44109", 2025), "value"] == 7
    assert v.loc[("44109", 2025), "status"] == "ok"
    assert v.loc[("44001", 2024), "value"] == 0 and v.loc[("44001", 2024), "status"] == "ok"
    assert v.loc[("44001", 2025), "status"] == "missing"
    assert df.attrs["withheld_headcount"] == [("44109", 2025)]
    s = urssaf.parse_secteurs(f)
    got = {(r.commune_code, r.sector_code): (r.employees, r.establishments) for r in s.itertuples()}
    assert got[("44109", "GS1")] == (7, 1) and ("44001", "GS3") not in got
    gs6 = s[s["sector_code"] == "GS6"].iloc[0]
    assert gs6["sector_label"] == "Intérim" and math.isnan(gs6["employees"]) and gs6["establishments"] == 2
    assert s.attrs["withheld_headcount"] == [("44109", "GS6")]
    # without code_departement: the commune-code prefix decides
    no_dep = "\n".join(line.split(";", 1)[1] for line in text.splitlines()) + "\n"
    g = urssaf.parse_effectifs_commune(_write(tmp_path / "y.csv", no_dep.encode("utf-8")))
    assert g.equals(df)
    assert set(urssaf.parse_effectifs_commune(f, departements=None)["commune_code"]) == {"44001", "44109", "76999"}


def test_mirror_still_read(mirror):
    df = urssaf.parse_effectifs_commune(mirror / EFF.mirror_path)
    assert df.attrs["layout"] == "mirror" and len(df) == 1228 * 11
    assert df.groupby("year")["value"].sum()[2025] == 1_164_961
    s = urssaf.parse_secteurs(mirror / SECT.mirror_path)
    assert s.attrs["layout"] == "mirror" and len(s) == 5523 and s["establishments"].sum() == 98_347


def test_datasets_declare_the_official_layout():
    for ds in (EFF, SECT):
        assert ds.official_layout and not ds.official_reason
        assert ds.layout == "derived" and ds.mirror_path.startswith("urssaf/")
        assert ds.url.startswith("https://open.urssaf.fr/api/explore/v2.1/catalog/datasets/"
                                 "etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-last/exports/csv?")
        assert "where=code_region%3D%2252%22" in ds.url


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("parse", [urssaf.parse_effectifs_commune, urssaf.parse_secteurs])
def test_html_json_and_empty(parse, tmp_path):
    html = _write(tmp_path / "page.csv", b"<!DOCTYPE html>\n<html><body>503 Service Unavailable</body></html>\n")
    with pytest.raises(SourceFormatError, match=r"page\.csv, line 1.*HTML"):
        parse(html)
    js = _write(tmp_path / "err.csv", b'{"error_code": "ODSQLError", "message": "..."}')
    with pytest.raises(SourceFormatError, match=r"err\.csv, line 1.*JSON"):
        parse(js)
    empty = _write(tmp_path / "empty.csv", b"")
    with pytest.raises(SourceFormatError, match=r"empty\.csv, line 1: file is empty"):
        parse(empty)


def test_missing_code_column(sample, tmp_path):
    data = sample.read_bytes().replace(b";Code commune;", b";Code communal;", 1)
    with pytest.raises(SourceFormatError) as err:
        urssaf.parse_effectifs_commune(_write(tmp_path / "u.csv", data), departements=DEP76)
    assert err.value.column == "Code commune" and err.value.line == 1 and "u.csv" in str(err.value)
    data = _field_header(sample.read_bytes()).replace(b";grand_secteur_d_activite;", b";grand_secteur;", 1)
    with pytest.raises(SourceFormatError) as err:
        urssaf.parse_secteurs(_write(tmp_path / "s.csv", data), departements=DEP76)
    assert err.value.column == "grand_secteur_d_activite" and "missing column" in err.value.reason


def test_renamed_or_missing_year_columns(sample, tmp_path):
    data = sample.read_bytes().replace("Effectifs salariés 2022".encode(), "Effectif salarié 2022".encode(), 1)
    with pytest.raises(SourceFormatError) as err:
        urssaf.parse_effectifs_commune(_write(tmp_path / "u.csv", data), departements=DEP76)
    assert err.value.column == "Nombre d'établissements 2022" and "'Effectifs salariés 2022'" in err.value.reason
    text = "Code département;Code commune;Code APE;Effectif 2025\n44;44109;7820Z;3\n"
    with pytest.raises(SourceFormatError) as err:
        urssaf.parse_effectifs_commune(_write(tmp_path / "n.csv", text.encode()))
    assert err.value.column == "Effectifs salariés YYYY" and "no year column" in err.value.reason


def test_bad_cells_name_line_column_value(sample, tmp_path):
    data = sample.read_bytes()
    # line 5 = 76005 / 4531Z, whose 2006 headcount is 15
    bad = _edit_line(data, 5, b";1;15;", b";1;1 5;")
    with pytest.raises(SourceFormatError) as err:
        urssaf.parse_effectifs_commune(_write(tmp_path / "b.csv", bad), departements=DEP76)
    e = err.value
    assert (e.line, e.column, e.value) == (5, "Effectifs salariés 2006", "1 5") and "not a number" in e.reason
    neg = _edit_line(data, 5, b";1;15;", b";1;-15;")
    with pytest.raises(SourceFormatError, match=r"line 5, column 'Effectifs salariés 2006'.*negative"):
        urssaf.parse_effectifs_commune(_write(tmp_path / "b.csv", neg), departements=DEP76)
    dup = data.rstrip(b"\r\n").split(b"\r\n")
    dup = b"\r\n".join(dup + [dup[3]]) + b"\r\n"
    with pytest.raises(SourceFormatError, match=r"line 22, .*'76005/4520A'.*duplicate"):
        urssaf.parse_effectifs_commune(_write(tmp_path / "d.csv", dup), departements=DEP76)
    short = _edit_line(data, 3, b"76005;4511Z;", b"76005;")  # a field dropped
    with pytest.raises(SourceFormatError, match=r"line 3: expected 53 fields, found 52"):
        urssaf.parse_effectifs_commune(_write(tmp_path / "s.csv", short), departements=DEP76)
    sector = _edit_line(data, 2, b"GS2 Construction", b"GS1 Construction")
    with pytest.raises(SourceFormatError, match=r"line 2, .*'GS1 Construction'"):
        urssaf.parse_secteurs(_write(tmp_path / "g.csv", sector), departements=DEP76)
    commune = _edit_line(data, 20, b";76007;", b";7607;")
    with pytest.raises(SourceFormatError, match=r"line 20, column 'Code commune', value '7607'"):
        urssaf.parse_effectifs_commune(_write(tmp_path / "c.csv", commune), departements=DEP76)


def test_header_only(sample, tmp_path):
    head = sample.read_bytes().split(b"\r\n", 1)[0] + b"\r\n"
    with pytest.raises(SourceFormatError, match="no data row"):
        urssaf.parse_secteurs(_write(tmp_path / "h.csv", head), departements=DEP76)
