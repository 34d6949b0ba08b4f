"""How perfxl touches the file system: OS errors told in Chinese, files written atomically, scratch swept."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# errors told in Chinese, with the system's own words after them
_OS_REASONS = {
    errno.ENOENT: "文件在读取前已被移走或删除",
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.EISDIR: "是文件夹而不是文件",
    errno.ENAMETOOLONG: "文件名过长",
    errno.ELOOP: "符号链接循环",
    errno.EIO: "磁盘读取出错",
    errno.EINVAL: "不是普通文件",
}


def os_reason(exc: OSError) -> str:
    """Why a file could not be opened, for the 无法读取 column."""
    zh = _OS_REASONS.get(exc.errno or 0)
    raw = exc.strerror or type(exc).__name__
    return f"{zh}（{raw}）" if zh and zh != raw else raw


# Scratch names carry the writing process's id, so a later run can tell the leftovers of a killed
# run (kill -9, power cut: no cleanup code runs) from those of a run still going in the same OUTDIR.
SCRATCH_DIR = re.compile(r"^\.perfxl-(?:work|tmp)-(\d+)-[a-z0-9_]+$")

SCRATCH_FILE = re.compile(r"^\..+\.(\d+)\.[a-z0-9_]{8}\.tmp$")


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """While active, SIGTERM and SIGHUP end the process through Python (SystemExit), so `finally`
    blocks remove temporary files; SIGINT already does (KeyboardInterrupt)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                previous[sig] = signal.signal(sig, stop)
            except (ValueError, OSError):
                pass
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it into place only when the block succeeds,
    so an interrupted run leaves the previous file intact and no partial file behind. Libraries
    that make temporary files of their own (XlsxWriter) make them in a scratch folder there too:
    nothing is written outside the output folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    # names are chosen before anything is created, so a signal landing anywhere in between
    # still finds them in `finally`
    token = secrets.token_hex(4)
    tmp_path = target.parent / f".{target.name}.{pid}.{token}.tmp"
    scratch = target.parent / f".perfxl-tmp-{pid}-{token}"
    saved = tempfile.tempdir
    with terminate_cleanly():
        try:
            os.mkdir(scratch, 0o700)
            os.close(os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            tempfile.tempdir = str(scratch)
            try:
                yield tmp_path
            finally:
                tempfile.tempdir = saved
            # outputs are shared documents: the usual umask, not the 0600 of a temporary file
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)
            os.replace(tmp_path, target)
        finally:
            tmp_path.unlink(missing_ok=True)
            shutil.rmtree(scratch, ignore_errors=True)


def sweep_stale(outdir: Path) -> list[str]:
    """Remove what killed runs left in `outdir` (temporary outputs, scratch and work folders)."""
    removed: list[str] = []
    try:
        entries = list(outdir.iterdir())
    except OSError:
        return removed
    for p in entries:
        is_dir = p.is_dir() and not p.is_symlink()
        m = (SCRATCH_DIR if is_dir else SCRATCH_FILE).match(p.name)
        if m is None or _alive(int(m.group(1))):
            continue
        if is_dir:
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p.name)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":
        return True  # on Windows os.kill(pid, 0) would end the process: leftovers stay there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # someone else's process: leave its files alone
    return True


def write_atomic(target: Path, writer: Callable[[Path], None]) -> Path:
    with atomic_path(target) as tmp:
        writer(tmp)
    return target


def csv_safe(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v
