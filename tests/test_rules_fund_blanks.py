"""F14/F15 on forms laid out as units publish them: what the 年度资金总额 row leaves blank."""

from __future__ import annotations

from perfxl.run.check import check_files
from tests.conftest import assert_fires, assert_quiet
from tests.test_read_headers import published_form

FILLED = {
    "年初预算数": 880,
    "全年预算数": 900,
    "全年执行数": 855,
    "分值": 10,
    "执行率": "95%",
    "得分": 9.5,
}


def _check(tmp_path, **total):
    values = {k: v for k, v in {**FILLED, **total}.items() if v is not None}
    return check_files([published_form(tmp_path / "f.xlsx", funds_total=values)])


def test_f14_fires_on_a_blank_rate_and_score_of_a_spent_budget(tmp_path) -> None:
    result = _check(tmp_path, 执行率=None, 得分=None)
    (msg,) = assert_fires(result, "F14", cell="H6", severity="warning", count=1)["message"]
    assert "预算 900 万元、执行 855 万元，但执行率和得分未填写" in msg
    assert "执行率 95%" in msg and "得分 9.5 分" in msg


def test_f14_names_the_score_alone_when_only_it_is_blank(tmp_path) -> None:
    result = _check(tmp_path, 得分=None)
    (msg,) = assert_fires(result, "F14", cell="I6", count=1)["message"]
    assert "但得分未填写" in msg


def test_f14_quiet_when_both_are_written_or_nothing_was_budgeted(tmp_path) -> None:
    assert_quiet(_check(tmp_path), "F14")
    assert_quiet(_check(tmp_path, 全年预算数=0, 执行率=None), "F14")


def test_f15_fires_on_a_blank_initial_budget(tmp_path) -> None:
    result = _check(tmp_path, 年初预算数=None)
    (msg,) = assert_fires(result, "F15", cell="D6", severity="info", count=1)["message"]
    assert "全年预算数 900 万元" in msg


def test_f15_quiet_when_filled_or_when_the_form_has_no_such_column(tmp_path) -> None:
    assert_quiet(_check(tmp_path), "F15")
    header = ("全年预算数", "全年执行数", "分值", "执行率", "得分")
    path = published_form(tmp_path / "g.xlsx", header, FILLED)
    assert_quiet(check_files([path]), "F15")
