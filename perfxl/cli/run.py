"""`perfxl run`: the department-wide job over files, folders, zips and mailboxes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from perfxl.cli.app import (
    EXIT_FINDINGS,
    EXIT_OK,
    PerfxlError,
    config_option,
    load_config,
    main,
    output_folder_option,
)

if TYPE_CHECKING:
    from perfxl.run.job import JobResult


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_folder_option("输出文件夹。")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    show_default="全部核心",
    help="并行进程数（0 = 全部核心）。",
)
@click.option(
    "--roster",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="应提交项目名单（xlsx 或 csv：项目编码、项目名称、单位、主管部门、批复预算）。",
)
@config_option
@click.option(
    "--progress/--no-progress", default=None, help="在终端显示进度条（默认：终端时显示）。"
)
@click.option(
    "--feedback",
    is_flag=True,
    help="为每份有问题的工作簿生成审核意见副本（OUTDIR/feedback，原文件不动）。",
)
@click.option(
    "--replies",
    is_flag=True,
    help="为每个发件人生成回复草稿 .eml（OUTDIR/replies，附审核意见副本；含 --feedback）。",
)
@click.option(
    "--reply-from",
    metavar="ADDRESS",
    default=None,
    help="回复的发件人，如 “绩效处 <jxc@example.gov.cn>”（--smtp 必填）。",
)
@click.option(
    "--smtp",
    metavar="HOST:PORT",
    default=None,
    help="通过此 SMTP 服务器发出回复（含 --replies；账号密码取自 PERFXL_SMTP_USER/PASSWORD）。",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="不使用读取缓存：每个文件都重新读取（缓存既不读也不写）。",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="读取缓存的位置（默认 OUTDIR/.perfxl-cache；内容未变的文件不再重新读取）。",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default=None,
    help="读取文件的执行方式：local（本机多进程，默认）或 dask（Dask 集群；需 perfxl[dask]）。",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="已有 Dask 集群的调度器地址，如 tcp://10.0.0.5:8786（含 --executor dask；不给则启动本机集群）。",
)
def run(
    inputs: tuple[Path, ...],
    outdir: Path,
    jobs: int,
    roster: Path | None,
    config_path: Path | None,
    progress: bool | None,
    feedback: bool,
    replies: bool,
    reply_from: str | None,
    smtp: str | None,
    no_cache: bool,
    cache_dir: Path | None,
    executor: str | None,
    scheduler: str | None,
) -> None:
    """汇总一批工作簿（文件、文件夹、zip、邮件 .eml/mbox/Maildir），生成 summary.xlsx、projects.csv、findings.csv、run.json。"""
    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        raise PerfxlError("输入不存在：" + "，".join(missing))
    if roster is not None and not roster.exists():
        raise PerfxlError(f"名单文件不存在：{roster}")
    if outdir.exists() and not outdir.is_dir():
        raise PerfxlError(f"输出位置不是文件夹：{outdir}")
    server = _smtp_server(smtp, reply_from)
    executor = _executor(executor, scheduler)
    if no_cache and cache_dir is not None:
        raise PerfxlError("--no-cache 与 --cache-dir 不能同时使用")
    from perfxl.run.cache import DIRNAME

    cache = None if no_cache else (cache_dir or outdir / DIRNAME)
    cfg = load_config(config_path)
    from perfxl.read.roster import RosterError
    from perfxl.run.executors import ExecutorError
    from perfxl.run.job import run_job

    bars = _ProgressBars(sys.stderr.isatty() if progress is None else progress)
    try:
        job = run_job(
            inputs,
            outdir,
            cfg,  # type: ignore[arg-type]
            jobs=jobs,
            roster=roster,
            progress=bars.start,
            executor=executor,
            cache_dir=cache,
            scheduler=scheduler,
            feedback=feedback,
            replies=replies,
            reply_from=reply_from,
            smtp=server,
        )
    except (RosterError, ExecutorError) as exc:
        raise PerfxlError(str(exc)) from exc
    finally:
        bars.close()
    errors = _report(job)
    if job.send_error is not None:
        raise PerfxlError(job.send_error)
    if server is not None:
        click.echo(
            f"已通过 {server[0]}:{server[1]} 发出 {len(job.sent)} 封回复：" + "，".join(job.sent)
        )
    sys.exit(EXIT_FINDINGS if errors else EXIT_OK)


class _ProgressBars:
    """click progress bars for the reading, shown on a terminal (or with --progress)."""

    def __init__(self, show: bool) -> None:
        self.show = show
        self.bars: list[object] = []

    def start(self, total: int, _done: int) -> object:
        if not self.show or total == 0:
            return None
        bar = click.progressbar(length=total, label="读取工作簿", file=sys.stderr)
        bar.__enter__()
        self.bars.append(bar)
        return bar.update

    def close(self) -> None:
        for bar in self.bars:
            bar.__exit__(None, None, None)  # type: ignore[attr-defined]


def _report(job: JobResult) -> int:
    """The lines a run prints: counts, cache and Dask use, the files written; returns the errors."""
    from perfxl.report.machine import counts

    result = job.run
    c = counts(result)
    click.echo(
        f"已处理 {c['inputs']} 个输入文件、{c['projects']} 个项目（{c['departments']} 个主管部门）："
        f"错误 {c['errors']}，警告 {c['warnings']}，提示 {c['infos']}。"
    )
    cached = result.options.get("cache")
    if cached and cached["hits"]:
        click.echo(
            f"读取缓存：{cached['hits']} 个文件内容未变，沿用上次的读取结果；重新读取 {cached['read']} 个。"
        )
    spread = result.options.get("dask")
    if spread and (spread["tasks"] or spread["files_here"]):
        click.echo(
            f"Dask：{spread['workers']} 个 worker 以 {spread['tasks']} 个任务读取 "
            f"{spread['files_on_cluster']} 个文件，本机读取 {spread['files_here']} 个。"
        )
    for path in job.written:
        click.echo(f"  {path}")
    return int(c["errors"])


def _executor(executor: str | None, scheduler: str | None) -> str:
    if scheduler is not None and executor == "local":
        raise PerfxlError("--scheduler 只用于 --executor dask")
    chosen = executor or ("dask" if scheduler is not None else "local")
    if chosen == "dask":
        from perfxl.run.executors import ExecutorError, require_dask

        try:
            require_dask()
        except ExecutorError as exc:
            raise PerfxlError(str(exc)) from exc
    return chosen


def _smtp_server(smtp: str | None, reply_from: str | None) -> tuple[str, int] | None:
    if reply_from is not None:
        from email.utils import parseaddr

        if "@" not in parseaddr(reply_from)[1]:
            raise PerfxlError(f"--reply-from 不是邮件地址：{reply_from}")
    if smtp is None:
        return None
    from perfxl.report.replies import parse_server

    try:
        server = parse_server(smtp)
    except ValueError:
        raise PerfxlError(
            f"--smtp 应为 主机:端口，例如 smtp.example.gov.cn:25（收到 {smtp}）"
        ) from None
    if reply_from is None:
        raise PerfxlError("--smtp 需要同时给出 --reply-from（回复的发件人地址）")
    return server
