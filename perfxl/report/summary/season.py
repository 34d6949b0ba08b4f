"""整改情况: with a season ledger, each project's status across its versions — what the units
fixed, what is still open, what is new, what they explained and what the officer accepted."""

from __future__ import annotations

from typing import Any

from xlsxwriter.worksheet import Worksheet

from perfxl.report.run_result import RunResult
from perfxl.report.summary.book import WIDTH_SAMPLE, Book, Col, Table, column_at
from perfxl.report.summary.registry import sheet
from perfxl.report.summary.sources import Sources

NAME = "整改情况"
SEASON_COLS = [
    Col("主管部门", cap=22),
    Col("单位", cap=24),
    Col("项目", cap=28),
    Col("状态", width=8),
    Col("版本数", width=7),
    Col("已整改", width=7),
    Col("仍未整改", width=8),
    Col("新增问题", width=8),
    Col("单位已说明", width=9),
    Col("已接受", width=7),
    Col("未关闭问题", width=9),
    Col("最近回复时间", width=20),
    Col("回复后天数", width=9),
    Col("最新文件", cap=40),
    Col("项目编号", cap=30),
]
# status -> the conditional format that marks it
_STATUS_FORMAT = {"未提交": "错误", "需修改": "错误", "已重报": "警告", "已提交": "提示"}


def _row(d: dict[str, Any]) -> list[Any]:
    return [
        d["department"],
        d["unit"],
        d["project"],
        d["status"],
        d["versions"],
        d["fixed_findings"],
        d["still_open_findings"],
        d["new_findings"],
        d["explained_findings"],
        d["accepted_findings"],
        d["open_findings"],
        d["replied_at"],
        d["days_since_reply"],
        d["latest_file"],
        d["key"],
    ]


@sheet(
    NAME,
    "使用台账时：每个项目各版本的整改情况（已整改、仍未整改、新增、单位说明、已接受）",
    position=65,
)
def season_table(run: RunResult, src: Sources) -> Table | None:
    if run.season is None:
        return None
    body = [
        _row(d)
        for d in run.season.astype(object).where(run.season.notna(), None).to_dict("records")
    ]

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        book.cf_values(
            ws, first, last, column_at(SEASON_COLS, "状态"), _STATUS_FORMAT, _STATUS_FORMAT
        )

    return Table(NAME, SEASON_COLS, lambda: iter(body), len(body), body[:WIDTH_SAMPLE], styles)
