"""Money amounts in 万元 and the money unit a label declares."""

from __future__ import annotations

import re
from dataclasses import dataclass

from perfxl.read.grammar.numbers import parse_number
from perfxl.read.grammar.text import _raw, normalize

MONEY_FACTORS: dict[str, float] = {
    "元": 1e-4,
    "千元": 0.1,
    "万元": 1.0,
    "万": 1.0,
    "百万元": 100.0,
    "千万元": 1000.0,
    "亿元": 1e4,
    "亿": 1e4,
}
_MONEY_CANON = {"万": "万元", "亿": "亿元", "圆": "元", "人民币元": "元"}


def _canon_money_unit(u: str | None) -> str | None:
    if not u:
        return None
    u = u.removesuffix("整").removesuffix("正")
    u = _MONEY_CANON.get(u, u)
    return u if u in MONEY_FACTORS else None


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in 万元 with the unit that was applied and where it came from."""

    value_wan: float | None
    raw: str
    unit: str
    unit_source: str
    note: str | None = None


_MONEY_UNIT = r"(百万元|千万元|千元|万元|亿元|元|万|亿)"
_LABEL_UNIT_RE = re.compile(
    rf"[(\[【]\s*(?:单位\s*:?\s*)?(?:人民币\s*)?{_MONEY_UNIT}\s*[)\]】]"
    rf"|单位\s*:?\s*(?:人民币\s*)?{_MONEY_UNIT}(?![^\W\d_])"
)


def money_unit_from_label(x: object) -> str | None:
    """The money unit a header or label declares: "项目资金（万元）" -> "万元"; None if none."""
    m = _LABEL_UNIT_RE.search(normalize(x))
    if not m:
        return None
    return _canon_money_unit(m.group(1) or m.group(2))


def _to_wan(value: float, unit: str) -> float:
    factor = MONEY_FACTORS[unit]
    # dividing by an exact integer keeps 387664.62 元 -> 38.766462, not 38.766462000000004
    return value * factor if factor >= 1 else value / round(1 / factor)


def parse_money(x: object, default_unit: str = "万元") -> Money:
    """An amount in 万元; a unit written in the cell overrides the label's default_unit."""
    raw = _raw(x)
    default = _canon_money_unit(default_unit)
    note_default = None if default else "unknown_default_unit"
    default = default or "万元"
    n = parse_number(x)
    if n.value is None:
        return Money(None, raw, default, "label", n.note or note_default)
    if n.percent:
        return Money(None, raw, default, "label", "not_money")
    if n.unit is None:
        return Money(_to_wan(n.value, default), raw, default, "label", n.note or note_default)
    cell_unit = _canon_money_unit(n.unit)
    if cell_unit is None:
        return Money(None, raw, n.unit, "cell", "not_money")
    return Money(_to_wan(n.value, cell_unit), raw, cell_unit, "cell", n.note)
