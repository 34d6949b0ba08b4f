"""Headers in the units' own words: funds and indicator columns read by meaning, and said so (S13)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Alignment

from perfxl.read.grammar.headers import header_meaning
from perfxl.read.workbook import read_workbook
from perfxl.run.check import check_files

BASE_FUNDS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
BASE_INDICATORS = (
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
)
# (一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分)
INDICATORS = (
    ("产出指标", "数量指标", "完成堤防巡查次数", "≥12次", "12次", 20, 20),
    ("产出指标", "质量指标", "巡查覆盖率", "100%", "100%", 15, 15),
    ("产出指标", "时效指标", "汛前检查完成时间", "2022年5月底前", "2022年5月", 15, 15),
    ("效益指标", "社会效益指标", "防汛责任落实率", "100%", "100%", 30, 30),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "95%", 10, 10),
)


def published_form(
    path: Path,
    funds_header: tuple[str, ...] = BASE_FUNDS,
    funds_total: dict[str, object] | None = None,
    indicator_header: tuple[str, ...] = BASE_INDICATORS,
    name_label: str = "项目名称",
    project: str = "水旱灾害防御经费",
    indicators: tuple[tuple[object, ...], ...] = INDICATORS,
) -> Path:
    """A 自评表 laid out as units publish it: a title and a year line above, a tall merged side
    label, the header words given, 其中 rows, the goal block, merged 一级 cells, notes below."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.merge_cells("A1:J1")
    ws["A1"] = "项目支出绩效自评表"
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells("A2:J2")
    ws["A2"] = "（2022年度）"
    ws["A3"], ws["C3"] = name_label, project
    ws.merge_cells("C3:J3")
    ws["A4"], ws["C4"], ws["F4"], ws["H4"] = "主管部门", "天长市水利局", "实施单位", "天长市水利局"
    ws.merge_cells("A5:B9")
    ws["A5"] = "项目资金（万元）"
    ws.cell(5, 3, "资金来源")
    for k, h in enumerate(funds_header):
        ws.cell(5, 4 + k, h)
    total = funds_total or {"年初预算数": 880, "全年预算数": 900, "全年执行数": 855, "分值": 10}
    rows = (
        ("年度资金总额", total),
        ("其中：当年财政拨款", {k: v for k, v in total.items() if k != "分值"}),
        ("上年结转资金", {}),
        ("其他资金", {}),
    )
    for r, (label, values) in enumerate(rows, start=6):
        ws.cell(r, 3, label)
        for k, h in enumerate(funds_header):
            meaning = _printed_meaning(h)
            if meaning in values:
                ws.cell(r, 4 + k, values[meaning])
    ws.merge_cells("A10:A11")
    ws["A10"], ws["B10"], ws["G10"] = "年度总体目标", "预期目标", "实际完成情况"
    ws["B11"], ws["G11"] = "完成年度防汛工作。", "完成年度目标。"
    for k, h in enumerate(indicator_header):
        ws.cell(12, 1 + k, h)
    r = 13
    for level1 in ("产出指标", "效益指标", "满意度指标"):
        block = [x for x in indicators if x[0] == level1]
        ws.merge_cells(start_row=r, start_column=1, end_row=r + len(block) - 1, end_column=1)
        ws.cell(r, 1, level1)
        for row in block:
            for k, v in enumerate(row[1:], start=2):
                ws.cell(r, k, v)
            r += 1
    ws.cell(r, 1, "总分")
    ws.cell(r, 6, 100)
    ws.cell(r, 7, sum(x[6] for x in indicators) + 10)
    ws.cell(r + 2, 1, "填表说明：1. 绩效指标按年初设定的目标填写；2. 金额单位为万元。")
    wb.save(path)
    return path


def _printed_meaning(header: str) -> str:
    """The key in the row dicts a printed funds header stands for (the test's own reading)."""
    for word, key in (
        ("执行率", "执行率"),
        ("得分", "得分"),
        ("分值", "分值"),
        ("年初", "年初预算数"),
        ("执行数", "全年执行数"),
        ("预算", "全年预算数"),
    ):
        if word in header:
            return key
    raise AssertionError(header)


def _total(sub, measure: str) -> float | None:
    return next(
        f["amount_wan"]
        for f in sub.extract.funds
        if f["measure"] == measure and f["source"] == "total"
    )


def test_header_meaning_reads_the_words_units_print() -> None:
    funds = {
        "年初预算数（A）": "initial_budget",
        "调整预算数（A）": "annual_budget",
        "调整后预算数": "annual_budget",
        "预算数（万元）": "annual_budget",
        "全年执行数（B）": "executed",
        "实际支出数": "executed",
        "执行率（C=B/A）": "rate",
        "执行率（B/A）": "rate",
        "得分（20分*执行率）": "score",
        "资金来源": "source",
    }
    for text, key in funds.items():
        assert header_meaning("funds", text) == key, text
    indicators = {
        "全年完成值": "actual",
        "实际完成值（截至12月31日）": "actual",
        "完成情况": "actual",
        "指标值": "target",
        "度量单位": "unit",
        "指标性质": "direction",
        "未完成原因分析": "deviation",
        "三级指标名称": "name",
    }
    for text, key in indicators.items():
        assert header_meaning("indicators", text) == key, text
    # not a column name: a block label, a sentence, a non-text cell
    assert header_meaning("indicators", "绩效指标") is None
    assert header_meaning("funds", "项目资金（万元）") is None
    assert header_meaning("funds", "说明：年初预算数按批复填写，执行数按国库支付数填写。") is None
    assert header_meaning("funds", 880) is None


def test_the_template_header_is_read_by_its_labels(tmp_path) -> None:
    sub = read_workbook(published_form(tmp_path / "f.xlsx"))
    assert not sub.blocked
    assert (_total(sub, "annual_budget"), _total(sub, "executed")) == (900, 855)
    assert {h["how"] for h in sub.extract.headers} == {"label"}
    assert not [f for f in sub.findings if f.rule == "S13"]


def test_without_a_full_year_budget_the_initial_budget_is_the_denominator(tmp_path) -> None:
    header = ("年初预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）", "得分")
    path = published_form(
        tmp_path / "f.xlsx", header, {"年初预算数": 880, "全年执行数": 836, "分值": 10}
    )
    sub = read_workbook(path)
    assert not sub.blocked  # was S11 缺少资金表
    assert (_total(sub, "annual_budget"), _total(sub, "executed")) == (880, 836)
    (s13,) = [f for f in sub.findings if f.rule == "S13"]
    assert "无“全年预算数”列，以「年初预算数（A）」代替" in s13.message
    rate = check_files([path]).results.iloc[0]["exec_rate_calc"]
    assert rate == pytest.approx(95.0)


@pytest.mark.parametrize(
    ("header", "printed"),
    [
        (("预算数", "执行数", "执行率", "得分（20分*执行率）"), "「预算数」→全年预算数"),
        (
            ("年初预算数", "调整预算数（A）", "全年执行数（B）", "分值", "执行率（C=B/A）", "得分"),
            "「调整预算数（A）」→全年预算数",
        ),
        (("年初预算数", "调整后预算数", "全年执行数", "分值", "执行率", "得分"), None),
    ],
    ids=["budget-and-spent", "adjusted-lettered", "adjusted-after"],
)
def test_other_budget_headers_are_read_by_meaning(tmp_path, header, printed) -> None:
    path = published_form(tmp_path / "f.xlsx", header)
    sub = read_workbook(path)
    assert not sub.blocked
    assert (_total(sub, "annual_budget"), _total(sub, "executed")) == (900, 855)
    s13 = [f.message for f in sub.findings if f.rule == "S13"]
    if printed is None:  # 调整后预算数 is a known label of the column
        assert s13 == []
    else:
        assert len(s13) == 1 and printed in s13[0]


@pytest.mark.parametrize("actual", ["全年完成值", "实际完成值（截至12月31日）", "完成情况"])
def test_actual_value_columns_named_otherwise(tmp_path, actual) -> None:
    header = tuple(actual if h == "实际完成值" else h for h in BASE_INDICATORS)
    path = published_form(tmp_path / "f.xlsx", indicator_header=header)
    sub = read_workbook(path)
    assert [i["actual_raw"] for i in sub.extract.indicators] == [x[4] for x in INDICATORS]
    report = check_files([path])
    # no "为空" finding for the actual values the column holds
    blanks = report.findings[report.findings["rule"] == "S05"]
    assert not blanks["message"].str.contains("实际完成值").any()


@pytest.mark.parametrize("label", ["专项资金名称", "资金名称", "项目（资金）名称"])
def test_the_project_name_under_the_units_own_label(tmp_path, label) -> None:
    sub = read_workbook(published_form(tmp_path / "f.xlsx", name_label=label))
    assert sub.extract.project["project_name"] == "水旱灾害防御经费"


def test_the_reading_is_shown_in_the_summary_and_in_check_json(tmp_path) -> None:
    import json

    from click.testing import CliRunner

    from perfxl.cli import main
    from perfxl.report.summary import write_summary
    from perfxl.run.batch import run_batch

    src = tmp_path / "in"
    src.mkdir()
    odd = published_form(src / "odd.xlsx", ("预算数", "执行数", "执行率", "得分（20分*执行率）"))
    published_form(src / "plain.xlsx", project="河道堤防巡查经费")  # another project
    out = tmp_path / "out"
    run = run_batch([src], out, jobs=1)
    write_summary(run, out / "summary.xlsx", outdir=out)
    ws = openpyxl.load_workbook(out / "summary.xlsx")["表头对应"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    header = [c.value for c in ws[1]]
    at = {h: k for k, h in enumerate(header)}
    # the columns read by meaning come first, each with the words the form printed
    first = rows[0]
    assert (first[at["表"]], first[at["读取方式"]]) == ("资金表", "按含义（请核对）")
    guessed = {
        (r[at["字段"]], r[at["表头原文"]]) for r in rows if r[at["读取方式"]] != "按模板表头"
    }
    assert guessed == {("全年预算数", "预算数")}  # 执行数 and 得分（…） are known labels
    assert first[at["单元格"]] == "D5"  # the header cell itself, not the row above
    # every column of both forms is listed: a wrong mapping can be seen, not only a guessed one
    assert len(rows) == len(run.report.frames.headers) > 2 * 10
    result = CliRunner().invoke(main, ["check", "--json", str(odd)])
    (data,) = json.loads(result.output)["submissions"]
    by_column = {(h["table"], h["column"]): h for h in data["headers"]}
    assert by_column[("funds", "annual_budget")]["header"] == "预算数"
    assert by_column[("funds", "annual_budget")]["how"] == "meaning"
    assert by_column[("indicators", "name")]["how"] == "label"
