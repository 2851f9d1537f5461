"""The Word bulletin as an official document (GB/T 9704-2012), read back with python-docx: A4 and
its margins, the fonts and sizes of title, body and headings, exact line spacing, page numbers
in odd and even footers."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from pledge import bulletin
from pledge.issuing import Letterhead
from tests.fixtures import city_in

HEAD = Letterhead(office="某市市场监督管理局", number_pattern="某市监知〔{年}〕{号}号", copy_to="市金融工作局")
EDITED_PROBLEMS = "一是东湖区进度明显滞后，需重点督导。\n\n二是部分银行首贷拓展不足。"
EDITED_REQUIREMENTS = "（一）压实区县责任。请东湖区十日内报送整改措施。\n（二）做好数据报送。每月5日前报送台账。"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    store = city_in(tmp_path_factory.mktemp("layout"))
    with store.read() as con:
        return bulletin.build(con, 2025, 6)


@pytest.fixture(scope="module")
def word(report):
    edited = report.edited(EDITED_PROBLEMS, EDITED_REQUIREMENTS)
    data = bulletin.to_docx(edited, head=HEAD, doc_number="某市监知〔2025〕12号", issued_on=dt.date(2025, 7, 8))
    return Document(io.BytesIO(data))


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
    title = paragraph(word, "2025年6月全市知识产权质押融资工作通报")
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
            para = footer.paragraphs[-1]  # the last section's footers hold the 版记 above it
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


def test_letterhead_number_main_to_signature_and_imprint(word):
    text = [p.text for p in word.paragraphs]
    assert text[0] == "某市市场监督管理局"
    (run,) = word.paragraphs[0].runs
    assert east_asian(run) == "方正小标宋简体" and str(run.font.color.rgb) == "FF0000"
    number = paragraph(word, "某市监知〔2025〕12号")
    assert number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert number._p.pPr.find(qn("w:pBdr")) is not None  # the red rule under the 文号
    assert text.index("某市监知〔2025〕12号") < text.index("2025年6月全市知识产权质押融资工作通报")
    assert "各区县市场监督管理局，各有关金融机构：" in text  # 主送, the default
    assert "2025年7月8日" in text  # signed in Arabic numerals
    # 版记: at the foot of an even page, in the footers of a last section that starts on one
    last = word.sections[-1]
    assert last.start_type == WD_SECTION.EVEN_PAGE and last.orientation == WD_ORIENT.PORTRAIT
    for footer in (last.footer, last.even_page_footer):
        lines = [p.text for p in footer.paragraphs]
        assert lines[:2] == ["抄送：市金融工作局。", "示例市市场监督管理局办公室\u3000\u30002025年7月8日印发"]
        assert lines[-1].startswith("— ") and lines[-1].endswith(" —")  # the page number stays below
        assert {r.font.size for p in footer.paragraphs[:2] for r in p.runs} == {Pt(14)}


def test_five_parts_in_order_with_the_analysts_text(word):
    text = [p.text for p in word.paragraphs]
    parts = ["一、总体情况", "二、各地进展", "三、金融机构情况", "四、存在问题", "五、下步工作要求"]
    assert [text.index(p) for p in parts] == sorted(text.index(p) for p in parts)
    assert text[text.index("四、存在问题") + 1 : text.index("五、下步工作要求")] == [
        "一是东湖区进度明显滞后，需重点督导。",
        "二是部分银行首贷拓展不足。",
    ]
    first = paragraph(word, "（一）压实区县责任。请东湖区十日内报送整改措施。")
    assert [east_asian(r) for r in first.runs] == ["楷体_GB2312", "仿宋_GB2312"]
    assert first.runs[0].text == "（一）压实区县责任。"
    assert "附件：1. 各区县知识产权质押融资目标完成情况排名表" in text


def test_second_and_third_level_heading_fonts(report):
    edited = report.edited("问题。", "（一）标题。正文。\n1. 细项。")
    document = Document(io.BytesIO(bulletin.to_docx(edited)))
    second = paragraph(document, "（一）标题。正文。")
    assert east_asian(second.runs[0]) == "楷体_GB2312" and second.runs[0].font.size == Pt(16)
    third = paragraph(document, "1. 细项。")
    assert {east_asian(r) for r in third.runs} == {"仿宋_GB2312"}


def test_district_table_attachment_is_landscape(word):
    text = [p.text for p in word.paragraphs]
    assert "附件1" in text and "各区县知识产权质押融资目标完成情况排名表" in text
    assert word.sections[0].orientation == WD_ORIENT.PORTRAIT
    ranking = word.tables[0]
    landscape = [s for s in word.sections if s.orientation == WD_ORIENT.LANDSCAPE]
    assert landscape, "the ten-column ranking needs a landscape page"
    for s in landscape:
        assert mm(s.page_width, s.page_height) == (297, 210)
    # the ranking is the first table and lives in the second section (the first attachment)
    second = word.sections[1]
    assert second.orientation == WD_ORIENT.LANDSCAPE
    assert any(item._element is ranking._element for item in second.iter_inner_content())
    assert ranking.rows[0].cells[2].text == "区县"
