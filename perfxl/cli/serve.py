"""`perfxl serve`: the local web page (perfxl.web), one library call."""

from __future__ import annotations

from pathlib import Path

import click

from perfxl.cli.app import PerfxlError, main, say


@main.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="监听地址（非本机地址时须凭令牌访问）。"
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="端口。"
)
@click.option(
    "--ledger",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="PERFXL_LEDGER",
    default=None,
    help="本季台账（SQLite 文件）：网页中的审核记入台账，并显示本季看板。",
)
@click.option("--no-browser", is_flag=True, help="不自动打开浏览器。")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="保存每次审核的上传和输出的文件夹（默认：临时文件夹，停止时删除）。",
)
def serve(
    host: str, port: int, ledger: Path | None, no_browser: bool, data_dir: Path | None
) -> None:
    """启动本机网页：上传工作簿、查看进度、结果、问题所在单元格，下载汇总和审核意见。"""
    from perfxl.web.server import ServeError, missing_dependencies

    hint = missing_dependencies()
    if hint is not None:
        raise PerfxlError(hint)
    from perfxl.web import serve as run_server

    try:
        run_server(host, port, ledger, not no_browser, data_dir, say=say)
    except ServeError as exc:
        raise PerfxlError(str(exc)) from exc
