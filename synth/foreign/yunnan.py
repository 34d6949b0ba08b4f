"""The Yunnan 公开14表 layout: comparator, value and unit in their own columns, amounts in 元."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from synth.foreign.blocks import funds_rows, goal_block, round_score, value_fmt
from synth.foreign.form import Form
from synth.foreign.grid import Grid


def style_yunnan(form: Form, opts: Mapping[str, Any]) -> list[Grid]:
    f = form.fields
    grid = Grid(opts.get("sheet_name", "公开14表"))
    for c, w in enumerate((12, 14, 24, 8, 10, 8, 12, 7, 7, 14, 14)):
        grid.widths[c] = w
    last = 10
    year_in_title = bool(opts.get("year_in_title", True))
    if year_in_title and form.year:
        grid.box(0, 0, last - 1, f"{form.year}年度项目支出绩效自评表", "title")
        r = 1
    else:
        grid.box(0, 0, last - 1, "项目支出绩效自评表", "title")
        grid.box(1, 0, last - 1, f"（{form.year or ''}年度）", "subtitle")
        r = 2
    grid.put(0, last, "公开14表", "corner")
    grid.heights[0] = 30
    grid.box(r, 0, 5, f"部门：{f.get('unit') or ''}", "plain")
    grid.box(r, 8, last, f"单位：{form.money_unit}", "corner")
    r += 1
    grid.put(r, 0, "项目名称", "label")
    grid.box(r, 1, last, f.get("project_name"), "text")
    r += 1
    grid.put(r, 0, "主管部门", "label")
    grid.box(r, 1, 4, f.get("dept"), "text")
    grid.box(r, 5, 6, "实施单位", "label")
    grid.box(r, 7, last, f.get("unit"), "text")
    r += 1
    grid.merge(r, 0, r + 4, 0, f"项目资金（{form.money_unit}）", "label")
    grid.put(r, 1, None, "label")
    for k, h in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")):
        grid.put(r, 2 + k, h, "label")
    grid.box(r, 8, last, None, "label")
    cols = {
        "label": 1,
        "initial": 2,
        "annual": 3,
        "executed": 4,
        "weight": 5,
        "rate": 6,
        "score": 7,
    }
    r = funds_rows(
        grid,
        form,
        r + 1,
        cols,
        labels=("年度资金总额", "其中:当年财政 拨款", "上年结转 资金", "其他资金"),
        rate_as="text",
        sub_rate=False,
    )
    for k in range(4):
        grid.box(r - 4 + k, 8, last, None, "text")
    r = goal_block(grid, form, r, 0, 6, last)

    heads = (
        "一级指标",
        "二级指标",
        "三级指标",
        "指标性质",
        "指标值",
        "度量单位",
        "实际完成值",
        "分值",
        "得分",
    )
    for k, h in enumerate(heads):
        grid.put(r, k, h, "label")
    grid.box(r, 9, last, "偏差原因分析及改进措施", "label")
    r += 1
    for row in form.indicators:
        op, value, unit = _split_target(row.get("target"), row.get("unit"))
        grid.put(r, 0, row.get("level1"), "center")
        grid.put(r, 1, _yunnan_level2(row.get("level1"), row.get("level2")), "center")
        grid.put(r, 2, row.get("name"), "text")
        grid.put(r, 3, op or None, "center")
        grid.put(r, 4, value, "center")
        grid.put(r, 5, unit, "center")
        grid.put(r, 6, row.get("actual"), value_fmt(row.get("actual")))
        grid.put(r, 7, row.get("weight"), "num")
        grid.put(r, 8, row.get("score"), "num")
        grid.box(r, 9, last, row.get("deviation"), "text")
        r += 1
    grid.box(r, 0, 6, "总分", "label")
    grid.put(r, 7, round_score(form.weight_total), "num")
    grid.put(r, 8, round_score(form.total), "num")
    grid.box(r, 9, last, None, "text")
    r += 1
    grid.box(r, 0, 6, "自评等次", "label")
    grid.box(r, 7, last, form.grade, "center")
    r += 1
    grid.box(r, 0, 1, "其他需要说明事项", "label")
    grid.box(r, 2, last, f.get("problems"), "text")
    return [grid]


# Yunnan forms print the comparator in its own column with these characters (RULES b.0).
_YUNNAN_OPS = (
    (">=", "≧"),
    ("≥", "≧"),
    ("≧", "≧"),
    ("<=", "≦"),
    ("≤", "≦"),
    ("≦", "≦"),
    ("＝", "═"),
    ("=", "═"),
    (">", "＞"),
    ("<", "＜"),
)


def _split_target(target: object, unit: object) -> tuple[str, object, object]:
    """'≥95%' -> ('≧', '95', '%'): comparator, value and unit in their own columns."""
    if not isinstance(target, str):
        return "", target, unit
    s = target.strip()
    op = ""
    for written, printed in _YUNNAN_OPS:
        if s.startswith(written):
            op, s = printed, s[len(written) :].strip()
            break
    if unit and s.endswith(str(unit)):
        s = s[: -len(str(unit))].strip()
    elif s.endswith("%") and not unit:
        s, unit = s[:-1].strip(), "%"
    return op, s, unit


def _yunnan_level2(level1: object, level2: object) -> object:
    """The Yunnan export wraps 效益 二级 names (a stray space) and appends 等 to 满意度."""
    if not isinstance(level2, str):
        return level2
    if level1 == "效益指标" and level2.endswith("指标"):
        return level2[:-2] + " 指标"
    if level1 == "满意度指标":
        return level2 + "等"
    return level2
