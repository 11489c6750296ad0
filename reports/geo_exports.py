"""GeoJSON of the territories: one file per set (``territoires/<set_id>.geojson``) and one per
portrait (``portraits/<set_id>/<territory_id>/territoire.geojson``), from ``ref.territory_geometry``.

Properties: ``set_id, territory_id, label, n_communes, n_communes_outside_region, departements,
area_km2`` and the latest population. Coordinates in WGS84 (EPSG:4326), as GeoJSON requires.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely


def territories_gdf(con, set_id: str) -> gpd.GeoDataFrame:
    df = con.execute(
        """select t.set_id, t.territory_id, t.label, t.n_communes, t.n_communes_outside_region,
                  t.departements, round(g.area_km2, 2) as area_km2, p.value as population,
                  p.period as population_year, g.geometry_wkb
           from ref.territory t
           join ref.territory_geometry g using (set_id, territory_id)
           left join indicators.observation p
             on p.set_id = t.set_id and p.territory_id = t.territory_id and p.indicator_id = 'population'
            and p.period = (select max(period) from indicators.observation where indicator_id = 'population')
           where t.set_id = ? order by t.territory_id""",
        [set_id],
    ).df()
    geom = gpd.GeoSeries.from_wkb(df["geometry_wkb"].map(bytes), crs="EPSG:4326")
    return gpd.GeoDataFrame(df.drop(columns=["geometry_wkb"]), geometry=geom, crs="EPSG:4326")


def _feature_collection(gdf: gpd.GeoDataFrame, precision: int = 5) -> dict:
    features = []
    for row in gdf.itertuples(index=False):
        props = {k: (None if v != v else v) for k, v in row._asdict().items() if k != "geometry"}
        geom = shapely.set_precision(row.geometry, 10 ** -precision) if not row.geometry.is_empty else row.geometry
        features.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": features}


def write_set(con, root: Path, set_id: str, *, per_territory: bool = False, territory_ids=None,
              set_file: bool = True) -> list[Path]:
    """``territoires/<set_id>.geojson`` (unless ``set_file`` is false) and, with
    ``per_territory``, ``territoire.geojson`` in each portrait folder of the set (or of
    ``territory_ids`` only)."""
    gdf = territories_gdf(con, set_id)
    written = []
    if set_file:
        out = root / "territoires" / f"{set_id}.geojson"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(_feature_collection(gdf), ensure_ascii=False), encoding="utf-8")
        written.append(out)
    if per_territory:
        wanted = set(territory_ids) if territory_ids is not None else None
        for i in range(len(gdf)):
            one = gdf.iloc[[i]]
            if wanted is not None and one["territory_id"].iloc[0] not in wanted:
                continue
            d = root / "portraits" / set_id / one["territory_id"].iloc[0]
            if d.is_dir():
                p = d / "territoire.geojson"
                p.write_text(json.dumps(_feature_collection(one), ensure_ascii=False), encoding="utf-8")
                written.append(p)
    return written
