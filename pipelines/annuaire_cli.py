"""``portraits annuaire …``: the shared directory of reception points from the command line.

``portraits annuaire orienter --commune CODE --public PUBLIC [--limit N] [--db PATH] [--accueil-ouvert]``
    The structures mandated to receive PUBLIC, nearest first from the commune's centre, with their
    distance in km, address, phone, website and freshness. Reads the *published* database
    read-only (default ``$PORTRAITS_OUTPUT_DIR/portraits.duckdb``, else ``output/portraits.duckdb``).
    ``--commune`` takes a COG 2026 INSEE code, a former code (mapped through
    ``ref.commune_history``) or a commune name of the region.

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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="portraits")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
