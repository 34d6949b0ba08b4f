"""Metadata rules M01–M05 on the seed (domain d.2, d.4), its variants and the national form."""

from __future__ import annotations

import pytest
from conftest import Workbench, assert_fires, assert_quiet, indicator

from perfxl.checks.engine import CheckResult
from perfxl.checks.metadata import org_key, same_org

M_RULES = {"M01", "M02", "M03", "M04", "M05"}
COVER = "封面"
AGENCY_WITH_TYPO = "□中价机构  □专家组     eq \\o\\ac(□,√)项目单位评价组"


@pytest.fixture(scope="module")
def seed_result(tmp_path_factory: pytest.TempPathFactory) -> CheckResult:
    bench = Workbench(tmp_path_factory.mktemp("seed"))
    return bench.check(bench.seed(), only=M_RULES)


@pytest.fixture(scope="module")
def national_result(tmp_path_factory: pytest.TempPathFactory) -> CheckResult:
    bench = Workbench(tmp_path_factory.mktemp("national"))
    return bench.check(bench.national(), only=M_RULES)


def test_national_example_is_quiet(national_result: CheckResult) -> None:
    assert_quiet(national_result, "M01")
    assert_quiet(national_result, "M02")
    assert_quiet(national_result, "M03")
    assert_quiet(national_result, "M04")
    assert_quiet(national_result, "M05")


# ------------------------------------------------------------------ M01


def test_m01_seed_year_only_in_the_narrative(seed_result: CheckResult) -> None:
    rows = assert_fires(seed_result, "M01", cell="B9", sheet=COVER, severity="warning", count=1)
    assert rows.iloc[0]["expected"] == 2018
    assert "（评价年度 空白，报告正文 2018年）" in rows.iloc[0]["message"]


def test_m01_quiet_with_the_year_stated(bench) -> None:
    s = bench.seed()
    s["fields"]["fiscal_year"] = 2018
    result = bench.check(s, only={"M01"})
    assert_quiet(result, "M01")


def test_m01_year_against_narrative_and_evaluation_date(bench) -> None:
    s = bench.seed()
    s["fields"]["fiscal_year"] = 2019  # the narrative is about 2018; evaluated 2019-06-11
    result = bench.check(s, only={"M01"})
    rows = assert_fires(result, "M01", severity="warning", count=2)
    by_cell = rows.set_index("cell")
    assert (by_cell.loc["B9", "observed"], by_cell.loc["B9", "expected"]) == (2019, 2018)
    assert by_cell.loc["B10", "observed"] == "2019-06-11"
    assert "（评价年度 2019年，评价时间 2019-06-11）" in by_cell.loc["B10", "message"]


def test_m01_process_evaluation_may_fall_inside_the_year(bench) -> None:
    s = bench.seed()
    s["fields"].update(fiscal_year=2018, eval_date="2018年10月8日", submit_date="2018-10-20")
    result = bench.check(s, only={"M01"})
    assert_fires(result, "M01", cell="B10", count=1)
    s["fields"]["eval_type"] = "实施过程评价"
    result = bench.check(s, only={"M01"})
    assert_quiet(result, "M01")


def test_m01_national_year_missing(bench) -> None:
    s = bench.national()
    s["fields"]["fiscal_year"] = None
    result = bench.check(s, only={"M01"})
    rows = assert_fires(result, "M01", cell="B2", count=1)
    assert "（评价年度 空白）：" in rows.iloc[0]["message"]


# ------------------------------------------------------------------ M02


def test_m02_seed_former_name_and_short_form(seed_result: CheckResult) -> None:
    rows = assert_fires(seed_result, "M02", cell="B6", sheet=COVER, severity="info", count=1)
    row = rows.iloc[0]
    assert row["expected"] == "海南省商务厅信息中心"
    assert row["observed"] == (
        "“海南省商务厅信息中心(原海南省海防与口岸办公室信息中心)”；“省海防与口岸办信息中心”（评价人员）"
    )


def test_m02_department_short_form(bench) -> None:
    s = bench.seed()
    s["fields"]["basic_dept"] = "省商务厅"
    result = bench.check(s, only={"M02"})
    assert_fires(result, "M02", cell="B6", count=2)
    rows = assert_fires(result, "M02", cell="B8", sheet=COVER, severity="info")
    row = rows[rows["cell"] == "B8"].iloc[0]
    assert (row["observed"], row["expected"]) == ("“省商务厅”", "海南省商务厅")


def test_m02_national_former_name(bench) -> None:
    s = bench.national()
    s["fields"]["unit"] = "临江市第一中学(原临江县第一中学)"
    result = bench.check(s, only={"M02"})
    rows = assert_fires(result, "M02", cell="H4", count=1)
    assert rows.iloc[0]["expected"] == "临江市第一中学"


def test_org_names_compare_by_key() -> None:
    assert org_key("海南省海防与口岸办公室信息中心") == "海防与口岸办信息中心"
    assert same_org("省海防与口岸办信息中心", "海南省海防与口岸办公室信息中心")
    assert not same_org("省海防与口岸办信息中心", "海南省商务厅信息中心")
    assert same_org("商务厅信息中心", "海南省商务厅信息中心(原海南省海防与口岸办公室信息中心)")
    assert not same_org("财政局", "临江市财政局国库科")  # too short to be an abbreviation
    assert not same_org("", "海南大学")


# ------------------------------------------------------------------ M03


def test_m03_seed_same_day_is_fine(seed_result: CheckResult) -> None:
    assert_quiet(seed_result, "M03")


def test_m03_submitted_before_the_evaluation(bench) -> None:
    s = bench.seed()
    s["fields"]["submit_date"] = "2019-06-01"
    rows = assert_fires(
        bench.check(s, only={"M03"}), "M03", cell="B14", severity="warning", count=1
    )
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == (
        "2019-06-01",
        "不早于 2019-06-11",
    )


def test_m03_unreadable_dates(bench) -> None:
    s = bench.seed()
    s["fields"].update(submit_date="2019年13月5日", eval_date="六月中旬")
    result = bench.check(s, only={"M03"})
    rows = assert_fires(result, "M03", severity="warning", count=2)
    assert set(rows["cell"]) == {"B10", "B14"}
    assert "上报时间“2019年13月5日”（无法识别）" in " ".join(rows["message"])


def test_m03_evaluation_range_end_counts(bench) -> None:
    s = bench.seed()
    s["fields"].update(eval_date="2019年2月10日至2019年4月25日", submit_date="2019-04-20")
    result = bench.check(s, only={"M03"})
    assert_fires(result, "M03", cell="B14", count=1)
    s["fields"]["submit_date"] = "2019-04-25"
    result = bench.check(s, only={"M03"})
    assert_quiet(result, "M03")


def test_m03_national_submitted_inside_the_year(bench) -> None:
    s = bench.national()
    s["fields"]["submit_date"] = "2024-12-20"
    result = bench.check(s, only={"M03"})
    rows = assert_fires(result, "M03", cell="H5", count=1)
    assert rows.iloc[0]["expected"] == "晚于 2024-12-31"


# ------------------------------------------------------------------ M04


def test_m04_seed_boxes_ticked_once(seed_result: CheckResult) -> None:
    assert_quiet(seed_result, "M04")


def test_m04_two_ticks_and_none(bench) -> None:
    s = bench.seed()
    s["fields"]["org_mode"] = "☑财政部门 ☑主管部门 □项目单位"
    s["fields"]["eval_type"] = "□实施过程评价 □完成结果评价"
    result = bench.check(s, only={"M04"})
    rows = assert_fires(result, "M04", severity="warning", count=2)
    by_cell = rows.set_index("cell")
    assert by_cell.loc["B11", "observed"] == 2
    assert by_cell.loc["B3", "observed"] == 0
    assert "「组织方式」勾选了 2 项" in by_cell.loc["B11", "message"]


# ------------------------------------------------------------------ M05


def test_m05_seed_cover_typo(bench) -> None:
    s = bench.seed()
    s["fields"]["eval_agency"] = AGENCY_WITH_TYPO  # the seed's own cover line (domain d.4 #27)
    result = bench.check(s, only={"M04", "M05"})
    rows = assert_fires(result, "M05", cell="B12", sheet=COVER, severity="info", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == ("中价机构", "中介机构")
    assert_quiet(result, "M04")  # 项目单位评价组 is still the one ticked option


def test_m05_direction_typo(bench) -> None:
    s = bench.national()
    indicator(s, 3)["direction"] = "返乡指标"
    result = bench.check(s, only={"M05"})
    rows = assert_fires(result, "M05", cell="D17", count=1)
    assert rows.iloc[0]["expected"] == "反向指标"


def test_m05_quiet_on_the_seed(seed_result: CheckResult) -> None:
    assert_quiet(seed_result, "M05")


def test_mixed_batch_gives_the_same_findings(
    bench, seed_result: CheckResult, national_result: CheckResult
) -> None:
    def keyed(result: CheckResult) -> set[tuple[str, str, str]]:
        f = result.findings
        return set(zip(f["rule"], f["cell"].fillna(""), f["message"], strict=True))

    both = bench.check([bench.national(), bench.seed()], only=M_RULES)
    assert keyed(both) == keyed(seed_result) | keyed(national_result)
