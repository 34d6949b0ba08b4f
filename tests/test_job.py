"""run_job: `perfxl run` as one library call — run, write every output, send the replies."""

from __future__ import annotations

import socket

from test_replies import FROM, LI, WANG, _Inbox, inbox  # noqa: F401  (inbox is a fixture)

import perfxl
from perfxl.run.job import run_job


def test_run_job_writes_every_output_and_says_what(inbox, tmp_path) -> None:  # noqa: F811
    out = tmp_path / "out"
    job = run_job([inbox], out, jobs=1, replies=True, reply_from=FROM)
    assert [p.name for p in job.written] == [
        "summary.xlsx",
        "projects.csv",
        "findings.csv",
        "run.json",
        "feedback",
        "replies",
    ]
    assert all(p.exists() for p in job.written)
    # 王晓梅 sent two workbooks (one with a wrong grade), 李四 a zip: one draft per sender
    assert {p.name for p in (out / "replies").iterdir()} == {f"王晓梅_{WANG}.eml", f"李四_{LI}.eml"}
    assert job.sent == [] and job.send_error is None
    statuses = dict(zip(job.run.projects["project"], job.run.projects["status"], strict=True))
    assert statuses == {
        "学生营养改善计划": "需修改",
        "课后服务": "通过",
        "高素质农民培育": "需修改",
    }
    assert perfxl.run_job is run_job


def test_run_job_sends_through_a_real_server(inbox, tmp_path) -> None:  # noqa: F811
    from aiosmtpd.controller import Controller

    handler = _Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        job = run_job([inbox], tmp_path / "out", jobs=1, smtp=("127.0.0.1", port), reply_from=FROM)
    finally:
        server.stop()
    assert sorted(job.sent) == sorted([WANG, LI])
    assert sorted(tuple(e.rcpt_tos) for e in handler.envelopes) == sorted([(WANG,), (LI,)])
    assert job.send_error is None
    assert (tmp_path / "out" / "feedback").is_dir()  # smtp implies replies, replies feedback


def test_a_failed_send_keeps_every_output_and_says_why(inbox, tmp_path) -> None:  # noqa: F811
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once the socket is closed
    out = tmp_path / "out"
    job = run_job([inbox], out, jobs=1, smtp=("127.0.0.1", port), reply_from=FROM)
    assert job.sent == []
    assert job.send_error is not None
    assert job.send_error.startswith(f"发送回复失败（127.0.0.1:{port}）：")
    assert job.send_error.endswith(f"回复草稿在 {out / 'replies'}")
    assert {p.name for p in job.written} >= {"summary.xlsx", "replies"}
    assert len(list((out / "replies").iterdir())) == 2
