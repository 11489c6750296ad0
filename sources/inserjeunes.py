"""InserJeunes (DEPP / DARES): what becomes of vocational-lycée pupils and apprentices.

Three datasets (see :data:`DATASETS`). Rates are percentages (0–100) as published; the files round
them to whole points (the CFA file writes ``53.0``). A rate the publisher does not give is ``nd`` in
recent files and an empty cell in older ones and in the CFA and regional files: both give the value NaN
and the status ``nd``. Mostly small numbers (secret), but an empty cell also stands for a horizon not
yet observed (CFA ``Taux emploi 18/24 mois`` of recent cohorts) or an indicator not computed
(``Part contrats apprentissage interrompus``, empty in 746 of 792 CFA rows): the file does not say
which.

``parse_lycees(path, cohort)`` — ``inserjeunes_lycees``, one DEPP establishment file per cohort
("millésime", two graduating years cumulated, e.g. ``2022_2023``; mirror paths in
:data:`LYCEE_FILES`). Up to 3 rows per UAI, one per population. Output, one row per (UAI,
population):

======================== ==========================================================================
uai                      ``n°UAI de l'établissement``
name                     ``Libellé de l'établissement``
cohort                   the ``cohort`` argument (``2018_2019`` … ``2022_2023``)
population               ``ensemble`` (all), ``scolaires`` (file: "dont élèves en voie pro sco"),
                         ``apprentis`` (file: "dont apprentis", apprentices trained in the lycée)
taux_poursuite           ``Taux de poursuite d'études``
taux_emploi_6m           ``Taux`` (employment rate 6 months after leaving)
taux_emploi_6m_attendu   ``Taux attendu`` (expected rate given the pupils' profile)
valeur_ajoutee           ``Valeur ajoutée`` = taux − taux attendu (points, may be negative)
part_poursuite           ``Part en poursuite d'études`` (share of the cohort, the three parts sum
part_emploi_6m           ``Part en emploi 6 mois après la sortie``   to 100)
part_autres              ``Part des autres situations``
taux_emploi_12m          employment rate at 12 / 18 / 24 months: only in the 2018_2019 (12, 18, 24)
taux_emploi_18m          and 2019_2020 (12) files, see "layouts" below
taux_emploi_24m
<rate>_status            one per rate column above: ``ok`` (a number), ``nd`` (``nd`` or empty cell:
                         not disclosed), ``absent`` (the column does not exist in this cohort's file)
_line                    line in the file (header = line 1)
======================== ==========================================================================

Layouts of the lycée files (recognised from the header, whatever the ``cohort`` argument):

* 2020_2021 and later: 11 named columns (``n°UAI de l'établissement;Libellé de l'établissement;
  Région;Dont apprentis en EPLE;Taux de poursuite d'études;Taux;Taux attendu;Valeur ajoutée;Part en
  poursuite d'études;Part en emploi 6 mois après la sortie;Part des autres situations``).
* 2018_2019: 11 columns, five of them **unnamed** (``…;Région;;;Taux;Taux attendu;Valeur
  ajoutée;;;``); 2019_2020: 9 columns, two unnamed (``…;Dont apprentis en EPLE;;Taux;Taux
  attendu;Valeur ajoutée;``). The unnamed columns are read by position. Column 4 is the population
  and column 5 the further-study rate, as in later files. The trailing unnamed columns are **read as
  employment rates at 12, 18 and 24 months** (2019_2020: 12 months only). This is an inference, not
  a documented fact: they are not shares (they do not sum to 100), they exceed the 6-month rate in
  89 % (2018_2019) and 94 % (2019_2020) of rows, and the older cohort has more horizons, as an
  observation window that closes would give. The parts (``part_*``) are ``absent`` there.

Any other header is a :class:`~sources.errors.SourceFormatError` naming the first column that differs.

The official layout and the mirror's are the same: the files the dataset fetches (:data:`LYCEE_URLS`,
the DEPP national establishment files as kept by the InserJeunes exposition team) are **national**,
and the mirror holds their rows of Pays de la Loire, bytes unchanged. :func:`parse_lycees` therefore
**cuts every file to the region** right after reading its text (one row per lycée and population:
a national file is small), before any check: rows whose ``Région`` is
``PAYS DE LA LOIRE`` (compared without accents, case, hyphens or extra spaces) are kept, so a bad
row of another region does not stop the region's refresh. ``df.attrs``: ``layout`` (``"official"``,
the layout of both), ``rows_outside_region`` (rows dropped by the cut: 0 on the mirror). A file
without any row of the region is an error. The data.education.gouv.fr dataset
``fr-en-inserjeunes-lycee_pro`` (all cohorts in one export, other column names) is not read.

``parse_cfa(path)`` — ``inserjeunes_cfa``, official export ``fr-en-inserjeunes-cfa`` (one row per
CFA × cohort):

======================== ==========================================================================
uai, name                ``UAI``, ``Libellé``
cohort                   from ``Année`` (``cumul 2023-2024`` → ``2023_2024``)
part_poursuite           ``DEVENIR Part poursuite études``
part_emploi_6m           ``DEVENIR Part en emploi 6 mois``
part_autres_6m           ``DEVENIR Part autre situation 6 mois``
part_contrats_interrompus ``Part contrats apprentissage interrompus``
taux_poursuite           ``Taux poursuite études``
taux_emploi_6m           ``Taux emploi 6 mois``
taux_emploi_6m_attendu   ``Taux emploi 6 mois attendu``
va_emploi_6m             ``VA emploi 6 mois`` (points, may be negative)
taux_emploi_12m/18m/24m  ``Taux emploi 12 mois`` / ``18 mois`` / ``24 mois``
<rate>_status            ``ok`` / ``nd`` as above (empty cells are the file's "not disclosed")
_line
======================== ==========================================================================

``parse_region(path)`` — ``inserjeunes_region``, InserJeunes by diploma for the region (Orion's
``ij_region_data.csv``), one row per cohort × track × diploma, **counts and rates**:

======================== ==========================================================================
id                       ``id`` (``<millesime>_<code_region_ij>_<voie>_<cfd or mefstat11>``)
cohort                   ``millesime`` (``2019_2020`` … ``2022_2023``)
code_region              ``code_region`` (INSEE region code, ``52``)
voie                     ``scolaire`` (diploma given by ``mefstat11``) or ``apprentissage`` (``cfd``)
cfd, mefstat11           diploma codes (text; ``""`` when not given; CFD may hold letters: 46X13302)
nb_annee_term            pupils/apprentices in the final year (always given)
nb_poursuite_etudes      of whom continuing in education
nb_sortant               of whom leaving education (nb_poursuite_etudes + nb_sortant = nb_annee_term)
nb_en_emploi_6_mois …    leavers in salaried employment at 6 / 12 / 18 / 24 months
 … nb_en_emploi_24_mois
taux_poursuite           ``taux_poursuite_etudes``
taux_emploi_6m … 24m     ``taux_emploi_6_mois`` … ``taux_emploi_24_mois``
<rate>_status            ``ok`` / ``nd``
_line
======================== ==========================================================================

Counts are floats (NaN when empty). Rates can be recomputed from counts (:data:`RATE_DEFINITIONS`):
``taux_emploi_Xm = 100 × nb_en_emploi_X_mois / nb_sortant`` and ``taux_poursuite = 100 ×
nb_poursuite_etudes / nb_annee_term``, which reproduces every published rate of the 2025 file to
the rounding. The publisher leaves a rate empty when its denominator is below
:data:`MIN_DENOMINATOR` (20) although the counts are given: recomputed rates (for instance summed
over several diplomas) must apply the same threshold.

Validation common to the three parsers (:class:`~sources.errors.SourceFormatError` naming file,
line, column and value): required columns present; UAI well formed; any rate above 100 or below 0
(valeur ajoutée outside −100…100) is an error; a cell that is neither a number, empty nor ``nd`` is an
error; the key (UAI × population; cohort × UAI; ``id``) is unique; lycée populations are one of the
three labels above; region counts are whole, non-negative, and employed ≤ leavers, continuing ≤
final-year pupils. Lycée files also: not an HTML page (an error page served instead of the file), at
least one row of the region.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import concat_files, check_codes, check_unique, read_delimited, to_number
# the rate columns (values, bounds, statuses, order) of the three parsers; public names re-exported
from .inserjeunes_rates import MISSING, SIGNED, _add_rates, _fail_where, _order  # noqa: F401

LYCEES_ID = "inserjeunes_lycees"
CFA_ID = "inserjeunes_cfa"
REGION_ID = "inserjeunes_region"

COHORTS = ["2018_2019", "2019_2020", "2020_2021", "2021_2022", "2022_2023"]
LYCEE_FILES: dict[str, str] = {
    c: f"inserjeunes/depp-inserjeunes-etablissements-{c}-voie-pro_pdl.csv" for c in COHORTS
}
_TRAJECTOIRES = (
    "https://raw.githubusercontent.com/mission-apprentissage/trajectoires-pro/"
    "2b7a517b0a6bbdee4d2d636dc5f1512a808c3fec/server/data/"
)
# national DEPP files the mirror was cut from (same layout): what an online refresh fetches and reads,
# cutting them to the region
LYCEE_URLS: dict[str, str] = {c: f"{_TRAJECTOIRES}depp-2022-etablissements-{c}-pro.csv" for c in COHORTS}

DATASETS: list[Dataset] = [
    Dataset(
        id=LYCEES_ID,
        table="inserjeunes_lycees",
        parser="inserjeunes:parse_lycee_files",
        description='InserJeunes rates per vocational lycée, 5 cohorts.',
        files=tuple((c, p, LYCEE_URLS[c]) for c, p in LYCEE_FILES.items()),
        family="education",
        title=(
            "InserJeunes : poursuite d'études et insertion dans l'emploi des élèves de la voie "
            "professionnelle, par lycée (taux d'emploi à 6 mois, taux attendu, valeur ajoutée)"
        ),
        publisher="Ministère de l'Éducation nationale (DEPP) et Ministère du Travail (DARES), InserJeunes",
        url=LYCEE_URLS["2022_2023"],
        page="https://data.education.gouv.fr/explore/dataset/fr-en-inserjeunes-lycee_pro/",
        licence=LO2,
        vintage="Cumuls 2018-2019 à 2022-2023 (fichiers DEPP diffusés en 2022-2024)",
        mirror_path=LYCEE_FILES["2022_2023"],
        layout="derived",
        note=(
            "Mirror: the DEPP establishment files, one per cohort (LYCEE_FILES), as kept by the "
            "InserJeunes exposition team (GitHub mission-apprentissage/trajectoires-pro, commit "
            "2b7a517b, LYCEE_URLS), rows of Pays de la Loire, original bytes. An online refresh fetches "
            "the national files at LYCEE_URLS (url: the latest cohort's), same layout, and the parser "
            "cuts them to the region (Région = PAYS DE LA LOIRE) while reading. The data.education.gouv.fr "
            "dataset fr-en-inserjeunes-lycee_pro (page; all cohorts in one export, other column names) "
            "is not read."
        ),
    ),
    Dataset(
        id=CFA_ID,
        table="inserjeunes_cfa",
        parser="inserjeunes:parse_cfa",
        description='InserJeunes rates per CFA (apprenticeship), 6 cohorts.',
        family="education",
        title=(
            "InserJeunes : poursuite d'études et insertion dans l'emploi des apprentis, par centre de "
            "formation d'apprentis (CFA)"
        ),
        publisher="Ministère de l'Éducation nationale (DEPP) et Ministère du Travail (DARES), InserJeunes",
        url=(
            "https://data.education.gouv.fr/api/explore/v2.1/catalog/datasets/fr-en-inserjeunes-cfa"
            "/exports/csv?delimiter=%3B&use_labels=true"
            "&refine=region%3A%22PAYS%20DE%20LA%20LOIRE%22"
        ),
        page="https://data.education.gouv.fr/explore/dataset/fr-en-inserjeunes-cfa/",
        licence=LO2,
        vintage="Cumuls 2018-2019 à 2023-2024",
        mirror_path="inserjeunes/fr-en-inserjeunes-cfa_pdl.csv",
        note=(
            "Mirror: rows 'PAYS DE LA LOIRE' of the national export (copy kept on GitHub "
            "HugoSRagain/AnalyseCFA-DonneesInserJeunes, commit 21ffc064, April 2026). URL untested "
            "offline: use_labels=true asks for the column labels the parser reads; the name of the "
            "region field in refine= is to be checked in the dataset schema."
        ),
    ),
    Dataset(
        id=REGION_ID,
        table="inserjeunes_region",
        parser="inserjeunes:parse_region",
        description='InserJeunes counts and rates by region x diploma.',
        family="education",
        title=(
            "InserJeunes par diplôme pour la région : effectifs en année terminale, sortants, en emploi "
            "à 6, 12, 18 et 24 mois, en poursuite d'études (voie scolaire et apprentissage)"
        ),
        publisher=(
            "DEPP / DARES (InserJeunes), tel qu'intégré par Orion (DNE, Mission interministérielle "
            "pour l'apprentissage)"
        ),
        url=(
            "https://raw.githubusercontent.com/mission-apprentissage/tjp-pilotage/"
            "5b5e68acf420f5fd94a19c5ffb284b742573810e/server/static/files/ij_region_data.csv"
        ),
        page="https://www.education.gouv.fr/inserjeunes",
        licence="Licence Ouverte v2.0 (données InserJeunes) ; fichier d'ingestion Orion sans licence propre",
        vintage="Millésimes 2019-2020 à 2022-2023",
        mirror_path="inserjeunes/ij_region_data_region52.csv",
        note=(
            "Not a data.gouv file: the regional InserJeunes table as ingested by Orion (GitHub "
            "mission-apprentissage/tjp-pilotage, commit 5b5e68ac, 2025-03-20). Mirror: rows with "
            "code_region 52, original bytes; the URL serves the national file in the same layout."
        ),
    ),
]

UAI = re.compile(r"^\d{7}[A-Z]$")

# ---------------------------------------------------------------------------------------- lycées

_UAI_COL = "n°UAI de l'établissement"
_NAME_COL = "Libellé de l'établissement"
_REGION_COL = "Région"
_POP_COL = "Dont apprentis en EPLE"
REGION_LABEL = "PAYS DE LA LOIRE"  # value of ``Région`` for the region's rows
LYCEE_LAYOUTS: dict[str, list[tuple[str, str]]] = {
    # name in the header → output column
    "named": [
        (_UAI_COL, "uai"), (_NAME_COL, "name"), (_REGION_COL, "region"), (_POP_COL, "population"),
        ("Taux de poursuite d'études", "taux_poursuite"), ("Taux", "taux_emploi_6m"),
        ("Taux attendu", "taux_emploi_6m_attendu"), ("Valeur ajoutée", "valeur_ajoutee"),
        ("Part en poursuite d'études", "part_poursuite"),
        ("Part en emploi 6 mois après la sortie", "part_emploi_6m"),
        ("Part des autres situations", "part_autres"),
    ],
    "2018_2019": [
        (_UAI_COL, "uai"), (_NAME_COL, "name"), (_REGION_COL, "region"), ("", "population"),
        ("", "taux_poursuite"), ("Taux", "taux_emploi_6m"), ("Taux attendu", "taux_emploi_6m_attendu"),
        ("Valeur ajoutée", "valeur_ajoutee"), ("", "taux_emploi_12m"), ("", "taux_emploi_18m"),
        ("", "taux_emploi_24m"),
    ],
    "2019_2020": [
        (_UAI_COL, "uai"), (_NAME_COL, "name"), (_REGION_COL, "region"), (_POP_COL, "population"),
        ("", "taux_poursuite"), ("Taux", "taux_emploi_6m"), ("Taux attendu", "taux_emploi_6m_attendu"),
        ("Valeur ajoutée", "valeur_ajoutee"), ("", "taux_emploi_12m"),
    ],
}
LYCEE_RATES = [
    "taux_poursuite", "taux_emploi_6m", "taux_emploi_6m_attendu", "valeur_ajoutee", "part_poursuite",
    "part_emploi_6m", "part_autres", "taux_emploi_12m", "taux_emploi_18m", "taux_emploi_24m",
]
POPULATIONS = {
    "ensemble": "ensemble",
    "dont élèves en voie pro sco": "scolaires",
    "dont apprentis": "apprentis",
}


def parse_lycees(path: Path, cohort: str) -> pd.DataFrame:
    if not re.fullmatch(r"\d{4}_\d{4}", cohort) or int(cohort[5:]) != int(cohort[:4]) + 1:
        raise ValueError(f"cohort must look like '2022_2023', got {cohort!r}")
    _check_not_html(path, LYCEES_ID)
    raw = read_delimited(path, sep=";", required=[_UAI_COL, _NAME_COL, "Taux", "Taux attendu",
                                                  "Valeur ajoutée"], dataset_id=LYCEES_ID)
    header = [c.strip() for c in raw.columns[:-1]]
    layout = _lycee_layout(header, path)
    raw.columns = [out for _, out in layout] + ["_line"]
    for col in raw.columns[:-1]:
        raw[col] = raw[col].fillna("").str.strip()
    in_region = raw["region"].map(_region_key) == _region_key(REGION_LABEL)
    outside = int((~in_region).sum())
    raw = raw[in_region].reset_index(drop=True)
    if raw.empty:
        raise SourceFormatError(path, f"no row of the region (column {_REGION_COL!r} = {REGION_LABEL!r}) "
                                f"among {outside} rows", column=_REGION_COL, dataset_id=LYCEES_ID)
    file_names = {out: name or f"<unnamed column {i + 1}>" for i, (name, out) in enumerate(layout)}
    check_codes(raw, "uai", path, pattern=UAI, dataset_id=LYCEES_ID, what="UAI")
    bad = raw[~raw["population"].isin(POPULATIONS)]
    if not bad.empty:
        row = bad.iloc[0]
        raise SourceFormatError(path, f"unknown population (expected one of {', '.join(POPULATIONS)})",
                                line=int(row["_line"]), column=file_names["population"],
                                value=row["population"], dataset_id=LYCEES_ID)
    out = pd.DataFrame({"uai": raw["uai"], "name": raw["name"], "cohort": cohort,
                        "population": raw["population"].map(POPULATIONS)})
    out["_line"] = raw["_line"]
    check_unique(out, ["uai", "population"], path, dataset_id=LYCEES_ID)
    _add_rates(out, raw, LYCEE_RATES, file_names, path, LYCEES_ID)
    result = _order(out, LYCEE_RATES)
    result.attrs.update(layout="official", rows_outside_region=outside)
    return result


def _check_not_html(path, dataset_id: str) -> None:
    """An HTML page (error or login page) served instead of the CSV file."""
    path = Path(path)
    if not path.is_file():
        return  # read_delimited names the missing file
    with open(path, "rb") as f:
        start = f.read(512).removeprefix(b"\xef\xbb\xbf").lstrip()
    if start[:1] == b"<":
        shown = start[:40].decode("utf-8", "replace")
        raise SourceFormatError(path, f"an HTML page, not the CSV file (starts with {shown!r}): error page?",
                                line=1, dataset_id=dataset_id)


def _region_key(text: str) -> str:
    text = unicodedata.normalize("NFD", str(text))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(text.upper().replace("-", " ").split())


def _lycee_layout(header: list[str], path) -> list[tuple[str, str]]:
    for layout in LYCEE_LAYOUTS.values():
        if header == [name for name, _ in layout]:
            return layout
    same = [lay for lay in LYCEE_LAYOUTS.values() if len(lay) == len(header)]
    if not same:
        raise SourceFormatError(
            path, f"unknown layout: {len(header)} columns (known layouts have 9 or 11)", line=1,
            dataset_id=LYCEES_ID,
        )
    # report the first difference with the closest known layout
    best = max(same, key=lambda lay: sum(a == n for a, (n, _) in zip(header, lay)))
    i = next(i for i, (a, (n, _)) in enumerate(zip(header, best)) if a != n)
    raise SourceFormatError(
        path, f"unknown layout: column {i + 1} should be {best[i][0]!r}", line=1,
        column=best[i][0] or f"<unnamed column {i + 1}>", value=header[i], dataset_id=LYCEES_ID,
    )


# ------------------------------------------------------------------------------------------- CFA

CFA_COLUMNS = {
    "Année": "annee",
    "UAI": "uai",
    "Libellé": "name",
    "DEVENIR Part poursuite études": "part_poursuite",
    "DEVENIR Part en emploi 6 mois": "part_emploi_6m",
    "DEVENIR Part autre situation 6 mois": "part_autres_6m",
    "Part contrats apprentissage interrompus": "part_contrats_interrompus",
    "Taux poursuite études": "taux_poursuite",
    "Taux emploi 6 mois": "taux_emploi_6m",
    "Taux emploi 6 mois attendu": "taux_emploi_6m_attendu",
    "VA emploi 6 mois": "va_emploi_6m",
    "Taux emploi 12 mois": "taux_emploi_12m",
    "Taux emploi 18 mois": "taux_emploi_18m",
    "Taux emploi 24 mois": "taux_emploi_24m",
}
CFA_RATES = [v for v in CFA_COLUMNS.values() if v not in ("annee", "uai", "name")]
_CFA_YEAR = re.compile(r"^(?:cumul\s+)?(\d{4})-(\d{4})$", re.IGNORECASE)


def parse_cfa(path: Path) -> pd.DataFrame:
    raw = read_delimited(path, sep=";", required=list(CFA_COLUMNS), dataset_id=CFA_ID)
    for col in CFA_COLUMNS:
        raw[col] = raw[col].fillna("").str.strip()
    check_codes(raw, "UAI", path, pattern=UAI, dataset_id=CFA_ID, what="UAI")
    years = raw["Année"].str.extract(_CFA_YEAR)
    start, end = pd.to_numeric(years[0]), pd.to_numeric(years[1])
    bad = start.isna() | (end != start + 1)
    if bad.any():
        row = raw[bad].iloc[0]
        raise SourceFormatError(path, "unexpected year (expected 'cumul YYYY-YYYY')", line=int(row["_line"]),
                                column="Année", value=row["Année"], dataset_id=CFA_ID)
    out = pd.DataFrame({"uai": raw["UAI"], "name": raw["Libellé"], "cohort": years[0] + "_" + years[1]})
    out["_line"] = raw["_line"]
    check_unique(out, ["cohort", "uai"], path, dataset_id=CFA_ID)
    renamed = raw.rename(columns=CFA_COLUMNS)
    _add_rates(out, renamed, CFA_RATES, {v: k for k, v in CFA_COLUMNS.items()}, path, CFA_ID)
    return _order(out, CFA_RATES)


# ---------------------------------------------------------------------------------------- region

REGION_COUNTS = [
    "nb_annee_term", "nb_poursuite_etudes", "nb_sortant", "nb_en_emploi_6_mois", "nb_en_emploi_12_mois",
    "nb_en_emploi_18_mois", "nb_en_emploi_24_mois",
]
REGION_RATE_COLUMNS = {
    "taux_poursuite_etudes": "taux_poursuite",
    "taux_emploi_6_mois": "taux_emploi_6m",
    "taux_emploi_12_mois": "taux_emploi_12m",
    "taux_emploi_18_mois": "taux_emploi_18m",
    "taux_emploi_24_mois": "taux_emploi_24m",
}
REGION_RATES = list(REGION_RATE_COLUMNS.values())
# rate → (numerator, denominator) among the counts of parse_region
RATE_DEFINITIONS: dict[str, tuple[str, str]] = {
    "taux_poursuite": ("nb_poursuite_etudes", "nb_annee_term"),
    "taux_emploi_6m": ("nb_en_emploi_6_mois", "nb_sortant"),
    "taux_emploi_12m": ("nb_en_emploi_12_mois", "nb_sortant"),
    "taux_emploi_18m": ("nb_en_emploi_18_mois", "nb_sortant"),
    "taux_emploi_24m": ("nb_en_emploi_24_mois", "nb_sortant"),
}
MIN_DENOMINATOR = 20  # below it the publisher leaves the rate empty
VOIES = {"scolaire", "apprentissage"}
_CODE8 = re.compile(r"^[0-9A-Z]{8}$")
_CODE11 = re.compile(r"^[0-9A-Z]{11}$")


def parse_region(path: Path) -> pd.DataFrame:
    required = ["id", "millesime", "code_region", "voie", "cfd", "mefstat11", *REGION_COUNTS,
                *REGION_RATE_COLUMNS]
    raw = read_delimited(path, sep=";", required=required, dataset_id=REGION_ID)
    for col in required:
        raw[col] = raw[col].fillna("").str.strip()
    check_codes(raw, "millesime", path, pattern=re.compile(r"^\d{4}_\d{4}$"), dataset_id=REGION_ID,
                what="millésime")
    bad = raw[~raw["voie"].isin(VOIES)]
    if not bad.empty:
        row = bad.iloc[0]
        raise SourceFormatError(path, "unknown voie (expected scolaire or apprentissage)",
                                line=int(row["_line"]), column="voie", value=row["voie"],
                                dataset_id=REGION_ID)
    for col, pattern in (("cfd", _CODE8), ("mefstat11", _CODE11)):
        given = raw[raw[col] != ""]
        check_codes(given, col, path, pattern=pattern, dataset_id=REGION_ID, what=f"{col} code")
    nocode = raw[(raw["cfd"] == "") & (raw["mefstat11"] == "")]
    if not nocode.empty:
        row = nocode.iloc[0]
        raise SourceFormatError(path, "neither cfd nor mefstat11 given", line=int(row["_line"]),
                                value=row["id"], dataset_id=REGION_ID)
    out = pd.DataFrame({"id": raw["id"], "cohort": raw["millesime"], "code_region": raw["code_region"],
                        "voie": raw["voie"], "cfd": raw["cfd"], "mefstat11": raw["mefstat11"]})
    out["_line"] = raw["_line"]
    check_unique(out, ["id"], path, dataset_id=REGION_ID)
    for col in REGION_COUNTS:
        values = to_number(raw, col, path, dataset_id=REGION_ID, integer=True)
        _fail_where(raw, values < 0, col, "negative count", path, REGION_ID)
        out[col] = values
    _fail_where(raw, out["nb_poursuite_etudes"] > out["nb_annee_term"], "nb_poursuite_etudes",
                "more pupils continuing than in the final year", path, REGION_ID)
    for m in (6, 12, 18, 24):
        col = f"nb_en_emploi_{m}_mois"
        _fail_where(raw, out[col] > out["nb_sortant"], col, "more employed than leavers", path, REGION_ID)
    renamed = raw.rename(columns=REGION_RATE_COLUMNS)
    _add_rates(out, renamed, REGION_RATES, {v: k for k, v in REGION_RATE_COLUMNS.items()}, path, REGION_ID)
    cols = ["id", "cohort", "code_region", "voie", "cfd", "mefstat11", *REGION_COUNTS]
    return out[cols + REGION_RATES + [f"{r}_status" for r in REGION_RATES] + ["_line"]].reset_index(drop=True)


def parse_lycee_files(items) -> pd.DataFrame:
    """Every cohort file of ``inserjeunes_lycees`` (``[(cohort, path), …]``), as one table, each file
    cut to the region; ``attrs``: ``layout`` and the total ``rows_outside_region``."""
    outside = 0

    def parse_one(path, cohort):
        nonlocal outside
        df = parse_lycees(path, cohort)
        outside += df.attrs.get("rows_outside_region", 0)
        return df

    out = concat_files(items, parse_one)
    out.attrs = {"layout": "official", "rows_outside_region": outside}
    return out
