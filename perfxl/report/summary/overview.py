"""总览: key figures, the sheet index, grade and execution-rate charts."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from perfxl.checks.scoring import GRADES
from perfxl.report.projects import ACTIVE_STATUSES
from perfxl.report.rollups import WHOLE_DEPARTMENT
from perfxl.report.run_result import RunResult
from perfxl.report.summary.book import (
    Book,
)
from perfxl.report.summary.projects import PROJECT_SOURCE
from perfxl.report.summary.registry import SHEETS
from perfxl.report.summary.roster import BUDGET_DIFF, MISSING, OFF_ROSTER, roster_rows
from perfxl.report.summary.values import (
    as_fraction,
    as_number,
    clean_text,
    text_width,
    when,
)

NAME = "总览"
CHART_MAX_DEPARTMENTS = 40


def _active_projects(p: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The projects in the roll-up, and how many 部门整体支出 forms stand beside them (not
    projects: a department's budget holds its projects')."""
    active = p[p["status"].isin(ACTIVE_STATUSES)]
    whole = active["profile"].isin(WHOLE_DEPARTMENT)
    return active[~whole], int(whole.sum())


def _figures(run: RunResult) -> list[tuple[str, Any, str]]:
    p = run.projects.reindex(columns=PROJECT_SOURCE)
    active, departments = _active_projects(p)
    sev = run.findings.reindex(columns=["severity"])["severity"].value_counts()
    status = p["status"].value_counts()
    inputs = Counter(i.status for i in run.inputs)
    budget = pd.to_numeric(active["budget_wan"], errors="coerce")
    executed = pd.to_numeric(active["executed_wan"], errors="coerce")
    both = budget.notna() & executed.notna()
    denominator = budget[both].sum()
    rate = executed[both].sum() / denominator if denominator > 0 else None
    unread_files = sum(1 for i in run.inputs if i.status == "unreadable" and not i.sub)
    figures: list[tuple[str, Any, str]] = [
        ("输入文件", len(run.inputs), "int"),
        ("提交的工作簿", len(p), "int"),
        ("参与汇总的项目", len(active), "int"),
        *([("部门整体自评表（不计入项目）", departments, "int")] if departments else []),
        ("　通过", int(status.get("通过", 0)), "int"),
        ("　需修改", int(status.get("需修改", 0)), "int"),
        ("无法读取", int(status.get("无法读取", 0)) + unread_files, "int"),
        ("已被新版本替代", int(status.get("已被替代", 0)), "int"),
        ("重复文件（只读一次）", inputs.get("duplicate", 0), "int"),
        ("非工作簿，已跳过", inputs.get("skipped", 0), "int"),
        ("主管部门", int(active["department"].nunique()), "int"),
        ("单位", int(active["unit"].nunique()), "int"),
        ("问题：错误", int(sev.get("error", 0)), "int"),
        ("问题：警告", int(sev.get("warning", 0)), "int"),
        ("问题：提示", int(sev.get("info", 0)), "int"),
        ("预算合计（万元）", budget.sum(min_count=1), "money"),
        ("执行合计（万元）", executed.sum(min_count=1), "money"),
        ("总体执行率（Σ执行÷Σ预算）", rate, "pct"),
    ]
    if run.roster is not None:
        rows = roster_rows(run, None)
        figures += [
            ("名单内项目", len(run.roster), "int"),
            ("　未提交", sum(1 for r in rows if r[0] == MISSING), "int"),
            ("　预算与批复不一致", sum(1 for r in rows if r[0] == BUDGET_DIFF), "int"),
            ("名单外提交", sum(1 for r in rows if r[0] == OFF_ROSTER), "int"),
        ]
    return figures


_TOP = 3  # the row of the first table's header, below the title


def overview(book: Book, run: RunResult, plan: list[tuple[str, int, list[str]]]) -> None:
    """总览: key figures, the sheet index, grade distribution and execution rate by department."""
    ws = book.sheet(NAME)
    _title(book, ws, run)
    r = _key_figures(book, ws, run)
    _sheet_index(book, ws, r + 2, plan)
    g1 = _grade_distribution(book, ws, run)
    _department_rates(book, ws, run, g1 + 3)
    ws.hide_gridlines(2)
    ws.activate()


def _title(book: Book, ws: Worksheet, run: RunResult) -> None:
    f = book.f
    seconds = (run.finished - run.started).total_seconds()
    ws.write_string(0, 0, "项目支出绩效自评汇总", f["title"])
    ws.set_row(0, 26)
    book.text(
        ws,
        1,
        0,
        f"运行于 {when(run.started)}，用时 {seconds:.1f} 秒 · perfxl {run.version} · "
        f"配置：{run.config.source} · 金额单位：万元 · 得分、等次、执行率均为复核值",
        f["subtitle"],
    )


def _key_figures(book: Book, ws: Worksheet, run: RunResult) -> int:
    """The key figures from row _TOP down; returns the last row written."""
    f = book.f
    ws.write_string(_TOP, 0, "项目", f["header"])
    ws.write_string(_TOP, 1, "数值", f["header"])
    r = _TOP
    for label, value, kind in _figures(run):
        r += 1
        ws.write_string(r, 0, label, f["label"])
        if as_number(value) is None:
            ws.write_string(r, 1, "—", f["text"])
        else:
            ws.write_number(r, 1, float(value), f[kind])
    return r


def _sheet_index(book: Book, ws: Worksheet, r: int, plan: list[tuple[str, int, list[str]]]) -> None:
    """A link to each sheet with its row count and, where it continues, its other parts."""
    f = book.f
    ws.write_string(r, 0, "工作表（点击打开）", f["header"])
    ws.write_string(r, 1, "行数", f["header"])
    for sheet, n, parts in plan:
        r += 1
        note = SHEETS[sheet].note if sheet in SHEETS else None
        ws.write_url(r, 0, f"internal:'{sheet}'!A1", f["link"], sheet, note)
        ws.write_number(r, 1, n, f["int"])
        if len(parts) > 1:
            ws.write_string(r, 2, "续表：" + "、".join(parts[1:]), f["note"])


def _grade_distribution(book: Book, ws: Worksheet, run: RunResult) -> int:
    """Grades of the projects in the roll-up, recomputed and as reported, with their chart;
    returns the last row of the table."""
    f = book.f
    p = run.projects.reindex(columns=PROJECT_SOURCE)
    active, _ = _active_projects(p)
    calc = active["grade_recomputed"].value_counts()
    rep = active["grade_reported"].value_counts()
    g0 = _TOP
    for c, h in enumerate(("等次", "复核", "填报"), start=3):
        ws.write_string(g0, c, h, f["header"])
    for k, g in enumerate(GRADES, start=g0 + 1):
        ws.write_string(k, 3, g, f["text"])
        ws.write_number(k, 4, int(calc.get(g, 0)), f["int"])
        ws.write_number(k, 5, int(rep.get(g, 0)), f["int"])
    g1 = g0 + len(GRADES)
    book.cf_values(ws, g0 + 1, g1, 3, GRADES)
    chart = book.wb.add_chart({"type": "column"})
    for col, colour in ((4, "#4472C4"), (5, "#A5A5A5")):
        chart.add_series(
            {
                "name": [NAME, g0, col],
                "categories": [NAME, g0 + 1, 3, g1, 3],
                "values": [NAME, g0 + 1, col, g1, col],
                "fill": {"color": colour},
                "data_labels": {"value": True},
                "gap": 80,
            }
        )
    chart.set_title({"name": "等次分布（参与汇总的项目）", "name_font": {"size": 11}})
    chart.set_y_axis({"name": "项目数", "min": 0, "num_format": "0"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 460, "height": 270})
    ws.insert_chart(_TOP, 10, chart, {"x_offset": 8})

    return g1


def _department_rates(book: Book, ws: Worksheet, run: RunResult, d0: int) -> None:
    """Execution rate by department (lowest first) from row d0, the data of the bar chart."""
    f = book.f
    warn = run.config.execution.warn_below
    dept = run.departments.reindex(
        columns=["department", "fiscal_year", "projects", "budget_wan", "executed_wan", "exec_rate"]
    )
    dept = dept.assign(_r=pd.to_numeric(dept["exec_rate"], errors="coerce")).sort_values(
        ["_r", "department"], na_position="last", kind="stable"
    )
    several_years = dept["fiscal_year"].nunique() > 1
    ws.write_string(d0 - 1, 3, "各主管部门执行率（Σ执行数 ÷ Σ预算数，由低到高）", f["label"])
    heads = ("主管部门", "年度", "项目数", "预算合计（万元）", "执行合计（万元）", "执行率")
    for c, h in enumerate(heads, start=3):
        ws.write_string(d0, c, h, f["header"])
    k = d0
    labels = []
    for rec in dept.to_dict("records"):
        k += 1
        label = str(rec["department"])
        if several_years and as_number(rec["fiscal_year"]) is not None:
            label += f"（{int(rec['fiscal_year'])}）"
        labels.append(label)
        ws.write_string(k, 3, clean_text(label), f["text"])
        book.number(ws, k, 4, rec["fiscal_year"], f["int"])
        book.number(ws, k, 5, rec["projects"], f["int"])
        book.number(ws, k, 6, rec["budget_wan"], f["money"])
        book.number(ws, k, 7, rec["executed_wan"], f["money"])
        book.number(ws, k, 8, as_fraction(rec["exec_rate"]), f["pct"])
    if k > d0:
        book.cf_below(ws, d0 + 1, k, 8, warn / 100)
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 3)
    ws.set_column(3, 3, min(34, max([text_width(x) for x in labels] + [10]) + 2))
    ws.set_column(4, 5, 7)
    ws.set_column(6, 7, 15)
    ws.set_column(8, 8, 9)
    ws.set_column(9, 9, 2)
    shown = min(len(labels), CHART_MAX_DEPARTMENTS)
    if shown:
        bar = book.wb.add_chart({"type": "bar"})
        rates = dept["_r"].iloc[:shown].tolist()
        bar.add_series(
            {
                "name": "执行率",
                "categories": [NAME, d0 + 1, 3, d0 + shown, 3],
                "values": [NAME, d0 + 1, 8, d0 + shown, 8],
                "points": [
                    {"fill": {"color": "#FFC000" if (as_number(x) or 0) < warn else "#4472C4"}}
                    for x in rates
                ],
                "data_labels": {"value": True, "num_format": "0.0%"},
                "gap": 60,
            }
        )
        title = f"各主管部门预算执行率（黄色：低于{warn:g}%）"
        if len(labels) > shown:
            title += f"，最低的 {shown} 个"
        bar.set_title({"name": title, "name_font": {"size": 11}})
        bar.set_x_axis({"num_format": "0%", "min": 0})
        bar.set_y_axis({"reverse": True})
        bar.set_legend({"none": True})
        bar.set_size({"width": 460, "height": max(200, 70 + 26 * shown)})
        ws.insert_chart(_TOP + 15, 10, bar, {"x_offset": 8})
