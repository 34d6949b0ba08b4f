"""Grade and conclusion rules (G): the reported 评价等次, and grades the rest of the form belies."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfxl import scoring
from perfxl.checks.engine import Ctx, cached, field_cell, hits, rule
from perfxl.findings import declare


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


# ------------------------------------------------------------------ the self-assessed total

# RULES c.5 writes T for the total. G02/G03/G05/G07 judge the unit's own claim, so T is the
# reported 总分 (the recomputed one when the unit left it blank); G06 judges the recomputed
# grade's rounding sensitivity (RULES b.1), so it reads the recomputed total first.


def _num(s: pd.Series | None) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


@cached
def _totals(ctx: Ctx) -> pd.DataFrame:
    """Per project row: self-assessed total, recomputed total, and whether 优 is claimed."""
    p = ctx.projects
    res = ctx.results.reindex(p["sub"])
    reported = _num(p["total_reported"]).to_numpy()
    calc = _num(res["total_calc"]).to_numpy()
    t_self = np.where(np.isnan(reported), calc, reported)
    out = pd.DataFrame({"sub": p["sub"], "t_self": t_self, "t_calc": calc}, index=p.index)
    out["excellent"] = (p["grade_reported"].eq("优").to_numpy()) | (
        np.nan_to_num(t_self, nan=-1.0) >= ctx.cfg.grades.excellent - 1e-9
    )
    return out


def _round(x: pd.Series | np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float), 2)


@rule(
    "G02",
    "warning",
    "submission",
    "执行率低却评优",
    "rated excellent with low budget execution",
    "自评为优（总分 {total}），但预算执行率仅 {observed}%，低于 {expected}%。",
    "Rated excellent (total {total}) although budget execution is only {observed}%, "
    "below {expected}%.",
    thresholds=("execution.excellent_below", "grades.excellent"),
)
def g02_excellent_low_execution(ctx: Ctx) -> pd.DataFrame:
    t = _totals(ctx)
    res = ctx.results.reindex(t["sub"])
    rate = _num(res["exec_rate_calc"]).fillna(_num(res["exec_rate_reported"])).to_numpy()
    floor = ctx.cfg.execution.excellent_below
    bad = t["excellent"].to_numpy() & (np.nan_to_num(rate, nan=np.inf) < floor - 1e-9)
    rows = ctx.projects[bad]
    sheet, cell = field_cell(rows, "grade_reported")
    return hits(
        rows,
        sheet=sheet,
        cell=cell,
        observed=_round(rate[bad]),
        expected=floor,
        total=_round(t["t_self"][bad]),
        stake=res["balance_wan"].to_numpy()[bad],
    )


@rule(
    "G03",
    "warning",
    "submission",
    "目标未完成却评优",
    "rated excellent with unmet targets",
    "自评为优（总分 {total}），但有 {n_unmet} 项指标未完成目标（其中产出指标：{outputs}；"
    "未完成指标分值占比 {observed}%）。",
    "Rated excellent (total {total}) although {n_unmet} indicator(s) missed their targets "
    "(output indicators: {outputs}; unmet share of the weight {observed}%).",
    thresholds=("grade_checks.unmet_weight_share", "grades.excellent"),
)
def g03_excellent_unmet(ctx: Ctx) -> pd.DataFrame:
    t = _totals(ctx)
    ind = ctx.indicators
    # a percent target against a counted actual ("≥90%" vs "18个") cannot be judged met or not;
    # derive still compares the bare numbers (I06 reports the unit clash)
    clash = ind["t_unit"].notna() & ind["a_unit"].notna() & ind["t_percent"].ne(ind["a_percent"])
    unmet = ind["met"].eq(False) & ~clash
    w = _num(ind["weight"])
    by = ind["sub"]
    n_unmet = unmet.groupby(by).sum()
    output_unmet = unmet & ind["level1"].eq("产出指标")
    n_output = output_unmet.groupby(by).sum()
    names = ind.loc[output_unmet, "name"].fillna("（未命名）").astype(str).groupby(by[output_unmet])
    names = names.agg("、".join)
    unmet_w = w.where(unmet, 0).groupby(by).sum(min_count=1)
    all_w = w.groupby(by).sum(min_count=1)
    share = (unmet_w / all_w.where(all_w > 0) * 100).reindex(t["sub"]).to_numpy()
    limit = ctx.cfg.grade_checks.unmet_weight_share
    n_out = n_output.reindex(t["sub"]).fillna(0).to_numpy()
    bad = t["excellent"].to_numpy() & (
        (n_out > 0) | (np.nan_to_num(share, nan=-1.0) >= limit - 1e-9)
    )
    rows = ctx.projects[bad]
    sheet, cell = field_cell(rows, "grade_reported")
    unmet_wt = unmet_w.reindex(rows["sub"]).to_numpy()
    return hits(
        rows,
        sheet=sheet,
        cell=cell,
        observed=_round(np.nan_to_num(share[bad])),
        expected=limit,
        total=_round(t["t_self"][bad]),
        n_unmet=n_unmet.reindex(rows["sub"]).fillna(0).astype(int).to_numpy(),
        outputs=names.reindex(rows["sub"]).fillna("—").to_numpy(),
        stake=unmet_wt,
    )


declare(
    "G04",
    "warning",
    "submission",
    "自评结果虚高",
    "self-evaluation above the re-check",
    "自评总分 {observed} 比复核总分 {expected} 高出 {gap} 分。",
    "The self-assessed total {observed} exceeds the re-check total {expected} by {gap}.",
    thresholds=("grade_checks.recheck_gap",),
    not_implementable=(
        "需要财政或主管部门的复核（抽查）得分；两种模板都不含复核分数，"
        "评价人员表中的“项目评分”是自评小组成员的打分，不是复核结果。"
        " / Needs the finance bureau's re-check score; neither template holds one "
        "(the evaluators' 项目评分 column is the self-evaluation panel's own marks)."
    ),
)


@rule(
    "G05",
    "info",
    "submission",
    "全部满分",
    "every item at full marks",
    "总分 {observed}，所有评分项均为满分，请核实自评是否流于形式。",
    "The total is {observed} and every scored item has full marks; check that the "
    "self-evaluation was more than a formality.",
    thresholds=("tolerance.full_eps",),
)
def g05_all_full(ctx: Ctx) -> pd.DataFrame:
    # the department share of 优 (the other half of RULES G05) is D04's
    t = _totals(ctx)
    eps = ctx.cfg.tolerance.full_eps
    ind = ctx.indicators
    ex = ctx.frames.exec
    ex = ex[ex["source"].eq("total")].drop_duplicates("sub")
    si = ctx.frames.score_items
    exec_w = _num(ex["weight"]).fillna(
        ctx.results["exec_weight"].reindex(ex["sub"]).set_axis(ex.index)
    )
    items = pd.concat(
        [
            pd.DataFrame(
                {"sub": ind["sub"], "s": _num(ind["score_reported"]), "w": _num(ind["weight"])}
            ),
            pd.DataFrame({"sub": ex["sub"], "s": _num(ex["score_reported"]), "w": exec_w}),
            pd.DataFrame({"sub": si["sub"], "s": _num(si["score"]), "w": _num(si["w3"])}),
        ],
        ignore_index=True,
    )
    # N/A rows (blank or "—" weight) are not scored items
    items = items[items["w"].notna() & (items["w"] > 0)]
    full = scoring.is_full(items["s"], items["w"], ctx.cfg) & items["s"].notna()
    all_full = full.groupby(items["sub"]).all().reindex(t["sub"], fill_value=False).to_numpy()
    t_self = t["t_self"].to_numpy()
    hundred = np.nan_to_num(t_self, nan=-1.0) >= 100 - eps
    bad = all_full | hundred
    rows = ctx.projects[bad]
    sheet, cell = field_cell(rows, "total_reported")
    return hits(rows, sheet=sheet, cell=cell, observed=_round(t_self[bad]), expected=None)


@rule(
    "G06",
    "info",
    "submission",
    "总分接近等次临界值",
    "total close to a grade boundary",
    "总分 {observed} 与等次临界值 {expected} 相差不足 {margin} 分，等次对计分和四舍五入敏感。",
    "The total {observed} is within {margin} of the grade boundary {expected}; the grade is "
    "sensitive to scoring and rounding.",
    thresholds=("grade_checks.near_margin", "grades.excellent", "grades.good", "grades.fair"),
)
def g06_near_boundary(ctx: Ctx) -> pd.DataFrame:
    t = _totals(ctx)
    total = pd.Series(t["t_calc"]).fillna(pd.Series(t["t_self"])).to_numpy()
    g = ctx.cfg.grades
    bounds = np.array([g.excellent, g.good, g.fair])
    dist = np.abs(total[:, None] - bounds[None, :])
    nearest = bounds[np.argmin(np.nan_to_num(dist, nan=np.inf), axis=1)]
    margin = ctx.cfg.grade_checks.near_margin
    bad = np.nan_to_num(dist, nan=np.inf).min(axis=1) < margin
    rows = ctx.projects[bad]
    sheet, cell = field_cell(rows, "total_reported")
    return hits(
        rows,
        sheet=sheet,
        cell=cell,
        observed=_round(total[bad]),
        expected=nearest[bad],
        margin=margin,
    )


# Signals of an inflated self-evaluation (RULES c.5 G07): rules of other families.
INFLATION_SIGNALS = ("F08", "F10", "F11", "I02", "I05", "I14", "N01", "T09")


def rule_hits(ctx: Ctx, rule_id: str) -> pd.DataFrame | None:
    """The hits of another registered rule on this batch (run once per context, then cached).

    Checks run independently, so a composite rule runs its inputs itself; a rule that is not
    registered (a family not loaded) contributes nothing."""
    # the engine runs a composite rule after the rules it names and caches their hits; a rule that
    # did not run (not loaded, or not for this batch's profiles) contributes nothing
    return ctx.cache.get(f"hits:{rule_id}")


@rule(
    "G07",
    "warning",
    "submission",
    "自评分偏高",
    "self-evaluation likely inflated",
    "总分 {total} 分，但同时出现 {observed} 项自评偏高的迹象（{signals}），自评结果可能虚高。",
    "The total is {total}, yet {observed} signs of an inflated self-evaluation appear ({signals}).",
    thresholds=("grade_checks.inflated_min_total", "grade_checks.inflated_min_signals"),
    after=INFLATION_SIGNALS,
)
def g07_inflated(ctx: Ctx) -> pd.DataFrame:
    t = _totals(ctx)
    fired = []
    for rid in INFLATION_SIGNALS:
        table = rule_hits(ctx, rid)
        if table is not None and not table.empty:
            fired.append(pd.DataFrame({"sub": table["sub"].drop_duplicates(), "rule": rid}))
    if fired:
        sig = pd.concat(fired, ignore_index=True)
        count = sig.groupby("sub").size()
        names = sig.groupby("sub")["rule"].agg("、".join)
    else:
        count, names = pd.Series(dtype=int), pd.Series(dtype=object)
    gc = ctx.cfg.grade_checks
    n = count.reindex(t["sub"]).fillna(0).astype(int).to_numpy()
    high = np.nan_to_num(t["t_self"].to_numpy(), nan=-1.0) >= gc.inflated_min_total - 1e-9
    bad = high & (n >= gc.inflated_min_signals)
    rows = ctx.projects[bad]
    sheet, cell = field_cell(rows, "total_reported")
    return hits(
        rows,
        sheet=sheet,
        cell=cell,
        observed=n[bad],
        expected=gc.inflated_min_signals,
        total=_round(t["t_self"].to_numpy()[bad]),
        signals=names.reindex(rows["sub"]).to_numpy(),
    )
