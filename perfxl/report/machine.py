"""Machine outputs of a run: projects.csv, findings.csv, run.json (with the list of the outputs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from perfxl import __version__
from perfxl.checks.outcome import Report
from perfxl.files import OutputStage, csv_safe, staged_outputs
from perfxl.intake.inputs import DUPLICATE, INPUT_STATUS_ZH, SKIPPED, UNREADABLE, InputFile
from perfxl.intake.own_folders import OUTPUTS_KEY
from perfxl.model.findings import plain
from perfxl.report.projects import ACTIVE_STATUSES, PROJECT_OUTPUT_COLUMNS, project_rows
from perfxl.report.run_result import RunResult

FINDING_CSV_COLUMNS = (
    "severity",
    "rule",
    "message",
    "message_en",
    "department",
    "unit",
    "project",
    "file",
    "sheet",
    "cell",
    "observed",
    "expected",
    "stake",
    "sub",
    "part",  # "cause": one finding standing for `grouped` cells listed after it as "detail"
)


def _csv(df: pd.DataFrame, columns: tuple[str, ...], path: Path) -> None:
    out = df.reindex(columns=list(columns))
    # UTF-8 with BOM so Excel opens Chinese text correctly; cells that start with = + - @ are
    # prefixed with a quote so a spreadsheet never runs them as formulas
    out = out.apply(
        lambda col: (
            col.map(csv_safe) if col.dtype == object or str(col.dtype).startswith("str") else col
        )
    )
    out.to_csv(path, index=False, encoding="utf-8-sig")


def _records(df: pd.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {k: plain(v) for k, v in r.items()}
        for r in df.reindex(columns=list(columns)).to_dict("records")
    ]


def manifest(run: RunResult) -> list[dict[str, Any]]:
    return [
        {
            "file": i.display,
            "origin": i.origin,
            "sha256": i.sha256 or None,
            "size": i.size,
            "status": i.status,
            "status_zh": INPUT_STATUS_ZH.get(i.status, i.status),
            "reason": i.reason or None,
            "library_error": i.library_error,
            "sub": i.sub,
            "received": i.received.isoformat() if i.received else None,
            "provenance": plain(i.provenance) or None,
        }
        for i in run.inputs
    ]


def run_dict(run: RunResult) -> dict[str, Any]:
    """run.json: the same content as the workbook, plus the manifest and the configuration."""
    return {
        "perfxl_version": run.version,
        "started": run.started.isoformat(),
        "finished": run.finished.isoformat(),
        "options": run.options,
        "config": run.config.as_dict(),
        "config_source": run.config.source,
        "counts": counts(run),
        "projects": _records(run.projects, PROJECT_OUTPUT_COLUMNS),
        "findings": _records(all_findings(run), FINDING_CSV_COLUMNS),
        "departments": _records(run.departments, tuple(run.departments.columns)),
        "roster": _records(run.roster, tuple(run.roster.columns))
        if run.roster is not None
        else None,
        # with --previous: 上年对比, every project of both years (匹配 / 本年新增 / 上年有本年无)
        "previous": _records(run.previous, tuple(run.previous.columns))
        if run.previous is not None
        else None,
        "inputs": manifest(run),
    }


def all_findings(run: RunResult) -> pd.DataFrame:
    """The findings for files: each grouped cause, then the cells it stands for."""
    f = run.findings
    grouped = f["grouped"].notna() if "grouped" in f else pd.Series(False, index=f.index)
    causes = f.assign(part=grouped.map({True: "cause", False: None}))
    if not len(run.finding_details):
        return causes
    return pd.concat([causes, run.finding_details.assign(part="detail")], ignore_index=True)


# why inputs were not read as submissions, by kind (the run's closing lines count them so);
# the first key found in an input's reason names its kind
SKIP_KINDS = (
    ("perfxl 自己的", "perfxl 自己的输出"),
    ("perfxl 读取缓存", "perfxl 读取缓存文件夹"),
    ("perfxl 的临时", "perfxl 临时文件"),
    ("输出文件夹", "输出文件夹"),
    ("非工作簿", "非工作簿文件"),
    ("符号链接", "符号链接"),
    ("不是普通文件", "非普通文件（管道、设备等）"),
    ("没有附件", "没有附件的邮件"),
    ("嵌套过深", "嵌套过深的压缩包"),
)


def skip_kind(item: InputFile) -> str:
    """The kind of reason an input was not read as a submission (UNREADABLE without one: 无法打开)."""
    if item.status == UNREADABLE:
        return "无法打开的文件"
    return next((kind for key, kind in SKIP_KINDS if key in item.reason), "其他文件")


def counts(run: RunResult) -> dict[str, Any]:
    p, f = run.projects, run.findings
    status = p["status"].value_counts().to_dict() if not p.empty else {}
    sev = f["severity"].value_counts().to_dict() if not f.empty else {}
    skipped: dict[str, int] = {}
    for i in run.inputs:
        if i.status in (SKIPPED, UNREADABLE) and not i.sub:
            kind = skip_kind(i)
            skipped[kind] = skipped.get(kind, 0) + 1
    return {
        "inputs": len(run.inputs),
        # files read as workbooks (the unreadable and the superseded among them), and the rest
        "workbooks": sum(1 for i in run.inputs if i.sub and i.status != DUPLICATE),
        "duplicates": sum(1 for i in run.inputs if i.status == DUPLICATE),
        "skipped": skipped,
        "submissions": len(p),
        "projects": int(p["status"].isin(ACTIVE_STATUSES).sum()) if not p.empty else 0,
        "departments": int(p.loc[p["status"].isin(ACTIVE_STATUSES), "department"].nunique())
        if not p.empty
        else 0,
        "status": {str(k): int(v) for k, v in status.items()},
        "errors": int(sev.get("error", 0)),
        "warnings": int(sev.get("warning", 0)),
        "infos": int(sev.get("info", 0)),
    }


def write_machine_outputs(run: RunResult, outdir: Path) -> list[Path]:
    """projects.csv, findings.csv and run.json, put in place together."""
    with staged_outputs(outdir) as stage:
        stage_machine_outputs(run, stage)
        return stage.commit()


def stage_machine_outputs(run: RunResult, stage: OutputStage) -> None:
    """projects.csv, findings.csv and run.json into `stage`; run.json last, listing every output
    staged before it with its sha256 — how a later run tells perfxl's own files from submissions
    when OUTDIR is also an input folder."""
    _csv(run.projects, PROJECT_OUTPUT_COLUMNS, stage.file("projects.csv"))
    _csv(all_findings(run), FINDING_CSV_COLUMNS, stage.file("findings.csv"))
    data = run_dict(run)
    data[OUTPUTS_KEY] = stage.digests()
    stage.file("run.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )


FINDING_KEYS = (
    "rule",
    "severity",
    "sheet",
    "cell",
    "message",
    "message_en",
    "observed",
    "expected",
)


HEADER_KEYS = ("table", "column", "header", "sheet", "cell", "how")


def report_dict(report: Report) -> dict[str, Any]:
    """The JSON shape of `perfxl check --json`: {"submissions": [...]}, each with its findings."""
    rows = project_rows(report)
    by_sub: dict[str, list[dict[str, Any]]] = {}
    for rec in report.findings.to_dict("records"):
        by_sub.setdefault(rec["sub"], []).append({k: plain(rec.get(k)) for k in FINDING_KEYS})
    headers: dict[str, list[dict[str, Any]]] = {}
    for rec in report.frames.headers.to_dict("records"):
        headers.setdefault(rec["sub"], []).append({k: plain(rec[k]) for k in HEADER_KEYS})
    subs = []
    for rec in rows.to_dict("records"):
        rec = {k: plain(v) for k, v in rec.items()}
        # how the form was read: which printed header gave which column, and how it was found
        rec["headers"] = headers.get(rec["sub"], [])
        rec["findings"] = by_sub.get(rec["sub"], [])
        subs.append(rec)
    return {
        "submissions": subs,
        "perfxl_version": __version__,
        "config_source": report.config.source,
        "config": report.config.as_dict(),
    }
