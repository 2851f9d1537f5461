"""月度通报 in a real browser: press the Word button, download the Word and Excel files and read
them back; on a server without chromium and CJK fonts the page offers the Word file without charts,
and that file says so."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import openpyxl
import pytest
from docx import Document
from PIL import Image

from pledge import catalogue, formats, issuing, metrics
from tests.browser import page_problems, running_app, wait_until_drawn
from tests.fixtures import city_in, sheet_rows, without_chart_packages

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
AS_OF = dt.date(2025, 7, 31)  # the city's last loan is of 7月5日: the page opens on July


def open_bulletin(browser, url: str):
    page = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page.goto(url)
    wait_until_drawn(page)
    page.get_by_role("link", name="月度通报").click()
    page.locator("h1", has_text="月度通报").first.wait_for(timeout=30_000)  # the page switched (not the old one)
    wait_until_drawn(page)
    assert page.locator("h1").first.inner_text() == "月度通报"
    return page


def download(page, label, tmp_path) -> bytes:
    button = page.get_by_test_id("stDownloadButton").filter(has_text=label)
    with page.expect_download(timeout=60_000) as info:
        button.get_by_role("button").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path.read_bytes()


def test_word_and_excel_bulletin_from_the_page(tmp_path_factory, browser):
    folder = tmp_path_factory.mktemp("bulletin")
    store = city_in(folder)
    with store.read() as con:
        ranking = metrics.district_progress(con, 2025, AS_OF)
    city = ranking[ranking["scope"] == catalogue.CITY].iloc[0]
    districts = ranking[ranking["scope"] != catalogue.CITY].set_index("name")
    with running_app(store.path) as url:
        page = open_bulletin(browser, url)
        page.get_by_role("button", name=re.compile("生成Word通报（含图表）")).click()
        page.get_by_test_id("stDownloadButton").filter(has_text="下载Word通报").wait_for(timeout=180_000)
        wait_until_drawn(page)
        assert page_problems(page) == []
        word = Document(io.BytesIO(download(page, "下载Word通报", folder)))
        xlsx = openpyxl.load_workbook(io.BytesIO(download(page, "通报表格（Excel）", folder)))
        page.screenshot(path="/tmp/bulletin-page.png", full_page=True)
        assert page_problems(page) == []
        page.close()

    text = [p.text for p in word.paragraphs]
    assert text[0] == "示例市市场监督管理局"  # the 版头, then the 文号 and the title
    assert text.index("2025年7月全市知识产权质押融资工作通报") == text.index("一、总体情况") - 4
    assert "不含图表" not in "\n".join(text)
    # 7300万 lent by 7月31日 (worked out by hand in tests/test_metrics.py), as the metrics layer says
    headline = text[text.index("一、总体情况") + 1]
    assert f"全市累计完成知识产权质押融资{city['loan_amount'] / 100_000_000:.2f}亿元" in headline
    assert "全市累计完成知识产权质押融资0.73亿元" in headline
    table = word.tables[0]
    names = [row.cells[2].text for row in table.rows[1:]]
    assert "西山区" in names and "东湖区" in names
    donghu = table.rows[1 + names.index("东湖区")].cells
    assert donghu[5].text == formats.pct(districts.loc["东湖区", "c_loan_amount"])
    # the four charts, embedded as 2x PNGs with something drawn on them
    assert len(word.inline_shapes) == 4
    images = [Image.open(io.BytesIO(part.blob)) for part in word.part.package.parts if part.content_type == "image/png"]
    assert len(images) == 4 and all(image.size == (1920, 1080) for image in images)
    assert all(sum(1 for n in image.convert("L").histogram() if n) > 10 for image in images)  # not blank

    assert xlsx.sheetnames == ["通报正文", "区县排名", "重点企业", "银行", "首贷企业"]
    assert xlsx["通报正文"]["B2"].value == "2025年7月全市知识产权质押融资工作通报"
    rows = {row["区县"].value: row for row in sheet_rows(xlsx["区县排名"])}
    assert set(rows) == set(districts.index)
    for name, row in rows.items():
        assert row["质押融资(亿元)"].data_type == "n"
        assert row["质押融资(亿元)"].value == pytest.approx(districts.loc[name, "loan_amount"] / 100_000_000)
    assert rows["东湖区"]["完成率"].value == pytest.approx(districts.loc["东湖区", "c_loan_amount"])
    assert "%" in rows["东湖区"]["完成率"].number_format
    banks = sheet_rows(xlsx["银行"])
    assert all(row["同比"].value is None or row["同比"].data_type == "n" for row in banks)
    assert any("%" in row["同比"].number_format for row in banks if row["同比"].value is not None)


def test_without_chart_packages_the_page_offers_word_without_charts(tmp_path_factory, browser):
    folder = tmp_path_factory.mktemp("bare-server")
    store = city_in(folder)
    with running_app(store.path, extra_env={**without_chart_packages(folder), "BROWSER_PATH": ""}) as url:
        page = open_bulletin(browser, url)
        note = page.get_by_test_id("stAlertContentInfo").filter(has_text="图表导出").inner_text()
        assert "chromium" in note and "fonts-noto-cjk" in note
        assert "sudo apt-get install chromium fonts-noto-cjk" in note
        assert page.get_by_role("button", name=re.compile("生成Word通报")).count() == 0
        word = Document(io.BytesIO(download(page, "通报（Word，不含图表）", folder)))
        assert page_problems(page) == []
        page.close()
    text = [p.text for p in word.paragraphs]
    assert "2025年7月全市知识产权质押融资工作通报" in text
    assert "（本服务器未安装图表导出组件，本通报不含图表。）" in text
    assert len(word.inline_shapes) == 0


def test_an_issued_bulletin_downloads_byte_for_byte_as_archived(tmp_path_factory, browser):
    folder = tmp_path_factory.mktemp("issued")
    store = city_in(folder)
    year = dt.date.today().year
    with running_app(store.path) as url:
        page = open_bulletin(browser, url)
        page.get_by_role("button", name=re.compile("签发并存档")).click()
        page.get_by_text(f"已签发示市监知〔{year}〕1号").wait_for(timeout=180_000)
        wait_until_drawn(page)
        page.get_by_text(f"示市监知〔{year}〕2号").first.wait_for(timeout=30_000)  # the next number is offered
        downloaded = download(page, "下载签发原件（Word）", folder)
        assert page_problems(page) == []
        page.close()
    with store.read() as con:
        archived = issuing.issued_file(con, year, 1)
        (sha,) = issuing.issued(con)["sha256"]
    assert downloaded == archived and hashlib.sha256(downloaded).hexdigest() == sha
    word = Document(io.BytesIO(downloaded))
    text = [p.text for p in word.paragraphs]
    assert f"示市监知〔{year}〕1号" in text and "四、存在问题" in text
    assert len(word.inline_shapes) == 4  # drawn with its charts
