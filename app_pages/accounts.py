"""账户管理: who may use the system, in which role."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pledge import auth, metrics
from pledge.text import md
from ui import session, widgets
from ui.data import query
from ui.database import store

admin = session.require("admin")
st.title("账户管理")
users = auth.list_users(store())
if users:
    widgets.table(
        pd.DataFrame(
            {
                "用户": [u["name"] for u in users],
                "角色": [auth.ROLE_LABELS[u["role"]] for u in users],
                "范围": [u["district"] or "全市" for u in users],
                "最近登录": [u["last_login_at"] for u in users],
                "锁定至": [u["locked_until"] for u in users],
            }
        )
    )
else:
    widgets.empty("还没有账户：系统处于演示模式，所有页面开放。添加第一个管理员后需登录使用。")

districts = query(metrics.districts)["name"].tolist()
left, right = st.columns(2)
with left, st.form("add_user", clear_on_submit=True):
    st.markdown("**添加用户**")
    name = st.text_input("用户名")
    role = st.selectbox("角色", list(auth.ROLES), format_func=auth.ROLE_LABELS.get, index=1)
    district = st.selectbox(
        "限定区县（查看角色；或分析员，只办理本区县贴息初审）",
        [None, *districts],
        format_func=lambda d: "全市" if d is None else d,
    )
    password = st.text_input("初始密码", type="password")
    again = st.text_input("再输入一次", type="password")
    if st.form_submit_button("添加", type="primary"):
        try:
            if password != again:
                raise auth.AuthError("两次输入的密码不一致")
            auth.add_user(store(), name, password, role, district, by=admin.name)
        except auth.AuthError as refused:
            st.error(md(str(refused)))
        else:
            st.success(f"已添加用户 {md(name)}")
            st.rerun()
with right:
    names = [u["name"] for u in users]
    if names:
        with st.form("reset_password", clear_on_submit=True):
            st.markdown("**重置密码 / 删除用户**")
            target = st.selectbox("用户", names)
            password = st.text_input("新密码", type="password")
            reset, remove = st.columns(2)
            try:
                if reset.form_submit_button("重置密码"):
                    auth.set_password(store(), target, password, by=admin.name)
                    st.success(f"已重置 {md(target)} 的密码")
                if remove.form_submit_button("删除用户"):
                    if target == admin.name:
                        raise auth.AuthError("不能删除当前登录的账户")
                    auth.remove_user(store(), target, by=admin.name)
                    st.rerun()
            except auth.AuthError as refused:
                st.error(md(str(refused)))

locked = auth.locked_names(store())
if locked:
    with st.form("unlock"):
        st.markdown("**解除登录锁定**")
        st.caption("连续输错密码的用户名会暂停登录一段时间；确认是本人后可在此立即解除。")
        target = st.selectbox(
            "被暂停登录的用户名", sorted(locked), format_func=lambda n: f"{n}（至{locked[n]:%H:%M}）", key="unlock_name"
        )
        if st.form_submit_button("解除锁定"):
            auth.unlock_user(store(), target, by=admin.name)
            st.success(f"已解除 {md(target)} 的登录锁定")
            st.rerun()
