"""项目汇总: one row per submitted workbook, recomputed beside reported."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from perfxl.checks.scoring import GRADES
from perfxl.report.projects import PROJECT_ROW_COLUMNS
from perfxl.report.run_result import RunResult
from perfxl.report.summary.book import (
    STATUS_COLOURS,
    Book,
    Col,
    Table,
    column_at,
    sample_rows,
)
from perfxl.report.summary.registry import sheet
from perfxl.report.summary.sources import Sources
from perfxl.report.summary.values import (
    Mark,
    as_fraction,
    as_number,
    as_text,
    records,
)

NAME = "项目汇总"
PROFILE_ZH = {
    "national2020": "全国自评表2020",
    "hainan2011": "海南评价报告2011",
    "department2020": "部门整体自评表",
}

PROJECT_COLS = [
    Col("序号", "int", width=6),
    Col("状态", width=8),
    Col("主管部门", cap=26),
    Col("单位", cap=30),
    Col("项目名称", cap=34),
    Col("项目编码", cap=18),
    Col("年度", "int", width=7),
    Col("模板", cap=28),
    Col("预算数（万元）", "money", cap=16),
    Col("执行数（万元）", "money", cap=16),
    Col("执行率（复核）", "pct", width=10),
    Col("执行率（填报）", "pct", width=10),
    Col("总分（填报）", "score", mark=True, width=9),
    Col("总分（复核）", "score", width=9),
    Col("剔除不适用指标后总分", "score", width=11),
    Col("等次（填报）", mark=True, width=8),
    Col("等次（复核）", width=8),
    Col("填报与复核差异", cap=24),
    Col("错误", "int", width=6),
    Col("警告", "int", width=6),
    Col("提示", "int", width=6),
    Col("未完成产出指标", "int", width=9),
    Col("填报日期", "date", width=11),
    Col("已被哪个文件替代", cap=40),
    Col("内容相同的其他文件", cap=40, wrap=True),
    Col("源文件", "link", cap=50),
    Col("提交编号", width=14),
]
# what the sheets read of a project row: its columns and the unmet-output count the run adds
PROJECT_SOURCE = (*PROJECT_ROW_COLUMNS, "unmet_output")


def project_order(p: pd.DataFrame) -> pd.DataFrame:
    """By department, unit, project, file; blanks last."""
    if p.empty:
        return p
    keys = p.reindex(columns=["department", "unit", "project", "file"]).fillna("\uffff").astype(str)
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return p.loc[order]


@sheet(NAME, "每个提交的工作簿一行：复核得分与等次、问题数、状态、源文件链接", position=10)
def projects_table(run: RunResult, src: Sources) -> Table | None:
    tol = run.config.tolerance.score
    warn = run.config.execution.warn_below
    p = project_order(run.projects.reindex(columns=PROJECT_SOURCE))
    file_of = dict(zip(p["sub"], p["file"], strict=True))

    def row(k: int, d: dict[str, Any]) -> list[Any]:
        rep, calc = as_number(d["total_score_reported"]), as_number(d["total_score_recomputed"])
        g_rep, g_calc = as_text(d["grade_reported"]), as_text(d["grade_recomputed"])
        notes = []
        score_diff = rep is not None and calc is not None and abs(rep - calc) > tol + 1e-9
        if score_diff:
            notes.append(f"总分差 {rep - calc:+.2f}")  # type: ignore[operator]
        grade_diff = g_rep is not None and g_calc is not None and g_rep != g_calc
        if grade_diff:
            notes.append(f"等次 {g_rep}→{g_calc}")
        profile = as_text(d["profile"])
        shown = PROFILE_ZH.get(profile, profile) if profile else "未识别"
        if d["layout"] == "foreign":
            shown += "（非标准格式）"
        sup = as_text(d["superseded_by"])
        return [
            k,
            d["status"],
            d["department"],
            d["unit"],
            d["project"],
            d["project_code"],
            d["fiscal_year"],
            shown,
            d["budget_wan"],
            d["executed_wan"],
            as_fraction(d["exec_rate"]),
            as_fraction(d["exec_rate_reported"]),
            Mark(rep) if score_diff else rep,
            calc,
            d["total_score_na_rescaled"],
            Mark(g_rep) if grade_diff else g_rep,
            g_calc,
            "；".join(notes) or None,
            d["errors"],
            d["warnings"],
            d["infos"],
            d["unmet_output"],
            d["submit_date"],
            file_of.get(sup, sup) if sup else None,
            "\n".join(src.duplicates.get(d["sub"], [])) or None,
            src.file_link(d["sub"], d["file"]),
            d["sub"],
        ]

    def rows() -> Iterator[list[Any]]:
        for k, d in enumerate(records(p, PROJECT_SOURCE), start=1):
            yield row(k, d)

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        book.cf_values(ws, first, last, column_at(PROJECT_COLS, "状态"), STATUS_COLOURS)
        book.cf_values(ws, first, last, column_at(PROJECT_COLS, "等次（复核）"), GRADES)
        book.cf_below(ws, first, last, column_at(PROJECT_COLS, "执行率（复核）"), warn / 100)

    return Table(
        NAME,
        PROJECT_COLS,
        rows,
        len(p),
        sample_rows(rows(), len(p)),
        styles=styles,
        print_cols=column_at(PROJECT_COLS, "填报日期") + 1,
    )
