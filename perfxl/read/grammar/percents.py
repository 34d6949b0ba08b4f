"""Rates as percent numbers, read from the number format, the indicator name and a paired value."""

from __future__ import annotations

import math
import re
from functools import lru_cache

from perfxl.read.grammar.numbers import Num, parse_number
from perfxl.read.grammar.text import _compact, _raw

_RATE_WORDS = ("率", "比例", "占比", "满意度", "覆盖率", "百分比")


def is_rate_like(name: object) -> bool:
    """Whether an indicator name describes a rate (率 / 比例 / 占比 / 满意度 / 百分比)."""
    if type(name) is str and len(name) <= 256:
        return _rate_like_name(name)
    return _rate_like(name)


@lru_cache(maxsize=16384)  # indicator names repeat across a batch's forms
def _rate_like_name(name: str) -> bool:
    return _rate_like(name)


def _rate_like(name: object) -> bool:
    s = _compact(name)
    return any(w in s for w in _RATE_WORDS)


_FORMAT_LITERAL_RE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def _format_percent(number_format: str | None) -> str | None:
    """Return "scaled" when Excel multiplies by 100 to show %, "literal" when % is quoted text."""
    if not number_format or "%" not in number_format:
        return None
    return "scaled" if "%" in _FORMAT_LITERAL_RE.sub("", number_format) else "literal"


def _clean_float(v: float) -> float:
    # 0.9976 * 100 is 99.76000000000001 in binary; 10 decimals is far below any tolerance used
    return round(v, 10) if math.isfinite(v) else v


def parse_percent(
    x: object,
    number_format: str | None = None,
    rate_like: bool = False,
    paired: float | None = None,
) -> Num:
    """A rate as a percent number (99.76, not 0.9976), deciding from format, name and pairing."""
    raw = _raw(x)
    numeric = isinstance(x, (int, float)) and not isinstance(x, bool)
    n = parse_number(x)
    if n.value is None or n.percent:
        return n
    if numeric:
        fmt = _format_percent(number_format)
        if fmt == "scaled":
            return Num(_clean_float(n.value * 100), raw, "%", True)
        if fmt == "literal":
            return Num(n.value, raw, "%", True)
    if n.unit is not None or not rate_like:
        return n
    if n.note == "text_lexicon":
        return Num(n.value, raw, "%", True, n.note)
    v = n.value
    # A fraction is rescaled only when the scaled reading lands nearer the paired value in ratio
    # terms than the literal one; |ln(100v/p)| < |ln(v/p)| reduces to v < p/10.
    if paired is not None and paired > 1.5 and 0 < v <= 1.5 and v < paired / 10:
        return Num(_clean_float(v * 100), raw, "%", True, "fraction_scaled")
    return Num(v, raw, "%", True, n.note or "percent_assumed")
