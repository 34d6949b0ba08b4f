"""Numbers in cells: separators, units, %, accounting negatives, Chinese numerals, Excel errors."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from perfxl.read.grammar.text import _WS_RE, _raw, normalize


@dataclass(frozen=True, slots=True)
class Num:
    """A parsed number and the text it came from."""

    value: float | None
    raw: str
    unit: str | None = None
    percent: bool = False
    note: str | None = None


_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_NUMBER_RE = re.compile(
    rf"^(?P<open>\()?\s*(?P<sign>[-+▲△])?\s*(?P<num>(?:{_NUM})(?:[eE][-+]?\d+)?)\s*"
    r"(?P<unit>[^()\d\s]*?)\s*(?P<close>\))?$"
)
# Letters are written [^\W\d_]: a class spanning the CJK block costs ~1 ms to compile each time.
_LETTER = r"(?:[^\W\d_]|[/·°])"
_UNIT_RE = re.compile(rf"^(?:%|‰|{_LETTER}{{1,12}}[23]?)$")
# Characters that make trailing text a condition or an approximation rather than a unit.
_UNIT_STOP = set("以之及含至到内外前后不约余多或左右超低高少满达足")
_NOT_APPLICABLE = {
    "无",
    "-",
    "--",
    "---",
    "/",
    "//",
    "\\",
    "不适用",
    "不涉及",
    "无此项",
    "暂无",
    "空",
    "n/a",
    "na",
    "null",
    "none",
    "...",
    "......",
}
_EXCEL_ERRORS = {"#n/a", "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!"}

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "两": 2,
    "贰": 2,
    "貳": 2,
    "三": 3,
    "叁": 3,
    "參": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "陸": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_SMALL) + "".join(_CN_BIG)
_CN_NUMBER_RE = re.compile(
    rf"^(?P<neg>负)?(?P<pct>百分之)?"
    rf"(?P<num>[{_CN_CHARS}]+(?:点[{''.join(_CN_DIGITS)}]+)?|\d+(?:\.\d+)?)"
    rf"(?P<cheng>成(?P<cheng2>[{''.join(_CN_DIGITS)}])?)?"
    r"(?P<unit>[^\W\d_]{1,3}?)?(?:整|正)?$"
)
# Units accepted after a Chinese numeral; without this list "一般" or "十分满意" would be numbers.
_CN_UNITS = frozenset(
    (
        *("条", "个", "项", "次", "人", "人次", "户", "家", "名", "所", "台", "套", "件", "份"),
        *("元", "万元", "亿元", "千元", "圆", "天", "日", "周", "月", "个月", "年", "小时"),
        *("分钟", "课时", "学时", "场", "期", "篇", "座", "公里", "米", "亩", "吨", "辆"),
        *("间", "本", "册", "批", "批次", "处", "部", "班"),
    )
)
_ZERO_TEXT_RE = re.compile(r"^(?:未出现|未发生|没有出现|没有发生|未出|没有|无|零)(?P<rest>.+)$")
# "无" + these is a quality judgement or "not applicable", not a count of zero.
_ZERO_TEXT_EXCLUDE = ("明显", "效", "法", "需", "须", "此", "相关", "变化")
_FULL_TEXT = frozenset(
    {"全部完成", "全部到位", "全额到位", "全部达标", "全部达成", "全部覆盖", "100%完成", "完成100%"}
)


def _cn_int(s: str) -> int | None:
    """Integer value of a Chinese numeral ("三千零五" -> 3005, "二〇一九" -> 2019)."""
    if not s or len(s) > 24:  # longer runs are not amounts and would overflow a float
        return None
    if all(c in _CN_DIGITS for c in s):
        if len(s) == 1:
            return _CN_DIGITS[s]
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    total = 0  # completed 亿 groups
    wan = 0  # completed 万 group
    section = 0  # below 万
    num = 0
    after_digit = False
    for c in s:
        if c in _CN_DIGITS:
            if after_digit and num:
                return None  # "五五十" is not a numeral
            num = _CN_DIGITS[c]
            after_digit = True
        elif c in _CN_SMALL:
            section += (num if after_digit else 1) * _CN_SMALL[c]
            num, after_digit = 0, False
        elif _CN_BIG.get(c) == 10**4:
            wan += (section + num or 1) * 10**4
            section, num, after_digit = 0, 0, False
        elif c in _CN_BIG:
            total = (total + wan + section + num or 1) * 10**8
            wan, section, num, after_digit = 0, 0, 0, False
        else:
            return None
    return total + wan + section + num


def _cn_number(s: str) -> float | None:
    whole, _, frac = s.partition("点")
    head = _cn_int(whole) if whole else 0
    if head is None:
        return None
    if not frac:
        return float(head)
    return float(f"{head}.{''.join(str(_CN_DIGITS[c]) for c in frac)}")


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _parse_cn(s: str, raw: str) -> Num | None:
    m = _CN_NUMBER_RE.match(s)
    if not m:
        return None
    num, pct, cheng, unit = m.group("num"), m.group("pct"), m.group("cheng"), m.group("unit")
    chinese = num[0] in _CN_CHARS
    if not chinese and not pct:
        return None  # plain Arabic digits belong to the ordinary number path
    if chinese and num[0] not in _CN_DIGITS and num[0] not in "十拾" and not (pct and num == "百"):
        return None  # "万" or "千" alone is a word, not a number
    if (pct or cheng) and unit:
        return None
    if unit and unit not in _CN_UNITS:
        return None
    if cheng and not chinese:
        return None
    value = _cn_number(num) if chinese else float(num)
    if value is None:
        return None
    if cheng:
        value = value * 10 + (_CN_DIGITS[m.group("cheng2")] if m.group("cheng2") else 0)
    if m.group("neg"):
        value = -value
    percent = bool(pct or cheng)
    return Num(
        _finite(value),
        raw,
        "%" if percent else unit or None,
        percent,
        "chinese_numeral",
    )


def _parse_arabic(s: str, raw: str) -> Num | None:
    m = _NUMBER_RE.match(s)
    if not m:
        return None
    opened, closed, sign = bool(m.group("open")), bool(m.group("close")), m.group("sign")
    if opened != closed:
        return None
    unit = m.group("unit").strip()
    if unit and (not _UNIT_RE.match(unit) or _UNIT_STOP.intersection(unit)):
        return None
    try:
        value = float(m.group("num").replace(",", ""))
    except ValueError:
        return None
    note = None
    if opened or sign in ("▲", "△"):
        if opened and sign:
            return None  # "(-5)" is neither an accounting negative nor a plain number
        value, note = -value, "accounting_negative"
    elif sign == "-":
        value = -value
    percent = False
    if unit in ("%", "百分比"):
        unit, percent = "%", True
    elif unit == "‰":
        value, unit, percent = value / 10, "%", True
    return Num(_finite(value), raw, unit or None, percent, note)


# OCR'd and retyped forms put stray spaces inside numbers ("1 200.5", "9 8.5%", "3 0 0万元")
_SPACE_IN_NUMBER = re.compile(r"(?<=[\d.,])\s+(?=[\d.,])")


def parse_number(x: object) -> Num:
    """A number from a cell: separators, units, %, accounting negatives, Chinese numerals, a lexicon."""
    if type(x) is str and len(x) <= 256:
        return _text_number(x)
    return _parse_number(x)


# Cell texts repeat form after form ("100", "是", "≥95%"): each is parsed once (Num is frozen).
@lru_cache(maxsize=16384)
def _text_number(x: str) -> Num:
    return _parse_number(x)


def _parse_number(x: object) -> Num:
    raw = _raw(x)
    if isinstance(x, bool):
        return Num(None, raw)
    if isinstance(x, (int, float)):
        try:
            return Num(_finite(float(x)), raw)
        except OverflowError:
            return Num(None, raw)
    text = normalize(x)
    s = _WS_RE.sub("", text)
    if not s:
        return Num(None, raw)
    low = s.lower()
    if low in _NOT_APPLICABLE:
        return Num(None, raw, note="not_applicable")
    if low in _EXCEL_ERRORS:
        return Num(None, raw, note="excel_error")
    found = _parse_arabic(text, raw) or _parse_cn(s, raw)
    if found is None and _SPACE_IN_NUMBER.search(text):
        found = _parse_arabic(_SPACE_IN_NUMBER.sub("", text), raw)
    if found is not None:
        return found
    if s in _FULL_TEXT:
        return Num(100.0, raw, "%", True, "text_lexicon")
    m = _ZERO_TEXT_RE.match(s)
    if m and not m.group("rest").startswith(_ZERO_TEXT_EXCLUDE):
        return Num(0.0, raw, note="text_lexicon")
    return Num(None, raw)
