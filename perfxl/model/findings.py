"""Findings as data, and the rule catalogue: ids, severities, message templates (zh/en)."""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)
SEVERITY_ZH = {ERROR: "错误", WARNING: "警告", INFO: "提示"}
SEVERITY_RANK = {ERROR: 0, WARNING: 1, INFO: 2}

FAMILIES = {
    "R": ("读取", "reading"),
    "S": ("结构与分值", "structure and weights"),
    "F": ("资金", "funds"),
    "I": ("指标", "indicators"),
    "T": ("绩效标准", "tier standards"),
    "G": ("等次", "grade"),
    "N": ("报告正文", "narrative"),
    "M": ("基本信息", "metadata"),
    "D": ("部门与批次", "department and batch"),
}


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    severity: str  # default severity; a check may raise or lower it per finding (documented)
    scope: str  # "file" | "submission" | "row" | "department" | "batch"
    title_zh: str
    title_en: str
    message_zh: str  # str.format template with named fields
    message_en: str
    profiles: tuple[str, ...] = ("national2020", "hainan2011")
    severities: tuple[str, ...] = ()  # every severity the rule can emit, when more than one
    thresholds: tuple[str, ...] = ()  # config keys the rule reads
    blocking: bool = False  # a submission with this finding skips business rules
    not_implementable: str | None = None  # why the data cannot support the rule
    after: tuple[str, ...] = ()  # rules whose hits this composite rule reads (run after them)
    check: Callable[..., Any] | None = field(default=None, compare=False)

    @property
    def family(self) -> str:
        return self.id[0]


RULES: dict[str, RuleInfo] = {}


def declare(
    rule_id: str,
    severity: str,
    scope: str,
    title_zh: str,
    title_en: str,
    message_zh: str,
    message_en: str,
    **extra: Any,
) -> RuleInfo:
    """Register a rule's catalogue entry (its check, if any, is attached by `perfxl.checks`)."""
    if severity not in SEVERITIES:
        raise ValueError(f"{rule_id}: bad severity {severity!r}")
    info = RuleInfo(rule_id, severity, scope, title_zh, title_en, message_zh, message_en, **extra)
    existing = RULES.get(rule_id)
    if existing is not None and existing != info:
        raise ValueError(f"rule {rule_id} declared twice with different entries")
    RULES[rule_id] = info
    return info


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: str
    message: str
    message_en: str
    sub: str | None = None  # submission id
    sheet: str | None = None
    cell: str | None = None
    observed: Any = None
    expected: Any = None
    stake: float | None = None  # money or points at stake, for sorting the summary
    # context of findings that belong to no submission (a roster row, a department)
    department: str | None = None
    unit: str | None = None
    project: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "message": self.message,
            "message_en": self.message_en,
            "observed": _plain(self.observed),
            "expected": _plain(self.expected),
        }


class _Lenient(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_FORMATTER = string.Formatter()


def fmt_value(v: Any) -> str:
    """How a value reads inside a message: numbers without float noise, blanks as 空白."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "空白"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if v.is_integer():
            return str(int(v))
        return f"{v:.4f}".rstrip("0").rstrip(".")
    return str(v)


def render(template: str, params: Mapping[str, Any]) -> str:
    shown = _Lenient({k: fmt_value(v) for k, v in params.items()})
    try:
        return _FORMATTER.vformat(template, (), shown)
    except (ValueError, IndexError):
        return template


def make(
    rule_id: str,
    *,
    sub: str | None = None,
    sheet: str | None = None,
    cell: str | None = None,
    observed: Any = None,
    expected: Any = None,
    severity: str | None = None,
    stake: float | None = None,
    **params: Any,
) -> Finding:
    """Build a finding of a declared rule, rendering its zh/en messages from the named fields."""
    info = RULES[rule_id]
    values = {"observed": observed, "expected": expected, **params}
    return Finding(
        rule=rule_id,
        severity=severity or info.severity,
        message=render(info.message_zh, values),
        message_en=render(info.message_en, values),
        sub=sub,
        sheet=sheet,
        cell=cell,
        observed=_plain(observed),
        expected=_plain(expected),
        stake=stake,
        department=_opt_str(params.get("department")) if sub is None else None,
        unit=_opt_str(params.get("unit")) if sub is None else None,
        project=_opt_str(params.get("project")) if sub is None else None,
    )


def _opt_str(v: Any) -> str | None:
    return None if v is None else str(v)


def plain(v: Any, digits: int | None = None) -> Any:
    """A value as JSON-friendly data: numpy scalars unwrapped, NaN/NA → None, dates as ISO text,
    containers converted item by item; floats rounded to `digits` when given."""
    if v is None or v is pd_na():
        return None
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return round(v, digits) if digits is not None else v
    if isinstance(v, int | str | bool):
        return v
    if isinstance(v, dict):
        return {k: plain(x, digits) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [plain(x, digits) for x in v]
    if hasattr(v, "isoformat"):
        try:
            return v.isoformat()
        except ValueError:  # NaT
            return None
    return str(v)


def pd_na() -> Any:
    """pandas.NA without importing pandas here (findings are made in reader processes too)."""
    import sys

    pd = sys.modules.get("pandas")
    return pd.NA if pd is not None else None


def _plain(v: Any) -> Any:
    return plain(v, 6)
