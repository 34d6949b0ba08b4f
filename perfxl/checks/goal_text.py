"""N07: a 年度总体目标 (or its 实际完成情况) that only says the project's name again, or stock
phrases ("做好XX项目工作", "完成年度目标"), so nothing it promises or reports can be measured or
checked against the indicators."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from perfxl.checks.engine import Ctx, field_cell, hits, no_hits, rule

# words that carry no target of their own: verbs of doing, "the project", the year
_FILLER = re.compile(
    r"20\d\d\s*年度?|本年度|年度|全年|项目|工作|任务|目标|资金|经费|专项|"
    r"顺利|全面|圆满|按时|按期|按要求|如期|认真|扎实|积极|有序|"
    r"完成|实施|开展|做好|推进|落实|组织|保障|确保|实现|达到|各项|相关|有关|的|了|和|及|与"
)
_NOT_WORDS = re.compile(r"[\s\W_]+")
# what is left of a goal that says something: a figure, or a few characters of its own
_MIN_OWN_CHARS = 4


def _core(text: str) -> str:
    return _FILLER.sub("", _NOT_WORDS.sub("", text))


def repeats_name(goal: object, name: object) -> bool:
    """The goal text, without the project's name and the words that promise nothing, is empty
    or nearly so (and holds no figure)."""
    if not isinstance(goal, str) or not goal.strip() or not isinstance(name, str):
        return False
    if re.search(r"\d", _FILLER.sub("", goal)):
        return False  # a figure is a promise that can be checked
    own = _core(goal)
    for piece in sorted({_core(name), _NOT_WORDS.sub("", name)}, key=len, reverse=True):
        if piece:
            own = own.replace(piece, "")
    return len(own) < _MIN_OWN_CHARS


_FIELDS = (
    ("goal_expected", "年度总体目标（预期目标）"),
    ("goal_actual", "年度总体目标实际完成情况"),
)


@rule(
    "N07",
    "warning",
    "submission",
    "总体目标空泛",
    "overall goal says nothing of its own",
    "{field}只写了“{observed}”，除项目名称和“完成”“做好”一类套话外没有内容；请写明具体的产出和"
    "效果（数量、质量、时效、效益）。",
    "The {field} only says “{observed}”: the project name and stock phrases, nothing of its "
    "own; state the concrete outputs and effects (quantity, quality, timeliness, benefit).",
)
def n07_goal_repeats_name(ctx: Ctx) -> pd.DataFrame:
    p = ctx.projects
    if "project_name" not in p:
        return no_hits("field")
    parts = []
    for key, label in _FIELDS:
        if key not in p:
            continue
        bad = np.array(
            [repeats_name(g, n) for g, n in zip(p[key], p["project_name"], strict=True)],
            dtype=bool,
        )
        if not bad.any():
            continue
        rows = p[bad]
        sheet, cell = field_cell(rows, key)
        parts.append(
            hits(rows, sheet=sheet, cell=cell, observed=rows[key].str.strip(), field=label)
        )
    if not parts:
        return no_hits("field")
    return pd.concat(parts, ignore_index=True)
