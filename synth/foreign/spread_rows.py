"""The layout with each indicator over two rows, blank separators and hidden template rows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from synth.foreign.blocks import funds_rows, goal_block, round_score, title_block, value_fmt
from synth.foreign.form import Form, cn_date, indicator_blocks, target_with_unit
from synth.foreign.grid import Grid


def _split_deviation(text: object) -> tuple[object, object]:
    """A long explanation typed over two rows: break after a comma near the middle."""
    if not isinstance(text, str) or len(text) < 16:
        return text, None
    mid = len(text) // 2
    cuts = [m.end() for m in re.finditer(r"[，；。,;]", text) if 0 < m.end() < len(text)]
    if not cuts:
        return text[:mid], text[mid:]
    cut = min(cuts, key=lambda x: abs(x - mid))
    return text[:cut], text[cut:]


def style_spread_rows(form: Form, opts: Mapping[str, Any]) -> list[Grid]:
    f = form.fields
    grid = Grid(opts.get("sheet_name", "自评表"))
    for c, w in enumerate((11, 14, 24, 12, 12, 7, 7, 18, 18)):
        grid.widths[c] = w
    last = 8
    r = title_block(grid, form, 0, 0, last, year_in_title=bool(opts.get("year_in_title", True)))
    grid.put(r, 0, "项目名称", "label")
    grid.box(r, 1, 4, f.get("project_name"), "text")
    grid.box(r, 5, 6, "项目编码", "label")
    grid.box(r, 7, last, f.get("project_code"), "text")
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
    grid.put(r, last, "说明", "label")
    cols = {
        "label": 1,
        "initial": 2,
        "annual": 3,
        "executed": 4,
        "weight": 5,
        "rate": 6,
        "score": 7,
        "note": 8,
    }
    r = funds_rows(grid, form, r + 1, cols)
    r = goal_block(grid, form, r, 0, 4, last)
    for k, h in enumerate(
        ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")
    ):
        grid.put(r, k, h, "label")
    grid.box(r, 7, last, "偏差原因分析及改进措施", "label")
    r += 1
    blocks = indicator_blocks(form.indicators)
    for b, (level1, level2s) in enumerate(blocks):
        s1 = r
        for level2, rows in level2s:
            s2 = r
            for row in rows:
                # each indicator takes two rows: values on the first, the reason runs on
                grid.merge(r, 2, r + 1, 2, row.get("name"), "text")
                grid.put(r, 3, target_with_unit(row), "center")
                grid.put(r, 4, row.get("actual"), value_fmt(row.get("actual")))
                grid.put(r, 5, row.get("weight"), "num")
                grid.put(r, 6, row.get("score"), "num")
                first_line, rest = _split_deviation(row.get("deviation"))
                grid.box(r, 7, last, first_line, "text")
                for c in (3, 4, 5, 6):
                    grid.put(r + 1, c, None, "center")
                grid.box(r + 1, 7, last, rest, "text")
                r += 2
            grid.merge(s2, 1, r - 1, 1, level2, "center")
        grid.merge(s1, 0, r - 1, 0, level1, "center")
        if level1 == "效益指标":
            # template rows the unit did not need, hidden rather than deleted
            for k in range(2):
                grid.put(r, 0, level1, "center")
                grid.put(r, 1, "生态效益指标", "center")
                grid.put(r, 2, f"指标{k + 1}：", "text")
                grid.hidden_rows.add(r)
                r += 1
        if b < len(blocks) - 1:
            r += 1  # a blank separator row between 一级 blocks
    grid.box(r, 0, 4, "总分", "label")
    grid.put(r, 5, round_score(form.weight_total), "num")
    grid.put(r, 6, round_score(form.total), "num")
    grid.box(r, 7, last, None, "text")
    r += 1
    grid.box(r, 0, 4, "自评等次", "label")
    grid.box(r, 5, last, form.grade, "center")
    r += 1
    grid.put(r, 0, "存在问题及改进措施", "label")
    grid.box(r, 1, last, f.get("problems"), "text")
    grid.heights[r] = 45
    r += 1
    grid.put(r, 0, "填报人", "label")
    grid.box(r, 1, 2, f.get("filler"), "text")
    grid.put(r, 3, "联系电话", "label")
    grid.box(r, 4, 5, f.get("filler_phone"), "text")
    grid.put(r, 6, "填报日期", "label")
    grid.box(r, 7, last, cn_date(f.get("submit_date")), "text")
    return [grid]
