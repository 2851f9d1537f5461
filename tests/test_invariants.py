"""The invariant checker can fail: the tiny city broken on purpose in SQL, one way at a time, and
each time `check` names the problem. And the checks are wired to every way of loading and undoing
that runs in the test process."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from etl import cli, compose, pipeline
from etl import load as loader
from pledge import metrics, rollups
from tests import invariants
from tests.fixtures import USCC_A, city_targets, district_rows, write, xlsx_bytes

# R1 of the tiny city at 600万 instead of 500万
CORRECTION = [
    ["企业名称", "统一社会信用代码", "所属区县", "质权人", "质押登记号", "贷款金额(万元)", "放款日期"],
    ["甲科技有限公司", USCC_A, "东湖区", "工行东湖支行", "R1", 600, "2025-01-10"],
]


def broken_after(store, *statements: str, refresh_rollups: bool = False) -> str:
    """Damage the store with `statements` in one transaction (rebuilding the rollups after them,
    where asked, so that only the damage itself shows); return what the failing check says."""
    with store.write() as con:
        for statement in statements:
            con.execute(statement)
        if refresh_rollups:
            rollups.refresh(con)
    with pytest.raises(invariants.InvariantBroken) as raised:
        invariants.check(store)
    return str(raised.value)


def test_the_tiny_city_holds(city):
    with city.read() as con:
        assert invariants.problems(con) == []


def test_a_second_current_row_for_a_key(city):
    message = broken_after(
        city,
        "INSERT INTO loans SELECT * REPLACE (loan_id + 100 AS loan_id) FROM loans WHERE reg_no = 'R1'",
        refresh_rollups=True,
    )
    assert "loan key with more than one current row (key, current rows): R:R1, 2" in message


def test_a_current_row_of_an_undone_batch(city):
    message = broken_after(city, "UPDATE batches SET status = 'undone' WHERE kind = 'loans'")
    assert "current loan from a batch that is not active" in message and "R:R1" in message


def test_a_replaced_row_that_is_still_current(city, tmp_path):
    parsed, result = pipeline.import_path(city, write(tmp_path, "fix.xlsx", xlsx_bytes(CORRECTION)), user="test")
    assert result is not None and result.status == "loaded", parsed.issues
    # the old row of R1 current again instead of the correction
    message = broken_after(
        city, "UPDATE loans SET is_current = NOT is_current WHERE reg_no = 'R1'", refresh_rollups=True
    )
    assert "loan key whose current row is not its newest row that still counts" in message and "R:R1" in message


def test_a_loan_in_a_district_outside_the_list(city):
    message = broken_after(city, "UPDATE loans SET district_code = '990199' WHERE reg_no = 'R1'", refresh_rollups=True)
    assert "current loans in a district outside the current district list (district_code, loans): 990199, 1" in message
    # as of 2025's middle loan date (05-20): 500 + 1500 + 2500万 for the city, R1's 500万 in no district
    assert "2025 as of 2025-05-20: city loan_amount 45000000.0 is not the sum of the districts 40000000.0" in message


@pytest.mark.parametrize(
    "corrupt, named",
    [
        (
            "DELETE FROM enterprise_firsts WHERE district_code = '990102'",
            "enterprise_firsts: row the loans give but the rollup lacks or has otherwise: 2024, 990102",
        ),
        (
            "INSERT INTO pledged_firsts VALUES (2025, '990104', '发明专利', '201310699744.2', DATE '2025-02-01')",
            "pledged_firsts: stale row the loans do not give: 2025, 990104, 发明专利, 201310699744.2, 2025-02-01",
        ),
        ("UPDATE enterprises SET amount_yuan = amount_yuan + 1", "enterprises: stale row the loans do not give"),
        (
            "UPDATE enterprises SET name = '改名前的公司'",
            "enterprises: name or district not of the enterprise's last loan",
        ),
        # and in the figures: 西山区 pledged one invention in 2025, the rollup the figures sum now says two
        (
            "INSERT INTO daily_firsts VALUES (DATE '2025-02-01', '990102', '发明专利', 1)",
            "西山区 invention_patents 2.0 but the loans give 1.0",
        ),
        ("UPDATE daily_loans SET loans = loans + 1", "daily_loans: stale row the loans do not give"),
    ],
)
def test_a_stale_rollup(city, corrupt, named):
    assert named in broken_after(city, corrupt)


def test_two_current_targets_and_a_city_target_that_is_not_the_sum(city):
    # a second current 东湖区 target, of 2亿
    message = broken_after(
        city,
        """INSERT INTO targets SELECT * REPLACE (value * 2 AS value) FROM targets
                                    WHERE scope = '990101' AND metric = 'loan_amount'""",
    )
    assert (
        "target with more than one current row (year, scope, metric, current rows): 2025, 990101, loan_amount, 2"
        in message
    )
    # the city sums both rows (3.9亿); the district shows the larger one (2亿 + 0.4 + 0.5 = 2.9亿)
    assert "city t_loan_amount 390000000.0 (no 全市 row) is not the sum of the district targets 290000000.0" in message


def test_a_district_listed_twice(city):
    message = broken_after(
        city,
        """INSERT INTO districts SELECT * FROM districts WHERE code = '990104'
                                    AND batch_id = (SELECT max(id) FROM batches WHERE kind = 'districts')""",
    )
    assert "district code listed twice in the current district list (code, times): 990104, 2" in message


def test_targets_of_a_district_dropped_from_the_list(city, tmp_path):
    """Was a bug: the city target summed every current district target, the dropped one's too."""
    targets = city_targets([["东湖区", 1.0, 2], ["西山区", 0.4, 1], ["高新区", 0.5, 1], ["临江县", 0.3, 1]])
    parsed, result = pipeline.import_path(city, write(tmp_path, "targets2.xlsx", xlsx_bytes(targets)), user="test")
    assert result is not None and result.status == "loaded", parsed.issues
    districts = write(tmp_path, "districts2.xlsx", xlsx_bytes(district_rows()[:-1]))  # 临江县 has no loans: allowed
    pipeline.import_path(city, districts, user="test")  # checked: the city target is what the districts show
    with city.read() as con:
        progress = metrics.district_progress(con, 2025, dt.date(2025, 7, 5)).set_index("name")
    assert "临江县" not in progress.index
    assert progress.loc["全市", "t_loan_amount"] == pytest.approx(1.9e8)


# -- wiring ------------------------------------------------------------------------------------
def test_every_load_and_undo_in_this_process_is_checked(store, tmp_path, monkeypatch):
    checked = []
    monkeypatch.setattr(invariants, "check", checked.append)
    ledger = write(tmp_path, "ledger.xlsx", xlsx_bytes(CORRECTION))
    pipeline.import_path(store, ledger, user="test")  # pipeline's own `load`
    assert (
        cli.main(
            [
                "load",
                str(write(tmp_path, "targets.xlsx", xlsx_bytes(city_targets([["东湖区", 1.0, 2]])))),
                "--db",
                str(store.path),
            ]
        )
        == 0
    )  # the CLI in this process: loader.load
    grid = pd.DataFrame(
        {
            "name": ["东湖区"],
            "loan_amount": [2.0],
            "invention_patents": [None],
            "enterprises": [None],
            "first_time_enterprises": [None],
        }
    )
    compose.save_targets(store, 2025, grid, "test")  # compose's own `load`
    with store.read() as con:
        ledger_batch, targets_batch = con.execute(
            "SELECT min(id) FILTER (WHERE kind = 'loans'), max(id) FILTER (WHERE kind = 'targets') FROM batches"
        ).fetchall()[0]
    loader.undo(store, targets_batch, user="test")
    assert cli.main(["undo", str(ledger_batch), "--db", str(store.path)]) == 0
    assert len(checked) == 5 and all(s.path == store.path for s in checked)


@pytest.mark.no_invariants
def test_a_test_marked_no_invariants_is_not_checked(city, tmp_path):
    with city.write() as con:
        con.execute("UPDATE loans SET district_code = '990199' WHERE reg_no = 'R1'")
    districts = write(tmp_path, "districts2.xlsx", xlsx_bytes(district_rows()[:-1]))  # without 临江县
    parsed, result = pipeline.import_path(city, districts, user="test")
    assert result is not None and result.status == "loaded", parsed.issues
