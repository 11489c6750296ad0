"""INSEE COG 2024 commune list in its official CSV format (``v_commune_2024.csv``), and the 2024
EPCI list needed to read coordinator definitions written in COG 2024.

``v_commune_2024.csv`` is comma-separated UTF-8 with columns ``TYPECOM, COM, REG, DEP, CTCD, ARR,
TNCC, NCC, NCCENR, LIBELLE, CAN, COMPARENT``. ``TYPECOM`` is ``COM`` (commune), ``COMD`` (commune
déléguée), ``COMA`` (commune associée) or ``ARM`` (arrondissement municipal); ``COMPARENT`` is the
commune a COMD/COMA/ARM belongs to. The file has no dates: the dated history is INSEE's separate
``v_mvt_commune_<year>.csv`` (not in the mirror).

The official file is national; :func:`parse_v_commune` cuts it like the mirror: ``COM`` rows whose
``DEP`` is one of the region's départements, plus ``COMD``/``COMA``/``ARM`` rows whose parent commune
is in those départements (their ``REG``/``DEP`` are empty in the official file). Pass
``departements=None`` to keep every row.

``parse_v_commune(path)`` → ``type, code, parent_code, name, departement`` (``parent_code`` empty
for ``COM``; ``departement`` is the département of the row, or of its parent for COMD/COMA/ARM).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .dataset import LO2, Dataset
from .errors import SourceFormatError
from .tabular import check_codes, read_delimited

DATASET_ID = "insee_v_commune_2024"
REGION_DEPARTEMENTS = ("44", "49", "53", "72", "85")
TYPES = {"COM", "COMD", "COMA", "ARM"}
REQUIRED = ["TYPECOM", "COM", "DEP", "LIBELLE", "COMPARENT"]

DATASETS = [
    Dataset(
        id=DATASET_ID,
        table="v_commune_2024",
        parser="cog_history:parse_v_commune",
        description='INSEE v_commune_2024: current, delegated and associated communes of COG 2024.',
        no_refresh='frozen vintage: the 2024 commune list behind the commune history; it never changes',
        title="Code officiel géographique 2024 : liste des communes (communes, communes déléguées et associées)",
        publisher="INSEE",
        url="https://www.insee.fr/fr/statistiques/fichier/7766585/v_commune_2024.csv",
        page="https://www.insee.fr/fr/information/7766585",
        licence=LO2,
        vintage="COG 2024 (géographie au 1er janvier 2024)",
        mirror_path="cog/v_commune_2024_r52.csv",
        layout="official",
        note=(
            "Mirror: the official v_commune_2024.csv restricted to the region (COM of départements "
            "44/49/53/72/85 and the COMD/COMA whose COMPARENT is there), taken from the R package "
            "COGiter (MaelTheuliere/COGiter@3551eb1, data/communes_cog.rda) with the official column "
            "names restored (DEPCOM→COM, NOM_DEPCOM→LIBELLE)."
        ),
    ),
    Dataset(
        id="cog_epci_2024",
        table="cog_epci_2024",
        parser="cog:parse_epci",
        description='EPCI of 2024 and their member communes (definitions written in COG 2024).',
        no_refresh='frozen vintage: EPCI of 2024, kept to read definitions written in 2024 codes; it never changes',
        title="EPCI à fiscalité propre au 1er janvier 2024 et leurs communes membres",
        publisher="DGCL / INSEE (paquet Etalab @etalab/decoupage-administratif 4.1.0)",
        url="https://unpkg.com/@etalab/decoupage-administratif@4.1.0/data/epci.json",
        page="https://www.collectivites-locales.gouv.fr/institutions/liste-et-composition-des-epci-fiscalite-propre",
        licence=LO2,
        vintage="COG 2024",
        mirror_path="cog/decoupage-administratif-4.1.0_epci_r52.json",
        note="Parsed by sources.cog.parse_epci; used to read territory definitions written in COG 2024.",
    ),
]


def parse_v_commune(path: Path, *, departements=REGION_DEPARTEMENTS,
                    dataset_id: str = DATASET_ID) -> pd.DataFrame:
    df = read_delimited(path, sep=",", required=REQUIRED, dataset_id=dataset_id)
    out = pd.DataFrame(
        {
            "type": df["TYPECOM"].str.strip(),
            "code": df["COM"].str.strip(),
            "parent_code": df["COMPARENT"].fillna("").str.strip(),
            "name": df["LIBELLE"].str.strip(),
            "departement": df["DEP"].fillna("").str.strip(),
            "_line": df["_line"],
        }
    )
    bad = ~out["type"].isin(TYPES)
    if bad.any():
        row = out[bad].iloc[0]
        raise SourceFormatError(path, "unknown TYPECOM", line=int(row["_line"]), column="TYPECOM",
                                value=row["type"], dataset_id=dataset_id)
    check_codes(out, "code", path, dataset_id=dataset_id)
    child = out["type"] != "COM"
    orphan = child & (out["parent_code"] == "")
    if orphan.any():
        row = out[orphan].iloc[0]
        raise SourceFormatError(path, f"{row['type']} without COMPARENT", line=int(row["_line"]),
                                column="COMPARENT", value=row["code"], dataset_id=dataset_id)
    check_codes(out[child], "parent_code", path, dataset_id=dataset_id)
    # COMD/COMA/ARM rows have an empty DEP in the official file: take their parent's.
    dep_of_com = out[~child].set_index("code")["departement"]
    parent_dep = out.loc[child, "parent_code"].map(dep_of_com)
    fallback = out.loc[child, "parent_code"].str[:2]
    out.loc[child, "departement"] = parent_dep.fillna(fallback).where(
        out.loc[child, "departement"] == "", out.loc[child, "departement"])
    if departements is not None:
        out = out[out["departement"].isin(departements)]
    dup = out[out["type"] == "COM"]["code"].duplicated()
    if dup.any():
        row = out[out["type"] == "COM"][dup].iloc[0]
        raise SourceFormatError(path, "commune (COM) listed twice", line=int(row["_line"]),
                                value=row["code"], dataset_id=dataset_id)
    if out.empty:
        raise SourceFormatError(path, "no commune of the selected départements", dataset_id=dataset_id)
    return out.reset_index(drop=True)
