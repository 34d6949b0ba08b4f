"""How perfxl touches the file system: OS errors told in Chinese, files written atomically, scratch swept."""

from __future__ import annotations

import contextlib
import errno
import gc
import hashlib
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import traceback
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


class Terminated(SystemExit):
    """SIGTERM or SIGHUP, ended through Python (exit code 128 + the signal's number)."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """While active, SIGTERM and SIGHUP end the process through Python (Terminated, a SystemExit),
    so `finally` blocks remove temporary files; SIGINT already does (KeyboardInterrupt)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def stop(signum: int, _frame: Any) -> None:
        raise Terminated(signum)

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
        except Exception as exc:
            failure = write_failure(exc, target.parent)
            if failure is None:
                raise
            _let_go(exc)
            raise failure from None
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
        if m is None or alive(int(m.group(1))):
            continue
        if is_dir:
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p.name)
    return removed


def alive(pid: int) -> bool:
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


# ------------------------------------------------------------------ writing faults the user can fix

# what goes wrong when perfxl writes, in Chinese and English; {folder} is where it was writing
_WRITE_FAULTS = {
    errno.ENOSPC: (
        "磁盘空间不足：无法在 {folder} 写出输出（该磁盘只剩 {free}）。请清理磁盘，"
        "或用 -o 指定另一块磁盘上的文件夹",
        "No space left on the disk: the outputs could not be written in {folder} ({free} free). "
        "Free some space or give another disk's folder with -o",
    ),
    errno.EROFS: (
        "无法写入 {folder}：所在磁盘是只读的。请用 -o 指定可以写入的文件夹",
        "Cannot write in {folder}: the disk is read-only. Give a writable folder with -o",
    ),
    errno.EACCES: (
        "无法写入 {folder}：没有写入权限。请用 -o 指定自己有权写入的文件夹，或请管理员开放权限",
        "Cannot write in {folder}: permission denied. Give a folder you may write in with -o",
    ),
    errno.ENOTDIR: (
        "无法使用输出文件夹 {folder}：路径中的 {blocker} 是文件而不是文件夹。请换一个输出位置",
        "Cannot use the output folder {folder}: {blocker} on its path is a file, not a folder",
    ),
    errno.ENAMETOOLONG: (
        "无法写入 {folder}：路径过长。请用 -o 指定路径较短的文件夹",
        "Cannot write in {folder}: the path is too long. Give a shorter folder with -o",
    ),
    errno.EIO: (
        "写入 {folder} 时磁盘出错（磁盘可能损坏或已断开）。请检查磁盘后重试",
        "The disk failed while writing in {folder} (damaged or disconnected). Check it and retry",
    ),
    errno.EFBIG: (
        "无法写入 {folder}：文件超出该磁盘允许的大小。请用 -o 指定另一块磁盘上的文件夹",
        "Cannot write in {folder}: a file exceeds what the file system allows",
    ),
    errno.EMFILE: (
        "无法写入 {folder}：同时打开的文件过多。请关闭其他程序后重试",
        "Cannot write in {folder}: too many open files. Close other programs and retry",
    ),
    errno.ENOENT: (
        "无法写入 {folder}：输出文件夹在运行中被移走或删除",
        "Cannot write in {folder}: the output folder was moved or removed during the run",
    ),
}
_SAME_FAULT = {
    errno.EDQUOT: errno.ENOSPC,
    errno.EPERM: errno.EACCES,
    errno.ENFILE: errno.EMFILE,
    errno.EEXIST: errno.ENOTDIR,  # mkdir where a file of that name stands
}
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


class WriteFailure(Exception):
    """Writing into `folder` failed for a reason the user can act on (a full or read-only disk,
    no permission, a file where a folder should be); `zh` and `en` say which and what to do."""

    def __init__(self, folder: Path, error: OSError) -> None:
        self.folder = Path(folder)
        self.error = error
        self.errno = _SAME_FAULT.get(error.errno or 0, error.errno or 0)
        super().__init__(self.folder, error)

    # told when asked, not when raised: the free space is the disk's once the partial outputs
    # have been removed
    @property
    def zh(self) -> str:
        return self._told(0)

    @property
    def en(self) -> str:
        return self._told(1)

    def __str__(self) -> str:
        return self.zh

    @property
    def disk_full(self) -> bool:
        return self.errno == errno.ENOSPC

    def _told(self, lang: int) -> str:
        default = ("无法写入 {folder}：{reason}", "Cannot write in {folder}: {reason}")
        text = _WRITE_FAULTS.get(self.errno, default)[lang]
        free = _free_space(self.folder)
        if self.disk_full:
            previous = _outputs_size(self.folder)
            if previous:
                free += (
                    f"，上次的输出共 {previous}"
                    if lang == 0
                    else f"; the last outputs take {previous}"
                )
        return text.format(
            folder=self.folder,
            free=free,
            blocker=_file_on_path(self.folder) or self.folder,
            reason=self.error.strerror or type(self.error).__name__,
        )


def os_error_of(exc: BaseException) -> OSError | None:
    """The operating system's error behind `exc`: itself, or the one a library wrapped
    (XlsxWriter's FileCreateError carries it as its argument)."""
    seen: list[BaseException] = []
    todo: list[Any] = [exc]
    while todo:
        e = todo.pop(0)
        if not isinstance(e, BaseException) or any(e is s for s in seen):
            continue
        if isinstance(e, OSError) and e.errno is not None:
            return e
        seen.append(e)
        todo += [*e.args, e.__cause__, e.__context__]
    return None


def write_failure(exc: BaseException, folder: Path) -> WriteFailure | None:
    """`exc` as a WriteFailure in `folder`, when it is an OS fault of writing there; None for
    anything else (a bug, or a source file that could not be read)."""
    if isinstance(exc, WriteFailure):
        return exc
    err = os_error_of(exc)
    if err is None:
        return None
    code = _SAME_FAULT.get(err.errno or 0, err.errno)
    if code not in _WRITE_FAULTS:
        return None
    named = err.filename if isinstance(err.filename, str) else None
    if named and code not in DISK_FULL and not _inside(Path(named), Path(folder)):
        return None  # e.g. a source workbook that could not be opened: not a writing fault
    return WriteFailure(folder, err)


def prepare_output_folder(outdir: Path) -> None:
    """Create `outdir` if needed and prove that perfxl can write there, before any work is done:
    a read-only disk or a file on the path is told at once, not after the reading."""
    blocker = _file_on_path(outdir)
    if blocker is not None:
        raise WriteFailure(
            outdir, NotADirectoryError(errno.ENOTDIR, "Not a directory", str(blocker))
        )
    probe = outdir / f".perfxl-probe.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise WriteFailure(outdir, exc) from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()


def _file_on_path(folder: Path) -> Path | None:
    """The first part of `folder`'s path that exists and is not a folder (the output folder
    "under a file"), or None."""
    for p in [folder, *folder.parents]:
        if os.path.lexists(p):
            return None if p.is_dir() else p
    return None


def _inside(path: Path, folder: Path) -> bool:
    try:
        return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(folder))
    except (OSError, ValueError):
        return False


def _free_space(folder: Path) -> str:
    for p in [folder, *folder.parents]:
        try:
            return human_size(shutil.disk_usage(p).free)
        except OSError:
            continue
    return "未知"


# what a run writes into OUTDIR (perfxl.report.outputs): their size says how much a new set needs
_OUTPUT_FILES = ("summary.xlsx", "projects.csv", "findings.csv", "run.json")
_OUTPUT_FOLDERS = ("feedback", "replies")


def _outputs_size(folder: Path) -> str | None:
    total = 0
    for name in _OUTPUT_FILES + _OUTPUT_FOLDERS:
        p = folder / name
        try:
            files = list(p.iterdir()) if p.is_dir() else [p]
            total += sum(f.stat().st_size for f in files if f.is_file())
        except OSError:
            continue
    return human_size(total) if total else None


def human_size(n: float) -> str:
    for unit in ("字节", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "字节" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


# ------------------------------------------------------------------ a set of outputs, all or none


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP wait until the block is done, then take effect: a few renames
    that must happen together are not cut in half."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[int, Any] = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(ValueError, OSError):
                previous[sig] = signal.signal(sig, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            signal.raise_signal(caught[0])


class OutputStage:
    """Outputs written under their final names into a scratch folder inside OUTDIR, then put in
    place together (`commit`): a run that fails or is interrupted before that leaves every
    previous output as it was, and one that gets there leaves a complete new set."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.dir = outdir / f".perfxl-tmp-{os.getpid()}-{secrets.token_hex(4)}"
        self.names: list[str] = []
        # a signal right after the first mkdir must not leave the folder behind: the caller has
        # no stage to discard yet
        try:
            os.mkdir(self.dir, 0o700)
            os.mkdir(self.dir / ".scratch", 0o700)
        except BaseException:
            self.discard()
            raise

    def file(self, name: str) -> Path:
        """Where to write the output `name` (a file name in OUTDIR)."""
        self.names.append(name)
        return self.dir / name

    def folder(self, name: str) -> Path:
        """A folder to fill that replaces OUTDIR/`name` as a whole."""
        os.mkdir(self.dir / name, 0o700)
        self.names.append(name)
        return self.dir / name

    def digests(self) -> dict[str, str]:
        """sha256 of every file staged so far, by its path in OUTDIR ("feedback/x.xlsx")."""
        out: dict[str, str] = {}
        for name in self.names:
            p = self.dir / name
            for f in sorted(p.iterdir()) if p.is_dir() else [p]:
                if f.is_file():
                    out[f.relative_to(self.dir).as_posix()] = _sha256_of(f)
        return out

    def commit(self, written: list[Path] | None = None) -> list[Path]:
        """Put every staged output in place, in the order staged; each path goes into `written`
        as soon as it is there."""
        umask = os.umask(0)
        os.umask(umask)
        placed = written if written is not None else []
        start = len(placed)
        with signals_deferred():
            for name in self.names:
                new, final = self.dir / name, self.outdir / name
                if new.is_dir():
                    os.chmod(new, 0o777 & ~umask)
                    for p in new.iterdir():
                        os.chmod(p, 0o666 & ~umask)
                    if os.path.lexists(final):  # the old folder goes with the stage
                        final.rename(self.dir / f".old-{name}")
                    new.rename(final)
                else:
                    # outputs are shared documents: the usual umask, not a temporary file's 0600
                    os.chmod(new, 0o666 & ~umask)
                    os.replace(new, final)
                placed.append(final)
        return placed[start:]

    def discard(self) -> None:
        # not cut short by a second Ctrl-C or SIGTERM: it takes effect once the folder is gone
        with signals_deferred():
            shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def staged_outputs(outdir: Path) -> Iterator[OutputStage]:
    """An OutputStage for OUTDIR; removed on the way out, whatever happens. An OS fault while
    writing (a full disk, no permission) comes out as a WriteFailure naming OUTDIR."""
    saved = tempfile.tempdir
    stage: OutputStage | None = None
    with terminate_cleanly():
        try:
            try:
                stage = OutputStage(outdir)
                # libraries that make temporary files (XlsxWriter) make them in the stage too
                tempfile.tempdir = str(stage.dir / ".scratch")
                yield stage
            finally:
                tempfile.tempdir = saved
        except Exception as exc:
            failure = write_failure(exc, outdir)
            if failure is None:
                raise
            _let_go(exc)
            raise failure from None
        finally:
            if stage is not None:
                stage.discard()


def _let_go(exc: BaseException) -> None:
    """Free what a failed write still holds through its traceback (a half-written zip), quietly:
    otherwise its finaliser tries to write again at exit and prints a second traceback."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        e: BaseException | None = exc
        while e is not None:
            if e.__traceback__ is not None:
                traceback.clear_frames(e.__traceback__)
            e = e.__cause__ or e.__context__
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
