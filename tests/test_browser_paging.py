"""Paged national lists in a real browser (issue 14): 企业 shows 50 first-time borrowers and says
how many in all, its download holds every one; the bulletin's on-screen annex likewise, its Excel
file the whole annex. Both downloads are built when clicked."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.browser import ARTIFACTS, open_page, page_problems, running_app, wait_until_drawn
from tests.fixtures import from_template
from tests.test_paging import BORROWERS, _paging_store

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


def download(page, label: str, folder) -> bytes:
    button = page.get_by_test_id("stDownloadButton").filter(has_text=label)
    with page.expect_download(timeout=60_000) as info:
        button.get_by_role("button").click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path.read_bytes()


def test_first_time_borrowers_a_page_on_screen_and_all_in_the_downloads(tmp_path, browser):
    from_template("paging", tmp_path, _paging_store)
    with running_app(tmp_path / "pledge.duckdb") as url:
        page = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
        page.goto(url)
        wait_until_drawn(page)

        open_page(page, "企业")
        page.get_by_text(f"2025年首贷企业（{BORROWERS}家）").wait_for()
        page.get_by_text(f"显示第1—50家，共{BORROWERS}家；完整名单请下载").wait_for()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "paging-enterprises.png"), full_page=True)
        book = openpyxl.load_workbook(io.BytesIO(download(page, "下载首贷企业名单（Excel）", tmp_path)))
        assert book.active.max_row == 1 + BORROWERS  # the header and every borrower

        open_page(page, "月度通报")
        page.get_by_text(f"首贷企业名单（{BORROWERS}家）").wait_for()
        shown = page.get_by_text("显示前50家，完整名单见下载的Excel和Word通报")
        shown.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "paging-bulletin.png"))
        book = openpyxl.load_workbook(io.BytesIO(download(page, "通报表格（Excel）", tmp_path)))
        assert book["首贷企业"].max_row == 1 + BORROWERS
        assert page_problems(page) == []
        page.close()
