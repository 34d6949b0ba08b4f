"""部门汇总: each 主管部门 with its units grouped beneath it."""

from __future__ import annotations

from typing import Any

from xlsxwriter.worksheet import Worksheet

from perfxl.checks.scoring import GRADES
from perfxl.report.rollups import ROLLUP_COLUMNS
from perfxl.report.run_result import RunResult
from perfxl.report.summary.book import (
    WIDTH_SAMPLE,
    Book,
    Col,
    Table,
    column_at,
)
from perfxl.report.summary.registry import sheet
from perfxl.report.summary.sources import Sources
from perfxl.report.summary.values import (
    as_fraction,
)

NAME = "部门汇总"


def department_cols(warn: float) -> list[Col]:
    return [
        Col("层级", width=6),
        Col("主管部门", cap=26),
        Col("单位", cap=30),
        Col("年度", "int", width=7),
        Col("项目数", "int", width=7),
        Col("预算合计（万元）", "money", cap=18),
        Col("执行合计（万元）", "money", cap=18),
        Col("执行率（Σ执行÷Σ预算）", "pct", width=12),
        Col("加权平均分（按预算）", "score", width=11),
        Col("简单平均分", "score", width=9),
        Col("最低分", "score", width=8),
        Col("最高分", "score", width=8),
        *[Col(g, "int", width=5) for g in GRADES],
        Col("优秀率", "pct", width=9),
        Col(f"执行率低于{warn:g}%的项目", "int", width=10),
        Col("产出指标未完成的项目", "int", width=10),
        Col("错误", "int", width=6),
        Col("警告", "int", width=6),
        Col("提示", "int", width=6),
    ]


def _rollup_row(level: str, dept: Any, unit: Any, rec: dict[str, Any]) -> list[Any]:
    vals = [rec.get(k) for k in ROLLUP_COLUMNS]
    for rate in ("exec_rate", "share_excellent"):
        vals[ROLLUP_COLUMNS.index(rate)] = as_fraction(vals[ROLLUP_COLUMNS.index(rate)])
    return [level, dept, unit, rec.get("fiscal_year"), *vals]


@sheet(NAME, "按主管部门及其下属单位汇总：执行率为Σ执行数÷Σ预算数", position=30)
def departments_table(run: RunResult, src: Sources) -> Table | None:
    """Each 主管部门 (bold) with its units grouped beneath it (domain b.9)."""
    warn = run.config.execution.warn_below
    d = run.departments.reindex(columns=["department", "fiscal_year", *ROLLUP_COLUMNS])
    u = run.units.reindex(columns=["department", "unit", "fiscal_year", *ROLLUP_COLUMNS])
    groups: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for rec in u.to_dict("records"):
        groups.setdefault((rec["department"], rec["fiscal_year"]), []).append(rec)
    body: list[list[Any]] = []
    # a missing year arrives as the text （未填写） among the numbers: sort as text
    ordered = d.sort_values(
        ["department", "fiscal_year"], kind="stable", key=lambda c: c.astype(str)
    )
    for rec in ordered.to_dict("records"):
        body.append(_rollup_row("部门", rec["department"], None, rec))
        units = groups.get((rec["department"], rec["fiscal_year"]), [])
        body += [
            _rollup_row("单位", x["department"], x["unit"], x)
            for x in sorted(units, key=lambda x: str(x["unit"]))
        ]

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        ws.outline_settings(True, False, True, False)  # the +/- button on the department row
        rate = column_at(department_cols(warn), "执行率（Σ执行÷Σ预算）")
        book.cf_below(ws, first, last, rate, warn / 100)

    return Table(
        NAME,
        department_cols(warn),
        lambda: iter(body),
        len(body),
        body[:WIDTH_SAMPLE],
        styles=styles,
        group=lambda row: 1 if row[0] == "单位" else 0,
    )


# ---------------------------------------------------------------- 指标明细, 绩效目标
