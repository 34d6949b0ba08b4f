"""Write every output of a run into OUTDIR, each file atomically."""

from __future__ import annotations

from pathlib import Path

from perfxl.files import write_atomic
from perfxl.report.machine import write_machine_outputs
from perfxl.report.run_result import RunResult


def write_outputs(
    run: RunResult,
    outdir: Path,
    row_limit: int | None = None,
    feedback: bool = False,
    replies: bool = False,
    reply_from: str | None = None,
) -> list[Path]:
    """The summary, CSV and JSON; with `feedback` the annotated copies in feedback/, with
    `replies` one reply draft per sender in replies/ (both written first: the summary links them).

    Feedback copies are made from the run's sources: call this inside `run_batch(finish=...)`
    when the inputs include zips or mail."""
    from perfxl.report.summary import write_summary

    outdir.mkdir(parents=True, exist_ok=True)
    folders: list[Path] = []
    if feedback or replies:
        from perfxl.report.feedback import FOLDER, write_feedback

        done = write_feedback(run, outdir)
        run.options["feedback_workbooks"] = len(done)
        folders.append(outdir / FOLDER)
        if replies:
            from perfxl.report.replies import FOLDER as REPLIES
            from perfxl.report.replies import write_replies

            drafts = write_replies(run, outdir, done, sender=reply_from)
            run.options["reply_drafts"] = len(drafts)
            folders.append(outdir / REPLIES)
    summary = write_atomic(
        outdir / "summary.xlsx", lambda p: write_summary(run, p, outdir=outdir, row_limit=row_limit)
    )
    return [summary, *write_machine_outputs(run, outdir), *folders]
