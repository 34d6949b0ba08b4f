"""Thresholds and formula variants: defaults follow 财预〔2020〕10号; a TOML file overrides them."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class Grades:
    excellent: float = 90.0  # 优 ≥ 90
    good: float = 80.0  # 良 ≥ 80
    fair: float = 60.0  # 中 ≥ 60, below is 差


@dataclass(frozen=True)
class Tolerance:
    money_abs: float = 0.01  # 万元
    money_rel: float = 1e-4
    rate_pp: float = 0.05  # percentage points
    score: float = 0.1
    score_fine: float = 0.01  # when both numbers carry two decimals
    full_eps: float = 0.005  # "is full score": score ≥ w − eps


@dataclass(frozen=True)
class Execution:
    weight: float = 10.0  # 预算执行率分值 (Hubei uses 20)
    denominator: str = "annual_budget"  # or "initial_budget"
    warn_below: float = 90.0  # F08
    full_score_below: float = 90.0  # F11
    excellent_below: float = 80.0  # G02


@dataclass(frozen=True)
class Indicators:
    over_completion: float = 1.3  # I05, positive indicators (B ≥ 1.3·A)
    under_completion_neg: float = 0.7  # I05, negative indicators (B ≤ 0.7·A)
    neg_variant: str = "ratio"  # "ratio": w·A/B; "linear": w·(1 − (B−A)/A)
    qual_bands: tuple[float, float] = (0.8, 0.6)  # A ≥ 0.8w > B ≥ 0.6w > C (Hubei: 0.8, 0.5)
    quant_share_min: float = 50.0  # I19, percent of indicators
    copy_min_count: int = 3  # I16
    level1_weights: tuple[float, float, float, float] = (
        10.0,
        50.0,
        30.0,
        10.0,
    )  # S06: 执行率, 产出, 效益, 满意度
    output_benefit_min_share: float = 60.0  # S07


@dataclass(frozen=True)
class GradeChecks:
    unmet_weight_share: float = 10.0  # G03
    recheck_gap: float = 10.0  # G04
    excellent_share: float = 90.0  # G05 and D04
    near_margin: float = 0.5  # G06
    inflated_min_total: float = 90.0  # G07
    inflated_min_signals: int = 2  # G07
    listed_full_min_items: int = 5  # G09: a cut form lists at least this many scored items


@dataclass(frozen=True)
class Funds:
    magnitude_ratio_lo: float = 5000.0  # F07
    magnitude_ratio_hi: float = 20000.0
    max_project_wan: float = 1e6


@dataclass(frozen=True)
class Department:
    min_projects: int = 5  # D04
    min_score_stdev: float = 2.0
    basic_rate_low: float = 90.0  # F21: 基本支出 execution rate (部门整体支出 form) below this
    basic_rate_high: float = 100.0  # F21: … or above this


@dataclass(frozen=True)
class Tiers:
    # optional tier → share of the weight mapping (domain b.5); used only to report an expectation
    score_map: tuple[float, float, float, float] = (1.0, 0.8, 0.6, 0.0)


@dataclass(frozen=True)
class Findings:
    # a rule firing this many times on one form is told once, naming its cells (0: never group)
    group_at: int = 3


@dataclass(frozen=True)
class PreviousYear:
    # this year's form against last year's (Y rules, `perfxl run --previous`)
    name_similarity: float = 0.8  # a project or indicator name this close to last year's matches
    text_similarity: float = 0.9  # Y04: a paragraph this close to last year's is a copy
    text_min_chars: int = 20  # Y04: shorter texts ("无", "已完成") are not compared
    copied_min_indicators: int = 3  # Y02/Y03: matched indicators needed to call a set copied
    budget_change_share: float = 50.0  # Y05: a budget change above this % needs a 说明
    execution_change_pp: float = 5.0  # Y07: execution "unchanged" within this many points


@dataclass(frozen=True)
class Config:
    grades: Grades = field(default_factory=Grades)
    tolerance: Tolerance = field(default_factory=Tolerance)
    execution: Execution = field(default_factory=Execution)
    indicators: Indicators = field(default_factory=Indicators)
    grade_checks: GradeChecks = field(default_factory=GradeChecks)
    funds: Funds = field(default_factory=Funds)
    department: Department = field(default_factory=Department)
    tiers: Tiers = field(default_factory=Tiers)
    findings: Findings = field(default_factory=Findings)
    previous_year: PreviousYear = field(default_factory=PreviousYear)
    source: str = "defaults"  # where the configuration came from

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in out.items()}

    def flat(self) -> dict[str, Any]:
        """ "section.key" -> value, for the 规则说明/运行信息 sheets."""
        out: dict[str, Any] = {}
        for sec in dataclasses.fields(self):
            if sec.name == "source":
                continue
            for f in dataclasses.fields(getattr(self, sec.name)):
                v = getattr(getattr(self, sec.name), f.name)
                out[f"{sec.name}.{f.name}"] = list(v) if isinstance(v, tuple) else v
        return out


_CHOICES = {
    ("execution", "denominator"): ("annual_budget", "initial_budget"),
    ("indicators", "neg_variant"): ("ratio", "linear"),
}


def _coerce(section: str, key: str, default: Any, value: Any) -> Any:
    where = f"[{section}] {key}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: 应为 true/false")
        return value
    if isinstance(default, int) and not isinstance(default, bool):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{where}: 应为整数")
        return value
    if isinstance(default, float):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ConfigError(f"{where}: 应为数字")
        return float(value)
    if isinstance(default, tuple):
        if not isinstance(value, list) or len(value) != len(default):
            raise ConfigError(f"{where}: 应为 {len(default)} 个数字的列表")
        if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value):
            raise ConfigError(f"{where}: 列表中应全为数字")
        return tuple(float(x) for x in value)
    if isinstance(default, str):
        allowed = _CHOICES.get((section, key))
        if not isinstance(value, str) or (allowed and value not in allowed):
            raise ConfigError(f"{where}: 应为 {' / '.join(allowed or ('文本',))}")
        return value
    raise ConfigError(f"{where}: 不支持的类型")


def from_mapping(data: dict[str, Any], source: str = "mapping") -> Config:
    """Build a Config from nested dicts; unknown sections or keys are errors, never ignored."""
    base = Config()
    sections = {f.name: f for f in dataclasses.fields(Config) if f.name != "source"}
    updates: dict[str, Any] = {}
    for name, values in data.items():
        if name not in sections:
            raise ConfigError(f"未知的配置节 [{name}]（可用：{', '.join(sections)}）")
        if not isinstance(values, dict):
            raise ConfigError(f"[{name}] 应为一个配置节")
        current = getattr(base, name)
        known = {f.name for f in dataclasses.fields(current)}
        changes: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise ConfigError(
                    f"[{name}] 中未知的配置项 {key!r}（可用：{', '.join(sorted(known))}）"
                )
            changes[key] = _coerce(name, key, getattr(current, key), value)
        updates[name] = dataclasses.replace(current, **changes)
    cfg = dataclasses.replace(base, **updates, source=source)
    _validate(cfg)
    return cfg


def _validate(cfg: Config) -> None:
    g = cfg.grades
    if not (100 >= g.excellent > g.good > g.fair >= 0):
        raise ConfigError("[grades] 须满足 100 ≥ excellent > good > fair ≥ 0")
    hi, lo = cfg.indicators.qual_bands
    if not (1 >= hi > lo >= 0):
        raise ConfigError("[indicators] qual_bands 须满足 1 ≥ 第一个 > 第二个 ≥ 0")
    if cfg.execution.weight <= 0:
        raise ConfigError("[execution] weight 须大于 0")


def load_config(path: str | os.PathLike[str] | None) -> Config:
    if path is None:
        return Config()
    import tomllib

    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 不是有效的 TOML: {exc}") from exc
    return from_mapping(data, source=str(path))


DEFAULT = Config()
