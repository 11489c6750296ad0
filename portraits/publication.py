"""Publication: a complete build becomes the published ``output/`` in one atomic step.

A build writes everything it publishes (database, portraits, exports, catalogue) into its build
directory (``var/build``). :func:`publish` then

1. checks the build is complete (the database opens and has no pending ``.wal``; the catalogue is
   there),
2. moves the whole directory, by one rename, to an **edition** folder ``<output>.editions/<id>/``,
3. points ``output`` at it by replacing a symbolic link (``rename`` of a new link over the old one,
   atomic on POSIX): a reader resolves ``output/`` to the previous edition or to the new one, never
   to a mix, and files the previous edition served stay readable (editions are kept),
4. removes the oldest editions beyond :data:`KEPT` (``PORTRAITS_EDITIONS_KEPT``, default 3).

A set that is no longer built is simply absent from the new edition. If anything fails before step 3
(disk full while the build was written, a kill at any point), ``output`` still points at the previous
edition, untouched. A first publication over an ``output/`` that is a plain directory (made by an
older version) moves that directory into the editions first.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

def _kept() -> int:
    value = os.environ.get("PORTRAITS_EDITIONS_KEPT", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 3


KEPT = _kept()
MARKER = ".portraits-build"  # in every build directory: what may be deleted and published
_EDITION = re.compile(r"^\d{8}T\d{6}Z-[A-Za-z0-9_-]+$")


class PublicationError(RuntimeError):
    """The build directory is not a complete build; nothing was published (French message)."""


def editions_dir(output_dir: Path) -> Path:
    output_dir = Path(output_dir)
    return output_dir.parent / f"{output_dir.name}.editions"


def new_edition_id(build_id: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{re.sub(r'[^A-Za-z0-9_-]', '', build_id)[:12] or 'build'}"


def prepare_build_dir(build_dir: Path) -> Path:
    """An empty build directory with its marker. An existing directory is deleted only when it
    carries the marker (a previous build): a misconfigured ``build_dir`` pointing at some other
    folder is refused, never emptied."""
    build_dir = Path(build_dir)
    if build_dir.exists():
        if build_dir.is_symlink() or not (build_dir / MARKER).is_file():
            if build_dir.is_dir() and not any(p.is_file() or p.is_symlink() for p in build_dir.rglob("*")):
                shutil.rmtree(build_dir)  # empty, or only empty folders (left by an older version)
            else:
                raise PublicationError(
                    f"{build_dir} existe et n'est pas un dossier de construction (pas de fichier {MARKER}) : "
                    "il n'est pas effacé ; choisissez un dossier vide ou inexistant")
        else:
            shutil.rmtree(build_dir)
    build_dir.mkdir(parents=True)
    (build_dir / MARKER).write_text("portraits build directory: deleted and replaced by each build\n")
    return build_dir


def _check_complete(build_dir: Path) -> None:
    import duckdb

    db = build_dir / "portraits.duckdb"
    missing = [n for n in ("portraits.duckdb", "index.html", MARKER) if not (build_dir / n).exists()]
    if missing:
        raise PublicationError(f"construction incomplète dans {build_dir} : il manque {', '.join(missing)} ; "
                               "rien n'est publié")
    try:
        con = duckdb.connect(str(db))  # replays and checkpoints a pending WAL, if any
        try:
            con.execute("checkpoint")
            con.execute("select count(*) from meta.build").fetchone()
        finally:
            con.close()
    except duckdb.Error as exc:
        raise PublicationError(f"la base construite {db} ne s'ouvre pas ({exc}) : rien n'est publié") from None
    for wal in build_dir.glob("*.wal"):
        raise PublicationError(f"{wal} subsiste après le point de contrôle : base non publiée")


def current_edition(output_dir: Path) -> Path | None:
    output_dir = Path(output_dir)
    if output_dir.is_symlink():
        return (output_dir.parent / os.readlink(output_dir)).resolve()
    return None


def publish(build_dir: Path, output_dir: Path, *, edition_id: str | None = None) -> list[str]:
    """Make the complete build in ``build_dir`` the published ``output_dir`` (see the module
    docstring); returns the published items (paths under ``output_dir``)."""
    build_dir, output_dir = Path(build_dir), Path(output_dir)
    _relink_if_missing(output_dir)
    _check_complete(build_dir)
    editions = editions_dir(output_dir)
    editions.mkdir(parents=True, exist_ok=True)
    edition = editions / (edition_id or new_edition_id("build"))
    if edition.exists():
        raise PublicationError(f"l'édition {edition} existe déjà")
    try:
        os.rename(build_dir, edition)
    except OSError:  # another file system: copy aside, then one rename
        tmp = editions / f".{edition.name}.partial"
        shutil.copytree(build_dir, tmp)
        os.rename(tmp, edition)
        shutil.rmtree(build_dir, ignore_errors=True)
    (edition / MARKER).unlink(missing_ok=True)  # an edition is no build directory: never emptied
    if output_dir.exists() and not output_dir.is_symlink():
        # first publication over a plain directory (older layout): keep it as an edition
        os.rename(output_dir, editions / new_edition_id("avant-editions"))
    link = output_dir.parent / f".{output_dir.name}.link-{os.getpid()}-{time.time_ns()}"
    os.symlink(os.path.relpath(edition, output_dir.parent), link)
    os.replace(link, output_dir)  # the one atomic step
    prune(output_dir)
    return sorted(str(output_dir / p.relative_to(edition)) for p in edition.iterdir())


def _relink_if_missing(output_dir: Path) -> None:
    """A publication killed between moving a plain ``output/`` aside and creating the link (the
    one-time migration) leaves no ``output``: point it back at the newest edition."""
    if output_dir.exists() or output_dir.is_symlink():
        return
    editions = list_editions(output_dir)
    if editions:
        os.symlink(os.path.relpath(editions[-1], output_dir.parent), output_dir)


def list_editions(output_dir: Path) -> list[Path]:
    """Edition folders, oldest first."""
    d = editions_dir(output_dir)
    return sorted(p for p in d.iterdir() if p.is_dir() and _EDITION.match(p.name)) if d.is_dir() else []


def prune(output_dir: Path, kept: int = KEPT) -> list[Path]:
    """Delete the oldest editions beyond ``kept`` (never the current one) and leftovers of
    interrupted publications."""
    current = current_edition(output_dir)
    removed = []
    old = [p for p in list_editions(output_dir) if p.resolve() != current]
    for p in old[: max(0, len(old) - max(0, kept - 1))]:
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    d = editions_dir(output_dir)
    for leftover in d.glob(".*.partial") if d.is_dir() else []:
        shutil.rmtree(leftover, ignore_errors=True)
    for link in Path(output_dir).parent.glob(f".{Path(output_dir).name}.link-*"):
        link.unlink(missing_ok=True)
    return removed
