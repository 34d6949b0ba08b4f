"""Batch-wide canonical DataFrames (RULES a.4) assembled from the submissions of one run."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from perfxl.findings import Finding
from perfxl.read import Submission

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
            "findings",
        )


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    for c in columns:
        if c not in df.columns:
            df[c] = None
    ordered = list(columns) + [c for c in df.columns if c not in columns]
    df = df[ordered].reset_index(drop=True)
    # text as plain object columns: pandas keeps them in one block, so the many small filters and
    # merges of the checks move one array instead of one per text column (3–4× faster checks)
    text = [c for c in df.columns if isinstance(df[c].dtype, pd.StringDtype)]
    if text:
        df[text] = df[text].astype(object)
    return df.copy()


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    rows = [
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
    return _frame(rows, FINDING_COLUMNS)


def build_frames(subs: Iterable[Submission]) -> Frames:
    """Concatenate the records of every submission into the batch frames."""
    projects: list[dict[str, Any]] = []
    parts: dict[str, list[dict[str, Any]]] = {
        k: []
        for k in ("funds", "exec", "indicators", "tiers", "score_items", "evaluators", "narrative")
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
            for name, records in parts.items():
                for rec in getattr(ex, name):
                    records.append({"sub": key, **rec})
        projects.append(row)
        for f in s.findings:
            found.append(f if f.sub == key else _with_sub(f, key))
    return Frames(
        projects=_frame(projects, PROJECT_COLUMNS),
        funds=_frame(parts["funds"], FUND_COLUMNS),
        exec=_frame(parts["exec"], EXEC_COLUMNS),
        indicators=_frame(parts["indicators"], INDICATOR_COLUMNS),
        tiers=_frame(parts["tiers"], TIER_COLUMNS),
        score_items=_frame(parts["score_items"], SCORE_ITEM_COLUMNS),
        evaluators=_frame(parts["evaluators"], EVALUATOR_COLUMNS),
        narrative=_frame(parts["narrative"], NARRATIVE_COLUMNS),
        findings=findings_frame(found),
    )


def _with_sub(f: Finding, sub: str) -> Finding:
    from dataclasses import replace

    return replace(f, sub=sub)
