"""Issuing the bulletin (签发) on the 月度通报 page: the 文号 runs per year, the archived file is
the one sent, the analyst's 存在问题 and 下步工作要求 are what the file carries, and only an admin
edits the letterhead and 版记."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from docx import Document
from streamlit.testing.v1 import AppTest

from pledge import auth, bulletin, issuing
from tests.fixtures import without_chart_packages

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "app_pages/bulletin.py")


@pytest.fixture
def accounts(city):
    auth.add_user(city, "leader", "password-1", "viewer")
    auth.add_user(city, "analyst", "password-2", "analyst")
    auth.add_user(city, "admin", "password-3", "admin")
    return city


def page(db: Path, monkeypatch, tmp_path, user: auth.User) -> AppTest:
    monkeypatch.setenv("PLEDGE_DB", str(db))
    for name, value in without_chart_packages(tmp_path).items():  # no chromium: quick, charts left out
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state["user"] = user
    return at.run()


def test_issuing_advances_the_number_and_archives_the_edited_file(accounts, monkeypatch, tmp_path):
    at = page(accounts.path, monkeypatch, tmp_path, auth.authenticate(accounts, "analyst", "password-2"))
    assert not at.exception and not at.error
    year = dt.date.today().year
    assert any(f"示市监知〔{year}〕1号" in m.value for m in at.markdown)
    at.text_area(key="bulletin_problems_month_2025_7").set_value("一是东湖区严重滞后。\n二是首贷不足。")
    at.text_area(key="bulletin_requirements_month_2025_7").set_value("（一）限期整改。东湖区本月底前报送措施。")
    at.run()
    assert any("一是东湖区严重滞后。" in m.value for m in at.markdown)  # the preview follows the edit
    at.button(key="bulletin_issue").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success][0].startswith(f"已签发示市监知〔{year}〕1号")
    assert any(f"示市监知〔{year}〕2号" in m.value for m in at.markdown)  # the next one
    at.button(key="bulletin_issue").click().run()
    with accounts.read() as con:
        issued = issuing.issued(con)
        first = issuing.issued_file(con, year, 1)
    assert list(issued["doc_number"]) == [f"示市监知〔{year}〕2号", f"示市监知〔{year}〕1号"]
    assert list(issued["user_name"]) == ["analyst", "analyst"]
    assert hashlib.sha256(first).hexdigest() == issued["sha256"].iloc[1]
    text = [p.text for p in Document(io.BytesIO(first)).paragraphs]
    assert f"示市监知〔{year}〕1号" in text
    assert "一是东湖区严重滞后。" in text and "二是首贷不足。" in text
    assert "（一）限期整改。东湖区本月底前报送措施。" in text
    # the list offers the newest for download, under the name it was archived with
    buttons = {b.label: b for b in at.get("download_button")}
    assert "下载签发原件（Word）" in buttons
    assert [s.value for s in at.selectbox if s.key == "bulletin_issued_pick"]


def test_a_viewer_cannot_issue_or_edit_the_letterhead(accounts, monkeypatch, tmp_path):
    at = page(accounts.path, monkeypatch, tmp_path, auth.authenticate(accounts, "leader", "password-1"))
    assert not at.exception
    assert not [b for b in at.button if b.key == "bulletin_issue"]
    assert any("签发需分析员或管理员账户" in c.value for c in at.caption)
    assert not at.text_input  # the letterhead is shown, not offered for editing


def test_an_admin_edits_the_letterhead_and_the_next_file_carries_it(accounts, monkeypatch, tmp_path):
    at = page(accounts.path, monkeypatch, tmp_path, auth.authenticate(accounts, "admin", "password-3"))
    at.text_input(key="letterhead_office").input("某市市场监督管理局")
    at.text_input(key="letterhead_number_pattern").input("某市监知〔{年}〕{号}号")
    at.text_input(key="letterhead_copy_to").input("市金融工作局")
    at.button[[b.label for b in at.button].index("保存")].click().run()
    assert not at.exception and [s.value for s in at.success] == ["已保存版头与版记设置"]
    with accounts.read() as con:
        head = issuing.letterhead(con)
    assert head.office == "某市市场监督管理局" and head.copy_to == "市金融工作局"
    at.button(key="bulletin_issue").click().run()
    with accounts.read() as con:
        data = issuing.issued_file(con, dt.date.today().year, 1)
    document = Document(io.BytesIO(data))
    text = [p.text for p in document.paragraphs]
    assert text[0] == "某市市场监督管理局" and f"某市监知〔{dt.date.today().year}〕1号" in text
    assert "抄送：市金融工作局。" in [p.text for p in document.sections[-1].even_page_footer.paragraphs]  # 版记


def test_a_pattern_without_the_number_is_refused(accounts, monkeypatch, tmp_path):
    at = page(accounts.path, monkeypatch, tmp_path, auth.authenticate(accounts, "admin", "password-3"))
    at.text_input(key="letterhead_number_pattern").input("某市监知〔{年}〕号")
    at.button[[b.label for b in at.button].index("保存")].click().run()
    assert any("文号格式须含" in e.value for e in at.error)
    with accounts.read() as con:
        assert issuing.letterhead(con) == issuing.Letterhead()


def test_the_numbers_run_per_year_of_issue(city):
    def make(head, number, on):
        return f"{number}".encode()

    for on in (dt.date(2025, 12, 30), dt.date(2025, 12, 31), dt.date(2026, 1, 5)):
        issuing.issue(city, make, 2025, 11, "t", dt.date(2025, 11, 30), "stem", "u", today=on)
    with city.read() as con:
        issued = issuing.issued(con)
        assert issuing.issued_file(con, 2026, 1) == "示市监知〔2026〕1号".encode()
    assert list(zip(issued["year"], issued["number"])) == [(2026, 1), (2025, 2), (2025, 1)]


def test_bulletin_module_has_no_streamlit():
    assert (
        "streamlit" not in Path(bulletin.__file__).read_text() and "streamlit" not in Path(issuing.__file__).read_text()
    )


def test_a_quarterly_bulletin_from_the_page_is_issued_with_its_title(accounts, monkeypatch, tmp_path):
    at = page(accounts.path, monkeypatch, tmp_path, auth.authenticate(accounts, "analyst", "password-2"))
    at.button_group(key="bulletin_kind").set_value(bulletin.QUARTERLY).run()
    assert not at.exception
    assert at.selectbox(key="bulletin_quarter").value == 9  # the city's latest loan is of July
    at.selectbox(key="bulletin_quarter").set_value(6).run()
    assert any("2025年第二季度全市知识产权质押融资工作通报" in m.value for m in at.markdown)
    at.button(key="bulletin_issue").click().run()
    with accounts.read() as con:
        (title,) = issuing.issued(con)["title"]
    assert title == "2025年第二季度全市知识产权质押融资工作通报"
    at.button_group(key="bulletin_kind").set_value(bulletin.ANNUAL).run()
    assert any("2025年度全市知识产权质押融资工作通报" in m.value for m in at.markdown)
