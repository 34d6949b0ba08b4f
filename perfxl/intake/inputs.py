"""One input as found (a file, a zip member, a mail attachment) and what became of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORKBOOK_EXTS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et", ".ett", ".xltx"}

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
    library_error: str | None = None  # the parser's own words, when it could not read the file
