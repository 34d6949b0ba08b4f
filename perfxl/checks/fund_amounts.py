"""Funds rules (F), the amounts against each other: spending over the budget (F03), use over
arrivals (F04), arrivals over the plan and budget changes unexplained (F05), spending without a
budget (F09), sources that do not add up (F06), 元/万元 mix-ups (F07)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from perfxl.checks.engine import Ctx, hits, rule
from perfxl.checks.funds import (
    HAINAN,
    MEASURE_ZH,
    NATIONAL,
    SOURCE_ZH,
    _amounts,
    _apart,
    _fill,
    _key_codes,
    _money,
    _no_fund_hits,
    _one_table,
    _over,
    _pair_rows,
    _subs_saying,
    _texts,
)
from perfxl.spec import NATIONAL_STYLE

# F05: words that show a budget adjustment is explained in the narrative fields
ADJUST_WORDS = r"预算调整|调整预算|资金调整|调整后|追加|调增|调减|核减|追减|调剂"
# a note that says nothing ("无", "/", "—") is no explanation
PLACEHOLDER = r"(?:无|[/／]+|[-—–]+|不适用|暂无|无情况说明|无说明)?[。.]?"


def _prefer_sources(rows: pd.DataFrame) -> pd.DataFrame:
    """A flagged source row names the cell to fix; its total row only repeats it, so drop that."""
    src = rows["source"].ne("total")
    return rows[src | ~rows["sub"].isin(rows.loc[src, "sub"])]


def _real_note(text: pd.Series) -> pd.Series:
    t = text.fillna("").astype(str).str.strip()
    return t.ne("") & ~t.str.fullmatch(PLACEHOLDER)


# ------------------------------------------------------------------ F03 – F05, F09 row pairs


def _excess(ctx: Ctx, rows: pd.DataFrame, **labels: str) -> pd.DataFrame:
    """Rows whose `num` exceeds a positive `den` (a zero or blank `den` is F09's finding).

    A total that is over only because a source row is over, or spent money it had no
    budget for (F09), repeats that row's finding and is left out."""
    num, den = rows["num"].to_numpy(dtype=float), rows["den"].to_numpy(dtype=float)
    over = (den > 0) & _over(num, den, ctx)
    if not over.any():
        return _no_fund_hits("diff", "row", *labels)
    src = rows["source"].to_numpy() != "total"
    culprit = src & (over | ((num > 0) & ~(den > 0)))
    sub = rows["sub"]
    r = rows[over & (src | ~sub.isin(sub.to_numpy()[culprit]).to_numpy())]
    diff = _money(r["num"] - r["den"])
    return hits(
        r,
        sheet=r["sheet"],
        cell=r["num_cell"],
        observed=_money(r["num"]),
        expected=_money(r["den"]),
        stake=diff,
        diff=diff,
        row=r["row"],
        **labels,
    )


@rule(
    "F03",
    "warning",
    "row",
    "执行数超过预算数",
    "spending exceeds the budget",
    "{row}{num_label} {observed} 万元超过{den_label} {expected} 万元（超出 {diff} 万元）。",
    "{row}: {num_label} {observed} 万元 exceeds {den_label} {expected} 万元 by {diff} 万元.",
    thresholds=("tolerance.money_abs", "tolerance.money_rel", "execution.denominator"),
    profiles=NATIONAL_STYLE,
)
def f03_over_budget(ctx: Ctx) -> pd.DataFrame:
    den = ctx.cfg.execution.denominator
    parts = [
        _excess(
            ctx,
            _pair_rows(ctx, profile, "executed", den),
            num_label=MEASURE_ZH["executed"],
            den_label=MEASURE_ZH[den],
        )
        for profile in NATIONAL_STYLE
        if profile in ctx.present
    ]
    return _one_table(parts, "diff", "row", "num_label", "den_label")


@rule(
    "F04",
    "error",
    "row",
    "使用数超过到位数",
    "funds used exceed funds arrived",
    "{row}实际使用 {observed} 万元超过实际到位 {expected} 万元（超出 {diff} 万元）。",
    "{row}: {observed} 万元 used exceeds the {expected} 万元 that arrived, by {diff} 万元.",
    thresholds=("tolerance.money_abs", "tolerance.money_rel"),
    profiles=(HAINAN,),
)
def f04_used_over_arrived(ctx: Ctx) -> pd.DataFrame:
    return _excess(ctx, _pair_rows(ctx, HAINAN, "used", "arrived"))


@rule(
    "F05",
    "warning",
    "row",
    "到位超计划 / 预算调整未说明",
    "arrivals exceed the plan / budget change unexplained",
    "{row}{num_label} {observed} 万元与{den_label} {expected} 万元相差 {diff} 万元，"
    "须核实并在说明中写明原因。",
    "{row}: {num_label} {observed} 万元 differs from {den_label} {expected} 万元 by {diff} 万元; "
    "check it and give the reason in a note.",
    severities=("warning", "info"),
    thresholds=("tolerance.money_abs", "tolerance.money_rel"),
)
def f05_arrival_and_adjustment(ctx: Ctx) -> pd.DataFrame:
    parts = []
    # hainan: more money arrived than was planned (WARNING)
    if HAINAN in ctx.present:
        parts.append(
            _excess(
                ctx,
                _pair_rows(ctx, HAINAN, "arrived", "planned"),
                num_label=MEASURE_ZH["arrived"],
                den_label=MEASURE_ZH["planned"],
            )
        )
    if NATIONAL in ctx.present:
        parts.append(_unexplained_adjustments(ctx))
    return _one_table(parts, "diff", "row", "num_label", "den_label")


def _unexplained_adjustments(ctx: Ctx) -> pd.DataFrame:
    """F05, national: the budget changed during the year and nothing says why (INFO). Any real
    note in the funds 说明 column counts; elsewhere a sentence must speak of an adjustment."""
    rows = _pair_rows(ctx, NATIONAL, "annual_budget", "initial_budget")
    num, den = rows["num"].to_numpy(dtype=float), rows["den"].to_numpy(dtype=float)
    total = (rows["source"].to_numpy() == "total") & ~np.isnan(num) & ~np.isnan(den)
    changed = total & _apart(num, den, ctx)
    if not changed.any():
        return _no_fund_hits("severity", "diff", "row", "num_label", "den_label")
    rows = rows[changed]
    ex = ctx.frames.exec
    noted = ex.loc[_real_note(ex["note"]), "sub"]
    said = _subs_saying(_texts(ctx), ADJUST_WORDS, with_figure=False)
    r = rows[~rows["sub"].isin(noted) & ~rows["sub"].isin(said)]
    if not r.empty:
        # a rise of exactly the 上年结转资金 the form prints below is the carry-over: explained
        r = r[~_carried_over(ctx, r)]
    diff = _money((r["num"] - r["den"]).abs())
    return hits(
        r,
        sheet=r["sheet"],
        cell=r["num_cell"],
        observed=_money(r["num"]),
        expected=_money(r["den"]),
        severity="info",
        stake=diff,
        diff=diff,
        row=r["row"],
        num_label=MEASURE_ZH["annual_budget"],
        den_label=MEASURE_ZH["initial_budget"],
    )


def _carried_over(ctx: Ctx, rows: pd.DataFrame) -> np.ndarray:
    """Rows whose 全年预算数 − 年初预算数 equals the 上年结转资金 row's (年初 blank: 0)."""
    f = ctx.frames.funds
    carry = f[f["source"].eq("carryover")]
    if carry.empty:
        return np.zeros(len(rows), dtype=bool)
    amounts = carry.pivot_table(
        index="sub", columns="measure", values="amount_wan", aggfunc="first"
    ).reindex(columns=["annual_budget", "initial_budget"])
    added = (amounts["annual_budget"] - amounts["initial_budget"].fillna(0)).reindex(rows["sub"])
    rise = (rows["num"] - rows["den"]).to_numpy(dtype=float)
    added = added.to_numpy(dtype=float)
    return ~np.isnan(added) & (added > 0) & ~_apart(rise, added, ctx)


@rule(
    "F09",
    "error",
    "row",
    "预算数为0却有执行数",
    "spending without a budget",
    "{row}{num_label} {observed} 万元，但{den_label}为 0 或空白，无法计算执行率。",
    "{row}: {num_label} is {observed} 万元 but {den_label} is 0 or blank; "
    "the rate cannot be computed.",
    thresholds=("execution.denominator",),
)
def f09_no_budget(ctx: Ctx) -> pd.DataFrame:
    parts = []
    for profile, num, den in (
        (NATIONAL, "executed", ctx.cfg.execution.denominator),
        (HAINAN, "used", "arrived"),
    ):
        if profile not in ctx.present:
            continue
        rows = _pair_rows(ctx, profile, num, den)
        spent = rows["num"].to_numpy(dtype=float) > 0
        no_budget = spent & ~(rows["den"].to_numpy(dtype=float) > 0)
        if not no_budget.any():
            continue
        r = _prefer_sources(rows[no_budget])
        parts.append(
            hits(
                r,
                sheet=r["sheet"],
                cell=r["den_cell"],
                observed=_money(r["num"]),
                expected=None,
                stake=_money(r["num"]),
                row=r["row"],
                num_label=MEASURE_ZH[num],
                den_label=MEASURE_ZH[den],
            )
        )
    return _one_table(parts, "row", "num_label", "den_label")


# ------------------------------------------------------------------ F06 – F07 amounts


@rule(
    "F06",
    "error",
    "row",
    "资金来源合计不符",
    "sources do not add up",
    "{measure}合计 {observed} 万元，各资金来源（已填 {filled} 项）合计 {parts} 万元，二者应相等。",
    "The {measure} total is {observed} 万元, but the source rows ({filled} filled) add up to "
    "{parts} 万元; the two must agree.",
    severities=("error", "warning"),
    thresholds=("tolerance.money_abs", "tolerance.money_rel"),
)
def f06_source_sum(ctx: Ctx) -> pd.DataFrame:
    a = _amounts(ctx)
    amount = a["amount"].to_numpy(dtype=float)
    is_src = a["source"].to_numpy() != "total"
    # (sub, measure) groups as integers; a blank sub or measure is in no group (as in a groupby)
    sub_code, subs = pd.factorize(a["sub"].to_numpy())
    measure_code, measures = pd.factorize(a["measure"].to_numpy())
    group = sub_code * len(measures) + measure_code
    group[(sub_code < 0) | (measure_code < 0)] = -1
    n = len(subs) * len(measures)
    in_src = is_src & (group >= 0)
    given = in_src & ~np.isnan(amount)
    rows_of = np.bincount(group[in_src], minlength=n)
    filled_of = np.bincount(group[given], minlength=n)
    if filled_of.max(initial=0) <= 2:
        # a sum of at most two numbers is the same however it is added up
        parts_of = np.bincount(group[given], weights=amount[given], minlength=n)
    else:  # pandas' (compensated) group sum, so the figures stay those of a groupby
        g = pd.Series(amount[given]).groupby(group[given]).sum()
        parts_of = np.zeros(n)
        parts_of[g.index.to_numpy()] = g.to_numpy()

    # the total rows of a measure that has source rows
    at = np.flatnonzero(~is_src & (group >= 0))
    at = at[rows_of[group[at]] > 0]
    total, parts, filled = amount[at], parts_of[group[at]], filled_of[group[at]]
    mismatch = ~np.isnan(total) & (filled > 0)
    mismatch &= _apart(np.nan_to_num(total, nan=0.0), parts, ctx)
    # a total with no source filled is a gap where the form asks for the breakdown cell by
    # cell (the template); a unit's own layout may print the total alone
    asked = a["layout"].to_numpy()[at] == "template"
    missing = (total > ctx.cfg.tolerance.money_abs) & (filled == 0) & asked
    sel = mismatch | missing
    if not sel.any():
        return _no_fund_hits("severity", "measure", "filled", "parts")
    r, mis = a.iloc[at[sel]], mismatch[sel]
    cell_of = a["cell"].to_numpy()
    cell = cell_of[at[sel]]
    if not mis.all():
        # A missing breakdown is pointed at the source row the project fills in its other
        # measures (the seed's 实际使用 goes to 省财政, as its 计划/到位 do), else at the first
        # source row.
        pair = _key_codes(a["sub"].to_numpy(), a["source"].to_numpy())
        src = np.flatnonzero(is_src)
        filled_pairs = pair[src[~np.isnan(amount[src])]]
        src = src[group[src] >= 0]
        src = src[np.argsort(~np.isin(pair[src], filled_pairs), kind="stable")]
        groups, first = np.unique(group[src], return_index=True)
        # every total here has source rows, so its group is found
        target = cell_of[src[first[np.searchsorted(groups, group[at[sel]])]]]
        cell = np.where(mis, cell, _fill(target, cell))
    diff = _money(np.abs(total[sel] - parts[sel]))
    sums = _money(parts[sel])
    return hits(
        r,
        sheet=r["sheet"],
        cell=cell,
        observed=_money(total[sel]),
        expected=np.where(mis, sums, None),
        severity=np.where(mis, "error", "warning"),
        stake=np.where(mis, diff, _money(total[sel])),
        measure=r["measure"].map(MEASURE_ZH),
        filled=filled[sel],
        parts=sums,
    )


def _wide_groups(group: np.ndarray, amount: np.ndarray, mask: np.ndarray, cfg: Any) -> np.ndarray:
    """Rows (in `mask`) of a group whose largest amount is ≥ magnitude_ratio_lo × its smallest."""
    out = np.zeros(len(group), dtype=bool)
    if not mask.any():
        return out
    g, x = group[mask], amount[mask]
    hi = np.full(g.max() + 1, -np.inf)
    lo = np.full(g.max() + 1, np.inf)
    np.maximum.at(hi, g, x)
    np.minimum.at(lo, g, x)
    # the same division as a pair's ratio below: no pair of the group can reach the line if its
    # largest over its smallest does not
    out[mask] = hi[g] / lo[g] >= cfg.magnitude_ratio_lo
    return out


@rule(
    "F07",
    "warning",
    "row",
    "疑似元/万元单位混用",
    "元 / 万元 mix-up suspected",
    "{item} {observed} 万元，是{ref_item} {ref} 万元的 {ratio} 倍，疑似按“元”填写"
    "（按元计为 {expected} 万元）。",
    "{item} is {observed} 万元, {ratio} times {ref_item} {ref} 万元; it looks like an amount "
    "in 元 ({expected} 万元 if read as 元).",
    thresholds=("funds.magnitude_ratio_lo", "funds.magnitude_ratio_hi", "funds.max_project_wan"),
)
def f07_magnitude(ctx: Ctx) -> pd.DataFrame:
    cfg = ctx.cfg.funds
    a = _amounts(ctx)
    amount = a["amount"].to_numpy(dtype=float)
    positive = amount > 0
    # A ≈10⁴ pair needs a group of comparable amounts whose largest is ≥ ratio_lo × its smallest:
    # only the submissions with such a group are paired up below (nearly always none).
    sub = a["sub"].to_numpy()
    is_src = a["source"].to_numpy() != "total"
    wide = _wide_groups(_key_codes(sub, a["source"].to_numpy()), amount, positive, cfg)
    wide |= _wide_groups(_key_codes(sub, a["measure"].to_numpy()), amount, positive & is_src, cfg)
    big = positive & (amount > cfg.max_project_wan)
    if not (wide.any() or big.any()):
        return _no_fund_hits("item", "ref_item", "ref", "ratio")
    a = a[positive].copy()
    a["item"] = (
        a["measure"].map(MEASURE_ZH) + "（" + a["source"].map(SOURCE_ZH).fillna(a["source"]) + "）"
    )
    key = ["sub", "measure", "source"]
    cols = [*key, "amount", "item"]

    # comparable pairs: one source across measures (totals included), and the sources of one
    # measure among themselves; the larger amount of a ≈10⁴ pair is the one typed in 元
    near = a[a["sub"].isin(sub[wide])]
    across = near[cols].merge(near[cols], on=["sub", "source"], suffixes=("", "_o"))
    across = across[across["measure"] != across["measure_o"]]
    parts = near.loc[near["source"].ne("total"), cols]
    within = parts.merge(parts, on=["sub", "measure"], suffixes=("", "_o"))
    within = within[within["source"] != within["source_o"]]
    pairs = pd.concat([across, within], ignore_index=True)
    pairs = pairs.assign(ratio=pairs["amount"] / pairs["amount_o"])
    pairs = pairs[pairs["ratio"].between(cfg.magnitude_ratio_lo, cfg.magnitude_ratio_hi)]
    pairs = pairs.sort_values("ratio", kind="stable").drop_duplicates(key)
    pairs = pairs[[*key, "item_o", "amount_o"]].rename(
        columns={"item_o": "ref_item", "amount_o": "ref"}
    )
    # no comparable amount, but beyond what one project can hold
    big = a.loc[a["amount"] > cfg.max_project_wan, key].assign(
        ref_item="单个项目上限", ref=cfg.max_project_wan
    )
    found = pd.concat([pairs, big], ignore_index=True).drop_duplicates(key)
    r = found.merge(a, on=key, how="inner")
    # a source row typed in 元 inflates its total too: report the source row only
    slipped = r.loc[r["source"].ne("total"), ["sub", "measure"]].drop_duplicates()
    inherited = r[["sub", "measure"]].merge(slipped.assign(hit=True), how="left")["hit"]
    r = r[~(r["source"].eq("total") & inherited.eq(True).to_numpy())]
    return hits(
        r,
        sheet=r["sheet"],
        cell=r["cell"],
        observed=_money(r["amount"]),
        expected=np.round(r["amount"].to_numpy(dtype=float) / 1e4, 6),
        stake=_money(r["amount"] * (1 - 1e-4)),
        item=r["item"],
        ref_item=r["ref_item"],
        ref=_money(r["ref"]),
        ratio=np.round(r["amount"].to_numpy(dtype=float) / r["ref"].to_numpy(dtype=float), 0),
    )
