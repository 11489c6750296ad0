"""Parcoursup: higher-education programmes offered in the region (official export or third-party extract).

Dataset ``parcoursup_extrait``. **The mirror holds a derived extract made by a third party** (GitHub
``crysis421/FRANCUNIV``, file ``fr-esr-parcoursup .csv``): 6 columns of the official
``fr-esr-parcoursup`` file, accents and apostrophes stripped from most labels, hyphens turned into
runs of spaces ("BTS   Services   Gestion de la PME"), session not stated (2024 or 2025), cut to
"Pays de la Loire". It is fit for prototyping only; cite it as a third-party extract.

``parse(path, departements=REGION_DEPARTEMENTS)`` reads two layouts, recognised from the header
(``df.attrs["layout"]`` says which was read):

* ``mirror`` — the third-party extract (``,``-separated): ``Statut de l’etablissement de la filiere de
  formation (public, prive…)``, ``Code UAI de l etablissement``, ``etablissement``, ``Region de
  l’etablissement``, ``Filiere de formation``, ``Coordonnées GPS de la formation`` (``"lat, lon"``).
  Already cut to the region; every row is kept.
* ``official`` — the export of ``fr-esr-parcoursup`` (``;``-separated, 118 columns, one row per
  formation, a ``session`` column), with API field names (the default of ``exports/csv``) or labels
  (``use_labels=true``, where columns 10 and 14 share the label ``Filière de formation``: the first,
  ``lib_for_voe_ins``, is the one read). Columns read: ``session``, ``contrat_etab``, ``cod_uai``,
  ``g_ea_lib_vx``, ``dep``, ``region_etab_aff``, ``lib_for_voe_ins``, ``g_olocalisation_des_formations``;
  a header cell matches after Unicode NFC and with ’ and ' taken as the same apostrophe. The file is
  read as a stream and only rows whose ``dep`` (text: ``09``, ``971``) is in ``departements`` are kept
  (``None`` keeps all). The national file writes the region ``Pays-de-la-Loire``: cut on ``dep``, never
  on the region label. A header cell ``co=ntrat_etab`` (a stray ``=`` in one third-party copy) is not
  taken for ``contrat_etab``: the publisher writes ``contrat_etab``, and a parser that accepts near
  names would also let a real renaming through; the error names the damaged cell.

Mapping of the official columns: ``status`` ← ``contrat_etab``, ``uai`` ← ``cod_uai``,
``establishment`` ← ``g_ea_lib_vx``, ``region`` ← ``region_etab_aff``, ``formation`` ←
``lib_for_voe_ins``, GPS ← ``g_olocalisation_des_formations``, ``session`` ← ``session``. The extract
is the same columns with accents and apostrophes stripped from most labels and hyphens turned into
runs of spaces, so for one formation both layouts give the same UAI, sector, type and coordinates,
and the same labels up to accents and apostrophes.

Output (the same columns and dtypes for both layouts), one row per line of the file kept (the
extract repeats 45 lines identically and 87 lines share UAI and label with another: distinct
Parcoursup offers whose distinguishing column was dropped; rows are kept, do not use ``(uai,
formation)`` as a key):

=============== ===================================================================================
uai             UAI of the establishment (8 characters)
establishment   establishment name, runs of 3+ spaces turned back into " - "
sector          ``Public`` or ``Privé``
sector_detail   the file's status: ``Public``, ``Privé sous contrat d'association``, ``Privé
                enseignement supérieur``, ``Privé hors contrat`` (accents restored)
region          region name as in the file (``Pays de la Loire`` in the extract,
                ``Pays-de-la-Loire`` in the official export)
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

Validation (:class:`~sources.errors.SourceFormatError` naming file, line, column, value): not
empty, not an HTML or JSON answer; known layout with every column read (official columns named with
their label); as many fields as header cells; at least one row in ``departements``; UAI well formed;
status one of the four above; GPS ``"lat, lon"`` with numbers inside the metropolitan-France box
(latitude 41…51.5, longitude −5.5…10) or empty; label not empty. The box holds for the region's
départements: an overseas département in ``departements`` would stop at its coordinates.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import header_key, refuse_not_csv, check_codes, read_delimited

DATASET_ID = "parcoursup_extrait"

DATASETS: list[Dataset] = [
    Dataset(
        id=DATASET_ID,
        table="parcoursup",
        parser="parcoursup:parse",
        description='Parcoursup offer by formation (official export, or the simplified third-party extract).',
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
            "fr-esr-parcoursup/exports/csv?delimiter=%3B"
            "&where=dep%20in%20(%2244%22%2C%2249%22%2C%2253%22%2C%2272%22%2C%2285%22)"
        ),
        page="https://data.enseignementsup-recherche.gouv.fr/explore/dataset/fr-esr-parcoursup/",
        licence=LO2,
        vintage="Session non indiquée (2024 ou 2025)",
        mirror_path="parcoursup/fr-esr-parcoursup_simplifie_pdl.csv",
        layout="derived",
        note=(
            "Third-party derived extract in the mirror (GitHub crysis421/FRANCUNIV, commit 45e11436, "
            "January 2026): 6 of the 118 columns, accents and hyphens stripped from labels, session not "
            "stated, rows of Pays de la Loire. The official URL serves the fr-esr-parcoursup export "
            "(latest session, 118 columns, API field names), cut to the region's départements by "
            "where=dep in (\"44\",\"49\",\"53\",\"72\",\"85\") (dep is text); a filter on "
            "region_etab_aff=\"Pays de la Loire\" returned nothing, as the file writes "
            "Pays-de-la-Loire. The parser reads both layouts (and the export's label header)."
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
# label of each field read, in the export with ``use_labels=true`` (columns 10 and 14 share the label
# "Filière de formation": the first one is lib_for_voe_ins, the second form_lib_voe_acc)
OFFICIAL_LABELS = {
    "session": "Session",
    "contrat_etab": "Statut de l’établissement de la filière de formation (public, privé…)",
    "cod_uai": "Code UAI de l'établissement",
    "g_ea_lib_vx": "Établissement",
    "dep": "Code départemental de l’établissement",
    "region_etab_aff": "Région de l’établissement",
    "lib_for_voe_ins": "Filière de formation",
    "g_olocalisation_des_formations": "Coordonnées GPS de la formation",
}
OFFICIAL_READ = [*OFFICIAL_COLUMNS, "dep"]
REGION_DEPARTEMENTS = ("44", "49", "53", "72", "85")
# raw table columns and dtypes (the same for both layouts)
RAW_DTYPES = {"uai": "string", "establishment": "string", "sector": object, "sector_detail": object,
              "region": "string", "formation": "string", "formation_type": object, "session": object,
              "latitude": "float64", "longitude": "float64", "_line": "int64"}
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


_LABEL_FIELDS = {header_key(label): field for field, label in OFFICIAL_LABELS.items()}
# header cells that mean the official layout (the GPS label is also a column of the extract)
_OFFICIAL_MARKS = set(OFFICIAL_READ) | (set(_LABEL_FIELDS) - {header_key(OFFICIAL_LABELS[
    "g_olocalisation_des_formations"])})


def parse(path: Path, departements=REGION_DEPARTEMENTS) -> pd.DataFrame:
    """The raw table (module docstring) from the mirror's extract or the official export.

    ``departements``: codes (text) of the départements kept from the official export; ``None`` keeps
    every row. The extract has no département column and is kept whole (it is cut to the region).
    """
    refuse_not_csv(path, DATASET_ID)
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            head = f.readline()
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path, f"not valid UTF-8 text ({exc.reason})", line=1,
                                dataset_id=DATASET_ID) from None
    sep = ";" if head.count(";") >= head.count(",") else ","
    keys = [header_key(h) for h in next(csv.reader([head], delimiter=sep))]
    if _OFFICIAL_MARKS & set(keys):
        layout = "official"
        raw, file_col = _read_official(path, sep, departements)
        names = OFFICIAL_COLUMNS
    else:
        layout = "mirror"
        raw = read_delimited(path, sep=",", required=list(EXTRACT_COLUMNS), dataset_id=DATASET_ID)
        names = EXTRACT_COLUMNS
        file_col = {new: old for old, new in names.items()}
    df = pd.DataFrame({new: raw[old].fillna("").str.strip() for old, new in names.items()})
    if "session" not in df:
        df["session"] = ""
    df["_line"] = raw["_line"].to_numpy()

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
    out = out.astype(RAW_DTYPES).reset_index(drop=True)
    out.attrs["layout"] = layout
    return out


def _read_official(path: Path, sep: str, departements) -> tuple[pd.DataFrame, dict[str, str]]:
    """The columns read of the official export, rows of ``departements`` only (read as a stream).

    Returns the table (field names as columns, text, with ``_line``) and, for each raw-table column,
    the name of its column in the file (field name or label, for error messages)."""
    keep = None if departements is None else frozenset(departements)
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=sep)
        try:
            header = next(reader)
            pos = _official_positions(path, header)
            n = len(header)
            i_dep = pos["dep"]
            order = [pos[field] for field in OFFICIAL_READ]
            rows, lines = [], []
            for row in reader:
                if len(row) != n:
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue
                    raise SourceFormatError(path, f"expected {n} fields, found {len(row)}",
                                            line=reader.line_num, dataset_id=DATASET_ID)
                if keep is not None and row[i_dep].strip() not in keep:
                    continue
                rows.append([row[i] for i in order])
                lines.append(reader.line_num)
        except UnicodeDecodeError as exc:
            raise SourceFormatError(path, f"not valid UTF-8 text ({exc.reason})", line=reader.line_num + 1,
                                    dataset_id=DATASET_ID) from None
    if not rows:
        where = "" if keep is None else f" in départements {', '.join(sorted(keep))} (column dep)"
        raise SourceFormatError(path, f"no formation{where}", dataset_id=DATASET_ID)
    df = pd.DataFrame(rows, columns=OFFICIAL_READ, dtype="string")
    df["_line"] = lines
    file_col = {OFFICIAL_COLUMNS[field]: header[pos[field]].strip() for field in OFFICIAL_COLUMNS}
    return df, file_col


def _official_positions(path: Path, header: list[str]) -> dict[str, int]:
    """Position of each field read, from a field-name or a label header (first of equal labels)."""
    pos: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = header_key(cell)
        field = key if key in OFFICIAL_READ else _LABEL_FIELDS.get(key)
        if field is not None:
            pos.setdefault(field, i)
    for field in OFFICIAL_READ:
        if field in pos:
            continue
        damaged = [h for h in header if re.sub(r"[^a-z0-9_]", "", header_key(h)) == field]
        hint = (f"; header has {damaged[0]!r}, a damaged copy of it? (the publisher writes {field})"
                if damaged else f"; header has: {', '.join(h.strip() for h in header[:8])}…")
        raise SourceFormatError(
            path, f"missing column {field} (label {OFFICIAL_LABELS[field]!r}) of the official "
            f"fr-esr-parcoursup export{hint}", line=1, column=field, dataset_id=DATASET_ID,
        )
    return pos


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
