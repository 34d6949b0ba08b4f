"""Indicator rules (I), the targets and their completion: a missed target unexplained (I04), an
actual far beyond its target (I05), targets that cannot be measured (I07) or measure inputs (I08),
a direction not stated (I09), completion that cannot be judged (I11), actuals copied from the
targets (I16), a zero target (I17), few quantitative indicators (I19), adjusted targets (I20)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfxl.checks.cells import as_numbers, as_text
from perfxl.checks.engine import Ctx, hits, rule
from perfxl.checks.indicators import (
    MEASURABLE_TARGETS,
    QUANT_TARGETS,
    _comparable,
    _contains_any,
    _eq,
    _explained,
    _flagc,
    _has,
    _isin,
    _met_false,
    _no_indicator_hits,
    _numc,
    _quant_actual,
)
from perfxl.model.findings import declare
from perfxl.read import grammar as parse
from perfxl.spec.lists import LEVEL2_PARENT

CANONICAL_QUAL = ("达成年度指标", "达成预期指标")  # the national wording; "部分/未" contain it
VAGUE_WORDS = ("进一步", "有效", "明显", "显著", "良好", "提升", "加强", "稳步", "提高", "改善")
INPUT_WORDS = "资金|预算|经费|投入"
# answers of a yes/no or deadline target: 已建立, 按期完成, 未发生 tell whether it was met
BINARY_ACTUALS = (
    r"(?:是|否|已?建立|已?建成|已?完成|按期完成|按时完成|如期完成|全部完成|未完成|未建立"
    r"|达标|未达标|合格|通过|实现|未发生|无|未超过?\S{0,12}|不超过?\S{0,12})"
)
# targets met or not, nothing in between: measurable without a number
BINARY_TARGETS = (
    r"(?:是|已?建立|已?建成|已?完成|按期完成|按时完成|全部完成|如期完成|达标|合格|通过|实现"
    r"|不(?:超过?|超出|高于|低于|少于)\S{1,12})"  # 不超合同金额: a bound in words
)
# an indicator of how money is handled (经费支出合规性, 经费审批流程规范性, 资金公示) is a
# compliance or process indicator, not money put in
PROCESS_WORDS = "合规|规范|流程|制度|审批|审核|监管|管理|公开|公示|违规|违纪"
# paying a subsidy or compensation out (补贴资金发放准确率, 补偿资金兑付及时率) is what a subsidy
# project delivers: its output, not money put in
PAYOUT_WORDS = "发放|兑付|补贴|补偿|补助|救助|奖励"
# a "cost" that only restates budget execution (资金执行在预算范围内, 资金支付完成率) is the
# 执行率 again, not a cost of the output: flagged even under 成本指标
RESTATED_EXECUTION = "资金执行|预算执行|资金支付完成|支付完成率|在预算范围内|预算控制"
MONEY_UNIT_RE = r"(?:^|[\d\s.,，(（])(?:千|万|百万|千万|亿)?元"


# ------------------------------------------------------------------------------ I04 – I05


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


# ------------------------------------------------------------------------------ I07 – I09


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
    # outputs are to be quantified; a benefit stated as 明显改善 is how benefits are written, and
    # a yes/no target (建立, 按期完成) is measurable as it stands
    level2 = as_text(ind["level2"])
    output = ind["level1"].eq("产出指标") | level2.map(LEVEL2_PARENT).eq("产出指标")
    binary = raw.str.strip().str.fullmatch(BINARY_TARGETS)
    cand = (kind.eq("text") | (kind.eq("qual") & vague & ~canonical)) & ~raw.str.contains(r"\d")
    cand &= output & ~binary
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
    names = as_text(ind["name"])
    cost = level2.str.contains("成本")
    handled = names.str.contains(PROCESS_WORDS) | names.str.contains(PAYOUT_WORDS)
    name_input = names.str.contains(INPUT_WORDS) & ~handled & ~cost
    name_input |= names.str.contains(RESTATED_EXECUTION)
    # a 成本指标 is measured in money by nature; elsewhere a money unit betrays an input
    money_text = (
        as_text(ind["target_raw"]) + " " + as_text(ind["unit"]) + " " + as_text(ind["t_unit"])
    )
    money_unit = money_text.str.contains(MONEY_UNIT_RE) & ~cost
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
    if default.any():
        # an actual equal to its target, or a 100 % target, is judged the same either way: the
        # direction read into it changes nothing the officer would see
        t = _numc(ctx, "t_value").to_numpy(dtype=float)
        a = _numc(ctx, "a_value").to_numpy(dtype=float)
        pct = ind["t_percent"].fillna(False).astype(bool).to_numpy()
        default = default & ~(np.isclose(a, t) | (pct & np.isclose(t, 100.0)))
    # an optimum range read off a closed 优 band is a guess the unit should confirm (domain d.1 #4)
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


# ------------------------------------------------------------------------------ I11, I16


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
    actual = as_text(ind["actual_raw"]).str.strip()
    answered = actual.str.fullmatch(BINARY_ACTUALS).to_numpy() | (
        actual.to_numpy() == as_text(ind["target_raw"]).str.strip().to_numpy()
    )
    unreadable = measurable & _eq(ctx, "a_kind", "text") & ~answered
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


# ------------------------------------------------------------------------------ I17, I19, I20


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
