"""Section « Où s'adresser ? »: the reception points of the territory (shared directory).

* counts per network for the territory, its département(s) and the region (indicators
  ``points_accueil*``), which is also the data table of the map;
* a small map of the geolocated points, coloured (and shaped) by network;
* the list grouped by network: name, address, phone, website and freshness (a record not confirmed
  for more than 3 years carries "source 2016, non confirmée depuis"). Lists are capped per network
  (:data:`CAPS`); what is left out is summarised by commune, and the territory's CSV export
  (``annuaire/<set_id>/<territory_id>.csv``) has everything;
* the referral: for each public, the nearest structures mandated to receive it, from the
  territory's most populous commune (``portraits.directory.orienter``; distances as the crow flies
  from the commune's centroid; points without coordinates placed at their commune's centroid).
"""

from __future__ import annotations


from portraits.safety import safe_url
from portraits import directory as D

from .. import maps, style, svg
from ..formatting import long_date, number
from .common import (SectionContext, chart_uri, commune_geometries, per_inhabitants_compare, rows,
                     territory_geometry)
from .observations import Observations, declared

SOURCE_IDS = ["dila_annuaire_2016", "pe_agences_2019", "annuaire_education", "ofa_referentiel",
              "france_services_2024"]

COUNT_INDICATORS = [
    "points_accueil", "points_accueil_cio", "points_accueil_mission_locale",
    "points_accueil_france_travail", "points_accueil_information_jeunesse", "points_accueil_cfa",
    "points_accueil_non_confirmes",
]

# groups of the list, in this order: the main networks one by one, every other network in
# "autres", the apprenticeship organisations last; group -> (heading, how many points are listed
# before the rest is summarised by commune)
GROUPS = {
    "cio": ("Centres d'information et d'orientation (CIO)", 6),
    "mission_locale": ("Missions locales", 6),
    "france_travail": ("France Travail (ex-Pôle emploi)", 6),
    "cap_emploi": ("Cap emploi", 6),
    "information_jeunesse": ("Information jeunesse (CRIJ, BIJ, PIJ)", 4),
    "france_services": ("France services", 6),
    "autres": ("Autres structures (Apec, CIDFF, chambres consulaires, Greta, Afpa, MDPH…)", 6),
    "cfa": ("Organismes de formation en apprentissage", 0),
}
# short network names for the "autres" group
SHORT = {
    "apec": "Apec", "cidff": "CIDFF", "cci": "CCI", "cma": "Chambre de métiers", "chambre_agriculture":
    "Chambre d'agriculture", "greta": "Greta", "afpa": "Afpa", "mdph": "MDPH", "suio": "SUIO",
    "cep": "CEP", "agefiph": "Agefiph", "autre": "Autre",
}
# map: one colour and marker per main network (distinct in greyscale too), grey for the others
MAP_GROUPS = [
    ("cio", "CIO", style.TERRITORY, "o"),
    ("mission_locale", "Mission locale", style.DEPARTEMENT[0], "s"),
    ("france_travail", "France Travail", style.DEPARTEMENT[2], "^"),
    ("information_jeunesse", "Information jeunesse", style.DEPARTEMENT[1], "D"),
    (None, "Autres réseaux", style.REGION, "."),
]
# source year shown in the freshness badge (the DILA file is the 2016 snapshot)
SOURCE_YEAR = {"dila_annuaire_2016": 2016}
SOURCE_SHORT = {
    "dila_annuaire_2016": "base DILA 2016",
    "pe_agences_2019": "liste France Travail 2019",
    "annuaire_education": "annuaire de l'Éducation nationale 2025",
    "ofa_referentiel": "référentiel de l'apprentissage",
    "france_services_2024": "liste France services (ANCT) 2024",
    "corrections_locales": "ajout des coordinateurs",
}
REFERRAL_PUBLICS = [p for p in D.PUBLICS if p != "tout_public"]


def _has_directory(con) -> bool:
    return con.execute(
        "select count(*) from information_schema.tables where table_schema = 'directory' "
        "and table_name in ('reception_point', 'reception_point_territory', 'network')").fetchone()[0] == 3


_CACHE: dict = {}


def _regional(con) -> tuple:
    """The whole directory and the communes' centroids, read once per process and build."""
    key = con.execute(
        """select (select path from duckdb_databases() where database_name = current_database()),
                  max(build_id), max(finished_at), (select count(*) from directory.reception_point)
           from meta.build""").fetchone()
    if key in _CACHE:
        return _CACHE[key]
    import shapely

    directory = con.execute("select * from directory.reception_point").df()
    geo = con.execute("select commune_code, geometry_wkb from ref.commune_geometry").df()
    cent = shapely.centroid(shapely.from_wkb([bytes(b) for b in geo["geometry_wkb"]]))
    import pandas as pd

    centroids = pd.DataFrame({"commune_code": geo["commune_code"], "latitude": shapely.get_y(cent),
                              "longitude": shapely.get_x(cent)})
    labels = dict(con.execute("select commune_code, label from ref.commune").fetchall())
    _CACHE.clear()
    _CACHE[key] = (directory, centroids, labels)
    return _CACHE[key]


# network -> (source id prefix of the current list of that network, what the badge says when a
# point of the network is missing from it): a CIO of the 2016 DILA base that the Éducation nationale
# directory of 2025 (which lists the open CIO) does not hold has probably closed or merged
NETWORK_LISTS = {
    "cio": ("uai:", "absent de l'annuaire de l'Éducation nationale 2025"),
    "france_travail": ("ft:", "absent de la liste France Travail 2019"),
}


def unlisted(point: dict) -> str | None:
    """Why a point is doubtful beyond its age: its network has a more recent list that lacks it."""
    net = point.get("network")
    if net not in NETWORK_LISTS or point.get("source_id") == "corrections_locales" or point.get("corrected_at"):
        return None
    prefix, text = NETWORK_LISTS[net]
    ids = [point.get("id") or "", *(_clean(point.get("merged_from")) or "").split("|")]
    return None if any(i.startswith(prefix) for i in ids) else text


def freshness(point: dict) -> dict:
    """Badge of a point: ``{'stale': bool, 'text': …, 'short': …}`` (``short`` for the referral)."""
    sd, ca, sid = point.get("source_date"), point.get("corrected_at"), point.get("source_id")
    if ca is not None and str(ca) in ("NaT", "None"):
        ca = None
    point = {**point, "corrected_at": ca}
    if point.get("stale"):
        year = SOURCE_YEAR.get(sid) or (sd.year if hasattr(sd, "year") else str(sd)[:4])
        missing = unlisted(point)
        text = f"source {year}, non confirmée depuis" + (f" ; {missing}" if missing else "")
        return {"stale": True, "text": text, "short": missing or "à confirmer"}
    if sid == "corrections_locales":
        text = f"ajouté par les coordinateurs le {long_date(ca)}" if ca else "ajouté par les coordinateurs"
    elif ca is not None:
        text = f"vérifiée le {long_date(ca)}"
    else:
        text = f"{SOURCE_SHORT.get(sid, sid)}"
    return {"stale": False, "text": text, "short": None}


def _clean(v):
    if v is None:
        return None
    try:
        import pandas as pd

        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    s = str(v).strip()
    return s or None


def _display_url(url: str | None) -> str | None:
    if not url:
        return None
    s = url.strip()
    for prefix in ("https://", "http://"):
        if s.lower().startswith(prefix):
            s = s[len(prefix):]
    return s.rstrip("/")


def _phone(v: str | None) -> str | None:
    """``+33 2 40 12 34 56`` → ``02 40 12 34 56``; short numbers (3949) as they are."""
    if not v:
        return None
    digits = "".join(c for c in v if c.isdigit())
    if v.strip().startswith("+33") and len(digits) == 11:
        digits = "0" + digits[2:]
    if len(digits) == 10 and digits.startswith("0"):
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    return v.strip()


def _address(p: dict) -> str:
    parts = [x for x in (_clean(p.get("address")),) if x]
    town = " ".join(x for x in (_clean(p.get("postcode")), _clean(p.get("commune_label"))) if x)
    if town:
        parts.append(town)
    return ", ".join(parts)


def points_of(con, set_id: str, territory_id: str) -> list[dict]:
    pts = rows(
        con,
        """select p.*, c.label as commune_label
           from directory.reception_point_territory rt
           join directory.reception_point p using (id)
           left join ref.commune c using (commune_code)
           where rt.set_id = ? and rt.territory_id = ?
           order by p.name, p.id""",
        (set_id, territory_id),
    )
    for p in pts:
        p["fresh"] = freshness(p)
        p["address_text"] = _address(p)
        p["phone_text"] = _phone(_clean(p.get("phone")))
        p["website"] = safe_url(_clean(p.get("website")))  # a link only when http(s)
        p["website_text"] = _display_url(p["website"])
        p["email"] = _clean(p.get("email"))
    return pts


def group_of(network: str) -> str:
    return network if network in GROUPS else "autres"


def grouped(points: list[dict], main_commune: str | None) -> list[dict]:
    """Points by group (:data:`GROUPS`), capped: confirmed points first, then those of the main
    commune, then by network and name; the rest summarised as ``others`` (count) and
    ``others_by_commune`` (top communes)."""
    by_group: dict[str, list[dict]] = {}
    for p in points:
        by_group.setdefault(group_of(p["network"]), []).append(p)
    order = list(D.NETWORKS)
    out = []
    for group in [g for g in GROUPS if g in by_group]:
        heading, cap = GROUPS[group]
        items = sorted(by_group[group], key=lambda p: (
            p["fresh"]["stale"], p["commune_code"] != main_commune,
            order.index(p["network"]) if p["network"] in order else len(order), (p["name"] or "").lower(), p["id"]))
        for p in items:
            p["short_network"] = SHORT.get(p["network"]) if group == "autres" else None
        shown, rest = items[:cap], items[cap:]
        counts: dict[str, int] = {}
        for p in rest:
            label = p.get("commune_label") or p.get("commune_code") or "commune inconnue"
            counts[label] = counts.get(label, 0) + 1
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        out.append({
            "group": group,
            "heading": heading,
            "n": len(items),
            "n_stale": sum(p["fresh"]["stale"] for p in items),
            "points": shown,
            "others": len(rest),
            "others_by_commune": [{"label": k, "n": v} for k, v in top[:6]],
            "others_more_communes": max(0, len(top) - 6),
        })
    return out


def referral(con, main_commune: str) -> list[dict]:
    """For each public: the nearest point of its reference networks
    (``portraits.directory.REFERENCE_NETWORKS``: the mission locale for young people, France
    Travail for job seekers…) and the nearest point of the other networks mandated to receive it
    (``structures``: a list of 0 to 2 dicts, None where there is none)."""
    directory, centroids, labels = _regional(con)
    out = []
    if main_commune not in set(centroids["commune_code"]):
        return out

    def cell(r, networks):
        name = r["name"]
        if r["distance_approx"]:
            # no coordinates: the point stands at its commune's centre, like every other point of
            # that network in the commune; say how many there are rather than pick one
            same = directory[(directory["commune_code"] == r["commune_code"])
                             & directory["network"].isin(list(networks))]
            if len(same) > 1:
                label = GROUPS.get(group_of(r["network"]), (D.NETWORKS.get(r["network"], ""), 0))[0]
                name = f"{len(same)} {label[0].lower() + label[1:]}"
        return {
            "name": name,
            "network_label": D.NETWORKS.get(r["network"], r["network"]),
            "commune_label": labels.get(r["commune_code"], r["commune_code"]),
            "distance": ("≈\u00a0" if r["distance_approx"] else "") + number(r["distance_km"], 1) + "\u00a0km",
            "stale": bool(r["stale"]),
            "doubt": freshness(r)["short"],
        }

    for public in REFERRAL_PUBLICS:
        reference = set(D.REFERENCE_NETWORKS.get(public, ()))
        ranked = D.orienter(directory, main_commune, public, centroids, limit=len(directory)).to_dict("records")
        first = next((r for r in ranked if r["network"] in reference), None)
        other = next((r for r in ranked if r["network"] not in reference), None)
        others = {n for n, pubs in D.NETWORK_PUBLICS.items() if public in pubs} - reference
        out.append({"public": public, "label": D.PUBLICS[public],
                    "structures": [cell(first, reference) if first else None,
                                   cell(other, others) if other else None]})
    return out


def points_map(territory, communes, points: list[dict], *, n_labels: int = 3, width: float = 5.0) -> str:
    """The territory's outline and communes, its geolocated points by network (:data:`MAP_GROUPS`).

    ``territory``/``communes``: GeoDataFrames (any CRS; ``communes`` may carry ``label`` and
    ``population``: the ``n_labels`` most populous communes are named); ``points``: dicts with
    ``network``, ``latitude``, ``longitude``. Drawn in Lambert-93, legend under the map; the layers
    carry an ``id`` (``communes``, ``outline``, ``points_<network>``, ``points_autres``)."""
    import geopandas as gpd

    geo = [p for p in points if p.get("latitude") is not None and p.get("longitude") is not None
           and p["latitude"] == p["latitude"]]
    main = {g[0] for g in MAP_GROUPS if g[0]}
    layers, items = [], []
    for net, label, color, marker in MAP_GROUPS:
        sel = [p for p in geo if (p["network"] == net if net else p["network"] not in main)]
        if not sel:
            continue
        pts = gpd.GeoSeries(gpd.points_from_xy([p["longitude"] for p in sel], [p["latitude"] for p in sel]),
                            crs="EPSG:4326").to_crs(maps.LAMBERT93)
        big = net is not None
        layers.append((net, color, marker if big else "o", 8.0 if big else 5.0, pts))
        items.append({"label": f"{label} ({len(sel)})", "kind": "marker", "marker": marker if big else "o",
                      "colour": color, "size": 6.5 if big else 5})
    w = width * 72
    leg_h = svg.legend(None, items, x=w / 2, y=0, ncols=min(len(items), 3), size=7.5, width=w - 8)
    c, frame = maps.territory_canvas(communes, territory, width=w, n_labels=n_labels, bottom=leg_h + 4,
                                     fill="#f2f4f7", edge="#c3ccd6", outline_width=1.0, label_above=True,
                                     aspect=(0.4, 0.88))
    # the other networks first (small), then the main ones on top
    for net, color, marker, size, pts in sorted(layers, key=lambda lay: lay[0] is not None):
        c.open(f"points_{net or 'autres'}")
        for x, y in zip(pts.x, pts.y):
            c.marker(marker, *frame.xy(x, y), size, color, "white", 0.6)
        c.close()
    svg.legend(c, items, x=w / 2, y=c.height - leg_h - 2, ncols=min(len(items), 3), size=7.5, width=w - 8)
    return c.svg()


def count_table(obs: Observations) -> list[dict]:
    """The observations of each of :data:`COUNT_INDICATORS` at its latest period, for every area."""
    out = []
    for ind in COUNT_INDICATORS:
        cells = obs.cells_at_latest(ind)
        if cells:
            out.append({"indicator_id": ind, "label": declared(ind).label, "cells": cells})
    return out


class AnnuaireContext(SectionContext):
    """What ``sections/annuaire.html.j2`` reads."""

    period: str | None
    n_points: int
    n_stale: int  # points whose record is to be confirmed
    n_geo: int
    n_without_coords: int
    counts: list[dict]  # points by network, for every area
    map: str | None
    map_width: float
    map_legend: list[dict]
    groups: list[dict]  # the points, by network
    main_commune: dict | None
    referral: list[dict]  # « vers qui orienter » from the main commune
    corrections: dict
    export_csv: str
    export_geojson: str
    export_name: str


def _points_map(con, set_id: str, tid: str, points: list[dict]) -> dict:
    """The map of the points with coordinates, and its legend (points per network)."""
    geo = [p for p in points if p.get("latitude") is not None and p["latitude"] == p["latitude"]]
    networks_on_map = {}
    for p in geo:
        key = p["network"] if p["network"] in {g[0] for g in MAP_GROUPS if g[0]} else None
        networks_on_map[key] = networks_on_map.get(key, 0) + 1
    map_uri, map_width = None, 36.0
    if geo:
        tgeom = territory_geometry(con, set_id, tid)
        communes = commune_geometries(con, set_id, tid)
        if not tgeom.empty and not tgeom.geometry.is_empty.all():
            map_uri = chart_uri(points_map, tgeom, communes, points)
            # tall territories get a narrower map, so that it keeps to about half a page
            minx, miny, maxx, maxy = tgeom.to_crs(maps.LAMBERT93).total_bounds
            ratio = (maxy - miny) / max(maxx - minx, 1.0)
            map_width = round(max(24.0, min(36.0, 36.0 * 0.75 / max(ratio, 0.01))), 1)
    legend = [{"label": label, "n": networks_on_map.get(net, 0)} for net, label, _c, _m in MAP_GROUPS
              if networks_on_map.get(net, 0)]
    return {"n_geo": len(geo), "n_without_coords": len(points) - len(geo), "map": map_uri, "map_width": map_width,
            "map_legend": legend}


def _corrections(con) -> dict:
    """The networks' corrections: how many, the latest date."""
    if not con.execute("select count(*) from information_schema.tables where table_schema = 'directory' "
                       "and table_name = 'correction'").fetchone()[0]:
        return {"last": None, "n": 0}
    return rows(con, "select max(correction_date) as last, count(*) as n from directory.correction")[0]


def context(con, base: dict) -> AnnuaireContext | None:
    if not _has_directory(con):
        return None
    t = base["territory"]
    set_id, tid = t["set_id"], t["territory_id"]
    points = points_of(con, set_id, tid)
    main = next((c for c in base["communes"] if c.get("in_region")), None)
    main_code = main["commune_code"] if main else None
    obs = Observations.of(con, base)
    counts = count_table(obs)
    own_total = counts[0]["cells"][0] if counts and counts[0]["indicator_id"] == "points_accueil" else None
    period = own_total["period"] if own_total else None
    n_stale = sum(p["fresh"]["stale"] for p in points)
    key_figures = []
    if own_total:
        key_figures.append({
            "value": number(own_total["value"], 0, own_total["status"]),
            "label": "lieux d'accueil recensés" + (f", dont {n_stale} à confirmer" if n_stale else ""),
            "period": period, "status": own_total["status"], "source_id": own_total["source_id"],
            "compare": per_inhabitants_compare(obs, counts[0]["cells"]),
            # the count merges several sources: name the directory, not the first of them
            "source_text": "annuaire partagé du SPRO (DILA, France Travail, Éducation nationale, "
                           "apprentissage, corrections des réseaux)",
        })
    return AnnuaireContext(
        id="ou-s-adresser", title="Où s'adresser ?", template="sections/annuaire.html.j2",
        source_ids=SOURCE_IDS, key_figures=key_figures, period=period, n_points=len(points), n_stale=n_stale,
        counts=counts, **_points_map(con, set_id, tid, points), groups=grouped(points, main_code),
        main_commune=main, referral=referral(con, main_code) if main_code else [],
        corrections=_corrections(con),
        export_csv=f"../../../annuaire/{set_id}/{tid}.csv",
        export_geojson=f"../../../annuaire/{set_id}/{tid}.geojson",
        export_name=f"annuaire/{set_id}/{tid}.csv")
