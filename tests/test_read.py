"""The reader: the seed's exact numbers, template files changed by hand, foreign layouts, cell addresses."""

from __future__ import annotations

import copy
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc

from perfxl.read.values import raw_text
from perfxl.read.workbook import read_workbook
from perfxl.run import check as pipeline
from perfxl.spec import parse_a1
from synth.foreign import STYLES
from synth.samples import national_example

SHEET = "项目支出绩效自评表"


def value_at(path: Path, sheet: str, ref: str) -> object:
    """What the workbook holds at sheet!ref (calamine, so .xls works too)."""
    wb = pc.CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    r, c = parse_a1(ref)
    if r >= len(rows) or c >= len(rows[r]):
        return None
    v = rows[r][c]
    return None if v == "" else v


# ------------------------------------------------------------------ the seed


@pytest.fixture(scope="module")
def seed_sub(tmp_path_factory):
    from conftest import Workbench

    bench = Workbench(tmp_path_factory.mktemp("seed"))
    return read_workbook(bench.build(bench.seed()))


def test_seed_profile_and_cover(seed_sub) -> None:
    assert (
        seed_sub.profile == "hainan2011" and seed_sub.layout == "template" and not seed_sub.blocked
    )
    p = seed_sub.extract.project
    assert p["project_name"] == "信息系统运行维护"
    assert p["unit"] == "海南省商务厅信息中心"
    assert p["unit_alias"] == "海南省海防与口岸办公室信息中心"
    assert p["dept"] == "海南省商务厅"
    assert p["fiscal_year"] is None and p["fiscal_year_inferred"] == 2018
    assert (
        p["eval_type"] == "完成结果评价"
        and p["org_mode"] == "项目单位"
        and p["eval_agency"] == "项目单位评价组"
    )
    assert str(p["eval_date"]) == "2019-06-11" and str(p["submit_date"]) == "2019-06-11"
    assert p["leader"] == "刘士广" and p["phone"] == "65366010"
    assert p["total_reported"] == 97 and p["grade_reported"] == "优"
    assert seed_sub.extract.refs["total_reported"] == ("绩效评价指标评分", "G23")


def test_seed_funds(seed_sub) -> None:
    funds = {(f["measure"], f["source"]): f["amount_wan"] for f in seed_sub.extract.funds}
    assert funds[("planned", "total")] == 589.5
    assert funds[("arrived", "total")] == 589.5
    assert funds[("used", "total")] == 588.06
    assert funds[("planned", "provincial")] == 589.5
    assert funds[("used", "provincial")] is None


def test_seed_scoring_rows(seed_sub) -> None:
    items = seed_sub.extract.score_items
    assert len(items) == 20  # the seed's table has 20 三级 rows (3 一级, 9 二级)
    assert [i["score"] for i in items] == [
        4,
        3,
        5,
        2,
        6,
        3,
        2,
        7,
        3,
        1,
        9,
        5,
        4,
        3,
        3,
        7,
        7,
        7,
        8,
        8,
    ]
    assert [i["w3"] for i in items] == [4, 3, 5, 2, 6, 3, 2, 7, 3, 1, 9, 5, 4, 3, 3, 8, 8, 8, 8, 8]
    assert {(i["level1"], i["w1"]) for i in items} == {
        ("项目决策", 20),
        ("项目管理", 25),
        ("项目绩效", 55),
    }
    assert items[-1]["level3"] == "服务对象满意度" and items[-1]["score_cell"] == "G22"
    assert sum(i["score"] for i in items) == 97


def test_seed_targets_and_tiers(seed_sub) -> None:
    ind = seed_sub.extract.indicators
    assert [i["name"] for i in ind] == ["租用网络运行线路", "网络宽带保障率", "网络运行故障率"]
    assert ind[2]["level1"] == "成效指标"  # the blank 指标类型 of the merged cell is filled down
    assert ind[0]["t_value"] == 49 and ind[0]["t_unit"] is None
    assert ind[0]["a_value"] == 50 and ind[0]["a_unit"] == "条"
    assert ind[1]["t_value"] == 99 and ind[1]["t_percent"]
    assert ind[2]["a_value"] == 0 and ind[2]["a_note"] == "text_lexicon"  # 未出网络故障
    assert ind[0]["direction"] == "range"
    assert ind[2]["direction"] == "neg"
    tiers = {
        (t["seq"], t["tier"]): (t["lo"], t["lo_incl"], t["hi"], t["hi_incl"])
        for t in seed_sub.extract.tiers
    }
    inf = None
    assert tiers[(1, "优")] == (47, True, 51, False)
    assert tiers[(1, "良")] == (43, True, 46, False)
    assert tiers[(1, "中")] == (40, True, 45, False)
    assert tiers[(1, "差")] == (inf, False, 40, False)
    assert tiers[(2, "优")] == (95, True, inf, False)
    assert tiers[(2, "差")] == (
        inf,
        False,
        85,
        False,
    )  # "85%以下" excludes 85 by the neighbour rule
    assert tiers[(3, "优")] == (inf, False, 5, False)
    assert tiers[(3, "差")] == (inf, False, 15, True)  # the seed's wrong-way 差 tier is kept


def test_seed_evaluators_and_narrative(seed_sub) -> None:
    ev = seed_sub.extract.evaluators
    assert len(ev) == 9
    assert ev[7]["name"] == "冯钰" and ev[0]["title"] == "主任"
    nar = {n["path"]: n["text"] for n in seed_sub.extract.narrative}
    assert len(nar) == 16
    assert "589.5万元，总支出588.06万元，全年完成指标99.76%" in nar["2.2"]
    assert nar["7"] == "无情况说明。"


def test_seed_exec_rate_and_grade(bench) -> None:
    result = bench.check(bench.seed(), only=set())
    r = result.results.iloc[0]
    assert round(r["exec_rate_calc"], 2) == 99.76
    assert r["total_calc"] == 97 and r["grade_calc"] == "优"


# ------------------------------------------------------------------ national template


def test_national_template_fields_and_cells(bench) -> None:
    sub = bench.read(bench.national())
    ex = sub.extract
    assert sub.layout == "template" and sub.profile == "national2020"
    assert ex.project["fiscal_year"] == 2024 and ex.project["project_code"] == "2024-JY-001"
    assert ex.refs["project_name"] == (SHEET, "B3")
    funds = {(f["measure"], f["source"]): (f["amount_wan"], f["cell"]) for f in ex.funds}
    assert funds[("annual_budget", "total")] == (300.0, "E7")
    assert funds[("executed", "current_year")] == (294.6, "F8")
    total = next(e for e in ex.exec if e["source"] == "total")
    assert total["rate_reported"] == pytest.approx(98.2) and total[
        "score_reported"
    ] == pytest.approx(9.82)
    assert total["rate_cell"] == "H7" and total["weight"] == 10
    first = ex.indicators[0]
    assert (first["name"], first["t_cmp"], first["t_value"], first["a_value"]) == (
        "受益学生人数",
        ">=",
        1200,
        1210,
    )
    assert (first["target_cell"], first["actual_cell"], first["score_cell"]) == (
        "E14",
        "G14",
        "I14",
    )
    assert ex.indicators[5]["a_qual"] == "A" and ex.indicators[5]["direction"] == "qual"


def _roundtrip(bench, sample, change) -> Path:
    """Build, then change the workbook with openpyxl as a unit would in Excel."""
    path = bench.build(sample)
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def _shift_names(wb, sheet: str, from_row: int, n: int) -> None:
    """What Excel does to defined names when rows are inserted above them."""
    import re

    for _name, dn in list(wb.defined_names.items()):
        text = dn.attr_text
        if f"'{sheet}'!" not in text:
            continue

        def bump(m, from_row=from_row, n=n):
            row = int(m.group(2))
            return f"${m.group(1)}${row + n if row >= from_row else row}"

        dn.attr_text = re.sub(r"\$([A-Z]+)\$(\d+)", bump, text)


def test_rows_inserted_inside_the_indicator_table(bench) -> None:
    def insert(wb):
        ws = wb[SHEET]
        for rng in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(rng))
        ws.insert_rows(16, amount=2)  # two blank rows between the 2nd and 3rd indicator
        _shift_names(wb, SHEET, 16, 2)

    sub = read_workbook(_roundtrip(bench, bench.national(), insert))
    ind = sub.extract.indicators
    assert len(ind) == 7
    assert ind[2]["name"] == "营养餐按时供应率" and ind[2]["target_cell"] == "E18"
    assert sub.extract.refs["total_reported"] == (SHEET, "I56")


def test_blank_rows_and_hidden_rows_between_indicators(bench) -> None:
    s = bench.national()
    rows = s["tables"]["indicators"]
    s["tables"]["indicators"] = [rows[0], {}, rows[1], {}, {}, *rows[2:]]

    def hide(wb):
        wb[SHEET].row_dimensions[16].hidden = True

    sub = read_workbook(_roundtrip(bench, s, hide))
    assert [i["name"] for i in sub.extract.indicators] == [r["name"] for r in rows]
    assert sub.extract.indicators[1]["name_cell"] == "C16"


def test_merged_category_cells_are_filled_down(bench) -> None:
    s = bench.national()
    for row in s["tables"]["indicators"][1:4]:
        row.pop("level1")
        row.pop("level2")

    def merge(wb):
        wb[SHEET].merge_cells("A14:A17")
        wb[SHEET].merge_cells("B14:B17")

    sub = read_workbook(_roundtrip(bench, s, merge))
    assert [i["level1"] for i in sub.extract.indicators[:4]] == ["产出指标"] * 4
    assert [i["level2"] for i in sub.extract.indicators[:4]] == ["数量指标"] * 4


def test_renamed_sheet_with_names_updated(bench) -> None:
    def rename(wb):
        wb[SHEET].title = "自评表（2024）"
        for _, dn in wb.defined_names.items():
            dn.attr_text = dn.attr_text.replace(f"'{SHEET}'", "'自评表（2024）'")

    sub = read_workbook(_roundtrip(bench, bench.national(), rename))
    assert sub.layout == "template"
    assert sub.extract.refs["project_name"] == ("自评表（2024）", "B3")
    assert len(sub.extract.indicators) == 7


def test_renamed_sheet_with_stale_names_falls_back_to_labels(bench) -> None:
    def rename(wb):
        wb[
            SHEET
        ].title = "我的自评表"  # names still say the old sheet: as a careless tool would leave them

    sub = read_workbook(_roundtrip(bench, bench.national(), rename))
    assert not sub.blocked
    assert sub.extract.refs["project_name"] == ("我的自评表", "B3")
    assert sub.extract.project["project_code"] == "2024-JY-001"
    assert len(sub.extract.indicators) == 7


def test_metadata_removed_and_extra_sheets_reordered(bench) -> None:
    def strip(wb):
        del wb["_meta"]
        for name in list(wb.defined_names):
            del wb.defined_names[name]
        extra = wb.create_sheet("说明", 0)
        extra["A1"] = "本表由单位自行整理"
        wb.move_sheet(SHEET, offset=-1)

    sub = read_workbook(_roundtrip(bench, bench.national(), strip))
    assert sub.profile == "national2020" and sub.layout == "foreign"
    assert "S12" in [f.rule for f in sub.findings]
    assert len(sub.extract.indicators) == 7
    funds = {(f["measure"], f["source"]): f["amount_wan"] for f in sub.extract.funds}
    assert funds[("annual_budget", "current_year")] == 300.0


def test_uncalculated_formulas_read_as_blank_not_zero(bench) -> None:
    """openpyxl drops cached values: the template's formulas are recomputed (R08), never a false 0."""
    sub = read_workbook(_roundtrip(bench, bench.national(), lambda wb: None))
    assert sub.extract.project["total_reported"] == 98.82
    assert "R08" in [f.rule for f in sub.findings]
    funds = {(f["measure"], f["source"]): f["amount_wan"] for f in sub.extract.funds}
    assert funds[("annual_budget", "current_year")] == 300.0


def test_a_workbook_with_no_form_at_all(tmp_path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "年度工作总结"
    path = tmp_path / "总结.xlsx"
    wb.save(path)
    sub = read_workbook(path)
    assert sub.blocked and [f.rule for f in sub.findings] == ["S11"]


def test_missing_indicator_block_blocks_business_rules(bench) -> None:
    def drop(wb):
        ws = wb[SHEET]
        for rng in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(rng))
        ws.delete_rows(13, 45)
        for name in list(wb.defined_names):
            del wb.defined_names[name]
        del wb["_meta"]

    sub = read_workbook(_roundtrip(bench, bench.national(), drop))
    assert sub.blocked
    s11 = [f for f in sub.findings if f.rule == "S11"]
    assert s11 and "绩效指标表" in s11[0].message


# ------------------------------------------------------------------ foreign layouts


def _foreign(style: str, **opts) -> dict:
    s = copy.deepcopy(national_example())
    s["layout"] = "foreign"
    s["foreign"] = {"style": style, **opts}
    return s


FOREIGN_STYLES = [s for s in STYLES if s != "xls"]


@pytest.mark.parametrize("style", FOREIGN_STYLES)
def test_foreign_layout_reads_the_same_project(style, bench) -> None:
    sample = _foreign(style)
    path = bench.build(sample, f"{style}.xlsx")
    sub = read_workbook(path)
    assert sub.profile == "national2020" and sub.layout == "foreign", style
    assert not sub.blocked, [f.message for f in sub.findings]
    ex = sub.extract
    assert ex.project["project_name"] == "学生营养改善计划"
    assert ex.project["unit"] == "临江市第一中学"
    funds = {(f["measure"], f["source"]): f["amount_wan"] for f in ex.funds}
    assert funds[("annual_budget", "current_year")] == pytest.approx(300.0)
    assert funds[("executed", "current_year")] == pytest.approx(294.6)
    expected = sample["tables"]["indicators"]
    assert [i["name"] for i in ex.indicators] == [r["name"] for r in expected]
    assert [i["weight"] for i in ex.indicators] == [r["weight"] for r in expected]
    assert [i["score_reported"] for i in ex.indicators] == [r["score"] for r in expected]
    assert [i["level1"] for i in ex.indicators] == [r["level1"] for r in expected]
    # every address points at the cell that holds the value
    for ind in ex.indicators:
        for key, raw in (
            ("target_cell", ind["target_raw"]),
            ("actual_cell", ind["actual_raw"]),
            ("score_cell", ind["score_reported"]),
        ):
            held = value_at(path, ind["sheet"], ind[key])
            if isinstance(raw, float):
                assert float(held) == raw, (style, key)
            elif raw is not None and key != "target_cell":
                assert raw_text(held) == raw, (style, key, ind[key])
    if "grade_reported" in ex.refs:  # the Anhui form prints no grade row
        grade_sheet, grade_cell = ex.refs["grade_reported"]
        assert value_at(path, grade_sheet, grade_cell) == "优"
    total_sheet, total_cell = ex.refs["total_reported"]
    assert value_at(path, total_sheet, total_cell) == pytest.approx(98.82)


def test_foreign_amounts_in_yuan(bench) -> None:
    sub = read_workbook(bench.build(_foreign("yunnan", money_unit="元"), "yn.xlsx"))
    funds = {(f["measure"], f["source"]): f for f in sub.extract.funds}
    f = funds[("annual_budget", "current_year")]
    assert f["amount_wan"] == pytest.approx(300.0)
    assert f["unit"] == "元"


def test_foreign_year_from_title_and_missing_level1_words(bench) -> None:
    sample = _foreign("anhui", year_in_title=True, missing_level1_words=True)
    sub = read_workbook(bench.build(sample, "ah.xlsx"))
    assert sub.extract.project["fiscal_year"] == 2024
    assert sub.extract.project["fiscal_year_source"] == "title"
    assert [i["level1"] for i in sub.extract.indicators] == [
        r["level1"] for r in sample["tables"]["indicators"]
    ]


def test_xls_legacy_format(bench) -> None:
    pytest.importorskip("xlwt")
    sub = read_workbook(bench.build(_foreign("xls"), "legacy.xls"))
    assert sub.format == "xls" and sub.profile == "national2020" and not sub.blocked
    assert len(sub.extract.indicators) == 7


def test_read_batch_three_lines(bench, tmp_path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, s in (("a.xlsx", bench.national()), ("b.xlsx", bench.seed())):
        (folder / name).write_bytes(bench.build(s).read_bytes())
    frames = pipeline.read_batch([folder])
    assert len(frames.projects) == 2
    assert set(frames.projects["profile"]) == {"national2020", "hainan2011"}
    assert len(frames.indicators) == 7 + 3
    assert len(frames.tiers) == 12
    assert len(frames.score_items) == 20
    assert frames.indicators["sub"].isin(frames.projects["sub"]).all()
