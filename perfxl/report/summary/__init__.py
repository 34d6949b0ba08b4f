"""The auditors' summary workbook (summary.xlsx), written with XlsxWriter from a RunResult.

总览 comes first, then the table sheets, each a module here registered with `registry.sheet` at
its position. A new sheet is one module and one name in the import below."""

from __future__ import annotations

from pathlib import Path

from perfxl.report.run_result import RunResult
from perfxl.report.summary import book as _book

# importing a sheet's module registers it
from perfxl.report.summary import (  # noqa: F401
    departments,
    findings,
    headers,
    indicators,
    previous,
    projects,
    roster,
    rules,
    run_info,
    season,
    submissions,
    tiers,
)
from perfxl.report.summary.book import EXCEL_MAX_ROWS, Book, Table
from perfxl.report.summary.departments import department_cols
from perfxl.report.summary.findings import FINDING_COLS, sorted_findings
from perfxl.report.summary.headers import HEADER_COLS
from perfxl.report.summary.indicators import INDICATOR_COLS, run_frame
from perfxl.report.summary.overview import overview
from perfxl.report.summary.projects import PROJECT_COLS
from perfxl.report.summary.registry import SHEETS, in_workbook_order
from perfxl.report.summary.roster import ROSTER_COLS
from perfxl.report.summary.rules import RULE_COLS
from perfxl.report.summary.run_info import INPUT_COLS
from perfxl.report.summary.sources import Sources
from perfxl.report.summary.tiers import TIER_COLS
from perfxl.report.summary.values import text_width

__all__ = [
    "FINDING_COLS",
    "HEADER_COLS",
    "INDICATOR_COLS",
    "INPUT_COLS",
    "PROJECT_COLS",
    "ROSTER_COLS",
    "RULE_COLS",
    "SHEETS",
    "TIER_COLS",
    "department_cols",
    "sorted_findings",
    "text_width",
    "write_summary",
]


def write_summary(run: RunResult, path: Path, outdir: Path, row_limit: int | None = None) -> None:
    """Write summary.xlsx for a run to `path`; links to source files are relative to `outdir`.

    `row_limit` (rows a sheet may hold, header included) defaults to Excel's 1,048,576; a table
    that would pass it continues on "名称(2)", "名称(3)" …"""
    limit = min(row_limit or EXCEL_MAX_ROWS, EXCEL_MAX_ROWS)
    if limit < 2:
        raise ValueError("row_limit must leave room for a header and one row")
    rows = len(run.findings) + len(run.projects) + len(run_frame(run, "indicators"))
    rows += len(run_frame(run, "tiers"))
    book = Book(
        Path(path),
        limit,
        constant_memory=rows > _book.CONSTANT_MEMORY_ROWS,
        big=rows > 2_000_000,
    )
    src = Sources(run, outdir, beside=Path(path).parent)
    book.wb.set_properties(
        {
            "title": "项目支出绩效自评汇总",
            "subject": "绩效自评表复核结果",
            "author": "perfxl",
            "comments": f"perfxl {run.version}",
        }
    )
    tables: list[Table] = [t for s in in_workbook_order() if (t := s.build(run, src)) is not None]
    overview(book, run, [(t.name, t.n, book.part_names(t)) for t in tables])
    for t in tables:
        book.table(t)
    book.wb.close()
