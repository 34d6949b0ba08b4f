"""绩效目标: the 优良中差 tiers of each indicator as parsed intervals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from xlsxwriter.worksheet import Worksheet

from perfxl.checks.scoring import GRADES
from perfxl.report.run_result import RunResult
from perfxl.report.summary.book import (
    Book,
    Col,
    Table,
    column_at,
    sample_rows,
)
from perfxl.report.summary.indicators import project_context, run_frame
from perfxl.report.summary.registry import sheet
from perfxl.report.summary.sources import Sources
from perfxl.report.summary.values import (
    as_number,
    is_true,
    records,
)

NAME = "绩效目标"

TIER_COLS = [
    Col("主管部门", cap=22),
    Col("单位", cap=24),
    Col("项目", cap=26),
    Col("序号", "int", width=6),
    Col("指标名称", cap=30),
    Col("档次", width=6),
    Col("绩效标准（填报）", cap=24),
    Col("区间（解析）", cap=18),
    Col("下限", "num", width=9),
    Col("含下限", width=7),
    Col("上限", "num", width=9),
    Col("含上限", width=7),
    Col("单位", width=7),
    Col("含否为推定", width=9),
    Col("实际完成值", cap=20),
    Col("实际值落在此档", width=10),
    Col("工作表", cap=18),
    Col("单元格", width=8),
    Col("提交编号", width=14),
]
TIER_SOURCE = [
    "sub",
    "seq",
    "tier",
    "raw",
    "lo",
    "lo_incl",
    "hi",
    "hi_incl",
    "unit",
    "percent",
    "inferred",
    "sheet",
    "cell",
]


def _interval(lo: float | None, lo_incl: bool, hi: float | None, hi_incl: bool) -> str | None:
    if lo is None and hi is None:
        return None
    left = "(-∞" if lo is None else (f"[{lo:g}" if lo_incl else f"({lo:g}")
    right = "+∞)" if hi is None else (f"{hi:g}]" if hi_incl else f"{hi:g})")
    return f"{left}, {right}"


def _inside(
    x: float | None, lo: float | None, lo_incl: bool, hi: float | None, hi_incl: bool
) -> str | None:
    if x is None or (lo is None and hi is None):
        return None
    if lo is not None and (x < lo or (x == lo and not lo_incl)):
        return "否"
    if hi is not None and (x > hi or (x == hi and not hi_incl)):
        return "否"
    return "是"


@sheet(NAME, "各指标的优良中差绩效标准区间（长表）", position=50)
def tiers_table(run: RunResult, src: Sources) -> Table | None:
    t = run_frame(run, "tiers").reindex(columns=TIER_SOURCE)
    ind = run_frame(run, "indicators").reindex(
        columns=["sub", "seq", "name", "actual_raw", "a_value"]
    )
    names = {(s, q): (n, a, v) for s, q, n, a, v in ind.itertuples(index=False, name=None)}
    ctx = project_context(run)

    def row(d: dict[str, Any]) -> list[Any]:
        dept, unit, project, _status = ctx.get(d["sub"], (None, None, None, None))
        name, actual_raw, actual = names.get((d["sub"], d["seq"]), (None, None, None))
        lo, hi = as_number(d["lo"]), as_number(d["hi"])
        lo_incl, hi_incl = is_true(d["lo_incl"]), is_true(d["hi_incl"])
        return [
            dept,
            unit,
            project,
            d["seq"],
            name,
            d["tier"],
            d["raw"],
            _interval(lo, lo_incl, hi, hi_incl),
            lo,
            "是" if lo_incl and lo is not None else None,
            hi,
            "是" if hi_incl and hi is not None else None,
            "%" if is_true(d["percent"]) else d["unit"],
            "是" if is_true(d["inferred"]) else None,
            actual_raw,
            _inside(as_number(actual), lo, lo_incl, hi, hi_incl),
            d["sheet"],
            d["cell"],
            d["sub"],
        ]

    def rows() -> Iterator[list[Any]]:
        for d in records(t, TIER_SOURCE):
            yield row(d)

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        book.cf_values(ws, first, last, column_at(TIER_COLS, "档次"), GRADES)

    return Table(
        NAME,
        TIER_COLS,
        rows,
        len(t),
        sample_rows(rows(), len(t)),
        styles=styles,
        print_cols=len(TIER_COLS) - 1,
    )
