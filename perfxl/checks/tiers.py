"""Tier-standard rules (T, hainan2011): the 优/良/中/差 intervals checked for overlap, gaps, order and fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfxl import scoring
from perfxl.checks.engine import Ctx, hits, rule
from perfxl.checks.metadata import text_of
from perfxl.findings import fmt_value

HAINAN = ("hainan2011",)
TIERS = ("优", "良", "中", "差")
_RANK = {t: i for i, t in enumerate(TIERS)}
_NUMERIC_KINDS = ("cmp", "range", "point")
KEYS = ["sub", "seq"]

# The 三级 scoring item an indicator of the target table answers to (RULES b.5), in order of
# precedence: a 及时率 is about 时效 although it ends in 率, a 成本节约率 about 成本.
# ---------------------------------------------------------------------------- shared tables


def _tiers(ctx: Ctx) -> pd.DataFrame:
    """The tier frame with rank, float bounds (±inf for open ends) and parse status."""
    if "tiers.table" in ctx.cache:
        return ctx.cache["tiers.table"]
    t = ctx.frames.tiers.copy()
    lo = pd.to_numeric(t["lo"], errors="coerce").astype(float)
    hi = pd.to_numeric(t["hi"], errors="coerce").astype(float)
    kind = t["kind"].astype(object)
    t["rank"] = t["tier"].map(_RANK)
    t["parsed"] = kind.isin(_NUMERIC_KINDS) & (lo.notna() | hi.notna())
    t["filled"] = kind.notna() & kind.ne("empty")
    t["lo"], t["hi"] = lo, hi
    t["lo_f"], t["hi_f"] = lo.fillna(-np.inf), hi.fillna(np.inf)
    # A single-value tier ("100%") is the closed point: the neighbour rule of
    # parse.resolve_tier_set may exclude one end of it, which would leave it empty.
    point = kind.eq("point") & lo.notna() & lo.eq(hi)
    t["lo_incl"] = t["lo_incl"].fillna(False).astype(bool) | point
    t["hi_incl"] = t["hi_incl"].fillna(False).astype(bool) | point
    t["percent"] = t["percent"].fillna(False).astype(bool)
    # A non-numeric tier is unreadable when it is free text, or when its neighbours are numbers
    # (a fully qualitative 好/较好/一般/差 scale is a legitimate descriptive standard).
    any_numeric = t.groupby(KEYS)["parsed"].transform("any").astype(bool)
    t["bad"] = t["filled"] & ~t["parsed"] & (kind.eq("text") | any_numeric)
    t["interval"] = _interval_text(t)
    names = ctx.indicators[KEYS + ["name"]].drop_duplicates(KEYS)
    t = t.merge(names, on=KEYS, how="left")
    ctx.cache["tiers.table"] = t
    return t


def _sets(ctx: Ctx) -> pd.DataFrame:
    """One row per indicator with tier standards: counts, usability and the tiers' own direction."""
    if "tiers.sets" in ctx.cache:
        return ctx.cache["tiers.sets"]
    t = _tiers(ctx)
    p = t[t["parsed"]]
    g = t.groupby(KEYS)
    s = pd.DataFrame(
        {
            "n_filled": g["filled"].sum(),
            "n_parsed": g["parsed"].sum(),
            "n_bad": g["bad"].sum(),
        }
    )
    # the tiers' own direction: where the best parsed tier sits against the worst one
    rep = _representative(p)
    ends = p.assign(rep=rep).sort_values(KEYS + ["rank"])
    best = ends.groupby(KEYS)["rep"].first()
    worst = ends.groupby(KEYS)["rep"].last()
    s["tier_dir"] = pd.Series(
        np.select([best > worst, best < worst], ["pos", "neg"], default=None),
        index=best.index,
        dtype=object,
    ).reindex(s.index)
    s["usable"] = (s["n_parsed"] >= 2) & (s["n_bad"] == 0)
    s = s.reset_index()
    ind = ctx.indicators
    cols = [
        "name",
        "direction",
        "direction_how",
        "target_raw",
        "target_cell",
        "t_kind",
        "t_value",
        "t_lo",
        "t_hi",
        "t_lo_incl",
        "t_hi_incl",
        "t_unit",
        "unit",
        "a_kind",
        "a_value",
        "a_unit",
        "actual_raw",
        "actual_cell",
        "level1",
        "target_a",
        "sheet",
    ]
    s = s.merge(
        ind[KEYS + [c for c in cols if c in ind]].drop_duplicates(KEYS), on=KEYS, how="left"
    )
    ctx.cache["tiers.sets"] = s
    return s


def _representative(t: pd.DataFrame) -> pd.Series:
    """A point standing for an interval: its middle, or its one finite bound."""
    lo, hi = t["lo"], t["hi"]
    return ((lo + hi) / 2).fillna(lo).fillna(hi)


def _bound(v: float, incl: bool, lower: bool) -> str:
    if np.isinf(v):
        return "(-∞" if lower else "+∞)"
    if lower:
        return ("[" if incl else "(") + fmt_value(float(v))
    return fmt_value(float(v)) + ("]" if incl else ")")


def interval_texts(
    lo: pd.Series, lo_incl: pd.Series, hi: pd.Series, hi_incl: pd.Series
) -> list[str]:
    """ "[43, 46)", "(-∞, 40)", "[95, +∞)" for float bounds (±inf = open end)."""
    return [
        _bound(a, ai, True) + ", " + _bound(b, bi, False)
        for a, ai, b, bi in zip(lo, lo_incl, hi, hi_incl, strict=True)
    ]


def _interval_text(t: pd.DataFrame) -> pd.Series:
    """The interval each parsed tier is read as (the one the checks use), None otherwise."""
    text = pd.Series(
        interval_texts(t["lo_f"], t["lo_incl"], t["hi_f"], t["hi_incl"]),
        index=t.index,
        dtype=object,
    )
    return text.where(t["parsed"], None)


def _finite_bounds(p: pd.DataFrame) -> pd.DataFrame:
    lo = p[KEYS + ["lo"]].rename(columns={"lo": "v"})
    hi = p[KEYS + ["hi"]].rename(columns={"hi": "v"})
    return pd.concat([lo, hi]).dropna()


def _domain(p: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, the values an actual can plausibly take (d_lo, d_hi): nothing negative
    unless a tier has a negative bound; percentages stop at 100 unless a tier goes beyond."""
    g = _finite_bounds(p).groupby(KEYS)["v"]
    dom = pd.DataFrame({"vmin": g.min(), "vmax": g.max()})
    dom["pct"] = p.groupby(KEYS)["percent"].all()
    dom["d_lo"] = np.where(dom["vmin"] < 0, -np.inf, 0.0)
    dom["d_hi"] = np.where(dom["pct"] & (dom["vmax"] <= 100), 100.0, np.inf)
    return dom.reset_index()


def _pairs(ctx: Ctx) -> pd.DataFrame:
    """Every pair of parsed tiers of an indicator (better first) with their intersection."""
    if "tiers.pairs" in ctx.cache:
        return ctx.cache["tiers.pairs"]
    t = _tiers(ctx)
    cols = ["tier", "rank", "raw", "cell", "sheet", "lo_f", "hi_f", "lo_incl", "hi_incl"]
    p = t.loc[t["parsed"], KEYS + cols + ["name"]]
    m = p.merge(p[KEYS + cols], on=KEYS, suffixes=("_a", "_b"))
    m = m[m["rank_a"] < m["rank_b"]].reset_index(drop=True)
    la, lb, ha, hb = m["lo_f_a"], m["lo_f_b"], m["hi_f_a"], m["hi_f_b"]
    m["x_lo"] = np.maximum(la, lb)
    m["x_lo_incl"] = np.where(
        la == lb, m["lo_incl_a"] & m["lo_incl_b"], np.where(la > lb, m["lo_incl_a"], m["lo_incl_b"])
    )
    m["x_hi"] = np.minimum(ha, hb)
    m["x_hi_incl"] = np.where(
        ha == hb, m["hi_incl_a"] & m["hi_incl_b"], np.where(ha < hb, m["hi_incl_a"], m["hi_incl_b"])
    )
    with np.errstate(invalid="ignore"):
        length = m["x_hi"] - m["x_lo"]
    m["overlap"] = length > 0
    m["touch"] = (length == 0) & m["x_lo_incl"] & m["x_hi_incl"]
    ctx.cache["tiers.pairs"] = m
    return m


def _blame(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, the tier taking part in most of the faulty pairs (ties: the worse tier):
    the cell the unit has to rewrite."""
    cols = ["tier", "rank", "cell", "sheet", "raw"]
    long = pd.concat(
        [
            pairs[KEYS + [c + "_a" for c in cols]].set_axis(KEYS + cols, axis=1),
            pairs[KEYS + [c + "_b" for c in cols]].set_axis(KEYS + cols, axis=1),
        ],
        ignore_index=True,
    )
    n = long.groupby(KEYS + ["tier"], dropna=False).size().rename("n").reset_index()
    long = long.drop_duplicates(KEYS + ["tier"]).merge(n, on=KEYS + ["tier"])
    return long.sort_values(
        KEYS + ["n", "rank"], ascending=[True, True, False, False]
    ).drop_duplicates(KEYS)


def _pair_text(pairs: pd.DataFrame, overlap: bool) -> pd.Series:
    """Per indicator, the faulty pairs: 良“43（含）-46”∩中“40（含）-45”=[43, 45) (overlap) or
    良“5%（含）-10%”/差“15%（含）以下” (order); tier names and texts read the same in both languages."""
    inter = interval_texts(pairs["x_lo"], pairs["x_lo_incl"], pairs["x_hi"], pairs["x_hi_incl"])
    text = [
        f"{ta}“{ra}”∩{tb}“{rb}”={x}" if overlap else f"{ta}“{ra}”/{tb}“{rb}”"
        for ta, ra, tb, rb, x in zip(
            pairs["tier_a"], pairs["raw_a"], pairs["tier_b"], pairs["raw_b"], inter, strict=True
        )
    ]
    return pairs[KEYS].assign(text=text).groupby(KEYS)["text"].agg("；".join)


def _t03_subjects(ctx: Ctx) -> pd.DataFrame:
    """Indicators whose tiers run the wrong way (T03), with the tier to blame and why."""
    if "tiers.t03" in ctx.cache:
        return ctx.cache["tiers.t03"]
    s = _sets(ctx)
    t = _tiers(ctx)
    m = _pairs(ctx).merge(s[KEYS + ["tier_dir", "direction", "direction_how"]], on=KEYS)
    m = m.merge(_domain(t[t["parsed"]])[KEYS + ["d_lo", "d_hi"]], on=KEYS)
    # a better tier must lie on the better side of every worse tier, both ends compared within
    # the plausible domain (良 "≥95%" next to 优 "100%" only overlaps; it is not reversed)
    la, lb = m["lo_f_a"].clip(lower=m["d_lo"]), m["lo_f_b"].clip(lower=m["d_lo"])
    ha, hb = m["hi_f_a"].clip(upper=m["d_hi"]), m["hi_f_b"].clip(upper=m["d_hi"])
    pos = (la < lb) | (ha < hb)
    neg = (la > lb) | (ha > hb)
    bad = (m["tier_dir"].eq("pos") & pos) | (m["tier_dir"].eq("neg") & neg)
    wrong = m[bad]
    order = _blame(wrong)
    order = order.merge(_pair_text(wrong, overlap=False).rename("detail").reset_index(), on=KEYS)
    # the target's own comparator or the unit's 指标方向 says one way, the tiers the other
    stated = s["direction_how"].isin(["comparator", "label"]) & s["direction"].isin(["pos", "neg"])
    flip = s[stated & s["tier_dir"].notna() & s["direction"].ne(s["tier_dir"])]
    flip = flip[~flip.set_index(KEYS).index.isin(order.set_index(KEYS).index)]
    best = t[t["parsed"]].sort_values(KEYS + ["rank"]).drop_duplicates(KEYS)
    flip = flip[KEYS + ["direction", "tier_dir", "target_raw"]].merge(
        best[KEYS + ["tier", "cell", "sheet", "raw"]], on=KEYS
    )
    # 目标“≥47条”↑；优→差↓ : the target says more is better, the tiers that less is
    arrow = {"pos": "↑", "neg": "↓"}
    flip["detail"] = (
        "目标“"
        + text_of(flip["target_raw"])
        + "”"
        + flip["direction"].map(arrow)
        + "；优→差"
        + flip["tier_dir"].map(arrow)
    )
    out = pd.concat(
        [order[KEYS + ["tier", "cell", "sheet", "raw", "detail"]], flip.drop(columns="target_raw")],
        ignore_index=True,
    )
    out = out.merge(s[KEYS + ["name"]], on=KEYS, how="left")
    ctx.cache["tiers.t03"] = out
    return out


def _classified(ctx: Ctx) -> pd.DataFrame:
    """Per indicator with a numeric actual and usable tiers: the tiers the actual falls into."""
    if "tiers.classified" in ctx.cache:
        return ctx.cache["tiers.classified"]
    s = _sets(ctx)
    b = pd.to_numeric(s["a_value"], errors="coerce")
    s = s.assign(b=b)[s["usable"] & s["a_kind"].eq("number") & b.notna()]
    t = _tiers(ctx)
    m = s[KEYS + ["b"]].merge(
        t.loc[t["parsed"], KEYS + ["tier", "rank", "lo_f", "hi_f", "lo_incl", "hi_incl"]], on=KEYS
    )
    inside = ((m["b"] > m["lo_f"]) | ((m["b"] == m["lo_f"]) & m["lo_incl"])) & (
        (m["b"] < m["hi_f"]) | ((m["b"] == m["hi_f"]) & m["hi_incl"])
    )
    m = m[inside].sort_values(KEYS + ["rank"])
    g = m.groupby(KEYS)
    got = pd.DataFrame(
        {
            "n_tiers": g.size(),
            "tiers": g["tier"].agg("、".join),
            "tier": g["tier"].first(),
        }
    )
    s = s.merge(got.reset_index(), on=KEYS, how="left")
    s["n_tiers"] = s["n_tiers"].fillna(0).astype(int)
    ctx.cache["tiers.classified"] = s
    return s


# ---------------------------------------------------------------------------- T01–T09


@rule(
    "T01",
    "error",
    "row",
    "绩效标准重叠",
    "tier standards overlap",
    "指标「{name}」的绩效标准重叠：{observed}。同一实际值会落入两个档次，请改为互不重叠、首尾相接的区间。",
    "The tier standards of “{name}” overlap: {observed}. One actual value falls into two tiers; "
    "make the intervals disjoint and contiguous.",
    severities=("error", "warning"),
    profiles=HAINAN,
)
def t01_overlap(ctx: Ctx) -> pd.DataFrame | None:
    m = _pairs(ctx)
    bad = m[m["overlap"] | m["touch"]]
    if bad.empty:
        return None
    real = bad.groupby(KEYS)["overlap"].any().rename("real").reset_index()
    out = _blame(bad).merge(real, on=KEYS)
    out = out.merge(_pair_text(bad, overlap=True).rename("detail").reset_index(), on=KEYS)
    out = out.merge(bad[KEYS + ["name"]].drop_duplicates(KEYS), on=KEYS)
    # a single shared point is a boundary slip, a stretch of values a real contradiction
    return hits(
        out,
        sheet=out["sheet"],
        cell=out["cell"],
        observed=out["detail"],
        expected="各档区间互不重叠",
        severity=np.where(out["real"], "error", "warning"),
        name=out["name"],
    )


@rule(
    "T02",
    "warning",
    "row",
    "绩效标准存在空档",
    "gap between tier standards",
    "指标「{name}」的绩效标准存在空档 {observed}：落在其中的实际值不属于任何档次。",
    "The tier standards of “{name}” leave a gap {observed}: an actual value there matches no tier.",
    profiles=HAINAN,
)
def t02_gap(ctx: Ctx) -> pd.DataFrame | None:
    s = _sets(ctx)
    # a reversed tier set (T03) leaves gaps that are only a symptom of the reversal
    reversed_ = s.set_index(KEYS).index.isin(_t03_subjects(ctx).set_index(KEYS).index)
    s = s[s["usable"] & ~reversed_]
    if s.empty:
        return None
    t = _tiers(ctx)
    p = t[t["parsed"]].merge(s[KEYS], on=KEYS)
    finite = _finite_bounds(p)
    dom = _domain(p)
    # candidate points: every boundary, the middle of every stretch between two, and beyond
    ends = pd.concat(
        [
            finite,
            dom.loc[np.isfinite(dom["d_lo"]), KEYS + ["d_lo"]].rename(columns={"d_lo": "v"}),
            dom.loc[np.isfinite(dom["d_hi"]), KEYS + ["d_hi"]].rename(columns={"d_hi": "v"}),
        ]
    ).merge(dom[KEYS + ["d_lo", "d_hi"]], on=KEYS)
    ends = ends[(ends["v"] >= ends["d_lo"]) & (ends["v"] <= ends["d_hi"])]
    ends = ends.drop_duplicates(KEYS + ["v"]).sort_values(KEYS + ["v"])
    pts = ends.assign(x=ends["v"], left_v=ends["v"], right_v=ends["v"], point=True)
    nxt = ends.groupby(KEYS)["v"].shift(-1)
    mids = ends.assign(x=(ends["v"] + nxt) / 2, left_v=ends["v"], right_v=nxt, point=False)[
        nxt.notna()
    ]
    first = ends.drop_duplicates(KEYS, keep="first")
    last = ends.drop_duplicates(KEYS, keep="last")
    # (assign before filtering: a Series assigned to an empty frame would lend it its index)
    below = first.assign(x=first["v"] - 1, left_v=-np.inf, right_v=first["v"], point=False)
    below = below[np.isinf(below["d_lo"])]
    above = last.assign(x=last["v"] + 1, left_v=last["v"], right_v=np.inf, point=False)
    above = above[np.isinf(above["d_hi"])]
    cand = pd.concat([below, pts, mids, above], ignore_index=True).sort_values(KEYS + ["x"])
    cand = cand.reset_index(drop=True).rename_axis("cid").reset_index()
    m = cand[["cid", *KEYS, "x"]].merge(p[KEYS + ["lo_f", "hi_f", "lo_incl", "hi_incl"]], on=KEYS)
    inside = ((m["x"] > m["lo_f"]) | ((m["x"] == m["lo_f"]) & m["lo_incl"])) & (
        (m["x"] < m["hi_f"]) | ((m["x"] == m["hi_f"]) & m["hi_incl"])
    )
    covered = inside.groupby(m["cid"]).any()
    cand["open"] = ~cand["cid"].map(covered).fillna(False).astype(bool)
    # consecutive uncovered candidates form one gap
    prev_open = cand.groupby(KEYS)["open"].shift(1, fill_value=False)
    cand["run"] = (cand["open"] & ~prev_open).cumsum()
    gaps = cand[cand["open"]]
    if gaps.empty:
        return None
    r = gaps.groupby("run").agg(
        sub=("sub", "first"),
        seq=("seq", "first"),
        lo=("left_v", "first"),
        lo_point=("point", "first"),
        hi=("right_v", "last"),
        hi_point=("point", "last"),
        n=("x", "size"),
    )
    # a gap starts closed at a boundary value it contains, open after one it does not
    spans = interval_texts(r["lo"], r["lo_point"], r["hi"], r["hi_point"])
    text = [
        fmt_value(float(lo)) if n == 1 and point else span
        for lo, point, n, span in zip(r["lo"], r["lo_point"], r["n"], spans, strict=True)
    ]
    r = r.assign(text=text).reset_index()
    per = r.groupby(KEYS).agg(gap=("text", "、".join), start=("lo", "first"), end=("hi", "first"))
    per = per.reset_index()
    # point at the tier just below the first gap, else the one just above it
    below_t = p[KEYS + ["hi_f", "cell", "sheet"]].rename(columns={"hi_f": "start"})
    above_t = p[KEYS + ["lo_f", "cell", "sheet"]].rename(columns={"lo_f": "end"})
    per = per.merge(below_t.drop_duplicates(KEYS + ["start"]), on=KEYS + ["start"], how="left")
    fill = per[KEYS + ["end"]].merge(
        above_t.drop_duplicates(KEYS + ["end"]), on=KEYS + ["end"], how="left"
    )
    per["cell"] = per["cell"].fillna(pd.Series(fill["cell"].to_numpy(), index=per.index))
    per["sheet"] = per["sheet"].fillna(pd.Series(fill["sheet"].to_numpy(), index=per.index))
    per = per.merge(s[KEYS + ["name"]], on=KEYS)
    return hits(
        per,
        sheet=per["sheet"],
        cell=per["cell"],
        observed=per["gap"],
        expected="各档首尾相接",
        name=per["name"],
    )


@rule(
    "T03",
    "error",
    "row",
    "绩效标准方向错误",
    "tier standards in the wrong order",
    "指标「{name}」的绩效标准方向错误（{detail}）：优档应在最好的一端，差档在最差的一端。",
    "The tier standards of “{name}” run the wrong way ({detail}): 优 must be the best end, "
    "差 the worst.",
    profiles=HAINAN,
)
def t03_order(ctx: Ctx) -> pd.DataFrame | None:
    out = _t03_subjects(ctx)
    if out.empty:
        return None
    return hits(
        out,
        sheet=out["sheet"],
        cell=out["cell"],
        observed=out["raw"],
        expected="由优到差单调排列",
        name=out["name"],
        detail=out["detail"],
    )


@rule(
    "T04",
    "warning",
    "row",
    "优档标准与年度目标不符",
    "excellent tier does not match the target",
    "指标「{name}」的优档标准“{observed}”（即 {detail}）与年度目标“{expected}”不一致："
    "优档应从年度目标起算，达到目标即为优，未达到目标不应评为优。",
    "The excellent tier “{observed}” ({detail}) of “{name}” does not match the target "
    "“{expected}”: 优 should start at the target, so that meeting it is 优 and missing it is not.",
    profiles=HAINAN,
)
def t04_target(ctx: Ctx) -> pd.DataFrame | None:
    s = _sets(ctx)
    t = _tiers(ctx)
    best = t[t["parsed"] & t["tier"].eq("优")]
    cols = ["lo_f", "hi_f", "lo_incl", "hi_incl", "raw", "cell", "sheet", "interval"]
    m = s.merge(best[KEYS + cols], on=KEYS, suffixes=("", "_t"))
    m = m[m["t_kind"].isin(_NUMERIC_KINDS)]
    if m.empty:
        return None
    tv = pd.to_numeric(m["t_value"], errors="coerce")
    # the number the target stands for: the comparator bound for pos/neg, else its point
    a = pd.to_numeric(m["target_a"], errors="coerce").fillna(tv)
    d = m["direction"]
    eps = 1e-9
    # 优 reaching past the target: missing the target can still be 优
    looser = (d.eq("pos") & a.notna() & (m["lo_f"] < a - eps)) | (
        d.eq("neg") & a.notna() & (m["hi_f"] > a + eps)
    )
    # the target (a point or an interval) not inside 优: meeting the target is not 优
    point = m["t_kind"].eq("point")
    x_lo = pd.to_numeric(m["t_lo"], errors="coerce").fillna(-np.inf).where(~point, tv)
    x_hi = pd.to_numeric(m["t_hi"], errors="coerce").fillna(np.inf).where(~point, tv)
    # a shared bound is fine when 优 includes it or the target itself stops short of it
    edge_lo = m["lo_incl"] | (~point & m["t_lo_incl"].eq(False)) | ~np.isfinite(x_lo)
    edge_hi = m["hi_incl"] | (~point & m["t_hi_incl"].eq(False)) | ~np.isfinite(x_hi)
    inside = ((x_lo > m["lo_f"]) | ((x_lo == m["lo_f"]) & edge_lo)) & (
        (x_hi < m["hi_f"]) | ((x_hi == m["hi_f"]) & edge_hi)
    )
    m = m[looser | ~inside]
    if m.empty:
        return None
    return hits(
        m,
        sheet=m["sheet_t"],
        cell=m["cell"],
        observed=m["raw"],
        expected=m["target_raw"],
        name=m["name"],
        detail=m["interval"],
    )


@rule(
    "T05",
    "info",
    "row",
    "边界归属已推定",
    "boundary inclusivity inferred",
    "指标「{name}」的绩效标准未写明边界是否含本数，已推定为：{observed}。",
    "The tier standards of “{name}” do not say whether their bounds are included; read as: "
    "{observed}.",
    profiles=HAINAN,
)
def t05_inferred(ctx: Ctx) -> pd.DataFrame | None:
    t = _tiers(ctx)
    inf = t[t["inferred"].fillna(False).astype(bool) & t["parsed"]].sort_values(KEYS + ["rank"])
    if inf.empty:
        return None
    inf = inf.assign(txt=inf["tier"] + "“" + text_of(inf["raw"]) + "”→" + text_of(inf["interval"]))
    g = inf.groupby(KEYS)
    out = pd.DataFrame(
        {
            "observed": g["txt"].agg("；".join),
            "cell": g["cell"].first(),
            "sheet": g["sheet"].first(),
            "name": g["name"].first(),
        }
    ).reset_index()
    return hits(
        out,
        sheet=out["sheet"],
        cell=out["cell"],
        observed=out["observed"],
        expected="写明“（含）”或“（不含）”",
        name=out["name"],
    )


@rule(
    "T06",
    "error",
    "row",
    "实际值无法唯一归档",
    "actual value not in exactly one tier",
    "指标「{name}」的实际值 {observed} 落入 {count} 个档次（{tiers}），应恰好落入一个档次。",
    "The actual value {observed} of “{name}” falls into {count} tiers ({tiers}); it must fall "
    "into exactly one.",
    severities=("error", "warning"),
    profiles=HAINAN,
)
def t06_classify(ctx: Ctx) -> pd.DataFrame | None:
    s = _classified(ctx)
    bad = s[s["n_tiers"] != 1]
    if bad.empty:
        return None
    # two tiers at once is a contradiction in the standard; none is a gap the actual fell into
    return hits(
        bad,
        sheet=bad["sheet"],
        cell=bad["actual_cell"],
        observed=bad["b"],
        expected="恰好属于一个档次",
        severity=np.where(bad["n_tiers"] >= 2, "error", "warning"),
        name=bad["name"],
        count=bad["n_tiers"],
        tiers=text_of(bad["tiers"]).replace("", "—"),
    )


@rule(
    "T07",
    "warning",
    "row",
    "绩效标准无法解析",
    "tier standard cannot be read",
    "指标「{name}」的{tier}档标准“{observed}”无法解析为数值区间，请写成如“47（含）-51”“≥95%”“85%以下”。",
    "The {tier} standard “{observed}” of “{name}” is not a numeric interval; write it like "
    "“47（含）-51”, “≥95%” or “85%以下”.",
    profiles=HAINAN,
)
def t07_unparsable(ctx: Ctx) -> pd.DataFrame | None:
    t = _tiers(ctx)
    bad = t[t["bad"]]
    if bad.empty:
        return None
    return hits(
        bad,
        sheet=bad["sheet"],
        cell=bad["cell"],
        observed=bad["raw"],
        expected="数值区间",
        name=bad["name"],
        tier=bad["tier"],
    )


# Units a narrative writes after a number; longest first so 人次 wins over 人.
_NARRATIVE_UNITS = (
    "人次|平方米|公里|千米|万元|小时|个月|条|个|次|人|项|台|套|件|家|户|份|所|座|辆|米|亩|吨|天|%"
)


@rule(
    "T08",
    "info",
    "row",
    "计量单位缺失",
    "unit of measure missing",
    "指标「{name}」的“{observed}”未写计量单位，已按{src}补全为“{expected}”。",
    "“{observed}” of “{name}” has no unit; completed as “{expected}” from the {src}.",
    profiles=HAINAN,
)
def t08_unit(ctx: Ctx) -> pd.DataFrame | None:
    s = _sets(ctx)
    s = s[s["t_kind"].isin(_NUMERIC_KINDS)]
    if s.empty:
        return None
    t = _tiers(ctx)
    with_unit = t[t["parsed"] & t["unit"].notna()].sort_values(KEYS + ["rank"])
    tier_unit = with_unit.groupby(KEYS)["unit"].first().rename("tier_unit").reset_index()
    s = s.assign(target_unit=s["t_unit"].astype(object).where(s["t_unit"].notna(), s["unit"]))
    s = s.merge(tier_unit, on=KEYS, how="left")
    # the narrative's "49条" for a target of 49
    nar = ctx.frames.narrative
    s = s.assign(v=pd.to_numeric(s["t_value"], errors="coerce"))
    if not nar.empty:
        found = text_of(nar["text"]).str.extractall(
            rf"(?<![\d.])(\d+(?:\.\d+)?)\s*({_NARRATIVE_UNITS})"
        )
        found = found.reset_index(level=1, drop=True).join(nar[["sub"]])
        found = found.assign(v=pd.to_numeric(found[0], errors="coerce"), nar_unit=found[1])
        s = s.merge(found.drop_duplicates(["sub", "v"])[["sub", "v", "nar_unit"]], how="left")
    else:
        s = s.assign(nar_unit=None)
    a_unit = s["a_unit"].astype(object).where(s["a_unit"].notna() & s["a_kind"].eq("number"))
    src_unit = s["tier_unit"].astype(object).fillna(a_unit).fillna(s["nar_unit"])
    src = np.select(
        [s["tier_unit"].notna(), a_unit.notna(), s["nar_unit"].notna()],
        ["绩效标准", "实际完成值", "报告正文"],
        default=None,
    )
    a = s.assign(src=src, fill=src_unit)
    a = a[s["target_unit"].isna() & src_unit.notna()]
    a = a.assign(
        cell=a["target_cell"],
        sheet_=a["sheet"],
        observed=a["target_raw"],
        expected=text_of(a["target_raw"]) + text_of(a["fill"]),
    )
    # the other way round: the target has a unit, a tier standard does not
    bare = t[t["parsed"] & t["unit"].isna()].sort_values(KEYS + ["rank"]).drop_duplicates(KEYS)
    b = s[s["target_unit"].notna()].merge(
        bare[KEYS + ["raw", "cell", "sheet"]], on=KEYS, suffixes=("", "_t")
    )
    b = b.assign(
        sheet_=b["sheet_t"],
        observed=b["raw"],
        expected=text_of(b["raw"]) + text_of(b["target_unit"]),
        src="年度目标",
    )
    cols = ["sub", "seq", "name", "cell", "sheet_", "observed", "expected", "src"]
    out = pd.concat([a[cols], b[cols]], ignore_index=True)
    if out.empty:
        return None
    return hits(
        out,
        sheet=out["sheet_"],
        cell=out["cell"],
        observed=out["observed"],
        expected=out["expected"],
        name=out["name"],
        src=out["src"],
    )


@rule(
    "T09",
    "warning",
    "row",
    "指标未达优档但评分满分",
    "indicator below 优 but its item has full marks",
    "指标「{name}」的实际值 {actual} 属于{tier}档，对应的评分项「{item}」却得满分 {observed}；"
    "按档次应约为 {expected} 分，请核实评分或说明理由。",
    "“{name}” is in the {tier} tier (actual {actual}), yet its scoring item “{item}” has full "
    "marks {observed}; by tier it would be about {expected}.",
    thresholds=("tiers.score_map", "tolerance.full_eps"),
    profiles=HAINAN,
)
def t09_full_below(ctx: Ctx) -> pd.DataFrame | None:
    s = _classified(ctx)
    # T06 cases (no tier or several) cannot be judged here (RULES d.3 #22)
    s = s[s["n_tiers"].eq(1) & s["tier"].ne("优")]
    items = ctx.frames.score_items
    if s.empty or items.empty:
        return None
    s = s.assign(item=scoring.target_score_items(s).to_numpy())
    it = items.assign(
        score=pd.to_numeric(items["score"], errors="coerce"),
        w3=pd.to_numeric(items["w3"], errors="coerce"),
    )
    m = s.merge(
        it[["sub", "level3", "score", "w3", "score_cell", "sheet"]].rename(
            columns={"level3": "item"}
        ),
        on=["sub", "item"],
        suffixes=("", "_i"),
    )
    m = m[m["score"].notna() & m["w3"].notna() & scoring.is_full(m["score"], m["w3"], ctx.cfg)]
    if m.empty:
        return None
    share = m["tier"].map(dict(zip(TIERS, ctx.cfg.tiers.score_map, strict=True)))
    expected = (m["w3"] * share).round(2)
    return hits(
        m,
        sheet=m["sheet_i"],
        cell=m["score_cell"],
        observed=m["score"],
        expected=expected,
        stake=m["score"] - expected,
        name=m["name"],
        actual=m["b"],
        tier=m["tier"],
        item=m["item"],
    )
