"""This year's form against last year's (Y rules): lowered targets, copied targets and actuals,
last year's narrative pasted again, unexplained budget swings, an indicator set replaced, a grade
that jumps with nothing behind it.

Last year arrives as a `LastYear` in `frames.extra["previous"]` (perfxl.run.previous loads it from
a folder of workbooks, an earlier OUTDIR's run.json or a ledger). Projects are matched by 项目编码,
else by unit and a similar project name with the years taken out ("2023年度XX经费" = "XX经费
（2024）"); indicators of a matched pair by a similar name. Without last year, no Y rule runs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

import pandas as pd

from perfxl.checks.engine import Ctx, hits, no_hits, rule
from perfxl.checks.narrative import _texts
from perfxl.model.findings import fmt_value

MATCH_COLUMNS = ("sub", "prev_sub", "how", "similarity", "project", "prev_project", "unit")


@dataclass
class LastYear:
    """Last year's forms as plain frames: projects (with their recomputed results), indicators
    and the free texts; `kind` says where they came from (folder, run.json, ledger)."""

    projects: pd.DataFrame
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    texts: pd.DataFrame = field(default_factory=pd.DataFrame)
    source: str = ""
    kind: str = "folder"


_YEAR = re.compile(r"[（(]?\s*20\d\d\s*年?度?\s*[)）]?|年度|第[一二三四1-4]季度")
_NOT_WORDS = re.compile(r"[\s\W_]+")
_INDICATOR_PREFIX = re.compile(r"^指标\s*\d+\s*[:：.、]\s*")
_GRADE_LEVEL = {"差": 0, "中": 1, "良": 2, "优": 3}


def norm_project(name: object) -> str:
    """A project name without its years and punctuation: '2023年度XX经费' → 'XX经费'."""
    return _NOT_WORDS.sub("", _YEAR.sub("", str(name or "")))


def norm_indicator(name: object) -> str:
    return _NOT_WORDS.sub("", _INDICATOR_PREFIX.sub("", str(name or "")))


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def _last_year(ctx: Ctx) -> LastYear | None:
    prev = ctx.frames.extra.get("previous")
    return prev if isinstance(prev, LastYear) and len(prev.projects) else None


def match_projects(current: pd.DataFrame, previous: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Each current submission with last year's one (MATCH_COLUMNS); a project matched once.
    Names are compared only within the same unit (an index, not every pair of the two years)."""
    rows, used = [], set()
    by_code: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_unit: dict[Any, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for p in previous.to_dict("records"):
        code = str(p.get("project_code") or "").strip()
        if code:
            by_code[code].append(p)
        if p.get("unit"):
            by_unit[p["unit"]].append((norm_project(p.get("project_name")), p))
    for cur in current.to_dict("records"):
        code = str(cur.get("project_code") or "").strip()
        best: tuple[float, dict[str, Any], str] | None = None
        same_code = [p for p in by_code.get(code, []) if p["sub"] not in used] if code else []
        if same_code:
            best = (1.0, same_code[0], "项目编码")
        elif cur.get("unit"):
            name = norm_project(cur.get("project_name"))
            for prev_name, p in by_unit.get(cur["unit"], []):
                if p["sub"] in used:
                    continue
                sim = similarity(name, prev_name)
                if sim >= threshold and (best is None or sim > best[0]):
                    best = (sim, p, "单位+项目名称")
        if best is None:
            continue
        used.add(best[1]["sub"])
        rows.append(
            {
                "sub": cur["sub"],
                "prev_sub": best[1]["sub"],
                "how": best[2],
                "similarity": round(best[0], 3),
                "project": cur.get("project_name"),
                "prev_project": best[1].get("project_name"),
                "unit": cur.get("unit"),
            }
        )
    return pd.DataFrame(rows, columns=MATCH_COLUMNS)


def _matches(ctx: Ctx) -> pd.DataFrame:
    if "previous.matches" not in ctx.cache:
        prev = _last_year(ctx)
        ctx.cache["previous.matches"] = (
            match_projects(ctx.projects, prev.projects, ctx.cfg.previous_year.name_similarity)
            if prev is not None
            else pd.DataFrame(columns=MATCH_COLUMNS)
        )
    return ctx.cache["previous.matches"]


def _indicator_pairs(ctx: Ctx) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(this year's indicator, last year's) for every matched project, by similar name."""
    if "previous.pairs" in ctx.cache:
        return ctx.cache["previous.pairs"]
    prev = _last_year(ctx)
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    m = _matches(ctx)
    if prev is not None and len(m) and len(prev.indicators) and len(ctx.indicators):
        now = {s: g.to_dict("records") for s, g in ctx.indicators.groupby("sub")}
        then = {s: g.to_dict("records") for s, g in prev.indicators.groupby("sub")}
        threshold = ctx.cfg.previous_year.name_similarity
        for sub, prev_sub in zip(m["sub"], m["prev_sub"], strict=True):
            left = list(then.get(prev_sub, []))
            for ind in now.get(sub, []):
                name = norm_indicator(ind.get("name"))
                scored = [
                    (similarity(name, norm_indicator(p.get("name"))), k) for k, p in enumerate(left)
                ]
                scored = [x for x in scored if x[0] >= threshold]
                if scored:
                    _, k = max(scored)
                    out.append((ind, left.pop(k)))
    ctx.cache["previous.pairs"] = out
    return out


def _target_number(ind: dict[str, Any]) -> float | None:
    for key in ("t_lo", "t_value", "t_hi"):
        v = ind.get(key)
        if v is not None and v == v:
            return float(v)
    return None


def _number(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if x == x else None


def _same_unit(a: dict[str, Any], b: dict[str, Any]) -> bool:
    ua, ub = (
        a.get("t_unit") or ("%" if a.get("t_percent") else None),
        b.get("t_unit") or ("%" if b.get("t_percent") else None),
    )
    return ua == ub


def _found(rows: list[dict[str, Any]] | pd.DataFrame, **constants: Any) -> pd.DataFrame:
    """The hits of a Y rule from its records (sub, sheet, cell and the message's fields): each
    record's fields go to the message as they are, `constants` are the same for every row."""
    f = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    fields = {c: f[c] for c in f.columns if c not in ("sub", "sheet", "cell")}
    return hits(f, sheet=f["sheet"], cell=f["cell"], **fields, **constants)


# ------------------------------------------------------------------ Y01 lowered targets


@rule(
    "Y01",
    "warning",
    "row",
    "指标值低于上年",
    "target lowered against last year",
    "「{name}」的年度指标值“{observed}”比上年的“{expected}”（上年 {prev_cell}）降低了要求；"
    "请说明下调的理由或按上年标准设定。",
    "The target of “{name}”, “{observed}”, asks less than last year's “{expected}” (last year "
    "{prev_cell}); explain why it was lowered or keep last year's standard.",
    thresholds=("previous_year.name_similarity",),
)
def y01_lowered_target(ctx: Ctx) -> pd.DataFrame:
    rows = []
    for now, then in _indicator_pairs(ctx):
        a, b = _target_number(now), _target_number(then)
        direction = now.get("direction")
        if (
            a is None
            or b is None
            or direction != then.get("direction")
            or not _same_unit(now, then)
        ):
            continue
        lowered = (direction == "pos" and a < b - 1e-9) or (direction == "neg" and a > b + 1e-9)
        if lowered:
            rows.append(
                {
                    "sub": now["sub"],
                    "sheet": now.get("sheet"),
                    "cell": now.get("target_cell"),
                    "name": now.get("name"),
                    "observed": now.get("target_raw"),
                    "expected": then.get("target_raw"),
                    "prev_cell": "!".join(
                        str(x) for x in (then.get("sheet"), then.get("target_cell")) if x
                    )
                    or "—",
                }
            )
    if not rows:
        return no_hits("name", "prev_cell")
    return _found(rows)


# ------------------------------------------------------------------ Y02 / Y03 copied


def _copied(ctx: Ctx, compare: str) -> pd.DataFrame:
    """Per project: its matched indicators, how many of them carry this year's target equal to
    last year's target (`compare` "targets") or last year's actual ("actuals"), or this year's
    actual equal to last year's ("same_actuals")."""
    by_sub: dict[str, list[bool]] = {}
    first: dict[str, dict[str, Any]] = {}
    for now, then in _indicator_pairs(ctx):
        if compare == "targets":
            a, b = norm_indicator(now.get("target_raw")), norm_indicator(then.get("target_raw"))
            same = bool(a) and a == b
        else:
            # numbers only: a qualitative actual (达成年度指标) says nothing about copying
            a = _target_number(now) if compare == "actuals" else _number(now.get("a_value"))
            b = _number(then.get("a_value"))
            if a is None or b is None:
                continue
            same = abs(a - b) < 1e-9
            if compare == "actuals":
                same = same and a != _target_number(then)  # not just an unchanged target
        by_sub.setdefault(now["sub"], []).append(same)
        first.setdefault(now["sub"], now)
    rows = []
    need = ctx.cfg.previous_year.copied_min_indicators
    for sub, flags in by_sub.items():
        if len(flags) >= need and all(flags):
            rows.append(
                {"sub": sub, "sheet": first[sub].get("sheet"), "cell": None, "observed": len(flags)}
            )
    return pd.DataFrame(rows, columns=["sub", "sheet", "cell", "observed"])


@rule(
    "Y02",
    "info",
    "submission",
    "指标值照抄上年",
    "targets copied from last year",
    "与上年对应的 {observed} 项指标，年度指标值{how}；请核实本年目标是否按本年任务重新设定。",
    "All {observed} indicators matched with last year's have targets {how}; check that this "
    "year's targets were set for this year's work.",
    thresholds=("previous_year.copied_min_indicators", "previous_year.name_similarity"),
)
def y02_copied_targets(ctx: Ctx) -> pd.DataFrame:
    same = _copied(ctx, "targets").assign(how="与上年完全相同")
    from_actuals = _copied(ctx, "actuals").assign(how="均等于上年的实际完成值")
    both = pd.concat(
        [same, from_actuals[~from_actuals["sub"].isin(same["sub"])]], ignore_index=True
    )
    if both.empty:
        return no_hits("how")
    return _found(both)


@rule(
    "Y03",
    "warning",
    "submission",
    "实际完成值与上年相同",
    "actual values identical to last year's",
    "与上年对应的 {observed} 项指标，实际完成值与上年完全相同；请核实是否如实填报了本年的完成情况。",
    "All {observed} indicators matched with last year's report exactly last year's actual "
    "values; check that this year's results were reported.",
    thresholds=("previous_year.copied_min_indicators",),
)
def y03_same_actuals(ctx: Ctx) -> pd.DataFrame:
    f = _copied(ctx, "same_actuals")
    if f.empty:
        return no_hits()
    return _found(f)


# ------------------------------------------------------------------ Y04 narrative pasted again


@rule(
    "Y04",
    "warning",
    "row",
    "文字照抄上年",
    "narrative repeats last year's",
    "{section}与上年的几乎相同（相似度 {observed}%）：“{snippet}”；请按本年情况重新填写。",
    "The {section} is nearly last year's ({observed}% alike): “{snippet}”; write this year's.",
    thresholds=("previous_year.text_similarity", "previous_year.text_min_chars"),
)
def y04_repeated_text(ctx: Ctx) -> pd.DataFrame:
    prev = _last_year(ctx)
    m = _matches(ctx)
    if prev is None or m.empty:
        return no_hits("section", "snippet")
    cfg = ctx.cfg.previous_year
    rows = []
    texts = _texts(ctx)
    then_texts = prev.texts
    if len(texts) and len(then_texts):
        then = {
            (s, p): t
            for s, p, t in zip(
                then_texts["sub"], then_texts["path"], then_texts["text"], strict=True
            )
        }
        pair = dict(zip(m["sub"], m["prev_sub"], strict=True))
        for t in texts.to_dict("records"):
            old = then.get((pair.get(t["sub"]), t["path"]))
            rows += _alike(
                t["sub"], t.get("sheet"), t.get("cell"), t["section"], t["text"], old, cfg
            )
    for now, then_ind in _indicator_pairs(ctx):
        rows += _alike(
            now["sub"],
            now.get("sheet"),
            now.get("deviation_cell"),
            f"「{now.get('name')}」的偏差原因",
            now.get("deviation"),
            then_ind.get("deviation"),
            cfg,
        )
    if not rows:
        return no_hits("section", "snippet")
    return _found(rows)


def _alike(
    sub: str, sheet: Any, cell: Any, section: str, text: Any, old: Any, cfg: Any
) -> list[dict[str, Any]]:
    if not isinstance(text, str) or not isinstance(old, str):
        return []
    a, b = _NOT_WORDS.sub("", text), _NOT_WORDS.sub("", old)
    if min(len(a), len(b)) < cfg.text_min_chars:
        return []
    ratio = similarity(a, b)
    if ratio < cfg.text_similarity:
        return []
    return [
        {
            "sub": sub,
            "sheet": sheet,
            "cell": cell,
            "section": section,
            "snippet": text.strip()[:30],
            "observed": round(ratio * 100),
        }
    ]


# ------------------------------------------------------------------ Y05 budget swing


_CHANGE_WORDS = re.compile(
    r"(?:预算|资金|经费|投入)[^。；]{0,20}(?:调整|增加|减少|追加|压减|调减|调增|变化|下降|上升)"
)


@rule(
    "Y05",
    "warning",
    "submission",
    "预算较上年变化大且未说明",
    "budget swing against last year unexplained",
    "预算数 {observed} 万元，较上年 {expected} 万元变化 {change}%，超过 {share}%，资金说明和正文中未见原因。",
    "The budget of {observed} 万元 differs from last year's {expected} 万元 by {change}%, above "
    "{share}%, and neither the funds' 说明 nor the narrative says why.",
    thresholds=("previous_year.budget_change_share",),
)
def y05_budget_swing(ctx: Ctx) -> pd.DataFrame:
    prev = _last_year(ctx)
    m = _matches(ctx)
    if prev is None or m.empty or "budget_wan" not in prev.projects:
        return no_hits("change", "share")
    share = ctx.cfg.previous_year.budget_change_share
    then = prev.projects.set_index("sub")["budget_wan"]
    now = ctx.results["budget_wan"]
    explained_subs = set()
    funds = ctx.frames.funds
    if "explanation" in funds:
        explained_subs |= set(
            funds.loc[funds["explanation"].fillna("").astype(str).str.strip() != "", "sub"]
        )
    texts = _texts(ctx)
    if len(texts):
        explained_subs |= set(texts.loc[texts["text"].str.contains(_CHANGE_WORDS, na=False), "sub"])
    rows = []
    for sub, prev_sub in zip(m["sub"], m["prev_sub"], strict=True):
        a, b = now.get(sub), then.get(prev_sub)
        if a is None or b is None or a != a or b != b or b <= 0 or sub in explained_subs:
            continue
        change = (a - b) / b * 100
        if abs(change) > share:
            rows.append(
                {
                    "sub": sub,
                    "sheet": None,
                    "cell": None,
                    "observed": fmt_value(round(a, 2)),
                    "expected": fmt_value(round(b, 2)),
                    "change": f"{change:+.1f}",
                }
            )
    if not rows:
        return no_hits("change", "share")
    cells = ctx.frames.exec
    total = (
        cells[cells["source"] == "total"].drop_duplicates("sub").set_index("sub")
        if len(cells)
        else None
    )
    f = pd.DataFrame(rows)
    if total is not None and "sheet" in total:
        f["sheet"] = f["sub"].map(total["sheet"])
    return _found(f, share=fmt_value(share))


# ------------------------------------------------------------------ Y06 / Y07


@rule(
    "Y06",
    "info",
    "submission",
    "指标体系整体更换",
    "indicator set replaced",
    "本年的 {observed} 项指标与上年的 {expected} 项无一对应，指标体系整体更换；请说明原因，"
    "以便跨年度比较。",
    "None of this year's {observed} indicators matches one of last year's {expected}: the set "
    "was replaced; say why, so the years can be compared.",
    thresholds=("previous_year.name_similarity",),
)
def y06_replaced_set(ctx: Ctx) -> pd.DataFrame:
    prev = _last_year(ctx)
    m = _matches(ctx)
    if prev is None or m.empty or not len(prev.indicators) or not len(ctx.indicators):
        return no_hits()
    paired = {now["sub"] for now, _ in _indicator_pairs(ctx)}
    n_now = ctx.indicators.groupby("sub").size()
    n_then = prev.indicators.groupby("sub").size()
    need = ctx.cfg.previous_year.copied_min_indicators
    rows = []
    for sub, prev_sub in zip(m["sub"], m["prev_sub"], strict=True):
        a, b = int(n_now.get(sub, 0)), int(n_then.get(prev_sub, 0))
        if a >= need and b >= need and sub not in paired:
            rows.append({"sub": sub, "sheet": None, "cell": None, "observed": a, "expected": b})
    if not rows:
        return no_hits()
    return _found(rows)


@rule(
    "Y07",
    "info",
    "submission",
    "等次跳升而执行和指标未变",
    "grade jumped with nothing behind it",
    "等次由上年的“{expected}”升为“{observed}”（跨两级以上），但预算执行率（{rate}%，上年 "
    "{prev_rate}%）和指标基本未变；请核实评分依据。",
    "The grade rose from last year's {expected} to {observed} (two levels or more), while "
    "execution ({rate}%, last year {prev_rate}%) and the indicators barely changed.",
    thresholds=("previous_year.execution_change_pp",),
)
def y07_grade_jump(ctx: Ctx) -> pd.DataFrame:
    prev = _last_year(ctx)
    m = _matches(ctx)
    if prev is None or m.empty or not {"grade", "exec_rate"} <= set(prev.projects):
        return no_hits("rate", "prev_rate")
    then = prev.projects.set_index("sub")
    res = ctx.results
    p = ctx.projects.set_index("sub")
    pairs = _indicator_pairs(ctx)
    n_pairs = pd.Series([now["sub"] for now, _ in pairs], dtype=object).value_counts()
    n_now = ctx.indicators.groupby("sub").size() if len(ctx.indicators) else pd.Series(dtype=int)
    pp = ctx.cfg.previous_year.execution_change_pp
    rows = []
    for sub, prev_sub in zip(m["sub"], m["prev_sub"], strict=True):
        g_now = p.at[sub, "grade_reported"] if sub in p.index else None
        g_now = g_now if isinstance(g_now, str) else res["grade_calc"].get(sub)
        g_then = then.at[prev_sub, "grade"]
        if g_now not in _GRADE_LEVEL or g_then not in _GRADE_LEVEL:
            continue
        r_now, r_then = res["exec_rate_calc"].get(sub), then.at[prev_sub, "exec_rate"]
        if r_now is None or r_then is None or r_now != r_now or r_then != r_then:
            continue
        same_set = n_now.get(sub, 0) > 0 and n_pairs.get(sub, 0) >= 0.8 * n_now.get(sub, 0)
        if (
            _GRADE_LEVEL[g_now] - _GRADE_LEVEL[g_then] >= 2
            and abs(r_now - r_then) <= pp
            and same_set
        ):
            rows.append(
                {
                    "sub": sub,
                    "sheet": None,
                    "cell": None,
                    "observed": g_now,
                    "expected": g_then,
                    "rate": fmt_value(round(r_now, 2)),
                    "prev_rate": fmt_value(round(float(r_then), 2)),
                }
            )
    if not rows:
        return no_hits("rate", "prev_rate")
    return _found(rows)


def comparison_table(ctx_projects: pd.DataFrame, last: LastYear, threshold: float) -> pd.DataFrame:
    """上年对比: every project of both years — 匹配 (with how), 本年新增, 上年有本年无."""
    m = match_projects(ctx_projects, last.projects, threshold)
    rows = [{"status": "匹配", **r} for r in m.to_dict("records")]
    matched_now, matched_then = set(m["sub"]), set(m["prev_sub"])
    for r in ctx_projects.to_dict("records"):
        if r["sub"] not in matched_now:
            rows.append(
                {
                    "status": "本年新增",
                    "sub": r["sub"],
                    "project": r.get("project_name"),
                    "unit": r.get("unit"),
                }
            )
    for r in last.projects.to_dict("records"):
        if r["sub"] not in matched_then:
            rows.append(
                {
                    "status": "上年有本年无",
                    "prev_sub": r["sub"],
                    "prev_project": r.get("project_name"),
                    "unit": r.get("unit"),
                }
            )
    return pd.DataFrame(rows, columns=("status", *MATCH_COLUMNS))


__all__ = ["LastYear", "comparison_table", "match_projects", "norm_project", "similarity"]
