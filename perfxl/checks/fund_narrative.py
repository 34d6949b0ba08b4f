"""Funds rules (F), the narrative against the funds tables: the figures it quotes (F12) and a
balance left unexplained (F13)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from perfxl.checks import scoring
from perfxl.checks.derive import HAINAN_MEASURES, NATIONAL_MEASURES
from perfxl.checks.engine import Ctx, hits, rule
from perfxl.checks.funds import (
    HAINAN,
    MEASURE_ZH,
    NATIONAL,
    _amounts,
    _apart,
    _fill,
    _key_codes,
    _money,
    _no_fund_hits,
    _over,
    _project_cells,
    _spent_cells,
    _subs_saying,
    _texts,
)
from perfxl.read import grammar as parse

# F13: words that say why money was left over; an explanation also names an amount (same sentence)
BALANCE_WORDS = (
    r"结余|节余|结存|节约|节省|剩余|未执行|未支出|未使用|未用|压缩|压减|结转|缴回|上缴|退回"
)

# F12: a figure in the narrative and the words just before it within its clause. The clause
# stops at punctuation; the look-behind keeps a number from being picked up in its middle.
MENTION_RE = (
    r"(?P<ctx>[^。;,:!?]{0,24}?)(?<![\d.,])"
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<unit>亿元|万元|元|%)"
)
# Keyword -> the table figure a number after it must match. Longer words first: the last keyword
# before the number decides, and "预算执行率" must read as a rate, not as a budget.
MENTION_CLASSES: tuple[tuple[str, str], ...] = (
    ("预算执行率", "rate"),
    ("资金使用率", "rate"),
    ("资金到位率", "arrival_rate"),
    ("支出进度", "rate"),
    ("支付进度", "rate"),
    ("执行进度", "rate"),
    ("完成指标", "rate"),
    ("执行率", "rate"),
    ("支出率", "rate"),
    ("到位率", "arrival_rate"),
    ("未执行", "balance"),
    ("未支出", "balance"),
    ("未使用", "balance"),
    ("结余", "balance"),
    ("节余", "balance"),
    ("结存", "balance"),
    ("节约", "balance"),
    ("剩余", "balance"),
    ("追加", "adjust"),
    ("调增", "adjust"),
    ("调减", "adjust"),
    ("核减", "adjust"),
    ("追减", "adjust"),
    ("支出", "executed"),
    ("使用", "executed"),
    ("执行", "executed"),
    ("支付", "executed"),
    ("花费", "executed"),
    ("开支", "executed"),
    ("用款", "executed"),
    ("到位", "arrived"),
    ("拨付", "arrived"),
    ("到账", "arrived"),
    ("预算", "budget"),
    ("批复", "budget"),
    ("下达", "budget"),
    ("安排", "budget"),
    ("计划", "budget"),
    ("投资", "budget"),
    ("资金", "any"),
    ("经费", "any"),
    ("总额", "any"),
    ("金额", "any"),
)
# figures about something else than this year's funds: multi-year totals, growth, unit costs
MENTION_SKIP = r"累计|总投资|同比|环比|增长|下降|人均|生均|每|标准|单价|上年度|去年|以前年度"
_KEYWORD_CLASS = dict(MENTION_CLASSES)
_LAST_KEYWORD = r".*(" + "|".join(k for k, _ in MENTION_CLASSES) + r")"
RATE_CLASSES = ("rate", "arrival_rate")
CLASS_ZH = {
    "rate": "执行率",
    "arrival_rate": "资金到位率",
    "balance": "结余",
    "adjust": "预算调整数",
    "executed": "执行（使用）数",
    "arrived": "到位资金",
    "budget": "预算数",
    "any": "资金数",
}
# the fund measures each money class may refer to, per profile
CLASS_MEASURES: dict[str, dict[str, tuple[str, ...]]] = {
    NATIONAL: {
        "budget": ("initial_budget", "annual_budget"),
        "arrived": ("annual_budget", "initial_budget"),
        "executed": ("executed",),
        "any": NATIONAL_MEASURES,
    },
    HAINAN: {
        "budget": ("planned", "arrived"),
        "arrived": ("arrived",),
        "executed": ("used",),
        "any": HAINAN_MEASURES,
    },
}


# ------------------------------------------------------------------ F12 – F13 narrative


_CLASS_OF_MEASURE = tuple(
    (profile, measure, cls)
    for profile, classes in CLASS_MEASURES.items()
    for cls, measures in classes.items()
    for measure in measures
)
# the figures derived per submission, in this order: (class, results column or rule)
_DERIVED = ("balance", "balance", "any", "any", "adjust", "rate", "rate", "arrival_rate")

_MENTION = re.compile(MENTION_RE)
_LAST_KEYWORD_RE = re.compile(_LAST_KEYWORD)
_MENTION_SKIP_RE = re.compile(MENTION_SKIP)
_DECIMALS_RE = re.compile(r"\.(\d+)$")


def _table_figures(ctx: Ctx) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every figure of the funds tables a narrative may quote: sub, cls, value (万元 or %).

    In a fixed order (a row's amounts in form order, then its derived figures), which decides
    the nearest figure between two equally near ones; built from arrays, not a merge and a stack."""
    a = _amounts(ctx)
    amount = a["amount"].to_numpy(dtype=float)
    profile, measure = a["profile"].to_numpy(), a["measure"].to_numpy()
    given = ~np.isnan(amount)
    at, cls_of = [], []
    for prof, meas, cls in _CLASS_OF_MEASURE:
        rows = np.flatnonzero(given & (profile == prof) & (measure == meas))
        at.append(rows)
        cls_of.append(np.full(len(rows), cls, dtype=object))
    at_all, cls_all = np.concatenate(at), np.concatenate(cls_of)
    # each amount row with its classes in _CLASS_OF_MEASURE order, as an inner merge gives them
    order = np.lexsort((np.concatenate([np.full(len(x), j) for j, x in enumerate(at)]), at_all))
    at_all, cls_all = at_all[order], cls_all[order]

    res = ctx.results
    used, planned = res["used"].astype(float), res["planned"].astype(float)
    balance = (res["budget_wan"] - res["executed_wan"]).to_numpy(dtype=float)
    adjust = np.abs((res["annual_budget"] - res["initial_budget"]).to_numpy(dtype=float))
    adjust = np.where(res["profile"].to_numpy() == NATIONAL, adjust, np.nan)
    # per submission, one value per _DERIVED class; a balance or adjustment is also a 资金数
    derived = np.column_stack(
        [
            balance,
            (planned - used).to_numpy(dtype=float),
            balance,
            adjust,
            adjust,
            res["exec_rate_calc"].to_numpy(dtype=float),
            scoring.rate(used, planned).to_numpy(dtype=float),
            res["arrival_rate_calc"].to_numpy(dtype=float),
        ]
    )
    k = len(_DERIVED)
    sub = np.concatenate([a["sub"].to_numpy()[at_all], np.repeat(res.index.to_numpy(), k)])
    cls = np.concatenate([cls_all, np.tile(np.array(_DERIVED, dtype=object), len(res))])
    value = np.concatenate([amount[at_all], derived.ravel()])
    # a blank table sums to 0: a narrative amount is compared with amounts that were filled in
    keep = (value > 0) | (np.isin(cls, RATE_CLASSES) & ~np.isnan(value))
    sub, cls, value = sub[keep], cls[keep], value[keep]
    _, first = np.unique(_key_codes(sub, cls, value), return_index=True)
    first.sort()  # drop_duplicates: the first of equal figures, in order
    return sub[first], cls[first], value[first]


def _narrative_mentions(texts: pd.DataFrame) -> pd.DataFrame:
    """Every figure a narrative text gives about this year's funds, in text order: the text's
    sub, sheet and cell, the words before the figure (ctx), the figure as written (num, unit),
    its class (cls), its value in 万元 or percent and the precision it is written with.

    Each distinct text is read once with `re`: str.extractall and the string methods after it
    cost several ms a call on a handful of texts."""
    narrative = np.flatnonzero(texts["kind"].to_numpy() == "narrative")
    codes, uniques = pd.factorize(texts["text"].to_numpy()[narrative])
    found: list[tuple[Any, ...]] = []
    count = np.zeros(len(uniques), dtype=np.int64)
    for i, text in enumerate(uniques):
        for mt in _MENTION.finditer(text):
            before, num, unit = mt.group("ctx", "num", "unit")
            last = _LAST_KEYWORD_RE.search(before)
            cls = _KEYWORD_CLASS[last.group(1)] if last else None
            about_funds = cls is not None and not _MENTION_SKIP_RE.search(before)
            if not about_funds or (unit == "%") != (cls in RATE_CLASSES):
                continue
            digits = num.replace(",", "")
            # the figure as written, in 万元 (money) or percent; the parsers do the conversion
            value = (
                parse.parse_number(digits).value
                if unit == "%"
                else parse.parse_money(digits + unit).value_wan
            )
            decimals = _DECIMALS_RE.search(digits)
            found.append(
                (
                    before,
                    num,
                    unit,
                    cls,
                    np.nan if value is None else float(value),
                    float(len(decimals.group(1))) if decimals else 0.0,
                    parse.MONEY_FACTORS.get(unit, 1.0),
                )
            )
            count[i] += 1
    # each distinct text's mentions, spread over the rows holding that text
    n = count[codes]
    at = np.repeat((np.cumsum(count) - count)[codes], n) + _offsets(n)
    row = np.repeat(narrative, n)
    names = ("ctx", "num", "unit", "cls", "value", "decimals", "factor")
    cols = dict(zip(names, zip(*found, strict=True), strict=True)) if found else {}
    m = {k: np.array(cols.get(k, ()), dtype=object)[at] for k in ("ctx", "num", "unit", "cls")}
    value, decimals, factor = (np.array(cols.get(k, ()), dtype=float)[at] for k in names[4:])
    return pd.DataFrame(
        {
            "sub": texts["sub"].to_numpy()[row],
            "sheet": texts["sheet"].to_numpy()[row],
            "cell": texts["cell"].to_numpy()[row],
            **m,
            "value": value,
            # a narrative may round or cut a figure to the precision it writes it with
            "precision": factor * 10.0 ** (-decimals),
        }
    )


def _offsets(counts: np.ndarray) -> np.ndarray:
    """0 .. n-1 for each n of `counts`, concatenated."""
    ends = np.cumsum(counts)
    return np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - counts, counts)


def _join(
    left: tuple[np.ndarray, ...], right: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """The (left, right) row positions of an inner join on the key columns, in a merge's order:
    left rows in order, each with its right rows in order."""
    n = len(left[0])
    code = _key_codes(*(np.concatenate([lv, rv]) for lv, rv in zip(left, right, strict=True)))
    lc, rc = code[:n], code[n:]
    order = np.argsort(rc, kind="stable")
    start = np.searchsorted(rc[order], lc, side="left")
    count = np.searchsorted(rc[order], lc, side="right") - start
    li = np.repeat(np.arange(n), count)
    return li, order[np.repeat(start, count) + _offsets(count)]


@rule(
    "F12",
    "warning",
    "row",
    "报告正文与表格金额不一致",
    "narrative figure differs from the table",
    "正文“{snippet}”写 {observed}{unit}，与表格{what} {expected}{unit} 不一致（相差 {diff}{unit}）。",
    "The narrative says “{snippet}”, {observed}{unit}, but the table's {what} is "
    "{expected}{unit} (difference {diff}{unit}).",
    thresholds=("tolerance.money_abs", "tolerance.money_rel", "tolerance.rate_pp"),
)
def f12_narrative_figures(ctx: Ctx) -> pd.DataFrame:
    m = _narrative_mentions(_texts(ctx))
    # each mention against every table figure of its class (an inner merge on sub and class)
    fig_sub, fig_cls, fig_value = _table_figures(ctx) if not m.empty else ((), (), ())
    li, ri = _join((m["sub"].to_numpy(), m["cls"].to_numpy()), (fig_sub, fig_cls))
    if not len(li):
        return _no_fund_hits("snippet", "unit", "what", "diff")
    value, value_t = m["value"].to_numpy(dtype=float)[li], np.asarray(fig_value)[ri]
    precision = m["precision"].to_numpy(dtype=float)[li]
    gap = np.abs(value - value_t)
    close = np.where(
        m["unit"].to_numpy()[li] == "%",
        gap <= np.maximum(ctx.cfg.tolerance.rate_pp, precision) + 1e-9,
        ~_apart(value, value_t, ctx),
    )
    ok = close | (gap < precision - 1e-9)
    matched = np.bincount(li[ok], minlength=len(m)) > 0
    # each mention's nearest figure: the first of the smallest gaps (NaN last), as a stable
    # sort by gap and a drop_duplicates give it; the mentions in that order
    blank = np.isnan(gap)
    by_gap = np.lexsort((np.arange(len(li)), np.where(blank, np.inf, gap), blank))
    nearest = by_gap[~pd.Index(li[by_gap]).duplicated()]
    nearest = nearest[~matched[li[nearest]]]
    if not len(nearest):
        return _no_fund_hits("snippet", "unit", "what", "diff")
    r = m.iloc[li[nearest]].assign(value_t=value_t[nearest], gap=gap[nearest])
    r = r.reset_index(drop=True)
    is_rate = r["unit"].eq("%")
    budget = ctx.results["budget_wan"].reindex(r["sub"]).to_numpy(dtype=float)
    shown = np.where(is_rate, "%", "万元")
    return hits(
        r,
        sheet=r["sheet"],
        cell=r["cell"],
        observed=np.where(is_rate, r["value"].round(2), _money(r["value"])),
        expected=np.where(is_rate, r["value_t"].round(2), _money(r["value_t"])),
        stake=_money(np.where(is_rate, r["gap"] / 100 * budget, r["gap"])),
        snippet=(r["ctx"].str.strip() + r["num"] + r["unit"]).str.slice(-30),
        unit=shown,
        what=r["cls"].map(CLASS_ZH),
        diff=np.where(is_rate, r["gap"].round(2), _money(r["gap"])),
    )


# a balance this share of the budget is worth explaining even when nobody mentions it
MATERIAL_BALANCE_SHARE = 0.03


@rule(
    "F13",
    "info",
    "submission",
    "结余未说明",
    "balance unexplained",
    "结余 {observed} 万元（{den_label} {budget} − {num_label} {spent} 万元），"
    "正文和说明中未见写明金额的结余原因。",
    "A balance of {observed} 万元 ({den_label} {budget} − {num_label} {spent} 万元) "
    "is left; no note or narrative explains it with an amount.",
    thresholds=("tolerance.money_abs", "tolerance.money_rel"),
)
def f13_balance_unexplained(ctx: Ctx) -> pd.DataFrame:
    res = ctx.results
    budget = res["budget_wan"].to_numpy(dtype=float)
    spent = res["executed_wan"].to_numpy(dtype=float)
    left = _over(budget, spent, ctx)
    if left.any():
        # an explanation is a sentence that says why (结余/节约/未执行/压缩 …) and names an
        # amount; "压缩了会议费" alone (the seed) is too vague to reconcile the balance
        texts = _texts(ctx)
        said = _subs_saying(texts, BALANCE_WORDS, with_figure=True)
        left &= ~res.index.isin(said)
    if left.any():
        # worth the officer's time: a material balance, or one the form talks about without
        # its amount; below the execution line F08 already asks why
        share = np.divide(budget - spent, budget, out=np.zeros_like(budget), where=budget > 0)
        vague = res.index.isin(_subs_saying(texts, BALANCE_WORDS, with_figure=False))
        rate = res["exec_rate_calc"].to_numpy(dtype=float)
        below = rate < ctx.cfg.execution.warn_below
        left &= ((share >= MATERIAL_BALANCE_SHARE) | vague) & ~below
    if not left.any():
        return _no_fund_hits("budget", "spent", "den_label", "num_label")
    r = res[left].rename_axis("sub").reset_index()
    budget, spent = budget[left], spent[left]
    nat = r["profile"].eq(NATIONAL)
    sheet, cell = _project_cells(ctx, "balance", r["sub"])
    spent_sheet, spent_cell = _spent_cells(ctx, r["sub"])
    balance = _money(budget - spent)
    den = np.where(nat, MEASURE_ZH[ctx.cfg.execution.denominator], MEASURE_ZH["arrived"])
    num = np.where(nat, MEASURE_ZH["executed"], MEASURE_ZH["used"])
    return hits(
        r,
        sheet=_fill(sheet, spent_sheet),
        cell=_fill(cell, spent_cell),
        observed=balance,
        expected=None,
        stake=balance,
        budget=_money(budget),
        spent=_money(spent),
        den_label=den,
        num_label=num,
    )
