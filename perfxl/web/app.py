"""The Starlette app of `perfxl serve`: the page, its JSON API, uploads, downloads, and the
guards — the Host a browser names, an access token off loopback, Origin and a CSRF token on every
request that changes something."""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from perfxl.web import uploads
from perfxl.web.runs import DONE, UPLOADS, Runs, RunState

CLIENT_COOKIE = "perfxl_client"
TOKEN_COOKIE = "perfxl_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class Settings:
    """What one serve process was started with."""

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8765
    ledger: Path | None = None
    token: str | None = None  # required off loopback
    max_files: int = uploads.MAX_FILES
    max_bytes: int = uploads.MAX_BYTES
    slots: int = 0
    allowed_hosts: set[str] = field(default_factory=set)
    csrf_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def __post_init__(self) -> None:
        if self.token is None and not is_loopback(self.host):
            self.token = secrets.token_urlsafe(24)
        if not self.allowed_hosts:
            names = {self.host, "127.0.0.1", "localhost", "[::1]"}
            self.allowed_hosts = {f"{n}:{self.port}" for n in names} | (
                set(names) if self.port == 80 else set()
            )


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def _refusal(zh: str, en: str, status: int) -> JSONResponse:
    return _json({"error": zh, "error_en": en}, status)


def csrf_token(settings: Settings, client: str) -> str:
    return hmac.new(settings.csrf_secret.encode(), client.encode(), "sha256").hexdigest()


class Guard:
    """ASGI middleware: Host check (loopback: against DNS rebinding), the access token, the CSRF
    check of state-changing requests, a client cookie, and the security headers."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refused = self.refuse(request)
        if refused is not None:
            response: Response = refused
            await self._send_with_headers(response, scope, receive, send, None)
            return
        client = request.cookies.get(CLIENT_COOKIE)
        new_client = None
        if not client or len(client) > 64:
            client = new_client = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["client"] = client

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                for k, v in SECURITY_HEADERS.items():
                    headers.append((k.encode(), v.encode()))
                if new_client:
                    headers.append(
                        (
                            b"set-cookie",
                            f"{CLIENT_COOKIE}={new_client}; Path=/; HttpOnly; SameSite=Strict".encode(),
                        )
                    )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)

    async def _send_with_headers(
        self, response: Response, scope: Any, receive: Any, send: Any, _: Any
    ) -> None:
        for k, v in SECURITY_HEADERS.items():
            response.headers[k] = v
        await response(scope, receive, send)

    def refuse(self, request: Request) -> Response | None:
        s = self.settings
        host = request.headers.get("host", "")
        if s.token is None and host not in s.allowed_hosts:
            return _refusal(
                f"拒绝访问：主机名 {host[:80]} 不是本机地址。",
                f"refused: Host {host[:80]} is not this machine",
                421,
            )
        path = request.url.path
        if s.token is not None and not path.startswith("/static/"):
            given = request.cookies.get(TOKEN_COOKIE, "")
            if not hmac.compare_digest(given.encode(), s.token.encode()):
                query = request.query_params.get("token", "")
                if path == "/" and query and hmac.compare_digest(query.encode(), s.token.encode()):
                    back = RedirectResponse("/", status_code=303)
                    back.set_cookie(TOKEN_COOKIE, s.token, httponly=True, samesite="strict")
                    return back
                if path == "/login" and request.method == "POST":
                    pass  # the token is checked by the route, the request's origin below
                elif path.startswith("/api/"):
                    return _refusal(
                        "需要访问令牌：请使用 perfxl serve 启动时显示的链接或令牌。",
                        "an access token is needed: use the link or token perfxl serve printed",
                        401,
                    )
                else:
                    return FileResponse(_static("login.html"), media_type="text/html")
        if request.method not in SAFE_METHODS:
            bad = self.cross_site(request)
            if bad is not None:
                return _refusal(
                    f"已拒绝跨站请求（{bad}）。请从 perfxl 页面操作。",
                    f"cross-site request refused ({bad})",
                    403,
                )
        return None

    def cross_site(self, request: Request) -> str | None:
        host = request.headers.get("host", "")
        fetch_site = request.headers.get("sec-fetch-site")
        if fetch_site is not None and fetch_site not in ("same-origin", "none"):
            return f"Sec-Fetch-Site: {fetch_site}"
        origin = request.headers.get("origin") or request.headers.get("referer")
        if origin is not None and origin != "null":
            netloc = urlsplit(origin).netloc
            if netloc != host:
                return f"来源 {netloc[:80]}"
        elif origin == "null":
            return "来源 null"
        if request.url.path == "/login":
            return None
        client = request.cookies.get(CLIENT_COOKIE, "")
        given = request.headers.get(CSRF_HEADER, "")
        if not client or not hmac.compare_digest(
            given.encode(), csrf_token(self.settings, client).encode()
        ):
            return "CSRF 令牌无效"
        return None


def _static(name: str) -> Path:
    return Path(str(resources.files("perfxl.web") / "static" / name))


def create_app(settings: Settings) -> Starlette:
    """The app; `settings.data_dir` holds one folder per run."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    runs = Runs(settings.data_dir, settings.ledger, settings.slots)
    template_lock = threading.Lock()

    def own(request: Request) -> RunState | None:
        state = runs.get(request.path_params["run_id"])
        if state is None or state.owner != request.state.client:
            return None
        return state

    def missing_run() -> JSONResponse:
        return _refusal("没有这次审核（链接已失效，或属于另一个浏览器）。", "no such run", 404)

    async def index(request: Request) -> Response:
        return FileResponse(_static("index.html"), media_type="text/html")

    async def login(request: Request) -> Response:
        form = await request.form()
        given = str(form.get("token", ""))
        if settings.token is None:
            return RedirectResponse("/", status_code=303)
        if not hmac.compare_digest(given.encode(), settings.token.encode()):
            return RedirectResponse("/?bad=1", status_code=303)
        back = RedirectResponse("/", status_code=303)
        back.set_cookie(TOKEN_COOKIE, settings.token, httponly=True, samesite="strict")
        return back

    async def session(request: Request) -> Response:
        from perfxl import __version__
        from perfxl.spec import PROFILE_IDS

        client = request.state.client
        return _json(
            {
                "csrf": csrf_token(settings, client),
                "version": __version__,
                "ledger": str(settings.ledger) if settings.ledger else None,
                "max_files": settings.max_files,
                "max_mb": settings.max_bytes // 1048576,
                "profiles": list(PROFILE_IDS),
                "folder_inputs": True,
                "runs": [r.public() for r in runs.of(client)],
            }
        )

    async def create_run(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        declared = request.headers.get("content-length")
        refusal = uploads.size_refusal(
            int(declared) if declared and declared.isdigit() else None, settings.max_bytes
        )
        if refusal is not None:
            return _refusal(refusal.zh, refusal.en, refusal.status)
        if runs.busy():
            return _refusal(
                "正在进行的审核过多，请稍后再试。", "too many runs in progress, try later", 429
            )
        try:
            form = await request.form(
                max_files=settings.max_files + 2, max_fields=50, max_part_size=64 * 1024
            )
        except Exception as exc:  # python-multipart's own words: too many files, a broken body
            text = str(getattr(exc, "detail", exc))
            if "Too many files" in text:
                r = uploads.count_refusal(settings.max_files + 1, settings.max_files)
                assert r is not None
                return _refusal(r.zh, r.en, r.status)
            return _refusal(f"无法读取上传内容：{text}", f"cannot read the upload: {text}", 400)
        try:
            state = runs.new(request.state.client)
            try:
                await run_in_threadpool(_take_form, form, state, settings)
            except uploads.UploadRefused as exc:
                runs.discard(state)
                return _refusal(exc.zh, exc.en, exc.status)
            except OSError as exc:  # a full disk, a folder that cannot be read
                runs.discard(state)
                from perfxl.files import os_reason

                return _refusal(
                    f"无法保存上传的文件：{os_reason(exc)}", f"cannot store the upload: {exc}", 507
                )
        finally:
            await form.close()
        runs.start(state)
        return _json(state.public(), 202)

    async def run_status(request: Request) -> Response:
        state = own(request)
        return missing_run() if state is None else _json(state.public())

    async def run_results(request: Request) -> Response:
        state = own(request)
        if state is None:
            return missing_run()
        if state.status != DONE:
            return _json({**state.public(), "ready": False})
        return _json(
            {
                **state.public(),
                "ready": True,
                "projects": state.projects,
                "findings": state.findings,
                "inputs_table": state.inputs_table,
                "files": state.file_list(),
            }
        )

    async def finding_detail(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from perfxl.web.sheet import sheet_window

        state = own(request)
        if state is None:
            return missing_run()
        n = request.path_params["n"]
        if state.status != DONE or not 0 <= n < len(state.findings):
            return _refusal("没有这条问题。", "no such finding", 404)
        finding = state.findings[n]
        project = next((p for p in state.projects if p["sub"] == finding["sub"]), None)
        source = state.sources.get(finding["sub"] or "")
        if source is None or not source.is_file():
            grid: dict[str, Any] = {
                "note": "这条问题不指向某个工作簿的单元格。",
                "note_en": "this finding points at no workbook cell",
            }
        else:
            try:
                grid = await run_in_threadpool(
                    sheet_window, source, finding.get("sheet"), finding.get("cell")
                )
            except Exception as exc:
                grid = {"note": f"无法显示工作表：{type(exc).__name__}", "note_en": str(exc)}
        return _json({"n": n, "finding": finding, "project": project, "grid": grid})

    async def download(request: Request) -> Response:
        state = own(request)
        if state is None:
            return missing_run()
        key = request.path_params["key"]
        if state.status != DONE or not 0 <= key < len(state.files):
            return _refusal("没有这个文件。", "no such file", 404)
        path = state.files[key]
        return _attachment(path, path.name)

    async def template(request: Request) -> Response:
        from perfxl.spec import PROFILE_IDS

        profile = request.path_params["profile"]
        if profile not in PROFILE_IDS:
            return _refusal("没有这种模板。", "no such template", 404)
        target = settings.data_dir / "templates" / f"{PROFILE_IDS.index(profile)}.xlsx"
        if not target.is_file():
            from starlette.concurrency import run_in_threadpool

            from perfxl.report.template import write_template

            def write() -> None:
                with template_lock:
                    if not target.is_file():
                        target.parent.mkdir(exist_ok=True)
                        write_template(profile, target)

            await run_in_threadpool(write)
        return _attachment(target, f"{profile}_空白模板.xlsx")

    async def season(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        if settings.ledger is None:
            return _refusal(
                "未指定台账：以 perfxl serve --ledger 季度台账.db 启动。", "no ledger", 404
            )
        return _json(await run_in_threadpool(_season, settings.ledger))

    async def season_board(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        if settings.ledger is None or not settings.ledger.is_file():
            return _refusal("台账中还没有记录。", "the ledger has no records yet", 404)
        target = settings.data_dir / "board" / f"{secrets.token_hex(8)}.xlsx"
        await run_in_threadpool(_write_board, settings.ledger, target)
        return _attachment(target, "本季看板.xlsx")

    routes = [
        Route("/", index),
        Route("/login", login, methods=["POST"]),
        Route("/api/session", session),
        Route("/api/runs", create_run, methods=["POST"]),
        Route("/api/runs/{run_id:str}", run_status),
        Route("/api/runs/{run_id:str}/results", run_results),
        Route("/api/runs/{run_id:str}/findings/{n:int}", finding_detail),
        Route("/api/runs/{run_id:str}/files/{key:int}", download),
        Route("/api/templates/{profile:str}", template),
        Route("/api/season", season),
        Route("/api/season/board.xlsx", season_board),
        Mount("/static", StaticFiles(packages=[("perfxl.web", "static")]), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(Guard, settings=settings)])
    app.state.runs = runs
    app.state.settings = settings
    return app


def _attachment(path: Path, name: str) -> FileResponse:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return FileResponse(
        path,
        headers={
            "content-disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
        },
    )


def _take_form(form: Any, state: RunState, settings: Settings) -> None:
    """The upload's files into the run's folder (names reduced to plain last components), and
    the folder path, roster and configuration it names."""
    files = [v for v in form.getlist("files") if hasattr(v, "filename")]
    refusal = uploads.count_refusal(len(files), settings.max_files)
    if refusal is not None:
        raise refusal
    taken: set[str] = set()
    folder = state.folder / UPLOADS
    total = 0
    for f in files:
        name = uploads.safe_name(f.filename)
        uploads.check_input_name(name)
        total += uploads.copy_upload(f.file, uploads.unique_in(folder, name, taken))
        if total > settings.max_bytes:
            raise uploads.size_refusal(total, settings.max_bytes) or uploads.UploadRefused("", "")
        state.names.append(name)
    if files:
        state.inputs.append(folder)
    path_text = str(form.get("folder") or "").strip()
    if path_text:
        local = Path(path_text).expanduser()
        if not local.is_absolute() or not local.exists():
            raise uploads.UploadRefused(
                f"本机路径不存在（须为绝对路径）：{path_text[:200]}",
                f"no such folder on this machine: {path_text[:200]}",
            )
        if local.resolve().is_relative_to(settings.data_dir.resolve()):
            raise uploads.UploadRefused(
                "不能审核本网页自己的数据文件夹。", "the page's own data folder is no input"
            )
        state.inputs.append(local)
        state.names.append(str(local))
    if not state.inputs:
        raise uploads.UploadRefused(
            "请选择要审核的工作簿、压缩包或邮件，或填写本机文件夹路径。",
            "choose workbooks, zips or mail files, or give a folder on this machine",
        )
    for field_name, exts, label in (
        ("roster", uploads.ROSTER_EXTS, "名单"),
        ("config", uploads.CONFIG_EXTS, "配置"),
    ):
        item = form.get(field_name)
        if item is None or not hasattr(item, "filename") or not item.filename:
            continue
        ext = uploads.extension(uploads.safe_name(item.filename))
        if ext not in exts:
            raise uploads.UploadRefused(
                f"{label}文件类型不支持：{uploads.safe_name(item.filename)}（可用 {'、'.join(sorted(exts))}）",
                f"unsupported {field_name} file type",
            )
        target = state.folder / f"{field_name}{ext}"
        uploads.copy_upload(item.file, target)
        setattr(state, field_name, target)
    if state.config is not None:
        from perfxl.checks.config import ConfigError, load_config

        try:
            load_config(state.config)
        except ConfigError as exc:
            raise uploads.UploadRefused(f"配置错误：{exc}", f"configuration error: {exc}") from exc
    if settings.ledger is not None and str(form.get("record", "1")) not in ("0", "", "off"):
        state.ledger = settings.ledger


def _season(ledger: Path) -> dict[str, Any]:
    from perfxl.report.season_board import board_json
    from perfxl.run.ledger import Ledger, LedgerError
    from perfxl.run.season import open_by_rule, season_counts
    from perfxl.web.runs import plain, rows_of

    if not ledger.is_file():
        return {"ledger": str(ledger), "empty": True}
    try:
        with Ledger(ledger, create=False) as book:
            table = book.status()
            counts = season_counts(table)
            by_rule = open_by_rule(book)
    except LedgerError as exc:
        return {"ledger": str(ledger), "error": str(exc)}
    board = board_json(table, counts)
    return {
        "ledger": str(ledger),
        "empty": False,
        "counts": counts,
        "projects": [{k: plain(v) for k, v in p.items()} for p in board.get("projects", [])],
        "open_by_rule": rows_of(by_rule, ("rule", "severity", "projects", "findings")),
    }


def _write_board(ledger: Path, target: Path) -> None:
    from perfxl.report.season_board import write_board
    from perfxl.run.ledger import Ledger
    from perfxl.run.season import open_by_rule, season_counts

    target.parent.mkdir(exist_ok=True)
    with Ledger(ledger, create=False) as book:
        table = book.status()
        write_board(target, table, season_counts(table), open_by_rule(book))
