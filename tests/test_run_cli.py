"""`perfxl run`: the main job end to end, exit codes, atomic outputs, inputs untouched."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from perfxl.cli import main

OUTPUTS = {"summary.xlsx", "projects.csv", "findings.csv", "run.json"}


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def folder(bench, tmp_path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    (src / "clean.xlsx").write_bytes(bench.build(bench.national()).read_bytes())
    (src / "seed.xlsx").write_bytes(bench.build(bench.seed()).read_bytes())
    return src


def test_run_writes_every_output_and_exits_1_on_errors(folder, tmp_path) -> None:
    before = _digest(folder)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(folder), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 1, result.output  # the seed carries error-level findings (T01 …)
    assert "已读取 2 份工作簿、2 个项目" in result.output
    assert {p.name for p in out.iterdir()} == OUTPUTS | {".perfxl-cache"}  # the reading cache
    assert _digest(folder) == before  # inputs are never modified
    wb = openpyxl.load_workbook(out / "summary.xlsx", read_only=True)
    assert wb.sheetnames[:4] == ["总览", "项目汇总", "问题清单", "部门汇总"]
    data = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert data["counts"]["projects"] == 2
    assert {i["status"] for i in data["inputs"]} == {"read"}


def test_run_exit_0_when_clean(bench, tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "clean.xlsx").write_bytes(bench.build(bench.national()).read_bytes())
    result = CliRunner().invoke(main, ["run", str(src), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output


def test_run_usage_errors(tmp_path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["run", str(tmp_path / "nope"), "-o", str(tmp_path / "out")])
    assert missing.exit_code == 2 and "输入不存在" in missing.output
    (tmp_path / "file").write_text("x", encoding="utf-8")
    not_dir = runner.invoke(main, ["run", str(tmp_path), "-o", str(tmp_path / "file")])
    assert not_dir.exit_code == 2
    bad_roster = runner.invoke(
        main, ["run", str(tmp_path), "-o", str(tmp_path / "o"), "--roster", str(tmp_path / "r.csv")]
    )
    assert bad_roster.exit_code == 2 and "名单文件不存在" in bad_roster.output
    roster = tmp_path / "r.csv"
    roster.write_text("无关,列\n1,2\n", encoding="utf-8")
    no_header = runner.invoke(
        main, ["run", str(tmp_path), "-o", str(tmp_path / "o"), "--roster", str(roster)]
    )
    assert no_header.exit_code == 2 and "表头" in no_header.output
    assert "Traceback" not in no_header.output


def test_interrupted_run_keeps_the_previous_summary(folder, tmp_path, monkeypatch) -> None:
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["run", str(folder), "-o", str(out)]).exit_code == 1
    previous = (out / "summary.xlsx").read_bytes()

    import perfxl.report.summary

    def broken(run, path, **kwargs):
        Path(path).write_bytes(b"half a workbook")
        raise KeyboardInterrupt  # the user pressed Ctrl-C while the summary was being written

    monkeypatch.setattr(perfxl.report.summary, "write_summary", broken)
    result = CliRunner().invoke(main, ["run", str(folder), "-o", str(out)])
    assert result.exit_code != 0
    assert (out / "summary.xlsx").read_bytes() == previous
    # no partial file left (the reading cache is the previous runs')
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS | {".perfxl-cache"})


def test_progress_flag_writes_to_stderr_only(folder, tmp_path) -> None:
    result = CliRunner().invoke(main, ["run", str(folder), "-o", str(tmp_path / "o"), "--progress"])
    assert result.exit_code == 1  # the folder's workbooks have findings
    assert "读取工作簿" in result.stderr and "读取工作簿" not in result.stdout
    assert result.stdout.startswith("已读取 ")


def test_config_is_recorded_in_run_json(folder, tmp_path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[execution]\nwarn_below = 99.9\n", encoding="utf-8")
    out = tmp_path / "out"
    CliRunner().invoke(main, ["run", str(folder), "-o", str(out), "--config", str(cfg)])
    data = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert data["config"]["execution"]["warn_below"] == 99.9
    assert data["config_source"] == str(cfg)
    assert "F08" in {f["rule"] for f in data["findings"]}  # 98.2 % is now below the line
