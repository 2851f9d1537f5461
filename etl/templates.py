"""Blank spreadsheets for banks and districts to fill in: the headers the loader reads, one
example row, and drop-down lists (district, pledge type, 是/否) so that most mistakes cannot
be typed in the first place."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter

from etl.normalise import PLEDGE_TYPES

LEDGER_HEADERS = [
    ("企业名称", 28),
    ("统一社会信用代码", 22),
    ("所属区县", 16),
    ("质权人", 26),
    ("质押物类型", 12),
    ("质押专利号", 34),
    ("质押专利件数", 12),
    ("质押登记号", 20),
    ("质押登记日", 13),
    ("贷款金额(万元)", 14),
    ("放款日期", 13),
    ("贷款期限(月)", 12),
    ("年利率(%)", 10),
    ("是否首贷", 10),
    ("贴息金额(万元)", 14),
]
LEDGER_EXAMPLE = [
    "【示例行，导入时自动跳过】示例科技有限公司",
    "91110000710925462X",
    None,
    "中国工商银行示例支行",
    "发明专利",
    "ZL201310699744.2",
    1,
    "Y2026000000001",
    dt.date(2026, 3, 1),
    500,
    dt.date(2026, 3, 5),
    12,
    3.45,
    "是",
    5,
]
ROWS_WITH_CHECKS = 2000


def _book(title: str, headers: list[tuple[str, int]], districts: list[str]):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
    title_format = book.add_format({"bold": True, "font_size": 14})
    sheet = book.add_worksheet("填报表")
    sheet.write(0, 0, title, title_format)
    for col, (name, width) in enumerate(headers):
        sheet.write(1, col, name, bold)
        sheet.set_column(col, col, width)
    sheet.freeze_panes(2, 0)
    lists = book.add_worksheet("选项")  # hidden: the loader skips hidden sheets
    for row, name in enumerate(districts):
        lists.write(row, 0, name)
    for row, name in enumerate(PLEDGE_TYPES):
        lists.write(row, 1, name)
    lists.write_column(0, 2, ["是", "否"])
    lists.hide()
    return buffer, book, sheet


def valid_dates(sheet, col: int) -> None:
    """Excel refuses anything but a date (2000–2100) in the column's data rows."""
    sheet.data_validation(
        2,
        col,
        ROWS_WITH_CHECKS,
        col,
        {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(2000, 1, 1),
            "maximum": dt.date(2100, 12, 31),
            "error_message": "请填写有效的日期",
        },
    )


def _pick(sheet, col: int, column_letter: str, count: int, what: str) -> None:
    sheet.data_validation(
        2,
        col,
        ROWS_WITH_CHECKS,
        col,
        {
            "validate": "list",
            "source": f"=选项!${column_letter}$1:${column_letter}${max(count, 1)}",
            "error_title": "请从列表中选择",
            "error_message": f"{what}请从下拉列表中选择",
        },
    )


def ledger_template(districts: list[str], year: int) -> bytes:
    buffer, book, sheet = _book(f"{year}年知识产权质押融资台账（单位：万元）", LEDGER_HEADERS, districts)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    example = list(LEDGER_EXAMPLE)
    example[2] = districts[0] if districts else ""
    for col, value in enumerate(example):
        if isinstance(value, dt.date):
            sheet.write_datetime(2, col, dt.datetime.combine(value, dt.time()), date_format)
        else:
            sheet.write(2, col, value)
    sheet.set_column(8, 8, 13, date_format)
    sheet.set_column(10, 10, 13, date_format)
    _pick(sheet, 2, "A", len(districts), "所属区县")
    _pick(sheet, 4, "B", len(PLEDGE_TYPES), "质押物类型")
    _pick(sheet, 13, "C", 2, "是否首贷")
    sheet.data_validation(
        2,
        9,
        ROWS_WITH_CHECKS,
        9,
        {"validate": "decimal", "criteria": ">", "value": 0, "error_message": "贷款金额应为大于0的数字（万元）"},
    )
    valid_dates(sheet, 10)
    book.close()
    return buffer.getvalue()


def targets_template(districts: list[str], year: int, headings: list[str]) -> bytes:
    """headings: the metric columns, e.g. 质押融资金额(亿元), from the catalogue."""
    columns = [("区县", 18), *((heading, max(14, len(heading) + 6)) for heading in headings)]
    buffer, book, sheet = _book(f"{year}年度知识产权质押融资目标任务分解表", columns, districts)
    for row, name in enumerate(["全市", *districts], start=2):
        sheet.write(row, 0, name)
    for col in range(1, len(columns)):
        sheet.data_validation(
            2,
            col,
            2 + len(districts),
            col,
            {"validate": "decimal", "criteria": ">=", "value": 0, "error_message": "目标应为不小于0的数字"},
        )
    book.close()
    return buffer.getvalue()
