"""`perfxl run`: inputs in, summary workbook + CSV + JSON out, every input accounted for."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from perfxl.checks.config import DEFAULT, Config
from perfxl.checks.engine import run_checks
from perfxl.checks.outcome import Report
from perfxl.files import (
    DISK_FULL,
    WriteFailure,
    os_error_of,
    prepare_output_folder,
    sweep_stale,
    terminate_cleanly,
)
from perfxl.intake.discover import discover, hash_inputs, set_aside_duplicates
from perfxl.intake.inputs import DUPLICATE, READ, SUPERSEDED, UNREADABLE, InputFile
from perfxl.intake.zips import cleanup
from perfxl.model.findings import RULES, make
from perfxl.model.frames import FrameBuilder, Frames, findings_frame
from perfxl.model.submission import Submission
from perfxl.report import rollups
from perfxl.report.projects import project_rows
from perfxl.report.run_result import RunResult
from perfxl.run.reading import read_all
from perfxl.run.resubmissions import resolve_resubmissions

BLOCKING_READ = {rid for rid, info in RULES.items() if info.blocking}


def run_batch(
    inputs: Sequence[str | Path],
    outdir: str | Path,
    cfg: Config = DEFAULT,
    jobs: int = 0,
    roster: str | Path | None = None,
    progress: Callable[[int, int], Callable[[int], None] | None] | None = None,
    executor: str = "local",
    extra_inputs: Sequence[InputFile] = (),
    finish: Callable[[RunResult], None] | None = None,
    cache_dir: str | Path | None = None,
    scheduler: str | None = None,
    previous: str | Path | None = None,
) -> RunResult:
    """Read, check and aggregate a batch; writes nothing but a scratch folder inside `outdir`
    (and, with `cache_dir`, the reading cache there: perfxl.cache).

    `finish` is called with the result while zip members and mail attachments are still
    extracted (the feedback copies are made from them); it is where `perfxl run` writes.
    `executor` is "local" (a process pool) or "dask" (`scheduler`, or a local Dask cluster).
    `previous` is last year (a folder of workbooks, an earlier OUTDIR, a ledger: perfxl.run.previous)
    for the Y rules and the 上年对比 table.

    An OUTDIR that cannot be written (read-only, a file on its path, a full disk, here or while
    extracting zips and attachments into it) raises WriteFailure, before the reading where it can."""
    started = dt.datetime.now().astimezone()
    outdir = Path(outdir)
    prepare_output_folder(outdir)
    sweep_stale(outdir)  # what a killed run left behind
    # zip members are extracted inside OUTDIR, never elsewhere, and removed afterwards (also on
    # SIGTERM; after a kill -9 the next run sweeps them)
    try:
        workdir = Path(tempfile.mkdtemp(prefix=f".perfxl-work-{os.getpid()}-", dir=outdir))
    except OSError as exc:
        raise WriteFailure(outdir, exc) from None
    try:
        with terminate_cleanly():
            result = _run(
                inputs,
                workdir,
                cfg,
                jobs,
                roster,
                progress,
                executor,
                extra_inputs,
                started,
                cache_dir,
                scheduler,
                previous,
            )
            if finish is not None:
                finish(result)
        return result
    except OSError as exc:
        # zip members and mail attachments go to the work folder in OUTDIR: a full disk there
        # is the run's fault to tell, not an unreadable submission
        err = os_error_of(exc)
        if err is not None and err.errno in DISK_FULL:
            raise WriteFailure(outdir, err) from None
        raise
    finally:
        cleanup(workdir)


def _run(
    inputs: Sequence[str | Path],
    workdir: Path,
    cfg: Config,
    jobs: int,
    roster_path: str | Path | None,
    progress: Callable[[int, int], Callable[[int], None] | None] | None,
    executor: str,
    extra_inputs: Sequence[InputFile],
    started: dt.datetime,
    cache_dir: str | Path | None = None,
    scheduler: str | None = None,
    previous: str | Path | None = None,
) -> RunResult:
    notes: list[InputFile] = []
    items = discover(inputs, workdir, notes) + list(extra_inputs)
    hash_inputs(items)
    unique = set_aside_duplicates(items, notes)
    reading = _read(unique, workdir, jobs, progress, executor, cache_dir, scheduler)
    subs, frames = reading.subs, reading.frames
    by_sub = {s.sub: s for s in subs}
    sub_of_content = {u.sha256: u.sub for u in unique}
    for item in items:
        if item.status == DUPLICATE:
            item.sub = sub_of_content[item.sha256]
    sup = resolve_resubmissions(frames.projects, _received(unique, subs))
    for item in unique:
        if item.sub in sup.superseded:
            newer = by_sub[sup.superseded[item.sub]]
            item.status, item.reason = SUPERSEDED, f"已被 {newer.file} 替代"
    roster = None
    if roster_path is not None:
        from perfxl.read.roster import load_roster

        roster = load_roster(roster_path)
        frames.extra["roster"] = roster
        frames.extra["roster_name"] = Path(roster_path).name
    last = _last_year(previous, frames, cfg, set(sup.superseded)) if previous is not None else None
    frames.extra["ambiguous"] = sup.ambiguous
    frames.extra["files"] = {s.sub: s.file for s in subs}
    checked = run_checks(frames, cfg, skip=set(sup.superseded))
    report = Report(subs, frames, checked, cfg, extra={"superseded": sup.superseded})
    projects = _with_output_status(project_rows(report), checked)
    findings = _findings_table(checked.findings, projects)
    findings = _with_supersession_notes(findings, projects, sup.superseded, by_sub)
    details = _findings_table(checked.details, projects) if len(checked.details) else None
    matched = None
    if roster is not None:
        from perfxl.checks.roster import match_roster

        matched = match_roster(roster, projects)
    compared = None
    if last is not None:
        from perfxl.checks.previous_year import comparison_table

        now = frames.projects[
            ~frames.projects["blocked"].fillna(False).astype(bool)
            & ~frames.projects["sub"].isin(sup.superseded)
        ]
        compared = comparison_table(now, last, cfg.previous_year.name_similarity)
    return RunResult(
        report=report,
        previous=compared,
        inputs=sorted(items + notes, key=lambda i: i.display),
        projects=projects,
        findings=findings,
        finding_details=details if details is not None else findings.iloc[0:0],
        departments=rollups.departments(projects, cfg.execution.warn_below),
        units=rollups.units(projects, cfg.execution.warn_below),
        roster=matched,
        started=started,
        finished=dt.datetime.now().astimezone(),
        config=cfg,
        options={
            "jobs": jobs,
            "executor": executor,
            "scheduler": scheduler,
            "dask": reading.executor_stats or None,  # workers, tasks, files on the cluster and here
            "roster": str(roster_path) if roster_path else None,
            "previous": None
            if last is None or compared is None
            else {
                "source": last.source,
                "kind": last.kind,
                **{k: int((compared["status"] == v).sum()) for k, v in _COMPARED.items()},
            },
            # how many files this run read, and how many it took from the cache
            "cache": reading.cache_stats,
        },
    )


_COMPARED = {"matched": "匹配", "new": "本年新增", "gone": "上年有本年无"}


def _last_year(previous: str | Path, frames: Frames, cfg: Config, superseded: set[str]) -> Any:
    """Last year for the Y rules, in frames.extra["previous"]: the batch's own fiscal year says
    which year of a ledger is the previous one."""
    from perfxl.run.previous import load_previous

    p = frames.projects[~frames.projects["sub"].isin(superseded)]
    years = pd.to_numeric(p["fiscal_year"], errors="coerce").dropna()
    year = int(years.mode().iloc[0]) if len(years) else None
    last = load_previous(previous, cfg, year)
    frames.extra["previous"] = last
    return last


@dataclass
class _Reading:
    subs: list[Submission]
    frames: Frames
    executor_stats: dict[str, Any]
    cache_stats: dict[str, Any] | None


def _read(
    unique: list[InputFile],
    workdir: Path,
    jobs: int,
    progress: Callable[[int, int], Callable[[int], None] | None] | None,
    executor: str,
    cache_dir: str | Path | None,
    scheduler: str | None,
) -> _Reading:
    """Read every input (the cache first) into the batch frames, built as readings arrive; each
    input learns its submission and whether it was read."""
    tick = progress(len(unique), 0) if progress else None
    executor_stats: dict[str, Any] = {}
    cache = None
    if cache_dir is not None:
        from perfxl.run.cache import ReadCache

        cache = ReadCache(cache_dir)
    by_sha = {item.sha256: item for item in unique}
    builder = FrameBuilder()

    def arrived(batch: list[Submission]) -> None:
        for sub in batch:
            _take_provenance(by_sha[sub.sha256], sub)
        builder.add(batch)

    subs = read_all(
        unique,
        jobs=jobs,
        progress=tick,
        executor=executor,
        cache=cache,
        scheduler=scheduler,
        scratch=workdir,
        stats=executor_stats,
        sink=arrived,
    )
    if cache is not None:
        cache.prune()
    for item, sub in zip(unique, subs, strict=True):
        item.sub = sub.sub
        blocking = [f for f in sub.findings if f.rule in BLOCKING_READ]
        if blocking:
            item.status, item.reason = UNREADABLE, blocking[0].message
            item.library_error = sub.library_error
        else:
            item.status = READ
    frames = builder.frames([s.sub for s in subs])
    cache_stats = {**cache.stats(), "read": len(unique) - cache.hits} if cache else None
    return _Reading(subs, frames, executor_stats, cache_stats)


def _received(unique: list[InputFile], subs: list[Submission]) -> dict[str, dt.datetime | None]:
    """When each submission arrived: its e-mail date, else its zip member or file time."""
    received = {item.sub: item.received for item in unique if item.sub}
    # mails carry their sender's UTC offset: compared as local wall-clock time, like file times
    # (pandas turns a column of mixed offsets into NaT, and the e-mail date would decide nothing)
    received.update(
        {
            s.sub: _wall_clock(dt.datetime.fromisoformat(s.provenance["email_date"]))
            for s in subs
            if s.provenance.get("email_date")
        }
    )
    return received


def _with_supersession_notes(
    findings: pd.DataFrame,
    projects: pd.DataFrame,
    superseded: dict[str, str],
    by_sub: dict[str, Submission],
) -> pd.DataFrame:
    """A superseded version gets one note (D06) pointing at its replacement, so nothing is
    silently dropped."""
    notes = [
        make("D06", sub=sub, observed=by_sub[sub].file, expected=by_sub[newer].file)
        for sub, newer in sorted(superseded.items())
    ]
    if not notes:
        return findings
    extra = _findings_table(findings_frame(notes), projects)
    return pd.concat([findings, extra], ignore_index=True)


def _take_provenance(item: InputFile, sub: Submission) -> None:
    """Where the file came from (mail, zip, folder) goes with its reading into the frames."""
    sub.provenance.update(item.provenance)
    sub.provenance.setdefault("received", item.received.isoformat() if item.received else None)


def _wall_clock(d: dt.datetime) -> dt.datetime:
    return d.astimezone().replace(tzinfo=None) if d.tzinfo is not None else d


def _with_output_status(projects: pd.DataFrame, checked: Any) -> pd.DataFrame:
    """Adds how many 产出 indicators each project left unmet (for the department roll-up)."""
    ind = checked.frames.indicators
    if ind.empty or "met" not in ind:
        projects["unmet_output"] = 0
        return projects
    unmet = ind[(ind["level1"] == "产出指标") & (ind["met"] == False)]  # noqa: E712 - object column
    counts = unmet.groupby("sub").size()
    projects["unmet_output"] = projects["sub"].map(counts).fillna(0).astype(int)
    return projects


def _findings_table(findings: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Findings with the project context auditors filter by (department, unit, project, file)."""
    ctx = projects.set_index("sub")[
        ["department", "unit", "project", "file", "profile", "fiscal_year"]
    ]
    own = findings[["department", "unit", "project"]]
    out = findings.drop(columns=["department", "unit", "project"]).join(ctx, on="sub")
    # findings that belong to no submission (D01 roster rows, D04 departments) bring their own context
    for c in ("department", "unit", "project"):
        out[c] = out[c].where(out[c].notna(), own[c])
    return out
