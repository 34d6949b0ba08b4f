"""The detail view's grid: the unit's sheet around a flagged cell, read from its own workbook
(python-calamine, as perfxl reads it), merged cells as spans, the flagged cells marked."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

ROWS_AROUND, COLS_AROUND = 12, 6
_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def column_letter(c: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        out = chr(65 + r) + out
    return out


def parse_a1(ref: str) -> tuple[int, int] | None:
    """'H7' → (6, 7), zero-based row and column; None for anything else."""
    m = _A1.match(ref.strip())
    if not m:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def flagged_cells(cell: Any) -> list[tuple[int, int]]:
    """The cells a finding names: 'H7', 'B3:D5', 'D7, E7' (a range up to 400 cells)."""
    if not isinstance(cell, str) or not cell.strip():
        return []
    out: list[tuple[int, int]] = []
    for part in re.split(r"[,，;；\s]+", cell.strip()):
        ends = [parse_a1(p) for p in part.split(":")]
        if not ends or any(e is None for e in ends):
            continue
        (r1, c1), (r2, c2) = ends[0], ends[-1]  # type: ignore[misc]
        for r in range(min(r1, r2), max(r1, r2) + 1):
            for c in range(min(c1, c2), max(c1, c2) + 1):
                out.append((r, c))
                if len(out) >= 400:
                    return out
    return out


def shown(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        if v != v:
            return ""
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return f"{v:.6f}".rstrip("0").rstrip(".")
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M") if (v.hour or v.minute) else v.strftime("%Y-%m-%d")
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    return str(v)


def sheet_window(path: Path, sheet: str | None, cell: Any) -> dict[str, Any]:
    """The rows and columns around the finding's cell, as JSON: `rows` of {r, cells: [{c, v,
    rowspan, colspan, flagged}]}, `columns` letters; `note` when there is no grid to show."""
    from perfxl.intake.sniff import sniff
    from perfxl.read.grid import ReadError, load_book

    try:
        book = load_book(path, sniff(path), skip=())
    except ReadError as exc:
        return {"note": f"无法读取工作簿（{exc.code}）", "note_en": f"cannot read ({exc.code})"}
    grid = book.grid(sheet) if sheet else None
    if grid is None:
        grid = next((g for g in book.grids if g.visible), None) if not sheet else None
    if grid is None:
        return {
            "note": f"工作簿中没有工作表“{sheet}”" if sheet else "工作簿中没有工作表",
            "note_en": f"no sheet {sheet!r} in the workbook",
        }
    marks = set(flagged_cells(cell))
    nrows = len(grid.rows)
    while nrows and not any(v not in (None, "") for v in grid.rows[nrows - 1]):
        nrows -= 1  # the empty rows at the sheet's end are not shown
    ncols = max((len(r) for r in grid.rows), default=0)
    if marks:
        r0 = min(r for r, _ in marks)
        r1 = max(r for r, _ in marks)
        c0 = min(c for _, c in marks)
        c1 = max(c for _, c in marks)
        top, bottom = max(0, r0 - ROWS_AROUND), min(max(nrows, r1 + 1), r1 + ROWS_AROUND + 1)
        left, right = max(0, c0 - COLS_AROUND), min(max(ncols, c1 + 1), c1 + COLS_AROUND + 1)
    else:
        top, bottom, left, right = 0, min(nrows, 2 * ROWS_AROUND), 0, min(ncols, 2 * COLS_AROUND)
    # merged areas: the top-left cell spans, the others are covered
    spans: dict[tuple[int, int], list[int]] = {}
    covered: set[tuple[int, int]] = set()
    for (r, c), (or_, oc) in grid.origin.items():
        if not (top <= r < bottom and left <= c < right):
            continue
        anchor = (max(or_, top), max(oc, left))
        if (r, c) != anchor:
            covered.add((r, c))
        box = spans.setdefault(anchor, [r, c])
        box[0], box[1] = max(box[0], r), max(box[1], c)
    rows = []
    for r in range(top, bottom):
        src = grid.rows[r] if r < nrows else []
        cells = []
        for c in range(left, right):
            if (r, c) in covered:
                continue
            v = src[c] if c < len(src) else None
            item: dict[str, Any] = {"c": c, "v": shown(v)}
            if (r, c) in spans:
                er, ec = spans[(r, c)]
                if er > r:
                    item["rowspan"] = er - r + 1
                if ec > c:
                    item["colspan"] = ec - c + 1
                if any(r <= mr <= er and c <= mc <= ec for mr, mc in marks):
                    item["flagged"] = True
            if (r, c) in marks:
                item["flagged"] = True
            cells.append(item)
        rows.append({"r": r + 1, "cells": cells})
    return {
        "sheet": grid.name,
        "columns": [column_letter(c) for c in range(left, right)],
        "first_column": left,
        "rows": rows,
        "sheets": [g.name for g in book.grids],
    }
