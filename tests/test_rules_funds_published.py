"""Fund rules on forms laid out like units' (the execution cells of the fund rows)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import assert_fires, assert_quiet

from perfxl.run.check import check_files
from synth.published import build_published

FIXTURES = Path(__file__).parent / "fixtures" / "published"


def _check(tmp_path: Path, fixture: str, edit=None):
    form = json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8"))
    if edit is not None:
        edit(form)
    return check_files([build_published(form, tmp_path / f"{fixture}.xlsx")])


def test_f16_the_execution_score_repeated_on_a_source_row(tmp_path: Path) -> None:
    def twice(form):
        form["funds"][1]["分值"], form["funds"][1]["得分"] = 10, 10  # 其中：本年财政拨款

    report = _check(tmp_path, "own_16_jilin_yanbian_fangyi", twice)
    rows = assert_fires(report, "F16", severity="warning", count=1)
    assert "「本年财政拨款」行填写了得分 10 分" in rows.iloc[0]["message"]
    total_cell = report.frames.exec.set_index("source").loc["total", "score_cell"]
    assert rows.iloc[0]["cell"][0] == total_cell[0]  # the 得分 column, on the source's row
    assert rows.iloc[0]["cell"] != total_cell


def test_f16_quiet_when_source_rows_say_dash(tmp_path: Path) -> None:
    report = _check(tmp_path, "own_16_jilin_yanbian_fangyi")  # 分值/得分 “—” on the sources
    assert_quiet(report, "F16")


# ------------------------------------------------------------------ F17


def _total_cost(actual: str):
    def edit(form):
        row = form["indicators"][6]  # 成本指标
        row.update({"三级指标": "项目总成本", "年度指标值": "≤2150万元", "实际完成值": actual})

    return edit


def test_f17_cost_indicator_restating_spending_with_another_figure(tmp_path: Path) -> None:
    report = _check(tmp_path, "own_07_jiangxi_ganzhou_jineng", _total_cost("2100万元"))
    rows = assert_fires(report, "F17", severity="warning", count=1)
    row = rows.iloc[0]
    assert (row["observed"], row["expected"]) == ("2100", "2036.9")
    assert "「项目总成本」的实际完成值为 2100 万元，与资金表全年执行数 2036.9 万元不一致" in row["message"]


def test_f17_quiet_when_the_cost_is_the_spending(tmp_path: Path) -> None:
    report = _check(tmp_path, "own_07_jiangxi_ganzhou_jineng", _total_cost("2036.9万元"))
    assert_quiet(report, "F17")


def test_f17_quiet_on_unit_costs(tmp_path: Path) -> None:
    report = _check(tmp_path, "own_07_jiangxi_ganzhou_jineng")  # 人均培训补贴标准 1380元
    assert_quiet(report, "F17")


# ------------------------------------------------------------------ F18


def _zero_row(rate):
    def edit(form):
        form["funds"][2].update({"年初预算数": 0, "全年预算数": 0, "全年执行数": 0, "执行率": rate})

    return edit


def test_f18_a_rate_written_for_nothing_budgeted_or_spent(tmp_path: Path) -> None:
    report = _check(tmp_path, "own_16_jilin_yanbian_fangyi", _zero_row("0.00%"))
    rows = assert_fires(report, "F18", severity="info", count=1)
    assert "「上年结转资金」行预算数和执行数均为 0 或空白，执行率却填写为 0%" in rows.iloc[0]["message"]


def test_f18_quiet_when_the_rate_is_a_dash(tmp_path: Path) -> None:
    report = _check(tmp_path, "own_16_jilin_yanbian_fangyi", _zero_row("—"))
    assert_quiet(report, "F18")
