"""Starting the page: the data folder, the token off loopback, uvicorn, the browser."""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path


class ServeError(Exception):
    """A reason `perfxl serve` cannot start, in Chinese."""


def missing_dependencies() -> str | None:
    """What `perfxl serve` needs and this install lacks, as a one-line hint."""
    lacking = []
    for module, package in (
        ("starlette", "starlette"),
        ("uvicorn", "uvicorn"),
        ("multipart", "python-multipart"),
    ):
        try:
            __import__(module)
        except ImportError:
            lacking.append(package)
    if not lacking:
        return None
    return f'perfxl serve 需要 {"、".join(lacking)}：请运行 python -m pip install "perfxl[web]"'


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    ledger: Path | None = None,
    open_browser: bool = True,
    data_dir: Path | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Run the page until Ctrl-C. Without `data_dir` the runs live in a temporary folder removed
    at the end; with it they are kept there."""
    hint = missing_dependencies()
    if hint is not None:
        raise ServeError(hint)
    import uvicorn

    from perfxl.web.app import Settings, create_app

    temporary = data_dir is None
    folder = Path(tempfile.mkdtemp(prefix="perfxl-serve-")) if data_dir is None else data_dir
    settings = Settings(folder, host=host, port=port, ledger=ledger)
    app = create_app(settings)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown if host not in ('0.0.0.0', '::') else '127.0.0.1'}:{port}/"
    if settings.token is not None:
        url += f"?token={settings.token}"
        say(f"访问令牌（token）：{settings.token}")
    say(f"perfxl 网页已启动：{url}  （Ctrl-C 停止；数据文件夹 {folder}）")
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    if open_browser:

        def opening() -> None:
            for _ in range(100):
                if server.started:
                    with contextlib.suppress(Exception):
                        webbrowser.open(url)
                    return
                threading.Event().wait(0.1)

        threading.Thread(target=opening, daemon=True).start()
    from perfxl.files import terminate_cleanly

    try:
        # uvicorn stops on SIGINT/SIGTERM and then raises the signal again: through Python, so
        # the runs' processes are ended and the temporary data folder removed (exit 130 / 143)
        with terminate_cleanly():
            server.run()
    finally:
        app.state.runs.close()
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
    if not server.started:
        raise ServeError(f"无法在 {host}:{port} 启动（端口已被占用，或无权使用）")
    sys.stdout.flush()
