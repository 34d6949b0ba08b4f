"""Funds rules on the execution cells of the fund rows: what the 年度资金总额 row leaves blank (F14
its 执行率/得分, F15 its 年初预算数), what a source row fills that only the total may (F16), and a
rate written for 0 ÷ 0 (F18)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from perfxl.checks.engine import Ctx, hits, no_hits, rule
from perfxl.checks.funds import NATIONAL, SOURCE_ZH, _total_exec
from perfxl.model.findings import fmt_value

_BREAKDOWN_MARK = re.compile(r"^\s*其中\s*[:：]?\s*")


def _printed_sources(ctx: Ctx, rows: pd.DataFrame) -> list[str]:
    """Each exec row's source as the form prints it (本年财政拨款), else perfxl's name for it."""
    f = ctx.frames.funds
    keys = zip(f["sub"], f["source"], strict=True)
    printed = dict(zip(keys, f["source_label"], strict=True))
    return [
        _BREAKDOWN_MARK.sub("", str(printed.get((sub, src)) or SOURCE_ZH.get(src, src)))
        for sub, src in zip(rows["sub"], rows["source"], strict=True)
    ]


def _blank(raw: pd.Series) -> np.ndarray:
    """Nothing written: None, empty or spaces (a "—" or "/" is an answer, not a blank)."""
    return raw.map(
        lambda v: v is None or (isinstance(v, str) and not v.strip()) or v != v
    ).to_numpy(dtype=bool)


@rule(
    "F14",
    "warning",
    "submission",
    "执行率或得分未填写",
    "execution rate or score left blank",
    "年度资金总额有预算 {budget} 万元、执行 {executed} 万元，但{item}未填写；按表中数字应为 {expected}。",
    "The fund total has a budget of {budget} 万元 and {executed} 万元 spent, but its {item} is "
    "blank; the figures give {expected}.",
)
def f14_blank_rate_or_score(ctx: Ctx) -> pd.DataFrame:
    tot = _total_exec(ctx)
    res = ctx.results
    if tot.empty:
        return no_hits("budget", "executed", "item")
    r = res.reindex(tot.index)
    counted = (
        r["profile"].eq(NATIONAL).to_numpy()
        & (r["budget_wan"].astype(float) > 0).to_numpy()
        & r["executed_wan"].notna().to_numpy()
    )
    rate_blank = tot["rate_cell"].notna().to_numpy() & _blank(tot["rate_raw"]) & counted
    score_blank = tot["score_cell"].notna().to_numpy() & _blank(tot["score_raw"]) & counted
    bad = rate_blank | score_blank
    if not bad.any():
        return no_hits("budget", "executed", "item")
    t, rr = tot[bad], r[bad]
    rate_b, score_b = rate_blank[bad], score_blank[bad]
    item = np.where(rate_b & score_b, "执行率和得分", np.where(rate_b, "执行率", "得分"))
    rate = rr["exec_rate_calc"].astype(float).round(2)
    score = rr["exec_score_calc"].astype(float).round(2)
    expected = [
        "；".join(
            x
            for x in (
                f"执行率 {fmt_value(a)}%" if rb else "",
                f"得分 {fmt_value(s)} 分" if sb and s == s else "",
            )
            if x
        )
        for a, s, rb, sb in zip(rate, score, rate_b, score_b, strict=True)
    ]
    frame = t.reset_index()
    return hits(
        frame,
        sheet=t["sheet"].to_numpy(),
        cell=np.where(rate_b, t["rate_cell"].to_numpy(), t["score_cell"].to_numpy()),
        budget=rr["budget_wan"].astype(float).round(2).map(fmt_value).to_numpy(),
        executed=rr["executed_wan"].astype(float).round(2).map(fmt_value).to_numpy(),
        item=item,
        expected=expected,
    )


@rule(
    "F15",
    "info",
    "submission",
    "年初预算数未填写",
    "initial budget left blank",
    "年度资金总额的年初预算数未填写（全年预算数 {annual} 万元）；如年初未安排预算请写 0，否则请补填，以便核对预算调整。",
    "The fund total's 年初预算数 is blank (全年预算数 {annual} 万元); write 0 if nothing was "
    "budgeted at the start of the year, otherwise fill it in so the adjustment can be checked.",
)
def f15_blank_initial_budget(ctx: Ctx) -> pd.DataFrame:
    f = ctx.frames.funds
    if f.empty:
        return no_hits("annual")
    total = f[f["source"].eq("total")]
    initial = total[total["measure"].eq("initial_budget")].drop_duplicates("sub").set_index("sub")
    annual = total[total["measure"].eq("annual_budget")].drop_duplicates("sub").set_index("sub")
    both = initial.index.intersection(annual.index)
    if both.empty:
        return no_hits("annual")
    i, a = initial.loc[both], annual.loc[both]
    # a stand-in (no 全年预算数 column: both read from one cell) is not a blank of its own
    apart = i["cell"].to_numpy() != a["cell"].to_numpy()
    profile = ctx.projects.set_index("sub")["profile"].reindex(both)
    bad = (
        apart
        & _blank(i["raw"])
        & a["amount_wan"].notna().to_numpy()
        & profile.eq(NATIONAL).to_numpy()
    )
    if not bad.any():
        return no_hits("annual")
    i, a = i[bad], a[bad]
    return hits(
        i.reset_index(),
        sheet=i["sheet"].to_numpy(),
        cell=i["cell"].to_numpy(),
        annual=a["amount_wan"].astype(float).round(2).map(fmt_value).to_numpy(),
    )


@rule(
    "F16",
    "warning",
    "row",
    "分项行重复计分",
    "execution scored again on a source row",
    "「{source}」行填写了得分 {observed} 分；预算执行率只在年度资金总额行计一次分，分项行应留空或填"
    "“—”，请删除，以免重复计分。",
    "The “{source}” row carries a score of {observed}; budget execution is scored once, on the "
    "fund total row — leave the source rows blank or “—” so it is not counted twice.",
)
def f16_score_on_source_rows(ctx: Ctx) -> pd.DataFrame:
    ex = ctx.frames.exec
    if ex.empty or "score_reported" not in ex:
        return no_hits("source")
    at = ctx.project_pos(ex["sub"])
    profile = ctx.projects["profile"].to_numpy(dtype=object)
    national = np.zeros(len(ex), dtype=bool)
    national[at >= 0] = profile[at[at >= 0]] == NATIONAL
    score = pd.to_numeric(ex["score_reported"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        bad = national & (ex["source"].to_numpy() != "total") & (score > 0)
    if not bad.any():
        return no_hits("source")
    rows = ex[bad]
    label = _printed_sources(ctx, rows)
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["score_cell"],
        observed=score[bad],
        source=label,
    )


@rule(
    "F18",
    "info",
    "row",
    "无预算无执行却填执行率",
    "a rate written for a row with nothing budgeted or spent",
    "「{source}」行预算数和执行数均为 0 或空白，执行率却填写为 {observed}%；0 ÷ 0 没有执行率，应填“—”。",
    "The “{source}” row has neither a budget nor spending, yet its rate reads {observed}%; 0 / 0 "
    "has no rate — write “—”.",
)
def f18_rate_of_nothing(ctx: Ctx) -> pd.DataFrame:
    ex = ctx.frames.exec
    if ex.empty or "rate_reported" not in ex:
        return no_hits("source")
    rate = pd.to_numeric(ex["rate_reported"], errors="coerce").to_numpy(dtype=float)
    has_rate = ~np.isnan(rate) & (ex["source"].to_numpy() != "total")
    if not has_rate.any():
        return no_hits("source")
    f = ctx.frames.funds
    amount = pd.to_numeric(f["amount_wan"], errors="coerce").fillna(0.0)
    # the largest amount any measure of the row shows: 0 when every one is 0 or blank
    largest = amount.abs().groupby([f["sub"], f["source"]]).max()
    keys = pd.MultiIndex.from_arrays([ex["sub"], ex["source"]])
    row_max = largest.reindex(keys).to_numpy(dtype=float)
    bad = has_rate & ~np.isnan(row_max) & (row_max < ctx.cfg.tolerance.money_abs)
    if not bad.any():
        return no_hits("source")
    rows = ex[bad]
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["rate_cell"],
        observed=[fmt_value(round(x, 2)) for x in rate[bad]],
        source=_printed_sources(ctx, rows),
    )
