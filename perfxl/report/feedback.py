"""Feedback workbooks: a copy of the unit's workbook with flagged cells and a 审核意见 sheet first."""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from perfxl.intake.inputs import DUPLICATE, InputFile
from perfxl.intake.names import safe_name
from perfxl.model.findings import RULES, SEVERITY_RANK, SEVERITY_ZH
from perfxl.report.run_result import RunResult
from perfxl.spec.feedback_sheet import HEAD, MARK, SHEET, WHOLE_FILE, WIDTHS

FOLDER = "feedback"
AUTHOR = "perfxl 审核"
# 错误 red and 警告 amber as in the summary; 提示 violet, not the summary's blue-grey, which
# would vanish among the template's light-blue headers (fill, text)
COLOURS = {
    "error": ("FFC7CE", "9C0006"),
    "warning": ("FFEB9C", "9C5700"),
    "info": ("E4D7F5", "5B3A8C"),
}
# caps that keep a copy of a very bad workbook usable
MAX_NOTES = 200  # cells that get a note; the rest are only filled
MAX_LINES_PER_NOTE = 4  # findings spelled out in one note
MAX_NOTE_CHARS = 700
MAX_RANGE_CELLS = 400  # cells filled for one finding that names a range
OPENPYXL_FORMATS = ("xlsx", "xlsm")
_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
_STATUS_SKIP = ("已被替代",)

# parts of an xlsx that openpyxl does not carry over, or not fully, and how to name them
_PARTS = (
    ("xl/charts/chart", "图表", "个"),
    ("xl/media/", "图片", "张"),
    ("xl/activeX/", "ActiveX 控件", "个"),
    ("xl/ctrlProps/", "表单控件（复选框、按钮等）", "个"),
    ("xl/slicers/", "切片器", "个"),
    ("xl/timelines/", "日程表", "个"),
    ("xl/threadedComments/", "批注回复（线程式批注，仅保留首条）", "处"),
    ("xl/embeddings/", "嵌入的对象", "个"),
    ("customXml/", "自定义 XML 数据", "份"),
)
_WARNINGS_ZH = (
    ("Data Validation extension", "部分数据有效性（引用其他工作表的下拉列表等）"),
    ("Conditional Formatting extension", "部分条件格式（数据条、图标集等扩展格式）"),
    ("Slicer List extension", "切片器"),
    ("Sparkline Group extension", "迷你图"),
    ("Shapes and drawings", "形状、文本框等图形"),
    ("image", "图片"),
    ("Unknown extension", "Excel 扩展功能"),
)


@dataclass
class Feedback:
    """One feedback workbook written (or why not)."""

    sub: str
    path: Path | None
    findings: int = 0
    notes: int = 0
    filled: int = 0
    lost: list[str] = field(default_factory=list)
    annotated: bool = True  # False: the source could not be opened, only the 审核意见 sheet


# ---------------------------------------------------------------- which submissions, which names


def sources(run: RunResult) -> dict[str, InputFile]:
    """The input each submission was read from (the first copy when it came twice)."""
    out: dict[str, InputFile] = {}
    for i in run.inputs:
        if i.sub and i.status != DUPLICATE and i.sub not in out:
            out[i.sub] = i
    return out


def original_name(item: InputFile) -> str:
    """The name the unit gave the file: zip member, mail attachment, or the file's own name."""
    prov = item.provenance or {}
    for key in ("member", "attachment"):
        if prov.get(key):
            return str(prov[key]).replace("\\", "/").split("/")[-1]
    return item.path.name if item.origin == "file" else item.display.split("/")[-1]


def _formats(run: RunResult) -> dict[str, str]:
    frames = getattr(getattr(run, "report", None), "frames", None)
    p = getattr(frames, "projects", None)
    if isinstance(p, pd.DataFrame) and {"sub", "format"} <= set(p.columns):
        return {s: f for s, f in zip(p["sub"], p["format"], strict=True) if isinstance(f, str)}
    return {}


def plan(run: RunResult) -> dict[str, str]:
    """sub → the feedback file's path relative to OUTDIR, for every submission that gets one:
    active submissions with findings whose file opened as a workbook."""
    if run.projects.empty:
        return {}
    counted = run.findings.dropna(subset=["sub"]).groupby("sub").size()
    blocked_read = set(
        run.findings.loc[
            run.findings["rule"].isin([r for r, i in RULES.items() if i.blocking and r[0] == "R"]),
            "sub",
        ].dropna()
    )
    src = sources(run)
    fmt = _formats(run)
    out: dict[str, str] = {}
    taken: set[str] = set()
    rows = run.projects.sort_values(["file", "sub"], kind="stable")
    for sub, status in zip(rows["sub"], rows["status"], strict=True):
        if status in _STATUS_SKIP or sub in blocked_read or not counted.get(sub):
            continue
        item = src.get(sub)
        if item is None:
            continue
        ext = ".xlsm" if fmt.get(sub) == "xlsm" else ".xlsx"
        stem = safe_name(Path(original_name(item)).stem or "工作簿", limit=80)
        name = f"{stem}_审核意见{ext}"
        k = 1
        while name.lower() in taken:
            k += 1
            name = f"{stem}_审核意见_{k}{ext}"
        taken.add(name.lower())
        out[sub] = f"{FOLDER}/{name}"
    return out


# ---------------------------------------------------------------- writing


def write_feedback(run: RunResult, outdir: Path, into: Path | None = None) -> dict[str, Feedback]:
    """Write OUTDIR/feedback/ afresh (the previous one is replaced once the new one is complete),
    or, with `into`, fill that folder, which the caller puts in place of OUTDIR/feedback itself.

    Call it while the run's sources still exist (`run_batch(..., finish=...)`): zip members and
    mail attachments live in a scratch folder that is removed when the run ends."""
    planned = plan(run)
    src = sources(run)
    fmt = _formats(run)
    projects = run.projects.set_index("sub")
    findings = run.findings
    by_sub = dict(tuple(findings.groupby("sub", sort=False))) if not findings.empty else {}
    details = run.finding_details
    detail_of = dict(tuple(details.groupby("sub", sort=False))) if len(details) else {}
    outdir.mkdir(parents=True, exist_ok=True)
    staging = into or Path(tempfile.mkdtemp(prefix=scratch_prefix(), dir=outdir))
    done: dict[str, Feedback] = {}
    try:
        for sub, rel in planned.items():
            target = staging / Path(rel).name
            item = src[sub]
            done[sub] = annotate(
                item.path,
                fmt.get(sub, ""),
                by_sub[sub],
                _context(projects.loc[sub], item),
                target,
                detail_of.get(sub),
            )
            done[sub].sub = sub
            done[sub].path = outdir / rel
        if into is None:
            swap_folder(staging, outdir / FOLDER)
    finally:
        if into is None:
            shutil.rmtree(staging, ignore_errors=True)
    return done


def scratch_prefix() -> str:
    """Scratch folders in OUTDIR are named like the run's own (".perfxl-tmp-<pid>-…"), so the
    leftovers of a killed run are recognised and removed like the others."""
    return f".perfxl-tmp-{os.getpid()}-"


def swap_folder(new: Path, final: Path) -> None:
    """Put `new` in place of `final`; the old folder is removed only after the new one is there."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(new, 0o777 & ~umask)
    for p in new.iterdir():
        os.chmod(p, 0o666 & ~umask)
    old = None
    if final.exists():
        old = final.with_name(f"{scratch_prefix()}old{final.name}")
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
    new.rename(final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _context(row: pd.Series, item: InputFile) -> dict[str, Any]:
    prov = item.provenance or {}
    return {
        "project": row.get("project"),
        "unit": row.get("unit"),
        "department": row.get("department"),
        "file": original_name(item),
        "shown": item.display,
        "sub": row.name,
        "status": row.get("status"),
        "score_reported": row.get("total_score_reported"),
        "score": row.get("total_score_recomputed"),
        "grade_reported": row.get("grade_reported"),
        "grade": row.get("grade_recomputed"),
        "exec_rate": row.get("exec_rate"),
        "email_from": prov.get("email_from"),
        "email_date": prov.get("email_date"),
    }


def annotate(
    source: Path,
    fmt: str,
    findings: pd.DataFrame,
    context: dict[str, Any],
    target: Path,
    details: pd.DataFrame | None = None,
) -> Feedback:
    """Write `target`: the workbook at `source` (never modified) with flagged cells filled and
    noted, and a first sheet 审核意见 listing every finding with a link to its cell. A grouped
    cause is one line of the list; its `details` note each of its cells."""
    import openpyxl

    rows = _ordered(findings)
    cells = rows
    if details is not None and len(details):
        causes = findings["grouped"].notna() if "grouped" in findings else False
        cells = _ordered(pd.concat([findings[~causes], details], ignore_index=True))
    result = Feedback(str(context.get("sub") or ""), target, findings=len(rows))
    if fmt not in OPENPYXL_FORMATS:
        return _list_only(rows, context, f"原文件为 {fmt or '未知'} 格式", result)
    try:
        data = source.read_bytes()  # the copy is made from these bytes; the file is not reopened
    except OSError as exc:
        return _list_only(rows, context, f"原文件已无法读取（{exc.strerror or exc}）", result)
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            wb = openpyxl.load_workbook(
                io.BytesIO(data), keep_vba=fmt == "xlsm", rich_text=True, keep_links=True
            )
        caught = [str(w.message) for w in seen]
    except Exception as exc:  # a workbook calamine reads but openpyxl cannot
        return _list_only(rows, context, f"openpyxl 无法打开原文件（{type(exc).__name__}）", result)
    try:
        result.lost = _predicted_losses(data, wb, caught)
        marks = _mark_cells(wb, cells, result)
        sheet = _new_sheet(wb)
        _fill_sheet(sheet, rows, context, _loss_lines(result.lost), marks, result)
        wb.calculation.fullCalcOnLoad = True  # openpyxl drops cached results; Excel recomputes
        _save(wb, target)
        extra = _measured_losses(data, target, result.lost)
        if extra:  # something went that the prediction missed: say so and save again
            result.lost += extra
            sheet = _new_sheet(wb)
            _fill_sheet(sheet, rows, context, _loss_lines(result.lost), marks, result)
            _save(wb, target)
    except Exception as exc:  # one odd workbook must not stop the others' feedback
        result.notes = result.filled = 0
        result.lost = []
        return _list_only(rows, context, f"生成标注副本时出错（{type(exc).__name__}）", result)
    return result


def _list_only(
    rows: list[dict[str, Any]], context: dict[str, Any], why: str, result: Feedback
) -> Feedback:
    """The 审核意见 sheet alone, for a workbook that cannot be annotated."""
    import openpyxl

    result.annotated = False
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = SHEET
    line = f"{why}，无法在副本中直接标出单元格；请按下表的工作表和单元格位置修改原文件。"
    _fill_sheet(sheet, rows, context, [line], {}, result)
    assert result.path is not None
    _save(wb, result.path)
    return result


def _save(wb: Any, target: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb.save(target)


def _ordered(findings: pd.DataFrame) -> list[dict[str, Any]]:
    if findings.empty:
        return []
    f = findings.assign(
        _rank=findings["severity"].map(SEVERITY_RANK).fillna(9),
        _pos=[_position(c) for c in findings["cell"]],
    )
    f = f.sort_values(["_rank", "sheet", "_pos", "rule"], kind="stable", na_position="last")
    return [
        {k: (None if _missing(v) else v) for k, v in r.items()}
        for r in f.drop(columns=["_rank", "_pos"]).to_dict("records")
    ]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def _position(cell: Any) -> tuple[int, int]:
    ref = _first_cell(cell)
    if ref is None:
        return (10**8, 0)
    from openpyxl.utils.cell import coordinate_to_tuple

    return coordinate_to_tuple(ref)


def _first_cell(cell: Any) -> str | None:
    if not isinstance(cell, str):
        return None
    first = cell.split(":")[0].strip()
    return first.replace("$", "").upper() if _A1.match(first) else None


def _cells(cell: Any) -> list[str]:
    """The A1 cells a finding names (a range is expanded, up to MAX_RANGE_CELLS)."""
    if not isinstance(cell, str):
        return []
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    parts = [p.strip().replace("$", "") for p in cell.split(":")]
    if len(parts) == 1:
        return [parts[0].upper()] if _A1.match(parts[0]) else []
    if len(parts) != 2 or not all(_A1.match(p) for p in parts):
        return []
    c1, r1, c2, r2 = range_boundaries(f"{parts[0]}:{parts[1]}")
    out = []
    for r in range(min(r1, r2), max(r1, r2) + 1):
        for c in range(min(c1, c2), max(c1, c2) + 1):
            out.append(f"{get_column_letter(c)}{r}")
            if len(out) >= MAX_RANGE_CELLS:
                return out
    return out


def _mark_cells(wb: Any, rows: list[dict[str, Any]], result: Feedback) -> dict[int, str]:
    """Fill every flagged cell by its worst severity and give the first MAX_NOTES cells a note.

    Returns, per finding (its index in `rows`), the sheet!cell its link should open."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    names = set(wb.sheetnames)
    per_cell: dict[tuple[str, str], list[int]] = {}
    links: dict[int, str] = {}
    for k, r in enumerate(rows):
        sheet = r.get("sheet")
        if sheet not in names:
            continue
        ws = wb[sheet]
        cells = _cells(r.get("cell"))
        if not cells:
            continue
        anchor = _anchor(ws, cells[0])
        links[k] = f"'{sheet.replace(chr(39), chr(39) * 2)}'!{anchor}"
        for ref in cells:
            per_cell.setdefault((sheet, _anchor(ws, ref)), []).append(k)
    fills = {
        sev: PatternFill(fill_type="solid", start_color=bg, end_color=bg)
        for sev, (bg, _fg) in COLOURS.items()
    }
    # cells with errors get their notes first when the cap is reached
    order = sorted(per_cell.items(), key=lambda kv: min(kv[1]))
    for (sheet, ref), ks in order:
        cell = wb[sheet][ref]
        worst = min((rows[k]["severity"] for k in ks), key=lambda s: SEVERITY_RANK.get(s, 9))
        cell.fill = fills.get(worst, fills["info"])
        result.filled += 1
        first_of_finding = [k for k in dict.fromkeys(ks) if links.get(k, "").endswith("!" + ref)]
        if not first_of_finding or result.notes >= MAX_NOTES:
            continue
        text = _note_text([rows[k] for k in first_of_finding])
        # a note of ours from an earlier round (the unit sent the feedback copy back) is replaced
        old = cell.comment.text if cell.comment is not None else ""
        if cell.comment is not None and cell.comment.author == AUTHOR:
            old = ""
        if old:
            text = _cap(text + "\n——原批注——\n" + old, MAX_NOTE_CHARS + len(old))
        note = Comment(text, AUTHOR)
        lines = sum(max(1, math.ceil(_width(line) / 44)) for line in text.split("\n"))
        note.width, note.height = 330, min(420, 18 + 15 * lines)
        cell.comment = note
        result.notes += 1
    return links


def _anchor(ws: Any, ref: str) -> str:
    """The top-left cell of the merged range holding `ref` (Excel shows that cell's fill)."""
    for rng in ws.merged_cells.ranges:
        if ref in rng:
            return rng.start_cell.coordinate
    return ref


def _width(s: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _note_text(findings: list[dict[str, Any]]) -> str:
    lines = []
    for r in findings[:MAX_LINES_PER_NOTE]:
        sev = SEVERITY_ZH.get(r["severity"], r["severity"])
        lines.append(f"【{sev} {r['rule']}】{r['message']}")
    if len(findings) > MAX_LINES_PER_NOTE:
        lines.append(f"……另有 {len(findings) - MAX_LINES_PER_NOTE} 条，见“{SHEET}”表。")
    return _cap("\n".join(lines), MAX_NOTE_CHARS)


def _new_sheet(wb: Any) -> Any:
    """The 审核意见 sheet, first and the one that opens; an earlier round's sheet is replaced."""
    if SHEET in wb.sheetnames and wb[SHEET]["A1"].value == MARK:
        del wb[SHEET]
    name = SHEET
    k = 1
    while name in wb.sheetnames:
        k += 1
        name = f"{SHEET}{k}"
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False  # else Excel opens with two sheets grouped
    sheet = wb.create_sheet(name, 0)
    sheet.sheet_view.tabSelected = True
    wb.active = 0
    return sheet


_HEAD, _WIDTHS = HEAD, WIDTHS


def _fill_sheet(
    ws: Any,
    rows: list[dict[str, Any]],
    ctx: dict[str, Any],
    notices: list[str],
    links: dict[int, str],
    result: Feedback,
) -> None:
    """The 审核意见 sheet: who and what, the counts and how to read them, then one row a finding."""
    from openpyxl.styles import Alignment

    lines = _intro_lines(rows, ctx, notices, result)
    for k, (text, font) in enumerate(lines, start=1):
        c = ws.cell(row=k, column=1, value=text)
        c.alignment = Alignment(vertical="top")
        if font is not None:
            c.font = font
    ws.row_dimensions[1].height = 24
    head_row = len(lines) + 2
    _write_head(ws, head_row)
    _write_findings(ws, rows, head_row, links)
    for col, w in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[chr(64 + col)].width = w
    last = head_row + max(len(rows), 1)
    ws.auto_filter.ref = f"A{head_row}:{chr(64 + len(_HEAD))}{last}"
    ws.freeze_panes = f"A{head_row + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{head_row}:{head_row}"
    ws.sheet_properties.tabColor = "C00000"


def _intro_lines(
    rows: list[dict[str, Any]], ctx: dict[str, Any], notices: list[str], result: Feedback
) -> list[tuple[str, Any]]:
    """The lines above the table, each with its font (None: the default)."""
    from openpyxl.styles import Font

    bold = Font(bold=True)
    counts = Counter(r["severity"] for r in rows)
    lines: list[tuple[str, Any]] = [(MARK, Font(bold=True, size=16))]
    who = "；".join(
        f"{label}：{ctx[k]}"
        for label, k in (("项目", "project"), ("单位", "unit"), ("主管部门", "department"))
        if not _missing(ctx.get(k))
    )
    if who:
        lines.append((who, bold))
    source = f"文件：{ctx.get('file') or '—'}（提交编号 {ctx.get('sub') or '—'}）"
    if ctx.get("email_from"):
        source += f"；邮件：{ctx['email_from']}，{str(ctx.get('email_date') or '')[:16].replace('T', ' ')}"
    lines.append((source, None))
    lines.append((_result_line(ctx), None))
    lines.append(
        (
            f"问题 {len(rows)} 条：错误 {counts.get('error', 0)} 条（必须修改）、"
            f"警告 {counts.get('warning', 0)} 条（请核实）、提示 {counts.get('info', 0)} 条。"
            "原表中有问题的单元格已按级别着色（红＝错误，黄＝警告，紫＝提示）并加了批注；"
            "点击“位置”可跳到该单元格。",
            None,
        )
    )
    if result.notes >= MAX_NOTES:
        lines.append((f"批注只加在前 {MAX_NOTES} 个单元格，其余单元格只着色。", None))
    for n in notices:
        lines.append((n, Font(bold=True, color="9C0006")))
    lines.append(("请在原工作簿中按以下意见修改后重新提交；本副本仅用于标示问题。", None))
    lines.append(
        (
            "对某条意见有说明（出错说明）的，请填在该行“单位说明”列，随修改后的工作簿一并发回"
            "（也可直接发回本副本）：警告和提示经说明后不再计为未整改，错误仍须修改或经审核人接受。",
            None,
        )
    )
    return lines


def _write_head(ws: Any, head_row: int) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    head_fill = PatternFill(fill_type="solid", start_color="D9E1F2", end_color="D9E1F2")
    side = Side(style="thin", color="8EA9DB")
    for col, h in enumerate(_HEAD, start=1):
        c = ws.cell(row=head_row, column=col, value=h)
        c.font, c.fill = Font(bold=True), head_fill
        c.border = Border(left=side, right=side, top=side, bottom=side)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _write_findings(
    ws: Any, rows: list[dict[str, Any]], head_row: int, links: dict[int, str]
) -> None:
    """One row a finding below the head; the 位置 cell links to the flagged cell."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    wrap = Alignment(wrap_text=True, vertical="top", horizontal="left")
    titles = {rid: info.title_zh for rid, info in RULES.items()}
    link_font = Font(color="0563C1", underline="single")
    for k, r in enumerate(rows):
        row = head_row + 1 + k
        where = "!".join(str(x) for x in (r.get("sheet"), r.get("cell")) if x) or WHOLE_FILE
        values = (
            k + 1,
            SEVERITY_ZH.get(r["severity"], r["severity"]),
            r["rule"],
            titles.get(r["rule"], ""),
            where,
            r["message"],
            _shown(r.get("observed")),
            _shown(r.get("expected")),
            None,  # 单位说明: the unit's own words, read back when the copy is returned
        )
        for col, v in enumerate(values, start=1):
            c = ws.cell(row=row, column=col)
            c.value = v
            c.data_type = "s" if isinstance(v, str) else c.data_type  # never a formula
            c.alignment = wrap
        # openpyxl stores no row heights and LibreOffice/WPS then show one line: size them here
        lines = max(
            math.ceil(_width(str(v)) / (_WIDTHS[col] - 1)) if v is not None else 1
            for col, v in enumerate(values)
        )
        ws.row_dimensions[row].height = 14 * min(max(lines, 1), 8) + 2
        sev = ws.cell(row=row, column=2)
        bg, fg = COLOURS.get(r["severity"], COLOURS["info"])
        sev.fill = PatternFill(fill_type="solid", start_color=bg, end_color=bg)
        sev.font = Font(color=fg, bold=True)
        if k in links:
            c = ws.cell(row=row, column=5)
            c.hyperlink = Hyperlink(ref=c.coordinate, location=links[k], tooltip="打开该单元格")
            c.font = link_font


def _shown(v: Any) -> Any:
    if _missing(v):
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, list | tuple | dict):
        return str(v)
    return v


def _fmt(v: Any, suffix: str = "") -> str:
    if _missing(v):
        return "—"
    if isinstance(v, float):
        return f"{v:g}{suffix}"
    return f"{v}{suffix}"


def _result_line(ctx: dict[str, Any]) -> str:
    parts = [f"审核结果：{ctx.get('status') or '—'}"]
    if not _missing(ctx.get("score")) or not _missing(ctx.get("score_reported")):
        parts.append(f"总分 复核 {_fmt(ctx.get('score'))} / 填报 {_fmt(ctx.get('score_reported'))}")
    if not _missing(ctx.get("grade")) or not _missing(ctx.get("grade_reported")):
        parts.append(f"等次 复核 {_fmt(ctx.get('grade'))} / 填报 {_fmt(ctx.get('grade_reported'))}")
    if not _missing(ctx.get("exec_rate")):
        parts.append(f"预算执行率 {_fmt(ctx.get('exec_rate'), '%')}")
    return "；".join(parts)


# ---------------------------------------------------------------- what a copy loses


def _part_counts(data: bytes) -> Counter[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return Counter()
    counts: Counter[str] = Counter()
    for n in names:
        for prefix, _label, _unit in _PARTS:
            if n.startswith(prefix) and not n.endswith(".rels") and "/_rels/" not in n:
                counts[prefix] += 1
    return counts


def _validations(data: bytes) -> int:
    """Data validations on the sheets, the x14 kind (lists from other sheets) included."""
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for n in zf.namelist():
                if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"):
                    xml = zf.read(n)
                    total += len(re.findall(rb"<(?:\w+:)?dataValidation[\s>]", xml))
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return 0
    return total


def _shapes(data: bytes) -> int:
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for n in zf.namelist():
                if n.startswith("xl/drawings/drawing") and n.endswith(".xml"):
                    total += len(re.findall(rb"<(?:\w+:)?sp[\s>]", zf.read(n)))
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return 0
    return total


def _predicted_losses(data: bytes, wb: Any, caught: Iterable[str]) -> list[str]:
    before = _part_counts(data)
    kept = {
        "xl/charts/chart": sum(len(getattr(ws, "_charts", [])) for ws in wb.worksheets),
        "xl/media/": sum(len(getattr(ws, "_images", [])) for ws in wb.worksheets),
    }
    lost = []
    for prefix, label, unit in _PARTS:
        n = before.get(prefix, 0) - kept.get(prefix, 0)
        if n > 0:
            lost.append(f"{label} {n} {unit}")
    if before.get("xl/charts/chart", 0) and kept["xl/charts/chart"]:
        lost.append("图表格式可能简化")
    shapes = _shapes(data)
    if shapes:  # openpyxl keeps charts and pictures of a drawing, never its shapes
        lost.append(f"形状、文本框等图形 {shapes} 个")
    validations = _validations(data)
    loaded = sum(len(ws.data_validations.dataValidation) for ws in wb.worksheets)
    if validations > loaded:
        lost.append(f"数据有效性（下拉列表等）{validations - loaded} 条")
    labels = [label for msg in caught for key, label in _WARNINGS_ZH if key in msg]
    for label in dict.fromkeys(labels):
        if not any(label[:4] in x for x in lost):
            lost.append(label)
    return lost


def _measured_losses(data: bytes, target: Path, said: list[str]) -> list[str]:
    """Parts the saved copy really lacks that `said` does not mention yet."""
    before, after = _part_counts(data), _part_counts(target.read_bytes())
    extra = []
    for prefix, label, unit in _PARTS:
        n = before.get(prefix, 0) - after.get(prefix, 0)
        if n > 0 and not any(x.startswith(label) for x in said):
            extra.append(f"{label} {n} {unit}")
    return extra


def _loss_lines(lost: list[str]) -> list[str]:
    if not lost:
        return []
    return [
        "注意：本副本由程序生成，与您的原文件相比缺少或改变了："
        + "、".join(lost)
        + "。请不要直接提交本副本。"
    ]
