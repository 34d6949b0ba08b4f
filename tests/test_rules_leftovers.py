"""M06 on published layouts: the blank form's instruction text left where the unit should write."""

from __future__ import annotations

import openpyxl
import pytest

from perfxl.checks.leftovers import leftover
from perfxl.run.check import check_files
from tests.conftest import assert_fires, assert_quiet
from tests.test_read_headers import published_form


def _form(tmp_path, cell: str, text: str):
    path = published_form(tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.active[cell] = text
    wb.save(path)
    return path


def test_m06_fires_on_instructions_left_in_the_goal(tmp_path) -> None:
    result = check_files([_form(tmp_path, "B11", "（请填写年度预期目标，不超过300字）")])
    (msg,) = assert_fires(result, "M06", cell="B11", severity="warning", count=1)["message"]
    assert msg.startswith("「预期目标」中仍是空白表的说明文字（“请填写”）")


def test_m06_fires_on_a_placeholder_indicator_name(tmp_path) -> None:
    result = check_files([_form(tmp_path, "C13", "××项目完成数量")])
    assert_fires(result, "M06", cell="C13", count=1)


def test_m06_quiet_on_the_units_own_words(tmp_path) -> None:
    result = check_files([_form(tmp_path, "B11", "完成年度防汛工作，请示报告均按时报送。")])
    assert_quiet(result, "M06")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("（请填写）", "请填写"),
        ("填表说明：1. 金额单位万元", "填表说明"),
        ("示例：完成培训100人次", "示例："),
        ("XX县农村公路养护", "XX县"),
        ("按时报送请示", None),
        ("完成率达到100%", None),
        (None, None),
    ],
)
def test_leftover(text, words) -> None:
    assert leftover(text) == words
