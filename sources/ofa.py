"""Apprenticeship training organisations (OFA/CFA) by network, and the prépa-apprentissage list.

Source: the "Référentiel UAI–SIRET des OFA-CFA" extracts of the Mission interministérielle pour
l'apprentissage (Tableau de bord de l'apprentissage), one file per network
(``referentiel-reseau-<network>.csv``, ``;``-separated), and ``organismes-prepa-apprentissage.csv``.
The mirror keeps the official columns, cut to the region (line-preserving filter). The network files
are national upstream: :func:`parse_networks` applies the same regional cut (column ``Région``, or the
UAI's département prefix for files without it), so it reads both.

``parse_networks(mirror_dir_or_paths)`` → one row per (file, organisation):

=========== =========================================================================
siret       SIRET (14 digits)
uai         ``UAI validée`` (may be empty)
name        ``Raison sociale``, followed by `` – <Enseigne>`` when there is one
network     the file's network slug (``referentiel-reseau-<slug>``), e.g. ``greta``, ``cma``
nature      ``formateur``, ``responsable``, ``responsable_formateur``, ``inconnue`` (or empty)
address     ``Adresse`` as published (street, postcode and commune in one string)
postcode    the 5-digit postcode found in the address (None if none)
commune     the text after the postcode, as found (the whole address when it has no postcode)
qualiopi    True / False / None (``Oui`` / ``Non`` / empty)
state       ``etat_administratif`` (``actif``, ``fermé`` or empty)
imported    ISO date of ``Date d'import`` (``dd/mm/yyyy`` or ``yyyy-mm-dd`` upstream), or None
_file       file name
_line       line in that file
=========== =========================================================================

An organisation listed in several networks appears once per file (e.g. a lycée in ``en`` and in
``greta``): the directory deduplicates by SIRET.

``parse_prepa(path)`` → ``uai, siret, name, nature, departement, commune, address, postcode,
prepa_apprentissage`` (bool: the ``X`` flag), ``_line``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Iterable

import pandas as pd

from .dataset import Dataset
from .errors import SourceFormatError
from .tabular import concat_files, read_delimited

NETWORKS_ID = "ofa_referentiel"
PREPA_ID = "ofa_prepa_apprentissage"
UPSTREAM = (
    "https://raw.githubusercontent.com/mission-apprentissage/flux-retour-cfas/"
    "12cb59e9b2100bd2f17e110d8d476e63cdf079b5/server/static"
)
# network slugs with at least one organisation in the region (afpa and cr-normandie have none)
NETWORK_SLUGS = (
    "aden", "aftral", "agri", "amue", "cci", "cfa-ec", "cma", "compagnons-du-devoir",
    "compagnons-du-tour-de-france", "eduservice", "en", "greta", "mfr", "uimm",
)
NETWORK_URL = UPSTREAM + "/reseaux/referentiel-reseau-{network}.csv"
LICENCE = (
    "Aucune licence indiquée (données publiques ; citer « Mission apprentissage – référentiel "
    "UAI-SIRET »)"
)

DATASETS = [
    Dataset(
        id=NETWORKS_ID,
        table="ofa_referentiel",
        parser="ofa:parse_network_files",
        description='Apprenticeship training organisations by network (référentiel UAI-SIRET).',
        files=tuple((n, f"referentiel_ofa_reseaux/referentiel-reseau-{n}_pdl.csv", NETWORK_URL.format(network=n)) for n in NETWORK_SLUGS),
        family="education",
        title="Référentiel UAI–SIRET des organismes de formation en apprentissage, par réseau",
        publisher="Mission interministérielle pour l'apprentissage (DGEFP / DNE / ONISEP), Tableau de bord de l'apprentissage",
        url=NETWORK_URL.format(network="greta"),
        page="https://referentiel.apprentissage.onisep.fr",
        licence=LICENCE,
        vintage="imports 2021-12 à 2023-07 (fichiers modifiés le 2025-02-10)",
        mirror_path="referentiel_ofa_reseaux",
        note=(
            "One file per network: the mirror path is a directory holding "
            "referentiel-reseau-<network>_pdl.csv, and `url` is the file of one network; the others "
            "are NETWORK_URL.format(network=slug) for slug in NETWORK_SLUGS. Official columns, cut to "
            "Région == 'Pays de la Loire' (eduservice: UAI prefix 044/049/053/072/085)."
        ),
    ),
    Dataset(
        id=PREPA_ID,
        table="ofa_prepa_apprentissage",
        parser="ofa:parse_prepa",
        description='Apprenticeship organisations with their prépa-apprentissage flag.',
        family="annuaire",
        title="Organismes de formation en apprentissage et programme Prépa-apprentissage",
        publisher="Mission interministérielle pour l'apprentissage (DGEFP / DNE / ONISEP), Tableau de bord de l'apprentissage",
        url=UPSTREAM + "/organismes/organismes-prepa-apprentissage.csv",
        page="https://referentiel.apprentissage.onisep.fr",
        licence=LICENCE,
        vintage="2023 (fichier modifié le 2025-02-10)",
        mirror_path="referentiel_ofa_reseaux/organismes-prepa-apprentissage_pdl.csv",
        note="Official columns, cut to departement in 44/49/53/72/85 (re-serialised: quoting may differ).",
    ),
]

REGION = "Pays de la Loire"
UAI_PREFIXES = ("044", "049", "053", "072", "085")
_SIRET = re.compile(r"^\d{14}$")
_UAI = re.compile(r"^\d{7}[A-Z]$")
_POSTCODE = re.compile(r"(?:^|\s)(\d{5})\s+(.+?)\s*$")
_FILE = re.compile(r"^referentiel-reseau-(?P<slug>.+?)(?:_pdl)?\.csv$")
NETWORK_COLUMNS = [
    "siret", "uai", "name", "network", "nature", "address", "postcode", "commune", "qualiopi",
    "state", "imported", "_file", "_line",
]


def _norm_header(df: pd.DataFrame) -> pd.DataFrame:
    """Collapse runs of spaces in column names (the greta file has ``Réseaux à  jour``) and drop
    the unnamed trailing columns some files carry."""
    df = df.copy()
    df.columns = [" ".join(str(c).split()) for c in df.columns]
    return df.loc[:, [c != "" for c in df.columns]]


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name].fillna("").astype(str).str.strip()
    return pd.Series([""] * len(df), index=df.index, dtype=object)


def split_address(address: str) -> tuple[str | None, str | None]:
    """``"10 Avenue X 44600 Saint-Nazaire"`` → ``("44600", "Saint-Nazaire")``; no postcode → the whole
    string is taken as the commune."""
    a = (address or "").strip()
    if not a:
        return None, None
    m = _POSTCODE.search(a)
    if m:
        return m.group(1), m.group(2)
    return None, a


def _date(value: str, path, line: int, column: str) -> str | None:
    v = value.strip()
    if not v:
        return None
    try:
        if re.fullmatch(r"\d{2}/\d{2}/\d{4}", v):
            d, m, y = v.split("/")
            return date(int(y), int(m), int(d)).isoformat()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            return date.fromisoformat(v).isoformat()
    except ValueError:
        pass
    raise SourceFormatError(path, "not a date (dd/mm/yyyy or yyyy-mm-dd)", line=line, column=column,
                            value=value, dataset_id=NETWORKS_ID)


def _check(values: pd.Series, lines: pd.Series, pattern, path, column, what, dataset_id, allow_empty):
    for v, line in zip(values, lines):
        if (v == "" and allow_empty) or pattern.fullmatch(v):
            continue
        raise SourceFormatError(path, f"malformed {what}", line=int(line), column=column, value=v,
                                dataset_id=dataset_id)


def network_files(mirror_dir_or_paths: Path | str | Iterable[Path | str]) -> list[Path]:
    if isinstance(mirror_dir_or_paths, (str, Path)):
        p = Path(mirror_dir_or_paths)
        if p.is_dir():
            files = sorted(p.glob("referentiel-reseau-*.csv"))
            if not files:
                raise SourceFormatError(p, "no referentiel-reseau-*.csv file in this directory",
                                        dataset_id=NETWORKS_ID)
            return files
        return [p]
    return [Path(x) for x in mirror_dir_or_paths]


def parse_network_file(path: Path) -> pd.DataFrame:
    path = Path(path)
    m = _FILE.match(path.name)
    if not m:
        raise SourceFormatError(path, "file name should be referentiel-reseau-<network>[_pdl].csv",
                                dataset_id=NETWORKS_ID)
    df = _norm_header(read_delimited(path, sep=";", required=["Siret", "UAI validée"],
                                     dataset_id=NETWORKS_ID))
    uai = _col(df, "UAI validée").str.upper()
    if "Région" in df.columns:
        keep = _col(df, "Région") == REGION
    else:
        keep = uai.str[:3].isin(UAI_PREFIXES)
    df, uai = df[keep], uai[keep]
    siret = _col(df, "Siret")
    _check(siret, df["_line"], _SIRET, path, "Siret", "SIRET", NETWORKS_ID, allow_empty=False)
    _check(uai, df["_line"], _UAI, path, "UAI validée", "UAI", NETWORKS_ID, allow_empty=True)
    raison, enseigne = _col(df, "Raison sociale"), _col(df, "Enseigne")
    names = [
        (f"{r} – {e}" if e and e.upper() not in r.upper() else r) if r else (e or None)
        for r, e in zip(raison, enseigne)
    ]
    address = _col(df, "Adresse")
    split = [split_address(a) for a in address]
    qualiopi = []
    for v, line in zip(_col(df, "Qualiopi"), df["_line"]):
        low = v.lower()
        if low not in ("oui", "non", ""):
            raise SourceFormatError(path, "Qualiopi should be Oui or Non", line=int(line),
                                    column="Qualiopi", value=v, dataset_id=NETWORKS_ID)
        qualiopi.append(True if low == "oui" else False if low == "non" else None)
    imported = [_date(v, path, int(line), "Date d'import")
                for v, line in zip(_col(df, "Date d'import"), df["_line"])]
    out = pd.DataFrame(
        {
            "siret": siret.values,
            "uai": uai.replace("", None).values,
            "name": names,
            "network": m.group("slug"),
            "nature": _col(df, "Nature").replace("", None).values,
            "address": address.replace("", None).values,
            "postcode": [s[0] for s in split],
            "commune": [s[1] for s in split],
            "qualiopi": pd.Series(qualiopi, dtype=object).values,
            "state": _col(df, "etat_administratif").replace("", None).values,
            "imported": imported,
            "_file": path.name,
            "_line": df["_line"].values,
        },
        columns=NETWORK_COLUMNS,
    )
    dup = out.duplicated("siret")
    if dup.any():
        row = out[dup].iloc[0]
        raise SourceFormatError(path, "SIRET listed twice in the same network file", line=int(row["_line"]),
                                column="Siret", value=row["siret"], dataset_id=NETWORKS_ID)
    return out


def parse_networks(mirror_dir_or_paths) -> pd.DataFrame:
    """Read every ``referentiel-reseau-*.csv`` of a directory (or the given files)."""
    frames = [parse_network_file(p) for p in network_files(mirror_dir_or_paths)]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=NETWORK_COLUMNS)
    return pd.concat(frames, ignore_index=True)


PREPA_COLUMNS = ["uai", "siret", "raison_sociale", "enseigne", "nature", "departement", "commune",
                 "adresse", "prepa_apprentissage"]


def parse_prepa(path: Path) -> pd.DataFrame:
    path = Path(path)
    df = read_delimited(path, sep=";", required=PREPA_COLUMNS, dataset_id=PREPA_ID)
    df = df[_col(df, "departement").isin(["44", "49", "53", "72", "85"])]
    uai, siret = _col(df, "uai").str.upper(), _col(df, "siret")
    _check(siret, df["_line"], _SIRET, path, "siret", "SIRET", PREPA_ID, allow_empty=False)
    _check(uai, df["_line"], _UAI, path, "uai", "UAI", PREPA_ID, allow_empty=True)
    flag = _col(df, "prepa_apprentissage").str.upper()
    bad = ~flag.isin(["", "X"])
    if bad.any():
        i = bad[bad].index[0]
        raise SourceFormatError(path, "prepa_apprentissage should be X or empty", line=int(df.loc[i, "_line"]),
                                column="prepa_apprentissage", value=df.loc[i, "prepa_apprentissage"],
                                dataset_id=PREPA_ID)
    raison, enseigne = _col(df, "raison_sociale"), _col(df, "enseigne")
    out = pd.DataFrame(
        {
            "uai": uai.replace("", None).values,
            "siret": siret.values,
            "name": [f"{r} – {e}" if e and e.upper() not in r.upper() else r for r, e in zip(raison, enseigne)],
            "nature": _col(df, "nature").replace("", None).values,
            "departement": _col(df, "departement").values,
            "commune": _col(df, "commune").replace("", None).values,
            "address": _col(df, "adresse").replace("", None).values,
            "postcode": [split_address(a)[0] for a in _col(df, "adresse")],
            "prepa_apprentissage": (flag == "X").values,
            "_line": df["_line"].values,
        }
    )
    dup = out.duplicated("siret")
    if dup.any():
        row = out[dup].iloc[0]
        raise SourceFormatError(path, "SIRET listed twice", line=int(row["_line"]), column="siret",
                                value=row["siret"], dataset_id=PREPA_ID)
    return out.reset_index(drop=True)


def parse_network_files(items) -> pd.DataFrame:
    """Every network file of ``ofa_referentiel`` (``[(network, path), …]``), as one table."""
    return concat_files(items, lambda p, n: parse_networks([p]))
