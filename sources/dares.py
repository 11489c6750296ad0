"""DARES / France Travail labour-market tension indicators (2019) and the 2024 list of occupations
in shortage ("métiers en tension").

Both use the **FAP-2009** nomenclature (``A0Z40``), not the FAP-2021 of BMO 2024 (``A0X40``): the
codes do not join without a FAP-2009 → FAP-2021 correspondence.

``parse_tensions(path)`` → one row per FAP × geography (file ``tensions.csv`` of the DARES
repository ``StatDares/PortraitStatMetiers``):

======================== ==============================================================
fap_code                 FAP-2009 code: 5 characters (``fap225``) or 3 (``fap87``)
fap_level                ``fap225`` or ``fap87`` (``niveau_fap`` without its space)
geo_level                ``nat``, ``reg`` or ``dep`` (``niveau_geo``; the source writes
                         ``reg `` with a trailing space on fap 87 rows)
geo_code                 ``FR`` for ``nat``; region ``52`` (source ``52.0``, a float
                         artefact); département ``44``…
year                     int (``Année``)
emploi_moyen             average employment
tension                  synthetic tension indicator (standardised, higher = more tension;
                         source column ``Tension `` with a trailing space)
tension_category         1 (very low) … 5 (very high), NaN when not computed
intensite_embauches      each component 1-5 (5 = strongest contribution to tension),
lien_formation_emploi    NaN when not computed
manque_main_oeuvre
non_durabilite_emploi
conditions_travail
inadequation_geographique
status                   ``ok``; ``missing`` when the category and the six components are
                         not computed (small volume): the ``tension`` value is then kept
                         but fragile (it may equal the regional value, see below)
======================== ==============================================================

In the mirror 530 rows (504 départemental, 26 regional) have no category nor components; 186 of the
504 départemental ones carry a tension exactly equal to the regional value of the same FAP.
A row with only some components blank is an error (none in the source); so are a component outside
1-5, an unknown ``niveau_geo``/``niveau_fap``, and a repeated FAP × geography.

``parse_metiers_en_tension(path)`` → ``region`` (``Pays de la Loire``, or ``France Entière`` for
occupations listed for all regions), ``label``, ``fap_code`` (FAP-2009). The third-party CSV
replaced the commas of the labels by semicolons (``Plombiers; chauffagistes``); the parser restores
``, `` as in the arrêté. All regions of the national file are kept.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import check_codes, check_unique, read_delimited, to_number

TENSIONS_ID = "dares_tensions_2019"
METIERS_ID = "metiers_en_tension_2024"

DATASETS: list[Dataset] = [
    Dataset(
        id=TENSIONS_ID,
        table="dares_tensions_2019",
        parser="dares:parse_tensions",
        description='DARES occupational tension indicators 2019 (FAP-2009), national, region, départements.',
        family="bmo",
        title="Indicateurs de tension sur le marché du travail par famille professionnelle, 2019 "
        "(France, Pays de la Loire, départements)",
        publisher="DARES et Pôle emploi (dépôt StatDares/PortraitStatMetiers)",
        url=(
            "https://raw.githubusercontent.com/StatDares/PortraitStatMetiers/"
            "3d7e055d08cd1001cf1a7e0daeb60aead7d9415e/inputs/tensions/tensions.csv"
        ),
        page="https://dares.travail-emploi.gouv.fr/",
        licence=LO2,
        vintage="2019 ; FAP-2009",
        mirror_path="dares/dares_tensions_fap_2019_nat_reg52_dep_pdl.csv",
        note=(
            "DARES's own file (31,034 rows) cut to niveau_geo == nat, reg == 52.0 and the five "
            "départements; values unchanged. Newer vintages (2023, 2024) are Excel workbooks in "
            "FAP-2021 with other column names (code_fap_228, tension, tension_discret…): another "
            "parser."
        ),
    ),
    Dataset(
        id=METIERS_ID,
        table="metiers_en_tension_2024",
        parser="dares:parse_metiers_en_tension",
        description='Official list of occupations in shortage (arrêté of 1 March 2024), region rows.',
        family="bmo",
        title="Liste des métiers en tension (arrêté du 1er mars 2024), Pays de la Loire",
        publisher="Ministère du Travail (arrêté du 1er mars 2024, JORF du 2 mars 2024), table de jbesan/13_odis_stream2",
        url=(
            "https://raw.githubusercontent.com/jbesan/13_odis_stream2/"
            "f596c7771ce54183f5df26258b38a72173a04a64/csv/metiers_en_tension_mars_2024.csv"
        ),
        page="https://www.legifrance.gouv.fr/",
        licence=LO2,
        vintage="arrêté du 1er mars 2024 ; FAP-2009",
        mirror_path="dares/liste_metiers_en_tension_arrete_mars2024_pdl.csv",
        note=(
            "The legal source is the arrêté (Légifrance, not machine-readable). The URL is a "
            "third-party table of it (398 rows); the mirror keeps 'Pays de la Loire' and 'France "
            "Entière' rows. The list was replaced by the arrêté du 21 mai 2025 (JORF du 22 mai 2025)."
        ),
    ),
]

TENSION_COLUMNS = {
    "Tension": "tension",
    "Catégorie Tension": "tension_category",
    "Intensité d'embauches": "intensite_embauches",
    "Lien formation-emploi": "lien_formation_emploi",
    "Manque de main-d'œuvre disponible": "manque_main_oeuvre",
    "Non-durabilité de l'emploi": "non_durabilite_emploi",
    "Conditions de travail contraignantes": "conditions_travail",
    "Inadéquation géographique": "inadequation_geographique",
}
COMPONENTS = list(TENSION_COLUMNS)[1:]  # the category and the six components: 1-5, blank together
REQUIRED = ["fap", "Emploi moyen", *TENSION_COLUMNS, "Année", "niveau_geo", "niveau_fap", "reg", "dep"]
FAP_LEVELS = {"fap 225": ("fap225", re.compile(r"^[A-Z]\d[A-Z]\d{2}$")),
              "fap 87": ("fap87", re.compile(r"^[A-Z]\d[A-Z]$"))}
GEO_LEVELS = ("nat", "reg", "dep")
_REGION = re.compile(r"^(\d{2})(?:\.0+)?$")
_DEP = re.compile(r"^(\d{2}|2[AB]|97\d)(?:\.0+)?$")


def _fail(df, mask, path, reason, column, dataset_id):
    row = df[mask].iloc[0]
    raise SourceFormatError(path, reason, line=int(row["_line"]), column=column, value=row[column],
                            dataset_id=dataset_id)


def parse_tensions(path: Path, dataset_id: str = TENSIONS_ID) -> pd.DataFrame:
    df = read_delimited(path, sep=";", required=REQUIRED, dataset_id=dataset_id)
    for col in ("fap", "niveau_geo", "niveau_fap", "reg", "dep", "Année"):
        df[col] = df[col].fillna("").str.strip()

    bad = ~df["niveau_fap"].isin(list(FAP_LEVELS))
    if bad.any():
        _fail(df, bad, path, "unknown niveau_fap (expected 'fap 225' or 'fap 87')", "niveau_fap", dataset_id)
    for raw, (_, pattern) in FAP_LEVELS.items():
        bad = (df["niveau_fap"] == raw) & ~df["fap"].str.fullmatch(pattern.pattern)
        if bad.any():
            _fail(df, bad, path, f"malformed FAP-2009 code for {raw}", "fap", dataset_id)
    bad = ~df["niveau_geo"].isin(GEO_LEVELS)
    if bad.any():
        _fail(df, bad, path, "unknown niveau_geo (expected nat, reg or dep)", "niveau_geo", dataset_id)

    geo = pd.Series("FR", index=df.index)
    reg_rows, dep_rows = df["niveau_geo"] == "reg", df["niveau_geo"] == "dep"
    reg_codes = df["reg"].str.extract(_REGION.pattern)[0]
    dep_codes = df["dep"].str.extract(_DEP.pattern)[0]
    if (reg_rows & reg_codes.isna()).any():
        _fail(df, reg_rows & reg_codes.isna(), path, "malformed region code", "reg", dataset_id)
    if (dep_rows & dep_codes.isna()).any():
        _fail(df, dep_rows & dep_codes.isna(), path, "malformed département code", "dep", dataset_id)
    geo[reg_rows] = reg_codes[reg_rows]
    geo[dep_rows] = dep_codes[dep_rows]
    df["_geo"] = geo
    check_unique(df, ["fap", "niveau_fap", "niveau_geo", "_geo"], path, dataset_id=dataset_id)

    out = pd.DataFrame(
        {
            "fap_code": df["fap"],
            "fap_level": df["niveau_fap"].map({k: v[0] for k, v in FAP_LEVELS.items()}),
            "geo_level": df["niveau_geo"],
            "geo_code": geo,
            "year": to_number(df, "Année", path, missing=(), dataset_id=dataset_id, integer=True).astype(int),
            "emploi_moyen": to_number(df, "Emploi moyen", path, missing=(), dataset_id=dataset_id),
        }
    )
    blank = pd.DataFrame({c: df[c].fillna("").str.strip() == "" for c in COMPONENTS})
    partial = blank.any(axis=1) & ~blank.all(axis=1)
    if partial.any():
        row = df[partial].iloc[0]
        col = blank.loc[partial].iloc[0].idxmax()
        raise SourceFormatError(path, "some components blank, others not", line=int(row["_line"]),
                                column=col, value="", dataset_id=dataset_id)
    for col, name in TENSION_COLUMNS.items():
        missing = ("",) if col in COMPONENTS else ()
        values = to_number(df, col, path, missing=missing, dataset_id=dataset_id)
        if col in COMPONENTS:
            bad = values.notna() & ~values.isin([1, 2, 3, 4, 5])
            if bad.any():
                _fail(df, bad, path, "expected a score from 1 to 5", col, dataset_id)
        out[name] = values
    out["status"] = np.where(blank.all(axis=1), "missing", "ok")
    return out.reset_index(drop=True)


METIERS_COLUMNS = ["Region", "Famille Professionnelle", "Code FAP"]
FAP2009 = re.compile(r"^[A-Z]\d[A-Z]\d{2}$")


def parse_metiers_en_tension(path: Path, dataset_id: str = METIERS_ID) -> pd.DataFrame:
    df = read_delimited(path, sep=";", required=METIERS_COLUMNS, dataset_id=dataset_id)
    for col in METIERS_COLUMNS:
        df[col] = df[col].fillna("").str.strip()
    check_codes(df, "Code FAP", path, pattern=FAP2009, dataset_id=dataset_id, what="FAP-2009 code")
    for col in ("Region", "Famille Professionnelle"):
        empty = df[col] == ""
        if empty.any():
            _fail(df, empty, path, "empty cell", col, dataset_id)
    check_unique(df, ["Region", "Code FAP"], path, dataset_id=dataset_id)
    label = df["Famille Professionnelle"].str.replace(r"\s*;\s*", ", ", regex=True)
    return pd.DataFrame(
        {"region": df["Region"].to_numpy(), "label": label.to_numpy(), "fap_code": df["Code FAP"].to_numpy()}
    )
