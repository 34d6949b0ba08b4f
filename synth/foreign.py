"""Render a national2020 sample in the non-template layouts units really send (foreign workbooks)."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfxl.spec import a1

STYLES = ("anhui", "yunnan", "columns_moved", "title_rows", "merged_headers", "spread_rows", "xls")

# Labels every style must print somewhere; the tests look for them in the written workbook.
KEY_LABELS = ("年度资金总额", "全年预算数", "年度指标值", "指标值", "实际完成值")

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ---------------------------------------------------------------- the form as plain values


@dataclass(slots=True)
class _FundRow:
    initial: object
    annual: object
    executed: object
    weight: object
    rate: object  # a fraction (0.9765), a text the unit typed, or None for a blank cell
    score: object
    note: object
    computed: bool  # amounts, rate and score are the template's formulas, not typed values


@dataclass(slots=True)
class _Form:
    fields: dict[str, Any]
    year: int | None
    funds: list[_FundRow]
    indicators: list[dict[str, Any]]
    weight_total: float
    total: object
    total_computed: bool
    grade: object
    money_unit: str
    factor: float  # multiply 万元 amounts by this for the printed unit


def _num(v: object) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    return None


def _grade(total: float) -> str:
    if total >= 90:
        return "优"
    if total >= 80:
        return "良"
    if total >= 60:
        return "中"
    return "差"


def _form(sample: Mapping[str, Any]) -> _Form:
    """Resolve the sample the way the template's formulas would: typed values win over formulas."""
    opts: Mapping[str, Any] = sample.get("foreign", {})
    fields = dict(sample.get("fields", {}))
    tables: Mapping[str, Any] = sample.get("tables", {})
    money_unit = opts.get("money_unit", "元" if opts.get("style") == "yunnan" else "万元")
    factor = 10000.0 if money_unit == "元" else 1.0

    given = [dict(r or {}) for r in tables.get("funds", [])]
    given += [{} for _ in range(4 - len(given))]
    funds: list[_FundRow] = []
    for i, row in enumerate(given[:4]):
        amounts: dict[str, object] = {}
        for key in ("initial_budget", "annual_budget", "executed"):
            if key in row or i > 0:
                amounts[key] = row.get(key)
            else:
                nums = [_num(r.get(key)) for r in given[1:4]]
                amounts[key] = sum(x for x in nums if x is not None)
        annual, executed = _num(amounts["annual_budget"]), _num(amounts["executed"])
        calc_rate = executed / annual if annual and executed is not None else None
        weight: object = row.get("weight", 10 if i == 0 else "—")
        if "rate" in row:
            rate = row["rate"]
        else:
            rate = calc_rate
        if i == 0:
            if "score" in row:
                score = row["score"]
            elif calc_rate is not None and _num(weight) is not None:
                score = float(_num(weight) or 0) * min(1.0, calc_rate)
            else:
                score = None
        else:
            score = row.get("score", "—")
        computed = i == 0 and not any(
            k in row for k in ("initial_budget", "annual_budget", "executed", "rate", "score")
        )
        funds.append(
            _FundRow(
                amounts["initial_budget"],
                amounts["annual_budget"],
                amounts["executed"],
                weight,
                rate,
                score,
                row.get("note"),
                computed,
            )
        )

    indicators = [dict(r) for r in tables.get("indicators", []) if r]
    exec_weight = _num(funds[0].weight) or 0.0
    weight_total = exec_weight + sum(_num(r.get("weight")) or 0.0 for r in indicators)
    total_computed = "total_reported" not in fields
    if total_computed:
        total: object = (_num(funds[0].score) or 0.0) + sum(
            _num(r.get("score")) or 0.0 for r in indicators
        )
    else:
        total = fields["total_reported"]
    if "grade_reported" in fields:
        grade = fields["grade_reported"]
    else:
        grade = _grade(float(total)) if _num(total) is not None else ""  # type: ignore[arg-type]
    year = fields.get("fiscal_year")
    return _Form(
        fields=fields,
        year=int(year) if isinstance(year, int | float) else None,
        funds=funds,
        indicators=indicators,
        weight_total=weight_total,
        total=total,
        total_computed=total_computed,
        grade=grade,
        money_unit=money_unit,
        factor=factor,
    )


def _money(form: _Form, v: object) -> object:
    x = _num(v)
    if x is None or form.factor == 1.0:
        return v
    return round(x * form.factor, 2)


def _n(x: object) -> str:
    """A weight as printed in a label: 50, not 50.0."""
    v = _num(x)
    if v is None:
        return "" if x is None else str(x)
    return str(int(v)) if v.is_integer() else f"{v:g}"


def _date(v: object) -> object:
    if isinstance(v, str) and _ISO_DATE.match(v):
        return dt.date.fromisoformat(v)
    return v


def _cn_date(v: object) -> str:
    d = _date(v)
    if isinstance(d, dt.date):
        return f"{d.year}年{d.month}月{d.day}日"
    return "" if d is None else str(d)


def _target_with_unit(row: Mapping[str, Any]) -> object:
    """Forms without a unit column carry the unit inside the target text ("≥4800平方米")."""
    target, unit = row.get("target"), row.get("unit")
    if isinstance(target, str) and unit and target and target[-1].isdigit():
        return target + str(unit)
    return target


def _blocks(
    indicators: Sequence[dict[str, Any]],
) -> list[tuple[str, list[tuple[str, list[dict[str, Any]]]]]]:
    """Consecutive runs of 一级, and of 二级 inside them, as printed with merged cells."""
    out: list[tuple[str, list[tuple[str, list[dict[str, Any]]]]]] = []
    for row in indicators:
        l1, l2 = row.get("level1") or "", row.get("level2") or ""
        if not out or out[-1][0] != l1:
            out.append((l1, []))
        level2s = out[-1][1]
        if not level2s or level2s[-1][0] != l2:
            level2s.append((l2, []))
        level2s[-1][1].append(row)
    return out


def _block_weight(level2s: Sequence[tuple[str, list[dict[str, Any]]]]) -> float:
    return sum(_num(r.get("weight")) or 0.0 for _, rows in level2s for r in rows)


# ---------------------------------------------------------------- a sheet planned as a grid


@dataclass(frozen=True, slots=True)
class _Formula:
    """A live formula with the value Excel would cache for it."""

    text: str
    cached: object


@dataclass(slots=True)
class _Grid:
    name: str
    cells: dict[tuple[int, int], tuple[object, str]] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)

    def put(self, r: int, c: int, value: object, fmt: str = "text") -> None:
        self.cells[(r, c)] = (value, fmt)

    def merge(self, r1: int, c1: int, r2: int, c2: int, value: object, fmt: str = "text") -> None:
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                self.cells[(r, c)] = (None, fmt)
        self.cells[(r1, c1)] = (value, fmt)
        if (r1, c1) != (r2, c2):
            self.merges.append((r1, c1, r2, c2))

    def box(self, r: int, c1: int, c2: int, value: object, fmt: str = "text") -> None:
        """One row, columns c1..c2 merged (or a single cell)."""
        self.merge(r, c1, r, c2, value, fmt)


_STYLE_PROPS: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"},
    "subtitle": {"font_size": 11, "align": "center", "valign": "vcenter"},
    "plain": {"valign": "vcenter"},
    "plain_bold": {"bold": True, "valign": "vcenter"},
    "corner": {"align": "right", "valign": "vcenter"},
    "note": {"font_size": 9, "text_wrap": True, "valign": "top"},
    "label": {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1},
    "text": {"valign": "vcenter", "text_wrap": True, "border": 1},
    "center": {"align": "center", "valign": "vcenter", "text_wrap": True, "border": 1},
    "money": {"num_format": "#,##0.00", "valign": "vcenter", "border": 1},
    "pct": {"num_format": "0.00%", "align": "center", "valign": "vcenter", "border": 1},
    "num": {"align": "center", "valign": "vcenter", "border": 1},
    "date": {"num_format": "yyyy-mm-dd", "align": "center", "valign": "vcenter", "border": 1},
}


# ---------------------------------------------------------------- shared blocks


def _title(grid: _Grid, form: _Form, r: int, c0: int, c1: int, *, year_in_title: bool) -> int:
    if year_in_title and form.year:
        grid.box(r, c0, c1, f"{form.year}年度项目支出绩效自评表", "title")
        grid.heights[r] = 30
        return r + 1
    grid.box(r, c0, c1, "项目支出绩效自评表", "title")
    grid.heights[r] = 30
    grid.box(r + 1, c0, c1, f"（{form.year or '    '}年度）", "subtitle")
    return r + 2


def _exec_cells(form: _Form, row: _FundRow, *, rate_as: str) -> tuple[object, str, object]:
    """(rate value, rate format, score value) as a style prints them."""
    rate = row.rate
    x = _num(rate)
    if x is None:
        return rate, "center", row.score
    if rate_as == "text":
        return f"{x * 100:.2f}".rstrip("0").rstrip(".") + "%", "center", row.score
    if rate_as == "percent_number":
        return round(x * 100, 2), "num", row.score
    return x, "pct", row.score


_SOURCE_LABELS = ("年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金")


def _funds_rows(
    grid: _Grid,
    form: _Form,
    r: int,
    cols: Mapping[str, int],
    *,
    labels: Sequence[str] = _SOURCE_LABELS,
    dash: str = "—",
    rate_as: str = "fraction",
    sub_rate: bool = True,
) -> int:
    """Write the four fund rows at row r; `cols` maps label/initial/annual/executed/... to columns."""
    for i, row in enumerate(form.funds):
        rr = r + i
        label_span = cols.get("label_to", cols["label"])
        grid.box(rr, cols["label"], label_span, labels[i], "label" if i == 0 else "text")
        for key, value in (
            ("initial", row.initial),
            ("annual", row.annual),
            ("executed", row.executed),
        ):
            v = _money(form, value)
            grid.put(rr, cols[key], v, "money" if _num(v) is not None else "center")
        rate, rate_fmt, score = _exec_cells(form, row, rate_as=rate_as)
        if i > 0 and not sub_rate:
            rate, rate_fmt = None, "center"
        grid.put(rr, cols["rate"], rate, rate_fmt)
        if i == 0:
            grid.put(rr, cols["weight"], row.weight, "num")
            grid.put(rr, cols["score"], _round_score(score), "num")
        else:
            grid.put(rr, cols["weight"], dash if row.weight == "—" else row.weight, "center")
            grid.put(rr, cols["score"], dash if score == "—" else score, "center")
        if "note" in cols:
            grid.box(rr, cols["note"], cols.get("note_to", cols["note"]), row.note, "text")
            if isinstance(row.note, str) and len(row.note) > 20:
                grid.heights[rr] = 30
    return r + 4


def _round_score(v: object) -> object:
    x = _num(v)
    return round(x, 2) if x is not None else v


def _goal(grid: _Grid, form: _Form, r: int, c0: int, c_mid: int, c1: int) -> int:
    grid.merge(r, c0, r + 1, c0, "年度总体目标", "label")
    grid.box(r, c0 + 1, c_mid - 1, "预期目标", "label")
    grid.box(r, c_mid, c1, "实际完成情况", "label")
    grid.box(r + 1, c0 + 1, c_mid - 1, form.fields.get("goal_expected"), "text")
    grid.box(r + 1, c_mid, c1, form.fields.get("goal_actual"), "text")
    grid.heights[r + 1] = 60
    return r + 2


def _value_fmt(v: object) -> str:
    return "num" if _num(v) is not None else "center"


# ---------------------------------------------------------------- style: the published national form


def _standard(
    grid: _Grid,
    form: _Form,
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
    source_labels: Sequence[str] = _SOURCE_LABELS,
    dash: str = "—",
) -> int:
    """The 附件1 arrangement (Anhui-published shape), ten columns wide from (r0, c0)."""
    last = c0 + 9
    for c, w in enumerate((9, 17, 14, 26, 12, 12, 8, 9, 14, 14)):
        grid.widths[c0 + c] = w
    r = _title(grid, form, r0, c0, last, year_in_title=year_in_title)
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
    r = _funds_rows(grid, form, r + 1, cols, labels=source_labels, dash=dash)
    if not with_notes:
        for k in range(4):
            grid.box(r - 4 + k, c0 + 8, last, None, "text")

    r = _goal(grid, form, r, c0, c0 + 5, last)

    # indicators: "绩效指标" merged down the whole block, 一级 and 二级 merged per run
    header = r
    for k, h in enumerate(
        ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")
    ):
        grid.put(r, c0 + 1 + k, h, "label")
    grid.box(r, c0 + 8, last, "偏差原因分析及改进措施", "label")
    r += 1
    for level1, level2s in _blocks(form.indicators):
        start1 = r
        for level2, rows in level2s:
            start2 = r
            for k, row in enumerate(rows, 1):
                name = row.get("name")
                if numbered_names:
                    name = f"指标{k}:{name or ''}"
                grid.put(r, c0 + 3, name, "text")
                grid.put(r, c0 + 4, _target_with_unit(row), "center")
                grid.put(r, c0 + 5, row.get("actual"), _value_fmt(row.get("actual")))
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
        weight = _n(_block_weight(level2s))
        drop = missing_words is True or (
            not isinstance(missing_words, bool) and level1 in missing_words
        )
        words = "" if drop else level1
        grid.merge(start1, c0 + 1, r - 1, c0 + 1, f"{words}({weight}分)", "center")
    grid.merge(header, c0, r - 1, c0, "绩效指标", "label")

    grid.box(r, c0, c0 + 5, "总分", "label")
    grid.put(r, c0 + 6, _round_score(form.weight_total), "num")
    grid.put(r, c0 + 7, _round_score(form.total), "num")
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
        grid.put(r, last, _cn_date(f.get("submit_date")), "text")
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


def _style_anhui(form: _Form, opts: Mapping[str, Any]) -> list[_Grid]:
    grid = _Grid(opts.get("sheet_name", "Sheet1"))
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


def _style_title_rows(form: _Form, opts: Mapping[str, Any]) -> list[_Grid]:
    f = form.fields
    info = _Grid("基本信息")
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

    grid = _Grid(opts.get("sheet_name", "绩效自评表"))
    c0 = 1
    grid.widths[0] = 3
    grid.box(0, c0, c0 + 9, f.get("dept"), "plain_bold")
    grid.box(1, c0, c0 + 5, f"填报单位（盖章）：{f.get('unit') or ''}", "plain")
    grid.box(1, c0 + 7, c0 + 9, f"金额单位：{form.money_unit}", "corner")
    grid.box(2, c0, c0 + 9, f"填报日期：{_cn_date(f.get('submit_date'))}", "plain")
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


def _style_yunnan(form: _Form, opts: Mapping[str, Any]) -> list[_Grid]:
    f = form.fields
    grid = _Grid(opts.get("sheet_name", "公开14表"))
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
    r = _funds_rows(
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
    r = _goal(grid, form, r, 0, 6, last)

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
        grid.put(r, 6, row.get("actual"), _value_fmt(row.get("actual")))
        grid.put(r, 7, row.get("weight"), "num")
        grid.put(r, 8, row.get("score"), "num")
        grid.box(r, 9, last, row.get("deviation"), "text")
        r += 1
    grid.box(r, 0, 6, "总分", "label")
    grid.put(r, 7, _round_score(form.weight_total), "num")
    grid.put(r, 8, _round_score(form.total), "num")
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


def _style_columns_moved(form: _Form, opts: Mapping[str, Any]) -> list[_Grid]:
    f = form.fields
    grid = _Grid(opts.get("sheet_name", "自评表"))
    for c, w in enumerate((24, 11, 13, 8, 13, 13, 8, 28, 9, 9)):
        grid.widths[c] = w
    last = 9
    grid.box(0, 0, last, f"项目支出绩效自评表（{form.year or ''}年度）", "title")
    grid.heights[0] = 30
    grid.put(1, 0, "年度", "label")
    grid.put(1, 1, form.year, "num")
    grid.box(1, 2, 3, "填报日期", "label")
    grid.box(1, 4, 5, _date(f.get("submit_date")), "date")
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
    r = _funds_rows(grid, form, r + 1, cols, rate_as="percent_number")
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
            (row.get("actual"), _value_fmt(row.get("actual"))),
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
    grid.put(r, 3, _round_score(form.weight_total), "num")
    grid.box(r, 4, 5, None, "text")
    grid.put(r, 6, _round_score(form.total), "num")
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


def _style_merged_headers(form: _Form, opts: Mapping[str, Any]) -> list[_Grid]:
    f = form.fields
    grid = _Grid(opts.get("sheet_name", "项目自评表"))
    for c, w in enumerate((11, 13, 24, 8, 13, 13, 8, 8, 16, 16)):
        grid.widths[c] = w
    last = 9
    r = _title(grid, form, 0, 0, last, year_in_title=bool(opts.get("year_in_title", False)))
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
    _funds_rows(grid, form, first, cols)
    top = form.funds[0]
    if top.computed:
        # a unit's own workbook often keeps SUM formulas; cache what Excel would show
        for key, c in (("initial", 2), ("annual", 3), ("executed", 4)):
            col = chr(ord("A") + c)
            grid.put(
                first,
                c,
                _Formula(f"=SUM({col}{first + 2}:{col}{first + 4})", getattr(top, key)),
                "money",
            )
        rr = first + 1
        if _num(top.rate) is not None:
            grid.put(first, 5, _Formula(f"=IF(D{rr}>0,E{rr}/D{rr},0)", top.rate), "pct")
            grid.put(first, 7, _Formula(f"=G{rr}*MIN(1,E{rr}/D{rr})", top.score), "num")
    r = first + 4
    r = _goal(grid, form, r, 0, 5, last)

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
    for level1, level2s in _blocks(form.indicators):
        s1 = r
        for level2, rows in level2s:
            s2 = r
            for row in rows:
                grid.put(r, 2, row.get("name"), "text")
                grid.put(r, 3, row.get("unit"), "center")
                grid.put(r, 4, row.get("target"), "center")
                grid.put(r, 5, row.get("actual"), _value_fmt(row.get("actual")))
                grid.put(r, 6, row.get("weight"), "num")
                grid.put(r, 7, row.get("score"), "num")
                grid.box(r, 8, last, row.get("deviation"), "text")
                r += 1
            grid.merge(s2, 1, r - 1, 1, level2, "center")
        grid.merge(s1, 0, r - 1, 0, level1, "center")
    grid.box(r, 0, 5, "总分", "label")
    weight_f = f"=G{first + 1}+SUM(G{first_ind + 1}:G{r})"
    grid.put(r, 6, _Formula(weight_f, _round_score(form.weight_total)), "num")
    if form.total_computed:
        grid.put(r, 7, _Formula(f"=H{first + 1}+SUM(H{first_ind + 1}:H{r})", form.total), "num")
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
    grid.box(r, 8, last, _date(f.get("submit_date")), "date")
    return [grid]


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


def _style_spread_rows(form: _Form, opts: Mapping[str, Any]) -> list[_Grid]:
    f = form.fields
    grid = _Grid(opts.get("sheet_name", "自评表"))
    for c, w in enumerate((11, 14, 24, 12, 12, 7, 7, 18, 18)):
        grid.widths[c] = w
    last = 8
    r = _title(grid, form, 0, 0, last, year_in_title=bool(opts.get("year_in_title", True)))
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
    r = _funds_rows(grid, form, r + 1, cols)
    r = _goal(grid, form, r, 0, 4, last)
    for k, h in enumerate(
        ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")
    ):
        grid.put(r, k, h, "label")
    grid.box(r, 7, last, "偏差原因分析及改进措施", "label")
    r += 1
    blocks = _blocks(form.indicators)
    for b, (level1, level2s) in enumerate(blocks):
        s1 = r
        for level2, rows in level2s:
            s2 = r
            for row in rows:
                # each indicator takes two rows: values on the first, the reason runs on
                grid.merge(r, 2, r + 1, 2, row.get("name"), "text")
                grid.put(r, 3, _target_with_unit(row), "center")
                grid.put(r, 4, row.get("actual"), _value_fmt(row.get("actual")))
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
    grid.put(r, 5, _round_score(form.weight_total), "num")
    grid.put(r, 6, _round_score(form.total), "num")
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
    grid.box(r, 7, last, _cn_date(f.get("submit_date")), "text")
    return [grid]


_RENDERERS: dict[str, Callable[[_Form, Mapping[str, Any]], list[_Grid]]] = {
    "anhui": _style_anhui,
    "yunnan": _style_yunnan,
    "columns_moved": _style_columns_moved,
    "title_rows": _style_title_rows,
    "merged_headers": _style_merged_headers,
    "spread_rows": _style_spread_rows,
    "xls": _style_anhui,
}


def _grids(sample: Mapping[str, Any]) -> list[_Grid]:
    opts: Mapping[str, Any] = sample.get("foreign", {})
    style = opts.get("style")
    if style not in _RENDERERS:
        raise ValueError(f"unknown foreign style {style!r}; known: {', '.join(STYLES)}")
    return _RENDERERS[style](_form(sample), opts)


# ---------------------------------------------------------------- writers


def _covered(grid: _Grid) -> set[tuple[int, int]]:
    """Cells inside a merge other than its top-left one: writers leave them to the merge."""
    out: set[tuple[int, int]] = set()
    for r1, c1, r2, c2 in grid.merges:
        out |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
    return out


def _write_xlsx(grids: Sequence[_Grid], path: str) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        path, {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    # a unit's own file: plain properties, a fixed date so regenerated samples stay byte-stable
    wb.set_properties({"author": "", "created": dt.datetime(2025, 1, 1)})
    formats = {
        k: wb.add_format({"font_name": "宋体", "font_size": 10, **v})
        for k, v in _STYLE_PROPS.items()
    }
    for grid in grids:
        ws = wb.add_worksheet(grid.name)
        for c, w in grid.widths.items():
            ws.set_column(c, c, w)
        for r in sorted(set(grid.heights) | grid.hidden_rows):
            ws.set_row(r, grid.heights.get(r), None, {"hidden": r in grid.hidden_rows})
        skip = _covered(grid)
        for r1, c1, r2, c2 in grid.merges:
            _, fmt = grid.cells[(r1, c1)]
            ws.merge_range(r1, c1, r2, c2, None, formats[fmt])
        for (r, c), (value, fmt) in sorted(grid.cells.items()):
            if (r, c) in skip:
                continue
            f = formats[fmt]
            if isinstance(value, _Formula):
                ws.write_formula(r, c, value.text, f, "" if value.cached is None else value.cached)
            elif value is None:
                ws.write_blank(r, c, None, f)
            elif isinstance(value, bool):
                ws.write_string(r, c, "是" if value else "否", f)
            elif isinstance(value, int | float):
                ws.write_number(r, c, value, f)
            elif isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), f)
            else:
                ws.write_string(r, c, str(value), f)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
    wb.close()


def _xlwt_style(props: Mapping[str, Any]) -> str:
    font = ["name SimSun", f"height {int(props.get('font_size', 10) * 20)}"]
    if props.get("bold"):
        font.append("bold on")
    align = [f"vert {'top' if props.get('valign') == 'top' else 'center'}"]
    if props.get("align") in ("center", "right"):
        align.append(f"horiz {props['align']}")
    if props.get("text_wrap"):
        align.append("wrap on")
    parts = ["font: " + ", ".join(font), "align: " + ", ".join(align)]
    if props.get("border"):
        parts.append("borders: left thin, right thin, top thin, bottom thin")
    return "; ".join(parts)


def _write_xls(grids: Sequence[_Grid], path: str) -> None:
    # xlwt is optional (legacy .xls only); imported here so the rest works without it
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    styles = {}
    for k, v in _STYLE_PROPS.items():
        num = v.get("num_format", "General")
        styles[k] = xlwt.easyxf(_xlwt_style(v), num_format_str=num)
    for grid in grids:
        ws = wb.add_sheet(grid.name[:31], cell_overwrite_ok=True)
        ws.portrait = False
        for c, w in grid.widths.items():
            ws.col(c).width = int(256 * w)
        for r in grid.hidden_rows:
            ws.row(r).hidden = True
        skip = _covered(grid)
        merged = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in grid.merges}
        for (r, c), (value, fmt) in sorted(grid.cells.items()):
            if (r, c) in skip:
                continue
            if isinstance(value, _Formula):
                value = value.cached
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                value = dt.datetime(value.year, value.month, value.day)
            if value is None:
                value = ""
            if (r, c) in merged:
                r2, c2 = merged[(r, c)]
                ws.write_merge(r, r2, c, c2, value, styles[fmt])
            else:
                ws.write(r, c, value, styles[fmt])
    wb.save(path)


def build_foreign_workbook(sample: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write `sample` (a national2020 sample) in the layout named by `sample["foreign"]["style"]`.

    The workbook carries no perfxl metadata: no `_meta` sheet, no `px_` names, as a unit's own
    Excel would not. Options in `sample["foreign"]`: `style`, `sheet_name`, `money_unit` ("元"
    prints amounts ×10000), `year_in_title`, `missing_level1_words` (true, or a list of 一级).
    """
    grids = _grids(sample)
    path = Path(path)
    legacy = sample.get("foreign", {}).get("style") == "xls"
    suffix = ".xls" if legacy else ".xlsx"
    fd, tmp = tempfile.mkstemp(prefix=".perfxl-", suffix=suffix, dir=path.parent or ".")
    os.close(fd)
    try:
        (_write_xls if legacy else _write_xlsx)(grids, tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def key_label_cells(sample: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Where the style prints each of KEY_LABELS: label -> (sheet name, A1 of the label cell)."""
    out: dict[str, tuple[str, str]] = {}
    for grid in _grids(sample):
        for (r, c), (value, _) in sorted(grid.cells.items()):
            if not isinstance(value, str):
                continue
            text = value.strip().rstrip(":：")
            if text in KEY_LABELS and text not in out:
                out[text] = (grid.name, a1(r, c))
    return out


__all__ = ["KEY_LABELS", "STYLES", "build_foreign_workbook", "key_label_cells"]
