"""The ``portraits`` command.

``portraits build [--territories FILE ...] [--set ID] [--cog YEAR]``
    Run the Dagster job ``build_all`` (the graph ``make ui`` shows) in this process, recorded in
    the Dagster instance of ``$DAGSTER_HOME`` (default ``var/dagster_home``).
``portraits territories check FILE [--set ID] [--cog YEAR]``
    Validate a territory definition file and list every fault with its line.
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
    if cfg.exists() and (not target.exists() or target.read_bytes() != cfg.read_bytes()):
        shutil.copyfile(cfg, target)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _definition_env(args) -> None:
    """Pass coordinators' definition files to the job (with --set / --cog) via the environment."""
    if not args.territories:
        return
    specs = []
    for f in args.territories:
        path = Path(f).resolve()
        if not path.is_file():
            raise SystemExit(f"portraits: territory definition file not found: {f}")
        spec = str(path)
        if args.set:
            spec += f"#set={args.set}"
        if args.cog:
            spec += f"#cog={args.cog}"
        specs.append(spec)
    os.environ["PORTRAITS_TERRITORY_FILES"] = os.pathsep.join(specs)


def cmd_build(args) -> int:
    ensure_dagster_home()
    _definition_env(args)
    if args.territories:
        # Fail fast, before any Dagster work, on a faulty definition file
        rc = _check_files(args.territories, args.set, args.cog, quiet=True)
        if rc:
            return rc
    from dagster import DagsterInstance, execute_job, reconstructable

    from .jobs import build_all_job
    from .report import failure_reasons

    instance = DagsterInstance.get()
    result = execute_job(reconstructable(build_all_job), instance=instance, raise_on_error=False)
    if result.success:
        out = os.environ.get("PORTRAITS_OUTPUT_DIR", "output")
        print(f"portraits: build {result.run_id} succeeded; published under {out}/ "
              f"(catalogue: {out}/index.html)")
        return 0
    print(f"portraits: build {result.run_id} FAILED; nothing was published.", file=sys.stderr)
    for reason in failure_reasons(result.all_events):
        print(f"  {reason}", file=sys.stderr)
    return 1


def _check_files(files, set_id, cog, quiet=False) -> int:
    from portraits.territories import DefinitionError, check_file

    rc = 0
    for f in files:
        try:
            definition = check_file(Path(f), set_id=set_id, cog=int(cog) if cog else 2026)
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="portraits", description="Portraits de territoire (SPRO Pays de la Loire)")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="run the whole pipeline (Dagster job build_all) and publish output/")
    b.add_argument("--territories", action="append", metavar="FILE",
                   help="a territory definition CSV to build as an extra set (repeatable)")
    b.add_argument("--set", help="set id for the definition file (default: its file name)")
    b.add_argument("--cog", help="COG vintage of the codes in the definition file (default 2026)")
    b.set_defaults(func=cmd_build)

    t = sub.add_parser("territories", help="territory definition files")
    tsub = t.add_subparsers(dest="tcommand", required=True)
    c = tsub.add_parser("check", help="validate a definition file")
    c.add_argument("file")
    c.add_argument("--set")
    c.add_argument("--cog")
    c.set_defaults(func=cmd_territories_check)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
