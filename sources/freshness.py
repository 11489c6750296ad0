"""Has an official file changed? Cheap probes for the sensors (no download of the body).

``probe(url)`` sends an HTTP ``HEAD`` (falling back to a ``GET`` of the first byte when the server
refuses HEAD) and returns the validators the publisher gives: ``ETag``, ``Last-Modified``,
``Content-Length``. ``fingerprint`` turns them into one string; a different fingerprint means a new
version. Offline, ``file_fingerprint`` hashes a mirror or local file instead.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from pathlib import Path

from .fetch import USER_AGENT, sha256_of


def probe(url: str, timeout: float = 20.0) -> dict:
    headers = {"User-Agent": USER_AGENT}
    for method, extra in (("HEAD", {}), ("GET", {"Range": "bytes=0-0"})):
        req = urllib.request.Request(url, method=method, headers=headers | extra)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
                h = resp.headers
                length = h.get("Content-Length")
                if method == "GET" and h.get("Content-Range"):
                    length = h.get("Content-Range").rsplit("/", 1)[-1]
                return {"url": url, "etag": h.get("ETag"), "last_modified": h.get("Last-Modified"),
                        "length": length, "status": resp.status}
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in (403, 405, 501):
                continue
            raise
    raise RuntimeError(f"{url}: no answer to HEAD nor GET")


def fingerprint(validators: dict) -> str:
    """One string from the validators (ETag preferred, then Last-Modified + length)."""
    if validators.get("etag"):
        return f"etag:{validators['etag']}"
    return f"lm:{validators.get('last_modified')}|len:{validators.get('length')}"


def file_fingerprint(path: Path) -> str:
    return f"sha256:{sha256_of(path)}"


def files_fingerprint(paths: list[Path]) -> str:
    """A fingerprint of a list of files (names and contents); empty list → 'none'."""
    if not paths:
        return "none"
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode() + b"\0" + sha256_of(p).encode() + b"\n")
    return "sha256:" + h.hexdigest()
