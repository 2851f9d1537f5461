"""Loading messy spreadsheets the way banks and districts send them."""

from __future__ import annotations

import io

import pytest
import xlwt

from etl import load, pipeline
from tests.fixtures import PATENT_INVENTION, PATENT_INVENTION_2, USCC_A, USCC_B, write, xlsx_bytes

HEADER = [
    "企业名称",
    "统一社会信用代码",
    "所属区县",
    "质权人",
    "质押专利号",
    "质押登记号",
    "贷款金额(万元)",
    "放款日期",
    "是否首贷",
]
JAN = [
    ["甲科技有限公司", USCC_A, "东湖区", "工行东湖支行", PATENT_INVENTION, "R1", 500, "2025-01-10", "是"],
    ["乙材料股份有限公司", USCC_B, "西山区", "建设银行西山支行", PATENT_INVENTION_2, "R2", 800, "2025-01-20", "是"],
]
FEB = [["甲科技有限公司", USCC_A, "东湖区", "农行东湖支行", None, "R3", 300, "2025-02-14", "否"]]


def current(store) -> list[tuple]:
    with store.read() as con:
        return con.execute(
            "SELECT loan_key, uscc, bank, amount_yuan, loan_date, batch_id FROM v_loans ORDER BY loan_key"
        ).fetchall()


def loaded(store, tmp_path, name, data, **kwargs):
    parsed, result = pipeline.import_path(store, write(tmp_path, name, data), user="test", **kwargs)
    assert result is not None, [str(i) for i in parsed.errors]
    return parsed, result


def test_cumulative_months_count_each_loan_once(store, tmp_path):
    _, jan = loaded(store, tmp_path, "1月.xlsx", xlsx_bytes([HEADER, *JAN]))
    _, feb = loaded(store, tmp_path, "1-2月累计.xlsx", xlsx_bytes([HEADER, *JAN, *FEB]))
    assert jan.counts == {"new": 2, "updated": 0, "duplicate": 0, "withdrawn": 0}
    assert feb.counts == {"new": 1, "updated": 0, "duplicate": 2, "withdrawn": 0}
    rows = current(store)
    assert len(rows) == 3 and sum(r[3] for r in rows) == 1600 * 10_000


def test_a_corrected_amount_replaces_the_loan_and_undo_brings_it_back(store, tmp_path):
    loaded(store, tmp_path, "1月.xlsx", xlsx_bytes([HEADER, *JAN]))
    before = current(store)
    fixed = [row[:] for row in JAN]
    fixed[1][6] = 880
    _, result = loaded(store, tmp_path, "1月更正.xlsx", xlsx_bytes([HEADER, *fixed]))
    assert result.counts == {"new": 0, "updated": 1, "duplicate": 1, "withdrawn": 0}
    rows = {r[0]: r for r in current(store)}
    assert len(rows) == 2 and rows["R:R2"][3] == 880 * 10_000
    load.undo(store, result.batch_id, user="test")
    assert current(store) == before  # exactly as before, the replaced rows included


def test_the_identical_file_again_changes_nothing(store, tmp_path):
    data = xlsx_bytes([HEADER, *JAN])
    loaded(store, tmp_path, "a.xlsx", data)
    before = current(store)
    _, again = loaded(store, tmp_path, "a-copy.xlsx", data)
    assert again.status == "unchanged" and "未重复导入" in again.note
    assert current(store) == before


def test_a_duplicate_row_inside_a_file_is_one_loan_with_a_warning(store, tmp_path):
    parsed, result = loaded(store, tmp_path, "dup.xlsx", xlsx_bytes([HEADER, JAN[0], JAN[1], JAN[0]]))
    assert len(current(store)) == 2
    assert result.counts["duplicate"] == 1
    assert any("与第2行是同一笔贷款" in w.message and w.row == 4 for w in parsed.warnings)


def test_without_registration_numbers_the_key_is_uscc_bank_date_amount(store, tmp_path):
    rows = [[*row[:5], None, *row[6:]] for row in JAN]
    loaded(store, tmp_path, "a.xlsx", xlsx_bytes([HEADER, *rows]))
    loaded(store, tmp_path, "b.xlsx", xlsx_bytes([HEADER, *rows, *FEB]))  # resent: same enterprise, bank, day, amount
    keys = [r[0] for r in current(store)]
    assert len(keys) == 3 and f"K:{USCC_A}|中国工商银行|2025-01-10|5000000.00" in keys


def test_yuan_and_wan_give_the_same_yuan(store, tmp_path):
    in_yuan = [
        ["企业名称", "统一社会信用代码", "所属区县", "贷款银行", "质押金额(元)", "放款日期"],
        ["甲科技有限公司", USCC_A, "东湖区", "工行", "5,000,000", "2025-01-10"],
    ]
    loaded(store, tmp_path, "yuan.xlsx", xlsx_bytes(in_yuan))
    assert current(store)[0][3] == 5_000_000


@pytest.mark.parametrize("encoding, bom", [("gbk", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b"")])
def test_csv_in_bank_encodings(store, tmp_path, encoding, bom):
    text = "\n".join(",".join("" if c is None else str(c) for c in row) for row in [HEADER, *JAN])
    loaded(store, tmp_path, "bank.csv", bom + text.encode(encoding))
    assert {r[1] for r in current(store)} == {USCC_A, USCC_B}
    with store.read() as con:
        names = {r[0] for r in con.execute("SELECT enterprise_name FROM v_loans").fetchall()}
    assert names == {"甲科技有限公司", "乙材料股份有限公司"}


def test_an_xls_workbook_with_excel_dates(store, tmp_path):
    book = xlwt.Workbook()
    sheet = book.add_sheet("台账")
    sheet.write(0, 0, "2025年1月台账")
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for c, name in enumerate(HEADER):
        sheet.write(1, c, name)
    for r, row in enumerate(JAN, start=2):
        for c, value in enumerate(row):
            if c == 7:
                sheet.write(r, c, 45667 if r == 2 else 45677, dates)  # serial numbers: 2025-01-10, 2025-01-20
            elif value is not None:
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    loaded(store, tmp_path, "1月.xls", buffer.getvalue())
    assert [str(r[4]) for r in current(store)] == ["2025-01-10", "2025-01-20"]


def test_headers_with_line_breaks_full_width_brackets_and_spaces(store, tmp_path):
    header = ["企业\n名称", "统一社会 信用代码", "所属区县", "质权人", "贷款金额\n（万元）", "放款日期", "是否\n首贷"]
    rows = [[r[0], r[1], r[2], r[3], r[6], r[7], r[8]] for r in JAN]
    parsed, _ = loaded(store, tmp_path, "h.xlsx", xlsx_bytes([header, *rows]))
    mapped = {m["field"]: m["unit"] for m in parsed.mapping}
    assert mapped["贷款金额"] == "万元" and {"企业名称", "统一社会信用代码", "是否首贷"} <= set(mapped)
    assert sum(r[3] for r in current(store)) == 1300 * 10_000


def test_two_sheets_of_the_same_ledger_load_together_and_other_sheets_are_noted(store, tmp_path):
    data = xlsx_bytes(
        [HEADER, JAN[0]], sheet="工行", extra_sheets={"建行": [HEADER, JAN[1]], "说明": [["填表说明：金额单位为万元"]]}
    )
    parsed, _ = loaded(store, tmp_path, "banks.xlsx", data)
    assert parsed.sheets == ["工行", "建行"] and len(current(store)) == 2
    assert any("说明" in w.message for w in parsed.warnings)


def test_errors_name_the_excel_row_below_title_lines(store, tmp_path):
    rows = [
        ["2025年1月全市知识产权质押融资情况统计表"],
        ["单位：万元"],
        HEADER,
        *JAN,
        ["丙公司", USCC_B[:-1] + "0", "东湖区", "工行", None, "R9", 100, "2025-01-30", "否"],
    ]
    parsed = pipeline.parse_bytes(store, xlsx_bytes(rows, sheet="台账"), "bad.xlsx")
    error = parsed.errors[0]
    assert (error.sheet, error.row, error.column, error.value) == (
        "台账",
        6,
        "统一社会信用代码（B列）",
        USCC_B[:-1] + "0",
    )
    assert "校验位错误" in error.message
    assert current(store) == []


def test_warnings_are_kept_with_the_batch(store, tmp_path):
    header = [*HEADER, "质押物类型", "质押专利件数"]
    rows = [[*JAN[0], "实用新型", 3]]  # an invention patent declared as utility model; 3 declared, 1 listed
    parsed, result = loaded(store, tmp_path, "w.xlsx", xlsx_bytes([header, *rows]))
    messages = [w.message for w in parsed.warnings]
    assert any("专利号显示含有发明专利" in m for m in messages) and any("列出了1个专利号" in m for m in messages)
    with store.read() as con:
        stored = con.execute("SELECT warnings FROM batches WHERE id = ?", [result.batch_id]).fetchall()[0][0]
    assert "列出了1个专利号" in stored
