"""Mail attachments as batch inputs: workbooks and zips taken, everything else accounted for."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

from perfxl.intake.inputs import SKIPPED, UNREADABLE, WORKBOOK_EXTS, InputFile
from perfxl.intake.mail import Attachment, Mail, iter_mail, local_naive
from perfxl.intake.names import safe_name, unique_name
from perfxl.intake.sniff import sniff_bytes
from perfxl.intake.zips import add_zip

WORKBOOK, ZIP, OTHER = "workbook", "zip", "other"
_ARCHIVES_WE_CANNOT_OPEN = {".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".arj", ".cab"}


def classify(name: str, data: bytes) -> str:
    """ "workbook", "zip" or "other": by the name first, by the bytes when the name says nothing."""
    ext = Path(name).suffix.lower()
    if ext in WORKBOOK_EXTS:
        return WORKBOOK
    if ext == ".zip":
        return ZIP
    head = sniff_bytes(data[:8192])
    if head in ("xls", "encrypted"):
        return WORKBOOK
    if head == "zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            return OTHER
        if {"xl/workbook.xml", "xl/workbook.bin"} & names or "mimetype" in names:
            return WORKBOOK
        return ZIP
    return OTHER


def skip_reason(attachment: Attachment) -> str:
    ext = Path(attachment.name).suffix.lower()
    if attachment.name.lower() == "winmail.dat" or attachment.content_type == "application/ms-tnef":
        return (
            "Outlook 的 winmail.dat（RTF 格式邮件），附件被封装在其中；请改用 HTML 或纯文本格式重发"
        )
    if ext in _ARCHIVES_WE_CANNOT_OPEN:
        return f"非工作簿附件（{ext} 压缩包无法读取，请改用 zip 或直接附上工作簿）"
    what = ext or attachment.content_type
    return f"非工作簿附件（{what}），已跳过"


def add_mailbox(
    path: Path,
    display: str,
    kind: str,
    workdir: Path,
    found: list[InputFile],
    notes: list[InputFile],
) -> None:
    """Every message of a mailbox: attachments extracted into `workdir` and listed as inputs."""
    folder = workdir / "mail"
    folder.mkdir(exist_ok=True)
    fallback = _mtime(path)
    for mail in iter_mail(path, display, kind):
        if mail.problem:
            notes.append(
                InputFile(
                    mail.source,
                    path,
                    "mail",
                    received=fallback,
                    status=UNREADABLE,
                    reason=mail.problem,
                    provenance={"mailbox": mail.source},
                )
            )
            continue
        received = local_naive(mail.date) or fallback
        if not mail.attachments:
            notes.append(
                InputFile(
                    mail.source,
                    path,
                    "mail",
                    received=received,
                    status=SKIPPED,
                    reason="邮件中没有附件",
                    provenance=mail.provenance(),
                )
            )
            continue
        seen: set[str] = set()
        for att in mail.attachments:
            shown = f"{mail.source}/{unique_name(safe_name(att.name), seen)}"
            _add_attachment(mail, att, shown, path, folder, workdir, received, found, notes)


def _add_attachment(
    mail: Mail,
    att: Attachment,
    shown: str,
    mailbox: Path,
    folder: Path,
    workdir: Path,
    received: dt.datetime | None,
    found: list[InputFile],
    notes: list[InputFile],
) -> None:
    prov = mail.provenance(att)
    kind = classify(att.name, att.data)
    if kind == OTHER:
        notes.append(
            InputFile(
                shown,
                mailbox,
                "mail",
                received=received,
                provenance=prov,
                sha256=hashlib.sha256(att.data).hexdigest(),
                size=len(att.data),
                status=SKIPPED,
                reason=skip_reason(att),
            )
        )
        return
    # the attachment's name is never a path: a counter and its sanitised name inside the work folder
    target = folder / f"{len(found) + len(notes):06d}_{safe_name(att.name)}"
    target.write_bytes(att.data)
    if kind == WORKBOOK:
        found.append(
            InputFile(shown, target, "mail", received=received, size=len(att.data), provenance=prov)
        )
        return
    first_found, first_note = len(found), len(notes)
    add_zip(target, shown, workdir, found, notes, received or dt.datetime.now())
    for item in [*found[first_found:], *notes[first_note:]]:
        # the path inside the attached zip, nested zips included ("内层.zip/自评表.xlsx")
        member = item.display[len(shown) + 1 :] if item.display.startswith(shown + "/") else None
        item.origin = "mail"
        # members keep the mail's time: a zip's own member times say when a file was last
        # edited, not when it was sent
        item.received = received or item.received
        item.provenance = {**prov, "archive": att.name, **({"member": member} if member else {})}


def _mtime(path: Path) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime)
    except (OSError, ValueError, OverflowError):
        return None
