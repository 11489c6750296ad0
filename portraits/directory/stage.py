"""The directory stage: the shared directory of guidance reception points in the warehouse.

:func:`build` (called by :func:`portraits.stages.build_directory`, after the territory sets and
before the indicators, which count points per territory) reads the parsed sources from ``raw``,
builds the directory with :func:`portraits.directory.build_directory` (normalisation, COG 2026
communes, duplicate rule), applies the coordinators' corrections file and writes the
``directory`` schema:

``directory.reception_point`` — one row per open reception point:

=============== ==================================================================================
id              stable id from the source key: ``dila:<DILA id>``, ``ft:<REFERENCE_PE>``,
                ``uai:<UAI>``, ``ofa:<SIRET>``, ``local:<…>`` (a point added by a correction)
name            name as published
network         one of ``directory.network`` (closed list :data:`portraits.directory.NETWORKS`)
publics         ``|``-separated ids of ``directory.public``: the publics the network is mandated
                to receive (a correction may override them)
address         street address, without postcode and commune (NULL when no source gives it)
postcode        postcode as published (may be a CEDEX code)
commune_code    INSEE code, COG 2026 (former codes mapped through ``ref.commune_history``)
latitude        WGS84 (NULL for the apprenticeship organisations, which have no coordinates)
longitude
phone, email, website, opening_hours
source_id       dataset id (``meta.source``) of the most recent record merged into the row;
                ``corrections_locales`` for a point added by a correction
source_date     DATE of that record's vintage (DILA ``update``; 2019-11-13 for the France Travail
                sites; 2025-10-13 for the Éducation nationale directory; OFA ``Date d'import``)
corrected_at    DATE of the last local correction or confirmation of the point, else NULL
stale           true when the point has not been confirmed for more than 3 years before the build
                date: neither ``source_date`` nor ``corrected_at`` is recent enough. Every record
                coming only from the 2016 DILA base or the 2019 France Travail list is stale
merged_from     ``|``-separated ids of the other source records merged into this row, else NULL
=============== ==================================================================================

Closed points (``close`` in the corrections file) are left out of ``reception_point``; the trace is
``directory.correction``.

``directory.network(network, label, publics)`` and ``directory.public(public, label)``: the closed
lists, labels in French. ``directory.reception_point_territory(set_id, territory_id, id)``: every
point in the territory of every set holding its commune. ``directory.correction``: the corrections
applied by this build (line of the file, action, id, field, value, author, correction_date,
point_id = the row the correction reached).

The corrections file is validated before anything is written: any problem (unknown id, network or
commune code, coordinates outside the region's bounding box, malformed email or phone…) raises one
:class:`portraits.directory.CorrectionsError` listing every problem with its line and field, and
the build stops (the previous directory stays as it was; nothing is published).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pandas as pd

from ..warehouse import init_schema
from .build import build_directory
from .corrections import CORRECTION_COLUMNS, apply_corrections, known_ids, load_corrections
from .lists import AGENCIES_SOURCE_ID, EDUCATION_SOURCE_ID, FRANCE_SERVICES_SOURCE_ID, NETWORKS, PUBLICS, publics_of
from .normalise import _split, _today, commune_reference

RAW_TABLES = {
    "dila": "dila_annuaire_2016",
    "agencies": "pe_agences_2019",
    "education": "annuaire_education",
    "ofa": "ofa_referentiel",
    "france_services": "france_services",
}

# French labels of the networks and publics as readers see them (lists.NETWORKS is the list)
NETWORK_ORDER = list(NETWORKS)


def _raw(con, name: str, where: str = "") -> pd.DataFrame:
    table = RAW_TABLES[name]
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = ?",
        [table]).fetchone()[0]
    if not exists:
        raise RuntimeError(f"raw.{table} is missing: ingest its source before building the directory")
    return con.execute(f'select * from raw."{table}" {where}').df()


def commune_tables(con) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(communes, history)`` for :class:`portraits.directory.CommuneIndex`: the COG 2026 communes
    of the region with names, postcodes and former codes (``raw.cog_communes_2026``), and every
    former code of ``ref.commune_history`` plus the COG's delegated/associated communes."""
    cog = con.execute(
        "select code, name, type, parent_code, former_codes, postcodes from raw.cog_communes_2026").df()
    communes, history = commune_reference(cog)
    ref_history = con.execute(
        "select old_code, new_code, old_name from ref.commune_history order by old_code").df()
    return communes, pd.concat([history, ref_history], ignore_index=True)


def commune_locator(con):
    """``locate(lat, lon, codes)``: the code among ``codes`` whose 2026 commune polygon
    (``ref.commune_geometry``) is nearest to the point (0 when inside). Used only to choose between
    two communes a DILA record names (its code and its address): the simplified contours are good
    enough for that, not for a blind point-in-polygon."""
    import shapely

    g = con.execute("select commune_code, geometry_wkb from ref.commune_geometry").df()
    geoms = dict(zip(g["commune_code"], shapely.from_wkb([bytes(b) for b in g["geometry_wkb"]])))

    def locate(lat: float, lon: float, codes: list[str]) -> str | None:
        point = shapely.Point(lon, lat)
        cands = sorted((geoms[c].distance(point), c) for c in codes if c in geoms)
        return cands[0][1] if cands else None

    return locate


def region_communes(con) -> set[str]:
    return {r[0] for r in con.execute("select commune_code from ref.commune where in_region").fetchall()}


def build_frame(con, corrections_path: Path | str | None, *, today: date | str | None = None,
                keep_closed: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The directory as a DataFrame (corrections applied), the validated corrections and the stats.

    Pure read of the warehouse: nothing is written. Raises ``CorrectionsError`` on a bad file."""
    today_d = _today(today)
    dila = _raw(con, "dila")
    agencies = _raw(con, "agencies")
    cio = _raw(con, "education", "where category = 'cio'")
    ofa = _raw(con, "ofa")
    france_services = _raw(con, "france_services")
    communes, history = commune_tables(con)
    stats: dict = {}
    df = build_directory(
        dila, agencies, cio, ofa, communes, history, today=today_d,
        agencies_source_id=str(agencies["source_id"].iloc[0]) if len(agencies) else AGENCIES_SOURCE_ID,
        education_source_id=str(cio["source_id"].iloc[0]) if len(cio) else EDUCATION_SOURCE_ID,
        stats=stats, locate=commune_locator(con), france_services=france_services,
        france_services_source_id=str(france_services["source_id"].iloc[0]) if len(france_services)
        else FRANCE_SERVICES_SOURCE_ID,
    )
    corrections = pd.DataFrame(columns=[*CORRECTION_COLUMNS, "_line"])
    if corrections_path is not None and Path(corrections_path).exists():
        corrections = load_corrections(corrections_path, known_ids(df), region_communes(con))
    elif corrections_path is not None:
        # a missing corrections file would silently bring closed points back: stop instead
        raise FileNotFoundError(
            f"fichier de corrections de l'annuaire introuvable : {corrections_path} ; sans lui, les points "
            "fermés réapparaîtraient. Rétablissez-le (git checkout -- portraits/corrections/annuaire.csv) "
            "ou donnez un fichier vide avec son en-tête.")
    out = apply_corrections(df, corrections, today=today_d, keep_closed=True)
    closed = out[out["closed"].astype(bool)]
    stats["closed"] = len(closed)
    if not keep_closed:
        out = out[~out["closed"].astype(bool)].drop(columns="closed").reset_index(drop=True)
    stats["corrections"] = len(corrections)
    return out, corrections, stats


def _resolve(directory: pd.DataFrame, corrections: pd.DataFrame) -> list[str | None]:
    """The row id each correction reached (ids merged into a row resolve to it)."""
    alias = {i: i for i in directory["id"]}
    for i, m in zip(directory["id"], directory["merged_from"].fillna("")):
        for old in _split(m):
            alias[old] = i
    return [alias.get(pid, pid) for pid in corrections["id"]]


def build(con, corrections_path: Path | str | None, *, today: date | str | None = None) -> dict:
    """Build the ``directory`` schema (module docstring); returns counts for the pipeline's metadata:
    ``rows``, ``rows_<network>``, ``stale``, ``records`` (source records read), merges by kind,
    ``corrections``, ``closed``, ``without_coordinates``, ``territory_rows``, ``seconds``."""
    t0 = time.perf_counter()
    init_schema(con)
    today_d = _today(today)
    full, corrections, stats = build_frame(con, corrections_path, today=today_d, keep_closed=True)
    closed_ids = set(full.loc[full["closed"].astype(bool), "id"])
    points = full[~full["closed"].astype(bool)].drop(columns="closed").reset_index(drop=True)
    unknown = sorted(set(points["commune_code"].dropna()) - region_communes(con))
    if unknown or points["commune_code"].isna().any():
        missing = sorted(points.loc[points["commune_code"].isna(), "id"])
        raise RuntimeError(f"reception points outside the region's COG 2026 communes: codes {unknown}, "
                           f"without commune: {missing[:20]}")

    frame, networks, publics, corr = _frames(points, full, corrections)
    _write_tables(con, frame, networks, publics, corr)
    out = _counts(con, points, closed_ids, stats, today_d)
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


def _frames(points: pd.DataFrame, full: pd.DataFrame,
            corrections: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The frames of ``reception_point``, ``network``, ``public`` and ``correction``."""
    frame = points.copy()
    frame["merged_from"] = frame["merged_from"].replace("", None)
    networks = pd.DataFrame({
        "network": NETWORK_ORDER,
        "label": [NETWORKS[n] for n in NETWORK_ORDER],
        "publics": [publics_of(n) for n in NETWORK_ORDER],
        "sort_order": range(len(NETWORK_ORDER)),
    })
    publics = pd.DataFrame({"public": list(PUBLICS), "label": list(PUBLICS.values()),
                            "sort_order": range(len(PUBLICS))})
    corr = corrections.copy()
    corr["point_id"] = _resolve(full, corr) if len(corr) else []
    corr = pd.DataFrame({
        "line": corr["_line"].astype("int64"), "action": corr["action"].astype(str),
        "id": corr["id"].astype(str), "field": corr["field"].replace("", None),
        "value": corr["value"].replace("", None), "author": corr["author"].astype(str),
        "correction_date": corr["date"].astype(str), "point_id": corr["point_id"].astype(str),
    }) if len(corr) else pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
        ("line", "int64"), ("action", str), ("id", str), ("field", str), ("value", str),
        ("author", str), ("correction_date", str), ("point_id", str))})
    return frame, networks, publics, corr


def _write_tables(con, frame: pd.DataFrame, networks: pd.DataFrame, publics: pd.DataFrame,
                  corr: pd.DataFrame) -> None:
    """Replace the tables of the ``directory`` schema in one transaction."""
    con.execute("begin")
    try:
        for name, df in (("_rp", frame), ("_networks", networks), ("_publics", publics), ("_corr", corr)):
            con.register(name, df)
        con.execute(
            """create or replace table directory.reception_point as
               select id::varchar as id, name::varchar as name, network::varchar as network,
                      publics::varchar as publics, address::varchar as address,
                      postcode::varchar as postcode, commune_code::varchar as commune_code,
                      latitude::double as latitude, longitude::double as longitude,
                      phone::varchar as phone, email::varchar as email, website::varchar as website,
                      opening_hours::varchar as opening_hours, source_id::varchar as source_id,
                      try_cast(source_date as date) as source_date,
                      try_cast(corrected_at as date) as corrected_at, stale::boolean as stale,
                      merged_from::varchar as merged_from
               from _rp order by id""")
        con.execute(
            """create or replace table directory.network as
               select network, label, publics from _networks order by sort_order""")
        con.execute(
            """create or replace table directory.public as
               select public, label from _publics order by sort_order""")
        con.execute(
            """create or replace table directory.reception_point_territory as
               select tc.set_id, tc.territory_id, p.id
               from directory.reception_point p
               join ref.territory_commune tc on tc.commune_code = p.commune_code
               order by tc.set_id, tc.territory_id, p.id""")
        con.execute(
            """create or replace table directory.correction as
               select line, action::varchar as action, id::varchar as id, field::varchar as field,
                      value::varchar as value, author::varchar as author,
                      cast(correction_date as date) as correction_date, point_id::varchar as point_id
               from _corr order by correction_date, line""")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        for name in ("_rp", "_networks", "_publics", "_corr"):
            try:
                con.unregister(name)
            except Exception:  # noqa: BLE001 - not registered if an earlier step failed
                pass


def _counts(con, points: pd.DataFrame, closed_ids: set[str], stats: dict, today_d: date) -> dict:
    """The counts of :func:`build` but ``seconds``."""
    counts = points["network"].value_counts()
    out: dict = {
        "rows": len(points),
        **{f"rows_{n}": int(counts.get(n, 0)) for n in NETWORK_ORDER if counts.get(n, 0)},
        "stale": int(points["stale"].sum()),
        "without_coordinates": int(points["latitude"].isna().sum()),
        "closed": len(closed_ids),
        "corrections": int(stats.get("corrections", 0)),
        "records": int(stats.get("records", 0)),
        "foreign_records": len(stats.get("foreign_records", [])),
        "territory_rows": con.execute("select count(*) from directory.reception_point_territory").fetchone()[0],
        "built_on": today_d.isoformat(),
    }
    for k, v in stats.items():
        if k not in out and isinstance(v, int):
            out[f"merges_{k}" if k not in ("rows",) else k] = v
    return out
