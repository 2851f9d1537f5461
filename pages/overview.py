"""总览: are we on track this year, and which districts are behind."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pledge import formats, metrics
from ui.data import query
from ui.sidebar import period

chosen = period()
st.title("知识产权质押融资总览")
if chosen is None:
    st.stop()

progress = query("district_progress", chosen.year, chosen.as_of)
tp = metrics.time_progress(chosen.year, chosen.as_of)
city = progress[progress["scope"] == metrics.CITY].iloc[0]
st.caption(f"{chosen.year}年1月1日至{formats.date_cn(chosen.as_of)}，序时进度{formats.pct(tp)}")

cards = st.columns(4)
for card, metric in zip(cards, ("loan_amount", "invention_patents", "enterprises", "first_time_enterprises")):
    scale = metrics.SCALE.get(metric, 1)
    actual, target, done = city[metric] / scale, city[f"t_{metric}"] / scale, city[f"c_{metric}"]
    value = formats.yi(actual) if metric == "loan_amount" else formats.count(actual, metrics.UNITS[metric])
    goal = formats.yi(target) if metric == "loan_amount" else formats.count(target, metrics.UNITS[metric])
    card.metric(
        metrics.LABELS[metric], value,
        delta=None if pd.isna(done) else f"完成{formats.pct(done)}，{formats.points(done - tp)}（较序时）",
        delta_color="normal" if pd.isna(done) or done >= tp else "inverse",
        border=True,
    )
    card.caption(f"年度目标：{goal}")

districts = progress[progress["scope"] != metrics.CITY]
table = pd.DataFrame(
    {
        "排名": districts["rank"],
        "区县": districts["name"],
        "质押融资(亿元)": districts["loan_amount"] / metrics.SCALE["loan_amount"],
        "目标(亿元)": districts["t_loan_amount"] / metrics.SCALE["loan_amount"],
        "完成率": districts["c_loan_amount"] * 100,
        "状态": districts["status"].fillna("无目标"),
        "发明专利(件)": districts["invention_patents"],
        "惠及企业(家)": districts["enterprises"],
        "首贷企业(家)": districts["first_time_enterprises"],
    }
)
st.subheader("区县排名（按质押融资金额完成率）")
st.dataframe(
    table, hide_index=True, width="stretch",
    column_config={
        "质押融资(亿元)": st.column_config.NumberColumn(format="%.2f"),
        "目标(亿元)": st.column_config.NumberColumn(format="%.2f"),
        "完成率": st.column_config.NumberColumn(format="%.1f%%"),
    },
)
