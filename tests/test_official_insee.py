"""INSEE parsers on the OFFICIAL layouts (what the datasets' URLs serve): dossier complet,
populations historiques (Melodi), table d'appartenance géographique.

No copy of the current official files exists in the mirror. Each official-layout fixture is built
HERE, at run time, from the mirror's REAL values laid out the official way (documented in the
mirror's SOURCE.md / official_layouts and in each parser's docstring), served by the tests' local
HTTP server at the path of the official URL, fetched with :func:`sources.fetch.fetch` and parsed
through the dataset's record. The official parse must equal the mirror parse.
"""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sources import census, populations, zonages
from sources.errors import SourceFormatError
from sources.fetch import fetch

from .official import serve_official

DOSSIER = "insee_rp/dossier_complet_light_rp2022_r52.csv"
COMP22 = "insee_rp/base_cc_comparateur_rp2022_r52.csv"
POPS = "insee_rp/populations_historiques_pmun_2010_2022_geo2026_r52.csv"
COG26 = "cog/decoupage-administratif-6.0.0_communes_r52.json"
META = "official_layouts/insee_dossier_complet/meta_sample_2021_edition.csv"
ZON_COM = "zonages/table_appartenance_geo_communes_2024_r52.csv"
ZON_SUPRA = "zonages/zones_supra_communales_2024_r52.csv"
ZON_VARS = "zonages/variables_table_appartenance_2024.csv"
ZON_MIRROR = "zonages/communes_zonages_r52_2024.csv"

DOSSIER_DS = next(d for d in census.DATASETS if d.id == census.DOSSIER_ID)
POP_DS = populations.DATASETS[0]
ZON_DS = zonages.DATASETS[0]
# Codes outside the region, carrying copies of real regional rows: they must be cut away.
OUTSIDE = ["01001", "2A004", "35238", "75056", "86194"]


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines(), delimiter=";"))
    return rows[0], rows[1:]


def fetched(tmp_path: Path, ds, content: bytes) -> Path:
    with serve_official(tmp_path, ds.url, content) as url:
        return fetch(ds, url=url, cache_dir=tmp_path / "cache", retries=1).path


def zip_of(members: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def mirror_value(path: Path, code: str, column: str) -> str:
    header, rows = read_table(path)
    row = next(r for r in rows if r[0] == code)
    return row[header.index(column)]


HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Erreur</title></head>"
             b"<body>Service indisponible</body></html>\n")


def test_records_read_official_layout(mirror):
    for ds in (DOSSIER_DS, POP_DS, ZON_DS):
        assert ds.official_layout is True and ds.official_reason == ""
        assert ds.layout == "derived" and (mirror / ds.mirror_path).is_file()
    assert DOSSIER_DS.url == "https://www.insee.fr/fr/statistiques/fichier/5359146/dossier_complet.zip"
    assert POP_DS.url == ("https://api.insee.fr/melodi/file/DS_POPULATIONS_HISTORIQUES/"
                          "DS_POPULATIONS_HISTORIQUES_CSV_FR")
    assert ZON_DS.url == ("https://www.insee.fr/fr/statistiques/fichier/7671844/"
                          "table-appartenance-geo-communes-2024.zip")


# =================================================================================== dossier complet


def dossier_official_csv(mirror: Path, rename: dict[str, str] | None = None,
                         drop: tuple[str, ...] = (), limit: int | None = None) -> str:
    """The national layout of ``dossier_complet.csv`` built from real values: ``CODGEO`` first,
    then the mirror subset's 38 real RP2022 columns mixed, in another order, with 30 other real
    INSEE columns (those of the RP2022 comparateur, with their real values for each commune);
    ``;``, CRLF. Rows: the 1,228 communes of the region plus 5 codes of other départements
    (:data:`OUTSIDE`) carrying copies of real regional rows, in code order as INSEE sorts.
    ``limit``: only the first communes of the region (small files for the bad-input tests)."""
    header, rows = read_table(mirror / DOSSIER)
    rows = rows[:limit] if limit else rows
    c_header, c_rows = read_table(mirror / COMP22)
    extra = [c for c in c_header[1:] if c not in header]
    comp = {r[0]: dict(zip(c_header, r)) for r in c_rows}
    cols = header[1:] + extra
    random.Random(52).shuffle(cols)
    by_code = {r[0]: dict(zip(header, r)) for r in rows}
    for i, code in enumerate(OUTSIDE):
        src = rows[(i * 7) % len(rows)][0]
        by_code[code] = {**by_code[src], "CODGEO": code}
        comp[code] = comp[src]
    out_cols = [(rename or {}).get(c, c) for c in cols if c not in drop]
    lines = [";".join(["CODGEO", *out_cols])]
    for code in sorted(by_code):
        values = [by_code[code][c] if c in header else comp[code][c] for c in cols if c not in drop]
        lines.append(";".join([code, *values]))
    return "\r\n".join(lines) + "\r\n"


def dossier_zip(mirror: Path, **kw) -> bytes:
    return zip_of({"dossier_complet.csv": dossier_official_csv(mirror, **kw),
                   "meta_dossier_complet.csv": (mirror / META).read_bytes()})


@pytest.fixture(scope="module")
def dossier_mirror(mirror):
    return census.parse_dossier_complet(mirror / DOSSIER)


def small_dossier_zip(tmp_path: Path, mirror: Path, **kw) -> Path:
    """A small ``dossier_complet.zip`` (40 communes of the region + :data:`OUTSIDE`) on disk."""
    path = tmp_path / "dossier_complet.zip"
    path.write_bytes(zip_of({"dossier_complet.csv": dossier_official_csv(mirror, limit=40, **kw),
                             "meta_dossier_complet.csv": (mirror / META).read_bytes()}))
    return path


def test_dossier_official_zip_equals_mirror(mirror, tmp_path, dossier_mirror):
    """``dossier_complet.zip`` built at run time (see :func:`dossier_official_csv`; the meta
    member holds the real meta lines of the 2021 edition from official_layouts), fetched from the
    official URL's path: same long table as the mirror's subset, out-of-region rows cut."""
    path = fetched(tmp_path, DOSSIER_DS, dossier_zip(mirror))
    df = DOSSIER_DS.parse(path)
    assert df.attrs["layout"] == "official" and dossier_mirror.attrs["layout"] == "mirror"
    pd.testing.assert_frame_equal(df, dossier_mirror)
    assert not set(OUTSIDE) & set(df["commune_code"])
    assert df["commune_code"].nunique() == 1228
    nantes = df[(df["commune_code"] == "44109") & (df["variable"] == "P22_POP0014")].iloc[0]
    assert nantes["value"] == float(mirror_value(mirror / DOSSIER, "44109", "P22_POP0014"))
    assert nantes["value"] == pytest.approx(50858.1207698263, abs=1e-9)  # insee_rp/SOURCE.md
    laval = df[(df["commune_code"] == "53130") & (df["variable"].isin(census.AGE_BANDS))]
    assert laval["value"].sum() == pytest.approx(49474, abs=0.5)  # = PMUN2022 of Laval


def test_dossier_bare_national_csv(mirror, tmp_path, dossier_mirror):
    """The national CSV outside its zip (built as above) is read too, as the official layout."""
    path = tmp_path / "dossier_complet.csv"
    path.write_text(dossier_official_csv(mirror), encoding="utf-8")
    df = census.parse_dossier_complet(path)
    assert df.attrs["layout"] == "official"
    pd.testing.assert_frame_equal(df, dossier_mirror)


def test_dossier_new_edition_column_renamed(mirror, tmp_path):
    """A new edition renames ``P22_POP0014`` to ``P23_POP0014``: the parse fails, naming the
    file (zip and member) and the column expected, and pointing at the new name."""
    path = small_dossier_zip(tmp_path, mirror, rename={"P22_POP0014": "P23_POP0014"})
    with pytest.raises(SourceFormatError) as err:
        DOSSIER_DS.parse(path)
    msg = str(err.value)
    assert f"{path.name}!dossier_complet.csv" in msg and "line 1" in msg
    assert err.value.column == "P22_POP0014" and "P23_POP0014" in msg
    assert err.value.dataset_id == census.DOSSIER_ID


def test_dossier_column_missing(mirror, tmp_path):
    path = small_dossier_zip(tmp_path, mirror, drop=("P22_CHOM1524",))
    with pytest.raises(SourceFormatError, match=r"dossier_complet\.csv, line 1, column 'P22_CHOM1524'"):
        DOSSIER_DS.parse(path)


def test_dossier_html_page_instead_of_zip(tmp_path):
    """The server answers 200 with an HTML page at the official URL."""
    path = fetched(tmp_path, DOSSIER_DS, HTML_PAGE)
    with pytest.raises(SourceFormatError, match="HTML") as err:
        DOSSIER_DS.parse(path)
    assert path.name in str(err.value)


def test_dossier_zip_without_member(mirror, tmp_path):
    """Only the meta file (real 2021 lines) and a CSV under another name: no dossier_complet.csv."""
    path = tmp_path / "dossier_complet.zip"
    path.write_bytes(zip_of({"meta_dossier_complet.csv": (mirror / META).read_bytes(),
                             "donnees.csv": dossier_official_csv(mirror, limit=40)}))
    with pytest.raises(SourceFormatError, match=r"no member matching dossier_complet\.csv.*"
                                                r"meta_dossier_complet\.csv, donnees\.csv"):
        DOSSIER_DS.parse(path)


def test_dossier_empty_and_out_of_region(mirror, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(SourceFormatError, match=r"empty\.csv: file is empty"):
        census.parse_dossier_complet(empty)
    text = dossier_official_csv(mirror, limit=40).split("\r\n")
    outside = [line for line in text[1:] if line[:5] in OUTSIDE]
    other = tmp_path / "other_regions.csv"
    other.write_text("\r\n".join([text[0], *outside]) + "\r\n")
    with pytest.raises(SourceFormatError, match="no commune of départements 44, 49, 53, 72, 85"):
        census.parse_dossier_complet(other)


def test_dossier_truncated_zip(mirror, tmp_path):
    """A download cut in the middle: the zip has no central directory."""
    path = small_dossier_zip(tmp_path, mirror)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(SourceFormatError, match=r"dossier_complet\.zip: damaged or truncated zip"):
        census.parse_dossier_complet(path)


def test_dossier_bad_cell_names_member_line(mirror, tmp_path):
    """A non-numeric cell in the zip: file!member, physical line, column and value."""
    text = dossier_official_csv(mirror, limit=40).split("\r\n")
    header = text[0].split(";")
    i = header.index("P22_ACT2554")
    line_no = next(n for n, line in enumerate(text, start=1) if line.startswith("44020;"))
    fields = text[line_no - 1].split(";")
    fields[i] = "12x"
    text[line_no - 1] = ";".join(fields)
    path = tmp_path / "dossier_complet.zip"
    path.write_bytes(zip_of({"dossier_complet.csv": "\r\n".join(text)}))
    with pytest.raises(SourceFormatError, match=rf"dossier_complet\.zip!dossier_complet\.csv, "
                                                rf"line {line_no}, column 'P22_ACT2554', value '12x'"):
        census.parse_dossier_complet(path)


# =============================================================================== populations (Melodi)


MELODI_HEADER = '"FREQ";"GEO";"GEO_OBJECT";"POPREF_MEASURE";"TIME_PERIOD";"OBS_VALUE"'


def melodi_rows(mirror: Path, drop_year: int | None = None) -> list[str]:
    """Data lines of the Melodi long layout from real values: PMUN of each commune and year of the
    mirror (2010-2022), PMUN 2023 of each commune from COG 2026 (real legal populations, a year
    outside the dataset's vintage), département rows (sums of the real commune values) and out-of-
    region communes carrying copies of real values; every field quoted, as in the real file."""
    header, rows = read_table(mirror / POPS)
    years = [int(c[4:]) for c in header[1:]]
    out = []
    for r in rows:
        for y, v in zip(years, r[1:]):
            if y != drop_year:
                out.append((r[0], "COM", y, v))
    cog = json.loads((mirror / COG26).read_text(encoding="utf-8"))
    for c in cog:
        if c["type"] == "commune-actuelle":
            out.append((c["code"], "COM", 2023, str(c["population"])))
    for y_i, y in enumerate(years):
        for dep in ("44", "49", "53", "72", "85"):
            total = sum(int(r[1 + y_i]) for r in rows if r[0].startswith(dep))
            out.append((dep, "DEP", y, str(total)))
    for i, code in enumerate(OUTSIDE):
        out.extend((code, "COM", y, v) for y, v in zip(years, rows[i * 50][1:]))
    out.sort(key=lambda t: (t[0], -t[2]))  # not the mirror's order
    return [f'"A";"{g}";"{o}";"PMUN";"{y}";"{v}"' for g, o, y, v in out]


def melodi_zip(mirror: Path, header: str = MELODI_HEADER, **kw) -> bytes:
    data = "\n".join([header, *melodi_rows(mirror, **kw)]) + "\n"
    meta = ('"COD_VAR";"LIB_VAR";"COD_MOD";"LIB_MOD"\n'
            '"POPREF_MEASURE";"Mesure";"PMUN";"Population municipale"\n')
    return zip_of({"DS_POPULATIONS_HISTORIQUES_metadata.csv": meta,
                   "DS_POPULATIONS_HISTORIQUES_data.csv": data})


def test_populations_official_zip_equals_mirror(mirror, tmp_path):
    """A Melodi-like zip (data + metadata members, see :func:`melodi_rows`) fetched from the
    official URL's path: same table as the mirror; 2023, DEP rows and other regions left out."""
    path = fetched(tmp_path, POP_DS, melodi_zip(mirror))
    df = POP_DS.parse(path)
    ref = populations.parse(mirror / POPS)
    assert df.attrs["layout"] == "official" and ref.attrs["layout"] == "mirror"
    assert df.attrs["ignored_years"] == [2023]
    pd.testing.assert_frame_equal(df, ref)
    nantes = df[df["commune_code"] == "44109"].set_index("year")["population"]
    assert nantes[2022] == int(mirror_value(mirror / POPS, "44109", "PMUN2022")) == 325_070
    assert nantes[2010] == 284_970
    assert df.groupby("year")["population"].sum()[2022] == 3_879_216  # insee_rp/SOURCE.md
    assert not set(OUTSIDE) & set(df["commune_code"])


def test_populations_year_missing_from_zip(mirror, tmp_path):
    path = tmp_path / "melodi.zip"
    path.write_bytes(melodi_zip(mirror, drop_year=2015))
    with pytest.raises(SourceFormatError) as err:
        POP_DS.parse(path)
    msg = str(err.value)
    assert "DS_POPULATIONS_HISTORIQUES_data.csv" in msg and "2015" in msg
    assert err.value.column == "TIME_PERIOD"


def test_populations_measure_column_renamed(mirror, tmp_path):
    path = tmp_path / "melodi.zip"
    path.write_bytes(melodi_zip(mirror, header=MELODI_HEADER.replace("POPREF_MEASURE", "POP_MEASURE")))
    with pytest.raises(SourceFormatError, match=r"_data\.csv, line 1, column 'POPREF_MEASURE'"):
        POP_DS.parse(path)


def test_populations_bad_inputs(mirror, tmp_path):
    html = tmp_path / "DS_POPULATIONS_HISTORIQUES_CSV_FR"
    html.write_bytes(HTML_PAGE)
    with pytest.raises(SourceFormatError, match="HTML"):
        POP_DS.parse(html)
    no_data = tmp_path / "melodi.zip"
    no_data.write_bytes(zip_of({"DS_POPULATIONS_HISTORIQUES_metadata.csv": "COD_VAR;LIB_VAR\n"}))
    with pytest.raises(SourceFormatError, match=r"no member matching \*_data\.csv"):
        populations.parse(no_data)
    empty = tmp_path / "pop.csv"
    empty.write_text("")
    with pytest.raises(SourceFormatError, match="file is empty"):
        populations.parse(empty)
    # a bad count: line (in the member) and column named
    rows = melodi_rows(mirror)
    n = next(i for i, r in enumerate(rows) if r.startswith('"A";"49007";"COM";"PMUN";"2020"'))
    rows[n] = rows[n].rsplit(";", 1)[0] + ';"15x"'
    bad = tmp_path / "bad.zip"
    bad.write_bytes(zip_of({"DS_POPULATIONS_HISTORIQUES_data.csv": "\n".join([MELODI_HEADER, *rows])}))
    with pytest.raises(SourceFormatError, match=rf"bad\.zip!DS_POPULATIONS_HISTORIQUES_data\.csv, "
                                                rf"line {n + 2}, column 'OBS_VALUE', value '15x'"):
        populations.parse(bad)


# ============================================================================ zonages (workbook)


def zonages_workbook(mirror: Path, *, com_sheet: str = "COM", codgeo: str = "CODGEO",
                     drop: tuple[str, ...] = (), drop_label: tuple[str, str] | None = None,
                     limit: int | None = None) -> bytes:
    """``table-appartenance-geo-communes-2024.xlsx`` laid out as INSEE's (sheets COM, ARM,
    Zones_supra_communales, Variables, Documentation; title rows, a row of labels, then the header
    row of codes at row 6), written with openpyxl from the mirror's real sheets: COM rows of the
    region (plus 2 copies of real rows moved to another région, to be cut), the zones' real labels,
    the real variable labels. Codes are text, except Nantes' AAV2020 ``008``, stored as the number
    8 (the parser restores the zeros). ``limit``: only the first communes (small bad inputs)."""
    header, rows = read_table(mirror / ZON_COM)
    rows = rows[:limit] if limit else rows
    s_header, s_rows = read_table(mirror / ZON_SUPRA)
    v_header, v_rows = read_table(mirror / ZON_VARS)
    var_label = {r[0]: r[1] for r in v_rows}
    wb = openpyxl.Workbook()
    com = wb.active
    com.title = com_sheet
    com.append(["Table d'appartenance géographique des communes au 1er janvier 2024"])
    com.append(["Source : Insee, code officiel géographique au 1er janvier 2024"])
    com.append([])
    com.append([])
    keep = [c for c in header if c not in drop]
    com.append([var_label.get(c, c) for c in keep])
    com.append([codgeo if c == "CODGEO" else c for c in keep])
    moved = [dict(zip(header, rows[0]), CODGEO="35001", DEP="35", REG="53"),
             dict(zip(header, rows[-1]), CODGEO="79001", DEP="79", REG="75")]
    for rec in [dict(zip(header, r)) for r in rows] + moved:
        values = [rec[c] for c in keep]
        if rec["CODGEO"] == "44109" and "AAV2020" in keep:
            values[keep.index("AAV2020")] = int(rec["AAV2020"])
        com.append(values)
    arm = wb.create_sheet("ARM")
    arm.append(["Arrondissements municipaux"])
    arm.append([])
    arm.append(["CODGEO", "LIBGEO", "COM"])
    supra = wb.create_sheet("Zones_supra_communales")
    supra.append(["Zones supra-communales au 1er janvier 2024"])
    supra.append([])
    supra.append([var_label.get(c, c) for c in s_header])
    supra.append(s_header)
    for r in s_rows:
        if drop_label and (r[0], r[1]) == drop_label:
            continue
        supra.append([r[0], r[1], r[2], int(r[3])])
    variables = wb.create_sheet("Variables")
    variables.append(v_header)
    for r in v_rows:
        variables.append(r)
    wb.create_sheet("Documentation").append(["Documentation"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zonages_zip(mirror: Path, **kw) -> bytes:
    return zip_of({"table-appartenance-geo-communes-2024.xlsx": zonages_workbook(mirror, **kw)})


def small_zonages_zip(tmp_path: Path, mirror: Path, **kw) -> Path:
    """The zipped workbook with the first 30 communes only, on disk."""
    path = tmp_path / "table-appartenance-geo-communes-2024.zip"
    path.write_bytes(zonages_zip(mirror, limit=30, **kw))
    return path


@pytest.fixture(scope="module")
def zonages_mirror(mirror):
    return zonages.parse(mirror / ZON_MIRROR)


def test_zonages_official_zip_equals_mirror(mirror, tmp_path, zonages_mirror):
    """The zipped workbook (see :func:`zonages_workbook`) fetched from the official URL's path:
    same table as the mirror's joined CSV (``_line`` = the sheet row instead of the CSV line)."""
    path = fetched(tmp_path, ZON_DS, zonages_zip(mirror))
    df = ZON_DS.parse(path)
    assert df.attrs["layout"] == "official" and zonages_mirror.attrs["layout"] == "mirror"
    pd.testing.assert_frame_equal(df.drop(columns="_line"), zonages_mirror.drop(columns="_line"))
    assert len(df) == 1232 and not {"35001", "79001"} & set(df["commune_code"])
    z = df.set_index("commune_code")
    assert z.loc["44001", "_line"] == 7  # header row 6
    nantes = z.loc["44109"]
    assert (nantes["ze2020"], nantes["ze2020_label"], nantes["bv2022"], nantes["epci"]) == (
        "5216", "Nantes", "44109", "244400404")
    assert nantes["aav2020"] == "008" == mirror_value(mirror / ZON_MIRROR, "44109", "AAV2020")
    assert nantes["ze2020"] == mirror_value(mirror / ZON_MIRROR, "44109", "ZE2020")
    assert (z.loc["85113", "epci"], z.loc["85113", "epci_label"]) == ("ZZZZZZZZZ", "Sans objet")
    assert z.loc["53130", "ze2020_label"] == "Laval"


def test_zonages_bare_workbook(mirror, tmp_path, zonages_mirror):
    """The .xlsx outside its zip (30 communes): the same rows as the mirror's."""
    path = tmp_path / "table.xlsx"
    path.write_bytes(zonages_workbook(mirror, limit=30))
    df = zonages.parse(path)
    assert df.attrs["layout"] == "official"
    pd.testing.assert_frame_equal(df.drop(columns="_line"),
                                  zonages_mirror.drop(columns="_line").head(30))


def test_zonages_missing_sheet(mirror, tmp_path):
    path = small_zonages_zip(tmp_path, mirror, com_sheet="Communes")
    with pytest.raises(SourceFormatError, match=r"\.xlsx: no sheet 'COM' in the workbook; sheets: "
                                                r"Communes, ARM"):
        ZON_DS.parse(path)


def test_zonages_missing_header_row(mirror, tmp_path):
    path = small_zonages_zip(tmp_path, mirror, codgeo="CODE")
    with pytest.raises(SourceFormatError, match=r"\(sheet COM\), column 'CODGEO': no header row "
                                                r"starting with CODGEO"):
        ZON_DS.parse(path)


def test_zonages_missing_column(mirror, tmp_path):
    path = small_zonages_zip(tmp_path, mirror, drop=("ZE2020",))
    with pytest.raises(SourceFormatError, match=r"\(sheet COM\), line 6, column 'ZE2020'"):
        ZON_DS.parse(path)


def test_zonages_zone_without_label(mirror, tmp_path):
    """Zone d'emploi 5205 (Châteaubriant, that of 44001 Abbaretz) left out of the labels sheet."""
    assert mirror_value(mirror / ZON_COM, "44001", "ZE2020") == "5205"
    path = small_zonages_zip(tmp_path, mirror, drop_label=("ZE2020", "5205"))
    with pytest.raises(SourceFormatError, match=r"line 7, column 'ZE2020', value '5205'.*no label in "
                                                r"sheet Zones_supra_communales"):
        ZON_DS.parse(path)


def test_zonages_bad_files(tmp_path):
    html = tmp_path / "table-appartenance-geo-communes-2024.zip"
    html.write_bytes(HTML_PAGE)
    with pytest.raises(SourceFormatError, match="HTML"):
        ZON_DS.parse(html)
    no_xlsx = tmp_path / "t.zip"
    no_xlsx.write_bytes(zip_of({"lisez-moi.txt": "table"}))
    with pytest.raises(SourceFormatError, match=r"no member matching \*\.xlsx.*lisez-moi\.txt"):
        zonages.parse(no_xlsx)
    empty = tmp_path / "t.csv"
    empty.write_bytes(b"")
    with pytest.raises(SourceFormatError, match="file is empty"):
        zonages.parse(empty)


def test_comparateur_zip_as_served_by_the_official_url(mirror, tmp_path):
    """``base_cc_comparateur_csv.zip`` as INSEE serves it: the national ``base_cc_comparateur.CSV``
    and its meta file. No national copy is in the mirror: the zip is built here from the mirror's
    real region rows plus rows of another region (the region's rows relabelled 35xxx), and the meta
    file's real lines; the zipped parse must equal the mirror's."""
    import zipfile

    from sources import catalog
    from sources.fetch import fetch

    from .official import serve_official

    ds = catalog.get("insee_comparateur_2022")
    lines = (mirror / ds.mirror_path).read_text(encoding="utf-8").splitlines()
    other = [("35" + line[2:]) for line in lines[1:40]]
    archive = tmp_path / "base_cc_comparateur_csv.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("base_cc_comparateur.CSV", "\r\n".join([lines[0], *other, *lines[1:]]) + "\r\n")
        zf.writestr("meta_base_cc_comparateur.CSV", "COD_VAR;LIB_VAR\r\nP22_POP;Population en 2022\r\n")
    with serve_official(tmp_path, ds.url, archive) as url:
        got = fetch(ds, url=url, cache_dir=tmp_path / "cache")
    official = ds.parse(got.path)
    mirrored = ds.parse(mirror / ds.mirror_path)
    assert official.attrs["layout"] == "official"
    pd.testing.assert_frame_equal(official.reset_index(drop=True), mirrored.reset_index(drop=True))
    nantes = official[(official["commune_code"] == "44109") & (official["variable"] == "SUPERF")]
    assert nantes["value"].iloc[0] == pytest.approx(65.19)
