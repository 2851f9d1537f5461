"""The layout of an official document (公文) per GB/T 9704-2012, for python-docx documents: A4 and
its margins, the fonts and sizes of title, body and the heading levels, fixed line spacing,
page numbers "— 1 —" outside the text block (odd pages right, even pages left), landscape
sections for wide attachments and tables whose name columns stay on one line.

East-Asian fonts are named through w:rFonts eastAsia, so Word and WPS use them where installed
and substitute otherwise; digits and Latin letters take LATIN (ascii/hAnsi)."""

from __future__ import annotations

from collections.abc import Sequence

from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TOP, BOTTOM, LEFT, RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
FOOTER_DISTANCE = Mm(25)  # the page number sits about 7 mm below the text block

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN = "Times New Roman"

TITLE_SIZE = 22.0  # 2号
BODY_SIZE = 16.0  # 3号
PAGE_NUMBER_SIZE = 14.0  # 4号
TABLE_SIZE = 10.5  # 5号
LINE = Pt(28.95)  # 22 lines in the 225 mm text block


def fonts(run, east_asian: str, size: float, bold: bool = False, latin: str = LATIN) -> None:
    """A run in `east_asian` for Chinese and `latin` for digits and Latin letters, at `size` points."""
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = latin  # python-docx sets ascii and hAnsi
    properties = run._element.get_or_add_rPr()
    rfonts = properties.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        properties.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:cs"), latin)


def a4(section, landscape: bool = False) -> None:
    """A4 with the standard's margins; a landscape section turns the page and keeps the binding
    margin on the same edge of the paper."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    if landscape:
        section.page_width, section.page_height = PAGE_HEIGHT, PAGE_WIDTH
        section.top_margin, section.bottom_margin = LEFT, RIGHT
        section.left_margin, section.right_margin = BOTTOM, TOP
    else:
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin, section.bottom_margin = TOP, BOTTOM
        section.left_margin, section.right_margin = LEFT, RIGHT
    section.footer_distance = FOOTER_DISTANCE


def text_width(section) -> int:
    return section.page_width - section.left_margin - section.right_margin


def new_document():
    """An empty A4 document whose Normal style is the body: 3号 仿宋_GB2312, exact 28.95 pt lines."""
    from docx import Document

    document = Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_SIZE)
    normal.font.name = LATIN
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    rfonts.set(qn("w:eastAsia"), BODY_FONT)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    a4(document.sections[0])
    return document


def _line(paragraph, exact: bool = True) -> None:
    fmt = paragraph.paragraph_format
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)


def paragraph(document, text: str, font: str = BODY_FONT, size: float = BODY_SIZE, align=None, indent: bool = True):
    """A paragraph of one run; `indent` is the two-character first-line indent of body text."""
    para = document.add_paragraph()
    _line(para)
    if align is not None:
        para.alignment = align
    if indent:
        para.paragraph_format.first_line_indent = Pt(size * 2)
    if text:
        fonts(para.add_run(text), font, size)
    return para


def body(document, text: str):
    return paragraph(document, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY)


def blank(document):
    return paragraph(document, "", indent=False)


def title(document, text: str):
    """The title: 2号 方正小标宋简体, centred, on lines of its own size."""
    para = document.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = para.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(35)
    fmt.space_before = fmt.space_after = Pt(0)
    fonts(para.add_run(text), TITLE_FONT, TITLE_SIZE)
    return para


HEADING_FONTS = {1: H1_FONT, 2: H2_FONT, 3: BODY_FONT}


def heading(document, text: str, level: int):
    """一、 in 黑体, （一） in 楷体_GB2312, 1. in 仿宋_GB2312; all 3号, indented like body text."""
    return paragraph(document, text, font=HEADING_FONTS[level])


def _field(paragraph, instruction: str, font: str, size: float) -> None:
    """A field (PAGE, NUMPAGES) as begin / instruction / separate / result / end runs."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None), ("text", "1"), ("end", None)):
        run = paragraph.add_run()
        fonts(run, font, size)
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
        elif kind == "text":
            run.text = text or ""
            continue
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._element.append(element)


def _page_number(footer, align, para=None) -> None:
    para = para if para is not None else (footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph())
    para.alignment = align
    fmt = para.paragraph_format
    # one character in from the text block's edge, as the standard asks
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = Pt(PAGE_NUMBER_SIZE)
    else:
        fmt.left_indent = Pt(PAGE_NUMBER_SIZE)
    fonts(para.add_run("— "), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    _field(para, "PAGE", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    fonts(para.add_run(" —"), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)


def page_numbers(document) -> None:
    """ "— n —" in 4号 宋体 on every section: odd pages right, even pages left."""
    document.settings.odd_and_even_pages_header_footer = True
    for section in document.sections:
        section.footer.is_linked_to_previous = False
        section.even_page_footer.is_linked_to_previous = False
        for paragraph_ in list(section.footer.paragraphs):
            paragraph_._element.getparent().remove(paragraph_._element)
        for paragraph_ in list(section.even_page_footer.paragraphs):
            paragraph_._element.getparent().remove(paragraph_._element)
        _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
        _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)


def new_section(document, landscape: bool):
    from docx.enum.section import WD_SECTION

    section = document.add_section(WD_SECTION.NEW_PAGE)
    a4(section, landscape)
    return section


def display_width(text: str) -> float:
    """The width of `text` in character cells: a CJK character is one, a digit or Latin letter half."""
    return sum(1.0 if ord(c) > 0x2E7F else 0.55 for c in str(text))


def column_widths(
    header: Sequence[str], rows: Sequence[Sequence[str]], available: int, size: float, natural: bool = False
) -> list[int]:
    """Widths (EMU) that give every column its longest cell on one line when the page allows,
    sharing what is left in proportion; the header may wrap at half its width."""
    char = Pt(size)
    padding = Pt(size * 1.0)
    needs = []
    for i, name in enumerate(header):
        longest = max((display_width(row[i]) for row in rows), default=0.0)
        needs.append(max(longest, display_width(name) / 2, 2.0) * char + padding)
    total = sum(needs)
    if natural:
        return [int(n) for n in needs]
    if total <= available:
        spare = available - total
        return [int(n + spare * n / total) for n in needs]
    return [int(n * available / total) for n in needs]


def picture(document, data: bytes, width: int):
    """A picture on a paragraph of its own, with single line spacing so that it is not clipped."""
    import io

    para = document.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.line_spacing = 1.0
    para.paragraph_format.space_before = para.paragraph_format.space_after = Pt(0)
    para.add_run().add_picture(io.BytesIO(data), width=width)
    return para


def _no_wrap(cell) -> None:
    properties = cell._tc.get_or_add_tcPr()
    element = OxmlElement("w:noWrap")
    properties.append(element)


def table(document, header: Sequence[str], rows: Sequence[Sequence[str]], available: int, size: float = TABLE_SIZE):
    """A grid table in 5号: header in 黑体, cells in 仿宋_GB2312, numbers centred, widths by content."""
    widths = column_widths(header, rows, available, size)
    grid = document.add_table(rows=1, cols=len(header))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for column, width in zip(grid.columns, widths):
        column.width = width  # w:gridCol, which LibreOffice and WPS read
    for row_index, values in enumerate([header, *rows]):
        cells = grid.rows[0].cells if row_index == 0 else grid.add_row().cells
        font = H1_FONT if row_index == 0 else BODY_FONT
        for cell, value, width in zip(cells, values, widths):
            cell.width = width
            para = cell.paragraphs[0]
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            para.paragraph_format.line_spacing = 1.0
            para.paragraph_format.first_line_indent = Pt(0)
            para.paragraph_format.space_before = para.paragraph_format.space_after = Pt(0)
            fonts(para.add_run(str(value)), font, size)
            if row_index:
                _no_wrap(cell)
    return grid


def natural_width(header: Sequence[str], rows: Sequence[Sequence[str]], size: float = TABLE_SIZE) -> int:
    """What a table needs to keep every cell on one line."""
    return sum(column_widths(header, rows, 0, size, natural=True))


def landscape_needed(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bool:
    return natural_width(header, rows) > PAGE_WIDTH - LEFT - RIGHT


RED = "FF0000"


def _border(paragraph, edge: str, size_eighths: int, color: str) -> None:
    """A rule along the paragraph's `edge` (top, bottom), `size_eighths` eighths of a point thick."""
    properties = paragraph._p.get_or_add_pPr()
    borders = properties.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        properties.append(borders)
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), color)
    borders.append(line)


def letterhead(document, office: str, doc_number: str) -> None:
    """版头: the issuing office in red 方正小标宋简体, the 文号 centred, a red rule below."""
    from docx.shared import RGBColor

    para = document.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.space_before = Mm(8)
    para.paragraph_format.space_after = Pt(0)
    para.paragraph_format.line_spacing = 1.0
    run = para.add_run(office)
    fonts(run, TITLE_FONT, 36 if len(office) <= 12 else 28)
    run.font.color.rgb = RGBColor(0xFF, 0, 0)
    blank(document)
    number = paragraph(document, doc_number, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _border(number, "bottom", 18, RED)
    blank(document)


def signature(document, office: str, date_text: str) -> None:
    """The issuing office and the date (Arabic numerals), right-aligned four characters in."""
    blank(document)
    for text in (office, date_text):
        para = paragraph(document, text, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        para.paragraph_format.right_indent = Pt(BODY_SIZE * 4)


def imprint(document, copy_to: str, printer: str, printed: str) -> None:
    """版记 at the foot of an even page: a last section that starts on an even page and carries
    抄送 and 印发 (4号 仿宋, between rules, the first and last thicker) in its footers, above the
    page number. Call after page_numbers."""
    from docx.enum.section import WD_SECTION

    size = PAGE_NUMBER_SIZE
    section = document.add_section(WD_SECTION.EVEN_PAGE)
    a4(section)
    blank(document)
    lines = []
    if copy_to.strip():
        lines.append(f"抄送：{copy_to.strip().rstrip('。')}。")
    lines.append(f"{printer}\u3000\u3000{printed}印发")
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        for old in list(footer.paragraphs):
            old._element.getparent().remove(old._element)
        for i, text in enumerate(lines):
            para = footer.add_paragraph()
            _line(para)
            para.paragraph_format.left_indent = para.paragraph_format.right_indent = Pt(size)
            fonts(para.add_run(text), BODY_FONT, size)
            if i == 0:
                _border(para, "top", 8, "000000")
            _border(para, "bottom", 8 if i == len(lines) - 1 else 4, "000000")
        spacer = footer.add_paragraph()
        _line(spacer)
        _page_number(footer, align, footer.add_paragraph())
