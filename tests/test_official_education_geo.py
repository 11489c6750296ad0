"""Official layouts of the education directory, the contours, InserJeunes lycées and the DILA base.

No real copy of the official files exists offline, so each test builds one at run time **from the
mirror's real values laid out the official way** (the other official columns empty or derived from
the real ones, plus a few out-of-region rows or features, marked as such), serves it from the tests'
local HTTP server at the path of the dataset's official URL (:func:`tests.official.serve_official`),
fetches it with :func:`sources.fetch.fetch` and parses it with the dataset's parser. The official
parse must equal the mirror parse for the region; a few real values are checked; bad inputs (HTML
error page, empty file, renamed column or property, nothing of the region) must stop the parser with
a :class:`~sources.errors.SourceFormatError` naming the file and what was expected.
"""

from __future__ import annotations

import csv
import io
import json
import math
import uuid
from dataclasses import replace

import pandas as pd
import pytest
from shapely.geometry import Point

from sources import annuaire_education as ae
from sources import contours, dila
from sources import inserjeunes as ij
from sources.catalog import get
from sources.errors import SourceFormatError
from sources.fetch import fetch

from .official import serve_official

HTML = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body></body></html>\n"


def fetched(tmp_path, ds, content, *, url=None):
    """Serve ``content`` at the path of ``url`` (default ``ds.url``) and fetch it as the pipeline does."""
    with serve_official(tmp_path, url or ds.url, content) as local:
        return fetch(ds, url=local, cache_dir=tmp_path / "cache").path


# ------------------------------------------------------------------------------ education directory

ANNUAIRE = "annuaire_education/fr-en-annuaire-education_extrait_pdl.csv"


def annuaire_official(mirror, *, labels=False, extra_rows=()) -> bytes:
    """The mirror's rows in the 72 columns of the official export: the 14 mirror values in their
    official columns, ``code_departement`` derived from the commune code (``044``…), the other
    columns empty; ``extra_rows`` (dicts by field name) appended."""
    with open(mirror / ANNUAIRE, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    w.writerow(ae.OFFICIAL_LABELS if labels else ae.OFFICIAL_FIELDS)
    for row in [*rows, *extra_rows]:
        full = {f: row.get(f, "") for f in ae.OFFICIAL_FIELDS}
        full.setdefault("code_departement", "")
        if not full["code_departement"]:
            full["code_departement"] = "0" + row["code_commune"][:2]
        w.writerow([full[f] for f in ae.OFFICIAL_FIELDS])
    return out.getvalue().encode("utf-8")


# rows of other regions, as a national export has them (synthetic: UAI and values made up). The
# Réunion row's coordinates would fail the metropolitan check: it must be cut before validation.
OTHER_REGIONS = [
    {"identifiant_de_l_etablissement": "0359999Z", "nom_etablissement": "Collège hors région",
     "type_etablissement": "Collège", "statut_public_prive": "Public", "code_commune": "35238",
     "nom_commune": "Rennes", "code_region": "53", "code_departement": "035", "nombre_d_eleves": "500",
     "longitude": "-1.68", "latitude": "48.11"},
    {"identifiant_de_l_etablissement": "9749999Z", "nom_etablissement": "Lycée hors région",
     "type_etablissement": "Lycée", "statut_public_prive": "Public", "code_commune": "97411",
     "nom_commune": "Saint-Denis", "code_region": "04", "code_departement": "974", "nombre_d_eleves": "900",
     "longitude": "55.45", "latitude": "-20.88"},
]


@pytest.fixture(scope="module")
def annuaire_mirror(mirror):
    return ae.parse_classified(mirror / ANNUAIRE)


@pytest.mark.parametrize("labels", [False, True], ids=["field-names", "labels"])
def test_annuaire_official_export_equals_mirror(mirror, tmp_path, annuaire_mirror, labels):
    ds = get("annuaire_education")
    path = fetched(tmp_path, ds, annuaire_official(mirror, labels=labels, extra_rows=OTHER_REGIONS))
    df = ds.parse(path)
    assert df.attrs == {"layout": "official", "header": "labels" if labels else "field names",
                        "rows_outside_region": 2}
    assert annuaire_mirror.attrs["layout"] == "mirror"
    pd.testing.assert_frame_equal(df, annuaire_mirror)
    by_uai = df.set_index("uai")
    joubert = by_uai.loc["0440001M"]
    assert joubert["name"] == "Lycée polyvalent Joubert Émilien Maillard" and joubert["pupils"] == 1015
    assert joubert["commune_code"] == "44003" and joubert["category"] == "lycee"
    assert by_uai.loc["0441722H", "type"] == "Information et orientation"
    assert {"0359999Z", "9749999Z"}.isdisjoint(by_uai.index)


def test_annuaire_cut_uses_departement_when_region_is_empty(mirror, tmp_path):
    """A row of the region whose ``code_region`` is empty is kept through its ``code_departement``."""
    row = dict(OTHER_REGIONS[0], identifiant_de_l_etablissement="0449999Z", code_commune="44109",
               nom_commune="Nantes", code_region="", code_departement="044", longitude="-1.55",
               latitude="47.22")
    f = tmp_path / "annuaire.csv"
    f.write_bytes(annuaire_official(mirror, extra_rows=[row]))
    df = ae.parse(f)
    assert df.set_index("uai").loc["0449999Z", "pupils"] == 500 and len(df) == 3912


def test_annuaire_bad_inputs(mirror, tmp_path):
    f = tmp_path / "annuaire.csv"
    f.write_bytes(HTML)
    with pytest.raises(SourceFormatError, match=r"annuaire\.csv, line 1: an HTML page, not the CSV export"):
        ae.parse(f)
    f.write_bytes(b"")
    with pytest.raises(SourceFormatError, match="annuaire.csv: file is empty"):
        ae.parse(f)
    official = annuaire_official(mirror).decode("utf-8")
    header, body = official.split("\n", 1)
    f.write_text(header.replace("nombre_d_eleves", "effectif") + "\n" + body, encoding="utf-8")
    with pytest.raises(SourceFormatError) as err:
        ae.parse(f)
    assert err.value.line == 1 and "missing column(s) nombre_d_eleves" in str(err.value)
    f.write_text(header.replace(";", ",") + "\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"is the separator ';'\?"):
        ae.parse(f)
    # a national export without any row of the region
    others = annuaire_official(mirror, extra_rows=OTHER_REGIONS).decode("utf-8").split("\n")
    f.write_text("\n".join([others[0], *others[-3:]]), encoding="utf-8")
    with pytest.raises(SourceFormatError, match="no establishment of the region .* among 2 rows"):
        ae.parse(f)
    # validation still applies to the region's rows of the official layout
    lines = official.split("\n")
    cells = lines[1].split(";")
    cells[ae.OFFICIAL_FIELDS.index("statut_public_prive")] = "Consulaire"
    f.write_text("\n".join([lines[0], ";".join(cells), *lines[2:]]), encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"line 2, column 'statut_public_prive', value 'Consulaire'"):
        ae.parse(f)


def test_annuaire_record():
    ds = get("annuaire_education")
    assert ds.official_layout and not ds.official_reason and ds.layout == "derived"
    assert ds.mirror_path == ANNUAIRE and "code_region%3D%2252%22" in ds.url
    assert len(ae.OFFICIAL_FIELDS) == len(set(ae.OFFICIAL_FIELDS)) == 72
    assert [lab.lower() for lab in ae.OFFICIAL_LABELS] == list(ae.OFFICIAL_FIELDS)


# ------------------------------------------------------------------------------------------ contours

CONTOURS = {
    "contours_communes_2024": ("contours/communes_r52_cog2024.geojson", contours.parse_communes),
    "contours_departements_2024": ("contours/departements_r52_cog2024.geojson", contours.parse_departements),
    "contours_region_2024": ("contours/region_r52_cog2024.geojson", contours.parse_region),
}


def _shift(coords, dx, dy):
    if isinstance(coords[0], (int, float)):
        return [coords[0] + dx, coords[1] + dy]
    return [_shift(c, dx, dy) for c in coords]


def etalab_layout(mirror, dataset_id, *, outside=()):
    """The mirror's features with Etalab's properties (``code``, ``nom``, ``departement``, ``region``,
    ``epci``; no ``epci`` for the commune outside any EPCI; no area), same geometries, no CRS member
    (as Etalab writes them); ``outside``: ``(code, name, parent)`` of features of other regions
    (synthetic: a real geometry of the region shifted by 4 degrees)."""
    src = json.loads((mirror / CONTOURS[dataset_id][0]).read_text(encoding="utf-8"))
    feats = []
    for f in src["features"]:
        p = f["properties"]
        if "DEPCOM" in p:
            props = {"code": p["DEPCOM"], "nom": p["LIBGEO"], "departement": p["DEP"], "region": "52"}
            if p["EPCI"] != "ZZZZZZZZZ":
                props["epci"] = p["EPCI"]
        elif "DEP" in p:
            props = {"code": p["DEP"], "nom": p["NOM_DEP"], "region": "52"}
        else:
            props = {"code": p["REG"], "nom": p["NOM_REG"]}
        feats.append({"type": "Feature", "properties": props, "geometry": f["geometry"]})
    model = src["features"][0]["geometry"]
    for code, name, parent in outside:
        props = {"code": code, "nom": name}
        if dataset_id == "contours_communes_2024":
            props.update(departement=code[:2], region=parent, epci="200000000")
        elif dataset_id == "contours_departements_2024":
            props["region"] = parent
        geometry = {"type": model["type"], "coordinates": _shift(model["coordinates"], 4.0, 1.0)}
        feats.insert(len(feats) // 2, {"type": "Feature", "properties": props, "geometry": geometry})
    return json.dumps({"type": "FeatureCollection", "features": feats}).encode("utf-8")


OUTSIDE = {
    "contours_communes_2024": [("35238", "Rennes", "53"), ("79191", "Niort", "75"), ("2A004", "Ajaccio", "94")],
    "contours_departements_2024": [("35", "Ille-et-Vilaine", "53"), ("79", "Deux-Sèvres", "75")],
    "contours_region_2024": [("53", "Bretagne", None), ("75", "Nouvelle-Aquitaine", None)],
}


@pytest.mark.parametrize("dataset_id", list(CONTOURS))
def test_contours_official_file_equals_mirror(mirror, tmp_path, dataset_id):
    ds = get(dataset_id)
    rel, parser = CONTOURS[dataset_id]
    path = fetched(tmp_path, ds, etalab_layout(mirror, dataset_id, outside=OUTSIDE[dataset_id]))
    official = ds.parse(path)
    mirrored = parser(mirror / rel)
    assert official.attrs["layout"] == "official" and mirrored.attrs["layout"] == "mirror"
    assert official.crs.to_epsg() == 4326
    # same rows, columns, dtypes and values, but the area the Etalab files do not carry
    assert official["area_m2"].isna().all() and mirrored["area_m2"].notna().all()
    pd.testing.assert_frame_equal(pd.DataFrame(official.drop(columns=["area_m2", "geometry"])),
                                  pd.DataFrame(mirrored.drop(columns=["area_m2", "geometry"])))
    assert official.geometry.geom_equals_exact(mirrored.geometry, tolerance=0).all()
    assert set(official.geom_type) == {"MultiPolygon"}


def test_contours_real_values(mirror, tmp_path):
    ds = get("contours_communes_2024")
    gdf = ds.parse(fetched(tmp_path, ds, etalab_layout(mirror, ds.id, outside=OUTSIDE[ds.id])))
    assert len(gdf) == 1232 and not {"35238", "79191", "2A004"} & set(gdf["commune_code"])
    by_code = gdf.set_index("commune_code")
    assert (by_code.loc["44109", "label"], by_code.loc["44109", "epci_siren"]) == ("Nantes", "244400404")
    assert by_code.loc["85113", "epci_siren"] == "ZZZZZZZZZ"  # L'Île-d'Yeu: no EPCI property
    # the CIO de Nantes (annuaire_education/SOURCE.md) lies in the Nantes polygon
    assert by_code.loc["44109", "geometry"].contains(Point(-1.5564, 47.2502))


def test_contours_bad_inputs(mirror, tmp_path):
    f = tmp_path / "communes-100m.geojson"
    f.write_bytes(HTML)
    with pytest.raises(SourceFormatError, match=r"communes-100m\.geojson: an HTML page, not GeoJSON"):
        contours.parse_communes(f)
    f.write_bytes(b"")
    with pytest.raises(SourceFormatError, match="file is missing or empty"):
        contours.parse_communes(f)
    renamed = etalab_layout(mirror, "contours_communes_2024").replace(b'"code":', b'"insee":')
    f.write_bytes(renamed)
    with pytest.raises(SourceFormatError) as err:
        contours.parse_communes(f)
    msg = str(err.value)
    assert "unknown property layout" in msg and "(code, nom, departement)" in msg and "insee" in msg
    only_outside = json.loads(etalab_layout(mirror, "contours_region_2024", outside=OUTSIDE["contours_region_2024"]))
    only_outside["features"] = [x for x in only_outside["features"] if x["properties"]["code"] != "52"]
    f.write_text(json.dumps(only_outside), encoding="utf-8")
    with pytest.raises(SourceFormatError, match="région 52 not in the file"):
        contours.parse_region(f)
    f.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(SourceFormatError, match="not a readable vector file"):
        contours.parse_communes(f)


def test_contours_records():
    for dataset_id in CONTOURS:
        ds = get(dataset_id)
        assert ds.official_layout and not ds.official_reason and ds.layout == "derived"
        assert ds.url.startswith("https://etalab-datasets.geo.data.gouv.fr/contours-administratifs/2024/")


# ------------------------------------------------------------------------------ InserJeunes lycées


def national_depp(mirror, cohort) -> tuple[bytes, int]:
    """The mirror's cohort file (original bytes) with rows of other regions inserted after the header,
    as the national DEPP file has them (synthetic: a real row's values under a made-up UAI of
    département 35 and ``Région`` BRETAGNE). Returns the bytes and the number of rows inserted."""
    raw = (mirror / ij.LYCEE_FILES[cohort]).read_bytes()
    newline = b"\r\n" if b"\r\n" in raw else b"\n"
    lines = raw.split(newline)
    first = lines[1].decode("utf-8")
    others = []
    for k, region in enumerate(["BRETAGNE", "Nouvelle-Aquitaine", "ÎLE-DE-FRANCE"]):
        row = first.replace("PAYS DE LA LOIRE", region)
        row = row.replace(first.split(";")[0].strip('"'), f"035999{k}Z", 1)
        others.append(row.encode("utf-8"))
    return newline.join([lines[0], *others, *lines[1:]]), len(others)


def test_inserjeunes_national_files_are_cut_to_the_region(mirror, tmp_path):
    ds = get("inserjeunes_lycees")
    items, inserted = [], 0
    for cohort, mirror_path, url in ds.files:
        content, n = national_depp(mirror, cohort)
        inserted += n
        one = replace(ds, mirror_path=mirror_path, url=url)
        with serve_official(tmp_path, url, content) as local:
            items.append((cohort, fetch(one, url=local, cache_dir=tmp_path / "cache").path))
    official = ds.parse(items)
    mirrored = ij.parse_lycee_files([(c, mirror / p) for c, p, _ in ds.files])
    assert official.attrs == {"layout": "official", "rows_outside_region": inserted}
    assert mirrored.attrs == {"layout": "official", "rows_outside_region": 0}
    # the three rows inserted after each header shift the line numbers, nothing else
    assert (official["_line"] == mirrored["_line"] + 3).all()
    pd.testing.assert_frame_equal(official.drop(columns="_line"), mirrored.drop(columns="_line"))
    assert not official["uai"].str.startswith("035999").any()
    row = official.set_index(["uai", "cohort", "population"]).loc[("0440074S", "2022_2023", "ensemble")]
    assert (row["taux_emploi_6m"], row["taux_emploi_6m_attendu"], row["valeur_ajoutee"]) == (44, 43, 1)
    apprentis = official.set_index(["uai", "cohort", "population"]).loc[("0440074S", "2022_2023", "apprentis")]
    assert apprentis["taux_emploi_6m"] == 85


def test_inserjeunes_bad_inputs(mirror, tmp_path):
    f = tmp_path / "depp-2022-etablissements-2022_2023-pro.csv"
    f.write_bytes(HTML)
    with pytest.raises(SourceFormatError, match=r"pro\.csv, line 1: an HTML page, not the CSV file"):
        ij.parse_lycees(f, "2022_2023")
    f.write_bytes(b"")
    with pytest.raises(SourceFormatError, match="file is empty"):
        ij.parse_lycees(f, "2022_2023")
    content, _ = national_depp(mirror, "2022_2023")
    lines = content.decode("utf-8").splitlines()
    f.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")  # header and the other regions only
    with pytest.raises(SourceFormatError, match=r"no row of the region \(column 'Région' = 'PAYS DE LA LOIRE'\)"):
        ij.parse_lycees(f, "2022_2023")
    f.write_text("\n".join([lines[0].replace("Taux attendu", "Taux prévu"), *lines[1:]]) + "\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="missing column.*Taux attendu"):
        ij.parse_lycees(f, "2022_2023")


def test_inserjeunes_record():
    ds = get("inserjeunes_lycees")
    assert ds.official_layout and not ds.official_reason and ds.layout == "derived"
    assert ds.url == ij.LYCEE_URLS["2022_2023"] and [u for _, _, u in ds.files] == list(ij.LYCEE_URLS.values())


# -------------------------------------------------------------------------------------------- DILA

DILA = "dila_annuaire_local_2016/annuaire-services-publics-locaux-2016_pdl_orientation-emploi.jsonl"
_SLOTS = {1: ["numero_voie"], 2: ["complement1", "numero_voie"],
          3: ["complement1", "complement2", "numero_voie"],
          4: ["complement1", "complement2", "numero_voie", "service_distribution"]}


def api_record(o: dict) -> dict:
    """A mirror record laid out as the API Annuaire export lays out a record: nested fields as JSON
    strings, ``ancien_code_pivot`` = the 2016 id, a UUID ``id`` derived from it, the street lines in
    the address fields, the date as ``DD/MM/YYYY HH:MM:SS``, the opening-hours comment in
    ``commentaire_plage_ouverture``."""
    wa = o["writeAddress"]
    street = wa.get("streetAddress") or []
    address = {"type_adresse": "Adresse", "complement1": "", "complement2": "", "numero_voie": "",
               "service_distribution": "", "code_postal": wa.get("postalCode", ""),
               "nom_commune": wa.get("addressLocality", ""), "pays": "France", "continent": "Europe",
               "latitude": o["latitude"], "longitude": o["longitude"], "accessibilite": "",
               "note_accessibilite": ""}
    for slot, line in zip(_SLOTS[len(street)] if street else [], street):
        address[slot] = line
    y, m, d = o["update"][:10].split("-")
    comment = o.get("commentaire") if "horaire" in (o.get("commentaire") or "").lower() else None
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, o["id"])),
        "ancien_code_pivot": o["id"],
        "nom": o["nom"],
        "pivot": json.dumps([{"type_service_local": o["type"], "code_insee_commune": [o["codeinsee"]]}]),
        "code_insee_commune": o["codeinsee"],
        "adresse": json.dumps([address], ensure_ascii=False),
        "telephone": json.dumps([{"valeur": o["contact_phone"], "description": ""}] if o.get("contact_phone") else []),
        "adresse_courriel": o.get("contact_email"),
        "site_internet": json.dumps([{"libelle": "", "valeur": w} for w in o.get("website") or []]),
        "plage_ouverture": "[]",
        "commentaire_plage_ouverture": comment,
        "date_modification": f"{d}/{m}/{y} 00:00:00",
    }


# records outside the dataset's scope (synthetic): another pivot in the region, a mission locale of
# another region, a France Travail agency of another region
OUT_OF_SCOPE = [
    {"id": "00000000-0000-0000-0000-000000000001", "ancien_code_pivot": "mairie-44109-01", "nom": "Mairie - Nantes",
     "pivot": '[{"type_service_local": "mairie", "code_insee_commune": ["44109"]}]',
     "code_insee_commune": "44109", "date_modification": "02/01/2025 10:00:00"},
    {"id": "00000000-0000-0000-0000-000000000002", "ancien_code_pivot": "mission_locale-35238-01",
     "nom": "Mission locale hors région",
     "pivot": '[{"type_service_local": "mission_locale", "code_insee_commune": ["35238"]}]',
     "code_insee_commune": "35238", "date_modification": "02/01/2025 10:00:00"},
    {"id": "00000000-0000-0000-0000-000000000003", "ancien_code_pivot": "", "nom": "France Travail hors région",
     "pivot": '[{"type_service_local": "france_travail", "code_insee_commune": ["79191"]}]',
     "code_insee_commune": "79191", "date_modification": "2025-01-02"},
]


def api_export(records) -> bytes:
    """A JSON array, one record per line."""
    return ("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n").encode("utf-8")


def mirror_records(mirror) -> list[dict]:
    return [json.loads(line) for line in (mirror / DILA).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_dila_official_export_equals_mirror(mirror, tmp_path):
    ds = get("dila_annuaire_2016")
    records = [api_record(o) for o in mirror_records(mirror)]
    records[1:1] = OUT_OF_SCOPE
    df = ds.parse(fetched(tmp_path, ds, api_export(records)))
    mirrored = dila.parse(mirror / DILA)
    assert df.attrs == {"layout": "official", "records_outside_scope": 3}
    assert mirrored.attrs == {"layout": "mirror", "records_outside_scope": 0}
    # one record per line after "[": the 3 records inserted after the first shift the lines
    assert df["_line"].iloc[0] == 2 and (df["_line"].iloc[1:] == mirrored["_line"].iloc[1:] + 4).all()
    pd.testing.assert_frame_equal(df.drop(columns="_line"), mirrored.drop(columns="_line"))
    by_id = df.set_index("dila_id")
    cio = by_id.loc["cio-44109-01"]
    assert cio["name"] == "Centre d'information et d'orientation (CIO) de Nantes" and cio["type"] == "cio"
    assert (cio["address"], cio["postcode"], cio["updated"]) == ("BP 76217, Rue René-Viviani", "44262", "2015-01-15")
    assert by_id.loc["mission_locale-44109-01", "name"] == "Mission locale de Nantes"
    assert (df["type"] == "mission_locale").sum() == 27 and (df["type"] == "cio").sum() == 20
    assert by_id.loc["apecita-44109-01", "opening_hours"].startswith("Contacter l’accueil")


def test_dila_current_pivots_and_fields(tmp_path):
    """Hand-written records of today's base: France Travail's pivot, a record with two pivots, JSON
    already decoded, opening hours, no ``ancien_code_pivot``."""
    slots = [{"nom_jour_debut": "Lundi", "nom_jour_fin": "Vendredi", "valeur_heure_debut_1": "09:00:00",
              "valeur_heure_fin_1": "12:00:00", "valeur_heure_debut_2": "13:30:00",
              "valeur_heure_fin_2": "16:30:00", "commentaire": ""},
             {"nom_jour_debut": "Samedi", "nom_jour_fin": "Samedi", "valeur_heure_debut_1": "09:00:00",
              "valeur_heure_fin_1": "12:00:00", "valeur_heure_debut_2": "", "valeur_heure_fin_2": "",
              "commentaire": "sur rendez-vous"}]
    records = [
        {"id": "11111111-1111-1111-1111-111111111111", "ancien_code_pivot": None, "nom": "France Travail Nantes",
         "pivot": [{"type_service_local": "france_travail", "code_insee_commune": ["44109"]}],
         "code_insee_commune": None,
         "adresse": [{"type_adresse": "Adresse postale", "numero_voie": "BP 1", "code_postal": "44001",
                      "nom_commune": "Nantes Cedex", "latitude": "", "longitude": ""},
                     {"type_adresse": "Adresse", "numero_voie": "1 rue Exemple", "code_postal": "44000",
                      "nom_commune": "Nantes", "latitude": "47.2", "longitude": "-1.55"}],
         "telephone": '[{"valeur": "3949", "description": ""}]', "adresse_courriel": '["a@b.fr", "c@d.fr"]',
         "site_internet": None, "plage_ouverture": json.dumps(slots), "commentaire_plage_ouverture": "",
         "date_modification": "18/12/2024 17:42:39"},
        {"id": "22222222-2222-2222-2222-222222222222", "ancien_code_pivot": "cij-53130-01", "nom": "PIJ",
         "pivot": '[{"type_service_local": "mairie", "code_insee_commune": ["53130"]}, '
                  '{"type_service_local": "cij", "code_insee_commune": ["53130"]}]',
         "code_insee_commune": "53130", "date_modification": "01/02/2023 08:00:00"},
    ]
    f = tmp_path / "export.json"
    f.write_bytes(api_export(records))
    df = dila.parse(f).set_index("dila_id")
    ft = df.loc["11111111-1111-1111-1111-111111111111"]
    assert (ft["type"], ft["commune_code"], ft["address"], ft["postcode"]) == (
        "france_travail", "44109", "1 rue Exemple", "44000")
    assert (ft["latitude"], ft["longitude"], ft["phone"], ft["email"]) == (47.2, -1.55, "3949", "a@b.fr")
    assert ft["opening_hours"] == "Lundi-Vendredi 09:00-12:00, 13:30-16:30; Samedi 09:00-12:00 (sur rendez-vous)"
    assert ft["updated"] == "2024-12-18" and ft["website"] is None
    pij = df.loc["cij-53130-01"]
    assert pij["type"] == "cij" and pij["address"] is None and math.isnan(pij["latitude"])


def test_dila_bad_inputs(mirror, tmp_path):
    f = tmp_path / "export.json"
    f.write_bytes(HTML)
    with pytest.raises(SourceFormatError, match=r"export\.json, line 1: an HTML page, not JSON"):
        dila.parse(f)
    f.write_bytes(b"  \n")
    with pytest.raises(SourceFormatError, match="file is empty"):
        dila.parse(f)
    good = [api_record(o) for o in mirror_records(mirror)[:3]]
    f.write_bytes(api_export(good)[:-40])
    with pytest.raises(SourceFormatError, match="invalid JSON"):
        dila.parse(f)
    renamed = [dict(good[0]), *good[1:]]
    renamed[0]["date_maj"] = renamed[0].pop("date_modification")
    f.write_bytes(api_export(renamed))
    with pytest.raises(SourceFormatError, match=r"line 2, value .afpa-44162-01.: record in the API Annuaire "
                                                r"layout: missing field\(s\) date_modification"):
        dila.parse(f)
    bad_date = [dict(good[0], date_modification="2025/13/01"), *good[1:]]
    f.write_bytes(api_export(bad_date))
    with pytest.raises(SourceFormatError, match=r"column 'date_modification'.*expected DD/MM/YYYY"):
        dila.parse(f)
    f.write_bytes(api_export([good[0], mirror_records(mirror)[1]]))
    with pytest.raises(SourceFormatError, match="line 3, value .afpa-44184-01.: record in the 2016 flat layout"):
        dila.parse(f)
    f.write_bytes(api_export(OUT_OF_SCOPE))
    with pytest.raises(SourceFormatError, match="no record of the region's guidance/employment pivots among 3"):
        dila.parse(f)


def test_dila_record():
    ds = get("dila_annuaire_2016")
    assert ds.official_layout and not ds.official_reason and ds.layout == "derived"
    assert ds.url.startswith("https://api-lannuaire.service-public.gouv.fr/api/explore/v2.1/catalog/datasets/"
                             "api-lannuaire-administration/exports/json?where=")
    assert all(f'startswith%28code_insee_commune%2C%22{d}%22%29' in ds.url for d in ("44", "49", "53", "72", "85"))


def test_area_falls_back_on_insee_when_the_official_contours_have_none():
    """Etalab's contours carry no area: a commune without one takes INSEE's SUPERF (km²)."""
    import duckdb

    from portraits.themes import territoire

    con = duckdb.connect()
    con.execute("create schema staging; create schema ref; create schema raw")
    con.execute("create table staging.commune_value (indicator_id varchar, period varchar, commune_code varchar, "
                "value double, status varchar, source_id varchar)")
    con.execute("create table ref.commune_geometry (commune_code varchar, area_m2 double)")
    con.execute("insert into ref.commune_geometry values ('44001', 61.5e6), ('44002', null), ('44003', null)")
    con.execute("create table raw.census_comparateur_2022 (commune_code varchar, variable varchar, value double, "
                "status varchar)")
    con.execute("insert into raw.census_comparateur_2022 values ('44001', 'SUPERF', 61.76, 'ok'), "
                "('44002', 'SUPERF', 14.58, 'ok')")
    territoire.commune_values(con)
    rows = con.execute("select commune_code, value, status, source_id from staging.commune_value order by 1").fetchall()
    assert rows == [("44001", 61.5, "ok", "contours_communes_2024"), ("44002", 14.58, "ok", "contours_communes_2024"),
                    ("44003", None, "missing", "contours_communes_2024")]
