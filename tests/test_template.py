"""The standard templates: everything the spec declares is in the written workbook."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.report.template import INSTRUCTIONS_SHEET, write_template
from perfxl.spec import (
    LISTS_SHEET,
    META_SHEET,
    PROFILE_IDS,
    Const,
    Formula,
    defined_name,
    get_profile,
    parse_a1,
    table_name,
)
from perfxl.spec.formulas import evaluate

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", params=PROFILE_IDS)
def written(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / f"{request.param}.xlsx"
    write_template(request.param, path)
    return request.param, path, openpyxl.load_workbook(path)


def _dest(wb, name):
    dn = wb.defined_names[name]
    ((sheet, ref),) = list(dn.destinations)
    return sheet, ref.replace("$", "")


def test_sheets_in_order_and_hidden_helpers(written) -> None:
    profile_id, _, wb = written
    profile = get_profile(profile_id)
    expected = [INSTRUCTIONS_SHEET] + [s.name for s in profile.sheets] + [LISTS_SHEET, META_SHEET]
    assert wb.sheetnames == expected
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert wb[META_SHEET].sheet_state == "hidden"
    assert wb[META_SHEET]["B1"].value == profile_id
    assert wb[META_SHEET]["B2"].value == profile.version


def test_template_id_and_version_are_defined_names(written) -> None:
    profile_id, _, wb = written
    assert wb.defined_names[defined_name("template_id")].attr_text == f'"{profile_id}"'
    assert wb.defined_names[defined_name("template_version")].attr_text == '"1.0"'


def test_every_field_and_table_has_its_defined_name(written) -> None:
    profile_id, _, wb = written
    profile = get_profile(profile_id)
    for sheet, f in profile.fields():
        assert _dest(wb, defined_name(f.key)) == (sheet.name, f.cell), f.key
    for sheet, t in profile.tables():
        where = _dest(wb, table_name(t.key))
        assert where == (sheet.name, f"{t.first_col}{t.header_row}:{t.last_col}{t.last_row}"), t.key


def test_labels_and_headers_are_printed(written) -> None:
    profile_id, _, wb = written
    profile = get_profile(profile_id)
    for sheet, f in profile.fields():
        assert wb[sheet.name][f.label_cell].value == f.label, f.key
    for sheet, t in profile.tables():
        ws = wb[sheet.name]
        header_row = t.header_row + t.header_rows - 1
        for c in t.columns:
            row = header_row if (t.header_rows == 1 or c.group) else t.header_row
            assert ws[f"{c.col}{row}"].value == c.label, (t.key, c.key)
        for i, preset in enumerate(t.presets):
            for key, value in preset.items():
                cell = ws[f"{t.column(key).col}{t.first_row + i}"]
                if isinstance(value, Const) and cell.coordinate not in ws.merged_cells:
                    assert cell.value == value.value
                if isinstance(value, Formula):
                    assert str(cell.value).startswith("=")


def _validation_for(ws, ref):
    for dv in ws.data_validations.dataValidation:
        if ref in dv.sqref:
            return dv
    return None


def test_input_cells_are_unlocked_and_validated(written) -> None:
    profile_id, _, wb = written
    profile = get_profile(profile_id)
    for sheet, f in profile.fields():
        ws = wb[sheet.name]
        cell = ws[f.cell]
        if f.formula is not None:
            assert cell.protection.locked, f.key
            assert str(cell.value).startswith("="), f.key
            continue
        assert not cell.protection.locked, f.key
        dv = _validation_for(ws, f.cell)
        if f.kind == "choice":
            assert dv is not None and dv.type == "list", f.key
            assert dv.formula1 == defined_name("list_" + f.choices)
        if f.kind in ("money", "score", "year", "date"):
            assert dv is not None and dv.type in ("decimal", "whole", "date"), f.key
    for sheet, t in profile.tables():
        ws = wb[sheet.name]
        for c in t.columns:
            for i in range(t.n_rows):
                preset = t.presets[i].get(c.key) if i < len(t.presets) else None
                ref = f"{c.col}{t.first_row + i}"
                if ref in ws.merged_cells and ws[ref].coordinate != ref:
                    continue
                locked = ws[ref].protection.locked
                if isinstance(preset, Const | Formula):
                    assert locked, (t.key, c.key, ref)
                else:
                    assert not locked, (t.key, c.key, ref)
                    if c.kind == "choice":
                        dv = _validation_for(ws, ref)
                        assert dv is not None and dv.type == "list", (t.key, c.key, ref)


def test_sheets_are_protected_without_password(written) -> None:
    profile_id, _, wb = written
    for s in get_profile(profile_id).sheets:
        prot = wb[s.name].protection
        assert prot.sheet is True
        assert not prot.password
        assert prot.insertRows is False  # False in openpyxl means "not prevented"


def test_lists_hold_every_choice(written) -> None:
    profile_id, _, wb = written
    profile = get_profile(profile_id)
    ws = wb[LISTS_SHEET]
    for key, items in profile.lists.items():
        sheet, ref = _dest(wb, defined_name("list_" + key))
        assert sheet == LISTS_SHEET
        top, bottom = ref.split(":")
        col = top.rstrip("0123456789")
        values = [ws[f"{col}{r}"].value for r in range(2, 2 + len(items))]
        assert tuple(values) == items


def test_print_setup(written) -> None:
    profile_id, _, wb = written
    for s in get_profile(profile_id).sheets:
        ws = wb[s.name]
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default and may be omitted
        assert ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        if s.landscape:
            assert ws.page_setup.orientation == "landscape"


def test_instructions_sheet_lists_every_input(written) -> None:
    profile_id, _, wb = written
    profile = get_profile(profile_id)
    text = "\n".join(
        str(c.value) for row in wb[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value
    )
    for _, f in profile.fields():
        if f.formula is None:
            assert f.label in text
    for line in profile.instructions:
        assert line in text


def _fingerprint(path: Path) -> dict:
    """What a template means: cells, formulas, merges, validations, names, protection."""
    wb = openpyxl.load_workbook(path)
    out: dict = {"sheets": wb.sheetnames, "names": {}}
    for name, dn in wb.defined_names.items():
        out["names"][name] = dn.attr_text
    for ws in wb.worksheets:
        out[ws.title] = {
            "cells": {
                c.coordinate: (c.value, c.protection.locked, c.number_format)
                for row in ws.iter_rows()
                for c in row
                if c.value is not None or not c.protection.locked
            },
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": sorted(
                (str(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.prompt)
                for dv in ws.data_validations.dataValidation
            ),
            "widths": {k: v.width for k, v in ws.column_dimensions.items()},
            "protected": ws.protection.sheet,
            "state": ws.sheet_state,
        }
    return out


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_committed_templates_are_fresh(profile_id, tmp_path) -> None:
    fresh = tmp_path / f"{profile_id}.xlsx"
    write_template(profile_id, fresh)
    committed = ROOT / "workbook_templates" / f"{profile_id}.xlsx"
    assert committed.exists()
    assert _fingerprint(committed) == _fingerprint(fresh), (
        f"workbook_templates/{profile_id}.xlsx is stale: run perfxl template -p {profile_id} -o {committed.relative_to(ROOT)}"
    )


def test_writing_is_byte_stable(tmp_path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_template("national2020", a)
    write_template("national2020", b)
    assert a.read_bytes() == b.read_bytes()


def test_cli_template_writes_a_workbook(tmp_path) -> None:
    out = tmp_path / "模板.xlsx"
    result = CliRunner().invoke(main, ["template", "-p", "hainan2011", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(out)
    assert openpyxl.load_workbook(out).sheetnames[1] == "封面"


def test_cli_template_unknown_profile(tmp_path) -> None:
    result = CliRunner().invoke(main, ["template", "-p", "nope", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2


def test_filled_workbook_caches_formula_values(tmp_path) -> None:
    from synth.samples import build_sample, national_example

    path = build_sample(national_example(), tmp_path / "n.xlsx")
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb["项目支出绩效自评表"]
    assert ws["E7"].value == 300  # 年度资金总额 = Σ sources
    assert ws["H7"].value == pytest.approx(294.6 / 300)
    assert ws["I7"].value == pytest.approx(9.82)
    assert ws["I54"].value == pytest.approx(98.82)
    assert ws["H55"].value == "优"


def test_typed_over_formula_stays_a_value(tmp_path) -> None:
    from synth.samples import build_sample, national_example

    s = national_example()
    s["fields"]["total_reported"] = 95
    path = build_sample(s, tmp_path / "n.xlsx")
    ws = openpyxl.load_workbook(path)["项目支出绩效自评表"]
    assert ws["I54"].value == 95
    assert not ws["I54"].protection.locked


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path) -> None:
    from synth.samples import build_sample, national_example

    s = national_example()
    s["fields"]["project_name"] = '=HYPERLINK("http://x","点我")'
    path = build_sample(s, tmp_path / "n.xlsx")
    ws = openpyxl.load_workbook(path)["项目支出绩效自评表"]
    assert ws["B3"].data_type == "s"


@pytest.mark.parametrize(
    ("formula", "cells", "expected"),
    [
        ("=SUM(A1:A3)", {"A1": 1.0, "A2": 2.5, "A3": None}, 3.5),
        ('=IF(N(A1)>0,A2/A1,"")', {"A1": 4.0, "A2": 1.0}, 0.25),
        ('=IF(N(A1)>0,A2/A1,"")', {"A1": None, "A2": 1.0}, ""),
        ("=G7*MIN(1,F7/E7)", {"G7": 10.0, "F7": 120.0, "E7": 100.0}, 10.0),
        ('=IF(ISNUMBER(A1),IF(A1>=90,"优",IF(A1>=80,"良","中")),"")', {"A1": 89.99}, "良"),
        ('=IF(ISNUMBER(A1),IF(A1>=90,"优","良"),"")', {"A1": "x"}, ""),
        ("=-A1+2*(A2-1)", {"A1": 1.0, "A2": 3.0}, 3.0),
        ('="a"&A1', {"A1": 2.0}, "a2"),
    ],
)
def test_formula_evaluator(formula, cells, expected) -> None:
    values = {("S", k): v for k, v in cells.items()}
    assert evaluate(values, "S", formula, lambda v: None) == expected


def test_formula_evaluator_follows_other_sheets_and_formula_cells() -> None:
    values = {("封面", "B4"): "项目", ("S", "A1"): Formula('=封面!B4&"名"')}
    result = evaluate(
        values, "S", '=IF(A1="","",A1)', lambda v: v.text if isinstance(v, Formula) else None
    )
    assert result == "项目名"


def test_parse_a1_roundtrip() -> None:
    assert parse_a1("B3") == (2, 1)
    assert parse_a1("$AA$10") == (9, 26)
