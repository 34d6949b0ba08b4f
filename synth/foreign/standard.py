"""The published national (附件1) arrangement, and the Anhui and letterhead layouts built on it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from synth.foreign.blocks import (
    SOURCE_LABELS,
    funds_rows,
    goal_block,
    round_score,
    title_block,
    value_fmt,
)
from synth.foreign.form import (
    Form,
    block_weight,
    cn_date,
    indicator_blocks,
    target_with_unit,
    weight_label,
)
from synth.foreign.grid import Grid


def _standard(
    grid: Grid,
    form: Form,
    *,
    r0: int = 0,
    c0: int = 0,
    year_in_title: bool = False,
    missing_words: bool | Sequence[str] = False,
    placeholders: bool = False,
    numbered_names: bool = False,
    with_notes: bool = False,
    with_codes: bool = False,
    with_grade: bool = False,
    with_footer: bool = False,
    footnote: bool = False,
    side_label: str = "项目资金（万元）",
    source_labels: Sequence[str] = SOURCE_LABELS,
    dash: str = "—",
) -> int:
    """The 附件1 arrangement (Anhui-published shape), ten columns wide from (r0, c0)."""
    last = c0 + 9
    for c, w in enumerate((9, 17, 14, 26, 12, 12, 8, 9, 14, 14)):
        grid.widths[c0 + c] = w
    r = title_block(grid, form, r0, c0, last, year_in_title=year_in_title)
    f = form.fields
    grid.box(r, c0, c0 + 1, "项目名称", "label")
    grid.box(r, c0 + 2, last, f.get("project_name"), "text")
    r += 1
    grid.box(r, c0, c0 + 1, "主管部门", "label")
    grid.box(r, c0 + 2, c0 + 4, f.get("dept"), "text")
    grid.box(r, c0 + 5, c0 + 6, "实施单位", "label")
    grid.box(r, c0 + 7, last, f.get("unit"), "text")
    r += 1
    if with_codes:
        grid.box(r, c0, c0 + 1, "项目编码", "label")
        grid.box(r, c0 + 2, c0 + 4, f.get("project_code"), "text")
        grid.box(r, c0 + 5, c0 + 6, "单位编码", "label")
        grid.box(r, c0 + 7, last, f.get("unit_code"), "text")
        r += 1

    # funds: the side label is merged down the header and the four rows
    grid.merge(r, c0, r + 4, c0, side_label, "label")
    grid.put(r, c0 + 1, None, "label")
    heads = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
    for k, h in enumerate(heads):
        grid.put(r, c0 + 2 + k, h, "label")
    if with_notes:
        grid.box(r, c0 + 8, last, "备注", "label")
    else:
        grid.box(r, c0 + 8, last, None, "label")
    cols = {
        "label": c0 + 1,
        "initial": c0 + 2,
        "annual": c0 + 3,
        "executed": c0 + 4,
        "weight": c0 + 5,
        "rate": c0 + 6,
        "score": c0 + 7,
    }
    if with_notes:
        cols |= {"note": c0 + 8, "note_to": last}
    r = funds_rows(grid, form, r + 1, cols, labels=source_labels, dash=dash)
    if not with_notes:
        for k in range(4):
            grid.box(r - 4 + k, c0 + 8, last, None, "text")

    r = goal_block(grid, form, r, c0, c0 + 5, last)

    # indicators: "绩效指标" merged down the whole block, 一级 and 二级 merged per run
    header = r
    for k, h in enumerate(
        ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")
    ):
        grid.put(r, c0 + 1 + k, h, "label")
    grid.box(r, c0 + 8, last, "偏差原因分析及改进措施", "label")
    r += 1
    for level1, level2s in indicator_blocks(form.indicators):
        start1 = r
        for level2, rows in level2s:
            start2 = r
            for k, row in enumerate(rows, 1):
                name = row.get("name")
                if numbered_names:
                    name = f"指标{k}:{name or ''}"
                grid.put(r, c0 + 3, name, "text")
                grid.put(r, c0 + 4, target_with_unit(row), "center")
                grid.put(r, c0 + 5, row.get("actual"), value_fmt(row.get("actual")))
                grid.put(r, c0 + 6, row.get("weight"), "num")
                grid.put(r, c0 + 7, row.get("score"), "num")
                grid.box(r, c0 + 8, last, row.get("deviation"), "text")
                r += 1
            if placeholders:
                # the published form keeps the empty template rows it did not use
                extra = [f"指标{len(rows) + 1}:"] if len(rows) < 2 else []
                for text in [*extra, "……"]:
                    grid.put(r, c0 + 3, text, "text")
                    for c in range(c0 + 4, c0 + 8):
                        grid.put(r, c, None, "center")
                    grid.box(r, c0 + 8, last, None, "text")
                    r += 1
            grid.merge(start2, c0 + 2, r - 1, c0 + 2, level2, "center")
        weight = weight_label(block_weight(level2s))
        drop = missing_words is True or (
            not isinstance(missing_words, bool) and level1 in missing_words
        )
        words = "" if drop else level1
        grid.merge(start1, c0 + 1, r - 1, c0 + 1, f"{words}({weight}分)", "center")
    grid.merge(header, c0, r - 1, c0, "绩效指标", "label")

    grid.box(r, c0, c0 + 5, "总分", "label")
    grid.put(r, c0 + 6, round_score(form.weight_total), "num")
    grid.put(r, c0 + 7, round_score(form.total), "num")
    grid.box(r, c0 + 8, last, None, "text")
    r += 1
    if with_grade:
        grid.box(r, c0, c0 + 5, "自评等次", "label")
        grid.box(r, c0 + 6, last, form.grade, "center")
        r += 1
        grid.box(r, c0, c0 + 1, "存在问题及改进措施", "label")
        grid.box(r, c0 + 2, last, f.get("problems"), "text")
        grid.heights[r] = 45
        r += 1
    if with_footer:
        grid.box(r, c0, c0 + 1, "填报人", "label")
        grid.box(r, c0 + 2, c0 + 3, f.get("filler"), "text")
        grid.box(r, c0 + 4, c0 + 5, "联系电话", "label")
        grid.box(r, c0 + 6, c0 + 7, f.get("filler_phone"), "text")
        grid.put(r, c0 + 8, "填报日期", "label")
        grid.put(r, last, cn_date(f.get("submit_date")), "text")
        r += 1
    if footnote:
        grid.box(
            r,
            c0,
            last,
            "注:1.一级指标分值统一设置为:产出指标50分、效益指标30分、服务对象满意度指标10分、"
            "预算资金执行率10分。如有特殊情况，一级指标权重可做适当调整。"
            "2.定量指标完成指标值的得满分，未完成的按比例得分。",
            "note",
        )
        grid.heights[r] = 30
        r += 1
    return r


def style_anhui(form: Form, opts: Mapping[str, Any]) -> list[Grid]:
    grid = Grid(opts.get("sheet_name", "Sheet1"))
    _standard(
        grid,
        form,
        year_in_title=bool(opts.get("year_in_title", False)),
        missing_words=opts.get("missing_level1_words", False),
        placeholders=True,
        numbered_names=True,
        side_label=f"项目资金（{form.money_unit}）",
        source_labels=("年度资金总额:", "其中:本年财政拨款", "上年结转资金", "其他资金"),
        dash="-",
        footnote=True,
    )
    return [grid]


def style_title_rows(form: Form, opts: Mapping[str, Any]) -> list[Grid]:
    f = form.fields
    info = Grid("基本信息")
    info.widths |= {0: 22, 1: 40}
    info.box(0, 0, 1, "单位基本信息", "title")
    rows = (
        ("单位名称", f.get("unit")),
        ("单位编码", f.get("unit_code")),
        ("主管部门", f.get("dept")),
        ("单位性质", "公益一类事业单位"),
        ("编制人数", 36),
        ("在职人数", 33),
        ("办公地址", "临江市滨江大道88号"),
    )
    for i, (k, v) in enumerate(rows, 2):
        info.put(i, 0, k, "label")
        info.put(i, 1, v, "text" if isinstance(v, str) else "num")

    grid = Grid(opts.get("sheet_name", "绩效自评表"))
    c0 = 1
    grid.widths[0] = 3
    grid.box(0, c0, c0 + 9, f.get("dept"), "plain_bold")
    grid.box(1, c0, c0 + 5, f"填报单位（盖章）：{f.get('unit') or ''}", "plain")
    grid.box(1, c0 + 7, c0 + 9, f"金额单位：{form.money_unit}", "corner")
    grid.box(2, c0, c0 + 9, f"填报日期：{cn_date(f.get('submit_date'))}", "plain")
    # row 3 stays blank, as letterheads usually leave it
    _standard(
        grid,
        form,
        r0=4,
        c0=c0,
        year_in_title=bool(opts.get("year_in_title", False)),
        with_notes=True,
        with_codes=True,
        with_grade=True,
        with_footer=True,
        side_label="项目资金",
    )
    return [info, grid]
