"""Builders of ledgers the way one bank sends them month after month (a title naming the bank and
the months, a unit line, a 合计 row), for the tests of corrections and replacements."""

from __future__ import annotations

from etl.checksums import uscc_check_char
from tests.fixtures import xlsx_bytes


def uscc(n: int) -> str:
    first17 = f"91990101MA{n:07d}"
    return first17 + uscc_check_char(first17)


BANK_HEADER = ["序号", "企业名称", "统一社会信用代码", "所属区县", "放款金额(万元)", "放款日期", "贷款银行"]
# 江苏银行's loans: 序号, name, USCC, district, 万元, date
SEPTEMBER = [
    [1, "甲科技有限公司", uscc(1), "东湖区", 500, "2026-01-10"],
    [2, "乙材料有限公司", uscc(2), "西山区", 800, "2026-03-20"],
    [3, "丙生物有限公司", uscc(3), "东湖区", 300, "2026-05-14"],
    [4, "丁智能有限公司", uscc(4), "临江县", 1200, "2026-09-02"],
]


def bank_file(title: str, rows: list[list]) -> bytes:
    bank = title[: title.index("银行") + 2]
    return xlsx_bytes([[title], ["单位：万元"], BANK_HEADER, *[[*r, f"{bank}示例市分行"] for r in rows], ["合计"]])
