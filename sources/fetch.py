"""Retrieve official files: from a mirror directory offline, or over HTTP into a cache online.

One code path serves both ways. ``fetch(dataset)`` returns a :class:`Retrieval` that says where the
file is and records its provenance (URL or mirror path, bytes, SHA-256, retrieval time).

Settings (environment variables, or keyword arguments which win):

* ``PORTRAITS_MIRROR_DIR``: a directory laid out like ``../shared/opendata``. When set, files are
  read from it and nothing is downloaded.
* ``PORTRAITS_CACHE_DIR``: where downloads go (default ``var/cache`` under the working directory).
* ``PORTRAITS_MAX_BYTES``: size limit of one download (default 512 MiB).

Downloads are written to a temporary file, checked (HTTP status, announced length, size limit) and
only then renamed into the cache, so a failed or truncated download never leaves a file that looks
complete. A JSON provenance record sits beside each cached file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from .catalog import Dataset, get
from .errors import FetchError

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0
DEFAULT_TOTAL_TIMEOUT = 1800.0  # seconds for a whole download (PORTRAITS_DOWNLOAD_TIMEOUT)
DEFAULT_RETRIES = 3
USER_AGENT = "portraits-territoire/0.1 (+SPRO Pays de la Loire)"


@dataclass(frozen=True)
class Retrieval:
    dataset_id: str
    path: Path
    origin: str  # "mirror" or "http"
    url: str  # official URL, or the URL actually downloaded
    bytes: int
    sha256: str
    retrieved_at: str  # ISO 8601, UTC
    final_url: str = ""  # after redirects (downloads only)

    def as_record(self) -> dict:
        d = asdict(self)
        d["path"] = str(self.path)
        return d


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def mirror_dir_setting() -> Path | None:
    value = os.environ.get("PORTRAITS_MIRROR_DIR", "").strip()
    return Path(value) if value else None


PROJECT_DIR = Path(__file__).resolve().parent.parent


def discover_mirror() -> Path | None:
    """The mirror the way the Makefile finds it: ``PORTRAITS_MIRROR_DIR`` when set (set but empty:
    no mirror), else ``../shared/opendata`` beside the project (or beside the working directory)
    when it holds a ``README.md``; None (download from the official URLs) otherwise."""
    if "PORTRAITS_MIRROR_DIR" in os.environ:
        return mirror_dir_setting()
    for base in (PROJECT_DIR, Path.cwd()):
        candidate = (base / ".." / "shared" / "opendata").resolve()
        if (candidate / "README.md").is_file():
            return candidate
    return None


def use_discovered_mirror() -> Path | None:
    """Set ``PORTRAITS_MIRROR_DIR`` to :func:`discover_mirror` unless it is set (CLI start-up)."""
    mirror = discover_mirror()
    if mirror is not None and "PORTRAITS_MIRROR_DIR" not in os.environ:
        os.environ["PORTRAITS_MIRROR_DIR"] = str(mirror)
    return mirror


def cache_dir_setting() -> Path:
    value = os.environ.get("PORTRAITS_CACHE_DIR", "").strip()
    return Path(value) if value else Path("var") / "cache"


def fetch(
    dataset: Dataset | str,
    *,
    mirror_dir: Path | str | None = None,
    cache_dir: Path | str | None = None,
    url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    max_bytes: int | None = None,
) -> Retrieval:
    """Return the local file of ``dataset``, from the mirror if one is set, else downloaded.

    ``url`` overrides the official URL (tests point it at a local server). Raises
    :class:`FetchError` naming the dataset and the path or URL at fault.
    """
    ds = get(dataset) if isinstance(dataset, str) else dataset
    mirror = Path(mirror_dir) if mirror_dir is not None else mirror_dir_setting()
    if url is None and mirror is not None:
        return from_mirror(ds, mirror)
    cache = Path(cache_dir) if cache_dir is not None else cache_dir_setting()
    if max_bytes is None:
        max_bytes = int(os.environ.get("PORTRAITS_MAX_BYTES", DEFAULT_MAX_BYTES))
    try:
        return download(ds, url or ds.url, cache, timeout=timeout, retries=retries, max_bytes=max_bytes)
    except FetchError as exc:
        if url is None and not exc.permanent:
            previous = from_cache(ds, cache)
            if previous is not None:  # offline: the last good download, said as such (origin "cache")
                return previous
        raise


def cache_path(ds: Dataset, cache: Path, url: str | None = None) -> Path:
    """Where the download of ``ds`` is kept: ``cache/<dataset id>/<file name>``."""
    return cache / ds.id / _target_name(ds, url or ds.url)


def from_cache(ds: Dataset, cache: Path) -> Retrieval | None:
    """The last complete download of ``ds`` (its provenance record beside it), or None."""
    target = cache_path(ds, cache)
    record = target.with_name(target.name + ".provenance.json")
    if not (target.is_file() and record.is_file()):
        return None
    try:
        prov = json.loads(record.read_text())
    except (OSError, ValueError):
        return None
    if prov.get("sha256") != sha256_of(target):
        return None
    if prov.get("url") != ds.url:
        return None  # downloaded from another URL (an older vintage): not this dataset's file

    return Retrieval(dataset_id=ds.id, path=target, origin="cache", url=prov.get("url", ds.url),
                     bytes=target.stat().st_size, sha256=prov["sha256"],
                     retrieved_at=prov.get("retrieved_at", ""))


def from_mirror(ds: Dataset, mirror: Path) -> Retrieval:
    path = mirror / ds.mirror_path
    if not mirror.is_dir():
        raise FetchError(ds.id, str(mirror), "mirror directory not found (PORTRAITS_MIRROR_DIR)")
    if not path.is_file():
        raise FetchError(ds.id, str(path), "file missing from the mirror directory")
    return Retrieval(
        dataset_id=ds.id,
        path=path,
        origin="mirror",
        url=ds.url,
        bytes=path.stat().st_size,
        sha256=sha256_of(path),
        retrieved_at=_now(),
    )


def _target_name(ds: Dataset, url: str) -> str:
    name = Path(ds.mirror_path).name
    return name or url.rstrip("/").rsplit("/", 1)[-1]


def download(
    ds: Dataset,
    url: str,
    cache: Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Retrieval:
    """Download ``url`` into ``cache/<dataset id>/`` with retries; atomic on success."""
    if not url.lower().startswith(("http://", "https://")):
        raise FetchError(ds.id, url, "only http:// and https:// URLs are downloaded", permanent=True)
    target_dir = cache / ds.id
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / _target_name(ds, url)
    last_error = "no attempt"
    for attempt in range(1, max(1, retries) + 1):
        tmp = target.with_name(f".{target.name}.part-{os.getpid()}")
        try:
            size, digest, final_url = _download_once(url, tmp, timeout=timeout, max_bytes=max_bytes)
        except _Permanent as exc:
            tmp.unlink(missing_ok=True)
            raise FetchError(ds.id, url, str(exc), permanent=True) from None
        except (urllib.error.URLError, OSError, _Transient) as exc:
            tmp.unlink(missing_ok=True)
            last_error = f"attempt {attempt}/{retries}: {exc}"
            if attempt < retries:
                time.sleep(min(0.5 * 2 ** (attempt - 1), 8))
            continue
        os.replace(tmp, target)
        retrieval = Retrieval(
            dataset_id=ds.id,
            path=target,
            origin="http",
            url=url,
            bytes=size,
            sha256=digest,
            retrieved_at=_now(),
            final_url=final_url,
        )
        record = target.with_name(target.name + ".provenance.json")
        record.write_text(json.dumps(retrieval.as_record(), indent=2, ensure_ascii=False))
        return retrieval
    raise FetchError(ds.id, url, f"download failed after {retries} attempts ({last_error})")


class _Transient(Exception):
    """A failure worth retrying (truncated body, 5xx, timeout)."""


class _Permanent(Exception):
    """A failure not worth retrying (404, size limit)."""


def _download_once(url: str, tmp: Path, *, timeout: float, max_bytes: int) -> tuple[int, str, str]:
    # ``timeout`` bounds each socket read; the whole body must also arrive within ``total_timeout``
    # (a server trickling one byte a second would otherwise never time out).
    total_timeout = float(os.environ.get("PORTRAITS_DOWNLOAD_TIMEOUT", DEFAULT_TOTAL_TIMEOUT))
    deadline = time.monotonic() + total_timeout
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (http/https only)
    except urllib.error.HTTPError as exc:
        if 500 <= exc.code < 600 or exc.code == 429:
            raise _Transient(f"HTTP {exc.code} {exc.reason}") from None
        raise _Permanent(f"HTTP {exc.code} {exc.reason}") from None
    with response:
        final_url = response.geturl() or url
        if url.lower().startswith("https://") and not final_url.lower().startswith("https://"):
            raise _Permanent(f"redirected from https to {final_url!r}: a downgrade is refused")
        announced = response.headers.get("Content-Length")
        expected = int(announced) if announced and announced.isdigit() else None
        if expected is not None and expected > max_bytes:
            raise _Permanent(f"announced size {expected} bytes exceeds the limit of {max_bytes} bytes")
        h = hashlib.sha256()
        size = 0
        with open(tmp, "wb") as out:
            while True:
                try:
                    block = response.read(1 << 16)
                except Exception as exc:  # http.client.IncompleteRead and friends
                    raise _Transient(f"connection broken after {size} bytes: {exc!r}") from None
                if not block:
                    break
                size += len(block)
                if size > max_bytes:
                    raise _Permanent(f"download exceeds the limit of {max_bytes} bytes "
                                     f"(stopped after {size} bytes; PORTRAITS_MAX_BYTES raises it)")
                if time.monotonic() > deadline:
                    raise _Transient(f"download slower than the total time limit of {total_timeout:.0f} s "
                                     f"(stopped after {size} bytes; PORTRAITS_DOWNLOAD_TIMEOUT raises it)")
                h.update(block)
                out.write(block)
    if expected is not None and size != expected:
        raise _Transient(f"truncated response: got {size} of {expected} announced bytes")
    return size, h.hexdigest(), final_url


def copy_into(retrieval: Retrieval, dest_dir: Path) -> Path:
    """Copy a retrieved file somewhere else (used by tests to build a local mirror)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / retrieval.path.name
    shutil.copyfile(retrieval.path, dest)
    return dest
