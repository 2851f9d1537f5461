"""企业: find an enterprise, the largest borrowers, this year's first-time borrowers, one
enterprise's loans with where each came from."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl.normalise import SOLE_TRADER_PREFIX
from pledge import charts, formats, metrics
from pledge.text import md
from ui import session, sidebar, widgets
from ui.data import later, query

period = sidebar.render()
st.title("企业")
if period is None:
    widgets.empty("还没有任何数据。请先导入质押融资台账。")
    st.stop()
year, as_of = period.year, period.as_of
WAN = 10_000
PAGE_SIZE = 50  # first-time borrowers per page
FIRST_PAGE = "first_time_page"  # the page number box

search = st.text_input(
    "查找企业", placeholder="输入企业名称中的字词，或统一社会信用代码的开头", key="enterprise_search"
)
selected = None
if search.strip():
    found = query(metrics.search_enterprises, search.strip(), 50)
    if found.empty:
        widgets.empty(f"没有找到与“{md(search.strip())}”相符的企业。")
    else:
        labels = [f"{n}（{u}）" for n, u in zip(found["name"], found["uscc"])]
        picked = st.selectbox(f"找到{len(found)}家企业", labels, key="enterprise_pick")
        selected = found.iloc[labels.index(picked)]

if selected is not None:
    uscc = selected["uscc"]
    st.subheader(md(selected["name"]))
    code = "无（个体工商户，按名称和区县识别）" if uscc.startswith(SOLE_TRADER_PREFIX) else md(uscc)
    st.caption(f"统一社会信用代码 {code} ｜ 所属区县 {md(selected['district'] or '—')}")
    history = query(metrics.enterprise_history, uscc)
    loans = query(metrics.enterprise_loans, uscc)
    cols = st.columns(3)
    cols[0].metric("累计质押融资", formats.wan(history["amount"].sum() / WAN))
    cols[1].metric("累计贷款笔数", formats.count(history["loans"].sum(), "笔"))
    cols[2].metric("最近放款", formats.date_cn(loans["loan_date"].iloc[0].date()) if len(loans) else "—")
    if len(history) > 1:
        widgets.chart(
            charts.horizontal_bars(
                [f"{y}年" for y in history["year"]],
                (history["amount"] / WAN).tolist(),
                "历年质押融资额",
                "万元",
                as_of,
                scope=selected["name"],
                digits=0,
            )
        )
    st.markdown("**全部贷款**（含来源：文件、工作表、Excel行号、导入批次）")
    widgets.table(
        pd.DataFrame(
            {
                "编号": loans["loan_id"],
                "放款日期": loans["loan_date"].dt.date,
                "质权人": loans["bank"],
                "放款机构（原文）": loans["bank_raw"],
                "金额(万元)": loans["amount"] / WAN,
                "期限(月)": loans["term_months"],
                "年利率(%)": loans["rate_pct"].astype(object).where(loans["rate_pct"].notna(), loans["rate_text"]),
                "首贷": loans["first_loan"].map({True: "是", False: "否"}),
                "贴息(万元)": loans["subsidy"] / WAN,
                "质押物类型": loans["pledge_type"],
                "质押专利（类型）": loans["patents"],
                "质押登记号": loans["reg_no"],
                "来源文件": loans["file_name"],
                "工作表": loans["source_sheet"],
                "行号": loans["source_row"],
                "导入批次": loans["batch_id"],
                "导入时间": loans["loaded_at"],
                "导入人": loans["user_name"],
            }
        ),
        {"金额(万元)": "{:,.2f}", "贴息(万元)": "{:,.2f}", "期限(月)": "{:.0f}"},
    )
    viewer = session.current_user()
    if viewer is not None and viewer.can("analyst") and len(loans):
        st.page_link(
            "app_pages/loans.py",
            label=f"更正或撤回这家企业的贷款（编号{loans['loan_id'].iloc[0]}等）",
            icon=":material/edit:",
            query_params={"loan": str(loans["loan_id"].iloc[0])},
        )
    st.divider()

left, right = widgets.side_by_side(2)
with left:
    top = query(metrics.top_enterprises, year, as_of, 15)
    if top.empty:
        widgets.empty(f"{year}年1月1日至{formats.date_cn(as_of)}没有质押贷款记录。")
    else:
        widgets.chart(
            charts.horizontal_bars(
                top["name"].tolist(),
                (top["amount"] / WAN).tolist(),
                f"{year}年质押融资额前15家企业",
                "万元",
                as_of,
                scope=period.district_name or charts.CITY_NAME,
                digits=0,
                noun="家企业",
            )
        )
with right:
    # A national list runs to thousands: the page shows one page of it, the download has all.
    first = query(metrics.first_time_page, year, as_of, widgets.current_page(FIRST_PAGE), PAGE_SIZE)
    rows = first["rows"]
    st.markdown(f"**{year}年首贷企业（{formats.count(first['total'], '家')}）**")
    if rows.empty:
        widgets.empty("本期没有首贷企业。")
    else:
        widgets.table(
            pd.DataFrame(
                {
                    "企业名称": rows["name"],
                    "所属区县": rows["district"],
                    "首贷日期": pd.to_datetime(rows["first_loan_date"]).dt.date,
                    "融资额(万元)": rows["amount"] / WAN,
                    "贷款银行": rows["banks"],
                }
            ),
            {"融资额(万元)": "{:,.2f}"},
            height=520,
        )
        widgets.pager(first, PAGE_SIZE, FIRST_PAGE)
        whole = later(metrics.first_time_borrowers, year, as_of)
        widgets.xlsx_download(
            lambda: {
                "首贷企业": whole().rename(
                    columns={
                        "uscc": "统一社会信用代码",
                        "name": "企业名称",
                        "district": "所属区县",
                        "first_loan_date": "首贷日期",
                        "amount": "融资额(元)",
                        "banks": "贷款银行",
                    }
                )
            },
            f"{year}年首贷企业_截至{as_of:%Y%m%d}.xlsx",
            "下载首贷企业名单（Excel）",
        )
