"""What the reader had to assume to read a unit's own layout, said once per form (S17).

Three readings change what the checks see without the unit having written it that way: a
comparator printed with an odd glyph (≧ ≦ ═, full-width ＝ ＞ ＜) read as ≥ ≤ =; a 一级指标 cell that
prints only its points ("(50分)"), whose category is taken from the 二级 rows below it; amounts
printed in 元, converted to 万元. Each is right on the forms seen so far, and each is a guess the
officer should be able to see and overrule.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from perfxl.model.findings import INFO, Finding, declare, make
from perfxl.model.submission import Extract
from perfxl.read.grammar import clean_label

declare(
    "S17",
    INFO,
    "submission",
    "读取时的推定",
    "what the reader assumed",
    "读取本表时作了以下推定，请核对：{assumed}。",
    "Reading this form took these assumptions; please check them: {assumed}.",
)

# odd glyph -> the comparator it is read as (read/grammar/text.py does the reading itself)
ODD_COMPARATORS = {"≧": "≥", "≦": "≤", "═": "=", "＝": "=", "＞": ">", "＜": "<"}
_RAW_FIELDS = ("direction_label", "target_raw", "actual_raw")


def _glyphs(indicators: list[dict[str, Any]]) -> str | None:
    seen: Counter[str] = Counter()
    for rec in indicators:
        for key in _RAW_FIELDS:
            text = rec.get(key)
            if isinstance(text, str):
                for glyph in ODD_COMPARATORS:
                    if glyph in text:
                        seen[glyph] += 1
    if not seen:
        return None
    read = "、".join(f"「{g}」按“{ODD_COMPARATORS[g]}”" for g in sorted(seen, key=seen.__getitem__))
    return f"比较符号{read}读取（共 {sum(seen.values())} 处）"


def _inferred_level1(indicators: list[dict[str, Any]]) -> str | None:
    """一级 cells that print only points: "(50分)" read as the parent of the 二级 below."""
    inferred: dict[str, str] = {}
    for rec in indicators:
        raw, l1 = rec.get("level1_raw"), rec.get("level1")
        if not raw or not l1:
            continue
        text = clean_label(raw)
        if l1 not in text and not any(ch not in "()（）0123456789.分 " for ch in text):
            inferred.setdefault(str(raw).strip(), l1)
    if not inferred:
        return None
    return "一级指标" + "、".join(
        f"「{raw}」按其下二级指标推定为{l1}" for raw, l1 in inferred.items()
    )


def _money(ex: Extract) -> str | None:
    if ex.money_unit == "元" and any(f.get("amount_wan") is not None for f in ex.funds):
        return "资金表金额单位为元，已换算为万元（÷10000）"
    return None


def assumptions_finding(ex: Extract, sub: str) -> Finding | None:
    """S17 on a unit's own layout, listing every assumption once; None when there is none."""
    if ex.layout == "template":
        return None
    said = [s for s in (_glyphs(ex.indicators), _inferred_level1(ex.indicators), _money(ex)) if s]
    if not said:
        return None
    return make("S17", sub=sub, assumed="；".join(said))


__all__ = ["ODD_COMPARATORS", "assumptions_finding"]
