"""Narrative rules N01–N05 on the seed (domain d.3, d.4), its variants and the national form."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Workbench, assert_fires, assert_quiet, indicator, rule_rows

from perfxl.checks.engine import CheckResult

N_RULES = {"N01", "N02", "N03", "N04", "N05"}
REPORT = "评价报告"


def section(s: dict[str, Any], path: str) -> dict[str, Any]:
    """The narrative row of a hainan sample by its section path ("4.2")."""
    from perfxl.spec.hainan2011 import REPORT_SECTIONS

    return s["tables"]["narrative"][[p for p, _ in REPORT_SECTIONS].index(path)]


@pytest.fixture(scope="module")
def seed_result(tmp_path_factory: pytest.TempPathFactory) -> CheckResult:
    bench = Workbench(tmp_path_factory.mktemp("seed"))
    return bench.check(bench.seed(), only=N_RULES)


@pytest.fixture(scope="module")
def national_result(tmp_path_factory: pytest.TempPathFactory) -> CheckResult:
    bench = Workbench(tmp_path_factory.mktemp("national"))
    return bench.check(bench.national(), only=N_RULES)


# ------------------------------------------------------------------ N01


def test_n01_seed_claims_all_met_next_to_an_unmet_section(seed_result: CheckResult) -> None:
    rows = assert_fires(seed_result, "N01", cell="C14", sheet=REPORT, severity="warning", count=1)
    row = rows.iloc[0]
    assert row["observed"] == "所有的绩效指标2018年度都已达到了设定的目标"
    assert (
        "与「四、项目绩效情况 （二）项目绩效目标未完成原因分析」“项目绩效目标未完成主要是压缩了项目工作会议费费用”不一致"
        in row["message"]
    )


def test_n01_quiet_when_the_unmet_section_says_none(bench) -> None:
    s = bench.seed()
    section(s, "4.2")["text"] = "无"
    result = bench.check(s, only={"N01"})
    assert_quiet(result, "N01")


def test_n01_claim_against_an_unmet_indicator(bench) -> None:
    s = bench.seed()
    section(s, "4.2")["text"] = "无"
    s["tables"]["targets"][1]["actual"] = "97%"  # 保障率 target 99 %
    result = bench.check(s, only={"N01"})
    rows = assert_fires(result, "N01", cell="C14", count=1)
    assert "与未完成的指标「网络宽带保障率」不一致" in rows.iloc[0]["message"]


def test_n01_unmet_section_while_every_indicator_met(bench) -> None:
    s = bench.seed()
    t = section(s, "4.1.5")
    t["text"] = t["text"].replace("所有的绩效指标2018年度都已达到了设定的目标。", "")
    result = bench.check(s, only={"N01"})
    rows = assert_fires(result, "N01", cell="C15", count=1)
    assert "与绩效目标表（各项指标均已完成）不一致" in rows.iloc[0]["message"]


def test_n01_national_claim_against_an_unmet_indicator(bench) -> None:
    s = bench.national()
    s["fields"]["goal_actual"] = "各项绩效指标均已完成。"
    indicator(s, 0).update(actual=1150, score=19.17)
    result = bench.check(s, only={"N01"})
    rows = assert_fires(result, "N01", cell="G12", count=1)
    assert "「受益学生人数」" in rows.iloc[0]["message"]


def test_n01_national_text_says_unmet_while_every_indicator_met(bench) -> None:
    s = bench.national()
    s["fields"]["goal_actual"] = "营养午餐供应总体顺利，但部分指标没有全部完成。"
    result = bench.check(s, only={"N01"})
    rows = assert_fires(result, "N01", cell="G12", count=1)
    assert rows.iloc[0]["observed"] == "营养午餐供应总体顺利，但部分指标没有全部完成"


def test_n01_quiet_on_the_national_example(national_result: CheckResult) -> None:
    assert_quiet(national_result, "N01")


# ------------------------------------------------------------------ N02


def test_n02_seed_three_unexplained_deductions(seed_result: CheckResult) -> None:
    rows = assert_fires(seed_result, "N02", severity="warning", count=3)
    assert sorted(rows["cell"]) == ["H18", "H19", "H20"]
    assert set(rows["observed"]) == {7} and set(rows["expected"]) == {8}
    assert "「环境效益」共扣 1 分" in " ".join(rows["message"])


def test_n02_quiet_when_noted_or_explained_in_the_report(bench) -> None:
    s = bench.seed()
    s["tables"]["scoring"][15]["note"] = "部分经济指标未量化，扣1分。"
    s["tables"]["scoring"][16]["note"] = "社会效益缺少数据支撑，扣1分。"
    section(s, "5")["text"] += "环境效益因无相关目标扣1分。"
    result = bench.check(s, only={"N02"})
    assert_quiet(result, "N02")


def test_n02_explained_on_a_mapped_indicator(bench) -> None:
    s = bench.seed()
    s["tables"]["targets"][1]["explanation"] = "带宽高峰期偶有拥塞，社会效益扣1分。"  # → 社会效益
    result = bench.check(s, only={"N02"})
    rows = assert_fires(result, "N02", count=2)
    assert sorted(rows["cell"]) == ["H18", "H20"]


def test_n02_national_leaves_an_indicator_deduction_to_i03(bench) -> None:
    s = bench.national()
    indicator(s, 5)["deviation"] = None  # 14/15 with no reason: I03 reports the row itself
    result = bench.check(s, only={"N02", "I03"})
    assert_quiet(result, "N02")  # the same deduction is not told twice
    assert_fires(result, "I03", count=1)


def test_n02_national_quiet_when_the_project_text_explains(bench) -> None:
    s = bench.national()
    indicator(s, 5)["deviation"] = None
    s["fields"]["problems"] = "营养改善长效机制建立情况：家校共管机制尚在试行。"
    result = bench.check(s, only={"N02"})
    assert_quiet(result, "N02")


def test_n02_national_execution_deduction_without_note(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][1].pop("note")
    s["tables"]["funds"][0]["score"] = 9  # 10 × 98.2 % gives 9.82: a point more is taken
    result = bench.check(s, only={"N02"})
    rows = assert_fires(result, "N02", cell="B56", count=1)
    assert "「预算执行率」" in rows.iloc[0]["message"]
    assert rows.iloc[0]["observed"] == pytest.approx(1.0)


def test_n02_quiet_when_the_execution_score_is_the_formula(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][1].pop("note")  # 0.18 lost to a 98.2 % rate needs no words
    result = bench.check(s, only={"N02"})
    assert_quiet(result, "N02")


def test_n02_quiet_on_the_national_example(national_result: CheckResult) -> None:
    assert_quiet(national_result, "N02")


# ------------------------------------------------------------------ N03


def test_n03_seed_figures_match(seed_result: CheckResult) -> None:
    assert_quiet(seed_result, "N03")  # 50条 and 100% agree with the table


def test_n03_count_differs(bench) -> None:
    s = bench.seed()
    s["tables"]["targets"][0]["actual"] = "48条"
    result = bench.check(s, only={"N03"})
    rows = assert_fires(result, "N03", cell="J5", severity="warning", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == ("48条", "50条")


def test_n03_rate_differs(bench) -> None:
    s = bench.seed()
    s["tables"]["targets"][1]["actual"] = "98%"
    result = bench.check(s, only={"N03"})
    rows = assert_fires(result, "N03", cell="J6", count=1)
    assert rows.iloc[0]["expected"] == "100%"


def test_n03_national_goal_text(bench) -> None:
    s = bench.national()
    s["fields"]["goal_actual"] = "受益学生人数实际为1150人，满意度96%。"
    result = bench.check(s, only={"N03"})
    rows = assert_fires(result, "N03", cell="G14", count=1)
    assert rows.iloc[0]["expected"] == "1150人"


def test_n03_quiet_on_the_national_example(national_result: CheckResult) -> None:
    assert_quiet(national_result, "N03")


# ------------------------------------------------------------------ N04


def test_n04_seed_leader_among_unit_evaluators(seed_result: CheckResult) -> None:
    rows = assert_fires(seed_result, "N04", cell="A3", sheet="评价人员", severity="info", count=1)
    assert rows.iloc[0]["observed"] == 9
    assert "项目负责人刘士广" in rows.iloc[0]["message"]


def test_n04_quiet_with_outside_evaluators(bench) -> None:
    s = bench.seed()
    for row in s["tables"]["evaluators"][5:]:
        row["unit"] = "海南大学"
    result = bench.check(s, only={"N04"})
    assert_quiet(result, "N04")


def test_n04_quiet_without_the_leader(bench) -> None:
    s = bench.seed()
    s["tables"]["evaluators"] = s["tables"]["evaluators"][1:]
    result = bench.check(s, only={"N04"})
    assert_quiet(result, "N04")


# ------------------------------------------------------------------ N05


def test_n05_seed_problems_part_missing(seed_result: CheckResult) -> None:
    rows = assert_fires(seed_result, "N05", severity="info", count=2)
    assert sorted(rows["cell"]) == ["C17", "C18"]
    msgs = dict(zip(rows["cell"], rows["message"], strict=True))
    assert "（现为：“（一）在项目的实施开展过程中" in msgs["C17"]
    assert "（现为：“无情况说明。”）" in msgs["C18"]


def test_n05_national_boilerplate(national_result: CheckResult) -> None:
    rows = assert_fires(national_result, "N05", cell="B56", severity="info", count=1)
    assert rows.iloc[0]["observed"] == "无"


def test_n05_quiet_when_written(bench) -> None:
    s = bench.national()
    s["fields"]["problems"] = "家校共管机制尚在试行，下一步完善考核办法。"
    result = bench.check(s, only={"N05"})
    assert_quiet(result, "N05")
    h = bench.seed()
    section(h, "6")["text"] += "存在的问题：运维合同验收记录不完整。建议：完善验收制度。"
    section(h, "7")["text"] = "2018年会议费压缩，结余1.44万元已按规定处理。"
    result = bench.check(h, only={"N05"})
    assert_quiet(result, "N05")


def test_n05_empty_section(bench) -> None:
    s = bench.seed()
    section(s, "6")["text"] = ""
    result = bench.check(s, only={"N05"})
    rows = rule_rows(result, "N05")
    assert (
        "「六、主要经验及做法、存在的问题和建议」未写明存在的问题和改进措施（现为：空白）"
        in rows[rows["cell"] == "C17"].iloc[0]["message"]
    )
    assert_fires(result, "N05", cell="C17", count=2)


def _keyed(result: CheckResult) -> set[tuple[str, str, str, str]]:
    f = result.findings
    return set(zip(f["rule"], f["cell"].fillna(""), f["severity"], f["message"], strict=True))


def test_mixed_batch_gives_the_same_findings(
    bench, seed_result: CheckResult, national_result: CheckResult
) -> None:
    both = bench.check([bench.seed(), bench.national()], only=N_RULES)
    assert _keyed(both) == _keyed(seed_result) | _keyed(national_result)


def test_n02_blank_scores_are_not_deductions(bench) -> None:
    s = bench.seed()
    s["tables"].pop("scoring")
    result = bench.check(s, only={"N02"})
    assert_quiet(result, "N02")
