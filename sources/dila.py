"""DILA "Annuaire de l'administration – Base de données locales": guidance and employment reception
points (CIO, missions locales, Pôle emploi, information jeunesse, Apec, CIDFF, chambres, Greta, Afpa…).

The mirror holds the 2016 snapshot converted to JSON Lines by Etalab (one flat object per line, with
the DILA ``type`` = "pivot" and an extra ``geo`` object from the BAN geocoder), cut to the region and
to the guidance/employment pivots. The current official source is the "API Annuaire" export
(Opendatasoft), whose records have another layout (``pivot`` as a JSON string, ``adresse`` as a
JSON string…): hence ``layout="derived"``. :func:`parse` reads the mirror layout only; given an
API-layout record it stops with a :class:`SourceFormatError` naming the file and line.

``parse(path)`` → one row per reception point:

============== ========================================================================
dila_id        DILA id ``<pivot>-<INSEE commune>-<nn>`` (e.g. ``cio-44109-01``), unique
type           DILA pivot (``cio``, ``mission_locale``, ``pole_emploi``, ``cij``…)
name           ``nom``
commune_code   ``codeinsee`` (geography of the record's vintage, not COG 2026)
address        street lines of ``writeAddress.streetAddress`` joined with ``", "``
postcode       ``writeAddress.postalCode`` (may be a CEDEX code)
city           ``writeAddress.addressLocality``
latitude       DILA's own coordinates when present; else the BAN ``geo`` ones (DILA's are
longitude      preferred: a few BAN geocodings land in another département, e.g. Bordeaux)
phone          ``contact_phone`` (as published: may be a short number such as 3949)
email          ``contact_email``
website        first URL of ``website``
opening_hours  there is no structured field in this vintage: ``commentaire`` when it speaks of
               opening hours ("horaire"), else None
updated        ISO date (``YYYY-MM-DD``) of the record's ``update`` field
_line          line number in the file
============== ========================================================================
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import COMMUNE_CODE, read_text

DATASET_ID = "dila_annuaire_2016"
API_EXPORT_URL = (
    "https://api-lannuaire.service-public.gouv.fr/api/explore/v2.1/catalog/datasets/"
    "api-lannuaire-administration/exports/json"
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
        official_layout=False,
        official_reason="only the mirror's derived layout is parsed so far",
        note=(
            "Mirror: the 2016 snapshot converted to flat JSON Lines by Etalab (GitHub "
            "cquest/annuaire-services-publics, commit f7713da8), kept for the 5 départements and 16 "
            "guidance/employment pivots. The official URL is the current API Annuaire export, whose "
            "records have another layout (pivot and adresse as JSON strings): an online refresh must "
            "derive the same flat table from it. Old data: show its date, fix it through the "
            "directory's local corrections."
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
    rows = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            o = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise _err(path, f"invalid JSON: {exc.msg} (character {exc.colno})", n) from None
        if not isinstance(o, dict):
            raise _err(path, "expected one JSON object per line", n)
        if "pivot" in o and "type" not in o:
            raise _err(
                path,
                "record in the API Annuaire layout (pivot field): derive the flat 2016 layout "
                "(id, type, nom, codeinsee, writeAddress, update…) before parsing",
                n,
            )
        missing = [k for k in REQUIRED if k not in o or o[k] in (None, "")]
        if missing:
            raise _err(path, f"missing field(s) {', '.join(missing)}", n, value=o.get("id"))
        dila_id = str(o["id"])
        if dila_id in seen:
            raise _err(path, f"duplicate id (first on line {seen[dila_id]})", n, "id", dila_id)
        seen[dila_id] = n
        code = str(o["codeinsee"])
        if not COMMUNE_CODE.fullmatch(code):
            raise _err(path, "malformed commune code", n, "codeinsee", code)
        m = _DATE.match(str(o["update"]))
        if not m:
            raise _err(path, "update is not a date", n, "update", o["update"])
        try:
            updated = date.fromisoformat(m.group(1)).isoformat()
        except ValueError:
            raise _err(path, "update is not a valid date", n, "update", o["update"]) from None
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
        rows.append(
            {
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
        )
    if not rows:
        raise SourceFormatError(path, "no record in the file", dataset_id=DATASET_ID)
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["latitude"] = df["latitude"].astype("float64")
    df["longitude"] = df["longitude"].astype("float64")
    return df
