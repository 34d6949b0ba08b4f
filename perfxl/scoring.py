"""The domain formulas (RULES b.1–b.8), defined once and used by checks, summary and feedback."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from perfxl.config import DEFAULT, Config

GRADES = ("优", "良", "中", "差")


def grade(total: float | None, cfg: Config = DEFAULT) -> str | None:
    """优 ≥ 90 > 良 ≥ 80 > 中 ≥ 60 > 差, on the total rounded to 2 dp (RULES b.1)."""
    if total is None or (isinstance(total, float) and math.isnan(total)):
        return None
    t = round(float(total) + 1e-9, 2)
    g = cfg.grades
    if t >= g.excellent:
        return "优"
    if t >= g.good:
        return "良"
    if t >= g.fair:
        return "中"
    return "差"


def grade_series(total: pd.Series, cfg: Config = DEFAULT) -> pd.Series:
    t = total.astype(float).round(2)
    g = cfg.grades
    out = np.select(
        [t >= g.excellent, t >= g.good, t >= g.fair, t.notna()],
        ["优", "良", "中", "差"],
        default=None,
    )
    return pd.Series(out, index=total.index, dtype=object)


def rate(numerator: pd.Series | float, denominator: pd.Series | float) -> pd.Series | float:
    """numerator / denominator × 100; NaN where the denominator is missing or not positive."""
    num = (
        pd.to_numeric(numerator, errors="coerce") if isinstance(numerator, pd.Series) else numerator
    )
    den = (
        pd.to_numeric(denominator, errors="coerce")
        if isinstance(denominator, pd.Series)
        else denominator
    )
    if isinstance(den, pd.Series) or isinstance(num, pd.Series):
        den_s = pd.Series(den) if not isinstance(den, pd.Series) else den
        return (num / den_s.where(den_s > 0)) * 100.0
    if den is None or num is None or not den or den <= 0:
        return float("nan")
    return float(num) / float(den) * 100.0


def exec_score(weight: pd.Series | float, exec_rate: pd.Series | float) -> pd.Series | float:
    """分值 × min(执行率, 100%) (RULES b.2); a negative rate scores 0."""
    if isinstance(exec_rate, pd.Series):
        return weight * exec_rate.clip(lower=0, upper=100) / 100.0
    if exec_rate is None or math.isnan(exec_rate):
        return float("nan")
    return float(weight) * min(max(float(exec_rate), 0.0), 100.0) / 100.0


def money_close(a: pd.Series, b: pd.Series, cfg: Config = DEFAULT) -> pd.Series:
    """|a − b| within 0.01 万元 or 1e-4 relative, whichever is larger (RULES b.8)."""
    tol = np.maximum(
        cfg.tolerance.money_abs, cfg.tolerance.money_rel * np.maximum(a.abs(), b.abs())
    )
    return (a - b).abs() <= tol + 1e-9


def score_tol(a: pd.Series, b: pd.Series, cfg: Config = DEFAULT) -> pd.Series:
    """0.1, or 0.01 when both numbers carry two decimals."""

    def fine(x: pd.Series) -> pd.Series:
        return ((x * 10).round(6) % 1).abs() > 1e-6

    return pd.Series(
        np.where(fine(a) & fine(b), cfg.tolerance.score_fine, cfg.tolerance.score), index=a.index
    )


def is_full(score: pd.Series, weight: pd.Series, cfg: Config = DEFAULT) -> pd.Series:
    return score >= weight - cfg.tolerance.full_eps


def qual_band(
    level: pd.Series, weight: pd.Series, cfg: Config = DEFAULT
) -> tuple[pd.Series, pd.Series]:
    """Allowed score interval of a qualitative level (RULES b.4): A [0.8w, w], B [0.6w, 0.8w), C [0, 0.6w)."""
    hi_share, lo_share = cfg.indicators.qual_bands
    lo = np.select(
        [level == "A", level == "B", level == "C"], [hi_share, lo_share, 0.0], default=np.nan
    )
    hi = np.select(
        [level == "A", level == "B", level == "C"], [1.0, hi_share, lo_share], default=np.nan
    )
    return pd.Series(lo, index=level.index) * weight, pd.Series(hi, index=level.index) * weight


def indicator_scores(ind: pd.DataFrame, cfg: Config = DEFAULT) -> pd.DataFrame:
    """Recompute every indicator's completion and score, vectorised (RULES b.3, b.4).

    Needs: direction, t_lo, t_hi, t_value, t_cmp, t_deadline, a_kind, a_value, a_qual, a_date,
    weight, score_reported. Returns: target_a (the number compared against), met, ratio,
    score_formula (quantitative), band_lo/band_hi (qualitative), score_calc and score_basis.
    """
    idx = ind.index
    d = ind["direction"].astype(object)
    w = pd.to_numeric(ind["weight"], errors="coerce")
    # b_value: the actual in the target's unit (derive converts scale and blanks incomparable units)
    b = pd.to_numeric(ind["b_value"] if "b_value" in ind else ind["a_value"], errors="coerce")
    lo = pd.to_numeric(ind["t_lo"], errors="coerce")
    hi = pd.to_numeric(ind["t_hi"], errors="coerce")
    if "t_range_lo" in ind:
        # an optimum range read off the 优 tier (hainan2011) replaces a bare point target
        lo = pd.to_numeric(ind["t_range_lo"], errors="coerce").fillna(lo)
        hi = pd.to_numeric(ind["t_range_hi"], errors="coerce").fillna(hi)
    tv = pd.to_numeric(ind["t_value"], errors="coerce")
    strict = ind["t_cmp"].isin([">", "<"])
    number = ind["a_kind"].eq("number") & b.notna()

    a_pos = tv.fillna(lo)
    a_neg = tv.fillna(hi)
    target_a = pd.Series(
        np.select([d.eq("pos") | d.eq("eq"), d.eq("neg")], [a_pos, a_neg], default=np.nan),
        index=idx,
    )
    b_clip = b.clip(lower=0)  # a negative actual is scored as 0 (I18)

    # --- met flags
    met_pos = np.where(strict, b > target_a, b >= target_a - 1e-9)
    met_neg = np.where(strict, b < target_a, b <= target_a + 1e-9)
    met_eq = (b - target_a).abs() <= 1e-9
    met_range = (b >= lo - 1e-9) & (b <= hi + 1e-9)
    deadline = pd.to_datetime(ind["t_deadline"], errors="coerce")
    done = pd.to_datetime(ind["a_date"], errors="coerce")
    met_date = done <= deadline
    quant = number & d.isin(["pos", "neg", "eq", "range"])
    met = pd.Series(
        np.select(
            [
                quant & d.eq("pos") & target_a.notna(),
                quant & d.eq("neg") & target_a.notna(),
                quant & d.eq("eq") & target_a.notna(),
                quant & d.eq("range") & lo.notna() & hi.notna(),
                d.eq("date") & deadline.notna() & done.notna(),
                ind["a_kind"].eq("qual"),
            ],
            [met_pos, met_neg, met_eq, met_range, met_date, ind["a_qual"].eq("A")],
            default=None,
        ),
        index=idx,
        dtype=object,
    )

    # --- quantitative formula scores
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_pos = b_clip / target_a
        ratio_neg = np.where(b_clip > 0, target_a / b_clip, np.inf)
        if cfg.indicators.neg_variant == "linear":
            neg_share = np.where(b_clip >= 2 * target_a, 0.0, 1 - (b_clip - target_a) / target_a)
        else:
            neg_share = ratio_neg
        eq_share = 1 - (b - target_a).abs() / target_a.abs()
        range_share = np.where(b_clip < lo, b_clip / lo, np.where(b_clip > hi, hi / b_clip, 1.0))
    zero_target = target_a.abs() < 1e-12
    share = np.select(
        [
            d.isin(["pos", "neg", "eq"]) & zero_target,  # RULES b.3 zero targets
            d.eq("pos") & met.eq(True),
            d.eq("pos"),
            d.eq("neg") & met.eq(True),
            d.eq("neg"),
            d.eq("eq") & met.eq(True),
            d.eq("eq"),
            d.eq("range"),
        ],
        [
            np.where(b <= 0, 1.0, 0.0),
            1.0,
            ratio_pos,
            1.0,
            neg_share,
            1.0,
            eq_share,
            range_share,
        ],
        default=np.nan,
    )
    share = pd.Series(share, index=idx).astype(float).clip(lower=0, upper=1)
    score_formula = (share * w).where(quant & target_a.notna() | (quant & d.eq("range")))
    # 时效 deadlines: full when on time; late without a plan length falls to the C band (RULES b.3)
    band_lo, band_hi = qual_band(ind["a_qual"], w, cfg)
    date_ok = d.eq("date") & met.notna()
    score_formula = score_formula.where(~date_ok, np.where(met.eq(True), w, np.nan))

    reported = pd.to_numeric(ind["score_reported"], errors="coerce")
    qual = ind["a_kind"].eq("qual") & band_lo.notna()
    # a qualitative score stands when it is inside its band; otherwise the band midpoint is the
    # expectation (RULES b.4: perfxl cannot know the exact score, only the interval)
    top_open = ind["a_qual"].isin(["B", "C"]).to_numpy()
    in_band = (reported >= band_lo - 1e-9) & pd.Series(
        np.where(top_open, reported < band_hi - 1e-9, reported <= band_hi + 1e-9), index=idx
    )
    qual_score = reported.where(in_band, (band_lo + band_hi) / 2)
    late_date = d.eq("date") & met.eq(False)
    hi_c = cfg.indicators.qual_bands[1] * w
    # late with no planned duration: the C band (RULES b.3); its midpoint when the score is outside it
    date_late_score = reported.where((reported >= 0) & (reported < hi_c - 1e-9), hi_c / 2)

    score_calc = score_formula.copy()
    basis = pd.Series(np.where(score_formula.notna(), "formula", None), index=idx, dtype=object)
    score_calc = score_calc.where(~qual, qual_score)
    basis = basis.where(~qual, "band")
    score_calc = score_calc.where(~late_date, date_late_score)
    basis = basis.where(~late_date, "band")
    keep = score_calc.isna() & w.notna()
    score_calc = score_calc.where(~keep, reported)
    basis = basis.where(~keep, "reported")
    na = ind.get("weight_na", pd.Series(False, index=idx)).fillna(False).astype(bool)
    score_calc = score_calc.where(~na, np.nan)
    basis = basis.where(~na, "n/a")

    with np.errstate(divide="ignore", invalid="ignore"):
        completion = np.select(
            [d.eq("pos") & (target_a > 0), d.eq("neg") & (b_clip > 0)],
            [b / target_a, target_a / b_clip],
            default=np.nan,
        )
    return pd.DataFrame(
        {
            "target_a": target_a,
            "met": met,
            "completion": pd.Series(completion, index=idx, dtype=float),
            "score_formula": score_formula,
            "band_lo": band_lo.where(qual),
            "band_hi": band_hi.where(qual),
            "score_calc": score_calc,
            "score_basis": basis,
        },
        index=idx,
    )


# ---------------------------------------------------------------- hainan2011: targets → 三级 items

# RULES b.5: which 三级 scoring item a target-table row answers to (used by I14, I15 and T09)
ITEM_QUANTITY, ITEM_QUALITY, ITEM_TIME, ITEM_COST = "产出数量", "产出质量", "产出时效", "产出成本"
ITEM_ECON, ITEM_SOCIAL, ITEM_ENV, ITEM_SUSTAIN = "经济效益", "社会效益", "环境效益", "可持续影响"
ITEM_SATISFACTION = "服务对象满意度"
# How a scoring-table row is recognised, whatever small variation of its label a form uses.
ITEM_LABEL_KEYS = (
    ("满意", ITEM_SATISFACTION),
    ("数量", ITEM_QUANTITY),
    ("质量", ITEM_QUALITY),
    ("时效", ITEM_TIME),
    ("成本", ITEM_COST),
    ("经济", ITEM_ECON),
    ("社会", ITEM_SOCIAL),
    ("环境|生态", ITEM_ENV),
    ("可持续", ITEM_SUSTAIN),
)
OUTPUT_KEYS = (  # checked in order: "及时率" is a 时效 indicator although it ends in 率
    ("成本|费用|单价", ITEM_COST),
    ("时间|及时|按时|进度|时效|周期|期限", ITEM_TIME),
    ("合格|达标|质量|率", ITEM_QUALITY),
)
BENEFIT_KEYS = (
    ("收入|销售|经济|利润|产值|税", ITEM_ECON),
    ("环境|生态|排放|节能|污染|绿化", ITEM_ENV),  # RULES b.5 has no row for it [I]
    ("持续|长效|稳定运行", ITEM_SUSTAIN),
)


def _txt(s: pd.Series) -> pd.Series:
    return s.where(s.notna(), "").astype(str)


def score_item_key(items: pd.DataFrame) -> pd.Series:
    """The 三级 item a scoring-table row stands for; None outside 项目产出/项目效益 (the 决策 and
    管理 items such as 到位时效 are judged on process, not on a target)."""
    text = _txt(items["level3"])
    level2, level1 = _txt(items["level2"]), _txt(items["level1"])
    performance = level2.str.contains("产出|效益") | (level2.eq("") & level1.str.contains("绩效"))
    conds = [performance & text.str.contains(pat) for pat, _ in ITEM_LABEL_KEYS]
    return pd.Series(
        np.select(conds, [k for _, k in ITEM_LABEL_KEYS], default=None),
        index=items.index,
        dtype=object,
    )


def target_score_items(ind: pd.DataFrame) -> pd.Series:
    """The 三级 scoring item each target row evidences (RULES b.5 mapping; [I])."""
    l1 = _txt(ind["level1"])
    words = (
        _txt(ind["name"])
        + " "
        + _txt(ind["unit"])
        + " "
        + _txt(ind["t_unit"])
        + " "
        + _txt(ind["a_unit"])
    )
    name = _txt(ind["name"])
    satisfaction = name.str.contains("满意") | l1.str.contains("满意")
    output = l1.str.contains("产出")
    cost_l1 = l1.str.contains("成本")
    benefit = l1.str.contains("成效|效益|效果|效率")
    conds = [satisfaction, cost_l1]
    choices = [ITEM_SATISFACTION, ITEM_COST]
    for pat, item in OUTPUT_KEYS:
        conds.append(output & words.str.contains(pat))
        choices.append(item)
    conds.append(output)
    choices.append(ITEM_QUANTITY)
    for pat, item in BENEFIT_KEYS:
        conds.append(benefit & name.str.contains(pat))
        choices.append(item)
    conds.append(benefit)
    choices.append(ITEM_SOCIAL)
    return pd.Series(np.select(conds, choices, default=None), index=ind.index, dtype=object)
