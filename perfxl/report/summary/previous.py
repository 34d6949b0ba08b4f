"""上年对比: with --previous, every project of both years — matched (by 项目编码 or by unit and a
similar name), new this year, or gone since last year."""

from __future__ import annotations

from typing import Any

from xlsxwriter.worksheet import Worksheet

from perfxl.report.run_result import RunResult
from perfxl.report.summary.book import WIDTH_SAMPLE, Book, Col, Table, column_at
from perfxl.report.summary.registry import sheet
from perfxl.report.summary.sources import Sources

NAME = "上年对比"
PREVIOUS_COLS = [
    Col("对比结果", width=12),
    Col("单位", cap=26),
    Col("本年项目", cap=30),
    Col("上年项目", cap=30),
    Col("匹配依据", width=14),
    Col("名称相似度", width=10),
    Col("本年提交编号", width=14),
    Col("上年提交编号", width=14),
]
_FORMAT = {"本年新增": "提示", "上年有本年无": "警告"}


def _row(d: dict[str, Any]) -> list[Any]:
    return [
        d["status"],
        d["unit"],
        d["project"],
        d["prev_project"],
        d["how"],
        d["similarity"],
        d["sub"],
        d["prev_sub"],
    ]


@sheet(
    NAME, "使用 --previous 时：本年与上年的项目对应（匹配、本年新增、上年有本年无）", position=67
)
def previous_table(run: RunResult, src: Sources) -> Table | None:
    if run.previous is None:
        return None
    clean = run.previous.astype(object).where(run.previous.notna(), None)
    body = [_row(d) for d in clean.to_dict("records")]

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        book.cf_values(ws, first, last, column_at(PREVIOUS_COLS, "对比结果"), _FORMAT, _FORMAT)

    return Table(NAME, PREVIOUS_COLS, lambda: iter(body), len(body), body[:WIDTH_SAMPLE], styles)
