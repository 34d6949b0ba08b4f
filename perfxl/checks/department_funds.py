"""Rules of the 部门整体支出绩效自评表 (department2020, domain a.3): its funds lines add up (F20:
基本支出 + 项目支出 = 资金总额, 人员经费 + 公用经费 = 基本支出), its 基本支出 is spent as budgeted
(F21), its indicators cover the department's performance (S20: 履职效能, or 产出 and 满意度).

The project-form rules that apply to it as well (rates, scores, weights, totals, grade) name
department2020 in their own `profiles`; the engine hides the form from every other rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfxl.checks.completeness import partial_subs
from perfxl.checks.engine import Ctx, hits, no_hits, rule
from perfxl.checks.funds import (
    DEPARTMENT,
    MEASURE_ZH,
    SOURCE_ZH,
    TOTAL_ZH,
    _amounts,
    _money,
    _no_fund_hits,
    _one_table,
)
from perfxl.model.findings import fmt_value

MEASURES = ("initial_budget", "annual_budget", "executed")
# each line that adds up others: (line, its parts); 资金总额 last, so a total that is off only
# because its 基本支出 line is can be recognised
SPLITS = (("basic", ("personnel", "public")), ("total", ("basic", "project")))
# a 一级 block's name (as read, "履职效能（60分）" → 履职效能) by the words that tell it
DUTY_WORDS, OUTPUT_WORDS, SATISFACTION_WORDS = ("履职",), ("产出",), ("满意",)


def _line_zh(source: str) -> str:
    return TOTAL_ZH[DEPARTMENT] if source == "total" else SOURCE_ZH.get(source, source)


def _lines(ctx: Ctx) -> pd.DataFrame:
    """The department forms' fund amounts as one row per (sub, measure), a column per line
    (NaN where blank), and a `<line>_cell` column per line."""
    a = _amounts(ctx)
    a = a[a["profile"].to_numpy() == DEPARTMENT]
    if a.empty:
        return pd.DataFrame()
    wide = a.pivot_table(
        index=["sub", "measure"], columns="source", values="amount", aggfunc="first", dropna=False
    )
    cells = a.pivot_table(
        index=["sub", "measure"], columns="source", values="cell", aggfunc="first"
    ).add_suffix("_cell")
    sheets = a.groupby(["sub", "measure"])["sheet"].first()
    out = wide.join(cells).assign(sheet=sheets).reset_index()
    for source in ("total", "basic", "personnel", "public", "project"):
        for col in (source, source + "_cell"):
            if col not in out:
                out[col] = np.nan if col == source else None
    return out


# ------------------------------------------------------------------ F20 the lines add up


@rule(
    "F20",
    "error",
    "row",
    "部门资金分项合计不符",
    "department funds lines do not add up",
    "{measure}：{line} {observed} 万元，{parts} 合计 {expected} 万元，二者应相等（相差 {diff} 万元）。",
    "{measure}: {line} is {observed} 万元, but {parts} add up to {expected} 万元 "
    "(a difference of {diff} 万元); the two must agree.",
    thresholds=("tolerance.money_abs",),
    profiles=(DEPARTMENT,),
)
def f20_department_split(ctx: Ctx) -> pd.DataFrame:
    columns = ("measure", "line", "parts", "diff")
    w = _lines(ctx)
    if w.empty:
        return _no_fund_hits(*columns)
    tol = ctx.cfg.tolerance.money_abs + 1e-9
    off: dict[str, np.ndarray] = {}
    found: list[pd.DataFrame] = []
    for line, parts in SPLITS:
        amount = w[line].to_numpy(dtype=float)
        values = w[list(parts)].to_numpy(dtype=float)
        filled = ~np.isnan(values)
        sums = np.where(filled, values, 0.0).sum(axis=1)
        bad = ~np.isnan(amount) & filled.any(axis=1) & (np.abs(amount - sums) > tol)
        if line == "total" and "basic" in off:
            # a total that equals 人员经费 + 公用经费 + 项目支出 is right: its 基本支出 is not
            lines = w[["personnel", "public", "project"]].to_numpy(dtype=float)
            full = np.where(np.isnan(lines), 0.0, lines).sum(axis=1)
            bad &= ~(off["basic"] & (np.abs(amount - full) <= tol))
        off[line] = bad
        if not bad.any():
            continue
        r = w[bad]
        names = [_line_zh(p) for p in parts]
        shown = [
            " + ".join(n for n, ok in zip(names, row, strict=True) if ok) for row in filled[bad]
        ]
        found.append(
            pd.DataFrame(
                {
                    "sub": r["sub"].to_numpy(),
                    "sheet": r["sheet"].to_numpy(),
                    "cell": r[line + "_cell"].to_numpy(),
                    "observed": _money(amount[bad]),
                    "expected": _money(sums[bad]),
                    "stake": _money(np.abs(amount[bad] - sums[bad])),
                    "measure": r["measure"].map(MEASURE_ZH).to_numpy(),
                    "line": _line_zh(line),
                    "parts": shown,
                    "diff": _money(np.abs(amount[bad] - sums[bad])),
                }
            )
        )
    return _one_table(found, *columns)


# ------------------------------------------------------------------ F21 基本支出 execution


@rule(
    "F21",
    "warning",
    "submission",
    "基本支出执行率异常",
    "basic spending rate out of range",
    "基本支出执行率 {observed}%（全年执行数 {executed} ÷ {den_label} {budget} 万元），"
    "不在 {low}%–{high}% 之间；基本支出保障人员和机构运转，执行偏低或超出预算须在“说明”中写明原因。",
    "The 基本支出 execution rate is {observed}% ({executed} / {budget} 万元 {den_label}), "
    "outside {low}%–{high}%; basic spending keeps staff and offices running, so a low or "
    "over-budget rate must be explained.",
    thresholds=(
        "department.basic_rate_low",
        "department.basic_rate_high",
        "execution.denominator",
    ),
    profiles=(DEPARTMENT,),
)
def f21_basic_rate(ctx: Ctx) -> pd.DataFrame:
    columns = ("executed", "budget", "den_label", "low", "high")
    w = _lines(ctx)
    if w.empty:
        return _no_fund_hits(*columns)
    den = ctx.cfg.execution.denominator
    cfg = ctx.cfg.department
    # the 基本支出 line, or 人员经费 + 公用经费 where the form leaves it blank
    parts = w[["personnel", "public"]].to_numpy(dtype=float)
    summed = np.where(np.isnan(parts).all(axis=1), np.nan, np.nansum(parts, axis=1))
    basic = np.where(np.isnan(w["basic"].to_numpy(dtype=float)), summed, w["basic"])
    by = pd.Series(basic, index=pd.MultiIndex.from_frame(w[["sub", "measure"]]))
    subs = pd.Index(w["sub"].unique())
    spent = by.xs("executed", level="measure").reindex(subs).to_numpy(dtype=float)
    budget = by.xs(den, level="measure").reindex(subs).to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(budget > 0, spent / budget * 100, np.nan)
    bad = (rate < cfg.basic_rate_low - 1e-9) | (rate > cfg.basic_rate_high + 1e-9)
    if not bad.any():
        return _no_fund_hits(*columns)
    r = pd.DataFrame({"sub": subs[bad]})
    ex = ctx.frames.exec
    basic_ex = ex[ex["source"].eq("basic")].drop_duplicates("sub").set_index("sub")
    executed_cell = w[w["measure"].eq("executed")].set_index("sub")["basic_cell"].reindex(r["sub"])
    cell = basic_ex["rate_cell"].reindex(r["sub"]).fillna(executed_cell)
    sheet = w.drop_duplicates("sub").set_index("sub")["sheet"].reindex(r["sub"])
    return hits(
        r,
        sheet=sheet.to_numpy(),
        cell=cell.to_numpy(),
        observed=np.round(rate[bad], 2),
        expected=f"{fmt_value(cfg.basic_rate_low)}–{fmt_value(cfg.basic_rate_high)}",
        stake=_money(np.abs(budget[bad] - spent[bad])),
        executed=_money(spent[bad]),
        budget=_money(budget[bad]),
        den_label=MEASURE_ZH[den],
        low=cfg.basic_rate_low,
        high=cfg.basic_rate_high,
    )


# ------------------------------------------------------------------ S20 the indicator blocks


@rule(
    "S20",
    "warning",
    "submission",
    "部门整体指标结构不完整",
    "department indicators lack their blocks",
    "部门整体支出绩效指标未设“履职效能”，也未同时设“产出指标”和“满意度指标”"
    "（现有一级指标：{observed}）；部门整体绩效应反映履职产出和服务对象满意度。",
    "The department-wide indicators have no 履职效能 block, nor both 产出指标 and 满意度指标 "
    "(the top level has: {observed}); a department's performance should show what its duties "
    "produced and how satisfied those served are.",
    profiles=(DEPARTMENT,),
)
def s20_department_blocks(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    subs = set(ctx.projects.loc[ctx.projects["profile"].eq(DEPARTMENT), "sub"])
    cut, _unscored = partial_subs(ctx.projects)  # a table cut short lost blocks: S14 says so
    mine = ind[ind["sub"].isin(subs - cut)] if not ind.empty else ind
    if mine.empty:
        return no_hits()
    level = mine["level1"].fillna("").astype(str) + "|" + mine["level2"].fillna("").astype(str)

    def has(words: tuple[str, ...]) -> pd.Series:
        return level.str.contains("|".join(words)).groupby(mine["sub"]).any()

    ok = has(DUTY_WORDS) | (has(OUTPUT_WORDS) & has(SATISFACTION_WORDS))
    bad = ok.index[~ok.to_numpy()]
    if bad.empty:
        return no_hits()
    rows = mine[mine["sub"].isin(bad)].sort_values(["sub", "row"], kind="stable")
    first = rows.drop_duplicates("sub")
    present = rows.groupby("sub", sort=False)["level1"].agg(
        lambda s: "、".join(dict.fromkeys(x for x in s if isinstance(x, str) and x)) or "无"
    )
    return hits(
        first,
        sheet=first["sheet"],
        cell=first["level1_cell"].fillna(first["name_cell"]),
        observed=first["sub"].map(present),
        expected="履职效能，或 产出指标 + 满意度指标",
    )
