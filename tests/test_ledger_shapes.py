"""Ledgers in the shapes banks and districts send them: titles and unit lines, signature blocks,
merged loans over several rows, one sheet per bank, bank-specific headers. Each is read right or
refused with a message that names the sheet and the column."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import xlwt

from etl import pipeline
from etl.parse import IGNORED, parse_file
from tests.fixtures import (
    PATENT_INVENTION,
    PATENT_INVENTION_2,
    USCC_A,
    USCC_B,
    USCC_C,
    UTILITY,
    blank_merged,
    city_reference,
    workbook_bytes,
    write,
    xlsx_bytes,
)

TODAY = dt.date(2026, 11, 20)
HEADER = ["企业名称", "统一社会信用代码", "所属区县", "质权人", "质押专利号", "贷款金额", "放款日期"]
LOAN_A = ["甲科技有限公司", USCC_A, "东湖区", "江苏银行东湖支行", PATENT_INVENTION, 5_000_000, "2026-03-10"]
LOAN_B = ["乙材料股份有限公司", USCC_B, "西山区", "工行西山支行", PATENT_INVENTION_2, 3_000_000, "2026-04-02"]


def parse(data: bytes, name: str = "台账.xlsx"):
    return parse_file(data, name, city_reference(), today=TODAY)


def amounts_yuan(parsed) -> list[int]:
    return [int(cents) // 100 for cents in parsed.table["amount_cents"]]


def messages(issues) -> list[str]:
    return [str(i) for i in issues]


# -- 1. the unit line right above the header ---------------------------------------------------
@pytest.mark.parametrize(
    "above",
    [
        [["2026年1-10月知识产权质押融资明细"], ["单位：元"]],
        [["2026年1-10月知识产权质押融资明细", None, None, None, None, None, "单位：元"]],
        [["2026年1-10月知识产权质押融资明细（单位：元）"]],
        [["2026年1-10月知识产权质押融资明细"], [None, None, None, None, None, None, "金额单位：元"]],
        [["2026年1-10月知识产权质押融资明细"], [*HEADER, "（单位：元）"]],
    ],
    ids=["own line", "end of the title row", "inside the title", "right-hand cell", "after the header"],
)
def test_amounts_in_yuan_under_a_unit_line_load_as_yuan(above):
    header = [] if len(above[-1]) > len(HEADER) else [HEADER]
    parsed = parse(xlsx_bytes([*above, *header, LOAN_A, LOAN_B]))
    assert parsed.ok, messages(parsed.issues)
    assert amounts_yuan(parsed) == [5_000_000, 3_000_000]
    assert [m["unit"] for m in parsed.mapping if m["field"] == "贷款金额"] == ["元"]


def test_the_stored_amount_of_a_yuan_ledger(store, tmp_path):
    rows = [["2026年1-10月知识产权质押融资明细"], ["单位：元"], HEADER, LOAN_A]
    parsed, result = pipeline.import_path(store, write(tmp_path, "明细.xlsx", xlsx_bytes(rows)), user="test")
    assert result is not None, messages(parsed.errors)
    with store.read() as con:
        assert con.execute("SELECT amount_yuan FROM v_loans").fetchall() == [(5_000_000,)]


# -- 2. signature blocks and totals under the table -------------------------------------------
def test_signature_block_and_totals_under_the_table_are_not_loans():
    rows = [
        ["单位：元"],
        HEADER,
        LOAN_A,
        LOAN_B,
        ["合计", None, None, None, None, 8_000_000, None],
        [None, "本月小计", None, None, None, 8_000_000, None],
        [None, None, None, None, None, None, None],
        ["填报单位：江苏银行东湖支行", None, None, "填报日期：2026年11月5日"],
        ["填报人：张三  联系电话：0514-87654321"],
        ["单位负责人", "李四", "审核人", "王五"],
        [None, "制表人：赵六", None, "联系电话", "0514-87654322"],
        ["负责人：", None, "钱七"],
    ]
    parsed = parse(xlsx_bytes(rows))
    assert parsed.ok, messages(parsed.issues)
    assert parsed.rows_read == 2 and list(parsed.table["source_row"]) == [3, 4]


# -- 3. values that equal a header -------------------------------------------------------------
def test_a_printed_page_header_is_skipped_but_a_row_of_header_like_values_is_a_loan():
    header = ["区县", "质权人", "企业名称", "统一社会信用代码", "贷款金额(万元)", "放款日期"]
    rows = [
        header,
        ["东湖区", "工行", "甲科技有限公司", USCC_A, 500, "2026-03-10"],
        header,  # the header again on the next printed page
        ["区县", "质权人", "丙生物有限公司", USCC_C, 300, "2026-03-12"],  # values copied from the header
    ]
    parsed = parse(xlsx_bytes(rows))
    assert parsed.rows_read == 2
    assert [(e.row, e.value) for e in parsed.errors] == [(4, "区县")]
    assert "不在本市区县名单中" in parsed.errors[0].message


def test_data_rows_with_header_words_are_never_taken_for_the_header():
    # Rows sent without their header: a row whose cells include header words ("企业" as the customer
    # type, "首贷户") is still a data row, and the analyst is told the header is missing.
    rows = [
        ["甲科技有限公司", USCC_A, "东湖区", "江苏银行", "企业", "首贷户", 500, "2026-03-10"],
        ["乙材料股份有限公司", USCC_B, "西山区", "工行", "企业", "续贷户", 300, "2026-04-02"],
    ]
    parsed = parse(xlsx_bytes(rows))
    assert parsed.kind is None and [e.message[:11] for e in parsed.errors] == ["在前30行中找不到表头"]


# -- 4. one loan over several rows -------------------------------------------------------------
MERGED_LOAN = [
    ["2026年1-10月知识产权质押融资明细"],
    ["单位：万元"],
    [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "所属区县",
        "质权人",
        "质押专利号",
        "质押专利件数",
        "贷款金额",
        "放款日期",
    ],
    [1, "甲科技有限公司", USCC_A, "东湖区", "江苏银行东湖支行", PATENT_INVENTION, 3, 800, "2026-03-10"],
    [1, "甲科技有限公司", USCC_A, "东湖区", "江苏银行东湖支行", PATENT_INVENTION_2, 3, 800, "2026-03-10"],
    [1, "甲科技有限公司", USCC_A, "东湖区", "江苏银行东湖支行", UTILITY, 3, 800, "2026-03-10"],
    [2, "乙材料股份有限公司", USCC_B, "西山区", "工行西山支行", PATENT_INVENTION_2, 1, 300, "2026-04-02"],
]
MERGES = ["A4:A6", "B4:B6", "C4:C6", "D4:D6", "E4:E6", "G4:G6", "H4:H6", "I4:I6"]


def loans_and_patents(parsed) -> tuple[list, list]:
    frame = parsed.table
    loans = list(zip(frame["source_row"], frame["uscc"], frame["amount_cents"], frame["patent_count"]))
    patents = sorted(
        (int(frame["source_row"][row]), number)
        for row, number in zip(parsed.patent_table["row"], parsed.patent_table["patent_no"])
    )
    return loans, patents


def test_a_loan_over_merged_rows_is_one_loan_with_all_its_patents():
    merged = parse(xlsx_bytes(blank_merged(MERGED_LOAN, MERGES), merges=MERGES))
    filled = parse(xlsx_bytes(MERGED_LOAN))
    assert merged.ok and filled.ok, messages(merged.issues + filled.issues)
    expected_loans = [(4, USCC_A, 800 * 1_000_000, 3), (7, USCC_B, 300 * 1_000_000, 1)]
    invention, invention_2 = PATENT_INVENTION.removeprefix("ZL"), PATENT_INVENTION_2.removeprefix("ZL")
    expected_patents = [(4, invention), (4, invention_2), (4, UTILITY), (7, invention_2)]
    assert loans_and_patents(merged) == loans_and_patents(filled) == (expected_loans, expected_patents)
    assert merged.warnings == filled.warnings == []
    assert list(merged.table["pledge_type"]) == [None, None]


def xls_with_merges(rows: list[list], merges: list[str]) -> bytes:
    """An .xls as WPS saves it: each merged range written once, its other cells left out."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("台账")
    spans = []
    for cell_range in merges:
        first, last = cell_range.split(":")
        spans.append((int(first[1:]) - 1, int(last[1:]) - 1, ord(first[0]) - 65, ord(last[0]) - 65))
    for r, row in enumerate(blank_merged(rows, merges)):
        for c, value in enumerate(row):
            if value is not None and not any(r0 <= r <= r1 and c0 <= c <= c1 for r0, r1, c0, c1 in spans):
                sheet.write(r, c, value)
    for r0, r1, c0, c1 in spans:
        sheet.write_merge(r0, r1, c0, c1, rows[r0][c0])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_merged_rows_in_a_wps_xls_load_as_one_loan(store, tmp_path):
    data = xls_with_merges(MERGED_LOAN, MERGES)
    parsed, result = pipeline.import_path(store, write(tmp_path, "台账.xls", data), user="test")
    assert result is not None, messages(parsed.errors)
    with store.read() as con:
        loans = con.execute("SELECT uscc, amount_yuan FROM v_loans ORDER BY uscc").fetchall()
        patents = con.execute("SELECT count(*) FROM pledged_ip").fetchone()
    assert loans == [(USCC_A, 8_000_000), (USCC_B, 3_000_000)] and patents == (4,)


def test_one_patent_a_row_with_one_type_a_row_is_a_mixed_loan():
    header = [
        "企业名称",
        "统一社会信用代码",
        "所属区县",
        "质权人",
        "质押物类型",
        "质押专利号",
        "贷款金额(万元)",
        "放款日期",
    ]
    common = ["甲科技有限公司", USCC_A, "东湖区", "江苏银行东湖支行"]
    rows = [
        header,
        [*common, "发明专利", PATENT_INVENTION, 800, "2026-03-10"],
        [*common, "实用新型", UTILITY, 800, "2026-03-10"],
    ]
    parsed = parse(xlsx_bytes(rows))
    assert parsed.ok and parsed.warnings == [], messages(parsed.issues)
    assert list(parsed.table["pledge_type"]) == ["混合"] and len(parsed.patent_table) == 2


def test_the_same_registration_with_other_values_keeps_the_warning():
    header = [*HEADER, "质押登记号"]
    rows = [header, [*LOAN_A, "R1"], [*LOAN_A[:4], PATENT_INVENTION_2, 6_000_000, LOAN_A[6], "R1"]]
    parsed = parse(xlsx_bytes([["单位：元"], *rows]))
    assert [(w.row, w.message) for w in parsed.warnings] == [(4, "与第3行是同一笔贷款（质押登记号相同），以本行为准")]
    assert len(parsed.table) == 2  # both rows go to the loader, which keeps the later one


# -- 5. the bank from the sheet name or the title ---------------------------------------------
WITHOUT_BANK = ["企业名称", "统一社会信用代码", "所属区县", "质押专利号", "放款金额(元)", "放款日期"]


def without_bank(loan: list) -> list:
    return [*loan[:3], *loan[4:]]


def test_the_bank_of_a_sheet_without_a_bank_column():
    title = "江苏银行扬州分行2026年1-10月知识产权质押贷款明细"
    data = workbook_bytes(
        {
            "扬州农商行": [WITHOUT_BANK, without_bank(LOAN_A)],
            "Sheet2": [[title], WITHOUT_BANK, without_bank(LOAN_B)],
            "Sheet3": [["填报单位：工行西山支行", None, "单位：元"], WITHOUT_BANK, without_bank(LOAN_B)],
        }
    )
    parsed = parse(data)
    assert parsed.ok, messages(parsed.issues)
    assert list(parsed.table["bank_raw"]) == ["扬州农商行", "江苏银行扬州分行", "工行西山支行"]
    assert list(parsed.table["bank"]) == ["扬州农商行", "江苏银行", "中国工商银行"]
    assert [w.message for w in parsed.warnings] == [
        "工作表“扬州农商行”没有质权人列，按工作表名称取质权人为“扬州农商行”，请核对",
        f"工作表“Sheet2”没有质权人列，按表格上方的“{title}”取质权人为“江苏银行扬州分行”，请核对",
        "工作表“Sheet3”没有质权人列，按表格上方的“填报单位：工行西山支行”取质权人为“工行西山支行”，请核对",
    ]


def test_a_sheet_name_that_is_no_bank_gives_no_bank():
    parsed = parse(
        workbook_bytes({"10月明细": [["2026年10月知识产权质押融资明细"], WITHOUT_BANK, without_bank(LOAN_A)]})
    )
    assert [e.message for e in parsed.errors][0].startswith(
        "工作表“10月明细”缺少必填列“质权人”（可用的表头有：质权人、贷款银行"
    )


# -- 6. a ledger sheet with a column missing is an error, not a skipped sheet -------------------
def test_a_ledger_sheet_missing_a_column_is_an_error_while_notes_are_skipped():
    no_uscc = [h for h in HEADER if h != "统一社会信用代码"]
    data = workbook_bytes(
        {
            "工行": [["单位：元"], HEADER, LOAN_B],
            "建行": [["单位：元"], no_uscc, [v for v in LOAN_A if v != USCC_A]],
            "填表说明": [["填表说明：金额单位为元，每笔贷款一行"]],
        }
    )
    parsed = parse(data)
    assert parsed.sheets == ["工行", "建行"]
    assert [(e.sheet, e.row) for e in parsed.errors] == [("建行", 2)]
    assert "工作表“建行”缺少必填列“统一社会信用代码”" in parsed.errors[0].message
    assert [w.sheet for w in parsed.warnings] == ["填表说明"]


# -- 7 and 8. every column in the preview; amount columns by preference ----------------------
def test_the_loan_amount_is_preferred_to_the_credit_line_and_both_are_listed():
    header = [
        "企业名称",
        "统一社会信用代码",
        "所属区县",
        "质权人",
        "授信金额(万元)",
        "放款金额(万元)",
        "放款日期",
        "备注",
    ]
    rows = [header, ["甲科技有限公司", USCC_A, "东湖区", "工行", 1000, 800, "2026-03-10", "续作"]]
    parsed = parse(xlsx_bytes(rows))
    assert parsed.ok and parsed.warnings == [], messages(parsed.issues)
    assert amounts_yuan(parsed) == [8_000_000]
    assert [(m["column"], m["header"], m["field"]) for m in parsed.mapping][4:] == [
        ("E", "授信金额(万元)", IGNORED),
        ("F", "放款金额(万元)", "贷款金额"),
        ("G", "放款日期", "放款日期"),
        ("H", "备注", IGNORED),
    ]


def test_the_credit_line_alone_is_taken_with_a_warning():
    header = ["企业名称", "统一社会信用代码", "所属区县", "质权人", "授信金额(万元)", "放款日期"]
    parsed = parse(xlsx_bytes([header, ["甲科技有限公司", USCC_A, "东湖区", "工行", 1000, "2026-03-10"]]))
    assert parsed.ok and amounts_yuan(parsed) == [10_000_000]
    assert [(w.column, w.message) for w in parsed.warnings] == [
        ("授信金额(万元)（E列）", "授信金额是授信额度而非贷款，未找到放款金额列，暂按授信金额计，请核对")
    ]


def test_two_columns_of_equal_preference_are_an_error_naming_both():
    header = ["企业名称", "统一社会信用代码", "所属区县", "质权人", "贷款金额(万元)", "放款日期", "放款日期"]
    parsed = parse(xlsx_bytes([header, ["甲科技有限公司", USCC_A, "东湖区", "工行", 800, "2026-03-10", "2026-03-11"]]))
    assert [e.message for e in parsed.errors] == [
        "F列“放款日期”和G列“放款日期”都可作为“放款日期”，无法确定用哪一列。请删除其中一列或改写其表头后重新导入"
    ]


# -- 9. bank headers ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, bank, amount",
    [
        ("客户名称", "机构名称", "实际发放金额(元)"),
        ("借款人名称", "放款机构", "发放金额(元)"),
        ("借款主体", "经办行", "实际发放金额（元）"),
        ("客户名称", "经办支行", "放款金额(元)"),
        ("借款人名称", "贷款行", "贷款金额(元)"),
    ],
)
def test_bank_headers_and_customer_type(name, bank, amount):
    header = [name, "统一社会信用代码", "所属区县", bank, amount, "放款日期", "客户类型"]
    rows = [
        header,
        ["甲科技有限公司", USCC_A, "东湖区", "工行东湖支行", 5_000_000, "2026-03-10", "首贷户"],
        ["乙材料股份有限公司", USCC_B, "西山区", "建行西山支行", 3_000_000, "2026-04-02", "续贷户"],
    ]
    parsed = parse(xlsx_bytes(rows))
    assert parsed.ok, messages(parsed.issues)
    assert list(parsed.table["first_loan"]) == [True, False]
    assert list(parsed.table["bank"]) == ["中国工商银行", "中国建设银行"]
    assert amounts_yuan(parsed) == [5_000_000, 3_000_000]


# -- 10. all the errors of a file in one round -------------------------------------------------
def test_a_missing_column_does_not_hide_the_errors_of_the_other_cells():
    header = ["企业名称", "统一社会信用代码", "所属区县", "贷款金额(万元)", "放款日期"]
    rows = [header, ["甲科技有限公司", USCC_A[:-1] + "0", "火星区", 500, "2026-02-30"]]
    parsed = parse(xlsx_bytes(rows, sheet="明细"))
    assert [(e.row, e.column) for e in parsed.errors] == [
        (1, None),
        (2, "所属区县（C列）"),
        (2, "统一社会信用代码（B列）"),
        (2, "放款日期（E列）"),
    ]
    first, district, uscc, day = (e.message for e in parsed.errors)
    assert first.startswith("工作表“明细”缺少必填列“质权人”")
    assert "校验位错误" in uscc and "火星区" in district and "不存在" in day


# -- all of it in one sheet, as a bank sends it ------------------------------------------------
def test_a_bank_sheet_as_sent_loads_unedited(store, tmp_path):
    rows = [
        ["江苏银行东湖支行2026年1-10月知识产权质押贷款明细"],
        ["填报单位：江苏银行东湖支行", None, None, None, None, None, None, None, "单位：元"],
        [
            "序号",
            "客户名称",
            "统一社会信用代码",
            "所属区县",
            "质押物",
            None,
            "授信金额",
            "实际发放金额",
            "放款日期",
            "客户类型",
        ],
        [None, None, None, None, "质押物类型", "质押专利号", None, None, None, None],
        [
            1,
            "甲科技有限公司",
            USCC_A,
            "东湖区",
            "发明专利",
            PATENT_INVENTION,
            10_000_000,
            8_000_000,
            "2026-03-10",
            "首贷户",
        ],
        [None, None, None, None, None, PATENT_INVENTION_2, None, None, None, None],
        [2, "丙生物有限公司", USCC_C, "高新区", "实用新型", UTILITY, 5_000_000, 3_000_000, "2026-04-02", "续贷户"],
        ["合计", None, None, None, None, None, 15_000_000, 11_000_000, None, None],
        ["填报人：张三  联系电话：0514-87654321", None, None, None, None, None, "审核人：李四"],
    ]
    merges = ["A1:J1", "E3:F3", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "G3:G4", "H3:H4", "I3:I4", "J3:J4"]
    merges += ["A5:A6", "B5:B6", "C5:C6", "D5:D6", "E5:E6", "G5:G6", "H5:H6", "I5:I6", "J5:J6"]
    data = workbook_bytes({"江苏银行": blank_merged(rows, merges)}, {"江苏银行": merges})
    parsed, result = pipeline.import_path(store, write(tmp_path, "江苏银行1-10月.xlsx", data), user="test")
    assert result is not None, messages(parsed.errors)
    assert [w.message for w in parsed.warnings] == [
        "工作表“江苏银行”没有质权人列，按工作表名称取质权人为“江苏银行”，请核对"
    ]
    assert ("G", "授信金额", IGNORED) in [(m["column"], m["header"], m["field"]) for m in parsed.mapping]
    with store.read() as con:
        loans = con.execute(
            "SELECT uscc, bank, amount_yuan, first_loan, pledge_type FROM v_loans ORDER BY uscc"
        ).fetchall()
        patents = con.execute("SELECT ip_no FROM pledged_ip ORDER BY ip_no").fetchall()
    assert loans == [
        (USCC_A, "江苏银行", 8_000_000, True, "发明专利"),
        (USCC_C, "江苏银行", 3_000_000, False, "实用新型"),
    ]
    assert [p[0] for p in patents] == sorted(
        p.removeprefix("ZL") for p in (PATENT_INVENTION, PATENT_INVENTION_2, UTILITY)
    )


def test_a_customer_type_that_is_not_about_first_loans_warns_and_counts_no_first_loan():
    header = ["客户名称", "统一社会信用代码", "所属区县", "贷款银行", "放款金额(万元)", "放款日期", "客户类型"]
    rows = [
        header,
        ["甲科技有限公司", USCC_A, "东湖区", "工行东湖支行", 500, "2026-03-10", "企业"],
        ["乙材料股份有限公司", USCC_B, "西山区", "建行西山支行", 300, "2026-04-02", "首贷户"],
    ]
    parsed = parse(xlsx_bytes(rows))
    assert parsed.ok, messages(parsed.issues)
    assert list(parsed.table["first_loan"]) == [False, True]
    assert [(w.row, w.column) for w in parsed.warnings if "按非首贷计" in w.message] == [(2, "客户类型（G列）")]
