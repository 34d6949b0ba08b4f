"""Tier sets (优/良/中/差) into intervals with their inclusivity resolved."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from perfxl.read.grammar.levels import parse_grade
from perfxl.read.grammar.targets import Target


@dataclass(frozen=True, slots=True)
class Interval:
    """A real interval; a None bound is unbounded (its *_incl flag is then meaningless)."""

    lo: float | None
    lo_incl: bool
    hi: float | None
    hi_incl: bool

    def contains(self, x: float) -> bool:
        if x != x:  # NaN belongs to no tier
            return False
        if self.lo is not None and (x < self.lo or (x == self.lo and not self.lo_incl)):
            return False
        return not (self.hi is not None and (x > self.hi or (x == self.hi and not self.hi_incl)))

    def overlap_length(self, other: Interval) -> float | None:
        """Length of the intersection: 0.0 for one shared point, None when disjoint."""
        lo, lo_incl = _tighter(self.lo, self.lo_incl, other.lo, other.lo_incl, max)
        hi, hi_incl = _tighter(self.hi, self.hi_incl, other.hi, other.hi_incl, min)
        if lo is None or hi is None:
            return math.inf
        if lo > hi:
            return None
        if lo == hi:
            return 0.0 if lo_incl and hi_incl else None
        return hi - lo

    def __str__(self) -> str:
        left = "(-inf" if self.lo is None else ("[" if self.lo_incl else "(") + f"{self.lo:g}"
        right = "inf)" if self.hi is None else f"{self.hi:g}" + ("]" if self.hi_incl else ")")
        return f"{left}, {right}"


def _tighter(
    a: float | None,
    a_incl: bool,
    b: float | None,
    b_incl: bool,
    pick: Callable[[float, float], float],
) -> tuple[float | None, bool]:
    """The bound of an intersection: pick=max for lower bounds, min for upper bounds."""
    if a is None:
        return b, b_incl
    if b is None:
        return a, a_incl
    if a == b:
        return a, a_incl and b_incl
    return (a, a_incl) if pick(a, b) == a else (b, b_incl)


_GRADE_RANK = {"优": 0, "良": 1, "中": 2, "差": 3}


@dataclass(slots=True)
class _Bound:
    """Mutable working copy of one tier bound during resolution."""

    value: float | None
    incl: bool | None
    source: str | None


def _bound_source(t: Target, side: str) -> str | None:
    explicit = t.lo_source if side == "lo" else t.hi_source
    incl = t.lo_incl if side == "lo" else t.hi_incl
    # Targets built by hand may carry only incl_source; it then applies to each stated bound.
    return explicit or (t.incl_source if incl is not None else None)


def resolve_tier_set(tiers: Mapping[str, Target]) -> tuple[dict[str, Interval], list[str]]:
    """Intervals for 优/良/中/差 with unspecified inclusivity resolved (domain b.0 steps 1-5).

    Returns the intervals in tier order and the names whose inclusivity came from the
    neighbour rule (step 4) or a default (step 5), for an INFO finding.
    """
    rows: list[tuple[int, int, str, str, _Bound, _Bound]] = []
    for pos, (name, t) in enumerate(tiers.items()):
        if not isinstance(t, Target) or t.kind not in ("cmp", "range", "point"):
            continue
        if t.lo is None and t.hi is None:
            continue
        grade = parse_grade(name)
        rank = _GRADE_RANK[grade] if grade else len(_GRADE_RANK)
        lo = _Bound(t.lo, t.lo_incl if t.lo is not None else None, _bound_source(t, "lo"))
        hi = _Bound(t.hi, t.hi_incl if t.hi is not None else None, _bound_source(t, "hi"))
        rows.append((rank, pos, name, t.kind, lo, hi))
    rows.sort(key=lambda r: (r[0], r[1]))
    flagged: set[str] = set()

    # Step 4: adjacent tiers meeting at a value, where one explicitly includes it.
    for upper, lower in zip(rows, rows[1:], strict=False):
        for x, y in ((upper[5], lower[4]), (upper[4], lower[5])):
            if x.value is None or y.value is None or x.value != y.value:
                continue
            for p, q, qname, qkind in ((x, y, lower[2], lower[3]), (y, x, upper[2], upper[3])):
                if p.source != "explicit" or p.incl is None or q.source in ("explicit", "symbol"):
                    continue
                if qkind == "point":
                    continue  # a single value ("100%") is that value: excluding it would empty it
                if p.incl is False and q.incl is not None:
                    continue  # an explicit exclusion only fills a gap; it never overrides a word
                want = not p.incl
                if q.incl != want or q.source is None:
                    q.incl, q.source = want, "neighbour"
                    flagged.add(qname)

    # Step 5: defaults for whatever is still unspecified.
    for _, _, name, kind, lo, hi in rows:
        before = (lo.value is not None and lo.incl is None) or (
            hi.value is not None and hi.incl is None
        )
        if kind == "range":
            # "A（含）-B" means [A, B): the next tier up starts at "B（含）"; mirrored for "A-B（含）"
            if hi.incl is None:
                hi.incl = (not lo.incl) if lo.source == "explicit" else True
            if lo.incl is None:
                lo.incl = (not hi.incl) if hi.source == "explicit" else True
        else:
            for b in (lo, hi):
                if b.value is not None and b.incl is None:
                    b.incl = True
        if before:
            flagged.add(name)

    result = {
        name: Interval(
            lo.value,
            bool(lo.incl) if lo.value is not None else False,
            hi.value,
            bool(hi.incl) if hi.value is not None else False,
        )
        for _, _, name, _, lo, hi in rows
    }
    return result, [r[2] for r in rows if r[2] in flagged]
