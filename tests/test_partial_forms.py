"""Forms units send unscored or cut short: read, checked for what is there, told once (S14, S15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfxl.run.check import check_files
from synth.published import build_published

FIXTURES = Path(__file__).parent / "fixtures" / "published"


def _check(tmp_path: Path, fixture: str):
    form = json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8"))
    return check_files([build_published(form, tmp_path / f"{fixture}.xlsx")])


def _rules(report) -> list[str]:
    return list(report.findings["rule"])


def test_an_unscored_form_is_said_once_and_gets_no_invented_total(tmp_path) -> None:
    report = _check(tmp_path, "own_05_guangdong_shaoguan_wenhua")  # no 分值/得分 columns
    res = report.results.iloc[0]
    assert _rules(report).count("S15") == 1
    # not a total of the 执行率 points alone, graded 差
    assert res["grade_calc"] is None and res["total_calc"] != res["total_calc"]
    assert res["exec_rate_calc"] == pytest.approx(92.59, abs=0.01)  # the funds are still checked
    blanks = report.findings[report.findings["rule"] == "S05"]["message"]
    assert not blanks.str.contains("分值|得分").any()
    assert not {"S01", "S03", "G01", "G05", "I01", "N02"} & set(_rules(report))


def test_a_form_cut_short_names_what_it_lacks_and_judges_no_total(tmp_path) -> None:
    report = _check(tmp_path, "own_06_henan_zhoukou_nongji")  # no 满意度 block, no 总分 row
    (s14,) = report.findings[report.findings["rule"] == "S14"]["message"]
    assert "缺少满意度指标、总分行" in s14
    assert report.results.iloc[0]["grade_calc"] is None
    # the weights of half a form do not sum to 100 by design: no S01, S08, G06 from it
    assert not {"S01", "S03", "S08", "G01", "G06"} & set(_rules(report))
    # the half that is there is read and checked: its indicators, its execution rate
    assert len(report.frames.indicators) > 0
    assert report.results.iloc[0]["exec_rate_calc"] == pytest.approx(98.2, abs=0.01)


def test_a_legacy_form_without_its_target_table_is_read_not_refused(tmp_path) -> None:
    report = _check(tmp_path, "own_21_hainan_sanya_lvyou")
    assert not {"S11", "S00", "S14"} & set(_rules(report))
    # said once, as a note: every 分值 and the 总分 are there, so totals are still judged
    (s16,) = report.findings[report.findings["rule"] == "S16"].itertuples()
    assert "项目绩效目标表" in s16.message and s16.severity == "info"
    assert "其余内容（含分值和总分）已检查" in s16.message
    assert "I15" not in _rules(report)  # no target is missing row by row: the table is
    res = report.results.iloc[0]
    assert (res["total_calc"], res["grade_calc"]) == (94.0, "优")


def test_fields_a_published_form_does_not_print_are_info_not_errors(tmp_path) -> None:
    report = _check(tmp_path, "own_21_hainan_sanya_lvyou")
    s05 = report.findings[report.findings["rule"] == "S05"]
    assert set(s05["severity"]) == {"info"}
    assert s05["message"].str.contains("表中未见此栏").all()


def test_a_blank_score_on_a_scored_form_is_still_an_error(tmp_path) -> None:
    report = _check(tmp_path, "real_14_hainan_shangwuting")  # 得分（经济） left blank
    errors = report.findings[
        (report.findings["rule"] == "S05") & (report.findings["severity"] == "error")
    ]
    assert errors["message"].str.contains("得分").any()
