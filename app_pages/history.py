"""导入记录: every import, its original file, and undo."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import kinds
from etl import load as loader
from pledge import metrics
from pledge.text import md
from ui import session, widgets
from ui.data import query
from ui.database import store

user = session.require("analyst")
st.title("导入记录")
batches = query(metrics.import_batches)
if batches.empty:
    widgets.empty("还没有导入记录。")
    st.stop()

STATUS = {"active": "有效", "undone": "已撤销"}
table = pd.DataFrame(
    {
        "批次": batches["id"],
        "文件": batches["file_name"],
        "类型": batches["kind"].map(kinds.label),
        "状态": batches["status"].map(STATUS),
        "导入时间": batches["loaded_at"],
        "导入人": batches["user_name"],
        "读取": batches["rows_read"],
        "新增": batches["rows_new"],
        "更新": batches["rows_updated"],
        "重复": batches["rows_duplicate"],
        "撤回": batches["rows_withdrawn"],
        "跳过": batches["rows_skipped"],
        "提示": batches["warnings_count"],
        "撤销时间": batches["undone_at"],
        "撤销人": batches["undone_by"],
        "SHA-256": batches["sha256"].str[:12],
    }
)
widgets.table(table, height=min(520, 40 + 35 * len(table)))

st.subheader("查看或撤销一批导入")
labels = {row.id: f"第{row.id}批 ｜ {row.file_name} ｜ {STATUS[row.status]}" for row in batches.itertuples()}
chosen = st.selectbox("选择批次", list(labels), format_func=labels.get, key="history_batch")
row = batches[batches["id"] == chosen].iloc[0]
archived = store().path.parent / row["archive_path"] if isinstance(row["archive_path"], str) else None
left, right = st.columns(2)
if archived is not None and archived.exists():
    left.download_button(  # read when clicked: the original is not held in the media store before
        "下载原始文件", archived.read_bytes, row["file_name"], icon=":material/download:", key="original"
    )
else:
    left.caption("原始文件不在存档中。")
if row["status"] == "active":
    with right.popover("撤销这批导入", icon=":material/undo:"):
        st.warning(f"撤销第{chosen}批（{md(row['file_name'])}）后，它导入的数据不再计入统计，被它替换的旧记录恢复。")
        if st.button("确认撤销", type="primary", key="confirm_undo"):
            try:
                loader.undo(store(), int(chosen), user=user.name)
            except loader.LoadRefused as refused:
                st.error(md(str(refused)))
            else:
                st.session_state["undo_message"] = f"已撤销第{chosen}批（{row['file_name']}）"
                st.rerun()
else:
    right.caption(f"已于{row['undone_at']:%Y-%m-%d %H:%M}由{md(row['undone_by'])}撤销。")
if "undo_message" in st.session_state:
    st.success(md(st.session_state.pop("undo_message")))
