"""France Travail referential of comités locaux pour l'emploi (CLPE): commune → territory.

The CLPE follow the Clefop perimeters that SPRO coordinators use (see the mirror's SOURCE.md for
why this file stands in for the Région's "Territoires EFOP" files). The official file is national;
the mirror keeps the region's communes plus the out-of-region communes of territories coded in the
region. :func:`region_cut` applies that same rule to the national file, so online and offline builds
give the same set.

``parse(path)`` → ``commune_code, territory_id, label, departement, region, _line``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import SourceFormatError
from .tabular import check_codes, check_unique, read_delimited

DATASET_ID = "clpe_communes"
COLUMNS = ["commune_id", "territoire_id", "territoire_libelle", "departement_id", "region_id"]
REGION_DEPARTEMENTS = ("44", "49", "53", "72", "85")


def parse(path: Path) -> pd.DataFrame:
    df = read_delimited(path, sep=",", required=COLUMNS, dataset_id=DATASET_ID)
    out = pd.DataFrame(
        {
            "commune_code": df["commune_id"].str.strip(),
            "territory_id": df["territoire_id"].str.strip(),
            "label": df["territoire_libelle"].str.strip(),
            "departement": df["departement_id"].str.strip(),
            "region": df["region_id"].str.strip(),
            "_line": df["_line"],
        }
    )
    validate(out, path)
    return out


def validate(df: pd.DataFrame, path) -> None:
    check_codes(df, "commune_code", path, dataset_id=DATASET_ID)
    check_unique(df, ["commune_code"], path, dataset_id=DATASET_ID)
    empty = df[(df["territory_id"] == "") | (df["label"] == "")]
    if not empty.empty:
        row = empty.iloc[0]
        raise SourceFormatError(path, "empty territory id or label", line=int(row["_line"]),
                                dataset_id=DATASET_ID)
    labels = df.groupby("territory_id")["label"].nunique()
    if (labels > 1).any():
        tid = labels[labels > 1].index[0]
        row = df[df["territory_id"] == tid].iloc[0]
        raise SourceFormatError(path, "territory with several labels", line=int(row["_line"]),
                                value=tid, dataset_id=DATASET_ID)


def region_cut(df: pd.DataFrame, region_communes: set[str]) -> pd.DataFrame:
    """Rows of the region's communes, plus every commune of a territory coded in the region.

    Territories coded outside the region (``CLPE35001`` Redon, ``CLPE61003`` Alençon) keep only
    their communes of the region: the rest of them is another region's business.
    """
    coded_here = df["territory_id"].str[4:6].isin(REGION_DEPARTEMENTS)
    return df[df["commune_code"].isin(region_communes) | coded_here].reset_index(drop=True)
