"""INSEE census: the variables each census parser keeps, by name, with their labels.

Split from :mod:`sources.census` (which declares the datasets and parses them, and re-exports these
names): the lists below say which columns of the dossier complet and of the two comparateurs de
territoires are read, in the order of the long tables' rows, and which are read with a decimal
comma. Pure data, with no dependency.

Variables kept
--------------

Dossier complet (RP2022 unless stated; ``P22_`` = exploitation principale, ``C22_`` =
complémentaire) — see :data:`DOSSIER_VARIABLES`:

=================== ===========================================================================
P22_POP0014         population de 0 à 14 ans en 2022
P22_POP1529         population de 15 à 29 ans en 2022
P22_POP3044         population de 30 à 44 ans en 2022
P22_POP4559         population de 45 à 59 ans en 2022
P22_POP6074         population de 60 à 74 ans en 2022
P22_POP7589         population de 75 à 89 ans en 2022
P22_POP90P          population de 90 ans ou plus en 2022
P16_POP             population en 2016 (empty for 85165, 85212, created in 2022)
P11_POP             population en 2011 (idem)
C22_MENPSEUL        ménages d'une personne en 2022
C22_MENFAM          ménages avec famille(s) en 2022
C22_COUPAENF        familles : couples avec enfant(s) en 2022
C22_FAMMONO         familles monoparentales en 2022
C22_COUPSENF        familles : couples sans enfant en 2022
P22_ACT1524         actifs de 15 à 24 ans en 2022
P22_ACT2554         actifs de 25 à 54 ans en 2022
P22_ACT5564         actifs de 55 à 64 ans en 2022
P22_CHOM1524        chômeurs (au sens du recensement) de 15 à 24 ans en 2022
P22_CHOM2554        chômeurs de 25 à 54 ans en 2022
P22_CHOM5564        chômeurs de 55 à 64 ans en 2022
SNEMM_23            salaire net mensuel moyen en EQTP en 2023 (€)
ENCTOT25..ENCTOT22  créations d'entreprises (total) en 2025, 2024, 2023, 2022
ENCITOT25           créations d'entreprises individuelles en 2025
ETCTOT25            créations d'établissements en 2025
HT26, CPG26, VV26,  hôtels, campings, villages vacances, résidences de tourisme, auberges de
RT26, AJCS26        jeunesse / centres sportifs au 1er janvier 2026
ELECTEURSLP2024     électeurs inscrits sur les listes principales en 2024
BPE_2024_B105       BPE 2024 : supermarchés (code B105)
BPE_2024_B201       BPE 2024 : supérettes (B201)
BPE_2024_C201       BPE 2024 : collèges (C201)
BPE_2024_C301       BPE 2024 : lycées d'enseignement général et/ou technologique (C301)
BPE_2024_D307       BPE 2024 : pharmacies (D307)
=================== ===========================================================================

(The labels of the non-census columns follow INSEE's naming as described in the mirror's
SOURCE.md; check them against ``meta_dossier_complet`` before publishing them.)

Comparateur RP2022 — see :data:`COMPARATEUR_2022_VARIABLES`: ``P22_POP`` population 2022,
``P16_POP`` population 2016, ``SUPERF`` superficie (km²), ``NAIS1621``/``DECE1621`` naissances /
décès 2016-2021, ``P22_MEN`` ménages, ``NAISD24``/``DECESD24`` naissances / décès domiciliés en
2024, ``P22_LOG`` logements, ``P22_RP`` résidences principales, ``P22_RSECOCC`` résidences
secondaires et logements occasionnels, ``P22_LOGVAC`` logements vacants, ``P22_RP_PROP``
résidences principales occupées par leur propriétaire, ``NBMENFISC21`` ménages fiscaux 2021,
``PIMP21`` part des ménages fiscaux imposés (%), ``MED21`` médiane du niveau de vie (€),
``TP6021`` taux de pauvreté (%), ``P22_EMPLT`` emplois au lieu de travail, ``P22_EMPLT_SAL``
emplois salariés au lieu de travail, ``P16_EMPLT`` emplois au lieu de travail 2016,
``P22_POP1564`` population de 15 à 64 ans, ``P22_CHOM1564`` chômeurs de 15 à 64 ans,
``P22_ACT1564`` actifs de 15 à 64 ans, ``ETTOT24`` établissements actifs fin 2024, dont ``ETAZ24``
agriculture, ``ETBE24`` industrie, ``ETFZ24`` construction, ``ETGU24`` commerce, transports,
services divers, ``ETOQ24`` administration publique, enseignement, santé, action sociale,
``ETTEF124`` de 1 à 9 salariés, ``ETTEFP1024`` de 10 salariés ou plus.

Comparateur RP2018 (labels from INSEE's meta file) — see :data:`COMPARATEUR_2018_VARIABLES`: the
same variables with 18/13/19/18 in place of 22/16/21/24 (census 2018 and 2013, births and deaths
2013-2018 and domiciled in 2020, Filosofi 2019, establishments end of 2018), plus ``ETGZ18``
(dont établissements du commerce et de la réparation automobile).
"""

from __future__ import annotations

AGE_BANDS = ["P22_POP0014", "P22_POP1529", "P22_POP3044", "P22_POP4559", "P22_POP6074",
             "P22_POP7589", "P22_POP90P"]

DOSSIER_VARIABLES: dict[str, str] = {
    "P22_POP0014": "Population de 0 à 14 ans en 2022",
    "P22_POP1529": "Population de 15 à 29 ans en 2022",
    "P22_POP3044": "Population de 30 à 44 ans en 2022",
    "P22_POP4559": "Population de 45 à 59 ans en 2022",
    "P22_POP6074": "Population de 60 à 74 ans en 2022",
    "P22_POP7589": "Population de 75 à 89 ans en 2022",
    "P22_POP90P": "Population de 90 ans ou plus en 2022",
    "P16_POP": "Population en 2016",
    "P11_POP": "Population en 2011",
    "C22_MENPSEUL": "Ménages d'une personne en 2022",
    "C22_MENFAM": "Ménages avec famille(s) en 2022",
    "C22_COUPAENF": "Familles : couples avec enfant(s) en 2022",
    "C22_FAMMONO": "Familles monoparentales en 2022",
    "C22_COUPSENF": "Familles : couples sans enfant en 2022",
    "P22_ACT1524": "Actifs de 15 à 24 ans en 2022",
    "P22_ACT2554": "Actifs de 25 à 54 ans en 2022",
    "P22_ACT5564": "Actifs de 55 à 64 ans en 2022",
    "P22_CHOM1524": "Chômeurs de 15 à 24 ans en 2022",
    "P22_CHOM2554": "Chômeurs de 25 à 54 ans en 2022",
    "P22_CHOM5564": "Chômeurs de 55 à 64 ans en 2022",
    "SNEMM_23": "Salaire net mensuel moyen en équivalent temps plein en 2023 (€)",
    "ENCTOT25": "Créations d'entreprises en 2025",
    "ENCTOT24": "Créations d'entreprises en 2024",
    "ENCTOT23": "Créations d'entreprises en 2023",
    "ENCTOT22": "Créations d'entreprises en 2022",
    "ENCITOT25": "Créations d'entreprises individuelles en 2025",
    "ETCTOT25": "Créations d'établissements en 2025",
    "HT26": "Hôtels au 1er janvier 2026",
    "CPG26": "Campings au 1er janvier 2026",
    "VV26": "Villages vacances au 1er janvier 2026",
    "RT26": "Résidences de tourisme au 1er janvier 2026",
    "AJCS26": "Auberges de jeunesse, centres sportifs au 1er janvier 2026",
    "ELECTEURSLP2024": "Électeurs inscrits sur les listes principales en 2024",
    "BPE_2024_B105": "Supermarchés (BPE 2024, B105)",
    "BPE_2024_B201": "Supérettes (BPE 2024, B201)",
    "BPE_2024_C201": "Collèges (BPE 2024, C201)",
    "BPE_2024_C301": "Lycées d'enseignement général et/ou technologique (BPE 2024, C301)",
    "BPE_2024_D307": "Pharmacies (BPE 2024, D307)",
}

COMPARATEUR_2022_VARIABLES: dict[str, str] = {
    "P22_POP": "Population en 2022",
    "P16_POP": "Population en 2016",
    "SUPERF": "Superficie (km²)",
    "NAIS1621": "Naissances entre 2016 et 2021",
    "DECE1621": "Décès entre 2016 et 2021",
    "P22_MEN": "Ménages en 2022",
    "NAISD24": "Naissances domiciliées en 2024",
    "DECESD24": "Décès domiciliés en 2024",
    "P22_LOG": "Logements en 2022",
    "P22_RP": "Résidences principales en 2022",
    "P22_RSECOCC": "Résidences secondaires et logements occasionnels en 2022",
    "P22_LOGVAC": "Logements vacants en 2022",
    "P22_RP_PROP": "Résidences principales occupées par leur propriétaire en 2022",
    "NBMENFISC21": "Ménages fiscaux en 2021",
    "PIMP21": "Part des ménages fiscaux imposés en 2021 (%)",
    "MED21": "Médiane du niveau de vie en 2021 (€)",
    "TP6021": "Taux de pauvreté en 2021 (%)",
    "P22_EMPLT": "Emplois au lieu de travail en 2022",
    "P22_EMPLT_SAL": "Emplois salariés au lieu de travail en 2022",
    "P16_EMPLT": "Emplois au lieu de travail en 2016",
    "P22_POP1564": "Population de 15 à 64 ans en 2022",
    "P22_CHOM1564": "Chômeurs de 15 à 64 ans en 2022",
    "P22_ACT1564": "Actifs de 15 à 64 ans en 2022",
    "ETTOT24": "Établissements actifs en 2024",
    "ETAZ24": "Établissements actifs de l'agriculture, sylviculture et pêche en 2024",
    "ETBE24": "Établissements actifs de l'industrie en 2024",
    "ETFZ24": "Établissements actifs de la construction en 2024",
    "ETGU24": "Établissements actifs du commerce, transports et services divers en 2024",
    "ETOQ24": "Établissements actifs de l'administration publique, enseignement, santé, action sociale en 2024",
    "ETTEF124": "Établissements actifs de 1 à 9 salariés en 2024",
    "ETTEFP1024": "Établissements actifs de 10 salariés ou plus en 2024",
}

COMPARATEUR_2018_VARIABLES: dict[str, str] = {
    "P18_POP": "Population en 2018",
    "P13_POP": "Population en 2013",
    "SUPERF": "Superficie (km²)",
    "NAIS1318": "Naissances entre 2013 et 2018",
    "DECE1318": "Décès entre 2013 et 2018",
    "P18_MEN": "Ménages en 2018",
    "NAISD20": "Naissances domiciliées en 2020",
    "DECESD20": "Décès domiciliés en 2020",
    "P18_LOG": "Logements en 2018",
    "P18_RP": "Résidences principales en 2018",
    "P18_RSECOCC": "Résidences secondaires et logements occasionnels en 2018",
    "P18_LOGVAC": "Logements vacants en 2018",
    "P18_RP_PROP": "Résidences principales occupées par leur propriétaire en 2018",
    "NBMENFISC19": "Ménages fiscaux en 2019",
    "PIMP19": "Part des ménages fiscaux imposés en 2019 (%)",
    "MED19": "Médiane du niveau de vie en 2019 (€)",
    "TP6019": "Taux de pauvreté en 2019 (%)",
    "P18_EMPLT": "Emplois au lieu de travail en 2018",
    "P18_EMPLT_SAL": "Emplois salariés au lieu de travail en 2018",
    "P13_EMPLT": "Emplois au lieu de travail en 2013",
    "P18_POP1564": "Population de 15 à 64 ans en 2018",
    "P18_CHOM1564": "Chômeurs de 15 à 64 ans en 2018",
    "P18_ACT1564": "Actifs de 15 à 64 ans en 2018",
    "ETTOT18": "Établissements actifs fin 2018",
    "ETAZ18": "Établissements actifs de l'agriculture, sylviculture et pêche fin 2018",
    "ETBE18": "Établissements actifs de l'industrie fin 2018",
    "ETFZ18": "Établissements actifs de la construction fin 2018",
    "ETGU18": "Établissements actifs du commerce, transports et services divers fin 2018",
    "ETGZ18": "dont établissements actifs du commerce et réparation automobile fin 2018",
    "ETOQ18": "Établissements actifs de l'administration publique, enseignement, santé, action sociale fin 2018",
    "ETTEF118": "Établissements actifs de 1 à 9 salariés fin 2018",
    "ETTEFP1018": "Établissements actifs de 10 salariés ou plus fin 2018",
}

#: columns published with a decimal comma (``50,0``); a dot is accepted too.
DECIMAL_COMMA = frozenset({"PIMP21", "TP6021"})
#: Filosofi columns of the RP2022 comparateur: the only ones filled in its 5 non-census rows.
FILOSOFI_2022 = ("NBMENFISC21", "PIMP21", "MED21", "TP6021")
