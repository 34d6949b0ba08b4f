"""Recomputed values shared by the checks: fund totals, execution rate, indicator scores, totals, grade."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfxl import scoring
from perfxl.config import Config
from perfxl.frames import Frames
from perfxl.units import scale_factor, unit_mismatch

NATIONAL_MEASURES = ("initial_budget", "annual_budget", "executed")
HAINAN_MEASURES = ("planned", "arrived", "used")


def fund_matrix(funds: pd.DataFrame) -> pd.DataFrame:
    """Index sub; columns (measure, source) -> amount in 万元 (NaN when blank)."""
    if funds.empty:
        return pd.DataFrame()
    f = funds.assign(amount=pd.to_numeric(funds["amount_wan"], errors="coerce"))
    return f.pivot_table(
        index="sub", columns=["measure", "source"], values="amount", aggfunc="first"
    )


def _col(m: pd.DataFrame, measure: str, source: str, index: pd.Index) -> pd.Series:
    if m.empty or (measure, source) not in m.columns:
        return pd.Series(np.nan, index=index, dtype=float)
    return m[(measure, source)].reindex(index).astype(float)


def source_sum(m: pd.DataFrame, measure: str, index: pd.Index) -> tuple[pd.Series, pd.Series]:
    """Σ of the source rows of a measure, and how many of them were filled."""
    if m.empty or measure not in m.columns.get_level_values(0):
        z = pd.Series(np.nan, index=index, dtype=float)
        return z, pd.Series(0, index=index)
    sub = m[measure].drop(columns=["total"], errors="ignore").reindex(index)
    return sub.sum(axis=1, min_count=1), sub.notna().sum(axis=1)


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
    mismatch = unit_mismatch(ind)
    ind["unit_mismatch"] = mismatch
    actual = pd.to_numeric(ind["a_value"], errors="coerce") * scale_factor(ind)
    ind["b_value"] = actual.where(~mismatch.isin(["dimension", "basis"]))
    scored = scoring.indicator_scores(ind, cfg)
    for c in scored.columns:
        ind[c] = scored[c]


def results(frames: Frames, cfg: Config) -> pd.DataFrame:
    """Per submission: amounts, recomputed execution rate and score, totals and grade."""
    p = frames.projects.set_index("sub")
    idx = p.index
    m = fund_matrix(frames.funds)
    out = pd.DataFrame(index=idx)
    out["profile"] = p["profile"]
    nat = p["profile"].eq("national2020")

    # --- amounts: the total row, or Σ sources when the total row is blank or zero
    def measure_total(measure: str) -> tuple[pd.Series, pd.Series]:
        total = _col(m, measure, "total", idx)
        parts, _ = source_sum(m, measure, idx)
        use_parts = (total.isna() | (total == 0)) & (parts > 0)
        return total.where(~use_parts, parts), pd.Series(
            np.where(use_parts, "sources", "total"), index=idx
        )

    for measure in NATIONAL_MEASURES + HAINAN_MEASURES:
        out[measure], out[measure + "_basis"] = measure_total(measure)

    denominator = (
        out["initial_budget"]
        if cfg.execution.denominator == "initial_budget"
        else out["annual_budget"]
    )
    budget = denominator.where(nat, out["arrived"])
    executed = out["executed"].where(nat, out["used"])
    out["budget_wan"] = budget
    out["executed_wan"] = executed
    out["exec_rate_calc"] = scoring.rate(executed, budget)
    out["arrival_rate_calc"] = scoring.rate(out["arrived"], out["planned"]).where(~nat)
    out["balance_wan"] = budget - executed

    ex = frames.exec
    total_exec = ex[ex["source"].eq("total")].drop_duplicates("sub").set_index("sub").reindex(idx)
    reported_weight = pd.to_numeric(total_exec.get("weight"), errors="coerce")
    out["exec_weight"] = reported_weight.where(reported_weight > 0, cfg.execution.weight).where(nat)
    out["exec_rate_reported"] = pd.to_numeric(total_exec.get("rate_reported"), errors="coerce")
    out["exec_rate_reported"] = out["exec_rate_reported"].where(
        nat, pd.to_numeric(p.get("exec_rate"), errors="coerce")
    )
    out["exec_score_reported"] = pd.to_numeric(total_exec.get("score_reported"), errors="coerce")
    out["exec_score_calc"] = scoring.exec_score(out["exec_weight"], out["exec_rate_calc"]).where(
        nat
    )

    # --- totals
    ind = frames.indicators
    if not ind.empty:
        g = ind.groupby("sub")
        ind_score = g["score_calc"].sum(min_count=1).reindex(idx)
        ind_weight = (
            pd.to_numeric(ind["weight"], errors="coerce")
            .groupby(ind["sub"])
            .sum(min_count=1)
            .reindex(idx)
        )
        ind_reported = (
            pd.to_numeric(ind["score_reported"], errors="coerce")
            .groupby(ind["sub"])
            .sum(min_count=1)
            .reindex(idx)
        )
        n_ind = g.size().reindex(idx).fillna(0).astype(int)
        na_any = (
            ind["weight_na"]
            .fillna(False)
            .astype(bool)
            .groupby(ind["sub"])
            .any()
            .reindex(idx)
            .fillna(False)
        )
    else:
        ind_score = ind_weight = ind_reported = pd.Series(np.nan, index=idx)
        n_ind = pd.Series(0, index=idx)
        na_any = pd.Series(False, index=idx)
    out["n_indicators"] = n_ind
    out["indicator_weight"] = ind_weight
    out["indicator_score_reported"] = ind_reported
    out["indicator_score_calc"] = ind_score
    exec_part = out["exec_score_calc"].fillna(out["exec_score_reported"])
    nat_total = exec_part.fillna(0) + ind_score.fillna(0)
    nat_total = nat_total.where(ind_score.notna() | exec_part.notna())
    out["weight_sum"] = (out["exec_weight"].fillna(0) + ind_weight.fillna(0)).where(nat)

    items = frames.score_items
    if not items.empty:
        si = items.assign(
            score=pd.to_numeric(items["score"], errors="coerce"),
            w3=pd.to_numeric(items["w3"], errors="coerce"),
        )
        h_total = si.groupby("sub")["score"].sum(min_count=1).reindex(idx)
        h_weight = si.groupby("sub")["w3"].sum(min_count=1).reindex(idx)
    else:
        h_total = h_weight = pd.Series(np.nan, index=idx)
    out["weight_sum"] = out["weight_sum"].where(nat, h_weight)
    out["total_calc"] = nat_total.where(nat, h_total)
    # N/A rescaling (RULES b.7): applicable scores over applicable weights, × 100
    applicable_w = (out["exec_weight"].fillna(0) + ind_weight.fillna(0)).where(nat, h_weight)
    out["total_na"] = (out["total_calc"] / applicable_w * 100).where(
        na_any & nat & (applicable_w > 0)
    )
    out["total_reported"] = pd.to_numeric(p["total_reported"], errors="coerce")
    out["grade_reported"] = p["grade_reported"]
    out["grade_calc"] = scoring.grade_series(out["total_calc"], cfg)
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
