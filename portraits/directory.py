"""The shared directory of guidance reception points (annuaire des lieux d'accueil), plain Python.

Inputs are the parsed official sources (no file reading here):

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
  :func:`commune_reference` builds both from the COG file (``sources.cog.parse_communes`` or
  ``communes_r52_cog2026.csv``).

Output of :func:`build_directory`: one row per reception point, columns :data:`COLUMNS`:

=============== ======================================================================
id              stable id from the source key: ``dila:<DILA id>``, ``ft:<REFERENCE_PE>``,
                ``uai:<UAI>``, ``ofa:<SIRET>``, ``local:<…>`` (added by a correction)
name            name (France Travail sites: ``France Travail – <site>``)
network         one of :data:`NETWORKS`
publics         ``|``-separated ids of :data:`PUBLICS`, from :data:`NETWORK_PUBLICS`
address         street address (no postcode, no commune)
postcode        postcode as published (may be a CEDEX code)
commune_code    INSEE code in COG 2026 (former codes mapped through ``history``/``former_codes``;
                France Travail sites, which only give a commune name and postcode, are matched by
                name within the postcode's département); None when nothing matches
latitude        WGS84
longitude
phone, email, website, opening_hours
source_id       dataset id of the record the row comes from (the most recent, when merged)
source_date     ISO date of that record's vintage: DILA ``update``, 2019-11-13 for France
                Travail sites, 2025-10-13 for the Éducation nationale directory, ``Date
                d'import`` for OFA, the correction's date for ``local:`` points
corrected_at    ISO date of the last local correction (or confirmation) applied, else None
stale           True when the record has not been confirmed for more than :data:`STALE_YEARS`
                years before ``today``: neither ``source_date`` nor ``corrected_at`` is recent
                enough (a coordinator's correction or ``confirm`` counts as a confirmation)
merged_from     ``|``-separated ids of the duplicates merged into this row ("" if none)
=============== ======================================================================

**Duplicate rule.** Two records are the same reception point when they have the same network and

* they come from different sources and (tried in this order):

  0. are less than :data:`MERGE_DISTANCE_M` (300 m) apart;
  1. or lie in the same commune with matching names: the names stripped of the network's generic
     words ("Centre d'information et d'orientation", "Pôle emploi", articles…), one's words
     included in the other's ("CIO de Nantes - Nord" ~ "CIO de Nantes");
  2. or are, in both sources, the only point of that network in the commune (a service that moved
     within its town: Pôle emploi de Château-du-Loir → France Travail Montval-sur-Loir);

* or they come from the same source, are less than 300 m apart *and* have the same normalised name
  (DILA lists a few points twice, e.g. the CRIJ of Nantes, 2013 and 2014 records). Two different
  services of one source sharing a building (CIO Vendée Est and Vendée Ouest, Pôle emploi
  Saint-Herblain and its "Cadre Spectacle International" agency) stay apart.

Same-source pairs are merged first, then cross-source pairs by rule, then closest first (a name
match wins a tie of distance, then ids); a cross-source merge is refused when both groups already
hold a record of the same source, so a point of one source absorbs at most one point of another.
In a group, each field takes the first non-empty value in order of most recent ``source_date``
(then source: Éducation nationale, France Travail, DILA, OFA; then id); coordinates are taken as a
pair. The row keeps the id, ``source_id`` and ``source_date`` of that most recent record; the other
ids go to ``merged_from``.

**Publics.** :data:`PUBLICS` names the publics a network is *mandated to receive and accompany*
within the service public régional de l'orientation, not everybody it may welcome:
``jeunes_16_25`` are young people out of school (missions locales; information jeunesse informs
them too), ``eleves_etudiants`` pupils, students and their families (CIO, SUIO, information
jeunesse). :data:`REFERENCE_NETWORKS` names, for each public, the networks a person is referred to
first (the mission locale for young people out of school, France Travail for job seekers…). ``tout_public`` marks open-door
services that inform anyone without condition (CIO, information jeunesse, "autre");
:func:`orienter` adds them only when asked (``include_open=True``).

**Corrections** (:func:`load_corrections`, :func:`apply_corrections`): a ``;``-separated CSV kept by
the SPRO coordinators, see :func:`load_corrections`. Closed points are *removed* from the
directory (the corrections file keeps the trace); ``apply_corrections(..., keep_closed=True)``
keeps them with a ``closed`` column instead.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable

import pandas as pd

from sources.errors import SourceError

# --------------------------------------------------------------------------------------------------
# Reference lists
# --------------------------------------------------------------------------------------------------

NETWORKS: dict[str, str] = {
    "cio": "Centre d'information et d'orientation (CIO)",
    "mission_locale": "Mission locale",
    "france_travail": "France Travail (ex-Pôle emploi)",
    "cap_emploi": "Cap emploi",
    "information_jeunesse": "Information jeunesse (CRIJ, BIJ, PIJ)",
    "apec": "Apec (emploi des cadres ; Apecita pour l'agriculture)",
    "cidff": "Centre d'information sur les droits des femmes et des familles (CIDFF)",
    "cci": "Chambre de commerce et d'industrie (CCI)",
    "cma": "Chambre de métiers et de l'artisanat (CMA)",
    "chambre_agriculture": "Chambre d'agriculture",
    "greta": "Greta (formation continue des adultes, Éducation nationale)",
    "afpa": "Afpa (formation professionnelle des adultes)",
    "mdph": "Maison départementale des personnes handicapées (MDPH)",
    "suio": "Service universitaire d'information et d'orientation (SUIO)",
    "cep": "Conseil en évolution professionnelle (CEP, ex-Fongecif)",
    "cfa": "Centre de formation d'apprentis (CFA) / organisme de formation en apprentissage",
    "agefiph": "Agefiph (insertion professionnelle des personnes handicapées)",
    "france_services": "France services (accueil de proximité des services publics)",
    "autre": "Autre structure d'accueil",
}

# DILA "pivot" (type of local service) → network. Pivots of the current base that the 2016 file does
# not have (france_travail, cap_emploi, pij/bij) are listed for an online refresh. Unknown pivots
# become "autre".
DILA_PIVOTS: dict[str, str] = {
    "cio": "cio",
    "mission_locale": "mission_locale",
    "pole_emploi": "france_travail",
    "france_travail": "france_travail",
    "cap_emploi": "cap_emploi",
    "cij": "information_jeunesse",
    "pij": "information_jeunesse",
    "bij": "information_jeunesse",
    "apec": "apec",
    "apecita": "apec",
    "cidf": "cidff",
    "cidff": "cidff",
    "cci": "cci",
    "chambre_metier": "cma",
    "chambre_agriculture": "chambre_agriculture",
    "greta": "greta",
    "afpa": "afpa",
    "suio": "suio",
    "fongecif": "cep",
    "agefiph": "agefiph",
    "maison_handicapees": "mdph",
}

PUBLICS: dict[str, str] = {
    "jeunes_16_25": "Jeunes de 16 à 25 ans sortis du système scolaire",
    "eleves_etudiants": "Élèves, étudiants et leurs familles",
    "demandeurs_emploi": "Demandeurs d'emploi",
    "salaries": "Salariés et actifs en poste (évolution, reconversion, création)",
    "handicap": "Personnes en situation de handicap",
    "cadres": "Cadres et jeunes diplômés",
    "femmes": "Femmes (droits, emploi, création d'activité)",
    "tout_public": "Tout public, sans condition (accueil ouvert)",
    "apprentis": "Apprentis et candidats à l'apprentissage",
}

# network → publics (see the module docstring for what "publics" means)
NETWORK_PUBLICS: dict[str, tuple[str, ...]] = {
    "cio": ("eleves_etudiants", "tout_public"),
    "mission_locale": ("jeunes_16_25",),
    "france_travail": ("demandeurs_emploi",),
    "cap_emploi": ("handicap", "demandeurs_emploi", "salaries"),
    "information_jeunesse": ("jeunes_16_25", "eleves_etudiants", "tout_public"),
    "apec": ("cadres",),
    "cidff": ("femmes",),
    "cci": ("apprentis", "salaries"),
    "cma": ("apprentis", "salaries"),
    "chambre_agriculture": ("apprentis", "salaries"),
    "greta": ("salaries", "demandeurs_emploi"),
    "afpa": ("demandeurs_emploi", "salaries"),
    "mdph": ("handicap",),
    "suio": ("eleves_etudiants",),
    "cep": ("salaries",),
    "cfa": ("apprentis",),
    "agefiph": ("handicap",),
    "france_services": ("tout_public", "demandeurs_emploi"),
    "autre": ("tout_public",),
}

# public -> the networks a person of that public is referred to first (the SPRO member whose
# mission it is); the other networks serving the public come after (see :func:`orienter`)
REFERENCE_NETWORKS: dict[str, tuple[str, ...]] = {
    "jeunes_16_25": ("mission_locale",),
    "eleves_etudiants": ("cio",),
    "demandeurs_emploi": ("france_travail", "cap_emploi"),
    "salaries": ("cep",),
    "handicap": ("cap_emploi", "mdph"),
    "cadres": ("apec",),
    "femmes": ("cidff",),
    "tout_public": ("cio", "information_jeunesse"),
    "apprentis": ("cma", "cci", "chambre_agriculture"),
}

COLUMNS = [
    "id", "name", "network", "publics", "address", "postcode", "commune_code", "latitude",
    "longitude", "phone", "email", "website", "opening_hours", "source_id", "source_date",
    "corrected_at", "stale", "merged_from",
]
FIELDS = ["name", "address", "postcode", "commune_code", "phone", "email", "website", "opening_hours"]

DILA_SOURCE_ID = "dila_annuaire_2016"
AGENCIES_SOURCE_ID = "pe_agences_2019"  # = sources.france_travail.AGENCIES_ID
EDUCATION_SOURCE_ID = "annuaire_education"  # = sources.annuaire_education.DATASET_ID
OFA_SOURCE_ID = "ofa_referentiel"
CORRECTIONS_SOURCE_ID = "corrections_locales"
AGENCIES_DATE = "2019-11-13"
EDUCATION_DATE = "2025-10-13"

MERGE_DISTANCE_M = 300.0
STALE_YEARS = 3
# Pays de la Loire bounding box (a little wider than the communes' extent −2.56…0.92, 46.27…48.57)
BBOX = {"lon": (-2.7, 1.0), "lat": (46.2, 48.6)}
REGION_DEPARTEMENTS = ("44", "49", "53", "72", "85")
# source priority when two records have the same date (lower first)
_SOURCE_RANK = {"uai": 0, "ft": 1, "dila": 2, "ofa": 3, "local": 4}


def publics_of(network: str) -> str:
    return "|".join(NETWORK_PUBLICS.get(network, NETWORK_PUBLICS["autre"]))


# --------------------------------------------------------------------------------------------------
# Names, distances, communes
# --------------------------------------------------------------------------------------------------

_ARTICLES = {"de", "du", "des", "la", "le", "les", "d", "l", "et", "en", "a", "au", "aux", "sur", "sous"}
_GENERIC_PHRASES = [
    "centre d information et d orientation", "centre d information et orientation",
    "pole emploi", "france travail", "mission locale", "missions locales",
    "point information jeunesse", "bureau information jeunesse", "centre information jeunesse",
    "centre regional information jeunesse", "information jeunesse",
    "service universitaire d information et d orientation",
]
_GENERIC_WORDS = {"cio", "ape", "ale", "agence", "cedex", "pij", "bij", "crij"}


def normalise(text: str | None) -> str:
    """Lower case, no accents, words only; ``st``/``ste`` → ``saint``/``sainte``."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    s = str(text).replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    words = re.findall(r"[a-z0-9]+", s)
    words = ["saint" if w == "st" else "sainte" if w == "ste" else w for w in words]
    return " ".join(words)


def name_tokens(name: str | None) -> frozenset[str]:
    """Distinctive words of a point's name: generic network phrases and articles removed."""
    s = f" {normalise(name)} "
    for phrase in _GENERIC_PHRASES:
        s = s.replace(f" {phrase} ", " ")
    return frozenset(w for w in s.split() if w not in _ARTICLES and w not in _GENERIC_WORDS)


def _haversine_many(lat0: float, lon0: float, lat, lon):
    """:func:`haversine_km` from one point to arrays of points (NaN where a coordinate is NaN)."""
    import numpy as np

    p1, p2 = math.radians(lat0), np.radians(lat)
    dp, dl = p2 - p1, np.radians(lon - lon0)
    h = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT or (
        isinstance(v, str) and not v.strip()
    )


def _split(v) -> list[str]:
    return [x for x in str(v).split("|") if x.strip()] if not _missing(v) else []


def commune_reference(cog: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(communes, history)`` from a COG commune table: :func:`sources.cog.parse_communes` output
    (``code, name, type, parent_code, former_codes, postcodes``) or the flat CSV
    ``communes_r52_cog2026.csv`` (``code, nom, type, chef_lieu, anciens_codes, codes_postaux``)."""
    ren = {"nom": "name", "chef_lieu": "parent_code", "anciens_codes": "former_codes",
           "codes_postaux": "postcodes"}
    df = cog.rename(columns={k: v for k, v in ren.items() if k in cog.columns}).copy()
    for c in ("parent_code", "former_codes", "postcodes", "name"):
        if c not in df.columns:
            df[c] = ""
    df = df.astype({"code": str}).fillna("")
    df["parent_code"] = df["parent_code"].astype(str).str.replace(r"\.0$", "", regex=True)
    current = df[df["type"] == "commune-actuelle"]
    communes = pd.DataFrame(
        {
            "commune_code": current["code"].values,
            "name": current["name"].values,
            "postcodes": current["postcodes"].astype(str).values,
            "former_codes": current["former_codes"].astype(str).values,
        }
    )
    rows = []
    for r in df[df["type"] != "commune-actuelle"].itertuples():
        if r.parent_code:
            rows.append((r.code, r.parent_code, r.name))
    for r in current.itertuples():
        for old in _split(r.former_codes):
            rows.append((old, r.code, None))
    history = pd.DataFrame(rows, columns=["old_code", "new_code", "old_name"])
    return communes, history


class CommuneIndex:
    """Maps former codes and place names to COG 2026 commune codes."""

    def __init__(self, communes: pd.DataFrame, history: pd.DataFrame | None = None):
        if "commune_code" not in communes.columns:
            raise ValueError("communes needs a commune_code column (COG 2026)")
        self.current = set(communes["commune_code"].astype(str))
        self.forward: dict[str, str] = {}
        self.names: dict[str, set[str]] = {}
        self.postcodes: dict[str, set[str]] = {}
        self.current_names: dict[str, str] = {}
        for r in communes.to_dict("records"):
            code = str(r["commune_code"])
            for old in _split(r.get("former_codes")):
                if old != code:
                    self.forward.setdefault(old, code)
            if not _missing(r.get("name")):
                key = normalise(r["name"])
                self.names.setdefault(key, set()).add(code)
                self.current_names[code] = key
            for pc in _split(r.get("postcodes")):
                self.postcodes.setdefault(pc, set()).add(code)
        if history is not None:
            for r in history.to_dict("records"):
                old, new = str(r["old_code"]), str(r["new_code"])
                if old != new and old not in self.current:
                    self.forward[old] = new
                if not _missing(r.get("old_name")):
                    self.names.setdefault(normalise(r["old_name"]), set()).add(new)

    def code(self, code) -> str | None:
        """COG 2026 code of a (possibly former) commune code, else None."""
        if _missing(code):
            return None
        c = str(code)
        for _ in range(10):
            if c in self.current:
                return c
            if c not in self.forward:
                return None
            c = self.forward[c]
        return None

    def place(self, name, postcode=None) -> str | None:
        """COG 2026 code of a commune given by name (any case/accents, ``ST`` for Saint) and postcode."""
        key = normalise(name)
        key = re.sub(r"\s*\bcedex\b.*$", "", key).strip()
        pc = "" if _missing(postcode) else str(postcode).strip()
        dep = pc[:2] if len(pc) == 5 else ""

        def in_dep(codes):
            resolved = {self.code(c) for c in codes} - {None}
            return {c for c in resolved if not dep or c.startswith(dep)}

        if key:
            cands = in_dep(self.names.get(key, set()))
            if len(cands) == 1:
                return cands.pop()
            if len(cands) > 1 and pc:
                narrowed = cands & self.postcodes.get(pc, set())
                if len(narrowed) == 1:
                    return narrowed.pop()
        if pc:
            cands = in_dep(self.postcodes.get(pc, set()))
            if len(cands) == 1:
                return cands.pop()
            if len(cands) > 1 and key:
                narrowed = {c for c in cands if self.current_names.get(c, "").startswith(key)}
                if len(narrowed) == 1:
                    return narrowed.pop()
        if key:
            cands = in_dep(c for n, codes in self.names.items() if n.startswith(key + " ") for c in codes)
            if len(cands) == 1:
                return cands.pop()
        return None


# --------------------------------------------------------------------------------------------------
# Building the directory
# --------------------------------------------------------------------------------------------------


def _today(today) -> date:
    if today is None:
        return date.today()
    return today if isinstance(today, date) else date.fromisoformat(str(today))


def _is_stale(source_date, today: date, corrected_at=None) -> bool:
    """True when neither the source date nor the last local correction is within
    :data:`STALE_YEARS` years of ``today``."""
    dates = [str(d)[:10] for d in (source_date, corrected_at) if not _missing(d)]
    if not dates:
        return True
    d = date.fromisoformat(max(dates))
    try:
        limit = today.replace(year=today.year - STALE_YEARS)
    except ValueError:  # 29 February
        limit = today.replace(year=today.year - STALE_YEARS, day=28)
    return d < limit


def _frame(rows: list[dict]) -> pd.DataFrame:
    cols = ["id", "network", "latitude", "longitude", "source_id", "source_date", *FIELDS]
    return pd.DataFrame(rows, columns=cols, dtype=object)


def _none(v):
    return None if _missing(v) else v


def _float(v):
    if _missing(v):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


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


FRANCE_SERVICES_SOURCE_ID = "france_services_2024"  # = sources.france_services.DATASET_ID
FRANCE_SERVICES_DATE = "2024-08-01"


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


class _Groups:
    """Union-find over record indices, remembering the sources each group holds."""

    def __init__(self, sources: list[str]):
        self.parent = list(range(len(sources)))
        self.sources = [{s} for s in sources]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int, *, disjoint_sources: bool) -> bool:
        a, b = self.find(i), self.find(j)
        if a == b:
            return False
        if disjoint_sources and self.sources[a] & self.sources[b]:
            return False
        self.parent[b] = a
        self.sources[a] |= self.sources[b]
        return True


def _candidate_pairs(rec: pd.DataFrame) -> tuple[list, list]:
    """(same-source pairs, cross-source pairs), in the order they are tried.

    Each pair is ``(tier, distance_m, names_differ, id_i, id_j, i, j)``; cross-source tiers: 0 =
    closer than 300 m, 1 = same commune and matching names, 2 = only point of the network in the
    commune in both sources.
    """
    same, cross = [], []
    alone = rec.groupby(["_source", "network", "commune_code"])["id"].transform("size").eq(1)
    rec = rec.assign(_alone=alone & rec["commune_code"].notna())
    for _, g in rec.groupby("network", sort=True):
        items = [
            (i, id_, src, _float(lat), _float(lon), com, tok, key, al)
            for i, id_, src, lat, lon, com, tok, key, al in g[
                ["_i", "id", "_source", "latitude", "longitude", "commune_code", "_tokens", "_key", "_alone"]
            ].itertuples(index=False, name=None)
        ]
        for a in range(len(items)):
            i, id_i, src_i, lat_i, lon_i, com_i, tok_i, key_i, alone_i = items[a]
            for b in range(a + 1, len(items)):
                j, id_j, src_j, lat_j, lon_j, com_j, tok_j, key_j, alone_j = items[b]
                d = math.inf
                if lat_i is not None and lon_i is not None and lat_j is not None and lon_j is not None:
                    d = haversine_km(lat_i, lon_i, lat_j, lon_j) * 1000
                ids = (min(id_i, id_j), max(id_i, id_j), i, j)
                same_commune = com_i is not None and com_i == com_j
                if src_i == src_j:
                    if d < MERGE_DISTANCE_M and key_i and key_i == key_j:
                        same.append((0, d, False, *ids))
                    continue
                names = bool(same_commune and tok_i and tok_j and (tok_i <= tok_j or tok_j <= tok_i))
                if d < MERGE_DISTANCE_M:
                    cross.append((0, d, not names, *ids))
                elif names:
                    cross.append((1, d, False, *ids))
                elif same_commune and alone_i and alone_j:
                    cross.append((2, d, True, *ids))
    return sorted(same), sorted(cross)


_TIERS = {0: "by_distance", 1: "by_name", 2: "alone_in_commune"}


def merge_duplicates(records: pd.DataFrame, today) -> tuple[pd.DataFrame, dict]:
    """Apply the duplicate rule (module docstring) to normalised records; returns the merged rows
    and counts of merges: ``same_source``; cross-source by rule (``by_distance``, ``by_name``,
    ``alone_in_commune``) and by pair of sources (``dila+ft``, ``dila+uai``…)."""
    rec = records.reset_index(drop=True).copy()
    rec["_i"] = range(len(rec))
    rec["_source"] = rec["id"].str.split(":", n=1).str[0]
    rec["_tokens"] = [name_tokens(n) for n in rec["name"]]
    rec["_key"] = [normalise(n) for n in rec["name"]]
    rec["commune_code"] = rec["commune_code"].astype(object).where(rec["commune_code"].notna(), None)
    groups = _Groups(list(rec["_source"]))
    same, cross = _candidate_pairs(rec)
    stats: dict[str, int] = {}
    for *_, i, j in same:
        if groups.union(i, j, disjoint_sources=False):
            stats["same_source"] = stats.get("same_source", 0) + 1
    for tier, *_, i, j in cross:
        if groups.union(i, j, disjoint_sources=True):
            stats[_TIERS[tier]] = stats.get(_TIERS[tier], 0) + 1
            k = "+".join(sorted({rec.at[i, "_source"], rec.at[j, "_source"]}))
            stats[k] = stats.get(k, 0) + 1
    rec["_group"] = [groups.find(i) for i in rec["_i"]]
    rec["_rank"] = rec["_source"].map(_SOURCE_RANK).fillna(9)
    rec["_date"] = rec["source_date"].fillna("0000-00-00")
    rec = rec.sort_values(["_date", "_rank", "id"], ascending=[False, True, True], kind="mergesort")
    today = _today(today)
    grouped: dict[int, list[dict]] = {}
    for r in rec.to_dict("records"):
        grouped.setdefault(r["_group"], []).append(r)
    out = []
    for members in grouped.values():
        first = members[0]
        row = {"id": first["id"], "network": first["network"]}
        for f in FIELDS:
            row[f] = next((m[f] for m in members if not _missing(m[f])), None)
        coords = next(
            ((m["latitude"], m["longitude"]) for m in members
             if _float(m["latitude"]) is not None and _float(m["longitude"]) is not None),
            (None, None),
        )
        row["latitude"], row["longitude"] = coords
        row["source_id"] = first["source_id"]
        row["source_date"] = first["source_date"]
        row["merged_from"] = "|".join(sorted(m["id"] for m in members[1:]))
        out.append(row)
    merged = pd.DataFrame(out)
    merged["publics"] = merged["network"].map(publics_of)
    merged["corrected_at"] = None
    merged["stale"] = [_is_stale(d, today) for d in merged["source_date"]]
    merged = merged.sort_values("id", kind="mergesort").reset_index(drop=True)
    merged["latitude"] = merged["latitude"].astype("float64")
    merged["longitude"] = merged["longitude"].astype("float64")
    merged["stale"] = merged["stale"].astype(bool)
    return merged[COLUMNS], stats


def build_directory(
    dila: pd.DataFrame,
    agencies: pd.DataFrame,
    cio: pd.DataFrame,
    ofa: pd.DataFrame | None,
    communes: pd.DataFrame,
    history: pd.DataFrame | None = None,
    *,
    today: date | str | None = None,
    agencies_source_id: str = AGENCIES_SOURCE_ID,
    education_source_id: str = EDUCATION_SOURCE_ID,
    stats: dict | None = None,
    locate=None,
    france_services: pd.DataFrame | None = None,
    france_services_source_id: str = FRANCE_SERVICES_SOURCE_ID,
) -> pd.DataFrame:
    """The normalised directory (columns :data:`COLUMNS`, sorted by id); see the module docstring.

    ``stats``, if given, is filled with the number of merges by kind, of input records, and the ids
    of the records left out as another region's (``foreign_records``). ``locate(lat, lon, codes)``
    (optional): the code among ``codes`` whose commune is nearest to the point, used when a DILA
    record's address and commune code disagree (see :func:`_from_dila`).
    """
    idx = CommuneIndex(communes, history)
    foreign: list[str] = []
    parts = [_from_dila(dila, idx, locate, foreign), _from_agencies(agencies, idx, agencies_source_id),
             _from_cio(cio, idx, education_source_id)]
    if ofa is not None and len(ofa):
        parts.append(_from_ofa(ofa, idx))
    if france_services is not None and len(france_services):
        parts.append(_from_france_services(france_services, idx, france_services_source_id))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    records = pd.concat(parts, ignore_index=True)
    # a website from a source is a link only when it is http(s) (never javascript:, data:, …)
    from .safety import safe_url

    bad_url = records["website"].notna() & records["website"].map(safe_url).isna()
    records.loc[bad_url, "website"] = None
    dup = records["id"].duplicated()
    if dup.any():
        raise ValueError(f"duplicate source key {records.loc[dup, 'id'].iloc[0]!r}")
    merged, counts = merge_duplicates(records, today)
    if stats is not None:
        stats.clear()
        stats.update(counts)
        stats["records"] = len(records)
        stats["rows"] = len(merged)
        stats["unmapped_communes"] = sorted(records.loc[records["commune_code"].isna(), "id"])
        stats["foreign_records"] = sorted(foreign)
    return merged


# --------------------------------------------------------------------------------------------------
# Local corrections
# --------------------------------------------------------------------------------------------------

CORRECTION_COLUMNS = ["action", "id", "field", "value", "author", "date"]
ACTIONS = ("add", "update", "close", "confirm")
# fields a correction may set (id, source_*, stale, merged_from, corrected_at are computed)
CORRECTABLE = ("name", "network", "publics", "address", "postcode", "commune_code", "latitude",
               "longitude", "phone", "email", "website", "opening_hours")
REQUIRED_FOR_ADD = ("name", "network", "commune_code")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^(?:0[1-9](?:[ .]?\d{2}){4}|\+33 ?[1-9](?:[ .]?\d{2}){4})$")
_POSTCODE = re.compile(r"^\d{5}$")
_LOCAL_ID = re.compile(r"^local:[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"ligne {self.line}, champ {self.field!r} : {self.message}"


class CorrectionsError(SourceError):
    """Every problem of a corrections file, each with its line and field."""

    def __init__(self, path, problems: list[Problem]):
        self.path = str(path)
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{self.path} : {len(problems)} problème(s) dans le fichier de corrections :\n{lines}")


def _known_communes(communes) -> set[str]:
    if isinstance(communes, pd.DataFrame):
        return set(communes["commune_code"].astype(str))
    return {str(c) for c in communes}


def _check_value(field: str, value: str, communes: set[str]) -> str | None:
    """Error message for a bad value of ``field``, or None."""
    v = value.strip()
    if field in ("name",) and not v:
        return "nom vide"
    if field == "network" and v not in NETWORKS:
        return f"réseau inconnu {v!r} (réseaux connus : {', '.join(NETWORKS)})"
    if field == "publics":
        bad = [p for p in v.split("|") if p not in PUBLICS]
        if bad or not v:
            return f"public(s) inconnu(s) {', '.join(bad) or repr(v)} (publics connus : {', '.join(PUBLICS)})"
    if field == "commune_code" and v not in communes:
        return f"code commune inconnu {v!r} (code INSEE 2026 d'une commune de la région attendu)"
    if field == "postcode" and v and not _POSTCODE.fullmatch(v):
        return f"code postal mal formé {v!r} (5 chiffres attendus)"
    if field in ("latitude", "longitude"):
        try:
            f = float(v.replace(",", "."))
        except ValueError:
            return f"{field} n'est pas un nombre : {v!r}"
        lo, hi = BBOX["lat" if field == "latitude" else "lon"]
        if not (lo <= f <= hi) or math.isnan(f):
            return f"{field} {v} hors du rectangle de la région ({lo} … {hi})"
    if field == "email" and v and not _EMAIL.fullmatch(v):
        return f"adresse électronique mal formée {v!r}"
    if field == "website" and v:
        from .safety import url_problem

        return url_problem(v)
    if field == "phone" and v and not _PHONE.fullmatch(v):
        return f"téléphone mal formé {v!r} (10 chiffres commençant par 0, ou +33 ; espaces ou points permis)"
    return None


def load_corrections(path: Path | str, known_ids: Iterable[str], communes) -> pd.DataFrame:
    """Read and validate a corrections file; raise :class:`CorrectionsError` listing every problem.

    Format: ``;``-separated, UTF-8 (with or without BOM), header
    ``action;id;field;value;author;date``:

    * ``update``: set ``field`` (one of :data:`CORRECTABLE`) of point ``id`` to ``value``;
    * ``close``: remove point ``id`` (``field`` and ``value`` empty);
    * ``confirm``: the point was checked on ``date`` and is unchanged (``field`` and ``value``
      empty): it sets ``corrected_at``, so the point is no longer ``stale``;
    * ``add``: a new point, one row per field, all rows with the same new id ``local:<name>``;
      ``name``, ``network`` and ``commune_code`` are required, ``latitude`` and ``longitude`` go
      together; ``publics`` defaults to the network's.

    ``known_ids``: ids of the directory (a merged point may also be named by an id of its
    ``merged_from``). ``communes``: the COG 2026 codes (DataFrame with ``commune_code`` or iterable).
    ``date`` is an ISO date (``YYYY-MM-DD``), ``author`` is required. Returns the rows
    (``action, id, field, value, author, date, _line``) in the order they apply (date, then line).
    """
    path = Path(path)
    known = set(known_ids)
    codes = _known_communes(communes)
    problems: list[Problem] = []
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorrectionsError(path, [Problem(raw[: exc.start].count(b"\n") + 1, "-", "texte non UTF-8 (enregistrer en « CSV UTF-8 »)")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in CORRECTION_COLUMNS if c not in header]
    if missing:
        raise CorrectionsError(path, [Problem(1, c, "colonne absente (séparateur « ; » attendu)") for c in missing])
    rows = []
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            problems.append(Problem(line, "-", f"{len(header)} champs attendus, {len(row)} trouvés"))
            continue
        r = {h: c.strip() for h, c in zip(header, row)}
        r["_line"] = line
        rows.append(r)

    added: dict[str, list[dict]] = {}
    new_ids = {r["id"] for r in rows if r["action"].lower() == "add"}
    for r in rows:
        line, action, pid, field, value = r["_line"], r["action"].lower(), r["id"], r["field"], r["value"]
        r["action"] = action
        if action not in ACTIONS:
            problems.append(Problem(line, "action", f"action inconnue {r['action']!r} (add, update, close ou confirm)"))
        try:
            r["date"] = date.fromisoformat(r["date"]).isoformat()
        except ValueError:
            problems.append(Problem(line, "date", f"date invalide {r['date']!r} (AAAA-MM-JJ attendu)"))
        if not r["author"]:
            problems.append(Problem(line, "author", "auteur absent"))
        if action in ("update", "close", "confirm") and pid not in known and pid not in new_ids:
            problems.append(Problem(line, "id", f"identifiant inconnu {pid!r}"))
        if action in ("close", "confirm"):
            if field or value:
                problems.append(Problem(line, "field", f"une ligne {action} ne prend ni champ ni valeur"))
            continue
        if action == "add":
            if not _LOCAL_ID.fullmatch(pid):
                problems.append(Problem(line, "id", f"un nouveau lieu prend un identifiant commençant par « local: », pas {pid!r}"))
            elif pid in known:
                problems.append(Problem(line, "id", f"l'identifiant {pid!r} existe déjà"))
            added.setdefault(pid, []).append(r)
        if action in ("add", "update"):
            if field not in CORRECTABLE:
                problems.append(Problem(line, "field", f"champ inconnu {field!r} (champs permis : {', '.join(CORRECTABLE)})"))
                continue
            msg = _check_value(field, value, codes)
            if msg:
                problems.append(Problem(line, field, msg))
    for pid, group in added.items():
        fields = [g["field"] for g in group]
        first = group[0]["_line"]
        for f in REQUIRED_FOR_ADD:
            if f not in fields:
                problems.append(Problem(first, f, f"il manque au nouveau lieu {pid!r} une ligne {f}"))
        if ("latitude" in fields) != ("longitude" in fields):
            problems.append(Problem(first, "latitude" if "latitude" not in fields else "longitude",
                                    f"nouveau lieu {pid!r} : latitude et longitude vont ensemble"))
        for f in set(fields):
            if fields.count(f) > 1:
                dup_line = [g["_line"] for g in group if g["field"] == f][1]
                problems.append(Problem(dup_line, f, f"champ donné deux fois pour le nouveau lieu {pid!r}"))
    if problems:
        problems.sort(key=lambda p: (p.line, p.field))
        raise CorrectionsError(path, problems)
    df = pd.DataFrame(rows, columns=[*CORRECTION_COLUMNS, "_line"])
    return df.sort_values(["date", "_line"], kind="mergesort").reset_index(drop=True)


def known_ids(directory: pd.DataFrame) -> set[str]:
    """Ids a correction may name: the directory's ids and those merged into them."""
    ids = set(directory["id"])
    for m in directory["merged_from"].fillna(""):
        ids.update(_split(m))
    return ids


def apply_corrections(
    directory: pd.DataFrame,
    corrections: pd.DataFrame,
    *,
    today: date | str | None = None,
    keep_closed: bool = False,
) -> pd.DataFrame:
    """The directory with ``corrections`` (from :func:`load_corrections`) applied in order.

    ``update`` sets the field and ``corrected_at`` (a network change also resets ``publics`` to the
    network's; a later ``publics`` row overrides it; a commune change clears the coordinates unless the file
    gives the point's ``latitude``/``longitude``); ``confirm`` sets ``corrected_at`` only;
    ``add`` creates a point (``source_id`` = ``corrections_locales``, ``source_date`` =
    ``corrected_at`` = the date of its last row); ``close`` removes the point, or with
    ``keep_closed=True`` keeps it with ``closed = True`` (column added). ``stale`` is recomputed
    from ``source_date`` and ``corrected_at`` (a correction confirms the record). Ids in
    ``merged_from`` resolve to the row they were merged into.
    """
    today_d = _today(today)
    df = directory.copy().reset_index(drop=True)
    df["corrected_at"] = df["corrected_at"].astype(object)
    df["_closed"] = False
    alias = {}
    for i, m in zip(df.index, df["merged_from"].fillna("")):
        for old in _split(m):
            alias[old] = df.at[i, "id"]
    new_rows: dict[str, dict] = {}
    located = {c["id"] for c in corrections.to_dict("records") if c["field"] in ("latitude", "longitude")}
    for c in corrections.to_dict("records"):
        action, pid, field, value, when = c["action"], c["id"], c["field"], c["value"], c["date"]
        if action == "add":
            row = new_rows.setdefault(pid, {**{col: None for col in COLUMNS}, "_closed": False})
            row["id"] = pid
            row[field] = _typed(field, value)
            row["corrected_at"] = max(filter(None, [row["corrected_at"], when]))
            continue
        if pid in new_rows:
            row = new_rows[pid]
            if action == "close":
                row["_closed"] = True
            elif action == "update":
                row[field] = _typed(field, value)
                if field == "network":
                    row["publics"] = publics_of(value)
            row["corrected_at"] = max(row["corrected_at"], when)
            continue
        target = pid if pid in set(df["id"]) else alias.get(pid)
        if target is None:
            raise CorrectionsError("corrections", [Problem(int(c.get("_line", 0)), "id", f"identifiant inconnu {pid!r}")])
        i = df.index[df["id"] == target][0]
        if action == "close":
            df.at[i, "_closed"] = True
        elif action == "update":
            if field == "commune_code" and value != df.at[i, "commune_code"] and pid not in located:
                # moved to another commune: its old position would mislead the distances; it is
                # placed at the new commune's centre (approximate) unless the file gives coordinates
                df.at[i, "latitude"] = df.at[i, "longitude"] = None
            df.at[i, field] = _typed(field, value)
            if field == "network":
                df.at[i, "publics"] = publics_of(value)
        prev = df.at[i, "corrected_at"]
        df.at[i, "corrected_at"] = when if _missing(prev) or when > prev else prev
    if new_rows:
        added = []
        for row in new_rows.values():
            if _missing(row.get("publics")):
                row["publics"] = publics_of(row["network"])
            row["source_id"] = CORRECTIONS_SOURCE_ID
            row["source_date"] = row["corrected_at"]
            row["stale"] = _is_stale(row["source_date"], today_d)
            row["merged_from"] = ""
            row["_closed"] = bool(row.get("_closed", False))
            added.append(row)
        df = pd.concat([df.astype(object), pd.DataFrame(added, dtype=object)], ignore_index=True)
    if keep_closed:
        df = df.rename(columns={"_closed": "closed"})
        cols = [*COLUMNS, "closed"]
    else:
        df = df[~df["_closed"].astype(bool)]
        cols = COLUMNS
    df["latitude"] = pd.to_numeric(df["latitude"], errors="coerce").astype("float64")
    df["longitude"] = pd.to_numeric(df["longitude"], errors="coerce").astype("float64")
    df["stale"] = [_is_stale(s, today_d, c) for s, c in zip(df["source_date"], df["corrected_at"])]
    df["stale"] = df["stale"].astype(bool)
    return df[cols].sort_values("id", kind="mergesort").reset_index(drop=True)


def _typed(field: str, value: str):
    if field in ("latitude", "longitude"):
        return float(value.replace(",", "."))
    return value if value != "" else None


# --------------------------------------------------------------------------------------------------
# Referral and exports
# --------------------------------------------------------------------------------------------------


def orienter(
    directory: pd.DataFrame,
    commune_code: str,
    public: str,
    communes_with_coords: pd.DataFrame,
    limit: int = 10,
    *,
    include_open: bool = False,
    networks: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Reception points serving ``public``, nearest first from the commune's reference point.

    ``communes_with_coords``: ``commune_code, latitude, longitude`` (centroid or chef-lieu).
    Distance is the great-circle (haversine) distance in km, in column ``distance_km``. A point
    without coordinates is placed at its commune's reference point (``distance_approx`` True); a
    point with neither is left out. ``include_open`` adds the open-door points (``tout_public``);
    ``networks`` keeps only the points of these networks (e.g. ``REFERENCE_NETWORKS[public]``).
    Ties: exact positions before approximate ones, then by id, so the order is stable.
    """
    if public not in PUBLICS:
        raise ValueError(f"unknown public {public!r} (known: {', '.join(PUBLICS)})")
    if networks is not None:
        directory = directory[directory["network"].isin(list(networks))]
    ref = communes_with_coords.assign(commune_code=communes_with_coords["commune_code"].astype(str))
    ref = ref.drop_duplicates("commune_code").set_index("commune_code")
    code = str(commune_code)
    if code not in ref.index:
        raise ValueError(f"no coordinates for commune {code!r}")
    lat0, lon0 = float(ref.at[code, "latitude"]), float(ref.at[code, "longitude"])
    wanted = {public, "tout_public"} if include_open else {public}
    serves = directory["publics"].fillna("").map(lambda p: not wanted.isdisjoint(p.split("|")))
    df = directory[serves].copy()
    lat, lon = df["latitude"].astype("float64"), df["longitude"].astype("float64")
    approx = lat.isna() | lon.isna()
    codes = df["commune_code"].astype(object).where(df["commune_code"].notna(), "")
    lat = lat.where(~approx, codes.map(ref["latitude"]).astype("float64"))
    lon = lon.where(~approx, codes.map(ref["longitude"]).astype("float64"))
    df["distance_km"] = _haversine_many(lat0, lon0, lat.to_numpy(), lon.to_numpy()).round(3)
    df["distance_approx"] = approx.values
    df = df[df["distance_km"].notna()]
    df["distance_km"] = df["distance_km"].astype("float64")
    return df.sort_values(["distance_km", "distance_approx", "id"], kind="mergesort").head(limit).reset_index(drop=True)


def _jsonable(v):
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v


def to_geojson(df: pd.DataFrame) -> dict:
    """GeoJSON FeatureCollection: one Point feature per row (``geometry`` null when the row has no
    coordinates); properties = every column but ``latitude``/``longitude``."""
    props = [c for c in df.columns if c not in ("latitude", "longitude")]
    features = []
    for r in df.to_dict("records"):
        lat, lon = _float(r.get("latitude")), _float(r.get("longitude"))
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        features.append(
            {"type": "Feature", "geometry": geometry, "properties": {c: _jsonable(r[c]) for c in props}}
        )
    fc = {"type": "FeatureCollection", "features": features}
    json.dumps(fc)  # fail here, not in the caller, if a value is not serialisable
    return fc


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """``;``-separated UTF-8 CSV with BOM (opens correctly in French spreadsheet software), no cell
    a formula (:func:`portraits.safety.spreadsheet_csv`)."""
    from .safety import spreadsheet_csv

    rows = ([None if _missing(v) else v for v in r] for r in df.itertuples(index=False, name=None))
    return spreadsheet_csv([str(c) for c in df.columns], rows)
