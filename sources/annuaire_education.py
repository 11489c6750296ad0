"""Annuaire de l'éducation (Éducation nationale): schools, collèges, lycées, CIO… with coordinates.

Dataset ``annuaire_education``. The mirror holds a 14-column extract of the national file
``fr-en-annuaire-education`` cut to region 52 (a third-party column subset, see its SOURCE.md):
the 12 original API-style columns below plus ``longitude``/``latitude`` decoded from the point
geometry. The official regional export (Opendatasoft v2.1 API, field names as headers) has the same
column names among its 72, including its own ``longitude``/``latitude``; :func:`parse` reads the
columns it needs by name and ignores the others, so it reads both (the official export is untested
here: no network).

``parse(path)`` → one row per establishment (UAI):

============== ======================================================================================
uai            ``identifiant_de_l_etablissement`` (8 characters: 7 digits + 1 letter)
name           ``nom_etablissement``
type           ``type_etablissement`` as in the file: ``Ecole``, ``Collège``, ``Lycée``,
               ``Médico-social``, ``Service Administratif``, ``Autre``, ``Information et orientation``
               (CIO), ``EREA``… Rows with an empty type are KEPT with ``type = ""`` (8 rows in the
               2025 extract: private higher-education schools such as business or IT schools).
sector         ``Public`` or ``Privé`` (``statut_public_prive``); ``""`` when empty (the 101
               administrative services)
commune_code   ``code_commune`` (INSEE code, 5 characters)
commune_name   ``nom_commune`` as in the file. Not reliable: 16 codes of the 2025 extract come with two
               spellings, and a few names are another commune's (44190 Saint-Sébastien-sur-Loire also
               appears as "Nantes", 53130 Laval as "Château-Gontier-sur-Mayenne"). Take names from
               the COG through ``commune_code``.
pupils         ``nombre_d_eleves`` (float; NaN when empty: services, CIO, many private schools)
voie_generale  ``voie_generale``: 1.0 (offers the general track), 0.0, NaN when empty (non-lycées)
longitude      WGS84 degrees (float; NaN when empty)
latitude       WGS84 degrees (float; NaN when empty)
other_names    ``|``-separated names of the other rows merged into this one (see below), else ``""``
rows_in_file   number of file rows merged into this row (1, or 2 for the merged sites below)
_line          line of the kept row in the file (header = line 1)
============== ======================================================================================

Validation (each failure raises :class:`~sources.errors.SourceFormatError` naming the file, the
line, the column and the value):

* required columns present; every line has the header's number of fields;
* UAI well formed; commune code well formed (``\\d{5}`` or Corsican ``2A``/``2B``);
* ``statut_public_prive`` is ``Public``, ``Privé`` or empty;
* pupils a whole non-negative number or empty;
* coordinates numbers inside the metropolitan-France box (longitude −5.5…10, latitude 41…51.5),
  or both empty;
* **UAI unique**, with one tolerated exception: the official file lists a few lycées twice under the
  same UAI, once under the main name and once under a site label ("… - site enseignement
  supérieur", "… - Pôle des arts graphiques"), with the same type, sector, commune code, pupils and
  coordinates (4 UAI in the 2025 extract: 0440256P, 0492015Z, 0492406Z, 0530068L). Such rows are
  merged into one: the row with the shortest name (the main name) is kept, the other names go to
  ``other_names``, ``rows_in_file`` counts the rows and ``voie_generale`` is the highest of theirs.
  Two rows sharing a UAI that differ in any of those fields are an error naming the second row's line and the UAI. Counting ``rows_in_file``
  reproduces the publisher's row counts (3,915 rows, 335 lycées) while every UAI appears once
  (3,911 establishments, 331 lycées) and no pupil is counted twice.

``classify(df)`` adds two columns for indicators:

============== ======================================================================================
category       ``lycee`` (type ``Lycée``), ``college`` (``Collège``), ``ecole`` (``Ecole``), ``cio``
               (``Information et orientation``), ``erea`` (``EREA``), ``other`` (anything else,
               including the empty type)
lycee_kind     for lycées only (``""`` otherwise), **derived from the name** (and, last, from
               ``voie_generale``), because the extract lacks the official ``voie_professionnelle`` and
               ``voie_technologique`` columns. A documented heuristic; rules applied in this order to
               the name lower-cased with accents removed (first match wins):

               1. starts with "section d'enseignement general" (SEGT of a lycée professionnel)
                  → ``general_technologique``;
               2. vocational wording ("professionnel(le)", the words LP, LPP, LPA, LEPP, LEPRP, or
                  "ecole de production") together with "polyvalent", LPO, "general" or "technologique",
                  and not a "section d'enseignement professionnel" → ``polyvalent``
                  (e.g. "Lycée technologique et professionnel …");
               3. vocational wording → ``professionnel`` (lycées professionnels, SEP of polyvalent
                  lycées, which have their own UAI, écoles secondaires professionnelles, écoles de
                  production);
               4. "polyvalent" or the word LPO → ``polyvalent``;
               5. "general", "technologique" or the words LGT, LEGT, LEGTA, LEGTAP →
                  ``general_technologique``;
               6. starts with "lycee des metiers" → ``professionnel``;
               7. the name says nothing but ``voie_generale`` is 1 → ``general_technologique``
                  ("Lycée Clemenceau": public general lycées are named that way; the vocational
                  section of a polyvalent lycée is a separate UAI caught by rule 3);
               8. otherwise ``autre`` (agricultural LEAP, private schools, higher-education sites…).

               In the 2025 extract (331 lycées): 130 professionnel, 54 polyvalent, 111
               general_technologique, 36 autre. When the official file is available, its
               ``voie_professionnelle`` / ``voie_technologique`` columns should replace the name rules.
============== ======================================================================================
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import concat_files, check_codes, read_delimited, to_number

DATASET_ID = "annuaire_education"

DATASETS: list[Dataset] = [
    Dataset(
        id=DATASET_ID,
        table="annuaire_education",
        parser="annuaire_education:parse_classified",
        description='Éducation nationale directory of establishments (type, sector, pupils, coordinates).',
        family="education",
        title=(
            "Annuaire de l'éducation : écoles, collèges, lycées, CIO et autres établissements "
            "(type, secteur, effectifs, localisation)"
        ),
        publisher="Ministère de l'Éducation nationale (DEPP / DNE)",
        url=(
            "https://data.education.gouv.fr/api/explore/v2.1/catalog/datasets/fr-en-annuaire-education"
            "/exports/csv?delimiter=%3B&where=code_region%3D%2252%22"
        ),
        page="https://data.education.gouv.fr/explore/dataset/fr-en-annuaire-education/",
        licence=LO2,
        vintage="Octobre 2025 (fichier mis à jour quotidiennement par le ministère)",
        mirror_path="annuaire_education/fr-en-annuaire-education_extrait_pdl.csv",
        layout="derived",
        official_layout=False,
        official_reason="only the mirror's derived layout is parsed so far",
        note=(
            "Mirror: 12 of the 72 columns of the national file (third-party snapshot, Data For Good "
            "ODIS project, October 2025), cut to region 52, plus longitude/latitude decoded from the "
            "point geometry. The official URL serves the regional export with all 72 columns under the "
            "same field names (including its own longitude/latitude); the parser reads the needed "
            "columns by name from either (official export untested offline)."
        ),
    ),
]

COLUMNS = {
    "identifiant_de_l_etablissement": "uai",
    "nom_etablissement": "name",
    "type_etablissement": "type",
    "statut_public_prive": "sector",
    "code_commune": "commune_code",
    "nom_commune": "commune_name",
    "nombre_d_eleves": "pupils",
    "longitude": "longitude",
    "latitude": "latitude",
    "voie_generale": "voie_generale",
}
UAI = re.compile(r"^\d{7}[A-Z]$")
SECTORS = {"Public", "Privé", ""}
LON_RANGE = (-5.5, 10.0)
LAT_RANGE = (41.0, 51.5)
# fields that must agree for two rows sharing a UAI to be merged as sites of one establishment
SAME_SITE_FIELDS = ["type", "sector", "commune_code", "pupils_text", "longitude_text", "latitude_text"]

CATEGORIES = {
    "Lycée": "lycee",
    "Collège": "college",
    "Ecole": "ecole",
    "Information et orientation": "cio",
    "EREA": "erea",
}


def parse(path: Path) -> pd.DataFrame:
    raw = read_delimited(path, sep=";", required=list(COLUMNS), dataset_id=DATASET_ID)
    for col in COLUMNS:
        raw[col] = raw[col].fillna("").str.strip()
    check_codes(raw, "identifiant_de_l_etablissement", path, pattern=UAI, dataset_id=DATASET_ID, what="UAI")
    check_codes(raw, "code_commune", path, dataset_id=DATASET_ID)
    df = pd.DataFrame({new: raw[old] for old, new in COLUMNS.items()})
    df["_line"] = raw["_line"].to_numpy()
    df = df.rename(columns={"pupils": "pupils_text", "longitude": "longitude_text",
                            "latitude": "latitude_text"})
    bad = df[~df["sector"].isin(SECTORS)]
    if not bad.empty:
        row = bad.iloc[0]
        raise SourceFormatError(path, "unknown sector (expected Public or Privé)", line=int(row["_line"]),
                                column="statut_public_prive", value=row["sector"], dataset_id=DATASET_ID)
    pupils = to_number(_as_source(df), "nombre_d_eleves", path, dataset_id=DATASET_ID, integer=True)
    if (pupils < 0).any():
        row = df[pupils < 0].iloc[0]
        raise SourceFormatError(path, "negative number of pupils", line=int(row["_line"]),
                                column="nombre_d_eleves", value=row["pupils_text"], dataset_id=DATASET_ID)
    df["pupils"] = pupils.to_numpy()
    df["voie_generale"] = _flag(df, path)
    _check_coordinates(df, path)
    df = _merge_sites(df, path)
    df = df.drop(columns=["pupils_text", "longitude_text", "latitude_text"])
    return df[["uai", "name", "type", "sector", "commune_code", "commune_name", "pupils", "voie_generale",
               "longitude", "latitude", "other_names", "rows_in_file", "_line"]].reset_index(drop=True)


def _flag(df: pd.DataFrame, path) -> pd.Series:
    bad = df[~df["voie_generale"].isin({"0", "1", ""})]
    if not bad.empty:
        row = bad.iloc[0]
        raise SourceFormatError(path, "expected 0, 1 or empty", line=int(row["_line"]),
                                column="voie_generale", value=row["voie_generale"], dataset_id=DATASET_ID)
    return pd.to_numeric(df["voie_generale"].replace("", None)).astype("float64")


def _as_source(df: pd.DataFrame) -> pd.DataFrame:
    """The text columns under their file names, for error messages of the tabular helpers."""
    return pd.DataFrame({"nombre_d_eleves": df["pupils_text"], "longitude": df["longitude_text"],
                         "latitude": df["latitude_text"], "_line": df["_line"]}, index=df.index)


def _check_coordinates(df: pd.DataFrame, path) -> None:
    src = _as_source(df)
    lon = to_number(src, "longitude", path, dataset_id=DATASET_ID)
    lat = to_number(src, "latitude", path, dataset_id=DATASET_ID)
    half = lon.isna() != lat.isna()
    if half.any():
        row = df[half].iloc[0]
        raise SourceFormatError(path, "only one of longitude/latitude given", line=int(row["_line"]),
                                value=f"{row['longitude_text']!s}, {row['latitude_text']!s}",
                                dataset_id=DATASET_ID)
    for name, values, (lo, hi) in (("longitude", lon, LON_RANGE), ("latitude", lat, LAT_RANGE)):
        out = values.notna() & ~values.between(lo, hi)
        if out.any():
            row = df[out].iloc[0]
            raise SourceFormatError(
                path, f"coordinates outside metropolitan France ({name} not in {lo}…{hi})",
                line=int(row["_line"]), column=name, value=row[f"{name}_text"], dataset_id=DATASET_ID,
            )
    df["longitude"] = lon.to_numpy()
    df["latitude"] = lat.to_numpy()


def _merge_sites(df: pd.DataFrame, path) -> pd.DataFrame:
    df = df.copy()
    df["other_names"] = ""
    df["rows_in_file"] = 1
    dup = df["uai"].duplicated(keep=False)
    if not dup.any():
        return df
    drop = []
    for uai, group in df[dup].groupby("uai", sort=False):
        first = group.iloc[0]
        for _, row in group.iloc[1:].iterrows():
            differ = [f for f in SAME_SITE_FIELDS if row[f] != first[f]]
            if differ:
                field = differ[0].removesuffix("_text")
                raise SourceFormatError(
                    path,
                    f"duplicate UAI {uai} (first at line {int(first['_line'])}) with a different {field}",
                    line=int(row["_line"]), column="identifiant_de_l_etablissement", value=uai,
                    dataset_id=DATASET_ID,
                )
        # keep the main name: the shortest one (ties: first in the file)
        order = group.assign(_len=group["name"].str.len()).sort_values(["_len", "_line"])
        main = order.index[0]
        df.loc[main, "other_names"] = "|".join(order["name"].iloc[1:])
        df.loc[main, "rows_in_file"] = len(group)
        df.loc[main, "voie_generale"] = group["voie_generale"].max()
        drop.extend(order.index[1:])
    return df.drop(index=drop).sort_values("_line")


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(text.lower().replace("’", "'").split())


VOCATIONAL_WORDS = {"lp", "lpp", "lpa", "lepp", "leprp"}
GT_WORDS = {"lgt", "legt", "legta", "legtap"}


def lycee_kind(name: str, voie_generale: float = float("nan")) -> str:
    """The kind of lycée its name (then ``voie_generale``) suggests; rules in the module docstring."""
    n = _plain(name)
    words = set(re.findall(r"[a-z0-9]+", n))
    pro = "professionnel" in n or bool(words & VOCATIONAL_WORDS) or "ecole de production" in n
    sep = n.startswith("section d'enseignement professionnel")
    gt = "general" in n or "technologique" in n or bool(words & GT_WORDS)
    poly = "polyvalent" in n or "lpo" in words
    if n.startswith("section d'enseignement general"):
        return "general_technologique"
    if pro and not sep and (poly or gt):
        return "polyvalent"
    if pro:
        return "professionnel"
    if poly:
        return "polyvalent"
    if gt:
        return "general_technologique"
    if n.startswith("lycee des metiers"):
        return "professionnel"
    if voie_generale == 1:
        return "general_technologique"
    return "autre"


def classify(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` (output of :func:`parse`) with ``category`` and ``lycee_kind``."""
    out = df.copy()
    out["category"] = out["type"].map(CATEGORIES).fillna("other")
    out["lycee_kind"] = [
        lycee_kind(name, vg) if cat == "lycee" else ""
        for name, vg, cat in zip(out["name"], out["voie_generale"], out["category"])
    ]
    return out


def parse_classified(path: Path) -> pd.DataFrame:
    """:func:`parse` then :func:`classify`: the raw table of ``annuaire_education``."""
    return classify(parse(path))
