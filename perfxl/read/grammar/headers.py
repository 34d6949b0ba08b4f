"""Table headers by meaning: which funds or indicator column a header names, however it is worded."""

from __future__ import annotations

import re

from perfxl.read.grammar.labels import label_key

# Units print their own header words: 预算数 | 执行数, 调整预算数（A）, 全年完成值, 完成情况 …
# A header is read by the words it contains, first match wins; the order settles overlaps
# (执行率 before 执行数, 年初 before 预算, 实际完成 before 完成).
_FUNDS_MEANINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("rate", ("执行率", "支出率", "完成率")),
    ("score", ("得分",)),
    ("weight", ("分值", "权重", "满分")),
    ("note", ("说明", "备注", "原因")),
    ("source", ("资金来源", "来源", "资金类别", "资金性质")),
    ("executed", ("执行数", "执行额", "执行金额", "支出数", "实际支出", "支付数", "决算数")),
    ("initial_budget", ("年初预算", "年初批复", "年初数", "期初预算")),
    ("annual_budget", ("预算", "批复数", "调整后", "下达数", "安排数")),
)
_INDICATOR_MEANINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("level1", ("一级",)),
    ("level2", ("二级",)),
    ("name", ("三级", "指标名称", "指标内容", "具体指标")),
    ("direction", ("指标性质", "运算符", "符号", "方向", "比较")),
    ("unit", ("计量单位", "度量单位", "单位")),
    ("deviation", ("偏差", "原因", "改进措施", "未完成")),
    ("actual", ("实际完成", "完成值", "实际值", "完成情况", "实际情况", "实现值", "完成数")),
    ("target", ("指标值", "目标值", "预期", "计划值", "标准值")),
    ("weight", ("分值", "权重", "满分")),
    ("score", ("得分", "评分", "自评分")),
)
MEANINGS = {"funds": _FUNDS_MEANINGS, "indicators": _INDICATOR_MEANINGS}

# a header too long to be a column name is a sentence (a note, an instruction)
_MAX_HEADER = 16
# words of a block's side label (预算执行情况（万元）（20分）, 项目资金), never of one column
_BLOCK_WORDS = {"funds": ("情况", "项目资金", "资金总额"), "indicators": ("绩效指标", "绩效目标")}
_LETTER_TAG = re.compile(r"[(（\[]\s*[A-Z](?:\s*[=＝][^)）\]]*)?\s*[)）\]]")


def header_meaning(table: str, text: object) -> str | None:
    """The column of `table` ("funds" or "indicators") a printed header names, by its words."""
    meanings = MEANINGS.get(table)
    if meanings is None or not isinstance(text, str):
        return None
    key = label_key(_LETTER_TAG.sub("", text))
    if not key or len(key) > _MAX_HEADER or any(w in key for w in _BLOCK_WORDS[table]):
        return None
    for column, words in meanings:
        if any(w in key for w in words):
            return column
    return None
