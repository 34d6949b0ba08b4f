"""A feedback copy sent back: its 审核意见 sheet (perfxl's own, told by its title cell) holds the
unit's 单位说明 (出错说明) beside each finding. They are read off here, and the sheet is taken out
of the book so the form is read as if it were not there."""

from __future__ import annotations

from typing import Any

from perfxl.read.grid import Book
from perfxl.spec.feedback_sheet import HEAD, MARK, SHEET, WHOLE_FILE

_HEAD_ROWS = 20  # the title and intro lines above the table


def take_explanations(book: Book) -> list[dict[str, Any]]:
    """The explanations written in perfxl's 审核意见 sheets of `book` ({rule, sheet, cell, text});
    the sheets are removed from `book`."""
    found: list[dict[str, Any]] = []
    ours = [g for g in book.grids if g.name.startswith(SHEET) and g.value(0, 0) == MARK]
    for grid in ours:
        head = next(
            (
                r
                for r in range(min(grid.nrows, _HEAD_ROWS))
                if "单位说明" in [str(v).strip() for v in grid.rows[r] if v]
            ),
            None,
        )
        if head is None:
            continue  # a copy from before the column existed: nothing the unit could say
        cols = {str(v).strip(): c for c, v in enumerate(grid.rows[head]) if v}
        rule_c = cols.get(HEAD[2])
        where_c = cols.get(HEAD[4])
        text_c = cols["单位说明"]
        for r in range(head + 1, grid.nrows):
            text, rule = (
                grid.value(r, text_c),
                grid.value(r, rule_c) if rule_c is not None else None,
            )
            if not isinstance(text, str) or not text.strip() or not isinstance(rule, str):
                continue
            where = grid.value(r, where_c) if where_c is not None else None
            sheet = cell = None
            if isinstance(where, str) and where != WHOLE_FILE and "!" in where:
                sheet, _, cell = where.rpartition("!")
                cell = cell.split("、")[0].split(":")[0].strip() or None
            found.append({"rule": rule.strip(), "sheet": sheet, "cell": cell, "text": text.strip()})
    book.grids = [g for g in book.grids if g not in ours]
    return found


__all__ = ["take_explanations"]
