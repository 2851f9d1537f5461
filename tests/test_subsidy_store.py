"""贴息 in the store: the policy and claims file kinds (templates, detection, validation, batches
and undo), the figures read back (ledger check, first-time invention), the workflow's rules on the
server, and `python -m etl subsidy --json`."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from contextlib import redirect_stdout

import openpyxl
import pytest

from etl import cli, pipeline
from etl import load as loader
from etl.issues import LoadRefused, ParsedFile
from etl.parse import parse_file
from etl.subsidy_templates import claims_template, policy_template
from pledge.auth import User
from pledge.store import Store
from pledge.subsidy import figures, workflow
from pledge.subsidy.policy import Policy, to_values
from tests.fixtures import (
    CITY_HEADER,
    CITY_LEDGER,
    PATENT_INVENTION,
    PATENT_INVENTION_2,
    USCC_A,
    USCC_B,
    USCC_C,
    district_rows,
    xlsx_bytes,
)

POLICY = Policy(
    "示例市2025年知识产权质押贷款贴息办法",
    2025,
    rate_basis="LPR",
    lpr_reference="合同签订日上月",
    share_pct=60,
    day_basis=360,
    enterprise_year_cap_wan=50,
    registration_rule="放款前",
    first_invention=True,
    budget_wan=20,
)
HEADER = [
    "企业名称", "统一社会信用代码", "所属区县", "质权人", "贷款金额(万元)", "合同签订日", "放款日期", "结清日期",
    "执行年利率(%)", "实付利息(万元)", "知识产权担保占比(%)", "质押登记号", "登记生效日", "质押专利号",
]  # fmt: skip
CLAIMS = [
    ["2025年度知识产权质押贷款贴息申报表"],
    HEADER,
    # R1 is the first pledge of PATENT_INVENTION; R2 pledges it again; R3 is 乙's first; R9 is no ledger loan.
    ["甲科技有限公司", USCC_A, "东湖区", "工商银行", 500, "2025-01-05", "2025-01-10", "2025-12-20", 3.6, 17, 100, "R1", "2025-01-08", PATENT_INVENTION],
    ["甲科技有限公司", USCC_A, "东湖区", "建设银行", 1500, "2025-03-01", "2025-03-15", "2025-12-31", 3.5, 40, 100, "R2", "2025-03-10", PATENT_INVENTION],
    ["乙材料股份有限公司", USCC_B, "西山区", "工商银行", 2500, "2025-05-06", "2025-05-20", "2026-05-20", 3.4, 85, 60, "R3", "2025-05-18", PATENT_INVENTION_2],
    ["丙生物有限公司", USCC_C, "高新区", "招商银行", 300, "2025-06-01", "2025-06-10", "2026-06-10", 3.2, 9, 100, "R9", "2025-06-01", PATENT_INVENTION_2],
]  # fmt: skip


def parse(store: Store, data: bytes, name: str) -> ParsedFile:
    """In this process: the sandbox's child interpreter costs seconds a file on a busy machine."""
    return parse_file(data, name, pipeline.reference(store))


def load_file(store: Store, name: str, data: bytes):
    parsed = parse(store, data, name)
    assert parsed.ok, [str(i) for i in parsed.issues]
    return parsed, loader.load(store, parsed, user="测试")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Store:
    """Built once: the tiny city's districts and ledger, the 2025 policy and four claims."""
    store = Store(tmp_path_factory.mktemp("subsidy") / "base.duckdb", timeout=5)
    store.ensure_schema()
    load_file(store, "区县.xlsx", xlsx_bytes(district_rows()))
    load_file(store, "台账.xlsx", xlsx_bytes([CITY_HEADER, *CITY_LEDGER]))
    load_file(store, "2025年贴息政策.xlsx", policy_template(2025, to_values(POLICY)))
    load_file(store, "申报.xlsx", xlsx_bytes(CLAIMS))
    return store


@pytest.fixture
def subsidised(base, tmp_path) -> Store:
    """A copy of the built store for a test that writes."""
    with base.write():  # the writer lock: nothing half-written while copying
        for source in (base.path, base.path.with_name(base.path.name + ".wal")):
            if source.exists():
                shutil.copy2(source, tmp_path / source.name)
    return Store(tmp_path / base.path.name, timeout=5)


def test_templates_are_recognised_and_refuse_bad_cells(base):
    policy = parse(base, policy_template(2025, None), "政策.xlsx")
    assert policy.kind == "subsidy_policy" and not policy.ok
    assert any("政策名称" in str(i) for i in policy.errors)
    book = openpyxl.load_workbook(io.BytesIO(claims_template(["东湖区"], 2025)))
    assert book["贴息申报表"].data_validations.dataValidation  # drop-downs and checks
    bad = [
        CLAIMS[0],
        HEADER,
        ["甲科技有限公司", "91110000710925462Y", "南湖区", "工商银行", 500, None, "2025-03-10", "2025-03-01", 3.6, 17, 150, None, None, None],
    ]  # fmt: skip
    parsed = parse(base, xlsx_bytes(bad), "申报.xlsx")
    assert parsed.kind == "subsidy_claims"
    said = "\n".join(str(i) for i in parsed.errors)
    for expected in ("统一社会信用代码", "南湖区", "结清日期早于放款日期", "知识产权担保占比"):
        assert expected in said
    assert "第3行" in said and "工作表“Sheet1”" in said


def test_a_registration_of_the_patent_before_the_claim_takes_away_its_first_pledge(subsidised):
    """The CNIPA extract knows pledges the ledger never saw: 乙's invention was registered to a bank
    in 2024 (登记号 Y0), so its 2025 claim (R3) pledges it again. 甲's own registration R1, a few
    days before its loan, is that claim's pledge and leaves R1 first-time."""
    extract = [
        ["事件", "专利号", "登记号", "日期", "出质人", "质权人", "出质人统一社会信用代码"],
        ["PE01", PATENT_INVENTION_2, "Y0", "2024-11-01", "乙材料股份有限公司", "中国银行示例市分行", USCC_B],
        ["PE01", PATENT_INVENTION, "R1", "2025-01-08", "甲科技有限公司", "中国工商银行示例市分行", USCC_A],
    ]
    load_file(subsidised, "质押登记.xlsx", xlsx_bytes(extract))
    with subsidised.read() as con:
        frame = figures.claim_awards(con, 2025).set_index("claim_key")
    assert list(frame["first_invention"]) == [True, False, False, False]
    assert not frame.loc["R:R3", "eligible"] and "首次质押" in frame.loc["R:R3", "说明"]


def test_policy_saves_as_batches_and_undo_restores_the_previous(subsidised):
    with subsidised.read() as con:
        assert figures.policy_for(con, 2025) == POLICY
    changed = to_values(POLICY) | {"budget_wan": "100"}
    _, result = load_file(subsidised, "改.xlsx", policy_template(2025, changed))
    with subsidised.read() as con:
        assert figures.policy_for(con, 2025).budget_wan == 100
    loader.undo(subsidised, result.batch_id, user="测试")
    with subsidised.read() as con:
        assert figures.policy_for(con, 2025).budget_wan == 20


def test_claims_computed_with_ledger_check_and_first_time_inventions(base):
    with base.read() as con:
        frame = figures.claim_awards(con, 2025).set_index("claim_key")
        budget = figures.budget(con, 2025)
    assert list(frame["in_ledger"]) == [True, True, True, False]
    assert list(frame["first_invention"]) == [True, False, True, False]  # R3 pledged R9's patent before
    assert not frame.loc["R:R2", "eligible"] and "首次质押" in frame.loc["R:R2", "说明"]
    assert "台账中未找到这笔贷款" in frame.loc["R:R9", "说明"]
    # R1: contract 2025-01-05 → December 2024 LPR 3.10% × 60% = 1.86%, 500万 × 344/360 days.
    assert frame.loc["R:R1", "before_budget_wan"] == pytest.approx(500 * 0.0186 * 344 / 360)
    assert budget["budget_wan"] == 20 and budget["approved_wan"] == 0 and budget["pending_claims"] == 4
    assert budget["pending_need_wan"] == pytest.approx(frame["before_budget_wan"].sum())


def test_workflow_rules_are_enforced_and_logged(subsidised):
    east = User("东湖审核", "analyst", "990101", "东湖区")
    city_user = User("市局", "analyst")
    viewer = User("领导", "viewer")
    with pytest.raises(workflow.MoveRefused, match="分析员"):
        workflow.move(subsidised, viewer, 2025, ["R:R1"], "区县初审")
    with pytest.raises(workflow.MoveRefused, match="本区县"):
        workflow.move(subsidised, east, 2025, ["R:R3"], "区县初审")
    assert workflow.move(subsidised, east, 2025, ["R:R1"], "区县初审") == 1
    with pytest.raises(workflow.MoveRefused, match="市级"):
        workflow.move(subsidised, east, 2025, ["R:R1"], "市级复核")
    with pytest.raises(workflow.MoveRefused, match="原因"):
        workflow.move(subsidised, city_user, 2025, ["R:R3"], "退回")
    for state in ("市级复核", "公示", "已核定", "已拨付"):
        workflow.move(subsidised, city_user, 2025, ["R:R1"], state)
    workflow.move(subsidised, city_user, 2025, ["R:R9"], "退回", "贷款不在台账中，请补充放款凭证")
    with subsidised.read() as con:
        frame = figures.claim_awards(con, 2025).set_index("claim_key")
        history = figures.claim_history(con, 2025, "R:R1")
        audits = con.execute("SELECT count(*) FROM audit_log WHERE action LIKE '贴息申报%'").fetchall()[0][0]
        public = figures.public_list(con, 2025)
        payments = figures.payment_list(con, 2025)
        budget = figures.budget(con, 2025)
    assert frame.loc["R:R1", "state"] == "已拨付" and frame.loc["R:R9", "state"] == "退回"
    assert list(history["状态"]) == ["区县初审", "市级复核", "公示", "已核定", "已拨付"]
    assert audits == 6
    assert list(public["企业名称"]) == ["甲科技有限公司"] and list(payments["状态"]) == ["已拨付"]
    assert budget["paid_wan"] == pytest.approx(frame.loc["R:R1", "award_wan"]) and budget["returned_claims"] == 1
    # With a 2025 policy, the overview's and the bulletin's 贴息 is what was approved under it (甲's
    # award, in 东湖区), not the ledger's 贴息金额 column (15万元 over 2025).
    with subsidised.read() as con:
        city, east_only = (figures.subsidy_figure(con, 2025, dt.date(2025, 12, 31), d) for d in (None, "990101"))
        west = figures.subsidy_figure(con, 2025, dt.date(2025, 12, 31), "990102")
    assert city["source"] == "approved" and city["yuan"] == pytest.approx(frame.loc["R:R1", "award_wan"] * 10_000)
    assert east_only["yuan"] == city["yuan"] > 0 and west["yuan"] == 0
    first_batch = next(iter(frame["batch_id"]))
    with pytest.raises(LoadRefused, match="已有申报核定或拨付"):  # 甲's paid claim came with it
        loader.undo(subsidised, int(first_batch), user="测试")
    # The returned claim sent again is received again; undoing that batch returns it.
    _, again = load_file(subsidised, "补报.xlsx", xlsx_bytes([CLAIMS[0], HEADER, CLAIMS[5]]))
    with subsidised.read() as con:
        assert figures.claim_awards(con, 2025).set_index("claim_key").loc["R:R9", "state"] == "已受理"
    loader.undo(subsidised, again.batch_id, user="测试")
    with subsidised.read() as con:
        assert figures.claim_awards(con, 2025).set_index("claim_key").loc["R:R9", "state"] == "退回"


def test_without_a_policy_the_subsidy_figure_is_the_ledger_column(city):
    """The tiny city's ledger reports 贴息 5万 (甲, 1月) and 10万 (乙, 5月) in 2025: no policy, no claims."""
    with city.read() as con:
        whole = figures.subsidy_figure(con, 2025, dt.date(2025, 6, 30))
        january = figures.subsidy_figure(con, 2025, dt.date(2025, 1, 31))
        west = figures.subsidy_figure(con, 2025, dt.date(2025, 6, 30), "990102")
    assert whole["source"] == "ledger" and "台账" in whole["label"]
    assert (whole["yuan"], january["yuan"], west["yuan"]) == (150_000, 50_000, 100_000)


def test_cli_json(base):
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["subsidy", "--year", "2025", "--json", "--db", str(base.path)]) == 0
    result = json.loads(out.getvalue())
    assert result["policy"] == POLICY.name and result["budget_wan"] == 20
    assert len(result["claims"]) == 4 and result["claims"][0]["row"] == "Sheet1!3"
    assert result["claims"][1]["eligible"] is False and result["claims"][1]["reasons"]
    assert result["paid_total_wan"] == pytest.approx(min(20, result["approved_total_wan"]))
    assert {e["uscc"] for e in result["enterprises"]} == {USCC_A, USCC_B, USCC_C}
