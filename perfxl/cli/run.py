"""`perfxl run`: the department-wide job over files, folders, zips and mailboxes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from perfxl.cli.app import (
    EXIT_FINDINGS,
    EXIT_OK,
    PerfxlError,
    config_option,
    debugging,
    load_config,
    main,
    output_folder_option,
    say,
)
from perfxl.intake.inputs import SKIPPED, UNREADABLE
from perfxl.intake.names import display_name

if TYPE_CHECKING:
    from perfxl.run.job import JobResult, RunInterrupted


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
@click.option(
    "--ledger",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="PERFXL_LEDGER",
    default=None,
    help="本季台账（SQLite 文件，不存在则新建）：记录每次运行、每个版本、问题和回复，"
    "汇总表增加“整改情况”（也可用环境变量 PERFXL_LEDGER）。",
)
@click.option(
    "--previous",
    type=click.Path(path_type=Path),
    default=None,
    help="上年数据：上年工作簿所在文件夹（或 zip）、上年的输出文件夹（含 run.json）或台账文件；"
    "用于上年对比（Y 类规则、“上年对比”表）。",
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
    ledger: Path | None,
    previous: Path | None,
) -> None:
    """汇总一批工作簿（文件、文件夹、zip、邮件 .eml/mbox/Maildir），生成 summary.xlsx、projects.csv、findings.csv、run.json。"""
    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        raise PerfxlError("输入不存在：" + "，".join(missing))
    if roster is not None and not roster.exists():
        raise PerfxlError(f"名单文件不存在：{roster}")
    if previous is not None and not previous.exists():
        raise PerfxlError(f"上年数据不存在：{previous}")
    if outdir.exists() and not outdir.is_dir():
        raise PerfxlError(f"输出位置不是文件夹：{outdir}")
    server = _smtp_server(smtp, reply_from)
    executor = _executor(executor, scheduler)
    if no_cache and cache_dir is not None:
        raise PerfxlError("--no-cache 与 --cache-dir 不能同时使用")
    from perfxl.run.cache import DIRNAME

    cache = None if no_cache else (cache_dir or outdir / DIRNAME)
    cfg = load_config(config_path)
    from perfxl.files import WriteFailure
    from perfxl.intake.own_folders import RUN_FILE
    from perfxl.read.roster import RosterError
    from perfxl.run.executors import ExecutorError
    from perfxl.run.job import RunInterrupted, run_job
    from perfxl.run.ledger import LedgerError
    from perfxl.run.previous import PreviousError

    had_outputs = (outdir / RUN_FILE).is_file()
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
            ledger=ledger,
            previous=previous,
        )
    except (RosterError, ExecutorError, LedgerError, PreviousError) as exc:
        raise PerfxlError(str(exc)) from exc
    except RunInterrupted as stop:
        bars.close()
        say(_interrupted(outdir, stop, had_outputs, smtp=server is not None))
        sys.exit(stop.exit_code)
    except WriteFailure as exc:
        kept = "上次的输出保持不变" if had_outputs else "没有写出任何输出"
        if debugging():
            say(f"perfxl: {exc.zh}。{kept}，临时文件已删除。")
            raise
        raise PerfxlError(f"{exc.zh}。{kept}，临时文件已删除。") from exc
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


def _interrupted(outdir: Path, stop: RunInterrupted, had_outputs: bool, smtp: bool) -> str:
    """The one line an interrupted run ends with: what it kept."""
    if not stop.written:
        kept = "未写出新的输出，上次的结果保持不变" if had_outputs else "未写出任何输出"
        return f"perfxl: 已中断：{kept}（{outdir}），临时文件已删除。"
    line = f"perfxl: 已中断：本次的输出已全部写出（{outdir}）"
    if smtp:
        line += f"，回复已发出 {len(stop.sent)} 封，其余未发出" if stop.sent else "，回复未发出"
    return line + "。"


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
        while self.bars:
            self.bars.pop().__exit__(None, None, None)  # type: ignore[attr-defined]


def _report(job: JobResult) -> int:
    """The lines a run prints: what was read and what was skipped (and why), cache and Dask use,
    the files written; returns the errors."""
    from perfxl.report.machine import counts

    result = job.run
    c = counts(result)
    try:
        for line in _report_lines(job, c):
            click.echo(display_name(line))
    except BrokenPipeError:  # `perfxl run … | head`: the rest is not wanted, the outcome still is
        _quiet_stdout()
    return int(c["errors"])


def _report_lines(job: JobResult, c: dict[str, Any]) -> list[str]:
    from perfxl.report.machine import skip_kind

    result = job.run
    lines = [
        f"已读取 {c['workbooks']} 份工作簿、{c['projects']} 个项目（{c['departments']} 个主管部门）："
        f"错误 {c['errors']}，警告 {c['warnings']}，提示 {c['infos']}。"
    ]
    if c["duplicates"]:
        lines.append(f"另有 {c['duplicates']} 个文件与已读取的工作簿内容相同，只读一次。")
    for kind, n in c["skipped"].items():
        names = [
            i.display
            for i in result.inputs
            if i.status in (SKIPPED, UNREADABLE) and not i.sub and skip_kind(i) == kind
        ]
        shown = "、".join(names[:3]) + (" 等" if n > 3 else "")
        verb = "无法打开" if kind == "无法打开的文件" else "跳过"
        lines.append(
            f"{verb} {n} 个{kind.removeprefix('无法打开的')}：{shown}（原因见 run.json）。"
        )
    cached = result.options.get("cache")
    if cached and cached["hits"]:
        lines.append(
            f"读取缓存：{cached['hits']} 个文件内容未变，沿用上次的读取结果；重新读取 {cached['read']} 个。"
        )
    spread = result.options.get("dask")
    if spread and (spread["tasks"] or spread["files_here"]):
        lines.append(
            f"Dask：{spread['workers']} 个 worker 以 {spread['tasks']} 个任务读取 "
            f"{spread['files_on_cluster']} 个文件，本机读取 {spread['files_here']} 个。"
        )
    booked = result.options.get("ledger")
    if booked and result.season is not None:
        by = result.season["status"].value_counts()
        told = "，".join(
            f"{s} {int(by[s])}" for s in ("未提交", "需修改", "已重报", "已提交", "通过") if s in by
        )
        lines.append(
            f"台账 {booked['path']}：第 {booked['run_id']} 次运行已记录；本季 {len(result.season)} 个项目（{told}）。"
        )
    compared = result.options.get("previous")
    if compared:
        lines.append(
            f"上年对比（{compared['source']}）：匹配 {compared['matched']} 个项目，本年新增 "
            f"{compared['new']} 个，上年有本年无 {compared['gone']} 个。"
        )
    lines += [f"  {path}" for path in job.written]
    if debugging():  # the parsers' own words, which the messages put in Chinese
        lines += [
            f"  [debug] {i.display}：{i.library_error}" for i in result.inputs if i.library_error
        ]
    return lines


def _quiet_stdout() -> None:
    """Whatever else would go to a closed stdout goes nowhere (and Python's flush at exit too)."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


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
