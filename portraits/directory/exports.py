"""The directory as files: GeoJSON and a spreadsheet-safe CSV."""

from __future__ import annotations

import json
import math

import pandas as pd

from .normalise import _float, _missing


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
    from ..safety import spreadsheet_csv

    rows = ([None if _missing(v) else v for v in r] for r in df.itertuples(index=False, name=None))
    return spreadsheet_csv([str(c) for c in df.columns], rows)
