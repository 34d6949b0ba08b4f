"""Tier-standard rules (T, hainan2011): the 优/良/中/差 intervals checked for overlap, gaps, order and fit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from perfxl.checks import scoring
from perfxl.checks.cells import as_floats
from perfxl.checks.engine import Ctx, hits, rule
from perfxl.checks.metadata import text_of
from perfxl.model.findings import fmt_value

HAINAN = ("hainan2011",)
TIERS = ("优", "良", "中", "差")
_RANK = {t: i for i, t in enumerate(TIERS)}
_NUMERIC_KINDS = ("cmp", "range", "point")

# The 三级 scoring item an indicator of the target table answers to (domain b.5), in order of
# precedence: a 及时率 is about 时效 although it ends in 率, a 成本节约率 about 成本.
# ---------------------------------------------------------------------------- shared tables
#
# The tier checks work per indicator on a handful of rows each. A pandas merge or groupby costs
# 1-3 ms even on the four tiers of one indicator, and a one-workbook `perfxl check` is made of
# such fixed costs; so the shared tables below identify an indicator by one int64 key and do
# their per-indicator work on plain arrays (sorted keys, searchsorted, reduceat), which is as
# vectorised for a 20,000-workbook batch.


Cols = dict[str, np.ndarray]  # a table as equal-length arrays: no DataFrame built per step


def _keys(ctx: Ctx, df: pd.DataFrame) -> np.ndarray:
    """One int64 per (sub, seq), in (sub, seq) order."""
    if "tiers.subs" not in ctx.cache:
        ctx.cache["tiers.subs"] = pd.Index(sorted(set(ctx.projects["sub"].dropna())))
    code = ctx.cache["tiers.subs"].get_indexer(df["sub"]).astype(np.int64)
    return code * 2**32 + df["seq"].to_numpy(dtype=np.int64)


def _starts(keys: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts in sorted `keys`."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])


def _cross(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (i, j) with a[i] == b[j], i-major, j ascending (b sorted): an inner merge's rows."""
    lo = np.searchsorted(b, a, "left")
    n = np.searchsorted(b, a, "right") - lo
    ia = np.repeat(np.arange(len(a)), n)
    offset = np.arange(len(ia)) - np.repeat(np.cumsum(n) - n, n)
    return ia, np.repeat(lo, n) + offset


def _lookup(src: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Per key, the row of `src` holding it first (as drop_duplicates keeps), -1 where none."""
    uniq, first = np.unique(src, return_index=True)
    if len(uniq) == 0:
        return np.full(len(keys), -1)
    pos = np.searchsorted(uniq, keys).clip(max=len(uniq) - 1)
    return np.where(uniq[pos] == keys, first[pos], -1)


def _take(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """values[rows], blank (NaN or None) where rows is -1: a left merge's missing values."""
    if values.dtype.kind == "f":
        out = values[rows.clip(min=0)] if len(values) else np.full(len(rows), np.nan)
        return np.where(rows >= 0, out, np.nan)
    out = np.empty(len(rows), dtype=object)
    ok = rows >= 0
    out[ok] = values[rows[ok]]
    return out


def _ends(starts: np.ndarray, n: int) -> np.ndarray:
    """Where each group of `starts` (in n sorted rows) stops (exclusive)."""
    return np.r_[starts[1:], n][: len(starts)]


def _first_notna(starts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per group of sorted rows, its first non-blank value (as groupby's first)."""
    group = np.repeat(np.arange(len(starts)), _ends(starts, len(values)) - starts)
    rows = np.flatnonzero(pd.notna(values))
    found, at = np.unique(group[rows], return_index=True)
    out = np.full(len(starts), None, dtype=object)
    out[found] = values[rows[at]]
    return out


def _join(starts: np.ndarray, texts: list[str] | np.ndarray, sep: str) -> list[str]:
    """Per group of sorted rows, its texts joined (groupby(..).agg(sep.join))."""
    ends = _ends(starts, len(texts))
    return [sep.join(texts[s:e]) for s, e in zip(starts, ends, strict=True)]


def _text_list(values: np.ndarray) -> list[str]:
    """text_of on an array: blanks as ""."""
    return ["" if v is None or v is pd.NA or v != v else str(v) for v in values]


def _isin(values: np.ndarray, choices: tuple[str, ...] | list[str]) -> np.ndarray:
    """values.isin(choices) on an object array (blanks never match)."""
    out = np.zeros(len(values), dtype=bool)
    for c in choices:
        out |= values == c
    return out


def _tiers(ctx: Ctx) -> Cols:
    """The tier frame's columns with rank, float bounds (±inf for open ends), parse status,
    the indicator's name and key."""
    if "tiers.table" in ctx.cache:
        return ctx.cache["tiers.table"]
    t = ctx.frames.tiers
    lo = np.asarray(pd.to_numeric(t["lo"], errors="coerce"), dtype=float)
    hi = np.asarray(pd.to_numeric(t["hi"], errors="coerce"), dtype=float)
    kind = t["kind"].to_numpy(dtype=object)
    key = _keys(ctx, t)
    parsed = _isin(kind, _NUMERIC_KINDS) & ~(np.isnan(lo) & np.isnan(hi))
    filled = pd.notna(kind) & (kind != "empty")
    # A single-value tier ("100%") is the closed point: the neighbour rule of
    # parse.resolve_tier_set may exclude one end of it, which would leave it empty.
    point = (kind == "point") & (lo == hi)
    lo_f, hi_f = np.where(np.isnan(lo), -np.inf, lo), np.where(np.isnan(hi), np.inf, hi)
    lo_incl = t["lo_incl"].fillna(False).to_numpy(dtype=bool) | point
    hi_incl = t["hi_incl"].fillna(False).to_numpy(dtype=bool) | point
    # A non-numeric tier is unreadable when it is free text, or when its neighbours are numbers
    # (a fully qualitative 好/较好/一般/差 scale is a legitimate descriptive standard).
    any_numeric = np.isin(key, key[parsed])
    interval = np.full(len(t), None, dtype=object)
    interval[parsed] = interval_texts(lo_f[parsed], lo_incl[parsed], hi_f[parsed], hi_incl[parsed])
    ind = ctx.indicators
    out: Cols = {c: t[c].to_numpy() for c in t.columns}
    out.update(
        lo=lo,
        hi=hi,
        lo_incl=lo_incl,
        hi_incl=hi_incl,
        inferred=t["inferred"].fillna(False).to_numpy(dtype=bool),
        percent=t["percent"].fillna(False).to_numpy(dtype=bool),
        rank=t["tier"].map(_RANK).to_numpy(dtype=float),
        parsed=parsed,
        filled=filled,
        lo_f=lo_f,
        hi_f=hi_f,
        bad=filled & ~parsed & ((kind == "text") | any_numeric),
        interval=interval,
        name=_take(ind["name"].to_numpy(dtype=object), _indicator_rows(ctx, key)),
        key=key,
    )
    ctx.cache["tiers.table"] = out
    return out


def _indicator_rows(ctx: Ctx, keys: np.ndarray) -> np.ndarray:
    """Per key, the row of ctx.indicators of that indicator (its first), -1 where none."""
    if "tiers.indicator_keys" not in ctx.cache:
        ctx.cache["tiers.indicator_keys"] = _keys(ctx, ctx.indicators)
    return _lookup(ctx.cache["tiers.indicator_keys"], keys)


def _rows(cols: Cols, rows: np.ndarray) -> Cols:
    """The rows (a mask or positions) of a table; a _parsed table loses its group index."""
    return {k: v[rows] for k, v in cols.items() if k not in ("starts", "keys")}


def _parsed(ctx: Ctx, by_rank: bool = False) -> Cols:
    """The parsed tiers, grouped by key (in frame order within an indicator, or from 优 to 差
    with `by_rank`), plus "starts": where each indicator's rows start, "keys": its key."""
    name = f"tiers.parsed.{by_rank}"
    if name not in ctx.cache:
        t = _tiers(ctx)
        rows = np.flatnonzero(t["parsed"])
        key = t["key"][rows]
        order = np.lexsort((t["rank"][rows], key)) if by_rank else np.argsort(key, kind="stable")
        p = _rows(t, rows[order])
        p["starts"] = _starts(p["key"])
        p["keys"] = p["key"][p["starts"]]
        ctx.cache[name] = p
    return ctx.cache[name]


_SET_COLUMNS = (
    "name", "direction", "direction_how", "target_raw", "target_cell", "t_kind", "t_value",
    "t_lo", "t_hi", "t_lo_incl", "t_hi_incl", "t_unit", "unit", "a_kind", "a_value", "a_unit",
    "actual_raw", "actual_cell", "level1", "target_a", "sheet",
)  # fmt: skip


def _sets(ctx: Ctx) -> Cols:
    """One row per indicator with tier standards (in key order): counts, usability, the tiers'
    own direction and the indicator's own columns."""
    if "tiers.sets" in ctx.cache:
        return ctx.cache["tiers.sets"]
    t = _tiers(ctx)
    order = np.argsort(t["key"], kind="stable")
    starts = _starts(t["key"][order])
    keys = t["key"][order][starts]

    def count(col: str) -> np.ndarray:
        if not len(starts):
            return np.zeros(0, dtype=np.int64)
        return np.add.reduceat(t[col][order].astype(np.int64), starts)

    n_parsed, n_bad = count("parsed"), count("bad")
    # the tiers' own direction: where the best parsed tier sits against the worst one
    p = _parsed(ctx, by_rank=True)
    rep = _representative(p["lo"], p["hi"])
    best, worst = rep[p["starts"]], rep[_ends(p["starts"], len(rep)) - 1]
    tier_dir = np.full(len(best), None, dtype=object)
    tier_dir[best > worst] = "pos"
    tier_dir[best < worst] = "neg"
    ind = ctx.indicators
    rows = _indicator_rows(ctx, keys)
    s = {
        "sub": t["sub"][order][starts],
        "seq": t["seq"][order][starts],
        "key": keys,
        "n_filled": count("filled"),
        "n_parsed": n_parsed,
        "n_bad": n_bad,
        "tier_dir": _take(tier_dir, _lookup(p["keys"], keys)),
        "usable": (n_parsed >= 2) & (n_bad == 0),
    }
    s.update({c: _take(ind[c].to_numpy(), rows) for c in _SET_COLUMNS if c in ind})
    ctx.cache["tiers.sets"] = s
    return s


def _representative(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A point standing for an interval: its middle, or its one finite bound."""
    mid = (lo + hi) / 2
    return np.where(np.isnan(mid), np.where(np.isnan(lo), hi, lo), mid)


def _bound(v: float, incl: bool, lower: bool) -> str:
    if np.isinf(v):
        return "(-∞" if lower else "+∞)"
    if lower:
        return ("[" if incl else "(") + fmt_value(float(v))
    return fmt_value(float(v)) + ("]" if incl else ")")


def interval_texts(lo: Any, lo_incl: Any, hi: Any, hi_incl: Any) -> list[str]:
    """ "[43, 46)", "(-∞, 40)", "[95, +∞)" for float bounds (±inf = open end)."""
    return [
        _bound(a, ai, True) + ", " + _bound(b, bi, False)
        for a, ai, b, bi in zip(lo, lo_incl, hi, hi_incl, strict=True)
    ]


def _domain(p: Cols, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per group of parsed tiers, the values an actual can plausibly take (d_lo, d_hi): nothing
    negative unless a tier has a negative bound; percentages stop at 100 unless a tier goes
    beyond."""
    if len(starts) == 0:
        return np.zeros(0), np.zeros(0)
    with np.errstate(invalid="ignore"):
        vmin = np.fmin.reduceat(np.fmin(p["lo"], p["hi"]), starts)
        vmax = np.fmax.reduceat(np.fmax(p["lo"], p["hi"]), starts)
    pct = np.logical_and.reduceat(p["percent"].astype(bool), starts)
    d_lo = np.where(vmin < 0, -np.inf, 0.0)
    d_hi = np.where(pct & (vmax <= 100), 100.0, np.inf)
    return d_lo, d_hi


def _pairs(ctx: Ctx) -> Cols:
    """Every pair of parsed tiers of an indicator (better first, as rows a and b of
    _parsed(ctx)), grouped by key, with their intersection."""
    if "tiers.pairs" in ctx.cache:
        return ctx.cache["tiers.pairs"]
    p = _parsed(ctx)
    a, b = _cross(p["key"], p["key"])
    keep = p["rank"][a] < p["rank"][b]
    a, b = a[keep], b[keep]
    la, lb, ha, hb = p["lo_f"][a], p["lo_f"][b], p["hi_f"][a], p["hi_f"][b]
    lia, lib, hia, hib = p["lo_incl"][a], p["lo_incl"][b], p["hi_incl"][a], p["hi_incl"][b]
    x_lo, x_hi = np.maximum(la, lb), np.minimum(ha, hb)
    x_lo_incl = np.where(la == lb, lia & lib, np.where(la > lb, lia, lib))
    x_hi_incl = np.where(ha == hb, hia & hib, np.where(ha < hb, hia, hib))
    with np.errstate(invalid="ignore"):
        length = x_hi - x_lo
    m = {
        "a": a,
        "b": b,
        "key": p["key"][a],
        "x_lo": x_lo,
        "x_lo_incl": x_lo_incl,
        "x_hi": x_hi,
        "x_hi_incl": x_hi_incl,
        "overlap": length > 0,
        "touch": (length == 0) & x_lo_incl & x_hi_incl,
    }
    ctx.cache["tiers.pairs"] = m
    return m


def _blame(p: Cols, pairs: Cols) -> np.ndarray:
    """Per indicator of `pairs` (in key order), the parsed tier taking part in most of the
    faulty pairs (ties: the worse tier): the cell the unit has to rewrite."""
    n = np.bincount(pairs["a"], minlength=len(p["key"])) + np.bincount(
        pairs["b"], minlength=len(p["key"])
    )
    rows = np.flatnonzero(n)
    rows = rows[np.lexsort((-p["rank"][rows], -n[rows], p["key"][rows]))]
    return rows[_starts(p["key"][rows])]


def _pair_text(p: Cols, pairs: Cols, overlap: bool) -> list[str]:
    """Per indicator of `pairs`, the faulty pairs: 良“43（含）-46”∩中“40（含）-45”=[43, 45)
    (overlap) or 良“5%（含）-10%”/差“15%（含）以下” (order); tier names and texts read the same in
    both languages."""
    a, b = pairs["a"], pairs["b"]
    ta, ra, tb, rb = p["tier"][a], p["raw"][a], p["tier"][b], p["raw"][b]
    if overlap:
        inter = interval_texts(pairs["x_lo"], pairs["x_lo_incl"], pairs["x_hi"], pairs["x_hi_incl"])
        text = [
            f"{u}“{x}”∩{v}“{y}”={z}" for u, x, v, y, z in zip(ta, ra, tb, rb, inter, strict=True)
        ]
    else:
        text = [f"{u}“{x}”/{v}“{y}”" for u, x, v, y in zip(ta, ra, tb, rb, strict=True)]
    return _join(_starts(pairs["key"]), text, "；")


def _t03_subjects(ctx: Ctx) -> Cols:
    """Indicators whose tiers run the wrong way (T03), with the tier to blame and why."""
    if "tiers.t03" in ctx.cache:
        return ctx.cache["tiers.t03"]
    s = _sets(ctx)
    p = _parsed(ctx)
    m = _pairs(ctx)
    tier_dir = s["tier_dir"][np.searchsorted(s["key"], m["key"])]
    d_lo, d_hi = _domain(p, p["starts"])
    g = np.searchsorted(p["keys"], m["key"])
    # a better tier must lie on the better side of every worse tier, both ends compared within
    # the plausible domain (良 "≥95%" next to 优 "100%" only overlaps; it is not reversed)
    a, b = m["a"], m["b"]
    la, lb = np.maximum(p["lo_f"][a], d_lo[g]), np.maximum(p["lo_f"][b], d_lo[g])
    ha, hb = np.minimum(p["hi_f"][a], d_hi[g]), np.minimum(p["hi_f"][b], d_hi[g])
    pos = (la < lb) | (ha < hb)
    neg = (la > lb) | (ha > hb)
    wrong = _rows(m, ((tier_dir == "pos") & pos) | ((tier_dir == "neg") & neg))
    blamed = _blame(p, wrong)
    detail = _pair_text(p, wrong, overlap=False)
    # the target's own comparator or the unit's 指标方向 says one way, the tiers the other
    direction, tdir = s["direction"], s["tier_dir"]
    stated = _isin(s["direction_how"], ("comparator", "label")) & _isin(direction, ("pos", "neg"))
    flip = stated & pd.notna(tdir) & (direction != tdir) & ~np.isin(s["key"], p["key"][blamed])
    flip = np.flatnonzero(flip)
    best = _parsed(ctx, by_rank=True)
    fb = best["starts"][np.searchsorted(best["keys"], s["key"][flip])]
    # 目标“≥47条”↑；优→差↓ : the target says more is better, the tiers that less is
    arrow = {"pos": "↑", "neg": "↓"}
    flip_detail = [
        f"目标“{t}”{arrow[d]}；优→差{arrow[x]}"
        for t, d, x in zip(
            _text_list(s["target_raw"][flip]), direction[flip], tdir[flip], strict=True
        )
    ]
    at = np.r_[np.searchsorted(s["key"], p["key"][blamed]), flip]
    out = {
        "sub": s["sub"][at],
        "key": s["key"][at],
        "name": s["name"][at],
        "tier": np.r_[p["tier"][blamed], best["tier"][fb]],
        "cell": np.r_[p["cell"][blamed], best["cell"][fb]],
        "sheet": np.r_[p["sheet"][blamed], best["sheet"][fb]],
        "raw": np.r_[p["raw"][blamed], best["raw"][fb]],
        "detail": np.array(detail + flip_detail, dtype=object),
    }
    ctx.cache["tiers.t03"] = out
    return out


def _classified(ctx: Ctx) -> Cols:
    """Per indicator with a numeric actual and usable tiers: the tiers the actual falls into."""
    if "tiers.classified" in ctx.cache:
        return ctx.cache["tiers.classified"]
    s = _sets(ctx)
    b = as_floats(s["a_value"])
    s = _rows(s, s["usable"] & (s["a_kind"] == "number") & ~np.isnan(b))
    s["b"] = b = as_floats(s["a_value"])
    p = _parsed(ctx, by_rank=True)
    i, j = _cross(s["key"], p["key"])
    x, lo, hi = b[i], p["lo_f"][j], p["hi_f"][j]
    inside = ((x > lo) | ((x == lo) & p["lo_incl"][j])) & ((x < hi) | ((x == hi) & p["hi_incl"][j]))
    i, j = i[inside], j[inside]
    starts = _starts(i)
    got = i[starts]
    s["n_tiers"] = np.bincount(i, minlength=len(b))
    s["tiers"] = np.full(len(b), np.nan, dtype=object)
    s["tiers"][got] = _join(starts, p["tier"][j], "、")
    s["tier"] = np.full(len(b), np.nan, dtype=object)
    s["tier"][got] = p["tier"][j[starts]]
    ctx.cache["tiers.classified"] = s
    return s


def _hits(sub: np.ndarray, **columns: Any) -> pd.DataFrame:
    """hits() for rows kept as arrays."""
    return hits(pd.DataFrame({"sub": sub}), **columns)


def _first_where(p: Cols, mask: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Per key, the first row of `p` (in its order) where `mask` holds, -1 where none."""
    rows = np.flatnonzero(mask)
    at = _lookup(p["key"][rows], keys)
    return np.where(at >= 0, rows[at] if len(rows) else at, -1)


def _is_false(values: np.ndarray) -> np.ndarray:
    """Series.eq(False) on an array that may hold None."""
    return np.asarray(values == False, dtype=bool)  # noqa: E712


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
    bad = _rows(m, m["overlap"] | m["touch"])
    if not len(bad["key"]):
        return None
    p = _parsed(ctx)
    blamed = _blame(p, bad)  # one tier per indicator, in key order like the pairs' groups
    # a single shared point is a boundary slip, a stretch of values a real contradiction
    real = np.logical_or.reduceat(bad["overlap"], _starts(bad["key"]))
    return _hits(
        p["sub"][blamed],
        sheet=p["sheet"][blamed],
        cell=p["cell"][blamed],
        observed=_pair_text(p, bad, overlap=True),
        expected="各档区间互不重叠",
        severity=np.where(real, "error", "warning"),
        name=p["name"][blamed],
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
    keys = s["key"][s["usable"] & ~np.isin(s["key"], _t03_subjects(ctx)["key"])]
    if not len(keys):
        return None
    p = _parsed(ctx)
    p = _rows(p, np.isin(p["key"], keys))
    starts = _starts(p["key"])
    group = np.repeat(np.arange(len(starts)), _ends(starts, len(p["key"])) - starts)
    d_lo, d_hi = _domain(p, starts)
    # candidate points: every boundary, the middle of every stretch between two, and beyond
    # (per indicator group g, the distinct values v within the domain, in order)
    lo_end, hi_end = np.flatnonzero(np.isfinite(d_lo)), np.flatnonzero(np.isfinite(d_hi))
    g = np.r_[group, group, lo_end, hi_end]
    v = np.r_[p["lo"], p["hi"], d_lo[lo_end], d_hi[hi_end]]
    keep = ~np.isnan(v) & (v >= d_lo[g]) & (v <= d_hi[g])
    g, v = g[keep], v[keep]
    order = np.lexsort((v, g))
    g, v = g[order], v[order]
    new = np.r_[True, (g[1:] != g[:-1]) | (v[1:] != v[:-1])][: len(v)]
    g, v = g[new], v[new]
    first = _starts(g)
    last = _ends(first, len(g)) - 1
    mid = np.flatnonzero(g[1:] == g[:-1])
    below = first[np.isinf(d_lo[g[first]])]
    above = last[np.isinf(d_hi[g[last]])]
    nb, na = len(below), len(above)
    cg = np.r_[g[below], g, g[mid], g[above]]
    x = np.r_[v[below] - 1, v, (v[mid] + v[mid + 1]) / 2, v[above] + 1]
    left_v = np.r_[np.full(nb, -np.inf), v, v[mid], v[above]]
    right_v = np.r_[v[below], v, v[mid + 1], np.full(na, np.inf)]
    point = np.r_[np.zeros(nb, bool), np.ones(len(v), bool), np.zeros(len(mid) + na, bool)]
    order = np.lexsort((x, cg))
    cg, x, left_v, right_v, point = (a[order] for a in (cg, x, left_v, right_v, point))
    i, j = _cross(cg, group)
    xi, lo, hi = x[i], p["lo_f"][j], p["hi_f"][j]
    inside = ((xi > lo) | ((xi == lo) & p["lo_incl"][j])) & (
        (xi < hi) | ((xi == hi) & p["hi_incl"][j])
    )
    open_ = np.bincount(i[inside], minlength=len(x)) == 0
    # consecutive uncovered candidates of an indicator form one gap
    prev_open = np.r_[False, open_[:-1] & (cg[1:] == cg[:-1])][: len(x)]
    run = np.cumsum(open_ & ~prev_open)
    gaps = np.flatnonzero(open_)
    if not len(gaps):
        return None
    rs = _starts(run[gaps])
    re = _ends(rs, len(gaps)) - 1
    lo, lo_point = left_v[gaps[rs]], point[gaps[rs]]
    hi, hi_point = right_v[gaps[re]], point[gaps[re]]
    n = re - rs + 1
    # a gap starts closed at a boundary value it contains, open after one it does not
    spans = interval_texts(lo, lo_point, hi, hi_point)
    text = [
        fmt_value(float(a)) if k == 1 and pt else span
        for a, pt, k, span in zip(lo, lo_point, n, spans, strict=True)
    ]
    rg = cg[gaps[rs]]
    per = _starts(rg)
    gap = _join(per, text, "、")
    pg, start, end = rg[per], lo[per], hi[per]
    # point at the tier just below the first gap, else the one just above it
    i, j = _cross(pg, group)
    below_t = _first_match(i, j, p["hi_f"][j] == start[i], len(pg))
    above_t = _first_match(i, j, p["lo_f"][j] == end[i], len(pg))
    cell, sheet = _take(p["cell"], below_t), _take(p["sheet"], below_t)
    cell = np.where(pd.notna(cell), cell, _take(p["cell"], above_t))
    sheet = np.where(pd.notna(sheet), sheet, _take(p["sheet"], above_t))
    at = starts[pg]
    return _hits(
        p["sub"][at],
        sheet=sheet,
        cell=cell,
        observed=gap,
        expected="各档首尾相接",
        name=p["name"][at],
    )


def _first_match(i: np.ndarray, j: np.ndarray, match: np.ndarray, n: int) -> np.ndarray:
    """Per i in range(n), the first j of the pairs (i, j) that match, -1 where none."""
    found, at = np.unique(i[match], return_index=True)
    out = np.full(n, -1)
    out[found] = j[match][at]
    return out


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
    if not len(out["key"]):
        return None
    return _hits(
        out["sub"],
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
    p = _parsed(ctx)
    top = np.flatnonzero(p["tier"] == "优")
    i, j = _cross(s["key"], p["key"][top])
    keep = _isin(s["t_kind"][i], _NUMERIC_KINDS)
    i, j = i[keep], top[j[keep]]
    if not len(i):
        return None
    tv = as_floats(s["t_value"][i])
    # the number the target stands for: the comparator bound for pos/neg, else its point
    a = as_floats(s["target_a"][i])
    a = np.where(np.isnan(a), tv, a)
    d = s["direction"][i]
    lo_f, hi_f = p["lo_f"][j], p["hi_f"][j]
    eps = 1e-9
    # 优 reaching past the target: missing the target can still be 优
    with np.errstate(invalid="ignore"):
        looser = ((d == "pos") & ~np.isnan(a) & (lo_f < a - eps)) | (
            (d == "neg") & ~np.isnan(a) & (hi_f > a + eps)
        )
    # the target (a point or an interval) not inside 优: meeting the target is not 优
    point = s["t_kind"][i] == "point"
    t_lo, t_hi = as_floats(s["t_lo"][i]), as_floats(s["t_hi"][i])
    x_lo = np.where(point, tv, np.where(np.isnan(t_lo), -np.inf, t_lo))
    x_hi = np.where(point, tv, np.where(np.isnan(t_hi), np.inf, t_hi))
    # a shared bound is fine when 优 includes it or the target itself stops short of it
    edge_lo = p["lo_incl"][j] | (~point & _is_false(s["t_lo_incl"][i])) | ~np.isfinite(x_lo)
    edge_hi = p["hi_incl"][j] | (~point & _is_false(s["t_hi_incl"][i])) | ~np.isfinite(x_hi)
    inside = ((x_lo > lo_f) | ((x_lo == lo_f) & edge_lo)) & (
        (x_hi < hi_f) | ((x_hi == hi_f) & edge_hi)
    )
    bad = looser | ~inside
    if not bad.any():
        return None
    i, j = i[bad], j[bad]
    return _hits(
        s["sub"][i],
        sheet=p["sheet"][j],
        cell=p["cell"][j],
        observed=p["raw"][j],
        expected=s["target_raw"][i],
        name=s["name"][i],
        detail=p["interval"][j],
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
    rows = np.flatnonzero(t["inferred"] & t["parsed"])
    if not len(rows):
        return None
    rows = rows[np.lexsort((t["rank"][rows], t["key"][rows]))]
    txt = [
        f"{tier}“{raw}”→{iv}"
        for tier, raw, iv in zip(
            t["tier"][rows],
            _text_list(t["raw"][rows]),
            _text_list(t["interval"][rows]),
            strict=True,
        )
    ]
    starts = _starts(t["key"][rows])
    return _hits(
        t["sub"][rows[starts]],
        sheet=_first_notna(starts, t["sheet"][rows]),
        cell=_first_notna(starts, t["cell"][rows]),
        observed=_join(starts, txt, "；"),
        expected="写明“（含）”或“（不含）”",
        name=_first_notna(starts, t["name"][rows]),
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
    bad = np.flatnonzero(s["n_tiers"] != 1)
    if not len(bad):
        return None
    n = s["n_tiers"][bad]
    # two tiers at once is a contradiction in the standard; none is a gap the actual fell into
    return _hits(
        s["sub"][bad],
        sheet=s["sheet"][bad],
        cell=s["actual_cell"][bad],
        observed=s["b"][bad],
        expected="恰好属于一个档次",
        severity=np.where(n >= 2, "error", "warning"),
        name=s["name"][bad],
        count=n,
        tiers=[x or "—" for x in _text_list(s["tiers"][bad])],
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
    bad = np.flatnonzero(t["bad"])
    if not len(bad):
        return None
    return _hits(
        t["sub"][bad],
        sheet=t["sheet"][bad],
        cell=t["cell"][bad],
        observed=t["raw"][bad],
        expected="数值区间",
        name=t["name"][bad],
        tier=t["tier"][bad],
    )


# Units a narrative writes after a number; longest first so 人次 wins over 人.
_NARRATIVE_UNITS = (
    "人次|平方米|公里|千米|万元|小时|个月|条|个|次|人|项|台|套|件|家|户|份|所|座|辆|米|亩|吨|天|%"
)


def _narrative_units(ctx: Ctx, sub: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Per (sub, number), the unit the submission's narrative first writes after that number
    (the narrative's "49条" for a target of 49), None where it does not."""
    nar = ctx.frames.narrative
    out = np.full(len(sub), None, dtype=object)
    if nar.empty or not len(sub):
        return out
    nar = nar[nar["sub"].isin(sub)]
    found = text_of(nar["text"]).str.extractall(
        rf"(?<![\d.])(\d+(?:\.\d+)?)\s*({_NARRATIVE_UNITS})"
    )
    found = found.reset_index(level=1, drop=True).join(nar[["sub"]])
    found = found.assign(v=pd.to_numeric(found[0], errors="coerce"), nar_unit=found[1])
    left = pd.DataFrame({"sub": sub, "v": v})
    got = left.merge(
        found.drop_duplicates(["sub", "v"])[["sub", "v", "nar_unit"]], on=["sub", "v"], how="left"
    )
    got = got["nar_unit"].to_numpy(dtype=object)
    ok = pd.notna(got)
    out[ok] = got[ok]
    return out


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
    s = _rows(s, _isin(s["t_kind"], _NUMERIC_KINDS))
    if not len(s["key"]):
        return None
    p = _parsed(ctx, by_rank=True)
    tier_unit = _take(p["unit"], _first_where(p, pd.notna(p["unit"]), s["key"]))
    target_unit = np.where(pd.notna(s["t_unit"]), s["t_unit"], s["unit"])
    target_unit[pd.isna(target_unit)] = None
    a_unit = np.where(pd.notna(s["a_unit"]) & (s["a_kind"] == "number"), s["a_unit"], None)
    # the narrative is the last resort, read only where the target has no unit of its own
    v = as_floats(s["t_value"])
    ask = np.flatnonzero(pd.isna(target_unit) & pd.isna(tier_unit) & pd.isna(a_unit) & ~np.isnan(v))
    nar_unit = np.full(len(v), None, dtype=object)
    nar_unit[ask] = _narrative_units(ctx, s["sub"][ask], v[ask])
    src_unit = np.where(
        pd.notna(tier_unit), tier_unit, np.where(pd.notna(a_unit), a_unit, nar_unit)
    )
    src = np.select(
        [pd.notna(tier_unit), pd.notna(a_unit), pd.notna(nar_unit)],
        ["绩效标准", "实际完成值", "报告正文"],
        default=None,
    )
    a = np.flatnonzero(pd.isna(target_unit) & pd.notna(src_unit))
    # the other way round: the target has a unit, a tier standard does not
    bare = _first_where(p, pd.isna(p["unit"]), s["key"])
    b = np.flatnonzero(pd.notna(target_unit) & (bare >= 0))
    if not len(a) and not len(b):
        return None
    tb = bare[b]
    return _hits(
        s["sub"][np.r_[a, b]],
        sheet=np.r_[s["sheet"][a], p["sheet"][tb]],
        cell=np.r_[s["target_cell"][a], p["cell"][tb]],
        observed=np.r_[s["target_raw"][a], p["raw"][tb]],
        expected=[
            x + y
            for x, y in zip(
                _text_list(np.r_[s["target_raw"][a], p["raw"][tb]]),
                _text_list(np.r_[src_unit[a], target_unit[b]]),
                strict=True,
            )
        ],
        name=s["name"][np.r_[a, b]],
        src=np.r_[src[a], np.full(len(b), "年度目标", dtype=object)],
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
    # T06 cases (no tier or several) cannot be judged here (domain d.3 #22)
    rows = np.flatnonzero((s["n_tiers"] == 1) & (s["tier"] != "优"))
    items = ctx.frames.score_items
    if not len(rows) or items.empty:
        return None
    cols = ("sub", "name", "level1", "unit", "t_unit", "a_unit", "sheet", "tier", "b")
    s = pd.DataFrame({c: pd.Series(s[c][rows], dtype=object) for c in cols})
    s["b"] = s["b"].astype(float)
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
