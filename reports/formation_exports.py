"""Directory exports of the training establishments of each territory.

:func:`write_exports` writes, for every territory asked, under ``<root>/portraits/<set_id>/<territory_id>/``:

* ``etablissements.csv`` — ``;``-separated, UTF-8 with BOM, decimal comma (opens as is in a French
  spreadsheet), one row per establishment of ``ref.etablissement_formation`` placed in the territory,
  columns :data:`CSV_COLUMNS`;
* ``etablissements.geojson`` — the same rows as a GeoJSON FeatureCollection (WGS84); establishments
  without coordinates (apprenticeship organisations known only by their address) have a null
  geometry.

Insertion columns give the latest cohort published for the establishment: the lycée file
(population « ensemble ») when the UAI is in it, else the CFA file; ``statut_insertion`` says
``publié`` or ``non diffusé`` (fewer than 20 young people: the rate columns stay empty).
Reads the published database only (read-only connection).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from portraits.safety import spreadsheet_csv

from .formatting import csv_number
from .sections.common import rows

CSV_COLUMNS = [
    "uai", "nom", "categorie", "type_lycee", "secteur", "code_commune", "commune", "eleves",
    "forme_des_apprentis", "taux_emploi_6_mois", "taux_emploi_6_mois_attendu", "valeur_ajoutee_points",
    "taux_emploi_12_mois", "statut_insertion", "cohorte_insertion", "population_insertion",
    "source_insertion", "latitude", "longitude", "source",
]
CATEGORY_LABELS = {
    "lycee": "Lycée", "college": "Collège", "cio": "Centre d'information et d'orientation",
    "erea": "Établissement régional d'enseignement adapté", "cfa": "Organisme de formation en apprentissage",
    "enseignement_superieur": "Enseignement supérieur", "autre": "Autre établissement",
}
KIND_LABELS = {
    "professionnel": "professionnel", "polyvalent": "polyvalent",
    "general_technologique": "général et technologique", "autre": "autre",
}
CATEGORY_ORDER = ["lycee", "cfa", "college", "cio", "erea", "enseignement_superieur", "autre"]
RATES = {"taux_emploi_6m": "taux_emploi_6_mois", "taux_emploi_6m_attendu": "taux_emploi_6_mois_attendu",
         "valeur_ajoutee": "valeur_ajoutee_points", "taux_emploi_12m": "taux_emploi_12_mois"}


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def latest_insertion(con) -> dict[str, dict]:
    """Per UAI: the latest cohort's rates (lycée file, population ``ensemble``, first; else CFA)."""
    data = rows(
        con,
        """with latest as (
               select source_id, max(cohort) as cohort from indicators.etablissement_insertion group by 1)
           select i.uai, i.source_id, i.cohort, i.population, i.indicator_id, i.value, i.status
           from indicators.etablissement_insertion i join latest l using (source_id, cohort)
           where (i.source_id = 'inserjeunes_lycees' and i.population = 'ensemble')
              or i.source_id = 'inserjeunes_cfa'
           order by i.uai, i.source_id desc""",
    )
    out: dict[str, dict] = {}
    for r in data:
        cur = out.get(r["uai"])
        if cur is not None and cur["source_id"] != r["source_id"]:
            continue  # the lycée file came first (source_id desc): keep it
        cur = out.setdefault(r["uai"], {"source_id": r["source_id"], "cohort": r["cohort"],
                                        "population": r["population"], "rates": {}})
        cur["rates"][r["indicator_id"]] = (r["value"], r["status"])
    return out


def territory_rows(con, set_id: str, territory_ids: list[str]) -> dict[str, list[dict]]:
    data = rows(
        con,
        """select tc.territory_id, e.*, c.label as commune_label
           from ref.etablissement_formation e
           join ref.territory_commune tc on tc.commune_code = e.commune_code
           join ref.commune c on c.commune_code = e.commune_code
           where tc.set_id = ? and tc.territory_id in (select unnest(?))""",
        (set_id, list(territory_ids)),
    )
    out: dict[str, list[dict]] = {t: [] for t in territory_ids}
    for r in data:
        out[r["territory_id"]].append(r)
    order = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    for items in out.values():
        items.sort(key=lambda r: (order.get(r["category"], 99), r["commune_label"] or "", r["name"] or ""))
    return out


def record(e: dict, insertion: dict | None) -> dict:
    """One export row (plain values: numbers stay numbers, labels in French)."""
    rec = {
        "uai": e["uai"], "nom": e["name"], "categorie": CATEGORY_LABELS.get(e["category"], e["category"]),
        "type_lycee": KIND_LABELS.get(e["lycee_kind"], "") if e["lycee_kind"] else "",
        "secteur": e["sector"] or "", "code_commune": e["commune_code"], "commune": e["commune_label"] or "",
        "eleves": None if _missing(e["pupils"]) else int(e["pupils"]),
        "forme_des_apprentis": "oui" if e["apprentissage"] else "non",
        "latitude": None if _missing(e["latitude"]) else float(e["latitude"]),
        "longitude": None if _missing(e["longitude"]) else float(e["longitude"]),
        "source": e["source_id"],
    }
    for col in RATES.values():
        rec[col] = None
    rec.update(statut_insertion="", cohorte_insertion="", population_insertion="", source_insertion="")
    if insertion:
        six = insertion["rates"].get("taux_emploi_6m")
        rec["statut_insertion"] = ("publié" if six and six[1] == "ok" else "non diffusé")
        rec["cohorte_insertion"] = insertion["cohort"].replace("_", "-")
        rec["population_insertion"] = insertion["population"]
        rec["source_insertion"] = insertion["source_id"]
        for ind, col in RATES.items():
            value, status = insertion["rates"].get(ind, (None, None))
            rec[col] = value if status == "ok" and not _missing(value) else None
    return rec


def csv_bytes(records: list[dict]) -> bytes:
    return spreadsheet_csv(CSV_COLUMNS, (
        [csv_number(r[c], 6 if c in ("latitude", "longitude") else None)
         if isinstance(r[c], (int, float)) and not isinstance(r[c], bool)
         else ("" if r[c] is None else r[c]) for c in CSV_COLUMNS]
        for r in records))


def geojson_bytes(records: list[dict]) -> bytes:
    features = []
    for r in records:
        geom = None
        if r["longitude"] is not None and r["latitude"] is not None:
            geom = {"type": "Point", "coordinates": [round(r["longitude"], 6), round(r["latitude"], 6)]}
        props = {k: v for k, v in r.items() if k not in ("latitude", "longitude")}
        features.append({"type": "Feature", "id": r["uai"], "geometry": geom, "properties": props})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      indent=None, separators=(",", ":")).encode("utf-8")


def write_exports(con, root: Path, set_id: str, territory_ids) -> list[Path]:
    """Write ``etablissements.csv`` and ``etablissements.geojson`` for each territory; returns the
    paths written. ``con``: the published database (read-only is enough)."""
    root = Path(root)
    territory_ids = list(territory_ids)
    if not territory_ids:
        return []
    insertion = latest_insertion(con)
    by_territory = territory_rows(con, set_id, territory_ids)
    written = []
    for tid in territory_ids:
        records = [record(e, insertion.get(e["uai"])) for e in by_territory.get(tid, [])]
        out = root / "portraits" / set_id / tid
        out.mkdir(parents=True, exist_ok=True)
        (out / "etablissements.csv").write_bytes(csv_bytes(records))
        (out / "etablissements.geojson").write_bytes(geojson_bytes(records))
        written += [out / "etablissements.csv", out / "etablissements.geojson"]
    return written
