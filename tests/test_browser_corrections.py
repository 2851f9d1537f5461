"""Corrections in a real browser: an analyst merges a near duplicate on 贷款核对, then uploads a
bank's cumulative file, reads what it replaces and withdraws, confirms, and corrects one loan."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from etl import pipeline
from pledge import auth
from pledge.store import Store
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
from tests.fixtures import district_rows, write, xlsx_bytes
from tests.ledgers import SEPTEMBER, bank_file, uscc

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

OCTOBER = [
    SEPTEMBER[0],
    [2, "乙材料有限公司", uscc(2), "西山区", 850, "2026-03-20"],
    SEPTEMBER[2],
    [4, "戊电子有限公司", uscc(5), "高新区", 600, "2026-10-08"],
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corrections")
    store = Store(folder / "pledge.duckdb", timeout=5)
    for name, data in (
        ("区县.xlsx", xlsx_bytes(district_rows())),
        ("江苏银行1-9月.xlsx", bank_file("江苏银行2026年1-9月知识产权质押贷款明细", SEPTEMBER)),
        (
            "东湖区.xlsx",
            xlsx_bytes(
                [
                    ["东湖区2026年1-9月知识产权质押融资台账"],
                    ["企业名称", "统一社会信用代码", "区县", "贷款银行", "质押登记号", "贷款金额(万元)", "放款日期"],
                    ["甲科技有限公司", uscc(1), "东湖区", "江苏银行东湖支行", "Y2026990000123", 500, "2026-01-12"],
                ]
            ),
        ),
    ):
        parsed, result = pipeline.import_path(store, write(folder, name, data), user="setup")
        assert result is not None, [str(e) for e in parsed.errors]
    auth.add_user(store, "analyst", "password-2", "analyst")
    october = write(folder, "江苏银行1-10月.xlsx", bank_file("江苏银行2026年1-10月知识产权质押贷款明细", OCTOBER))
    with running_app(store.path) as url:
        yield url, store, october


def totals(store) -> tuple[int, Decimal]:
    with store.read() as con:
        return con.execute("SELECT count(*), sum(amount_yuan) FROM v_loans").fetchone()


def test_merge_replace_and_correct(setup):
    url, store, october = setup
    assert totals(store) == (5, Decimal("33000000.00"))
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 1000})
        log_in(page, url, "analyst", "password-2")

        open_page(page, "贷款核对")
        page.get_by_text("放款日期相差2天").wait_for()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "loans-suspects.png"), full_page=True)
        page.get_by_role("button", name="合并").click()
        page.get_by_text("已合并为编号").wait_for()
        assert totals(store) == (4, Decimal("28000000.00"))

        open_page(page, "数据导入")
        page.locator('input[type="file"]').set_input_files(str(october))
        page.get_by_text("替换 江苏银行 2026年1-9月").wait_for()
        wait_until_drawn(page)
        page.screenshot(path=str(ARTIFACTS / "upload-replaces.png"), full_page=True)
        assert page.get_by_text("将撤回的贷款（1笔）").count() == 1  # 丁智能 (the grid is drawn on a canvas)
        page.get_by_role("button", name="确认导入 江苏银行1-10月.xlsx").click()
        page.get_by_text("已导入，第").wait_for()
        assert page.get_by_text("、撤回1。").count() == 1
        assert totals(store) == (4, Decimal("22500000.00"))  # 500 + 850 + 300 + 600 万元

        with store.read() as con:
            (loan_id,) = con.execute("SELECT loan_id FROM v_loans WHERE uscc = ?", [uscc(3)]).fetchone()
        open_page(page, "贷款核对")
        page.get_by_label("贷款编号（企业页面“全部贷款”表中的编号）").fill(str(loan_id))
        page.keyboard.press("Enter")
        page.get_by_label("贷款金额(万元)").wait_for()
        page.get_by_label("贷款金额(万元)").fill("350")
        page.get_by_label("原因（必填）").fill("银行来函更正金额")
        page.get_by_role("button", name="保存更正").click()
        page.get_by_text("已保存更正").wait_for()
        assert not page_problems(page)
        assert totals(store) == (4, Decimal("23000000.00"))
        browser.close()


def test_downloads_are_built_when_clicked_and_read_back(setup, tmp_path):
    """The ranking table and the archived original, both deferred until the click: the files that
    arrive are opened and read."""
    import io

    import openpyxl

    url, store, _ = setup
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 1000}, accept_downloads=True)
        log_in(page, url, "analyst", "password-2")

        open_page(page, "区县")
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="下载排名表（Excel）").click()
        sheet = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        assert any("东湖区" in [str(v) for v in row] for row in rows), rows

        open_page(page, "导入记录")
        with store.read() as con:
            newest = con.execute(
                "SELECT file_name, archive_path, id FROM batches WHERE archive_path IS NOT NULL ORDER BY id DESC LIMIT 1"
            ).fetchone()
        page.get_by_label("选择批次").click()  # the newest batches are corrections by hand, without a file
        page.get_by_role("option", name=f"第{newest[2]}批 ｜ {newest[0]} ｜ 有效").click()
        wait_until_drawn(page)
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="下载原始文件").click()
        assert info.value.suggested_filename == newest[0]
        assert Path(info.value.path()).read_bytes() == (store.path.parent / newest[1]).read_bytes()
        browser.close()


def test_keep_apart_and_withdraw_in_the_browser(setup, tmp_path):
    """The other two buttons of 贷款核对: 不是重复 stops listing a pair; 撤回此笔贷款 with a reason
    takes one loan out of the figures."""
    url, store, _ = setup
    late = xlsx_bytes(
        [
            ["西山区2026年1-9月知识产权质押融资台账"],
            ["企业名称", "统一社会信用代码", "区县", "贷款银行", "质押登记号", "贷款金额(万元)", "放款日期"],
            ["乙材料有限公司", uscc(2), "西山区", "江苏银行西山支行", "Y2026990000777", 850, "2026-03-25"],
        ]
    )
    parsed, result = pipeline.import_path(store, write(tmp_path, "西山区.xlsx", late), user="setup")
    assert result is not None, [str(e) for e in parsed.errors]
    before = totals(store)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 1000})
        log_in(page, url, "analyst", "password-2")
        open_page(page, "贷款核对")
        page.get_by_text("第1组").wait_for()  # 乙's 850万 of 3月20日 (bank) and 3月25日 (district)
        page.get_by_role("button", name="不是重复").click()
        page.get_by_text("已确认为不同的贷款").wait_for()
        page.get_by_text("第1组").wait_for(state="detached", timeout=30_000)  # gone once the rerun has drawn
        assert totals(store) == before

        with store.read() as con:
            (loan_id,) = con.execute("SELECT loan_id FROM v_loans WHERE reg_no = 'Y2026990000777'").fetchone()
        page.get_by_label("贷款编号（企业页面“全部贷款”表中的编号）").fill(str(loan_id))
        page.keyboard.press("Enter")
        page.get_by_label("原因（必填）").wait_for()
        page.get_by_label("原因（必填）").fill("区县重复报送")
        page.get_by_role("button", name="撤回此笔贷款").click()
        page.get_by_text(f"已撤回编号{loan_id}的贷款").wait_for()
        assert not page_problems(page)
        browser.close()
    count, amount = totals(store)
    assert (count, amount) == (before[0] - 1, before[1] - Decimal("8500000.00"))
