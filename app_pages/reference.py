"""区县与银行: the city's district list and the bank name aliases, edited by admins."""

from __future__ import annotations

import streamlit as st

from etl import aliases, compose
from etl.report import issues_frame
from pledge import banks, metrics
from pledge.text import md
from ui import session, widgets
from ui.data import query
from ui.database import store

admin = session.require("admin")
st.title("区县与银行")

st.subheader("区县名单")
st.caption(
    "行政区划代码为6位数字；别名用顿号分隔（如“高新区”）。已有贷款的区县不能删除。保存后形成一批导入记录，可撤销。"
)
current = query(metrics.district_list)
edited = st.data_editor(
    current,
    num_rows="dynamic",
    hide_index=True,
    width="stretch",
    key="districts_editor",
    column_config={
        "name": st.column_config.TextColumn("区县名称", required=True),
        "code": st.column_config.TextColumn("行政区划代码", required=True, max_chars=6),
        "aliases": st.column_config.TextColumn("别名"),
    },
)
if st.button("保存区县名单", type="primary", key="save_districts"):
    try:
        parsed, result = compose.save_districts(store(), edited, admin.name)
    except compose.LoadRefused as refused:
        st.error(md(str(refused)))
    else:
        if result is None:
            st.error("区县名单有误，未保存：")
            widgets.table(issues_frame(parsed))
        else:
            st.success(f"已保存区县名单（第{result.batch_id}批）")

st.divider()
st.subheader("银行名称")
st.caption(
    "台账中的支行名称含有总行名称或其别名时，按总行统计（如“工行高新支行”计入中国工商银行）。"
    "保存后，已导入的贷款也按新的名称表重新归入总行。"
)
bank_grid = st.data_editor(
    query(metrics.bank_aliases),
    num_rows="dynamic",
    hide_index=True,
    width="stretch",
    key="banks_editor",
    column_config={
        "name": st.column_config.TextColumn("总行名称", required=True),
        "aliases": st.column_config.TextColumn("别名（用顿号分隔）"),
    },
)
if st.button("保存银行名称", type="primary", key="save_banks"):
    banks.save(store(), bank_grid, admin.name)
    st.success("已保存银行名称")

st.divider()
st.subheader("导入时保存的名称映射")
st.caption(
    "分析人员在数据导入预览中把文件里不认识的区县写法、银行名称或表头映射到系统中的名称，以后的文件自动按此识别。"
    "删除银行映射后，已导入的贷款按文件中的写法重新归入总行。"
)
saved = query(aliases.listing)
removed = st.session_state.pop("aliases_removed", None)
if removed:
    st.success(removed)
if saved.empty:
    widgets.empty("还没有保存过名称映射。")
else:
    marked = st.data_editor(
        saved.assign(删除=False),
        hide_index=True,
        width="stretch",
        key=f"aliases_editor_{hash(tuple(zip(saved['kind'], saved['文件中的写法'])))}",  # ticks never outlive a removal
        disabled=[c for c in saved.columns if c != "删除"],
        column_order=["类型", "文件中的写法", "映射为", "保存人", "保存时间", "删除"],
        column_config={"保存时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )
    chosen = marked[marked["删除"]]
    if st.button("删除勾选的映射", key="remove_aliases", disabled=chosen.empty):
        moved = aliases.remove(store(), list(zip(chosen["kind"], chosen["文件中的写法"])), admin.name)
        note = f"，已导入贷款{moved.loans}笔改按文件中的写法归入总行" if moved.loans else ""
        st.session_state["aliases_removed"] = f"已删除{len(chosen)}项映射{note}"
        st.rerun()
