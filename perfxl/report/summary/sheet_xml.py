"""Worksheet XML for the summary: XlsxWriter's own bytes, written without its per-cell layers.

A summary at 2,000 projects holds ~1,000,000 cells. XlsxWriter stores each through a decorator, a
bounds check and a namedtuple, then writes it through three more calls and two escaping passes:
~10 µs a cell, most of the summary's time. `TableSheet` is an XlsxWriter worksheet that keeps
everything XlsxWriter does (formats, shared strings, links, filters, outlines, print setup,
constant-memory mode) and replaces only the inner loops:

- the long tables' rows are made into their XML as they are stored (`CellXml` makes one cell's,
  `put_row` stores a row's): no tuple, no second pass over the cells;
- every other row (headers, 总览, cells written through XlsxWriter's methods) is written by
  `_write_row_cells`, one f-string a cell and one write a row.

Both write byte for byte what XlsxWriter's `_write_cell` writes; this needs each cell format's
number (`s="…"`) before the cell is stored, so `Book` numbers its formats when it makes them.
Private XlsxWriter attributes are used on purpose; tests/test_summary_xml.py writes the same
cells through XlsxWriter's path and this one and compares the XML, so a release that changes
either fails there, not in a user's workbook.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import (
    _preserve_whitespace,
    _utf16_len,
    _utf16_truncate,
    xl_cell_to_rowcol,
    xl_col_to_name,
)
from xlsxwriter.worksheet import (
    CellDatetimeTuple,
    CellNumberTuple,
    CellRichStringTuple,
    CellStringTuple,
    Worksheet,
)

_NUMBERS = (CellNumberTuple, CellDatetimeTuple)
_STRINGS = (CellStringTuple, CellRichStringTuple)
# XlsxWriter truncates a string past 32,767 UTF-16 units; one below half of that cannot pass
_STRMAX_SAFE = 32_767 // 2
_XML_ESCAPES = re.compile('["&<>\n]')


class TableSheet(Worksheet):
    """An XlsxWriter worksheet whose rows can be stored as XML (`put_row`)."""

    def __init__(self) -> None:
        super().__init__()
        # row -> (first column, last column, the XML of its cells)
        self.rendered: dict[int, tuple[int, int, str]] = {}
        self._col_names: list[str] = []
        self._col_index: dict[str, int] = {}
        self._style_attr: dict[int, str] = {}
        self._row_tags: dict[tuple[Any, ...], tuple[str, str]] = {}
        # text -> its shared-string index, as written (the workbook's: Book gives every sheet one)
        self.string_indices: dict[str, str] = {}

    # ------------------------------------------------------------ storing rows as XML

    def put_row(self, row: int, first: int, last: int, xml: str) -> None:
        """Stores the XML of a row's cells (columns `first`..`last`, in order, made by this
        sheet's `CellXml`s); in constant-memory mode the row before it is written out first."""
        if self.constant_memory and row > self.previous_row:
            self._write_single_row(row)
        self._check_dimensions(row, first)
        self._check_dimensions(row, last)
        self.rendered[row] = (first, last, xml)

    def column_of(self, xml: str, number: str) -> int:
        """The column of a cell's XML made here (`<c r="AB12"…`, `number` its row number)."""
        letters = xml[6 : xml.index('"', 6) - len(number)]
        col = self._col_index.get(letters)
        return col if col is not None else xl_cell_to_rowcol(letters + "1")[1]

    def take_cell(self, row: int, col: int, number: str) -> str | None:
        """The XML of the cell an XlsxWriter method just wrote at (row, col), taken out of
        XlsxWriter's table so that it goes into the row's XML in its place."""
        cell = self.table[row].pop(col, None)
        if cell is None:
            return None
        ref = f' r="{self._col_name(col)}{number}"{self._style(cell.format)}'
        kind = type(cell)
        if kind in _STRINGS:
            if self.constant_memory:
                return self._inline_string(ref, cell.string)
            return f'<c{ref} t="s"><v>{cell.string}</v></c>'
        if kind in _NUMBERS:
            return f"<c{ref}><v>{cell.number:.16G}</v></c>"
        self.table[row][col] = cell  # not made here: XlsxWriter writes it
        raise ValueError(f"{kind.__name__} cells cannot go into a stored row")

    def string_index(self, text: str) -> str:
        """What a string cell holds for `text`: its shared-string index, as written (counted as
        XlsxWriter counts it), after the truncation `write_string` applies."""
        index = self.string_indices.get(text)
        if index is not None:
            self.str_table.count += 1
            return index
        index = str(self.str_table._get_shared_string_index(self.truncated(text)))
        self.string_indices[text] = index
        return index

    def truncated(self, text: str) -> str:
        """`text` cut to Excel's 32,767 UTF-16 units, as `write_string` cuts it."""
        if len(text) > _STRMAX_SAFE and _utf16_len(text) > self.xls_strmax:
            return _utf16_truncate(text, self.xls_strmax)
        return text

    # ------------------------------------------------------------ writing

    def _calculate_spans(self) -> None:
        # The "spans" hint of each block of 16 rows: first:last column holding a cell or a
        # comment, 1-based (XlsxWriter walks every column of every row for this).
        lo: dict[int, int] = {}
        hi: dict[int, int] = {}

        def extend(row: int, a: int, b: int) -> None:
            block = row // 16
            if block not in lo:
                lo[block], hi[block] = a, b
            else:
                lo[block], hi[block] = min(lo[block], a), max(hi[block], b)

        first, last = self.dim_rowmin, self.dim_rowmax
        for source in (self.table, self.comments):
            for row, cells in source.items():
                if cells and first <= row <= last:
                    extend(row, min(cells), max(cells))
        for row, (a, b, _) in self.rendered.items():
            extend(row, a, b)
        self.row_spans = {k: f"{lo[k] + 1}:{hi[k] + 1}" for k in lo}

    def _write_rows(self) -> None:
        self._calculate_spans()
        table, info, comments, spans = self.table, self.row_info, self.comments, self.row_spans
        rendered = self.rendered
        first, last = self.dim_rowmin, self.dim_rowmax
        rows = {r for r, cells in table.items() if cells}
        rows.update(info, comments, rendered)
        for row in sorted(r for r in rows if first <= r <= last):
            self._write_one_row(row, spans.get(row // 16), info.get(row))

    def _write_single_row(self, current_row_num: int = 0) -> None:
        # constant_memory: the previous row goes to the temporary file, then the table is reset
        row = self.previous_row
        self.previous_row = current_row_num
        self._write_one_row(row, None, self.row_info.get(row))
        self.table.clear()
        self.rendered.clear()

    def _write_one_row(self, row: int, span: str | None, info: Any) -> None:
        cells = self.table.get(row)
        stored = self.rendered.get(row)
        if stored is not None:
            if cells:
                raise AssertionError(f"row {row + 1} holds stored XML and XlsxWriter cells")
            head, tail = self._row_tag(span, info)
            self.fh.write(f"{head}{row + 1}{tail}{stored[2]}</row>")
        elif cells:
            self._write_row_cells(row, span, info, cells)
        elif info is not None or row in self.comments:
            self._write_empty_row(row, span, info)

    def _write_row_cells(self, row: int, span: str | None, info: Any, cells: dict) -> None:
        head, tail = self._row_tag(span, info)
        number = str(row + 1)
        parts = [head, number, tail]
        row_format = info.row_format if info is not None else None
        inline = self.constant_memory
        for col in sorted(cells):
            cell = cells[col]
            fmt = cell.format
            style = self._style(fmt) if fmt else self._fallback_style(col, row_format)
            ref = f' r="{self._col_name(col)}{number}"{style}'
            kind = type(cell)
            if kind in _STRINGS and not inline:
                parts.append(f'<c{ref} t="s"><v>{cell.string}</v></c>')
            elif kind in _NUMBERS:
                parts.append(f"<c{ref}><v>{cell.number:.16G}</v></c>")
            elif kind in _STRINGS:
                parts.append(self._inline_string(ref, cell.string))
            else:  # formulas, booleans, blanks, errors: XlsxWriter's own writer
                self.fh.write("".join(parts))
                parts = []
                self._write_cell(row, col, cell)
        parts.append("</row>")
        self.fh.write("".join(parts))

    def _col_name(self, col: int) -> str:
        names = self._col_names
        if len(names) <= col:
            for c in range(len(names), col + 1):
                names.append(xl_col_to_name(c))
                self._col_index[names[c]] = c
        return names[col]

    def _style(self, fmt: Format) -> str:
        style = self._style_attr.get(id(fmt))
        if style is None:
            style = self._style_attr[id(fmt)] = f' s="{fmt._get_xf_index()}"'
        return style

    def _fallback_style(self, col: int, row_format: Any) -> str:
        # a cell without a format takes its row's, else its column's (as XlsxWriter does)
        if row_format:
            return f' s="{row_format._get_xf_index()}"'
        col_info = self.col_info.get(col)
        if col_info is not None and col_info.column_format is not None:
            return f' s="{col_info.column_format._get_xf_index()}"'
        return ""

    def _inline_string(self, attr: str, string: str) -> str:
        string = self._escape_control_characters(string)
        if string.startswith("<r>") and string.endswith("</r>"):
            return f'<c{attr} t="inlineStr"><is>{string}</is></c>'
        space = ' xml:space="preserve"' if _preserve_whitespace(string) else ""
        return f'<c{attr} t="inlineStr"><is><t{space}>{self._escape_data(string)}</t></is></c>'

    def _row_tag(self, span: str | None, info: Any) -> tuple[str, str]:
        """The <row> start tag around its number, as XlsxWriter's `_write_row` writes it."""
        key = (
            span,
            None
            if info is None
            else (info.height, id(info.row_format), info.hidden, info.level, info.collapsed),
        )
        tag = self._row_tags.get(key)
        if tag is None:
            fh, self.fh = self.fh, io.StringIO()
            try:
                super()._write_row(0, span, info)
                text = self.fh.getvalue()
            finally:
                self.fh = fh
            head = '<row r="'
            if not text.startswith(head + '1"'):
                raise AssertionError(f"unexpected row tag from XlsxWriter: {text}")
            tag = self._row_tags[key] = (head, text[len(head) + 1 :])
        return tag


class CellXml:
    """Makes the XML of one column's cells in a `TableSheet`, in one format: `text(value, row
    number)` and `number(value, row number)` return the <c> element of a string or a number."""

    def __init__(self, ws: TableSheet, col: int, fmt: Format) -> None:
        self.ws = ws
        # the format must be numbered already (Book numbers its formats when it makes them)
        if fmt.xf_index is None and fmt._get_format_key() not in fmt.xf_format_indices:
            raise ValueError("the cell format has no number yet")
        self.letters = ws._col_name(col)
        self.head = f'<c r="{self.letters}'
        self.style = f' s="{fmt._get_xf_index()}"'
        self.string_tail = f'"{self.style} t="s"><v>'
        self._number_tail = f'"{self.style}><v>'
        self.inline = ws.constant_memory

    def text(self, text: str, number: str) -> str:
        """A string cell (the text as `write_string` takes it)."""
        if self.inline:
            attr = f' r="{self.letters}{number}"{self.style}'
            return self.ws._inline_string(attr, self.ws.truncated(text))
        return f"{self.head}{number}{self.string_tail}{self.ws.string_index(text)}</v></c>"

    def number(self, x: float, number: str) -> str:
        return f"{self.head}{number}{self._number_tail}{x:.16G}</v></c>"


CellMaker = Callable[[Any, str], str | None]
