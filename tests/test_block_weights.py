"""Forms that print their weights on the blocks only — a 得分 column, no per-indicator 分值
(Hubei: 预算执行情况（20分）, 绩效指标（80分）, 得分（20分*执行率）): the block weights are read,
the unit's 得分 stand for the indicators, and no 分值 is asked for that the form never prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfxl.run.check import check_files
from synth.published import build_published

FIXTURES = Path(__file__).parent / "fixtures" / "published"


def _form() -> dict:
    return json.loads((FIXTURES / "own_03_hubei_xiaonan_xueqian.json").read_text(encoding="utf-8"))


def _check(tmp_path: Path, form: dict, name: str = "hubei.xlsx"):
    return check_files([build_published(form, tmp_path / name)])


def _rules(report) -> set[str]:
    return set(report.findings["rule"])


def test_the_execution_weight_comes_from_the_score_header(tmp_path: Path) -> None:
    report = _check(tmp_path, _form())
    res = report.results.iloc[0]
    assert res["exec_weight"] == 20
    (f02,) = report.findings[report.findings["rule"] == "F02"]["message"]
    assert "按分值 20 × 执行率 92%" in f02 and "18.4" in f02
    assert "S04" not in _rules(report)  # 20 is within the block's 20分


def test_the_indicators_keep_their_reported_scores_and_the_block_weight(tmp_path: Path) -> None:
    report = _check(tmp_path, _form())
    res = report.results.iloc[0]
    assert res["indicator_weight"] == 80
    assert res["total_calc"] == pytest.approx(98.4)  # 18.4 + the 80 the unit scored
    assert res["grade_calc"] == "优" == res["grade_reported"]
    assert not {"S02", "G01"} & _rules(report)
    blanks = report.findings[report.findings["rule"] == "S05"]["message"]
    assert not blanks.str.contains("分值").any()


def test_what_was_assumed_is_said(tmp_path: Path) -> None:
    report = _check(tmp_path, _form())
    (s13,) = report.findings[report.findings["rule"] == "S13"]["message"]
    assert "按「绩效指标（80分）」计指标合计分值" in s13
    assert "「得分（20分*执行率）」→分值" in s13
    how = report.frames.headers.set_index(["table", "column"])["how"]
    assert how[("indicators", "weight")] == "block"


def test_without_a_block_label_the_scores_still_stand(tmp_path: Path) -> None:
    form = _form()
    form["layout"]["indicator_side_label"] = "绩效指标"
    report = _check(tmp_path, form)
    res = report.results.iloc[0]
    assert res["total_calc"] == pytest.approx(98.4)
    assert not {"S01", "S02", "G01"} & _rules(report)


def test_a_form_with_a_weight_column_is_not_block_weighted(bench) -> None:
    """The template prints 分值 per indicator: a blank one is still S05's error."""
    s = bench.national()
    s["tables"]["indicators"][0]["weight"] = None
    result = bench.check(s, only={"S05"})
    messages = result.findings["message"]
    assert messages.str.contains("分值").any()
