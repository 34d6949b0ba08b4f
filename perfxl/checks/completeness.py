"""Half a form is not judged as a whole: unscored and cut-short forms keep the rules that need
every score, or the 总分 row, quiet (S14/S15 say once what the form lacks)."""

from __future__ import annotations

import pandas as pd

# rules that judge a total, a grade or a sum of weights: meaningless without the 总分 row and
# the blocks a cut-short form lost
NEEDS_WHOLE_FORM = frozenset(
    {"S01", "S03", "S06", "S07", "S08", "G01", "G02", "G03", "G05", "G06", "G07"}
)
# rules that judge 分值 or 得分: meaningless on a form printed without them
NEEDS_SCORES = NEEDS_WHOLE_FORM | {
    "G09",
    "S02",
    "S04",
    "I01",
    "I02",
    "I03",
    "I10",
    "I14",
    "I15",
    "N02",
    "T09",
}


# rules that judge each indicator's own 分值: a form printing weights on its blocks only (Hubei:
# 绩效指标（80分）, no 分值 column) has none to sum
NEEDS_INDICATOR_WEIGHTS = frozenset({"S02"})

# rules that read a block a cut form does not have (I15: "scored without a target" — the targets
# are not missing one by one, the whole 绩效目标表 is)
NEEDS_BLOCK = {"targets": frozenset({"I15"})}


def _with_part(projects: pd.DataFrame, part: str) -> set[str]:
    if "incomplete" not in projects:
        return set()
    parts = projects["incomplete"].map(lambda v: v.split(",") if isinstance(v, str) else [])
    return set(projects.loc[parts.map(lambda p: part in p), "sub"])


def block_weighted_subs(projects: pd.DataFrame) -> set[str]:
    """Forms with a 得分 column but no per-indicator 分值: the weights are on the blocks only."""
    if "indicator_weights" not in projects:
        return set()
    return set(projects.loc[projects["indicator_weights"].eq("block"), "sub"])


def partial_subs(projects: pd.DataFrame) -> tuple[set[str], set[str]]:
    """(cut-short forms, unscored forms) of the batch."""
    cut: set[str] = set()
    unscored: set[str] = set()
    cut = _with_part(projects, "total")
    if "scored" in projects:
        unscored = set(projects.loc[projects["scored"].eq(False), "sub"])
    return cut, unscored


def suppress_partial(table: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """The findings without those a partial form cannot support."""
    cut, unscored = partial_subs(projects)
    block = block_weighted_subs(projects)
    if table.empty or not (cut or unscored or block or _with_part(projects, "targets")):
        return table
    drop = (table["sub"].isin(cut) & table["rule"].isin(NEEDS_WHOLE_FORM)) | (
        table["sub"].isin(unscored) & table["rule"].isin(NEEDS_SCORES)
    )
    drop |= table["sub"].isin(block) & table["rule"].isin(NEEDS_INDICATOR_WEIGHTS)
    for part, rules in NEEDS_BLOCK.items():
        drop |= table["sub"].isin(_with_part(projects, part)) & table["rule"].isin(rules)
    return table[~drop].reset_index(drop=True)
