"""`perfxl run` as one library call: run the batch, write every output, send the replies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from perfxl.checks.config import DEFAULT, Config
from perfxl.report.outputs import write_outputs
from perfxl.report.run_result import RunResult
from perfxl.run.batch import run_batch


@dataclass
class JobResult:
    """What `run_job` did: the run, the files and folders it wrote, the replies it sent, and why
    sending stopped (`send_error`), if it did: the outputs are written either way."""

    run: RunResult
    written: list[Path] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    send_error: str | None = None


def run_job(
    inputs: Sequence[str | Path],
    outdir: Path,
    cfg: Config = DEFAULT,
    *,
    jobs: int = 0,
    roster: str | Path | None = None,
    progress: Callable[[int, int], Callable[[int], None] | None] | None = None,
    executor: str = "local",
    cache_dir: str | Path | None = None,
    scheduler: str | None = None,
    feedback: bool = False,
    replies: bool = False,
    reply_from: str | None = None,
    smtp: tuple[str, int] | None = None,
) -> JobResult:
    """Read, check and write summary.xlsx, projects.csv, findings.csv and run.json into `outdir`;
    with `feedback` the annotated copies, with `replies` the reply drafts, with `smtp` (host, port)
    also send them from `reply_from`. `replies` implies `feedback`; `smtp` implies `replies`."""
    replies = replies or smtp is not None
    written: list[Path] = []

    def finish(run: RunResult) -> None:  # while zip members and mail attachments are still there
        written.extend(
            write_outputs(
                run, outdir, feedback=feedback or replies, replies=replies, reply_from=reply_from
            )
        )

    result = run_batch(
        inputs,
        outdir,
        cfg,
        jobs=jobs,
        roster=roster,
        progress=progress,
        finish=finish,
        executor=executor,
        cache_dir=cache_dir,
        scheduler=scheduler,
    )
    job = JobResult(result, written)
    if smtp is not None:
        _send_replies(job, outdir, smtp, reply_from or "")
    return job


def _send_replies(job: JobResult, outdir: Path, server: tuple[str, int], sender: str) -> None:
    from perfxl.report.replies import SendError, plan, send_drafts

    drafts = [(a, outdir / rel) for a, rel in plan(job.run).items() if (outdir / rel).exists()]
    try:
        job.sent = send_drafts(drafts, *server, sender=sender)
    except SendError as exc:
        job.send_error = (
            f"发送回复失败（{server[0]}:{server[1]}）：{exc}；回复草稿在 {outdir / 'replies'}"
        )
