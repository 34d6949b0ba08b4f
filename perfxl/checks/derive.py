"""Recomputed values shared by the checks: fund totals, execution rate, indicator scores, totals, grade."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from perfxl.checks import scoring
from perfxl.checks.completeness import block_weighted_subs, partial_subs
from perfxl.checks.config import Config
from perfxl.checks.units import compare_units
from perfxl.model.frames import Frames
from perfxl.spec import NATIONAL_STYLE

NATIONAL_MEASURES = ("initial_budget", "annual_budget", "executed")
HAINAN_MEASURES = ("planned", "arrived", "used")
# lines that break another line down (人员经费 and 公用经费 are 基本支出's, department2020): never
# added to the other sources when the total row is left blank
BREAKDOWN_SOURCES = ("personnel", "public")


def fund_matrix(funds: pd.DataFrame) -> pd.DataFrame:
    """Index sub; columns (measure, source) -> amount in 万元 (NaN when blank); the first filled
    amount where a source row repeats. Built by unstack: pivot_table costs ~8 ms even on one row."""
    if funds.empty:
        return pd.DataFrame()
    amount = pd.to_numeric(funds["amount_wan"], errors="coerce").astype(float)
    f = funds[["sub", "measure", "source"]].assign(amount=amount)[amount.notna()]
    f = f.drop_duplicates(["sub", "measure", "source"])
    return f.set_index(["sub", "measure", "source"])["amount"].unstack(["measure", "source"])


def measure_totals(
    m: pd.DataFrame, measures: tuple[str, ...], index: pd.Index
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per measure: the amount that counts (the total row, or Σ sources when the unit left the
    total blank or 0 and the sources hold money) and which it was ("total"/"sources").

    On the matrix's plain array: six measures × a dozen pandas calls were ~5 ms a run."""
    n = len(index)
    if m.empty:
        blank = np.full(n, np.nan)
        return {ms: (blank, np.full(n, "total", dtype=object)) for ms in measures}
    values = m.reindex(index).to_numpy(dtype=float, na_value=np.nan)
    measure_of = m.columns.get_level_values(0).to_numpy()
    source_of = m.columns.get_level_values(1).to_numpy()
    is_total = source_of == "total"
    part = ~is_total & ~np.isin(source_of, BREAKDOWN_SOURCES)
    out = {}
    for ms in measures:
        mine = measure_of == ms
        total = values[:, mine & is_total]
        total = total[:, 0] if total.shape[1] else np.full(n, np.nan)
        sources = values[:, mine & part]
        # Σ with min_count=1: all blank is NaN, not 0 (same order of addition as DataFrame.sum)
        parts = np.where(np.isnan(sources).all(axis=1), np.nan, np.nansum(sources, axis=1))
        with np.errstate(invalid="ignore"):
            use_parts = (np.isnan(total) | (total == 0)) & (parts > 0)
        out[ms] = (
            np.where(use_parts, parts, total),
            np.where(use_parts, "sources", "total").astype(object),
        )
    return out


def add_derived(frames: Frames, cfg: Config) -> None:
    """Add recomputed columns to the indicator frame (in place)."""
    ind = frames.indicators
    if ind.empty:
        for c in (
            "target_a",
            "met",
            "completion",
            "score_formula",
            "band_lo",
            "band_hi",
            "score_calc",
            "score_basis",
        ):
            ind[c] = pd.Series(dtype=object)
        return
    # an actual in another unit is scored only when it converts (人 vs 万人); % against 个 is not
    # scored at all and the reported score stands (I06 reports it)
    mismatch, factor = compare_units(ind)
    ind["unit_mismatch"] = mismatch
    actual = pd.to_numeric(ind["a_value"], errors="coerce") * factor
    ind["b_value"] = actual.where(~mismatch.isin(["dimension", "basis"]))
    scored = scoring.indicator_scores(ind, cfg)
    block = ind["sub"].isin(block_weighted_subs(frames.projects)).to_numpy()
    if block.any():
        # no 分值 to recompute a score against: the unit's 得分 stands (its block sum is judged)
        keep = block & scored["score_calc"].isna().to_numpy()
        reported = pd.to_numeric(ind["score_reported"], errors="coerce")
        scored["score_calc"] = scored["score_calc"].where(~keep, reported)
        scored.loc[keep, "score_basis"] = "reported"
    for c in scored.columns:
        ind[c] = scored[c]


def results(frames: Frames, cfg: Config) -> pd.DataFrame:
    """Per submission: amounts, recomputed execution rate and score, totals and grade.

    Columns are gathered in a dict and the frame made once at the end: assigning ~30 columns one
    by one costs more than the arithmetic on the one-workbook batch of `perfxl check`."""
    p = frames.projects.set_index("sub")
    idx = p.index
    col: dict[str, Any] = {"profile": p["profile"]}
    nat = p["profile"].isin(NATIONAL_STYLE)  # national2020 and department2020
    col.update(_fund_columns(frames, cfg, idx, nat))
    col.update(_exec_columns(frames, cfg, p, nat, col["exec_rate_calc"]))
    ind_columns, na_any = _indicator_columns(frames, idx)
    if "indicator_block_weight" in p:
        # 绩效指标（80分）: the indicators' weight is the block's, there is no 分值 to add up
        block = pd.to_numeric(p["indicator_block_weight"], errors="coerce")
        weight = ind_columns["indicator_weight"]
        ind_columns["indicator_weight"] = weight.where(block.isna(), block)
    col.update(ind_columns)
    col.update(_total_columns(frames, cfg, p, nat, col, na_any))
    out = pd.DataFrame(col, index=idx)
    # no total or grade from half a form (a total of 10 and 差 would be perfxl's invention)
    cut, unscored = partial_subs(frames.projects)
    partial = idx.isin(list(cut | unscored))
    if partial.any():
        out.loc[partial, ["total_calc", "total_na"]] = np.nan
        out.loc[partial, "grade_calc"] = None
    return out


def _fund_columns(frames: Frames, cfg: Config, idx: pd.Index, nat: pd.Series) -> dict[str, Any]:
    """The amount of each measure and its basis, the budget and spending that count, the
    execution and arrival rates and the balance."""
    col: dict[str, Any] = {}

    def series(values: object) -> pd.Series:
        return values if isinstance(values, pd.Series) else pd.Series(values, index=idx)

    # --- amounts: the total row, or Σ sources when the total row is blank or zero
    totals = measure_totals(fund_matrix(frames.funds), NATIONAL_MEASURES + HAINAN_MEASURES, idx)
    for measure, (amount, basis) in totals.items():
        col[measure], col[measure + "_basis"] = amount, basis
    amounts = {measure: series(amount) for measure, (amount, _) in totals.items()}

    denominator = amounts[
        "initial_budget" if cfg.execution.denominator == "initial_budget" else "annual_budget"
    ]
    budget = denominator.where(nat, amounts["arrived"])
    executed = amounts["executed"].where(nat, amounts["used"])
    col["budget_wan"] = budget
    col["executed_wan"] = executed
    col["exec_rate_calc"] = scoring.rate(executed, budget)
    col["arrival_rate_calc"] = scoring.rate(amounts["arrived"], amounts["planned"]).where(~nat)
    col["balance_wan"] = budget - executed
    return col


def _exec_columns(
    frames: Frames, cfg: Config, p: pd.DataFrame, nat: pd.Series, exec_rate: pd.Series
) -> dict[str, Any]:
    """The 预算执行率 row: its weight (the default where none is given), the reported rate and
    score, and the score recomputed from the rate (national)."""
    col: dict[str, Any] = {}
    ex = frames.exec
    total_exec = (
        ex[ex["source"].eq("total")].drop_duplicates("sub").set_index("sub").reindex(p.index)
    )
    reported_weight = pd.to_numeric(total_exec.get("weight"), errors="coerce")
    col["exec_weight"] = exec_weight = reported_weight.where(
        reported_weight > 0, cfg.execution.weight
    ).where(nat)
    col["exec_rate_reported"] = pd.to_numeric(
        total_exec.get("rate_reported"), errors="coerce"
    ).where(nat, pd.to_numeric(p.get("exec_rate"), errors="coerce"))
    col["exec_score_reported"] = pd.to_numeric(total_exec.get("score_reported"), errors="coerce")
    col["exec_score_calc"] = scoring.exec_score(exec_weight, exec_rate).where(nat)
    return col


def _indicator_columns(frames: Frames, idx: pd.Index) -> tuple[dict[str, Any], pd.Series]:
    """The indicator count, weight and scores (reported, recomputed) per submission, and whether
    any indicator is marked 不适用."""
    # one groupby over the indicator numbers (Σ with min_count=1: all blank is NaN)
    ind = frames.indicators
    if not ind.empty:
        numbers = pd.DataFrame(
            {
                "score": ind["score_calc"],
                "weight": pd.to_numeric(ind["weight"], errors="coerce"),
                "reported": pd.to_numeric(ind["score_reported"], errors="coerce"),
                "na": ind["weight_na"].fillna(False).astype(bool),
            }
        )
        g = numbers.groupby(ind["sub"])
        sums = g[["score", "weight", "reported"]].sum(min_count=1).reindex(idx)
        ind_score, ind_weight, ind_reported = sums["score"], sums["weight"], sums["reported"]
        n_ind = g.size().reindex(idx).fillna(0).astype(int)
        na_any = g["na"].any().reindex(idx).fillna(False)
    else:
        ind_score = ind_weight = ind_reported = pd.Series(np.nan, index=idx)
        n_ind = pd.Series(0, index=idx)
        na_any = pd.Series(False, index=idx)
    col: dict[str, Any] = {
        "n_indicators": n_ind,
        "indicator_weight": ind_weight,
        "indicator_score_reported": ind_reported,
        "indicator_score_calc": ind_score,
    }
    return col, na_any


def _total_columns(
    frames: Frames,
    cfg: Config,
    p: pd.DataFrame,
    nat: pd.Series,
    col: dict[str, Any],
    na_any: pd.Series,
) -> dict[str, Any]:
    """The weight sum, the recomputed total (national: execution + indicators; hainan: Σ of the
    scoring items), its N/A rescaling, and the grades, reported and recomputed."""
    idx = p.index
    exec_score, exec_score_reported = col["exec_score_calc"], col["exec_score_reported"]
    exec_weight = col["exec_weight"]
    ind_score, ind_weight = col["indicator_score_calc"], col["indicator_weight"]
    out: dict[str, Any] = {}
    exec_part = exec_score.fillna(exec_score_reported)
    nat_total = exec_part.fillna(0) + ind_score.fillna(0)
    nat_total = nat_total.where(ind_score.notna() | exec_part.notna())
    nat_weight = exec_weight.fillna(0) + ind_weight.fillna(0)

    items = frames.score_items
    if not items.empty:
        si = pd.DataFrame(
            {
                "score": pd.to_numeric(items["score"], errors="coerce"),
                "w3": pd.to_numeric(items["w3"], errors="coerce"),
            }
        )
        h_sums = si.groupby(items["sub"]).sum(min_count=1).reindex(idx)
        h_total, h_weight = h_sums["score"], h_sums["w3"]
    else:
        h_total = h_weight = pd.Series(np.nan, index=idx)
    out["weight_sum"] = nat_weight.where(nat, h_weight)
    out["total_calc"] = total = nat_total.where(nat, h_total)
    # N/A rescaling (domain b.7): applicable scores over applicable weights, × 100
    applicable_w = nat_weight.where(nat, h_weight)
    out["total_na"] = (total / applicable_w * 100).where(na_any & nat & (applicable_w > 0))
    out["total_reported"] = pd.to_numeric(p["total_reported"], errors="coerce")
    out["grade_reported"] = p["grade_reported"]
    out["grade_calc"] = scoring.grade_series(total, cfg)
    return out


RESULT_DEFAULTS = {"total_calc": np.nan, "grade_calc": None, "exec_rate_calc": np.nan}


def results_for_all(frames: Frames, res: pd.DataFrame) -> pd.DataFrame:
    """Results for every submission of the batch, blocked ones included (with blanks)."""
    p = frames.projects.set_index("sub")
    out = res.reindex(p.index)
    out["profile"] = p["profile"]
    out["total_reported"] = pd.to_numeric(p["total_reported"], errors="coerce")
    out["grade_reported"] = p["grade_reported"]
    return out
