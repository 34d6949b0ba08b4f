"""The knobs of the printed shape: each a shape seen on published forms, and how to tell a form
uses it. A description lists its knobs in `layout.knobs`; `knobs_present` finds them in the form
itself, so a list that claims a knob the form does not show is caught."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from synth.published.layout import LEVEL1, pairs, resolve

Form = Mapping[str, Any]
Lay = Mapping[str, Any]

_SPACED = re.compile(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]|\s[:：]")
_SUFFIX = re.compile(r"[（(]\s*\d+(?:\.\d+)?\s*分\s*[)）]")
_ODD_OPS = ("≧", "≦", "═", "＝", "＞", "＜")


def _keys(header: Any) -> list[str]:
    return [k for _, k in pairs(header)]


def _rows(form: Form, part: str) -> list[Mapping[str, Any]]:
    return list(form.get(part) or [])


def _level1s(form: Form) -> list[str]:
    return [str(r.get(LEVEL1) or "") for r in _rows(form, "indicators")]


def printed_labels(form: Form, lay: Lay) -> Iterator[str]:
    """Label text the form prints: field labels, header words, 一级/二级 cells, row labels."""
    yield from (str(v) for v in lay["field_labels"].values())
    for header in (lay["funds_header"], lay["indicator_header"]):
        yield from (p for p, _ in pairs(header))
    for row in _rows(form, "indicators"):
        yield from (str(row.get(k) or "") for k in (LEVEL1, "二级指标"))
    for row in _rows(form, "funds"):
        yield str(row.get("row_label") or "")


def _has_money(form: Form, lay: Lay) -> bool:
    info = (form.get("other_fields") or {}).get(lay["basic_info_key"]) or {}
    legacy = lay["style"] == "legacy_scoring" and any(isinstance(v, Mapping) for v in info.values())
    return bool(form.get("funds")) or legacy


def _national(lay: Lay) -> bool:
    return lay["style"] == "national2020"


def _has_satisfaction(form: Form) -> bool:
    return any("满意" in x for x in _level1s(form)) or any(
        "满意" in str(r.get("三级") or "") for r in _rows(form, "scoring_table")
    )


def _money_yuan(form: Form, lay: Lay) -> bool:
    texts = [str(lay["funds_side_label"] or ""), *map(str, lay["caption"] or [])]
    texts += [p for p, _ in pairs(lay["funds_header"])]
    return lay["money_unit"] == "元" and any(re.search(r"(?<!万)元", t) for t in texts)


def _legacy_mixed(form: Form, lay: Lay) -> bool:
    l1 = _level1s(form)
    return (
        _national(lay)
        and any(w in x for x in l1 for w in ("决策", "过程"))
        and any(w in x for x in l1 for w in ("产出", "效益"))
    )


def _cells(form: Form) -> Iterator[object]:
    for part in ("funds", "indicators"):
        for row in _rows(form, part):
            yield from row.values()


KNOBS: dict[str, tuple[str, Callable[[Form, Lay], bool]]] = {
    "title_with_year": (
        "form title with the year, 项目支出绩效自评表（2022年度） or a 2022年度… title",
        lambda f, lay: bool(re.search(r"20\d\d\s*年", f"{lay['title']}{lay['title_year']}")),
    ),
    "table_no": ("表号 such as 公开14表 in a corner", lambda f, lay: bool(lay["table_no"])),
    "blank_row_after_title": (
        "a blank row between title and table",
        lambda f, lay: bool(lay["blank_row_after_title"]),
    ),
    "caption_row": (
        "a line above the table: 部门：… | 单位：万元",
        lambda f, lay: bool(lay["caption"]),
    ),
    "odd_spacing": (
        "labels spaced out, '产 出 指 标', '项目名称 ：'",
        lambda f, lay: any(_SPACED.search(t) for t in printed_labels(f, lay)),
    ),
    "suffixed_labels": (
        "一级 labels carrying their weight, '产出指标（50分）'",
        lambda f, lay: any(_SUFFIX.search(x) for x in _level1s(f)),
    ),
    "header_block": (
        "项目名称 / 主管部门 / 实施单位 rows with merged value cells",
        lambda f, lay: any("project_name" in row for row in lay["header_rows"]),
    ),
    "funds_side_label": (
        "a tall merged side label 项目资金（万元）/（元） declaring the money unit",
        lambda f, lay: bool(lay["funds_side_label"]) and _has_money(f, lay),
    ),
    "goal_block": (
        "年度总体目标 with 预期目标 | 实际完成情况 as two wide merged cells",
        lambda f, lay: _national(lay) and bool(lay["goal"]) and len(lay["goal"]["header"]) == 2,
    ),
    "indicator_side_label": (
        "绩效指标 merged down the indicator block",
        lambda f, lay: bool(lay["indicator_side_label"]),
    ),
    "total_row": ("a 总分 row", lambda f, lay: lay["total_row"] is not False),
    "grade_row": ("a 自评等次 row", lambda f, lay: lay["grade_row"] is not False),
    "merged_levels": (
        "一级/二级 labels merged vertically over their rows",
        lambda f, lay: _national(lay) and lay["levels"] == "merged",
    ),
    "levels_every_row": (
        "一级/二级 repeated on every row",
        lambda f, lay: _national(lay) and lay["levels"] == "every_row",
    ),
    "levels_first_only": (
        "一级/二级 on the first row of their block only, not merged",
        lambda f, lay: _national(lay) and lay["levels"] == "first_only",
    ),
    "blank_row_inside_level1": (
        "an empty row inside one merged 一级 block (the merge spans it)",
        lambda f, lay: bool(lay["blank_row_inside_level1"]) and lay["levels"] == "merged",
    ),
    "placeholder_rows": (
        "empty template rows '指标2:' '……' left in",
        lambda f, lay: bool(lay["placeholder_rows"]),
    ),
    "breakdown_fund_rows": (
        "其中：… rows under a fund row",
        lambda f, lay: any(r.get("kind") == "breakdown" for r in _rows(f, "funds")),
    ),
    "breakdown_indicator_rows": (
        "其中：… rows under an indicator, with no 分值/得分",
        lambda f, lay: any(r.get("kind") == "breakdown" for r in _rows(f, "indicators")),
    ),
    "split_target_columns": (
        "指标性质 | 指标值 | 度量单位 in their own columns",
        lambda f, lay: {"指标性质", "度量单位"} <= set(_keys(lay["indicator_header"])),
    ),
    "two_row_indicator_header": (
        "a group header over sub-columns (年度指标值 over 指标性质|指标值|度量单位)",
        lambda f, lay: bool(lay["indicator_header_groups"]),
    ),
    "odd_comparators": (
        "comparators printed as ≧ ═ ≦",
        lambda f, lay: any(isinstance(v, str) and any(o in v for o in _ODD_OPS) for v in _cells(f)),
    ),
    "no_score_columns": (
        "no 分值 and no 得分 columns at all",
        lambda f, lay: (
            _national(lay) and not {"分值", "得分"} & set(_keys(lay["indicator_header"]))
        ),
    ),
    "score_without_indicator_weights": (
        "a 得分 column but no per-indicator 分值 (Hubei: 预算执行 20 + 绩效目标 80)",
        lambda f, lay: (
            "得分" in _keys(lay["indicator_header"])
            and "分值" not in _keys(lay["indicator_header"])
        ),
    ),
    "cut_short": (
        "the form stops early: no 满意度 block and no 总分 row",
        lambda f, lay: not _has_satisfaction(f) and lay["total_row"] is False,
    ),
    "notes_below": (
        "notes under the table, 填表说明：1. … / 注：…",
        lambda f, lay: any(re.match(r"\s*(填表说明|注|说明)", n) for n in lay["notes"]),
    ),
    "rows_after": (
        "其他需要说明事项 / 填表人 rows under the 总分",
        lambda f, lay: bool(lay["rows_after"]),
    ),
    "cover_sheet": (
        "a second sheet holding a 封面 with the unit and a date",
        lambda f, lay: (
            bool(lay["cover"])
            and any(str(f.get("unit") or "\0") in str(x) for x in lay["cover"].get("lines", []))
        ),
    ),
    "money_yuan": ("amounts printed in 元, the header says so", _money_yuan),
    "formula_cells": (
        "a live formula with its saved result, or a number shown with a % format",
        lambda f, lay: any(isinstance(v, dict) for v in _cells(f)),
    ),
    "legacy_mixed_blocks": (
        "legacy 决策/过程 一级 blocks mixed with 2020 产出/效益/满意度 blocks",
        _legacy_mixed,
    ),
    "funds_measures_as_rows": (
        "the funds printed turned: one row per 计划投资额/实际到位资金/实际使用情况, the sources "
        "across under 合计 | 其中：中央财政 …",
        lambda f, lay: (
            lay["style"] == "legacy_scoring"
            and lay["funds_orientation"] == "measures_as_rows"
            and any(
                isinstance(v, dict)
                for v in ((f.get("other_fields") or {}).get(lay["basic_info_key"]) or {}).values()
            )
        ),
    ),
    "legacy_scoring_table": (
        "the Hainan 20/25/55 评分表 with its 基本情况 block",
        lambda f, lay: lay["style"] == "legacy_scoring",
    ),
}


def knobs_present(form: Form) -> set[str]:
    """The knobs the printed form shows, whatever its `layout.knobs` says."""
    lay = resolve(form)
    return {name for name, (_, found) in KNOBS.items() if found(form, lay)}
