"""The national 附件1 form as units print it: header rows, funds, annual goal, indicators, 总分."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from synth.published.common import fit, header_rows, notes, rows_after, title_rows
from synth.published.layout import LEVEL1, LEVEL2, LEVEL3, pairs
from synth.published.sheet import Sheet, value_style


def table_width(form: Mapping[str, Any], lay: Mapping[str, Any]) -> int:
    funds = (1 if lay["funds_side_label"] else 0) + 1 + len(pairs(lay["funds_header"]))
    inds = (1 if lay["indicator_side_label"] else 0) + len(pairs(lay["indicator_header"]))
    return max(lay["width"], funds if form.get("funds") else 0, inds, 8)


def funds_block(sheet: Sheet, form: Mapping[str, Any], lay: Mapping[str, Any], r: int, last: int):
    rows = form.get("funds") or []
    if not rows:
        return r
    head = pairs(lay["funds_header"])
    c0 = 0
    if lay["funds_side_label"]:
        sheet.merge(r, 0, r + len(rows), 0, lay["funds_side_label"], "label")
        c0 = 1
    lc = last - len(head)  # the row labels span c0..lc
    sheet.box(r, c0, lc, lay["funds_corner"], "label")
    for k, (printed, _) in enumerate(head):
        sheet.put(r, lc + 1 + k, printed, "label")
    for i, row in enumerate(rows, start=1):
        sheet.box(r + i, c0, lc, row.get("row_label"), "label" if i == 1 else "text")
        for k, (_, key) in enumerate(head):
            v = row.get(key)
            sheet.put(r + i, lc + 1 + k, v, value_style(v))
    return r + len(rows) + 1


def goal_block(sheet: Sheet, form: Mapping[str, Any], lay: Mapping[str, Any], r: int, last: int):
    """年度总体目标, then 预期目标 | 实际完成情况 as two wide merged cells over their texts."""
    goal = lay["goal"]
    if not goal:
        return r
    texts = form.get("overall_goal") or {}
    head = pairs(goal.get("header"))
    if not head:
        sheet.box(r, 0, 0, goal.get("label", "年度总体目标"), "label")
        first = next(iter(texts.values()), None)
        sheet.box(r, 1, last, first, "text")
        return r + 1
    sheet.merge(r, 0, r + 1, 0, goal.get("label", "年度总体目标"), "label")
    seg = last // len(head)
    for k, (printed, key) in enumerate(head):
        c1 = 1 + k * seg
        c2 = last if k == len(head) - 1 else c1 + seg - 1
        sheet.box(r, c1, c2, printed, "label")
        sheet.box(r + 1, c1, c2, texts.get(key), "text")
    sheet.heights[r + 1] = 45
    return r + 2


def _group_key(row: Mapping[str, Any]) -> tuple[Any, Any]:
    return row.get(LEVEL1), row.get(LEVEL2)


def print_rows(form: Mapping[str, Any], lay: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The indicator rows in print order: the form's own rows, plus the empty template rows
    (`placeholder_rows`) and the blank row inside a 一级 merge the layout asks for."""
    rows = [dict(r) for r in form.get("indicators") or []]
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and _group_key(rows[j]) == _group_key(rows[i]):
            j += 1
        group = rows[i:j]
        out += group
        for text in lay["placeholder_rows"]:
            stem = text.rstrip(":：")
            if not any(str(g.get(LEVEL3) or "").startswith(stem) for g in group):
                l1, l2 = _group_key(group[0])
                out.append({LEVEL1: l1, LEVEL2: l2, LEVEL3: text, "kind": "placeholder"})
        i = j
    blank = lay["blank_row_inside_level1"]
    if blank:
        at = _blank_after(out, blank.get("after") if isinstance(blank, dict) else None)
        out.insert(at + 1, {LEVEL1: out[at].get(LEVEL1), "kind": "blank"})
    return out


def _blank_after(rows: Sequence[Mapping[str, Any]], name: str | None) -> int:
    if name is not None:
        for k, row in enumerate(rows):
            if row.get(LEVEL3) == name:
                if k + 1 >= len(rows) or rows[k + 1].get(LEVEL1) != row.get(LEVEL1):
                    raise ValueError(f"blank row after {name!r} would not be inside its 一级")
                return k
        raise ValueError(f"blank_row_inside_level1: no indicator {name!r}")
    for k in range(1, len(rows) - 1):
        if rows[k - 1].get(LEVEL1) == rows[k].get(LEVEL1) == rows[k + 1].get(LEVEL1):
            return k
    raise ValueError("blank_row_inside_level1: no 一级 block of three rows")


def _runs(rows: Sequence[Mapping[str, Any]], key: str) -> list[tuple[int, int]]:
    """Consecutive rows sharing the cell `key` prints (and, for 二级, the same 一级); a blank
    row has its own 二级 cell, so it ends a 二级 run but not the 一级 one around it."""

    def ident(row: Mapping[str, Any]) -> object:
        if key == LEVEL1:
            return row.get(LEVEL1)
        if row.get("kind") == "blank":
            return object()
        return row.get(LEVEL1), row.get(LEVEL2)

    runs: list[tuple[int, int]] = []
    ids = [ident(r) for r in rows]
    start = 0
    for k in range(1, len(rows) + 1):
        if k == len(rows) or ids[k] != ids[start]:
            runs.append((start, k - 1))
            start = k
    return runs


def _indicator_header(
    sheet: Sheet, lay: Mapping[str, Any], r: int, c0: int, last: int
) -> tuple[int, dict[str, int]]:
    head = pairs(lay["indicator_header"])
    cols = {key: c0 + k for k, (_, key) in enumerate(head)}
    groups = lay["indicator_header_groups"]
    grouped: dict[int, tuple[str, int, int]] = {}
    for printed, first, end in groups:
        for c in range(cols[first], cols[end] + 1):
            grouped[c] = (printed, cols[first], cols[end])
    depth = 2 if groups else 1
    for k, (printed, _) in enumerate(head):
        c = c0 + k
        c2 = last if k == len(head) - 1 else c
        if c in grouped:
            text, g1, g2 = grouped[c]
            if c == g1:
                sheet.box(r, g1, g2, text, "label")
            sheet.box(r + 1, c, c2, printed, "label")
        else:
            sheet.merge(r, c, r + depth - 1, c2, printed, "label")
    return r + depth, cols


def indicator_block(
    sheet: Sheet, form: Mapping[str, Any], lay: Mapping[str, Any], r: int, last: int
) -> tuple[int, dict[str, int]]:
    c0 = 1 if lay["indicator_side_label"] else 0
    top = r
    r, cols = _indicator_header(sheet, lay, r, c0, last)
    rows = print_rows(form, lay)
    last_key = pairs(lay["indicator_header"])[-1][1]
    for i, row in enumerate(rows):
        for key, c in cols.items():
            if key in (LEVEL1, LEVEL2):
                continue
            v = row.get(key)
            style = "text" if key == LEVEL3 else value_style(v)
            sheet.box(r + i, c, last if key == last_key else c, v, style)
    for key in (LEVEL1, LEVEL2):
        if key not in cols:
            continue
        c = cols[key]
        for a, b in _runs(rows, key):
            value = None if rows[a].get("kind") == "blank" and key == LEVEL2 else rows[a].get(key)
            if lay["levels"] == "merged":
                sheet.merge(r + a, c, r + b, c, value, "center")
            else:
                for k in range(a, b + 1):
                    shown = value if lay["levels"] == "every_row" or k == a else None
                    if rows[k].get("kind") == "blank":
                        shown = None
                    sheet.put(r + k, c, shown, "center")
    end = r + len(rows)
    if lay["indicator_side_label"]:
        sheet.merge(top, 0, end - 1, 0, lay["indicator_side_label"], "label")
    return end, cols


def total_rows(
    sheet: Sheet, form: Mapping[str, Any], lay: Mapping[str, Any], r: int, last: int, cols
) -> int:
    """总分 (its 分值 and 得分 under their columns) and 自评等次, when the form prints them."""
    score_cols = [cols[k] for k in ("分值", "得分") if k in cols]
    first = min(score_cols) if score_cols else last - 1
    total = lay["total_row"]
    if total is not False:
        sheet.box(r, 0, first - 1, total.get("label", "总分"), "label")
        other = form.get("other_fields") or {}
        if "分值" in cols:
            v = other.get("总分_分值")
            sheet.put(r, cols["分值"], v, value_style(v))
        at = cols.get("得分", first)
        v = form.get("total_score_reported")
        sheet.put(r, at, v, value_style(v))
        if at < last:
            sheet.box(r, at + 1, last, None, "text")
        r += 1
    grade = lay["grade_row"]
    if grade is not False:
        sheet.box(r, 0, first - 1, grade.get("label", "自评等次"), "label")
        sheet.box(r, first, last, form.get("grade_reported"), "center")
        r += 1
    return r


def render_national(form: Mapping[str, Any], lay: Mapping[str, Any]) -> Sheet:
    sheet = Sheet(lay["sheet_name"])
    last = table_width(form, lay) - 1
    r = title_rows(sheet, lay, last)
    r = header_rows(sheet, form, lay, r, last)
    r = funds_block(sheet, form, lay, r, last)
    r = goal_block(sheet, form, lay, r, last)
    r, cols = indicator_block(sheet, form, lay, r, last)
    r = total_rows(sheet, form, lay, r, last, cols)
    r = rows_after(sheet, form, lay, r, last)
    notes(sheet, lay, r, last)
    fit(sheet, last)
    return sheet
