"""Structure rules (S), the sums: top-level weights adding up to 100 (S01), child weights to
their parent (S02), item scores to the total (S03), each score within 0 and its weight (S04);
and the views of the weight tree (national 一级 blocks, hainan 一级/二级 groups) the S rules read."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from perfxl.checks import scoring
from perfxl.checks.cells import as_numbers
from perfxl.checks.engine import Ctx, cached, field_cell, hits, no_hits, rule
from perfxl.spec import NATIONAL_STYLE, PROFILE_IDS, get_profile

NATIONAL, HAINAN = PROFILE_IDS[:2]  # national2020, hainan2011
DEPARTMENT = "department2020"  # scored as national2020 is: its S rules are those of NATIONAL_STYLE
ALL_PROFILES = (NATIONAL, HAINAN, DEPARTMENT)
# domain c.1 states these two as fixed numbers, not {…} thresholds; candidates for config keys
# (`tolerance.weight`, `grades.full_marks`).
WEIGHT_TOL = 0.01
FULL_MARKS = 100.0

# 一级 categories grouped as the national 10/50/30/10 split counts them: 成本指标 was a 二级 of
# 产出 in 2020 and became its own 一级 in 2021; 成效指标 is the legacy name of 效益.
LEVEL1_GROUP = {
    "产出指标": "产出",
    "成本指标": "产出",
    "效益指标": "效益",
    "成效指标": "效益",
    "满意度指标": "满意度",
}
GROUPS = ("执行率", "产出", "效益", "满意度")


# ------------------------------------------------------------------ shared helpers
#
# A one-workbook batch is all pandas fixed costs (~0.1-3 ms a call even on an empty frame): the
# helpers below group with a few numpy calls instead of groupby/agg/pivot_table, and the rules
# skip the parts whose frames are empty (one profile of the two is always absent in such a batch)
# and stop early when nothing can fire. Big batches stay vectorised.


def _fmt(x: float) -> str:
    return f"{x:g}"


def _fmt_s(s: pd.Series) -> pd.Series:
    """Numbers as message text (object dtype even when empty, so string concatenation works)."""
    return s.astype(float).map(_fmt).astype(object)


def _with_profile(ctx: Ctx, df: pd.DataFrame) -> pd.DataFrame:
    """`df` with each submission's profile and layout (a fresh frame; the batch frames stay as read)."""
    p = ctx.projects
    # positions in the projects frame: the lookup of set_index + map, without their fixed cost
    at = ctx.project_pos(df["sub"])
    keep = at >= 0
    if not keep.all():
        df, at = df[keep], at[keep]
    return df.assign(profile=p["profile"].array.take(at), layout=p["layout"].array.take(at))


@cached
def _profiled(ctx: Ctx, frame_name: str) -> pd.DataFrame:
    """A batch frame with profile and layout, built once per batch."""
    return _with_profile(ctx, getattr(ctx.frames, frame_name))


def _spec_cells(rows: pd.DataFrame, table_key: str, column_key: str, fallback: str) -> pd.Series:
    """The A1 cell of a spec column on each row: exact on the standard template, where every
    column sits at its spec letter; on foreign layouts the reader's `fallback` cell column."""
    out = (
        rows[fallback].to_numpy(dtype=object, copy=True)
        if fallback in rows
        else np.full(len(rows), None, dtype=object)
    )
    row_no = as_numbers(rows["row"]).to_numpy(dtype=float, na_value=np.nan)
    template = rows["layout"].eq("template").to_numpy() & ~np.isnan(row_no)
    profiles = rows["profile"]
    for profile_id in profiles.dropna().unique():
        try:
            col = get_profile(profile_id).find_table(table_key)[1].column(column_key).col
        except KeyError:
            continue
        on = profiles.eq(profile_id).to_numpy() & template
        if on.any():
            # the A1 text once per distinct row number
            nums, inverse = np.unique(row_no[on], return_inverse=True)
            out[on] = np.array([f"{col}{int(r)}" for r in nums], dtype=object)[inverse]
    return pd.Series(out, index=rows.index, dtype=object)


def _group_ids(df: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group number as `df.groupby(keys, sort=False)` counts groups (in order of
    first appearance; -1 where a key is blank), and the position of each group's first row."""
    ids = np.zeros(len(df), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(df[key])
        ids = np.where((ids < 0) | (codes < 0), -1, ids * len(uniques) + codes)
    valid = np.flatnonzero(ids >= 0)
    dense, _ = pd.factorize(ids[valid])
    out = np.full(len(df), -1, dtype=np.int64)
    out[valid] = dense
    return out, valid[np.unique(dense, return_index=True)[1]]


def _first_valid(values: pd.Series, ids: np.ndarray, n: int) -> np.ndarray:
    """Per group the first non-blank value, as groupby(...).first(): NaN (numbers) or None
    where a group has none."""
    v = values.to_numpy()
    at = np.flatnonzero((ids >= 0) & values.notna().to_numpy())
    groups, first = np.unique(ids[at], return_index=True)
    if len(groups) == n:
        return v[at[first]]
    numeric = v.dtype.kind in "iuf"
    out = np.full(n, np.nan if numeric else None, dtype=float if numeric else object)
    out[groups] = v[at[first]]
    return out


def _group_sum(values: pd.Series, ids: np.ndarray, n: int) -> np.ndarray:
    """Per group Σ as groupby(...).sum(min_count=1): pandas' own (compensated) sum, so the
    totals are bit for bit those of a groupby; NaN for a group without a number."""
    ok = ids >= 0
    sums = pd.Series(values.to_numpy()[ok]).groupby(ids[ok]).sum(min_count=1)
    return sums.to_numpy() if len(sums) == n else sums.reindex(range(n)).to_numpy()


@cached
def _indicators(ctx: Ctx, profile: str | tuple[str, ...] | None = None) -> pd.DataFrame:
    if profile is not None:
        # the rows of one profile (or several) out of the full (cached) table; in a one-profile
        # batch all rows
        ind = _indicators(ctx)
        mine = ind["profile"].isin((profile,) if isinstance(profile, str) else profile)
        return ind if mine.all() else ind[mine]
    ind = _profiled(ctx, "indicators")
    ind = ind.assign(w=as_numbers(ind["weight"]), s=as_numbers(ind["score_reported"]))
    return ind.sort_values(["sub", "row"], kind="stable")


@cached
def _exec_totals(ctx: Ctx) -> pd.DataFrame:
    """Each submission's 预算执行率 total row (the first one), indexed by sub."""
    ex = ctx.frames.exec
    return ex[ex["source"].eq("total")].drop_duplicates("sub").set_index("sub")


@cached
def _blocks(ctx: Ctx) -> pd.DataFrame:
    """National 一级 blocks: the weight printed in the label ("产出指标(50分)"), Σ of the children,
    the effective block weight (printed, else Σ) and the cells to point at."""
    ind = _indicators(ctx, NATIONAL_STYLE) if ctx.present & set(NATIONAL_STYLE) else None
    if ind is None or ind.empty:
        return _empty(
            ["sub", "level1", "printed", "child_sum", "n_weights", "weight", "sheet", "cell"]
        )
    level1 = ind["level1"].fillna("未分类")
    ind = ind.assign(level1=level1)
    ids, first = _group_ids(ind, ["sub", "level1"])
    n = len(first)
    w = ind["w"]
    out = pd.DataFrame(
        {
            "sub": ind["sub"].to_numpy()[first],
            "level1": level1.to_numpy()[first],
            "printed": _first_valid(as_numbers(ind["level1_weight"]), ids, n),
            "n_weights": np.bincount(ids[w.notna().to_numpy()], minlength=n),
            "sheet": _first_valid(ind["sheet"], ids, n),
            "cell": _first_valid(_spec_cells(ind, "indicators", "level1", "weight_cell"), ids, n),
            "child_sum": _group_sum(w, ids, n),
        }
    )
    out["weight"] = out["printed"].fillna(out["child_sum"])
    return out


_GROUP_COLUMNS = [*GROUPS[1:], "其他"]


@cached
def _group_weights(ctx: Ctx) -> pd.DataFrame:
    """National: per submission the 执行率/产出/效益/满意度 weights (+ 其他 for unknown 一级)."""
    nat = ctx.projects.loc[ctx.projects["profile"].isin(NATIONAL_STYLE), "sub"]
    index = pd.Index(nat, name="sub")
    exec_weight = ctx.results["exec_weight"].reindex(index)
    sums = np.zeros((len(index), len(_GROUP_COLUMNS)))
    known = np.zeros(len(index), dtype=bool)
    b = _blocks(ctx)
    if not b.empty:
        # Σ block weight per (submission, group) by one groupby on a combined number, spread
        # into a submissions × groups array (a pivot_table costs ~10x on a small batch)
        row = index.get_indexer(b["sub"])
        group = (
            b["level1"]
            .map(LEVEL1_GROUP)
            .fillna("其他")
            .map({g: j for j, g in enumerate(_GROUP_COLUMNS)})
        )
        key = row * len(_GROUP_COLUMNS) + group.to_numpy(dtype=np.int64)
        on = row >= 0
        total = b["weight"][on].groupby(key[on]).sum()
        sums.flat[total.index.to_numpy()] = total.to_numpy(dtype=float)
        known[row[on & b["weight"].notna().to_numpy()]] = True
    return pd.DataFrame(
        {"执行率": exec_weight, **dict(zip(_GROUP_COLUMNS, sums.T, strict=True)), "known": known},
        index=index,
    )


@cached
def _score_items(ctx: Ctx) -> pd.DataFrame:
    si = _profiled(ctx, "score_items")
    return si.assign(
        w1=as_numbers(si["w1"]),
        w2=as_numbers(si["w2"]),
        w3=as_numbers(si["w3"]),
        s=as_numbers(si["score"]),
    ).sort_values(["sub", "row"], kind="stable")


@cached
def _hainan_levels(ctx: Ctx) -> tuple[pd.DataFrame, pd.DataFrame]:
    """H2011 scoring table as 二级 and 一级 groups: printed weight, Σ of children, effective weight
    (and for a 二级 group, `parent`: the position of its 一级 group in the 一级 table)."""
    if ctx.frames.score_items.empty:  # no H2011 scoring table in the batch
        l1_columns = ["sub", "level1", "printed", "sheet", "cell", "child_sum", "weight"]
        return _empty(l1_columns), _empty([*l1_columns[:2], "level2", *l1_columns[2:], "parent"])
    si = _score_items(ctx)
    ids2, first2 = _group_ids(si, ["sub", "level1", "level2"])
    n2 = len(first2)
    l2 = pd.DataFrame(
        {
            "sub": si["sub"].to_numpy()[first2],
            "level1": si["level1"].to_numpy()[first2],
            "level2": si["level2"].to_numpy()[first2],
            "printed": _first_valid(si["w2"], ids2, n2),
            "sheet": _first_valid(si["sheet"], ids2, n2),
            "cell": _first_valid(si["w2_cell"], ids2, n2),
            "child_sum": _group_sum(si["w3"], ids2, n2),
        }
    )
    l2["weight"] = l2["printed"].fillna(l2["child_sum"])
    ids1, first1 = _group_ids(si, ["sub", "level1"])
    n1 = len(first1)
    # each 二级 group's 一级 group: the one of its first row (a position in l1)
    l2["parent"] = ids1[first2]
    l1 = pd.DataFrame(
        {
            "sub": si["sub"].to_numpy()[first1],
            "level1": si["level1"].to_numpy()[first1],
            "printed": _first_valid(si["w1"], ids1, n1),
            "sheet": _first_valid(si["sheet"], ids1, n1),
            "cell": _first_valid(si["w1_cell"], ids1, n1),
            "child_sum": _group_sum(l2["weight"], l2["parent"].to_numpy(), n1),
        }
    )
    l1["weight"] = l1["printed"].fillna(l1["child_sum"])
    return l1, l2


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: np.array([], dtype=object) for c in columns})


def _project_rows(ctx: Ctx, subs: pd.Index | pd.Series) -> pd.DataFrame:
    p = ctx.projects
    return p[p["sub"].isin(set(subs))]


def _projects_at(ctx: Ctx, subs: pd.Index) -> pd.DataFrame:
    """The project row of each of `subs`, in that order (a set_index + reindex, by position)."""
    p = ctx.projects
    at = ctx.project_pos(subs)
    if (at < 0).any():  # not a submission of the batch: a blank row, as reindex gives
        return _project_rows(ctx, subs).set_index("sub", drop=False).reindex(subs)
    return p.iloc[at]


def _min_score_tol(cfg: Any) -> float:
    """The smaller of the two score tolerances: a difference within it cannot fire whichever
    tolerance scoring.score_tol picks, so a rule can stop before working that out per row."""
    return min(cfg.tolerance.score, cfg.tolerance.score_fine)


# ------------------------------------------------------------------ S01 S02 S03: sums


@rule(
    "S01",
    "error",
    "submission",
    "分值合计不等于100",
    "weights do not add up to 100",
    "一级指标分值合计为 {observed}（{parts}），应为 {expected}。",
    "The top-level weights add up to {observed} ({parts}); they should total {expected}.",
    profiles=ALL_PROFILES,
)
def s01_weight_total(ctx: Ctx) -> pd.DataFrame:
    groups = _group_weights(ctx)
    nat = groups[groups["known"]] if groups["known"].any() else groups.iloc[:0]
    l1, _ = _hainan_levels(ctx)
    known = l1[l1["weight"].notna()] if not l1.empty else l1
    totals = []
    if not nat.empty:
        totals.append(nat[list(GROUPS) + ["其他"]].sum(axis=1))
    if not known.empty:
        totals.append(known.groupby("sub")["weight"].sum())
    if not totals:
        return no_hits()
    # float, as the concat with the (float) national totals always made it
    total = pd.concat(totals).astype(float)
    bad = total[(total - FULL_MARKS).abs() > WEIGHT_TOL]
    if bad.empty:
        return no_hits()
    # the "执行率10+产出55+…" text, for the submissions that fire only
    parts = []
    nat = nat[nat.index.isin(bad.index)]
    if not nat.empty:
        parts.append(
            "执行率"
            + _fmt_s(nat["执行率"])
            + "+产出"
            + _fmt_s(nat["产出"])
            + "+效益"
            + _fmt_s(nat["效益"])
            + "+满意度"
            + _fmt_s(nat["满意度"])
            + np.where(nat["其他"] != 0, "+其他" + _fmt_s(nat["其他"]), "")
        )
    known = known[known["sub"].isin(bad.index)]
    if not known.empty:
        parts.append(
            known.assign(t=known["level1"].astype(str) + _fmt_s(known["weight"]))
            .groupby("sub")["t"]
            .agg("+".join)
        )
    text = pd.concat(parts)
    rows = _project_rows(ctx, bad.index)
    sheet, cell = field_cell(rows, "weight_total")
    observed = bad.reindex(rows["sub"]).to_numpy()
    return hits(
        rows,
        sheet=sheet,
        cell=cell,
        observed=observed,
        expected=FULL_MARKS,
        parts=text.reindex(rows["sub"]).to_numpy(),
        stake=np.abs(observed - FULL_MARKS),
    )


def _level_part(lv: pd.DataFrame, name: str) -> pd.DataFrame:
    """S02 candidates of one level: a printed weight and a Σ of children to compare."""
    lv = lv[lv["printed"].notna() & lv["child_sum"].notna()]
    return pd.DataFrame(
        {
            "sub": lv["sub"],
            "parent": lv[name],
            "observed": lv["child_sum"],
            "expected": lv["printed"],
            "sheet": lv["sheet"],
            "cell": lv["cell"],
        }
    )


def _unbalanced(lv: pd.DataFrame) -> bool:
    """Whether any group's Σ of children is off its printed weight (NaN on either side: not)."""
    child = lv["child_sum"].to_numpy(dtype=float, na_value=np.nan)
    printed = lv["printed"].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return bool((np.abs(child - printed) > WEIGHT_TOL).any())


@rule(
    "S02",
    "error",
    "row",
    "下级分值合计与上级不符",
    "child weights do not add up to the parent",
    "「{parent}」的下级分值合计为 {observed}，与其设置的分值 {expected} 不符。",
    "The weights under {parent} add up to {observed}, but {parent} is set to {expected}.",
    profiles=ALL_PROFILES,
)
def s02_level_balance(ctx: Ctx) -> pd.DataFrame:
    # national: the weight printed in a 一级 label against Σ of its indicators;
    # hainan: 二级 vs Σ 三级, 一级 vs Σ 二级
    l1, l2 = _hainan_levels(ctx)
    levels = [(_blocks(ctx), "level1"), (l2, "level2"), (l1, "level1")]
    levels = [(lv, name) for lv, name in levels if not lv.empty]
    unbalanced = any(_unbalanced(lv) for lv, _name in levels)
    # the 分值合计 cell of the total row against Σ of the column it sums (a typed-over formula)
    p = ctx.projects
    reported = as_numbers(p["weight_total"])
    top = None
    if reported.notna().any():
        subs = p["sub"]
        exec_w = as_numbers(_exec_totals(ctx)["weight"]).reindex(subs).fillna(0).to_numpy()
        ind = ctx.indicators
        ind_w = (
            as_numbers(ind["weight"]).groupby(ind["sub"]).sum().reindex(subs).fillna(0).to_numpy()
            if not ind.empty
            else np.zeros(len(p))
        )
        si = ctx.frames.score_items
        w3 = (
            as_numbers(si["w3"]).groupby(si["sub"]).sum(min_count=1).reindex(subs).to_numpy()
            if not si.empty
            else np.full(len(p), np.nan)
        )
        column_sum = pd.Series(
            np.where(p["profile"].isin(NATIONAL_STYLE), exec_w + ind_w, w3), index=p.index
        )
        off = reported.notna() & column_sum.notna() & ((reported - column_sum).abs() > WEIGHT_TOL)
        if off.any():
            rows = p[off]
            sheet, cell = field_cell(rows, "weight_total")
            top = pd.DataFrame(
                {
                    "sub": rows["sub"],
                    "parent": "分值合计",
                    "observed": column_sum[rows.index],
                    "expected": reported[rows.index],
                    "sheet": sheet,
                    "cell": cell,
                }
            )
    if not unbalanced and top is None:
        return no_hits()
    # all the candidates together, as their concat sets the dtypes of the reported numbers
    parts = [_level_part(lv, name) for lv, name in levels] + ([] if top is None else [top])
    parts = [x for x in parts if not x.empty]
    out = pd.concat(parts, ignore_index=True)
    out = out[(out["observed"].astype(float) - out["expected"].astype(float)).abs() > WEIGHT_TOL]
    return hits(
        out,
        sheet=out["sheet"],
        cell=out["cell"],
        observed=out["observed"],
        expected=out["expected"],
        parent=out["parent"],
        stake=(out["observed"].astype(float) - out["expected"].astype(float)).abs(),
    )


@rule(
    "S03",
    "error",
    "submission",
    "得分合计与总分不符",
    "scores do not add up to the total",
    "得分合计不符：各项得分之和为 {expected}，填报的总分为 {observed}。",
    "The item scores add up to {expected}, but the reported total is {observed}.",
    thresholds=("tolerance.score", "tolerance.score_fine"),
    profiles=ALL_PROFILES,
)
def s03_score_total(ctx: Ctx) -> pd.DataFrame:
    p = ctx.projects
    reported = as_numbers(p["total_reported"])
    if not reported.notna().any():
        return no_hits()
    subs = p["sub"]
    nan = np.full(len(p), np.nan)
    ind = ctx.indicators
    i = (
        as_numbers(ind["score_reported"])
        .groupby(ind["sub"])
        .sum(min_count=1)
        .reindex(subs)
        .to_numpy()
        if not ind.empty
        else nan
    )
    e = as_numbers(_exec_totals(ctx)["score_reported"]).reindex(subs).to_numpy()
    si = ctx.frames.score_items
    item_s = (
        as_numbers(si["score"]).groupby(si["sub"]).sum(min_count=1).reindex(subs).to_numpy()
        if not si.empty
        else nan
    )
    # the template's 总分 is N(exec score) + SUM(indicator scores): blanks count as 0
    nat_sum = np.where(np.isnan(e) & np.isnan(i), np.nan, np.nan_to_num(e) + np.nan_to_num(i))
    children = pd.Series(
        np.where(p["profile"].isin(NATIONAL_STYLE), nat_sum, item_s),
        index=p.index,
        dtype=float,
    )
    ok = reported.notna() & children.notna()
    if not (ok & ((reported - children).abs() > _min_score_tol(ctx.cfg) + 1e-9)).any():
        return no_hits()
    tol = scoring.score_tol(reported.fillna(0), children.fillna(0), ctx.cfg)
    bad = ok & ((reported - children).abs() > tol + 1e-9)
    rows = p[bad]
    sheet, cell = field_cell(rows, "total_reported")
    return hits(
        rows,
        sheet=sheet,
        cell=cell,
        observed=reported[bad],
        expected=children[bad].round(4),
        stake=(reported[bad] - children[bad]).abs(),
    )


# ------------------------------------------------------------------ S04: score within [0, weight]


@rule(
    "S04",
    "error",
    "row",
    "得分超出分值或为负",
    "score above its weight or negative",
    "「{item}」得分 {observed} 不在 0 至分值 {expected} 之间。",
    "The score of {item} is {observed}, outside 0 to its weight {expected}.",
    thresholds=("tolerance.score", "tolerance.score_fine"),
    profiles=ALL_PROFILES,
)
def s04_score_range(ctx: Ctx) -> pd.DataFrame:
    # (rows, sub, score, weight, item label) of indicators, the execution row and H2011 items
    sources = []
    ind = _profiled(ctx, "indicators")
    if not ind.empty:
        sources.append(
            (
                ind,
                ind["sub"],
                as_numbers(ind["score_reported"]),
                as_numbers(ind["weight"]),
                lambda r: r["name"].fillna("第" + r["row"].astype(str) + "行指标"),
            )
        )
    ex = _exec_totals(ctx)
    if not ex.empty:
        default_w = pd.Series(ctx.results["exec_weight"].reindex(ex.index).to_numpy(), ex.index)
        sources.append(
            (
                ex,
                ex.index.to_series(),
                as_numbers(ex["score_reported"]),
                as_numbers(ex["weight"]).fillna(default_w),
                lambda r: "预算执行率",
            )
        )
    si = ctx.frames.score_items
    if not si.empty:
        sources.append(
            (si, si["sub"], as_numbers(si["score"]), as_numbers(si["w3"]), lambda r: r["level3"])
        )
    # nothing fires unless a score is negative or above its weight by the smaller tolerance
    least = _min_score_tol(ctx.cfg)
    if not any(_beyond(score, weight, least) for _r, _sub, score, weight, _i in sources):
        return no_hits()
    rows = pd.concat(
        [
            pd.DataFrame(
                {
                    "sub": sub,
                    "item": item(r),
                    "s": score,
                    "w": weight,
                    "sheet": r["sheet"],
                    "cell": r["score_cell"],
                }
            )
            for r, sub, score, weight, item in sources
        ],
        ignore_index=True,
    )
    s, w = rows["s"].astype(float), rows["w"].astype(float)
    tol = scoring.score_tol(s.fillna(0), w.fillna(0), ctx.cfg)
    over = s.notna() & w.notna() & (s > w + tol + 1e-9)
    bad = over | (s < 0)
    out = rows[bad]
    excess = np.where(over[bad], s[bad] - w[bad], -s[bad])
    return hits(
        out,
        sheet=out["sheet"],
        cell=out["cell"],
        observed=out["s"],
        expected=out["w"],
        item=out["item"],
        stake=excess,
    )


def _beyond(score: pd.Series, weight: pd.Series, tol: float) -> bool:
    """Whether any score is negative or above its weight by more than `tol` (S04's test)."""
    s = score.to_numpy(dtype=float, na_value=np.nan)
    w = weight.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return bool(((s < 0) | (s > w + tol + 1e-9)).any())
