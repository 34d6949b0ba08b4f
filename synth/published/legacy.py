"""The Hainan 财政支出项目绩效评价 form (20/25/55 评分表) as printed: basic block, funds, scoring."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from synth.published.common import fit, header_rows, notes, rows_after, title_rows
from synth.published.layout import pairs
from synth.published.sheet import Sheet, value_style


def _basic(sheet: Sheet, info: Mapping[str, Any], r: int, last: int) -> int:
    """Label/value pairs two to a row, in the order printed; an odd last one takes the row."""
    mid = (last + 1) // 2
    scalars = [(k, v) for k, v in info.items() if not isinstance(v, Mapping)]
    for i in range(0, len(scalars), 2):
        row = scalars[i : i + 2]
        if len(row) == 1:
            sheet.box(r, 0, 0, row[0][0], "label")
            sheet.box(r, 1, last, row[0][1], "text")
        else:
            for k, (label, value) in enumerate(row):
                c = 0 if k == 0 else mid
                sheet.box(r, c, c, label, "label")
                sheet.box(r, c + 1, mid - 1 if k == 0 else last, value, "text")
        r += 1
    return r


def _funds(sheet: Sheet, info: Mapping[str, Any], lay: Mapping[str, Any], r: int, last: int):
    """计划投资额 / 实际到位资金 / 实际使用情况 with 合计 and its 其中：sources."""
    measures = [(k, v) for k, v in info.items() if isinstance(v, Mapping)]
    if not measures:
        return r
    sources: list[str] = []
    for _, v in measures:
        sources += [s for s in v if s not in sources]
    c0 = 0
    side = lay["funds_side_label"]
    if lay["funds_orientation"] == "sources_as_rows":
        n = len(sources) + 1
        if side:
            sheet.merge(r, 0, r + n - 1, 0, side, "label")
            c0 = 1
        sheet.put(r, c0, "资金来源", "label")
        for k, (label, _) in enumerate(measures):
            c = c0 + 1 + k
            sheet.box(r, c, last if k == len(measures) - 1 else c, label, "label")
        for i, s in enumerate(sources, start=1):
            shown = s if i == 1 or i > 2 else f"其中：{s}"
            sheet.put(r + i, c0, shown, "text")
            for k, (_, v) in enumerate(measures):
                c = c0 + 1 + k
                sheet.box(r + i, c, last if k == len(measures) - 1 else c, v.get(s), "num")
        return r + n
    n = len(measures) + 2
    if side:
        sheet.merge(r, 0, r + n - 1, 0, side, "label")
        c0 = 1
    sheet.merge(r, c0, r + 1, c0, None, "label")
    total, subs = sources[0], sources[1:]
    sheet.merge(r, c0 + 1, r + 1, c0 + 1, total, "label")
    if subs:
        sheet.box(r, c0 + 2, last, "其中：", "label")
        for k, s in enumerate(subs):
            c = c0 + 2 + k
            sheet.box(r + 1, c, last if k == len(subs) - 1 else c, s, "label")
    for i, (label, v) in enumerate(measures, start=2):
        sheet.put(r + i, c0, label, "text")
        for k, s in enumerate(sources):
            c = c0 + 1 + k
            sheet.box(
                r + i, c, last if k == len(sources) - 1 else c, v.get(s), value_style(v.get(s))
            )
    return r + n


def _scoring(sheet: Sheet, form: Mapping[str, Any], lay: Mapping[str, Any], r: int, last: int):
    head = pairs(lay["scoring_header"])
    cols = {key: k for k, (_, key) in enumerate(head)}
    if lay["scoring_heading"]:
        sheet.box(r, 0, last, lay["scoring_heading"], "heading")
        r += 1
    for k, (printed, _) in enumerate(head):
        sheet.box(r, k, last if k == len(head) - 1 else k, printed, "label")
    r += 1
    rows = form.get("scoring_table") or []
    merged = {"一级", "一级分值", "二级", "二级分值"}
    for i, row in enumerate(rows):
        for key, c in cols.items():
            if key in merged:
                continue
            v = row.get(key)
            sheet.box(r + i, c, last if c == len(head) - 1 else c, v, value_style(v))
    for keys, ident in (
        (("一级", "一级分值"), lambda x: x.get("一级")),
        (("二级", "二级分值"), lambda x: (x.get("一级"), x.get("二级"))),
    ):
        start = 0
        for k in range(1, len(rows) + 1):
            if k == len(rows) or ident(rows[k]) != ident(rows[start]):
                for key in keys:
                    if key in cols:
                        v = rows[start].get(key)
                        sheet.merge(r + start, cols[key], r + k - 1, cols[key], v, value_style(v))
                start = k
    r += len(rows)
    at_w = cols.get("三级分值", last - 1)
    if lay["total_row"] is not False:
        sheet.box(r, 0, at_w - 1, lay["total_row"].get("label", "总分"), "label")
        w = (form.get("other_fields") or {}).get("总分_分值")
        sheet.put(r, at_w, w, value_style(w))
        at = cols.get("得分", at_w + 1)
        total = form.get("total_score_reported")
        sheet.box(r, at, last, total, value_style(total))
        r += 1
    if lay["grade_row"] is not False:
        sheet.box(r, 0, at_w - 1, lay["grade_row"].get("label", "评价等级"), "label")
        sheet.box(r, at_w, last, form.get("grade_reported"), "center")
        r += 1
    return r


def render_legacy(form: Mapping[str, Any], lay: Mapping[str, Any]) -> Sheet:
    sheet = Sheet(lay["sheet_name"])
    last = max(lay["width"], len(pairs(lay["scoring_header"])), 7) - 1
    r = title_rows(sheet, lay, last)
    r = header_rows(sheet, form, lay, r, last)
    info = (form.get("other_fields") or {}).get(lay["basic_info_key"]) or {}
    if info:
        sheet.box(r, 0, last, lay["basic_info_key"], "heading")
        r += 1
        r = _basic(sheet, info, r, last)
        r = _funds(sheet, info, lay, r, last)
    r = _scoring(sheet, form, lay, r, last)
    r = rows_after(sheet, form, lay, r, last)
    notes(sheet, lay, r, last)
    fit(sheet, last)
    return sheet
