"""What a summary cell holds: frame values made into numbers, text, dates and links."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

MAX_CELL_CHARS = 32_767
CHUNK = 20_000
WIDE_CHAR = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)

# characters XML 1.0 cannot carry (and Excel would show as _x0007_); tab and newlines stay
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
SURROGATE = re.compile("[\ud800-\udfff]")
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Mark:
    """A value written with the difference highlight."""

    value: Any


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    url: str | None
    tip: str | None = None


def as_number(v: Any) -> float | None:
    if v is None or isinstance(v, bool | str):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    if math.isnan(x) or math.isinf(x):
        return None
    return x


def as_fraction(v: Any) -> float | None:
    """Our rates are percent numbers (99.76); the workbook stores fractions with a % format."""
    x = as_number(v)
    return None if x is None else round(x / 100.0, 10)


def as_text(v: Any) -> str | None:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    s = str(v)
    return clean_text(s) if s != "" else None


def clean_text(s: str) -> str:
    """Text a workbook can hold: no control characters, no lone surrogates, at most 32,767."""
    if UNWRITABLE.search(s) is None:
        return s[:MAX_CELL_CHARS]
    if SURROGATE.search(s):
        # a file name read from a GBK disk as bytes (surrogateescape): decode it as Chinese
        try:
            s = s.encode("utf-8", "surrogateescape").decode("gb18030")
        except UnicodeError:
            s = SURROGATE.sub("\ufffd", s)
    if _CONTROL.search(s):
        s = _CONTROL.sub("", s)
    return s[:MAX_CELL_CHARS]


def as_shown(v: Any) -> Any:
    """An observed/expected value as it should appear: numbers stay numbers, the rest is text."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, int | float):
        return None if isinstance(v, float) and (math.isnan(v) or math.isinf(v)) else v
    if hasattr(v, "item") and not isinstance(v, str):  # numpy scalars
        try:
            return as_shown(v.item())
        except (ValueError, AttributeError):
            return str(v)
    if isinstance(v, list | tuple):
        return "、".join(str(as_shown(x)) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False, default=str)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return str(v)


def is_true(v: Any) -> bool:
    """A flag from a frame: Python or NumPy bool, never NaN/None."""
    return isinstance(v, bool | np.bool_) and bool(v)


def is_false(v: Any) -> bool:
    return isinstance(v, bool | np.bool_) and not bool(v)


def format_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(format_value(x) for x in v) + "]"
    return str(v)


def when(v: dt.datetime | None) -> str:
    return v.isoformat(sep=" ", timespec="seconds") if v else ""


def text_width(s: str) -> int:
    """Columns a text takes in Excel: East Asian wide characters count as two."""
    return len(s) + wide_chars(s)


def wide_chars(s: str) -> int:
    """How many East Asian wide characters `s` holds (short texts, which repeat down a column,
    are counted once)."""
    return _wide_chars_cached(s) if len(s) <= 256 else len(WIDE_CHAR.findall(s))


@lru_cache(maxsize=1 << 16)
def _wide_chars_cached(s: str) -> int:
    return len(WIDE_CHAR.findall(s))


def as_naive_date(v: Any) -> dt.datetime | dt.date | None:
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None)
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


def column_chunks(df: pd.DataFrame, columns: Sequence[str]) -> Iterator[list[list[Any]]]:
    """Column lists of `df` in chunks, so a million-row table is never held as Python objects."""
    frame = df.reindex(columns=list(columns))
    for start in range(0, len(frame), CHUNK):
        part = frame.iloc[start : start + CHUNK]
        yield [part[c].tolist() for c in columns]


# ---------------------------------------------------------------- links to source files


def records(df: pd.DataFrame, columns: Sequence[str]) -> Iterator[dict[str, Any]]:
    for chunk in column_chunks(df, columns):
        for rec in zip(*chunk, strict=True):
            yield dict(zip(columns, rec, strict=True))
