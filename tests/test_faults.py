"""Faults a user or the machine causes, produced for real: Ctrl-C, a full disk, a read-only or
misplaced OUTDIR, OUTDIR inside the inputs, deceptive file names, nested zips, parser errors,
click's own messages. Each ends in one Chinese line and a defined exit code, and leaves the
previous outputs as they were (docs/faults.md lists them)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfxl.cli import main

OUTPUTS = {"summary.xlsx", "projects.csv", "findings.csv", "run.json"}
ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"}
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
FORMAT_CHARS = ("\u202e", "\u200b", "\u200d", "\ufeff")


def _inputs(bench, folder: Path, n: int) -> Path:
    """`n` workbooks of different projects, each with an error-level finding (G01)."""
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        s = bench.national()
        s["fields"].update(project_code=f"P-{k}", grade_reported="良")
        (folder / f"{k}.xlsx").write_bytes(bench.build(s).read_bytes())
    return folder


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".perfxl-cache" not in p.parts
    }


def _leftovers(folder: Path) -> list[str]:
    """Temporary files and folders of perfxl in `folder` (the reading cache is not one)."""
    return [
        p.name for p in folder.iterdir() if p.name.startswith(".") and p.name != ".perfxl-cache"
    ]


def _perfxl(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "perfxl", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
        **kwargs,
    )


def _one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    return lines[0]


# ---------------------------------------------------------------- Ctrl-C


def _ctrl_c_when(src: Path, out: Path, pattern: str, *extra: str) -> tuple[int, str, int]:
    """Run `perfxl run` in a session of its own and press Ctrl-C (SIGINT to the whole process
    group, as a terminal does) as soon as a name matching `pattern` appears in OUTDIR."""
    for _attempt in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-m", "perfxl", "run", str(src), "-o", str(out), *extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=ENV,
            start_new_session=True,
        )
        end, caught = time.monotonic() + 120, False
        while not caught and proc.poll() is None and time.monotonic() < end:
            with contextlib.suppress(OSError):
                caught = any(re.match(pattern.format(pid=proc.pid), p.name) for p in out.iterdir())
            time.sleep(0.002)
        if caught:
            os.killpg(proc.pid, signal.SIGINT)
        err = proc.communicate(timeout=120)[1].decode("utf-8", "replace")
        if caught:
            return proc.returncode, err, proc.pid
    pytest.fail("the run ended before it could be interrupted")


def test_ctrl_c_while_writing_exits_130_and_keeps_the_previous_outputs(bench, tmp_path) -> None:
    src = _inputs(bench, tmp_path / "in", 4)
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["run", str(src), "-o", str(out), "-j", "1"]).exit_code == 1
    before = _digests(out)
    # the outputs are being staged in a scratch folder of this process when Ctrl-C comes
    code, err, pid = _ctrl_c_when(src, out, r"^\.perfxl-tmp-{pid}-", "-j", "1", "--no-cache")
    assert code == 130, err
    line = _one_line(err)
    assert line == f"perfxl: 已中断：未写出新的输出，上次的结果保持不变（{out}），临时文件已删除。"
    assert "Aborted" not in err
    assert _digests(out) == before  # no half-written file, none replaced
    assert not [n for n in _leftovers(out) if str(pid) in n]


def test_ctrl_c_while_reading_exits_130_and_writes_nothing(bench, tmp_path) -> None:
    src = _inputs(bench, tmp_path / "in", 12)
    out = tmp_path / "out"
    out.mkdir()
    # the work folder appears before discovery and reading, in worker processes (-j 2)
    code, err, pid = _ctrl_c_when(src, out, r"^\.perfxl-work-{pid}-", "-j", "2", "--no-cache")
    assert code == 130, err
    assert _one_line(err) == f"perfxl: 已中断：未写出任何输出（{out}），临时文件已删除。"
    assert list(out.iterdir()) == []


def test_ctrl_c_after_the_outputs_are_in_place_says_so(bench, tmp_path, monkeypatch) -> None:
    """Ctrl-C while the replies are being sent: the outputs are the new set, and it says how many
    replies went out."""
    import perfxl.report.replies

    def interrupted(drafts, host, port, sender, timeout=30.0, sent=None):
        sent.append("wangxm@lj-yz.example.cn")
        raise KeyboardInterrupt

    monkeypatch.setattr(perfxl.report.replies, "send_drafts", interrupted)
    src = _inputs(bench, tmp_path / "in", 1)
    out = tmp_path / "out"
    args = ["run", str(src), "-o", str(out), "--smtp", "localhost:25", "--reply-from", "a@b.cn"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 130, result.output
    assert result.output.strip().endswith(
        f"perfxl: 已中断：本次的输出已全部写出（{out}），回复已发出 1 封，其余未发出。"
    )
    assert {p.name for p in out.iterdir()} >= OUTPUTS


def test_ctrl_c_in_the_other_commands(bench, tmp_path, monkeypatch) -> None:
    import perfxl.intake.collect
    import perfxl.run.check

    def stop(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(perfxl.run.check, "check_files", stop)
    checked = CliRunner().invoke(main, ["check", str(bench.build(bench.national()))])
    assert (checked.exit_code, checked.output) == (130, "perfxl: 已中断。\n")
    monkeypatch.setattr(perfxl.intake.collect, "collect_mail", stop)
    (tmp_path / "m.eml").write_bytes(_mail_with({}))
    saved = tmp_path / "saved"
    collected = CliRunner().invoke(main, ["collect", str(tmp_path / "m.eml"), "-o", str(saved)])
    assert collected.exit_code == 130
    assert f"已中断：已保存的附件完整保留在 {saved}，清单 manifest.csv 未更新" in collected.output


# ---------------------------------------------------------------- a full disk


@contextlib.contextmanager
def _small_disk(folder: Path, kilobytes: int) -> Iterator[Path]:
    """A real tmpfs of `kilobytes` mounted at `folder` (root only); skips where it cannot be."""
    folder.mkdir(parents=True, exist_ok=True)
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k", "tmpfs", str(folder)],
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a small file system here (the injected-fault tests still run)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _fill(disk: Path, leave_kb: int) -> None:
    """Fill `disk` until `leave_kb` kilobytes are free."""
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    (disk / "filler").write_bytes(b"\0" * max(0, free - leave_kb * 1024))


@pytest.mark.parametrize("feedback", [False, True])
def test_a_real_full_disk(bench, tmp_path, feedback) -> None:
    src = _inputs(bench, tmp_path / "in", 3)
    with _small_disk(tmp_path / "disk", 4096) as disk:
        out = disk / "out"
        extra = ["--feedback"] if feedback else []
        first = _perfxl("run", str(src), "-o", str(out), "-j", "1", *extra)
        assert first.returncode == 1, first.stderr
        before = _digests(out)
        _fill(disk, 40)  # room for the work folder, not for a new summary
        full = _perfxl("run", str(src), "-o", str(out), "-j", "1", "--no-cache", *extra)
        assert full.returncode == 2, full.stderr
        line = _one_line(full.stderr)
        assert line.startswith(f"perfxl: 磁盘空间不足：无法在 {out} 写出输出（该磁盘只剩 ")
        assert "上次的输出共" in line and line.endswith("上次的输出保持不变，临时文件已删除。")
        assert _digests(out) == before
        assert _leftovers(out) == []
        # once there is room again, the run goes through
        (disk / "filler").unlink()
        again = _perfxl("run", str(src), "-o", str(out), "-j", "1", *extra)
        assert again.returncode == 1, again.stderr


def _no_space(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_an_injected_full_disk_at_each_write(bench, tmp_path, monkeypatch) -> None:
    """Where no file system can be mounted: ENOSPC raised where each output is written."""
    import xlsxwriter.exceptions

    import perfxl.report.machine
    import perfxl.report.summary

    src = _inputs(bench, tmp_path / "in", 2)
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["run", str(src), "-o", str(out), "-j", "1"]).exit_code == 1
    before = _digests(out)

    def summary_full(run, path, **kwargs):  # XlsxWriter wraps the OSError in FileCreateError
        Path(path).write_bytes(b"half a workbook")
        raise xlsxwriter.exceptions.FileCreateError(OSError(errno.ENOSPC, "No space left"))

    def csv_full(df, columns, path):
        Path(path).write_bytes(b"half a table")
        _no_space()

    for target, fake in (
        ((perfxl.report.summary, "write_summary"), summary_full),
        ((perfxl.report.machine, "_csv"), csv_full),
    ):
        with monkeypatch.context() as m:
            m.setattr(*target, fake)
            result = CliRunner().invoke(main, ["run", str(src), "-o", str(out), "-j", "1"])
        assert result.exit_code == 2, result.output
        assert "perfxl: 磁盘空间不足：无法在" in result.output
        assert "内部错误" not in result.output and "Traceback" not in result.output
        assert _digests(out) == before
        assert _leftovers(out) == []


def test_a_full_disk_while_extracting_a_zip_is_the_runs_fault(bench, tmp_path, monkeypatch):
    """Not 无法解压 on the unit's archive: the disk of OUTDIR is full."""
    import perfxl.intake.zips

    src = tmp_path / "in"
    src.mkdir()
    with zipfile.ZipFile(src / "a.zip", "w") as zf:
        zf.writestr("a.xlsx", bench.build(bench.national()).read_bytes())
    real_open = open

    def open_full(file, mode="r", *args, **kwargs):
        if "x" in mode and ".perfxl-work-" in str(file):
            _no_space()
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(perfxl.intake.zips, "open", open_full, raising=False)
    result = CliRunner().invoke(main, ["run", str(src), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "磁盘空间不足" in result.output and "没有写出任何输出" in result.output
    assert _leftovers(tmp_path / "out") == []


# ---------------------------------------------------------------- a folder perfxl cannot use


def test_a_read_only_outdir(bench, tmp_path) -> None:
    src = _inputs(bench, tmp_path / "in", 1)
    if IS_ROOT:  # root writes through permission bits: a read-only file system, then
        with _small_disk(tmp_path / "disk", 2048) as disk:
            out = disk / "out"
            assert _perfxl("run", str(src), "-o", str(out), "-j", "1").returncode == 1
            before = _digests(out)
            ro = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True)
            if ro.returncode != 0:
                pytest.skip("cannot remount read-only here")
            result = _perfxl("run", str(src), "-o", str(out), "-j", "1")
            words = "所在磁盘是只读的"
            after = _digests(out)
    else:
        out = tmp_path / "out"
        assert _perfxl("run", str(src), "-o", str(out), "-j", "1").returncode == 1
        before = _digests(out)
        out.chmod(0o555)
        try:
            result = _perfxl("run", str(src), "-o", str(out), "-j", "1")
        finally:
            out.chmod(0o755)
        words = "没有写入权限"
        after = _digests(out)
    assert result.returncode == 2, result.stderr
    line = _one_line(result.stderr)
    assert line == (
        f"perfxl: 无法写入 {out}：{words}。请用 -o 指定"
        + ("可以写入的文件夹" if IS_ROOT else "自己有权写入的文件夹，或请管理员开放权限")
        + "。上次的输出保持不变，临时文件已删除。"
    )
    assert after == before


def test_an_outdir_under_a_file(bench, tmp_path) -> None:
    src = _inputs(bench, tmp_path / "in", 1)
    (tmp_path / "report.txt").write_text("a file, not a folder", encoding="utf-8")
    out = tmp_path / "report.txt" / "out"
    t0 = time.monotonic()
    result = CliRunner().invoke(main, ["run", str(src), "-o", str(out)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"perfxl: 无法使用输出文件夹 {out}：路径中的 {tmp_path / 'report.txt'} 是文件而不是"
        "文件夹。请换一个输出位置。没有写出任何输出，临时文件已删除。"
    )
    assert time.monotonic() - t0 < 10  # told before reading anything
    template = CliRunner().invoke(main, ["template", "-o", str(out / "t.xlsx")])
    assert template.exit_code == 2 and "内部错误" not in template.output


# ---------------------------------------------------------------- OUTDIR inside the inputs


def test_outdir_that_is_the_input_folder_twice(bench, tmp_path) -> None:
    folder = _inputs(bench, tmp_path / "D", 3)
    with zipfile.ZipFile(folder / "more.zip", "w") as zf:  # members go to the work folder in D
        s = bench.national()
        s["fields"].update(project_code="Z-1", grade_reported="良")
        zf.writestr("z.xlsx", bench.build(s).read_bytes())
    # a unit's file that happens to be called summary.xlsx, in a folder without a run.json
    (folder / "sub").mkdir()
    s = bench.national()
    s["fields"].update(project_code="S-1")
    (folder / "sub" / "summary.xlsx").write_bytes(bench.build(s).read_bytes())
    args = ["run", str(folder), "-o", str(folder), "-j", "1", "--feedback"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 1, first.output
    assert first.output.startswith("已读取 5 份工作簿、5 个项目")  # the zip member once
    feedback = sorted(p.name for p in (folder / "feedback").iterdir())
    assert len(feedback) == 5  # every project has findings (the example carries infos)
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 1, second.output
    lines = second.output.splitlines()
    assert lines[0] == first.output.splitlines()[0]  # nothing of its own read back
    own = [ln for ln in lines if "perfxl 自己的输出" in ln]
    assert len(own) == 1 and own[0].startswith("跳过 9 个perfxl 自己的输出：")
    data = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    skipped = {i["file"] for i in data["inputs"] if "perfxl 自己的输出" in (i["reason"] or "")}
    assert skipped == {f"D/{n}" for n in OUTPUTS} | {f"D/feedback/{n}" for n in feedback}
    status = {i["file"]: i["status"] for i in data["inputs"]}
    assert status["D/sub/summary.xlsx"] == "read"
    assert status["D/.perfxl-cache"] == "skipped"
    assert not any(".perfxl-work-" in f for f in status)


def test_an_older_run_json_vouches_for_the_output_names(bench, tmp_path) -> None:
    """A run.json written before the outputs were listed: its outputs are known by their names
    beside it — and only beside a run.json of perfxl's."""
    src = _inputs(bench, tmp_path / "D", 1)
    out = src / "old"
    assert CliRunner().invoke(main, ["run", str(src), "-o", str(out)]).exit_code == 1
    data = json.loads((out / "run.json").read_text(encoding="utf-8"))
    del data["outputs"]
    (out / "run.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(src), "-o", str(tmp_path / "new")])
    assert result.output.startswith("已读取 1 份工作簿"), result.output
    assert "跳过 4 个perfxl 自己的输出" in result.output


# ---------------------------------------------------------------- names that deceive


def _mail_with(attachments: dict[str, bytes]) -> bytes:
    msg = EmailMessage()
    msg["From"] = "王晓梅 <wangxm@lj-yz.example.cn>"
    msg["To"] = "jxc@czj.example.cn"
    msg["Subject"] = "自评表"
    msg["Date"] = "Mon, 03 Mar 2025 09:00:00 +0800"
    msg["Message-ID"] = "<bidi@lj-yz.example.cn>"
    msg.set_content("见附件")
    for name, data in attachments.items():
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return bytes(msg)


def test_bidi_and_zero_width_characters_never_reach_a_file_name(bench, tmp_path) -> None:
    s = bench.national()
    s["fields"].update(grade_reported="良")  # findings: a feedback copy and a reply are written
    data = bench.build(s).read_bytes()
    src = tmp_path / "in"
    src.mkdir()
    deceptive = "报告\u202excod.exe\u200b\u200d\ufeff.xlsx"  # displays as 报告exe.docx…
    (src / "mail.eml").write_bytes(_mail_with({deceptive: data}))
    other = bench.national()
    other["fields"].update(project_code="D-1", grade_reported="良")
    (src / f"盘上{deceptive}").write_bytes(bench.build(other).read_bytes())
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(src), "-o", str(out), "--replies", "--reply-from", "jxc@czj.example.cn"]
    )
    assert result.exit_code == 1, result.output
    written = [p for p in out.rglob("*") if ".perfxl-cache" not in p.parts]
    assert written and all(not any(c in p.name for c in FORMAT_CHARS) for p in written)
    feedback = sorted(p.name for p in (out / "feedback").iterdir())
    assert feedback == ["报告xcod.exe_审核意见.xlsx", "盘上报告xcod.exe_审核意见.xlsx"]
    (reply,) = (out / "replies").iterdir()
    import email

    parsed = email.message_from_bytes(reply.read_bytes(), policy=email.policy.default)
    names = [part.get_filename() for part in parsed.iter_attachments()]
    assert names == ["报告xcod.exe_审核意见.xlsx"]
    # wherever the name is shown, the characters are shown for what they are
    data_json = json.loads((out / "run.json").read_text(encoding="utf-8"))
    shown = {i["file"] for i in data_json["inputs"]}
    escaped = "报告<U+202E>xcod.exe<U+200B><U+200D><U+FEFF>.xlsx"
    assert f"in/盘上{escaped}" in shown
    attached = {(i["provenance"] or {}).get("attachment") for i in data_json["inputs"]}
    assert escaped in attached
    assert not any(c in result.output for c in FORMAT_CHARS)


# ---------------------------------------------------------------- nested zips, parser errors


def _nest(workbook: bytes, levels: int) -> bytes:
    """A workbook inside `levels` zips, each one inside the next."""
    import io

    data, name = workbook, "自评表.xlsx"
    for k in range(levels, 0, -1):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(name, data)
        data, name = buf.getvalue(), f"第{k}层.zip"
    return data


def test_zips_nested_too_deep_say_so_and_where(bench, tmp_path) -> None:
    wb = bench.build(bench.national()).read_bytes()
    src = tmp_path / "in"
    src.mkdir()
    (src / "三层.zip").write_bytes(_nest(wb, 3))  # opened to the bottom
    (src / "四层.zip").write_bytes(_nest(wb, 4))
    result = CliRunner().invoke(main, ["run", str(src), "-o", str(tmp_path / "out")])
    data = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    by_file = {i["file"]: i for i in data["inputs"]}
    assert by_file["in/三层.zip/第2层.zip/第3层.zip/自评表.xlsx"]["status"] == "read"
    deep = by_file["in/四层.zip/第2层.zip/第3层.zip/第4层.zip"]
    assert deep["status"] == "skipped"
    assert deep["reason"].startswith("压缩包嵌套过深：perfxl 打开了 3 层压缩包，停在第 4 层")
    assert not any("压缩包中没有工作簿" in (i["reason"] or "") for i in data["inputs"])
    assert "跳过 1 个嵌套过深的压缩包：in/四层.zip/第2层.zip/第3层.zip/第4层.zip" in result.output
    # `perfxl collect` tells the same of an attached one
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "m.eml").write_bytes(_mail_with({"四层.zip": _nest(wb, 4)}))
    assert (
        CliRunner()
        .invoke(main, ["collect", str(tmp_path / "mail"), "-o", str(tmp_path / "saved")])
        .exit_code
        == 0
    )
    manifest = json.loads((tmp_path / "saved" / "manifest.json").read_text(encoding="utf-8"))
    (row,) = manifest["attachments"]
    assert row["status"] == "skipped" and row["reason"].startswith("压缩包嵌套过深")


def _ods_of_17_billion_cells(path: Path) -> Path:
    """An ODS whose one cell repeats over 1,048,576 × 16,384: calamine's 'Cell limit exceeded'."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="S">'
        '<table:table-row table:number-rows-repeated="1048576"><table:table-cell'
        ' table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p>'
        "</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
        ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("content.xml", content)
    return path


def test_parser_errors_are_told_in_chinese(tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    _ods_of_17_billion_cells(src / "巨大.ods")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    (src / "损坏.xls").write_bytes(ole + b"\x00" * 4096)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(src), "-o", str(out)])
    data = json.loads((out / "run.json").read_text(encoding="utf-8"))
    by_file = {i["file"]: i for i in data["inputs"]}
    huge, broken = by_file["in/巨大.ods"], by_file["in/损坏.xls"]
    assert huge["reason"].startswith("文件超出安全读取上限（数据量超出读取程序的上限）")
    assert "请删除多余的空行、空列和工作表" in huge["reason"]
    assert (
        broken["reason"]
        == "文件无法作为工作簿读取（文件已损坏，内容无法解析），请重新导出为 .xlsx 后提交。"
    )
    # the parser's words: in run.json and with --debug, nowhere else
    assert "Cell limit exceeded (17179869184" in huge["library_error"]
    assert broken["library_error"].startswith("CalamineError: Cfb error")
    said = (out / "findings.csv").read_text(encoding="utf-8-sig") + result.output
    assert "Calamine" not in said and "Cell limit" not in said
    debug = CliRunner().invoke(main, ["--debug", "run", str(src), "-o", str(tmp_path / "o2")])
    assert "[debug] in/巨大.ods：CalamineError: Cell limit exceeded" in debug.output
    check = CliRunner().invoke(main, ["check", str(src / "损坏.xls")])
    assert check.exit_code == 1 and "文件已损坏" in check.output and "Calamine" not in check.output


def test_a_bug_in_the_reader_is_not_blamed_on_the_file(bench, monkeypatch) -> None:
    import perfxl.read.profiles
    from perfxl.read.workbook import read_workbook

    def broken(book, template):
        raise NameError("name 'FUND_SOURCES' is not defined")

    monkeypatch.setattr(perfxl.read.profiles, "read_national", broken)
    sub = read_workbook(bench.build(bench.national()))
    (finding,) = [f for f in sub.findings if f.rule == "S11"]
    assert finding.message == "模板无法识别：读取时程序出错（已记录在 run.json，需由管理员排查）。"
    assert sub.library_error == "NameError: name 'FUND_SOURCES' is not defined"


# ---------------------------------------------------------------- what a run says


def test_folder_counts_say_what_was_read_and_what_was_skipped(bench, tmp_path) -> None:
    src = _inputs(bench, tmp_path / "in", 2)
    (src / "README.md").write_text("说明", encoding="utf-8")
    (src / "data.json").write_text("{}", encoding="utf-8")
    (src / "副本.xlsx").write_bytes((src / "0.xlsx").read_bytes())
    result = CliRunner().invoke(main, ["run", str(src), "-o", str(tmp_path / "out")])
    assert result.output.splitlines()[:3] == [
        "已读取 2 份工作簿、2 个项目（1 个主管部门）：错误 2，警告 0，提示 2。",
        "另有 1 个文件与已读取的工作簿内容相同，只读一次。",
        "跳过 2 个非工作簿文件：in/README.md、in/data.json（原因见 run.json）。",
    ]
    data = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert (data["counts"]["workbooks"], data["counts"]["duplicates"]) == (2, 1)
    assert data["counts"]["skipped"] == {"非工作簿文件": 2}


def test_a_closed_stdout_keeps_the_exit_code(bench, tmp_path) -> None:
    src = _inputs(bench, tmp_path / "in", 1)
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfxl", "run", str(src), "-o", str(tmp_path / "out")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    proc.stdout.close()  # `perfxl run … | head -0`
    err = proc.communicate(timeout=300)[1].decode("utf-8", "replace")
    assert proc.returncode == 1, err  # the findings' exit code, not a crash
    assert "Traceback" not in err and "内部错误" not in err


def test_clicks_own_messages_are_chinese_and_keep_their_exit_codes(tmp_path) -> None:
    import click.exceptions

    runner = CliRunner()
    cases = [
        ([], 2, "用法: perfxl [OPTIONS] COMMAND"),  # click prints the help, exit 2 (8.2+)
        (["run"], 2, "错误：缺少参数 'INPUTS...'."),
        (["run", str(tmp_path)], 2, "错误：缺少必填选项 '--output' / '-o'."),
        (
            ["run", str(tmp_path), "-o", "o", "--roster", str(tmp_path)],
            2,
            f"'--roster' 的值无效：'{tmp_path}' 是文件夹，此处需要文件。",
        ),
        (["run", str(tmp_path), "-o", "o", "-j", "abc"], 2, "'abc' 不是有效的数字。"),
        (["run", "--bogus"], 2, "错误：没有选项 '--bogus'。"),
        (["nope"], 2, "错误：没有命令 'nope'。"),
        (["run", "--help"], 0, "显示本帮助并退出。"),
        (["--help"], 0, "显示版本号并退出。"),
    ]
    for args, code, words in cases:
        result = runner.invoke(main, args, prog_name="perfxl")
        assert result.exit_code == code, (args, result.output)
        assert words in result.output, (args, result.output)
        for english in ("Usage:", "Error:", "Missing", "Invalid value", "Show this", "Try '"):
            assert english not in result.output, (args, english, result.output)
    hint = runner.invoke(main, ["run"], prog_name="perfxl").output
    assert "输入 'perfxl run --help' 查看帮助。" in hint
    # outside perfxl's command, click speaks its own English again
    assert click.exceptions._("Missing option") == "Missing option"
