"""The season ledger, on real SQLite files: a season of runs (submit, return, resubmit), the
officer's acceptance, an interrupted run, two runs at once, the first schema migrated, files
that are not a ledger, and the board (`perfxl status`)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from perfxl.run.job import RunInterrupted, run_job
from perfxl.run.ledger import APPLICATION_ID, SCHEMA_V1, SCHEMA_VERSION, Ledger, LedgerError

CLI = [sys.executable, "-m", "perfxl"]


def _version(bench, folder: Path, *, grade: str, executed: float) -> Path:
    """The same project (one 项目编码) as the unit sends it: grade typed over (G01) and low
    execution (F08) in the first version, the grade fixed in the second."""
    s = bench.national()
    s["fields"]["grade_reported"] = grade
    s["tables"]["funds"][1]["executed"] = executed
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.xlsx"):
        old.unlink()
    return bench.build(s, str(folder.relative_to(bench.dir) / "project.xlsx"))


def _season(bench, tmp_path: Path):
    ledger = tmp_path / "season.db"
    inbox = tmp_path / "inbox"
    _version(bench, inbox, grade="良", executed=250)  # G01 error, F08 warning
    first = run_job([inbox], tmp_path / "out1", feedback=True, ledger=ledger)
    _version(bench, inbox, grade="优", executed=250)  # G01 fixed, F08 still there
    second = run_job([inbox], tmp_path / "out2", ledger=ledger)
    return ledger, first, second


def test_a_season_submit_return_resubmit_accept(bench, tmp_path: Path) -> None:
    ledger, first, second = _season(bench, tmp_path)
    with Ledger(ledger) as book:
        assert book.schema_version == SCHEMA_VERSION
        runs, subs = book.runs(), book.submissions()
        assert len(runs) == 2 and runs["finished"].notna().all()
        assert len(subs) == 2 and subs["project_key"].nunique() == 1
        assert set(book.replies()["kind"]) == {"feedback"}  # the return of version 1
        (row,) = book.status().to_dict("records")
        assert row["versions"] == 2
        assert row["fixed_findings"] == 1  # G01
        assert row["still_open_findings"] == 1  # F08
        assert row["new_findings"] == 0
        assert row["status"] == "已重报"
        # findings belong to the version they were found in: the fixed G01 is version 1's only
        f = book.findings()
        assert set(f[f["submission_id"] == subs["id"].iloc[-1]]["rule"]) == {"F08", "N05"}
        assert book.accept(row["key"], "F08", note="执行率偏低已在正文说明（资金下年拨付）") == 1
        (row,) = book.status().to_dict("records")
        assert row["status"] == "通过" and row["accepted_findings"] == 1
        acc = book.acceptances().iloc[0]
        assert acc["who"] and acc["at"] and acc["note"].startswith("执行率偏低")
    # the summary of a ledger run has 整改情况; run.json names the ledger and the run
    wb = openpyxl.load_workbook(tmp_path / "out2" / "summary.xlsx", read_only=True)
    assert "整改情况" in wb.sheetnames
    meta = json.loads((tmp_path / "out2" / "run.json").read_text(encoding="utf-8"))
    assert meta["options"]["ledger"] == {"path": str(ledger), "run_id": 2}


def test_first_version_with_an_error_is_returned(bench, tmp_path: Path) -> None:
    ledger = tmp_path / "season.db"
    _version(bench, tmp_path / "in", grade="良", executed=250)
    run_job([tmp_path / "in"], tmp_path / "out", ledger=ledger)
    with Ledger(ledger) as book:
        (row,) = book.status().to_dict("records")
    assert (row["status"], row["open_findings"], row["versions"]) == ("需修改", 2, 1)


def test_the_same_workbook_again_is_not_a_new_version(bench, tmp_path: Path) -> None:
    ledger = tmp_path / "season.db"
    _version(bench, tmp_path / "in", grade="良", executed=250)
    for out in ("a", "b"):
        run_job([tmp_path / "in"], tmp_path / out, ledger=ledger)
    with Ledger(ledger) as book:
        assert len(book.runs()) == 2 and len(book.submissions()) == 1
        assert len(book.inputs()) == 2  # each run's inputs are its own


def test_without_a_ledger_no_season_sheet(bench, tmp_path: Path) -> None:
    _version(bench, tmp_path / "in", grade="良", executed=250)
    run_job([tmp_path / "in"], tmp_path / "out")
    wb = openpyxl.load_workbook(tmp_path / "out" / "summary.xlsx", read_only=True)
    assert "整改情况" not in wb.sheetnames


def test_an_interrupted_run_leaves_the_ledger_as_it_was(bench, tmp_path: Path, monkeypatch) -> None:
    ledger, _first, _second = _season(bench, tmp_path)
    before = ledger.read_bytes()
    _version(bench, tmp_path / "inbox", grade="差", executed=100)

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr("perfxl.run.job.write_outputs", interrupted)
    with pytest.raises(RunInterrupted):
        run_job([tmp_path / "inbox"], tmp_path / "out3", ledger=ledger)
    with Ledger(ledger) as book:
        assert len(book.runs()) == 2 and len(book.submissions()) == 2
    # nothing of the third run reached the file (the WAL was checkpointed on close)
    assert ledger.read_bytes() == before


def test_two_runs_on_one_ledger_are_serialised(bench, tmp_path: Path) -> None:
    ledger = tmp_path / "season.db"
    _version(bench, tmp_path / "in", grade="良", executed=250)
    holder = Ledger(ledger)
    with holder.run_transaction():  # another run is writing
        env = {**os.environ, "PERFXL_LEDGER_WAIT": "0.5"}
        done = subprocess.run(
            [*CLI, "run", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--no-progress"],
            env={**env, "PERFXL_LEDGER": str(ledger)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    holder.close()
    assert done.returncode == 2, done.stderr
    assert "正被另一次 perfxl 运行使用" in done.stderr
    assert "Traceback" not in done.stderr
    # once the first is done, the second goes through
    again = subprocess.run(
        [*CLI, "run", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--no-progress"],
        env={**os.environ, "PERFXL_LEDGER": str(ledger)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 1, again.stderr  # G01: error-level findings
    assert "台账" in again.stdout and "第 1 次运行已记录" in again.stdout


def test_a_first_schema_ledger_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA_V1)
    db.execute(f"PRAGMA application_id={APPLICATION_ID}")
    db.execute("PRAGMA user_version=1")
    db.execute(
        "INSERT INTO runs(started, perfxl_version, inputs, config) VALUES ('2026-01-05', '0.9', '[]', '{}')"
    )
    db.execute("INSERT INTO acceptances VALUES ('code:A', 'F08', 'li', '2026-01-06')")
    db.commit()
    db.close()
    with Ledger(path) as book:
        assert book.schema_version == SCHEMA_VERSION == 3
        assert len(book.runs()) == 1  # the season so far is kept
        acc = book.acceptances().iloc[0]
        assert (acc["rule"], acc["who"], acc["note"]) == ("F08", "li", None)
        assert list(book.explanations().columns) == ["submission_id", "rule", "cell", "text"]
        assert "path" in book.submissions().columns and book.not_submitted().empty


def test_each_migration_step_is_one_transaction(tmp_path: Path, monkeypatch) -> None:
    """A step that fails leaves the file at the version before it, its data intact."""
    import perfxl.run.ledger as ledger_module

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA_V1)
    db.execute(f"PRAGMA application_id={APPLICATION_ID}")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    broken = dict(ledger_module.MIGRATIONS)
    broken[2] = broken[2] + "; CREATE TABLE runs (x INTEGER)"  # fails: runs exists
    monkeypatch.setattr(ledger_module, "MIGRATIONS", broken)
    with pytest.raises(LedgerError):
        Ledger(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2  # step 1 done, step 2 undone
    assert "roster" not in [r[1] for r in db.execute("PRAGMA table_info(runs)")]
    db.close()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"this is a note, not a database\n" * 20, "不是 perfxl 的台账数据库，或已损坏"),
        (None, "是另一个程序的 SQLite 数据库"),
    ],
)
def test_a_file_that_is_not_a_ledger_is_refused_untouched(
    bench, tmp_path: Path, content: bytes | None, words: str
) -> None:
    path = tmp_path / "season.db"
    if content is None:  # somebody else's SQLite database
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE budget(item TEXT, amount REAL)")
        db.commit()
        db.close()
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    _version(bench, tmp_path / "in", grade="良", executed=250)
    done = subprocess.run(
        [*CLI, "run", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--ledger", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert words in done.stderr and "未作任何修改" in done.stderr
    assert "Traceback" not in done.stderr
    assert path.read_bytes() == before
    assert not (tmp_path / "out" / "summary.xlsx").exists()


def test_a_ledger_from_a_newer_perfxl_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Ledger(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(LedgerError, match="更新版本的 perfxl"):
        Ledger(path)


def test_status_board_as_text_json_and_workbook(bench, tmp_path: Path) -> None:
    ledger, _first, _second = _season(bench, tmp_path)
    env = {**os.environ, "PERFXL_LEDGER": str(ledger)}
    text = subprocess.run(
        [*CLI, "status"], env=env, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "本季 1 个项目：未提交 0，需修改 0，已重报 1，已提交 0，通过 0" in text
    assert "已整改 1，仍未整改 1，新增 0" in text
    assert "F08（warning）：1 条，1 个项目" in text
    board = tmp_path / "board.xlsx"
    out = subprocess.run(
        [*CLI, "status", "--json", "-o", str(board)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    data = json.loads(out)
    (p,) = data["projects"]
    assert {"key", "unit", "department", "status", "versions", "open_findings"} <= set(p)
    assert {"fixed_findings", "explained_findings"} <= set(p)
    assert data["counts"]["by_status"]["已重报"] == 1
    wb = openpyxl.load_workbook(board, read_only=True)
    assert wb.sheetnames == ["台账总览", "项目状态", "未关闭问题"]
    rows = list(wb["项目状态"].iter_rows(values_only=True))
    assert rows[1][3] == "已重报"


def test_accept_from_the_cli(bench, tmp_path: Path) -> None:
    ledger, _first, _second = _season(bench, tmp_path)
    with Ledger(ledger) as book:
        key = book.status()["key"].iloc[0]
    env = {**os.environ, "PERFXL_LEDGER": str(ledger)}
    ok = subprocess.run(
        [*CLI, "accept", "--project", key, "--rule", "f08", "--note", "已说明"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and "已接受" in ok.stdout
    bad = subprocess.run(
        [*CLI, "accept", "--project", key, "--rule", "G01"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "没有规则 G01 的问题" in bad.stderr  # fixed in version 2
    with Ledger(ledger) as book:
        assert book.status()["status"].iloc[0] == "通过"


def test_a_returned_feedback_copy_brings_the_units_explanation(bench, tmp_path: Path) -> None:
    """The unit fixes the grade in the feedback copy itself, writes a 单位说明 beside the F08
    warning and sends the copy back: the explanation is attached to F08 of the new version."""
    ledger = tmp_path / "season.db"
    inbox = tmp_path / "inbox"
    _version(bench, inbox, grade="良", executed=250)
    run_job([inbox], tmp_path / "out1", feedback=True, ledger=ledger)
    (copy,) = (tmp_path / "out1" / "feedback").glob("*.xlsx")
    wb = openpyxl.load_workbook(copy)
    sheet = wb["审核意见"]
    head = next(r for r in sheet.iter_rows() if r[0].value == "序号")
    cols = {c.value: c.column for c in head}
    assert "单位说明" in cols  # the column the unit writes in
    for row in sheet.iter_rows(min_row=head[0].row + 1):
        if row[cols["规则"] - 1].value == "F08":
            row[cols["单位说明"] - 1].value = "部分资金年底到账，已结转下年使用，见正文第三部分。"
    form = next(ws for ws in wb.worksheets if ws.title != "审核意见" and ws["H55"].value == "良")
    form["H55"] = "优"  # the grade fixed in the copy
    for old in inbox.glob("*.xlsx"):
        old.unlink()
    wb.save(inbox / "returned.xlsx")
    run_job([inbox], tmp_path / "out2", ledger=ledger)
    with Ledger(ledger) as book:
        (said,) = book.explanations().to_dict("records")
        assert (said["rule"], said["cell"]) == ("F08", "H7")
        assert said["text"].startswith("部分资金年底到账")
        (row,) = book.status().to_dict("records")
    assert (row["versions"], row["fixed_findings"], row["explained_findings"]) == (2, 1, 1)
    assert row["status"] == "通过" and row["open_findings"] == 0
    # the 审核意见 sheet is not read as part of the form: the original's findings less the fixed
    # G01 (R08: a copy saved by a library keeps no formula results, as a unit's tool may do)
    with Ledger(ledger) as book:
        f = book.findings()
    assert set(f[f["submission_id"] == f["submission_id"].max()]["rule"]) == {"F08", "N05", "R08"}


def test_an_explained_error_stays_open_until_accepted(bench, tmp_path: Path) -> None:
    ledger = tmp_path / "season.db"
    inbox = tmp_path / "inbox"
    _version(bench, inbox, grade="良", executed=300)  # G01 only
    run_job([inbox], tmp_path / "out1", feedback=True, ledger=ledger)
    (copy,) = (tmp_path / "out1" / "feedback").glob("*.xlsx")
    wb = openpyxl.load_workbook(copy)
    sheet = wb["审核意见"]
    head = next(r for r in sheet.iter_rows() if r[0].value == "序号")
    cols = {c.value: c.column for c in head}
    for row in sheet.iter_rows(min_row=head[0].row + 1):
        if row[cols["规则"] - 1].value == "G01":
            row[cols["单位说明"] - 1].value = "等次按主管部门意见确定。"
    for old in inbox.glob("*.xlsx"):
        old.unlink()
    wb.save(inbox / "returned.xlsx")
    run_job([inbox], tmp_path / "out2", ledger=ledger)
    with Ledger(ledger) as book:
        (row,) = book.status().to_dict("records")
        assert (row["status"], row["explained_findings"], row["open_findings"]) == ("需修改", 1, 1)
        book.accept(row["key"], "G01", note="同意按主管部门意见")
        assert book.status()["status"].iloc[0] == "通过"


def test_projects_on_the_roster_with_no_workbook_are_not_submitted(bench, tmp_path: Path) -> None:
    import csv

    ledger = tmp_path / "season.db"
    _version(bench, tmp_path / "in", grade="优", executed=300)
    roster = tmp_path / "名单.csv"
    with open(roster, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["项目编码", "项目名称", "单位", "主管部门", "批复预算（万元）"])
        w.writerow(["2024-JY-001", "学生营养改善计划", "临江市第一中学", "临江市教育局", "300"])
        w.writerow(["2024-JY-009", "校舍维修", "临江市第二中学", "临江市教育局", "150"])
    run_job([tmp_path / "in"], tmp_path / "out", roster=roster, ledger=ledger)
    with Ledger(ledger) as book:
        status = book.status().set_index("project")
    assert status.loc["校舍维修", "status"] == "未提交"
    assert status.loc["校舍维修", "versions"] == 0
    assert status.loc["学生营养改善计划", "status"] != "未提交"
    # a later run without the roster keeps the last roster's picture
    run_job([tmp_path / "in"], tmp_path / "out2", ledger=ledger)
    with Ledger(ledger) as book:
        assert "校舍维修" in set(book.status()["project"])


def test_kill_9_mid_run_leaves_the_ledger_as_it_was(bench, tmp_path: Path) -> None:
    """A real SIGKILL while the run holds the ledger's write transaction: the next opener finds
    the season as it was before that run, and the next run goes through."""
    import signal
    import time

    ledger = tmp_path / "season.db"
    src = tmp_path / "in"
    _version(bench, src, grade="良", executed=250)
    run_job([src], tmp_path / "out0", ledger=ledger)
    for k in range(40):  # enough files that the run is still reading when it is killed
        s = bench.national()
        s["fields"]["project_code"] = f"K-{k}"
        bench.build(s, f"in/k{k}.xlsx")
    proc = subprocess.Popen(
        [*CLI, "run", str(src), "-o", str(tmp_path / "out1"), "--jobs", "1", "--no-progress"],
        env={**os.environ, "PERFXL_LEDGER": str(ledger)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline and not (tmp_path / "out1").exists():
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    with Ledger(ledger) as book:
        assert len(book.runs()) == 1 and len(book.submissions()) == 1
    job = run_job([src], tmp_path / "out2", ledger=ledger)
    assert job.run.options["ledger"]["run_id"] == 2
