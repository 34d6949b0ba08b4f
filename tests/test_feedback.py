"""Feedback workbooks: flagged cells filled and noted on a copy, 审核意见 first, losses stated."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import Workbench

import perfxl.report.feedback as feedback
from perfxl.cli import main
from perfxl.report.feedback import COLOURS, annotate
from perfxl.report.outputs import write_outputs
from perfxl.run.batch import run_batch
from perfxl.run.check import check_files

SEED = "海南省商务厅_信息系统运行维护_2018.xlsx"


def _fill(cell) -> str:
    return (cell.fill.start_color.rgb or "")[-6:].upper()


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("seed")
    bench = Workbench(tmp_path)
    src = tmp_path / "in"
    src.mkdir()
    path = src / SEED
    path.write_bytes(bench.build(bench.seed()).read_bytes())
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    out = tmp_path / "out"
    holder = {}

    def finish(run) -> None:
        holder["written"] = write_outputs(run, out, feedback=True)

    run = run_batch([src], out, jobs=1, finish=finish)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # the original is untouched
    return run, out, path


def test_feedback_copy_of_the_seed(seed_run) -> None:
    run, out, _path = seed_run
    target = out / "feedback" / "海南省商务厅_信息系统运行维护_2018_审核意见.xlsx"
    assert target.is_file()
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames[0] == "审核意见"
    assert wb.active.title == "审核意见"
    assert sum(ws.sheet_view.tabSelected for ws in wb.worksheets) == 1  # not opened grouped
    ws = wb["审核意见"]
    assert ws["A1"].value == feedback.MARK
    head = next(r for r in range(1, 20) if ws.cell(r, 1).value == "序号")
    listed = [
        tuple(ws.cell(r, c).value for c in (2, 3, 5))
        for r in range(head + 1, ws.max_row + 1)
        if ws.cell(r, 1).value
    ]
    f = run.findings
    assert len(listed) == len(f[f["sub"] == run.projects.iloc[0]["sub"]])
    assert listed[0][0] == "错误"  # errors first
    # a flagged cell: filled by severity, with a note, and a link that opens it
    t01 = next(r for r in range(head + 1, ws.max_row + 1) if ws.cell(r, 3).value == "T01")
    link = ws.cell(t01, 5).hyperlink
    assert link.location == "'项目绩效目标表'!H5"
    cell = wb["项目绩效目标表"]["H5"]
    assert _fill(cell) == COLOURS["error"][0]
    assert "T01" in cell.comment.text and "绩效标准重叠" in cell.comment.text
    g07 = wb["绩效评价指标评分"]["G23"]
    assert _fill(g07) == COLOURS["warning"][0]
    assert "G07" in g07.comment.text
    # 分值 of 项目绩效 is a merged cell: its top-left cell carries the colour
    s07 = wb["绩效评价指标评分"]["B14"]
    assert _fill(s07) == COLOURS["info"][0]
    # the counts line and the result line
    text = "\n".join(str(ws.cell(r, 1).value or "") for r in range(1, head))
    assert "错误 4 条" in text and "审核结果：需修改" in text
    assert "信息系统运行维护" in text
    assert run.options["feedback_workbooks"] == 1
    data = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert data["options"]["feedback_workbooks"] == 1


def test_the_copy_reads_back_as_the_same_workbook(seed_run) -> None:
    """A unit that fixes the returned copy and sends it back is read as before: the 审核意见
    sheet, fills and notes do not disturb the reader."""
    _run, out, path = seed_run
    copy = next((out / "feedback").iterdir())
    key = ["rule", "sheet", "cell"]
    a = check_files([path]).findings[key].astype(str)
    b = check_files([copy]).findings[key].astype(str)
    b = b[b["rule"] != "R08"]  # openpyxl keeps formulas but not their last results
    assert set(map(tuple, a.values)) == set(map(tuple, b.values))


def _fake(rows: list[tuple[str, str, str | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "rule": rule,
                "severity": sev,
                "sheet": sheet,
                "cell": cell,
                "message": f"{rule} 的说明",
                "observed": "=1+1",
                "expected": None,
                "sub": "s",
            }
            for rule, sev, sheet, cell in rows
        ]
    )


def _plain_workbook(path: Path) -> Path:
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("表")
    for r in range(30):
        ws.write_row(r, 0, [r, r * 2, r * 3, r * 4])
    ws.merge_range("F2:H3", "合并")
    wb.close()
    return path


def test_notes_are_capped_and_ranges_filled(tmp_path, monkeypatch) -> None:
    source = _plain_workbook(tmp_path / "in.xlsx")
    rows = [(f"X{k:02d}", "warning", "表", f"A{k + 1}") for k in range(10)]
    rows += [(f"Y{k}", "error", "表", "B2") for k in range(6)]  # six findings on one cell
    rows += [("Z01", "info", "表", "C5:D7"), ("Z02", "error", "表", "G3")]  # range; merged
    rows += [("Z03", "info", None, None), ("Z04", "info", "没有这张表", "A1")]
    monkeypatch.setattr(feedback, "MAX_NOTES", 5)
    result = annotate(source, "xlsx", _fake(rows), {"sub": "s"}, tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    ws = wb["表"]
    notes = [c.coordinate for row in ws.iter_rows() for c in row if c.comment is not None]
    assert len(notes) == 5 == result.notes
    assert "B2" in notes  # errors get their notes first
    b2 = ws["B2"].comment.text
    assert b2.count("【错误") == feedback.MAX_LINES_PER_NOTE and "另有 2 条" in b2
    assert all(_fill(ws[c]) == COLOURS["info"][0] for c in ("C5", "D5", "C7", "D7"))
    assert _fill(ws["F2"]) == COLOURS["error"][0]  # G3 sits in the merged F2:H3
    assert _fill(ws["A10"]) == COLOURS["warning"][0]  # filled though past the note cap
    sheet = wb["审核意见"]
    text = [c.value for c in sheet["A"] if isinstance(c.value, str)]
    assert any("批注只加在前 5 个单元格" in t for t in text)
    cells = {sheet.cell(r, 3).value: sheet.cell(r, 5) for r in range(1, sheet.max_row + 1)}
    assert cells["Z03"].value == "（整个文件）" and cells["Z03"].hyperlink is None
    assert cells["Z04"].hyperlink is None
    assert cells["Z01"].hyperlink.location == "'表'!C5"
    observed = next(
        sheet.cell(r, 7) for r in range(1, sheet.max_row + 1) if sheet.cell(r, 3).value == "Z01"
    )
    assert observed.value == "=1+1" and observed.data_type == "s"  # text, never a formula


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def _parts(path: Path, prefix: str) -> int:
    with zipfile.ZipFile(path) as zf:
        return sum(1 for n in zf.namelist() if n.startswith(prefix))


@pytest.mark.parametrize("pillow", [True, False])
def test_what_a_copy_loses_is_said(tmp_path, monkeypatch, pillow) -> None:
    import openpyxl.reader.drawings as drawings

    if not pillow:  # CI installs no Pillow: openpyxl then drops pictures
        monkeypatch.setattr(drawings, "PILImage", None)
    elif not drawings.PILImage:  # openpyxl sets it to False when Pillow is missing
        pytest.skip("Pillow is not installed")
    source = tmp_path / "lossy.xlsx"
    wb = xlsxwriter.Workbook(source)
    ws = wb.add_worksheet("数据")
    ws.write_column(0, 0, [1, 2, 3])
    ws.data_validation(0, 1, 5, 1, {"validate": "list", "source": ["是", "否"]})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "='数据'!$A$1:$A$3"})
    ws.insert_chart("D2", chart)
    ws.insert_image("D20", "logo.png", {"image_data": io.BytesIO(_png())})
    ws.insert_textbox("L2", "单位的说明文字")
    ws.write_comment("A1", "单位自己的批注")
    wb.close()
    target = tmp_path / "fb.xlsx"
    result = annotate(source, "xlsx", _fake([("F01", "error", "数据", "A1")]), {}, target)
    line = next(
        c.value
        for c in openpyxl.load_workbook(target)["审核意见"]["A"]
        if isinstance(c.value, str) and c.value.startswith("注意")
    )
    assert "形状、文本框等图形" in line
    assert "图表格式可能简化" in line
    lost_pictures = _parts(target, "xl/media/") < _parts(source, "xl/media/")
    assert lost_pictures == (not pillow)
    assert ("图片 1 张" in line) == lost_pictures
    assert "数据有效性" not in line  # a plain list validation survives
    assert result.lost and result.annotated
    # the unit's own note is kept below ours
    note = openpyxl.load_workbook(target)["数据"]["A1"].comment.text
    assert note.startswith("【错误 F01】") and note.endswith("单位自己的批注")


def test_formats_openpyxl_cannot_open_get_the_list_alone(tmp_path) -> None:
    source = tmp_path / "old.xls"
    source.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    target = tmp_path / "fb.xlsx"
    result = annotate(source, "xls", _fake([("F01", "error", "Sheet1", "A1")]), {}, target)
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["审核意见"]
    assert not result.annotated
    assert any("原文件为 xls 格式" in str(c.value) for c in wb["审核意见"]["A"])


def test_names_do_not_collide_and_the_folder_is_rewritten(bench, tmp_path) -> None:
    src = tmp_path / "in"
    for k, unit in enumerate(("甲", "乙")):
        (src / unit).mkdir(parents=True)
        s = bench.national()
        s["fields"].update(project_code=f"P-{k}", grade_reported="良")
        (src / unit / "自评表.xlsx").write_bytes(bench.build(s).read_bytes())
    (src / "clean.xlsx").write_bytes(bench.build(bench.national()).read_bytes())
    out = tmp_path / "out"
    (out / "feedback").mkdir(parents=True)
    (out / "feedback" / "stale_审核意见.xlsx").write_bytes(b"old")
    run_batch([src], out, jobs=1, finish=lambda r: write_outputs(r, out, feedback=True))
    names = sorted(p.name for p in (out / "feedback").iterdir())
    # clean.xlsx has findings too only if the rules say so; the two 自评表 both get one
    assert "自评表_审核意见.xlsx" in names and "自评表_审核意见_2.xlsx" in names
    assert "stale_审核意见.xlsx" not in names
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no scratch left


def test_feedback_from_mail_and_zip_sources(bench, tmp_path) -> None:
    from test_intake_mail import SHAPES, attachment, message, zipped

    s = bench.national()
    s["fields"]["grade_reported"] = "良"
    wb = bench.build(s).read_bytes()
    other = bench.national()
    other["fields"].update(project_code="P-9", grade_reported="中")
    box = tmp_path / "提交.eml"
    box.write_bytes(
        message(
            attachment(SHAPES["rfc2231_plain"], wb),
            attachment(
                b'Content-Disposition: attachment; filename="pack.zip"\r\n',
                zipped({"单位/项目乙.xlsx": bench.build(other).read_bytes()}),
            ),
        )
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(box), "-o", str(out), "--feedback"])
    assert result.exit_code == 1, result.output
    names = sorted(p.name for p in (out / "feedback").iterdir())
    assert names == ["临江市第一中学_绩效自评表_审核意见.xlsx", "项目乙_审核意见.xlsx"]
    book = openpyxl.load_workbook(out / "summary.xlsx")
    sheet = book["提交记录"]
    head = [c.value for c in sheet[1]]
    col = head.index("审核意见表") + 1
    links = [sheet.cell(r, col).hyperlink for r in range(2, sheet.max_row + 1)]
    # XlsxWriter writes relative links with Windows separators; Excel and WPS follow both
    targets = sorted(h.target.replace("\\", "/") for h in links if h is not None)
    assert targets == [
        "feedback/临江市第一中学_绩效自评表_审核意见.xlsx",
        "feedback/项目乙_审核意见.xlsx",
    ]
    assert str(out / "feedback") in result.output


def test_a_workbook_that_cannot_be_annotated_still_gets_its_list(tmp_path, monkeypatch) -> None:
    source = _plain_workbook(tmp_path / "in.xlsx")

    def broken(*_args, **_kwargs):
        raise ValueError("an odd workbook")

    monkeypatch.setattr(feedback, "_mark_cells", broken)
    result = annotate(
        source, "xlsx", _fake([("F01", "error", "表", "A1")]), {}, tmp_path / "o.xlsx"
    )
    assert not result.annotated
    wb = openpyxl.load_workbook(tmp_path / "o.xlsx")
    assert wb.sheetnames == ["审核意见"]
    assert any("生成标注副本时出错（ValueError）" in str(c.value) for c in wb["审核意见"]["A"])
    gone = annotate(tmp_path / "gone.xlsx", "xlsx", _fake([]), {}, tmp_path / "g.xlsx")
    assert not gone.annotated and (tmp_path / "g.xlsx").is_file()
