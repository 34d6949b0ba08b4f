"""The 审核意见 sheet perfxl adds to a feedback copy, as data: written by report/feedback.py,
read back by read/returned.py when the unit sends the copy back with its 单位说明 (出错说明)."""

from __future__ import annotations

SHEET = "审核意见"
MARK = "审核意见（perfxl 复核）"  # the title cell: tells our sheet from one a unit named alike
HEAD = (
    "序号",
    "级别",
    "规则",
    "规则名称",
    "位置（点击打开）",
    "问题说明",
    "填报值",
    "应为",
    "单位说明",
)
WIDTHS = (6, 7, 7, 22, 26, 70, 22, 22, 36)
RULE_COLUMN, WHERE_COLUMN, EXPLANATION_COLUMN = (
    HEAD.index("规则"),
    HEAD.index("位置（点击打开）"),
    HEAD.index("单位说明"),
)
WHOLE_FILE = "（整个文件）"  # the 位置 of a finding about the whole file
