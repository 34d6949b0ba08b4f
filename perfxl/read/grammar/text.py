"""Cell text: normalisation, labels, CJK spacing, typos, document numbers, orgs, code-name pairs."""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

# NFKC leaves these alone (domain b.0 step 1), so they are mapped by hand after it.
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


def _raw(x: object) -> str:
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    try:
        return str(x)
    except Exception:  # see _to_text
        return ""
