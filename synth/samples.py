"""Synthetic filled workbooks from plain data: the factory behind samples, tests and benchmarks."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from perfxl.report.template import write_template
from perfxl.spec import get_profile

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def load_sample(path: str | os.PathLike[str]) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _dates(profile_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """ISO date strings in date fields become real dates, as Excel stores a typed date."""
    profile = get_profile(profile_id)
    out = dict(fields)
    for _, f in profile.fields():
        v = out.get(f.key)
        if f.kind == "date" and isinstance(v, str) and _ISO_DATE.match(v):
            out[f.key] = dt.date.fromisoformat(v)
    return out


def build_template_workbook(sample: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Fill the standard template of `sample["profile"]` with the sample's fields and tables."""
    profile_id = sample["profile"]
    data = {
        "fields": _dates(profile_id, sample.get("fields", {})),
        "tables": sample.get("tables", {}),
    }
    return write_template(profile_id, path, data)


def build_sample(sample: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write a sample in its layout: the standard template, or a foreign arrangement of the form."""
    layout = sample.get("layout", "template")
    if layout == "template":
        return build_template_workbook(sample, path)
    if sample.get("profile") == "department2020":
        from synth.department import build_foreign_department

        return build_foreign_department(sample, path)
    from synth.foreign import build_foreign_workbook

    return build_foreign_workbook(sample, path)


def national_example() -> dict[str, Any]:
    """A clean, realistic national2020 project: the base that tests change one cell at a time."""
    return {
        "file": "临江市第一中学_学生营养改善计划_2024.xlsx",
        "profile": "national2020",
        "layout": "template",
        "title": "学生营养改善计划（临江市第一中学）",
        "fields": {
            "fiscal_year": 2024,
            "project_name": "学生营养改善计划",
            "project_code": "2024-JY-001",
            "dept": "临江市教育局",
            "unit": "临江市第一中学",
            "unit_code": "301001",
            "submit_date": "2025-02-20",
            "goal_expected": "为在校1200名学生提供营养午餐，改善学生营养状况，学生满意度不低于90%。",
            "goal_actual": "全年为1210名学生提供营养午餐，学生体质测试合格率提升，满意度调查显示满意度96%。",
            "problems": "无",
            "filler": "王晓梅",
            "filler_phone": "0731-88123456",
        },
        "tables": {
            "funds": [
                {},
                {
                    "initial_budget": 280.0,
                    "annual_budget": 300.0,
                    "executed": 294.6,
                    "note": "年中追加20万元（临财教〔2024〕35号），结余5.4万元为食材集中采购节约。",
                },
                {"initial_budget": 0, "annual_budget": 0, "executed": 0},
                {"initial_budget": 0, "annual_budget": 0, "executed": 0},
            ],
            "indicators": [
                {
                    "level1": "产出指标",
                    "level2": "数量指标",
                    "name": "受益学生人数",
                    "direction": "正向",
                    "target": "≥1200",
                    "unit": "人",
                    "actual": 1210,
                    "weight": 20,
                    "score": 20,
                },
                {
                    "level1": "产出指标",
                    "level2": "质量指标",
                    "name": "食品安全抽检合格率",
                    "direction": "正向",
                    "target": "100%",
                    "unit": "%",
                    "actual": "100%",
                    "weight": 10,
                    "score": 10,
                },
                {
                    "level1": "产出指标",
                    "level2": "时效指标",
                    "name": "营养餐按时供应率",
                    "direction": "正向",
                    "target": "≥98%",
                    "unit": "%",
                    "actual": "99.2%",
                    "weight": 10,
                    "score": 10,
                },
                {
                    "level1": "产出指标",
                    "level2": "成本指标",
                    "name": "生均每餐补助标准",
                    "direction": "反向",
                    "target": "≤5",
                    "unit": "元",
                    "actual": 5,
                    "weight": 10,
                    "score": 10,
                },
                {
                    "level1": "效益指标",
                    "level2": "社会效益指标",
                    "name": "学生体质健康测试合格率",
                    "direction": "正向",
                    "target": "≥90%",
                    "unit": "%",
                    "actual": "92.5%",
                    "weight": 15,
                    "score": 15,
                },
                {
                    "level1": "效益指标",
                    "level2": "可持续影响指标",
                    "name": "营养改善长效机制建立情况",
                    "direction": "定性",
                    "target": "达成年度指标",
                    "actual": "达成年度指标",
                    "weight": 15,
                    "score": 14,
                    "deviation": "食堂管理制度已修订，但家校共管机制尚在试行，扣1分。",
                },
                {
                    "level1": "满意度指标",
                    "level2": "服务对象满意度指标",
                    "name": "学生及家长满意度",
                    "direction": "正向",
                    "target": "≥90%",
                    "unit": "%",
                    "actual": "96%",
                    "weight": 10,
                    "score": 10,
                    "deviation": "发放问卷调查600份，回收582份，满意及较满意559份。",
                },
            ],
        },
    }
