"""The workbook writer: formats, cell writers, column widths and long tables split over sheets."""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from perfxl.report.summary.sheet_xml import CellMaker, CellXml, TableSheet
from perfxl.report.summary.values import (
    MAX_CELL_CHARS,
    UNWRITABLE,
    Link,
    Mark,
    as_naive_date,
    as_number,
    as_shown,
    as_text,
    clean_text,
    text_width,
    wide_chars,
)

EXCEL_MAX_ROWS = 1_048_576
# Excel refuses more hyperlinks than this on one sheet; beyond it cells are written as plain text.
MAX_LINKS_PER_SHEET = 65_530
# Excel's limit is 2,079 characters for a link (and again for its location); stay below it.
MAX_URL_CHARS = 2_000
# Above this many table rows the workbook is written in XlsxWriter's constant_memory mode.
CONSTANT_MEMORY_ROWS = 100_000
WIDTH_SAMPLE = 1_000
LINE_HEIGHT = 13.0  # points per line of 10-point text
# points per line of 10-point text
MAX_LINES = 8  # a wrapped cell grows to this many lines at most

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


def write_text_cell(ws: Worksheet, r: int, c: int, v: Any, fmt: Any) -> None:
    """Book.text for the common case, without its layers: a summary writes ~300 cells a project."""
    if type(v) is str:
        if v:
            clean = (
                v if len(v) <= MAX_CELL_CHARS and UNWRITABLE.search(v) is None else clean_text(v)
            )
            ws.write_string(r, c, clean, fmt)
        return
    text = as_text(v)
    if text is not None:
        ws.write_string(r, c, text, fmt)


def write_number_cell(ws: Worksheet, r: int, c: int, v: Any, fmt: Any) -> None:
    if type(v) is float:
        if v == v and v not in _INFINITIES:
            ws.write_number(r, c, v, fmt)
        return
    x = as_number(v)
    if x is not None:
        ws.write_number(r, c, x, fmt)


_INFINITIES = (math.inf, -math.inf)


def wrapped_lines(v: Any, width: float) -> int:
    """Lines a wrapped cell needs at this column width."""
    if type(v) is Mark:
        v = v.value
    s = v.text if isinstance(v, Link) else as_shown(v)
    if not isinstance(s, str):
        return 1
    room = max(width - 1.0, 1.0)
    # rendered at 10 points a Latin character takes about 0.9 of a width unit, a Chinese one 1.9
    return sum(
        max(1, math.ceil((0.9 * len(par) + wide_chars(par)) / room)) for par in s.split("\n")
    )


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
        self.string_indices: dict[str, str] = {}
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
        # numbered now, in this order, so a table cell's XML can be made as it is stored
        for fmt in (*self.f.values(), *self.group.values()):
            fmt._get_xf_index()
        self.cf: dict[str, Any] = {}
        for colours in (SEVERITY_COLOURS, GRADE_COLOURS, STATUS_COLOURS):
            for value, (bg, fg) in colours.items():
                self.cf[value] = wb.add_format({"bg_color": bg, "font_color": fg})
        self.cf["low"] = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})

    # ------------------------------------------------------------ cells

    def text(self, ws: Worksheet, r: int, c: int, v: Any, fmt: Any = None) -> None:
        s = as_text(v)
        if s is not None:
            ws.write_string(r, c, s, fmt or self.f["text"])

    def number(self, ws: Worksheet, r: int, c: int, v: Any, fmt: Any) -> None:
        x = as_number(v)
        if x is not None:
            ws.write_number(r, c, x, fmt)

    def link(self, ws: Worksheet, r: int, c: int, v: Any) -> None:
        if not isinstance(v, Link):
            self.text(ws, r, c, v)
            return
        text = clean_text(v.text or "")
        if v.url and len(v.url) <= MAX_URL_CHARS and self.links[ws.name] < MAX_LINKS_PER_SHEET:
            self.links[ws.name] += 1
            ws.write_url(r, c, v.url, self.f["link"], text, v.tip)
        elif text:
            ws.write_string(r, c, text, self.f["text"])

    def any(self, ws: Worksheet, r: int, c: int, v: Any, fmt: Any = None) -> None:
        v = as_shown(v)
        if v is None:
            return
        if isinstance(v, str):
            if v:
                ws.write_string(r, c, clean_text(v), fmt or self.f["text"])
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
                d = as_naive_date(v)
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
            return functools.partial(write_text_cell, fmt=fmt)
        fmt = self.group[kind] if group else self.f[kind]
        if col.mark:
            diff = self.f["diff_" + kind]
            return lambda ws, r, c, v: (
                self.number(ws, r, c, v.value, diff)
                if type(v) is Mark
                else self.number(ws, r, c, v, fmt)
            )
        return functools.partial(write_number_cell, fmt=fmt)

    def cell_maker(self, col: Col, ws: TableSheet, c: int, group: bool = False) -> CellMaker | None:
        """The function making the XML of this column's cell (column `c` of `ws`) from a value
        and the row number (None: nothing to write): what `writer`'s function would write. None
        for links and dates, which go through XlsxWriter (`writer`, then `TableSheet.take_cell`)."""
        kind = col.kind
        if kind in ("link", "date", "datetime"):
            return None
        if kind == "any":
            wrapped = CellXml(ws, c, self.f["wrap"] if col.wrap else self.f["text"])
            num = CellXml(ws, c, self.f["num"])

            def any_cell(v: Any, n: str) -> str | None:
                v = as_shown(v)
                if v is None:
                    return None
                if isinstance(v, str):
                    return wrapped.text(clean_text(v), n) if v else None
                return num.number(float(v), n)

            return any_cell
        if kind == "text":
            plain = CellXml(
                ws, c, self.group["text"] if group else self.f["wrap" if col.wrap else "text"]
            )
            diff = CellXml(ws, c, self.f["diff_text"]) if col.mark else None
            # most text cells are seen before: a text's shared-string index is looked up by the
            # text as it comes (clean_text is idempotent, so a cleaned text is its own key)
            indices, strings, shared = ws.string_indices, ws.str_table, not ws.constant_memory
            head, tail = plain.head, plain.string_tail

            def text_cell(v: Any, n: str, xml: CellXml = plain) -> str | None:
                if type(v) is str:
                    if not v:
                        return None
                    if shared and xml is plain:
                        index = indices.get(v)
                        if index is None:
                            clean = v
                            if len(v) > MAX_CELL_CHARS or UNWRITABLE.search(v) is not None:
                                clean = clean_text(v)
                            index = ws.string_index(clean)
                            indices[v] = index
                        else:
                            strings.count += 1  # as XlsxWriter counts every string cell
                        return f"{head}{n}{tail}{index}</v></c>"
                    if len(v) > MAX_CELL_CHARS or UNWRITABLE.search(v) is not None:
                        v = clean_text(v)
                    return xml.text(v, n)
                if diff is not None and type(v) is Mark:
                    return text_cell(v.value, n, diff)
                s = as_text(v)
                return None if s is None else xml.text(s, n)

            return text_cell
        plain = CellXml(ws, c, self.group[kind] if group else self.f[kind])
        diff = CellXml(ws, c, self.f["diff_" + kind]) if col.mark else None

        def number_cell(v: Any, n: str, xml: CellXml = plain) -> str | None:
            if type(v) is float:
                return xml.number(v, n) if v == v and v not in _INFINITIES else None
            if diff is not None and type(v) is Mark:
                return number_cell(v.value, n, diff)
            x = as_number(v)
            return None if x is None else xml.number(x, n)

        return number_cell

    def _makers(
        self, cols: Sequence[Col], ws: TableSheet, writers: list[Any], group: bool
    ) -> list[CellMaker]:
        """Each column's cell maker; links and dates are written by XlsxWriter (`writers`) and
        their XML taken back from its table (`TableSheet.take_cell`)."""
        out: list[CellMaker] = []
        for c, col in enumerate(cols):
            make = self.cell_maker(col, ws, c, group)
            out.append(make if make is not None else _through_xlsxwriter(ws, c, writers[c]))
        return out

    # ------------------------------------------------------------ sheets

    def sheet(self, name: str, landscape: bool = True) -> Worksheet:
        ws = self.wb.add_worksheet(name, worksheet_class=TableSheet)
        ws.string_indices = self.string_indices  # the workbook's strings, one lookup for all
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
        widths = column_widths(t.cols, t.sample)
        wrapped = [(c, widths[c]) for c, col in enumerate(t.cols) if col.wrap]
        group_fmt = self.group["text"]
        rows = t.rows()
        names: list[str] = []
        left = t.n
        while True:
            name = t.name if not names else f"{t.name}({len(names) + 1})"
            ws = self.sheet(name, t.landscape)
            assert isinstance(ws, TableSheet)
            names.append(name)
            header = t.intro(self, ws) if (len(names) == 1 and t.intro) else 0
            capacity = self.row_limit - header - 1
            if (
                capacity < 1 and left > 0
            ):  # the intro filled the sheet; the table starts on the next
                ws.write_string(header, 0, f"（续见 {t.name}({len(names) + 1})）", self.f["note"])
                continue
            self._header(ws, header, t.cols, widths)
            # cells of most columns go straight into the sheet's cell table (sheet_xml); links
            # and dates through XlsxWriter's writers, in column order either way, so shared
            # strings are numbered as XlsxWriter would number them
            direct = self._makers(t.cols, ws, plain, False)
            direct_bold = self._makers(t.cols, ws, bold, True) if t.group else direct
            take = min(left, capacity)
            r = header
            for _ in range(take):
                row = next(rows)
                r += 1
                makers = direct
                height = None
                if wrapped:
                    lines = max(
                        wrapped_lines(row[c], w) if row[c] is not None else 1 for c, w in wrapped
                    )
                    if lines > 1:
                        height = LINE_HEIGHT * min(lines, MAX_LINES) + 3
                level = t.group(row) if t.group is not None else None
                if level == 0:
                    makers = direct_bold
                    ws.set_row(r, height, group_fmt)  # grey across the whole row
                elif level or height:
                    ws.set_row(r, height, None, {"level": level} if level else None)
                n = str(r + 1)
                xml = [
                    x
                    for make, v in zip(makers, row, strict=False)  # a short row: the rest blank
                    if v is not None and (x := make(v, n)) is not None
                ]
                if xml:
                    first, last = ws.column_of(xml[0], n), ws.column_of(xml[-1], n)
                    ws.put_row(r, first, last, "".join(xml))
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

    def cf_values(
        self,
        ws: Worksheet,
        first: int,
        last: int,
        col: int,
        values: Any,
        formats: Mapping[str, str] | None = None,
    ) -> None:
        """Colour cells equal to one of `values` (severity, grade, status) in that value's
        format, or in the format `formats` names for it."""
        for v in values:
            fmt = self.cf[formats[v] if formats is not None else v]
            ws.conditional_format(
                first,
                col,
                last,
                col,
                {"type": "cell", "criteria": "==", "value": f'"{v}"', "format": fmt},
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


def _through_xlsxwriter(ws: TableSheet, c: int, write: Callable[..., None]) -> CellMaker:
    def make(v: Any, n: str) -> str | None:
        r = int(n) - 1
        write(ws, r, c, v)
        return ws.take_cell(r, c, n)

    return make


def column_widths(cols: Sequence[Col], sample: Sequence[Sequence[Any]]) -> list[float]:
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
                x = as_number(v)
                s = f"{x:,.2f}" if x is not None else ""
            elif isinstance(v, float):
                s = f"{v:.2f}"
            else:
                s = str(as_shown(v))
            if s:
                widest = max(widest, max(text_width(line) for line in s.split("\n")))
        head = min(text_width(col.header), 16)
        out.append(float(max(6, min(col.cap, max(widest, head) + 2))))
    return out


def column_at(cols: Sequence[Col], header: str) -> int:
    """The index of a column, by its header."""
    return next(k for k, c in enumerate(cols) if c.header == header)


def sample_rows(rows: Iterator[Sequence[Any]], n: int) -> list[Sequence[Any]]:
    return [next(rows) for _ in range(min(n, WIDTH_SAMPLE))]
