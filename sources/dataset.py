"""The one record of an official dataset: where it comes from, how it is read, when it is refreshed.

Each source module declares its datasets (``DATASETS``); :mod:`sources.catalog` gathers them and
checks them at import, so an inconsistency (an unknown parser or refresh family, a dataset without a
reason for not being refreshed or not being read in its official layout, an id or raw table declared
twice) stops the program at once instead of being skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

LO2 = "Licence Ouverte / Open Licence 2.0 (Etalab)"

# Refresh families: the publishers' cadences (cron, Europe/Paris) and what they cover. The Dagster
# schedules (pipelines/schedules.py) are made from this table and from each dataset's ``family``.
FAMILIES: dict[str, tuple[str, str]] = {
    "emploi_trimestriel": ("0 6 20 1,4,7,10 *", "URSSAF headcounts, job seekers, localised unemployment"),
    "bmo": ("0 6 25 4 *", "BMO survey (published in April), occupations"),
    "recensement": ("0 6 1 7 *", "census, populations, COG, zonings, contours"),
    "education": ("0 5 1 * *", "education directory, InserJeunes, Parcoursup, Orion, apprenticeship"),
    "annuaire": ("30 5 1 * *", "reception-point sources"),
}


@dataclass(frozen=True)
class Dataset:
    id: str
    title: str  # French title, shown in the portraits' sources page
    publisher: str
    url: str  # official download URL, fetched when online
    licence: str
    vintage: str
    mirror_path: str  # path inside the mirror directory (../shared/opendata)
    layout: str = "official"  # the mirror copy's layout: "official" or "derived" (see sources/catalog.py)
    page: str = ""  # publisher's landing page
    note: str = ""
    # --- how the pipeline reads it
    table: str = ""  # table in the ``raw`` schema
    parser: str = ""  # "module:function" inside the ``sources`` package; receives a path (or
    #                   [(key, path), …] for multi-file datasets), and ``dataset_id`` if it takes one
    description: str = ""  # one line, English (Dagster UI)
    files: tuple[tuple[str, str, str], ...] = ()  # multi-file datasets: (key, mirror_path, url)
    # --- when it is refreshed: a family of FAMILIES, or None with the reason
    family: str | None = None
    no_refresh: str = ""
    # --- whether the parser reads what ``url`` serves (True), or why not
    official_layout: bool = True
    official_reason: str = ""

    def parse(self, source):
        """Parse a retrieved file (or ``[(key, path), …]``) into the dataset's raw table.

        Whatever the parser, a file that is an HTML page (a publisher's error or login page served
        with status 200 in place of the data) is refused first, naming the file."""
        from .catalog import parser_of
        from .tabular import refuse_html_page

        for path in ([p for _key, p in source] if isinstance(source, list) else [source]):
            refuse_html_page(path, dataset_id=self.id)
        return parser_of(self)(source)
