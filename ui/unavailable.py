"""What every visitor sees instead of the app when the database cannot be used: a damaged or
missing file (until an admin restores it) or one held by a long import. The navigation then holds
only this page, so no page list and no account page are ever offered around the problem."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from pledge.store import StoreBusy, StoreUnreadable


def show(problem: StoreBusy | StoreUnreadable) -> NoReturn:
    def page() -> None:
        if isinstance(problem, StoreBusy):
            st.title("数据正在写入")
            st.warning("数据正在写入（例如正在导入一批文件），请稍后刷新页面。", icon=":material/hourglass_top:")
            return
        st.title("系统暂时无法使用")
        st.error(f"{problem.what}，请管理员恢复。", icon=":material/database_off:")
        st.markdown("管理员请在服务器上的项目目录中执行：")
        st.code(
            "python -m etl restore --list   # 查看备份，损坏的会标出\npython -m etl restore          # 恢复最新的完好备份",
            language="bash",
        )
        st.caption(f"数据库文件：{problem.path.name}。恢复前的文件会另存为备份，不会丢失。")

    st.navigation([st.Page(page, title="系统提示", url_path="unavailable")], position="hidden").run()
    st.stop()
