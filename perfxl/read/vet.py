"""Vet an xlsx/xlsm container before the parser sees it: bombs, impossible extents, entities."""

from __future__ import annotations

import html
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.etree import ElementTree

# A workbook whose parts inflate beyond this is refused (zip bombs); real forms are far below 5 MB.
MAX_UNCOMPRESSED = 200 * 1024 * 1024
# python-calamine allocates every sheet densely, from A1 to its last cell holding a value: one
# value at XFD1048576 asks for 17 billion cells and aborts the whole process, so the extent is
# measured here first.
MAX_CELLS = 5_000_000
# calamine reserves the shared-string table from its declared uniqueCount, before reading it.
MAX_STRINGS = 2_000_000
MAX_ROW, MAX_COL = 1_048_576, 16_384
# deflate cannot expand data by more than about 1032:1, so small compressed parts need no inflating
# to know they are safe; larger ones are inflated (and counted) here.
DEFLATE_RATIO = 1032
MB = 1024 * 1024

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_NAME_RE = re.compile(r"^[A-Za-z_\\][\w.]*$")

# Fast path: when every cell names its place (r="A1" first, as every writer does), no cell
# reference with a five-digit row, a three-letter column or an odd character means the sheet is
# small; otherwise its extent is measured. (One search for the first cell whose reference is not
# one to four digits after one or two letters; the cells place themselves, so row numbers on <row>
# do not matter.)
_UNSAFE_CELL_REF = re.compile(rb'<c r="(?![A-Za-z]{1,2}\d{1,4}")')
_PREFIXED_CELL = re.compile(rb":c[\s>/]")
_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*?)(/?)>")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*(["'])(.*?)\1""", re.S)
_REF = re.compile(r"^\$?([A-Za-z]{1,4})\$?(\d{1,9})$")
# A formula with no cached value: <f>..</f> (or a shared <f .../>) closing its cell with no <v> or
# an empty <v/> (openpyxl and other libraries). <v></v> is a cached empty text (Excel, XlsxWriter).
_UNCACHED_TAIL = re.compile(rb"</f>\s*(?:<v\s*/>)?\s*</c>")
_UNCACHED_SHARED = re.compile(rb"<f\s[^>]*/>\s*(?:<v\s*/>)?\s*</c>")
_CELL_REF = re.compile(rb"""\sr\s*=\s*["']([A-Z]{1,3}\d+)["']""")
_SST_HEAD = re.compile(rb"<(?:[\w.-]+:)?sst\b([^>]*)>")
_UNIQUE = re.compile(rb"""uniqueCount\s*=\s*["'](\d+)["']""")
_UNPLACED_CELL = re.compile(rb'<c(?! r=")[\s>/]')
# a cell reference whose tag does not close itself (a cell holding a value or a formula)
_FILLED_REF = re.compile(rb'<c r="([^"0-9]*)([^"]*)"[^>]*(?<!/)>')
# control characters (C0 but tab and line breaks, DEL), found with one translate; C1 controls,
# direction overrides and escaped forms (_x001B_, &#27;) by their rarer byte patterns
_C0_TABLE = bytes(1 if i < 32 and i not in (9, 10, 13) or i == 127 else 0 for i in range(256))
_ESCAPED_CONTROL = re.compile(rb"_x00(?:[01][0-9A-Fa-f]|7[Ff]|[89][0-9A-Fa-f])_")
_C1 = re.compile(rb"\xc2[\x80-\x9f]")
_BIDI = re.compile(rb"\xe2(?:\x80[\xaa-\xae]|\x81[\xa6-\xa9])")


class VetError(Exception):
    """A container perfxl refuses to parse; `code` is the rule id (R01 or R06)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(slots=True)
class ZipFacts:
    names: dict[str, str] = field(default_factory=dict)  # workbook-level defined names
    uncached: dict[str, list[str]] = field(default_factory=dict)  # sheet -> formula cells, no value
    controls: bool = False  # some text holds control characters (cleaned after parsing)


def inspect_zip(path: str, want_names: bool = True) -> ZipFacts:
    """One pass over an xlsx/xlsm: raises VetError for what must not reach the parser."""
    try:
        with open(path, "rb") as fh, zipfile.ZipFile(fh) as zf:
            return _inspect(fh, zf, want_names)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error, zlib.error) as exc:
        raise VetError("R01", f"zip: {exc}") from exc


def vet_sizes(path: str) -> None:
    """For the other zip formats (xlsb, ods): only the inflated size is bounded, not the extent."""
    try:
        with open(path, "rb") as fh, zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
            declared = sum(i.file_size for i in infos)
            if declared > MAX_UNCOMPRESSED:
                raise VetError("R06", f"解压后 {declared // MB} MB")
            parsed = [i for i in infos if _parsed_part(i.filename)]
            budget = [MAX_UNCOMPRESSED]
            if sum(_worst_case(i) for i in parsed) > budget[0]:
                for i in parsed:
                    if i.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                        _inflate(fh, i, budget, keep=False)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error, zlib.error) as exc:
        raise VetError("R01", f"zip: {exc}") from exc


def _inspect(fh: BinaryIO, zf: zipfile.ZipFile, want_names: bool) -> ZipFacts:
    infos = zf.infolist()
    declared = sum(i.file_size for i in infos)
    if declared > MAX_UNCOMPRESSED:
        raise VetError("R06", f"解压后 {declared // MB} MB")
    by_name = {i.filename: i for i in infos}
    parsed = [i for i in infos if _parsed_part(i.filename)]
    if len({i.filename for i in parsed}) != len(parsed):
        # two parts of one name: which one a parser takes is its own choice, not the one vetted
        raise VetError("R01", "压缩包中有同名的成员")
    for i in parsed:
        if i.flag_bits & 0x1:
            raise VetError("R01", f"压缩包成员 {i.filename} 已加密")
        if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise VetError("R01", f"压缩包成员 {i.filename} 使用了不支持的压缩方式")

    budget = [MAX_UNCOMPRESSED]
    facts = ZipFacts()
    workbook = by_name.get("xl/workbook.xml")
    wb_xml = _inflate(fh, workbook, budget) if workbook is not None else b""
    rels_info = by_name.get("xl/_rels/workbook.xml.rels")
    rels_xml = _inflate(fh, rels_info, budget) if rels_info is not None else b""
    _refuse_dtd(wb_xml, "xl/workbook.xml")
    _refuse_dtd(rels_xml, "xl/_rels/workbook.xml.rels")
    wb_root, rels_root = _root(wb_xml), _root(rels_xml)
    sheets, strings = _parts(wb_root, rels_root)
    if want_names and wb_root is not None:
        facts.names = _defined_names(wb_root)
    for name in by_name:
        if name.startswith("xl/worksheets/") and name.endswith(".xml") and name not in sheets:
            sheets[name] = ""
    scanned = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels"}
    for part, sheet in sheets.items():
        info = by_name.get(part)
        if info is None:
            continue
        scanned.add(part)
        xml = _inflate(fh, info, budget)
        _refuse_dtd(xml, part)
        _check_extent(xml, sheet or part)
        if b"<f" in xml:
            cells = uncached_formulas(xml)
            if cells:
                facts.uncached.setdefault(sheet or part, []).extend(cells)
        facts.controls = facts.controls or has_controls(xml)
    info = by_name.get(strings)
    if info is not None:
        scanned.add(strings)
        xml = _inflate(fh, info, budget)
        _refuse_dtd(xml, strings)
        head = _SST_HEAD.search(xml, 0, 4096)
        unique = _UNIQUE.search(head.group(1)) if head else None
        if unique and int(unique.group(1)) > MAX_STRINGS:
            raise VetError("R06", f"共享字符串表声明 {int(unique.group(1))} 项")
        facts.controls = facts.controls or has_controls(xml)
    # every other part the parser may inflate: bounded by its compressed size, else counted here
    rest = [i for i in parsed if i.filename not in scanned]
    bound = sum(_worst_case(i) for i in rest)
    if bound > budget[0]:
        for i in rest:
            _inflate(fh, i, budget, keep=False)
    return facts


def _parsed_part(name: str) -> bool:
    """Parts the parser inflates (pictures and embedded objects are never opened)."""
    low = name.lower()
    return low.endswith((".xml", ".rels", ".bin")) and not low.startswith("xl/media/")


def _worst_case(info: zipfile.ZipInfo) -> int:
    if info.compress_type == zipfile.ZIP_STORED:
        return info.compress_size
    return info.compress_size * DEFLATE_RATIO + 1024


def _inflate(fh: BinaryIO, info: zipfile.ZipInfo, budget: list[int], keep: bool = True) -> bytes:
    """The member's real bytes, however its header declares them, within the remaining budget."""
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise VetError("R01", f"压缩包成员 {info.filename} 的文件头损坏")
    n, e = struct.unpack("<HH", head[26:30])
    fh.seek(info.header_offset + 30 + n + e)
    left = info.compress_size
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    out: list[bytes] = []
    size = 0
    crc = 0
    while left > 0 or (inflater is not None and inflater.unconsumed_tail):
        if inflater is not None and inflater.unconsumed_tail:
            chunk = inflater.decompress(inflater.unconsumed_tail, 1 << 20)
        else:
            raw = fh.read(min(left, 1 << 20))
            if not raw:
                raise VetError("R01", f"压缩包成员 {info.filename} 不完整")
            left -= len(raw)
            chunk = inflater.decompress(raw, 1 << 20) if inflater is not None else raw
        size += len(chunk)
        if size > budget[0]:
            raise VetError("R06", f"{info.filename} 解压后超过 {MAX_UNCOMPRESSED // MB} MB")
        crc = zlib.crc32(chunk, crc)
        if keep:
            out.append(chunk)
        if inflater is not None and inflater.eof:
            break
    budget[0] -= size
    if crc != info.CRC:
        raise VetError("R01", f"压缩包成员 {info.filename} 校验失败（数据损坏）")
    return b"".join(out)


def _refuse_dtd(xml: bytes, part: str) -> None:
    # No Office program writes a DTD into a workbook; one is there to declare entities.
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise VetError("R01", f"{part} 含有 DTD/实体声明，已拒绝（可能是恶意构造的文件）")


def _root(xml: bytes) -> ElementTree.Element | None:
    if not xml or b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        return None  # no external or expanding entities, ever
    try:
        return ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return None


def _parts(
    wb: ElementTree.Element | None, rels: ElementTree.Element | None
) -> tuple[dict[str, str], str]:
    """Worksheet parts -> sheet names, and the shared-string part, from the workbook's relations."""
    sheets: dict[str, str] = {}
    strings = "xl/sharedStrings.xml"
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in rels.iter(f"{_REL_NS}Relationship"):
            target = rel.get("Target", "")
            kind = rel.get("Type", "")
            path = _resolve(target)
            if kind.endswith("/sharedStrings"):
                strings = path
            targets[rel.get("Id", "")] = path
    if wb is not None:
        for sh in wb.iter(f"{_MAIN_NS}sheet"):
            path = targets.get(sh.get(_DOC_REL, ""))
            if path:
                sheets[path] = sh.get("name", "")
    return sheets, strings


def _resolve(target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = ["xl"]
    for p in target.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p not in ("", "."):
            parts.append(p)
    return "/".join(parts)


def parse_defined_names(xml: bytes) -> dict[str, str]:
    root = _root(xml)
    return _defined_names(root) if root is not None else {}


def _defined_names(root: ElementTree.Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for dn in root.iter(f"{_MAIN_NS}definedName"):
        name = dn.get("name", "")
        if dn.get("localSheetId") is None and _NAME_RE.match(name) and dn.text:
            out[name] = dn.text
    return out


# ---------------------------------------------------------------- sheet extent


def _check_extent(xml: bytes, sheet: str) -> None:
    placed = _all_cells_placed(xml)
    if placed and _UNSAFE_CELL_REF.search(xml) is None:
        return  # every cell is above row 10,000 and left of column AAA
    rows, cols = _largest_refs(xml) if placed else sheet_extent(xml)
    if rows > MAX_ROW or cols > MAX_COL:
        raise VetError("R01", f"工作表 {sheet} 的单元格地址超出 Excel 的范围")
    if rows * cols > MAX_CELLS:
        raise VetError("R06", f"工作表 {sheet} 的数据范围达 {rows} 行 × {cols} 列")


def _all_cells_placed(xml: bytes) -> bool:
    # Every cell names its place (r="A1" first, as every writer does): rows without r= then do not
    # matter and the largest reference bounds the extent; otherwise places are counted one by one.
    return _UNPLACED_CELL.search(xml) is None and _PREFIXED_CELL.search(xml) is None


def _largest_refs(xml: bytes) -> tuple[int, int]:
    """(last row, last column) over the references of the cells that hold something."""
    refs = _FILLED_REF.findall(xml)
    if not refs:
        return 0, 0
    if any(not r.isalpha() or not d.isdigit() for r, d in refs):
        return sheet_extent(xml)  # odd references: walk the sheet as the parser does
    rows = max(map(int, {d for _, d in refs}))
    cols = max(_col_number(c.decode()) for c in {c for c, _ in refs})
    return rows, cols


def sheet_extent(xml: bytes) -> tuple[int, int]:
    """(last row, last column), 1-based, of the cells holding something, as the parser places them
    (a <row> or <c> without r= follows the previous one)."""
    row = col = max_row = max_col = 0
    for m in _TAG.finditer(xml):
        kind, attrs, empty = m.group(1), m.group(2), m.group(3)
        ref = _r_value(attrs)
        if kind == b"row":
            row = int(ref) if ref is not None and ref.isdigit() else row + 1
            col = 0
            continue
        cell = _REF.match(ref) if ref is not None else None
        if cell is not None:
            col = _col_number(cell.group(1))
            row = int(cell.group(2))
        else:
            col += 1
        if not empty:
            max_row, max_col = max(max_row, row), max(max_col, col)
    return max_row, max_col


def _r_value(attrs: bytes) -> str | None:
    m = _R_ATTR.search(attrs)
    if m is None:
        return None
    text = m.group(2).decode("utf-8", "replace")
    return html.unescape(text).strip() if "&" in text else text.strip()


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


# ---------------------------------------------------------------- formulas without values


def uncached_formulas(xml: bytes) -> list[str]:
    """A1 refs of formula cells saved without a result (files written by programs, not Excel)."""
    out: list[str] = []
    for pattern in (_UNCACHED_TAIL, _UNCACHED_SHARED):
        for m in pattern.finditer(xml):
            start = xml.rfind(b"<c", 0, m.start())
            if start < 0:
                continue
            tag = xml[start : xml.find(b">", start) + 1]
            ref = _CELL_REF.search(tag)
            if ref is not None:
                out.append(ref.group(1).decode())
    return out


def has_controls(data: bytes) -> bool:
    return (
        b"\x01" in data.translate(_C0_TABLE)
        or b"&#" in data
        or (b"_x00" in data and _ESCAPED_CONTROL.search(data) is not None)
        or _C1.search(data) is not None
        or _BIDI.search(data) is not None
    )
