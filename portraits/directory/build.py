"""The directory from the parsed sources: records of every source, then the duplicate rule.

See :mod:`portraits.directory` for the output columns, :mod:`~portraits.directory.records` for the
inputs and :mod:`~portraits.directory.deduplicate` for the duplicate rule.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from .deduplicate import merge_duplicates
from .lists import AGENCIES_SOURCE_ID, COLUMNS, EDUCATION_SOURCE_ID, FRANCE_SERVICES_SOURCE_ID
from .normalise import CommuneIndex
from .records import _from_agencies, _from_cio, _from_dila, _from_france_services, _from_ofa


def build_directory(
    dila: pd.DataFrame,
    agencies: pd.DataFrame,
    cio: pd.DataFrame,
    ofa: pd.DataFrame | None,
    communes: pd.DataFrame,
    history: pd.DataFrame | None = None,
    *,
    today: date | str | None = None,
    agencies_source_id: str = AGENCIES_SOURCE_ID,
    education_source_id: str = EDUCATION_SOURCE_ID,
    stats: dict | None = None,
    locate=None,
    france_services: pd.DataFrame | None = None,
    france_services_source_id: str = FRANCE_SERVICES_SOURCE_ID,
) -> pd.DataFrame:
    """The normalised directory (columns :data:`COLUMNS`, sorted by id); see :mod:`portraits.directory`.

    ``stats``, if given, is filled with the number of merges by kind, of input records, and the ids
    of the records left out as another region's (``foreign_records``). ``locate(lat, lon, codes)``
    (optional): the code among ``codes`` whose commune is nearest to the point, used when a DILA
    record's address and commune code disagree (see :func:`_from_dila`).
    """
    idx = CommuneIndex(communes, history)
    foreign: list[str] = []
    parts = [_from_dila(dila, idx, locate, foreign), _from_agencies(agencies, idx, agencies_source_id),
             _from_cio(cio, idx, education_source_id)]
    if ofa is not None and len(ofa):
        parts.append(_from_ofa(ofa, idx))
    if france_services is not None and len(france_services):
        parts.append(_from_france_services(france_services, idx, france_services_source_id))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    records = pd.concat(parts, ignore_index=True)
    # a website from a source is a link only when it is http(s) (never javascript:, data:, …)
    from ..safety import safe_url

    bad_url = records["website"].notna() & records["website"].map(safe_url).isna()
    records.loc[bad_url, "website"] = None
    dup = records["id"].duplicated()
    if dup.any():
        raise ValueError(f"duplicate source key {records.loc[dup, 'id'].iloc[0]!r}")
    merged, counts = merge_duplicates(records, today)
    if stats is not None:
        stats.clear()
        stats.update(counts)
        stats["records"] = len(records)
        stats["rows"] = len(merged)
        stats["unmapped_communes"] = sorted(records.loc[records["commune_code"].isna(), "id"])
        stats["foreign_records"] = sorted(foreign)
    return merged
