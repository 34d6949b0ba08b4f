"""Targets and tier standards: comparisons, ranges, points, deadlines, qualitative levels."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from perfxl.read.grammar.dates import _find_deadline
from perfxl.read.grammar.levels import parse_qual_level
from perfxl.read.grammar.numbers import _LETTER, _NUM
from perfxl.read.grammar.percents import _clean_float, _format_percent
from perfxl.read.grammar.text import _compact, _raw


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed 年度指标值 / 绩效目标 / tier standard, as an interval where it has one."""

    raw: str
    kind: str
    comparator: str | None
    lo: float | None
    lo_incl: bool | None
    hi: float | None
    hi_incl: bool | None
    incl_source: str | None
    unit: str | None
    percent: bool
    qual_level: str | None
    deadline: date | None
    lo_source: str | None = None  # per-bound source: "explicit", "symbol", "word" or None
    hi_source: str | None = None
    note: str | None = None  # "approx", "reversed_range", "unit_mismatch"

    @property
    def value(self) -> float | None:
        if self.kind in ("cmp", "point"):
            return self.lo if self.lo is not None else self.hi
        return None


def _target(raw: str, kind: str, **kw: object) -> Target:
    fields: dict[str, object] = {
        "comparator": None,
        "lo": None,
        "lo_incl": None,
        "hi": None,
        "hi_incl": None,
        "incl_source": None,
        "unit": None,
        "percent": False,
        "qual_level": None,
        "deadline": None,
    }
    fields.update(kw)
    return Target(raw, kind, **fields)  # type: ignore[arg-type]


_SYMBOL_CMP = {
    ">=": ">=",
    "=>": ">=",
    "<=": "<=",
    "=<": "<=",
    "==": "=",
    ">": ">",
    "<": "<",
    "=": "=",
}
_WORD_CMP = {
    **dict.fromkeys(("大于等于", "大于或等于", "不低于", "不少于", "不小于", "至少", "达到"), ">="),
    **dict.fromkeys(("大于", "高于", "超过", "多于", "逾"), ">"),
    **dict.fromkeys(
        (
            "小于等于",
            "小于或等于",
            "不高于",
            "不超过",
            "不大于",
            "不多于",
            "至多",
            "最多",
            "控制在",
        ),
        "<=",
    ),
    **dict.fromkeys(("小于", "低于", "少于", "不足", "不满", "未达到", "未满"), "<"),
    "等于": "=",
}
_INCLUSIVE = {">=": True, ">": False, "<=": True, "<": False, "=": True}
_SUFFIX = {
    "以上": (">=", True),
    "及以上": (">=", True),
    "或以上": (">=", True),
    "以下": ("<=", True),
    "及以下": ("<=", True),
    "或以下": ("<=", True),
    "以内": ("<=", True),
    "之内": ("<=", True),
    "内": ("<=", True),
    "以外": (">", False),
}


def _alternation(words: Iterable[str]) -> str:
    # longest first, so "大于等于" is tried before "大于"
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_T_UNIT = (
    rf"(?:%|‰|(?:(?![以及之含至到内外前后上下不或约左余多]){_LETTER}){{1,10}}"
    r"(?:[23](?![\d.]))?)"
)
_INCL = r"\((?:不含|不包含|不包括|含本数|包含|包括|含)(?:本数)?\)"


def _bound(p: str) -> str:
    return rf"(?P<{p}neg>-)?(?P<{p}num>{_NUM})(?P<{p}unit>{_T_UNIT})?(?P<{p}incl>{_INCL})?"


_CMP_RE = re.compile(
    rf"^(?:保持在|维持在|稳定在|在)?(?P<cmp>{_alternation([*_SYMBOL_CMP, *_WORD_CMP])})?"
    rf"(?P<approx>约|大约)?{_bound('a_')}(?P<suf>{_alternation(_SUFFIX)})?"
    rf"(?P<incl2>{_INCL})?(?P<tail>左右)?$"
)
_RANGE_RE = re.compile(
    rf"^(?:保持在|维持在|稳定在|控制在|介于|在)?{_bound('a_')}(?P<sep>--|-|~|至|到)"
    rf"{_bound('b_')}(?:之间|区间内|区间|范围内|以内|内|间)?$"
)
_PLUSMINUS_RE = re.compile(rf"^{_bound('a_')}±{_bound('b_')}$")
_BRACKET_RE = re.compile(
    rf"^(?P<open>[\[(])(?P<inner>[^\[\]()]+)(?P<close>[\])])(?P<unit>{_T_UNIT})?$"
)
_SIMPLE_BOUND_RE = re.compile(rf"^(?P<neg>-)?(?P<num>{_NUM})(?P<unit>{_T_UNIT})?$")


def _bound_value(neg: str | None, num: str, unit: str | None) -> tuple[float, str | None, bool]:
    value = float(num.replace(",", ""))
    if neg:
        value = -value
    if unit in ("%", "百分比"):
        return value, "%", True
    if unit == "‰":
        return value / 10, "%", True
    return value, unit or None, False


def _explicit(incl: str | None) -> bool | None:
    if not incl:
        return None
    return "不" not in incl


def _merge_units(
    a: tuple[float, str | None, bool], b: tuple[float, str | None, bool]
) -> tuple[str | None, bool, str | None]:
    unit = a[1] or b[1]
    note = "unit_mismatch" if a[1] and b[1] and a[1] != b[1] else None
    return unit, a[2] or b[2], note


def _range_target(
    raw: str,
    a: tuple[float, str | None, bool],
    b: tuple[float, str | None, bool],
    lo_incl: bool | None,
    hi_incl: bool | None,
    source: str | None,
) -> Target:
    unit, percent, note = _merge_units(a, b)
    lo, hi = a[0], b[0]
    if lo > hi:
        lo, hi, lo_incl, hi_incl = hi, lo, hi_incl, lo_incl
        note = note or "reversed_range"
    return _target(
        raw,
        "range",
        lo=lo,
        hi=hi,
        lo_incl=lo_incl,
        hi_incl=hi_incl,
        incl_source=source,
        lo_source=source if lo_incl is not None else None,
        hi_source=source if hi_incl is not None else None,
        unit=unit,
        percent=percent,
        note=note,
    )


def _parse_range(s: str, raw: str) -> Target | None:
    m = _RANGE_RE.match(s)
    if not m:
        return None
    a_neg, b_neg = m.group("a_neg"), m.group("b_neg")
    # "——" normalises to "--", a separator ("47——51"). After a negative first bound the likelier
    # reading is a separator plus a minus sign: "-5--3" is [-5, -3].
    if m.group("sep") == "--" and a_neg and not b_neg:
        b_neg = "-"
    a = _bound_value(a_neg, m.group("a_num"), m.group("a_unit"))
    b = _bound_value(b_neg, m.group("b_num"), m.group("b_unit"))
    lo_incl, hi_incl = _explicit(m.group("a_incl")), _explicit(m.group("b_incl"))
    source = "explicit" if lo_incl is not None or hi_incl is not None else None
    return _range_target(raw, a, b, lo_incl, hi_incl, source)


def _parse_bracket(s: str, raw: str) -> Target | None:
    m = _BRACKET_RE.match(s)
    if not m:
        return None
    inner = m.group("inner")
    # "[1,000,2,000]": try every comma and keep the first split where both halves are numbers
    for i, c in enumerate(inner):
        if c not in ",~;":
            continue
        left, right = _SIMPLE_BOUND_RE.match(inner[:i]), _SIMPLE_BOUND_RE.match(inner[i + 1 :])
        if left and right:
            outer = m.group("unit")
            a = _bound_value(left["neg"], left["num"], left["unit"] or outer)
            b = _bound_value(right["neg"], right["num"], right["unit"] or outer)
            return _range_target(
                raw, a, b, m.group("open") == "[", m.group("close") == "]", "symbol"
            )
    return None


def _parse_plusminus(s: str, raw: str) -> Target | None:
    m = _PLUSMINUS_RE.match(s)
    if not m:
        return None
    c = _bound_value(m.group("a_neg"), m.group("a_num"), m.group("a_unit"))
    d = _bound_value(None, m.group("b_num"), m.group("b_unit"))
    unit, percent, note = _merge_units(c, d)
    return _target(
        raw, "range", lo=c[0] - d[0], hi=c[0] + d[0], unit=unit, percent=percent, note=note
    )


def _parse_cmp(s: str, raw: str) -> Target | None:
    m = _CMP_RE.match(s)
    if not m:
        return None
    value, unit, percent = _bound_value(m.group("a_neg"), m.group("a_num"), m.group("a_unit"))
    cmp_text, suffix = m.group("cmp"), m.group("suf")
    explicit = _explicit(m.group("a_incl") or m.group("incl2"))
    note = "approx" if m.group("approx") or m.group("tail") else None
    if cmp_text:
        if cmp_text in _SYMBOL_CMP:
            comparator, source = _SYMBOL_CMP[cmp_text], "symbol"
        else:
            comparator, source = _WORD_CMP[cmp_text], "word"
        incl = _INCLUSIVE[comparator]
    elif suffix:
        comparator, incl = _SUFFIX[suffix]
        source = "word"
    else:
        return _target(raw, "point", lo=value, hi=value, unit=unit, percent=percent, note=note)
    if explicit is not None:
        incl, source = explicit, "explicit"
    if comparator == "=":
        return _target(
            raw,
            "cmp",
            comparator="=",
            lo=value,
            hi=value,
            lo_incl=incl,
            hi_incl=incl,
            incl_source=source,
            lo_source=source,
            hi_source=source,
            unit=unit,
            percent=percent,
            note=note,
        )
    side = "lo" if comparator in (">=", ">") else "hi"
    # the comparator reports the final inclusivity: "5%（不含）以下" is "<", not "<="
    comparator = {("lo", True): ">=", ("lo", False): ">", ("hi", True): "<=", ("hi", False): "<"}[
        (side, incl)
    ]
    return _target(
        raw,
        "cmp",
        comparator=comparator,
        incl_source=source,
        unit=unit,
        percent=percent,
        note=note,
        **{side: value, f"{side}_incl": incl, f"{side}_source": source},
    )


_EMPTY_TARGETS = {
    "",
    "/",
    "//",
    "\\",
    "-",
    "--",
    "...",
    "......",
    "无",
    "不适用",
    "不涉及",
    "n/a",
    "na",
    "null",
    "none",
}


def parse_target(
    x: object, number_format: str | None = None, fiscal_year: int | None = None
) -> Target:
    """A target or tier text per the domain b.0 grammar: cmp, range, point, qual, date, empty, text.

    fiscal_year (an addition to the brief's signature) resolves year-less deadlines ("12月底前").
    """
    if type(x) is str and len(x) <= _CACHED_LEN:
        return _text_target(x, fiscal_year)  # the number format only matters for numbers
    return _parse_target(x, number_format, fiscal_year)


# The same target texts ("≥95%", "100%", "是") come back form after form: each is parsed once.
_CACHED_LEN = 256


@lru_cache(maxsize=16384)
def _text_target(x: str, fiscal_year: int | None) -> Target:
    return _parse_target(x, None, fiscal_year)


def _parse_target(x: object, number_format: str | None, fiscal_year: int | None) -> Target:
    raw = _raw(x)
    if isinstance(x, datetime):
        return _target(raw, "date", deadline=x.date())
    if isinstance(x, date):
        return _target(raw, "date", deadline=x)
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        try:
            v = float(x)
        except OverflowError:
            return _target(raw, "text")
        if math.isnan(v):
            return _target(raw, "empty")
        if not math.isfinite(v):
            return _target(raw, "text")
        fmt = _format_percent(number_format)
        if fmt == "scaled":
            v = _clean_float(v * 100)
        unit = "%" if fmt else None
        return _target(raw, "point", lo=v, hi=v, unit=unit, percent=bool(fmt))
    s = _compact(x)
    if s.lower() in _EMPTY_TARGETS:
        return _target(raw, "empty")
    span, deadline = _find_deadline(s, fiscal_year)
    # a date plus other numbers ("上半年执行率>=50%") is a condition, not a deadline
    if span and not any(c.isdigit() for c in s[: span[0]] + s[span[1] :]):
        return _target(raw, "date", deadline=deadline)
    for parser in (_parse_range, _parse_bracket, _parse_plusminus, _parse_cmp):
        t = parser(s, raw)
        if t is not None:
            return t
    level = parse_qual_level(s)
    if level is not None:
        return _target(raw, "qual", qual_level=level)
    return _target(raw, "text")
