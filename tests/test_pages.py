"""Every page through Streamlit's AppTest, on the hand-checked city of test_metrics: the figures
shown are the metrics layer's, the sidebar switches year and as-of date, empty states speak."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pledge import formats, metrics
from pledge.store import Store
from pledge.text import md
from tests.fixtures import USCC_B

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = [
    "app_pages/overview.py",
    "app_pages/districts.py",
    "app_pages/enterprises.py",
    "app_pages/banks.py",
    "app_pages/bulletin.py",
]


def open_app(db: Path, monkeypatch, page: str | None = None) -> AppTest:
    monkeypatch.setenv("PLEDGE_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60).run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


# Every page file on disk, so that a new page cannot skip the smoke test. The login page is only
# in the navigation before signing in, and 创建第一个管理员 only on a database without an account
# (tests/test_sessions.py); the others are all open in demo mode.
ON_DISK = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "app_pages").glob("*.py"))


@pytest.mark.parametrize("page", [p for p in ON_DISK if not p.endswith(("login.py", "first_admin.py"))])
def test_every_page_renders_without_error(city, monkeypatch, page):
    at = open_app(city.path, monkeypatch, page)
    assert not at.error
    assert at.title and at.title[0].value


def test_the_login_page_renders_before_signing_in(city, monkeypatch):
    from pledge import auth

    auth.add_user(city, "admin", "password-3", "admin")
    at = open_app(city.path, monkeypatch)
    assert at.text_input(key="login_name") is not None and not at.error and not at.metric


def test_overview_shows_the_metrics_layer_figures(city, monkeypatch):
    at = open_app(city.path, monkeypatch)
    as_of = dt.date(2025, 7, 31)  # default: the end of the latest month with data (last loan 7月5日)
    assert at.date_input(key="as_of").value == as_of
    assert any("统计截至：2025年7月31日（默认：最近有数据月份的月末" in c.value for c in at.sidebar.caption)
    with city.read() as con:
        row = metrics.district_progress(con, 2025, as_of).iloc[0]
    assert metric(at, "质押融资金额") == formats.yi(row["loan_amount"] / 1e8) == "0.73亿元"
    assert metric(at, "质押发明专利") == "2件"
    assert "贴息：15.00万元（台账“贴息金额”列合计，本年度尚无贴息政策）" in [c.value for c in at.caption]
    assert metric(at, "惠及企业") == "3家"
    assert metric(at, "首贷企业") == "2家"
    sentence = at.info[0].value  # the markdown source: plain text, escaped
    assert md("截至7月31日，全市完成知识产权质押融资0.73亿元") in sentence
    assert md(f"占年度目标{formats.pct(row['c_loan_amount'])}") in sentence


def test_changing_the_as_of_date_and_the_year(city, monkeypatch):
    at = open_app(city.path, monkeypatch)
    at.date_input(key="as_of").set_value(dt.date(2025, 6, 30)).run()
    assert metric(at, "质押融资金额") == "0.65亿元"
    assert md("1个区县滞后：东湖区（20.0%）") in at.info[0].value
    at.selectbox(key="year").set_value(2024).run()
    assert not at.exception
    assert at.date_input(key="as_of").value == dt.date(2024, 7, 31)  # the new year's own latest month end
    assert metric(at, "质押融资金额") == "0.21亿元"
    assert any("未设定年度目标" in c.value for c in at.caption)
    assert any("还没有区县目标" in i.value for i in at.info)


def test_districts_table_in_rank_order(city, monkeypatch):
    at = open_app(city.path, monkeypatch, "app_pages/districts.py")
    at.date_input(key="as_of").set_value(dt.date(2025, 6, 30)).run()
    table = at.dataframe[0].value
    assert list(table["区县"]) == ["西山区", "高新技术产业开发区", "东湖区", "临江县"]
    assert list(table["状态"]) == ["超序时", "略滞后", "滞后", "无目标"]
    assert table["质押融资(亿元)"].tolist()[:3] == pytest.approx([0.25, 0.2, 0.2])


def test_a_district_without_loans_says_so(city, monkeypatch):
    at = open_app(city.path, monkeypatch, "app_pages/districts.py")
    at.selectbox(key="district_detail").set_value("临江县").run()
    assert not at.exception
    assert any("没有质押贷款记录" in i.value for i in at.info)


def test_enterprise_search_and_provenance(city, monkeypatch):
    at = open_app(city.path, monkeypatch, "app_pages/enterprises.py")
    at.text_input(key="enterprise_search").input("乙材料").run()
    assert metric(at, "累计质押融资") == "5,000.00万元"  # 2500 + 800 + 1000 + 700
    assert metric(at, "累计贷款笔数") == "4笔"
    loans = at.dataframe[0].value
    assert set(loans["来源文件"]) == {"ledger.xlsx"}
    assert sorted(loans["行号"]) == [4, 6, 8, 9]  # Excel rows under the one-line header
    at.text_input(key="enterprise_search").input(USCC_B[:6]).run()
    assert at.selectbox(key="enterprise_pick").value.endswith(f"（{USCC_B}）")


def test_banks_page(city, monkeypatch):
    at = open_app(city.path, monkeypatch, "app_pages/banks.py")
    at.date_input(key="as_of").set_value(dt.date(2025, 6, 30)).run()
    table = at.dataframe[0].value
    assert table.iloc[0]["质权人"] == "中国工商银行"
    assert table.iloc[0]["融资额(亿元)"] == pytest.approx(0.30)


@pytest.mark.parametrize("page", PAGES)
def test_empty_database_says_what_to_do(tmp_path, monkeypatch, page):
    store = Store(tmp_path / "empty.duckdb")
    store.ensure_schema()
    at = open_app(store.path, monkeypatch, page)
    assert any("还没有任何数据" in i.value for i in at.info)


def test_a_named_database_that_does_not_exist_starts_empty_not_as_the_demo(tmp_path, monkeypatch):
    db = tmp_path / "production.duckdb"
    at = open_app(db, monkeypatch)
    assert any("还没有任何数据" in i.value for i in at.info)
    assert Store(db).get_meta("demo") is None
