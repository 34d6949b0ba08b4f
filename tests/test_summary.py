"""summary.xlsx read back: sheets, headers, counts, roll-ups, injection, spill, links, formats."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from conftest import Workbench
from python_calamine import CalamineWorkbook

from perfxl.checks import load_all
from perfxl.report import summary
from perfxl.report.run_result import RunResult
from perfxl.report.summary import write_summary
from perfxl.report.text import catalogue_rows
from perfxl.run.batch import run_batch

SHEETS = [
    "总览",
    "项目汇总",
    "问题清单",
    "部门汇总",
    "指标明细",
    "绩效目标",
    "表头对应",
    "未提交",
    "规则说明",
    "运行信息",
]
INJECTED = ("=1+1", "@SUM(A1)", "+cmd", "-2+3")


# ---------------------------------------------------------------- one batch for the module


def _variant(bench: Workbench, **fields: Any) -> dict[str, Any]:
    s = bench.national()
    s["fields"].update(fields)
    return s


def _make_batch(root: Path) -> tuple[Path, Path]:
    """Two projects of one department with different budgets, a project whose names are formulas,
    a resubmission, an identical copy, a zipped Hainan form, a text file, and a roster."""
    (root / "build").mkdir(parents=True)
    bench = Workbench(root / "build")
    src = root / "in"
    (src / "sub").mkdir(parents=True)
    a = _variant(bench)  # 临江市教育局 / 临江市第一中学: budget 300, executed 294.6
    b = _variant(
        bench,
        project_code="2024-JY-002",
        project_name="课后服务",
        unit="临江市实验小学",
        grade_reported="良",  # reported grade differs from the recomputed 优
    )
    b["tables"]["funds"][1] = {"initial_budget": 100.0, "annual_budget": 100.0, "executed": 50.0}
    b["tables"]["indicators"][0]["actual"] = 1000  # below target, full score kept: total differs
    c = _variant(
        bench, project_code="2024-X-003", project_name="=1+1", unit="@SUM(A1)", dept="+cmd"
    )
    c["tables"]["indicators"][0]["name"] = "-2+3"
    river = {
        "project_code": "2024-SL-009",
        "project_name": "河道保洁",
        "unit": "临江市河道站",
        "dept": "临江市水利局",
    }
    d1 = _variant(bench, **river, submit_date="2025-01-10")
    d2 = _variant(bench, **river, submit_date="2025-02-20")
    for name, s in (
        ("a.xlsx", a),
        ("b.xlsx", b),
        ("c.xlsx", c),
        ("d_v1.xlsx", d1),
        ("d_v2.xlsx", d2),
    ):
        (src / name).write_bytes(bench.build(s).read_bytes())
    (src / "sub" / "a_copy.xlsx").write_bytes((src / "a.xlsx").read_bytes())
    (src / "readme.txt").write_text("说明", encoding="utf-8")
    with zipfile.ZipFile(src / "bundle.zip", "w") as zf:
        zf.write(bench.build(bench.seed(), "seed.xlsx"), "海南/种子.xlsx")
    roster = root / "roster.csv"
    roster.write_text(
        "项目编码,项目名称,单位,主管部门,批复预算\n"
        "2024-JY-001,学生营养改善计划,临江市第一中学,临江市教育局,300\n"
        "2024-JY-002,课后服务,临江市实验小学,临江市教育局,120\n"
        "2024-JY-099,未交项目,临江市某单位,临江市教育局,50\n",
        encoding="utf-8",
    )
    return src, roster


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path, Path]:
    root = tmp_path_factory.mktemp("summary")
    src, roster = _make_batch(root)
    out = root / "out"
    run = run_batch([src], out, jobs=1, roster=roster)
    path = out / "summary.xlsx"
    write_summary(run, path, outdir=out)
    return run, path, out


@pytest.fixture(scope="module")
def run(batch: tuple[RunResult, Path, Path]) -> RunResult:
    return batch[0]


@pytest.fixture(scope="module")
def book(batch: tuple[RunResult, Path, Path]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(batch[1])


def _header_row(ws: Any) -> int:
    """The table header is the first row of the autofilter range."""
    return int(ws.auto_filter.ref.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def table(ws: Any) -> list[dict[str, Any]]:
    """A sheet's table as records keyed by header."""
    top = _header_row(ws)
    rows = list(ws.iter_rows(min_row=top, values_only=True))
    header = rows[0]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


def cells(ws: Any, header: str) -> list[Any]:
    """The cells (objects, not values) of one column under the table header."""
    top = _header_row(ws)
    col = [c.value for c in ws[top]].index(header) + 1
    return [ws.cell(r, col) for r in range(top + 1, ws.max_row + 1)]


def by(rows: list[dict[str, Any]], key: str, value: Any) -> dict[str, Any]:
    found = [r for r in rows if r[key] == value]
    assert len(found) == 1, f"{key}={value!r}: {len(found)} rows"
    return found[0]


# ---------------------------------------------------------------- sheets, headers, counts


def test_sheet_names_and_order(book) -> None:
    assert book.sheetnames == SHEETS
    assert book.active.title == "总览"


def test_headers(book) -> None:
    expected = {
        "项目汇总": summary.PROJECT_COLS,
        "问题清单": summary.FINDING_COLS,
        "部门汇总": summary.department_cols(90.0),
        "指标明细": summary.INDICATOR_COLS,
        "绩效目标": summary.TIER_COLS,
        "表头对应": summary.HEADER_COLS,
        "未提交": summary.ROSTER_COLS,
        "规则说明": summary.RULE_COLS,
        "运行信息": summary.INPUT_COLS,
    }
    for name, cols in expected.items():
        ws = book[name]
        got = [c.value for c in ws[_header_row(ws)]]
        assert got == [c.header for c in cols], name
    # the words auditors filter by, spelled out so a rename is a conscious change
    first = [c.value for c in book["项目汇总"][1]]
    assert first[:5] == ["序号", "状态", "主管部门", "单位", "项目名称"]
    assert {"执行率（复核）", "总分（填报）", "总分（复核）", "等次（复核）", "源文件"} <= set(
        first
    )
    assert [c.value for c in book["问题清单"][1]][:4] == ["级别", "规则", "规则名称", "说明"]
    assert "执行率（Σ执行÷Σ预算）" in [c.value for c in book["部门汇总"][1]]


def test_row_counts(run, book) -> None:
    load_all()
    assert len(table(book["项目汇总"])) == len(run.projects) == 6
    # each cause once, then the cells of the grouped ones
    assert len(table(book["问题清单"])) == len(run.findings) + len(run.finding_details)
    assert len(run.findings) > 0 and len(run.finding_details) > 0
    assert len(table(book["部门汇总"])) == len(run.departments) + len(run.units)
    assert len(table(book["指标明细"])) == len(run.report.checked.frames.indicators)
    assert len(table(book["绩效目标"])) == len(run.report.checked.frames.tiers) > 0
    assert len(table(book["规则说明"])) == len(catalogue_rows())
    assert len(table(book["运行信息"])) == len(run.inputs) == 8


def test_overview_figures(run, book) -> None:
    ws = book["总览"]
    figures = {}
    for label, value in ws.iter_rows(min_row=5, max_col=2, values_only=True):
        if label is None:
            break
        figures[label.strip("　 ")] = value
    assert figures["提交的工作簿"] == 6
    assert figures["参与汇总的项目"] == 5
    assert figures["已被新版本替代"] == 1
    assert figures["重复文件（只读一次）"] == 1
    assert figures["问题：错误"] == int((run.findings["severity"] == "error").sum())
    budget = 300 + 100 + 300 + 300 + 589.5  # a, b, c, river v2, the zipped seed
    assert figures["预算合计（万元）"] == pytest.approx(budget)
    assert figures["未提交"] == 1
    # the sheet index links to every sheet
    targets = {c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink}
    assert {f"'{s}'!A1" for s in SHEETS[1:]} <= targets


def test_charts_on_the_overview(batch) -> None:
    with zipfile.ZipFile(batch[1]) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        xml = "".join(zf.read(n).decode("utf-8") for n in charts)
    assert len(charts) == 2
    assert '<c:barDir val="col"/>' in xml  # grade distribution
    assert '<c:barDir val="bar"/>' in xml  # execution rate by department
    assert "'总览'!$I$" in xml or "总览!$I$" in xml  # execution rates, from the table on 总览


# ---------------------------------------------------------------- numbers


def test_department_rate_is_a_ratio_of_sums(book) -> None:
    rows = table(book["部门汇总"])
    dept = next(r for r in rows if r["层级"] == "部门" and r["主管部门"] == "临江市教育局")
    # a: 294.6 of 300 (98.2 %), b: 50 of 100 (50 %): Σ executed / Σ budget = 344.6 / 400
    assert dept["项目数"] == 2
    assert dept["预算合计（万元）"] == pytest.approx(400)
    assert dept["执行合计（万元）"] == pytest.approx(344.6)
    assert dept["执行率（Σ执行÷Σ预算）"] == pytest.approx(0.8615)
    assert dept["执行率（Σ执行÷Σ预算）"] != pytest.approx((0.982 + 0.5) / 2)  # not a mean of rates
    projects = [r for r in table(book["项目汇总"]) if r["主管部门"] == "临江市教育局"]
    scores = {r["单位"]: (r["总分（复核）"], r["预算数（万元）"]) for r in projects}
    (sa, ba), (sb, bb) = scores["临江市第一中学"], scores["临江市实验小学"]
    assert dept["加权平均分（按预算）"] == pytest.approx((sa * ba + sb * bb) / (ba + bb))
    assert dept["简单平均分"] == pytest.approx((sa + sb) / 2)
    assert dept["加权平均分（按预算）"] != pytest.approx(dept["简单平均分"])
    units = [r for r in rows if r["层级"] == "单位" and r["主管部门"] == "临江市教育局"]
    assert sorted(u["单位"] for u in units) == ["临江市实验小学", "临江市第一中学"]


def test_number_formats(book) -> None:
    ws = book["项目汇总"]
    rate = next(c for c in cells(ws, "执行率（复核）") if c.value is not None)
    assert rate.number_format == "0.00%"
    assert 0 < rate.value <= 1.5  # a fraction, shown as a percent
    money = next(c for c in cells(ws, "预算数（万元）") if c.value is not None)
    assert money.number_format == "#,##0.00"
    a = by(table(ws), "项目名称", "学生营养改善计划")
    assert a["执行率（复核）"] == pytest.approx(0.982)
    dept = book["部门汇总"]
    assert {c.number_format for c in cells(dept, "执行率（Σ执行÷Σ预算）")} == {"0.00%"}
    assert {c.number_format for c in cells(dept, "加权平均分（按预算）")} == {"0.00"}


def test_findings_sorted_by_severity_then_stake(run, book) -> None:
    rows = table(book["问题清单"])
    # the per-cell detail follows the causes, sorted the same way
    detail = [r for r in rows if str(r["说明"]).startswith("（明细）")]
    causes = rows[: len(rows) - len(detail)]
    assert len(detail) == len(run.finding_details) and detail == rows[len(causes) :]
    for part in (causes, detail):
        rank = {"错误": 0, "警告": 1, "提示": 2}
        keys = [(rank[r["级别"]], -(r["涉及金额或分值"] or float("-inf"))) for r in part]
        assert keys == sorted(keys)
    assert {r["规则"] for r in causes} == set(run.findings["rule"])


# ---------------------------------------------------------------- text from units stays text


def test_formula_like_text_is_written_as_text(book) -> None:
    ws = book["项目汇总"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[4].value == "=1+1")
    assert [c.value for c in row[2:5]] == ["+cmd", "@SUM(A1)", "=1+1"]
    assert all(c.data_type == "s" for c in row[2:5])
    ind = book["指标明细"]
    names = [c for c in cells(ind, "三级指标") if c.value == "-2+3"]
    assert names and all(c.data_type == "s" for c in names)
    for ws in book.worksheets:  # the summary never writes a formula
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row), ws.title
    found = [c for c in cells(book["问题清单"], "项目") if c.value in INJECTED]
    assert all(c.data_type == "s" for c in found)


def test_codes_that_look_like_numbers_stay_text(book) -> None:
    codes = cells(book["项目汇总"], "提交编号")
    assert all(c.data_type == "s" for c in codes if c.value is not None)


# ---------------------------------------------------------------- resubmissions and copies


def test_duplicate_and_superseded(book) -> None:
    projects = table(book["项目汇总"])
    old = next(r for r in projects if r["源文件"] == "in/d_v1.xlsx")
    new = next(r for r in projects if r["源文件"] == "in/d_v2.xlsx")
    assert old["状态"] == "已被替代" and old["已被哪个文件替代"] == "in/d_v2.xlsx"
    assert new["状态"] == "通过" and new["已被哪个文件替代"] is None
    a = next(r for r in projects if r["源文件"] == "in/a.xlsx")
    assert a["内容相同的其他文件"] == "in/sub/a_copy.xlsx"
    assert "in/sub/a_copy.xlsx" not in {r["源文件"] for r in projects}  # read once
    inputs = {r["文件"]: r for r in table(book["运行信息"])}
    assert inputs["in/sub/a_copy.xlsx"]["处理结果"] == "重复文件（内容相同，只读一次）"
    assert inputs["in/d_v1.xlsx"]["处理结果"] == "已被新版本替代"
    assert inputs["in/d_v1.xlsx"]["项目状态"] == "已被替代"
    assert inputs["in/readme.txt"]["处理结果"] == "非工作簿，已跳过"
    assert len(inputs["in/a.xlsx"]["SHA-256"]) == 64
    assert inputs["in/bundle.zip/海南/种子.xlsx"]["来源"] == "压缩包"


def test_run_information(run, book) -> None:
    ws = book["运行信息"]
    facts = {
        r[0]: r[1] for r in ws.iter_rows(min_row=3, max_col=2, values_only=True) if r[0] is not None
    }
    assert facts["perfxl 版本"] == run.version
    assert facts["配置来源"] == "defaults"
    assert facts["配置 execution.warn_below"] == "90"
    assert facts["选项 roster"].endswith("roster.csv")
    for key in run.config.flat():
        assert f"配置 {key}" in facts


def test_rules_sheet(run, book) -> None:
    rules = {r["编号"]: r for r in table(book["规则说明"])}
    assert rules["F08"]["级别"] == "警告"
    assert "execution.warn_below = 90" in rules["F08"]["阈值（本次生效值）"]
    counts = run.findings["rule"].value_counts()
    for rid, n in counts.items():
        assert rules[rid]["本次问题数"] == n


# ---------------------------------------------------------------- roster


def test_roster_sheet(book) -> None:
    rows = table(book["未提交"])
    missing = by(rows, "情况", "未提交")
    assert missing["项目名称"] == "未交项目" and missing["批复预算（万元）"] == 50
    assert missing["名单行号"] == 4
    differ = by(rows, "情况", "预算与批复不一致")
    assert differ["项目名称"] == "课后服务"
    assert differ["批复预算（万元）"] == 120
    assert differ["填报预算（万元）"] == 100
    assert differ["差额（万元）"] == pytest.approx(-20)
    extra = {r["项目名称"] for r in rows if r["情况"] == "名单外提交"}
    assert extra == {"=1+1", "河道保洁", "信息系统运行维护"}
    assert "学生营养改善计划" not in {r["项目名称"] for r in rows}  # submitted, budget as approved


def test_no_roster_no_sheet(run, tmp_path) -> None:
    plain = RunResult(**{**run.__dict__, "roster": None})
    path = tmp_path / "s.xlsx"
    write_summary(plain, path, outdir=tmp_path)
    assert openpyxl.load_workbook(path).sheetnames == [s for s in SHEETS if s != "未提交"]


# ---------------------------------------------------------------- links


def test_project_links_to_source_files(batch, book) -> None:
    _run, _path, out = batch
    links = {c.value: c.hyperlink for c in cells(book["项目汇总"], "源文件")}
    assert links["in/a.xlsx"].target == "..\\in\\a.xlsx"
    assert (out / links["in/a.xlsx"].target.replace("\\", "/")).exists()
    zipped = next(k for k in links if "种子.xlsx" in k)
    assert "压缩包 in/bundle.zip" in zipped
    assert links[zipped].target == "..\\in\\bundle.zip"


def test_finding_links_open_the_cell(run, book) -> None:
    rows = list(book["问题清单"].iter_rows(min_row=2))
    header = [c.value for c in book["问题清单"][1]]
    at = {h: header.index(h) for h in ("文件", "工作表", "单元格", "打开位置")}
    linked = 0
    for row in rows:
        link = row[at["打开位置"]].hyperlink
        sheet, cell, file = (row[at[k]].value for k in ("工作表", "单元格", "文件"))
        if file and file.endswith(".xlsx") and "bundle.zip" not in file and sheet:
            assert link is not None, (file, sheet, cell)
            first = cell.split(":")[0] if cell and cell[0].isalpha() else "A1"
            assert link.location == f"'{sheet}'!{first}"
            assert link.target == "..\\" + file.replace("/", "\\")
            linked += 1
        elif "bundle.zip" in (file or ""):
            assert link is None  # Excel cannot open a cell inside a zipped workbook
    assert linked > 5


def test_links_stop_at_the_per_sheet_limit(run, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(summary.book, "MAX_LINKS_PER_SHEET", 3)
    path = tmp_path / "s.xlsx"
    write_summary(run, path, outdir=tmp_path)
    ws = openpyxl.load_workbook(path)["问题清单"]
    assert sum(1 for row in ws.iter_rows() for c in row if c.hyperlink) == 3
    plain = [c for c in cells(ws, "打开位置") if c.value and c.hyperlink is None]
    assert plain and all(c.value.startswith("打开 ") for c in plain)


# ---------------------------------------------------------------- row limit


def test_row_limit_spills_onto_continuation_sheets(run, book, tmp_path) -> None:
    path = tmp_path / "small.xlsx"
    write_summary(run, path, outdir=tmp_path, row_limit=5)
    small = openpyxl.load_workbook(path)
    names = small.sheetnames
    n = len(run.findings) + len(run.finding_details)
    parts = [s for s in names if s == "问题清单" or s.startswith("问题清单(")]
    assert parts == ["问题清单"] + [f"问题清单({k})" for k in range(2, -(-n // 4) + 1)]
    assert names.index("问题清单(2)") == names.index("问题清单") + 1
    rows: list[tuple[Any, ...]] = []
    for name in parts:
        ws = small[name]
        assert ws.max_row <= 5
        assert [c.value for c in ws[1]] == [c.header for c in summary.FINDING_COLS]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
        rows += list(ws.iter_rows(min_row=2, values_only=True))
    whole = list(book["问题清单"].iter_rows(min_row=2, values_only=True))
    assert rows == whole
    # every long sheet spills the same way
    for name, full in (("项目汇总", 6), ("指标明细", None), ("运行信息", 8)):
        spilled = [small[s] for s in names if s == name or s.startswith(name + "(")]
        assert len(spilled) > 1, name
        got = sum(len(table(ws)) for ws in spilled if ws.auto_filter.ref)
        assert got == (full if full is not None else len(table(book[name])))
    # 运行信息 keeps its facts together; the file list, which no longer fits, starts on (2)
    assert small["运行信息"].auto_filter.ref is None
    assert small["运行信息"]["A3"].value == "perfxl 版本"
    assert "（续见 运行信息(2)）" in [c.value for c in small["运行信息"]["A"]]
    assert [c.value for c in small["运行信息(2)"][1]] == [c.header for c in summary.INPUT_COLS]


def test_row_limit_default_is_excel(run, tmp_path) -> None:
    with pytest.raises(ValueError):
        write_summary(run, tmp_path / "x.xlsx", outdir=tmp_path, row_limit=1)


# ---------------------------------------------------------------- formats


def _rules(ws: Any) -> list[tuple[str, Any]]:
    return [(str(cf.sqref), rule) for cf in ws.conditional_formatting for rule in cf.rules]


def test_conditional_formats(book) -> None:
    found = _rules(book["问题清单"])
    severity = {r.formula[0] for ref, r in found if ref.startswith("A2:")}
    assert severity == {'"错误"', '"警告"', '"提示"'}
    grade = {r.formula[0] for ref, r in _rules(book["项目汇总"]) if ref.startswith("Q2:")}
    assert grade == {'"优"', '"良"', '"中"', '"差"'}
    status = {r.formula[0] for ref, r in _rules(book["项目汇总"]) if ref.startswith("B2:")}
    assert status == {'"通过"', '"需修改"', '"无法读取"', '"已被替代"'}
    low = [r for ref, r in _rules(book["部门汇总"]) if r.type == "expression"]
    assert low and "<0.9" in low[0].formula[0]


def test_differences_are_highlighted(book) -> None:
    ws = book["项目汇总"]
    header = [c.value for c in ws[1]]
    reported = header.index("总分（填报）")
    grade = header.index("等次（填报）")
    rows = {r[4].value: r for r in ws.iter_rows(min_row=2)}
    b, a = rows["课后服务"], rows["学生营养改善计划"]
    assert b[reported].fill.fgColor.rgb.endswith("F8CBAD")
    assert b[grade].fill.fgColor.rgb.endswith("F8CBAD") and b[grade].value == "良"
    assert a[reported].fill.fgColor.rgb in (None, "00000000")
    assert "等次 良→优" in b[header.index("填报与复核差异")].value


def test_print_setup_frozen_header_and_widths(book) -> None:
    for ws in book.worksheets:
        assert ws.page_setup.paperSize == 9, ws.title
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # fitToWidth 1 is the OOXML default, so it is not written
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, ws.title
        if ws.title != "总览":
            top = _header_row(ws)
            # 运行信息 lists its files under the run's facts: nothing frozen there
            assert ws.freeze_panes == ("A2" if top == 1 else None), ws.title
            assert ws.print_title_rows == f"${top}:${top}", ws.title
    ws = book["项目汇总"]
    col = [c.value for c in ws[1]].index("项目名称")
    letter = openpyxl.utils.get_column_letter(col + 1)
    longest = max(len(c.value) for c in cells(ws, "项目名称") if c.value)
    assert ws.column_dimensions[letter].width >= 2 * longest  # Chinese characters count twice
    assert summary.text_width("临江市abc") == 9


# ---------------------------------------------------------------- modes and readers


def test_constant_memory_writes_the_same_workbook(run, book, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(summary.book, "CONSTANT_MEMORY_ROWS", 0)
    path = tmp_path / "cm.xlsx"
    write_summary(run, path, outdir=tmp_path)
    cm = openpyxl.load_workbook(path)
    assert cm.sheetnames == book.sheetnames
    for name in SHEETS[1:-1]:
        assert list(cm[name].values) == list(book[name].values), name
    assert all(c.data_type == "s" for c in cells(cm["项目汇总"], "项目名称"))


def test_calamine_reads_it(batch) -> None:
    wb = CalamineWorkbook.from_path(str(batch[1]))
    assert wb.sheet_names == SHEETS
    rows = wb.get_sheet_by_name("项目汇总").to_python()
    assert rows[0][:3] == ["序号", "状态", "主管部门"]
    assert "=1+1" in {r[4] for r in rows[1:]}


def test_an_empty_run_still_writes(tmp_path) -> None:
    now = dt.datetime.now().astimezone()
    empty = RunResult(
        report=None,
        inputs=[],
        projects=pd.DataFrame(),
        findings=pd.DataFrame(),
        departments=pd.DataFrame(),
        units=pd.DataFrame(),
        roster=None,
        started=now,
        finished=now,
    )
    path = tmp_path / "s.xlsx"
    write_summary(empty, path, outdir=tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [s for s in SHEETS if s != "未提交"]
    assert wb["问题清单"].max_row == 1


def test_control_characters_and_undecodable_names(run, tmp_path) -> None:
    projects = run.projects.copy()
    first = projects.index[0]
    projects.loc[first, "project"] = "项目\x07名称\x00"
    # a GBK file name read from disk as bytes arrives with surrogate escapes
    projects.loc[first, "file"] = "in/" + "报告.xlsx".encode("gbk").decode(
        "utf-8", "surrogateescape"
    )
    odd = RunResult(**{**run.__dict__, "projects": projects})
    path = tmp_path / "s.xlsx"
    write_summary(odd, path, outdir=tmp_path)
    rows = table(openpyxl.load_workbook(path)["项目汇总"])
    assert "项目名称" in {r["项目名称"] for r in rows}
    assert "in/报告.xlsx" in {r["源文件"] for r in rows}


def test_a_department_without_a_year(run, tmp_path) -> None:
    # the roll-up fills a missing year with the text （未填写）, among the numeric years
    depts, units = (
        run.departments.astype({"fiscal_year": object}),
        run.units.astype({"fiscal_year": object}),
    )
    depts.loc[depts.index[0], "fiscal_year"] = "（未填写）"
    units.loc[units.index[0], "fiscal_year"] = "（未填写）"
    odd = RunResult(**{**run.__dict__, "departments": depts, "units": units})
    path = tmp_path / "s.xlsx"
    write_summary(odd, path, outdir=tmp_path)
    rows = table(openpyxl.load_workbook(path)["部门汇总"])
    assert len(rows) == len(depts) + len(units)


def test_no_link_for_a_file_name_with_backslashes(bench, tmp_path) -> None:
    """On Linux "..\\..\\x.xlsx" is one file name; Excel on Windows would follow it out of the folder."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "..\\..\\Windows\\calc.xlsx").write_bytes(bench.build(bench.national()).read_bytes())
    out = tmp_path / "out"
    run = run_batch([src], out, jobs=1)
    path = tmp_path / "s.xlsx"
    write_summary(run, path, outdir=out)
    book = openpyxl.load_workbook(path)
    sources = list(cells(book["项目汇总"], "源文件"))
    assert sources and all(c.hyperlink is None for c in sources)
    assert all(c.hyperlink is None for c in cells(book["问题清单"], "打开位置"))
