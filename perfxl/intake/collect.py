"""`perfxl collect`: save the workbooks (and zips of workbooks) attached to mail, plus a manifest."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfxl import __version__
from perfxl.files import atomic_path, csv_safe, prepare_output_folder
from perfxl.intake.attachments import OTHER, WORKBOOK, ZIP, classify, skip_reason
from perfxl.intake.inputs import WORKBOOK_EXTS
from perfxl.intake.mail import Attachment, Mail, is_maildir, iter_mail, local_naive, mail_kind
from perfxl.intake.names import safe_name, unique_name, zip_member_name
from perfxl.intake.sniff import sniff_bytes
from perfxl.intake.zips import MAX_MEMBER_BYTES, MAX_ZIP_LEVELS, too_deep

SAVED, DUPLICATE, SKIPPED, UNREADABLE, NO_ATTACHMENT = (
    "saved",
    "duplicate",
    "skipped",
    "unreadable",
    "no_attachment",
)
STATUS_ZH = {
    SAVED: "已保存",
    DUPLICATE: "重复附件（内容相同，只保存一次）",
    SKIPPED: "非工作簿，未保存",
    UNREADABLE: "无法读取",
    NO_ATTACHMENT: "邮件中没有附件",
}
MANIFEST = "manifest"
# what the manifest says of the e-mail an attachment came in
MAIL_FIELDS = (
    "email_from",
    "email_address",
    "email_date",
    "email_subject",
    "message_id",
    "email_sha256",
    "mailbox",
)
COLUMNS = (
    "status",
    "status_zh",
    "saved_as",
    "reason",
    "attachment",
    "kind",
    "workbooks",
    "size",
    "sha256",
    *MAIL_FIELDS,
)


class CollectError(Exception):
    """An input that is not mail (a one-line message for the user)."""


@dataclass
class Collected:
    rows: list[dict[str, Any]] = field(default_factory=list)
    messages: int = 0

    @property
    def counts(self) -> Counter[str]:
        return Counter(r["status"] for r in self.rows)

    @property
    def kinds(self) -> Counter[str]:
        return Counter(r["kind"] for r in self.rows if r["status"] == SAVED)


def mailboxes(inputs: Sequence[Path]) -> Iterator[tuple[Path, str, str]]:
    """(path, display, kind) of every mailbox under the inputs; a file that is not mail is an
    error (folders are searched, and their other files ignored)."""
    for p in inputs:
        kind = mail_kind(p) if p.is_file() or is_maildir(p) else None
        if kind is not None:
            yield p, str(p), kind
            continue
        if not p.is_dir():
            raise CollectError(f"不是邮件文件（.eml、mbox 或 Maildir 文件夹）：{p}")
        for root, dirs, files in os.walk(p, followlinks=False):
            dirs.sort()
            for d in [d for d in dirs if is_maildir(Path(root) / d)]:
                dirs.remove(d)
                yield Path(root) / d, str(Path(root) / d), "maildir"
            for name in sorted(files):
                fp = Path(root) / name
                if fp.is_symlink() or fp.suffix.lower() in WORKBOOK_EXTS:
                    continue
                kind = mail_kind(fp)
                if kind is not None:
                    yield fp, str(fp), kind


def collect_mail(inputs: Sequence[Path], outdir: Path) -> Collected:
    """Save every workbook or zip-of-workbooks attachment into `outdir` under a safe, unique
    name ("20250301-1000_王晓梅_自评表.xlsx", file time = the e-mail's date) and write
    manifest.csv / manifest.json listing every attachment, saved or not."""
    boxes = list(mailboxes(inputs))  # every input is checked before anything is written
    prepare_output_folder(outdir)  # a read-only or misplaced OUTDIR is told before any mail
    by_hash = _existing(outdir)
    taken = {p.name.lower() for p in outdir.iterdir()}
    result = Collected()
    for path, display, kind in boxes:
        for mail in iter_mail(path, display, kind):
            result.messages += 1
            base = {**_mail_fields(mail)}
            if mail.problem:
                result.rows.append(_row(base, UNREADABLE, reason=mail.problem))
                continue
            if not mail.attachments:
                result.rows.append(_row(base, NO_ATTACHMENT))
                continue
            for att in mail.attachments:
                result.rows.append(_save(mail, att, base, outdir, by_hash, taken))
    _write_manifest(result, outdir)
    return result


def _existing(outdir: Path) -> dict[str, str]:
    """Files a previous collect saved here, by content: a re-run does not save them again."""
    out = {}
    for p in sorted(outdir.iterdir()):
        if p.is_file() and not p.name.startswith((".", MANIFEST + ".")):
            try:
                out.setdefault(hashlib.sha256(p.read_bytes()).hexdigest(), p.name)
            except OSError:
                continue
    return out


def _mail_fields(mail: Mail) -> dict[str, Any]:
    prov = mail.provenance()
    return {k: prov.get(k) for k in MAIL_FIELDS}


def _row(base: dict[str, Any], status: str, **values: Any) -> dict[str, Any]:
    row = {c: None for c in COLUMNS}
    row.update(base)
    row.update(values)
    row["status"], row["status_zh"] = status, STATUS_ZH[status]
    return row


def _save(
    mail: Mail,
    att: Attachment,
    base: dict[str, Any],
    outdir: Path,
    by_hash: dict[str, str],
    taken: set[str],
) -> dict[str, Any]:
    digest = hashlib.sha256(att.data).hexdigest()
    kind = classify(att.name, att.data)
    values: dict[str, Any] = {
        "attachment": att.name,
        "kind": kind,
        "size": len(att.data),
        "sha256": digest,
    }
    if kind == OTHER:
        return _row(base, SKIPPED, reason=skip_reason(att), **values)
    if kind == ZIP:
        members, problem = zip_workbooks(att.data)
        values["workbooks"] = "; ".join(members) or None
        if problem or not members:
            return _row(base, SKIPPED, reason=problem or "压缩包中没有工作簿", **values)
    if digest in by_hash:
        return _row(base, DUPLICATE, saved_as=by_hash[digest], **values)
    name = unique_name(_name(mail, att, kind), taken)
    target = outdir / name
    with atomic_path(target) as tmp:
        tmp.write_bytes(att.data)
    when = local_naive(mail.date)
    if when is not None:
        # the file's time is the e-mail's: `perfxl run` on this folder orders resubmissions by it
        stamp = when.timestamp()
        os.utime(target, (stamp, stamp))
    by_hash[digest] = name
    return _row(base, SAVED, saved_as=name, **values)


def _name(mail: Mail, att: Attachment, kind: str) -> str:
    when = local_naive(mail.date)
    stamp = when.strftime("%Y%m%d-%H%M") if when else "无日期"
    who = mail.sender.split("<")[0].strip().strip('"') or mail.address.split("@")[0] or "未知发件人"
    stem = safe_name(att.name, limit=80)
    ext = Path(stem).suffix.lower()
    if kind == WORKBOOK and ext not in WORKBOOK_EXTS:
        stem += ".xls" if sniff_bytes(att.data[:8]) in ("xls", "encrypted") else ".xlsx"
    elif kind == ZIP and ext != ".zip":
        stem += ".zip"
    return safe_name(f"{stamp}_{safe_name(who, limit=24)}_{stem}", limit=140)


def zip_workbooks(data: bytes, depth: int = 0) -> tuple[list[str], str]:
    """The workbook members of a zip (nested zips too, as `perfxl run` opens them), and a
    problem if any: a zip with no workbook that perfxl can reach says why."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        return [], f"压缩包损坏：{exc}"
    found: list[str] = []
    deeper = ""
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = zip_member_name(info)
            ext = Path(name).suffix.lower()
            if ext in WORKBOOK_EXTS:
                found.append(name)
            elif ext == ".zip" and depth + 1 >= MAX_ZIP_LEVELS:
                deeper = deeper or too_deep(depth + 2)
            elif ext == ".zip" and info.file_size <= MAX_MEMBER_BYTES:
                try:
                    inner = zf.read(info)
                except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
                    continue
                members, problem = zip_workbooks(inner, depth + 1)
                found += [f"{name}/{m}" for m in members]
                deeper = deeper or (problem if "嵌套过深" in problem else "")
    return found, "" if found else deeper


def _write_manifest(result: Collected, outdir: Path) -> None:
    with (
        atomic_path(outdir / f"{MANIFEST}.csv") as tmp,
        open(tmp, "w", encoding="utf-8-sig", newline="") as fh,
    ):
        w = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        w.writeheader()
        for row in result.rows:
            # a spreadsheet must not run a subject that starts with "=" as a formula
            w.writerow({k: csv_safe(v) for k, v in row.items()})
    data = {
        "perfxl_version": __version__,
        "collected": dt.datetime.now().astimezone().isoformat(),
        "messages": result.messages,
        "counts": dict(result.counts),
        "attachments": result.rows,
    }
    with atomic_path(outdir / f"{MANIFEST}.json") as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
