"""Tell a file's real format from its first bytes, not its extension."""

from __future__ import annotations

import zipfile
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"

# Formats perfxl reads with python-calamine.
WORKBOOK_FORMATS = ("xlsx", "xlsm", "xlsb", "xls", "ods")
# What files saved "as .xls" really are, when they are not workbooks (R03).
DISGUISES = {
    "html": "网页（HTML）",
    "mht": "单个文件网页（MHT）",
    "xml2003": "Excel 2003 XML 表格",
    "csv": "CSV 文本",
    "text": "纯文本",
}


def sniff_bytes(head: bytes, path: Path | None = None) -> str:
    """Return one of: xlsx, xlsm, xlsb, ods, xls, encrypted, zip, html, mht, xml2003, csv, text,
    empty, unknown.

    Zip containers need their member list, so `path` is opened when the head is a zip.
    """
    if not head:
        return "empty"
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(path) if path is not None else "xls"
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        return _sniff_zip(path) if path is not None else "zip"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<?xml") and (
        b"urn:schemas-microsoft-com:office:spreadsheet" in text or b"<workbook" in text
    ):
        return "xml2003"
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta", b"<head")):
        return "html"
    if text.startswith(b"mime-version:") or b"\ncontent-type: multipart/related" in text[:2048]:
        return "mht"
    if b"\x00" in head[:4096]:
        return "unknown"
    for enc in ("utf-8", "gb18030"):
        try:
            sample = head[:4096].decode(enc)
            break
        except UnicodeDecodeError:
            sample = None
    if sample is None:
        return "unknown"
    lines = [ln for ln in sample.splitlines() if ln.strip()]
    if lines and sum("," in ln or "\t" in ln for ln in lines) >= max(1, len(lines) // 2):
        return "csv"
    return "text"


def _sniff_ole(path: Path) -> str:
    # An OLE container holding EncryptedPackage is a password-protected xlsx.
    try:
        with open(path, "rb") as fh:
            blob = fh.read(1 << 20)
    except OSError:
        return "xls"
    marker = "EncryptedPackage".encode("utf-16-le")
    if marker in blob:
        return "encrypted"
    return "xls"


def _sniff_zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                mime = zf.read("mimetype")[:100]
                if b"opendocument.spreadsheet" in mime:
                    return "ods"
            if "xl/workbook.xml" in names:
                return "xlsm" if "xl/vbaProject.bin" in names else "xlsx"
            if "xl/workbook.bin" in names:
                return "xlsb"
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError):
        return "corrupt"
    return "zip"


def sniff(path: str | Path) -> str:
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(8192)
    return sniff_bytes(head, path)


def has_vba(path: str | Path) -> bool:
    """An OLE workbook (.xls) that carries a VBA project (its macros are never run)."""
    try:
        with open(path, "rb") as fh:
            blob = fh.read(4 << 20)
    except OSError:
        return False
    return "_VBA_PROJECT_CUR".encode("utf-16-le") in blob


def safe_sniff(p: Path) -> str:
    """The kind of a file, or "unreadable" when it cannot be opened."""
    try:
        return sniff(p)
    except OSError:
        return "unreadable"
