"""DILA "Annuaire de l'administration – Base de données locales": guidance and employment reception
points (CIO, missions locales, Pôle emploi / France Travail, information jeunesse, Apec, CIDFF,
chambres, Greta, Afpa…).

Two layouts are read, recognised from the records themselves (never from a setting); both give the
same table:

* **mirror**: the 2016 snapshot converted to JSON Lines by Etalab (one flat object per line, with the
  DILA ``type`` = "pivot", ``writeAddress``, ``update`` and an extra ``geo`` object from the BAN
  geocoder), cut to the region and to the guidance/employment pivots.
* **official**: the current "API Annuaire" export (Opendatasoft ``api-lannuaire-administration``,
  the record's URL: a JSON array; JSON Lines are read too). Its nested fields are JSON held in
  strings (read as well when already decoded): ``pivot`` (``[{"type_service_local": "cio",
  "code_insee_commune": ["44109"]}]``), ``adresse`` (``[{"type_adresse": "Adresse", "complement1",
  "complement2", "numero_voie", "service_distribution", "code_postal", "nom_commune", "latitude",
  "longitude", …}]``), ``telephone`` and ``site_internet`` (``[{"valeur": …}]``), ``plage_ouverture``;
  plain ``id`` (a UUID), ``ancien_code_pivot`` (the former DILA id, e.g. ``cio-44109-01``), ``nom``,
  ``code_insee_commune``, ``adresse_courriel``, ``date_modification`` (``DD/MM/YYYY HH:MM:SS``).
  Field names and encodings as documented by the publisher's API and used by several public
  reusers; no real export could be checked offline. A record whose first object has ``pivot`` and
  no ``type`` is in this layout.

The official export is **cut while reading** to the mirror's scope: records with one of the
:data:`PIVOTS` among their ``pivot`` types (the mirror's 16, plus ``france_travail``, Pôle emploi's
pivot since its renaming, and candidate names ``cap_emploi``, ``pij``, ``bij``, ``cidff``, which
:data:`portraits.directory.DILA_PIVOTS` maps to the same networks) and a commune code of
départements 44, 49, 53, 72, 85. ``df.attrs``: ``layout`` (``"official"`` or ``"mirror"``),
``records_outside_scope`` (records dropped by that cut; 0 for the mirror, which is already cut).

``parse(path)`` → one row per reception point:

============== ========================================================================
dila_id        DILA id ``<pivot>-<INSEE commune>-<nn>`` (e.g. ``cio-44109-01``), unique; official:
               ``ancien_code_pivot`` (same form, so ids and local corrections carry over), the
               record's ``id`` when it has none
type           DILA pivot (``cio``, ``mission_locale``, ``pole_emploi``, ``cij``…); official: the
               first of the record's ``pivot`` types that is in :data:`PIVOTS`
               (``france_travail`` today for Pôle emploi)
name           ``nom``
commune_code   ``codeinsee`` (geography of the record's vintage, not COG 2026); official:
               ``code_insee_commune`` (else the pivot's first commune)
address        street lines of ``writeAddress.streetAddress`` joined with ``", "``; official: the
               ``Adresse`` entry (else the first) of ``adresse``: ``complement1``, ``complement2``,
               ``numero_voie``, ``service_distribution``, non-empty ones joined with ``", "``
postcode       ``writeAddress.postalCode`` (may be a CEDEX code); official ``code_postal``
city           ``writeAddress.addressLocality``; official ``nom_commune``
latitude       DILA's own coordinates when present; else the BAN ``geo`` ones (DILA's are
longitude      preferred: a few BAN geocodings land in another département, e.g. Bordeaux);
               official: the address entry's ``latitude``/``longitude``
phone          ``contact_phone`` (as published: may be a short number such as 3949); official:
               first ``telephone`` value
email          ``contact_email``; official: first ``adresse_courriel``
website        first URL of ``website``; official: first ``site_internet`` value
opening_hours  mirror: there is no structured field in this vintage: ``commentaire`` when it speaks
               of opening hours ("horaire"), else None; official: ``plage_ouverture`` written out
               (``Lundi-Vendredi 09:00-12:00, 13:30-17:00; …``) then
               ``commentaire_plage_ouverture``, None when both are empty
updated        ISO date (``YYYY-MM-DD``) of the record's ``update`` field; official
               ``date_modification``
_line          line number in the file (JSON Lines), or record number (JSON array)
============== ========================================================================

Bad input (:class:`~sources.errors.SourceFormatError` naming the file, line or record, field and
value): an empty file, an HTML page, invalid JSON, a record missing a required field (the message
says which layout), a malformed commune code or date, a duplicate id, records of both layouts in one
file, no record in the scope.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlencode

import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import COMMUNE_CODE, read_text

DATASET_ID = "dila_annuaire_2016"
REGION_DEPARTEMENTS = ("44", "49", "53", "72", "85")
# fields the parser reads from the API export (``select=`` of the URL keeps the download small)
API_FIELDS = (
    "id", "ancien_code_pivot", "nom", "pivot", "code_insee_commune", "adresse", "telephone",
    "adresse_courriel", "site_internet", "plage_ouverture", "commentaire_plage_ouverture",
    "date_modification",
)
API_EXPORT_URL = (
    "https://api-lannuaire.service-public.gouv.fr/api/explore/v2.1/catalog/datasets/"
    "api-lannuaire-administration/exports/json?"
    + urlencode({
        "where": " or ".join(f'startswith(code_insee_commune,"{d}")' for d in REGION_DEPARTEMENTS),
        "select": ",".join(API_FIELDS),
    }, quote_via=quote)
)
# pivots kept from the official export: the mirror's 16, France Travail (Pôle emploi's pivot since its
# renaming) and candidate names of networks absent from the 2016 base (mapped by the directory)
PIVOTS = (
    "cio", "mission_locale", "pole_emploi", "france_travail", "cij", "pij", "bij", "apec", "apecita",
    "cidf", "cidff", "cci", "chambre_metier", "chambre_agriculture", "greta", "afpa", "suio",
    "fongecif", "agefiph", "maison_handicapees", "cap_emploi",
)

DATASETS = [
    Dataset(
        id=DATASET_ID,
        table="dila_annuaire_2016",
        parser="dila:parse",
        description='DILA local public services (guidance/employment types), 2014-2016 snapshot.',
        family="annuaire",
        title=(
            "Annuaire de l'administration – Base de données locales (Service-Public.fr) : points "
            "d'accueil orientation et emploi (instantané 2016)"
        ),
        publisher="DILA (Service-Public.fr) ; conversion JSON et géocodage BAN par Etalab (C. Quest)",
        url=API_EXPORT_URL,
        page="https://www.data.gouv.fr/fr/datasets/service-public-fr-annuaire-de-l-administration-base-de-donnees-locales/",
        licence=LO2 + " ; géocodage BAN (objet geo) sous ODbL 1.0",
        vintage="2014–2016 (champ update : 2009–2016, surtout 2014–2015)",
        mirror_path="dila_annuaire_local_2016/annuaire-services-publics-locaux-2016_pdl_orientation-emploi.jsonl",
        layout="derived",
        note=(
            "Mirror: the 2016 snapshot converted to flat JSON Lines by Etalab (GitHub "
            "cquest/annuaire-services-publics, commit f7713da8), kept for the 5 départements and 16 "
            "guidance/employment pivots. The official URL is the current API Annuaire export, filtered "
            "on the region's commune codes (where=startswith(code_insee_commune, …)) and on the fields "
            "read (select=); its records have another layout (pivot, adresse… as JSON strings), which "
            "the parser reads into the same flat table, keeping the mirror's pivots (france_travail for "
            "Pôle emploi today). Old data: show its date, fix it through the directory's local "
            "corrections."
        ),
    )
]

REQUIRED = ("id", "type", "nom", "codeinsee", "update", "writeAddress")
COLUMNS = [
    "dila_id", "type", "name", "commune_code", "address", "postcode", "city", "latitude",
    "longitude", "phone", "email", "website", "opening_hours", "updated", "_line",
]
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_HOURS = re.compile(r"horaire", re.IGNORECASE)


def _err(path, reason, line, column=None, value=None):
    return SourceFormatError(path, reason, line=line, column=column, value=value, dataset_id=DATASET_ID)


def _coord(value, path, line, column):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _err(path, "coordinate is not a number", line, column, value) from None


def _text(value) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def parse(path: Path) -> pd.DataFrame:
    path = Path(path)
    text = read_text(path, dataset_id=DATASET_ID)
    start = text.lstrip()
    if start.startswith("<"):
        raise _err(path, f"an HTML page, not JSON (starts with {start[:40]!r}): error page?", 1)
    rows = []
    seen: dict[str, int] = {}
    layout = None
    outside = 0
    for n, o in _records(path, text, start):
        if not isinstance(o, dict):
            raise _err(path, "expected one JSON object per record", n)
        kind = "official" if "pivot" in o and "type" not in o else "mirror"
        if layout is None:
            layout = kind
        elif kind != layout:
            raise _err(path, f"record in the {_LAYOUT_NAMES[kind]} after records in the "
                       f"{_LAYOUT_NAMES[layout]}", n, value=o.get("id"))
        row = _mirror_row(o, path, n) if kind == "mirror" else _official_row(o, path, n)
        if row is None:
            outside += 1
            continue
        dila_id = row["dila_id"]
        if dila_id in seen:
            raise _err(path, f"duplicate id (first on line {seen[dila_id]})", n,
                       "ancien_code_pivot" if layout == "official" else "id", dila_id)
        seen[dila_id] = n
        rows.append(row)
    if not rows:
        if outside:
            raise SourceFormatError(path, f"no record of the region's guidance/employment pivots among "
                                    f"{outside} records", dataset_id=DATASET_ID)
        raise SourceFormatError(path, "no record in the file", dataset_id=DATASET_ID)
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["latitude"] = df["latitude"].astype("float64")
    df["longitude"] = df["longitude"].astype("float64")
    df.attrs.update(layout=layout, records_outside_scope=outside)
    return df


_LAYOUT_NAMES = {
    "mirror": "2016 flat layout (type, writeAddress…)",
    "official": "API Annuaire layout (pivot…)",
}


def _records(path: Path, text: str, start: str):
    """``(line, object)`` for each record of a JSON array (the API export; also ``{"results": […]}``)
    or of JSON Lines; ``line`` is the physical line where the record starts."""
    if start.startswith("{") and '"results"' in start[:200]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None  # JSON Lines whose first record has a "results" key: read below
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            yield from ((1, o) for o in data["results"])
            return
    if start.startswith("["):
        yield from _array_records(path, text)
        return
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            yield n, json.loads(raw)
        except json.JSONDecodeError as exc:
            raise _err(path, f"invalid JSON: {exc.msg} (character {exc.colno})", n) from None


def _array_records(path: Path, text: str):
    decoder = json.JSONDecoder()
    ws = re.compile(r"\s*")
    pos = ws.match(text, 0).end() + 1  # after "["
    line, counted = 1, 0

    def line_at(i: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, i)
        counted = i
        return line

    pos = ws.match(text, pos).end()
    if text.startswith("]", pos):
        return
    while True:
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise _err(path, f"invalid JSON: {exc.msg} (character {exc.colno})", exc.lineno) from None
        yield line_at(pos), obj
        pos = ws.match(text, end).end()
        if text.startswith("]", pos):
            break
        if not text.startswith(",", pos):
            raise _err(path, "invalid JSON: expected ',' or ']' between records", line_at(pos))
        pos = ws.match(text, pos + 1).end()


def _iso_date(value, path, n, column, formats) -> str:
    text = str(value).strip()
    m = _DATE.match(text)
    if m:
        day = m.group(1)
    else:
        m = _FR_DATE.match(text) if "fr" in formats else None
        if not m:
            raise _err(path, "not a date" + (" (expected DD/MM/YYYY or YYYY-MM-DD)" if "fr" in formats else ""),
                       n, column, value)
        day = f"{m.group(3)}-{m.group(2)}-{m.group(1)}"
    try:
        return date.fromisoformat(day).isoformat()
    except ValueError:
        raise _err(path, f"{column} is not a valid date", n, column, value) from None


def _mirror_row(o: dict, path: Path, n: int) -> dict:
    """A record of the 2016 flat layout (all records of the mirror are in its scope)."""
    missing = [k for k in REQUIRED if k not in o or o[k] in (None, "")]
    if missing:
        raise _err(path, f"missing field(s) {', '.join(missing)}", n, value=o.get("id"))
    dila_id = str(o["id"])
    code = str(o["codeinsee"])
    if not COMMUNE_CODE.fullmatch(code):
        raise _err(path, "malformed commune code", n, "codeinsee", code)
    if not _DATE.match(str(o["update"])):
        raise _err(path, "update is not a date", n, "update", o["update"])
    updated = _iso_date(o["update"], path, n, "update", ())
    wa = o["writeAddress"]
    if not isinstance(wa, dict):
        raise _err(path, "writeAddress is not an object", n, "writeAddress")
    street = wa.get("streetAddress") or []
    if isinstance(street, str):
        street = [street]
    lat = _coord(o.get("latitude"), path, n, "latitude")
    lon = _coord(o.get("longitude"), path, n, "longitude")
    if lat is None or lon is None:
        geo = o.get("geo") or {}
        lat = _coord(geo.get("latitude"), path, n, "geo.latitude")
        lon = _coord(geo.get("longitude"), path, n, "geo.longitude")
    websites = o.get("website") or []
    if isinstance(websites, str):
        websites = [websites]
    comment = _text(o.get("commentaire"))
    return {
        "dila_id": dila_id,
        "type": str(o["type"]),
        "name": str(o["nom"]).strip(),
        "commune_code": code,
        "address": ", ".join(s.strip() for s in street if s and s.strip()) or None,
        "postcode": _text(wa.get("postalCode")),
        "city": _text(wa.get("addressLocality")),
        "latitude": lat,
        "longitude": lon,
        "phone": _text(o.get("contact_phone")),
        "email": _text(o.get("contact_email")),
        "website": _text(websites[0]) if websites else None,
        "opening_hours": comment if comment and _HOURS.search(comment) else None,
        "updated": updated,
        "_line": n,
    }


_FR_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})")
_API = "record in the API Annuaire layout"
_ADDRESS_LINES = ("complement1", "complement2", "numero_voie", "service_distribution")


def _decoded(value, path, n, column):
    """A nested field of the API export: JSON in a string (or already decoded) → list of items."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        if text[0] in "[{":
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise _err(path, f"{_API}: {column} is not valid JSON ({exc.msg})", n, column, text[:80]) from None
        else:
            return [text]
    return value if isinstance(value, list) else [value]


def _first_value(items) -> str | None:
    for item in items:
        v = item.get("valeur") if isinstance(item, dict) else item
        v = _text(v)
        if v:
            return v
    return None


def _hours(slots, comment) -> str | None:
    parts = []
    for slot in slots:
        if not isinstance(slot, dict):
            continue
        first, last = _text(slot.get("nom_jour_debut")), _text(slot.get("nom_jour_fin"))
        days = first if not last or last == first else f"{first}-{last}"
        times = []
        for k in ("1", "2"):
            a, b = _text(slot.get(f"valeur_heure_debut_{k}")), _text(slot.get(f"valeur_heure_fin_{k}"))
            if a and b:
                times.append(f"{a[:5]}-{b[:5]}")
        text = " ".join(t for t in (days, ", ".join(times)) if t)
        note = _text(slot.get("commentaire"))
        if note:
            text = f"{text} ({note})" if text else note
        if text:
            parts.append(text)
    comment = _text(comment)
    if comment:
        parts.append(comment)
    return "; ".join(parts) or None


def _official_row(o: dict, path: Path, n: int) -> dict | None:
    """A record of the API Annuaire layout, or None when it is outside the scope (pivot, region)."""
    pivots = _decoded(o.get("pivot"), path, n, "pivot")
    types = [str(p.get("type_service_local", "")).strip() for p in pivots if isinstance(p, dict)]
    kept = [t for t in types if t in PIVOTS]
    if not kept:
        return None
    code = _text(o.get("code_insee_commune"))
    if code is None:
        for p in pivots:
            codes = p.get("code_insee_commune") if isinstance(p, dict) else None
            codes = [codes] if isinstance(codes, str) else (codes or [])
            if codes:
                code = _text(codes[0])
                break
    missing = [k for k, v in (("nom", _text(o.get("nom"))), ("code_insee_commune", code),
                              ("date_modification", _text(o.get("date_modification"))),
                              ("ancien_code_pivot or id", _text(o.get("ancien_code_pivot")) or _text(o.get("id"))))
               if v is None]
    if missing:
        raise _err(path, f"{_API}: missing field(s) {', '.join(missing)}", n,
                   value=_text(o.get("ancien_code_pivot")) or _text(o.get("id")) or _text(o.get("nom")))
    if not COMMUNE_CODE.fullmatch(code):
        raise _err(path, f"{_API}: malformed commune code", n, "code_insee_commune", code)
    if code[:2] not in REGION_DEPARTEMENTS:
        return None
    updated = _iso_date(o["date_modification"], path, n, "date_modification", ("fr",))
    addresses = [a for a in _decoded(o.get("adresse"), path, n, "adresse") if isinstance(a, dict)]
    physical = [a for a in addresses if str(a.get("type_adresse", "")).strip().lower() == "adresse"]
    address = (physical or addresses or [{}])[0]
    located = [a for a in [address, *addresses] if _text(a.get("latitude")) and _text(a.get("longitude"))]
    where = located[0] if located else {}
    lines = [_text(address.get(k)) for k in _ADDRESS_LINES]
    return {
        "dila_id": _text(o.get("ancien_code_pivot")) or _text(o.get("id")),
        "type": kept[0],
        "name": str(o["nom"]).strip(),
        "commune_code": code,
        "address": ", ".join(x for x in lines if x) or None,
        "postcode": _text(address.get("code_postal")),
        "city": _text(address.get("nom_commune")),
        "latitude": _coord(where.get("latitude"), path, n, "adresse.latitude"),
        "longitude": _coord(where.get("longitude"), path, n, "adresse.longitude"),
        "phone": _first_value(_decoded(o.get("telephone"), path, n, "telephone")),
        "email": _first_value(_decoded(o.get("adresse_courriel"), path, n, "adresse_courriel")),
        "website": _first_value(_decoded(o.get("site_internet"), path, n, "site_internet")),
        "opening_hours": _hours(_decoded(o.get("plage_ouverture"), path, n, "plage_ouverture"),
                                o.get("commentaire_plage_ouverture")),
        "updated": updated,
        "_line": n,
    }
