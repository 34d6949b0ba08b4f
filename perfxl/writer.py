"""Write every output of a run into OUTDIR, each file atomically."""

from __future__ import annotations

from pathlib import Path

from perfxl.batch import RunResult
from perfxl.outputs import write_atomic, write_machine_outputs


def write_outputs(run: RunResult, outdir: Path, row_limit: int | None = None) -> list[Path]:
    from perfxl.summary import write_summary

    outdir.mkdir(parents=True, exist_ok=True)
    summary = write_atomic(
        outdir / "summary.xlsx", lambda p: write_summary(run, p, outdir=outdir, row_limit=row_limit)
    )
    return [summary, *write_machine_outputs(run, outdir)]
