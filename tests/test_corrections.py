"""Corrections as they really arrive: a bank's cumulative file replaces its earlier report, one loan
reported by a district and a bank counts once, a supplement adds without withdrawing."""

from __future__ import annotations

from decimal import Decimal

from etl import load, pipeline
from etl.checksums import uscc_check_char
from etl.kinds import loans
from tests.fixtures import write, xlsx_bytes


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
