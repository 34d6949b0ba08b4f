"""未提交: projects on the roster not submitted, budgets off the approval, extras."""

from __future__ import annotations

from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from perfxl.report.projects import ACTIVE_STATUSES
from perfxl.report.run_result import RunResult
from perfxl.report.summary.book import (
    WIDTH_SAMPLE,
    Book,
    Col,
    Table,
    column_at,
)
from perfxl.report.summary.projects import PROJECT_SOURCE, project_order
from perfxl.report.summary.registry import sheet
from perfxl.report.summary.sources import Sources
from perfxl.report.summary.values import (
    Link,
    as_number,
)

NAME = "未提交"

ROSTER_COLS = [
    Col("情况", cap=18),
    Col("名单行号", "int", width=8),
    Col("项目编码", cap=18),
    Col("项目名称", cap=34),
    Col("单位", cap=30),
    Col("主管部门", cap=26),
    Col("批复预算（万元）", "money", cap=16),
    Col("填报预算（万元）", "money", cap=16),
    Col("差额（万元）", "money", cap=14),
    Col("提交的文件", "link", cap=50),
    Col("提交编号", width=14),
]
MISSING, BUDGET_DIFF, OFF_ROSTER = "未提交", "预算与批复不一致", "名单外提交"


def roster_rows(run: RunResult, src: Sources | None) -> list[list[Any]]:
    """Missing projects, then budgets differing from the approved amount (as rule D05), then
    active submissions the roster does not list."""
    m = run.roster
    if m is None:
        return []
    tol = run.config.tolerance
    p = project_order(run.projects.reindex(columns=PROJECT_SOURCE))
    file_of = dict(zip(p["sub"], p["file"], strict=True))

    def link(sub: str, shown: Any) -> Link | None:
        return src.file_link(sub, shown) if src else None

    missing, differ = [], []
    for rec in m.to_dict("records"):
        sub = rec.get("sub") if isinstance(rec.get("sub"), str) else None
        approved, budget = (
            as_number(rec.get("approved_wan")),
            as_number(rec.get("submitted_budget_wan")),
        )
        base = [
            rec.get("roster_row"),
            rec.get("project_code"),
            rec.get("project"),
            rec.get("unit"),
            rec.get("department"),
            approved,
        ]
        if sub is None:
            missing.append([MISSING, *base, None, None, None, None])
        elif approved is not None and budget is not None:
            limit = max(tol.money_abs, tol.money_rel * max(abs(approved), abs(budget)))
            if abs(budget - approved) > limit:
                diff = round(budget - approved, 6)
                differ.append([BUDGET_DIFF, *base, budget, diff, link(sub, file_of.get(sub)), sub])
    listed = {s for s in m.get("sub", pd.Series(dtype=object)) if isinstance(s, str)}
    extra = [
        [
            OFF_ROSTER,
            None,
            rec["project_code"],
            rec["project"],
            rec["unit"],
            rec["department"],
            None,
            rec["budget_wan"],
            None,
            link(rec["sub"], rec["file"]),
            rec["sub"],
        ]
        for rec in p[p["status"].isin(ACTIVE_STATUSES)].to_dict("records")
        if rec["sub"] not in listed
    ]
    return missing + differ + extra


@sheet(NAME, "名单中未提交的项目、预算与批复不一致的项目、名单外的提交", position=60)
def roster_table(run: RunResult, src: Sources) -> Table | None:
    if run.roster is None:
        return None
    body = roster_rows(run, src)

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        colours = {MISSING: "错误", BUDGET_DIFF: "警告", OFF_ROSTER: "提示"}
        book.cf_values(ws, first, last, column_at(ROSTER_COLS, "情况"), colours, colours)

    return Table(NAME, ROSTER_COLS, lambda: iter(body), len(body), body[:WIDTH_SAMPLE], styles)
