"""Tests for perfxl.parse: seed and real-form strings, the target grammar, tiers, dates, boxes."""

from __future__ import annotations

import ast
import math
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perfxl.read.grammar as parse_module
from perfxl.read.grammar import (
    DIRECTIONS,
    MONEY_FACTORS,
    QUAL_LEVELS,
    Interval,
    Money,
    Num,
    Target,
    clean_label,
    direction_from_label,
    indicator_name,
    infer_direction,
    is_rate_like,
    is_ticked,
    money_unit_from_label,
    normalize,
    normalize_doc_number,
    normalize_org,
    parse_checkbox_group,
    parse_date,
    parse_date_range,
    parse_deadline,
    parse_grade,
    parse_money,
    parse_number,
    parse_percent,
    parse_qual_level,
    parse_target,
    resolve_tier_set,
    split_code_name,
    typo_fix,
)

INF = math.inf


# --------------------------------------------------------------------------------------------
# module hygiene
# --------------------------------------------------------------------------------------------


GRAMMAR_FILES = sorted(Path(parse_module.__file__).parent.glob("*.py"))


def test_module_imports_only_the_standard_library() -> None:
    imported = set()
    for path in GRAMMAR_FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith(parse_module.__name__ + "."):
                    continue  # one grammar module using another
                imported.add(node.module.split(".")[0])
    allowed = {
        "__future__",
        "collections",
        "dataclasses",
        "datetime",
        "functools",
        "math",
        "re",
        "unicodedata",
    }
    assert imported <= allowed, imported - allowed


def test_module_docstring_is_one_line() -> None:
    assert len(GRAMMAR_FILES) > 1
    for path in GRAMMAR_FILES:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc, path.name
        assert "\n" not in doc.strip(), path.name


# --------------------------------------------------------------------------------------------
# normalize
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        (None, ""),
        ("", ""),
        (49.0, "49"),
        (49, "49"),
        (0.5, "0.5"),
        (-3.0, "-3"),
        (float("nan"), ""),
        (True, "True"),
        (date(2019, 6, 11), "2019-06-11"),
        # comparators NFKC misses
        ("≥95%", ">=95%"),
        ("≧95%", ">=95%"),
        ("⩾95", ">=95"),
        ("≤5", "<=5"),
        ("≦5", "<=5"),
        ("⩽5", "<=5"),
        ("＞＝95", ">=95"),
        (">=95", ">=95"),
        ("═100", "=100"),
        ("＝100", "=100"),
        # dashes and tildes
        ("5—10", "5-10"),
        ("5–10", "5-10"),
        ("5‐10", "5-10"),
        ("5−10", "5-10"),
        ("－5", "-5"),
        ("47——51", "47--51"),
        ("5〜10", "5~10"),
        ("5～10", "5~10"),
        # full width
        ("１２３４．５", "1234.5"),
        ("99％", "99%"),
        ("（含）", "(含)"),
        ("ＱＱ工作群", "QQ工作群"),
        ("项目名称：", "项目名称:"),
        ("\u3000项目\u3000", "项目"),
        # artefacts
        ("项目目标[image: image1.png]", "项目目标"),
        ("项目目标[image: image1.png]\n ", "项目目标"),
        ("eq \\o\\ac(□,√)完成结果评价", "☑完成结果评价"),
        ("EQ \\o\\ac(□,√)项目单位", "☑项目单位"),
        ("□实施过程评价      eq \\o\\ac(□,√)完成结果评价", "□实施过程评价 ☑完成结果评价"),
        ("信息_x000D_\n中心", "信息中心"),
        ("信\u200b息", "信息"),
        # whitespace
        ("海南省海 防与口岸", "海南省海防与口岸"),
        ("信息     \n  中心", "信息中心"),
        ("海南省海防与口岸办公室信息     \n             中心)", "海南省海防与口岸办公室信息中心)"),
        ("姓  名", "姓名"),
        ("a   b\tc", "a b c"),
        ("2019 年", "2019 年"),
        ("经常性项目（√）       一次性项目（  ）", "经常性项目(√) 一次性项目( )"),
    ],
)
def test_normalize(given_: object, expected: str) -> None:
    assert normalize(given_) == expected


def test_normalize_is_idempotent_on_seed_text() -> None:
    seed = "评价时间：2019年6月11日组织方式：□财政部门  □主管部门   eq \\o\\ac(□,√)项目单位"
    once = normalize(seed)
    assert once == "评价时间:2019年6月11日组织方式:□财政部门 □主管部门 ☑项目单位"
    assert normalize(once) == once


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("姓  名", "姓名"),
        ("项目名称：", "项目名称"),
        ("项目名称:", "项目名称"),
        ("单   位", "单位"),
        ("签 字", "签字"),
        ("项目目标[image: image1.png]", "项目目标"),
        ("评价单位（盖章）", "评价单位"),
        ("评价单位（盖章）：", "评价单位"),
        ("评价工作组组长（签字）：", "评价工作组组长"),
        ("项目单位负责人（签字并盖章）：", "项目单位负责人"),
        ("项目单位负责人(签字并盖章)", "项目单位负责人"),
        ("计划投资额\n\n（万元）", "计划投资额(万元)"),
        ("年度资金总额:", "年度资金总额"),
        ("*项目名称", "项目名称"),
        ("冯  钰", "冯钰"),
        (None, ""),
    ],
)
def test_clean_label(given_: object, expected: str) -> None:
    assert clean_label(given_) == expected


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("琼财预[2011]1606号", "琼财预〔2011〕1606号"),
        ("琼财预(2011)1606号", "琼财预〔2011〕1606号"),
        ("琼财预（2011）1606号", "琼财预〔2011〕1606号"),
        ("琼财预［2011］1606号", "琼财预〔2011〕1606号"),
        ("琼财预【2011】1606号", "琼财预〔2011〕1606号"),
        ("财预〔2020〕10号", "财预〔2020〕10号"),
        ("财预﹝2020﹞10号", "财预〔2020〕10号"),
        ("琼财预 [2011] 1606 号", "琼财预〔2011〕1606号"),
        ("", ""),
    ],
)
def test_normalize_doc_number(given_: str, expected: str) -> None:
    assert normalize_doc_number(given_) == expected


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        (
            "海南省商务厅信息中心(原海南省海防与口岸办公室信息     \n             中心)",
            ("海南省商务厅信息中心", "海南省海防与口岸办公室信息中心"),
        ),
        (
            "海南省商务厅信息中心(原海南省海 防与口岸办公室信息中心)",
            ("海南省商务厅信息中心", "海南省海防与口岸办公室信息中心"),
        ),
        (
            "海南省商务厅信息中心（原海南省海防与口岸办公室信息中心）",
            ("海南省商务厅信息中心", "海南省海防与口岸办公室信息中心"),
        ),
        ("省海防与口岸办信息中心", ("省海防与口岸办信息中心", None)),
        ("某单位（原名：旧单位）", ("某单位", "旧单位")),
        ("某单位(原旧单位", ("某单位", "旧单位")),
        ("  ", ("", None)),
        (None, ("", None)),
    ],
)
def test_normalize_org(given_: object, expected: tuple[str, str | None]) -> None:
    assert normalize_org(given_) == expected


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("219-池州市贵池区棠溪镇", ("219", "池州市贵池区棠溪镇")),
        ("219 池州市贵池区棠溪镇", ("219", "池州市贵池区棠溪镇")),
        ("219－池州市贵池区棠溪镇", ("219", "池州市贵池区棠溪镇")),
        ("219—池州市贵池区棠溪镇", ("219", "池州市贵池区棠溪镇")),
        ("219_池州市", ("219", "池州市")),
        ("[219]池州市", ("219", "池州市")),
        ("【219】池州市", ("219", "池州市")),
        ("池州市贵池区棠溪镇", (None, "池州市贵池区棠溪镇")),
        ("2019 年度", (None, "2019 年度")),
        ("50 条", (None, "50 条")),
        ("219-", (None, "219-")),
        ("", (None, "")),
        (None, (None, "")),
    ],
)
def test_split_code_name(given_: object, expected: tuple[str | None, str]) -> None:
    assert split_code_name(given_) == expected


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("评价机构：□中价机构", ("评价机构:□中介机构", [("中价机构", "中介机构")])),
        ("返乡指标", ("反向指标", [("返乡指标", "反向指标")])),
        (
            "中价机构 返乡指标",
            ("中介机构反向指标", [("中价机构", "中介机构"), ("返乡指标", "反向指标")]),
        ),
        ("正常文本", ("正常文本", [])),
        (None, ("", [])),
    ],
)
def test_typo_fix(given_: object, expected: tuple[str, list[tuple[str, str]]]) -> None:
    assert typo_fix(given_) == expected


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("指标1:完成中型灌区节水改造项目数量", "完成中型灌区节水改造项目数量"),
        ("指标1：工程质量合格", "工程质量合格"),
        ("指标 3、已建工程良性运行", "已建工程良性运行"),
        ("指标1:/", None),
        ("指标2:", None),
        ("……", None),
        ("/", None),
        ("", None),
        (None, None),
        ("学生满意度", "学生满意度"),
    ],
)
def test_indicator_name(given_: object, expected: str | None) -> None:
    assert indicator_name(given_) == expected


# --------------------------------------------------------------------------------------------
# parse_number
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_", "value", "unit", "percent", "note"),
    [
        ("589.5", 589.5, None, False, None),
        ("589.50", 589.5, None, False, None),
        ("1,234.5", 1234.5, None, False, None),
        ("1，234.5", 1234.5, None, False, None),
        ("1,234,567", 1234567.0, None, False, None),
        ("１２３４．５", 1234.5, None, False, None),
        ("５０", 50.0, None, False, None),
        ("0.00", 0.0, None, False, None),
        (".5", 0.5, None, False, None),
        ("+5", 5.0, None, False, None),
        ("1e-07", 1e-07, None, False, None),
        ("(123.4)", -123.4, None, False, "accounting_negative"),
        ("（123.4）", -123.4, None, False, "accounting_negative"),
        ("▲123", -123.0, None, False, "accounting_negative"),
        ("△123", -123.0, None, False, "accounting_negative"),
        ("-123.4", -123.4, None, False, None),
        ("－123.4", -123.4, None, False, None),
        ("−123.4", -123.4, None, False, None),
        ("589.50万元", 589.5, "万元", False, None),
        ("589.50 万元", 589.5, "万元", False, None),
        ("387664.62元", 387664.62, "元", False, None),
        ("50条", 50.0, "条", False, None),
        ("49条", 49.0, "条", False, None),
        ("288万人次", 288.0, "万人次", False, None),
        ("99%", 99.0, "%", True, None),
        ("99 ％", 99.0, "%", True, None),
        ("99％", 99.0, "%", True, None),
        ("99.76%", 99.76, "%", True, None),
        ("5‰", 0.5, "%", True, None),
        ("100百分比", 100.0, "%", True, None),
        # Chinese numerals
        ("五十", 50.0, None, False, "chinese_numeral"),
        ("一百二十", 120.0, None, False, "chinese_numeral"),
        ("两", 2.0, None, False, "chinese_numeral"),
        ("三千零五", 3005.0, None, False, "chinese_numeral"),
        ("十五", 15.0, None, False, "chinese_numeral"),
        ("零", 0.0, None, False, "chinese_numeral"),
        ("三点五", 3.5, None, False, "chinese_numeral"),
        ("二〇一九", 2019.0, None, False, "chinese_numeral"),
        ("五十条", 50.0, "条", False, "chinese_numeral"),
        ("一千二百万", 12000000.0, None, False, "chinese_numeral"),
        ("五十万元", 500000.0, "元", False, "chinese_numeral"),
        ("伍拾捌万玖仟伍佰元整", 589500.0, "元", False, "chinese_numeral"),
        ("百分之九十五", 95.0, "%", True, "chinese_numeral"),
        ("百分之95", 95.0, "%", True, "chinese_numeral"),
        ("百分之百", 100.0, "%", True, "chinese_numeral"),
        ("九成", 90.0, "%", True, "chinese_numeral"),
        ("九成五", 95.0, "%", True, "chinese_numeral"),
        ("负五", -5.0, None, False, "chinese_numeral"),
        # text lexicon
        ("未出网络故障", 0.0, None, False, "text_lexicon"),
        ("未出现网络故障", 0.0, None, False, "text_lexicon"),
        ("未发生安全事故", 0.0, None, False, "text_lexicon"),
        ("无投诉", 0.0, None, False, "text_lexicon"),
        ("零投诉", 0.0, None, False, "text_lexicon"),
        ("没有投诉", 0.0, None, False, "text_lexicon"),
        ("全部完成", 100.0, "%", True, "text_lexicon"),
        ("全部到位", 100.0, "%", True, "text_lexicon"),
        ("100%完成", 100.0, "%", True, "text_lexicon"),
        # not numbers
        ("无", None, None, False, "not_applicable"),
        ("—", None, None, False, "not_applicable"),
        ("——", None, None, False, "not_applicable"),
        ("-", None, None, False, "not_applicable"),
        ("－", None, None, False, "not_applicable"),
        ("/", None, None, False, "not_applicable"),
        ("不适用", None, None, False, "not_applicable"),
        ("", None, None, False, None),
        ("   ", None, None, False, None),
        ("#DIV/0!", None, None, False, "excel_error"),
        ("#N/A", None, None, False, "excel_error"),
        ("1,2", None, None, False, None),
        ("12,34", None, None, False, None),
        ("1 234", 1234.0, None, False, None),  # a space inside a number: OCR or a typist
        (">=95%", None, None, False, None),
        ("≧95%", None, None, False, None),
        ("40条以下", None, None, False, None),
        ("47（含）", None, None, False, None),
        ("1000余次", None, None, False, None),
        ("50条左右", None, None, False, None),
        ("5天内", None, None, False, None),
        ("(-5)", None, None, False, None),
        ("一般", None, None, False, None),
        ("十分满意", None, None, False, None),
        ("万", None, None, False, None),
        ("无明显效果", None, None, False, None),
        ("已完成", None, None, False, None),
        ("有效", None, None, False, None),
        ("2019年6月11日", None, None, False, None),
        ("inf", None, None, False, None),
        ("nan", None, None, False, None),
    ],
)
def test_parse_number_text(
    given_: str, value: float | None, unit: str | None, percent: bool, note: str | None
) -> None:
    assert parse_number(given_) == Num(value, given_, unit, percent, note)


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        (589.5, Num(589.5, "589.5")),
        (49, Num(49.0, "49")),
        (49.0, Num(49.0, "49.0")),
        (0, Num(0.0, "0")),
        (-1.5, Num(-1.5, "-1.5")),
        (True, Num(None, "True")),
        (False, Num(None, "False")),
        (None, Num(None, "")),
        (float("nan"), Num(None, "nan")),
        (float("inf"), Num(None, "inf")),
        (10**400, Num(None, str(10**400))),
    ],
)
def test_parse_number_non_text(given_: object, expected: Num) -> None:
    assert parse_number(given_) == expected


def test_parse_number_keeps_raw_text() -> None:
    assert parse_number(" 1，234.50万元 ").raw == " 1，234.50万元 "


# --------------------------------------------------------------------------------------------
# money
# --------------------------------------------------------------------------------------------


def test_money_factors() -> None:
    assert MONEY_FACTORS["元"] == 1e-4
    assert MONEY_FACTORS["千元"] == 0.1
    assert MONEY_FACTORS["万元"] == 1
    assert MONEY_FACTORS["万"] == 1
    assert MONEY_FACTORS["百万元"] == 100
    assert MONEY_FACTORS["亿元"] == 1e4
    assert MONEY_FACTORS["亿"] == 1e4


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("项目资金（万元）", "万元"),
        ("项目资金(万元)", "万元"),
        ("计划投资额(元)", "元"),
        ("计划投资额\n\n（万元）", "万元"),
        ("实际到位资金（万元）", "万元"),
        ("单位：元", "元"),
        ("单位:万元", "万元"),
        ("（单位：万元）", "万元"),
        ("金额（千元）", "千元"),
        ("金额（亿元）", "亿元"),
        ("金额（百万元）", "百万元"),
        ("金额(万)", "万元"),
        ("项目资金单位", None),
        ("实施单位：元谋县", None),
        ("项目名称", None),
        ("", None),
        (None, None),
    ],
)
def test_money_unit_from_label(given_: object, expected: str | None) -> None:
    assert money_unit_from_label(given_) == expected


@pytest.mark.parametrize(
    ("given_", "default", "expected"),
    [
        ("589.5", "万元", Money(589.5, "589.5", "万元", "label")),
        (589.5, "万元", Money(589.5, "589.5", "万元", "label")),
        ("588.06", "万元", Money(588.06, "588.06", "万元", "label")),
        # Yunnan form: amounts in 元
        (387664.62, "元", Money(38.766462, "387664.62", "元", "label")),
        ("387664.62", "元", Money(38.766462, "387664.62", "元", "label")),
        ("387664.62元", "万元", Money(38.766462, "387664.62元", "元", "cell")),
        ("1.44万元", "元", Money(1.44, "1.44万元", "万元", "cell")),
        ("3万", "元", Money(3.0, "3万", "万元", "cell")),
        ("101亿元", "万元", Money(1010000.0, "101亿元", "亿元", "cell")),
        ("2亿", "万元", Money(20000.0, "2亿", "亿元", "cell")),
        ("5千元", "万元", Money(0.5, "5千元", "千元", "cell")),
        ("1,200", "千元", Money(120.0, "1,200", "千元", "label")),
        ("3", "百万元", Money(300.0, "3", "百万元", "label")),
        ("五十万元", "万元", Money(50.0, "五十万元", "元", "cell", "chinese_numeral")),
        ("(1.5)", "万元", Money(-1.5, "(1.5)", "万元", "label", "accounting_negative")),
        ("0.00", "万元", Money(0.0, "0.00", "万元", "label")),
        ("无", "万元", Money(None, "无", "万元", "label", "not_applicable")),
        ("—", "元", Money(None, "—", "元", "label", "not_applicable")),
        ("/", "万元", Money(None, "/", "万元", "label", "not_applicable")),
        ("", "万元", Money(None, "", "万元", "label")),
        (None, "万元", Money(None, "", "万元", "label")),
        ("50条", "万元", Money(None, "50条", "条", "cell", "not_money")),
        ("99%", "万元", Money(None, "99%", "万元", "label", "not_money")),
        ("abc", "万元", Money(None, "abc", "万元", "label")),
        ("5", "英镑", Money(5.0, "5", "万元", "label", "unknown_default_unit")),
    ],
)
def test_parse_money(given_: object, default: str, expected: Money) -> None:
    assert parse_money(given_, default) == expected


def test_parse_money_defaults_to_wan() -> None:
    assert parse_money("589.5") == Money(589.5, "589.5", "万元", "label")


# --------------------------------------------------------------------------------------------
# percentages
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("网络宽带保障率", True),
        ("资金到位及时率", True),
        ("学生满意度", True),
        ("营养改善计划覆盖率", True),
        ("自有资金比例", True),
        ("经费占比", True),
        ("完成百分比", True),
        ("租用网络运行线路", False),
        ("学生受资助人数", False),
        ("", False),
        (None, False),
    ],
)
def test_is_rate_like(name: object, expected: bool) -> None:
    assert is_rate_like(name) is expected


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        (("99%",), {}, Num(99.0, "99%", "%", True)),
        (("99.76%",), {}, Num(99.76, "99.76%", "%", True)),
        (("100百分比",), {}, Num(100.0, "100百分比", "%", True)),
        ((0.99, "0%"), {}, Num(99.0, "0.99", "%", True)),
        ((0.9976, "0.00%"), {}, Num(99.76, "0.9976", "%", True)),
        ((0.9976, "0.00%;[Red]-0.00%"), {}, Num(99.76, "0.9976", "%", True)),
        ((99, '0"%"'), {}, Num(99.0, "99", "%", True)),
        ((99, "0\\%"), {}, Num(99.0, "99", "%", True)),
        ((0.99, "General"), {}, Num(0.99, "0.99")),
        (
            (0.99,),
            {"rate_like": True, "paired": 99.0},
            Num(99.0, "0.99", "%", True, "fraction_scaled"),
        ),
        (
            ("0.99",),
            {"rate_like": True, "paired": 95.0},
            Num(99.0, "0.99", "%", True, "fraction_scaled"),
        ),
        (
            (0.03,),
            {"rate_like": True, "paired": 5.0},
            Num(3.0, "0.03", "%", True, "fraction_scaled"),
        ),
        # 1 % against a 5 % target is plausible as written: no rescale
        ((1,), {"rate_like": True, "paired": 5.0}, Num(1.0, "1", "%", True, "percent_assumed")),
        ((0.99,), {"rate_like": True}, Num(0.99, "0.99", "%", True, "percent_assumed")),
        (
            (0.99,),
            {"rate_like": True, "paired": 1.0},
            Num(0.99, "0.99", "%", True, "percent_assumed"),
        ),
        ((0.99,), {"paired": 99.0}, Num(0.99, "0.99")),
        ((99,), {"rate_like": True}, Num(99.0, "99", "%", True, "percent_assumed")),
        (("99",), {"rate_like": True}, Num(99.0, "99", "%", True, "percent_assumed")),
        ((120,), {"rate_like": True}, Num(120.0, "120", "%", True, "percent_assumed")),
        (("120%",), {}, Num(120.0, "120%", "%", True)),
        (
            ("未出网络故障",),
            {"rate_like": True, "paired": 1.0},
            Num(0.0, "未出网络故障", "%", True, "text_lexicon"),
        ),
        (("50条",), {"rate_like": True}, Num(50.0, "50条", "条")),
        (("/",), {"rate_like": True}, Num(None, "/", note="not_applicable")),
        ((None,), {"rate_like": True}, Num(None, "")),
    ],
)
def test_parse_percent(args: tuple[object, ...], kwargs: dict[str, object], expected: Num) -> None:
    assert parse_percent(*args, **kwargs) == expected  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# parse_target
# --------------------------------------------------------------------------------------------


def T(raw: str, kind: str, **fields: object) -> Target:
    """A Target with every field not given at its "nothing said" value."""
    base: dict[str, object] = dict.fromkeys(
        ("comparator", "lo", "lo_incl", "hi", "hi_incl", "incl_source", "unit"), None
    )
    base.update(percent=False, qual_level=None, deadline=None)
    base.update(fields)
    return Target(raw, kind, **base)  # type: ignore[arg-type]


def ge(raw: str, v: float, incl: bool, src: str, unit: str | None = None) -> Target:
    return T(
        raw,
        "cmp",
        comparator=">=" if incl else ">",
        lo=v,
        lo_incl=incl,
        incl_source=src,
        lo_source=src,
        unit=unit,
        percent=unit == "%",
    )


def le(raw: str, v: float, incl: bool, src: str, unit: str | None = None) -> Target:
    return T(
        raw,
        "cmp",
        comparator="<=" if incl else "<",
        hi=v,
        hi_incl=incl,
        incl_source=src,
        hi_source=src,
        unit=unit,
        percent=unit == "%",
    )


def eq(raw: str, v: float, src: str, unit: str | None = None) -> Target:
    return T(
        raw,
        "cmp",
        comparator="=",
        lo=v,
        lo_incl=True,
        hi=v,
        hi_incl=True,
        incl_source=src,
        lo_source=src,
        hi_source=src,
        unit=unit,
        percent=unit == "%",
    )


def point(raw: str, v: float, unit: str | None = None, note: str | None = None) -> Target:
    return T(raw, "point", lo=v, hi=v, unit=unit, percent=unit == "%", note=note)


def rng(
    raw: str,
    lo: float,
    hi: float,
    lo_incl: bool | None = None,
    hi_incl: bool | None = None,
    src: str | None = None,
    unit: str | None = None,
    note: str | None = None,
) -> Target:
    return T(
        raw,
        "range",
        lo=lo,
        lo_incl=lo_incl,
        hi=hi,
        hi_incl=hi_incl,
        incl_source=src,
        lo_source=src if lo_incl is not None else None,
        hi_source=src if hi_incl is not None else None,
        unit=unit,
        percent=unit == "%",
        note=note,
    )


SEED_TARGETS = [
    # 项目绩效目标表, row 租用网络运行线路
    point("49", 49.0),
    rng("47（含）-51", 47, 51, lo_incl=True, src="explicit"),
    rng("43（含）-46", 43, 46, lo_incl=True, src="explicit"),
    rng("40（含）-45", 40, 45, lo_incl=True, src="explicit"),
    le("40条以下", 40, True, "word", "条"),
    # 网络宽带保障率
    point("99%", 99.0, "%"),
    ge("≧95%", 95, True, "symbol", "%"),
    rng("90%（含）-95%", 90, 95, lo_incl=True, src="explicit", unit="%"),
    rng("85%（含）-90%", 85, 90, lo_incl=True, src="explicit", unit="%"),
    le("85%以下", 85, True, "word", "%"),
    # 网络运行故障率
    point("1%", 1.0, "%"),
    le("5%以下", 5, True, "word", "%"),
    rng("5%（含）-10%", 5, 10, lo_incl=True, src="explicit", unit="%"),
    rng("10%（含）-15%", 10, 15, lo_incl=True, src="explicit", unit="%"),
    le("15%（含）以下", 15, True, "explicit", "%"),
]


@pytest.mark.parametrize("expected", SEED_TARGETS, ids=[t.raw for t in SEED_TARGETS])
def test_parse_target_seed(expected: Target) -> None:
    assert parse_target(expected.raw) == expected


REAL_FORM_TARGETS = [
    ge("≧100", 100, True, "symbol"),
    ge("≧" + "95", 95, True, "symbol"),
    eq("═100", 100, "symbol"),
    eq("═100%", 100, "symbol", "%"),
    eq("等于100", 100, "word"),
    point("100百分比", 100.0, "%"),
    ge("≥100百分比", 100, True, "symbol", "%"),
    point("90%", 90.0, "%"),
    point("735", 735.0),
    point("100", 100.0),
    T("有效", "text"),
    T("/", "empty"),
    T("—", "empty"),
    T("-", "empty"),
    T("", "empty"),
    T("……", "empty"),
]


@pytest.mark.parametrize("expected", REAL_FORM_TARGETS, ids=[t.raw for t in REAL_FORM_TARGETS])
def test_parse_target_real_forms(expected: Target) -> None:
    assert parse_target(expected.raw) == expected


OTHER_TARGETS = [
    ge("≥95%", 95, True, "symbol", "%"),
    ge(">=95", 95, True, "symbol"),
    ge("> =95", 95, True, "symbol"),
    ge("＞＝95", 95, True, "symbol"),
    ge(">95", 95, False, "symbol"),
    le("<=5", 5, True, "symbol"),
    le("<5", 5, False, "symbol"),
    le("≤3个工作日", 3, True, "symbol", "个工作日"),
    ge("≥1次/年", 1, True, "symbol", "次/年"),
    ge("≥ 95 %", 95, True, "symbol", "%"),
    ge("不低于95%", 95, True, "word", "%"),
    le("不超过5%", 5, True, "word", "%"),
    le("控制在5%以内", 5, True, "word", "%"),
    le("控制在5%", 5, True, "word", "%"),
    ge("95%及以上", 95, True, "word", "%"),
    ge("大于等于90%", 90, True, "word", "%"),
    le("100万元以内", 100, True, "word", "万元"),
    le("5天内", 5, True, "word", "天"),
    ge("5公里以外", 5, False, "word", "公里"),
    ge("95%以上（含）", 95, True, "explicit", "%"),
    ge("95%（含）以上", 95, True, "explicit", "%"),
    le("5%（不含）以下", 5, False, "explicit", "%"),
    ge(">=95(不含)", 95, False, "explicit"),
    ge("保持在95%以上", 95, True, "word", "%"),
    le("≤-5", -5, True, "symbol"),
    le("5‰以下", 0.5, True, "word", "%"),
    T("12月底前", "date"),
    T("2018年12月31日前", "date", deadline=date(2018, 12, 31)),
    T("2018-12-31", "date", deadline=date(2018, 12, 31)),
    T("2018年底前完成", "date", deadline=date(2018, 12, 31)),
    T("达成年度指标", "qual", qual_level="A"),
    T("部分达成年度指标并具有一定效果", "qual", qual_level="B"),
    T("未达成年度指标且效果较差", "qual", qual_level="C"),
    T("及时", "text"),
    T("上半年执行率≥50%", "text"),
    T("≧", "text"),
    rng("[47,51)", 47, 51, True, False, "symbol"),
    rng("(47,51)", 47, 51, False, False, "symbol"),
    rng("[47,51]", 47, 51, True, True, "symbol"),
    rng("（47，51］", 47, 51, False, True, "symbol"),
    rng("[1,000,2,000]", 1000, 2000, True, True, "symbol"),
    rng("[90,100]%", 90, 100, True, True, "symbol", "%"),
    rng("43条-46条", 43, 46, unit="条"),
    rng("5-10天", 5, 10, unit="天"),
    rng("-5~5", -5, 5),
    rng("-5〜5", -5, 5),
    rng("-5--3", -5, -3),
    rng("47——51", 47, 51),
    rng("47—51", 47, 51),
    rng("47至51", 47, 51),
    rng("47到51", 47, 51),
    rng("47~51之间", 47, 51),
    rng("1,000-2,000", 1000, 2000),
    rng("47（含）-51（含）", 47, 51, True, True, "explicit"),
    rng("47-51（不含）", 47, 51, None, False, "explicit"),
    rng("51-47", 47, 51, note="reversed_range"),
    rng("43条-46个", 43, 46, unit="条", note="unit_mismatch"),
    rng("100±5", 95, 105),
    point("约50条", 50.0, "条", "approx"),
    point("50条左右", 50.0, "条", "approx"),
    point("0.5", 0.5),
]


@pytest.mark.parametrize("expected", OTHER_TARGETS, ids=[t.raw for t in OTHER_TARGETS])
def test_parse_target_other(expected: Target) -> None:
    assert parse_target(expected.raw) == expected


# Every comparator word of domain b.0, with the inclusivity 民法典 第1259条 gives it.
COMPARATOR_WORDS = [
    ("大于等于", ">=", True),
    ("不低于", ">=", True),
    ("不少于", ">=", True),
    ("不小于", ">=", True),
    ("至少", ">=", True),
    ("达到", ">=", True),
    ("大于", ">", False),
    ("高于", ">", False),
    ("超过", ">", False),
    ("多于", ">", False),
    ("逾", ">", False),
    ("小于等于", "<=", True),
    ("不高于", "<=", True),
    ("不超过", "<=", True),
    ("不大于", "<=", True),
    ("不多于", "<=", True),
    ("至多", "<=", True),
    ("最多", "<=", True),
    ("控制在", "<=", True),
    ("小于", "<", False),
    ("低于", "<", False),
    ("少于", "<", False),
    ("不足", "<", False),
    ("不满", "<", False),
    ("未达到", "<", False),
    ("未满", "<", False),
]


@pytest.mark.parametrize(("word", "cmp", "incl"), COMPARATOR_WORDS)
def test_comparator_words(word: str, cmp: str, incl: bool) -> None:
    t = parse_target(f"{word}80%")
    assert (t.kind, t.comparator, t.incl_source, t.unit, t.percent) == (
        "cmp",
        cmp,
        "word",
        "%",
        True,
    )
    if cmp.startswith(">"):
        assert (t.lo, t.lo_incl, t.hi, t.hi_incl, t.lo_source) == (80, incl, None, None, "word")
    else:
        assert (t.lo, t.lo_incl, t.hi, t.hi_incl, t.hi_source) == (None, None, 80, incl, "word")
    assert t.value == 80


@pytest.mark.parametrize("word", ["等于", "＝", "=", "==", "═"])
def test_equal_comparators(word: str) -> None:
    t = parse_target(f"{word}100")
    assert (t.kind, t.comparator, t.lo, t.lo_incl, t.hi, t.hi_incl) == (
        "cmp",
        "=",
        100,
        True,
        100,
        True,
    )
    assert t.value == 100


@pytest.mark.parametrize(
    ("symbol", "cmp", "incl"),
    [
        (">=", ">=", True),
        ("=>", ">=", True),
        ("≥", ">=", True),
        ("≧", ">=", True),
        ("⩾", ">=", True),
        (">", ">", False),
        ("＞", ">", False),
        ("<=", "<=", True),
        ("=<", "<=", True),
        ("≤", "<=", True),
        ("≦", "<=", True),
        ("⩽", "<=", True),
        ("<", "<", False),
        ("＜", "<", False),
    ],
)
def test_comparator_symbols(symbol: str, cmp: str, incl: bool) -> None:
    t = parse_target(f"{symbol}7")
    assert (t.kind, t.comparator, t.incl_source, t.value) == ("cmp", cmp, "symbol", 7)
    assert (t.lo_incl if cmp.startswith(">") else t.hi_incl) is incl


@pytest.mark.parametrize(
    ("suffix", "cmp", "incl"),
    [
        ("以上", ">=", True),
        ("及以上", ">=", True),
        ("或以上", ">=", True),
        ("以下", "<=", True),
        ("及以下", "<=", True),
        ("或以下", "<=", True),
        ("以内", "<=", True),
        ("之内", "<=", True),
        ("内", "<=", True),
        ("以外", ">", False),
    ],
)
def test_suffixes(suffix: str, cmp: str, incl: bool) -> None:
    t = parse_target(f"40条{suffix}")
    assert (t.kind, t.comparator, t.incl_source, t.unit, t.value) == ("cmp", cmp, "word", "条", 40)
    assert (t.lo_incl if cmp.startswith(">") else t.hi_incl) is incl


@pytest.mark.parametrize(
    ("mark", "incl"),
    [
        ("（含）", True),
        ("(含)", True),
        ("（含本数）", True),
        ("（不含）", False),
        ("(不含)", False),
    ],
)
def test_explicit_inclusivity_marks(mark: str, incl: bool) -> None:
    t = parse_target(f"90%{mark}-95%")
    assert (t.kind, t.lo, t.lo_incl, t.hi, t.hi_incl, t.incl_source) == (
        "range",
        90,
        incl,
        95,
        None,
        "explicit",
    )
    # explicit beats the word semantics of 以下
    t = parse_target(f"85%{mark}以下")
    assert (t.hi, t.hi_incl, t.incl_source) == (85, incl, "explicit")


def test_target_value_property() -> None:
    assert parse_target("≥95%").value == 95
    assert parse_target("40条以下").value == 40
    assert parse_target("49").value == 49
    assert parse_target("43-46").value is None
    assert parse_target("达成年度指标").value is None
    assert parse_target("/").value is None


@pytest.mark.parametrize(
    ("given_", "fmt", "expected"),
    [
        (49, None, point("49", 49.0)),
        (49.0, None, point("49.0", 49.0)),
        (0.95, "0%", point("0.95", 95.0, "%")),
        (95, '0"%"', point("95", 95.0, "%")),
        (float("nan"), None, T("nan", "empty")),
        (None, None, T("", "empty")),
        (True, None, T("True", "text")),
        (
            date(2018, 12, 31),
            None,
            T("2018-12-31", "date", deadline=date(2018, 12, 31)),
        ),
        (
            datetime(2018, 12, 31, 10),
            None,
            T("2018-12-31 10:00:00", "date", deadline=date(2018, 12, 31)),
        ),
    ],
)
def test_parse_target_non_text(given_: object, fmt: str | None, expected: Target) -> None:
    assert parse_target(given_, fmt) == expected


def test_parse_target_deadline_uses_fiscal_year() -> None:
    assert parse_target("12月底前", fiscal_year=2018).deadline == date(2018, 12, 31)
    assert parse_target("6月底前", fiscal_year=2022).deadline == date(2022, 6, 30)
    assert parse_target("年底前").deadline is None
    assert parse_target("年底前").kind == "date"


# --------------------------------------------------------------------------------------------
# tier sets
# --------------------------------------------------------------------------------------------


def tiers_of(texts: dict[str, str]) -> dict[str, Target]:
    return {grade: parse_target(text) for grade, text in texts.items()}


LINES = {"优": "47（含）-51", "良": "43（含）-46", "中": "40（含）-45", "差": "40条以下"}
BANDWIDTH = {"优": "≧95%", "良": "90%（含）-95%", "中": "85%（含）-90%", "差": "85%以下"}
FAULTS = {"优": "5%以下", "良": "5%（含）-10%", "中": "10%（含）-15%", "差": "15%（含）以下"}


def test_tiers_seed_lines() -> None:
    intervals, flagged = resolve_tier_set(tiers_of(LINES))
    assert intervals == {
        "优": Interval(47, True, 51, False),
        "良": Interval(43, True, 46, False),
        "中": Interval(40, True, 45, False),
        "差": Interval(None, False, 40, False),
    }
    assert list(intervals) == ["优", "良", "中", "差"]
    # 优/良/中 by the "A（含）-B" default, 差 by the neighbour rule
    assert flagged == ["优", "良", "中", "差"]
    # domain d.1 #1 and #2: overlap on [43, 45), gaps [46, 47) and >= 51
    assert intervals["良"].overlap_length(intervals["中"]) == 2.0
    assert not any(iv.contains(46) for iv in intervals.values())
    assert not any(iv.contains(46.99) for iv in intervals.values())
    assert not any(iv.contains(51) for iv in intervals.values())
    assert intervals["优"].contains(50)  # the seed's actual 50 条
    assert intervals["优"].contains(49)  # the target
    assert intervals["差"].contains(39.9) and not intervals["差"].contains(40)


def test_tiers_seed_bandwidth() -> None:
    intervals, flagged = resolve_tier_set(tiers_of(BANDWIDTH))
    assert intervals == {
        "优": Interval(95, True, None, False),
        "良": Interval(90, True, 95, False),
        "中": Interval(85, True, 90, False),
        "差": Interval(None, False, 85, False),
    }
    assert flagged == ["良", "中", "差"]
    # contiguous: each boundary in exactly one tier
    for x in (85, 90, 95, 99, 100, 84.99):
        assert sum(iv.contains(x) for iv in intervals.values()) == 1


def test_tiers_seed_faults() -> None:
    intervals, flagged = resolve_tier_set(tiers_of(FAULTS))
    assert intervals == {
        "优": Interval(None, False, 5, False),
        "良": Interval(5, True, 10, False),
        "中": Interval(10, True, 15, False),
        "差": Interval(None, False, 15, True),
    }
    # 优 by the neighbour rule (overriding 以下), 良 likewise, 中 by the default
    assert flagged == ["优", "良", "中"]
    # domain d.1 #7: the actual 0 % is both 优 and 差
    assert [g for g, iv in intervals.items() if iv.contains(0)] == ["优", "差"]
    assert intervals["优"].overlap_length(intervals["差"]) == INF


def test_tiers_empty_and_text_are_omitted() -> None:
    intervals, flagged = resolve_tier_set(
        {
            "优": parse_target("≥90"),
            "良": parse_target("/"),
            "中": parse_target("较好"),
            "差": parse_target("有效"),
        }
    )
    assert intervals == {"优": Interval(90, True, None, False)}
    assert flagged == []


def test_tiers_unmarked_range_defaults_closed() -> None:
    intervals, flagged = resolve_tier_set(tiers_of({"优": "90-100", "良": "80-89"}))
    assert intervals == {"优": Interval(90, True, 100, True), "良": Interval(80, True, 89, True)}
    assert flagged == ["优", "良"]


def test_tiers_mirrored_pattern() -> None:
    intervals, _ = resolve_tier_set(tiers_of({"优": "90-100（含）", "良": "80-90（含）"}))
    assert intervals == {"优": Interval(90, False, 100, True), "良": Interval(80, False, 90, True)}


def test_tiers_symbol_is_not_overridden_by_neighbour() -> None:
    intervals, flagged = resolve_tier_set(tiers_of({"优": "≥95", "良": "90（含）-95（含）"}))
    assert intervals["优"] == Interval(95, True, None, False)
    assert intervals["良"] == Interval(90, True, 95, True)
    assert flagged == []
    assert intervals["优"].overlap_length(intervals["良"]) == 0.0


def test_tiers_explicit_exclusion_fills_an_unspecified_neighbour() -> None:
    intervals, flagged = resolve_tier_set(tiers_of({"优": "95（不含）-100", "良": "90-95"}))
    assert intervals["优"] == Interval(95, False, 100, True)
    assert intervals["良"] == Interval(90, True, 95, True)
    assert flagged == ["优", "良"]


def test_tiers_fully_explicit_needs_no_flags() -> None:
    intervals, flagged = resolve_tier_set(
        tiers_of({"优": "[90,100]", "良": "[80,90)", "中": "≥60", "差": "<60"})
    )
    assert flagged == []
    assert intervals["中"] == Interval(60, True, None, False)
    assert intervals["差"] == Interval(None, False, 60, False)


def test_tiers_accept_synonym_keys_and_points() -> None:
    intervals, flagged = resolve_tier_set({"优秀": parse_target("49"), "较差": parse_target("<40")})
    assert intervals == {
        "优秀": Interval(49, True, 49, True),
        "较差": Interval(None, False, 40, False),
    }
    assert flagged == ["优秀"]


def test_tiers_hand_built_targets_use_incl_source() -> None:
    hand = Target("x", "range", None, 5, True, 10, None, "explicit", None, False, None, None)
    below = Target("y", "cmp", "<=", None, None, 5, True, "word", None, False, None, None)
    intervals, flagged = resolve_tier_set({"良": hand, "差": below})
    assert intervals == {"良": Interval(5, True, 10, False), "差": Interval(None, False, 5, False)}
    assert flagged == ["良", "差"]


# --------------------------------------------------------------------------------------------
# Interval
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iv", "x", "inside"),
    [
        (Interval(47, True, 51, False), 47, True),
        (Interval(47, True, 51, False), 51, False),
        (Interval(47, False, 51, True), 47, False),
        (Interval(47, False, 51, True), 51, True),
        (Interval(None, False, 5, False), -1e9, True),
        (Interval(None, False, 5, False), 5, False),
        (Interval(5, True, None, False), 1e9, True),
        (Interval(None, False, None, False), 0, True),
        (Interval(0, True, 1, True), math.nan, False),
    ],
)
def test_interval_contains(iv: Interval, x: float, inside: bool) -> None:
    assert iv.contains(x) is inside


@pytest.mark.parametrize(
    ("a", "b", "length"),
    [
        (Interval(43, True, 46, False), Interval(40, True, 45, False), 2.0),
        (Interval(40, True, 45, False), Interval(None, False, 40, False), None),
        (Interval(40, True, 45, True), Interval(45, True, 50, False), 0.0),
        (Interval(40, True, 45, False), Interval(45, True, 50, False), None),
        (Interval(40, True, 45, True), Interval(45, False, 50, False), None),
        (Interval(5, True, 10, False), Interval(None, False, 15, True), 5.0),
        (Interval(None, False, 5, False), Interval(None, False, 15, True), INF),
        (Interval(1, True, 2, True), Interval(3, True, 4, True), None),
        (Interval(1, True, 10, True), Interval(2, False, 3, False), 1.0),
    ],
)
def test_interval_overlap_length(a: Interval, b: Interval, length: float | None) -> None:
    assert a.overlap_length(b) == length
    assert b.overlap_length(a) == length


def test_interval_str() -> None:
    assert str(Interval(47, True, 51, False)) == "[47, 51)"
    assert str(Interval(None, False, 15, True)) == "(-inf, 15]"
    assert str(Interval(95.5, False, None, False)) == "(95.5, inf)"


# --------------------------------------------------------------------------------------------
# qualitative levels and grades
# --------------------------------------------------------------------------------------------


def test_qual_levels_canonical() -> None:
    assert QUAL_LEVELS == {
        "A": "达成年度指标",
        "B": "部分达成年度指标并具有一定效果",
        "C": "未达成年度指标且效果较差",
    }
    for level, text in QUAL_LEVELS.items():
        assert parse_qual_level(text) == level


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("达成预期指标", "A"),
        ("全部完成", "A"),
        ("已完成", "A"),
        ("是", "A"),
        ("好", "A"),
        ("效果明显", "A"),
        ("显著提升", "A"),
        ("达到", "A"),
        ("A", "A"),
        ("a", "A"),
        ("部分达成预期指标", "B"),
        ("基本完成", "B"),
        ("基本达到", "B"),
        ("较好", "B"),
        ("一般", "B"),
        ("有所提升", "B"),
        ("B", "B"),
        ("未达成预期指标", "C"),
        ("未完成", "C"),
        ("否", "C"),
        ("差", "C"),
        ("无明显效果", "C"),
        ("C", "C"),
        ("达成年度指标。", "A"),
        (" 未 完 成 ", "C"),
        ("有效", None),
        ("及时", None),
        ("差错率", None),
        ("一般公共预算", None),
        ("", None),
        (None, None),
        (95, None),
    ],
)
def test_parse_qual_level(given_: object, expected: str | None) -> None:
    assert parse_qual_level(given_) == expected


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("优", "优"),
        ("优秀", "优"),
        (" 优 ", "优"),
        ("良", "良"),
        ("良好", "良"),
        ("中", "中"),
        ("合格", "中"),
        ("一般", "中"),
        ("中等", "中"),
        ("差", "差"),
        ("不合格", "差"),
        ("较差", "差"),
        ("优等", "优"),
        ("A", None),
        ("很好", None),
        ("97", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_grade(given_: object, expected: str | None) -> None:
    assert parse_grade(given_) == expected


# --------------------------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        (date(2019, 6, 11), date(2019, 6, 11)),
        (datetime(2019, 6, 11, 9, 30), date(2019, 6, 11)),
        (43627, date(2019, 6, 11)),
        (43627.0, date(2019, 6, 11)),
        (43627.75, date(2019, 6, 11)),
        ("43627", date(2019, 6, 11)),
        ("2019年6月11日", date(2019, 6, 11)),
        ("2019年06月11日", date(2019, 6, 11)),
        ("2019 年 6 月 11 日", date(2019, 6, 11)),
        ("2019年6月11号", date(2019, 6, 11)),
        ("2019-06-11", date(2019, 6, 11)),
        ("2019-06-11 00:00:00", date(2019, 6, 11)),
        ("2019.6.11", date(2019, 6, 11)),
        ("2019/6/11", date(2019, 6, 11)),
        ("20190611", date(2019, 6, 11)),
        ("２０１９年６月１１日", date(2019, 6, 11)),
        ("二〇一九年六月十一日", date(2019, 6, 11)),
        ("2019年6月", date(2019, 6, 1)),
        ("2019-06", date(2019, 6, 1)),
        ("评价时间：2019年6月11日组织方式：□财政部门", date(2019, 6, 11)),
        ("上报时间：2019年6月11日", date(2019, 6, 11)),
        ("2019-02-30", None),
        ("2019年13月1日", None),
        ("20191332", None),
        ("年    月   日", None),
        ("garbage", None),
        ("", None),
        (None, None),
        (True, None),
        (10, None),
        (99999, None),
        (float("nan"), None),
    ],
)
def test_parse_date(given_: object, expected: date | None) -> None:
    assert parse_date(given_) == expected


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("2013年2月10日至2013年4月25日", (date(2013, 2, 10), date(2013, 4, 25))),
        ("2013年2月10日-2013年4月25日", (date(2013, 2, 10), date(2013, 4, 25))),
        ("2013.2.10—2013.4.25", (date(2013, 2, 10), date(2013, 4, 25))),
        ("2013-02-10~2013-04-25", (date(2013, 2, 10), date(2013, 4, 25))),
        ("2013年2月10日至4月25日", (date(2013, 2, 10), date(2013, 4, 25))),
        ("2013年2月至2013年4月", (date(2013, 2, 1), date(2013, 4, 30))),
        ("2013年2月至4月", (date(2013, 2, 1), date(2013, 4, 30))),
        ("2013年2月", (date(2013, 2, 1), date(2013, 2, 28))),
        ("2019年6月11日", (date(2019, 6, 11), date(2019, 6, 11))),
        (date(2019, 6, 11), (date(2019, 6, 11), date(2019, 6, 11))),
        (43627, (date(2019, 6, 11), date(2019, 6, 11))),
        ("20190611", (date(2019, 6, 11), date(2019, 6, 11))),
        ("nothing", (None, None)),
        (None, (None, None)),
    ],
)
def test_parse_date_range(given_: object, expected: tuple[date | None, date | None]) -> None:
    assert parse_date_range(given_) == expected


@pytest.mark.parametrize(
    ("given_", "fy", "expected"),
    [
        ("2018年12月31日前", None, date(2018, 12, 31)),
        ("2018年12月31日前", 2022, date(2018, 12, 31)),
        ("于2018年12月31日之前完成", None, date(2018, 12, 31)),
        ("2018-12-31", None, date(2018, 12, 31)),
        ("20181231", None, date(2018, 12, 31)),
        ("2018年底前", None, date(2018, 12, 31)),
        ("2018年12月底前", None, date(2018, 12, 31)),
        ("2019年6月", None, date(2019, 6, 30)),
        ("2019年6月前", None, date(2019, 5, 31)),
        ("12月底前", 2018, date(2018, 12, 31)),
        ("12月底前", None, None),
        ("十二月底前", 2018, date(2018, 12, 31)),
        ("年底前", 2018, date(2018, 12, 31)),
        ("年底前", None, None),
        ("年末前", 2018, date(2018, 12, 31)),
        ("年内完成", 2018, date(2018, 12, 31)),
        ("6月底前", 2018, date(2018, 6, 30)),
        ("2月底前", 2020, date(2020, 2, 29)),
        ("6月30日前", 2018, date(2018, 6, 30)),
        ("6月前", 2018, date(2018, 5, 31)),
        ("1月前", 2018, date(2017, 12, 31)),
        ("上半年", 2018, date(2018, 6, 30)),
        ("下半年", 2018, date(2018, 12, 31)),
        ("第三季度末", 2018, date(2018, 9, 30)),
        (date(2018, 12, 31), None, date(2018, 12, 31)),
        (43465, None, date(2018, 12, 31)),
        ("3年内", 2018, None),
        ("及时", 2018, None),
        ("", 2018, None),
        (None, 2018, None),
    ],
)
def test_parse_deadline(given_: object, fy: int | None, expected: date | None) -> None:
    assert parse_deadline(given_, fy) == expected


# --------------------------------------------------------------------------------------------
# checkboxes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("☑", True),
        ("✓", True),
        ("✔", True),
        ("√", True),
        ("■", True),
        ("▇", True),
        ("☒", True),
        ("(√)", True),
        ("（√）", True),
        ("( √ )", True),
        ("[√]", True),
        ("R", True),
        ("þ", True),
        ("eq \\o\\ac(□,√)", True),
        (True, True),
        ("□", False),
        ("☐", False),
        ("（  ）", False),
        ("()", False),
        ("( )", False),
        ("£", False),
        ("¨", False),
        (False, False),
        ("", None),
        ("是", None),
        ("√√", None),
        ("经常性项目（√）", None),
        (None, None),
        (1, None),
    ],
)
def test_is_ticked(given_: object, expected: bool | None) -> None:
    assert is_ticked(given_) is expected


@pytest.mark.parametrize(
    ("line", "options", "expected"),
    [
        (
            "评价类型：□实施过程评价      eq \\o\\ac(□,√)完成结果评价",
            ["实施过程评价", "完成结果评价"],
            ["完成结果评价"],
        ),
        (
            "□实施过程评价      eq \\o\\ac(□,√)完成结果评价",
            ["实施过程评价", "完成结果评价"],
            ["完成结果评价"],
        ),
        (
            "评价时间：2019年6月11日组织方式：□财政部门  □主管部门   eq \\o\\ac(□,√)项目单位",
            ["财政部门", "主管部门", "项目单位"],
            ["项目单位"],
        ),
        (
            "评价机构：□中价机构  □专家组     eq \\o\\ac(□,√)项目单位评价组",
            ["中介机构", "专家组", "项目单位评价组"],
            ["项目单位评价组"],
        ),
        # a shorter option inside a longer one is not ticked by the longer one's box
        (
            "评价机构：□中价机构  □专家组     eq \\o\\ac(□,√)项目单位评价组",
            ["项目单位", "项目单位评价组"],
            ["项目单位评价组"],
        ),
        ("经常性项目（√）       一次性项目（  ）", ["经常性项目", "一次性项目"], ["经常性项目"]),
        ("经常性项目(√)一次性项目()", ["经常性项目", "一次性项目"], ["经常性项目"]),
        ("经常性项目（  ）       一次性项目（√）", ["经常性项目", "一次性项目"], ["一次性项目"]),
        ("项目类型：经常性项目（√）一次性项目（ ）", ["经常性项目", "一次性项目"], ["经常性项目"]),
        ("☑经常性项目 ☑一次性项目", ["经常性项目", "一次性项目"], ["经常性项目", "一次性项目"]),
        ("■财政部门 □主管部门", ["财政部门", "主管部门"], ["财政部门"]),
        ("R财政部门 £主管部门", ["财政部门", "主管部门"], ["财政部门"]),
        ("完成结果评价", ["实施过程评价", "完成结果评价"], ["完成结果评价"]),
        ("□实施过程评价 □完成结果评价", ["实施过程评价", "完成结果评价"], []),
        ("", ["实施过程评价", "完成结果评价"], []),
        (None, ["实施过程评价"], []),
        ("其他内容", ["实施过程评价", "完成结果评价"], []),
        ("□实施过程评价 ☑完成结果评价", [], []),
    ],
)
def test_parse_checkbox_group(line: object, options: list[str], expected: list[str]) -> None:
    assert parse_checkbox_group(line, options) == expected


# --------------------------------------------------------------------------------------------
# direction
# --------------------------------------------------------------------------------------------


def test_directions_tuple() -> None:
    assert DIRECTIONS == ("pos", "neg", "eq", "range", "qual", "date")


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("正向", "pos"),
        ("正向指标", "pos"),
        ("≧", "pos"),
        ("≥", "pos"),
        (">=", "pos"),
        (">", "pos"),
        ("大于等于", "pos"),
        ("越大越好", "pos"),
        ("反向", "neg"),
        ("反向指标", "neg"),
        ("返乡指标", "neg"),
        ("≤", "neg"),
        ("≦", "neg"),
        ("<=", "neg"),
        ("<", "neg"),
        ("越小越好", "neg"),
        ("═", "eq"),
        ("=", "eq"),
        ("等于", "eq"),
        ("区间", "range"),
        ("定性", "qual"),
        ("时效", "date"),
        ("日期", "date"),
        ("", None),
        (None, None),
        ("定量", None),
    ],
)
def test_direction_from_label(given_: object, expected: str | None) -> None:
    assert direction_from_label(given_) == expected


def test_infer_direction_comparator() -> None:
    assert infer_direction(parse_target("≥95%")) == ("pos", "comparator")
    assert infer_direction(parse_target(">95")) == ("pos", "comparator")
    assert infer_direction(parse_target("≤5%")) == ("neg", "comparator")
    assert infer_direction(parse_target("5%以下")) == ("neg", "comparator")
    assert infer_direction(parse_target("═100")) == ("eq", "comparator")
    assert infer_direction(parse_target("43-46")) == ("range", "comparator")
    assert infer_direction(parse_target("达成年度指标")) == ("qual", "comparator")
    assert infer_direction(parse_target("12月底前")) == ("date", "comparator")
    # the comparator wins over a contrary name
    assert infer_direction(parse_target("≥95%"), "网络运行故障率") == ("pos", "comparator")


def test_infer_direction_seed_tiers() -> None:
    lines, _ = resolve_tier_set(tiers_of(LINES))
    bandwidth, _ = resolve_tier_set(tiers_of(BANDWIDTH))
    faults, _ = resolve_tier_set(tiers_of(FAULTS))
    # domain d.1 #4: 优 closed on both sides -> an optimum range
    assert infer_direction(parse_target("49"), "租用网络运行线路", lines) == ("range", "tiers")
    assert infer_direction(parse_target("99%"), "网络宽带保障率", bandwidth) == ("pos", "tiers")
    assert infer_direction(parse_target("1%"), "网络运行故障率", faults) == ("neg", "tiers")


def test_infer_direction_rate_ceiling_is_not_a_range() -> None:
    tiers, _ = resolve_tier_set(tiers_of({"优": "95%-100%", "差": "<80%"}))
    assert infer_direction(parse_target("98%"), "满意度", tiers) == ("pos", "tiers")
    assert infer_direction(parse_target("98"), "某数量", tiers) == ("range", "tiers")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("网络运行故障率", "neg"),
        ("投诉率", "neg"),
        ("安全事故率", "neg"),
        ("差错率", "neg"),
        ("发生率", "neg"),
        ("超支率", "neg"),
        ("空置率", "neg"),
        ("返工率", "neg"),
        ("运维成本", "neg"),
        ("会议费用", "neg"),
        ("单价", "neg"),
        ("处理耗时", "neg"),
        ("响应时长", "neg"),
        ("办结天数", "neg"),
        ("项目数量", "pos"),
        ("任务完成率", "pos"),
        ("验收合格率", "pos"),
        ("达标率", "pos"),
        ("营养改善计划覆盖率", "pos"),
        ("网络宽带保障率", "pos"),
        ("资金到位及时率", "pos"),
        ("学生满意度", "pos"),
        ("设备使用率", "pos"),
        # the keyword that ends last is the head of the phrase
        ("成本控制完成率", "pos"),
        ("满意度调查成本", "neg"),
    ],
)
def test_infer_direction_keywords(name: str, expected: str) -> None:
    assert infer_direction(parse_target("100"), name) == (expected, "keyword")


def test_infer_direction_default() -> None:
    assert infer_direction(parse_target("100"), "减轻贫困学生家庭经济负担") == ("pos", "default")
    assert infer_direction(parse_target("有效")) == ("pos", "default")
    assert infer_direction(parse_target("100"), "", {}) == ("pos", "default")


# --------------------------------------------------------------------------------------------
# the real forms, row by row
# --------------------------------------------------------------------------------------------


def test_yunnan_operator_column_joins_the_value() -> None:
    # 指标性质 | 指标值 | 度量单位 are separate columns in the Yunnan variant
    rows = [("≧", "735", "人次"), ("≧", "100", "%"), ("═", "100", "%"), ("≧", "95", "%")]
    parsed = [parse_target(op + value + unit) for op, value, unit in rows]
    assert [(t.comparator, t.value, t.unit, t.percent) for t in parsed] == [
        (">=", 735, "人次", False),
        (">=", 100, "%", True),
        ("=", 100, "%", True),
        (">=", 95, "%", True),
    ]
    assert [direction_from_label(op) for op, _, _ in rows] == ["pos", "pos", "eq", "pos"]


def test_real_form_fund_cells() -> None:
    assert parse_number("-").note == "not_applicable"
    assert parse_number("—").note == "not_applicable"
    assert parse_percent("100%") == Num(100.0, "100%", "%", True)
    assert (
        parse_money(387664.62, money_unit_from_label("项目资金(元)") or "万元").value_wan
        == 38.766462
    )
    assert clean_label("其中:当年财政 拨款") == "其中:当年财政拨款"
    assert normalize("经济效益 指标") == "经济效益指标"


# --------------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------------

FAST = settings(max_examples=50, deadline=None)
# Characters the parsers treat specially, plus any code point. Built without st.characters():
# its first use builds a Unicode category table, about 2 s on every fresh checkout.
_SPECIAL = (
    "0123456789.,-+~%‰()[]:;/\\ \t\n\r\u3000\u00a0\u200b\ufeff_x000D_"
    "０１２３４５６７８９．，－～％（）［］：；＜＞＝"
    "≥≧⩾≤≦⩽—–‐−〜═><=±▲△√✓✔☑☒■▇□☐£¨þR"
    "含不以上下内外及至到约左右之间成百分之零〇一二两三四五六七八九十百千万亿点负"
    "元万条天年月日号底末前季度半无未出现发生全部完成达到是否好差优良中"
    "\u0301\u0308\u0338eq\\o\\ac[image:]"
)
# Code points mapped to characters, so hypothesis cannot rewrite the alphabet into characters().
_CHAR = st.one_of(
    st.sampled_from(sorted({ord(c) for c in _SPECIAL})).map(chr),
    st.integers(min_value=0, max_value=0x10FFFF)
    .filter(lambda i: not 0xD800 <= i <= 0xDFFF)
    .map(chr),
)
ANY_TEXT = st.text(_CHAR, max_size=30)
_FULL_WIDTH = str.maketrans("0123456789.,-%", "０１２３４５６７８９．，－％")


@FAST
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_property_float_text_round_trips(f: float) -> None:
    assert parse_number(str(f)).value == f
    assert parse_number(repr(f)).value == f


@FAST
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_property_thousands_separated_integers(n: int) -> None:
    assert parse_number(f"{n:,}").value == n
    assert parse_number(f"{n:,}".replace(",", "，")).value == n


@FAST
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_property_thousands_separated_floats(f: float) -> None:
    assert parse_number(f"{f:,}").value == f
    assert parse_number(f"{f:,.2f}").value == float(f"{f:.2f}")


@FAST
@given(st.decimals(min_value=-1e9, max_value=1e9, places=3, allow_nan=False, allow_infinity=False))
def test_property_full_width_parses_like_ascii(d: object) -> None:
    text = f"{d:,}"
    for suffix in ("", "%", "万元"):
        assert parse_number((text + suffix).translate(_FULL_WIDTH)) == Num(
            parse_number(text + suffix).value,
            (text + suffix).translate(_FULL_WIDTH),
            parse_number(text + suffix).unit,
            parse_number(text + suffix).percent,
            parse_number(text + suffix).note,
        )


def _to_chinese(n: int) -> str:
    """Written form of 0 <= n < 10**8, built digit by digit (independent of the parser)."""
    digits = "零一二三四五六七八九"
    if n == 0:
        return "零"

    def section(x: int) -> str:
        out, pending_zero = "", False
        for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = x // place % 10
            if d == 0:
                pending_zero = bool(out)
                continue
            if pending_zero:
                out += "零"
                pending_zero = False
            out += digits[d] + unit
        return out

    high, low = divmod(n, 10000)
    if not high:
        return section(low)
    out = section(high) + "万"
    if 0 < low < 1000:
        out += "零"
    return out + (section(low) if low else "")


@FAST
@given(st.integers(min_value=0, max_value=10**8 - 1))
def test_property_chinese_numerals(n: int) -> None:
    assert parse_number(_to_chinese(n)) == Num(float(n), _to_chinese(n), note="chinese_numeral")


@FAST
@given(st.dates(min_value=date(1955, 1, 1), max_value=date(2118, 12, 31)))
def test_property_dates_in_every_form(d: date) -> None:
    serial = (d - date(1899, 12, 30)).days
    forms = [
        d,
        serial,
        float(serial),
        f"{d.year}年{d.month}月{d.day}日",
        d.isoformat(),
        f"{d.year}.{d.month}.{d.day}",
        f"{d.year}/{d.month}/{d.day}",
        d.strftime("%Y%m%d"),
    ]
    assert {parse_date(f) for f in forms} == {d}
    assert parse_date_range(
        f"{d.year}年{d.month}月{d.day}日至{d + timedelta(days=3):%Y年%m月%d日}"
    ) == (
        d,
        d + timedelta(days=3),
    )


@FAST
@given(
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=1, max_value=10**6),
    st.sampled_from(["-", "~", "至", "到", "—", "——", "～"]),
    st.sampled_from(["", "%", "条", "万元"]),
)
def test_property_ranges(lo: int, width: int, sep: str, unit: str) -> None:
    hi = lo + width
    t = parse_target(f"{lo}{unit}（含）{sep}{hi}{unit}")
    assert (t.kind, t.lo, t.hi, t.lo_incl, t.hi_incl) == ("range", lo, hi, True, None)
    assert t.unit == (unit or None)
    intervals, _ = resolve_tier_set({"良": t})
    assert intervals["良"] == Interval(lo, True, hi, False)


@settings(max_examples=100, deadline=None)
@given(ANY_TEXT)
def test_property_normalize_is_idempotent(s: str) -> None:
    once = normalize(s)
    assert normalize(once) == once


_ALL_ONE_ARG = [
    normalize,
    clean_label,
    normalize_doc_number,
    normalize_org,
    split_code_name,
    typo_fix,
    indicator_name,
    parse_number,
    parse_money,
    money_unit_from_label,
    is_rate_like,
    parse_percent,
    parse_target,
    parse_qual_level,
    parse_grade,
    parse_date,
    parse_date_range,
    parse_deadline,
    is_ticked,
    direction_from_label,
]

_TARGET_ALPHABET = st.sampled_from(
    [
        ord(c)
        for c in "0123456789.,-~%‰()（）[]含不以上下内外及至到约左右≥≧≤=═><元万条天年月日底前零一二十百千成"
    ]
).map(chr)


def _no_raise(value: object) -> None:
    for fn in _ALL_ONE_ARG:
        fn(value)
    parse_checkbox_group(value, ["实施过程评价", "完成结果评价"])
    parse_percent(value, "0.00%", True, 99.0)
    parse_deadline(value, 2018)
    t = parse_target(value, "0%", 2018)
    infer_direction(t, value, {"优": Interval(1, True, 2, False)})
    resolve_tier_set({"优": t, "良": parse_target(value), "差": t})


@FAST
@given(ANY_TEXT)
def test_property_no_function_raises_on_text(s: str) -> None:
    _no_raise(s)


@FAST
@given(st.text(_TARGET_ALPHABET, max_size=20))
def test_property_no_function_raises_on_grammar_like_text(s: str) -> None:
    _no_raise(s)


@FAST
@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.floats(),
        st.integers(),
        st.dates(),
        st.datetimes(),
        st.decimals(allow_nan=True),
    )
)
def test_property_no_function_raises_on_values(v: object) -> None:
    _no_raise(v)


@FAST
@given(st.text(_TARGET_ALPHABET, max_size=20))
def test_property_target_intervals_are_ordered(s: str) -> None:
    t = parse_target(s)
    if t.lo is not None and t.hi is not None:
        assert t.lo <= t.hi
    if t.kind in ("cmp", "point"):
        assert t.value is not None
    if t.kind == "range":
        assert t.lo is not None and t.hi is not None and t.value is None


@FAST
@given(
    st.tuples(st.floats(-100, 100), st.booleans(), st.floats(-100, 100), st.booleans()),
    st.tuples(st.floats(-100, 100), st.booleans(), st.floats(-100, 100), st.booleans()),
    st.floats(-100, 100),
)
def test_property_overlap_agrees_with_contains(
    a: tuple[float, bool, float, bool], b: tuple[float, bool, float, bool], x: float
) -> None:
    ia = Interval(min(a[0], a[2]), a[1], max(a[0], a[2]), a[3])
    ib = Interval(min(b[0], b[2]), b[1], max(b[0], b[2]), b[3])
    length = ia.overlap_length(ib)
    assert length == ib.overlap_length(ia)
    if ia.contains(x) and ib.contains(x):
        assert length is not None and length >= 0


def test_single_value_tier_is_not_emptied_by_the_neighbour_rule() -> None:
    """优 "100%" beside 良 "90%（含）-100%（含）": the point stays [100, 100] (a shared point is T01's business)."""
    intervals, _ = resolve_tier_set(
        {
            "优": parse_target("100%"),
            "良": parse_target("90%（含）-100%（含）"),
            "中": parse_target("80%（含）-90%"),
            "差": parse_target("80%以下"),
        }
    )
    assert (
        intervals["优"].lo,
        intervals["优"].lo_incl,
        intervals["优"].hi,
        intervals["优"].hi_incl,
    ) == (100, True, 100, True)
    assert intervals["优"].contains(100)


@pytest.mark.parametrize(
    ("name", "target", "expected"),
    [
        ("安全事件发生数", "0起", ("neg", "zero_target")),
        ("群众投诉次数", "0次", ("neg", "zero_target")),
        ("违规使用资金金额", "0万元", ("neg", "zero_target")),
        ("食品明显变质比例", "≤0%", ("neg", "zero_target")),
        ("安全生产事故起数", "≤2起", ("neg", "comparator")),
        ("安全生产事故起数", "2起", ("neg", "keyword")),
        ("投诉处理率", "100%", ("pos", "default")),
        ("课程开设数", "0", ("pos", "default")),
    ],
)
def test_zero_is_the_goal_of_an_adverse_count(name, target, expected) -> None:
    """投诉/事故/违规/变质 counts are lower-is-better and 0 is their best value, not "方向不明"."""
    from perfxl.read.grammar import infer_direction, parse_target

    assert infer_direction(parse_target(target), name) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [("1 200.5", 1200.5), ("3 0 0万元", 300.0), ("9 8.5%", 98.5), ("1, 200 万元", 1200.0)],
)
def test_stray_spaces_inside_numbers_of_ocrd_forms(text, value) -> None:
    from perfxl.read.grammar import parse_number

    assert parse_number(text).value == value
    assert parse_number("2 至 3").value is None  # two numbers, not one with a space
