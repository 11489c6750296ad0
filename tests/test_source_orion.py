"""Orion extracts (Affelnet, Parcoursup BTS, constat de rentrée 2020) on the real files and broken copies."""

from __future__ import annotations

import pytest

from sources import orion
from sources.errors import SourceFormatError


def rewrite(src, dst, line, edit, head=None):
    lines = src.read_bytes().decode("utf-8").split("\n")
    body = lines[line - 1]
    cr = "\r" if body.endswith("\r") else ""
    lines[line - 1] = edit(body.rstrip("\r")) + cr
    if head:  # keep the first lines only: a smaller copy parses faster
        lines = lines[:head] + [""]
    dst.write_bytes("\n".join(lines).encode("utf-8"))
    return dst


def set_field(index, value, sep=";"):
    def edit(text):
        fields = text.split(sep)
        fields[index] = value
        return sep.join(fields)
    return edit


def test_affelnet(mirror):
    sizes = {}
    for year, rel in orion.AFFELNET_FILES.items():
        df = orion.parse_affelnet(mirror / rel, year)
        sizes[year] = len(df)
        assert (df["year"] == year).all() and (df["offer_status"] == "ST").all()
        assert (df.groupby(["uai", "mefstat11"]).size().max()) == 2
    assert sizes == {2021: 1115, 2022: 1088}
    (row,) = df[(df["uai"] == "0440001M") & (df["mefstat11"] == "23210025223")].itertuples()
    assert (row.capacity, row.first_wishes, row.appearances) == (13, 21, 1)  # Affelnet 2022
    assert row.mefstat11_final == "" and row.job_family == ""
    pairs = df[df["appearances"] == 2]
    assert len(pairs) == 30  # 15 (UAI, MEF) pairs listed twice in 2022


def test_bts(mirror):
    frames = {y: orion.parse_bts(mirror / rel, y) for y, rel in orion.BTS_FILES.items()}
    assert {y: len(df) for y, df in frames.items()} == {2022: 719, 2023: 861, 2024: 976}
    assert frames[2024]["status"].value_counts().to_dict() == {"Apprentissage": 631, "Scolaire": 345}
    assert frames[2024]["diploma"].value_counts().to_dict() == {
        "BTS": 932, "Certificat de Spécialisation": 44}
    assert frames[2022]["capacity"].isna().sum() == 15 and frames[2024]["capacity"].notna().all()
    assert (frames[2024]["cfd"] == "").all() and (frames[2022]["cfd"].str.len() == 8).all()
    first = frames[2022].iloc[0]
    assert first["uai"] == "0440001M" and first["mefstat11"] == "32211031212"
    assert (first["wishes"], first["capacity"], first["status"]) == (391, 18, "Scolaire")
    assert first["formation"] == "BTS - Services - Négociation et digitalisation de la Relation Client"


def test_constat(mirror):
    df = orion.parse_constat(mirror / orion.CONSTAT_FILE)
    assert len(df) == 2460 and (df["year"] == 2020).all()
    assert df.set_index(["uai", "mef"]).loc[("0440001M", "23210025223"), "pupils"] == 11
    assert "32A11031403" in set(df["mef"])  # MEF codes may hold letters


def test_affelnet_negative_capacity(mirror, tmp_path):
    bad = rewrite(mirror / orion.AFFELNET_FILES[2022], tmp_path / "affelnet.csv", 2, set_field(4, "-13"),
                  head=300)
    with pytest.raises(SourceFormatError) as err:
        orion.parse_affelnet(bad, 2022)
    msg = str(err.value)
    assert "affelnet.csv" in msg and "line 2" in msg and "Capacité carte scolaire" in msg and "-13" in msg


def test_affelnet_appearances_checked(mirror, tmp_path):
    # the same (UAI, MEF) twice while nb_apparitions_uai_mefstat still says 1
    bad = rewrite(mirror / orion.AFFELNET_FILES[2022], tmp_path / "affelnet.csv", 2,
                  lambda t: t + "\n" + t, head=300)
    with pytest.raises(SourceFormatError) as err:
        orion.parse_affelnet(bad, 2022)
    msg = str(err.value)
    assert "line 2" in msg and "nb_apparitions_uai_mefstat" in msg and "0440001M/23210025223" in msg


def test_affelnet_changed_header(mirror, tmp_path):
    bad = rewrite(mirror / orion.AFFELNET_FILES[2021], tmp_path / "affelnet.csv", 1,
                  lambda t: t.replace("Demandes vœux 1", "Demandes voeux 1"), head=300)
    with pytest.raises(SourceFormatError) as err:
        orion.parse_affelnet(bad, 2021)
    msg = str(err.value)
    assert "affelnet.csv" in msg and "line 1" in msg and "Demandes vœux 1" in msg


def test_bts_unknown_status(mirror, tmp_path):
    bad = rewrite(mirror / orion.BTS_FILES[2024], tmp_path / "bts.csv", 3, set_field(4, "Alternance"),
                  head=300)
    with pytest.raises(SourceFormatError, match=r"bts\.csv, line 3, column 'STATUT', value 'Alternance'"):
        orion.parse_bts(bad, 2024)


def test_bts_wishes_not_a_number(mirror, tmp_path):
    bad = rewrite(mirror / orion.BTS_FILES[2023], tmp_path / "bts.csv", 4, set_field(3, "12a"), head=300)
    with pytest.raises(SourceFormatError, match=r"line 4, column 'NB_VOEUX_CONFIRMES', value '12a'"):
        orion.parse_bts(bad, 2023)


def test_constat_duplicate_and_bad_mef(mirror, tmp_path):
    src = mirror / orion.CONSTAT_FILE
    bad = rewrite(src, tmp_path / "constat.csv", 3, set_field(2, "23210025223"), head=300)
    with pytest.raises(SourceFormatError, match=r"line 3, value '0440001M/23210025223'"):
        orion.parse_constat(bad)
    bad = rewrite(src, tmp_path / "constat2.csv", 3, set_field(2, "2322003121"), head=300)
    with pytest.raises(SourceFormatError, match=r"line 3, column 'Mef Bcp 11', value '2322003121'"):
        orion.parse_constat(bad)


def test_datasets():
    ids = {d.id: d for d in orion.DATASETS}
    assert set(ids) == {"orion_affelnet", "orion_bts", "orion_constat_2020"}
    for d in ids.values():
        assert d.layout == "official" and "licence" in d.licence.lower()
        assert d.url.startswith("https://raw.githubusercontent.com/mission-apprentissage/tjp-pilotage/")
    assert ids["orion_constat_2020"].mirror_path == "orion_pilotage/constat_2020_pdl.csv"
