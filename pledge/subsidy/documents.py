"""The 公示 list ready to publish (.xlsx and .docx) and the payment list per district (.xlsx)."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from pledge.export import xlsx_bytes
from pledge.formats import date_cn

MONEY = "#,##0.00"


def public_title(year: int) -> str:
    return f"{year}年度知识产权质押贷款贴息拟支持名单"


def public_xlsx(frame: pd.DataFrame, year: int) -> bytes:
    return xlsx_bytes({public_title(year)[:31]: frame}, {"贷款金额(万元)": MONEY, "贴息及补贴金额(万元)": MONEY})


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _paragraph(document, text: str, size: float = 14, font: str = "仿宋_GB2312", align=None, bold=False, indent=True):
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    _font(paragraph.add_run(text), font, size, bold)
    return paragraph


def public_docx(frame: pd.DataFrame, year: int, office: str, days: int = 5, today: dt.date | None = None) -> bytes:
    """The notice: title, the paragraph that says what and for how long, the table, the office and date."""
    today = today or dt.date.today()
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(26)
    _paragraph(
        document, f"关于{public_title(year)}的公示", 20, "方正小标宋简体", WD_ALIGN_PARAGRAPH.CENTER, indent=False
    )
    total = frame["贴息及补贴金额(万元)"].sum() if len(frame) else 0.0
    _paragraph(
        document,
        f"根据本年度知识产权质押贷款贴息政策，经企业申报、区县初审、市级复核，拟对以下{len(frame)}家次企业的"
        f"知识产权质押贷款给予贴息及费用补贴，合计{total:,.2f}万元，现予公示。公示期为{days}个工作日，"
        "如有异议，请在公示期内以书面形式向我局反映，并提供必要的证明材料。",
    )
    table = document.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, frame.columns):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(str(name)), "黑体", 10.5)
    for values in frame.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, values):
            text = f"{value:,.2f}" if isinstance(value, float) else str(value)
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), "仿宋_GB2312", 10.5)
            if isinstance(value, (int, float)):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _paragraph(document, "", indent=False)
    _paragraph(document, office, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _paragraph(document, date_cn(today), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def payment_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Per district: enterprises, claims, approved and paid (万元)."""
    if frame.empty:
        return pd.DataFrame(columns=["所属区县", "企业(家)", "笔数", "核定金额(万元)", "已拨付(万元)", "待拨付(万元)"])
    paid = frame["核定金额(万元)"].where(frame["状态"] == "已拨付", 0.0)
    grouped = (
        frame.assign(paid=paid)
        .groupby("所属区县", sort=False)
        .agg(
            enterprises=("统一社会信用代码", "nunique"),
            claims=("企业名称", "size"),
            approved=("核定金额(万元)", "sum"),
            paid=("paid", "sum"),
        )
        .reset_index()
    )
    grouped["waiting"] = grouped["approved"] - grouped["paid"]
    return grouped.rename(
        columns={
            "enterprises": "企业(家)",
            "claims": "笔数",
            "approved": "核定金额(万元)",
            "paid": "已拨付(万元)",
            "waiting": "待拨付(万元)",
        }
    )


def payment_xlsx(frame: pd.DataFrame) -> bytes:
    """汇总 by district, then one sheet per district with its claims, for each district's finance office."""
    sheets = {"各区县汇总": payment_totals(frame)}
    for district, part in frame.groupby("所属区县", sort=False):
        sheets[str(district)[:31]] = part.reset_index(drop=True)
    money = {c: MONEY for c in ("核定金额(万元)", "已拨付(万元)", "待拨付(万元)", "贷款金额(万元)")}
    return xlsx_bytes(sheets, money)
