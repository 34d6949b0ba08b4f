"""Qualitative levels (A/B/C) and grades (优/良/中/差) from their words and synonyms."""

from __future__ import annotations

from functools import lru_cache

from perfxl.read.grammar.text import _compact

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
    if type(x) is str and len(x) <= 256:
        return _text_qual_level(x)
    return _qual_level(x)


@lru_cache(maxsize=16384)  # the same answers (是, 好, 较好 …) form after form: looked up once
def _text_qual_level(x: str) -> str | None:
    return _qual_level(x)


def _qual_level(x: object) -> str | None:
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
