"""The `perfxl` command group: exit codes, one-line errors, the shared options, the console entry."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from perfxl import __version__

# Exit codes are a contract (README): 0 clean, 1 error-level findings, 2 usage error,
# 130 interrupted (Ctrl-C; 128 + the signal's number for SIGTERM and SIGHUP).
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class PerfxlError(click.ClickException):
    """A one-line message for the user; exit code 2."""

    exit_code = EXIT_USAGE

    def show(self, file: object = None) -> None:
        say(f"perfxl: {self.format_message()}")


def say(line: str) -> None:
    """One line on stderr, with control and bidi characters of file names shown escaped."""
    from perfxl.intake.names import display_name

    click.echo(display_name(line), err=True)


def debugging(ctx: click.Context | None = None) -> bool:
    """Whether --debug was given (the command being run's context, when none is passed)."""
    ctx = ctx or click.get_current_context(silent=True)
    return "--debug" in sys.argv or bool(((ctx and ctx.obj) or {}).get("debug"))


class _Group(click.Group):
    """Turns unexpected exceptions into a one-line message (exit 2) unless --debug is given, the
    faults a user can cause (a full disk, a read-only folder, Ctrl-C) into messages of their own,
    and click's own words into Chinese."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        from perfxl.cli.click_zh import chinese_click

        with chinese_click():
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> object:
        from perfxl.files import WriteFailure

        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            say("perfxl: 已中断。")
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except WriteFailure as exc:
            if debugging(ctx):
                say(f"perfxl: {exc.zh}。")
                raise
            raise PerfxlError(f"{exc.zh}。") from exc
        except Exception as exc:
            if debugging(ctx):
                raise
            from perfxl.checks.config import ConfigError

            if isinstance(exc, ConfigError):
                raise PerfxlError(f"配置错误：{exc}") from exc
            told = os_fault(exc)
            if told is not None:
                raise PerfxlError(told) from exc
            raise PerfxlError(
                f"内部错误：{type(exc).__name__}: {exc}（加 --debug 查看详情）"
            ) from exc


def os_fault(exc: BaseException) -> str | None:
    """An operating-system fault the user can fix, told in Chinese; None for anything else (a bug,
    which stays 内部错误)."""
    from perfxl.files import os_error_of, os_reason, write_failure

    err = os_error_of(exc)
    if err is None:
        return None
    named = err.filename if isinstance(err.filename, str) else None
    failure = write_failure(err, Path(named).parent if named else Path.cwd())
    if failure is not None:
        return f"{failure.zh}。"
    return f"无法访问 {named}：{os_reason(err)}。" if named else None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__,
    prog_name="perfxl",
    message="%(prog)s %(version)s",
    help="显示版本号并退出。",
)
@click.option("--debug", is_flag=True, help="出错时显示完整的 Python 调用栈（show tracebacks）。")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """perfxl：项目支出绩效自评表的读取、复核与汇总。

    退出码：0 无错误；1 有错误级问题（输出仍已生成）；2 用法、配置或磁盘权限问题；130 已中断。
    """
    ctx.obj = {"debug": debug}


def load_config(path: Path | None) -> object:
    """The configuration of `--config`, or a one-line configuration error."""
    from perfxl.checks.config import ConfigError
    from perfxl.checks.config import load_config as load

    try:
        return load(path)
    except ConfigError as exc:
        raise PerfxlError(f"配置错误：{exc}") from exc


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML 配置文件：阈值、容差、计分口径（未知配置项会报错）。",
)


def output_folder_option(help_text: str) -> Callable[[Any], Any]:
    """`--output/-o DIR`, the folder a command writes into."""
    return click.option(
        "--output",
        "-o",
        "outdir",
        type=click.Path(file_okay=False, path_type=Path),
        required=True,
        help=help_text,
    )


# Commands that leave nothing behind to clean up call skip_teardown(); see entry().
_quick_exit = False


def skip_teardown() -> None:
    """This command's process may end without the interpreter's teardown (see entry)."""
    global _quick_exit
    _quick_exit = True


def entry() -> None:
    """The `perfxl` console script and `python -m perfxl`.

    After `check` (and `rules`) the process ends without the interpreter's teardown: freeing
    pandas' modules and objects costs ~0.1 s, a tenth of checking one workbook. `run` and the
    mail commands end normally (pools, Dask clusters and atexit handlers get their turn).
    Tests call `main` through click's runner and never reach os._exit."""
    try:
        main()
    except SystemExit as exc:
        # the outcome is decided and told: a Ctrl-C while the interpreter winds down (pools,
        # atexit handlers) must not turn it into a killed process
        with contextlib.suppress(ValueError, OSError):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
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
