"""The white list's push plan on 增量扩面: an analyst assigns the top enterprises of the filtered
list to a bank, again for the next bank, downloads the plan (one sheet per bank) and records the
push (a batch 导入记录 can undo). The plan lives in the session until it is recorded or cleared."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from etl import pushes
from etl.issues import LoadRefused
from pledge import whitelist_export
from pledge.schema import DEFAULT_BANKS
from ui import session, widgets
from ui.database import store

PLAN = "wl_plan"  # session key: list of (uscc, bank)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plan() -> list[tuple[str, str]]:
    return st.session_state.setdefault(PLAN, [])


def _record(plan: pd.DataFrame, day: dt.date) -> None:
    current = session.current_user()
    if current is None or not current.can("analyst"):  # checked again on the server before writing
        st.error("只有分析人员可以记录推送。")
        return
    try:
        batch = pushes.record_pushes(
            store(), plan[["uscc", "bank"]], day, user=current.name, district=current.district_code
        )
    except LoadRefused as refused:
        st.error(str(refused))
        return
    st.session_state[PLAN] = []
    st.session_state["outreach_done"] = f"已记录推送{len(plan)}家企业（第{batch}批，可在“导入记录”撤销）"
    st.rerun()


def push_panel(listed: pd.DataFrame, shown: pd.DataFrame) -> None:
    """listed: the whole white list in scope; shown: the filtered rows, best first."""
    planned = {uscc for uscc, _ in _plan()}
    with st.container(border=True):
        st.markdown("**推送给银行**：按当前筛选和排序，把尚未分配的前N家企业分配给一家银行，可多次分配给不同银行。")
        left, middle, right = st.columns([3, 2, 2], vertical_alignment="bottom")
        bank = left.selectbox("推送银行", list(DEFAULT_BANKS), key="wl_bank")
        count = middle.number_input("前N家", min_value=1, max_value=500, value=10, step=1, key="wl_count")
        if right.button("加入推送名单", icon=":material/playlist_add:", key="wl_add"):
            free = shown[~shown["uscc"].isin(planned)].head(int(count))
            st.session_state[PLAN] = _plan() + [(u, bank) for u in free["uscc"]]
            st.rerun()
        if not planned:
            st.caption("推送名单为空。")
            return
        plan = pd.DataFrame(_plan(), columns=["uscc", "bank"]).merge(listed, on="uscc")
        summary = plan.groupby("bank", sort=False).size()
        st.markdown("推送名单：" + "；".join(f"{b} {n}家" for b, n in summary.items()))
        columns = ["推送银行", "企业名称", "统一社会信用代码", "所属区县", "有效发明专利数(件)", "标签"]
        widgets.table(whitelist_export.shown(plan).assign(推送银行=plan["bank"])[columns])
        first, second, third = st.columns([2, 2, 1], vertical_alignment="bottom")
        first.download_button(
            "下载推送名单（Excel，每家银行一个工作表）",
            data=lambda: whitelist_export.workbook(plan, plan["bank"]),
            file_name=f"白名单推送名单_{dt.date.today():%Y%m%d}.xlsx",
            icon=":material/download:",
            key="wl_plan_download",
            mime=XLSX,
        )
        if third.button("清空", key="wl_clear"):
            st.session_state[PLAN] = []
            st.rerun()
        with second.form("wl_push", border=False):
            day = st.date_input("推送日期", value=dt.date.today(), max_value=dt.date.today(), format="YYYY-MM-DD")
            if st.form_submit_button("记录推送", icon=":material/send:"):
                _record(plan, day)
