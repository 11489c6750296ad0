"""Benchmark: the five targets of the rendering issue, as whole processes, from the mirror.

Every figure is the wall time of a whole command (``portraits …`` started as a process, imports
included), the median of ``--runs`` runs, with the CPU time of the process tree and its peak
memory (the sum of the resident memory of the command and all its children, sampled every
0.2 s). Prints each target, its measure, met or not, and what bounds it when it is not met.

    python scripts/bench.py [--runs 3] [--quick] [--keep DIR]

1. a clean full regional build (``portraits build``: every theme, 20 clpe portraits HTML+PDF,
   database, catalogue) — target 30 s;
2. the marginal cost of one more portrait: (render of N communes − render of M communes) / (N − M),
   different communes each run (nothing reused) — target 0.3 s;
3. every geography rendered (``portraits render`` for every set: 1,515 portraits) — target
   7.5 min, peak memory 1.5 GiB (skipped with ``--quick``);
4. one territory redefined → republished (``portraits build --skip-ingest`` after a commune is
   added to one territory of a custom set) — target 5 s;
5. the aggregation (``sql/aggregate.sql``) on commune tables replicated 1, 4, 16 and 28.5 times
   under other codes (about 35,000 communes at the end; a scratch copy, never published) —
   target 30 s, and how it grows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PORTRAITS = str(Path(sys.executable).parent / "portraits")


def measure(cmd: list[str], cwd: Path, env: dict) -> dict:
    """Wall, CPU (user+system of the command and every descendant it waited for, from the kernel's
    accounting) and peak memory of the tree of one command."""
    import resource

    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak, stop = [0], threading.Event()

    def sample():
        root = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                rss = 0
                for p in tree:
                    try:  # proportional set size: pages shared by forked processes counted once
                        rss += p.memory_full_info().pss
                    except (psutil.Error, AttributeError):
                        try:
                            rss += p.memory_info().rss
                        except psutil.Error:
                            pass
                peak[0] = max(peak[0], rss)
            except psutil.Error:
                pass
            stop.wait(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _out, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{err[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "peak_mib": peak[0] / 2**20}


def project_env(root: Path) -> dict:
    env = dict(os.environ)
    env.update({"PORTRAITS_WORK_DB": str(root / "var/work.duckdb"), "PORTRAITS_OUTPUT_DIR": str(root / "output"),
                "PORTRAITS_BUILD_DIR": str(root / "var/build"), "PORTRAITS_CACHE_DIR": str(root / "var/cache"),
                "DAGSTER_HOME": str(root / "dagster_home"), "PORTRAITS_DEFINITIONS_DIR": str(root / "var/territories"),
                "PORTRAITS_TERRITORY_FILES": ""})
    (root / "dagster_home").mkdir(parents=True, exist_ok=True)
    return env


def clean(root: Path) -> None:
    for name in ("output", "output.editions", "var", "dagster_home"):
        p = root / name
        if p.is_symlink() or p.is_file():
            p.unlink()
        elif p.exists():
            shutil.rmtree(p)


def line(n: int, name: str, value: str, met: bool | None, why: str = "") -> None:
    state = "" if met is None else ("met" if met else "NOT met")
    print(f"{n}. {name}: {value}  [{state}]{'  — ' + why if why else ''}")


STAGES = {
    "ingest + source checks": lambda k: k.startswith("raw_"),
    "territories, directory, indicators": lambda k: k in ("ref_geography", "territory_sets", "indicator_observations",
                                                          "reception_points") or k.startswith("indicators_"),
    "other checks": lambda k: k.startswith(("indicator_observations_", "territory_sets_", "reception_points_")),
    "database staging, contract, Parquet": lambda k: k == "published_database",
    "portraits (HTML, PDF)": lambda k: k == "portrait_files",
    "exports (GeoJSON, training, directory)": lambda k: k in ("geo_exports", "training_exports", "directory_exports"),
    "catalogue": lambda k: k == "catalogue_page",
    "publication": lambda k: k == "published_outputs",
}


def full_build(root: Path, runs: int) -> list[dict]:
    out = []
    for _ in range(runs):
        clean(root)
        out.append(measure([PORTRAITS, "build"], root, project_env(root)))
        out[-1]["stages"] = stage_seconds(root / "dagster_home")
    return out


def stage_seconds(dagster_home: Path) -> dict[str, float]:
    """Step durations of the last run recorded in ``dagster_home``, summed per stage."""
    from dagster import DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    with DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
        run = instance.get_runs(limit=1)[0]
        steps = instance.get_run_step_stats(run.run_id)
    out = {}
    for name, pred in STAGES.items():
        out[name] = sum((st.end_time or 0) - (st.start_time or 0) for st in steps if pred(st.step_key))
    return out


def communes(root: Path) -> list[str]:
    import duckdb

    with duckdb.connect(str(root / "output" / "portraits.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute("select territory_id from ref.territory where set_id = 'commune' "
                                          "order by territory_id").fetchall()]


def render(root: Path, set_id: str, ids: list[str] = ()) -> dict:
    cmd = [PORTRAITS, "render", set_id]
    for t in ids:
        cmd += ["--territory", t]
    return measure(cmd, root, project_env(root))


def marginal(root: Path, runs: int, n: int = 40, m: int = 8) -> tuple[float, list, list]:
    pool = communes(root)
    big, small = [], []
    for i in range(runs):
        chunk = pool[i * (n + m):(i + 1) * (n + m)]
        small.append(render(root, "commune", chunk[:m]))
        big.append(render(root, "commune", chunk[m:]))
    cost = (statistics.median(r["wall"] for r in big) - statistics.median(r["wall"] for r in small)) / (n - m)
    return cost, big, small


def every_geography(root: Path) -> tuple[dict, dict]:
    import duckdb

    with duckdb.connect(str(root / "output" / "portraits.duckdb"), read_only=True) as con:
        sets = con.execute("select set_id, count(*) from ref.territory group by 1 order by 2 desc").fetchall()
    per_set = {}
    for set_id, n in sets:
        per_set[set_id] = dict(render(root, set_id), n=n)
    total = {"wall": sum(r["wall"] for r in per_set.values()), "cpu": sum(r["cpu"] for r in per_set.values()),
             "peak_mib": max(r["peak_mib"] for r in per_set.values()), "n": sum(n for _s, n in sets)}
    return total, per_set


def redefinition(root: Path, runs: int) -> list[dict]:
    example = REPO / "examples" / "territoires_exemple.csv"
    definition = root / "bench_territoires.csv"
    definition.write_bytes(example.read_bytes())
    env = project_env(root)
    measure([PORTRAITS, "build", "--skip-ingest", "--territories", str(definition), "--set", "bench"], root, env)
    added = iter(["44131", "44054", "44029", "44036", "44037"])  # Pornic, Erbray, Châteaubriant's neighbours
    out = []
    for _ in range(runs):
        with open(definition, "a", encoding="utf-8") as f:
            f.write(f"chateaubriant;Châteaubriant (ville seule);;{next(added)}\n")
        out.append(measure([PORTRAITS, "build", "--skip-ingest", "--territories", str(definition), "--set", "bench",
                            "--replace"], root, env))
    return out


def aggregation(work_db: Path, factors=(1, 4, 16, 28.5)) -> list[tuple[float, int, int, float]]:
    """sql/aggregate.sql on staging.commune_value and ref.territory_commune replicated under other
    commune and territory codes (copy ``i`` > 0: code prefixed with ``i``), in a scratch copy."""
    import duckdb

    from portraits.warehouse import run_sql_file

    scratch = Path(tempfile.mkdtemp(prefix="portraits-aggregation-")) / "work.duckdb"
    shutil.copyfile(work_db, scratch)
    out = []
    try:
        with duckdb.connect(str(scratch)) as con:
            con.execute("set enable_progress_bar = false")
            con.execute("create table bench_cv as select * from staging.commune_value")
            con.execute("create table bench_tc as select * from ref.territory_commune")
            n_communes = con.execute("select count(distinct commune_code) from bench_tc where set_id = 'commune'").fetchone()[0]
            for k in factors:
                whole, part = int(k), k - int(k)
                # copies 1..whole-1 in full, then a fraction of the communes for the last one
                con.execute(f"""create or replace table staging.commune_value as
                    select * from bench_cv union all
                    select bench_cv.* replace ('R' || i || '_' || commune_code as commune_code)
                    from bench_cv, range(1, {whole}) t(i) union all
                    select * replace ('R{whole}_' || commune_code as commune_code) from bench_cv
                    where hash(commune_code) % 1000 < {int(part * 1000)}""")
                con.execute(f"""create or replace table ref.territory_commune as
                    select * from bench_tc union all
                    select bench_tc.* replace ('R' || i || '_' || territory_id as territory_id,
                                      'R' || i || '_' || commune_code as commune_code)
                    from bench_tc, range(1, {whole}) t(i) union all
                    select * replace ('R{whole}_' || territory_id as territory_id,
                                      'R{whole}_' || commune_code as commune_code) from bench_tc
                    where hash(commune_code) % 1000 < {int(part * 1000)}""")
                n = con.execute("select count(distinct commune_code) from ref.territory_commune where set_id = 'commune'").fetchone()[0]
                # every series of every theme at once (a build sums them theme by theme)
                con.execute("create or replace temp table indicator_scope as "
                            "select distinct indicator_id from staging.commune_value")
                con.execute("create or replace table indicators.observation as "
                            "select * from indicators.observation limit 0")
                t0 = time.perf_counter()
                run_sql_file(con, "aggregate")
                secs = time.perf_counter() - t0
                rows = con.execute("select count(*) from indicators.observation").fetchone()[0]
                out.append((k, n, rows, secs))
    finally:
        shutil.rmtree(scratch.parent, ignore_errors=True)
    assert out and out[0][1] == n_communes
    return out


def per_portrait_stages(root: Path, n: int = 8) -> dict[str, float]:
    """Median seconds per portrait and per stage, in this process, on ``n`` clpe portraits of the
    build (every chart drawn)."""
    import duckdb

    from reports import build, render
    from reports.portrait import portrait_context, render_portrait

    out = Path(tempfile.mkdtemp(prefix="portraits-stages-"))
    stages: dict[str, list[float]] = {k: [] for k in ("context (data, charts, maps)", "CSV", "HTML",
                                                       "portrait.pdf", "essentiel.pdf")}
    try:
        with duckdb.connect(str(root / "output" / "portraits.duckdb"), read_only=True) as con:
            ids = [r[0] for r in con.execute("select territory_id from ref.territory where set_id = 'clpe' "
                                             "order by 1").fetchall()][:n + 1]
            portrait_context(con, "clpe", ids[0], build={})  # warm-up (imports, fonts)
            for tid in ids[1:]:
                t = time.perf_counter()
                ctx = portrait_context(con, "clpe", tid, build={})
                stages["context (data, charts, maps)"].append(time.perf_counter() - t)
                t = time.perf_counter()
                build.indicators_csv(con, "clpe", tid, ctx["areas"])
                stages["CSV"].append(time.perf_counter() - t)
                ctx["build"] = {"build_id": "bench", "date_label": "bench"}
                t = time.perf_counter()
                render_portrait(ctx)
                html = render_portrait(ctx, for_print=True)
                stages["HTML"].append(time.perf_counter() - t)
                t = time.perf_counter()
                render.portrait_pdf(html, out / "p.pdf")
                stages["portrait.pdf"].append(time.perf_counter() - t)
                t = time.perf_counter()
                build.essentiel_pdf(ctx, out / "e.pdf")
                stages["essentiel.pdf"].append(time.perf_counter() - t)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {k: statistics.median(v) for k, v in stages.items()}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3, help="runs per measure (median); default 3")
    ap.add_argument("--quick", action="store_true", help="one run each, and not every geography")
    ap.add_argument("--keep", help="work in this folder and keep it")
    ap.add_argument("--only", help="comma-separated targets to measure (1-5); the build of target 1 "
                                   "always runs once, since the others start from it")
    args = ap.parse_args()
    if not os.environ.get("PORTRAITS_MIRROR_DIR"):
        print("PORTRAITS_MIRROR_DIR is not set: the benchmark reads the mirror (run it through make bench)",
              file=sys.stderr)
        return 2
    runs = 1 if args.quick else args.runs
    only = {int(x) for x in args.only.split(",")} if args.only else {1, 2, 3, 4, 5}
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="portraits-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    med = statistics.median
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"{runs} run(s) per measure, medians of whole processes")
    try:
        builds = full_build(root, runs if 1 in only else 1)
        wall = med(r["wall"] for r in builds)
        line(1, "clean full regional build (portraits build: 20 clpe portraits, database, catalogue)",
             f"{wall:.1f} s wall, {med(r['cpu'] for r in builds):.0f} s CPU, peak {max(r['peak_mib'] for r in builds):.0f} MiB",
             wall <= 30, "floor: the stages before any portrait (below), then the portraits" if wall > 30 else "")
        for name in STAGES:
            secs = med(r["stages"][name] for r in builds)
            print(f"   {name:38s} {secs:6.1f} s  ({100 * secs / wall:4.1f} % of the wall time)")
        stages = per_portrait_stages(root)
        total = sum(stages.values())
        print(f"   one portrait, stage by stage (median of 8, one process, {os.environ.get('PORTRAITS_PDF_ENGINE') or 'typst'}): "
              + ", ".join(f"{k} {v:.2f} s ({100 * v / total:.0f} %)" for k, v in stages.items())
              + f"; total {total:.2f} s")
        if 2 in only:
            cost, big, small = marginal(root, runs)
            line(2, "marginal cost of one more portrait (render 40 − render 8 communes) / 32",
                 f"{cost:.2f} s wall (40: {med(r['wall'] for r in big):.1f} s, 8: {med(r['wall'] for r in small):.1f} s)",
                 cost <= 0.3, "floor: a portrait's CPU (its data lookups, two HTML renderings, two Typst "
                           "compilations: see the stages above) over 2 cores" if cost > 0.3 else "")
        if not args.quick and 3 in only:
            geo_root = root / "geographies"
            clean(geo_root)
            shutil.copytree((root / "output").resolve(), geo_root / "output.editions" / (root / "output").resolve().name)
            (geo_root / "output").symlink_to(Path("output.editions") / (root / "output").resolve().name)
            total, per_set = every_geography(geo_root)
            line(3, f"every geography rendered ({total['n']} portraits, one render per set)",
                 # no CPU figure: the lots are children of Dagster's forkserver, whose CPU the
                 # kernel does not hand back to the measured process tree
                 f"{total['wall'] / 60:.1f} min wall, "
                 f"peak {total['peak_mib']:.0f} MiB ({total['wall'] / total['n']:.2f} s per portrait)",
                 total["wall"] <= 450 and total["peak_mib"] <= 1536,
                 "floor: CPU per portrait × portraits / 2 cores" if total["wall"] > 450 else "")
            for set_id, r in per_set.items():
                print(f"   {set_id:12s} {r['n']:5d} portraits  {r['wall']:7.1f} s  peak {r['peak_mib']:.0f} MiB")
        if 4 in only:
            (root / "var" / "portrait_sets.txt").unlink(missing_ok=True)  # the renders of target 2 aside
            redef = redefinition(root, runs)
            wall = med(r["wall"] for r in redef)
            line(4, "one territory redefined → republished (portraits build --skip-ingest)",
                 f"{wall:.1f} s wall", wall <= 5,
                 "floor: territories, indicators, database staging and catalogue are rebuilt for every set, "
                 "plus the process start" if wall > 5 else "")
        growth = aggregation(root / "var" / "work.duckdb")
        last = growth[-1]
        line(5, f"aggregation on {last[1]:,} communes (region replicated {last[0]} times)".replace(",", " "),
             f"{last[3]:.1f} s", last[3] <= 30)
        for k, n, rows, secs in growth:
            print(f"   ×{k:<5} {n:6d} communes  {rows:9d} observations  {secs:6.2f} s  "
                  f"({secs / growth[0][3]:.1f} × the region)")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
