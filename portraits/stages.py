"""The pipeline's stages as plain functions on a DuckDB connection.

Dagster assets (``pipelines/assets``) are thin wrappers around these; tests and notebooks can call
them directly.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from dataclasses import replace

from sources import catalog
from sources.fetch import Retrieval, fetch

import geopandas as gpd
import pandas as pd

from . import geography, indicators, warehouse


def ingest(con, dataset_id: str, *, validate=None, **fetch_kwargs) -> tuple[Retrieval, int]:
    """Fetch, parse and load one dataset into ``raw``; record its provenance in ``meta.source``.

    Parsing happens before anything is written, so a bad file leaves the previous raw table as is.
    ``validate(con)``, if given, runs on the new table inside the same transaction and returns a
    list of problems: when there are any, the load is rolled back (the previous table and its
    provenance stay, so no later job builds on the rejected version).
    Multi-file datasets (``Dataset.files``) fetch every file; their provenance row gets the total
    size and a SHA-256 over the sorted ``name:sha256`` lines of the files (listed in ``note``).
    """
    ds = catalog.get(dataset_id)
    df, retrieval = retrieve_and_parse(ds, **fetch_kwargs)
    warehouse.init_schema(con)
    con.execute("begin")
    try:
        rows = warehouse.load_raw(con, ds.table, df, source_id=ds.id, vintage=ds.vintage)
        columns = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' "
            "and table_name = ? order by ordinal_position", [ds.table]).fetchall()]
        warehouse.record_source(con, ds, retrieval, rows, columns)
        if validate is not None and validate(con):
            con.execute("rollback")
            return retrieval, rows
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return retrieval, rows


def retrieve_and_parse(ds, **fetch_kwargs) -> tuple[pd.DataFrame, Retrieval]:
    """Fetch a dataset's file(s) and parse them into its raw table (nothing is written)."""
    if ds.files:
        parts = [(key, fetch(replace(ds, mirror_path=path, url=url), **fetch_kwargs))
                 for key, path, url in ds.files]
        df = ds.parse([(key, r.path) for key, r in parts])
        return df, combine(ds, [r for _, r in parts])
    retrieval = fetch(ds, **fetch_kwargs)
    return ds.parse(retrieval.path), retrieval


def combine(ds, retrievals: list[Retrieval]) -> Retrieval:
    lines = sorted(f"{r.path.name}:{r.sha256}" for r in retrievals)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return Retrieval(dataset_id=ds.id, path=retrievals[0].path.parent, origin=retrievals[0].origin,
                     url=retrievals[0].url, bytes=sum(r.bytes for r in retrievals), sha256=digest,
                     retrieved_at=max(r.retrieved_at for r in retrievals))


def build_ref(con) -> dict[str, int]:
    """Reference geography (SQL) plus the commune history and the 2026 commune contours (Python)."""
    warehouse.init_schema(con)
    warehouse.run_sql_file(con, "ref_geography")
    c26 = con.execute("select * from raw.cog_communes_2026").df()
    c24 = con.execute("select * from raw.cog_communes_2024").df()
    v24 = con.execute("select * from raw.v_commune_2024").df()
    history = geography.commune_history(c26, c24, v24)
    frame = history.copy()
    frame["effective_date"] = pd.to_datetime(frame["effective_date"]).dt.date
    warehouse.replace_table(con, "ref", "commune_history", frame)
    contours = _geo(con.execute("select * from raw.contours_communes_2024").df())
    communes = geography.dissolve_contours(contours, history)
    warehouse.replace_table(con, "ref", "commune_geometry", _wkb(communes))
    for name in ("departements", "region"):
        gdf = _geo(con.execute(f"select * from raw.contours_{name}_2024").df())
        warehouse.replace_table(con, "ref", f"{name.rstrip('s')}_geometry", _wkb(gdf))
    return {t: con.execute(f"select count(*) from ref.{t}").fetchone()[0]
            for t in ("commune", "epci", "departement", "region", "commune_history", "commune_geometry")}


def _geo(df: pd.DataFrame) -> gpd.GeoDataFrame:
    """A raw table with a ``geometry_wkb`` column back to a GeoDataFrame (EPSG:4326)."""
    geom = gpd.GeoSeries.from_wkb(df["geometry_wkb"].map(bytes), crs="EPSG:4326")
    return gpd.GeoDataFrame(df.drop(columns=["geometry_wkb"]), geometry=geom, crs="EPSG:4326")


def _wkb(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    out = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    out["geometry_wkb"] = gdf.geometry.to_wkb()
    return out


def load_geometries(con, table: str, where: str = "", params=()) -> gpd.GeoDataFrame:
    """Read a ``ref.*_geometry`` table back as a GeoDataFrame."""
    return _geo(con.execute(f"select * from ref.{table} {where}", list(params)).df())


class UnknownCodeError(ValueError):
    """A commune code of the region in a reference file that is no commune of COG 2026, even after
    the commune history: it would be dropped silently from its territory."""


REFERENCE_TABLES = {"zonages_2024": "insee_zonages_2024", "bmo_bassins": "bmo_bassins",
                    "clpe_communes": "clpe_communes"}


def check_reference_codes(con) -> None:
    problems = []
    for table, source in REFERENCE_TABLES.items():
        rows = con.execute(
            f"""select distinct r.commune_code from raw.{table} r
                left join ref.commune_history h on h.old_code = r.commune_code
                where substr(r.commune_code, 1, 2) in (select departement_code from ref.departement)
                  and coalesce(h.new_code, r.commune_code) not in (select commune_code from ref.commune)
                order by 1 limit 10""").fetchall()
        if rows:
            problems.append(f"{source} (raw.{table}), colonne commune_code : "
                            f"{', '.join(r[0] for r in rows)} ne sont des communes du COG 2026 ni d'anciennes communes connues")
    if problems:
        raise UnknownCodeError("codes commune inconnus dans un fichier de référence (ils seraient perdus "
                               "sans le dire) :\n  " + "\n  ".join(problems))


class UnsafeIdError(ValueError):
    """A set or territory id that cannot become a folder name (from any definition, official or not)."""


def check_territory_ids(con) -> None:
    """Every set and territory id is a safe file name (:func:`portraits.safety.check_id`): ids
    become folders of ``output/portraits/``, so an official file's ``../x`` stops the build here."""
    from .safety import check_id

    problems = []
    # folder names the outputs already use beside the sets' folders (annuaire/<set_id>/, ...)
    reserved = {"confirmation"}
    for (set_id,) in con.execute("select distinct set_id from ref.territory order by 1").fetchall():
        if set_id in reserved:
            problems.append(f"le jeu {set_id!r} porte un nom réservé ({', '.join(sorted(reserved))}) : renommez-le")
    for set_id, territory_id, source in con.execute(
            """select t.set_id, t.territory_id, s.source_id from ref.territory t
               left join ref.territory_set s using (set_id) order by 1, 2""").fetchall():
        for value, what in ((set_id, "jeu"), (territory_id, "territoire")):
            problem = check_id(value, what)
            if problem:
                problems.append(f"{problem} (jeu {set_id!r}, source {source or 'définition locale'})")
    if problems:
        raise UnsafeIdError("identifiant(s) inutilisable(s) comme nom de dossier :\n  " + "\n  ".join(problems[:20]))


def build_territories(con, extra_sets=()) -> dict[str, int]:
    """Standard sets plus ``extra_sets`` (custom definitions, see portraits.territories), and the
    territory polygons (union of their communes' contours)."""
    check_reference_codes(con)
    warehouse.run_sql_file(con, "territories")
    for definition in extra_sets:
        definition.insert_into(con)
    warehouse.run_sql_file(con, "territories_publish")
    check_territory_ids(con)
    members = con.execute("select set_id, territory_id, commune_code from ref.territory_commune").df()
    communes = load_geometries(con, "commune_geometry")
    geoms = geography.territory_geometries(members, communes)
    warehouse.replace_table(con, "ref", "territory_geometry", _wkb(geoms))
    rows = con.execute(
        "select set_id, count(*) from ref.territory group by 1 order by 1").fetchall()
    return dict(rows)


DEFAULT_CORRECTIONS = Path(__file__).parent / "corrections" / "annuaire.csv"


def build_directory(con, corrections: Path | None = None) -> dict[str, int]:
    """The directory of reception points (``directory`` schema), after the territory sets and
    before the indicators (which count points per territory). See portraits/directory/stage.py."""
    try:
        from .directory.stage import build
    except ImportError as exc:  # the directory is built by its own module
        if getattr(exc, "name", None) not in (None, "portraits.directory.stage"):
            raise
        return {}
    return build(con, corrections or DEFAULT_CORRECTIONS)


def build_indicators(con) -> int:
    """Every indicator theme from scratch (:func:`portraits.indicators.build`)."""
    return indicators.build(con)


def build_indicator_theme(con, theme_id: str) -> int:
    """One indicator theme, the others' rows untouched (:func:`portraits.indicators.build_theme`)."""
    return indicators.build_theme(con, theme_id)
