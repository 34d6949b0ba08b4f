"""This year's form against last year's: the matching table and the Y rules, each failing and
passing on two years of template workbooks built in tmp_path."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import openpyxl
import pytest
from conftest import assert_fires, assert_quiet

from perfxl.checks.previous_year import match_projects, norm_project
from perfxl.run.batch import run_batch
from perfxl.run.job import run_job


def _years(bench, tmp_path: Path, edit_last=None, edit_now=None):
    """Last year's (2023) and this year's (2024) form of the same project, as units send them."""
    last = bench.national()
    last["fields"].update(
        fiscal_year=2023, project_name="2023年度学生营养改善计划", project_code=""
    )
    now = bench.national()
    now["fields"].update(project_name="学生营养改善计划（2024）", project_code="")
    # by default the years differ, as two honest years would
    for k, ind in enumerate(now["tables"]["indicators"]):
        if isinstance(ind.get("actual"), str) and ind["actual"].endswith("%"):
            ind["actual"] = f"{float(ind['actual'][:-1]) - 0.1 * (k + 1):g}%"
    now["fields"]["goal_actual"] = (
        "全年为1230名学生提供营养午餐，新增2所学校食堂，满意度调查显示满意度97%。"
    )
    now["tables"]["indicators"][6]["deviation"] = "今年改为线上问卷，回收812份，满意及较满意790份。"
    now["tables"]["indicators"][5]["deviation"] = (
        "家校共管机制已全面推行，但督查频次未达计划，扣1分。"
    )
    if edit_last:
        edit_last(last)
    if edit_now:
        edit_now(now)
    (tmp_path / "last").mkdir(exist_ok=True)
    (tmp_path / "now").mkdir(exist_ok=True)
    bench.build(last, "last/last.xlsx")
    bench.build(now, "now/now.xlsx")
    return tmp_path / "last", tmp_path / "now"


def _run(bench, tmp_path: Path, **kw):
    last, now = _years(bench, tmp_path, **kw)
    return run_batch([now], tmp_path / "out", jobs=1, previous=last)


class _Found:
    def __init__(self, run) -> None:
        self.findings = run.findings


def test_projects_match_across_years_by_unit_and_name(bench, tmp_path: Path) -> None:
    run = _run(bench, tmp_path)
    (row,) = run.previous[run.previous["status"] == "匹配"].to_dict("records")
    assert row["how"] == "单位+项目名称" and row["similarity"] == 1.0
    assert run.options["previous"]["matched"] == 1
    assert norm_project("2023年度学生营养改善计划") == norm_project("学生营养改善计划（2024）")


def test_matching_table_lists_new_and_gone(bench, tmp_path: Path) -> None:
    def other(s):
        s["fields"].update(project_name="校舍维修", unit="临江市第二中学")

    run = _run(bench, tmp_path, edit_now=other)
    assert set(run.previous["status"]) == {"本年新增", "上年有本年无"}
    import pandas as pd

    m = match_projects(
        pd.DataFrame([{"sub": "a", "project_code": "X-1", "project_name": "甲", "unit": "u"}]),
        pd.DataFrame([{"sub": "b", "project_code": "X-1", "project_name": "乙", "unit": "v"}]),
        0.8,
    )
    assert m.iloc[0]["how"] == "项目编码"


def test_y01_a_target_lowered(bench, tmp_path: Path) -> None:
    def lower(s):
        s["tables"]["indicators"][0]["target"] = "≥1100"  # 受益学生人数: last year ≥1200
        s["tables"]["indicators"][3]["target"] = "≤6"  # 生均每餐补助标准 (反向): last year ≤5

    found = _Found(_run(bench, tmp_path, edit_now=lower))
    rows = assert_fires(found, "Y01", count=2)
    msgs = " ".join(rows["message"])
    assert "「受益学生人数」的年度指标值“≥1100”比上年的“≥1200”" in msgs
    assert "「生均每餐补助标准」的年度指标值“≤6”比上年的“≤5”" in msgs


def test_y01_quiet_when_targets_hold_or_rise(bench, tmp_path: Path) -> None:
    def raise_(s):
        s["tables"]["indicators"][0]["target"] = "≥1250"

    found = _Found(_run(bench, tmp_path, edit_now=raise_))
    assert_quiet(found, "Y01")


def test_y02_targets_identical_to_last_year(bench, tmp_path: Path) -> None:
    found = _Found(_run(bench, tmp_path))
    rows = assert_fires(found, "Y02", severity="info", count=1)
    assert "年度指标值与上年完全相同" in rows.iloc[0]["message"]


def test_y02_quiet_when_targets_were_set_anew(bench, tmp_path: Path) -> None:
    def anew(s):
        for ind, t in zip(
            s["tables"]["indicators"], ("≥1250", "100%", "≥99%", "≤5.5"), strict=False
        ):
            ind["target"] = t

    found = _Found(_run(bench, tmp_path, edit_now=anew))
    assert_quiet(found, "Y02")


def test_y03_actuals_identical_to_last_year(bench, tmp_path: Path) -> None:
    def same_actuals(s):
        s["tables"]["indicators"] = copy.deepcopy(bench.national()["tables"]["indicators"])

    found = _Found(_run(bench, tmp_path, edit_now=same_actuals))
    rows = assert_fires(found, "Y03", count=1)
    assert "实际完成值与上年完全相同" in rows.iloc[0]["message"]


def test_y03_quiet_when_actuals_changed(bench, tmp_path: Path) -> None:
    found = _Found(_run(bench, tmp_path))
    assert_quiet(found, "Y03")


def test_y04_narrative_pasted_again(bench, tmp_path: Path) -> None:
    def paste(s):
        s["fields"]["goal_actual"] = bench.national()["fields"]["goal_actual"]
        s["tables"]["indicators"][6]["deviation"] = bench.national()["tables"]["indicators"][6][
            "deviation"
        ]
        s["tables"]["indicators"][5]["deviation"] = bench.national()["tables"]["indicators"][5][
            "deviation"
        ]

    # the goal text and two 偏差原因: told once, as the batch groups a cause that repeats
    found = _Found(_run(bench, tmp_path, edit_now=paste))
    rows = assert_fires(found, "Y04", count=1)
    assert "本表共 3 处" in rows.iloc[0]["message"]
    assert "年度总体目标实际完成情况与上年的几乎相同（相似度 100%）" in rows.iloc[0]["message"]


def test_y04_quiet_on_this_years_words(bench, tmp_path: Path) -> None:
    found = _Found(_run(bench, tmp_path))
    assert_quiet(found, "Y04")


def test_y05_budget_swing_without_a_word(bench, tmp_path: Path) -> None:
    def swing(s):
        s["tables"]["funds"][1].update(initial_budget=600.0, annual_budget=600.0, executed=590.0)
        s["tables"]["funds"][1]["note"] = None

    found = _Found(_run(bench, tmp_path, edit_now=swing))
    rows = assert_fires(found, "Y05", count=1)
    assert "较上年 300 万元变化 +100.0%" in rows.iloc[0]["message"]


def test_y05_quiet_when_the_change_is_explained(bench, tmp_path: Path) -> None:
    def swing(s):
        s["tables"]["funds"][1].update(initial_budget=600.0, annual_budget=600.0, executed=590.0)
        s["tables"]["funds"][1]["note"] = "覆盖学校由4所增至8所，预算相应增加。"

    found = _Found(_run(bench, tmp_path, edit_now=swing))
    assert_quiet(found, "Y05")


def test_y06_indicator_set_replaced(bench, tmp_path: Path) -> None:
    def replaced(s):
        for k, ind in enumerate(s["tables"]["indicators"]):
            ind["name"] = f"新设指标{'甲乙丙丁戊己庚'[k]}项"

    found = _Found(_run(bench, tmp_path, edit_now=replaced))
    rows = assert_fires(found, "Y06", count=1)
    assert rows.iloc[0]["observed"] == 7


def test_y06_quiet_when_indicators_carry_over(bench, tmp_path: Path) -> None:
    found = _Found(_run(bench, tmp_path))
    assert_quiet(found, "Y06")


def test_y07_grade_jump_with_nothing_behind_it(bench, tmp_path: Path) -> None:
    def poor(s):
        s["fields"]["grade_reported"] = "中"

    found = _Found(_run(bench, tmp_path, edit_last=poor))
    rows = assert_fires(found, "Y07", count=1)
    assert "等次由上年的“中”升为“优”" in rows.iloc[0]["message"]


def test_y07_quiet_on_a_one_level_rise(bench, tmp_path: Path) -> None:
    def good(s):
        s["fields"]["grade_reported"] = "良"

    found = _Found(_run(bench, tmp_path, edit_last=good))
    assert_quiet(found, "Y07")


def test_no_previous_no_y_rules(bench, tmp_path: Path) -> None:
    _last, now = _years(bench, tmp_path)
    run = run_batch([now], tmp_path / "out", jobs=1)
    assert run.previous is None
    assert not run.findings["rule"].str.startswith("Y").any()


def test_previous_from_an_earlier_outdir_and_the_sheet(bench, tmp_path: Path) -> None:
    last, now = _years(bench, tmp_path)
    run_job([last], tmp_path / "out2023")
    job = run_job([now], tmp_path / "out2024", previous=tmp_path / "out2023")
    assert job.run.options["previous"]["kind"] == "run.json"
    assert job.run.options["previous"]["matched"] == 1
    wb = openpyxl.load_workbook(tmp_path / "out2024" / "summary.xlsx", read_only=True)
    assert "上年对比" in wb.sheetnames
    data = json.loads((tmp_path / "out2024" / "run.json").read_text(encoding="utf-8"))
    assert [r["status"] for r in data["previous"]] == ["匹配"]


def test_previous_from_the_ledger(bench, tmp_path: Path) -> None:
    last, now = _years(bench, tmp_path)
    ledger = tmp_path / "season.db"
    run_job([last], tmp_path / "out2023", ledger=ledger)
    job = run_job([now], tmp_path / "out2024", ledger=ledger, previous=ledger)
    assert job.run.options["previous"]["kind"] == "ledger"
    assert "2023 年度" in job.run.options["previous"]["source"]
    assert "Y02" in set(job.run.findings["rule"])  # read again from the files it recorded


@pytest.mark.parametrize("source", ["missing", "empty"])
def test_bad_previous_source_is_one_line(bench, tmp_path: Path, source: str) -> None:
    from click.testing import CliRunner

    from perfxl.cli import main

    _last, now = _years(bench, tmp_path)
    target = tmp_path / source
    if source == "empty":
        target.mkdir()
    result = CliRunner().invoke(
        main, ["run", str(now), "-o", str(tmp_path / "o"), "--previous", str(target)]
    )
    assert result.exit_code == 2
    assert "上年数据" in result.output and "Traceback" not in result.output
