"""`perfxl check`: terminal table, JSON that matches the library, exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from perfxl.cli import main
from perfxl.report.machine import report_dict
from perfxl.run.check import check_files

REQUIRED_KEYS = {
    "file",
    "profile",
    "project",
    "unit",
    "department",
    "exec_rate",
    "total_score_reported",
    "total_score_recomputed",
    "grade_reported",
    "grade_recomputed",
    "findings",
}
FINDING_KEYS = {"rule", "severity", "sheet", "cell", "message", "observed", "expected"}


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_clean_workbook_exit_0_and_readable_table(bench) -> None:
    path = bench.build(bench.national())
    result = _invoke("check", str(path))
    assert result.exit_code == 0, result.output
    assert "执行率 98.20%" in result.output
    assert "总分 填报 98.82 / 复核 98.82" in result.output
    assert "等次 填报 优 / 复核 优" in result.output
    assert "结论：通过" in result.output


def test_error_finding_exit_1_with_cell(bench) -> None:
    s = bench.national()
    s["fields"]["grade_reported"] = "良"
    path = bench.build(s)
    result = _invoke("check", str(path))
    assert result.exit_code == 1
    g01 = [line.split() for line in result.output.splitlines() if " G01 " in line]
    # one G01 line: severity, rule, the cell, then the message naming both grades
    assert len(g01) == 1
    assert g01[0][:3] == ["错误", "G01", "项目支出绩效自评表!H55"]
    message = " ".join(g01[0][3:])
    assert "“良”" in message and "优" in message
    assert "结论：需修改" in result.output


def test_json_has_the_documented_keys_and_matches_the_library(bench) -> None:
    s = bench.national()
    s["fields"]["grade_reported"] = "良"
    paths = [bench.build(s), bench.build(bench.seed())]
    result = _invoke("check", "--json", *map(str, paths))
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert set(data) >= {"submissions", "config", "perfxl_version"}
    assert len(data["submissions"]) == 2
    for sub in data["submissions"]:
        assert set(sub) >= REQUIRED_KEYS
        for f in sub["findings"]:
            assert set(f) >= FINDING_KEYS
            assert f["severity"] in ("error", "warning", "info")
    library = json.loads(
        json.dumps(report_dict(check_files(paths)), ensure_ascii=False, default=str)
    )
    assert data == library
    national = data["submissions"][0]
    assert national["exec_rate"] == 98.2
    assert national["grade_reported"] == "良" and national["grade_recomputed"] == "优"
    seed = data["submissions"][1]
    assert seed["exec_rate"] == 99.76
    assert seed["total_score_recomputed"] == 97.0


def test_english_rendering(bench) -> None:
    s = bench.national()
    s["fields"]["grade_reported"] = "良"
    result = _invoke("check", "--english", str(bench.build(s)))
    assert "The reported grade is 良" in result.output
    assert "severity" in result.output


def test_missing_file_is_a_usage_error(tmp_path) -> None:
    result = _invoke("check", str(tmp_path / "nope.xlsx"))
    assert result.exit_code == 2
    assert "文件不存在" in result.output
    assert "Traceback" not in result.output


def test_folder_is_a_usage_error(tmp_path) -> None:
    result = _invoke("check", str(tmp_path))
    assert result.exit_code == 2
    assert "perfxl run" in result.output


def test_unknown_config_key_is_a_usage_error(bench, tmp_path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[grades]\nexcelent = 85\n", encoding="utf-8")
    result = _invoke("check", "--config", str(cfg), str(bench.build(bench.national())))
    assert result.exit_code == 2
    assert "excelent" in result.output


def test_config_changes_the_grade_and_is_recorded(bench, tmp_path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[grades]\nexcellent = 99\ngood = 80\nfair = 60\n", encoding="utf-8")
    result = _invoke("check", "--json", "--config", str(cfg), str(bench.build(bench.national())))
    data = json.loads(result.output)
    assert data["submissions"][0]["grade_recomputed"] == "良"
    assert data["config"]["grades"]["excellent"] == 99
    assert data["config_source"] == str(cfg)
    assert result.exit_code == 1  # the reported 优 now disagrees: G01


def test_garbage_file_is_a_finding_not_a_traceback(tmp_path) -> None:
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    result = _invoke("check", "--json", str(bad))
    assert result.exit_code == 1
    data = json.loads(result.output)
    rules = [f["rule"] for f in data["submissions"][0]["findings"]]
    assert "R01" in rules
    assert data["submissions"][0]["status"] == "无法读取"


def test_html_disguised_as_xls(tmp_path) -> None:
    bad = tmp_path / "报表.xls"
    bad.write_text(
        "<html><body><table><tr><td>项目名称</td></tr></table></body></html>", encoding="utf-8"
    )
    data = json.loads(_invoke("check", "--json", str(bad)).output)
    finding = data["submissions"][0]["findings"][0]
    assert finding["rule"] == "R03"
    assert "HTML" in finding["message"]


def test_empty_file(tmp_path) -> None:
    bad = tmp_path / "空.xlsx"
    bad.write_bytes(b"")
    data = json.loads(_invoke("check", "--json", str(bad)).output)
    assert data["submissions"][0]["findings"][0]["rule"] == "R04"


def _as_process(*args: str, **kw):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "perfxl", *args], capture_output=True, text=True, timeout=120, **kw
    )


def test_as_a_process_output_and_exit_codes_survive_the_quick_exit(bench, tmp_path) -> None:
    """`check` ends with os._exit (no interpreter teardown): everything printed must still
    arrive through a pipe, with the same exit codes as in-process."""
    s = bench.national()
    s["fields"]["grade_reported"] = "良"
    bad = bench.build(s)
    clean = bench.build(bench.national())
    proc = _as_process("check", "--json", str(bad), str(clean))
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout) == json.loads(
        _invoke("check", "--json", str(bad), str(clean)).output
    )
    ok = _as_process("check", str(clean))
    assert ok.returncode == 0 and ok.stdout == _invoke("check", str(clean)).output
    missing = _as_process("check", str(tmp_path / "nope.xlsx"))
    assert missing.returncode == 2 and "文件不存在" in missing.stderr
    listed = _as_process("rules")
    assert listed.returncode == 0 and "S01" in listed.stdout and "G07" in listed.stdout
