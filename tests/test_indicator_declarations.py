"""Indicators are declared once (``portraits.indicators.Indicator``): the catalogue, the census
columns read, the ratios computed on every territory, the section's tables, the CSV and
``schema.md`` derive from the declaration. The README's « adding an indicator » is tested here on
the real files: one declaration of a census column the parser already keeps."""

from __future__ import annotations

import csv
import io
import shutil

import duckdb
import pandas as pd
import pytest

from portraits import indicators
from portraits.indicators import Indicator, Row
from portraits.themes import population, population_indicators
from reports.sections import common, observations
from reports.sections import population as population_section
from sources import census

NEW_ID = "creations_entreprises_2025"


@pytest.fixture
def fresh_catalogue():
    """The reports' memo of the declared ids, emptied before and after a test that declares more."""
    observations._known.cache_clear()
    yield
    observations._known.cache_clear()


def _the_readme_example() -> Indicator:
    # README, « Ajouter un indicateur »: one declaration (the column is in census.DOSSIER_VARIABLES)
    return population_indicators.count(
        NEW_ID, "Créations d'entreprises en 2025", "entreprises", population_indicators.DOSSIER, "ENCTOT25",
        "2025", "Business creations in 2025 (ENCTOT25 of the dossier complet).",
        rows=(Row(population_indicators.JOBS, "Créations d'entreprises en 2025"),))


def _mirror_total(mirror, column: str) -> tuple[float, int]:
    """The column's sum over the communes of the mirror file, read without the project's parser,
    and the number of communes without a value."""
    path = mirror / "insee_rp" / "dossier_complet_light_rp2022_r52.csv"
    values = pd.read_csv(path, sep=";", dtype=str, usecols=["CODGEO", column])[column]
    numbers = pd.to_numeric(values, errors="coerce")
    return float(numbers.sum()), int(numbers.isna().sum())


def test_adding_a_census_indicator_is_one_declaration(warehouse_db, tmp_path, monkeypatch, mirror,
                                                      fresh_catalogue):
    assert "ENCTOT25" in census.DOSSIER_VARIABLES  # the parser's column list already keeps it
    monkeypatch.setattr(population, "INDICATORS", [*population.INDICATORS, _the_readme_example()])
    db = tmp_path / "work.duckdb"
    shutil.copy(warehouse_db, db)
    con = duckdb.connect(str(db))
    try:
        indicators.build_theme(con, "population")
        # the catalogue
        label, unit, aggregation = con.execute(
            "select label, unit, aggregation from indicators.catalog where indicator_id = ?", [NEW_ID]).fetchone()
        assert (label, unit, aggregation) == ("Créations d'entreprises en 2025", "entreprises", "sum")
        # summed over every territory: the region is the file's total
        total, empty = _mirror_total(mirror, "ENCTOT25")
        assert empty == 0 and total > 0
        value, status = con.execute(
            "select value, status from indicators.observation where set_id = 'region' and indicator_id = ? "
            "and period = '2025'", [NEW_ID]).fetchone()
        assert status == "ok" and value == pytest.approx(total)
        deps = con.execute("select sum(value) from indicators.observation where set_id = 'departement' "
                           "and indicator_id = ?", [NEW_ID]).fetchone()[0]
        assert deps == pytest.approx(total)
        # the section's table
        from reports.build import indicators_csv
        from reports.portrait import base_context

        section = population_section.context(con, base_context(con, "departement", "53"))
        row = next(r for r in section["jobs_rows"] if r["indicator_id"] == NEW_ID)
        assert row["label"] == "Créations d'entreprises en 2025" and row["kind"] == "num"
        own = con.execute("select value from indicators.observation where set_id = 'departement' "
                          "and territory_id = '53' and indicator_id = ?", [NEW_ID]).fetchone()[0]
        assert row["cells"][0]["value"] == own and own > 0
        # the CSV
        lines = list(csv.reader(io.StringIO(indicators_csv(con, "departement", "53").decode("utf-8-sig")),
                                delimiter=";"))
        assert any(line[2] == NEW_ID and line[3] == "Créations d'entreprises en 2025" for line in lines)
    finally:
        con.close()
    # schema.md's list of indicators
    from portraits import contract

    assert any(f"`{NEW_ID}`" in line and "`ENCTOT25`" in line for line in contract._schema_md_indicators())


def test_the_sections_tables_come_from_the_declarations():
    from reports.sections import formation as formation_section

    declared = {r.table for i in indicators.catalog() for r in i.rows}
    assert declared == set(population_section.TABLES.values()) | {formation_section.COUNTS_TABLE,
                                                                   formation_section.PARCOURSUP_TABLE}
    spec = common.table_rows("population.jobs")
    assert spec[0] == ("emplois_rp2018", "2018", "Emplois au lieu de travail en 2018", "num", 0, False)
    assert ("solde_naturel", "2016-2022", "Solde naturel 2016-2022", "signed", 0, False) \
        in common.table_rows("population.change")
    counts = common.table_rows("formation.counts")
    assert [r[0] for r in counts[:2]] == ["lycees", "lycees_professionnels"] and counts[1][5] and not counts[0][5]
    assert common.table_rows("formation.parcoursup")[-1][:3] == ("formations_parcoursup", None, "Total")


# ---------------------------------------------------------------------------------------- bad input


def test_an_indicator_declared_twice_is_refused_naming_it(monkeypatch):
    monkeypatch.setattr(population, "INDICATORS", [*population.INDICATORS, population.INDICATORS[5]])
    with pytest.raises(ValueError, match=population.INDICATORS[5].id):
        indicators.catalog()


def test_a_ratio_naming_an_undeclared_part_is_refused(monkeypatch):
    bad = population_indicators.ratio("part_test", "Part test", ["menages"], ["menages_inconnus"], "2022",
                                      population_indicators.CMP22, "Test.")
    monkeypatch.setattr(population, "INDICATORS", [*population.INDICATORS, bad])
    with pytest.raises(ValueError, match="part_test.*menages_inconnus"):
        indicators.catalog()


@pytest.mark.parametrize("kwargs, message", [
    ({"aggregation": "mean"}, "aggregation 'mean'"),
    ({"aggregation": "sum", "numerator": ("a",)}, "both its numerator and its denominator"),
    ({"aggregation": "growth", "column": "P22_POP"}, "source column"),
    ({"aggregation": "ratio", "numerator": ("a",), "denominator": ("b",)}, "period"),
])
def test_a_malformed_declaration_stops_at_import_naming_it(kwargs, message):
    args = {"id": "test_indicator", "label": "Test", "unit": "", "source_id": "insee_comparateur_2022",
            "description": "", **kwargs}
    with pytest.raises(ValueError, match=f"test_indicator.*{message}"):
        Indicator(**args)


def test_a_section_naming_an_unknown_table_or_indicator_is_an_error(fresh_catalogue):
    with pytest.raises(KeyError, match="population.inconnue"):
        common.table_rows("population.inconnue")
    with pytest.raises(KeyError, match="indicateur_inconnu"):
        observations.check_known("indicateur_inconnu")
    observations.check_known("projets_recrutement_metier_a0z40")  # generated by the BMO theme
    with pytest.raises(ValueError, match="table 'population'"):
        Row("population", "Une ligne")
