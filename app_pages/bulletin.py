"""月度通报: the month's bulletin on screen, as Word and Excel, with its charts as PNG."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from pledge import bulletin, issuing, metrics, render
from pledge.text import md
from ui import bulletin_issue, session, sidebar, widgets
from ui.data import later, query

ANNEX_ROWS = 50  # first-time borrowers shown on the page
period = sidebar.render()
st.title("月度通报")
if period is None:
    widgets.empty("还没有任何数据，无法生成通报。")
    st.stop()
if period.district is not None:
    st.error("月度通报涉及全市各区县，仅向全市范围的账户开放。")
    st.stop()

latest = query(metrics.latest_loan_date, period.year)
default_month = latest.month if latest else dt.date.today().month
kind = st.segmented_control(
    "通报类型", list(bulletin.KINDS), default=bulletin.MONTHLY, format_func=bulletin.KINDS.get, key="bulletin_kind"
)
kind = kind or bulletin.MONTHLY
if kind == bulletin.MONTHLY:
    month = st.selectbox(
        "通报月份",
        list(range(1, 13)),
        index=default_month - 1,
        format_func=lambda m: f"{period.year}年{m}月",
        key="bulletin_month",
    )
elif kind == bulletin.QUARTERLY:
    month = st.selectbox(
        "通报季度",
        [3, 6, 9, 12],
        index=(default_month - 1) // 3,
        format_func=lambda m: bulletin.period_label(bulletin.QUARTERLY, period.year, m),
        key="bulletin_quarter",
    )
else:
    month = 12
# The page shows the first ANNEX_ROWS first-time borrowers of a national list; the files carry
# the whole bulletin, built when asked for.
report = query(bulletin.build, period.year, month, kind, annex_rows=ANNEX_ROWS)
user = session.current_user()
can_issue = user is not None and user.can("analyst")
head = query(issuing.letterhead)

st.subheader("存在问题与下步工作要求")
st.caption("以下两段按数据预填，可直接修改；每行一段。Word通报与签发存档采用修改后的文字。")
left, right = st.columns(2)
problems = left.text_area(
    "存在问题", "\n".join(report.problems), height=220, key=f"bulletin_problems_{kind}_{period.year}_{month}"
)
requirements = right.text_area(
    "下步工作要求",
    "\n".join(report.requirements),
    height=220,
    key=f"bulletin_requirements_{kind}_{period.year}_{month}",
)
report = report.edited(problems, requirements)
whole_later = later(bulletin.build, period.year, month, kind)


def whole() -> bulletin.Bulletin:
    """The bulletin with its whole annex and the analyst's text: what the files carry."""
    return whole_later().edited(problems, requirements)


with st.container(border=True):
    st.markdown(f"<h3 style='text-align:center'>{md(report.title)}</h3>", unsafe_allow_html=True)
    st.caption(f"数据截至{report.as_of.year}年{report.as_of.month}月{report.as_of.day}日")
    st.markdown(f"{md(head.main_to)}：")
    for heading, texts in (
        ("一、总体情况", report.overall),
        ("二、各地进展", report.progress),
        ("三、金融机构情况", report.institutions),
        ("四、存在问题", report.problems),
        ("五、下步工作要求", report.requirements),
    ):
        st.markdown(f"**{heading}**")
        for text in texts:
            st.markdown(f"　　{md(text)}")
    st.markdown(f"**附件1　{bulletin.ATTACHMENTS['ranking']}**")
    widgets.table(bulletin.shown(report.ranking))
    if report.lagging:
        st.markdown(f"滞后区县：{md('、'.join(report.lagging))}")
    st.markdown(f"**附件2　{bulletin.ATTACHMENTS['banks']}**")
    widgets.table(bulletin.shown(report.banks))
    st.markdown(f"**附件3　{bulletin.ATTACHMENTS['enterprises']}**")
    left, right = widgets.side_by_side(2)
    with left:
        st.markdown("质押融资额前10位企业")
        widgets.table(bulletin.shown(report.enterprises))
    with right:
        st.markdown(f"首贷企业名单（{report.first_time_count:,}家）")
        widgets.table(bulletin.shown(report.first_time), height=min(400, 40 + 35 * max(1, len(report.first_time))))
        if report.first_time_count > len(report.first_time):
            st.caption(f"显示前{len(report.first_time)}家，完整名单见下载的Excel和Word通报")
    st.markdown(f"**附件4　{bulletin.ATTACHMENTS['charts']}**")
    for name, fig in report.charts.items():
        widgets.chart(fig, key=f"bulletin_chart_{name}")  # the PNG is named after its title and date

st.subheader("下载")
left, middle, right = st.columns(3)
left.download_button(
    "通报表格（Excel）",
    lambda: bulletin.to_xlsx(whole()),
    f"{report.file_stem}.xlsx",
    icon=":material/table:",
    key="bulletin_xlsx",
)
needs = render.missing()
if needs:  # this server cannot draw charts: the Word file comes without them, and says so
    middle.download_button(
        "通报（Word，不含图表）",
        lambda: bulletin.to_docx(whole(), head=head),
        f"{report.file_stem}.docx",
        icon=":material/description:",
        key="bulletin_docx_plain",
    )
    st.info(render.advice(needs), icon=":material/info:")
else:
    if middle.button("生成Word通报（含图表）", icon=":material/description:", key="bulletin_make_docx"):
        with st.spinner("正在生成图表……"):
            st.session_state["bulletin_docx_made"] = (report.file_stem, bulletin.word(whole(), head))
    made = st.session_state.get("bulletin_docx_made")
    if made and made[0] == report.file_stem:
        word = made[1]
        if word.missing:
            st.info(render.advice(word.missing), icon=":material/info:")
        if word.failure:
            st.error(f"图表绘制失败：{word.failure}。已生成不含图表的Word通报。")
        middle.download_button(
            "下载Word通报" if word.images else "下载Word通报（不含图表）",
            word.data,
            f"{made[0]}.docx",
            icon=":material/download:",
            key="bulletin_docx",
        )
        if word.images:
            with right.popover("下载单张图表（PNG）", icon=":material/image:"):
                for name, data in word.images.items():
                    st.download_button(name, data, f"{made[0]}_{name}.png", mime="image/png", key=f"png_{name}")

st.caption("以上Word文件为草稿（文号期号空白）。签发后编号、存档，可随时下载当时发出的原件。")
bulletin_issue.issue_panel(report, whole, head, user if can_issue else None)
bulletin_issue.letterhead_panel(head, user)
bulletin_issue.issued_list()
