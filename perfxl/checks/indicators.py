"""Indicator rules (I), the values as read: units that differ (I06), rates outside 0–100 % (I12),
a percent assumed (I13), a negative actual (I18), non-standard numbers converted (N06); and the
views of the indicator frame (masks and numeric columns, memoised per run) every I rule reads."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from perfxl.checks.cells import as_numbers, as_text
from perfxl.checks.engine import Ctx, field_cell, hits, map_distinct, no_hits, rule
from perfxl.checks.units import target_unit as _target_unit
from perfxl.checks.units import unit_mismatch
from perfxl.spec import NATIONAL_STYLE, PROFILE_IDS, get_profile


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NATIONAL = NATIONAL_STYLE  # national2020, department2020: the per-indicator 分值/得分 columns

# Target kinds that carry a number (or a deadline) a completion can be measured against.
QUANT_TARGETS = ("point", "cmp", "range")
MEASURABLE_TARGETS = (*QUANT_TARGETS, "date")
# Rates that cannot leave 0–100 % by construction (a 完成率 or 增长率 can).
BOUNDED_RATE_WORDS = _words(
    "满意度 满意率 合格率 覆盖率 保障率 达标率 及时率 知晓率 准确率 正确率 通过率 普及率 入学率 "
    "巩固率 参保率 到位率 执行率 支付率 合规率 完好率 优良率 出勤率 成活率 验收率 办结率 占比 比例"
)
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


# ------------------------------------------------------------------------------ I06


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


# ------------------------------------------------------------------------------ I12 – I13


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


# ------------------------------------------------------------------------------ I18


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
    return {f.key: f.label for profile in PROFILE_IDS for _, f in get_profile(profile).fields()}


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
