"""Which parser reads which dataset, and the ``raw`` table it lands in.

The pipeline ingests every entry of :data:`SOURCES` (one Dagster asset each). A parser takes the
local path of the retrieved file and returns a DataFrame whose columns are documented in its module;
it raises :class:`sources.errors.SourceFormatError` on bad input.

Datasets published as several files (one per cohort, year or network) list them in ``files``:
``(key, mirror_path, url)``; their parser receives ``[(key, path), …]`` and returns one table.
GeoDataFrames are stored with their geometry as WKB (column ``geometry_wkb``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import pandas as pd

from . import (annuaire_education, bmo, census, chomage, clpe, cog, cog_history, contours, dares, dila,
               france_travail, inserjeunes, ofa, orion, parcoursup, populations, urssaf, zonages)


@dataclass(frozen=True)
class SourceSpec:
    dataset_id: str
    table: str  # table name in the ``raw`` schema
    parse: Callable[..., pd.DataFrame]
    description: str
    files: tuple[tuple[str, str, str], ...] = ()  # multi-file datasets: (key, mirror_path, url)


def _concat(parse_one, key_column: str | None = None):
    """Parser of a multi-file dataset: parse each file, add its key, concatenate."""

    def parse_many(items):
        frames = []
        for key, path in items:
            df = parse_one(path, key)
            if key_column and key_column not in df.columns:
                df[key_column] = key
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    return parse_many


_TJP = "https://raw.githubusercontent.com/mission-apprentissage/tjp-pilotage/f1c9eb234470d26e09d23009b7ce30f7dd94a030/server/static/files/"
_OFA = ("https://raw.githubusercontent.com/mission-apprentissage/flux-retour-cfas/"
        "12cb59e9b2100bd2f17e110d8d476e63cdf079b5/server/static/reseaux/referentiel-reseau-{}.csv")
OFA_NETWORKS = ("aden", "aftral", "agri", "amue", "cci", "cfa-ec", "cma", "compagnons-du-devoir",
                "compagnons-du-tour-de-france", "eduservice", "en", "greta", "mfr", "uimm")
_PE_EPCI = ("https://raw.githubusercontent.com/pauldechorgnat/data-chomage/"
            "c7ca3396b0924e6a2fc98ec6d88a5ac4b5966a4e/clean_data/{kind}/{year}.csv")


def _defm_epci_files(year: int):
    return tuple((kind, path, _PE_EPCI.format(kind=kind, year=year))
                 for kind, path in france_travail.defm_epci_files(year).items())


SOURCES: list[SourceSpec] = [
    # --- geography and territories (foundation, issue 3)
    SourceSpec("cog_communes_2026", "cog_communes_2026", partial(cog.parse_communes, dataset_id="cog_communes_2026"),
               "Communes of COG 2026 (current, delegated, associated) with population municipale 2023."),
    SourceSpec("cog_epci_2026", "cog_epci_2026", partial(cog.parse_epci, dataset_id="cog_epci_2026"),
               "EPCI of 2026 and their member communes (including members outside the region)."),
    SourceSpec("cog_departements_2026", "cog_departements_2026",
               partial(cog.parse_simple, dataset_id="cog_departements_2026"), "Départements of 2026."),
    SourceSpec("cog_regions_2026", "cog_regions_2026", partial(cog.parse_simple, dataset_id="cog_regions_2026"),
               "Régions of 2026."),
    SourceSpec("cog_communes_2024", "cog_communes_2024", partial(cog.parse_communes, dataset_id="cog_communes_2024"),
               "Communes of COG 2024 (for definitions written in COG 2024 and the commune history)."),
    SourceSpec("cog_epci_2024", "cog_epci_2024", partial(cog.parse_epci, dataset_id="cog_epci_2024"),
               "EPCI of 2024 and their member communes (definitions written in COG 2024)."),
    SourceSpec("insee_v_commune_2024", "v_commune_2024", cog_history.parse_v_commune,
               "INSEE v_commune_2024: current, delegated and associated communes of COG 2024."),
    SourceSpec("clpe_communes", "clpe_communes", clpe.parse,
               "France Travail CLPE referential: commune → local territory (Clefop perimeters)."),
    SourceSpec("contours_communes_2024", "contours_communes_2024", contours.parse_communes,
               "IGN ADMIN EXPRESS commune contours 2024 (simplified), geometry as WKB."),
    SourceSpec("contours_departements_2024", "contours_departements_2024", contours.parse_departements,
               "IGN ADMIN EXPRESS département contours 2024 (simplified)."),
    SourceSpec("contours_region_2024", "contours_region_2024", contours.parse_region,
               "IGN ADMIN EXPRESS region contour 2024 (simplified)."),
    SourceSpec("insee_zonages_2024", "zonages_2024", zonages.parse,
               "INSEE table d'appartenance 2024: zones d'emploi 2020, bassins de vie 2022, … (2024 geography)."),
    # --- population and census (issue 4)
    SourceSpec("insee_pop_historiques", "population_historique", populations.parse,
               "INSEE municipal populations 2010, 2015, 2020-2022 by commune, 2026 geography."),
    SourceSpec("insee_dossier_complet_2022", "census_dossier_complet_2022", census.parse_dossier_complet,
               "Census 2022 by commune (dossier complet subset): age bands, households, activity by age; long table."),
    SourceSpec("insee_comparateur_2022", "census_comparateur_2022", census.parse_comparateur_2022,
               "Comparateur de territoires RP2022: area, births/deaths, housing, jobs, income; long table."),
    SourceSpec("insee_comparateur_2018", "census_comparateur_2018", census.parse_comparateur_2018,
               "Comparateur de territoires RP2018 in 2021 geography; long table."),
    # --- employment (issue 5)
    SourceSpec("urssaf_effectifs_commune", "urssaf_effectifs_commune", urssaf.parse_effectifs_commune,
               "URSSAF private-sector salaried headcount by commune, 2015-2025."),
    SourceSpec("urssaf_secteurs_2025", "urssaf_secteurs_2025", urssaf.parse_secteurs,
               "URSSAF headcount and establishments by commune x 7 sectors, 2025."),
    SourceSpec("dares_defm_communes", "defm_communes", france_travail.parse_defm_communes,
               "Job seekers A+B+C by commune of residence, Q4 average, 2015-2024 (rounded to 5)."),
    SourceSpec("pe_defm_epci_2018", "defm_epci_2018",
               _concat(lambda p, kind: france_travail.parse_defm_epci(p, year=2018)),
               "Job seekers by EPCI, December 2018, by sex/age/diploma/registration length.",
               files=_defm_epci_files(2018)),
    SourceSpec("pe_defm_epci_2019", "defm_epci_2019",
               _concat(lambda p, kind: france_travail.parse_defm_epci(p, year=2019)),
               "Job seekers by EPCI, December 2019, by sex/age/diploma/registration length.",
               files=_defm_epci_files(2019)),
    SourceSpec("pe_agences_2019", "pe_agences_2019", france_travail.parse_agencies,
               "Pôle emploi (France Travail) sites of the region, November 2019."),
    SourceSpec("bmo_2024", "bmo_2024", bmo.parse_bmo,
               "BMO 2024 recruitment projects by employment basin x occupation (FAP-2021)."),
    SourceSpec("bmo_bassins", "bmo_bassins", bmo.parse_basin_communes,
               "Commune → France Travail employment basin (BMO 2024), COG ~2021."),
    SourceSpec("fap_2021", "fap_2021", bmo.parse_fap, "FAP-2021 occupation families (DARES)."),
    SourceSpec("insee_chomage_ze", "chomage_ze", chomage.parse_ze_rates,
               "Localised unemployment rates by zone d'emploi 2020, quarterly 2003-2023."),
    SourceSpec("insee_chomage_ze_parties", "chomage_ze_parties", chomage.parse_ze_rates,
               "Localised unemployment rates of the region parts of interregional zones d'emploi."),
    SourceSpec("insee_chomage_dep_reg", "chomage_dep_reg", chomage.parse_bdm_rates,
               "Localised unemployment rates, France métropolitaine, region and départements, quarterly to 2024."),
    SourceSpec("insee_ze2020_communes", "ze2020_communes", chomage.parse_ze_composition,
               "Commune → zone d'emploi 2020 (COG 2023) with its region part."),
    SourceSpec("dares_tensions_2019", "dares_tensions_2019", dares.parse_tensions,
               "DARES occupational tension indicators 2019 (FAP-2009), national, region, départements."),
    SourceSpec("metiers_en_tension_2024", "metiers_en_tension_2024", dares.parse_metiers_en_tension,
               "Official list of occupations in shortage (arrêté of 1 March 2024), region rows."),
    # --- training (issue 6)
    SourceSpec("annuaire_education", "annuaire_education",
               lambda p: annuaire_education.classify(annuaire_education.parse(p)),
               "Éducation nationale directory of establishments (type, sector, pupils, coordinates)."),
    SourceSpec("inserjeunes_lycees", "inserjeunes_lycees", _concat(inserjeunes.parse_lycees),
               "InserJeunes rates per vocational lycée, 5 cohorts.",
               files=tuple((c, p, inserjeunes.LYCEE_URLS[c]) for c, p in inserjeunes.LYCEE_FILES.items())),
    SourceSpec("inserjeunes_cfa", "inserjeunes_cfa", inserjeunes.parse_cfa,
               "InserJeunes rates per CFA (apprenticeship), 6 cohorts."),
    SourceSpec("inserjeunes_region", "inserjeunes_region", inserjeunes.parse_region,
               "InserJeunes counts and rates by region x diploma."),
    SourceSpec("parcoursup_extrait", "parcoursup", parcoursup.parse,
               "Parcoursup offer, simplified third-party extract."),
    SourceSpec("orion_affelnet", "orion_affelnet", _concat(lambda p, y: orion.parse_affelnet(p, int(y))),
               "Affelnet capacities and first-choice wishes per lycée x MEF, 2021-2022.",
               files=tuple((str(y), p, orion.AFFELNET_URLS[y]) for y, p in orion.AFFELNET_FILES.items())),
    SourceSpec("orion_bts", "orion_bts", _concat(lambda p, y: orion.parse_bts(p, int(y))),
               "Parcoursup BTS capacities and confirmed wishes, 2022-2024.",
               files=tuple((str(y), p, orion.BTS_URLS[y]) for y, p in orion.BTS_FILES.items())),
    SourceSpec("orion_constat_2020", "orion_constat_2020", orion.parse_constat,
               "Pupils per lycée x MEF, constat de rentrée 2020."),
    # --- directory of reception points (issue 7)
    SourceSpec("dila_annuaire_2016", "dila_annuaire_2016", dila.parse,
               "DILA local public services (guidance/employment types), 2014-2016 snapshot."),
    SourceSpec("ofa_referentiel", "ofa_referentiel", _concat(lambda p, n: ofa.parse_networks([p])),
               "Apprenticeship training organisations by network (référentiel UAI-SIRET).",
               files=tuple((n, f"referentiel_ofa_reseaux/referentiel-reseau-{n}_pdl.csv", _OFA.format(n))
                           for n in OFA_NETWORKS)),
    SourceSpec("ofa_prepa_apprentissage", "ofa_prepa_apprentissage", ofa.parse_prepa,
               "Apprenticeship organisations with their prépa-apprentissage flag."),
]

BY_ID: dict[str, SourceSpec] = {s.dataset_id: s for s in SOURCES}
