"""Helpers of the `perfxl serve` tests: a real uvicorn server on a free loopback port, and a small
HTTP client (stdlib only) that keeps cookies and sends multipart uploads as a browser does."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("multipart")

import uvicorn  # noqa: E402

from perfxl.web.app import Settings, create_app  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_server(data_dir: Path, **settings: Any) -> Iterator[tuple[str, Any]]:
    """uvicorn serving the app in a thread; yields (base URL, app)."""
    port = free_port()
    app = create_app(Settings(data_dir, port=port, **settings))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > end or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(10)


class Response:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Client:
    """One browser: its own cookies (so its own client id and CSRF token)."""

    def __init__(self, base: str, follow: bool = True) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        handlers: list[Any] = [urllib.request.HTTPCookieProcessor(self.jar)]
        if not follow:
            handlers.append(_NoRedirect())
        self.opener = urllib.request.build_opener(*handlers)
        self.csrf: str | None = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Response:
        req = urllib.request.Request(self.base + path, data=body, method=method)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with self.opener.open(req, timeout=timeout) as res:
                return Response(res.status, res.headers, res.read())
        except urllib.error.HTTPError as err:
            return Response(err.code, err.headers, err.read())

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def session(self) -> dict[str, Any]:
        data = self.get("/api/session").json()
        self.csrf = data["csrf"]
        return data

    def post_run(
        self,
        files: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
        fields: dict[str, str] | None = None,
        extra: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
        csrf: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Response:
        if csrf and self.csrf is None:
            self.session()
        parts = [("files", name, data) for name, data in files] + list(extra)
        body, ctype = multipart(fields or {}, parts)
        h = {"Content-Type": ctype, "Origin": self.base}
        if csrf:
            h["X-CSRF-Token"] = self.csrf or ""
        h.update(headers or {})
        return self.request("POST", "/api/runs", body=body, headers=h)

    def wait(self, run_id: str, timeout: float = 120) -> dict[str, Any]:
        end = time.monotonic() + timeout
        while True:
            data = self.get(f"/api/runs/{run_id}").json()
            if data["status"] in ("done", "failed") or time.monotonic() > end:
                return data
            time.sleep(0.1)


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = bytearray()
    for k, v in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode()
        out += v.encode() + b"\r\n"
    for field_name, name, data in files:
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; '
            f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def sample_files(n: int) -> list[tuple[str, bytes]]:
    paths = sorted(SAMPLES.glob("*.xlsx"))[:n]
    return [(p.name, p.read_bytes()) for p in paths]
