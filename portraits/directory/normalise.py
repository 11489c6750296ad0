"""Names, distances, communes and plain values: what every stage of the directory compares with.

:func:`normalise` and :func:`name_tokens` compare names, :func:`haversine_km` measures distances,
:class:`CommuneIndex` maps former codes and place names to COG 2026 communes (:func:`commune_reference`
builds its input from the COG file); the small value helpers (missing values, ``|``-separated
lists, dates, staleness) are shared by the other modules of :mod:`portraits.directory`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date

import pandas as pd

from .lists import STALE_YEARS

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
# Values and dates
# --------------------------------------------------------------------------------------------------


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
