"""Annuaire de l'éducation (Éducation nationale): schools, collèges, lycées, CIO… with coordinates.

Dataset ``annuaire_education``. Two layouts are read, recognised from the header line (never from a
setting); both give the same table:

* **official**: the Opendatasoft export of ``fr-en-annuaire-education`` (the record's URL), all 72
  columns (:data:`OFFICIAL_FIELDS`), ``;``-separated, headed by the field names
  (``identifiant_de_l_etablissement``…, the default) or by the labels (``use_labels=true``:
  ``Identifiant_de_l_etablissement``, ``Code_commune``, ``Nombre_d_eleves``, ``latitude``…,
  :data:`OFFICIAL_LABELS`). Labels differ from field names only by letter case, so a header cell is
  matched to a field name case-insensitively. A header holding any official column that the mirror
  extract lacks (``code_departement``, ``adresse_1``, ``etat``…) is the official layout.
* **mirror**: a 14-column extract of the national file cut to region 52 (a third-party column
  subset, see its SOURCE.md): 12 of the official columns plus ``longitude``/``latitude`` decoded from
  the point geometry (same names and meaning as the official ``longitude``/``latitude``).

The file is read as a stream and **cut to the region while reading**: only rows whose
``code_region`` is 52 or (official layout) whose ``code_departement`` is one of 044, 049, 053, 072,
085 (leading zeros ignored) are kept, so a national export costs the memory of the region's rows
only. Validation applies to the kept rows. ``df.attrs`` of the result: ``layout`` (``"official"`` or
``"mirror"``), ``header`` (``"field names"`` or ``"labels"``) and ``rows_outside_region`` (rows
dropped by the cut).

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

* the file is not empty and not an HTML page (an error page served instead of the export);
* required columns present (the 10 read plus ``code_region``); every line has the header's number
  of fields; at least one row of the region;
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
               general_technologique, 36 autre. The official export has ``voie_professionnelle`` /
               ``voie_technologique`` columns that could replace the name rules; they are not read, so
               that both layouts give the same table.
============== ======================================================================================
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import check_codes, to_number

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
        note=(
            "Mirror: 12 of the 72 columns of the national file (third-party snapshot, Data For Good "
            "ODIS project, October 2025), cut to region 52, plus longitude/latitude decoded from the "
            "point geometry. The official URL serves the export with all 72 columns under their field "
            "names (labels with use_labels=true; both headers are read), including its own "
            "longitude/latitude; the parser reads the needed columns by name and cuts the rows to the "
            "region while reading (code_region 52 or départements 44, 49, 53, 72, 85), so the national "
            "export works too."
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
# the 72 columns of the official export, in its order, under their field names (default header)
OFFICIAL_FIELDS: tuple[str, ...] = (
    "identifiant_de_l_etablissement", "nom_etablissement", "type_etablissement", "statut_public_prive",
    "adresse_1", "adresse_2", "adresse_3", "code_postal", "code_commune", "nom_commune",
    "code_departement", "code_academie", "code_region", "ecole_maternelle", "ecole_elementaire",
    "voie_generale", "voie_technologique", "voie_professionnelle", "telephone", "fax", "web", "mail",
    "restauration", "hebergement", "ulis", "apprentissage", "segpa", "section_arts", "section_cinema",
    "section_theatre", "section_sport", "section_internationale", "section_europeenne",
    "lycee_agricole", "lycee_militaire", "lycee_des_metiers", "post_bac",
    "appartenance_education_prioritaire", "greta", "siren_siret", "nombre_d_eleves", "fiche_onisep",
    "position", "type_contrat_prive", "libelle_departement", "libelle_academie", "libelle_region",
    "coordx_origine", "coordy_origine", "epsg_origine", "nom_circonscription", "latitude", "longitude",
    "precision_localisation", "date_ouverture", "date_maj_ligne", "etat", "ministere_tutelle",
    "multi_uai", "rpi_concentre", "rpi_disperse", "code_nature", "libelle_nature",
    "code_type_contrat_prive", "pial", "etablissement_mere", "type_rattachement_etablissement_mere",
    "code_circonscription", "code_zone_animation_pedagogique", "libelle_zone_animation_pedagogique",
    "code_bassin_formation", "libelle_bassin_formation",
)
# the same columns under their labels (header of the export with use_labels=true, and of the
# portal's download button); each equals its field name but for letter case
OFFICIAL_LABELS: tuple[str, ...] = (
    "Identifiant_de_l_etablissement", "Nom_etablissement", "Type_etablissement", "Statut_public_prive",
    "Adresse_1", "Adresse_2", "Adresse_3", "Code_postal", "Code_commune", "Nom_commune",
    "Code_departement", "Code_academie", "Code_region", "Ecole_maternelle", "Ecole_elementaire",
    "Voie_generale", "Voie_technologique", "Voie_professionnelle", "Telephone", "Fax", "Web", "Mail",
    "Restauration", "Hebergement", "ULIS", "Apprentissage", "Segpa", "Section_arts", "Section_cinema",
    "Section_theatre", "Section_sport", "Section_internationale", "Section_europeenne",
    "Lycee_Agricole", "Lycee_militaire", "Lycee_des_metiers", "Post_BAC",
    "Appartenance_Education_Prioritaire", "GRETA", "SIREN_SIRET", "Nombre_d_eleves", "Fiche_onisep",
    "position", "Type_contrat_prive", "Libelle_departement", "Libelle_academie", "Libelle_region",
    "coordX_origine", "coordY_origine", "epsg_origine", "nom_circonscription", "latitude", "longitude",
    "precision_localisation", "date_ouverture", "date_maj_ligne", "etat", "ministere_tutelle",
    "multi_uai", "rpi_concentre", "rpi_disperse", "code_nature", "libelle_nature",
    "Code_type_contrat_prive", "PIAL", "etablissement_mere", "type_rattachement_etablissement_mere",
    "code_circonscription", "code_zone_animation_pedagogique", "libelle_zone_animation_pedagogique",
    "code_bassin_formation", "libelle_bassin_formation",
)
# the mirror extract's columns (12 official ones, and longitude/latitude decoded from the geometry)
MIRROR_FIELDS: tuple[str, ...] = (
    "identifiant_de_l_etablissement", "nom_etablissement", "type_etablissement", "statut_public_prive",
    "code_commune", "nom_commune", "code_region", "code_academie", "ecole_maternelle",
    "ecole_elementaire", "voie_generale", "nombre_d_eleves", "longitude", "latitude",
)
_OFFICIAL_ONLY = frozenset(OFFICIAL_FIELDS) - frozenset(MIRROR_FIELDS)
REGION_CODE = "52"
REGION_DEPARTEMENTS = ("44", "49", "53", "72", "85")
SEP = ";"

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


def _fail(path, reason, **where) -> SourceFormatError:
    return SourceFormatError(path, reason, dataset_id=DATASET_ID, **where)


def _check_not_html(path: Path) -> None:
    """An empty file, or an HTML page (error or login page) served instead of the CSV export."""
    if not path.is_file():
        raise _fail(path, "file not found")
    with open(path, "rb") as f:
        head = f.read(512)
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not start:
        raise _fail(path, "file is empty")
    if start[:1] == b"<":
        shown = start[:40].decode("utf-8", "replace")
        raise _fail(path, f"an HTML page, not the CSV export (starts with {shown!r}): error page?", line=1)


def _in_region(region: str, departement: str | None) -> bool:
    if region.strip().lstrip("0") == REGION_CODE:
        return True
    return departement is not None and departement.strip().lstrip("0") in REGION_DEPARTEMENTS


def read_region_rows(path: Path) -> tuple[pd.DataFrame, dict]:
    """The rows of the region, as text, under the official field names (the columns of
    :data:`COLUMNS`, ``code_region`` and ``_line``), read as a stream; and the file's description
    (``layout``, ``header``, ``rows_outside_region``) for ``df.attrs``."""
    path = Path(path)
    _check_not_html(path)
    required = [*COLUMNS, "code_region"]
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=SEP)
        try:
            header = [h.strip() for h in next(reader)]
            known = set(OFFICIAL_FIELDS)
            fields = [h.lower() if h.lower() in known else h for h in header]
            missing = [c for c in required if c not in fields]
            if missing:
                hint = ""
                if len(header) == 1 and SEP not in header[0]:
                    hint = f" (is the separator {SEP!r}? the header line has none)"
                raise _fail(path, f"missing column(s) {', '.join(missing)}{hint}; header has: "
                            f"{', '.join(header[:12])}" + ("…" if len(header) > 12 else ""), line=1)
            official = bool(_OFFICIAL_ONLY & set(fields))
            index = [fields.index(c) for c in required]
            i_region = fields.index("code_region")
            i_dep = fields.index("code_departement") if "code_departement" in fields else None
            n = len(header)
            rows, lines, outside = [], [], 0
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != n:
                    raise _fail(path, f"expected {n} fields, found {len(row)}", line=reader.line_num)
                if not _in_region(row[i_region], row[i_dep] if i_dep is not None else None):
                    outside += 1
                    continue
                rows.append([row[i] for i in index])
                lines.append(reader.line_num)
        except StopIteration:
            raise _fail(path, "file is empty") from None
        except UnicodeDecodeError as exc:
            raise _fail(path, f"not valid utf-8 text ({exc.reason})", line=reader.line_num + 1) from None
        except csv.Error as exc:
            raise _fail(path, f"unreadable CSV ({exc})", line=reader.line_num) from None
    if not rows:
        raise _fail(path, f"no establishment of the region (code_region {REGION_CODE} or départements "
                    f"{', '.join(REGION_DEPARTEMENTS)}) among {outside} rows")
    raw = pd.DataFrame(rows, columns=required, dtype="string")
    raw["_line"] = lines
    labels = any(h != f for h, f in zip(header, fields) if f in known)
    about = {"layout": "official" if official else "mirror",
             "header": "labels" if labels else "field names", "rows_outside_region": outside}
    return raw, about


def parse(path: Path) -> pd.DataFrame:
    raw, about = read_region_rows(path)
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
    out = df[["uai", "name", "type", "sector", "commune_code", "commune_name", "pupils", "voie_generale",
              "longitude", "latitude", "other_names", "rows_in_file", "_line"]].reset_index(drop=True)
    out.attrs.update(about)
    return out


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
    parsed = parse(path)
    out = classify(parsed)
    out.attrs.update(parsed.attrs)
    return out
