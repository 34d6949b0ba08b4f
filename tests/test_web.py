"""`perfxl serve` over HTTP: every route on a real uvicorn server on loopback, the guards (Host,
token, Origin and CSRF), the limits, bad files and hostile names, two browsers' runs, the ledger."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from web_helpers import SAMPLES, Client, running_server, sample_files

from perfxl.web.sheet import column_letter, flagged_cells, parse_a1
from perfxl.web.uploads import safe_name


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with running_server(tmp_path_factory.mktemp("serve")) as (base, app):
        yield base, app


@pytest.fixture(scope="module")
def finished(server):
    """One browser's run of two samples, done."""
    base, _ = server
    c = Client(base)
    r = c.post_run(sample_files(2))
    assert r.status == 202, r.text
    run_id = r.json()["id"]
    assert c.wait(run_id)["status"] == "done"
    return c, run_id


def test_page_assets_and_session(server) -> None:
    base, _ = server
    c = Client(base)
    page = c.get("/")
    assert page.status == 200 and "perfxl" in page.text and "/static/app.js" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for asset, kind in (("app.js", "javascript"), ("style.css", "css"), ("login.html", "html")):
        r = c.get(f"/static/{asset}")
        assert r.status == 200 and kind in r.headers["content-type"]
    s = c.session()
    assert len(s["csrf"]) == 64 and s["ledger"] is None and s["max_files"] > 0
    assert s["profiles"] == ["national2020", "hainan2011", "department2020"]
    assert c.get("/static/../runs.py").status == 404


def test_a_run_from_upload_to_results(finished) -> None:
    c, run_id = finished
    status = c.get(f"/api/runs/{run_id}").json()
    assert status["total"] == 2 and status["done"] == 2
    res = c.get(f"/api/runs/{run_id}/results").json()
    assert res["ready"] and res["counts"]["workbooks"] == 2
    assert len(res["projects"]) == 2 and res["findings"]
    assert {"department", "grade_recomputed", "status", "exec_rate"} <= set(res["projects"][0])
    assert {"severity", "rule", "sheet", "cell", "message", "observed", "expected"} <= set(
        res["findings"][0]
    )
    names = [f["name"] for f in res["files"]]
    assert names[:4] == ["summary.xlsx", "projects.csv", "findings.csv", "run.json"]
    assert any(n.startswith("feedback/") and n.endswith("_审核意见.xlsx") for n in names)
    assert [i["status"] for i in res["inputs_table"]] == ["read", "read"]


def test_finding_detail_shows_the_sheet_around_the_cell(finished) -> None:
    c, run_id = finished
    res = c.get(f"/api/runs/{run_id}/results").json()
    n = next(k for k, f in enumerate(res["findings"]) if f["rule"] == "F01")
    d = c.get(f"/api/runs/{run_id}/findings/{n}").json()
    f, grid = d["finding"], d["grid"]
    assert grid["sheet"] == f["sheet"] and "note" not in grid
    flagged = [
        (row["r"], cell) for row in grid["rows"] for cell in row["cells"] if cell.get("flagged")
    ]
    assert len(flagged) == 1
    r, cell = flagged[0]
    assert f"{grid['columns'][cell['c'] - grid['first_column']]}{r}" == f["cell"]
    assert float(cell["v"]) == pytest.approx(f["observed"] / 100) or cell["v"]
    assert d["project"]["sub"] == f["sub"]
    assert c.get(f"/api/runs/{run_id}/findings/9999").status == 404


def test_downloads_are_the_runs_own_outputs(finished) -> None:
    import openpyxl

    c, run_id = finished
    files = c.get(f"/api/runs/{run_id}/results").json()["files"]
    summary = c.get(f"/api/runs/{run_id}/files/0")
    assert summary.status == 200 and "summary.xlsx" in summary.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(summary.body), read_only=True)
    assert "问题清单" in wb.sheetnames
    csv = c.get(f"/api/runs/{run_id}/files/1")
    assert csv.body.startswith(b"\xef\xbb\xbf")
    fb = next(f for f in files if f["kind"] == "feedback")
    r = c.get(f"/api/runs/{run_id}/files/{fb['key']}")
    assert r.status == 200 and "filename*=UTF-8''" in r.headers["content-disposition"]
    assert c.get(f"/api/runs/{run_id}/files/{len(files)}").status == 404
    assert c.get(f"/api/runs/{run_id}/files/-1").status == 404
    assert c.get(f"/api/runs/{run_id}/files/..%2Frun.json").status == 404


def test_blank_templates(server) -> None:
    import openpyxl

    base, _ = server
    c = Client(base)
    for profile in ("national2020", "hainan2011", "department2020"):
        r = c.get(f"/api/templates/{profile}")
        assert r.status == 200 and profile in r.headers["content-disposition"]
        assert openpyxl.load_workbook(io.BytesIO(r.body)).sheetnames
    assert c.get("/api/templates/..%2F..%2Fetc").status == 404
    assert c.get("/api/templates/other").status == 404


def test_another_browser_does_not_see_the_run(server, finished) -> None:
    c, run_id = finished
    other = Client(server[0])
    assert other.get(f"/api/runs/{run_id}").status == 404
    assert other.get(f"/api/runs/{run_id}/results").status == 404
    assert other.get(f"/api/runs/{run_id}/files/0").status == 404
    assert run_id not in [r["id"] for r in other.session()["runs"]]
    assert run_id in [r["id"] for r in c.session()["runs"]]
    assert c.get("/api/runs/nosuchrun").status == 404


def test_two_browsers_at_once_get_their_own_runs(server) -> None:
    base, _ = server
    a, b = Client(base), Client(base)
    ra = a.post_run(sample_files(1)).json()["id"]
    rb = b.post_run(sample_files(3)[1:]).json()["id"]
    assert ra != rb
    assert a.wait(ra)["status"] == b.wait(rb)["status"] == "done"
    assert len(a.get(f"/api/runs/{ra}/results").json()["projects"]) == 1
    assert len(b.get(f"/api/runs/{rb}/results").json()["projects"]) == 2


def test_cross_site_requests_are_refused(server) -> None:
    base, _ = server
    c = Client(base)
    c.session()
    files = sample_files(1)
    no_token = c.post_run(files, csrf=False)
    assert no_token.status == 403 and "CSRF" in no_token.json()["error"]
    wrong = c.post_run(files, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status == 403
    evil = c.post_run(files, headers={"Origin": "http://evil.example"})
    assert evil.status == 403 and "跨站" in evil.json()["error"]
    fetched = c.post_run(files, headers={"Sec-Fetch-Site": "cross-site"})
    assert fetched.status == 403
    # another browser's token is not this one's
    other = Client(base)
    other.session()
    c.csrf = other.csrf
    assert c.post_run(files).status == 403


def test_a_foreign_host_name_is_refused(server) -> None:
    """DNS rebinding: a page of another name resolved to 127.0.0.1 gets nothing."""
    base, _ = server
    c = Client(base)
    r = c.get("/api/session", headers={"Host": "evil.example:8765"})
    assert r.status == 421 and "本机" in r.json()["error"]


def test_limits_are_told_in_chinese(tmp_path: Path) -> None:
    with running_server(tmp_path, max_files=2, max_bytes=200_000) as (base, _):
        c = Client(base)
        many = c.post_run(sample_files(3))
        assert many.status == 413 and "一次最多上传 2 个文件" in many.json()["error"]
        big = c.post_run([("big.xlsx", b"x" * 300_000)])
        assert big.status == 413 and "过大" in big.json()["error"]
        assert c.post_run(sample_files(1)).status == 202


def test_refused_uploads(server) -> None:
    base, _ = server
    c = Client(base)
    nothing = c.post_run([])
    assert nothing.status == 400 and "请选择" in nothing.json()["error"]
    exe = c.post_run([("setup.exe", b"MZ")])
    assert exe.status == 400 and "不支持的文件类型" in exe.json()["error"]
    relative = c.post_run([], fields={"folder": "samples"})
    assert relative.status == 400 and "绝对路径" in relative.json()["error"]
    own = c.post_run([], fields={"folder": str(server[1].state.settings.data_dir / "runs")})
    assert own.status == 400 and "数据文件夹" in own.json()["error"]
    bad_config = c.post_run(sample_files(1), extra=[("config", "c.toml", b"[nope]\nx = 1\n")])
    assert bad_config.status == 400 and "配置错误" in bad_config.json()["error"]
    bad_roster = c.post_run(sample_files(1), extra=[("roster", "r.exe", b"MZ")])
    assert bad_roster.status == 400 and "名单" in bad_roster.json()["error"]
    broken = c.request(
        "POST",
        "/api/runs",
        body=b"--x\r\nnot a form",
        headers={"Content-Type": "multipart/form-data; boundary=x", "X-CSRF-Token": c.csrf or ""},
    )
    assert broken.status == 400


def test_a_bad_file_is_a_finding_not_an_error(server) -> None:
    base, _ = server
    c = Client(base)
    junk = io.BytesIO()
    with zipfile.ZipFile(junk, "w") as z:
        z.writestr("坏文件.xlsx", b"this is no workbook")
        z.writestr("说明.txt", "hello")
    r = c.post_run([("损坏.xlsx", b"PK\x03\x04 broken"), ("包.zip", junk.getvalue())])
    assert r.status == 202
    run_id = r.json()["id"]
    assert c.wait(run_id)["status"] == "done"
    res = c.get(f"/api/runs/{run_id}/results").json()
    assert {f["rule"] for f in res["findings"]} & {"R01", "R03", "R04"}
    n = next(k for k, f in enumerate(res["findings"]) if f["rule"].startswith("R"))
    d = c.get(f"/api/runs/{run_id}/findings/{n}")
    assert d.status == 200 and "note" in d.json()["grid"]


def test_hostile_names_never_become_paths(server) -> None:
    base, app = server
    c = Client(base)
    data = sample_files(1)[0][1]
    r = c.post_run([("../../逃逸.xlsx", data), ("..\\..\\逃逸.xlsx", data), (".hidden.xlsx", data)])
    assert r.status == 202
    state = app.state.runs.get(r.json()["id"])
    assert c.wait(state.id)["status"] == "done"
    saved = sorted(p.name for p in (state.folder / "上传").iterdir())
    assert saved == ["hidden.xlsx", "逃逸 (2).xlsx", "逃逸.xlsx"]
    assert not (state.folder.parent.parent / "逃逸.xlsx").exists()


def test_safe_name() -> None:
    assert safe_name("a/b/c.xlsx") == "c.xlsx"
    assert safe_name("C:\\x\\自评表.xlsx") == "自评表.xlsx"
    assert safe_name("..") == "文件"
    assert safe_name("\u202eevil\x00.xlsx") == "_evil_.xlsx"
    assert len(safe_name("长" * 500 + ".xlsx")) == 120 and safe_name("长" * 500 + ".xlsx").endswith(
        ".xlsx"
    )


def test_cell_references() -> None:
    assert parse_a1("H7") == (6, 7) and parse_a1("$AA$10") == (9, 26) and parse_a1("x") is None
    assert column_letter(0) == "A" and column_letter(26) == "AA"
    assert flagged_cells("B2:C3") == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert flagged_cells("D7, E7") == [(6, 3), (6, 4)] and flagged_cells(None) == []


def test_a_folder_on_this_machine_and_a_roster(server, tmp_path: Path) -> None:
    base, _ = server
    folder = tmp_path / "收件"
    folder.mkdir()
    for name, data in sample_files(2):
        (folder / name).write_bytes(data)
    roster = (
        "项目编码,项目名称,单位,主管部门,批复预算\n2099-XX-001,不存在的项目,某单位,某部门,10\n"
    ).encode("utf-8-sig")
    c = Client(base)
    r = c.post_run([], fields={"folder": str(folder)}, extra=[("roster", "名单.csv", roster)])
    assert r.status == 202, r.text
    run_id = r.json()["id"]
    assert c.wait(run_id)["status"] == "done"
    res = c.get(f"/api/runs/{run_id}/results").json()
    assert res["counts"]["workbooks"] == 2
    assert list(folder.iterdir()) and not (folder / "summary.xlsx").exists()


def test_season_board_with_a_ledger(tmp_path: Path) -> None:
    import openpyxl

    ledger = tmp_path / "season.db"
    with running_server(tmp_path / "data", ledger=ledger) as (base, _):
        c = Client(base)
        assert c.session()["ledger"] == str(ledger)
        assert c.get("/api/season").json()["empty"] is True
        assert c.get("/api/season/board.xlsx").status == 404
        run_id = c.post_run(sample_files(2)).json()["id"]
        assert c.wait(run_id)["status"] == "done"
        board = c.get("/api/season").json()
        assert board["counts"]["projects"] == 2 and len(board["projects"]) == 2
        assert {"key", "status", "open_findings"} <= set(board["projects"][0])
        assert board["open_by_rule"]
        xlsx = c.get("/api/season/board.xlsx")
        assert xlsx.status == 200 and openpyxl.load_workbook(io.BytesIO(xlsx.body)).sheetnames
        # a run not recorded leaves the board as it was
        quiet = c.post_run(sample_files(3)[2:], fields={"record": "0"}).json()["id"]
        assert c.wait(quiet)["status"] == "done"
        assert c.get("/api/season").json()["counts"]["projects"] == 2


def test_no_ledger_no_board(server) -> None:
    c = Client(server[0])
    r = c.get("/api/season")
    assert r.status == 404 and "--ledger" in r.json()["error"]


def test_off_loopback_a_token_is_needed(tmp_path: Path) -> None:
    with running_server(tmp_path, host="0.0.0.0") as (base, app):
        token = app.state.settings.token
        assert token and len(token) >= 24
        c = Client(base, follow=False)
        assert c.get("/api/session").status == 401
        page = c.get("/")
        assert page.status == 200 and 'name="token"' in page.text
        assert c.get("/static/app.js").status == 200
        wrong = c.request(
            "POST",
            "/login",
            body=b"token=nope",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert wrong.status == 303 and c.get("/api/session").status == 401
        ok = c.request(
            "POST",
            "/login",
            body=f"token={token}".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": base},
        )
        assert ok.status == 303 and c.get("/api/session").status == 200
        d = Client(base, follow=False)
        assert d.get(f"/?token={token}").status == 303
        assert d.get("/api/session").status == 200
        assert d.post_run(sample_files(1)).status == 202
        cross = Client(base, follow=False)
        r = cross.request(
            "POST",
            "/login",
            body=f"token={token}".encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": "http://evil.example",
            },
        )
        assert r.status == 403


def test_serve_command(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from perfxl.cli import main

    r = CliRunner().invoke(main, ["serve", "--help"])
    assert r.exit_code == 0 and "--ledger" in r.output and "--no-browser" in r.output
    assert SAMPLES.is_dir()


def test_serve_starts_and_stops_cleanly() -> None:
    """The real command: it prints the address and data folder; SIGTERM ends it through Python
    (exit 143) and the temporary data folder goes with it."""
    import re
    import signal
    import subprocess
    import sys
    import time

    from web_helpers import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfxl", "serve", "--port", str(port), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**__import__("os").environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line, line
        folder = Path(re.search(r"数据文件夹 (\S+)）", line).group(1))  # type: ignore[union-attr]
        assert folder.is_dir()
        end = time.monotonic() + 20
        while time.monotonic() < end:
            try:
                if Client(f"http://127.0.0.1:{port}").get("/api/session", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 128 + signal.SIGTERM
        assert not folder.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
