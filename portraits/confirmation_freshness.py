"""Freshness of the shared directory per network, for the catalogue (:func:`network_freshness`):
how many open points each network has, how many are confirmed or still to confirm by a
confirmation sheet (:mod:`portraits.confirmation`), and the dates of their sources.

Split out of ``portraits/confirmation.py``, which re-exports :func:`network_freshness`.
"""

from __future__ import annotations

from . import directory as D
from .confirmation_sheet import _text


# --------------------------------------------------------------------------------------------------
# Freshness per network (catalogue)
# --------------------------------------------------------------------------------------------------


def network_freshness(con) -> list[dict]:
    """Per network of ``directory.reception_point`` (open points): ``network``, ``label`` (French,
    ``directory.network``), ``points``, ``confirmed`` (not stale), ``to_confirm`` (stale),
    ``last_confirmation`` (latest ``corrected_at``, ISO date, or None), ``oldest_source_date`` and
    ``newest_source_date`` (ISO dates or None); sorted by label (accents ignored)."""
    rows = con.execute(
        """select p.network, coalesce(n.label, p.network) as label, count(*) as points,
                  count(*) filter (where not coalesce(p.stale, true)) as confirmed,
                  count(*) filter (where coalesce(p.stale, true)) as to_confirm,
                  max(p.corrected_at) as last_confirmation,
                  min(p.source_date) as oldest_source_date, max(p.source_date) as newest_source_date
           from directory.reception_point p
           left join directory.network n using (network)
           group by all""").fetchall()
    keys = ["network", "label", "points", "confirmed", "to_confirm", "last_confirmation",
            "oldest_source_date", "newest_source_date"]
    out = []
    for r in rows:
        d = dict(zip(keys, r))
        for k in ("last_confirmation", "oldest_source_date", "newest_source_date"):
            d[k] = _text(d[k]) or None
        for k in ("points", "confirmed", "to_confirm"):
            d[k] = int(d[k])
        out.append(d)
    return sorted(out, key=lambda d: (D.normalise(d["label"]), d["network"]))
