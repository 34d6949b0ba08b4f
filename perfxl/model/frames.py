"""Batch-wide canonical DataFrames (domain a.4) assembled from the submissions of one run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from perfxl.model.findings import Finding
from perfxl.model.submission import Submission

# Columns each frame always has, even when a batch has no rows for it; readers may add more.
PROJECT_COLUMNS = (
    "sub",
    "file",
    "sha256",
    "size",
    "format",
    "profile",
    "layout",
    "template_version",
    "blocked",
    "fiscal_year",
    "fiscal_year_inferred",
    "project_code",
    "project_name",
    "dept",
    "dept_code",
    "unit",
    "unit_alias",
    "unit_code",
    "submit_date",
    "eval_date",
    "total_reported",
    "grade_reported",
    "grade_reported_raw",
    "weight_total",
    "money_unit",
    "refs",
)
FUND_COLUMNS = (
    "sub",
    "measure",
    "source",
    "source_label",
    "amount_wan",
    "raw",
    "unit",
    "unit_source",
    "note",
    "na",
    "sheet",
    "cell",
    "explanation",
    "explanation_cell",
)
EXEC_COLUMNS = (
    "sub",
    "source",
    "weight",
    "weight_raw",
    "weight_cell",
    "rate_reported",
    "rate_raw",
    "rate_note",
    "rate_cell",
    "score_reported",
    "score_raw",
    "score_cell",
    "note",
    "note_cell",
    "sheet",
)
INDICATOR_COLUMNS = (
    "sub",
    "seq",
    "row",
    "sheet",
    "level1",
    "level1_raw",
    "level1_weight",
    "level2",
    "level2_raw",
    "name",
    "name_raw",
    "direction",
    "direction_how",
    "direction_conflict",
    "direction_label",
    "direction_given",
    "unit",
    "target_raw",
    "t_kind",
    "t_cmp",
    "t_lo",
    "t_lo_incl",
    "t_hi",
    "t_hi_incl",
    "t_value",
    "t_unit",
    "t_percent",
    "t_qual",
    "t_deadline",
    "t_range_lo",
    "t_range_hi",
    "actual_raw",
    "a_kind",
    "a_value",
    "a_unit",
    "a_percent",
    "a_qual",
    "a_date",
    "a_note",
    "weight",
    "weight_raw",
    "weight_na",
    "weight_note",
    "score_reported",
    "score_raw",
    "score_na",
    "score_note",
    "deviation",
    "name_cell",
    "target_cell",
    "actual_cell",
    "weight_cell",
    "score_cell",
    "deviation_cell",
    "unit_cell",
    "direction_cell",
    "level1_cell",
    "level2_cell",
)
TIER_COLUMNS = (
    "sub",
    "seq",
    "tier",
    "raw",
    "kind",
    "unit",
    "percent",
    "lo",
    "lo_incl",
    "hi",
    "hi_incl",
    "inferred",
    "sheet",
    "cell",
)
SCORE_ITEM_COLUMNS = (
    "sub",
    "seq",
    "row",
    "sheet",
    "level1",
    "level2",
    "level3",
    "w1",
    "w2",
    "w3",
    "score",
    "score_raw",
    "note",
    "note_cell",
    "w1_cell",
    "w2_cell",
    "w3_cell",
    "score_cell",
)
EVALUATOR_COLUMNS = ("sub", "name", "title", "unit", "score", "signed", "sheet", "cell")
NARRATIVE_COLUMNS = ("sub", "path", "section", "text", "text_raw", "sheet", "cell")
# how the reader found each table column (how: label, meaning, stand_in, row, block), to show
# the reading
HEADER_COLUMNS = ("sub", "table", "column", "header", "sheet", "cell", "how")
EXPLANATION_COLUMNS = ("sub", "rule", "sheet", "cell", "text")
FINDING_COLUMNS = (
    "sub",
    "rule",
    "severity",
    "sheet",
    "cell",
    "message",
    "message_en",
    "observed",
    "expected",
    "stake",
    "department",
    "unit",
    "project",
)


@dataclass
class Frames:
    """One DataFrame per record kind, for every submission of a batch, keyed by `sub`."""

    projects: pd.DataFrame
    funds: pd.DataFrame
    exec: pd.DataFrame
    indicators: pd.DataFrame
    tiers: pd.DataFrame
    score_items: pd.DataFrame
    evaluators: pd.DataFrame
    narrative: pd.DataFrame
    headers: pd.DataFrame
    # the unit's 单位说明 read from a returned feedback copy (the season ledger attaches them)
    explanations: pd.DataFrame
    findings: pd.DataFrame  # file-level findings from reading; checks add their own
    extra: dict[str, Any] = field(default_factory=dict)

    def names(self) -> tuple[str, ...]:
        return (
            "projects",
            "funds",
            "exec",
            "indicators",
            "tiers",
            "score_items",
            "evaluators",
            "narrative",
            "headers",
            "explanations",
            "findings",
        )


def _frame(
    rows: list[dict[str, Any]], columns: tuple[str, ...], text_as_object: bool = True
) -> pd.DataFrame:
    df = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    for c in columns:
        if c not in df.columns:
            df[c] = None
    ordered = list(columns) + [c for c in df.columns if c not in columns]
    df = df[ordered].reset_index(drop=True)
    # text as plain object columns: pandas keeps them in one block, so the many small filters and
    # merges of the checks move one array instead of one per text column (3–4× faster checks)
    return _text_as_object(df) if text_as_object else df


def _text_as_object(df: pd.DataFrame) -> pd.DataFrame:
    """Text (pandas' str type) and object columns as one block of object columns, blanks None.

    pandas makes a blank None or NaN depending on how a column was built, and a chunked build
    would differ from a whole one; checks see None. Done on the whole block at once: column by
    column costs ~0.3 ms a column, which a one-workbook `perfxl check` feels."""
    obj = np.dtype(object)
    text = [c for c, t in df.dtypes.items() if t == obj or isinstance(t, pd.StringDtype)]
    if not text:
        return df
    if not len(df):
        loose = {c: object for c in text if df[c].dtype != obj}
        return df.astype(loose) if loose else df
    block = df[text].to_numpy(dtype=object)
    blank = pd.isna(block)
    if blank.any():
        block = block.copy()
        block[blank] = None
    # dtype=object: given an ndarray of strings, pandas 3 would infer its str type again
    out = pd.DataFrame(block, columns=text, index=df.index, dtype=object)
    if len(text) == df.shape[1]:
        return out
    return pd.concat([out, df.drop(columns=text)], axis=1)[list(df.columns)]


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    return _frame(_finding_rows(findings), FINDING_COLUMNS)


def _finding_rows(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    return [
        {
            "sub": f.sub,
            "rule": f.rule,
            "severity": f.severity,
            "sheet": f.sheet,
            "cell": f.cell,
            "message": f.message,
            "message_en": f.message_en,
            "observed": f.observed,
            "expected": f.expected,
            "stake": f.stake,
            "department": f.department,
            "unit": f.unit,
            "project": f.project,
        }
        for f in findings
    ]


def build_frames(subs: Iterable[Submission], raw: bool = False) -> Frames:
    """Concatenate the records of every submission into the batch frames (`raw`: text columns
    keep pandas' string type; FrameBuilder settles the types over all its chunks)."""
    projects: list[dict[str, Any]] = []
    parts: dict[str, list[dict[str, Any]]] = {
        k: []
        for k in (
            "funds",
            "exec",
            "indicators",
            "tiers",
            "score_items",
            "evaluators",
            "narrative",
            "headers",
            "explanations",
        )
    }
    found: list[Finding] = []
    for s in subs:
        key = s.sub
        row: dict[str, Any] = {
            "sub": key,
            "file": s.file,
            "sha256": s.sha256,
            "size": s.size,
            "format": s.format,
            "profile": s.profile,
            "layout": s.layout,
            "template_version": s.template_version,
            "blocked": s.blocked,
            "read_ms": s.read_ms,
            **{f"prov_{k}": v for k, v in s.provenance.items()},
        }
        ex = s.extract
        if ex is not None:
            row.update(ex.project)
            row["refs"] = dict(ex.refs)
            row["money_unit"] = ex.money_unit
            row["incomplete"] = ",".join(ex.incomplete) or None
            for name, records in parts.items():
                for rec in getattr(ex, name):
                    records.append({"sub": key, **rec})
        projects.append(row)
        for f in s.findings:
            found.append(f if f.sub == key else _with_sub(f, key))
    obj = not raw
    return Frames(
        projects=_frame(projects, PROJECT_COLUMNS, obj),
        funds=_frame(parts["funds"], FUND_COLUMNS, obj),
        exec=_frame(parts["exec"], EXEC_COLUMNS, obj),
        indicators=_frame(parts["indicators"], INDICATOR_COLUMNS, obj),
        tiers=_frame(parts["tiers"], TIER_COLUMNS, obj),
        score_items=_frame(parts["score_items"], SCORE_ITEM_COLUMNS, obj),
        evaluators=_frame(parts["evaluators"], EVALUATOR_COLUMNS, obj),
        narrative=_frame(parts["narrative"], NARRATIVE_COLUMNS, obj),
        headers=_frame(parts["headers"], HEADER_COLUMNS, obj),
        explanations=_frame(parts["explanations"], EXPLANATION_COLUMNS, obj),
        findings=_frame(_finding_rows(found), FINDING_COLUMNS, obj),
    )


def _with_sub(f: Finding, sub: str) -> Finding:
    from dataclasses import replace

    return replace(f, sub=sub)


class FrameBuilder:
    """Builds the batch frames while the files are being read, a chunk of submissions at a time,
    and lets go of each submission's records once they are in a frame. A run over 20,000
    workbooks then holds the frames (~25 KB a workbook) instead of every reading's record dicts
    as well (~60 KB a workbook, and as much again while the frames are made from them).

    The result equals `build_frames` over the same submissions in `order`: column types are
    settled over the whole batch, not per chunk, and rows keep their order within a file."""

    def __init__(self, chunk: int = 256, release: bool = True) -> None:
        self.chunk = chunk
        self.release = release
        self._pending: dict[str, Submission] = {}
        self._parts: list[Frames] = []
        self._latest: dict[str, int] = {}  # sub -> part holding its latest reading

    def add(self, subs: Iterable[Submission]) -> None:
        for s in subs:
            self._pending[s.sub] = s  # a later reading of the same file replaces an earlier one
        if len(self._pending) >= self.chunk:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        subs = list(self._pending.values())
        self._pending = {}
        part = build_frames(subs, raw=True)
        for name in part.names():
            _share_repeats(getattr(part, name))
        self._parts.append(part)
        for s in subs:
            self._latest[s.sub] = len(self._parts) - 1
            if self.release:
                s.extract = None  # its records now live in the frames

    def frames(self, order: Sequence[str]) -> Frames:
        """The batch frames, rows ordered by submission as in `order` (once: the chunks are let
        go)."""
        self._flush()
        if not self._parts:
            return build_frames([])
        position = {sub: k for k, sub in enumerate(order)}
        out: dict[str, pd.DataFrame] = {}
        for name in self._parts[0].names():
            pieces = []
            for k, part in enumerate(self._parts):
                df = getattr(part, name)
                stale = df["sub"].map(lambda s, k=k: self._latest.get(s, k) != k)
                pieces.append(df[~stale.to_numpy(dtype=bool)] if stale.any() else df)
            out[name] = _ordered(_concat(pieces), position)
            del pieces
        self._parts = []  # the chunks would double what the run holds through checks and output
        return Frames(**out)


def _share_repeats(df: pd.DataFrame) -> None:
    """One object per distinct text in each column (in place). Every form repeats the same
    labels, units, sheet names and cell addresses, and every reading made its own copies: at
    20,000 workbooks that is ~300 MB of identical strings."""
    for c in df.columns:
        col = df[c]
        if col.dtype != object and not isinstance(col.dtype, pd.StringDtype):
            continue
        try:
            codes, uniques = pd.factorize(col)
        except TypeError:  # unhashable values (dicts of cell references)
            continue
        if len(uniques) * 2 > len(col):
            continue
        shared = np.append(np.asarray(uniques, dtype=object), None).take(codes)
        df[c] = pd.Series(shared, index=df.index, dtype=object)


def _concat(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate chunk frames, each column typed as if the batch had been built in one go: a
    chunk where a number or text column happens to be blank must not make it an object column.
    (Where files disagree on a column's type it is an object column either way.) Blanks in object
    columns come out as None, as in `build_frames`."""
    pieces = [df for df in pieces if len(df)] or pieces[:1]
    if len(pieces) > 1:
        columns = list(dict.fromkeys(c for df in pieces for c in df.columns))
        pieces = [df.reindex(columns=columns) for df in pieces]
        for c in columns:
            kinds = {df[c].dtype for df in pieces if df[c].notna().any()}
            if not kinds and any(df[c].dtype == float for df in pieces):
                kinds = {np.dtype(float)}  # blank everywhere, but some file had the field
            if len(kinds) != 1:
                continue
            kind = kinds.pop()
            if kind in (np.dtype(object), np.dtype(bool)):
                continue
            if all(df[c].dtype == kind for df in pieces):
                continue
            if pd.api.types.is_integer_dtype(kind):
                kind = np.dtype(float)  # blanks among whole numbers: floats, as in one go
            for df in pieces:
                if df[c].dtype != kind:
                    df[c] = df[c].astype(kind)
    df = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]
    return _text_as_object(df)


def _ordered(df: pd.DataFrame, position: dict[str, int]) -> pd.DataFrame:
    if df.empty:
        return df.reset_index(drop=True)
    key = df["sub"].map(position).fillna(len(position)).to_numpy()
    return df.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)
