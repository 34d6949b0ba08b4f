"""Structure rules (S), the required cells: a required field, table cell or fund total left
blank (S05)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from perfxl.checks.cells import as_numbers
from perfxl.checks.completeness import block_weighted_subs
from perfxl.checks.engine import Ctx, field_cell, hits, map_distinct, no_hits, rule
from perfxl.checks.structure import _first_valid, _group_ids, _profiled, _spec_cells
from perfxl.read.values import is_na
from perfxl.spec import PROFILE_IDS, get_profile

# ------------------------------------------------------------------ S05: required cells


def _blank(s: pd.Series) -> pd.Series:
    """Left empty: None/NaN or whitespace only (a "—"/"/" mark is a value, not a blank)."""
    # a plain function over the distinct values: pandas string methods cost more here
    return map_distinct(s, _is_blank).astype(bool)


def _is_blank(v: object) -> bool:
    if v is None or v is pd.NA:
        return True
    if isinstance(v, float):
        return v != v
    return isinstance(v, str) and not v.strip()


def _cells_where(df: pd.DataFrame, columns: list[str], test: Callable[[Any], bool]) -> np.ndarray:
    """`test` over every cell of `df[columns]` (a missing column reads as blanks) as a rows ×
    columns bool array, run once per distinct value of all the columns together: one factorize
    instead of a map_distinct per column. Blanks (None/NaN) reach `test` as None."""
    values = np.empty((len(df), len(columns)), dtype=object)
    for j, c in enumerate(columns):
        values[:, j] = df[c].to_numpy(dtype=object) if c in df else None
    codes, uniques = pd.factorize(values.ravel())
    mapped = np.array([test(v) for v in uniques] + [test(None)], dtype=bool)  # -1: a blank
    return mapped[codes].reshape(values.shape)


# Where each spec table's rows live once read: the frame, the column naming a row in messages,
# and per spec column (value column, N/A-flag column or None, cell column or None to take the
# cell from the spec).
TABLE_SOURCES: dict[str, tuple[str, str, dict[str, tuple[str, str | None, str | None]]]] = {
    "indicators": (
        "indicators",
        "name",
        {
            "level1": ("level1", None, None),
            "level2": ("level2", None, None),
            "name": ("name_raw", None, "name_cell"),
            "target": ("target_raw", None, "target_cell"),
            "actual": ("actual_raw", None, "actual_cell"),
            "weight": ("weight", "weight_na", "weight_cell"),
            "score": ("score_reported", "score_na", "score_cell"),
        },
    ),
    "targets": (
        "indicators",
        "name",
        {
            "target_type": ("level1", None, None),
            "name": ("name_raw", None, "name_cell"),
            "target": ("target_raw", None, "target_cell"),
            "actual": ("actual_raw", None, "actual_cell"),
        },
    ),
    "scoring": ("score_items", "level3", {"score": ("score_raw", None, "score_cell")}),
    "evaluators": ("evaluators", "name", {"name": ("name", None, "cell")}),
    "funds": ("funds", "source_label", {}),  # the total row's amounts: see _fund_blanks
}


def _blank_and_not_na(v: object) -> bool:
    return _is_blank(v) and not is_na(v)


def _field_blanks(ctx: Ctx) -> list[pd.DataFrame]:
    p = ctx.projects
    out: list[pd.DataFrame] = []
    for profile_id in p["profile"].dropna().unique():
        prof = get_profile(profile_id)
        mine = p["profile"].eq(profile_id)
        mine = p if mine.all() else p[mine]
        required = [f for _sheet, f in prof.fields() if f.required]
        # blank = value and raw text both blank; every field's cells tested in one pass
        keys = [f.key for f in required]
        test = _cells_where(mine, keys + [k + "_raw" for k in keys], _is_blank)
        blank_all = test[:, : len(keys)] & test[:, len(keys) :]
        for j, f in enumerate(required):
            blank = blank_all[:, j]
            if f.key == "fiscal_year":
                # a year the narrative gives away is M01's business (inconsistent/implicit year)
                inferred = mine.get("fiscal_year_inferred", pd.Series(None, index=mine.index))
                blank = blank & inferred.isna().to_numpy()
            if not blank.any():
                continue
            rows = mine[blank]
            sheet, cell = field_cell(rows, f.key)
            # a published form that does not print this field at all lacks it by its own design:
            # said at info level (only the project's name and unit are missed as errors)
            absent = rows["layout"].eq("foreign") & cell.isna() & (f.key not in _CORE_FIELDS)
            out.append(
                pd.DataFrame(
                    {
                        "sub": rows["sub"],
                        "sheet": sheet,
                        "cell": cell,
                        "item": f.label + absent.map({True: "（表中未见此栏）", False: ""}),
                        "severity": absent.map({True: "info", False: None}),
                    }
                )
            )
    return out


_CORE_FIELDS = ("project_name", "unit")


def _row_item(label: str, names: pd.Series, rows: pd.Series) -> pd.Series:
    who = names.where(~_blank(names), "第" + rows.astype(str) + "行")
    return label + "（" + who.astype(str) + "）"


def _unscored(ctx: Ctx, subs: pd.Series) -> pd.Series:
    p = ctx.projects
    if "scored" not in p:
        return pd.Series(False, index=subs.index)
    unscored = set(p.loc[p["scored"].eq(False), "sub"])
    return subs.isin(unscored)


def _table_blanks(ctx: Ctx) -> list[pd.DataFrame]:
    out: list[pd.DataFrame] = []
    profiles = ctx.projects["profile"].dropna().unique()
    for profile_id in profiles:
        for _sheet, table in get_profile(profile_id).tables():
            required = [c for c in table.columns if c.required]
            if not required:
                continue
            frame_name, name_col, cols = TABLE_SOURCES[table.key]
            if frame_name == "funds":
                out += _fund_blanks(ctx, profile_id, [c.key for c in required], table.key)
                continue
            df = _profiled(ctx, frame_name)
            if df.empty:
                continue
            mine = df["profile"].eq(profile_id)
            df = df if mine.all() else df[mine]
            if df.empty:
                continue
            names = df[name_col]
            row_no = df["row"] if "row" in df else pd.Series("?", index=df.index)
            # every required column's cells tested in one pass
            blank_all = _cells_where(df, [cols[c.key][0] for c in required], _blank_and_not_na)
            for j, c in enumerate(required):
                _value_col, na_col, cell_col = cols[c.key]
                blank = blank_all[:, j]
                if c.key in ("weight", "score"):
                    # a form printed without 分值/得分 columns is unscored, not blank (S15 says so)
                    blank = blank & ~_unscored(ctx, df["sub"]).to_numpy()
                if c.key == "weight" and frame_name == "indicators":
                    # weights printed on the blocks only (绩效指标（80分）): no 分值 cell to fill
                    blank = blank & ~df["sub"].isin(block_weighted_subs(ctx.projects)).to_numpy()
                if na_col is not None:
                    blank = blank & ~df[na_col].fillna(False).astype(bool).to_numpy()
                if not blank.any():
                    continue
                rows = df[blank]
                if cell_col is None:
                    cell = _spec_cells(rows, table.key, c.key, "name_cell")
                else:
                    cell = rows[cell_col]
                out.append(
                    pd.DataFrame(
                        {
                            "sub": rows["sub"],
                            "sheet": rows["sheet"],
                            "cell": cell,
                            "item": _row_item(c.label, names[blank], row_no[blank]),
                        }
                    )
                )
    return out


def _fund_blanks(
    ctx: Ctx, profile_id: str, measures: list[str], table_key: str
) -> list[pd.DataFrame]:
    """Required amounts of the total row. Source rows are a breakdown: their blanks are F06's.
    On the standard template the total is a SUM formula, so a 0 over blank sources is a blank."""
    f = _profiled(ctx, "funds")
    if f.empty:
        return []
    mine = f["profile"].eq(profile_id) & f["measure"].isin(measures)
    f = f if mine.all() else f[mine]
    if f.empty:
        return []
    blank = (_blank(f["raw"]) & ~f["na"].fillna(False).astype(bool)).to_numpy()
    is_total = f["source"].eq("total").to_numpy()
    zero = (
        f["layout"].eq("template").to_numpy()
        & as_numbers(f["amount_wan"]).fillna(0).eq(0).to_numpy()
    )
    if not (is_total & (blank | zero)).any():
        return []  # every total filled in, and none a template 0 that may sit on blank sources
    # (sub, measure) as a number; a total whose sources are all blank (or that has none)
    ids, group_first = _group_ids(f, ["sub", "measure"])
    src_filled = ids[~is_total & ~blank & (ids >= 0)]
    all_blank = ~np.isin(ids[is_total], src_filled)
    hit_at = blank[is_total] | (zero[is_total] & all_blank)
    if not hit_at.any():
        return []
    tot = f[is_total]
    hit = tot[hit_at]
    # on the template the unit types into the source rows, not the locked total
    src_first = _first_valid(f["cell"], np.where(is_total, -1, ids), len(group_first))
    first = np.append(src_first.astype(object), None)[ids[is_total][hit_at]]  # -1: None
    use_src = hit["layout"].eq("template").to_numpy() & pd.notna(first)
    labels = {c.key: c.label for c in get_profile(profile_id).find_table(table_key)[1].columns}
    return [
        pd.DataFrame(
            {
                "sub": hit["sub"],
                "sheet": hit["sheet"],
                "cell": np.where(use_src, first, hit["cell"].to_numpy()),
                "item": hit["measure"].map(labels)
                + "（"
                + hit["source_label"].fillna("合计").astype(str)
                + "）",
            }
        )
    ]


@rule(
    "S05",
    "error",
    "row",
    "必填项为空",
    "required cell is blank",
    "必填项「{item}」为空。",
    "The required cell {item} is blank.",
    profiles=PROFILE_IDS,  # read off each profile's spec: every form has its required cells
)
def s05_required(ctx: Ctx) -> pd.DataFrame:
    parts = _field_blanks(ctx) + _table_blanks(ctx)
    if not parts:
        return no_hits()
    out = pd.concat(parts, ignore_index=True)
    severity = out.get("severity")
    return hits(out, sheet=out["sheet"], cell=out["cell"], item=out["item"], severity=severity)
