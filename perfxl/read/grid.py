"""Load every sheet of a workbook into plain grids (python-calamine), merged cells filled."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from perfxl.read.grammar import clean_label, inline_split, label_key, normalize
from perfxl.read.grammar.labels import label_key_of_text
from perfxl.read.vet import (
    MAX_CELLS,
    MAX_UNCOMPRESSED,
    VetError,
    ZipFacts,
    inspect_zip,
    parse_defined_names,
    vet_sizes,
)
from perfxl.spec import a1

MAX_LABEL_LEN = 120
# merged areas are filled cell by cell: bound the total so thousands of huge merges cannot stall a read
MAX_MERGED_CELLS = 2_000_000
# control characters (C0 but tab and line breaks, DEL, C1) and direction overrides are dropped from
# cell text: they are invisible in Excel, break XML, and can drive a terminal or disguise a name
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@lru_cache(maxsize=1 << 16)
def _clean_cached(text: str) -> str:
    return clean_label(text)


class ReadError(Exception):
    """A file that cannot be read; `code` is the rule id of the finding to emit."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail

    def __reduce__(self) -> tuple[type[ReadError], tuple[str, str]]:
        return ReadError, (self.code, self.detail)  # it crosses from reading processes


@dataclass(slots=True)
class Grid:
    name: str
    visible: bool
    rows: list[list[Any]]
    origin: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    _labels: dict[tuple[int, int], str] | None = None
    _row_keys: list[list[tuple[int, str]]] | None = None
    _label_index: dict[str, list[tuple[int, int, str | None]]] | None = None

    @property
    def nrows(self) -> int:
        return len(self.rows)

    @property
    def ncols(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def value(self, r: int, c: int) -> Any:
        if 0 <= r < len(self.rows):
            row = self.rows[r]
            if 0 <= c < len(row):
                v = row[c]
                return None if v == "" else v
        return None

    def ref(self, r: int, c: int) -> str:
        """A1 address of the cell holding the value (the top-left of a merge)."""
        return a1(*self.origin.get((r, c), (r, c)))

    def is_merged_continuation(self, r: int, c: int) -> bool:
        o = self.origin.get((r, c))
        return o is not None and o != (r, c)

    def merge_end_col(self, r: int, c: int) -> int:
        """Last column of the merge that (r, c) belongs to (c itself when not merged)."""
        o = self.origin.get((r, c))
        if o is None:
            return c
        end = c
        while self.origin.get((r, end + 1)) == o:
            end += 1
        return end

    def merge_end_row(self, r: int, c: int) -> int:
        o = self.origin.get((r, c))
        if o is None:
            return r
        end = r
        while self.origin.get((end + 1, c)) == o:
            end += 1
        return end

    def labels(self) -> dict[tuple[int, int], str]:
        """Cleaned text of every short text cell (merge continuations excluded), for label search.

        Long texts (narratives) are never labels, and cleaning them is the costly part of a read.
        """
        if self._labels is None:
            out: dict[tuple[int, int], str] = {}
            for r, row in enumerate(self.rows):
                for c, v in enumerate(row):
                    if (
                        isinstance(v, str)
                        and v
                        and len(v) <= MAX_LABEL_LEN
                        and not self.is_merged_continuation(r, c)
                    ):
                        lab = _clean_cached(v)
                        if lab:
                            out[(r, c)] = lab
            self._labels = out
        return self._labels

    def label_index(self) -> dict[str, list[tuple[int, int, str | None]]]:
        """label key -> [(row, col, inline value)], where "项目名称：X" also indexes 项目名称 -> X."""
        if self._label_index is None:
            index: dict[str, list[tuple[int, int, str | None]]] = {}
            for (r, c), lab in self.labels().items():
                index.setdefault(label_key(lab), []).append((r, c, None))
                split = inline_split(lab)
                if split is not None:
                    index.setdefault(label_key(split[0]), []).append((r, c, split[1]))
            self._label_index = index
        return self._label_index

    def row_keys(self, r: int) -> list[tuple[int, str]]:
        """(column, label key) of the short text cells of row r, merged cells included."""
        if self._row_keys is None:
            key = label_key_of_text  # calamine's text cells are plain str: the cached lookup
            self._row_keys = [
                [
                    (c, key(v))
                    for c, v in enumerate(row)
                    if type(v) is str and v and len(v) <= MAX_LABEL_LEN
                ]
                for row in self.rows
            ]
        return self._row_keys[r] if 0 <= r < len(self._row_keys) else []

    def text(self, r: int, c: int) -> str:
        v = self.value(r, c)
        return normalize(v) if v is not None else ""


@dataclass(slots=True)
class Book:
    grids: list[Grid]
    defined_names: dict[str, str]  # name -> formula text ("'封面'!$B$4", '"national2020"')
    uncached: dict[str, list[str]] = field(default_factory=dict)  # sheet -> formulas with no value

    def grid(self, name: str) -> Grid | None:
        for g in self.grids:
            if g.name == name:
                return g
        return None


def _fill_merges(
    rows: list[list[Any]], merges: list[Any]
) -> dict[tuple[int, int], tuple[int, int]]:
    origin: dict[tuple[int, int], tuple[int, int]] = {}
    filled = 0
    for (r1, c1), (r2, c2) in merges or ():
        area = (r2 - r1 + 1) * (c2 - c1 + 1)
        if area > 100_000:
            continue  # a sheet-wide merge carries no data worth spreading
        filled += area
        if filled > MAX_MERGED_CELLS:
            raise ReadError("R06", f"合并单元格超过 {MAX_MERGED_CELLS} 个")
        top = rows[r1][c1] if r1 < len(rows) and c1 < len(rows[r1]) else ""
        for r in range(r1, r2 + 1):
            if r >= len(rows):
                break
            row = rows[r]
            if len(row) <= c2:
                row.extend([""] * (c2 + 1 - len(row)))
            for c in range(c1, c2 + 1):
                origin[(r, c)] = (r1, c1)
                if (r, c) != (r1, c1):
                    row[c] = top
    return origin


def load_book(path: Path, fmt: str, skip: tuple[str, ...] = ("_lists", "填报说明")) -> Book:
    """Read all sheets with python-calamine. Raises ReadError for unreadable files."""
    import python_calamine as pc

    facts = ZipFacts(controls=fmt not in ("xlsx", "xlsm"))
    try:
        if fmt in ("xlsx", "xlsm"):
            facts = inspect_zip(str(path))
        elif fmt in ("xlsb", "ods"):
            vet_sizes(str(path))
    except VetError as exc:
        raise ReadError(exc.code, exc.detail) from exc
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError as exc:
        raise ReadError("R02", str(exc)) from exc
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine raises several types, and a Rust panic is no Exception
        raise ReadError("R01", f"{type(exc).__name__}: {exc}") from exc
    grids: list[Grid] = []
    cells = 0
    try:
        for meta in wb.sheets_metadata:
            if meta.name in skip or "WorkSheet" not in str(meta.typ):
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            h, w = sheet.total_height, sheet.total_width
            cells += h * w
            if cells > MAX_CELLS:
                raise ReadError("R06", f"共 {cells} 个单元格")
            rows = sheet.to_python(skip_empty_area=False)
            if facts.controls:
                _drop_controls(rows)
            try:
                merges = sheet.merged_cell_ranges or []
            except Exception:  # merged ranges are unavailable for some formats
                merges = []
            origin = _fill_merges(rows, merges)
            grids.append(Grid(_clean_text(meta.name), "Visible" in str(meta.visible), rows, origin))
    except (ReadError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        raise ReadError("R01", f"{type(exc).__name__}: {exc}") from exc
    finally:
        try:
            wb.close()
        except Exception:
            pass
    return Book(grids, facts.names, facts.uncached)


def _clean_text(text: str) -> str:
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def _drop_controls(rows: list[list[Any]]) -> None:
    for row in rows:
        for i, v in enumerate(row):
            if type(v) is str and _CONTROL.search(v):
                row[i] = _CONTROL.sub("", v)


__all__ = [
    "MAX_CELLS",
    "MAX_UNCOMPRESSED",
    "Book",
    "Grid",
    "ReadError",
    "load_book",
    "parse_defined_names",
]
