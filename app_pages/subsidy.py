"""贴息: the year's budget (everyone, a district sees its own), and for analysts the claims with their
explanation and workflow, the 公示 list (.xlsx, .docx) and the payment list per district."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from pledge import formats
from pledge.export import xlsx_bytes
from pledge.subsidy import documents, workflow
from pledge.subsidy.figures import (
    RETURNED,
    STATES,
    budget,
    claim_awards,
    claim_history,
    payment_list,
    policy_years,
    public_list,
)
from pledge.text import md
from ui import session, widgets
from ui.data import query
from ui.database import store

user = session.require("viewer")
st.title("贴息审核与预算")
this_year = dt.date.today().year
known = query(policy_years)
years = sorted({this_year, this_year - 1, *known}, reverse=True)
year = st.selectbox(
    "年度",
    years,
    index=years.index(known[0] if known else this_year),
    format_func=lambda y: f"{y}年",
    key="subsidy_year",
)
figures = query(budget, year)
if figures["policy"] is None:
    widgets.empty(f"{year}年还没有贴息政策。市级分析员可在“贴息政策”页面填写。")
    st.stop()
scope = f"{md(user.district_name)}" if user.district_code else "全市"
st.caption(f"{md(figures['policy'])}｜{scope}｜截至{formats.date_cn(figures['as_of'])}，金额单位：万元")


def wan(value) -> str:
    return "—" if value is None else f"{value:,.2f}万元"


cards = st.columns(4)
if figures["budget_wan"] is not None:
    cards[0].metric("年度预算", wan(figures["budget_wan"]))
    cards[3].metric("剩余预算", wan(figures["remaining_wan"]), help="预算 − 已核定")
cards[1].metric("已核定", wan(figures["approved_wan"]), help="已核定和已拨付的申报，核定时确定的金额")
cards[2].metric("已拨付", wan(figures["paid_wan"]))
more = st.columns(4)
more[0].metric("申报", f"{figures['claims']}笔")
more[1].metric("在审", f"{figures['pending_claims']}笔", help="已受理、区县初审、市级复核、公示")
more[2].metric("在审申报按政策计需", wan(figures["pending_need_wan"]), help="在审申报全部核定所需（未按预算核减）")
more[3].metric("退回", f"{figures['returned_claims']}笔")
if figures["burn"] is not None:
    st.progress(
        min(float(figures["burn"]), 1.0),
        text=f"拨付进度 **{formats.pct(figures['burn'])}** ｜ 序时进度 {formats.pct(figures['time_progress'])}",
    )
if figures["shortfall_wan"]:
    st.warning(
        f"已核定与在审申报合计超出预算{figures['shortfall_wan']:,.2f}万元：按政策的超预算规则核减（见各笔说明）。"
    )

if not user.can("analyst"):
    st.stop()

claims = query(claim_awards, year)
review, public, payments = st.tabs(["申报审核", "公示名单", "拨付清单"])

with review:
    filters = st.columns(3)
    districts = sorted(claims["district"].dropna().unique())
    chosen_districts = filters[0].multiselect("区县", districts, key="subsidy_districts", placeholder="全部区县")
    states = filters[1].multiselect("状态", [*STATES, RETURNED], key="subsidy_states", placeholder="全部状态")
    focus = filters[2].selectbox(
        "范围", ["全部", "符合政策", "不符合政策", "台账中未找到"], key="subsidy_focus"
    )  # fmt: skip
    shown = claims
    if chosen_districts:
        shown = shown[shown["district"].isin(chosen_districts)]
    if states:
        shown = shown[shown["state"].isin(states)]
    if focus == "符合政策":
        shown = shown[shown["eligible"].fillna(False).astype(bool)]
    elif focus == "不符合政策":
        shown = shown[~shown["eligible"].fillna(False).astype(bool)]
    elif focus == "台账中未找到":
        shown = shown[~shown["in_ledger"]]
    table = pd.DataFrame(
        {
            "受理序号": shown["order"],
            "企业名称": shown["enterprise_name"],
            "所属区县": shown["district"],
            "质权人": shown["bank"],
            "贷款金额(万元)": shown["amount_wan"],
            "放款日期": shown["loan_date"].map(lambda d: formats.date_cn(d) if pd.notna(d) else "—"),
            "结清日期": shown["settle_date"].map(lambda d: formats.date_cn(d) if pd.notna(d) else "未结清"),
            "状态": shown["state"],
            "贴息及补贴(万元)": shown["award_wan"],
            "台账": shown["in_ledger"].map({True: "已匹配", False: "未找到"}),
            "说明": shown["说明"],
        }
    )
    st.caption(f"共{len(table)}笔，贴息及补贴合计{table['贴息及补贴(万元)'].sum():,.2f}万元")
    widgets.table(
        table,
        {"贷款金额(万元)": "{:,.2f}", "贴息及补贴(万元)": "{:,.4f}"},
        height="auto" if len(table) <= 10 else 360,  # no empty rows under a short list
        column_config={"说明": st.column_config.TextColumn(width="large")},
    )
    st.download_button(
        "下载审核表（含说明）",
        data=lambda: xlsx_bytes({"贴息申报审核": table}),
        file_name=f"{year}年贴息申报审核表.xlsx",
        icon=":material/download:",
        on_click="ignore",  # nothing on the page changes: no rerun
        key="claims_xlsx",
    )

    st.subheader("办理")

    def act(keys: list[str], action: str, reason: str) -> None:
        """The move, checked again on the server (workflow.move), then a fresh page."""
        try:
            moved = workflow.move(store(), user, year, keys, action, reason)
        except workflow.MoveRefused as refused:
            st.error(md(str(refused)))
        else:
            st.session_state["subsidy_moved"] = f"已将{moved}笔申报办理为“{action}”"
            st.session_state["subsidy_keep"] = st.session_state.get("subsidy_pick")
            for done in ("subsidy_reason", "batch_reason"):
                st.session_state.pop(done, None)
            st.rerun()

    labels = {
        row.claim_key: f"{row.order}. {row.enterprise_name}｜{row.bank}｜{row.amount_wan:,.2f}万元｜{row.state}"
        for row in shown.itertuples(index=False)
    }
    if st.session_state.get("subsidy_keep") in labels:  # the claim just moved stays chosen (its label changed)
        st.session_state["subsidy_pick"] = st.session_state.pop("subsidy_keep")
    key = st.selectbox(
        "申报", list(labels), index=None, format_func=labels.get, key="subsidy_pick", placeholder="选择一笔申报"
    )
    if key is not None:
        one = shown[shown["claim_key"] == key].iloc[0]
        st.markdown(f"**{md(one['enterprise_name'])}**：{md(one['说明'])}")
        history = query(claim_history, year, key)
        if len(history):
            widgets.table(history)
        allowed = workflow.targets(one["state"])
        if allowed:
            action = st.selectbox("办理为", allowed, key=f"subsidy_action_{one['state']}")  # fresh for each state
            reason = st.text_input("原因或意见（退回必填）", key="subsidy_reason")
            if st.button("确认办理", type="primary", key="subsidy_move"):
                act([key], action, reason)
    with st.expander("批量办理（当前筛选出的申报）"):
        present = [s for s in [*STATES, RETURNED] if s in set(shown["state"]) and workflow.targets(s)]
        if not present:
            st.caption("筛选出的申报没有可办理的下一步。")
        else:
            from_state = st.selectbox("处于", present, key="batch_from")
            batch = shown[shown["state"] == from_state]["claim_key"].tolist()
            to_state = st.selectbox("办理为", workflow.targets(from_state), key="batch_to")
            batch_reason = st.text_input("原因或意见（退回必填）", key="batch_reason")
            if st.button(f"将这{len(batch)}笔一并办理", key="batch_move"):
                act(batch, to_state, batch_reason)
    if "subsidy_moved" in st.session_state:
        st.success(st.session_state.pop("subsidy_moved"))

with public:
    names = query(public_list, year)
    st.caption(f"处于公示及以后状态的申报：{len(names)}笔，合计{names['贴息及补贴金额(万元)'].sum():,.2f}万元")
    widgets.table(names, {"贷款金额(万元)": "{:,.2f}", "贴息及补贴金额(万元)": "{:,.2f}"})
    left, right = st.columns(2)
    left.download_button(
        "下载公示名单（Excel）",
        data=lambda: documents.public_xlsx(names, year),
        file_name=f"{documents.public_title(year)}.xlsx",
        icon=":material/download:",
        on_click="ignore",  # nothing on the page changes: no rerun
        key="public_xlsx",
    )
    office = right.text_input("落款单位", "市市场监督管理局", key="public_office")
    right.download_button(
        "下载公示文件（Word）",
        data=lambda: documents.public_docx(names, year, office),
        file_name=f"关于{documents.public_title(year)}的公示.docx",
        icon=":material/description:",
        on_click="ignore",  # nothing on the page changes: no rerun
        key="public_docx",
    )

with payments:
    paying = query(payment_list, year)
    totals = documents.payment_totals(paying)
    st.caption("已核定（待拨付）和已拨付的申报，按区县汇总，金额单位：万元")
    money = {c: "{:,.2f}" for c in ("核定金额(万元)", "已拨付(万元)", "待拨付(万元)", "贷款金额(万元)")}
    widgets.table(totals, money)
    with st.expander("明细"):
        widgets.table(paying, money)
    st.download_button(
        "下载拨付清单（Excel，分区县）",
        data=lambda: documents.payment_xlsx(paying),
        file_name=f"{year}年贴息拨付清单.xlsx",
        icon=":material/download:",
        on_click="ignore",  # nothing on the page changes: no rerun
        key="payment_xlsx",
    )
