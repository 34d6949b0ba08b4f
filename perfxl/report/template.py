"""Write a profile's standard template (blank or filled) from the spec with XlsxWriter."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfxl import __version__
from perfxl.spec import (
    LISTS_SHEET,
    META_SHEET,
    Column,
    Const,
    Default,
    Field,
    Formula,
    Profile,
    Sheet,
    Table,
    a1,
    col_index,
    col_letters,
    defined_name,
    get_profile,
    parse_a1,
    table_name,
)
from perfxl.spec.formulas import FormulaError, evaluate

INSTRUCTIONS_SHEET = "填报说明"

# Data for a filled workbook: {"fields": {key: value}, "tables": {key: [row dicts]}}.
# A value given for a formula cell replaces the formula, as when a unit types over it.
FormData = Mapping[str, Any]

_NUM_FORMATS = {
    "money": "#,##0.00",
    "percent": "0.00%",
    "score": "0.##",
    "year": "0",
    "date": "yyyy-mm-dd",
    "number": "General",
}


@dataclass(slots=True)
class _Cell:
    value: object  # plain value, Formula or None
    style: str  # label | input | formula | const | title | note | header
    kind: str = "text"
    merge: str | None = None


class _Plan:
    """Every cell of every sheet, planned before writing so formulas can be evaluated."""

    def __init__(self) -> None:
        self.cells: dict[str, dict[tuple[int, int], _Cell]] = {}

    def put(self, sheet: str, ref: str, cell: _Cell) -> None:
        self.cells.setdefault(sheet, {})[parse_a1(ref)] = cell

    def values(self) -> dict[tuple[str, str], object]:
        return {
            (sheet, a1(r, c)): cell.value
            for sheet, cells in self.cells.items()
            for (r, c), cell in cells.items()
        }


def _formula_text(value: object) -> str | None:
    return value.text if isinstance(value, Formula) else None


def write_template(
    profile_id: str, path: str | os.PathLike[str], data: FormData | None = None
) -> Path:
    """Write the template of `profile_id` to `path` (atomically). With `data`, a filled workbook."""
    import xlsxwriter

    profile = get_profile(profile_id)
    path = Path(path)
    data = data or {}
    plan = _plan(profile, data)
    values = plan.values()

    fd, tmp = tempfile.mkstemp(prefix=".perfxl-", suffix=".xlsx", dir=path.parent or ".")
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(
            tmp,
            {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
        )
        wb.set_properties(
            {
                "title": profile.title,
                "subject": f"perfxl template {profile.id} {profile.version}",
                "author": "perfxl",
                "comments": f"perfxl {__version__}",
                # a fixed date keeps the committed templates byte-stable
                "created": dt.datetime(2024, 1, 1),
            }
        )
        fmt = _Formats(wb)
        _write_instructions(wb, fmt, profile)
        for sheet in profile.sheets:
            _write_sheet(wb, fmt, profile, sheet, plan, values, data)
        _write_lists(wb, fmt, profile)
        _write_meta(wb, profile)
        wb.close()
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


# ---------------------------------------------------------------- plan


def _plan(profile: Profile, data: FormData) -> _Plan:
    plan = _Plan()
    fields_data: Mapping[str, Any] = data.get("fields", {})
    tables_data: Mapping[str, Any] = data.get("tables", {})
    for sheet in profile.sheets:
        for ref, text in sheet.notes:
            top_left, _, _ = ref.partition(":")
            style = (
                "const"
                if not isinstance(text, str)
                else "note"
                if text.startswith("注")
                else "label"
            )
            plan.put(sheet.name, top_left, _Cell(text, style, merge=ref if ":" in ref else None))
        for f in sheet.fields:
            plan.put(sheet.name, f.label_cell, _Cell(f.label, "label", merge=f.label_span))
            if f.key in fields_data:
                value = fields_data[f.key]
                style = "input" if f.formula is None else "override"
            else:
                value = f.formula
                style = "formula" if f.formula is not None else "input"
            plan.put(sheet.name, f.cell, _Cell(value, style, f.kind, f.span))
        for t in sheet.tables:
            _plan_table(plan, sheet, t, tables_data.get(t.key))
    return plan


def _plan_table(plan: _Plan, sheet: Sheet, t: Table, rows: Any) -> None:
    if t.side_label and t.side_col:
        plan.put(
            sheet.name,
            f"{t.side_col}{t.header_row}",
            _Cell(
                t.side_label, "label", merge=f"{t.side_col}{t.header_row}:{t.side_col}{t.last_row}"
            ),
        )
    groups_done: set[str] = set()
    for c in t.columns:
        top = t.header_row
        if t.header_rows == 2 and c.group:
            if c.group not in groups_done:
                members = [x for x in t.columns if x.group == c.group]
                last = members[-1].span_to or members[-1].col
                plan.put(
                    sheet.name,
                    f"{c.col}{top}",
                    _Cell(c.group, "header", merge=f"{c.col}{top}:{last}{top}"),
                )
                groups_done.add(c.group)
            plan.put(
                sheet.name, f"{c.col}{top + 1}", _Cell(c.label, "header", merge=_hspan(c, top + 1))
            )
        else:
            bottom = top + t.header_rows - 1
            end = c.span_to or c.col
            merge = f"{c.col}{top}:{end}{bottom}" if (bottom > top or c.span_to) else None
            plan.put(sheet.name, f"{c.col}{top}", _Cell(c.label, "header", merge=merge))

    given: list[Mapping[str, Any]] = list(rows or [])
    if len(given) > t.n_rows:
        raise ValueError(f"table {t.key}: {len(given)} rows given, the template has {t.n_rows}")
    for i in range(t.n_rows):
        r = t.first_row + i
        preset = t.presets[i] if i < len(t.presets) else {}
        row_data = given[i] if i < len(given) and given[i] is not None else {}
        for c in t.columns:
            p = preset.get(c.key)
            if isinstance(p, Formula):
                p = Formula(p.text.replace("{r}", str(r)))
            if c.key in row_data:
                value = row_data[c.key]
                style = "input" if p is None or isinstance(p, Default) else "override"
            elif isinstance(p, Const):
                value, style = p.value, "const"
            elif isinstance(p, Default):
                value, style = p.value, "input"
            elif isinstance(p, Formula):
                value, style = p, "formula"
            else:
                value, style = None, "input"
            plan.put(sheet.name, f"{c.col}{r}", _Cell(value, style, c.kind, _hspan(c, r)))
    # merged category cells of fixed tables (一级/二级 and their weights): a run of rows merges
    # while this column and every merge column before it keep their values
    for n, key in enumerate(t.merge_down):
        col = t.column(key).col
        group = [tuple(p.get(k) for k in t.merge_down[: n + 1]) for p in t.presets]
        start = 0
        for i in range(1, len(group) + 1):
            if i < len(group) and group[i] == group[start]:
                continue
            if i - 1 > start:
                first, last = t.first_row + start, t.first_row + i - 1
                plan.cells[sheet.name][
                    parse_a1(f"{col}{first}")
                ].merge = f"{col}{first}:{col}{last}"
                for r in range(first + 1, last + 1):
                    del plan.cells[sheet.name][parse_a1(f"{col}{r}")]
            start = i


def _hspan(c: Column, r: int) -> str | None:
    return f"{c.col}{r}:{c.span_to}{r}" if c.span_to else None


# ---------------------------------------------------------------- formats


class _Formats:
    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self._cache: dict[tuple[str, str], Any] = {}
        base = {
            "font_name": "宋体",
            "font_size": 10,
            "valign": "vcenter",
            "text_wrap": True,
            "border": 1,
        }
        self.styles: dict[str, dict[str, Any]] = {
            "title": {
                "font_name": "黑体",
                "font_size": 16,
                "bold": True,
                "align": "center",
                "valign": "vcenter",
            },
            "label": {**base, "bold": True, "bg_color": "#E7E6E6", "align": "center"},
            "header": {**base, "bold": True, "bg_color": "#D9E1F2", "align": "center"},
            "const": {**base, "bg_color": "#E7E6E6", "align": "center"},
            "input": {**base, "locked": False, "bg_color": "#FFFFFF"},
            "override": {**base, "locked": False, "bg_color": "#FFFFFF"},
            "formula": {**base, "bg_color": "#F2F2F2", "align": "center", "font_color": "#1F4E79"},
            "note": {
                "font_name": "宋体",
                "font_size": 9,
                "italic": True,
                "text_wrap": True,
                "valign": "top",
            },
            "text": {"font_name": "宋体", "font_size": 10, "text_wrap": True, "valign": "top"},
            "bold": {"font_name": "宋体", "font_size": 10, "bold": True, "valign": "top"},
        }

    def get(self, style: str, kind: str = "text") -> Any:
        key = (style, kind)
        if key not in self._cache:
            props = dict(self.styles[style])
            num = _NUM_FORMATS.get(kind)
            if num and style in ("input", "override", "formula"):
                props["num_format"] = num
            if style in ("input", "override"):
                if kind in ("money", "percent", "number"):
                    props["align"] = "right"
                elif kind in ("score", "year", "target", "actual", "choice", "date"):
                    props["align"] = "center"
            self._cache[key] = self.wb.add_format(props)
        return self._cache[key]


# ---------------------------------------------------------------- sheets


def _write_value(ws: Any, r: int, c: int, value: object, f: Any) -> None:
    if value is None:
        ws.write_blank(r, c, None, f)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, f)
    elif isinstance(value, int | float):
        ws.write_number(r, c, value, f)
    elif isinstance(value, dt.datetime | dt.date):
        if not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        ws.write_datetime(r, c, value, f)
    else:
        # text from units is always text, never a formula (strings_to_formulas is off as well)
        ws.write_string(r, c, str(value), f)


def _write_sheet(
    wb: Any,
    fmt: _Formats,
    profile: Profile,
    sheet: Sheet,
    plan: _Plan,
    values: dict[tuple[str, str], object],
    data: FormData,
) -> None:
    ws = wb.add_worksheet(sheet.name)
    ws.hide_gridlines(2)
    last = col_index(sheet.last_col)
    ws.set_column(0, last, 12)
    for letter, width in sheet.col_widths.items():
        ws.set_column(col_index(letter), col_index(letter), width)
    for t in sheet.tables:
        for c in t.columns:
            if c.key and not sheet.col_widths.get(c.col):
                ws.set_column(col_index(c.col), col_index(c.col), c.width)

    ws.set_row(0, 30)
    title_fmt = fmt.get("title")
    if sheet.title_span:
        ws.merge_range(sheet.title_span, sheet.title, title_fmt)
    else:
        ws.write_string(0, 0, sheet.title, title_fmt)

    for (r, c), cell in sorted(plan.cells.get(sheet.name, {}).items()):
        f = fmt.get(cell.style, cell.kind)
        value = cell.value
        if isinstance(value, Formula):
            try:
                cached = evaluate(values, sheet.name, value.text, _formula_text)
            except (FormulaError, ZeroDivisionError):
                cached = None
            if isinstance(cached, float) and cached.is_integer() and cell.kind != "percent":
                cached = int(cached)
            if cell.merge:
                ws.merge_range(cell.merge, None, f)
            ws.write_formula(r, c, value.text, f, "" if cached is None else cached)
        elif cell.merge:
            ws.merge_range(cell.merge, None, f)
            _write_value(ws, r, c, value, f)
        else:
            _write_value(ws, r, c, value, f)

    _row_heights(ws, sheet)
    _validations(ws, profile, sheet)
    _define_names(wb, sheet)
    ws.protect(
        "",
        {
            "insert_rows": True,
            "delete_rows": True,
            "format_rows": True,
            "format_columns": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )
    ws.set_paper(9)  # A4
    if sheet.landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    for t in sheet.tables:
        ws.repeat_rows(t.header_row - 1, t.header_row + t.header_rows - 2)
        break
    freeze = next((t for t in sheet.tables if t.n_rows > 10 and not t.presets), None)
    if freeze is not None and sheet.key != "self_eval":
        ws.freeze_panes(freeze.first_row - 1, 0)


def _row_heights(ws: Any, sheet: Sheet) -> None:
    for f in sheet.fields:
        r, _ = parse_a1(f.cell)
        ws.set_row(r, 60 if f.kind == "textarea" else 22)
    for t in sheet.tables:
        for i in range(t.header_rows):
            ws.set_row(t.header_row - 1 + i, 30)
        if any(c.kind == "textarea" and c.width >= 60 for c in t.columns):
            for r in range(t.first_row - 1, t.last_row):
                ws.set_row(r, 90)
        else:
            for r in range(t.first_row - 1, t.last_row):
                ws.set_row(r, 24)


def _validation_for(
    kind: str, choices: str | None, label: str, help_text: str
) -> dict[str, Any] | None:
    title = label[:32]
    message = help_text[:255]
    if kind == "choice" and choices:
        v: dict[str, Any] = {
            "validate": "list",
            "source": "=" + defined_name("list_" + choices),
            "error_title": "请从下拉列表中选择",
            "error_message": f"“{label}”只能从下拉列表中选择。"[:255],
        }
    elif kind == "money":
        v = {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_title": "金额格式不正确",
            "error_message": "请填写以万元为单位的数字（不带单位、不带逗号），如 589.5。",
        }
        message = message or "单位：万元，保留两位小数。"
    elif kind == "score":
        v = {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": 100,
            "error_title": "分数格式不正确",
            "error_message": "请填写 0 到 100 之间的数字。",
        }
        message = message or "填写 0–100 之间的数字，不得超过该项分值。"
    elif kind == "year":
        v = {
            "validate": "integer",
            "criteria": "between",
            "minimum": 2000,
            "maximum": 2100,
            "error_title": "年度格式不正确",
            "error_message": "请填写四位数年度，如 2024。",
        }
    elif kind == "date":
        v = {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(2000, 1, 1),
            "maximum": dt.date(2100, 12, 31),
            "error_title": "日期格式不正确",
            "error_message": "请填写日期，如 2025-03-15。",
            "error_type": "warning",
        }
    elif help_text:
        v = {"validate": "any"}
    else:
        return None
    if message:
        v["input_title"] = title
        v["input_message"] = message
    return v


def _validations(ws: Any, profile: Profile, sheet: Sheet) -> None:
    for f in sheet.fields:
        if f.formula is not None:
            continue
        v = _validation_for(f.kind, f.choices, f.label, f.help)
        if v:
            ws.data_validation(f.cell, v)
    for t in sheet.tables:
        for c in t.columns:
            # a column whose every row is printed or computed takes no validation
            if t.presets and all(isinstance(p.get(c.key), Const | Formula) for p in t.presets):
                continue
            v = _validation_for(c.kind, c.choices, c.label, c.help)
            if v:
                ws.data_validation(f"{c.col}{t.first_row}:{c.col}{t.last_row}", v)


def _quoted(sheet_name: str) -> str:
    return "'" + sheet_name.replace("'", "''") + "'"


def _abs(ref: str) -> str:
    r, c = parse_a1(ref)
    return f"${col_letters(c)}${r + 1}"


def _define_names(wb: Any, sheet: Sheet) -> None:
    q = _quoted(sheet.name)
    for f in sheet.fields:
        wb.define_name(defined_name(f.key), f"={q}!{_abs(f.cell)}")
    for t in sheet.tables:
        top_left = _abs(f"{t.first_col}{t.header_row}")
        bottom_right = _abs(f"{t.last_col}{t.last_row}")
        wb.define_name(table_name(t.key), f"={q}!{top_left}:{bottom_right}")


def _write_instructions(wb: Any, fmt: _Formats, profile: Profile) -> None:
    ws = wb.add_worksheet(INSTRUCTIONS_SHEET)
    ws.hide_gridlines(2)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 20)
    ws.set_column(2, 2, 70)
    ws.set_column(3, 3, 8)
    ws.merge_range("A1:D1", f"{profile.title} 填报说明", fmt.get("title"))
    ws.set_row(0, 30)
    r = 2
    for i, line in enumerate(profile.instructions, 1):
        ws.merge_range(r, 0, r, 3, f"{i}. {line}", fmt.get("text"))
        ws.set_row(r, 32)
        r += 1
    r += 1
    for c, head in enumerate(("工作表", "填报项目", "填写要求", "必填")):
        ws.write_string(r, c, head, fmt.get("header"))
    r += 1
    for sheet in profile.sheets:
        for f in sheet.fields:
            if f.formula is not None:
                continue
            _instruction_row(
                ws,
                fmt,
                r,
                sheet.name,
                f.label,
                f.help or _kind_help(f.kind, f.choices, profile),
                f.required,
            )
            r += 1
        for t in sheet.tables:
            for c in t.columns:
                if t.presets and all(isinstance(p.get(c.key), Const | Formula) for p in t.presets):
                    continue
                label = f"{t.title}：{c.group + '·' if c.group else ''}{c.label}"
                _instruction_row(
                    ws,
                    fmt,
                    r,
                    sheet.name,
                    label,
                    c.help or _kind_help(c.kind, c.choices, profile),
                    c.required,
                )
                r += 1
    r += 1
    ws.merge_range(
        r,
        0,
        r,
        3,
        f"模板标识：{profile.id}，版本 {profile.version}（perfxl {__version__} 生成）。请勿修改隐藏工作表。",
        fmt.get("note"),
    )
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.protect("", {"format_columns": True, "format_rows": True})
    ws.activate()


def _instruction_row(
    ws: Any, fmt: _Formats, r: int, sheet: str, label: str, text: str, required: bool
) -> None:
    f = fmt.get("text")
    ws.write_string(r, 0, sheet, f)
    ws.write_string(r, 1, label, f)
    ws.write_string(r, 2, text, f)
    ws.write_string(r, 3, "是" if required else "", f)


def _kind_help(kind: str, choices: str | None, profile: Profile) -> str:
    if kind == "choice" and choices:
        return "从下拉列表选择：" + "、".join(profile.lists[choices])
    return {
        "money": "数字，单位万元，保留两位小数。",
        "score": "0–100 的数字，不得超过分值。",
        "year": "四位数年度。",
        "date": "日期，如 2025-03-15。",
        "phone": "含区号的电话号码。",
        "target": "数值或区间，可带比较符号，如 ≥95%、47-51。",
        "actual": "实际完成的数值或定性结论。",
        "textarea": "文字说明。",
    }.get(kind, "文字。")


def _write_lists(wb: Any, fmt: _Formats, profile: Profile) -> None:
    ws = wb.add_worksheet(LISTS_SHEET)
    for c, (key, items) in enumerate(profile.lists.items()):
        ws.write_string(0, c, key)
        for r, item in enumerate(items, 1):
            ws.write_string(r, c, item)
        col = col_letters(c)
        wb.define_name(
            defined_name("list_" + key), f"={_quoted(LISTS_SHEET)}!${col}$2:${col}${len(items) + 1}"
        )
    ws.hide()
    ws.protect()


def _write_meta(wb: Any, profile: Profile) -> None:
    ws = wb.add_worksheet(META_SHEET)
    rows = (
        ("template_id", profile.id),
        ("template_version", profile.version),
        ("generator", f"perfxl {__version__}"),
        ("note", "perfxl 模板标识，请勿修改"),
    )
    for r, (k, v) in enumerate(rows):
        ws.write_string(r, 0, k)
        ws.write_string(r, 1, v)
    wb.define_name(defined_name("template_id"), f'="{profile.id}"')
    wb.define_name(defined_name("template_version"), f'="{profile.version}"')
    ws.hide()
    ws.protect()


def field_ref(profile: Profile, key: str) -> tuple[str, str]:
    """(sheet name, A1) of a field's value cell in the template."""
    sheet, f = profile.find_field(key)
    return sheet.name, f.cell


__all__ = ["FormData", "INSTRUCTIONS_SHEET", "field_ref", "write_template", "Field"]
