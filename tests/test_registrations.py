"""登记核对 and 贷后 on a small ledger and a registration extract built by hand.

The ledger (2025, amounts in 万元) and the extract are laid out so that each rule has its case:
  L1  甲 东湖 工行 03-01  登记号 Y1                    ↔ Y1 (02-20) by 登记号
  L2  乙 西山 建行 06-01  P2 + a utility model          ↔ Y2 (03-03, loan date − 90: in)
  L3  乙 西山 建行 06-02  P3                            ↔ Y3 (07-02, loan date + 30: in)
  L4  乙 西山 建行 06-03  P4                            ✗ Y4 (03-04, − 91: out): 未见登记 and 疑似漏报
  L5  乙 西山 建行 06-04  P5                            ✗ Y5 (07-05, + 31: out): 未见登记 and 疑似漏报
  L6, L7  丙 高新 招行 08-01, 09-01  P6                 ↔ Y6 (07-25): one credit line, two loans
  L8  甲 东湖 中行 04-15  P7                            ↔ Y7 (04-10, pledgee a guarantee company): 反担保
  L9  甲 东湖 工行 01-10  12 months, 登记号 Y8          Y8 released 05-10 (提前解除), Y9 of P8 06-05 (续贷)
  L10 甲 东湖 工行 06-08  登记号 Y9
  L11 甲 东湖 工行 12-15  P9  (its window has not closed by the extract's last day: not listed)
  L12 乙 西山 建行 05-05  商标 only (no patent registration expected)
Y0 pledged P1 in 2024 (so P1 is no first pledge in 2025); CF01 on P2 while Y2 is open (质物失效);
IW01 on P1 after Y1 was released (not listed); Y11 东湖新材料 (unknown, local by its name) with 交通银行;
Y12 a pledgor from elsewhere (never listed).
"""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from etl import cli, kinds, pipeline
from etl import load as loader
from etl.issues import LoadRefused
from etl.kinds.registrations import event_code, pledgor_key, registrations_template
from etl.normalise import Invalid
from etl.parse import parse_file
from etl.pledgors import map_pledgor, unmap_pledgor
from pledge.metrics import aftercare
from pledge.metrics import registrations as reg
from pledge.store import Store
from tests.fixtures import ROOT, USCC_A, xlsx_bytes
from tests.registrations_data import (
    AS_OF,
    EXTRACT,
    EXTRACT_HEADER,
    ICBC,
    LEDGER,
    LEDGER_HEADER,
    UTILITY,
    A,
    P,
    load,
    new_store,
    parse,
    patent,
    scenario,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Store:
    return scenario(tmp_path_factory.mktemp("registrations"))


def loan_ids(store: Store) -> dict[str, int]:
    """L1 … L12 → loan_id, by the Excel row each came from."""
    with store.read() as con:
        rows = con.execute("SELECT source_row, loan_id FROM v_loans").fetchall()
    return {f"L{row - 1}": loan_id for row, loan_id in rows}


def run(fn, store: Store, *args, **kwargs):
    with store.read() as con:
        return fn(con, *args, **kwargs)


# -- the file kind ---------------------------------------------------------------------------
def test_event_names_and_pledgor_keys():
    assert [event_code(v) for v in ("PE01", "pc01", "质押生效", "专利权质押合同登记的注销", "未缴年费专利权终止")] == [
        "PE01",
        "PC01",
        "PE01",
        "PC01",
        "CF01",
    ]
    assert event_code("专利权全部无效宣告") == "IW01"
    with pytest.raises(Invalid):
        event_code("其他")
    assert pledgor_key("丙生物（示例）有限责任公司") == pledgor_key("丙生物(示例)有限公司") == "丙生物(示例)有限公司"


def test_extract_is_checked_and_a_cumulative_extract_counts_nothing_twice(db):
    bad = [
        EXTRACT_HEADER,
        ["PE01", P[1], None, "2025-02-20", A, ICBC, None],
        ["PE01", "ZL202010000001.0", "Y", "x", A, None, None],
    ]
    parsed = parse(db, "坏.xlsx", bad)
    assert parsed.kind == "registrations"
    messages = [(i.row, i.message) for i in parsed.errors]
    assert any(row == 2 and "缺少登记号" in m for row, m in messages), messages
    assert any(row == 3 and "质权人" in m for row, m in messages), messages
    assert any(row == 3 and i.column and "专利号" in i.column for i in parsed.errors for row in [i.row]), messages

    before = run(reg.side_by_side, db, 2025, AS_OF)
    more = [EXTRACT_HEADER, *EXTRACT, ["PE01", patent(72), "Y14", "2025-12-01", "外地远方有限公司", ICBC, None]]
    result = load(db, "1-12月.xlsx", more)
    assert result.counts == {"new": 1, "updated": 0, "duplicate": len(EXTRACT) + 1}
    assert run(reg.side_by_side, db, 2025, AS_OF).equals(before)  # every repeated event counted once
    loader.undo(db, result.batch_id)
    with db.read() as con:
        assert con.execute("SELECT count(*) FROM v_registration_events").fetchall()[0][0] == len(EXTRACT) + 1


# -- matching ----------------------------------------------------------------------------------
def test_matching_by_number_window_boundaries_and_a_credit_line(db):
    ids = loan_ids(db)
    found = run(reg.matches, db).set_index("loan_id")
    matched = {name: found.at[i, "reg_no"] for name, i in ids.items() if i in found.index}
    assert matched == {
        "L1": "Y1",
        "L2": "Y2",  # registered 90 days before the loan
        "L3": "Y3",  # 30 days after
        "L6": "Y6",
        "L7": "Y6",
        "L8": "Y7",
        "L9": "Y8",
        "L10": "Y9",
    }
    assert bool(found.at[ids["L1"], "by_reg_no"]) and not bool(found.at[ids["L2"], "by_reg_no"])
    assert found.loc[[ids["L6"], ids["L7"]], "credit_line"].all() and not found.at[ids["L1"], "credit_line"]
    lines = run(reg.credit_lines, db, 2025, AS_OF)
    assert lines[["registration_no", "loans"]].values.tolist() == [["Y6", 2]]


def test_anomaly_lists(db):
    ids = loan_ids(db)
    unreported = run(reg.unreported, db, 2025, AS_OF)
    assert unreported["registration_no"].tolist() == ["Y4", "Y11", "Y5"]  # 91 days before, local by name, 31 after
    assert unreported.set_index("registration_no").at["Y4", "bank"] == "中国建设银行"
    assert unreported.set_index("registration_no").at["Y11", "district"] == "东湖区"
    unregistered = run(reg.unregistered, db, 2025, AS_OF)
    assert unregistered["loan_id"].tolist() == [ids["L4"], ids["L5"]]  # not L11 (window open), not L12 (商标)

    guarantee = run(reg.counter_guarantee, db, 2025, AS_OF)
    assert guarantee[["registration_no", "loan_ids", "banks"]].values.tolist() == [["Y7", str(ids["L8"]), "中国银行"]]
    early = run(reg.early_release, db, 2025, AS_OF)
    # Y8 released four months into L9's twelve and pledged again (Y9); Y1 released before L1 matures.
    assert early[["registration_no", "loan_ids", "renewed"]].values.tolist() == [
        ["Y8", str(ids["L9"]), True],
        ["Y1", str(ids["L1"]), False],
    ]
    assert early.at[0, "maturity"].date() == dt.date(2026, 1, 10)
    renewals = run(reg.renewals, db, 2025, AS_OF)
    assert renewals[["old_registration_no", "new_registration_no", "basis"]].values.tolist() == [
        ["Y8", "Y9", "同一专利"]
    ]
    lapsed = run(reg.lapsed, db, 2025, AS_OF)
    assert lapsed[["patent_no", "event", "registration_no"]].values.tolist() == [[P[2][2:], "CF01", "Y2"]]

    first = run(reg.first_pledge, db, 2025, AS_OF).set_index("patent_no")
    assert not first.at[P[1][2:], "first_time"] and first.at[P[1][2:], "earlier_date"].date() == dt.date(2024, 5, 1)
    assert first.at[P[2][2:], "first_time"] and UTILITY[2:] not in first.index

    east = run(reg.unreported, db, 2025, AS_OF, district="990101")
    assert east["registration_no"].tolist() == ["Y11"]


def test_figures_side_by_side_and_mapping_a_pledgor(db):
    figures = run(reg.side_by_side, db, 2025, AS_OF).set_index("scope")
    city = figures.loc["CITY"]
    # Y1-Y9 and Y11 are local registrations of 2025 (Y6 once for its two loans); Y12, Y13 are not local.
    assert (city["registrations"], city["loans"], city["loans_matched"]) == (10, 12, 8)
    assert figures.loc["990103", ["registrations", "loans", "loans_matched"]].tolist() == [1, 2, 2]
    unmapped = run(reg.unmapped_pledgors, db)
    assert set(unmapped["pledgor"]) == {"东湖新材料有限公司"}


def test_cli_json_has_the_issue_shape(db, capsys):
    assert cli.main(["reconcile", "--year", "2025", "--as-of", "2025-12-31", "--json", "--db", str(db.path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result) == [
        "year",
        "as_of",
        "registrations",
        "matched_loans",
        "unreported",
        "unregistered",
        "counter_guarantee",
        "early_release",
        "renewals",
        "lapsed",
        "first_pledge",
    ]
    assert list(result["unreported"][0]) == ["registration_no", "patent_no", "date", "pledgor", "pledgee", "district"]
    assert list(result["unregistered"][0]) == ["loan_id", "uscc", "name", "bank", "loan_date", "amount_wan"]
    assert result["unregistered"][0]["amount_wan"] == 200 and result["first_pledge"][P[2][2:]] is True
    assert cli.main(["reconcile", "--year", "2025", "--db", str(db.path)]) == 0
    assert "疑似漏报" in capsys.readouterr().out


# -- 贷后 -----------------------------------------------------------------------------------------
def test_maturities_overdue_and_non_performing_share(db):
    ids = loan_ids(db)
    due = run(aftercare.maturing, db, AS_OF)
    # L9 (12 months: 2026-01-10), L6 (到期日 2026-02-15), L7 and L1 (2026-03-01, day 60); L8 has balance 0.
    assert dict(zip(due["loan_id"], due["horizon"])) == {ids["L9"]: 30, ids["L6"]: 60, ids["L7"]: 60, ids["L1"]: 60}
    by_bank = run(aftercare.maturing_by, db, AS_OF, "bank").set_index("name")
    assert by_bank.at["招商银行", "loans_30"] == 0 and by_bank.at["招商银行", "loans_60"] == 2
    assert by_bank.at["招商银行", "wan_90"] == 1000
    assert run(aftercare.maturing_by, db, AS_OF, "district")["name"].tolist() == ["东湖区", "高新技术产业开发区"]
    assert run(aftercare.overdue, db, AS_OF)["loan_id"].tolist() == [ids["L2"]]  # 6 months from 06-01, 100 left
    npl = run(aftercare.npl_by_bank, db, AS_OF).set_index("bank")
    assert npl.at["中国建设银行", "npl_pct"] == pytest.approx(25.0) and npl.at["中国建设银行", "above"]
    assert npl.at["中国工商银行", "npl_pct"] == 0 and not npl.at["中国工商银行", "above"]
    assert run(aftercare.npl_by_bank, db, AS_OF, district="990103").at[0, "special_wan"] == 400


def test_after_loan_columns_are_optional_and_soft(tmp_path):
    store = new_store(tmp_path)
    parsed = parse(store, "台账.xlsx", [LEDGER_HEADER, [*LEDGER[0][:9], 12, "2025-02-01", "五百", "很好"]])
    assert parsed.ok, [str(i) for i in parsed.errors]
    said = " ".join(str(i) for i in parsed.warnings)
    assert "到期日不晚于放款日期" in said and "五级分类应为" in said and "贷款余额" in said
    assert parsed.table["maturity_date"].isna().all() and parsed.table["risk_class"].isna().all()
    # A ledger without the columns loads as before, and again with them blank is unchanged.
    load(store, "a.xlsx", [LEDGER_HEADER[:9], LEDGER[0][:9]])
    again = load(store, "b.xlsx", [LEDGER_HEADER, [*LEDGER[0][:9], None, None, None, None]])
    assert again.counts["duplicate"] == 1 and again.counts["updated"] == 0


def test_template_offers_the_events_and_its_example_row_is_skipped(db):
    book = openpyxl.load_workbook(io.BytesIO(registrations_template(2025)))
    sheet = book["质押登记"]
    assert any("选项" in str(v.formula1) for v in sheet.data_validations.dataValidation)
    sheet.append(["PE01 质押生效", P[1], "Y2025000009", dt.datetime(2025, 3, 1), A, ICBC, USCC_A, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = parse_file(buffer.getvalue(), "质押登记.xlsx", pipeline.reference(db))
    assert parsed.ok and parsed.kind == "registrations", [str(i) for i in parsed.issues]
    assert parsed.table[["event", "reg_no", "patent_no"]].values.tolist() == [["PE01", "Y2025000009", P[1][2:]]]


def test_upload_page_previews_and_loads_an_extract(db, monkeypatch):
    """Last: it adds an event (of a pledgor from elsewhere, which no list shows)."""
    monkeypatch.setenv("PLEDGE_DB", str(db.path))
    at = AppTest.from_file(str(ROOT / "app_pages/upload.py"), default_timeout=60).run()
    more = [EXTRACT_HEADER, *EXTRACT, ["PE01", patent(73), "Y15", "2025-12-02", "外地远方有限公司", ICBC, None]]
    at.file_uploader(key="uploads").set_value(("质押登记1-12月.xlsx", xlsx_bytes(more), XLSX)).run()
    assert not at.exception and any("质押登记" in c.value for c in at.caption)
    shown = {m.label: m.value for m in at.metric}
    assert shown["新增"] == "1"
    at.button(key="confirm_0").click().run()
    assert not at.exception and any("已导入" in s.value for s in at.success)
    with db.read() as con:
        assert con.execute("SELECT count(*) FROM v_registration_events WHERE reg_no = 'Y15'").fetchall() == [(1,)]


def test_ledger_preview_shows_the_after_loan_columns_only_when_given(db):
    given = parse(db, "台账.xlsx", [LEDGER_HEADER, LEDGER[0]])
    plain = parse(db, "台账.xlsx", [LEDGER_HEADER[:9], LEDGER[0][:9]])
    shown = kinds.get("loans").preview(given, pipeline.reference(db))
    assert shown[["贷款余额(万元)", "五级分类"]].values.tolist() == [[500, "正常"]]
    assert "五级分类" not in kinds.get("loans").preview(plain, pipeline.reference(db))


def test_a_pledgor_mapped_once_is_that_enterprise(db):
    """Last but one kind of change to the shared store: a mapping, removed again."""
    before = run(reg.side_by_side, db, 2025, AS_OF).set_index("scope").at["990101", "pledgors"]
    key = map_pledgor(db, "东湖新材料有限公司", USCC_A, "analyst")
    assert run(reg.unmapped_pledgors, db).empty
    assert run(reg.side_by_side, db, 2025, AS_OF).set_index("scope").at["990101", "pledgors"] == before - 1
    with pytest.raises(LoadRefused, match="没有统一社会信用代码"):
        map_pledgor(db, "东湖新材料有限公司", "91990101MA0000009X", "analyst")
    unmap_pledgor(db, key, "analyst")
    assert set(run(reg.unmapped_pledgors, db)["pledgor"]) == {"东湖新材料有限公司"}
    with db.read() as con:
        assert [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY logged_at").fetchall()][-2:] == [
            "出质人对应企业",
            "删除出质人对应",
        ]
