"""区县与银行: the city's district list and the bank name aliases, edited by admins."""

from __future__ import annotations

import streamlit as st

from etl import compose
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
    "台账中的支行名称含有总行名称或其别名时，按总行统计（如“工行高新支行”计入中国工商银行）。修改只影响之后导入的数据。"
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
