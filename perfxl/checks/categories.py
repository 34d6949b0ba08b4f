"""Structure rules (S), the indicator categories: the 一级 weights against the standard split
(S06) and the output/benefit floor (S07), a missing 一级 (S08), a 二级 under the wrong 一级
(S09), repeated indicators and weights not above 0 (S10)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from perfxl.checks.cells import as_numbers
from perfxl.checks.engine import Ctx, hits, map_distinct, no_hits, rule
from perfxl.checks.structure import (
    GROUPS,
    HAINAN,
    LEVEL1_GROUP,
    NATIONAL,
    WEIGHT_TOL,
    _blocks,
    _exec_totals,
    _fmt,
    _fmt_s,
    _group_ids,
    _group_weights,
    _hainan_levels,
    _indicators,
    _projects_at,
    _score_items,
    _spec_cells,
)
from perfxl.spec import get_profile
from perfxl.spec.lists import LEVEL2_PARENT

# Which 一级 a 二级 may sit under, beyond LEVEL2_PARENT (domain a.2 M2021).
EXTRA_PARENTS = {"成本指标": ("成本指标",)}
LEVEL1_ALIAS = {"成效指标": "效益指标"}


# ------------------------------------------------------------------ S06 S07 S08: the 一级 mix


def _group_text(weights: tuple[float, ...]) -> str:
    return "/".join(_fmt(float(x)) for x in weights)


@rule(
    "S06",
    "info",
    "submission",
    "一级权重与原则设置不同",
    "top-level weights differ from the standard split",
    "一级指标分值（执行率/产出/效益/满意度）为 {observed}，与“原则上”的 {expected} 不同；"
    "如属特殊情况，请在“存在问题及改进措施”中说明。",
    "The top-level weights (execution/output/benefit/satisfaction) are {observed}, not the "
    "standard {expected}; explain the special case.",
    thresholds=("indicators.level1_weights",),
    profiles=(NATIONAL,),
)
def s06_standard_split(ctx: Ctx) -> pd.DataFrame:
    g = _group_weights(ctx)
    g = g[g["known"]]
    want = np.asarray(ctx.cfg.indicators.level1_weights, dtype=float)
    # per group whether it differs; a NaN weight never does
    with np.errstate(invalid="ignore"):
        diff = np.abs(g[list(GROUPS)].to_numpy(dtype=float) - want) > WEIGHT_TOL
    diff = np.column_stack([diff, np.abs(g["其他"].to_numpy(dtype=float)) > WEIGHT_TOL])
    bad = diff.any(axis=1)
    if not bad.any():
        return no_hits()
    g, diff = g[bad], diff[bad]
    rows = _projects_at(ctx, g.index)
    # point at the first group that differs: the execution 分值 cell or the block's 一级 label
    first = np.array([*GROUPS, "其他"], dtype=object)[diff.argmax(axis=1)]
    ex_total = _exec_totals(ctx)
    b = _blocks(ctx)
    b = b.assign(group=b["level1"].map(LEVEL1_GROUP).fillna("其他")).drop_duplicates(
        ["sub", "group"]
    )
    bcell = b.set_index(["sub", "group"])[["sheet", "cell"]]
    keys = pd.MultiIndex.from_arrays([g.index, first])
    block_at = bcell.reindex(keys)
    is_exec = first == "执行率"
    sheet = np.where(is_exec, ex_total["sheet"].reindex(g.index), block_at["sheet"])
    cell = np.where(is_exec, ex_total["weight_cell"].reindex(g.index), block_at["cell"])
    observed = _fmt_s(g["执行率"])
    for grp in GROUPS[1:]:
        observed = observed + "/" + _fmt_s(g[grp])
    observed = observed + np.where(g["其他"] != 0, "（其他 " + _fmt_s(g["其他"]) + "）", "")
    return hits(
        rows,
        sheet=sheet,
        cell=cell,
        observed=observed.to_numpy(),
        expected=_group_text(tuple(ctx.cfg.indicators.level1_weights)),
    )


def _output_or_benefit(level2: Any) -> bool:
    # as str.contains("产出|效益") on the text of the label
    return "产出" in str(level2) or "效益" in str(level2)


@rule(
    "S07",
    "warning",
    "submission",
    "产出、效益权重偏低",
    "output and benefit weights below the floor",
    "产出、效益指标分值占比为 {observed}%，低于原则上的 {expected}%。",
    "Output and benefit indicators carry {observed}% of the weight, below the {expected}% floor.",
    thresholds=("indicators.output_benefit_min_share",),
    severities=("warning", "info"),
)
def s07_output_benefit_share(ctx: Ctx) -> pd.DataFrame:
    floor = ctx.cfg.indicators.output_benefit_min_share
    shares = []
    # national: 产出 (incl. 成本) + 效益 over every 一级 weight incl. execution; 满意度 is its own 一级
    g = _group_weights(ctx)
    g = g[g["known"]]
    if not g.empty:
        nat_total = g[list(GROUPS) + ["其他"]].sum(axis=1)
        shares.append(((g["产出"] + g["效益"]) / nat_total.where(nat_total > 0) * 100).dropna())
    # hainan: 项目产出 + 项目效益 (the fixed template gives 55 %; the unit cannot change it)
    l1, l2 = _hainan_levels(ctx)
    if not l1.empty:
        ob = l2[map_distinct(l2["level2"], _output_or_benefit).astype(bool).to_numpy()]
        ob_sum = ob.groupby("sub")["weight"].sum(min_count=1)
        all_sum = l1.groupby("sub")["weight"].sum(min_count=1)
        shares.append((ob_sum / all_sum.where(all_sum > 0) * 100).dropna())
    if not shares:
        return no_hits()
    share = pd.concat(shares)
    low = share[share < floor - 1e-9]
    if low.empty:
        return no_hits()
    # the cell to point at, for the submissions that fire: the first 产出/效益 一级 label
    cells = []
    if not g.empty:
        b = _blocks(ctx)
        b = b[b["level1"].map(LEVEL1_GROUP).isin(["产出", "效益"])].drop_duplicates("sub")
        cells.append(b.set_index("sub")[["sheet", "cell"]])
    if not l1.empty:
        # the 一级 rows over a 产出/效益 二级
        under = np.zeros(len(l1), dtype=bool)
        under[ob["parent"].to_numpy()] = True
        cells.append(l1[under].drop_duplicates("sub").set_index("sub")[["sheet", "cell"]])
    cells = pd.concat(cells)
    rows = _projects_at(ctx, low.index)
    hainan = rows["profile"].eq(HAINAN).to_numpy()
    at = cells[~cells.index.duplicated()].reindex(low.index)
    return hits(
        rows,
        sheet=at["sheet"].to_numpy(),
        cell=at["cell"].to_numpy(),
        observed=low.round(2).to_numpy(),
        expected=floor,
        # the Hainan 2011 table prints 项目绩效 55 itself: the unit cannot change it
        severity=np.where(hainan, "info", "warning"),
    )


@rule(
    "S08",
    "warning",
    "submission",
    "缺少产出、效益或满意度指标",
    "no output, benefit or satisfaction indicator",
    "未设置{category}。原则上每个项目都应设置产出指标和效益指标；满意度分值大于0时应设置满意度指标。",
    "No indicator under {category}. Every project should in principle have output and benefit "
    "indicators, and satisfaction indicators when satisfaction carries weight.",
    thresholds=("indicators.level1_weights",),
    profiles=(NATIONAL,),
)
def s08_missing_category(ctx: Ctx) -> pd.DataFrame:
    p = ctx.projects[ctx.projects["profile"].eq(NATIONAL)]
    ind = _indicators(ctx, NATIONAL)
    groups = ind["level1"].map(LEVEL1_ALIAS).fillna(ind["level1"]).to_numpy(dtype=object)
    wanted = ["产出指标", "效益指标"]
    if ctx.cfg.indicators.level1_weights[3] > 0:
        wanted.append("满意度指标")
    # per wanted 一级, which submissions lack it (positions instead of a crosstab)
    pos = pd.Index(p["sub"]).get_indexer(ind["sub"])
    lacking = {}
    for level1 in wanted:
        has = np.zeros(len(p), dtype=bool)
        has[pos[(groups == level1) & (pos >= 0)]] = True
        if not has.all():
            lacking[level1] = ~has
    if not lacking:
        return no_hits()
    # the unit adds the missing block below its last indicator (template) or next to it
    last = ind.groupby("sub").tail(1).set_index("sub")
    below = last.assign(row=as_numbers(last["row"]) + 1).reset_index()
    below = below.assign(cell=_spec_cells(below, "indicators", "level1", "name_cell").to_numpy())
    below = below.set_index("sub")
    sheet_spec, table = get_profile(NATIONAL).find_table("indicators")
    first_sheet, first_cell = sheet_spec.name, f"{table.column('level1').col}{table.first_row}"
    parts = []
    for level1, missing in lacking.items():
        rows = p[missing]
        at = below.reindex(rows["sub"])
        # no indicator at all: on the template, the first row of the indicator table
        empty = at["cell"].isna().to_numpy() & rows["layout"].eq("template").to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "sub": rows["sub"].to_numpy(),
                    "sheet": np.where(empty, first_sheet, at["sheet"].to_numpy()),
                    "cell": np.where(empty, first_cell, at["cell"].to_numpy()),
                    "category": level1,
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    return hits(
        out,
        sheet=out["sheet"],
        cell=out["cell"],
        observed=None,
        expected=out["category"],
        category=out["category"],
    )


# ------------------------------------------------------------------ S09 S10: the indicator list


@rule(
    "S09",
    "warning",
    "row",
    "指标层级归类错误",
    "second-level category under the wrong first level",
    "二级指标「{observed}」应归属于「{expected}」，现填在「{level1}」下。",
    "The second-level category {observed} belongs under {expected}, not under {level1}.",
    profiles=(NATIONAL,),
)
def s09_level_parent(ctx: Ctx) -> pd.DataFrame:
    ind = _indicators(ctx, NATIONAL)
    # judged once per distinct (一级, 二级) pair; a row with either blank is not judged
    ids, first = _group_ids(ind, ["level1", "level2"])
    pairs = zip(ind["level1"].to_numpy()[first], ind["level2"].to_numpy()[first], strict=True)
    wrong = np.array([_wrong_parent(l1, l2) for l1, l2 in pairs] + [False], dtype=bool)
    bad = wrong[ids]  # -1: the appended False
    if not bad.any():
        return no_hits()
    bad = ind[bad]
    return hits(
        bad,
        sheet=bad["sheet"],
        cell=_spec_cells(bad, "indicators", "level2", "name_cell"),
        observed=bad["level2"],
        expected=bad["level2"].map(LEVEL2_PARENT),
        level1=bad["level1"],
    )


def _wrong_parent(level1: Any, level2: Any) -> bool:
    parent = LEVEL2_PARENT.get(level2)
    if parent is None:
        return False  # a 二级 this rule does not know
    level1 = LEVEL1_ALIAS.get(level1, level1)
    if level1 not in LEVEL1_GROUP:
        return False  # an unknown 一级 label cannot be judged here (the reader keeps it as written)
    return level1 != parent and level1 not in EXTRA_PARENTS.get(level2, ())


@rule(
    "S10",
    "warning",
    "row",
    "指标重复或分值不大于0",
    "duplicate indicator or weight not above 0",
    "三级指标「{name}」同名共 {count} 个（首个在 {first}），分值 {weight}；"
    "三级指标不得重复，分值须大于0。",
    "Indicator {name}: {count} with this name (the first at {first}), weight {weight}; "
    "indicators must be unique and weigh more than 0.",
)
def s10_duplicates_and_weights(ctx: Ctx) -> pd.DataFrame:
    parts = []
    ind = _indicators(ctx)
    if not ind.empty:
        ind = ind.assign(k=ind["name"].astype("string").str.replace(r"\s+", "", regex=True))
        # every repeat after the first (of a name: an unnamed row's key is blank, group -1),
        # and every row whose weight is not above 0
        ids, first_rows = _group_ids(ind, ["sub", "k"])
        repeat = ids >= 0
        repeat[first_rows] = False
        nonpos = (ind["w"].notna() & (ind["w"] <= 0)).to_numpy()
        on = repeat | nonpos
        if on.any():
            g = ind[ind["name"].notna()].groupby(["sub", "k"])
            bad = ind[on]
            keys = pd.MultiIndex.from_arrays([bad["sub"], bad["k"]])
            count = g.size().reindex(keys).fillna(1).astype(int).to_numpy()
            first = g["name_cell"].first().reindex(keys).to_numpy()
            parts.append(
                pd.DataFrame(
                    {
                        "sub": bad["sub"],
                        "name": bad["name"].fillna(bad["name_cell"]),
                        "sheet": bad["sheet"],
                        "cell": np.where(repeat[on], bad["name_cell"], bad["weight_cell"]),
                        "count": count,
                        "first": np.where(pd.isna(first), bad["name_cell"], first),
                        "weight": bad["w"],
                    }
                )
            )
    if not ctx.frames.score_items.empty:
        si = _score_items(ctx)
        si = si[si["w3"].notna() & (si["w3"] <= 0)]
        if not si.empty:
            parts.append(
                pd.DataFrame(
                    {
                        "sub": si["sub"],
                        "name": si["level3"],
                        "sheet": si["sheet"],
                        "cell": si["w3_cell"],
                        "count": 1,
                        "first": si["w3_cell"],
                        "weight": si["w3"],
                    }
                )
            )
    if not parts:
        return no_hits()
    out = pd.concat(parts, ignore_index=True)
    return hits(
        out,
        sheet=out["sheet"],
        cell=out["cell"],
        observed=np.where(
            out["weight"] <= 0, out["weight"].astype(object), out["name"].astype(object)
        ),
        expected=np.where(out["weight"] <= 0, "> 0", out["first"]),
        name=out["name"],
        count=out["count"],
        first=out["first"],
        weight=out["weight"],
    )
