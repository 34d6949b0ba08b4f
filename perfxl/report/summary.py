"""The auditors' summary workbook (summary.xlsx), written with XlsxWriter from a RunResult."""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from perfxl.checks.scoring import GRADES
from perfxl.intake.inputs import INPUT_STATUS_ZH, InputFile
from perfxl.model.findings import RULES, SEVERITY_RANK, SEVERITY_ZH
from perfxl.report.run_result import RunResult

EXCEL_MAX_ROWS = 1_048_576
# Excel refuses more hyperlinks than this on one sheet; beyond it cells are written as plain text.
MAX_LINKS_PER_SHEET = 65_530
# Excel's limit is 2,079 characters for a link (and again for its location); stay below it.
MAX_URL_CHARS = 2_000
MAX_CELL_CHARS = 32_767
# Above this many table rows the workbook is written in XlsxWriter's constant_memory mode.
CONSTANT_MEMORY_ROWS = 100_000
CHUNK = 20_000
WIDTH_SAMPLE = 1_000
CHART_MAX_DEPARTMENTS = 40
LINE_HEIGHT = 13.0  # points per line of 10-point text
MAX_LINES = 8  # a wrapped cell grows to this many lines at most
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)

# characters XML 1.0 cannot carry (and Excel would show as _x0007_); tab and newlines stay
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

SHEETS = {
    "overview": "总览",
    "projects": "项目汇总",
    "findings": "问题清单",
    "departments": "部门汇总",
    "indicators": "指标明细",
    "tiers": "绩效目标",
    "roster": "未提交",
    "submissions": "提交记录",
    "rules": "规则说明",
    "run": "运行信息",
}
SHEET_NOTES = {
    "项目汇总": "每个提交的工作簿一行：复核得分与等次、问题数、状态、源文件链接",
    "问题清单": "每条问题一行，按级别和涉及金额排序，可链接到源文件的单元格",
    "部门汇总": "按主管部门及其下属单位汇总：执行率为Σ执行数÷Σ预算数",
    "指标明细": "所有项目的绩效指标（长表，便于数据透视）",
    "绩效目标": "各指标的优良中差绩效标准区间（长表）",
    "未提交": "名单中未提交的项目、预算与批复不一致的项目、名单外的提交",
    "提交记录": "邮件提交的每个附件一行：发件人、发送时间、主题、Message-ID、附件名、哈希、处理结果",
    "规则说明": "本次使用的检查规则、级别和阈值",
    "运行信息": "版本、配置、起止时间、每个输入文件的哈希和处理结果",
}
PROFILE_ZH = {"national2020": "全国自评表2020", "hainan2011": "海南评价报告2011"}
DIRECTION_ZH = {
    "pos": "正向",
    "neg": "反向",
    "eq": "等于",
    "range": "区间",
    "qual": "定性",
    "date": "时限",
}
BASIS_ZH = {"formula": "按公式计算", "band": "定性分档", "reported": "采用填报值"}
ORIGIN_ZH = {"file": "文件", "zip": "压缩包", "mail": "邮件附件", "email": "邮件附件"}
ACTIVE = ("通过", "需修改")

# colours: severity 错误 red / 警告 amber / 提示 blue-grey; grades green to red
SEVERITY_COLOURS = {
    "错误": ("#FFC7CE", "#9C0006"),
    "警告": ("#FFEB9C", "#9C5700"),
    "提示": ("#DDE4EE", "#3B4A5E"),
}
GRADE_COLOURS = {
    "优": ("#C6EFCE", "#006100"),
    "良": ("#DDEBF7", "#1F4E78"),
    "中": ("#FFEB9C", "#9C5700"),
    "差": ("#FFC7CE", "#9C0006"),
}
STATUS_COLOURS = {
    "通过": ("#C6EFCE", "#006100"),
    "需修改": ("#FFEB9C", "#9C5700"),
    "无法读取": ("#FFC7CE", "#9C0006"),
    "已被替代": ("#EDEDED", "#7F7F7F"),
}
DIFF_FILL = "#F8CBAD"

NUMBER_FORMATS = {
    "money": "#,##0.00",  # 万元
    "pct": "0.00%",  # rates are stored as fractions (99.76 → 0.9976)
    "score": "0.00",
    "num": "General",
    "int": "0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = "text"  # text, any, int, money, pct, score, num, date, datetime, link
    cap: float = 40  # widest the column may get (Excel width units)
    wrap: bool = False
    mark: bool = False  # values may arrive as Mark(value) to be highlighted
    width: float | None = None  # fixed width


@dataclass(frozen=True, slots=True)
class Mark:
    """A value written with the difference highlight."""

    value: Any


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    url: str | None
    tip: str | None = None


@dataclass
class Table:
    """A long table: its columns, a row generator (called once for the sample, once to write)."""

    name: str
    cols: list[Col]
    rows: Callable[[], Iterator[Sequence[Any]]]
    n: int
    sample: list[Sequence[Any]]  # the first rows, to size the columns
    # (book, ws, first data row, last data row): conditional formats of one sheet part
    styles: Callable[[Book, Worksheet, int, int], None] | None = None
    intro: Callable[[Book, Worksheet], int] | None = None  # rows above the header; returns its row
    intro_rows: int = 0
    # outline level of each row; 0 marks a bold group row (a department above its units)
    group: Callable[[Sequence[Any]], int] | None = None
    landscape: bool = True
    print_cols: int | None = None  # print only the leading columns (the rest are for the screen)


# ---------------------------------------------------------------- small value helpers


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool | str):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    if math.isnan(x) or math.isinf(x):
        return None
    return x


def _pct(v: Any) -> float | None:
    """Our rates are percent numbers (99.76); the workbook stores fractions with a % format."""
    x = _num(v)
    return None if x is None else round(x / 100.0, 10)


def _txt(v: Any) -> str | None:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    s = str(v)
    return _clean(s) if s != "" else None


def _clean(s: str) -> str:
    """Text a workbook can hold: no control characters, no lone surrogates, at most 32,767."""
    if _BAD.search(s) is None:
        return s[:MAX_CELL_CHARS]
    if _SURROGATE.search(s):
        # a file name read from a GBK disk as bytes (surrogateescape): decode it as Chinese
        try:
            s = s.encode("utf-8", "surrogateescape").decode("gb18030")
        except UnicodeError:
            s = _SURROGATE.sub("\ufffd", s)
    if _CONTROL.search(s):
        s = _CONTROL.sub("", s)
    return s[:MAX_CELL_CHARS]


def _write_text(ws: Worksheet, r: int, c: int, v: Any, fmt: Any) -> None:
    """Book.text for the common case, without its layers: a summary writes ~300 cells a project."""
    if type(v) is str:
        if v:
            clean = v if len(v) <= MAX_CELL_CHARS and _BAD.search(v) is None else _clean(v)
            ws.write_string(r, c, clean, fmt)
        return
    text = _txt(v)
    if text is not None:
        ws.write_string(r, c, text, fmt)


def _write_number(ws: Worksheet, r: int, c: int, v: Any, fmt: Any) -> None:
    if type(v) is float:
        if v == v and v not in _INFINITIES:
            ws.write_number(r, c, v, fmt)
        return
    x = _num(v)
    if x is not None:
        ws.write_number(r, c, x, fmt)


_INFINITIES = (math.inf, -math.inf)


def _shown(v: Any) -> Any:
    """An observed/expected value as it should appear: numbers stay numbers, the rest is text."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, int | float):
        return None if isinstance(v, float) and (math.isnan(v) or math.isinf(v)) else v
    if hasattr(v, "item") and not isinstance(v, str):  # numpy scalars
        try:
            return _shown(v.item())
        except (ValueError, AttributeError):
            return str(v)
    if isinstance(v, list | tuple):
        return "、".join(str(_shown(x)) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False, default=str)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return str(v)


def _true(v: Any) -> bool:
    """A flag from a frame: Python or NumPy bool, never NaN/None."""
    return isinstance(v, bool | np.bool_) and bool(v)


def _false(v: Any) -> bool:
    return isinstance(v, bool | np.bool_) and not bool(v)


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_fmt_value(x) for x in v) + "]"
    return str(v)


def _when(v: dt.datetime | None) -> str:
    return v.isoformat(sep=" ", timespec="seconds") if v else ""


def text_width(s: str) -> int:
    """Columns a text takes in Excel: East Asian wide characters count as two."""
    return len(s) + len(_WIDE.findall(s))


def _lines(v: Any, width: float) -> int:
    """Lines a wrapped cell needs at this column width."""
    if type(v) is Mark:
        v = v.value
    s = v.text if isinstance(v, Link) else _shown(v)
    if not isinstance(s, str):
        return 1
    room = max(width - 1.0, 1.0)
    # rendered at 10 points a Latin character takes about 0.9 of a width unit, a Chinese one 1.9
    return sum(
        max(1, math.ceil((0.9 * len(par) + len(_WIDE.findall(par))) / room))
        for par in s.split("\n")
    )


def _naive(v: Any) -> dt.datetime | dt.date | None:
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None)
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


def _chunks(df: pd.DataFrame, columns: Sequence[str]) -> Iterator[list[list[Any]]]:
    """Column lists of `df` in chunks, so a million-row table is never held as Python objects."""
    frame = df.reindex(columns=list(columns))
    for start in range(0, len(frame), CHUNK):
        part = frame.iloc[start : start + CHUNK]
        yield [part[c].tolist() for c in columns]


# ---------------------------------------------------------------- links to source files


_ESCAPED = re.compile(r"%[0-9A-Fa-f]{2}")
_A1 = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")


class Sources:
    """Where each submission's file is, and how to link to it from OUTDIR."""

    def __init__(self, run: RunResult, outdir: Path) -> None:
        self.outdir = outdir.resolve()
        self.by_sub: dict[str, InputFile] = {}
        self.duplicates: dict[str, list[str]] = {}
        bases: set[Path] = set()
        for i in run.inputs:
            if i.origin == "file":
                base = _base_of(i.path, i.display)
                if base is not None:
                    bases.add(base)
            if not i.sub:
                continue
            if i.status == "duplicate":
                self.duplicates.setdefault(i.sub, []).append(i.display)
            elif i.sub not in self.by_sub:
                self.by_sub[i.sub] = i
        self.bases = sorted(bases)
        frames = getattr(getattr(run, "report", None), "frames", None)
        fmt = getattr(frames, "projects", None)
        self.format: dict[str, str] = {}
        if isinstance(fmt, pd.DataFrame) and {"sub", "format"} <= set(fmt.columns):
            self.format = {
                s: f for s, f in zip(fmt["sub"], fmt["format"], strict=True) if isinstance(f, str)
            }
        self._archive_cache: dict[str, Path | None] = {}
        self._rel_cache: dict[Path, str | None] = {}

    def _relative(self, target: Path) -> str | None:
        """The path from OUTDIR, or None where Excel could not follow it."""
        if target in self._rel_cache:
            return self._rel_cache[target]
        rel: str | None
        try:
            rel = os.path.relpath(target.resolve(), self.outdir)
        except ValueError:  # another drive on Windows: an absolute link
            rel = str(target.resolve())
        except OSError:
            rel = None
        # a "#" splits the link from its location and "%xx" is taken as already escaped; a
        # backslash inside a (Linux) file name is a separator to Excel on Windows, so a file
        # named "..\\..\\x.xlsx" would lead out of the input folder: no link for those
        if rel is not None and (
            "#" in rel or "\\" in target.name or _ESCAPED.search(rel) or _SURROGATE.search(rel)
        ):
            rel = None
        self._rel_cache[target] = rel
        return rel

    def archive_path(self, item: InputFile) -> Path | None:
        prov = item.provenance or {}
        if prov.get("archive_path"):
            return Path(prov["archive_path"])
        archive = str(prov.get("archive") or "")
        top = _top_archive(archive)
        if not top:
            return None
        if top not in self._archive_cache:
            found = None
            for cand in (*(b / top for b in self.bases), Path(top)):
                if cand.is_file():
                    found = cand
                    break
            self._archive_cache[top] = found
        return self._archive_cache[top]

    def file_link(self, sub: Any, shown: Any) -> Link | None:
        """The 源文件 cell: a link to the file, or to the archive holding it."""
        item = self.by_sub.get(sub) if isinstance(sub, str) else None
        text = _txt(shown)
        if item is None:
            return Link(text, None) if text else None
        text = text or item.display
        if item.origin == "file":
            rel = self._relative(item.path)
            return Link(text, "external:" + rel if rel else None, "打开源文件")
        if item.origin == "zip":
            prov = item.provenance or {}
            member = str(prov.get("member") or item.display)
            archive = str(prov.get("archive") or "")
            label = f"{member}（在压缩包 {archive} 中，链接打开压缩包）"
            path = self.archive_path(item)
            rel = self._relative(path) if path else None
            return Link(label, "external:" + rel if rel else None, "打开压缩包")
        return Link(text, None)

    def cell_link(self, sub: Any, sheet: Any, cell: Any) -> str | None:
        """file#'Sheet'!A1 where Excel can open the source at that cell (a plain xlsx/xlsm file)."""
        item = self.by_sub.get(sub) if isinstance(sub, str) else None
        if item is None or item.origin != "file" or not isinstance(sheet, str) or not sheet:
            return None
        if item.path.suffix.lower() not in (".xlsx", ".xlsm"):
            return None
        if self.format.get(sub, "xlsx") not in ("xlsx", "xlsm"):
            return None
        first = str(cell).split(":")[0].strip().upper() if isinstance(cell, str) else ""
        if not _A1.match(first):
            first = "A1"
        rel = self._relative(item.path)
        if rel is None:
            return None
        return "external:" + rel + "#'" + sheet.replace("'", "''") + "'!" + first


def _base_of(path: Path, display: str) -> Path | None:
    parts, shown = Path(path).parts, Path(display).parts
    if shown and len(parts) >= len(shown) and parts[-len(shown) :] == shown:
        return Path(*parts[: -len(shown)]) if len(parts) > len(shown) else Path(".")
    return None


def _top_archive(archive: str) -> str | None:
    parts = archive.replace("\\", "/").split("/")
    for k in range(1, len(parts) + 1):
        if parts[k - 1].lower().endswith(".zip"):
            return "/".join(parts[:k])
    return archive or None


# ---------------------------------------------------------------- the workbook writer


class Book:
    """An XlsxWriter workbook with the formats, cell writers and table layout of the summary."""

    def __init__(self, path: Path, row_limit: int, constant_memory: bool, big: bool) -> None:
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "constant_memory": constant_memory,
                "use_zip64": big,
            },
        )
        self.row_limit = row_limit
        self.links: Counter[str] = Counter()
        wb = self.wb
        base = {"font_size": 10, "valign": "top"}
        self.f: dict[str, Any] = {
            "text": wb.add_format(base),
            "wrap": wb.add_format({**base, "text_wrap": True}),
            "header": wb.add_format(
                {
                    "bold": True,
                    "font_size": 10,
                    "bg_color": "#D9E1F2",
                    "border": 1,
                    "border_color": "#8EA9DB",
                    "text_wrap": True,
                    "valign": "vcenter",
                    "align": "center",
                }
            ),
            "link": wb.add_format({**base, "font_color": "#0563C1", "underline": 1}),
            "title": wb.add_format({"bold": True, "font_size": 16}),
            "subtitle": wb.add_format({"font_size": 10, "font_color": "#595959"}),
            "label": wb.add_format({**base, "bold": True}),
            "note": wb.add_format({"font_size": 9, "italic": True, "font_color": "#7F7F7F"}),
            "diff_text": wb.add_format({**base, "bg_color": DIFF_FILL, "bold": True}),
        }
        self.group: dict[str, Any] = {
            "text": wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2"})
        }
        for kind, nf in NUMBER_FORMATS.items():
            self.f[kind] = wb.add_format({**base, "num_format": nf})
            self.f["diff_" + kind] = wb.add_format(
                {**base, "num_format": nf, "bg_color": DIFF_FILL, "bold": True}
            )
            self.group[kind] = wb.add_format(
                {**base, "num_format": nf, "bold": True, "bg_color": "#F2F2F2"}
            )
        self.f["num_left"] = wb.add_format({**base, "num_format": "General", "align": "left"})
        self.cf: dict[str, Any] = {}
        for colours in (SEVERITY_COLOURS, GRADE_COLOURS, STATUS_COLOURS):
            for value, (bg, fg) in colours.items():
                self.cf[value] = wb.add_format({"bg_color": bg, "font_color": fg})
        self.cf["low"] = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})

    # ------------------------------------------------------------ cells

    def text(self, ws: Worksheet, r: int, c: int, v: Any, fmt: Any = None) -> None:
        s = _txt(v)
        if s is not None:
            ws.write_string(r, c, s, fmt or self.f["text"])

    def number(self, ws: Worksheet, r: int, c: int, v: Any, fmt: Any) -> None:
        x = _num(v)
        if x is not None:
            ws.write_number(r, c, x, fmt)

    def link(self, ws: Worksheet, r: int, c: int, v: Any) -> None:
        if not isinstance(v, Link):
            self.text(ws, r, c, v)
            return
        text = _clean(v.text or "")
        if v.url and len(v.url) <= MAX_URL_CHARS and self.links[ws.name] < MAX_LINKS_PER_SHEET:
            self.links[ws.name] += 1
            ws.write_url(r, c, v.url, self.f["link"], text, v.tip)
        elif text:
            ws.write_string(r, c, text, self.f["text"])

    def any(self, ws: Worksheet, r: int, c: int, v: Any, fmt: Any = None) -> None:
        v = _shown(v)
        if v is None:
            return
        if isinstance(v, str):
            if v:
                ws.write_string(r, c, _clean(v), fmt or self.f["text"])
        else:
            ws.write_number(r, c, float(v), self.f["num"])

    def writer(self, col: Col, group: bool = False) -> Callable[[Worksheet, int, int, Any], None]:
        """The function that writes one cell of this column (`group`: bold department rows)."""
        kind = col.kind
        if kind == "link":
            return self.link
        if kind == "any":
            wrap = self.f["wrap"] if col.wrap else None
            return lambda ws, r, c, v: self.any(ws, r, c, v, wrap)
        if kind in ("date", "datetime"):
            dfmt = self.f[kind]

            def write_date(ws: Worksheet, r: int, c: int, v: Any) -> None:
                d = _naive(v)
                if d is not None:
                    ws.write_datetime(r, c, d, dfmt)
                else:
                    self.text(ws, r, c, v)

            return write_date
        if kind == "text":
            fmt = self.group["text"] if group else self.f["wrap" if col.wrap else "text"]
            diff = self.f["diff_text"]
            if col.mark:
                return lambda ws, r, c, v: (
                    self.text(ws, r, c, v.value, diff)
                    if type(v) is Mark
                    else self.text(ws, r, c, v, fmt)
                )
            return functools.partial(_write_text, fmt=fmt)
        fmt = self.group[kind] if group else self.f[kind]
        if col.mark:
            diff = self.f["diff_" + kind]
            return lambda ws, r, c, v: (
                self.number(ws, r, c, v.value, diff)
                if type(v) is Mark
                else self.number(ws, r, c, v, fmt)
            )
        return functools.partial(_write_number, fmt=fmt)

    # ------------------------------------------------------------ sheets

    def sheet(self, name: str, landscape: bool = True) -> Worksheet:
        ws = self.wb.add_worksheet(name)
        ws.set_paper(9)  # A4
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_header('&C&"-,Bold"&A', {"margin": 0.25})
        ws.set_footer("&L&F&R第 &P 页，共 &N 页", {"margin": 0.25})
        ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as it takes
        return ws

    def part_names(self, t: Table) -> list[str]:
        """The sheets a table will take: "问题清单", "问题清单(2)" … (mirrors `table`)."""
        names, left, part = [], t.n, 0
        while True:
            part += 1
            names.append(t.name if part == 1 else f"{t.name}({part})")
            capacity = self.row_limit - (t.intro_rows if part == 1 else 0) - 1
            if capacity < 1 and left > 0:
                continue
            left -= min(left, capacity)
            if left <= 0:
                return names

    def table(self, t: Table) -> list[str]:
        """Write a table, continuing on "名称(2)", "名称(3)" … when it would pass the row limit."""
        plain = [self.writer(c) for c in t.cols]
        bold = [self.writer(c, group=True) for c in t.cols] if t.group else plain
        widths = _widths(t.cols, t.sample)
        wrapped = [(c, widths[c]) for c, col in enumerate(t.cols) if col.wrap]
        group_fmt = self.group["text"]
        rows = t.rows()
        names: list[str] = []
        left = t.n
        while True:
            name = t.name if not names else f"{t.name}({len(names) + 1})"
            ws = self.sheet(name, t.landscape)
            names.append(name)
            header = t.intro(self, ws) if (len(names) == 1 and t.intro) else 0
            capacity = self.row_limit - header - 1
            if (
                capacity < 1 and left > 0
            ):  # the intro filled the sheet; the table starts on the next
                ws.write_string(header, 0, f"（续见 {t.name}({len(names) + 1})）", self.f["note"])
                continue
            self._header(ws, header, t.cols, widths)
            take = min(left, capacity)
            r = header
            for _ in range(take):
                row = next(rows)
                r += 1
                writers = plain
                height = None
                if wrapped:
                    lines = max(_lines(row[c], w) if row[c] is not None else 1 for c, w in wrapped)
                    if lines > 1:
                        height = LINE_HEIGHT * min(lines, MAX_LINES) + 3
                level = t.group(row) if t.group is not None else None
                if level == 0:
                    writers = bold
                    ws.set_row(r, height, group_fmt)  # grey across the whole row
                elif level or height:
                    ws.set_row(r, height, None, {"level": level} if level else None)
                for c, v in enumerate(row):
                    if v is not None:
                        writers[c](ws, r, c, v)
            left -= take
            last = max(r, header)
            ws.autofilter(header, 0, last, len(t.cols) - 1)
            if header == 0:  # below an intro, frozen rows would fill the window
                ws.freeze_panes(1, 0)
            ws.repeat_rows(header)
            if t.print_cols:
                ws.print_area(0, 0, last, t.print_cols - 1)
            if t.styles and take:
                t.styles(self, ws, header + 1, last)
            if left <= 0:
                return names

    def _header(self, ws: Worksheet, row: int, cols: Sequence[Col], widths: list[float]) -> None:
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        tall = any(text_width(col.header) + 1 > w for col, w in zip(cols, widths, strict=True))
        ws.set_row(row, 28 if tall else 16)
        for c, col in enumerate(cols):
            ws.write_string(row, c, col.header, self.f["header"])

    def cf_values(self, ws: Worksheet, first: int, last: int, col: int, values: Any) -> None:
        """Colour cells equal to one of `values` (severity, grade, status)."""
        for v in values:
            ws.conditional_format(
                first,
                col,
                last,
                col,
                {"type": "cell", "criteria": "==", "value": f'"{v}"', "format": self.cf[v]},
            )

    def cf_below(self, ws: Worksheet, first: int, last: int, col: int, limit: float) -> None:
        """Amber where a rate is below the warning line (blank cells stay white)."""
        a1 = xl_rowcol_to_cell(first, col, row_abs=False, col_abs=True)
        ws.conditional_format(
            first,
            col,
            last,
            col,
            {
                "type": "formula",
                "criteria": f"=AND(ISNUMBER({a1}),{a1}<{limit:g})",
                "format": self.cf["low"],
            },
        )


def _widths(cols: Sequence[Col], sample: Sequence[Sequence[Any]]) -> list[float]:
    """Excel widths that fit Chinese text: an East Asian wide character counts as two."""
    out = []
    for c, col in enumerate(cols):
        if col.width is not None:
            out.append(col.width)
            continue
        widest = 0
        for row in sample:
            v = row[c] if c < len(row) else None
            if v is None:
                continue
            if type(v) is Mark:
                v = v.value
            if isinstance(v, Link):
                v = v.text
            if col.kind == "money":
                x = _num(v)
                s = f"{x:,.2f}" if x is not None else ""
            elif isinstance(v, float):
                s = f"{v:.2f}"
            else:
                s = str(_shown(v))
            if s:
                widest = max(widest, max(text_width(line) for line in s.split("\n")))
        head = min(text_width(col.header), 16)
        out.append(float(max(6, min(col.cap, max(widest, head) + 2))))
    return out


def _at(cols: Sequence[Col], header: str) -> int:
    """The index of a column, by its header."""
    return next(k for k, c in enumerate(cols) if c.header == header)


def _sample(rows: Iterator[Sequence[Any]], n: int) -> list[Sequence[Any]]:
    return [next(rows) for _ in range(min(n, WIDTH_SAMPLE))]


def _records(df: pd.DataFrame, columns: Sequence[str]) -> Iterator[dict[str, Any]]:
    for chunk in _chunks(df, columns):
        for rec in zip(*chunk, strict=True):
            yield dict(zip(columns, rec, strict=True))


# ---------------------------------------------------------------- 项目汇总

PROJECT_COLS = [
    Col("序号", "int", width=6),
    Col("状态", width=8),
    Col("主管部门", cap=26),
    Col("单位", cap=30),
    Col("项目名称", cap=34),
    Col("项目编码", cap=18),
    Col("年度", "int", width=7),
    Col("模板", cap=28),
    Col("预算数（万元）", "money", cap=16),
    Col("执行数（万元）", "money", cap=16),
    Col("执行率（复核）", "pct", width=10),
    Col("执行率（填报）", "pct", width=10),
    Col("总分（填报）", "score", mark=True, width=9),
    Col("总分（复核）", "score", width=9),
    Col("剔除不适用指标后总分", "score", width=11),
    Col("等次（填报）", mark=True, width=8),
    Col("等次（复核）", width=8),
    Col("填报与复核差异", cap=24),
    Col("错误", "int", width=6),
    Col("警告", "int", width=6),
    Col("提示", "int", width=6),
    Col("未完成产出指标", "int", width=9),
    Col("填报日期", "date", width=11),
    Col("已被哪个文件替代", cap=40),
    Col("内容相同的其他文件", cap=40, wrap=True),
    Col("源文件", "link", cap=50),
    Col("提交编号", width=14),
]
_PROJECT_SRC = [
    "status",
    "department",
    "unit",
    "project",
    "project_code",
    "fiscal_year",
    "profile",
    "layout",
    "budget_wan",
    "executed_wan",
    "exec_rate",
    "exec_rate_reported",
    "total_score_reported",
    "total_score_recomputed",
    "total_score_na_rescaled",
    "grade_reported",
    "grade_recomputed",
    "errors",
    "warnings",
    "infos",
    "unmet_output",
    "submit_date",
    "superseded_by",
    "file",
    "sub",
]


def _project_order(p: pd.DataFrame) -> pd.DataFrame:
    """By department, unit, project, file; blanks last."""
    if p.empty:
        return p
    keys = p.reindex(columns=["department", "unit", "project", "file"]).fillna("\uffff").astype(str)
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return p.loc[order]


def projects_table(run: RunResult, src: Sources) -> Table:
    tol = run.config.tolerance.score
    warn = run.config.execution.warn_below
    p = _project_order(run.projects.reindex(columns=_PROJECT_SRC))
    file_of = dict(zip(p["sub"], p["file"], strict=True))

    def row(k: int, d: dict[str, Any]) -> list[Any]:
        rep, calc = _num(d["total_score_reported"]), _num(d["total_score_recomputed"])
        g_rep, g_calc = _txt(d["grade_reported"]), _txt(d["grade_recomputed"])
        notes = []
        score_diff = rep is not None and calc is not None and abs(rep - calc) > tol + 1e-9
        if score_diff:
            notes.append(f"总分差 {rep - calc:+.2f}")  # type: ignore[operator]
        grade_diff = g_rep is not None and g_calc is not None and g_rep != g_calc
        if grade_diff:
            notes.append(f"等次 {g_rep}→{g_calc}")
        profile = _txt(d["profile"])
        shown = PROFILE_ZH.get(profile, profile) if profile else "未识别"
        if d["layout"] == "foreign":
            shown += "（非标准格式）"
        sup = _txt(d["superseded_by"])
        return [
            k,
            d["status"],
            d["department"],
            d["unit"],
            d["project"],
            d["project_code"],
            d["fiscal_year"],
            shown,
            d["budget_wan"],
            d["executed_wan"],
            _pct(d["exec_rate"]),
            _pct(d["exec_rate_reported"]),
            Mark(rep) if score_diff else rep,
            calc,
            d["total_score_na_rescaled"],
            Mark(g_rep) if grade_diff else g_rep,
            g_calc,
            "；".join(notes) or None,
            d["errors"],
            d["warnings"],
            d["infos"],
            d["unmet_output"],
            d["submit_date"],
            file_of.get(sup, sup) if sup else None,
            "\n".join(src.duplicates.get(d["sub"], [])) or None,
            src.file_link(d["sub"], d["file"]),
            d["sub"],
        ]

    def rows() -> Iterator[list[Any]]:
        for k, d in enumerate(_records(p, _PROJECT_SRC), start=1):
            yield row(k, d)

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        book.cf_values(ws, first, last, _at(PROJECT_COLS, "状态"), STATUS_COLOURS)
        book.cf_values(ws, first, last, _at(PROJECT_COLS, "等次（复核）"), GRADES)
        book.cf_below(ws, first, last, _at(PROJECT_COLS, "执行率（复核）"), warn / 100)

    return Table(
        SHEETS["projects"],
        PROJECT_COLS,
        rows,
        len(p),
        _sample(rows(), len(p)),
        styles=styles,
        print_cols=_at(PROJECT_COLS, "填报日期") + 1,
    )


# ---------------------------------------------------------------- 问题清单

FINDING_COLS = [
    Col("级别", width=6),
    Col("规则", width=6),
    Col("规则名称", cap=20),
    Col("说明", cap=60, wrap=True),
    Col("主管部门", cap=22),
    Col("单位", cap=24),
    Col("项目", cap=26),
    Col("文件", cap=36),
    Col("工作表", cap=18),
    Col("单元格", width=8),
    Col("填报值", "any", cap=24),
    Col("应为", "any", cap=24),
    Col("涉及金额或分值", "money", width=12),
    Col("打开位置", "link", cap=24),
    Col("提交编号", width=14),
    Col("说明（英文）", cap=50),
]
_FINDING_SRC = [
    "severity",
    "rule",
    "message",
    "department",
    "unit",
    "project",
    "file",
    "sheet",
    "cell",
    "observed",
    "expected",
    "stake",
    "sub",
    "message_en",
]


def sorted_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """By severity, then the amount at stake (largest first, none last); else as they came."""
    f = findings.reindex(columns=_FINDING_SRC)
    if f.empty:
        return f
    key = pd.DataFrame(
        {
            "rank": f["severity"].map(SEVERITY_RANK).fillna(9).to_numpy(),
            "stake": -pd.to_numeric(f["stake"], errors="coerce").fillna(-math.inf).to_numpy(),
        }
    )
    order = key.sort_values(["rank", "stake"], kind="stable").index
    return f.iloc[order]


def findings_table(run: RunResult, src: Sources) -> Table:
    f = sorted_findings(run.findings)
    titles = {rid: info.title_zh for rid, info in RULES.items()}

    def row(d: dict[str, Any]) -> list[Any]:
        url = src.cell_link(d["sub"], d["sheet"], d["cell"])
        where = "!".join(x for x in (_txt(d["sheet"]), _txt(d["cell"])) if x)
        return [
            SEVERITY_ZH.get(d["severity"], d["severity"]),
            d["rule"],
            titles.get(d["rule"]),
            d["message"],
            d["department"],
            d["unit"],
            d["project"],
            d["file"],
            d["sheet"],
            d["cell"],
            d["observed"],
            d["expected"],
            d["stake"],
            Link("打开 " + (where or "文件"), url, "在源文件中打开此单元格") if url else None,
            d["sub"],
            d["message_en"],
        ]

    def rows() -> Iterator[list[Any]]:
        for d in _records(f, _FINDING_SRC):
            yield row(d)

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        book.cf_values(ws, first, last, _at(FINDING_COLS, "级别"), SEVERITY_COLOURS)

    return Table(
        SHEETS["findings"],
        FINDING_COLS,
        rows,
        len(f),
        _sample(rows(), len(f)),
        styles=styles,
        print_cols=_at(FINDING_COLS, "涉及金额或分值") + 1,
    )


# ---------------------------------------------------------------- 部门汇总

_ROLLUP = [
    "projects",
    "budget_wan",
    "executed_wan",
    "exec_rate",
    "score_weighted",
    "score_mean",
    "score_min",
    "score_max",
    *[f"n_{g}" for g in GRADES],
    "share_excellent",
    "n_exec_below",
    "n_unmet_output",
    "errors",
    "warnings",
    "infos",
]


def department_cols(warn: float) -> list[Col]:
    return [
        Col("层级", width=6),
        Col("主管部门", cap=26),
        Col("单位", cap=30),
        Col("年度", "int", width=7),
        Col("项目数", "int", width=7),
        Col("预算合计（万元）", "money", cap=18),
        Col("执行合计（万元）", "money", cap=18),
        Col("执行率（Σ执行÷Σ预算）", "pct", width=12),
        Col("加权平均分（按预算）", "score", width=11),
        Col("简单平均分", "score", width=9),
        Col("最低分", "score", width=8),
        Col("最高分", "score", width=8),
        *[Col(g, "int", width=5) for g in GRADES],
        Col("优秀率", "pct", width=9),
        Col(f"执行率低于{warn:g}%的项目", "int", width=10),
        Col("产出指标未完成的项目", "int", width=10),
        Col("错误", "int", width=6),
        Col("警告", "int", width=6),
        Col("提示", "int", width=6),
    ]


def _rollup_row(level: str, dept: Any, unit: Any, rec: dict[str, Any]) -> list[Any]:
    vals = [rec.get(k) for k in _ROLLUP]
    vals[_ROLLUP.index("exec_rate")] = _pct(vals[_ROLLUP.index("exec_rate")])
    vals[_ROLLUP.index("share_excellent")] = _pct(vals[_ROLLUP.index("share_excellent")])
    return [level, dept, unit, rec.get("fiscal_year"), *vals]


def departments_table(run: RunResult) -> Table:
    """Each 主管部门 (bold) with its units grouped beneath it (RULES b.9)."""
    warn = run.config.execution.warn_below
    d = run.departments.reindex(columns=["department", "fiscal_year", *_ROLLUP])
    u = run.units.reindex(columns=["department", "unit", "fiscal_year", *_ROLLUP])
    groups: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for rec in u.to_dict("records"):
        groups.setdefault((rec["department"], rec["fiscal_year"]), []).append(rec)
    body: list[list[Any]] = []
    # a missing year arrives as the text （未填写） among the numbers: sort as text
    ordered = d.sort_values(
        ["department", "fiscal_year"], kind="stable", key=lambda c: c.astype(str)
    )
    for rec in ordered.to_dict("records"):
        body.append(_rollup_row("部门", rec["department"], None, rec))
        units = groups.get((rec["department"], rec["fiscal_year"]), [])
        body += [
            _rollup_row("单位", x["department"], x["unit"], x)
            for x in sorted(units, key=lambda x: str(x["unit"]))
        ]

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        ws.outline_settings(True, False, True, False)  # the +/- button on the department row
        rate = _at(department_cols(warn), "执行率（Σ执行÷Σ预算）")
        book.cf_below(ws, first, last, rate, warn / 100)

    return Table(
        SHEETS["departments"],
        department_cols(warn),
        lambda: iter(body),
        len(body),
        body[:WIDTH_SAMPLE],
        styles=styles,
        group=lambda row: 1 if row[0] == "单位" else 0,
    )


# ---------------------------------------------------------------- 指标明细, 绩效目标


def _frame(run: RunResult, name: str) -> pd.DataFrame:
    """A canonical frame of the checked submissions (with the recomputed columns)."""
    report = getattr(run, "report", None)
    for holder in (getattr(report, "checked", None), report):
        df = getattr(getattr(holder, "frames", None), name, None)
        if isinstance(df, pd.DataFrame):
            return df
    return pd.DataFrame()


def _context(run: RunResult) -> dict[str, tuple[Any, ...]]:
    p = run.projects.reindex(columns=["sub", "department", "unit", "project", "status"])
    return {r[0]: r[1:] for r in p.itertuples(index=False, name=None)}


INDICATOR_COLS = [
    Col("主管部门", cap=22),
    Col("单位", cap=24),
    Col("项目", cap=26),
    Col("状态", width=8),
    Col("工作表", cap=18),
    Col("行号", "int", width=6),
    Col("序号", "int", width=6),
    Col("一级指标", cap=14),
    Col("二级指标", cap=18),
    Col("三级指标", cap=30),
    Col("指标方向", width=8),
    Col("计量单位", cap=10),
    Col("年度指标值（填报）", cap=22),
    Col("指标值（解析）", "num", width=12),
    Col("实际完成值（填报）", cap=24),
    Col("实际值（解析）", "num", width=12),
    Col("完成比例", "pct", width=10),
    Col("分值", "score", width=7),
    Col("得分（填报）", "score", width=9),
    Col("得分（复核）", "score", width=9),
    Col("得分差", "score", width=8),
    Col("计分依据", cap=12),
    Col("是否完成", width=8),
    Col("偏差原因", cap=40),
    Col("得分单元格", width=9),
    Col("提交编号", width=14),
]
_INDICATOR_SRC = [
    "sub",
    "sheet",
    "row",
    "seq",
    "level1",
    "level2",
    "name",
    "direction",
    "unit",
    "target_raw",
    "target_a",
    "actual_raw",
    "a_value",
    "completion",
    "weight",
    "score_reported",
    "score_calc",
    "score_basis",
    "met",
    "deviation",
    "score_cell",
]


def indicators_table(run: RunResult) -> Table:
    ind = _frame(run, "indicators").reindex(columns=_INDICATOR_SRC)
    ctx = _context(run)

    def row(d: dict[str, Any]) -> list[Any]:
        dept, unit, project, status = ctx.get(d["sub"], (None, None, None, None))
        rep, calc = _num(d["score_reported"]), _num(d["score_calc"])
        met = d["met"]
        completion = _num(d["completion"])
        return [
            dept,
            unit,
            project,
            status,
            d["sheet"],
            d["row"],
            d["seq"],
            d["level1"],
            d["level2"],
            d["name"],
            DIRECTION_ZH.get(d["direction"], d["direction"]),
            d["unit"],
            d["target_raw"],
            d["target_a"],
            d["actual_raw"],
            d["a_value"],
            completion,  # already a fraction (1.05 = 105 %)
            d["weight"],
            rep,
            calc,
            round(rep - calc, 6) if rep is not None and calc is not None else None,
            BASIS_ZH.get(d["score_basis"], d["score_basis"]),
            "是" if _true(met) else "否" if _false(met) else None,
            d["deviation"],
            d["score_cell"],
            d["sub"],
        ]

    def rows() -> Iterator[list[Any]]:
        for d in _records(ind, _INDICATOR_SRC):
            yield row(d)

    return Table(
        SHEETS["indicators"],
        INDICATOR_COLS,
        rows,
        len(ind),
        _sample(rows(), len(ind)),
        print_cols=len(INDICATOR_COLS) - 1,
    )


TIER_COLS = [
    Col("主管部门", cap=22),
    Col("单位", cap=24),
    Col("项目", cap=26),
    Col("序号", "int", width=6),
    Col("指标名称", cap=30),
    Col("档次", width=6),
    Col("绩效标准（填报）", cap=24),
    Col("区间（解析）", cap=18),
    Col("下限", "num", width=9),
    Col("含下限", width=7),
    Col("上限", "num", width=9),
    Col("含上限", width=7),
    Col("单位", width=7),
    Col("含否为推定", width=9),
    Col("实际完成值", cap=20),
    Col("实际值落在此档", width=10),
    Col("工作表", cap=18),
    Col("单元格", width=8),
    Col("提交编号", width=14),
]
_TIER_SRC = [
    "sub",
    "seq",
    "tier",
    "raw",
    "lo",
    "lo_incl",
    "hi",
    "hi_incl",
    "unit",
    "percent",
    "inferred",
    "sheet",
    "cell",
]


def _interval(lo: float | None, lo_incl: bool, hi: float | None, hi_incl: bool) -> str | None:
    if lo is None and hi is None:
        return None
    left = "(-∞" if lo is None else (f"[{lo:g}" if lo_incl else f"({lo:g}")
    right = "+∞)" if hi is None else (f"{hi:g}]" if hi_incl else f"{hi:g})")
    return f"{left}, {right}"


def _inside(
    x: float | None, lo: float | None, lo_incl: bool, hi: float | None, hi_incl: bool
) -> str | None:
    if x is None or (lo is None and hi is None):
        return None
    if lo is not None and (x < lo or (x == lo and not lo_incl)):
        return "否"
    if hi is not None and (x > hi or (x == hi and not hi_incl)):
        return "否"
    return "是"


def tiers_table(run: RunResult) -> Table:
    t = _frame(run, "tiers").reindex(columns=_TIER_SRC)
    ind = _frame(run, "indicators").reindex(columns=["sub", "seq", "name", "actual_raw", "a_value"])
    names = {(s, q): (n, a, v) for s, q, n, a, v in ind.itertuples(index=False, name=None)}
    ctx = _context(run)

    def row(d: dict[str, Any]) -> list[Any]:
        dept, unit, project, _status = ctx.get(d["sub"], (None, None, None, None))
        name, actual_raw, actual = names.get((d["sub"], d["seq"]), (None, None, None))
        lo, hi = _num(d["lo"]), _num(d["hi"])
        lo_incl, hi_incl = _true(d["lo_incl"]), _true(d["hi_incl"])
        return [
            dept,
            unit,
            project,
            d["seq"],
            name,
            d["tier"],
            d["raw"],
            _interval(lo, lo_incl, hi, hi_incl),
            lo,
            "是" if lo_incl and lo is not None else None,
            hi,
            "是" if hi_incl and hi is not None else None,
            "%" if _true(d["percent"]) else d["unit"],
            "是" if _true(d["inferred"]) else None,
            actual_raw,
            _inside(_num(actual), lo, lo_incl, hi, hi_incl),
            d["sheet"],
            d["cell"],
            d["sub"],
        ]

    def rows() -> Iterator[list[Any]]:
        for d in _records(t, _TIER_SRC):
            yield row(d)

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        book.cf_values(ws, first, last, _at(TIER_COLS, "档次"), GRADES)

    return Table(
        SHEETS["tiers"],
        TIER_COLS,
        rows,
        len(t),
        _sample(rows(), len(t)),
        styles=styles,
        print_cols=len(TIER_COLS) - 1,
    )


# ---------------------------------------------------------------- 未提交

ROSTER_COLS = [
    Col("情况", cap=18),
    Col("名单行号", "int", width=8),
    Col("项目编码", cap=18),
    Col("项目名称", cap=34),
    Col("单位", cap=30),
    Col("主管部门", cap=26),
    Col("批复预算（万元）", "money", cap=16),
    Col("填报预算（万元）", "money", cap=16),
    Col("差额（万元）", "money", cap=14),
    Col("提交的文件", "link", cap=50),
    Col("提交编号", width=14),
]
MISSING, BUDGET_DIFF, OFF_ROSTER = "未提交", "预算与批复不一致", "名单外提交"


def roster_rows(run: RunResult, src: Sources | None) -> list[list[Any]]:
    """Missing projects, then budgets differing from the approved amount (as rule D05), then
    active submissions the roster does not list."""
    m = run.roster
    if m is None:
        return []
    tol = run.config.tolerance
    p = _project_order(run.projects.reindex(columns=_PROJECT_SRC))
    file_of = dict(zip(p["sub"], p["file"], strict=True))

    def link(sub: str, shown: Any) -> Link | None:
        return src.file_link(sub, shown) if src else None

    missing, differ = [], []
    for rec in m.to_dict("records"):
        sub = rec.get("sub") if isinstance(rec.get("sub"), str) else None
        approved, budget = _num(rec.get("approved_wan")), _num(rec.get("submitted_budget_wan"))
        base = [
            rec.get("roster_row"),
            rec.get("project_code"),
            rec.get("project"),
            rec.get("unit"),
            rec.get("department"),
            approved,
        ]
        if sub is None:
            missing.append([MISSING, *base, None, None, None, None])
        elif approved is not None and budget is not None:
            limit = max(tol.money_abs, tol.money_rel * max(abs(approved), abs(budget)))
            if abs(budget - approved) > limit:
                diff = round(budget - approved, 6)
                differ.append([BUDGET_DIFF, *base, budget, diff, link(sub, file_of.get(sub)), sub])
    listed = {s for s in m.get("sub", pd.Series(dtype=object)) if isinstance(s, str)}
    extra = [
        [
            OFF_ROSTER,
            None,
            rec["project_code"],
            rec["project"],
            rec["unit"],
            rec["department"],
            None,
            rec["budget_wan"],
            None,
            link(rec["sub"], rec["file"]),
            rec["sub"],
        ]
        for rec in p[p["status"].isin(ACTIVE)].to_dict("records")
        if rec["sub"] not in listed
    ]
    return missing + differ + extra


def roster_table(run: RunResult, src: Sources) -> Table:
    body = roster_rows(run, src)

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        col = _at(ROSTER_COLS, "情况")
        for value, colour in ((MISSING, "错误"), (BUDGET_DIFF, "警告"), (OFF_ROSTER, "提示")):
            ws.conditional_format(
                first,
                col,
                last,
                col,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": f'"{value}"',
                    "format": book.cf[colour],
                },
            )

    return Table(
        SHEETS["roster"], ROSTER_COLS, lambda: iter(body), len(body), body[:WIDTH_SAMPLE], styles
    )


# ---------------------------------------------------------------- 提交记录

SUBMISSION_COLS = [
    Col("发送时间", "datetime", width=17),
    Col("发件人", cap=34),
    Col("主题", cap=40),
    Col("附件", cap=40),
    Col("压缩包内文件", cap=30),
    Col("处理结果", cap=18),
    Col("原因", cap=36),
    Col("单位", cap=26),
    Col("项目", cap=26),
    Col("项目状态", width=9),
    Col("错误", "int", width=6),
    Col("警告", "int", width=6),
    Col("审核意见表", "link", cap=36),
    Col("回复草稿", "link", cap=36),
    Col("Message-ID", cap=40),
    Col("附件 SHA-256", width=20),
    Col("邮件位置", cap=40),
    Col("提交编号", width=14),
]


def _mail_time(v: Any) -> dt.datetime | None:
    """An e-mail's ISO date as local wall-clock time (Excel has no time zones)."""
    try:
        d = dt.datetime.fromisoformat(str(v))
    except ValueError:
        return None
    return d.astimezone().replace(tzinfo=None) if d.tzinfo is not None else d


def submissions_table(run: RunResult, outdir: Path) -> Table | None:
    """提交记录: every attachment that came by e-mail (None when nothing came by e-mail)."""
    mail = [i for i in run.inputs if i.origin == "mail"]
    if not mail:
        return None
    feedback: dict[str, str] = {}
    replies: dict[str, str] = {}
    if run.options.get("feedback_workbooks"):
        from perfxl.report.feedback import plan as feedback_plan

        feedback = feedback_plan(run)
    if run.options.get("reply_drafts"):
        from perfxl.report.replies import plan as reply_plan
        from perfxl.report.replies import reply_address

        replies = reply_plan(run)
    p = run.projects.reindex(columns=_PROJECT_SRC)
    ctx = {r["sub"]: r for r in p.to_dict("records")}

    def link(rel: str | None, tip: str) -> Link | None:
        if not rel or not (outdir / rel).exists():
            return None
        name = rel.split("/")[-1]
        # "#" would split the link from its location, "%xx" be taken as already escaped
        if "#" in rel or _ESCAPED.search(rel) or _SURROGATE.search(rel):
            return Link(name, None)
        return Link(name, "external:" + rel, tip)

    def order(i: InputFile) -> tuple[dt.datetime, str]:
        return (_mail_time((i.provenance or {}).get("email_date")) or dt.datetime.min, i.display)

    body = []
    for i in sorted(mail, key=order):
        prov = i.provenance or {}
        rec = ctx.get(i.sub, {}) if i.sub else {}
        body.append(
            [
                _mail_time(prov.get("email_date")),
                prov.get("email_from"),
                prov.get("email_subject"),
                prov.get("archive") or prov.get("attachment"),
                prov.get("member"),
                INPUT_STATUS_ZH.get(i.status, i.status),
                i.reason or None,
                rec.get("unit"),
                rec.get("project"),
                rec.get("status"),
                rec.get("errors") if rec else None,
                rec.get("warnings") if rec else None,
                link(feedback.get(i.sub or ""), "打开审核意见工作簿"),
                link(replies.get(reply_address(i)), "打开回复草稿") if replies else None,
                prov.get("message_id"),
                i.sha256 or prov.get("attachment_sha256"),
                prov.get("mailbox"),
                i.sub,
            ]
        )

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        book.cf_values(ws, first, last, _at(SUBMISSION_COLS, "项目状态"), STATUS_COLOURS)

    return Table(
        SHEETS["submissions"],
        SUBMISSION_COLS,
        lambda: iter(body),
        len(body),
        body[:WIDTH_SAMPLE],
        styles,
        print_cols=_at(SUBMISSION_COLS, "警告") + 1,
    )


# ---------------------------------------------------------------- 规则说明

RULE_COLS = [
    Col("编号", width=6),
    Col("类别", cap=12),
    Col("级别", width=10),
    Col("规则", cap=26),
    Col("Rule", cap=34),
    Col("提示模板", cap=60, wrap=True),
    Col("适用模板", cap=20),
    Col("范围", width=9),
    Col("阈值（本次生效值）", cap=36, wrap=True),
    Col("已实现", width=7),
    Col("不能实现的原因", cap=40, wrap=True),
    Col("读取失败即停止检查", width=10),
    Col("本次问题数", "int", width=9),
]
SCOPE_ZH = {
    "file": "文件",
    "submission": "每份提交",
    "row": "每行",
    "department": "部门",
    "batch": "整批",
}


def rules_table(run: RunResult) -> Table:
    from perfxl.checks import load_all
    from perfxl.report.text import catalogue_rows

    load_all()
    flat = run.config.flat()
    counts = run.findings["rule"].value_counts().to_dict() if not run.findings.empty else {}
    body = []
    for r in catalogue_rows():
        thresholds = "\n".join(
            f"{k} = {_fmt_value(flat[k])}" if k in flat else f"{k}（未配置）"
            for k in r["thresholds"]
        )
        body.append(
            [
                r["id"],
                r["family"],
                "/".join(SEVERITY_ZH.get(s, s) for s in r["severities"]),
                r["title_zh"],
                r["title_en"],
                r["message_zh"],
                "全部"
                if set(r["profiles"]) >= set(PROFILE_ZH)
                else "、".join(PROFILE_ZH.get(x, x) for x in r["profiles"]),
                SCOPE_ZH.get(r["scope"], r["scope"]),
                thresholds or None,
                "是" if r["implemented"] else "否",
                r["not_implementable"],
                "是" if r["blocking"] else None,
                int(counts.get(r["id"], 0)),
            ]
        )

    def styles(book: Book, ws: Worksheet, first: int, last: int) -> None:
        col = _at(RULE_COLS, "级别")
        for zh in SEVERITY_COLOURS:  # "警告/提示": coloured by its first severity
            ws.conditional_format(
                first,
                col,
                last,
                col,
                {"type": "text", "criteria": "begins with", "value": zh, "format": book.cf[zh]},
            )

    return Table(SHEETS["rules"], RULE_COLS, lambda: iter(body), len(body), body, styles)


# ---------------------------------------------------------------- 运行信息

INPUT_COLS = [
    Col("处理结果", cap=30),
    Col("文件", cap=60),
    Col("原因", cap=40),
    Col("来源", width=8),
    Col("大小（字节）", "int", width=12),
    Col("SHA-256", width=20),
    Col("接收时间", "datetime", width=19),
    Col("提交编号", width=14),
    Col("项目状态", width=9),
    Col("来源详情", cap=50),
]


def _run_facts(run: RunResult) -> list[tuple[str, Any]]:
    seconds = (run.finished - run.started).total_seconds()
    by_status = Counter(i.status for i in run.inputs)
    facts: list[tuple[str, Any]] = [
        ("perfxl 版本", run.version),
        ("开始时间", _when(run.started)),
        ("结束时间", _when(run.finished)),
        ("用时（秒）", round(seconds, 2)),
        ("汇总表生成时间", _when(dt.datetime.now().astimezone())),
        ("配置来源", run.config.source),
    ]
    facts += [(f"选项 {k}", "—" if v is None else _shown(v)) for k, v in run.options.items()]
    facts += [(f"配置 {k}", _fmt_value(v)) for k, v in run.config.flat().items()]
    facts.append(("输入文件数", len(run.inputs)))
    facts += [(f"　其中{INPUT_STATUS_ZH.get(s, s)}", n) for s, n in sorted(by_status.items())]
    return facts


def run_info_table(run: RunResult) -> Table:
    status_of = dict(zip(run.projects.get("sub", []), run.projects.get("status", []), strict=True))
    body = []
    for i in run.inputs:
        prov = "；".join(
            f"{k}: {_shown(v)}" for k, v in (i.provenance or {}).items() if v not in (None, "")
        )
        body.append(
            [
                INPUT_STATUS_ZH.get(i.status, i.status),
                i.display,
                i.reason or None,
                ORIGIN_ZH.get(i.origin, i.origin),
                i.size,
                i.sha256 or None,
                i.received,
                i.sub,
                status_of.get(i.sub) if i.status != "duplicate" else None,
                prov or None,
            ]
        )
    facts = _run_facts(run)
    header_row = len(facts) + 3

    def intro(book: Book, ws: Worksheet) -> int:
        f = book.f
        ws.write_string(0, 0, "运行信息", f["title"])
        ws.set_row(0, 24)
        ws.write_string(1, 0, "项目", f["header"])
        ws.write_string(1, 1, "值", f["header"])
        for k, (label, value) in enumerate(facts, start=2):
            ws.write_string(k, 0, label, f["label"])
            if isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(k, 1, value, f["num_left"])
            else:
                ws.write_string(k, 1, _clean(str(value)), f["text"])
        ws.write_string(header_row - 1, 0, f"输入文件（{len(body)} 个）", f["label"])
        return header_row

    sample = [[label, value] for label, value in facts] + body[:WIDTH_SAMPLE]
    return Table(
        SHEETS["run"],
        INPUT_COLS,
        lambda: iter(body),
        len(body),
        [[*r, *[None] * (len(INPUT_COLS) - len(r))] for r in sample],
        intro=intro,
        intro_rows=header_row,
    )


# ---------------------------------------------------------------- 总览


def _figures(run: RunResult) -> list[tuple[str, Any, str]]:
    p = run.projects.reindex(columns=_PROJECT_SRC)
    active = p[p["status"].isin(ACTIVE)]
    sev = run.findings.reindex(columns=["severity"])["severity"].value_counts()
    status = p["status"].value_counts()
    inputs = Counter(i.status for i in run.inputs)
    budget = pd.to_numeric(active["budget_wan"], errors="coerce")
    executed = pd.to_numeric(active["executed_wan"], errors="coerce")
    both = budget.notna() & executed.notna()
    denominator = budget[both].sum()
    rate = executed[both].sum() / denominator if denominator > 0 else None
    unread_files = sum(1 for i in run.inputs if i.status == "unreadable" and not i.sub)
    figures: list[tuple[str, Any, str]] = [
        ("输入文件", len(run.inputs), "int"),
        ("提交的工作簿", len(p), "int"),
        ("参与汇总的项目", len(active), "int"),
        ("　通过", int(status.get("通过", 0)), "int"),
        ("　需修改", int(status.get("需修改", 0)), "int"),
        ("无法读取", int(status.get("无法读取", 0)) + unread_files, "int"),
        ("已被新版本替代", int(status.get("已被替代", 0)), "int"),
        ("重复文件（只读一次）", inputs.get("duplicate", 0), "int"),
        ("非工作簿，已跳过", inputs.get("skipped", 0), "int"),
        ("主管部门", int(active["department"].nunique()), "int"),
        ("单位", int(active["unit"].nunique()), "int"),
        ("问题：错误", int(sev.get("error", 0)), "int"),
        ("问题：警告", int(sev.get("warning", 0)), "int"),
        ("问题：提示", int(sev.get("info", 0)), "int"),
        ("预算合计（万元）", budget.sum(min_count=1), "money"),
        ("执行合计（万元）", executed.sum(min_count=1), "money"),
        ("总体执行率（Σ执行÷Σ预算）", rate, "pct"),
    ]
    if run.roster is not None:
        rows = roster_rows(run, None)
        figures += [
            ("名单内项目", len(run.roster), "int"),
            ("　未提交", sum(1 for r in rows if r[0] == MISSING), "int"),
            ("　预算与批复不一致", sum(1 for r in rows if r[0] == BUDGET_DIFF), "int"),
            ("名单外提交", sum(1 for r in rows if r[0] == OFF_ROSTER), "int"),
        ]
    return figures


def overview(book: Book, run: RunResult, plan: list[tuple[str, int, list[str]]]) -> None:
    """总览: key figures, the sheet index, grade distribution and execution rate by department."""
    warn = run.config.execution.warn_below
    name = SHEETS["overview"]
    ws = book.sheet(name)
    f = book.f
    seconds = (run.finished - run.started).total_seconds()
    ws.write_string(0, 0, "项目支出绩效自评汇总", f["title"])
    ws.set_row(0, 26)
    book.text(
        ws,
        1,
        0,
        f"运行于 {_when(run.started)}，用时 {seconds:.1f} 秒 · perfxl {run.version} · "
        f"配置：{run.config.source} · 金额单位：万元 · 得分、等次、执行率均为复核值",
        f["subtitle"],
    )
    top = 3
    ws.write_string(top, 0, "项目", f["header"])
    ws.write_string(top, 1, "数值", f["header"])
    r = top
    for label, value, kind in _figures(run):
        r += 1
        ws.write_string(r, 0, label, f["label"])
        if _num(value) is None:
            ws.write_string(r, 1, "—", f["text"])
        else:
            ws.write_number(r, 1, float(value), f[kind])

    r += 2
    ws.write_string(r, 0, "工作表（点击打开）", f["header"])
    ws.write_string(r, 1, "行数", f["header"])
    for sheet, n, parts in plan:
        r += 1
        ws.write_url(r, 0, f"internal:'{sheet}'!A1", f["link"], sheet, SHEET_NOTES.get(sheet))
        ws.write_number(r, 1, n, f["int"])
        if len(parts) > 1:
            ws.write_string(r, 2, "续表：" + "、".join(parts[1:]), f["note"])

    # grade distribution of the projects in the roll-up, recomputed and as reported
    p = run.projects.reindex(columns=_PROJECT_SRC)
    active = p[p["status"].isin(ACTIVE)]
    calc = active["grade_recomputed"].value_counts()
    rep = active["grade_reported"].value_counts()
    g0 = top
    for c, h in enumerate(("等次", "复核", "填报"), start=3):
        ws.write_string(g0, c, h, f["header"])
    for k, g in enumerate(GRADES, start=g0 + 1):
        ws.write_string(k, 3, g, f["text"])
        ws.write_number(k, 4, int(calc.get(g, 0)), f["int"])
        ws.write_number(k, 5, int(rep.get(g, 0)), f["int"])
    g1 = g0 + len(GRADES)
    book.cf_values(ws, g0 + 1, g1, 3, GRADES)
    chart = book.wb.add_chart({"type": "column"})
    for col, colour in ((4, "#4472C4"), (5, "#A5A5A5")):
        chart.add_series(
            {
                "name": [name, g0, col],
                "categories": [name, g0 + 1, 3, g1, 3],
                "values": [name, g0 + 1, col, g1, col],
                "fill": {"color": colour},
                "data_labels": {"value": True},
                "gap": 80,
            }
        )
    chart.set_title({"name": "等次分布（参与汇总的项目）", "name_font": {"size": 11}})
    chart.set_y_axis({"name": "项目数", "min": 0, "num_format": "0"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 460, "height": 270})
    ws.insert_chart(top, 10, chart, {"x_offset": 8})

    # execution rate by department (lowest first), the data of the bar chart
    d0 = g1 + 3
    dept = run.departments.reindex(
        columns=["department", "fiscal_year", "projects", "budget_wan", "executed_wan", "exec_rate"]
    )
    dept = dept.assign(_r=pd.to_numeric(dept["exec_rate"], errors="coerce")).sort_values(
        ["_r", "department"], na_position="last", kind="stable"
    )
    several_years = dept["fiscal_year"].nunique() > 1
    ws.write_string(d0 - 1, 3, "各主管部门执行率（Σ执行数 ÷ Σ预算数，由低到高）", f["label"])
    heads = ("主管部门", "年度", "项目数", "预算合计（万元）", "执行合计（万元）", "执行率")
    for c, h in enumerate(heads, start=3):
        ws.write_string(d0, c, h, f["header"])
    k = d0
    labels = []
    for rec in dept.to_dict("records"):
        k += 1
        label = str(rec["department"])
        if several_years and _num(rec["fiscal_year"]) is not None:
            label += f"（{int(rec['fiscal_year'])}）"
        labels.append(label)
        ws.write_string(k, 3, _clean(label), f["text"])
        book.number(ws, k, 4, rec["fiscal_year"], f["int"])
        book.number(ws, k, 5, rec["projects"], f["int"])
        book.number(ws, k, 6, rec["budget_wan"], f["money"])
        book.number(ws, k, 7, rec["executed_wan"], f["money"])
        book.number(ws, k, 8, _pct(rec["exec_rate"]), f["pct"])
    if k > d0:
        book.cf_below(ws, d0 + 1, k, 8, warn / 100)
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 3)
    ws.set_column(3, 3, min(34, max([text_width(x) for x in labels] + [10]) + 2))
    ws.set_column(4, 5, 7)
    ws.set_column(6, 7, 15)
    ws.set_column(8, 8, 9)
    ws.set_column(9, 9, 2)
    shown = min(len(labels), CHART_MAX_DEPARTMENTS)
    if shown:
        bar = book.wb.add_chart({"type": "bar"})
        rates = dept["_r"].iloc[:shown].tolist()
        bar.add_series(
            {
                "name": "执行率",
                "categories": [name, d0 + 1, 3, d0 + shown, 3],
                "values": [name, d0 + 1, 8, d0 + shown, 8],
                "points": [
                    {"fill": {"color": "#FFC000" if (_num(x) or 0) < warn else "#4472C4"}}
                    for x in rates
                ],
                "data_labels": {"value": True, "num_format": "0.0%"},
                "gap": 60,
            }
        )
        title = f"各主管部门预算执行率（黄色：低于{warn:g}%）"
        if len(labels) > shown:
            title += f"，最低的 {shown} 个"
        bar.set_title({"name": title, "name_font": {"size": 11}})
        bar.set_x_axis({"num_format": "0%", "min": 0})
        bar.set_y_axis({"reverse": True})
        bar.set_legend({"none": True})
        bar.set_size({"width": 460, "height": max(200, 70 + 26 * shown)})
        ws.insert_chart(top + 15, 10, bar, {"x_offset": 8})
    ws.hide_gridlines(2)
    ws.activate()


# ---------------------------------------------------------------- entry point


def write_summary(run: RunResult, path: Path, outdir: Path, row_limit: int | None = None) -> None:
    """Write summary.xlsx for a run to `path`; links to source files are relative to `outdir`.

    `row_limit` (rows a sheet may hold, header included) defaults to Excel's 1,048,576; a table
    that would pass it continues on "名称(2)", "名称(3)" …"""
    limit = min(row_limit or EXCEL_MAX_ROWS, EXCEL_MAX_ROWS)
    if limit < 2:
        raise ValueError("row_limit must leave room for a header and one row")
    rows = len(run.findings) + len(run.projects) + len(_frame(run, "indicators"))
    rows += len(_frame(run, "tiers"))
    book = Book(
        Path(path),
        limit,
        constant_memory=rows > CONSTANT_MEMORY_ROWS,
        big=rows > 2_000_000,
    )
    src = Sources(run, outdir)
    book.wb.set_properties(
        {
            "title": "项目支出绩效自评汇总",
            "subject": "绩效自评表复核结果",
            "author": "perfxl",
            "comments": f"perfxl {run.version}",
        }
    )
    tables = [
        projects_table(run, src),
        findings_table(run, src),
        departments_table(run),
        indicators_table(run),
        tiers_table(run),
    ]
    if run.roster is not None:
        tables.append(roster_table(run, src))
    mail = submissions_table(run, outdir)
    if mail is not None:
        tables.append(mail)
    tables += [rules_table(run), run_info_table(run)]
    overview(book, run, [(t.name, t.n, book.part_names(t)) for t in tables])
    for t in tables:
        book.table(t)
    book.wb.close()
