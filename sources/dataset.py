"""The description of one official dataset (see sources/catalog.py for the list)."""

from __future__ import annotations

from dataclasses import dataclass

LO2 = "Licence Ouverte / Open Licence 2.0 (Etalab)"


@dataclass(frozen=True)
class Dataset:
    id: str
    title: str  # French title, shown in the portraits' sources page
    publisher: str
    url: str  # official download URL, fetched when online
    licence: str
    vintage: str
    mirror_path: str  # path inside the mirror directory (../shared/opendata)
    layout: str = "official"  # "official" or "derived" (see sources/catalog.py)
    page: str = ""  # publisher's landing page
    note: str = ""

