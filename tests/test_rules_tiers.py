"""Tier-standard rules T01–T09 on the seed (domain d.1) and on variants of it."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from conftest import Workbench, assert_fires, assert_quiet, rule_rows

from perfxl.checks.engine import CheckResult
from perfxl.checks.scoring import target_score_items as score_item_of

T_RULES = {f"T0{i}" for i in range(1, 10)}


def targets(s: dict[str, Any]) -> list[dict[str, Any]]:
    return s["tables"]["targets"]


def clean_tiers(s: dict[str, Any]) -> dict[str, Any]:
    """The seed with contiguous, explicit, correctly ordered tier standards."""
    lines, uptime, faults = targets(s)
    lines.update(
        target="47条",
        tier_excellent="≥47条",
        tier_good="43条（含）-47条（不含）",
        tier_fair="40条（含）-43条（不含）",
        tier_poor="<40条",
    )
    uptime.update(
        target="95%",
        tier_excellent="≥95%",
        tier_good="90%（含）-95%（不含）",
        tier_fair="85%（含）-90%（不含）",
        tier_poor="<85%",
    )
    faults.update(
        target="<5%",
        tier_excellent="<5%",
        tier_good="5%（含）-10%（不含）",
        tier_fair="10%（含）-15%（不含）",
        tier_poor="≥15%",
    )
    return s


@pytest.fixture(scope="module")
def seed_result(tmp_path_factory: pytest.TempPathFactory) -> CheckResult:
    bench = Workbench(tmp_path_factory.mktemp("seed"))
    return bench.check(bench.seed(), only=T_RULES)


def one(result: CheckResult, rule_id: str, cell: str) -> pd.Series:
    rows = rule_rows(result, rule_id)
    rows = rows[rows["cell"] == cell]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# ------------------------------------------------------------------ the seed (domain d.1)


def test_seed_t01_overlaps_on_lines_and_fault_rate(seed_result: CheckResult) -> None:
    rows = assert_fires(seed_result, "T01", severity="error", count=2)
    assert set(rows["cell"]) == {"H5", "I7"}
    lines = one(seed_result, "T01", "H5")
    assert lines["observed"] == "良“43（含）-46”∩中“40（含）-45”=[43, 45)"
    assert "租用网络运行线路" in lines["message"]
    faults = one(seed_result, "T01", "I7")  # 差 "15%（含）以下" contains every better tier
    assert faults["severity"] == "error"
    assert faults["observed"].count("差“15%（含）以下”") == 3


def test_seed_t02_gaps_on_lines(seed_result: CheckResult) -> None:
    assert_fires(seed_result, "T02", cell="G5", severity="warning", count=1)
    row = one(seed_result, "T02", "G5")
    assert row["observed"] == "[46, 47)、[51, +∞)"
    assert "leave a gap [46, 47)、[51, +∞)" in row["message_en"]


def test_seed_t03_on_fault_rate(seed_result: CheckResult) -> None:
    assert_fires(seed_result, "T03", cell="I7", severity="error", count=1)
    row = one(seed_result, "T03", "I7")
    assert row["observed"] == "15%（含）以下"
    assert "网络运行故障率" in row["message"]


def test_seed_t04_on_uptime_and_fault_rate(seed_result: CheckResult) -> None:
    rows = assert_fires(seed_result, "T04", severity="warning", count=2)
    assert set(rows["cell"]) == {"F6", "F7"}
    uptime = one(seed_result, "T04", "F6")
    assert (uptime["observed"], uptime["expected"]) == ("≧95%", "99%")
    assert "优档标准“≧95%”（即 [95, +∞)）与年度目标“99%”不一致" in uptime["message"]
    faults = one(seed_result, "T04", "F7")
    assert (faults["observed"], faults["expected"]) == ("5%以下", "1%")
    assert "（即 (-∞, 5)）" in faults["message"]


def test_seed_t05_inferred_bounds(seed_result: CheckResult) -> None:
    rows = assert_fires(seed_result, "T05", severity="info", count=3)
    assert set(rows["cell"]) == {"F5", "G6", "F7"}
    assert "差“40条以下”→(-∞, 40)" in one(seed_result, "T05", "F5")["observed"]


def test_seed_t06_actual_in_two_tiers(seed_result: CheckResult) -> None:
    assert_fires(seed_result, "T06", cell="J7", severity="error", count=1)
    row = one(seed_result, "T06", "J7")
    assert row["observed"] == 0
    assert "落入 2 个档次（优、差）" in row["message"]


def test_seed_t08_target_without_unit(seed_result: CheckResult) -> None:
    assert_fires(seed_result, "T08", cell="E5", severity="info", count=1)
    row = one(seed_result, "T08", "E5")
    assert (row["observed"], row["expected"]) == ("49", "49条")
    assert "已按绩效标准补全" in row["message"]


def test_seed_has_no_t07_and_no_t09(seed_result: CheckResult) -> None:
    assert_quiet(seed_result, "T07")
    # 故障率 is both 优 and 差 (T06): T09 is not judged there (domain d.3 #22)
    assert_quiet(seed_result, "T09")


# ------------------------------------------------------------------ a clean tier set


def test_clean_tier_set_is_quiet(bench) -> None:
    result = bench.check(clean_tiers(bench.seed()), only=T_RULES)
    assert_quiet(result, "T01")
    assert_quiet(result, "T02")
    assert_quiet(result, "T03")
    assert_quiet(result, "T04")
    assert_quiet(result, "T05")
    assert_quiet(result, "T06")
    assert_quiet(result, "T07")
    assert_quiet(result, "T08")
    assert_quiet(result, "T09")


def test_t01_single_shared_point_is_a_warning(bench) -> None:
    s = clean_tiers(bench.seed())
    targets(s)[0]["tier_good"] = "43条（含）-47条（含）"  # 47 is also 优
    result = bench.check(s, only={"T01"})
    rows = assert_fires(result, "T01", cell="G5", severity="warning", count=1)
    assert rows.iloc[0]["observed"] == "优“≥47条”∩良“43条（含）-47条（含）”=[47, 47]"


def test_t02_single_point_gap(bench) -> None:
    s = clean_tiers(bench.seed())
    targets(s)[0]["tier_excellent"] = ">47条"  # 47 itself is neither 良 nor 优
    targets(s)[0]["target"] = ">47条"
    result = bench.check(s, only={"T02", "T06"})
    rows = assert_fires(result, "T02", cell="G5", severity="warning", count=1)
    assert rows.iloc[0]["observed"] == "47"
    assert_quiet(result, "T06")  # the actual 50 is 优


def test_t02_gap_in_a_percentage_scale_and_t06_nowhere(bench) -> None:
    s = clean_tiers(bench.seed())
    targets(s)[1].update(tier_poor="<80%", actual="82%")
    result = bench.check(s, only={"T02", "T06"})
    rows = assert_fires(result, "T02", cell="I6", severity="warning", count=1)
    assert rows.iloc[0]["observed"] == "[80, 85)"
    rows = assert_fires(result, "T06", cell="J6", severity="warning", count=1)
    assert rows.iloc[0]["observed"] == 82
    assert "落入 0 个档次（—）" in rows.iloc[0]["message"]


def test_t03_tiers_against_the_target_comparator(bench) -> None:
    s = clean_tiers(bench.seed())
    targets(s)[0].update(
        target="≥47条",
        tier_excellent="<40条",
        tier_good="40条（含）-43条（不含）",
        tier_fair="43条（含）-47条（不含）",
        tier_poor="≥47条",
    )
    result = bench.check(s, only={"T03"})
    rows = assert_fires(result, "T03", cell="F5", severity="error", count=1)
    assert "方向错误（目标“≥47条”↑；优→差↓）" in rows.iloc[0]["message"]


def test_t03_quiet_when_a_tier_only_reaches_into_the_ceiling(bench) -> None:
    s = clean_tiers(bench.seed())
    targets(s)[1].update(tier_excellent="100%", tier_good="90%（含）-100%（含）")
    result = bench.check(s, only={"T01", "T03"})
    assert_quiet(result, "T03")  # within 0–100 %, 良 lies below 优
    rows = assert_fires(result, "T01", cell="G6", severity="warning", count=1)
    assert rows.iloc[0]["observed"].endswith("=[100, 100]")


def test_t04_target_outside_excellent(bench) -> None:
    s = clean_tiers(bench.seed())
    targets(s)[1].update(target="90%")  # meeting 90 % is only 良
    result = bench.check(s, only={"T04"})
    rows = assert_fires(result, "T04", cell="F6", severity="warning", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == ("≥95%", "90%")


def test_t07_text_among_numbers(bench) -> None:
    s = clean_tiers(bench.seed())
    targets(s)[0]["tier_good"] = "较好"
    targets(s)[1]["tier_fair"] = "大约八十几"
    result = bench.check(s, only={"T07"})
    rows = assert_fires(result, "T07", severity="warning", count=2)
    assert set(rows["cell"]) == {"G5", "H6"}
    assert one(result, "T07", "G5")["observed"] == "较好"


def test_t07_quiet_on_a_descriptive_scale(bench) -> None:
    s = clean_tiers(bench.seed())
    targets(s)[0].update(tier_excellent="好", tier_good="较好", tier_fair="一般", tier_poor="差")
    result = bench.check(s, only={"T07"})
    assert_quiet(result, "T07")


def test_t08_tier_without_the_target_unit(bench) -> None:
    s = clean_tiers(bench.seed())
    targets(s)[1]["tier_excellent"] = "≥95"
    result = bench.check(s, only={"T08"})
    rows = assert_fires(result, "T08", cell="F6", severity="info", count=1)
    assert rows.iloc[0]["expected"] == "≥95%"
    assert "已按年度目标补全" in rows.iloc[0]["message"]


def test_t08_unit_from_the_narrative(bench) -> None:
    s = bench.seed()
    targets(s)[0].update(tier_poor="40以下", actual="50")  # 条 only in "绩效指标49条"
    result = bench.check(s, only={"T08"})
    rows = assert_fires(result, "T08", cell="E5", severity="info", count=1)
    assert rows.iloc[0]["expected"] == "49条"
    assert "已按报告正文补全" in rows.iloc[0]["message"]


def test_t09_good_tier_with_full_item_score(bench) -> None:
    s = clean_tiers(bench.seed())
    targets(s)[0]["actual"] = "45条"  # 良; 产出数量 keeps 5/5
    result = bench.check(s, only={"T09"})
    rows = assert_fires(result, "T09", cell="G14", severity="warning", count=1)
    row = rows.iloc[0]
    assert (row["observed"], row["expected"]) == (5, 4)
    assert "属于良档" in row["message"] and "「产出数量」" in row["message"]


def test_t09_quiet_when_the_item_was_marked_down(bench) -> None:
    s = clean_tiers(bench.seed())
    targets(s)[0]["actual"] = "45条"
    s["tables"]["scoring"][11]["score"] = 4  # 产出数量
    result = bench.check(s, only={"T09"})
    assert_quiet(result, "T09")


def test_t09_skipped_where_t06_fires(bench) -> None:
    s = bench.seed()
    targets(s)[2]["actual"] = "7%"  # 良 [5,10) and 差 ≤15
    s["tables"]["scoring"][16]["score"] = 8  # 社会效益 full
    result = bench.check(s, only={"T06", "T09"})
    assert_fires(result, "T06", cell="J7", severity="error", count=1)
    assert_quiet(result, "T09")


def test_tier_rules_ignore_national_forms(bench) -> None:
    result = bench.check(bench.national(), only=T_RULES)
    assert rule_rows(result, "T01").empty and result.findings["rule"].str.startswith("T").sum() == 0


def test_score_item_mapping() -> None:
    ind = pd.DataFrame(
        {
            "name": [
                "租用网络运行线路",
                "验收合格率",
                "按时完成率",
                "单位成本",
                "网络宽带保障率",
                "销售收入",
                "系统稳定运行",
                "群众满意度",
            ],
            "level1": ["产出指标"] * 4 + ["成效指标", "效益指标", "效益指标", "满意度指标"],
            "unit": [None] * 8,
            "t_unit": [None] * 8,
            "a_unit": ["条", "%", "%", "元", "%", None, None, "%"],
        }
    )
    assert score_item_of(ind).tolist() == [
        "产出数量",
        "产出质量",
        "产出时效",
        "产出成本",
        "社会效益",
        "经济效益",
        "可持续影响",
        "服务对象满意度",
    ]


def test_blank_tier_standards_are_not_judged(bench) -> None:
    s = bench.seed()
    for row in targets(s):
        row.update(tier_excellent=None, tier_good=None, tier_fair=None, tier_poor=None)
    result = bench.check(s, only=T_RULES)
    assert_quiet(result, "T02")
    assert_quiet(result, "T06")
    assert_quiet(result, "T07")
    # the target 49 still lacks the 条 its actual "50条" carries
    rows = assert_fires(result, "T08", cell="E5", count=1)
    assert "已按实际完成值补全为“49条”" in rows.iloc[0]["message"]
    assert set(result.findings["rule"]) == {"T08"}


def test_t02_tiers_given_as_points(bench) -> None:
    """优 100%、良 95%、中 90% printed as single values, not ranges: everything between is no tier."""
    s = clean_tiers(bench.seed())
    targets(s)[1].update(
        tier_excellent="100%", tier_good="95%", tier_fair="90%", tier_poor="<90%", actual="97%"
    )
    result = bench.check(s, only={"T01", "T02", "T06"})
    rows = assert_fires(result, "T02", count=1)
    assert rows.iloc[0]["observed"] == "(90, 95)、(95, 100)"
    assert_quiet(result, "T01")  # points never overlap: the gap is the finding
    assert_fires(result, "T06", count=1)  # and the actual 97 falls in it
