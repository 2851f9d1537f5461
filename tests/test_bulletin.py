"""The monthly bulletin: its numbers are the metrics layer's, its tables are in rank order, its
charts are real 2x PNGs with Chinese text drawn (not tofu)."""

from __future__ import annotations

import datetime as dt
import io
import re

import plotly.graph_objects as go
import pytest
from docx import Document
from PIL import Image

from pledge import bulletin, metrics, render
from tests.fixtures import run, sheet_rows, without_chart_packages

needs_chromium = pytest.mark.skipif(bool(render.missing()), reason="chromium or fonts-noto-cjk not installed")


def test_bulletin_text_and_tables_come_from_the_metrics_layer(city):
    with city.read() as con:
        report = bulletin.build(con, 2025, 6)
        progress = metrics.district_progress(con, 2025, dt.date(2025, 6, 30))
    city_row = progress.iloc[0]
    assert report.as_of == dt.date(2025, 6, 30)
    headline = report.paragraphs[0]
    assert headline.startswith("截至2025年6月30日，全市累计完成知识产权质押融资0.65亿元")
    assert f"完成年度目标（1.90亿元）的{city_row['c_loan_amount'] * 100:.1f}%" in headline
    assert "低于序时进度15.4个百分点" in headline and "同比增长364.3%" in headline
    assert "6月当月，全市新增知识产权质押融资0.20亿元，1笔。" in report.paragraphs[1]
    assert report.paragraphs[2] == "银行台账报送贴息金额15.00万元（本年度尚无贴息政策，按台账“贴息金额”列统计）。"
    assert list(report.ranking["区县"]) == ["西山区", "高新技术产业开发区", "东湖区", "临江县"]
    assert list(report.ranking["较上月"]) == ["—", "↑1", "↓1", "—"]
    assert report.lagging == ["东湖区（20.0%）"]


def test_docx_reads_back_with_the_same_numbers(city, tmp_path):
    with city.read() as con:
        report = bulletin.build(con, 2025, 6)
    fake_png = io.BytesIO()
    Image.new("RGB", (1920, 1080), "white").save(fake_png, format="PNG")
    document = Document(io.BytesIO(bulletin.to_docx(report, {"累计进度": fake_png.getvalue()})))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2025年6月全市知识产权质押融资工作通报" in text
    assert "全市累计完成知识产权质押融资0.65亿元" in text
    ranking = document.tables[0]
    assert [row.cells[2].text for row in ranking.rows[1:]] == ["西山区", "高新技术产业开发区", "东湖区", "临江县"]
    assert [row.cells[0].text for row in ranking.rows[1:]] == ["1", "2", "3", "4"]
    assert ranking.rows[1].cells[5].text == "62.5%"
    assert len(document.inline_shapes) == 1


def test_xlsx_neutralises_formulas(city, tmp_path):
    import openpyxl

    with city.read() as con:
        report = bulletin.build(con, 2025, 6)
    report.enterprises.loc[0, "企业名称"] = '=HYPERLINK("http://x")'
    book = openpyxl.load_workbook(io.BytesIO(bulletin.to_xlsx(report)))
    assert book.sheetnames == ["通报正文", "区县排名", "重点企业", "银行", "首贷企业"]
    cell = book["重点企业"]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")


def test_xlsx_numbers_are_numbers_with_number_formats(city):
    import openpyxl

    with city.read() as con:
        report = bulletin.build(con, 2025, 6)
        progress = metrics.district_progress(con, 2025, dt.date(2025, 6, 30)).set_index("name")
    book = openpyxl.load_workbook(io.BytesIO(bulletin.to_xlsx(report)))
    ranking = {row["区县"].value: row for row in sheet_rows(book["区县排名"])}
    assert set(ranking) == {"西山区", "高新技术产业开发区", "东湖区", "临江县"}
    for name, row in ranking.items():
        amount, rate, rank = row["质押融资(亿元)"], row["完成率"], row["排名"]
        assert amount.data_type == "n" and amount.number_format == "0.00"
        assert amount.value == pytest.approx(progress.loc[name, "loan_amount"] / 100_000_000)
        assert rank.data_type == "n" and isinstance(rank.value, int)
        if name != "临江县":  # no target: no completion rate, an empty cell
            assert rate.data_type == "n" and "%" in rate.number_format
            assert rate.value == pytest.approx(progress.loc[name, "c_loan_amount"])
    assert ranking["西山区"]["完成率"].value == pytest.approx(0.625)  # 2500万 of 0.4亿
    # 工行 lent 3000万 by 6月30日 against 400万 a year before: 同比 +650%
    icbc = next(row for row in sheet_rows(book["银行"]) if row["质权人"].value == "中国工商银行")
    assert icbc["同比"].data_type == "n" and icbc["同比"].value == pytest.approx(6.5)
    assert "%" in icbc["同比"].number_format and "+" in icbc["同比"].number_format
    assert icbc["融资额(亿元)"].value == pytest.approx(0.3) and icbc["笔数"].value == 2
    top = sheet_rows(book["重点企业"])[0]
    assert top["融资额(万元)"].data_type == "n" and top["融资额(万元)"].value == 2500
    first = sheet_rows(book["首贷企业"])
    assert {row["首贷日期"].value.date() for row in first} == {dt.date(2025, 1, 10), dt.date(2025, 5, 20)}
    # no number written as text, with or without the apostrophe that neutralises formulas
    looks_numeric = re.compile(r"^'?[+-]?[\d,.]+%?$")
    texts = [
        cell.value
        for sheet in book.worksheets[1:]
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if isinstance(cell.value, str)
    ]
    assert texts and not [t for t in texts if looks_numeric.match(t)]


@needs_chromium
def test_chart_png_is_2x_and_draws_chinese_glyphs():
    def title_png(text: str) -> Image.Image:
        fig = go.Figure()
        fig.update_layout(
            title={"text": text, "font": {"size": 40, "family": "Noto Sans CJK SC"}},
            paper_bgcolor="white",
            plot_bgcolor="white",
            xaxis_visible=False,
            yaxis_visible=False,
        )
        return Image.open(io.BytesIO(render.png(fig))).convert("L")

    first, second = title_png("知识产权质押"), title_png("融资监测通报")
    assert first.size == (1920, 1080)  # 960 x 540 at 2x: 16:9
    band = (0, 0, 1200, 200)
    ink = sum(1 for v in first.crop(band).tobytes() if v < 128)
    assert ink > 2000  # something was drawn
    # Tofu boxes look alike whatever the character; real glyphs differ from one text to another.
    assert first.crop(band).tobytes() != second.crop(band).tobytes()


@needs_chromium
def test_cli_writes_the_bulletin_with_charts(city, tmp_path):
    out = tmp_path / "通报.docx"
    result = run("bulletin", "--year", "2025", "--month", "6", "--out", str(out), db=city.path)
    assert result.returncode == 0, result.stdout + result.stderr
    # stdout and stderr carry only the project's own words, not the chart renderer's chatter
    assert result.stdout.splitlines() == [f"✔ 已生成 {out}（2025年6月全市知识产权质押融资工作通报，4张图表）"]
    assert result.stderr.splitlines() == ["正在生成图表 ……"]
    document = Document(str(out))
    assert len(document.inline_shapes) == 4
    images = [
        Image.open(io.BytesIO(part.blob)) for part in document.part.package.parts if part.content_type == "image/png"
    ]
    assert images and all(image.size == (1920, 1080) for image in images)


def test_cli_without_chart_packages_writes_the_bulletin_and_says_it_has_no_charts(city, tmp_path):
    out = tmp_path / "通报.docx"
    hidden = {**without_chart_packages(tmp_path), "BROWSER_PATH": ""}
    result = run("bulletin", "--year", "2025", "--month", "6", "--out", str(out), db=city.path, env=hidden)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sudo apt-get install chromium fonts-noto-cjk" in result.stderr and "0张图表" in result.stdout
    document = Document(str(out))
    assert "（本服务器未安装图表导出组件，本通报不含图表。）" in [p.text for p in document.paragraphs]
    assert len(document.inline_shapes) == 0


def test_quarterly_and_year_end_variants(city):
    with city.read() as con:
        quarter = bulletin.build(con, 2025, 6, bulletin.QUARTERLY)
        june = bulletin.build(con, 2025, 6)
        year = bulletin.build(con, 2025, 12, bulletin.ANNUAL)
        q2 = metrics.new_in_months(con, 2025, 4, 6)
        with pytest.raises(ValueError):
            bulletin.build(con, 2025, 5, bulletin.QUARTERLY)
    assert quarter.title == "2025年第二季度全市知识产权质押融资工作通报"
    assert quarter.as_of == dt.date(2025, 6, 30) and quarter.file_stem == "2025年第二季度知识产权质押融资通报"
    # 西山区 2500万 in May and 高新区 2000万 in June (tests/fixtures.py)
    assert q2["amount"] == 45_000_000
    assert quarter.paragraphs[0] == june.paragraphs[0]  # the same as-of day: the same headline
    assert quarter.paragraphs[1] == f"第二季度（4—6月），全市新增知识产权质押融资0.45亿元，{q2['loans']}笔。"
    assert year.title == "2025年度全市知识产权质押融资工作通报" and year.as_of == dt.date(2025, 12, 31)
    assert year.paragraphs[1].startswith("全年（1—12月），全市新增知识产权质押融资0.73亿元")
    text = [p.text for p in Document(io.BytesIO(bulletin.to_docx(quarter))).paragraphs]
    assert "2025年第二季度全市知识产权质押融资工作通报" in text


def test_cli_writes_the_quarterly_bulletin_and_refuses_a_month_that_ends_no_quarter(city, tmp_path):
    out = tmp_path / "季度.docx"
    hidden = {**without_chart_packages(tmp_path), "BROWSER_PATH": ""}
    args = ("bulletin", "--year", "2025", "--kind", "quarter", "--out", str(out))
    result = run(*args, "--month", "6", db=city.path, env=hidden)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2025年第二季度全市知识产权质押融资工作通报" in [p.text for p in Document(str(out)).paragraphs]
    refused = run(*args, "--month", "5", db=city.path, env=hidden)
    assert refused.returncode == 1 and "季末月份" in refused.stderr
