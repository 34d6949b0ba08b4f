"""Indicator rules on what an indicator is measured in: I21 its name and its unit disagree."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from perfxl.checks.engine import Ctx, hits, no_hits, rule

# a rate is a share: measured in % (or 百分比), never in people, things or money
_RATE_NAME = re.compile(r"(?:率|比例|占比|满意度)(?:[(（].*[)）])?$")
_COUNT_UNITS = frozenset(
    [
        "人",
        "个",
        "次",
        "件",
        "户",
        "所",
        "名",
        "项",
        "场",
        "台",
        "套",
        "座",
        "家",
        "处",
        "条",
        "辆",
        "只",
        "头",
        "株",
        "人次",
        "户次",
        "公里",
        "千米",
        "米",
        "亩",
        "公顷",
        "吨",
        "万元",
        "元",
        "亿元",
        "天",
        "日",
        "月",
        "年",
        "小时",
    ]
)
_PERCENT_UNITS = frozenset(("%", "％", "‰", "百分比", "百分点"))


def fitting_unit(name: object, unit: object) -> str | None:
    """The unit the name calls for when the given one does not fit it; None when it fits."""
    if not isinstance(name, str) or not isinstance(unit, str):
        return None
    n, u = name.strip(), unit.strip()
    if not n or not u:
        return None
    if "人数" in n and u in ("人次", "次"):
        return "人"  # person-times count one person again and again
    if "人次" in n and u == "人":
        return "人次"
    if _RATE_NAME.search(n) and u in _COUNT_UNITS:
        return "%"
    if u in _PERCENT_UNITS and re.search(r"(?:人数|次数|个数|数量|面积|长度|金额)$", n):
        return "数量单位"
    return None


@rule(
    "I21",
    "warning",
    "row",
    "指标名称与计量单位不符",
    "indicator name and unit disagree",
    "「{name}」的计量单位是“{observed}”，与指标名称不符（按名称应为“{expected}”）；"
    "请核对指标值和实际完成值是按哪种口径填写的。",
    "“{name}” is measured in “{observed}”, which does not fit its name (it calls for "
    "“{expected}”); check which measure the target and the actual were written in.",
)
def i21_name_unit(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    if ind.empty:
        return no_hits("name")
    # the 计量单位 column, else the unit the target text carries (≥735人次)
    unit = ind["unit"].where(ind["unit"].notna(), ind["t_unit"])
    fits = [fitting_unit(n, u) for n, u in zip(ind["name"], unit, strict=True)]
    want = np.array(fits, dtype=object)
    bad = pd.notna(want)
    if not bad.any():
        return no_hits("name")
    rows = ind[bad]
    cell = rows["unit_cell"] if "unit_cell" in rows else rows["target_cell"]
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=cell.where(cell.notna(), rows["target_cell"]),
        name=rows["name"],
        observed=unit[bad],
        expected=want[bad],
    )
