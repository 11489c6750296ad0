"""France services (ANCT): the labelled public-service reception points, a network of the directory.

The official resource (data.gouv.fr, "Liste des structures labellisées France services") is the
national CSV; the mirror holds the lines of the region copied verbatim from the file of 1 August
2024 (``,``-separated, double quotes, UTF-8 without BOM; a 2026 reuser describes the current file as
``;``-separated with a BOM). :func:`parse` reads either separator, with or without BOM, with a real
CSV parser (three ``commentaire`` cells hold line breaks), selects the columns by name and keeps the
rows of the region's départements (``insee_dep``), so the national file and the mirror give the
same table:

================ ===================================================================
fs_id            ANCT id (text)
name             ``lib_fs``
address          ``adresse`` and ``complement_adresse``
commune_code     ``insee_com`` (2024 codes: 49069 is now a commune déléguée; the directory maps it)
postcode         ``code_postal``
latitude/longitude WGS84
email, phone     as published
opening_hours    the weekdays' hours in one French line (``lundi 09:00 - 12:00 ; …``); a bus's
                 hours are those of its tour, said so
appointment      ``prise_rdv`` (Oui/Non)
format           ``format_fs`` (Fixe, Multisites, Fixe_antenne(s), Bus_équivalent)
labelled         ``labellisation_fs`` (e.g. ``Espace labellisé 01/01/2020``)
================ ===================================================================
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import header_key, read_text, refuse_not_csv

DATASET_ID = "france_services_2024"
REGION_DEPARTEMENTS = ("44", "49", "53", "72", "85")
REQUIRED = ("id_fs", "insee_dep", "lib_fs", "adresse", "insee_com", "code_postal", "latitude", "longitude")
DAYS = (("h_lundi", "lundi"), ("h_mardi", "mardi"), ("h_mercredi", "mercredi"), ("h_jeudi", "jeudi"),
        ("h_vendredi", "vendredi"), ("h_samedi", "samedi"))

DATASETS: list[Dataset] = [
    Dataset(
        id=DATASET_ID,
        table="france_services",
        parser="france_services:parse",
        description="France services (ANCT): labelled public-service reception points of the region.",
        family="annuaire",
        title="Liste des structures labellisées France services",
        publisher="Agence nationale de la cohésion des territoires (ANCT), programme France services",
        url="https://www.data.gouv.fr/fr/datasets/r/31576dff-fd61-4de9-819f-32c2f880b142",
        page="https://www.data.gouv.fr/fr/datasets/liste-des-structures-france-services/",
        licence=LO2,
        vintage="1er août 2024 (copie) ; la ressource officielle sert la liste la plus récente",
        mirror_path="france_services/liste-fs-20240801_pdl.csv",
        note=("Mirror: the region's lines of data/liste-fs-20240801.csv of GitHub anct-carto/france_services "
              "(commit e1016fd7), the ANCT cartography team's copy of the national file; the official "
              "resource URL is the one ANCT's map code reads (March 2025 file; the layout may have "
              "changed: the separator is sniffed and the columns are checked by name)."),
    ),
]


def _hours(row: dict) -> str | None:
    parts = [f"{day} {row[col].strip()}" for col, day in DAYS if (row.get(col) or "").strip()]
    if not parts:
        return None
    text = " ; ".join(parts)
    if (row.get("format_fs") or "").lower().startswith("bus"):
        text = "itinérant (bus), horaires de tournée : " + text
    return text


def parse(path: Path, departements=REGION_DEPARTEMENTS) -> pd.DataFrame:
    path = Path(path)
    refuse_not_csv(path, DATASET_ID)
    text = read_text(path, dataset_id=DATASET_ID)
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=sep)
    reader.fieldnames = [header_key(h) for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in reader.fieldnames]
    if missing:
        raise SourceFormatError(path, f"column(s) {', '.join(missing)} missing from the header (expected the "
                                      f"ANCT France services list: {', '.join(REQUIRED)}, …)",
                                line=1, column=missing[0], dataset_id=DATASET_ID)
    rows = []
    for row in reader:
        line = reader.line_num
        dep = (row.get("insee_dep") or "").strip()
        if departements is not None and dep not in departements:
            continue
        code = (row.get("insee_com") or "").strip()
        if not (len(code) == 5 and code.startswith(dep)):
            raise SourceFormatError(path, "commune code not of its département", line=line, column="insee_com",
                                    value=code, dataset_id=DATASET_ID)
        try:
            lat, lon = float(row["latitude"]), float(row["longitude"])
        except (TypeError, ValueError):
            raise SourceFormatError(path, "coordinates are not numbers", line=line, column="latitude",
                                    value=row.get("latitude"), dataset_id=DATASET_ID) from None
        address = ", ".join(x.strip() for x in (row.get("adresse"), row.get("complement_adresse")) if x and x.strip())
        rows.append({
            "fs_id": row["id_fs"].strip(), "name": row["lib_fs"].strip(), "address": address or None,
            "commune_code": code, "postcode": (row.get("code_postal") or "").strip() or None,
            "latitude": lat, "longitude": lon,
            "email": (row.get("mail") or "").strip() or None, "phone": (row.get("telephone") or "").strip() or None,
            "opening_hours": _hours(row), "appointment": (row.get("prise_rdv") or "").strip() or None,
            "format": (row.get("format_fs") or "").strip() or None,
            "labelled": (row.get("labellisation_fs") or "").strip() or None,
        })
    if not rows:
        raise SourceFormatError(path, f"no France services point in départements {', '.join(departements or ())}",
                                column="insee_dep", dataset_id=DATASET_ID)
    df = pd.DataFrame(rows)
    if df["fs_id"].duplicated().any():
        raise SourceFormatError(path, "id_fs listed twice", column="id_fs",
                                value=df.loc[df["fs_id"].duplicated(), "fs_id"].iloc[0], dataset_id=DATASET_ID)
    df.attrs["layout"] = "official"
    return df
