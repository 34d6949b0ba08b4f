"""Synthetic 部门整体支出绩效自评表 workbooks (department2020): a clean filled template, and the
form as a department's own Excel prints it (title rows, merged 一级 cells, notes under it)."""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from synth.foreign.grid import Grid
from synth.foreign.writer import _write_xlsx

PROFILE = "department2020"

_EXAMPLE: dict[str, Any] = {
    "file": "临江市教育局_部门整体支出绩效自评_2024.xlsx",
    "profile": PROFILE,
    "layout": "template",
    "fields": {
        "fiscal_year": 2024,
        "submit_date": "2025-03-10",
        "dept": "临江市教育局",
        "dept_code": "301",
        "filler": "李文静",
        "filler_phone": "0731-88120301",
        "goal_expected": "保障全市中小学正常运转，完成30所学校校舍维修改造，培训教师5000人次，"
        "义务教育巩固率不低于98%，学生家长满意度不低于90%。",
        "goal_actual": "全年保障112所中小学正常运转，完成32所学校校舍维修改造，培训教师5230人次，"
        "义务教育巩固率99.1%，问卷调查显示学生家长满意度94%。",
        "problems": "教育信息化管理机制尚在完善，下一年度将出台数据共享办法。",
    },
    "tables": {
        # 资金总额 and 基本支出 are the template's sums: the department fills the three lines
        "funds": [
            {},
            {},
            {"initial_budget": 3200.0, "annual_budget": 3350.0, "executed": 3342.6},
            {"initial_budget": 480.0, "annual_budget": 500.0, "executed": 486.2},
            {
                "initial_budget": 1800.0,
                "annual_budget": 2150.0,
                "executed": 2046.5,
                "note": "年中追加校舍维修资金350万元（临财教〔2024〕41号），结余为工程结算审减。",
            },
        ],
        "indicators": [
            {
                "level1": "产出指标",
                "level2": "数量指标",
                "name": "校舍维修改造学校数",
                "direction": "正向",
                "target": "≥30",
                "unit": "所",
                "actual": 32,
                "weight": 15,
                "score": 15,
            },
            {
                "level1": "产出指标",
                "level2": "数量指标",
                "name": "中小学教师培训人次",
                "direction": "正向",
                "target": "≥5000",
                "unit": "人次",
                "actual": 5230,
                "weight": 10,
                "score": 10,
            },
            {
                "level1": "产出指标",
                "level2": "质量指标",
                "name": "教师培训覆盖率",
                "direction": "正向",
                "target": "≥95%",
                "unit": "%",
                "actual": "97.5%",
                "weight": 10,
                "score": 10,
            },
            {
                "level1": "产出指标",
                "level2": "时效指标",
                "name": "学生资助资金按时发放率",
                "direction": "正向",
                "target": "100%",
                "unit": "%",
                "actual": "100%",
                "weight": 10,
                "score": 10,
            },
            {
                "level1": "效益指标",
                "level2": "社会效益指标",
                "name": "义务教育巩固率",
                "direction": "正向",
                "target": "≥98%",
                "unit": "%",
                "actual": "99.1%",
                "weight": 15,
                "score": 15,
            },
            {
                "level1": "效益指标",
                "level2": "可持续影响指标",
                "name": "教育信息化管理机制建设",
                "direction": "定性",
                "target": "达成年度指标",
                "actual": "达成年度指标",
                "weight": 10,
                "score": 9,
                "deviation": "数据共享办法尚未出台，扣1分；下一年度出台并试行。",
            },
            {
                "level1": "管理效率",
                "level2": "资产管理",
                "name": "政府采购执行率",
                "direction": "正向",
                "target": "≥95%",
                "unit": "%",
                "actual": "98%",
                "weight": 10,
                "score": 10,
            },
            {
                "level1": "满意度指标",
                "level2": "服务对象满意度指标",
                "name": "学生家长满意度",
                "direction": "正向",
                "target": "≥90%",
                "unit": "%",
                "actual": "94%",
                "weight": 10,
                "score": 10,
                "deviation": "发放问卷调查1200份，回收1150份，满意及较满意1081份。",
            },
        ],
    },
}

# the example's figures, as the form's sums and a reader give them
EXPECTED = {
    "annual_budget": 6000.0,
    "initial_budget": 5480.0,
    "executed": 5875.3,
    "basic_budget": 3850.0,
    "basic_executed": 3828.8,
    "rate": 5875.3 / 6000 * 100,
    "exec_score": 10 * 5875.3 / 6000,
    "total": 10 * 5875.3 / 6000 + 89,
    "grade": "优",
    "indicators": 8,
}


def department_example() -> dict[str, Any]:
    """A clean, consistent department2020 form: the base that tests change one cell at a time."""
    return copy.deepcopy(_EXAMPLE)


# ------------------------------------------------------------------ the form as departments print it


def _lines(sample: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, amounts) of each funds line, the sums worked out as the form's own would be."""
    rows = sample["tables"]["funds"]
    personnel, public, project = (dict(rows[i]) for i in (2, 3, 4))

    def add(*parts: dict[str, Any]) -> dict[str, Any]:
        return {
            m: round(sum(float(p.get(m) or 0) for p in parts), 2)
            for m in ("initial_budget", "annual_budget", "executed")
        }

    basic = {**add(personnel, public), **rows[1]}
    total = {**add(basic, project), **rows[0]}
    return [
        ("年度资金总额", total),
        ("其中：财政拨款", {k: v for k, v in total.items() if k != "note"}),  # 按收入性质分
        ("基本支出", basic),
        ("  其中：人员经费", personnel),
        ("        公用经费", public),
        ("项目支出", project),
    ]


def _rate(line: Mapping[str, Any]) -> float | None:
    budget, spent = line.get("annual_budget"), line.get("executed")
    if not budget:
        return None
    return round(float(spent or 0) / float(budget), 4)


def render_department(sample: Mapping[str, Any]) -> Grid:
    """The sheet of a department's own workbook: no perfxl names, a title over two rows, the
    funds block with its side label, the 一级/二级 categories merged down their rows, the 总分
    and 自评等次 rows, and a 填表说明 under it all. Options in `sample["foreign"]`:
    `sheet_name`, `title`."""
    f = sample["fields"]
    opts = sample.get("foreign", {})
    grid = Grid(opts.get("sheet_name", "Sheet1"))
    for c, w in enumerate((12, 13, 22, 12, 12, 12, 8, 9, 8, 24)):
        grid.widths[c] = w
    last = 9
    title = opts.get("title", f"{f.get('fiscal_year')}年度部门整体支出绩效自评表")
    grid.box(0, 0, last, title, "title")
    grid.box(1, 0, last, f"填报单位（盖章）：{f.get('dept')}            单位：万元", "subtitle")
    r = 2
    grid.put(r, 0, "部门名称", "label")
    grid.box(r, 1, 3, f.get("dept"), "text")
    grid.put(r, 4, "联系人", "label")
    grid.put(r, 5, f.get("filler"), "text")
    grid.box(r, 6, 7, "联系电话", "label")
    grid.box(r, 8, last, f.get("filler_phone"), "text")

    # funds: a side label down column A, the line labels in B
    r = 3
    lines = _lines(sample)
    grid.merge(r, 0, r + len(lines), 0, "年度预算执行情况（万元）", "label")
    for c, head in enumerate(
        (
            "项目",
            "年初预算数",
            "全年预算数（A）",
            "全年执行数（B）",
            "分值",
            "执行率（B/A）",
            "得分",
        ),
        start=1,
    ):
        grid.put(r, c, head, "label")
    grid.box(r, 8, last, "说明", "label")
    weight = sample["tables"]["funds"][0].get("weight", 10)
    exec_score = round(weight * min(1.0, _rate(lines[0][1]) or 0), 2)
    for i, (label, line) in enumerate(lines, start=1):
        row = r + i
        grid.put(row, 1, label, "text")
        for c, key in ((2, "initial_budget"), (3, "annual_budget"), (4, "executed")):
            grid.put(row, c, line.get(key), "money")
        grid.put(row, 6, _rate(line), "pct")
        if i == 1:
            grid.put(row, 5, weight, "num")
            grid.put(row, 7, exec_score, "num")
        else:
            grid.put(row, 5, "—", "center")
            grid.put(row, 7, "—", "center")
        grid.box(row, 8, last, line.get("note"), "text")
    r += len(lines) + 1

    # the year's overall goal
    grid.merge(r, 0, r + 1, 0, "年度总体目标", "label")
    grid.box(r, 1, 4, "预期目标", "label")
    grid.box(r, 5, last, "实际完成情况", "label")
    grid.box(r + 1, 1, 4, f.get("goal_expected"), "text")
    grid.box(r + 1, 5, last, f.get("goal_actual"), "text")
    grid.heights[r + 1] = 60
    r += 2

    # indicators: 一级 and 二级 merged down their runs of rows
    for c, head in enumerate(
        ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "计量单位", "分值", "得分")
    ):
        grid.put(r, c, head, "label")
    grid.box(r, 8, last, "偏差原因分析及改进措施", "label")
    first = r + 1
    inds = sample["tables"]["indicators"]
    for i, ind in enumerate(inds):
        row = first + i
        grid.put(row, 2, ind.get("name"), "text")
        grid.put(row, 3, ind.get("target"), "center")
        grid.put(row, 4, ind.get("actual"), "center")
        grid.put(row, 5, ind.get("unit"), "center")
        grid.put(row, 6, ind.get("weight"), "num")
        grid.put(row, 7, ind.get("score"), "num")
        grid.box(row, 8, last, ind.get("deviation"), "text")
    for col, key in ((0, "level1"), (1, "level2")):
        start = 0
        for i in range(1, len(inds) + 1):
            same = i < len(inds) and all(
                inds[i].get(k) == inds[start].get(k) for k in ("level1", "level2")[: col + 1]
            )
            if same:
                continue
            grid.merge(first + start, col, first + i - 1, col, inds[start].get(key), "center")
            start = i
    r = first + len(inds)

    total_weight = weight + sum(float(i.get("weight") or 0) for i in inds)
    total = round(exec_score + sum(float(i.get("score") or 0) for i in inds), 2)
    grid.box(r, 0, 5, "总分", "label")
    grid.put(r, 6, total_weight, "num")
    grid.put(r, 7, f.get("total_reported", total), "num")
    grid.box(r, 8, last, None, "text")
    r += 1
    grid.box(r, 0, 5, "自评等次", "label")
    grid.box(r, 6, last, f.get("grade_reported", "优"), "center")
    r += 1
    grid.box(r, 0, 1, "存在问题及改进措施", "label")
    grid.box(r, 2, last, f.get("problems"), "text")
    r += 2
    for text in (
        "填表说明：1. 本表由部门（单位）填报，金额单位为万元。",
        "2. 基本支出含人员经费和公用经费；资金总额 = 基本支出 + 项目支出。",
        "3. 预算执行率分值10分，绩效指标合计90分。",
    ):
        grid.box(r, 0, last, text, "note")
        r += 1
    return grid


def build_foreign_department(sample: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write `sample` (a department2020 sample) as a department's own workbook, atomically."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".perfxl-", suffix=".xlsx", dir=path.parent or ".")
    os.close(fd)
    try:
        _write_xlsx([render_department(sample)], tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


__all__ = ["EXPECTED", "build_foreign_department", "department_example", "render_department"]
