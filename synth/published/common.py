"""Parts every printed form has: title lines, the header rows, what follows the table, the cover."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from typing import Any

from synth.published.sheet import Sheet


def text_width(v: object) -> int:
    """Display width of a printed value: a CJK character counts 2, anything else 1."""
    if isinstance(v, dict):
        v = v.get("value")
    if v is None:
        return 0
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(v))


def title_rows(sheet: Sheet, lay: Mapping[str, Any], last: int) -> int:
    """表号 (above or in the corner), the title, the year line, a blank row, the caption."""
    r = 0
    if lay["table_no"] and lay["table_no_position"] == "above":
        sheet.box(r, 0, last, lay["table_no"], "corner")
        r += 1
    if lay["title"]:
        corner = bool(lay["table_no"]) and lay["table_no_position"] == "corner"
        sheet.box(r, 0, last - 1 if corner else last, lay["title"], "title")
        if corner:
            sheet.put(r, last, lay["table_no"], "corner")
        sheet.heights[r] = 30
        r += 1
    if lay["title_year"]:
        sheet.box(r, 0, last, lay["title_year"], "subtitle")
        sheet.heights[r] = 20
        r += 1
    if lay["blank_row_after_title"]:
        r += 1
    if lay["caption"]:
        left, right = lay["caption"]
        mid = (last + 1) // 2
        sheet.box(r, 0, mid - 1, left, "caption")
        sheet.box(r, mid, last, right, "corner")
        r += 1
    return r


def field_item(form: Mapping[str, Any], lay: Mapping[str, Any], item: Any) -> tuple[str, Any]:
    """A header item: a top-level key, an other_fields key, or a literal [label, value]."""
    if isinstance(item, list | tuple):
        return str(item[0]), item[1]
    if item in ("project_name", "department", "unit", "fiscal_year"):
        return lay["field_labels"][item], form.get(item)
    return str(item), (form.get("other_fields") or {}).get(item)


def header_rows(sheet: Sheet, form: Mapping[str, Any], lay: Mapping[str, Any], r: int, last: int):
    """项目名称 / 主管部门 | 实施单位 rows: bold labels, the values in merged cells."""
    lw = lay["header_label_cols"]
    for row in lay["header_rows"]:
        items = [field_item(form, lay, it) for it in row]
        seg = (last + 1) // len(items)
        for k, (label, value) in enumerate(items):
            c0 = k * seg
            c1 = last if k == len(items) - 1 else c0 + seg - 1
            sheet.box(r, c0, c0 + lw - 1, label, "label")
            sheet.box(r, c0 + lw, c1, value, "text")
        r += 1
    return r


def rows_after(sheet: Sheet, form: Mapping[str, Any], lay: Mapping[str, Any], r: int, last: int):
    """其他需要说明事项, 填表人 …: a label over two columns and the value across the rest."""
    for item in lay["rows_after"]:
        label, value = field_item(form, lay, item)
        sheet.box(r, 0, 1, label, "label")
        sheet.box(r, 2, last, value, "text")
        r += 1
    return r


def notes(sheet: Sheet, lay: Mapping[str, Any], r: int, last: int) -> int:
    for line in lay["notes"]:
        sheet.box(r, 0, last, line, "note")
        r += 1
    return r


def fit(sheet: Sheet, last: int, fixed: Mapping[int, float] | None = None) -> None:
    """Column widths from the unmerged cells, then row heights so wrapped text shows in full."""
    spans: dict[tuple[int, int], int] = {(r1, c1): c2 for r1, c1, _, c2 in sheet.merges}
    tall: dict[tuple[int, int], int] = {(r1, c1): r2 for r1, c1, r2, _ in sheet.merges}
    covered = {
        (r, c)
        for r1, c1, r2, c2 in sheet.merges
        for r in range(r1, r2 + 1)
        for c in range(c1, c2 + 1)
    }
    widths = dict.fromkeys(range(last + 1), 6.0)
    for (r, c), (v, style) in sheet.cells.items():
        if style in ("title", "subtitle", "note", "caption", "corner") or c > last:
            continue
        if (r, c) in covered and (spans.get((r, c), c) != c or tall.get((r, c), r) != r):
            continue  # merged cells wrap within their span
        cap = 14.0 if style == "label" else 24.0
        widths[c] = max(widths[c], min(text_width(v) + 2, cap))
    widths.update(fixed or {})
    sheet.widths.update(widths)
    for (r, c), (v, style) in sheet.cells.items():
        if style in ("title", "subtitle") or v is None:
            continue
        span = sum(widths.get(k, 8.0) for k in range(c, spans.get((r, c), c) + 1))
        rows = tall.get((r, c), r) - r + 1
        lines = math.ceil(text_width(v) / max(span - 1, 1)) if span else 1
        need = 14.0 * lines / rows
        if need > sheet.heights.get(r, 15.0):
            sheet.heights[r] = need


def cover_sheet(cover: Mapping[str, Any]) -> Sheet:
    """A 封面: the report's title, the unit, the date, each on its own centred line."""
    sheet = Sheet(cover.get("sheet_name", "封面"), landscape=False)
    sheet.widths[0] = 90
    r = 3
    for k, line in enumerate(cover.get("lines") or ()):
        if line:
            sheet.put(r, 0, line, "cover_title" if k == 0 else "cover")
        sheet.heights[r] = 40 if k == 0 else 26
        r += 2 if k == 0 else 1
    return sheet
