"""贴息 in a real browser, on one running app: an analyst writes the year's policy in the form,
downloads its parameter sheet and uploads it back, adds an LPR; a district's analyst does the
district review of a claim and a city analyst walks it on to 已拨付 and downloads the 公示 list
(.xlsx, .docx), the payment list and the review table; a leader sees the budget and nothing to act on."""

from __future__ import annotations

import io

import openpyxl
import pytest
from docx import Document

from etl import load as loader
from etl import pipeline
from etl.parse import parse_file
from etl.subsidy_templates import policy_template
from pledge import auth
from pledge.store import Store
from pledge.subsidy import figures
from pledge.subsidy.policy import Policy, to_values
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
from tests.fixtures import (
    CITY_HEADER,
    CITY_LEDGER,
    PATENT_INVENTION,
    PATENT_INVENTION_2,
    USCC_A,
    USCC_B,
    district_rows,
    xlsx_bytes,
)

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

YEAR = 2025
CLAIMS = [
    [f"{YEAR}年度知识产权质押贷款贴息申报表"],
    ["企业名称", "统一社会信用代码", "所属区县", "质权人", "贷款金额(万元)", "合同签订日", "放款日期", "结清日期",
     "执行年利率(%)", "实付利息(万元)", "知识产权担保占比(%)", "质押登记号", "登记生效日", "质押专利号"],
    ["甲科技有限公司", USCC_A, "东湖区", "工商银行", 500, "2025-01-05", "2025-01-10", "2025-12-20", 3.6, 17, 100,
     "R1", "2025-01-08", PATENT_INVENTION],
    ["乙材料股份有限公司", USCC_B, "西山区", "工商银行", 2500, "2025-05-06", "2025-05-20", "2025-11-20", 3.4, 42, 60,
     "R3", "2025-05-18", PATENT_INVENTION_2],
]  # fmt: skip
STEPS = ["市级复核", "公示", "已核定", "已拨付"]
CLAIM = "1. 甲科技有限公司｜中国工商银行｜500.00万元｜已受理"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("subsidy_browser")
    store = Store(folder / "pledge.duckdb", timeout=5)
    store.ensure_schema()
    for name, data in (
        ("区县.xlsx", xlsx_bytes(district_rows())),
        ("台账.xlsx", xlsx_bytes([CITY_HEADER, *CITY_LEDGER])),
        ("申报.xlsx", xlsx_bytes(CLAIMS)),
    ):
        parsed = parse_file(data, name, pipeline.reference(store))
        assert parsed.ok, [str(i) for i in parsed.errors]
        loader.load(store, parsed, user="setup")
    auth.add_user(store, "city", "password-2", "analyst")
    auth.add_user(store, "east", "password-2", "analyst", district="东湖区")
    auth.add_user(store, "leader", "password-2", "viewer")
    with running_app(store.path) as url, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield url, store, browser, folder
        browser.close()


def signed_in(browser, url: str, name: str):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True).new_page()
    log_in(page, url, name, "password-2")
    return page


def download(page, label: str, folder, name: str):
    wait_until_drawn(page)  # a click during a rerun is lost
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    path = folder / name
    info.value.save_as(path)
    return path


def test_policy_form_sheet_round_trip_and_lpr(app):
    url, store, browser, folder = app
    page = signed_in(browser, url, "city")
    open_page(page, "贴息政策")
    pick(page, "年度", f"{YEAR}年")
    page.get_by_text(f"{YEAR}年还没有贴息政策").wait_for()
    page.get_by_label("政策名称", exact=True).fill("示例市2025年知识产权质押贷款贴息办法")
    page.get_by_label("贴息比例(%)", exact=True).fill("60")
    page.get_by_label("年度预算(万元)（可空）", exact=True).fill("20")
    page.get_by_label("单户年度上限(万元)（可空）", exact=True).fill("50")
    page.get_by_role("button", name="保存政策").click()
    page.get_by_text(f"已保存{YEAR}年贴息政策").wait_for()
    with store.read() as con:
        policy = figures.policy_for(con, YEAR)
    assert policy is not None and policy.share_pct == 60 and policy.budget_wan == 20

    sheet = download(page, "下载参数表（含当前取值）", folder, "参数.xlsx")
    rows = {r[0]: r[1] for r in openpyxl.load_workbook(sheet).active.iter_rows(min_row=3, values_only=True)}
    assert rows["贴息比例(%)"] == "60" and rows["年度预算(万元)"] == "20"
    book = openpyxl.load_workbook(sheet)
    for row in book.active.iter_rows(min_row=3):
        if row[0].value == "年度预算(万元)":
            row[1].value = "30"
    book.save(sheet)
    wait_until_drawn(page)  # the download reran the page
    page.locator('input[type="file"]').set_input_files(str(sheet))
    page.get_by_text("参数.xlsx").wait_for()
    page.get_by_role("button", name="导入参数表").click()
    page.get_by_text(f"已导入{YEAR}年贴息政策参数表").wait_for()
    with store.read() as con:
        assert figures.policy_for(con, YEAR).budget_wan == 30
    wait_until_drawn(page)  # the form's widgets are new ones: the old ones go when the run ends
    assert page.get_by_label("年度预算(万元)（可空）", exact=True).input_value() == "30"

    page.locator('[data-testid="stDateInput"] input').fill("2025-06-20")
    page.keyboard.press("Tab")  # Enter would submit the form before the date is taken
    page.get_by_label("1年期LPR(%)", exact=True).fill("3.00")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="添加LPR").click()
    page.get_by_text("已记录2025年6月20日起1年期LPR 3.00%").wait_for()
    page.get_by_text("2025年6月20日", exact=True).wait_for(state="attached")  # in the (canvas) table
    wait_until_drawn(page)
    assert not page_problems(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "subsidy-policy.png"), full_page=True)


def test_a_claim_walks_from_received_to_paid(app):
    url, store, browser, folder = app
    with store.read() as con:
        missing = figures.policy_for(con, YEAR) is None
    if missing:  # run alone: the policy test did not write one
        values = to_values(Policy("示例市贴息办法", YEAR, share_pct=60, budget_wan=30))
        parsed = parse_file(policy_template(YEAR, values), "政策.xlsx", pipeline.reference(store))
        loader.load(store, parsed, user="setup")
    east = signed_in(browser, url, "east")
    open_page(east, "贴息审核")
    east.get_by_text("在审").first.wait_for()
    assert "乙材料" not in east.inner_text('[data-testid="stMain"]')  # another district's claim
    pick(east, "申报", CLAIM)
    pick(east, "办理为", "区县初审")
    east.get_by_role("button", name="确认办理").click()
    east.get_by_text("已将1笔申报办理为“区县初审”").wait_for()
    assert not page_problems(east)

    city = signed_in(browser, url, "city")
    open_page(city, "贴息审核")
    pick(city, "申报", CLAIM.replace("已受理", "区县初审"))
    for step in STEPS:  # the claim stays chosen, and its next state is the one offered first
        wait_until_drawn(city)
        assert city.get_by_role("combobox", name="办理为").input_value() == step
        city.get_by_role("button", name="确认办理").click()
        city.get_by_text(f"已将1笔申报办理为“{step}”").wait_for()
    with store.read() as con:
        claim = figures.claim_awards(con, YEAR).set_index("claim_key").loc["R:R1"]
        history = figures.claim_history(con, YEAR, "R:R1")
    assert claim["state"] == "已拨付" and claim["award_wan"] > 0
    assert list(history["操作人"]) == ["east", "city", "city", "city", "city"]
    wait_until_drawn(city)
    assert not page_problems(city)
    city.screenshot(path=str(ARTIFACTS / "subsidy-review.png"), full_page=True)

    review = download(city, "下载审核表（含说明）", folder, "审核.xlsx")
    cells = [c for r in openpyxl.load_workbook(review).active.iter_rows(values_only=True) for c in r]
    assert any(isinstance(c, str) and "核定" in c for c in cells)
    city.get_by_role("tab", name="公示名单").click()
    public = download(city, "下载公示名单（Excel）", folder, "公示.xlsx")
    listed = list(openpyxl.load_workbook(public).active.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in listed] == ["甲科技有限公司"]
    notice = Document(io.BytesIO(download(city, "下载公示文件（Word）", folder, "公示.docx").read_bytes()))
    assert "公示" in notice.paragraphs[0].text and notice.tables[0].rows[1].cells[1].text == "甲科技有限公司"
    city.get_by_role("tab", name="拨付清单").click()
    paid = openpyxl.load_workbook(download(city, "下载拨付清单（Excel，分区县）", folder, "拨付.xlsx"))
    assert paid.sheetnames == ["各区县汇总", "东湖区"]


def test_a_leader_sees_the_budget_and_no_action(app):
    url, store, browser, folder = app
    page = signed_in(browser, url, "leader")
    open_page(page, "贴息审核")
    page.get_by_text("年度预算").wait_for()
    text = page.inner_text('[data-testid="stMain"]')
    assert "万元" in text and "确认办理" not in text and "申报审核" not in text
    assert not page_problems(page)
    page.screenshot(path=str(ARTIFACTS / "subsidy-budget.png"), full_page=True)
