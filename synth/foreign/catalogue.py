"""The catalogue of layouts: style names, the labels every style prints, each style's renderer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from perfxl.spec import a1
from synth.foreign.columns_moved import style_columns_moved
from synth.foreign.form import Form, resolve_form
from synth.foreign.grid import Grid
from synth.foreign.merged_headers import style_merged_headers
from synth.foreign.spread_rows import style_spread_rows
from synth.foreign.standard import style_anhui, style_title_rows
from synth.foreign.yunnan import style_yunnan

STYLES = ("anhui", "yunnan", "columns_moved", "title_rows", "merged_headers", "spread_rows", "xls")

# Labels every style must print somewhere; the tests look for them in the written workbook.
KEY_LABELS = ("年度资金总额", "全年预算数", "年度指标值", "指标值", "实际完成值")


RENDERERS: dict[str, Callable[[Form, Mapping[str, Any]], list[Grid]]] = {
    "anhui": style_anhui,
    "yunnan": style_yunnan,
    "columns_moved": style_columns_moved,
    "title_rows": style_title_rows,
    "merged_headers": style_merged_headers,
    "spread_rows": style_spread_rows,
    "xls": style_anhui,
}


def render(sample: Mapping[str, Any]) -> list[Grid]:
    opts: Mapping[str, Any] = sample.get("foreign", {})
    style = opts.get("style")
    if style not in RENDERERS:
        raise ValueError(f"unknown foreign style {style!r}; known: {', '.join(STYLES)}")
    return RENDERERS[style](resolve_form(sample), opts)


def key_label_cells(sample: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Where the style prints each of KEY_LABELS: label -> (sheet name, A1 of the label cell)."""
    out: dict[str, tuple[str, str]] = {}
    for grid in render(sample):
        for (r, c), (value, _) in sorted(grid.cells.items()):
            if not isinstance(value, str):
                continue
            text = value.strip().rstrip(":：")
            if text in KEY_LABELS and text not in out:
                out[text] = (grid.name, a1(r, c))
    return out
