"""Template formulas a file was saved without results for, recomputed from the cells they read."""

from __future__ import annotations

from typing import Any

from perfxl.read.grid import Book
from perfxl.spec import Formula, Profile, get_profile, parse_a1
from perfxl.spec.formulas import FormulaError, evaluate


def template_formulas(profile: Profile) -> dict[tuple[str, str], str]:
    """(sheet, A1) -> formula text of every live formula the template puts in a cell."""
    out: dict[tuple[str, str], str] = {}
    for sheet in profile.sheets:
        for f in sheet.fields:
            if f.formula is not None:
                out[(sheet.name, f.cell)] = f.formula.text
        for t in sheet.tables:
            for i, preset in enumerate(t.presets):
                r = t.first_row + i
                for key, p in preset.items():
                    if isinstance(p, Formula):
                        col = t.column(key).col
                        out[(sheet.name, f"{col}{r}")] = p.text.replace("{r}", str(r))
    return out


class _Cells:
    """The workbook's values, with the formulas still to compute standing in for their cells."""

    def __init__(self, book: Book, pending: dict[tuple[str, str], str]) -> None:
        self.book = book
        self.pending = pending

    def get(self, key: tuple[str, str]) -> Any:
        if key in self.pending:
            return Formula(self.pending[key])
        grid = self.book.grid(key[0])
        if grid is None:
            return None
        try:
            r, c = parse_a1(key[1])
        except (ValueError, KeyError):
            return None
        return grid.value(r, c)


def _text_of(v: object) -> str | None:
    return v.text if isinstance(v, Formula) else None


def recompute_template(book: Book, profile_id: str) -> int:
    """Fill the template's formula cells that were saved without a result; returns how many."""
    formulas = template_formulas(get_profile(profile_id))
    pending = {
        (sheet, ref): formulas[(sheet, ref)]
        for sheet, refs in book.uncached.items()
        for ref in refs
        if (sheet, ref) in formulas
    }
    if not pending:
        return 0
    cells = _Cells(book, pending)
    done = 0
    for (sheet, ref), text in pending.items():
        try:
            value = evaluate(cells, sheet, text, _text_of)  # type: ignore[arg-type]
        except (FormulaError, ZeroDivisionError, ValueError, TypeError, RecursionError):
            continue
        grid = book.grid(sheet)
        if grid is None:
            continue
        done += 1
        if value is not None and value != "":  # an empty result stays blank, as Excel shows it
            r, c = parse_a1(ref)
            _put(grid, r, c, value)
    return done


def _put(grid: Any, r: int, c: int, value: object) -> None:
    cells = [(r, c)] + [rc for rc, o in grid.origin.items() if o == (r, c) and rc != (r, c)]
    for rr, cc in cells:
        while len(grid.rows) <= rr:
            grid.rows.append([])
        row = grid.rows[rr]
        if len(row) <= cc:
            row.extend([""] * (cc + 1 - len(row)))
        row[cc] = value
    grid._labels = grid._row_keys = grid._label_index = None
