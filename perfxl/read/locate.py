"""Find fields and tables in grids: by the template's defined names first, then by their labels."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from perfxl.read.grammar import keys_of, label_key
from perfxl.read.grammar.headers import header_meaning
from perfxl.read.grid import Book, Grid
from perfxl.spec import Column, Field, Table, parse_a1


@dataclass(frozen=True, slots=True)
class Spot:
    """Where a value sits: grid, zero-based row and column."""

    grid: Grid
    row: int
    col: int
    inline: str | None = None  # value found after "label：" inside the label cell

    @property
    def ref(self) -> str:
        return self.grid.ref(self.row, self.col)

    @property
    def sheet(self) -> str:
        return self.grid.name

    def value(self) -> object:
        return self.inline if self.inline is not None else self.grid.value(self.row, self.col)


# ------------------------------------------------------------------ defined names


_REF = re.compile(
    r"^=?(?:'(?P<q>(?:[^']|'')+)'|(?P<u>[^'!]+))!\$?(?P<c1>[A-Z]{1,3})\$?(?P<r1>\d+)"
    r"(?::\$?(?P<c2>[A-Z]{1,3})\$?(?P<r2>\d+))?$"
)


def name_target(book: Book, name: str) -> tuple[Grid, int, int, int, int] | None:
    """(grid, r1, c1, r2, c2) of a defined name pointing into an existing sheet."""
    text = book.defined_names.get(name)
    if not text:
        return None
    m = _REF.match(text.strip())
    if not m:
        return None  # #REF! after a deleted sheet, or a constant
    sheet = (m.group("q") or "").replace("''", "'") or (m.group("u") or "")
    grid = book.grid(sheet)
    if grid is None:
        return None
    r1, c1 = parse_a1(m.group("c1") + m.group("r1"))
    if m.group("c2"):
        r2, c2 = parse_a1(m.group("c2") + m.group("r2"))
    else:
        r2, c2 = r1, c1
    return grid, r1, c1, r2, c2


def name_constant(book: Book, name: str) -> str | None:
    text = book.defined_names.get(name)
    if text and text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    if text and text.startswith('="') and text.endswith('"'):
        return text[2:-1]
    return None


# ------------------------------------------------------------------ labels


def find_label(
    grid: Grid, keys: frozenset[str], rows: range | None = None
) -> list[tuple[int, int, str | None]]:
    """Cells whose label equals one of `keys`; inline values ("项目名称：X") come back as the third item."""
    index = grid.label_index()
    hits: list[tuple[int, int, str | None]] = []
    for k in keys:
        for r, c, inline in index.get(k, ()):
            if rows is None or r in rows:
                hits.append((r, c, inline))
    hits.sort(key=lambda h: (h[0], h[1]))
    return hits


def field_spot(
    grid: Grid,
    f: Field,
    stop_keys: frozenset[str],
    below: bool = False,
    rows: range | None = None,
) -> Spot | None:
    """Locate a field's value cell next to (right of, or below) its label."""
    hits = find_label(grid, keys_of(f.labels), rows)
    if not hits:
        return None
    r, c, inline = hits[0]
    if inline is not None:
        return Spot(grid, r, c, inline)
    if below:
        under = Spot(grid, grid.merge_end_row(r, c) + 1, c)
        v = under.value()
        lab = grid.labels().get(grid.origin.get((under.row, c), (under.row, c)))
        if v is not None and not (lab is not None and label_key(lab) in stop_keys):
            return under
        # some forms put this label left of its text instead of above it
        right = _right_of(grid, r, c, stop_keys)
        return right if right.value() is not None else under
    return _right_of(grid, r, c, stop_keys)


def _right_of(grid: Grid, r: int, c: int, stop_keys: frozenset[str]) -> Spot:
    first = grid.merge_end_col(r, c) + 1
    col = first
    # skip blank cells that belong to nobody, but never run into the next label
    while col < first + 4:
        v = grid.value(r, col)
        if v is not None:
            lab = grid.labels().get(grid.origin.get((r, col), (r, col)))
            if lab is not None and label_key(lab) in stop_keys:
                return Spot(grid, r, first)
            return Spot(grid, r, col)
        col = grid.merge_end_col(r, col) + 1
    return Spot(grid, r, first)


# ------------------------------------------------------------------ tables


@dataclass(slots=True)
class TableSpot:
    grid: Grid
    header_top: int
    data_start: int
    data_end: int  # exclusive
    cols: dict[str, int]  # column key -> zero-based column
    header_texts: dict[str, str]  # column key -> header text as printed (for units like （元）)
    # column keys whose header was read by its words, not by a known label: the reading to report
    by_meaning: frozenset[str] = frozenset()
    header_refs: dict[str, str] = field(default_factory=dict)  # column key -> its header's cell

    def spot(self, row: int, key: str) -> Spot | None:
        c = self.cols.get(key)
        return Spot(self.grid, row, c) if c is not None else None


_COLUMN_KEYS: dict[int, dict[str, list[str]]] = {}


def column_keys(columns: Sequence[Column]) -> dict[str, list[str]]:
    """Label key -> the column keys it can name (cached per spec table: the tuples are constants)."""
    hit = _COLUMN_KEYS.get(id(columns))
    if hit is None:
        hit = {}
        for c in columns:
            for k in keys_of(c.labels):
                hit.setdefault(k, []).append(c.key)
        _COLUMN_KEYS[id(columns)] = hit
    return hit


def _header_hits(
    grid: Grid, r: int, columns: Sequence[Column], table_key: str | None = None
) -> dict[str, list[int]]:
    """Column keys whose labels appear in row r, with the columns where they do; with
    `table_key`, a header no label knows is read by its words (预算数, 调整预算数（A）, 完成情况)."""
    wanted = column_keys(columns)
    out: dict[str, list[int]] = {}
    for ci, k in grid.row_keys(r):
        keys = wanted.get(k)
        if keys is None:
            meaning = header_meaning(table_key, k) if table_key is not None else None
            keys = [meaning] if meaning is not None and meaning in _keys_of_columns(columns) else []
        for key in keys:
            out.setdefault(key, []).append(ci)
    return out


_COLUMN_SETS: dict[int, frozenset[str]] = {}


def _keys_of_columns(columns: Sequence[Column]) -> frozenset[str]:
    hit = _COLUMN_SETS.get(id(columns))
    if hit is None:
        hit = _COLUMN_SETS[id(columns)] = frozenset(c.key for c in columns)
    return hit


def _satisfies(hits: dict[str, list[int]], required: Sequence[str | tuple[str, ...]]) -> bool:
    """Every requirement met; a tuple is met by any one of its keys."""
    return all(
        any(k in hits for k in req) if isinstance(req, tuple) else req in hits for req in required
    )


def _assign_columns(
    grid: Grid, rows: Sequence[int], columns: Sequence[Column], table_key: str | None
) -> dict[str, int]:
    """Map spec columns to sheet columns; repeated labels (三个“分值”) are taken left to right."""
    cols: dict[str, int] = {}
    taken: set[int] = set()
    hits_by_row = [(r, _header_hits(grid, r, columns, table_key)) for r in rows]
    for col in columns:
        candidates: set[int] = set()
        for r, hits in hits_by_row:
            for ci in hits.get(col.key, []):
                # a header merged over several columns names its first column only
                if grid.origin.get((r, ci), (r, ci))[1] == ci:
                    candidates.add(ci)
        for ci in sorted(candidates):
            if ci not in taken:
                cols[col.key] = ci
                taken.add(ci)
                break
    return cols


def find_table(
    grid: Grid,
    table: Table,
    min_hits: int,
    rows: range | None = None,
    end_keys: frozenset[str] = frozenset(),
    required: Sequence[str | tuple[str, ...]] = (),
    header_at: int | None = None,
    by_meaning: bool = False,
) -> TableSpot | None:
    """Find the header row of `table` in `grid` and the extent of its data rows; with
    `by_meaning`, headers no label knows are read by their words (foreign layouts)."""
    meaning = table.key if by_meaning else None
    search = rows if rows is not None else range(grid.nrows)
    if header_at is not None:
        search = range(header_at, header_at + 1)
    best: tuple[int, int] | None = None
    for r in search:
        if r >= grid.nrows:
            break
        hits = _header_hits(grid, r, table.columns, meaning)
        if not hits:  # a row naming no column is not where the header starts
            continue
        if r + 1 < grid.nrows:
            for k, v in _header_hits(grid, r + 1, table.columns, meaning).items():
                hits.setdefault(k, v)
        if not _satisfies(hits, required):
            continue
        n = len(hits)
        if n >= min_hits and (best is None or n > best[1]):
            best = (r, n)
    if best is None:
        return None
    top = best[0]
    second = (
        top + 1
        if top + 1 < grid.nrows and _header_hits(grid, top + 1, table.columns, meaning)
        else None
    )
    header_rows = [top] if second is None else [top, second]
    # a two-row header is real only when the second row names columns the first does not
    if second is not None:
        first_keys = set(_header_hits(grid, top, table.columns, meaning))
        second_keys = set(_header_hits(grid, second, table.columns, meaning))
        if not (second_keys - first_keys) and not any(
            grid.is_merged_continuation(second, c) for c in range(grid.ncols)
        ):
            header_rows = [top]
    cols = _assign_columns(grid, header_rows, table.columns, meaning)
    start = header_rows[-1] + 1
    # rows still inside a vertically merged header cell belong to the header
    for c in cols.values():
        start = max(start, grid.merge_end_row(header_rows[-1], c) + 1)
    end = _table_end(grid, start, end_keys, rows)
    texts = {
        k: str(grid.value(header_rows[-1], c) or grid.value(top, c) or "") for k, c in cols.items()
    }
    # the cell each column's header was read from (the lowest header row that prints it)
    refs = {}
    for k, c in cols.items():
        r = next((r for r in reversed(header_rows) if grid.value(r, c) is not None), top)
        refs[k] = grid.ref(*grid.origin.get((r, c), (r, c)))
    known = column_keys(table.columns)
    guessed = frozenset(
        k
        for k, c in cols.items()
        if not any(
            k in known.get(label_key(grid.value(r, c)) if grid.value(r, c) else "", ())
            for r in header_rows
        )
    )
    return TableSpot(grid, top, start, end, cols, texts, guessed, refs)


def _table_end(grid: Grid, start: int, end_keys: frozenset[str], rows: range | None) -> int:
    limit = rows.stop if rows is not None else grid.nrows
    blank_run = 0
    r = start
    while r < min(limit, grid.nrows):
        row = grid.rows[r]
        if end_keys and any(k in end_keys for c, k in grid.row_keys(r) if c < 4):
            return r
        if all(v == "" or v is None for v in row):
            blank_run += 1
            if blank_run >= 50:
                return r - blank_run + 1
        else:
            blank_run = 0
        r += 1
    return min(limit, grid.nrows)
