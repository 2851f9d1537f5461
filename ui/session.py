"""Who is using the app, enforced on the server: navigation lists only the pages a role may use,
and every restricted page checks the role again before it draws anything."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from pledge import auth
from pledge.store import Store
from pledge.text import md
from ui.database import store


@st.cache_data(show_spinner=False)
def _count_users(db_path: str, data_version: tuple) -> int:
    with Store(db_path).read() as con:
        return auth.count_users(con)


@st.cache_data(show_spinner=False, max_entries=1024)
def _account_state(db_path: str, data_version: tuple, name: str) -> tuple | None:
    with Store(db_path).read() as con:
        return auth.account_state(con, name)


def accounts_exist() -> bool:
    """No account yet means demo mode: every page open. Re-read whenever the file changes."""
    s = store()
    return _count_users(str(s.path), s.data_version()) > 0


def current_user() -> auth.User | None:
    """The signed-in user; the demo user while no account exists; None when a login is needed."""
    if not accounts_exist():
        return auth.DEMO_USER
    user = st.session_state.get("user")
    if user is None:
        return None
    last_seen = st.session_state.get("last_seen")
    now = dt.datetime.now()
    if last_seen and now - last_seen > dt.timedelta(minutes=auth.SESSION_IDLE_MINUTES):
        log_out(f"超过{auth.SESSION_IDLE_MINUTES}分钟未操作，已自动退出，请重新登录")
        return None
    s = store()
    if not auth.still_valid(user, _account_state(str(s.path), s.data_version(), user.name)):
        log_out("账户已被删除或变更（角色、区县或密码），请重新登录")
        return None
    st.session_state["last_seen"] = now
    return user


def scope() -> str | None:
    """The district a signed-in viewer is limited to; None for a city-wide account or demo mode."""
    user = st.session_state.get("user")
    return user.district_code if user is not None else None


def log_in(name: str, password: str) -> auth.User:
    user = auth.authenticate(store(), name, password)
    st.session_state["user"] = user
    st.session_state["last_seen"] = dt.datetime.now()
    return user


def log_out(message: str | None = None) -> None:
    for key in ("user", "last_seen"):
        st.session_state.pop(key, None)
    if message:
        st.session_state["login_message"] = message


def require(role: str = "viewer") -> auth.User:
    """Stop the page unless the user holds the role (at least). Every page calls it first, so that
    no page draws a figure for someone who has not signed in, however it was reached."""
    user = current_user()
    if user is None or not user.can(role):
        st.error("您没有访问此页面的权限。", icon=":material/block:")
        st.stop()
    return user


def user_badge(user: auth.User) -> None:
    with st.sidebar:
        if not accounts_exist():
            st.caption(
                ":material/lock_open: **演示模式**：尚未创建账户，所有页面开放",
                help="创建第一个管理员后即需登录：python -m etl users add admin --role admin",
            )
            return
        scope = f"，{md(user.district_name)}" if user.district_name else ""
        st.caption(f"当前用户：**{md(user.name)}**（{user.role_label}{scope}）")
        if st.button("退出登录", icon=":material/logout:", key="logout"):
            log_out()
            st.rerun()
