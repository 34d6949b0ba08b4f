"""Profile reader: department2020 (部门整体支出绩效自评表), template or foreign layout.

The form is the project form's shape around a different funds block (基本支出 = 人员经费 + 公用经费,
项目支出; domain a.3), so it is read with the same pieces: the tables located by their headers
(and by meaning), the indicators, the fields by label, the 总分 row of a foreign form."""

from __future__ import annotations

from perfxl.model.submission import Extract
from perfxl.read.grammar import keys_of, label_key
from perfxl.read.grid import Book
from perfxl.read.profiles import NATIONAL_MARKS, ScoredForm, read_scored_form
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


DEPARTMENT_FORM = ScoredForm(
    PROFILE_ID,
    DEPARTMENT_MARKS,
    ("年度总体目标", "总体目标", "年度绩效指标", "绩效指标", "一级指标"),
    ("dept",),
    DEPARTMENT_FUND_SOURCES,
    # a foreign form may print 按收入性质分 lines (财政拨款, 其他) among the 按支出性质分 ones:
    # they are passed over, not taken for the end of the block
    skip_unknown=True,
    fund_rows=16,
    satisfaction_expected=False,  # a 部门整体 form need not have a 满意度 block
)


def read_department(book: Book, template: bool) -> Extract:
    return read_scored_form(book, template, DEPARTMENT_FORM)


__all__ = ["DEPARTMENT_FUND_SOURCES", "looks_departmental", "read_department"]
