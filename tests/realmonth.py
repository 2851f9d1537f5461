"""A real city's month (issue #9): the true loans of 示例市 (a Yangzhou-like city with districts, a
county-level city and functional zones without division codes) and writers that render them into
the eleven files its banks and districts actually send for January to October 2026.

Not a test module: tests/test_real_month.py loads these files. Everything is deterministic.

TRUTH is what really happened (after the corrections); REPORTS says, file by file, which loans the
file lists and how it writes them (a cumulative file that corrects an earlier one lists different
values for the same loans). The writers render REPORTS; the expectations are computed from TRUTH.

The files, in the order an analyst loads them:
  01 区县及功能区名单      districts and three functional zones without a division code
  02 目标任务分解表        2025年完成情况 block before the 2026年目标 block under two-row merged headers, 全市 row
  03 各银行明细（三个工作表）  工商银行 (借款人名称, 经办行, 放款金额(元)), 示例农商银行 (no 质权人 column: the bank
                          is the sheet; 单位：元 directly above 放款金额; 客户类型), 交通银行 (a title, a loan over three
                          rows with merged cells, 合计 and a 填报人/联系电话/审核人 footer)
  04 邗江区台账            质押登记号 and 登记日期, dates stored as numbers 20260210; two loans also in 工商银行's sheet
  05 高新区台账            放款机构, dates "2026年3月5日" / "2026.6.18" / month-only "2026年3月", "ZL 2022 1 0648861.5"
  06 江都区 .xls (WPS)     商标专用权 "第41527213号", a 个体工商户 without USCC, Excel dates
  07 中国银行 GBK CSV      贷款期限 "12个月" / "1年", 利率 "LPR+30BP", 发明专利、实用新型
  08 江苏银行 1-9月        bank named only in the title, 授信金额 next to 放款金额, 客户类型 首贷户/续贷户
  09 建设银行 10月         October increments
  10 江苏银行 1-10月       replaces 08: one amount corrected, one district corrected, one loan withdrawn, one new
  11 示例农商银行 补报     one July loan reported late

Hand-checked totals (as of 2026-10-31, 万元): 工行 800+1200+500+300 = 2800; 农商 260+150+420+180 = 1010;
交行 2000+600+350 = 2950; 邗江 file's own 700+250 = 950; 高新区 1500+900+400 = 2800; 江都 1000+50+680 = 1730;
中行 300+1100+500 = 1900; 江苏 (final) 900+400+570+1300+800 = 3970; 建行 700+450 = 1150.
City: 2800+1010+2950+950+2800+1730+1900+3970+1150 = 19260万 = 1.9260亿元 over 29 loans.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import xlwt

from etl.checksums import patent_check_char, uscc_check_char

YEAR = 2026
AS_OF = dt.date(2026, 10, 31)
CITY_CODE = "990200"

# name, division code (None: a functional zone without one), aliases as the list writes them
DISTRICTS: list[tuple[str, str | None, str]] = [
    ("广陵区", "990202", ""),
    ("邗江区", "990203", ""),
    ("江都区", "990212", ""),
    ("宝应县", "990223", ""),
    ("高邮市", "990284", ""),
    ("高新技术产业开发区", None, "高新区"),
    ("经济技术开发区", None, "经开区"),
    ("蜀冈—瘦西湖风景名胜区", None, "瘦西湖景区"),
]
# Unofficial codes for the zones: only in the "coded" list that the one-file tests use, so that a
# file's own capabilities are tested apart from the functional zones.
UNOFFICIAL_CODES = {"高新技术产业开发区": "990271", "经济技术开发区": "990272", "蜀冈—瘦西湖风景名胜区": "990273"}

INVENTION, UTILITY, DESIGN, TRADEMARK = "发明专利", "实用新型", "外观设计", "商标"


# -- identifiers with correct check characters ---------------------------------------------
def uscc(division: str, serial: int) -> str:
    first17 = f"91{division}MA{serial:07d}"
    return first17 + uscc_check_char(first17)


def all_digit_uscc(division: str) -> str:
    """A valid USCC made only of digits: the kind Excel turns into a number."""
    for serial in range(1000, 2000):
        first17 = f"91{division}{serial:09d}"
        check = uscc_check_char(first17)
        if check.isdigit():
            return first17 + check
    raise AssertionError("unreachable")


def patent(year: int, type_digit: int, serial: int) -> str:
    digits = f"{year}{type_digit}{serial:07d}"
    return f"{digits}.{patent_check_char(digits)}"


def certificate_form(number: str) -> str:
    """'202210648861.5' as a certificate writes it: 'ZL 2022 1 0648861.5'."""
    return f"ZL {number[:4]} {number[4]} {number[5:]}"


@dataclass(frozen=True)
class IP:
    number: str  # normalised: 12 digits '.' check, or a trademark registration number
    kind: str


def inv(year: int, serial: int) -> IP:
    return IP(patent(year, 1, serial), INVENTION)


def util(year: int, serial: int) -> IP:
    return IP(patent(year, 2, serial), UTILITY)


def design(year: int, serial: int) -> IP:
    return IP(patent(year, 3, serial), DESIGN)


@dataclass(frozen=True)
class Loan:
    id: str
    name: str
    uscc: str | None  # None: a 个体工商户 without one, identified by name and district
    district: str  # the district's name in the list
    bank: str  # head bank (or the local bank as written)
    amount_wan: Decimal
    date: dt.date
    first: bool
    ips: tuple[IP, ...]
    pledge_type: str
    reg_no: str | None = None
    reg_date: dt.date | None = None
    month_only: bool = False  # the file gives only the month

    @property
    def identity(self) -> str:
        return self.uscc or f"{self.name}|{self.district}"

    @property
    def amount_yuan(self) -> Decimal:
        return self.amount_wan * 10_000


def d(month: int, day: int) -> dt.date:
    return dt.date(YEAR, month, day)


def W(text: str) -> Decimal:  # noqa: N802 - amounts read like the ledgers: W("800")
    return Decimal(text)


# -- enterprises ---------------------------------------------------------------------------
GL, HJ, JD, BY, GY = "990202", "990203", "990212", "990223", "990284"
E = {
    "hanbang": ("示例市汉邦-扬子医药科技有限公司", uscc(HJ, 1001)),
    "ruifeng": ("示例市瑞丰精密机械有限公司", uscc(HJ, 1002)),
    "guyun": ("示例市古运河文化创意有限公司", uscc(GL, 1003)),
    "gaoyou_lake": ("高邮湖水产科技有限公司", uscc(GY, 1004)),
    "baoying_he": ("宝应县荷藕食品科技有限公司", uscc(BY, 1005)),
    "jiangdu_valve": ("示例市江都阀门制造有限公司", uscc(JD, 1006)),
    "kaifa_chip": ("示例芯源半导体有限公司", uscc(CITY_CODE, 1007)),
    "hightech_laser": ("示例市光谷激光科技有限公司", uscc(CITY_CODE, 1008)),
    "slender_tea": ("示例市瘦西湖茶文化有限公司", uscc(CITY_CODE, 1009)),
    "nanjing_bio": ("示例市维扬生物工程有限公司", uscc(HJ, 1010)),
    "postal_print": ("示例市邗沟包装印刷有限公司", uscc(HJ, 1011)),
    "zs_robot": ("示例市智造机器人有限公司", uscc(CITY_CODE, 1012)),
    "xy_material": ("示例市新禹新材料有限公司", uscc(CITY_CODE, 1013)),
    "zh_sensor": ("示例市中恒传感技术有限公司", uscc(CITY_CODE, 1014)),
    "jd_tea": ("示例市江都邵伯湖酒业有限公司", uscc(JD, 1015)),
    "jd_motor": ("示例市仙女镇电机有限公司", uscc(JD, 1016)),
    "boc_rice": ("宝应县射阳湖米业有限公司", uscc(BY, 1017)),
    "boc_auto": ("示例市经开汽车零部件有限公司", uscc(CITY_CODE, 1018)),
    "boc_lamp": ("示例市广陵灯具有限公司", uscc(GL, 1019)),
    "js_cable": ("示例市邗江电缆有限公司", uscc(HJ, 1020)),
    "js_toy": ("示例市杭集牙刷有限公司", uscc(HJ, 1021)),
    "js_boat": ("高邮市界首船舶配件有限公司", uscc(GY, 1022)),
    "js_seed": ("宝应县种业科技有限公司", uscc(BY, 1023)),
    "js_pump": ("示例市经开泵业有限公司", uscc(CITY_CODE, 1024)),
    "js_drone": ("示例市云翼无人机有限公司", uscc(CITY_CODE, 1025)),
    "ccb_salt": ("示例市江都盐化工有限公司", uscc(JD, 1026)),
    "nsh_feed": ("宝应县农丰饲料有限公司", uscc(BY, 1027)),
    "nsh_shoe": ("示例市江都鞋业有限公司", uscc(JD, 1028)),
    "nsh_nano": ("示例市纳微新材料有限公司", uscc(CITY_CODE, 1029)),
    "nsh_duck": ("高邮市咸鸭蛋食品有限公司", uscc(GY, 1030)),
}
SOLE_TRADER = "江都区仙女镇李记农机维修部"  # 个体工商户, no USCC
HIGH, ECON, LAKE = "高新技术产业开发区", "经济技术开发区", "蜀冈—瘦西湖风景名胜区"


def loan(id_: str, who: str, district: str, bank: str, wan: str, date: dt.date, first: bool, ips, ptype: str, **kw):
    name, code = E[who]
    return Loan(id_, name, code, district, bank, W(wan), date, first, tuple(ips), ptype, **kw)


# -- the loans, as they really were ---------------------------------------------------------
ICBC, NSH, BOCOM, BOC, JSB, CCB = "中国工商银行", "示例农商银行", "交通银行", "中国银行", "江苏银行", "中国建设银行"
G3_PATENT = inv(2021, 123401)
LOANS = [
    # 工商银行 sheet; G1 and G2 are also in 邗江区's ledger, with their registration numbers
    loan(
        "G1",
        "hanbang",
        "邗江区",
        ICBC,
        "800",
        d(2, 10),
        True,
        [inv(2022, 345601)],
        INVENTION,
        reg_no="Y2026320000123",
        reg_date=d(2, 6),
    ),
    loan(
        "G2",
        "ruifeng",
        "邗江区",
        ICBC,
        "1200",
        d(5, 18),
        False,
        [inv(2020, 567801), util(2023, 112201)],
        "混合",
        reg_no="Y2026320000456",
        reg_date=d(5, 12),
    ),
    loan("G3", "guyun", "广陵区", ICBC, "500", d(3, 5), True, [G3_PATENT], INVENTION),
    loan("G4", "gaoyou_lake", "高邮市", ICBC, "300", d(7, 22), False, [util(2024, 334401)], UTILITY),
    # 示例农商银行 sheet (N4: the late supplement)
    loan("N1", "nsh_feed", "宝应县", NSH, "260", d(1, 20), True, [inv(2021, 778801)], INVENTION),
    loan("N2", "nsh_shoe", "江都区", NSH, "150", d(4, 8), False, [util(2022, 998801)], UTILITY),
    loan("N3", "nsh_nano", ECON, NSH, "420", d(8, 30), True, [inv(2022, 445501), inv(2023, 445502)], INVENTION),
    loan("N4", "nsh_duck", "高邮市", NSH, "180", d(7, 15), True, [inv(2023, 556601)], INVENTION),
    # 交通银行 sheet: J1 spans three rows, one patent per row; J2 pledges G3's patent again
    loan(
        "J1",
        "hightech_laser",
        HIGH,
        BOCOM,
        "2000",
        d(6, 12),
        True,
        [inv(2021, 200101), inv(2022, 200102), inv(2023, 200103)],
        INVENTION,
    ),
    loan("J2", "guyun", "广陵区", BOCOM, "600", d(9, 3), False, [G3_PATENT, inv(2024, 200201)], INVENTION),
    loan("J3", "slender_tea", LAKE, BOCOM, "350", d(2, 27), True, [design(2023, 200301)], DESIGN),
    # 邗江区's own ledger
    loan(
        "H1",
        "nanjing_bio",
        "邗江区",
        "南京银行",
        "700",
        d(3, 16),
        True,
        [inv(2020, 300101)],
        INVENTION,
        reg_no="Y2026320000789",
        reg_date=d(3, 12),
    ),
    loan(
        "H2",
        "postal_print",
        "邗江区",
        "中国邮政储蓄银行",
        "250",
        d(8, 11),
        False,
        [util(2023, 300201)],
        UTILITY,
        reg_no="Y2026320001012",
        reg_date=d(8, 7),
    ),
    # 高新区's ledger: K3 dated by month only
    loan("K1", "zs_robot", HIGH, "招商银行", "1500", d(3, 5), True, [inv(2022, 400101)], INVENTION),
    loan("K2", "xy_material", HIGH, "兴业银行", "900", d(6, 18), False, [IP("202210648861.5", INVENTION)], INVENTION),
    loan("K3", "zh_sensor", HIGH, "招商银行", "400", d(3, 1), True, [util(2024, 400301)], UTILITY, month_only=True),
    # 江都区's .xls: a trademark, a 个体工商户 without USCC
    loan("D1", "jd_tea", "江都区", "中国农业银行", "1000", d(4, 21), True, [IP("41527213", TRADEMARK)], TRADEMARK),
    Loan("D2", SOLE_TRADER, None, "江都区", "中信银行", W("50"), d(5, 9), True, (util(2024, 500201),), UTILITY),
    loan("D3", "jd_motor", "江都区", "中国农业银行", "680", d(9, 26), False, [inv(2021, 500301)], INVENTION),
    # 中国银行's CSV
    loan("C1", "boc_rice", "宝应县", BOC, "300", d(1, 28), True, [inv(2022, 600101)], INVENTION),
    loan("C2", "boc_auto", ECON, BOC, "1100", d(7, 7), False, [inv(2021, 600201), inv(2023, 600202)], INVENTION),
    loan("C3", "boc_lamp", "广陵区", BOC, "500", d(9, 15), True, [inv(2020, 600301), util(2022, 600302)], "混合"),
    # 江苏银行: final values (08 wrote S2 in 广陵区 and S3 as 750万, and listed S4, withdrawn in 10)
    loan("S1", "js_cable", "邗江区", JSB, "900", d(1, 15), True, [inv(2021, 700101)], INVENTION),
    loan("S2", "js_toy", "邗江区", JSB, "400", d(4, 2), False, [util(2023, 700201)], UTILITY),
    loan("S3", "js_boat", "高邮市", JSB, "570", d(6, 30), True, [inv(2022, 700301)], INVENTION),
    loan("S5", "js_pump", ECON, JSB, "1300", d(9, 28), False, [inv(2020, 700501)], INVENTION),
    loan("S6", "js_drone", HIGH, JSB, "800", d(10, 13), True, [inv(2024, 700601)], INVENTION),
    # 建设银行's October increments; B2 is S3's enterprise again
    loan("B1", "ccb_salt", "江都区", CCB, "700", d(10, 9), True, [inv(2023, 800101)], INVENTION),
    loan("B2", "js_boat", "高邮市", CCB, "450", d(10, 27), False, [inv(2024, 800201)], INVENTION),
]
BY_ID = {x.id: x for x in LOANS}
S4_WITHDRAWN = loan("S4", "js_seed", "宝应县", JSB, "300", d(8, 19), True, [inv(2023, 700401)], INVENTION)
TRUTH: list[Loan] = LOANS  # every loan that counts on 2026-10-31

# Which loans each file lists, as it lists them.
FILES = {
    "districts": "01_示例市区县及功能区名单.xlsx",
    "targets": "02_示例市2026年知识产权质押融资目标任务分解表.xlsx",
    "banks": "03_各银行2026年1-9月知识产权质押贷款明细.xlsx",
    "hanjiang": "04_邗江区2026年1-9月知识产权质押融资台账.xlsx",
    "hightech": "05_高新区2026年1-9月质押融资台账.xlsx",
    "jiangdu": "06_江都区2026年1-9月知识产权质押融资统计.xls",
    "boc": "07_中国银行示例市分行2026年1-9月知识产权质押贷款.csv",
    "jsb_9": "08_江苏银行示例市分行2026年1-9月知识产权质押贷款明细.xlsx",
    "ccb_10": "09_建设银行2026年10月知识产权质押贷款发放情况.xlsx",
    "jsb_10": "10_江苏银行示例市分行2026年1-10月知识产权质押贷款明细.xlsx",
    "supplement": "11_示例农商银行2026年7月知识产权质押贷款补报.xlsx",
}
REPORTS: dict[str, list[Loan]] = {
    "banks": [BY_ID[i] for i in ("G1", "G2", "G3", "G4", "N1", "N2", "N3", "J1", "J2", "J3")],
    "hanjiang": [BY_ID[i] for i in ("G1", "H1", "G2", "H2")],
    "hightech": [BY_ID[i] for i in ("K1", "K2", "K3")],
    "jiangdu": [BY_ID[i] for i in ("D1", "D2", "D3")],
    "boc": [BY_ID[i] for i in ("C1", "C2", "C3")],
    "jsb_9": [
        BY_ID["S1"],
        replace(BY_ID["S2"], district="广陵区"),  # corrected to 邗江区 in 1-10月
        replace(BY_ID["S3"], amount_wan=W("750")),  # corrected to 570 in 1-10月
        S4_WITHDRAWN,  # no longer listed in 1-10月
        BY_ID["S5"],
    ],
    "ccb_10": [BY_ID["B1"], BY_ID["B2"]],
    "jsb_10": [BY_ID[i] for i in ("S1", "S2", "S3", "S5", "S6")],
    "supplement": [BY_ID["N4"]],
}
# What each bank sheet of file 03 holds.
BANK_SHEETS = {"工商银行": ("G1", "G2", "G3", "G4"), "示例农商银行": ("N1", "N2", "N3"), "交通银行": ("J1", "J2", "J3")}

# Targets: 2026 (亿元, 质押发明专利件, 惠及企业家, 首贷企业家) and the 2025 完成情况 block before them.
TARGETS_2026: dict[str, tuple[str, int, int, int]] = {
    "广陵区": ("0.30", 4, 4, 2),
    "邗江区": ("0.40", 6, 5, 3),
    "江都区": ("0.25", 3, 4, 2),
    "宝应县": ("0.10", 2, 3, 1),
    "高邮市": ("0.20", 3, 3, 2),
    HIGH: ("0.50", 8, 6, 3),
    ECON: ("0.30", 4, 3, 1),
    LAKE: ("0.05", 1, 2, 1),
}
CITY_TARGET_2026 = ("2.20", 30, 28, 14)  # not the districts' sum (2.10亿元)
DONE_2025 = {
    "广陵区": ("0.41", 5, 6),
    "邗江区": ("0.52", 7, 8),
    "江都区": ("0.18", 2, 3),
    "宝应县": ("0.07", 1, 2),
    "高邮市": ("0.12", 2, 2),
    HIGH: ("0.66", 9, 7),
    ECON: ("0.23", 3, 3),
    LAKE: ("0.02", 0, 1),
}
# How the targets table writes the zones.
TARGET_SPELLING = {HIGH: "高新区", ECON: "经开区", LAKE: "瘦西湖景区"}


# -- cell formats ---------------------------------------------------------------------------
def number_date(day: dt.date | None) -> int | None:
    return None if day is None else int(day.strftime("%Y%m%d"))


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def dotted(day: dt.date) -> str:
    return f"{day.year}.{day.month}.{day.day}"


def zl(ip: IP) -> str:
    return ip.number if ip.kind == TRADEMARK else f"ZL{ip.number}"


def listed(x: Loan, sep: str = "、") -> str:
    return sep.join(zl(ip) for ip in x.ips)


def declared_type(x: Loan) -> str:
    kinds = [k for k in (INVENTION, UTILITY, DESIGN) if any(ip.kind == k for ip in x.ips)]
    return "、".join(kinds) if len(kinds) > 1 else x.pledge_type


def yuan(x: Loan) -> str:
    return f"{x.amount_yuan:,.2f}"


def wan(x: Loan):
    return int(x.amount_wan) if x.amount_wan == x.amount_wan.to_integral_value() else float(x.amount_wan)


def customer_type(x: Loan) -> str:
    return "首贷户" if x.first else "续贷户"


def yes(x: Loan) -> str:
    return "是" if x.first else "否"


# -- workbook helpers -----------------------------------------------------------------------
@dataclass
class Sheet:
    name: str
    rows: list[list] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)


def xlsx(*sheets: Sheet) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for spec in sheets:
        ws = book.create_sheet(spec.name)
        for row in spec.rows:
            ws.append(row)
        for cell_range in spec.merges:
            ws.merge_cells(cell_range)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _letter(i: int) -> str:
    return openpyxl.utils.get_column_letter(i + 1)


# -- 01 the district list (Weinan-style: zones without codes) --------------------------------
def districts_file(coded: bool = False) -> bytes:
    rows: list[list] = [["示例市区县及功能区名单"], ["序号", "区县名称", "行政区划代码", "类别", "别名"]]
    for n, (name, code, alias) in enumerate(DISTRICTS, start=1):
        if coded and code is None:
            code = UNOFFICIAL_CODES[name]
        kind = "功能区" if name in UNOFFICIAL_CODES else ("县级市" if name.endswith("市") else "县区")
        rows.append([n, name, code, kind, alias or None])
    return xlsx(Sheet("区县名单", rows))


# -- 02 targets: last year's results before this year's targets ------------------------------
def targets_file() -> bytes:
    rows: list[list] = [
        ["示例市2026年知识产权质押融资目标任务分解表"],
        ["区县", "2025年完成情况", None, None, "2026年目标", None, None, None],
        [
            None,
            "质押融资金额(亿元)",
            "质押发明专利(件)",
            "惠及企业(家)",
            "质押融资金额(亿元)",
            "质押发明专利(件)",
            "惠及企业(家)",
            "首贷企业(家)",
        ],
    ]
    for name, (amount, patents, firms, first) in TARGETS_2026.items():
        done = DONE_2025[name]
        rows.append(
            [TARGET_SPELLING.get(name, name), float(done[0]), done[1], done[2], float(amount), patents, firms, first]
        )
    rows.append(["全市", 2.13, 29, 32, float(CITY_TARGET_2026[0]), *CITY_TARGET_2026[1:]])
    return xlsx(Sheet("2026年目标", rows, ["A1:H1", "A2:A3", "B2:D2", "E2:H2"]))


# -- 03 the bank workbook: one sheet per bank ---------------------------------------------
FOOTER = ["填报人：王晓明", None, None, "联系电话：0514-87362145", None, None, "审核人：陈建华"]


def _icbc_sheet() -> Sheet:
    header = [
        "序号",
        "借款人名称",
        "统一社会信用代码",
        "所属区县",
        "经办行",
        "质押类型",
        "质押物编号",
        "放款金额(元)",
        "发放日期",
        "是否首贷",
    ]
    rows: list[list] = [["中国工商银行示例市分行2026年1-9月知识产权质押贷款明细"], header]
    spelling = {"高邮市": "高邮", "邗江区": "邗江区"}
    for n, i in enumerate(BANK_SHEETS["工商银行"], start=1):
        x = BY_ID[i]
        branch = "中国工商银行示例市邗江支行" if x.district == "邗江区" else "中国工商银行示例市分行"
        name = x.name.replace("-", "—") if i == "G1" else x.name  # 邗江区 writes it with "-"
        rows.append(
            [
                n,
                name,
                x.uscc,
                spelling.get(x.district, x.district),
                branch,
                declared_type(x),
                listed(x, "；"),
                yuan(x),
                x.date,
                yes(x),
            ]
        )
    rows.append(
        [
            "合计",
            None,
            None,
            None,
            None,
            None,
            None,
            f"{sum(BY_ID[i].amount_yuan for i in BANK_SHEETS['工商银行']):,.2f}",
            None,
            None,
        ]
    )
    return Sheet("工商银行", rows, ["A1:J1"])


def _nsh_sheet() -> Sheet:
    # No 质权人 column: the sheet is the bank's. The unit line is directly above the header.
    rows: list[list] = [
        ["示例农商银行知识产权质押贷款明细表（2026年1-9月）"],
        ["单位：元"],
        ["序号", "客户名称", "信用代码", "区县", "质押物类型", "质押专利号", "放款金额", "放款日期", "客户类型"],
    ]
    spelling = {"宝应县": "宝应", "江都区": "示例市江都区", ECON: "经开区"}
    for n, i in enumerate(BANK_SHEETS["示例农商银行"], start=1):
        x = BY_ID[i]
        rows.append(
            [
                n,
                x.name,
                x.uscc,
                spelling[x.district],
                x.pledge_type,
                listed(x, "\n"),
                float(x.amount_yuan),
                x.date.strftime("%Y-%m-%d"),
                customer_type(x),
            ]
        )
    rows.append(
        [
            "合计",
            None,
            None,
            None,
            None,
            None,
            float(sum(BY_ID[i].amount_yuan for i in BANK_SHEETS["示例农商银行"])),
            None,
            None,
        ]
    )
    return Sheet("示例农商银行", rows, ["A1:I1"])


def _bocom_sheet(fill_down: bool) -> Sheet:
    header = [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "所属区域",
        "贷款银行",
        "质押物类型",
        "质押专利号",
        "贷款金额（万元）",
        "放款日期",
        "贷款期限（月）",
        "是否首贷",
    ]
    rows: list[list] = [["交通银行示例市分行2026年1-9月知识产权质押贷款台账"], header]
    merges = ["A1:K1"]
    spelling = {HIGH: "高新区", "广陵区": "广陵区", LAKE: "蜀冈-瘦西湖风景名胜区"}
    for n, i in enumerate(BANK_SHEETS["交通银行"], start=1):
        x = BY_ID[i]
        start = len(rows) + 1  # the Excel row of the loan's first line
        for k, ip in enumerate(x.ips):
            first_line = k == 0 or fill_down
            shared = (
                [n, x.name, x.uscc, spelling[x.district], "交通银行示例市分行", x.pledge_type]
                if first_line
                else [None] * 6
            )
            rest = [wan(x), x.date, 12, yes(x)] if first_line else [None] * 4
            rows.append([*shared, zl(ip), *rest])
        if len(x.ips) > 1 and not fill_down:
            end = start + len(x.ips) - 1
            merges += [f"{_letter(c)}{start}:{_letter(c)}{end}" for c in (0, 1, 2, 3, 4, 5, 7, 8, 9, 10)]
    total = sum(BY_ID[i].amount_wan for i in BANK_SHEETS["交通银行"])
    rows.append(["合计", None, None, None, None, None, None, int(total), None, None, None])
    rows.append([])
    rows.append(["填报单位：交通银行示例市分行"])
    rows.append(FOOTER)
    return Sheet("交通银行", rows, merges)


def banks_file(fill_down: bool = False) -> bytes:
    return xlsx(_icbc_sheet(), _nsh_sheet(), _bocom_sheet(fill_down))


# Where the merged loan sits in 03's 交通银行 sheet: Excel rows 3-5.
MERGED_LOAN_ROWS = (3, 5)


# -- 04 邗江区: registration numbers, dates as numbers -----------------------------------------
def hanjiang_file() -> bytes:
    header = [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "所属区县",
        "质权人",
        "质押物类型",
        "质押专利号",
        "质押登记号",
        "登记日期",
        "贷款金额(万元)",
        "放款日期",
        "是否首贷",
    ]
    rows: list[list] = [["邗江区2026年1-9月知识产权质押融资台账"], header]
    banks = {
        "G1": "工行邗江支行",
        "G2": "中国工商银行示例市邗江支行",
        "H1": "南京银行示例市分行",
        "H2": "邮储银行邗江支行",
    }
    spelling = {"G1": "邗江", "G2": "示例市邗江区", "H1": "邗江区", "H2": "邗江"}
    for n, x in enumerate(REPORTS["hanjiang"], start=1):
        rows.append(
            [
                n,
                x.name,
                x.uscc,
                spelling[x.id],
                banks[x.id],
                declared_type(x),
                listed(x),
                x.reg_no,
                number_date(x.reg_date),
                wan(x),
                number_date(x.date),
                yes(x),
            ]
        )
    rows.append(
        [
            "合计",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            int(sum(x.amount_wan for x in REPORTS["hanjiang"])),
            None,
            None,
        ]
    )
    return xlsx(Sheet("邗江区", rows, ["A1:L1"]))


# -- 05 高新区: Chinese dates, a month-only date, a certificate-style patent number -------------
def hightech_file() -> bytes:
    header = [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "所在区县",
        "放款机构",
        "质押物类型",
        "专利号",
        "融资金额（万元）",
        "放款日期",
        "是否首贷",
    ]
    rows: list[list] = [["高新区2026年1-9月知识产权质押融资情况"], header]
    banks = {"K1": "招商银行示例市分行", "K2": "兴业银行示例市分行", "K3": "招行高新支行"}
    dates = {"K1": cn_date(BY_ID["K1"].date), "K2": dotted(BY_ID["K2"].date), "K3": "2026年3月"}
    for n, x in enumerate(REPORTS["hightech"], start=1):
        numbers = certificate_form(x.ips[0].number) if x.id == "K2" else listed(x)
        rows.append([n, x.name, x.uscc, "高新区", banks[x.id], x.pledge_type, numbers, wan(x), dates[x.id], yes(x)])
    rows.append(["合计", None, None, None, None, None, None, int(sum(x.amount_wan for x in REPORTS["hightech"]))])
    rows.append(
        [
            "填报单位：示例高新技术产业开发区经济发展局",
            None,
            None,
            None,
            "填报人：刘洋",
            None,
            None,
            "联系电话：0514-82981234",
        ]
    )
    return xlsx(Sheet("Sheet1", rows, ["A1:J1"]))


MONTH_ONLY_ROW = 5  # K3's Excel row in 05


# -- 06 江都区 as WPS saves .xls ---------------------------------------------------------------
def jiangdu_file() -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("江都区")
    date_style = xlwt.easyxf(num_format_str="YYYY/M/D")
    header = [
        "序号",
        "出质人",
        "统一社会信用代码",
        "区县",
        "质权人",
        "质押物类型",
        "质押物编号",
        "贷款金额(万元)",
        "放款日期",
        "是否首贷",
    ]
    sheet.write_merge(0, 0, 0, len(header) - 1, "江都区2026年1-9月知识产权质押融资统计表")
    for c, text in enumerate(header):
        sheet.write(1, c, text)
    banks = {"D1": "农行江都支行", "D2": "中信银行示例市分行", "D3": "中国农业银行示例市江都支行"}
    types = {"D1": "商标专用权", "D2": "实用新型", "D3": "发明专利"}
    for r, x in enumerate(REPORTS["jiangdu"], start=2):
        numbers = "第41527213号" if x.id == "D1" else listed(x)
        values = [r - 1, x.name, x.uscc or "", "江都区 ", banks[x.id], types[x.id], numbers, wan(x)]
        for c, value in enumerate(values):
            sheet.write(r, c, value)
        sheet.write(r, 8, (x.date - dt.date(1899, 12, 30)).days, date_style)
        sheet.write(r, 9, yes(x))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SOLE_TRADER_ROW = 4  # D2's Excel row in 06


# -- 07 中国银行: a GBK CSV with a title line, terms and rates as written -------------------------
def boc_file() -> bytes:
    header = [
        "序号",
        "借款企业",
        "统一社会信用代码",
        "所属区县",
        "贷款银行",
        "质押物类型",
        "质押专利号",
        "贷款金额(万元)",
        "放款日期",
        "贷款期限",
        "利率",
        "是否首贷",
    ]
    branch = {"C1": "中国银行示例市宝应支行", "C2": "中国银行示例市分行", "C3": "中行广陵支行"}
    terms = {"C1": "12个月", "C2": "1年", "C3": "36个月"}
    rates = {"C1": "LPR+30BP", "C2": "3.45%", "C3": "LPR"}
    spelling = {"宝应县": "宝应县", ECON: "经开区", "广陵区": "广陵"}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["中国银行示例市分行2026年1-9月知识产权质押贷款统计"])
    writer.writerow(header)
    for n, x in enumerate(REPORTS["boc"], start=1):
        writer.writerow(
            [
                n,
                x.name,
                x.uscc,
                spelling[x.district],
                branch[x.id],
                declared_type(x),
                listed(x, " "),
                wan(x),
                x.date.strftime("%Y/%m/%d"),
                terms[x.id],
                rates[x.id],
                yes(x),
            ]
        )
    return out.getvalue().encode("gbk")


# -- 08 and 10 江苏银行: named only in the title, 授信金额 next to 放款金额 ------------------------
CREDIT_LINE = {"S1": 1000, "S2": 500, "S3": 800, "S4": 300, "S5": 1500, "S6": 1000}


def jsb_file(key: str) -> bytes:
    months = "1-9月" if key == "jsb_9" else "1-10月"
    header = [
        "序号",
        "客户名称",
        "统一社会信用代码",
        "所属区县",
        "质押物类型",
        "质押专利号",
        "授信金额(万元)",
        "放款金额(万元)",
        "放款日期",
        "贷款期限",
        "利率",
        "客户类型",
    ]
    rows: list[list] = [[f"江苏银行示例市分行2026年{months}知识产权质押贷款明细"], header]
    spelling = {
        "邗江区": "邗江区",
        "广陵区": "广陵区",
        "高邮市": "高邮市",
        "宝应县": "宝应县",
        ECON: "经开区",
        HIGH: "高新区",
    }
    for n, x in enumerate(REPORTS[key], start=1):
        rows.append(
            [
                n,
                x.name,
                x.uscc,
                spelling[x.district],
                x.pledge_type,
                listed(x),
                CREDIT_LINE[x.id],
                wan(x),
                x.date,
                "12个月",
                "LPR+30BP",
                customer_type(x),
            ]
        )
    rows.append(
        [
            "合计",
            None,
            None,
            None,
            None,
            None,
            sum(CREDIT_LINE[x.id] for x in REPORTS[key]),
            int(sum(x.amount_wan for x in REPORTS[key])),
        ]
    )
    rows.append(FOOTER)
    return xlsx(Sheet("Sheet1", rows, ["A1:L1"]))


# -- 09 建设银行's October increments ----------------------------------------------------------
def ccb_file() -> bytes:
    header = [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "所属区县",
        "质权人",
        "质押物类型",
        "质押专利号",
        "放款金额(万元)",
        "放款日期",
        "是否首贷",
    ]
    rows: list[list] = [["中国建设银行示例市分行2026年10月知识产权质押贷款发放情况"], header]
    for n, x in enumerate(REPORTS["ccb_10"], start=1):
        rows.append(
            [
                n,
                x.name,
                x.uscc,
                x.district,
                "建设银行示例市分行",
                x.pledge_type,
                listed(x),
                wan(x),
                x.date.isoformat(),
                yes(x),
            ]
        )
    return xlsx(Sheet("10月", rows, ["A1:J1"]))


# -- 11 a late supplement --------------------------------------------------------------------
def supplement_file() -> bytes:
    rows: list[list] = [
        ["示例农商银行2026年7月知识产权质押贷款补报表"],
        ["单位：元"],
        ["序号", "客户名称", "信用代码", "区县", "质押物类型", "质押专利号", "放款金额", "放款日期", "客户类型"],
    ]
    for n, x in enumerate(REPORTS["supplement"], start=1):
        rows.append(
            [
                n,
                x.name,
                x.uscc,
                "高邮",
                x.pledge_type,
                listed(x),
                float(x.amount_yuan),
                x.date.strftime("%Y-%m-%d"),
                customer_type(x),
            ]
        )
    return xlsx(Sheet("示例农商银行", rows, ["A1:I1"]))


WRITERS = {
    "districts": districts_file,
    "targets": targets_file,
    "banks": banks_file,
    "hanjiang": hanjiang_file,
    "hightech": hightech_file,
    "jiangdu": jiangdu_file,
    "boc": boc_file,
    "jsb_9": lambda: jsb_file("jsb_9"),
    "ccb_10": ccb_file,
    "jsb_10": lambda: jsb_file("jsb_10"),
    "supplement": supplement_file,
}
# The order an analyst loads them: reference data, the 1-9月 ledgers, October, the correction, the supplement.
LOAD_ORDER = list(FILES)
LEDGERS = [k for k in LOAD_ORDER if k in REPORTS]


def write_month(folder: Path) -> dict[str, Path]:
    """The eleven files in `folder`, by key, in load order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key in LOAD_ORDER:
        path = folder / FILES[key]
        path.write_bytes(WRITERS[key]())
        paths[key] = path
    return paths


# -- a file with true errors ------------------------------------------------------------------
EXCEL_NUMBER_USCC = all_digit_uscc(GY)


def erroneous_file(future: dt.date) -> tuple[bytes, dict]:
    """A bank's 1-10月 ledger with two true errors: a loan dated `future` (after the period and after
    today) and a USCC that Excel stored as a number (15 significant digits, the last ones lost).
    Returns the file and where the errors are."""
    header = [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "所属区县",
        "质权人",
        "质押专利号",
        "贷款金额(万元)",
        "放款日期",
        "是否首贷",
    ]
    good = BY_ID["C1"]
    as_number = float(f"{float(EXCEL_NUMBER_USCC):.15g}")  # what Excel keeps of 18 digits
    rows: list[list] = [
        ["示例市某银行2026年1-10月知识产权质押贷款明细"],
        header,
        [1, good.name, good.uscc, "宝应县", "中国银行示例市分行", listed(good), wan(good), good.date.isoformat(), "是"],
        [2, "高邮市秦邮电子有限公司", as_number, "高邮市", "中国银行示例市分行", None, 200, "2026-05-06", "否"],
        [
            3,
            "示例市广陵灯具有限公司",
            E["boc_lamp"][1],
            "广陵区",
            "中国银行示例市分行",
            None,
            300,
            future.isoformat(),
            "否",
        ],
    ]
    return xlsx(Sheet("明细", rows)), {"uscc": (4, "C"), "future": (5, "H")}


# -- the same loans in the plainest shape (for the identity and correction tests) --------------
def plain_ledger(loans: list[Loan], title: str, registered: bool = False) -> bytes:
    """The loans under the standard headers, in the standard formats: what any loader reads today.
    `registered` writes the registration numbers and dates (a district's ledger)."""
    header = [
        "企业名称",
        "统一社会信用代码",
        "所属区县",
        "质权人",
        "质押物类型",
        "质押专利号",
        "质押登记号",
        "质押登记日",
        "贷款金额(万元)",
        "放款日期",
        "是否首贷",
    ]
    rows: list[list] = [[title], header]
    for x in loans:
        reg = [x.reg_no, x.reg_date.isoformat() if x.reg_date else None] if registered else [None, None]
        branch = x.bank if x.bank == NSH else f"{x.bank}示例市分行"  # a local bank has no branch
        rows.append(
            [x.name, x.uscc, x.district, branch, x.pledge_type, listed(x), *reg, wan(x), x.date.isoformat(), yes(x)]
        )
    return xlsx(Sheet("Sheet1", rows))
