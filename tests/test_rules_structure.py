from conftest import assert_fires, assert_quiet, indicator

from perfxl.checks.config import from_mapping
from perfxl.checks.required_cells import TABLE_SOURCES
from perfxl.spec import get_profile

S_RULES = {f"S{i:02d}" for i in range(1, 11)}

# national template: 分值合计 H54, 总分 I54; hainan: 分值合计 F23, 总分 G23


def test_clean_national_and_seed_are_quiet(bench) -> None:
    nat = bench.check(bench.national(), only=S_RULES)
    for rid in sorted(S_RULES):
        assert_quiet(nat, rid)
    seed = bench.check(bench.seed(), only=S_RULES)
    # domain d.3: the seed's weights and scores are consistent
    for rid in ("S01", "S02", "S03", "S04", "S05", "S06", "S08", "S09", "S10"):
        assert_quiet(seed, rid)


# ------------------------------------------------------------------ S01


def test_s01_national_weights_not_100(bench) -> None:
    s = bench.national()
    indicator(s, 0)["weight"] = 25
    result = bench.check(s, only={"S01"})
    rows = assert_fires(result, "S01", cell="H54", severity="error", count=1)
    assert rows.iloc[0]["observed"] == 105
    assert rows.iloc[0]["expected"] == 100
    assert "执行率10+产出55+效益30+满意度10" in rows.iloc[0]["message"]


def test_s01_hainan_level1_weights_not_100(bench) -> None:
    s = bench.seed()
    s["tables"]["scoring"][0]["w1"] = 25  # 项目决策 printed 20, typed over
    result = bench.check(s, only={"S01", "S02"})
    rows = assert_fires(result, "S01", cell="F23", sheet="绩效评价指标评分", count=1)
    assert rows.iloc[0]["observed"] == 105
    # the block no longer matches its children either
    s02 = assert_fires(result, "S02", cell="B3", count=1)
    assert (s02.iloc[0]["observed"], s02.iloc[0]["expected"]) == (20, 25)


def test_s01_quiet_without_any_indicator_weight(bench) -> None:
    s = bench.national()
    for row in s["tables"]["indicators"]:
        row["weight"] = None  # S05's business, not a sum of 10
    result = bench.check(s, only={"S01"})
    assert_quiet(result, "S01")


# ------------------------------------------------------------------ S02


def test_s02_national_block_label_weight(bench) -> None:
    s = bench.national()
    for i in range(4):
        indicator(s, i)["level1"] = "产出指标(45分)"
    for i in (4, 5):
        indicator(s, i)["level1"] = "效益指标(30分)"  # balanced: 15 + 15
    result = bench.check(s, only={"S02"})
    rows = assert_fires(result, "S02", cell="A14", severity="error", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == (50, 45)
    assert "「产出指标」" in rows.iloc[0]["message"]


def test_s02_quiet_when_block_labels_match(bench) -> None:
    s = bench.national()
    for i in range(4):
        indicator(s, i)["level1"] = "产出指标(50分)"
    indicator(s, 4)["level1"] = "(30分)"  # Anhui style: the name lost, the 二级 gives it back
    indicator(s, 5)["level1"] = None
    result = bench.check(s, only={"S02"})
    assert_quiet(result, "S02")


def test_s02_hainan_level2_against_level3(bench) -> None:
    s = bench.seed()
    s["tables"]["scoring"][0]["w3"] = 5  # 目标内容 under 项目目标 (4)
    result = bench.check(s, only={"S02", "S01"})
    rows = assert_fires(result, "S02", cell="D3", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == (5, 4)
    assert "「项目目标」" in rows.iloc[0]["message"]


def test_s02_typed_over_weight_total(bench) -> None:
    s = bench.national()
    s["fields"]["weight_total"] = 95
    result = bench.check(s, only={"S02"})
    rows = assert_fires(result, "S02", cell="H54", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == (100, 95)


# ------------------------------------------------------------------ S03


def test_s03_national_total_typed_over(bench) -> None:
    s = bench.national()
    s["fields"]["total_reported"] = 95
    result = bench.check(s, only={"S03"})
    rows = assert_fires(result, "S03", cell="I54", severity="error", count=1)
    assert rows.iloc[0]["observed"] == 95
    assert rows.iloc[0]["expected"] == 98.82


def test_s03_hainan_total(bench) -> None:
    s = bench.seed()
    s["fields"]["total_reported"] = 95
    result = bench.check(s, only={"S03"})
    rows = assert_fires(result, "S03", cell="G23", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == (95, 97)


def test_s03_tolerates_rounding(bench) -> None:
    s = bench.national()
    s["fields"]["total_reported"] = 98.8  # one decimal shown: within 0.1
    result = bench.check(s, only={"S03"})
    assert_quiet(result, "S03")


# ------------------------------------------------------------------ S04


def test_s04_indicator_exec_and_negative_scores(bench) -> None:
    s = bench.national()
    indicator(s, 1)["score"] = 12  # weight 10
    indicator(s, 2)["score"] = -1
    s["tables"]["funds"][0]["score"] = 11  # execution, weight 10
    result = bench.check(s, only={"S04"})
    rows = assert_fires(result, "S04", severity="error", count=3)
    by_cell = rows.set_index("cell")
    assert by_cell.loc["I15", "observed"] == 12 and by_cell.loc["I15", "expected"] == 10
    assert by_cell.loc["I16", "observed"] == -1
    assert by_cell.loc["I7", "observed"] == 11
    assert "预算执行率" in by_cell.loc["I7", "message"]


def test_s04_hainan_score_item(bench) -> None:
    s = bench.seed()
    s["tables"]["scoring"][15]["score"] = 9  # 经济效益, weight 8
    result = bench.check(s, only={"S04"})
    rows = assert_fires(result, "S04", cell="G18", count=1)
    assert "「经济效益」" in rows.iloc[0]["message"]


def test_s04_quiet_within_tolerance(bench) -> None:
    s = bench.national()
    indicator(s, 1)["score"] = 10.05
    result = bench.check(s, only={"S04"})
    assert_quiet(result, "S04")


# ------------------------------------------------------------------ S05


def test_s05_every_required_spec_column_is_mapped() -> None:
    """The rule reads the template's own required flags: each such column must be wired."""
    for pid in ("national2020", "hainan2011"):
        for _sheet, table in get_profile(pid).tables():
            required = [c.key for c in table.columns if c.required]
            if required and table.key != "funds":
                assert set(required) <= set(TABLE_SOURCES[table.key][2]), table.key


def test_s05_national_blank_field_and_cells(bench) -> None:
    s = bench.national()
    s["fields"]["dept"] = None
    s["fields"]["goal_actual"] = "—"  # marked not applicable: not blank
    indicator(s, 1)["target"] = None
    indicator(s, 2)["actual"] = "/"  # N/A mark
    indicator(s, 3)["score"] = None
    result = bench.check(s, only={"S05"})
    rows = assert_fires(result, "S05", severity="error", count=3)
    assert set(rows["cell"]) == {"B4", "E15", "I17"}
    msgs = set(rows["message"])
    assert "必填项「主管部门」为空。" in msgs
    assert "必填项「年度指标值（食品安全抽检合格率）」为空。" in msgs


def test_s05_blank_funds_point_at_the_input_row(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][1] = {}
    s["tables"]["funds"][2] = {}
    s["tables"]["funds"][3] = {}
    result = bench.check(s, only={"S05"})
    rows = assert_fires(result, "S05", count=2)
    # the 年度资金总额 row is a SUM formula (0); the unit types into 当年财政拨款
    assert set(rows["cell"]) == {"E8", "F8"}
    assert "必填项「全年预算数（年度资金总额）」为空。" in set(rows["message"])


def test_s05_blank_level1_and_fiscal_year(bench) -> None:
    s = bench.national()
    s["fields"]["fiscal_year"] = None
    for row in s["tables"]["indicators"]:
        row["level1"] = None
        row["level2"] = None
    indicator(s, 0)["level2"] = "人数"  # not a known 二级: no parent to infer the 一级 from
    result = bench.check(s, only={"S05"})
    rows = assert_fires(result, "S05", count=8)
    # no year in the title either; the 一级 cells come from the template layout, and the
    # blank 二级 cells below the first are merged-style continuations (filled down)
    assert set(rows["cell"]) == {"B2"} | {f"A{r}" for r in range(14, 21)}


def test_s05_blank_indicator_row_is_not_a_row(bench) -> None:
    s = bench.national()
    s["tables"]["indicators"].insert(3, {})
    result = bench.check(s, only={"S05"})
    assert_quiet(result, "S05")


def test_s05_hainan(bench) -> None:
    s = bench.seed()
    s["fields"]["leader"] = None
    s["tables"]["scoring"][0]["score"] = None
    s["tables"]["scoring"][1]["score"] = "—"  # N/A
    result = bench.check(s, only={"S05"})
    rows = assert_fires(result, "S05", count=2)
    assert set(zip(rows["sheet"], rows["cell"], strict=True)) == {
        ("项目基本信息", "B4"),
        ("绩效评价指标评分", "G3"),
    }
    # the seed's fiscal year is blank but inferable from the narrative: M01, not S05
    assert "B9" not in set(rows["cell"])


# ------------------------------------------------------------------ S06 S07 S08


def test_s06_yunnan_split(bench) -> None:
    s = bench.national()
    indicator(s, 0)["weight"] = 10  # 产出 40
    indicator(s, 0)["score"] = 10
    indicator(s, 6)["weight"] = 20  # 满意度 20
    indicator(s, 6)["score"] = 20
    result = bench.check(s, only={"S06"})
    rows = assert_fires(result, "S06", cell="A14", severity="info", count=1)
    assert rows.iloc[0]["observed"] == "10/40/30/20"
    assert rows.iloc[0]["expected"] == "10/50/30/10"


def test_s06_follows_config(bench) -> None:
    s = bench.national()
    cfg = from_mapping({"indicators": {"level1_weights": [10, 40, 40, 10]}})
    result = bench.check(s, cfg=cfg, only={"S06"})
    rows = assert_fires(result, "S06", cell="A14", count=1)
    assert rows.iloc[0]["expected"] == "10/40/40/10"


def test_s06_quiet_on_hainan(bench) -> None:
    result = bench.check(bench.seed(), only={"S06"})
    assert_quiet(result, "S06")


def test_s07_national_low_share(bench) -> None:
    s = bench.national()
    # 执行率10 / 产出30 / 效益20 / 满意度40
    for i, w in enumerate((10, 10, 5, 5, 10, 10, 40)):
        indicator(s, i)["weight"] = w
        indicator(s, i)["score"] = w
    result = bench.check(s, only={"S07"})
    rows = assert_fires(result, "S07", cell="A14", severity="warning", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == (50, 60)


def test_s07_quiet_on_the_standard_split(bench) -> None:
    result = bench.check(bench.national(), only={"S07"})
    assert_quiet(result, "S07")


def test_s07_hainan_is_info(bench) -> None:
    result = bench.check(bench.seed(), only={"S07"})
    rows = assert_fires(result, "S07", cell="B14", severity="info", count=1)
    assert rows.iloc[0]["observed"] == 55
    assert rows.iloc[0]["message"] == "产出、效益指标分值占比为 55%，低于原则上的 60%。"


def test_s08_missing_benefit_and_satisfaction(bench) -> None:
    s = bench.national()
    s["tables"]["indicators"] = s["tables"]["indicators"][:4]
    result = bench.check(s, only={"S08"})
    rows = assert_fires(result, "S08", cell="A18", severity="warning", count=2)
    assert set(rows["expected"]) == {"效益指标", "满意度指标"}


def test_s08_satisfaction_optional_when_weighted_zero(bench) -> None:
    s = bench.national()
    s["tables"]["indicators"] = s["tables"]["indicators"][:6]
    cfg = from_mapping({"indicators": {"level1_weights": [10, 50, 40, 0]}})
    result = bench.check(s, cfg=cfg, only={"S08"})
    assert_quiet(result, "S08")


def test_s08_no_indicators_at_all(bench) -> None:
    s = bench.national()
    s["tables"]["indicators"] = []
    result = bench.check(s, only={"S08"})
    rows = assert_fires(result, "S08", cell="A14", count=3)
    assert set(rows["expected"]) == {"产出指标", "效益指标", "满意度指标"}


# ------------------------------------------------------------------ S09 S10


def test_s09_satisfaction_under_output(bench) -> None:
    s = bench.national()
    indicator(s, 6)["level1"] = "产出指标"
    result = bench.check(s, only={"S09"})
    rows = assert_fires(result, "S09", cell="B20", severity="warning", count=1)
    assert rows.iloc[0]["observed"] == "服务对象满意度指标"
    assert rows.iloc[0]["expected"] == "满意度指标"


def test_s09_cost_as_its_own_level1_is_allowed(bench) -> None:
    s = bench.national()
    indicator(s, 3)["level1"] = "成本指标"  # 2021: 成本指标 as a 一级, 二级 成本指标
    s["tables"]["indicators"].insert(
        4,
        {
            "level1": "成本指标",
            "level2": "经济成本指标",
            "name": "食材采购单价",
            "direction": "反向",
            "target": "≤12",
            "unit": "元",
            "actual": 11,
            "weight": 0.5,
            "score": 0.5,
        },
    )
    result = bench.check(s, only={"S09"})
    assert_quiet(result, "S09")


def test_s10_duplicate_names_and_zero_weight(bench) -> None:
    s = bench.national()
    indicator(s, 1)["name"] = "受益学生人数"
    indicator(s, 2)["weight"] = 0
    indicator(s, 2)["score"] = 0
    result = bench.check(s, only={"S10"})
    rows = assert_fires(result, "S10", severity="warning", count=2)
    by_cell = rows.set_index("cell")
    # the repeat is flagged at its name, pointing back at the first
    assert by_cell.loc["C15", "expected"] == "C14"
    assert "同名共 2 个（首个在 C14）" in by_cell.loc["C15", "message"]
    assert by_cell.loc["H16", "observed"] == 0
    assert by_cell.loc["H16", "expected"] == "> 0"
    assert "分值 0；" in by_cell.loc["H16", "message"]


def test_s10_quiet(bench) -> None:
    s = bench.national()
    indicator(s, 1)["name"] = "受益学生人数（寄宿生）"  # a near name is not a repeat
    result = bench.check(s, only={"S10"})
    assert_quiet(result, "S10")


def test_s10_hainan_zero_weight_item(bench) -> None:
    s = bench.seed()
    s["tables"]["scoring"][9]["w3"] = 0  # 组织机构 1
    s["tables"]["scoring"][9]["score"] = 0
    result = bench.check(s, only={"S10"})
    rows = assert_fires(result, "S10", cell="F12", count=1)
    assert "「组织机构」" in rows.iloc[0]["message"]


def test_s_rules_batch_of_both_profiles(bench) -> None:
    """A mixed batch: each submission's findings stay its own."""
    bad = bench.national()
    bad["fields"]["total_reported"] = 90
    result = bench.check([bench.seed(), bad, bench.national()], only={"S03", "S01"})
    rows = assert_fires(result, "S03", count=1)
    assert rows.iloc[0]["observed"] == 90
    assert_quiet(result, "S01")
