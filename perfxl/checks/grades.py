"""Grade and conclusion rules (G): the reported 评价等次, and grades the rest of the form belies."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfxl.checks import scoring
from perfxl.checks.cells import as_floats
from perfxl.checks.engine import Ctx, cached, field_cell, hits, rule
from perfxl.model.findings import declare
from perfxl.spec import NATIONAL_STYLE
from perfxl.spec import PROFILE_IDS as ALL_PROFILES


@rule(
    "G01",
    "error",
    "submission",
    "评价等次与总分不符",
    "grade does not match the total",
    "填报的评价等次为“{observed}”，按复核总分 {total} 应为“{expected}”。",
    "The reported grade is {observed}; the recomputed total {total} gives {expected}.",
    thresholds=("grades.excellent", "grades.good", "grades.fair"),
    profiles=ALL_PROFILES,
)
def g01_grade(ctx: Ctx) -> pd.DataFrame | None:
    p = ctx.projects
    calc = _result(ctx, "grade_calc")
    reported = p["grade_reported"].to_numpy()
    bad = pd.notna(calc) & pd.notna(reported) & (calc != reported)
    if not bad.any():
        return None
    rows = p[bad]
    sheet, cell = field_cell(rows, "grade_reported")
    return hits(
        rows,
        sheet=sheet,
        cell=cell,
        observed=rows["grade_reported"],
        expected=calc[bad],
        total=np.round(_result(ctx, "total_calc")[bad], 2),
    )


# ------------------------------------------------------------------ the self-assessed total

# domain c.5 writes T for the total. G02/G03/G05/G07 judge the unit's own claim, so T is the
# reported 总分 (the recomputed one when the unit left it blank); G06 judges the recomputed
# grade's rounding sensitivity (domain b.1), so it reads the recomputed total first.


# The G checks read a few numbers per project and mostly find nothing: on a one-workbook batch
# their cost is pandas' fixed cost per call (reindex ~0.5 ms, groupby ~1-3 ms), so they work on
# arrays aligned with ctx.projects and build a hit table only when something is found.


def _result(ctx: Ctx, column: str) -> np.ndarray:
    """ctx.results[column].reindex(projects["sub"]) as an array (NaN for a missing sub)."""
    if "grades.at" not in ctx.cache:
        ctx.cache["grades.at"] = ctx.results.index.get_indexer(ctx.projects["sub"])
    return _positions(ctx.results[column], ctx.cache["grades.at"])


def _positions(values: pd.Series, at: np.ndarray) -> np.ndarray:
    """values.iloc[at] as an array, NaN where at is -1 (a reindex's missing rows)."""
    arr = values.to_numpy()
    if (at >= 0).all():
        return arr[at]
    out = np.full(len(at), np.nan, dtype=float if arr.dtype.kind in "fiub" else object)
    out[at >= 0] = arr[at[at >= 0]]
    return out


def _group_sums(code: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Σ values per project row (code = its position; NaN where no value). pandas' grouped sum,
    not np.bincount: its compensated summation decides the last digit of a stake (0.1+0.2+0.3)."""
    ok = code >= 0
    sums = pd.Series(values[ok]).groupby(code[ok]).sum(min_count=1)
    return sums.reindex(range(n)).to_numpy(dtype=float, na_value=np.nan)


@cached
def _totals(ctx: Ctx) -> dict[str, np.ndarray]:
    """Per project row: self-assessed total, recomputed total, and whether 优 is claimed."""
    p = ctx.projects
    reported = as_floats(p["total_reported"])
    calc = as_floats(_result(ctx, "total_calc"))
    t_self = np.where(np.isnan(reported), calc, reported)
    excellent = (p["grade_reported"].to_numpy() == "优") | (
        np.nan_to_num(t_self, nan=-1.0) >= ctx.cfg.grades.excellent - 1e-9
    )
    return {"t_self": t_self, "t_calc": calc, "excellent": excellent}


def _round(x: pd.Series | np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float), 2)


@rule(
    "G08",
    "warning",
    "submission",
    "总分与复核得分不符",
    "total differs from the recomputed scores",
    "填报总分 {observed}，按复核后的各项得分（执行率得分 {exec_score}，指标得分合计 {indicators}）"
    "应为 {expected}；请按更正后的得分修改总分。",
    "The reported total is {observed}; with the recomputed scores (execution {exec_score}, "
    "indicators {indicators}) it is {expected}. Correct the total with the scores.",
    thresholds=("tolerance.score",),
    profiles=tuple(NATIONAL_STYLE),
)
def g08_total_recomputed(ctx: Ctx) -> pd.DataFrame | None:
    """The 总分 consequence of the score corrections (F02, I01 …), said once on the 总分 cell,
    when the unit's total is higher than its scores allow. Only corrections that are arithmetic
    count: a qualitative or late-date row keeps the unit's score (perfxl knows its band, not its
    score). Only where the printed scores do add up to the printed total: otherwise the sum
    itself is wrong, and S03 says so."""
    p = ctx.projects
    reported = _result(ctx, "total_reported")
    exec_calc = _result(ctx, "exec_score_calc")
    exec_reported = _result(ctx, "exec_score_reported")
    printed = np.nan_to_num(exec_reported) + np.nan_to_num(_result(ctx, "indicator_score_reported"))
    indicators = _arithmetic_indicator_scores(ctx)
    exec_part = np.where(np.isnan(exec_calc), exec_reported, exec_calc)
    certain = np.nan_to_num(exec_part) + indicators
    tol = ctx.cfg.tolerance.score + 1e-9
    national = p["profile"].isin(NATIONAL_STYLE).to_numpy()
    with np.errstate(invalid="ignore"):
        bad = national & (reported - certain > tol) & (np.abs(printed - reported) <= tol)
    if not bad.any():
        return None
    rows = p[bad]
    sheet, cell = field_cell(rows, "total_reported")
    return hits(
        rows,
        sheet=sheet,
        cell=cell,
        observed=np.round(reported[bad], 2),
        expected=np.round(certain[bad], 2),
        stake=np.round(reported[bad] - certain[bad], 2),
        exec_score=np.round(exec_part[bad], 2),
        indicators=np.round(indicators[bad], 2),
    )


def _arithmetic_indicator_scores(ctx: Ctx) -> np.ndarray:
    """Σ per project (aligned with ctx.projects) of each indicator's recomputed score where the
    recomputation is arithmetic (formula), else the unit's own score."""
    ind = ctx.indicators
    out = np.zeros(len(ctx.projects))
    if ind.empty or "score_calc" not in ind:
        return out
    reported = as_floats(ind["score_reported"])
    calc = as_floats(ind["score_calc"])
    exact = (ind["score_basis"].to_numpy() == "formula") & ~np.isnan(calc)
    score = np.nan_to_num(np.where(exact, calc, reported))
    at = ctx.project_pos(ind["sub"])
    np.add.at(out, at[at >= 0], score[at >= 0])
    return out


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
    profiles=ALL_PROFILES,
)
def g02_excellent_low_execution(ctx: Ctx) -> pd.DataFrame | None:
    t = _totals(ctx)
    if not t["excellent"].any():
        return None
    rate = as_floats(_result(ctx, "exec_rate_calc"))
    rate = np.where(np.isnan(rate), as_floats(_result(ctx, "exec_rate_reported")), rate)
    floor = ctx.cfg.execution.excellent_below
    bad = t["excellent"] & (np.nan_to_num(rate, nan=np.inf) < floor - 1e-9)
    if not bad.any():
        return None
    rows = ctx.projects[bad]
    sheet, cell = field_cell(rows, "grade_reported")
    return hits(
        rows,
        sheet=sheet,
        cell=cell,
        observed=_round(rate[bad]),
        expected=floor,
        total=_round(t["t_self"][bad]),
        stake=_result(ctx, "balance_wan")[bad],
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
def g03_excellent_unmet(ctx: Ctx) -> pd.DataFrame | None:
    t = _totals(ctx)
    if not t["excellent"].any():
        return None
    ind = ctx.indicators
    # a percent target against a counted actual ("≥90%" vs "18个") cannot be judged met or not;
    # derive still compares the bare numbers (I06 reports the unit clash)
    clash = (
        pd.notna(ind["t_unit"].to_numpy())
        & pd.notna(ind["a_unit"].to_numpy())
        & (ind["t_percent"].to_numpy() != ind["a_percent"].to_numpy())
    )
    unmet = (ind["met"].to_numpy() == False) & ~clash  # noqa: E712 (blank is not False)
    output_unmet = unmet & (ind["level1"].to_numpy() == "产出指标")
    w = as_floats(ind["weight"])
    code = ctx.project_pos(ind["sub"])
    n = len(t["t_self"])
    unmet &= code >= 0
    output_unmet &= code >= 0
    n_unmet = np.bincount(code[unmet], minlength=n)
    n_out = np.bincount(code[output_unmet], minlength=n)
    unmet_w = _group_sums(code, np.where(unmet, w, 0), n)
    all_w = _group_sums(code, w, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = unmet_w / np.where(all_w > 0, all_w, np.nan) * 100
    limit = ctx.cfg.grade_checks.unmet_weight_share
    bad = t["excellent"] & ((n_out > 0) | (np.nan_to_num(share, nan=-1.0) >= limit - 1e-9))
    if not bad.any():
        return None
    rows = ctx.projects[bad]
    sheet, cell = field_cell(rows, "grade_reported")
    names = (
        ind.loc[output_unmet, "name"].fillna("（未命名）").astype(str).groupby(code[output_unmet])
    )
    names = names.agg("、".join)
    return hits(
        rows,
        sheet=sheet,
        cell=cell,
        observed=_round(np.nan_to_num(share[bad])),
        expected=limit,
        total=_round(t["t_self"][bad]),
        n_unmet=n_unmet[bad],
        outputs=names.reindex(np.flatnonzero(bad)).fillna("—").to_numpy(),
        stake=unmet_w[bad],
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
def g05_all_full(ctx: Ctx) -> pd.DataFrame | None:
    # the department share of 优 (the other half of G05 in docs/domain.md c.5) is D04's
    t = _totals(ctx)
    eps = ctx.cfg.tolerance.full_eps
    n_items, n_short, _ = _full_items(ctx)
    all_full = (n_items > 0) & (n_short == 0)
    t_self = t["t_self"]
    hundred = np.nan_to_num(t_self, nan=-1.0) >= 100 - eps
    bad = all_full | hundred
    if not bad.any():
        return None
    rows = ctx.projects[bad]
    sheet, cell = field_cell(rows, "total_reported")
    return hits(rows, sheet=sheet, cell=cell, observed=_round(t_self[bad]), expected=None)


def _full_items(ctx: Ctx) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per project (aligned with ctx.projects): the scored items (indicators, the execution row,
    the scoring table; N/A rows are none), how many fall short of full marks, and their points."""
    ind = ctx.indicators
    ex = ctx.frames.exec
    # the execution row: each submission's first "total" row of the exec frame
    ex_code = ctx.project_pos(ex["sub"])
    total = np.flatnonzero((ex["source"].to_numpy() == "total") & (ex_code >= 0))
    total = total[np.unique(ex_code[total], return_index=True)[1]]
    ex_code = ex_code[total]
    exec_w = as_floats(ex["weight"])[total]
    exec_w = np.where(np.isnan(exec_w), as_floats(_result(ctx, "exec_weight"))[ex_code], exec_w)
    si = ctx.frames.score_items
    code = np.concatenate([ctx.project_pos(ind["sub"]), ex_code, ctx.project_pos(si["sub"])])
    score = np.concatenate(
        [
            as_floats(ind["score_reported"]),
            as_floats(ex["score_reported"])[total],
            as_floats(si["score"]),
        ]
    )
    weight = np.concatenate([as_floats(ind["weight"]), exec_w, as_floats(si["w3"])])
    # N/A rows (blank or "—" weight) are not scored items
    with np.errstate(invalid="ignore"):
        item = (weight > 0) & (code >= 0)
        full = scoring.is_full(score, weight, ctx.cfg) & ~np.isnan(score)
    n = len(ctx.projects)
    n_items = np.bincount(code[item], minlength=n)
    n_short = np.bincount(code[item & ~full], minlength=n)
    points = np.bincount(code[item], weights=np.nan_to_num(score[item]), minlength=n)
    return n_items, n_short, points


@rule(
    "G09",
    "info",
    "submission",
    "已列出的评分项均为满分",
    "every listed item at full marks",
    "表格不完整，已列出的 {n_items} 项评分（合计 {observed} 分）均为满分，请核实自评是否流于形式。",
    "The form is cut short, and all {n_items} scored items it lists ({observed} points) have "
    "full marks; check that the self-evaluation was more than a formality.",
    thresholds=("tolerance.full_eps", "grade_checks.listed_full_min_items"),
)
def g09_listed_full(ctx: Ctx) -> pd.DataFrame | None:
    """G05 for a form cut short (no 总分 row): G05 cannot judge it, yet every item the unit did
    send at its maximum is the same warning sign (the funds shortfall it hides may be F10/F11)."""
    if "incomplete" not in ctx.projects:
        return None
    cut = ctx.projects["incomplete"].fillna("").str.split(",").map(lambda p: "total" in p)
    if not cut.any():
        return None
    n_items, n_short, points = _full_items(ctx)
    bad = cut.to_numpy() & (n_items >= ctx.cfg.grade_checks.listed_full_min_items) & (n_short == 0)
    if not bad.any():
        return None
    rows = ctx.projects[bad]
    return hits(rows, sheet=None, cell=None, observed=_round(points[bad]), n_items=n_items[bad])


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
def g06_near_boundary(ctx: Ctx) -> pd.DataFrame | None:
    t = _totals(ctx)
    total = np.where(np.isnan(t["t_calc"]), t["t_self"], t["t_calc"])
    g = ctx.cfg.grades
    bounds = np.array([g.excellent, g.good, g.fair])
    dist = np.abs(total[:, None] - bounds[None, :])
    nearest = bounds[np.argmin(np.nan_to_num(dist, nan=np.inf), axis=1)]
    margin = ctx.cfg.grade_checks.near_margin
    bad = np.nan_to_num(dist, nan=np.inf).min(axis=1) < margin
    if not bad.any():
        return None
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


# Signals of an inflated self-evaluation (domain c.5 G07): rules of other families.
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
def g07_inflated(ctx: Ctx) -> pd.DataFrame | None:
    t = _totals(ctx)
    gc = ctx.cfg.grade_checks
    high = np.nan_to_num(t["t_self"], nan=-1.0) >= gc.inflated_min_total - 1e-9
    if not high.any():
        return None
    # per project row, which signals fired (each counts once however many hits it has)
    fired = np.zeros((len(high), len(INFLATION_SIGNALS)), dtype=bool)
    for k, rid in enumerate(INFLATION_SIGNALS):
        table = rule_hits(ctx, rid)
        if table is not None and not table.empty:
            code = ctx.project_pos(table["sub"])
            fired[code[code >= 0], k] = True
    n = fired.sum(axis=1)
    bad = high & (n >= gc.inflated_min_signals)
    if not bad.any():
        return None
    rows = ctx.projects[bad]
    sheet, cell = field_cell(rows, "total_reported")
    return hits(
        rows,
        sheet=sheet,
        cell=cell,
        observed=n[bad],
        expected=gc.inflated_min_signals,
        total=_round(t["t_self"][bad]),
        signals=[
            "、".join(r for r, f in zip(INFLATION_SIGNALS, row, strict=True) if f) or None
            for row in fired[bad]
        ],
    )
