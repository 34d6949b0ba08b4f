"""Spec: the forms declared as data (sheets, fields, tables, formulas), one source for writer and reader."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

TEMPLATE_VERSION = "1.0"
META_SHEET = "_meta"
LISTS_SHEET = "_lists"
NAME_PREFIX = "px_"

# Kinds of cells. The writer picks formats and validations from them; the reader picks parsers.
KINDS = (
    "text",  # short text
    "textarea",  # long text (narrative, explanations)
    "year",  # fiscal year, integer 2000..2100
    "money",  # 万元, two decimals
    "percent",  # stored as a fraction with a % number format
    "score",  # points, 0..100
    "number",  # any number
    "date",
    "choice",  # dropdown from a named list
    "phone",
    "target",  # free text parsed with the target grammar (年度指标值, 绩效标准)
    "actual",  # free text or number parsed as an actual value
)


@dataclass(frozen=True, slots=True)
class Const:
    """A printed, locked value in the template (a weight, a dash, a label)."""

    value: object


@dataclass(frozen=True, slots=True)
class Default:
    """An input cell that starts with a value the unit may change (the 10-point execution weight)."""

    value: object


@dataclass(frozen=True, slots=True)
class Formula:
    """A locked live formula. `{r}` is the cell's own row, `{first}`/`{last}` the table's data rows."""

    text: str


@dataclass(frozen=True, slots=True)
class Field:
    """One labelled input (or computed) cell."""

    key: str
    label: str
    cell: str  # the value cell (top-left of its merge)
    label_cell: str
    kind: str = "text"
    span: str | None = None  # merge range of the value cell, e.g. "B3:F3"
    label_span: str | None = None
    required: bool = False
    choices: str | None = None  # key of a list in Profile.lists
    help: str = ""
    formula: Formula | None = None
    aliases: tuple[str, ...] = ()  # other labels seen on real forms, for the label reader

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    col: str  # column letter of the value
    kind: str = "text"
    span_to: str | None = None  # last column of a horizontal merge ("K" for J:K)
    required: bool = False
    choices: str | None = None
    help: str = ""
    width: float = 12
    aliases: tuple[str, ...] = ()
    group: str | None = None  # a merged group header above this column (绩效标准 over 优/良/中/差)

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True, slots=True)
class Table:
    """A block of rows under a header. With `presets` the rows are fixed (printed labels, weights)."""

    key: str
    title: str
    header_row: int  # first header row (1-based)
    header_rows: int  # 1, or 2 when a group header sits above
    first_row: int  # first data row
    n_rows: int
    columns: tuple[Column, ...]
    presets: tuple[dict[str, Const | Default | Formula], ...] = ()  # one dict per fixed row
    fill_down: tuple[str, ...] = ()  # merged category columns the reader forward-fills
    row_key: str | None = None  # column whose text identifies the row (fixed tables)
    end_labels: tuple[str, ...] = ()  # a row starting with one of these ends the table
    merge_down: tuple[str, ...] = ()  # preset columns the writer merges over equal runs
    side_label: str | None = (
        None  # a label merged down the column left of the table ("项目资金（万元）")
    )
    side_col: str | None = None
    help: str = ""

    @property
    def last_row(self) -> int:
        return self.first_row + self.n_rows - 1

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def first_col(self) -> str:
        return self.columns[0].col

    @property
    def last_col(self) -> str:
        last = self.columns[-1]
        return last.span_to or last.col


@dataclass(frozen=True, slots=True)
class Sheet:
    key: str
    name: str
    title: str
    fields: tuple[Field, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[tuple[str, str], ...] = ()  # (cell, text) printed notes
    col_widths: dict[str, float] = field(default_factory=dict)
    last_col: str = "K"
    landscape: bool = False
    title_span: str | None = None
    aliases: tuple[str, ...] = ()  # other sheet names seen on real forms

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    title: str
    sheets: tuple[Sheet, ...]
    lists: dict[str, tuple[str, ...]]
    instructions: tuple[str, ...]  # the 填报说明 lines
    version: str = TEMPLATE_VERSION

    def sheet(self, key: str) -> Sheet:
        for s in self.sheets:
            if s.key == key:
                return s
        raise KeyError(key)

    def fields(self) -> list[tuple[Sheet, Field]]:
        return [(s, f) for s in self.sheets for f in s.fields]

    def tables(self) -> list[tuple[Sheet, Table]]:
        return [(s, t) for s in self.sheets for t in s.tables]

    def find_field(self, key: str) -> tuple[Sheet, Field]:
        for s, f in self.fields():
            if f.key == key:
                return s, f
        raise KeyError(key)

    def find_table(self, key: str) -> tuple[Sheet, Table]:
        for s, t in self.tables():
            if t.key == key:
                return s, t
        raise KeyError(key)


# ---- cell address helpers (shared by writer and reader) ----

_A1 = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def col_index(letters: str) -> int:
    """'A' -> 0, 'K' -> 10, 'AA' -> 26."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


@lru_cache(maxsize=1024)
def col_letters(index: int) -> str:
    """0 -> 'A'."""
    s = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        s = chr(65 + rem) + s
    return s


def parse_a1(ref: str) -> tuple[int, int]:
    """'B3' -> (row 2, col 1), zero-based."""
    m = _A1.match(ref.strip().upper())
    if not m:
        raise ValueError(f"not an A1 reference: {ref!r}")
    return int(m.group(2)) - 1, col_index(m.group(1))


@lru_cache(maxsize=1 << 16)
def a1(row: int, col: int) -> str:
    """Zero-based (row, col) -> 'B3'. Memoised: a reading asks for the same few hundred
    addresses of every form, and the frames then hold one string per address."""
    return f"{col_letters(col)}{row + 1}"


def defined_name(key: str) -> str:
    return NAME_PREFIX + key


def table_name(key: str) -> str:
    return NAME_PREFIX + "tbl_" + key


def get_profile(profile_id: str) -> Profile:
    from perfxl.spec import department2020, hainan2011, national2020

    profiles = {p.id: p for p in (national2020.PROFILE, hainan2011.PROFILE, department2020.PROFILE)}
    try:
        return profiles[profile_id]
    except KeyError:
        raise KeyError(f"unknown profile {profile_id!r}; known: {', '.join(profiles)}") from None


PROFILE_IDS = ("national2020", "hainan2011", "department2020")
# the profiles laid out as national2020 is: a 预算执行率 row over the funds and scored 三级
# indicators (分值/得分), the total their sum — 部门整体支出 (department2020) is one of them
NATIONAL_STYLE = ("national2020", "department2020")
