"""Indicator rules on what an indicator is measured in: I21 its name and its unit disagree, I23
its 其中 rows count in another unit than it (只 + 头)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from perfxl.checks.engine import Ctx, hits, no_hits, rule
from perfxl.read import grammar as parse

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


def breakdown_units(parent_unit: object, breakdown: object) -> tuple[list[str], int] | None:
    """The units of a parent and its 其中 rows when they are not one unit (only + 头), with the
    index of the first 其中 row that differs; None when they agree or say no unit."""
    if not isinstance(breakdown, list) or not breakdown:
        return None
    units: list[str] = []
    first = isinstance(parent_unit, str) and parent_unit.strip() or None
    if first:
        units.append(first)
    differs = -1
    for k, part in enumerate(breakdown):
        unit = parse.parse_target(part.get("actual")).unit if isinstance(part, dict) else None
        if not unit:
            continue
        if units and unit not in units and differs < 0:
            differs = k
        if unit not in units:
            units.append(unit)
    if len(units) < 2 or differs < 0:
        return None
    return units, differs


@rule(
    "I23",
    "warning",
    "row",
    "其中项计量单位不一",
    "breakdown rows in different units",
    "「{name}」及其“其中”项的计量单位不一（{observed}），合计或分项没有可比性；请统一单位，"
    "或分列为不同指标。",
    "“{name}” and its breakdown rows are in different units ({observed}); neither the total nor "
    "the parts compare. Use one unit, or make them separate indicators.",
)
def i23_breakdown_units(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    if ind.empty or "breakdown" not in ind:
        return no_hits("name")
    has = ind["breakdown"].map(lambda b: isinstance(b, list) and bool(b)).to_numpy()
    if not has.any():
        return no_hits("name")
    rows = ind[has]
    unit = rows["t_unit"].where(rows["t_unit"].notna(), rows["unit"])
    found = [breakdown_units(u, b) for u, b in zip(unit, rows["breakdown"], strict=True)]
    bad = np.array([f is not None for f in found], dtype=bool)
    if not bad.any():
        return no_hits("name")
    rows = rows[bad]
    found = [f for f in found if f is not None]
    # the cell of the first 其中 row that changes unit, in the 实际完成值 column
    cells = [
        re.sub(r"\d+$", str(b[k]["row"]), str(c)) if isinstance(c, str) else None
        for c, b, (_, k) in zip(rows["actual_cell"], rows["breakdown"], found, strict=True)
    ]
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=cells,
        name=rows["name"],
        observed=["、".join(u) for u, _ in found],
    )


# the target units a bare actual is read in without a second thought: a % target's 95 is 95 %
_UNITLESS_OK = frozenset(("%", "％", "百分比"))


@rule(
    "I24",
    "info",
    "row",
    "实际完成值未写单位",
    "actual value without its unit",
    "「{name}」的实际完成值“{observed}”未写单位，已按年度指标值的单位“{expected}”理解并计分；"
    "请补写单位，以免口径不清。",
    "The actual of “{name}”, “{observed}”, has no unit; it was read in the target's unit "
    "“{expected}” and scored so — write the unit, so the measure is clear.",
)
def i24_bare_actual(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    if ind.empty or "a_unit" not in ind:
        return no_hits("name")
    t_unit = ind["t_unit"].where(ind["t_unit"].notna(), ind["unit"])
    bare = (
        ind["a_kind"].eq("number")
        & ind["a_unit"].isna()
        & ~ind["a_percent"].fillna(False).astype(bool)
        & t_unit.notna()
        & ~t_unit.isin(_UNITLESS_OK)
        & ~ind["t_percent"].fillna(False).astype(bool)
        & ind["unit"].isna()  # a 计量单位 column says the unit for both
    ).to_numpy()
    if not bare.any():
        return no_hits("name")
    rows = ind[bare]
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["actual_cell"],
        name=rows["name"],
        observed=rows["actual_raw"],
        expected=t_unit[bare],
    )
