"""Map builders: assertions on the axes' content (layers, texts, aspect), not on pixels."""

from __future__ import annotations

import io

import pytest
import shapely
from matplotlib.figure import Figure
from matplotlib.path import Path

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


def layers(ax) -> dict[str, object]:
    return {c.get_gid(): c for c in ax.collections}


def test_locator_map(geo):
    t = geo["territories"].loc[["CLPE44001"]]
    fig = maps.locator_map(geo["region"], geo["departements"], t, title="Loire-Atlantique Centre")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "Loire-Atlantique Centre"
    assert ax.get_aspect() == 1.0 and not ax.axison
    got = layers(ax)
    assert list(got) == ["region", "departements", "territory", "region_outline"]
    assert len(got["territory"].get_paths()) == 1  # Nantes Métropole is one polygon
    assert len(got["departements"].get_segments()) >= 5
    assert sorted(t.get_text() for t in ax.texts) == ["Loire-Atlantique", "Maine-et-Loire", "Mayenne",
                                                      "Sarthe", "Vendée"]
    # Lambert-93 metres: the region spans about 265 km east-west (plus 4 % margins)
    x0, x1 = ax.get_xlim()
    assert 270_000 < x1 - x0 < 300_000 and 250_000 < x0 < 300_000
    fig.savefig(io.BytesIO(), format="png")


def test_locator_map_with_a_bare_geometry(geo):
    geom = geo["territories"].loc["CLPE85003", "geometry"]
    assert isinstance(geom, shapely.geometry.base.BaseGeometry)
    fig = maps.locator_map(geo["region"], geo["departements"], geom, label_departements=False)
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "" and len(ax.texts) == 0
    # Vendée Ouest: one MultiPolygon (one path) of 3 parts: the coast, Noirmoutier and Yeu
    (path,) = layers(ax)["territory"].get_paths()
    assert (path.codes == Path.MOVETO).sum() == 3


def test_communes_map(geo):
    codes = geo["members"].loc[geo["members"]["territory_id"] == "CLPE44001", "commune_code"]
    communes = geo["communes"][geo["communes"]["commune_code"].isin(codes)]
    fig = maps.communes_map(communes, geo["territories"].loc[["CLPE44001"]], title="Nantes Métropole")
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "Nantes Métropole" and ax.get_aspect() == 1.0
    got = layers(ax)
    assert list(got) == ["communes", "outline"]
    assert len(got["communes"].get_paths()) == 24
    assert got["communes"].get_linewidth()[0] < got["outline"].get_linewidth()[0]
    names = [t.get_text() for t in ax.texts if t.get_gid() == "commune_label"]
    assert names == ["Nantes", "Saint-Herblain", "Rezé", "Saint-Sébastien-sur-Loire", "Orvault"]
    assert any(t.get_text().endswith(" km") for t in ax.texts)  # scale bar
    fig.savefig(io.BytesIO(), format="png")


def test_communes_map_without_labels(geo):
    codes = geo["members"].loc[geo["members"]["territory_id"] == "CLPE53001", "commune_code"]
    communes = geo["communes"][geo["communes"]["commune_code"].isin(codes)]
    t = geo["territories"].loc[["CLPE53001"]]
    for fig in (maps.communes_map(communes, t, labels=False),
                maps.communes_map(communes.drop(columns="population"), t)):
        ax = fig.axes[0]
        assert not [x for x in ax.texts if x.get_gid() == "commune_label"]
        assert len(layers(ax)["communes"].get_paths()) == 34
