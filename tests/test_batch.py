"""`perfxl run` without the workbook writer: discovery, de-duplication, resubmissions, roster, roll-ups."""

from __future__ import annotations

import copy
import csv
import json
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import Workbench, assert_fires, assert_quiet

from perfxl.intake.names import safe_name
from perfxl.report import rollups
from perfxl.report.machine import write_machine_outputs
from perfxl.run.batch import run_batch


def _variant(bench: Workbench, **fields) -> dict:
    s = bench.national()
    s["fields"].update(fields)
    return s


class _Findings:
    """A run's findings in the shape the assert helpers take."""

    def __init__(self, run) -> None:
        self.findings = run.findings


def _by_file(run) -> dict[str, str]:
    return {i.display: i.status for i in run.inputs}


def test_every_input_is_accounted_for(bench, tmp_path) -> None:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    a = bench.build(bench.national(), "a.xlsx")
    (src / "a.xlsx").write_bytes(a.read_bytes())
    (src / "sub" / "copy.xlsx").write_bytes(a.read_bytes())  # identical content
    (src / "readme.txt").write_text("说明", encoding="utf-8")
    (src / "broken.xlsx").write_bytes(b"not a workbook at all")
    with zipfile.ZipFile(src / "bundle.zip", "w") as zf:
        zf.write(bench.build(bench.seed(), "seed.xlsx"), "海南/种子.xlsx")
        zf.writestr("notes.docx", b"x")
    run = run_batch([src], tmp_path / "out", jobs=1)
    status = _by_file(run)
    assert status == {
        "in/a.xlsx": "read",
        "in/broken.xlsx": "unreadable",
        "in/bundle.zip/notes.docx": "skipped",
        "in/bundle.zip/海南/种子.xlsx": "read",
        "in/readme.txt": "skipped",
        "in/sub/copy.xlsx": "duplicate",
    }
    dup = next(i for i in run.inputs if i.display == "in/sub/copy.xlsx")
    assert "in/a.xlsx" in dup.reason
    assert len(run.projects) == 3  # a, broken, seed: a duplicate is read once
    status_by_file = dict(zip(run.projects["file"], run.projects["status"], strict=True))
    assert status_by_file["in/a.xlsx"] == "通过"
    assert status_by_file["in/broken.xlsx"] == "无法读取"
    assert status_by_file["in/bundle.zip/海南/种子.xlsx"] != "无法读取"
    # nothing left behind in the output folder but what the writers put there
    assert list((tmp_path / "out").iterdir()) == []


def test_gbk_member_names_in_zips(bench, tmp_path) -> None:
    wb = bench.build(bench.national(), "n.xlsx")
    archive = tmp_path / "gbk.zip"
    name = "临江市/自评表.xlsx"
    raw_name = name.encode("gbk")
    placeholder = b"Q" * len(raw_name)
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(placeholder.decode(), wb.read_bytes())
    # as Chinese Windows tools write it: GBK bytes and no UTF-8 flag
    archive.write_bytes(archive.read_bytes().replace(placeholder, raw_name))
    run = run_batch([archive], tmp_path / "out", jobs=1)
    assert [i.display for i in run.inputs] == [f"{archive}/{name}"]
    assert run.projects.iloc[0]["project"] == "学生营养改善计划"


def test_zip_member_names_cannot_escape(bench, tmp_path) -> None:
    wb = bench.build(bench.national(), "n.xlsx")
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../escape.xlsx", wb.read_bytes())
        zf.writestr("/etc/abs.xlsx", wb.read_bytes())
    out = tmp_path / "out"
    run = run_batch([archive], out, jobs=1)
    assert not (tmp_path / "escape.xlsx").exists()
    assert not Path("/etc/abs.xlsx").exists()
    assert {i.status for i in run.inputs} == {"read", "duplicate"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../a.xlsx", "a.xlsx"),
        ("a\x00b.xlsx", "a_b.xlsx"),
        ("..", "unnamed"),
        ("C:\\x\\y.xls", "y.xls"),
    ],
)
def test_safe_name(name, expected) -> None:
    assert safe_name(name) == expected


def test_symlink_loop_is_not_followed(bench, tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "n.xlsx").write_bytes(bench.build(bench.national()).read_bytes())
    os.symlink(src, src / "loop")
    run = run_batch([src], tmp_path / "out", jobs=1)
    assert _by_file(run)["in/loop"] == "skipped"
    assert _by_file(run)["in/n.xlsx"] == "read"


def test_resubmission_keeps_the_latest(bench, tmp_path) -> None:
    old = _variant(bench, submit_date="2025-01-10", grade_reported="良")  # v1 had an error
    new = _variant(bench, submit_date="2025-02-20")
    src = tmp_path / "in"
    src.mkdir()
    for name, s in (("v2.xlsx", new), ("v1.xlsx", old)):
        (src / name).write_bytes(bench.build(s).read_bytes())
    run = run_batch([src], tmp_path / "out", jobs=1)
    assert _by_file(run) == {"in/v1.xlsx": "superseded", "in/v2.xlsx": "read"}
    p = run.projects.set_index("file")
    assert p.loc["in/v1.xlsx", "status"] == "已被替代"
    assert p.loc["in/v1.xlsx", "superseded_by"] == p.loc["in/v2.xlsx", "sub"]
    assert p.loc["in/v2.xlsx", "status"] == "通过"
    f = run.findings
    # the superseded version's own errors do not count; one note says what replaced it
    old_rows = f[f["file"] == "in/v1.xlsx"]
    assert list(old_rows["rule"]) == ["D06"]
    assert "v2.xlsx" in old_rows.iloc[0]["message"]
    assert run.departments.iloc[0]["projects"] == 1


def test_conflicting_duplicates_that_cannot_be_ordered(bench, tmp_path) -> None:
    a = _variant(bench, submit_date="2025-02-20")
    b = copy.deepcopy(a)
    b["fields"]["goal_actual"] = "另一份内容"
    src = tmp_path / "in"
    src.mkdir()
    for name, s in (("a.xlsx", a), ("b.xlsx", b)):
        p = src / name
        p.write_bytes(bench.build(s).read_bytes())
        os.utime(p, (1_740_000_000, 1_740_000_000))
    run = run_batch([src], tmp_path / "out", jobs=1)
    # the kept version is flagged; the other is superseded
    d02 = assert_fires(_Findings(run), "D02", count=1, severity="error")
    assert "a.xlsx" in d02.iloc[0]["message"] and "b.xlsx" in d02.iloc[0]["message"]


def _write_roster(path: Path, rows: list[tuple]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["项目编码", "项目名称", "单位", "主管部门", "批复预算（万元）"])
        w.writerows(rows)
    return path


def test_roster_missing_and_budget_difference(bench, tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "n.xlsx").write_bytes(bench.build(bench.national()).read_bytes())
    roster = _write_roster(
        tmp_path / "名单.csv",
        [
            ("2024-JY-001", "学生营养改善计划", "临江市第一中学", "临江市教育局", "320"),
            ("2024-JY-009", "校舍维修", "临江市第二中学", "临江市教育局", "150"),
        ],
    )
    run = run_batch([src], tmp_path / "out", jobs=1, roster=roster)
    f = run.findings.set_index("rule")
    d01 = f.loc[["D01"]]
    assert len(d01) == 1
    assert d01.iloc[0]["project"] == "校舍维修"
    assert d01.iloc[0]["department"] == "临江市教育局"
    assert d01.iloc[0]["cell"] == "第3行"
    assert d01.iloc[0]["severity"] == "error"
    d05 = assert_fires(_Findings(run), "D05", count=1, severity="warning", cell="E7")
    assert d05.iloc[0]["observed"] == 300.0 and d05.iloc[0]["expected"] == 320.0
    assert d05.iloc[0]["cell"] == "E7"
    assert run.roster["submitted"].tolist() == [True, False]


def test_roster_in_xlsx_with_yuan(bench, tmp_path) -> None:
    import xlsxwriter

    roster = tmp_path / "名单.xlsx"
    wb = xlsxwriter.Workbook(roster)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["应提交项目名单"])
    ws.write_row(1, 0, ["项目名称", "单位", "批复预算（元）"])
    ws.write_row(2, 0, ["学生营养改善计划", "临江市第一中学", 3000000])
    wb.close()
    src = tmp_path / "in"
    src.mkdir()
    (src / "n.xlsx").write_bytes(bench.build(bench.national()).read_bytes())
    run = run_batch([src], tmp_path / "out", jobs=1, roster=roster)
    assert run.roster.iloc[0]["approved_wan"] == 300.0
    assert not (run.findings["rule"].isin(["D01", "D05"])).any()


def test_department_ratio_of_sums() -> None:
    projects = pd.DataFrame(
        {
            "department": ["甲局", "甲局", "乙局"],
            "unit": ["u1", "u2", "u3"],
            "fiscal_year": [2024, 2024, 2024],
            "status": ["通过", "需修改", "通过"],
            "budget_wan": [100.0, 900.0, 50.0],
            "executed_wan": [50.0, 900.0, 50.0],
            "exec_rate": [50.0, 100.0, 100.0],
            "total_score_recomputed": [70.0, 95.0, 91.0],
            "grade_recomputed": ["中", "优", "优"],
            "errors": [0, 2, 0],
            "warnings": [1, 0, 0],
            "infos": [0, 0, 3],
        }
    )
    d = rollups.departments(projects).set_index("department")
    assert d.loc["甲局", "exec_rate"] == pytest.approx(950 / 1000 * 100)  # not (50 + 100) / 2
    assert d.loc["甲局", "score_weighted"] == pytest.approx((70 * 100 + 95 * 900) / 1000)
    assert d.loc["甲局", "score_mean"] == pytest.approx(82.5)
    assert d.loc["甲局", "n_优"] == 1 and d.loc["甲局", "n_中"] == 1
    assert d.loc["甲局", "share_excellent"] == pytest.approx(50.0)
    assert d.loc["甲局", "n_exec_below"] == 1
    assert d.loc["甲局", "errors"] == 2
    u = rollups.units(projects)
    assert len(u) == 3


def test_d04_distribution_per_department(bench, tmp_path) -> None:
    samples = []
    for i in range(5):
        s = bench.national()
        s["fields"]["project_code"] = f"2024-JY-10{i}"
        s["fields"]["project_name"] = f"项目{i}"
        samples.append(s)
    result = bench.check(samples, only={"D04"})
    rows = assert_fires(result, "D04", count=1, severity="info")
    assert rows.iloc[0]["sub"] is None
    assert "临江市教育局" in rows.iloc[0]["message"]
    four = bench.check(samples[:4], only={"D04"})  # below department.min_projects
    assert_quiet(four, "D04")


def test_d01_d05_quiet_without_a_roster(bench) -> None:
    result = bench.check(bench.national(), only={"D01", "D05", "D02"})
    assert_quiet(result, "D01")
    assert_quiet(result, "D05")
    assert_quiet(result, "D02")


def test_d06_and_d01_fire_through_the_run(bench, tmp_path) -> None:
    old = _variant(bench, submit_date="2025-01-10")
    new = _variant(bench, submit_date="2025-02-20", goal_actual="更新")
    src = tmp_path / "in"
    src.mkdir()
    for name, s in (("v1.xlsx", old), ("v2.xlsx", new)):
        (src / name).write_bytes(bench.build(s).read_bytes())
    roster = _write_roster(tmp_path / "r.csv", [("X-1", "缺的项目", "某单位", "某局", "10")])
    run = run_batch([src], tmp_path / "out", jobs=1, roster=roster)
    assert_fires(_Findings(run), "D06", count=1, severity="info")
    assert_fires(_Findings(run), "D01", count=1, severity="error")


def test_machine_outputs(bench, tmp_path) -> None:
    s = bench.national()
    s["fields"]["project_name"] = '=HYPERLINK("http://evil")'
    s["fields"]["grade_reported"] = "良"
    src = tmp_path / "in"
    src.mkdir()
    (src / "n.xlsx").write_bytes(bench.build(s).read_bytes())
    (src / "x.txt").write_text("x", encoding="utf-8")
    out = tmp_path / "out"
    run = run_batch([src], out, jobs=1)
    write_machine_outputs(run, out)
    raw = (out / "projects.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    projects = pd.read_csv(out / "projects.csv", encoding="utf-8-sig")
    for col in (
        "file",
        "profile",
        "department",
        "unit",
        "project",
        "budget_wan",
        "executed_wan",
        "exec_rate",
        "total_score_reported",
        "total_score_recomputed",
        "grade_reported",
        "grade_recomputed",
        "errors",
        "warnings",
        "infos",
        "status",
    ):
        assert col in projects.columns
    assert projects.loc[0, "project"].startswith("'=")  # never a live formula in a spreadsheet
    assert projects.loc[0, "budget_wan"] == 300.0
    findings = pd.read_csv(out / "findings.csv", encoding="utf-8-sig")
    assert "G01" in set(findings["rule"])
    data = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert {i["file"] for i in data["inputs"]} == {"in/n.xlsx", "in/x.txt"}
    assert data["config"]["grades"]["excellent"] == 90.0
    assert data["counts"]["errors"] == int((findings["severity"] == "error").sum()) >= 1
    assert data["projects"][0]["grade_recomputed"] == "优"


def test_parallel_and_inline_reads_agree(bench, tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(10):
        s = bench.national()
        s["fields"]["project_code"] = f"P-{i}"
        s["tables"]["indicators"][0]["actual"] = 1100 + i
        (src / f"{i:02d}.xlsx").write_bytes(bench.build(s).read_bytes())
    a = run_batch([src], tmp_path / "o1", jobs=2)
    b = run_batch([src], tmp_path / "o2", jobs=1)
    cols = ["file", "total_score_recomputed", "grade_recomputed", "errors", "warnings"]
    pd.testing.assert_frame_equal(a.projects[cols], b.projects[cols])
