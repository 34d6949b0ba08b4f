"""Grade and conclusion rules (G): the reported 评价等次 against the recomputed total."""

from __future__ import annotations

import pandas as pd

from perfxl.checks.engine import Ctx, field_cell, hits, rule


@rule(
    "G01",
    "error",
    "submission",
    "评价等次与总分不符",
    "grade does not match the total",
    "填报的评价等次为“{observed}”，按复核总分 {total} 应为“{expected}”。",
    "The reported grade is {observed}; the recomputed total {total} gives {expected}.",
    thresholds=("grades.excellent", "grades.good", "grades.fair"),
)
def g01_grade(ctx: Ctx) -> pd.DataFrame:
    p = ctx.projects
    res = ctx.results.reindex(p["sub"])
    calc = res["grade_calc"].to_numpy()
    reported = p["grade_reported"].to_numpy()
    bad = pd.notna(calc) & pd.notna(reported) & (calc != reported)
    rows = p[bad]
    sheet, cell = field_cell(rows, "grade_reported")
    return hits(
        rows,
        sheet=sheet,
        cell=cell,
        observed=rows["grade_reported"],
        expected=res["grade_calc"].to_numpy()[bad],
        total=res["total_calc"].round(2).to_numpy()[bad],
    )
