"""Section « Le territoire »: maps (locator and communes), area and density, composition (EPCI,
communes)."""

from __future__ import annotations

from .. import maps
from ..formatting import short_label
from .common import SectionContext, chart_uri, commune_geometries, geo_frame, key_figure, territory_geometry
from .observations import Observations

SOURCE_IDS = ["contours_communes_2024", "cog_epci_2026", "cog_communes_2026"]


_LAYERS: dict = {}


def _context_layers(con) -> tuple:
    """Region and départements in Lambert-93, read once per process and database."""
    key = con.execute("select build_id from meta.build order by finished_at desc limit 1").fetchone()
    if key in _LAYERS:
        return _LAYERS[key]
    region = geo_frame(con, "select * from ref.region_geometry").to_crs(maps.LAMBERT93)
    deps = geo_frame(con, "select * from ref.departement_geometry").to_crs(maps.LAMBERT93)
    if "label" not in deps.columns:
        for cand in ("NOM_DEP", "name", "nom"):
            if cand in deps.columns:
                deps = deps.rename(columns={cand: "label"})
                break
    _LAYERS.clear()
    _LAYERS[key] = (region, deps)
    return region, deps


class TerritoireContext(SectionContext):
    """What ``sections/territoire.html.j2`` reads."""

    maps: dict[str, str]  # locator and communes maps (SVG data URIs)
    area_km2: float | None
    biggest: list[str]  # the 5 most populated communes
    neighbours: dict | None  # the 3 most similar territories of the set, with a few figures


def context(con, base: dict) -> TerritoireContext | None:
    t = base["territory"]
    set_id, tid = t["set_id"], t["territory_id"]
    region, deps = _context_layers(con)
    tgeom = territory_geometry(con, set_id, tid)
    communes = commune_geometries(con, set_id, tid)
    maps_ctx = {}
    if not tgeom.empty and not tgeom.geometry.is_empty.all():
        maps_ctx["locator"] = chart_uri(maps.locator_map, region, deps, tgeom, size=(3.6, 3.6))
        maps_ctx["communes"] = chart_uri(maps.communes_map, communes, tgeom, size=(5.6, 5.0))
    # the area is in the cover's lead line; its density compares with the département and region
    obs = Observations.of(con, base)
    key_figures = [key_figure(obs, "densite_population", "habitants par km²", decimals=0)]
    area = obs.own("superficie")
    biggest = [c["label"] for c in base["communes"][:5] if c.get("label")]
    neighbours = _neighbours(con, set_id, tid)
    return TerritoireContext(**{
        "id": "territoire",
        "title": "Le territoire",
        "template": "sections/territoire.html.j2",
        "source_ids": SOURCE_IDS,
        "key_figures": key_figures,
        "maps": maps_ctx,
        "area_km2": area["value"] if area and area["status"] == "ok" else None,
        "biggest": biggest,
        "neighbours": neighbours,
    })


NEIGHBOUR_COLUMNS = [
    ("population", "Population", 0, ""),
    ("densite_population", "Habitants par km²", 0, ""),
    ("part_moins_30", "Moins de 30 ans", 1, "%"),
    ("taux_chomage_rp_1564", "Chômage 15-64 ans (recensement)", 1, "%"),
    ("emplois_salaries_prives_evol_5ans", "Emploi salarié privé, évolution sur 5 ans", 1, "%"),
]


def _neighbours(con, set_id: str, tid: str) -> dict | None:
    """The 3 most similar territories of the set (indicators.neighbour) with a few figures."""
    exists = con.execute("select count(*) from information_schema.tables where table_schema = 'indicators' "
                         "and table_name = 'neighbour'").fetchone()[0]
    if not exists:
        return None
    ids = [r[0] for r in con.execute(
        "select neighbour_id from indicators.neighbour where set_id = ? and territory_id = ? order by rank",
        [set_id, tid]).fetchall()]
    if not ids:
        return None
    from .common import fmt

    places = [{"set_id": set_id, "territory_id": t} for t in [tid, *ids]]
    obs = Observations(con, places)
    rows = []
    for i, (t, area) in enumerate(zip([tid, *ids], places)):
        label = con.execute("select label from ref.territory where set_id = ? and territory_id = ?",
                            [set_id, t]).fetchone()[0]
        cells = []
        for ind, _lab, dec, unit in NEIGHBOUR_COLUMNS:
            o = obs.latest(area, ind)
            cells.append(fmt(o, dec, unit, signed=ind.endswith("evol_5ans")))
        rows.append({"territory_id": t, "label": short_label(label), "self": i == 0,
                     "href": f"../{t}/portrait.html", "cells": cells})
    return {"headers": [c[1] for c in NEIGHBOUR_COLUMNS], "rows": rows}
