"""Profile reader: department2020 (部门整体支出绩效自评表), template or foreign layout.

The form is the project form's shape around a different funds block (基本支出 = 人员经费 + 公用经费,
项目支出; domain a.3), so it is read with the same pieces: the tables located by their headers
(and by meaning), the indicators, the fields by label, the 总分 row of a foreign form."""

from __future__ import annotations

from perfxl.model.submission import Extract
from perfxl.read import grammar as parse
from perfxl.read.extract import (
    locate_table,
    money_unit_near,
    read_fields,
    read_indicators,
    record_headers,
    stand_in,
    title_year,
)
from perfxl.read.grammar import keys_of, label_key
from perfxl.read.grid import Book
from perfxl.read.locate import TableSpot
from perfxl.read.profiles import (
    NATIONAL_MARKS,
    _form_grid,
    _org_names,
    _read_funds,
    _split_codes,
    _totals_from_end_row,
)
from perfxl.spec import get_profile
from perfxl.spec.department2020 import PROFILE_ID

# A fund line's source by the words of its label: the breakdowns first (人员经费 before 基本支出),
# the total last (a "基本支出合计" is the 基本支出 line, not the total).
DEPARTMENT_FUND_SOURCES = (
    ("personnel", ("人员经费", "人员支出")),
    ("public", ("公用经费", "公用支出")),
    ("basic", ("基本支出",)),
    ("project", ("项目支出",)),
    ("total", ("资金总额", "合计", "总计", "小计", "总额")),
)
MEASURES = ("initial_budget", "annual_budget", "executed")

# what tells a department-wide form from a project form: its title, or its 基本支出 lines
TITLE_WORDS = ("部门整体支出", "部门整体绩效")
_BASIC = label_key("基本支出")
_SPLIT = keys_of(("人员经费", "公用经费"))
DEPARTMENT_MARKS = NATIONAL_MARKS | keys_of(("基本支出", "人员经费", "公用经费", "项目支出"))
# the title sits above the form: a line this far down is the form's own text
_TITLE_ROWS = 6


def looks_departmental(book: Book) -> bool:
    """A 部门整体支出 form: its title says so, or it splits its funds into 基本支出 and
    人员经费/公用经费; either way on a self-evaluation form (two of the project form's headers)."""
    marks = 0
    title = lines = False
    for g in book.grids:
        labels = g.labels()
        keys = {label_key(v) for v in labels.values()}
        marks += len(keys & NATIONAL_MARKS)
        lines = lines or (_BASIC in keys and bool(keys & _SPLIT))
        title = title or any(
            r < _TITLE_ROWS and "表" in text and any(w in text for w in TITLE_WORDS)
            for (r, _c), text in labels.items()
        )
    return (title or lines) and marks >= 2


def read_department(book: Book, template: bool) -> Extract:
    profile = get_profile(PROFILE_ID)
    sheet = profile.sheet("self_eval")
    ex = Extract(PROFILE_ID, "template" if template else "foreign")
    funds_t = locate_table(
        book,
        sheet,
        sheet.table("funds"),
        template,
        None,
        min_hits=2,
        required=(("annual_budget", "initial_budget"), "executed"),
        end_labels=("年度总体目标", "总体目标", "年度绩效指标", "绩效指标", "一级指标"),
    )
    form = funds_t.grid if funds_t else _form_grid(book, DEPARTMENT_MARKS)
    ind_t = locate_table(
        book,
        sheet,
        sheet.table("indicators"),
        template,
        form,
        min_hits=4,
        required=("name",),
        end_labels=(
            "总分",
            "合计",
            "自评等次",
            "评价等次",
            "自评等级",
            "自评结论",
            "存在问题及改进措施",
        ),
    )
    read_fields(ex, book, profile, sheet, template, form)
    if ex.project.get("fiscal_year") is None:
        year, ref = title_year(book)
        if year is not None:
            ex.project["fiscal_year"] = year
            ex.project["fiscal_year_source"] = "title"
            if ref:
                ex.refs["fiscal_year"] = ref
    _split_codes(ex)
    _org_names(ex, ("dept",))
    ex.project["grade_reported_raw"] = ex.project.get("grade_reported")
    ex.project["grade_reported"] = parse.parse_grade(ex.project.get("grade_reported_raw"))
    if funds_t is None:
        ex.missing_blocks.append("funds")
    else:
        _department_funds(ex, funds_t, template)
    if ind_t is None:
        ex.missing_blocks.append("indicators")
    else:
        record_headers(ex, "indicators", ind_t)
        ex.indicators = read_indicators(ind_t, ex.project.get("fiscal_year"))
        if not template:
            _totals_from_end_row(ex, ind_t, "weight", "score")
        _completeness(ex, ind_t, template)
    if "funds" in ex.missing_blocks and "indicators" not in ex.missing_blocks:
        # the indicators alone can still be checked: a cut form, not an unreadable one
        ex.missing_blocks.remove("funds")
        ex.incomplete.append("funds")
    return ex


def _department_funds(ex: Extract, ts: TableSpot, template: bool) -> None:
    record_headers(ex, "funds", ts)
    if "annual_budget" not in ts.cols:
        # 年初预算数（A）| 全年执行数（B）| 执行率（B/A）: the form's own denominator
        stand_in(ex, ts, "annual_budget", "initial_budget")
    if not template:
        ex.money_unit = money_unit_near(ts.grid, ts) or "万元"
    # a foreign form may print 按收入性质分 lines (财政拨款, 其他) among the 按支出性质分 ones:
    # they are passed over, not taken for the end of the block
    _read_funds(
        ex, ts, MEASURES, DEPARTMENT_FUND_SOURCES, with_exec=True, skip_unknown=True, max_rows=16
    )


def _completeness(ex: Extract, ind_t: TableSpot, template: bool) -> None:
    """A form without 分值/得分 columns is unscored; a foreign one without its 总分 row is cut
    short (no total or grade is judged on it). A 部门整体 form need not have a 满意度 block."""
    ex.project["scored"] = template or "weight" in ind_t.cols or "score" in ind_t.cols
    if template or not ex.project["scored"]:
        return
    if all(ex.project.get(k) is None for k in ("total_reported", "weight_total")):
        ex.incomplete.append("total")


__all__ = ["DEPARTMENT_FUND_SOURCES", "looks_departmental", "read_department"]
