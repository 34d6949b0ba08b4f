"""Pure parsers for the text, numbers, targets, tiers and dates found in evaluation workbooks."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

__all__ = [
    "DIRECTIONS",
    "MONEY_FACTORS",
    "QUAL_LEVELS",
    "Interval",
    "Money",
    "Num",
    "Target",
    "clean_label",
    "direction_from_label",
    "indicator_name",
    "infer_direction",
    "is_rate_like",
    "is_ticked",
    "money_unit_from_label",
    "normalize",
    "normalize_doc_number",
    "normalize_org",
    "parse_checkbox_group",
    "parse_date",
    "parse_date_range",
    "parse_deadline",
    "parse_grade",
    "parse_money",
    "parse_number",
    "parse_percent",
    "parse_qual_level",
    "parse_target",
    "resolve_tier_set",
    "split_code_name",
    "typo_fix",
]

# ---------------------------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------------------------

# NFKC leaves these alone (RULES b.0 step 1), so they are mapped by hand after it.
_CHAR_MAP = str.maketrans(
    {
        "≥": ">=",
        "≧": ">=",
        "⩾": ">=",
        "≮": ">=",
        "≤": "<=",
        "≦": "<=",
        "⩽": "<=",
        "≯": "<=",
        "—": "-",
        "–": "-",
        "‐": "-",
        "‒": "-",
        "―": "-",
        "−": "-",
        "〜": "~",
        "═": "=",
        # zero-width characters and the soft hyphen come from web copies and are invisible noise
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
        "\u00ad": None,
    }
)
_WS_RE = re.compile(r"\s+")
# Excel stores a carriage return inside shared strings as the escape "_x000D_"; some readers leak it.
_XML_ESCAPE_RE = re.compile(r"_x000[dD]_")
_IMAGE_RE = re.compile(r"\[(?:image|图片|图像)\s*:[^\]]*\]|!\[[^\]]*\]\([^)]*\)", re.IGNORECASE)
# Word EQ field that draws a tick over a box; converters leave its source text behind.
_EQ_BOX_RE = re.compile(
    r"(?:eq\s*)?\\o\s*(?:\\ac\s*)?\(\s*[□☐○]\s*,\s*([√✓✔]?)\s*\)", re.IGNORECASE
)
# CJK ideographs, kana and CJK punctuation. Tested by code point: a regex class spanning these
# blocks costs milliseconds to compile at import.
_CJK_RANGES = (
    (0x2E80, 0x2FDF),
    (0x3001, 0x303F),
    (0x3040, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
)
_SPACE_BETWEEN_RE = re.compile(r"(?<=(\S)) (?=(\S))")


def _is_cjk(c: str) -> bool:
    o = ord(c)
    return any(lo <= o <= hi for lo, hi in _CJK_RANGES)


def _cjk_space(m: re.Match[str]) -> str:
    return "" if _is_cjk(m.group(1)) and _is_cjk(m.group(2)) else " "


def _to_text(x: object) -> str:
    """Plain text of a cell value; floats that are whole numbers lose their ".0"."""
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    if isinstance(x, float):
        # pandas reports empty cells as NaN: that is an empty cell, not the word "nan"
        if math.isnan(x):
            return ""
        if x.is_integer():
            return str(int(x))
        return repr(x)
    try:
        return str(x)
    except Exception:  # an object whose __str__ fails is still just bad data
        return ""


def _normalize_once(s: str) -> str:
    s = _XML_ESCAPE_RE.sub(" ", s)
    s = unicodedata.normalize("NFKC", s)
    s = s.translate(_CHAR_MAP)
    prev = None
    while prev != s:
        prev = s
        s = _IMAGE_RE.sub("", s)
        s = _EQ_BOX_RE.sub(lambda m: "☑" if m.group(1) else "□", s)
    s = _WS_RE.sub(" ", s)
    s = _SPACE_BETWEEN_RE.sub(_cjk_space, s)
    return s.strip()


def _normalize_str(s: str) -> str:
    # Iterate to a fixed point: a mapped ">" followed by a combining mark, or an artefact removal
    # that joins two halves of a pattern, can create something the next pass would change.
    for _ in range(8):
        t = _normalize_once(s)
        if t == s:
            return t
        s = t
    return s


# Labels and short cell values repeat across thousands of forms; long narratives are not cached.
_normalize_cached = lru_cache(maxsize=16384)(_normalize_str)


def normalize(x: object) -> str:
    """Working copy of a cell's text: NFKC, comparator/dash maps, artefacts removed, spaces collapsed."""
    s = _to_text(x)
    if not s:
        return ""
    return _normalize_cached(s) if len(s) <= 256 else _normalize_str(s)


def _compact(x: object) -> str:
    return _WS_RE.sub("", normalize(x))


_LABEL_SEAL_RE = re.compile(r"\([^()]*(?:签字|签名|盖章|签章|公章)[^()]*\)$")


def clean_label(x: object) -> str:
    """A label without whitespace, trailing colon, seal/signature note or required-field star."""
    s = _compact(x)
    prev = None
    while prev != s:
        prev = s
        s = s.rstrip(":")
        s = _LABEL_SEAL_RE.sub("", s)
        s = s.strip("*※")
    return s


_DOC_YEAR_RE = re.compile(r"[\[(【〖]\s*(\d{4})\s*[\])】〗]")


def normalize_doc_number(x: object) -> str:
    """Document number with the year in 〔〕 and no spaces: 琼财预〔2011〕1606号."""
    return _DOC_YEAR_RE.sub(r"〔\1〕", _compact(x))


_ORG_ALIAS_RE = re.compile(r"\(\s*原(?:名称|名)?\s*:?\s*([^()]*)(?:\)|$)")


def normalize_org(x: object) -> tuple[str, str | None]:
    """(canonical name, former name) from "现名(原旧名)"."""
    s = normalize(x)
    m = _ORG_ALIAS_RE.search(s)
    if not m:
        return s, None
    alias = normalize(m.group(1)) or None
    canonical = normalize(s[: m.start()] + s[m.end() :])
    return canonical, alias


_CODE_NAME_RE = re.compile(r"^(?:\[(\d+)\]|\((\d+)\)|【(\d+)】|(\d+)\s*[-_:|]|(\d+)\s+)\s*(\S.*)$")
# A number followed by one of these is a quantity or a date, not a code ("2019 年", "50 条").
_NOT_NAME_START = set("年月日号万元亿个条项人次%")


def split_code_name(x: object) -> tuple[str | None, str]:
    """("219", "池州市贵池区棠溪镇") from "219-池州市贵池区棠溪镇"; (None, text) without a code."""
    s = normalize(x)
    m = _CODE_NAME_RE.match(s)
    if not m:
        return None, s
    code = next(g for g in m.groups()[:5] if g is not None)
    name = m.group(6).strip()
    if name[0] in _NOT_NAME_START or name.isdigit():
        return None, s
    return code, name


_INDICATOR_NUMBER_RE = re.compile(r"^指标\s*\d+\s*[:.、]?\s*")
_PLACEHOLDER_NAMES = {"", "/", "//", "-", "--", "...", "......", "无"}


def indicator_name(x: object) -> str | None:
    """An indicator name without the template's "指标1:" numbering; None for placeholder rows.

    The 2020 template pre-prints "指标1:", "指标2:", "……" rows; units leave them empty or write
    "指标1:/" for a category that does not apply.
    """
    s = _INDICATOR_NUMBER_RE.sub("", normalize(x))
    return None if s in _PLACEHOLDER_NAMES else s


_TYPOS: dict[str, str] = {"中价机构": "中介机构", "返乡指标": "反向指标"}


def typo_fix(x: object) -> tuple[str, list[tuple[str, str]]]:
    """Known template typos fixed in the normalised text, with the (wrong, right) pairs found."""
    s = normalize(x)
    found: list[tuple[str, str]] = []
    for wrong, right in _TYPOS.items():
        if wrong in s:
            s = s.replace(wrong, right)
            found.append((wrong, right))
    return s, found


# ---------------------------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Num:
    """A parsed number and the text it came from."""

    value: float | None
    raw: str
    unit: str | None = None
    percent: bool = False
    note: str | None = None


def _raw(x: object) -> str:
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    try:
        return str(x)
    except Exception:  # see _to_text
        return ""


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


def parse_number(x: object) -> Num:
    """A number from a cell: separators, units, %, accounting negatives, Chinese numerals, a lexicon."""
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
    if found is not None:
        return found
    if s in _FULL_TEXT:
        return Num(100.0, raw, "%", True, "text_lexicon")
    m = _ZERO_TEXT_RE.match(s)
    if m and not m.group("rest").startswith(_ZERO_TEXT_EXCLUDE):
        return Num(0.0, raw, note="text_lexicon")
    return Num(None, raw)


# --- money -----------------------------------------------------------------------------------

MONEY_FACTORS: dict[str, float] = {
    "元": 1e-4,
    "千元": 0.1,
    "万元": 1.0,
    "万": 1.0,
    "百万元": 100.0,
    "千万元": 1000.0,
    "亿元": 1e4,
    "亿": 1e4,
}
_MONEY_CANON = {"万": "万元", "亿": "亿元", "圆": "元", "人民币元": "元"}


def _canon_money_unit(u: str | None) -> str | None:
    if not u:
        return None
    u = u.removesuffix("整").removesuffix("正")
    u = _MONEY_CANON.get(u, u)
    return u if u in MONEY_FACTORS else None


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in 万元 with the unit that was applied and where it came from."""

    value_wan: float | None
    raw: str
    unit: str
    unit_source: str
    note: str | None = None


_MONEY_UNIT = r"(百万元|千万元|千元|万元|亿元|元|万|亿)"
_LABEL_UNIT_RE = re.compile(
    rf"[(\[【]\s*(?:单位\s*:?\s*)?(?:人民币\s*)?{_MONEY_UNIT}\s*[)\]】]"
    rf"|单位\s*:?\s*(?:人民币\s*)?{_MONEY_UNIT}(?![^\W\d_])"
)


def money_unit_from_label(x: object) -> str | None:
    """The money unit a header or label declares: "项目资金（万元）" -> "万元"; None if none."""
    m = _LABEL_UNIT_RE.search(normalize(x))
    if not m:
        return None
    return _canon_money_unit(m.group(1) or m.group(2))


def _to_wan(value: float, unit: str) -> float:
    factor = MONEY_FACTORS[unit]
    # dividing by an exact integer keeps 387664.62 元 -> 38.766462, not 38.766462000000004
    return value * factor if factor >= 1 else value / round(1 / factor)


def parse_money(x: object, default_unit: str = "万元") -> Money:
    """An amount in 万元; a unit written in the cell overrides the label's default_unit."""
    raw = _raw(x)
    default = _canon_money_unit(default_unit)
    note_default = None if default else "unknown_default_unit"
    default = default or "万元"
    n = parse_number(x)
    if n.value is None:
        return Money(None, raw, default, "label", n.note or note_default)
    if n.percent:
        return Money(None, raw, default, "label", "not_money")
    if n.unit is None:
        return Money(_to_wan(n.value, default), raw, default, "label", n.note or note_default)
    cell_unit = _canon_money_unit(n.unit)
    if cell_unit is None:
        return Money(None, raw, n.unit, "cell", "not_money")
    return Money(_to_wan(n.value, cell_unit), raw, cell_unit, "cell", n.note)


# --- percentages -----------------------------------------------------------------------------

_RATE_WORDS = ("率", "比例", "占比", "满意度", "覆盖率", "百分比")


def is_rate_like(name: object) -> bool:
    """Whether an indicator name describes a rate (率 / 比例 / 占比 / 满意度 / 百分比)."""
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


# ---------------------------------------------------------------------------------------------
# targets and tier standards
# ---------------------------------------------------------------------------------------------


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
    """A target or tier text per the RULES b.0 grammar: cmp, range, point, qual, date, empty, text.

    fiscal_year (an addition to the brief's signature) resolves year-less deadlines ("12月底前").
    """
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


@dataclass(frozen=True, slots=True)
class Interval:
    """A real interval; a None bound is unbounded (its *_incl flag is then meaningless)."""

    lo: float | None
    lo_incl: bool
    hi: float | None
    hi_incl: bool

    def contains(self, x: float) -> bool:
        if x != x:  # NaN belongs to no tier
            return False
        if self.lo is not None and (x < self.lo or (x == self.lo and not self.lo_incl)):
            return False
        return not (self.hi is not None and (x > self.hi or (x == self.hi and not self.hi_incl)))

    def overlap_length(self, other: Interval) -> float | None:
        """Length of the intersection: 0.0 for one shared point, None when disjoint."""
        lo, lo_incl = _tighter(self.lo, self.lo_incl, other.lo, other.lo_incl, max)
        hi, hi_incl = _tighter(self.hi, self.hi_incl, other.hi, other.hi_incl, min)
        if lo is None or hi is None:
            return math.inf
        if lo > hi:
            return None
        if lo == hi:
            return 0.0 if lo_incl and hi_incl else None
        return hi - lo

    def __str__(self) -> str:
        left = "(-inf" if self.lo is None else ("[" if self.lo_incl else "(") + f"{self.lo:g}"
        right = "inf)" if self.hi is None else f"{self.hi:g}" + ("]" if self.hi_incl else ")")
        return f"{left}, {right}"


def _tighter(
    a: float | None,
    a_incl: bool,
    b: float | None,
    b_incl: bool,
    pick: Callable[[float, float], float],
) -> tuple[float | None, bool]:
    """The bound of an intersection: pick=max for lower bounds, min for upper bounds."""
    if a is None:
        return b, b_incl
    if b is None:
        return a, a_incl
    if a == b:
        return a, a_incl and b_incl
    return (a, a_incl) if pick(a, b) == a else (b, b_incl)


_GRADE_RANK = {"优": 0, "良": 1, "中": 2, "差": 3}


@dataclass(slots=True)
class _Bound:
    """Mutable working copy of one tier bound during resolution."""

    value: float | None
    incl: bool | None
    source: str | None


def _bound_source(t: Target, side: str) -> str | None:
    explicit = t.lo_source if side == "lo" else t.hi_source
    incl = t.lo_incl if side == "lo" else t.hi_incl
    # Targets built by hand may carry only incl_source; it then applies to each stated bound.
    return explicit or (t.incl_source if incl is not None else None)


def resolve_tier_set(tiers: Mapping[str, Target]) -> tuple[dict[str, Interval], list[str]]:
    """Intervals for 优/良/中/差 with unspecified inclusivity resolved (RULES b.0 steps 1-5).

    Returns the intervals in tier order and the names whose inclusivity came from the
    neighbour rule (step 4) or a default (step 5), for an INFO finding.
    """
    rows: list[tuple[int, int, str, str, _Bound, _Bound]] = []
    for pos, (name, t) in enumerate(tiers.items()):
        if not isinstance(t, Target) or t.kind not in ("cmp", "range", "point"):
            continue
        if t.lo is None and t.hi is None:
            continue
        grade = parse_grade(name)
        rank = _GRADE_RANK[grade] if grade else len(_GRADE_RANK)
        lo = _Bound(t.lo, t.lo_incl if t.lo is not None else None, _bound_source(t, "lo"))
        hi = _Bound(t.hi, t.hi_incl if t.hi is not None else None, _bound_source(t, "hi"))
        rows.append((rank, pos, name, t.kind, lo, hi))
    rows.sort(key=lambda r: (r[0], r[1]))
    flagged: set[str] = set()

    # Step 4: adjacent tiers meeting at a value, where one explicitly includes it.
    for upper, lower in zip(rows, rows[1:], strict=False):
        for x, y in ((upper[5], lower[4]), (upper[4], lower[5])):
            if x.value is None or y.value is None or x.value != y.value:
                continue
            for p, q, qname, qkind in ((x, y, lower[2], lower[3]), (y, x, upper[2], upper[3])):
                if p.source != "explicit" or p.incl is None or q.source in ("explicit", "symbol"):
                    continue
                if qkind == "point":
                    continue  # a single value ("100%") is that value: excluding it would empty it
                if p.incl is False and q.incl is not None:
                    continue  # an explicit exclusion only fills a gap; it never overrides a word
                want = not p.incl
                if q.incl != want or q.source is None:
                    q.incl, q.source = want, "neighbour"
                    flagged.add(qname)

    # Step 5: defaults for whatever is still unspecified.
    for _, _, name, kind, lo, hi in rows:
        before = (lo.value is not None and lo.incl is None) or (
            hi.value is not None and hi.incl is None
        )
        if kind == "range":
            # "A（含）-B" means [A, B): the next tier up starts at "B（含）"; mirrored for "A-B（含）"
            if hi.incl is None:
                hi.incl = (not lo.incl) if lo.source == "explicit" else True
            if lo.incl is None:
                lo.incl = (not hi.incl) if hi.source == "explicit" else True
        else:
            for b in (lo, hi):
                if b.value is not None and b.incl is None:
                    b.incl = True
        if before:
            flagged.add(name)

    result = {
        name: Interval(
            lo.value,
            bool(lo.incl) if lo.value is not None else False,
            hi.value,
            bool(hi.incl) if hi.value is not None else False,
        )
        for _, _, name, _, lo, hi in rows
    }
    return result, [r[2] for r in rows if r[2] in flagged]


# ---------------------------------------------------------------------------------------------
# qualitative levels and grades
# ---------------------------------------------------------------------------------------------

QUAL_LEVELS: dict[str, str] = {
    "A": "达成年度指标",
    "B": "部分达成年度指标并具有一定效果",
    "C": "未达成年度指标且效果较差",
}
# One or two characters are matched only as the whole value: "差" inside "差错率" is no verdict.
_QUAL_EXACT = {
    "A": "A",
    "B": "B",
    "C": "C",
    "是": "A",
    "好": "A",
    "达到": "A",
    "达成": "A",
    "完成": "A",
    "一般": "B",
    "否": "C",
    "差": "C",
}
# Checked in this order: C and B phrases contain A phrases ("未完成" contains "完成").
_QUAL_PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "C",
        (
            "未达成",
            "未完成",
            "未能完成",
            "没有完成",
            "未达到",
            "没有达到",
            "未实现",
            "无明显效果",
            "效果较差",
            "不达标",
            "较差",
        ),
    ),
    (
        "B",
        (
            "部分达成",
            "部分完成",
            "部分达到",
            "部分实现",
            "基本完成",
            "基本达到",
            "基本达成",
            "基本实现",
            "有所提升",
            "有所提高",
            "有所改善",
            "较好",
        ),
    ),
    (
        "A",
        (
            "达成年度指标",
            "达成预期指标",
            "达成预期",
            "达到预期",
            "全部完成",
            "全部达成",
            "全部实现",
            "已完成",
            "已达成",
            "已达到",
            "已实现",
            "效果明显",
            "效果显著",
            "显著提升",
            "显著提高",
            "明显提升",
        ),
    ),
)


def parse_qual_level(x: object) -> str | None:
    """The level A/B/C of a qualitative value (三档 of 财预〔2020〕10号), or None."""
    s = _compact(x).rstrip("。.!！")
    if not s:
        return None
    if s.upper() in _QUAL_EXACT:
        return _QUAL_EXACT[s.upper()]
    for level, phrases in _QUAL_PHRASES:
        if any(p in s for p in phrases):
            return level
    return None


_GRADES = {
    "优": "优",
    "优秀": "优",
    "良": "良",
    "良好": "良",
    "中": "中",
    "中等": "中",
    "合格": "中",
    "一般": "中",
    "差": "差",
    "较差": "差",
    "不合格": "差",
}


def parse_grade(x: object) -> str | None:
    """优/良/中/差 from a grade label or synonym; None for anything else."""
    s = _compact(x)
    if s in _GRADES:
        return _GRADES[s]
    if s[-1:] in ("等", "级") and s[:-1] in _GRADES:
        return _GRADES[s[:-1]]
    return None


# ---------------------------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# checkboxes
# ---------------------------------------------------------------------------------------------

# þ is the Wingdings tick and R the Wingdings 2 tick; £ and ¨ (NFKC: space + U+0308) are their boxes.
_TICKS = frozenset("☑✓✔√■▇☒þ")
_UNTICKS = frozenset("□☐£\u0308")
_PAREN_TICK_RE = re.compile(r"[(\[]\s*[√✓✔☑]\s*[)\]]")
_PAREN_EMPTY_RE = re.compile(r"[(\[]\s*[)\]]")


def _box_text(x: object) -> str:
    s = normalize(x)
    s = _PAREN_TICK_RE.sub("☑", s)
    s = _PAREN_EMPTY_RE.sub("□", s)
    return _WS_RE.sub("", s)


def is_ticked(x: object) -> bool | None:
    """True for a tick mark, False for an empty box, None for anything else."""
    if isinstance(x, bool):
        return x
    raw = _raw(x).strip()
    if raw in ("R", "þ"):
        return True
    if raw in ("£", "¨"):
        return False
    s = _box_text(x)
    if len(s) == 1:
        if s in _TICKS:
            return True
        if s in _UNTICKS:
            return False
    return None


def parse_checkbox_group(x: object, options: Sequence[str]) -> list[str]:
    """Options ticked in one line of boxes; marks may precede or follow the option names."""
    text, _ = typo_fix(_box_text(x))
    wanted = [(o, _compact(o)) for o in options if _compact(o)]
    if not text or not wanted:
        return []
    taken = [False] * len(text)
    hits: list[tuple[int, int, str]] = []
    # Longest first, so "项目单位" inside "项目单位评价组" is not taken for a separate option.
    for option, key in sorted(wanted, key=lambda p: -len(p[1])):
        start = text.find(key)
        while start >= 0:
            end = start + len(key)
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                hits.append((start, end, option))
            start = text.find(key, start + 1)
    if not hits:
        return []
    marks = _TICKS | _UNTICKS
    chosen: set[str] = set()
    if not any(c in marks for c in text):
        # no boxes at all: a dropdown or typed value names the choice itself
        chosen = {h[2] for h in hits}
    else:
        hits.sort()
        first_start = hits[0][0]
        before_first = text[first_start - 1] if first_start else ""
        marks_precede = before_first in marks or before_first == "R"
        for start, end, option in hits:
            if marks_precede:
                c = text[start - 1] if start else ""
                ticked = c in _TICKS or c == "R"
            else:
                ticked = end < len(text) and text[end] in _TICKS
            if ticked:
                chosen.add(option)
    result: list[str] = []
    for option, _key in wanted:
        if option in chosen and option not in result:
            result.append(option)
    return result


# ---------------------------------------------------------------------------------------------
# direction
# ---------------------------------------------------------------------------------------------

DIRECTIONS = ("pos", "neg", "eq", "range", "qual", "date")
_CMP_DIRECTION = {">=": "pos", ">": "pos", "<=": "neg", "<": "neg", "=": "eq"}
# Words naming a side are checked before comparators ("正向(≥)"); kind words after them.
_LABEL_SIDES = (
    ("正向", "pos"),
    ("越大越好", "pos"),
    ("越高越好", "pos"),
    ("反向", "neg"),
    ("越小越好", "neg"),
    ("越低越好", "neg"),
)
_LABEL_KINDS = (
    ("区间", "range"),
    ("定性", "qual"),
    ("时效", "date"),
    ("日期", "date"),
    ("期限", "date"),
)


def direction_from_label(x: object) -> str | None:
    """Direction from a 指标方向/指标性质 cell: 正向/≥ -> pos, 反向/≤ -> neg, ═ -> eq, 区间, 定性, 时效."""
    s, _ = typo_fix(x)
    s = _WS_RE.sub("", s)
    if not s:
        return None
    for word, direction in _LABEL_SIDES:
        if word in s:
            return direction
    comparator = _SYMBOL_CMP.get(s) or _WORD_CMP.get(s)
    if comparator:
        return _CMP_DIRECTION[comparator]
    for word, direction in _LABEL_KINDS:
        if word in s:
            return direction
    return None


_NEG_WORDS = (
    "故障率",
    "投诉率",
    "事故率",
    "差错率",
    "发生率",
    "超支率",
    "空置率",
    "返工率",
    "成本",
    "费用",
    "单价",
    "耗时",
    "时长",
    "天数",
)
_POS_WORDS = (
    "数量",
    "完成率",
    "合格率",
    "达标率",
    "覆盖率",
    "保障率",
    "及时率",
    "满意度",
    "使用率",
)


def _representative(iv: Interval) -> float | None:
    if iv.lo is not None and iv.hi is not None:
        return (iv.lo + iv.hi) / 2
    return iv.lo if iv.lo is not None else iv.hi


def _direction_from_tiers(tiers: Mapping[str, Interval], name: str) -> str | None:
    ranked = sorted(
        ((_GRADE_RANK[g], iv) for k, iv in tiers.items() if (g := parse_grade(k)) is not None),
        key=lambda p: p[0],
    )
    if len(ranked) < 2:
        return None
    best, worst = ranked[0][1], ranked[-1][1]
    # A 优 band closed on both sides marks an optimum (RULES d.1 #4), unless it only stops at
    # the natural 100 % ceiling of a rate.
    closed = best.lo is not None and best.hi is not None
    if closed and not (best.hi == 100 and is_rate_like(name)):
        return "range"
    b, w = _representative(best), _representative(worst)
    if b is None or w is None or b == w:
        return None
    return "pos" if b > w else "neg"


def infer_direction(
    target: Target, name: object = "", tiers: Mapping[str, Interval] | None = None
) -> tuple[str, str]:
    """(direction, how): from the comparator, then tier order, then name keywords, else pos."""
    if target.kind == "cmp" and target.comparator in _CMP_DIRECTION:
        return _CMP_DIRECTION[target.comparator], "comparator"
    if target.kind in ("range", "qual", "date"):
        return target.kind, "comparator"
    label = _compact(name)
    if tiers:
        direction = _direction_from_tiers(tiers, label)
        if direction:
            return direction, "tiers"
    # The head of a Chinese noun phrase is at its end, so the keyword ending last wins
    # ("成本控制完成率" is a 完成率, "设备故障率" a 故障率).
    best: tuple[int, int, str] | None = None
    for words, direction in ((_NEG_WORDS, "neg"), (_POS_WORDS, "pos")):
        for w in words:
            i = label.rfind(w)
            if i >= 0:
                key = (i + len(w), len(w), direction)
                if best is None or key[:2] > best[:2]:
                    best = key
    if best:
        return best[2], "keyword"
    return "pos", "default"


# Label variants: "计划投资额（万元）", "全年预算数(A)", "产出指标(50分)", "其中:本年财政拨款", "指标1:名称".
_TRAILING_BRACKETS = re.compile(r"[(（\[［【][^()（）\[\]［］【】]{0,12}[)）\]］】]$")


_LEADING_QIZHONG = re.compile(r"^其中[:：]?")


_COLON_SPLIT = re.compile(r"^([^:：]{1,20})[:：](.+)$")


@lru_cache(maxsize=1 << 16)
def _label_key_str(text: str) -> str:
    return _label_key(text)


def label_key(text: object) -> str:
    """The comparable core of a label: cleaned, without trailing bracket notes or 其中:."""
    if isinstance(text, str):
        return _label_key_str(text)
    return _label_key(text)


def _label_key(text: object) -> str:
    s = clean_label(text)
    for _ in range(2):
        s2 = _TRAILING_BRACKETS.sub("", s)
        if s2 == s:
            break
        s = s2
    s = _LEADING_QIZHONG.sub("", s)
    return s.rstrip(":：")


def inline_split(label: str) -> tuple[str, str] | None:
    """ "项目名称：信息系统运行维护" -> ("项目名称", "信息系统运行维护")."""
    m = _COLON_SPLIT.match(label)
    return (m.group(1), m.group(2)) if m else None


def keys_of(labels: Iterable[str]) -> frozenset[str]:
    return _keys_of(tuple(labels))


@lru_cache(maxsize=4096)
def _keys_of(labels: tuple[str, ...]) -> frozenset[str]:
    return frozenset(label_key(x) for x in labels)
