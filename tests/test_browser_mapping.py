"""Mapping once, in a real browser: an analyst uploads a ledger whose bank and one district spelling
the system does not know, maps them in the preview, confirms, and the bank page counts the loans
for their head banks."""

from __future__ import annotations

import re

import pytest

from pledge import auth
from tests.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    open_page,
    page_problems,
    pick,
    running_app,
    wait_until_drawn,
)
from tests.fixtures import USCC_B, USCC_C, city_in, write, xlsx_bytes

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

BANK = "邮政银行东湖支行"  # none of 中国邮政储蓄银行's aliases (邮储银行, 邮政储蓄银行, 邮储) is in it
LEDGER = [
    ["2025年6月知识产权质押融资台账"],
    ["企业名称", "统一社会信用代码", "所属区县", "质权人", "贷款金额(万元)", "放款日期", "客户经理"],
    ["丙生物有限公司", USCC_C, "东湖区", BANK, 600, "2025-06-10", "张三"],
    ["乙材料股份有限公司", USCC_B, "老城片区", "工行西山支行", 300, "2025-06-12", "李四"],
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mapping")
    store = city_in(folder)
    auth.add_user(store, "analyst", "password-2", "analyst")
    ledger = write(folder, "6月邮储台账.xlsx", xlsx_bytes(LEDGER))
    with running_app(store.path) as url:
        yield url, ledger


def bank_row(page, bank: str) -> list[str]:
    """The cells of the bank page's table row of one head bank (a canvas grid: its accessible cells)."""
    row = page.locator('[role="row"]').filter(has=page.locator('[role="gridcell"]', has_text=re.compile(f"^{bank}$")))
    row.first.wait_for(state="attached")
    return [c.strip() for c in row.first.locator('[role="gridcell"]').all_inner_texts()]


def test_an_unknown_bank_is_mapped_in_the_preview_and_counted_for_its_head_bank(setup):
    url, ledger = setup
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(url)
        wait_until_drawn(page)
        page.get_by_label("用户名").fill("analyst")
        page.get_by_label("密码").fill("password-2")
        page.get_by_role("button", name="登录").click()
        wait_until_drawn(page)

        open_page(page, "数据导入")
        page.locator('input[type="file"]').set_input_files(str(ledger))
        page.get_by_text("映射系统不认识的名称").wait_for()
        wait_until_drawn(page)
        assert page.get_by_text(re.compile(f"银行 {BANK} · 1行")).count() == 1
        assert page.get_by_text("此文件不能导入").count() == 1  # 老城片区 is no district of the list
        page.get_by_text("未识别的列（1列").click()  # 客户经理: shown, left unmapped
        page.get_by_role("combobox", name="表头“客户经理”映射为").wait_for()
        page.wait_for_timeout(500)  # the expander's opening animation
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "upload-mapping-form.png"), full_page=True)

        pick(page, f"银行“{BANK}”映射为", "中国邮政储蓄银行")
        pick(page, "区县“老城片区”映射为", "西山区")
        page.get_by_role("button", name="保存映射并重新检查").click()
        page.get_by_text("已保存2项映射").wait_for()
        wait_until_drawn(page)
        assert page.get_by_text("映射系统不认识的名称").count() == 0  # no unknown district or bank left
        assert page.get_by_text("未识别的列（1列").count() == 1  # 客户经理 is offered still, folded
        page.screenshot(path=str(ARTIFACTS / "upload-mapping-saved.png"), full_page=True)
        page.get_by_role("button", name=re.compile("确认导入")).click()
        page.get_by_text("已导入，第").wait_for()
        wait_until_drawn(page)
        assert page_problems(page) == []

        open_page(page, "质权人")
        cells = bank_row(page, "中国邮政储蓄银行")
        assert cells[:2] == ["中国邮政储蓄银行", "0.06"]  # 600万元, the only loan of that head bank
        assert bank_row(page, "中国工商银行")[:2] == ["中国工商银行", "0.33"]  # 500 + 2500 before, + 300 from 老城片区
        assert page.get_by_role("gridcell", name=BANK).count() == 0  # not a bank of its own
        page.screenshot(path=str(ARTIFACTS / "banks-after-mapping.png"), full_page=True)
        browser.close()
