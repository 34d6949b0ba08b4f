"""One cause, one finding: where two rules tell the same fault of the same cell, the more precise
one stays and the other is dropped (measured on the precision table: each pair below was
judged noise beside the rule that keeps it).

- I01 (score differs from the formula) beside I02 (full marks on a missed target), S04 (score
  above its weight) or I10 (qualitative score outside its band) on the same score cell: the
  other rule names the fault, I01 only its arithmetic consequence;
- I10 beside I02 on the same cell;
- I04 (unmet target without a reason) beside I03 (deduction without a reason) on the same row:
  the 偏差原因 column is asked for once;
- G05 (every item at full marks) on a form where F02, I02 or I15 already name the undeserved
  full marks.
"""

from __future__ import annotations

import re

import pandas as pd

# rule -> the rules that, on the same cell, say it better
SAME_CELL = {"I01": ("I02", "S04", "I10"), "I10": ("I02",)}
# rule -> the rules that, on the same row of the same sheet, say it better
SAME_ROW = {"I04": ("I03",)}
# rule -> the rules that, anywhere on the same form, explain it
SAME_FORM = {"G05": ("F02", "I02", "I15")}
_ROW = re.compile(r"(\d+)$")


def _row_of(cell: object) -> str | None:
    m = _ROW.search(cell) if isinstance(cell, str) else None
    return m.group(1) if m else None


def drop_overlaps(table: pd.DataFrame) -> pd.DataFrame:
    """The findings without those another finding of the same cause already tells."""
    if table.empty:
        return table
    subs, rules = table["sub"].to_numpy(dtype=object), table["rule"].to_numpy(dtype=object)
    sheets, cells = table["sheet"].to_numpy(dtype=object), table["cell"].to_numpy(dtype=object)
    at_cell = {(s, r, sh, c) for s, r, sh, c in zip(subs, rules, sheets, cells, strict=True)}
    at_row = {
        (s, r, sh, _row_of(c)) for s, r, sh, c in zip(subs, rules, sheets, cells, strict=True)
    }
    on_form = {(s, r) for s, r in zip(subs, rules, strict=True)}
    keep = []
    for s, r, sh, c in zip(subs, rules, sheets, cells, strict=True):
        dropped = (
            any((s, better, sh, c) in at_cell for better in SAME_CELL.get(r, ()))
            or any((s, better, sh, _row_of(c)) in at_row for better in SAME_ROW.get(r, ()))
            or (s is not None and any((s, better) in on_form for better in SAME_FORM.get(r, ())))
        )
        keep.append(not dropped)
    return table[keep].reset_index(drop=True)


__all__ = ["SAME_CELL", "SAME_FORM", "SAME_ROW", "drop_overlaps"]
