"""Confirmation sheets of the shared directory, one per network and territory, for the networks to
confirm, correct, close or add their reception points.

:func:`write_sheets` reads a database holding ``ref`` and ``directory`` (the staged published one,
read-only) and writes, under ``<root>/annuaire/confirmation/``:

* ``<network>/<set_id>/<territory_id>.csv`` and ``.xlsx``: the open points of that network in that
  territory, for every territory of every set flagged ``portraits`` in ``ref.territory_set`` where
  the network has at least one point (``directory.reception_point_territory``);
* ``<network>/region.csv`` and ``.xlsx``: every open point of the network in the region;
* ``LISEZMOI.txt``: how to fill a sheet and send it back (French, :data:`README`).

Columns: :data:`portraits.confirmation.HEADERS` (documented in :mod:`portraits.confirmation`), one
row per point sorted by name then id. CSV: ``;``-separated, UTF-8 with BOM, CRLF, every cell
neutralised (:func:`portraits.safety.spreadsheet_csv`). Workbook (openpyxl): first sheet named after
the network id, every cell a string (neutralised like the CSV, never a formula) in text format so
that a spreadsheet keeps leading zeros, header row bold and frozen with the ``identifiant`` and
``nom`` columns (panes at ``C2``), an autofilter, a drop-down list on ``reponse`` (rows 2 to 500
beyond the data), column widths from the content; a second sheet "Mode d'emploi" holds
:data:`README`. A returned sheet goes back into the directory with ``portraits annuaire integrer``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

from portraits import confirmation as C
from portraits import directory as D
from portraits.safety import neutralise_cell, spreadsheet_csv

from .annuaire_exports import _write, directory_frame, has_directory

FOLDER = "confirmation"
EXTRA_ROWS = 500  # rows below the data that keep the drop-down list and the text format (additions)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters an xlsx cell cannot hold

README = """Annuaire partagé des lieux d'accueil du SPRO Pays de la Loire — fiches de confirmation
=====================================================================================

Chaque réseau (CIO, missions locales, France Travail, France services…) confirme ou corrige ses
lieux d'accueil. Une fiche par réseau et par territoire :

  <réseau>/<jeu>/<territoire>.xlsx (ou .csv)   les lieux du réseau dans ce territoire
  <réseau>/region.xlsx (ou .csv)               tous les lieux du réseau dans la région

<jeu> est le découpage du territoire : clpe pour les comités locaux pour l'emploi, ou un jeu de
territoires défini par les coordinateurs. Un territoire où le réseau n'a aucun lieu n'a pas de fiche.

Le classeur .xlsx et le fichier .csv contiennent la même chose : remplissez l'un ou l'autre.

Remplir une fiche
-----------------
Une ligne par lieu. Pour chaque lieu, remplissez les trois dernières colonnes :

  reponse   confirme  le lieu accueille toujours du public et ses informations sont exactes
            corrige   vous avez corrigé une ou plusieurs valeurs directement dans la ligne
            ferme     le lieu n'accueille plus de public
            (vide)    ligne non traitée : elle est ignorée
  auteur    votre nom et votre structure (ex. C. Martin, Mission locale de Nantes)
  date      la date de votre réponse, au format AAAA-MM-JJ (ex. 2026-11-02)

Pour corriger : modifiez la valeur dans sa cellule (nom, adresse, code_postal, code_commune,
telephone, courriel, site_web, horaires) et écrivez « corrige ». Une cellule vidée efface la
valeur (sauf le nom et le code commune, obligatoires).

Pour ajouter un lieu absent de la fiche : ajoutez une ligne en bas, laissez « identifiant » vide,
remplissez au moins « nom » et « code_commune » (code INSEE de la commune, ex. 44109 pour Nantes ;
pas le code postal), les autres valeurs si vous les connaissez, et écrivez « ajoute ».

Règles
------
  - Ne modifiez ni l'identifiant ni l'en-tête (ligne 1) ; ne supprimez pas de colonne.
  - Les colonnes commune, reseau, source, date_source, corrige_le et a_confirmer sont données pour
    information : le nom de la commune suit le code commune, le réseau est celui de la fiche.
  - Téléphone : 10 chiffres commençant par 0 (02 40 00 00 00) ou +33 2 40 00 00 00.
  - Courriel : une seule adresse (accueil@exemple.fr). Site web : adresse complète en http:// ou
    https://.
  - Code postal : 5 chiffres.
  - Pas de formule : une cellule ne commence ni par =, ni par +, ni par -, ni par @.
  - a_confirmer vaut « oui » quand la fiche n'a pas été confirmée depuis plus de 3 ans : ce sont
    les lieux à vérifier en priorité.

Renvoyer la fiche
-----------------
Enregistrez le classeur (.xlsx) ou le fichier CSV (UTF-8, séparateur point-virgule ou virgule) et
renvoyez-le au coordinateur SPRO de votre département. Il l'intègre avec

  portraits annuaire integrer <fiche>

qui vérifie chaque ligne : si une ligne pose problème, la fiche entière est refusée avec la liste
des problèmes (numéro de ligne, colonne, explication) et rien n'est enregistré ; corrigez et
renvoyez. Une fois intégrée, la réponse figure dans le fichier des corrections de l'annuaire et
apparaît dans les portraits, les fichiers de l'annuaire et l'orientation à la construction
suivante. Une même réponse intégrée deux fois n'est enregistrée qu'une fois.
"""


def _width(values: list[str], header: str) -> float:
    longest = max([len(header), *(max((len(x) for x in v.split("\n")), default=0) for v in values)])
    return float(min(max(longest + 2, 8), 60))


def to_csv(rows: list[list[str]]) -> bytes:
    return spreadsheet_csv(C.HEADERS, rows)


def to_xlsx(rows: list[list[str]], network: str, title: str = "") -> bytes:
    """A sheet as an Excel workbook (module docstring): strings only, never a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = network[:31]
    bold = Font(bold=True)
    for j, h in enumerate(C.HEADERS, start=1):
        cell = ws.cell(row=1, column=j, value=h)
        cell.font = bold
    for i, row in enumerate(rows, start=2):
        for j, v in enumerate(row, start=1):
            text = _ILLEGAL.sub("", neutralise_cell(v))
            if not text:
                continue
            cell = ws.cell(row=i, column=j)
            cell.value = text
            cell.data_type = "s"  # a string, whatever it looks like
            cell.number_format = "@"
            if "\n" in text:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for j, h in enumerate(C.HEADERS, start=1):
        letter = get_column_letter(j)
        dim = ws.column_dimensions[letter]
        dim.width = _width([r[j - 1] for r in rows], h)
        dim.number_format = "@"  # new cells typed by the network stay text (leading zeros)
    last = len(rows) + 1 + EXTRA_ROWS
    col = get_column_letter(C.HEADERS.index("reponse") + 1)
    dv = DataValidation(type="list", formula1='"' + ",".join(C.ANSWERS) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="Réponse",
                        error="Choisir confirme, corrige, ferme ou ajoute (ou laisser vide).",
                        showInputMessage=True, promptTitle="Réponse",
                        prompt="confirme, corrige, ferme, ou ajoute pour un nouveau lieu")
    dv.add(f"{col}2:{col}{last}")
    ws.add_data_validation(dv)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(C.HEADERS))}{len(rows) + 1}"
    help_ws = wb.create_sheet("Mode d'emploi")
    help_ws.column_dimensions["A"].width = 100
    for i, line in enumerate(README.splitlines(), start=1):
        if line:
            c = help_ws.cell(row=i, column=1, value=neutralise_cell(line))
            c.data_type = "s"
    wb.properties.title = title or f"Annuaire SPRO — fiche de confirmation ({network})"
    wb.properties.creator = "portraits de territoire (SPRO Pays de la Loire)"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _write_sheet(base: Path, points: pd.DataFrame, network: str, title: str) -> list[Path]:
    rows = C.sheet_rows(points)
    return [_write(base.parent / f"{base.name}.csv", to_csv(rows)),
            _write(base.parent / f"{base.name}.xlsx", to_xlsx(rows, network, title))]


def write_sheets(con, root: Path, *, networks=None) -> list[Path]:
    """Write the confirmation sheets under ``root/annuaire/confirmation`` (module docstring);
    returns their paths. ``networks``: only these networks (default: every network with a point).
    Does nothing (returns []) when the database has no directory."""
    if not has_directory(con):
        return []
    out_dir = Path(root) / "annuaire" / FOLDER
    df = directory_frame(con)
    labels = dict(con.execute("select set_id || '/' || territory_id, label from ref.territory").fetchall())
    members = con.execute(
        """select rt.set_id, rt.territory_id, rt.id
           from directory.reception_point_territory rt
           join ref.territory_set s using (set_id)
           where s.portraits
           order by rt.set_id, rt.territory_id, rt.id""").df()
    written: list[Path] = []
    present = set(df["network"])
    if networks is not None:
        present &= set(networks)
    for network in [n for n in D.NETWORKS if n in present]:  # the closed list: safe folder names
        points = df[df["network"] == network]
        label = D.NETWORKS.get(network, network)
        written += _write_sheet(out_dir / network / "region", points.reset_index(drop=True), network,
                                f"Annuaire SPRO — fiche de confirmation — {label} — région Pays de la Loire")
        ids = set(points["id"])
        mine = members[members["id"].isin(ids)]
        for (set_id, territory_id), g in mine.groupby(["set_id", "territory_id"], sort=True):
            part = points[points["id"].isin(set(g["id"]))].reset_index(drop=True)
            where = labels.get(f"{set_id}/{territory_id}", territory_id)
            written += _write_sheet(out_dir / network / set_id / territory_id, part, network,
                                    f"Annuaire SPRO — fiche de confirmation — {label} — {where}")
    written.append(_write(out_dir / "LISEZMOI.txt", README.encode("utf-8")))
    return written
