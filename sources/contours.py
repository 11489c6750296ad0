"""IGN ADMIN EXPRESS boundaries (communes, départements, région), geography COG 2024, simplified.

The mirror holds GeoJSON files (EPSG:4326) derived from ADMIN EXPRESS COG CARTO 2024-02-22 by the
R package COGiter (DREAL Pays de la Loire): polygons simplified with mapshaper (3 % of vertices kept,
topology preserved: the union of the communes equals the region polygon), properties ``DEPCOM``,
``LIBGEO``, ``DEP``, ``EPCI``, ``AREA`` (m², computed by COGiter from the IGN data, *not* the area of
the simplified polygon). See ``../shared/opendata/contours/SOURCE.md``.

The official product is a national 7z archive of shapefiles; the online alternative that the
catalogue points to is Etalab's simplified GeoJSON ("contours administratifs", derived from ADMIN
EXPRESS), whose properties are ``code``, ``nom``, ``departement``, ``region`` (as written by
``datagouv/contours-administratifs``; to be checked against the 2024 files online). The parsers read
both property layouts and cut national files to the region (départements 44, 49, 53, 72, 85), so an
online build gives the same rows as the mirror (with slightly different simplification, and no
``AREA``: ``area_m2`` is then NaN).

Geography is COG 2024 (1,232 communes): use :func:`portraits.geography.dissolve_contours` to get
the 1,228 communes of COG 2026. There is no contour outside the region in the mirror.

``parse_communes(path)`` → GeoDataFrame (EPSG:4326): ``commune_code, label, departement,
epci_siren, area_m2, geometry``.
``parse_departements(path)`` → ``departement_code, label, area_m2, geometry``.
``parse_region(path)`` → ``region_code, label, area_m2, geometry``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import COMMUNE_CODE

REGION_CODE = "52"
REGION_DEPARTEMENTS = ("44", "49", "53", "72", "85")
CRS = "EPSG:4326"

_PAGE = "https://geoservices.ign.fr/adminexpress"
_NOTE = (
    "Mirror: ADMIN EXPRESS COG CARTO 3.2 (2024-02-22) simplified by the R package COGiter "
    "(MaelTheuliere/COGiter@3551eb1, mapshaper keep=3 %), cut to the region, GeoJSON EPSG:4326 with "
    "properties DEPCOM/LIBGEO/DEP/EPCI/AREA. Official product: national 7z of shapefiles "
    "(https://data.geopf.fr/telechargement/download/ADMIN-EXPRESS-COG-CARTO/"
    "ADMIN-EXPRESS-COG-CARTO_3-2__SHP_WGS84G_FRA_2024-02-22/"
    "ADMIN-EXPRESS-COG-CARTO_3-2__SHP_WGS84G_FRA_2024-02-22.7z). The URL below is Etalab's "
    "simplified GeoJSON derived from ADMIN EXPRESS (properties code/nom), which the parser also "
    "reads and cuts to the region."
)

DATASETS = [
    Dataset(
        id="contours_communes_2024",
        table="contours_communes_2024",
        parser="contours:parse_communes",
        description='IGN ADMIN EXPRESS commune contours 2024 (simplified), geometry as WKB.',
        family="recensement",
        title="Contours des communes au 1er janvier 2024 (IGN ADMIN EXPRESS COG CARTO, simplifiés)",
        publisher="IGN (ADMIN EXPRESS COG CARTO 3.2), simplification DREAL Pays de la Loire (COGiter) / Etalab",
        url="https://etalab-datasets.geo.data.gouv.fr/contours-administratifs/2024/geojson/communes-100m.geojson",
        page=_PAGE,
        licence=LO2,
        vintage="COG 2024 (ADMIN EXPRESS COG CARTO édition 2024-02-22)",
        mirror_path="contours/communes_r52_cog2024.geojson",
        layout="derived",
        official_layout=False,
        official_reason="only the mirror's derived layout is parsed so far",
        note=_NOTE,
    ),
    Dataset(
        id="contours_departements_2024",
        table="contours_departements_2024",
        parser="contours:parse_departements",
        description='IGN ADMIN EXPRESS département contours 2024 (simplified).',
        family="recensement",
        title="Contours des départements au 1er janvier 2024 (IGN ADMIN EXPRESS COG CARTO, simplifiés)",
        publisher="IGN (ADMIN EXPRESS COG CARTO 3.2), simplification DREAL Pays de la Loire (COGiter) / Etalab",
        url="https://etalab-datasets.geo.data.gouv.fr/contours-administratifs/2024/geojson/departements-100m.geojson",
        page=_PAGE,
        licence=LO2,
        vintage="COG 2024 (ADMIN EXPRESS COG CARTO édition 2024-02-22)",
        mirror_path="contours/departements_r52_cog2024.geojson",
        layout="derived",
        official_layout=False,
        official_reason="only the mirror's derived layout is parsed so far",
        note=_NOTE,
    ),
    Dataset(
        id="contours_region_2024",
        table="contours_region_2024",
        parser="contours:parse_region",
        description='IGN ADMIN EXPRESS region contour 2024 (simplified).',
        family="recensement",
        title="Contour de la région au 1er janvier 2024 (IGN ADMIN EXPRESS COG CARTO, simplifié)",
        publisher="IGN (ADMIN EXPRESS COG CARTO 3.2), simplification DREAL Pays de la Loire (COGiter) / Etalab",
        url="https://etalab-datasets.geo.data.gouv.fr/contours-administratifs/2024/geojson/regions-100m.geojson",
        page=_PAGE,
        licence=LO2,
        vintage="COG 2024 (ADMIN EXPRESS COG CARTO édition 2024-02-22)",
        mirror_path="contours/region_r52_cog2024.geojson",
        layout="derived",
        official_layout=False,
        official_reason="only the mirror's derived layout is parsed so far",
        note=_NOTE,
    ),
]


def _read(path: Path, dataset_id: str) -> gpd.GeoDataFrame:
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise SourceFormatError(path, "file is missing or empty", dataset_id=dataset_id)
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own DataSourceError / DataLayerError
        raise SourceFormatError(path, f"not a readable vector file ({exc})", dataset_id=dataset_id) from None
    if gdf.empty:
        raise SourceFormatError(path, "no feature in the file", dataset_id=dataset_id)
    if gdf.crs is None:
        raise SourceFormatError(path, "no coordinate reference system declared", dataset_id=dataset_id)
    if gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(CRS)
    return gdf


def _pick(gdf, path, dataset_id, layouts: list[dict[str, str]]) -> pd.DataFrame:
    """Rename the properties of the first layout whose columns are all present."""
    for layout in layouts:
        if all(src in gdf.columns for src in layout):
            return gdf.rename(columns=layout)
    expected = " or ".join("(" + ", ".join(layout) + ")" for layout in layouts)
    raise SourceFormatError(
        path, f"unknown property layout: expected {expected}; found {', '.join(map(str, gdf.columns))}",
        dataset_id=dataset_id,
    )


def _finish(gdf, path, dataset_id, code_col: str, columns: list[str]) -> gpd.GeoDataFrame:
    gdf[code_col] = gdf[code_col].astype(str).str.strip()
    if "area_m2" not in gdf.columns:
        gdf["area_m2"] = float("nan")
    gdf["area_m2"] = pd.to_numeric(gdf["area_m2"], errors="coerce").astype("float64")
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        raise SourceFormatError(path, "feature without geometry", value=gdf.loc[empty, code_col].iloc[0],
                                dataset_id=dataset_id)
    dup = gdf[code_col].duplicated()
    if dup.any():
        raise SourceFormatError(path, "feature listed twice", value=gdf.loc[dup, code_col].iloc[0],
                                dataset_id=dataset_id)
    out = gdf[columns + ["geometry"]].sort_values(code_col).reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=CRS)


def parse_communes(path: Path, dataset_id: str = "contours_communes_2024") -> gpd.GeoDataFrame:
    gdf = _read(path, dataset_id)
    gdf = _pick(gdf, path, dataset_id, [
        {"DEPCOM": "commune_code", "LIBGEO": "label", "DEP": "departement", "EPCI": "epci_siren",
         "AREA": "area_m2"},
        {"code": "commune_code", "nom": "label", "departement": "departement"},
    ])
    codes = gdf["commune_code"].astype(str).str.strip()
    bad = ~codes.str.fullmatch(COMMUNE_CODE.pattern)
    if bad.any():
        raise SourceFormatError(path, "malformed commune code", value=codes[bad].iloc[0], dataset_id=dataset_id)
    gdf = gdf[codes.str[:2].isin(REGION_DEPARTEMENTS)].copy()
    if gdf.empty:
        raise SourceFormatError(path, "no commune of the region in the file", dataset_id=dataset_id)
    if "epci_siren" not in gdf.columns:
        gdf["epci_siren"] = None
    gdf["departement"] = gdf["departement"].astype(str)
    return _finish(gdf, path, dataset_id, "commune_code",
                   ["commune_code", "label", "departement", "epci_siren", "area_m2"])


def parse_departements(path: Path, dataset_id: str = "contours_departements_2024") -> gpd.GeoDataFrame:
    gdf = _read(path, dataset_id)
    gdf = _pick(gdf, path, dataset_id, [
        {"DEP": "departement_code", "NOM_DEP": "label", "AREA": "area_m2"},
        {"code": "departement_code", "nom": "label"},
    ])
    gdf["departement_code"] = gdf["departement_code"].astype(str).str.strip()
    gdf = gdf[gdf["departement_code"].isin(REGION_DEPARTEMENTS)].copy()
    if gdf.empty:
        raise SourceFormatError(path, "no département of the region in the file", dataset_id=dataset_id)
    return _finish(gdf, path, dataset_id, "departement_code", ["departement_code", "label", "area_m2"])


def parse_region(path: Path, dataset_id: str = "contours_region_2024") -> gpd.GeoDataFrame:
    gdf = _read(path, dataset_id)
    gdf = _pick(gdf, path, dataset_id, [
        {"REG": "region_code", "NOM_REG": "label", "AREA": "area_m2"},
        {"code": "region_code", "nom": "label"},
    ])
    gdf["region_code"] = gdf["region_code"].astype(str).str.strip()
    gdf = gdf[gdf["region_code"] == REGION_CODE].copy()
    if gdf.empty:
        raise SourceFormatError(path, f"région {REGION_CODE} not in the file", dataset_id=dataset_id)
    return _finish(gdf, path, dataset_id, "region_code", ["region_code", "label", "area_m2"])
