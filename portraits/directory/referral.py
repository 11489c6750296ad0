"""Referral: the reception points serving a public, nearest first from a commune."""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from .lists import PUBLICS
from .normalise import _haversine_many


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
