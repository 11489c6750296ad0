"""Parsers of the foundation datasets, on the real files of the mirror."""

from __future__ import annotations

import pytest

from sources import clpe, cog, populations
from sources.errors import SourceFormatError


def test_cog_2026_communes(mirror):
    df = cog.parse_communes(mirror / "cog/decoupage-administratif-6.0.0_communes_r52.json")
    current = df[df["type"] == "commune-actuelle"]
    assert len(current) == 1228
    assert current["code"].str.len().eq(5).all()
    nantes = current.set_index("code").loc["44109"]
    assert nantes["name"] == "Nantes" and nantes["population"] == 327734  # PMUN 2023
    assert current["population"].sum() == 3_907_156


def test_epci_2026(mirror):
    df = cog.parse_epci(mirror / "cog/decoupage-administratif-6.0.0_epci_r52.json")
    assert df["epci_siren"].nunique() == 71
    assert set(df.loc[df["epci_siren"] == "244400404", "commune_code"]) >= {"44109", "44143"}


def test_clpe(mirror):
    df = clpe.parse(mirror / "territoires_efop/clpe_france_travail_pdl_communes.csv")
    assert len(df) == 1233
    assert df["territory_id"].nunique() == 20
    assert (df["territory_id"] == "CLPE44001").sum() == 24
    assert df.loc[df["commune_code"] == "44109", "label"].item() == "Loire-Atlantique Centre"


def test_populations(mirror):
    df = populations.parse(mirror / "insee_rp/populations_historiques_pmun_2010_2022_geo2026_r52.csv")
    totals = df.groupby("year")["population"].sum()
    assert totals.to_dict() == {2010: 3_571_495, 2015: 3_718_512, 2020: 3_832_120,
                                2021: 3_853_999, 2022: 3_879_216}
    nantes = df[df["commune_code"] == "44109"].set_index("year")["population"]
    assert nantes[2010] == 284_970 and nantes[2022] == 325_070


def test_populations_long_layout(tmp_path):
    """The official Melodi layout (long) gives the same table as the mirror's wide layout."""
    f = tmp_path / "melodi.csv"
    f.write_text(
        "GEO;GEO_OBJECT;POPREF_MEASURE;TIME_PERIOD;OBS_VALUE\n"
        "44109;COM;PMUN;2022;325070\n44109;COM;PTOT;2022;330000\n44;DEP;PMUN;2022;1473156\n"
        "44109;COM;PMUN;2021;323204\n",
        encoding="utf-8",
    )
    df = populations.parse(f)
    assert sorted(df["year"]) == [2021, 2022]
    assert df.set_index("year").loc[2022, "population"] == 325070


def test_malformed_population_names_line_and_column(mirror, tmp_path):
    lines = (mirror / "insee_rp/populations_historiques_pmun_2010_2022_geo2026_r52.csv").read_text().splitlines()
    fields = lines[10].split(";")
    fields[3] = "12x4"
    lines[10] = ";".join(fields)
    bad = tmp_path / "pop.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(SourceFormatError) as err:
        populations.parse(bad)
    msg = str(err.value)
    assert "pop.csv" in msg and "line 11" in msg and "PMUN2020" in msg and "12x4" in msg


def test_clpe_wrong_delimiter(mirror, tmp_path):
    text = (mirror / "territoires_efop/clpe_france_travail_pdl_communes.csv").read_text()
    bad = tmp_path / "clpe.csv"
    bad.write_text(text.replace(",", ";"))
    with pytest.raises(SourceFormatError, match="separator"):
        clpe.parse(bad)


def test_empty_file(tmp_path):
    f = tmp_path / "empty.csv"
    f.write_text("")
    with pytest.raises(SourceFormatError, match="empty"):
        clpe.parse(f)
