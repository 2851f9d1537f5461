"""增量扩面 in a real browser: an analyst assigns the white list's top enterprises to two banks,
downloads the plan (one sheet per bank) and records the push; the funnel and the banks' answers
draw, and their download opens; a viewer limited to 东湖区 sees only its district and cannot push.
Screenshots go to test-artifacts/."""

from __future__ import annotations

import io

import openpyxl
import pytest

from pledge import auth
from tests.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    log_in,
    open_page,
    page_problems,
    pick,
    running_app,
    wait_until_drawn,
)
from tests.outreach_fixtures import USCC_D, USCC_F, USCC_G, outreach_city

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    store = outreach_city(tmp_path_factory.mktemp("outreach_browser"))
    auth.add_user(store, "analyst", "password-2", "analyst")
    auth.add_user(store, "东湖", "password-3", "viewer", "东湖区")
    with running_app(store.path) as url, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield url, store, browser
        browser.close()


def _open_tab(page, name: str) -> None:
    """Click a tab until it stays selected once the app is idle (a rerun in flight, as a deferred
    download causes, can undo a click)."""
    tab = page.get_by_role("tab", name=name)
    for _ in range(5):
        wait_until_drawn(page)
        tab.click()
        wait_until_drawn(page)
        if tab.get_attribute("aria-selected") == "true":
            return
    raise AssertionError(f"tab {name} did not open")


def _downloaded(page, button: str) -> openpyxl.Workbook:
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=button).click()
    with open(info.value.path(), "rb") as handle:
        return openpyxl.load_workbook(io.BytesIO(handle.read()))


def test_analyst_plans_downloads_and_records_a_push(app):
    url, store, browser = app
    page = browser.new_page(viewport={"width": 1366, "height": 1000}, accept_downloads=True)
    log_in(page, url, "analyst", "password-2")
    open_page(page, "增量扩面")
    page.get_by_text("3家（白名单共3家）").wait_for()
    page.get_by_role("button", name="加入推送名单").click()  # 10 of 中国工商银行, the first bank
    page.get_by_text("推送名单：中国工商银行 3家").wait_for()
    page.get_by_role("button", name="清空").click()
    page.get_by_text("推送名单为空。").wait_for()
    pick(page, "推送银行", "中国银行")
    page.get_by_label("前N家").fill("2")
    page.get_by_role("button", name="加入推送名单").click()
    page.get_by_text("推送名单：中国银行 2家").wait_for()
    pick(page, "推送银行", "招商银行")
    page.get_by_role("button", name="加入推送名单").click()
    page.get_by_text("推送名单：中国银行 2家；招商银行 1家").wait_for()
    wait_until_drawn(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "outreach-whitelist.png"), full_page=True)
    book = _downloaded(page, "下载推送名单（Excel，每家银行一个工作表）")
    assert book.sheetnames == ["中国银行", "招商银行"]
    assert [r[2] for r in book["中国银行"].iter_rows(min_row=2, values_only=True)] == [USCC_D, USCC_G]
    assert [r[1] for r in book["招商银行"].iter_rows(min_row=2, values_only=True)] == ["己软件有限公司"]
    page.get_by_role("button", name="记录推送").click()
    page.get_by_text("已记录推送3家企业").wait_for()
    with store.read() as con:
        recorded = con.execute("SELECT uscc, bank, user_name FROM v_outreach_pushes ORDER BY bank, uscc").fetchall()
    assert recorded == sorted(
        [(USCC_D, "中国银行", "analyst"), (USCC_G, "中国银行", "analyst"), (USCC_F, "招商银行", "analyst")],
        key=lambda r: (r[1], r[0]),
    )

    _open_tab(page, "对接漏斗")
    page.screenshot(path=str(ARTIFACTS / "outreach-funnel.png"), full_page=True)
    book = _downloaded(page, "下载漏斗与明细（Excel）")
    assert book.sheetnames == ["漏斗", "明细"] and book["漏斗"]["A2"].value == "全市"
    _open_tab(page, "银行反馈")
    page.locator(".gtitle", has_text="全市2025年各银行对接反馈").wait_for()
    page.screenshot(path=str(ARTIFACTS / "outreach-banks.png"), full_page=True)
    assert not page_problems(page)
    page.close()


def test_a_district_viewer_sees_its_district_and_cannot_push(app):
    url, _, browser = app
    page = browser.new_page(viewport={"width": 1366, "height": 1000}, accept_downloads=True)
    log_in(page, url, "东湖", "password-3")
    share = page.get_by_text("其中经政银企对接").inner_text()  # 总览: 甲's 首贷 followed its demand
    assert "2025年首贷企业1家" in share and "1家，占100.0%" in share
    open_page(page, "增量扩面")
    page.get_by_text("东湖区增量扩面").wait_for()
    assert page.get_by_role("button", name="加入推送名单").count() == 0
    assert page.get_by_role("button", name="记录推送").count() == 0
    book = _downloaded(page, "下载白名单（Excel）")
    names = [r[1] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert names == ["庚医药有限公司", "己软件有限公司"]  # 丁电子 is 西山区's
    _open_tab(page, "对接漏斗")
    page.locator(".gtitle", has_text="东湖区2025年政银企对接漏斗").wait_for()
    assert not page_problems(page)
    page.close()
