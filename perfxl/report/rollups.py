"""Department and unit roll-ups (domain b.9): ratios of sums, fund-weighted scores, grade counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfxl.checks.scoring import GRADES
from perfxl.report.projects import ACTIVE_STATUSES

# the figures of one group, after its key columns, in the order the summary shows them
ROLLUP_COLUMNS = (
    "projects",
    "budget_wan",
    "executed_wan",
    "exec_rate",
    "score_weighted",
    "score_mean",
    "score_min",
    "score_max",
    *[f"n_{g}" for g in GRADES],
    "share_excellent",
    "n_exec_below",
    "n_unmet_output",
    "errors",
    "warnings",
    "infos",
)
_COUNTS = (
    "n_exec_below",
    "n_unmet_output",
    "errors",
    "warnings",
    "infos",
    *[f"n_{g}" for g in GRADES],
)
_BLANK_YEAR = 99_999
WHOLE_DEPARTMENT = ("department2020",)  # profiles of the department-wide form, not a project's
_BLANK = "（未填写）"


def rollup(projects: pd.DataFrame, keys: list[str], exec_warn: float = 90.0) -> pd.DataFrame:
    """One row per group of active projects (read and not superseded). A department's own
    部门整体支出 form is not one of its projects: its budget holds theirs (domain a.3)."""
    cols = [*keys, *ROLLUP_COLUMNS]
    project = ~projects["profile"].isin(WHOLE_DEPARTMENT) if "profile" in projects else True
    p = projects[projects["status"].isin(ACTIVE_STATUSES) & project].copy()
    if p.empty:
        return pd.DataFrame(columns=cols)
    numeric = _groupable_keys(p, keys)
    out = _sums(_with_figures(p, exec_warn), keys)
    # execution rate of a department is Σ executed / Σ budget, never the mean of the projects' rates
    out["exec_rate"] = out["executed_wan"] / out["budget_wan"].where(out["budget_wan"] > 0) * 100
    out["score_weighted"] = out["_w"] / out["_wb"].where(out["_wb"] > 0)
    grades = p.groupby(keys, dropna=False)["grade_recomputed"].value_counts().unstack(fill_value=0)
    for grade in GRADES:
        out[f"n_{grade}"] = grades.get(grade, 0)
    graded = out[[f"n_{x}" for x in GRADES]].sum(axis=1)
    out["share_excellent"] = (out["n_优"] / graded.where(graded > 0) * 100).astype(float)
    out = out.drop(columns=["_w", "_wb"]).reset_index()
    for c in _COUNTS:
        out[c] = out[c].astype(int)
    for k in numeric:
        out[k] = out[k].astype(object).where(out[k] != _BLANK_YEAR, _BLANK)
    return out[cols].replace({np.inf: np.nan})


def _groupable_keys(p: pd.DataFrame, keys: list[str]) -> list[str]:
    """Make the key columns groupable in place; returns the numeric ones.

    A blank key reads （未填写）. A year column mixes numbers with that text, which pandas cannot
    sort when grouping: blank years group under a number after every year, renamed at the end."""
    numeric = []
    for k in keys:
        present = p[k].dropna()
        if len(present) and all(
            isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in present
        ):
            p[k] = pd.to_numeric(p[k]).fillna(_BLANK_YEAR)
            numeric.append(k)
        else:
            p[k] = p[k].astype(object).where(p[k].notna(), _BLANK)
    return numeric


def _with_figures(p: pd.DataFrame, exec_warn: float) -> pd.DataFrame:
    """The projects with the numeric columns the sums need."""
    p["budget_wan"] = pd.to_numeric(p["budget_wan"], errors="coerce")
    p["executed_wan"] = pd.to_numeric(p["executed_wan"], errors="coerce")
    p["score"] = pd.to_numeric(p["total_score_recomputed"], errors="coerce")
    p["exec_rate"] = pd.to_numeric(p["exec_rate"], errors="coerce")
    p["_w"] = p["score"] * p["budget_wan"]
    p["_wb"] = p["budget_wan"].where(p["score"].notna())
    p["_below"] = p["exec_rate"] < exec_warn
    p["_unmet"] = p.get("unmet_output", pd.Series(0, index=p.index)).fillna(0).astype(float) > 0
    return p


def _sums(p: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = p.groupby(keys, dropna=False, sort=True)
    return pd.DataFrame(
        {
            "projects": g.size(),
            "budget_wan": g["budget_wan"].sum(min_count=1),
            "executed_wan": g["executed_wan"].sum(min_count=1),
            "score_mean": g["score"].mean(),
            "score_min": g["score"].min(),
            "score_max": g["score"].max(),
            "_w": g["_w"].sum(min_count=1),
            "_wb": g["_wb"].sum(min_count=1),
            "n_exec_below": g["_below"].sum(),
            "n_unmet_output": g["_unmet"].sum(),
            "errors": g["errors"].sum(),
            "warnings": g["warnings"].sum(),
            "infos": g["infos"].sum(),
        }
    )


def departments(projects: pd.DataFrame, exec_warn: float = 90.0) -> pd.DataFrame:
    return rollup(projects, ["department", "fiscal_year"], exec_warn)


def units(projects: pd.DataFrame, exec_warn: float = 90.0) -> pd.DataFrame:
    return rollup(projects, ["department", "unit", "fiscal_year"], exec_warn)
