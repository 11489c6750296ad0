"""``portraits annuaire …``: the shared directory of reception points from the command line.

``portraits annuaire orienter --commune CODE --public PUBLIC [--limit N] [--db PATH] [--accueil-ouvert]``
    The structures mandated to receive PUBLIC, nearest first from the commune's centre, with their
    distance in km, address, phone, website and freshness. Reads the *published* database
    read-only (default ``$PORTRAITS_OUTPUT_DIR/portraits.duckdb``, else ``output/portraits.duckdb``).
    ``--commune`` takes a COG 2026 INSEE code, a former code (mapped through
    ``ref.commune_history``) or a commune name of the region.

``portraits annuaire integrer FICHE [--corrections PATH] [--db PATH] [--reseau RESEAU] [--dry-run]``
    Reads a confirmation sheet returned by a network (CSV or .xlsx, see
    :mod:`portraits.confirmation`), checks every answered line against the published directory
    and appends the corrections it gives to the corrections file (default
    ``portraits/corrections/annuaire.csv``) in one atomic step. ``--dry-run`` prints the rows
    without writing. Exit status: 0 done, 1 sheet refused (every problem on stderr, nothing
    written), 2 usage error (missing file, unreadable database).

``portraits annuaire fiches --out DIR [--db PATH] [--reseau RESEAU ...]``
    Writes the confirmation sheets of every network (or of the networks given) (``DIR/annuaire/confirmation/…``, see
    :mod:`reports.confirmation_exports`) from a published database.

No Dagster here: :func:`add_parser` adds the ``annuaire`` command to the ``portraits`` parser
(``pipelines/cli.py``); :func:`main` runs it alone (``python -m pipelines.annuaire_cli``).
"""

import argparse
import os
import sys
from pathlib import Path


def default_db() -> Path:
    return Path(os.environ.get("PORTRAITS_OUTPUT_DIR", "").strip() or "output") / "portraits.duckdb"


def add_parser(subparsers) -> argparse.ArgumentParser:
    from portraits.directory import PUBLICS

    a = subparsers.add_parser("annuaire", help="annuaire partagé des lieux d'accueil (SPRO)")
    asub = a.add_subparsers(dest="acommand", required=True)
    o = asub.add_parser(
        "orienter",
        help="les structures accueillant un public, les plus proches d'une commune d'abord",
        description="Liste les lieux d'accueil de l'annuaire partagé qui ont pour mission d'accueillir "
                    "ce public, du plus proche au plus lointain (distance à vol d'oiseau depuis le centre "
                    "de la commune). Publics : " + " ; ".join(f"{k} ({v})" for k, v in PUBLICS.items()),
    )
    o.add_argument("--commune", required=True, metavar="CODE",
                   help="code INSEE de la commune (géographie 2026 ; un ancien code ou le nom sont acceptés)")
    o.add_argument("--public", required=True, metavar="PUBLIC", help="identifiant du public : " + ", ".join(PUBLICS))
    o.add_argument("--limit", type=int, default=10, metavar="N", help="nombre de lieux affichés (10 par défaut)")
    o.add_argument("--db", type=Path, default=None,
                   help="base publiée à lire (par défaut output/portraits.duckdb), ouverte en lecture seule")
    o.add_argument("--accueil-ouvert", action="store_true",
                   help="ajouter les lieux ouverts à tous sans condition (CIO, information jeunesse)")
    o.set_defaults(func=cmd_orienter)

    i = asub.add_parser(
        "integrer",
        help="intégrer une fiche de confirmation renvoyée par un réseau au fichier des corrections",
        description="Vérifie chaque ligne traitée d'une fiche de confirmation (CSV ou classeur .xlsx) et ajoute "
                    "les corrections qu'elle donne (confirm, update, close, add) au fichier des corrections de "
                    "l'annuaire. Au moindre problème, la fiche est refusée, chaque problème est listé avec sa "
                    "ligne et sa colonne, et rien n'est écrit.",
    )
    i.add_argument("fiche", type=Path, metavar="FICHE", help="la fiche renvoyée (.csv ou .xlsx)")
    i.add_argument("--corrections", type=Path, default=None, metavar="PATH",
                   help="fichier des corrections à compléter (par défaut portraits/corrections/annuaire.csv)")
    i.add_argument("--db", type=Path, default=None,
                   help="base publiée de référence (par défaut output/portraits.duckdb), ouverte en lecture seule")
    i.add_argument("--reseau", default=None, metavar="RESEAU",
                   help="réseau de la fiche (par défaut : celui de sa colonne reseau)")
    i.add_argument("--dry-run", action="store_true", help="afficher les lignes sans rien écrire")
    i.set_defaults(func=cmd_integrer)

    f = asub.add_parser(
        "fiches",
        help="écrire les fiches de confirmation de chaque réseau (CSV et .xlsx)",
        description="Écrit DIR/annuaire/confirmation/<réseau>/<jeu>/<territoire>.csv et .xlsx, "
                    "<réseau>/region.csv et .xlsx et LISEZMOI.txt à partir d'une base publiée.",
    )
    f.add_argument("--out", type=Path, required=True, metavar="DIR", help="dossier de sortie")
    f.add_argument("--db", type=Path, default=None,
                   help="base publiée à lire (par défaut output/portraits.duckdb), ouverte en lecture seule")
    f.add_argument("--reseau", action="append", default=None, metavar="RESEAU",
                   help="seulement ce réseau (option répétable ; par défaut tous)")
    f.set_defaults(func=cmd_fiches)
    return a


def _fail(message: str) -> int:
    print(f"portraits annuaire : {message}", file=sys.stderr)
    return 2


def resolve_commune(con, text: str) -> tuple[str, str] | str:
    """``(code, label)`` of a region commune given by code, former code or name; else an error text."""
    from portraits.directory import normalise

    value = text.strip()
    row = con.execute("select commune_code, label from ref.commune where in_region and commune_code = ?",
                      [value]).fetchone()
    if row:
        return row[0], row[1]
    row = con.execute(
        """select c.commune_code, c.label from ref.commune_history h
           join ref.commune c on c.commune_code = h.new_code
           where h.old_code = ? and c.in_region""", [value]).fetchone()
    if row:
        return row[0], row[1]
    wanted = normalise(value)
    found = [(c, l) for c, l in con.execute(
        "select commune_code, label from ref.commune where in_region order by commune_code").fetchall()
        if normalise(l) == wanted]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        return "plusieurs communes portent ce nom : " + ", ".join(f"{l} ({c})" for c, l in found) + \
            " ; donner le code INSEE"
    return f"commune inconnue dans la région : {value!r} (code INSEE de la géographie 2026 attendu)"


def orienter_lines(con, commune: str, public: str, limit: int = 10, include_open: bool = False) -> list[str]:
    """The lines the command prints (French); raises ValueError with a French message."""
    import shapely

    from portraits import directory as D
    from reports.formatting import long_date, number
    from reports.sections.annuaire import _address, _clean, _display_url, _phone, freshness

    if public not in D.PUBLICS:
        raise ValueError(f"public inconnu : {public!r}. Publics : " + ", ".join(D.PUBLICS))
    has = con.execute("select count(*) from information_schema.tables where table_schema = 'directory' "
                      "and table_name = 'reception_point'").fetchone()[0]
    if not has:
        raise ValueError("cette base ne contient pas l'annuaire (table directory.reception_point)")
    resolved = resolve_commune(con, commune)
    if isinstance(resolved, str):
        raise ValueError(resolved)
    code, label = resolved
    geo = con.execute("select commune_code, geometry_wkb from ref.commune_geometry").df()
    cent = shapely.centroid(shapely.from_wkb([bytes(b) for b in geo["geometry_wkb"]]))
    import pandas as pd

    centroids = pd.DataFrame({"commune_code": geo["commune_code"], "latitude": shapely.get_y(cent),
                              "longitude": shapely.get_x(cent)})
    directory = con.execute("select * from directory.reception_point").df()
    labels = dict(con.execute("select commune_code, label from ref.commune").fetchall())
    res = D.orienter(directory, code, public, centroids, limit=max(1, limit), include_open=include_open)
    build = con.execute("select build_id, finished_at from meta.build order by finished_at desc limit 1").fetchone()
    reference = set(D.REFERENCE_NETWORKS.get(public, ()))
    lines = [
        f"Lieux d'accueil pour le public « {D.PUBLICS[public]} », les plus proches de {label} ({code})"
        + (" — lieux ouverts à tous compris" if include_open else ""),
    ]
    if build:
        lines.append(f"Annuaire de la construction {build[0]} du {long_date(build[1])}")
    if reference:
        ref = D.orienter(directory, code, public, centroids, limit=1, networks=reference)
        if not ref.empty:
            r = ref.iloc[0]
            dist = ("≈ " if r["distance_approx"] else "") + number(r["distance_km"], 1) + " km"
            lines.append(f"Réseau de référence ({', '.join(D.NETWORKS[n] for n in sorted(reference))}) : "
                         f"{r['name']}, {labels.get(r['commune_code'], r['commune_code'])}, à {dist}")
    lines.append("")
    if res.empty:
        lines.append("Aucun lieu de l'annuaire n'accueille ce public.")
        return lines
    for i, r in enumerate(res.to_dict("records"), start=1):
        r["commune_label"] = labels.get(r["commune_code"], r["commune_code"])
        dist = ("≈ " if r["distance_approx"] else "") + number(r["distance_km"], 1) + " km"
        mark = " — réseau de référence pour ce public" if r["network"] in reference else ""
        lines.append(f"{i:>2}. {dist:>10}  {r['name']} [{D.NETWORKS.get(r['network'], r['network'])}]{mark}")
        details = [x for x in (
            _address(r),
            f"tél. {_phone(_clean(r.get('phone')))}" if _clean(r.get("phone")) else None,
            _display_url(_clean(r.get("website"))),
            _clean(r.get("email")),
        ) if x]
        if details:
            lines.append(" " * 16 + " · ".join(details))
        lines.append(" " * 16 + freshness(r)["text"] + f" (identifiant {r['id']})")
    lines += ["", "Distances à vol d'oiseau depuis le centre de la commune ; « ≈ » : lieu sans coordonnées, "
                  "placé au centre de sa commune. Une fiche « non confirmée » vient d'une source de plus de "
                  "3 ans : vérifier avant d'orienter."]
    return lines


def cmd_orienter(args) -> int:
    import duckdb

    db = args.db or default_db()
    if not Path(db).is_file():
        return _fail(f"base introuvable : {db} (lancer « portraits build » ou donner --db)")
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        return _fail(f"impossible d'ouvrir {db} en lecture : {exc}")
    try:
        lines = orienter_lines(con, args.commune, args.public, args.limit, args.accueil_ouvert)
    except ValueError as exc:
        return _fail(str(exc))
    finally:
        con.close()
    print("\n".join(lines))
    return 0


def _open_published(db: Path | None):
    """A read-only connection to the published database holding the directory, or an error text."""
    import duckdb

    db = db or default_db()
    if not Path(db).is_file():
        return f"base introuvable : {db} (lancer « portraits build » ou donner --db)"
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        return f"impossible d'ouvrir {db} en lecture : {exc}"
    try:
        has = con.execute("select count(*) from information_schema.tables where table_schema = 'directory' "
                          "and table_name in ('reception_point', 'reception_point_territory')").fetchone()[0]
        has_ref = con.execute("select count(*) from information_schema.tables where table_schema = 'ref' "
                              "and table_name = 'commune'").fetchone()[0]
    except duckdb.Error as exc:
        con.close()
        return f"impossible de lire {db} : {exc}"
    if has < 2 or not has_ref:
        con.close()
        return f"{db} ne contient pas l'annuaire (tables directory.reception_point, ref.commune)"
    return con


_ACTIONS_FR = {"confirm": "confirmations (confirm)", "update": "valeurs corrigées (update)",
               "close": "fermetures (close)", "add": "lignes d'ajout (add)"}


def cmd_integrer(args) -> int:
    from portraits import confirmation as C
    from portraits import directory as D
    from portraits.stages import DEFAULT_CORRECTIONS

    sheet = Path(args.fiche)
    if not sheet.is_file():
        return _fail(f"fiche introuvable : {sheet}")
    corrections = Path(args.corrections or DEFAULT_CORRECTIONS)
    if not corrections.is_file():
        return _fail(f"fichier des corrections introuvable : {corrections} (donner --corrections)")
    if args.reseau is not None and args.reseau not in D.NETWORKS:
        return _fail(f"réseau inconnu : {args.reseau!r}. Réseaux : " + ", ".join(D.NETWORKS))
    con = _open_published(args.db)
    if isinstance(con, str):
        return _fail(con)
    try:
        directory = con.execute("select * from directory.reception_point").df()
        communes = {r[0] for r in con.execute("select commune_code from ref.commune where in_region").fetchall()}
        applied = None
        if con.execute("select count(*) from information_schema.tables where table_schema = 'directory' "
                       "and table_name = 'correction'").fetchone()[0]:
            applied = {i for row in con.execute("select id, point_id from directory.correction").fetchall()
                       for i in row if i}
    finally:
        con.close()
    before = corrections.read_bytes()
    try:
        result = C.sheet_corrections(sheet, directory, communes, network=args.reseau, existing=corrections,
                                     applied_ids=applied)
    except D.CorrectionsError as exc:
        name = Path(exc.path).name
        what = "fiche refusée" if Path(exc.path) == sheet else f"fichier des corrections {exc.path} refusé"
        print(f"portraits annuaire : {what}, rien n'a été écrit — {len(exc.problems)} problème(s) :",
              file=sys.stderr)
        for p in exc.problems:
            print(f"  {name}, {C.problem_text(p)}", file=sys.stderr)
        return 1
    except OSError as exc:
        return _fail(f"impossible de lire {sheet} : {exc}")
    for w in result.warnings:
        print(f"avertissement : {sheet.name}, {C.problem_text(w)}", file=sys.stderr)
    counts = result.counts()
    summary = ", ".join(f"{_ACTIONS_FR[a]} : {n}" for a, n in counts.items())
    head = (f"Fiche {sheet.name} (réseau {result.network}) : {len(result.answered)} ligne(s) traitée(s)"
            + (f", {len(result.skipped)} déjà intégrée(s) (lignes {', '.join(map(str, result.skipped))})"
               if result.skipped else ""))
    if args.dry_run:
        print(head)
        print(f"{len(result.rows)} ligne(s) à ajouter à {corrections} (essai : rien n'est écrit) — {summary}")
        if result.rows:
            print(";".join(D.CORRECTION_COLUMNS))
            print("\n".join(result.csv_lines()))
        return 0
    try:
        C.append_corrections(corrections, result.rows, expected=before)
    except (OSError, RuntimeError) as exc:
        return _fail(f"écriture de {corrections} impossible, rien n'a été écrit : {exc}")
    print(head)
    if result.rows:
        print(f"{len(result.rows)} ligne(s) ajoutée(s) à {corrections} — {summary}")
        print("Elles seront appliquées à la prochaine construction (portraits build).")
    else:
        print(f"Aucune ligne ajoutée à {corrections}.")
    return 0


def cmd_fiches(args) -> int:
    from portraits.directory import NETWORKS
    from reports.confirmation_exports import write_sheets

    unknown = [n for n in args.reseau or [] if n not in NETWORKS]
    if unknown:
        return _fail(f"réseau inconnu : {', '.join(unknown)}. Réseaux : " + ", ".join(NETWORKS))
    con = _open_published(args.db)
    if isinstance(con, str):
        return _fail(con)
    try:
        paths = write_sheets(con, Path(args.out), networks=args.reseau)
    except OSError as exc:
        return _fail(f"écriture impossible dans {args.out} : {exc}")
    finally:
        con.close()
    sheets = [p for p in paths if p.suffix == ".xlsx"]
    networks = {p.relative_to(Path(args.out) / "annuaire" / "confirmation").parts[0] for p in sheets}
    print(f"{len(sheets)} fiche(s) de confirmation (.xlsx et .csv) pour {len(networks)} réseau(x) écrites dans "
          f"{Path(args.out) / 'annuaire' / 'confirmation'} (mode d'emploi : LISEZMOI.txt)")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="portraits")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
