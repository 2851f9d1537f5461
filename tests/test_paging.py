"""National-size lists cut to what a page shows (issue 14): first-time borrowers a page at a time
with the total said, the heat map's and the bank chart's districts picked in SQL, the bulletin's
on-screen annex; the whole lists stay in the downloads."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

from etl import pipeline
from etl.checksums import uscc_check_char
from pledge import bulletin, charts, metrics
from pledge.store import Store
from tests.fixtures import CITY_HEADER, ROOT, district_rows, from_template, write, xlsx_bytes

AS_OF = dt.date(2025, 7, 31)
BORROWERS = 55  # first-time borrowers in the paging store: more than a page of 50


def borrowers_ledger() -> list[list]:
    """BORROWERS enterprises, each with one 首贷 loan in 2025, the newest first by date."""
    rows = []
    for i in range(BORROWERS):
        first17 = f"91990101MA{i:07d}"
        district = ("东湖区", "西山区", "高新区")[i % 3]
        day = dt.date(2025, 1, 1) + dt.timedelta(days=i)
        rows.append([f"测试{i:02d}科技有限公司", first17 + uscc_check_char(first17), district, "工行东湖支行"])
        rows[-1] += [None, f"F{i}", 100 + i, day.isoformat(), "是", None]
    return rows


def _paging_store(folder) -> None:
    store = Store(folder / "pledge.duckdb", timeout=5)
    store.ensure_schema()
    for name, rows in (("districts.xlsx", district_rows()), ("ledger.xlsx", [CITY_HEADER, *borrowers_ledger()])):
        parsed, result = pipeline.import_path(store, write(folder, name, xlsx_bytes(rows)), user="test")
        assert parsed.ok and result is not None and result.status == "loaded", [str(i) for i in parsed.issues]


@pytest.fixture
def many(tmp_path) -> Store:
    from_template("paging", tmp_path, _paging_store)
    return Store(tmp_path / "pledge.duckdb", timeout=5)


def test_first_time_borrowers_page_by_page_add_up_to_the_whole_list(many):
    with many.read() as con:
        whole = metrics.first_time_borrowers(con, 2025, AS_OF)
        pages = [metrics.first_time_page(con, 2025, AS_OF, page, 20) for page in (1, 2, 3)]
        past_the_end = metrics.first_time_page(con, 2025, AS_OF, 9, 20)
        none = metrics.first_time_page(con, 2024, dt.date(2024, 12, 31), 1, 20)
    assert len(whole) == BORROWERS
    assert [len(p["rows"]) for p in pages] == [20, 20, 15] and {p["total"] for p in pages} == {BORROWERS}
    pd.testing.assert_frame_equal(pd.concat([p["rows"] for p in pages], ignore_index=True), whole)
    assert past_the_end["page"] == 1 and past_the_end["rows"]["uscc"].tolist() == whole["uscc"].head(20).tolist()
    assert none["total"] == 0 and none["rows"].empty and list(none["rows"].columns) == list(whole.columns)


def figure(fig) -> dict:
    return json.loads(pio.to_json(fig))


def test_the_heat_map_and_the_bank_chart_from_their_ends_only_are_the_same_charts(city, monkeypatch):
    monkeypatch.setattr(charts, "EDGE", 1)  # four districts, three lent: the ends are the first and the last
    with city.read() as con:
        matrix = metrics.district_month_matrix(con, 2025, AS_OF)
        matrix_ends = metrics.district_month_matrix(con, 2025, AS_OF, edge=1)
        banks = metrics.bank_by_district(con, 2025, AS_OF)
        banks_ends = metrics.bank_by_district(con, 2025, AS_OF, edge=1)
    assert matrix["district"].nunique() == 4 and matrix_ends["district"].nunique() == 2
    assert banks["district"].nunique() == 3 and banks_ends["district"].nunique() == 2
    assert set(matrix_ends["districts"]) == {4} and set(banks_ends["districts"]) == {3}
    heat = charts.district_month_heatmap(matrix, 2025, AS_OF, "示例市")
    assert figure(heat) == figure(charts.district_month_heatmap(matrix_ends, 2025, AS_OF, "示例市"))
    assert "共4个区县，显示融资额前1名和后1名" in heat.layout.title.text
    stacked = charts.stacked_bank_district(banks, 2025, AS_OF, "示例市")
    assert figure(stacked) == figure(charts.stacked_bank_district(banks_ends, 2025, AS_OF, "示例市"))
    assert "共3个区县，显示前1名和后1名" in stacked.layout.title.text


def test_the_bulletin_on_screen_holds_the_first_rows_of_its_annex_and_says_how_many(many):
    with many.read() as con:
        whole = bulletin.build(con, 2025, 7)
        shown = bulletin.build(con, 2025, 7, annex_rows=50)
    assert len(whole.first_time) == whole.first_time_count == shown.first_time_count == BORROWERS
    pd.testing.assert_frame_equal(shown.first_time, whole.first_time.head(50))
    assert shown.paragraphs == whole.paragraphs and shown.problems == whole.problems
    assert f"今年以来全市首贷企业{BORROWERS}家，名单见附件3。" in whole.institutions


def test_the_enterprises_page_shows_a_page_and_says_how_many_in_all(many, monkeypatch):
    monkeypatch.setenv("PLEDGE_DB", str(many.path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("app_pages/enterprises.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"2025年首贷企业（{BORROWERS}家）" in m.value for m in at.markdown)
    first = at.dataframe[0].value
    assert len(first) == 50 and first["企业名称"].iloc[0] == f"测试{BORROWERS - 1:02d}科技有限公司"  # newest first
    assert any(f"显示第1—50家，共{BORROWERS}家" in c.value for c in at.caption)
    at.number_input(key="first_time_page").set_value(2).run()
    second = at.dataframe[0].value
    assert len(second) == BORROWERS - 50 and second["企业名称"].iloc[-1] == "测试00科技有限公司"
    assert any(f"显示第51—{BORROWERS}家，共{BORROWERS}家" in c.value for c in at.caption)
