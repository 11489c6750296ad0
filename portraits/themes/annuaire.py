"""The shared directory of reception points: how many points per territory (issue 7).

Counts of ``directory.reception_point`` (built by :mod:`portraits.directory.stage` just before the
indicators) per commune, summed over territories like every count (aggregation ``sum``). Every
commune of the region gets a value, 0 when it has no point, status ``ok``: a commune without a point
is a real zero of the directory, not a missing value. Communes outside the region are not covered
by the sources (cut to the region) and get no row (the usual "périmètre régional" note).

**Period.** The year of the build (``current_date``): the count describes the directory as it stands
when the portraits are built, records of every vintage included. The share of records older than 3
years and not confirmed since is counted by ``points_accueil_non_confirmes``.

**Source.** An observation carries one ``source_id`` (a dataset of ``sources/catalog.py``). The
directory merges four sources and the coordinators' corrections; each count cites the source that
supplies its network's records:

* ``points_accueil_cio``: ``annuaire_education`` (the Éducation nationale directory of October 2025
  lists the CIO open today; the 7 CIO of the 2016 DILA base it does not list are counted, stale);
* ``points_accueil_france_travail``: ``pe_agences_2019`` (48 of the 51 points; 3 DILA 2016 ones);
* ``points_accueil_cfa``: ``ofa_referentiel`` (all its points);
* ``points_accueil``, ``points_accueil_mission_locale``, ``points_accueil_information_jeunesse``,
  ``points_accueil_non_confirmes``: ``dila_annuaire_2016``, the one source covering every network
  (and the only one for missions locales and information jeunesse).

The portrait section cites the four sources and the date of the corrections next to the counts.
"""

from __future__ import annotations

import pandas as pd

from ..indicators import Indicator

ID = "annuaire"
SOURCES = ["dila_annuaire_2016", "pe_agences_2019", "annuaire_education", "ofa_referentiel", "france_services_2024"]

_COMMON = (
    " Points of the shared directory of reception points (directory.reception_point: DILA local "
    "base 2016, France Travail sites 2019, Éducation nationale directory 2025, apprenticeship "
    "organisations 2021-2023, plus the coordinators' corrections), counted in their commune (COG "
    "2026) and summed over the territory's communes; 0 where there is none. Period: the year of the "
    "build (state of the directory). Records of every vintage are counted, including those not "
    "confirmed for more than 3 years (see points_accueil_non_confirmes)."
)

# indicator id -> (network filter or None, stale only, source_id, label, description)
SPECS: dict[str, tuple[str | None, bool, str, str, str]] = {
    "points_accueil": (
        None, False, "dila_annuaire_2016", "Lieux d'accueil recensés (tous réseaux)",
        "All reception points of every network, apprenticeship organisations included. Cites the DILA "
        "base, the one source covering every network." + _COMMON,
    ),
    "points_accueil_cio": (
        "cio", False, "annuaire_education", "Centres d'information et d'orientation (CIO)",
        "CIO and their permanent reception points. Cites the Éducation nationale directory, which "
        "lists the CIO open in October 2025; CIO found only in the 2016 DILA base are counted too "
        "(stale)." + _COMMON,
    ),
    "points_accueil_mission_locale": (
        "mission_locale", False, "dila_annuaire_2016", "Sites de missions locales",
        "Mission locale sites (DILA 2016 is the only source)." + _COMMON,
    ),
    "points_accueil_france_travail": (
        "france_travail", False, "pe_agences_2019", "Agences France Travail",
        "France Travail (ex-Pôle emploi) local agencies: the 2019 site list (agences locales only, "
        "not the directions), merged with the DILA 2016 records." + _COMMON,
    ),
    "points_accueil_france_services": (
        "france_services", False, "france_services_2024", "France services",
        "France services points labelled by the ANCT (list of 1 August 2024): public-service help "
        "desks, France Travail procedures included." + _COMMON,
    ),
    "points_accueil_information_jeunesse": (
        "information_jeunesse", False, "dila_annuaire_2016", "Structures information jeunesse (CRIJ, BIJ, PIJ)",
        "Information jeunesse structures (DILA 2016 is the only source)." + _COMMON,
    ),
    "points_accueil_cfa": (
        "cfa", False, "ofa_referentiel", "Organismes de formation en apprentissage",
        "Apprenticeship training organisations (référentiel UAI-SIRET of the Mission "
        "apprentissage, one per SIRET, closed ones left out); they have no coordinates." + _COMMON,
    ),
    "points_accueil_non_confirmes": (
        None, True, "dila_annuaire_2016", "Lieux d'accueil à confirmer (source de plus de 3 ans)",
        "Reception points whose latest source record or local confirmation is more than 3 years "
        "older than the build date (stale = true): to be checked by the coordinators." + _COMMON,
    ),
}

INDICATORS = [
    Indicator(ind, label, "lieux d'accueil", source_id, description, "sum")
    for ind, (_network, _stale, source_id, label, description) in SPECS.items()
]


def _directory_exists(con) -> bool:
    return con.execute(
        "select count(*) from information_schema.tables where table_schema = 'directory' "
        "and table_name = 'reception_point'").fetchone()[0] > 0


def commune_values(con) -> None:
    """One count per indicator and region commune (0 where there is no point)."""
    if not _directory_exists(con):
        return
    specs = pd.DataFrame(
        [(ind, network, stale, source_id) for ind, (network, stale, source_id, _l, _d) in SPECS.items()],
        columns=["indicator_id", "network", "stale_only", "source_id"],
    )
    con.register("_annuaire_specs", specs)
    try:
        con.execute(
            """insert into staging.commune_value
               select s.indicator_id, strftime(current_date, '%Y'), c.commune_code,
                      count(p.id)::double, 'ok', s.source_id
               from ref.commune c
               cross join _annuaire_specs s
               left join directory.reception_point p
                      on p.commune_code = c.commune_code
                     and (s.network is null or p.network = s.network)
                     and (not s.stale_only or p.stale)
               where c.in_region
               group by s.indicator_id, c.commune_code, s.source_id""")
    finally:
        con.unregister("_annuaire_specs")


def derived(con) -> None:
    """Nothing beyond the sums."""
