"""N08: arithmetic inside the narrative that does not add up — "新建3座、改建2座，共计6座", or
"完成投资500万元，其中省级300万元、市级260万元".

Two shapes are read, both within one sentence and one unit: parts listed and then a total
(共/共计/合计/总计/累计, the listing is exhaustive, so the parts must equal it), and a total then
broken down by 其中 (the breakdown may name only some parts, so it must not exceed it).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from perfxl.checks.engine import Ctx, hits, no_hits, rule
from perfxl.checks.narrative import _texts
from perfxl.model.findings import fmt_value

_UNIT = (
    r"万元|亿元|元|人次|户次|个|座|人|户|所|公里|千米|米|亩|公顷|台|套|次|件|项|场|家|处|条|辆|"
    r"吨|株|头|只|名|间|栋|平方米|册|部|批|期|班"
)
_AMOUNT = re.compile(rf"(\d+(?:\.\d+)?)\s*({_UNIT})")
_SENTENCE = re.compile(r"[^。；;！!？?\n]+")
_TOTAL_AFTER = re.compile(
    rf"(?:共计|合计|总计|累计|共)\s*(?:完成|新建|投入|支出|发放)?\s*(\d+(?:\.\d+)?)\s*({_UNIT})"
)
_BREAKDOWN = re.compile(r"其中\s*[:：]?")
_SNIPPET = 40


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(0.01, 1e-4 * max(abs(a), abs(b))) + 1e-9


def sum_faults(text: str) -> list[tuple[str, float, float, str, str]]:
    """(snippet, stated total, Σ parts, unit, shape) for each sentence whose arithmetic fails."""
    out = []
    for sentence in _SENTENCE.findall(text or ""):
        # parts, then 共计 N: every amount of the same unit before the total is a part
        for m in _TOTAL_AFTER.finditer(sentence):
            total, unit = float(m.group(1)), m.group(2)
            parts = [float(v) for v, u in _AMOUNT.findall(sentence[: m.start()]) if u == unit]
            if len(parts) >= 2 and not _close(sum(parts), total):
                out.append((sentence.strip()[:_SNIPPET], total, sum(parts), unit, "listed"))
        # N，其中 a、b: the parts named after 其中 must not exceed N
        b = _BREAKDOWN.search(sentence)
        if b is None:
            continue
        before = _AMOUNT.findall(sentence[: b.start()])
        if not before:
            continue
        total, unit = float(before[-1][0]), before[-1][1]
        after = sentence[b.end() :]
        stop = _TOTAL_AFTER.search(after)
        after = after[: stop.start()] if stop else after
        parts = [float(v) for v, u in _AMOUNT.findall(after) if u == unit]
        if len(parts) >= 2 and sum(parts) > total and not _close(sum(parts), total):
            out.append((sentence.strip()[:_SNIPPET], total, sum(parts), unit, "breakdown"))
    return out


@rule(
    "N08",
    "warning",
    "row",
    "正文数字自相矛盾",
    "narrative figures do not add up",
    "{section}中“{snippet}”：各分项合计 {parts}{unit}，与所写总数 {observed}{unit} 不符。",
    "In the {section}, “{snippet}”: the parts add up to {parts}{unit}, not the stated total "
    "{observed}{unit}.",
)
def n08_narrative_sums(ctx: Ctx) -> pd.DataFrame:
    texts = _texts(ctx)
    if texts.empty:
        return no_hits("section", "snippet", "parts", "unit")
    # a cheap filter first: only texts that hold a total word or a 其中
    cand = texts["text"].str.contains(r"共|合计|总计|累计|其中", regex=True, na=False).to_numpy()
    rows, found = [], []
    for i in np.flatnonzero(cand):
        for fault in sum_faults(texts["text"].iat[i]):
            rows.append(i)
            found.append(fault)
    if not rows:
        return no_hits("section", "snippet", "parts", "unit")
    t = texts.iloc[rows]
    return hits(
        t,
        sheet=t["sheet"],
        cell=t["cell"],
        section=t["section"],
        snippet=[f[0] for f in found],
        observed=[fmt_value(f[1]) for f in found],
        parts=[fmt_value(round(f[2], 4)) for f in found],
        unit=[f[3] for f in found],
    )
