"""运行信息: version, configuration, times, and every input file."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from xlsxwriter.worksheet import Worksheet

from perfxl.intake.inputs import INPUT_STATUS_ZH
from perfxl.report.run_result import RunResult
from perfxl.report.summary.book import (
    WIDTH_SAMPLE,
    Book,
    Col,
    Table,
)
from perfxl.report.summary.registry import sheet
from perfxl.report.summary.sources import Sources
from perfxl.report.summary.values import (
    as_shown,
    clean_text,
    format_value,
    when,
)

NAME = "运行信息"
ORIGIN_ZH = {"file": "文件", "zip": "压缩包", "mail": "邮件附件", "email": "邮件附件"}

INPUT_COLS = [
    Col("处理结果", cap=30),
    Col("文件", cap=60),
    Col("原因", cap=40),
    Col("来源", width=8),
    Col("大小（字节）", "int", width=12),
    Col("SHA-256", width=20),
    Col("接收时间", "datetime", width=19),
    Col("提交编号", width=14),
    Col("项目状态", width=9),
    Col("来源详情", cap=50),
]


def _run_facts(run: RunResult) -> list[tuple[str, Any]]:
    seconds = (run.finished - run.started).total_seconds()
    by_status = Counter(i.status for i in run.inputs)
    facts: list[tuple[str, Any]] = [
        ("perfxl 版本", run.version),
        ("开始时间", when(run.started)),
        ("结束时间", when(run.finished)),
        ("用时（秒）", round(seconds, 2)),
        ("汇总表生成时间", when(dt.datetime.now().astimezone())),
        ("配置来源", run.config.source),
    ]
    facts += [(f"选项 {k}", "—" if v is None else as_shown(v)) for k, v in run.options.items()]
    facts += [(f"配置 {k}", format_value(v)) for k, v in run.config.flat().items()]
    facts.append(("输入文件数", len(run.inputs)))
    facts += [(f"　其中{INPUT_STATUS_ZH.get(s, s)}", n) for s, n in sorted(by_status.items())]
    return facts


@sheet(NAME, "版本、配置、起止时间、每个输入文件的哈希和处理结果", position=90)
def run_info_table(run: RunResult, src: Sources) -> Table | None:
    status_of = dict(zip(run.projects.get("sub", []), run.projects.get("status", []), strict=True))
    body = []
    for i in run.inputs:
        prov = "；".join(
            f"{k}: {as_shown(v)}" for k, v in (i.provenance or {}).items() if v not in (None, "")
        )
        body.append(
            [
                INPUT_STATUS_ZH.get(i.status, i.status),
                i.display,
                i.reason or None,
                ORIGIN_ZH.get(i.origin, i.origin),
                i.size,
                i.sha256 or None,
                i.received,
                i.sub,
                status_of.get(i.sub) if i.status != "duplicate" else None,
                prov or None,
            ]
        )
    facts = _run_facts(run)
    header_row = len(facts) + 3

    def intro(book: Book, ws: Worksheet) -> int:
        f = book.f
        ws.write_string(0, 0, "运行信息", f["title"])
        ws.set_row(0, 24)
        ws.write_string(1, 0, "项目", f["header"])
        ws.write_string(1, 1, "值", f["header"])
        for k, (label, value) in enumerate(facts, start=2):
            ws.write_string(k, 0, label, f["label"])
            if isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(k, 1, value, f["num_left"])
            else:
                ws.write_string(k, 1, clean_text(str(value)), f["text"])
        ws.write_string(header_row - 1, 0, f"输入文件（{len(body)} 个）", f["label"])
        return header_row

    sample = [[label, value] for label, value in facts] + body[:WIDTH_SAMPLE]
    return Table(
        NAME,
        INPUT_COLS,
        lambda: iter(body),
        len(body),
        [[*r, *[None] * (len(INPUT_COLS) - len(r))] for r in sample],
        intro=intro,
        intro_rows=header_row,
    )


# ---------------------------------------------------------------- 总览
