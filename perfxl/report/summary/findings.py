"""问题清单: every finding, most severe and largest amount first, linked to its cell."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from perfxl.model.findings import RULES, SEVERITY_RANK, SEVERITY_ZH
from perfxl.report.machine import FINDING_CSV_COLUMNS
from perfxl.report.run_result import RunResult
from perfxl.report.summary.book import (
    SEVERITY_COLOURS,
    Book,
    Col,
    Table,
    column_at,
    sample_rows,
)
from perfxl.report.summary.registry import sheet
from perfxl.report.summary.sources import Sources
from perfxl.report.summary.values import (
    Link,
    as_text,
    records,
)

NAME = "问题清单"

FINDING_COLS = [
    Col("级别", width=6),
    Col("规则", width=6),
    Col("规则名称", cap=20),
    Col("说明", cap=60, wrap=True),
    Col("主管部门", cap=22),
    Col("单位", cap=24),
    Col("项目", cap=26),
    Col("文件", cap=36),
    Col("工作表", cap=18),
    Col("单元格", width=8),
    Col("填报值", "any", cap=24),
    Col("应为", "any", cap=24),
    Col("涉及金额或分值", "money", width=12),
    Col("打开位置", "link", cap=24),
    Col("提交编号", width=14),
    Col("说明（英文）", cap=50),
]
FINDING_SOURCE = FINDING_CSV_COLUMNS


def sorted_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """By severity, then the amount at stake (largest first, none last); else as they came."""
    f = findings.reindex(columns=FINDING_SOURCE)
    if f.empty:
        return f
    key = pd.DataFrame(
        {
            "rank": f["severity"].map(SEVERITY_RANK).fillna(9).to_numpy(),
            "stake": -pd.to_numeric(f["stake"], errors="coerce").fillna(-math.inf).to_numpy(),
        }
    )
    order = key.sort_values(["rank", "stake"], kind="stable").index
    return f.iloc[order]


@sheet(NAME, "每条问题一行，按级别和涉及金额排序，可链接到源文件的单元格", position=20)
def findings_table(run: RunResult, src: Sources) -> Table | None:
    # the causes first (a rule repeated on a form is one row naming its cells), then the cells
    parts = [sorted_findings(run.findings)]
    if len(run.finding_details):
        detail = sorted_findings(run.finding_details)
        parts.append(detail.assign(message="（明细）" + detail["message"].astype(str)))
    f = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    titles = {rid: info.title_zh for rid, info in RULES.items()}

    def row(d: dict[str, Any]) -> list[Any]:
        url = src.cell_link(d["sub"], d["sheet"], d["cell"])
        where = "!".join(x for x in (as_text(d["sheet"]), as_text(d["cell"])) if x)
        return [
            SEVERITY_ZH.get(d["severity"], d["severity"]),
            d["rule"],
            titles.get(d["rule"]),
            d["message"],
            d["department"],
            d["unit"],
            d["project"],
            d["file"],
            d["sheet"],
            d["cell"],
            d["observed"],
            d["expected"],
            d["stake"],
            Link("打开 " + (where or "文件"), url, "在源文件中打开此单元格") if url else None,
            d["sub"],
            d["message_en"],
        ]

    def rows() -> Iterator[list[Any]]:
        for d in records(f, FINDING_SOURCE):
            yield row(d)

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        book.cf_values(ws, first, last, column_at(FINDING_COLS, "级别"), SEVERITY_COLOURS)

    return Table(
        NAME,
        FINDING_COLS,
        rows,
        len(f),
        sample_rows(rows(), len(f)),
        styles=styles,
        print_cols=column_at(FINDING_COLS, "涉及金额或分值") + 1,
    )
