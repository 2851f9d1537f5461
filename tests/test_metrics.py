"""The metrics layer against figures worked out by hand from the tiny city's ledger, which is
small enough to check: see its table in tests/fixtures.py (as-of 2025-06-30 unless a test says otherwise).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from etl import pipeline
from pledge import catalogue, metrics, periods
from tests.fixtures import AS_OF, USCC_A, USCC_B, USCC_C, city_targets, write, xlsx_bytes

YI = 100_000_000
WAN = 10_000


def _progress(store, year=2025, as_of=AS_OF):
    with store.read() as con:
        frame = metrics.district_progress(con, year, as_of)
    return {row["name"]: row for _, row in frame.iterrows()}


def test_time_progress_counts_days_up_to_and_including_as_of():
    assert periods.time_progress(2025, dt.date(2025, 6, 30)) == pytest.approx(181 / 365)
    assert periods.time_progress(2024, dt.date(2024, 12, 31)) == 1.0
    assert periods.time_progress(2024, dt.date(2024, 3, 1)) == pytest.approx(61 / 366)


def test_city_figures(city):
    row = _progress(city)["全市"]
    assert row["loan_amount"] == 6500 * WAN
    assert row["loans"] == 4
    assert row["invention_patents"] == 2  # the same invention pledged twice counts once; the utility model not at all
    assert row["enterprises"] == 3
    assert row["first_time_enterprises"] == 2
    assert row["subsidy"] == 15 * WAN
    assert row["inclusive_share"] == pytest.approx(
        3 / 4
    )  # 2500万 is above the 2024+ threshold of 2000万; 2000万 is not
    assert row["per_enterprise"] == pytest.approx(6500 * WAN / 3)


def test_city_target_is_the_sum_of_districts_without_a_city_row(city):
    row = _progress(city)["全市"]
    assert row["t_loan_amount"] == pytest.approx(1.9 * YI)
    assert row["c_loan_amount"] == pytest.approx(0.65 / 1.9)
    assert row["t_invention_patents"] == 4


def test_explicit_city_row_wins_over_the_sum(city, tmp_path):
    rows = city_targets([["全市", 2.0, 5], ["东湖区", 1.0, 2], ["西山区", 0.4, 1], ["高新区", 0.5, 1]])
    parsed, _ = pipeline.import_path(city, write(tmp_path, "targets2.xlsx", xlsx_bytes(rows)))
    assert parsed.ok
    row = _progress(city)["全市"]
    assert row["t_loan_amount"] == pytest.approx(2.0 * YI)
    assert row["c_loan_amount"] == pytest.approx(0.65 / 2.0)


def test_district_figures_status_and_rank(city):
    rows = _progress(city)
    east, west, zone, river = rows["东湖区"], rows["西山区"], rows["高新技术产业开发区"], rows["临江县"]
    assert (east["loan_amount"], east["loans"], east["invention_patents"], east["enterprises"]) == (2000 * WAN, 2, 1, 1)
    assert (west["loan_amount"], west["first_time_enterprises"], west["subsidy"]) == (2500 * WAN, 1, 10 * WAN)
    # time progress 181/365 = 49.6%: 西山 62.5% ahead; 高新 40% within 10 points; 东湖 20% behind
    assert west["c_loan_amount"] == pytest.approx(0.625) and west["status"] == catalogue.AHEAD
    assert zone["c_loan_amount"] == pytest.approx(0.4) and zone["status"] == catalogue.SLIGHTLY_BEHIND
    assert east["c_loan_amount"] == pytest.approx(0.2) and east["status"] == catalogue.BEHIND
    assert [west["rank"], zone["rank"], east["rank"], river["rank"]] == [1, 2, 3, 4]
    assert river["loan_amount"] == 0 and pd.isna(river["status"])  # listed, with no target


def test_year_on_year_uses_the_same_window_last_year(city):
    rows = _progress(city)
    assert rows["全市"]["prev_loan_amount"] == 1400 * WAN  # 400 + 1000; 07-01 is outside
    assert rows["西山区"]["prev_loan_amount"] == 1000 * WAN
    with city.read() as con:
        result = metrics.summary(con, 2025, AS_OF)
    assert result["city"]["yoy"]["loan_amount_yi"] == pytest.approx(6500 / 1400 - 1)


def test_as_of_date_moves_the_window(city):
    rows = _progress(city, as_of=dt.date(2025, 3, 31))
    assert rows["全市"]["loan_amount"] == 2000 * WAN
    assert rows["全市"]["loans"] == 2


def test_default_as_of_is_the_end_of_the_latest_month_with_data_never_after_today(city):
    with city.read() as con:
        assert metrics.latest_loan_date(con, 2025) == dt.date(2025, 7, 5)
        assert metrics.default_as_of(con, 2025) == dt.date(2025, 7, 31)  # as the July bulletin is dated
        assert metrics.default_as_of(con, 2024) == dt.date(2024, 7, 31)
        # July still running: reported to today, not to a month end that has not come
        assert metrics.default_as_of(con, 2025, today=dt.date(2025, 7, 20)) == dt.date(2025, 7, 20)
        assert metrics.default_as_of(con, 2030, today=dt.date(2026, 1, 5)) == dt.date(2030, 1, 1)
        assert metrics.years_with_data(con) == [2025, 2024]


def test_summary_json_shape_and_units(city):
    with city.read() as con:
        result = metrics.summary(con, 2025, AS_OF)
    assert result["as_of"] == "2025-06-30"
    assert result["time_progress"] == pytest.approx(181 / 365)
    assert result["city"]["loan_amount_yi"] == pytest.approx(0.65)
    assert result["city"]["subsidy_wan"] == pytest.approx(15)
    assert result["city"]["targets"]["loan_amount_yi"] == pytest.approx(1.9)
    names = [d["district"] for d in result["districts"]]
    assert names == ["西山区", "高新技术产业开发区", "东湖区", "临江县"]
    west = result["districts"][0]
    assert west["rank"] == 1 and west["status"] == "超序时"
    assert west["completion"]["loan_amount_yi"] == pytest.approx(0.625)
    assert west["targets"]["invention_patents"] == 1


def test_monthly_cumulative(city):
    with city.read() as con:
        series = metrics.monthly_cumulative(con, 2025, AS_OF).set_index("month")
    assert series.loc[1, "cumulative"] == 500 * WAN
    assert series.loc[3, "cumulative"] == 2000 * WAN
    assert series.loc[6, "cumulative"] == 6500 * WAN
    assert series.loc[7, "cumulative"] != series.loc[7, "cumulative"]  # NaN: after the as-of date
    assert series.loc[12, "prev_cumulative"] == 2100 * WAN  # last year's full curve


def test_monthly_cumulative_of_one_district(city):
    with city.read() as con:
        series = metrics.monthly_cumulative(con, 2025, AS_OF, district="990102").set_index("month")
    assert series.loc[6, "cumulative"] == 2500 * WAN


def test_top_enterprises_and_banks(city):
    with city.read() as con:
        top = metrics.top_enterprises(con, 2025, AS_OF)
        banks = metrics.bank_breakdown(con, 2025, AS_OF).set_index("bank")
    assert list(top["uscc"]) == [USCC_B, USCC_A, USCC_C]
    assert list(top["amount"]) == [2500 * WAN, 2000 * WAN, 2000 * WAN]  # A before C on a tie: by USCC
    # branch names are counted under their head bank
    assert banks.loc["中国工商银行", "amount"] == 3000 * WAN
    assert banks.loc["中国工商银行", "loans"] == 2
    assert banks.loc["中国工商银行", "prev_amount"] == 400 * WAN
    assert banks.loc["中国建设银行", "prev_amount"] == 1000 * WAN
    assert banks.loc["招商银行", "amount"] == 2000 * WAN
    assert banks["share"].sum() == pytest.approx(1.0)


def test_undo_of_the_ledger_empties_the_figures(city):
    with city.read() as con:
        ledger_batch = con.execute("SELECT id FROM batches WHERE kind = 'loans'").fetchall()[0][0]
    from etl.load import undo

    undo(city, ledger_batch, user="test")
    assert _progress(city)["全市"]["loan_amount"] == 0


def test_rank_change_against_the_end_of_the_previous_month(city):
    with city.read() as con:
        frame = metrics.district_progress(con, 2025, AS_OF).set_index("name")
    # 31 May: 西山 62.5%, 东湖 20%, 高新 0% (its loan came on 1 June); 30 June: 高新 passes 东湖
    assert frame.loc["高新技术产业开发区", "prev_rank"] == 3 and frame.loc["高新技术产业开发区", "rank_change"] == 1
    assert frame.loc["东湖区", "rank_change"] == -1
    assert frame.loc["西山区", "rank_change"] == 0


def test_year_end_projection_uses_last_years_seasonality(city):
    with city.read() as con:
        city_projection = metrics.year_end_projection(con, 2025, AS_OF)
        zone_projection = metrics.year_end_projection(con, 2025, AS_OF, district="990103")
    # By 30 June 2024 the city had 1400 of its 2100万 (2/3): 6500 / (2/3) = 9750万
    assert city_projection["projection"] == pytest.approx(9750 * WAN)
    assert city_projection["method"] == "按往年季节规律"
    path = city_projection["path"].set_index("month")["projected_cumulative"]
    assert path.loc[6] == 6500 * WAN and path.loc[12] == pytest.approx(9750 * WAN)
    # 高新 had no loans last year: straight run-rate, 2000万 over 181 of 365 days
    assert zone_projection["projection"] == pytest.approx(2000 * WAN * 365 / 181)
    assert zone_projection["method"] == "按当前进度线性外推"


def test_overview_sentence(city):
    from pledge import narrative

    with city.read() as con:
        frame = metrics.district_progress(con, 2025, AS_OF)
    assert narrative.overview_sentence(frame, 2025, AS_OF) == (
        "截至6月30日，全市完成知识产权质押融资0.65亿元，占年度目标34.2%，低于序时进度15.4个百分点，"
        "同比增长364.3%；1个区县滞后：东湖区（20.0%）；1个区县略滞后：高新技术产业开发区。"
    )
