"""One chart style for every portrait: the colour palette.

Colours are chosen for contrast on white (WCAG AA for text-sized marks) and stay distinguishable
in greyscale print: the territory is always the dark blue, then its département(s), then the region.
Sizes, fonts and layout of the charts live in :mod:`reports.svg`.
"""

from __future__ import annotations

TERRITORY = "#1f4e79"
DEPARTEMENT = ["#c55a11", "#7f6000", "#548235"]
REGION = "#595959"
GRID = "#d9d9d9"

