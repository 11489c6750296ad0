"""INSEE census indicators by commune (recensement de la population): dossier complet and
comparateur de territoires.

Three datasets (see :data:`DATASETS`), all ``;``-separated, one row per commune, ``CODGEO`` first:

* ``insee_dossier_complet_2022`` — a 39-column subset ("light") of INSEE's *dossier complet*
  (RP2022 age bands, activity and unemployment by age, households, plus a few non-census
  indicators). **Derived layout** in the mirror; the official ``dossier_complet.zip`` holds the
  national file (``dossier_complet.csv``, ~34 900 communes × ~1 900 columns, and
  ``meta_dossier_complet.csv``). :func:`parse_dossier_complet` reads the zip, the bare national
  CSV and the mirror's subset, recognised from the file itself; it keeps only the variables
  of :mod:`sources.census_variables`, by name (any other column is ignored, a missing one is an
  error), and streams the CSV, keeping the region's rows only (memory bounded). Commune
  geography: COG 2026 (1 228).
* ``insee_comparateur_2022`` — *comparateur de territoires*, RP2022 edition (32 columns). **Official
  layout** (same columns as the national CSV inside the official zip). Geography 2025 = 2026 here.
* ``insee_comparateur_2018`` — *comparateur de territoires*, RP2018 edition (33 columns, January 2022
  edition). **Official layout**. Kept in its **2021 geography** (1 236 communes, codes of 2021): the
  pipeline maps them to 2026 communes later; this module does not.

Output of the three parsers: a LONG table, one row per (commune, variable), ready for DuckDB:

============== ===========================================================================
commune_code   INSEE commune code (text, 5 characters, as in the file's ``CODGEO``)
variable       INSEE column name, unchanged (``P22_POP0014``, ``MED21``…)
value          float; INSEE decimals kept as published (census counts are weighted, so
               ``50858.1207698263`` is a valid count; never rounded here); NaN unless ``ok``
status         ``ok`` (a number), ``secret`` (cell ``s``), ``missing`` (empty cell or ``nd``)
============== ===========================================================================

Rows come commune by commune, variables in the order of their tables
(:mod:`sources.census_variables`). Every commune of the file gets every variable (a missing cell is
a row with status ``missing``, not an absent row).
The dossier complet keeps the communes of départements 44, 49, 53, 72 and 85 only (the national
file's other rows are skipped while reading); ``df.attrs["layout"]`` is ``"official"`` (the zip or
the national CSV) or ``"mirror"`` (the 39-column subset).

Reading helpers for official files (:func:`sniff`: zip, text, or an HTML error page;
:func:`zip_member`; :func:`read_streamed`: a CSV streamed by column name, cut to the region) are
shared with :mod:`sources.populations` and :mod:`sources.zonages`.

Status rules. A cell is a number (``.`` decimal mark; ``PIMP21`` and ``TP6021`` of the 2022
comparateur use a decimal comma, ``50,0``, and both marks are accepted there), ``s`` (statistical
secret), ``nd`` (not available) or empty. The RP2018 comparateur has no ``s``: there, as in the
dossier complet, an empty cell stands for secret *or* not available, and is reported ``missing``
(e.g. ``SNEMM_23`` is empty for 857 small communes, ``TP6019`` for 935: secret in fact, but the
file does not say so). Anything else is a :class:`~sources.errors.SourceFormatError` naming the
file, line (header = line 1), column and value.

Validation (each failure raises :class:`~sources.errors.SourceFormatError` with the file, line,
column, the commune code and the value at fault):

* every expected column is present (the message names the missing ones);
* ``CODGEO`` is a well-formed commune code and appears once;
* no value is negative (all variables are counts, areas, amounts or rates);
* dossier complet: for each age band (15-24, 25-54, 55-64) ``P22_CHOMxxxx <= P22_ACTxxxx``;
* comparateurs: ``Pyy_LOG`` = ``Pyy_RP + Pyy_RSECOCC + Pyy_LOGVAC`` within 0.5 and
  ``Pyy_CHOM1564 <= Pyy_ACT1564 <= Pyy_POP1564`` (``yy`` = 22 or 18).

The dossier complet has no population total: :func:`check_age_bands` compares the sum of its 7 age
bands with a population by commune given by the caller (the 2022 municipal populations).

Rows dropped: the RP2022 comparateur holds 5 rows that are not communes of the census geography
(49069, 72287, 72298, 85021, 85233: communes merged since, kept by INSEE for Filosofi 2021 only:
``NBMENFISC21``, ``PIMP21``, ``MED21``, ``TP6021`` filled, every other cell empty). They are detected
by an empty ``P22_POP`` and dropped; such a row with any non-Filosofi cell filled is an error. The
codes dropped are listed in ``df.attrs["dropped_communes"]``.

The variables kept by each parser, with their labels, are listed in :mod:`sources.census_variables`;
the conversion of a wide file's cells into numbers and statuses, the long output and the helpers of
the checks are in :mod:`sources.census_wide`. Their public names are re-exported here.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .archive import REGION_DEPARTEMENTS, member_label, read_streamed, sniff, zip_errors, zip_member
from .tabular import read_delimited
# the variables kept, and the wide tables' conversion and check helpers; public names re-exported
from .census_variables import (  # noqa: F401  (re-exported)
    AGE_BANDS,
    COMPARATEUR_2018_VARIABLES,
    COMPARATEUR_2022_VARIABLES,
    DECIMAL_COMMA,
    DOSSIER_VARIABLES,
    FILOSOFI_2022,
)
from .census_wide import (  # noqa: F401  (re-exported)
    MISSING_MARKERS,
    SECRET_MARKERS,
    SEP,
    STATUS_MISSING,
    STATUS_OK,
    STATUS_SECRET,
    _Wide,
    _check_non_negative,
    _fail,
    _fmt,
    _le,
    _to_long,
    _wide_from_text,
)

DOSSIER_ID = "insee_dossier_complet_2022"
COMPARATEUR_2022_ID = "insee_comparateur_2022"
COMPARATEUR_2018_ID = "insee_comparateur_2018"

OUTPUT_COLUMNS = ["commune_code", "variable", "value", "status"]

_COMPARATEUR_URL = "https://www.insee.fr/fr/statistiques/fichier/2521169/base_cc_comparateur_csv.zip"
_COMPARATEUR_PAGE = "https://www.insee.fr/fr/statistiques/2521169"

DATASETS: list[Dataset] = [
    Dataset(
        id=DOSSIER_ID,
        table="census_dossier_complet_2022",
        parser="census:parse_dossier_complet",
        description='Census 2022 by commune (dossier complet subset): age bands, households, activity by age; long table.',
        family="recensement",
        title=(
            "Dossier complet (extrait) : population par tranche d'âge, actifs et chômeurs par âge, "
            "ménages et familles (RP 2022), créations d'entreprises, tourisme, électeurs, équipements"
        ),
        publisher="INSEE (extrait de 39 colonnes du dossier complet, réalisé par un tiers)",
        url="https://www.insee.fr/fr/statistiques/fichier/5359146/dossier_complet.zip",
        page="https://www.insee.fr/fr/statistiques/5359146",
        licence=LO2,
        vintage=(
            "RP 2022 (exploitations principale et complémentaire), RP 2016 et 2011 ; salaires 2023 ; "
            "créations d'entreprises 2022-2025 ; tourisme 2026 ; électeurs 2024 ; BPE 2024 ; "
            "géographie 2026"
        ),
        mirror_path="insee_rp/dossier_complet_light_rp2022_r52.csv",
        layout="derived",
        official_layout=True,
        note=(
            "Mirror: a 39-column subset of the national dossier complet (column names and values "
            "INSEE's), copied from GitHub repo watashi-clara/outil_decisionel (commit dd9dfab7, "
            "data/dossier_complet_light.csv) and cut to the region. The official URL serves a zip "
            "holding the national dossier complet (dossier_complet.csv, ~2 000 columns, and "
            "meta_dossier_complet.csv): the parser streams the CSV member out of the zip, keeps the "
            "same 38 variables by name and the region's rows. The same age bands are in the "
            "thematic base 'évolution et "
            "structure de la population' RP2022 "
            "(https://www.insee.fr/fr/statistiques/fichier/8581696/base-cc-evol-struct-pop-2022_csv.zip)."
        ),
    ),
    Dataset(
        id=COMPARATEUR_2022_ID,
        table="census_comparateur_2022",
        parser="census:parse_comparateur_2022",
        description='Comparateur de territoires RP2022: area, births/deaths, housing, jobs, income; long table.',
        family="recensement",
        title=(
            "Comparateur de territoires, base communale : population, logement, emploi, "
            "chômage (RP 2022), revenus et pauvreté (Filosofi 2021), établissements (2024)"
        ),
        publisher="INSEE",
        url=_COMPARATEUR_URL,
        page=_COMPARATEUR_PAGE,
        licence=LO2,
        vintage=(
            "RP 2022 et 2016 ; état civil 2016-2021 et 2024 ; Filosofi 2021 ; établissements "
            "actifs 2024 ; géographie 2025 (identique à 2026 dans la région)"
        ),
        mirror_path="insee_rp/base_cc_comparateur_rp2022_r52.csv",
        layout="official",
        note=(
            "The official URL serves a zip containing the national CSV base_cc_comparateur (same "
            "32 columns as the mirror) and its meta file; the mirror is that CSV cut to the region "
            "(copied from a third-party copy of the national file, GitHub repo "
            "watashi-clara/outil_decisionel, commit dd9dfab7). PIMP21 and TP6021 use a decimal "
            "comma. 5 rows (49069, 72287, 72298, 85021, 85233) are former communes kept for "
            "Filosofi only: dropped by the parser."
        ),
    ),
    Dataset(
        id=COMPARATEUR_2018_ID,
        table="census_comparateur_2018",
        parser="census:parse_comparateur_2018",
        description='Comparateur de territoires RP2018 in 2021 geography; long table.',
        no_refresh="archived edition: the stable URL now serves the newest (RP2022) edition, so the "
                   "RP2018 figures are the copy of the January 2022 edition and never change",
        official_layout=False,
        official_reason="the official URL no longer serves the RP2018 edition (it serves RP2022); "
                        "the parser reads the 2018 edition's official layout (zip or CSV) from the copy",
        title=(
            "Comparateur de territoires, base communale : population, logement, emploi, "
            "chômage (RP 2018), revenus et pauvreté (Filosofi 2019), établissements (2018)"
        ),
        publisher="INSEE",
        url=_COMPARATEUR_URL,
        page=_COMPARATEUR_PAGE,
        licence=LO2,
        vintage=(
            "RP 2018 et 2013 ; état civil 2013-2018 et 2020 ; Filosofi 2019 ; établissements "
            "actifs fin 2018 ; géographie au 1er janvier 2021 (édition de janvier 2022)"
        ),
        mirror_path="insee_rp/base_cc_comparateur_rp2018_geo2021_r52.csv",
        layout="official",
        note=(
            "The official URL serves a zip containing the national CSV base_cc_comparateur (same "
            "33 columns as the mirror, 2021 geography) and its meta file; the mirror keeps the "
            "region's lines byte for byte (from the zip of the January 2022 edition archived in "
            "GitHub repo klopstock-dviz/dataviz_elections, commit dc586280). Caution: that stable "
            "URL now serves the newest (RP2022) edition, which the RP2018 parser rejects (missing "
            "P18_ columns): the mirror copy is the reference for this vintage. Commune codes are "
            "those of 2021 (1 236 communes), mapped to 2026 downstream."
        ),
    ),
]

def _is_comparateur_member(name: str) -> bool:
    return name.startswith("base_cc_comparateur") and name.endswith(".csv")


def _read_wide(path: Path, variables: list[str], dataset_id: str) -> _Wide:
    """A comparateur file: the official ``base_cc_comparateur_csv.zip`` (national
    ``base_cc_comparateur.CSV`` streamed, cut to the region, columns by name) or a CSV cut from it."""
    path = Path(path)
    if sniff(path, dataset_id=dataset_id) == "zip":
        with zipfile.ZipFile(path) as zf:
            member = zip_member(path, zf, _is_comparateur_member, "base_cc_comparateur.CSV", dataset_id=dataset_id)
            where = member_label(path, member)
            with zip_errors(where, dataset_id=dataset_id), zf.open(member) as raw:
                df, _ = read_streamed(where, raw, sep=SEP, columns=["CODGEO", *variables],
                                      region_column="CODGEO", dataset_id=dataset_id,
                                      what=" (expected by name in the comparateur de territoires)")
        if df.empty:
            raise SourceFormatError(where, f"no commune of départements {', '.join(REGION_DEPARTEMENTS)} (CODGEO)",
                                    column="CODGEO", dataset_id=dataset_id)
        wide = _wide_from_text(df, where, variables, dataset_id)
        wide.layout = "official"
        return wide
    df = read_delimited(path, sep=SEP, required=["CODGEO", *variables], dataset_id=dataset_id)
    wide = _wide_from_text(df, path, variables, dataset_id)
    wide.layout = "official"  # the mirror keeps the official columns, cut to the region
    return wide


def _is_dossier_member(name: str) -> bool:
    return name == "dossier_complet.csv"


def read_dossier_text(path: Path, dataset_id: str = DOSSIER_ID) -> tuple[pd.DataFrame, str, str]:
    """The dossier complet's cells as text, cut to the region: ``(cells, layout, where)``.

    ``path`` is the official ``dossier_complet.zip`` (member ``dossier_complet.csv``; the meta
    file beside it is not needed), or a bare CSV: the national file or the mirror's subset. The
    CSV is streamed: only ``CODGEO`` and the variables of :data:`DOSSIER_VARIABLES` are kept, by
    name, and only the rows whose ``CODGEO`` starts with 44, 49, 53, 72 or 85. ``layout`` is
    ``"official"`` (zip, or a CSV with other columns than the subset's) or ``"mirror"``;
    ``where`` names the file (``archive.zip!dossier_complet.csv`` for the member).
    """
    path = Path(path)
    variables = list(DOSSIER_VARIABLES)
    expected = " (expected by name in the dossier complet, RP2022 edition)"
    if sniff(path, dataset_id=dataset_id) == "zip":
        with zipfile.ZipFile(path) as zf:
            member = zip_member(path, zf, _is_dossier_member, "dossier_complet.csv",
                                dataset_id=dataset_id)
            where = member_label(path, member)
            with zip_errors(where, dataset_id=dataset_id), zf.open(member) as raw:
                df, _ = read_streamed(where, raw, sep=SEP, columns=["CODGEO", *variables],
                                      region_column="CODGEO", dataset_id=dataset_id, what=expected)
        layout = "official"
    else:
        where = str(path)
        with open(path, "rb") as raw:
            df, header = read_streamed(where, raw, sep=SEP, columns=["CODGEO", *variables],
                                       region_column="CODGEO", dataset_id=dataset_id, what=expected)
        layout = "mirror" if sorted(header) == sorted(["CODGEO", *variables]) else "official"
    if df.empty:
        raise SourceFormatError(
            where, f"no commune of départements {', '.join(REGION_DEPARTEMENTS)} (CODGEO)",
            column="CODGEO", dataset_id=dataset_id)
    return df, layout, where


def parse_dossier_complet(path: Path, dataset_id: str = DOSSIER_ID) -> pd.DataFrame:
    """Dossier complet → long table (see module docstring); ``df.attrs["layout"]`` says which.

    Reads the official ``dossier_complet.zip`` (national, ~34,900 communes × ~1,900 columns,
    ``;``), the bare national CSV, or the mirror's 39-column subset (see
    :func:`read_dossier_text`). Keeps the 38 variables of :data:`DOSSIER_VARIABLES`, selected
    by name (the column order changes with every edition); other columns are ignored, a missing
    one is an error naming the file and the column (and the header's similar names: a new
    edition renames ``P22_POP0014`` to ``P23_POP0014``, and no year is silently dropped).
    Rows are cut to the region while reading. Measured on a generated national-size zip (34,900
    rows × 1,900 columns, 665 MB unzipped, 256 MB zipped; 2 cores): 4.8 s, peak resident memory
    118 MiB, of which 103 MiB is the interpreter with pandas loaded before parsing.
    """
    variables = list(DOSSIER_VARIABLES)
    text, layout, where = read_dossier_text(path, dataset_id)
    wide = _wide_from_text(text, where, variables, dataset_id)
    path = where
    _check_non_negative(path, dataset_id, wide, variables)
    v = wide.values
    for band in ("1524", "2554", "5564"):
        act, chom = f"P22_ACT{band}", f"P22_CHOM{band}"
        bad = _le(v[chom], v[act])
        if bad.any():
            _fail(path, dataset_id, wide, bad, chom,
                  f"more unemployed than active: {chom} = {{{chom}}} > {act} = {{{act}}}")
    out = _to_long(wide, variables)
    out.attrs["layout"] = layout
    return out


def _check_comparateur(path, dataset_id: str, wide: _Wide, yy: str) -> None:
    v = wide.values
    log, rp, rsec, vac = f"P{yy}_LOG", f"P{yy}_RP", f"P{yy}_RSECOCC", f"P{yy}_LOGVAC"
    diff = (v[log] - (v[rp] + v[rsec] + v[vac])).abs()
    bad = diff >= 0.5  # NaN compares False: a missing cell is not checked
    if bad.any():
        _fail(path, dataset_id, wide, bad, log,
              f"{log} = {{{log}}} differs from {rp} + {rsec} + {vac} = "
              f"{{{rp}}} + {{{rsec}}} + {{{vac}}} by 0.5 or more")
    chom, act, pop = f"P{yy}_CHOM1564", f"P{yy}_ACT1564", f"P{yy}_POP1564"
    bad = _le(v[chom], v[act])
    if bad.any():
        _fail(path, dataset_id, wide, bad, chom,
              f"more unemployed than active: {chom} = {{{chom}}} > {act} = {{{act}}}")
    bad = _le(v[act], v[pop])
    if bad.any():
        _fail(path, dataset_id, wide, bad, act,
              f"more active than inhabitants aged 15-64: {act} = {{{act}}} > {pop} = {{{pop}}}")


def parse_comparateur_2022(path: Path, dataset_id: str = COMPARATEUR_2022_ID) -> pd.DataFrame:
    """Comparateur de territoires RP2022 → long table (see module docstring).

    Rows with an empty ``P22_POP`` (former communes kept for Filosofi only) are dropped; their codes
    are in ``df.attrs["dropped_communes"]``.
    """
    variables = list(COMPARATEUR_2022_VARIABLES)
    wide = _read_wide(path, variables, dataset_id)
    no_census = wide.status["P22_POP"] == STATUS_MISSING
    census_vars = [c for c in variables if c not in FILOSOFI_2022]
    filled = (wide.status[census_vars] != STATUS_MISSING).any(axis=1) & no_census
    if filled.any():
        row = wide.text[filled].iloc[0]
        col = next(c for c in census_vars if wide.status.loc[filled[filled].index[0], c] != STATUS_MISSING)
        raise SourceFormatError(
            path, f"commune {row['CODGEO']}: P22_POP is empty but {col} is filled "
                  "(only Filosofi cells are expected in a row without population)",
            line=int(row["_line"]), column=col, value=row[col], dataset_id=dataset_id,
        )
    dropped = wide.text.loc[no_census, "CODGEO"].astype(str).tolist()
    wide = wide.keep(~no_census)
    _check_non_negative(path, dataset_id, wide, variables)
    _check_comparateur(path, dataset_id, wide, "22")
    out = _to_long(wide, variables)
    out.attrs["dropped_communes"] = dropped
    out.attrs["layout"] = wide.layout
    return out


def parse_comparateur_2018(path: Path, dataset_id: str = COMPARATEUR_2018_ID) -> pd.DataFrame:
    """Comparateur de territoires RP2018 (2021 geography, codes unchanged) → long table."""
    variables = list(COMPARATEUR_2018_VARIABLES)
    wide = _read_wide(path, variables, dataset_id)
    _check_non_negative(path, dataset_id, wide, variables)
    _check_comparateur(path, dataset_id, wide, "18")
    out = _to_long(wide, variables)
    out.attrs["layout"] = wide.layout
    return out


# ------------------------------------------------------------------------------ cross-checks


AGE_CHECK_COLUMNS = ["commune_code", "age_bands_sum", "population", "difference"]


def check_age_bands(
    dossier_long: pd.DataFrame,
    population_by_commune: Mapping[str, float] | pd.Series | pd.DataFrame,
    tolerance: float = 0.5,
    *,
    raise_on_mismatch: bool = True,
    path=None,
) -> pd.DataFrame:
    """Compare, commune by commune, the sum of the 7 age bands ``P22_POP0014..P22_POP90P`` of
    :func:`parse_dossier_complet` with a population total (the 2022 municipal populations).

    ``population_by_commune``: a dict or Series ``commune code → population``, or a DataFrame with
    ``commune_code`` and ``population`` columns (one row per commune).

    A commune is at fault when ``|sum - population| > tolerance``, when one of its age bands is not
    a number (secret or missing), or when it is on one side only. Returns the faulty communes
    (``commune_code, age_bands_sum, population, difference``, empty when all agree); with
    ``raise_on_mismatch`` (the default) raises :class:`SourceFormatError` instead, naming the first
    communes at fault.
    """
    if isinstance(population_by_commune, pd.DataFrame):
        pop_df = population_by_commune
        if pop_df["commune_code"].duplicated().any():
            raise ValueError("population_by_commune lists a commune twice (filter one year first)")
        pop = pd.Series(pop_df["population"].to_numpy(), index=pop_df["commune_code"].astype(str))
    else:
        pop = pd.Series(population_by_commune, dtype="float64")
        pop.index = pop.index.astype(str)
    pop = pop.astype("float64")

    bands = dossier_long[dossier_long["variable"].isin(AGE_BANDS)]
    counts = bands.groupby("commune_code")["value"].count()
    sums = bands.groupby("commune_code")["value"].sum()
    sums[counts < len(AGE_BANDS)] = np.nan  # a secret/missing band: no reliable sum
    sums.index = sums.index.astype(str)

    codes = sums.index.union(pop.index)
    table = pd.DataFrame({"commune_code": codes,
                          "age_bands_sum": sums.reindex(codes).to_numpy(),
                          "population": pop.reindex(codes).to_numpy()})
    table["difference"] = table["age_bands_sum"] - table["population"]
    bad = table[~(table["difference"].abs() <= tolerance)].reset_index(drop=True)
    if raise_on_mismatch and not bad.empty:
        shown = "; ".join(
            f"{r.commune_code}: age bands {_fmt(r.age_bands_sum)} vs population {_fmt(r.population)}"
            for r in bad.head(5).itertuples()
        )
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise SourceFormatError(
            path or DATASETS[0].mirror_path,
            f"sum of the 7 age bands differs from the population by more than {tolerance} "
            f"for {len(bad)} commune(s): {shown}{more}",
            dataset_id=DOSSIER_ID,
        )
    return bad[AGE_CHECK_COLUMNS]
