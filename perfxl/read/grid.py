"""Load every sheet of a workbook into plain grids (python-calamine), merged cells filled."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from perfxl.parse import clean_label, normalize
from perfxl.spec import a1

# A workbook whose parts inflate beyond this is refused (zip bombs); real forms are far below 5 MB.
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_CELLS = 5_000_000
MAX_LABEL_LEN = 120


@lru_cache(maxsize=1 << 16)
def _clean_cached(text: str) -> str:
    return clean_label(text)


class ReadError(Exception):
    """A file that cannot be read; `code` is the rule id of the finding to emit."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


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
            from perfxl.read.locate import inline_split, label_key

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
            from perfxl.read.locate import label_key

            self._row_keys = [
                [
                    (c, label_key(v))
                    for c, v in enumerate(row)
                    if isinstance(v, str) and v and len(v) <= MAX_LABEL_LEN
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

    def grid(self, name: str) -> Grid | None:
        for g in self.grids:
            if g.name == name:
                return g
        return None


def _fill_merges(
    rows: list[list[Any]], merges: list[Any]
) -> dict[tuple[int, int], tuple[int, int]]:
    origin: dict[tuple[int, int], tuple[int, int]] = {}
    for (r1, c1), (r2, c2) in merges or ():
        if (r2 - r1 + 1) * (c2 - c1 + 1) > 100_000:
            continue  # a sheet-wide merge carries no data worth spreading
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


_NAME_RE = re.compile(r"^[A-Za-z_\\][\w.]*$")
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _inspect_zip(path: Path, want_names: bool) -> dict[str, str]:
    """One pass over the zip: refuse bombs, and read the defined names (calamine does not expose them)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > MAX_UNCOMPRESSED:
                raise ReadError("R06", f"{total // (1024 * 1024)} MB")
            if not want_names:
                return {}
            try:
                info = zf.getinfo("xl/workbook.xml")
            except KeyError:
                return {}
            if info.file_size > 20 * 1024 * 1024:
                return {}
            xml = zf.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ReadError("R01", f"zip: {exc}") from exc
    return parse_defined_names(xml)


def parse_defined_names(xml: bytes) -> dict[str, str]:
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        return {}  # no external or expanding entities, ever
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return {}
    out: dict[str, str] = {}
    for dn in root.iter(f"{_MAIN_NS}definedName"):
        name = dn.get("name", "")
        if dn.get("localSheetId") is None and _NAME_RE.match(name) and dn.text:
            out[name] = dn.text
    return out


def load_book(path: Path, fmt: str, skip: tuple[str, ...] = ("_lists", "填报说明")) -> Book:
    """Read all sheets with python-calamine. Raises ReadError for unreadable files."""
    import python_calamine as pc

    names: dict[str, str] = {}
    if fmt in ("xlsx", "xlsm", "xlsb", "ods"):
        names = _inspect_zip(path, want_names=fmt in ("xlsx", "xlsm"))
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError as exc:
        raise ReadError("R02", str(exc)) from exc
    except Exception as exc:  # calamine raises several types for broken files
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
                raise ReadError("R06", f"{cells} cells")
            rows = sheet.to_python(skip_empty_area=False)
            try:
                merges = sheet.merged_cell_ranges or []
            except Exception:  # merged ranges are unavailable for some formats
                merges = []
            origin = _fill_merges(rows, merges)
            grids.append(Grid(meta.name, "Visible" in str(meta.visible), rows, origin))
    except ReadError:
        raise
    except Exception as exc:
        raise ReadError("R01", f"{type(exc).__name__}: {exc}") from exc
    finally:
        try:
            wb.close()
        except Exception:
            pass
    return Book(grids, names)
