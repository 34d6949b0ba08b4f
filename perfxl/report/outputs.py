"""Write every output of a run into OUTDIR as one set: all of them put in place together, or none."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from perfxl.files import staged_outputs
from perfxl.report.machine import stage_machine_outputs
from perfxl.report.run_result import RunResult


def write_outputs(
    run: RunResult,
    outdir: Path,
    row_limit: int | None = None,
    feedback: bool = False,
    replies: bool = False,
    reply_from: str | None = None,
    written: list[Path] | None = None,
) -> list[Path]:
    """The summary, CSV and JSON; with `feedback` the annotated copies in feedback/, with
    `replies` one reply draft per sender in replies/ (both written first: the summary links them).

    Everything is written into a scratch folder in OUTDIR first and put in place only when all of
    it is complete (perfxl.files.OutputStage): a full disk, a refused write or Ctrl-C before then
    leaves the previous outputs as they were (a full disk or a refused write raises WriteFailure).
    `written` gets each path as soon as it is in place.

    Feedback copies are made from the run's sources: call this inside `run_batch(finish=...)`
    when the inputs include zips or mail."""
    from perfxl.report.summary import write_summary

    outdir.mkdir(parents=True, exist_ok=True)
    with staged_outputs(outdir) as stage:
        if feedback or replies:
            from perfxl.report.feedback import FOLDER, write_feedback

            staged = stage.folder(FOLDER)
            done = write_feedback(run, outdir, into=staged)
            run.options["feedback_workbooks"] = len(done)
            if replies:
                from perfxl.report.replies import FOLDER as REPLIES
                from perfxl.report.replies import write_replies

                # the drafts attach the copies where they are now, not where they will be
                here = {
                    sub: dataclasses.replace(fb, path=staged / fb.path.name if fb.path else None)
                    for sub, fb in done.items()
                }
                drafts = write_replies(
                    run, outdir, here, sender=reply_from, into=stage.folder(REPLIES)
                )
                run.options["reply_drafts"] = len(drafts)
        write_summary(run, stage.file("summary.xlsx"), outdir=outdir, row_limit=row_limit)
        stage_machine_outputs(run, stage)
        stage.commit(written)
    names = ["summary.xlsx", "projects.csv", "findings.csv", "run.json"]
    folders = [n for n in stage.names if n not in names]
    return [outdir / n for n in names] + [outdir / n for n in folders]
