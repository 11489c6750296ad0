"""The training theme's establishment table (``staging.formation_etablissement``) and Parcoursup
programmes placed in their commune, with the data-quality notes of their sources
(``meta.data_quality``): what ``portraits/themes/formation.py`` counts per commune. The table's
columns are described in that module's docstring."""

from __future__ import annotations

import re
import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd

from sources import catalog
from sources.errors import SourceFormatError

from ..geography import LAMBERT93, UnknownCommuneCodes, map_codes
from ..warehouse import replace_table
from .formation_indicators import PARCOURSUP_GROUPS

#: directory categories always kept in the establishment table
KEPT_CATEGORIES = ("lycee", "college", "cio", "erea")
#: distance beyond which a directory point outside its coded commune is reported (simplified contours)
COORD_TOLERANCE_M = 250.0
#: a Parcoursup point outside every commune takes the nearest one within this distance
NEAREST_MAX_M = 1500.0
OFA_EXCLUDED_NATURE = "responsable"

# --------------------------------------------------------------------------------------------------
# data quality
# --------------------------------------------------------------------------------------------------

class Issues:
    """Warnings and infos for ``meta.data_quality``."""

    def __init__(self):
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, source_id: str, level: str, key: str, message: str) -> None:
        self.rows.append((source_id, level, key, message))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["source_id", "level", "key", "message"])


def ensure_quality_table(con) -> None:
    con.execute("create schema if not exists meta")
    con.execute(
        """create table if not exists meta.data_quality (
               source_id varchar, level varchar, key varchar, message varchar)""")


def write_issues(con, issues: Issues) -> int:
    """Replace, in ``meta.data_quality``, the rows this theme wrote last time (kept in
    ``staging.formation_quality``) by ``issues``; rows written by others are left alone."""
    ensure_quality_table(con)
    previous = con.execute(
        """select count(*) from information_schema.tables
           where table_schema = 'staging' and table_name = 'formation_quality'""").fetchone()[0]
    if previous:
        con.execute(
            """delete from meta.data_quality q
               where exists (select 1 from staging.formation_quality p
                             where p.source_id = q.source_id and p.level = q.level and p.key = q.key
                               and p.message = q.message)""")
    frame = issues.frame().drop_duplicates()
    replace_table(con, "staging", "formation_quality", frame.astype(str) if len(frame) else
                  pd.DataFrame({c: pd.Series(dtype=str) for c in frame.columns}))
    con.execute("insert into meta.data_quality select source_id, level, key, message from staging.formation_quality")
    return len(frame)


def _file(dataset_id: str) -> str:
    try:
        return catalog.get(dataset_id).mirror_path
    except Exception:  # noqa: BLE001 - an unknown id still gets a readable message
        return dataset_id


# --------------------------------------------------------------------------------------------------
# commune names
# --------------------------------------------------------------------------------------------------

def plain(text) -> str:
    """Lower case, no accent, ``st``/``ste`` spelled out, punctuation as spaces."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    t = unicodedata.normalize("NFD", str(text))
    t = "".join(c for c in t if unicodedata.category(c) != "Mn").lower().replace("’", "'")
    t = re.sub(r"[^a-z0-9]+", " ", t)
    t = re.sub(r"\bst\b", "saint", t)
    t = re.sub(r"\bste\b", "sainte", t)
    return " ".join(t.split())


class CommuneNames:
    """Commune names (COG 2026, COG 2024, former communes) → COG 2026 code, within a département."""

    def __init__(self, names: pd.DataFrame):
        """``names``: ``departement, name, commune_code`` (one row per known name)."""
        self.by_key: dict[tuple[str, str], set[str]] = {}
        self.names_of: dict[str, set[str]] = {}
        for dep, name, code in names[["departement", "name", "commune_code"]].itertuples(index=False):
            p = plain(name)
            if not p:
                continue
            self.by_key.setdefault((str(dep), p), set()).add(code)
            self.names_of.setdefault(code, set()).add(p)

    @classmethod
    def from_warehouse(cls, con) -> "CommuneNames":
        frame = con.execute(
            """select departement_code as departement, label as name, commune_code
               from ref.commune where in_region
               union all
               select c.departement, c.name, coalesce(h.new_code, c.code)
               from raw.cog_communes_2024 c left join ref.commune_history h on h.old_code = c.code
               where c.type = 'commune-actuelle' and c.region = '52'
               union all
               select left(h.old_code, 2), h.old_name, h.new_code
               from ref.commune_history h where h.old_name is not null""").df()
        return cls(frame)

    def find(self, departement: str | None, name) -> str | None:
        """The 2026 code of ``name`` in ``departement``; None if unknown or ambiguous."""
        codes = self.by_key.get((str(departement or ""), plain(name)), set())
        return next(iter(codes)) if len(codes) == 1 else None

    def is_name_of(self, code: str, name) -> bool:
        return plain(name) in self.names_of.get(code, set())


# --------------------------------------------------------------------------------------------------
# establishments
# --------------------------------------------------------------------------------------------------

ETAB_COLUMNS = ["uai", "name", "category", "lycee_kind", "sector", "commune_code", "latitude", "longitude",
                "pupils", "apprentissage", "source_id", "location_rule", "is_section", "file_commune_name"]


def _raise_unknown_codes(annuaire: pd.DataFrame, codes: list[str]) -> None:
    bad = annuaire[annuaire["commune_code"].isin(codes)].iloc[0]
    line = bad.get("source_line", bad.get("_line"))
    raise SourceFormatError(
        _file("annuaire_education"),
        f"commune code unknown in COG 2026 and in the commune history (establishment {bad['uai']}, "
        f"{bad['name']}; {len(codes)} unknown code(s): {', '.join(sorted(codes)[:10])})",
        line=int(line) if line is not None and not pd.isna(line) else None,
        column="code_commune", value=bad["commune_code"], dataset_id="annuaire_education")


def directory_communes(annuaire: pd.DataFrame, history: pd.DataFrame, region_codes: set[str],
                       names: CommuneNames, issues: Issues) -> pd.DataFrame:
    """``annuaire`` (raw.annuaire_education rows) with ``commune_code`` in COG 2026, the file's
    name in ``file_commune_name`` and the ``nom_commune`` rule applied to CIO (module docstring).
    Unknown codes raise :class:`SourceFormatError`."""
    df = annuaire.copy()
    try:
        df["code_2026"] = map_codes(df["commune_code"], history, current_codes=region_codes,
                                    where="the Éducation nationale directory").to_numpy()
    except UnknownCommuneCodes as exc:
        _raise_unknown_codes(df, exc.codes)
    outside = ~df["code_2026"].isin(region_codes)
    if outside.any():
        _raise_unknown_codes(df, sorted(set(df.loc[outside, "commune_code"])))
    df["file_commune_name"] = df["commune_name"]
    df["location_rule"] = "code"
    for i, row in df.iterrows():
        name = row["commune_name"]
        code = row["code_2026"]
        if not plain(name) or names.is_name_of(code, name):
            continue
        other = names.find(code[:2], name)
        if other is None or other == code:
            continue  # a spelling the reference does not know: nothing to say
        if row["category"] == "cio":
            df.at[i, "code_2026"] = other
            df.at[i, "latitude"] = np.nan
            df.at[i, "longitude"] = np.nan
            df.at[i, "location_rule"] = "nom_commune"
            issues.add("annuaire_education", "warning", row["uai"],
                       f"{row['name']} : code commune {row['commune_code']} mais nom de commune "
                       f"« {name} » ({other}) ; CIO placé dans la commune nommée, coordonnées "
                       f"écartées (règle partagée avec l'annuaire des lieux d'accueil).")
        else:
            issues.add("annuaire_education", "warning", row["uai"],
                       f"{row['name']} : le nom de commune du fichier (« {name} », {other}) désigne "
                       f"une autre commune que son code ({row['commune_code']}) ; le code est retenu.")
    df["commune_code"] = df.pop("code_2026")
    return df


def check_coordinates(etab: pd.DataFrame, communes: gpd.GeoDataFrame, labels: dict[str, str],
                      issues: Issues, tolerance_m: float = COORD_TOLERANCE_M) -> int:
    """Warn about directory points lying more than ``tolerance_m`` outside their commune."""
    pts = etab[etab["latitude"].notna() & (etab["source_id"] == "annuaire_education")]
    if pts.empty:
        return 0
    gdf = gpd.GeoDataFrame(pts[["uai", "name", "commune_code"]],
                           geometry=gpd.points_from_xy(pts["longitude"], pts["latitude"], crs="EPSG:4326")
                           ).to_crs(LAMBERT93)
    poly = communes.set_index("commune_code").geometry
    joined = gpd.sjoin(gdf, communes[["commune_code", "geometry"]].rename(columns={"commune_code": "in_code"}),
                       how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    n = 0
    for row in joined.itertuples():
        if row.in_code == row.commune_code or row.commune_code not in poly.index:
            continue
        dist = poly[row.commune_code].distance(row.geometry)
        if dist <= tolerance_m:
            continue
        where = (f"dans la commune {row.in_code} ({labels.get(row.in_code, '')})"
                 if isinstance(row.in_code, str) else "hors de toute commune de la région")
        metres = f"{dist:,.0f}".replace(",", "\u202f")
        issues.add("annuaire_education", "warning", row.uai,
                   f"{row.name} : coordonnées à {metres} m de sa commune {row.commune_code} "
                   f"({labels.get(row.commune_code, '')}), {where} ; l'établissement est compté dans "
                   "sa commune (code).")
        n += 1
    return n


def ofa_organisations(referentiel: pd.DataFrame, prepa: pd.DataFrame, issues: Issues) -> pd.DataFrame:
    """One row per UAI of an apprenticeship organisation counted by ``cfa`` (indicator rules):
    ``uai, name, departement, commune_text, source_id`` (the prépa list, cleaner, first)."""
    frames = []
    if len(prepa):
        p = prepa.copy()
        p["departement"] = p["departement"].fillna("")
        p["commune_text"] = p["commune"]
        p["state"] = None
        p["source_id"] = p.get("source_id", "ofa_prepa_apprentissage")
        frames.append(p[["uai", "siret", "name", "nature", "state", "departement", "commune_text", "source_id"]])
    if len(referentiel):
        r = referentiel.copy()
        r["departement"] = r["postcode"].fillna("").str[:2]
        r["commune_text"] = r["commune"]
        r["source_id"] = r.get("source_id", "ofa_referentiel")
        frames.append(r[["uai", "siret", "name", "nature", "state", "departement", "commune_text", "source_id"]])
    if not frames:
        return pd.DataFrame(columns=["uai", "name", "departement", "commune_text", "source_id", "natures"])
    rows = pd.concat(frames, ignore_index=True).astype(object).where(lambda f: f.notna(), None)
    groups: dict[str, list[dict]] = {}
    for rec in rows.to_dict("records"):
        if not rec["uai"]:
            issues.add(str(rec["source_id"]), "info", f"siret:{rec['siret']}",
                       f"{rec['name']} : organisme sans UAI validée, non compté parmi les CFA.")
            continue
        groups.setdefault(rec["uai"], []).append(rec)
    out = []
    for uai in sorted(groups):
        part = groups[uai]
        natures = {r["nature"] for r in part if r["nature"]}
        states = {r["state"] for r in part if r["state"]}
        if ("fermé" in states and "actif" not in states) or (natures and natures <= {OFA_EXCLUDED_NATURE}):
            continue
        best = next((r for r in part if r["commune_text"]), part[0])
        out.append({"uai": uai, "name": best["name"], "departement": best["departement"] or uai[1:3],
                    "commune_text": best["commune_text"], "source_id": best["source_id"],
                    "natures": "|".join(sorted(natures))})
    return pd.DataFrame(out, columns=["uai", "name", "departement", "commune_text", "source_id", "natures"])


def build_establishments(con, issues: Issues) -> pd.DataFrame:
    """The establishment table (:data:`ETAB_COLUMNS`) from the raw tables (module docstring)."""
    region_codes = {r[0] for r in con.execute("select commune_code from ref.commune where in_region").fetchall()}
    history = con.execute("select old_code, new_code from ref.commune_history").df()
    names = CommuneNames.from_warehouse(con)
    ofa = ofa_organisations(con.execute("select * from raw.ofa_referentiel").df(),
                            con.execute("select * from raw.ofa_prepa_apprentissage").df(), issues)
    ofa_uai = set(ofa["uai"])
    used = set()
    for table in ("inserjeunes_lycees", "inserjeunes_cfa", "orion_affelnet", "parcoursup"):
        used |= {r[0] for r in con.execute(f"select distinct uai from raw.{table}").fetchall()}
    annuaire = con.execute("select * from raw.annuaire_education").df()
    keep = annuaire["category"].isin(KEPT_CATEGORIES) | annuaire["uai"].isin(ofa_uai | used)
    d = directory_communes(annuaire[keep].reset_index(drop=True), history, region_codes, names, issues)
    d["category"] = np.where(d["category"].isin(KEPT_CATEGORIES), d["category"],
                             np.where(d["uai"].isin(ofa_uai), "cfa", "autre"))
    d["lycee_kind"] = d["lycee_kind"].where(d["category"] == "lycee", None).replace("", None)
    d["sector"] = d["sector"].replace("", None)
    d["apprentissage"] = d["uai"].isin(ofa_uai)
    d["is_section"] = d["name"].map(lambda n: plain(n).startswith("section d enseignement"))
    etab = d[ETAB_COLUMNS].copy()

    # apprenticeship organisations absent from the directory: commune of their address
    ij_names = dict(con.execute(
        """select uai, arg_max(name, cohort) from raw.inserjeunes_cfa group by uai""").fetchall())
    rows = []
    for o in ofa[~ofa["uai"].isin(set(etab["uai"]))].itertuples(index=False):
        code = names.find(o.departement, o.commune_text)
        if code is None:
            issues.add(o.source_id, "warning", o.uai,
                       f"{o.name} : commune de l'adresse introuvable (« {o.commune_text} », "
                       f"département {o.departement}) ; organisme non compté parmi les CFA.")
            continue
        rows.append({"uai": o.uai, "name": ij_names.get(o.uai) or o.name, "category": "cfa",
                     "lycee_kind": None, "sector": None, "commune_code": code, "latitude": np.nan,
                     "longitude": np.nan, "pupils": np.nan, "apprentissage": True, "source_id": o.source_id,
                     "location_rule": "adresse", "is_section": False, "file_commune_name": o.commune_text})
    if rows:
        etab = pd.concat([etab, pd.DataFrame(rows, columns=ETAB_COLUMNS)], ignore_index=True)
    return etab


def place_parcoursup(con, etab: pd.DataFrame, communes: gpd.GeoDataFrame, issues: Issues
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parcoursup rows with ``commune_code`` and ``type_group``, and the establishments known only
    from Parcoursup (category ``enseignement_superieur``) to add to the table."""
    p = con.execute("select * from raw.parcoursup").df()
    p["type_group"] = p["formation_type"].map(PARCOURSUP_GROUPS).fillna("autres")
    p["commune_code"] = None
    p["location_rule"] = None
    by_code = etab[etab["location_rule"].isin(["code", "nom_commune"])].set_index("uai")["commune_code"]
    known = p["uai"].isin(by_code.index)
    p.loc[known, "commune_code"] = p.loc[known, "uai"].map(by_code)
    p.loc[known, "location_rule"] = "code"
    pts = p[~known & p["latitude"].notna()]
    if len(pts):
        gdf = gpd.GeoDataFrame(pts[[]], geometry=gpd.points_from_xy(pts["longitude"], pts["latitude"],
                                                                     crs="EPSG:4326")).to_crs(LAMBERT93)
        j = gpd.sjoin_nearest(gdf, communes[["commune_code", "geometry"]], how="left",
                              max_distance=NEAREST_MAX_M, distance_col="_dist")
        j = j[~j.index.duplicated()]
        p.loc[j.index, "commune_code"] = j["commune_code"]
        p.loc[j.index[j["commune_code"].notna()], "location_rule"] = "coordonnees"
    # remaining rows: the establishment's commune (address), else the commune of its other rows
    other = etab.set_index("uai")["commune_code"]
    for i in p.index[p["commune_code"].isna()]:
        uai = p.at[i, "uai"]
        same = p.loc[(p["uai"] == uai) & p["commune_code"].notna(), "commune_code"]
        if uai in other.index:
            p.at[i, "commune_code"], p.at[i, "location_rule"] = other[uai], "etablissement"
        elif len(same):
            p.at[i, "commune_code"], p.at[i, "location_rule"] = same.mode().iloc[0], "etablissement"
        else:
            issues.add("parcoursup_extrait", "warning", uai,
                       f"{p.at[i, 'establishment']} – {p.at[i, 'formation']} : ni UAI connue de "
                       "l'annuaire ni coordonnées exploitables ; formation non comptée.")
    placed = p[p["commune_code"].notna()]
    # establishments known only from Parcoursup
    new = placed[~placed["uai"].isin(set(etab["uai"]))]
    rows = []
    for uai, part in new.groupby("uai", sort=True):
        code = part["commune_code"].mode().iloc[0]
        first = part[(part["commune_code"] == code) & part["latitude"].notna()]
        first = first.iloc[0] if len(first) else part.iloc[0]
        rows.append({"uai": uai, "name": first["establishment"], "category": "enseignement_superieur",
                     "lycee_kind": None, "sector": first["sector"] or None, "commune_code": code,
                     "latitude": first["latitude"], "longitude": first["longitude"], "pupils": np.nan,
                     "apprentissage": False, "source_id": "parcoursup_extrait",
                     "location_rule": "coordonnees", "is_section": False, "file_commune_name": None})
    return p, pd.DataFrame(rows, columns=ETAB_COLUMNS)


def unplaced_uai(con, etab: pd.DataFrame, issues: Issues) -> None:
    """Warn about establishments of Affelnet and InserJeunes that cannot be placed."""
    known = set(etab["uai"])
    aff = con.execute(
        """select uai, year, sum(capacity), sum(first_wishes) from raw.orion_affelnet
           group by all order by uai, year""").fetchall()
    for uai, year, cap, wishes in aff:
        if uai not in known:
            issues.add("orion_affelnet", "warning", f"{uai}/{year}",
                       f"UAI {uai} absent de l'annuaire de l'éducation 2025 (établissement fermé ou "
                       f"fusionné ?) : {cap:.0f} place(s) et {wishes:.0f} premier(s) vœu(x) Affelnet "
                       f"{year} non rattaché(s) à une commune, donc absents de tous les territoires.")
    for table, source in (("inserjeunes_lycees", "inserjeunes_lycees"), ("inserjeunes_cfa", "inserjeunes_cfa")):
        for uai, name, cohort in con.execute(
                f"select uai, arg_max(name, cohort), max(cohort) from raw.{table} group by uai order by uai"
        ).fetchall():
            if uai not in known:
                issues.add(source, "warning", uai,
                           f"{name} : UAI absente de l'annuaire de l'éducation et des référentiels "
                           f"d'apprentissage ; taux InserJeunes (dernier millésime {cohort}) conservés "
                           "par établissement mais non rattachés à un territoire.")


def affelnet_duplicates(con, issues: Issues) -> None:
    for year, uai, mef, caps, wishes in con.execute(
            """select year, uai, mefstat11, list(capacity order by capacity), list(first_wishes order by capacity)
               from raw.orion_affelnet group by all having count(*) > 1 order by 1, 2, 3""").fetchall():
        same = len(set(caps)) == 1
        rule = ("même capacité : comptée une fois" if same else "capacités différentes : additionnées")
        issues.add("orion_affelnet", "warning", f"{uai}/{mef}/{year}",
                   f"Offre Affelnet {year} en double (lycée {uai}, MEF {mef}) : capacités "
                   f"{' et '.join(f'{c:.0f}' for c in caps)}, premiers vœux "
                   f"{' et '.join(f'{w:.0f}' for w in wishes)} ; {rule}, vœux additionnés.")


def _communes_gdf(con) -> gpd.GeoDataFrame:
    g = con.execute("select commune_code, geometry_wkb from ref.commune_geometry").df()
    geom = gpd.GeoSeries.from_wkb(g["geometry_wkb"].map(bytes), crs="EPSG:4326")
    return gpd.GeoDataFrame(g[["commune_code"]], geometry=geom, crs="EPSG:4326").to_crs(LAMBERT93)
