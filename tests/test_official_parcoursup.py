"""Parcoursup (``parcoursup_extrait``): the official ``fr-esr-parcoursup`` export, served at the official
URL's path by the tests' local HTTP server, fetched and parsed into the same raw table as the mirror.

Real rows, read at run time from ``official_layouts/parcoursup/``: ``sample.csv`` (6 Mayenne rows,
field-name header, session 2025) and ``sample_labels_header.csv`` (2 rows outside the region, label
header). ``sample.csv`` has one defect, ``co=ntrat_etab`` in its header (a stray ``=`` typed by the
owner of the third-party copy, see LAYOUT.md): the parser refuses it (test below), so the served copy
has that one header cell put back to the official ``contrat_etab``; the rows are unchanged.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pandas as pd
import pytest

from sources import parcoursup as ps
from sources.errors import SourceFormatError
from sources.fetch import fetch

from .official import serve_official

LAYOUTS = "official_layouts/parcoursup"
MIRROR = "parcoursup/fr-esr-parcoursup_simplifie_pdl.csv"


def served(tmp_path, content: bytes):
    """Serve ``content`` at the official URL's path, fetch it, return the retrieved file."""
    (ds,) = ps.DATASETS
    with serve_official(tmp_path, ds.url, content) as url:
        retrieval = fetch(ds, url=url, cache_dir=tmp_path / "cache")
    assert retrieval.origin == "http" and retrieval.bytes == len(content)
    return retrieval.path


def sample(mirror) -> bytes:
    """``sample.csv`` with its header's one damaged cell put back to ``contrat_etab``."""
    header, rows = (mirror / LAYOUTS / "sample.csv").read_bytes().split(b"\n", 1)
    assert header.split(b";")[1] == b"co=ntrat_etab"
    return header.replace(b"co=ntrat_etab", b"contrat_etab") + b"\n" + rows


@pytest.fixture(scope="module")
def from_mirror(mirror):
    return ps.parse(mirror / MIRROR)


@pytest.fixture(scope="module")
def official(mirror, tmp_path_factory):
    return ps.parse(served(tmp_path_factory.mktemp("psup"), sample(mirror)))


def test_field_name_header(official, from_mirror):
    df = official
    assert df.attrs["layout"] == "official" and from_mirror.attrs["layout"] == "mirror"
    assert list(df.columns) == list(from_mirror.columns) and df.dtypes.equals(from_mirror.dtypes)
    assert df["uai"].tolist() == ["0530010Y", "0530012A", "0530012A", "0530048P", "0530079Y", "0530081A"]
    assert df["_line"].tolist() == [2, 3, 4, 5, 6, 7]
    assert (df["session"] == "2025").all() and (df["region"] == "Pays-de-la-Loire").all()
    assert (df["formation_type"] == "BTS").all()
    agri = df[df["uai"] == "0530081A"].iloc[0]  # the row LAYOUT.md matches with the mirror's BTSA ACSE
    assert agri["establishment"] == "Lycée agricampus de Laval"
    assert agri["formation"] == ("BTS - Agricole - Analyse, conduite et stratégie de l'entreprise agricole, "
                                 "option Territoires métropolitains")
    assert (agri["sector"], agri["sector_detail"]) == ("Public", "Public")
    assert (agri["latitude"], agri["longitude"]) == (48.0496, -0.79497)
    private = df[df["uai"] == "0530048P"].iloc[0]
    assert (private["sector"], private["sector_detail"]) == ("Privé", "Privé sous contrat d'association")
    assert private["establishment"] == "Lycée Immaculee Conception"
    assert df.loc[0, "formation"] == "BTS - Services - Comptabilité et gestion"
    assert (df.loc[0, "latitude"], df.loc[0, "longitude"]) == (48.0667, -0.77679)


def test_official_rows_agree_with_the_mirror(official, from_mirror):
    """Each of the 6 real rows is in the mirror's extract (same UAI and label up to accents and
    apostrophes), and every column both layouts carry agrees."""
    key = from_mirror.assign(_key=from_mirror["formation"].map(ps._plain))
    for row in official.itertuples(index=False):
        same = key[(key["uai"] == row.uai) & (key["_key"] == ps._plain(row.formation))]
        assert len(same) == 1, row.formation
        m = same.iloc[0]
        assert (m["sector"], m["sector_detail"], m["formation_type"]) == (
            row.sector, row.sector_detail, row.formation_type)
        assert (m["latitude"], m["longitude"]) == (row.latitude, row.longitude)
        assert ps._plain(m["establishment"]) == ps._plain(row.establishment)
        assert m["region"] == row.region.replace("-", " ")  # the extract stripped the hyphens
    agri = from_mirror[from_mirror["uai"] == "0530081A"]
    assert len(agri) == 3 and agri["formation"].str.startswith("BTS - Agricole - ").all()


def test_export_with_bom_and_crlf(mirror, tmp_path, official):
    """The portal's exports may carry a UTF-8 BOM and CRLF line ends: same table."""
    content = b"\xef\xbb\xbf" + sample(mirror).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    pd.testing.assert_frame_equal(ps.parse(served(tmp_path, content)), official)


def test_label_header(mirror, tmp_path):
    path = served(tmp_path, (mirror / LAYOUTS / "sample_labels_header.csv").read_bytes())
    df = ps.parse(path, departements=["33", "09"])
    assert df.attrs["layout"] == "official"
    assert df["uai"].tolist() == ["0331498Z", "0090015T"]
    # column 10 (lib_for_voe_ins), not column 14 (form_lib_voe_acc) that has the same label
    assert df["formation"].tolist() == [
        "DN MADE - Espace - Spécialité : Espace de Communication, Innovation packaging et éco design",
        "BTS - Production - Electrotechnique"]
    assert df["formation_type"].tolist() == ["DN MADE", "BTS"]
    assert df["establishment"].tolist() == ["Lycée Le Mirail", "Lycée polyvalent Pyrène"]
    assert df["sector_detail"].tolist() == ["Privé sous contrat d'association", "Public"]
    assert df["region"].tolist() == ["Nouvelle Aquitaine", "Occitanie"]
    assert df["latitude"].tolist() == [44.8335, 43.1144] and df["longitude"].tolist() == [-0.57096, 1.6086]
    assert (df["session"] == "2025").all()
    assert ps.parse(path, departements=None)["uai"].tolist() == ["0331498Z", "0090015T"]
    assert ps.parse(path, departements=["09"])["uai"].tolist() == ["0090015T"]
    with pytest.raises(SourceFormatError, match=r"no formation in départements 44, 49, 53, 72, 85"):
        ps.parse(path)  # the region's départements by default


def test_departement_cut(mirror, tmp_path):
    assert len(ps.parse(served(tmp_path, sample(mirror)), departements=["53"])) == 6
    with pytest.raises(SourceFormatError, match="no formation in départements 44"):
        ps.parse(served(tmp_path / "b", sample(mirror)), departements=["44"])


# --- bad inputs ----------------------------------------------------------------------------------

def test_damaged_header_cell_is_refused(mirror):
    """The verbatim third-party copy: co=ntrat_etab is not taken for contrat_etab."""
    with pytest.raises(SourceFormatError) as err:
        ps.parse(mirror / LAYOUTS / "sample.csv")
    e = err.value
    assert (e.line, e.column, e.dataset_id) == (1, "contrat_etab", "parcoursup_extrait")
    assert "sample.csv" in str(e) and "'co=ntrat_etab'" in str(e) and "Statut de l’établissement" in str(e)


@pytest.mark.parametrize("field, renamed", [("cod_uai", "uai"), ("dep", "departement"),
                                            ("lib_for_voe_ins", "formation")])
def test_renamed_column(mirror, tmp_path, field, renamed):
    header, rows = sample(mirror).split(b"\n", 1)
    cells = [renamed if c == field else c for c in header.decode("utf-8").split(";")]
    f = tmp_path / "psup.csv"
    f.write_bytes(";".join(cells).encode("utf-8") + b"\n" + rows)
    with pytest.raises(SourceFormatError) as err:
        ps.parse(f)
    assert (err.value.line, err.value.column) == (1, field)
    assert "psup.csv" in str(err.value) and ps.OFFICIAL_LABELS[field] in str(err.value)


def test_renamed_label(mirror, tmp_path):
    text = (mirror / LAYOUTS / "sample_labels_header.csv").read_text(encoding="utf-8")
    f = tmp_path / "psup.csv"
    f.write_text(text.replace("Code UAI de l'établissement", "UAI", 1), encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"line 1, column 'cod_uai'.*Code UAI de l'établissement"):
        ps.parse(f, departements=None)


def test_bad_cells_name_line_and_column(mirror, tmp_path):
    header, rows = sample(mirror).decode("utf-8").split("\n", 1)
    f = tmp_path / "psup.csv"
    f.write_text(header + "\n" + rows.replace("0530079Y", "530079Y", 1), encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"line 6, column 'cod_uai', value '530079Y'"):
        ps.parse(f)
    f.write_text(header + "\n" + rows.replace("48.2995, -0.62308", "-0.62308, 48.2995", 1), encoding="utf-8")
    with pytest.raises(SourceFormatError,
                       match=r"line 6, column 'g_olocalisation_des_formations', value '-0.62308, 48.2995'"):
        ps.parse(f)
    lines = rows.split("\n")
    lines[2] = lines[2].rsplit(";", 1)[0]
    f.write_text(header + "\n" + "\n".join(lines), encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"line 4: expected 118 fields, found 117"):
        ps.parse(f)


@pytest.mark.parametrize("content, reason", [
    (b"", "file is empty"),
    (b"\n\n", "file is empty"),
    (b"<!doctype html>\n<html><body><h1>Bad Gateway</h1></body></html>\n", "HTML page"),
    (b'{"error_code": "ODSQLError", "message": "Unknown field: region"}', "JSON answer"),
])
def test_not_a_csv_export(tmp_path, content, reason):
    if b"html" in content:  # what the official URL would serve on a portal error
        path = served(tmp_path, content)
    else:
        path = tmp_path / "psup.csv"
        path.write_bytes(content)
    with pytest.raises(SourceFormatError, match=reason) as err:
        ps.parse(path)
    assert err.value.path == str(path) and err.value.dataset_id == "parcoursup_extrait"


# --- record --------------------------------------------------------------------------------------

def test_record():
    (ds,) = ps.DATASETS
    assert ds.official_layout and ds.official_reason == ""
    assert ds.layout == "derived" and ds.mirror_path == MIRROR
    where = unquote(ds.url).split("where=", 1)[1]
    assert where == 'dep in ("44","49","53","72","85")'
    assert "region_etab_aff" not in ds.url and re.search(r"delimiter=%3B", ds.url)
