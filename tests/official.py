"""Serve a file at the path of a dataset's official URL, from the tests' local HTTP server.

The official-layout tests use it so that the code under test fetches what the publisher's URL
would serve (same path and query string), from 127.0.0.1 only::

    with serve_official(tmp_path, ds, source_file) as url:
        retrieval = fetch(ds, url=url, cache_dir=tmp_path / "cache")
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from .httpserver import LocalServer


@contextmanager
def serve_official(root: Path, official_url: str, content: Path | bytes):
    """Yield the local URL that serves ``content`` at the path (and query) of ``official_url``."""
    parts = urlsplit(official_url)
    served = Path(root) / "served"
    target = served / parts.netloc / parts.path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        shutil.copyfile(content, target)
    with LocalServer(served) as server:
        query = f"?{parts.query}" if parts.query else ""
        yield f"{server.url}/{parts.netloc}/{parts.path.lstrip('/')}{query}"
