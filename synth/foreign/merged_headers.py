"""The layout with two-row merged headers and live SUM formulas with cached values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from synth.foreign.blocks import funds_rows, goal_block, round_score, title_block, value_fmt
from synth.foreign.form import Form, as_date, indicator_blocks, num
from synth.foreign.grid import Formula, Grid


def style_merged_headers(form: Form, opts: Mapping[str, Any]) -> list[Grid]:
    f = form.fields
    grid = Grid(opts.get("sheet_name", "项目自评表"))
    for c, w in enumerate((11, 13, 24, 8, 13, 13, 8, 8, 16, 16)):
        grid.widths[c] = w
    last = 9
    r = title_block(grid, form, 0, 0, last, year_in_title=bool(opts.get("year_in_title", False)))
    grid.put(r, 0, "项目名称", "label")
    grid.box(r, 1, 5, f.get("project_name"), "text")
    grid.box(r, 6, 7, "项目编码", "label")
    grid.box(r, 8, last, f.get("project_code"), "text")
    r += 1
    grid.put(r, 0, "主管部门", "label")
    grid.box(r, 1, 5, f.get("dept"), "text")
    grid.box(r, 6, 7, "实施单位", "label")
    grid.box(r, 8, last, f.get("unit"), "text")
    r += 1

    # funds header over two rows; amounts are live formulas where the template has them
    h = r
    grid.merge(h, 0, h + 1, 1, f"资金来源（{form.money_unit}）", "label")
    groups = (
        (2, 3, "预算数", ("年初预算数", "全年预算数")),
        (4, 5, "执行情况", ("全年执行数", "执行率")),
        (6, 7, "评分", ("分值", "得分")),
    )
    for c1, c2, top, subs in groups:
        grid.box(h, c1, c2, top, "label")
        grid.put(h + 1, c1, subs[0], "label")
        grid.put(h + 1, c2, subs[1], "label")
    grid.merge(h, 8, h + 1, last, "说明", "label")
    first = h + 2
    cols = {
        "label": 0,
        "label_to": 1,
        "initial": 2,
        "annual": 3,
        "executed": 4,
        "rate": 5,
        "weight": 6,
        "score": 7,
        "note": 8,
        "note_to": last,
    }
    funds_rows(grid, form, first, cols)
    top = form.funds[0]
    if top.computed:
        # a unit's own workbook often keeps SUM formulas; cache what Excel would show
        for key, c in (("initial", 2), ("annual", 3), ("executed", 4)):
            col = chr(ord("A") + c)
            grid.put(
                first,
                c,
                Formula(f"=SUM({col}{first + 2}:{col}{first + 4})", getattr(top, key)),
                "money",
            )
        rr = first + 1
        if num(top.rate) is not None:
            grid.put(first, 5, Formula(f"=IF(D{rr}>0,E{rr}/D{rr},0)", top.rate), "pct")
            grid.put(first, 7, Formula(f"=G{rr}*MIN(1,E{rr}/D{rr})", top.score), "num")
    r = first + 4
    r = goal_block(grid, form, r, 0, 5, last)

    h = r
    grid.box(h, 0, 2, "绩效指标", "label")
    for c, sub in enumerate(("一级指标", "二级指标", "三级指标")):
        grid.put(h + 1, c, sub, "label")
    grid.merge(h, 3, h + 1, 3, "计量单位", "label")
    grid.box(h, 4, 5, "指标值", "label")
    grid.put(h + 1, 4, "年度指标值", "label")
    grid.put(h + 1, 5, "实际完成值", "label")
    grid.box(h, 6, 7, "得分情况", "label")
    grid.put(h + 1, 6, "分值", "label")
    grid.put(h + 1, 7, "得分", "label")
    grid.merge(h, 8, h + 1, last, "偏差原因分析及改进措施", "label")
    r = h + 2
    first_ind = r
    for level1, level2s in indicator_blocks(form.indicators):
        s1 = r
        for level2, rows in level2s:
            s2 = r
            for row in rows:
                grid.put(r, 2, row.get("name"), "text")
                grid.put(r, 3, row.get("unit"), "center")
                grid.put(r, 4, row.get("target"), "center")
                grid.put(r, 5, row.get("actual"), value_fmt(row.get("actual")))
                grid.put(r, 6, row.get("weight"), "num")
                grid.put(r, 7, row.get("score"), "num")
                grid.box(r, 8, last, row.get("deviation"), "text")
                r += 1
            grid.merge(s2, 1, r - 1, 1, level2, "center")
        grid.merge(s1, 0, r - 1, 0, level1, "center")
    grid.box(r, 0, 5, "总分", "label")
    weight_f = f"=G{first + 1}+SUM(G{first_ind + 1}:G{r})"
    grid.put(r, 6, Formula(weight_f, round_score(form.weight_total)), "num")
    if form.total_computed:
        grid.put(r, 7, Formula(f"=H{first + 1}+SUM(H{first_ind + 1}:H{r})", form.total), "num")
    else:
        grid.put(r, 7, form.total, "num")
    grid.box(r, 8, last, None, "text")
    r += 1
    grid.box(r, 0, 5, "自评等次", "label")
    grid.box(r, 6, last, form.grade, "center")
    r += 1
    grid.put(r, 0, "存在问题及改进措施", "label")
    grid.box(r, 1, last, f.get("problems"), "text")
    grid.heights[r] = 45
    r += 1
    grid.put(r, 0, "填报人", "label")
    grid.box(r, 1, 2, f.get("filler"), "text")
    grid.put(r, 3, "联系电话", "label")
    grid.box(r, 4, 5, f.get("filler_phone"), "text")
    grid.box(r, 6, 7, "填报日期", "label")
    grid.box(r, 8, last, as_date(f.get("submit_date")), "date")
    return [grid]
