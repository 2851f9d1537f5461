"""An analyst's month in a real browser: log in, upload a messy ledger through the real file
uploader, check the preview, confirm, see the overview move; a broken file changes nothing;
undo from the history page."""

from __future__ import annotations

import re

import pytest

from pledge import auth
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, open_page, page_problems, running_app, wait_until_drawn
from tests.fixtures import MESSY, USCC_B, city_in, write, xlsx_bytes

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("analyst")
    store = city_in(folder)
    auth.add_user(store, "analyst", "password-2", "analyst")
    good = write(folder, "7月台账.xlsx", xlsx_bytes(MESSY, merges=["G3:H3"]))
    broken_rows = [row[:] for row in MESSY]
    broken_rows[4][1] = USCC_B[:-1] + "1"
    broken = write(folder, "有错的台账.xlsx", xlsx_bytes(broken_rows))
    with running_app(store.path) as url:
        yield url, good, broken


def amount_on_overview(page) -> str:
    open_page(page, "总览")
    card = page.locator('[data-testid="stMetric"]').filter(has_text="质押融资金额").first
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def test_upload_confirm_and_undo(setup):
    url, good, broken = setup
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(url)
        wait_until_drawn(page)
        assert page.get_by_role("link", name="数据导入").count() == 0  # nothing before logging in
        page.get_by_label("用户名").fill("analyst")
        page.get_by_label("密码").fill("password-2")
        page.get_by_role("button", name="登录").click()
        wait_until_drawn(page)
        assert amount_on_overview(page) == "0.73亿元"

        open_page(page, "数据导入")
        page.locator('input[type="file"]').set_input_files(str(good))
        page.get_by_text("识别为：").first.wait_for()
        wait_until_drawn(page)
        assert "质押融资台账" in page.get_by_text("识别为：").first.inner_text()
        new_card = page.locator('[data-testid="stMetric"]').filter(has_text="新增").first
        assert new_card.locator('[data-testid="stMetricValue"]').inner_text() == "1"
        page.get_by_role("button", name=re.compile("确认导入")).click()
        page.get_by_text("已导入，第").wait_for()
        wait_until_drawn(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "upload-confirmed.png"), full_page=True)
        assert page_problems(page) == []
        assert amount_on_overview(page) == "0.83亿元"  # the overview follows the new loan of 7月10日

        open_page(page, "数据导入")
        page.locator('input[type="file"]').set_input_files(str(broken))
        page.get_by_text("此文件不能导入").wait_for()
        assert page.get_by_role("button", name=re.compile("确认导入")).count() == 0
        page.screenshot(path=str(ARTIFACTS / "upload-rejected.png"), full_page=True)
        assert amount_on_overview(page) == "0.83亿元"  # nothing changed

        open_page(page, "导入记录")
        page.get_by_role("button", name="撤销这批导入").click()
        page.get_by_role("button", name="确认撤销").click()
        page.get_by_text("已撤销第").wait_for()
        assert amount_on_overview(page) == "0.73亿元"
        browser.close()
