"""Bad-input tests: write an edited copy of a mirror file (cut at run time, never committed)."""

from __future__ import annotations

import csv


def rewrite(src, dst, edit, sep=";", keep=None):
    """Copy ``src`` to ``dst`` through ``edit(rows)``; rows[0] is the header (line 1).

    ``keep`` cuts the copy to its first lines, to keep bad-input tests fast."""
    with open(src, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=sep))[:keep]
    edit(rows)
    with open(dst, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=sep, lineterminator="\n").writerows(rows)
    return dst
