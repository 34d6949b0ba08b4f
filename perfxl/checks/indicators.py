"""Indicator rules (I01–I20) and converted-value notes (N06): targets, actuals, scores, units."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from perfxl.checks import scoring
from perfxl.checks.cells import as_numbers, as_text
from perfxl.checks.engine import Ctx, cached, field_cell, hits, map_distinct, no_hits, rule
from perfxl.checks.scoring import ITEM_SATISFACTION, score_item_key
from perfxl.checks.scoring import target_score_items as target_items
from perfxl.checks.units import target_unit as _target_unit
from perfxl.checks.units import unit_mismatch
from perfxl.model.findings import declare
from perfxl.read import grammar as parse
from perfxl.spec import get_profile
from perfxl.spec.lists import LEVEL2_PARENT


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NATIONAL = ("national2020",)  # rules that need the per-indicator 分值/得分 columns

# Target kinds that carry a number (or a deadline) a completion can be measured against.
QUANT_TARGETS = ("point", "cmp", "range")
MEASURABLE_TARGETS = (*QUANT_TARGETS, "date")
CANONICAL_QUAL = ("达成年度指标", "达成预期指标")  # the national wording; "部分/未" contain it
VAGUE_WORDS = ("进一步", "有效", "明显", "显著", "良好", "提升", "加强", "稳步", "提高", "改善")
INPUT_WORDS = "资金|预算|经费|投入"
MONEY_UNIT_RE = r"(?:^|[\d\s.,，(（])(?:千|万|百万|千万|亿)?元"
# Rates that cannot leave 0–100 % by construction (a 完成率 or 增长率 can).
BOUNDED_RATE_WORDS = _words(
    "满意度 满意率 合格率 覆盖率 保障率 达标率 及时率 知晓率 准确率 正确率 通过率 普及率 入学率 "
    "巩固率 参保率 到位率 执行率 支付率 合规率 完好率 优良率 出勤率 成活率 验收率 办结率 占比 比例"
)
# Evidence of a satisfaction survey: the survey itself, or a sample size ("600份", "200人").
SURVEY_RE = (
    r"调查|问卷|抽样|抽查|样本|测评|回访|访谈|座谈|评议"
    r"|[0-9一二两三四五六七八九十百千万]+\s*(?:份|人|户|名|位|家)"
)
SENTENCE_SPLIT = r"[。；;！!？?\n]"
# A narrative section that explains unmet or deviating targets (hainan 四（二）未完成原因分析).
REASON_SECTION_RE = r"未完成原因|偏差原因|原因分析"
BLANK_TEXTS = frozenset(("", "无", "暂无", "没有", "无偏差", "不适用", "无情况说明", "无说明"))
CONVERTED_NOTES = ("chinese_numeral", "text_lexicon")


# ------------------------------------------------------------------------------ helpers


def _blank(s: pd.Series) -> pd.Series:
    """Empty, or only a placeholder such as "无" or "/" (no explanation was written)."""
    return map_distinct(s, _is_blank_text).astype(bool)


_NOT_WORD = re.compile(r"[\s\W_]+")


def _is_blank_text(v: object) -> bool:
    return _NOT_WORD.sub("", "" if v is None else str(v)) in BLANK_TEXTS


def _flag(s: pd.Series) -> pd.Series:
    return s.where(s.notna(), False).astype(bool)


# The rules share masks and numeric columns of the indicator frame. Each is computed once per
# context and kept as a read-only numpy array (or Series): on the few rows of a one-workbook
# `perfxl check` a pandas call costs ~0.05–0.3 ms whatever the size, a numpy one ~1 µs. A rule
# builds its mask from these and returns early when it selects nothing.


def _memo(ctx: Ctx, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    full = ("indicators", *key)
    if full not in ctx.cache:
        value = make()
        if isinstance(value, np.ndarray):
            value.setflags(write=False)  # shared by every rule: never modified in place
        ctx.cache[full] = value
    return ctx.cache[full]


def _numc(ctx: Ctx, col: str) -> pd.Series:
    """`as_numbers` of an indicator column (aligned on ctx.indicators)."""
    return _memo(ctx, ("num", col), lambda: as_numbers(ctx.indicators[col]))


def _has(ctx: Ctx, col: str) -> np.ndarray:
    """The indicator column holds a number."""
    return _memo(ctx, ("has", col), lambda: _numc(ctx, col).notna().to_numpy())


def _eq(ctx: Ctx, col: str, value: object) -> np.ndarray:
    return _memo(
        ctx, ("eq", col, value), lambda: ctx.indicators[col].eq(value).to_numpy(dtype=bool)
    )


def _isin(ctx: Ctx, col: str, values: tuple[object, ...]) -> np.ndarray:
    return _memo(
        ctx, ("isin", col, values), lambda: ctx.indicators[col].isin(list(values)).to_numpy()
    )


def _flagc(ctx: Ctx, col: str) -> np.ndarray:
    return _memo(ctx, ("flag", col), lambda: _flag(ctx.indicators[col]).to_numpy())


def _scored(ctx: Ctx) -> np.ndarray:
    """Rows that carry a weight and a reported score (national rows not marked 不适用)."""
    return _memo(
        ctx,
        ("scored",),
        lambda: (
            _has(ctx, "weight")
            & _has(ctx, "score_reported")
            & ~_flagc(ctx, "weight_na")
            & ~_flagc(ctx, "score_na")
        ),
    )


def _met_false(ctx: Ctx) -> np.ndarray:
    """met is True/False/None (not judgeable); None does not count as False."""
    return _eq(ctx, "met", False)


def _quant_actual(ctx: Ctx) -> np.ndarray:
    return _memo(
        ctx, ("quant_actual",), lambda: _eq(ctx, "a_kind", "number") & _has(ctx, "a_value")
    )


def _no_indicator_hits(columns: str) -> pd.DataFrame:
    """The hit table of a rule that found nothing: its columns (after "sub"), no rows."""
    return no_hits(*columns.split())


def _blank_deviation(ctx: Ctx) -> np.ndarray:
    return _memo(ctx, ("blank_deviation",), lambda: _blank(ctx.indicators["deviation"]).to_numpy())


def _explained(ctx: Ctx) -> np.ndarray:
    """The row's 偏差原因 is written, or a narrative 未完成原因 section names the indicator."""
    return _memo(ctx, ("explained",), lambda: _explained_rows(ctx, ctx.indicators).to_numpy())


def _explained_rows(ctx: Ctx, ind: pd.DataFrame) -> pd.Series:
    ok = pd.Series(~_blank_deviation(ctx), index=ind.index)
    nar = ctx.frames.narrative
    if nar.empty or ind.empty:
        return ok
    reasons = nar[as_text(nar["section"]).str.contains(REASON_SECTION_RE) & ~_blank(nar["text"])]
    if reasons.empty:
        return ok
    text = as_text(reasons["text"]).groupby(reasons["sub"]).agg(" ".join)
    joined = ind["sub"].map(text).where(lambda s: s.notna(), "")
    names = as_text(ind["name"])
    # substring of another column: no vector op exists, the rows are few
    mentioned = pd.Series(
        [bool(n) and n in t for n, t in zip(names, joined, strict=True)], index=ind.index
    )
    return ok | mentioned


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


def _mismatch(ctx: Ctx) -> pd.Series:
    def make() -> pd.Series:
        ind = ctx.indicators
        # derive.add_derived stores the same compare_units result; an empty frame has no column
        if "unit_mismatch" in ind:
            return ind["unit_mismatch"]
        return unit_mismatch(ind)

    return _memo(ctx, ("unit_mismatch",), make)


def _comparable(ctx: Ctx) -> np.ndarray:
    """The recomputed met/score can be trusted: target and actual are in one unit (else I06).
    derive scores the raw numbers, so 18个 against ≥90% would read as a 2/10 miss."""
    return _memo(ctx, ("comparable",), lambda: _mismatch(ctx).isna().to_numpy())


def _contains_any(s: pd.Series, words: tuple[str, ...]) -> pd.Series:
    return as_text(s).str.contains("|".join(map(re.escape, words)))


# ------------------------------------------------------------------------------ I01 – I05


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


@rule(
    "I04",
    "warning",
    "row",
    "未完成指标未说明原因",
    "unmet target without a reason",
    "「{name}」未完成年度指标（指标值 {target}，实际完成值 {actual}），须说明偏差原因及改进措施。",
    "“{name}” missed its target ({target}, actual {actual}); the reason must be given.",
)
def i04_unmet_unexplained(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    bad = _met_false(ctx) & _comparable(ctx)
    if bad.any():
        bad = bad & ~_explained(ctx)
    if not bad.any():
        return _no_indicator_hits("sheet cell observed expected name target actual")
    rows = ind[bad]
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["deviation_cell"].fillna(rows["actual_cell"]),
        observed=rows["actual_raw"],
        expected=rows["target_raw"],
        name=rows["name"],
        target=rows["target_raw"],
        actual=rows["actual_raw"],
    )


@rule(
    "I05",
    "warning",
    "row",
    "完成值远超目标",
    "actual far beyond the target",
    "「{name}」实际完成值 {actual} 为指标值 {target} 的 {ratio}（正向指标 ≥ {over}、"
    "反向指标 ≤ {under} 即视为远超目标），"
    "疑目标设定偏低，须说明原因。",
    "“{name}”: actual {actual} is {ratio} of the target {target} (≥ {over} for a positive, "
    "≤ {under} for a negative indicator); "
    "the target looks too low and needs an explanation.",
    thresholds=("indicators.over_completion", "indicators.under_completion_neg"),
)
def i05_over_completion(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    cfg = ctx.cfg.indicators
    a = _numc(ctx, "target_a")
    b = _numc(ctx, "a_value")
    av, bv = a.to_numpy(), b.to_numpy()
    base = _quant_actual(ctx) & (av > 0)
    pos = base & _eq(ctx, "direction", "pos") & (bv >= cfg.over_completion * av - 1e-9)
    # zero incidents is the floor of a negative indicator, not a sign of a lax target
    neg = (
        base
        & _eq(ctx, "direction", "neg")
        & (bv > 0)
        & (bv <= cfg.under_completion_neg * av + 1e-9)
    )
    bad = (pos | neg) & _comparable(ctx)
    if bad.any():
        bad = bad & ~_explained(ctx)
    if not bad.any():
        return _no_indicator_hits(
            "sheet cell observed expected name target actual ratio over under"
        )
    rows = ind[bad]
    ratio = (b[bad] / a[bad] * 100).round(1)
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["deviation_cell"].fillna(rows["actual_cell"]),
        observed=b[bad],
        expected=a[bad],
        name=rows["name"],
        target=rows["target_raw"],
        actual=rows["actual_raw"],
        ratio=ratio.map(lambda r: f"{r:g}%"),
        over=f"{cfg.over_completion * 100:g}%",
        under=f"{cfg.under_completion_neg * 100:g}%",
    )


# ------------------------------------------------------------------------------ I06 – I09


@rule(
    "I06",
    "error",
    "row",
    "目标值与实际值单位不一致",
    "target and actual units differ",
    "「{name}」年度指标值单位为“{expected}”，实际完成值单位为“{observed}”，口径不一致"
    "（量纲不同为错误；同一量纲的须换算后填写）。",
    "“{name}”: the target is in {expected} but the actual in {observed} (a different dimension "
    "is an error; the same dimension at another scale must be converted).",
    severities=("error", "warning"),
)
def i06_units(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    bad = ~_comparable(ctx)
    if not bad.any():
        return _no_indicator_hits("sheet cell observed expected severity name")
    kind = _mismatch(ctx)
    rows = ind[bad]
    k = kind[bad]
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["actual_cell"],
        observed=rows["a_unit"],
        expected=_target_unit(rows),
        severity=np.where(k.eq("dimension"), "error", "warning"),
        name=rows["name"],
    )


@rule(
    "I07",
    "warning",
    "row",
    "指标值不可衡量",
    "target not measurable",
    "「{name}」的年度指标值“{observed}”既无数值也不是标准定性等级（“提升、有效”等笼统表述"
    "不可衡量），无法据以评价完成情况；请改为具体数值（如 ≥95%）或“达成年度指标”。",
    "“{name}”: the target “{observed}” has no number and is not a standard qualitative level "
    "(vague words such as 提升 or 有效 cannot be measured); give a number (e.g. ≥95%).",
)
def i07_not_measurable(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    if not (_eq(ctx, "t_kind", "text") | _eq(ctx, "t_kind", "qual")).any():
        return _no_indicator_hits("sheet cell observed name")
    raw = as_text(ind["target_raw"])
    kind = ind["t_kind"]
    vague = _contains_any(raw, VAGUE_WORDS)
    canonical = _contains_any(raw, CANONICAL_QUAL)
    cand = (kind.eq("text") | (kind.eq("qual") & vague & ~canonical)) & ~raw.str.contains(r"\d")
    # a Chinese numeral ("九十五") is a number the target grammar does not read; few rows get here
    numeral = pd.Series(False, index=ind.index)
    if cand.any():
        numeral[cand] = [parse.parse_number(s).value is not None for s in raw[cand]]
    bad = cand & ~numeral
    if not bad.any():
        return _no_indicator_hits("sheet cell observed name")
    rows = ind[bad]
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["target_cell"],
        observed=rows["target_raw"],
        name=rows["name"],
    )


@rule(
    "I08",
    "warning",
    "row",
    "以资金投入作为产出指标",
    "an output indicator that measures inputs",
    "「{name}」列在产出指标（{level2}）下，却以资金/预算投入衡量（{observed}）；"
    "投入不能作为产出目标，请改为实际产出的数量、质量或时效。",
    "“{name}” is an output indicator ({level2}) but measures money put in ({observed}); "
    "inputs are not outputs.",
)
def i08_input_as_output(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    level2 = as_text(ind["level2"])
    output = ind["level1"].eq("产出指标") | level2.map(LEVEL2_PARENT).eq("产出指标")
    if not output.any():
        return _no_indicator_hits("sheet cell observed name level2")
    name_input = as_text(ind["name"]).str.contains(INPUT_WORDS)
    # a 成本指标 is measured in money by nature; elsewhere a money unit betrays an input
    money_text = (
        as_text(ind["target_raw"]) + " " + as_text(ind["unit"]) + " " + as_text(ind["t_unit"])
    )
    money_unit = money_text.str.contains(MONEY_UNIT_RE) & ~level2.str.contains("成本")
    bad = output & (name_input | money_unit)
    if not bad.any():
        return _no_indicator_hits("sheet cell observed name level2")
    rows = ind[bad]
    keyword = as_text(rows["name"]).str.extract(f"({INPUT_WORDS})", expand=False)
    observed = keyword.where(name_input[bad], rows["target_raw"].fillna(rows["unit"]))
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["name_cell"],
        observed=observed,
        name=rows["name"],
        level2=rows["level2"].fillna("产出指标"),
    )


def _best_band(ctx: Ctx, rows: pd.DataFrame) -> pd.Series:
    """The 优 interval an optimum-range direction was read from, as text ("[47, 51)")."""
    if rows.empty:
        return pd.Series(dtype=object)
    tiers = ctx.frames.tiers
    best = tiers[tiers["tier"].eq("优")].drop_duplicates(["sub", "seq"]).set_index(["sub", "seq"])
    keys = pd.MultiIndex.from_arrays([rows["sub"], pd.to_numeric(rows["seq"])])
    band = best.reindex(keys)
    lo_incl = band["lo_incl"].where(band["lo_incl"].notna(), True).astype(bool)
    hi_incl = band["hi_incl"].where(band["hi_incl"].notna(), True).astype(bool)
    lo, hi = as_numbers(rows["t_range_lo"]), as_numbers(rows["t_range_hi"])
    return pd.Series(
        [
            str(parse.Interval(a, li, b, hi_))
            for a, li, b, hi_ in zip(lo, lo_incl, hi, hi_incl, strict=True)
        ],
        index=rows.index,
        dtype=object,
    )


@rule(
    "I09",
    "info",
    "row",
    "指标方向未注明",
    "indicator direction not stated",
    "「{name}」未注明指标方向（正向/反向/区间），已推定为“{expected}”；请在“指标方向”中注明。",
    "“{name}” states no direction and was read as “{expected}”; please fill in the direction.",
)
def i09_direction(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    default = _eq(ctx, "direction_how", "default") & _isin(ctx, "t_kind", QUANT_TARGETS)
    # an optimum range read off a closed 优 band is a guess the unit should confirm (RULES d.1 #4)
    by_tiers = _eq(ctx, "direction_how", "tiers") & _eq(ctx, "direction", "range")
    bad = default | by_tiers
    if not bad.any():
        return _no_indicator_hits("sheet cell observed expected name")
    rows = ind[bad]
    is_range = by_tiers[bad]
    interval = _best_band(ctx, rows[is_range]).reindex(rows.index).fillna("")
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["direction_cell"].fillna(rows["target_cell"]),
        observed=rows["direction_label"],
        expected=np.where(is_range, "区间 " + interval, "正向"),
        name=rows["name"],
    )


# ------------------------------------------------------------------------------ I10 – I13


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
    # a missed deadline with no plan length is scored in the C band (RULES b.3)
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


@rule(
    "I11",
    "warning",
    "row",
    "完成情况无法判定",
    "completion cannot be judged",
    "「{name}」的实际完成值“{observed}”为空、无法识别，或以文字代替数值，无法对照年度指标值"
    "“{expected}”判定完成情况；请填写数值或标准定性等级（达成年度指标 / "
    "部分达成年度指标并具有一定效果 / 未达成年度指标且效果较差）。",
    "“{name}”: the actual “{observed}” is blank, unreadable or words for a number, so it cannot "
    "be judged against the target “{expected}”.",
)
def i11_actual_unreadable(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    qual_target = _eq(ctx, "t_kind", "qual") | _eq(ctx, "direction", "qual")
    numeric_target = _isin(ctx, "t_kind", QUANT_TARGETS) & ~qual_target
    measurable = _isin(ctx, "t_kind", MEASURABLE_TARGETS) | qual_target
    empty_qual = qual_target & _eq(ctx, "a_kind", "empty")
    unreadable = measurable & _eq(ctx, "a_kind", "text")
    words_for_number = numeric_target & _eq(ctx, "a_kind", "qual")
    bad = empty_qual | unreadable | words_for_number
    if not bad.any():
        return _no_indicator_hits("sheet cell observed expected name")
    rows = ind[bad]
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["actual_cell"],
        observed=rows["actual_raw"],
        expected=rows["target_raw"],
        name=rows["name"],
    )


def _rate_out(ctx: Ctx) -> tuple[np.ndarray, np.ndarray]:
    """(actual outside 0–100 %, target outside 0–100 %) for bounded rates."""

    def make() -> tuple[np.ndarray, np.ndarray]:
        b = _numc(ctx, "a_value").to_numpy()
        actual_out = _flagc(ctx, "a_percent") & _quant_actual(ctx) & ((b > 100) | (b < 0))
        lo, hi = _numc(ctx, "t_lo").to_numpy(), _numc(ctx, "t_hi").to_numpy()
        t_out = (lo > 100) | (lo < 0) | (hi > 100) | (hi < 0)
        target_out = _flagc(ctx, "t_percent") & _isin(ctx, "t_kind", QUANT_TARGETS) & t_out
        if not (actual_out.any() or target_out.any()):
            return actual_out, target_out
        # the name test is the costly part: only when some rate is out of range
        bounded = _contains_any(ctx.indicators["name"], BOUNDED_RATE_WORDS).to_numpy(dtype=bool)
        return actual_out & bounded, target_out & bounded

    return _memo(ctx, ("rate_out",), make)


@rule(
    "I12",
    "error",
    "row",
    "比率超出0–100%",
    "bounded rate outside 0–100 %",
    "「{name}」填报的比率为 {observed}%，超出该比率可能的范围 {expected}%。",
    "“{name}”: the rate {observed}% lies outside its possible range {expected}%.",
)
def i12_rate_bounds(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    actual_bad, target_bad = _rate_out(ctx)
    if not (actual_bad.any() or target_bad.any()):
        return _no_indicator_hits("sheet cell observed expected name")
    lo, hi = _numc(ctx, "t_lo"), _numc(ctx, "t_hi")
    t_value = lo.where((lo > 100) | (lo < 0), hi)
    a_rows = ind[actual_bad]
    t_rows = ind[target_bad]
    parts = [
        hits(
            a_rows,
            sheet=a_rows["sheet"],
            cell=a_rows["actual_cell"],
            observed=as_numbers(a_rows["a_value"]),
            expected="0–100",
            name=a_rows["name"],
        ),
        hits(
            t_rows,
            sheet=t_rows["sheet"],
            cell=t_rows["target_cell"],
            observed=t_value[target_bad],
            expected="0–100",
            name=t_rows["name"],
        ),
    ]
    return pd.concat([p for p in parts if not p.empty] or parts[:1], ignore_index=True)


@rule(
    "I13",
    "info",
    "row",
    "已按百分比解释",
    "read as a percentage",
    "「{name}」的实际完成值“{observed}”未写“%”，已按 {expected}% 解释，请核对。",
    "“{name}”: the actual “{observed}” has no % sign and was read as {expected}%; please check.",
)
def i13_percent_read(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    bad = _isin(ctx, "a_note", ("fraction_scaled", "percent_assumed")) & _quant_actual(ctx)
    if not bad.any():
        return _no_indicator_hits("sheet cell observed expected name")
    rows = ind[bad]
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["actual_cell"],
        observed=rows["actual_raw"],
        expected=as_numbers(rows["a_value"]),
        name=rows["name"],
    )


# ------------------------------------------------------------------------------ I14 – I16


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


@rule(
    "I16",
    "info",
    "submission",
    "实际值与目标值完全相同",
    "every actual equals its target",
    "全部 {observed} 个定量指标的实际完成值与年度指标值完全相同，疑照抄目标值，请核实。",
    "All {observed} quantitative indicators report an actual exactly equal to the target; "
    "check they were not copied.",
    thresholds=("indicators.copy_min_count",),
)
def i16_copied_actuals(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    t = _numc(ctx, "t_value")
    b = _numc(ctx, "a_value")
    quant = (
        _quant_actual(ctx)
        & _isin(ctx, "t_kind", ("point", "cmp"))
        & _has(ctx, "t_value")
        & _comparable(ctx)
    )
    tv, bv = t.to_numpy()[quant], b.to_numpy()[quant]
    # a flagged sub has at least copy_min_count equal pairs: fewer in the batch, none flagged
    if np.count_nonzero(np.abs(bv - tv) <= 1e-9 * np.maximum(1, np.abs(tv))) < max(
        ctx.cfg.indicators.copy_min_count, 1
    ):
        return _no_indicator_hits("sheet cell observed")
    q = ind[quant]
    same = (b[quant] - t[quant]).abs() <= 1e-9 * np.maximum(1, t[quant].abs())
    g = same.groupby(q["sub"])
    n, n_same = g.size(), g.sum()
    flagged = n.index[(n >= ctx.cfg.indicators.copy_min_count) & (n_same == n)]
    rows = q[q["sub"].isin(flagged)].drop_duplicates("sub")
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["actual_cell"],
        observed=rows["sub"].map(n),
    )


# ------------------------------------------------------------------------------ I17 – I20


@rule(
    "I17",
    "error",
    "row",
    "正向指标目标值为0",
    "positive indicator with a zero target",
    "「{name}」为正向指标，年度指标值“{observed}”为0，完成比例无法计算，无法评分；请填写实际目标值。",
    "“{name}” is a positive indicator with a zero target “{observed}”; it cannot be scored.",
)
def i17_zero_target(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    a = _numc(ctx, "target_a").to_numpy()
    bad = (
        _eq(ctx, "direction", "pos") & _isin(ctx, "t_kind", ("point", "cmp")) & (np.abs(a) < 1e-12)
    )
    if not bad.any():
        return _no_indicator_hits("sheet cell observed name")
    rows = ind[bad]
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["target_cell"],
        observed=rows["target_raw"],
        name=rows["name"],
    )


@rule(
    "I18",
    "warning",
    "row",
    "实际值为负",
    "negative actual",
    "「{name}」实际完成值为 {observed}，为负数，评分时按 0 计算；请核实。",
    "“{name}”: the actual {observed} is negative and is scored as 0.",
)
def i18_negative_actual(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    b = _numc(ctx, "a_value")
    bad = _quant_actual(ctx) & (b.to_numpy() < 0)
    if bad.any():
        # a negative bounded rate is already an I12 error on the same cell
        bad = bad & ~_rate_out(ctx)[0]
    if not bad.any():
        return _no_indicator_hits("sheet cell observed expected name")
    rows = ind[bad]
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["actual_cell"],
        observed=b[bad],
        expected=0,
        name=rows["name"],
    )


@rule(
    "I19",
    "info",
    "submission",
    "定量指标偏少",
    "few quantitative indicators",
    "定量指标 {n_quant}/{n_total} 个（{observed}%，应不低于 {expected}%），其中产出指标定量 "
    "{out_quant}/{out_total} 个；绩效指标应尽量量化，产出指标尤其应有定量指标。",
    "{n_quant} of {n_total} indicators are quantitative ({observed}%, at least {expected}% "
    "expected), {out_quant} of {out_total} output indicators; quantify the indicators, "
    "the outputs above all.",
    thresholds=("indicators.quant_share_min",),
)
def i19_quant_share(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    # a blank target is a missing target (I15, S05), neither quantitative nor qualitative
    live_mask = ~_flagc(ctx, "weight_na") & ~_isin(ctx, "t_kind", ("empty", None))
    quant = _isin(ctx, "t_kind", MEASURABLE_TARGETS)[live_mask]
    output = _eq(ctx, "level1", "产出指标")[live_mask]
    # counts per sub by bincount over the factorized subs: a groupby costs ~1 ms a call even on
    # the few rows of one workbook (a blank sub, code -1, is left out as groupby would)
    codes, subs = pd.factorize(ind["sub"][live_mask])
    known = codes >= 0

    def count(mask: np.ndarray) -> pd.Series:
        return pd.Series(np.bincount(codes[known & mask], minlength=len(subs)), index=subs)

    n, n_quant = count(np.ones(len(codes), dtype=bool)), count(quant)
    out_n, out_quant = count(output), count(output & quant)
    share = n_quant / n * 100
    low = share < ctx.cfg.indicators.quant_share_min - 1e-9
    only_qual_output = (out_n > 0) & (out_quant == 0)
    flagged = n.index[(low | only_qual_output).to_numpy()]
    if flagged.empty:
        return _no_indicator_hits(
            "sheet cell observed expected n_quant n_total out_quant out_total"
        )
    live = ind[live_mask]
    # point at the first row that would need a number
    first = live[~quant & live["sub"].isin(flagged).to_numpy()]
    first_output = first[first["level1"].eq("产出指标")].drop_duplicates("sub")
    rows = pd.concat([first_output, first]).drop_duplicates("sub")
    s = rows["sub"]
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["target_cell"],
        observed=s.map(share).round(1),
        expected=ctx.cfg.indicators.quant_share_min,
        n_quant=s.map(n_quant),
        n_total=s.map(n),
        out_quant=s.map(out_quant).fillna(0),
        out_total=s.map(out_n).fillna(0),
    )


declare(
    "I20",
    "warning",
    "row",
    "指标值被调整，需附批复依据",
    "target adjusted without approval",
    "「{name}」年初指标值与调整后指标值不同，须附调整批复依据。",
    "“{name}”: the target was adjusted; attach the approval.",
    not_implementable=(
        "两种模板都只有一列指标值（national2020“年度指标值”、hainan2011“绩效目标”），"
        "没有“年初/调整后”两列，无法比较。 Both templates hold a single target column "
        "(no 年初 vs 调整后 pair), so an adjustment cannot be seen."
    ),
)


# ------------------------------------------------------------------------------ N06

MEASURE_LABELS = {
    "initial_budget": "年初预算数",
    "annual_budget": "全年预算数",
    "executed": "全年执行数",
    "planned": "计划投资额",
    "arrived": "实际到位资金",
    "used": "实际使用情况",
}


def _field_labels() -> dict[str, str]:
    """Printed label of every cover/basic field of both templates, by key."""
    return {
        f.key: f.label
        for profile in ("national2020", "hainan2011")
        for _, f in get_profile(profile).fields()
    }


@rule(
    "N06",
    "info",
    "row",
    "非标准数值已自动转换",
    "non-standard number converted",
    "「{name}」填写的“{observed}”已自动转换为 {expected}，请核对。",
    "“{name}”: “{observed}” was converted to {expected}; please check.",
)
def n06_converted(ctx: Ctx) -> pd.DataFrame | None:
    parts = []
    ind = ctx.indicators
    for note_col, raw_col, value_col, cell_col, label in (
        ("a_note", "actual_raw", "a_value", "actual_cell", "实际完成值"),
        ("weight_note", None, "weight", "weight_cell", "分值"),
        ("score_note", None, "score_reported", "score_cell", "得分"),
    ):
        if ind.empty or note_col not in ind:
            continue
        # test the mask before selecting: a selection costs ~0.3 ms even when empty
        converted = _isin(ctx, note_col, CONVERTED_NOTES)
        if not converted.any():
            continue
        rows = ind[converted]
        parts.append(
            hits(
                rows,
                sheet=rows["sheet"],
                cell=rows[cell_col],
                observed=rows[raw_col] if raw_col else rows[value_col],
                expected=as_numbers(rows[value_col]),
                name=as_text(rows["name"]) + " " + label,
            )
        )
    funds = ctx.frames.funds
    if not funds.empty:
        converted = funds["note"].isin(CONVERTED_NOTES).to_numpy()
        if converted.any():
            rows = funds[converted]
            parts.append(
                hits(
                    rows,
                    sheet=rows["sheet"],
                    cell=rows["cell"],
                    observed=rows["raw"],
                    expected=as_numbers(rows["amount_wan"]),
                    name=as_text(rows["source_label"]) + " " + rows["measure"].map(MEASURE_LABELS),
                )
            )
    p = ctx.projects
    for col in [c for c in p.columns if c.endswith("_note")]:
        key = col.removesuffix("_note")
        converted = p[col].isin(CONVERTED_NOTES).to_numpy()
        if not converted.any() or key not in p:
            continue
        rows = p[converted]
        sheet, cell = field_cell(rows, key)
        parts.append(
            hits(
                rows,
                sheet=sheet,
                cell=cell,
                observed=rows[key + "_raw"] if key + "_raw" in p else rows[key],
                expected=pd.to_numeric(rows[key], errors="coerce"),
                name=_field_labels().get(key, key),
            )
        )
    parts = [x for x in parts if not x.empty]
    return pd.concat(parts, ignore_index=True) if parts else None
