"""The database contract: what other tools may rely on in ``output/portraits.duckdb``.

* :data:`TABLES` and :data:`COLUMNS`: the data dictionary of every published table and column
  (description in English, expected DuckDB type, unit or allowed values where relevant);
* :func:`write_meta_column`: writes the dictionary into the published database as ``meta.column``
  and refuses a published column that is not documented;
* :func:`write_schema_md`: ``schema.md``, the Markdown reference for developers of other tools;
* :func:`export_parquet`: every published table as ``<schema>.<table>.parquet``;
* :func:`contract_fingerprint`: a hash of the published (schema, table, column, type).

**Schema version policy.** :data:`SCHEMA_VERSION` (defined in :mod:`portraits.warehouse`, written to
``meta.build.schema_version`` by every build) names one exact set of published
``(schema, table, column, type)``. Any change to that set (a table or column added, removed or
renamed, a type changed) must bump ``SCHEMA_VERSION`` and record the new fingerprint in
``tests/test_contract.py`` (``EXPECTED_FINGERPRINTS``): ``python -m portraits.contract fingerprint``
prints the fingerprint of the dictionary, ``python -m portraits.contract fingerprint
output/portraits.duckdb`` the one of a database. Column order, descriptions and row contents are
not part of the fingerprint. Readers should check ``schema_version`` and select columns by name.

Schemas whose tables may be published before they are documented (:data:`LENIENT_SCHEMAS`, for now
``directory``) are skipped with a warning instead of an error; their undocumented tables are left
out of ``meta.column``, of the fingerprint and of ``schema.md``.

Plain Python (no Dagster): every function takes an open DuckDB connection.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .warehouse import SCHEMA_VERSION, sql_string

__all__ = [
    "SCHEMA_VERSION", "CONTRACT_SCHEMAS", "LENIENT_SCHEMAS", "TABLES", "COLUMNS", "Column",
    "ContractError", "ContractCheck", "published_tables", "published_columns", "check_contract", "contract_fingerprint",
    "dictionary_fingerprint", "write_meta_column", "write_schema_md", "export_parquet",
]

log = logging.getLogger(__name__)

# Every schema of the published database (``directory`` comes with the shared directory).
CONTRACT_SCHEMAS = ("ref", "indicators", "meta", "directory")
# Schemas whose undocumented tables are skipped with a warning rather than refused.
LENIENT_SCHEMAS = ("directory",)


class ContractError(Exception):
    """The published database does not match the data dictionary."""


@dataclass(frozen=True)
class Column:
    description: str
    type: str  # DuckDB type as in information_schema.columns.data_type
    unit: str | None = None
    values: dict[str, str] = field(default_factory=dict)  # allowed value -> meaning

    def full_description(self) -> str:
        """The description with the unit and the allowed values, for ``meta.column``."""
        text = self.description
        if self.unit:
            text += f" Unit: {self.unit}."
        if self.values:
            text += " Values: " + "; ".join(f"'{k}' = {v}" for k, v in self.values.items()) + "."
        return text


# --------------------------------------------------------------------------------------------------
# The data dictionary
# --------------------------------------------------------------------------------------------------

TABLES: dict[tuple[str, str], str] = {
    ("ref", "territory_set"):
        "Territory sets. A set groups communes into territories: the built-in sets `clpe` (local "
        "territories), `commune`, `epci`, `departement`, `region`, plus the sets defined by "
        "coordinators' files. One row per set.",
    ("ref", "territory"):
        "One row per territory of every set (key: `set_id`, `territory_id`), with a summary of its "
        "composition.",
    ("ref", "territory_commune"):
        "Composition of the territories: one row per (set, territory, member commune). Every commune "
        "of the region belongs to exactly one territory of each built-in set.",
    ("ref", "commune"):
        "Communes, COG 2026: the region's current communes (`in_region` = true) and the communes of "
        "other regions that belong to a territory of the region (members of cross-border EPCI or "
        "CLPE, `in_region` = false).",
    ("ref", "epci"):
        "EPCI à fiscalité propre (COG 2026) with at least one member commune in the region.",
    ("ref", "departement"): "The region's départements (COG 2026).",
    ("ref", "region"): "The region (COG 2026): Pays de la Loire, code 52.",
    ("ref", "commune_history"):
        "Every commune code that is not a commune of COG 2026 (former, delegated and associated "
        "communes, codes absorbed into a commune nouvelle, 2024 communes merged or re-coded since) "
        "with the 2026 commune it now belongs to (chains followed): use it to bring data published "
        "in an older geography to 2026. One row per old code.",
    ("ref", "commune_geometry"):
        "Contours of the region's 1,228 communes of COG 2026: IGN ADMIN EXPRESS COG CARTO 2024 "
        "polygons (simplified) dissolved into the 2026 communes. One row per commune.",
    ("ref", "departement_geometry"):
        "Contours of the region's départements (IGN ADMIN EXPRESS COG CARTO 2024, simplified).",
    ("ref", "region_geometry"):
        "Contour of the region (IGN ADMIN EXPRESS COG CARTO 2024, simplified).",
    ("ref", "territory_geometry"):
        "Contour of every territory of every set: union of its communes' contours (key: `set_id`, "
        "`territory_id`). There is no contour outside the region: a cross-border territory covers "
        "its region part only.",
    ("ref", "etablissement_formation"):
        "Education and training establishments placed on a COG 2026 commune: lycées, collèges, CIO, "
        "EREA, apprenticeship organisations, higher-education establishments known from Parcoursup. "
        "One row per UAI.",
    ("indicators", "catalog"): "The indicators: one row per indicator, with its definition.",
    ("indicators", "etablissement_insertion"):
        "InserJeunes rates per establishment, as published (never averaged onto territories): one "
        "row per (UAI, cohort, population, indicator). A rate the cohort's file does not carry at "
        "all has no row.",
    ("indicators", "observation"):
        "Indicator values: one row per (set, territory, indicator, period). Counts are summed over "
        "the territory's communes; rates and changes are recomputed from summed numerators and "
        "denominators, never averaged.",
    ("meta", "source"):
        "Provenance of every official dataset used by the build: one row per dataset.",
    ("meta", "data_quality"):
        "Warnings and notes on the source data found by the build (e.g. coordinates outside their "
        "commune, establishments that cannot be placed): one row per issue.",
    ("meta", "build"):
        "One row per successful build of the pipeline (the latest by `finished_at` is the one "
        "you are reading).",
    ("meta", "edition"):
        "Every publication is an edition: one row for the edition you are reading (`is_current`) "
        "and one per earlier edition whose database is archived beside it under "
        "`editions/<edition_id>/portraits.duckdb` (the last 12 by default, "
        "`PORTRAITS_ARCHIVES_KEPT`). Open an archived file read-only, or ATTACH it, to query a past "
        "edition with the same tables.",
    ("meta", "edition_source"):
        "The vintage and file (SHA-256) of every dataset in every edition listed in `meta.edition`: "
        "which data changed between two editions.",
    ("meta", "column"):
        "This data dictionary: every published column with its type and description.",
    ("indicators", "neighbour"):
        "Statistical neighbours: for every territory, the 3 most similar territories of the same set "
        "(Euclidean distance over standardised profile indicators, see portraits/themes/voisins.py).",
    ("directory", "reception_point"):
        "The shared directory of guidance reception points: one row per point, duplicates across "
        "sources merged, the networks' corrections applied (see portraits/annuaire.py).",
    ("directory", "network"): "The closed list of networks, with the publics each one serves.",
    ("directory", "public"): "The closed list of publics.",
    ("directory", "reception_point_territory"):
        "Every point in a territory of every set (through its commune).",
    ("directory", "correction"): "The corrections of the networks' file applied by this build.",
}

_STATUS_VALUES = {
    "ok": "value known for every commune of the region in the territory",
    "secret": "at least one member commune is under statistical secrecy at the source: the total is "
              "unknown and `value` stays null (never 0)",
    "missing": "the source has no value for some commune of the region in the territory, or none at "
               "all: `value` is null",
    "estimate": "value attributed from a coarser geography with a documented rule (see `note`)",
}

_WKB = ("Polygon or multipolygon as WKB, WGS84 (EPSG:4326), simplified contours: "
        "`shapely.from_wkb`, `geopandas.GeoSeries.from_wkb`, or `ST_GeomFromWKB` of DuckDB spatial.")

COLUMNS: dict[tuple[str, str, str], Column] = {
    # ---- ref.territory_set
    ("ref", "territory_set", "set_id"): Column(
        "Identifier of the set (primary key): `clpe`, `commune`, `epci`, `departement`, `region`, or "
        "the id given in a coordinators' definition file.", "VARCHAR"),
    ("ref", "territory_set", "label"): Column("French label of the set, as shown to readers.", "VARCHAR"),
    ("ref", "territory_set", "source_id"): Column(
        "Where the set's definition comes from: a `meta.source.source_id` (`clpe_communes`, "
        "`cog_communes_2026`…) or `definition:<file name>` for a coordinators' file.", "VARCHAR"),
    ("ref", "territory_set", "description"): Column(
        "Description of the set and of its perimeter rules (English).", "VARCHAR"),
    ("ref", "territory_set", "portraits"): Column(
        "True when a portrait is rendered for every territory of the set "
        "(`output/portraits/<set_id>/<territory_id>/`).", "BOOLEAN"),
    # ---- ref.territory
    ("ref", "territory", "set_id"): Column("Territory set (`ref.territory_set.set_id`).", "VARCHAR"),
    ("ref", "territory", "territory_id"): Column(
        "Identifier of the territory, unique within its set: CLPE code (`CLPE44001`) for `clpe`, "
        "INSEE commune code for `commune`, EPCI SIREN for `epci` (`ZZZZZZZZZ` groups the communes "
        "without EPCI), département code for `departement`, `52` for `region`.", "VARCHAR"),
    ("ref", "territory", "label"): Column("French name of the territory.", "VARCHAR"),
    ("ref", "territory", "n_communes"): Column(
        "Number of member communes, including those outside the region.", "BIGINT", unit="communes"),
    ("ref", "territory", "n_communes_outside_region"): Column(
        "Number of member communes outside the region (cross-border territories); the regional "
        "sources do not cover them.", "BIGINT", unit="communes"),
    ("ref", "territory", "departements"): Column(
        "Codes of the region's départements holding at least one member commune, sorted and "
        "pipe-separated (`44|49`); null when no member commune is in the region.", "VARCHAR"),
    # ---- ref.territory_commune
    ("ref", "territory_commune", "set_id"): Column("Territory set (`ref.territory_set.set_id`).", "VARCHAR"),
    ("ref", "territory_commune", "territory_id"): Column(
        "Territory (`ref.territory.territory_id` within the set).", "VARCHAR"),
    ("ref", "territory_commune", "commune_code"): Column(
        "INSEE code of the member commune, COG 2026 (`ref.commune.commune_code`). Text: keep the "
        "leading zeros.", "VARCHAR"),
    ("ref", "territory_commune", "in_region"): Column(
        "True when the commune is one of the region's current communes; false for an out-of-region "
        "member of a cross-border territory.", "BOOLEAN"),
    # ---- ref.commune
    ("ref", "commune", "commune_code"): Column(
        "INSEE commune code, COG 2026 (primary key, 5 characters, text).", "VARCHAR"),
    ("ref", "commune", "label"): Column("Name of the commune (COG 2026).", "VARCHAR"),
    ("ref", "commune", "departement_code"): Column(
        "Code of the commune's département (2 characters, 3 overseas).", "VARCHAR"),
    ("ref", "commune", "region_code"): Column(
        "Code of the commune's region (`52` for the region's communes); may be null for an "
        "out-of-region commune.", "VARCHAR"),
    ("ref", "commune", "epci_siren"): Column(
        "SIREN of the commune's EPCI à fiscalité propre (9 characters, `ref.epci`); null for a "
        "commune without EPCI (L'Île-d'Yeu) or an out-of-region commune known only from the CLPE "
        "referential.", "VARCHAR"),
    ("ref", "commune", "in_region"): Column(
        "True for the region's current communes, false for out-of-region members of the region's "
        "territories.", "BOOLEAN"),
    ("ref", "commune", "population_cog"): Column(
        "Population municipale 2023 (legal population in force on 1 January 2026) shipped with "
        "COG 2026; null outside the region.", "DOUBLE", unit="inhabitants"),
    # ---- ref.epci
    ("ref", "epci", "epci_siren"): Column("SIREN of the EPCI (primary key, 9 characters).", "VARCHAR"),
    ("ref", "epci", "label"): Column("Name of the EPCI.", "VARCHAR"),
    ("ref", "epci", "epci_type"): Column(
        "Legal form of the EPCI.", "VARCHAR",
        values={"CC": "communauté de communes", "CA": "communauté d'agglomération",
                "CU": "communauté urbaine", "METRO": "métropole"}),
    ("ref", "epci", "n_communes"): Column(
        "Number of member communes, in every region.", "BIGINT", unit="communes"),
    ("ref", "epci", "n_communes_region"): Column(
        "Number of member communes in the region.", "BIGINT", unit="communes"),
    # ---- ref.departement
    ("ref", "departement", "departement_code"): Column("Code of the département (primary key).", "VARCHAR"),
    ("ref", "departement", "label"): Column("Name of the département.", "VARCHAR"),
    ("ref", "departement", "region_code"): Column("Code of its region (`ref.region`).", "VARCHAR"),
    # ---- ref.region
    ("ref", "region", "region_code"): Column("Code of the region (primary key).", "VARCHAR"),
    ("ref", "region", "label"): Column("Name of the region.", "VARCHAR"),
    # ---- ref.commune_history
    ("ref", "commune_history", "old_code"): Column(
        "Former INSEE commune code (primary key): not a commune of COG 2026.", "VARCHAR"),
    ("ref", "commune_history", "new_code"): Column(
        "INSEE code of the commune of COG 2026 the old code now belongs to (`ref.commune`).", "VARCHAR"),
    ("ref", "commune_history", "effective_date"): Column(
        "Date the change took effect, when known (only the mergers between COG 2024 and COG 2026, "
        "in force on 2025-01-01); null otherwise: the COG files carry no dates.", "DATE"),
    ("ref", "commune_history", "old_name"): Column(
        "Name of the former commune, when a source gives it.", "VARCHAR"),
    ("ref", "commune_history", "new_name"): Column("Name of the 2026 commune.", "VARCHAR"),
    ("ref", "commune_history", "kind"): Column(
        "Kind of link between the two codes.", "VARCHAR",
        values={"merged_after_2024": "commune of COG 2024 merged into another commune by 2026",
                "recoded_after_2024": "commune of COG 2024 whose territory is unchanged but whose code "
                                      "changed by 2026",
                "delegated": "commune déléguée (COG 2026)",
                "associated": "commune associée (COG 2026)",
                "former": "code absorbed into a commune nouvelle, no delegated status"}),
    # ---- ref.commune_geometry
    ("ref", "commune_geometry", "commune_code"): Column(
        "INSEE commune code, COG 2026 (primary key, `ref.commune`).", "VARCHAR"),
    ("ref", "commune_geometry", "label"): Column("Name of the commune (COG 2026).", "VARCHAR"),
    ("ref", "commune_geometry", "departement"): Column("Code of the commune's département.", "VARCHAR"),
    ("ref", "commune_geometry", "area_m2"): Column(
        "Area computed from the IGN data (sum over the 2024 communes dissolved into it; not the area "
        "of the simplified polygon); null when the source gives none.", "DOUBLE", unit="m²"),
    ("ref", "commune_geometry", "n_source_communes"): Column(
        "Number of 2024 commune polygons dissolved into this 2026 commune (1 when unchanged).",
        "BIGINT"),
    ("ref", "commune_geometry", "geometry_wkb"): Column(
        _WKB, "BLOB"),
    # ---- ref.departement_geometry
    ("ref", "departement_geometry", "departement_code"): Column(
        "Code of the département (primary key, `ref.departement`).", "VARCHAR"),
    ("ref", "departement_geometry", "label"): Column("Name of the département.", "VARCHAR"),
    ("ref", "departement_geometry", "area_m2"): Column(
        "Area computed from the IGN data (not the area of the simplified polygon).", "DOUBLE", unit="m²"),
    ("ref", "departement_geometry", "source_id"): Column("Source of the contour (`meta.source`).", "VARCHAR"),
    ("ref", "departement_geometry", "vintage"): Column("Vintage of the contour (free text).", "VARCHAR"),
    ("ref", "departement_geometry", "geometry_wkb"): Column(_WKB, "BLOB"),
    # ---- ref.region_geometry
    ("ref", "region_geometry", "region_code"): Column("Code of the region (primary key).", "VARCHAR"),
    ("ref", "region_geometry", "label"): Column("Name of the region.", "VARCHAR"),
    ("ref", "region_geometry", "area_m2"): Column(
        "Area computed from the IGN data (not the area of the simplified polygon).", "DOUBLE", unit="m²"),
    ("ref", "region_geometry", "source_id"): Column("Source of the contour (`meta.source`).", "VARCHAR"),
    ("ref", "region_geometry", "vintage"): Column("Vintage of the contour (free text).", "VARCHAR"),
    ("ref", "region_geometry", "geometry_wkb"): Column(_WKB, "BLOB"),
    # ---- ref.territory_geometry
    ("ref", "territory_geometry", "set_id"): Column("Territory set (`ref.territory_set.set_id`).", "VARCHAR"),
    ("ref", "territory_geometry", "territory_id"): Column(
        "Territory (`ref.territory.territory_id` within the set).", "VARCHAR"),
    ("ref", "territory_geometry", "area_km2"): Column(
        "Area of the polygon, computed in Lambert-93 (EPSG:2154) from the simplified contours; 0 "
        "for a territory without any contour.", "DOUBLE", unit="km²"),
    ("ref", "territory_geometry", "n_communes"): Column(
        "Number of member communes.", "BIGINT", unit="communes"),
    ("ref", "territory_geometry", "n_communes_without_contour"): Column(
        "Member communes left out of the polygon for want of a contour (communes outside the "
        "region).", "BIGINT", unit="communes"),
    ("ref", "territory_geometry", "geometry_wkb"): Column(
        _WKB + " Empty polygon when no member commune has a contour.", "BLOB"),
    # ---- ref.etablissement_formation
    ("ref", "etablissement_formation", "uai"): Column(
        "UAI of the establishment (primary key, 8 characters).", "VARCHAR"),
    ("ref", "etablissement_formation", "name"): Column(
        "Name (Éducation nationale directory; else InserJeunes, the prépa-apprentissage list or a "
        "network file for apprenticeship organisations; else Parcoursup).", "VARCHAR"),
    ("ref", "etablissement_formation", "category"): Column(
        "Kind of establishment.", "VARCHAR",
        values={"lycee": "lycée", "college": "collège", "cio": "centre d'information et d'orientation",
                "erea": "EREA", "cfa": "apprenticeship organisation not typed lycée/collège/CIO/EREA "
                                   "by the directory",
                "enseignement_superieur": "known only from Parcoursup",
                "autre": "other directory establishment appearing in a training source"}),
    ("ref", "etablissement_formation", "lycee_kind"): Column(
        "For lycées, derived from the name; null otherwise.", "VARCHAR",
        values={"professionnel": "lycée professionnel", "polyvalent": "lycée polyvalent",
                "general_technologique": "lycée général et technologique", "autre": "other lycée"}),
    ("ref", "etablissement_formation", "sector"): Column(
        "`Public` or `Privé`; null when no source says.", "VARCHAR"),
    ("ref", "etablissement_formation", "commune_code"): Column(
        "Commune of COG 2026 the establishment is counted in (`ref.commune`).", "VARCHAR"),
    ("ref", "etablissement_formation", "latitude"): Column(
        "Latitude, WGS84; null for apprenticeship organisations absent from the directory and for a "
        "CIO moved to the commune its name gives.", "DOUBLE", unit="degrees"),
    ("ref", "etablissement_formation", "longitude"): Column(
        "Longitude, WGS84 (null as `latitude`).", "DOUBLE", unit="degrees"),
    ("ref", "etablissement_formation", "pupils"): Column(
        "Number of pupils published by the Éducation nationale directory; null when not published.",
        "DOUBLE", unit="pupils"),
    ("ref", "etablissement_formation", "apprentissage"): Column(
        "True when the UAI is an apprenticeship organisation counted by the indicator `cfa`.", "BOOLEAN"),
    ("ref", "etablissement_formation", "source_id"): Column(
        "Dataset the row's name and place come from (`meta.source`).", "VARCHAR"),
    # ---- indicators.catalog
    ("indicators", "catalog", "indicator_id"): Column("Identifier of the indicator (primary key).", "VARCHAR"),
    ("indicators", "catalog", "label"): Column("French label, as shown to readers.", "VARCHAR"),
    ("indicators", "catalog", "unit"): Column(
        "French unit label of `indicators.observation.value` (`habitants`, `% par an`…).", "VARCHAR"),
    ("indicators", "catalog", "source_id"): Column(
        "Main source (`meta.source.source_id`); some observations may name another one.", "VARCHAR"),
    ("indicators", "catalog", "description"): Column(
        "Definition and formula (English).", "VARCHAR"),
    ("indicators", "catalog", "aggregation"): Column(
        "How the territory value is obtained from the communes.", "VARCHAR",
        values={"sum": "count summed over the member communes",
                "growth": "average annual change recomputed from the summed values at both ends",
                "ratio": "ratio recomputed from the summed numerator and denominator",
                "none": "not additive: published for the `commune` set only, `missing` elsewhere",
                "list": "number of items of a list given in `note` (e.g. occupations in shortage)"}),
    ("indicators", "catalog", "decimals"): Column(
        "Number of decimals shown in the portraits.", "BIGINT"),
    # ---- indicators.etablissement_insertion
    ("indicators", "etablissement_insertion", "uai"): Column(
        "UAI of the establishment (`ref.etablissement_formation.uai`).", "VARCHAR"),
    ("indicators", "etablissement_insertion", "cohort"): Column(
        "Cohort of leavers, e.g. `2022_2023` (two years of leavers cumulated).", "VARCHAR"),
    ("indicators", "etablissement_insertion", "population"): Column(
        "Population the rate is about.", "VARCHAR",
        values={"ensemble": "all leavers (lycées)", "scolaires": "pupils (lycées)",
                "apprentis": "apprentices (lycées and CFA)"}),
    ("indicators", "etablissement_insertion", "indicator_id"): Column(
        "Rate: `taux_emploi_6m`, `taux_emploi_12m`, `taux_emploi_18m`, `taux_emploi_24m`, "
        "`taux_emploi_6m_attendu`, `valeur_ajoutee`, `taux_poursuite`, `part_poursuite`, "
        "`part_emploi_6m`, `part_autres`, `part_contrats_interrompus`.", "VARCHAR"),
    ("indicators", "etablissement_insertion", "value"): Column(
        "Rate as published; null unless `status` is `ok`. In % (0-100), except `valeur_ajoutee` in "
        "percentage points (-100 to 100).", "DOUBLE", unit="% (points for valeur_ajoutee)"),
    ("indicators", "etablissement_insertion", "status"): Column(
        "Whether the rate is published.", "VARCHAR",
        values={"ok": "published", "secret": "not disclosed by the publisher (fewer than 20 young "
                                              "people)"}),
    ("indicators", "etablissement_insertion", "source_id"): Column(
        "`inserjeunes_lycees` or `inserjeunes_cfa` (`meta.source`).", "VARCHAR"),
    # ---- indicators.observation
    ("indicators", "observation", "set_id"): Column("Territory set (`ref.territory_set.set_id`).", "VARCHAR"),
    ("indicators", "observation", "territory_id"): Column(
        "Territory (`ref.territory.territory_id` within the set).", "VARCHAR"),
    ("indicators", "observation", "indicator_id"): Column(
        "Indicator (`indicators.catalog.indicator_id`).", "VARCHAR"),
    ("indicators", "observation", "period"): Column(
        "Period of the value: `YYYY` (a year, or 31 December / 4th-quarter average as the source "
        "says), `YYYY-MM` (end of month), `YYYY-Tq` (quarter, e.g. `2024-T4`), `YYYY-YYYY` (change "
        "between two years).", "VARCHAR"),
    ("indicators", "observation", "value"): Column(
        "Value of the indicator, in the unit of `indicators.catalog.unit`; null unless `status` "
        "is `ok` or `estimate` (an unknown value is never 0).", "DOUBLE",
        unit="indicators.catalog.unit"),
    ("indicators", "observation", "numerator"): Column(
        "Summed numerator: the value itself for counts; for changes, the value at the end of the "
        "period.", "DOUBLE"),
    ("indicators", "observation", "denominator"): Column(
        "Summed denominator: null for counts; for changes, the value at the start of the period.",
        "DOUBLE"),
    ("indicators", "observation", "status"): Column(
        "Quality of the value. Communes outside the region are not covered by the regional sources: "
        "their absence leaves `ok` and fills `note`.", "VARCHAR", values=_STATUS_VALUES),
    ("indicators", "observation", "source_id"): Column(
        "Source of this value (`meta.source.source_id`).", "VARCHAR"),
    ("indicators", "observation", "note"): Column(
        "Note for readers (French): communes under secrecy or without value, out-of-region communes "
        "not covered; null when there is nothing to say.", "VARCHAR"),
    # ---- meta.source
    ("meta", "source", "source_id"): Column(
        "Dataset id (primary key), as in `sources/catalog.py`.", "VARCHAR"),
    ("meta", "source", "title"): Column("French title of the dataset, cited in the portraits.", "VARCHAR"),
    ("meta", "source", "publisher"): Column("Publisher of the dataset.", "VARCHAR"),
    ("meta", "source", "url"): Column(
        "Official URL of the file (or the URL actually downloaded).", "VARCHAR"),
    ("meta", "source", "page"): Column("Publisher's landing page of the dataset.", "VARCHAR"),
    ("meta", "source", "licence"): Column("Licence of the dataset.", "VARCHAR"),
    ("meta", "source", "vintage"): Column("Vintage of the data (free text).", "VARCHAR"),
    ("meta", "source", "layout"): Column(
        "How the file read relates to the official file.", "VARCHAR",
        values={"official": "same layout as the official file (possibly cut to the region)",
                "derived": "a table derived from the official publication (reshaped extract)"}),
    ("meta", "source", "origin"): Column(
        "Where the build read the file.", "VARCHAR",
        values={"mirror": "local mirror of the official files", "http": "downloaded from `url`"}),
    ("meta", "source", "retrieved_at"): Column("When the file was retrieved (ISO 8601, UTC).", "VARCHAR"),
    ("meta", "source", "sha256"): Column("SHA-256 of the file's bytes (hex).", "VARCHAR"),
    ("meta", "source", "bytes"): Column("Size of the file.", "BIGINT", unit="bytes"),
    ("meta", "source", "rows"): Column("Number of rows loaded from the file.", "BIGINT", unit="rows"),
    ("meta", "source", "note"): Column("Note on the dataset (how it is read or derived).", "VARCHAR"),
    ("meta", "source", "columns"): Column(
        "Columns of the parsed table, comma-separated: the next build checks that none was dropped.", "VARCHAR"),
    # ---- meta.data_quality
    ("meta", "data_quality", "source_id"): Column(
        "Dataset the issue is about (`meta.source`).", "VARCHAR"),
    ("meta", "data_quality", "level"): Column(
        "Severity.", "VARCHAR",
        values={"warning": "data kept but possibly wrong or placed by a fallback rule",
                "info": "a rule applied to the data, for the record"}),
    ("meta", "data_quality", "key"): Column(
        "What the issue is about: a UAI, `siret:<SIRET>`, `<UAI>/<year>`…", "VARCHAR"),
    ("meta", "data_quality", "message"): Column("Description of the issue (French).", "VARCHAR"),
    # ---- indicators.neighbour
    ("indicators", "neighbour", "set_id"): Column("Territory set.", "VARCHAR"),
    ("indicators", "neighbour", "territory_id"): Column("Territory.", "VARCHAR"),
    ("indicators", "neighbour", "rank"): Column("1 = most similar.", "BIGINT"),
    ("indicators", "neighbour", "neighbour_id"): Column("A territory of the same set.", "VARCHAR"),
    ("indicators", "neighbour", "distance"): Column(
        "Distance between the standardised profiles (root mean square of z-score differences).", "DOUBLE"),
    # ---- directory (reception points)
    ("directory", "reception_point", "id"): Column(
        "Stable identifier, from the source key: `dila:<id>`, `ft:<agency>`, `uai:<UAI>`, `ofa:<SIRET>`, "
        "`local:<id>` for points added by the corrections file.", "VARCHAR"),
    ("directory", "reception_point", "name"): Column("Name of the structure (French).", "VARCHAR"),
    ("directory", "reception_point", "network"): Column("Network, one of `directory.network`.", "VARCHAR"),
    ("directory", "reception_point", "publics"): Column(
        "Publics served, `|`-separated ids of `directory.public` (derived from the network).", "VARCHAR"),
    ("directory", "reception_point", "address"): Column("Street address.", "VARCHAR"),
    ("directory", "reception_point", "postcode"): Column("Postcode.", "VARCHAR"),
    ("directory", "reception_point", "commune_code"): Column("Commune (COG 2026 code, text).", "VARCHAR"),
    ("directory", "reception_point", "latitude"): Column("Latitude (WGS84); NULL when unknown.", "DOUBLE"),
    ("directory", "reception_point", "longitude"): Column("Longitude (WGS84); NULL when unknown.", "DOUBLE"),
    ("directory", "reception_point", "phone"): Column("Phone number.", "VARCHAR"),
    ("directory", "reception_point", "email"): Column("E-mail address.", "VARCHAR"),
    ("directory", "reception_point", "website"): Column("Website.", "VARCHAR"),
    ("directory", "reception_point", "opening_hours"): Column("Opening hours where known.", "VARCHAR"),
    ("directory", "reception_point", "source_id"): Column("Dataset the record comes from (`meta.source`).", "VARCHAR"),
    ("directory", "reception_point", "source_date"): Column("Date of the record in its source.", "DATE"),
    ("directory", "reception_point", "corrected_at"): Column(
        "Date of the last correction or confirmation by a network; NULL if none.", "DATE"),
    ("directory", "reception_point", "stale"): Column(
        "True when the record is older than 3 years at build time and not confirmed since.", "BOOLEAN"),
    ("directory", "reception_point", "merged_from"): Column(
        "`|`-separated ids of the duplicate records merged into this one.", "VARCHAR"),
    ("directory", "network", "network"): Column("Network id.", "VARCHAR"),
    ("directory", "network", "label"): Column("French label.", "VARCHAR"),
    ("directory", "network", "publics"): Column("`|`-separated publics the network serves.", "VARCHAR"),
    ("directory", "public", "public"): Column("Public id.", "VARCHAR"),
    ("directory", "public", "label"): Column("French label.", "VARCHAR"),
    ("directory", "reception_point_territory", "set_id"): Column("Territory set.", "VARCHAR"),
    ("directory", "reception_point_territory", "territory_id"): Column("Territory of that set.", "VARCHAR"),
    ("directory", "reception_point_territory", "id"): Column("Reception point (`reception_point.id`).", "VARCHAR"),
    ("directory", "correction", "line"): Column("Line of the corrections file.", "BIGINT"),
    ("directory", "correction", "action"): Column("`add`, `update`, `close` or `confirm`.", "VARCHAR"),
    ("directory", "correction", "id"): Column("Id named by the correction.", "VARCHAR"),
    ("directory", "correction", "field"): Column("Field corrected.", "VARCHAR"),
    ("directory", "correction", "value"): Column("New value.", "VARCHAR"),
    ("directory", "correction", "author"): Column("Who made the correction.", "VARCHAR"),
    ("directory", "correction", "correction_date"): Column("When.", "DATE"),
    ("directory", "correction", "point_id"): Column("The reception point the correction applied to.", "VARCHAR"),
    # ---- meta.build
    ("meta", "build", "build_id"): Column("Identifier of the build (Dagster run id).", "VARCHAR"),
    ("meta", "build", "started_at"): Column(
        "When the publication stage started (ISO 8601 with UTC offset).", "VARCHAR"),
    ("meta", "build", "finished_at"): Column(
        "When the database was written (ISO 8601 with UTC offset).", "VARCHAR"),
    ("meta", "build", "schema_version"): Column(
        "Version of this contract (the tables, columns and types described here).", "VARCHAR"),
    ("meta", "build", "code_version"): Column(
        "Version of the pipeline code (`git describe --always --dirty`, or the package version).",
        "VARCHAR"),
    # ---- meta.edition
    ("meta", "edition", "edition_id"): Column(
        "Edition id: UTC publication stamp and build id, e.g. `20261202T223311Z-9cdf6eba-ee3`; also "
        "the name of the edition's folder.", "VARCHAR"),
    ("meta", "edition", "published_at"): Column(
        "When the edition was built (ISO 8601 with UTC offset).", "VARCHAR"),
    ("meta", "edition", "build_id"): Column("The build (`meta.build.build_id`) that made the edition.", "VARCHAR"),
    ("meta", "edition", "is_current"): Column("True for the edition of this database file.", "BOOLEAN"),
    ("meta", "edition", "database_path"): Column(
        "The edition's database, relative to the published folder: `portraits.duckdb` for this one, "
        "`editions/<edition_id>/portraits.duckdb` for an archived one.", "VARCHAR"),
    ("meta", "edition", "previous_edition_id"): Column(
        "The edition published just before this one (null for the oldest listed).", "VARCHAR"),
    # ---- meta.edition_source
    ("meta", "edition_source", "edition_id"): Column("Edition (`meta.edition.edition_id`).", "VARCHAR"),
    ("meta", "edition_source", "source_id"): Column("Dataset id (`meta.source.source_id`).", "VARCHAR"),
    ("meta", "edition_source", "title"): Column("Dataset title (French).", "VARCHAR"),
    ("meta", "edition_source", "vintage"): Column("Vintage of the dataset in that edition.", "VARCHAR"),
    ("meta", "edition_source", "sha256"): Column("SHA-256 of the file read for that edition.", "VARCHAR"),
    # ---- meta.column
    ("meta", "column", "schema_name"): Column("Schema of the column.", "VARCHAR"),
    ("meta", "column", "table_name"): Column("Table of the column.", "VARCHAR"),
    ("meta", "column", "column_name"): Column("Name of the column.", "VARCHAR"),
    ("meta", "column", "data_type"): Column(
        "DuckDB type of the column, as in `information_schema.columns.data_type`.", "VARCHAR"),
    ("meta", "column", "description"): Column(
        "Description (English), with the unit and the allowed values where relevant.", "VARCHAR"),
}


# --------------------------------------------------------------------------------------------------
# Reading the database
# --------------------------------------------------------------------------------------------------

def _in_list(values) -> str:
    return ", ".join(sql_string(v) for v in values)


def published_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Every base table of the contract's schemas in the connected database, sorted."""
    return [tuple(r) for r in con.execute(
        f"""select table_schema, table_name from information_schema.tables
            where table_catalog = current_database() and table_type = 'BASE TABLE'
              and table_schema in ({_in_list(CONTRACT_SCHEMAS)})
            order by 1, 2""").fetchall()]


def published_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    """``(schema, table, column, data_type)`` of every published column, in table order."""
    return [tuple(r) for r in con.execute(
        f"""select c.table_schema, c.table_name, c.column_name, c.data_type
            from information_schema.columns c
            join information_schema.tables t
              on t.table_catalog = c.table_catalog and t.table_schema = c.table_schema
             and t.table_name = c.table_name
            where c.table_catalog = current_database() and t.table_type = 'BASE TABLE'
              and c.table_schema in ({_in_list(CONTRACT_SCHEMAS)})
            order by c.table_schema, c.table_name, c.ordinal_position""").fetchall()]


@dataclass
class ContractCheck:
    """Differences between the database and the dictionary (see :func:`check_contract`)."""

    columns: list[tuple[str, str, str, str]]  # documented published columns (schema, table, column, type)
    undocumented: list[tuple[str, str, str]]  # published columns absent from COLUMNS (refused)
    skipped_tables: list[tuple[str, str]]  # undocumented tables of LENIENT_SCHEMAS (warned)
    type_mismatches: list[tuple[str, str, str, str, str]]  # (schema, table, column, documented, actual)
    not_published: list[tuple[str, str, str]]  # documented columns absent from the database

    @property
    def errors(self) -> list[str]:
        out = []
        if self.undocumented:
            out.append(
                "published columns missing from portraits.contract.COLUMNS (document them, then bump "
                "SCHEMA_VERSION): " + ", ".join(".".join(c) for c in self.undocumented))
        if self.type_mismatches:
            out.append(
                "published column types differ from portraits.contract.COLUMNS (update the dictionary, "
                "then bump SCHEMA_VERSION): " + ", ".join(
                    f"{s}.{t}.{c} documented {d}, database {a}" for s, t, c, d, a in self.type_mismatches))
        return out

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.skipped_tables:
            out.append("undocumented tables skipped (not in meta.column, schema.md nor the "
                       "fingerprint): " + ", ".join(".".join(t) for t in self.skipped_tables))
        if self.not_published:
            out.append("documented columns absent from the database: "
                       + ", ".join(".".join(c) for c in self.not_published))
        return out


def check_contract(con: duckdb.DuckDBPyConnection) -> ContractCheck:
    """Compare the published columns of ``con`` with :data:`COLUMNS` (raises nothing)."""
    rows = published_columns(con)
    documented_tables = {(s, t) for s, t, _ in COLUMNS}
    columns, undocumented, skipped, mismatches = [], [], [], []
    for schema, table, column, dtype in rows:
        doc = COLUMNS.get((schema, table, column))
        if doc is None:
            if schema in LENIENT_SCHEMAS and (schema, table) not in documented_tables:
                if (schema, table) not in skipped:
                    skipped.append((schema, table))
            else:
                undocumented.append((schema, table, column))
            continue
        if doc.type.upper() != dtype.upper():
            mismatches.append((schema, table, column, doc.type, dtype))
        columns.append((schema, table, column, dtype))
    present = {(s, t, c) for s, t, c, _ in rows}
    not_published = [k for k in COLUMNS if k not in present]
    return ContractCheck(columns, undocumented, skipped, mismatches, not_published)


def _fingerprint(rows) -> str:
    text = "\n".join(f"{s}.{t}.{c} {d.upper()}" for s, t, c, d in sorted(rows))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def contract_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """SHA-256 of the sorted ``(schema, table, column, type)`` of every published column of ``con``
    (undocumented tables of :data:`LENIENT_SCHEMAS` left out)."""
    check = check_contract(con)
    # undocumented columns (refused by write_meta_column) still change the fingerprint
    actual = {(s, t, c): d for s, t, c, d in published_columns(con)}
    rows = check.columns + [(s, t, c, actual[(s, t, c)]) for s, t, c in check.undocumented]
    return _fingerprint(rows)


def dictionary_fingerprint() -> str:
    """The fingerprint a database exactly matching :data:`COLUMNS` has."""
    return _fingerprint([(s, t, c, doc.type) for (s, t, c), doc in COLUMNS.items()])


# --------------------------------------------------------------------------------------------------
# Writing meta.column, schema.md, Parquet
# --------------------------------------------------------------------------------------------------

def write_meta_column(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)create ``meta.column(schema_name, table_name, column_name, data_type, description)`` in the
    connected database: one row per published column (``meta.column`` included), ``data_type`` as
    in the database, description from :data:`COLUMNS`. Returns the row count.

    Raises :class:`ContractError` naming every published column missing from :data:`COLUMNS` or whose
    type differs from the documented one (nothing is written then). Undocumented tables of
    :data:`LENIENT_SCHEMAS` are skipped with a warning.
    """
    con.execute("create schema if not exists meta")
    # Created first so that it documents itself.
    con.execute("""create or replace table meta.column (
        schema_name varchar, table_name varchar, column_name varchar, data_type varchar,
        description varchar)""")
    check = check_contract(con)
    if check.errors:
        con.execute("drop table meta.column")
        raise ContractError("; ".join(check.errors))
    for message in check.warnings:
        warnings.warn(f"portraits.contract: {message}", stacklevel=2)
        log.warning(message)
    rows = [(s, t, c, d, COLUMNS[(s, t, c)].full_description()) for s, t, c, d in check.columns]
    con.executemany("insert into meta.column values (?, ?, ?, ?, ?)", rows)
    return len(rows)


def _md(text: object) -> str:
    """A Markdown table cell."""
    if text is None:
        return ""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _latest_build(con) -> tuple[str | None, str | None, str | None]:
    try:
        row = con.execute("select build_id, finished_at, schema_version from meta.build "
                          "order by finished_at desc limit 1").fetchone()
    except duckdb.Error:
        row = None
    return tuple(row) if row else (None, None, None)


def write_schema_md(con: duckdb.DuckDBPyConnection, path: Path | str) -> Path:
    """Write ``schema.md`` (English, for developers of other tools): how to open the database, the
    schema version, the publication guarantee, then one section per documented table with its
    columns. Generated from the database (tables, types, row counts) and :data:`COLUMNS`."""
    path = Path(path)
    check = check_contract(con)
    if check.errors:
        raise ContractError("; ".join(check.errors))
    build_id, finished_at, db_version = _latest_build(con)
    version = db_version or SCHEMA_VERSION
    by_table: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for s, t, c, d in check.columns:
        by_table.setdefault((s, t), []).append((c, d))
    order = list(TABLES)
    by_table = dict(sorted(by_table.items(), key=lambda kv: (
        CONTRACT_SCHEMAS.index(kv[0][0]), order.index(kv[0]) if kv[0] in order else len(order), kv[0][1])))

    lines = [
        "# Portraits de territoire: published database",
        "",
        "<!-- Generated by portraits.contract.write_schema_md from the database and "
        "portraits/contract.py: do not edit by hand. -->",
        "",
        f"- **File**: `output/portraits.duckdb` (DuckDB {duckdb.__version__} format)",
        f"- **Schema version**: `{version}` (column `schema_version` of `meta.build`)",
    ]
    if build_id:
        lines.append(f"- **Build**: `{build_id}`, finished at {finished_at}")
    lines += [
        "- **Also as Parquet**: `output/parquet/<schema>.<table>.parquet`, one file per table below",
        "",
        "## Opening the database",
        "",
        "Always open it **read-only**; the pipeline is the only writer.",
        "",
        "```python",
        "import duckdb",
        'con = duckdb.connect("output/portraits.duckdb", read_only=True)',
        'con.sql("select * from indicators.observation where set_id = \'clpe\'").df()',
        "con.close()",
        "```",
        "",
        "Command line: `duckdb -readonly output/portraits.duckdb`. "
        "R: `DBI::dbConnect(duckdb::duckdb(), \"output/portraits.duckdb\", read_only = TRUE)`.",
        "",
        "## Publication guarantee",
        "",
        "Each build writes a complete new database file, then swaps it in with one atomic rename "
        "(`os.replace`). A reader therefore sees either the previous database or the new one, never "
        "a partial one, and never needs to lock anything.",
        "",
        "- A connection opened before a swap keeps reading the previous build (the old file stays "
        "readable until its last connection closes). Close and reopen to see the new build.",
        "- Within one process DuckDB shares the open database between connections to the same path: "
        "while *any* connection to the file is open, a new `connect()` still returns the previous "
        "build. Close every connection, then reconnect.",
        "- Never open the published file in read-write mode and never write next to it: the next "
        "publication replaces it.",
        "",
        "## Versioning",
        "",
        "`schema_version` changes whenever a published table or column is added, removed or renamed, "
        "or a type changes. Row contents, descriptions and column order are not part of the contract: "
        "select columns by name. Check `schema_version` before relying on this document.",
        "",
        "## Conventions",
        "",
        "- Codes (communes, départements, EPCI, territories) are text: keep leading zeros.",
        "- `indicators.observation.value` is null when unknown (`status` `secret` or `missing`); an "
        "unknown value is never 0. Read `note` for the communes behind a non-`ok` status.",
        "- Multi-valued text columns are pipe-separated (`44|49`).",
        "- Every value names its source (`source_id` → `meta.source`), with URL, licence and SHA-256.",
        "",
        "## Tables",
        "",
    ]
    for schema, table in by_table:
        lines.append(f"- [`{schema}.{table}`](#{schema}{table})")
    lines.append("")
    for (schema, table), cols in by_table.items():
        n = con.execute(f'select count(*) from {schema}."{table}"').fetchone()[0]
        lines += [
            f"### {schema}.{table}",
            "",
            TABLES.get((schema, table), ""),
            "",
            f"Rows in this build: {n:,}.",
            "",
            "| Column | Type | Description | Unit / values |",
            "|---|---|---|---|",
        ]
        for column, dtype in cols:
            doc = COLUMNS[(schema, table, column)]
            extra = doc.unit or ""
            if doc.values:
                extra = "; ".join(f"`{k}`: {v}" for k, v in doc.values.items())
            lines.append(f"| `{column}` | {dtype} | {_md(doc.description)} | {_md(extra)} |")
        lines.append("")
    if check.skipped_tables:
        lines += ["## Not yet documented", "",
                  "These tables are published but not yet part of the contract; they may change "
                  "without a version change: "
                  + ", ".join(f"`{s}.{t}`" for s, t in check.skipped_tables) + ".", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path | str) -> list[Path]:
    """Write every published table (documented or not) as ``out_dir/<schema>.<table>.parquet``;
    returns the files in table order. ``out_dir`` should be a fresh directory (files of tables no
    longer published are not removed)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for schema, table in published_tables(con):
        target = out_dir / f"{schema}.{table}.parquet"
        # COPY takes no bound parameter: the path is quoted as an SQL string literal.
        con.execute(f'copy {schema}."{table}" to {sql_string(str(target))} (format parquet)')
        files.append(target)
    return files


def _main(argv: list[str] | None = None) -> int:
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "fingerprint":
        print("usage: python -m portraits.contract fingerprint [DATABASE]", file=sys.stderr)
        return 2
    if len(args) > 1:
        with duckdb.connect(args[1], read_only=True) as con:
            print(contract_fingerprint(con))
    else:
        print(dictionary_fingerprint())
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
