"""规则说明: the rules of this run with their thresholds and counts."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from perfxl.model.findings import SEVERITY_ZH
from perfxl.report.run_result import RunResult
from perfxl.report.summary.book import (
    SEVERITY_COLOURS,
    Book,
    Col,
    Table,
    column_at,
)
from perfxl.report.summary.projects import PROFILE_ZH
from perfxl.report.summary.registry import sheet
from perfxl.report.summary.sources import Sources
from perfxl.report.summary.values import (
    format_value,
)

NAME = "规则说明"

RULE_COLS = [
    Col("编号", width=6),
    Col("类别", cap=12),
    Col("级别", width=10),
    Col("规则", cap=26),
    Col("Rule", cap=34),
    Col("提示模板", cap=60, wrap=True),
    Col("适用模板", cap=20),
    Col("范围", width=9),
    Col("阈值（本次生效值）", cap=36, wrap=True),
    Col("已实现", width=7),
    Col("不能实现的原因", cap=40, wrap=True),
    Col("读取失败即停止检查", width=10),
    Col("本次问题数", "int", width=9),
]
SCOPE_ZH = {
    "file": "文件",
    "submission": "每份提交",
    "row": "每行",
    "department": "部门",
    "batch": "整批",
}


@sheet(NAME, "本次使用的检查规则、级别和阈值", position=80)
def rules_table(run: RunResult, src: Sources) -> Table | None:
    from perfxl.checks import load_all
    from perfxl.report.text import catalogue_rows

    load_all()
    flat = run.config.flat()
    counts = run.findings["rule"].value_counts().to_dict() if not run.findings.empty else {}
    body = []
    for r in catalogue_rows():
        thresholds = "\n".join(
            f"{k} = {format_value(flat[k])}" if k in flat else f"{k}（未配置）"
            for k in r["thresholds"]
        )
        body.append(
            [
                r["id"],
                r["family"],
                "/".join(SEVERITY_ZH.get(s, s) for s in r["severities"]),
                r["title_zh"],
                r["title_en"],
                r["message_zh"],
                "全部"
                if set(r["profiles"]) >= set(PROFILE_ZH)
                else "、".join(PROFILE_ZH.get(x, x) for x in r["profiles"]),
                SCOPE_ZH.get(r["scope"], r["scope"]),
                thresholds or None,
                "是" if r["implemented"] else "否",
                r["not_implementable"],
                "是" if r["blocking"] else None,
                int(counts.get(r["id"], 0)),
            ]
        )

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        col = column_at(RULE_COLS, "级别")
        for zh in SEVERITY_COLOURS:  # "警告/提示": coloured by its first severity
            ws.conditional_format(
                first,
                col,
                last,
                col,
                {"type": "text", "criteria": "begins with", "value": zh, "format": book.cf[zh]},
            )

    return Table(NAME, RULE_COLS, lambda: iter(body), len(body), body, styles)
