"""月度通报: the monthly bulletin, composed from the metrics layer in the register of a
government bulletin, and written as .docx (python-docx) and .xlsx. No number is typed here:
every figure is read from a metrics result and formatted.

Its tables hold numbers (amounts in 亿元 or 万元, rates as ratios, counts); COLUMNS says how each
reads on screen and in Word, and which number format it carries in Excel, where it stays a number."""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import plotly.graph_objects as go

from pledge import charts, formats, gbt9704, metrics, narrative, periods, render
from pledge.catalogue import AHEAD, BEHIND, SLIGHTLY_BEHIND, WAN, YI
from pledge.export import xlsx_bytes

NO_CHARTS = "（本服务器未安装图表导出组件，本通报不含图表。）"
CHARTS_FAILED = "（图表生成失败，本通报不含图表。）"
log = logging.getLogger(__name__)

# A table column: how its values read on screen and in Word (None: as they are), its Excel number format.
_YI = (lambda v: f"{v:.2f}", "0.00")
_WAN = (lambda v: f"{v:,.2f}", "#,##0.00")
_RATE = (formats.pct, "0.0%")
_CHANGE = (formats.signed_pct, "+0.0%;-0.0%;0.0%")
_COUNT = (None, "0")
COLUMNS = {
    "排名": _COUNT,
    "序号": _COUNT,
    "笔数": _COUNT,
    "发明专利(件)": _COUNT,
    "惠及企业(家)": _COUNT,
    "首贷企业(家)": _COUNT,
    "质押融资(亿元)": _YI,
    "年度目标(亿元)": _YI,
    "融资额(亿元)": _YI,
    "融资额(万元)": _WAN,
    "完成率": _RATE,
    "占比": _RATE,
    "同比": _CHANGE,
    "首贷日期": (lambda d: f"{d:%Y-%m-%d}", "yyyy-mm-dd"),
}


@dataclass
class Bulletin:
    year: int
    month: int
    as_of: dt.date
    title: str
    paragraphs: list[str]
    ranking: pd.DataFrame  # in rank order; every table reads as COLUMNS says
    lagging: list[str]
    enterprises: pd.DataFrame
    banks: pd.DataFrame
    first_time: pd.DataFrame
    charts: dict[str, go.Figure] = field(default_factory=dict)

    @property
    def file_stem(self) -> str:
        return f"{self.year}年{self.month}月知识产权质押融资通报"


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """A table of the bulletin as it reads on screen and in Word: numbers formatted, missing as —."""
    frame = frame.copy()
    for name in frame.columns:
        show = COLUMNS.get(name, (None, ""))[0]
        if show is not None:
            frame[name] = frame[name].map(lambda v, show=show: "—" if pd.isna(v) else show(v))
    return frame


def _headline(city: pd.Series, tp: float, as_of: dt.date) -> str:
    text = f"截至{formats.date_cn(as_of)}，全市累计完成知识产权质押融资{city['loan_amount'] / YI:.2f}亿元"
    if pd.notna(city["t_loan_amount"]):
        text += (
            f"，完成年度目标（{city['t_loan_amount'] / YI:.2f}亿元）的{formats.pct(city['c_loan_amount'])}，"
            f"序时进度为{formats.pct(tp)}，{narrative.position(city['c_loan_amount'], tp)}"
        )
    text += narrative.yoy_phrase(city["yoy_loan_amount"]) + "。"
    text += f"累计质押发明专利{int(city['invention_patents'])}件"
    if pd.notna(city["t_invention_patents"]):
        text += f"，完成年度目标的{formats.pct(city['c_invention_patents'])}"
    text += f"；惠及企业{int(city['enterprises'])}家"
    if pd.notna(city["t_enterprises"]):
        text += f"，完成年度目标的{formats.pct(city['c_enterprises'])}"
    text += f"，其中首贷企业{int(city['first_time_enterprises'])}家"
    if pd.notna(city["t_first_time_enterprises"]):
        text += f"，完成年度目标的{formats.pct(city['c_first_time_enterprises'])}"
    text += f"；普惠型贷款占比{formats.pct(city['inclusive_share'])}，户均融资{formats.wan(city['per_enterprise'] / WAN if pd.notna(city['per_enterprise']) else None)}。"
    return text


def _districts_paragraph(districts: pd.DataFrame) -> tuple[str, list[str]]:
    with_target = districts[districts["status"].notna()]
    if with_target.empty:
        return "各区县尚未设定年度目标，本期不作排名。", []
    counts = with_target["status"].value_counts()
    text = (
        f"从各区县看，{int(counts.get(AHEAD, 0))}个区县达到或超过序时进度，"
        f"{int(counts.get(SLIGHTLY_BEHIND, 0))}个区县略滞后，{int(counts.get(BEHIND, 0))}个区县滞后。"
    )
    leaders = with_target.head(3)
    text += (
        "完成率居前的是"
        + "、".join(f"{r['name']}（{formats.pct(r['c_loan_amount'])}）" for _, r in leaders.iterrows())
        + "。"
    )
    behind = with_target[with_target["status"] == BEHIND]
    lagging = [f"{r['name']}（{formats.pct(r['c_loan_amount'])}）" for _, r in behind.iterrows()]
    if lagging:
        text += f"{'、'.join(lagging)}进度滞后，请相关区县对照目标任务，加强政银企对接，加快推进。"
    return text, lagging


def build(con: duckdb.DuckDBPyConnection, year: int, month: int) -> Bulletin:
    as_of = periods.month_end(year, month)
    ranking = metrics.district_progress(con, year, as_of)
    tp = ranking["time_progress"].iloc[0]
    city = metrics.city_row(ranking)
    districts = metrics.district_rows(ranking)
    projection = metrics.year_end_projection(con, year, as_of)
    series = projection["series"]
    this_month = series[series["month"] == month].iloc[0]
    top = metrics.top_enterprises(con, year, as_of, 10)
    banks = metrics.bank_breakdown(con, year, as_of)
    first = metrics.first_time_borrowers(con, year, as_of)

    paragraphs = [_headline(city, tp, as_of)]
    paragraphs.append(
        f"{month}月当月，全市新增知识产权质押融资{this_month['amount'] / YI:.2f}亿元，{int(this_month['loans'])}笔。"
    )
    district_text, lagging = _districts_paragraph(districts)
    paragraphs.append(district_text)
    if len(banks):
        lead = banks.head(3)
        paragraphs.append(
            "从金融机构看，"
            + "、".join(
                f"{r['bank']}（{r['amount'] / YI:.2f}亿元，占{formats.pct(r['share'])}）" for _, r in lead.iterrows()
            )
            + f"发放金额居前，共有{int((banks['amount'] > 0).sum())}家银行开展知识产权质押融资业务。"
        )
    paragraphs.append(f"今年以来全市首贷企业{len(first)}家，详见附表。")

    ranking_table = pd.DataFrame(
        {
            "排名": districts["rank"].astype("Int64"),
            "较上月": districts["rank_change"].map(formats.rank_change),
            "区县": districts["name"],
            "质押融资(亿元)": districts["loan_amount"] / YI,
            "年度目标(亿元)": districts["t_loan_amount"] / YI,
            "完成率": districts["c_loan_amount"],
            "状态": districts["status"].fillna("无目标"),
            "发明专利(件)": districts["invention_patents"].astype(int),
            "惠及企业(家)": districts["enterprises"].astype(int),
            "首贷企业(家)": districts["first_time_enterprises"].astype(int),
        }
    )
    enterprise_table = pd.DataFrame(
        {
            "序号": range(1, len(top) + 1),
            "企业名称": top["name"],
            "所属区县": top["district"],
            "融资额(万元)": top["amount"] / WAN,
            "笔数": top["loans"],
            "贷款银行": top["banks"],
        }
    )
    bank_table = pd.DataFrame(
        {
            "质权人": banks["bank"],
            "融资额(亿元)": banks["amount"] / YI,
            "占比": banks["share"],
            "笔数": banks["loans"],
            "同比": banks["yoy"],
        }
    )
    first_table = pd.DataFrame(
        {
            "企业名称": first["name"],
            "所属区县": first["district"],
            "首贷日期": pd.to_datetime(first["first_loan_date"]).dt.date,
            "融资额(万元)": first["amount"] / WAN,
            "贷款银行": first["banks"],
        }
    )
    figures = {
        "累计进度": charts.cumulative_vs_target(series, city["t_loan_amount"], projection, year, as_of),
        "区县完成率": charts.completion_ranking(ranking, tp, year, as_of),
        "银行": charts.horizontal_bars(
            banks["bank"].head(10).tolist(),
            (banks["amount"].head(10) / YI).tolist(),
            f"{year}年各银行质押融资额（前10家）",
            "亿元",
            as_of,
        ),
        "分月热力": charts.district_month_heatmap(metrics.district_month_matrix(con, year, as_of), year, as_of),
    }
    return Bulletin(
        year,
        month,
        as_of,
        f"{year}年{month}月全市知识产权质押融资工作通报",
        paragraphs,
        ranking_table,
        lagging,
        enterprise_table,
        bank_table,
        first_table,
        figures,
    )


# -- documents -----------------------------------------------------------------------------
def _table(document, frame: pd.DataFrame, available: int) -> None:
    rows = [["—" if pd.isna(v) else str(v) for v in values] for values in shown(frame).itertuples(index=False)]
    gbt9704.table(document, [str(c) for c in frame.columns], rows, available)


def to_docx(bulletin: Bulletin, images: dict[str, bytes] | None = None, no_charts: str = NO_CHARTS) -> bytes:
    """The bulletin as an official document (GB/T 9704 layout); images (PNG bytes by chart name)
    are placed after the text. Without images the document says so under its title, in the
    words of `no_charts`."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = gbt9704.new_document()
    width = gbt9704.text_width(document.sections[0])
    gbt9704.title(document, bulletin.title)
    gbt9704.paragraph(
        document, f"（数据截至{formats.date_cn(bulletin.as_of)}）", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
    )
    if not images:
        gbt9704.paragraph(document, no_charts, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    for text in bulletin.paragraphs:
        gbt9704.body(document, text)
    for heading, frame in (
        ("一、各区县质押融资目标完成情况排名", bulletin.ranking),
        ("二、质押融资额前10位企业", bulletin.enterprises),
        ("三、各银行质押融资情况", bulletin.banks),
    ):
        gbt9704.heading(document, heading, 1)
        _table(document, frame, width)
    if images:
        gbt9704.heading(document, "四、图表", 1)
        for name, data in images.items():
            gbt9704.picture(document, data, width)
            gbt9704.paragraph(document, f"图：{name}", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    gbt9704.heading(document, "附表：首贷企业名单", 1)
    _table(
        document,
        bulletin.first_time if len(bulletin.first_time) else pd.DataFrame({"说明": ["本期无首贷企业"]}),
        width,
    )
    gbt9704.page_numbers(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def to_xlsx(bulletin: Bulletin) -> bytes:
    summary = pd.DataFrame(
        {
            "项目": ["标题", "数据截至", *[f"第{i}段" for i in range(1, len(bulletin.paragraphs) + 1)]],
            "内容": [bulletin.title, formats.date_cn(bulletin.as_of), *bulletin.paragraphs],
        }
    )
    return xlsx_bytes(
        {
            "通报正文": summary,
            "区县排名": bulletin.ranking,
            "重点企业": bulletin.enterprises,
            "银行": bulletin.banks,
            "首贷企业": bulletin.first_time,
        },
        {name: excel for name, (_, excel) in COLUMNS.items()},
    )


def render_images(bulletin: Bulletin) -> dict[str, bytes]:
    """Every chart of the bulletin as a 2x PNG, with one browser for all of them."""
    with render.renderer() as to_png:
        return {name: to_png(fig) for name, fig in bulletin.charts.items()}


@dataclass
class Word:
    """The Word bulletin as made: with its charts, or without them and why."""

    data: bytes
    images: dict[str, bytes]
    missing: list[str]  # Debian packages this server lacks to draw charts
    failure: str | None  # why drawing the charts failed


def word(bulletin: Bulletin) -> Word:
    """The Word bulletin with its charts when this server can draw them, otherwise without them."""
    needs = render.missing()
    if needs:
        return Word(to_docx(bulletin), {}, needs, None)
    try:
        images = render_images(bulletin)
    except Exception as failure:  # kaleido, the browser, a timeout: the text is still worth having
        log.exception("drawing the bulletin's charts failed")
        return Word(to_docx(bulletin, no_charts=CHARTS_FAILED), {}, [], str(failure) or type(failure).__name__)
    return Word(to_docx(bulletin, images), images, [], None)
