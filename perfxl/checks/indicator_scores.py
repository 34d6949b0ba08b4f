"""Indicator rules (I), the scores and weights: the score against its formula (I01), full marks
for a missed target (I02), a deduction without a reason (I03), a qualitative score outside its
band (I10), full satisfaction marks without a survey (I14), a score without a target (I15)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfxl.checks import scoring
from perfxl.checks.cells import as_numbers, as_text
from perfxl.checks.engine import Ctx, cached, hits, rule
from perfxl.checks.indicators import (
    NATIONAL,
    _blank_deviation,
    _comparable,
    _eq,
    _has,
    _isin,
    _memo,
    _met_false,
    _no_indicator_hits,
    _numc,
    _scored,
)
from perfxl.checks.scoring import ITEM_SATISFACTION, score_item_key
from perfxl.checks.scoring import target_score_items as target_items

# Evidence of a satisfaction survey: the survey itself, or a sample size ("600份", "200人").
SURVEY_RE = (
    r"调查|问卷|抽样|抽查|样本|测评|回访|访谈|座谈|评议"
    r"|[0-9一二两三四五六七八九十百千万]+\s*(?:份|人|户|名|位|家)"
)
SENTENCE_SPLIT = r"[。；;！!？?\n]"


def _interval_text(lo: pd.Series, hi: pd.Series, closed_top: pd.Series) -> pd.Series:
    def fmt(x: float) -> str:
        return f"{round(x, 2):g}"

    return pd.Series(
        [
            f"[{fmt(a)}, {fmt(b)}{']' if c else ')'}"
            for a, b, c in zip(lo.to_numpy(), hi.to_numpy(), closed_top.to_numpy(), strict=True)
        ],
        index=lo.index,
        dtype=object,
    )


# ------------------------------------------------------------------------------ I01 – I03


@rule(
    "I01",
    "error",
    "row",
    "指标得分与计算不符",
    "indicator score differs from the formula",
    "「{name}」按年度指标值 {target} 与实际完成值 {actual} 计算，得分应为 {expected}，"
    "填报 {observed}（高于计算值为错误，低于为警告）。",
    "“{name}”: target {target} and actual {actual} give a score of {expected}; "
    "{observed} was reported (higher is an error, lower a warning).",
    severities=("error", "warning"),
    thresholds=("tolerance.score", "tolerance.score_fine", "indicators.neg_variant"),
    profiles=NATIONAL,
)
def i01_score(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    ok = _scored(ctx) & _has(ctx, "score_formula") & _comparable(ctx)
    if not ok.any():
        return _no_indicator_hits("sheet cell observed expected severity stake name target actual")
    reported = _numc(ctx, "score_reported")
    formula = _numc(ctx, "score_formula")
    diff = reported - formula
    tol = scoring.score_tol(reported.fillna(0), formula.fillna(0), ctx.cfg)
    bad = ok & (diff.abs() > tol + 1e-9).to_numpy()
    if not bad.any():
        return _no_indicator_hits("sheet cell observed expected severity stake name target actual")
    rows = ind[bad]
    high = diff[bad] > 0
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["score_cell"],
        observed=reported[bad],
        expected=formula[bad].round(2),
        severity=np.where(high, "error", "warning"),
        stake=diff[bad].abs(),
        name=rows["name"],
        target=rows["target_raw"],
        actual=rows["actual_raw"],
    )


@rule(
    "I02",
    "error",
    "row",
    "未完成目标却得满分",
    "full score although the target was not met",
    "「{name}」未完成年度指标（指标值 {target}，实际完成值 {actual}），却得满分 {observed}；"
    "应不高于 {expected}。",
    "“{name}” missed its target ({target}, actual {actual}) yet scored the full {observed}; "
    "it should be at most {expected}.",
    thresholds=("tolerance.full_eps", "indicators.qual_bands"),
    profiles=NATIONAL,
)
def i02_full_but_unmet(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    bad = _scored(ctx) & _met_false(ctx) & _comparable(ctx)
    w = _numc(ctx, "weight")
    reported = _numc(ctx, "score_reported")
    if bad.any():
        bad = bad & scoring.is_full(reported, w, ctx.cfg).to_numpy()
    if not bad.any():
        return _no_indicator_hits("sheet cell observed expected stake name target actual")
    rows = ind[bad]
    # the most the row could earn: the formula score, else the top of its qualitative band
    _, hi_c = scoring.qual_band(pd.Series("C", index=rows.index), w[bad], ctx.cfg)
    ceiling = as_numbers(rows["score_formula"]).fillna(as_numbers(rows["band_hi"])).fillna(hi_c)
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["score_cell"],
        observed=reported[bad],
        expected=ceiling.round(2),
        stake=(reported[bad] - ceiling).abs(),
        name=rows["name"],
        target=rows["target_raw"],
        actual=rows["actual_raw"],
    )


@rule(
    "I03",
    "warning",
    "row",
    "扣分未填写偏差原因",
    "deduction without a reason",
    "「{name}」得分 {observed} 低于分值 {weight}，“偏差原因分析及改进措施”须填写扣分原因。",
    "“{name}” scored {observed} of {weight}; the deviation column must explain the deduction.",
    thresholds=("tolerance.full_eps",),
    profiles=NATIONAL,
)
def i03_deduction_unexplained(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    w, reported = _numc(ctx, "weight").to_numpy(), _numc(ctx, "score_reported").to_numpy()
    bad = _scored(ctx) & (reported < w - ctx.cfg.tolerance.full_eps)
    if bad.any():
        bad = bad & _blank_deviation(ctx)
    if not bad.any():
        return _no_indicator_hits("sheet cell observed expected stake name weight")
    rows = ind[bad]
    w = as_numbers(rows["weight"])
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["deviation_cell"].fillna(rows["score_cell"]),
        observed=as_numbers(rows["score_reported"]),
        expected=w,
        stake=w - as_numbers(rows["score_reported"]),
        name=rows["name"],
        weight=w,
    )


# ------------------------------------------------------------------------------ I10


@rule(
    "I10",
    "error",
    "row",
    "定性指标得分超出等级区间",
    "qualitative score outside its band",
    "「{name}」实际完成值“{actual}”属 {level} 档，得分应在 {expected} 之间，填报 {observed}。",
    "“{name}”: the actual “{actual}” is level {level}, so the score must lie in {expected}; "
    "{observed} was reported.",
    thresholds=("indicators.qual_bands",),
    profiles=NATIONAL,
)
def i10_qual_band(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    # a missed deadline with no plan length is scored in the C band (domain b.3)
    qual = _eq(ctx, "a_kind", "qual")
    late = _eq(ctx, "direction", "date") & _met_false(ctx) & ~qual
    # only a scored row with a level (A/B/C) has a band to leave
    if not (_scored(ctx) & (late | (qual & _isin(ctx, "a_qual", ("A", "B", "C"))))).any():
        return _no_indicator_hits("sheet cell observed expected stake name actual level")
    w = _numc(ctx, "weight")
    reported = _numc(ctx, "score_reported")
    level = ind["a_qual"].where(qual).where(~late, "C")
    lo, hi = scoring.qual_band(level, w, ctx.cfg)
    closed_top = level.eq("A")
    eps = 1e-6
    outside = (reported < lo - eps) | np.where(
        closed_top, reported > hi + eps, reported >= hi - eps
    )
    bad = _scored(ctx) & lo.notna().to_numpy() & np.asarray(outside, dtype=bool)
    if not bad.any():
        return _no_indicator_hits("sheet cell observed expected stake name actual level")
    rows = ind[bad]
    lv = level[bad]
    mid = (lo[bad] + hi[bad]) / 2
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["score_cell"],
        observed=reported[bad],
        expected=_interval_text(lo[bad], hi[bad], closed_top[bad]),
        stake=(reported[bad] - mid).abs(),
        name=rows["name"],
        actual=rows["actual_raw"],
        level=lv,
    )


# ------------------------------------------------------------------------------ I14 – I15


@cached
def _survey_evidence(ctx: Ctx) -> pd.Series:
    """Per sub: some text about satisfaction shows a survey (method or sample size)."""
    subs = pd.Index(ctx.projects["sub"], name="sub")
    # the subs with a hit, by isin rather than groupby(..).any() + reindex (~1.5 ms per source)
    found = np.zeros(len(subs), dtype=bool)
    nar = ctx.frames.narrative
    if not nar.empty:
        sentences = as_text(nar["text"]).str.split(SENTENCE_SPLIT, regex=True).explode()
        sentences = sentences[sentences.str.contains("满意", na=False)]
        hit = sentences.str.contains(SURVEY_RE, na=False)
        found |= subs.isin(nar.loc[hit.index[hit.to_numpy()], "sub"])
    ind = ctx.indicators
    if not ind.empty:
        text = as_text(ind["actual_raw"]) + " " + as_text(ind["deviation"])
        hit = text.str.contains(SURVEY_RE).to_numpy(dtype=bool) & _satisfaction(ctx)
        found |= subs.isin(ind["sub"][hit])
    items = ctx.frames.score_items
    if not items.empty:
        sat_item = as_text(items["level3"]).str.contains("满意")
        hit = sat_item & as_text(items["note"]).str.contains(SURVEY_RE)
        found |= subs.isin(items["sub"][hit.to_numpy(dtype=bool)])
    return pd.Series(found, index=subs)


def _satisfaction(ctx: Ctx) -> np.ndarray:
    def make() -> np.ndarray:
        ind = ctx.indicators
        return (
            as_text(ind["name"]).str.contains("满意")
            | ind["level1"].eq("满意度指标")
            | as_text(ind["level2"]).str.contains("满意度")
        ).to_numpy(dtype=bool)

    return _memo(ctx, ("satisfaction",), make)


@cached
def _item_key(ctx: Ctx) -> pd.Series:
    """The 三级 item of each scoring-table row (I14 and I15 both need it)."""
    return score_item_key(ctx.frames.score_items)


def _full_without_evidence(
    ctx: Ctx, df: pd.DataFrame, cand: np.ndarray, score: str, weight: str, name: str
) -> pd.DataFrame:
    """I14's hits among the candidate rows of `df` (an indicator or scoring table): the full
    satisfaction scores of submissions that show no survey."""
    no_ev = ~df["sub"].map(_survey_evidence(ctx)).fillna(False).astype(bool).to_numpy()
    rows = df[cand & no_ev]
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["score_cell"],
        observed=as_numbers(rows[score]),
        stake=as_numbers(rows[weight]),
        name=rows[name],
        weight=as_numbers(rows[weight]),
    )


@rule(
    "I14",
    "warning",
    "row",
    "满意度满分但无调查依据",
    "full satisfaction score without survey evidence",
    "「{name}」得满分 {observed}（分值 {weight}），但未见满意度调查依据；"
    "请说明调查方式、问卷数量和样本量。",
    "“{name}” scored the full {observed} of {weight} with no survey evidence; "
    "give the survey method, questionnaires and sample size.",
    thresholds=("tolerance.full_eps",),
)
def i14_satisfaction_evidence(ctx: Ctx) -> pd.DataFrame | None:
    # the survey evidence (the costly part) is looked up only once a full satisfaction score is
    # found
    ind = ctx.indicators
    items = ctx.frames.score_items
    parts = []
    cand = _satisfaction(ctx) & _scored(ctx) if not ind.empty else np.zeros(0, dtype=bool)
    if cand.any():
        w = _numc(ctx, "weight")
        cand = cand & scoring.is_full(_numc(ctx, "score_reported"), w, ctx.cfg).to_numpy()
    if cand.any():
        # full marks for a measured 95 % against ≥90 % is the formula at work; what wants its
        # survey is a claimed 100 %, or a full score with no measured figure at all
        actual = _numc(ctx, "a_value").to_numpy(dtype=float)
        cand = cand & (np.isnan(actual) | (actual >= 99.95))
    if cand.any():
        parts.append(_full_without_evidence(ctx, ind, cand, "score_reported", "weight", "name"))
    if not items.empty:
        score, w3 = as_numbers(items["score"]), as_numbers(items["w3"])
        full = score.notna() & w3.gt(0) & scoring.is_full(score, w3, ctx.cfg)
        cand = full.to_numpy() & _item_key(ctx).eq(ITEM_SATISFACTION).to_numpy()
        if cand.any():
            parts.append(_full_without_evidence(ctx, items, cand, "score", "w3", "level3"))
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else None


@rule(
    "I15",
    "warning",
    "row",
    "无目标值却评分",
    "scored without a target",
    "「{name}」评分 {observed}（分值 {weight}），但没有对应的年度指标值或绩效目标；"
    "请补充绩效目标，或标注“不适用”。",
    "“{name}” was scored {observed} of {weight} but has no target value or matching target; "
    "add the target or mark the item not applicable.",
)
def i15_scored_without_target(ctx: Ctx) -> pd.DataFrame | None:
    ind = ctx.indicators
    parts = []
    no_target = _isin(ctx, "t_kind", ("empty", None))
    score = _numc(ctx, "score_reported").to_numpy()
    bad = _scored(ctx) & (score > 0) & no_target
    if bad.any():
        rows = ind[bad]
        parts.append(
            hits(
                rows,
                sheet=rows["sheet"],
                cell=rows["target_cell"],
                observed=as_numbers(rows["score_reported"]),
                stake=as_numbers(rows["score_reported"]),
                name=rows["name"],
                weight=as_numbers(rows["weight"]),
            )
        )
    items = ctx.frames.score_items
    if not items.empty:
        key = _item_key(ctx)
        score = as_numbers(items["score"])
        bad = (key.notna() & (score > 0)).to_numpy()
        if bad.any():  # only then look for the targets of the scored items
            hai = ind[ind["sub"].isin(items["sub"]).to_numpy() & ~no_target]
            mapped = pd.DataFrame({"sub": hai["sub"], "key": target_items(hai)}).dropna()
            has = pd.MultiIndex.from_frame(mapped.drop_duplicates())
            pairs = pd.MultiIndex.from_arrays([items["sub"], key])
            bad = bad & ~pairs.isin(has)
            rows = items[bad]
            parts.append(
                hits(
                    rows,
                    sheet=rows["sheet"],
                    cell=rows["score_cell"],
                    observed=score[bad],
                    stake=score[bad],
                    name=rows["level3"],
                    weight=as_numbers(rows["w3"]),
                )
            )
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else None
