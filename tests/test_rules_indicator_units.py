"""I21 on published layouts: an indicator whose name and unit disagree (人数 in 人次, a 率 in 人)."""

from __future__ import annotations

import pytest

from perfxl.checks.indicator_units import fitting_unit
from perfxl.run.check import check_files
from tests.conftest import assert_fires, assert_quiet
from tests.test_read_headers import BASE_INDICATORS, published_form

HEADER = (*BASE_INDICATORS[:4], "计量单位", *BASE_INDICATORS[4:])


def _form(tmp_path, first_name: str, unit: str):
    # (一级, 二级, 三级, 年度指标值, 计量单位, 实际完成值, 分值, 得分)
    rows = (
        ("产出指标", "数量指标", first_name, "≥735", unit, "735", 20, 20),
        ("产出指标", "质量指标", "巡查覆盖率", "100", "%", "100", 30, 30),
        ("效益指标", "社会效益指标", "防汛责任落实率", "100", "%", "100", 30, 30),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90", "%", "95", 10, 10),
    )
    return published_form(tmp_path / "f.xlsx", indicator_header=HEADER, indicators=rows)


def test_i21_fires_on_a_headcount_measured_in_person_times(tmp_path) -> None:
    result = check_files([_form(tmp_path, "学生受资助人数", "人次")])
    (msg,) = assert_fires(result, "I21", cell="E13", severity="warning", count=1)["message"]
    assert msg.startswith("「学生受资助人数」的计量单位是“人次”") and "应为“人”" in msg


def test_i21_quiet_when_name_and_unit_agree(tmp_path) -> None:
    result = check_files([_form(tmp_path, "学生受资助人数", "人")])
    assert_quiet(result, "I21")


@pytest.mark.parametrize(
    ("name", "unit", "fits"),
    [
        ("学生受资助人数", "人次", "人"),
        ("培训人次", "人", "人次"),
        ("农户知晓率", "户", "%"),
        ("群众满意度", "人", "%"),
        ("改造面积", "%", "数量单位"),
        ("巡查覆盖率", "%", None),
        ("培训人数", "人", None),
        ("受益人次", "人次", None),
        ("资金", None, None),
    ],
)
def test_fitting_unit(name, unit, fits) -> None:
    assert fitting_unit(name, unit) == fits
