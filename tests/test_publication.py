"""All-or-nothing publication and one build at a time, under faults.

Small builds made by hand (a real DuckDB file, a catalogue, portrait folders) exercise
:mod:`portraits.publication`; faults are real: ``kill -9`` of a process in the middle of a
publication, a disk-full error, two builds started together.
"""

from __future__ import annotations

import errno
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from portraits import lock, publication
from portraits.publication import PublicationError, prepare_build_dir, publish

REPO = Path(__file__).resolve().parent.parent


def make_build(root: Path, build_id: str, sets=("clpe",)) -> Path:
    b = prepare_build_dir(root / "var" / "build")
    con = duckdb.connect(str(b / "portraits.duckdb"))
    con.execute("create schema meta")
    con.execute("create table meta.build (build_id varchar)")
    con.execute("insert into meta.build values (?)", [build_id])
    con.close()
    (b / "index.html").write_text(f"<p>build {build_id}</p>")
    for s in sets:
        d = b / "portraits" / s / "T1"
        d.mkdir(parents=True)
        (d / "portrait.html").write_text(f"{s} {build_id}")
    return b


def read_build_id(output: Path) -> str:
    with duckdb.connect(str(output / "portraits.duckdb"), read_only=True) as con:
        return con.execute("select build_id from meta.build").fetchone()[0]


def snapshot(output: Path) -> dict:
    return {str(p.relative_to(output)): p.read_bytes() for p in sorted(output.rglob("*")) if p.is_file()}


def test_publication_switches_the_whole_output_and_keeps_editions(tmp_path):
    out = tmp_path / "output"
    make_build(tmp_path, "b1", sets=("clpe", "oublie"))
    publish(tmp_path / "var" / "build", out, edition_id="20261201T000000Z-b1")
    assert read_build_id(out) == "b1" and (out / "portraits" / "oublie").is_dir()
    first = publication.current_edition(out)
    make_build(tmp_path, "b2")
    publish(tmp_path / "var" / "build", out, edition_id="20261202T000000Z-b2")
    assert read_build_id(out) == "b2" and (out / "index.html").read_text() == "<p>build b2</p>"
    assert not (out / "portraits" / "oublie").exists()  # a set no longer built disappears
    assert first.is_dir()  # the previous edition stays readable for readers that resolved it
    assert not (tmp_path / "var" / "build").exists()
    for i in range(3, 7):
        make_build(tmp_path, f"b{i}")
        publish(tmp_path / "var" / "build", out, edition_id=f"2026120{i}T000000Z-b{i}")
    assert [p.name[-2:] for p in publication.list_editions(out)] == ["b4", "b5", "b6"]


def test_a_plain_output_directory_becomes_an_edition(tmp_path):
    out = tmp_path / "output"
    out.mkdir()
    (out / "index.html").write_text("ancien")
    make_build(tmp_path, "b1")
    publish(tmp_path / "var" / "build", out, edition_id="20261202T000000Z-b1")
    assert out.is_symlink() and read_build_id(out) == "b1"
    kept = [p for p in publication.list_editions(out) if (p / "index.html").read_text() == "ancien"]
    assert len(kept) == 1


def test_an_incomplete_build_is_not_published(tmp_path):
    out = tmp_path / "output"
    make_build(tmp_path, "b1")
    publish(tmp_path / "var" / "build", out, edition_id="20261201T000000Z-b1")
    before = snapshot(out)
    b = make_build(tmp_path, "b2")
    (b / "index.html").unlink()
    with pytest.raises(PublicationError, match="il manque index.html"):
        publish(b, out, edition_id="20261202T000000Z-b2")
    assert snapshot(out) == before


def test_a_build_dir_that_is_not_one_is_never_emptied(tmp_path):
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "rapport.odt").write_text("à garder")
    with pytest.raises(PublicationError, match="n'est pas un dossier de construction"):
        prepare_build_dir(precious)
    assert (precious / "rapport.odt").read_text() == "à garder"


def test_disk_full_during_publication_leaves_the_output_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "output"
    make_build(tmp_path, "b1")
    publish(tmp_path / "var" / "build", out, edition_id="20261201T000000Z-b1")
    before = snapshot(out)
    make_build(tmp_path, "b2")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(publication.os, "symlink", full)
    with pytest.raises(OSError, match="No space left"):
        publish(tmp_path / "var" / "build", out, edition_id="20261202T000000Z-b2")
    assert snapshot(out) == before and read_build_id(out) == "b1"
    monkeypatch.undo()
    make_build(tmp_path, "b3")  # the next build publishes normally
    publish(tmp_path / "var" / "build", out, edition_id="20261203T000000Z-b3")
    assert read_build_id(out) == "b3"


KILLER = textwrap.dedent('''
    import os, signal, sys
    sys.path.insert(0, {repo!r})
    from pathlib import Path
    from portraits import publication
    point = sys.argv[1]
    real = {{"rename": os.rename, "symlink": os.symlink, "replace": os.replace}}

    def wrap(name):
        def f(*a, **k):
            if point == "before_" + name:
                os.kill(os.getpid(), signal.SIGKILL)
            real[name](*a, **k)
            if point == "after_" + name:
                os.kill(os.getpid(), signal.SIGKILL)
        return f

    for name in real:
        setattr(publication.os, name, wrap(name))
    publication.publish(Path(sys.argv[2]), Path(sys.argv[3]), edition_id="20261202T000000Z-b2")
''')


@pytest.mark.parametrize("point", ["before_rename", "after_rename", "after_symlink", "before_replace",
                                   "after_replace"])
def test_kill_9_at_any_point_of_a_publication(tmp_path, point):
    out = tmp_path / "output"
    make_build(tmp_path, "b1")
    publish(tmp_path / "var" / "build", out, edition_id="20261201T000000Z-b1")
    before = snapshot(out)
    make_build(tmp_path, "b2")
    proc = subprocess.run([sys.executable, "-c", KILLER.format(repo=str(REPO)), point,
                           str(tmp_path / "var" / "build"), str(out)], capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    # the published database always opens and is the previous or the new build, byte for byte
    assert read_build_id(out) in ("b1", "b2")
    if read_build_id(out) == "b1":
        assert snapshot(out) == before
    else:
        assert point == "after_replace"
    # and the next build publishes
    make_build(tmp_path, "b3")
    publish(tmp_path / "var" / "build", out, edition_id="20261203T000000Z-b3")
    assert read_build_id(out) == "b3"
    assert not list(tmp_path.glob(".output.link-*"))


HOLDER = textwrap.dedent('''
    import sys, time
    sys.path.insert(0, {repo!r})
    from portraits import lock
    lock.acquire(sys.argv[1], entry="test holder")
    print("held", flush=True)
    time.sleep(120)
''')


def _hold(path: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER.format(repo=str(REPO)), str(path)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_two_builds_together_the_second_refuses_with_a_clear_message(tmp_path, monkeypatch, capsys):
    from pipelines import cli

    work = tmp_path / "var" / "work.duckdb"
    holder = _hold(lock.lock_path(work))
    try:
        monkeypatch.setenv("PORTRAITS_WORK_DB", str(work))
        monkeypatch.setenv("PORTRAITS_MIRROR_DIR", str(tmp_path / "mirror"))
        monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
        rc = cli.main(["build", "--skip-ingest"])
        err = capsys.readouterr().err
        assert rc == 3 or "--skip-ingest a besoin" in err
        if rc == 3:
            assert "une autre construction est en cours (test holder" in err
        work.parent.mkdir(parents=True, exist_ok=True)
        work.touch()
        assert cli.main(["build", "--skip-ingest"]) == 3
        assert "une autre construction est en cours (test holder" in capsys.readouterr().err
        # the Dagster resource (UI, schedules, sensors) refuses the same way
        from pipelines.resources import PortraitsSettings
        with pytest.raises(lock.BuildLocked, match="autre construction"):
            PortraitsSettings(work_db=str(work)).setup_for_execution(None)
        from pipelines.schedules import build_running
        assert build_running()
    finally:
        holder.kill()
        holder.wait()
    # kill -9 of the holder releases the lock: the next build may start
    assert not lock.is_locked(lock.lock_path(work))
    lock.acquire(lock.lock_path(work), entry="next")
    lock.release(lock.lock_path(work))


def test_the_lock_is_reentrant_within_one_process(tmp_path):
    p = tmp_path / "x.lock"
    with lock.build_lock(p, entry="cli"):
        with lock.build_lock(p, entry="dagster run"):
            pass
        assert lock.holder(p)["entry"] == "cli"
    assert lock.holder(p) == {}


def test_relative_output_keeps_the_current_edition_and_old_empty_build_dirs_are_cleared(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = Path("output")
    for i in range(1, 5):
        make_build(tmp_path, f"b{i}")
        # editions named so that the current one does not sort last (clock set back)
        publish(Path("var/build"), out, edition_id=f"2026120{5 - i}T000000Z-b{i}")
        assert read_build_id(out) == f"b{i}"
    assert len(publication.list_editions(out)) == 3
    legacy = tmp_path / "var" / "build"
    (legacy / "portraits" / "clpe").mkdir(parents=True)  # left empty by an older version
    prepare_build_dir(legacy)
    assert (legacy / publication.MARKER).is_file()


def test_a_missing_output_link_is_restored_before_publishing(tmp_path):
    out = tmp_path / "output"
    make_build(tmp_path, "b1")
    publish(tmp_path / "var" / "build", out, edition_id="20261201T000000Z-b1")
    out.unlink()  # killed between moving a plain output aside and linking
    make_build(tmp_path, "b2")
    (tmp_path / "var" / "build" / "index.html").unlink()
    with pytest.raises(PublicationError):
        publish(tmp_path / "var" / "build", out, edition_id="20261202T000000Z-b2")
    assert read_build_id(out) == "b1"


FORKER = textwrap.dedent('''
    import os, signal, sys, time
    sys.path.insert(0, {repo!r})
    from portraits import lock
    lock.acquire(sys.argv[1], entry="build with workers")
    if os.fork() == 0:  # a rendering worker, still busy when its parent is killed
        os.close(1); os.close(2)  # (so that the test does not wait for it)
        time.sleep(5)
        os._exit(0)
    print("forked", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
''')


def test_a_killed_build_s_forked_workers_do_not_keep_the_lock(tmp_path):
    p = tmp_path / "w.lock"
    proc = subprocess.run([sys.executable, "-c", FORKER.format(repo=str(REPO)), str(p)], capture_output=True,
                          text=True, timeout=60)
    assert proc.stdout.strip() == "forked"
    assert not lock.is_locked(p)  # the worker still sleeps, yet the next build may start
