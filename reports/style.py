"""One chart style for every portrait (Matplotlib rc parameters and a colour palette).

Colours are chosen for contrast on white (WCAG AA for text-sized marks) and stay distinguishable
in greyscale print: the territory is always the dark blue, then its département(s), then the region.
"""

from __future__ import annotations

import matplotlib

TERRITORY = "#1f4e79"
DEPARTEMENT = ["#c55a11", "#7f6000", "#548235"]
REGION = "#595959"
GRID = "#d9d9d9"

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "axes.edgecolor": "#808080",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "svg.fonttype": "path",
    "figure.dpi": 100,
}


def apply() -> None:
    matplotlib.rcParams.update(RC)


def french_thousands(x, _pos=None) -> str:
    from .formatting import number

    return number(x).replace("\u202f", "\u2009")
