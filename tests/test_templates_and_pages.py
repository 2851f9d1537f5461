"""Templates banks fill in, the targets page, and the bulletin page without a browser to draw charts."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
from docx import Document
from streamlit.testing.v1 import AppTest

from etl import compose, kinds, pipeline, templates
from pledge import bulletin, render
from tests.fixtures import without_chart_packages, write

ROOT = Path(__file__).resolve().parent.parent


def test_ledger_template_has_drop_downs_and_its_example_row_is_skipped(store, tmp_path):
    data = templates.ledger_template(["东湖区", "西山区"], 2026)
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["填报表"]
    validations = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert validations["C3"] == "选项!$A$1:$A$2" and validations["E3"].startswith("选项!$B$1")
    assert book["选项"].sheet_state == "hidden"
    # filled in by a bank: the example row stays, one real row is added
    sheet.append(
        [
            "甲科技有限公司",
            "91110000710925462X",
            "东湖区",
            "工行东湖支行",
            "发明专利",
            "ZL201310699744.2",
            1,
            "Y2026000000099",
            dt.date(2026, 3, 1),
            800,
            dt.date(2026, 3, 9),
            12,
            3.2,
            "是",
            None,
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    parsed, result = pipeline.import_path(store, write(tmp_path, "filled.xlsx", buffer.getvalue()), user="bank")
    assert result is not None and result.counts["new"] == 1  # the 【示例行】 was skipped
    assert parsed.rows_skipped >= 1


def test_targets_template_lists_every_district_and_loads_once_filled(store, tmp_path):
    data = kinds.get("targets").template(["东湖区", "西山区"], 2026)
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["填报表"]
    assert [sheet.cell(row=r, column=1).value for r in (3, 4, 5)] == ["全市", "东湖区", "西山区"]
    for row, value in ((3, 3.0), (4, 1.5), (5, 1.2)):
        sheet.cell(row=row, column=2, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    parsed, result = pipeline.import_path(store, write(tmp_path, "targets.xlsx", buffer.getvalue()), user="analyst")
    assert result is not None and parsed.year == 2026 and result.counts["new"] == 3


def test_targets_page_shows_the_year_and_offers_last_years_as_a_start(city, monkeypatch):
    monkeypatch.setenv("PLEDGE_DB", str(city.path))
    at = AppTest.from_file(str(ROOT / "app_pages/targets.py"), default_timeout=60).run()
    assert not at.exception and at.title[0].value == "年度目标"
    at.selectbox(key="targets_year").set_value(2026).run()
    assert any("2026年还没有目标" in i.value for i in at.info)
    at.button(key="copy_targets").click().run()
    assert not at.exception
    assert at.session_state["targets_start_2026"].set_index("name").loc["东湖区", "loan_amount"] == 1.0
    at.selectbox(key="targets_year").set_value(2025).run()
    assert not any("还没有目标" in i.value for i in at.info)


def test_bulletin_page_without_chromium_still_works_and_says_what_to_install(city, monkeypatch, tmp_path):
    monkeypatch.setenv("PLEDGE_DB", str(city.path))
    for name, value in without_chart_packages(tmp_path).items():  # what render.missing() finds out itself
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    at = AppTest.from_file(str(ROOT / "app_pages/bulletin.py"), default_timeout=60).run()
    assert not at.exception and not at.error
    notes = [i.value for i in at.info]
    assert any(
        "chromium（" in n and "fonts-noto-cjk（" in n and "sudo apt-get install chromium fonts-noto-cjk" in n
        for n in notes
    ), notes
    assert at.title[0].value == "月度通报"
    assert any("2025年7月全市知识产权质押融资工作通报" in m.value for m in at.markdown)
    labels = [b.label for b in at.get("download_button")]
    assert "通报（Word，不含图表）" in labels and "通报表格（Excel）" in labels
    assert not [b for b in at.button if "生成Word通报" in b.label]
    with city.read() as con:  # the file behind that button says it has no charts
        made = bulletin.word(bulletin.build(con, 2025, 7))
    document = Document(io.BytesIO(made.data))
    text = [p.text for p in document.paragraphs]
    title = text.index("2025年7月全市知识产权质押融资工作通报")  # under the 版头
    assert text[title + 2] == "（本服务器未安装图表导出组件，本通报不含图表。）"
    assert len(document.inline_shapes) == 0 and made.missing == ["chromium", "fonts-noto-cjk"]


def test_bulletin_page_says_when_drawing_the_charts_fails_and_still_gives_the_word_file(city, monkeypatch):
    monkeypatch.setenv("PLEDGE_DB", str(city.path))
    monkeypatch.setattr(render, "missing", lambda: [])

    def broken(report):
        raise RuntimeError("浏览器启动超时")

    monkeypatch.setattr(bulletin, "render_images", broken)
    at = AppTest.from_file(str(ROOT / "app_pages/bulletin.py"), default_timeout=60).run()
    assert not at.info and not at.error
    at.button(key="bulletin_make_docx").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["图表绘制失败：浏览器启动超时。已生成不含图表的Word通报。"]
    assert "下载Word通报（不含图表）" in [b.label for b in at.get("download_button")]
    made = at.session_state["bulletin_docx_made"][1]
    document = Document(io.BytesIO(made.data))
    text = [p.text for p in document.paragraphs]
    assert text[text.index("2025年7月全市知识产权质押融资工作通报") + 2] == "（图表生成失败，本通报不含图表。）"
    assert len(document.inline_shapes) == 0


def test_compose_keeps_the_grid_as_an_archived_spreadsheet(city):
    import pandas as pd

    grid = pd.DataFrame(
        {
            "name": ["全市", "东湖区"],
            "loan_amount": [2.0, 1.0],
            "invention_patents": [None, 2],
            "enterprises": [None, None],
            "first_time_enterprises": [None, None],
        }
    )
    parsed, result = compose.save_targets(city, 2025, grid, "analyst")
    with city.read() as con:
        archive = con.execute("SELECT archive_path FROM batches WHERE id = ?", [result.batch_id]).fetchall()[0][0]
    assert zipfile.is_zipfile(city.path.parent / archive)
