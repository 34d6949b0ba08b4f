"""The rule registry and runner: vectorised checks over the batch frames, findings as data."""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from perfxl.checks.completeness import suppress_partial
from perfxl.checks.config import DEFAULT, Config
from perfxl.checks.grouping import group_repeats
from perfxl.checks.overlaps import drop_overlaps
from perfxl.model.findings import RULES, SEVERITY_RANK, Finding, declare, make
from perfxl.model.frames import Frames, findings_frame

Check = Callable[["Ctx"], pd.DataFrame | None]
HIT_COLUMNS = ("sub", "sheet", "cell", "observed", "expected", "severity", "stake")


def rule(
    rule_id: str,
    severity: str,
    scope: str,
    title_zh: str,
    title_en: str,
    message_zh: str,
    message_en: str,
    **extra: Any,
) -> Callable[[Check], Check]:
    """Register a check: its catalogue entry (id, severity, zh/en templates) sits next to its code."""

    def deco(fn: Check) -> Check:
        info = declare(
            rule_id, severity, scope, title_zh, title_en, message_zh, message_en, **extra
        )
        RULES[rule_id] = dataclasses.replace(info, check=fn)
        return fn

    return deco


@dataclass
class Ctx:
    """What every check sees: the frames of the submissions that passed the structural rules,
    the derived values (recomputed rates, scores, grades) and the configuration."""

    frames: Frames
    results: pd.DataFrame  # one row per submission, indexed by sub
    cfg: Config = DEFAULT
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def projects(self) -> pd.DataFrame:
        return self.frames.projects

    @property
    def indicators(self) -> pd.DataFrame:
        return self.frames.indicators

    def project_pos(self, subs: Any) -> np.ndarray:
        """Each of `subs`' row position in `projects` (-1: not a submission of the batch):
        a lookup by position instead of a merge or set_index + reindex."""
        if "project_index" not in self.cache:
            self.cache["project_index"] = pd.Index(self.projects["sub"])
        return self.cache["project_index"].get_indexer(subs)

    @property
    def present(self) -> frozenset[str]:
        """The profiles of the checked submissions. A rule's branch for a profile that is not
        in the batch is skipped: on a small batch every pandas call costs ~0.1 ms even on an
        empty frame, and a one-workbook `perfxl check` is all such fixed costs."""
        if "present" not in self.cache:
            self.cache["present"] = frozenset(self.projects["profile"].dropna())
        return self.cache["present"]


def cached(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Memoise a helper that several checks call with the same context (and arguments)."""

    @functools.wraps(fn)
    def wrapper(ctx: Ctx, *args: Any) -> Any:
        key = ("cached", fn.__module__, fn.__qualname__, args)
        if key not in ctx.cache:
            ctx.cache[key] = fn(ctx, *args)
        return _fresh(ctx.cache[key])

    return wrapper


def _fresh(value: Any) -> Any:
    """A new object over the same data (copy-on-write), so a caller that adds a column to the
    result cannot change what the next caller gets."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    if isinstance(value, tuple):
        return tuple(_fresh(v) for v in value)
    return value


def hits(df: pd.DataFrame, **columns: Any) -> pd.DataFrame:
    """A hit table from `df` (which must carry `sub`), with extra columns set or computed.

    Series align on `df`'s index; arrays and lists are taken in order; scalars repeat. Built in
    one constructor call: assigning column by column costs more than most checks themselves."""
    n = len(df)
    data: dict[str, Any] = {"sub": df["sub"].to_numpy()}
    for key, value in columns.items():
        if isinstance(value, pd.Series):
            same = value.index.equals(df.index)
            data[key] = (value if same else value.reindex(df.index)).to_numpy()
        elif isinstance(value, np.ndarray | list | tuple | pd.Index):
            data[key] = np.asarray(value, dtype=object) if len(value) == n else value
        else:
            data[key] = np.full(n, value, dtype=object) if n else np.array([], dtype=object)
    return pd.DataFrame(data, index=df.index)


@functools.cache
def _empty_hits(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: np.array([], dtype=object) for c in columns})


def no_hits(*columns: str) -> pd.DataFrame:
    """The hit table of a check that found nothing: "sub" and `columns`, no rows. A shallow copy
    of one made once per column set: building even an empty frame costs ~0.3 ms, and most checks
    find nothing in most batches. (A check may also just return None.)"""
    return _empty_hits(("sub", *columns)).copy(deep=False)


def map_distinct(s: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """`fn` over each distinct value once, spread back over the rows: forms repeat their labels,
    marks and placeholders thousands of times in a batch. Blanks (None/NaN) reach `fn` as None."""
    if s.empty:
        return pd.Series([], index=s.index, dtype=object)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [fn(v) for v in uniques]
    mapped[-1] = fn(None)  # code -1: a blank
    return pd.Series(mapped.take(codes), index=s.index)


def field_cell(projects: pd.DataFrame, key: str) -> tuple[pd.Series, pd.Series]:
    """(sheet, cell) Series of a project field, from the refs the reader recorded."""
    refs = projects["refs"]
    sheet = refs.map(lambda r: r.get(key, (None, None))[0] if isinstance(r, dict) else None)
    cell = refs.map(lambda r: r.get(key, (None, None))[1] if isinstance(r, dict) else None)
    return sheet, cell


def _clean(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def to_findings(rule_id: str, table: pd.DataFrame | None) -> list[Finding]:
    if table is None or table.empty:
        return []
    out: list[Finding] = []
    cols = list(table.columns)
    # one object array, not to_dict("records"): ~5x cheaper per table; _clean unboxes the values
    for values in table.to_numpy(dtype=object):
        params = {k: _clean(v) for k, v in zip(cols, values, strict=True)}
        out.append(
            make(
                rule_id,
                sub=params.pop("sub"),
                sheet=params.pop("sheet", None),
                cell=params.pop("cell", None),
                observed=params.pop("observed", None),
                expected=params.pop("expected", None),
                severity=params.pop("severity", None),
                stake=params.pop("stake", None),
                **params,
            )
        )
    return out


declare(
    "S00",
    "info",
    "submission",
    "已跳过业务规则",
    "business rules skipped",
    "因上述结构问题，本文件未进行资金、指标、等次等业务规则检查。",
    "Because of the structural problems above, the business rules were not run on this file.",
)


declare(
    "S99",
    "warning",
    "batch",
    "规则执行出错",
    "a rule failed to run",
    "规则 {rule} 执行出错，本次结果中缺少该规则的检查（{detail}）。请将此信息反馈给 perfxl 维护者。",
    "Rule {rule} failed ({detail}); its checks are missing from this run. Please report this to the perfxl maintainers.",
)


@dataclass
class CheckResult:
    findings: pd.DataFrame
    results: pd.DataFrame  # per submission: recomputed values and counts
    frames: Frames  # with derived columns on indicators and friends
    # the findings a cause in `findings` stands for (a rule repeated on many cells of one form)
    details: pd.DataFrame = field(default_factory=pd.DataFrame)


def _restrict(frames: Frames, keep: set[str]) -> Frames:
    """The frames of the submissions in `keep`. Frames that keep every row are shared, not
    copied (copy-on-write: the checks' added columns do not reach the caller's frames)."""
    parts = {}
    for name in frames.names():
        df = getattr(frames, name)
        if name == "findings":
            parts[name] = df
            continue
        mask = df["sub"].isin(keep)
        parts[name] = df.copy(deep=False) if mask.all() else df[mask].reset_index(drop=True)
    return Frames(**parts, extra=frames.extra)


def run_checks(
    frames: Frames,
    cfg: Config = DEFAULT,
    only: set[str] | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
    strict: bool = False,
) -> CheckResult:
    """Run every registered check over the batch and collect the findings into one table.

    Submissions in `skip` (superseded versions) are left out of the checks and of the findings."""
    from perfxl.checks import derive, load_all

    load_all()
    projects = frames.projects
    blocked = set(projects.loc[projects["blocked"].fillna(False).astype(bool), "sub"]) - set(skip)
    ok = set(projects["sub"]) - blocked - set(skip)
    work = _restrict(frames, ok)
    derive.add_derived(work, cfg)
    results = derive.results(work, cfg)
    ctx = Ctx(work, results, cfg)
    found: list[Finding] = []
    # composite rules (G07) run last and read the cached hits of the rules they name
    order = sorted(RULES, key=lambda rid: (bool(RULES[rid].after), rid))
    present = ctx.present
    # a composite rule asked for alone still needs the rules it reads; their hits are not reported
    needed = (
        None
        if only is None
        else set(only) | {a for r in only if r in RULES for a in RULES[r].after}
    )
    views: dict[frozenset[str], Ctx] = {}
    for rule_id in order:
        info = RULES[rule_id]
        if info.check is None or (needed is not None and rule_id not in needed):
            continue
        if info.scope not in ("batch", "department") and not present & set(info.profiles):
            continue  # a hainan-only rule has nothing to look at in a national batch, and vice versa
        try:
            table = info.check(_scoped(ctx, info, views))
            for c in (ctx, *views.values()):
                c.cache[f"hits:{rule_id}"] = table
            if only is None or rule_id in only:
                found.extend(to_findings(rule_id, table))
        except Exception as exc:
            # a broken rule must not take the batch down; it is reported, and tests run strict
            if strict:
                raise
            found.append(make("S99", rule=rule_id, detail=f"{type(exc).__name__}: {exc}"))
    reader = frames.findings[~frames.findings["sub"].isin(skip)]
    skipped = [make("S00", sub=s) for s in sorted(blocked) if s is not None]
    table = pd.concat(
        [df for df in (reader, findings_frame(found), findings_frame(skipped)) if not df.empty]
        or [findings_frame([])],
        ignore_index=True,
    )
    table = drop_overlaps(suppress_partial(table, projects))
    table, details = group_repeats(table, cfg.findings.group_at)
    table = sort_findings(table)
    full = derive.results_for_all(frames, results)
    counts = (
        table.groupby(["sub", "severity"]).size().unstack(fill_value=0) if not table.empty else None
    )
    for sev, col in (("error", "errors"), ("warning", "warnings"), ("info", "infos")):
        full[col] = (
            full.index.map(counts[sev]).fillna(0).astype(int)
            if counts is not None and sev in counts
            else 0
        )
    return CheckResult(table, full, work, sort_findings(details))


# Profiles a rule sees the forms of only when it names them in its `profiles`: a rule written for
# the project forms must not judge a 部门整体支出 form (its funds split into 基本支出 and its
# lines, its own blocks) it was never written for.
OPT_IN_PROFILES = frozenset({"department2020"})


def _scoped(ctx: Ctx, info: Any, views: dict[frozenset[str], Ctx]) -> Ctx:
    """The context a rule runs on: the batch, less the submissions of opt-in profiles the rule
    does not name (one such view per set of hidden profiles, built when first needed)."""
    hidden = frozenset((ctx.present & OPT_IN_PROFILES) - set(info.profiles))
    if not hidden:
        return ctx
    view = views.get(hidden)
    if view is None:
        p = ctx.projects
        keep = set(p.loc[~p["profile"].isin(list(hidden)), "sub"])
        view = Ctx(_restrict(ctx.frames, keep), ctx.results[ctx.results.index.isin(keep)], ctx.cfg)
        # the hits of the rules run so far, for the composite rules (G07) that read them
        view.cache.update({k: v for k, v in ctx.cache.items() if str(k).startswith("hits:")})
        views[hidden] = view
    return view


def sort_findings(table: pd.DataFrame) -> pd.DataFrame:
    """Errors first, then by the amount at stake, then by rule id."""
    if table.empty:
        return table
    order = table["severity"].map(SEVERITY_RANK).fillna(9)
    stake = pd.to_numeric(table["stake"], errors="coerce").abs().fillna(0)
    return (
        table.assign(_o=order, _s=-stake)
        .sort_values(
            ["_o", "_s", "rule", "sub", "sheet", "cell"], kind="stable", na_position="last"
        )
        .drop(columns=["_o", "_s"])
        .reset_index(drop=True)
    )
