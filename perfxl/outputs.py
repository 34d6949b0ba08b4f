"""Machine outputs of a run (projects.csv, findings.csv, run.json) and atomic file writing."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from perfxl.batch import INPUT_STATUS_ZH, RunResult
from perfxl.findings import plain

PROJECT_CSV_COLUMNS = (
    "file",
    "profile",
    "layout",
    "fiscal_year",
    "project_code",
    "department",
    "unit",
    "project",
    "budget_wan",
    "executed_wan",
    "exec_rate",
    "exec_rate_reported",
    "total_score_reported",
    "total_score_recomputed",
    "total_score_na_rescaled",
    "grade_reported",
    "grade_recomputed",
    "errors",
    "warnings",
    "infos",
    "status",
    "status_en",
    "superseded_by",
    "submit_date",
    "sha256",
    "sub",
)
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
)


# Scratch names carry the writing process's id, so a later run can tell the leftovers of a killed
# run (kill -9, power cut: no cleanup code runs) from those of a run still going in the same OUTDIR.
SCRATCH_DIR = re.compile(r"^\.perfxl-(?:work|tmp)-(\d+)-[a-z0-9_]+$")
SCRATCH_FILE = re.compile(r"^\..+\.(\d+)\.[a-z0-9_]{8}\.tmp$")


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """While active, SIGTERM and SIGHUP end the process through Python (SystemExit), so `finally`
    blocks remove temporary files; SIGINT already does (KeyboardInterrupt)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                previous[sig] = signal.signal(sig, stop)
            except (ValueError, OSError):
                pass
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it into place only when the block succeeds,
    so an interrupted run leaves the previous file intact and no partial file behind. Libraries
    that make temporary files of their own (XlsxWriter) make them in a scratch folder there too:
    nothing is written outside the output folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    # names are chosen before anything is created, so a signal landing anywhere in between
    # still finds them in `finally`
    token = secrets.token_hex(4)
    tmp_path = target.parent / f".{target.name}.{pid}.{token}.tmp"
    scratch = target.parent / f".perfxl-tmp-{pid}-{token}"
    saved = tempfile.tempdir
    with terminate_cleanly():
        try:
            os.mkdir(scratch, 0o700)
            os.close(os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            tempfile.tempdir = str(scratch)
            try:
                yield tmp_path
            finally:
                tempfile.tempdir = saved
            # outputs are shared documents: the usual umask, not the 0600 of a temporary file
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)
            os.replace(tmp_path, target)
        finally:
            tmp_path.unlink(missing_ok=True)
            shutil.rmtree(scratch, ignore_errors=True)


def sweep_stale(outdir: Path) -> list[str]:
    """Remove what killed runs left in `outdir` (temporary outputs, scratch and work folders)."""
    removed: list[str] = []
    try:
        entries = list(outdir.iterdir())
    except OSError:
        return removed
    for p in entries:
        is_dir = p.is_dir() and not p.is_symlink()
        m = (SCRATCH_DIR if is_dir else SCRATCH_FILE).match(p.name)
        if m is None or _alive(int(m.group(1))):
            continue
        if is_dir:
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p.name)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":
        return True  # on Windows os.kill(pid, 0) would end the process: leftovers stay there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # someone else's process: leave its files alone
    return True


def write_atomic(target: Path, writer: Callable[[Path], None]) -> Path:
    with atomic_path(target) as tmp:
        writer(tmp)
    return target


def _csv(df: pd.DataFrame, columns: tuple[str, ...], path: Path) -> None:
    out = df.reindex(columns=list(columns))
    # UTF-8 with BOM so Excel opens Chinese text correctly; cells that start with = + - @ are
    # prefixed with a quote so a spreadsheet never runs them as formulas
    out = out.apply(
        lambda col: (
            col.map(_csv_safe) if col.dtype == object or str(col.dtype).startswith("str") else col
        )
    )
    out.to_csv(path, index=False, encoding="utf-8-sig")


def _csv_safe(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


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
        "projects": _records(run.projects, PROJECT_CSV_COLUMNS),
        "findings": _records(run.findings, FINDING_CSV_COLUMNS),
        "departments": _records(run.departments, tuple(run.departments.columns)),
        "roster": _records(run.roster, tuple(run.roster.columns))
        if run.roster is not None
        else None,
        "inputs": manifest(run),
    }


def counts(run: RunResult) -> dict[str, Any]:
    p, f = run.projects, run.findings
    status = p["status"].value_counts().to_dict() if not p.empty else {}
    sev = f["severity"].value_counts().to_dict() if not f.empty else {}
    return {
        "inputs": len(run.inputs),
        "submissions": len(p),
        "projects": int(p["status"].isin(["通过", "需修改"]).sum()) if not p.empty else 0,
        "departments": int(p.loc[p["status"].isin(["通过", "需修改"]), "department"].nunique())
        if not p.empty
        else 0,
        "status": {str(k): int(v) for k, v in status.items()},
        "errors": int(sev.get("error", 0)),
        "warnings": int(sev.get("warning", 0)),
        "infos": int(sev.get("info", 0)),
    }


def write_machine_outputs(run: RunResult, outdir: Path) -> list[Path]:
    written = [
        write_atomic(outdir / "projects.csv", lambda p: _csv(run.projects, PROJECT_CSV_COLUMNS, p)),
        write_atomic(outdir / "findings.csv", lambda p: _csv(run.findings, FINDING_CSV_COLUMNS, p)),
        write_atomic(
            outdir / "run.json",
            lambda p: p.write_text(
                json.dumps(run_dict(run), ensure_ascii=False, indent=1, default=str),
                encoding="utf-8",
            ),
        ),
    ]
    return written
