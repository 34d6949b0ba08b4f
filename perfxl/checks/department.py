"""Department and batch rules (D): missing submissions, conflicting duplicates, distribution, roster budgets."""

from __future__ import annotations

import pandas as pd

from perfxl.checks.engine import Ctx, field_cell, rule
from perfxl.checks.roster import match_subs
from perfxl.model.findings import declare

ROSTER_SHEET = "名单"


def _roster_matches(ctx: Ctx) -> pd.DataFrame | None:
    """The roster rows with the checked submission that answers each (cached per run)."""
    roster = ctx.frames.extra.get("roster")
    if roster is None:
        return None
    if "roster_matched" in ctx.cache:
        return ctx.cache["roster_matched"]
    p = ctx.projects
    matched = match_subs(roster, p["project_code"], p["unit"], p["project_name"], p["sub"])
    out = roster.assign(sub=matched)
    ctx.cache["roster_matched"] = out
    return out


@rule(
    "D01",
    "error",
    "department",
    "项目未提交自评",
    "project not submitted",
    "名单中的项目“{project}”（{unit}，{department}）未提交自评表。",
    "Project {project} ({unit}, {department}) is on the roster but no workbook was submitted.",
)
def d01_missing(ctx: Ctx) -> pd.DataFrame | None:
    m = _roster_matches(ctx)
    if m is None:
        return None
    missing = m[m["sub"].isna()]
    return pd.DataFrame(
        {
            "sub": None,
            "sheet": ctx.frames.extra.get("roster_name", ROSTER_SHEET),
            "cell": "第" + missing["roster_row"].astype(str) + "行",
            "observed": "未提交",
            "expected": missing["project"],
            "project": missing["project"],
            "unit": missing["unit"].fillna("单位未填"),
            "department": missing["department"].fillna("部门未填"),
            "stake": missing["approved_wan"],
        }
    )


@rule(
    "D05",
    "warning",
    "submission",
    "预算数与批复不一致",
    "budget differs from the approved amount",
    "自评表的预算数 {observed} 万元与名单批复预算 {expected} 万元不一致（差额 {diff} 万元）。",
    "The budget in the workbook ({observed} 万元) differs from the approved {expected} 万元 (difference {diff}).",
    thresholds=("tolerance.money_abs", "tolerance.money_rel"),
)
def d05_budget(ctx: Ctx) -> pd.DataFrame | None:
    m = _roster_matches(ctx)
    if m is None:
        return None
    m = m.dropna(subset=["sub", "approved_wan"])
    if m.empty:
        return None
    budget = ctx.results["budget_wan"].reindex(m["sub"]).to_numpy()
    approved = m["approved_wan"].astype(float).to_numpy()
    tol = [
        max(ctx.cfg.tolerance.money_abs, ctx.cfg.tolerance.money_rel * max(abs(a), abs(b or 0)))
        for a, b in zip(approved, budget, strict=True)
    ]
    diff = budget - approved
    bad = pd.notna(budget) & (abs(diff) > pd.Series(tol).to_numpy())
    rows = m[bad]
    if rows.empty:
        return None
    p = ctx.projects.set_index("sub").loc[rows["sub"]].reset_index()
    profile = p["profile"].to_numpy()
    cells = [_budget_cell(ctx, s, prof) for s, prof in zip(rows["sub"], profile, strict=True)]
    return pd.DataFrame(
        {
            "sub": rows["sub"].to_numpy(),
            "sheet": [c[0] for c in cells],
            "cell": [c[1] for c in cells],
            "observed": budget[bad].round(2),
            "expected": approved[bad].round(2),
            "diff": diff[bad].round(2),
            "stake": abs(diff[bad]),
        }
    )


def _budget_cell(ctx: Ctx, sub: str, profile: str) -> tuple[str | None, str | None]:
    f = ctx.frames.funds
    measure = "annual_budget" if profile == "national2020" else "arrived"
    hit = f[(f["sub"] == sub) & (f["measure"] == measure) & (f["source"] == "total")]
    if hit.empty:
        return None, None
    return hit.iloc[0]["sheet"], hit.iloc[0]["cell"]


@rule(
    "D02",
    "error",
    "batch",
    "重复提交",
    "conflicting resubmissions",
    "同一项目（{key}）有 {n} 份内容不同的提交，且无法判断先后（填报日期与收到时间相同）：{files}。",
    "The same project ({key}) was submitted {n} times with different content and no way to tell which is latest: {files}.",
)
def d02_duplicates(ctx: Ctx) -> pd.DataFrame | None:
    ambiguous = ctx.frames.extra.get("ambiguous") or []
    if not ambiguous:
        return None
    p = ctx.projects.set_index("sub")
    rows = []
    for key, subs in ambiguous:
        present = [s for s in subs if s in p.index]
        if not present:
            continue
        names = ctx.frames.extra.get("files", {})
        files = "、".join(str(names.get(s, p.loc[s, "file"] if s in p.index else s)) for s in subs)
        for s in present:
            sheet, cell = field_cell(p.loc[[s]].reset_index(), "project_name")
            rows.append(
                {
                    "sub": s,
                    "sheet": sheet.iloc[0],
                    "cell": cell.iloc[0],
                    "key": key.split(":", 1)[-1],
                    "n": len(subs),
                    "files": files,
                }
            )
    return pd.DataFrame(rows) if rows else None


@rule(
    "D04",
    "info",
    "department",
    "自评结果区分度不足",
    "self-evaluations barely differ",
    "{department}：{n} 个项目中评为优的占 {share}%，得分标准差 {stdev}，自评结果区分度不足。",
    "{department}: {share}% of {n} projects graded 优, score standard deviation {stdev}; the self-evaluations barely differ.",
    thresholds=(
        "grade_checks.excellent_share",
        "department.min_projects",
        "department.min_score_stdev",
    ),
)
def d04_distribution(ctx: Ctx) -> pd.DataFrame | None:
    cfg = ctx.cfg
    # no department can reach min_projects when the whole batch has fewer (a one-workbook check)
    if ctx.projects["dept"].notna().sum() < cfg.department.min_projects:
        return None
    p = ctx.projects[["sub", "dept"]].copy()
    res = ctx.results.reindex(p["sub"])
    p["total"] = res["total_calc"].to_numpy()
    p["grade"] = res["grade_calc"].to_numpy()
    p = p.dropna(subset=["dept", "total"])
    if p.empty:
        return None
    g = p.groupby("dept")
    stats = pd.DataFrame(
        {
            "n": g.size(),
            "share": g["grade"].apply(lambda s: (s == "优").mean() * 100),
            "stdev": g["total"].std(ddof=0),
        }
    )
    bad = stats[
        (stats["n"] >= cfg.department.min_projects)
        & (
            (stats["share"] > cfg.grade_checks.excellent_share)
            | (stats["stdev"] < cfg.department.min_score_stdev)
        )
    ]
    if bad.empty:
        return None
    return pd.DataFrame(
        {
            "sub": None,
            "sheet": "部门汇总",
            "cell": None,
            "department": bad.index,
            "n": bad["n"].to_numpy(),
            "share": bad["share"].round(1).to_numpy(),
            "stdev": bad["stdev"].round(2).to_numpy(),
            "observed": bad["share"].round(1).to_numpy(),
            "expected": cfg.grade_checks.excellent_share,
        }
    )


declare(
    "D03",
    "warning",
    "department",
    "部门汇总与项目合计不符",
    "department totals differ from Σ projects",
    "部门整体支出表的合计与各项目合计不符。",
    "The department-wide sheet's totals differ from the sum of its projects.",
    not_implementable=(
        "neither template carries a 部门整体支出绩效自评表 with department totals, so there is nothing "
        "to reconcile Σ projects against; the roster's 批复预算 is reconciled per project by D05 instead"
    ),
)


# D06 is raised by the run (perfxl/run.py) when a newer version of a project replaces a file.
declare(
    "D06",
    "info",
    "submission",
    "已被新版本替代",
    "superseded by a newer version",
    "本文件（{observed}）已被同一项目的较新版本 {expected} 替代，未参与检查和汇总。",
    "This file ({observed}) was superseded by a newer version of the same project, {expected}; it was not checked or aggregated.",
)
