"""Reply drafts (.eml), one per sender: findings per project, the feedback workbooks attached."""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pandas as pd

from perfxl import __version__
from perfxl.intake.inputs import SKIPPED, SUPERSEDED, UNREADABLE, InputFile
from perfxl.intake.names import safe_name
from perfxl.model.findings import SEVERITY_RANK
from perfxl.report.feedback import Feedback, original_name, scratch_prefix, swap_folder
from perfxl.report.run_result import RunResult

FOLDER = "replies"
MAX_ERRORS = 50  # errors spelled out per project; the rest are in the attached workbook
MAX_WARNINGS = 15
MAX_REFERENCES = 20
# raw headers we write ourselves (the RFC 2047 name below) are emitted exactly as given
_POLICY = policy.SMTP.clone(refold_source="none")
_XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_XLSM = ("application", "vnd.ms-excel.sheet.macroEnabled.12")
_NUMERALS = "一二三四五六七八九十"
# "Re:", "回复：", "答复:" … already on the subject are not repeated
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|fw|fwd|aw|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)


@dataclass
class Draft:
    address: str
    path: Path
    subject: str
    subs: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- who gets a reply


def reply_address(item: InputFile) -> str:
    prov = item.provenance or {}
    return str(prov.get("email_reply_to") or prov.get("email_address") or "").strip().lower()


def senders(run: RunResult) -> dict[str, list[InputFile]]:
    """Mail inputs grouped by the address a reply goes to; only senders who sent a workbook
    (a mail with just a PDF is not necessarily a submission, and is not answered)."""
    groups: dict[str, list[InputFile]] = {}
    for item in run.inputs:
        if item.origin != "mail":
            continue
        address = reply_address(item)
        if "@" in address:
            groups.setdefault(address, []).append(item)
    return {a: items for a, items in sorted(groups.items()) if any(i.sub for i in items)}


def plan(run: RunResult) -> dict[str, str]:
    """Reply address → the draft's path relative to OUTDIR."""
    out = {}
    for address, items in senders(run).items():
        name = _display_name(items)
        stem = f"{name}_{address}" if name else address
        out[address] = f"{FOLDER}/{safe_name(stem, limit=100)}.eml"
    return out


def _display_name(items: Sequence[InputFile]) -> str:
    for item in items:
        sender = str((item.provenance or {}).get("email_from") or "")
        name, _addr = email.utils.parseaddr(sender)
        if name and "@" not in name:
            return name
    return ""


# ---------------------------------------------------------------- writing


def write_replies(
    run: RunResult,
    outdir: Path,
    feedback: dict[str, Feedback],
    sender: str | None = None,
    into: Path | None = None,
) -> list[Draft]:
    """Write OUTDIR/replies/ afresh: one .eml per sender, ready to open in a mail client; with
    `into`, fill that folder, which the caller puts in place of OUTDIR/replies itself."""
    planned = plan(run)
    groups = senders(run)
    staging = into or Path(tempfile.mkdtemp(prefix=scratch_prefix(), dir=outdir))
    drafts: list[Draft] = []
    try:
        for address, rel in planned.items():
            msg, draft = build_reply(run, address, groups[address], feedback, sender)
            draft.path = outdir / rel
            (staging / Path(rel).name).write_bytes(msg.as_bytes(policy=_POLICY))
            drafts.append(draft)
        if into is None:
            swap_folder(staging, outdir / FOLDER)
    finally:
        if into is None:
            shutil.rmtree(staging, ignore_errors=True)
    return drafts


def build_reply(
    run: RunResult,
    address: str,
    items: list[InputFile],
    feedback: dict[str, Feedback],
    sender: str | None = None,
) -> tuple[EmailMessage, Draft]:
    """The reply to one sender, and what it holds."""
    mails = _mails(items)
    latest = mails[-1] if mails else {}
    projects = run.projects.set_index("sub") if not run.projects.empty else pd.DataFrame()
    subs = list(dict.fromkeys(i.sub for i in sorted(items, key=_when) if i.sub))
    needs_fix = sum(
        1
        for s in subs
        if s in projects.index and projects.loc[s, "status"] in ("需修改", "无法读取")
    )
    verdict = f"{needs_fix} 个项目需修改" if needs_fix else "全部通过"
    base = _REPLY_PREFIX.sub("", str(latest.get("subject") or "")).strip()
    subject = f"回复：{base}（审核意见：{verdict}）" if base else f"绩效自评表审核意见（{verdict}）"

    msg = EmailMessage(policy=_POLICY)
    if sender:
        msg["From"] = sender
    name = _display_name(items)
    try:
        msg["To"] = Address(display_name=name, addr_spec=address)
    except (ValueError, IndexError, TypeError):
        msg["To"] = address
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(dt.datetime.now().astimezone())
    domain = email.utils.parseaddr(sender or "")[1].rpartition("@")[2] or "perfxl.local"
    msg["Message-ID"] = email.utils.make_msgid("perfxl", domain=domain)
    if latest.get("message_id"):
        msg["In-Reply-To"] = latest["message_id"]
    refs: list[str] = []
    for m in mails:
        refs += [*m["references"], m["message_id"]]
    refs = [r for r in dict.fromkeys(refs) if r]
    if refs:
        msg["References"] = " ".join(refs[-MAX_REFERENCES:])
    msg["X-Unsent"] = "1"  # Outlook opens the file as a draft to send, not as a received mail
    msg["X-Mailer"] = f"perfxl {__version__}"

    attached: list[tuple[str, Path]] = []
    body = _body(run, items, subs, projects, mails, feedback, name, sender, attached)
    msg.set_content(body, cte="base64")
    for shown, path in attached:
        maintype, subtype = _XLSM if path.suffix.lower() == ".xlsm" else _XLSX
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=shown)
        part = list(msg.iter_attachments())[-1]
        # RFC 2231 filename for today's clients, an RFC 2047 name for older Outlook and Foxmail
        encoded = Header(shown, "utf-8").encode(maxlinelen=76, linesep="\r\n")
        del part["Content-Type"]
        part.set_raw("Content-Type", f'{maintype}/{subtype};\r\n name="{encoded}"')
    draft = Draft(address, Path(), subject, subs, [a for a, _p in attached])
    return msg, draft


def _when(item: InputFile) -> tuple[str, str]:
    return (str((item.provenance or {}).get("email_date") or ""), item.display)


def _mails(items: Sequence[InputFile]) -> list[dict[str, Any]]:
    """The sender's messages, oldest first."""
    seen: dict[str, dict[str, Any]] = {}
    for item in items:
        prov = item.provenance or {}
        key = str(prov.get("message_id") or prov.get("email_sha256") or prov.get("mailbox"))
        if key in seen:
            continue
        date = prov.get("email_date")
        seen[key] = {
            "message_id": prov.get("message_id") or "",
            "references": str(prov.get("email_references") or "").split(),
            "subject": prov.get("email_subject") or "",
            "date": date,
            "sort": _instant(date),
        }
    return sorted(seen.values(), key=lambda m: m["sort"])


def _instant(iso: Any) -> float:
    try:
        d = dt.datetime.fromisoformat(str(iso))
    except ValueError:
        return -math.inf
    return d.timestamp() if d.tzinfo is not None else d.replace(tzinfo=None).timestamp()


def _local(iso: Any) -> str:
    """A mail's time as its sender saw it (the Date header's own offset)."""
    try:
        d = dt.datetime.fromisoformat(str(iso))
    except ValueError:
        return ""
    return f"{d.month}月{d.day}日 {d:%H:%M}"


def _body(
    run: RunResult,
    items: list[InputFile],
    subs: list[str],
    projects: pd.DataFrame,
    mails: list[dict[str, Any]],
    feedback: dict[str, Feedback],
    name: str,
    sender: str | None,
    attached: list[tuple[str, Path]],
) -> str:
    findings = run.findings
    by_sub = dict(tuple(findings.groupby("sub", sort=False))) if not findings.empty else {}
    files = {s: f for s, f in zip(run.projects["sub"], run.projects["file"], strict=True)}
    lines = [f"{name}：" if name else "您好：", ""]
    when = "、".join(x for x in (_local(m["date"]) for m in mails) if x)
    got = f"您于 {when} 发送的" if when else "您发送的"
    lines.append(
        f"{'您好！' if name else ''}{got} {len(mails)} 封邮件已收到，其中 {len(subs)} 份工作簿经自动复核，"
        "结果如下。"
    )
    lines.append("")
    for k, sub in enumerate(subs):
        mine = [i for i in items if i.sub == sub]
        row = projects.loc[sub] if sub in projects.index else pd.Series(dtype=object)
        lines += _project_block(k, sub, mine, row, by_sub.get(sub), feedback.get(sub), files)
        fb = feedback.get(sub)
        if fb is not None and fb.path is not None and fb.path.exists():
            attached.append((fb.path.name, fb.path))
    others = [i for i in items if not i.sub and i.status in (SKIPPED, UNREADABLE)]
    attachments = [i for i in others if (i.provenance or {}).get("attachment")]
    if attachments:
        lines.append("另外，以下附件不是可以读取的工作簿，未作处理：")
        for i in attachments:
            shown = (i.provenance or {}).get("member") or (i.provenance or {}).get("attachment")
            lines.append(f"  · {shown}：{i.reason}")
        lines.append("")
    lines.append(
        "请在原工作簿中按上述意见修改，然后将修改后的工作簿回复至本邮箱。"
        "附件中的“审核意见”工作簿已将有问题的单元格按级别着色（红＝错误，黄＝警告，紫＝提示）并加了批注，"
        "第一张工作表列出全部问题，点击位置可跳到对应单元格。"
    )
    lines.append("")
    if sender:
        signer = email.utils.parseaddr(sender)[0]
        if signer:
            lines.append(signer)
    lines.append(f"（本邮件由 perfxl {__version__} 根据您提交的工作簿自动生成）")
    return "\n".join(lines) + "\n"


def _project_block(
    k: int,
    sub: str,
    items: list[InputFile],
    row: pd.Series,
    findings: pd.DataFrame | None,
    fb: Feedback | None,
    files: dict[str, Any],
) -> list[str]:
    label = _NUMERALS[k] if k < len(_NUMERALS) else str(k + 1)
    project = _text(row.get("project")) or original_name(items[0])
    unit = _text(row.get("unit"))
    lines = [f"{label}、{project}" + (f"（{unit}）" if unit else "")]
    names = []
    for i in items:
        prov = i.provenance or {}
        shown = str(prov.get("attachment") or original_name(i))
        if prov.get("member"):
            shown += f" 中的 {prov['member']}"
        sent = _local(prov.get("email_date"))
        names.append(shown + (f"（{sent} 发送）" if sent else ""))
    lines.append("    附件：" + "；".join(dict.fromkeys(names)))
    status = _text(row.get("status"))
    if any(i.status == SUPERSEDED for i in items) or status == "已被替代":
        newer = files.get(row.get("superseded_by"), "")
        lines.append(
            "    结果：此版本已被您后来发送的版本替代，未再审核"
            + (f"（新版本：{str(newer).split('/')[-1]}）" if newer else "")
            + "。"
        )
        lines.append("")
        return lines
    f = findings if findings is not None else pd.DataFrame(columns=["severity"])
    f = f.assign(_rank=f["severity"].map(SEVERITY_RANK).fillna(9)).sort_values(
        "_rank", kind="stable"
    )
    n_err = int((f["severity"] == "error").sum())
    n_warn = int((f["severity"] == "warning").sum())
    n_info = int((f["severity"] == "info").sum())
    if f.empty:
        lines.append("    结果：通过，未发现问题。")
        lines.append("")
        return lines
    result = (
        f"    结果：{status or '需修改'}（错误 {n_err} 条、警告 {n_warn} 条、提示 {n_info} 条）"
    )
    score = _num(row.get("total_score_recomputed"))
    if score is not None:
        reported = _num(row.get("total_score_reported"))
        result += f"；复核总分 {score:g} 分" + (
            f"（填报 {reported:g} 分）" if reported is not None else ""
        )
    grade = _text(row.get("grade_recomputed"))
    if grade:
        reported_grade = _text(row.get("grade_reported"))
        result += f"，等次 {grade}" + (f"（填报 {reported_grade}）" if reported_grade else "")
    lines.append(result + "。")
    if n_err:
        lines.append("    必须修改的错误：")
        lines += _spelled(f[f["severity"] == "error"], MAX_ERRORS)
    if n_warn:
        lines.append("    请核实的警告：")
        lines += _spelled(f[f["severity"] == "warning"], MAX_WARNINGS)
    if n_info:
        lines.append(f"    另有提示 {n_info} 条，见附件。")
    if fb is not None and fb.path is not None:
        lines.append(f"    审核意见工作簿：附件“{fb.path.name}”。")
        if fb.lost:
            lines.append(
                "    （该副本缺少原文件中的" + "、".join(fb.lost) + "，请在原文件中修改。）"
            )
    lines.append("")
    return lines


def _spelled(f: pd.DataFrame, cap: int) -> list[str]:
    out = []
    for n, r in enumerate(f.head(cap).to_dict("records"), start=1):
        where = " ".join(x for x in (_text(r.get("sheet")), _text(r.get("cell"))) if x)
        out.append(
            f"      {n}. 〔{r['rule']}〕" + (f"{where}：" if where else "") + str(r["message"])
        )
    if len(f) > cap:
        out.append(f"      ……另有 {len(f) - cap} 条，见附件。")
    return out


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    return str(v)


def _num(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else round(x, 2)


# ---------------------------------------------------------------- sending


class SendError(Exception):
    """Sending failed; the drafts stay in OUTDIR/replies."""


_UNSENT = re.compile(rb"^X-Unsent:[^\r\n]*\r?\n", re.IGNORECASE | re.MULTILINE)


def parse_server(text: str) -> tuple[str, int]:
    """ "HOST:PORT" (or "[::1]:PORT") → (host, port); ValueError when it is not one."""
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(text)
    return host, int(port)


def send_drafts(
    drafts: Sequence[tuple[str, Path]],
    host: str,
    port: int,
    sender: str,
    timeout: float = 30.0,
    sent: list[str] | None = None,
) -> list[str]:
    """Send (address, draft path) pairs through an SMTP server; returns the addresses mailed,
    which also go into `sent` one by one (an interrupted sending still knows them).

    STARTTLS is used when the server offers it (SMTPS on port 465); PERFXL_SMTP_USER and
    PERFXL_SMTP_PASSWORD log in when set."""
    import smtplib
    import ssl

    envelope = email.utils.parseaddr(sender)[1]
    sent = [] if sent is None else sent
    try:
        if port == 465:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if port != 465 and smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            user = os.environ.get("PERFXL_SMTP_USER")
            if user:
                smtp.login(user, os.environ.get("PERFXL_SMTP_PASSWORD", ""))
            for address, path in drafts:
                data = _UNSENT.sub(b"", path.read_bytes(), count=1)
                smtp.sendmail(envelope, [address], data)
                sent.append(address)
    except (OSError, smtplib.SMTPException) as exc:
        done = f"（已发送 {len(sent)} 封）" if sent else ""
        raise SendError(f"{type(exc).__name__}: {exc}{done}") from exc
    return sent
