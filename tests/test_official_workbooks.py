"""The official files behind INSEE unemployment, zones d'emploi and BMO, served at the official URL's
path by the tests' local HTTP server, fetched, and parsed like the mirror.

* ``insee_chomage_ze``/``insee_chomage_ze_parties``: the REAL official workbook
  ``official_layouts/insee_chomage_zone_emploi/chomage-zone-t1-2003-t3-2023.xlsx`` (national), served
  unchanged; variants (header moved, sheet renamed…) are rebuilt from its values with openpyxl.
* No real official copy of the other files is in the mirror, so their official-layout fixtures are
  built IN THE TESTS, at run time, from the mirror's real values laid out the official way:

  - ``insee_ze2020_communes``: a zip holding ``ZE2020_au_01-01-2023.xlsx`` with the sheets of the
    real workbook (``ZE2020``, ``Composition_communale``, ``Variables``, ``Documentation``; 4 title
    rows, a label row, the code row ``CODGEO…`` on row 6, as in the copy the mirror was cut from,
    pwisniewski-econ/interestnpy ``data/external/GEOCOM/ZE2020_au_01-01-2023.xlsx``). Rows of another
    region are needed to exercise the cut: they are copies of mirror rows with ``REG`` = ``53`` and
    ``DEP`` = ``35`` (markers, not published rows); kept by mistake, they would duplicate communes.
  - ``bmo_2024``: a zip holding ``Base_open_data_BMO_2024.xlsx``: sheet ``Description des variables``
    (the mirror's dictionary) then ``BMO_2024_open_data`` with its header on row 1, and cells typed as
    in the real workbook (dataforgoodfr/13_odis ``Base_open_data_BMO_2024.xlsx``): ``annee`` and
    ``BE24`` numbers, codes and counts text, ``*`` for secret. Other-region markers as above
    (``REG`` = ``53``).
  - ``insee_chomage_dep_reg``: the SDMX-ML 2.1 ``StructureSpecificData`` message of the BDM web
    service (``<Series IDBANK=… TITLE_FR=…>`` of ``<Obs TIME_PERIOD="2024-Q4" OBS_VALUE=…/>``, newest
    first, as in live captures published in third-party tests), and its ``GenericData`` twin, with
    the mirror's 7 series.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from sources import bmo, catalog, chomage
from sources.errors import SourceFormatError
from sources.fetch import fetch

from .official import serve_official

LAYOUTS = "official_layouts/insee_chomage_zone_emploi"
WORKBOOK = f"{LAYOUTS}/chomage-zone-t1-2003-t3-2023.xlsx"
ZE = "insee/insee_taux_chomage_localise_zone_emploi_2003T1_2023T3_pdl.csv"
PARTS = "insee/insee_taux_chomage_localise_ze_parties_regionales_2003T1_2023T3_pdl.csv"
BDM = "insee/insee_bdm_taux_chomage_localise_region_dep_2000T1_2024T4_pdl.csv"
COMPOSITION = "insee/insee_ze2020_composition_communale_geo2023_pdl.csv"
BMO = "bmo/bmo_2024_pdl.csv"
BMO_DICTIONARY = "bmo/bmo_2024_dictionnaire.csv"


def dataset(module, dataset_id):
    return next(d for d in module.DATASETS if d.id == dataset_id)


def served(tmp_path, ds, content: Path | bytes) -> Path:
    """Serve ``content`` at the path of ``ds.url``, fetch it as the pipeline does, return the file."""
    with serve_official(tmp_path, ds.url, content) as url:
        retrieval = fetch(ds, url=url, cache_dir=tmp_path / "cache")
    assert retrieval.origin == "http"
    return retrieval.path


def read_rows(path: Path) -> dict[str, list[list]]:
    """Every sheet of a workbook as rows from A1 (values as python-calamine reads them)."""
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def write_xlsx(sheets: dict[str, list[list]]) -> bytes:
    """An .xlsx holding ``sheets`` (name → rows from A1); ``""`` and ``None`` are empty cells."""
    wb = openpyxl.Workbook(write_only=True)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([None if v == "" else v for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def mirror_csv(path: Path, sep=";") -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f, delimiter=sep))


def expect_error(parse, path, *fragments):
    with pytest.raises(SourceFormatError) as err:
        parse(path)
    msg = str(err.value)
    for fragment in fragments:
        assert fragment in msg, msg
    return err.value


# --- INSEE zone d'emploi rates: the real official workbook ------------------------------------------

@pytest.fixture(scope="module")
def ze_mirror(mirror):
    return {chomage.ZE_ID: chomage.parse_ze_rates(mirror / ZE),
            chomage.ZE_PARTS_ID: chomage.parse_ze_rates(mirror / PARTS)}


@pytest.fixture(scope="module")
def workbook_rows(mirror):
    return read_rows(mirror / WORKBOOK)


@pytest.fixture(scope="module")
def small_rows(workbook_rows):
    """The real workbook's first 20 rows of each sheet and the region's rows (fast bad-input tests)."""
    def wanted(row):
        return str(row[0])[:2] == "52" or row[0] in ("0051", "0062")

    return {name: rows[:20] + [r for r in rows[20:] if wanted(r)] for name, rows in workbook_rows.items()}


def sample_rates(mirror, name: str, code_col: str) -> dict[tuple[str, str], float]:
    """(zone, quarter) → rate, from the sample cut from the real workbook (LAYOUT.md)."""
    rows = mirror_csv(mirror / LAYOUTS / name)
    at = next(i for i, r in enumerate(rows) if r and r[0] == code_col)
    header = rows[at]
    return {(r[0], q): float(v) for r in rows[at + 1:] if r and r[0]
            for q, v in zip(header, r) if q[:2] == "20" and "-T" in q}


def test_real_ze_workbook_at_the_official_url_equals_the_mirror(mirror, tmp_path, ze_mirror):
    """Both datasets have the same official URL: one server, one fetch each."""
    records = [dataset(chomage, chomage.ZE_ID), dataset(chomage, chomage.ZE_PARTS_ID)]
    assert records[0].url == records[1].url
    parsed = {}
    with serve_official(tmp_path, records[0].url, mirror / WORKBOOK) as url:
        for ds in records:
            retrieval = fetch(ds, url=url, cache_dir=tmp_path / "cache")
            assert retrieval.origin == "http" and retrieval.path.read_bytes()[:4] == b"PK\x03\x04"
            parsed[ds.id] = ds.parse(retrieval.path)
    for dataset_id, df in parsed.items():
        assert df.attrs["layout"] == "official" and ze_mirror[dataset_id].attrs["layout"] == "mirror"
        pd.testing.assert_frame_equal(df, ze_mirror[dataset_id])
    # real values, read from the samples cut from the real workbook (LAYOUT.md) and its spot checks
    zones = parsed[chomage.ZE_ID]
    rates = zones.set_index(["ze_code", "quarter"])["rate"]
    expected = sample_rates(mirror, "sample.csv", "ZE2020")
    assert len(expected) == 23 * 83 and {k: rates[k] for k in expected} == expected
    # the national workbook cut to REG 52 + the interregional zones with a Pays de la Loire part
    assert set(zones["ze_code"]) == {"0051", "0062", *(f"52{i:02d}" for i in range(1, 22))}
    assert rates[("0051", "2003-T1")] == 7.0  # the cell holds the number 7
    assert rates[("5216", "2023-T3")] == 5.5 and rates[("5213", "2023-T3")] == 3.5
    parts = parsed[chomage.ZE_PARTS_ID].set_index(["ze_code", "quarter"])["rate"]
    expected = sample_rates(mirror, "sample_parties_reg.csv", "ZER2020")
    assert len(expected) == 2 * 83 and {k: parts[k] for k in expected} == expected
    assert parts[("5251", "2023-T3")] == 6.2 and parts[("5262", "2023-T3")] == 7.9


def rebuilt(rows: dict[str, list[list]], *, edits=None, rename=None) -> bytes:
    """The real workbook's values rewritten with openpyxl, ``edits[sheet](rows)`` applied, sheets
    renamed."""
    sheets = {name: [list(r) for r in rs] for name, rs in rows.items()}
    for name, edit in (edits or {}).items():
        edit(sheets[name])
    if rename:
        sheets = {rename.get(name, name): rs for name, rs in sheets.items()}
    return write_xlsx(sheets)


def insert_blank(rows):
    rows.insert(0, [""] * len(rows[0]))


def test_ze_workbook_with_its_header_one_row_lower(tmp_path, ze_mirror, workbook_rows):
    path = _write(tmp_path / "moved.xlsx",
                  rebuilt(workbook_rows, edits={"txcho_ze": insert_blank, "txcho_parties reg": insert_blank}))
    rows = read_rows(path)
    assert rows["txcho_ze"][6][0] == "ZE2020" and rows["txcho_parties reg"][8][0] == "ZER2020"
    for dataset_id in (chomage.ZE_ID, chomage.ZE_PARTS_ID):
        df = chomage.parse_ze_rates(path, dataset_id)
        assert df.attrs["layout"] == "official"
        pd.testing.assert_frame_equal(df, ze_mirror[dataset_id])


def _set_nantes_last_rate(rows):
    rows[[r[0] for r in rows].index("5216")][-1] = "5,5 %"


ZE_BAD = {
    "sheet_renamed": (dict(rename={"txcho_ze": "txcho_zones"}),
                      ["no sheet 'txcho_ze'", "'txcho_zones'", "chomage-zone"]),
    "header_row_missing": (dict(edits={"txcho_ze": lambda rows: rows.pop(5)}),
                           ["(sheet 'txcho_ze')", "header row not found", "'ZE2020'"]),
    "header_row_moved_too_far": (dict(edits={"txcho_ze": lambda rows: [insert_blank(rows) for _ in range(50)]}),
                                 ["(sheet 'txcho_ze')", "header row not found", "first 50"]),
    "quarter_renamed": (dict(edits={"txcho_ze": lambda rows: rows[5].__setitem__(-1, "2023T3")}),
                        ["(sheet 'txcho_ze')", "line 6", "column '2023T3'", "expected YYYY-Tq"]),
    "quarter_dropped": (dict(edits={"txcho_ze": lambda rows: [r.pop(30) for r in rows]}),
                        ["(sheet 'txcho_ze')", "line 6", "not consecutive", "2009-T2 is followed by 2009-T4"]),
    "code_column_renamed": (dict(edits={"txcho_ze": lambda rows: rows[5].__setitem__(2, "REG2016")}),
                            ["(sheet 'txcho_ze')", "line 6", "missing column(s) REG"]),
    "rate_not_a_number": (dict(edits={"txcho_ze": _set_nantes_last_rate}),
                          ["(sheet 'txcho_ze')", "column '2023-T3'", "'5,5 %'", "not a number"]),
}


@pytest.mark.parametrize("case", list(ZE_BAD))
def test_ze_workbook_bad_inputs(tmp_path, small_rows, case):
    change, fragments = ZE_BAD[case]
    path = _write(tmp_path / "chomage-zone.xlsx", rebuilt(small_rows, **change))
    err = expect_error(lambda p: chomage.parse_ze_rates(p, chomage.ZE_ID), path, *fragments)
    assert err.dataset_id == chomage.ZE_ID and str(path) in err.path
    if case == "rate_not_a_number":  # the line is the sheet's row
        assert err.line == [r[0] for r in small_rows["txcho_ze"]].index("5216") + 1


def test_ze_parts_sheet_renamed_is_an_error_for_both_datasets(tmp_path, small_rows):
    path = tmp_path / "chomage-zone.xlsx"
    path.write_bytes(rebuilt(small_rows, rename={"txcho_parties reg": "txcho_parties_reg"}))
    for dataset_id in (chomage.ZE_ID, chomage.ZE_PARTS_ID):
        expect_error(lambda p: chomage.parse_ze_rates(p, dataset_id), path, "no sheet 'txcho_parties reg'",
                     "'txcho_parties_reg'")


HTML_PAGE = (b"<!DOCTYPE html>\n<html lang=\"fr\"><head><title>Page introuvable</title></head>"
             b"<body><h1>Erreur 404</h1></body></html>\n")


def test_official_urls_answering_a_web_page_or_nothing(tmp_path):
    """An HTML page at the official URL (served and fetched), or an empty file, names the file."""
    cases = [(chomage, chomage.ZE_ID), (chomage, chomage.ZE_COMPOSITION_ID), (chomage, chomage.BDM_ID),
             (bmo, bmo.BMO_ID)]
    html = served(tmp_path, dataset(chomage, chomage.ZE_ID), HTML_PAGE)
    for module, dataset_id in cases:
        ds = dataset(module, dataset_id)
        for content, fragment in ((HTML_PAGE, "HTML page"), (b"", "file is empty"), (b" \r\n", "file is empty")):
            path = html if content == HTML_PAGE else _write(tmp_path / f"{dataset_id}-{len(content)}.bin", content)
            err = expect_error(catalog.parser_of(ds), path, fragment, str(path))  # the parser itself
            assert err.dataset_id == dataset_id
        expect_error(ds.parse, html, str(html))  # Dataset.parse refuses HTML pages before the parser


# --- zones d'emploi 2020: composition zip (built from the mirror's values) ---------------------------

def composition_xlsx(mirror, *, header_offset=0, sheet_name="Composition_communale", keep=None) -> bytes:
    """``keep``: only the first rows of the mirror (fast bad-input tests)."""
    rows = mirror_csv(mirror / COMPOSITION)
    header, data = rows[0], rows[1:keep and keep + 1]
    markers = [[r[0].replace("44", "35", 1), r[1], r[2], r[3], "", "35", "53"] for r in data[:40]]
    titles = [["Zones d'emploi 2020"], ["France - Composition communale"],
              ["Mise en ligne le 17/03/2023       Géographie au 01/01/2023"],
              ["@Insee       Source(s) : Insee, Code officiel géographique"]]
    labels = ["Code géographique communal", "Libellé géographique", "Zone d'emploi 2020",
              "Libellé zone d'emploi 2020", "Partie régionale de la zone d’emploi trans-régionale",
              "Département", "Région"]
    zones: dict[str, list] = {}
    for r in data:
        zones.setdefault(r[2], [r[2], r[3], 0.0])[2] += 1
    return write_xlsx({
        "ZE2020": titles[:1] + [["France - Liste des zones d'emploi 2020"]] + titles[2:]
        + [["Zone d'emploi 2020", "Libellé zone d'emploi 2020", "Nombre communes"], ["ZE2020", "LIBZE2020", "NB_COM"]]
        + sorted(zones.values()),
        sheet_name: [[""]] * header_offset + titles + [labels, header] + markers[:20] + data + markers[20:],
        "Variables": titles[:1] + [["Variables"]] + titles[2:] + [[""], ["VAR_ID", "VAR_LIB", "VAR_LIB_LONG"]]
        + [[c, lab, lab] for c, lab in zip(header, labels)],
        "Documentation": titles[:1] + [["Documentation"]] + titles[2:],
    })


@pytest.fixture(scope="module")
def composition_mirror(mirror):
    return chomage.parse_ze_composition(mirror / COMPOSITION)


def test_ze_composition_zip_at_the_official_url_equals_the_mirror(mirror, tmp_path, composition_mirror):
    ds = dataset(chomage, chomage.ZE_COMPOSITION_ID)
    path = served(tmp_path, ds, zipped({"ZE2020_au_01-01-2023.xlsx": composition_xlsx(mirror)}))
    df = ds.parse(path)
    assert df.attrs["layout"] == "official" and composition_mirror.attrs["layout"] == "mirror"
    pd.testing.assert_frame_equal(df, composition_mirror)
    # real values of the mirror file
    assert len(df) == 1233 and not df["commune_code"].str.startswith("35").any()
    by_code = df.set_index("commune_code")
    assert by_code.loc["44109", "ze_code"] == "5216" and by_code.loc["44109", "ze_label"] == "Nantes"
    assert by_code.loc["44007", "ze_partie_reg"] == "0062-52" and by_code.loc["44007", "zer_code"] == "5262"
    assert df["zer_code"].value_counts().to_dict() == {"": 1154, "5251": 72, "5262": 7}


def test_ze_composition_header_lower_and_xlsx_without_zip(mirror, tmp_path, composition_mirror):
    path = tmp_path / "ZE2020_au_01-01-2023.xlsx"
    path.write_bytes(composition_xlsx(mirror, header_offset=1, keep=200))
    assert read_rows(path)["Composition_communale"][6][0] == "CODGEO"
    pd.testing.assert_frame_equal(chomage.parse_ze_composition(path), composition_mirror.head(200))


def test_ze_composition_bad_inputs(mirror, tmp_path):
    parse = chomage.parse_ze_composition
    good = composition_xlsx(mirror, keep=200)
    no_member = tmp_path / "no_member.zip"
    no_member.write_bytes(zipped({"ZE2020_au_01-01-2023.csv": b"CODGEO;LIBGEO\n", "lisezmoi.txt": b"x"}))
    expect_error(parse, no_member, "no Excel workbook member", "ZE2020_au_01-01-2023.csv", "ZE2020_au_01-01-YYYY.zip")
    expect_error(parse, _write(tmp_path / "empty.zip", zipped({})), "no Excel workbook member", "empty archive")
    renamed = tmp_path / "renamed.zip"
    renamed.write_bytes(zipped({"ZE2020_au_01-01-2023.xlsx": composition_xlsx(mirror, sheet_name="Composition",
                                                                               keep=200)}))
    expect_error(parse, renamed, "renamed.zip!ZE2020_au_01-01-2023.xlsx", "no sheet 'Composition_communale'",
                 "'Composition'")
    rows = read_rows(_write(tmp_path / "good.xlsx", good))
    rows["Composition_communale"][5][2] = "ZE"
    bad_header = tmp_path / "bad_header.zip"
    bad_header.write_bytes(zipped({"ZE2020_au_01-01-2023.xlsx": write_xlsx(rows)}))
    expect_error(parse, bad_header, "(sheet 'Composition_communale')", "line 6", "missing column(s) ZE2020")
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(zipped({"ZE2020_au_01-01-2023.xlsx": good})[:2000])
    expect_error(parse, corrupt, "corrupt.zip", "not a readable zip")


# --- BMO 2024: zip of the open-data workbook (built from the mirror's values) ------------------------

def bmo_xlsx(mirror, *, header_offset=0, sheet_name="BMO_2024_open_data", edit_header=None, keep=None) -> bytes:
    """``keep``: only the first rows of the mirror (fast bad-input tests)."""
    rows = mirror_csv(mirror / BMO)
    header, data = rows[0], rows[1:keep and keep + 1]
    be24, annee, reg = header.index("BE24"), header.index("annee"), header.index("REG")

    def typed(r):  # numbers where the real workbook has numbers, text elsewhere
        r = list(r)
        r[annee], r[be24] = float(r[annee]), float(r[be24])
        return r

    markers = []
    for r in data[:30]:  # other-region markers (module docstring)
        m = typed(r)
        m[reg] = "53"
        markers.append(m)
    dictionary = mirror_csv(mirror / BMO_DICTIONARY, sep=",")
    at = next(i for i, r in enumerate(dictionary) if len(r) > 1 and r[1].strip() == "Variables")
    head = list(header)
    if edit_header:
        edit_header(head)
    return write_xlsx({
        "Description des variables": [r[:3] for r in dictionary[at:]],
        sheet_name: [[""]] * header_offset + [head] + markers[:15] + [typed(r) for r in data] + markers[15:],
    })


@pytest.fixture(scope="module")
def bmo_mirror(mirror):
    return bmo.parse_bmo(mirror / BMO)


@pytest.fixture(scope="module")
def bmo_official(mirror):
    return bmo_xlsx(mirror)


def test_bmo_zip_at_the_official_url_equals_the_mirror(mirror, tmp_path, bmo_mirror, bmo_official):
    ds = dataset(bmo, bmo.BMO_ID)
    path = served(tmp_path, ds, zipped({"Base_open_data_BMO_2024.xlsx": bmo_official}))
    df = ds.parse(path)
    assert df.attrs["layout"] == "official" and bmo_mirror.attrs["layout"] == "mirror"
    pd.testing.assert_frame_equal(df, bmo_mirror)
    # real values of the mirror file (bmo/SOURCE.md spot checks)
    assert len(df) == 3462 and (df["region"] == "52").all()
    assert df["projects"].sum() == 187_291 and df["difficult"].sum() == 111_251
    assert df.groupby("basin_code")["projects"].sum()["5220"] == 42_283
    first = df.iloc[0]
    assert (first["fap_code"], first["basin_code"], first["basin_label"]) == ("A0X40", "5203", "CHATEAUBRIANT")
    assert (first["projects"], first["difficult"], first["seasonal"]) == (98, 34, 87)
    # '*' stays secret: NaN with status secret, never 0
    secret = df["projects_status"] == "secret"
    assert secret.sum() == 655 and df.loc[secret, "projects"].isna().all()
    assert (df[["projects", "difficult", "seasonal"]] != 0).all().all()


def test_bmo_workbook_header_lower_and_xlsx_without_zip(mirror, tmp_path, bmo_mirror):
    path = _write(tmp_path / "Base_open_data_BMO_2024.xlsx", bmo_xlsx(mirror, header_offset=1, keep=300))
    assert read_rows(path)["BMO_2024_open_data"][1][0] == "annee"
    pd.testing.assert_frame_equal(bmo.parse_bmo(path), bmo_mirror.head(300))


def test_bmo_bad_inputs(mirror, tmp_path):
    parse = bmo.parse_bmo
    renamed = _write(tmp_path / "renamed.zip",
                     zipped({"Base_open_data_BMO_2024.xlsx": bmo_xlsx(mirror, sheet_name="Feuil1", keep=300)}))
    expect_error(parse, renamed, "renamed.zip!Base_open_data_BMO_2024.xlsx", "no sheet matching",
                 "'Description des variables', 'Feuil1'", "BMO_2024_open_data")
    year = _write(tmp_path / "year.xlsx", bmo_xlsx(mirror, edit_header=lambda h: h.__setitem__(0, "année"), keep=300))
    expect_error(parse, year, "(sheet 'BMO_2024_open_data')", "header row not found", "'annee'")
    met = _write(tmp_path / "met.xlsx", bmo_xlsx(mirror, edit_header=lambda h: h.__setitem__(11, "nb_projets"),
                                                 keep=300))
    expect_error(parse, met, "(sheet 'BMO_2024_open_data')", "line 1", "missing column(s) met")
    no_member = _write(tmp_path / "no_member.zip", zipped({"notice.pdf": b"%PDF-1.4"}))
    expect_error(parse, no_member, "no Excel workbook member", "notice.pdf", "BMO_2024_open_data")
    rows = read_rows(_write(tmp_path / "good.xlsx", bmo_xlsx(mirror, keep=300)))
    sheet = rows["BMO_2024_open_data"]
    row = next(i for i, r in enumerate(sheet) if r[5] == "52" and r[11] != "*")
    sheet[row][11] = "12 0"
    count = _write(tmp_path / "count.xlsx", write_xlsx(rows))
    expect_error(parse, count, "count.xlsx (sheet 'BMO_2024_open_data')", f"line {row + 1}", "column 'met'",
                 "'12 0'")


# --- BDM: the SDMX-ML answer of the web service (built from the mirror's values) ---------------------

def bdm_series(mirror) -> list[dict]:
    rows = mirror_csv(mirror / BDM)
    header = rows[0]
    return [{"idbank": r[1], "title": r[0], "obs": [(q.replace("-T", "-Q"), v) for q, v in zip(header[4:], r[4:])]}
            for r in rows[1:]]


def structure_specific(series: list[dict]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<message:StructureSpecificData xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/'
             'structurespecific" xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
             'xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">',
             "  <message:Header>", "    <message:ID>SERIES_BDM_TEST</message:ID>",
             '    <message:Sender id="FR1"><common:Name xml:lang="fr">INSEE</common:Name></message:Sender>',
             "  </message:Header>", "  <message:DataSet>"]
    for s in series:
        lines.append(f'    <Series IDBANK="{s["idbank"]}" FREQ="T" TITLE_FR={quoteattr(s["title"])} '
                     'UNIT_MEASURE="POURCENT" UNIT_MULT="0" CORRECTION="CVS" DECIMALS="1">')
        for period, value in reversed(s["obs"]):  # newest first, as the BDM answers
            lines.append(f'      <Obs TIME_PERIOD="{period}" OBS_VALUE="{value}" OBS_STATUS="A" OBS_QUAL="DEF"/>')
        lines.append("    </Series>")
    lines += ["  </message:DataSet>", "</message:StructureSpecificData>"]
    return "\n".join(lines) + "\n"


def generic(series: list[dict]) -> str:
    ns = ('xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
          'xmlns:generic="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"')
    out = [f'<?xml version="1.0" encoding="UTF-8"?><message:GenericData {ns}><message:DataSet>']
    for s in series:
        out.append(f'<generic:Series><generic:SeriesKey><generic:Value id="IDBANK" value="{s["idbank"]}"/>'
                   f'</generic:SeriesKey><generic:Attributes><generic:Value id="TITLE_FR" '
                   f'value={quoteattr(s["title"])}/></generic:Attributes>')
        for period, value in s["obs"]:
            out.append(f'<generic:Obs><generic:ObsDimension value="{period}"/><generic:ObsValue value="{value}"/>'
                       '<generic:Attributes><generic:Value id="OBS_STATUS" value="A"/></generic:Attributes>'
                       '</generic:Obs>')
        out.append("</generic:Series>")
    return "".join(out) + "</message:DataSet></message:GenericData>"


@pytest.fixture(scope="module")
def bdm_mirror(mirror):
    return chomage.parse_bdm_rates(mirror / BDM)


@pytest.mark.parametrize("build", [structure_specific, generic])
def test_bdm_sdmx_at_the_official_url_equals_the_mirror(mirror, tmp_path, bdm_mirror, build):
    ds = dataset(chomage, chomage.BDM_ID)
    assert "?startPeriod=2000-Q1" in ds.url
    content = build(bdm_series(mirror)[::-1]).encode("utf-8")  # any series order
    if build is structure_specific:  # what the official URL serves: served and fetched
        path = served(tmp_path, ds, content)
    else:
        path = _write(tmp_path / "generic.xml", content)
    df = ds.parse(path)
    assert df.attrs["layout"] == "official" and bdm_mirror.attrs["layout"] == "mirror"
    pd.testing.assert_frame_equal(df, bdm_mirror)
    # real values (insee/SOURCE.md spot checks)
    last = df[df["quarter"] == "2024-T4"].set_index("geo_code")["rate"].to_dict()
    assert last == {"FM": 7.1, "52": 5.9, "44": 5.6, "49": 6.3, "53": 5.2, "72": 7.1, "85": 5.3}
    assert df["quarter"].min() == "2000-T1" and df["quarter"].nunique() == 100
    assert df.set_index(["geo_code", "quarter"])["rate"][("52", "2000-T1")] == 7.3


SDMX_ERROR = ('<?xml version="1.0" encoding="UTF-8"?>\n<mes:Error xmlns:mes="http://www.sdmx.org/resources/'
              'sdmxml/schemas/v2_1/message"><mes:ErrorMessage code="100"><com:Text xmlns:com="http://www.sdmx.org/'
              'resources/sdmxml/schemas/v2_1/common">Aucun résultat ne correspond à cette requête.</com:Text>'
              '</mes:ErrorMessage></mes:Error>')


def test_bdm_bad_inputs(mirror, tmp_path):
    series = bdm_series(mirror)
    good = structure_specific(series)
    parse = chomage.parse_bdm_rates

    def case(name, text):
        return _write(tmp_path / f"{name}.xml", text.encode("utf-8"))

    expect_error(parse, case("error", SDMX_ERROR), "SDMX error message", "code 100", "Aucun résultat")
    expect_error(parse, case("annual", good.replace('TIME_PERIOD="2024-Q4"', 'TIME_PERIOD="2024"', 1)),
                 "annual.xml", "TIME_PERIOD", "'2024'", "YYYY-Qn")
    expect_error(parse, case("unknown", good.replace('IDBANK="001515918"', 'IDBANK="001515999"')),
                 "'001515999'", "unknown idBank", "IDBANK")
    lines = good.splitlines(keepends=True)
    del lines[next(i for i, line in enumerate(lines) if 'TIME_PERIOD="2010-Q2"' in line)]  # in the 1st series
    gap = "".join(lines)
    err = expect_error(parse, case("gap", gap), "column '2010-T2'", "empty cell")
    assert err.line == good.splitlines().index(next(l for l in good.splitlines() if "IDBANK=" in l)) + 1
    expect_error(parse, case("truncated", good[: len(good) // 2]), "malformed XML")
    expect_error(parse, case("doctype", good.replace("<message:Structure",
                                                     '<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<message:Structure', 1)),
                 "DOCTYPE")
    expect_error(parse, case("other", "<?xml version='1.0'?><rss><channel/></rss>"), "root element <rss>")
    expect_error(parse, _write(tmp_path / "book.xlsx", zipped({"x.txt": b"x"})), "Excel workbook or a zip",
                 "SDMX-ML")


# --- the records ------------------------------------------------------------------------------------

def test_records_say_the_official_layout_is_read():
    records = {d.id: d for d in [*chomage.DATASETS, *bmo.DATASETS]}
    for dataset_id in (chomage.ZE_ID, chomage.ZE_PARTS_ID, chomage.BDM_ID, chomage.ZE_COMPOSITION_ID, bmo.BMO_ID):
        ds = records[dataset_id]
        assert ds.official_layout and not ds.official_reason and ds.layout == "derived" and ds.mirror_path
    assert records[chomage.ZE_ID].url == records[chomage.ZE_PARTS_ID].url
    assert records[chomage.ZE_ID].url.endswith("/1893230/chomage-zone-t1-2003-t3-2023.xlsx")
    assert records[chomage.ZE_COMPOSITION_ID].url.endswith("/4652957/ZE2020_au_01-01-2023.zip")
    assert records[chomage.BDM_ID].url == ("https://bdm.insee.fr/series/sdmx/data/SERIES_BDM/001515842+001515854+"
                                           "001515909+001515914+001515918+001515937+001515949?startPeriod=2000-Q1")
