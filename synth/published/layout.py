"""The `layout` object of a printed-form description: its keys, their defaults, and resolving them.

Header lists pair the words printed in a header cell with the key the row dicts use for that
column: [["年初预算数（A）", "年初预算数"], ["执行率（B/A）", "执行率"], ...]. A bare string is its own
key. Everything else is a knob of the printed shape; `resolve` fills what a description leaves out
with the national 附件1 form, so a description states only how its form differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NATIONAL_FUNDS_HEADER = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
NATIONAL_INDICATOR_HEADER = (
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    ["偏差原因分析及改进措施", "偏差原因"],
)
LEGACY_SCORING_HEADER = (
    ["一级指标", "一级"],
    ["分值", "一级分值"],
    ["二级指标", "二级"],
    ["分值", "二级分值"],
    ["三级指标", "三级"],
    ["分值", "三级分值"],
    "得分",
)
FIELD_LABELS = {
    "project_name": "项目名称",
    "department": "主管部门",
    "unit": "实施单位",
    "fiscal_year": "年度",
}
LEVEL1, LEVEL2, LEVEL3 = "一级指标", "二级指标", "三级指标"

DEFAULTS: dict[str, Any] = {
    "style": "national2020",  # or "legacy_scoring" (the Hainan 20/25/55 评分表)
    "knobs": [],  # the knobs of KNOBS this form uses (checked against the form by knobs.py)
    "sheet_name": "Sheet1",
    "table_no": None,  # 表号 such as "公开14表"
    "table_no_position": "corner",  # "corner" (right end of the title row) or "above"
    "title": "项目支出绩效自评表",
    "title_year": None,  # a second title line, "（2022年度）"
    "blank_row_after_title": False,
    "caption": None,  # [left, right] between title and table: ["部门：…", "单位：万元"]
    "field_labels": {},  # project_name/department/unit → printed label ("专项资金名称", …)
    "header_rows": [["project_name"], ["department", "unit"]],
    "header_label_cols": 1,  # columns a header label spans
    "funds_side_label": "项目资金（万元）",  # merged down the funds block; None: no side label
    "funds_corner": None,  # printed above the row labels in the funds header
    "funds_header": list(NATIONAL_FUNDS_HEADER),
    "goal": {"label": "年度总体目标", "header": ["预期目标", "实际完成情况"]},  # False: no block
    "indicator_side_label": None,  # "绩效指标" merged down the indicator block
    "indicator_header": list(NATIONAL_INDICATOR_HEADER),
    "indicator_header_groups": [],  # [[printed, first_key, last_key]]: a two-row header
    "levels": "merged",  # 一级/二级 cells: "merged", "every_row" or "first_only"
    "placeholder_rows": [],  # empty template rows after each 二级 group: ["指标2:", "……"]
    "blank_row_inside_level1": None,  # {"after": 三级 name} (or true): an empty row in a merge
    "total_row": None,  # None: printed when total_score_reported is; False; or {"label": …}
    "grade_row": None,  # None: printed when grade_reported is; False; or {"label": …}
    "rows_after": [],  # other_fields keys or [label, value] rows under the table
    "notes": [],  # lines under the table: "注：…", "填表说明：1. …"
    "cover": None,  # {"sheet_name": "封面", "position": "second", "lines": [...]}
    "money_unit": "万元",  # what the printed amounts are in ("元" when the form says so)
    "width": 0,  # a minimum table width in columns
    # legacy_scoring only
    "basic_info_key": "一、项目基本情况",  # other_fields entry printed as the basic block
    "funds_orientation": "measures_as_rows",  # or "sources_as_rows" (the template's)
    "scoring_heading": "二、绩效评价指标评分",
    "scoring_header": list(LEGACY_SCORING_HEADER),
}


def pairs(header: Any) -> list[tuple[str, str]]:
    """[["执行率（B/A）", "执行率"], "得分"] -> [("执行率（B/A）", "执行率"), ("得分", "得分")]."""
    out = []
    for h in header or ():
        if isinstance(h, str):
            out.append((h, h))
        else:
            printed, key = h
            out.append((str(printed), str(key)))
    return out


def resolve(form: Mapping[str, Any]) -> dict[str, Any]:
    """The form's layout with every key present (defaults for what it leaves out)."""
    given = dict(form.get("layout") or {})
    unknown = set(given) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown layout keys: {sorted(unknown)}")
    out = {**DEFAULTS, **given}
    out["field_labels"] = {**FIELD_LABELS, **(given.get("field_labels") or {})}
    if out["total_row"] is None:
        out["total_row"] = form.get("total_score_reported") is not None
    if out["grade_row"] is None:
        out["grade_row"] = form.get("grade_reported") is not None
    for key in ("total_row", "grade_row"):
        if out[key] is True:
            out[key] = {}
    if out["goal"] is True:
        out["goal"] = dict(DEFAULTS["goal"])
    return out
