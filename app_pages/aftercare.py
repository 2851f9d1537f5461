"""贷后: loans maturing in the next 30 / 60 / 90 days by bank and district, overdue balances,
renewals and released pledges, and each bank's non-performing share against the tolerated margin."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pledge import charts, formats, metrics
from pledge.metrics import aftercare
from pledge.metrics import registrations as reg
from pledge.text import md
from ui import sidebar, widgets
from ui.data import query

period = sidebar.render()
st.title("贷后管理")
if period is None:
    widgets.empty("还没有任何数据。请先导入质押融资台账。")
    st.stop()
year, as_of = period.year, period.as_of
scope = period.district_name or charts.CITY_NAME
st.caption(
    f"{md(scope)}截至{formats.date_cn(as_of)}。到期日取台账的“到期日”，未填时按放款日期加贷款期限（月）推算；"
    "贷款余额为0的视为已结清。"
)


# -- maturities ----------------------------------------------------------------------------------
due = query(aftercare.maturing, as_of)
st.subheader("即将到期")
cards = st.columns(len(aftercare.HORIZONS))
for card, horizon in zip(cards, aftercare.HORIZONS):
    within = due[due["days_left"] <= horizon]
    outstanding = within["balance_wan"].fillna(within["amount_wan"]).sum()
    card.metric(f"{horizon}天内到期", f"{len(within)}笔")
    card.caption(f"余额合计{outstanding / 10_000:,.2f}亿元（未报余额的按贷款金额计）")

sheets: dict[str, pd.DataFrame] = {}
for by, label in (("bank", "质权人"), ("district", "区县")):
    grouped = query(aftercare.maturing_by, as_of, by)
    sheets[f"按{label}"] = pd.DataFrame(
        {
            label: grouped["name"],
            **{
                column: grouped[f"{what}_{h}"]
                for h in aftercare.HORIZONS
                for what, column in (("loans", f"{h}天内(笔)"), ("wan", f"{h}天内(万元)"))
            },
        }
    )
money = {f"{h}天内(万元)": "{:,.2f}" for h in aftercare.HORIZONS}
for label in ("按质权人", "按区县"):
    st.markdown(f"**{label}**（累计：60天内含30天内）")
    if sheets[label].empty:
        widgets.empty(f"{formats.date_cn(as_of)}后90天内没有到期的贷款。")
    else:
        widgets.table(sheets[label], money)
sheets["到期明细"] = formats.dates_cn(due, ["loan_date", "maturity"])[
    [
        "loan_id",
        "name",
        "district",
        "bank",
        "loan_date",
        "maturity",
        "days_left",
        "amount_wan",
        "balance_wan",
        "risk_class",
    ]
].set_axis(
    [
        "贷款编号",
        "企业名称",
        "区县",
        "质权人",
        "放款日期",
        "到期日",
        "剩余天数",
        "贷款金额(万元)",
        "贷款余额(万元)",
        "五级分类",
    ],
    axis=1,
)
overdue = query(aftercare.overdue, as_of)
sheets["逾期未结清"] = formats.dates_cn(overdue, ["loan_date", "maturity"])[
    ["loan_id", "name", "district", "bank", "loan_date", "maturity", "days_overdue", "balance_wan", "risk_class"]
].set_axis(
    ["贷款编号", "企业名称", "区县", "质权人", "放款日期", "到期日", "逾期天数", "贷款余额(万元)", "五级分类"], axis=1
)
with st.expander(f"到期明细（{len(due)}笔）与逾期未结清（{len(overdue)}笔）"):
    widgets.table(sheets["到期明细"], {"贷款金额(万元)": "{:,.2f}", "贷款余额(万元)": "{:,.2f}"})
    st.markdown("**已过到期日、仍有余额的贷款**")
    if overdue.empty:
        widgets.empty("没有逾期未结清的贷款（以台账报送的贷款余额为准）。")
    else:
        widgets.table(sheets["逾期未结清"], {"贷款余额(万元)": "{:,.2f}"})

# -- non-performing share by bank ------------------------------------------------------------------
st.subheader("不良贷款率（按质权人）")
overall = st.number_input(
    "银行业整体不良贷款率(%)",
    min_value=0.0,
    max_value=20.0,
    value=aftercare.OVERALL_NPL_PCT,
    step=0.01,
    format="%.2f",
    help="知识产权质押贷款不良率高于银行整体不良率3个百分点以内的，可以容忍；默认为商业银行2023年末不良贷款率",
    key="npl_overall",
)
npl = query(aftercare.npl_by_bank, as_of, overall_pct=overall)
tolerated = overall + aftercare.TOLERATED_POINTS
st.caption(
    f"不良 = 次级 + 可疑 + 损失；不良率 = 不良余额 ÷ 有五级分类的贷款余额。容忍上限 {tolerated:.2f}%"
    f"（整体不良率{overall:.2f}% + {aftercare.TOLERATED_POINTS:.0f}个百分点）。"
)
if npl.empty:
    widgets.empty("台账中还没有报送贷款余额和五级分类。")
else:
    sheets["不良率"] = pd.DataFrame(
        {
            "质权人": npl["bank"],
            "有分类贷款(笔)": npl["loans"],
            "贷款余额(万元)": npl["balance_wan"],
            "关注类(万元)": npl["special_wan"],
            "不良余额(万元)": npl["npl_wan"],
            "不良贷款(笔)": npl["npl_loans"],
            "不良率(%)": npl["npl_pct"],
            "容忍上限(%)": npl["tolerated_pct"],
            "超出容忍度": npl["above"].map({True: "是", False: "否"}),
        }
    )
    shown = npl[npl["npl_pct"] > 0]
    if not shown.empty:
        figure = charts.horizontal_bars(
            shown["bank"].tolist(),
            shown["npl_pct"].tolist(),
            "知识产权质押贷款不良率",
            "%",
            as_of,
            scope=scope,
            noun="家银行",
        )
        figure.add_vline(
            x=tolerated,
            line_dash="dash",
            line_color="#C0392B",
            annotation_text=f"容忍上限{tolerated:.2f}%",
            annotation_position="top right",
            annotation={"yanchor": "bottom", "font": {"color": "#C0392B"}},  # above the bars, never on them
        )
        figure.update_xaxes(range=[0, max(shown["npl_pct"].max() * 1.25, tolerated * 1.15)])  # the line in view
        widgets.chart(figure)
    widgets.table(
        sheets["不良率"],
        {
            "贷款余额(万元)": "{:,.2f}",
            "关注类(万元)": "{:,.2f}",
            "不良余额(万元)": "{:,.2f}",
            "不良率(%)": "{:.2f}",
            "容忍上限(%)": "{:.2f}",
        },
    )

# -- renewals and released pledges (from the registrations) ---------------------------------------
st.subheader(f"{year}年续贷与解除质押")
if not query(metrics.has_registrations):
    widgets.empty("续贷和解除质押依据质押登记数据，请先导入质押登记。")
else:
    released = query(reg.released, year, as_of)
    renewals = query(reg.renewals, year, as_of)
    sheets["解除质押"] = (
        formats.dates_cn(released, ["release_date", "reg_date", "maturity"])
        .assign(renewed=released["renewed"].map({True: "是", False: "否"}))[
            [
                "release_date",
                "registration_no",
                "reg_date",
                "pledgor",
                "district",
                "pledgee",
                "loan_ids",
                "maturity",
                "renewed",
            ]
        ]
        .set_axis(
            ["解除日", "登记号", "登记日", "出质人", "区县", "质权人", "对应贷款编号", "贷款到期日", "随后续贷"], axis=1
        )
    )
    sheets["续贷"] = formats.dates_cn(renewals, ["release_date", "new_date"])[
        [
            "release_date",
            "old_registration_no",
            "new_date",
            "new_registration_no",
            "pledgor",
            "district",
            "pledgee",
            "basis",
        ]
    ].set_axis(["解除日", "原登记号", "重新登记日", "新登记号", "出质人", "区县", "质权人", "依据"], axis=1)
    left, right = widgets.side_by_side(2)
    with left:
        st.markdown(f"**解除质押（{len(released)}件）**")
        if len(released):
            widgets.table(sheets["解除质押"])
        else:
            widgets.empty("没有解除质押的登记。")
    with right:
        st.markdown(f"**续贷（{len(renewals)}件）**")
        if len(renewals):
            widgets.table(sheets["续贷"])
        else:
            widgets.empty("没有续贷。")
widgets.xlsx_download(sheets, f"{scope}贷后管理_截至{as_of:%Y%m%d}.xlsx", "下载贷后清单（Excel）", key="aftercare_all")
