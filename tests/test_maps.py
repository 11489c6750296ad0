"""Map builders: assertions on the SVG layers (groups, paths, texts, aspect), not on pixels."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
import shapely

from portraits import geography
from reports import maps
from sources import clpe, cog, contours


@pytest.fixture(scope="module")
def geo(mirror):
    c26 = cog.parse_communes(mirror / "cog/decoupage-administratif-6.0.0_communes_r52.json")
    history = geography.commune_history(c26)
    communes = geography.dissolve_contours(
        contours.parse_communes(mirror / "contours/communes_r52_cog2024.geojson"), history)
    pop = c26[c26["type"] == "commune-actuelle"].set_index("code")["population"]
    communes["population"] = communes["commune_code"].map(pop)
    k = clpe.parse(mirror / "territoires_efop/clpe_france_travail_pdl_communes.csv")
    members = k.assign(set_id="clpe")[["set_id", "territory_id", "commune_code"]]
    return {
        "region": contours.parse_region(mirror / "contours/region_r52_cog2024.geojson"),
        "departements": contours.parse_departements(mirror / "contours/departements_r52_cog2024.geojson"),
        "communes": communes,
        "members": members,
        "territories": geography.territory_geometries(members, communes).set_index("territory_id"),
    }


NS = {"s": "http://www.w3.org/2000/svg"}


def layers(svg_text: str) -> dict[str, ET.Element]:
    """The map's layers (``<g id>``) in drawing order."""
    root = ET.fromstring(svg_text)
    return {g.get("id"): g for g in root.iter(f"{{{NS['s']}}}g")}


def texts(layer) -> list[str]:
    """The labels of a layer (a label with a white halo is written twice: counted once)."""
    out = []
    for t in layer.findall("s:text", NS):
        if t.get("stroke") != "white":
            out.append(t.text)
    return out


def title(svg_text: str) -> str:
    root = ET.fromstring(svg_text)
    bold = [t.text for t in root.findall("s:text", NS) if t.get("font-weight") == "bold"]
    return bold[0] if bold else ""


def test_locator_map(geo):
    t = geo["territories"].loc[["CLPE44001"]]
    svg = maps.locator_map(geo["region"], geo["departements"], t, title="Loire-Atlantique Centre")
    assert title(svg) == "Loire-Atlantique Centre"
    got = layers(svg)
    assert list(got) == ["region", "departements", "territory", "region_outline", "departement_label"]
    (path,) = got["territory"].findall("s:path", NS)
    assert path.get("d").count("M") == 1  # Nantes Métropole is one polygon
    assert len(got["departements"].findall("s:path", NS)) == 5
    assert sorted(texts(got["departement_label"])) == ["Loire-Atlantique", "Maine-et-Loire", "Mayenne",
                                                        "Sarthe", "Vendée"]
    # equal aspect: the region spans about 265 km east-west and 230 km north-south in Lambert-93
    root = ET.fromstring(svg)
    w, h = (float(v) for v in root.get("viewBox").split()[2:])
    assert 0.75 < (h - 20) / w < 1.0
    assert "territory_marker" not in got  # a large territory needs no ring


def test_locator_map_with_a_bare_geometry(geo):
    geom = geo["territories"].loc["CLPE85003", "geometry"]
    assert isinstance(geom, shapely.geometry.base.BaseGeometry)
    svg = maps.locator_map(geo["region"], geo["departements"], geom, label_departements=False)
    assert title(svg) == "" and "departement_label" not in layers(svg)
    # Vendée Ouest: one MultiPolygon (one path) of 3 parts: the coast, Noirmoutier and Yeu
    (path,) = layers(svg)["territory"].findall("s:path", NS)
    assert path.get("d").count("M") == 3


def test_locator_map_rings_a_small_commune(geo):
    """Nauvay (11 inhabitants, 1.5 km²) is smaller than a point on the regional map: a ring shows
    where it is."""
    nauvay = geo["communes"][geo["communes"]["commune_code"] == "72214"]
    assert len(nauvay) == 1
    got = layers(maps.locator_map(geo["region"], geo["departements"], nauvay))
    assert got["territory_marker"].find("s:circle", NS) is not None


def test_communes_map(geo):
    codes = geo["members"].loc[geo["members"]["territory_id"] == "CLPE44001", "commune_code"]
    communes = geo["communes"][geo["communes"]["commune_code"].isin(codes)]
    svg = maps.communes_map(communes, geo["territories"].loc[["CLPE44001"]], title="Nantes Métropole")
    assert title(svg) == "Nantes Métropole"
    got = layers(svg)
    assert list(got) == ["communes", "outline", "commune_label", "scale_bar"]
    paths = got["communes"].findall("s:path", NS)
    assert len(paths) == 24
    (outline,) = got["outline"].findall("s:path", NS)
    assert float(paths[0].get("stroke-width")) < float(outline.get("stroke-width"))
    assert texts(got["commune_label"]) == ["Nantes", "Saint-Herblain", "Rezé", "Saint-Sébastien-sur-Loire",
                                           "Orvault"]
    assert texts(got["scale_bar"])[0].endswith(" km")


def test_communes_map_without_labels(geo):
    codes = geo["members"].loc[geo["members"]["territory_id"] == "CLPE53001", "commune_code"]
    communes = geo["communes"][geo["communes"]["commune_code"].isin(codes)]
    t = geo["territories"].loc[["CLPE53001"]]
    for svg in (maps.communes_map(communes, t, labels=False),
                maps.communes_map(communes.drop(columns="population"), t)):
        got = layers(svg)
        assert "commune_label" not in got
        assert len(got["communes"].findall("s:path", NS)) == 34


def test_labels_from_data_are_text_not_markup(geo):
    """A commune name reaches the SVG as text: escaped, never as an element or attribute."""
    codes = geo["members"].loc[geo["members"]["territory_id"] == "CLPE53001", "commune_code"]
    communes = geo["communes"][geo["communes"]["commune_code"].isin(codes)].copy()
    communes["label"] = '<script>alert("x")</script> & "Laval"'
    svg = maps.communes_map(communes, geo["territories"].loc[["CLPE53001"]], n_labels=1)
    assert "<script" not in svg
    assert texts(layers(svg)["commune_label"]) == ['<script>alert("x")</script> & "Laval"']


def test_points_map_layers_by_network(geo):
    """The directory's map: one layer per network, the main networks drawn over the others, a
    legend counting the points."""
    from reports.sections.annuaire import points_map

    codes = geo["members"].loc[geo["members"]["territory_id"] == "CLPE53001", "commune_code"]
    communes = geo["communes"][geo["communes"]["commune_code"].isin(codes)]
    where = communes.geometry.representative_point()
    points = [{"network": net, "longitude": p.x, "latitude": p.y}
              for net, p in zip(["cio", "mission_locale", "cfa", "cfa", "france_travail"], where)]
    points.append({"network": "cio", "longitude": None, "latitude": None})  # not drawn
    got = layers(points_map(geo["territories"].loc[["CLPE53001"]], communes, points))
    assert list(got)[:3] == ["communes", "outline", "commune_label"]
    drawn = [k for k in got if k.startswith("points_")]
    assert drawn == ["points_autres", "points_cio", "points_mission_locale", "points_france_travail"]
    assert len(got["points_autres"]) == 2
    assert texts(got["legend"]) == ["CIO (1)", "Mission locale (1)", "France Travail (1)", "Autres réseaux (2)"]
