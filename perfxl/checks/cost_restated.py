"""F17: a 成本指标 that restates the project's whole spending (项目总成本, 资金总额 ≤ 260万元) with
a figure other than the 全年执行数 of the funds table.

Such an indicator is a copy of the funds table by design (I08 says it measures money, not an
output); what a careful officer must then check is that the copy agrees with the original.
Unit costs (单价, 人均, 每公里 …) are other quantities and never compared.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from perfxl.checks.engine import Ctx, hits, no_hits, rule
from perfxl.model.findings import fmt_value
from perfxl.read.grammar import MONEY_FACTORS
from perfxl.spec import NATIONAL_STYLE

# names of the whole spending, not of a cost per unit
_TOTAL_COST = re.compile(
    r"总成本|项目成本|总投资|资金总额|总支出|实际支出|支出总额|经费总额|资金支出"
)
_UNIT_COST = re.compile(r"单价|单位|人均|户均|亩均|平均|每|标准|/|／|率")
# a restatement is near the figure it copies: further off, it is another quantity
_NEAR = (0.5, 2.0)


def _wan(value: float, unit: object) -> float:
    factor = MONEY_FACTORS.get(unit) if isinstance(unit, str) else None
    return value * factor if factor is not None else np.nan


@rule(
    "F17",
    "warning",
    "row",
    "成本指标与执行数不符",
    "cost indicator differs from the spending it restates",
    "成本指标「{name}」的实际完成值为 {observed} 万元，与资金表全年执行数 {expected} 万元不一致；"
    "请核对哪一个数字是对的。",
    "The cost indicator “{name}” reports {observed} 万元 as its actual, but the funds table's "
    "全年执行数 is {expected} 万元; check which figure is right.",
    thresholds=("tolerance.money_abs", "tolerance.money_rel"),
)
def f17_cost_restated(ctx: Ctx) -> pd.DataFrame:
    ind = ctx.indicators
    if ind.empty or "a_value" not in ind:
        return no_hits("name")
    names = ind["name"].fillna("").astype(str)
    cost = ind["level2"].fillna("").astype(str).str.contains("成本")
    whole = names.str.contains(_TOTAL_COST) & ~names.str.contains(_UNIT_COST)
    cand = (cost & whole).to_numpy()
    if not cand.any():
        return no_hits("name")
    rows = ind[cand]
    actual = np.array(
        [
            _wan(float(v), u) if v is not None and v == v else np.nan
            for v, u in zip(
                pd.to_numeric(rows["a_value"], errors="coerce"), rows["a_unit"], strict=True
            )
        ]
    )
    res = ctx.results.reindex(rows["sub"])
    national = res["profile"].isin(NATIONAL_STYLE).to_numpy()
    spent = pd.to_numeric(res["executed_wan"], errors="coerce").to_numpy(dtype=float)
    tol = np.maximum(ctx.cfg.tolerance.money_abs, ctx.cfg.tolerance.money_rel * np.abs(spent))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = actual / spent
        bad = national & (np.abs(actual - spent) > tol) & (ratio >= _NEAR[0]) & (ratio <= _NEAR[1])
    if not bad.any():
        return no_hits("name")
    rows = rows[bad]
    return hits(
        rows,
        sheet=rows["sheet"],
        cell=rows["actual_cell"],
        name=rows["name"],
        observed=[fmt_value(round(x, 2)) for x in actual[bad]],
        expected=[fmt_value(round(x, 2)) for x in spent[bad]],
        stake=np.round(np.abs(actual[bad] - spent[bad]), 2),
    )
