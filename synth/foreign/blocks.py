"""Sections of the form several layouts share: title, fund rows, annual goal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from synth.foreign.form import Form, FundRow, money, num
from synth.foreign.grid import Grid


def title_block(grid: Grid, form: Form, r: int, c0: int, c1: int, *, year_in_title: bool) -> int:
    if year_in_title and form.year:
        grid.box(r, c0, c1, f"{form.year}年度项目支出绩效自评表", "title")
        grid.heights[r] = 30
        return r + 1
    grid.box(r, c0, c1, "项目支出绩效自评表", "title")
    grid.heights[r] = 30
    grid.box(r + 1, c0, c1, f"（{form.year or '    '}年度）", "subtitle")
    return r + 2


def _exec_cells(form: Form, row: FundRow, *, rate_as: str) -> tuple[object, str, object]:
    """(rate value, rate format, score value) as a style prints them."""
    rate = row.rate
    x = num(rate)
    if x is None:
        return rate, "center", row.score
    if rate_as == "text":
        return f"{x * 100:.2f}".rstrip("0").rstrip(".") + "%", "center", row.score
    if rate_as == "percent_number":
        return round(x * 100, 2), "num", row.score
    return x, "pct", row.score


SOURCE_LABELS = ("年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金")


def funds_rows(
    grid: Grid,
    form: Form,
    r: int,
    cols: Mapping[str, int],
    *,
    labels: Sequence[str] = SOURCE_LABELS,
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
            v = money(form, value)
            grid.put(rr, cols[key], v, "money" if num(v) is not None else "center")
        rate, rate_fmt, score = _exec_cells(form, row, rate_as=rate_as)
        if i > 0 and not sub_rate:
            rate, rate_fmt = None, "center"
        grid.put(rr, cols["rate"], rate, rate_fmt)
        if i == 0:
            grid.put(rr, cols["weight"], row.weight, "num")
            grid.put(rr, cols["score"], round_score(score), "num")
        else:
            grid.put(rr, cols["weight"], dash if row.weight == "—" else row.weight, "center")
            grid.put(rr, cols["score"], dash if score == "—" else score, "center")
        if "note" in cols:
            grid.box(rr, cols["note"], cols.get("note_to", cols["note"]), row.note, "text")
            if isinstance(row.note, str) and len(row.note) > 20:
                grid.heights[rr] = 30
    return r + 4


def round_score(v: object) -> object:
    x = num(v)
    return round(x, 2) if x is not None else v


def goal_block(grid: Grid, form: Form, r: int, c0: int, c_mid: int, c1: int) -> int:
    grid.merge(r, c0, r + 1, c0, "年度总体目标", "label")
    grid.box(r, c0 + 1, c_mid - 1, "预期目标", "label")
    grid.box(r, c_mid, c1, "实际完成情况", "label")
    grid.box(r + 1, c0 + 1, c_mid - 1, form.fields.get("goal_expected"), "text")
    grid.box(r + 1, c_mid, c1, form.fields.get("goal_actual"), "text")
    grid.heights[r + 1] = 60
    return r + 2


def value_fmt(v: object) -> str:
    return "num" if num(v) is not None else "center"
