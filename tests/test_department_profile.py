"""The 部门整体支出绩效自评表 (department2020): its template, reading it (ours and a department's
own layout), the project rules that apply to it, its own rules F20, F21 and S20, and its place
in the summary (its own kind, never a project)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import Workbench, assert_fires, assert_quiet

from perfxl.checks.config import from_mapping
from perfxl.cli import main
from perfxl.read.detect import detect_profile
from perfxl.read.grid import load_book
from perfxl.read.workbook import read_workbook
from synth.department import EXPECTED, department_example

SHEET = "部门整体支出绩效自评表"
# the rules a department-wide form is checked by: the project form's that apply, and its own
DEPARTMENT_RULES = {
    *("S01", "S02", "S03", "S04", "S05", "S20"),
    *("F01", "F02", "F03", "F08", "F11", "F20", "F21"),
    *("I01", "I02", "I03", "I10", "G01", "G02"),
}


def _dept(layout: str = "template") -> dict[str, Any]:
    s = department_example()
    s["layout"] = layout
    return s


def _errors(result) -> list[str]:
    f = result.findings
    return f.loc[f["severity"].eq("error"), "message"].tolist()


def _result(result, column: str) -> Any:
    (value,) = result.results[column].tolist()
    return value


# ------------------------------------------------------------------ the template


def test_perfxl_template_writes_the_department_form(tmp_path) -> None:
    out = tmp_path / "部门整体支出.xlsx"
    result = CliRunner().invoke(main, ["template", "--profile", "department2020", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "department2020" in result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["填报说明", SHEET, "_lists", "_meta"]
    ws = wb[SHEET]
    assert ws["A1"].value == "部门整体支出绩效自评表"
    assert [ws[f"A{r}"].value for r in (2, 3, 4)] == ["年度", "部门名称", "联系人"]
    assert [ws[f"B{r}"].value for r in range(6, 11)] == [
        "资金总额",
        "基本支出",
        "其中：人员经费",
        "公用经费",
        "项目支出",
    ]
    # the sums, rates, score, total and grade are locked live formulas; the lines are inputs
    for ref, formula in (
        ("E6", "=SUM(E7,E10)"),
        ("E7", "=SUM(E8:E9)"),
        ("H7", '=IF(N(E7)>0,F7/E7,"")'),
        ("I6", '=IF(N(E6)>0,G6*MIN(1,F6/E6),"")'),
        ("I54", "=N(I6)+SUM(I14:I53)"),
    ):
        assert ws[ref].value == formula and ws[ref].protection.locked, ref
    assert ws["G6"].value == 10 and not ws["G6"].protection.locked  # 10 (or 20) points
    for ref in ("E8", "F9", "D10", "A14", "C14", "I14"):
        assert not ws[ref].protection.locked, ref
    assert str(ws["H55"].value).startswith("=IF(ISNUMBER(I54)")
    names = wb.defined_names
    assert names["px_template_id"].attr_text == '"department2020"'
    assert names["px_tbl_funds"].attr_text == f"'{SHEET}'!$B$5:$K$10"
    text = "\n".join(str(c.value) for row in wb["填报说明"].iter_rows() for c in row if c.value)
    assert "基本支出 = 人员经费 + 公用经费" in text
    assert "部门整体支出绩效自评表 填报说明" in text


def _fill_like_a_department(path: Path, sample: dict[str, Any]) -> None:
    """Type the sample into the blank template as a department would (openpyxl keeps the
    formulas and saves no results for them, as a program does)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    f = sample["fields"]
    for ref, key in (
        ("B2", "fiscal_year"),
        ("B3", "dept"),
        ("H3", "dept_code"),
        ("B4", "filler"),
        ("H4", "filler_phone"),
        ("B12", "goal_expected"),
        ("G12", "goal_actual"),
        ("B56", "problems"),
    ):
        ws[ref] = f[key]
    for row, line in zip(range(8, 11), sample["tables"]["funds"][2:], strict=True):
        for col, key in (("D", "initial_budget"), ("E", "annual_budget"), ("F", "executed")):
            ws[f"{col}{row}"] = line[key]
    columns = dict(
        zip(
            ("level1", "level2", "name", "direction", "target", "unit", "actual"),
            "ABCDEFG",
            strict=True,
        ),
        weight="H",
        score="I",
        deviation="J",
    )
    for row, ind in enumerate(sample["tables"]["indicators"], start=14):
        for key, col in columns.items():
            if key in ind:
                ws[f"{col}{row}"] = ind[key]
    wb.save(path)


def test_the_blank_template_filled_consistently_reads_back_without_errors(
    bench: Workbench, tmp_path
) -> None:
    path = tmp_path / "临江市教育局_部门整体.xlsx"
    assert (
        CliRunner().invoke(main, ["template", "-p", "department2020", "-o", str(path)]).exit_code
        == 0
    )
    _fill_like_a_department(path, department_example())
    sub = read_workbook(path)
    assert (sub.profile, sub.layout, sub.blocked) == ("department2020", "template", False)
    # saved without formula results: the template's own formulas are recomputed
    assert [f.rule for f in sub.findings] == ["R08"]
    from perfxl.checks.engine import run_checks
    from perfxl.model.frames import build_frames

    result = run_checks(build_frames([sub]), strict=True)
    assert _errors(result) == []
    assert set(result.findings["severity"]) <= {"info"}
    assert _result(result, "budget_wan") == pytest.approx(EXPECTED["annual_budget"])
    assert _result(result, "executed_wan") == pytest.approx(EXPECTED["executed"])
    assert _result(result, "exec_rate_calc") == pytest.approx(EXPECTED["rate"])
    assert _result(result, "total_reported") == pytest.approx(EXPECTED["total"])
    assert _result(result, "grade_calc") == "优"


def test_a_filled_sample_reads_and_checks_clean(bench: Workbench) -> None:
    sub = bench.read(_dept())
    assert (sub.profile, sub.layout, sub.findings) == ("department2020", "template", [])
    ex = sub.extract
    assert ex.project["dept"] == "临江市教育局"
    assert ex.project["fiscal_year"] == 2024
    amounts = {(f["source"], f["measure"]): f["amount_wan"] for f in ex.funds}
    assert amounts[("basic", "annual_budget")] == pytest.approx(EXPECTED["basic_budget"])
    assert amounts[("personnel", "executed")] == 3342.6
    assert amounts[("total", "initial_budget")] == pytest.approx(EXPECTED["initial_budget"])
    assert {f["source"] for f in ex.funds} == {"total", "basic", "personnel", "public", "project"}
    assert {f["measure"] for f in ex.funds} == {"initial_budget", "annual_budget", "executed"}
    result = bench.check(_dept())
    assert result.findings.empty, result.findings["message"].tolist()
    assert _result(result, "total_calc") == pytest.approx(EXPECTED["total"])
    assert _result(result, "weight_sum") == 100
    assert _result(result, "n_indicators") == EXPECTED["indicators"]


# ------------------------------------------------------------------ a department's own layout


def test_a_foreign_layout_is_read_right(bench: Workbench) -> None:
    sub = bench.read(_dept("foreign"))
    assert (sub.profile, sub.layout, sub.blocked) == ("department2020", "foreign", False)
    assert [f.rule for f in sub.findings] == ["S12"]
    ex = sub.extract
    assert ex.project["fiscal_year"] == 2024  # from the title row
    assert ex.project["dept"] == "临江市教育局"
    assert ex.project["total_reported"] == pytest.approx(98.79)
    assert ex.project["grade_reported"] == "优"
    # the 其中：财政拨款 line (按收入性质分) is passed over, the five lines are read
    assert [f["source"] for f in ex.funds if f["measure"] == "executed"] == [
        "total",
        "basic",
        "personnel",
        "public",
        "project",
    ]
    total = next(e for e in ex.exec if e["source"] == "total")
    assert (total["rate_reported"], total["score_reported"], total["weight"]) == (97.92, 9.79, 10)
    # 一级/二级 merged down their rows; the 填表说明 under the form is no indicator
    inds = ex.indicators
    assert len(inds) == EXPECTED["indicators"]
    assert [i["level1"] for i in inds] == ["产出指标"] * 4 + ["效益指标"] * 2 + [
        "管理效率",
        "满意度指标",
    ]
    assert [i["level2"] for i in inds[:4]] == ["数量指标", "数量指标", "质量指标", "时效指标"]
    assert inds[-1]["name"] == "学生家长满意度"
    result = bench.check(_dept("foreign"))
    assert _errors(result) == []
    assert _result(result, "budget_wan") == pytest.approx(EXPECTED["annual_budget"])
    assert _result(result, "executed_wan") == pytest.approx(EXPECTED["executed"])
    assert _result(result, "exec_rate_calc") == pytest.approx(EXPECTED["rate"])
    assert _result(result, "exec_rate_reported") == pytest.approx(97.92)
    assert _result(result, "total_calc") == pytest.approx(EXPECTED["total"])
    assert _result(result, "n_indicators") == EXPECTED["indicators"]
    assert _result(result, "grade_calc") == "优"


def _headers_only(path: Path, title: str) -> Path:
    """A sheet with a title and the funds and indicator headers of a self-evaluation form."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = title
    for c, head in enumerate(("资金来源", "年初预算数", "全年预算数", "全年执行数"), start=1):
        ws.cell(3, c, head)
    ws["A4"], ws["B4"], ws["C4"], ws["D4"] = "年度资金总额", 10, 10, 9
    for c, head in enumerate(("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"), 1):
        ws.cell(6, c, head)
    wb.save(path)
    return path


def test_detection_by_title_or_by_the_basic_spending_lines(bench: Workbench, tmp_path) -> None:
    def detected(path: Path) -> str | None:
        return detect_profile(load_book(path, "xlsx"))

    # the title alone (no 基本支出 lines), in a merged title row
    assert detected(_headers_only(tmp_path / "a.xlsx", "2024年度部门整体绩效自评表")) == (
        "department2020"
    )
    assert detected(_headers_only(tmp_path / "b.xlsx", "项目支出绩效自评表")) == "national2020"
    # the lines alone, under a title that does not name the form
    s = _dept("foreign")
    s["foreign"] = {"title": "2024年度绩效自评表（临江市教育局）"}
    assert detected(bench.build(s)) == "department2020"
    # a project form stays one, in our template and in a unit's own layout
    n = bench.national()
    n["layout"], n["foreign"] = "foreign", {"style": "merged_headers"}
    assert detected(bench.build(n)) == "national2020"


# ------------------------------------------------------------------ the project rules that apply


def test_rules_for_project_forms_do_not_judge_a_department_form(bench: Workbench) -> None:
    # in one batch with a project form: the department form's five lines never make F06's
    # "sources do not add up", its blocks never S06/S08's "not the 10/50/30/10 split"
    result = bench.check([_dept(), _dept("foreign"), bench.national()])
    dept_subs = set(result.results.index[result.results["profile"].eq("department2020")])
    mine = result.findings[result.findings["sub"].isin(dept_subs)]
    assert set(mine["rule"]) <= DEPARTMENT_RULES | {"S12"}, mine["message"].tolist()
    assert_quiet(result, "F20")
    assert_quiet(result, "F21")
    assert_quiet(result, "S20")
    # a broken department form fires its own rules, and no project-form rule
    s = _dept()
    s["tables"]["funds"][1]["annual_budget"] = 3900.0
    s["tables"]["indicators"][-1].update(level1="效益指标", level2="社会效益指标")
    result = bench.check([s, bench.national()])
    assert {"F20", "S20"} <= set(result.findings["rule"])
    assert_quiet(result, "F06")
    assert_quiet(result, "S08")


def test_execution_rate_and_score_are_checked_as_on_the_project_form(bench: Workbench) -> None:
    s = _dept()
    s["tables"]["funds"][0]["rate"] = 0.95  # typed over the 执行率 formula
    result = bench.check(s, only={"F01"})
    rows = assert_fires(result, "F01", cell="H6", count=1)
    assert rows.iloc[0]["message"] == (
        "资金总额执行率填报为 95%，按 5875.3 ÷ 6000 万元复核应为 97.92%。"
    )
    s = _dept()
    s["tables"]["funds"][0]["score"] = 10  # typed over the 得分 formula
    result = bench.check(s, only={"F02"})
    rows = assert_fires(result, "F02", cell="I6", count=1)
    assert rows.iloc[0]["message"] == (
        "预算执行率得分填报 10 分，按分值 10 × 执行率 97.92%（最高为分值）应为 9.79 分。"
    )
    s = _dept()
    s["tables"]["funds"][4]["executed"] = 1000.0  # 项目支出 mostly unspent
    result = bench.check(s, only={"F08"})
    rows = assert_fires(result, "F08", cell="H6", count=1)
    assert (
        rows.iloc[0]["message"] == "预算执行率 80.48%，未达 90%（未执行 1171.2 万元），需说明原因。"
    )
    quiet = bench.check(_dept(), only={"F01", "F02", "F08"})
    assert_quiet(quiet, "F01")
    assert_quiet(quiet, "F02")
    assert_quiet(quiet, "F08")


def test_scores_weights_totals_and_grade_are_checked(bench: Workbench) -> None:
    s = _dept()
    s["tables"]["indicators"][0]["actual"] = 27  # 27 of ≥30 schools, the full 15 kept
    result = bench.check(s, only={"I01"})
    rows = assert_fires(result, "I01", cell="I14", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == (15, 13.5)
    # beside I02 on the same cell, I02 names the fault and I01 gives way (checks/overlaps.py)
    result = bench.check(s, only={"I01", "I02"})
    assert_fires(result, "I02", cell="I14", count=1)
    assert_quiet(result, "I01")
    s = _dept()
    s["tables"]["indicators"][1].update(weight=15, score=15)  # the indicators now weigh 95
    result = bench.check(s, only={"S01"})
    rows = assert_fires(result, "S01", cell="H54", count=1)
    assert rows.iloc[0]["message"] == (
        "一级指标分值合计为 105（执行率10+产出50+效益25+满意度10+其他10），应为 100。"
    )
    s = _dept()
    s["fields"]["grade_reported"] = "良"
    result = bench.check(s, only={"G01"})
    rows = assert_fires(result, "G01", cell="H55", count=1)
    assert rows.iloc[0]["message"] == "填报的评价等次为“良”，按复核总分 98.79 应为“优”。"
    s = _dept()
    s["fields"]["total_reported"] = 95
    result = bench.check(s, only={"S03"})
    assert_fires(result, "S03", cell="I54", count=1)
    # 20 points for the execution rate and 80 for the indicators is a scoring of its own
    s = _dept()
    s["tables"]["funds"][0]["weight"] = 20
    s["tables"]["indicators"][0].update(weight=5, score=5)
    result = bench.check(s, only={"S01", "F02", "G01"})
    assert result.findings.empty, result.findings["message"].tolist()
    assert _result(result, "exec_score_calc") == pytest.approx(20 * EXPECTED["rate"] / 100)


# ------------------------------------------------------------------ F20 the lines add up


def test_f20_fires_when_basic_spending_is_not_its_two_lines(bench: Workbench) -> None:
    s = _dept()
    s["tables"]["funds"][1]["annual_budget"] = 3900.0  # typed over the 基本支出 sum
    result = bench.check(s, only={"F20"})
    rows = assert_fires(result, "F20", cell="E7", severity="error", count=1)
    r = rows.iloc[0]
    assert (r["sheet"], r["observed"], r["expected"], r["stake"]) == (SHEET, 3900, 3850, 50)
    assert r["message"] == (
        "全年预算数：基本支出 3900 万元，人员经费 + 公用经费 合计 3850 万元，二者应相等（相差 50 万元）。"
    )


def test_f20_fires_when_the_total_is_not_basic_plus_project(bench: Workbench) -> None:
    s = _dept("foreign")
    s["tables"]["funds"][0]["executed"] = 5000.0  # the printed 资金总额 of a unit's own form
    result = bench.check(s, only={"F20"})
    rows = assert_fires(result, "F20", cell="E5", count=1)
    assert rows.iloc[0]["message"] == (
        "全年执行数：资金总额 5000 万元，基本支出 + 项目支出 合计 5875.3 万元，二者应相等"
        "（相差 875.3 万元）。"
    )


def test_f20_names_the_line_that_is_off_not_the_total_it_carries(bench: Workbench) -> None:
    s = _dept("foreign")
    # 基本支出 misprinted; the 资金总额 is 人员经费 + 公用经费 + 项目支出 and stays unblamed
    s["tables"]["funds"][1]["initial_budget"] = 3700.0
    result = bench.check(s, only={"F20"})
    rows = assert_fires(result, "F20", cell="C7", count=1)
    assert rows.iloc[0]["observed"] == 3700


def test_f20_quiet_when_the_lines_add_up(bench: Workbench) -> None:
    result = bench.check([_dept(), _dept("foreign")], only={"F20"})
    assert_quiet(result, "F20")
    # a difference within tolerance.money_abs is rounding
    s = _dept("foreign")
    s["tables"]["funds"][1]["executed"] = 3828.805
    assert_quiet(bench.check(s, only={"F20"}), "F20")


# ------------------------------------------------------------------ F21 基本支出 execution


def test_f21_fires_on_low_basic_spending(bench: Workbench) -> None:
    s = _dept()
    s["tables"]["funds"][2]["executed"] = 2900.0  # 人员经费: 3386.2 of 3850 spent
    result = bench.check(s, only={"F21"})
    rows = assert_fires(result, "F21", cell="H7", severity="warning")
    r = rows.iloc[0]
    assert (r["observed"], r["expected"], r["stake"]) == (87.95, "90–100", 463.8)
    assert r["message"] == (
        "基本支出执行率 87.95%（全年执行数 3386.2 ÷ 全年预算数 3850 万元），不在 90%–100% 之间；"
        "基本支出保障人员和机构运转，执行偏低或超出预算须在“说明”中写明原因。"
    )


def test_f21_fires_on_basic_spending_over_budget(bench: Workbench) -> None:
    s = _dept()
    s["tables"]["funds"][3]["executed"] = 560.0  # 公用经费 over its 500
    result = bench.check(s, only={"F21"})
    rows = assert_fires(result, "F21", cell="H7", count=1)
    assert rows.iloc[0]["observed"] == 101.37


def test_f21_quiet_within_the_range_and_by_configuration(bench: Workbench) -> None:
    assert_quiet(bench.check([_dept(), _dept("foreign")], only={"F21"}), "F21")
    s = _dept()
    s["tables"]["funds"][2]["executed"] = 2900.0
    cfg = from_mapping({"department": {"basic_rate_low": 85}})
    assert_quiet(bench.check(s, cfg=cfg, only={"F21"}), "F21")


# ------------------------------------------------------------------ S20 the indicator blocks


def test_s20_fires_without_duties_or_output_and_satisfaction(bench: Workbench) -> None:
    s = _dept()
    s["tables"]["indicators"][-1].update(level1="效益指标", level2="社会效益指标")
    result = bench.check(s, only={"S20"})
    rows = assert_fires(result, "S20", cell="A14", count=1)
    r = rows.iloc[0]
    assert r["observed"] == "产出指标、效益指标、管理效率"
    assert r["message"] == (
        "部门整体支出绩效指标未设“履职效能”，也未同时设“产出指标”和“满意度指标”"
        "（现有一级指标：产出指标、效益指标、管理效率）；部门整体绩效应反映履职产出和服务对象满意度。"
    )


def test_s20_quiet_with_duties_or_output_and_satisfaction(bench: Workbench) -> None:
    assert_quiet(bench.check([_dept(), _dept("foreign")], only={"S20"}), "S20")
    s = _dept()
    for ind in s["tables"]["indicators"][:5]:
        ind["level1"] = "履职效能"
    for ind in s["tables"]["indicators"][5:]:
        ind["level1"] = "管理效率"
    assert_quiet(bench.check(s, only={"S20"}), "S20")


# ------------------------------------------------------------------ the summary


def test_the_summary_lists_it_as_its_own_kind(bench: Workbench, tmp_path) -> None:
    from perfxl.report.summary import write_summary
    from perfxl.run.batch import run_batch

    src = tmp_path / "in"
    src.mkdir()
    old = _dept()
    old["fields"]["submit_date"] = "2025-01-05"  # replaced by the example's 2025-03-10
    health = _dept("foreign")
    health["fields"]["dept"] = "临江市卫生健康委员会"
    for name, sample in (
        ("项目.xlsx", bench.national()),
        ("教育局_v1.xlsx", old),
        ("教育局_v2.xlsx", _dept()),
        ("卫健委.xlsx", health),
    ):
        (src / name).write_bytes(bench.build(sample).read_bytes())
    out = tmp_path / "out"
    run = run_batch([src], out, jobs=1)
    write_summary(run, out / "summary.xlsx", outdir=out)
    wb = openpyxl.load_workbook(out / "summary.xlsx")
    ws = wb["项目汇总"]
    top = int(ws.auto_filter.ref.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    rows = list(ws.iter_rows(min_row=top, values_only=True))
    table = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    kinds = sorted(r["模板"] for r in table)
    assert kinds == [
        "全国自评表2020",
        "部门整体自评表",
        "部门整体自评表",
        "部门整体自评表（非标准格式）",
    ]
    whole = [r for r in table if str(r["模板"]).startswith("部门整体")]
    assert {r["状态"] for r in whole} <= {"通过", "已被替代"}
    assert [r["预算数（万元）"] for r in whole if r["状态"] == "通过"] == [6000, 6000]
    # one department form a year: the last filed (填报日期 2025-03-10) replaces the older one
    replaced = [r for r in whole if r["状态"] == "已被替代"]
    assert [Path(r["源文件"]).name for r in replaced] == ["教育局_v1.xlsx"]
    # the department's projects are rolled up without its department-wide form
    depts = wb["部门汇总"]
    top = int(depts.auto_filter.ref.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    rows = list(depts.iter_rows(min_row=top, values_only=True))
    dept = next(
        dict(zip(rows[0], r, strict=True))
        for r in rows[1:]
        if r[0] == "部门" and r[1] == "临江市教育局"
    )
    assert (dept["项目数"], dept["预算合计（万元）"]) == (1, pytest.approx(300))
    assert all(r[1] != "临江市卫生健康委员会" for r in rows[1:])  # no projects, no roll-up
    figures = {
        str(label).strip("　 "): value
        for label, value in wb["总览"].iter_rows(min_row=5, max_col=2, values_only=True)
        if label is not None
    }
    assert figures["参与汇总的项目"] == 1
    assert figures["部门整体自评表（不计入项目）"] == 2
    assert figures["预算合计（万元）"] == pytest.approx(300)
