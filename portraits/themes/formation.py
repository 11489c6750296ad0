"""Training offer and education (issue 6): establishments, apprenticeship organisations, Affelnet
capacities and first wishes, the Parcoursup offer and InserJeunes insertion rates.

Counts (``aggregation = 'sum'``) are computed per commune of the region (0 where there is none) and
summed over the territories by ``sql/aggregate.sql``; ``voeux1_par_place`` is recomputed on each
territory from the summed wishes and places; the InserJeunes rates by region × diploma are
recomputed from the summed leavers and young people in employment (set ``region`` only). Rates
published per establishment are never averaged onto territories: they are kept per establishment in
``indicators.etablissement_insertion``.

Placing establishments on communes
----------------------------------
Every establishment gets one COG 2026 commune, by these rules (column ``location_rule`` of
``staging.formation_etablissement``):

* ``code`` — the Éducation nationale directory gives a commune code: mapped to COG 2026 through
  ``ref.commune_history``. A code that is neither a commune of the region nor a former code **stops
  the build** (file, UAI, value). One exception, shared with the directory of reception points
  (``portraits/directory/``): a **CIO** whose ``nom_commune`` names another commune of the same
  département than its code takes the named commune and loses its coordinates (``nom_commune``
  rule: the "Point d'accueil du CIO de Mayenne Sud à Château-Gontier", 0530802J, is filed with
  Laval's code and coordinates). For other establishments the code wins and the conflict is
  recorded as a warning (the Joliverie lycées, 44190 Saint-Sébastien-sur-Loire, are named "Nantes").
* ``adresse`` — apprenticeship organisations absent from the directory: the commune name of their
  address (prépa-apprentissage list first, then the network files), matched within the postcode's
  département against the COG 2026 and 2024 names and the former communes' names.
* ``coordonnees`` — Parcoursup formations of establishments absent from the directory: point in
  polygon (``ref.commune_geometry``, geopandas ``sjoin``; a point just outside every commune, e.g. on
  a simplified coast, takes the nearest commune within :data:`NEAREST_MAX_M`).

Directory establishments whose coordinates fall more than :data:`COORD_TOLERANCE_M` outside their
commune (the contours are simplified) are counted in their coded commune and recorded as warnings.

Bad input
---------
Errors stop the build before anything is published (:class:`sources.errors.SourceFormatError`
naming the dataset's file, the UAI and the value; the line when the raw table keeps one): a commune
code unknown in COG 2026 and in the commune history, a UAI listed twice in the establishment table,
a rate outside 0–100 % (−100…100 points for value added). The parsers already refuse coordinates
outside France, malformed or duplicated UAI and rates above 100 %.

Warnings go to ``meta.data_quality(source_id, level, key, message)`` (created here if absent; the
theme replaces the rows it wrote at the previous build, kept in ``staging.formation_quality``): coordinates outside the commune,
commune-name conflicts, establishments of a source that cannot be placed (their counts are then
absent from every territory, the region included), duplicated Affelnet (UAI, MEF) pairs. Level
``info`` rows document rules applied to the data (e.g. organisations without a UAI).

Published tables (written by :func:`derived`)
---------------------------------------------
``ref.etablissement_formation`` — one row per establishment (UAI):

=============== ====================================================================================
uai             UAI (8 characters), primary key
name            name (directory; InserJeunes, prépa-apprentissage list or network file for
                apprenticeship organisations absent from the directory; Parcoursup otherwise)
category        ``lycee``, ``college``, ``cio``, ``erea`` (directory types), ``cfa`` (apprenticeship
                organisation, see indicator ``cfa``, not typed lycée/collège/CIO/EREA by the
                directory), ``enseignement_superieur`` (known only from Parcoursup), ``autre``
                (other directory establishments that appear in a training source, e.g. an
                Affelnet offer or InserJeunes rates)
lycee_kind      for lycées: ``professionnel``, ``polyvalent``, ``general_technologique``, ``autre``
                (rules of ``sources.annuaire_education.lycee_kind``, derived from the name); NULL
sector          ``Public``, ``Privé``; NULL when no source says
commune_code    COG 2026 commune (``ref.commune``)
latitude        WGS84 (NULL for apprenticeship organisations absent from the directory, and for a CIO
longitude       moved by the ``nom_commune`` rule)
pupils          ``nombre_d_eleves`` of the directory (NULL when not published)
apprentissage   true when the UAI is an apprenticeship organisation counted by ``cfa``
source_id       dataset the row's name and place come from
=============== ====================================================================================

``indicators.etablissement_insertion`` — InserJeunes rates per establishment, as published:
``uai, cohort`` (``2022_2023``: cumul of two years of leavers), ``population`` (``ensemble``,
``scolaires``, ``apprentis`` for lycées; ``apprentis`` for CFA), ``indicator_id`` (``taux_emploi_6m``,
``taux_emploi_12m``, ``taux_emploi_18m``, ``taux_emploi_24m``, ``taux_emploi_6m_attendu``,
``valeur_ajoutee`` in points, ``taux_poursuite``, ``part_poursuite``, ``part_emploi_6m``,
``part_autres``, ``part_contrats_interrompus``; % otherwise), ``value``, ``status`` (``ok``;
``secret`` = not disclosed by the publisher, ``nd`` or blank: fewer than 20 young people), ``source_id``
(``inserjeunes_lycees`` or ``inserjeunes_cfa``). A rate the cohort's file does not carry at all has
no row.
"""

from __future__ import annotations

import re
import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd

from sources import catalog
from sources.errors import SourceFormatError

from ..geography import LAMBERT93, UnknownCommuneCodes, map_codes
from ..indicators import Indicator
from ..warehouse import replace_table, run_sql_file

ID = "formation"
SOURCES = [
    "annuaire_education", "ofa_referentiel", "ofa_prepa_apprentissage", "orion_affelnet",
    "parcoursup_extrait", "inserjeunes_lycees", "inserjeunes_cfa", "inserjeunes_region",
    "cog_communes_2024",  # names of the 2024 communes, to place organisations by their address
]

#: directory categories always kept in the establishment table
KEPT_CATEGORIES = ("lycee", "college", "cio", "erea")
#: distance beyond which a directory point outside its coded commune is reported (simplified contours)
COORD_TOLERANCE_M = 250.0
#: a Parcoursup point outside every commune takes the nearest one within this distance
NEAREST_MAX_M = 1500.0
#: Parcoursup formation_type → indicator suffix (anything else: ``autres``)
PARCOURSUP_GROUPS = {
    "BTS": "bts", "BUT": "but", "Licence": "licence", "Double licence": "licence",
    "Licence professionnelle": "licence", "CMI": "licence", "CPGE": "cpge", "CUPGE": "cpge",
    "Classe préparatoire": "cpge", "Ingénieur": "ingenieur", "Diplôme d'État": "diplome_etat",
}
PARCOURSUP_GROUP_LABELS = {
    "bts": "BTS et BTSA", "but": "BUT", "licence": "Licences (y c. doubles licences, licences "
    "professionnelles, CMI)", "cpge": "Classes préparatoires (CPGE, CUPGE)",
    "ingenieur": "Écoles d'ingénieurs (post-bac)", "diplome_etat": "Diplômes d'État (santé, social)",
    "autres": "Autres formations",
}
INSERTION_SIGNED = {"valeur_ajoutee"}
OFA_EXCLUDED_NATURE = "responsable"


def _count(id_, label, unit, source, description, decimals=0):
    return Indicator(id_, label, unit, source, description, "sum", decimals)


_DIR = ("Establishments of the Éducation nationale directory (distinct UAI: the 4 UAI listed twice "
        "with a site label count once) placed in their commune code mapped to COG 2026; ")

INDICATORS = [
    _count("lycees", "Lycées", "établissements", "annuaire_education",
           _DIR + "every establishment typed 'Lycée' (type_etablissement), public and private, "
           "including the sections (SEP, SEGT) that have their own UAI. Period = directory vintage "
           "(October 2025)."),
    _count("lycees_professionnels", "Lycées professionnels (y compris sections professionnelles)",
           "établissements", "annuaire_education",
           _DIR + "lycées whose kind is 'professionnel' (sources.annuaire_education.lycee_kind: derived "
           "from the name, the extract lacks the official voie_professionnelle column): LP, SEP of "
           "lycées polyvalents, écoles de production, écoles secondaires professionnelles."),
    _count("lycees_polyvalents", "Lycées polyvalents", "établissements", "annuaire_education",
           _DIR + "lycées whose kind (derived from the name) is 'polyvalent'."),
    _count("lycees_generaux_technologiques", "Lycées généraux et technologiques", "établissements",
           "annuaire_education",
           _DIR + "lycées whose kind (derived from the name, then voie_generale) is "
           "'general_technologique' (including SEGT of lycées professionnels, LEGTA)."),
    _count("lycees_autres", "Autres lycées (agricoles privés, écoles techniques…)", "établissements",
           "annuaire_education",
           _DIR + "lycées whose kind is 'autre' (the name says nothing: LEAP and other private "
           "agricultural lycées, écoles techniques privées, higher-education sites). lycees = "
           "professionnels + polyvalents + generaux_technologiques + autres."),
    _count("lycees_publics", "Lycées publics", "établissements", "annuaire_education",
           _DIR + "lycées with statut_public_prive 'Public'."),
    _count("lycees_prives", "Lycées privés", "établissements", "annuaire_education",
           _DIR + "lycées with statut_public_prive 'Privé' (sous contrat or not)."),
    _count("colleges", "Collèges", "établissements", "annuaire_education",
           _DIR + "establishments typed 'Collège' (including SEGPA with their own UAI)."),
    _count("cio", "Centres d'information et d'orientation (CIO)", "établissements", "annuaire_education",
           _DIR + "establishments typed 'Information et orientation' (CIO and their points d'accueil). "
           "A CIO whose nom_commune names another commune of the same département than its code "
           "is counted in the named commune (rule shared with the directory of reception points)."),
    _count("eleves_lycees", "Élèves des lycées", "élèves", "annuaire_education",
           "Sum of nombre_d_eleves of the territory's lycées (directory, October 2025). The "
           "directory publishes no count for the sections (SEP, SEGT), whose pupils are reported "
           "under their lycée, nor for most agricultural lycées, écoles de production and private "
           "schools outside contract: these add nothing and the observation's note counts them."),
    _count("cfa", "Organismes de formation en apprentissage (CFA et lieux de formation)", "organismes",
           "ofa_referentiel",
           "Apprenticeship training organisations: distinct validated UAI of the Mission apprentissage "
           "referential (network files ofa_referentiel and the organisations list "
           "ofa_prepa_apprentissage), excluding closed organisations (etat_administratif 'fermé') "
           "and those whose only nature is 'responsable' (administrative head without training at "
           "that UAI). CFA, CFA sections of lycées (UFA), MFR, CFPPA, GRETA-CFA, schools training "
           "apprentices. Placed by the directory's commune code when the UAI is in the directory, "
           "else by the commune of the address. Organisations without a validated UAI are not "
           "counted (meta.data_quality). Period 2023 (imports 2021-12 to 2023-07)."),
    _count("places_affelnet", "Places offertes en 2de et 1re année de CAP (Affelnet)", "places",
           "orion_affelnet",
           "Capacities (Capacité carte scolaire) of the Affelnet offers of the territory's lycées, "
           "per campaign 2021 and 2022 (statut scolaire; the region's rows are entries into 2nde "
           "professionnelle, MEF 238…, and 1st year CAP, MEF 232…: no 2nde GT). A (UAI, MEF) pair listed twice with the same capacity is taken as one "
           "capacity (counted once); different capacities are summed (meta.data_quality lists the "
           "pairs). Lycées absent from the directory cannot be placed and are not counted."),
    _count("voeux1_affelnet", "Premiers vœux Affelnet", "vœux", "orion_affelnet",
           "Number of applicants who put an offer of the territory's lycées as first wish (Demandes "
           "vœux 1), all offers summed (both rows of a duplicated pair: distinct offers), per "
           "campaign."),
    Indicator("voeux1_par_place", "Premiers vœux par place (Affelnet)", "vœux par place", "orion_affelnet",
              "voeux1_affelnet / places_affelnet, recomputed on each territory from the summed "
              "numerator and denominator (never averaged). Status 'missing' where the territory "
              "has no Affelnet place.", "ratio", 2),
    _count("formations_parcoursup", "Formations proposées sur Parcoursup", "formations",
           "parcoursup_extrait",
           "Rows of the Parcoursup offer (third-party simplified extract, session 2024 or 2025 not "
           "stated; period '2025' with a note): one row per programme offered by an establishment. "
           "Placed by the establishment's directory commune code when its UAI is in the directory, "
           "else by the programme's GPS point (point in polygon)."),
]
INDICATORS += [
    _count(f"formations_parcoursup_{g}", f"Formations Parcoursup : {label}", "formations",
           "parcoursup_extrait",
           f"formations_parcoursup restricted to the group '{g}' of formation_type "
           f"({', '.join(k for k, v in PARCOURSUP_GROUPS.items() if v == g) or 'every other type'}); "
           "the groups add up to formations_parcoursup.")
    for g, label in PARCOURSUP_GROUP_LABELS.items()
]
_IJ = ("Region only (set 'region'): InserJeunes by region x diploma (CAP to BTS), recomputed from the "
       "counts summed over every diploma of the {voie}: 100 x sum(nb_en_emploi_{m}_mois) / "
       "sum(nb_sortant) over the rows with both counts (numerator, denominator). Period = InserJeunes "
       "millésime '2022-2023' (two years of leavers cumulated). Per-establishment rates are in "
       "indicators.etablissement_insertion and are never averaged onto territories.")
INSERTION_RATES = {
    # indicator_id: (voie, months)
    "taux_emploi_6_mois_scolaire": ("scolaire", 6),
    "taux_emploi_12_mois_scolaire": ("scolaire", 12),
    "taux_emploi_6_mois_apprentis": ("apprentissage", 6),
    "taux_emploi_12_mois_apprentis": ("apprentissage", 12),
}
_VOIE_LABEL = {"scolaire": "voie professionnelle scolaire", "apprentissage": "apprentissage"}
INDICATORS += [
    Indicator(i, f"Taux d'emploi à {m} mois des sortants ({_VOIE_LABEL[v]})", "%", "inserjeunes_region",
              _IJ.format(voie="voie " + v, m=m), "ratio", 1)
    for i, (v, m) in INSERTION_RATES.items()
]


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
    labels = dict(con.execute("select commune_code, label from ref.commune").fetchall())
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


# --------------------------------------------------------------------------------------------------
# theme interface
# --------------------------------------------------------------------------------------------------

def commune_values(con) -> None:
    issues = Issues()
    communes = _communes_gdf(con)
    labels = dict(con.execute("select commune_code, label from ref.commune").fetchall())
    etab = build_establishments(con, issues)
    parcoursup, extra = place_parcoursup(con, etab, communes, issues)
    etab = pd.concat([etab, extra], ignore_index=True) if len(extra) else etab
    dup = etab[etab["uai"].duplicated()]
    if len(dup):
        row = dup.iloc[0]
        raise SourceFormatError(_file(row["source_id"]), "UAI listed twice in the establishment table",
                                column="uai", value=row["uai"], dataset_id=row["source_id"])
    check_coordinates(etab, communes, labels, issues)
    unplaced_uai(con, etab, issues)
    affelnet_duplicates(con, issues)
    etab["apprentissage"] = etab["apprentissage"].astype(bool)
    etab["is_section"] = etab["is_section"].astype(bool)
    for col in ("latitude", "longitude", "pupils"):
        etab[col] = pd.to_numeric(etab[col]).astype("float64")
    replace_table(con, "staging", "formation_etablissement", etab[ETAB_COLUMNS])
    replace_table(con, "staging", "formation_parcoursup",
                  parcoursup[["uai", "establishment", "formation", "formation_type", "type_group", "session",
                              "commune_code", "location_rule", "source_id"]].astype({"commune_code": "object"}))
    write_issues(con, issues)
    run_sql_file(con, "formation_commune_values")


def insertion_table(con) -> pd.DataFrame:
    """``indicators.etablissement_insertion`` rows from the InserJeunes raw tables (module docstring);
    a rate outside its range raises :class:`SourceFormatError`."""
    frames = []
    for table, source, populations in (("inserjeunes_lycees", "inserjeunes_lycees", None),
                                       ("inserjeunes_cfa", "inserjeunes_cfa", "apprentis")):
        raw = con.execute(f"select * from raw.{table}").df()
        rates = [c[:-len("_status")] for c in raw.columns if c.endswith("_status")]
        if populations:
            raw["population"] = populations
        long = []
        for rate in rates:
            part = raw[["uai", "cohort", "population", rate, f"{rate}_status"]].rename(
                columns={rate: "value", f"{rate}_status": "status"})
            part["indicator_id"] = {"va_emploi_6m": "valeur_ajoutee", "part_autres_6m": "part_autres"}.get(rate, rate)
            long.append(part)
        df = pd.concat(long, ignore_index=True)
        df = df[df["status"] != "absent"]
        published = df[df["status"] == "ok"].groupby(["cohort", "indicator_id"]).size()
        df = df.set_index(["cohort", "indicator_id"])
        df = df[df.index.isin(published.index)].reset_index()
        df["status"] = df["status"].map({"ok": "ok", "nd": "secret"})
        df.loc[df["status"] != "ok", "value"] = np.nan
        df["source_id"] = source
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    low = np.where(out["indicator_id"].isin(INSERTION_SIGNED), -100, 0)
    bad = out[(out["value"] > 100) | (out["value"] < low)]
    if len(bad):
        row = bad.iloc[0]
        raise SourceFormatError(
            _file(row["source_id"]),
            f"rate out of range for UAI {row['uai']}, cohort {row['cohort']}, population {row['population']}",
            column=row["indicator_id"], value=row["value"], dataset_id=row["source_id"])
    if out["status"].isna().any():
        raise ValueError("unknown InserJeunes status: " + ", ".join(map(str, out.loc[out["status"].isna()].index[:5])))
    out = out[["uai", "cohort", "population", "indicator_id", "value", "status", "source_id"]]
    return out.sort_values(["uai", "cohort", "population", "indicator_id"]).reset_index(drop=True)


def derived(con) -> None:
    replace_table(con, "indicators", "etablissement_insertion", insertion_table(con))
    run_sql_file(con, "formation_derived")
