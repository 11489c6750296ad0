"""Employment and labour market (issue 5): private salaried jobs, job seekers, recruitment projects,
localised unemployment rates, occupations in shortage.

How each family is computed (SQL in ``portraits/sql/emploi_*.sql``):

* **Counts by commune** (URSSAF jobs 2015-2025, sectors and establishments 2025, DARES job seekers
  A+B+C 2015-2024) are summed over the territories by ``emploi_aggregate.sql``, with the rules of
  ``aggregate.sql`` plus two documented cases:

  - the 15 communes absent from the URSSAF file ("no declaring private employer", all years) are
    ``none``: their own observation is ``missing``, but they do not make a larger territory's total
    unknown; the note counts them;
  - L'Oie (85165) and Sainte-Florence (85212), restored in 2022 from the commune nouvelle
    Essarts-en-Bocage (85084) (:data:`portraits.geography.KNOWN_SPLITS`), have no job-seeker value in
    the DARES file. Essarts-en-Bocage's value is very probably theirs too: 505 job seekers in 2024 are
    7.4 % of its own population but 5.4 % of the three communes' population, in line with the other
    communes of its EPCI (3.7 % to 6.4 %). So a territory holding the three communes is ``ok`` (note),
    a territory holding 85165 or 85212 without 85084 is ``missing``, and one holding 85084 alone gets
    a note. Job-seeker counts are rounded to 5 by DARES (said in the description and the portrait).

* **Changes** (``*_evol_*``) and **sector shares** are recomputed from the summed counts
  (``emploi_derived.sql``).

* **Job seekers by sex, age and registration length** (December 2018 and 2019) exist by EPCI only:
  ``emploi_epci.sql`` gives a value to territories made of whole EPCI, ``missing`` with a note
  otherwise. The files use the EPCI of 1 January 2020: :data:`EPCI_2020_CHANGES` lists the two
  communes whose EPCI differs in COG 2026 (checked against the mirror's 2020 composition by
  ``tests/test_theme_emploi.py``).

* **BMO 2024 recruitment projects** are published by employment basin: ``emploi_bmo.sql`` attributes
  them to territories in proportion to the 2022 population of the basin's communes (``estimate``;
  exact, ``ok``, for territories made of whole basins: the ``bassin_bmo`` set, départements,
  region). Over every partition set the attributed values add up to the regional total (187,291
  projects in 2024, secret ``*`` cells excluded). The shares of difficult and seasonal projects are
  published difficult (seasonal) projects over published projects (59.4 % and 32.9 % for the
  region, as France Travail's totals): a ``*`` under a published project count is a small number
  that adds nothing to the numerator; dropping those cells from the denominator too would push the
  seasonal share to 50 %. The projects **by occupation** are one indicator
  per FAP-2021 code of the file (``projets_recrutement_metier_<code>`` and
  ``projets_recrutement_difficiles_part_metier_<code>``), catalogued from the data by
  ``emploi_bmo.sql`` (labels of the file), for every set but ``commune``: a commune's figure would only
  be its basin's scaled by population, and the 2 x 216 series would add about 300,000 rows.

* **Localised unemployment rates** (``emploi_chomage.sql``): exact for zones d'emploi (region part of
  the two interregional zones), départements and region; elsewhere an average of the zones' rates
  weighted by the active population 15-64 (census 2022) of the territory in each zone
  (``estimate``, zones listed in the note). Periods ``YYYY-Tq``.

* **Occupations in shortage** (``emploi_tension.sql``): the regional list of the arrêté of
  1 March 2024, as one observation of the region (count; the list in the note).

Periods: ``YYYY`` (URSSAF: 31 December; DARES: 4th quarter average), ``YYYY-12`` (EPCI files, end of
December), ``YYYY-Tq`` (unemployment rates), ``YYYY-YYYY`` (changes).
"""

from __future__ import annotations

import pandas as pd

from ..geography import KNOWN_SPLITS
from ..indicators import Indicator
from ..warehouse import run_sql_file

ID = "emploi"
SOURCES = [
    "urssaf_effectifs_commune", "urssaf_secteurs_2025", "dares_defm_communes", "pe_defm_epci_2018",
    "pe_defm_epci_2019", "bmo_2024", "bmo_bassins", "insee_chomage_ze", "insee_chomage_ze_parties",
    "insee_chomage_dep_reg", "insee_comparateur_2022", "insee_pop_historiques",
    "metiers_en_tension_2024", "dares_tensions_2019", "cog_epci_2026",
]

#: Communes (code on 1 January 2020) whose EPCI of 1 January 2020 differs from the EPCI of their
#: COG 2026 commune: code -> SIREN of the 2020 EPCI. From ``france_travail/epci_composition_2020_pdl.csv``
#: of the mirror compared with COG 2026 (Fatines joined Le Mans Métropole; Saint-Sigismond, of the CC
#: des Vallées du Haut-Anjou, is now part of Ingrandes-le-Fresne-sur-Loire, CC du Pays d'Ancenis).
EPCI_2020_CHANGES: dict[str, str] = {
    "72129": "200072684",  # Fatines: CC Le Gesnois Bilurien in 2020, CU Le Mans Métropole in 2026
    "49321": "200071868",  # Saint-Sigismond: CC des Vallées du Haut-Anjou in 2020
}

#: URSSAF grand secteur code -> indicator suffix (labels of sources.urssaf.SECTORS)
SECTORS: dict[str, tuple[str, str]] = {
    "GS1": ("industrie", "Industrie"),
    "GS2": ("construction", "Construction"),
    "GS3": ("commerce", "Commerce"),
    "GS4": ("hotellerie_restauration", "Hôtellerie-restauration"),
    "GS5": ("services_marchands", "Autres services marchands (hors intérim)"),
    "GS6": ("interim", "Intérim"),
    "GS7": ("services_non_marchands", "Services non marchands"),
}

FAP_PREFIX = "projets_recrutement_metier_"
FAP_DIFFICULT_PREFIX = "projets_recrutement_difficiles_part_metier_"
#: indicators generated from the data (one per occupation of the BMO file, catalogued by emploi_bmo.sql)
GENERATED_PREFIXES = [FAP_PREFIX, FAP_DIFFICULT_PREFIX]

_JOBS = ("Private-sector salaried employees at 31 December at their place of work (URSSAF, régime "
         "général: agriculture excluded; temp workers counted where their agency is; apprentices "
         "counted from 2023)")
_DEFM = ("Job seekers registered at France Travail in categories A, B or C, living in the territory, "
         "average of the 4th quarter, raw data, commune counts rounded to the nearest 5 by DARES")
_EPCI = ("from the Pôle emploi files by EPCI (categories A, B, C, end of December), for territories "
         "made of whole EPCI only (see portraits/themes/emploi.py); missing elsewhere")
_BMO = ("BMO survey (France Travail), projects for the year, published by employment basin; attributed "
        "to the territory in proportion to the 2022 population of each basin's communes (estimate; "
        "exact for territories made of whole basins); secret '*' cells excluded")


def _change(base_id: str, label: str, span: str, source: str, what: str) -> Indicator:
    return Indicator(
        f"{base_id}_evol_{span}", label, "%", source,
        f"Change of {what} over the period 'YYYY-YYYY': (V_end / V_start - 1) x 100, from the values "
        "summed over the communes; numerator = V_end, denominator = V_start.",
        "growth", 1,
    )


INDICATORS: list[Indicator] = [
    Indicator("emplois_salaries_prives", "Emplois salariés du secteur privé", "salariés",
              "urssaf_effectifs_commune", _JOBS + ", summed over the communes; one observation per year "
              "2015-2025. Communes absent from the file (no declaring employer) add nothing (note).",
              "sum"),
    _change("emplois_salaries_prives", "Évolution des emplois salariés privés sur 1 an", "1an",
            "urssaf_effectifs_commune", "private salaried jobs over the last year"),
    _change("emplois_salaries_prives", "Évolution des emplois salariés privés sur 5 ans", "5ans",
            "urssaf_effectifs_commune", "private salaried jobs over 5 years"),
    _change("emplois_salaries_prives", "Évolution des emplois salariés privés sur 10 ans", "10ans",
            "urssaf_effectifs_commune", "private salaried jobs over 10 years"),
    *[Indicator(f"emplois_salaries_prives_{suffix}", f"Emplois salariés privés : {label}", "salariés",
                "urssaf_secteurs_2025", f"{_JOBS}, URSSAF grand secteur {code} ({label}), summed over the "
                "communes (2025).", "sum")
      for code, (suffix, label) in SECTORS.items()],
    *[Indicator(f"emplois_salaries_prives_{suffix}_part", f"Part des emplois salariés privés : {label}", "%",
                "urssaf_secteurs_2025", f"Share of grand secteur {code} in the private salaried jobs "
                "(numerator = the sector, denominator = the sum of the 7 sectors, both summed over the "
                "communes), 2025.", "ratio", 1)
      for code, (suffix, label) in SECTORS.items()],
    Indicator("etablissements_employeurs", "Établissements employeurs du secteur privé", "établissements",
              "urssaf_secteurs_2025", "Private-sector employer establishments (URSSAF contribution "
              "accounts) in the 7 grand secteurs, summed over the communes (2025).", "sum"),
    Indicator("demandeurs_emploi_abc", "Demandeurs d'emploi en catégories A, B, C", "demandeurs d'emploi",
              "dares_defm_communes", _DEFM + ", summed over the communes; one observation per year "
              "2015-2024. L'Oie and Sainte-Florence are probably counted with Essarts-en-Bocage (note).",
              "sum"),
    _change("demandeurs_emploi_abc", "Évolution des demandeurs d'emploi (A, B, C) sur 1 an", "1an",
            "dares_defm_communes", "job seekers A+B+C over the last year"),
    _change("demandeurs_emploi_abc", "Évolution des demandeurs d'emploi (A, B, C) sur 5 ans", "5ans",
            "dares_defm_communes", "job seekers A+B+C over 5 years"),
    _change("demandeurs_emploi_abc", "Évolution des demandeurs d'emploi (A, B, C) depuis 2015", "longue",
            "dares_defm_communes", "job seekers A+B+C since the first year of the series"),
    Indicator("demandeurs_emploi_abc_decembre", "Demandeurs d'emploi A, B, C fin décembre (fichiers par EPCI)",
              "demandeurs d'emploi", "pe_defm_epci_2019", "Job seekers A+B+C at the end of December (period "
              "'YYYY-12'), " + _EPCI + ". Denominator of the breakdown shares.", "sum"),
    Indicator("demandeurs_emploi_abc_femmes", "Demandeuses d'emploi (femmes, A, B, C)", "demandeurs d'emploi",
              "pe_defm_epci_2019", "Women among the job seekers A+B+C, " + _EPCI + ".", "sum"),
    Indicator("demandeurs_emploi_abc_hommes", "Demandeurs d'emploi hommes (A, B, C)", "demandeurs d'emploi",
              "pe_defm_epci_2019", "Men among the job seekers A+B+C, " + _EPCI + ".", "sum"),
    Indicator("demandeurs_emploi_abc_moins_25ans", "Demandeurs d'emploi de moins de 25 ans (A, B, C)",
              "demandeurs d'emploi", "pe_defm_epci_2019",
              "Job seekers A+B+C under 25 (men + women), " + _EPCI + ".", "sum"),
    Indicator("demandeurs_emploi_abc_25_49ans", "Demandeurs d'emploi de 25 à 49 ans (A, B, C)",
              "demandeurs d'emploi", "pe_defm_epci_2019",
              "Job seekers A+B+C aged 25 to 49 (men + women), " + _EPCI + ".", "sum"),
    Indicator("demandeurs_emploi_abc_50ans_plus", "Demandeurs d'emploi de 50 ans ou plus (A, B, C)",
              "demandeurs d'emploi", "pe_defm_epci_2019",
              "Job seekers A+B+C aged 50 or more (men + women), " + _EPCI + ".", "sum"),
    Indicator("demandeurs_emploi_abc_inscrits_1an_plus", "Demandeurs d'emploi inscrits depuis 1 an ou plus (A, B, C)",
              "demandeurs d'emploi", "pe_defm_epci_2019",
              "Job seekers A+B+C registered for 12 months or more (long-term), " + _EPCI + ".", "sum"),
    Indicator("demandeurs_emploi_abc_inscrits_2ans_plus", "Demandeurs d'emploi inscrits depuis 2 ans ou plus (A, B, C)",
              "demandeurs d'emploi", "pe_defm_epci_2019",
              "Job seekers A+B+C registered for 24 months or more (very long-term), " + _EPCI + ".", "sum"),
    *[Indicator(f"demandeurs_emploi_abc_{key}_part", f"Part des demandeurs d'emploi A, B, C : {label}", "%",
                "pe_defm_epci_2019", f"Share of {what} among the job seekers A+B+C at the end of December "
                "(numerator / demandeurs_emploi_abc_decembre, both summed over the EPCI), " + _EPCI + ".",
                "ratio", 1)
      for key, label, what in [
          ("femmes", "femmes", "women"), ("moins_25ans", "moins de 25 ans", "those under 25"),
          ("25_49ans", "25 à 49 ans", "those aged 25-49"), ("50ans_plus", "50 ans ou plus", "those aged 50+"),
          ("inscrits_1an_plus", "inscrits depuis 1 an ou plus", "those registered for 12 months or more"),
          ("inscrits_2ans_plus", "inscrits depuis 2 ans ou plus", "those registered for 24 months or more"),
      ]],
    Indicator("projets_recrutement", "Projets de recrutement", "projets", "bmo_2024",
              "Recruitment projects of employers for the year, " + _BMO + ". Sums to 187,291 for the "
              "region in 2024.", "sum"),
    Indicator("projets_recrutement_difficiles_part", "Part des projets de recrutement jugés difficiles", "%",
              "bmo_2024", "Projects the employers expect to be difficult / all projects (x 100), over the "
              "basin x occupation cells where both counts are published (a '*' marks too few answers, "
              "not a small number); with secret cells the status is 'estimate' and the note gives the "
              "share of projects covered and the bounds of the true share (see "
              "portraits/sql/emploi_bmo.sql); numerator and denominator attributed like "
              "projets_recrutement.", "ratio", 1),
    Indicator("projets_recrutement_saisonniers_part", "Part des projets de recrutement saisonniers", "%",
              "bmo_2024", "Seasonal projects / all projects (x 100), over the cells where both counts are "
              "published, with the same status and bounds as the difficult projects' share (region "
              "2024: 50.0 % of the covered projects, true share between 32.9 % and 67.0 %); numerator "
              "and denominator attributed like projets_recrutement.", "ratio", 1),
    Indicator("taux_chomage_localise", "Taux de chômage localisé", "%", "insee_chomage_ze",
              "INSEE localised unemployment rate, quarterly average, seasonally adjusted (period "
              "'YYYY-Tq'). Published for zones d'emploi (to 2023-T3; region part of the interregional "
              "zones), départements and region (source insee_chomage_dep_reg, to 2024-T4). Other "
              "territories: estimate = rates of the zones d'emploi weighted by the active population "
              "15-64 (census 2022, insee_comparateur_2022) of the territory in each zone; numerator = "
              "sum of rate x active population / 100, denominator = active population; zones in the note.",
              "ratio", 1),
    Indicator("metiers_en_tension", "Métiers en tension (liste réglementaire)", "métiers",
              "metiers_en_tension_2024", "Number of occupations (FAP-2009) on the official list of "
              "occupations in shortage for the region (arrêté of 1 March 2024, regional and national "
              "entries); region only. The note lists them as 'label [code, tension 2019 : c/5]' (DARES "
              "2019 regional tension category, dares_tensions_2019), separated by ' ; '.",
              "list"),
]


def _splits_frame() -> pd.DataFrame:
    rows = [(code, parent, info.get("year")) for parent, info in KNOWN_SPLITS.items()
            for code in info.get("restored", ())]
    return pd.DataFrame(rows, columns=["commune_code", "parent_code", "year"]).astype(
        {"commune_code": "string", "parent_code": "string", "year": "Int64"})


def _epci_changes_frame() -> pd.DataFrame:
    return pd.DataFrame(sorted(EPCI_2020_CHANGES.items()), columns=["commune_code", "epci_siren"]).astype("string")


def check_commune_codes(con) -> list[str]:
    """Commune codes of the employment files that are not communes of the region (COG 2026), once
    the codes merged since the file's geography are mapped (ref.commune_history)."""
    rows = con.execute(
        """select t, commune_code from (
               select 'urssaf_effectifs_commune' as t, commune_code from raw.urssaf_effectifs_commune
               union select 'urssaf_secteurs_2025', commune_code from raw.urssaf_secteurs_2025
               union select 'defm_communes', commune_code from raw.defm_communes) r
           left join ref.commune_history h on h.old_code = r.commune_code
           where coalesce(h.new_code, r.commune_code) not in (select commune_code from ref.commune where in_region)
           order by 1, 2 limit 20""").fetchall()
    return [f"raw.{t}: commune {c} is not a 2026 commune of the region" for t, c in rows]


def _sectors_frame() -> pd.DataFrame:
    return pd.DataFrame([(code, f"emplois_salaries_prives_{suffix}") for code, (suffix, _) in SECTORS.items()],
                        columns=["sector_code", "indicator_id"]).astype("string")


def _run(con, name: str, **frames: pd.DataFrame) -> None:
    """Run ``portraits/sql/<name>.sql`` with small constant tables registered as views."""
    for view, frame in frames.items():
        con.register(view, frame)
    try:
        run_sql_file(con, name)
    finally:
        for view in frames:
            con.unregister(view)


def commune_values(con) -> None:
    problems = check_commune_codes(con)
    if problems:  # a code neither of 2026 nor mapped to 2026: stop, naming it
        raise ValueError("employment sources out of the 2026 geography: " + "; ".join(problems))
    _run(con, "emploi_commune_values", emploi_splits=_splits_frame(), emploi_sectors=_sectors_frame())


def derived(con) -> None:
    _run(con, "emploi_aggregate")
    _run(con, "emploi_derived", emploi_sectors=_sectors_frame())
    _run(con, "emploi_epci", emploi_epci_changes=_epci_changes_frame())
    _run(con, "emploi_bmo")
    _run(con, "emploi_chomage")
    _run(con, "emploi_tension")
