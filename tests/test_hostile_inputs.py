"""Hostile values from files never run: formulas in CSV cells, script links, ids as paths."""

from __future__ import annotations

import io
import csv

import duckdb
import pytest

from portraits import safety
from portraits.stages import UnsafeIdError, check_territory_ids


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\",\"clic\")", "+A1+B1", "-2+3", "@SUM(A1)", "\t=1",
                                   "\r=1"])
def test_formula_cells_are_made_text(value):
    assert safety.neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-1,5", "-12", "+3", "1 234,5", "Nantes", "", "2026-12-02"])
def test_numbers_and_plain_text_are_left_alone(value):
    assert safety.neutralise_cell(value) == value


def test_spreadsheet_csv_neutralises_every_cell_and_opens_in_a_french_spreadsheet():
    data = safety.spreadsheet_csv(["zone", "valeur"], [["=cmd|' /C calc'!A0", "-1,5"], [None, 3]])
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["zone", "valeur"], ["'=cmd|' /C calc'!A0", "-1,5"], ["", "3"]]


@pytest.mark.parametrize("url, ok", [
    ("https://www.mission-locale.fr/", True), ("http://exemple.fr/a?b=c", True),
    ("javascript:alert(document.domain)", False), ("JaVaScRiPt:alert(1)", False),
    (" javascript:alert(1)", False), ("data:text/html,<script>alert(1)</script>", False),
    ("file:///etc/passwd", False), ("//evil.example/x", False), ("www.exemple.fr", False),
    ("https://exemple.fr/\"onmouseover=alert(1)", False), ("https://", False),
])
def test_only_http_links(url, ok):
    assert (safety.safe_url(url) is not None) == ok


def test_indicators_csv_neutralises_a_hostile_label(pub):
    from reports.build import indicators_csv

    areas = [{"set_id": "region", "territory_id": "52", "label": "=HYPERLINK(\"http://x\")"}]
    text = indicators_csv(pub, "region", "52", areas=areas).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")"
    assert all(not c.startswith(("=", "+", "@")) for r in rows for c in r)


def test_an_official_territory_id_with_a_path_stops_the_build():
    con = duckdb.connect()
    con.execute("create schema ref")
    con.execute("create table ref.territory_set (set_id varchar, source_id varchar)")
    con.execute("create table ref.territory (set_id varchar, territory_id varchar)")
    con.execute("insert into ref.territory_set values ('clpe', 'clpe_communes')")
    con.execute("insert into ref.territory values ('clpe', 'CLPE44001'), ('clpe', '../../etc')")
    with pytest.raises(UnsafeIdError) as err:
        check_territory_ids(con)
    assert "'../../etc'" in str(err.value) and "clpe_communes" in str(err.value)
    assert "CLPE44001" not in str(err.value)


def test_a_set_named_like_an_output_folder_is_refused():
    """annuaire/confirmation/ holds the networks' sheets: a set may not be called that."""
    con = duckdb.connect()
    con.execute("create schema ref")
    con.execute("create table ref.territory_set (set_id varchar, source_id varchar)")
    con.execute("create table ref.territory (set_id varchar, territory_id varchar)")
    con.execute("insert into ref.territory values ('confirmation', 'nord')")
    with pytest.raises(UnsafeIdError, match="'confirmation' porte un nom réservé"):
        check_territory_ids(con)


@pytest.mark.parametrize("set_id", ["../../portraits/corrections/annuaire", "terr#2", "a/b", ""])
def test_forget_refuses_what_is_not_a_set_id(set_id, tmp_path, monkeypatch, capsys):
    from pipelines import cli

    victim = tmp_path / "corrections.csv"
    victim.write_text("keep me")
    monkeypatch.setenv("PORTRAITS_DEFINITIONS_DIR", str(tmp_path / "territories"))
    monkeypatch.setenv("PORTRAITS_MIRROR_DIR", "")
    assert cli.main(["territories", "forget", set_id]) == 2
    assert "refusé" in capsys.readouterr().err
    assert victim.read_text() == "keep me"


def test_a_remembered_set_is_never_replaced_silently(mirror, tmp_path, monkeypatch):
    from pipelines import cli

    monkeypatch.setenv("PORTRAITS_DEFINITIONS_DIR", str(tmp_path / "territories"))
    monkeypatch.setenv("PORTRAITS_MIRROR_DIR", str(mirror))
    first = tmp_path / "a" / "mes_territoires.csv"
    second = tmp_path / "b" / "mes_territoires.csv"
    first.parent.mkdir()
    second.parent.mkdir()
    first.write_text("territory_id;label;epci_siren;commune_code\nnantes;Nantes;;44109\n")
    second.write_text("territory_id;label;epci_siren;commune_code\nangers;Angers;;49007\n")
    assert cli.remember([first], None, None) == ["mes_territoires"]
    with pytest.raises(cli.ReplaceRefused, match="--replace"):
        cli.remember([second], None, None)
    kept = tmp_path / "territories" / "mes_territoires.csv"
    assert kept.read_bytes() == first.read_bytes()
    cli.remember([second], None, None, replace=True)
    assert kept.read_bytes() == second.read_bytes()
    (old,) = (tmp_path / "territories" / ".history").glob("mes_territoires-*.csv")
    assert old.read_bytes() == first.read_bytes()


def test_a_missing_corrections_file_stops_the_directory(warehouse_db, tmp_path):
    import shutil

    from portraits.directory import stage

    copy = tmp_path / "work.duckdb"
    shutil.copyfile(warehouse_db, copy)
    con = duckdb.connect(str(copy))
    try:
        with pytest.raises(FileNotFoundError, match="points fermés réapparaîtraient"):
            stage.build_frame(con, tmp_path / "absent.csv")
    finally:
        con.close()


HEADER = "territory_id;label;epci_siren;commune_code\n"


@pytest.mark.parametrize("name, content, expected", [
    ("quote.csv", (HEADER + 't1;"Nantes;;44109\nt2;Angers;;49007\n').encode(), "guillemet ouvert à la ligne 2"),
    ("big.csv", (HEADER + "t1;" + "x" * 140_000 + ";;44109\n").encode(), "ligne 2 : ligne illisible"),
    ("long.csv", (HEADER + "t1;" + "x" * 120_000 + ";;44109\n").encode(), "un champ de 120000 caractères"),
    ("nul.csv", (HEADER + "t1;Nan\0tes;;44109\n").encode(), "ligne 2 : caractère nul"),
    ("ctrl.csv", (HEADER + "t1;Nan\x1btes;;44109\n").encode(), "ligne 2 : caractère de contrôle"),
    ("u16.csv", (HEADER + "t1;Nantes;;44109\n").encode("utf-16"), "en UTF-16"),
    ("x.xlsx", b"PK\x03\x04" + b"\0" * 100, "classeur Excel"),
    ("terr#2.csv", (HEADER + "t1;Nantes;;44109\n").encode(), "« terr#2 » ne peut pas servir d'identifiant"),
    ("million.csv", (HEADER + "t1;Nantes;;44109\n" * 1_000_000).encode(), "plus de 40"),
    ("html.csv", (HEADER + "t1;<script>alert(1)</script>;;44109\nt2;=HYPERLINK(1);;49007\n").encode(), None),
])
def test_hostile_definition_files(name, content, expected, mirror, tmp_path, monkeypatch, capsys):
    """Every hostile definition file is refused with a French message naming the line, never a
    traceback; HTML and formulas in a label are accepted as text (escaped and neutralised later)."""
    from pipelines import cli

    monkeypatch.setenv("PORTRAITS_MIRROR_DIR", str(mirror))
    f = tmp_path / name
    f.write_bytes(content)
    rc = cli.main(["territories", "check", str(f)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    if expected is None:
        assert rc == 0, out.err
    else:
        assert rc == 1 and expected in out.err, out.err


def test_an_unsupported_cog_vintage_is_a_message(tmp_path, monkeypatch, capsys):
    from pipelines import cli

    f = tmp_path / "t.csv"
    f.write_text(HEADER + "t1;Nantes;;44109\n")
    assert cli.main(["territories", "check", str(f), "--cog", "2025"]) == 2
    assert "millésime du COG « 2025 » non pris en charge" in capsys.readouterr().err


def test_an_unknown_commune_code_in_a_reference_file_stops_the_build(warehouse_db, tmp_path):
    """A code of the region's départements that is neither a 2026 commune nor a former one (a
    typo, or a new commune the COG does not know yet) is not dropped silently."""
    import shutil

    from portraits.stages import UnknownCodeError, check_reference_codes

    copy = tmp_path / "work.duckdb"
    shutil.copyfile(warehouse_db, copy)
    con = duckdb.connect(str(copy))
    try:
        check_reference_codes(con)  # the real files pass
        con.execute("update raw.zonages_2024 set commune_code = '44999' where commune_code = '44109'")
        with pytest.raises(UnknownCodeError) as err:
            check_reference_codes(con)
        assert "insee_zonages_2024" in str(err.value) and "44999" in str(err.value)
    finally:
        con.close()
