"""The layout with columns in a unit's own order: fund and indicator columns moved, rate in percent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from synth.foreign.blocks import funds_rows, round_score, value_fmt
from synth.foreign.form import Form, as_date
from synth.foreign.grid import Grid


def style_columns_moved(form: Form, opts: Mapping[str, Any]) -> list[Grid]:
    f = form.fields
    grid = Grid(opts.get("sheet_name", "自评表"))
    for c, w in enumerate((24, 11, 13, 8, 13, 13, 8, 28, 9, 9)):
        grid.widths[c] = w
    last = 9
    grid.box(0, 0, last, f"项目支出绩效自评表（{form.year or ''}年度）", "title")
    grid.heights[0] = 30
    grid.put(1, 0, "年度", "label")
    grid.put(1, 1, form.year, "num")
    grid.box(1, 2, 3, "填报日期", "label")
    grid.box(1, 4, 5, as_date(f.get("submit_date")), "date")
    pairs = (
        (2, "项目名称", "project_name", "项目编码", "project_code"),
        (3, "主管部门", "dept", "实施单位", "unit"),
        (4, "单位编码", "unit_code", None, None),
    )
    for r, l1, k1, l2, k2 in pairs:
        grid.put(r, 0, l1, "label")
        grid.box(r, 1, 4, f.get(k1), "text")
        if l2 and k2:
            grid.put(r, 5, l2, "label")
            grid.box(r, 6, last, f.get(k2), "text")
    # funds: the columns come in the unit's own order, the rate as a percent number
    r = 6
    heads = (
        f"项目资金（{form.money_unit}）",
        "全年预算数",
        "全年执行数",
        "执行率（%）",
        "年初预算数",
        "分值",
        "得分",
    )
    for k, h in enumerate(heads):
        grid.put(r, k, h, "label")
    grid.box(r, 7, last, "备注", "label")
    cols = {
        "label": 0,
        "annual": 1,
        "executed": 2,
        "rate": 3,
        "initial": 4,
        "weight": 5,
        "score": 6,
        "note": 7,
        "note_to": last,
    }
    r = funds_rows(grid, form, r + 1, cols, rate_as="percent_number")
    r += 1
    for label, key in (("预期目标", "goal_expected"), ("实际完成情况", "goal_actual")):
        grid.put(r, 0, label, "label")
        grid.box(r, 1, last, f.get(key), "text")
        grid.heights[r] = 45
        r += 1
    r += 1
    heads = (
        "三级指标",
        "一级指标",
        "二级指标",
        "分值",
        "年度指标值",
        "实际完成值",
        "得分",
        "偏差原因分析及改进措施",
        "计量单位",
        "指标方向",
    )
    for k, h in enumerate(heads):
        grid.put(r, k, h, "label")
    r += 1
    for row in form.indicators:
        values = (
            (row.get("name"), "text"),
            (row.get("level1"), "center"),
            (row.get("level2"), "center"),
            (row.get("weight"), "num"),
            (row.get("target"), "center"),
            (row.get("actual"), value_fmt(row.get("actual"))),
            (row.get("score"), "num"),
            (row.get("deviation"), "text"),
            (row.get("unit"), "center"),
            (row.get("direction"), "center"),
        )
        for k, (v, fmt) in enumerate(values):
            grid.put(r, k, v, fmt)
        r += 1
    grid.put(r, 0, "合计", "label")
    grid.box(r, 1, 2, None, "text")
    grid.put(r, 3, round_score(form.weight_total), "num")
    grid.box(r, 4, 5, None, "text")
    grid.put(r, 6, round_score(form.total), "num")
    grid.box(r, 7, last, None, "text")
    r += 1
    grid.put(r, 0, "自评等级", "label")
    grid.box(r, 1, last, form.grade, "text")
    r += 1
    grid.put(r, 0, "存在问题及改进措施", "label")
    grid.box(r, 1, last, f.get("problems"), "text")
    grid.heights[r] = 45
    r += 1
    grid.put(r, 0, "填表人", "label")
    grid.box(r, 1, 2, f.get("filler"), "text")
    grid.put(r, 3, "联系电话", "label")
    grid.box(r, 4, 5, f.get("filler_phone"), "text")
    return [grid]
