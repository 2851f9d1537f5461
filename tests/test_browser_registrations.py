"""登记核对 and 贷后 in a real browser, on the hand-built scenario of tests/registrations_data.py: an
analyst reads every list, downloads them all and one alone, maps an unknown pledgor, then reads
贷后 (maturities, the NPL share against a margin she sets) and downloads its lists; a district
viewer sees only the district."""

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
    running_app,
    wait_until_drawn,
)
from tests.fixtures import USCC_A
from tests.registrations_data import scenario

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("registrations_browser")
    store = scenario(folder)
    auth.add_user(store, "analyst", "password-2", "analyst")
    auth.add_user(store, "east", "password-3", "viewer", district="东湖区")
    with running_app(store.path) as url, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield url, store, browser, folder
        browser.close()


def download(page, label: str, folder) -> openpyxl.Workbook:
    button = page.get_by_test_id("stDownloadButton").filter(has_text=label)
    with page.expect_download(timeout=60_000) as info:
        button.get_by_role("button").click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return openpyxl.load_workbook(io.BytesIO(path.read_bytes()))


def rows(sheet) -> list[list]:
    return [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]


def column(sheet, header: str) -> list:
    headers = [c.value for c in sheet[1]]
    return [r[headers.index(header)] for r in rows(sheet)]


def test_analyst_checks_registrations_maps_a_pledgor_and_reads_aftercare(app):
    url, store, browser, folder = app
    page = browser.new_page(viewport={"width": 1440, "height": 1300}, accept_downloads=True)
    log_in(page, url, "analyst", "password-2")
    open_page(page, "登记核对")
    page.get_by_role("tab", name="疑似漏报（3）").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "registrations.png"), full_page=True)
    assert page_problems(page) == []

    book = download(page, "下载全部清单", folder)
    assert book.sheetnames[:3] == ["疑似漏报", "未见登记", "反担保"]
    assert [r[1] for r in rows(book["疑似漏报"])] == ["Y4", "Y11", "Y5"]
    assert rows(book["授信（一件登记多笔贷款）"])[0][5] == 2
    expected = {"疑似漏报": 3, "未见登记": 2, "反担保": 1, "提前解除": 2, "续贷": 1, "质物失效": 1}
    assert {name: len(rows(book[name])) for name in expected} == expected
    for name, count in expected.items():  # every list's tab, and one list's own download
        page.get_by_role("tab", name=f"{name}（{count}）").wait_for()
    page.get_by_role("tab", name="未见登记（2）").click()
    assert len(rows(download(page, "下载未见登记（Excel）", folder).active)) == 2

    page.get_by_text("出质人对应企业").click()
    page.get_by_label("在台账企业中查找（名称或信用代码）").fill("甲科技")
    page.get_by_label("在台账企业中查找（名称或信用代码）").press("Enter")
    page.get_by_text("对应的企业").wait_for()
    page.get_by_role("button", name="保存对应").click()
    page.get_by_text("已将出质人“东湖新材料有限公司”对应到该企业").wait_for()
    with store.read() as con:
        assert con.execute("SELECT pledgor_key, uscc, created_by FROM enterprise_aliases").fetchall() == [
            ("东湖新材料有限公司", USCC_A, "analyst")
        ]

    # 贷后管理: maturities, the NPL share against the margin the analyst sets, the lists downloaded.
    open_page(page, "贷后管理")
    page.get_by_text("30天内到期").wait_for()
    overall = page.get_by_role("spinbutton", name="银行业整体不良贷款率(%)")
    overall.fill("2.00")
    overall.press("Enter")
    page.get_by_text("容忍上限 5.00%").wait_for()
    wait_until_drawn(page)  # the rerun has finished: the download button is the current one
    page.screenshot(path=str(ARTIFACTS / "aftercare.png"), full_page=True)
    assert page_problems(page) == []
    book = download(page, "下载贷后清单", folder)
    npl = {r[0]: r for r in rows(book["不良率"])}
    assert npl["中国建设银行"][6] == pytest.approx(25.0) and npl["中国建设银行"][8] == "是"
    assert len(rows(book["到期明细"])) == 4 and len(rows(book["续贷"])) == 1
    page.close()


def test_a_district_viewer_sees_only_the_district(app):
    url, _, browser, folder = app
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    log_in(page, url, "east", "password-3")
    open_page(page, "登记核对")
    page.get_by_role("tab", name="提前解除（2）").wait_for()
    assert page_problems(page) == []
    assert page.get_by_text("出质人对应企业").count() == 0  # mapping is an analyst's
    book = download(page, "下载全部清单", folder)
    assert {d for name in ("疑似漏报", "未见登记", "提前解除") for d in column(book[name], "区县")} == {"东湖区"}
    assert column(book["疑似漏报"], "登记号") == ["Y11"] and column(book["疑似漏报"], "登记日") == ["2025年5月20日"]
    open_page(page, "贷后管理")
    page.get_by_text("30天内到期").wait_for()
    assert page_problems(page) == [] and page.get_by_text("高新技术产业开发区").count() == 0
    page.close()
