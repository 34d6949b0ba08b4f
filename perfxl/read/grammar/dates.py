"""Dates, date ranges and deadlines from date objects, Excel serials and Chinese text."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from perfxl.read.grammar.numbers import _cn_int
from perfxl.read.grammar.text import _compact, normalize

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 after Excel's fictitious 1900-02-29
_CN_DATE_DIGITS = "〇零一二三四五六七八九十"
_YMD_RE = re.compile(r"(?<!\d)(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})(?!\d)\s*[日号]?")
_CN_YMD_RE = re.compile(
    rf"([{_CN_DATE_DIGITS}]{{4}})年([{_CN_DATE_DIGITS}]{{1,3}})月"
    rf"(?:([{_CN_DATE_DIGITS}]{{1,3}})[日号])?"
)
_YMD8_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL_RE = re.compile(r"^\d{5}(?:\.\d+)?$")
_YM_RE = re.compile(r"(?<!\d)(\d{4})\s*(?:年\s*(\d{1,2})\s*月|[-/](\d{1,2})(?![\d\-/.]))")
_MD_RE = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})[日号]")
_M_RE = re.compile(r"(?<![\d年])(\d{1,2})月")


def _mk_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except (ValueError, OverflowError):
        return None


def _month_end(y: int, m: int) -> date | None:
    if not (1 <= m <= 12 and 1 <= y <= 9999):
        return None
    if m == 12:
        return date(y, 12, 31)
    return date(y, m + 1, 1) - timedelta(days=1)


def _before_month(y: int, m: int) -> date | None:
    """Last day before month m begins: "6月前" read literally as "before June"."""
    return _month_end(y, m - 1) if m > 1 else _mk_date(y - 1, 12, 31)


def _from_serial(v: float) -> date | None:
    if not (math.isfinite(v) and 20000 <= v <= 80000):
        return None
    return _EXCEL_EPOCH + timedelta(days=int(v))


def _small_int(s: str) -> int | None:
    return int(s) if s.isdigit() else _cn_int(s)


@dataclass(frozen=True, slots=True)
class _DateHit:
    """A date found in text: the day (1st when only a month is written) and where it sits."""

    day: date
    start: int
    end: int
    month_only: bool


def _find_date(s: str) -> _DateHit | None:
    """The earliest valid date or year-month in s."""
    hits: list[_DateHit] = []
    for m in _YMD_RE.finditer(s):
        d = _mk_date(int(m[1]), int(m[2]), int(m[3]))
        if d:
            hits.append(_DateHit(d, m.start(), m.end(), False))
            break
    for m in _CN_YMD_RE.finditer(s):
        y, mo = _cn_int(m[1]), _small_int(m[2])
        day = _small_int(m[3]) if m[3] else 1
        d = _mk_date(y, mo, day) if y and mo and day else None
        if d:
            hits.append(_DateHit(d, m.start(), m.end(), not m[3]))
            break
    for m in _YM_RE.finditer(s):
        d = _mk_date(int(m[1]), int(m[2] or m[3]), 1)
        if d:
            hits.append(_DateHit(d, m.start(), m.end(), True))
            break
    # at the same start a full date beats the year-month it begins with
    return min(hits, key=lambda h: (h.start, h.month_only)) if hits else None


def parse_date(x: object) -> date | None:
    """A date from a date object, an Excel serial or text ("2019年6月11日", "20190611", "2019年6月")."""
    if isinstance(x, datetime):
        return x.date()
    if isinstance(x, date):
        return x
    if isinstance(x, bool):
        return None
    if isinstance(x, (int, float)):
        try:
            return _from_serial(float(x))
        except OverflowError:
            return None
    s = normalize(x)
    m = _YMD8_RE.match(s)
    if m:
        return _mk_date(int(m[1]), int(m[2]), int(m[3]))
    if _SERIAL_RE.match(s):
        return _from_serial(float(s))
    hit = _find_date(s)
    return hit.day if hit else None


def parse_date_range(x: object) -> tuple[date | None, date | None]:
    """(start, end) of "2013年2月10日至2013年4月25日"; a single date gives (d, d).

    An end written as a month only ("2013年2月至4月") is the last day of that month.
    """
    if isinstance(x, (date, int, float)):
        d = parse_date(x)
        return d, d
    s = normalize(x)
    first = _find_date(s)
    if first is None:
        d = parse_date(s)
        return d, d
    start = first.day
    rest = s[first.end :]
    second = _find_date(rest)
    if second:
        if second.month_only:
            return start, _month_end(second.day.year, second.day.month)
        return start, second.day
    m = _MD_RE.search(rest)
    if m:
        return start, _mk_date(start.year, int(m[1]), int(m[2]))
    m = _M_RE.search(rest)
    if m:
        return start, _month_end(start.year, int(m[1]))
    if first.month_only:
        return start, _month_end(start.year, start.month)
    return start, start


_CN_M = rf"[\d{_CN_DATE_DIGITS}]{{1,3}}"
_NO_NUM_BEFORE = rf"(?<![\d年{_CN_DATE_DIGITS}])"
_DL_YM_RE = re.compile(r"(?<!\d)(\d{4})年(\d{1,2})月(?:份)?(底|末|之前|以前|前)?")
_DL_Y_END_RE = re.compile(r"(?<!\d)(\d{4})年(?:底|末|年底|年末|内|度内|度末)")
_DL_MD_RE = re.compile(rf"{_NO_NUM_BEFORE}({_CN_M})月({_CN_M})[日号]")
_DL_M_END_RE = re.compile(rf"{_NO_NUM_BEFORE}({_CN_M})月(?:份)?(?:底|末)")
_DL_M_BEFORE_RE = re.compile(rf"{_NO_NUM_BEFORE}({_CN_M})月(?:份)?(?:之前|以前|前)")
# "3年内" is a duration, not the end of the fiscal year
_DL_YEAR_END_RE = re.compile(r"(?<![\d一二三四五六七八九十两])年(?:底|末|内)|年度内|年度末")
_DL_HALF_RE = re.compile(r"(上|下)半年")
_DL_QUARTER_RE = re.compile(r"第?([一二三四1-4])季度")
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def _find_deadline(s: str, fy: int | None) -> tuple[tuple[int, int] | None, date | None]:
    """(span of the deadline expression or None, its date); year-less forms need fy."""
    hit = _find_date(s)
    if hit and not hit.month_only:
        return (hit.start, hit.end), hit.day
    m = _DL_YM_RE.search(s)
    if m:
        y, mo = int(m[1]), int(m[2])
        if m[3] in ("之前", "以前", "前"):
            return m.span(), _before_month(y, mo)
        return m.span(), _month_end(y, mo)
    m = _DL_Y_END_RE.search(s)
    if m:
        return m.span(), _mk_date(int(m[1]), 12, 31)
    m = _DL_MD_RE.search(s)
    if m:
        mo, d = _small_int(m[1]), _small_int(m[2])
        return m.span(), (_mk_date(fy, mo, d) if fy and mo and d else None)
    m = _DL_M_END_RE.search(s)
    if m:
        mo = _small_int(m[1])
        return m.span(), (_month_end(fy, mo) if fy and mo else None)
    m = _DL_M_BEFORE_RE.search(s)
    if m:
        mo = _small_int(m[1])
        if fy and mo and 1 <= mo <= 12:
            return m.span(), _before_month(fy, mo)
        return m.span(), None
    m = _DL_YEAR_END_RE.search(s)
    if m:
        return m.span(), (_mk_date(fy, 12, 31) if fy else None)
    m = _DL_HALF_RE.search(s)
    if m:
        return m.span(), (_month_end(fy, 6 if m[1] == "上" else 12) if fy else None)
    m = _DL_QUARTER_RE.search(s)
    if m:
        return m.span(), (_month_end(fy, 3 * _QUARTERS[m[1]]) if fy else None)
    return None, None


def parse_deadline(x: object, fiscal_year: int | None = None) -> date | None:
    """Deadline of "2018年12月31日前", "12月底前", "年底前", "6月底前" (year-less ones need fiscal_year)."""
    if isinstance(x, (date, int, float)):
        return parse_date(x)
    s = _compact(x)
    m = _YMD8_RE.match(s)
    if m:
        return _mk_date(int(m[1]), int(m[2]), int(m[3]))
    return _find_deadline(s, fiscal_year)[1]
