"""I22: an indicator filed under a category its own name belies (a 满意度 indicator among the
outputs, a 及时率 among the 数量指标, a 安全 outcome under 经济效益).

A small lexicon, not a model: each class of indicator has words that name it, and a row is
flagged only when its name carries another class's words and none of its own category's. A
satisfaction indicator anywhere but under 满意度 is certain (warning); the rest is a reading of
words, so it is said as info, with the category the words point to.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from perfxl.checks.engine import Ctx, hits, map_distinct, no_hits, rule

# the words that name each class of indicator (the 二级 category, or the 一级 for 满意度)
CLASS_WORDS: dict[str, re.Pattern[str]] = {
    "满意度指标": re.compile(r"满意|认可度|获得感|好评"),
    "时效指标": re.compile(r"及时|按时|按期|准时|时限|时间|进度|周期|工期|期限|日内|天内|当年"),
    "成本指标": re.compile(r"成本|费用|单价|造价|价格|标准|均.*(?:元|费|补)|节约|控制在|经费"),
    "质量指标": re.compile(r"合格|达标|验收|优良|质量|准确|完好|规范|达到|符合|通过率|有效率"),
    "数量指标": re.compile(r"数量|人数|人次|个数|户数|次数|面积|长度|里程|座数|数$|量$|规模"),
    "经济效益指标": re.compile(r"收入|增收|产值|效益|利润|税|经济|销售|带动.*元|节省"),
    "生态效益指标": re.compile(r"生态|环境|污染|排放|水质|空气|绿化|森林|植被|碳|节能|垃圾"),
    "社会效益指标": re.compile(r"安全|事故|就业|服务|保障|群众|居民|社会|公共|健康|教育|就医"),
}
# what each category, if its own words are missing, may legitimately hold all the same (an
# output's 数量 is often just a noun: 新建幼儿园; a 社会效益 is any change for people)
_LOOSE = frozenset({"数量指标", "社会效益指标", "可持续影响指标"})
# the pairs worth saying: (filed under, the words point to)
_MISFILED = {
    ("数量指标", "时效指标"),
    ("数量指标", "质量指标"),
    ("时效指标", "数量指标"),
    ("时效指标", "质量指标"),
    ("质量指标", "时效指标"),
    ("成本指标", "时效指标"),
    ("成本指标", "质量指标"),
    ("经济效益指标", "生态效益指标"),
    ("经济效益指标", "社会效益指标"),
    ("生态效益指标", "经济效益指标"),
    ("社会效益指标", "经济效益指标"),
}


def placement(level1: object, level2: object, name: object) -> tuple[str, str] | None:
    """(the category the name points to, 'certain'|'likely') when the row's own category does not
    fit its name; None when it fits or the words say nothing clear."""
    if not isinstance(name, str) or not name.strip():
        return None
    n = re.sub(r"\s+", "", name)
    l1 = level1 if isinstance(level1, str) else ""
    l2 = level2 if isinstance(level2, str) else ""
    satisfaction = bool(CLASS_WORDS["满意度指标"].search(n))
    if satisfaction and l1 and l1 != "满意度指标" and "满意度" not in l2:
        return "满意度指标", "certain"
    if satisfaction or l2 not in CLASS_WORDS or CLASS_WORDS[l2].search(n):
        return None
    pointed = [
        c for c, words in CLASS_WORDS.items() if c != "满意度指标" and c != l2 and words.search(n)
    ]
    if len(pointed) != 1 or (l2, pointed[0]) not in _MISFILED:
        return None  # no word, or words of several classes: nothing clear to say
    if l2 in _LOOSE and pointed[0] in ("数量指标", "社会效益指标"):
        return None
    return pointed[0], "likely"


@rule(
    "I22",
    "warning",
    "row",
    "指标归类与名称不符",
    "indicator filed under the wrong category",
    "「{name}」列在{observed}下，但按指标名称应属于{expected}；请核对指标归类（分值和得分按所在类别计算）。",
    "“{name}” is filed under {observed}, but its name makes it a {expected} indicator; check "
    "the category (its weight and score count towards the category it is filed under).",
    severities=("warning", "info"),
)
def i22_misfiled(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    if ind.empty:
        return no_hits("name")
    keys = list(zip(ind["level1"], ind["level2"], ind["name"], strict=True))
    found = map_distinct(
        pd.Series(keys, index=ind.index, dtype=object), lambda k: placement(*k) if k else None
    )
    got = found.notna().to_numpy()
    if not got.any():
        return no_hits("name")
    rows = ind[got]
    pointed = found[got]
    filed = rows["level2"].where(rows["level2"].notna(), rows["level1"])
    certain = np.array([p[1] == "certain" for p in pointed], dtype=bool)
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows.get("name_cell"),
        name=rows["name"],
        observed=filed,
        expected=[p[0] for p in pointed],
        severity=np.where(certain, "warning", "info"),
    )
