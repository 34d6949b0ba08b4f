"""Turn located cells into typed record values, keeping the raw text and the cell address."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from perfxl.read import grammar as parse
from perfxl.read.locate import Spot

_YEAR = re.compile(r"(20\d{2}|19\d{2})")
_NA_TEXT = {"/", "-", "—", "--", "——", "无", "不适用", "n/a", "N/A", "／"}


def raw_text(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()[:10]
    return str(v)


_WS = re.compile(r"\s+")


def as_text(v: Any) -> str | None:
    """Text as the unit wrote it, whitespace runs collapsed (punctuation and width kept)."""
    if v is None or v == "":
        return None
    if not isinstance(v, str):
        return raw_text(v)
    s = _WS.sub(" ", v).strip()
    return s or None


def as_year(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float) and 1990 <= v <= 2100 and float(v).is_integer():
        return int(v)
    if isinstance(v, dt.date):
        return v.year
    m = _YEAR.search(parse.normalize(v)) if isinstance(v, str) else None
    return int(m.group(1)) if m else None


def as_number(v: Any) -> tuple[float | None, str | None]:
    """A number and the parse note; None for blanks and not-applicable marks."""
    if v is None or v == "":
        return None, None
    n = parse.parse_number(v)
    return n.value, n.note


def is_na(v: Any) -> bool:
    return isinstance(v, str) and parse.normalize(v) in _NA_TEXT


def as_rate(v: Any) -> tuple[float | None, str | None]:
    """A rate as a percent number; a bare fraction ≤ 1.5 is read as a fraction of 100 %."""
    if v is None or v == "" or is_na(v):
        return None, None
    if isinstance(v, int | float) and not isinstance(v, bool):
        x = float(v)
        return (x * 100.0, "fraction") if abs(x) <= 1.5 else (x, None)
    n = parse.parse_number(v)
    if n.value is None:
        return None, n.note
    if n.percent:
        return n.value, n.note
    return (n.value * 100.0, "fraction") if abs(n.value) <= 1.5 else (n.value, n.note)


def cell(spot: Spot | None) -> tuple[Any, str | None, str | None]:
    """(value, sheet, A1) of a spot; blanks come back as None."""
    if spot is None:
        return None, None, None
    v = spot.value()
    return (None if v == "" else v), spot.sheet, spot.ref
