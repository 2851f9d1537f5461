"""The metrics layer against figures worked out by hand from a ledger small enough to check.

Ledger (amounts in 万元; as-of 2025-06-30 unless a test says otherwise):
  2025  A 东湖区 工行 01-10   500 首贷 ZL201310699744.2 (invention)            贴息 5
  2025  A 东湖区 建行 03-15  1500      ZL201310699744.2 + 202320123456.1 (utility)
  2025  B 西山区 工行 05-20  2500 首贷 ZL202310123456.6 (invention)            贴息 10
  2025  C 高新区 招行 06-01  2000      (exactly the 普惠 threshold: counts as inclusive)
  2025  B 高新区 招行 07-05   800      (after the as-of date: never counted)
  2024  A 东湖区 工行 02-01   400
  2024  B 西山区 建行 06-30  1000
  2024  B 西山区 建行 07-01   700      (outside last year's window, inside its full year)
Targets 2025 (亿元): 东湖区 1.0, 西山区 0.4, 高新区 0.5, 临江县 none.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from etl import pipeline
from pledge import catalogue, metrics, periods
from pledge.store import Store
from tests.conftest import (
    PATENT_INVENTION,
    PATENT_INVENTION_2,
    USCC_A,
    USCC_B,
    district_rows,
    write,
    xlsx_bytes,
)

USCC_C = "91990101MA0000001Y"  # check character worked out with the GB 32100 weights
UTILITY = "202320123456.1"
AS_OF = dt.date(2025, 6, 30)
HEADER = ["企业名称", "统一社会信用代码", "所属区县", "质权人", "质押专利号", "质押登记号", "贷款金额(万元)", "放款日期", "是否首贷", "贴息金额(万元)"]
LEDGER = [
    ["甲科技有限公司", USCC_A, "东湖区", "中国工商银行示例市东湖支行", PATENT_INVENTION, "R1", 500, "2025-01-10", "是", 5],
    ["甲科技有限公司", USCC_A, "东湖区", "建设银行东湖支行", f"{PATENT_INVENTION}、{UTILITY}", "R2", 1500, "2025-03-15", "否", None],
    ["乙材料股份有限公司", USCC_B, "西山区", "工行西山支行", PATENT_INVENTION_2, "R3", 2500, "2025-05-20", "是", 10],
    ["丙生物有限公司", USCC_C, "高新区", "招商银行示例市分行", None, "R4", 2000, "2025-06-01", "否", None],
    ["乙材料股份有限公司", USCC_B, "高新区", "招商银行示例市分行", None, "R5", 800, "2025-07-05", "否", None],
    ["甲科技有限公司", USCC_A, "东湖区", "工行东湖支行", None, "P1", 400, "2024-02-01", "否", None],
    ["乙材料股份有限公司", USCC_B, "西山区", "建行西山支行", None, "P2", 1000, "2024-06-30", "否", None],
    ["乙材料股份有限公司", USCC_B, "西山区", "建行西山支行", None, "P3", 700, "2024-07-01", "否", None],
]
YI = 100_000_000
WAN = 10_000


def _targets(rows):
    return [["2025年度知识产权质押融资目标任务分解表"], ["区县", "质押融资金额(亿元)", "质押发明专利(件)"], *rows]


def load_city(store, folder):
    """Load the ledger and the 2025 targets above into a store that has the districts."""
    for name, rows in (
        ("ledger.xlsx", [HEADER, *LEDGER]),
        ("targets.xlsx", _targets([["东湖区", 1.0, 2], ["西山区", 0.4, 1], ["高新区", 0.5, 1]])),
    ):
        parsed, result = pipeline.import_path(store, write(folder, name, xlsx_bytes(rows)), user="test")
        assert parsed.ok and result.status == "loaded", [str(i) for i in parsed.issues]
    return store


def city_in(folder) -> Store:
    """A fresh store in `folder` with the tiny city's districts, this ledger and its targets."""
    store = Store(folder / "city.duckdb")
    store.ensure_schema()
    pipeline.import_path(store, write(folder, "districts.xlsx", xlsx_bytes(district_rows())), user="test")
    return load_city(store, folder)


@pytest.fixture
def city(store, tmp_path):
    return load_city(store, tmp_path)


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
    assert row["inclusive_share"] == pytest.approx(3 / 4)  # 2500万 is above the 2024+ threshold of 2000万; 2000万 is not
    assert row["per_enterprise"] == pytest.approx(6500 * WAN / 3)


def test_city_target_is_the_sum_of_districts_without_a_city_row(city):
    row = _progress(city)["全市"]
    assert row["t_loan_amount"] == pytest.approx(1.9 * YI)
    assert row["c_loan_amount"] == pytest.approx(0.65 / 1.9)
    assert row["t_invention_patents"] == 4


def test_explicit_city_row_wins_over_the_sum(city, tmp_path):
    rows = _targets([["全市", 2.0, 5], ["东湖区", 1.0, 2], ["西山区", 0.4, 1], ["高新区", 0.5, 1]])
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


def test_default_as_of_is_the_last_loan_date_of_the_year(city):
    with city.read() as con:
        assert metrics.default_as_of(con, 2025) == dt.date(2025, 7, 5)
        assert metrics.default_as_of(con, 2024) == dt.date(2024, 7, 1)
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
