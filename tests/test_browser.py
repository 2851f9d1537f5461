"""The real app in headless Chromium: every page draws, with no exception or error box."""

from __future__ import annotations

import pytest

from tests.browser import ARTIFACTS, page_problems, running_app, wait_until_drawn
from tests.fixtures import city_in

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
PAGES = {
    "": "知识产权质押融资总览",
    "districts": "区县进度",
    "enterprises": "企业",
    "banks": "质权人（贷款银行）",
    "bulletin": "月度通报",
}


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    store = city_in(tmp_path_factory.mktemp("browser"))
    with running_app(store.path) as url:
        yield url


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_draws_without_errors(app_url, browser, path):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{app_url}/{path}")
    wait_until_drawn(page)
    assert page_problems(page) == []
    assert page.locator("h1").first.inner_text() == PAGES[path]
    text = page.locator("body").inner_text()
    assert "None" not in text and "nan" not in text  # missing values read as —
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{path or 'overview'}.png"), full_page=True)
    page.close()


def test_overview_shows_charts_with_titles_and_as_of_date(app_url, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(app_url)
    wait_until_drawn(page)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    assert charts.count() == 2
    titles = page.eval_on_selector_all(".gtitle", "els => els.map(e => e.textContent)")
    assert any("累计进度" in t for t in titles) and any("完成率" in t for t in titles)
    assert all("截至2025年7月31日" in t and "单位" in t for t in titles)  # unit and as-of date on every chart
    # The district ranking draws one bar per district, coloured by status.
    bars = page.eval_on_selector_all(".barlayer .trace:first-child .point path", "els => els.map(e => e.style.fill)")
    # as of 7月31日 (序时进度 58.1%): 西山 ahead (62.5%, green), 高新 slightly behind (56.0%, amber),
    # 东湖 behind (20.0%, red), 临江 without a target (grey)
    assert len(bars) == 4 and len(set(bars)) == 4
    page.close()


def test_presentation_mode_hides_the_chrome_and_comes_back(app_url, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(app_url)
    wait_until_drawn(page)
    page.get_by_text("截图模式").click()
    page.get_by_role("button", name="退出截图模式").wait_for()
    wait_until_drawn(page)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator('[data-testid="stDateInput"]').first.is_visible()
    sizes = page.eval_on_selector_all(
        ".js-plotly-plot .main-svg", "els => els.map(e => [e.clientWidth, e.clientHeight])"
    )
    assert [1200, 675] in sizes  # 16:9 for slides
    page.screenshot(path=str(ARTIFACTS / "presentation-mode.png"))
    page.get_by_role("button", name="退出截图模式").click()
    page.locator('[data-testid="stSidebar"]').wait_for(state="visible")
    assert page_problems(page) == []
    page.close()


def test_first_request_to_a_page_url_after_a_restart_still_goes_through_login(tmp_path, browser):
    """A fresh server used to run a page file on its own when its URL was the very first request."""
    from pledge import auth

    store = city_in(tmp_path)
    auth.add_user(store, "leader", "password-1", "viewer")
    with running_app(store.path) as url:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{url}/enterprises")
        page.get_by_role("button", name="登录").wait_for(timeout=30_000)
        assert page.locator('[data-testid="stMetric"]').count() == 0
        nav = page.locator('[data-testid="stSidebarNav"]')
        assert nav.count() == 0 or "enterprises" not in nav.inner_text()  # no raw file names
        page.close()
