"""The indicators of the population theme, one declaration each (:class:`portraits.indicators.Indicator`),
in the order the portrait shows them: the catalogue (``indicators.catalog``), the census columns
read per commune, the ratios recomputed on every territory and the rows of the section's tables
(``reports/sections/population.py``) all come from here.

Adding a census count to the portrait: one :func:`count` naming its column (``column=``) and the
table it appears in (``rows=``), plus the column in the parser's list
(``sources/census_variables.py``). A share of it: one :func:`ratio` naming its numerator and
denominator. See the README's « Adding an indicator ».
"""

from __future__ import annotations

from sources import census

from ..indicators import Indicator, Row

DOSSIER = census.DOSSIER_ID  # insee_dossier_complet_2022
CMP22 = census.COMPARATEUR_2022_ID  # insee_comparateur_2022
CMP18 = census.COMPARATEUR_2018_ID  # insee_comparateur_2018
HISTORY = "insee_pop_historiques"

# Age bands of the dossier complet: (suffix, French label); the one home of the bands of the
# portraits (the section's chart shortens the labels). The census columns are the parser's
# (sources.census.AGE_BANDS, which cannot import this layer): the two must name the same bands.
AGE_BANDS = [("0014", "0 à 14 ans"), ("1529", "15 à 29 ans"), ("3044", "30 à 44 ans"),
             ("4559", "45 à 59 ans"), ("6074", "60 à 74 ans"), ("7589", "75 à 89 ans"),
             ("90p", "90 ans ou plus")]
if [f"P22_POP{b.upper()}" for b, _ in AGE_BANDS] != census.AGE_BANDS:
    raise ValueError(f"portraits.themes.population.AGE_BANDS {AGE_BANDS} do not match the census "
                     f"columns sources.census.AGE_BANDS {census.AGE_BANDS}")
AGE_IDS = tuple(f"population_age_{b}" for b, _ in AGE_BANDS)
ACTIVITY_BANDS = (("1524", "15 à 24 ans", "15-24 ans"), ("2554", "25 à 54 ans", "25-54 ans"),
                  ("5564", "55 à 64 ans", "55-64 ans"))
FAMILIES = ("familles_couples_avec_enfants", "familles_couples_sans_enfant", "familles_monoparentales")

# the section's tables (reports/sections/population.py)
CHANGE, AGES, HOUSEHOLDS = "population.change", "population.ages", "population.households"
HOUSING, ACTIVITY, JOBS = "population.housing", "population.activity", "population.jobs"

_C = "habitants"


def count(id_: str, label: str, unit: str, source: str, column: str | None, period: str, description: str,
          *, grouped: bool = False, rows: tuple[Row, ...] = ()) -> Indicator:
    """A count of the communes summed over each territory: read from ``column`` of ``source``
    (a census file; ``None``: computed per commune in sql/population_census_commune_values.sql).
    ``grouped``: the source publishes one value for 85084 + 85165 + 85212 (see population.py)."""
    return Indicator(id_, label, unit, source, f"{description} Period '{period}'.", "sum", 0,
                     period=period, column=column, grouped=grouped, rows=rows)


def ratio(id_: str, label: str, numerator, denominator, period: str, source: str, description: str, *,
          unit: str = "%", decimals: int = 1, factor: float = 100, rows: tuple[Row, ...] = ()) -> Indicator:
    """``factor`` x sum of ``numerator`` / sum of ``denominator``, recomputed on each territory
    (sql/ratios.sql)."""
    return Indicator(id_, label, unit, source,
                     f"{description} Recomputed on each territory from the summed numerator and "
                     f"denominator (stored in the observation). Period '{period}'.", "ratio", decimals,
                     period=period, numerator=tuple(numerator), denominator=tuple(denominator),
                     factor=float(factor), rows=rows)


def _series() -> list[Indicator]:
    return [
        Indicator(
            "population", "Population municipale", "habitants", HISTORY,
            "Population municipale (recensement), sum of the territory's communes. One observation per "
            "available year: 2010, 2015, 2020, 2021, 2022 from the historical series (2026 geography) and "
            "2023 from the legal populations published with COG 2026 (source_id cog_communes_2026 on those "
            "rows).",
            "sum",
        ),
        Indicator(
            "population_variation_annuelle_longue",
            "Variation annuelle moyenne de la population (période longue)",
            "% par an", HISTORY,
            "Average annual change of the population between the first and the last available year "
            "(period 'YYYY-YYYY'): ((P_end / P_start)^(1/years) - 1) x 100; numerator = P_end, "
            "denominator = P_start, both summed over the communes.",
            "growth", 2,
        ),
        Indicator(
            "population_variation_annuelle_5ans",
            "Variation annuelle moyenne de la population (5 dernières années disponibles)",
            "% par an", HISTORY,
            "Average annual change over the latest span of exactly 5 years with data at both ends "
            "(2015-2020 with the current sources); same formula as the long period.",
            "growth", 2,
        ),
    ]


def _ages() -> list[Indicator]:
    return [
        *[count(f"population_age_{b}", f"Population de {lab} en 2022", _C, DOSSIER, f"P22_POP{b.upper()}", "2022",
                f"Population aged {lab} (census 2022, P22_POP{b.upper()}), INSEE weighted decimals kept; sum "
                "of the territory's communes.")
          for b, lab in AGE_BANDS],
        *[ratio(f"part_age_{b}", f"Part des {lab} en 2022", [f"population_age_{b}"], AGE_IDS, "2022", DOSSIER,
                f"Share of the population aged {lab}: population_age_{b} / sum of the 7 age bands x 100.")
          for b, lab in AGE_BANDS],
        ratio("part_moins_30", "Part des moins de 30 ans en 2022", ["population_age_0014", "population_age_1529"],
              AGE_IDS, "2022", DOSSIER, "Share of the population under 30: (0-14 + 15-29) / all ages x 100.",
              rows=(Row(AGES, "Moins de 30 ans"),)),
        ratio("part_60_plus", "Part des 60 ans ou plus en 2022",
              ["population_age_6074", "population_age_7589", "population_age_90p"], AGE_IDS, "2022", DOSSIER,
              "Share of the population aged 60 or more: (60-74 + 75-89 + 90+) / all ages x 100.",
              rows=(Row(AGES, "60 ans ou plus"),)),
        ratio("part_75_plus", "Part des 75 ans ou plus en 2022", ["population_age_7589", "population_age_90p"],
              AGE_IDS, "2022", DOSSIER, "Share of the population aged 75 or more: (75-89 + 90+) / all ages x 100.",
              rows=(Row(AGES, "75 ans ou plus"),)),
        ratio("indice_vieillissement", "Indice de vieillissement (60 ans ou plus pour 100 moins de 15 ans) en 2022",
              ["population_age_6074", "population_age_7589", "population_age_90p"], ["population_age_0014"],
              "2022", DOSSIER,
              "Ageing index, documented alternative: people aged 60+ per 100 under 15. INSEE's usual index "
              "(65+ per 100 under 20) cannot be computed: the source's age bands are 0-14, 15-29, 30-44, "
              "45-59, 60-74, 75-89, 90+.",
              unit="pour 100", decimals=0,
              rows=(Row(AGES, "Indice de vieillissement (60 ans ou plus pour 100 moins de 15 ans)"),)),
    ]


def _change() -> list[Indicator]:
    return [
        count("population_rp2011", "Population en 2011 (recensement)", _C, DOSSIER, "P11_POP", "2011",
              "Population 2011 (census RP2011, P11_POP of the dossier complet). Published for "
              "Essarts-en-Bocage together with L'Oie and Sainte-Florence (restored in 2022).", grouped=True),
        count("population_rp2016", "Population en 2016 (recensement)", _C, CMP22, "P16_POP", "2016",
              "Population 2016 (census RP2016, P16_POP of the comparateur RP2022, 2025 geography = 2026 in "
              "the region)."),
        count("population_rp2018", "Population en 2018 (recensement)", _C, CMP18, "P18_POP", "2018",
              "Population 2018 (census RP2018, P18_POP), 2021 geography mapped to the 2026 communes (merged "
              "communes summed).", grouped=True),
        Indicator(
            "population_variation_annuelle_rp",
            "Variation annuelle moyenne de la population entre deux recensements", "% par an", CMP22,
            "Average annual change of the census population between 1 January of two census years: "
            "((P_end / P_start)^(1/years) - 1) x 100, P_end = population 2022 (indicator 'population'), "
            "P_start = population_rp2011 (period '2011-2022', source dossier complet), population_rp2016 "
            "('2016-2022', comparateur RP2022) or population_rp2018 ('2018-2022', comparateur RP2018 mapped "
            "to 2026); numerator = P_end, denominator = P_start.",
            "growth", 2,
            rows=(Row(CHANGE, "Variation annuelle moyenne 2011-2022", "2011-2022"),
                  Row(CHANGE, "Variation annuelle moyenne 2016-2022", "2016-2022"))),
        Indicator(
            "variation_annuelle_solde_naturel", "Variation annuelle de la population due au solde naturel",
            "% par an", CMP22,
            "Part of the average annual change 2016-2022 due to the natural balance: 100 x (births - deaths) "
            "/ (6 x (P2016 + P2022) / 2); numerator = solde_naturel, denominator = person-years (6 x mean "
            "population). Births and deaths of the calendar years 2016 to 2021 (1 Jan 2016 - 1 Jan 2022).",
            "ratio", 2, rows=(Row(CHANGE, "dont due au solde naturel", "2016-2022"),)),
        Indicator(
            "variation_annuelle_solde_migratoire",
            "Variation annuelle de la population due au solde migratoire apparent", "% par an", CMP22,
            "Part of the average annual change 2016-2022 due to the apparent migration balance, INSEE's "
            "residual convention: population_variation_annuelle_rp (2016-2022) - "
            "variation_annuelle_solde_naturel, so that both parts add up to the total; numerator = "
            "solde_migratoire_apparent, denominator = person-years as for the natural part.",
            "ratio", 2, rows=(Row(CHANGE, "dont due au solde migratoire apparent", "2016-2022"),)),
        count("naissances", "Naissances entre 2016 et 2021", "naissances", CMP22, "NAIS1621", "2016-2022",
              "Births between 1 January 2016 and 1 January 2022 (état civil, NAIS1621), i.e. calendar years "
              "2016 to 2021; period labelled with the census dates it spans.",
              rows=(Row(CHANGE, "Naissances (2016 à 2021)"),)),
        count("deces", "Décès entre 2016 et 2021", "décès", CMP22, "DECE1621", "2016-2022",
              "Deaths between 1 January 2016 and 1 January 2022 (état civil, DECE1621).",
              rows=(Row(CHANGE, "Décès (2016 à 2021)"),)),
        count("solde_naturel", "Solde naturel 2016-2022", _C, CMP22, None, "2016-2022",
              "Natural balance: births minus deaths between 1 January 2016 and 1 January 2022 (NAIS1621 - "
              "DECE1621), per commune then summed.",
              rows=(Row(CHANGE, "Solde naturel 2016-2022", signed=True),)),
        count("solde_migratoire_apparent", "Solde migratoire apparent 2016-2022", _C, CMP22, None, "2016-2022",
              "Apparent migration balance: change of population between the censuses of 2016 and 2022 minus "
              "the natural balance (P22_POP - P16_POP - (NAIS1621 - DECE1621)); includes the statistical "
              "adjustment of the census, hence 'apparent'.",
              rows=(Row(CHANGE, "Solde migratoire apparent 2016-2022", signed=True),)),
    ]


def _households() -> list[Indicator]:
    families = ("couples with children + couples without child + single-parent families")
    return [
        count("menages", "Ménages en 2022", "ménages", CMP22, "P22_MEN", "2022",
              "Households 2022 (census, exploitation principale, P22_MEN).", rows=(Row(HOUSEHOLDS, "Ménages"),)),
        count("menages_personne_seule", "Ménages d'une personne en 2022", "ménages", DOSSIER, "C22_MENPSEUL", "2022",
              "One-person households (C22_MENPSEUL, exploitation complémentaire)."),
        count("menages_avec_famille", "Ménages avec famille(s) en 2022", "ménages", DOSSIER, "C22_MENFAM", "2022",
              "Households with at least one family (C22_MENFAM, exploitation complémentaire)."),
        count("familles_couples_avec_enfants", "Familles : couples avec enfant(s) en 2022", "familles", DOSSIER,
              "C22_COUPAENF", "2022", "Families: couples with child(ren) (C22_COUPAENF)."),
        count("familles_couples_sans_enfant", "Familles : couples sans enfant en 2022", "familles", DOSSIER,
              "C22_COUPSENF", "2022", "Families: couples without child (C22_COUPSENF)."),
        count("familles_monoparentales", "Familles monoparentales en 2022", "familles", DOSSIER, "C22_FAMMONO",
              "2022", "Single-parent families (C22_FAMMONO)."),
        count("menages_rp2018", "Ménages en 2018", "ménages", CMP18, "P18_MEN", "2018",
              "Households in 2018 (P18_MEN), mapped to 2026.", grouped=True),
        ratio("part_menages_personne_seule", "Part des ménages d'une personne en 2022", ["menages_personne_seule"],
              ["menages"], "2022", DOSSIER,
              "One-person households (C22_MENPSEUL, exploitation complémentaire) / households (P22_MEN, "
              "exploitation principale) x 100. The two exploitations differ slightly; the file has no C22_MEN.",
              rows=(Row(HOUSEHOLDS, "Part des ménages d'une personne"),)),
        ratio("part_menages_avec_famille", "Part des ménages avec famille(s) en 2022", ["menages_avec_famille"],
              ["menages"], "2022", DOSSIER,
              "Households with family (C22_MENFAM) / households (P22_MEN) x 100; same caveat as "
              "part_menages_personne_seule.",
              rows=(Row(HOUSEHOLDS, "Part des ménages avec famille(s)"),)),
        ratio("part_familles_couples_avec_enfants", "Part des couples avec enfant(s) parmi les familles en 2022",
              ["familles_couples_avec_enfants"], FAMILIES, "2022", DOSSIER,
              f"familles_couples_avec_enfants / all families ({families}) x 100.",
              rows=(Row(HOUSEHOLDS, "Couples avec enfant(s), part des familles"),)),
        ratio("part_familles_couples_sans_enfant", "Part des couples sans enfant parmi les familles en 2022",
              ["familles_couples_sans_enfant"], FAMILIES, "2022", DOSSIER,
              f"familles_couples_sans_enfant / all families ({families}) x 100.",
              rows=(Row(HOUSEHOLDS, "Couples sans enfant, part des familles"),)),
        ratio("part_familles_monoparentales", "Part des familles monoparentales parmi les familles en 2022",
              ["familles_monoparentales"], FAMILIES, "2022", DOSSIER,
              f"familles_monoparentales / all families ({families}) x 100.",
              rows=(Row(HOUSEHOLDS, "Familles monoparentales, part des familles"),)),
    ]


def _housing() -> list[Indicator]:
    return [
        count("logements", "Logements en 2022", "logements", CMP22, "P22_LOG", "2022", "Dwellings (P22_LOG).",
              rows=(Row(HOUSING, "Logements"),)),
        count("residences_principales", "Résidences principales en 2022", "logements", CMP22, "P22_RP", "2022",
              "Main residences (P22_RP)."),
        count("residences_secondaires", "Résidences secondaires et logements occasionnels en 2022", "logements",
              CMP22, "P22_RSECOCC", "2022", "Second homes and occasional dwellings (P22_RSECOCC)."),
        count("logements_vacants", "Logements vacants en 2022", "logements", CMP22, "P22_LOGVAC", "2022",
              "Vacant dwellings (P22_LOGVAC)."),
        count("residences_principales_proprietaires", "Résidences principales occupées par leur propriétaire en 2022",
              "logements", CMP22, "P22_RP_PROP", "2022", "Owner-occupied main residences (P22_RP_PROP)."),
        count("logements_rp2018", "Logements en 2018", "logements", CMP18, "P18_LOG", "2018",
              "Dwellings in 2018 (P18_LOG), mapped to 2026.", grouped=True),
        count("logements_vacants_rp2018", "Logements vacants en 2018", "logements", CMP18, "P18_LOGVAC", "2018",
              "Vacant dwellings in 2018 (P18_LOGVAC), mapped to 2026.", grouped=True),
        ratio("part_residences_principales", "Part des résidences principales en 2022", ["residences_principales"],
              ["logements"], "2022", CMP22, "Main residences / dwellings x 100.",
              rows=(Row(HOUSING, "Part des résidences principales"),)),
        ratio("part_residences_secondaires", "Part des résidences secondaires et logements occasionnels en 2022",
              ["residences_secondaires"], ["logements"], "2022", CMP22,
              "Second homes and occasional dwellings / dwellings x 100.",
              rows=(Row(HOUSING, "Part des résidences secondaires et logements occasionnels"),)),
        ratio("part_logements_vacants", "Part des logements vacants en 2022", ["logements_vacants"], ["logements"],
              "2022", CMP22, "Vacant dwellings / dwellings x 100.",
              rows=(Row(HOUSING, "Part des logements vacants"),)),
        ratio("part_logements_vacants_rp2018", "Part des logements vacants en 2018", ["logements_vacants_rp2018"],
              ["logements_rp2018"], "2018", CMP18, "Vacant dwellings / dwellings in 2018 x 100 (RP2018 mapped to 2026).",
              rows=(Row(HOUSING, "Part des logements vacants en 2018"),)),
        ratio("part_proprietaires", "Part des résidences principales occupées par leur propriétaire en 2022",
              ["residences_principales_proprietaires"], ["residences_principales"], "2022", CMP22,
              "Owner-occupied main residences / main residences x 100.",
              rows=(Row(HOUSING, "Part des résidences principales occupées par leur propriétaire"),)),
    ]


def _activity() -> list[Indicator]:
    return [
        ratio("taux_activite_1564", "Taux d'activité des 15-64 ans en 2022", ["actifs_1564"], ["population_1564"],
              "2022", CMP22, "Activity rate 15-64 (census): actifs 15-64 / population 15-64 x 100.",
              rows=(Row(ACTIVITY, "Taux d'activité des 15-64 ans"),)),
        ratio("taux_activite_1564_rp2018", "Taux d'activité des 15-64 ans en 2018", ["actifs_1564_rp2018"],
              ["population_1564_rp2018"], "2018", CMP18, "Activity rate 15-64 in 2018 (RP2018 mapped to 2026).",
              rows=(Row(ACTIVITY, "Taux d'activité des 15-64 ans en 2018"),)),
        ratio("taux_chomage_rp_1564", "Taux de chômage des 15-64 ans en 2022 (recensement)", ["chomeurs_1564"],
              ["actifs_1564"], "2022", CMP22,
              "Unemployment rate 15-64, census definition: chômeurs 15-64 / actifs 15-64 x 100 (not the ILO "
              "localised rate).",
              rows=(Row(ACTIVITY, "Taux de chômage des 15-64 ans"),)),
        ratio("taux_chomage_rp_1564_rp2018", "Taux de chômage des 15-64 ans en 2018 (recensement)",
              ["chomeurs_1564_rp2018"], ["actifs_1564_rp2018"], "2018", CMP18,
              "Unemployment rate 15-64 in 2018, census definition (RP2018 mapped to 2026).",
              rows=(Row(ACTIVITY, "Taux de chômage des 15-64 ans en 2018"),)),
        *[ratio(f"taux_chomage_rp_{b}", f"Taux de chômage des {short} en 2022 (recensement)", [f"chomeurs_{b}"],
                [f"actifs_{b}"], "2022", DOSSIER,
                f"Unemployment rate {short}, census definition: chomeurs_{b} / actifs_{b} x 100. The activity "
                "rate by age band cannot be computed: the source has no population aged 15-24, 25-54, 55-64.",
                rows=(Row(ACTIVITY, f"Taux de chômage des {short}"),))
          for b, _lab, short in ACTIVITY_BANDS],
        count("actifs_1564", "Actifs de 15 à 64 ans en 2022", "actifs", CMP22, "P22_ACT1564", "2022",
              "Active population aged 15-64, employed or unemployed (census, P22_ACT1564).",
              rows=(Row(ACTIVITY, "Actifs de 15 à 64 ans"),)),
        *[count(f"actifs_{b}", f"Actifs de {lab} en 2022", "actifs", DOSSIER, f"P22_ACT{b}", "2022",
                f"Active population aged {lab} (P22_ACT{b}).", rows=(Row(ACTIVITY, f"dont {short}"),))
          for b, lab, short in ACTIVITY_BANDS],
        count("chomeurs_1564", "Chômeurs de 15 à 64 ans en 2022 (recensement)", "chômeurs", CMP22, "P22_CHOM1564",
              "2022", "Unemployed aged 15-64, census definition (self-declared; P22_CHOM1564).",
              rows=(Row(ACTIVITY, "Chômeurs de 15 à 64 ans"),)),
        *[count(f"chomeurs_{b}", f"Chômeurs de {lab} en 2022 (recensement)", "chômeurs", DOSSIER, f"P22_CHOM{b}",
                "2022", f"Unemployed aged {lab}, census definition (P22_CHOM{b}).")
          for b, lab, _short in ACTIVITY_BANDS],
        count("population_1564", "Population de 15 à 64 ans en 2022", _C, CMP22, "P22_POP1564", "2022",
              "Population aged 15-64 (P22_POP1564)."),
        count("actifs_occupes_1564", "Actifs occupés de 15 à 64 ans en 2022", "actifs occupés", CMP22, None, "2022",
              "Employed residents aged 15-64: P22_ACT1564 - P22_CHOM1564."),
        count("population_1564_rp2018", "Population de 15 à 64 ans en 2018", _C, CMP18, "P18_POP1564", "2018",
              "Population aged 15-64 in 2018 (P18_POP1564), mapped to 2026.", grouped=True),
        count("actifs_1564_rp2018", "Actifs de 15 à 64 ans en 2018", "actifs", CMP18, "P18_ACT1564", "2018",
              "Active population aged 15-64 in 2018 (P18_ACT1564), mapped to 2026.", grouped=True),
        count("chomeurs_1564_rp2018", "Chômeurs de 15 à 64 ans en 2018 (recensement)", "chômeurs", CMP18,
              "P18_CHOM1564", "2018", "Unemployed aged 15-64 in 2018, census definition (P18_CHOM1564).",
              grouped=True),
    ]


def _jobs() -> list[Indicator]:
    return [
        count("emplois_rp2018", "Emplois au lieu de travail en 2018", "emplois", CMP18, "P18_EMPLT", "2018",
              "Jobs at place of work in 2018 (P18_EMPLT), mapped to 2026.", grouped=True,
              rows=(Row(JOBS, "Emplois au lieu de travail en 2018"),)),
        count("emplois_lt", "Emplois au lieu de travail en 2022", "emplois", CMP22, "P22_EMPLT", "2022",
              "Jobs at place of work (P22_EMPLT). The file gives 0 jobs to L'Oie and Sainte-Florence (restored "
              "in 2022), whose jobs are counted with Essarts-en-Bocage: grouped.", grouped=True,
              rows=(Row(JOBS, "Emplois au lieu de travail en 2022"),)),
        Indicator(
            "emplois_variation_annuelle", "Variation annuelle moyenne des emplois au lieu de travail",
            "% par an", CMP18,
            "Average annual change of the jobs at place of work between 2018 (emplois_rp2018, RP2018 mapped "
            "to 2026) and 2022 (emplois_lt): ((E2022 / E2018)^(1/4) - 1) x 100; period '2018-2022'.",
            "growth", 2, rows=(Row(JOBS, "Variation annuelle moyenne 2018-2022", "2018-2022"),)),
        count("emplois_salaries_lt", "Emplois salariés au lieu de travail en 2022", "emplois", CMP22,
              "P22_EMPLT_SAL", "2022", "Salaried jobs at place of work (P22_EMPLT_SAL); grouped as emplois_lt.",
              grouped=True, rows=(Row(JOBS, "dont emplois salariés en 2022"),)),
        ratio("concentration_emploi", "Indicateur de concentration d'emploi en 2022", ["emplois_lt"],
              ["actifs_occupes_1564"], "2022", CMP22,
              "Jobs at place of work per 100 employed residents: P22_EMPLT / (P22_ACT1564 - P22_CHOM1564) x "
              "100. INSEE's indicator uses employed residents aged 15 or more; the source only has 15-64, so "
              "this ratio is slightly higher than INSEE's.",
              unit="emplois pour 100 actifs occupés", decimals=0,
              rows=(Row(JOBS, "Emplois pour 100 actifs occupés résidents (15-64 ans)"),)),
    ]


def _income() -> list[Indicator]:
    return [
        Indicator("revenu_median", "Revenu disponible médian par unité de consommation en 2021", "€", CMP22,
                  "Median disposable income per consumption unit (Filosofi 2021, MED21). Not additive: "
                  "published for the commune set only (status of the source: secret 's', missing 'nd' or "
                  "empty); every other territory is 'missing' with a note. Never averaged.",
                  "none", 0, period="2021", column="MED21"),
        Indicator("taux_pauvrete", "Taux de pauvreté en 2021", "%", CMP22,
                  "Poverty rate at 60 % of the median (Filosofi 2021, TP6021), published by INSEE as a whole "
                  "percentage. Not additive: commune set only, as revenu_median.",
                  "none", 0, period="2021", column="TP6021"),
    ]


INDICATORS: list[Indicator] = [*_series(), *_ages(), *_change(), *_households(), *_housing(), *_activity(),
                               *_jobs(), *_income()]

# Growth rates between two summed values: id -> list of (period, start (id, period), end (id, period), years, source)
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

_growth = {i.id for i in INDICATORS if i.aggregation == "growth"}
if not set(GROWTH) <= _growth:
    raise ValueError(f"population GROWTH names {sorted(set(GROWTH) - _growth)}, not declared with "
                     "aggregation 'growth' in population_indicators.INDICATORS")
