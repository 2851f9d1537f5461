"""总览: is the city on track this year, and which districts are behind."""

from __future__ import annotations

import streamlit as st

from pledge import charts, formats, metrics, narrative
from ui import sidebar, widgets
from ui.data import query

st.title("知识产权质押融资总览")
period = sidebar.render()
if period is None:
    widgets.empty("还没有任何数据。请分析人员先导入区县名单、年度目标和质押融资台账（python -m etl load 文件）。")
    st.stop()

year, as_of = period.year, period.as_of
progress = query("district_progress", year, as_of)
tp = metrics.time_progress(year, as_of)
city = progress[progress["scope"] == metrics.CITY].iloc[0]

st.caption(f"统计区间：{year}年1月1日至{formats.date_cn(as_of)} ｜ 序时进度 {formats.pct(tp)}")
st.info(narrative.overview_sentence(progress, year, as_of), icon=":material/campaign:")

cards = st.columns(4)
for card, metric in zip(cards, ("loan_amount", "invention_patents", "enterprises", "first_time_enterprises")):
    widgets.kpi_card(card, metric, city, tp)

left, right = st.columns(2)
with left:
    series = query("monthly_cumulative", year, as_of, None)
    projection = query("year_end_projection", year, as_of, None)
    widgets.chart(
        charts.cumulative_vs_target(series, city["t_loan_amount"], projection, year, as_of),
        f"全市质押融资累计进度_{as_of:%Y%m%d}",
    )
    st.caption(f"预计全年{formats.yi(projection['projection'] / metrics.SCALE['loan_amount'])}（{projection['method']}，仅供参考）")
with right:
    districts = progress[progress["scope"] != metrics.CITY]
    if districts["t_loan_amount"].isna().all():
        widgets.empty(f"{year}年还没有区县目标，无法排名。请导入年度目标表。")
    widgets.chart(charts.completion_ranking(progress, tp, year, as_of), f"区县目标完成率排名_{as_of:%Y%m%d}")
