"""Indicator direction (pos/neg/eq/range/qual/date) from a label, a target, tiers or the name."""

from __future__ import annotations

from collections.abc import Mapping

from perfxl.read.grammar.levels import parse_grade
from perfxl.read.grammar.percents import is_rate_like
from perfxl.read.grammar.targets import _SYMBOL_CMP, _WORD_CMP, Target
from perfxl.read.grammar.text import _WS_RE, _compact, typo_fix
from perfxl.read.grammar.tiers import _GRADE_RANK, Interval

DIRECTIONS = ("pos", "neg", "eq", "range", "qual", "date")
_CMP_DIRECTION = {">=": "pos", ">": "pos", "<=": "neg", "<": "neg", "=": "eq"}
# Words naming a side are checked before comparators ("正向(≥)"); kind words after them.
_LABEL_SIDES = (
    ("正向", "pos"),
    ("越大越好", "pos"),
    ("越高越好", "pos"),
    ("反向", "neg"),
    ("越小越好", "neg"),
    ("越低越好", "neg"),
)
_LABEL_KINDS = (
    ("区间", "range"),
    ("定性", "qual"),
    ("时效", "date"),
    ("日期", "date"),
    ("期限", "date"),
)


def direction_from_label(x: object) -> str | None:
    """Direction from a 指标方向/指标性质 cell: 正向/≥ -> pos, 反向/≤ -> neg, ═ -> eq, 区间, 定性, 时效."""
    s, _ = typo_fix(x)
    s = _WS_RE.sub("", s)
    if not s:
        return None
    for word, direction in _LABEL_SIDES:
        if word in s:
            return direction
    comparator = _SYMBOL_CMP.get(s) or _WORD_CMP.get(s)
    if comparator:
        return _CMP_DIRECTION[comparator]
    for word, direction in _LABEL_KINDS:
        if word in s:
            return direction
    return None


_NEG_WORDS = (
    "故障率",
    "投诉率",
    "事故率",
    "差错率",
    "发生率",
    "超支率",
    "空置率",
    "返工率",
    "成本",
    "费用",
    "单价",
    "耗时",
    "时长",
    "天数",
)
_POS_WORDS = (
    "数量",
    "完成率",
    "合格率",
    "达标率",
    "覆盖率",
    "保障率",
    "及时率",
    "满意度",
    "使用率",
)


# What a project wants none of: an indicator counting these is lower-is-better, and a target
# of 0 (安全事故发生数 0起, 明显变质比例 =0) is its best value, not a missing one.
_ADVERSE_WORDS = (
    "事故",
    "事件",
    "投诉",
    "违规",
    "违纪",
    "违法",
    "变质",
    "故障",
    "差错",
    "失误",
    "伤亡",
    "死亡",
    "案件",
    "信访",
    "纠纷",
    "损失",
    "污染",
    "超标",
    "不合格",
    "返工",
    "流失",
    "欠薪",
    "逾期",
    "漏报",
    "错报",
    "隐患",
)


def is_adverse(name: object) -> bool:
    """The indicator counts something the project wants none of (事故, 投诉, 变质 …)."""
    label = _compact(name)
    return any(w in label for w in _ADVERSE_WORDS)


def _representative(iv: Interval) -> float | None:
    if iv.lo is not None and iv.hi is not None:
        return (iv.lo + iv.hi) / 2
    return iv.lo if iv.lo is not None else iv.hi


def _direction_from_tiers(tiers: Mapping[str, Interval], name: str) -> str | None:
    ranked = sorted(
        ((_GRADE_RANK[g], iv) for k, iv in tiers.items() if (g := parse_grade(k)) is not None),
        key=lambda p: p[0],
    )
    if len(ranked) < 2:
        return None
    best, worst = ranked[0][1], ranked[-1][1]
    # A 优 band closed on both sides marks an optimum (domain d.1 #4), unless it only stops at
    # the natural 100 % ceiling of a rate.
    closed = best.lo is not None and best.hi is not None
    if closed and not (best.hi == 100 and is_rate_like(name)):
        return "range"
    b, w = _representative(best), _representative(worst)
    if b is None or w is None or b == w:
        return None
    return "pos" if b > w else "neg"


def infer_direction(
    target: Target, name: object = "", tiers: Mapping[str, Interval] | None = None
) -> tuple[str, str]:
    """(direction, how): from the comparator, then tier order, then name keywords, else pos."""
    if _zero_target(target) and is_adverse(name):
        return "neg", "zero_target"  # "=0", "0起": none of it is the goal
    if target.kind == "cmp" and target.comparator in _CMP_DIRECTION:
        return _CMP_DIRECTION[target.comparator], "comparator"
    if target.kind in ("range", "qual", "date"):
        return target.kind, "comparator"
    label = _compact(name)
    if tiers:
        direction = _direction_from_tiers(tiers, label)
        if direction:
            return direction, "tiers"
    # The head of a Chinese noun phrase is at its end, so the keyword ending last wins
    # ("成本控制完成率" is a 完成率, "设备故障率" a 故障率).
    best: tuple[int, int, str] | None = None
    for words, direction in ((_NEG_WORDS, "neg"), (_POS_WORDS, "pos")):
        for w in words:
            i = label.rfind(w)
            if i >= 0:
                key = (i + len(w), len(w), direction)
                if best is None or key[:2] > best[:2]:
                    best = key
    if best:
        return best[2], "keyword"
    # a count of adverse events is lower-is-better; a rate of handling them (投诉处理率) is not
    if is_adverse(label) and not label.endswith(("率", "度")):
        return "neg", "keyword"
    return "pos", "default"


def _zero_target(target: Target) -> bool:
    return (
        target.kind == "point" or (target.kind == "cmp" and target.comparator in ("=", "<="))
    ) and target.value == 0
