"""Code officiel géographique (INSEE), as packaged by Etalab in ``@etalab/decoupage-administratif``.

The official JSON files (``communes.json``, ``epci.json``, ``departements.json``, ``regions.json``)
are national; the mirror holds the same objects cut to the region. Parsers read both.

``parse_communes(path)`` → one row per commune object:

============== ======================================================================
code           INSEE code (text, 5 characters)
name           official name
type           ``commune-actuelle``, ``commune-deleguee`` or ``commune-associee``
departement    département code
region         région code (empty for former communes in some vintages)
parent_code    for delegated/associated communes: the current commune (``chefLieu``)
population     population municipale of the vintage (only current communes)
former_codes   ``|``-separated codes merged into this commune (``anciensCodes``)
postcodes      ``|``-separated postcodes
============== ======================================================================

``parse_epci(path)`` → one row per (EPCI, member commune): ``epci_siren, epci_name, epci_type,
commune_code, commune_name``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import SourceFormatError
from .tabular import COMMUNE_CODE, read_json

COMMUNE_TYPES = {"commune-actuelle", "commune-deleguee", "commune-associee"}


def _objects(path: Path, dataset_id: str, required: tuple[str, ...]) -> list[dict]:
    data = read_json(path, dataset_id=dataset_id)
    if not isinstance(data, list):
        raise SourceFormatError(path, "expected a JSON array of objects", dataset_id=dataset_id)
    for i, obj in enumerate(data):
        missing = [k for k in required if k not in obj]
        if missing:
            raise SourceFormatError(
                path, f"object #{i + 1} lacks field(s) {', '.join(missing)}", value=obj.get("code"),
                dataset_id=dataset_id,
            )
    return data


def parse_communes(path: Path, dataset_id: str = "cog_communes_2026") -> pd.DataFrame:
    objs = _objects(path, dataset_id, ("code", "nom", "type"))
    rows = []
    for i, o in enumerate(objs):
        code = str(o["code"])
        if not COMMUNE_CODE.fullmatch(code):
            raise SourceFormatError(path, f"object #{i + 1}: malformed commune code", value=code,
                                    dataset_id=dataset_id)
        if o["type"] not in COMMUNE_TYPES:
            raise SourceFormatError(path, f"object #{i + 1}: unknown commune type", value=o["type"],
                                    dataset_id=dataset_id)
        pop = o.get("population")
        if pop is not None and not isinstance(pop, (int, float)):
            raise SourceFormatError(path, f"object #{i + 1}: population is not a number",
                                    value=pop, dataset_id=dataset_id)
        rows.append(
            {
                "code": code,
                "name": o["nom"],
                "type": o["type"],
                "departement": o.get("departement") or "",
                "region": o.get("region") or "",
                "parent_code": o.get("chefLieu") or "",
                "population": float(pop) if pop is not None else None,
                "former_codes": "|".join(o.get("anciensCodes") or []),
                "postcodes": "|".join(o.get("codesPostaux") or []),
            }
        )
    df = pd.DataFrame(rows)
    validate_communes(df, path, dataset_id)
    return df


def validate_communes(df: pd.DataFrame, path, dataset_id: str) -> None:
    current = df[df["type"] == "commune-actuelle"]
    dup = current["code"].duplicated()
    if dup.any():
        raise SourceFormatError(path, "current commune listed twice", value=current[dup]["code"].iloc[0],
                                dataset_id=dataset_id)
    if current.empty:
        raise SourceFormatError(path, "no current commune (commune-actuelle) in the file",
                                dataset_id=dataset_id)
    orphan = df[(df["type"] != "commune-actuelle") & (df["parent_code"] == "")]
    if not orphan.empty:
        raise SourceFormatError(path, "delegated/associated commune without its current commune",
                                value=orphan["code"].iloc[0], dataset_id=dataset_id)


def parse_epci(path: Path, dataset_id: str = "cog_epci_2026") -> pd.DataFrame:
    objs = _objects(path, dataset_id, ("code", "nom", "type", "membres"))
    rows = []
    for i, o in enumerate(objs):
        siren = str(o["code"])
        if not (len(siren) == 9 and siren.isdigit()):
            raise SourceFormatError(path, f"object #{i + 1}: malformed EPCI SIREN", value=siren,
                                    dataset_id=dataset_id)
        if not o["membres"]:
            raise SourceFormatError(path, f"object #{i + 1}: EPCI without member communes", value=siren,
                                    dataset_id=dataset_id)
        for m in o["membres"]:
            code = str(m.get("code", ""))
            if not COMMUNE_CODE.fullmatch(code):
                raise SourceFormatError(path, f"EPCI {siren}: malformed member commune code",
                                        value=code, dataset_id=dataset_id)
            rows.append(
                {
                    "epci_siren": siren,
                    "epci_name": o["nom"],
                    "epci_type": o["type"],
                    "commune_code": code,
                    "commune_name": m.get("nom", ""),
                }
            )
    df = pd.DataFrame(rows)
    dup = df.duplicated("commune_code")
    if dup.any():
        raise SourceFormatError(path, "commune member of two EPCI", value=df[dup]["commune_code"].iloc[0],
                                dataset_id=dataset_id)
    return df


def parse_simple(path: Path, dataset_id: str) -> pd.DataFrame:
    """Départements or régions: ``code, name, region`` (region empty for régions)."""
    objs = _objects(path, dataset_id, ("code", "nom"))
    return pd.DataFrame(
        [{"code": str(o["code"]), "name": o["nom"], "region": o.get("region", "")} for o in objs]
    )
