"""Directory files for coordinators: the reception points of each territory as CSV and GeoJSON.

:func:`write_exports` reads a database holding ``ref`` and ``directory`` (the staged published one,
read-only) and writes, under ``<root>/annuaire/``:

* ``<set_id>/<territory_id>.csv`` and ``.geojson`` for every territory of every set flagged
  ``portraits`` in ``ref.territory_set`` (an empty list when the territory has no point);
* ``region.csv`` and ``region.geojson``: every point of the region;
* ``LISEZMOI.txt``: what the files hold, in French.

CSV: ``;``-separated, UTF-8 with BOM, CRLF, decimal comma (opens as is in a French spreadsheet),
one row per open reception point sorted by network then name. GeoJSON (RFC 7946, WGS84): one
``Point`` feature per point, ``geometry`` null for the points without coordinates (apprenticeship
organisations), the same properties as the CSV columns (``a_confirmer`` as a boolean).

Columns (French, documented in :data:`COLUMNS` and ``LISEZMOI.txt``)::

    identifiant     id of directory.reception_point (stable across builds)
    nom             name
    reseau          network id (directory.network)
    reseau_libelle  network label
    publics         publics received, '|'-separated ids (directory.public)
    adresse, code_postal, code_commune (COG 2026), commune
    latitude, longitude (WGS84; CSV only, decimal comma)
    telephone, courriel, site_web, horaires
    source          dataset id of the most recent record (meta.source), corrections_locales for a
                    point added by the coordinators
    date_source     date of that record (YYYY-MM-DD)
    corrige_le      date of the last local correction or confirmation (YYYY-MM-DD) or empty
    a_confirmer     "oui" when the point has not been confirmed for more than 3 years (stale)
    fusionne_avec   ids of the other source records merged into this point
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from portraits import directory as D
from portraits.safety import spreadsheet_csv

from .formatting import csv_number

# (CSV / GeoJSON name, directory.reception_point column or computed)
COLUMNS: list[tuple[str, str]] = [
    ("identifiant", "id"), ("nom", "name"), ("reseau", "network"), ("reseau_libelle", "network_label"),
    ("publics", "publics"), ("adresse", "address"), ("code_postal", "postcode"),
    ("code_commune", "commune_code"), ("commune", "commune_label"), ("latitude", "latitude"),
    ("longitude", "longitude"), ("telephone", "phone"), ("courriel", "email"), ("site_web", "website"),
    ("horaires", "opening_hours"), ("source", "source_id"), ("date_source", "source_date"),
    ("corrige_le", "corrected_at"), ("a_confirmer", "stale"), ("fusionne_avec", "merged_from"),
]

README = """Annuaire partagé des lieux d'accueil du SPRO Pays de la Loire
==============================================================

Un fichier par territoire : <jeu>/<territoire>.csv (tableur) et .geojson (carte), et region.csv /
region.geojson pour toute la région. Les fichiers CSV sont séparés par des points-virgules, en UTF-8
avec BOM, nombres à virgule décimale : ils s'ouvrent tels quels dans un tableur.

Colonnes :
  identifiant     identifiant stable du lieu (dila:…, ft:…, uai:…, ofa:…, local:…) : à citer dans
                  le fichier des corrections
  nom             nom du lieu
  reseau          réseau (cio, mission_locale, france_travail, information_jeunesse, cfa…)
  reseau_libelle  libellé du réseau
  publics         publics accueillis (identifiants séparés par |)
  adresse, code_postal, code_commune (code INSEE, géographie 2026), commune
  latitude, longitude   coordonnées WGS84 (vides pour les organismes de formation en apprentissage)
  telephone, courriel, site_web, horaires
  source          jeu de données d'où vient la fiche la plus récente (corrections_locales pour un
                  lieu ajouté par les coordinateurs)
  date_source     date de cette fiche
  corrige_le      date de la dernière correction ou confirmation locale
  a_confirmer     « oui » si la fiche n'a pas été confirmée depuis plus de 3 ans (base DILA 2016,
                  liste des agences France Travail 2019…) : à vérifier avant d'orienter
  fusionne_avec   fiches des autres sources regroupées dans ce lieu

Sources : Annuaire de l'administration, base de données locales (DILA, instantané 2016) ; sites
Pôle emploi / France Travail (novembre 2019) ; Annuaire de l'éducation (octobre 2025) ; référentiel
UAI-SIRET des organismes de formation en apprentissage (2021-2023) ; corrections des coordinateurs
(portraits/corrections/annuaire.csv).
"""


def directory_frame(con) -> pd.DataFrame:
    """Every reception point with its network label and commune name, sorted by network then name."""
    df = con.execute(
        """select p.*, n.label as network_label, c.label as commune_label
           from directory.reception_point p
           left join directory.network n using (network)
           left join ref.commune c using (commune_code)""").df()
    order = {n: i for i, n in enumerate(D.NETWORKS)}
    df["_order"] = df["network"].map(order).fillna(len(order))
    return df.sort_values(["_order", "name", "id"], kind="mergesort").drop(columns="_order").reset_index(drop=True)


def _text(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return ""
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    return str(v)


def to_csv(df: pd.DataFrame) -> bytes:
    rows = []
    for r in df.to_dict("records"):
        row = []
        for _name, col in COLUMNS:
            v = r.get(col)
            if col in ("latitude", "longitude"):
                row.append(csv_number(v) if v is not None and not pd.isna(v) else "")
            elif col == "stale":
                row.append("oui" if bool(v) else "non")
            else:
                row.append(_text(v))
        rows.append(row)
    return spreadsheet_csv([name for name, _ in COLUMNS], rows)


def to_geojson(df: pd.DataFrame) -> dict:
    out = pd.DataFrame({name: df[col] if col in df.columns else None for name, col in COLUMNS})
    for name in ("date_source", "corrige_le"):
        out[name] = [_text(v) or None for v in out[name]]
    out["a_confirmer"] = out["a_confirmer"].astype(bool)
    return D.to_geojson(out)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _write_pair(base: Path, df: pd.DataFrame) -> list[Path]:
    gj = json.dumps(to_geojson(df), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return [_write(base.parent / f"{base.name}.csv", to_csv(df)),
            _write(base.parent / f"{base.name}.geojson", gj)]


def has_directory(con) -> bool:
    """The database holds the directory (points and their territories)."""
    return con.execute(
        "select count(*) from information_schema.tables where table_schema = 'directory' "
        "and table_name in ('reception_point', 'reception_point_territory')").fetchone()[0] == 2


def write_exports(con, root: Path) -> list[Path]:
    """Write the directory files under ``root/annuaire`` (module docstring); returns their paths.

    Does nothing (returns []) when the database has no directory."""
    if not has_directory(con):
        return []
    out_dir = Path(root) / "annuaire"
    df = directory_frame(con)
    written = _write_pair(out_dir / "region", df)
    members = con.execute(
        """select t.set_id, t.territory_id, rt.id
           from ref.territory t
           join ref.territory_set s using (set_id)
           left join directory.reception_point_territory rt
                  on rt.set_id = t.set_id and rt.territory_id = t.territory_id
           where s.portraits
           order by t.set_id, t.territory_id""").df()
    by_id = df.set_index("id", drop=False)
    for (set_id, territory_id), g in members.groupby(["set_id", "territory_id"], sort=True):
        ids = set(g["id"].dropna())
        part = df[df["id"].isin(ids)] if ids else by_id.iloc[0:0]
        written += _write_pair(out_dir / set_id / territory_id, part.reset_index(drop=True))
    written.append(_write(out_dir / "LISEZMOI.txt", README.encode("utf-8")))
    return written
