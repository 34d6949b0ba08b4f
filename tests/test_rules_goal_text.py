"""N07: an overall goal (or its 实际完成情况) that says nothing beyond the project name and
stock phrases, on forms laid out like units'."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_fires, assert_quiet

from perfxl.checks.goal_text import repeats_name
from perfxl.run.check import check_files
from synth.published import build_published

FIXTURES = Path(__file__).parent / "fixtures" / "published"


def _check(tmp_path: Path, fixture: str, edit=None):
    form = json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8"))
    if edit is not None:
        edit(form)
    return check_files([build_published(form, tmp_path / f"{fixture}.xlsx")])


def test_n07_a_goal_that_repeats_the_project_name(tmp_path: Path) -> None:
    def vague(form):
        form["overall_goal"]["预期目标"] = f"做好{form['project_name']}项目工作。"

    report = _check(tmp_path, "own_03_hubei_xiaonan_xueqian", vague)
    rows = assert_fires(report, "N07", severity="warning", count=1)
    assert rows.iloc[0]["message"].startswith("年度总体目标（预期目标）只写了“做好学前教育发展专项资金")


def test_n07_an_actual_of_stock_phrases(tmp_path: Path) -> None:
    report = _check(tmp_path, "real_03_anhui_tianchang")  # 实际完成情况: 完成年度目标。
    rows = assert_fires(report, "N07", count=1)
    assert "实际完成情况只写了“完成年度目标。”" in rows.iloc[0]["message"]


def test_n07_quiet_on_goals_with_figures(tmp_path: Path) -> None:
    report = _check(tmp_path, "own_03_hubei_xiaonan_xueqian")  # 新增公办幼儿园学位360个 …
    assert_quiet(report, "N07")


@pytest.mark.parametrize(
    ("goal", "expected"),
    [
        ("完成2021年度学前教育发展专项资金项目", True),
        ("按要求完成", True),
        ("提高学前教育质量和普惠水平", False),
        ("新增学位360个", False),
        ("", False),
    ],
)
def test_repeats_name(goal: str, expected: bool) -> None:
    assert repeats_name(goal, "学前教育发展专项资金") is expected
