"""A department-wide run: discover inputs, read them in parallel, de-duplicate, check, aggregate."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import stat
import zipfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from perfxl import __version__
from perfxl.config import DEFAULT, Config
from perfxl.read import Submission, read_workbook
from perfxl.read.sniff import WORKBOOK_FORMATS, sniff

WORKBOOK_EXTS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et", ".ett", ".xltx"}
# A zip member larger than this is not extracted (a bomb, or not a form).
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 20_000

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


_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*\\/]")


def safe_name(name: str, limit: int = 120) -> str:
    """A file name that cannot escape a folder: no directories, .., control or reserved characters."""
    base = name.replace("\\", "/").split("/")[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    if not base or set(base) <= {"."}:
        base = "unnamed"
    if len(base) > limit:
        stem, dot, ext = base.rpartition(".")
        base = (
            (stem[: limit - len(ext) - 10] + "…" + dot + ext)
            if dot and len(ext) <= 8
            else base[:limit]
        )
    return base


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _decode_member(info: zipfile.ZipInfo) -> str:
    """Zip member names: UTF-8 when flagged, else (Chinese Windows) GBK, read as gb18030."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def discover(
    inputs: Sequence[str | os.PathLike[str]], workdir: Path, notes: list[InputFile]
) -> list[InputFile]:
    """Every file under the inputs (folders recursively, zips opened); unusable ones go to `notes`."""
    found: list[InputFile] = []
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
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
                for name in sorted(files):
                    fp = Path(root) / name
                    rel = fp.relative_to(base.parent) if base.parent != fp else fp
                    _add_path(fp, str(rel), workdir, found, notes)
        else:
            _add_path(p, str(p), workdir, found, notes)
    return found


def _add_path(
    p: Path, display: str, workdir: Path, found: list[InputFile], notes: list[InputFile]
) -> None:
    try:
        st = p.lstat()
    except OSError as exc:
        notes.append(
            InputFile(display, p, "file", status=UNREADABLE, reason=exc.strerror or str(exc))
        )
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
            item.status, item.reason = SKIPPED, "非工作簿文件"
            notes.append(item)
            return
    found.append(item)


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
            name = _decode_member(info)
            shown = f"{display}/{name}"
            ext = Path(name).suffix.lower()
            if ext not in WORKBOOK_EXTS and ext != ".zip":
                notes.append(InputFile(shown, p, "zip", status=SKIPPED, reason="非工作簿文件"))
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                notes.append(
                    InputFile(shown, p, "zip", status=UNREADABLE, reason="解压后过大，已拒绝")
                )
                continue
            target = workdir / f"{len(found) + len(notes):06d}_{safe_name(name)}"
            try:
                with zf.open(info) as src, open(target, "wb") as dst:
                    copied = 0
                    while chunk := src.read(1 << 20):
                        copied += len(chunk)
                        if copied > MAX_MEMBER_BYTES:
                            raise ValueError("member inflates beyond its declared size")
                        dst.write(chunk)
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


def _read_one(args: tuple[str, str, str]) -> Submission:
    path, display, digest = args
    return read_workbook(path, display=display, sha256=digest)


def _read_chunk(chunk: list[tuple[str, str, str]]) -> list[Submission]:
    return [_read_one(a) for a in chunk]


def read_all(
    items: Sequence[InputFile],
    jobs: int = 0,
    progress: Callable[[int], None] | None = None,
    executor: str = "local",
) -> list[Submission]:
    """Read each (de-duplicated) input. Files go to worker processes in chunks, not one by one."""
    tasks = [(str(i.path), i.display, i.sha256) for i in items]
    n_jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    if executor == "inline" or n_jobs <= 1 or len(tasks) < 8:
        out = []
        for t in tasks:
            out.append(_read_one(t))
            if progress:
                progress(1)
        return out
    size = max(4, min(64, len(tasks) // (n_jobs * 4) or 1))
    chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    results: list[list[Submission]] = [[] for _ in chunks]
    with ProcessPoolExecutor(max_workers=n_jobs) as pool:
        futures = {pool.submit(_read_chunk, c): k for k, c in enumerate(chunks)}
        from concurrent.futures import as_completed

        for fut in as_completed(futures):
            k = futures[fut]
            results[k] = fut.result()
            if progress:
                progress(len(chunks[k]))
    return [s for part in results for s in part]


# ------------------------------------------------------------------ resubmissions


def project_key(row: pd.Series) -> str | None:
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
    subs: Sequence[Submission], received: dict[str, dt.datetime | None]
) -> Supersession:
    """Keep the latest version of each project: by the date the workbook states (填报日期/上报时间),
    then by when it was received (e-mail date, zip member time, file time)."""
    rows = []
    for s in subs:
        if s.extract is None or s.blocked:
            continue
        p = s.extract.project
        rows.append(
            {
                "sub": s.sub,
                "key": project_key(pd.Series(p)),
                "stated": p.get("submit_date"),
                "received": received.get(s.sub),
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
    shutil.rmtree(workdir, ignore_errors=True)


def hash_inputs(items: Iterable[InputFile]) -> None:
    for i in items:
        try:
            i.sha256 = _sha256(i.path)
            i.size = i.path.stat().st_size
        except OSError as exc:
            i.status, i.reason = UNREADABLE, exc.strerror or str(exc)
