"""French number formatting: the fast path writes exactly what Babel writes for fr_FR."""

from __future__ import annotations

import random

from babel.numbers import format_decimal

from reports.formatting import number, percent


def babel(value, decimals: int) -> str:
    fmt = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=fmt, locale="fr_FR")


def test_same_text_as_babel():
    # boundaries of rounding (half to even on the decimal text), signs, zero, large and tiny values
    values = [0, 0.0, -0.0, -0.04, -0.5, 0.5, 1.5, 2.5, 2.675, 0.125, 1234.5, -1234.5, 999999.995,
              1e9, 12, -3, 7.0, 1e-7, 123456789.123]
    rng = random.Random(20261203)  # inputs of a formatting test, not figures of the product
    values += [rng.uniform(-1e6, 1e6) for _ in range(4000)]
    values += [round(rng.uniform(-1000, 1000), 3) for _ in range(4000)]
    values += [rng.randint(-10**7, 10**7) for _ in range(2000)]
    for v in values:
        for d in (0, 1, 2, 3):
            assert number(v, d) == babel(float(f"{v:.12g}") if isinstance(v, float) else v, d), (v, d)


def test_examples():
    assert number(1234.5, 1) == "1\u202f234,5"
    assert number(-0.04, 1) == "-0,0"
    assert percent(31.12) == "31,1\u00a0%"
    assert number(None) == "non disponible" and number(3, status="secret") == "secret statistique"
    assert number(float("inf")) == babel(float("inf"), 0)
