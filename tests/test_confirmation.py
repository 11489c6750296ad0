"""Confirmation sheets of the shared directory (portraits/confirmation.py, reports/confirmation_exports.py,
``portraits annuaire integrer|fiches``): sheets written from the published-like database, read back,
filled as a network would and turned into rows of the corrections file. Every point id and value is
read from the database at run time; corrections files live in tmp_path, never the project's."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pandas as pd
import pytest

from portraits import confirmation as C
from portraits import directory as D
from portraits.directory.corrections import _LOCAL_ID

WHEN = "2026-11-02"
TODAY = "2026-11-30"
HEADER = ";".join(D.CORRECTION_COLUMNS)


# ---------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def points(pub) -> pd.DataFrame:
    return pub.execute("select * from directory.reception_point").df()


@pytest.fixture(scope="module")
def communes(pub) -> set[str]:
    return {r[0] for r in pub.execute("select commune_code from ref.commune where in_region").fetchall()}


@pytest.fixture(scope="module")
def sheets(pub, tmp_path_factory):
    from reports.confirmation_exports import write_sheets

    root = tmp_path_factory.mktemp("sheets")
    return root, write_sheets(pub, root)


@pytest.fixture(scope="module")
def ml_nantes(pub) -> list[dict]:
    """The missions locales of the CLPE territory holding Nantes, as in the database, by name."""
    return pub.execute(
        """select p.*, c.label as commune_label from directory.reception_point p
           join directory.reception_point_territory rt using (id)
           left join ref.commune c using (commune_code)
           where rt.set_id = 'clpe' and rt.territory_id = 'CLPE44001' and p.network = 'mission_locale'
           order by p.name, p.id""").df().to_dict("records")


@pytest.fixture
def corrections(tmp_path):
    """An empty corrections file like the project's (BOM, LF)."""
    f = tmp_path / "annuaire.csv"
    f.write_bytes(("\ufeff" + HEADER + "\n").encode("utf-8"))
    return f


def read_csv_sheet(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"))


def write_csv_sheet(path, rows: list[list[str]], delimiter: str = ";", bom: bool = True) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(("\ufeff" if bom else "").encode() + buf.getvalue().encode("utf-8"))


def answer(row: list[str], reponse: str, author: str = "C. Martin, ML", when: str = WHEN, **values) -> list[str]:
    """A sheet row with an answer and values changed (keys are French headers)."""
    row = list(row) + [""] * (len(C.HEADERS) - len(row))
    for h, v in {**values, "reponse": reponse, "auteur": author, "date": when}.items():
        row[C.HEADERS.index(h)] = v
    return row


def blank(**values) -> list[str]:
    row = [""] * len(C.HEADERS)
    for h, v in values.items():
        row[C.HEADERS.index(h)] = v
    return row


# ------------------------------------------------------------------------------------------ sheets


def test_sheets_for_every_network_and_territory(pub, points, sheets):
    root, paths = sheets
    base = root / "annuaire" / "confirmation"
    pairs = pub.execute(
        """select distinct p.network, rt.set_id, rt.territory_id
           from directory.reception_point p
           join directory.reception_point_territory rt using (id)
           join ref.territory_set s using (set_id)
           where s.portraits""").fetchall()
    networks = set(points["network"])
    expected = {base / n / s / f"{t}{ext}" for n, s, t in pairs for ext in (".csv", ".xlsx")}
    expected |= {base / n / f"region{ext}" for n in networks for ext in (".csv", ".xlsx")}
    expected.add(base / "LISEZMOI.txt")
    assert set(paths) == expected and len(paths) == len(expected)
    assert all(p.is_file() for p in paths)
    # a territory where a network has no point has no sheet for it
    empty = pub.execute(
        """select t.territory_id from ref.territory t where t.set_id = 'clpe' and not exists (
             select 1 from directory.reception_point_territory rt join directory.reception_point p using (id)
             where rt.set_id = 'clpe' and rt.territory_id = t.territory_id and p.network = 'mission_locale')
        """).fetchall()
    for (tid,) in empty:
        assert not (base / "mission_locale" / "clpe" / f"{tid}.csv").exists()
    readme = (base / "LISEZMOI.txt").read_text(encoding="utf-8")
    assert "confirme" in readme and "ajoute" in readme and "portraits annuaire integrer" in readme


def test_csv_sheet(sheets, ml_nantes):
    root, _ = sheets
    path = root / "annuaire" / "confirmation" / "mission_locale" / "clpe" / "CLPE44001.csv"
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n")
    rows = read_csv_sheet(path)
    assert rows[0] == C.HEADERS
    assert [r[0] for r in rows[1:]] == [p["id"] for p in ml_nantes]
    first = dict(zip(C.HEADERS, rows[1]))
    p = ml_nantes[0]
    assert first["nom"] == p["name"] and first["code_commune"] == p["commune_code"]
    assert first["commune"] == p["commune_label"] and first["reseau"] == "mission_locale"
    assert first["telephone"] == (p["phone"] or "") and first["site_web"] == (p["website"] or "")
    assert first["a_confirmer"] == ("oui" if p["stale"] else "non")
    assert first["date_source"] == str(p["source_date"])[:10]
    assert first["reponse"] == first["auteur"] == first["date"] == ""


def test_xlsx_sheet_matches_csv(sheets):
    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    root, _ = sheets
    base = root / "annuaire" / "confirmation" / "cio" / "region"
    csv_rows = read_csv_sheet(base.with_suffix(".csv"))
    book = CalamineWorkbook.from_path(str(base.with_suffix(".xlsx")))
    assert book.sheet_names[0] == "cio"
    rows = book.get_sheet_by_index(0).to_python()
    assert [[str(v) for v in r] for r in rows] == csv_rows
    wb = load_workbook(base.with_suffix(".xlsx"))
    ws = wb.worksheets[0]
    assert all(c.font.bold for c in ws[1]) and ws.freeze_panes == "C2"
    col = C.HEADERS.index("reponse") + 1
    dv = ws.data_validations.dataValidation
    assert len(dv) == 1 and dv[0].type == "list" and dv[0].formula1 == '"confirme,corrige,ferme,ajoute"'
    letter = ws.cell(1, col).column_letter
    assert str(dv[0].sqref).startswith(f"{letter}2:{letter}")
    assert all(c.data_type == "s" for row in ws.iter_rows() for c in row if c.value is not None)
    assert ws.column_dimensions["B"].width > ws.column_dimensions["D"].width  # names wider than postcodes
    assert "Mode d'emploi" in wb.sheetnames
    # the reader gives the same rows from both
    assert [r for _, r in C.read_sheet(base.with_suffix(".xlsx")).rows] == \
        [r for _, r in C.read_sheet(base.with_suffix(".csv")).rows]


def test_formula_like_values_are_written_inert(points, tmp_path):
    from openpyxl import load_workbook

    from reports.confirmation_exports import to_csv, to_xlsx

    row = points[points["network"] == "cio"].head(1).copy()
    real_name = row["name"].iloc[0]
    row["name"] = "=HYPERLINK(\"http://x\";\"" + real_name + "\")"
    row["address"] = "@SUM(A1)"
    rows = C.sheet_rows(row)
    cells = dict(zip(C.HEADERS, list(csv.reader(io.StringIO(to_csv(rows).decode("utf-8-sig")), delimiter=";"))[1]))
    assert cells["nom"] == "'" + row["name"].iloc[0] and cells["adresse"] == "'@SUM(A1)"
    (tmp_path / "f.xlsx").write_bytes(to_xlsx(rows, "cio"))
    ws = load_workbook(tmp_path / "f.xlsx").worksheets[0]
    assert ws.cell(2, 2).value.startswith("'=HYPERLINK") and ws.cell(2, 2).data_type == "s"
    # read back, the apostrophe is taken off and the value compares equal to the directory's
    (tmp_path / "f.csv").write_bytes(to_csv(rows))
    sheet = C.read_sheet(tmp_path / "f.csv")
    assert C._unneutralise(sheet.rows[0][1]["nom"]) == row["name"].iloc[0]


def test_new_point_id():
    pid = C.new_point_id("information_jeunesse", "44018", "Point d'information jeunesse de Bouaye – Mairie")
    assert pid == "local:information_jeunesse-44018-point-d-information-jeunesse-de-bouaye-mairie"
    assert _LOCAL_ID.fullmatch(pid)
    assert C.new_point_id("cio", "44109", "CIO de Nantes Œuvre !") == "local:cio-44109-cio-de-nantes-oeuvre"
    assert _LOCAL_ID.fullmatch(C.new_point_id("cio", "44109", "«»"))


# ------------------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("form", ["xlsx", "csv;bom", "csv,nobom"])
def test_round_trip(form, sheets, points, communes, corrections, tmp_path):
    root, _ = sheets
    base = root / "annuaire" / "confirmation" / "mission_locale" / "region"
    rows = read_csv_sheet(base.with_suffix(".csv"))
    ids = [r[0] for r in rows[1:]]
    by_id = points.set_index("id")
    corrected, confirmed, closed = ids[0], ids[1], ids[2]
    new_commune = by_id.at[corrected, "commune_code"]
    filled = [rows[0]]
    filled.append(answer(rows[1], "corrige", telephone="02 40 00 00 01", courriel="accueil@exemple.fr",
                         horaires="lundi-vendredi 9h-17h"))
    filled.append(answer(rows[2], "Confirmé"))  # case and accents do not matter
    filled.append(answer(rows[3], "ferme"))
    filled += rows[4:]  # not answered
    filled.append(answer(blank(nom="Antenne jeunesse de la mission locale", code_commune=new_commune,
                               adresse="1 place de la Mairie"), "ajoute"))
    sheet = tmp_path / ("fiche.xlsx" if form == "xlsx" else "fiche.csv")
    if form == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(base.with_suffix(".xlsx"))
        ws = wb.worksheets[0]
        for i, row in enumerate(filled, start=1):
            for j, v in enumerate(row, start=1):
                ws.cell(i, j).value = v or None
                if v == WHEN:  # a date typed in a spreadsheet is a date cell
                    ws.cell(i, j).value = date.fromisoformat(WHEN)
        wb.save(sheet)
    else:
        write_csv_sheet(sheet, filled, delimiter=form[3], bom=form.endswith(";bom"))

    result = C.sheet_corrections(sheet, points, communes, existing=corrections)
    assert result.network == "mission_locale"
    new_id = C.new_point_id("mission_locale", new_commune, "Antenne jeunesse de la mission locale")
    got = [(r["action"], r["id"], r["field"], r["value"]) for r in result.rows]
    assert got == [
        ("update", corrected, "phone", "02 40 00 00 01"),
        ("update", corrected, "email", "accueil@exemple.fr"),
        ("update", corrected, "opening_hours", "lundi-vendredi 9h-17h"),
        ("confirm", corrected, "", ""),
        ("confirm", confirmed, "", ""),
        ("close", closed, "", ""),
        ("add", new_id, "name", "Antenne jeunesse de la mission locale"),
        ("add", new_id, "network", "mission_locale"),
        ("add", new_id, "commune_code", new_commune),
        ("add", new_id, "address", "1 place de la Mairie"),
    ]
    assert {r["author"] for r in result.rows} == {"C. Martin, ML"} and {r["date"] for r in result.rows} == {WHEN}
    assert result.counts() == {"confirm": 2, "update": 3, "close": 1, "add": 4}
    assert result.answered == [2, 3, 4, len(filled)] and not result.warnings

    C.append_corrections(corrections, result.rows)
    loaded = D.load_corrections(corrections, D.known_ids(points), communes)
    assert len(loaded) == 10
    after = D.apply_corrections(points, loaded, today=TODAY).set_index("id")
    assert after.at[corrected, "phone"] == "02 40 00 00 01" and after.at[corrected, "email"] == "accueil@exemple.fr"
    assert after.at[corrected, "name"] == by_id.at[corrected, "name"]  # unchanged fields stay
    assert after.at[corrected, "corrected_at"] == WHEN and not after.at[corrected, "stale"]
    assert after.at[confirmed, "corrected_at"] == WHEN and not after.at[confirmed, "stale"]
    assert closed not in after.index
    added = after.loc[new_id]
    assert added["network"] == "mission_locale" and added["publics"] == D.publics_of("mission_locale")
    assert added["source_id"] == D.CORRECTIONS_SOURCE_ID and added["commune_code"] == new_commune
    assert len(after) == len(points)  # one closed, one added


def test_cli_integrer_appends_once(sheets, ml_nantes, published_db, tmp_path, capsys):
    from pipelines.annuaire_cli import main

    root, _ = sheets
    rows = read_csv_sheet(root / "annuaire" / "confirmation" / "mission_locale" / "clpe" / "CLPE44001.csv")
    sheet = tmp_path / "ml.csv"
    write_csv_sheet(sheet, [rows[0], answer(rows[1], "confirme")] + rows[2:])
    f = tmp_path / "annuaire.csv"
    f.write_bytes((HEADER + "\r\nconfirm;" + ml_nantes[0]["id"] + ";;;SPRO 44;2026-10-01").encode("utf-8"))
    args = ["annuaire", "integrer", str(sheet), "--db", str(published_db), "--corrections", str(f)]

    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "essai : rien n'est écrit" in out and f"confirm;{ml_nantes[0]['id']};;;C. Martin, ML;{WHEN}" in out
    assert f.read_bytes().count(b"\n") == 1

    assert main(args) == 0
    out = capsys.readouterr().out
    assert "1 ligne(s) ajoutée(s)" in out and "confirmations (confirm) : 1" in out
    # no BOM added, CRLF kept, the missing final line break supplied
    assert f.read_bytes() == (HEADER + "\r\nconfirm;" + ml_nantes[0]["id"] + ";;;SPRO 44;2026-10-01\r\n"
                              f"confirm;{ml_nantes[0]['id']};;;C. Martin, ML;{WHEN}\r\n").encode("utf-8")
    before = f.read_bytes()
    assert main(args) == 0  # the same sheet again adds nothing
    assert "déjà intégrée(s) (lignes 2)" in capsys.readouterr().out
    assert f.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".annuaire.csv")]  # no temporary file left


def test_cli_through_the_portraits_command(sheets, published_db, corrections, tmp_path, monkeypatch, capsys):
    from pipelines import cli

    monkeypatch.setenv("PORTRAITS_MIRROR_DIR", str(tmp_path))  # no discovery side effect
    root, paths = sheets
    out = tmp_path / "out"
    assert cli.main(["annuaire", "fiches", "--out", str(out), "--db", str(published_db), "--reseau", "cio",
                     "--reseau", "mission_locale"]) == 0
    assert "pour 2 réseau(x)" in capsys.readouterr().out
    written = {p.relative_to(out) for p in out.rglob("*") if p.is_file()}
    assert written == {p.relative_to(root) for p in paths
                       if p.relative_to(root).parts[2] in ("cio", "mission_locale", "LISEZMOI.txt")}
    for p in written:  # the same writer as the build
        assert (out / p).read_bytes() == (root / p).read_bytes() or p.suffix == ".xlsx"
    assert cli.main(["annuaire", "fiches", "--out", str(out), "--db", str(published_db), "--reseau", "pole_emploi"]) == 2
    assert "réseau inconnu" in capsys.readouterr().err
    sheet = out / "annuaire" / "confirmation" / "cio" / "region.csv"
    assert cli.main(["annuaire", "integrer", str(sheet), "--db", str(published_db),
                     "--corrections", str(corrections)]) == 0  # nothing answered: nothing added
    assert "Aucune ligne ajoutée" in capsys.readouterr().out


def test_cli_usage_errors(sheets, published_db, corrections, tmp_path, capsys):
    from pipelines.annuaire_cli import main

    root, _ = sheets
    sheet = root / "annuaire" / "confirmation" / "cio" / "region.csv"
    before = corrections.read_bytes()
    assert main(["annuaire", "integrer", str(tmp_path / "absente.csv"), "--db", str(published_db),
                 "--corrections", str(corrections)]) == 2
    assert "fiche introuvable" in capsys.readouterr().err
    assert main(["annuaire", "integrer", str(sheet), "--db", str(tmp_path / "absente.duckdb"),
                 "--corrections", str(corrections)]) == 2
    assert "base introuvable" in capsys.readouterr().err
    (tmp_path / "bad.duckdb").write_bytes(b"not a database at all" * 100)
    assert main(["annuaire", "integrer", str(sheet), "--db", str(tmp_path / "bad.duckdb"),
                 "--corrections", str(corrections)]) == 2
    assert "impossible d'ouvrir" in capsys.readouterr().err
    assert main(["annuaire", "integrer", str(sheet), "--db", str(published_db),
                 "--corrections", str(tmp_path / "absent.csv")]) == 2
    assert main(["annuaire", "fiches", "--out", str(tmp_path), "--db", str(tmp_path / "absente.duckdb")]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["annuaire", "integrer"])
    assert exc.value.code == 2
    capsys.readouterr()
    assert corrections.read_bytes() == before


# -------------------------------------------------------------------------------------- refusals


def test_every_refusal_listed_and_nothing_written(sheets, points, communes, published_db, corrections, tmp_path,
                                                  capsys):
    from pipelines.annuaire_cli import main

    root, _ = sheets
    rows = read_csv_sheet(root / "annuaire" / "confirmation" / "mission_locale" / "region.csv")
    other = points[points["network"] == "cio"].sort_values("id").iloc[0]
    cio_row = C.sheet_rows(points[points["id"] == other["id"]])[0]
    unchanged = dict(zip(C.HEADERS, rows[9]))
    bad = [
        rows[0],
        answer(rows[1], "confirme", when="02/11/2026"),                                   # 2 date
        answer(rows[2], "confirme", author=""),                                           # 3 auteur
        answer(rows[3], "peut-être"),                                                     # 4 reponse
        answer(rows[4], "corrige", telephone="02 40 00"),                                 # 5 telephone
        answer(rows[5], "corrige", courriel="accueil@@ml"),                               # 6 courriel
        answer(rows[6], "corrige", code_postal="4410", code_commune="35238"),             # 7 code_postal, code_commune
        answer(rows[7], "corrige", site_web="javascript:alert(1)"),                       # 8 site_web
        answer(rows[8], "corrige", nom="=HYPERLINK(\"http://x\")"),                       # 9 nom (formula)
        answer(rows[9], "corrige", commune=unchanged["commune"] + " (bourg)"),            # 10 reponse: no change
        answer(rows[10], "confirme", nom=rows[10][1] + " bis"),                           # 11 nom changed on confirme
        answer(rows[11], "ferme", identifiant="dila:inconnu-44109-99"),                   # 12 identifiant unknown
        answer(cio_row, "ferme", reseau="mission_locale"),                                # 13 identifiant: a CIO
        answer(rows[1], "ferme", when=WHEN),                                              # 14 identifiant twice
        answer(blank(nom="Nouveau lieu", code_commune="99999"), "ajoute"),                # 15 code_commune
        answer(blank(code_commune="44109", reseau="cio"), "ajoute"),                      # 16 nom, reseau
        answer(rows[12], "corrige", nom=""),                                              # 17 nom emptied
    ]
    sheet = tmp_path / "refusee.csv"
    write_csv_sheet(sheet, bad)
    with pytest.raises(D.CorrectionsError) as err:
        C.sheet_corrections(sheet, points, communes, existing=corrections)
    found = [(p.line, p.field) for p in err.value.problems]
    assert found == [
        (2, "date"), (3, "auteur"), (4, "reponse"), (5, "telephone"), (6, "courriel"), (7, "code_postal"),
        (7, "code_commune"), (8, "site_web"), (9, "nom"), (10, "reponse"), (11, "nom"), (12, "identifiant"),
        (13, "identifiant"), (14, "identifiant"), (15, "code_commune"), (16, "nom"), (16, "reseau"), (17, "nom"),
    ]
    messages = {(p.line, p.field): p.message for p in err.value.problems}
    assert "AAAA-MM-JJ" in messages[(2, "date")]
    assert "formule" in messages[(9, "nom")]
    assert "suit le code commune" in messages[(10, "reponse")]
    assert "répondez corrige" in messages[(11, "nom")]
    assert "réseau « cio »" in messages[(13, "identifiant")] and other["id"] in messages[(13, "identifiant")]
    assert "déjà traité ligne 2" in messages[(14, "identifiant")]
    assert "refusee.csv" in str(err.value) and "ligne 7, colonne « code_commune »" in str(err.value)

    before = corrections.read_bytes()
    assert main(["annuaire", "integrer", str(sheet), "--db", str(published_db),
                 "--corrections", str(corrections)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert "fiche refusée, rien n'a été écrit — 18 problème(s)" in captured.err
    for line, column in found:
        assert f"refusee.csv, ligne {line}, colonne « {column} »" in captured.err
    assert corrections.read_bytes() == before


def test_unreadable_sheets(points, communes, tmp_path):
    f = tmp_path / "fiche.csv"
    f.write_bytes("identifiant;nom;réponse;auteur;date\r\nx;Café;confirme;A;2026-11-02\r\n".encode("cp1252"))
    with pytest.raises(C.SheetError) as err:
        C.sheet_corrections(f, points, communes)
    assert "UTF-8" in str(err.value)
    f.write_text("identifiant;nom;auteur\nx;y;z\n", encoding="utf-8")
    with pytest.raises(C.SheetError) as err:
        C.sheet_corrections(f, points, communes)
    assert {(p.line, p.field) for p in err.value.problems} == {(1, "reponse"), (1, "date")}
    f.write_text("<!DOCTYPE html><html><body>Erreur 500</body></html>", encoding="utf-8")
    with pytest.raises(C.SheetError):
        C.sheet_corrections(f, points, communes)
    x = tmp_path / "fiche.xlsx"
    x.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(C.SheetError) as err:
        C.sheet_corrections(x, points, communes)
    assert "classeur illisible" in str(err.value)


def test_edited_row_without_answer_is_a_warning(sheets, points, communes, corrections):
    root, _ = sheets
    path = root / "annuaire" / "confirmation" / "cio" / "region.csv"
    rows = read_csv_sheet(path)
    rows[1][C.HEADERS.index("telephone")] = "02 41 00 00 00"
    sheet = corrections.parent / "cio.csv"
    write_csv_sheet(sheet, rows)
    result = C.sheet_corrections(sheet, points, communes, existing=corrections)
    assert result.rows == [] and [(w.line, w.field) for w in result.warnings] == [(2, "reponse")]


def test_an_addition_already_in_the_corrections_file(sheets, points, communes, corrections):
    """A point added by the corrections file under the same id, with other values: refused."""
    code = points.loc[points["network"] == "cio", "commune_code"].iloc[0]
    pid = C.new_point_id("cio", code, "Antenne du CIO")
    corrections.write_bytes(corrections.read_bytes() + (
        f"add;{pid};name;Antenne du CIO;SPRO;2026-01-05\n"
        f"add;{pid};network;cio;SPRO;2026-01-05\n"
        f"add;{pid};commune_code;{code};SPRO;2026-01-05\n").encode("utf-8"))
    sheet = corrections.parent / "cio.csv"
    write_csv_sheet(sheet, [C.HEADERS, answer(blank(nom="Antenne du CIO", code_commune=code, reseau="cio"), "ajoute")])
    with pytest.raises(C.SheetError) as err:
        C.sheet_corrections(sheet, points, communes, existing=corrections)
    assert [(p.line, p.field) for p in err.value.problems] == [(2, "nom")]
    assert pid in err.value.problems[0].message


# -------------------------------------------------------------------------------------- freshness


def test_network_freshness(pub, points):
    rows = C.network_freshness(pub)
    assert sum(r["points"] for r in rows) == len(points)
    assert sum(r["to_confirm"] for r in rows) == int(points["stale"].sum())
    labels = dict(pub.execute("select network, label from directory.network").fetchall())
    assert [r["network"] for r in rows] == sorted(set(points["network"]),
                                                  key=lambda n: (D.normalise(labels[n]), n))
    for r in rows:
        part = points[points["network"] == r["network"]]
        assert r["label"] == labels[r["network"]]
        assert r["points"] == len(part) and r["confirmed"] + r["to_confirm"] == r["points"]
        assert r["confirmed"] == int((~part["stale"]).sum())
        assert r["oldest_source_date"] == str(part["source_date"].min())[:10]
        assert r["newest_source_date"] == str(part["source_date"].max())[:10]
        last = part["corrected_at"].max()
        assert r["last_confirmation"] == (None if pd.isna(last) else str(last)[:10])
        for k in ("oldest_source_date", "newest_source_date"):
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[k])


def test_a_faulty_corrections_file_is_named(sheets, points, published_db, corrections, capsys):
    """The rows are validated with the file they go into: a fault already in it stops everything."""
    from pipelines.annuaire_cli import main

    root, _ = sheets
    rows = read_csv_sheet(root / "annuaire" / "confirmation" / "cio" / "region.csv")
    sheet = corrections.parent / "cio.csv"
    write_csv_sheet(sheet, [rows[0], answer(rows[1], "confirme")])
    corrections.write_bytes(corrections.read_bytes() + b"close;dila:inconnu-00000-01;;;SPRO;2026-01-05\n")
    before = corrections.read_bytes()
    assert main(["annuaire", "integrer", str(sheet), "--db", str(published_db),
                 "--corrections", str(corrections)]) == 1
    err = capsys.readouterr().err
    assert f"fichier des corrections {corrections} refusé" in err and "annuaire.csv, ligne 2, colonne « id »" in err
    assert corrections.read_bytes() == before


def test_rows_about_points_closed_since_stay_valid(sheets, points, communes, corrections):
    """A point closed by the corrections file is no longer in the published directory; the file's
    rows about it are still valid when its id is in directory.correction (``applied_ids``)."""
    root, _ = sheets
    rows = read_csv_sheet(root / "annuaire" / "confirmation" / "cio" / "region.csv")
    closed = rows[2][0]
    published = points[points["id"] != closed]  # as the next build publishes it
    corrections.write_bytes(corrections.read_bytes() + f"close;{closed};;;SPRO;2026-01-05\n".encode("utf-8"))
    sheet = corrections.parent / "cio.csv"
    write_csv_sheet(sheet, [rows[0], answer(rows[1], "confirme")])
    result = C.sheet_corrections(sheet, published, communes, existing=corrections, applied_ids={closed})
    assert [(r["action"], r["id"]) for r in result.rows] == [("confirm", rows[1][0])]
    with pytest.raises(C.SheetError) as err:
        C.sheet_corrections(sheet, published, communes, existing=corrections, applied_ids=set())
    assert err.value.path == str(corrections) and [(p.line, p.field) for p in err.value.problems] == [(2, "id")]
