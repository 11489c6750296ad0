"""Training offer and education (issue 6): establishments, apprenticeship organisations, Affelnet
capacities and first wishes, the Parcoursup offer and InserJeunes insertion rates. The indicators
are declared in ``formation_indicators.py``; the establishment table is built in
``formation_establishments.py``; this module is the theme's interface (commune values, derived).

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

import numpy as np
import pandas as pd

from sources.errors import SourceFormatError

from ..warehouse import replace_table, run_sql_file
from .formation_establishments import (COORD_TOLERANCE_M, ETAB_COLUMNS, KEPT_CATEGORIES,  # noqa: F401
                                       NEAREST_MAX_M, OFA_EXCLUDED_NATURE, CommuneNames, Issues, _file,
                                       affelnet_duplicates, build_establishments, check_coordinates,
                                       directory_communes, ensure_quality_table, ofa_organisations,
                                       place_parcoursup, plain, unplaced_uai, write_issues, _communes_gdf)
from .formation_indicators import (INDICATORS, INSERTION_RATES, PARCOURSUP_GROUP_LABELS,  # noqa: F401
                                   PARCOURSUP_GROUPS)

ID = "formation"
SOURCES = [
    "annuaire_education", "ofa_referentiel", "ofa_prepa_apprentissage", "orion_affelnet",
    "parcoursup_extrait", "inserjeunes_lycees", "inserjeunes_cfa", "inserjeunes_region",
    "cog_communes_2024",  # names of the 2024 communes, to place organisations by their address
]

INSERTION_SIGNED = {"valeur_ajoutee"}


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
