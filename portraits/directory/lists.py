"""The directory's closed lists (networks, publics) and fixed values (columns, source ids, dates).

**Publics.** :data:`PUBLICS` names the publics a network is *mandated to receive and accompany*
within the service public régional de l'orientation, not everybody it may welcome:
``jeunes_16_25`` are young people out of school (missions locales; information jeunesse informs
them too), ``eleves_etudiants`` pupils, students and their families (CIO, SUIO, information
jeunesse). :data:`REFERENCE_NETWORKS` names, for each public, the networks a person is referred to
first (the mission locale for young people out of school, France Travail for job seekers…).
``tout_public`` marks open-door services that inform anyone without condition (CIO, information
jeunesse, "autre"); :func:`portraits.directory.referral.orienter` adds them only when asked
(``include_open=True``).
"""

from __future__ import annotations

NETWORKS: dict[str, str] = {
    "cio": "Centre d'information et d'orientation (CIO)",
    "mission_locale": "Mission locale",
    "france_travail": "France Travail (ex-Pôle emploi)",
    "cap_emploi": "Cap emploi",
    "information_jeunesse": "Information jeunesse (CRIJ, BIJ, PIJ)",
    "apec": "Apec (emploi des cadres ; Apecita pour l'agriculture)",
    "cidff": "Centre d'information sur les droits des femmes et des familles (CIDFF)",
    "cci": "Chambre de commerce et d'industrie (CCI)",
    "cma": "Chambre de métiers et de l'artisanat (CMA)",
    "chambre_agriculture": "Chambre d'agriculture",
    "greta": "Greta (formation continue des adultes, Éducation nationale)",
    "afpa": "Afpa (formation professionnelle des adultes)",
    "mdph": "Maison départementale des personnes handicapées (MDPH)",
    "suio": "Service universitaire d'information et d'orientation (SUIO)",
    "cep": "Conseil en évolution professionnelle (CEP, ex-Fongecif)",
    "cfa": "Centre de formation d'apprentis (CFA) / organisme de formation en apprentissage",
    "agefiph": "Agefiph (insertion professionnelle des personnes handicapées)",
    "france_services": "France services (accueil de proximité des services publics)",
    "autre": "Autre structure d'accueil",
}

# DILA "pivot" (type of local service) → network. Pivots of the current base that the 2016 file does
# not have (france_travail, cap_emploi, pij/bij) are listed for an online refresh. Unknown pivots
# become "autre".
DILA_PIVOTS: dict[str, str] = {
    "cio": "cio",
    "mission_locale": "mission_locale",
    "pole_emploi": "france_travail",
    "france_travail": "france_travail",
    "cap_emploi": "cap_emploi",
    "cij": "information_jeunesse",
    "pij": "information_jeunesse",
    "bij": "information_jeunesse",
    "apec": "apec",
    "apecita": "apec",
    "cidf": "cidff",
    "cidff": "cidff",
    "cci": "cci",
    "chambre_metier": "cma",
    "chambre_agriculture": "chambre_agriculture",
    "greta": "greta",
    "afpa": "afpa",
    "suio": "suio",
    "fongecif": "cep",
    "agefiph": "agefiph",
    "maison_handicapees": "mdph",
}

PUBLICS: dict[str, str] = {
    "jeunes_16_25": "Jeunes de 16 à 25 ans sortis du système scolaire",
    "eleves_etudiants": "Élèves, étudiants et leurs familles",
    "demandeurs_emploi": "Demandeurs d'emploi",
    "salaries": "Salariés et actifs en poste (évolution, reconversion, création)",
    "handicap": "Personnes en situation de handicap",
    "cadres": "Cadres et jeunes diplômés",
    "femmes": "Femmes (droits, emploi, création d'activité)",
    "tout_public": "Tout public, sans condition (accueil ouvert)",
    "apprentis": "Apprentis et candidats à l'apprentissage",
}

# network → publics (see the module docstring for what "publics" means)
NETWORK_PUBLICS: dict[str, tuple[str, ...]] = {
    "cio": ("eleves_etudiants", "tout_public"),
    "mission_locale": ("jeunes_16_25",),
    "france_travail": ("demandeurs_emploi",),
    "cap_emploi": ("handicap", "demandeurs_emploi", "salaries"),
    "information_jeunesse": ("jeunes_16_25", "eleves_etudiants", "tout_public"),
    "apec": ("cadres",),
    "cidff": ("femmes",),
    "cci": ("apprentis", "salaries"),
    "cma": ("apprentis", "salaries"),
    "chambre_agriculture": ("apprentis", "salaries"),
    "greta": ("salaries", "demandeurs_emploi"),
    "afpa": ("demandeurs_emploi", "salaries"),
    "mdph": ("handicap",),
    "suio": ("eleves_etudiants",),
    "cep": ("salaries",),
    "cfa": ("apprentis",),
    "agefiph": ("handicap",),
    "france_services": ("tout_public", "demandeurs_emploi"),
    "autre": ("tout_public",),
}

# public -> the networks a person of that public is referred to first (the SPRO member whose
# mission it is); the other networks serving the public come after (see :func:`orienter`)
REFERENCE_NETWORKS: dict[str, tuple[str, ...]] = {
    "jeunes_16_25": ("mission_locale",),
    "eleves_etudiants": ("cio",),
    "demandeurs_emploi": ("france_travail", "cap_emploi"),
    "salaries": ("cep",),
    "handicap": ("cap_emploi", "mdph"),
    "cadres": ("apec",),
    "femmes": ("cidff",),
    "tout_public": ("cio", "information_jeunesse"),
    "apprentis": ("cma", "cci", "chambre_agriculture"),
}

COLUMNS = [
    "id", "name", "network", "publics", "address", "postcode", "commune_code", "latitude",
    "longitude", "phone", "email", "website", "opening_hours", "source_id", "source_date",
    "corrected_at", "stale", "merged_from",
]
FIELDS = ["name", "address", "postcode", "commune_code", "phone", "email", "website", "opening_hours"]

DILA_SOURCE_ID = "dila_annuaire_2016"
AGENCIES_SOURCE_ID = "pe_agences_2019"  # = sources.france_travail.AGENCIES_ID
EDUCATION_SOURCE_ID = "annuaire_education"  # = sources.annuaire_education.DATASET_ID
OFA_SOURCE_ID = "ofa_referentiel"
FRANCE_SERVICES_SOURCE_ID = "france_services_2024"  # = sources.france_services.DATASET_ID
CORRECTIONS_SOURCE_ID = "corrections_locales"
AGENCIES_DATE = "2019-11-13"
EDUCATION_DATE = "2025-10-13"
FRANCE_SERVICES_DATE = "2024-08-01"

MERGE_DISTANCE_M = 300.0
STALE_YEARS = 3
# Pays de la Loire bounding box (a little wider than the communes' extent −2.56…0.92, 46.27…48.57)
BBOX = {"lon": (-2.7, 1.0), "lat": (46.2, 48.6)}
REGION_DEPARTEMENTS = ("44", "49", "53", "72", "85")


def publics_of(network: str) -> str:
    return "|".join(NETWORK_PUBLICS.get(network, NETWORK_PUBLICS["autre"]))
