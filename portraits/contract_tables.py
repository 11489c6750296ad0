"""The published tables of the data dictionary, and the columns that follow from them.

* :class:`Table` and :data:`DECLARATIONS`: every published table with its description, its columns
  in order (names of :data:`portraits.contract_fields.FIELDS`) and its overrides, where a column
  says something of its own in that table (see the comment above ``FIELDS``);
* :data:`TABLES` (table -> description) and :data:`COLUMNS` (``(schema, table, column)`` ->
  :class:`~portraits.contract_fields.Column`) follow from them. :data:`COLUMNS` is built at import
  by :func:`_columns`, which refuses an ill-declared dictionary (:class:`ContractError`): importing
  this module checks the declarations.

Split out of ``portraits/contract.py``, which re-exports every name defined here.
"""

from __future__ import annotations

from dataclasses import replace

from .contract_fields import _WKB, FIELDS, Column

__all__ = ["ContractError", "Table", "DECLARATIONS", "TABLES", "COLUMNS"]


class ContractError(Exception):
    """The published database does not match the data dictionary (or the dictionary is ill-declared)."""


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
        raise ContractError("bad data dictionary in portraits/contract_fields.py and "
                            "portraits/contract_tables.py: " + "; ".join(errors))
    return columns


# The two contour tables of the COG units say the same of their contour's source and vintage.
_CONTOUR = dict(source_id="Source of the contour (`meta.source`).",
                vintage="Vintage of the contour (free text).")

# Every published table: its description, its columns in order, and its overrides (see the
# comment above FIELDS in portraits/contract_fields.py).
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
