"""The period a ledger reports on (etl/period.py), and loan dates outside it: a date after the
period or after today is an error, so one typo never moves the dashboard's as-of date."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import period, pipeline
from tests.fixtures import USCC_A, USCC_B, xlsx_bytes

D = dt.date


@pytest.mark.parametrize(
    "text, start, end, label",
    [
        ("2026年10月全市知识产权质押融资情况统计表", D(2026, 10, 1), D(2026, 10, 31), "2026年10月"),
        ("2026年1-10月全市知识产权质押融资情况统计表", D(2026, 1, 1), D(2026, 10, 31), "2026年1-10月"),
        ("江苏银行2026年1—10月明细", D(2026, 1, 1), D(2026, 10, 31), "2026年1—10月"),
        ("2026年1至10月", D(2026, 1, 1), D(2026, 10, 31), "2026年1至10月"),
        ("2026年1月-10月", D(2026, 1, 1), D(2026, 10, 31), "2026年1月-10月"),
        ("２０２６年１－２月", D(2026, 1, 1), D(2026, 2, 28), "2026年1-2月"),  # full-width, as typed
        ("2026年第三季度", D(2026, 7, 1), D(2026, 9, 30), "2026年第三季度"),
        ("2026年四季度", D(2026, 10, 1), D(2026, 12, 31), "2026年四季度"),
        ("2026年前三季度", D(2026, 1, 1), D(2026, 9, 30), "2026年前三季度"),
        ("2026年上半年", D(2026, 1, 1), D(2026, 6, 30), "2026年上半年"),
        ("2026年下半年", D(2026, 7, 1), D(2026, 12, 31), "2026年下半年"),
        ("2026年度台账", D(2026, 1, 1), D(2026, 12, 31), "2026年度"),
        ("2024年2月", D(2024, 2, 1), D(2024, 2, 29), "2024年2月"),
        ("截至2026年10月31日", D(2026, 1, 1), D(2026, 10, 31), "截至2026年10月31日"),
        ("2025年12月-2026年2月", D(2025, 12, 1), D(2026, 2, 28), "2025年12月-2026年2月"),
    ],
)
def test_periods_as_titles_write_them(text, start, end, label):
    assert period.in_text(text) == period.Period(start, end, label)


@pytest.mark.parametrize(
    "text", ["填报日期：2026年11月5日", "单位：万元", "2026-10-15", "2026年13月", "2026年10-3月", "贷款期限12个月"]
)
def test_dates_units_and_impossible_months_are_no_period(text):
    assert period.in_text(text, 2026) is None


def test_a_period_without_a_year_takes_the_titles_year_then_the_file_names_then_the_dates():
    def never() -> int:
        raise AssertionError("the dates are asked only when nothing else names the year")

    assert period.of_file(["1-9月累计", "填报年度：2025年"], "x.xlsx", never) == (
        period.Period(D(2025, 1, 1), D(2025, 9, 30), "1-9月"),
        "标题",
    )
    assert period.of_file(["江苏银行台账（1-9月累计）"], "江苏银行2026年.xlsx", never)[0].end == D(2026, 9, 30)
    assert period.of_file([], "1-9月累计.xlsx", lambda: 2024) == (
        period.Period(D(2024, 1, 1), D(2024, 9, 30), "1-9月"),
        "文件名",
    )


def test_the_title_wins_over_the_file_name_and_no_period_is_none():
    found = period.of_file(["2026年1-10月全市统计表"], "2026年9月.xlsx", lambda: None)
    assert found == (period.Period(D(2026, 1, 1), D(2026, 10, 31), "2026年1-10月"), "标题")
    assert period.of_file(["全市知识产权质押融资台账"], "银行报送.xlsx", lambda: 2026) is None


# -- loan dates against the period ----------------------------------------------------------------
HEADER = ["企业名称", "统一社会信用代码", "所属区县", "质权人", "贷款金额(万元)", "放款日期"]
TODAY = D(2026, 11, 23)


def ledger(title, *dates):
    names = [("甲科技有限公司", USCC_A), ("乙材料股份有限公司", USCC_B)]
    rows = [[*names[i % 2], "东湖区", "工商银行东湖支行", 100 + i, day] for i, day in enumerate(dates)]
    return xlsx_bytes(([[title]] if title else []) + [HEADER, *rows], sheet="台账")


def date_issues(store, data, name="台账.xlsx", today=TODAY):
    parsed = pipeline.parse_bytes(store, data, name, today=today)
    return parsed, [(i.severity, i.row, i.message) for i in parsed.issues if i.column and "放款日期" in i.column]


def test_the_period_is_on_the_parsed_file(store):
    parsed, _ = date_issues(store, ledger("2026年1-10月全市知识产权质押融资情况统计表", "2026-10-08"))
    assert (parsed.period, parsed.period_label, parsed.period_origin) == (
        (D(2026, 1, 1), D(2026, 10, 31)),
        "2026年1-10月",
        "标题",
    )
    parsed, _ = date_issues(store, ledger(None, "2026-03-08"), name="扬州农商行1-9月累计.xlsx")
    assert (parsed.period, parsed.period_label, parsed.period_origin) == (
        (D(2026, 1, 1), D(2026, 9, 30)),
        "1-9月",
        "文件名",
    )


def test_a_loan_after_the_period_the_title_names_is_an_error(store):
    parsed, issues = date_issues(
        store, ledger("2026年1-10月全市知识产权质押融资情况统计表", "2026-10-31", "2026-11-03")
    )
    assert issues == [
        (
            "error",
            4,
            "放款日期2026-11-03晚于文件所报期间（2026年1-10月，见标题），请核对日期；如期间写错，请改正标题或文件名",
        )
    ]
    assert not parsed.ok


def test_a_period_without_a_year_says_which_year_it_understood(store):
    _, issues = date_issues(store, ledger(None, "2026-09-30", "2026-10-02"), name="1-9月累计.xlsx")
    assert [(s, r) for s, r, _ in issues] == [("error", 3)]
    assert "晚于文件所报期间（1-9月，即2026-01-01至2026-09-30，见文件名）" in issues[0][2]


def test_a_loan_after_today_is_an_error_even_without_a_period(store):
    parsed, issues = date_issues(store, ledger("全市知识产权质押融资台账", "2026-11-23", "2026-11-24"))
    assert issues == [("error", 4, "放款日期2026-11-24晚于今天（2026-11-23），请核对日期")]
    assert parsed.period is None and not parsed.ok


def test_earlier_months_of_a_cumulative_file_are_fine_and_an_earlier_year_in_a_month_report_is_warned(store):
    parsed, issues = date_issues(store, ledger("2026年1-10月统计表", "2025-12-30", "2026-01-05"))
    assert issues == [] and parsed.ok  # a cumulative file may carry a late entry of last year
    parsed, issues = date_issues(store, ledger("2026年10月统计表", "2026-03-05", "2025-10-12"))
    assert issues == [
        ("warning", 4, "放款日期2025-10-12早于文件所报期间（2026年10月，见标题）且不在同一年，请核对年份")
    ]
    assert parsed.ok


def test_sheets_that_name_different_periods_are_bounded_by_the_latest():
    found = period.of_file(["江苏银行2026年9月明细", "扬州农商行2026年1-10月明细"], "台账.xlsx", lambda: None)
    assert found == (period.Period(D(2026, 1, 1), D(2026, 10, 31), "2026年1-10月"), "标题")
