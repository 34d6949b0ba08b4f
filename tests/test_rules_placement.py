"""I22: an indicator filed under a category its name belies, on forms laid out like units'."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_fires, assert_quiet

from perfxl.checks.indicator_placement import placement
from perfxl.run.check import check_files
from synth.published import build_published

FIXTURES = Path(__file__).parent / "fixtures" / "published"


def _check(tmp_path: Path, fixture: str, edit=None):
    form = json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8"))
    if edit is not None:
        edit(form)
    return check_files([build_published(form, tmp_path / f"{fixture}.xlsx")])


def test_i22_a_safety_outcome_under_economic_benefit(tmp_path: Path) -> None:
    report = _check(tmp_path, "real_03_anhui_tianchang")
    rows = assert_fires(report, "I22", cell="D25", severity="info", count=1)
    assert "「全市安全度汛」列在经济效益指标下" in rows.iloc[0]["message"]
    assert "社会效益指标" in rows.iloc[0]["expected"]


def test_i22_satisfaction_among_the_benefits_is_certain(tmp_path: Path) -> None:
    def misfile(form):
        row = form["indicators"][10]  # 参训人员满意度
        row["一级指标"], row["二级指标"] = "效益指标", "社会效益指标"

    report = _check(tmp_path, "own_07_jiangxi_ganzhou_jineng", misfile)
    rows = assert_fires(report, "I22", severity="warning", count=1)
    assert rows.iloc[0]["expected"] == "满意度指标"


def test_i22_a_timeliness_rate_among_the_quantities(tmp_path: Path) -> None:
    def misfile(form):
        form["indicators"][5]["二级指标"] = "数量指标"  # 补贴资金按时拨付率

    report = _check(tmp_path, "own_07_jiangxi_ganzhou_jineng", misfile)
    rows = assert_fires(report, "I22", severity="info", count=1)
    assert rows.iloc[0]["expected"] == "时效指标"


def test_i22_quiet_on_a_form_filed_right(tmp_path: Path) -> None:
    report = _check(tmp_path, "own_07_jiangxi_ganzhou_jineng")
    assert_quiet(report, "I22")


@pytest.mark.parametrize(
    ("level1", "level2", "name", "expected"),
    [
        ("产出指标", "数量指标", "新建幼儿园", None),  # a bare noun is a quantity
        ("产出指标", "质量指标", "培训合格率", None),
        ("效益指标", "社会效益指标", "群众满意度", ("满意度指标", "certain")),
        ("满意度指标", "服务对象满意度指标", "参训人员满意度", None),
        ("产出指标", "成本指标", "人均培训补贴标准", None),
        ("效益指标", "经济效益指标", "农民人均增收", None),
        ("效益指标", "生态效益指标", "带动农户增收", ("经济效益指标", "likely")),
        ("产出指标", "时效指标", "资金拨付及时率", None),
        ("产出指标", "数量指标", "项目验收合格率", ("质量指标", "likely")),
        ("产出指标", "数量指标", None, None),
    ],
)
def test_placement_lexicon(level1, level2, name, expected) -> None:
    assert placement(level1, level2, name) == expected


# ------------------------------------------------------------------ I23 (其中 rows' units)


def _livestock(form) -> None:
    """A parent count whose 其中 rows count heads of pigs and head of sheep in different units."""
    parent, pigs, sheep = form["indicators"][0:3]
    parent.update({"三级指标": "动物强制免疫数量", "年度指标值": "≥5000头", "实际完成值": "5200头"})
    pigs.update({"三级指标": "其中：生猪免疫数量", "年度指标值": "≥3000头", "实际完成值": "3100头"})
    sheep.update({"三级指标": "其中：羊免疫数量", "年度指标值": "≥2000只", "实际完成值": "2100只"})


def test_i23_breakdown_rows_in_another_unit(tmp_path: Path) -> None:
    report = _check(tmp_path, "own_07_jiangxi_ganzhou_jineng", _livestock)
    rows = assert_fires(report, "I23", severity="warning", count=1)
    row = rows.iloc[0]
    assert "「动物强制免疫数量」及其“其中”项的计量单位不一（头、只）" in row["message"]
    # the cell of the 羊 row, in the 实际完成值 column of the parent
    parent_cell = report.frames.indicators.iloc[0]["actual_cell"]
    assert row["cell"][0] == parent_cell[0] and int(row["cell"][1:]) == int(parent_cell[1:]) + 2


def test_i23_quiet_when_the_breakdown_keeps_the_unit(tmp_path: Path) -> None:
    report = _check(tmp_path, "own_07_jiangxi_ganzhou_jineng")  # 人次 throughout
    assert_quiet(report, "I23")


# ------------------------------------------------------------------ I24 (bare actuals)


def _bare(form) -> None:
    form["indicators"][3]["实际完成值"] = "18840"  # target ≥18000人
    form["indicators"][6]["实际完成值"] = "1380"  # target ≤1500元


def test_i24_bare_actuals_against_targets_with_units(tmp_path: Path) -> None:
    report = _check(tmp_path, "own_07_jiangxi_ganzhou_jineng", _bare)
    rows = assert_fires(report, "I24", severity="info", count=2)
    assert set(rows["expected"]) == {"人", "元"}
    assert "已按年度指标值的单位“人”理解并计分" in " ".join(rows["message"])
    # and they are scored in that unit: no unit mismatch, no recomputed score off
    assert not {"I06", "I01"} & set(report.findings["rule"])


def test_i24_quiet_when_actuals_carry_units(tmp_path: Path) -> None:
    report = _check(tmp_path, "own_07_jiangxi_ganzhou_jineng")
    assert_quiet(report, "I24")


def test_i24_quiet_with_a_unit_column(bench) -> None:
    """The template prints 计量单位 in its own column: a bare 1210 is in 人 by design."""
    result = bench.check(bench.national())
    assert_quiet(result, "I24")
