"""Label keys: labels without trailing bracket notes or 其中:, and inline "label: value" splits."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from perfxl.read.grammar.text import clean_label

# Label variants: "计划投资额（万元）", "全年预算数(A)", "产出指标(50分)", "其中:本年财政拨款", "指标1:名称".
_TRAILING_BRACKETS = re.compile(r"[(（\[［【][^()（）\[\]［］【】]{0,12}[)）\]］】]$")


_LEADING_QIZHONG = re.compile(r"^其中[:：]?")


_COLON_SPLIT = re.compile(r"^([^:：]{1,20})[:：](.+)$")


@lru_cache(maxsize=1 << 16)
def label_key_of_text(text: str) -> str:
    """label_key of a str (the cached path, for loops over many cells)."""
    return _label_key(text)


def label_key(text: object) -> str:
    """The comparable core of a label: cleaned, without trailing bracket notes or 其中:."""
    if isinstance(text, str):
        return label_key_of_text(text)
    return _label_key(text)


def _label_key(text: object) -> str:
    s = clean_label(text)
    for _ in range(2):
        s2 = _TRAILING_BRACKETS.sub("", s)
        if s2 == s:
            break
        s = s2
    s = _LEADING_QIZHONG.sub("", s)
    return s.rstrip(":：")


def inline_split(label: str) -> tuple[str, str] | None:
    """ "项目名称：信息系统运行维护" -> ("项目名称", "信息系统运行维护")."""
    m = _COLON_SPLIT.match(label)
    return (m.group(1), m.group(2)) if m else None


def keys_of(labels: Iterable[str]) -> frozenset[str]:
    return _keys_of(tuple(labels))


@lru_cache(maxsize=4096)
def _keys_of(labels: tuple[str, ...]) -> frozenset[str]:
    return frozenset(label_key(x) for x in labels)
