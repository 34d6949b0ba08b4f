"""Structure and weight rules (S): weight sums, level balance, score sums, required cells, categories."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfxl import scoring
from perfxl.checks.engine import Ctx, cached, field_cell, hits, map_distinct, rule
from perfxl.read.values import is_na
from perfxl.spec import get_profile
from perfxl.spec.lists import LEVEL2_PARENT

NATIONAL, HAINAN = "national2020", "hainan2011"
# RULES c.1 states these two as fixed numbers, not {…} thresholds; candidates for config keys
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
# Which 一级 a 二级 may sit under, beyond LEVEL2_PARENT (RULES a.2 M2021).
EXTRA_PARENTS = {"成本指标": ("成本指标",)}
LEVEL1_ALIAS = {"成效指标": "效益指标"}


# ------------------------------------------------------------------ shared helpers


def _num(s: pd.Series | None) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def _blank(s: pd.Series) -> pd.Series:
    """Left empty: None/NaN or whitespace only (a "—"/"/" mark is a value, not a blank)."""
    # a plain function over the distinct values: pandas string methods cost more here
    return map_distinct(s, _is_blank).astype(bool)


def _is_blank(v: object) -> bool:
    if v is None or v is pd.NA:
        return True
    if isinstance(v, float):
        return v != v
    return isinstance(v, str) and not v.strip()


def _na_mark(s: pd.Series) -> pd.Series:
    return map_distinct(s, is_na).astype(bool)


def _fmt(x: float) -> str:
    return f"{x:g}"


def _fmt_s(s: pd.Series) -> pd.Series:
    """Numbers as message text (object dtype even when empty, so string concatenation works)."""
    return s.astype(float).map(_fmt).astype(object)


def _with_profile(ctx: Ctx, df: pd.DataFrame) -> pd.DataFrame:
    """`df` with each submission's profile and layout (a fresh frame; the batch frames stay as read)."""
    p = ctx.projects.set_index("sub")
    keep = df["sub"].isin(p.index)
    out = df[keep] if not keep.all() else df
    return out.assign(profile=out["sub"].map(p["profile"]), layout=out["sub"].map(p["layout"]))


def _spec_cells(rows: pd.DataFrame, table_key: str, column_key: str, fallback: str) -> pd.Series:
    """The A1 cell of a spec column on each row: exact on the standard template, where every
    column sits at its spec letter; on foreign layouts the reader's `fallback` cell column."""
    out = (
        rows[fallback].astype(object).copy()
        if fallback in rows
        else pd.Series(None, index=rows.index, dtype=object)
    )
    row_no = _num(rows["row"]).astype("Int64").astype("string")
    for profile_id in rows["profile"].dropna().unique():
        try:
            col = get_profile(profile_id).find_table(table_key)[1].column(column_key).col
        except KeyError:
            continue
        on = rows["profile"].eq(profile_id) & rows["layout"].eq("template") & row_no.notna()
        out[on] = col + row_no[on]
    return out


@cached
def _indicators(ctx: Ctx, profile: str | None = None) -> pd.DataFrame:
    ind = _with_profile(ctx, ctx.indicators)
    if profile is not None:
        ind = ind[ind["profile"].eq(profile)]
    ind = ind.assign(w=_num(ind["weight"]), s=_num(ind["score_reported"]))
    return ind.sort_values(["sub", "row"], kind="stable")


@cached
def _blocks(ctx: Ctx) -> pd.DataFrame:
    """National 一级 blocks: the weight printed in the label ("产出指标(50分)"), Σ of the children,
    the effective block weight (printed, else Σ) and the cells to point at."""
    ind = _indicators(ctx, NATIONAL)
    if ind.empty:
        return pd.DataFrame(
            columns=[
                "sub",
                "level1",
                "printed",
                "child_sum",
                "n_weights",
                "weight",
                "sheet",
                "cell",
            ]
        )
    ind = ind.assign(
        level1=ind["level1"].fillna("未分类"),
        label_cell=_spec_cells(ind, "indicators", "level1", "weight_cell"),
        printed=_num(ind["level1_weight"]),
    )
    g = ind.groupby(["sub", "level1"], sort=False)
    out = g.agg(
        printed=("printed", "first"),
        n_weights=("w", "count"),
        sheet=("sheet", "first"),
        cell=("label_cell", "first"),
        first_row=("row", "min"),
    )
    # a named sum(min_count=1): a lambda in agg would run once per group in Python
    out["child_sum"] = g["w"].sum(min_count=1)
    out = out.reset_index()
    out["weight"] = out["printed"].fillna(out["child_sum"])
    return out


@cached
def _group_weights(ctx: Ctx) -> pd.DataFrame:
    """National: per submission the 执行率/产出/效益/满意度 weights (+ 其他 for unknown 一级)."""
    nat = ctx.projects.loc[ctx.projects["profile"].eq(NATIONAL), "sub"]
    out = pd.DataFrame(index=pd.Index(nat, name="sub"))
    out["执行率"] = ctx.results["exec_weight"].reindex(out.index)
    b = _blocks(ctx)
    b = b.assign(group=b["level1"].map(LEVEL1_GROUP).fillna("其他"))
    table = b.pivot_table(index="sub", columns="group", values="weight", aggfunc="sum")
    for grp in ("产出", "效益", "满意度", "其他"):
        col = table[grp] if grp in table else pd.Series(dtype=float)
        out[grp] = col.reindex(out.index).fillna(0.0)
    known = b.assign(k=b["weight"].notna()).groupby("sub")["k"].any()
    out["known"] = known.reindex(out.index, fill_value=False).astype(bool)
    return out


@cached
def _score_items(ctx: Ctx) -> pd.DataFrame:
    si = _with_profile(ctx, ctx.frames.score_items)
    return si.assign(
        w1=_num(si["w1"]), w2=_num(si["w2"]), w3=_num(si["w3"]), s=_num(si["score"])
    ).sort_values(["sub", "row"], kind="stable")


@cached
def _hainan_levels(ctx: Ctx) -> tuple[pd.DataFrame, pd.DataFrame]:
    """H2011 scoring table as 二级 and 一级 groups: printed weight, Σ of children, effective weight."""
    si = _score_items(ctx)
    g2 = si.groupby(["sub", "level1", "level2"], sort=False)
    l2 = g2.agg(printed=("w2", "first"), sheet=("sheet", "first"), cell=("w2_cell", "first"))
    l2["child_sum"] = g2["w3"].sum(min_count=1)
    l2 = l2.reset_index()
    l2["weight"] = l2["printed"].fillna(l2["child_sum"])
    first_w1 = si.groupby(["sub", "level1"], sort=False).agg(
        printed=("w1", "first"), sheet=("sheet", "first"), cell=("w1_cell", "first")
    )
    l1 = first_w1.join(
        l2.groupby(["sub", "level1"], sort=False)["weight"].sum(min_count=1).rename("child_sum")
    ).reset_index()
    l1["weight"] = l1["printed"].fillna(l1["child_sum"])
    return l1, l2


def _none() -> pd.DataFrame:
    return hits(pd.DataFrame({"sub": pd.Series(dtype=object)}))


def _project_rows(ctx: Ctx, subs: pd.Index | pd.Series) -> pd.DataFrame:
    p = ctx.projects
    return p[p["sub"].isin(set(subs))]


# ------------------------------------------------------------------ S01 S02 S03: sums


@rule(
    "S01",
    "error",
    "submission",
    "分值合计不等于100",
    "weights do not add up to 100",
    "一级指标分值合计为 {observed}（{parts}），应为 {expected}。",
    "The top-level weights add up to {observed} ({parts}); they should total {expected}.",
)
def s01_weight_total(ctx: Ctx) -> pd.DataFrame:
    groups = _group_weights(ctx)
    nat = groups[groups["known"]]
    nat_sum = nat[list(GROUPS) + ["其他"]].sum(axis=1)
    nat_parts = (
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
    l1, _ = _hainan_levels(ctx)
    known = l1.dropna(subset=["weight"])
    hai_sum = known.groupby("sub")["weight"].sum()
    hai_parts = (
        known.assign(t=known["level1"].astype(str) + _fmt_s(known["weight"]))
        .groupby("sub")["t"]
        .agg("+".join)
    )
    total = pd.concat([nat_sum, hai_sum])
    parts = pd.concat([nat_parts, hai_parts])
    bad = total[(total - FULL_MARKS).abs() > WEIGHT_TOL]
    rows = _project_rows(ctx, bad.index)
    sheet, cell = field_cell(rows, "weight_total")
    observed = bad.reindex(rows["sub"]).to_numpy()
    return hits(
        rows,
        sheet=sheet,
        cell=cell,
        observed=observed,
        expected=FULL_MARKS,
        parts=parts.reindex(rows["sub"]).to_numpy(),
        stake=np.abs(observed - FULL_MARKS),
    )


@rule(
    "S02",
    "error",
    "row",
    "下级分值合计与上级不符",
    "child weights do not add up to the parent",
    "「{parent}」的下级分值合计为 {observed}，与其设置的分值 {expected} 不符。",
    "The weights under {parent} add up to {observed}, but {parent} is set to {expected}.",
)
def s02_level_balance(ctx: Ctx) -> pd.DataFrame:
    parts: list[pd.DataFrame] = []
    # national: the weight printed in a 一级 label against Σ of its indicators
    b = _blocks(ctx)
    b = b[b["printed"].notna() & b["child_sum"].notna()]
    parts.append(
        b.assign(parent=b["level1"], observed=b["child_sum"], expected=b["printed"])[
            ["sub", "parent", "observed", "expected", "sheet", "cell"]
        ]
    )
    # hainan: 二级 vs Σ 三级, 一级 vs Σ 二级
    l1, l2 = _hainan_levels(ctx)
    for lv, name in ((l2, "level2"), (l1, "level1")):
        lv = lv[lv["printed"].notna() & lv["child_sum"].notna()]
        parts.append(
            lv.assign(parent=lv[name], observed=lv["child_sum"], expected=lv["printed"])[
                ["sub", "parent", "observed", "expected", "sheet", "cell"]
            ]
        )
    # the 分值合计 cell of the total row against Σ of the column it sums (a typed-over formula)
    p = ctx.projects
    reported = _num(p["weight_total"])
    ex = ctx.frames.exec
    exec_w = _num(
        ex.loc[ex["source"].eq("total")].drop_duplicates("sub").set_index("sub")["weight"]
    )
    ind_w = _num(ctx.indicators["weight"]).groupby(ctx.indicators["sub"]).sum()
    si = ctx.frames.score_items
    w3 = _num(si["w3"]).groupby(si["sub"]).sum(min_count=1)
    column_sum = pd.Series(
        np.where(
            p["profile"].eq(NATIONAL),
            exec_w.reindex(p["sub"]).fillna(0).to_numpy()
            + ind_w.reindex(p["sub"]).fillna(0).to_numpy(),
            w3.reindex(p["sub"]).to_numpy(),
        ),
        index=p.index,
    )
    top = p[reported.notna() & column_sum.notna() & ((reported - column_sum).abs() > WEIGHT_TOL)]
    if not top.empty:
        sheet, cell = field_cell(top, "weight_total")
        parts.append(
            pd.DataFrame(
                {
                    "sub": top["sub"],
                    "parent": "分值合计",
                    "observed": column_sum[top.index],
                    "expected": reported[top.index],
                    "sheet": sheet,
                    "cell": cell,
                }
            )
        )
    out = pd.concat([x for x in parts if not x.empty] or [parts[0]], ignore_index=True)
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
)
def s03_score_total(ctx: Ctx) -> pd.DataFrame:
    p = ctx.projects
    reported = _num(p["total_reported"])
    ind = ctx.indicators
    ind_s = _num(ind["score_reported"]).groupby(ind["sub"]).sum(min_count=1)
    ex = ctx.frames.exec
    exec_s = _num(
        ex.loc[ex["source"].eq("total")].drop_duplicates("sub").set_index("sub")["score_reported"]
    )
    si = ctx.frames.score_items
    item_s = _num(si["score"]).groupby(si["sub"]).sum(min_count=1)
    e = exec_s.reindex(p["sub"]).to_numpy()
    i = ind_s.reindex(p["sub"]).to_numpy()
    # the template's 总分 is N(exec score) + SUM(indicator scores): blanks count as 0
    nat_sum = np.where(np.isnan(e) & np.isnan(i), np.nan, np.nan_to_num(e) + np.nan_to_num(i))
    children = pd.Series(
        np.where(p["profile"].eq(NATIONAL), nat_sum, item_s.reindex(p["sub"]).to_numpy()),
        index=p.index,
        dtype=float,
    )
    ok = reported.notna() & children.notna()
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
)
def s04_score_range(ctx: Ctx) -> pd.DataFrame:
    ind = _with_profile(ctx, ctx.indicators)
    ind_rows = pd.DataFrame(
        {
            "sub": ind["sub"],
            "item": ind["name"].fillna("第" + ind["row"].astype(str) + "行指标"),
            "s": _num(ind["score_reported"]),
            "w": _num(ind["weight"]),
            "sheet": ind["sheet"],
            "cell": ind["score_cell"],
        }
    )
    ex = ctx.frames.exec
    ex = ex[ex["source"].eq("total")].drop_duplicates("sub")
    default_w = ctx.results["exec_weight"].reindex(ex["sub"]).to_numpy()
    exec_rows = pd.DataFrame(
        {
            "sub": ex["sub"],
            "item": "预算执行率",
            "s": _num(ex["score_reported"]),
            "w": _num(ex["weight"]).fillna(pd.Series(default_w, index=ex.index)),
            "sheet": ex["sheet"],
            "cell": ex["score_cell"],
        }
    )
    si = ctx.frames.score_items
    item_rows = pd.DataFrame(
        {
            "sub": si["sub"],
            "item": si["level3"],
            "s": _num(si["score"]),
            "w": _num(si["w3"]),
            "sheet": si["sheet"],
            "cell": si["score_cell"],
        }
    )
    rows = pd.concat(
        [x for x in (ind_rows, exec_rows, item_rows) if not x.empty] or [ind_rows],
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


# ------------------------------------------------------------------ S05: required cells

# Where each spec table's rows live once read: the frame, the column naming a row in messages,
# and per spec column (value column, N/A-flag column or None, cell column or None to take the
# cell from the spec).
TABLE_SOURCES: dict[str, tuple[str, str, dict[str, tuple[str, str | None, str | None]]]] = {
    "indicators": (
        "indicators",
        "name",
        {
            "level1": ("level1", None, None),
            "level2": ("level2", None, None),
            "name": ("name_raw", None, "name_cell"),
            "target": ("target_raw", None, "target_cell"),
            "actual": ("actual_raw", None, "actual_cell"),
            "weight": ("weight", "weight_na", "weight_cell"),
            "score": ("score_reported", "score_na", "score_cell"),
        },
    ),
    "targets": (
        "indicators",
        "name",
        {
            "target_type": ("level1", None, None),
            "name": ("name_raw", None, "name_cell"),
            "target": ("target_raw", None, "target_cell"),
            "actual": ("actual_raw", None, "actual_cell"),
        },
    ),
    "scoring": ("score_items", "level3", {"score": ("score_raw", None, "score_cell")}),
    "evaluators": ("evaluators", "name", {"name": ("name", None, "cell")}),
    "funds": ("funds", "source_label", {}),  # the total row's amounts: see _fund_blanks
}


def _field_blanks(ctx: Ctx) -> list[pd.DataFrame]:
    p = ctx.projects
    out: list[pd.DataFrame] = []
    for profile_id in p["profile"].dropna().unique():
        prof = get_profile(profile_id)
        mine = p[p["profile"].eq(profile_id)]
        for _sheet, f in prof.fields():
            if not f.required:
                continue
            value = mine.get(f.key, pd.Series(None, index=mine.index, dtype=object))
            raw = mine.get(f.key + "_raw", pd.Series(None, index=mine.index, dtype=object))
            blank = _blank(value) & _blank(raw)
            if f.key == "fiscal_year":
                # a year the narrative gives away is M01's business (inconsistent/implicit year)
                inferred = mine.get("fiscal_year_inferred", pd.Series(None, index=mine.index))
                blank &= inferred.isna()
            rows = mine[blank]
            if rows.empty:
                continue
            sheet, cell = field_cell(rows, f.key)
            out.append(
                pd.DataFrame({"sub": rows["sub"], "sheet": sheet, "cell": cell, "item": f.label})
            )
    return out


def _row_item(label: str, names: pd.Series, rows: pd.Series) -> pd.Series:
    who = names.where(~_blank(names), "第" + rows.astype(str) + "行")
    return label + "（" + who.astype(str) + "）"


def _table_blanks(ctx: Ctx) -> list[pd.DataFrame]:
    out: list[pd.DataFrame] = []
    profiles = ctx.projects["profile"].dropna().unique()
    for profile_id in profiles:
        for _sheet, table in get_profile(profile_id).tables():
            required = [c for c in table.columns if c.required]
            if not required:
                continue
            frame_name, name_col, cols = TABLE_SOURCES[table.key]
            if frame_name == "funds":
                out += _fund_blanks(ctx, profile_id, [c.key for c in required], table.key)
                continue
            df = _with_profile(ctx, getattr(ctx.frames, frame_name))
            df = df[df["profile"].eq(profile_id)]
            if df.empty:
                continue
            names = df[name_col]
            row_no = df["row"] if "row" in df else pd.Series("?", index=df.index)
            for c in required:
                value_col, na_col, cell_col = cols[c.key]
                blank = _blank(df[value_col]) & ~_na_mark(df[value_col].astype(object))
                if na_col is not None:
                    blank &= ~df[na_col].fillna(False).astype(bool)
                rows = df[blank]
                if rows.empty:
                    continue
                if cell_col is None:
                    cell = _spec_cells(rows, table.key, c.key, "name_cell")
                else:
                    cell = rows[cell_col]
                out.append(
                    pd.DataFrame(
                        {
                            "sub": rows["sub"],
                            "sheet": rows["sheet"],
                            "cell": cell,
                            "item": _row_item(c.label, names[blank], row_no[blank]),
                        }
                    )
                )
    return out


def _fund_blanks(
    ctx: Ctx, profile_id: str, measures: list[str], table_key: str
) -> list[pd.DataFrame]:
    """Required amounts of the total row. Source rows are a breakdown: their blanks are F06's.
    On the standard template the total is a SUM formula, so a 0 over blank sources is a blank."""
    f = _with_profile(ctx, ctx.frames.funds)
    f = f[f["profile"].eq(profile_id) & f["measure"].isin(measures)]
    if f.empty:
        return []
    blank = _blank(f["raw"]) & ~f["na"].fillna(False).astype(bool)
    f = f.assign(blank=blank, amount=_num(f["amount_wan"]))
    is_total = f["source"].eq("total")
    src = f[~is_total]
    src_all_blank = src.groupby(["sub", "measure"])["blank"].all()
    src_first_cell = src.groupby(["sub", "measure"])["cell"].first()
    tot = f[is_total].set_index(["sub", "measure"])
    all_blank = src_all_blank.reindex(tot.index, fill_value=True).astype(bool)
    formula_zero = tot["layout"].eq("template") & tot["amount"].fillna(0).eq(0) & all_blank
    hit = tot[tot["blank"] | formula_zero]
    if hit.empty:
        return []
    # on the template the unit types into the source rows, not the locked total
    first = src_first_cell.reindex(hit.index)
    use_src = hit["layout"].eq("template") & first.notna()
    labels = {c.key: c.label for c in get_profile(profile_id).find_table(table_key)[1].columns}
    hit = hit.reset_index()
    return [
        pd.DataFrame(
            {
                "sub": hit["sub"],
                "sheet": hit["sheet"],
                "cell": np.where(use_src.to_numpy(), first.to_numpy(), hit["cell"].to_numpy()),
                "item": hit["measure"].map(labels)
                + "（"
                + hit["source_label"].fillna("合计").astype(str)
                + "）",
            }
        )
    ]


@rule(
    "S05",
    "error",
    "row",
    "必填项为空",
    "required cell is blank",
    "必填项「{item}」为空。",
    "The required cell {item} is blank.",
)
def s05_required(ctx: Ctx) -> pd.DataFrame:
    parts = _field_blanks(ctx) + _table_blanks(ctx)
    if not parts:
        return _none()
    out = pd.concat(parts, ignore_index=True)
    return hits(out, sheet=out["sheet"], cell=out["cell"], item=out["item"])


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
    want = pd.Series(ctx.cfg.indicators.level1_weights, index=list(GROUPS))
    diff = (g[list(GROUPS)] - want).abs() > WEIGHT_TOL
    diff["其他"] = g["其他"].abs() > WEIGHT_TOL
    bad = diff.any(axis=1)
    g, diff = g[bad], diff[bad]
    if g.empty:
        return _none()
    rows = _project_rows(ctx, g.index).set_index("sub", drop=False).reindex(g.index)
    # point at the first group that differs: the execution 分值 cell or the block's 一级 label
    first = diff.idxmax(axis=1)
    ex = ctx.frames.exec
    ex_total = ex[ex["source"].eq("total")].drop_duplicates("sub").set_index("sub")
    b = _blocks(ctx)
    b = b.assign(group=b["level1"].map(LEVEL1_GROUP).fillna("其他")).drop_duplicates(
        ["sub", "group"]
    )
    bcell = b.set_index(["sub", "group"])[["sheet", "cell"]]
    keys = pd.MultiIndex.from_arrays([g.index, first.to_numpy()])
    block_at = bcell.reindex(keys)
    is_exec = first.eq("执行率").to_numpy()
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
        expected=_group_text(tuple(want)),
    )


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
    # national: 产出 (incl. 成本) + 效益 over every 一级 weight incl. execution; 满意度 is its own 一级
    g = _group_weights(ctx)
    g = g[g["known"]]
    nat_total = g[list(GROUPS) + ["其他"]].sum(axis=1)
    nat_share = ((g["产出"] + g["效益"]) / nat_total.where(nat_total > 0) * 100).dropna()
    b = _blocks(ctx)
    b = b[b["level1"].map(LEVEL1_GROUP).isin(["产出", "效益"])].drop_duplicates("sub")
    nat_cells = b.set_index("sub")[["sheet", "cell"]]
    # hainan: 项目产出 + 项目效益 (the fixed template gives 55 %; the unit cannot change it)
    l1, l2 = _hainan_levels(ctx)
    ob = l2[l2["level2"].astype(str).str.contains("产出|效益", regex=True)]
    ob_sum = ob.groupby("sub")["weight"].sum(min_count=1)
    all_sum = l1.groupby("sub")["weight"].sum(min_count=1)
    hai_share = (ob_sum / all_sum.where(all_sum > 0) * 100).dropna()
    hai_cells = (
        l1[l1.set_index(["sub", "level1"]).index.isin(ob.set_index(["sub", "level1"]).index)]
        .drop_duplicates("sub")
        .set_index("sub")[["sheet", "cell"]]
    )
    share = pd.concat([nat_share, hai_share])
    cells = pd.concat([nat_cells, hai_cells])
    low = share[share < floor - 1e-9]
    rows = _project_rows(ctx, low.index).set_index("sub", drop=False).reindex(low.index)
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
    groups = ind["level1"].map(LEVEL1_ALIAS).fillna(ind["level1"])
    present = (
        pd.crosstab(ind["sub"], groups).reindex(p["sub"]).fillna(0)
        if not ind.empty
        else pd.DataFrame(index=pd.Index(p["sub"]))
    )
    wanted = ["产出指标", "效益指标"]
    if ctx.cfg.indicators.level1_weights[3] > 0:
        wanted.append("满意度指标")
    # the unit adds the missing block below its last indicator (template) or next to it
    last = ind.groupby("sub").tail(1).set_index("sub")
    below = last.assign(row=_num(last["row"]) + 1).reset_index()
    below = below.assign(cell=_spec_cells(below, "indicators", "level1", "name_cell").to_numpy())
    below = below.set_index("sub")
    sheet_spec, table = get_profile(NATIONAL).find_table("indicators")
    first_sheet, first_cell = sheet_spec.name, f"{table.column('level1').col}{table.first_row}"
    parts = []
    for level1 in wanted:
        col = present[level1] if level1 in present else pd.Series(0, index=present.index)
        missing = col.reindex(p["sub"]).fillna(0).eq(0).to_numpy()
        rows = p[missing]
        if rows.empty:
            continue
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
    if not parts:
        return _none()
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
    ind = ind[ind["level2"].isin(list(LEVEL2_PARENT)) & ind["level1"].notna()]
    parent = ind["level2"].map(LEVEL2_PARENT)
    level1 = ind["level1"].map(LEVEL1_ALIAS).fillna(ind["level1"])
    allowed = level1.eq(parent)
    for level2, extra in EXTRA_PARENTS.items():
        allowed |= ind["level2"].eq(level2) & level1.isin(extra)
    # an unknown 一级 label cannot be judged here (the reader keeps it as written)
    judged = level1.isin(list(LEVEL1_GROUP))
    bad = ind[judged & ~allowed]
    return hits(
        bad,
        sheet=bad["sheet"],
        cell=_spec_cells(bad, "indicators", "level2", "name_cell"),
        observed=bad["level2"],
        expected=parent[bad.index],
        level1=bad["level1"],
    )


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
    ind = _indicators(ctx)
    ind = ind.assign(k=ind["name"].astype("string").str.replace(r"\s+", "", regex=True))
    named = ind[ind["name"].notna()]
    g = named.groupby(["sub", "k"])
    keys = pd.MultiIndex.from_arrays([ind["sub"], ind["k"]])
    count = g.size().reindex(keys).fillna(1).astype(int).to_numpy()
    first = g["name_cell"].first().reindex(keys).to_numpy()
    # every repeat after the first, and every row whose weight is not above 0
    repeat = named.duplicated(["sub", "k"], keep="first").reindex(ind.index, fill_value=False)
    nonpos = ind["w"].notna() & (ind["w"] <= 0)
    ind = ind.assign(count=count, first=np.where(pd.isna(first), ind["name_cell"], first))
    bad = ind[repeat | nonpos]
    rows = pd.DataFrame(
        {
            "sub": bad["sub"],
            "name": bad["name"].fillna(bad["name_cell"]),
            "sheet": bad["sheet"],
            "cell": np.where(repeat[bad.index], bad["name_cell"], bad["weight_cell"]),
            "count": bad["count"],
            "first": bad["first"],
            "weight": bad["w"],
        }
    )
    si = _score_items(ctx)
    si = si[si["w3"].notna() & (si["w3"] <= 0)]
    items = pd.DataFrame(
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
    out = pd.concat([x for x in (rows, items) if not x.empty] or [rows], ignore_index=True)
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
