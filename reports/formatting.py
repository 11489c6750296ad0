"""French formatting of numbers, percentages and dates (Babel, locale fr_FR).

Babel separates thousands with a narrow no-break space (U+202F) and uses a decimal comma:
``1 234,5``. Missing and secret values are written out, never shown as 0.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "fr_FR"
STATUS_LABELS = {
    "ok": "",
    "secret": "secret statistique",
    "missing": "non disponible",
    "estimate": "estimation",
}


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value, decimals: int = 0, status: str | None = None) -> str:
    """``1234.5`` → ``1 234,5`` (narrow no-break spaces); secret/missing spelled out."""
    if status in ("secret", "missing") or is_missing(value):
        return STATUS_LABELS.get(status or "missing", "non disponible")
    value = _stable(value)
    if isinstance(value, float) and not math.isfinite(value):
        fmt = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        return format_decimal(value, format=fmt, locale=LOCALE)
    return _french(str(value), decimals)


@lru_cache(maxsize=65536)
def _french(text: str, decimals: int) -> str:
    """What Babel's ``format_decimal(value, "#,##0.0…", locale="fr_FR")`` writes, six times
    faster (a portrait formats several thousand numbers): the value's decimal text rounded half
    to even, thousands separated by U+202F, decimal comma. tests/test_formatting.py checks it
    against Babel."""
    d = Decimal(text).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)
    return f"{d:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def _stable(value):
    """A float sum's last bits vary between builds (parallel summation order); at a rounding
    boundary (x,x5) they would flip the displayed digit. Cut to 12 significant digits first, the
    same data always shows the same figure."""
    return float(f"{value:.12g}") if isinstance(value, float) else value


def signed(value, decimals: int = 1, status: str | None = None) -> str:
    text = number(value, decimals, status)
    if status in ("secret", "missing") or is_missing(value):
        return text
    return ("+" if value > 0 else "") + text if value != 0 else text


def percent(value, decimals: int = 1, status: str | None = None, signed_: bool = False) -> str:
    text = signed(value, decimals, status) if signed_ else number(value, decimals, status)
    if status in ("secret", "missing") or is_missing(value):
        return text
    return text + "\u00a0%"


def csv_number(value, decimals: int | None = None) -> str:
    """For CSV files opened by a French spreadsheet: decimal comma, no thousands separator."""
    if is_missing(value):
        return ""
    if decimals is None:
        # 6 decimals: weighted census values keep their precision, while the last bits of float
        # sums (which vary with DuckDB's parallel summation order) do not change the file
        v = round(float(value), 6)
        text = repr(v) if not v.is_integer() else str(int(v))
    else:
        # the same rounding as the portrait (Babel: the decimal value, half to even)
        fmt = "0" + ("." + "0" * decimals if decimals > 0 else "")
        text = format_decimal(_stable(float(value)), format=fmt, locale="en")
    return text.replace(".", ",")


def long_date(value) -> str:
    """``2026-11-29`` (or a datetime / ISO string) → ``29 novembre 2026``."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        return str(value)
    return format_date(value, format="long", locale=LOCALE)


SHORT_LABEL = 50


def short_label(label: str, limit: int = SHORT_LABEL) -> str:
    """A territory's name as it fits a table header or a chart legend: cut at a word boundary
    (or inside a very long word) with an ellipsis when longer than ``limit`` characters. The full
    name stays in the title, the lead line and the running header."""
    label = " ".join(str(label).split())
    if len(label) <= limit:
        return label
    cut = label[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-·") + "…"
