"""Mail intake: every attachment-name shape Chinese clients send, mailboxes, provenance, collect."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import email
import email.policy
import io
import json
import os
import zipfile
from pathlib import Path
from urllib.parse import quote_from_bytes

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import Workbench

from perfxl.cli import main
from perfxl.intake.mail import iter_mail, mail_kind, parse_mail
from perfxl.intake.names import decode_words, header_text, param_text, split_params
from perfxl.run.batch import run_batch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOUNDARY = b"----=_NextPart_perfxl_test"
SENDER = "=?gb2312?B?" + base64.b64encode("王晓梅".encode("gbk")).decode() + "?="


# ---------------------------------------------------------------- MIME bytes, built by hand


def b_word(text: str, label: str = "gb2312", codec: str = "gb18030") -> str:
    """An RFC 2047 B-encoded word (gb2312 label over gb18030 bytes, as Foxmail writes them)."""
    return f"=?{label}?B?{base64.b64encode(text.encode(codec)).decode()}?="


def q_word(text: str, label: str = "utf-8") -> str:
    raw = text.encode("utf-8" if label.lower() == "utf-8" else "gb18030")
    return f"=?{label}?Q?{''.join(f'={b:02X}' for b in raw)}?="


def part(headers: bytes, data: bytes) -> bytes:
    """One MIME part: its header lines (CRLF-terminated) and a base64 body."""
    body = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return headers + b"Content-Transfer-Encoding: base64\r\n\r\n" + body


def attachment(
    name_headers: bytes, data: bytes = b"PK\x05\x06" + b"\x00" * 18, ctype: str = XLSX
) -> bytes:
    """An attachment part whose name is given by `name_headers` (raw, any shape)."""
    if b"Content-Type:" not in name_headers:
        name_headers = f"Content-Type: {ctype}\r\n".encode() + name_headers
    return part(name_headers, data)


def message(
    *parts: bytes,
    sender: bytes | str = f"{SENDER} <wangxm@lj-yz.example.cn>",
    subject: bytes | str = b_word("临江市第一中学绩效自评表"),
    date: str = "Sat, 01 Mar 2025 10:00:00 +0800",
    message_id: str = "<m1@lj-yz.example.cn>",
    extra: bytes = b"",
    body: str = "请查收附件。",
) -> bytes:
    def raw(v: bytes | str) -> bytes:
        return v if isinstance(v, bytes) else v.encode("ascii")

    head = (
        b"Return-Path: <wangxm@lj-yz.example.cn>\r\n"
        b"Received: from mx.lj-yz.example.cn by mail.czj.example.cn; " + raw(date) + b"\r\n"
        b"From: " + raw(sender) + b"\r\n"
        b"To: jxc@czj.example.cn\r\n"
        b"Subject: " + raw(subject) + b"\r\n"
        b"Date: " + raw(date) + b"\r\n"
        b"Message-ID: " + raw(message_id) + b"\r\n" + extra + b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="' + BOUNDARY + b'"\r\n\r\n'
        b"This is a multi-part message in MIME format.\r\n"
    )
    text = part(b"Content-Type: text/plain; charset=gb2312\r\n", body.encode("gbk"))
    out = head + b"--" + BOUNDARY + b"\r\n" + text
    for p in parts:
        out += b"\r\n--" + BOUNDARY + b"\r\n" + p
    return out + b"\r\n--" + BOUNDARY + b"--\r\n"


def mbox(*messages: bytes) -> bytes:
    out = b""
    for k, m in enumerate(messages):
        out += f"From sender{k}@example.cn Sat Mar  1 10:00:00 2025\n".encode()
        out += m.replace(b"\r\n", b"\n") + b"\n"
    return out


def zipped(members: dict[str, bytes]) -> bytes:
    """A zip as Chinese Windows writes it: GBK member names, no UTF-8 flag."""
    buf = io.BytesIO()
    swaps = []
    with zipfile.ZipFile(buf, "w") as zf:
        for k, (name, data) in enumerate(members.items()):
            local = name.encode("gbk")
            # an ASCII stand-in of the same length, swapped for the GBK bytes afterwards
            stand_in = (f"{k:02d}" + "Q" * (len(local) - 2)).encode()
            zf.writestr(stand_in.decode(), data)
            swaps.append((stand_in, local))
    raw = buf.getvalue()
    for stand_in, local in swaps:
        raw = raw.replace(stand_in, local)
    return raw


# ---------------------------------------------------------------- every filename shape

NAME = "临江市第一中学_绩效自评表.xlsx"
RARE = "喆镕䶮_绩效自评表.xlsx"  # 喆 and 镕 are GBK, not GB2312; 䶮 needs gb18030's 4-byte form


def _rfc2231_split(name: str, cut: int, charset: str = "utf-8", codec: str = "utf-8") -> bytes:
    raw = name.encode(codec)
    a, b = quote_from_bytes(raw[:cut], safe=""), quote_from_bytes(raw[cut:], safe="")
    return (
        f"Content-Disposition: attachment;\r\n filename*0*={charset}''{a};\r\n filename*1*={b}\r\n"
    ).encode()


SHAPES = {
    # Foxmail / Outlook: an encoded word inside the quoted filename and name
    "rfc2047_inside_quotes": (
        f'Content-Type: {XLSX};\r\n name="{b_word(NAME)}"\r\n'
        f'Content-Disposition: attachment;\r\n filename="{b_word(NAME)}"\r\n'
    ).encode(),
    # plain and encoded segments mixed, two charsets, folded between the words
    "mixed_segments": (
        'Content-Disposition: attachment;\r\n filename="2024_'
        + b_word("临江市第一中学", "GBK")
        + "\r\n "
        + q_word("_绩效自评表")
        + '.xlsx"\r\n'
    ).encode(),
    # a server that passes raw 8-bit GBK bytes in the header
    "raw_gbk_header": b'Content-Disposition: attachment; filename="'
    + NAME.encode("gbk")
    + b'"\r\n',
    # labelled gb2312, but holding characters only gb18030 has
    "gb2312_label_rare_characters": (
        f'Content-Disposition: attachment; filename="{b_word(RARE)}"\r\n'
    ).encode(),
    # RFC 2231 continuations that cut a UTF-8 character in two
    "rfc2231_split_character": _rfc2231_split(NAME, 4),
    # …and a GBK one cut the same way, labelled gb2312
    "rfc2231_split_gbk": _rfc2231_split(RARE, 3, "gb2312", "gb18030"),
    # the name only in Content-Type (no filename in Content-Disposition, or no disposition at all)
    "name_only_in_content_type": (
        f'Content-Type: {XLSX}; name="{b_word(NAME, "gbk")}"\r\nContent-Disposition: attachment\r\n'
    ).encode(),
    "name_only_no_disposition": (f'Content-Type: {XLSX}; name="{b_word(NAME)}"\r\n').encode(),
    # Thunderbird / Gmail: plain RFC 2231
    "rfc2231_plain": (
        "Content-Disposition: attachment; filename*=UTF-8''"
        + quote_from_bytes(NAME.encode(), safe="")
        + "\r\n"
    ).encode(),
    # a gateway that encoded an already encoded name again
    "double_encoded": (
        'Content-Disposition: attachment; filename="'
        + "=?utf-8?B?"
        + base64.b64encode(b_word(NAME).encode()).decode()
        + '?="\r\n'
    ).encode(),
    # Outlook cuts long names into several words, in the middle of a character
    "words_split_mid_character": (
        'Content-Disposition: attachment;\r\n filename="=?utf-8?B?'
        + base64.b64encode(NAME.encode()[:5]).decode()
        + "?=\r\n =?utf-8?B?"
        + base64.b64encode(NAME.encode()[5:]).decode()
        + '?="\r\n'
    ).encode(),
    # old clients send the whole Windows path
    "windows_path": (
        'Content-Disposition: attachment; filename="C:\\Users\\wxm\\Desktop\\'
        + b_word(NAME)
        + '"\r\n'
    ).encode(),
}


def expected_name(shape: str) -> str:
    if shape == "mixed_segments":
        return "2024_临江市第一中学_绩效自评表.xlsx"
    return RARE if shape in ("gb2312_label_rare_characters", "rfc2231_split_gbk") else NAME


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_filename_shape(shape) -> None:
    raw = message(attachment(SHAPES[shape]))
    mail = parse_mail(raw, "x.eml")
    assert not mail.problem
    assert [a.name for a in mail.attachments] == [expected_name(shape)]


def test_attachment_without_any_name_is_named_by_its_type() -> None:
    raw = message(attachment(b"Content-Type: application/vnd.ms-excel\r\n"))
    assert [a.name for a in parse_mail(raw, "x").attachments] == ["未命名附件.xls"]


def test_headers_are_decoded_and_kept_as_provenance() -> None:
    raw = message(
        attachment(SHAPES["rfc2047_inside_quotes"]),
        sender=b"\xcd\xf5\xcf\xfe\xc3\xb7 <WangXM@lj-yz.example.cn>",  # raw GBK 王晓梅
        subject="Re: " + b_word("喆的自评表", "gb2312"),
        extra=b"References: <a@x> <b@x>\r\nReply-To: office@lj-yz.example.cn\r\n",
    )
    mail = parse_mail(raw, "box.mbox#1")
    prov = mail.provenance(mail.attachments[0])
    assert prov["email_from"] == "王晓梅 <wangxm@lj-yz.example.cn>"
    assert prov["email_address"] == "wangxm@lj-yz.example.cn"
    assert prov["email_reply_to"] == "office@lj-yz.example.cn"
    assert prov["email_subject"] == "Re: 喆的自评表"
    assert prov["email_date"] == "2025-03-01T10:00:00+08:00"
    assert prov["message_id"] == "<m1@lj-yz.example.cn>"
    assert prov["email_references"] == "<a@x> <b@x>"
    assert prov["attachment"] == NAME
    assert len(prov["attachment_sha256"]) == len(prov["email_sha256"]) == 64


def test_missing_date_falls_back_to_the_server_stamp() -> None:
    raw = message(attachment(SHAPES["rfc2231_plain"]), date="not a date")
    raw = raw.replace(b"; not a date", b"; Tue, 4 Mar 2025 09:30:00 +0800")
    assert parse_mail(raw, "x").date.isoformat() == "2025-03-04T09:30:00+08:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=?gb2312?B?" + base64.b64encode("䶮".encode("gb18030")).decode() + "?=", "䶮"),
        ("a =?utf-8?Q?=E4=B8=B4?= =?utf-8?Q?=E6=B1=9F?= b", "a 临江 b"),
        ("=?UNKNOWN-CHARSET?B?" + base64.b64encode("临江".encode()).decode() + "?=", "临江"),
        ("=?utf-8?B?5Li0?=", "临"),  # padding missing
        ("plain", "plain"),
    ],
)
def test_decode_words(text, expected) -> None:
    assert decode_words(text) == expected


def test_params_parser_is_tolerant() -> None:
    main_value, params = split_params('attachment; filename="a;b.xlsx"; size=3; FileName="x"')
    assert main_value == "attachment"
    assert params == {"filename": "a;b.xlsx", "size": "3"}
    assert param_text({"name": '"unterminated'}, "name") == '"unterminated'
    assert header_text(None) == ""


def test_junk_is_a_message_without_attachments_not_a_crash() -> None:
    mail = parse_mail(b"\x00\xff" * 10 + b"\r\n\r\n=?", "junk")
    assert mail.attachments == []
    assert mail.sha256


# ---------------------------------------------------------------- mailboxes


def test_mail_kinds(tmp_path) -> None:
    eml = tmp_path / "a.eml"
    eml.write_bytes(message())
    box = tmp_path / "box"
    box.write_bytes(mbox(message(), message()))
    plain = tmp_path / "1700000000.M1P2.host:2,S"
    plain.write_bytes(message())
    note = tmp_path / "note.txt"
    note.write_text("说明：请在周五前提交。\n", encoding="utf-8")
    maildir = tmp_path / "Maildir"
    for d in ("cur", "new", "tmp"):
        (maildir / d).mkdir(parents=True)
    assert [mail_kind(p) for p in (eml, box, plain, note, maildir)] == [
        "eml",
        "mbox",
        "eml",
        None,
        "maildir",
    ]


def test_mbox_split_keeps_from_lines_inside_bodies(tmp_path) -> None:
    body = "正文\nFrom the unit: see attachment"
    box = tmp_path / "box.mbox"
    box.write_bytes(mbox(message(body=body), message(message_id="<m2@x>")))
    mails = list(iter_mail(box, "box.mbox", "mbox"))
    assert [m.source for m in mails] == ["box.mbox#1", "box.mbox#2"]
    assert [m.message_id for m in mails] == ["<m1@lj-yz.example.cn>", "<m2@x>"]


def test_maildir_plus_plus_folders(tmp_path) -> None:
    root = tmp_path / "Maildir"
    for folder in (root, root / ".Sent"):
        for d in ("cur", "new", "tmp"):
            (folder / d).mkdir(parents=True)
    (root / "cur" / "1.host:2,S").write_bytes(message(message_id="<a@x>"))
    (root / "new" / "2.host").write_bytes(message(message_id="<b@x>"))
    (root / "tmp" / "3.host").write_bytes(message(message_id="<still-arriving@x>"))
    (root / ".Sent" / "cur" / "4.host:2,S").write_bytes(message(message_id="<c@x>"))
    mails = list(iter_mail(root, "Maildir", "maildir"))
    assert [m.message_id for m in mails] == ["<a@x>", "<b@x>", "<c@x>"]
    assert mails[0].source == "Maildir/cur/1.host"


# ---------------------------------------------------------------- end to end


def _wb(bench: Workbench, code: str, **fields) -> bytes:
    s = bench.national()
    s["fields"].update(project_code=code, **fields)
    return bench.build(s).read_bytes()


@pytest.fixture
def mailbox(bench, tmp_path) -> Path:
    """A mailbox with every filename shape, several attachments per mail, zips (nested, GBK
    names), resubmissions from two time zones, non-workbooks and a mail without any."""
    v1 = _wb(bench, "2024-JY-001", grade_reported="良")  # an error: the grade is wrong
    v2 = _wb(bench, "2024-JY-001", goal_actual="已按意见修改。")
    b = _wb(bench, "2024-NY-002", project_name="高素质农民培育", unit="临江市农业技术推广中心")
    c = _wb(bench, "2024-NY-003", project_name="农作物病虫害统防统治", unit="临江市植保植检站")
    shaped = [_wb(bench, f"2024-SH-{k:03d}") for k in range(len(SHAPES))]
    inner = zipped({"植保站/自评表.xlsx": c, "说明.txt": "说明".encode("gbk")})
    outer = zipped({"农业中心/高素质农民培育.xlsx": b, "内层.zip": inner})
    v0 = _wb(bench, "2024-JY-001", goal_actual="初稿。")
    msgs = [
        # the first version (09:00 Beijing), with a report in Word and a scan
        message(
            attachment(SHAPES["rfc2231_plain"], v1),
            attachment(
                b'Content-Disposition: attachment; filename="'
                + b_word("自评报告.docx").encode()
                + b'"\r\n',
                b"PK\x03\x04docx",
                "application/msword",
            ),
            attachment(
                b"Content-Disposition: attachment; filename*=utf-8''%E6%89%AB%E6%8F%8F.rar\r\n",
                b"Rar!\x1a\x07\x00",
                "application/octet-stream",
            ),
            date="Wed, 05 Mar 2025 09:00:00 +0800",
        ),
        # the resubmission: 02:30 UTC is 10:30 in Beijing, later than the first version although
        # its wall-clock time reads earlier; neither the first nor the last in the file
        message(
            attachment(SHAPES["rfc2047_inside_quotes"], v2),
            date="Wed, 05 Mar 2025 02:30:00 +0000",
            message_id="<m2@lj-yz.example.cn>",
            subject=b_word("回复：临江市第一中学绩效自评表（修改后）"),
        ),
        message(
            attachment(
                b'Content-Disposition: attachment; filename="'
                + b_word("农业局自评表.zip").encode()
                + b'"\r\n',
                outer,
                "application/x-zip-compressed",
            ),
            sender="=?utf-8?B?"
            + base64.b64encode("李四".encode()).decode()
            + "?= <lisi@nyj.example.cn>",
            message_id="<m3@nyj.example.cn>",
            date="Mon, 03 Mar 2025 16:20:00 +0800",
        ),
        message(
            *[attachment(SHAPES[s], data) for s, data in zip(sorted(SHAPES), shaped, strict=True)],
            sender="zhangsan@jyj.example.cn",
            message_id="<m4@jyj.example.cn>",
        ),
        message(sender="forgot@jyj.example.cn", message_id="<m5@jyj.example.cn>"),
        # an early draft, stored last
        message(
            attachment(SHAPES["rfc2231_plain"], v0),
            date="Sat, 01 Mar 2025 08:00:00 +0800",
            message_id="<m0@lj-yz.example.cn>",
        ),
    ]
    box = tmp_path / "收件箱.mbox"
    box.write_bytes(mbox(*msgs))
    return box


def _by_display(run) -> dict[str, object]:
    return {i.display: i for i in run.inputs}


def test_mailbox_runs_end_to_end(mailbox, tmp_path) -> None:
    before = mailbox.read_bytes()
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(mailbox), "-o", str(out), "--jobs", "1"])
    assert result.exit_code in (0, 1), result.output
    assert mailbox.read_bytes() == before
    data = json.loads((out / "run.json").read_text(encoding="utf-8"))
    inputs = {i["file"]: i for i in data["inputs"]}
    box = str(mailbox)
    # every shape of attachment name came through, as the sender named it
    shaped = [i for f, i in inputs.items() if f.startswith(f"{box}#4/")]
    names = sorted(i["provenance"]["attachment"] for i in shaped)
    assert names == sorted(expected_name(s) for s in SHAPES)
    assert {i["status"] for i in shaped} <= {"read", "duplicate"}
    # resubmission: the later e-mail wins although it is stored first and its zone differs
    assert inputs[f"{box}#2/{NAME}"]["status"] == "read"
    assert inputs[f"{box}#1/{NAME}"]["status"] == "superseded"
    assert inputs[f"{box}#6/{NAME}"]["status"] == "superseded"
    assert "D02" not in {f["rule"] for f in data["findings"]}  # the order was clear
    # the zip, its GBK member names and the zip inside it
    assert inputs[f"{box}#3/农业局自评表.zip/农业中心/高素质农民培育.xlsx"]["status"] == "read"
    nested = inputs[f"{box}#3/农业局自评表.zip/内层.zip/植保站/自评表.xlsx"]
    assert nested["status"] == "read"
    assert nested["origin"] == "mail"
    assert nested["provenance"]["member"] == "内层.zip/植保站/自评表.xlsx"
    assert nested["provenance"]["archive"] == "农业局自评表.zip"
    assert nested["provenance"]["email_from"] == "李四 <lisi@nyj.example.cn>"
    assert inputs[f"{box}#3/农业局自评表.zip/内层.zip/说明.txt"]["status"] == "skipped"
    # non-workbook attachments and the mail without attachments are accounted for
    assert inputs[f"{box}#1/自评报告.docx"]["status"] == "skipped"
    assert ".rar" in inputs[f"{box}#1/扫描.rar"]["reason"]
    assert inputs[f"{box}#5"]["reason"] == "邮件中没有附件"
    # provenance in run.json
    prov = inputs[f"{box}#2/{NAME}"]["provenance"]
    assert prov["email_date"] == "2025-03-05T02:30:00+00:00"
    assert prov["message_id"] == "<m2@lj-yz.example.cn>"
    assert prov["email_subject"] == "回复：临江市第一中学绩效自评表（修改后）"
    assert prov["email_from"] == "王晓梅 <wangxm@lj-yz.example.cn>"
    assert prov["attachment"] == NAME
    # the 提交记录 sheet
    wb = openpyxl.load_workbook(out / "summary.xlsx", read_only=True)
    assert "提交记录" in wb.sheetnames
    rows = list(wb["提交记录"].iter_rows(values_only=True))
    head = rows[0]
    assert head[:6] == ("发送时间", "发件人", "主题", "附件", "压缩包内文件", "处理结果")
    body = [dict(zip(head, r, strict=True)) for r in rows[1:]]
    assert len(body) == len([i for i in data["inputs"] if i["origin"] == "mail"])
    first = next(r for r in body if r["Message-ID"] == "<m2@lj-yz.example.cn>")
    assert first["处理结果"] == "已读取"
    assert first["发件人"] == "王晓梅 <wangxm@lj-yz.example.cn>"
    assert first["附件"] == NAME
    assert first["项目"] == "学生营养改善计划"
    times = [r["发送时间"] for r in body if r["发送时间"] is not None]
    assert times == sorted(times)
    # nothing left behind but the outputs (and the reading cache)
    assert sorted(p.name for p in out.iterdir()) == [
        ".perfxl-cache",
        "findings.csv",
        "projects.csv",
        "run.json",
        "summary.xlsx",
    ]


def test_eml_files_and_maildirs_inside_folders(bench, tmp_path) -> None:
    src = tmp_path / "in"
    maildir = src / "Maildir"
    for d in ("cur", "new", "tmp"):
        (maildir / d).mkdir(parents=True)
    wb = _wb(bench, "2024-JY-010")
    (src / "提交.eml").write_bytes(message(attachment(SHAPES["raw_gbk_header"], wb)))
    (maildir / "cur" / "17.host:2,S").write_bytes(
        message(attachment(SHAPES["rfc2231_plain"], _wb(bench, "2024-JY-011")), message_id="<x@y>")
    )
    run = run_batch([src], tmp_path / "out", jobs=1)
    shown = _by_display(run)
    assert shown[f"in/提交.eml/{NAME}"].status == "read"
    assert shown[f"in/Maildir/cur/17.host/{NAME}"].status == "read"
    assert shown[f"in/提交.eml/{NAME}"].provenance["mailbox"] == "in/提交.eml"
    assert len(run.projects) == 2


def test_attachment_names_never_become_paths(bench, tmp_path) -> None:
    evil = b'Content-Disposition: attachment; filename="../../../escape.xlsx"\r\n'
    box = tmp_path / "a.eml"
    box.write_bytes(message(attachment(evil, _wb(bench, "2024-JY-012"))))
    out = tmp_path / "out"
    run = run_batch([box], out, jobs=1)
    assert not (tmp_path / "escape.xlsx").exists()
    assert [i.display for i in run.inputs] == [f"{box}/escape.xlsx"]
    assert run.inputs[0].provenance["attachment"] == "escape.xlsx"


def test_unreadable_attachments_and_messages(tmp_path) -> None:
    box = tmp_path / "a.eml"
    box.write_bytes(
        message(
            attachment(
                b'Content-Disposition: attachment; filename="bad.zip"\r\n', b"PK\x03\x04junk"
            ),
            attachment(
                b'Content-Disposition: attachment; filename="fake.xls"\r\n', b"<html></html>"
            ),
        )
    )
    run = run_batch([box], tmp_path / "out", jobs=1)
    shown = _by_display(run)
    assert shown[f"{box}/bad.zip"].status == "unreadable"
    assert shown[f"{box}/fake.xls"].status == "unreadable"  # R03: HTML in disguise
    assert shown[f"{box}/fake.xls"].provenance["attachment"] == "fake.xls"


def test_outlook_winmail_dat_is_explained(tmp_path) -> None:
    box = tmp_path / "a.eml"
    tnef = b'Content-Disposition: attachment; filename="winmail.dat"\r\n'
    box.write_bytes(message(attachment(tnef, b"\x78\x9f\x3e\x22", "application/ms-tnef")))
    run = run_batch([box], tmp_path / "out", jobs=1)
    assert "winmail.dat" in run.inputs[0].reason and run.inputs[0].status == "skipped"


# ---------------------------------------------------------------- perfxl collect


def test_collect_saves_workbooks_and_a_manifest(mailbox, tmp_path) -> None:
    out = tmp_path / "附件"
    result = CliRunner().invoke(main, ["collect", str(mailbox), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "读取 6 封邮件" in result.output
    with open(out / "manifest.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    saved = [r for r in rows if r["status"] == "saved"]
    # 2 versions + the zip + one per shape, less the shapes that repeat an identical workbook
    assert {r["kind"] for r in saved} == {"workbook", "zip"}
    z = next(r for r in saved if r["kind"] == "zip")
    assert z["workbooks"] == "农业中心/高素质农民培育.xlsx; 内层.zip/植保站/自评表.xlsx"
    for r in saved:
        path = out / r["saved_as"]
        assert path.is_file()
        assert "/" not in r["saved_as"] and not r["saved_as"].startswith(".")
    v2 = next(r for r in saved if r["message_id"] == "<m2@lj-yz.example.cn>")
    sent = dt.datetime.fromisoformat("2025-03-05T02:30:00+00:00")
    assert v2["saved_as"] == f"{sent.astimezone():%Y%m%d-%H%M}_王晓梅_{NAME}"
    assert os.path.getmtime(out / v2["saved_as"]) == pytest.approx(sent.timestamp())
    skipped = {r["attachment"]: r["reason"] for r in rows if r["status"] == "skipped"}
    assert set(skipped) == {"自评报告.docx", "扫描.rar"}
    assert [r["status"] for r in rows if r["message_id"] == "<m5@jyj.example.cn>"] == [
        "no_attachment"
    ]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["messages"] == 6
    # a second collect into the same folder saves nothing twice
    again = CliRunner().invoke(main, ["collect", str(mailbox), "-o", str(out)])
    assert again.exit_code == 0
    assert "保存附件 0 个" in again.output
    assert len([p for p in out.iterdir() if not p.name.startswith("manifest")]) == len(saved)


def test_collect_usage_errors(tmp_path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["collect", str(tmp_path / "nope"), "-o", str(tmp_path / "o")])
    assert missing.exit_code == 2 and "输入不存在" in missing.output
    not_mail = tmp_path / "x.xlsx"
    not_mail.write_bytes(b"PK")
    wrong = runner.invoke(main, ["collect", str(not_mail), "-o", str(tmp_path / "o")])
    assert wrong.exit_code == 2 and "不是邮件文件" in wrong.output
    assert not (tmp_path / "o").exists()


def test_parsed_back_by_the_standard_library_too() -> None:
    """Our bytes are real MIME: CPython's own parser sees the same parts."""
    raw = message(attachment(SHAPES["rfc2231_plain"]))
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert [p.get_filename() for p in msg.iter_attachments()] == [NAME]
