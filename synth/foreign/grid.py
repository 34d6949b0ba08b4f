"""A sheet planned as a grid: cells with named cell styles, merged ranges, row and column sizes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Formula:
    """A live formula with the value Excel would cache for it."""

    text: str
    cached: object


@dataclass(slots=True)
class Grid:
    name: str
    cells: dict[tuple[int, int], tuple[object, str]] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)

    def put(self, r: int, c: int, value: object, fmt: str = "text") -> None:
        self.cells[(r, c)] = (value, fmt)

    def merge(self, r1: int, c1: int, r2: int, c2: int, value: object, fmt: str = "text") -> None:
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                self.cells[(r, c)] = (None, fmt)
        self.cells[(r1, c1)] = (value, fmt)
        if (r1, c1) != (r2, c2):
            self.merges.append((r1, c1, r2, c2))

    def box(self, r: int, c1: int, c2: int, value: object, fmt: str = "text") -> None:
        """One row, columns c1..c2 merged (or a single cell)."""
        self.merge(r, c1, r, c2, value, fmt)


def covered(grid: Grid) -> set[tuple[int, int]]:
    """Cells inside a merge other than its top-left one: writers leave them to the merge."""
    out: set[tuple[int, int]] = set()
    for r1, c1, r2, c2 in grid.merges:
        out |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
    return out


STYLE_PROPS: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"},
    "subtitle": {"font_size": 11, "align": "center", "valign": "vcenter"},
    "plain": {"valign": "vcenter"},
    "plain_bold": {"bold": True, "valign": "vcenter"},
    "corner": {"align": "right", "valign": "vcenter"},
    "note": {"font_size": 9, "text_wrap": True, "valign": "top"},
    "label": {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1},
    "text": {"valign": "vcenter", "text_wrap": True, "border": 1},
    "center": {"align": "center", "valign": "vcenter", "text_wrap": True, "border": 1},
    "money": {"num_format": "#,##0.00", "valign": "vcenter", "border": 1},
    "pct": {"num_format": "0.00%", "align": "center", "valign": "vcenter", "border": 1},
    "num": {"align": "center", "valign": "vcenter", "border": 1},
    "date": {"num_format": "yyyy-mm-dd", "align": "center", "valign": "vcenter", "border": 1},
}
