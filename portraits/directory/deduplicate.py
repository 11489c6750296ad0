"""Merging the records of one reception point: the duplicate rule.

Two records are the same reception point when they have the same network and

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
"""

from __future__ import annotations

import math

import pandas as pd

from .lists import COLUMNS, FIELDS, MERGE_DISTANCE_M, publics_of
from .normalise import _float, _is_stale, _missing, _today, haversine_km, name_tokens, normalise

# source priority when two records have the same date (lower first)
_SOURCE_RANK = {"uai": 0, "ft": 1, "dila": 2, "ofa": 3, "local": 4}


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
