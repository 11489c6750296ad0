"""The shared directory of guidance reception points (annuaire des lieux d'accueil), plain Python.

The directory is built from the parsed official sources (no file reading here) in steps, one
module each:

============== =====================================================================================
lists          the closed lists (networks, publics, reference networks) and fixed values
normalise      names, distances, the COG 2026 commune index, plain value helpers
records        one normalised record per source row (DILA, France Travail, Éducation nationale,
               OFA, France services): the inputs are described there
deduplicate    the duplicate rule: the records of one reception point merged into one row
build          :func:`build_directory`: records of every source, then the duplicate rule
corrections    the coordinators' corrections file: :func:`load_corrections`, :func:`apply_corrections`
referral       :func:`orienter`: the points serving a public, nearest first
exports        :func:`to_geojson`, :func:`to_csv_bytes`
stage          the warehouse stage: the ``directory`` schema of the working database (imported on
               its own: ``from portraits.directory import stage``)
============== =====================================================================================

Every public name of these modules (but ``stage``) is importable from :mod:`portraits.directory`.

Output of :func:`build_directory`: one row per reception point, columns :data:`COLUMNS`:

=============== ======================================================================
id              stable id from the source key: ``dila:<DILA id>``, ``ft:<REFERENCE_PE>``,
                ``uai:<UAI>``, ``ofa:<SIRET>``, ``local:<…>`` (added by a correction)
name            name (France Travail sites: ``France Travail – <site>``)
network         one of :data:`NETWORKS`
publics         ``|``-separated ids of :data:`PUBLICS`, from :data:`NETWORK_PUBLICS`
address         street address (no postcode, no commune)
postcode        postcode as published (may be a CEDEX code)
commune_code    INSEE code in COG 2026 (former codes mapped through ``history``/``former_codes``;
                France Travail sites, which only give a commune name and postcode, are matched by
                name within the postcode's département); None when nothing matches
latitude        WGS84
longitude
phone, email, website, opening_hours
source_id       dataset id of the record the row comes from (the most recent, when merged)
source_date     ISO date of that record's vintage: DILA ``update``, 2019-11-13 for France
                Travail sites, 2025-10-13 for the Éducation nationale directory, ``Date
                d'import`` for OFA, the correction's date for ``local:`` points
corrected_at    ISO date of the last local correction (or confirmation) applied, else None
stale           True when the record has not been confirmed for more than :data:`STALE_YEARS`
                years before ``today``: neither ``source_date`` nor ``corrected_at`` is recent
                enough (a coordinator's correction or ``confirm`` counts as a confirmation)
merged_from     ``|``-separated ids of the duplicates merged into this row ("" if none)
=============== ======================================================================
"""

from .build import build_directory
from .corrections import (ACTIONS, CORRECTABLE, CORRECTION_COLUMNS, REQUIRED_FOR_ADD, CorrectionsError, Problem,
                          apply_corrections, known_ids, load_corrections)
from .deduplicate import merge_duplicates
from .exports import to_csv_bytes, to_geojson
from .lists import (AGENCIES_DATE, AGENCIES_SOURCE_ID, BBOX, COLUMNS, CORRECTIONS_SOURCE_ID, DILA_PIVOTS,
                    DILA_SOURCE_ID, EDUCATION_DATE, EDUCATION_SOURCE_ID, FIELDS, FRANCE_SERVICES_DATE,
                    FRANCE_SERVICES_SOURCE_ID, MERGE_DISTANCE_M, NETWORK_PUBLICS, NETWORKS, OFA_SOURCE_ID,
                    PUBLICS, REFERENCE_NETWORKS, REGION_DEPARTEMENTS, STALE_YEARS, publics_of)
from .normalise import CommuneIndex, commune_reference, haversine_km, name_tokens, normalise
from .referral import orienter

__all__ = [
    "ACTIONS", "AGENCIES_DATE", "AGENCIES_SOURCE_ID", "BBOX", "COLUMNS", "CORRECTABLE", "CORRECTIONS_SOURCE_ID",
    "CORRECTION_COLUMNS", "CommuneIndex", "CorrectionsError", "DILA_PIVOTS", "DILA_SOURCE_ID", "EDUCATION_DATE",
    "EDUCATION_SOURCE_ID", "FIELDS", "FRANCE_SERVICES_DATE", "FRANCE_SERVICES_SOURCE_ID", "MERGE_DISTANCE_M",
    "NETWORKS", "NETWORK_PUBLICS", "OFA_SOURCE_ID", "PUBLICS", "Problem", "REFERENCE_NETWORKS",
    "REGION_DEPARTEMENTS", "REQUIRED_FOR_ADD", "STALE_YEARS", "apply_corrections", "build_directory",
    "commune_reference", "haversine_km", "known_ids", "load_corrections", "merge_duplicates", "name_tokens",
    "normalise", "orienter", "publics_of", "to_csv_bytes", "to_geojson",
]
