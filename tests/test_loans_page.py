"""The analyst's side of corrections through AppTest: the upload preview says what a cumulative
file replaces and lets the analyst only add; 贷款核对 merges near duplicates and corrects a loan."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from streamlit.testing.v1 import AppTest

from etl import pipeline
from tests.fixtures import write, xlsx_bytes
from tests.ledgers import SEPTEMBER, bank_file, uscc

ROOT = Path(__file__).resolve().parent.parent
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OCTOBER = [
    SEPTEMBER[0],
    [2, "乙材料有限公司", uscc(2), "西山区", 850, "2026-03-20"],
    SEPTEMBER[2],
    [4, "戊电子有限公司", uscc(5), "高新区", 600, "2026-10-08"],
]


def page(name: str, db: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("PLEDGE_DB", str(db))
    return AppTest.from_file(str(ROOT / "app_pages" / name), default_timeout=60).run()


def totals(store) -> tuple[int, Decimal]:
    with store.read() as con:
        return con.execute("SELECT count(*), sum(amount_yuan) FROM v_loans").fetchone()


def test_the_preview_names_what_a_cumulative_file_replaces_and_the_analyst_may_only_add(store, tmp_path, monkeypatch):
    first = bank_file("江苏银行2026年1-9月知识产权质押贷款明细", SEPTEMBER)
    pipeline.import_path(store, write(tmp_path, "江苏银行1-9月.xlsx", first), user="analyst")
    at = page("upload.py", store.path, monkeypatch)
    october = bank_file("江苏银行2026年1-10月知识产权质押贷款明细", OCTOBER)
    at.file_uploader(key="uploads").set_value(("江苏银行1-10月.xlsx", october, XLSX)).run()
    assert not at.exception
    said = [i.value.replace("\\", "") for i in at.info]  # as written, without markdown escapes
    assert any(s.startswith("替换 江苏银行 2026年1-9月（第2批）：") and "1笔撤回" in s for s in said), said
    assert {m.label: m.value for m in at.metric}["撤回"] == "1"
    assert "丁智能有限公司" in at.dataframe[0].value["企业名称"].tolist()

    at.radio(key="replace_mode_0").set_value("add").run()
    assert {m.label: m.value for m in at.metric}["撤回"] == "0"
    at.button(key="confirm_0").click().run()
    assert not at.exception
    # Nothing withdrawn and nothing paired as a correction: 丁 stays, 乙's 850 is a loan of its own
    # next to the 800 (500 + 800 + 300 + 1200 + 850 + 600 万元), which 疑似重复 does not list (other amount).
    assert totals(store) == (6, Decimal("42500000.00"))


def test_near_duplicates_are_merged_and_a_loan_corrected_on_the_loans_page(store, tmp_path, monkeypatch):
    bank = bank_file("江苏银行2026年1-9月知识产权质押贷款明细", SEPTEMBER)
    pipeline.import_path(store, write(tmp_path, "江苏银行1-9月.xlsx", bank), user="analyst")
    district = xlsx_bytes(
        [
            ["东湖区2026年1-9月知识产权质押融资台账"],
            ["企业名称", "统一社会信用代码", "区县", "贷款银行", "质押登记号", "贷款金额(万元)", "放款日期"],
            ["甲科技有限公司", uscc(1), "东湖区", "江苏银行东湖支行", "Y2026990000123", 500, "2026-01-12"],
        ]
    )
    pipeline.import_path(store, write(tmp_path, "东湖区.xlsx", district), user="analyst")
    assert totals(store)[0] == 5

    at = page("loans.py", store.path, monkeypatch)
    assert not at.exception
    assert "放款日期相差2天" in at.markdown[0].value
    at.button(key="merge_0").click().run()
    assert not at.exception
    assert any("已合并" in s.value for s in at.success)
    assert totals(store) == (4, Decimal("28000000.00"))

    with store.read() as con:
        (loan_id,) = con.execute("SELECT loan_id FROM v_loans WHERE uscc = ?", [uscc(2)]).fetchone()
    at.number_input(key="loan_number").set_value(loan_id).run()
    at.text_input[3].set_value("80")  # 贷款金额(万元)
    at.button[-2].click().run()  # 保存更正 without a reason
    assert any("原因" in e.value for e in at.error)
    at.text_input[3].set_value("80")
    at.text_input[-1].set_value("银行来函更正金额")
    at.button[-2].click().run()
    assert not at.exception
    assert any("已保存更正" in s.value for s in at.success), [e.value for e in at.error]
    assert totals(store) == (4, Decimal("20800000.00"))
