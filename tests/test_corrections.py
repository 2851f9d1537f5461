"""Corrections as they really arrive: a bank's cumulative file replaces its earlier report, one loan
reported by a district and a bank counts once, a supplement adds without withdrawing."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from etl import corrections, load, pipeline
from etl.issues import LoadRefused
from etl.kinds import loans
from tests.fixtures import run, write, xlsx_bytes
from tests.ledgers import SEPTEMBER, bank_file, uscc


def imported(store, tmp_path, name: str, data: bytes, mode: str = "auto"):
    parsed = pipeline.parse_path(store, write(tmp_path, name, data))
    assert parsed.ok, [str(i) for i in parsed.errors]
    parsed.replace_mode = mode
    with store.read() as con:
        plan = loans.KIND.plan(con, parsed)
    return parsed, plan, load.load(store, parsed, user="analyst")


def totals(store) -> tuple[int, Decimal]:
    with store.read() as con:
        count, amount = con.execute("SELECT count(*), sum(amount_yuan) FROM v_loans").fetchone()
    return count, amount


def test_a_cumulative_file_replaces_the_same_banks_earlier_report(store, tmp_path):
    _, first, _ = imported(
        store, tmp_path, "江苏银行1-9月.xlsx", bank_file("江苏银行2026年1-9月知识产权质押贷款明细", SEPTEMBER)
    )
    assert first.sources[0].report.source == "bank:江苏银行"
    assert totals(store) == (4, Decimal("28000000.00"))

    october = [
        SEPTEMBER[0],
        [2, "乙材料有限公司", uscc(2), "西山区", 850, "2026-03-20"],  # amount corrected
        [3, "丙生物有限公司", uscc(3), "西山区", 300, "2026-05-14"],  # district corrected
        # 丁智能 is no longer listed: withdrawn
        [4, "戊电子有限公司", uscc(5), "高新区", 600, "2026-10-08"],  # October's new loan
    ]
    parsed, plan, result = imported(
        store, tmp_path, "江苏银行1-10月.xlsx", bank_file("江苏银行2026年1-10月知识产权质押贷款明细", october)
    )
    summary = plan.sources[0].summary()
    assert summary.startswith("替换 江苏银行 2026年1-9月（第"), summary
    assert "1笔未变" in summary and "1笔金额更正" in summary and "1笔区县更正" in summary, summary
    assert "1笔新增" in summary and "1笔撤回" in summary, summary
    assert list(plan.withdrawn["enterprise_name"]) == ["丁智能有限公司"]
    assert result.counts == {"new": 1, "updated": 2, "duplicate": 1, "withdrawn": 1}
    # 500 + 850 + 300 + 600 万元: the corrected amount once, the withdrawn loan gone.
    assert totals(store) == (4, Decimal("22500000.00"))
    with store.read() as con:
        district = con.execute("SELECT district_code FROM v_loans WHERE uscc = ?", [uscc(3)]).fetchone()
    assert district == ("990102",)

    load.undo(store, result.batch_id, user="analyst")
    assert totals(store) == (4, Decimal("28000000.00"))


def test_another_sources_loans_are_not_withdrawn(store, tmp_path):
    imported(store, tmp_path, "江苏银行1-9月.xlsx", bank_file("江苏银行2026年1-9月知识产权质押贷款明细", SEPTEMBER))
    other = [[1, "己新材料有限公司", uscc(6), "东湖区", 100, "2026-02-02"]]
    imported(store, tmp_path, "南京银行1-9月.xlsx", bank_file("南京银行2026年1-9月知识产权质押贷款明细", other))
    assert totals(store) == (5, Decimal("29000000.00"))


def test_a_supplement_and_an_untitled_month_add_without_withdrawing(store, tmp_path):
    imported(store, tmp_path, "江苏银行1-9月.xlsx", bank_file("江苏银行2026年1-9月知识产权质押贷款明细", SEPTEMBER))
    late = [[1, "庚制造有限公司", uscc(7), "东湖区", 200, "2026-03-03"]]
    _, plan, result = imported(
        store, tmp_path, "江苏银行补报.xlsx", bank_file("江苏银行2026年1-9月知识产权质押贷款补报", late)
    )
    assert not plan.sources[0].report.replaces
    assert "不撤回" in plan.sources[0].summary()
    assert result.counts["withdrawn"] == 0
    assert totals(store) == (5, Decimal("30000000.00"))


def test_the_analyst_may_refuse_the_replacement(store, tmp_path):
    imported(store, tmp_path, "江苏银行1-9月.xlsx", bank_file("江苏银行2026年1-9月知识产权质押贷款明细", SEPTEMBER))
    _, plan, result = imported(
        store,
        tmp_path,
        "江苏银行10月.xlsx",
        bank_file("江苏银行2026年1-10月知识产权质押贷款明细", SEPTEMBER[:1]),
        "add",
    )
    assert result.counts["withdrawn"] == 0
    assert totals(store) == (4, Decimal("28000000.00"))


DISTRICT_HEADER = ["企业名称", "统一社会信用代码", "区县", "贷款银行", "质押登记号", "贷款金额(万元)", "放款日期"]


def test_one_loan_from_a_district_and_a_bank_counts_once_with_its_registration(store, tmp_path):
    def district(months: str) -> bytes:
        return xlsx_bytes(
            [
                [f"东湖区2026年{months}月知识产权质押融资台账"],
                DISTRICT_HEADER,
                ["甲科技有限公司", uscc(1), "东湖区", "江苏银行东湖支行", "Y2026990000123", 500, "2026-01-10"],
                ["辛软件有限公司", uscc(8), "东湖区", "中国银行东湖支行", "Y2026990000124", 90, "2026-04-01"],
            ]
        )

    imported(store, tmp_path, "东湖区1-9月.xlsx", district("1-9"))
    _, plan, result = imported(
        store, tmp_path, "江苏银行1-9月.xlsx", bank_file("江苏银行2026年1-9月知识产权质押贷款明细", SEPTEMBER)
    )
    assert result.counts["new"] == 3  # 甲's loan is the district's, not a new one
    assert totals(store) == (5, Decimal("28900000.00"))
    with store.read() as con:
        reg = con.execute("SELECT reg_no, bank FROM v_loans WHERE uscc = ?", [uscc(1)]).fetchall()
    assert reg == [("Y2026990000123", "江苏银行")]
    # The district's next cumulative file lists the loan again by its registration number: still one.
    _, _, again = imported(store, tmp_path, "东湖区1-10月.xlsx", district("1-10"))
    assert again.counts["new"] == 0 and again.counts["withdrawn"] == 0
    assert totals(store) == (5, Decimal("28900000.00"))


def near_duplicates(store, tmp_path) -> None:
    """The district dates 甲's loan by its registration (1月12日), the bank by disbursement (1月10日)."""
    imported(store, tmp_path, "江苏银行1-9月.xlsx", bank_file("江苏银行2026年1-9月知识产权质押贷款明细", SEPTEMBER))
    district = xlsx_bytes(
        [
            ["东湖区2026年1-9月知识产权质押融资台账"],
            DISTRICT_HEADER,
            ["甲科技有限公司", uscc(1), "东湖区", "江苏银行东湖支行", "Y2026990000123", 500, "2026-01-12"],
        ]
    )
    imported(store, tmp_path, "东湖区1-9月.xlsx", district)


def test_near_duplicates_are_listed_merged_and_kept_apart_by_the_cli(store, tmp_path):
    near_duplicates(store, tmp_path)
    assert totals(store) == (5, Decimal("33000000.00"))  # counted twice until the analyst merges

    listed = run("suspects", "--year", "2026", "--json", db=store.path)
    assert listed.returncode == 0, listed.stderr
    groups = json.loads(listed.stdout)
    assert [g["reason"] for g in groups] == ["同一企业、同一质权人、金额相同，放款日期相差2天"]
    loans = groups[0]["loans"]
    assert [(x["uscc"], x["name"], x["bank"], x["loan_date"], x["amount_wan"]) for x in loans] == [
        (uscc(1), "甲科技有限公司", "江苏银行", "2026-01-10", 500.0),
        (uscc(1), "甲科技有限公司", "江苏银行", "2026-01-12", 500.0),
    ]
    assert set(loans[0]) == {"id", "uscc", "name", "bank", "loan_date", "amount_wan", "batch"}

    merged = run("merge", str(loans[0]["id"]), str(loans[1]["id"]), "--user", "analyst", db=store.path)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert totals(store) == (4, Decimal("28000000.00"))
    with store.read() as con:
        kept = con.execute("SELECT loan_date, reg_no FROM v_loans WHERE uscc = ?", [uscc(1)]).fetchall()
    assert kept == [(dt.date(2026, 1, 10), "Y2026990000123")]  # the bank's date, the district's registration
    assert json.loads(run("suspects", "--json", db=store.path).stdout) == []

    batch = int(merged.stdout.split("第")[1].split("批")[0])
    load.undo(store, batch, user="analyst")
    assert totals(store) == (5, Decimal("33000000.00"))
    kept_apart = run("keep", str(loans[0]["id"]), str(loans[1]["id"]), db=store.path)
    assert kept_apart.returncode == 0, kept_apart.stdout
    assert json.loads(run("suspects", "--json", db=store.path).stdout) == []
    assert totals(store) == (5, Decimal("33000000.00"))
    refused = run("withdraw", str(loans[1]["id"]), "--reason", "", db=store.path)
    assert refused.returncode == 1 and "原因" in refused.stdout
    withdrawn = run("withdraw", str(loans[1]["id"]), "--reason", "区县重复报送", db=store.path)
    assert withdrawn.returncode == 0 and "已撤回" in withdrawn.stdout, withdrawn.stdout
    assert totals(store) == (4, Decimal("28000000.00"))


def test_one_loan_is_edited_and_withdrawn_as_small_batches_that_undo(store, tmp_path):
    imported(store, tmp_path, "江苏银行1-9月.xlsx", bank_file("江苏银行2026年1-9月知识产权质押贷款明细", SEPTEMBER))
    with store.read() as con:
        (loan_id,) = con.execute("SELECT loan_id FROM v_loans WHERE uscc = ?", [uscc(2)]).fetchone()
    with pytest.raises(LoadRefused, match="原因"):
        corrections.edit_loan(store, loan_id, {"amount_wan": "80"}, "", user="analyst")
    with pytest.raises(LoadRefused, match="贷款金额"):
        corrections.edit_loan(store, loan_id, {"amount_wan": "八十"}, "银行来函", user="analyst")
    edit = corrections.edit_loan(
        store, loan_id, {"amount_wan": "80", "district_code": "东湖"}, "银行来函更正金额", "analyst"
    )
    assert totals(store) == (4, Decimal("20800000.00"))  # 800万 → 80万
    with store.read() as con:
        row = con.execute(
            "SELECT l.amount_yuan, l.district_code, b.file_name, b.user_name, b.note FROM v_loans l "
            "JOIN batches b ON b.id = l.batch_id WHERE uscc = ?",
            [uscc(2)],
        ).fetchone()
    assert row == (
        Decimal("800000.00"),
        "990101",
        "手工更正：乙材料有限公司 贷款金额、所属区县",
        "analyst",
        "银行来函更正金额",
    )
    with store.read() as con:
        (current_id,) = con.execute("SELECT loan_id FROM v_loans WHERE uscc = ?", [uscc(2)]).fetchone()
    withdrawal = corrections.withdraw_loans(store, [current_id], "企业未实际提款", user="analyst")
    assert totals(store) == (3, Decimal("20000000.00"))
    load.undo(store, withdrawal, user="analyst")
    load.undo(store, edit, user="analyst")
    assert totals(store) == (4, Decimal("28000000.00"))


def test_amounts_far_above_the_citys_usual_month_are_refused_unless_checked(store, tmp_path):
    history = [[n, f"历史{n}号有限公司", uscc(100 + n), "东湖区", 1000, f"2025-{n:02d}-15"] for n in range(1, 13)]
    imported(store, tmp_path, "南京银行2025年.xlsx", bank_file("南京银行2025年1-12月知识产权质押贷款明细", history))
    # 300,000 万元 = 30亿元 in one month: 300 times the city's usual 1000万元 month.
    wrong = bank_file(
        "江苏银行2026年1月知识产权质押贷款明细", [[1, "甲科技有限公司", uscc(1), "东湖区", 300_000, "2026-01-10"]]
    )
    parsed = pipeline.parse_path(store, write(tmp_path, "江苏银行1月.xlsx", wrong))
    assert parsed.ok
    plan = load.plan(store, parsed)
    assert plan.implausible == [
        "文件中2026年1月的贷款合计30.00亿元，是本市以往月份中位数0.10亿元的300倍，疑为金额单位有误（例如以元填写却标为万元）。"
        "请核对金额单位；确认无误时可选择“金额已核对，仍然导入”"
    ]
    with pytest.raises(LoadRefused, match="300倍"):
        load.load(store, parsed, user="analyst")
    assert totals(store) == (12, Decimal("120000000.00"))
    parsed.accept_large = True
    load.load(store, parsed, user="analyst")
    assert totals(store) == (13, Decimal("3120000000.00"))


def test_a_single_loan_above_fifty_yi_is_an_error_of_the_file(store, tmp_path):
    rows = [
        [1, "甲科技有限公司", uscc(1), "东湖区", 600_000, "2026-01-10"],
        [2, "乙材料有限公司", uscc(2), "西山区", 80, "2026-01-11"],
    ]
    parsed = pipeline.parse_path(store, write(tmp_path, "江苏银行.xlsx", bank_file("江苏银行2026年1月明细", rows)))
    assert [(e.row, e.column, e.message) for e in parsed.errors] == [
        (
            4,
            "放款金额(万元)（E列）",
            "单笔金额60.00亿元，超过50亿元，不会是一笔知识产权质押贷款，请核对金额单位（元还是万元）",
        )
    ]


def test_a_district_ledger_without_a_district_column_speaks_for_the_district_its_title_names(store, tmp_path):
    rows = [
        ["东湖区2026年1-9月知识产权质押融资台账"],
        ["企业名称", "统一社会信用代码", "贷款银行", "质押登记号", "贷款金额(万元)", "放款日期"],
        ["甲科技有限公司", uscc(1), "江苏银行东湖支行", "Y2026990000123", 500, "2026-01-10"],
        ["辛软件有限公司", uscc(8), "中国银行东湖支行", "Y2026990000124", 90, "2026-04-01"],
    ]
    parsed, plan, _ = imported(store, tmp_path, "台账.xlsx", xlsx_bytes(rows))
    assert any("没有所属区县列" in w.message and "东湖区" in w.message for w in parsed.warnings), parsed.warnings
    assert plan.sources[0].report.source == "district:990101"
    with store.read() as con:
        assert con.execute("SELECT DISTINCT district_code FROM v_loans").fetchall() == [("990101",)]
    # A bank's sheet still needs the column: its branch names are not districts.
    bank_rows = [["江苏银行东湖支行2026年1-9月明细"], rows[1], rows[2]]
    refused = pipeline.parse_path(store, write(tmp_path, "江苏银行.xlsx", xlsx_bytes(bank_rows)))
    assert any("缺少必填列“所属区县”" in e.message for e in refused.errors), refused.errors
