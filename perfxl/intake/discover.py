"""Discovery: files, folders (recursively), zips and mailboxes named on the command line into inputs."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from perfxl.files import os_reason
from perfxl.intake.attachments import add_mailbox
from perfxl.intake.inputs import DUPLICATE, SKIPPED, UNREADABLE, WORKBOOK_EXTS, InputFile
from perfxl.intake.mail import is_maildir, mail_kind
from perfxl.intake.names import display_name
from perfxl.intake.own_folders import (
    OWN_CACHE,
    OWN_OUTPUT,
    OWN_SCRATCH,
    OwnOutputs,
    is_cache_dir,
    is_live_scratch,
)
from perfxl.intake.sniff import WORKBOOK_FORMATS, safe_sniff
from perfxl.intake.zips import add_zip


def _sha256(path: Path) -> str:
    # opened without blocking and checked after opening: a file swapped for a pipe or a device
    # after discovery must not hang the run
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "不是普通文件（管道、设备等）")
        h = hashlib.sha256()
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def discover(
    inputs: Sequence[str | os.PathLike[str]], workdir: Path, notes: list[InputFile]
) -> list[InputFile]:
    """Every file under the inputs (folders recursively, zips opened); unusable ones go to `notes`."""
    found: list[InputFile] = []
    own = OwnOutputs()
    for raw in inputs:
        p = Path(raw)
        if is_maildir(p):
            add_mailbox(p, str(p), "maildir", workdir, found, notes)
        elif p.is_dir():
            base = p
            for root, dirs, files in os.walk(p, followlinks=False):
                dirs.sort()
                # this run's own work folder, where zip members are being extracted (OUTDIR is
                # the input folder): walked, it would give every member a second time
                for d in [d for d in dirs if _same(Path(root) / d, workdir)]:
                    dirs.remove(d)
                for d in dirs:
                    dp = Path(root) / d
                    if dp.is_symlink():
                        # a linked folder may loop back on itself: listed, never followed
                        shown = str(dp.relative_to(base.parent))
                        notes.append(
                            InputFile(
                                shown,
                                dp,
                                "file",
                                status=SKIPPED,
                                reason="指向文件夹的符号链接未跟随（防止循环）",
                            )
                        )
                # the output folder inside an input folder holds our own outputs, not submissions
                for d in [d for d in dirs if _same(Path(root) / d, workdir.parent)]:
                    dirs.remove(d)
                    dp = Path(root) / d
                    notes.append(
                        InputFile(
                            str(dp.relative_to(base.parent)),
                            dp,
                            "file",
                            status=SKIPPED,
                            reason="输出文件夹，未作为输入读取",
                        )
                    )
                # a reading cache (--cache-dir) or another run's scratch inside an input folder
                # is not a submission either
                for d in list(dirs):
                    dp = Path(root) / d
                    reason = (
                        OWN_CACHE
                        if _is_cache_dir(dp)
                        else OWN_SCRATCH
                        if is_live_scratch(dp)
                        else None
                    )
                    if reason is not None:
                        dirs.remove(d)
                        shown = display_name(str(dp.relative_to(base.parent)))
                        notes.append(InputFile(shown, dp, "file", status=SKIPPED, reason=reason))
                # a Maildir inside the folder is read as one mailbox, not walked file by file
                for d in [d for d in dirs if is_maildir(Path(root) / d)]:
                    dirs.remove(d)
                    dp = Path(root) / d
                    shown = str(dp.relative_to(base.parent))
                    add_mailbox(dp, shown, "maildir", workdir, found, notes)
                for name in sorted(files):
                    fp = Path(root) / name
                    rel = fp.relative_to(base.parent) if base.parent != fp else fp
                    reason = _own_file(fp, own)
                    if reason is not None:
                        shown = display_name(str(rel))
                        notes.append(InputFile(shown, fp, "file", status=SKIPPED, reason=reason))
                        continue
                    _add_path(fp, str(rel), workdir, found, notes)
        else:
            _add_path(p, str(p), workdir, found, notes)
    return found


def _own_file(fp: Path, own: OwnOutputs) -> str | None:
    """Why a file in an input folder is perfxl's own and not a submission, if it is."""
    if fp.is_symlink():
        return None
    if is_live_scratch(fp):
        return OWN_SCRATCH
    return OWN_OUTPUT if own.owns(fp) else None


def _is_cache_dir(p: Path) -> bool:
    return not p.is_symlink() and is_cache_dir(p)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _add_path(
    p: Path, display: str, workdir: Path, found: list[InputFile], notes: list[InputFile]
) -> None:
    display = display_name(display)
    try:
        st = p.lstat()
    except OSError as exc:
        notes.append(InputFile(display, p, "file", status=UNREADABLE, reason=os_reason(exc)))
        return
    if stat.S_ISLNK(st.st_mode):
        try:
            st = p.stat()
        except OSError:
            notes.append(
                InputFile(display, p, "file", status=SKIPPED, reason="符号链接指向不存在的文件")
            )
            return
        if stat.S_ISDIR(st.st_mode):
            notes.append(
                InputFile(
                    display,
                    p,
                    "file",
                    status=SKIPPED,
                    reason="指向文件夹的符号链接未跟随（防止循环）",
                )
            )
            return
    if not stat.S_ISREG(st.st_mode):
        notes.append(InputFile(display, p, "file", status=SKIPPED, reason="不是普通文件"))
        return
    received = dt.datetime.fromtimestamp(st.st_mtime)
    if p.suffix.lower() == ".zip" or (p.suffix.lower() not in WORKBOOK_EXTS and _is_plain_zip(p)):
        add_zip(p, display, workdir, found, notes, received)
        return
    item = InputFile(display, p, "file", received=received, size=st.st_size)
    if p.suffix.lower() not in WORKBOOK_EXTS:
        fmt = safe_sniff(p)
        if fmt not in WORKBOOK_FORMATS:
            kind = mail_kind(p)
            if kind is not None:  # .eml, mbox: its attachments are the inputs
                add_mailbox(p, display, kind, workdir, found, notes)
                return
            item.status, item.reason = SKIPPED, "非工作簿文件"
            notes.append(item)
            return
    found.append(item)


def _is_plain_zip(p: Path) -> bool:
    return safe_sniff(p) == "zip"


# ------------------------------------------------------------------ reading


# ------------------------------------------------------------------ resubmissions


def hash_inputs(items: Iterable[InputFile]) -> None:
    for i in items:
        try:
            i.sha256 = _sha256(i.path)
            i.size = i.path.stat().st_size
        except OSError as exc:
            i.status, i.reason = UNREADABLE, os_reason(exc)


def set_aside_duplicates(items: list[InputFile], notes: list[InputFile]) -> list[InputFile]:
    """The inputs to read: one of each content; unreadable ones go to `notes`, copies are marked."""
    unique: list[InputFile] = []
    first_by_hash: dict[str, InputFile] = {}
    for item in items:
        if item.status == UNREADABLE:
            notes.append(item)
            continue
        seen = first_by_hash.get(item.sha256)
        if seen is not None:
            item.status, item.reason = DUPLICATE, f"与 {seen.display} 内容相同"
            continue
        first_by_hash[item.sha256] = item
        unique.append(item)
    return unique
