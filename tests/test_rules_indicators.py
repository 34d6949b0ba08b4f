from conftest import assert_fires, assert_quiet, indicator, rule_rows

from perfxl.checks.config import from_mapping
from perfxl.model.findings import RULES

MINE = {f"I{i:02d}" for i in range(1, 21)} | {"N06"}


def _cells(result, rule_id: str) -> set[str]:
    return set(rule_rows(result, rule_id)["cell"])


def _one(result, rule_id: str, cell: str):
    rows = rule_rows(result, rule_id)
    rows = rows[rows["cell"] == cell]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# ------------------------------------------------------------------ clean sample and seed


def test_clean_national_sample_is_quiet(bench) -> None:
    result = bench.check(bench.national(), only=MINE)
    assert_quiet(result, "I01")
    assert_quiet(result, "I02")
    assert_quiet(result, "I03")
    assert_quiet(result, "I04")
    assert_quiet(result, "I05")
    assert_quiet(result, "I06")
    assert_quiet(result, "I07")
    assert_quiet(result, "I08")
    assert_quiet(result, "I09")
    assert_quiet(result, "I10")
    assert_quiet(result, "I11")
    assert_quiet(result, "I12")
    assert_quiet(result, "I13")
    assert_quiet(result, "I14")
    assert_quiet(result, "I15")
    assert_quiet(result, "I16")
    assert_quiet(result, "I17")
    assert_quiet(result, "I18")
    assert_quiet(result, "I19")
    assert_quiet(result, "N06")


def test_seed_indicator_findings(bench) -> None:
    result = bench.check(bench.seed(), only=MINE)
    # domain d.3 #21: 服务对象满意度 8/8 with no survey anywhere
    rows = assert_fires(result, "I14", cell="G22", severity="warning", count=1)
    assert rows.iloc[0]["observed"] == 8
    # domain d.3 #20–21: the three targets map to 产出数量 (线路) and 社会效益 (保障率, 故障率);
    # every other 项目产出/项目效益 item is scored with no target; 决策/管理 items need none
    assert_fires(result, "I15", severity="warning", count=7)
    assert _cells(result, "I15") == {"G15", "G16", "G17", "G18", "G20", "G21", "G22"}
    assert "环境效益" in _one(result, "I15", "G20")["message"]
    # domain d.1 #4: 线路 has no stated direction; the closed 优 band makes it a range
    rows = assert_fires(result, "I09", cell="D5", severity="info", count=1)
    assert rows.iloc[0]["expected"] == "区间 [47, 51)"
    # "未出网络故障" was read as 0 %
    rows = assert_fires(result, "N06", cell="J7", severity="info", count=1)
    assert rows.iloc[0]["observed"] == "未出网络故障"
    assert rows.iloc[0]["expected"] == 0
    for quiet in ("I04", "I05", "I06", "I07", "I08", "I11", "I12", "I13", "I16", "I18", "I19"):
        assert rule_rows(result, quiet).empty, quiet


def test_benign_variants_stay_quiet(bench) -> None:
    s = bench.national()
    indicator(s, 0).update(target="≥1200名", actual="1210人")  # 名 and 人 are one unit
    indicator(s, 1).update(direction=None, target="100%")  # 合格率 is positive by name
    indicator(s, 2).update(name="任务完成率", target="≥100%", actual="120%")  # may pass 100 %
    indicator(s, 3).update(target="≤5元", actual="4.8元")  # a 成本指标 is money by nature
    indicator(s, 4).update(
        name="食品安全事故发生次数", direction="反向", target="≤0", unit="次", actual=0
    )
    indicator(s, 5)["name"] = "资金使用效益"  # money words outside 产出
    result = bench.check(s, only=MINE)
    assert_quiet(result, "I06")
    assert_quiet(result, "I08")
    assert_quiet(result, "I09")
    assert_quiet(result, "I12")
    assert_quiet(result, "I17")
    assert_quiet(result, "I05")


# ------------------------------------------------------------------ I01 – I05


def test_i01_inflated_is_error_and_understated_is_warning(bench) -> None:
    s = bench.national()
    indicator(s, 0)["actual"] = 1100  # ≥1200 → 20 × 1100/1200 = 18.33, reported 20
    indicator(s, 2).update(score=8, deviation="供应商更换导致两周延误。")  # met, formula 10
    result = bench.check(s, only={"I01"})
    assert_fires(result, "I01", count=2)
    high = _one(result, "I01", "I14")
    assert (high["severity"], high["observed"], high["expected"]) == ("error", 20, 18.33)
    low = _one(result, "I01", "I16")
    assert (low["severity"], low["observed"], low["expected"]) == ("warning", 8, 10)
    assert_fires(result, "I01", cell="I16", severity="warning")


def test_i01_within_tolerance_is_quiet(bench) -> None:
    s = bench.national()
    indicator(s, 0).update(actual=1100, score=18.3)  # formula 18.33, tolerance 0.1
    assert_quiet(bench.check(s, only={"I01"}), "I01")


def test_i02_full_score_on_unmet_quantitative_and_qualitative(bench) -> None:
    s = bench.national()
    indicator(s, 0)["actual"] = 1100
    indicator(s, 5).update(actual="部分达成年度指标并具有一定效果", score=15)
    result = bench.check(s, only={"I02"})
    assert_fires(result, "I02", severity="error", count=2)
    assert _one(result, "I02", "I14")["expected"] == 18.33
    assert _one(result, "I02", "I19")["expected"] == 12  # the B band stops below 0.8 × 15


def test_i02_quiet_when_the_score_was_reduced(bench) -> None:
    s = bench.national()
    indicator(s, 0).update(actual=1100, score=18.33, deviation="转学学生减少。")
    assert_quiet(bench.check(s, only={"I02"}), "I02")


def test_i03_deduction_needs_a_reason(bench) -> None:
    s = bench.national()
    indicator(s, 4)["score"] = 13  # no deviation text
    indicator(s, 2).update(score=9, deviation="无")  # a placeholder is no reason
    result = bench.check(s, only={"I03"})
    assert_fires(result, "I03", severity="warning", count=2)
    assert _cells(result, "I03") == {"J18", "J16"}
    assert _one(result, "I03", "J18")["observed"] == 13


def test_i03_quiet_when_explained(bench) -> None:
    s = bench.national()
    indicator(s, 4).update(score=13, deviation="体测因天气推迟，部分学生未参测。")
    assert_quiet(bench.check(s, only={"I03"}), "I03")


def test_i04_unmet_target_needs_a_reason_even_at_full_score(bench) -> None:
    s = bench.national()
    indicator(s, 2)["actual"] = "97%"  # ≥98 % missed, still scored 10/10
    # missed and reduced: I03 asks for the reason on that row, once (I04 would ask again)
    indicator(s, 0).update(actual=1100, score=18.33)
    result = bench.check(s, only={"I03", "I04"})
    assert_fires(result, "I04", severity="warning", count=1)
    assert _cells(result, "I04") == {"J16"}
    assert _one(result, "I04", "J16")["observed"] == "97%"
    assert_fires(result, "I03", cell="J14", count=1)


def test_i04_quiet_when_explained(bench) -> None:
    s = bench.national()
    indicator(s, 2).update(actual="97%", deviation="寒潮停课两天。")
    assert_quiet(bench.check(s, only={"I04"}), "I04")


def test_i04_hainan_reason_in_the_narrative(bench) -> None:
    s = bench.seed()
    s["tables"]["targets"][1]["actual"] = "97%"  # 保障率 target 99 %
    result = bench.check(s, only={"I04"})
    assert_fires(result, "I04", cell="K6", severity="warning", count=1)
    s["tables"]["narrative"][12]["text"] += "网络宽带保障率未达目标，是因为运营商线路割接。"
    assert_quiet(bench.check(s, only={"I04"}), "I04")


def test_i05_over_completion_without_explanation(bench) -> None:
    s = bench.national()
    indicator(s, 0)["actual"] = 1600  # ≥ 1.3 × 1200
    indicator(s, 3)["actual"] = 3  # ≤5 元, 3 ≤ 0.7 × 5
    result = bench.check(s, only={"I05"})
    assert_fires(result, "I05", severity="warning", count=2)
    assert _cells(result, "I05") == {"J14", "J17"}
    assert "133.3%" in _one(result, "I05", "J14")["message"]


def test_i05_quiet_when_explained_or_at_zero_incidents(bench) -> None:
    s = bench.national()
    indicator(s, 0).update(actual=1600, deviation="秋季扩招，受益人数增加。")
    indicator(s, 3)["actual"] = 0  # the floor of a negative indicator
    assert_quiet(bench.check(s, only={"I05"}), "I05")


def test_i05_threshold_is_configurable(bench) -> None:
    s = bench.national()
    indicator(s, 0)["actual"] = 1600
    cfg = from_mapping({"indicators": {"over_completion": 1.5}})
    assert_quiet(bench.check(s, cfg=cfg, only={"I05"}), "I05")


# ------------------------------------------------------------------ I06 – I09


def test_i06_dimension_is_error_basis_and_scale_are_warnings(bench) -> None:
    s = bench.national()
    indicator(s, 2)["actual"] = "99个"  # target ≥98 %
    indicator(s, 0).update(target="≥1200人", actual="1210人次")  # persons vs person-times
    indicator(s, 3)["actual"] = "0.0005万元"  # target ≤5 元
    result = bench.check(s, only={"I06"})
    assert_fires(result, "I06", count=3)
    err = _one(result, "I06", "G16")
    assert (err["severity"], err["observed"], err["expected"]) == ("error", "个", "%")
    basis = _one(result, "I06", "G14")
    assert (basis["severity"], basis["observed"], basis["expected"]) == ("warning", "人次", "人")
    scale = _one(result, "I06", "G17")
    assert (scale["severity"], scale["observed"], scale["expected"]) == ("warning", "万元", "元")
    assert_fires(result, "I06", cell="G16", severity="error")


def test_i06_mismatch_stops_score_rules_on_the_row(bench) -> None:
    s = bench.national()
    indicator(s, 1)["actual"] = "18个"  # 合格率 ≥100 %: 18 against 100 means nothing
    result = bench.check(s, only={"I01", "I02", "I04", "I06"})
    assert_fires(result, "I06", cell="G15", severity="error", count=1)
    assert_quiet(result, "I01")
    assert_quiet(result, "I02")
    assert_quiet(result, "I04")


def test_i07_vague_or_wordy_output_targets(bench) -> None:
    s = bench.national()
    indicator(s, 1).update(target="有效提升", direction="定性")
    indicator(s, 2)["target"] = "显著提升"  # maps to level A, but says nothing measurable
    indicator(s, 0)["target"] = "一千二百"  # a Chinese numeral is a number
    result = bench.check(s, only={"I07"})
    assert_fires(result, "I07", severity="warning", count=2)
    assert _cells(result, "I07") == {"E15", "E16"}
    assert _one(result, "I07", "E16")["observed"] == "显著提升"


def test_i07_quiet_on_benefits_written_as_benefits_and_on_yes_no_targets(bench) -> None:
    s = bench.national()
    indicator(s, 4).update(target="明显改善", direction="定性")  # a 社会效益, as units write them
    indicator(s, 5)["target"] = "显著提升"
    indicator(s, 1)["target"] = "建立"  # an output met or not: measurable as it stands
    result = bench.check(s, only={"I07"})
    assert_quiet(result, "I07")


def test_i08_inputs_listed_as_outputs(bench) -> None:
    s = bench.national()
    indicator(s, 0)["name"] = "专项经费拨付金额"
    indicator(s, 1).update(name="设备购置规模", target="≥80万元", unit="万元", actual="80万元")
    result = bench.check(s, only={"I08"})
    assert_fires(result, "I08", severity="warning", count=2)
    assert _cells(result, "I08") == {"C14", "C15"}
    assert _one(result, "I08", "C14")["observed"] == "经费"
    assert _one(result, "I08", "C15")["observed"] == "≥80万元"


def test_i08_quiet_on_how_money_is_handled_and_on_cost_indicators(bench) -> None:
    s = bench.national()
    indicator(s, 0)["name"] = "经费支出合规性"
    indicator(s, 1)["name"] = "补贴资金发放准确率"  # paying the subsidy out is the output
    indicator(s, 2).update(level2="成本指标", name="生均公用经费标准")  # a cost is money
    result = bench.check(s, only={"I08"})
    assert_quiet(result, "I08")


def test_i08_fires_on_a_cost_that_restates_budget_execution(bench) -> None:
    s = bench.national()
    indicator(s, 3).update(level2="成本指标", name="资金执行在预算范围内")  # the 执行率 again
    result = bench.check(s, only={"I08"})
    assert_fires(result, "I08", cell="C17", count=1)


def test_i09_quiet_where_the_direction_changes_nothing(bench) -> None:
    s = bench.national()
    indicator(s, 0).update(direction=None, target="1200", actual="1200")  # met exactly
    indicator(s, 1).update(direction=None, target="100%", actual="98%")  # a 100 % target
    result = bench.check(s, only={"I09"})
    assert_quiet(result, "I09")


def test_i09_bare_number_without_direction(bench) -> None:
    s = bench.national()
    indicator(s, 0).update(direction=None, target="1200")  # no comparator, keyword or tiers
    result = bench.check(s, only={"I09"})
    rows = assert_fires(result, "I09", cell="D14", severity="info", count=1)
    assert rows.iloc[0]["expected"] == "正向"


def test_i10_qualitative_score_outside_its_band(bench) -> None:
    s = bench.national()
    indicator(s, 5).update(actual="部分达成年度指标并具有一定效果", score=13)  # B: [9, 12)
    indicator(s, 6).update(
        target="达成年度指标", direction="定性", actual="达成年度指标", score=7
    )  # A: [8, 10]
    indicator(s, 2).update(  # a missed deadline falls in the C band (domain b.3): [0, 6)
        name="营养餐供应启动时间",
        direction=None,
        target="2024年9月1日前",
        unit=None,
        actual="2024-09-15",
        score=8,
        deviation="食堂改造延误两周。",
    )
    result = bench.check(s, only={"I10"})
    assert_fires(result, "I10", severity="error", count=3)
    assert _one(result, "I10", "I19")["expected"] == "[9, 12)"
    assert _one(result, "I10", "I20")["expected"] == "[8, 10]"
    assert _one(result, "I10", "I16")["expected"] == "[0, 6)"


def test_i10_band_edge_belongs_to_the_upper_level(bench) -> None:
    s = bench.national()
    indicator(s, 5)["score"] = 12  # A at exactly 0.8 w is inside [12, 15]
    assert_quiet(bench.check(s, only={"I10"}), "I10")
    indicator(s, 5).update(actual="部分达成年度指标并具有一定效果", score=12)  # B stops below 12
    assert_fires(bench.check(s, only={"I10"}), "I10", cell="I19", count=1)


def test_i11_actual_cannot_be_judged(bench) -> None:
    s = bench.national()
    indicator(s, 5)["actual"] = None  # qualitative target, blank actual
    indicator(s, 2)["actual"] = "正在推进"  # neither a number nor a level
    indicator(s, 0)["actual"] = "已完成"  # a verdict for a numeric target
    result = bench.check(s, only={"I11"})
    assert_fires(result, "I11", severity="warning", count=3)
    assert _cells(result, "I11") == {"G19", "G16", "G14"}
    assert "“空白”" in _one(result, "I11", "G19")["message"]
    assert _one(result, "I11", "G14")["expected"] == "≥1200"


def test_i11_quiet_when_a_yes_no_target_is_answered(bench) -> None:
    s = bench.national()
    indicator(s, 5).update(target="建立", actual="已建立")  # set up: plainly met
    indicator(s, 4).update(target="明显改善", actual="明显改善")  # met as printed (I07's vague)
    result = bench.check(s, only={"I11"})
    assert_quiet(result, "I11")


def test_i12_bounded_rate_above_100_or_below_0(bench) -> None:
    s = bench.national()
    indicator(s, 6)["actual"] = "102%"  # 满意度
    indicator(s, 1)["target"] = "≥105%"  # 合格率 target
    indicator(s, 4)["actual"] = "-5%"  # 合格率 below 0: I12, not also I18
    result = bench.check(s, only={"I12", "I18"})
    assert_fires(result, "I12", severity="error", count=3)
    assert _cells(result, "I12") == {"G20", "E15", "G18"}
    assert _one(result, "I12", "E15")["observed"] == 105
    assert_quiet(result, "I18")


def test_i13_fraction_and_bare_percent_readings(bench) -> None:
    s = bench.national()
    indicator(s, 1)["actual"] = "0.995"  # 合格率 target 100 %: read as 99.5 %
    indicator(s, 2)["actual"] = "99.2"  # no %, a rate: read as percent
    result = bench.check(s, only={"I13"})
    assert_fires(result, "I13", severity="info", count=2)
    assert _one(result, "I13", "G15")["expected"] == 99.5
    assert _one(result, "I13", "G16")["expected"] == 99.2


# ------------------------------------------------------------------ I14 – I16


def test_i14_national_full_satisfaction_without_survey(bench) -> None:
    s = bench.national()
    indicator(s, 6).update(deviation=None, actual="100%")  # a claimed 100 %, no survey
    result = bench.check(s, only={"I14"})
    rows = assert_fires(result, "I14", cell="I20", severity="warning", count=1)
    assert rows.iloc[0]["observed"] == 10


def test_i14_quiet_on_a_measured_satisfaction_scored_by_the_formula(bench) -> None:
    s = bench.national()
    indicator(s, 6).update(deviation=None, actual="95%")  # 95 % against ≥90 %: full marks
    result = bench.check(s, only={"I14"})
    assert_quiet(result, "I14")


def test_i14_hainan_survey_in_the_narrative_is_evidence(bench) -> None:
    s = bench.seed()
    s["tables"]["narrative"][11]["text"] += (
        "\n开展服务对象满意度问卷调查，回收有效问卷120份，满意度98%。"
    )
    assert_quiet(bench.check(s, only={"I14"}), "I14")


def test_i14_an_unrelated_headcount_is_no_evidence(bench) -> None:
    s = bench.seed()  # the narrative mentions "500人" (a chat group), not a survey
    s["tables"]["narrative"][11]["text"] += "\n服务对象满意度较高。"
    assert_fires(bench.check(s, only={"I14"}), "I14", cell="G22", count=1)


def test_i15_national_score_with_blank_target(bench) -> None:
    s = bench.national()
    indicator(s, 4)["target"] = None
    result = bench.check(s, only={"I15"})
    rows = assert_fires(result, "I15", cell="E18", severity="warning", count=1)
    assert rows.iloc[0]["observed"] == 15


def test_i15_hainan_mapping_follows_the_target_table(bench) -> None:
    s = bench.seed()
    s["tables"]["targets"].append(
        {"target_type": "产出指标", "name": "运维故障响应及时率", "target": "≥95%", "actual": "98%"}
    )
    s["tables"]["targets"].append(
        {"target_type": "效益指标", "name": "服务对象满意度", "target": "≥90%", "actual": "95%"}
    )
    result = bench.check(s, only={"I15"})
    assert_fires(result, "I15", count=5)
    assert _cells(result, "I15") == {"G15", "G17", "G18", "G20", "G21"}


def test_i16_every_actual_copied_from_its_target(bench) -> None:
    s = bench.national()
    for i, actual in ((0, 1200), (2, "98%"), (4, "90%"), (6, "90%")):
        indicator(s, i)["actual"] = actual
    result = bench.check(s, only={"I16"})
    rows = assert_fires(result, "I16", cell="G14", severity="info", count=1)
    assert rows.iloc[0]["observed"] == 6
    cfg = from_mapping({"indicators": {"copy_min_count": 7}})
    assert_quiet(bench.check(s, cfg=cfg, only={"I16"}), "I16")


# ------------------------------------------------------------------ I17 – I20, N06


def test_i17_positive_target_of_zero(bench) -> None:
    s = bench.national()
    indicator(s, 0)["target"] = "≥0"
    result = bench.check(s, only={"I17"})
    rows = assert_fires(result, "I17", cell="E14", severity="error", count=1)
    assert rows.iloc[0]["observed"] == "≥0"


def test_i18_negative_actual(bench) -> None:
    s = bench.national()
    indicator(s, 0)["actual"] = -5
    result = bench.check(s, only={"I18"})
    rows = assert_fires(result, "I18", cell="G14", severity="warning", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == (-5, 0)


def test_i19_few_quantitative_indicators(bench) -> None:
    s = bench.national()
    for i in range(5):
        indicator(s, i).update(
            target="达成年度指标", actual="达成年度指标", direction="定性", unit=None
        )
    result = bench.check(s, only={"I19"})
    rows = assert_fires(result, "I19", cell="E14", severity="info", count=1)
    assert rows.iloc[0]["observed"] == 14.3  # 1 of 7
    assert "1/7" in rows.iloc[0]["message"]


def test_i19_output_only_qualitative(bench) -> None:
    s = bench.national()
    rows = s["tables"]["indicators"]
    rows[0].update(target="达成年度指标", actual="达成年度指标", direction="定性", unit=None)
    s["tables"]["indicators"] = [rows[0], rows[4], rows[6]]  # 2 of 3 quantitative
    result = bench.check(s, only={"I19"})
    found = assert_fires(result, "I19", cell="E14", severity="info", count=1)
    assert "其中产出指标定量 0/1 个" in found.iloc[0]["message"]


def test_i19_blank_targets_are_not_counted_as_qualitative(bench) -> None:
    s = bench.national()
    for i in (1, 2, 3, 4):
        indicator(s, i)["target"] = None  # missing targets are I15's concern
    assert_quiet(bench.check(s, only={"I19"}), "I19")


def test_i20_is_declared_not_implementable() -> None:
    from perfxl.checks import load_all

    load_all()
    info = RULES["I20"]
    assert info.check is None
    assert "调整后" in (info.not_implementable or "")


def test_n06_chinese_numerals_converted(bench) -> None:
    s = bench.national()
    indicator(s, 0).update(actual="一千二百一十", weight="二十")
    s["tables"]["funds"][1]["executed"] = "二百九十四点六"
    result = bench.check(s, only={"N06"})
    assert_fires(result, "N06", severity="info", count=3)
    assert _one(result, "N06", "G14")["expected"] == 1210
    assert _one(result, "N06", "H14")["expected"] == 20
    assert _one(result, "N06", "F8")["expected"] == 294.6
