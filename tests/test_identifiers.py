"""Checksums and cell normalisers, on identifiers whose validity was worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from etl import normalise as n
from etl.checksums import (
    parse_patent_number,
    patent_check_char,
    uscc_check_char,
    uscc_problem,
)
from pledge.reference import District, Reference


# -- USCC (GB 32100-2015) ------------------------------------------------------------------
@pytest.mark.parametrize("code", ["91110000710925462X", "91440300708461136T"])  # PetroChina, Huawei: published codes
def test_published_usccs_are_valid(code):
    assert uscc_problem(code) is None


def test_uscc_check_character_by_hand():
    # 91110000710925462: values 9,1,1,1,0,0,0,0,7,1,0,9,2,5,4,6,2 times the weights
    # 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28 sum to 9+3+9+27+0+0+0+0+140+29+0+117+16+120+40+180+56 = 746;
    # 746 mod 31 = 2; 31 - 2 = 29, and the 29th character of 0-9ABCDEFGHJKLMNPQRTUWXY is X.
    assert uscc_check_char("91110000710925462") == "X"


@pytest.mark.parametrize(
    "code, reason",
    [
        ("91110000710925462Y", "校验位错误（按前17位应为X）"),
        ("9111000071092546", "应为18位，实为16位"),
        ("91110000710925462I", "不允许的字符“I”"),
        ("9111000O71092546SX", "不允许的字符“OS”"),
    ],
)
def test_invalid_usccs_say_why(code, reason):
    assert reason in uscc_problem(code)


def test_uscc_normaliser_trims_and_upper_cases():
    assert n.uscc(" 91110000710925462x ") == "91110000710925462X"
    assert n.uscc("９１１１００００７１０９２５４６２Ｘ") == "91110000710925462X"  # full-width
    with pytest.raises(n.Invalid, match="为空"):
        n.uscc(None)


# -- patent numbers ------------------------------------------------------------------------
def test_published_patent_number():
    assert parse_patent_number("ZL201310699744.2") == ("201310699744.2", "发明专利")


def test_patent_check_digit_by_hand():
    # 201310699744: 2*2+0*3+1*4+3*5+1*6+0*7+6*8+9*9+9*2+7*3+4*4+4*5 = 233; 233 mod 11 = 2
    assert patent_check_char("201310699744") == "2"
    # pre-2003, 8 digits: 98123456 -> 9*2+8*3+1*4+2*5+3*6+4*7+5*8+6*9 = 196; 196 mod 11 = 9
    assert parse_patent_number("98123456.9") == ("98123456.9", "发明专利")
    # a check value of 10 is written X: 202320000013 -> 2*2+0+2*4+3*5+2*6+0+0+0+0+0+1*4+3*5 = 58 -> 58 mod 11 = 3
    assert patent_check_char("202320000013") == "3"


@pytest.mark.parametrize(
    "number, kind",
    [
        ("202310123456.6", "发明专利"),
        ("202320123456.1", "实用新型"),
        ("ZL2023301234560", None),
        ("202380000001.8", None),
        ("202390000001.6", None),
    ],
)
def test_type_comes_from_the_fifth_digit(number, kind):
    digits = number.removeprefix("ZL").replace(".", "")[:12]
    check = patent_check_char(digits)
    parsed_number, parsed_type = parse_patent_number(f"{digits}.{check}")
    expected = {"1": "发明专利", "8": "发明专利", "2": "实用新型", "9": "实用新型", "3": "外观设计"}[digits[4]]
    assert parsed_type == expected and (kind is None or kind == expected)
    assert parse_patent_number(f"ZL{digits}{check}") == (parsed_number, parsed_type)  # dot and ZL optional


@pytest.mark.parametrize(
    "token, reason", [("201310699744.3", "校验位错误（应为2）"), ("2013106997.2", "格式不对"), ("202340123456.1", None)]
)
def test_bad_patent_numbers(token, reason):
    with pytest.raises(ValueError) as error:
        digits = token.split(".")[0]
        parse_patent_number(f"{digits}.{patent_check_char(digits)}" if reason is None and len(digits) == 12 else token)
    assert (reason or "类型位") in str(error.value)


def test_a_cell_with_several_patents():
    cell = "ZL201310699744.2、202310123456.6；ZL201310699744.2\n202320123456.1"
    assert n.patent_numbers(cell) == [
        ("201310699744.2", "发明专利"),
        ("202310123456.6", "发明专利"),
        ("202320123456.1", "实用新型"),
    ]
    assert n.patent_numbers("12345678、ZL201310699744.2", "混合")[0] == ("12345678", "商标")
    assert n.patent_numbers("12345678", "商标") == [("12345678", "商标")]
    with pytest.raises(n.Invalid, match="校验位"):
        n.patent_numbers("ZL201310699744.3")


# -- dates ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cell",
    [
        45721,
        45721.0,
        "45721",
        "2025年3月5日",
        "2025.3.5",
        "2025/03/05",
        "2025-03-05",
        "20250305",
        "２０２５－０３－０５",
        "2025-03-05 00:00:00",
        dt.datetime(2025, 3, 5, 14, 30),
        dt.date(2025, 3, 5),
    ],
)
def test_dates_in_every_form(cell):
    assert n.date(cell) == dt.date(2025, 3, 5)  # Excel serial 45721 = 1899-12-30 + 45721 days


@pytest.mark.parametrize(
    "cell, reason",
    [
        ("2025-02-30", "不存在"),
        ("2025年13月1日", "不存在"),
        ("上月", "不是可识别的日期"),
        (12, "不是有效的日期"),
        (None, "为空"),
    ],
)
def test_impossible_dates(cell, reason):
    with pytest.raises(n.Invalid, match=reason):
        n.date(cell)


# -- money and counts ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "cell, unit, yuan",
    [
        (500, "万元", "5000000.00"),
        ("1,234.5", "万元", "12345000.00"),
        ("１２３４", "万元", "12340000.00"),
        ("5,000,000", "元", "5000000.00"),
        (1.2, "亿元", "120000000.00"),
        ("300万", "元", "3000000.00"),
        ("0.5亿元", "万元", "50000000.00"),
        ("￥80万元", "元", "800000.00"),
        (0.123456, "万元", "1234.56"),
    ],
)
def test_money_in_yuan(cell, unit, yuan):
    assert n.positive_money_yuan(cell, unit) == Decimal(yuan)


@pytest.mark.parametrize(
    "cell, reason", [(0, "大于0"), (-5, "大于0"), ("约五百万", "不是数字"), (None, "为空"), ("nan", "不是数字")]
)
def test_bad_amounts(cell, reason):
    with pytest.raises(n.Invalid, match=reason):
        n.positive_money_yuan(cell, "万元")


def test_rates_counts_and_yes_no():
    assert n.interest_rate("3.65%") == n.Rate(Decimal("3.65"))
    assert n.interest_rate(0.0365) == n.Rate(Decimal("3.65"))  # a fraction written where percent was meant
    assert n.optional_count("3件") == 3 and n.optional_count(None) is None
    with pytest.raises(n.Invalid):
        n.optional_count(2.5)
    assert [n.yes_no(v) for v in ("是", "Y", "√", "首贷", 1, True)] == [True] * 6
    assert [n.yes_no(v) for v in ("否", "N", "", None, 0, "×")] == [False] * 6
    with pytest.raises(n.Invalid, match="是或否"):
        n.yes_no("也许")


def test_names_and_pledge_types():
    assert n.enterprise_name(" 示例科技（东湖）有限公司 ") == "示例科技(东湖)有限公司"  # half-width brackets
    assert n.pledge_type("发明") == "发明专利" and n.pledge_type("专利+商标") == "混合" and n.pledge_type(None) is None
    with pytest.raises(n.Invalid, match="质押物类型"):
        n.pledge_type("房产")


# -- reference data ------------------------------------------------------------------------
def test_district_and_bank_aliases():
    ref = Reference(
        [District("990101", "东湖区", ["东湖"]), District("990103", "高新技术产业开发区", ["高新区"])],
        {"中国工商银行": ["工商银行", "工行"], "中国银行": ["中行"], "中国农业银行": ["农行"]},
    )
    assert ref.district_code("东湖区") == ref.district_code("东湖") == ref.district_code("示例市东湖区") == "990101"
    assert ref.district_code("高新区") == ref.district_code("示例市高新技术产业开发区") == "990103"
    assert ref.district_code("990103") == "990103"
    assert ref.district_code("西湖区") is None
    assert ref.head_bank("中国工商银行示例市东湖支行") == "中国工商银行"
    assert ref.head_bank("工行高新支行") == "中国工商银行"
    assert ref.head_bank("中国农业银行示例市分行") == "中国农业银行"  # not 中国银行
    assert ref.head_bank("示例农商银行") == "示例农商银行"  # unknown: kept as written


def test_apply_unique_computes_each_distinct_value_once():
    calls = []

    def slow(value):
        calls.append(value)
        if value == "bad":
            raise n.Invalid("坏值")
        return value.upper()

    results, errors = n.apply_unique(["a", "b", "a", "bad", "a", "bad"], slow)
    assert results == ["A", "B", "A", None, "A", None]
    assert errors == {3: "坏值", 5: "坏值"}
    assert calls == ["a", "b", "bad"]
