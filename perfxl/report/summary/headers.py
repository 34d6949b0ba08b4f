"""表头对应: for every form, which printed header each column was read from, and how it was found."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from xlsxwriter.worksheet import Worksheet

from perfxl.report.run_result import RunResult
from perfxl.report.summary.book import Book, Col, Table, column_at, sample_rows
from perfxl.report.summary.indicators import project_context, run_frame
from perfxl.report.summary.registry import sheet
from perfxl.report.summary.sources import Sources
from perfxl.report.summary.values import records
from perfxl.spec import PROFILE_IDS, get_profile

NAME = "表头对应"
TABLE_ZH = {
    "funds": "资金表",
    "indicators": "绩效指标表",
    "targets": "绩效目标表",
    "scoring": "评分表",
}
HOW_ZH = {
    "label": "按模板表头",
    "meaning": "按含义（请核对）",
    "stand_in": "无此列，以此列代替",
    "row": "按行读取（请核对）",
    "block": "按栏目分值（各指标无分值）",
}
HEADER_COLS = [
    Col("主管部门", cap=22),
    Col("单位", cap=24),
    Col("项目", cap=26),
    Col("表", width=10),
    Col("字段", cap=14),
    Col("表头原文", cap=28),
    Col("读取方式", cap=16),
    Col("工作表", cap=18),
    Col("单元格", width=8),
    Col("提交编号", width=14),
]
_SOURCE = ("sub", "table", "column", "header", "sheet", "cell", "how")


def _column_labels() -> dict[tuple[str, str], str]:
    """(table, column key) -> the template's header for it, over both profiles."""
    out: dict[tuple[str, str], str] = {}
    for pid in PROFILE_IDS:
        for _, table in get_profile(pid).tables():
            for col in table.columns:
                out.setdefault((table.key, col.key), col.label)
    return out


@sheet(
    NAME,
    "每份表格各列读自哪个表头：按模板表头、按含义或以他列代替（核对读取是否正确）",
    position=55,
)
def headers_table(run: RunResult, src: Sources) -> Table | None:
    h = run_frame(run, "headers").reindex(columns=_SOURCE)
    ctx = project_context(run)
    labels = _column_labels()
    # what needs a look first: the columns read by meaning or stood in for, then the rest
    h = h.assign(_rank=(h["how"] == "label").astype(int)).sort_values("_rank", kind="stable")

    def row(d: dict[str, Any]) -> list[Any]:
        dept, unit, project, _status = ctx.get(d["sub"], (None, None, None, None))
        return [
            dept,
            unit,
            project,
            TABLE_ZH.get(d["table"], d["table"]),
            labels.get((d["table"], d["column"]), d["column"]),
            d["header"],
            HOW_ZH.get(d["how"], d["how"]),
            d["sheet"],
            d["cell"],
            d["sub"],
        ]

    def rows() -> Iterator[list[Any]]:
        for d in records(h, _SOURCE):
            yield row(d)

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        to_check = {HOW_ZH[how]: "警告" for how in ("meaning", "stand_in", "row", "block")}
        book.cf_values(ws, first, last, column_at(HEADER_COLS, "读取方式"), to_check, to_check)

    return Table(NAME, HEADER_COLS, rows, len(h), sample_rows(rows(), len(h)), styles=styles)
