"""One commune geography for the whole project: COG 2026.

Official data come in several commune geographies: the census comparateur RP2018 in 2021
geography (1,236 communes in the region), the zonages table and the IGN contours in 2024 geography
(1,232), the COG and most recent files in 2026 geography (1,228). This module maps everything to
the 1,228 communes of COG 2026.

* :func:`commune_history` lists every commune code that is not a 2026 commune — former, delegated
  and associated communes, codes absorbed into a commune nouvelle, and the 2024 communes merged or
  re-coded since — with the 2026 commune it now belongs to (chains followed).
* :func:`to_2026` maps a commune-level table to 2026 codes, summing additive columns of merged
  communes and blanking the others.
* :func:`dissolve_contours` turns the 2024 commune polygons into the 2026 communes, and
  :func:`territory_geometries` unions communes into territories.

Effective dates
---------------
The COG JSON of ``@etalab/decoupage-administratif`` and INSEE's ``v_commune_2024.csv`` carry no
dates (the dated history is INSEE's ``v_mvt_commune_<year>.csv``, not in the mirror). So
``effective_date`` is NULL except for the four mergers of the region between COG 2024 and COG 2026,
in force on **2025-01-01** (:data:`KNOWN_EFFECTIVE_DATES`). That these codes are current communes in
COG 2024 and absent from COG 2026 bounds the date to (2024-01-01, 2026-01-01]; the exact day comes
from public references (Wikipedia articles citing the prefectoral orders, municipal and press
pages) and should be checked against ``v_mvt_commune_2025`` when it is added to the catalogue.
49069 → 49126 (Orée d'Anjou re-coded after its chef-lieu moved from Champtoceaux to Drain; no
territory change) has no date: no source we could check gives it.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from typing import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

LAMBERT93 = "EPSG:2154"

#: old_code → date the 2024 commune ceased to exist (see the module docstring for the sources).
KNOWN_EFFECTIVE_DATES: dict[str, _dt.date] = {
    # Saint-Gervais-en-Belin + Laigné-en-Belin → Laigné-Saint-Gervais (72155), no delegated communes
    "72287": _dt.date(2025, 1, 1),
    # Saint-Mars-de-Locquenay + Volnay → Val-de-la-Hune (72382), prefectoral order of 2024-09-19
    "72298": _dt.date(2025, 1, 1),
    # La Bernardière + Cugand → Cugand-la-Bernardière (85076)
    "85021": _dt.date(2025, 1, 1),
    # Saint-Jean-de-Beugné + Sainte-Hermine → Saint-Jean-d'Hermine (85223), order of 2024-08-08
    "85233": _dt.date(2025, 1, 1),
}

#: ``kind`` values of :func:`commune_history`
KINDS = {
    "merged_after_2024": "commune of COG 2024 merged into another commune by 2026",
    "recoded_after_2024": "commune of COG 2024 whose territory is unchanged but whose code changed by 2026",
    "delegated": "commune déléguée (COG 2026)",
    "associated": "commune associée (COG 2026)",
    "former": "code absorbed into a commune nouvelle, no delegated status (anciensCodes)",
}

#: Communes restored (split off) since 2021, which a code-to-code history cannot express. The COG
#: files have no trace of them; the census comparateur RP2018 in 2021 geography counts L'Oie and
#: Sainte-Florence within Essarts-en-Bocage, and they are communes again in COG 2022 (see
#: ``insee_rp/SOURCE.md`` of the mirror: "85165, 85212 exist only from 2022 on").
KNOWN_SPLITS: dict[str, dict] = {
    "85084": {"restored": ("85165", "85212"), "year": 2022},
}

HISTORY_COLUMNS = ["old_code", "new_code", "effective_date", "old_name", "new_name", "kind"]


class UnknownCommuneCodes(ValueError):
    """Codes that are neither a 2026 commune nor in the commune history."""

    def __init__(self, codes: Iterable[str], where: str = ""):
        self.codes = sorted(set(codes))
        shown = ", ".join(self.codes[:30]) + (" …" if len(self.codes) > 30 else "")
        super().__init__(
            f"{len(self.codes)} commune code(s){' in ' + where if where else ''} unknown in COG 2026 "
            f"and in the commune history (COG 2024, 2021 and every former code): {shown}"
        )


def _text(value) -> str:
    """A code cell as text: None/NaN (e.g. after a round trip through DuckDB) become ``""``."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def _current(communes: pd.DataFrame) -> pd.DataFrame:
    if "type" in communes.columns:
        return communes[communes["type"] == "commune-actuelle"]
    return communes


def commune_history(
    cog2026_communes: pd.DataFrame,
    cog2024_communes: pd.DataFrame | None = None,
    v_commune_2024: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every commune code that is not a commune of COG 2026, mapped to its 2026 commune.

    Inputs are :func:`sources.cog.parse_communes` frames (``code, name, type, parent_code,
    former_codes``) and, optionally, :func:`sources.cog_history.parse_v_commune` (``type, code,
    parent_code, name``). Links are read from COG 2026 first (delegated/associated → ``parent_code``,
    ``former_codes`` → commune), then from COG 2024 (same links in 2024 codes) and followed until a
    2026 commune is reached. The 2021-geography codes of the RP2018 comparateur (49321, 85037,
    85041, 85053, 85271, 85307) are delegated communes in COG 2024 and 2026, hence covered.

    Returns ``old_code, new_code, effective_date, old_name, new_name, kind`` (one row per old code,
    ``effective_date`` a :class:`datetime.date` or None, ``kind`` one of :data:`KINDS`). The frame's
    ``attrs["current_codes"]`` holds the set of 2026 communes (used by :func:`to_2026`).

    Raises ``ValueError`` if a code links to two different communes within one vintage, if links
    loop, or if a 2024 commune of the region cannot be followed to a 2026 commune.
    """
    cur26 = _current(cog2026_communes)
    current = set(cur26["code"])
    links = _Links(current)
    links.read_cog(cog2026_communes, links.links26, "2026")
    for code in list(links.links26):
        links.kind.setdefault(code, "former")
    if cog2024_communes is not None:
        links.read_cog(cog2024_communes, links.links24, "2024")
        cur24 = _current(cog2024_communes)
        links.current24.update(zip(cur24["code"], cur24["name"]))
    if v_commune_2024 is not None:
        links.read_v_commune(v_commune_2024)
    if links.conflicts:
        raise ValueError("commune history: a code links to two communes: " + "; ".join(links.conflicts))
    rows = links.resolve_all()
    out = pd.DataFrame(rows, columns=["old_code", "new_code"])
    links.classify_gone_after_2024(rows)
    out["effective_date"] = [KNOWN_EFFECTIVE_DATES.get(c) for c in out["old_code"]]
    out["old_name"] = [links.old_names.get(c) for c in out["old_code"]]
    out["new_name"] = out["new_code"].map(dict(zip(cur26["code"], cur26["name"])))
    out["kind"] = [links.kind.get(c, "former") for c in out["old_code"]]
    out = out[HISTORY_COLUMNS]
    out.attrs["current_codes"] = frozenset(current)
    return out


class _Links:
    """The links of :func:`commune_history`: old code → code of the same vintage (COG 2026, then
    COG 2024 and its ``v_commune``), with each old code's kind and name."""

    def __init__(self, current: set[str]):
        self.current = current
        self.links26: dict[str, str] = {}
        self.links24: dict[str, str] = {}
        self.kind: dict[str, str] = {}
        self.old_names: dict[str, str] = {}
        self.current24: dict[str, str] = {}  # the communes of 2024: code → name
        self.conflicts: list[str] = []

    def add(self, table: dict, old, new, vintage: str) -> None:
        old, new = _text(old), _text(new)
        if not old or not new or old == new:
            return
        if old in table and table[old] != new:
            self.conflicts.append(f"{old} → {table[old]} and → {new} in COG {vintage}")
            return
        table[old] = new

    def read_cog(self, frame: pd.DataFrame, table: dict, vintage: str) -> None:
        for r in frame.itertuples(index=False):
            if r.type == "commune-actuelle":
                for f in _text(r.former_codes).split("|"):
                    self.add(table, f, r.code, vintage)
            else:
                self.add(table, r.code, r.parent_code, vintage)
                if vintage == "2026" and r.code not in self.current:
                    self.kind.setdefault(r.code, "delegated" if r.type == "commune-deleguee" else "associated")
                self.old_names.setdefault(r.code, r.name)

    def read_v_commune(self, frame: pd.DataFrame) -> None:
        for r in frame.itertuples(index=False):
            if r.type == "COM":
                self.current24.setdefault(r.code, r.name)
            else:
                self.add(self.links24, r.code, r.parent_code, "2024 (v_commune)")
                self.old_names.setdefault(r.code, r.name)

    def resolve(self, code: str) -> str | None:
        seen = [code]
        while code not in self.current:
            nxt = self.links26.get(code) or self.links24.get(code)
            if nxt is None:
                return None
            if nxt in seen:
                raise ValueError("commune history: links loop: " + " → ".join(seen + [nxt]))
            seen.append(nxt)
            code = nxt
        return code

    def gone24(self) -> set[str]:
        return {c for c in self.current24 if c not in self.current}

    def resolve_all(self) -> list[tuple[str, str]]:
        """(old code, 2026 commune) for every old code; a 2024 commune of ours that leads nowhere
        is an error."""
        gone24 = self.gone24()
        olds = (set(self.links26) | set(self.links24) | gone24) - self.current
        rows, unresolved = [], []
        for old in sorted(olds):
            new = self.resolve(old)
            if new is None:
                unresolved.append(old)
                continue
            if old in gone24:
                self.old_names[old] = self.old_names.get(old) or self.current24[old]
            rows.append((old, new))
        # codes of other regions reached through a national v_commune file are not ours to resolve
        ours = [c for c in unresolved if c in gone24]
        if ours:
            raise ValueError("commune history: 2024 communes with no 2026 commune: " + ", ".join(ours))
        return rows

    def classify_gone_after_2024(self, rows: list[tuple[str, str]]) -> None:
        """2024 communes that disappeared: merged when another 2024 commune lands on the same
        target, else recoded."""
        targets_24 = defaultdict(set)
        resolved = dict(rows)
        for code in self.current24:
            t = code if code in self.current else resolved.get(code)
            if t:
                targets_24[t].add(code)
        gone24 = self.gone24()
        for old, new in rows:
            if old in gone24:
                self.kind[old] = "merged_after_2024" if len(targets_24[new]) > 1 else "recoded_after_2024"


def _current_codes(history: pd.DataFrame, current_codes) -> frozenset[str]:
    if current_codes is not None:
        return frozenset(current_codes)
    if "current_codes" in history.attrs:
        return frozenset(history.attrs["current_codes"])
    raise TypeError(
        "to_2026 needs the set of 2026 commune codes: pass current_codes= (the history frame lost "
        "its attrs, e.g. after a round trip through DuckDB)"
    )


def map_codes(codes: pd.Series, history: pd.DataFrame, *, current_codes=None, where: str = "") -> pd.Series:
    """2026 code of each code (former codes mapped, 2026 codes kept); unknown codes raise
    :class:`UnknownCommuneCodes`."""
    current = _current_codes(history, current_codes)
    mapping = dict(zip(history["old_code"], history["new_code"]))
    codes = codes.astype(str).str.strip()
    new = codes.map(lambda c: c if c in current else mapping.get(c))
    if new.isna().any():
        raise UnknownCommuneCodes(codes[new.isna()], where)
    return new


def to_2026(
    df: pd.DataFrame,
    code_col: str,
    history: pd.DataFrame,
    additive_cols: Iterable[str] = (),
    non_additive_cols: Iterable[str] = (),
    *,
    by: Iterable[str] = (),
    geography_year: int | None = None,
    current_codes: Iterable[str] | None = None,
    splits: Mapping[str, dict] | None = None,
) -> pd.DataFrame:
    """Map a commune-level table to the communes of COG 2026.

    Rows whose code is a former code are moved to their 2026 commune. When several rows land on one
    2026 commune (a merger; per ``by`` group, e.g. a year column of a long table), ``additive_cols``
    are summed — NaN if any part is NaN (a secret cell must not be read as zero) — and
    ``non_additive_cols`` (rates, medians, shares) become NaN. A re-coded commune (one row lands
    alone on its new code) keeps all its values.

    Communes *restored* since the data's geography (:data:`KNOWN_SPLITS`: L'Oie 85165 and
    Sainte-Florence 85212 left Essarts-en-Bocage 85084 in 2022) cannot be mapped code by code: when
    ``geography_year`` is given and earlier than the restoration, the row of the former whole
    (85084) keeps the additive totals of the group, its non-additive values become NaN, and a row
    with NaN values is added for each restored commune; all of them get ``merged`` True and
    ``group_codes`` = the codes of the group (``85084|85165|85212``). Totals over any set of
    communes containing the whole group stay right; a territory that splits the group cannot be
    computed from such data. Without ``geography_year`` no split is applied.

    Returns ``code_col, *by, *additive_cols, *non_additive_cols, merged, source_codes,
    group_codes``: ``merged`` is True where the values do not describe the 2026 commune alone,
    ``source_codes`` the ``|``-joined input codes, ``group_codes`` empty except for split groups.
    Other columns are dropped. Raises :class:`UnknownCommuneCodes` (listing them) for codes that are
    neither 2026 communes nor in the history, and ``ValueError`` if a (code, *by) key is repeated.
    """
    additive, non_additive, by = list(additive_cols), list(non_additive_cols), list(by)
    missing = [c for c in [code_col, *by, *additive, *non_additive] if c not in df.columns]
    if missing:
        raise KeyError(f"to_2026: column(s) not in the frame: {', '.join(missing)}")
    keys = [code_col, *by]
    dup = df.duplicated(keys)
    if dup.any():
        raise ValueError(f"to_2026: key ({', '.join(keys)}) repeated, e.g. "
                         f"{df.loc[dup, keys].iloc[0].tolist()}")
    frame = df[[*keys, *additive, *non_additive]].copy()
    frame["_source"] = frame[code_col].astype(str).str.strip()
    frame[code_col] = map_codes(frame[code_col], history, current_codes=current_codes)

    grouped = frame.groupby(keys, sort=True, dropna=False)
    out = grouped.size().rename("_n").to_frame()
    if additive:
        sums = grouped[additive].sum(min_count=1)
        any_nan = frame[additive].isna().groupby([frame[k] for k in keys]).any()
        out[additive] = sums.mask(any_nan)
    if non_additive:
        # first() of a one-row group is that row's value (NaN included); merged groups get NaN
        values = grouped[non_additive].first()
        values.loc[(out["_n"] > 1).to_numpy(), :] = np.nan
        out[non_additive] = values
    out["merged"] = out["_n"] > 1
    out["source_codes"] = grouped["_source"].agg(lambda s: "|".join(sorted(s)))
    out = out.drop(columns="_n").reset_index()
    out["group_codes"] = ""
    if geography_year is not None:
        out = _apply_splits(out, code_col, by, non_additive, geography_year,
                            KNOWN_SPLITS if splits is None else splits)
    return out


def _apply_splits(out, code_col, by, non_additive, geography_year, splits) -> pd.DataFrame:
    added = []
    for parent, split in splits.items():
        if geography_year >= split["year"]:
            continue
        restored = list(split["restored"])
        group = "|".join([parent, *restored])
        groups = out.groupby(by, sort=False) if by else [((), out)]
        for _, part in groups:
            rows = part[part[code_col] == parent]
            if rows.empty:
                continue
            present = part[code_col].isin(restored)
            if present.any():
                raise ValueError(
                    f"to_2026: geography {geography_year} predates the restoration of "
                    f"{', '.join(restored)} (from {parent}, {split['year']}), yet the data has "
                    f"{', '.join(part.loc[present, code_col])}: check geography_year"
                )
            idx = rows.index[0]
            out.loc[idx, non_additive] = np.nan
            out.loc[idx, ["merged", "group_codes"]] = [True, group]
            for code in restored:
                new = {c: np.nan for c in out.columns}
                new.update({code_col: code, "merged": True, "source_codes": out.loc[idx, "source_codes"],
                            "group_codes": group})
                for b in by:
                    new[b] = out.loc[idx, b]
                added.append(new)
    if added:
        out = pd.concat([out, pd.DataFrame(added, columns=out.columns)], ignore_index=True)
        out["merged"] = out["merged"].astype(bool)
        out = out.sort_values([code_col, *by], kind="stable").reset_index(drop=True)
    return out


def dissolve_contours(
    communes_2024_gdf: gpd.GeoDataFrame,
    history: pd.DataFrame,
    *,
    current_codes: Iterable[str] | None = None,
    names_2026: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """The 2024 commune polygons (:func:`sources.contours.parse_communes`) dissolved into the
    communes of COG 2026 (1,228 in the region).

    Returns ``commune_code, label, departement, area_m2, n_source_communes, geometry`` in the input
    CRS. ``label`` is the 2026 name (``names_2026``, else the history's ``new_name`` for communes
    that absorbed another, else the 2024 label); ``area_m2`` sums the source ``AREA`` (NaN if absent).
    """
    gdf = communes_2024_gdf
    codes = map_codes(gdf["commune_code"], history, current_codes=current_codes, where="the contours")
    names = dict(zip(history["new_code"], history["new_name"])) if "new_name" in history.columns else {}
    if names_2026:
        names.update(names_2026)
    work = pd.DataFrame({
        "commune_code": codes.to_numpy(),
        "code_2024": gdf["commune_code"].astype(str).to_numpy(),
        "label_2024": gdf["label"].to_numpy() if "label" in gdf.columns else None,
        "departement": gdf["departement"].to_numpy() if "departement" in gdf.columns else codes.str[:2].to_numpy(),
        "area_m2": gdf["area_m2"].to_numpy() if "area_m2" in gdf.columns else np.nan,
        "geometry": gdf.geometry.to_numpy(),
    })
    rows = []
    for code, part in work.groupby("commune_code", sort=True):
        geoms = part["geometry"].to_numpy()
        geom = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
        label = names.get(code)
        if not isinstance(label, str) or not label:
            own = part.loc[part["code_2024"] == code, "label_2024"]
            label = own.iloc[0] if len(own) else part["label_2024"].iloc[0]
        area = part["area_m2"].sum() if part["area_m2"].notna().all() else np.nan
        rows.append((code, label, part["departement"].iloc[0], area, len(part), geom))
    out = gpd.GeoDataFrame(
        rows, columns=["commune_code", "label", "departement", "area_m2", "n_source_communes", "geometry"],
        geometry="geometry", crs=gdf.crs,
    )
    return out


def territory_geometries(members: pd.DataFrame, communes_gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Territory polygons: the union of their communes' polygons.

    ``members`` has ``set_id, territory_id, commune_code`` (e.g. ``ref.territory_commune``);
    ``communes_gdf`` has ``commune_code`` and a geometry (2026 communes, see
    :func:`dissolve_contours`). Returns ``set_id, territory_id, geometry, area_km2, n_communes,
    n_communes_without_contour`` in the CRS of ``communes_gdf``; ``area_km2`` is computed in
    Lambert-93 (EPSG:2154).

    The mirror has no contour outside the region: the geometry of a territory with communes of
    another region (CLPE44003, CLPE72002, cross-border EPCI) covers its region part only, and
    ``n_communes_without_contour`` counts the communes left out. A territory with no contour at all
    gets an empty geometry and ``area_km2`` 0.
    """
    need = {"set_id", "territory_id", "commune_code"}
    if not need <= set(members.columns):
        raise KeyError(f"territory_geometries: members needs columns {sorted(need)}")
    geom_by_code = dict(zip(communes_gdf["commune_code"], communes_gdf.geometry))
    crs = communes_gdf.crs
    rows = []
    for (set_id, tid), part in members.groupby(["set_id", "territory_id"], sort=True):
        codes = part["commune_code"].drop_duplicates()
        geoms = [geom_by_code[c] for c in codes if c in geom_by_code]
        if not geoms:
            geom = shapely.Polygon()
        elif len(geoms) == 1:
            geom = geoms[0]
        else:
            geom = shapely.union_all(geoms)
        rows.append((set_id, tid, geom, len(codes), len(codes) - len(geoms)))
    out = gpd.GeoDataFrame(
        rows, columns=["set_id", "territory_id", "geometry", "n_communes", "n_communes_without_contour"],
        geometry="geometry", crs=crs,
    )
    out["area_km2"] = out.to_crs(LAMBERT93).area / 1e6 if len(out) else []
    return out[["set_id", "territory_id", "geometry", "area_km2", "n_communes", "n_communes_without_contour"]]
