"""The directory of reception points: parsers (DILA, OFA), build, duplicates, corrections, referral,
exports. Real files are read from the mirror at run time; only tiny hand-written tables live here."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from portraits import directory as D
from portraits.directory.corrections import _check_value
from portraits.directory.normalise import _is_stale, _today
from sources import dila, ofa
from sources.errors import SourceFormatError

DILA_FILE = "dila_annuaire_local_2016/annuaire-services-publics-locaux-2016_pdl_orientation-emploi.jsonl"
TODAY = "2026-06-01"


# ---------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def dila_df(mirror):
    return dila.parse(mirror / DILA_FILE)


@pytest.fixture(scope="module")
def agencies(mirror):
    """France Travail sites 2019, parsed minimally (the real parser lives in sources/france_travail)."""
    raw = pd.read_csv(mirror / "france_travail/pole_emploi_agencies_pdl.csv", dtype=str, keep_default_na=False)
    return pd.DataFrame(
        {
            "agency_id": raw["REFERENCE_PE"],
            "name": raw["NOM"],
            "type_site": raw["TYPE_SITE"],
            "address": raw["ADRESSE"],
            "postcode": raw["CODE_POSTAL"],
            "commune_name": raw["COMMUNE"],
            "latitude": raw["DN_LATITUDE"].str.replace(",", ".").astype(float),
            "longitude": raw["DN_LONGITUDE"].str.replace(",", ".").astype(float),
        }
    )


@pytest.fixture(scope="module")
def cio(mirror):
    raw = pd.read_csv(mirror / "annuaire_education/fr-en-annuaire-education_extrait_pdl.csv", sep=";",
                      dtype=str, keep_default_na=False)
    raw = raw[raw["type_etablissement"] == "Information et orientation"]
    return pd.DataFrame(
        {
            "uai": raw["identifiant_de_l_etablissement"],
            "name": raw["nom_etablissement"],
            "commune_code": raw["code_commune"],
            "commune_name": raw["nom_commune"],
            "latitude": raw["latitude"].astype(float),
            "longitude": raw["longitude"].astype(float),
        }
    )


@pytest.fixture(scope="module")
def ofa_df(mirror):
    return ofa.parse_networks(mirror / "referentiel_ofa_reseaux")


@pytest.fixture(scope="module")
def geo(mirror):
    cog = pd.read_csv(mirror / "cog/communes_r52_cog2026.csv", dtype=str, keep_default_na=False)
    return D.commune_reference(cog)


@pytest.fixture(scope="module")
def built(dila_df, agencies, cio, ofa_df, geo):
    communes, history = geo
    stats: dict = {}
    df = D.build_directory(dila_df, agencies, cio, ofa_df, communes, history, today=TODAY, stats=stats)
    return df, stats


@pytest.fixture(scope="module")
def nantes_centroid(mirror):
    from shapely.geometry import shape

    gj = json.loads((mirror / "contours/communes_r52_cog2024.geojson").read_text())
    feat = next(f for f in gj["features"] if f["properties"]["DEPCOM"] == "44109")
    c = shape(feat["geometry"]).centroid
    return pd.DataFrame({"commune_code": ["44109"], "latitude": [c.y], "longitude": [c.x]})


def occurrences(df: pd.DataFrame, source_id: str) -> int:
    """How many times an id appears in the directory, as a row id or in a merged_from list."""
    n = int((df["id"] == source_id).sum())
    return n + sum(source_id in m.split("|") for m in df["merged_from"] if m)


def row_of(df: pd.DataFrame, source_id: str) -> pd.Series:
    hit = df[(df["id"] == source_id) | df["merged_from"].str.split("|").map(lambda ids: source_id in ids)]
    assert len(hit) == 1, f"{source_id} present {len(hit)} times"
    return hit.iloc[0]


# ----------------------------------------------------------------------------------------- parsers


def test_dila_parse(dila_df):
    counts = dila_df["type"].value_counts()
    assert len(dila_df) == 241
    assert counts["cio"] == 20 and counts["mission_locale"] == 27 and counts["pole_emploi"] == 45
    assert dila_df["dila_id"].is_unique
    assert dila_df[["latitude", "longitude"]].notna().all().all()
    assert dila_df["updated"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    nantes = dila_df.set_index("dila_id").loc["cio-44109-01"]
    assert nantes["name"] == "Centre d'information et d'orientation (CIO) de Nantes"
    assert nantes["updated"] == "2015-01-15" and nantes["commune_code"] == "44109"
    assert dila_df.set_index("dila_id").loc["mission_locale-49007-01", "commune_code"] == "49007"
    # DILA's own coordinates win over the BAN geocoding (which put this PIJ in Bordeaux)
    assert 48.0 < dila_df.set_index("dila_id").loc["cij-53147-01", "latitude"] < 48.6


def test_dila_errors_name_file_and_line(mirror, tmp_path):
    lines = (mirror / DILA_FILE).read_text(encoding="utf-8").splitlines()[:3]
    bad = tmp_path / "annuaire.jsonl"
    bad.write_text("\n".join([lines[0], lines[1][:-5], lines[2]]) + "\n", encoding="utf-8")
    with pytest.raises(SourceFormatError) as err:
        dila.parse(bad)
    assert "annuaire.jsonl" in str(err.value) and "line 2" in str(err.value) and "invalid JSON" in str(err.value)

    record = json.loads(lines[2])
    del record["update"]
    bad.write_text("\n".join([lines[0], lines[1], json.dumps(record)]) + "\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"line 3.*missing field\(s\) update"):
        dila.parse(bad)

    api = {"pivot": '[{"type_service_local": "cio"}]', "nom": "CIO"}
    bad.write_text(json.dumps(api) + "\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="API Annuaire layout"):
        dila.parse(bad)


def test_ofa_networks(ofa_df):
    assert len(ofa_df) == 381
    assert ofa_df["network"].value_counts().to_dict()["greta"] == 56
    assert ofa_df["network"].nunique() == 14
    greta = ofa_df[(ofa_df["uai"] == "0441975H") & (ofa_df["network"] == "greta")].iloc[0]
    assert greta["siret"] == "19440029700025" and greta["postcode"] == "44000" and greta["commune"] == "Nantes"
    assert set(ofa_df["qualiopi"].dropna()) == {True, False}
    assert ofa_df["imported"].dropna().str.fullmatch(r"20\d\d-\d\d-\d\d").all()
    # an address that is only a commune name (MFR) is taken as the commune
    assert (ofa_df["postcode"].isna() & ofa_df["commune"].notna()).sum() == 3


def test_ofa_prepa(mirror):
    df = ofa.parse_prepa(mirror / "referentiel_ofa_reseaux/organismes-prepa-apprentissage_pdl.csv")
    assert len(df) == 503 and df["siret"].is_unique
    assert df["prepa_apprentissage"].sum() == 8
    assert df.set_index("siret").loc["19440001600011", "uai"] == "0440001M"


def test_ofa_bad_siret(tmp_path):
    f = tmp_path / "referentiel-reseau-test_pdl.csv"
    f.write_text(
        "Siret;UAI validée;Raison sociale;Adresse;Région;Qualiopi;Date d'import\n"
        "19440029700025;0441975H;LYCEE;16 Rue Dufour 44000 Nantes;Pays de la Loire;Oui;17/12/2021\n"
        "1944002970;0441975H;LYCEE;16 Rue Dufour 44000 Nantes;Pays de la Loire;Oui;17/12/2021\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceFormatError, match=r"line 3, column 'Siret'"):
        ofa.parse_networks([f])


# ----------------------------------------------------------------------------------------- build


def test_directory_shape(built, geo):
    df, stats = built
    communes, _ = geo
    assert list(df.columns) == D.COLUMNS
    assert df["id"].is_unique
    assert set(df["network"]) <= set(D.NETWORKS)
    assert all(set(p.split("|")) <= set(D.PUBLICS) for p in df["publics"])
    assert df["commune_code"].dropna().isin(set(communes["commune_code"])).all()
    assert stats["unmapped_communes"] == []
    assert df["corrected_at"].isna().all()
    # every id of every input is somewhere exactly once
    all_ids = list(df["id"]) + [x for m in df["merged_from"] if m for x in m.split("|")]
    assert len(all_ids) == len(set(all_ids)) == stats["records"]


def test_cio_nantes_once_in_44109(built):
    df, stats = built
    row = row_of(df, "uai:0441722H")
    assert row["id"] == "uai:0441722H" and row["commune_code"] == "44109"
    # merged with the DILA "CIO de Nantes - Nord" (34 rue du Fresche-Blanc), whose contacts fill in
    assert row["merged_from"] == "dila:cio-44109-02"
    assert "Fresche-Blanc" in row["address"] and row["phone"]
    assert row["source_date"] == "2025-10-13" and not row["stale"]
    assert stats["dila+uai"] == 13
    assert (df["network"] == "cio").sum() == 21  # 20 DILA + 14 education directory − 13 merged


def test_cio_filed_under_its_parent(built):
    """0530802J, the point d'accueil at Château-Gontier, is filed in the 2025 directory with the
    code and exact coordinates of the CIO of Laval (0530032X) but nom_commune
    Château-Gontier-sur-Mayenne: it takes that commune and joins DILA's CIO of Château-Gontier."""
    df, _ = built
    row = row_of(df, "uai:0530802J")
    assert row["id"] == "uai:0530802J" and row["commune_code"] == "53062"
    assert row["merged_from"] == "dila:cio-53062-01"
    assert row["latitude"] == pytest.approx(47.827, abs=0.01)  # DILA's, not Laval's 48.067
    laval = row_of(df, "uai:0530032X")
    assert laval["commune_code"] == "53130" and laval["latitude"] == pytest.approx(48.067, abs=0.001)


def test_every_mission_locale_once(built, dila_df):
    df, _ = built
    ml = dila_df.loc[dila_df["type"] == "mission_locale", "dila_id"]
    assert len(ml) == 27
    for i in ml:
        assert occurrences(df, f"dila:{i}") == 1
    assert (df["network"] == "mission_locale").sum() == 27


def test_agencies_once_and_merged_with_dila(built, agencies, dila_df):
    df, stats = built
    ale = agencies.loc[agencies["type_site"] == "ALE", "agency_id"]
    assert len(ale) == 49
    for a in ale:
        assert occurrences(df, f"ft:{a}") == 1
    for a in agencies.loc[agencies["type_site"] != "ALE", "agency_id"]:
        assert occurrences(df, f"ft:{a}") == 0  # DDA / DRA are offices
    for p in dila_df.loc[dila_df["type"] == "pole_emploi", "dila_id"]:
        assert occurrences(df, f"dila:{p}") == 1
    assert stats["dila+ft"] == 42
    nord = row_of(df, "ft:PDL0082005452")
    assert nord["merged_from"] == "dila:pole_emploi-44109-06" and nord["network"] == "france_travail"
    assert nord["source_date"] == "2019-11-13" and nord["commune_code"] == "44109"
    # the agency at Saint-Herblain joins DILA's Saint-Herblain record, not the specialised agency
    # sharing its building
    assert row_of(df, "ft:PDL0097005795")["merged_from"] == "dila:pole_emploi-44162-01"
    assert occurrences(df, "dila:pole_emploi-44114-01") == 1
    # two 2019 ALE codes at the same Cholet address are one reception point
    cholet = row_of(df, "ft:PDL0123005860")
    assert set(cholet["merged_from"].split("|")) | {cholet["id"]} == {
        "ft:PDL0111005860", "ft:PDL0123005860", "dila:pole_emploi-49099-01"}


def test_stable_ids_across_builds(built, dila_df, agencies, cio, ofa_df, geo):
    df, _ = built
    communes, history = geo
    shuffled = D.build_directory(
        dila_df.sample(frac=1, random_state=7), agencies.sample(frac=1, random_state=8),
        cio.sample(frac=1, random_state=9), ofa_df.sample(frac=1, random_state=10), communes, history,
        today=TODAY,
    )
    pd.testing.assert_frame_equal(df, shuffled)


def test_stale_flag(built):
    df, _ = built
    assert df.loc[df["source_id"] == "dila_annuaire_2016", "stale"].all()
    assert not df.loc[df["source_id"] == "annuaire_education", "stale"].any()
    assert df.loc[df["source_id"] == "pe_agences_2019", "stale"].all()
    assert not _is_stale("2023-06-01", _today(TODAY)) and _is_stale("2023-05-31", _today(TODAY))


# --------------------------------------------------------------------------- rules on small tables

COMMUNES = pd.DataFrame(
    {
        "commune_code": ["44109", "44184", "85146"],
        "name": ["Nantes", "Saint-Nazaire", "Montaigu-Vendée"],
        "postcodes": ["44000|44100|44200|44300", "44600", "85600"],
        "former_codes": ["", "", "85036"],
    }
)
HISTORY = pd.DataFrame({"old_code": ["85036"], "new_code": ["85146"], "old_name": ["Boufféré"]})


def test_commune_index():
    idx = D.CommuneIndex(COMMUNES, HISTORY)
    assert idx.place("ST NAZAIRE", "44600") == "44184"
    assert idx.place("BOUFFERE", "85600") == "85146"  # a delegated commune's name
    assert idx.place("", "44600") == "44184"  # postcode alone, when it names one commune
    assert idx.place("NANTES CEDEX 1", "44041") == "44109"
    assert idx.code("85036") == "85146" and idx.code("99999") is None


def _records(rows):
    cols = ["id", "network", "name", "latitude", "longitude", "commune_code", "source_date"]
    df = pd.DataFrame(rows, columns=cols)
    for f in D.FIELDS:
        if f not in df.columns:
            df[f] = None
    df["source_id"] = df["id"].str.split(":").str[0]
    return df


def test_duplicate_rule_small():
    recs = _records(
        [
            # DILA CIO and the 2025 directory's, 150 m apart: one point, the 2025 id wins
            ("dila:cio-1", "cio", "CIO de Nantes - Nord", 47.2484, -1.5521, "44109", "2015-01-15"),
            ("uai:0000001A", "cio", "Centre d'information et d'orientation de Nantes", 47.2497, -1.5526, "44109", "2025-10-13"),
            # two services of one source in one building: kept apart
            ("uai:0000002B", "cio", "CIO Vendée Est", 46.6692, -1.4238, "85191", "2025-10-13"),
            ("uai:0000003C", "cio", "CIO Vendée Ouest", 46.6692, -1.4238, "85191", "2025-10-13"),
            # same network, 2 km apart, different names, several per commune: kept apart
            ("dila:pe-1", "france_travail", "Pôle emploi de Nantes - Centre", 47.2187, -1.5620, "44109", "2015-09-09"),
            ("ft:X1", "france_travail", "Nantes Nord", 47.2639, -1.5697, "44109", "2019-11-13"),
            ("ft:X2", "france_travail", "Nantes Est", 47.2000, -1.5000, "44109", "2019-11-13"),
        ]
    )
    out, stats = D.merge_duplicates(recs, TODAY)
    assert list(out["id"]) == ["dila:pe-1", "ft:X1", "ft:X2", "uai:0000001A", "uai:0000002B", "uai:0000003C"]
    assert out.set_index("id").loc["uai:0000001A", "merged_from"] == "dila:cio-1"
    assert stats == {"by_distance": 1, "dila+uai": 1}


# ------------------------------------------------------------------------------------- corrections


def _write(tmp_path, text, bom=True):
    f = tmp_path / "corrections.csv"
    f.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return f


def test_corrections_valid(built, geo, tmp_path):
    df, _ = built
    communes, _ = geo
    f = _write(
        tmp_path,
        "action;id;field;value;author;date\n"
        "add;local:pij-bouaye;name;Point information jeunesse de Bouaye;C. Martin;2026-03-02\n"
        "add;local:pij-bouaye;network;information_jeunesse;C. Martin;2026-03-02\n"
        "add;local:pij-bouaye;commune_code;44018;C. Martin;2026-03-02\n"
        "add;local:pij-bouaye;latitude;47.1436;C. Martin;2026-03-02\n"
        "add;local:pij-bouaye;longitude;-1.6920;C. Martin;2026-03-02\n"
        "add;local:pij-bouaye;phone;02 40 65 00 00;C. Martin;2026-03-02\n"
        "update;dila:mission_locale-44109-01;phone;02.40.00.00.01;C. Martin;2026-03-05\n"
        "update;dila:pole_emploi-44109-06;email;contact@exemple.fr;C. Martin;2026-03-06\n"
        "close;dila:cio-44109-01;;;C. Martin;2026-03-04\n",
        bom=True,
    )
    corr = D.load_corrections(f, D.known_ids(df), communes)
    assert len(corr) == 9
    out = D.apply_corrections(df, corr, today=TODAY)
    assert list(out.columns) == D.COLUMNS
    assert len(out) == len(df)  # one added, one closed
    added = out.set_index("id").loc["local:pij-bouaye"]
    assert added["network"] == "information_jeunesse" and added["publics"] == "jeunes_16_25|eleves_etudiants|tout_public"
    assert added["commune_code"] == "44018" and added["latitude"] == pytest.approx(47.1436)
    assert added["source_id"] == "corrections_locales" and added["corrected_at"] == "2026-03-02"
    assert not added["stale"]
    ml = out.set_index("id").loc["dila:mission_locale-44109-01"]
    assert ml["phone"] == "02.40.00.00.01" and ml["corrected_at"] == "2026-03-05"
    # an id merged into another row reaches that row
    nord = out.set_index("id").loc["ft:PDL0082005452"]
    assert nord["email"] == "contact@exemple.fr" and nord["corrected_at"] == "2026-03-06"
    assert "dila:cio-44109-01" not in set(out["id"])
    untouched = out.set_index("id").loc["uai:0441722H"]
    assert untouched["corrected_at"] is None or pd.isna(untouched["corrected_at"])

    kept = D.apply_corrections(df, corr, today=TODAY, keep_closed=True)
    assert kept.set_index("id").loc["dila:cio-44109-01", "closed"]
    assert kept["closed"].sum() == 1

    # without BOM too
    f2 = _write(tmp_path, f.read_text(encoding="utf-8-sig"), bom=False)
    assert len(D.load_corrections(f2, D.known_ids(df), communes)) == 9


def test_corrections_report_every_fault(built, geo, tmp_path):
    df, _ = built
    communes, _ = geo
    f = _write(
        tmp_path,
        "action;id;field;value;author;date\n"
        "update;dila:nope-00000-01;phone;02 40 00 00 00;A;2026-03-01\n"  # 2 unknown id
        "update;dila:mission_locale-44109-01;network;maison_de_l_emploi;A;2026-03-01\n"  # 3 network
        "update;dila:mission_locale-44109-01;commune_code;44999;A;2026-03-01\n"  # 4 commune
        "update;dila:mission_locale-44109-01;latitude;43.6;A;2026-03-01\n"  # 5 outside the box
        "update;dila:mission_locale-44109-01;email;contact@@exemple;A;2026-03-01\n"  # 6 email
        "update;dila:mission_locale-44109-01;phone;02 40 00 00;A;2026-03-01\n"  # 7 phone
        "update;dila:mission_locale-44109-01;horaires;lundi;A;2026-03-01\n"  # 8 unknown field
        "update;dila:mission_locale-44109-01;website;https://exemple.fr;A;01/03/2026\n"  # 9 date
        "close;dila:cio-44109-01;;;A;2026-03-01\n"  # 10 fine
        "add;pij-sans-prefixe;name;PIJ;A;2026-03-01\n"  # 11 id without local:
        "add;local:x;longitude;3.5;A;2026-03-01\n",  # 12 outside box, and local:x lacks name…
    )
    with pytest.raises(D.CorrectionsError) as err:
        D.load_corrections(f, D.known_ids(df), communes)
    found = {(p.line, p.field) for p in err.value.problems}
    expected = {
        (2, "id"), (3, "network"), (4, "commune_code"), (5, "latitude"), (6, "email"), (7, "phone"),
        (8, "field"), (9, "date"), (11, "id"), (12, "longitude"), (12, "name"), (12, "network"),
        (12, "commune_code"), (12, "latitude"),
    }
    assert expected <= found
    assert not any(p.line == 10 for p in err.value.problems)
    msg = str(err.value)
    assert "corrections.csv" in msg and "ligne 7, champ 'phone'" in msg and "ligne 3, champ 'network'" in msg


def test_phone_and_email_rules():
    ok_phones = ["0240123456", "02 40 12 34 56", "02.40.12.34.56", "+33 2 40 12 34 56", "+33240123456"]
    bad_phones = ["2401234567", "02 40 12 34", "+44 20 7946 0000", "02-40-12-34-56"]
    assert all(_check_value("phone", p, set()) is None for p in ok_phones)
    assert all(_check_value("phone", p, set()) for p in bad_phones)
    assert _check_value("email", "cio.nantes@ac-nantes.fr", set()) is None
    assert _check_value("email", "cio.nantes@", set())


# --------------------------------------------------------------------------------- referral, export


def test_orienter_jeunes_nantes(built, nantes_centroid):
    df, _ = built
    res = D.orienter(df, "44109", "jeunes_16_25", nantes_centroid)
    assert len(res) == 10
    assert res["distance_km"].is_monotonic_increasing
    assert res["publics"].str.contains("jeunes_16_25").all()
    assert set(res["network"]) == {"mission_locale", "information_jeunesse"}
    ref = D.orienter(df, "44109", "jeunes_16_25", nantes_centroid, networks=D.REFERENCE_NETWORKS["jeunes_16_25"])
    first = ref.iloc[0]
    assert first["id"] == "dila:mission_locale-44109-01" and first["distance_km"] < 5
    assert (ref["network"] == "mission_locale").all()
    wider = D.orienter(df, "44109", "jeunes_16_25", nantes_centroid, limit=5, include_open=True)
    assert (wider["distance_km"] < first["distance_km"]).any()  # open-door points are closer
    with pytest.raises(ValueError):
        D.orienter(df, "44109", "retraites", nantes_centroid)


def test_exports(built):
    df, _ = built
    sample = pd.concat([df[df["id"].isin(["uai:0441722H", "dila:mission_locale-44109-01"])],
                        df[df["id"].str.startswith("ofa:")].head(3)])
    gj = D.to_geojson(sample)
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == len(sample)
    feats = {f["properties"]["id"]: f for f in gj["features"]}
    cio = feats["uai:0441722H"]
    assert cio["geometry"]["type"] == "Point"
    assert cio["geometry"]["coordinates"] == pytest.approx([-1.5564, 47.2502], abs=1e-3)
    assert "latitude" not in cio["properties"] and cio["properties"]["stale"] is False
    assert any(f["geometry"] is None for f in gj["features"])  # OFA: no coordinates
    json.dumps(gj)

    data = D.to_csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf")
    header = data[3:].split(b"\r\n", 1)[0].decode()
    assert header.split(";") == D.COLUMNS
    back = pd.read_csv(io.BytesIO(data), sep=";", encoding="utf-8-sig", dtype=str)
    assert len(back) == len(df) and list(back["id"]) == list(df["id"])


def test_confirm_and_foreign_records(built, geo, tmp_path):
    df, stats = built
    communes, _ = geo
    # the Greta Vivarais-Provence (Aubenas, 07203) is filed under Le Mans' code: left out
    assert stats["foreign_records"] == ["dila:greta-72181-01"]
    assert occurrences(df, "dila:greta-72181-01") == 0
    f = _write(tmp_path, "action;id;field;value;author;date\n"
                         "confirm;dila:cij-53147-01;;;C. Martin;2026-03-06\n"
                         "confirm;dila:cij-53005-01;phone;02 43 00 00 00;C. Martin;2026-03-06\n")
    with pytest.raises(D.CorrectionsError) as err:
        D.load_corrections(f, D.known_ids(df), communes)
    assert [(p.line, p.field) for p in err.value.problems] == [(3, "field")]
    f = _write(tmp_path, "action;id;field;value;author;date\nconfirm;dila:cij-53147-01;;;C. Martin;2026-03-06\n")
    out = D.apply_corrections(df, D.load_corrections(f, D.known_ids(df), communes), today=TODAY).set_index("id")
    before = df.set_index("id").loc["dila:cij-53147-01"]
    after = out.loc["dila:cij-53147-01"]
    assert before["stale"] and not after["stale"] and after["corrected_at"] == "2026-03-06"
    assert after["phone"] == before["phone"] and after["source_date"] == before["source_date"]
    # three years later, the confirmation is old too
    late = D.apply_corrections(df, D.load_corrections(f, D.known_ids(df), communes), today="2029-03-07")
    assert late.set_index("id").loc["dila:cij-53147-01", "stale"]


def test_script_urls_never_become_links(built, geo, tmp_path, dila_df, agencies, cio, ofa_df):
    """A corrections row setting a javascript: website is refused with its line and field; a
    source's javascript: or data: website is dropped from the directory (never written as a link)."""
    df, _ = built
    communes, history = geo
    f = _write(tmp_path,
               "action;id;field;value;author;date\n"
               "update;dila:mission_locale-44109-01;website;javascript:alert(document.domain);A;2026-03-01\n"
               "update;dila:mission_locale-44109-01;website;https://www.exemple.fr/ml;A;2026-03-01\n")
    with pytest.raises(D.CorrectionsError) as err:
        D.load_corrections(f, D.known_ids(df), communes)
    assert [(p.line, p.field) for p in err.value.problems] == [(2, "website")]
    assert "http:// ou https://" in str(err.value)
    hostile = dila_df.copy()
    hostile["website"] = hostile["website"].astype(object)
    hostile.loc[hostile.index[:2], "website"] = ["javascript:alert(document.domain)", "data:text/html,<script>x</script>"]
    out = D.build_directory(hostile, agencies, cio, ofa_df, communes, history, today=TODAY)
    sites = out["website"].dropna()
    assert not sites.str.lower().str.startswith(("javascript:", "data:")).any()
    assert sites.str.startswith(("http://", "https://")).all()


def test_a_point_moved_to_another_commune_loses_its_old_position(built, geo, tmp_path):
    """A correction of the commune (e.g. from a confirmation sheet) clears the old coordinates, so
    that the referral places the point at its new commune's centre, not where it used to be;
    coordinates given in the same file are kept."""
    df, _ = built
    communes, _ = geo
    before = df.set_index("id").loc["dila:mission_locale-44109-01"]
    assert not pd.isna(before["latitude"])
    f = _write(tmp_path, "action;id;field;value;author;date\n"
                         "update;dila:mission_locale-44109-01;commune_code;44143;C. Martin;2026-03-05\n"
                         "update;dila:cio-44109-01;commune_code;44143;C. Martin;2026-03-05\n"
                         "update;dila:cio-44109-01;latitude;47.2;C. Martin;2026-03-05\n"
                         "update;dila:cio-44109-01;longitude;-1.55;C. Martin;2026-03-05\n")
    out = D.apply_corrections(df, D.load_corrections(f, D.known_ids(df), communes), today=TODAY).set_index("id")
    moved = out.loc["dila:mission_locale-44109-01"]
    assert moved["commune_code"] == "44143" and pd.isna(moved["latitude"]) and pd.isna(moved["longitude"])
    located = out.loc["dila:cio-44109-01"]
    assert (located["latitude"], located["longitude"]) == (47.2, -1.55)
