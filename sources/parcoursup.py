"""Parcoursup: higher-education programmes offered in the region (third-party simplified extract).

Dataset ``parcoursup_extrait``. **The mirror holds a derived extract made by a third party** (GitHub
``crysis421/FRANCUNIV``, file ``fr-esr-parcoursup .csv``): 6 columns of the official
``fr-esr-parcoursup`` file, accents and apostrophes stripped from most labels, hyphens turned into
runs of spaces ("BTS   Services   Gestion de la PME"), session not stated (2024 or 2025), cut to
"Pays de la Loire". It is fit for prototyping only; cite it as a third-party extract.

:func:`parse` reads two layouts, recognised from the header:

* ``extrait`` — the mirror (``,``-separated): ``Statut de l’etablissement de la filiere de formation
  (public, prive…)``, ``Code UAI de l etablissement``, ``etablissement``, ``Region de
  l’etablissement``, ``Filiere de formation``, ``Coordonnées GPS de la formation`` (``"lat, lon"``).
* ``officiel`` — the official export of ``fr-esr-parcoursup`` with API field names (``;``-separated,
  the 118 columns include ``session, contrat_etab, cod_uai, g_ea_lib_vx, region_etab_aff,
  lib_for_voe_ins, g_olocalisation_des_formations``). Field names as listed in the mirror's SOURCE.md;
  untested on a real download (no network here).

Output, one row per line of the file (the extract repeats 45 lines identically and 87 lines share
UAI and label with another: distinct Parcoursup offers whose distinguishing column was dropped; rows
are kept, do not use ``(uai, formation)`` as a key):

=============== ===================================================================================
uai             UAI of the establishment (8 characters)
establishment   establishment name, runs of 3+ spaces turned back into " - "
sector          ``Public`` or ``Privé``
sector_detail   the file's status: ``Public``, ``Privé sous contrat d'association``, ``Privé
                enseignement supérieur``, ``Privé hors contrat`` (accents restored)
region          region name as in the file (``Pays de la Loire``)
formation       programme label, runs of 3+ spaces turned back into " - "
formation_type  kind of programme, from the first segment of the label (see below)
session         Parcoursup session (official layout only; ``""`` for the extract)
latitude        WGS84 degrees (float; NaN when the GPS cell is empty: 1 row of the extract)
longitude       WGS84 degrees
_line           line in the file (header = line 1)
=============== ===================================================================================

``formation_type`` rule. The label is cut at its first separator (" - " in the official file, a run
of 3 or more spaces in the extract); that first segment, lower-cased, accents and apostrophes
removed, is matched against :data:`FORMATION_TYPES` (ordered prefixes ending at a word boundary,
first match wins):
``BTS`` (BTS and BTSA, the extract writes "BTS   Agricole   …"), ``BUT``, ``Licence``, ``Licence
professionnelle``, ``Double licence``, ``CPGE``, ``CUPGE``, ``DN MADE``, ``Ingénieur`` ("Formation
d'ingénieur…"), ``École de commerce`` ("Formation des écoles de commerce et de management…"),
``Diplôme d'État`` (D.E infirmier, éducateur…: health and social work), ``DCG``, ``DEUST``, ``CMI``,
``BPJEPS``, ``Certificat de spécialisation``, ``Mise à niveau``, ``DNA`` (diplôme national d'art),
``DTS``, ``DU``, ``Diplôme d'établissement``, ``Certificat de capacité``, ``Classe préparatoire``,
``Année préparatoire``;
anything else is ``Autre`` (e.g. "Formation Bac + 3", "Architecture").

Validation (:class:`~sources.errors.SourceFormatError` naming file, line, column, value): known
layout; UAI well formed; status one of the four above; GPS ``"lat, lon"`` with numbers inside the
metropolitan-France box (latitude 41…51.5, longitude −5.5…10) or empty; label not empty.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import check_codes, read_delimited, read_text

DATASET_ID = "parcoursup_extrait"

DATASETS: list[Dataset] = [
    Dataset(
        id=DATASET_ID,
        table="parcoursup",
        parser="parcoursup:parse",
        description='Parcoursup offer, simplified third-party extract.',
        family="education",
        title=(
            "Parcoursup : formations d'enseignement supérieur proposées en Pays de la Loire "
            "(extrait simplifié réalisé par un tiers)"
        ),
        publisher=(
            "Ministère de l'Enseignement supérieur et de la Recherche (SIES) / Parcoursup ; extrait "
            "simplifié réalisé par un tiers (dépôt GitHub crysis421/FRANCUNIV)"
        ),
        url=(
            "https://data.enseignementsup-recherche.gouv.fr/api/explore/v2.1/catalog/datasets/"
            "fr-esr-parcoursup/exports/csv?delimiter=%3B&where=region_etab_aff%3D%22Pays%20de%20la%20Loire%22"
        ),
        page="https://data.enseignementsup-recherche.gouv.fr/explore/dataset/fr-esr-parcoursup/",
        licence=LO2,
        vintage="Session non indiquée (2024 ou 2025)",
        mirror_path="parcoursup/fr-esr-parcoursup_simplifie_pdl.csv",
        layout="derived",
        official_layout=False,
        official_reason="only the mirror's derived layout is parsed so far",
        note=(
            "Third-party derived extract (GitHub crysis421/FRANCUNIV, commit 45e11436, January 2026): "
            "6 of the 118 columns, accents and hyphens stripped from labels, session not stated, rows "
            "of Pays de la Loire. The official URL serves the full fr-esr-parcoursup export (API field "
            "names, all sessions: filter on session); the parser reads both layouts, the official one "
            "untested offline."
        ),
    ),
]

EXTRACT_COLUMNS = {
    "Statut de l’etablissement de la filiere de formation (public, prive…)": "status",
    "Code UAI de l etablissement": "uai",
    "etablissement": "establishment",
    "Region de l’etablissement": "region",
    "Filiere de formation": "formation",
    "Coordonnées GPS de la formation": "gps",
}
OFFICIAL_COLUMNS = {
    "contrat_etab": "status",
    "cod_uai": "uai",
    "g_ea_lib_vx": "establishment",
    "region_etab_aff": "region",
    "lib_for_voe_ins": "formation",
    "g_olocalisation_des_formations": "gps",
    "session": "session",
}
UAI = re.compile(r"^\d{7}[A-Z]$")
LAT_RANGE = (41.0, 51.5)
LON_RANGE = (-5.5, 10.0)
# plain (lower-case, no accent, no apostrophe) status → (sector, sector_detail)
STATUSES = {
    "public": ("Public", "Public"),
    "prive sous contrat d association": ("Privé", "Privé sous contrat d'association"),
    "prive enseignement superieur": ("Privé", "Privé enseignement supérieur"),
    "prive hors contrat": ("Privé", "Privé hors contrat"),
}
# ordered: plain first segment starts with … → formation_type
FORMATION_TYPES: list[tuple[str, str]] = [
    ("bts", "BTS"),
    ("btsa", "BTS"),
    ("but", "BUT"),
    ("licence professionnelle", "Licence professionnelle"),
    ("double licence", "Double licence"),
    ("licence", "Licence"),
    ("cpge", "CPGE"),
    ("cupge", "CUPGE"),
    ("dn made", "DN MADE"),
    ("formation d ingenieur", "Ingénieur"),
    ("formation des ecoles de commerce", "École de commerce"),
    ("d.e", "Diplôme d'État"),
    ("diplome d etat", "Diplôme d'État"),
    ("diplome de comptabilite et de gestion", "DCG"),
    ("dcg", "DCG"),
    ("deust", "DEUST"),
    ("c.m.i", "CMI"),
    ("cmi", "CMI"),
    ("bpjeps", "BPJEPS"),
    ("certificat de specialisation", "Certificat de spécialisation"),
    ("mise a niveau", "Mise à niveau"),
    ("diplome national d art", "DNA"),
    ("dts", "DTS"),
    ("diplome d universite", "DU"),
    ("diplome d etablissement", "Diplôme d'établissement"),
    ("certificat de capacite", "Certificat de capacité"),
    ("classe preparatoire", "Classe préparatoire"),
    ("annee preparatoire", "Année préparatoire"),
]
_SEGMENT = re.compile(r"\s+-\s+| {3,}")


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    text = re.sub(r"['’`]", " ", text.lower())
    return " ".join(text.split())


def formation_type(label: str) -> str:
    """Kind of programme from the first segment of its label (rule in the module docstring)."""
    first = _plain(_SEGMENT.split(label.strip(), maxsplit=1)[0])
    for prefix, kind in FORMATION_TYPES:
        if re.match(re.escape(prefix) + r"(?![a-z])", first):
            return kind
    return "Autre"


def parse(path: Path) -> pd.DataFrame:
    head = read_text(path, dataset_id=DATASET_ID).split("\n", 1)[0]
    if "cod_uai" in head:
        sep = ";" if head.count(";") >= head.count(",") else ","
        raw = read_delimited(path, sep=sep, required=list(OFFICIAL_COLUMNS), dataset_id=DATASET_ID)
        names = OFFICIAL_COLUMNS
    else:
        raw = read_delimited(path, sep=",", required=list(EXTRACT_COLUMNS), dataset_id=DATASET_ID)
        names = EXTRACT_COLUMNS
    df = pd.DataFrame({new: raw[old].fillna("").str.strip() for old, new in names.items()})
    if "session" not in df:
        df["session"] = ""
    df["_line"] = raw["_line"].to_numpy()
    file_col = {new: old for old, new in names.items()}

    df = df.rename(columns={"uai": file_col["uai"]})
    check_codes(df, file_col["uai"], path, pattern=UAI, dataset_id=DATASET_ID, what="UAI")
    df = df.rename(columns={file_col["uai"]: "uai"})

    plain_status = df["status"].map(_plain)
    bad = ~plain_status.isin(STATUSES)
    if bad.any():
        row = df[bad].iloc[0]
        raise SourceFormatError(path, "unknown establishment status", line=int(row["_line"]),
                                column=file_col["status"], value=row["status"], dataset_id=DATASET_ID)
    empty = df[df["formation"] == ""]
    if not empty.empty:
        raise SourceFormatError(path, "empty programme label", line=int(empty.iloc[0]["_line"]),
                                column=file_col["formation"], dataset_id=DATASET_ID)
    lat, lon = _gps(df, path, file_col["gps"])
    out = pd.DataFrame({
        "uai": df["uai"],
        "establishment": df["establishment"].str.replace(r" {3,}", " - ", regex=True),
        "sector": plain_status.map(lambda s: STATUSES[s][0]),
        "sector_detail": plain_status.map(lambda s: STATUSES[s][1]),
        "region": df["region"],
        "formation": df["formation"].str.replace(r" {3,}", " - ", regex=True),
        "formation_type": df["formation"].map(formation_type),
        "session": df["session"],
        "latitude": lat,
        "longitude": lon,
        "_line": df["_line"],
    })
    return out.reset_index(drop=True)


def _gps(df: pd.DataFrame, path, column: str) -> tuple[pd.Series, pd.Series]:
    """Split ``"lat, lon"`` cells into two float series (NaN for an empty cell)."""
    parts = df["gps"].str.extract(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")
    bad = parts[0].isna() & (df["gps"] != "")
    if bad.any():
        row = df[bad].iloc[0]
        raise SourceFormatError(path, "GPS coordinates not in the form 'lat, lon'", line=int(row["_line"]),
                                column=column, value=row["gps"], dataset_id=DATASET_ID)
    lat, lon = pd.to_numeric(parts[0]), pd.to_numeric(parts[1])
    out = (lat.notna() & ~lat.between(*LAT_RANGE)) | (lon.notna() & ~lon.between(*LON_RANGE))
    if out.any():
        row = df[out].iloc[0]
        raise SourceFormatError(
            path, "coordinates outside metropolitan France (latitude 41…51.5, longitude −5.5…10; "
            "the cell must read 'lat, lon')", line=int(row["_line"]), column=column, value=row["gps"],
            dataset_id=DATASET_ID,
        )
    return lat.astype("float64"), lon.astype("float64")
