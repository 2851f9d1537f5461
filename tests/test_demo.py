"""The demo city 示例市 as a user meets it: every file it ships loads through the real pipeline
without an error, the cumulative monthly files are not counted twice, the history ends last
month, every year has targets for every district and the city, the districts are spread over
超序时/略滞后/滞后, the database says it is demo data, and the same seed builds the same city."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from etl import demo, demo_city, pipeline
from etl.checksums import parse_patent_number, uscc_problem
from pledge import catalogue, metrics
from pledge.reference import Reference
from pledge.schema import DEFAULT_BANKS
from pledge.store import Store

TODAY = dt.date(2026, 11, 23)
LAST_MONTH = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The full demo city, built once for the tests that only read it."""
    folder = tmp_path_factory.mktemp("demo")
    store = Store(folder / "pledge.duckdb", timeout=5)
    store.ensure_schema()
    summary = demo.build_demo(store, today=TODAY, folder=folder / "files")
    return store, summary, demo.generate(today=TODAY)


def rows(store: Store, sql: str, params: list | None = None) -> list[tuple]:
    with store.read() as con:
        return con.execute(sql, params or []).fetchall()


def test_every_file_loads_and_the_cumulative_months_are_not_counted_twice(built):
    store, summary, city = built
    batches = rows(
        store,
        "SELECT file_name, kind, status, rows_read, rows_new, rows_updated, rows_duplicate, "
        "rows_rejected, json_array_length(warnings) FROM batches ORDER BY id",
    )
    assert [b[0] for b in batches] == summary["files"]
    assert all(b[2] == "active" and b[7] == 0 for b in batches)
    kinds = [b[1] for b in batches]
    # 2021-2025 ledgers + 1-8, 1-9, 1-10月, the pledge registrations of 2025-2026 (登记核对),
    # then 增量扩面: two rosters, events, demands, pushes, then last year's 贴息 policy and claims
    assert kinds == ["districts"] + ["targets"] * 6 + ["loans"] * 8 + [
        "registrations",
        "roster",
        "roster",
        "events",
        "demands",
        "pushes",
        "subsidy_policy",
        "subsidy_claims",
    ]
    ledgers = [b for b in batches if b[1] == "loans"]
    assert all(b[8] == 0 for b in ledgers), "the generated ledgers are clean: no warnings"

    # The three cumulative files re-send the earlier months: only their new loans are new.
    cumulative = ledgers[-3:]
    assert [re.search(r"1-(\d+)月", b[0]).group(1) for b in cumulative] == ["8", "9", "10"]
    assert (
        cumulative[1][6] == cumulative[0][3]
        and cumulative[2][4] + cumulative[2][5] + cumulative[2][6] == cumulative[2][3]
    )
    assert cumulative[2][5] == len(city.corrections) == 3  # the latest file corrected the earlier slips

    count, total = rows(store, "SELECT count(*), sum(amount_yuan) FROM v_loans")[0]
    assert count == summary["loans"] == len(city.loans)
    assert float(total) == pytest.approx(city.loans["amount_wan"].sum() * 10_000, abs=0.01)
    this_year = city.loans[city.loans["loan_date"].dt.year == 2026]
    assert rows(store, "SELECT count(*) FROM v_loans WHERE year(loan_date) = 2026")[0][0] == len(this_year)
    assert rows(store, "SELECT count(*) FROM loans")[0][0] == sum(b[3] for b in ledgers)  # every row kept, once current


def test_history_runs_to_last_month_with_targets_every_year_and_districts_differ(built):
    store, summary, city = built
    first, last = rows(store, "SELECT min(loan_date), max(loan_date) FROM v_loans")[0]
    assert first.year == 2021 and LAST_MONTH[0] <= last <= LAST_MONTH[1]
    assert rows(store, "SELECT count(*) FROM v_loans WHERE loan_date > ?", [LAST_MONTH[1]])[0][0] == 0
    assert summary["years"] == list(range(2021, 2027))
    with store.read() as con:
        assert metrics.years_with_data(con) == list(range(2026, 2020, -1))
        per_year = con.execute(
            "SELECT year, count(DISTINCT scope), count(*) FROM v_targets GROUP BY year ORDER BY year"
        ).fetchall()
        city_vs_sum = con.execute(
            """SELECT year, metric, sum(value) FILTER (WHERE scope = 'CITY'), sum(value) FILTER (WHERE scope <> 'CITY')
               FROM v_targets GROUP BY year, metric"""
        ).fetchall()
        districts = con.execute("SELECT count(*) FROM v_districts").fetchall()[0][0]
        demo_flag = con.execute("SELECT value FROM meta WHERE key = 'demo'").fetchall()
    assert districts == len(city.districts) == 10
    assert per_year == [(y, districts + 1, (districts + 1) * 4) for y in range(2021, 2027)]  # every district and CITY
    assert all(city_value > district_sum for _, _, city_value, district_sum in city_vs_sum)
    assert demo_flag == [("示例市",)]
    assert store.get_meta("demo") == "示例市"

    # The overview's ranking shows districts ahead of the time progress, slightly and well behind.
    with store.read() as con:
        progress = metrics.district_progress(con, 2026, LAST_MONTH[1])
    statuses = set(progress.loc[progress["scope"] != catalogue.CITY, "status"].dropna())
    assert statuses == {catalogue.AHEAD, catalogue.SLIGHTLY_BEHIND, catalogue.BEHIND}


def test_the_same_seed_writes_the_same_files(tmp_path):
    """Loading is deterministic given the files (the tests above check what a build loads), so a
    reproducible demo is a generator and a writer that give the same cells twice."""
    city = demo.generate(today=TODAY, scale=0.3)
    first, second = (
        demo.write_files(city, tmp_path / "a"),
        demo.write_files(demo.generate(today=TODAY, scale=0.3), tmp_path / "b"),
    )
    assert [p.name for p in first] == [p.name for p in second] and len(first) >= 15
    for a, b in zip(first, second):
        sheets_a = pd.read_excel(a, sheet_name=None, header=None, engine="calamine")
        sheets_b = pd.read_excel(b, sheet_name=None, header=None, engine="calamine")
        assert list(sheets_a) == list(sheets_b), a.name
        for name in sheets_a:
            pd.testing.assert_frame_equal(sheets_a[name], sheets_b[name], obj=f"{a.name}/{name}")
    assert len(city.loans) > 600  # enough loans for a slip in the writer to show


def test_build_refuses_a_database_with_real_loans(empty_store, tmp_path):
    files = demo.write_files(demo.generate(today=TODAY, scale=0.05), tmp_path / "real")
    for path in (files[0], files[-1]):  # a district list and a ledger, loaded as real data
        assert pipeline.import_path(empty_store, path, user="analyst")[1] is not None
    with pytest.raises(RuntimeError, match="正式数据"):
        demo.build_demo(empty_store, today=TODAY)
    assert rows(empty_store, "SELECT count(*) FROM meta WHERE key = 'demo'")[0][0] == 0


# -- the generator alone: quick --------------------------------------------------------------
def test_generation_is_reproducible_and_history_stays_when_today_moves_on():
    first, second = demo.generate(today=TODAY), demo.generate(today=TODAY)
    assert first.loans.equals(second.loans) and first.targets.equals(second.targets)
    assert not demo.generate(seed=7, today=TODAY).loans.equals(first.loans)
    earlier = demo.generate(today=dt.date(2026, 9, 5))  # two months ago: the same loans up to August
    assert earlier.loans.equals(first.loans[first.loans["loan_date"] <= "2026-08-31"].reset_index(drop=True))
    assert earlier.targets.equals(first.targets)


def test_loans_look_like_a_real_ledger():
    city = demo.generate(today=TODAY)
    loans = city.loans
    codes = {name: code for name, code, _ in city.districts}
    assert all(code.startswith("99") for code in codes.values())
    # Identifiers: valid USCCs registered in the loan's district, valid patent numbers of the
    # declared type filed no later than the loan, unique registration numbers.
    assert all(uscc_problem(u) is None for u in loans["uscc"].unique())
    assert (loans["uscc"].str[2:8] == loans["district"].map(codes)).all()
    assert loans.groupby("uscc")["enterprise_name"].nunique().max() == 1
    assert 200 <= loans["uscc"].nunique() <= 700
    registered = loans["reg_no"].dropna()
    assert (
        registered.is_unique
        and registered.str.fullmatch(r"Y20\d{2}99\d{10}").all()
        and len(registered) > 0.8 * len(loans)
    )
    for cell, pledge_type, day, count in zip(
        loans["patent_numbers"], loans["pledge_type"], loans["loan_date"], loans["patent_count"]
    ):
        tokens = cell.split("、")
        assert 1 <= len(tokens) == count <= 5
        for token in tokens:
            if pledge_type == "商标" or (pledge_type == "混合" and not token.startswith("ZL")):
                assert re.fullmatch(r"\d{8}", token)
                continue
            number, patent_type = parse_patent_number(token)
            assert int(number[:4]) <= day.year
            assert patent_type == ("发明专利" if pledge_type == "混合" else pledge_type)
    types = loans["pledge_type"].value_counts(normalize=True)
    assert (
        types["发明专利"] > 0.6
        and types["实用新型"] > 0.05
        and 0.01 < types["商标"] < 0.15
        and 0.01 < types["混合"] < 0.15
    )

    # Amounts, growth, seasons, 首贷, 贴息.
    amount = loans["amount_wan"]
    assert amount.between(100, 3000).mean() > 0.85 and (amount > 3000).sum() > 10 and (amount > 0).all()
    year = loans["loan_date"].dt.year
    per_year = year.value_counts().sort_index()
    assert per_year.index.tolist() == list(range(2021, 2027))
    assert per_year.loc[2021:2025].is_monotonic_increasing and per_year[2021] >= 300 and per_year[2025] <= 700
    month = loans.loc[year < 2026, "loan_date"].dt.month.value_counts()
    assert month[6] > month[5] and month[12] > month[10] and month[2] < month[3]
    assert (loans["loan_date"].dt.day_of_week < 5).all()  # banks lend on working days
    flagged = loans[loans["first_loan"] == "是"]
    firsts = ~loans["uscc"].duplicated()
    assert 0.05 < len(flagged) / len(loans) < 0.25 and firsts[flagged.index].mean() > 0.8
    assert 0.2 < loans["subsidy_wan"].notna().mean() < 0.6 and loans["term_months"].notna().all()

    # Banks as branches write them; all but the local bank map to a head bank.
    reference = Reference([], DEFAULT_BANKS)
    heads = {reference.head_bank(b) for b in loans["bank"].unique()}
    assert "示例农商银行" in heads and len(heads) <= 10
    assert {reference.head_bank(b): h for b, h in demo_city.BANKS if h} == {h: h for _, h in demo_city.BANKS if h}


def test_targets_grow_and_the_city_is_above_its_districts():
    targets = demo.generate(today=TODAY).targets
    city = targets[targets["district"] == "全市"].set_index("year")
    assert city["loan_amount_yi"].is_monotonic_increasing
    districts = targets[targets["district"] != "全市"].groupby("year")[demo_city.TARGET_COLUMNS[2:]].sum()
    assert (city[demo_city.TARGET_COLUMNS[2:]] > districts).all().all()
    assert (targets[demo_city.TARGET_COLUMNS[2:]] > 0).all().all()


@pytest.mark.parametrize(
    "today, files",
    [
        (dt.date(2027, 1, 10), ["1-10月", "1-11月", "1-12月"]),  # January: last year is complete
        (dt.date(2027, 2, 3), ["1-1月"]),  # February: one month of this year, nothing to correct yet
    ],
)
def test_early_in_the_year(tmp_path, today, files):
    city = demo.generate(today=today, scale=0.2)
    end = today.replace(day=1) - dt.timedelta(days=1)
    assert city.loans["loan_date"].max() <= pd.Timestamp(end) and city.years[-1] == end.year
    written = [p.name for p in demo.write_files(city, tmp_path)]
    assert [re.search(r"1-\d+月", n).group(0) for n in written if "累计" in n] == files
    assert written[0].endswith("区县名单.xlsx") and sum("目标" in n for n in written) == len(city.years)


def test_a_nation_of_districts_keeps_codes_and_names_apart(empty_store, tmp_path):
    city = demo.generate(today=TODAY, scale=0.05, n_districts=3000)
    codes = [code for _, code, _ in city.districts]
    names = [name for name, _, _ in city.districts]
    assert len(set(codes)) == len(set(names)) == 3000 and all(re.fullmatch(r"99\d{4}", c) for c in codes)
    files = demo.write_files(city, tmp_path / "files")
    for path in (files[0], files[-1]):  # the district list and the latest ledger
        parsed, result = pipeline.import_path(empty_store, path, user="test")
        assert result is not None, parsed.errors[:3]
    # Every loan landed in the district its USCC was registered in: no name matched two districts.
    assert rows(empty_store, "SELECT count(*) FROM v_loans WHERE district_code <> substr(uscc, 3, 6)")[0][0] == 0
    targets = pipeline.parse_path(empty_store, files[1])  # parsed only: loading 12,000 target cells takes seconds
    assert targets.ok and targets.frame["scope"].nunique() == 3001
