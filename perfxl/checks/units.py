"""Units of targets and actuals: which can be compared, and at what scale (I06, scoring)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from perfxl.checks.cells import as_text
from perfxl.read import grammar as parse


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _quant_actual(ind: pd.DataFrame) -> pd.Series:
    return ind["a_kind"].eq("number") & pd.to_numeric(ind["a_value"], errors="coerce").notna()


# family → sub-dimension → factor to the sub-dimension's base
_COUNT_WORDS = _words(
    "个 项 件 条 套 台 处 座 家 所 份 本 册 篇 批 批次 场 期 间 辆 部 班 张 棵 株 只 头 次 单 票 笔 "
    "宗 起 例 种 类 门 节 课时 学时 个次 场次"
)
UNIT_BASE: dict[str, tuple[str, str, float]] = {
    **{w: ("count", "count", 1.0) for w in _COUNT_WORDS},
    **{w: ("count", "person", 1.0) for w in ("人", "名", "位")},
    "人次": ("count", "person_time", 1.0),
    "户": ("count", "household", 1.0),
    "元": ("money", "money", 1.0),
    **{w: ("time", "time", 1.0) for w in ("天", "日", "工作日", "个工作日")},
    "周": ("time", "time", 7.0),
    **{w: ("time", "time", 30.0) for w in ("月", "个月")},
    "季度": ("time", "time", 91.0),
    "年": ("time", "time", 365.0),
    "小时": ("time", "time", 1 / 24),
    "分钟": ("time", "time", 1 / 1440),
    **{w: ("length", "length", 1.0) for w in ("米", "m")},
    **{w: ("length", "length", 1000.0) for w in ("公里", "千米", "km")},
    **{w: ("area", "area", 1.0) for w in ("平方米", "㎡", "m2")},
    "亩": ("area", "area", 10000 / 15),
    "公顷": ("area", "area", 1e4),
    "平方公里": ("area", "area", 1e6),
    "克": ("mass", "mass", 1.0),
    **{w: ("mass", "mass", 1e3) for w in ("千克", "公斤", "kg")},
    "吨": ("mass", "mass", 1e6),
    "分": ("points", "points", 1.0),
}
UNIT_PREFIX = (("亿", 1e8), ("千万", 1e7), ("百万", 1e6), ("十万", 1e5), ("万", 1e4), ("千", 1e3))
PERCENT_UNITS = frozenset(("%", "百分比", "百分点", "个百分点"))


def target_unit(ind: pd.DataFrame) -> pd.Series:
    t_unit = ind["t_unit"].where(ind["t_unit"].notna() & as_text(ind["t_unit"]).ne(""))
    return t_unit.fillna(ind["unit"].where(as_text(ind["unit"]).ne("")))


def unit_dimension(unit: object) -> tuple[str, str, float] | None:
    """(family, sub-dimension, factor) of a unit: "万人次" -> ("count", "person_time", 1e4)."""
    if not isinstance(unit, str):
        return None
    u = re.sub(r"\s+", "", parse.normalize(unit))
    if not u:
        return None
    if u in PERCENT_UNITS:
        return ("percent", "percent", 1.0)
    if u in UNIT_BASE:
        return UNIT_BASE[u]
    for prefix, factor in UNIT_PREFIX:
        base = UNIT_BASE.get(u.removeprefix(prefix)) if u.startswith(prefix) else None
        if base is not None:
            return (base[0], base[1], base[2] * factor)
    return None


def unit_mismatch(ind: pd.DataFrame) -> pd.Series:
    """Per row: "dimension" (% vs 个), "basis" (人 vs 人次), "scale" (人 vs 万人) or None, comparing
    the target's unit (or the 计量单位 column) with the unit written in the actual."""
    return compare_units(ind)[0]


def scale_factor(ind: pd.DataFrame) -> pd.Series:
    """Factor that brings the actual into the target's unit where they differ only in scale
    (人 vs 万人, 元 vs 万元); 1.0 elsewhere."""
    return compare_units(ind)[1]


def compare_units(ind: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(unit_mismatch, scale_factor) in one pass: both start from the same target and actual
    units, and each pandas call costs ~0.1 ms on the small batch of a single `perfxl check`."""
    t_unit = target_unit(ind)
    a_unit = ind["a_unit"].where(as_text(ind["a_unit"]).ne(""))
    mismatch = pd.Series(None, index=ind.index, dtype=object)
    factor = pd.Series(1.0, index=ind.index)
    both = (t_unit.notna() & a_unit.notna()).to_numpy()
    if not both.any():
        return mismatch, factor
    t_both, a_both = t_unit.to_numpy()[both], a_unit.to_numpy()[both]
    # a handful of distinct units per batch: look each up once
    dims = {u: unit_dimension(u) for u in pd.unique(np.concatenate([t_both, a_both]))}
    td = [dims[u] for u in t_both]
    ad = [dims[u] for u in a_both]
    fac_t = np.array([d[2] if d else math.nan for d in td], dtype=float)
    fac_a = np.array([d[2] if d else math.nan for d in ad], dtype=float)
    ratio = fac_a / fac_t
    factor[both] = np.where(np.isnan(ratio), 1.0, ratio)

    known = np.array([t is not None and a is not None for t, a in zip(td, ad, strict=True)])
    family = known & np.array([bool(t and a and t[0] != a[0]) for t, a in zip(td, ad, strict=True)])
    basis = (
        known
        & ~family
        & np.array([bool(t and a and t[1] != a[1]) for t, a in zip(td, ad, strict=True)])
    )
    with np.errstate(invalid="ignore"):
        scale = known & ~family & ~basis & (np.abs(fac_t / fac_a - 1) > 1e-9)
    kind = np.select([family, basis, scale], ["dimension", "basis", "scale"], default=None)
    # the mismatch only speaks of numeric actuals (a text actual has no unit to compare)
    quant = _quant_actual(ind).to_numpy()[both]
    mismatch[both] = np.where(quant, kind, None)
    return mismatch, factor
