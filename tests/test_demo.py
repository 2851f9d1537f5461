"""The demo city: loads through the real pipeline, reproducibly, without double counting the
cumulative monthly files, and is labelled as demo data."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import demo
from pledge import metrics
from pledge.store import Store

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    summary = demo.build_demo(store, today=TODAY)
    return store, summary, demo.generate(today=TODAY)


def test_every_file_loads_and_nothing_is_counted_twice(built):
    store, summary, city = built
    with store.read() as con:
        loans, amount = con.execute("SELECT count(*), sum(amount_yuan) FROM v_loans").fetchall()[0]
        corrected = con.execute(
            "SELECT count(*) FROM batches WHERE rows_updated > 0 AND file_name LIKE '%1-10月%'"
        ).fetchall()[0][0]
    assert summary["loans"] == len(city.loans) == loans
    assert amount == pytest.approx(city.loans["amount_wan"].sum() * 10_000)  # the corrected amounts won
    assert corrected == 1  # the latest cumulative file replaced the unit slips of the earlier ones


def test_history_ends_last_month_and_has_targets_every_year(built):
    store, _, city = built
    with store.read() as con:
        last = metrics.latest_loan_date(con)
        years = metrics.years_with_data(con)
        scopes = con.execute("SELECT year, count(DISTINCT scope) FROM v_targets GROUP BY year").fetchall()
        flag = metrics.freshness(con)["demo"]
    assert dt.date(2026, 10, 1) <= last <= dt.date(2026, 10, 31)
    assert years == list(range(2026, 2020, -1))
    assert all(count == len(city.districts) + 1 for _, count in scopes)  # every district and 全市
    assert flag == "示例市"


def test_districts_differ_so_the_ranking_shows_every_status(built):
    store, _, _ = built
    with store.read() as con:
        statuses = set(metrics.district_progress(con, 2026, dt.date(2026, 10, 31))["status"].dropna())
    assert statuses == {metrics.AHEAD, metrics.SLIGHTLY_BEHIND, metrics.BEHIND}


def test_generation_is_reproducible():
    first, second = demo.generate(today=TODAY), demo.generate(today=TODAY)
    assert first.loans.equals(second.loans) and first.targets.equals(second.targets)
    assert not demo.generate(seed=7, today=TODAY).loans.equals(first.loans)
