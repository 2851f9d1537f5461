"""总览: is the city (or the viewer's district) on track this year, and who is behind."""

from __future__ import annotations

import streamlit as st

from pledge import charts, formats, metrics, narrative
from pledge.catalogue import CITY, HEADLINE, metric
from pledge.text import md
from ui import sidebar, widgets
from ui.data import query

period = sidebar.render()
st.title(
    "知识产权质押融资总览" if period is None or period.district is None else f"{md(period.district_name)}质押融资总览"
)
if period is None:
    widgets.empty("还没有任何数据。请分析人员先导入区县名单、年度目标和质押融资台账（python -m etl load 文件）。")
    st.stop()

year, as_of, scope = period.year, period.as_of, period.district
progress = query(metrics.district_progress, year, as_of)  # for a district viewer: its row only
row = metrics.city_row(progress) if scope is None else progress.iloc[0]
tp = row["time_progress"]
scope_name = period.district_name or "全市"

st.caption(f"统计区间：{year}年1月1日至{formats.date_cn(as_of)} ｜ 序时进度 {formats.pct(tp)}")
if scope is None:
    st.info(md(narrative.overview_sentence(progress, year, as_of)), icon=":material/campaign:")
else:
    st.info(md(narrative.district_sentence(row, year, as_of)), icon=":material/campaign:")

cards = st.columns(4)
for card, shown in zip(cards, HEADLINE):
    widgets.kpi_card(card, shown.key, row)
subsidy = query(metrics.subsidy_figure, year, as_of)
st.caption(f"贴息：{metric('subsidy').format(subsidy['yuan'])}（{subsidy['label']}）")
via = query(metrics.funnel_share, year, as_of)  # 增量扩面: first-time borrowers the funnel brought
if via["has_outreach"] and via["first_time"]:
    st.caption(
        f"{year}年首贷企业{via['first_time']:,}家，其中经政银企对接（融资需求或白名单推送后180天内放款）"
        f"{via['via_funnel']:,}家，占{formats.pct(via['share'])}"
    )

left, right = widgets.side_by_side(2)
with left:
    projection = query(metrics.year_end_projection, year, as_of)
    series = projection["series"]
    widgets.chart(charts.cumulative_vs_target(series, row["t_loan_amount"], projection, year, as_of, scope_name))
    st.caption(f"预计全年{metric('loan_amount').format(projection['projection'])}（{projection['method']}，仅供参考）")
with right:
    if scope is not None:
        widgets.chart(charts.monthly_bars(series, year, as_of, scope_name))
    else:
        if progress.loc[progress["scope"] != CITY, "t_loan_amount"].isna().all():
            widgets.empty(f"{year}年还没有区县目标，无法排名。请导入年度目标表。")
        widgets.chart(charts.completion_ranking(progress, tp, year, as_of, scope_name))
