"""Cells as real ledgers carry them: each is read, normalised and, where a guess was made, warned
about; only what would make a figure wrong is an error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from etl import normalise as n
from etl.checksums import is_resident_id, resident_id_check_char
from etl.issues import ERROR, WARNING, Issue, ParsedFile
from etl.rows import Collector, Rows
from pledge.reference import District, Reference

# GB 11643's own example number: 110105 19491231 002, check X (worked out below).
RESIDENT_ID = "11010519491231002X"
MONTH_WARNING = "只填了年月，没有日，按2026年3月1日计算，请核对"


def guessed(result):
    assert isinstance(result, n.Guess), result
    return result.value, result.warning


# -- pledge types --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cell, kind",
    [
        ("发明专利、实用新型", "混合"),
        ("发明专利+商标", "混合"),
        ("发明专利＋商标", "混合"),  # full-width plus
        ("专利和商标", "混合"),
        ("发明专利, 外观设计", "混合"),
        ("发明专利\n实用新型", "混合"),  # one per line
        ("发明 专利", "发明专利"),
        ("商标专用权", "商标"),
        ("注册商标", "商标"),
        ("注册商标专用权", "商标"),
        ("发明专利权", "发明专利"),
        ("实用新型专利", "实用新型"),
        ("发明、发明专利", "发明专利"),  # the same type twice is not a mix
        ("专利权", n.PATENT_UNSPECIFIED),
        (None, None),
    ],
)
def test_pledge_types_as_written(cell, kind):
    assert n.pledge_type(cell) == kind


def test_a_bare_patent_right_takes_the_type_its_numbers_show():
    invention, utility = ("201310699744.2", "发明专利"), ("202320123456.1", "实用新型")
    assert n.pledge_type_of(n.PATENT_UNSPECIFIED, [invention]) == "发明专利"
    assert n.pledge_type_of(n.PATENT_UNSPECIFIED, [invention, utility]) == "混合"
    assert n.pledge_type_of(n.PATENT_UNSPECIFIED, []) is None
    assert n.pledge_type_of("实用新型", [invention]) == "实用新型"  # a declared type stays (and is warned about)


def test_an_unknown_pledge_type_is_still_an_error():
    with pytest.raises(n.Invalid, match="质押物类型“房产”应为"):
        n.pledge_type("房产")


# -- patent and trademark numbers ----------------------------------------------------------
# 202210648861: 2*2+0*3+2*4+2*5+1*6+0*7+6*8+4*9+8*2+8*3+6*4+1*5 = 181; 181 mod 11 = 5
CERTIFICATE = ("202210648861.5", "发明专利")


@pytest.mark.parametrize(
    "cell",
    [
        "ZL 2022 1 0648861.5",
        "ZL2022 1 0648861.5",
        "ＺＬ２０２２１０６４８８６１．５",
        "zl 2022 1 0648861 . 5",
        "2022 1 0648861.5",
    ],
)
def test_patent_numbers_written_like_certificates(cell):
    assert n.patent_numbers(cell) == [CERTIFICATE]


def test_several_certificate_numbers_in_one_cell_with_every_separator():
    cell = "ZL 2022 1 0648861.5\nZL 2013 1 0699744.2；202320123456.1 202310123456.6，ZL201310699744.2"
    assert n.patent_numbers(cell) == [
        CERTIFICATE,
        ("201310699744.2", "发明专利"),
        ("202320123456.1", "实用新型"),
        ("202310123456.6", "发明专利"),
    ]


def test_trademark_numbers():
    assert n.patent_numbers("第41527213号", "商标") == [("41527213", "商标")]
    assert n.patent_numbers("第41527213号") == [("41527213", "商标")]  # the form says trademark
    assert n.patent_numbers("第41527213号、第41527214号", "商标") == [("41527213", "商标"), ("41527214", "商标")]
    assert n.patent_numbers("ZL201310699744.2、第41527213号", "混合") == [
        ("201310699744.2", "发明专利"),
        ("41527213", "商标"),
    ]
    assert n.patent_numbers("41527213", "商标") == [("41527213", "商标")]


def test_a_trademark_number_under_a_patent_type_is_an_error_that_says_so():
    with pytest.raises(n.Invalid, match="像是商标注册号或证书号，不是专利号"):
        n.patent_numbers("第41527213号", "发明专利")
    with pytest.raises(n.Invalid, match="校验位错误"):
        n.patent_numbers("ZL 2022 1 0648861.4")


# -- dates ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", [20260101, 20260101.0, "20260101", "２０２６０１０１", "2026—01—01"])
def test_dates_stored_as_numbers(cell):
    assert n.date(cell) == dt.date(2026, 1, 1)


@pytest.mark.parametrize("cell", ["2026年3月", "2026年3月份", "2026.3", "2026-03", "2026/3", 2026.3, 202603, "202603"])
def test_a_month_without_a_day_is_its_first_with_a_warning(cell):
    assert guessed(n.date(cell)) == (dt.date(2026, 3, 1), MONTH_WARNING)


def test_month_only_dates_that_cannot_be_told_apart_or_do_not_exist():
    assert guessed(n.date(2026.12))[0] == dt.date(2026, 12, 1)
    with pytest.raises(n.Invalid, match="可能是2026年1月，也可能是10月"):
        n.date(2026.1)  # a number cell: 2026.10 is stored as 2026.1
    assert guessed(n.date("2026.10"))[0] == dt.date(2026, 10, 1)  # as text it is clear
    with pytest.raises(n.Invalid, match="日期“20260230”不存在"):
        n.date(20260230)
    with pytest.raises(n.Invalid, match="不是可识别的日期"):
        n.date("2026-13")


def test_numbers_in_date_messages_are_never_in_scientific_notation():
    with pytest.raises(n.Invalid) as error:
        n.date(1e6)
    assert str(error.value) == "数字“1000000”不是有效的日期"


# -- term and rate -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cell, months",
    [
        ("12个月", 12),
        ("1年", 12),
        ("一年", 12),
        ("6个月", 6),
        ("36", 36),
        (36, 36),
        (36.0, 36),
        ("1年6个月", 18),
        ("一年半", 18),
        ("半年", 6),
        ("两年", 24),
        ("二十四个月", 24),
        ("3年期", 36),
        (None, None),
    ],
)
def test_terms_in_months(cell, months):
    assert n.term_months(cell) == months


def test_a_term_in_days_is_converted_with_a_warning():
    assert guessed(n.term_months("180天")) == (6, "贷款期限按天填写，已折算为6个月")


@pytest.mark.parametrize(
    "cell, pct",
    [("4.35%", "4.35"), ("4.35", "4.35"), (4.35, "4.35"), ("0.0435", "4.35"), (0.0435, "4.35"), ("年化3.8%", "3.8")],
)
def test_rates_that_are_numbers(cell, pct):
    rate = n.interest_rate(cell)
    assert isinstance(rate, n.Rate) and rate.pct == Decimal(pct) and rate.text is None


@pytest.mark.parametrize("cell", ["LPR+30BP", "LPR加30个基点", "1年期LPR"])
def test_rates_that_are_formulas_are_kept_as_text_with_a_warning(cell):
    assert guessed(n.interest_rate(cell)) == (
        n.Rate(None, cell),
        f"利率“{cell}”不是数字，已按原文保存（不参与利率统计）",
    )


# -- names ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cell", ["甲科技-东湖有限公司", "甲科技—东湖有限公司", "甲科技－东湖有限公司", "甲科技–东湖有限公司"]
)
def test_every_dash_in_a_name_is_one_hyphen(cell):
    assert n.enterprise_name(cell) == "甲科技-东湖有限公司"


def test_full_width_brackets_in_names_become_half_width():
    assert n.enterprise_name("甲科技（东湖）有限公司") == "甲科技(东湖)有限公司"


# -- USCC problems with their own messages ------------------------------------------------
def test_resident_id_check_character_by_hand():
    # 11010519491231002: digits times 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2 =
    # 7+9+0+0+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2, and "10X98765432"[2] = X.
    assert resident_id_check_char("11010519491231002") == "X"
    assert is_resident_id(RESIDENT_ID)
    assert not is_resident_id("11010519491231002Y")  # wrong check
    assert not is_resident_id("11010519491331002X")  # month 13
    assert not is_resident_id("91110000710925462X")  # an enterprise USCC (area codes never start with 9)


@pytest.mark.parametrize("cell", [9.13201e17, 913201001234567936, "9.13201E+17", "913201001234567000"])
def test_a_uscc_that_excel_turned_into_a_number(cell):
    with pytest.raises(n.Invalid) as error:
        n.uscc(cell)
    assert str(error.value) == "统一社会信用代码被Excel按数字保存，末位已丢失，请从原始系统导出为文本"


def test_an_id_number_in_the_uscc_column():
    with pytest.raises(n.Invalid, match="身份证号.*个人借款？请填写企业的统一社会信用代码"):
        n.uscc(RESIDENT_ID)


def test_a_fifteen_digit_registration_number_says_what_it_is():
    with pytest.raises(n.Invalid, match="15位的旧工商注册号"):
        n.uscc("110105012345678")


def test_a_real_uscc_that_ends_in_zeros_is_still_accepted():
    # 91320100123450700: 9*1+1*3+3*9+2*27+0+1*26+0+0+1*20+2*29+3*25+4*13+5*8+0+7*10+0+0 = 434 = 14*31,
    # so the check character is 0: a valid code whose last three characters are 000.
    assert n.uscc("913201001234507000") == "913201001234507000"


def test_a_float_value_in_a_message_prints_in_full():
    rows = Rows(
        sheet=["台账"], row=[5], cells={"uscc": [9.13201e17]}, headers={("台账", "uscc"): "统一社会信用代码（B列）"}
    )
    parsed = ParsedFile("a.xlsx", "0", b"")
    Collector(parsed, rows).column("uscc", n.uscc)
    (issue,) = parsed.issues
    assert issue.value == "913201000000000000"
    assert "e+" not in str(issue).lower()
    assert str(Issue(ERROR, "x", value=n.to_text(1e-7))) == "[错误] x，值“0.0000001”"


# -- 个体工商户 without a USCC ----------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["张三五金店", "李四个体服装", "王五建材经营部", "示例商行", "赵六门市部", "设计工作室", "钱七机械加工厂"]
)
def test_a_sole_trader_without_a_uscc_is_named_by_name_and_district(name):
    assert guessed(n.enterprise_id(None, (name, "610502", None))) == (
        f"个体:610502:{name}",
        "个体工商户未填统一社会信用代码，按名称和区县识别，请核对",
    )


def test_a_declared_sole_trader_and_one_with_an_id_number():
    assert guessed(n.enterprise_id(None, ("李四", "610502", "个体工商户")))[0] == "个体:610502:李四"
    found = n.enterprise_id(RESIDENT_ID, ("张三五金店", "610502", None))
    assert isinstance(found, n.Guess) and found.conceal and "身份证号（未保存）" in found.warning
    assert found.value == "个体:610502:张三五金店"  # the ID number is kept nowhere


def test_a_sole_trader_with_a_uscc_keeps_it_and_a_company_without_one_is_an_error():
    assert n.enterprise_id("91110000710925462X", ("张三五金店", "610502", None)) == "91110000710925462X"
    with pytest.raises(n.Invalid, match="统一社会信用代码为空"):
        n.enterprise_id(None, ("示例科技有限公司", "610502", None))
    with pytest.raises(n.Invalid, match="区县无法识别"):
        n.enterprise_id(None, ("张三五金店", None, None))


def test_a_concealed_guess_leaves_the_cell_out_of_the_warning():
    rows = Rows(
        sheet=["台账"], row=[3], cells={"uscc": [RESIDENT_ID]}, headers={("台账", "uscc"): "统一社会信用代码（B列）"}
    )
    parsed = ParsedFile("a.xlsx", "0", b"")
    values = Collector(parsed, rows).column("uscc", n.enterprise_id, tags=[("张三五金店", "610502", None)])
    assert values == ["个体:610502:张三五金店"]
    (issue,) = parsed.issues
    assert issue.severity == WARNING and issue.value is None and RESIDENT_ID not in str(issue)


def test_a_soft_column_warns_and_stays_blank():
    rows = Rows(
        sheet=["台账"],
        row=[3, 4],
        cells={"term_months": ["待定", "12个月"]},
        headers={("台账", "term_months"): "贷款期限（F列）"},
    )
    parsed = ParsedFile("a.xlsx", "0", b"")
    assert Collector(parsed, rows).column("term_months", n.term_months, soft=True) == [None, 12]
    (issue,) = parsed.issues
    assert issue.severity == WARNING and issue.row == 3 and "该列不参与统计，已留空" in issue.message


# -- district spellings ----------------------------------------------------------------------
WEINAN = Reference(
    [
        District("610502", "临渭区"),
        District("610503", "华州区"),
        District("610523", "大荔县"),
        District("610581", "韩城市"),
        District("610582", "华阴市"),
        District("Z00001", "高新区"),
        District("Z00002", "经开区"),
        District("Z00003", "卤阳湖现代产业综合开发区"),
    ],
    {},
)


@pytest.mark.parametrize(
    "spelling, code",
    [
        ("临渭", "610502"),  # suffix dropped
        ("临渭县", "610502"),  # the wrong suffix
        ("渭南市临渭区", "610502"),  # the city's own name
        ("陕西省渭南市临渭区", "610502"),
        ("临 渭-区", "610502"),  # spaces and dashes
        ("韩城", "610581"),
        ("渭南市韩城市", "610581"),
        ("高新", "Z00001"),
        ("渭南市高新技术产业开发区", "Z00001"),  # the zone's long form
        ("渭南高新区", "Z00001"),  # contains the zone's name
        ("经济技术开发区", "Z00002"),
        ("渭南经开区", "Z00002"),
        ("卤阳湖", "Z00003"),  # contained in one district's name
        ("610502", "610502"),
    ],
)
def test_spellings_that_name_exactly_one_district(spelling, code):
    assert WEINAN.district_code(spelling) == code


@pytest.mark.parametrize(
    "spelling, candidates",
    [
        ("开发区", ["Z00001", "Z00002", "Z00003"]),  # every zone is a 开发区
        ("大荔县高新区", ["610523", "Z00001"]),
        ("华", []),  # one character names nothing
        ("渭南市", []),  # the city itself, as a targets table's 全市 row
        ("西安市", []),
    ],
)
def test_spellings_that_do_not_name_one_district(spelling, candidates):
    assert WEINAN.district_candidates(spelling) == candidates
    assert WEINAN.district_code(spelling) is None


def test_a_development_zone_in_a_city_that_has_one():
    tiny = Reference([District("990101", "东湖区"), District("990103", "高新技术产业开发区", ["高新区"])], {})
    assert tiny.district_code("开发区") == tiny.district_code("示例市高新区") == "990103"
