"""One record per dataset, checked at import; ``portraits sources check``; the CLI outside make.

No test here reaches beyond 127.0.0.1: "offline" is simulated by patching the download and the
probe, never by trying a publisher's host.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
from dataclasses import replace
from pathlib import Path

import pytest

from sources import catalog, dataset, fetch as fetch_mod
from sources.errors import FetchError

from .httpserver import LocalServer

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "territoires_exemple.csv"


# --- the records ---------------------------------------------------------------------------------

def test_every_dataset_has_one_complete_record():
    assert len(catalog.DATASETS) == 43
    for ds in catalog.DATASETS.values():
        assert ds.table and ds.parser and ds.description, ds.id
        assert (ds.family in dataset.FAMILIES) != bool(ds.no_refresh), ds.id
        assert ds.official_layout or ds.official_reason, ds.id
        assert callable(catalog.parser_of(ds)), ds.id


def test_schedules_are_made_from_the_records():
    from pipelines.schedules import FAMILIES

    scheduled = {d for ids, _cron in FAMILIES.values() for d in ids}
    expected = {d.id for d in catalog.DATASETS.values() if d.family}
    assert scheduled == expected
    assert FAMILIES["bmo"][1] == dataset.FAMILIES["bmo"][0]


@pytest.mark.parametrize("change, message", [
    (dict(family="hebdomadaire"), "unknown refresh family 'hebdomadaire'"),
    (dict(family=None), "no refresh family and no reason"),
    (dict(parser="urssaf:no_such_function"), "sources.urssaf has no function 'no_such_function'"),
    (dict(parser="no_such_module:parse"), "parser module sources.no_such_module cannot be imported"),
    (dict(official_layout=False, official_reason=""), "official_layout is False without a reason"),
    (dict(url="http://example.org/x.csv"), "url must be https"),
])
def test_an_inconsistent_declaration_fails_loudly(change, message):
    good = list(catalog.DATASETS.values())
    bad = replace(good[0], **change)
    with pytest.raises(catalog.CatalogError) as err:
        catalog.check([bad, *good[1:]])
    assert message in str(err.value) and good[0].id in str(err.value)


def test_a_dataset_declared_twice_or_a_table_used_twice_fails_loudly():
    good = list(catalog.DATASETS.values())
    with pytest.raises(catalog.CatalogError, match="declared twice"):
        catalog.check([*good, good[3]])
    with pytest.raises(catalog.CatalogError, match="already used by"):
        catalog.check([*good, replace(good[3], id="copie", table=good[4].table)])


# --- portraits sources check ----------------------------------------------------------------------

def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTRAITS_")}
    env.update(extra)
    return env


def test_sources_check_json_typed_directly(mirror, tmp_path):
    """The README's command, run as a user types it (the console script, no make)."""
    exe = Path(sys.executable).with_name("portraits")
    proc = subprocess.run([str(exe), "sources", "check", "--json"], capture_output=True, text=True,
                          cwd=tmp_path, env=_env(PORTRAITS_MIRROR_DIR=str(mirror),
                                                 PORTRAITS_CACHE_DIR=str(tmp_path / "cache")), timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["dataset"] for r in rows] == list(catalog.DATASETS)
    for r in rows:
        assert {"dataset", "official_layout", "reason", "source", "layout", "rows"} <= set(r)
        assert r["source"] == "mirror" and r["rows"] > 0 and r["error"] is None, r
        assert r["official_layout"] or r["reason"], r
    by_id = {r["dataset"]: r for r in rows}
    assert by_id["cog_departements_2026"]["rows"] == 5
    assert by_id["cog_communes_2026"]["official_layout"] is True


def test_sources_check_offline_without_mirror_says_which_cannot_be_read(tmp_path, monkeypatch, capsys):
    from pipelines import cli

    monkeypatch.setenv("PORTRAITS_MIRROR_DIR", "")
    monkeypatch.setenv("PORTRAITS_CACHE_DIR", str(tmp_path / "cache"))
    rc = cli.main(["sources", "check", "--json", "cog_regions_2026", "fap_2021"])
    out = capsys.readouterr()
    assert rc == 1
    rows = json.loads(out.out)
    assert [(r["source"], r["rows"]) for r in rows] == [("url", None), ("url", None)]
    assert "cog_regions_2026" in out.err and "fap_2021" in out.err and "Traceback" not in out.err


def test_a_cached_download_is_used_offline_and_reported_as_cache(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTRAITS_MIRROR_DIR", "")  # make test exports the mirror: this is the online case
    ds = catalog.get("cog_regions_2026")
    served = tmp_path / "srv"
    served.mkdir()
    (served / "regions.json").write_bytes((mirror / ds.mirror_path).read_bytes())
    cache = tmp_path / "cache"
    with LocalServer(served) as server:
        first = fetch_mod.fetch(replace(ds, url=f"{server.url}/regions.json"), cache_dir=cache)
    assert first.origin == "http"

    def offline(*args, **kwargs):
        raise FetchError(ds.id, ds.url, "network unreachable")

    monkeypatch.setattr(fetch_mod, "download", offline)
    again = fetch_mod.fetch(replace(ds, url=f"{server.url}/regions.json"), cache_dir=cache)
    assert again.origin == "cache" and again.sha256 == first.sha256

    from sources.inventory import inspect
    row = inspect(replace(ds, url=f"{server.url}/regions.json"), mirror_dir=None, cache_dir=cache)
    assert row["source"] == "cache" and row["rows"] == 1 and row["retrieved_at"] == first.retrieved_at
    # a cached file downloaded from another URL (an older vintage) is not this dataset's file
    assert fetch_mod.from_cache(replace(ds, url="https://example.org/autre-millesime.json"), cache) is None


def test_sources_check_names_an_unknown_dataset(capsys):
    from pipelines import cli

    assert cli.main(["sources", "check", "nope"]) == 2
    assert "jeu(x) de données inconnu(s) : nope" in capsys.readouterr().err


def test_a_bad_official_file_is_reported_not_raised(tmp_path):
    """A file the parser rejects (an HTML error page saved in its place): the dataset's line says
    why, naming the file; the command carries on with the others."""
    from sources.inventory import inspect

    ds = catalog.get("cog_regions_2026")
    mirror = tmp_path / "mirror"
    target = mirror / ds.mirror_path
    target.parent.mkdir(parents=True)
    target.write_text("<!doctype html><html><body>Erreur 503</body></html>")
    row = inspect(ds, mirror_dir=mirror, cache_dir=tmp_path / "cache")
    assert row["rows"] is None and str(target) in row["error"]


# --- the CLI outside make ----------------------------------------------------------------------------

def test_build_without_mirror_nor_network_lists_each_unreachable_dataset(tmp_path, monkeypatch, capsys):
    from pipelines import cli
    import sources.freshness as freshness

    def no_network(url, timeout=20.0):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(freshness, "probe", no_network)
    monkeypatch.setenv("PORTRAITS_MIRROR_DIR", "")
    monkeypatch.setenv("PORTRAITS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    rc = cli.main(["build"])
    err = capsys.readouterr().err
    assert rc == 2
    lines = [line for line in err.splitlines() if line.startswith("  ")]
    assert len(lines) == len(catalog.DATASETS)
    assert "  urssaf_effectifs_commune : ni miroir ni copie en cache ; open.urssaf.fr injoignable" in lines
    assert "Traceback" not in err


def test_build_with_an_incomplete_mirror_lists_the_missing_files(tmp_path, monkeypatch, capsys):
    from pipelines import cli

    monkeypatch.setenv("PORTRAITS_MIRROR_DIR", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    rc = cli.main(["build"])
    err = capsys.readouterr().err
    assert rc == 2 and f"  fap_2021 : absent du miroir {tmp_path}" in err


def test_territories_check_falls_back_on_the_last_build(mirror, tmp_path, monkeypatch, capsys):
    """Official files unreachable, but a previous build loaded the COG: the check works on it."""
    from pipelines import cli
    from portraits import stages, warehouse

    work = tmp_path / "work.duckdb"
    with warehouse.connect(work) as con:
        for d in ("cog_communes_2026", "cog_epci_2026", "cog_communes_2024"):
            stages.ingest(con, d, mirror_dir=mirror)

    def offline(*args, **kwargs):
        raise FetchError("cog", "https://unpkg.com/", "network unreachable")

    monkeypatch.setattr(fetch_mod, "download", offline)
    monkeypatch.setenv("PORTRAITS_MIRROR_DIR", "")
    monkeypatch.setenv("PORTRAITS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PORTRAITS_WORK_DB", str(work))
    rc = cli.main(["territories", "check", str(EXAMPLE)])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "valide : 3 territoires, 46 communes" in out.out
    assert "base de la dernière construction" in out.err

    work.unlink()
    rc = cli.main(["territories", "check", str(EXAMPLE)])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    assert "  cog_communes_2026 : ni miroir ni copie en cache ; unpkg.com injoignable" in err


def test_the_mirror_is_found_beside_the_project_like_the_makefile(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTRAITS_MIRROR_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    found = fetch_mod.discover_mirror()
    beside = (REPO / ".." / "shared" / "opendata").resolve()
    assert found == (beside if (beside / "README.md").is_file() else None)
    monkeypatch.setenv("PORTRAITS_MIRROR_DIR", "")
    assert fetch_mod.discover_mirror() is None


def test_an_html_page_served_instead_of_the_file_is_refused_by_name(tmp_path):
    from sources.errors import SourceFormatError

    page = tmp_path / "communes.json"
    page.write_bytes(b"\xef\xbb\xbf\n  <!DOCTYPE html><html><head><title>503</title></head></html>")
    with pytest.raises(SourceFormatError) as err:
        catalog.get("cog_communes_2026").parse(page)
    assert str(page) in str(err.value) and "page HTML" in str(err.value)
    assert "[cog_communes_2026]" in str(err.value)


def test_a_file_over_the_size_limit_fails_with_its_byte_count(mirror, tmp_path):
    ds = catalog.get("cog_communes_2026")
    with LocalServer(mirror) as server:
        with pytest.raises(FetchError) as err:
            fetch_mod.fetch(ds, url=f"{server.url}/{ds.mirror_path}", cache_dir=tmp_path, retries=1,
                            max_bytes=1000)
    assert "exceeds the limit of 1000 bytes" in str(err.value)
    assert not list((tmp_path / ds.id).glob("*.json"))  # nothing that looks complete is left


def test_only_http_urls_are_downloaded_and_the_final_url_is_recorded(mirror, tmp_path):
    ds = catalog.get("cog_regions_2026")
    with pytest.raises(FetchError, match="only http:// and https://"):
        fetch_mod.fetch(ds, url=f"file://{mirror / ds.mirror_path}", cache_dir=tmp_path)
    with LocalServer(mirror) as server:
        r = fetch_mod.fetch(ds, url=f"{server.url}/{ds.mirror_path}", cache_dir=tmp_path, retries=1)
    assert r.final_url == f"{server.url}/{ds.mirror_path}"
    record = json.loads(r.path.with_name(r.path.name + ".provenance.json").read_text())
    assert record["final_url"] == r.final_url
