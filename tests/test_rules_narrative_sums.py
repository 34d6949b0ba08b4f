"""N08: arithmetic inside the narrative that does not add up, on forms laid out like units'."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_fires, assert_quiet

from perfxl.checks.narrative_sums import sum_faults
from perfxl.run.check import check_files
from synth.published import build_published

FIXTURES = Path(__file__).parent / "fixtures" / "published"


def _check(tmp_path: Path, actual_text: str | None = None):
    form = json.loads((FIXTURES / "own_03_hubei_xiaonan_xueqian.json").read_text(encoding="utf-8"))
    if actual_text is not None:
        form["overall_goal"]["实际完成情况"] = actual_text
    return check_files([build_published(form, tmp_path / "own_03.xlsx")])


def test_n08_parts_that_do_not_make_the_stated_total(tmp_path: Path) -> None:
    report = _check(tmp_path, "新建公办幼儿园2所、改扩建3所，共计6所，新增学位360个。")
    rows = assert_fires(report, "N08", severity="warning", count=1)
    row = rows.iloc[0]
    assert "各分项合计 5所，与所写总数 6所 不符" in row["message"]
    assert row["cell"] == report.frames.projects.iloc[0]["refs"]["goal_actual"][1]


def test_n08_a_breakdown_larger_than_its_total(tmp_path: Path) -> None:
    report = _check(tmp_path, "新增学位360个，其中公办园学位220个、普惠性民办园学位180个。")
    rows = assert_fires(report, "N08", count=1)
    assert "各分项合计 400个，与所写总数 360个 不符" in rows.iloc[0]["message"]


def test_n08_quiet_on_arithmetic_that_holds(tmp_path: Path) -> None:
    report = _check(tmp_path, "新建2所、改扩建3所，共计5所；新增学位360个，其中公办园学位220个。")
    assert_quiet(report, "N08")


@pytest.mark.parametrize(
    ("text", "faults"),
    [
        ("培训620人次，其中脱贫劳动力300人次、农民工200人次。", 0),  # a partial breakdown
        ("完成投资500万元，其中省级300万元、市级260万元。", 1),
        ("新建3座、改建2座，共计6座。", 1),
        ("新建3座、改建2座，共计5座。", 0),
        ("新建3座、培训200人次，共计5座。", 0),  # one part of the unit: nothing to add
    ],
)
def test_sum_faults(text: str, faults: int) -> None:
    assert len(sum_faults(text)) == faults
