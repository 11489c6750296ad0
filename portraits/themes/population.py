"""Population and households: municipal population series, age structure, components of change,
households and families, housing, activity and unemployment (census definition), jobs at place of
work, income (communes only), and the RP2018 figures mapped to the 2026 communes.

Sources (raw tables, long format ``commune_code, variable, value, status``):

* ``raw.population_historique`` (municipal populations 2010-2022, 2026 geography) and
  ``raw.cog_communes_2026`` (legal population 2023): the ``population`` series;
* ``raw.census_dossier_complet_2022`` (RP2022, 2026 geography): the 7 age bands, households and
  families (exploitation complémentaire ``C22_``), actifs and chômeurs by age band, ``P11_POP``;
* ``raw.census_comparateur_2022`` (RP2022 and RP2016, état civil 2016-2021, Filosofi 2021, 2026
  geography): households, dwellings, jobs at place of work, 15-64 population, actifs, chômeurs,
  births, deaths, population 2016, median income and poverty rate;
* ``raw.census_comparateur_2018`` (RP2018, 2021 geography): mapped to the 2026 communes with
  :func:`portraits.geography.to_2026` (counts of merged communes summed; the communes restored in
  2022, L'Oie 85165 and Sainte-Florence 85212, are counted within Essarts-en-Bocage 85084).

Rules
-----
* Counts (``aggregation = 'sum'``) go to ``staging.commune_value`` and are summed over every
  territory by ``sql/aggregate.sql``; INSEE's weighted decimals are kept.
* Shares and rates (``'ratio'``) are recomputed on each territory from the summed numerator and
  denominator (both stored in the observation), never averaged; growth rates (``'growth'``) from the
  summed values at both ends.
* Median income and poverty rate are not additive (``'none'``): published for the ``commune`` set
  only, with the source's status; every other territory gets ``missing`` and a note.
* **Grouped values** (:data:`portraits.geography.KNOWN_SPLITS`): where a source publishes one value
  for Essarts-en-Bocage together with L'Oie and Sainte-Florence (RP2018 in 2021 geography, ``P11_POP``
  of the dossier complet, and the RP2022 jobs at place of work, 0 for the two restored communes), the
  group's total is carried by 85084 and the restored communes contribute nothing: a territory holding
  the whole group gets the right total, a territory holding part of it (the communes themselves)
  gets ``missing`` with a note (:data:`GROUPED_NOTE`).
* Validation: the 7 age bands of each commune must add up to its 2022 municipal population
  (:func:`check_age_bands`), otherwise :class:`sources.errors.SourceFormatError` names the file, the
  line of the commune, the columns and the values.
"""

from __future__ import annotations

import pandas as pd

from sources import catalog, census
from sources.errors import SourceFormatError

from .. import geography
from ..indicators import Indicator
from ..warehouse import run_sql_file

ID = "population"
SOURCES = ["insee_pop_historiques", "cog_communes_2026", "insee_dossier_complet_2022",
           "insee_comparateur_2022", "insee_comparateur_2018"]

DOSSIER = census.DOSSIER_ID  # insee_dossier_complet_2022
CMP22 = census.COMPARATEUR_2022_ID  # insee_comparateur_2022
CMP18 = census.COMPARATEUR_2018_ID  # insee_comparateur_2018

GROUPED_NOTE = ("Essarts-en-Bocage (85084), L'Oie (85165) et Sainte-Florence (85212) : valeur publiée "
                "par l'INSEE pour l'ensemble des trois communes, non disponible pour une partie de cet "
                "ensemble")
NON_ADDITIVE_NOTE = "non additif : publié par l'INSEE pour les communes seulement"

# ------------------------------------------------------------------------------------ catalogue

# Age bands of the dossier complet: (suffix, French label); the one home of the bands of the
# portraits (the section's chart shortens the labels). The census columns are the parser's
# (sources.census.AGE_BANDS, which cannot import this layer): the two must name the same bands.
AGE_BANDS = [("0014", "0 à 14 ans"), ("1529", "15 à 29 ans"), ("3044", "30 à 44 ans"),
             ("4559", "45 à 59 ans"), ("6074", "60 à 74 ans"), ("7589", "75 à 89 ans"),
             ("90p", "90 ans ou plus")]
if [f"P22_POP{b.upper()}" for b, _ in AGE_BANDS] != census.AGE_BANDS:
    raise ValueError(f"portraits.themes.population.AGE_BANDS {AGE_BANDS} do not match the census "
                     f"columns sources.census.AGE_BANDS {census.AGE_BANDS}")
AGE_IDS = [f"population_age_{b}" for b, _ in AGE_BANDS]

# Counts read from one census column: id -> (source, variable, period, grouped, label, unit, description)
# ``grouped``: the source publishes one value for 85084 + 85165 + 85212 (see the module docstring).
_C = "habitants"
COUNTS: dict[str, tuple] = {
    **{f"population_age_{b}": (DOSSIER, f"P22_POP{b.upper()}", "2022", False,
                               f"Population de {lab} en 2022", _C,
                               f"Population aged {lab} (census 2022, P22_POP{b.upper()}), INSEE weighted "
                               "decimals kept; sum of the territory's communes.")
       for b, lab in AGE_BANDS},
    "population_rp2011": (DOSSIER, "P11_POP", "2011", True, "Population en 2011 (recensement)", _C,
                          "Population 2011 (census RP2011, P11_POP of the dossier complet). Published for "
                          "Essarts-en-Bocage together with L'Oie and Sainte-Florence (restored in 2022)."),
    "population_rp2016": (CMP22, "P16_POP", "2016", False, "Population en 2016 (recensement)", _C,
                          "Population 2016 (census RP2016, P16_POP of the comparateur RP2022, 2025 "
                          "geography = 2026 in the region)."),
    "naissances": (CMP22, "NAIS1621", "2016-2022", False, "Naissances entre 2016 et 2021", "naissances",
                   "Births between 1 January 2016 and 1 January 2022 (état civil, NAIS1621), i.e. "
                   "calendar years 2016 to 2021; period labelled with the census dates it spans."),
    "deces": (CMP22, "DECE1621", "2016-2022", False, "Décès entre 2016 et 2021", "décès",
              "Deaths between 1 January 2016 and 1 January 2022 (état civil, DECE1621)."),
    "menages": (CMP22, "P22_MEN", "2022", False, "Ménages en 2022", "ménages",
                "Households 2022 (census, exploitation principale, P22_MEN)."),
    "menages_personne_seule": (DOSSIER, "C22_MENPSEUL", "2022", False, "Ménages d'une personne en 2022",
                               "ménages", "One-person households (C22_MENPSEUL, exploitation complémentaire)."),
    "menages_avec_famille": (DOSSIER, "C22_MENFAM", "2022", False, "Ménages avec famille(s) en 2022",
                             "ménages", "Households with at least one family (C22_MENFAM, exploitation "
                             "complémentaire)."),
    "familles_couples_avec_enfants": (DOSSIER, "C22_COUPAENF", "2022", False,
                                      "Familles : couples avec enfant(s) en 2022", "familles",
                                      "Families: couples with child(ren) (C22_COUPAENF)."),
    "familles_couples_sans_enfant": (DOSSIER, "C22_COUPSENF", "2022", False,
                                     "Familles : couples sans enfant en 2022", "familles",
                                     "Families: couples without child (C22_COUPSENF)."),
    "familles_monoparentales": (DOSSIER, "C22_FAMMONO", "2022", False, "Familles monoparentales en 2022",
                                "familles", "Single-parent families (C22_FAMMONO)."),
    "logements": (CMP22, "P22_LOG", "2022", False, "Logements en 2022", "logements", "Dwellings (P22_LOG)."),
    "residences_principales": (CMP22, "P22_RP", "2022", False, "Résidences principales en 2022", "logements",
                               "Main residences (P22_RP)."),
    "residences_secondaires": (CMP22, "P22_RSECOCC", "2022", False,
                               "Résidences secondaires et logements occasionnels en 2022", "logements",
                               "Second homes and occasional dwellings (P22_RSECOCC)."),
    "logements_vacants": (CMP22, "P22_LOGVAC", "2022", False, "Logements vacants en 2022", "logements",
                          "Vacant dwellings (P22_LOGVAC)."),
    "residences_principales_proprietaires": (CMP22, "P22_RP_PROP", "2022", False,
                                             "Résidences principales occupées par leur propriétaire en 2022",
                                             "logements", "Owner-occupied main residences (P22_RP_PROP)."),
    "population_1564": (CMP22, "P22_POP1564", "2022", False, "Population de 15 à 64 ans en 2022", _C,
                        "Population aged 15-64 (P22_POP1564)."),
    "actifs_1564": (CMP22, "P22_ACT1564", "2022", False, "Actifs de 15 à 64 ans en 2022", "actifs",
                    "Active population aged 15-64, employed or unemployed (census, P22_ACT1564)."),
    "chomeurs_1564": (CMP22, "P22_CHOM1564", "2022", False, "Chômeurs de 15 à 64 ans en 2022 (recensement)",
                      "chômeurs", "Unemployed aged 15-64, census definition (self-declared; P22_CHOM1564)."),
    **{f"actifs_{b}": (DOSSIER, f"P22_ACT{b}", "2022", False, f"Actifs de {lab} en 2022", "actifs",
                       f"Active population aged {lab} (P22_ACT{b}).")
       for b, lab in (("1524", "15 à 24 ans"), ("2554", "25 à 54 ans"), ("5564", "55 à 64 ans"))},
    **{f"chomeurs_{b}": (DOSSIER, f"P22_CHOM{b}", "2022", False, f"Chômeurs de {lab} en 2022 (recensement)",
                         "chômeurs", f"Unemployed aged {lab}, census definition (P22_CHOM{b}).")
       for b, lab in (("1524", "15 à 24 ans"), ("2554", "25 à 54 ans"), ("5564", "55 à 64 ans"))},
    "emplois_lt": (CMP22, "P22_EMPLT", "2022", True, "Emplois au lieu de travail en 2022", "emplois",
                   "Jobs at place of work (P22_EMPLT). The file gives 0 jobs to L'Oie and Sainte-Florence "
                   "(restored in 2022), whose jobs are counted with Essarts-en-Bocage: grouped."),
    "emplois_salaries_lt": (CMP22, "P22_EMPLT_SAL", "2022", True, "Emplois salariés au lieu de travail en 2022",
                            "emplois", "Salaried jobs at place of work (P22_EMPLT_SAL); grouped as emplois_lt."),
    # RP2018 (comparateur, 2021 geography mapped to 2026; always grouped for 85084/85165/85212)
    "population_rp2018": (CMP18, "P18_POP", "2018", True, "Population en 2018 (recensement)", _C,
                          "Population 2018 (census RP2018, P18_POP), 2021 geography mapped to the 2026 "
                          "communes (merged communes summed)."),
    "population_1564_rp2018": (CMP18, "P18_POP1564", "2018", True, "Population de 15 à 64 ans en 2018", _C,
                               "Population aged 15-64 in 2018 (P18_POP1564), mapped to 2026."),
    "actifs_1564_rp2018": (CMP18, "P18_ACT1564", "2018", True, "Actifs de 15 à 64 ans en 2018", "actifs",
                           "Active population aged 15-64 in 2018 (P18_ACT1564), mapped to 2026."),
    "chomeurs_1564_rp2018": (CMP18, "P18_CHOM1564", "2018", True, "Chômeurs de 15 à 64 ans en 2018 (recensement)",
                             "chômeurs", "Unemployed aged 15-64 in 2018, census definition (P18_CHOM1564)."),
    "emplois_rp2018": (CMP18, "P18_EMPLT", "2018", True, "Emplois au lieu de travail en 2018", "emplois",
                       "Jobs at place of work in 2018 (P18_EMPLT), mapped to 2026."),
    "menages_rp2018": (CMP18, "P18_MEN", "2018", True, "Ménages en 2018", "ménages",
                       "Households in 2018 (P18_MEN), mapped to 2026."),
    "logements_rp2018": (CMP18, "P18_LOG", "2018", True, "Logements en 2018", "logements",
                         "Dwellings in 2018 (P18_LOG), mapped to 2026."),
    "logements_vacants_rp2018": (CMP18, "P18_LOGVAC", "2018", True, "Logements vacants en 2018", "logements",
                                 "Vacant dwellings in 2018 (P18_LOGVAC), mapped to 2026."),
}

# Counts computed per commune from several columns of one file (see sql/population_census_commune_values.sql)
COMPUTED_COUNTS: dict[str, tuple] = {
    "solde_naturel": (CMP22, "2016-2022", "Solde naturel 2016-2022", _C,
                      "Natural balance: births minus deaths between 1 January 2016 and 1 January 2022 "
                      "(NAIS1621 - DECE1621), per commune then summed."),
    "solde_migratoire_apparent": (CMP22, "2016-2022", "Solde migratoire apparent 2016-2022", _C,
                                  "Apparent migration balance: change of population between the censuses "
                                  "of 2016 and 2022 minus the natural balance (P22_POP - P16_POP - "
                                  "(NAIS1621 - DECE1621)); includes the statistical adjustment of the "
                                  "census, hence 'apparent'."),
    "actifs_occupes_1564": (CMP22, "2022", "Actifs occupés de 15 à 64 ans en 2022", "actifs occupés",
                            "Employed residents aged 15-64: P22_ACT1564 - P22_CHOM1564."),
}

# Ratios: id -> (numerator ids, denominator ids, period, factor, source, label, unit, decimals, description)
_ALL_AGES = AGE_IDS
RATIOS: dict[str, tuple] = {
    **{f"part_age_{b}": ([f"population_age_{b}"], _ALL_AGES, "2022", 100, DOSSIER,
                         f"Part des {lab} en 2022", "%", 1,
                         f"Share of the population aged {lab}: population_age_{b} / sum of the 7 age bands "
                         "x 100.")
       for b, lab in AGE_BANDS},
    "part_moins_30": (["population_age_0014", "population_age_1529"], _ALL_AGES, "2022", 100, DOSSIER,
                      "Part des moins de 30 ans en 2022", "%", 1,
                      "Share of the population under 30: (0-14 + 15-29) / all ages x 100."),
    "part_60_plus": (["population_age_6074", "population_age_7589", "population_age_90p"], _ALL_AGES, "2022",
                     100, DOSSIER, "Part des 60 ans ou plus en 2022", "%", 1,
                     "Share of the population aged 60 or more: (60-74 + 75-89 + 90+) / all ages x 100."),
    "part_75_plus": (["population_age_7589", "population_age_90p"], _ALL_AGES, "2022", 100, DOSSIER,
                     "Part des 75 ans ou plus en 2022", "%", 1,
                     "Share of the population aged 75 or more: (75-89 + 90+) / all ages x 100."),
    "indice_vieillissement": (["population_age_6074", "population_age_7589", "population_age_90p"],
                              ["population_age_0014"], "2022", 100, DOSSIER,
                              "Indice de vieillissement (60 ans ou plus pour 100 moins de 15 ans) en 2022",
                              "pour 100", 0,
                              "Ageing index, documented alternative: people aged 60+ per 100 under 15. "
                              "INSEE's usual index (65+ per 100 under 20) cannot be computed: the source's "
                              "age bands are 0-14, 15-29, 30-44, 45-59, 60-74, 75-89, 90+."),
    "part_menages_personne_seule": (["menages_personne_seule"], ["menages"], "2022", 100, DOSSIER,
                                    "Part des ménages d'une personne en 2022", "%", 1,
                                    "One-person households (C22_MENPSEUL, exploitation complémentaire) / "
                                    "households (P22_MEN, exploitation principale) x 100. The two "
                                    "exploitations differ slightly; the file has no C22_MEN."),
    "part_menages_avec_famille": (["menages_avec_famille"], ["menages"], "2022", 100, DOSSIER,
                                  "Part des ménages avec famille(s) en 2022", "%", 1,
                                  "Households with family (C22_MENFAM) / households (P22_MEN) x 100; same "
                                  "caveat as part_menages_personne_seule."),
    **{f"part_{k}": ([k], ["familles_couples_avec_enfants", "familles_couples_sans_enfant",
                           "familles_monoparentales"], "2022", 100, DOSSIER, lab, "%", 1,
                     f"{k} / all families (couples with children + couples without child + single-parent "
                     "families) x 100.")
       for k, lab in (("familles_couples_avec_enfants", "Part des couples avec enfant(s) parmi les familles en 2022"),
                      ("familles_couples_sans_enfant", "Part des couples sans enfant parmi les familles en 2022"),
                      ("familles_monoparentales", "Part des familles monoparentales parmi les familles en 2022"))},
    "part_residences_principales": (["residences_principales"], ["logements"], "2022", 100, CMP22,
                                    "Part des résidences principales en 2022", "%", 1,
                                    "Main residences / dwellings x 100."),
    "part_residences_secondaires": (["residences_secondaires"], ["logements"], "2022", 100, CMP22,
                                    "Part des résidences secondaires et logements occasionnels en 2022", "%", 1,
                                    "Second homes and occasional dwellings / dwellings x 100."),
    "part_logements_vacants": (["logements_vacants"], ["logements"], "2022", 100, CMP22,
                               "Part des logements vacants en 2022", "%", 1, "Vacant dwellings / dwellings x 100."),
    "part_proprietaires": (["residences_principales_proprietaires"], ["residences_principales"], "2022", 100,
                           CMP22, "Part des résidences principales occupées par leur propriétaire en 2022", "%", 1,
                           "Owner-occupied main residences / main residences x 100."),
    "taux_activite_1564": (["actifs_1564"], ["population_1564"], "2022", 100, CMP22,
                           "Taux d'activité des 15-64 ans en 2022", "%", 1,
                           "Activity rate 15-64 (census): actifs 15-64 / population 15-64 x 100."),
    "taux_chomage_rp_1564": (["chomeurs_1564"], ["actifs_1564"], "2022", 100, CMP22,
                             "Taux de chômage des 15-64 ans en 2022 (recensement)", "%", 1,
                             "Unemployment rate 15-64, census definition: chômeurs 15-64 / actifs 15-64 x 100 "
                             "(not the ILO localised rate)."),
    **{f"taux_chomage_rp_{b}": ([f"chomeurs_{b}"], [f"actifs_{b}"], "2022", 100, DOSSIER,
                                f"Taux de chômage des {lab} en 2022 (recensement)", "%", 1,
                                f"Unemployment rate {lab}, census definition: chomeurs_{b} / actifs_{b} x 100. "
                                "The activity rate by age band cannot be computed: the source has no "
                                "population aged 15-24, 25-54, 55-64.")
       for b, lab in (("1524", "15-24 ans"), ("2554", "25-54 ans"), ("5564", "55-64 ans"))},
    "concentration_emploi": (["emplois_lt"], ["actifs_occupes_1564"], "2022", 100, CMP22,
                             "Indicateur de concentration d'emploi en 2022", "emplois pour 100 actifs occupés", 0,
                             "Jobs at place of work per 100 employed residents: P22_EMPLT / (P22_ACT1564 - "
                             "P22_CHOM1564) x 100. INSEE's indicator uses employed residents aged 15 or more; "
                             "the source only has 15-64, so this ratio is slightly higher than INSEE's."),
    "taux_activite_1564_rp2018": (["actifs_1564_rp2018"], ["population_1564_rp2018"], "2018", 100, CMP18,
                                  "Taux d'activité des 15-64 ans en 2018", "%", 1,
                                  "Activity rate 15-64 in 2018 (RP2018 mapped to 2026)."),
    "taux_chomage_rp_1564_rp2018": (["chomeurs_1564_rp2018"], ["actifs_1564_rp2018"], "2018", 100, CMP18,
                                    "Taux de chômage des 15-64 ans en 2018 (recensement)", "%", 1,
                                    "Unemployment rate 15-64 in 2018, census definition (RP2018 mapped to 2026)."),
    "part_logements_vacants_rp2018": (["logements_vacants_rp2018"], ["logements_rp2018"], "2018", 100, CMP18,
                                      "Part des logements vacants en 2018", "%", 1,
                                      "Vacant dwellings / dwellings in 2018 x 100 (RP2018 mapped to 2026)."),
}

# Growth rates: id -> list of (period, start (id, period), end (id, period), years, source)
GROWTH: dict[str, list[tuple]] = {
    "population_variation_annuelle_rp": [
        ("2011-2022", ("population_rp2011", "2011"), ("population", "2022"), 11, DOSSIER),
        ("2016-2022", ("population_rp2016", "2016"), ("population", "2022"), 6, CMP22),
        ("2018-2022", ("population_rp2018", "2018"), ("population", "2022"), 4, CMP18),
    ],
    "emplois_variation_annuelle": [
        ("2018-2022", ("emplois_rp2018", "2018"), ("emplois_lt", "2022"), 4, CMP18),
    ],
}

# Components of change (sql/population_derived.sql)
COMPONENTS_PERIOD, COMPONENTS_YEARS = "2016-2022", 6

# Not additive: communes only. id -> (variable of the comparateur RP2022, label, unit, decimals, description)
COMMUNE_ONLY: dict[str, tuple] = {
    "revenu_median": ("MED21", "Revenu disponible médian par unité de consommation en 2021", "€", 0,
                      "Median disposable income per consumption unit (Filosofi 2021, MED21). Not additive: "
                      "published for the commune set only (status of the source: secret 's', missing 'nd' "
                      "or empty); every other territory is 'missing' with a note. Never averaged."),
    "taux_pauvrete": ("TP6021", "Taux de pauvreté en 2021", "%", 0,
                      "Poverty rate at 60 % of the median (Filosofi 2021, TP6021), published by INSEE as a "
                      "whole percentage. Not additive: commune set only, as revenu_median."),
}


def _indicators() -> list[Indicator]:
    out = [
        Indicator(
            "population", "Population municipale", "habitants", "insee_pop_historiques",
            "Population municipale (recensement), sum of the territory's communes. One observation per "
            "available year: 2010, 2015, 2020, 2021, 2022 from the historical series (2026 geography) and "
            "2023 from the legal populations published with COG 2026 (source_id cog_communes_2026 on those "
            "rows).",
            "sum",
        ),
        Indicator(
            "population_variation_annuelle_longue",
            "Variation annuelle moyenne de la population (période longue)",
            "% par an", "insee_pop_historiques",
            "Average annual change of the population between the first and the last available year "
            "(period 'YYYY-YYYY'): ((P_end / P_start)^(1/years) - 1) x 100; numerator = P_end, "
            "denominator = P_start, both summed over the communes.",
            "growth", 2,
        ),
        Indicator(
            "population_variation_annuelle_5ans",
            "Variation annuelle moyenne de la population (5 dernières années disponibles)",
            "% par an", "insee_pop_historiques",
            "Average annual change over the latest span of exactly 5 years with data at both ends "
            "(2015-2020 with the current sources); same formula as the long period.",
            "growth", 2,
        ),
    ]
    for ind, (src, var, period, grouped, label, unit, desc) in COUNTS.items():
        out.append(Indicator(ind, label, unit, src, f"{desc} Period '{period}'.", "sum", 0))
    for ind, (src, period, label, unit, desc) in COMPUTED_COUNTS.items():
        out.append(Indicator(ind, label, unit, src, f"{desc} Period '{period}'.", "sum", 0))
    for ind, (num, den, period, factor, src, label, unit, dec, desc) in RATIOS.items():
        out.append(Indicator(ind, label, unit, src,
                             f"{desc} Recomputed on each territory from the summed numerator and "
                             f"denominator (stored in the observation). Period '{period}'.", "ratio", dec))
    out.append(Indicator(
        "population_variation_annuelle_rp", "Variation annuelle moyenne de la population entre deux recensements",
        "% par an", CMP22,
        "Average annual change of the census population between 1 January of two census years: "
        "((P_end / P_start)^(1/years) - 1) x 100, P_end = population 2022 (indicator 'population'), "
        "P_start = population_rp2011 (period '2011-2022', source dossier complet), population_rp2016 "
        "('2016-2022', comparateur RP2022) or population_rp2018 ('2018-2022', comparateur RP2018 mapped "
        "to 2026); numerator = P_end, denominator = P_start.",
        "growth", 2))
    out.append(Indicator(
        "emplois_variation_annuelle", "Variation annuelle moyenne des emplois au lieu de travail",
        "% par an", CMP18,
        "Average annual change of the jobs at place of work between 2018 (emplois_rp2018, RP2018 mapped to "
        "2026) and 2022 (emplois_lt): ((E2022 / E2018)^(1/4) - 1) x 100; period '2018-2022'.",
        "growth", 2))
    out.append(Indicator(
        "variation_annuelle_solde_naturel", "Variation annuelle de la population due au solde naturel",
        "% par an", CMP22,
        "Part of the average annual change 2016-2022 due to the natural balance: 100 x (births - deaths) / "
        "(6 x (P2016 + P2022) / 2); numerator = solde_naturel, denominator = person-years (6 x mean "
        "population). Births and deaths of the calendar years 2016 to 2021 (1 Jan 2016 - 1 Jan 2022).",
        "ratio", 2))
    out.append(Indicator(
        "variation_annuelle_solde_migratoire",
        "Variation annuelle de la population due au solde migratoire apparent",
        "% par an", CMP22,
        "Part of the average annual change 2016-2022 due to the apparent migration balance, INSEE's "
        "residual convention: population_variation_annuelle_rp (2016-2022) - "
        "variation_annuelle_solde_naturel, so that both parts add up to the total; numerator = "
        "solde_migratoire_apparent, denominator = person-years as for the natural part.",
        "ratio", 2))
    for ind, (var, label, unit, dec, desc) in COMMUNE_ONLY.items():
        out.append(Indicator(ind, label, unit, CMP22, desc, "none", dec))
    return out


INDICATORS = _indicators()

# ------------------------------------------------------------------------------------ pipeline


def _mapping_frames() -> dict[str, pd.DataFrame]:
    counts = pd.DataFrame(
        [(ind, src, var, period, grouped) for ind, (src, var, period, grouped, *_r) in COUNTS.items()
         if src != CMP18],
        columns=["indicator_id", "source_id", "variable", "period", "grouped"])
    grouped = pd.DataFrame(
        [(ind, period) for ind, (src, var, period, g, *_r) in COUNTS.items() if g],
        columns=["indicator_id", "period"])
    members = []
    for parent, split in geography.KNOWN_SPLITS.items():
        codes = [parent, *split["restored"]]
        for code in codes:
            members.append((code, parent, "|".join(codes), len(codes)))
    split_members = pd.DataFrame(members, columns=["commune_code", "parent_code", "group_codes", "group_size"])
    return {"counts": counts, "grouped": grouped, "split_members": split_members}


def _dossier_path(con) -> str:
    """The file the dossier complet was read from, for error messages (mirror path or URL)."""
    ds = catalog.get(DOSSIER)
    row = con.execute("select origin, url from meta.source where source_id = ?", [DOSSIER]).fetchone()
    if row and row[0] == "http" and row[1]:
        return row[1]
    return ds.mirror_path


def check_age_bands(con) -> None:
    """The 7 age bands of every commune add up to its 2022 municipal population (within 0.5).

    Raises :class:`SourceFormatError` naming the dossier complet file, the line of the first commune
    at fault (header = line 1; the raw table keeps the file's row order, one commune after another),
    the age-band columns and the values."""
    bands = con.execute(
        """select commune_code, variable, value, status from raw.census_dossier_complet_2022
           where variable in (select unnest(?))""", [census.AGE_BANDS]).df()
    pop = con.execute(
        "select commune_code, population from raw.population_historique where year = 2022").df()
    bad = census.check_age_bands(bands, pop, raise_on_mismatch=False)
    if bad.empty:
        return
    lines = dict(con.execute(
        """select commune_code, 1 + dense_rank() over (order by first_row) from (
               select commune_code, min(rowid) as first_row from raw.census_dossier_complet_2022
               group by commune_code)""").fetchall())
    bad = bad.assign(line=bad["commune_code"].map(lines)).sort_values("line", na_position="last")
    first = bad.iloc[0]
    shown = "; ".join(f"{r.commune_code} (line {'?' if pd.isna(r.line) else int(r.line)}): age bands "
                      f"{r.age_bands_sum:.2f} vs population {r.population:.2f}" for r in bad.head(5).itertuples())
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    raise SourceFormatError(
        _dossier_path(con),
        f"commune {first['commune_code']}: the 7 age bands add up to {first['age_bands_sum']:.2f} but its "
        f"2022 municipal population (insee_pop_historiques) is {first['population']:.2f}; "
        f"{len(bad)} commune(s) at fault: {shown}{more}",
        line=None if pd.isna(first["line"]) else int(first["line"]),
        column="+".join(census.AGE_BANDS),
        dataset_id=DOSSIER,
    )


def _rp2018_frame(con) -> pd.DataFrame:
    """The RP2018 counts of :data:`COUNTS` mapped to the 2026 communes (long, staging columns)."""
    specs = {var: (ind, period) for ind, (src, var, period, *_r) in COUNTS.items() if src == CMP18}
    raw = con.execute(
        """select commune_code, variable, value from raw.census_comparateur_2018
           where variable in (select unnest(?))""", [list(specs)]).df()
    wide = raw.pivot(index="commune_code", columns="variable", values="value").reset_index()
    history = con.execute("select * from ref.commune_history").df()
    current = [r[0] for r in con.execute("select commune_code from ref.commune where in_region").fetchall()]
    mapped = geography.to_2026(wide, "commune_code", history, additive_cols=list(specs),
                               geography_year=2021, current_codes=current)
    restored = mapped["group_codes"].ne("") & ~mapped["commune_code"].isin(geography.KNOWN_SPLITS)
    rows = []
    for var, (ind, period) in specs.items():
        value = mapped[var]
        status = pd.Series("ok", index=mapped.index).where(value.notna() | restored, "missing")
        rows.append(pd.DataFrame({"indicator_id": ind, "period": period, "commune_code": mapped["commune_code"],
                                  "value": value.where(~restored), "status": status, "source_id": CMP18}))
    return pd.concat(rows, ignore_index=True)


def commune_values(con) -> None:
    check_age_bands(con)
    run_sql_file(con, "population_commune_values")
    frames = _mapping_frames()
    for name, frame in frames.items():
        con.register(f"_pop_{name}", frame)
    try:
        con.execute("create or replace table staging.population_grouped_series as select * from _pop_grouped")
        con.execute("create or replace table staging.population_split_member as select * from _pop_split_members")
        run_sql_file(con, "population_census_commune_values")
    finally:
        for name in frames:
            con.unregister(f"_pop_{name}")
    rp2018 = _rp2018_frame(con)
    con.register("_pop_rp2018", rp2018)
    try:
        con.execute("""insert into staging.commune_value
                       select indicator_id, period, commune_code, value, status, source_id from _pop_rp2018""")
    finally:
        con.unregister("_pop_rp2018")


def _definition_frames() -> dict[str, pd.DataFrame]:
    ratio_rows = []
    for ind, (num, den, period, factor, src, *_r) in RATIOS.items():
        for part, comps in (("num", num), ("den", den)):
            for comp in comps:
                ratio_rows.append((ind, period, part, comp, period, len(comps), float(factor), src))
    ratios = pd.DataFrame(ratio_rows, columns=["indicator_id", "period", "part", "component",
                                               "component_period", "n_components", "factor", "source_id"])
    growth = pd.DataFrame(
        [(ind, period, s[0], s[1], e[0], e[1], years, src)
         for ind, specs in GROWTH.items() for period, s, e, years, src in specs],
        columns=["indicator_id", "period", "start_id", "start_period", "end_id", "end_period", "years",
                 "source_id"])
    commune_only = pd.DataFrame([(ind, spec[0]) for ind, spec in COMMUNE_ONLY.items()],
                                columns=["indicator_id", "variable"])
    return {"ratio_def": ratios, "growth_def": growth, "commune_only": commune_only}


def derived(con) -> None:
    run_sql_file(con, "derived_population")
    frames = _definition_frames()
    # values used by the SQL, as a one-row table (DuckDB binds parameters to one statement only)
    frames["params"] = pd.DataFrame([{
        "grouped_note": GROUPED_NOTE,
        "non_additive_note": NON_ADDITIVE_NOTE,
        "components_period": COMPONENTS_PERIOD,
        "components_years": COMPONENTS_YEARS,
        "cmp22": CMP22,
    }])
    for name, frame in frames.items():
        con.register(f"_pop_{name}", frame)
    try:
        run_sql_file(con, "population_derived")
    finally:
        for name in frames:
            con.unregister(f"_pop_{name}")
