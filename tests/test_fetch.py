"""The download path, against a real HTTP server on 127.0.0.1 serving the mirror files."""

from __future__ import annotations

import json

import pytest

from sources import catalog
from sources.errors import FetchError
from sources.fetch import fetch, sha256_of

from .httpserver import LocalServer

DS = catalog.get("cog_communes_2026")


@pytest.fixture()
def server(mirror):
    with LocalServer(mirror) as srv:
        yield srv


def test_download_records_provenance(server, mirror, tmp_path):
    url = f"{server.url}/{DS.mirror_path}"
    r = fetch(DS, url=url, cache_dir=tmp_path, retries=1)
    original = mirror / DS.mirror_path
    assert r.origin == "http" and r.url == url
    assert r.bytes == original.stat().st_size
    assert r.sha256 == sha256_of(original)
    assert r.path.read_bytes() == original.read_bytes()
    record = json.loads(r.path.with_name(r.path.name + ".provenance.json").read_text())
    assert record["sha256"] == r.sha256 and record["url"] == url and record["retrieved_at"]


def test_mirror_and_download_give_the_same_file(server, mirror, tmp_path):
    via_mirror = fetch(DS, mirror_dir=mirror)
    via_http = fetch(DS, url=f"{server.url}/{DS.mirror_path}", cache_dir=tmp_path, retries=1)
    assert via_mirror.sha256 == via_http.sha256 and via_mirror.origin == "mirror"


def test_404_names_dataset_and_url(server, tmp_path):
    url = f"{server.url}/cog/nope.json"
    with pytest.raises(FetchError) as err:
        fetch(DS, url=url, cache_dir=tmp_path, retries=3)
    assert "cog_communes_2026" in str(err.value) and url in str(err.value) and "404" in str(err.value)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_truncated_response_is_rejected_and_leaves_no_file(server, tmp_path):
    url = f"{server.url}/truncated/{DS.mirror_path}"
    with pytest.raises(FetchError) as err:
        fetch(DS, url=url, cache_dir=tmp_path, retries=2)
    assert "truncated" in str(err.value) or "broken" in str(err.value)
    assert url in str(err.value)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_transient_error_is_retried(server, mirror, tmp_path):
    r = fetch(DS, url=f"{server.url}/flaky/{DS.mirror_path}", cache_dir=tmp_path, retries=3)
    assert r.sha256 == sha256_of(mirror / DS.mirror_path)


def test_size_limit(server, tmp_path):
    with pytest.raises(FetchError, match="limit"):
        fetch(DS, url=f"{server.url}/{DS.mirror_path}", cache_dir=tmp_path, retries=1, max_bytes=1000)


def test_unreachable_url(tmp_path):
    with pytest.raises(FetchError) as err:
        fetch(DS, url="http://127.0.0.1:9/cog.json", cache_dir=tmp_path, retries=1, timeout=2)
    assert "127.0.0.1:9" in str(err.value)


def test_missing_mirror_file_names_path(tmp_path):
    with pytest.raises(FetchError) as err:
        fetch(DS, mirror_dir=tmp_path)
    assert str(tmp_path / DS.mirror_path) in str(err.value)


def test_catalog_lists_every_registered_source():
    for ds in catalog.DATASETS.values():
        assert ds.url.startswith("https://") and ds.licence and ds.vintage and ds.mirror_path
        assert ds.layout in ("official", "derived")
