"""The database contract: what other tools may rely on in ``output/portraits.duckdb``.

* :data:`FIELDS` and :data:`DECLARATIONS`: the data dictionary, every column name described once
  (description in English, expected DuckDB type, unit or allowed values where relevant) and every
  published table listing its columns by name; :data:`TABLES` and :data:`COLUMNS` follow from them;
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
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from .warehouse import SCHEMA_VERSION, sql_string

__all__ = [
    "SCHEMA_VERSION", "CONTRACT_SCHEMAS", "LENIENT_SCHEMAS", "FIELDS", "DECLARATIONS", "TABLES", "COLUMNS",
    "Column", "Table", "ContractError", "ContractCheck", "published_tables", "published_columns",
    "check_contract", "contract_fingerprint", "dictionary_fingerprint", "write_meta_column",
    "write_schema_md", "export_parquet",
]

log = logging.getLogger(__name__)

# Every schema of the published database (``directory`` comes with the shared directory).
CONTRACT_SCHEMAS = ("ref", "indicators", "meta", "directory")
# Schemas whose undocumented tables are skipped with a warning rather than refused.
LENIENT_SCHEMAS = ("directory",)


class ContractError(Exception):
    """The published database does not match the data dictionary (or the dictionary is ill-declared)."""


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


class Table:
    """A published table as declared: its description, its columns in order (names of
    :data:`FIELDS`, whitespace-separated) and its overrides: ``name="text"`` (another description,
    the field's type, unit and values kept) or ``name=Column(...)`` (another type, unit or values).
    The first two parameters are positional-only so that a column named ``description`` can be
    overridden too; an override repeated in one table is a SyntaxError, as a field in FIELDS."""

    def __init__(self, description: str, columns: str, /, **overrides: Column | str):
        self.description = description
        self.columns = tuple(columns.split())
        self.overrides = overrides


def _columns(fields: dict[str, Column], tables: dict[tuple[str, str], Table]
             ) -> dict[tuple[str, str, str], Column]:
    """``(schema, table, column) -> Column`` for every declared column: the table's override, else
    the field of that name. Raises :class:`ContractError` naming every bad declaration: a column with
    neither, a column listed twice, an override of a column the table does not list or equal to the
    field, a field that no table publishes."""
    columns: dict[tuple[str, str, str], Column] = {}
    errors, used = [], set()
    for (schema, table), declared in tables.items():
        errors += [f"{schema}.{table}.{name} is overridden but not a column of the table"
                   for name in declared.overrides if name not in declared.columns]
        for name in declared.columns:
            where, base, doc = f"{schema}.{table}.{name}", fields.get(name), declared.overrides.get(name)
            if (schema, table, name) in columns:
                errors.append(f"{where} is listed twice")
            elif base is None and not isinstance(doc, Column):
                errors.append(f"{where} has no field in FIELDS and no Column override")
            elif doc is None:
                columns[(schema, table, name)] = base
                used.add(name)
            else:
                doc = replace(base, description=doc) if isinstance(doc, str) else doc
                if doc == base:
                    errors.append(f"{where} overrides FIELDS[{name!r}] with the same declaration")
                columns[(schema, table, name)] = doc
    errors += [f"FIELDS[{name!r}] is published by no table" for name in fields if name not in used]
    if errors:
        raise ContractError("bad data dictionary in portraits/contract.py: " + "; ".join(errors))
    return columns


# --------------------------------------------------------------------------------------------------
# The data dictionary
#
# As in PUDL (pudl/metadata/fields.py): every column name is described once in FIELDS, and each
# table lists its columns by name. A table overrides a name only where that column says something
# of its own there: the key a table defines, what a label, source or count is about in that table,
# another unit or list of values. Why is said at the override, or at the field when it holds for
# every table. The overrides marked "same meaning" only keep a wording already published (schema.md,
# meta.column): folding them into FIELDS would change published text.
# --------------------------------------------------------------------------------------------------

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

# Column name -> description, type, unit, values; in the order the tables below first use them.
# dict(...) with keywords: a name declared twice is a SyntaxError at import ("keyword argument
# repeated"), where a {...} literal would silently keep the last one.
FIELDS: dict[str, Column] = dict(
    # ---- territories
    set_id=Column("Territory set (`ref.territory_set.set_id`).", "VARCHAR"),
    territory_id=Column("Territory (`ref.territory.territory_id` within the set).", "VARCHAR"),
    label=Column("French label.", "VARCHAR"),  # the tables of named things say what is named
    source_id=Column("Dataset id (`meta.source.source_id`).", "VARCHAR"),  # most tables: source of what
    # ref.territory_set's; indicators.catalog and meta.column say what theirs describes
    description=Column("Description of the set and of its perimeter rules (English).", "VARCHAR"),
    portraits=Column(
        "True when a portrait is rendered for every territory of the set "
        "(`output/portraits/<set_id>/<territory_id>/`).", "BOOLEAN"),
    # ref.territory and ref.epci say which members are counted
    n_communes=Column("Number of member communes.", "BIGINT", unit="communes"),
    n_communes_outside_region=Column(
        "Number of member communes outside the region (cross-border territories); the regional "
        "sources do not cover them.", "BIGINT", unit="communes"),
    departements=Column(
        "Codes of the region's départements holding at least one member commune, sorted and "
        "pipe-separated (`44|49`); null when no member commune is in the region.", "VARCHAR"),
    # ---- COG 2026 geography
    commune_code=Column("Commune (COG 2026 code, text).", "VARCHAR"),
    in_region=Column(
        "True for the region's current communes, false for out-of-region members of the region's "
        "territories.", "BOOLEAN"),
    departement_code=Column("Code of the département (primary key).", "VARCHAR"),
    region_code=Column("Code of the region (primary key).", "VARCHAR"),
    epci_siren=Column("SIREN of the EPCI (primary key, 9 characters).", "VARCHAR"),
    population_cog=Column(
        "Population municipale 2023 (legal population in force on 1 January 2026) shipped with "
        "COG 2026; null outside the region.", "DOUBLE", unit="inhabitants"),
    epci_type=Column(
        "Legal form of the EPCI.", "VARCHAR",
        values={"CC": "communauté de communes", "CA": "communauté d'agglomération",
                "CU": "communauté urbaine", "METRO": "métropole"}),
    n_communes_region=Column("Number of member communes in the region.", "BIGINT", unit="communes"),
    old_code=Column("Former INSEE commune code (primary key): not a commune of COG 2026.", "VARCHAR"),
    new_code=Column(
        "INSEE code of the commune of COG 2026 the old code now belongs to (`ref.commune`).", "VARCHAR"),
    effective_date=Column(
        "Date the change took effect, when known (only the mergers between COG 2024 and COG 2026, "
        "in force on 2025-01-01); null otherwise: the COG files carry no dates.", "DATE"),
    old_name=Column("Name of the former commune, when a source gives it.", "VARCHAR"),
    new_name=Column("Name of the 2026 commune.", "VARCHAR"),
    kind=Column(
        "Kind of link between the two codes.", "VARCHAR",
        values={"merged_after_2024": "commune of COG 2024 merged into another commune by 2026",
                "recoded_after_2024": "commune of COG 2024 whose territory is unchanged but whose code "
                                      "changed by 2026",
                "delegated": "commune déléguée (COG 2026)",
                "associated": "commune associée (COG 2026)",
                "former": "code absorbed into a commune nouvelle, no delegated status"}),
    # ---- contours
    departement=Column("Code of the commune's département.", "VARCHAR"),
    area_m2=Column(
        "Area computed from the IGN data (not the area of the simplified polygon).", "DOUBLE", unit="m²"),
    n_source_communes=Column(
        "Number of 2024 commune polygons dissolved into this 2026 commune (1 when unchanged).",
        "BIGINT"),
    geometry_wkb=Column(_WKB, "BLOB"),
    vintage=Column("Vintage of the data (free text).", "VARCHAR"),
    area_km2=Column(
        "Area of the polygon, computed in Lambert-93 (EPSG:2154) from the simplified contours; 0 "
        "for a territory without any contour.", "DOUBLE", unit="km²"),
    n_communes_without_contour=Column(
        "Member communes left out of the polygon for want of a contour (communes outside the "
        "region).", "BIGINT", unit="communes"),
    # ---- establishments
    uai=Column("UAI of the establishment (primary key, 8 characters).", "VARCHAR"),
    name=Column("Name of the structure (French).", "VARCHAR"),
    category=Column(
        "Kind of establishment.", "VARCHAR",
        values={"lycee": "lycée", "college": "collège", "cio": "centre d'information et d'orientation",
                "erea": "EREA", "cfa": "apprenticeship organisation not typed lycée/collège/CIO/EREA "
                                   "by the directory",
                "enseignement_superieur": "known only from Parcoursup",
                "autre": "other directory establishment appearing in a training source"}),
    lycee_kind=Column(
        "For lycées, derived from the name; null otherwise.", "VARCHAR",
        values={"professionnel": "lycée professionnel", "polyvalent": "lycée polyvalent",
                "general_technologique": "lycée général et technologique", "autre": "other lycée"}),
    sector=Column("`Public` or `Privé`; null when no source says.", "VARCHAR"),
    latitude=Column("Latitude (WGS84); NULL when unknown.", "DOUBLE"),
    longitude=Column("Longitude (WGS84); NULL when unknown.", "DOUBLE"),
    pupils=Column(
        "Number of pupils published by the Éducation nationale directory; null when not published.",
        "DOUBLE", unit="pupils"),
    apprentissage=Column(
        "True when the UAI is an apprenticeship organisation counted by the indicator `cfa`.", "BOOLEAN"),
    # ---- indicators
    indicator_id=Column("Indicator (`indicators.catalog.indicator_id`).", "VARCHAR"),
    unit=Column(
        "French unit label of `indicators.observation.value` (`habitants`, `% par an`…).", "VARCHAR"),
    aggregation=Column(
        "How the territory value is obtained from the communes.", "VARCHAR",
        values={"sum": "count summed over the member communes",
                "growth": "average annual change recomputed from the summed values at both ends",
                "ratio": "ratio recomputed from the summed numerator and denominator",
                "none": "not additive: published for the `commune` set only, `missing` elsewhere",
                "list": "number of items of a list given in `note` (e.g. occupations in shortage)"}),
    decimals=Column("Number of decimals shown in the portraits.", "BIGINT"),
    cohort=Column("Cohort of leavers, e.g. `2022_2023` (two years of leavers cumulated).", "VARCHAR"),
    population=Column(
        "Population the rate is about.", "VARCHAR",
        values={"ensemble": "all leavers (lycées)", "scolaires": "pupils (lycées)",
                "apprentis": "apprentices (lycées and CFA)"}),
    period=Column(
        "Period of the value: `YYYY` (a year, or 31 December / 4th-quarter average as the source "
        "says), `YYYY-MM` (end of month), `YYYY-Tq` (quarter, e.g. `2024-T4`), `YYYY-YYYY` (change "
        "between two years).", "VARCHAR"),
    value=Column(
        "Value of the indicator, in the unit of `indicators.catalog.unit`; null unless `status` "
        "is `ok` or `estimate` (an unknown value is never 0).", "DOUBLE",
        unit="indicators.catalog.unit"),
    numerator=Column(
        "Summed numerator: the value itself for counts; for changes, the value at the end of the "
        "period.", "DOUBLE"),
    denominator=Column(
        "Summed denominator: null for counts; for changes, the value at the start of the period.",
        "DOUBLE"),
    status=Column(
        "Quality of the value. Communes outside the region are not covered by the regional sources: "
        "their absence leaves `ok` and fills `note`.", "VARCHAR", values=_STATUS_VALUES),
    note=Column(
        "Note for readers (French): communes under secrecy or without value, out-of-region communes "
        "not covered; null when there is nothing to say.", "VARCHAR"),
    rank=Column("1 = most similar.", "BIGINT"),
    neighbour_id=Column("A territory of the same set.", "VARCHAR"),
    distance=Column(
        "Distance between the standardised profiles (root mean square of z-score differences).", "DOUBLE"),
    # ---- sources, quality, builds and editions
    title=Column("French title of the dataset, cited in the portraits.", "VARCHAR"),
    publisher=Column("Publisher of the dataset.", "VARCHAR"),
    url=Column("Official URL of the file (or the URL actually downloaded).", "VARCHAR"),
    page=Column("Publisher's landing page of the dataset.", "VARCHAR"),
    licence=Column("Licence of the dataset.", "VARCHAR"),
    layout=Column(
        "How the file read relates to the official file.", "VARCHAR",
        values={"official": "same layout as the official file (possibly cut to the region)",
                "derived": "a table derived from the official publication (reshaped extract)"}),
    origin=Column(
        "Where the build read the file.", "VARCHAR",
        values={"mirror": "local mirror of the official files", "http": "downloaded from `url`"}),
    retrieved_at=Column("When the file was retrieved (ISO 8601, UTC).", "VARCHAR"),
    sha256=Column("SHA-256 of the file's bytes (hex).", "VARCHAR"),
    bytes=Column("Size of the file.", "BIGINT", unit="bytes"),
    rows=Column("Number of rows loaded from the file.", "BIGINT", unit="rows"),
    columns=Column(
        "Columns of the parsed table, comma-separated: the next build checks that none was dropped.", "VARCHAR"),
    level=Column(
        "Severity.", "VARCHAR",
        values={"warning": "data kept but possibly wrong or placed by a fallback rule",
                "info": "a rule applied to the data, for the record"}),
    key=Column("What the issue is about: a UAI, `siret:<SIRET>`, `<UAI>/<year>`…", "VARCHAR"),
    message=Column("Description of the issue (French).", "VARCHAR"),
    build_id=Column("Identifier of the build (Dagster run id).", "VARCHAR"),
    started_at=Column("When the publication stage started (ISO 8601 with UTC offset).", "VARCHAR"),
    finished_at=Column("When the database was written (ISO 8601 with UTC offset).", "VARCHAR"),
    schema_version=Column(
        "Version of this contract (the tables, columns and types described here).", "VARCHAR"),
    code_version=Column(
        "Version of the pipeline code (`git describe --always --dirty`, or the package version).",
        "VARCHAR"),
    edition_id=Column(
        "Edition id: UTC publication stamp and build id, e.g. `20261202T223311Z-9cdf6eba-ee3`; also "
        "the name of the edition's folder.", "VARCHAR"),
    published_at=Column("When the edition was built (ISO 8601 with UTC offset).", "VARCHAR"),
    is_current=Column("True for the edition of this database file.", "BOOLEAN"),
    database_path=Column(
        "The edition's database, relative to the published folder: `portraits.duckdb` for this one, "
        "`editions/<edition_id>/portraits.duckdb` for an archived one.", "VARCHAR"),
    previous_edition_id=Column(
        "The edition published just before this one (null for the oldest listed).", "VARCHAR"),
    schema_name=Column("Schema of the column.", "VARCHAR"),
    table_name=Column("Table of the column.", "VARCHAR"),
    column_name=Column("Name of the column.", "VARCHAR"),
    data_type=Column(
        "DuckDB type of the column, as in `information_schema.columns.data_type`.", "VARCHAR"),
    # ---- the directory of reception points
    id=Column(
        "Stable identifier, from the source key: `dila:<id>`, `ft:<agency>`, `uai:<UAI>`, `ofa:<SIRET>`, "
        "`local:<id>` for points added by the corrections file.", "VARCHAR"),
    network=Column("Network, one of `directory.network`.", "VARCHAR"),
    publics=Column(
        "Publics served, `|`-separated ids of `directory.public` (derived from the network).", "VARCHAR"),
    address=Column("Street address.", "VARCHAR"),
    postcode=Column("Postcode.", "VARCHAR"),
    phone=Column("Phone number.", "VARCHAR"),
    email=Column("E-mail address.", "VARCHAR"),
    website=Column("Website.", "VARCHAR"),
    opening_hours=Column("Opening hours where known.", "VARCHAR"),
    source_date=Column("Date of the record in its source.", "DATE"),
    corrected_at=Column(
        "Date of the last correction or confirmation by a network; NULL if none.", "DATE"),
    stale=Column(
        "True when the record is older than 3 years at build time and not confirmed since.", "BOOLEAN"),
    merged_from=Column("`|`-separated ids of the duplicate records merged into this one.", "VARCHAR"),
    public=Column("Public id.", "VARCHAR"),
    line=Column("Line of the corrections file.", "BIGINT"),
    action=Column("`add`, `update`, `close` or `confirm`.", "VARCHAR"),
    field=Column("Field corrected.", "VARCHAR"),
    author=Column("Who made the correction.", "VARCHAR"),
    correction_date=Column("When.", "DATE"),
    point_id=Column("The reception point the correction applied to.", "VARCHAR"),
)

# The two contour tables of the COG units say the same of their contour's source and vintage.
_CONTOUR = dict(source_id="Source of the contour (`meta.source`).",
                vintage="Vintage of the contour (free text).")

# Every published table: its description, its columns in order, and its overrides (see above).
DECLARATIONS: dict[tuple[str, str], Table] = {
    ("ref", "territory_set"): Table(
        "Territory sets. A set groups communes into territories: the built-in sets `clpe` (local "
        "territories), `commune`, `epci`, `departement`, `region`, plus the sets defined by "
        "coordinators' files. One row per set.",
        "set_id label source_id description portraits",
        # the key: which set ids exist
        set_id="Identifier of the set (primary key): `clpe`, `commune`, `epci`, `departement`, "
               "`region`, or the id given in a coordinators' definition file.",
        label="French label of the set, as shown to readers.",
        # a set may come from a coordinators' file, not a dataset
        source_id="Where the set's definition comes from: a `meta.source.source_id` (`clpe_communes`, "
                  "`cog_communes_2026`…) or `definition:<file name>` for a coordinators' file."),
    ("ref", "territory"): Table(
        "One row per territory of every set (key: `set_id`, `territory_id`), with a summary of its "
        "composition.",
        "set_id territory_id label n_communes n_communes_outside_region departements",
        # the key: how territory ids are made in each built-in set
        territory_id="Identifier of the territory, unique within its set: CLPE code (`CLPE44001`) for "
                     "`clpe`, INSEE commune code for `commune`, EPCI SIREN for `epci` (`ZZZZZZZZZ` groups "
                     "the communes without EPCI), département code for `departement`, `52` for `region`.",
        label="French name of the territory.",
        n_communes="Number of member communes, including those outside the region."),
    ("ref", "territory_commune"): Table(
        "Composition of the territories: one row per (set, territory, member commune). Every commune "
        "of the region belongs to exactly one territory of each built-in set.",
        "set_id territory_id commune_code in_region",
        # the member commune, as a reference to ref.commune
        commune_code="INSEE code of the member commune, COG 2026 (`ref.commune.commune_code`). Text: "
                     "keep the leading zeros.",
        # same meaning as FIELDS, said of one membership
        in_region="True when the commune is one of the region's current communes; false for an "
                  "out-of-region member of a cross-border territory."),
    ("ref", "commune"): Table(
        "Communes, COG 2026: the region's current communes (`in_region` = true) and the communes of "
        "other regions that belong to a territory of the region (members of cross-border EPCI or "
        "CLPE, `in_region` = false).",
        "commune_code label departement_code region_code epci_siren in_region population_cog",
        # the key; then the commune's own département, region and EPCI
        commune_code="INSEE commune code, COG 2026 (primary key, 5 characters, text).",
        label="Name of the commune (COG 2026).",
        departement_code="Code of the commune's département (2 characters, 3 overseas).",
        region_code="Code of the commune's region (`52` for the region's communes); may be null for "
                    "an out-of-region commune.",
        epci_siren="SIREN of the commune's EPCI à fiscalité propre (9 characters, `ref.epci`); null for "
                   "a commune without EPCI (L'Île-d'Yeu) or an out-of-region commune known only from "
                   "the CLPE referential."),
    ("ref", "epci"): Table(
        "EPCI à fiscalité propre (COG 2026) with at least one member commune in the region.",
        "epci_siren label epci_type n_communes n_communes_region",
        label="Name of the EPCI.",
        n_communes="Number of member communes, in every region."),
    ("ref", "departement"): Table(
        "The region's départements (COG 2026).",
        "departement_code label region_code",
        label="Name of the département.",
        region_code="Code of its region (`ref.region`)."),  # the département's region, not the key
    ("ref", "region"): Table(
        "The region (COG 2026): Pays de la Loire, code 52.",
        "region_code label",
        label="Name of the region."),
    ("ref", "commune_history"): Table(
        "Every commune code that is not a commune of COG 2026 (former, delegated and associated "
        "communes, codes absorbed into a commune nouvelle, 2024 communes merged or re-coded since) "
        "with the 2026 commune it now belongs to (chains followed): use it to bring data published "
        "in an older geography to 2026. One row per old code.",
        "old_code new_code effective_date old_name new_name kind"),
    ("ref", "commune_geometry"): Table(
        "Contours of the region's 1,228 communes of COG 2026: IGN ADMIN EXPRESS COG CARTO 2024 "
        "polygons (simplified) dissolved into the 2026 communes. One row per commune.",
        "commune_code label departement area_m2 n_source_communes geometry_wkb",
        commune_code="INSEE commune code, COG 2026 (primary key, `ref.commune`).",  # the key
        label="Name of the commune (COG 2026).",
        # the 2026 commune's area sums the 2024 communes dissolved into it
        area_m2="Area computed from the IGN data (sum over the 2024 communes dissolved into it; not the "
                "area of the simplified polygon); null when the source gives none."),
    ("ref", "departement_geometry"): Table(
        "Contours of the region's départements (IGN ADMIN EXPRESS COG CARTO 2024, simplified).",
        "departement_code label area_m2 source_id vintage geometry_wkb",
        departement_code="Code of the département (primary key, `ref.departement`).",  # same meaning
        label="Name of the département.",
        **_CONTOUR),
    ("ref", "region_geometry"): Table(
        "Contour of the region (IGN ADMIN EXPRESS COG CARTO 2024, simplified).",
        "region_code label area_m2 source_id vintage geometry_wkb",
        label="Name of the region.",
        **_CONTOUR),
    ("ref", "territory_geometry"): Table(
        "Contour of every territory of every set: union of its communes' contours (key: `set_id`, "
        "`territory_id`). There is no contour outside the region: a cross-border territory covers "
        "its region part only.",
        "set_id territory_id area_km2 n_communes n_communes_without_contour geometry_wkb",
        # a territory may have no contour at all
        geometry_wkb=_WKB + " Empty polygon when no member commune has a contour."),
    ("ref", "etablissement_formation"): Table(
        "Education and training establishments placed on a COG 2026 commune: lycées, collèges, CIO, "
        "EREA, apprenticeship organisations, higher-education establishments known from Parcoursup. "
        "One row per UAI.",
        "uai name category lycee_kind sector commune_code latitude longitude pupils apprentissage "
        "source_id",
        # where the name, the commune and the place come from for an establishment
        name="Name (Éducation nationale directory; else InserJeunes, the prépa-apprentissage list or "
             "a network file for apprenticeship organisations; else Parcoursup).",
        commune_code="Commune of COG 2026 the establishment is counted in (`ref.commune`).",
        latitude=Column(
            "Latitude, WGS84; null for apprenticeship organisations absent from the directory and for "
            "a CIO moved to the commune its name gives.", "DOUBLE", unit="degrees"),
        longitude=Column("Longitude, WGS84 (null as `latitude`).", "DOUBLE", unit="degrees"),
        source_id="Dataset the row's name and place come from (`meta.source`)."),
    ("indicators", "catalog"): Table(
        "The indicators: one row per indicator, with its definition.",
        "indicator_id label unit source_id description aggregation decimals",
        indicator_id="Identifier of the indicator (primary key).",  # the key
        label="French label, as shown to readers.",
        # an indicator's main source: an observation may name another one
        source_id="Main source (`meta.source.source_id`); some observations may name another one.",
        description="Definition and formula (English)."),
    ("indicators", "etablissement_insertion"): Table(
        "InserJeunes rates per establishment, as published (never averaged onto territories): one "
        "row per (UAI, cohort, population, indicator). A rate the cohort's file does not carry at "
        "all has no row.",
        "uai cohort population indicator_id value status source_id",
        uai="UAI of the establishment (`ref.etablissement_formation.uai`).",  # not the key here
        # InserJeunes rates, not the indicators of the catalog: their own ids, unit and statuses
        indicator_id="Rate: `taux_emploi_6m`, `taux_emploi_12m`, `taux_emploi_18m`, `taux_emploi_24m`, "
                     "`taux_emploi_6m_attendu`, `valeur_ajoutee`, `taux_poursuite`, `part_poursuite`, "
                     "`part_emploi_6m`, `part_autres`, `part_contrats_interrompus`.",
        value=Column(
            "Rate as published; null unless `status` is `ok`. In % (0-100), except `valeur_ajoutee` in "
            "percentage points (-100 to 100).", "DOUBLE", unit="% (points for valeur_ajoutee)"),
        status=Column(
            "Whether the rate is published.", "VARCHAR",
            values={"ok": "published",
                    "secret": "not disclosed by the publisher (fewer than 20 young people)"}),
        source_id="`inserjeunes_lycees` or `inserjeunes_cfa` (`meta.source`)."),
    ("indicators", "observation"): Table(
        "Indicator values: one row per (set, territory, indicator, period). Counts are summed over "
        "the territory's communes; rates and changes are recomputed from summed numerators and "
        "denominators, never averaged.",
        "set_id territory_id indicator_id period value numerator denominator status source_id note",
        source_id="Source of this value (`meta.source.source_id`)."),  # per value, not per indicator
    ("meta", "source"): Table(
        "Provenance of every official dataset used by the build: one row per dataset.",
        "source_id title publisher url page licence vintage layout origin retrieved_at sha256 bytes "
        "rows note columns",
        source_id="Dataset id (primary key), as in `sources/catalog.py`.",  # the key
        note="Note on the dataset (how it is read or derived)."),  # on the dataset, not a value
    ("meta", "data_quality"): Table(
        "Warnings and notes on the source data found by the build (e.g. coordinates outside their "
        "commune, establishments that cannot be placed): one row per issue.",
        "source_id level key message",
        source_id="Dataset the issue is about (`meta.source`)."),
    ("meta", "build"): Table(
        "One row per successful build of the pipeline (the latest by `finished_at` is the one "
        "you are reading).",
        "build_id started_at finished_at schema_version code_version"),
    ("meta", "edition"): Table(
        "Every publication is an edition: one row for the edition you are reading (`is_current`) "
        "and one per earlier edition whose database is archived beside it under "
        "`editions/<edition_id>/portraits.duckdb` (the last 12 by default, "
        "`PORTRAITS_ARCHIVES_KEPT`). Open an archived file read-only, or ATTACH it, to query a past "
        "edition with the same tables.",
        "edition_id published_at build_id is_current database_path previous_edition_id",
        build_id="The build (`meta.build.build_id`) that made the edition."),  # not the key here
    ("meta", "edition_source"): Table(
        "The vintage and file (SHA-256) of every dataset in every edition listed in `meta.edition`: "
        "which data changed between two editions.",
        "edition_id source_id title vintage sha256",
        edition_id="Edition (`meta.edition.edition_id`).",  # not the key here
        title="Dataset title (French).",  # same meaning as FIELDS
        # the dataset as it was in that edition
        vintage="Vintage of the dataset in that edition.",
        sha256="SHA-256 of the file read for that edition."),
    ("meta", "column"): Table(
        "This data dictionary: every published column with its type and description.",
        "schema_name table_name column_name data_type description",
        description="Description (English), with the unit and the allowed values where relevant."),
    ("indicators", "neighbour"): Table(
        "Statistical neighbours: for every territory, the 3 most similar territories of the same set "
        "(Euclidean distance over standardised profile indicators, see portraits/themes/voisins.py).",
        "set_id territory_id rank neighbour_id distance",
        # same meaning as FIELDS, shorter
        set_id="Territory set.",
        territory_id="Territory."),
    ("directory", "reception_point"): Table(
        "The shared directory of guidance reception points: one row per point, duplicates across "
        "sources merged, the networks' corrections applied (see portraits/directory/stage.py).",
        "id name network publics address postcode commune_code latitude longitude phone email website "
        "opening_hours source_id source_date corrected_at stale merged_from",
        source_id="Dataset the record comes from (`meta.source`)."),
    ("directory", "network"): Table(
        "The closed list of networks, with the publics each one serves.",
        "network label publics",
        network="Network id.",  # the key
        publics="`|`-separated publics the network serves."),  # a network's, not a point's
    ("directory", "public"): Table(
        "The closed list of publics.",
        "public label"),
    ("directory", "reception_point_territory"): Table(
        "Every point in a territory of every set (through its commune).",
        "set_id territory_id id",
        # same meaning as FIELDS, shorter
        set_id="Territory set.",
        territory_id="Territory of that set.",
        id="Reception point (`reception_point.id`)."),  # not the key here
    ("directory", "correction"): Table(
        "The corrections of the networks' file applied by this build.",
        "line action id field value author correction_date point_id",
        id="Id named by the correction.",  # as the corrections file names it
        value=Column("New value.", "VARCHAR")),  # the corrected field's new text, not a figure
}

TABLES: dict[tuple[str, str], str] = {key: table.description for key, table in DECLARATIONS.items()}
COLUMNS: dict[tuple[str, str, str], Column] = _columns(FIELDS, DECLARATIONS)


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
                "published columns missing from portraits.contract.COLUMNS (list them in DECLARATIONS, "
                "describe a new name in FIELDS, then bump SCHEMA_VERSION): "
                + ", ".join(".".join(c) for c in self.undocumented))
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
