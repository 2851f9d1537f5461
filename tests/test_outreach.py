"""增量扩面 (issue 12): the 180-day matching window, the white-list rule, the funnel's conversions
and which banks answer, on the tiny city of tests/fixtures.py with a hand-built roster, events and
demands. Every expected figure is worked out by hand below.

Tiny city ledger (see fixtures.py): A 2024-02-01, 2025-01-10 首贷, 2025-03-15; B 2024-06-30,
2024-07-01, 2025-05-20 首贷, 2025-07-05 (招行); C 2025-06-01 (招行)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json

import openpyxl
import pandas as pd
import pytest

from etl import cli, demo, demo_outreach, kinds, pushes
from etl import load as loader
from etl.cli_outreach import FUNNEL_KEYS
from etl.issues import LoadRefused
from etl.parse import parse_file
from pledge import whitelist_export
from pledge.metrics import outreach
from pledge.store import Store
from tests.fixtures import USCC_A, USCC_B, city_reference, workbook_bytes, xlsx_bytes
from tests.outreach_fixtures import DEMANDS, EVENTS, USCC_D, USCC_F, USCC_G, load_parsed, outreach_city


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Store:
    return outreach_city(tmp_path_factory.mktemp("outreach"))


def test_window_ends_are_180_days_after_the_demand_or_the_later_push():
    day = dt.date(2024, 7, 14)
    assert outreach.match_window(day, None) == (day, dt.date(2025, 1, 10))
    assert outreach.match_window(day, dt.date(2024, 8, 1)) == (day, dt.date(2025, 1, 28))
    assert outreach.match_window(day, dt.date(2024, 7, 1)) == (day, dt.date(2025, 1, 10))  # a push before counts not


def test_demands_match_the_ledger_within_the_window(town):
    with town.read() as con:
        leads = outreach.demand_list(con, 2024).set_index("start_date")
        later = outreach.demand_list(con, 2025).set_index("uscc")
    assert pd.isna(leads.loc[pd.Timestamp("2024-07-13"), "loan_date"])  # day 181
    matched = leads.loc[pd.Timestamp("2024-07-14")]
    assert matched["loan_date"] == pd.Timestamp("2025-01-10") and matched["days_to_loan"] == 180
    assert bool(matched["first_time"])
    assert leads.loc[pd.Timestamp("2024-11-01"), "loan_date"] == pd.Timestamp("2025-06-01")  # after the push
    assert later.loc[USCC_B, "loan_date"] == pd.Timestamp("2025-07-05")  # not the loan the day before
    assert pd.isna(later.loc[USCC_G, "loan_date"])


def test_funnel_conversions_by_hand(town):
    with town.read() as con:
        y2024 = outreach.funnel(con, 2024)
        y2025 = outreach.funnel_table(con, 2025).set_index("scope")
    # 2024: demands of A (twice) and C; both lent, A's loan 首贷; days 180 and 212.
    assert (y2024["demands"], y2024["pushed"], y2024["credited"], y2024["disbursed"], y2024["first_time"]) == (
        2,
        2,
        2,
        2,
        1,
    )
    assert y2024["demand_amount"] == 6_000_000 and y2024["disbursed_amount"] == 25_000_000
    assert y2024["median_days_to_loan"] == 196 and y2024["rate_first_time"] == 0.5
    assert y2024["events"] == 0 and y2024["reached"] == 2
    city = y2025.loc["CITY"]
    # 2025: one event, 30 declared with 2 listed (A, G); demands of B and G → reached 28 + {A, G, B}.
    assert (city["events"], city["reached"], city["demands"], city["pushed"], city["disbursed"]) == (1, 31, 2, 1, 1)
    assert city["rate_pushed"] == 0.5 and city["first_time"] == 0 and city["demand_amount"] == 4_500_000
    east = y2025.loc["990101"]  # the event and G's demand are 东湖区's; B's is 高新区's (its latest loan)
    assert (east["events"], east["reached"], east["demands"], east["disbursed"]) == (1, 30, 1, 0)
    assert y2025.loc["990103", "demands"] == 1 and y2025.loc["990103", "disbursed"] == 1


def test_banks_answer_by_push_year(town):
    with town.read() as con:
        banks = outreach.bank_response(con, 2025).set_index("bank")
    cmb, icbc = banks.loc["招商银行"], banks.loc["中国工商银行"]
    assert (cmb["pushes"], cmb["feedback"], cmb["credited"], cmb["loans"], cmb["median_response_days"]) == (
        1,
        1,
        1,
        1,
        10,
    )
    assert cmb["credit_amount"] == 2_500_000
    assert (icbc["pushes"], icbc["declined"], icbc["loans"]) == (1, 1, 0)  # B's later loan came from 招行


def test_share_of_first_time_borrowers_through_the_funnel(town):
    with town.read() as con:
        share = outreach.funnel_share(con, 2025, dt.date(2025, 6, 30))
        east = outreach.funnel_share(con, 2025, dt.date(2025, 6, 30), district="990101")
    assert share == {
        "first_time": 2,
        "via_funnel": 1,
        "share": 0.5,
        "has_outreach": True,
    }  # A yes; B borrowed before its demand
    assert east["first_time"] == 1 and east["via_funnel"] == 1


def test_cli_funnel_json_has_exactly_the_issue_keys(town):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["funnel", "--year", "2024", "--json", "--db", str(town.path)]) == 0
    found = json.loads(out.getvalue())
    assert tuple(found) == FUNNEL_KEYS
    assert found["demand_amount_wan"] == 600 and found["disbursed_amount_wan"] == 2500
    assert found["median_days_to_loan"] == 196 and found["whitelist_size"] == 3


def test_white_list_rule_merge_push_and_undo(tmp_path):
    store = outreach_city(tmp_path)  # a city of its own to write to
    with store.read() as con:
        listed = outreach.whitelist(con)
    # D (4 inventions) first; G before F: same patents, more tags. A borrowed, E has none.
    assert listed["uscc"].tolist() == [USCC_D, USCC_G, USCC_F]
    assert listed.set_index("uscc").loc[USCC_G, "district_code"] == "990101"
    # A second roster: F gains a tag, the lists merge by USCC.
    second = [["企业名称", "统一社会信用代码", "有效发明专利数", "标签"], ["己软件有限公司", USCC_F, 5, "高企"]]
    _, merged = load_parsed(store, "高企名单.xlsx", xlsx_bytes(second))
    with store.read() as con:
        row = outreach.whitelist(con).set_index("uscc").loc[USCC_F]
    assert row["rank"] == 1 and row["invention_patents"] == 5 and list(row["tags"]) == ["专精特新", "高新技术企业"]
    # Pushed to a bank: recorded with the user, counted on the white-list track; undone like an import.
    batch = pushes.record_pushes(
        store, pd.DataFrame({"uscc": [USCC_F], "bank": ["工行东湖支行"]}), dt.date(2025, 2, 1), user="李四"
    )
    with store.read() as con:
        pushed = con.execute("SELECT bank, user_name FROM v_outreach_pushes").fetchall()
        track = outreach.funnel(con, 2025)
    assert pushed == [("中国工商银行", "李四")] and track["wl_pushed"] == 1
    with pytest.raises(LoadRefused, match="已不在白名单"):
        pushes.record_pushes(store, pd.DataFrame({"uscc": [USCC_A], "bank": ["工行"]}), dt.date(2025, 2, 1))
    # One loan and D is never on the white list again, whatever its patents.
    ledger = [
        ["企业名称", "统一社会信用代码", "所属区县", "质权人", "贷款金额(万元)", "放款日期", "是否首贷"],
        ["丁电子有限公司", USCC_D, "西山区", "工行", 300, "2025-03-01", "是"],
    ]
    load_parsed(store, "台账.xlsx", xlsx_bytes(ledger))
    loader.undo(store, batch)
    loader.undo(store, merged.batch_id)
    with store.read() as con:
        assert outreach.whitelist(con)["uscc"].tolist() == [USCC_G, USCC_F]
        assert con.execute("SELECT count(*) FROM v_outreach_pushes").fetchone() == (0,)
    # The download: one sheet per bank when assigned.
    with store.read() as con:
        frame = outreach.whitelist(con)
    book = openpyxl.load_workbook(io.BytesIO(whitelist_export.workbook(frame, pd.Series(["中国银行", "招商银行"]))))
    assert book.sheetnames == ["中国银行", "招商银行"]
    assert book["招商银行"]["B2"].value == "己软件有限公司"


def test_files_say_what_is_wrong_and_templates_are_recognised():
    reference = city_reference()
    bad = dict(EVENTS)
    bad["对接企业名单"] = [*EVENTS["对接企业名单"], ["西湖对接会", "丁电子有限公司", USCC_D]]
    parsed = parse_file(workbook_bytes(bad), "活动.xlsx", reference)
    assert parsed.kind == "events" and not parsed.ok
    problem = parsed.errors[0]
    assert (problem.sheet, problem.row) == ("对接企业名单", 4) and "不在本文件的活动表中" in problem.message
    feedback = [DEMANDS[0], ["甲科技有限公司", USCC_A, 100, "2025-01-02", "工行", None, "再看看", None, None]]
    parsed = parse_file(xlsx_bytes(feedback), "需求.xlsx", reference)
    assert parsed.kind == "demands" and "银行反馈应为受理、授信、放款、未通过之一" in parsed.errors[0].message
    for name in ("roster", "events", "demands"):
        kind = kinds.get(name)
        template = kind.template([d.name for d in reference.districts], 2025)
        found = parse_file(template, f"{kind.template_name}.xlsx", reference)
        assert found.kind == name, (name, [str(i) for i in found.issues])


def test_demo_outreach_is_reproducible_and_consistent_with_its_ledger():
    city = demo.generate(today=dt.date(2026, 11, 23), scale=0.2)
    found, again = demo_outreach.generate(city), demo_outreach.generate(city)
    assert found.demands.equals(again.demands) and found.roster.equals(again.roster)
    borrowers, listed = set(city.loans["uscc"]), set(found.roster["uscc"])
    assert borrowers <= listed and len(listed - borrowers) >= 4 * len(borrowers)  # many never borrowed
    last = city.loans["loan_date"].max()
    assert found.demands["date"].max() <= last and found.events["date"].max() <= last
    # Every demand the banks answered 放款 finds its loan in the ledger within the window.
    lent = found.demands[found.demands["feedback"] == "放款"]
    pairs = lent.merge(city.loans[["uscc", "loan_date"]], on="uscc")
    end = pairs[["date", "push"]].max(axis=1) + pd.Timedelta(days=outreach.MATCH_DAYS)
    matched = pairs[(pairs["loan_date"] >= pairs["date"]) & (pairs["loan_date"] <= end)]
    assert len(lent) > 0 and set(matched["uscc"]) == set(lent["uscc"])
