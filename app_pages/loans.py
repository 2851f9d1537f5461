"""贷款核对: near duplicates (疑似重复) to merge or keep apart, and one loan to correct or withdraw.
Each action is a small batch that 导入记录 can undo (etl/corrections.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import corrections
from etl.issues import LoadRefused
from pledge import formats, metrics, suspects
from pledge.text import md
from ui import session, sidebar, widgets
from ui.data import query
from ui.database import store

user = session.require("analyst")
period = sidebar.render()
st.title("贷款核对")
WAN = 10_000


def _done(message: str) -> None:
    st.session_state["loans_done"] = message
    st.rerun()


if "loans_done" in st.session_state:
    st.success(st.session_state.pop("loans_done"), icon=":material/check_circle:")

st.subheader("疑似重复")
year = period.year if period else None
groups = query(suspects.suspect_groups, year)
st.caption(
    "同一企业、同一质权人、金额相同，放款日期相差不超过31天的贷款（例如区县按登记日、银行按放款日报送同一笔贷款）。"
    "合并时保留所选的一笔，其余撤回；确认不是重复后不再列出。"
)
if not groups:
    widgets.empty(f"{year or ''}{'年' if year else ''}没有疑似重复的贷款。")
for n, group in enumerate(groups):
    loans = pd.DataFrame(group["loans"])
    with st.container(border=True):
        st.markdown(f"**第{n + 1}组**：{md(group['reason'])}")
        widgets.table(
            pd.DataFrame(
                {
                    "编号": loans["id"],
                    "企业名称": loans["name"],
                    "质权人": loans["bank"],
                    "放款日期": loans["loan_date"],
                    "贷款金额(万元)": loans["amount_wan"],
                    "质押登记号": loans["reg_no"],
                    "来源": [f"第{b}批 {f}" for b, f in zip(loans["batch"], loans["file_name"])],
                }
            ),
            {"贷款金额(万元)": "{:,.2f}"},
        )
        ids = loans["id"].tolist()
        left, middle, right = st.columns([2, 1, 1], vertical_alignment="bottom")
        keep = left.selectbox("保留哪一笔", ids, key=f"keep_{n}", format_func=lambda i: f"编号{i}")
        if middle.button("合并", key=f"merge_{n}", icon=":material/merge:", type="primary"):
            try:
                batch = corrections.merge_loans(store(), keep, ids, user=user.name)
            except LoadRefused as refused:
                st.error(md(str(refused)))
            else:
                _done(f"已合并为编号{keep}的贷款（第{batch}批，可在导入记录中撤销）。")
        if right.button("不是重复", key=f"apart_{n}", icon=":material/call_split:"):
            try:
                corrections.keep_apart(store(), ids, user=user.name)
            except LoadRefused as refused:
                st.error(md(str(refused)))
            else:
                _done("已确认为不同的贷款，不再列为疑似重复。")

st.subheader("更正或撤回一笔贷款")
asked = st.query_params.get("loan")
number = st.number_input(
    "贷款编号（企业页面“全部贷款”表中的编号）",
    min_value=0,
    step=1,
    value=int(asked) if asked and asked.isdigit() else 0,
    key="loan_number",
)
if not number:
    st.stop()
found = query(metrics.current_loan, int(number))
if found.empty:
    widgets.empty(f"没有编号为{int(number)}的当前贷款（可能已被更正或撤回）。")
    st.stop()
loan = found.iloc[0]
st.caption(
    f"{md(loan['enterprise_name'])}（{md(loan['uscc'])}） ｜ {md(loan['district'] or '')} ｜ {md(loan['bank'])} ｜ "
    f"{formats.date_cn(loan['loan_date'].date())}放款 {loan['amount'] / WAN:,.2f}万元 ｜ "
    f"来源：第{loan['batch_id']}批 {md(loan['file_name'])} {md(loan['source_sheet'] or '')} 第{loan['source_row']}行"
)
districts = query(metrics.district_list)["name"].tolist()
with st.form(f"edit_{int(number)}"):
    a, b = st.columns(2)
    values = {
        "enterprise_name": a.text_input("企业名称", loan["enterprise_name"]),
        "district_code": b.selectbox(
            "所属区县", districts, index=districts.index(loan["district"]) if loan["district"] in districts else 0
        ),
        "bank": a.text_input("质权人", loan["bank"]),
        "amount_wan": b.text_input("贷款金额(万元)", f"{loan['amount'] / WAN:.2f}"),
        "loan_date": a.date_input("放款日期", loan["loan_date"].date()),
        "first_loan": b.selectbox("是否首贷", ["是", "否"], index=0 if loan["first_loan"] else 1),
        "reg_no": a.text_input("质押登记号", loan["reg_no"] or ""),
    }
    reason = b.text_input("原因（必填）", placeholder="例如：银行来函更正金额")
    save, withdraw = st.columns(2)
    saved = save.form_submit_button("保存更正", type="primary", icon=":material/save:")
    withdrawn = withdraw.form_submit_button("撤回此笔贷款", icon=":material/remove_circle:")
if saved or withdrawn:
    try:
        if saved:
            changed = {k: v for k, v in values.items() if not (k == "reg_no" and not v and not loan["reg_no"])}
            batch = corrections.edit_loan(store(), int(number), changed, reason, user=user.name)
            message = f"已保存更正（第{batch}批，可在导入记录中撤销）。"
        else:
            batch = corrections.withdraw_loans(store(), [int(number)], reason, user=user.name)
            message = f"已撤回编号{int(number)}的贷款（第{batch}批，可在导入记录中撤销）。"
    except LoadRefused as refused:
        st.error(md(str(refused)), icon=":material/error:")
    else:
        st.query_params.pop("loan", None)
        st.session_state.pop("loan_number", None)
        _done(message)
