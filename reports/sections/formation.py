"""Section « Se former sur le territoire »: establishments (counts and map), insertion of leavers of
the vocational lycées and CFA of the territory against the region's rates, attractiveness of the
offer (Affelnet first wishes per place, Parcoursup offer), reading note.

Reads ``indicators.observation`` (theme ``formation``), ``ref.etablissement_formation`` and
``indicators.etablissement_insertion`` (per establishment, never averaged onto the territory).
"""

from __future__ import annotations

import math
import re

import geopandas as gpd
import pandas as pd

from .. import charts_formation
from ..formatting import number
from .common import (SectionContext, chart_uri, commune_geometries, per_inhabitants_compare, rows,
                     table_rows, territory_geometry)
from .observations import Observations

SOURCE_IDS = ["annuaire_education", "ofa_referentiel", "ofa_prepa_apprentissage", "inserjeunes_lycees",
              "inserjeunes_cfa", "inserjeunes_region", "orion_affelnet", "parcoursup_extrait"]
MAX_ROWS = 10  # establishments listed per table beyond MAX_ROWS + 2; the full list is in etablissements.csv
_PREFIX = re.compile(r"^organisme de formation\s*-\s*centre de formation d'apprentis\s+(de\s+|d')?", re.I)

# the tables' rows come from the declarations (portraits/themes/formation_indicators.py, ``row=``)
COUNTS_TABLE, PARCOURSUP_TABLE = "formation.counts", "formation.parcoursup"
def display_name(name: str) -> str:
    """InserJeunes CFA labels without their generic prefix ("Organisme de formation-Centre de
    formation d'apprentis de …"), first letter upper-cased."""
    short = _PREFIX.sub("", name or "").strip()
    return (short[:1].upper() + short[1:]) if short else (name or "")


def _cap(items: list) -> tuple[list, int]:
    """Every item when there are at most MAX_ROWS + 2, else the first MAX_ROWS and the rest's count."""
    if len(items) <= MAX_ROWS + 2:
        return items, 0
    return items[:MAX_ROWS], len(items) - MAX_ROWS


def published(item: dict) -> bool:
    return item["rates"].get("taux_emploi_6m", {}).get("status") == "ok"


def _ok(v) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def cohort_label(cohort: str | None) -> str:
    """``2022_2023`` or ``2022-2023`` → ``2022-2023``."""
    return (cohort or "").replace("_", "-")


def establishments(con, set_id: str, territory_id: str) -> list[dict]:
    return rows(
        con,
        """select e.*, c.label as commune_label
           from ref.etablissement_formation e
           join ref.territory_commune tc on tc.commune_code = e.commune_code
           join ref.commune c on c.commune_code = e.commune_code
           where tc.set_id = ? and tc.territory_id = ?
           order by c.label, e.name, e.uai""",
        (set_id, territory_id),
    )


def insertion_rows(con, set_id: str, territory_id: str, source_id: str,
                   population: str) -> tuple[str | None, list[dict]]:
    """Latest cohort of ``source_id`` and, for the territory's establishments having a row for
    it, their rates (``taux_emploi_6m``, ``taux_emploi_6m_attendu``, ``valeur_ajoutee``,
    ``taux_emploi_12m``) as observation-like dicts (``value``, ``status``)."""
    cohort = con.execute(
        "select max(cohort) from indicators.etablissement_insertion where source_id = ?", [source_id]).fetchone()[0]
    if cohort is None:
        return None, []
    data = rows(
        con,
        """select e.uai, e.name, e.pupils, c.label as commune_label, i.indicator_id, i.value, i.status
           from indicators.etablissement_insertion i
           join ref.etablissement_formation e using (uai)
           join ref.territory_commune tc on tc.commune_code = e.commune_code
           join ref.commune c on c.commune_code = e.commune_code
           where tc.set_id = ? and tc.territory_id = ? and i.source_id = ? and i.cohort = ?
             and i.population = ?""",
        (set_id, territory_id, source_id, cohort, population),
    )
    by_uai: dict[str, dict] = {}
    for r in data:
        item = by_uai.setdefault(r["uai"], {"uai": r["uai"], "name": display_name(r["name"]),
                                            "pupils": r["pupils"], "commune_label": r["commune_label"],
                                            "rates": {}})
        item["rates"][r["indicator_id"]] = {"value": r["value"], "status": r["status"]}
    return cohort, list(by_uai.values())


def _summary(items: list[dict], reference: float | None) -> dict:
    values = [i["rates"].get("taux_emploi_6m", {}).get("value") for i in items]
    values = [v for v in values if _ok(v)]
    out = {"n": len(items), "n_published": len(values), "n_secret": len(items) - len(values)}
    if values:
        s = sorted(values)
        mid = len(s) // 2
        out.update(min=s[0], max=s[-1], median=s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2)
        if reference is not None:
            out["above"] = sum(v > reference for v in values)
            out["below"] = sum(v < reference for v in values)
    return out


class FormationContext(SectionContext):
    """What ``sections/formation.html.j2`` reads."""

    counts: list[dict]  # establishment counts: label, sub (a « dont » line), cells
    own: dict[str, dict | None]  # the territory's count of each
    map: str | None  # the establishments' map (SVG data URI)
    map_width_cm: float
    map_counts: list[dict]
    n_without_xy: int
    n_cfa_commune: int
    n_etablissements: int
    lyc_cohort: str
    cfa_cohort: str
    lycees: list[dict]  # InserJeunes rates of the lycées (the first MAX_ROWS)
    lycees_more: int
    lycees_summary: dict
    cfas: list[dict]
    cfas_more: int
    cfas_summary: dict
    ref: dict[str, dict | None]  # the region's rates
    strip: str | None  # the rates' strip chart
    affelnet_year: str | None
    affelnet: list[dict]
    parcoursup: list[dict]
    notes: list[str]


def _establishments_map(con, set_id: str, tid: str, etabs: list[dict]) -> dict:
    """The map of the establishments (organisations without coordinates counted per commune)."""
    communes = commune_geometries(con, set_id, tid)
    tgeom = territory_geometry(con, set_id, tid)
    map_uri, map_width = None, 5.2
    drawn = [dict(e, kind=charts_formation.map_kind(e["category"], e["lycee_kind"])) for e in etabs]
    with_xy = [e for e in drawn if e["kind"] and _ok(e["latitude"])]
    without_xy = [e for e in drawn if e["kind"] == "cfa" and not _ok(e["latitude"])]
    if len(communes) and not tgeom.geometry.is_empty.all():
        pts = gpd.GeoDataFrame(pd.DataFrame({"kind": [e["kind"] for e in with_xy]}),
                               geometry=gpd.points_from_xy([e["longitude"] for e in with_xy],
                                                           [e["latitude"] for e in with_xy]), crs="EPSG:4326")
        per_commune = pd.Series([e["commune_code"] for e in without_xy], dtype=object).value_counts()
        cpts = communes[communes["commune_code"].isin(per_commune.index)].copy()
        cpts["n"] = cpts["commune_code"].map(per_commune).astype(int)
        cpts["geometry"] = cpts.to_crs("EPSG:2154").representative_point().to_crs("EPSG:4326")
        minx, miny, maxx, maxy = tgeom.to_crs("EPSG:2154").total_bounds
        wide = maxx > minx and (maxy - miny) / (maxx - minx) < 0.75
        map_width = 6.6 if wide else 5.2  # inches, shown at that size in print
        map_uri = chart_uri(charts_formation.establishments_map, communes, tgeom, pts, cpts,
                            size=(map_width, 4.6))
    return {"map": map_uri, "map_width_cm": round(map_width * 2.54, 1), "map_counts": _map_counts(drawn),
            "n_without_xy": sum(1 for e in drawn if e["kind"] and not _ok(e["latitude"]) and e["kind"] != "cfa"),
            "n_cfa_commune": len(without_xy), "n_etablissements": len(etabs)}


def _insertion(con, obs: Observations, set_id: str, tid: str) -> dict:
    """InserJeunes: the rates of the territory's lycées and CFA, against the region's (its latest
    cohort)."""
    region = next((a for a in obs.areas if a["set_id"] == "region"), None)
    ref = {key: obs.latest(region, f"taux_emploi_{months}_mois_{voie}") if region else None
           for key, months, voie in (("sco", 6, "scolaire"), ("app", 6, "apprentis"),
                                     ("sco12", 12, "scolaire"), ("app12", 12, "apprentis"))}
    lyc_cohort, lycees = insertion_rows(con, set_id, tid, "inserjeunes_lycees", "ensemble")
    cfa_cohort, cfas = insertion_rows(con, set_id, tid, "inserjeunes_cfa", "apprentis")
    lycees.sort(key=lambda i: (not published(i), -(i["pupils"] if _ok(i["pupils"]) else -1), i["name"], i["uai"]))
    cfas.sort(key=lambda i: (not published(i), i["commune_label"], i["name"], i["uai"]))
    ref_sco_v = ref["sco"]["value"] if ref["sco"] and ref["sco"]["status"] == "ok" else None
    ref_app_v = ref["app"]["value"] if ref["app"] and ref["app"]["status"] == "ok" else None
    groups = []
    if lycees:
        groups.append({"label": "Lycées",
                       "values": [i["rates"].get("taux_emploi_6m", {}).get("value") for i in lycees],
                       "reference": ref_sco_v, "reference_label": "région, voie scolaire"})
    if cfas:
        groups.append({"label": "CFA",
                       "values": [i["rates"].get("taux_emploi_6m", {}).get("value") for i in cfas],
                       "reference": ref_app_v, "reference_label": "région, apprentissage"})
    strip = chart_uri(charts_formation.insertion_strip, groups,
                      title="Taux d'emploi à 6 mois des sortants, par établissement") if groups else None
    return {"lyc_cohort": cohort_label(lyc_cohort), "cfa_cohort": cohort_label(cfa_cohort),
            "lycees": _cap(lycees)[0], "lycees_more": _cap(lycees)[1], "lycees_summary": _summary(lycees, ref_sco_v),
            "cfas": _cap(cfas)[0], "cfas_more": _cap(cfas)[1], "cfas_summary": _summary(cfas, ref_app_v),
            "ref": ref, "strip": strip}


def _offer(obs: Observations) -> dict:
    """Attractiveness: Affelnet places and first wishes, the Parcoursup offer."""
    empty = [None] * len(obs.areas)
    affelnet_year = (obs.periods("voeux1_par_place") or [None])[-1]
    affelnet = [{"label": label, "indicator_id": i, "decimals": d,
                 "cells": obs.cells_at_latest(i, affelnet_year) or empty}
                for i, label, d in (("places_affelnet", "Places offertes", 0),
                                    ("voeux1_affelnet", "Premiers vœux", 0),
                                    ("voeux1_par_place", "Premiers vœux par place", 2))]
    parcoursup = [{"label": label, "indicator_id": i, "cells": obs.cells_at_latest(i) or empty}
                  for i, _p, label, *_r in table_rows(PARCOURSUP_TABLE)]
    return {"affelnet_year": affelnet_year, "affelnet": affelnet, "parcoursup": parcoursup}


def _key_figure(obs: Observations, own: dict) -> dict:
    lyc, pro = own.get("lycees"), own.get("lycees_professionnels")
    return {"value": number(lyc["value"], 0, lyc["status"]) if lyc else "non disponible",
            "label": "lycées" + (f", dont {number(pro['value'])} professionnels"
                                 if lyc and lyc["status"] == "ok" and pro and pro["status"] == "ok" else ""),
            "period": lyc["period"] if lyc else None, "status": lyc["status"] if lyc else "missing",
            "source_id": "annuaire_education",
            "compare": per_inhabitants_compare(obs, obs.cells("lycees"))}


def context(con, base: dict) -> FormationContext | None:
    t = base["territory"]
    set_id, tid = t["set_id"], t["territory_id"]
    if not con.execute("select count(*) from indicators.catalog where indicator_id = 'lycees'").fetchone()[0]:
        return None
    obs = Observations.of(con, base)
    empty = [None] * len(obs.areas)
    counts = [{"indicator_id": i, "label": label, "sub": sub, "cells": obs.cells_at_latest(i) or empty}
              for i, _p, label, _k, _d, sub in table_rows(COUNTS_TABLE)]
    own = {c["indicator_id"]: c["cells"][0] for c in counts}
    offer = _offer(obs)
    notes = []
    for row in counts + offer["affelnet"] + offer["parcoursup"]:
        note = (row["cells"][0] or {}).get("note") or ""
        for part in note.split(" ; "):
            if part and "session Parcoursup" not in part and part not in notes:
                notes.append(part)
    return FormationContext(
        id="formation", title="Se former sur le territoire", template="sections/formation.html.j2",
        source_ids=SOURCE_IDS, key_figures=[_key_figure(obs, own)], counts=counts, own=own,
        **_establishments_map(con, set_id, tid, establishments(con, set_id, tid)),
        **_insertion(con, obs, set_id, tid), **offer, notes=notes)


def _map_counts(drawn: list[dict]) -> list[dict]:
    out = []
    for kind in charts_formation.MAP_ORDER:
        if kind == "cfa_commune":
            continue
        n = sum(1 for e in drawn if e["kind"] == kind)
        if n:
            out.append({"label": charts_formation.MAP_LAYERS[kind][0], "n": n})
    return out
