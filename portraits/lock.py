"""One build at a time: a lock every entry point takes (CLI, Dagster jobs, schedules, sensors, UI).

The lock is an ``flock`` on ``<work database>.lock`` (``var/work.duckdb.lock`` by default): the
kernel releases it when the holder's process ends, however it ends (``kill -9`` included), so a
crashed build never leaves a stale lock. The file holds who took it (pid, entry point, time) for the
message a second build gets. Within one process the lock is re-entrant: ``portraits build`` holds
it and runs the Dagster job in the same process, whose resource takes it again without waiting on
itself.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

_held: dict[str, list] = {}  # lock path -> [open file, depth]
_guard = threading.Lock()


class BuildLocked(RuntimeError):
    """Another build holds the lock; the message names it (French)."""


def _forget_in_child() -> None:
    """A forked child (the PDF rendering pool) must not keep the lock alive after its parent dies:
    close its copies of the lock files (the parent's lock is unaffected)."""
    for f, _depth in list(_held.values()):
        try:
            f.close()
        except OSError:
            pass
    _held.clear()


os.register_at_fork(after_in_child=_forget_in_child)


def lock_path(work_db: Path | str) -> Path:
    return Path(str(work_db) + ".lock")


def holder(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text() or "{}")
    except (OSError, ValueError):
        return {}


def acquire(path: Path | str, *, entry: str, wait: float = 0.0, poll: float = 0.5) -> None:
    """Take the lock (waiting up to ``wait`` seconds), or raise :class:`BuildLocked`."""
    key = str(Path(path).resolve())
    with _guard:
        if key in _held:
            _held[key][1] += 1
            return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    f = open(path, "a+")
    deadline = time.monotonic() + max(wait, 1.0)  # at least 1 s: a sensor's probe holds it briefly
    while True:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                who = holder(Path(path))
                f.close()
                raise BuildLocked(
                    "une autre construction est en cours"
                    + (f" ({who.get('entry', '?')}, processus {who.get('pid', '?')}, depuis {who.get('since', '?')})"
                       if who else "")
                    + " : rien n'a été modifié ; relancez quand elle sera terminée") from None
            time.sleep(poll)
    f.seek(0)
    f.truncate()
    f.write(json.dumps({"pid": os.getpid(), "entry": entry,
                        "since": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}))
    f.flush()
    with _guard:
        _held[key] = [f, 1]


def release(path: Path | str) -> None:
    key = str(Path(path).resolve())
    with _guard:
        entry = _held.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] > 0:
            return
        del _held[key]
    f = entry[0]
    try:
        f.seek(0)
        f.truncate()
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    finally:
        f.close()


def is_locked(path: Path | str) -> bool:
    """True when another process holds the lock (for sensors: skip rather than queue a clash)."""
    key = str(Path(path).resolve())
    if key in _held or not Path(path).exists():
        return False
    with open(path, "a+") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    return False


@contextmanager
def build_lock(path: Path | str, *, entry: str, wait: float = 0.0):
    acquire(path, entry=entry, wait=wait)
    try:
        yield
    finally:
        release(path)
