"""Benchmark: the full build from the mirror, timed per stage, with peak memory.

Runs the Dagster job build_all in this process (the same as ``make run``) into a temporary project
folder, then reads the step durations from the run's events and the peak resident memory of this
process and its children. Prints a table; figures are for the notes, not a test.

    python scripts/bench.py [--full-only] [--keep DIR]

Scenarios: a clean full build (the 20 clpe portraits and the 3 territories of
examples/territoires_exemple.csv), a rebuild with nothing changed, and a rebuild after one
territory of the custom set gained a commune (only that portrait is rendered again), first with
build_all, then with refresh_territories (the job the local-definitions sensor runs: no ingest).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

STAGES = {
    # a source's blocking check runs in its ingest step
    "ingest + source checks": lambda k: k.startswith("raw_"),
    "aggregate": lambda k: k in ("ref_geography", "territory_sets", "indicator_observations", "reception_points"),
    "other checks": lambda k: k.startswith(("indicator_observations_", "territory_sets_", "reception_points_")),
    "publish (stage db)": lambda k: k == "published_database",
    "render HTML+PDF": lambda k: k == "portrait_files",
    "catalogue": lambda k: k == "catalogue_page",
    "publish (swap)": lambda k: k == "published_outputs",
}


def peak_rss_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def one_run(root: Path, job: str = "build_all") -> dict:
    os.environ.update({
        "PORTRAITS_WORK_DB": str(root / "var/work.duckdb"),
        "PORTRAITS_OUTPUT_DIR": str(root / "output"),
        "PORTRAITS_BUILD_DIR": str(root / "var/build"),
        "PORTRAITS_CACHE_DIR": str(root / "var/cache"),
    })
    from dagster import DagsterInstance

    from pipelines.definitions import defs

    t0 = time.perf_counter()
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def(job).execute_in_process(instance=instance, raise_on_error=False)
        wall = time.perf_counter() - t0
        if not result.success:
            raise SystemExit("benchmark build failed")
        starts, durations = {}, defaultdict(float)
        for entry in instance.all_logs(result.run_id):
            e = entry.dagster_event
            if e is None:
                continue
            if e.event_type_value == "STEP_START":
                starts[e.step_key] = entry.timestamp
            elif e.event_type_value == "STEP_SUCCESS":
                durations[e.step_key] = entry.timestamp - starts[e.step_key]
        mats = {}
        for e in result.all_events:
            if e.event_type_value == "ASSET_MATERIALIZATION":
                m = e.event_specific_data.materialization
                mats[m.asset_key.to_user_string()] = {k: v.value for k, v in m.metadata.items()}
    stages = {name: sum(d for k, d in durations.items() if pred(k)) for name, pred in STAGES.items()}
    pf = mats.get("portrait_files", {})
    return {"wall": wall, "stages": stages, "portraits": pf.get("portraits"), "pages": pf.get("pdf_pages"),
            "rendered": pf.get("rendered"), "rendered_ids": pf.get("rendered_territories"),
            "html_cpu": pf.get("html_seconds_sum"), "pdf_cpu": pf.get("pdf_seconds_sum")}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", help="keep the build in this folder")
    ap.add_argument("--full-only", action="store_true", help="only the full build")
    args = ap.parse_args()
    if not os.environ.get("PORTRAITS_MIRROR_DIR"):
        print("PORTRAITS_MIRROR_DIR is not set: the benchmark reads the mirror (run it through make bench)",
              file=sys.stderr)
        return 2
    t_import = time.perf_counter()
    import pipelines.jobs  # noqa: F401  (import cost reported separately)
    t_import = time.perf_counter() - t_import
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="portraits-bench-"))
    example = Path(__file__).resolve().parent.parent / "examples" / "territoires_exemple.csv"
    definition = root / "bench_territoires.csv"
    root.mkdir(parents=True, exist_ok=True)
    definition.write_bytes(example.read_bytes())
    os.environ["PORTRAITS_TERRITORY_FILES"] = str(definition)
    scenarios = [("full build (clean), build_all", None, "build_all")]
    if not args.full_only:
        scenarios += [
            ("rebuild, nothing changed, build_all", None, "build_all"),
            ("one territory's definition changed, build_all", "change", "build_all"),
            ("one territory's definition changed, refresh_territories (the sensor's job)", "change",
             "refresh_territories"),
        ]
    results = []
    added = iter(["44131", "44054"])  # Pornic, then Erbray
    try:
        for name, action, job in scenarios:
            if action == "change":  # the 'chateaubriant' territory gains a commune
                with open(definition, "a", encoding="utf-8") as f:
                    f.write(f"chateaubriant;Châteaubriant (ville seule);;{next(added)}\n")
            results.append((name, one_run(root, job)))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"import of the definitions: {t_import:.2f} s")
    full = results[0][1]["wall"]
    for name, r in results:
        print(f"{name}: wall {r['wall']:.1f} s ({r['wall'] / full:.2f} x the full build); "
              f"{r['portraits']} portraits, {r['rendered']} rendered {r['rendered_ids'] or ''}, "
              f"{r['pages']} PDF pages")
        for stage, secs in r["stages"].items():
            print(f"  {stage:20s} {secs:7.2f} s  ({100 * secs / r['wall']:4.1f} %)")
        print(f"  (CPU inside rendering: HTML+charts {r['html_cpu']} s, PDF {r['pdf_cpu']} s, over the workers)")
    own, children = peak_rss_mib()
    print(f"peak memory: main process {own:.0f} MiB, largest child {children:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
