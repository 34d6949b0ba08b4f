"""The project table: one row per submission with its recomputed figures and status."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from perfxl.checks.outcome import Report

STATUS_OK, STATUS_FIX, STATUS_UNREADABLE, STATUS_SUPERSEDED = (
    "通过",
    "需修改",
    "无法读取",
    "已被替代",
)
# the statuses of projects that count in roll-ups, totals and the roster comparison
ACTIVE_STATUSES = (STATUS_OK, STATUS_FIX)


STATUS_EN = {
    STATUS_OK: "passed",
    STATUS_FIX: "needs correction",
    STATUS_UNREADABLE: "unreadable",
    STATUS_SUPERSEDED: "superseded",
}


def _num(v: Any, nd: int = 2) -> float | None:
    if v is None:
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    if math.isnan(x):
        return None
    return round(x, nd)


def _str(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return str(v)


def project_rows(report: Report) -> pd.DataFrame:
    """One row per submission with the keys shared by `check --json`, projects.csv and the summary."""
    p = report.frames.projects.set_index("sub")
    r = report.results.reindex(p.index)
    superseded = report.extra.get("superseded", {})
    rows = []
    # plain dicts: iterrows and .loc cost ~0.25 ms a row, seconds at 20,000 projects
    for sub, row, res in zip(p.index, p.to_dict("records"), r.to_dict("records"), strict=True):
        blocked = bool(row.get("blocked"))
        errors = int(res.get("errors", 0) or 0)
        if sub in superseded:
            status = STATUS_SUPERSEDED
        elif blocked and row.get("profile") is None or blocked:
            status = STATUS_UNREADABLE
        else:
            status = STATUS_FIX if errors else STATUS_OK
        rows.append(
            {
                "sub": sub,
                "file": row.get("file"),
                "profile": _str(row.get("profile")),
                "layout": _str(row.get("layout")),
                "fiscal_year": _year(row),
                "project_code": _str(row.get("project_code")),
                "project": _str(row.get("project_name")),
                "unit": _str(row.get("unit")),
                "department": _str(row.get("dept")),
                "budget_wan": _num(res.get("budget_wan"), 6),
                "executed_wan": _num(res.get("executed_wan"), 6),
                "exec_rate": _num(res.get("exec_rate_calc")),
                "exec_rate_reported": _num(res.get("exec_rate_reported")),
                "total_score_reported": _num(res.get("total_reported")),
                "total_score_recomputed": _num(res.get("total_calc")),
                "total_score_na_rescaled": _num(res.get("total_na")),
                "grade_reported": _str(res.get("grade_reported")),
                "grade_recomputed": _str(res.get("grade_calc")),
                "errors": errors,
                "warnings": int(res.get("warnings", 0) or 0),
                "infos": int(res.get("infos", 0) or 0),
                "status": status,
                "status_en": STATUS_EN[status],
                "superseded_by": superseded.get(sub),
                "submit_date": _str(row.get("submit_date")),
                "sha256": row.get("sha256"),
            }
        )
    return pd.DataFrame(rows, columns=PROJECT_ROW_COLUMNS)


PROJECT_ROW_COLUMNS = (
    "sub",
    "file",
    "profile",
    "layout",
    "fiscal_year",
    "project_code",
    "project",
    "unit",
    "department",
    "budget_wan",
    "executed_wan",
    "exec_rate",
    "exec_rate_reported",
    "total_score_reported",
    "total_score_recomputed",
    "total_score_na_rescaled",
    "grade_reported",
    "grade_recomputed",
    "errors",
    "warnings",
    "infos",
    "status",
    "status_en",
    "superseded_by",
    "submit_date",
    "sha256",
)

# projects.csv and run.json: the same columns, in the order a reader of the file wants them
PROJECT_OUTPUT_COLUMNS = (
    "file",
    "profile",
    "layout",
    "fiscal_year",
    "project_code",
    "department",
    "unit",
    "project",
    "budget_wan",
    "executed_wan",
    "exec_rate",
    "exec_rate_reported",
    "total_score_reported",
    "total_score_recomputed",
    "total_score_na_rescaled",
    "grade_reported",
    "grade_recomputed",
    "errors",
    "warnings",
    "infos",
    "status",
    "status_en",
    "superseded_by",
    "submit_date",
    "sha256",
    "sub",
)


def _year(row: pd.Series | dict[str, Any]) -> int | None:
    for key in ("fiscal_year", "fiscal_year_inferred"):
        v = row.get(key)
        if v is not None and not (isinstance(v, float) and math.isnan(v)):
            return int(v)
    return None
