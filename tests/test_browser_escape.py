"""Data is text, in Streamlit's own renderer: headless Chromium shows names with markdown, HTML and
LaTeX in them literally, never as formatting, links, maths, icons or tags, and nothing runs.

First every payload through every kind of element the app uses, escaped with pledge.text.md; then
the real app on the payload city of test_escape, as its admin and as a viewer of the payload district."""

from __future__ import annotations

import json
import re

import pytest

from pledge.text import WORD_JOINER
from tests.browser import page_problems, pick, running_app, wait_until_drawn
from tests.fixtures import write, xlsx_bytes
from tests.payloads import (
    ADMIN,
    ALIAS,
    BOLD,
    DISTRICT,
    HEADER,
    HEADING,
    IMG,
    ITALIC,
    LEDGER_FILE,
    LINK,
    MORE,
    PASSWORD,
    PAYLOADS,
    RED,
    TEX,
    VIEWER,
    payload_city,
    uscc,
)

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

# What markdown, HTML or Plotly would have made of a payload: none may exist on any page.
IN_MARKDOWN = '[data-testid="stMarkdownContainer"]'
FORBIDDEN = {
    "a link from data": 'a:has-text("点我")',
    "a sanitised link": f'{IN_MARKDOWN} a[href="#"]',
    "maths": ".katex",
    "an image from data": 'img[src="x"], img[alt="Streamlit logo"]',
    "an icon from data": f'{IN_MARKDOWN} span[role="img"]',
    "coloured text": ".stMarkdownColoredText",
    "bold from data": 'strong:text-is("粗体"), strong:text-is("管理员"), b:text-is("加粗"), tspan[style*="bold"]',
    "italics from data": 'em:text-is("斜体")',
    "a heading from data": '[data-heading-text]:text-is("标题")',
    "markup from data": f"{IN_MARKDOWN} del, {IN_MARKDOWN} code, {IN_MARKDOWN} blockquote, {IN_MARKDOWN} ol",
}
JAVASCRIPT_ADDRESSES = """() => Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes))
    .filter(a => /^\\s*javascript:/i.test(a.value)).map(a => a.name + '=' + a.value)"""


DIALOGS: dict = {}  # page -> the messages of every alert, confirm or prompt it raised


def open_page(browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    DIALOGS[page] = []
    page.on("dialog", lambda dialog: (DIALOGS[page].append(dialog.message), dialog.dismiss()))
    return page


def visible_text(page, selector: str = "body") -> str:
    return page.locator(selector).first.inner_text().replace(WORD_JOINER, "")


def assert_nothing_rendered(page, where: str) -> None:
    for what, selector in FORBIDDEN.items():
        assert page.locator(selector).count() == 0, f"{where}: {what}"
    assert page.evaluate(JAVASCRIPT_ADDRESSES) == [], where
    assert DIALOGS[page] == [], where


# -- every kind of element, through Streamlit's own markdown ----------------------------------
PROBE = """
import json
import re
from pathlib import Path

import streamlit as st

from pledge.text import md

payloads = json.loads((Path(__file__).parent / "payloads.json").read_text())
st.title("探针")
st.tabs([md(p) for p in payloads])
for i, p in enumerate(payloads):
    with st.container(key=f"markdown-{i}"):
        st.markdown(md(p))
    with st.container(key=f"caption-{i}"):
        st.caption(md(p))
    for kind, draw in {
        "info": st.info, "warning": st.warning, "success": st.success, "subheader": st.subheader,
        "button": lambda text: st.button(text, key=f"b{i}"),
        "download": lambda text: st.download_button(text, b"x", "x.txt", key=f"d{i}"),
        "checkbox": lambda text: st.checkbox(text, key=f"c{i}"),
        "selectbox": lambda text: st.selectbox(text, ["选项"], key=f"s{i}"),
        "metric": lambda text: st.metric(text, 1),
        "expander": lambda text: st.expander(text).write("内容"),
        "popover": lambda text: st.popover(text),
        "progress": lambda text: st.progress(0.5, text=text),
    }.items():
        with st.container(key=f"{kind}-{i}"):
            draw(md(p))
"""
KINDS = [
    "markdown",
    "caption",
    "info",
    "warning",
    "success",
    "subheader",
    "button",
    "download",
    "checkbox",
    "selectbox",
    "metric",
    "expander",
    "popover",
    "progress",
]


def test_every_kind_of_element_shows_escaped_payloads_literally(tmp_path, browser):
    payloads = PAYLOADS + MORE
    write(tmp_path, "payloads.json", json.dumps(payloads))
    script = write(tmp_path, "probe.py", PROBE)
    with running_app(tmp_path / "unused.duckdb", script=script) as url:
        page = open_page(browser)
        page.goto(url)
        wait_until_drawn(page)
        page.wait_for_selector(f".st-key-progress-{len(payloads) - 1}")
        assert page.locator('[data-testid="stException"]').count() == 0
        tabs = [t.replace(WORD_JOINER, "") for t in page.locator('[role="tab"]').all_inner_texts()]
        assert tabs == payloads
        for i, payload in enumerate(payloads):
            for kind in KINDS:
                shown = visible_text(page, f".st-key-{kind}-{i}").strip()
                if kind in ("markdown", "caption", "subheader"):
                    assert shown == payload, (kind, payload, shown)
                else:
                    assert payload in shown, (kind, payload, shown)
        assert_nothing_rendered(page, "probe")
        page.close()


# -- the app on the payload city ---------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-browser")
    store = payload_city(folder)
    upload = write(
        folder,
        f"{LINK}.xlsx",
        xlsx_bytes([HEADER, [ITALIC, uscc(50), ALIAS, RED, None, "Y1", 10, "2025-06-30", "否", None]], sheet=TEX),
    )
    with running_app(store.path) as url:
        yield url, upload


def log_in(browser, url: str, name: str):
    page = open_page(browser)
    page.goto(url)
    wait_until_drawn(page)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.locator('[data-testid="stSidebarNav"]').wait_for()
    wait_until_drawn(page)
    return page


TITLES = {
    "区县": "区县进度",
    "企业": "企业",
    "质权人": "质权人（贷款银行）",
    "月度通报": "月度通报",
    "导入记录": "导入记录",
    "数据导入": "数据导入",
}


def go(page, link: str) -> None:
    page.get_by_role("link", name=link, exact=True).click()
    page.locator("h1").filter(has_text=re.compile(f"^{TITLES[link]}$")).wait_for()
    wait_until_drawn(page)


def chart_text(page) -> list[str]:
    return page.eval_on_selector_all(".js-plotly-plot text", "els => els.map(e => e.textContent)")


def assert_shows(page, where: str, *payloads: str, charts: tuple[str, ...] = ()) -> None:
    """The payloads read literally in the page's text, and in its charts' labels; nothing rendered."""
    assert page_problems(page) == [], where
    text = visible_text(page)
    for payload in payloads:
        assert payload in text, f"{where}: {payload!r} not shown as written"
    labels = chart_text(page)
    for payload in charts:
        assert any(payload in label for label in labels), f"{where}: {payload!r} not in the charts: {labels}"
    assert_nothing_rendered(page, where)


def test_the_admin_reads_every_name_as_written(hostile_app, browser):
    url, upload = hostile_app
    page = log_in(browser, url, ADMIN)
    assert_shows(page, "总览", ADMIN, DISTRICT, IMG, TEX, charts=(DISTRICT,))  # user and last file in the sidebar

    go(page, "区县")
    pick(page, "选择区县", DISTRICT)
    assert_shows(page, "区县", f"{DISTRICT}融资额前20家企业", charts=(DISTRICT, BOLD, f"{DISTRICT}2025年"))

    go(page, "企业")
    page.get_by_label("查找企业").fill("91990105")
    page.keyboard.press("Enter")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="找到").wait_for()
    wait_until_drawn(page)
    assert_shows(page, "企业", LINK, charts=(IMG, BOLD, HEADING, TEX))
    pick(page, "找到", f"{IMG}（{uscc(2)}）")
    assert_shows(page, "企业", IMG, f"所属区县 {DISTRICT}")

    go(page, "质权人")
    assert_shows(page, "质权人", charts=(LINK, BOLD, TEX, RED, ITALIC))

    go(page, "月度通报")
    assert_shows(
        page, "月度通报", f"、{DISTRICT}（", f"从金融机构看，{LINK}（", f"、{BOLD}（", f"、{TEX}（", charts=(BOLD,)
    )

    go(page, "导入记录")
    page.get_by_role("button", name="撤销这批导入").click()
    page.get_by_text("后，它导入的数据不再计入统计").wait_for()
    assert_shows(page, "导入记录", f"（{LEDGER_FILE}）后")

    go(page, "数据导入")
    page.locator('input[type="file"]').set_input_files(str(upload))
    page.get_by_text("识别为：").first.wait_for()
    wait_until_drawn(page)
    assert_shows(page, "数据导入", upload.name, f"工作表：{TEX}")
    assert page.get_by_role("button", name=f"确认导入 {upload.name}").count() == 1
    page.close()


def test_a_district_viewer_reads_the_district_as_written(hostile_app, browser):
    url, _ = hostile_app
    page = log_in(browser, url, VIEWER)
    assert page.locator("h1").first.inner_text() == f"{DISTRICT}质押融资总览"
    assert_shows(
        page,
        "总览",
        f"当前用户：{VIEWER}",
        f"{DISTRICT}完成知识产权质押融资",
        charts=(f"{DISTRICT}2025年质押融资累计进度", f"{DISTRICT}2025年分月质押融资额"),
    )
    go(page, "区县")
    assert_shows(page, "区县", f"{DISTRICT}融资额前20家企业", charts=(DISTRICT,))
    page.close()
