"""Publication: move a complete build into ``output/`` so that nothing is lost or half-written.

A build is first written under a build directory (``var/build``): the staged database, the
portraits of each rendered set, the catalogue page. :func:`publish` then swaps each item into the
output directory: files with one atomic ``os.replace``; directories (``portraits/<set_id>``) by
renaming the old one aside, renaming the new one in, then deleting the old one. The previous
publication stays in place, untouched, until every item of the new one is complete.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path


def _swap_dir(new: Path, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    old = final.with_name(f".{final.name}.old-{os.getpid()}-{time.time_ns()}")
    if final.exists():
        os.rename(final, old)
    try:
        os.rename(new, final)
    except OSError:
        if old.exists():
            os.rename(old, final)
        raise
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def publish(build_dir: Path, output_dir: Path) -> list[str]:
    """Swap every built item of ``build_dir`` into ``output_dir``; returns the published paths.

    Items: ``portraits.duckdb`` (atomic), each ``portraits/<set_id>/`` and ``annuaire/`` directory,
    ``territoires/`` GeoJSON, then the catalogue ``index.html`` last (so its links point to files
    already in place).
    """
    build_dir, output_dir = Path(build_dir), Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    done: list[str] = []
    db = build_dir / "portraits.duckdb"
    if db.exists():
        os.replace(db, output_dir / "portraits.duckdb")
        done.append(str(output_dir / "portraits.duckdb"))
    for set_dir in sorted((build_dir / "portraits").glob("*")) if (build_dir / "portraits").is_dir() else []:
        if set_dir.is_dir():
            final = output_dir / "portraits" / set_dir.name
            _swap_dir(set_dir, final)
            done.append(str(final))
    for name in ("annuaire", "territoires", "parquet"):
        if (build_dir / name).is_dir():
            _swap_dir(build_dir / name, output_dir / name)
            done.append(str(output_dir / name))
    for name in ("schema.md", "index.html"):
        if (build_dir / name).exists():
            os.replace(build_dir / name, output_dir / name)
            done.append(str(output_dir / name))
    return done
