"""The web app's runs: one folder per run under the serve data folder, a random id, the job in a
background thread (a bounded number at once), its progress, and its results as plain JSON rows."""

from __future__ import annotations

import math
import os
import secrets
import shutil
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
# the uploads' folder: its name is how the files show in the outputs (上传/自评表.xlsx)
UPLOADS = "上传"

PROJECT_COLUMNS = (
    "sub",
    "department",
    "unit",
    "project",
    "project_code",
    "fiscal_year",
    "file",
    "budget_wan",
    "executed_wan",
    "exec_rate",
    "total_score_reported",
    "total_score_recomputed",
    "grade_reported",
    "grade_recomputed",
    "errors",
    "warnings",
    "infos",
    "status",
    "status_en",
)
FINDING_COLUMNS = (
    "sub",
    "rule",
    "severity",
    "department",
    "unit",
    "project",
    "file",
    "sheet",
    "cell",
    "message",
    "message_en",
    "observed",
    "expected",
)


def plain(v: Any) -> Any:
    """A JSON-safe value: NaN and NA become None, numpy scalars Python ones, dates text."""
    if v is None:
        return None
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, str | bool | int):
        return v
    try:
        import pandas as pd

        if v is pd.NA or v is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    if hasattr(v, "item"):
        return plain(v.item())
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def rows_of(df: Any, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    if df is None or df.empty:
        return []
    out = df.reindex(columns=list(columns))
    return [{k: plain(v) for k, v in r.items()} for r in out.to_dict("records")]


@dataclass
class RunState:
    """One run of the page: where it lives, how far it got, what it produced."""

    id: str
    owner: str
    folder: Path
    inputs: list[Path]
    names: list[str]
    roster: Path | None = None
    config: Path | None = None
    ledger: Path | None = None
    status: str = QUEUED
    total: int = 0
    done: int = 0
    created: float = field(default_factory=time.time)
    finished: float | None = None
    error: str | None = None
    error_en: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    projects: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    inputs_table: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # the run's own outputs, served by index
    sources: dict[str, Path] = field(default_factory=dict)  # sub -> a copy of its workbook

    @property
    def outdir(self) -> Path:
        return self.folder / "out"

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "total": self.total,
            "done": self.done,
            "names": self.names[:20],
            "inputs": len(self.names),
            "created": self.created,
            "finished": self.finished,
            "error": self.error,
            "error_en": self.error_en,
            "counts": self.counts,
        }

    def file_list(self) -> list[dict[str, Any]]:
        out = []
        for k, p in enumerate(self.files):
            rel = p.relative_to(self.outdir).as_posix()
            kind = rel.split("/")[0] if "/" in rel else p.suffix.lstrip(".")
            size = p.stat().st_size if p.is_file() else 0
            out.append({"key": k, "name": rel, "kind": kind, "size": size})
        return out


class Runs:
    """Every run of this serve process; `slots` jobs run at once, the others wait their turn."""

    def __init__(
        self, data_dir: Path, ledger: Path | None = None, slots: int = 0, max_active: int = 64
    ) -> None:
        self.data_dir = data_dir
        self.ledger = ledger
        cores = os.cpu_count() or 1
        self.slots = slots or max(2, min(cores, 4))
        self.jobs = 1 if cores <= self.slots else max(1, cores // self.slots)
        self.max_active = max_active
        self._gate = threading.Semaphore(self.slots)
        self._ledger_lock = threading.Lock()  # the runs recorded in the ledger go one at a time
        self._lock = threading.Lock()
        self._runs: dict[str, RunState] = {}
        self._procs: set[Any] = set()

    # ------------------------------------------------------------------ bookkeeping

    def new(self, owner: str) -> RunState:
        run_id = secrets.token_urlsafe(12)
        folder = self.data_dir / "runs" / run_id
        (folder / UPLOADS).mkdir(parents=True)
        state = RunState(run_id, owner, folder, [], [])
        with self._lock:
            self._runs[run_id] = state
        return state

    def discard(self, state: RunState) -> None:
        with self._lock:
            self._runs.pop(state.id, None)
        shutil.rmtree(state.folder, ignore_errors=True)

    def get(self, run_id: str) -> RunState | None:
        with self._lock:
            return self._runs.get(run_id)

    def of(self, owner: str) -> list[RunState]:
        with self._lock:
            runs = [r for r in self._runs.values() if r.owner == owner]
        return sorted(runs, key=lambda r: r.created, reverse=True)

    def active(self) -> int:
        with self._lock:
            return sum(1 for r in self._runs.values() if r.status in (QUEUED, RUNNING))

    def busy(self) -> bool:
        return self.active() >= self.max_active

    # ------------------------------------------------------------------ running

    def start(self, state: RunState) -> threading.Thread:
        thread = threading.Thread(
            target=self._work, args=(state,), name=f"perfxl-run-{state.id}", daemon=True
        )
        thread.start()
        return thread

    def wait(self, state: RunState, timeout: float = 60.0) -> RunState:
        """Until the run is done or failed (for tests and scripts)."""
        end = time.monotonic() + timeout
        while state.status in (QUEUED, RUNNING) and time.monotonic() < end:
            time.sleep(0.05)
        return state

    def _work(self, state: RunState) -> None:
        with self._gate:
            state.status = RUNNING
            try:
                if state.ledger is not None:
                    with self._ledger_lock:
                        self._in_process(state)
                else:
                    self._in_process(state)
            except BaseException as exc:  # whatever happens, the page gets a message, never a 500
                state.error, state.error_en = failure_text(exc)
                state.status = FAILED
                traceback.print_exc()
            finally:
                state.finished = time.time()

    def _in_process(self, state: RunState) -> None:
        """The job in a process of its own: perfxl's run keeps process-wide state (the
        temporary folder of its output stage, signal handlers), so runs side by side must not
        share one; a run that crashes takes only its own process down."""
        ctx = _context()
        receiver, sender = ctx.Pipe(duplex=False)
        spec = {
            "inputs": state.inputs,
            "outdir": state.outdir,
            "folder": state.folder,
            "config": state.config,
            "roster": state.roster,
            "ledger": state.ledger,
            "jobs": self.jobs,
        }
        proc = ctx.Process(target=job_process, args=(sender, spec), name=f"perfxl-run-{state.id}")
        proc.start()
        sender.close()
        with self._lock:
            self._procs.add(proc)
        outcome: tuple[str, Any] | None = None
        try:
            while outcome is None:
                if receiver.poll(0.2):
                    try:
                        kind, value = receiver.recv()
                    except EOFError:
                        break
                    if kind == "progress":
                        state.total, state.done = value
                    else:
                        outcome = (kind, value)
                elif not proc.is_alive() and not receiver.poll(0):
                    break
        finally:
            receiver.close()
            proc.join(30)
            with self._lock:
                self._procs.discard(proc)
        if outcome is None:
            code = proc.exitcode
            state.error = f"审核进程意外退出（退出码 {code}）。请重试，或分批上传。"
            state.error_en = f"the run's process ended unexpectedly (exit code {code})"
            state.status = FAILED
        elif outcome[0] == "failed":
            state.error, state.error_en = outcome[1]
            state.status = FAILED
        else:
            for k, v in outcome[1].items():
                setattr(state, k, v)
            state.done = state.total
            state.status = DONE

    def close(self) -> None:
        """End the runs still going (the server is stopping)."""
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.join(10)


def _context() -> Any:
    import multiprocessing

    # a clean server-side process forks each run: not the threaded web server itself
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["perfxl.run.job", "perfxl.report.machine", "perfxl.web.runs"])
    return ctx


def job_process(conn: Any, spec: dict[str, Any]) -> None:
    """A run's process: the job, its progress and its results sent back through `conn`."""
    try:
        conn.send(
            ("done", execute(spec, lambda total, done: conn.send(("progress", (total, done)))))
        )
    except BaseException as exc:
        conn.send(("failed", failure_text(exc)))
        if failure_text(exc)[0].startswith("内部错误"):
            traceback.print_exc()
    finally:
        conn.close()


def execute(spec: dict[str, Any], tell: Any) -> dict[str, Any]:
    """run_job with the page's options; returns what the page shows, as RunState fields."""
    from perfxl.checks.config import load_config
    from perfxl.report.machine import counts, manifest
    from perfxl.run.job import run_job

    cfg = load_config(spec["config"])
    seen = {"total": 0, "done": 0, "at": 0.0}

    def progress(total: int, done: int) -> Any:
        seen.update(total=total, done=done)
        tell(total, done)

        def update(n: int) -> None:
            seen["done"] += n
            now = time.monotonic()
            if now - seen["at"] > 0.1 or seen["done"] >= seen["total"]:
                seen["at"] = now
                tell(seen["total"], seen["done"])

        return update

    sources_dir = Path(spec["folder"]) / "sources"
    sources: dict[str, Path] = {}

    def keep_sources(run: Any) -> None:
        # a copy of each workbook with findings, for the detail view (zip members and mail
        # attachments are gone once the run ends); named by submission id, never by a name
        # from the request
        flagged = set(run.findings["sub"].dropna()) if not run.findings.empty else set()
        sources_dir.mkdir(exist_ok=True)
        for item in run.inputs:
            if item.sub in flagged and item.sub not in sources and item.path.is_file():
                target = sources_dir / f"{item.sub}{item.path.suffix.lower()[:6]}"
                shutil.copyfile(item.path, target)
                sources[item.sub] = target

    job = run_job(
        spec["inputs"],
        spec["outdir"],
        cfg,  # type: ignore[arg-type]
        jobs=spec["jobs"],
        roster=spec["roster"],
        progress=progress,
        feedback=True,
        replies=True,
        ledger=spec["ledger"],
        on_result=keep_sources,
    )
    result = job.run
    files: list[Path] = []
    for p in job.written:
        if p.is_dir():
            files += sorted(q for q in p.rglob("*") if q.is_file())
        elif p.is_file():
            files.append(p)
    return {
        "counts": counts(result),
        "projects": rows_of(result.projects, PROJECT_COLUMNS),
        "findings": rows_of(result.findings, FINDING_COLUMNS),
        "inputs_table": [
            {k: plain(v) for k, v in row.items() if k in ("file", "status", "status_zh", "reason")}
            for row in manifest(result)
        ],
        "files": files,
        "sources": sources,
        "total": seen["total"],
    }


def failure_text(exc: BaseException) -> tuple[str, str]:
    """What the page says when a run stops: the user's faults in their own words, the rest as an
    internal error."""
    from perfxl.checks.config import ConfigError
    from perfxl.files import WriteFailure
    from perfxl.read.roster import RosterError
    from perfxl.run.job import RunInterrupted
    from perfxl.run.ledger import LedgerError
    from perfxl.run.previous import PreviousError

    if isinstance(exc, ConfigError):
        return f"配置错误：{exc}", f"configuration error: {exc}"
    if isinstance(exc, RosterError | LedgerError | PreviousError):
        return str(exc), str(exc)
    if isinstance(exc, WriteFailure):
        return f"{exc.zh}。", str(exc)
    if isinstance(exc, RunInterrupted | KeyboardInterrupt):
        return "运行已中断。", "the run was interrupted"
    return (
        f"内部错误：{type(exc).__name__}: {exc}",
        f"internal error: {type(exc).__name__}: {exc}",
    )
