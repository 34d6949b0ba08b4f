"""`perfxl run` as one library call: run the batch, write every output, send the replies."""

from __future__ import annotations

import signal
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfxl.checks.config import DEFAULT, Config
from perfxl.files import Terminated
from perfxl.report.outputs import write_outputs
from perfxl.report.run_result import RunResult
from perfxl.run.batch import run_batch
from perfxl.run.ledger import Ledger
from perfxl.run.season import record_run, season_status


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM, SIGHUP) stopped `run_job`; `written` are the outputs already in place
    (none, or the whole set: they are put in place together), `sent` the replies already sent,
    `exit_code` 130 for Ctrl-C, 128 + the signal's number otherwise."""

    def __init__(self, written: list[Path], sent: list[str], exit_code: int) -> None:
        super().__init__()
        self.written = written
        self.sent = sent
        self.exit_code = exit_code


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
    ledger: str | Path | None = None,
    previous: str | Path | None = None,
    on_result: Callable[[RunResult], None] | None = None,
) -> JobResult:
    """Read, check and write summary.xlsx, projects.csv, findings.csv and run.json into `outdir`;
    with `feedback` the annotated copies, with `replies` the reply drafts, with `smtp` (host, port)
    also send them from `reply_from`. `replies` implies `feedback`; `smtp` implies `replies`.

    With `ledger`, the run is one transaction of that season ledger (perfxl.run.ledger): its
    submissions, findings and replies are recorded, the summary gets 整改情况, and nothing is
    committed unless the outputs are in place — an interrupted run leaves the ledger as it was.

    `on_result` is called with the run before its outputs are written, while every input (zip
    members and mail attachments too, at `InputFile.path`) can still be read."""
    replies = replies or smtp is not None
    written: list[Path] = []
    sent: list[str] = []

    book = Ledger(ledger) if ledger is not None else None
    recorded: dict[str, Any] = {}

    def finish(run: RunResult) -> None:  # while zip members and mail attachments are still there
        if on_result is not None:
            on_result(run)
        if book is not None:
            run_id, ids = record_run(book, run, [str(i) for i in inputs], str(outdir))
            recorded.update(run_id=run_id, ids=ids)
            run.season = season_status(book)
            run.options["ledger"] = {"path": str(ledger), "run_id": run_id}
        placed = write_outputs(
            run,
            outdir,
            feedback=feedback or replies,
            replies=replies,
            reply_from=reply_from,
            written=written,
        )
        written[:] = placed  # the summary first, as write_outputs lists them
        if book is not None and (feedback or replies):
            _record_feedback(book, run, outdir, recorded)

    batch: dict[str, Any] = dict(
        jobs=jobs,
        roster=roster,
        progress=progress,
        executor=executor,
        cache_dir=cache_dir,
        scheduler=scheduler,
        previous=previous,
    )
    try:
        with book.run_transaction() if book is not None else nullcontext():
            job = _run(inputs, outdir, cfg, finish, smtp, reply_from, written, sent, **batch)
            if book is not None and recorded:
                _record_sent(book, job, recorded)
                book.finish_run(recorded["run_id"])
    except KeyboardInterrupt:
        raise RunInterrupted(written, sent, 128 + signal.SIGINT) from None
    except Terminated as stop:
        raise RunInterrupted(written, sent, 128 + stop.signum) from None
    finally:
        if book is not None:
            book.close()
    return job


def _run(
    inputs: Sequence[str | Path],
    outdir: Path,
    cfg: Config,
    finish: Callable[[RunResult], None],
    smtp: tuple[str, int] | None,
    reply_from: str | None,
    written: list[Path],
    sent: list[str],
    **batch: Any,
) -> JobResult:
    result = run_batch(inputs, outdir, cfg, finish=finish, **batch)
    job = JobResult(result, written, sent)
    if smtp is not None:
        _send_replies(job, outdir, smtp, reply_from or "")
    return job


def _record_feedback(book: Ledger, run: RunResult, outdir: Path, recorded: dict[str, Any]) -> None:
    from perfxl.report.feedback import plan

    for sub, rel in plan(run).items():
        if (outdir / rel).exists() and sub in recorded["ids"]:
            book.record_reply(recorded["run_id"], recorded["ids"][sub], "feedback", rel)


def _record_sent(book: Ledger, job: JobResult, recorded: dict[str, Any]) -> None:
    if not job.sent:
        return
    from perfxl.report.replies import senders

    for address, items in senders(job.run).items():
        if address in job.sent:
            for item in items:
                if item.sub in recorded["ids"]:
                    book.record_reply(
                        recorded["run_id"], recorded["ids"][item.sub], "sent", address
                    )


def _send_replies(job: JobResult, outdir: Path, server: tuple[str, int], sender: str) -> None:
    from perfxl.report.replies import SendError, plan, send_drafts

    drafts = [(a, outdir / rel) for a, rel in plan(job.run).items() if (outdir / rel).exists()]
    try:
        send_drafts(drafts, *server, sender=sender, sent=job.sent)
    except SendError as exc:
        job.send_error = (
            f"发送回复失败（{server[0]}:{server[1]}）：{exc}；回复草稿在 {outdir / 'replies'}"
        )
