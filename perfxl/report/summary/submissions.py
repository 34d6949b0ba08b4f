"""提交记录: every attachment that came by e-mail and what became of it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xlsxwriter.worksheet import Worksheet

from perfxl.intake.inputs import INPUT_STATUS_ZH, InputFile
from perfxl.report.run_result import RunResult
from perfxl.report.summary.book import (
    STATUS_COLOURS,
    WIDTH_SAMPLE,
    Book,
    Col,
    Table,
    column_at,
)
from perfxl.report.summary.projects import PROJECT_SOURCE
from perfxl.report.summary.registry import sheet
from perfxl.report.summary.sources import Sources, unlinkable
from perfxl.report.summary.values import (
    Link,
)

NAME = "提交记录"

SUBMISSION_COLS = [
    Col("发送时间", "datetime", width=17),
    Col("发件人", cap=34),
    Col("主题", cap=40),
    Col("附件", cap=40),
    Col("压缩包内文件", cap=30),
    Col("处理结果", cap=18),
    Col("原因", cap=36),
    Col("单位", cap=26),
    Col("项目", cap=26),
    Col("项目状态", width=9),
    Col("错误", "int", width=6),
    Col("警告", "int", width=6),
    Col("审核意见表", "link", cap=36),
    Col("回复草稿", "link", cap=36),
    Col("Message-ID", cap=40),
    Col("附件 SHA-256", width=20),
    Col("邮件位置", cap=40),
    Col("提交编号", width=14),
]


def _mail_time(v: Any) -> dt.datetime | None:
    """An e-mail's ISO date as local wall-clock time (Excel has no time zones)."""
    try:
        d = dt.datetime.fromisoformat(str(v))
    except ValueError:
        return None
    return d.astimezone().replace(tzinfo=None) if d.tzinfo is not None else d


@sheet(
    NAME,
    "邮件提交的每个附件一行：发件人、发送时间、主题、Message-ID、附件名、哈希、处理结果",
    position=70,
)
def submissions_table(run: RunResult, src: Sources) -> Table | None:
    """提交记录: every attachment that came by e-mail (None when nothing came by e-mail)."""
    mail = [i for i in run.inputs if i.origin == "mail"]
    if not mail:
        return None
    feedback: dict[str, str] = {}
    replies: dict[str, str] = {}
    if run.options.get("feedback_workbooks"):
        from perfxl.report.feedback import plan as feedback_plan

        feedback = feedback_plan(run)
    if run.options.get("reply_drafts"):
        from perfxl.report.replies import plan as reply_plan
        from perfxl.report.replies import reply_address

        replies = reply_plan(run)
    p = run.projects.reindex(columns=PROJECT_SOURCE)
    ctx = {r["sub"]: r for r in p.to_dict("records")}

    def link(rel: str | None, tip: str) -> Link | None:
        if not rel or not src.output_exists(rel):
            return None
        name = rel.split("/")[-1]
        if unlinkable(rel):
            return Link(name, None)
        return Link(name, "external:" + rel, tip)

    def order(i: InputFile) -> tuple[dt.datetime, str]:
        return (_mail_time((i.provenance or {}).get("email_date")) or dt.datetime.min, i.display)

    body = []
    for i in sorted(mail, key=order):
        prov = i.provenance or {}
        rec = ctx.get(i.sub, {}) if i.sub else {}
        body.append(
            [
                _mail_time(prov.get("email_date")),
                prov.get("email_from"),
                prov.get("email_subject"),
                prov.get("archive") or prov.get("attachment"),
                prov.get("member"),
                INPUT_STATUS_ZH.get(i.status, i.status),
                i.reason or None,
                rec.get("unit"),
                rec.get("project"),
                rec.get("status"),
                rec.get("errors") if rec else None,
                rec.get("warnings") if rec else None,
                link(feedback.get(i.sub or ""), "打开审核意见工作簿"),
                link(replies.get(reply_address(i)), "打开回复草稿") if replies else None,
                prov.get("message_id"),
                i.sha256 or prov.get("attachment_sha256"),
                prov.get("mailbox"),
                i.sub,
            ]
        )

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        book.cf_values(ws, first, last, column_at(SUBMISSION_COLS, "项目状态"), STATUS_COLOURS)

    return Table(
        NAME,
        SUBMISSION_COLS,
        lambda: iter(body),
        len(body),
        body[:WIDTH_SAMPLE],
        styles,
        print_cols=column_at(SUBMISSION_COLS, "警告") + 1,
    )
