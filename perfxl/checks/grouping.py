"""Repeated findings told once: a rule firing on many cells of one form becomes one cause."""

from __future__ import annotations

import math

import pandas as pd

from perfxl.model.findings import RULES

# cells named in a cause's message; the rest are counted ("等 57 处")
_CELLS_SHOWN = 8
# scopes whose findings belong to one form (department and batch findings are already one each)
_FORM_SCOPES = ("file", "submission", "row")


def group_repeats(table: pd.DataFrame, group_at: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(findings with each run of `group_at` or more same-rule, same-severity findings on one
    form replaced by one cause, the findings so replaced). A cause carries `grouped` = the number
    of cells it stands for; its message names the rule, the count, the cells and the first case."""
    empty = table.iloc[0:0].assign(grouped=pd.Series(dtype=float))
    if table.empty or group_at < 2:
        return table.assign(grouped=math.nan), empty
    scope = table["rule"].map(lambda r: RULES[r].scope if r in RULES else "batch")
    eligible = table["sub"].notna() & scope.isin(_FORM_SCOPES)
    keys = ["sub", "rule", "severity"]
    size = table[eligible].groupby(keys, sort=False)["rule"].transform("size")
    repeated = pd.Series(False, index=table.index)
    repeated.loc[size.index] = size >= group_at
    if not repeated.any():
        return table.assign(grouped=math.nan), empty
    details = table[repeated]
    causes = [_cause(g) for _, g in details.groupby(keys, sort=False)]
    kept = table[~repeated].assign(grouped=math.nan)
    out = pd.concat([kept, pd.DataFrame(causes)], ignore_index=True)
    return out, details.assign(grouped=math.nan).reset_index(drop=True)


def _cause(g: pd.DataFrame) -> dict[str, object]:
    first = g.iloc[0]
    info = RULES[first["rule"]]
    cells = [
        f"{s}!{c}" if isinstance(s, str) else str(c)
        for s, c in zip(g["sheet"], g["cell"], strict=True)
        if isinstance(c, str) and c
    ]
    n = len(g)
    if cells:  # the cells tell where; one message tells what
        shown = "、".join(dict.fromkeys(_short(c) for c in cells[:_CELLS_SHOWN]))
        more = f" 等 {n} 处" if n > _CELLS_SHOWN else ""
        zh = f"{info.title_zh}：本表共 {n} 处（{shown}{more}）。第一处：{first['message']}"
        en_cells = ", ".join(cells[:_CELLS_SHOWN]) + (", …" if n > _CELLS_SHOWN else "")
        en = f"{info.title_en}: {n} places on this form ({en_cells}). The first: {first['message_en']}"
    else:  # findings without a cell (fields not found): each message says which
        zh = (
            f"{info.title_zh}：本表共 {n} 处："
            + "；".join(m.rstrip("。") for m in g["message"][:_CELLS_SHOWN])
            + ("……" if n > _CELLS_SHOWN else "。")
        )
        en = (
            f"{info.title_en}: {n} places on this form: "
            + "; ".join(m.rstrip(".") for m in g["message_en"][:_CELLS_SHOWN])
            + ("…" if n > _CELLS_SHOWN else ".")
        )
    stake = pd.to_numeric(g["stake"], errors="coerce")
    return {
        **first.to_dict(),
        "message": zh,
        "message_en": en,
        "observed": n,
        "expected": None,
        "stake": stake.sum() if stake.notna().any() else None,
        "grouped": n,
    }


def _short(ref: str) -> str:
    """A cell as the message shows it: the sheet once is enough, the addresses tell the rows."""
    return ref.split("!")[-1]
