"""Statistical neighbours: for every territory, the 3 most similar territories of the same set.

Method (documented in the portraits and the README): each territory is described by a few
indicators that summarise its profile — log of density, share of under-30s, share of 60+, census
unemployment rate 15-64, average annual population change 2016-2022, job concentration, share of
vacant dwellings, share of second homes, 5-year change of private jobs. Each indicator is
standardised within the set (z-score over the set's territories); the distance between two
territories is the Euclidean distance over the indicators both have (divided by the square root
of their number, so that a missing value does not make a territory look closer). The 3 smallest
distances are the neighbours (ties broken by territory id). Sets of fewer than 4 territories get
none. Stored in ``indicators.neighbour(set_id, territory_id, rank, neighbour_id, distance)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ID = "voisins"
INDICATORS: list = []
SOURCES: list[str] = []
#: the themes declaring the FEATURES (checked by tests/test_indicator_themes.py)
THEMES_READ = ["territoire", "population", "emploi"]
FEATURES = {
    # indicator_id: (period or None for the latest, transform)
    "densite_population": (None, "log"),
    "part_moins_30": (None, None),
    "part_60_plus": (None, None),
    "taux_chomage_rp_1564": (None, None),
    "population_variation_annuelle_rp": ("2016-2022", None),
    "concentration_emploi": (None, None),
    "part_logements_vacants": (None, None),
    "part_residences_secondaires": (None, None),
    "emplois_salaries_prives_evol_5ans": (None, None),
}
N_NEIGHBOURS = 3


def commune_values(con) -> None:
    return None


def profile(con, set_id: str) -> pd.DataFrame:
    """Territories × features (NaN where the value is not ok/estimate)."""
    obs = con.execute(
        """select territory_id, indicator_id, period, value from indicators.observation
           where set_id = ? and indicator_id in (select unnest(?)) and status in ('ok', 'estimate')""",
        [set_id, list(FEATURES)],
    ).df()
    cols = {}
    for ind, (period, transform) in FEATURES.items():
        part = obs[obs["indicator_id"] == ind]
        if part.empty:
            continue
        period = period or part["period"].max()
        s = part[part["period"] == period].set_index("territory_id")["value"].astype(float)
        if transform == "log":
            s = np.log(s.where(s > 0))
        cols[ind] = s
    # Sorted rows: the query's row order is not stable, and the means, deviations and distances
    # must not change in their last bits from one build to the next.
    return pd.DataFrame(cols).sort_index()


def neighbours(profile_df: pd.DataFrame, k: int = N_NEIGHBOURS) -> pd.DataFrame:
    if len(profile_df) <= k or profile_df.empty:
        return pd.DataFrame(columns=["territory_id", "rank", "neighbour_id", "distance"])
    z = (profile_df - profile_df.mean()) / profile_df.std(ddof=0).replace(0, np.nan)
    ids = list(z.index)
    values = z.to_numpy()
    rows = []
    # Distances by blocks of rows (vectorised; a block of 128 communes x 1,228 x features stays
    # small). Each distance is over the features both territories have.
    for lo in range(0, len(ids), 128):
        block = np.arange(lo, min(lo + 128, len(ids)))
        diff = values[None, :, :] - values[block, None, :]
        n = (~np.isnan(diff)).sum(axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            dist = np.sqrt(np.nansum(diff ** 2, axis=2) / np.where(n > 0, n, np.nan))
        # Ties (equal distances to 9 decimals) are broken by territory id: the rows are sorted by
        # id, so a stable sort on the rounded distance keeps id order among equals (NaN last).
        rounded = np.round(dist, 9)
        rounded[np.arange(len(block)), block] = np.nan
        order = np.argsort(rounded, axis=1, kind="stable")
        for r, i in enumerate(block):
            ranked = [j for j in order[r, : k + 1] if not np.isnan(rounded[r, j])][:k]
            for rank, j in enumerate(ranked, start=1):
                rows.append((ids[i], rank, ids[j], float(rounded[r, j])))
    return pd.DataFrame(rows, columns=["territory_id", "rank", "neighbour_id", "distance"])


def derived(con) -> None:
    frames = []
    for (set_id,) in con.execute("select set_id from ref.territory_set where set_id <> 'region'").fetchall():
        nb = neighbours(profile(con, set_id))
        if not nb.empty:
            nb.insert(0, "set_id", set_id)
            frames.append(nb)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["set_id", "territory_id", "rank", "neighbour_id", "distance"])
    out["rank"] = out["rank"].astype("int64")
    con.register("_nb", out)
    try:
        con.execute("create or replace table indicators.neighbour as select * from _nb order by 1, 2, 3")
    finally:
        con.unregister("_nb")
