"""The fields of the data dictionary: every column name of the published database described once.

* :class:`Column`: one column's description (English), expected DuckDB type, unit and allowed
  values;
* :data:`FIELDS`: column name -> :class:`Column`, for every name a published table uses.

The tables that list these names, and override them where a column says something of its own, are
declared in :mod:`portraits.contract_tables`; :mod:`portraits.contract` checks the published
database against both and writes ``meta.column`` and ``schema.md`` from them. Split out of
``portraits/contract.py``, which re-exports every name defined here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Column", "FIELDS"]


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

# Column name -> description, type, unit, values; in the order the tables of
# portraits.contract_tables first use them.
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
