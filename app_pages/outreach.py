"""增量扩面: the white list of enterprises that could borrow (潜在首贷企业), pushed to banks; the
政银企对接 funnel; which banks answer. A district-limited viewer sees only its district (ui/data.py);
recording a push needs an analyst, checked again before anything is written (ui/whitelist_panel.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from pledge import charts_outreach, formats, metrics, whitelist_export
from pledge.catalogue import YI
from pledge.metrics.outreach import MATCH_DAYS
from pledge.text import md
from ui import session, sidebar, whitelist_panel, widgets
from ui.data import query

WAN = 10_000


def _money(yuan: float) -> str:
    """Totals in 亿元, amounts under one 亿 in 万元 (0.04亿元 reads better as 450.00万元)."""
    return formats.yi(yuan / YI) if yuan >= YI else formats.wan(yuan / WAN)


period = sidebar.render()
user = session.require("viewer")
st.title(
    "增量扩面（政银企对接）" if period is None or period.district is None else f"{md(period.district_name)}增量扩面"
)
if period is None:
    widgets.empty("还没有任何数据。请分析人员先导入区县名单、质押融资台账和企业名单。")
    st.stop()
year, as_of = period.year, period.as_of
scope_name = period.district_name or "全市"
if "outreach_done" in st.session_state:
    st.success(st.session_state.pop("outreach_done"), icon=":material/check_circle:")

white_tab, funnel_tab, bank_tab = st.tabs(["白名单（潜在首贷企业）", "对接漏斗", "银行反馈"])

with white_tab:
    listed = query(metrics.whitelist)
    st.caption(
        "企业名单中有有效发明专利、且台账中从未有过质押贷款的企业（贷过一次即不再列入），"
        "按有效发明专利数、标签数、有效专利数排序。"
    )
    if listed.empty:
        widgets.empty(
            "白名单为空：请先在“数据导入”上传企业名单（企业名称、统一社会信用代码、所属区县、有效发明专利数、标签）。"
        )
    else:
        by_district = query(metrics.whitelist_by_district)
        if period.district is None:
            widgets.table(
                pd.DataFrame(
                    {
                        "区县": by_district["district"],
                        "名单企业(家)": by_district["roster"],
                        "白名单(家)": by_district["whitelist"],
                        "已推送(家)": by_district["pushed"],
                        "有效发明专利(件)": by_district["invention_patents"].astype(int),
                    }
                ),
                {"有效发明专利(件)": "{:,}"},
            )
        left, middle, right = st.columns(3)
        districts = sorted(listed["district"].dropna().unique())
        chosen = left.multiselect("区县", districts, key="wl_districts", placeholder="全部区县")
        tags = sorted({t for row in listed["tags"] for t in row})
        wanted = middle.multiselect("标签", tags, key="wl_tags", placeholder="不限")
        fresh_only = right.checkbox("只看未推送过的企业", key="wl_fresh")
        shown = listed
        if chosen:
            shown = shown[shown["district"].isin(chosen)]
        if wanted:
            shown = shown[shown["tags"].map(lambda row: all(t in row for t in wanted))]
        if fresh_only:
            shown = shown[shown["pushes"].isna()]
        st.markdown(f"**{len(shown):,}家**（白名单共{len(listed):,}家）")
        widgets.table(whitelist_export.shown(shown.head(2000)), height=360 if len(shown) > 8 else "auto")
        if len(shown) > 2000:
            st.caption(f"显示前2,000家；下载含全部{len(shown):,}家。")
        st.download_button(
            "下载白名单（Excel）",
            data=lambda: whitelist_export.workbook(shown.reset_index(drop=True), None, scope_name),
            file_name=f"{scope_name}潜在首贷企业白名单_{dt.date.today():%Y%m%d}.xlsx",
            icon=":material/download:",
            key="wl_download",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        if user.can("analyst"):
            whitelist_panel.push_panel(listed, shown)

with funnel_tab:
    table = query(metrics.funnel_table, year)
    row = table.iloc[0]
    st.caption(
        f"{year}年举办的对接活动和登记的融资需求，不论何时放款。放款按台账匹配：同一企业在需求登记日"
        f"（推送更晚则推送日）后{MATCH_DAYS}天内有质押贷款即计为放款；首贷按台账“是否首贷”。"
    )
    cards = st.columns(4)
    cards[0].metric("对接活动", formats.count(row["events"], "场"))
    cards[1].metric("融资需求", formats.count(row["demands"], "户"))
    cards[1].caption(f"需求金额{_money(row['demand_amount'])}")
    cards[2].metric("放款", formats.count(row["disbursed"], "户"))
    cards[2].caption(f"放款金额{_money(row['disbursed_amount'])}（台账匹配）")
    median = row["median_days_to_loan"]
    cards[3].metric("需求到放款（中位数）", "—" if pd.isna(median) else f"{median:.0f}天")
    left, right = widgets.side_by_side(2, [3, 2])
    with left:
        widgets.chart(charts_outreach.funnel(row, year, as_of, scope_name))
    with right:
        st.markdown("**白名单直接推送**（无融资需求）")
        st.markdown(
            f"推送{int(row['wl_pushed']):,}家，放款{int(row['wl_disbursed']):,}家"
            f"（{_money(row['wl_amount'])}），其中首贷{int(row['wl_first_time']):,}家"
        )
    funnel_shown = pd.DataFrame(
        {
            "区县": table["name"],
            "对接活动(场)": table["events"],
            "对接企业(家)": table["reached"],
            "融资需求(户)": table["demands"],
            "需求金额(万元)": table["demand_amount"] / WAN,
            "推送银行(户)": table["pushed"],
            "获得授信(户)": table["credited"],
            "放款(户)": table["disbursed"],
            "放款金额(万元)": table["disbursed_amount"] / WAN,
            "其中首贷(户)": table["first_time"],
            "需求转化率": table["rate_demands"] * 100,
            "放款率": (table["disbursed"] / table["demands"].where(table["demands"] > 0)) * 100,
            "中位天数": table["median_days_to_loan"],
        }
    )
    money = {"需求金额(万元)": "{:,.2f}", "放款金额(万元)": "{:,.2f}", "需求转化率": "{:.1f}%", "放款率": "{:.1f}%"}
    counts = {c: "{:,}" for c in funnel_shown.columns if c.endswith(("(场)", "(家)", "(户)"))}
    widgets.table(funnel_shown, {**money, **counts, "中位天数": "{:.0f}"})
    leads = query(metrics.demand_list, year)
    leads_shown = pd.DataFrame(
        {
            "企业名称": leads["enterprise_name"],
            "统一社会信用代码": leads["uscc"],
            "区县": leads["district"],
            "来源": leads["is_demand"].map({True: "融资需求", False: "白名单推送"}),
            "登记/推送日期": leads["start_date"].map(formats.date_cn),
            "需求金额(万元)": leads["amount"] / WAN,
            "推送银行": leads["bank"],
            "银行反馈": leads["feedback"],
            "放款日期": leads["loan_date"].map(lambda d: "—" if pd.isna(d) else formats.date_cn(d)),
            "放款银行": leads["loan_bank"],
            "放款金额(万元)": leads["loan_amount"] / WAN,
            "首贷": leads["first_time"].map({True: "是", False: "否"}),
        }
    )
    with st.expander(f"{year}年需求与推送明细（{len(leads):,}条）"):
        widgets.table(leads_shown, {"需求金额(万元)": "{:,.2f}", "放款金额(万元)": "{:,.2f}"}, height=360)
    widgets.xlsx_download(
        {"漏斗": funnel_shown, "明细": leads_shown},
        f"{scope_name}{year}年政银企对接漏斗_{dt.date.today():%Y%m%d}.xlsx",
        "下载漏斗与明细（Excel）",
        key="funnel_download",
    )

with bank_tab:
    banks_frame = query(metrics.bank_response, year)
    st.caption(
        "按推送日期所在年度统计；放款指推送后台账中该银行对该企业的贷款（同一匹配窗口）；响应天数为推送到反馈的中位数。"
    )
    if banks_frame.empty:
        widgets.empty(f"{year}年没有推送到银行的记录。")
    else:
        widgets.chart(charts_outreach.banks(banks_frame, year, as_of, scope_name))
        banks_shown = pd.DataFrame(
            {
                "银行": banks_frame["bank"],
                "收到推送(户)": banks_frame["pushes"],
                "其中白名单(户)": banks_frame["whitelist_pushes"],
                "已反馈(户)": banks_frame["feedback"],
                "反馈率": banks_frame["feedback"] / banks_frame["pushes"] * 100,
                "授信(户)": banks_frame["credited"],
                "授信金额(万元)": banks_frame["credit_amount"] / WAN,
                "未通过(户)": banks_frame["declined"],
                "放款(户)": banks_frame["loans"],
                "响应天数(中位)": banks_frame["median_response_days"],
            }
        )
        widgets.table(banks_shown, {"反馈率": "{:.1f}%", "授信金额(万元)": "{:,.2f}", "响应天数(中位)": "{:.0f}"})
