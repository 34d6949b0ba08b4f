"""Read one workbook into a Submission: plain records with cell references, plus file-level findings."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import time
from pathlib import Path
from typing import Any

from perfxl.files import os_reason
from perfxl.intake.sniff import DISGUISES, WORKBOOK_FORMATS, has_vba, sniff
from perfxl.model.findings import ERROR, INFO, WARNING, Finding, declare, make
from perfxl.model.submission import Extract, Submission
from perfxl.read.assumptions import assumptions_finding
from perfxl.read.grid import Book, ReadError, load_book
from perfxl.read.isolate import VETTED, load_isolated
from perfxl.read.locate import name_constant
from perfxl.read.returned import take_explanations
from perfxl.spec import META_SHEET, PROFILE_IDS, TEMPLATE_VERSION, defined_name, get_profile

declare(
    "R01",
    ERROR,
    "file",
    "文件无法读取",
    "file cannot be read",
    "文件无法作为工作簿读取（{detail}），请重新导出为 .xlsx 后提交。",
    "The file cannot be read as a workbook ({detail}); please re-export it as .xlsx.",
    blocking=True,
)
declare(
    "R02",
    ERROR,
    "file",
    "文件已加密",
    "encrypted workbook",
    "文件已加密，请去除密码后重新提交。",
    "The workbook is password-protected; remove the password and resubmit.",
    blocking=True,
)
declare(
    "R03",
    ERROR,
    "file",
    "文件格式不符",
    "not a workbook",
    "文件实际是 {detail} 格式，并非 Excel 工作簿，请用 Excel/WPS 另存为 .xlsx 后提交。",
    "The file is really {detail}, not an Excel workbook; save it as .xlsx and resubmit.",
    blocking=True,
)
declare(
    "R04",
    ERROR,
    "file",
    "空文件",
    "empty file",
    "文件为空（0 字节）。",
    "The file is empty (0 bytes).",
    blocking=True,
)
declare(
    "R05",
    INFO,
    "file",
    "含宏的工作簿",
    "workbook with macros",
    "工作簿含有宏（{detail}），perfxl 不会执行宏，仅读取单元格内容。",
    "The workbook contains macros ({detail}); perfxl never runs them and reads cell values only.",
)
declare(
    "R06",
    ERROR,
    "file",
    "文件过大",
    "file too large",
    "文件超出安全读取上限（{detail}），已拒绝读取以保护系统；请删除多余的空行、空列和工作表，"
    "另存为 .xlsx 后重新提交。",
    "The workbook exceeds the safe reading limits ({detail}); it was refused to protect the "
    "machine. Delete the surplus blank rows, columns and sheets, save it as .xlsx and resubmit.",
    blocking=True,
)
declare(
    "R07",
    WARNING,
    "file",
    "模板版本不符",
    "template version differs",
    "模板版本为 {observed}，本程序支持 {expected}，已按表头定位读取。",
    "Template version {observed}; this perfxl reads {expected}; located blocks by their headers.",
)
declare(
    "R08",
    INFO,
    "file",
    "公式没有计算结果",
    "formulas saved without results",
    "有 {count} 个公式单元格没有保存计算结果（如 {cells}），文件可能由程序生成、未经 Excel/WPS 保存；"
    "其中 {recomputed} 个模板公式已按模板重新计算，其余按空白读取（执行率、总分和等次由 perfxl 自行复核）。",
    "{count} formula cells were saved without their results (e.g. {cells}): the file was probably "
    "written by a program and never saved in Excel/WPS; {recomputed} template formulas were "
    "recomputed, the rest read as blank (perfxl recomputes the rate, total and grade itself).",
)
declare(
    "S11",
    ERROR,
    "submission",
    "模板无法识别",
    "layout not recognised",
    "模板无法识别：{detail}。",
    "The layout is not recognised: {detail}.",
    blocking=True,
)
declare(
    "S12",
    INFO,
    "submission",
    "非标准模板",
    "non-template layout",
    "未使用标准模板，已按表头和标签定位读取（{profile}）；请核对单元格位置。",
    "Not the standard template; read by locating labels ({profile}); check the cell references.",
)

declare(
    "S13",
    INFO,
    "submission",
    "表头按含义读取",
    "headers read by their meaning",
    "以下表头不是模板的写法，已按含义读取，请核对：{mapping}。",
    "These headers are not the template's words and were read by their meaning; please check: "
    "{mapping}.",
)

declare(
    "S14",
    WARNING,
    "submission",
    "表格不完整",
    "form cut short",
    "表格不完整，缺少{missing}；分值合计、总分和等次未复核，其余内容已检查。",
    "The form is cut short: {missing} missing; weight sums, total and grade were not checked, "
    "the rest was.",
)
declare(
    "S16",
    INFO,
    "submission",
    "缺少部分表格",
    "a table of the form is missing",
    "表格缺少{missing}；需要该表的检查未进行，其余内容（含分值和总分）已检查。",
    "The form lacks {missing}; the checks that need it were not run, the rest (weights and total "
    "included) was.",
)
declare(
    "S15",
    INFO,
    "submission",
    "不评分表格",
    "unscored form",
    "本表未设分值和得分列，不计算总分和等次；与分值、得分有关的检查未进行。",
    "The form has no 分值/得分 columns: no total or grade is computed and the checks of weights "
    "and scores were not run.",
)

_PART_ZH = {
    "funds": "资金表",
    "satisfaction": "满意度指标",
    "total": "总分行",
    "targets": "项目绩效目标表",
}
# the parts whose absence leaves the weight sums, total and grade unjudged (S14); a form that
# lacks another table (the Hainan 绩效目标表, the funds) still has every 分值 and its 总分 (S16)
_CUT_PARTS = frozenset({"total", "satisfaction"})

_BLOCK_ZH = {
    "funds": "资金表（全年预算数/全年执行数 或 计划投资额）",
    "indicators": "绩效指标表（三级指标/年度指标值/实际完成值）",
    "targets": "项目绩效目标表",
    "scoring": "绩效评价指标评分表",
}


def _incomplete_finding(sub: str, parts: list[str]) -> Finding:
    missing = "、".join(_PART_ZH.get(b, b) for b in parts)
    return make("S14" if _CUT_PARTS & set(parts) else "S16", sub=sub, missing=missing)


def _header_reading(ex: Extract, sub: str) -> Finding | None:
    """S13 on the first header read by meaning, naming every such mapping once."""
    odd = [h for h in ex.headers if h["how"] != "label"]
    if not odd:
        return None
    profile = get_profile(ex.profile)
    zh = []
    turned = []  # a funds table printed with one row per measure: said once, rows listed
    for h in odd:
        label = profile.find_table(h["table"])[1].column(h["column"]).label
        printed = h["header"] or "（空白表头）"
        if h["how"] == "stand_in":
            zh.append(f"无“{label}”列，以「{printed}」代替")
        elif h["how"] == "row":
            turned.append(f"「{printed}」行→{label}")
        elif h["how"] == "block":
            zh.append(f"各指标无{label}列，按「{printed}」计指标合计分值")
        else:
            zh.append(f"「{printed}」→{label}")
    if turned:
        zh.insert(0, f"资金表按行读取（{'、'.join(turned)}）")
    first = odd[0]
    return make(
        "S13",
        sub=sub,
        sheet=first["sheet"],
        cell=first["cell"],
        mapping="；".join(zh),
    )


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _template_id(book: Book) -> tuple[str | None, str | None]:
    tid = name_constant(book, defined_name("template_id"))
    ver = name_constant(book, defined_name("template_version"))
    meta = book.grid(META_SHEET)
    if meta is not None:
        kv = {str(r[0]): r[1] for r in meta.rows if len(r) >= 2 and r[0]}
        tid = tid or (str(kv["template_id"]) if kv.get("template_id") else None)
        ver = ver or (str(kv["template_version"]) if kv.get("template_version") else None)
    if tid not in PROFILE_IDS:
        tid = None
    return tid, ver


def _uncached_finding(sub: str, book: Book, tid: str | None) -> Finding:
    """R08, after recomputing the template's own formulas (a unit's own formulas are never run:
    they can be anything, and perfxl recomputes the rate, total and grade from the inputs)."""
    from perfxl.read.recalc import recompute_template

    done = recompute_template(book, tid) if tid is not None else 0
    sheet, refs = next(iter(book.uncached.items()))
    every = [r for v in book.uncached.values() for r in v]
    shown = "、".join(every[:3]) + ("…" if len(every) > 3 else "")
    count = len(every)
    return make(
        "R08", sub=sub, sheet=sheet, cell=refs[0], count=count, cells=shown, recomputed=done
    )


# "CalamineError: Cfb error: …", "XmlError: workbook": a library's own words (grid.load_book)
_LIBRARY_TEXT = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Panic\w*)(?::|$)")
# what a library's words mean for the unit, by the words in them (first match)
_TOO_LARGE = ("limit", "too large", "too many", "too big", "memory", "overflow")
_NOT_A_WORKBOOK = ("not found", "missing", "unsupported", "unrecognized", "unknown", "not a ")
_LIBRARY_MEANING = (
    (_TOO_LARGE, "R06", "数据量超出读取程序的上限"),
    (_NOT_A_WORKBOOK, "R01", "文件内容不完整，或不是 Excel/WPS 保存的工作簿，扩展名可能与内容不符"),
)
_DAMAGED = "文件已损坏，内容无法解析"
# an exception in perfxl's own reading code: the fault is perfxl's, and the unit is told no more
PERFXL_FAULT = "读取时程序出错（已记录在 run.json，需由管理员排查）"


def plain_failure(code: str, detail: str) -> tuple[str, str, str | None]:
    """(rule, detail for the message, the library's own words or None): a parser's error text
    never reaches a message; it says whether the file is damaged, too large or not a workbook."""
    if not _LIBRARY_TEXT.match(detail):
        return code, detail, None
    low = detail.lower()
    for words, rule, meaning in _LIBRARY_MEANING:
        if any(w in low for w in words):
            return rule, meaning, detail
    return code, _DAMAGED, detail


def unreadable(path: str, display: str, sha256: str, code: str, detail: str) -> Submission:
    """The submission of a file whose reading failed outside the reader's own checks."""
    try:
        st = os.stat(path)
        size, mtime = st.st_size, st.st_mtime
    except OSError:
        size, mtime = 0, None
    sub = Submission(display, sha256, size, mtime, "unreadable", blocked=True)
    code, shown, sub.library_error = plain_failure(code, detail)
    sub.findings.append(make(code, sub=sub.sub if sha256 else None, detail=shown))
    return sub


def read_workbook(
    path: str | os.PathLike[str], display: str | None = None, sha256: str | None = None
) -> Submission:
    """Read one file. Never raises for bad data: problems become findings on the submission."""
    from perfxl.read.department import read_department
    from perfxl.read.detect import detect_profile
    from perfxl.read.profiles import read_hainan, read_national

    t0 = time.perf_counter()
    path = Path(path)
    shown = display or str(path)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            # a pipe or device would block or never end; only plain files are read
            raise OSError(errno.EINVAL, "不是普通文件（管道、设备等）")
        size, mtime = st.st_size, st.st_mtime
        digest = sha256 or file_sha256(path)
        fmt = sniff(path)
    except OSError as exc:
        sub = Submission(shown, sha256 or "", 0, None, "unreadable")
        sub.findings.append(make("R01", detail=os_reason(exc)))
        sub.blocked = True
        return sub
    sub = Submission(shown, digest, size, mtime, fmt)

    def fail(code: str, **params: Any) -> Submission:
        sub.findings.append(make(code, sub=sub.sub, **params))
        sub.blocked = True
        sub.read_ms = (time.perf_counter() - t0) * 1000
        return sub

    if fmt == "empty":
        return fail("R04")
    if fmt == "encrypted":
        return fail("R02")
    if fmt in DISGUISES:
        return fail("R03", detail=DISGUISES[fmt])
    if fmt not in WORKBOOK_FORMATS:
        return fail(
            "R01",
            detail={"corrupt": "压缩包损坏", "zip": "压缩包中没有工作簿"}.get(fmt, "未知格式"),
        )
    if fmt == "xlsm":
        sub.findings.append(make("R05", sub=sub.sub, detail=".xlsm"))
    elif fmt == "xls" and has_vba(path):
        sub.findings.append(make("R05", sub=sub.sub, detail=".xls 中的 VBA 工程"))
    try:
        # the 填报说明 and _lists sheets of a template are skipped
        book = load_book(path, fmt) if fmt in VETTED else load_isolated(path, fmt)
    except ReadError as exc:
        code, detail, sub.library_error = plain_failure(exc.code, exc.detail or exc.code)
        return fail(code, detail=detail)

    explained = take_explanations(book)  # a feedback copy sent back: the unit's 单位说明
    tid, version = _template_id(book)
    template = tid is not None
    profile = tid or detect_profile(book)
    sub.template_version = version
    if book.uncached:
        sub.findings.append(_uncached_finding(sub.sub, book, tid))
    if profile is None:
        return fail("S11", detail="找不到“全年预算数”“年度指标值”或“三级指标”等表头")
    if template and version != TEMPLATE_VERSION:
        sub.findings.append(make("R07", sub=sub.sub, observed=version, expected=TEMPLATE_VERSION))
    try:
        reader = {
            "national2020": read_national,
            "hainan2011": read_hainan,
            "department2020": read_department,
        }[profile]
        ex = reader(book, template)
    except Exception as exc:  # a layout we did not foresee must not stop the batch
        sub.library_error = f"{type(exc).__name__}: {exc}"
        return fail("S11", detail=PERFXL_FAULT)
    ex.explanations = explained
    sub.profile, sub.layout, sub.extract = profile, ex.layout, ex
    if ex.layout == "foreign":
        sub.findings.append(make("S12", sub=sub.sub, profile=profile))
    if ex.incomplete:
        sub.findings.append(_incomplete_finding(sub.sub, ex.incomplete))
    if ex.project.get("scored") is False:
        sub.findings.append(make("S15", sub=sub.sub))
    guessed = _header_reading(ex, sub.sub)
    if guessed is not None:
        sub.findings.append(guessed)
    assumed = assumptions_finding(ex, sub.sub)
    if assumed is not None:
        sub.findings.append(assumed)
    if ex.missing_blocks:
        missing = "、".join(_BLOCK_ZH.get(b, b) for b in ex.missing_blocks)
        sub.findings.append(make("S11", sub=sub.sub, detail=f"缺少{missing}"))
        sub.blocked = True
    sub.read_ms = (time.perf_counter() - t0) * 1000
    return sub


__all__ = ["Submission", "os_reason", "read_workbook", "unreadable"]
