"""The sample resolved as the template's formulas would: fund rows, indicators, totals, printed values."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(slots=True)
class FundRow:
    initial: object
    annual: object
    executed: object
    weight: object
    rate: object  # a fraction (0.9765), a text the unit typed, or None for a blank cell
    score: object
    note: object
    computed: bool  # amounts, rate and score are the template's formulas, not typed values


@dataclass(slots=True)
class Form:
    fields: dict[str, Any]
    year: int | None
    funds: list[FundRow]
    indicators: list[dict[str, Any]]
    weight_total: float
    total: object
    total_computed: bool
    grade: object
    money_unit: str
    factor: float  # multiply 万元 amounts by this for the printed unit


def num(v: object) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    return None


def _grade(total: float) -> str:
    if total >= 90:
        return "优"
    if total >= 80:
        return "良"
    if total >= 60:
        return "中"
    return "差"


def resolve_form(sample: Mapping[str, Any]) -> Form:
    """Resolve the sample the way the template's formulas would: typed values win over formulas."""
    opts: Mapping[str, Any] = sample.get("foreign", {})
    fields = dict(sample.get("fields", {}))
    tables: Mapping[str, Any] = sample.get("tables", {})
    money_unit = opts.get("money_unit", "元" if opts.get("style") == "yunnan" else "万元")
    factor = 10000.0 if money_unit == "元" else 1.0

    given = [dict(r or {}) for r in tables.get("funds", [])]
    given += [{} for _ in range(4 - len(given))]
    funds: list[FundRow] = []
    for i, row in enumerate(given[:4]):
        amounts: dict[str, object] = {}
        for key in ("initial_budget", "annual_budget", "executed"):
            if key in row or i > 0:
                amounts[key] = row.get(key)
            else:
                nums = [num(r.get(key)) for r in given[1:4]]
                amounts[key] = sum(x for x in nums if x is not None)
        annual, executed = num(amounts["annual_budget"]), num(amounts["executed"])
        calc_rate = executed / annual if annual and executed is not None else None
        weight: object = row.get("weight", 10 if i == 0 else "—")
        if "rate" in row:
            rate = row["rate"]
        else:
            rate = calc_rate
        if i == 0:
            if "score" in row:
                score = row["score"]
            elif calc_rate is not None and num(weight) is not None:
                score = float(num(weight) or 0) * min(1.0, calc_rate)
            else:
                score = None
        else:
            score = row.get("score", "—")
        computed = i == 0 and not any(
            k in row for k in ("initial_budget", "annual_budget", "executed", "rate", "score")
        )
        funds.append(
            FundRow(
                amounts["initial_budget"],
                amounts["annual_budget"],
                amounts["executed"],
                weight,
                rate,
                score,
                row.get("note"),
                computed,
            )
        )

    indicators = [dict(r) for r in tables.get("indicators", []) if r]
    exec_weight = num(funds[0].weight) or 0.0
    weight_total = exec_weight + sum(num(r.get("weight")) or 0.0 for r in indicators)
    total_computed = "total_reported" not in fields
    if total_computed:
        total: object = (num(funds[0].score) or 0.0) + sum(
            num(r.get("score")) or 0.0 for r in indicators
        )
    else:
        total = fields["total_reported"]
    if "grade_reported" in fields:
        grade = fields["grade_reported"]
    else:
        grade = _grade(float(total)) if num(total) is not None else ""  # type: ignore[arg-type]
    year = fields.get("fiscal_year")
    return Form(
        fields=fields,
        year=int(year) if isinstance(year, int | float) else None,
        funds=funds,
        indicators=indicators,
        weight_total=weight_total,
        total=total,
        total_computed=total_computed,
        grade=grade,
        money_unit=money_unit,
        factor=factor,
    )


def money(form: Form, v: object) -> object:
    x = num(v)
    if x is None or form.factor == 1.0:
        return v
    return round(x * form.factor, 2)


def weight_label(x: object) -> str:
    """A weight as printed in a label: 50, not 50.0."""
    v = num(x)
    if v is None:
        return "" if x is None else str(x)
    return str(int(v)) if v.is_integer() else f"{v:g}"


def as_date(v: object) -> object:
    if isinstance(v, str) and _ISO_DATE.match(v):
        return dt.date.fromisoformat(v)
    return v


def cn_date(v: object) -> str:
    d = as_date(v)
    if isinstance(d, dt.date):
        return f"{d.year}年{d.month}月{d.day}日"
    return "" if d is None else str(d)


def target_with_unit(row: Mapping[str, Any]) -> object:
    """Forms without a unit column carry the unit inside the target text ("≥4800平方米")."""
    target, unit = row.get("target"), row.get("unit")
    if isinstance(target, str) and unit and target and target[-1].isdigit():
        return target + str(unit)
    return target


def indicator_blocks(
    indicators: Sequence[dict[str, Any]],
) -> list[tuple[str, list[tuple[str, list[dict[str, Any]]]]]]:
    """Consecutive runs of 一级, and of 二级 inside them, as printed with merged cells."""
    out: list[tuple[str, list[tuple[str, list[dict[str, Any]]]]]] = []
    for row in indicators:
        l1, l2 = row.get("level1") or "", row.get("level2") or ""
        if not out or out[-1][0] != l1:
            out.append((l1, []))
        level2s = out[-1][1]
        if not level2s or level2s[-1][0] != l2:
            level2s.append((l2, []))
        level2s[-1][1].append(row)
    return out


def block_weight(level2s: Sequence[tuple[str, list[dict[str, Any]]]]) -> float:
    return sum(num(r.get("weight")) or 0.0 for _, rows in level2s for r in rows)
