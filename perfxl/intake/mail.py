"""Mail in (.eml, mbox, Maildir): each message's provenance and its attachments, as plain data."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from perfxl.intake.names import clean_name, header_text, param_text, split_params

MAIL_SUFFIXES = {".eml": "eml", ".mbox": "mbox", ".mbx": "mbox"}
# a single message larger than this is not parsed (a mailbox export, not one e-mail)
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
# attachments sent without a name still deserve one, from their type
_UNNAMED = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/zip": ".zip",
    "application/x-zip-compressed": ".zip",
}
_KNOWN_HEADERS = {
    b"from",
    b"to",
    b"date",
    b"subject",
    b"message-id",
    b"mime-version",
    b"received",
    b"return-path",
    b"content-type",
    b"delivered-to",
    b"x-mailer",
}
_HEADER_LINE = re.compile(rb"^([!-9;-~]+):")
_MSG_ID = re.compile(r"<[^<>\s]+>")


@dataclass(slots=True)
class Attachment:
    name: str  # as the sender named it, decoded; shown to users, never used as a path
    data: bytes
    content_type: str


@dataclass(slots=True)
class Mail:
    source: str  # what users see: "收件箱.mbox#3", "a.eml", "Maildir/cur/1700000000.M1P2.host"
    sha256: str = ""  # of the raw message
    sender: str = ""  # "张三 <zhang@example.cn>"
    address: str = ""  # "zhang@example.cn"
    reply_to: str = ""  # where replies go when the sender asked for another address
    date: dt.datetime | None = None
    subject: str = ""
    message_id: str = ""
    references: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    problem: str = ""  # why the message could not be read

    def provenance(self, attachment: Attachment | None = None) -> dict[str, Any]:
        """The keys `InputFile.provenance` carries for a mail (empty values left out)."""
        prov: dict[str, Any] = {
            "email_from": self.sender,
            "email_address": self.address,
            "email_reply_to": self.reply_to,
            "email_date": self.date.isoformat() if self.date else None,
            "email_subject": self.subject,
            "message_id": self.message_id,
            "email_references": " ".join(self.references),
            "email_sha256": self.sha256,
            "mailbox": self.source,
        }
        if attachment is not None:
            prov["attachment"] = attachment.name
            prov["attachment_sha256"] = hashlib.sha256(attachment.data).hexdigest()
        return {k: v for k, v in prov.items() if v}


# ---------------------------------------------------------------- one message


def parse_mail(raw: bytes, source: str, fallback_date: dt.datetime | None = None) -> Mail:
    """Parse one message. Never raises: a message that cannot be parsed carries `problem`."""
    mail = Mail(source, hashlib.sha256(raw).hexdigest())
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        _headers(msg, mail, fallback_date)
        mail.attachments = list(_attachments(msg))
    except Exception as exc:  # a malformed message must not stop the batch
        mail.problem = f"邮件无法解析：{type(exc).__name__}: {exc}"
    return mail


def _raw(msg: Message, name: str) -> str | None:
    """The first raw value of a header (8-bit bytes kept as surrogate escapes)."""
    for key, value in msg.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def _raw_all(msg: Message, name: str) -> list[str]:
    return [str(v) for k, v in msg.raw_items() if k.lower() == name]


def _first_address(raw: str | None) -> tuple[str, str]:
    """(display name, address) of the first address in a raw From/Reply-To header."""
    if not raw:
        return "", ""
    # split addresses before decoding: a decoded name may itself contain "," or "<"
    pairs = email.utils.getaddresses([raw.replace("\r", "").replace("\n", "")])
    for name, addr in pairs:
        if addr or name:
            addr = header_text(addr).strip().lower()
            return header_text(name).strip().strip('"'), addr
    return "", ""


def _headers(msg: Message, mail: Mail, fallback_date: dt.datetime | None) -> None:
    name, addr = _first_address(_raw(msg, "from"))
    mail.address = addr
    mail.sender = f"{name} <{addr}>" if name and addr else (addr or name)
    _rname, raddr = _first_address(_raw(msg, "reply-to"))
    if raddr and raddr != addr:
        mail.reply_to = raddr
    mail.subject = header_text(_raw(msg, "subject"))
    mid = _MSG_ID.search(header_text(_raw(msg, "message-id")))
    mail.message_id = mid.group(0) if mid else ""
    refs = _MSG_ID.findall(header_text(_raw(msg, "references")))
    irt = _MSG_ID.findall(header_text(_raw(msg, "in-reply-to")))
    mail.references = list(dict.fromkeys(refs + [r for r in irt if r not in refs]))
    mail.date = _date(msg) or fallback_date


def _date(msg: Message) -> dt.datetime | None:
    """The Date header; else the time the receiving server stamped (the topmost Received)."""
    candidates = [_raw(msg, "date")]
    candidates += [r.rpartition(";")[2] for r in _raw_all(msg, "received")[:1] if ";" in r]
    for raw in candidates:
        if not raw:
            continue
        try:
            d = email.utils.parsedate_to_datetime(header_text(raw))
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if d is not None and 1990 <= d.year <= 2200:
            return d
    return None


def _attachments(msg: Message) -> Iterator[Attachment]:
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type().lower()
        disp_raw = _raw(part, "content-disposition")
        disposition, dparams = split_params(disp_raw) if disp_raw else ("", {})
        ctype_raw = _raw(part, "content-type")
        _main, cparams = split_params(ctype_raw) if ctype_raw else ("", {})
        name = param_text(dparams, "filename") or param_text(cparams, "name")
        if not name and disposition != "attachment" and ctype not in _UNNAMED:
            continue  # a message body (text or html), not an attachment
        if (
            disposition == "inline"
            and ctype.startswith("image/")
            and _raw(part, "content-id") is not None
        ):
            continue  # a picture inside the message body (signature, logo)
        try:
            data = part.get_payload(decode=True)
        except Exception:  # a broken transfer encoding: keep what can be had
            data = None
        if not isinstance(data, bytes):
            raw_payload = part.get_payload()
            data = (
                raw_payload.encode("utf-8", "surrogateescape")
                if isinstance(raw_payload, str)
                else b""
            )
        shown = clean_name(name) or ("未命名附件" + _UNNAMED.get(ctype, ""))
        yield Attachment(shown, data, ctype)


# ---------------------------------------------------------------- mailboxes


def is_maildir(path: Path) -> bool:
    try:
        return (
            path.is_dir()
            and not path.is_symlink()
            and (path / "cur").is_dir()
            and (path / "new").is_dir()
        )
    except OSError:
        return False


def mail_kind(path: Path) -> str | None:
    """ "eml", "mbox" or "maildir" when `path` is mail (by its name, else by its first bytes)."""
    if is_maildir(path):
        return "maildir"
    kind = MAIL_SUFFIXES.get(path.suffix.lower())
    if kind:
        return kind
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if head.startswith(b"From ") and b"\n" in head:
        return "mbox"
    return "eml" if looks_like_headers(head) else None


def looks_like_headers(head: bytes) -> bool:
    """Message headers: `Name: value` lines from the first, with at least two well-known names."""
    lines = head.split(b"\n")
    if not lines or not _HEADER_LINE.match(lines[0]):
        return False
    known = set()
    for line in lines[:60]:
        if not line.strip():
            break
        m = _HEADER_LINE.match(line)
        if m:
            known.add(m.group(1).lower())
    return len(known & _KNOWN_HEADERS) >= 2


def iter_mail(path: Path, display: str, kind: str) -> Iterator[Mail]:
    """Every message of an .eml file, an mbox file or a Maildir folder, in a stable order."""
    if kind == "maildir":
        yield from _maildir(path, display)
    elif kind == "mbox":
        yield from _mbox(path, display)
    else:
        yield _one_file(path, display)


def _one_file(path: Path, display: str) -> Mail:
    try:
        size = path.stat().st_size
        if size > MAX_MESSAGE_BYTES:
            return Mail(display, problem=f"邮件过大（{size} 字节），未读取")
        raw = path.read_bytes()
    except OSError as exc:
        return Mail(display, problem=f"无法读取：{exc.strerror or exc}")
    return parse_mail(raw, display)


def _maildir(root: Path, display: str) -> Iterator[Mail]:
    # Maildir++ keeps folders (.Sent, .INBOX.projects) inside the root: each has cur/ and new/
    for folder, dirs, _files in os.walk(root, followlinks=False):
        dirs.sort()
        here = Path(folder)
        dirs[:] = [d for d in dirs if d not in ("cur", "new", "tmp")]
        if not is_maildir(here):
            continue
        for sub in ("cur", "new"):  # tmp/ holds messages still being delivered
            for entry in sorted((here / sub).iterdir(), key=lambda p: p.name):
                if not entry.is_file() or entry.is_symlink() or entry.name.startswith("."):
                    continue
                rel = entry.relative_to(root).as_posix().split(":")[0]  # drop the ":2,S" flags
                yield _one_file(entry, f"{display}/{rel}")


_FROM_LINE_DATE = re.compile(rb"^From \S+\s+(.+?)\s*$")


def _mbox(path: Path, display: str) -> Iterator[Mail]:
    """Split an mbox on its "From " lines, streaming (exports run to gigabytes)."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below, after the generator is drained
    except OSError as exc:
        yield Mail(display, problem=f"无法读取：{exc.strerror or exc}")
        return
    with fh:
        number = 0
        lines: list[bytes] = []
        size = 0
        from_line = b""
        too_big = False

        def done() -> Mail | None:
            if number == 0:
                return None
            shown = f"{display}#{number}"
            if too_big:
                return Mail(shown, problem=f"邮件过大（超过 {MAX_MESSAGE_BYTES} 字节），未读取")
            return parse_mail(b"".join(lines), shown, _asctime(from_line))

        for line in fh:
            if line.startswith(b"From ") and (number == 0 or not lines or _blank(lines[-1])):
                mail = done()
                if mail is not None:
                    yield mail
                number += 1
                lines, size, too_big, from_line = [], 0, False, line
                continue
            if number == 0:
                if line.strip():  # text before the first "From " line: not an mbox message
                    number = 1
                else:
                    continue
            size += len(line)
            if size > MAX_MESSAGE_BYTES:
                too_big, lines = True, []
            elif not too_big:
                lines.append(line)
        mail = done()
        if mail is not None:
            yield mail


def _blank(line: bytes) -> bool:
    return not line.strip()


def _asctime(from_line: bytes) -> dt.datetime | None:
    """The delivery time on an mbox "From sender Tue Mar  4 10:00:00 2025" line (local time)."""
    m = _FROM_LINE_DATE.match(from_line.rstrip(b"\r\n"))
    if not m:
        return None
    text = " ".join(m.group(1).decode("ascii", "replace").split())
    for fmt in ("%a %b %d %H:%M:%S %Y", "%a %b %d %H:%M:%S %z %Y"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def local_naive(d: dt.datetime | None) -> dt.datetime | None:
    """A mail time as the local wall-clock time the rest of a run compares (file times are too)."""
    if d is None:
        return None
    return d.astimezone().replace(tzinfo=None) if d.tzinfo is not None else d
