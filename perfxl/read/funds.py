"""The funds table of a form, however it is printed.

Most forms print one row per fund source (合计, 财政拨款, 其他资金 …) and one column per measure
(年初预算数, 全年预算数, 全年执行数; 计划投资额, 实际到位资金, 实际使用情况). Some print it the other
way round — one row per measure, the sources across under 合计 | 其中：中央财政 | 省财政 …  — and
`find_measure_rows` / `read_funds_across` read that layout into the same records.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from perfxl.model.submission import Extract
from perfxl.read import grammar as parse
from perfxl.read.grammar import label_key
from perfxl.read.grid import Grid
from perfxl.read.locate import TableSpot, column_keys
from perfxl.read.values import as_number, as_rate, as_text, is_na, raw_text
from perfxl.spec import Column

NATIONAL_FUND_SOURCES = (
    ("total", ("总额", "合计", "总计", "小计")),
    ("carryover", ("结转",)),
    ("special", ("财政专户",)),
    ("current_year", ("财政拨款", "财政资金", "当年", "本年", "一般公共预算")),
    ("unit_own", ("单位资金", "自有资金", "单位自筹")),
    ("other", ("其他",)),
)

HAINAN_FUND_SOURCES = (
    ("total", ("合计", "总计", "小计", "总额")),
    ("central", ("中央",)),
    ("provincial", ("省",)),
    ("county", ("市县", "市", "县")),
    ("other", ("其他",)),
)


def source_of(label: str | None, table: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    if not label:
        return None
    s = label_key(label)
    for key, words in table:
        if any(w in s for w in words):
            return key
    return None


def _row_label(grid: Grid, r: int, ts: TableSpot, first_value_col: int) -> str | None:
    c = ts.cols.get("source")
    if c is not None:
        v = grid.value(r, c)
        if isinstance(v, str) and v.strip():
            return v
    for c in range(first_value_col - 1, -1, -1):
        v = grid.value(r, c)
        if isinstance(v, str) and v.strip():
            return v
    return None


_BREAKDOWN_ROW = re.compile(r"^\s*(?:其中|含)\s*[:：]?")


def read_funds(
    ex: Extract,
    ts: TableSpot,
    measures: tuple[str, ...],
    sources: tuple[tuple[str, tuple[str, ...]], ...],
    with_exec: bool,
    skip_unknown: bool = False,
    max_rows: int = 10,
) -> None:
    """The fund rows of a located table. A row no source names ends the table, unless
    `skip_unknown` (the 部门整体 form prints 按收入性质分 lines among the ones it is read for)."""
    g = ts.grid
    value_cols = [ts.cols[m] for m in measures if m in ts.cols]
    if not value_cols:
        return
    first_col = min(value_cols)
    seen: set[str] = set()
    misses = 0
    breakdown = False
    for r in range(ts.data_start, min(ts.data_end, ts.data_start + max_rows)):
        label = _row_label(g, r, ts, first_col)
        source = source_of(label, sources)
        if (source is None or source in seen) and skip_unknown:
            continue
        if source is None and seen and (breakdown or _BREAKDOWN_ROW.match(label or "")):
            # 其中：中央资金 / 省级资金 break the source above down; the sources go on below
            breakdown = True
            continue
        breakdown = False
        if source is None or source in seen:
            if all(g.value(r, c) is None for c in value_cols):
                misses += 1
                if misses > 1 or seen:
                    break
                continue
            if seen:
                break
            continue
        seen.add(source)
        note_col = ts.cols.get("note")
        explanation = as_text(g.value(r, note_col)) if note_col is not None else None
        explanation_cell = g.ref(r, note_col) if note_col is not None else None
        for m in measures:
            c = ts.cols.get(m)
            if c is None:
                continue
            ex.funds.append(
                _fund_record(ex, g, r, c, m, source, label, explanation, explanation_cell)
            )
        if with_exec:
            rec: dict[str, Any] = {"source": source, "sheet": g.name}
            for key in ("weight", "rate", "score"):
                c = ts.cols.get(key)
                v = g.value(r, c) if c is not None else None
                rec[key + "_raw"] = raw_text(v)
                rec[key + "_cell"] = g.ref(r, c) if c is not None else None
                if key == "rate" and ex.layout == "template" and isinstance(v, int | float):
                    # the template's 执行率 cell is percent-formatted: its number is a fraction
                    rec["rate_reported"], rec["rate_note"] = float(v) * 100.0, None
                elif key == "rate":
                    rec["rate_reported"], rec["rate_note"] = as_rate(v)
                else:
                    rec[key + ("_reported" if key == "score" else "")], _ = (
                        as_number(v) if not is_na(v) else (None, None)
                    )
            rec["note"] = explanation
            rec["note_cell"] = explanation_cell
            ex.exec.append(rec)


def _fund_record(
    ex: Extract,
    g: Grid,
    r: int,
    c: int,
    measure: str,
    source: str,
    label: str | None,
    explanation: str | None = None,
    explanation_cell: str | None = None,
) -> dict[str, Any]:
    v = g.value(r, c)
    money = parse.parse_money(v, ex.money_unit) if v is not None else None
    return {
        "measure": measure,
        "source": source,
        "source_label": as_text(label),
        "amount_wan": money.value_wan if money else None,
        "raw": raw_text(v),
        "unit": money.unit if money else ex.money_unit,
        "unit_source": money.unit_source if money else "label",
        "note": money.note if money else None,
        "na": is_na(v),
        "sheet": g.name,
        "cell": g.ref(r, c),
        "explanation": explanation,  # the row's 说明 text, as the unit wrote it
        "explanation_cell": explanation_cell,
    }


@dataclass
class MeasureRows:
    """A funds table printed with one row per measure and the sources across."""

    grid: Grid
    label_col: int
    rows: dict[str, int]  # measure key -> row
    sources: dict[str, int]  # source key -> column
    labels: dict[str, str] = field(default_factory=dict)  # measure key -> its row label as printed
    source_labels: dict[str, str] = field(default_factory=dict)  # source key -> its header text


def find_measure_rows(
    grid: Grid,
    columns: Sequence[Column],
    measures: tuple[str, ...],
    sources: tuple[tuple[str, tuple[str, ...]], ...],
    header_depth: int = 3,
) -> MeasureRows | None:
    """The transposed layout: at least two measure labels stacked in one column within a few
    rows, and above them, in the columns to their right, header cells naming fund sources."""
    known = column_keys(columns)
    stacked: dict[int, dict[str, int]] = {}
    for (r, c), text in grid.labels().items():
        for key in known.get(label_key(text), ()):
            if key in measures:
                stacked.setdefault(c, {}).setdefault(key, r)
    for c, rows in sorted(stacked.items()):
        if len(rows) < 2 or max(rows.values()) - min(rows.values()) > len(measures) + 1:
            continue
        top = min(rows.values())
        cols: dict[str, int] = {}
        printed: dict[str, str] = {}
        for j in range(c + 1, grid.ncols):
            for r in range(top - 1, max(top - 1 - header_depth, -1), -1):
                text = as_text(grid.value(r, j))
                source = source_of(text, sources)
                if source is not None:
                    if source not in cols:
                        cols[source], printed[source] = j, text or source
                    break
        if "total" in cols or len(cols) >= 2:
            labels = {m: str(grid.value(r, c)) for m, r in rows.items()}
            return MeasureRows(grid, c, rows, cols, labels, printed)
    return None


def read_funds_across(ex: Extract, spot: MeasureRows) -> None:
    """The records `read_funds` gives, from a table printed with the measures as rows; the
    mapping is reported as read by row, so the officer sees the table was read turned."""
    g = spot.grid
    for m, r in spot.rows.items():
        for source, c in spot.sources.items():
            ex.funds.append(_fund_record(ex, g, r, c, m, source, spot.source_labels[source]))
        ex.headers.append(
            {
                "table": "funds",
                "column": m,
                "header": spot.labels.get(m),
                "sheet": g.name,
                "cell": g.ref(r, spot.label_col),
                "how": "row",
            }
        )
