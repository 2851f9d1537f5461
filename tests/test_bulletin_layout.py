"""The Word bulletin as an official document (GB/T 9704-2012), read back with python-docx: A4 and
its margins, the fonts and sizes of title, body and headings, exact line spacing, page numbers
in odd and even footers."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from pledge import bulletin
from tests.fixtures import city_in


@pytest.fixture(scope="module")
def word(tmp_path_factory):
    store = city_in(tmp_path_factory.mktemp("layout"))
    with store.read() as con:
        report = bulletin.build(con, 2025, 6)
    return Document(io.BytesIO(bulletin.to_docx(report)))


def mm(*lengths) -> tuple[float, ...]:
    return tuple(round(length.mm, 1) for length in lengths)  # Word keeps twips: 210 mm is 209.99


def east_asian(run) -> str | None:
    fonts = run._element.rPr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def paragraph(word, text: str):
    return next(p for p in word.paragraphs if p.text == text)


def test_a4_with_the_standards_margins(word):
    section = word.sections[0]
    assert mm(section.page_width, section.page_height) == (210, 297)
    assert mm(section.top_margin, section.bottom_margin, section.left_margin, section.right_margin) == (37, 35, 28, 26)


def test_title_is_22pt_xiaobiaosong_centred(word):
    title = word.paragraphs[0]
    assert title.text == "2025年6月全市知识产权质押融资工作通报"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    (run,) = title.runs
    assert run.font.size == Pt(22) and east_asian(run) == "方正小标宋简体"


def test_body_is_16pt_fangsong_exact_lines_two_character_indent_latin_digits(word):
    body = next(p for p in word.paragraphs if p.text.startswith("截至2025年6月30日"))
    (run,) = body.runs
    assert run.font.size == Pt(16) and east_asian(run) == "仿宋_GB2312"
    assert run.font.name == "Times New Roman"  # digits in a Latin font (ascii / hAnsi)
    fmt = body.paragraph_format
    assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert Pt(28) <= fmt.line_spacing <= Pt(29)
    assert fmt.first_line_indent == Pt(32)


def test_first_level_headings_are_heiti(word):
    heading = next(p for p in word.paragraphs if p.text.startswith("一、"))
    (run,) = heading.runs
    assert east_asian(run) == "黑体" and run.font.size == Pt(16)


def footer_xml(footer) -> str:
    return footer._element.xml


def test_page_numbers_dash_page_dash_odd_right_even_left(word):
    assert word.settings.odd_and_even_pages_header_footer
    for section in word.sections:
        odd, even = section.footer, section.even_page_footer
        for footer, align in ((odd, WD_ALIGN_PARAGRAPH.RIGHT), (even, WD_ALIGN_PARAGRAPH.LEFT)):
            (para,) = footer.paragraphs
            assert para.alignment == align
            assert "PAGE" in "".join(t.text for t in para._element.iter(qn("w:instrText")))
            assert [f.get(qn("w:fldCharType")) for f in para._element.iter(qn("w:fldChar"))] == [
                "begin",
                "separate",
                "end",
            ]
            assert para.text.startswith("— ") and para.text.endswith(" —")
            assert {east_asian(r) for r in para.runs} == {"宋体"} and {r.font.size for r in para.runs} == {Pt(14)}


def test_table_name_columns_are_wide_enough_for_one_line(word):
    ranking = word.tables[0]
    names = [row.cells[2].text for row in ranking.rows[1:]]
    assert "高新技术产业开发区" in names
    width = ranking.rows[1].cells[2].width
    assert width >= Pt(10.5) * len("高新技术产业开发区")
    assert all(c._tc.tcPr.find(qn("w:noWrap")) is not None for c in ranking.rows[1].cells)
