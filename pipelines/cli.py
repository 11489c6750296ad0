"""The ``portraits`` command.

``portraits build [--territories FILE ...] [--set ID] [--cog YEAR]``
    Run the Dagster job ``build_all`` (the graph ``make ui`` shows) in this process, recorded in
    the Dagster instance of ``$DAGSTER_HOME`` (default ``var/dagster_home``).
``portraits territories check FILE [--set ID] [--cog YEAR]``
    Validate a territory definition file and list every fault with its line.
``portraits territories list`` / ``portraits territories forget SET_ID``
    The custom sets remembered under ``var/territories`` (rebuilt by every build).
``portraits annuaire orienter --commune CODE --public PUBLIC``
    The reception points serving a public, nearest first (from the published database).
``portraits sources check [--online] [--download] [--json]``
    Every dataset: where it would be read from (mirror, cache, URL), the layout recognised, its rows
    for the region, whether the official layout is read (and why not); exit 1 if one cannot be read.

Every command finds the official files the way the Makefile does: ``PORTRAITS_MIRROR_DIR`` when set,
else ``../shared/opendata`` beside the project when it exists, else the official URLs (cache in
``var/cache``).
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def ensure_dagster_home() -> Path:
    """Use ``$DAGSTER_HOME`` or ``var/dagster_home`` (absolute), with the project's dagster.yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or (Path.cwd() / "var" / "dagster_home")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    cfg = PROJECT / "dagster.yaml"
    target = home / "dagster.yaml"
    if cfg.exists() and not target.exists():
        shutil.copyfile(cfg, target)
    elif cfg.exists() and target.read_bytes() != cfg.read_bytes():
        # an instance configured by its owner is never overwritten
        print(f"portraits: {target} differs from the project's dagster.yaml; kept as it is", file=sys.stderr)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


from portraits.definitions import definitions_dir, remembered_specs  # noqa: E402 (kept importable from here)


class ReplaceRefused(Exception):
    """A remembered set of that id exists with another content and --replace was not given."""


def remember(files, set_id, cog, replace: bool = False) -> list[str]:
    """Copy validated definition files into :func:`definitions_dir` (one file per set id).

    A remembered set is never replaced silently: a different file with the same set id needs
    ``replace=True`` (``--replace``), and the previous file is kept in ``.history/`` with its date."""
    from datetime import datetime

    from portraits.territories import check_file

    d = definitions_dir()
    d.mkdir(parents=True, exist_ok=True)
    names = []
    for f in files:
        definition = check_file(Path(f), set_id=set_id, cog=int(cog) if cog else 2026)
        target = d / f"{definition.set_id}.csv"
        if target.exists() and target.read_bytes() != Path(f).read_bytes():
            if not replace:
                raise ReplaceRefused(
                    f"un jeu « {definition.set_id} » est déjà enregistré ({target}) avec un autre contenu : "
                    "ajoutez --replace pour le remplacer (l'ancien fichier est gardé dans .history/), "
                    "ou --set AUTRE_ID pour en faire un autre jeu")
            history = d / ".history"
            history.mkdir(exist_ok=True)
            stamp = datetime.now().strftime("%Y-%m-%dT%H%M%S")
            shutil.copyfile(target, history / f"{definition.set_id}-{stamp}.csv")
        shutil.copyfile(f, target)
        cog_file = target.with_suffix(".cog")
        if cog and int(cog) != 2026:
            cog_file.write_text(str(int(cog)))
        else:
            cog_file.unlink(missing_ok=True)
        names.append(definition.set_id)
    return names


def _settings():
    from sources.fetch import cache_dir_setting, mirror_dir_setting

    work = Path(os.environ.get("PORTRAITS_WORK_DB") or "var/work.duckdb")
    return mirror_dir_setting(), cache_dir_setting(), work


def preflight() -> int:
    """Before a build that ingests: every dataset reachable (mirror, cache or its host), or one
    French line per dataset that is not, and exit status 2 without starting Dagster."""
    from sources.inventory import unreachable

    mirror, cache, _work = _settings()
    missing = unreachable(mirror_dir=mirror, cache_dir=cache)
    if not missing:
        return 0
    where = f"miroir {mirror}" if mirror else "pas de miroir (PORTRAITS_MIRROR_DIR ou ../shared/opendata)"
    print(f"portraits: {len(missing)} jeu(x) de données inaccessible(s) ({where}) ; rien n'est construit :",
          file=sys.stderr)
    for dataset_id, reason in missing:
        print(f"  {dataset_id} : {reason}", file=sys.stderr)
    return 2


def cmd_sources_check(args) -> int:
    import json

    from sources.inventory import check_all

    from sources import catalog

    unknown = [d for d in args.dataset if d not in catalog.DATASETS]
    if unknown:
        print(f"portraits: jeu(x) de données inconnu(s) : {', '.join(unknown)} ; "
              f"connus : {', '.join(catalog.DATASETS)}", file=sys.stderr)
        return 2
    mirror, cache, work = _settings()
    rows = check_all(mirror_dir=mirror, cache_dir=cache, online=args.online, download=args.download,
                     work_db=work, only=args.dataset or None)
    bad = [r for r in rows if not readable(r)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            print(format_check_line(r))
        n_official = sum(r["official_layout"] for r in rows)
        print(f"{len(rows)} jeux de données ; {n_official} lus dans la disposition du fichier officiel ; "
              f"{len(bad)} illisible(s).")
    for r in bad:
        print(f"portraits: {r['dataset']} : {r['error'] or 'seulement à son URL, non vérifié (hors ligne ; --online ou --download)'}",
              file=sys.stderr)
    return 1 if bad else 0


def readable(r: dict) -> bool:
    if r["error"]:
        return False
    if r["rows"] is not None:
        return True
    status = r.get("http_status")
    return isinstance(status, int) and 200 <= status < 300


def format_check_line(r: dict) -> str:
    official = "officielle : oui" if r["official_layout"] else f"officielle : non ({r['reason']})"
    rows = "?" if r["rows"] is None else f"{r['rows']:,}".replace(",", "\u202f")
    parts = [r["dataset"], r["source"], f"disposition {r['layout'] or '?'}", f"{rows} lignes", official]
    if r["sha256"]:
        parts.append(f"sha256 {r['sha256'][:12]}")
    if r["retrieved_at"]:
        parts.append(f"dernière récupération {r['retrieved_at']}")
    if "http_status" in r:
        http = r.get("http_error") or f"HTTP {r['http_status']}"
        parts.append(f"{http} ETag {r.get('etag') or '-'} Last-Modified {r.get('last_modified') or '-'}")
    if r["error"]:
        parts.append(f"ERREUR {r['error']}")
    return " | ".join(parts)


def cmd_build(args) -> int:
    """One build at a time: the lock is taken first, so a refused build has changed nothing (not
    even the remembered definitions)."""
    from portraits.lock import BuildLocked, build_lock, lock_path

    ensure_dagster_home()
    _mirror, _cache, work = _settings()
    try:
        with build_lock(lock_path(work), entry="portraits build (ligne de commande)",
                        wait=float(os.environ.get("PORTRAITS_LOCK_WAIT") or 0)):
            rc = _build_locked(args, work)
    except BuildLocked as exc:
        print(f"portraits: {exc}", file=sys.stderr)
        return 3
    if rc == 0:  # the sets rendered beyond the default ones, again on the new edition
        from reports.set_render import to_render_again

        out = Path(os.environ.get("PORTRAITS_OUTPUT_DIR", "output"))
        for set_id, ids in to_render_again(work.parent / "portrait_sets.txt", out):
            print(f"portraits: nouveau rendu du jeu « {set_id} »"
                  + (f" ({len(ids)} territoire(s))" if ids else "") + " sur la nouvelle édition")
            rc = max(rc, _render(set_id, ids))
    return rc


def _build_locked(args, work: Path) -> int:
    if not args.skip_ingest:
        rc = preflight()
        if rc:
            return rc
    elif not work.exists():
        print(f"portraits: --skip-ingest a besoin des fichiers officiels chargés par une construction "
              f"précédente ({work} n'existe pas) : lancez d'abord « portraits build ».", file=sys.stderr)
        return 2
    if args.territories:
        # Fail fast, before any Dagster work, on a faulty definition file; then remember it.
        if args.set and len(args.territories) > 1:
            raise SystemExit("portraits: --set goes with a single --territories file")
        rc = _check_files(args.territories, args.set, args.cog, quiet=True)
        if rc:
            return rc
        try:
            added = remember(args.territories, args.set, args.cog, replace=args.replace)
        except ReplaceRefused as exc:
            print(f"portraits: {exc}", file=sys.stderr)
            return 2
        print(f"portraits: jeu(x) de territoires {', '.join(added)} enregistré(s) dans {definitions_dir()}")
    os.environ["PORTRAITS_TERRITORY_FILES"] = os.pathsep.join(remembered_specs())
    from dagster import DagsterInstance, execute_job, reconstructable

    from .jobs import build_all_job, refresh_territories_job
    from .resources import release_dead_runs

    instance = DagsterInstance.get()
    job = refresh_territories_job if args.skip_ingest else build_all_job
    for run_id in release_dead_runs(instance):
        print(f"portraits: la construction {run_id} avait été interrompue ; ses créneaux sont libérés",
              file=sys.stderr)
    result = execute_job(reconstructable(job), instance=instance, raise_on_error=False)
    out = os.environ.get("PORTRAITS_OUTPUT_DIR", "output")
    return _outcome(result, f"build {result.run_id} succeeded; published under {out}/ (catalogue: {out}/index.html)",
                    f"build {result.run_id} FAILED; nothing was published.")


def _outcome(result, success: str, failure: str) -> int:
    """Print a run's outcome (and, when it failed, one line per reason); its exit status."""
    from .report import failure_reasons

    if result.success:
        print(f"portraits: {success}")
        return 0
    print(f"portraits: {failure}", file=sys.stderr)
    for reason in failure_reasons(result.all_events):
        print(f"  {reason}", file=sys.stderr)
    return 1


def cmd_render(args) -> int:
    """One set's portraits (a partition of territory_portraits) through the job render_portraits:
    lots spread over processes by Dagster's multiprocess executor, then published. ``all``: every
    published set, one after the other."""
    ensure_dagster_home()
    if args.set_id == "all":
        import duckdb

        from reports.set_render import RenderError, published_edition

        try:
            edition = published_edition(Path(os.environ.get("PORTRAITS_OUTPUT_DIR", "output")))
        except RenderError as exc:
            print(f"portraits: {exc}", file=sys.stderr)
            return 2
        with duckdb.connect(str(edition / "portraits.duckdb"), read_only=True) as con:
            sets = [r[0] for r in con.execute("select set_id from ref.territory_set order by 1").fetchall()]
        rc = 0
        for set_id in sets:
            rc = max(rc, _render(set_id, batch_size=args.batch_size, processes=args.processes))
        return rc
    return _render(args.set_id, args.territory, args.batch_size, args.processes)


def _render(set_id: str, territories=None, batch_size: int = 0, processes: int = 0) -> int:
    import duckdb

    from dagster import DagsterInstance, execute_job, reconstructable

    from reports.set_render import RenderError, plan, published_edition

    from .assets.rendering import PORTRAIT_SETS
    from .jobs import render_portraits_job

    out = Path(os.environ.get("PORTRAITS_OUTPUT_DIR", "output"))
    try:
        edition = published_edition(out)
    except RenderError as exc:
        print(f"portraits: {exc}", file=sys.stderr)
        return 2
    with duckdb.connect(str(edition / "portraits.duckdb"), read_only=True) as con:
        sets = [r[0] for r in con.execute("select set_id from ref.territory_set order by 1").fetchall()]
    if set_id not in sets:
        print(f"portraits: jeu de territoires « {set_id} » inconnu ; jeux publiés : {', '.join(sets)}",
              file=sys.stderr)
        return 2
    try:  # unknown territories or too many: said here, in French, before any run starts
        plan(edition, set_id, territories or None, batch_size)
    except RenderError as exc:
        print(f"portraits: {exc}", file=sys.stderr)
        return 2
    instance = DagsterInstance.get()
    if set_id not in instance.get_dynamic_partitions(PORTRAIT_SETS.name):
        instance.add_dynamic_partitions(PORTRAIT_SETS.name, [set_id])
    run_config = {
        "ops": {"territory_portraits": {"ops": {"plan_portraits": {"config": {
            "territory_ids": list(territories or []), "batch_size": batch_size}}}}},
        "execution": {"config": {"multiprocess": {"max_concurrent": processes}}},
    }
    result = execute_job(reconstructable(render_portraits_job), instance=instance, raise_on_error=False,
                         run_config=run_config, tags={"dagster/partition": set_id})
    return _outcome(result, f"portraits du jeu « {set_id} » publiés sous {out}/portraits/{set_id}/ (run {result.run_id})",
                    f"rendu {result.run_id} en échec ; rien n'a été publié.")


class ReferenceUnavailable(Exception):
    """Neither the official files nor a previous build's working database can give the COG."""


def check_reference_fallback(path: Path, *, set_id, cog):
    """:func:`portraits.territories.check_file` on the official files (mirror, cache or URL); when
    they cannot be read, on the reference the last build loaded (the working database, read-only);
    when neither exists, :class:`ReferenceUnavailable` with one French line per missing dataset."""
    from portraits.territories import check_file, load_from_warehouse
    from sources.errors import FetchError

    try:
        return check_file(path, set_id=set_id, cog=cog)
    except FetchError as first:
        failure = first
    import duckdb

    _mirror, _cache, work = _settings()
    if work.is_file():
        try:
            con = duckdb.connect(str(work), read_only=True)
        except duckdb.Error as exc:
            raise ReferenceUnavailable(
                f"portraits: les fichiers officiels sont inaccessibles ({failure}) et la base de travail "
                f"{work} est occupée par une construction en cours ({exc}); réessayez après elle.") from None
        try:
            definition = load_from_warehouse(con, path, set_id=set_id, cog=cog)
            print(f"portraits: référentiel COG lu dans la base de la dernière construction ({work}) : "
                  f"fichiers officiels inaccessibles.", file=sys.stderr)
            return definition
        except LookupError:
            pass
        finally:
            con.close()
    from sources.inventory import missing_reason
    from sources import catalog

    mirror, _cache, _work = _settings()
    needed = ["cog_communes_2026", "cog_epci_2026", "cog_communes_2024"] + (["cog_epci_2024"] if cog == 2024 else [])
    lines = [f"  {d} : {missing_reason(catalog.get(d), mirror_dir=mirror)}" for d in needed]
    raise ReferenceUnavailable(
        "portraits: impossible de vérifier le fichier : le référentiel géographique (COG) est introuvable "
        "(ni fichiers officiels, ni base d'une construction précédente) :\n" + "\n".join(lines))


def cog_problem(cog) -> str | None:
    from portraits.territories import SUPPORTED_COG

    if cog is None:
        return None
    if not str(cog).isdigit() or int(cog) not in SUPPORTED_COG:
        return (f"portraits: millésime du COG « {cog} » non pris en charge : "
                f"{' ou '.join(map(str, sorted(SUPPORTED_COG)))}")
    return None


def _check_files(files, set_id, cog, quiet=False) -> int:
    from portraits.territories import DefinitionError

    if cog_problem(cog):
        print(cog_problem(cog), file=sys.stderr)
        return 2

    rc = 0
    for f in files:
        try:
            definition = check_reference_fallback(Path(f), set_id=set_id, cog=int(cog) if cog else 2026)
        except ReferenceUnavailable as exc:
            print(str(exc), file=sys.stderr)
            return 2
        except DefinitionError as exc:
            print(f"{f}: {len(exc.problems)} erreur(s)", file=sys.stderr)
            print(str(exc), file=sys.stderr)
            rc = 1
            continue
        except FileNotFoundError:
            print(f"{f}: fichier introuvable", file=sys.stderr)
            rc = 1
            continue
        if not quiet:
            n = definition.members["territory_id"].nunique()
            print(f"{f}: jeu « {definition.set_id} » valide : {n} territoires, "
                  f"{len(definition.members)} communes.")
        for w in definition.warnings:
            print(f"  avertissement : {w}")
    return rc


def cmd_territories_check(args) -> int:
    return _check_files([args.file], args.set, args.cog)


def cmd_territories_list(args) -> int:
    specs = remembered_specs()
    if not specs:
        print("Aucun jeu de territoires personnalisé (ajoutez-en avec portraits build --territories FICHIER).")
    for spec in specs:
        path, _, opts = spec.partition("#")
        print(f"{Path(path).stem}\t{path}\t{opts}")
    return 0


def cmd_territories_forget(args) -> int:
    from portraits.safety import check_id

    problem = check_id(args.set_id, "jeu de territoires")
    if problem:
        print(f"portraits: {problem}", file=sys.stderr)
        return 2
    f = definitions_dir() / f"{args.set_id}.csv"
    if f.resolve().parent != definitions_dir().resolve():
        print(f"portraits: {f} n'est pas dans {definitions_dir()}", file=sys.stderr)
        return 2
    if not f.exists():
        print(f"portraits: aucun jeu « {args.set_id} » enregistré (voir portraits territories list)", file=sys.stderr)
        return 1
    f.unlink()
    f.with_suffix(".cog").unlink(missing_ok=True)
    print(f"portraits: jeu « {args.set_id} » oublié ; la prochaine construction ne le publie plus.")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="portraits", description="Portraits de territoire (SPRO Pays de la Loire)")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="run the whole pipeline (Dagster job build_all) and publish output/")
    b.add_argument("--territories", action="append", metavar="FILE",
                   help="a territory definition CSV to build as an extra set (repeatable)")
    b.add_argument("--set", help="set id for the definition file (default: its file name)")
    b.add_argument("--cog", help="COG vintage of the codes in the definition file (default 2026)")
    b.add_argument("--replace", action="store_true",
                   help="replace a remembered set of the same id (the previous file is kept in .history/)")
    b.add_argument("--skip-ingest", action="store_true",
                   help="keep the official files already loaded: run the job refresh_territories "
                        "(territories, directory, indicators, portraits) instead of build_all")
    b.set_defaults(func=cmd_build)

    r = sub.add_parser("render", help="render (again) one set's portraits on the published edition "
                                      "(Dagster job render_portraits, one partition per set) and publish them")
    r.add_argument("set_id", help="commune, epci, zone_emploi, bassin_vie, bassin_bmo, departement, region, "
                                  "clpe, a coordinators' set, or all (every published set)")
    r.add_argument("--territory", action="append", metavar="ID", help="only this territory (repeatable)")
    r.add_argument("--batch-size", type=int, default=0, help="territories per step (default: automatic)")
    r.add_argument("--processes", type=int, default=0, help="steps at once (default: one per core)")
    r.set_defaults(func=cmd_render)

    t = sub.add_parser("territories", help="territory definition files")
    tsub = t.add_subparsers(dest="tcommand", required=True)
    c = tsub.add_parser("check", help="validate a definition file")
    c.add_argument("file")
    c.add_argument("--set")
    c.add_argument("--cog")
    c.set_defaults(func=cmd_territories_check)
    lst = tsub.add_parser("list", help="the custom sets every build includes")
    lst.set_defaults(func=cmd_territories_list)
    fg = tsub.add_parser("forget", help="stop building a custom set")
    fg.add_argument("set_id")
    fg.set_defaults(func=cmd_territories_forget)

    try:  # portraits annuaire orienter … (pipelines/annuaire_cli.py)
        from .annuaire_cli import add_parser as add_annuaire
    except ModuleNotFoundError:
        add_annuaire = None
    if add_annuaire:
        add_annuaire(sub)

    s = sub.add_parser("sources", help="the official datasets")
    ssub = s.add_subparsers(dest="scommand", required=True)
    sc = ssub.add_parser("check", help="where each dataset is read from, its layout and rows; exit 1 if one cannot be read")
    sc.add_argument("--online", action="store_true", help="also probe each official URL (HTTP status, ETag, Last-Modified)")
    sc.add_argument("--download", action="store_true", help="download (into the cache) what is only at its URL, and parse it")
    sc.add_argument("--json", action="store_true", help="a JSON list of objects (keys: dataset, official_layout, reason, source, …)")
    sc.add_argument("dataset", nargs="*", help="dataset ids (default: all)")
    sc.set_defaults(func=cmd_sources_check)

    args = parser.parse_args(argv)
    from sources.fetch import use_discovered_mirror

    use_discovered_mirror()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
