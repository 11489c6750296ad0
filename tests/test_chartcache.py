"""The chart cache: same builder and data, same PNG without drawing; other data, another image."""

from __future__ import annotations

import os
import time

import pytest

from reports import chartcache, charts

SERIES = [{"label": "Nantes", "role": "territoire", "points": [(2010, 284970.0), (2022, 323204.0)]},
          {"label": "Pays de la Loire", "role": "region", "points": [(2010, 3601113.0), (2022, 3879216.0)]}]


@pytest.fixture
def cache(tmp_path):
    chartcache.configure(tmp_path / "charts")
    yield tmp_path / "charts"
    chartcache.configure(None)


def counting(calls):
    def builder(series):
        calls.append(1)
        return charts.population_index(series)
    return builder


def test_same_data_is_drawn_once(cache):
    calls: list = []
    builder = counting(calls)
    first = chartcache.png(builder, SERIES)
    again = chartcache.png(builder, [dict(s) for s in SERIES])  # equal data, other objects
    assert first == again and first.startswith(b"\x89PNG")
    assert len(calls) == 1
    assert len(list(cache.glob("*/*.png"))) == 1


def test_other_data_other_image(cache):
    calls: list = []
    builder = counting(calls)
    a = chartcache.png(builder, SERIES)
    changed = [dict(SERIES[0], points=[(2010, 284970.0), (2022, 323205.0)]), SERIES[1]]
    b = chartcache.png(builder, changed)
    assert len(calls) == 2 and a != b
    assert len(list(cache.glob("*/*.png"))) == 2


def test_without_cache_every_chart_is_drawn(tmp_path):
    chartcache.configure(None)
    calls: list = []
    builder = counting(calls)
    chartcache.png(builder, SERIES)
    chartcache.png(builder, SERIES)
    assert len(calls) == 2


def test_prune_removes_only_old_images(cache):
    chartcache.png(charts.population_index, SERIES)
    chartcache.png(charts.population_bars, [(2010, 1.0), (2022, 2.0)])
    old, recent = sorted(cache.glob("*/*.png"))
    month_ago = time.time() - 40 * 86400
    os.utime(old, (month_ago, month_ago))
    assert chartcache.prune(cache) == 1
    assert list(cache.glob("*/*.png")) == [recent]


def test_last_bits_of_float_sums_do_not_count(cache):
    """0.1 + 0.2 and 0.3 differ in their last bit (as sums in another order do between builds):
    same chart."""
    calls: list = []
    builder = counting(calls)
    a = [dict(SERIES[0], points=[(2010, 0.1 + 0.2), (2022, 1.0)]), SERIES[1]]
    b = [dict(SERIES[0], points=[(2010, 0.3), (2022, 1.0)]), SERIES[1]]
    assert chartcache.png(builder, a) == chartcache.png(builder, b)
    assert len(calls) == 1
