"""A Weinan-style city: a district list whose functional zones have no division code, and a ledger
written the way districts write it (zones by short name, a 个体工商户 without a USCC, terms and
rates in words, month-only dates), loaded without editing a cell."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import pipeline
from etl.kinds.districts import zone_code
from tests.fixtures import PATENT_INVENTION, USCC_A, USCC_B, USCC_C, UTILITY, write, xlsx_bytes

COUNTIES = [
    ("临渭区", "610502"),
    ("华州区", "610503"),
    ("潼关县", "610522"),
    ("大荔县", "610523"),
    ("合阳县", "610524"),
    ("澄城县", "610525"),
    ("蒲城县", "610526"),
    ("白水县", "610527"),
    ("富平县", "610528"),
    ("韩城市", "610581"),
    ("华阴市", "610582"),
]
ZONES = ["高新区", "经开区", "卤阳湖现代产业综合开发区"]


def weinan_list(zone_aliases: tuple[str, str, str] = ("", "", "")) -> bytes:
    rows: list[list] = [
        ["渭南市区县（功能区）名单"],
        ["序号", "区县名称", "行政区划代码", "别名"],
        [None, "渭南市", "610500", None],
    ]
    rows += [[i, name, code, None] for i, (name, code) in enumerate(COUNTIES, start=1)]
    rows += [[12 + i, name, None, alias or None] for i, (name, alias) in enumerate(zip(ZONES, zone_aliases))]
    rows.append(["合计", "14个", None, None])
    return xlsx_bytes(rows, sheet="区县")


def imported(store, tmp_path, name: str, data: bytes):
    parsed, result = pipeline.import_path(store, write(tmp_path, name, data), user="test")
    assert result is not None and result.status == "loaded", [str(i) for i in parsed.issues]
    return parsed


def districts(store) -> dict[str, str]:
    with store.read() as con:
        return dict(con.execute("SELECT name, code FROM v_districts ORDER BY sort_order").fetchall())


def test_the_weinan_list_loads_with_codes_for_its_zones(empty_store, tmp_path):
    parsed = imported(empty_store, tmp_path, "渭南区县.xlsx", weinan_list())
    loaded = districts(empty_store)
    assert list(loaded) == [name for name, _ in COUNTIES] + ZONES  # no 渭南市, no 合计
    assert [loaded[name] for name, _ in COUNTIES] == [code for _, code in COUNTIES]
    zone_codes = [loaded[z] for z in ZONES]
    assert all(len(c) == 6 and c[0] == "Z" and c[1:].isdigit() for c in zone_codes) and len(set(zone_codes)) == 3
    warnings = [str(w) for w in parsed.warnings]
    assert any("610500是市级" in w and "渭南市" in w for w in warnings)
    assert sum("未填行政区划代码，按功能区处理" in w for w in warnings) == 3


def test_a_zone_keeps_its_code_when_the_list_is_loaded_again(empty_store, tmp_path):
    imported(empty_store, tmp_path, "list-1.xlsx", weinan_list())
    before = districts(empty_store)
    # The same list a month later, the zone now under its long name with the short one as alias.
    again = weinan_list(("渭南高新区", "", "卤阳湖"))
    imported(empty_store, tmp_path, "list-2.xlsx", again)
    assert districts(empty_store) == before
    assert zone_code("高新技术产业开发区") == zone_code("高新区") == before["高新区"]


def test_a_code_when_present_is_six_digits_and_unique(empty_store, tmp_path):
    rows = [
        ["区县名称", "行政区划代码"],
        ["临渭区", "610502"],
        ["华州区", "61053"],
        ["潼关县", "610502"],
        ["高新区", None],
    ]
    parsed = pipeline.parse_bytes(empty_store, xlsx_bytes(rows), "bad.xlsx")
    errors = sorted((e.row, e.message) for e in parsed.errors)
    assert errors == [
        (3, "行政区划代码应为6位数字（功能区没有代码可留空），读到“61053”"),
        (4, "与第2行重复"),
    ]


def test_two_zones_whose_names_are_one_cannot_share_a_generated_code(empty_store):
    rows = [["区县名称", "行政区划代码"], ["高新区", None], ["高新技术产业开发区", None]]
    parsed = pipeline.parse_bytes(empty_store, xlsx_bytes(rows), "zones.xlsx")
    (error,) = parsed.errors
    assert error.row == 3 and error.message.startswith(f"按名称生成的代码{zone_code('高新区')}与第2行重复")


HEADER = [
    "企业名称",
    "统一社会信用代码",
    "所属区县",
    "贷款银行",
    "质押物类型",
    "质押专利号",
    "贷款金额(万元)",
    "放款日期",
    "贷款期限",
    "年利率",
]
# Dates as districts type them: a number 20260115, a month only, text.
LEDGER = [
    [
        "甲科技有限公司",
        USCC_A,
        "渭南高新区",
        "工行渭南分行",
        "发明专利、实用新型",
        f"ZL 2013 1 0699744.2\n{UTILITY}",
        500,
        20260115,
        "12个月",
        "LPR+30BP",
    ],
    [
        "乙材料股份有限公司",
        USCC_B,
        "经济技术开发区",
        "建设银行",
        "商标专用权",
        "第41527213号",
        300,
        "2026年3月",
        "1年",
        "4.35%",
    ],
    ["张三五金店", None, "卤阳湖", "农行蒲城支行", "专利权", PATENT_INVENTION, 50, "2026-02-10", "一年", 0.0435],
    [
        "丙生物有限公司",
        USCC_C,
        "渭南市临渭区",
        "工行",
        "发明专利+商标",
        "ZL201310699744.2、第41527214号",
        200,
        "2026.2.20",
        "6个月",
        "LPR加30个基点",
    ],
    ["张三五金店", None, "卤阳湖", "农行蒲城支行", "发明专利", PATENT_INVENTION, 100, "2026-03-05", "待定", None],
]


@pytest.fixture
def weinan(empty_store, tmp_path):
    imported(empty_store, tmp_path, "渭南区县.xlsx", weinan_list())
    return empty_store


def test_a_ledger_that_uses_the_zones_loads_unedited(weinan, tmp_path):
    parsed = imported(weinan, tmp_path, "2026年1-3月台账.xlsx", xlsx_bytes([HEADER, *LEDGER], sheet="台账"))
    codes = districts(weinan)
    shop = f"个体:{codes['卤阳湖现代产业综合开发区']}:张三五金店"
    with weinan.read() as con:
        loans = con.execute(
            """SELECT enterprise_name, uscc, d.name, pledge_type, amount_yuan::DOUBLE, loan_date, term_months,
                      rate_pct::DOUBLE, rate_text
               FROM v_loans l JOIN v_districts d ON d.code = l.district_code ORDER BY amount_yuan DESC"""
        ).fetchall()
        patents = con.execute(
            "SELECT l.enterprise_name, p.ip_no, p.ip_type FROM pledged_ip p JOIN v_loans l USING (loan_id) ORDER BY 1, 2"
        ).fetchall()
        enterprises = con.execute("SELECT count(DISTINCT uscc) FROM v_loans").fetchone()[0]
        per_district = dict(
            con.execute(
                """SELECT d.name, sum(amount_yuan)::DOUBLE / 10000 FROM v_loans l JOIN v_districts d ON d.code = l.district_code
                   GROUP BY d.name"""
            ).fetchall()
        )
    assert loans == [
        ("甲科技有限公司", USCC_A, "高新区", "混合", 5_000_000, dt.date(2026, 1, 15), 12, None, "LPR+30BP"),
        ("乙材料股份有限公司", USCC_B, "经开区", "商标", 3_000_000, dt.date(2026, 3, 1), 12, 4.35, None),
        ("丙生物有限公司", USCC_C, "临渭区", "混合", 2_000_000, dt.date(2026, 2, 20), 6, None, "LPR加30个基点"),
        ("张三五金店", shop, "卤阳湖现代产业综合开发区", "发明专利", 1_000_000, dt.date(2026, 3, 5), None, None, None),
        ("张三五金店", shop, "卤阳湖现代产业综合开发区", "发明专利", 500_000, dt.date(2026, 2, 10), 12, 4.35, None),
    ]
    assert patents == [
        ("丙生物有限公司", "201310699744.2", "发明专利"),
        ("丙生物有限公司", "41527214", "商标"),
        ("乙材料股份有限公司", "41527213", "商标"),
        ("张三五金店", "201310699744.2", "发明专利"),
        ("张三五金店", "201310699744.2", "发明专利"),
        ("甲科技有限公司", "201310699744.2", "发明专利"),
        ("甲科技有限公司", "202320123456.1", "实用新型"),
    ]
    assert enterprises == 4  # the shop once, for its two loans
    assert per_district == {"高新区": 500, "经开区": 300, "临渭区": 200, "卤阳湖现代产业综合开发区": 150}
    warnings = {(w.row, w.message) for w in parsed.warnings}
    assert {
        (3, "只填了年月，没有日，按2026年3月1日计算，请核对"),
        (2, "利率“LPR+30BP”不是数字，已按原文保存（不参与利率统计）"),
        (4, "个体工商户未填统一社会信用代码，按名称和区县识别，请核对"),
        (6, "个体工商户未填统一社会信用代码，按名称和区县识别，请核对"),
        (6, "贷款期限“待定”无法识别（可写作12、12个月、1年）；该列不参与统计，已留空"),
    } <= warnings


def test_a_spelling_that_names_several_districts_lists_them(weinan, tmp_path):
    row = ["甲科技有限公司", USCC_A, "开发区", "工行", None, None, 500, "2026-01-15", None, None]
    parsed = pipeline.parse_bytes(weinan, xlsx_bytes([HEADER, row]), "a.xlsx")
    (error,) = parsed.errors
    assert error.message == "区县“开发区”可能是高新区、经开区、卤阳湖现代产业综合开发区，无法确定，请写明是哪一个"


def test_a_company_without_a_uscc_and_a_uscc_excel_rounded_are_errors_with_their_own_words(weinan, tmp_path):
    rows = [
        HEADER,
        ["丁科技有限公司", None, "临渭区", "工行", None, None, 500, "2026-01-15", None, None],
        ["戊科技有限公司", 9.13201e17, "临渭区", "工行", None, None, 500, "2026-01-16", None, None],
    ]
    parsed = pipeline.parse_bytes(weinan, xlsx_bytes(rows), "a.xlsx")
    assert [(e.row, e.message, e.value) for e in parsed.errors] == [
        (2, "统一社会信用代码为空", None),
        (3, "统一社会信用代码被Excel按数字保存，末位已丢失，请从原始系统导出为文本", "913201000000000000"),
    ]
