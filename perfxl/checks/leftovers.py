"""Metadata rule M06: instruction text of the blank form left in a field the unit should fill."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from perfxl.checks.engine import Ctx, field_cell, hits, no_hits, rule
from perfxl.spec import PROFILE_IDS, get_profile

# what blank forms print for the filler to replace: "（请填写…）", "填表说明：…", "示例：",
# "××单位", "XX项目"; a sentence of the unit's own that merely contains 请 is not one of these
_LEFTOVER = re.compile(
    r"请(?:填写|输入|选择|据实填写|在此)|填表说明|填报说明|此处填|示例\s*[:：]|例\s*[:：]"
    r"|[×xX]{2,}\s*(?:单位|项目|部门|县|市|区|局|万元|年)"
)
_SHORT = 60  # characters of the text quoted in the message


def leftover(text: object) -> str | None:
    """The instruction words a text still carries, or None."""
    if not isinstance(text, str):
        return None
    m = _LEFTOVER.search(text)
    return m.group(0) if m else None


def _text_fields() -> dict[str, str]:
    """Field key -> label of every text field of every profile."""
    out: dict[str, str] = {}
    for pid in PROFILE_IDS:
        for _sheet, f in get_profile(pid).fields():
            if f.kind in ("text", "textarea"):
                out.setdefault(f.key, f.label)
    return out


@rule(
    "M06",
    "warning",
    "row",
    "模板说明文字未删除",
    "the blank form's instructions left in",
    "「{item}」中仍是空白表的说明文字（“{words}”）：{text}；请改为实际内容。",
    "{item} still holds the blank form's instructions (“{words}”): {text}; replace them with "
    "what was done.",
)
def m06_leftovers(ctx: Ctx) -> pd.DataFrame:
    parts = []
    p = ctx.projects
    for key, label in _text_fields().items():
        if key not in p:
            continue
        words = p[key].map(leftover)
        bad = words.notna()
        if bad.any():
            rows = p[bad]
            sheet, cell = field_cell(rows, key)
            parts.append(
                pd.DataFrame(
                    {
                        "sub": rows["sub"],
                        "sheet": sheet,
                        "cell": cell,
                        "item": label,
                        "words": words[bad],
                        "text": rows[key].astype(str).str.slice(0, _SHORT),
                    }
                )
            )
    ind = ctx.indicators
    for key, label, cell_col in (
        ("name", "三级指标", "name_cell"),
        ("deviation", "偏差原因", None),
    ):
        if ind.empty or key not in ind:
            continue
        words = ind[key].map(leftover)
        bad = words.notna()
        if bad.any():
            rows = ind[bad]
            cells = rows[cell_col] if cell_col and cell_col in rows else rows.get("deviation_cell")
            parts.append(
                pd.DataFrame(
                    {
                        "sub": rows["sub"],
                        "sheet": rows["sheet"],
                        "cell": cells if cells is not None else np.full(len(rows), None),
                        "item": label + "（第" + rows["row"].astype(str) + "行）",
                        "words": words[bad],
                        "text": rows[key].astype(str).str.slice(0, _SHORT),
                    }
                )
            )
    if not parts:
        return no_hits("item", "words", "text")
    out = pd.concat(parts, ignore_index=True)
    return hits(
        out,
        sheet=out["sheet"],
        cell=out["cell"],
        item=out["item"],
        words=out["words"],
        text=out["text"],
    )
