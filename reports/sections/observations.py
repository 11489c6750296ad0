"""The one reader of ``indicators.observation`` for the report sections.

A portrait compares its territory with its département(s) and the region (its *areas*). Every
observation of those areas is read in one query (some 1,500 rows), once per portrait: the
sections ask this reader for series, cells and tables instead of querying an indicator at a time
(about a hundred queries of 2-4 ms each before).

The few queries left in the sections read other territories: the member communes of the territory
(population's income table, the maps) and the neighbours of the set (``territoire``, through a
reader of their own).

An indicator a section asks for must be declared (``portraits/themes``, ``Indicator``) or generated
by a theme (``GENERATED_PREFIXES``): anything else is an error naming it, never an empty cell.
"""

from __future__ import annotations

from functools import lru_cache

from portraits.indicators import catalog, generated_prefixes


@lru_cache(maxsize=1)
def _known() -> tuple[dict, tuple]:
    """The declarations by id, in catalogue order, and the prefixes the themes generate: read once
    per process (a portrait asks for them a dozen times)."""
    from portraits.themes import themes

    return ({i.id: i for i in catalog()}, tuple(p for t in themes() for p in generated_prefixes(t)))


def declarations() -> list:
    """Every declared indicator (``portraits.indicators.Indicator``), in catalogue order."""
    return list(_known()[0].values())


def declared(indicator_id: str):
    """The declaration (``portraits.indicators.Indicator``) of ``indicator_id``."""
    try:
        return _known()[0][indicator_id]
    except KeyError:
        raise KeyError(f"indicator {indicator_id!r} is not declared (portraits/themes, Indicator)") from None


def check_known(indicator_id: str) -> None:
    """``KeyError`` naming ``indicator_id`` unless a theme declares or generates it."""
    ids, prefixes = _known()
    if indicator_id not in ids and not (prefixes and indicator_id.startswith(prefixes)):
        raise KeyError(f"a report section reads the indicator {indicator_id!r}, which no theme declares "
                       "(portraits/themes, Indicator) nor generates")


def _key(area: dict) -> tuple[str, str]:
    return area["set_id"], area["territory_id"]


class Observations:
    """Every observation of ``areas`` (the territory first), read in one query.

    ``obs(area, id)`` is ``{period: observation}``; an observation is a dict of the columns of
    ``indicators.observation`` but the keys. "Latest" is the greatest period (text order, as
    periods are written ``2022``, ``2016-2022``, ``2024-T3``)."""

    QUERY = """select set_id, territory_id, indicator_id, period, value, numerator, denominator, status,
                      source_id, note
               from indicators.observation where {where}"""

    def __init__(self, con, areas: list[dict]):
        self.areas = areas
        self.by_key: dict[tuple, dict] = {}
        if not areas:
            return
        where = " or ".join(["(set_id = ? and territory_id = ?)"] * len(areas))
        cur = con.execute(self.QUERY.format(where=where), [x for a in areas for x in _key(a)])
        cols = [d[0] for d in cur.description]
        for r in cur.fetchall():
            row = dict(zip(cols, r))
            key = (row.pop("set_id"), row.pop("territory_id"), row.pop("indicator_id"))
            self.by_key.setdefault(key, {})[row["period"]] = row

    @classmethod
    def of(cls, con, base: dict) -> "Observations":
        """The portrait's reader (``base['observations']``, see ``reports.portrait``), or a new one."""
        reader = base.get("observations")
        return reader if reader is not None else cls(con, base["areas"])

    def obs(self, area: dict, indicator_id: str) -> dict:
        check_known(indicator_id)
        return self.by_key.get((*_key(area), indicator_id), {})

    def latest(self, area: dict, indicator_id: str, period: str | None = None) -> dict | None:
        """The observation of ``period`` (default: the latest) of one area, or ``None``."""
        obs = self.obs(area, indicator_id)
        return obs.get(period if period is not None else (max(obs) if obs else None))

    def cells(self, indicator_id: str, period: str | None = None, areas: list[dict] | None = None) -> list:
        """The observation of ``period`` (default: each area's latest) per area (``None`` if absent)."""
        return [self.latest(a, indicator_id, period) for a in (areas or self.areas)]

    def generated(self, area: dict, prefix: str) -> dict[str, dict]:
        """The series of ``area`` whose id starts with ``prefix`` (the indicators a theme generates
        from its source, e.g. one per BMO occupation): ``{indicator_id: {period: observation}}``."""
        check_known(prefix)
        return {ind: obs for (s, t, ind), obs in self.by_key.items()
                if (s, t) == _key(area) and ind.startswith(prefix)}

    def periods(self, indicator_id: str) -> list[str]:
        """The periods of ``indicator_id`` any area has, sorted."""
        return sorted({p for a in self.areas for p in self.obs(a, indicator_id)})

    def cells_at_latest(self, indicator_id: str, period: str | None = None) -> list:
        """The cells of ``period`` (default: the latest period of any area), one per area; ``[]``
        when no area has the indicator. Unlike :meth:`cells`, every area is read at the same period."""
        periods = self.periods(indicator_id)
        return self.cells(indicator_id, period or periods[-1]) if periods else []

    def own(self, indicator_id: str, period: str | None = None) -> dict | None:
        return self.latest(self.areas[0], indicator_id, period)

    def series(self, indicator_id: str, areas: list[dict] | None = None) -> tuple[list[str], list[dict]]:
        """Sorted periods and, per area, ``{**area, 'obs': {period: observation}}``."""
        out = [{**a, "obs": self.obs(a, indicator_id)} for a in (areas or self.areas)]
        return sorted({p for a in out for p in a["obs"]}), out

    def table(self, spec: list[tuple]) -> list[dict]:
        """Rows of a section's table (``common.table_rows``): one per declared row with at least
        one observation among the areas."""
        out = []
        for ind, period, label, kind, dec, _sub in spec:
            cells = self.cells(ind, period)
            if all(c is None for c in cells):
                continue
            out.append({"indicator_id": ind, "label": label, "kind": kind, "decimals": dec, "cells": cells})
        return out

    def own_notes(self, indicator_ids, skipped: tuple[str, ...] = ()) -> list[str]:
        """The distinct notes of the territory's observations of ``indicator_ids`` (split on
        `` ; ``), but the parts starting with one of ``skipped``."""
        notes = set()
        for ind in indicator_ids:
            for r in self.obs(self.areas[0], ind).values():
                for part in (r.get("note") or "").split(" ; "):
                    if part and not part.startswith(skipped):
                        notes.add(part)
        return sorted(notes)
