"""Blank 增量扩面 spreadsheets (企业名单, 对接活动 with its 对接企业名单 sheet, 融资需求), in the style of
etl/templates.py: the headers the loaders read, one example row the loader skips, drop-down lists
for districts, tags, banks and the bank's feedback."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter

from etl.kinds.outreach_cells import FEEDBACK, TAGS
from etl.templates import ROWS_WITH_CHECKS, valid_dates
from pledge.schema import DEFAULT_BANKS

EXAMPLE = "【示例行，导入时自动跳过】"
EXAMPLE_USCC = "91110000710925462X"


class _Book:
    """A workbook with a hidden 选项 sheet of lists (A districts, B tags, C banks, D feedback)."""

    def __init__(self, districts: list[str]):
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {"in_memory": True})
        self.bold = self.book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.sizes: dict[str, int] = {}
        self.lists_of = {"A": districts, "B": list(TAGS), "C": list(DEFAULT_BANKS), "D": list(FEEDBACK)}

    def sheet(self, name: str, title: str, headers: list[tuple[str, int]], example: list):
        sheet = self.book.add_worksheet(name)
        sheet.write(0, 0, title, self.title)
        for col, (header, width) in enumerate(headers):
            sheet.write(1, col, header, self.bold)
            sheet.set_column(col, col, width)
        for col, value in enumerate(example):
            if isinstance(value, dt.date):
                sheet.write_datetime(2, col, dt.datetime.combine(value, dt.time()), self.date)
            elif value is not None:
                sheet.write(2, col, value)
        sheet.freeze_panes(2, 0)
        return sheet

    def pick(self, sheet, col: int, letter: str, what: str, strict: bool = True) -> None:
        count = max(len(self.lists_of[letter]), 1)
        sheet.data_validation(
            2,
            col,
            ROWS_WITH_CHECKS,
            col,
            {
                "validate": "list",
                "source": f"=选项!${letter}$1:${letter}${count}",
                "error_type": "stop" if strict else "information",  # tags and banks: several allowed
                "error_title": "请从列表中选择",
                "error_message": f"{what}请从下拉列表中选择" + ("" if strict else "（可填多个，用顿号分隔）"),
            },
        )

    def dates(self, sheet, col: int) -> None:
        sheet.set_column(col, col, 13, self.date)
        valid_dates(sheet, col)

    def count(self, sheet, col: int, what: str) -> None:
        sheet.data_validation(
            2,
            col,
            ROWS_WITH_CHECKS,
            col,
            {"validate": "integer", "criteria": ">=", "value": 0, "error_message": f"{what}应为不小于0的整数"},
        )

    def close(self) -> bytes:
        lists = self.book.add_worksheet("选项")  # hidden: the loader skips hidden sheets
        for letter, values in self.lists_of.items():
            lists.write_column(0, ord(letter) - ord("A"), values)
        lists.hide()
        self.book.close()
        return self.buffer.getvalue()


def roster_template(districts: list[str]) -> bytes:
    book = _Book(districts)
    headers = [
        ("企业名称", 30),
        ("统一社会信用代码", 22),
        ("所属区县", 16),
        ("有效发明专利数", 14),
        ("有效专利数", 12),
        ("标签", 30),
        ("联系人", 20),
    ]
    example = [
        EXAMPLE + "示例科技有限公司",
        EXAMPLE_USCC,
        districts[0] if districts else "",
        5,
        12,
        "高新技术企业、专精特新",
        "张三 0000-0000000",
    ]
    sheet = book.sheet(
        "企业名单", "企业名单（标签可填多个：高新技术企业、专精特新、科技型中小企业、示范企业）", headers, example
    )
    book.pick(sheet, 2, "A", "所属区县")
    book.count(sheet, 3, "有效发明专利数")
    book.count(sheet, 4, "有效专利数")
    book.pick(sheet, 5, "B", "标签", strict=False)
    return book.close()


def events_template(districts: list[str], year: int) -> bytes:
    book = _Book(districts)
    example_day = dt.date(year, 3, 15)
    headers = [("日期", 13), ("活动名称", 36), ("区县或园区", 18), ("主办银行", 30), ("参会企业数", 12)]
    name = EXAMPLE + "政银企对接会（示例）"
    sheet = book.sheet(
        "对接活动",
        f"{year}年政银企对接活动",
        headers,
        [example_day, name, districts[0] if districts else "", "中国工商银行、中国银行", 40],
    )
    book.dates(sheet, 0)
    book.pick(sheet, 2, "A", "区县或园区", strict=False)  # a park's name is fine too
    book.pick(sheet, 3, "C", "主办银行", strict=False)
    book.count(sheet, 4, "参会企业数")
    listed = book.sheet(
        "对接企业名单",
        "对接企业名单（可选：每行一家参会企业，活动名称与活动表一致）",
        [("活动名称", 36), ("活动日期", 13), ("企业名称", 30), ("统一社会信用代码", 22)],
        [name, example_day, EXAMPLE + "示例科技有限公司", EXAMPLE_USCC],
    )
    book.dates(listed, 1)
    return book.close()


def demands_template(districts: list[str], year: int) -> bytes:
    book = _Book(districts)
    headers = [
        ("企业名称", 30),
        ("统一社会信用代码", 22),
        ("所属区县", 14),
        ("需求金额(万元)", 14),
        ("期望期限(月)", 12),
        ("登记日期", 13),
        ("来源活动", 30),
        ("推送银行", 22),
        ("推送日期", 13),
        ("银行反馈", 12),
        ("未通过原因", 24),
        ("反馈日期", 13),
        ("授信金额(万元)", 14),
    ]
    example = [
        EXAMPLE + "示例科技有限公司",
        EXAMPLE_USCC,
        districts[0] if districts else "",
        500,
        12,
        dt.date(year, 3, 16),
        "政银企对接会（示例）",
        "中国工商银行",
        dt.date(year, 3, 20),
        "授信",
        None,
        dt.date(year, 4, 10),
        300,
    ]
    sheet = book.sheet("融资需求", f"{year}年融资需求及银行反馈（单位：万元）", headers, example)
    book.pick(sheet, 2, "A", "所属区县")
    for col in (5, 8, 11):
        book.dates(sheet, col)
    book.pick(sheet, 7, "C", "推送银行", strict=False)
    book.pick(sheet, 9, "D", "银行反馈")
    for col, what in ((3, "需求金额"), (12, "授信金额")):
        sheet.data_validation(
            2,
            col,
            ROWS_WITH_CHECKS,
            col,
            {"validate": "decimal", "criteria": ">=", "value": 0, "error_message": f"{what}应为不小于0的数字（万元）"},
        )
    return book.close()
