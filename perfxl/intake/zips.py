"""Zip archives opened into inputs: members extracted into the run's work folder, within limits."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

from perfxl.files import DISK_FULL
from perfxl.intake.inputs import SKIPPED, UNREADABLE, WORKBOOK_EXTS, InputFile
from perfxl.intake.names import display_name, safe_name, zip_member_name

# A zip member larger than this is not extracted (a bomb, or not a form).
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 20_000
# everything extracted from the archives of one run together
MAX_EXTRACTED_BYTES = 4 * 1024**3
# zips inside zips are opened this many levels down (the archive itself is level 1)
MAX_ZIP_LEVELS = 3
_EXTRACTED: dict[str, int] = {}  # work folder -> bytes extracted into it so far


def add_zip(
    p: Path,
    display: str,
    workdir: Path,
    found: list[InputFile],
    notes: list[InputFile],
    received: dt.datetime,
    depth: int = 0,
) -> None:
    """The workbooks of one zip as inputs (zips inside it opened too, MAX_ZIP_LEVELS in all);
    every other member goes to `notes` with the reason."""
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        notes.append(InputFile(display, p, "zip", status=UNREADABLE, reason=f"压缩包损坏：{exc}"))
        return
    with zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            notes.append(
                InputFile(
                    display,
                    p,
                    "zip",
                    status=UNREADABLE,
                    reason=f"压缩包内文件过多（{len(members)}）",
                )
            )
            return
        for info in members:
            if info.is_dir():
                continue
            name = zip_member_name(info)
            shown = f"{display}/{display_name(name)}"
            ext = Path(name).suffix.lower()
            if ext not in WORKBOOK_EXTS and ext != ".zip":
                notes.append(InputFile(shown, p, "zip", status=SKIPPED, reason="非工作簿文件"))
                continue
            if ext == ".zip" and depth + 1 >= MAX_ZIP_LEVELS:
                notes.append(InputFile(shown, p, "zip", status=SKIPPED, reason=too_deep(depth + 2)))
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                notes.append(
                    InputFile(shown, p, "zip", status=UNREADABLE, reason="解压后过大，已拒绝")
                )
                continue
            used = _EXTRACTED.get(str(workdir), 0)
            if used + info.file_size > MAX_EXTRACTED_BYTES:
                # members sharing one compressed stream can make a small zip inflate without end
                reason = f"本次解压总量已达上限（{MAX_EXTRACTED_BYTES // 1024**3} GB），未解压"
                notes.append(InputFile(shown, p, "zip", status=UNREADABLE, reason=reason))
                continue
            target = workdir / f"{len(found) + len(notes):06d}_{safe_name(name)}"
            failure = _extract(zf, info, target, workdir)
            if failure is not None:
                notes.append(InputFile(shown, p, "zip", status=UNREADABLE, reason=failure))
                continue
            member_time = zip_time(info) or received
            if ext == ".zip":
                add_zip(target, shown, workdir, found, notes, member_time, depth + 1)
                continue
            found.append(
                InputFile(
                    shown,
                    target,
                    "zip",
                    received=member_time,
                    size=info.file_size,
                    provenance={"archive": display, "archive_path": str(p), "member": name},
                )
            )


def too_deep(level: int) -> str:
    """Why a zip `level` levels down (the outer archive is level 1) was not opened."""
    return (
        f"压缩包嵌套过深：perfxl 打开了 {level - 1} 层压缩包，停在第 {level} 层，"
        "其中的文件未读取；请把工作簿直接放进一个压缩包（或直接附上工作簿）后重新提交"
    )


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, workdir: Path) -> str | None:
    """Copy one member to `target`, within the member and run limits; why it failed, if it did."""
    used = _EXTRACTED.get(str(workdir), 0)
    try:
        # "x": an extracted member never replaces another file
        with zf.open(info) as src, open(target, "xb") as dst:
            copied = 0
            while chunk := src.read(1 << 20):
                copied += len(chunk)
                if copied > MAX_MEMBER_BYTES or used + copied > MAX_EXTRACTED_BYTES:
                    raise ValueError("member inflates beyond its declared size")
                dst.write(chunk)
        _EXTRACTED[str(workdir)] = used + copied
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        ValueError,
        RuntimeError,
        NotImplementedError,
    ) as exc:
        target.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            raise  # the disk of OUTDIR is full: the run's problem, not the member's
        return f"无法解压：{exc}"
    return None


def zip_time(info: zipfile.ZipInfo) -> dt.datetime | None:
    try:
        return dt.datetime(*info.date_time)
    except ValueError:
        return None


def cleanup(workdir: Path) -> None:
    _EXTRACTED.pop(str(workdir), None)
    shutil.rmtree(workdir, ignore_errors=True)
