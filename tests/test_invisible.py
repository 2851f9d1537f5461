"""Control characters and invisible marks in a file are removed at load with a warning naming the
cell: stored names carry no ESC, BEL or NUL (which crashed the Word bulletin and coloured the CLI's
terminal), and two names that look the same are the same."""

from __future__ import annotations

from etl import pipeline
from tests.fixtures import USCC_A, USCC_B, write

HEADER = "企业名称,统一社会信用代码,所属区县,质权人,贷款金额(万元),放款日期\n"


def test_control_and_invisible_characters_are_removed_with_a_warning(store, tmp_path):
    rows = [
        f"甲科技\x1b[31m有限公司\x07,{USCC_A},东湖区,工商银行\u200f,500,2025-03-05\n",
        f"乙材料\u200b股份有限公司,{USCC_B},东湖区,建设银行,300,2025-04-05\n",
        f"乙材料股份有限公司,{USCC_B},东湖区,建设银行,200,2025-05-05\n",
    ]
    path = write(tmp_path, "台账.csv", HEADER + "".join(rows))
    parsed, result = pipeline.import_path(store, path, user="test")
    assert result is not None and result.status == "loaded", [str(i) for i in parsed.issues]
    warned = {(w.row, w.column.split("（")[0]) for w in parsed.warnings if "不可见的控制字符" in w.message}
    assert warned == {(2, "企业名称"), (2, "质权人"), (3, "企业名称")}
    assert all("\x1b" not in (w.value or "") for w in parsed.warnings)
    with store.read() as con:
        names = dict(con.execute("SELECT uscc, enterprise_name FROM v_loans ORDER BY loan_date").fetchall())
        banks = {b for (b,) in con.execute("SELECT DISTINCT bank FROM v_loans").fetchall()}
        firms = con.execute("SELECT count(DISTINCT enterprise_name) FROM v_loans WHERE uscc = ?", [USCC_B]).fetchall()
    assert names[USCC_A] == "甲科技[31m有限公司"  # ESC and BEL gone; the rest as written
    assert banks == {"中国工商银行", "中国建设银行"}  # the right-to-left mark did not make a new bank
    assert firms == [(1,)]  # the zero-width space did not make a second 乙材料
