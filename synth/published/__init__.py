"""Workbooks laid out the way units publish their 项目支出绩效自评表, written "as printed".

A form description is a JSON object in the shape of the transcribed real forms
(/work/shared/real/*.json): `project_name`, `unit`, `department`, `fiscal_year`, `funds` (rows keyed
by column meaning, plus `row_label`), `overall_goal`, `indicators` (rows keyed 一级指标, 二级指标,
三级指标, 年度指标值, …), `scoring_table` (legacy forms), `total_score_reported`, `grade_reported`,
`other_fields`, and a `layout` (synth/published/layout.py) saying how the form is printed: the header
words and which key each column holds, the labels, the knobs of the shape. Values are written as
given: numbers as numbers, "100%" as text, inconsistencies kept. A row may carry `kind`:
"breakdown" (a 其中：… row), which prints like any row and is not an indicator of its own.

    from synth.published import build_published, load_form
    build_published(load_form("tests/fixtures/published/real_07_yunnan_yongde.json"), out)
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from synth.published.common import cover_sheet
from synth.published.knobs import KNOBS, knobs_present
from synth.published.layout import resolve
from synth.published.legacy import render_legacy
from synth.published.national import render_national
from synth.published.sheet import write_xlsx


def load_form(path: str | os.PathLike[str]) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def build_published(form: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the printed form `form` describes to the .xlsx at `path`."""
    lay = resolve(form)
    if lay["style"] == "legacy_scoring":
        sheets = [render_legacy(form, lay)]
    elif lay["style"] == "national2020":
        sheets = [render_national(form, lay)]
    else:
        raise ValueError(f"unknown layout style {lay['style']!r}")
    if lay["cover"]:
        cover = cover_sheet(lay["cover"])
        at = 0 if lay["cover"].get("position") == "first" else len(sheets)
        sheets.insert(at, cover)
    return write_xlsx(sheets, path)


__all__ = ["KNOBS", "build_published", "knobs_present", "load_form", "resolve"]
