"""A real HTTP server on 127.0.0.1 serving a directory, with a few misbehaving paths for tests.

- ``/truncated/<path>``: announces the full length but sends only half of the body, then closes;
- ``/flaky/<path>``: answers 503 to the first request for a path, then serves it;
- anything missing: 404.
"""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Handler(SimpleHTTPRequestHandler):
    seen: dict = {}

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):  # noqa: N802
        if self.path.startswith("/truncated/"):
            target = Path(self.directory) / self.path[len("/truncated/"):]
            data = target.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.path.startswith("/flaky/"):
            n = self.seen.get(self.path, 0)
            self.seen[self.path] = n + 1
            if n == 0:
                self.send_error(503, "try again")
                return
            self.path = self.path[len("/flaky"):]
        return super().do_GET()


class LocalServer:
    def __init__(self, directory: Path):
        handler = partial(_Handler, directory=str(directory))
        _Handler.seen = {}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
