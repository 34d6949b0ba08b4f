"""Command-line interface: a thin skin over the library; heavy imports happen inside commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from perfxl import __version__
from perfxl.spec import PROFILE_IDS

# Exit codes are a contract (README): 0 clean, 1 error-level findings, 2 usage error.
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class PerfxlError(click.ClickException):
    """A one-line message for the user; exit code 2."""

    exit_code = EXIT_USAGE

    def show(self, file: object = None) -> None:
        click.echo(f"perfxl: {self.format_message()}", err=True)


class _Group(click.Group):
    """Turns unexpected exceptions into a one-line message (exit 2) unless --debug is given."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except Exception as exc:
            if "--debug" in sys.argv or (ctx.obj or {}).get("debug"):
                raise
            from perfxl.config import ConfigError

            if isinstance(exc, ConfigError):
                raise PerfxlError(f"配置错误：{exc}") from exc
            raise PerfxlError(
                f"内部错误：{type(exc).__name__}: {exc}（加 --debug 查看详情）"
            ) from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="perfxl")
@click.option("--debug", is_flag=True, help="出错时显示完整的 Python 调用栈（show tracebacks）。")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """perfxl：项目支出绩效自评表的读取、复核与汇总。

    退出码：0 无错误；1 发现错误级问题（输出仍已生成）；2 用法或配置错误。
    """
    ctx.obj = {"debug": debug}


def _load_config(path: Path | None) -> object:
    from perfxl.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        raise PerfxlError(f"配置错误：{exc}") from exc


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML 配置文件：阈值、容差、计分口径（未知配置项会报错）。",
)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@config_option
@click.option("--json", "as_json", is_flag=True, help='以 JSON 输出（{"submissions": [...]}）。')
@click.option("--english", is_flag=True, help="Messages in English.")
def check(files: tuple[Path, ...], config_path: Path | None, as_json: bool, english: bool) -> None:
    """复核一个或多个工作簿，输出执行率、总分、等次和问题清单。"""
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise PerfxlError("文件不存在：" + "，".join(missing))
    folders = [str(f) for f in files if f.is_dir()]
    if folders:
        raise PerfxlError("check 只接受文件；文件夹请用 perfxl run：" + "，".join(folders))
    cfg = _load_config(config_path)
    global _quick_exit
    _quick_exit = True
    from perfxl.pipeline import check_files, report_dict

    report = check_files(files, cfg)  # type: ignore[arg-type]
    data = report_dict(report)
    if as_json:
        import json

        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        from perfxl.textout import render_report

        click.echo(render_report(data, english=english))
    sys.exit(EXIT_FINDINGS if report.has_errors else EXIT_OK)


@main.command()
@click.option("--markdown", is_flag=True, help="输出 docs/rules.md 的 Markdown 内容。")
@click.option("--english", is_flag=True, help="In English.")
@config_option
def rules(markdown: bool, english: bool, config_path: Path | None) -> None:
    """列出规则目录：编号、级别、说明、阈值配置项。"""
    cfg = _load_config(config_path)
    global _quick_exit
    _quick_exit = True
    from perfxl.checks import load_all
    from perfxl.read import Submission  # noqa: F401  (declares the reading rules)
    from perfxl.textout import render_rules, rules_markdown

    load_all()
    if markdown:
        click.echo(rules_markdown(cfg.flat()), nl=False)  # type: ignore[attr-defined]
    else:
        click.echo(render_rules(english=english))


@main.command()
@click.option(
    "--profile",
    "-p",
    type=click.Choice(PROFILE_IDS),
    default="national2020",
    show_default=True,
    help="模板类型：national2020（项目支出绩效自评表）或 hainan2011（财政支出项目绩效评价报告）。",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="输出的 .xlsx 文件。",
)
def template(profile: str, output: Path) -> None:
    """生成空白的标准填报模板（write a blank standard template）。"""
    from perfxl.template import write_template

    if output.suffix.lower() != ".xlsx":
        raise PerfxlError("模板文件名须以 .xlsx 结尾 (the template must be an .xlsx file)")
    if not output.parent.exists():
        raise PerfxlError(f"目录不存在: {output.parent}")
    write_template(profile, output)
    click.echo(f"已生成模板 {output}（{profile}）")


# Commands that leave nothing behind to clean up set this; see entry().
_quick_exit = False


def entry() -> None:
    """The `perfxl` console script and `python -m perfxl`.

    After `check` (and `rules`) the process ends without the interpreter's teardown: freeing
    pandas' modules and objects costs ~0.1 s, a tenth of checking one workbook. `run` and the
    mail commands end normally (pools, Dask clusters and atexit handlers get their turn).
    Tests call `main` through click's runner and never reach os._exit."""
    try:
        main()
    except SystemExit as exc:
        if not _quick_exit:
            raise
        code = exc.code
        if code is None:
            code = EXIT_OK
        elif not isinstance(code, int):  # sys.exit("message"): print it, exit 1, as Python does
            print(code, file=sys.stderr)
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="输出文件夹。",
)
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
    replies = replies or server is not None
    executor = _executor(executor, scheduler)
    if no_cache and cache_dir is not None:
        raise PerfxlError("--no-cache 与 --cache-dir 不能同时使用")
    from perfxl.cache import DIRNAME

    cache = None if no_cache else (cache_dir or outdir / DIRNAME)
    cfg = _load_config(config_path)
    from perfxl.roster import RosterError
    from perfxl.run import run_batch
    from perfxl.writer import write_outputs

    show = sys.stderr.isatty() if progress is None else progress
    bar_holder: list[object] = []

    def make_bar(total: int, _done: int) -> object:
        if not show or total == 0:
            return None
        bar = click.progressbar(length=total, label="读取工作簿", file=sys.stderr)
        bar.__enter__()
        bar_holder.append(bar)
        return bar.update

    written: list[Path] = []

    def finish(run: object) -> None:  # while zip members and mail attachments are still there
        written.extend(
            write_outputs(
                run,  # type: ignore[arg-type]
                outdir,
                feedback=feedback or replies,
                replies=replies,
                reply_from=reply_from,
            )
        )

    from perfxl.executors import ExecutorError

    try:
        result = run_batch(
            inputs,  # type: ignore[arg-type]
            outdir,
            cfg,  # type: ignore[arg-type]
            jobs=jobs,
            roster=roster,
            progress=make_bar,  # type: ignore[arg-type]
            finish=finish,
            executor=executor,
            cache_dir=cache,
            scheduler=scheduler,
        )
    except (RosterError, ExecutorError) as exc:
        raise PerfxlError(str(exc)) from exc
    finally:
        for bar in bar_holder:
            bar.__exit__(None, None, None)  # type: ignore[attr-defined]
    from perfxl.outputs import counts

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
    for path in written:
        click.echo(f"  {path}")
    if server is not None:
        _send_replies(result, outdir, server, reply_from or "")
    sys.exit(EXIT_FINDINGS if c["errors"] else EXIT_OK)


def _executor(executor: str | None, scheduler: str | None) -> str:
    if scheduler is not None and executor == "local":
        raise PerfxlError("--scheduler 只用于 --executor dask")
    chosen = executor or ("dask" if scheduler is not None else "local")
    if chosen == "dask":
        from perfxl.executors import ExecutorError, require_dask

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
    from perfxl.replies import parse_server

    try:
        server = parse_server(smtp)
    except ValueError:
        raise PerfxlError(
            f"--smtp 应为 主机:端口，例如 smtp.example.gov.cn:25（收到 {smtp}）"
        ) from None
    if reply_from is None:
        raise PerfxlError("--smtp 需要同时给出 --reply-from（回复的发件人地址）")
    return server


def _send_replies(result: object, outdir: Path, server: tuple[str, int], sender: str) -> None:
    from perfxl.replies import SendError, plan, send_drafts

    drafts = [(a, outdir / rel) for a, rel in plan(result).items() if (outdir / rel).exists()]  # type: ignore[arg-type]
    try:
        sent = send_drafts(drafts, *server, sender=sender)
    except SendError as exc:
        raise PerfxlError(
            f"发送回复失败（{server[0]}:{server[1]}）：{exc}；回复草稿在 {outdir / 'replies'}"
        ) from exc
    click.echo(f"已通过 {server[0]}:{server[1]} 发出 {len(sent)} 封回复：" + "，".join(sent))


@main.command()
@click.argument("mailboxes", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="保存附件的文件夹。",
)
def collect(mailboxes: tuple[Path, ...], outdir: Path) -> None:
    """从邮件（.eml、mbox、Maildir）中保存工作簿附件和工作簿压缩包，并写出清单 manifest.csv。"""
    missing = [str(p) for p in mailboxes if not p.exists()]
    if missing:
        raise PerfxlError("输入不存在：" + "，".join(missing))
    if outdir.exists() and not outdir.is_dir():
        raise PerfxlError(f"输出位置不是文件夹：{outdir}")
    from perfxl.intake.collect import CollectError, collect_mail

    try:
        got = collect_mail(mailboxes, outdir)
    except CollectError as exc:
        raise PerfxlError(str(exc)) from exc
    n, kinds = got.counts, got.kinds
    click.echo(
        f"读取 {got.messages} 封邮件：保存附件 {n['saved']} 个（工作簿 {kinds['workbook']}，"
        f"压缩包 {kinds['zip']}），重复 {n['duplicate']} 个，非工作簿 {n['skipped']} 个，"
        f"无附件的邮件 {n['no_attachment']} 封，无法读取 {n['unreadable']} 个。"
    )
    click.echo(f"  {outdir / 'manifest.csv'}")
