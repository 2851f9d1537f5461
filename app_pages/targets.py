"""年度目标: view and edit a year's targets per district and for the city."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from etl import compose
from etl.report import issues_frame
from pledge import metrics
from ui import session, widgets
from ui.data import query
from ui.database import store

user = session.require("analyst")
st.title("年度目标")
this_year = dt.date.today().year
years = list(range(this_year + 1, this_year - 6, -1))
year = st.selectbox("年度", years, index=1, format_func=lambda y: f"{y}年", key="targets_year")

grid = query(metrics.targets_grid, year)
if grid.drop(columns=["scope", "name"]).isna().all().all():
    previous = query(metrics.targets_grid, year - 1)
    st.info(f"{year}年还没有目标。可以直接填写，或以{year - 1}年的目标为起点。")
    if not previous.drop(columns=["scope", "name"]).isna().all().all() and st.button(
        f"复制{year - 1}年目标", key="copy_targets"
    ):
        st.session_state[f"targets_start_{year}"] = previous
start = st.session_state.get(f"targets_start_{year}", grid)

st.caption(
    "全市一行为空时，全市目标按各区县目标之和计算。金额单位为亿元，其余为件、家。保存后形成一批导入记录，可在“导入记录”中撤销。"
)
edited = st.data_editor(
    start.drop(columns=["scope"]),
    hide_index=True,
    width="stretch",
    key=f"targets_editor_{year}",
    disabled=["name"],
    num_rows="fixed",
    column_config={
        "name": st.column_config.TextColumn("区县"),
        "loan_amount": st.column_config.NumberColumn("质押融资金额(亿元)", min_value=0.0, format="%.2f"),
        "invention_patents": st.column_config.NumberColumn("质押发明专利(件)", min_value=0, step=1, format="%d"),
        "enterprises": st.column_config.NumberColumn("惠及企业(家)", min_value=0, step=1, format="%d"),
        "first_time_enterprises": st.column_config.NumberColumn("首贷企业(家)", min_value=0, step=1, format="%d"),
    },
)
if st.button("保存目标", type="primary", icon=":material/save:", key="save_targets"):
    parsed, result = compose.save_targets(store(), year, edited, user.name)
    if result is None:
        st.error("目标有误，未保存：")
        widgets.table(issues_frame(parsed))
    else:
        st.session_state.pop(f"targets_start_{year}", None)
        st.session_state["targets_saved"] = f"已保存{year}年目标（第{result.batch_id}批）"
        st.rerun()
if "targets_saved" in st.session_state:
    st.success(st.session_state.pop("targets_saved"))
st.caption("也可以在“数据导入”页面上传目标表（可下载模板）。")
