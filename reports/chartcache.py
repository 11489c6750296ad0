"""Charts and maps keyed by their input data: a rebuild whose data did not change reuses the PNG
instead of drawing it again with Matplotlib (about 10 images per portrait, the larger part of the
time spent before the PDF).

``png(builder, *args, **kwargs)`` calls ``builder(*args, **kwargs)`` (a function returning a
Matplotlib Figure) and serialises the figure; when a cache directory is configured, the PNG is
stored under the SHA-256 of the builder's name, the code that draws (the builder's module, the
shared style and serialisation modules, Matplotlib's version) and the pickled arguments. Same key,
same image: a cache hit can only skip work, never show other data. Files are written atomically
(workers share the directory) and touched on every hit; :func:`prune` removes those unused for a
month.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

_DIR: Path | None = None
KEEP_DAYS = 30


def configure(directory: str | Path | None) -> None:
    """Cache PNGs under ``directory`` (None: no cache, every chart is drawn)."""
    global _DIR
    _DIR = Path(directory) if directory else None
    if _DIR is not None:
        _DIR.mkdir(parents=True, exist_ok=True)


LIBRARIES = ("matplotlib", "geopandas", "shapely", "pyproj", "pillow", "babel", "numpy", "pandas")


@lru_cache(maxsize=None)
def _code_digest(module_name: str) -> str:
    """The builder's module, every module of ``reports`` (charts, maps, style, formatting of the
    labels…) and the versions of the libraries that draw."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    for lib in LIBRARIES:
        try:
            h.update(f"{lib}={version(lib)};".encode())
        except PackageNotFoundError:
            h.update(f"{lib}=?;".encode())
    here = Path(__file__).parent
    for f in sorted({Path(sys.modules[module_name].__file__), *here.glob("*.py")}):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def canonical(obj):
    """Floats to 12 significant digits (sums of floats vary in their last bits from one build to
    the next; no chart shows a difference that small), through lists, tuples and dicts."""
    if isinstance(obj, float):
        return float(f"{obj:.12g}")
    if isinstance(obj, (list, tuple)):
        return type(obj)(canonical(v) for v in obj)
    if isinstance(obj, dict):
        return {k: canonical(v) for k, v in obj.items()}
    return obj


def key(builder, args: tuple, kwargs: dict, dpi: int) -> str:
    h = hashlib.sha256()
    h.update(f"{builder.__module__}.{builder.__qualname__}:{dpi}:".encode())
    h.update(_code_digest(builder.__module__).encode())
    h.update(pickle.dumps(canonical((args, sorted(kwargs.items()))), protocol=4))
    return h.hexdigest()


def png(builder, *args, dpi: int = 200, **kwargs) -> bytes:
    from .charts import figure_to_png

    if _DIR is None:
        return figure_to_png(builder(*args, **kwargs), dpi=dpi)
    k = key(builder, args, kwargs, dpi)
    path = _DIR / k[:2] / f"{k}.png"
    try:
        data = path.read_bytes()
        os.utime(path)
        return data
    except FileNotFoundError:  # not cached yet (or pruned meanwhile)
        pass
    data = figure_to_png(builder(*args, **kwargs), dpi=dpi)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return data


def prune(directory: str | Path, keep_days: int = KEEP_DAYS) -> int:
    """Remove the cached images not used for ``keep_days`` days; returns how many."""
    limit = time.time() - keep_days * 86400
    removed = 0
    for p in Path(directory).glob("*/*.png"):
        if p.stat().st_mtime < limit:
            p.unlink(missing_ok=True)
            removed += 1
    return removed
