"""The summary's own sheet XML (report/summary/sheet_xml.py) is byte for byte XlsxWriter's.

TableSheet replaces XlsxWriter's inner loops with its own and relies on XlsxWriter's private
attributes; these tests write the same cells both ways, in both of XlsxWriter's modes, and compare
the XML parts, so an XlsxWriter release that changes either path fails here first."""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from perfxl.report.summary import book as book_module
from perfxl.report.summary.book import Book, Col, Table
from perfxl.report.summary.sheet_xml import TableSheet
from perfxl.report.summary.values import Link, Mark


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {
            n: zf.read(n)
            for n in zf.namelist()
            if n.startswith(("xl/worksheets/", "xl/sharedStrings", "xl/styles"))
        }


def _fill(ws: Worksheet, wb: xlsxwriter.Workbook) -> None:
    """Every kind of cell and row XlsxWriter writes, through its public methods."""
    bold = wb.add_format({"bold": True})
    money = wb.add_format({"num_format": "#,##0.00"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.set_column(3, 3, 12, money)
    ws.write_string(0, 0, "标题", bold)
    ws.write_string(0, 2, "  leading and trailing  ")
    ws.write_number(1, 0, 1234.5678901234567, money)
    ws.write_number(1, 1, -0.0001)
    ws.write_number(1, 3, 7)  # takes the column's format
    ws.write_datetime(2, 0, dt.datetime(2024, 3, 1, 12, 30), date)
    ws.write_url(2, 1, "external:../a b/c.xlsx#'表'!A1", None, "打开", "提示")
    ws.write_formula(3, 0, "=SUM(A2:B2)", None, 1234.5)
    ws.write_boolean(3, 1, True)
    ws.write_blank(3, 2, None, bold)
    ws.write_string(4, 0, '_x0041_ & <tag> "quoted"\nline')
    ws.write_rich_string(4, 1, "plain ", bold, "bold")
    ws.set_row(5, 30, bold, {"level": 2})
    ws.write_string(5, 4, "row format")
    ws.write_string(5, 1, "written out of order")
    ws.set_row(6, None, None, {"level": 1, "hidden": True})  # no cells: an empty row
    for r in range(7, 60):  # several span blocks, one of them starting past column A
        ws.write_string(r, 1 + (r // 16), f"行 {r}")
        if r % 3 == 0:
            ws.write_number(r, 8, r / 7)
    ws.write_comment(61, 2, "a comment")


@pytest.mark.parametrize("constant_memory", [False, True])
def test_cells_written_through_xlsxwriter_give_its_xml(tmp_path, constant_memory) -> None:
    out = {}
    for kind, cls in (("xlsxwriter", Worksheet), ("perfxl", TableSheet)):
        path = tmp_path / f"{kind}.xlsx"
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
        _fill(wb.add_worksheet("表", worksheet_class=cls), wb)
        wb.close()
        out[kind] = _parts(path)
    assert out["perfxl"] == out["xlsxwriter"]


# ---------------------------------------------------------------- tables stored as XML

COLS = [
    Col("文本"),
    Col("换行", wrap=True),
    Col("标记文本", mark=True),
    Col("金额", "money", mark=True),
    Col("比例", "pct"),
    Col("整数", "int"),
    Col("数", "num"),
    Col("任意", "any", wrap=True),
    Col("链接", "link"),
    Col("日期", "date"),
    Col("时间", "datetime"),
]


def _rows() -> list[list[Any]]:
    long = "长" * 20_000 + "𠀀" * 7_000  # past 32,767 UTF-16 units: XlsxWriter truncates it
    odd = [
        ["a\x07b", "\ud800x", Mark("差异"), Mark(12.5), 0.25, 3, np.float64(2.5)],
        ["", "两行\n文本" * 30, "普通", 1e-12, math.nan, math.inf, "不是数"],
        [None, None, None, None, None, None, None],
        [pd_na(), 5, Mark(None), Mark("x"), -1, True, long],
    ]
    rows = []
    for k in range(70):
        base = (
            odd[k % len(odd)]
            if k % 5 == 0
            else [f"单位{k}", f"说明 {k}", f"项{k % 7}"]
            + [
                k * 1.5,
                k / 100,
                k,
                k / 3,
            ]
        )
        tail = [
            [1, 2.5, "三"] if k % 4 == 0 else True if k % 4 == 1 else {"k": k} if k % 4 == 2 else k,
            Link(f"打开 {k}", f"external:f{k}.xlsx" if k % 3 else None, "提示")
            if k % 6
            else "纯文本",
            dt.date(2024, 1, 1 + k % 28) if k % 2 else "2024-02-30",
            dt.datetime(2024, 5, 1, k % 24, tzinfo=dt.UTC) if k % 3 else None,
        ]
        rows.append(list(base) + tail)
    return rows


def pd_na() -> Any:
    import pandas as pd

    return pd.NA


def _table(rows: list[list[Any]], group: Callable[[Any], int] | None) -> Table:
    return Table(
        "表",
        COLS,
        lambda: iter(rows),
        len(rows),
        rows[:10],
        group=group,
    )


class _XlsxWriterSheet(Worksheet):
    """The reference: every cell goes through XlsxWriter's writers and stays in its table."""

    string_indices: dict[str, str]

    def take_cell(self, row: int, col: int, number: str) -> None:
        return None


def _write(path: Path, table: Table, row_limit: int, constant_memory: bool) -> None:
    book = Book(path, row_limit, constant_memory=constant_memory, big=False)
    book.table(table)
    book.wb.close()


@pytest.mark.parametrize("constant_memory", [False, True])
@pytest.mark.parametrize("grouped", [False, True])
def test_tables_stored_as_xml_are_what_xlsxwriter_writes(
    tmp_path, monkeypatch, constant_memory, grouped
) -> None:
    rows = _rows()
    group = (
        (lambda row: 0 if str(row[0]).endswith("0") else 1 + len(str(row[0])) % 2)
        if grouped
        else None
    )
    _write(tmp_path / "perfxl.xlsx", _table(rows, group), 40, constant_memory)
    with monkeypatch.context() as m:
        m.setattr(book_module, "TableSheet", _XlsxWriterSheet)
        m.setattr(Book, "cell_maker", lambda *args, **kwargs: None)
        _write(tmp_path / "xlsxwriter.xlsx", _table(rows, group), 40, constant_memory)
    mine, theirs = _parts(tmp_path / "perfxl.xlsx"), _parts(tmp_path / "xlsxwriter.xlsx")
    assert set(mine) == set(theirs)
    assert len([n for n in mine if n.endswith(".xml") and "sheet" in n]) >= 2  # spilled
    for name in theirs:
        assert mine[name] == theirs[name], name
