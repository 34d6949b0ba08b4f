"""Hostile and broken inputs: each is accounted for, nothing is lost, changed or executed."""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import re
import signal
import stat
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Workbench, assert_fires, assert_quiet

from perfxl.cli import main
from perfxl.intake.names import display_name, safe_name
from perfxl.read.vet import parse_defined_names, sheet_extent
from perfxl.read.workbook import read_workbook
from perfxl.report.outputs import write_outputs
from perfxl.run.batch import run_batch

OUTPUTS = {"summary.xlsx", "projects.csv", "findings.csv", "run.json"}
STATUSES = {"read", "duplicate", "superseded", "unreadable", "skipped"}
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"}


# ---------------------------------------------------------------- guarantees


def digests(paths: Iterable[Path]) -> dict[str, str]:
    """sha256 of every file under the inputs (folders walked, links not followed)."""
    out: dict[str, str] = {}
    for p in paths:
        files = [p] if not p.is_dir() else [Path(r) / f for r, _, fs in os.walk(p) for f in fs]
        for f in files:
            if f.is_file() and not f.is_symlink():
                out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def assert_guarantees(run, outdir: Path, inputs: list[Path], before: dict[str, str]) -> None:
    """The guarantees of a run, read back from what it wrote."""
    # inputs byte-identical
    assert digests(inputs) == before
    # every input file accounted for, unreadable and skipped ones with a reason
    shown = {i.display: i for i in run.inputs}
    for i in run.inputs:
        assert i.status in STATUSES, (i.display, i.status)
        if i.status in ("unreadable", "skipped", "duplicate", "superseded"):
            assert i.reason, i.display
    for p in inputs:
        base = p.parent
        for f in [p] if not p.is_dir() else [Path(r) / f for r, _, fs in os.walk(p) for f in fs]:
            name = display_name(str(f.relative_to(base) if p.is_dir() else f))
            assert name in shown or any(d.startswith(name + "/") for d in shown), name
    subs = set(run.projects["sub"])
    for i in run.inputs:
        if i.status in ("read", "superseded", "unreadable") and i.sub:
            assert i.sub in subs, i.display
    # outputs complete, and nothing else left in OUTDIR
    assert {p.name for p in outdir.iterdir()} == OUTPUTS
    data = json.loads((outdir / "run.json").read_text(encoding="utf-8"))
    assert len(data["inputs"]) == len(run.inputs)
    import python_calamine

    run_sheet = python_calamine.CalamineWorkbook.from_path(str(outdir / "summary.xlsx"))
    cells = [v for row in run_sheet.get_sheet_by_name("运行信息").to_python() for v in row]
    assert f"输入文件（{len(run.inputs)} 个）" in cells
    # nothing from a workbook is a formula in the summary, or a live formula in the CSVs
    with zipfile.ZipFile(outdir / "summary.xlsx") as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name
    for name in ("projects.csv", "findings.csv"):
        with open(outdir / name, encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not CONTROL.search(cell), (name, cell[:40])
                    if cell[:1] in ("=", "+", "-", "@"):
                        float(cell)  # only numbers may start so; text is quoted with '


def run_and_check(inputs: list[Path], outdir: Path, **kwargs):
    before = digests(inputs)
    run = run_batch(inputs, outdir, **{"jobs": 1, **kwargs})
    write_outputs(run, outdir)
    assert_guarantees(run, outdir, inputs, before)
    return run


class _Findings:
    def __init__(self, findings) -> None:
        self.findings = findings


def _rules_of(run, display: str) -> list[str]:
    sub = next(i.sub for i in run.inputs if i.display == display)
    f = run.findings
    return list(f.loc[f["sub"] == sub, "rule"])


# ---------------------------------------------------------------- making hostile files


def rezip(
    src: Path,
    dst: Path,
    change: Callable[[str, bytes], bytes | None] = lambda n, d: d,
    add: dict[str, bytes] | None = None,
) -> Path:
    """A copy of the zip `src` with members changed (None drops one) and members added."""
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = change(info.filename, zi.read(info))
            if data is not None:
                zo.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zo.writestr(name, data)
    return dst


def form_part(path: Path) -> str:
    """The worksheet part of the form (the biggest sheet)."""
    with zipfile.ZipFile(path) as zf:
        sheets = [i for i in zf.infolist() if i.filename.startswith("xl/worksheets/sheet")]
        return max(sheets, key=lambda i: i.file_size).filename


def in_part(src: Path, dst: Path, part: str, edit: Callable[[bytes], bytes]) -> Path:
    return rezip(src, dst, lambda n, d: edit(d) if n == part else d)


def append_rows(src: Path, dst: Path, rows: bytes) -> Path:
    return in_part(
        src, dst, form_part(src), lambda x: x.replace(b"</sheetData>", rows + b"</sheetData>")
    )


def lie_about_sizes(path: Path, member: str, size: int) -> None:
    """Patch a member's uncompressed size, in its local header and in the central directory."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for sig, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        k = 0
        while (k := data.find(sig, k)) >= 0:
            n = struct.unpack("<H", data[k + (26 if sig == b"PK\x03\x04" else 28) :][:2])[0]
            off = k + (30 if sig == b"PK\x03\x04" else 46)
            if data[off : off + n] == name:
                data[k + at : k + at + 4] = struct.pack("<I", size)
            k += 4
    path.write_bytes(bytes(data))


def honest_bomb(src: Path, dst: Path, megabytes: int) -> Path:
    """A workbook whose form sheet inflates to `megabytes` of blanks (a few hundred KB zipped)."""
    part = form_part(src)
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            if info.filename != part:
                zo.writestr(info.filename, zi.read(info))
                continue
            with zo.open(part, "w", force_zip64=megabytes > 1024) as w:
                w.write(zi.read(info).replace(b"</worksheet>", b""))
                chunk = b" " * (1 << 20)
                for _ in range(megabytes):
                    w.write(chunk)
                w.write(b"</worksheet>")
    return dst


def corrupt_member(src: Path, dst: Path) -> Path:
    """Flip bytes in the middle of the form sheet's compressed data (the zip directory stays)."""
    part = form_part(src)
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo(part)
    data = bytearray(src.read_bytes())
    n, e = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    mid = info.header_offset + 30 + n + e + info.compress_size // 2
    for k in range(mid, mid + 16):
        data[k] ^= 0xA5
    dst.write_bytes(bytes(data))
    return dst


def xls_with_far_cell(dst: Path) -> Path:
    """A legacy .xls whose one number claims row 65535, column 65535: the parser would ask for
    137 GB at once and abort its process."""
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("项目支出绩效自评表")
    ws.write(0, 0, "项目名称")
    ws.write(5, 3, 12345.5)
    wb.save(str(dst))
    data = bytearray(dst.read_bytes())
    for rec in (0x027E, 0x0203):  # RK or NUMBER, row 5 column 3
        k = data.find(
            struct.pack("<HH", rec, 10 if rec == 0x027E else 14) + struct.pack("<HH", 5, 3)
        )
        if k >= 0:
            data[k + 4 : k + 8] = struct.pack("<HH", 0xFFFF, 0xFFFF)
            dst.write_bytes(bytes(data))
            return dst
    raise AssertionError("no number record found")


def ole_with_stream(dst: Path, stream: str) -> Path:
    """The head of an OLE container naming `stream` (enough for the format sniff)."""
    dst.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 1000
        + stream.encode("utf-16-le")
        + b"\0" * 600
    )
    return dst


def encrypted(src: Path, dst: Path) -> Path:
    pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(src, "rb") as fh, open(dst, "wb") as out:
        OOXMLFile(fh).encrypt("密码123", out)
    return dst


def variant(bench: Workbench, **fields) -> dict:
    s = bench.national()
    s["fields"].update(fields)
    return s


@pytest.fixture
def clean(bench) -> Path:
    return bench.build(bench.national(), "clean.xlsx")


def _copy(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(src.read_bytes())
    return dst


# ---------------------------------------------------------------- one batch of everything


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """A folder of hostile files and a zip of hostile member names, run once; the tests below read
    what became of each."""
    tmp = tmp_path_factory.mktemp("hostile")
    bench = Workbench(tmp / "build")
    bench.dir.mkdir()
    clean = bench.build(bench.national(), "clean.xlsx")
    src = tmp / "in"
    src.mkdir()
    (src / "empty.xlsx").write_bytes(b"")
    (src / "random.xlsx").write_bytes(bytes((k * 7919 + 13) % 251 for k in range(5000)))
    (src / "random.xls").write_bytes(bytes((k * 104729 + 7) % 253 for k in range(4096)))
    (src / "truncated.xlsx").write_bytes(clean.read_bytes()[: clean.stat().st_size // 2])
    corrupt_member(clean, src / "corrupted.xlsx")
    honest_bomb(clean, src / "bomb.xlsx", 210)
    append_rows(
        clean,
        src / "far_cell.xlsx",
        b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
    )
    append_rows(  # cells without r= continue from the previous one: 16,384 columns wide
        clean,
        src / "no_refs.xlsx",
        b'<row r="300"><c r="XFC300" t="inlineStr"><is><t>x</t></is></c><c><v>1</v></c></row>'
        b'<row r="1048576"><c><v>1</v></c></row>',
    )
    in_part(
        clean,
        src / "shared_strings.xlsx",
        "xl/sharedStrings.xml",
        lambda x: re.sub(rb'uniqueCount="\d+"', b'uniqueCount="4000000000"', x),
    )
    xls_with_far_cell(src / "far_cell.xls")
    ole_with_stream(src / "encrypted.xlsx", "EncryptedPackage")
    (src / "page.xls").write_text(
        "<html><body><table><tr><td>项目名称</td></tr></table></body></html>", encoding="utf-8"
    )
    (src / "table.xls").write_bytes("项目名称,预算数\n学生营养改善计划,300\n".encode("gbk"))
    (src / "xml2003.xls").write_text(
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
        encoding="utf-8",
    )
    (src / "single.xls").write_text(
        "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x\r\n",
        encoding="ascii",
    )
    rezip(  # a project of its own, so that it is the version kept and its findings shown
        bench.build(variant(bench, project_code="M-1")),
        src / "macro.xlsm",
        add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 Shell(calc)"},
    )
    ole_with_stream(src / "macro.xls", "_VBA_PROJECT_CUR")
    part = form_part(clean)
    in_part(
        clean,
        src / "dimension.xlsx",
        part,
        lambda x: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', x),
    )
    rows = b"".join(
        b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/><c r="B%d" s="1"/></row>' % (r, r, r)
        for r in range(200, 10_200)
    )
    append_rows(clean, src / "blank_rows.xlsx", rows)
    secret = tmp / "secret.txt"
    secret.write_text("TOP-SECRET-8b1e", encoding="utf-8")
    in_part(
        clean,
        src / "xxe.xlsx",
        "xl/sharedStrings.xml",
        lambda x: x.replace(
            b"?>", f'?><!DOCTYPE sst [<!ENTITY e SYSTEM "file://{secret}">]>'.encode(), 1
        ).replace("学生营养改善计划".encode(), b"&e;", 1),
    )
    laughs = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    in_part(
        clean,
        src / "laughs.xlsx",
        part,
        lambda x: x.replace(b"?>", f"?><!DOCTYPE worksheet [{laughs}]>".encode(), 1),
    )
    long_text = variant(
        bench, goal_actual="长" * 32_767, project_name="项" * 32_767, project_code="L-1"
    )
    _copy(bench.build(long_text), src / "long_cells.xlsx")
    controls = variant(
        bench,
        project_name="营养\x1b[2J\x07改善\x00计划\x7f\x9b\u202e",
        unit="临江市\r\n第一中学\x0b",
        project_code="C-1",
    )
    _copy(bench.build(controls), src / "controls.xlsx")
    formulas = variant(
        bench,
        project_name='=HYPERLINK("http://example.invalid","点击")',
        unit="+cmd|' /C calc'!A0",
        dept="-2+3",
        goal_actual="@SUM(1+1)*cmd|' /C calc'!A0",
        project_code="F-1",
    )
    formulas["tables"]["indicators"][0]["name"] = "=1+1"
    _copy(bench.build(formulas), src / "formula_text.xlsx")
    _copy(clean, src / (("临江市第一中学学生营养改善计划绩效自评表" * 4)[:78] + ".xlsx"))
    _copy(clean, src / "a..b.xlsx")
    _copy(clean, src / "...xlsx")
    os.makedirs(src / "sub" / "..hidden", exist_ok=True)
    _copy(clean, src / "sub" / "..hidden" / "copy.xlsx")
    (src / "readme.txt").write_text("说明", encoding="utf-8")
    import openpyxl

    for name, edit in (
        ("renamed.xlsx", lambda wb: setattr(wb["项目支出绩效自评表"], "title", "Sheet1")),
        ("reordered.xlsx", lambda wb: wb.move_sheet("_meta", offset=-3)),
        ("deleted.xlsx", lambda wb: wb.remove(wb["项目支出绩效自评表"])),
    ):
        wb = openpyxl.load_workbook(bench.build(variant(bench, project_code=name)))
        edit(wb)
        wb.save(src / name)
    name = "临江市/" + "学生营养改善计划" * 25 + ".xlsx"
    with zipfile.ZipFile(src / "members.zip", "w") as zf:
        zf.writestr("../../escape.xlsx", clean.read_bytes())
        zf.writestr("/etc/absolute.xlsx", clean.read_bytes())
        zf.writestr("C:\\Windows\\evil.xlsx", clean.read_bytes())
        zf.writestr("bell\x07\x1b[31m.xlsx", clean.read_bytes())
        zf.writestr(name, bench.build(variant(bench, project_code="Z-1")).read_bytes())
        zf.writestr("notes.exe", b"MZ")
    os.symlink(src, src / "loop")
    os.mkfifo(src / "pipe.xlsx")
    os.symlink(src / "pipe.xlsx", src / "link-to-pipe.xlsx")
    out = tmp / "out"
    before = digests([src])
    run = run_batch([src], out, jobs=1)
    write_outputs(run, out)
    return run, out, src, before, secret


def _status(run, display: str) -> tuple[str, str]:
    item = next(i for i in run.inputs if i.display == display)
    return item.status, item.reason


def test_the_batch_keeps_every_guarantee(hostile_run) -> None:
    run, out, src, before, _ = hostile_run
    assert_guarantees(run, out, [src], before)


@pytest.mark.parametrize(
    ("name", "status", "rule", "words"),
    [
        ("empty.xlsx", "unreadable", "R04", "0 字节"),
        ("random.xlsx", "unreadable", "R01", "未知格式"),
        ("random.xls", "unreadable", "R01", ""),
        ("truncated.xlsx", "unreadable", "R01", "压缩包损坏"),
        ("corrupted.xlsx", "unreadable", "R01", ""),
        ("bomb.xlsx", "unreadable", "R06", "MB"),
        ("far_cell.xlsx", "unreadable", "R06", "1048576 行"),
        ("no_refs.xlsx", "unreadable", "R06", "16384 列"),
        ("shared_strings.xlsx", "unreadable", "R06", "4000000000"),
        ("far_cell.xls", "unreadable", "R01", "异常退出"),
        ("encrypted.xlsx", "unreadable", "R02", "去除密码"),
        ("page.xls", "unreadable", "R03", "HTML"),
        ("table.xls", "unreadable", "R03", "CSV"),
        ("xml2003.xls", "unreadable", "R03", "Excel 2003 XML"),
        ("single.xls", "unreadable", "R03", "MHT"),
        ("xxe.xlsx", "unreadable", "R01", "DTD"),
        ("laughs.xlsx", "unreadable", "R01", "DTD"),
        ("macro.xlsm", "readable", "R05", ""),
        ("dimension.xlsx", "readable", "", ""),
        ("blank_rows.xlsx", "readable", "", ""),
        ("renamed.xlsx", "readable", "", ""),
        ("reordered.xlsx", "readable", "", ""),
        ("deleted.xlsx", "unreadable", "S11", "模板无法识别"),
        ("readme.txt", "skipped", "", "非工作簿"),
        ("loop", "skipped", "", "符号链接"),
        ("pipe.xlsx", "skipped", "", "普通文件"),
        ("link-to-pipe.xlsx", "skipped", "", "普通文件"),
        ("members.zip/notes.exe", "skipped", "", "非工作簿"),
    ],
)
def test_each_hostile_file(hostile_run, name, status, rule, words) -> None:
    run, *_ = hostile_run
    got, reason = _status(run, f"in/{name}")
    if status == "readable" and got in ("read", "superseded", "duplicate"):
        got = "readable"  # the same project as clean.xlsx: one version is kept, the rest listed
    assert got == status, (name, got, reason)
    if rule:
        assert rule in _rules_of(run, f"in/{name}")
    assert words in reason


def test_macros_flagged_never_run(hostile_run, bench, clean, tmp_path) -> None:
    run, *_ = hostile_run
    assert "R05" in _rules_of(run, "in/macro.xlsm")
    assert {"R05", "R01"} <= set(_rules_of(run, "in/macro.xls"))  # a VBA project in an .xls
    path = rezip(clean, tmp_path / "宏.xlsm", add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    sub = read_workbook(path)
    assert not sub.blocked and sub.extract.project["project_name"] == "学生营养改善计划"
    assert [f.rule for f in sub.findings if f.rule.startswith("R")] == ["R05"]
    assert "不会执行宏" in sub.findings[0].message
    assert "R05" not in [f.rule for f in read_workbook(clean).findings]


def test_lying_dimension_and_blank_rows_read_like_the_original(bench, clean, tmp_path) -> None:
    want = read_workbook(clean).extract
    part = form_part(clean)
    lie = in_part(
        clean,
        tmp_path / "d.xlsx",
        part,
        lambda x: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', x),
    )
    rows = b"".join(
        b'<row r="%d" s="1"><c r="A%d" s="1"/></row>' % (r, r) for r in range(200, 10_200)
    )
    blank = append_rows(clean, tmp_path / "b.xlsx", rows)
    for path in (lie, blank):
        t0 = time.perf_counter()
        sub = read_workbook(path)
        assert time.perf_counter() - t0 < 5
        assert sub.extract.project == want.project
        assert sub.extract.indicators == want.indicators


def test_uncached_template_formulas_are_recomputed(bench, clean, tmp_path) -> None:
    import openpyxl

    path = tmp_path / "程序生成.xlsx"
    openpyxl.load_workbook(clean).save(path)  # openpyxl keeps formulas, drops their results
    sub = read_workbook(path)
    assert sub.extract.project["total_reported"] == 98.82
    assert sub.extract.project["grade_reported"] == "优"
    r08 = [f for f in sub.findings if f.rule == "R08"]
    assert len(r08) == 1 and "已按模板重新计算" in r08[0].message
    run = run_batch([path], tmp_path / "out", jobs=1)
    assert_fires(_Findings(run.findings), "R08", severity="info", count=1)
    assert not (run.findings["rule"] == "S05").any()  # no false 必填项为空 for the formula rows
    assert_quiet(_Findings(run_batch([clean], tmp_path / "o2", jobs=1).findings), "R08")


def test_uncached_formulas_of_a_foreign_layout_are_not_run(bench, tmp_path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["C1"] = 1, 2, "=A1+B1"
    path = tmp_path / "f.xlsx"
    wb.save(path)
    sub = read_workbook(path)
    r08 = [f for f in sub.findings if f.rule == "R08"]
    assert r08 and r08[0].cell == "C1" and "其中 0 个" in r08[0].message


def test_long_control_and_formula_text(hostile_run) -> None:
    run, out, *_ = hostile_run
    import openpyxl

    p = run.projects.set_index("file")
    assert p.loc["in/controls.xlsx", "project"] == "营养[2J改善计划"
    assert p.loc["in/long_cells.xlsx", "project"].startswith("项项项")
    wb = openpyxl.load_workbook(out / "summary.xlsx", read_only=True)
    texts = [
        v
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if isinstance(v, str)
    ]
    assert '=HYPERLINK("http://example.invalid","点击")' in texts  # shown as text, inert
    assert all(len(v) <= 32_767 and not CONTROL.search(v) for v in texts)
    data = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert not any(CONTROL.search(str(x)) for x in data["projects"][0].values())


def test_names_on_disk(hostile_run) -> None:
    run, *_ = hostile_run
    shown = {i.display: i.status for i in run.inputs}
    long_name = "in/" + ("临江市第一中学学生营养改善计划绩效自评表" * 4)[:78] + ".xlsx"
    for name in (long_name, "in/a..b.xlsx", "in/...xlsx", "in/sub/..hidden/copy.xlsx"):
        assert shown[name] in ("read", "duplicate"), name


def test_zip_member_names(hostile_run) -> None:
    run, out, src, *_ = hostile_run
    members = {i.display: i for i in run.inputs if i.display.startswith("in/members.zip/")}
    long_member = "in/members.zip/临江市/" + "学生营养改善计划" * 25 + ".xlsx"
    assert members[long_member].status == "read"  # a 200-character name is extracted, not lost
    assert "in/members.zip/bell??[31m.xlsx" in members
    for name in ("../../escape.xlsx", "/etc/absolute.xlsx", "C:\\Windows\\evil.xlsx"):
        assert members[f"in/members.zip/{name}"].status in ("read", "duplicate")
    root = out.parent
    assert not (root / "escape.xlsx").exists() and not (src.parent.parent / "escape.xlsx").exists()
    assert not Path("/etc/absolute.xlsx").exists()


def test_xxe_never_reads_the_file(hostile_run) -> None:
    run, out, _, _, secret = hostile_run
    word = secret.read_text(encoding="utf-8")
    for p in out.iterdir():
        assert word.encode() not in p.read_bytes(), p.name
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as zf:
                assert all(word.encode() not in zf.read(n) for n in zf.namelist())


def test_defined_names_refuse_entities() -> None:
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<definedNames><definedName name="px_x">&e;</definedName></definedNames></workbook>'
    )
    assert parse_defined_names(xml) == {}


def test_sheet_extent_counts_cells_without_references() -> None:
    xml = b'<sheetData><row r="2"><c r="B2"><v>1</v></c><c><v>2</v></c></row><row><c/><c><v>3</v></c></row></sheetData>'
    assert sheet_extent(xml) == (3, 3)


def test_encrypted_workbook(bench, clean, tmp_path) -> None:
    path = encrypted(clean, tmp_path / "加密.xlsx")
    sub = read_workbook(path)
    assert sub.blocked and [f.rule for f in sub.findings] == ["R02"]
    assert "文件已加密，请去除密码后重新提交" in sub.findings[0].message


def test_lying_sizes_are_measured_not_trusted(bench, clean, tmp_path, monkeypatch) -> None:
    import perfxl.read.vet as vet

    monkeypatch.setattr(vet, "MAX_UNCOMPRESSED", 4 * 1024 * 1024)
    bomb = honest_bomb(clean, tmp_path / "b.xlsx", 6)
    lie_about_sizes(bomb, form_part(clean), 50_000)
    sub = read_workbook(bomb)
    assert sub.blocked and sub.findings[0].rule == "R06", sub.findings


def test_a_parser_crash_is_a_finding_everywhere(bench, tmp_path) -> None:
    xls = xls_with_far_cell(tmp_path / "崩溃.xls")
    sub = read_workbook(xls)  # alone: parsed in a child process
    assert sub.blocked and "异常退出" in sub.findings[0].message
    src = tmp_path / "in"
    src.mkdir()
    for k in range(9):  # enough files for the worker pool, which loses no other file
        s = bench.national()
        s["fields"]["project_code"] = f"P-{k}"
        _copy(bench.build(s), src / f"{k}.xlsx")
    _copy(xls, src / "崩溃.xls")
    run = run_and_check([src], tmp_path / "out", jobs=2)
    status = {i.display: i.status for i in run.inputs}
    assert status.pop("in/崩溃.xls") == "unreadable"
    assert set(status.values()) == {"read"}
    result = CliRunner().invoke(main, ["check", str(xls)])
    assert result.exit_code == 1 and "异常退出" in result.output


def test_archives_share_one_extraction_budget(bench, clean, tmp_path, monkeypatch) -> None:
    import perfxl.intake.zips

    monkeypatch.setattr(perfxl.intake.zips, "MAX_EXTRACTED_BYTES", clean.stat().st_size * 5 // 2)
    with zipfile.ZipFile(tmp_path / "many.zip", "w") as zf:
        for k in range(4):
            zf.writestr(f"{k}.xlsx", clean.read_bytes())
    run = run_and_check([tmp_path / "many.zip"], tmp_path / "out")
    status = [(i.status, i.reason) for i in run.inputs]
    assert [s for s, _ in status].count("unreadable") == 2
    assert all("解压总量" in r for s, r in status if s == "unreadable")


def test_duplicates_and_resubmissions(bench, tmp_path) -> None:
    src = tmp_path / "in"
    old = variant(bench, submit_date="2025-01-10", grade_reported="良")
    new = variant(bench, submit_date="2025-02-20")
    v1, v2 = _copy(bench.build(old), src / "v1.xlsx"), _copy(bench.build(new), src / "v2.xlsx")
    _copy(v2, src / "v2 - 副本.xlsx")
    a = variant(bench, project_code="K-1", submit_date="2025-03-01")
    b = copy.deepcopy(a)
    b["fields"]["goal_actual"] = "另一份内容"
    for name, s in (("k_a.xlsx", a), ("k_b.xlsx", b)):
        p = _copy(bench.build(s), src / name)
        os.utime(p, (1_740_000_000, 1_740_000_000))
    run = run_and_check([src], tmp_path / "out")
    status = {i.display: i.status for i in run.inputs}
    assert status["in/v1.xlsx"] == "superseded"
    assert {status["in/v2.xlsx"], status["in/v2 - 副本.xlsx"]} == {"read", "duplicate"}
    assert sorted([status["in/k_a.xlsx"], status["in/k_b.xlsx"]]) == ["read", "superseded"]
    assert_fires(_Findings(run.findings), "D02", count=1)
    assert v1.exists()


def test_a_blank_year_among_dated_projects(bench, tmp_path) -> None:
    """Found by the fuzz test: the department roll-up grouped 2024 with the text （未填写）."""
    src = tmp_path / "in"
    _copy(bench.build(variant(bench, fiscal_year=None)), src / "no_year.xlsx")
    _copy(bench.build(bench.seed()), src / "seed.xlsx")
    run = run_and_check([src], tmp_path / "out")
    years = set(run.departments["fiscal_year"])
    assert "（未填写）" in years and 2018 in years


def test_a_file_that_vanishes_or_turns_into_a_pipe(bench, clean, tmp_path, monkeypatch) -> None:
    import perfxl.run.batch

    src = tmp_path / "in"
    for name in ("gone.xlsx", "pipe.xlsx", "late.xlsx", "ok.xlsx"):
        s = bench.national()
        s["fields"]["project_code"] = name
        _copy(bench.build(s), src / name)
    real_discover, real_hash = perfxl.run.batch.discover, perfxl.run.batch.hash_inputs

    def discover(*args, **kwargs):
        found = real_discover(*args, **kwargs)
        (src / "gone.xlsx").unlink()  # moved away between discovery and reading
        (src / "pipe.xlsx").unlink()
        os.mkfifo(src / "pipe.xlsx")  # replaced by a pipe: opening it must not hang the run
        return found

    def hash_inputs(items):
        real_hash(items)
        (src / "late.xlsx").unlink()  # gone after hashing, before the reader opens it

    monkeypatch.setattr(perfxl.run.batch, "discover", discover)
    monkeypatch.setattr(perfxl.run.batch, "hash_inputs", hash_inputs)
    run = run_batch([src], tmp_path / "out", jobs=1)
    status = {i.display: (i.status, i.reason) for i in run.inputs}
    assert status["in/gone.xlsx"][0] == "unreadable" and "移走" in status["in/gone.xlsx"][1]
    assert status["in/pipe.xlsx"][0] == "unreadable" and "普通文件" in status["in/pipe.xlsx"][1]
    assert status["in/late.xlsx"][0] == "unreadable" and "移走" in status["in/late.xlsx"][1]
    assert status["in/ok.xlsx"][0] == "read"


@pytest.mark.skipif(IS_ROOT, reason="root reads files whatever their permissions")
def test_a_file_without_read_permission(bench, clean, tmp_path) -> None:
    src = tmp_path / "in"
    locked = _copy(clean, src / "locked.xlsx")
    locked.chmod(0)
    try:
        run = run_batch([src], tmp_path / "out", jobs=1)
    finally:
        locked.chmod(stat.S_IRUSR | stat.S_IWUSR)
    item = run.inputs[0]
    assert item.status == "unreadable" and "权限" in item.reason


def test_undecodable_and_control_file_names(bench, clean, tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    raw = os.fsencode(src) + b"/" + "自评表".encode("gbk") + b".xlsx"
    with open(raw, "wb") as fh:
        fh.write(clean.read_bytes())
    _copy(clean, src / "bad\x1b]0;title\x07.xlsx")
    run = run_and_check([src], tmp_path / "out")
    shown = {i.display for i in run.inputs}
    assert "in/自评表.xlsx" in shown
    assert "in/bad?]0;title?.xlsx" in shown


def test_safe_names_fit_every_file_system() -> None:
    name = "学生营养改善计划" * 30 + ".xlsx"
    safe = safe_name(name)
    assert len(safe.encode("utf-8")) <= 180 and safe.endswith(".xlsx")
    assert safe_name("a\ud800b.xlsx") == "a_b.xlsx"


def test_output_folder_inside_the_input_folder(bench, clean, tmp_path) -> None:
    src = tmp_path / "in"
    _copy(clean, src / "a.xlsx")
    write_outputs(run_batch([src], src / "out", jobs=1), src / "out")  # outputs now in in/out
    run = run_batch([src], src / "out", jobs=1)
    status = {i.display: i.status for i in run.inputs}
    assert status == {"in/a.xlsx": "read", "in/out": "skipped"}


# ---------------------------------------------------------------- the command line


def test_no_traceback_reaches_the_user_and_debug_shows_one(bench, clean, tmp_path) -> None:
    boom = (
        "import sys, perfxl.run.batch as r\n"
        "def boom(*a, **k):\n"
        "    raise RuntimeError('boom')\n"
        "r._run = boom\n"
        "from perfxl.cli import main\n"
        "main()\n"
    )
    out = str(tmp_path / "out")
    plain = subprocess.run(
        [sys.executable, "-c", boom, "run", str(clean), "-o", out],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert plain.returncode == 2
    assert "Traceback" not in plain.stderr + plain.stdout
    assert "内部错误：RuntimeError: boom" in plain.stderr and "--debug" in plain.stderr
    debug = subprocess.run(
        [sys.executable, "-c", boom, "--debug", "run", str(clean), "-o", out],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert (
        debug.returncode != 0
        and "Traceback" in debug.stderr
        and "RuntimeError: boom" in debug.stderr
    )


def test_check_prints_no_control_characters(bench, tmp_path) -> None:
    s = variant(bench, project_name="名称\x1b[2J\x1b]0;x\x07\x9b")
    result = CliRunner().invoke(main, ["check", str(bench.build(s))])
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "名称[2J]0;x" in result.output


def _wait_for(outdir: Path, proc: subprocess.Popen, pattern: str, timeout: float = 60) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        try:
            if any(re.match(pattern, p.name) for p in outdir.iterdir()):
                return True
        except OSError:
            pass
        time.sleep(0.002)
    return False


def _kill_while_writing(src: Path, out: Path, sig: int) -> tuple[int, str, int]:
    """Run `perfxl run` in a process of its own and send it `sig` while the summary is written."""
    for _attempt in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-m", "perfxl", "run", str(src), "-o", str(out), "--jobs", "1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=ENV,
        )
        # the outputs are written into a scratch folder first (perfxl.files.OutputStage)
        caught = _wait_for(out, proc, rf"^\.perfxl-tmp-{proc.pid}-")
        if caught:
            proc.send_signal(sig)
        err = proc.communicate(timeout=60)[1].decode("utf-8", "replace")
        if caught:
            return proc.returncode, err, proc.pid
    pytest.fail("the run finished before its summary was being written")


def test_killed_mid_write_keeps_the_previous_summary(bench, tmp_path) -> None:
    src = tmp_path / "in"
    for k in range(4):
        s = bench.national()
        s["fields"]["project_code"] = f"P-{k}"
        _copy(bench.build(s), src / f"{k}.xlsx")
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["run", str(src), "-o", str(out), "--jobs", "1"]).exit_code == 0
    previous = (out / "summary.xlsx").read_bytes()
    # kill -9: no code runs; the previous summary stands, leftovers are hidden temporary names
    _kill_while_writing(src, out, signal.SIGKILL)
    assert (out / "summary.xlsx").read_bytes() == previous
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == OUTPUTS
    # kill (SIGTERM): the run stops through Python and removes its temporary files on the way out
    code, err, pid = _kill_while_writing(src, out, signal.SIGTERM)
    assert code == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert (out / "summary.xlsx").read_bytes() == previous
    assert not [p.name for p in out.iterdir() if re.search(rf"[.-]{pid}[.-]", p.name)]
    # the next run sweeps what the killed one left
    assert CliRunner().invoke(main, ["run", str(src), "-o", str(out), "--jobs", "1"]).exit_code == 0
    assert {p.name for p in out.iterdir()} == OUTPUTS | {".perfxl-cache"}  # the reading cache


def test_sigterm_leaves_nothing_behind(bench, tmp_path) -> None:
    from perfxl.files import atomic_path

    target = tmp_path / "summary.xlsx"
    target.write_bytes(b"previous")
    with pytest.raises(SystemExit) as stop, atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        os.kill(os.getpid(), signal.SIGTERM)
    assert stop.value.code == 128 + signal.SIGTERM
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.xlsx"]


def test_the_sweep_takes_only_what_dead_runs_left(tmp_path) -> None:
    from perfxl.files import sweep_stale

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    gone = int(dead.stdout)
    live = os.getpid()
    names = {
        f".summary.xlsx.{gone}.ab12cd34.tmp": True,
        f".perfxl-work-{gone}-x1y2z3ab": True,
        f".perfxl-tmp-{gone}-ab12cd34": True,
        f".summary.xlsx.{live}.ab12cd34.tmp": False,  # a run still going
        ".backup.2024.old": False,  # the user's own
        "summary.xlsx": False,
    }
    for name in names:
        if "work" in name or "-tmp-" in name or name.endswith(".old"):
            (tmp_path / name).mkdir()
        else:
            (tmp_path / name).write_bytes(b"x")
    assert sorted(sweep_stale(tmp_path)) == sorted(n for n, gone_ in names.items() if gone_)
    assert {p.name for p in tmp_path.iterdir()} == {n for n, gone_ in names.items() if not gone_}


AUDIT = r"""
import os, sys
out = os.path.realpath(sys.argv.pop(1))
log = os.open(sys.argv.pop(1), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
EVENTS = {"os.rename": 2, "os.replace": 2, "os.remove": 1, "os.rmdir": 1, "os.mkdir": 1,
          "shutil.rmtree": 1, "os.symlink": 2, "os.link": 2, "os.truncate": 1, "os.chmod": 1,
          "shutil.copyfile": 2, "shutil.move": 2}
def inside(p):
    if isinstance(p, int) or p is None:
        return True
    p = os.path.realpath(os.fsdecode(p))
    return p == out or p.startswith(out + os.sep) or p == os.devnull
DIR_FD = {"os.remove": 1, "os.rmdir": 1, "os.mkdir": 2, "os.rename": 2, "os.replace": 2}
def hook(event, args):
    if event == "open":
        path, mode, flags = args
        writing = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & WRITE)
        paths = [path] if writing else []
    elif event in EVENTS:
        if event in DIR_FD and args[DIR_FD[event]] is not None:
            return  # relative to a folder shutil.rmtree opened: that call was checked itself
        paths = list(args[: EVENTS[event]])
    else:
        return
    for p in paths:
        if not inside(p):
            os.write(log, (event + " " + os.fsdecode(p) + "\n").encode("utf-8", "replace"))
sys.addaudithook(hook)
from perfxl.cli import main
main()
"""


def test_nothing_is_written_outside_outdir(bench, clean, tmp_path) -> None:
    src = tmp_path / "in"
    for k in range(8):  # enough for the worker pool, whose processes are watched too
        s = bench.national()
        s["fields"]["project_code"] = f"W-{k}"
        _copy(bench.build(s), src / f"{k}.xlsx")
    _copy(xls_with_far_cell(tmp_path / "x.xls"), src / "crash.xls")
    with zipfile.ZipFile(src / "hostile.zip", "w") as zf:
        for name in (
            "../../../escape.xlsx",
            "/tmp/absolute.xlsx",
            "..\\..\\win.xlsx",
            "nul\x00byte.xlsx",
            "学生营养改善计划" * 30 + ".xlsx",
        ):
            zf.writestr(name, clean.read_bytes())
        inner = tmp_path / "inner.zip"
        with zipfile.ZipFile(inner, "w") as z2:
            z2.writestr("../../nested.xlsx", clean.read_bytes())
        zf.write(inner, "../inner.zip")
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = (
        "unit@example.invalid",
        "dept@example.invalid",
        "自评",
    )
    mail["Date"] = "Thu, 20 Feb 2025 10:00:00 +0800"
    mail.set_content("见附件")
    for name in ("../../../mail-escape.xlsx", "C:\\x\\..\\..\\y.xlsx", "附件" * 100 + ".xlsx"):
        mail.add_attachment(
            clean.read_bytes(), maintype="application", subtype="octet-stream", filename=name
        )
    (src / "hostile.eml").write_bytes(bytes(mail))
    out = tmp_path / "out"
    log = tmp_path / "writes.log"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            AUDIT,
            str(out),
            str(log),
            "run",
            str(src),
            "-o",
            str(out),
            "-j",
            "2",
        ],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    writes = log.read_text(encoding="utf-8") if log.exists() else ""
    assert writes == "", writes
    assert {p.name for p in out.iterdir()} == OUTPUTS | {".perfxl-cache"}  # the reading cache
    for leaked in ("escape.xlsx", "nested.xlsx", "mail-escape.xlsx", "y.xlsx"):
        assert not list(tmp_path.glob(f"**/{leaked}")), leaked
    data = json.loads((out / "run.json").read_text(encoding="utf-8"))
    status = {i["file"]: i["status"] for i in data["inputs"]}
    assert status["in/crash.xls"] == "unreadable"
    assert sum(1 for k in status if k.startswith("in/hostile.zip/")) == 6
    assert sum(1 for k in status if k.startswith("in/hostile.eml")) >= 3
    assert set(status.values()) <= STATUSES
