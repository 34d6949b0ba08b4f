"""`perfxl check FILE...`: read and check workbooks, print each one's figures and findings."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from perfxl.cli.app import (
    EXIT_FINDINGS,
    EXIT_OK,
    PerfxlError,
    config_option,
    debugging,
    load_config,
    main,
    say,
    skip_teardown,
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
    cfg = load_config(config_path)
    skip_teardown()
    from perfxl.report.machine import report_dict
    from perfxl.run.check import check_files

    report = check_files(files, cfg)  # type: ignore[arg-type]
    if debugging():  # the parsers' own words, which the findings put in Chinese
        for sub in report.submissions:
            if sub.library_error:
                say(f"[debug] {sub.file}：{sub.library_error}")
    data = report_dict(report)
    if as_json:
        import json

        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        from perfxl.report.text import render_report

        click.echo(render_report(data, english=english))
    sys.exit(EXIT_FINDINGS if report.has_errors else EXIT_OK)
