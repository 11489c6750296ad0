"""Coordinator definition files: format, validation (every fault at once), COG 2024, loading into
the staging tables. Reference tables come from the real files of the mirror; definition files are
hand-written in tmp_path."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from portraits import geography, territories, warehouse
from portraits.territories import DefinitionError, load_definition
from sources import clpe, cog

NANTES_METROPOLE = "244400404"
CAP_ATLANTIQUE = "244400610"


@pytest.fixture(scope="module")
def ref(mirror):
    c26 = cog.parse_communes(mirror / "cog/decoupage-administratif-6.0.0_communes_r52.json")
    c24 = cog.parse_communes(mirror / "cog/decoupage-administratif-4.1.0_communes_r52.json",
                             dataset_id="cog_communes_2024")
    e26 = cog.parse_epci(mirror / "cog/decoupage-administratif-6.0.0_epci_r52.json")
    e24 = cog.parse_epci(mirror / "cog/decoupage-administratif-4.1.0_epci_r52.json", dataset_id="cog_epci_2024")
    history = geography.commune_history(c26, c24)
    region = set(c26.loc[(c26["type"] == "commune-actuelle") & (c26["region"] == "52"), "code"])
    return {"c26": c26, "c24": c24, "e26": e26, "e24": e24, "history": history, "region": region}


def load(path, ref, cog=2026, **kw):
    communes, epci = (ref["c26"], ref["e26"]) if cog == 2026 else (ref["c24"], ref["e24"])
    return load_definition(path, cog=cog, communes=communes, epci_members=epci, history=ref["history"],
                           region_communes=ref["region"], **kw)


def write(tmp_path, name, text, encoding="utf-8"):
    f = tmp_path / name
    f.write_bytes(text.encode(encoding))
    return f


def faults(err: DefinitionError) -> dict[tuple, str]:
    return {(p.line, p.code): p.message for p in err.problems}


# --- loads ------------------------------------------------------------------------------------


def test_mixed_epci_and_communes(tmp_path, ref):
    f = write(tmp_path, "coordination_44.csv",
              "territory_id;label;epci_siren;commune_code\n"
              f"nantes-metro;Nantes Métropole;{NANTES_METROPOLE};\n"
              "estuaire;Estuaire et Sillon;;44184\n"
              "estuaire;Estuaire et Sillon;;44211\n"
              "estuaire;Estuaire et Sillon;;44132\n")
    d = load(f, ref)
    assert d.set_id == "coordination_44" and d.cog == 2026
    assert list(d.members.columns) == ["territory_id", "label", "commune_code"]
    t = d.territories.set_index("territory_id")
    assert t.loc["nantes-metro", "n_communes"] == 24 and t.loc["estuaire", "n_communes"] == 3
    assert {"44109", "44143", "44190"} <= set(d.members.loc[d.members["territory_id"] == "nantes-metro", "commune_code"])
    assert (d.members.loc[d.members["territory_id"] == "estuaire", "label"] == "Estuaire et Sillon").all()
    assert any(w.startswith("1201 commune(s) de la région ne sont dans aucun territoire") for w in d.warnings)
    assert "Nantes Métropole : 24 communes" in d.report()


def test_comma_bom_crlf_and_extra_columns(tmp_path, ref):
    f = write(tmp_path, "t.csv",
              "\ufeffterritory_id,label,commune_code,nom_commune\r\n"
              "a,Angers et voisines,49007,Angers\r\n"
              "a,Angers et voisines,49015,\r\n"
              '"b","Laval, ville",53130,Laval\r\n')
    d = load(f, ref)
    assert d.members.to_dict("list") == {"territory_id": ["a", "a", "b"],
                                         "label": ["Angers et voisines"] * 2 + ["Laval, ville"],
                                         "commune_code": ["49007", "49015", "53130"]}


def test_outside_region_communes_are_kept_and_flagged(tmp_path, ref):
    f = write(tmp_path, "t.csv", f"territory_id;label;epci_siren\nguerande;Presqu'île;{CAP_ATLANTIQUE}\n")
    d = load(f, ref)
    outside = d.members[~d.members["commune_code"].isin(ref["region"])]
    assert len(outside) == 3 and outside["commune_code"].str.startswith("56").all()
    assert any(w.startswith("3 commune(s) hors région, conservée(s) et signalée(s)") for w in d.warnings)


def test_whole_clpe_referential_as_a_definition(tmp_path, mirror, ref):
    """The CLPE territories written as EPCI lists give the CLPE referential's communes."""
    epci = pd.read_csv(mirror / "territoires_efop/clpe_france_travail_pdl_epci_derived.csv", dtype=str)
    epci = epci[~epci["territoire_id"].isin(["CLPE35001", "CLPE61003"])]  # coded outside the region
    lines = ["territory_id;label;epci_siren;commune_code"]
    for r in epci.itertuples(index=False):
        if r.epci_siren == "ZZZZZZZZZ":  # L'Île-d'Yeu, no EPCI
            lines.append(f"{r.territoire_id};{r.territoire_libelle};;85113")
        else:
            lines.append(f"{r.territoire_id};{r.territoire_libelle};{r.epci_siren};")
    d = load(write(tmp_path, "clpe_epci.csv", "\n".join(lines) + "\n"), ref)
    k = clpe.parse(mirror / "territoires_efop/clpe_france_travail_pdl_communes.csv")
    k = k[~k["territory_id"].isin(["CLPE35001", "CLPE61003"])]
    got = set(zip(d.members["territory_id"], d.members["commune_code"]))
    assert got == set(zip(k["territory_id"], k["commune_code"]))
    assert len(got) == 1220
    # the 13 region communes of the two cross-border CLPE are left out
    assert any(w.startswith("13 commune(s) de la région") for w in d.warnings)


# --- faults -----------------------------------------------------------------------------------


def test_faulty_file_lists_every_fault_with_its_line(tmp_path, ref):
    f = write(tmp_path, "faux.csv",
              "territory_id;label;epci_siren;commune_code\n"
              f"nord;Nord;{NANTES_METROPOLE};\n"           # 2 ok
              "Nord;Nord bis;;44001\n"                      # 3 id differs from line 2 by case only
              "sud ouest;Sud-Ouest;;44002\n"                # 4 space in id
              "est;Est;;44109\n"                            # 5 Nantes already in 'nord' (line 2)
              "est;Est-Loire;;44003\n"                      # 6 second label for 'est'
              "est;;;44005\n"                               # 7 empty label
              "est;Est;;44017\n"                            # 8 former commune
              "est;Est;;44999\n"                            # 9 unknown commune
              "est;Est;123456789;\n"                        # 10 unknown EPCI
              "est;Est;244400404;44006\n"                   # 11 both codes
              "vide;Vide;;\n"                               # 12 empty territory
              "est;Est;;\n"                                 # 13 no code
              "est;Est;;4410\n")                            # 14 malformed code
    with pytest.raises(DefinitionError) as err:
        load(f, ref)
    got = faults(err.value)
    expected = {
        (3, "duplicate_id"), (4, "bad_id"), (5, "commune_in_two_territories"), (6, "label_mismatch"),
        (7, "empty_label"), (8, "former_commune"), (9, "unknown_commune"), (10, "unknown_epci"),
        (11, "both_codes"), (12, "empty_territory"), (13, "no_code"), (14, "bad_commune_code"),
    }
    assert set(got) == expected
    assert "44017 (Bonnœuvre) est une ancienne commune, fusionnée dans 44180 (Vallons-de-l'Erdre)" in got[(8, "former_commune")]
    clash = got[(5, "commune_in_two_territories")]
    assert "44109 (Nantes)" in clash and "(ligne 5)" in clash and "(ligne 2)" in clash
    assert "« Est » (lignes 5, 8, 9, 10, 11, 13, 14)" in got[(6, "label_mismatch")]
    text = str(err.value)
    assert text.startswith("faux.csv : 12 problèmes à corriger")
    assert text.index("ligne 3,") < text.index("ligne 14,")  # sorted by line


def test_epci_overlapping_a_territory_reports_the_count(tmp_path, ref):
    f = write(tmp_path, "t.csv",
              "territory_id;label;epci_siren;commune_code\n"
              "a;A;;44109\na;A;;44143\n"
              f"b;B;{NANTES_METROPOLE};\n")
    with pytest.raises(DefinitionError) as err:
        load(f, ref)
    (p,) = [p for p in err.value.problems if p.code == "commune_in_two_territories"]
    assert p.line == 4 and "2 communes 44109 (Nantes), 44143 (Rezé)" in p.message


@pytest.mark.parametrize("name, content, encoding, code, line", [
    ("vide.csv", "", "utf-8", "empty_file", None),
    ("blanc.csv", "\n  \n", "utf-8", "empty_file", None),
    ("separateurs.csv", ";\n;;\n", "utf-8", "empty_file", None),
    ("entete.csv", "territory_id;label;commune_code\n", "utf-8", "no_rows", None),
    ("tab.csv", "territory_id\tlabel\tcommune_code\na\tA\t44109\n", "utf-8", "delimiter", 1),
    ("cols.csv", "territoire;libelle;commune\na;A;44109\n", "utf-8", "missing_columns", 1),
])
def test_file_level_faults(tmp_path, ref, name, content, encoding, code, line):
    with pytest.raises(DefinitionError) as err:
        load(write(tmp_path, name, content, encoding), ref)
    assert [(p.code, p.line) for p in err.value.problems] == [(code, line)]


def test_wrong_encoding_still_lists_the_other_faults(tmp_path, ref):
    f = write(tmp_path, "latin.csv",
              "territory_id;label;commune_code\nloire;Vallée de la Loire;49007\nmauges;Mauges Entité;4999\n",
              encoding="cp1252")
    f.write_bytes(f.read_bytes().replace("Vallée".encode("utf-8"), "Vallée".encode("cp1252")))
    with pytest.raises(DefinitionError) as err:
        load(f, ref)
    got = faults(err.value)
    assert set(got) == {(2, "encoding"), (3, "bad_commune_code")}
    assert "UTF-8" in got[(2, "encoding")]


def test_mixed_delimiters(tmp_path, ref):
    f = write(tmp_path, "t.csv", "territory_id;label;commune_code\na;A;44109\nb,B,44143\n")
    with pytest.raises(DefinitionError) as err:
        load(f, ref)
    assert [(p.line, p.code) for p in err.value.problems] == [(3, "delimiter")]


def test_bad_or_reserved_set_id(tmp_path, ref):
    f = write(tmp_path, "mes territoires.csv", "territory_id;label;commune_code\na;A;44109\n")
    with pytest.raises(DefinitionError) as err:
        load(f, ref)
    assert [p.code for p in err.value.problems] == ["bad_set_id"]
    assert load(f, ref, set_id="mes_territoires").set_id == "mes_territoires"
    with pytest.raises(DefinitionError, match="ensemble standard"):
        load(f, ref, set_id="epci")


# --- COG 2024 ---------------------------------------------------------------------------------


def test_cog_2024_codes_are_mapped(tmp_path, ref):
    f = write(tmp_path, "t2024.csv",
              "territory_id;label;commune_code\n"
              "belin;Belinois;72155\nbelin;Belinois;72287\n"
              "hune;Val de la Hune;72298\n"
              "oree;Orée d'Anjou;49069\n")
    d = load(f, ref, cog=2024)
    assert d.members.to_dict("list") == {
        "territory_id": ["belin", "hune", "oree"],
        "label": ["Belinois", "Val de la Hune", "Orée d'Anjou"],
        "commune_code": ["72155", "72382", "49126"],
    }
    conv = next(w for w in d.warnings if "convertis en COG 2026" in w)
    assert "72287 → 72155 (Laigné-Saint-Gervais)" in conv and "49069 → 49126 (Orée d'Anjou)" in conv
    # the same file read as COG 2026 is refused, with a hint
    with pytest.raises(DefinitionError) as err:
        load(f, ref)
    msgs = faults(err.value)
    assert set(msgs) == {(3, "former_commune"), (4, "former_commune"), (5, "former_commune")}
    assert "--cog 2024" in msgs[(3, "former_commune")]


def test_cog_2024_merged_communes_in_two_territories(tmp_path, ref):
    f = write(tmp_path, "t.csv", "territory_id;label;commune_code\na;A;72155\nb;B;72287\n")
    with pytest.raises(DefinitionError) as err:
        load(f, ref, cog=2024)
    (p,) = err.value.problems
    assert p.line == 3 and "72287 et 72155 forment 72155 (Laigné-Saint-Gervais) en 2026" in p.message


def test_unsupported_cog(tmp_path, ref):
    with pytest.raises(ValueError, match="unsupported COG"):
        load(write(tmp_path, "t.csv", "territory_id;label;commune_code\na;A;44109\n"), ref, cog=2025)


def test_split_group_warning(tmp_path, ref):
    f = write(tmp_path, "t.csv", "territory_id;label;commune_code\na;A;85084\nb;B;85165\nb;B;85212\n")
    d = load(f, ref)
    assert any("antérieures à 2022" in w for w in d.warnings)


# --- warehouse --------------------------------------------------------------------------------


def test_insert_into_staging_and_publish(tmp_path, ref):
    f = write(tmp_path, "coordination.csv",
              f"territory_id;label;epci_siren;commune_code\nnm;Nantes Métropole;{NANTES_METROPOLE};\n"
              f"guer;Presqu'île;{CAP_ATLANTIQUE};\n")
    d = load(f, ref)
    con = duckdb.connect()
    con.execute("create schema staging; create schema ref")
    # the staging tables exactly as territories.sql creates them
    sql = re.sub(r"--[^\n]*", "", (warehouse.SQL_DIR / "territories.sql").read_text(encoding="utf-8"))
    ddl = [s for s in sql.split(";") if "create or replace table staging." in s]
    assert len(ddl) == 2
    for statement in ddl:
        con.execute(statement)
    c = ref["c26"][ref["c26"]["type"] == "commune-actuelle"]
    commune = pd.DataFrame({"commune_code": c["code"], "departement_code": c["departement"], "in_region": True})
    con.register("_c", commune)
    con.execute("create table ref.commune as select * from _c")
    d.insert_into(con)
    d.insert_into(con)  # idempotent
    assert con.execute("select set_id, label, source_id, sort_order from staging.territory_set").fetchall() == [
        ("coordination", "Territoires personnalisés (coordination)", "definition:coordination.csv", 100)]
    assert con.execute("select count(*) from staging.territory_member").fetchone()[0] == 24 + 15
    warehouse.run_sql_file(con, "territories_publish")
    rows = con.execute("select territory_id, label, n_communes, n_communes_outside_region, departements "
                       "from ref.territory order by 1").fetchall()
    assert rows == [("guer", "Presqu'île", 15, 3, "44"), ("nm", "Nantes Métropole", 24, 0, "44")]


def test_check_file_reads_the_reference_itself(tmp_path, mirror):
    f = write(tmp_path, "t.csv", "territory_id;label;commune_code\nbelin;Belinois;72287\n")
    d = territories.check_file(f, cog=2024, mirror_dir=mirror)
    assert d.members["commune_code"].tolist() == ["72155"] and d.set_id == "t"
    with pytest.raises(DefinitionError, match="--cog 2024"):
        territories.check_file(f, mirror_dir=mirror)
    with pytest.raises(FileNotFoundError):
        territories.check_file(tmp_path / "absent.csv", mirror_dir=mirror)


def test_load_from_warehouse_with_a_build_spec(tmp_path, ref):
    f = write(tmp_path, "t.csv", f"territory_id;label;epci_siren;commune_code\nnm;NM;{NANTES_METROPOLE};\n"
                                 "belin;Belinois;;72287\n")
    con = duckdb.connect()
    con.execute("create schema raw")
    for table, frame in (("cog_communes_2026", ref["c26"]), ("cog_epci_2026", ref["e26"])):
        warehouse.load_raw(con, table, frame, source_id=table, vintage="x")
    with pytest.raises(LookupError, match="raw.cog_communes_2024"):
        territories.load_from_warehouse(con, f"{f}#set=essai#cog=2024")
    for table, frame in (("cog_communes_2024", ref["c24"]), ("cog_epci_2024", ref["e24"])):
        warehouse.load_raw(con, table, frame, source_id=table, vintage="x")
    d = territories.load_from_warehouse(con, f"{f}#set=essai#cog=2024")
    assert d.set_id == "essai" and d.cog == 2024 and len(d.members) == 25
    assert territories.parse_spec("/a/b.csv") == (Path("/a/b.csv"), None, None)


def test_cog_2024_delegated_commune_names_its_commune(tmp_path, ref):
    # 49126 Drain was a delegated commune of 49069 Orée d'Anjou in COG 2024 (Orée d'Anjou is 49126 in 2026)
    f = write(tmp_path, "t.csv", "territory_id;label;commune_code\na;A;49126\n")
    with pytest.raises(DefinitionError) as err:
        load(f, ref, cog=2024)
    (p,) = err.value.problems
    assert p.code == "former_commune"
    assert p.message == ("49126 (Drain) est une commune déléguée ou associée de 49069 (Orée d'Anjou) dans le "
                         "COG 2024 (aujourd'hui 49126 (Orée d'Anjou)) : utilisez le code 49069.")
