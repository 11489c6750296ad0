"""Census parsers (sources/census.py) on the real files of the mirror, plus bad-input cases built at
run time from cut, modified copies of those files."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sources import census, populations
from sources.errors import SourceFormatError

DOSSIER = "insee_rp/dossier_complet_light_rp2022_r52.csv"
COMP22 = "insee_rp/base_cc_comparateur_rp2022_r52.csv"
COMP18 = "insee_rp/base_cc_comparateur_rp2018_geo2021_r52.csv"
POPS = "insee_rp/populations_historiques_pmun_2010_2022_geo2026_r52.csv"


@pytest.fixture(scope="module")
def dossier(mirror):
    return census.parse_dossier_complet(mirror / DOSSIER)


@pytest.fixture(scope="module")
def comp22(mirror):
    return census.parse_comparateur_2022(mirror / COMP22)


@pytest.fixture(scope="module")
def comp18(mirror):
    return census.parse_comparateur_2018(mirror / COMP18)


@pytest.fixture(scope="module")
def pmun2022(mirror):
    df = populations.parse(mirror / POPS)
    return df[df["year"] == 2022].set_index("commune_code")["population"]


def cell(df: pd.DataFrame, code: str, variable: str) -> pd.Series:
    row = df[(df["commune_code"] == code) & (df["variable"] == variable)]
    assert len(row) == 1, (code, variable)
    return row.iloc[0]


def wide(df: pd.DataFrame) -> pd.DataFrame:
    return df.pivot(index="commune_code", columns="variable", values="value")


# ------------------------------------------------------------------------------- catalogue


def test_datasets(mirror):
    ids = [d.id for d in census.DATASETS]
    assert ids == ["insee_dossier_complet_2022", "insee_comparateur_2022", "insee_comparateur_2018"]
    by_id = {d.id: d for d in census.DATASETS}
    assert by_id["insee_dossier_complet_2022"].layout == "derived"
    assert by_id["insee_comparateur_2022"].layout == "official"
    assert by_id["insee_comparateur_2018"].layout == "official"
    for d in census.DATASETS:
        assert (mirror / d.mirror_path).is_file(), d.mirror_path
        assert d.url.startswith("https://www.insee.fr/") and d.url.endswith(".zip")
        assert d.licence.startswith("Licence Ouverte") and d.title and d.vintage and d.note


# ------------------------------------------------------------------------- real values


def test_long_layout(dossier, comp22, comp18):
    for df in (dossier, comp22, comp18):
        assert list(df.columns) == ["commune_code", "variable", "value", "status"]
        assert df["commune_code"].str.len().eq(5).all()
        assert df["value"].dtype == "float64"
        assert set(df["status"]) <= {"ok", "secret", "missing"}
        assert df.loc[df["status"] != "ok", "value"].isna().all()
        assert df.loc[df["status"] == "ok", "value"].notna().all()
        assert not df.duplicated(["commune_code", "variable"]).any()


def test_dossier_complet(dossier, pmun2022):
    assert dossier["commune_code"].nunique() == 1228
    assert dossier["variable"].nunique() == 38
    nantes = cell(dossier, "44109", "P22_POP0014")
    assert nantes["status"] == "ok"
    assert nantes["value"] == pytest.approx(50858.1207698263, abs=1e-9)  # INSEE decimals kept
    bands = dossier[dossier["variable"].isin(census.AGE_BANDS)]
    assert bands["value"].sum() == pytest.approx(3_879_216, abs=1)
    assert set(dossier["commune_code"]) == set(pmun2022.index)
    # communes created in 2022: no 2016 population in this file
    assert cell(dossier, "85165", "P16_POP")["status"] == "missing"
    assert math.isnan(cell(dossier, "85212", "P11_POP")["value"])
    w = wide(dossier)
    assert (w["P22_ACT1524"] + w["P22_ACT2554"] + w["P22_ACT5564"])["44109"] == pytest.approx(168363, abs=1)
    assert (dossier["variable"] == "SNEMM_23").sum() == 1228
    assert ((dossier["variable"] == "SNEMM_23") & (dossier["status"] == "missing")).sum() == 857


def test_age_bands_match_municipal_population(dossier, pmun2022):
    bad = census.check_age_bands(dossier, pmun2022, tolerance=0.01)
    assert bad.empty
    assert list(bad.columns) == census.AGE_CHECK_COLUMNS
    # a dict works as well
    assert census.check_age_bands(dossier, pmun2022.to_dict()).empty


def test_age_bands_mismatch(dossier, pmun2022):
    pop = pmun2022.copy()
    pop["44109"] += 3
    pop = pop.drop("85191")
    with pytest.raises(SourceFormatError) as err:
        census.check_age_bands(dossier, pop)
    msg = str(err.value)
    assert "44109" in msg and "85191" in msg and "2 commune(s)" in msg
    bad = census.check_age_bands(dossier, pop, raise_on_mismatch=False).set_index("commune_code")
    assert sorted(bad.index) == ["44109", "85191"]
    assert bad.loc["44109", "difference"] == pytest.approx(-3, abs=0.01)
    assert math.isnan(bad.loc["85191", "population"])


def test_comparateur_2022(comp22, dossier, pmun2022):
    assert comp22["commune_code"].nunique() == 1228
    assert set(comp22["commune_code"]) == set(pmun2022.index)
    assert comp22.attrs["dropped_communes"] == ["49069", "72287", "72298", "85021", "85233"]
    assert cell(comp22, "44109", "P22_POP")["value"] == 325070
    assert cell(comp22, "44109", "MED21")["value"] == 24170
    assert cell(comp22, "44109", "TP6021")["value"] == 17.0  # "17,0" in the file
    assert cell(comp22, "44109", "PIMP21")["value"] == 57.0  # "57,0"
    assert cell(comp22, "49007", "TP6021")["value"] == 21.0
    w = wide(comp22)
    assert w["P22_POP"].sum() == 3_879_216
    assert (w["P22_POP"] == pmun2022.reindex(w.index)).all()
    assert w["P16_POP"].sum() == 3_737_632
    # secret: Aigrefeuille-sur-Maine's poverty rate is "s"
    s = cell(comp22, "44002", "TP6021")
    assert s["status"] == "secret" and math.isnan(s["value"])
    assert ((comp22["variable"] == "TP6021") & (comp22["status"] == "secret")).sum() == 932 - 4
    # "nd" (communes created in 2022) and empty (49126) Filosofi cells: missing
    assert cell(comp22, "85165", "MED21")["status"] == "missing"
    assert cell(comp22, "49126", "MED21")["status"] == "missing"
    # activity = sum of the three age groups of the dossier complet, for every commune
    d = wide(dossier)
    act = d["P22_ACT1524"] + d["P22_ACT2554"] + d["P22_ACT5564"]
    assert (act - w["P22_ACT1564"].reindex(act.index)).abs().max() < 0.01


def test_comparateur_2018(comp18):
    assert comp18["commune_code"].nunique() == 1236
    codes = set(comp18["commune_code"])
    assert {"49321", "85037", "85041", "85053", "85271", "85307"} <= codes  # gone by 2024
    assert not {"85165", "85212"} & codes  # created in 2022
    w = wide(comp18)
    assert w["P18_POP"].sum() == 3_781_423
    assert w["P13_POP"].sum() == 3_660_852
    assert w.loc["44109", "P18_ACT1564"] == pytest.approx(157734.77, abs=0.01)
    assert w.loc["44109", "P18_CHOM1564"] == pytest.approx(24559.28, abs=0.01)
    assert w.loc["49007", "P18_POP"] == 154508
    assert "secret" not in set(comp18["status"])  # no "s" in that edition: empty = missing
    assert ((comp18["variable"] == "TP6019") & (comp18["status"] == "missing")).sum() == 935


# ----------------------------------------------------------------------------- bad input


def cut_copy(src: Path, dst: Path, n: int = 40, edit=None) -> Path:
    """Header and the first ``n`` rows of ``src``, with ``edit(header, rows)`` applied
    (``rows`` = lists of fields, file line ``i + 2`` for ``rows[i]``)."""
    lines = src.read_text().splitlines()
    header = lines[0].split(";")
    rows = [line.split(";") for line in lines[1 : n + 1]]
    if edit:
        header, rows = edit(header, rows)
    dst.write_text("\n".join(";".join(r) for r in [header, *rows]) + "\n")
    return dst


def set_cell(line: int, column: str, value: str):
    def edit(header, rows):
        rows[line - 2][header.index(column)] = value
        return header, rows

    return edit


def test_cut_copies_parse(mirror, tmp_path):
    df = census.parse_dossier_complet(cut_copy(mirror / DOSSIER, tmp_path / "d.csv"))
    assert df["commune_code"].nunique() == 40


def test_missing_column(mirror, tmp_path):
    def drop(header, rows):
        i = header.index("P22_POP90P")
        return header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows]

    bad = cut_copy(mirror / DOSSIER, tmp_path / "dossier_bad.csv", edit=drop)
    with pytest.raises(SourceFormatError) as err:
        census.parse_dossier_complet(bad)
    msg = str(err.value)
    assert "dossier_bad.csv" in msg and "line 1" in msg and "P22_POP90P" in msg


def test_non_numeric_cell(mirror, tmp_path):
    bad = cut_copy(mirror / COMP22, tmp_path / "comp_bad.csv", edit=set_cell(7, "MED21", "12a"))
    with pytest.raises(SourceFormatError) as err:
        census.parse_comparateur_2022(bad)
    msg = str(err.value)
    assert "comp_bad.csv" in msg and "line 7" in msg and "'MED21'" in msg and "'12a'" in msg


def test_decimal_comma_only_where_published(mirror, tmp_path):
    bad = cut_copy(mirror / COMP22, tmp_path / "comma.csv", edit=set_cell(4, "SUPERF", "14,58"))
    with pytest.raises(SourceFormatError, match=r"line 4, column 'SUPERF', value '14,58'"):
        census.parse_comparateur_2022(bad)
    # in the decimal-comma columns both marks are read
    ok = cut_copy(mirror / COMP22, tmp_path / "dot.csv", edit=set_cell(4, "TP6021", "13.5"))
    assert cell(census.parse_comparateur_2022(ok), "44003", "TP6021")["value"] == 13.5


def test_duplicated_commune(mirror, tmp_path):
    def dup(header, rows):
        return header, rows + [rows[2]]

    bad = cut_copy(mirror / COMP18, tmp_path / "dup.csv", n=20, edit=dup)
    code = (mirror / COMP18).read_text().splitlines()[3].split(";")[0]
    with pytest.raises(SourceFormatError) as err:
        census.parse_comparateur_2018(bad)
    msg = str(err.value)
    assert "dup.csv" in msg and "line 22" in msg and "duplicate" in msg and code in msg


def test_unemployed_above_active(mirror, tmp_path):
    bad = cut_copy(mirror / DOSSIER, tmp_path / "chom.csv", edit=set_cell(5, "P22_CHOM2554", "99999"))
    code = (mirror / DOSSIER).read_text().splitlines()[4].split(";")[0]
    with pytest.raises(SourceFormatError) as err:
        census.parse_dossier_complet(bad)
    msg = str(err.value)
    assert "chom.csv" in msg and "line 5" in msg and "P22_CHOM2554" in msg and f"commune {code}" in msg


def test_negative_count(mirror, tmp_path):
    bad = cut_copy(mirror / DOSSIER, tmp_path / "neg.csv", edit=set_cell(9, "C22_FAMMONO", "-3"))
    with pytest.raises(SourceFormatError, match=r"line 9, column 'C22_FAMMONO', value '-3'.*negative"):
        census.parse_dossier_complet(bad)


def test_dwellings_do_not_add_up(mirror, tmp_path):
    bad = cut_copy(mirror / COMP22, tmp_path / "log.csv", edit=set_cell(3, "P22_LOGVAC", "70.6"))
    with pytest.raises(SourceFormatError) as err:
        census.parse_comparateur_2022(bad)
    msg = str(err.value)
    assert "log.csv" in msg and "line 3" in msg and "P22_LOG" in msg and "commune 44002" in msg


def test_active_above_population(mirror, tmp_path):
    bad = cut_copy(mirror / COMP18, tmp_path / "act.csv", edit=set_cell(2, "P18_POP1564", "1000"))
    with pytest.raises(SourceFormatError, match=r"line 2, column 'P18_ACT1564'.*commune 44001"):
        census.parse_comparateur_2018(bad)


def test_row_without_population_must_be_filosofi_only(mirror, tmp_path):
    bad = cut_copy(mirror / COMP22, tmp_path / "nopop.csv", edit=set_cell(6, "P22_POP", ""))
    with pytest.raises(SourceFormatError, match=r"line 6, column 'P16_POP'.*P22_POP is empty"):
        census.parse_comparateur_2022(bad)


def test_2018_parser_rejects_newer_edition(mirror):
    """The stable comparateur URL now serves the RP2022 edition: the RP2018 parser says so."""
    with pytest.raises(SourceFormatError, match=r"line 1.*missing column\(s\) P18_POP"):
        census.parse_comparateur_2018(mirror / COMP22)


def test_dossier_reads_wider_file(mirror, tmp_path):
    """The official dossier complet has ~2 000 columns: extra ones are ignored, order does not matter."""

    def widen(header, rows):
        order = [0, *reversed(range(1, len(header)))]
        return (["CODGEO", "EXTRA"] + [header[i] for i in order[1:]],
                [[r[0], "x"] + [r[i] for i in order[1:]] for r in rows])

    base = census.parse_dossier_complet(cut_copy(mirror / DOSSIER, tmp_path / "a.csv"))
    wider = census.parse_dossier_complet(cut_copy(mirror / DOSSIER, tmp_path / "b.csv", edit=widen))
    pd.testing.assert_frame_equal(base, wider)
