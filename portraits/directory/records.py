"""One normalised record per source row: the ``_from_*`` builders, one per official source.

Each builder returns the columns ``id, network, latitude, longitude, source_id, source_date`` and
:data:`~portraits.directory.lists.FIELDS`, commune codes mapped to COG 2026 by a
:class:`~portraits.directory.normalise.CommuneIndex`. Inputs are the parsed official sources (no
file reading here):

* ``dila``: :func:`sources.dila.parse` (DILA local base, 2016 snapshot: every network);
* ``agencies``: France Travail sites of November 2019, columns ``agency_id, name, type_site,
  address, postcode, commune_name, latitude, longitude`` (float coordinates). Only ``type_site ==
  "ALE"`` (agences locales) are kept: ``DDA`` (directions territoriales) and ``DRA`` (direction
  régionale) are offices, not reception points;
* ``cio``: the CIO of the Éducation nationale directory (``type_etablissement`` "Information et
  orientation"), columns ``uai, name, commune_code, latitude, longitude`` and optionally
  ``commune_name`` (October 2025). A record whose ``commune_name`` names another commune of the same
  département than its ``commune_code`` takes the named commune and loses its coordinates: the
  "Point d'accueil du CIO de Mayenne Sud à Château-Gontier" (0530802J) is filed with the code
  53130 and the exact coordinates of its parent CIO in Laval (0530032X), while its name and
  ``nom_commune`` say Château-Gontier-sur-Mayenne;
* ``ofa`` (optional): :func:`sources.ofa.parse_networks` (apprenticeship organisations, network
  ``cfa``; closed organisations dropped; no coordinates: the referral falls back on the commune's);
* ``communes``: the COG 2026 communes, column ``commune_code`` and optionally ``name``,
  ``postcodes`` and ``former_codes`` (``|``-separated); ``history`` (optional):
  ``old_code, new_code[, old_name]`` for former, delegated and associated communes.
  :func:`~portraits.directory.normalise.commune_reference` builds both from the COG file
  (``sources.cog.parse_communes`` or ``communes_r52_cog2026.csv``);
* ``france_services`` (optional): ANCT's France services points (2024), see
  :func:`_from_france_services`.
"""

from __future__ import annotations

import pandas as pd

from .lists import (AGENCIES_DATE, BBOX, DILA_PIVOTS, DILA_SOURCE_ID, EDUCATION_DATE, FIELDS,
                    FRANCE_SERVICES_DATE, OFA_SOURCE_ID, REGION_DEPARTEMENTS)
from .normalise import CommuneIndex, _float, _missing, _none


def _frame(rows: list[dict]) -> pd.DataFrame:
    cols = ["id", "network", "latitude", "longitude", "source_id", "source_date", *FIELDS]
    return pd.DataFrame(rows, columns=cols, dtype=object)


def _in_bbox(lat, lon) -> bool:
    return lat is not None and lon is not None and BBOX["lat"][0] <= lat <= BBOX["lat"][1] and (
        BBOX["lon"][0] <= lon <= BBOX["lon"][1])


def _from_dila(dila: pd.DataFrame, idx: CommuneIndex, locate=None,
               foreign: list | None = None) -> pd.DataFrame:
    """DILA records (module docstring). Two checks of the record's own consistency:

    * a record whose coordinates lie outside the region's bounding box *and* whose postcode is not
      of a région département is another region's service filed under a wrong commune code (the
      "Greta - Vivarais-Provence" of Aubenas, 07203, filed under 72181 Le Mans): left out, its id
      appended to ``foreign``; coordinates outside the box with a regional postcode are dropped;
    * when the address locality (``city`` + ``postcode``) names another commune than ``codeinsee``
      (4 records: e.g. the Mission locale du Vignoble nantais, coded Clisson, 3 place
      Maurice-Renoul at Gorges), ``locate(lat, lon, [code, address_code])`` (the commune whose
      polygon is nearest to the record's coordinates, given by the caller) decides; without
      ``locate``, ``codeinsee`` is kept.
    """
    rows = []
    for r in dila.to_dict("records"):
        lat, lon = _float(r.get("latitude")), _float(r.get("longitude"))
        postcode = _none(r.get("postcode"))
        if not _in_bbox(lat, lon):
            if postcode is not None and str(postcode)[:2] not in REGION_DEPARTEMENTS:
                if foreign is not None:
                    foreign.append(f"dila:{r['dila_id']}")
                continue
            lat = lon = None
        code = idx.code(r.get("commune_code"))
        if locate is not None and lat is not None and not _missing(r.get("city")):
            at_address = idx.place(r.get("city"), postcode)
            if at_address and code and at_address != code:
                code = locate(lat, lon, [code, at_address]) or code
        rows.append(
            {
                "id": f"dila:{r['dila_id']}",
                "network": DILA_PIVOTS.get(str(r["type"]), "autre"),
                "name": r["name"],
                "address": _none(r.get("address")),
                "postcode": _none(r.get("postcode")),
                "commune_code": code,
                "latitude": lat,
                "longitude": lon,
                "phone": _none(r.get("phone")),
                "email": _none(r.get("email")),
                "website": _none(r.get("website")),
                "opening_hours": _none(r.get("opening_hours")),
                "source_id": DILA_SOURCE_ID,
                "source_date": str(r["updated"])[:10],
            }
        )
    return _frame(rows)


def _from_agencies(agencies: pd.DataFrame, idx: CommuneIndex, source_id: str) -> pd.DataFrame:
    ale = agencies[agencies["type_site"].astype(str).str.strip().str.upper() == "ALE"]
    rows = []
    for r in ale.to_dict("records"):
        rows.append(
            {
                "id": f"ft:{str(r['agency_id']).strip()}",
                "network": "france_travail",
                "name": f"France Travail – {str(r['name']).strip()}",
                "address": _none(r.get("address")),
                "postcode": _none(r.get("postcode")),
                "commune_code": idx.place(r.get("commune_name"), r.get("postcode")),
                "latitude": _float(r.get("latitude")),
                "longitude": _float(r.get("longitude")),
                "phone": None,
                "email": None,
                "website": None,
                "opening_hours": None,
                "source_id": source_id,
                "source_date": AGENCIES_DATE,
            }
        )
    return _frame(rows)


def _from_france_services(fs: pd.DataFrame, idx: CommuneIndex, source_id: str) -> pd.DataFrame:
    """ANCT's France services points: current (2024) addresses, coordinates, phone, e-mail, hours.
    Commune codes are 2024 ones (49069 is now a commune déléguée of 49126): mapped by the index."""
    rows = []
    for r in fs.to_dict("records"):
        rows.append(
            {
                "id": f"fs:{str(r['fs_id']).strip()}",
                "network": "france_services",
                "name": r["name"],
                "address": _none(r.get("address")),
                "postcode": _none(r.get("postcode")),
                "commune_code": idx.code(r.get("commune_code")),
                "latitude": _float(r.get("latitude")),
                "longitude": _float(r.get("longitude")),
                "phone": _none(r.get("phone")),
                "email": _none(r.get("email")),
                "website": None,
                "opening_hours": _none(r.get("opening_hours")),
                "source_id": source_id,
                "source_date": FRANCE_SERVICES_DATE,
            }
        )
    return _frame(rows)


def _from_cio(cio: pd.DataFrame, idx: CommuneIndex, source_id: str) -> pd.DataFrame:
    rows = []
    for r in cio.to_dict("records"):
        code = idx.code(r.get("commune_code"))
        lat, lon = _float(r.get("latitude")), _float(r.get("longitude"))
        named = idx.place(r.get("commune_name")) if not _missing(r.get("commune_name")) else None
        if code and named and named != code and named[:2] == code[:2]:
            # the commune's name contradicts its code: the record was filed under its parent CIO
            # (code and coordinates of the parent), see the module docstring
            code, lat, lon = named, None, None
        rows.append(
            {
                "id": f"uai:{str(r['uai']).strip().upper()}",
                "network": "cio",
                "name": r["name"],
                "address": None,
                "postcode": None,
                "commune_code": code,
                "latitude": lat,
                "longitude": lon,
                "phone": None,
                "email": None,
                "website": None,
                "opening_hours": None,
                "source_id": source_id,
                "source_date": EDUCATION_DATE,
            }
        )
    return _frame(rows)


def _from_ofa(ofa: pd.DataFrame, idx: CommuneIndex) -> pd.DataFrame:
    """One record per SIRET (an organisation is listed once per network file: each field takes
    the first non-empty value over its files). Closed organisations (``state`` "fermé") and those
    with neither a name nor an address (the ``eduservice`` file gives only UAI and SIRET) are left
    out."""
    df = ofa
    if "state" in df.columns:
        df = df[df["state"].fillna("").astype(str) != "fermé"]
    df = df.sort_values(["siret", "_file"] if "_file" in df.columns else ["siret"], kind="mergesort")
    by_siret: dict[str, list[dict]] = {}
    for r in df.to_dict("records"):
        by_siret.setdefault(str(r["siret"]), []).append(r)
    rows = []
    for siret, recs in sorted(by_siret.items()):

        def first(col):
            return next((_none(r.get(col)) for r in recs if not _missing(r.get(col))), None)

        name, address, postcode, commune = first("name"), first("address"), first("postcode"), first("commune")
        if name is None and address is None:
            continue
        street = address
        if street and postcode:
            street = street.split(str(postcode))[0].strip(" ,") or None
        elif street and not postcode:
            street = None  # the address is just the commune's name
        dates = [r["imported"] for r in recs if not _missing(r.get("imported"))]
        rows.append(
            {
                "id": f"ofa:{siret}",
                "network": "cfa",
                "name": name or f"Organisme de formation {siret}",
                "address": street,
                "postcode": postcode,
                "commune_code": idx.place(commune, postcode),
                "latitude": None,
                "longitude": None,
                "phone": None,
                "email": None,
                "website": None,
                "opening_hours": None,
                "source_id": OFA_SOURCE_ID,
                "source_date": max(dates) if dates else None,
            }
        )
    return _frame(rows)
