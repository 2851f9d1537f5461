"""登录: the only page before signing in."""

from __future__ import annotations

import streamlit as st

from pledge import auth
from pledge.text import md
from ui import session

_, middle, _ = st.columns([1, 1.2, 1])
with middle:
    st.title("知识产权质押融资监测平台")
    message = st.session_state.pop("login_message", None)
    if message:
        st.warning(message)
    with st.form("login"):
        name = st.text_input("用户名", key="login_name")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary", width="stretch")
    if submitted:
        try:
            session.log_in(name, password)
        except auth.AuthError as refused:
            st.error(md(str(refused)))
        else:
            st.rerun()
    st.caption(
        "忘记密码或多次输错后被暂停登录，请联系管理员（python -m etl users passwd 用户名 / users unlock 用户名）。"
    )
