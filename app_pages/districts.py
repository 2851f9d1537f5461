"""区县: every district against its targets, month by month, and one district in detail."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pledge import charts, formats, metrics
from pledge.catalogue import HEADLINE, WAN, YI, metric
from pledge.text import md
from ui import sidebar, widgets
from ui.data import query

period = sidebar.render()
st.title("区县进度")
if period is None:
    widgets.empty("还没有任何数据。请先导入区县名单、年度目标和质押融资台账。")
    st.stop()
year, as_of = period.year, period.as_of
scope_name = period.district_name or charts.CITY_NAME
ranking = query(metrics.district_progress, year, as_of)  # a district viewer gets its own row only
districts = metrics.district_rows(ranking)
tp = ranking["time_progress"].iloc[0]

table = pd.DataFrame(
    {
        "排名": districts["rank"],
        "较上月": districts["rank_change"].map(formats.rank_change),
        "区县": districts["name"],
        "状态": districts["status"].fillna("无目标"),
        "质押融资(亿元)": districts["loan_amount"] / YI,
        "融资目标(亿元)": districts["t_loan_amount"] / YI,
        "融资完成率": districts["c_loan_amount"] * 100,
        "发明专利(件)": districts["invention_patents"],
        "专利目标(件)": districts["t_invention_patents"],
        "专利完成率": districts["c_invention_patents"] * 100,
        "惠及企业(家)": districts["enterprises"],
        "企业目标(家)": districts["t_enterprises"],
        "企业完成率": districts["c_enterprises"] * 100,
        "首贷企业(家)": districts["first_time_enterprises"],
        "首贷目标(家)": districts["t_first_time_enterprises"],
        "首贷完成率": districts["c_first_time_enterprises"] * 100,
        "质押笔数": districts["loans"],
        "普惠占比": districts["inclusive_share"] * 100,
        "户均融资(万元)": districts["per_enterprise"] / WAN,
        "同比": districts["yoy_loan_amount"] * 100,
    }
)
st.subheader(f"区县排名（截至{formats.date_cn(as_of)}，序时进度{formats.pct(tp)}）")
widgets.table(
    table,
    {
        "质押融资(亿元)": "{:.2f}",
        "融资目标(亿元)": "{:.2f}",
        "户均融资(万元)": "{:,.2f}",
        "专利目标(件)": "{:,.0f}",
        "企业目标(家)": "{:,.0f}",
        "首贷目标(家)": "{:,.0f}",
        **{c: "{:.1f}%" for c in ("融资完成率", "专利完成率", "企业完成率", "首贷完成率", "普惠占比")},
        "同比": "{:+.1f}%",
    },
)
widgets.xlsx_download({"区县排名": table}, f"{year}年区县质押融资排名_截至{as_of:%Y%m%d}.xlsx", "下载排名表（Excel）")

matrix = query(metrics.district_month_matrix, year, as_of, edge=charts.EDGE)  # what the heat map shows
widgets.chart(charts.district_month_heatmap(matrix, year, as_of, scope_name))

st.divider()
st.subheader("区县详情")
choice = st.selectbox("选择区县", districts.sort_values("sort_order")["name"].tolist(), key="district_detail")
row = districts[districts["name"] == choice].iloc[0]
code = row["scope"]
cards = st.columns(4)
for card, shown in zip(cards, HEADLINE):
    widgets.kpi_card(card, shown.key, row)
subsidy = query(metrics.subsidy_figure, year, as_of, district=code)
st.caption(
    f"质押笔数{formats.count(row['loans'], '笔')} ｜ 贴息{metric('subsidy').format(subsidy['yuan'])}"
    f"（{subsidy['label']}） ｜ "
    f"普惠占比{formats.pct(row['inclusive_share'])} ｜ 户均融资{formats.wan(row['per_enterprise'] / WAN if pd.notna(row['per_enterprise']) else None)}"
)
if row["loans"] == 0:
    widgets.empty(f"{md(choice)}在{year}年1月1日至{formats.date_cn(as_of)}没有质押贷款记录。")
else:
    left, right = widgets.side_by_side(2)
    with left:
        projection = query(metrics.year_end_projection, year, as_of, district=code)
        series = projection["series"]
        widgets.chart(charts.cumulative_vs_target(series, row["t_loan_amount"], projection, year, as_of, choice))
        widgets.chart(charts.monthly_bars(series, year, as_of, choice))
    with right:
        banks = query(metrics.bank_breakdown, year, as_of, district=code)
        widgets.chart(
            charts.horizontal_bars(
                banks["bank"].tolist(),
                (banks["amount"] / YI).tolist(),
                f"{year}年各银行质押融资额",
                "亿元",
                as_of,
                scope=choice,
                noun="家银行",
            )
        )
        types = query(metrics.patents_by_type, year, as_of, district=code)
        if len(types):
            widgets.chart(
                charts.horizontal_bars(
                    types["patent_type"].tolist(),
                    types["patents"].astype(float).tolist(),
                    f"{year}年质押知识产权（按类型）",
                    "件",
                    as_of,
                    scope=choice,
                    digits=0,
                )
            )
    top = query(metrics.top_enterprises, year, as_of, 20, district=code)
    st.markdown(f"**{md(choice)}融资额前20家企业**")
    widgets.table(
        pd.DataFrame(
            {
                "企业名称": top["name"],
                "统一社会信用代码": top["uscc"],
                "融资额(万元)": top["amount"] / WAN,
                "笔数": top["loans"],
                "首贷": top["first_loan"].map({True: "是", False: "否"}),
                "贷款银行": top["banks"],
            }
        ),
        {"融资额(万元)": "{:,.2f}"},
    )
