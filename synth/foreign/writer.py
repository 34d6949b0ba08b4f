"""Write planned grids to .xlsx (xlsxwriter) or legacy .xls (xlwt), atomically."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from synth.foreign.catalogue import render
from synth.foreign.grid import STYLE_PROPS, Formula, Grid, covered


def _write_xlsx(grids: Sequence[Grid], path: str) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        path, {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    # a unit's own file: plain properties, a fixed date so regenerated samples stay byte-stable
    wb.set_properties({"author": "", "created": dt.datetime(2025, 1, 1)})
    formats = {
        k: wb.add_format({"font_name": "宋体", "font_size": 10, **v})
        for k, v in STYLE_PROPS.items()
    }
    for grid in grids:
        ws = wb.add_worksheet(grid.name)
        for c, w in grid.widths.items():
            ws.set_column(c, c, w)
        for r in sorted(set(grid.heights) | grid.hidden_rows):
            ws.set_row(r, grid.heights.get(r), None, {"hidden": r in grid.hidden_rows})
        skip = covered(grid)
        for r1, c1, r2, c2 in grid.merges:
            _, fmt = grid.cells[(r1, c1)]
            ws.merge_range(r1, c1, r2, c2, None, formats[fmt])
        for (r, c), (value, fmt) in sorted(grid.cells.items()):
            if (r, c) in skip:
                continue
            f = formats[fmt]
            if isinstance(value, Formula):
                ws.write_formula(r, c, value.text, f, "" if value.cached is None else value.cached)
            elif value is None:
                ws.write_blank(r, c, None, f)
            elif isinstance(value, bool):
                ws.write_string(r, c, "是" if value else "否", f)
            elif isinstance(value, int | float):
                ws.write_number(r, c, value, f)
            elif isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), f)
            else:
                ws.write_string(r, c, str(value), f)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
    wb.close()


def _xlwt_style(props: Mapping[str, Any]) -> str:
    font = ["name SimSun", f"height {int(props.get('font_size', 10) * 20)}"]
    if props.get("bold"):
        font.append("bold on")
    align = [f"vert {'top' if props.get('valign') == 'top' else 'center'}"]
    if props.get("align") in ("center", "right"):
        align.append(f"horiz {props['align']}")
    if props.get("text_wrap"):
        align.append("wrap on")
    parts = ["font: " + ", ".join(font), "align: " + ", ".join(align)]
    if props.get("border"):
        parts.append("borders: left thin, right thin, top thin, bottom thin")
    return "; ".join(parts)


def _write_xls(grids: Sequence[Grid], path: str) -> None:
    # xlwt is optional (legacy .xls only); imported here so the rest works without it
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    styles = {}
    for k, v in STYLE_PROPS.items():
        num = v.get("num_format", "General")
        styles[k] = xlwt.easyxf(_xlwt_style(v), num_format_str=num)
    for grid in grids:
        ws = wb.add_sheet(grid.name[:31], cell_overwrite_ok=True)
        ws.portrait = False
        for c, w in grid.widths.items():
            ws.col(c).width = int(256 * w)
        for r in grid.hidden_rows:
            ws.row(r).hidden = True
        skip = covered(grid)
        merged = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in grid.merges}
        for (r, c), (value, fmt) in sorted(grid.cells.items()):
            if (r, c) in skip:
                continue
            if isinstance(value, Formula):
                value = value.cached
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                value = dt.datetime(value.year, value.month, value.day)
            if value is None:
                value = ""
            if (r, c) in merged:
                r2, c2 = merged[(r, c)]
                ws.write_merge(r, r2, c, c2, value, styles[fmt])
            else:
                ws.write(r, c, value, styles[fmt])
    wb.save(path)


def build_foreign_workbook(sample: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write `sample` (a national2020 sample) in the layout named by `sample["foreign"]["style"]`.

    The workbook carries no perfxl metadata: no `_meta` sheet, no `px_` names, as a unit's own
    Excel would not. Options in `sample["foreign"]`: `style`, `sheet_name`, `money_unit` ("元"
    prints amounts ×10000), `year_in_title`, `missing_level1_words` (true, or a list of 一级).
    """
    grids = render(sample)
    path = Path(path)
    legacy = sample.get("foreign", {}).get("style") == "xls"
    suffix = ".xls" if legacy else ".xlsx"
    fd, tmp = tempfile.mkstemp(prefix=".perfxl-", suffix=suffix, dir=path.parent or ".")
    os.close(fd)
    try:
        (_write_xls if legacy else _write_xlsx)(grids, tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
