"""The domain formulas (domain b.1–b.8), defined once and used by checks, summary and feedback."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from perfxl.checks.cells import as_floats, as_text
from perfxl.checks.config import DEFAULT, Config

GRADES = ("优", "良", "中", "差")


def grade(total: float | None, cfg: Config = DEFAULT) -> str | None:
    """优 ≥ 90 > 良 ≥ 80 > 中 ≥ 60 > 差, on the total rounded to 2 dp (domain b.1)."""
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
    """分值 × min(执行率, 100%) (domain b.2); a negative rate scores 0."""
    if isinstance(exec_rate, pd.Series):
        return weight * exec_rate.clip(lower=0, upper=100) / 100.0
    if exec_rate is None or math.isnan(exec_rate):
        return float("nan")
    return float(weight) * min(max(float(exec_rate), 0.0), 100.0) / 100.0


def money_close(a: pd.Series, b: pd.Series, cfg: Config = DEFAULT) -> pd.Series:
    """|a − b| within 0.01 万元 or 1e-4 relative, whichever is larger (domain b.8)."""
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
    """Allowed score interval of a qualitative level (domain b.4): A [0.8w, w], B [0.6w, 0.8w), C [0, 0.6w)."""
    hi_share, lo_share = cfg.indicators.qual_bands
    lo = np.select(
        [level == "A", level == "B", level == "C"], [hi_share, lo_share, 0.0], default=np.nan
    )
    hi = np.select(
        [level == "A", level == "B", level == "C"], [1.0, hi_share, lo_share], default=np.nan
    )
    return pd.Series(lo, index=level.index) * weight, pd.Series(hi, index=level.index) * weight


def _band_shares(level: np.ndarray, cfg: Config) -> tuple[np.ndarray, np.ndarray]:
    """qual_band's interval as shares of the weight, on plain arrays."""
    hi_share, lo_share = cfg.indicators.qual_bands
    a, b, c = level == "A", level == "B", level == "C"
    lo = np.select([a, b, c], [hi_share, lo_share, 0.0], default=np.nan)
    hi = np.select([a, b, c], [1.0, hi_share, lo_share], default=np.nan)
    return lo, hi


def indicator_scores(ind: pd.DataFrame, cfg: Config = DEFAULT) -> pd.DataFrame:
    """Recompute every indicator's completion and score, vectorised (domain b.3, b.4).

    Needs: direction, t_lo, t_hi, t_value, t_cmp, t_deadline, a_kind, a_value, a_qual, a_date,
    weight, score_reported. Returns: target_a (the number compared against), met, ratio,
    score_formula (quantitative), band_lo/band_hi (qualitative), score_calc and score_basis.

    Written on numpy arrays, not Series: the same arithmetic, without pandas' ~50 µs per
    operation that makes up most of a one-workbook `perfxl check`.
    """
    idx = ind.index
    v = _score_inputs(ind)
    met, met_true, met_known = _met(ind, v)
    score_formula = _formula_scores(v, met_true, met_known, cfg)
    score_calc, basis, qual, band_lo, band_hi = _scores_calc(
        ind, v, score_formula, met_true, met_known, cfg
    )
    return pd.DataFrame(
        {
            "target_a": v.target_a,
            "met": met,
            "completion": _completion(v).astype(float),
            "score_formula": score_formula,
            "band_lo": np.where(qual, band_lo, np.nan),
            "band_hi": np.where(qual, band_hi, np.nan),
            "score_calc": score_calc,
            # a Series of dtype object: pandas 3 would make an array of strings its str dtype
            "score_basis": pd.Series(basis, index=idx, dtype=object),
        },
        index=idx,
    )


@dataclass(frozen=True)
class _ScoreInputs:
    """The indicator columns indicator_scores works on, as plain arrays, and the target number."""

    pos: np.ndarray  # direction masks
    neg: np.ndarray
    eq: np.ndarray
    rng: np.ndarray
    date: np.ndarray
    w: np.ndarray  # weight
    b: np.ndarray  # the actual in the target's unit
    lo: np.ndarray  # target interval (an optimum range read off the 优 tier replaces it)
    hi: np.ndarray
    a_kind: np.ndarray
    a_qual: np.ndarray
    quant: np.ndarray  # a number against a quantitative direction
    target_a: np.ndarray  # the number compared against
    has_target: np.ndarray
    b_clip: np.ndarray  # the actual, a negative one as 0


def _score_inputs(ind: pd.DataFrame) -> _ScoreInputs:
    d = ind["direction"].to_numpy(dtype=object)
    pos, neg, eq, rng, date = (d == "pos"), (d == "neg"), (d == "eq"), (d == "range"), (d == "date")
    w = as_floats(ind["weight"])
    # b_value: the actual in the target's unit (derive converts scale and blanks incomparable units)
    b = as_floats(ind["b_value"] if "b_value" in ind else ind["a_value"])
    lo = as_floats(ind["t_lo"])
    hi = as_floats(ind["t_hi"])
    if "t_range_lo" in ind:
        # an optimum range read off the 优 tier (hainan2011) replaces a bare point target
        range_lo, range_hi = as_floats(ind["t_range_lo"]), as_floats(ind["t_range_hi"])
        lo = np.where(np.isnan(range_lo), lo, range_lo)
        hi = np.where(np.isnan(range_hi), hi, range_hi)
    tv = as_floats(ind["t_value"])
    a_kind = ind["a_kind"].to_numpy(dtype=object)
    a_qual = ind["a_qual"].to_numpy(dtype=object)
    number = (a_kind == "number") & ~np.isnan(b)

    target_a = np.select(
        [pos | eq, neg],
        [np.where(np.isnan(tv), lo, tv), np.where(np.isnan(tv), hi, tv)],
        default=np.nan,
    )
    return _ScoreInputs(
        pos=pos,
        neg=neg,
        eq=eq,
        rng=rng,
        date=date,
        w=w,
        b=b,
        lo=lo,
        hi=hi,
        a_kind=a_kind,
        a_qual=a_qual,
        quant=number & (pos | neg | eq | rng),
        target_a=target_a,
        has_target=~np.isnan(target_a),
        b_clip=np.maximum(b, 0.0),  # a negative actual is scored as 0 (I18); NaN stays NaN
    )


def _met(ind: pd.DataFrame, v: _ScoreInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether each target was met: (True/False/None, met as a bool, whether it was judged)."""
    b, target_a, lo, hi = v.b, v.target_a, v.lo, v.hi
    strict = ind["t_cmp"].isin([">", "<"]).to_numpy()
    met_pos = np.where(strict, b > target_a, b >= target_a - 1e-9)
    met_neg = np.where(strict, b < target_a, b <= target_a + 1e-9)
    met_eq = np.abs(b - target_a) <= 1e-9
    met_range = (b >= lo - 1e-9) & (b <= hi + 1e-9)
    deadline = pd.to_datetime(ind["t_deadline"], errors="coerce")
    done = pd.to_datetime(ind["a_date"], errors="coerce")
    met_date = (done <= deadline).to_numpy()
    quant = v.quant
    judged = [
        quant & v.pos & v.has_target,
        quant & v.neg & v.has_target,
        quant & v.eq & v.has_target,
        quant & v.rng & ~np.isnan(lo) & ~np.isnan(hi),
        v.date & deadline.notna().to_numpy() & done.notna().to_numpy(),
        v.a_kind == "qual",
    ]
    verdicts = [met_pos, met_neg, met_eq, met_range, met_date, v.a_qual == "A"]
    met = np.select(judged, verdicts, default=None)
    met_true = np.select(judged, verdicts, default=False).astype(bool)
    met_known = np.logical_or.reduce(judged)
    return met, met_true, met_known


def _formula_scores(
    v: _ScoreInputs, met_true: np.ndarray, met_known: np.ndarray, cfg: Config
) -> np.ndarray:
    """The quantitative formula score of each row (domain b.3), NaN where there is none."""
    pos, neg, eq, rng = v.pos, v.neg, v.eq, v.rng
    b, b_clip, target_a, lo, hi, w = v.b, v.b_clip, v.target_a, v.lo, v.hi, v.w
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_pos = b_clip / target_a
        ratio_neg = np.where(b_clip > 0, target_a / b_clip, np.inf)
        if cfg.indicators.neg_variant == "linear":
            neg_share = np.where(b_clip >= 2 * target_a, 0.0, 1 - (b_clip - target_a) / target_a)
        else:
            neg_share = ratio_neg
        eq_share = 1 - np.abs(b - target_a) / np.abs(target_a)
        range_share = np.where(b_clip < lo, b_clip / lo, np.where(b_clip > hi, hi / b_clip, 1.0))
    zero_target = np.abs(target_a) < 1e-12
    share = np.select(
        [
            (pos | neg | eq) & zero_target,  # domain b.3 zero targets
            pos & met_true,
            pos,
            neg & met_true,
            neg,
            eq & met_true,
            eq,
            rng,
        ],
        [np.where(b <= 0, 1.0, 0.0), 1.0, ratio_pos, 1.0, neg_share, 1.0, eq_share, range_share],
        default=np.nan,
    )
    share = np.clip(share.astype(float), 0.0, 1.0)
    quant = v.quant
    score_formula = np.where(quant & v.has_target | (quant & rng), share * w, np.nan)
    # 时效 deadlines: full when on time; late without a plan length falls to the C band (domain b.3)
    date_ok = v.date & met_known
    return np.where(date_ok, np.where(met_true, w, np.nan), score_formula)


def _scores_calc(
    ind: pd.DataFrame,
    v: _ScoreInputs,
    score_formula: np.ndarray,
    met_true: np.ndarray,
    met_known: np.ndarray,
    cfg: Config,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The score that counts and its basis (formula, band, reported, n/a), with the qualitative
    rows and their band: (score_calc, basis, qual, band_lo, band_hi)."""
    w, a_qual = v.w, v.a_qual
    lo_share, hi_share = _band_shares(a_qual, cfg)
    band_lo, band_hi = lo_share * w, hi_share * w

    reported = as_floats(ind["score_reported"])
    qual = (v.a_kind == "qual") & ~np.isnan(band_lo)
    # a qualitative score stands when it is inside its band; otherwise the band midpoint is the
    # expectation (domain b.4: perfxl cannot know the exact score, only the interval)
    top_open = (a_qual == "B") | (a_qual == "C")
    in_band = (reported >= band_lo - 1e-9) & np.where(
        top_open, reported < band_hi - 1e-9, reported <= band_hi + 1e-9
    )
    qual_score = np.where(in_band, reported, (band_lo + band_hi) / 2)
    late_date = v.date & met_known & ~met_true
    hi_c = cfg.indicators.qual_bands[1] * w
    # late with no planned duration: the C band (domain b.3); its midpoint when the score is outside it
    date_late_score = np.where((reported >= 0) & (reported < hi_c - 1e-9), reported, hi_c / 2)

    score_calc = score_formula
    basis = np.where(np.isnan(score_formula), None, "formula").astype(object)
    score_calc = np.where(qual, qual_score, score_calc)
    basis[qual] = "band"
    score_calc = np.where(late_date, date_late_score, score_calc)
    basis[late_date] = "band"
    keep = np.isnan(score_calc) & ~np.isnan(w)
    score_calc = np.where(keep, reported, score_calc)
    basis[keep] = "reported"
    na = (
        ind["weight_na"].fillna(False).astype(bool).to_numpy()
        if "weight_na" in ind
        else np.zeros(len(ind), dtype=bool)
    )
    score_calc = np.where(na, np.nan, score_calc)
    basis[na] = "n/a"
    return score_calc, basis, qual, band_lo, band_hi


def _completion(v: _ScoreInputs) -> np.ndarray:
    """Actual over target (target over actual for a negative indicator), NaN where undefined."""
    pos, neg, b, b_clip, target_a = v.pos, v.neg, v.b, v.b_clip, v.target_a
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.select(
            [pos & (target_a > 0), neg & (b_clip > 0)],
            [b / target_a, target_a / b_clip],
            default=np.nan,
        )


# ---------------------------------------------------------------- hainan2011: targets → 三级 items

# domain b.5: which 三级 scoring item a target-table row answers to (used by I14, I15 and T09)
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
    ("环境|生态|排放|节能|污染|绿化", ITEM_ENV),  # domain b.5 has no row for it
    ("持续|长效|稳定运行", ITEM_SUSTAIN),
)


def _per_distinct(columns: list[pd.Series], fn: object) -> pd.Series:
    """fn(*texts) once per distinct combination of the columns' texts, spread over the rows:
    a batch repeats the same labels thousands of times, and ~15 pandas string searches cost
    more than the rules that use them on a one-workbook batch."""
    texts = [as_text(c).to_numpy(dtype=object) for c in columns]
    seen: dict[tuple[str, ...], object] = {}
    out = []
    for key in zip(*texts, strict=True):
        if key not in seen:
            seen[key] = fn(*key)  # type: ignore[operator]
        out.append(seen[key])
    return pd.Series(out, index=columns[0].index, dtype=object)


def _item_of_label(level3: str, level2: str, level1: str) -> str | None:
    performance = re.search("产出|效益", level2) or (level2 == "" and "绩效" in level1)
    if not performance:
        return None
    return next((key for pat, key in ITEM_LABEL_KEYS if re.search(pat, level3)), None)


def score_item_key(items: pd.DataFrame) -> pd.Series:
    """The 三级 item a scoring-table row stands for; None outside 项目产出/项目效益 (the 决策 and
    管理 items such as 到位时效 are judged on process, not on a target)."""
    return _per_distinct([items["level3"], items["level2"], items["level1"]], _item_of_label)


def _item_of_target(level1: str, name: str, unit: str, t_unit: str, a_unit: str) -> str | None:
    if "满意" in name or "满意" in level1:
        return ITEM_SATISFACTION
    if "成本" in level1:
        return ITEM_COST
    if "产出" in level1:
        words = f"{name} {unit} {t_unit} {a_unit}"
        return next((item for pat, item in OUTPUT_KEYS if re.search(pat, words)), ITEM_QUANTITY)
    if re.search("成效|效益|效果|效率", level1):
        return next((item for pat, item in BENEFIT_KEYS if re.search(pat, name)), ITEM_SOCIAL)
    return None


def target_score_items(ind: pd.DataFrame) -> pd.Series:
    """The 三级 scoring item each target row evidences (domain b.5 mapping;): satisfaction
    first, then 成本, then 产出 by the words of its name and units (quantity when none says
    otherwise), then 效益 by its name (social when none does)."""
    columns = [ind[c] for c in ("level1", "name", "unit", "t_unit", "a_unit")]
    return _per_distinct(columns, _item_of_target)
