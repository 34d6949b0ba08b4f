"""Uploaded files into a run's folder: limits, and names that never become paths of their own."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

# what a run may bring (an officer's season is a few hundred workbooks, most well under 1 MB)
MAX_FILES = 500
MAX_BYTES = 512 * 1024 * 1024
INPUT_EXTS = {
    ".xlsx",
    ".xlsm",
    ".xls",
    ".xlsb",
    ".ods",
    ".et",
    ".ett",
    ".xltx",
    ".zip",
    ".eml",
    ".mbox",
    ".mbx",
}
ROSTER_EXTS = {".xlsx", ".xlsm", ".xls", ".csv"}
CONFIG_EXTS = {".toml"}

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f/\\:*?\"<>|\u202a-\u202e\u2066-\u2069]")


class UploadRefused(Exception):
    """An upload the page refuses, told in Chinese and English."""

    def __init__(self, zh: str, en: str, status: int = 400) -> None:
        super().__init__(zh)
        self.zh = zh
        self.en = en
        self.status = status


def safe_name(name: str | None, fallback: str = "文件") -> str:
    """A file name from a browser, reduced to a plain last component: no folders, no control or
    direction characters, no leading dots, at most 120 characters (the extension kept)."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("\\", "/").split("/")[-1]
    text = _UNSAFE.sub("_", text).strip().lstrip(".").strip()
    if not text or text in (".", ".."):
        text = fallback
    stem, dot, ext = text.rpartition(".")
    if not dot or len(ext) > 8:
        stem, ext = text, ""
    stem = stem[: 120 - len(ext) - 1] if ext else text[:120]
    return f"{stem}.{ext}" if ext else stem


def unique_in(folder: Path, name: str, taken: set[str]) -> Path:
    """`folder/name`, or `name (2)`, `name (3)` … when that name is taken in this upload."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, k = name, 1
    while candidate.lower() in taken:
        k += 1
        candidate = f"{stem} ({k}).{ext}" if ext else f"{stem} ({k})"
    taken.add(candidate.lower())
    return folder / candidate


def extension(name: str) -> str:
    return Path(name).suffix.lower()


def check_input_name(name: str) -> None:
    if extension(name) not in INPUT_EXTS:
        raise UploadRefused(
            f"不支持的文件类型：{name}（可上传工作簿 .xlsx/.xls/.xlsm/.ods、.zip 压缩包、.eml/.mbox 邮件）",
            f"unsupported file type: {name} (workbooks, .zip, .eml or .mbox)",
        )


def size_refusal(declared: int | None, limit: int = MAX_BYTES) -> UploadRefused | None:
    if declared is None:
        return UploadRefused("上传请求缺少长度信息。", "the upload has no Content-Length", 411)
    if declared > limit:
        return UploadRefused(
            f"上传的文件过大：共 {declared / 1048576:.1f} MB，一次最多 {limit // 1048576} MB。"
            "请分批上传，或在本机填写文件夹路径。",
            f"the upload is too large: {declared / 1048576:.1f} MB, at most {limit // 1048576} MB",
            413,
        )
    return None


def count_refusal(n: int, limit: int = MAX_FILES) -> UploadRefused | None:
    if n > limit:
        return UploadRefused(
            f"一次最多上传 {limit} 个文件（收到 {n} 个）。可先打包为 zip 再上传。",
            f"at most {limit} files per run ({n} received); a zip counts as one",
            413,
        )
    return None


def copy_upload(src: Any, target: Path) -> int:
    """Copy an uploaded (spooled) file into place; returns its size."""
    import shutil

    src.seek(0)
    with open(target, "xb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
        return out.tell()
