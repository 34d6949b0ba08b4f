"""A printed sheet planned as cells, merges and sizes, and its writing to .xlsx with xlsxwriter.

A cell value is written exactly as the form description gives it: a number stays a number, "100%"
stays text, None is a blank bordered cell. Two object forms let a description say more, as a unit's
own Excel can hold more: {"value": 0.98, "num_format": "0.00%"} (a number shown with a format) and
{"formula": "=E7/D7", "value": 0.98} (a live formula with the result Excel saved for it).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STYLES: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"},
    "subtitle": {"font_size": 11, "align": "center", "valign": "vcenter"},
    "corner": {"align": "right", "valign": "vcenter"},
    "caption": {"valign": "vcenter"},
    "heading": {"bold": True, "font_size": 12, "valign": "vcenter"},
    "note": {"font_size": 9, "text_wrap": True, "valign": "top"},
    "cover_title": {"bold": True, "font_size": 20, "align": "center", "valign": "vcenter"},
    "cover": {"font_size": 14, "align": "center", "valign": "vcenter"},
    "label": {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1},
    "text": {"valign": "vcenter", "text_wrap": True, "border": 1},
    "center": {"align": "center", "valign": "vcenter", "text_wrap": True, "border": 1},
    "num": {"align": "center", "valign": "vcenter", "border": 1},
}


@dataclass(slots=True)
class Sheet:
    name: str
    cells: dict[tuple[int, int], tuple[object, str]] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    landscape: bool = True

    def put(self, r: int, c: int, value: object, style: str = "text") -> None:
        self.cells[(r, c)] = (value, style)

    def merge(self, r1: int, c1: int, r2: int, c2: int, value: object, style: str = "text") -> None:
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                self.cells[(r, c)] = (None, style)
        self.cells[(r1, c1)] = (value, style)
        if (r1, c1) != (r2, c2):
            self.merges.append((r1, c1, r2, c2))

    def box(self, r: int, c1: int, c2: int, value: object, style: str = "text") -> None:
        """One row, columns c1..c2 merged (or one cell when c1 == c2)."""
        self.merge(r, c1, r, max(c1, c2), value, style)


def value_style(v: object) -> str:
    """Numbers centred, text wrapped: how units format a table cell they typed into."""
    if isinstance(v, dict):
        v = v.get("value")
    return "num" if isinstance(v, int | float) and not isinstance(v, bool) else "center"


def _covered(sheet: Sheet) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    for r1, c1, r2, c2 in sheet.merges:
        out |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
    return out


class _Formats:
    """xlsxwriter formats by their properties, each made once."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.made: dict[tuple[tuple[str, Any], ...], Any] = {}

    def get(self, style: str, num_format: str | None = None) -> Any:
        props = {"font_name": "宋体", "font_size": 10, **STYLES[style]}
        if num_format:
            props["num_format"] = num_format
        key = tuple(sorted(props.items()))
        if key not in self.made:
            self.made[key] = self.wb.add_format(props)
        return self.made[key]


def _write_cell(ws: Any, formats: _Formats, r: int, c: int, value: object, style: str) -> None:
    if isinstance(value, dict):
        f = formats.get(style, value.get("num_format"))
        cached = value.get("value")
        if value.get("formula"):
            ws.write_formula(r, c, value["formula"], f, "" if cached is None else cached)
        elif isinstance(cached, int | float) and not isinstance(cached, bool):
            ws.write_number(r, c, cached, f)
        elif cached is None:
            ws.write_blank(r, c, None, f)
        else:
            ws.write_string(r, c, str(cached), f)
        return
    f = formats.get(style)
    if value is None:
        ws.write_blank(r, c, None, f)
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否", f)
    elif isinstance(value, int | float):
        ws.write_number(r, c, value, f)
    else:
        ws.write_string(r, c, str(value), f)


def write_xlsx(sheets: Sequence[Sheet], path: str | os.PathLike[str]) -> Path:
    """Write the sheets to `path` atomically; a fixed creation date keeps files byte-stable."""
    import xlsxwriter

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".published-", suffix=".xlsx", dir=path.parent or ".")
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(
            tmp,
            {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
        )
        wb.set_properties({"author": "", "created": dt.datetime(2025, 1, 1)})
        formats = _Formats(wb)
        for sheet in sheets:
            ws = wb.add_worksheet(sheet.name)
            for c, w in sheet.widths.items():
                ws.set_column(c, c, w)
            for r, h in sheet.heights.items():
                ws.set_row(r, h)
            skip = _covered(sheet)
            for r1, c1, r2, c2 in sheet.merges:
                value, style = sheet.cells[(r1, c1)]
                num_format = value.get("num_format") if isinstance(value, dict) else None
                ws.merge_range(r1, c1, r2, c2, None, formats.get(style, num_format))
            for (r, c), (value, style) in sorted(sheet.cells.items()):
                if (r, c) not in skip:
                    _write_cell(ws, formats, r, c, value, style)
            if sheet.landscape:
                ws.set_landscape()
            ws.set_paper(9)
            ws.fit_to_pages(1, 0)
        wb.close()
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
