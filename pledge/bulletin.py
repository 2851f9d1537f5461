"""月度通报: the monthly bulletin, composed from the metrics layer in the register of a
government bulletin, and written as .docx (python-docx) and .xlsx. No number is typed here:
every figure is read from a metrics result and formatted.

Its tables hold numbers (amounts in 亿元 or 万元, rates as ratios, counts); COLUMNS says how each
reads on screen and in Word, and which number format it carries in Excel, where it stays a number."""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass, field, replace

import duckdb
import pandas as pd
import plotly.graph_objects as go

from pledge import charts, formats, gbt9704, metrics, narrative, periods, render
from pledge.catalogue import AHEAD, BEHIND, SLIGHTLY_BEHIND, WAN, YI
from pledge.export import xlsx_bytes
from pledge.issuing import Letterhead

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


# The kinds of bulletin: the monthly one, and the quarterly and year-end variants (as of the
# period's last day; what the period added instead of the month's new loans).
MONTHLY, QUARTERLY, ANNUAL = "month", "quarter", "year"
KINDS = {MONTHLY: "月度通报", QUARTERLY: "季度通报", ANNUAL: "年度通报"}
QUARTERS = "一二三四"


def period_label(kind: str, year: int, month: int) -> str:
    """2025年6月 / 2025年第二季度 / 2025年度, the period a bulletin covers (month: its last month)."""
    if kind == QUARTERLY:
        return f"{year}年第{QUARTERS[(month - 1) // 3]}季度"
    if kind == ANNUAL:
        return f"{year}年度"
    return f"{year}年{month}月"


@dataclass
class Bulletin:
    year: int
    month: int  # the period's last month
    as_of: dt.date
    title: str
    overall: list[str]  # 总体情况
    progress: list[str]  # 各地进展
    institutions: list[str]  # 金融机构情况
    ranking: pd.DataFrame  # in rank order; every table reads as COLUMNS says
    lagging: list[str]
    enterprises: pd.DataFrame
    banks: pd.DataFrame
    first_time: pd.DataFrame  # the whole list, or its first rows when built with annex_rows
    charts: dict[str, go.Figure] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # 存在问题, prefilled from the data, edited on the page
    requirements: list[str] = field(default_factory=list)  # 下步工作要求, likewise

    kind: str = MONTHLY
    first_time_total: int | None = None  # how many first-time borrowers in all (None: len(first_time))

    @property
    def first_time_count(self) -> int:
        return len(self.first_time) if self.first_time_total is None else self.first_time_total

    @property
    def file_stem(self) -> str:
        return f"{period_label(self.kind, self.year, self.month)}知识产权质押融资通报"

    @property
    def paragraphs(self) -> list[str]:
        """The paragraphs drawn from the data, in the order of the document."""
        return [*self.overall, *self.progress, *self.institutions]

    def edited(self, problems: str, requirements: str) -> Bulletin:
        """The bulletin with the analyst's 存在问题 and 下步工作要求, one paragraph a line."""
        return replace(self, problems=_lines(problems), requirements=_lines(requirements))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


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


def _records(districts: pd.DataFrame) -> list[dict]:
    """The districts' name, completion and time progress, a dict per row: the text of thousands
    of districts is written without building a Series per row (iterrows)."""
    return districts[["name", "c_loan_amount", "time_progress"]].to_dict("records")


def _gap(row: pd.Series) -> str:
    return f"{row['name']}（{formats.pct(row['c_loan_amount'])}，{narrative.position(row['c_loan_amount'], row['time_progress'])}）"


def _districts_paragraphs(districts: pd.DataFrame) -> tuple[list[str], list[str]]:
    """各地进展: the ranking, who is ahead of 序时进度 and who behind, by how much."""
    with_target = districts[districts["status"].notna()]
    if with_target.empty:
        return ["各区县尚未设定年度目标，本期不作排名。"], []
    counts = with_target["status"].value_counts()
    text = (
        f"从各区县看，{int(counts.get(AHEAD, 0))}个区县达到或超过序时进度，"
        f"{int(counts.get(SLIGHTLY_BEHIND, 0))}个区县略滞后，{int(counts.get(BEHIND, 0))}个区县滞后。"
        "按年度目标完成率排名，依次为"
        + "、".join(f"{r['name']}（{formats.pct(r['c_loan_amount'])}）" for r in _records(with_target))
        + "。"
    )
    texts = [text]
    ahead = with_target[with_target["status"] == AHEAD]
    if len(ahead):
        texts.append("进度领先的区县：" + "、".join(_gap(r) for r in _records(ahead)) + "。")
    short = with_target[with_target["status"].isin([SLIGHTLY_BEHIND, BEHIND])]
    if len(short):
        texts.append("进度落后于序时进度的区县：" + "、".join(_gap(r) for r in _records(short)) + "。")
    without = districts[districts["status"].isna()]
    if len(without):
        texts.append(f"{'、'.join(without['name'])}尚未设定年度目标，未参与排名。")
    behind = with_target[with_target["status"] == BEHIND]
    lagging = [f"{r['name']}（{formats.pct(r['c_loan_amount'])}）" for r in _records(behind)]
    return texts, lagging


@dataclass
class Attention:
    """What 存在问题 starts from: lists read off the bulletin's frames, no figure computed."""

    behind: list[str]  # 滞后 districts, with completion and gap
    no_loans: list[str]  # districts with no loan this year
    banks_without_first_time: list[str]  # banks that lent this year but to no first-time borrower


def attention(districts: pd.DataFrame, banks: pd.DataFrame, first_time_banks: list[str]) -> Attention:
    """`first_time_banks`: the banks that lent to a first-time borrower in the window."""
    behind = districts[districts["status"] == BEHIND]
    lending = banks[banks["amount"] > 0]["bank"].tolist()
    with_first = set(first_time_banks)
    return Attention(
        [_gap(r) for r in _records(behind)],
        districts[districts["loan_amount"] <= 0]["name"].tolist(),
        [bank for bank in lending if bank not in with_first],
    )


ORDINALS = "一二三四五六七八九十"


def problems(found: Attention) -> list[str]:
    items = []
    if found.behind:
        items.append(f"部分区县进度滞后。{'、'.join(found.behind)}，与年度目标差距较大。")
    if found.no_loans:
        items.append(f"{'、'.join(found.no_loans)}今年以来尚无知识产权质押融资业务，工作有待破题。")
    if found.banks_without_first_time:
        items.append(
            f"{'、'.join(found.banks_without_first_time)}今年以来尚未向首贷企业发放知识产权质押贷款，首贷拓展不足。"
        )
    if not items:
        return ["本期各区县均达到序时进度，未发现突出问题。"]
    return [f"{ORDINALS[i]}是{text}" for i, text in enumerate(items)]


def requirements(found: Attention) -> list[str]:
    items = []
    names = [text.split("（")[0] for text in found.behind] + found.no_loans
    if names:
        items.append(
            f"加快推进滞后区县工作。请{'、'.join(names)}对照年度目标任务，加强政银企对接，梳理企业融资需求，加快推进。"
        )
    items.append("扩大首贷覆盖面。请各金融机构加大对首次获得贷款的科技型中小企业的支持力度，创新知识产权质押融资产品。")
    items.append(
        "做好数据报送。请各区县、各金融机构于每月5日前报送上月知识产权质押融资台账，确保数据真实、准确、完整。"
    )
    return [f"（{ORDINALS[i]}）{text}" for i, text in enumerate(items)]


def build(
    con: duckdb.DuckDBPyConnection, year: int, month: int, kind: str = MONTHLY, annex_rows: int | None = None
) -> Bulletin:
    """The bulletin of a month; with kind QUARTERLY, of the quarter ending in `month`; with
    ANNUAL, of the year (`month` is then 12). With `annex_rows`, the first-time borrowers' annex
    holds only its first rows (what the page shows of a national list; first_time_total says how
    many in all): the files are made from a bulletin built without it."""
    if kind == QUARTERLY and month % 3:
        raise ValueError(f"季度通报的月份应为季末月份：{month}")
    if kind == ANNUAL:
        month = 12
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
    if annex_rows is None:
        first = metrics.first_time_borrowers(con, year, as_of)
        first_total = len(first)
    else:
        paged = metrics.first_time_page(con, year, as_of, 1, annex_rows)
        first, first_total = paged["rows"], paged["total"]

    if kind == MONTHLY:
        added = f"{month}月当月，全市新增知识产权质押融资{this_month['amount'] / YI:.2f}亿元，{int(this_month['loans'])}笔。"
    else:
        first_month = month - 2 if kind == QUARTERLY else 1
        new = metrics.new_in_months(con, year, first_month, month)
        span = f"第{QUARTERS[(month - 1) // 3]}季度" if kind == QUARTERLY else "全年"
        added = f"{span}（{first_month}—{month}月），全市新增知识产权质押融资{new['amount'] / YI:.2f}亿元，{new['loans']}笔。"
    overall = [_headline(city, tp, as_of), added]
    subsidy = metrics.subsidy_figure(con, year, as_of)
    if subsidy["source"] == "approved":
        overall.append(f"按{year}年度知识产权质押贷款贴息政策，至今已核定贴息{subsidy['yuan'] / WAN:,.2f}万元。")
    elif subsidy["yuan"]:
        overall.append(
            f"银行台账报送贴息金额{subsidy['yuan'] / WAN:,.2f}万元（本年度尚无贴息政策，按台账“贴息金额”列统计）。"
        )
    progress, lagging = _districts_paragraphs(districts)
    institutions = []
    if len(banks):
        lead = banks.head(3)
        institutions.append(
            "从金融机构看，"
            + "、".join(
                f"{r['bank']}（{r['amount'] / YI:.2f}亿元，占{formats.pct(r['share'])}）"
                for r in lead[["bank", "amount", "share"]].to_dict("records")
            )
            + f"发放金额居前，共有{int((banks['amount'] > 0).sum())}家银行开展知识产权质押融资业务。"
        )
    institutions.append(f"今年以来全市首贷企业{first_total}家，名单见附件3。")
    found = attention(districts, banks, metrics.first_time_banks(con, year, as_of))

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
        "累计进度": charts.cumulative_vs_target(
            series, city["t_loan_amount"], projection, year, as_of, charts.CITY_NAME
        ),
        "区县完成率": charts.completion_ranking(ranking, tp, year, as_of, charts.CITY_NAME),
        "银行": charts.horizontal_bars(
            banks["bank"].head(10).tolist(),
            (banks["amount"].head(10) / YI).tolist(),
            f"{year}年各银行质押融资额（前10家）",
            "亿元",
            as_of,
            scope=charts.CITY_NAME,
        ),
        "分月热力": charts.district_month_heatmap(
            metrics.district_month_matrix(con, year, as_of, edge=charts.EDGE), year, as_of, charts.CITY_NAME
        ),
    }
    return Bulletin(
        year,
        month,
        as_of,
        f"{period_label(kind, year, month)}全市知识产权质押融资工作通报",
        overall,
        progress,
        institutions,
        ranking_table,
        lagging,
        enterprise_table,
        bank_table,
        first_table,
        figures,
        problems(found),
        requirements(found),
        kind,
        first_total,
    )


# -- documents -----------------------------------------------------------------------------
ATTACHMENTS = {
    "ranking": "各区县知识产权质押融资目标完成情况排名表",
    "banks": "各金融机构知识产权质押融资情况表",
    "enterprises": "重点企业及首贷企业名单",
    "charts": "知识产权质押融资情况图表",
}


def _numbered(document, texts: list[str]) -> None:
    """Paragraphs of 存在问题 or 下步工作要求: a leading （一） sentence is a 楷体 heading in its line."""
    for text in texts:
        if text.startswith("（") and "）" in text[:5] and "。" in text:
            head, rest = text.split("。", 1)
            para = gbt9704.body(document, "")
            gbt9704.fonts(para.add_run(head + "。"), gbt9704.H2_FONT, gbt9704.BODY_SIZE)
            gbt9704.fonts(para.add_run(rest), gbt9704.BODY_FONT, gbt9704.BODY_SIZE)
        else:
            gbt9704.body(document, text)


def _attachment(document, number: int, name: str, frames: list[tuple[str | None, pd.DataFrame]]) -> None:
    """An attachment on a new page, landscape when a table needs the width: 附件N in 黑体, its
    title, its tables."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    tables = []
    for caption, frame in frames:
        rows = [["—" if pd.isna(v) else str(v) for v in values] for values in shown(frame).itertuples(index=False)]
        tables.append((caption, [str(c) for c in frame.columns], rows))
    wide = any(gbt9704.landscape_needed(header, rows) for _, header, rows in tables)
    section = gbt9704.new_section(document, landscape=wide)
    gbt9704.paragraph(document, f"附件{number}", font=gbt9704.H1_FONT, indent=False)
    gbt9704.title(document, name)
    gbt9704.blank(document)
    for caption, header, rows in tables:
        if caption:
            gbt9704.paragraph(document, caption, font=gbt9704.H1_FONT, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        gbt9704.table(document, header, rows, gbt9704.text_width(section))


def to_docx(
    bulletin: Bulletin,
    images: dict[str, bytes] | None = None,
    no_charts: str = NO_CHARTS,
    head: Letterhead | None = None,
    doc_number: str | None = None,
    issued_on: dt.date | None = None,
) -> bytes:
    """The bulletin as an official document (GB/T 9704): 版头 (office, 文号), title, 主送, the five
    parts of the text, the list of attachments, office and date, then the attachments (tables,
    landscape where they need the width; charts full width) and the 版记. A draft (no doc_number)
    leaves the 期号 blank. Without images the document says so under its title, in the words of
    `no_charts`."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    head = head or Letterhead()
    on = issued_on or dt.date.today()
    document = gbt9704.new_document()
    gbt9704.letterhead(document, head.office, doc_number or head.doc_number(on.year, None))
    gbt9704.title(document, bulletin.title)
    gbt9704.paragraph(
        document, f"（数据截至{formats.date_cn(bulletin.as_of)}）", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
    )
    if not images:
        gbt9704.paragraph(document, no_charts, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    gbt9704.blank(document)
    gbt9704.paragraph(document, f"{head.main_to.strip().rstrip('：:')}：", indent=False)
    parts = (
        ("一、总体情况", bulletin.overall),
        ("二、各地进展", bulletin.progress),
        ("三、金融机构情况", bulletin.institutions),
        ("四、存在问题", bulletin.problems),
        ("五、下步工作要求", bulletin.requirements),
    )
    for heading, texts in parts:
        gbt9704.heading(document, heading, 1)
        _numbered(document, texts)
    names = [ATTACHMENTS["ranking"], ATTACHMENTS["banks"], ATTACHMENTS["enterprises"]]
    if images:
        names.append(ATTACHMENTS["charts"])
    gbt9704.blank(document)
    for i, name in enumerate(names, start=1):
        para = gbt9704.body(document, f"{'附件：' if i == 1 else ''}{i}. {name}")
        if i > 1:
            para.paragraph_format.first_line_indent = gbt9704.Pt(gbt9704.BODY_SIZE * 5)
    gbt9704.signature(document, head.office, formats.date_cn(on))

    _attachment(document, 1, ATTACHMENTS["ranking"], [(None, bulletin.ranking)])
    _attachment(document, 2, ATTACHMENTS["banks"], [(None, bulletin.banks)])
    first = bulletin.first_time if len(bulletin.first_time) else pd.DataFrame({"说明": ["本期无首贷企业"]})
    _attachment(
        document,
        3,
        ATTACHMENTS["enterprises"],
        [("质押融资额前10位企业", bulletin.enterprises), ("首贷企业名单", first)],
    )
    if images:
        section = gbt9704.new_section(document, landscape=False)
        gbt9704.paragraph(document, "附件4", font=gbt9704.H1_FONT, indent=False)
        gbt9704.title(document, ATTACHMENTS["charts"])
        for name, data in images.items():
            gbt9704.picture(document, data, gbt9704.text_width(section))
            gbt9704.paragraph(document, f"图：{name}", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    gbt9704.page_numbers(document)
    gbt9704.imprint(document, head.copy_to, head.printer, formats.date_cn(on))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def to_xlsx(bulletin: Bulletin) -> bytes:
    summary = pd.DataFrame(
        {
            "项目": [
                "标题",
                "数据截至",
                *[f"第{i}段" for i in range(1, len(bulletin.paragraphs) + 1)],
                *["存在问题"] * len(bulletin.problems),
                *["下步工作要求"] * len(bulletin.requirements),
            ],
            "内容": [
                bulletin.title,
                formats.date_cn(bulletin.as_of),
                *bulletin.paragraphs,
                *bulletin.problems,
                *bulletin.requirements,
            ],
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


def charts_for(bulletin: Bulletin) -> tuple[dict[str, bytes], list[str], str | None]:
    """The charts as PNG when this server can draw them: (images, missing packages, failure)."""
    needs = render.missing()
    if needs:
        return {}, needs, None
    try:
        return render_images(bulletin), [], None
    except Exception as failure:  # kaleido, the browser, a timeout: the text is still worth having
        log.exception("drawing the bulletin's charts failed")
        return {}, [], str(failure) or type(failure).__name__


def word(bulletin: Bulletin, head: Letterhead | None = None) -> Word:
    """The Word bulletin (a draft: no 期号) with its charts when this server can draw them,
    otherwise without them."""
    images, needs, failure = charts_for(bulletin)
    note = CHARTS_FAILED if failure else NO_CHARTS
    return Word(to_docx(bulletin, images, no_charts=note, head=head), images, needs, failure)
