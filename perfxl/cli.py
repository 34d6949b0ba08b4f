"""Command-line interface: a thin skin over the library; heavy imports happen inside commands."""

from __future__ import annotations

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="perfxl")
@click.option("--debug", is_flag=True, help="出错时显示完整的 Python 调用栈（show tracebacks）。")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """perfxl：项目支出绩效自评表的读取、复核与汇总。"""
    ctx.obj = {"debug": debug}


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


def run_main() -> None:  # pragma: no cover - thin wrapper for entry points
    sys.exit(main())
