"""`perfxl template`: write a blank standard template."""

from __future__ import annotations

from pathlib import Path

import click

from perfxl.cli.app import PerfxlError, main
from perfxl.spec import PROFILE_IDS


@main.command()
@click.option(
    "--profile",
    "-p",
    type=click.Choice(PROFILE_IDS),
    default="national2020",
    show_default=True,
    help="模板类型：national2020（项目支出绩效自评表）、hainan2011（财政支出项目绩效评价报告）"
    "或 department2020（部门整体支出绩效自评表）。",
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
    from perfxl.report.template import write_template

    if output.suffix.lower() != ".xlsx":
        raise PerfxlError("模板文件名须以 .xlsx 结尾 (the template must be an .xlsx file)")
    if not output.parent.exists():
        raise PerfxlError(f"目录不存在: {output.parent}")
    write_template(profile, output)
    click.echo(f"已生成模板 {output}（{profile}）")
