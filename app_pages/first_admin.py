"""创建管理员: the only page of a deployment that has no account yet. Whoever creates the first
admin proves they run the server, with the one-time token printed on its console (or creates the
account there: python -m etl users add NAME --role admin)."""

from __future__ import annotations

import streamlit as st

from pledge import auth
from pledge.text import md
from ui import session
from ui.database import store

if not session.needs_first_admin():  # opened by its URL once an account exists
    st.error("您没有访问此页面的权限。", icon=":material/block:")
    st.stop()
session.setup_token_notice()
_, middle, _ = st.columns([1, 1.2, 1])
with middle:
    st.title("创建第一个管理员")
    st.info(
        "系统还没有任何账户，登录前需先创建管理员。请在服务器控制台（启动应用的终端或其日志）中查看"
        f"一次性令牌（{session.SetupToken.MINUTES}分钟内有效，仅可使用一次；过期后刷新本页会打印新令牌）。"
        "也可以在服务器上执行：`python -m etl users add 用户名 --role admin`，然后刷新本页。",
        icon=":material/key:",
    )
    with st.form("first_admin"):
        token = st.text_input("一次性令牌", type="password", key="setup_token")
        name = st.text_input("管理员用户名", key="setup_name")
        password = st.text_input("密码", type="password", key="setup_password")
        again = st.text_input("再输入一次", type="password", key="setup_again")
        submitted = st.form_submit_button("创建并登录", type="primary", width="stretch")
    if submitted:
        try:
            if not name.strip():
                raise auth.AuthError("用户名不能为空")
            if len(password) < auth.MIN_PASSWORD_LENGTH:
                raise auth.AuthError(f"密码至少{auth.MIN_PASSWORD_LENGTH}个字符")
            if password != again:
                raise auth.AuthError("两次输入的密码不一致")
            if not session.redeem_setup_token(token):
                raise auth.AuthError("令牌不正确或已过期，请查看服务器控制台上最新打印的令牌")
            auth.add_user(store(), name, password, "admin", by="首次设置（一次性令牌）")
            session.log_in(name, password)
        except auth.AuthError as refused:
            st.error(md(str(refused)))
        else:
            st.rerun()
