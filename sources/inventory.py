"""Where every dataset would be read from, and whether it can be read: ``portraits sources check``.

For each dataset of the catalogue, :func:`locate` says where the next build would take its file(s):
the mirror (``mirror``), the last download kept in the cache (``cache``) or the official URL
(``url``); :func:`inspect` then parses what is there (nothing is downloaded unless the file is only
at its URL and ``download`` is allowed) and reports the layout its parser recognised and the rows it
keeps for the region. ``online=True`` also probes the official URL (HTTP status, ``ETag``,
``Last-Modified``) without downloading its body.

The result of :func:`inspect` is a plain dict whose keys are a contract of ``portraits sources check
--json``: ``dataset``, ``official_layout``, ``reason``, ``source``, plus ``where``, ``layout``,
``rows``, ``sha256``, ``bytes``, ``retrieved_at``, ``family``, ``error`` and, online, ``http_status``,
``etag``, ``last_modified``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from . import catalog
from .dataset import Dataset
from .errors import SourceError
from .fetch import cache_path, fetch, from_cache


def _parts(ds: Dataset) -> list[tuple[str, Dataset]]:
    """The files of a dataset, each as a Dataset of its own (multi-file datasets: one per file)."""
    if ds.files:
        return [(key, replace(ds, mirror_path=path, url=url)) for key, path, url in ds.files]
    return [("", ds)]


def locate(ds: Dataset, *, mirror_dir: Path | None, cache_dir: Path) -> tuple[str, str]:
    """``(source, where)``: ``mirror`` and its path, ``cache`` and the cached path, or ``url``."""
    parts = _parts(ds)
    if mirror_dir is not None and all((Path(mirror_dir) / p.mirror_path).is_file() for _, p in parts):
        return "mirror", str(Path(mirror_dir) / ds.mirror_path)
    if mirror_dir is None and all(from_cache(p, cache_dir) is not None for _, p in parts):
        return "cache", str(cache_path(ds, cache_dir))
    return "url", ds.url


def missing_reason(ds: Dataset, *, mirror_dir: Path | None) -> str:
    """Why a dataset at ``url`` cannot be read when the network is not there (one French line)."""
    if mirror_dir is not None:
        absent = [p.mirror_path for _, p in _parts(ds) if not (Path(mirror_dir) / p.mirror_path).is_file()]
        return f"absent du miroir {mirror_dir} ({', '.join(absent)})"
    host = urlsplit(ds.url).netloc
    return f"ni miroir ni copie en cache ; {host} injoignable"


def inspect(ds: Dataset, *, mirror_dir: Path | None, cache_dir: Path, online: bool = False,
            download: bool = False, last: dict | None = None) -> dict:
    """One dataset's line of ``portraits sources check`` (see the module docstring)."""
    source, where = locate(ds, mirror_dir=mirror_dir, cache_dir=cache_dir)
    row = {
        "dataset": ds.id,
        "official_layout": ds.official_layout,
        "reason": "" if ds.official_layout else ds.official_reason,
        "source": source,
        "where": where,
        "url": ds.url,
        "family": ds.family or f"none: {ds.no_refresh}",
        "layout": None,
        "rows": None,
        "sha256": None,
        "bytes": None,
        "retrieved_at": (last or {}).get("retrieved_at"),
        "last_sha256": (last or {}).get("sha256"),
        "error": None,
    }
    if source != "url" or download:
        try:
            retrievals = [(key, from_cache(p, cache_dir) if source == "cache" else
                           fetch(p, mirror_dir=mirror_dir if source == "mirror" else None, cache_dir=cache_dir))
                          for key, p in _parts(ds)]
            if ds.files:
                df = ds.parse([(key, r.path) for key, r in retrievals])
                row["sha256"] = None if len(retrievals) > 1 else retrievals[0][1].sha256
                row["bytes"] = sum(r.bytes for _, r in retrievals)
            else:
                r = retrievals[0][1]
                df = ds.parse(r.path)
                row["sha256"], row["bytes"] = r.sha256, r.bytes
                if r.origin == "cache":
                    row["retrieved_at"] = r.retrieved_at
            row["rows"] = int(len(df))
            row["layout"] = df.attrs.get("layout") or ("official" if ds.layout == "official" else "mirror")
        except SourceError as exc:
            row["error"] = str(exc)
    else:
        row["error"] = None  # not read: only at its URL (use --download, or a build, to fetch it)
    if online:
        row.update(probe_official(ds))
    return row


def probe_official(ds: Dataset) -> dict:
    """HTTP status and validators of the official URL (no body downloaded)."""
    from .freshness import probe

    try:
        v = probe(ds.url, timeout=20.0)
        return {"http_status": v.get("status"), "etag": v.get("etag"), "last_modified": v.get("last_modified"),
                "http_error": None}
    except Exception as exc:  # noqa: BLE001 (any network failure is reported, not raised)
        code = getattr(exc, "code", None)
        return {"http_status": code, "etag": None, "last_modified": None,
                "http_error": f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"}


def last_retrievals(work_db: Path) -> dict[str, dict]:
    """``meta.source`` of the working database (the last retrieval of each dataset), if readable."""
    if not Path(work_db).is_file():
        return {}
    import duckdb

    try:
        con = duckdb.connect(str(work_db), read_only=True)
    except duckdb.Error:
        return {}  # a build holds the file: no history shown
    try:
        rows = con.execute("select source_id, retrieved_at, sha256 from meta.source").fetchall()
    except duckdb.Error:
        rows = []
    finally:
        con.close()
    return {r[0]: {"retrieved_at": str(r[1]) if r[1] is not None else None, "sha256": r[2]} for r in rows}


def check_all(*, mirror_dir: Path | None, cache_dir: Path, online: bool = False, download: bool = False,
              work_db: Path | None = None, only: list[str] | None = None) -> list[dict]:
    last = last_retrievals(work_db) if work_db else {}
    ids = only or list(catalog.DATASETS)
    return [inspect(catalog.get(i), mirror_dir=mirror_dir, cache_dir=cache_dir, online=online,
                    download=download, last=last.get(i)) for i in ids]


def unreachable(*, mirror_dir: Path | None, cache_dir: Path, timeout: float = 5.0) -> list[tuple[str, str]]:
    """Datasets a build could not read: neither in the mirror nor cached, and their host does not
    answer. Each as ``(dataset id, French reason)``. Hosts are probed once each."""
    from .freshness import probe

    hosts: dict[str, bool] = {}
    out = []
    for ds in catalog.DATASETS.values():
        source, _ = locate(ds, mirror_dir=mirror_dir, cache_dir=cache_dir)
        if source != "url":
            continue
        if mirror_dir is not None:
            out.append((ds.id, missing_reason(ds, mirror_dir=mirror_dir)))
            continue
        host = urlsplit(ds.url).netloc
        if host not in hosts:
            try:
                probe(ds.url, timeout=timeout)
                hosts[host] = True
            except Exception as exc:  # noqa: BLE001
                # An HTTP answer (even an error) means the host is reachable; the build reports it.
                hosts[host] = getattr(exc, "code", None) is not None
        if not hosts[host]:
            out.append((ds.id, missing_reason(ds, mirror_dir=None)))
    return out

