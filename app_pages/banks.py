"""质权人: which banks lend, how much, where, and against last year."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pledge import charts, formats, metrics
from pledge.catalogue import YI
from ui import sidebar, widgets
from ui.data import query

period = sidebar.render()
st.title("质权人（贷款银行）")
if period is None:
    widgets.empty("还没有任何数据。请先导入质押融资台账。")
    st.stop()
year, as_of = period.year, period.as_of
scope_name = period.district_name or charts.CITY_NAME

banks = query(metrics.bank_breakdown, year, as_of)
current = banks[banks["amount"] > 0]
if current.empty:
    widgets.empty(f"{year}年1月1日至{formats.date_cn(as_of)}没有质押贷款记录。")
    st.stop()

left, right = widgets.side_by_side(2, [3, 2])
with left:
    widgets.chart(
        charts.horizontal_bars(
            current["bank"].tolist(),
            (current["amount"] / YI).tolist(),
            f"{year}年各银行质押融资额",
            "亿元",
            as_of,
            scope=scope_name,
            noun="家银行",
        )
    )
with right:
    table = pd.DataFrame(
        {
            "质权人": banks["bank"],
            "融资额(亿元)": banks["amount"] / YI,
            "占比": banks["share"] * 100,
            "笔数": banks["loans"],
            "惠及企业(家)": banks["enterprises"],
            "上年同期(亿元)": banks["prev_amount"] / YI,
            "同比": banks["yoy"] * 100,
        }
    )
    widgets.table(table, {"融资额(亿元)": "{:.2f}", "上年同期(亿元)": "{:.2f}", "占比": "{:.1f}%", "同比": "{:+.1f}%"})
    widgets.xlsx_download({"银行": table}, f"{year}年各银行质押融资_截至{as_of:%Y%m%d}.xlsx", "下载（Excel）")

by_district = query(metrics.bank_by_district, year, as_of, edge=charts.EDGE)  # what the chart shows
widgets.chart(charts.stacked_bank_district(by_district, year, as_of, scope_name))
