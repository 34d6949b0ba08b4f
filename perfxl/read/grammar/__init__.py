"""Pure parsers for the text, numbers, targets, tiers and dates found in evaluation workbooks."""

from __future__ import annotations

from perfxl.read.grammar.checkboxes import is_ticked, parse_checkbox_group
from perfxl.read.grammar.dates import parse_date, parse_date_range, parse_deadline
from perfxl.read.grammar.directions import DIRECTIONS, direction_from_label, infer_direction
from perfxl.read.grammar.labels import inline_split, keys_of, label_key
from perfxl.read.grammar.levels import QUAL_LEVELS, parse_grade, parse_qual_level
from perfxl.read.grammar.money import MONEY_FACTORS, Money, money_unit_from_label, parse_money
from perfxl.read.grammar.numbers import Num, parse_number
from perfxl.read.grammar.percents import is_rate_like, parse_percent
from perfxl.read.grammar.targets import Target, parse_target
from perfxl.read.grammar.text import (
    clean_label,
    indicator_name,
    normalize,
    normalize_doc_number,
    normalize_org,
    split_code_name,
    typo_fix,
)
from perfxl.read.grammar.tiers import Interval, resolve_tier_set

__all__ = [
    "DIRECTIONS",
    "MONEY_FACTORS",
    "QUAL_LEVELS",
    "Interval",
    "Money",
    "Num",
    "Target",
    "clean_label",
    "direction_from_label",
    "indicator_name",
    "infer_direction",
    "inline_split",
    "is_rate_like",
    "is_ticked",
    "keys_of",
    "label_key",
    "money_unit_from_label",
    "normalize",
    "normalize_doc_number",
    "normalize_org",
    "parse_checkbox_group",
    "parse_date",
    "parse_date_range",
    "parse_deadline",
    "parse_grade",
    "parse_money",
    "parse_number",
    "parse_percent",
    "parse_qual_level",
    "parse_target",
    "resolve_tier_set",
    "split_code_name",
    "typo_fix",
]
