"""月度通报: the month's bulletin on screen, as Word and Excel, with its charts as PNG."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from pledge import bulletin, metrics, render
from pledge.text import md
from ui import sidebar, widgets
from ui.data import query

period = sidebar.render()
st.title("月度通报")
if period is None:
    widgets.empty("还没有任何数据，无法生成通报。")
    st.stop()
if period.district is not None:
    st.error("月度通报涉及全市各区县，仅向全市范围的账户开放。")
    st.stop()

months = list(range(1, 13))
latest = query(metrics.latest_loan_date, period.year)
default_month = latest.month if latest else dt.date.today().month
month = st.selectbox(
    "通报月份", months, index=default_month - 1, format_func=lambda m: f"{period.year}年{m}月", key="bulletin_month"
)
report = query(bulletin.build, period.year, month)

with st.container(border=True):
    st.markdown(f"<h3 style='text-align:center'>{report.title}</h3>", unsafe_allow_html=True)
    st.caption(f"数据截至{report.as_of.year}年{report.as_of.month}月{report.as_of.day}日")
    for text in report.paragraphs:
        st.markdown(f"　　{md(text)}")
    st.markdown("**一、各区县质押融资目标完成情况排名**")
    widgets.table(bulletin.shown(report.ranking))
    if report.lagging:
        st.markdown(f"滞后区县：{md('、'.join(report.lagging))}")
    left, right = widgets.side_by_side(2)
    with left:
        st.markdown("**二、质押融资额前10位企业**")
        widgets.table(bulletin.shown(report.enterprises))
    with right:
        st.markdown("**三、各银行质押融资情况**")
        widgets.table(bulletin.shown(report.banks))
    for name, fig in report.charts.items():
        widgets.chart(fig, key=f"bulletin_chart_{name}")  # the PNG is named after its title and date
    st.markdown(f"**附表：首贷企业名单（{len(report.first_time)}家）**")
    widgets.table(bulletin.shown(report.first_time), height=min(400, 40 + 35 * max(1, len(report.first_time))))

st.subheader("下载")
left, middle, right = st.columns(3)
left.download_button(
    "通报表格（Excel）",
    bulletin.to_xlsx(report),
    f"{report.file_stem}.xlsx",
    icon=":material/table:",
    key="bulletin_xlsx",
)
needs = render.missing()
if needs:  # this server cannot draw charts: the Word file comes without them, and says so
    middle.download_button(
        "通报（Word，不含图表）",
        bulletin.to_docx(report),
        f"{report.file_stem}.docx",
        icon=":material/description:",
        key="bulletin_docx_plain",
    )
    st.info(render.advice(needs), icon=":material/info:")
else:
    if middle.button("生成Word通报（含图表）", icon=":material/description:", key="bulletin_make_docx"):
        with st.spinner("正在生成图表……"):
            st.session_state["bulletin_docx_made"] = (report.file_stem, bulletin.word(report))
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
