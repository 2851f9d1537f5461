"""Blank spreadsheets of the 贴息 file kinds: the policy's parameter sheet (参数 | 取值 | 说明, the
current values filled in when there are any) and the claims form (贴息申报表), with drop-down lists
for every choice so that most mistakes cannot be typed."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter

from etl.templates import ROWS_WITH_CHECKS, valid_dates
from pledge.subsidy.policy import PARAMS

CLAIM_HEADERS = [
    ("企业名称", 28),
    ("统一社会信用代码", 22),
    ("所属区县", 14),
    ("质权人", 24),
    ("贷款金额(万元)", 13),
    ("合同签订日", 12),
    ("放款日期", 12),
    ("结清日期", 12),
    ("执行年利率(%)", 12),
    ("实付利息(万元)", 13),
    ("知识产权担保占比(%)", 14),
    ("质押登记号", 20),
    ("登记生效日", 12),
    ("质押专利号", 30),
    ("评估费(万元)", 11),
    ("担保费(万元)", 11),
    ("保险费(万元)", 11),
]
DATE_COLUMNS = (5, 6, 7, 12)


def policy_template(year: int, values: dict[str, str | None] | None) -> bytes:
    """The parameter sheet; `values` ({key: text}) fills the 取值 column (a policy being edited)."""
    values = values or {"year": str(year)}
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet("贴息政策")
    sheet.write(0, 0, f"{year}年知识产权质押贷款贴息政策参数", book.add_format({"bold": True, "font_size": 14}))
    sheet.write_row(1, 0, ["参数", "取值", "说明"], head)
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 2, 70, wrap)
    for row, param in enumerate(PARAMS, start=2):
        note = param.note + ("（可选：" + "、".join(param.choices) + "）" if param.choices else "")
        sheet.write(row, 0, param.label)
        value = values.get(param.key)
        if value is not None:
            sheet.write_string(row, 1, value)
        sheet.write(row, 2, note + ("（必填）" if param.required else ""), wrap)
        if param.choices:
            sheet.data_validation(
                row,
                1,
                row,
                1,
                {
                    "validate": "list",
                    "source": list(param.choices),
                    "error_message": f"{param.label}请从下拉列表中选择",
                },
            )
    sheet.freeze_panes(2, 0)
    book.close()
    return buffer.getvalue()


def claims_template(districts: list[str], year: int) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("贴息申报表")
    sheet.write(
        0, 0, f"{year}年度知识产权质押贷款贴息申报表（单位：万元）", book.add_format({"bold": True, "font_size": 14})
    )
    for col, (name, width) in enumerate(CLAIM_HEADERS):
        sheet.write(1, col, name, head)
        sheet.set_column(col, col, width, date_format if col in DATE_COLUMNS else None)
    example = [
        "【示例行，导入时自动跳过】示例科技有限公司",
        "91110000710925462X",
        districts[0] if districts else "",
        "中国工商银行示例支行",
        500,
        dt.date(year - 1, 6, 10),
        dt.date(year - 1, 6, 20),
        dt.date(year, 6, 19),
        3.6,
        18.25,
        100,
        "Y2025000000001",
        dt.date(year - 1, 6, 15),
        "ZL201310699744.2",
        2,
        0,
        0,
    ]
    for col, value in enumerate(example):
        if isinstance(value, dt.date):
            sheet.write_datetime(2, col, dt.datetime.combine(value, dt.time()), date_format)
        else:
            sheet.write(2, col, value)
    lists = book.add_worksheet("选项")  # hidden: the loader skips hidden sheets
    lists.write_column(0, 0, districts or [""])
    lists.hide()
    sheet.data_validation(
        2,
        2,
        ROWS_WITH_CHECKS,
        2,
        {
            "validate": "list",
            "source": f"=选项!$A$1:$A${max(len(districts), 1)}",
            "error_title": "请从列表中选择",
            "error_message": "所属区县请从下拉列表中选择",
        },
    )
    money_rule = {"validate": "decimal", "criteria": ">=", "value": 0, "error_message": "请填写不小于0的数字（万元）"}
    for col in (4, 9, 14, 15, 16):
        sheet.data_validation(2, col, ROWS_WITH_CHECKS, col, money_rule)
    sheet.data_validation(
        2,
        10,
        ROWS_WITH_CHECKS,
        10,
        {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0.01,
            "maximum": 100,
            "error_message": "占比为0到100之间的百分数；纯知识产权质押填100",
        },
    )
    for col in DATE_COLUMNS:
        valid_dates(sheet, col)
    sheet.freeze_panes(2, 1)
    book.close()
    return buffer.getvalue()
