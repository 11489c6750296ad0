"""IGN ADMIN EXPRESS boundaries (communes, départements, région), geography COG 2024, simplified.

Two property layouts are read, recognised from the file's property names (never from a setting);
both give the same table:

* **mirror**: GeoJSON files (EPSG:4326) derived from ADMIN EXPRESS COG CARTO 2024-02-22 by the R
  package COGiter (DREAL Pays de la Loire): polygons simplified with mapshaper (3 % of vertices kept,
  topology preserved: the union of the communes equals the region polygon), properties ``DEPCOM``,
  ``LIBGEO``, ``DEP``, ``EPCI``, ``AREA`` (m², computed by COGiter from the IGN data, *not* the area
  of the simplified polygon); ``DEP, NOM_DEP, AREA`` and ``REG, NOM_REG, AREA`` for the département
  and region files. See ``../shared/opendata/contours/SOURCE.md``. It is *not* a cut of the Etalab
  file below (other simplification, other property names).
* **official**: what the records' URLs serve, Etalab's simplified GeoJSON "contours administratifs"
  2024 (derived from ADMIN EXPRESS, ``communes-100m.geojson`` etc.), **national** files (about
  35,000 communes) with properties ``code``, ``nom``, ``departement``, ``region``, ``epci`` (communes),
  ``code``, ``nom``, ``region`` (départements), ``code``, ``nom`` (régions), as written by
  ``datagouv/contours-administratifs`` (``build.js``); no CRS member, hence WGS84. There is no area
  property: ``area_m2`` is then NaN (the polygon area of a simplified contour is another measure and
  is not substituted). The commune without EPCI (85113 L'Île-d'Yeu) has no ``epci``: it gets
  ``ZZZZZZZZZ``, INSEE's code for "no EPCI", as in the mirror and the zonages table.

Every file is **cut to the region while it is read**: GDAL (pyogrio) applies an attribute filter
(``where``) on the code property (commune code starting with 44, 49, 53, 72 or 85; département code
among them; région code 52), so only the region's features are built in Python; memory does not grow
with the national file (measured on a national-size file of 35,700 communes, 70 MB: 12 MB above the
interpreter's baseline, against 155 MB for reading every feature). The layout is recognised first
from the property names of the file's first feature (read from its first MiB; GDAL's field list when
that fails). ``df.attrs["layout"]`` is ``"official"`` or ``"mirror"``. Polygons are returned as
MultiPolygons in both layouts.

Geography is COG 2024 (1,232 communes): use :func:`portraits.geography.dissolve_contours` to get
the 1,228 communes of COG 2026. There is no contour outside the region in the output.

``parse_communes(path)`` → GeoDataFrame (EPSG:4326): ``commune_code, label, departement,
epci_siren, area_m2, geometry``.
``parse_departements(path)`` → ``departement_code, label, area_m2, geometry``.
``parse_region(path)`` → ``region_code, label, area_m2, geometry``.

Bad input (:class:`~sources.errors.SourceFormatError` naming the file and what was expected): a
missing or empty file, an HTML page instead of GeoJSON, a file GDAL cannot read, properties of
neither layout (the message lists the expected and the found properties), no feature of the region,
a feature without geometry, a code listed twice, a malformed commune code.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry import MultiPolygon

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import COMMUNE_CODE

REGION_CODE = "52"
REGION_DEPARTEMENTS = ("44", "49", "53", "72", "85")
CRS = "EPSG:4326"
NO_EPCI = "ZZZZZZZZZ"  # INSEE's code for a commune outside any EPCI (85113 L'Île-d'Yeu)

_PAGE = "https://geoservices.ign.fr/adminexpress"
_NOTE = (
    "Mirror: ADMIN EXPRESS COG CARTO 3.2 (2024-02-22) simplified by the R package COGiter "
    "(MaelTheuliere/COGiter@3551eb1, mapshaper keep=3 %), cut to the region, GeoJSON EPSG:4326 with "
    "properties DEPCOM/LIBGEO/DEP/EPCI/AREA. Official product: national 7z of shapefiles "
    "(https://data.geopf.fr/telechargement/download/ADMIN-EXPRESS-COG-CARTO/"
    "ADMIN-EXPRESS-COG-CARTO_3-2__SHP_WGS84G_FRA_2024-02-22/"
    "ADMIN-EXPRESS-COG-CARTO_3-2__SHP_WGS84G_FRA_2024-02-22.7z). The URL below is Etalab's "
    "simplified GeoJSON derived from ADMIN EXPRESS: a national file (properties code, nom, "
    "departement, region, epci), which the parser also reads, cutting it to the region while "
    "reading (GDAL attribute filter on the code); it has no area property (area_m2 is then NaN)."
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
        note=_NOTE,
    ),
]


def _fail(path, reason, dataset_id, **where) -> SourceFormatError:
    return SourceFormatError(path, reason, dataset_id=dataset_id, **where)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _read(path: Path, dataset_id: str, layouts: list[tuple[str, dict[str, str], list[str], str]]
          ) -> tuple[gpd.GeoDataFrame, str]:
    """Read the region's features of ``path``.

    ``layouts``: ``(name, {property: output column}, required properties, where)`` in order of
    preference; the first whose required properties are all in the file is used and its ``where``
    (an OGR SQL attribute filter on the code property) is applied by GDAL while reading. Returns the
    features renamed to the output columns, and the layout name."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise _fail(path, "file is missing or empty", dataset_id)
    with open(path, "rb") as f:
        start = f.read(256).removeprefix(b"\xef\xbb\xbf").lstrip()
    if not start:
        raise _fail(path, "file is empty (blank)", dataset_id)
    if start[:1] == b"<":
        raise _fail(path, f"an HTML page, not GeoJSON (starts with {start[:40].decode('utf-8', 'replace')!r}): "
                    "error page?", dataset_id)
    fields = _first_properties(path, start)
    chosen = _layout(fields, layouts)
    if chosen is None:  # not found in the first feature: GDAL's field list (union over the features)
        fields = _schema(path, dataset_id)
        chosen = _layout(fields, layouts)
    if chosen is None:
        expected = " or ".join("(" + ", ".join(req) + ")" for _, _, req, _ in layouts)
        raise _fail(path, f"unknown property layout: expected {expected}; found {', '.join(fields) or 'none'}",
                    dataset_id)
    name, renames, _, where = chosen
    try:
        gdf = pyogrio.read_dataframe(path, where=where)
    except Exception as exc:
        raise _fail(path, f"not a readable vector file ({exc})", dataset_id) from None
    if gdf.crs is None:
        raise _fail(path, "no coordinate reference system declared", dataset_id)
    if gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(CRS)
    gdf = gdf.rename(columns=renames)
    gdf.attrs["layout"] = name
    return gdf, name


def _layout(fields: list[str], layouts):
    for layout in layouts:
        if fields and all(p in fields for p in layout[2]):
            return layout
    return None


def _first_properties(path: Path, start: bytes) -> list[str]:
    """Property names of the first feature of a GeoJSON FeatureCollection, read from the first MiB of
    the file (no GDAL pass over a national file); ``[]`` when they cannot be found that way."""
    if start[:1] != b"{":
        return []
    with open(path, "rb") as f:
        text = f.read(1 << 20).decode("utf-8", "replace")
    i = text.find('"features"')
    j = text.find('"properties"', i) if i >= 0 else -1
    k = text.find(":", j) if j >= 0 else -1
    if k < 0:
        return []
    try:
        props, _ = json.JSONDecoder().raw_decode(text[k + 1:].lstrip())
    except ValueError:
        return []
    return [str(p) for p in props] if isinstance(props, dict) else []


def _schema(path: Path, dataset_id: str) -> list[str]:
    try:
        info = pyogrio.read_info(path)
    except Exception as exc:  # pyogrio raises its own DataSourceError / DataLayerError
        raise _fail(path, f"not a readable vector file ({exc})", dataset_id) from None
    return [str(f) for f in info["fields"]]


def _multi(geom):
    return MultiPolygon([geom]) if geom is not None and geom.geom_type == "Polygon" else geom


def _finish(gdf, path, dataset_id, code_col: str, columns: list[str], none: str) -> gpd.GeoDataFrame:
    if gdf.empty:
        raise _fail(path, none, dataset_id)
    attrs = dict(gdf.attrs)
    gdf[code_col] = gdf[code_col].astype(str).str.strip()
    if "area_m2" not in gdf.columns:
        gdf["area_m2"] = float("nan")
    gdf["area_m2"] = pd.to_numeric(gdf["area_m2"], errors="coerce").astype("float64")
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        raise _fail(path, "feature without geometry", dataset_id, value=gdf.loc[empty, code_col].iloc[0])
    dup = gdf[code_col].duplicated()
    if dup.any():
        raise _fail(path, "feature listed twice", dataset_id, value=gdf.loc[dup, code_col].iloc[0])
    out = gdf[columns + ["geometry"]].sort_values(code_col).reset_index(drop=True)
    out = gpd.GeoDataFrame(out, geometry=[_multi(g) for g in out.geometry], crs=CRS)
    out.attrs.update(attrs)
    return out


def _prefix_filter(prop: str, prefixes) -> str:
    return " OR ".join(f'"{prop}" LIKE {_sql_text(p + "%")}' for p in prefixes)


def _in_filter(prop: str, values) -> str:
    return f'"{prop}" IN ({", ".join(_sql_text(v) for v in values)})'


def parse_communes(path: Path, dataset_id: str = "contours_communes_2024") -> gpd.GeoDataFrame:
    gdf, layout = _read(path, dataset_id, [
        ("mirror", {"DEPCOM": "commune_code", "LIBGEO": "label", "DEP": "departement", "EPCI": "epci_siren",
                    "AREA": "area_m2"},
         ["DEPCOM", "LIBGEO", "DEP"], _prefix_filter("DEPCOM", REGION_DEPARTEMENTS)),
        ("official", {"code": "commune_code", "nom": "label", "departement": "departement", "epci": "epci_siren"},
         ["code", "nom", "departement"], _prefix_filter("code", REGION_DEPARTEMENTS)),
    ])
    codes = gdf["commune_code"].astype(str).str.strip()
    bad = ~codes.str.fullmatch(COMMUNE_CODE.pattern)
    if bad.any():
        raise _fail(path, "malformed commune code (expected 5 characters, e.g. 44109)", dataset_id,
                    value=codes[bad].iloc[0])
    if "epci_siren" not in gdf.columns:
        gdf["epci_siren"] = None
    if layout == "official":
        gdf["epci_siren"] = gdf["epci_siren"].where(gdf["epci_siren"].notna() & (gdf["epci_siren"] != ""), NO_EPCI)
    gdf["departement"] = gdf["departement"].astype(str)
    return _finish(gdf, path, dataset_id, "commune_code",
                   ["commune_code", "label", "departement", "epci_siren", "area_m2"],
                   f"no commune of the region (codes starting with {', '.join(REGION_DEPARTEMENTS)}) in the file")


def parse_departements(path: Path, dataset_id: str = "contours_departements_2024") -> gpd.GeoDataFrame:
    gdf, _ = _read(path, dataset_id, [
        ("mirror", {"DEP": "departement_code", "NOM_DEP": "label", "AREA": "area_m2"}, ["DEP", "NOM_DEP"],
         _in_filter("DEP", REGION_DEPARTEMENTS)),
        ("official", {"code": "departement_code", "nom": "label"}, ["code", "nom"],
         _in_filter("code", REGION_DEPARTEMENTS)),
    ])
    return _finish(gdf, path, dataset_id, "departement_code", ["departement_code", "label", "area_m2"],
                   f"no département of the region ({', '.join(REGION_DEPARTEMENTS)}) in the file")


def parse_region(path: Path, dataset_id: str = "contours_region_2024") -> gpd.GeoDataFrame:
    gdf, _ = _read(path, dataset_id, [
        ("mirror", {"REG": "region_code", "NOM_REG": "label", "AREA": "area_m2"}, ["REG", "NOM_REG"],
         _in_filter("REG", [REGION_CODE])),
        ("official", {"code": "region_code", "nom": "label"}, ["code", "nom"], _in_filter("code", [REGION_CODE])),
    ])
    return _finish(gdf, path, dataset_id, "region_code", ["region_code", "label", "area_m2"],
                   f"région {REGION_CODE} not in the file")
