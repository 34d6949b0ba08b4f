"""A department-wide run: discover inputs, read them in parallel, de-duplicate, check, aggregate."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import re
import shutil
import stat
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from perfxl import __version__
from perfxl.config import DEFAULT, Config
from perfxl.intake.mail import is_maildir, mail_kind
from perfxl.intake.names import zip_member_name
from perfxl.read import Submission, os_reason
from perfxl.read.isolate import VETTED, Task, read_in_workers, read_task
from perfxl.read.sniff import WORKBOOK_FORMATS, sniff

if TYPE_CHECKING:
    from perfxl.cache import ReadCache

WORKBOOK_EXTS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et", ".ett", ".xltx"}
# A zip member larger than this is not extracted (a bomb, or not a form).
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 20_000
# everything extracted from the archives of one run together
MAX_EXTRACTED_BYTES = 4 * 1024**3
_EXTRACTED: dict[str, int] = {}  # work folder -> bytes extracted into it so far

# What became of each input file (运行信息 / run.json manifest).
READ, DUPLICATE, SUPERSEDED, UNREADABLE, SKIPPED = (
    "read",
    "duplicate",
    "superseded",
    "unreadable",
    "skipped",
)
INPUT_STATUS_ZH = {
    READ: "已读取",
    DUPLICATE: "重复文件（内容相同，只读一次）",
    SUPERSEDED: "已被新版本替代",
    UNREADABLE: "无法读取",
    SKIPPED: "非工作簿，已跳过",
}


@dataclass(slots=True)
class InputFile:
    """One input as found: a file on disk, or a member of a zip (extracted into the work folder)."""

    display: str  # what users see: relative path, or "archive.zip/member.xlsx"
    path: Path  # where it can be read now
    origin: str  # "file" | "zip"
    received: dt.datetime | None = None  # e-mail date or zip member time; else file mtime
    provenance: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""
    size: int = 0
    status: str = ""
    reason: str = ""
    sub: str | None = None


_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*\\/\ud800-\udfff]")
# file systems count bytes (255), and a Chinese character is three of them in UTF-8
MAX_NAME_BYTES = 180
_DISPLAY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_name(name: str, limit: int = 120) -> str:
    """A file name that cannot escape a folder: no directories, .., control or reserved characters,
    and short enough in bytes for any file system."""
    base = name.replace("\\", "/").split("/")[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    if not base or set(base) <= {"."}:
        base = "unnamed"
    stem, dot, ext = base.rpartition(".")
    if not dot or len(ext) > 8:
        stem, dot, ext = base, "", ""
    while len(base) > limit or len(base.encode("utf-8")) > MAX_NAME_BYTES:
        keep = min(len(stem) - 1, limit - len(ext) - 10)
        stem = stem[: max(keep, 0)]
        base = stem + "…" + dot + ext
    return base


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or "name(2).xlsx", "name(3).xlsx" … when an equal one (case aside) is in `taken`;
    the name returned is added to `taken`."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, k = name, 1
    while candidate.lower() in taken:
        k += 1
        candidate = f"{stem}({k}).{ext}" if ext else f"{stem}({k})"
    taken.add(candidate.lower())
    return candidate


def display_name(text: str) -> str:
    """A path as users see it: undecodable bytes read as GBK where they can be, controls as ?."""
    if _SURROGATE.search(text):
        try:
            raw = text.encode("utf-8", "surrogateescape")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            text = _SURROGATE.sub("\ufffd", text)
    return _DISPLAY_CONTROL.sub("?", text)


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
    for raw in inputs:
        p = Path(raw)
        if is_maildir(p):
            _add_mailbox(p, str(p), "maildir", workdir, found, notes)
        elif p.is_dir():
            base = p
            for root, dirs, files in os.walk(p, followlinks=False):
                dirs.sort()
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
                # a reading cache (--cache-dir) inside an input folder is not a submission either
                for d in [d for d in dirs if _is_cache_dir(Path(root) / d)]:
                    dirs.remove(d)
                    dp = Path(root) / d
                    shown = str(dp.relative_to(base.parent))
                    notes.append(
                        InputFile(shown, dp, "file", status=SKIPPED, reason="perfxl 读取缓存文件夹")
                    )
                # a Maildir inside the folder is read as one mailbox, not walked file by file
                for d in [d for d in dirs if is_maildir(Path(root) / d)]:
                    dirs.remove(d)
                    dp = Path(root) / d
                    shown = str(dp.relative_to(base.parent))
                    _add_mailbox(dp, shown, "maildir", workdir, found, notes)
                for name in sorted(files):
                    fp = Path(root) / name
                    rel = fp.relative_to(base.parent) if base.parent != fp else fp
                    _add_path(fp, str(rel), workdir, found, notes)
        else:
            _add_path(p, str(p), workdir, found, notes)
    return found


def _is_cache_dir(p: Path) -> bool:
    from perfxl.cache import is_cache_dir

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
        _add_zip(p, display, workdir, found, notes, received)
        return
    item = InputFile(display, p, "file", received=received, size=st.st_size)
    if p.suffix.lower() not in WORKBOOK_EXTS:
        fmt = _safe_sniff(p)
        if fmt not in WORKBOOK_FORMATS:
            kind = mail_kind(p)
            if kind is not None:  # .eml, mbox: its attachments are the inputs
                _add_mailbox(p, display, kind, workdir, found, notes)
                return
            item.status, item.reason = SKIPPED, "非工作簿文件"
            notes.append(item)
            return
    found.append(item)


def _add_mailbox(
    p: Path,
    display: str,
    kind: str,
    workdir: Path,
    found: list[InputFile],
    notes: list[InputFile],
) -> None:
    from perfxl.intake.inputs import add_mailbox  # imported here: it builds on this module

    add_mailbox(p, display, kind, workdir, found, notes)


def _safe_sniff(p: Path) -> str:
    try:
        return sniff(p)
    except OSError:
        return "unreadable"


def _is_plain_zip(p: Path) -> bool:
    return _safe_sniff(p) == "zip"


def _add_zip(
    p: Path,
    display: str,
    workdir: Path,
    found: list[InputFile],
    notes: list[InputFile],
    received: dt.datetime,
    depth: int = 0,
) -> None:
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
                notes.append(
                    InputFile(shown, p, "zip", status=UNREADABLE, reason=f"无法解压：{exc}")
                )
                target.unlink(missing_ok=True)
                continue
            member_time = _zip_time(info) or received
            if ext == ".zip" and depth < 2:
                _add_zip(target, shown, workdir, found, notes, member_time, depth + 1)
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


def _zip_time(info: zipfile.ZipInfo) -> dt.datetime | None:
    try:
        return dt.datetime(*info.date_time)
    except ValueError:
        return None


# ------------------------------------------------------------------ reading


def read_all(
    items: Sequence[InputFile],
    jobs: int = 0,
    progress: Callable[[int], None] | None = None,
    executor: str = "local",
    cache: ReadCache | None = None,
    scheduler: str | None = None,
    scratch: Path | None = None,
    stats: dict[str, Any] | None = None,
    sink: Callable[[list[Submission]], None] | None = None,
) -> list[Submission]:
    """Read each (de-duplicated) input. Files go to worker processes in chunks, not one by one;
    a worker that dies takes no file with it (perfxl.read.isolate). With a cache, files read by an
    earlier run (same bytes, same reader) are taken from it and only the others are read.

    `sink` gets every submission as it arrives (cache hits included), after the cache has stored
    it: `perfxl run` builds its frames there, so it never holds every file's records at once. A
    file read twice (a Dask worker could not open it) reaches the sink twice, the later reading
    last."""
    results: list[Submission | None] = [None] * len(items)
    todo: list[int] = []
    for k, item in enumerate(items):
        hit = cache.get(item.sha256, item.display, item.path) if cache is not None else None
        if hit is None:
            todo.append(k)
            continue
        results[k] = hit
        if sink:
            sink([hit])
        if progress:
            progress(1)
    store = _arrivals(cache, sink)
    tasks = [(str(items[k].path), items[k].display, items[k].sha256) for k in todo]
    fresh = _read_tasks(tasks, jobs, progress, executor, scheduler, store, scratch, stats)
    for k, sub in zip(todo, fresh, strict=True):
        results[k] = sub
    return [s for s in results if s is not None]


def _arrivals(
    cache: ReadCache | None, sink: Callable[[list[Submission]], None] | None
) -> Callable[[list[Submission]], None] | None:
    """What happens to freshly read submissions as they come in: cached first (the sink may let
    go of their records), then handed on."""
    if cache is None:
        return sink
    if sink is None:
        return cache.put_all

    def both(subs: list[Submission]) -> None:
        cache.put_all(subs)
        sink(subs)

    return both


def _read_tasks(
    tasks: list[Task],
    jobs: int,
    progress: Callable[[int], None] | None,
    executor: str,
    scheduler: str | None,
    store: Callable[[list[Submission]], None] | None,
    scratch: Path | None,
    stats: dict[str, Any] | None,
) -> list[Submission]:
    n_jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    if executor == "dask":
        from perfxl.executors import read_with_dask

        return read_with_dask(tasks, n_jobs, progress, scheduler, store, scratch, stats)
    if executor == "inline":
        out = []
        for t in tasks:
            out.append(read_task(t))  # formats that cannot be vetted still parse in a child
            if store:
                store(out[-1:])
            if progress:
                progress(1)
        return out
    if n_jobs <= 1 or len(tasks) < 8:
        # vetted xlsx/xlsm here; the other workbook formats (xls, xlsb, ods) in a reading process
        results: list[Submission | None] = [None] * len(tasks)
        kinds = [_safe_sniff(Path(t[0])) for t in tasks]
        away = [k for k, f in enumerate(kinds) if f in WORKBOOK_FORMATS and f not in VETTED]
        skip = set(away)
        for k in (k for k in range(len(tasks)) if k not in skip):
            results[k] = read_task(tasks[k])
            if store:
                store([results[k]])  # type: ignore[list-item]
            if progress:
                progress(1)
        if away:
            done = read_in_workers([tasks[k] for k in away], 1, progress, store)
            for k, sub in zip(away, done, strict=True):
                results[k] = sub
        return [s for s in results if s is not None]
    return read_in_workers(tasks, n_jobs, progress, store)


# ------------------------------------------------------------------ resubmissions


def project_key(row: pd.Series | dict[str, Any]) -> str | None:
    """Same 项目编码, else same 年度 + 单位 + 项目名称 (RULES D02 / issue: resubmissions)."""
    code = row.get("project_code")
    if isinstance(code, str) and code.strip():
        return "code:" + code.strip()
    name, unit = row.get("project_name"), row.get("unit")
    year = (
        row.get("fiscal_year")
        if pd.notna(row.get("fiscal_year"))
        else row.get("fiscal_year_inferred")
    )
    if isinstance(name, str) and name and isinstance(unit, str) and unit:
        y = int(year) if year is not None and pd.notna(year) else ""
        return f"name:{y}|{unit}|{name}"
    return None


@dataclass
class Supersession:
    superseded: dict[str, str]  # sub -> sub of the version that replaces it
    ambiguous: list[
        tuple[str, list[str]]
    ]  # (key, subs) where versions differ but cannot be ordered


def resolve_resubmissions(
    projects: pd.DataFrame, received: dict[str, dt.datetime | None]
) -> Supersession:
    """Keep the latest version of each project: by the date the workbook states (填报日期/上报时间),
    then by when it was received (e-mail date, zip member time, file time). `projects` is the
    batch's project frame (one row per submission)."""
    rows = []
    usable = projects[~projects["blocked"].fillna(False).astype(bool)]
    for row in usable.to_dict("records"):
        rows.append(
            {
                "sub": row["sub"],
                "key": project_key(row),
                "stated": row.get("submit_date"),
                "received": received.get(row["sub"]),
            }
        )
    superseded: dict[str, str] = {}
    ambiguous: list[tuple[str, list[str]]] = []
    if not rows:
        return Supersession(superseded, ambiguous)
    df = pd.DataFrame(rows).dropna(subset=["key"])
    for key, g in df.groupby("key", sort=True):
        if len(g) < 2:
            continue
        order = g.assign(
            _stated=pd.to_datetime(g["stated"], errors="coerce"),
            _received=pd.to_datetime(g["received"], errors="coerce"),
        ).sort_values(["_stated", "_received", "sub"], na_position="first")
        latest = order.iloc[-1]
        ties = order[
            (order["_stated"] == latest["_stated"])
            | (order["_stated"].isna() & pd.isna(latest["_stated"]))
        ]
        ties = ties[(ties["_received"] == latest["_received"])]
        if len(ties) > 1:
            ambiguous.append((str(key), list(ties["sub"])))
        for sub in order["sub"].iloc[:-1]:
            superseded[sub] = latest["sub"]
    return Supersession(superseded, ambiguous)


@dataclass
class RunResult:
    """Everything one run produced; the writers (summary, CSV, JSON) read only this."""

    report: Any  # perfxl.pipeline.Report
    inputs: list[InputFile]
    projects: pd.DataFrame
    findings: pd.DataFrame
    departments: pd.DataFrame
    units: pd.DataFrame
    roster: pd.DataFrame | None
    started: dt.datetime
    finished: dt.datetime
    config: Config = DEFAULT
    version: str = __version__
    options: dict[str, Any] = field(default_factory=dict)


def cleanup(workdir: Path) -> None:
    _EXTRACTED.pop(str(workdir), None)
    shutil.rmtree(workdir, ignore_errors=True)


def hash_inputs(items: Iterable[InputFile]) -> None:
    for i in items:
        try:
            i.sha256 = _sha256(i.path)
            i.size = i.path.stat().st_size
        except OSError as exc:
            i.status, i.reason = UNREADABLE, os_reason(exc)
