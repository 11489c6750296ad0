"""The indicators of the training theme (``portraits/themes/formation.py``), one declaration each
(:class:`portraits.indicators.Indicator`): establishment counts, Affelnet places and first wishes,
the Parcoursup offer by group, and the regional InserJeunes rates."""

from __future__ import annotations

from ..indicators import Indicator, Row

#: Parcoursup formation_type → indicator suffix (anything else: ``autres``)
PARCOURSUP_GROUPS = {
    "BTS": "bts", "BUT": "but", "Licence": "licence", "Double licence": "licence",
    "Licence professionnelle": "licence", "CMI": "licence", "CPGE": "cpge", "CUPGE": "cpge",
    "Classe préparatoire": "cpge", "Ingénieur": "ingenieur", "Diplôme d'État": "diplome_etat",
}
PARCOURSUP_GROUP_LABELS = {
    "bts": "BTS et BTSA", "but": "BUT", "licence": "Licences (y c. doubles licences, licences "
    "professionnelles, CMI)", "cpge": "Classes préparatoires (CPGE, CUPGE)",
    "ingenieur": "Écoles d'ingénieurs (post-bac)", "diplome_etat": "Diplômes d'État (santé, social)",
    "autres": "Autres formations",
}


# the section's tables (reports/sections/formation.py)
COUNTS, PARCOURSUP = "formation.counts", "formation.parcoursup"
# the Parcoursup table's row of each group
PARCOURSUP_ROW_LABELS = {
    "bts": "BTS et BTSA", "but": "BUT", "licence": "Licences", "cpge": "Classes préparatoires",
    "ingenieur": "Écoles d'ingénieurs", "diplome_etat": "Diplômes d'État (santé, social)",
    "autres": "Autres formations",
}


def _count(id_, label, unit, source, description, decimals=0, *, row: str | None = None, sub: bool = False,
           table: str = COUNTS):
    """A count summed over the territory's communes; ``row``: its label in the section's table."""
    rows = (Row(table, row, sub=sub),) if row else ()
    return Indicator(id_, label, unit, source, description, "sum", decimals, rows=rows)


_DIR = ("Establishments of the Éducation nationale directory (distinct UAI: the 4 UAI listed twice "
        "with a site label count once) placed in their commune code mapped to COG 2026; ")

INDICATORS = [
    _count("lycees", "Lycées", "établissements", "annuaire_education",
           _DIR + "every establishment typed 'Lycée' (type_etablissement), public and private, "
           "including the sections (SEP, SEGT) that have their own UAI. Period = directory vintage "
           "(October 2025).",
           row='Lycées'),
    _count("lycees_professionnels", "Lycées professionnels (y compris sections professionnelles)",
           "établissements", "annuaire_education",
           _DIR + "lycées whose kind is 'professionnel' (sources.annuaire_education.lycee_kind: derived "
           "from the name, the extract lacks the official voie_professionnelle column): LP, SEP of "
           "lycées polyvalents, écoles de production, écoles secondaires professionnelles.",
           row='dont lycées professionnels (y c. sections professionnelles)', sub=True),
    _count("lycees_polyvalents", "Lycées polyvalents", "établissements", "annuaire_education",
           _DIR + "lycées whose kind (derived from the name) is 'polyvalent'.",
           row='dont lycées polyvalents', sub=True),
    _count("lycees_generaux_technologiques", "Lycées généraux et technologiques", "établissements",
           "annuaire_education",
           _DIR + "lycées whose kind (derived from the name, then voie_generale) is "
           "'general_technologique' (including SEGT of lycées professionnels, LEGTA).",
           row='dont lycées généraux et technologiques', sub=True),
    _count("lycees_autres", "Autres lycées (agricoles privés, écoles techniques…)", "établissements",
           "annuaire_education",
           _DIR + "lycées whose kind is 'autre' (the name says nothing: LEAP and other private "
           "agricultural lycées, écoles techniques privées, higher-education sites). lycees = "
           "professionnels + polyvalents + generaux_technologiques + autres.",
           row='dont autres lycées (agricoles privés, écoles techniques…)', sub=True),
    _count("lycees_publics", "Lycées publics", "établissements", "annuaire_education",
           _DIR + "lycées with statut_public_prive 'Public'.",
           row='dont lycées publics', sub=True),
    _count("lycees_prives", "Lycées privés", "établissements", "annuaire_education",
           _DIR + "lycées with statut_public_prive 'Privé' (sous contrat or not).",
           row='dont lycées privés', sub=True),
    _count("eleves_lycees", "Élèves des lycées", "élèves", "annuaire_education",
           "Sum of nombre_d_eleves of the territory's lycées (directory, October 2025). The "
           "directory publishes no count for the sections (SEP, SEGT), whose pupils are reported "
           "under their lycée, nor for most agricultural lycées, écoles de production and private "
           "schools outside contract: these add nothing and the observation's note counts them.",
           row='Élèves des lycées (effectifs publiés)'),
    _count("colleges", "Collèges", "établissements", "annuaire_education",
           _DIR + "establishments typed 'Collège' (including SEGPA with their own UAI).",
           row='Collèges'),
    _count("cio", "Centres d'information et d'orientation (CIO)", "établissements", "annuaire_education",
           _DIR + "establishments typed 'Information et orientation' (CIO and their points d'accueil). "
           "A CIO whose nom_commune names another commune of the same département than its code "
           "is counted in the named commune (rule shared with the directory of reception points).",
           row="Centres d'information et d'orientation (CIO)"),
    _count("cfa", "Organismes de formation en apprentissage (CFA et lieux de formation)", "organismes",
           "ofa_referentiel",
           "Apprenticeship training organisations: distinct validated UAI of the Mission apprentissage "
           "referential (network files ofa_referentiel and the organisations list "
           "ofa_prepa_apprentissage), excluding closed organisations (etat_administratif 'fermé') "
           "and those whose only nature is 'responsable' (administrative head without training at "
           "that UAI). CFA, CFA sections of lycées (UFA), MFR, CFPPA, GRETA-CFA, schools training "
           "apprentices. Placed by the directory's commune code when the UAI is in the directory, "
           "else by the commune of the address. Organisations without a validated UAI are not "
           "counted (meta.data_quality). Period 2023 (imports 2021-12 to 2023-07).",
           row='Organismes de formation en apprentissage'),
    _count("places_affelnet", "Places offertes en 2de et 1re année de CAP (Affelnet)", "places",
           "orion_affelnet",
           "Capacities (Capacité carte scolaire) of the Affelnet offers of the territory's lycées, "
           "per campaign 2021 and 2022 (statut scolaire; the region's rows are entries into 2nde "
           "professionnelle, MEF 238…, and 1st year CAP, MEF 232…: no 2nde GT). A (UAI, MEF) pair listed twice with the same capacity is taken as one "
           "capacity (counted once); different capacities are summed (meta.data_quality lists the "
           "pairs). Lycées absent from the directory cannot be placed and are not counted."),
    _count("voeux1_affelnet", "Premiers vœux Affelnet", "vœux", "orion_affelnet",
           "Number of applicants who put an offer of the territory's lycées as first wish (Demandes "
           "vœux 1), all offers summed (both rows of a duplicated pair: distinct offers), per "
           "campaign."),
    Indicator("voeux1_par_place", "Premiers vœux par place (Affelnet)", "vœux par place", "orion_affelnet",
              "voeux1_affelnet / places_affelnet, recomputed on each territory from the summed "
              "numerator and denominator (never averaged). Status 'missing' where the territory "
              "has no Affelnet place.", "ratio", 2),
]
INDICATORS += [
    _count(f"formations_parcoursup_{g}", f"Formations Parcoursup : {label}", "formations",
           "parcoursup_extrait",
           f"formations_parcoursup restricted to the group '{g}' of formation_type "
           f"({', '.join(k for k, v in PARCOURSUP_GROUPS.items() if v == g) or 'every other type'}); "
           "the groups add up to formations_parcoursup.", row=PARCOURSUP_ROW_LABELS[g], table=PARCOURSUP)
    for g, label in PARCOURSUP_GROUP_LABELS.items()
]
INDICATORS.append(  # the total, last row of the Parcoursup table
    _count("formations_parcoursup", "Formations proposées sur Parcoursup", "formations",
           "parcoursup_extrait",
           "Rows of the Parcoursup offer (third-party simplified extract, session 2024 or 2025 not "
           "stated; period '2025' with a note): one row per programme offered by an establishment. "
           "Placed by the establishment's directory commune code when its UAI is in the directory, "
           "else by the programme's GPS point (point in polygon).",
           row="Total", table=PARCOURSUP))
_IJ = ("Region only (set 'region'): InserJeunes by region x diploma (CAP to BTS), recomputed from the "
       "counts summed over every diploma of the {voie}: 100 x sum(nb_en_emploi_{m}_mois) / "
       "sum(nb_sortant) over the rows with both counts (numerator, denominator). Period = InserJeunes "
       "millésime '2022-2023' (two years of leavers cumulated). Per-establishment rates are in "
       "indicators.etablissement_insertion and are never averaged onto territories.")
INSERTION_RATES = {
    # indicator_id: (voie, months)
    "taux_emploi_6_mois_scolaire": ("scolaire", 6),
    "taux_emploi_12_mois_scolaire": ("scolaire", 12),
    "taux_emploi_6_mois_apprentis": ("apprentissage", 6),
    "taux_emploi_12_mois_apprentis": ("apprentissage", 12),
}
_VOIE_LABEL = {"scolaire": "voie professionnelle scolaire", "apprentissage": "apprentissage"}
INDICATORS += [
    Indicator(i, f"Taux d'emploi à {m} mois des sortants ({_VOIE_LABEL[v]})", "%", "inserjeunes_region",
              _IJ.format(voie="voie " + v, m=m), "ratio", 1)
    for i, (v, m) in INSERTION_RATES.items()
]
