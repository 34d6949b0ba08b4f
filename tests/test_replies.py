"""Reply drafts: one .eml per sender, findings per project, the feedback workbook attached."""

from __future__ import annotations

import email
import email.policy
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_intake_mail import SHAPES, attachment, b_word, mbox, message, zipped

from perfxl.cli import main
from perfxl.intake.mail import parse_mail
from perfxl.intake.names import param_text, split_params
from perfxl.report.replies import parse_server

FROM = "绩效处 <jxc@czj.example.cn>"
WANG = "wangxm@lj-yz.example.cn"
LI = "lisi@nyj.example.cn"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    """王晓梅 sends a project with an error (and a Word report), then a clean one; 李四 sends a
    zip holding a project with an error; someone else sends only a PDF."""
    from conftest import Workbench

    folder = tmp_path_factory.mktemp("inbox")
    bench = Workbench(folder)
    bad = bench.national()
    bad["fields"]["grade_reported"] = "良"  # G01: the stated grade is wrong
    clean = bench.national()
    clean["fields"].update(project_code="2024-JY-002", project_name="课后服务")
    other = bench.national()
    other["fields"].update(
        project_code="2024-NY-001",
        project_name="高素质农民培育",
        unit="临江市农业技术推广中心",
        grade_reported="中",
    )
    word = (
        b'Content-Disposition: attachment; filename="' + b_word("自评报告.docx").encode() + b'"\r\n'
    )
    box = folder / "收件箱.mbox"
    box.write_bytes(
        mbox(
            message(
                attachment(SHAPES["rfc2047_inside_quotes"], bench.build(bad).read_bytes()),
                attachment(word, b"PK\x03\x04docx", "application/msword"),
                date="Mon, 03 Mar 2025 09:00:00 +0800",
                message_id="<a1@lj-yz.example.cn>",
                extra=b"References: <thread-start@czj.example.cn>\r\n",
            ),
            message(
                attachment(SHAPES["rfc2231_plain"], bench.build(clean).read_bytes()),
                date="Tue, 04 Mar 2025 09:00:00 +0800",
                message_id="<a2@lj-yz.example.cn>",
                subject=b_word("课后服务自评表"),
            ),
            message(
                attachment(
                    b'Content-Disposition: attachment; filename="'
                    + b_word("农业.zip").encode()
                    + b'"\r\n',
                    zipped({"高素质农民培育_自评表.xlsx": bench.build(other).read_bytes()}),
                ),
                sender=f"{b_word('李四')} <{LI}>",
                message_id="<b1@nyj.example.cn>",
            ),
            message(
                attachment(
                    b'Content-Disposition: attachment; filename="scan.pdf"\r\n', b"%PDF-1.4"
                ),
                sender="someone@example.cn",
                message_id="<c1@example.cn>",
            ),
        )
    )
    return box


@pytest.fixture(scope="module")
def drafts(inbox, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(
        main, ["run", str(inbox), "-o", str(out), "--replies", "--reply-from", FROM, "--jobs", "1"]
    )
    assert result.exit_code == 1, result.output
    return out


def _parse(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def _draft(out: Path, address: str) -> Path:
    return next(p for p in (out / "replies").iterdir() if address in p.name)


def test_one_draft_per_sender_who_sent_a_workbook(drafts) -> None:
    names = sorted(p.name for p in (drafts / "replies").iterdir())
    assert names == [f"李四_{LI}.eml", f"王晓梅_{WANG}.eml"]  # not the one who sent only a PDF
    assert (drafts / "feedback").is_dir()  # --replies implies --feedback


def test_reply_headers(drafts) -> None:
    msg = _parse(_draft(drafts, WANG))
    assert msg["To"].addresses[0].addr_spec == WANG
    assert msg["To"].addresses[0].display_name == "王晓梅"
    assert msg["From"].addresses[0].display_name == "绩效处"
    assert msg["In-Reply-To"] == "<a2@lj-yz.example.cn>"  # the latest of the sender's mails
    assert msg["References"].split() == [
        "<thread-start@czj.example.cn>",
        "<a1@lj-yz.example.cn>",
        "<a2@lj-yz.example.cn>",
    ]
    assert str(msg["Subject"]) == "回复：课后服务自评表（审核意见：1 个项目需修改）"
    assert msg["X-Unsent"] == "1"
    assert msg["Message-ID"].endswith("@czj.example.cn>")


def test_reply_body_spells_out_the_errors(drafts) -> None:
    msg = _parse(_draft(drafts, WANG))
    body = msg.get_body(("plain",)).get_content()
    assert body.startswith("王晓梅：")
    assert "一、学生营养改善计划（临江市第一中学）" in body
    assert "二、课后服务（临江市第一中学）" in body
    assert "结果：需修改（错误 1 条" in body
    assert "必须修改的错误：" in body and "〔G01〕" in body
    assert "您于 3月3日 09:00、3月4日 09:00 发送的 2 封邮件已收到" in body
    assert "    结果：通过" in body
    assert "自评报告.docx：非工作簿附件" in body
    assert "绩效处" in body


def test_attachment_names_parse_back(drafts) -> None:
    data = _draft(drafts, WANG).read_bytes()
    msg = email.message_from_bytes(data, policy=email.policy.default)
    parts = list(msg.iter_attachments())
    expected = "临江市第一中学_绩效自评表_审核意见.xlsx"
    # the second project is attached too when it has findings of its own (notes, at least)
    assert [p.get_filename() for p in parts][:1] == [expected]
    assert parts[0].get_payload(decode=True) == (drafts / "feedback" / expected).read_bytes()
    raw = dict((k.lower(), v) for k, v in parts[0].raw_items())
    assert "filename*0*=utf-8''%E4%B8%B4" in raw["content-disposition"]  # RFC 2231, UTF-8
    # the RFC 2047 name in Content-Type, for older clients, says the same
    raw_ct = raw["content-type"]
    assert param_text(split_params(raw_ct)[1], "name") == expected
    # and our own intake reads it as such
    assert [a.name for a in parse_mail(data, "reply").attachments][:1] == [expected]
    # a zip member's feedback is attached to the reply of whoever sent the zip
    li = _parse(_draft(drafts, LI))
    assert [p.get_filename() for p in li.iter_attachments()] == [
        "高素质农民培育_自评表_审核意见.xlsx"
    ]


def test_submission_record_links_the_reply(drafts) -> None:
    import openpyxl

    sheet = openpyxl.load_workbook(drafts / "summary.xlsx")["提交记录"]
    head = [c.value for c in sheet[1]]
    col = head.index("回复草稿") + 1
    targets = {
        sheet.cell(r, col).hyperlink.target.replace("\\", "/")
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(r, col).hyperlink is not None
    }
    assert targets == {f"replies/李四_{LI}.eml", f"replies/王晓梅_{WANG}.eml"}


# ---------------------------------------------------------------- sending


class _Inbox:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_smtp_sends_to_a_real_server(inbox, tmp_path) -> None:
    from aiosmtpd.controller import Controller

    handler = _Inbox()
    port = _free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        out = tmp_path / "out"
        result = CliRunner().invoke(
            main,
            ["run", str(inbox), "-o", str(out), "--smtp", f"127.0.0.1:{port}"]
            + ["--reply-from", FROM, "--jobs", "1"],
        )
    finally:
        server.stop()
    assert result.exit_code == 1, result.output  # the findings decide the exit code
    assert "发出 2 封回复" in result.output
    got = {tuple(e.rcpt_tos): e for e in handler.envelopes}
    assert set(got) == {(LI,), (WANG,)}
    envelope = got[(WANG,)]
    assert envelope.mail_from == "jxc@czj.example.cn"
    msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert msg["X-Unsent"] is None  # a draft marker, not for the recipient
    assert str(msg["Subject"]).startswith("回复：")
    assert [p.get_filename() for p in msg.iter_attachments()][:1] == [
        "临江市第一中学_绩效自评表_审核意见.xlsx"
    ]


def test_smtp_failure_is_one_line_and_keeps_the_drafts(inbox, tmp_path) -> None:
    out = tmp_path / "out"
    port = _free_port()  # nothing listens there
    result = CliRunner().invoke(
        main,
        ["run", str(inbox), "-o", str(out), "--smtp", f"127.0.0.1:{port}", "--reply-from", FROM],
    )
    assert result.exit_code == 2
    assert "发送回复失败" in result.output and "Traceback" not in result.output
    assert len(list((out / "replies").iterdir())) == 2


@pytest.mark.parametrize(
    ("args", "message_part"),
    [
        (["--smtp", "localhost"], "主机:端口"),
        (["--smtp", "localhost:25"], "--reply-from"),
        (["--reply-from", "nobody"], "不是邮件地址"),
    ],
)
def test_usage_errors(tmp_path, args, message_part) -> None:
    result = CliRunner().invoke(main, ["run", str(tmp_path), "-o", str(tmp_path / "o"), *args])
    assert result.exit_code == 2
    assert message_part in result.output


def test_parse_server() -> None:
    assert parse_server("smtp.example.cn:25") == ("smtp.example.cn", 25)
    assert parse_server("[::1]:2525") == ("::1", 2525)
    for bad in ("host", "host:x", ":25", "host:0"):
        with pytest.raises(ValueError):
            parse_server(bad)


def test_sent_replies_are_recorded_in_the_ledger(inbox, tmp_path) -> None:
    """With a ledger, each reply sent through a real SMTP server is recorded against the
    submission versions it answered, with the sender's mail provenance."""
    from aiosmtpd.controller import Controller

    from perfxl.run.ledger import Ledger

    handler = _Inbox()
    port = _free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    ledger = tmp_path / "season.db"
    try:
        result = CliRunner().invoke(
            main,
            ["run", str(inbox), "-o", str(tmp_path / "out"), "--smtp", f"127.0.0.1:{port}"]
            + ["--reply-from", FROM, "--jobs", "1", "--ledger", str(ledger)],
        )
    finally:
        server.stop()
    assert result.exit_code == 1, result.output
    with Ledger(ledger) as book:
        replies = book.replies()
        subs = book.submissions().set_index("id")
        status = book.status().set_index("project")
    sent = replies[replies["kind"] == "sent"]
    assert set(sent["path"]) == {WANG, LI}  # the addresses the replies went to
    assert set(subs.loc[sent["submission_id"], "sender"]) == {WANG, LI}
    assert set(replies["kind"]) == {"feedback", "sent"}
    # a project that was answered and has something open is returned (需修改)
    assert status.loc["高素质农民培育", "status"] == "需修改"
    assert status.loc["高素质农民培育", "replied_at"] is not None
