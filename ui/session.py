"""Who is using the app, enforced on the server: navigation lists only the pages a role may use,
and every restricted page checks the role again before it draws anything.

A sign-in lasts beyond one browser tab: its random token goes into a cookie (SameSite=Strict,
Secure over https; Streamlit cannot send Set-Cookie, so a two-line script writes it), and the
server keeps the token's digest (pledge/sessions.py). A reload, a bookmark or a second tab sends
the cookie with the page's connection and resumes the session if the server still knows it; the
account is re-checked on every request all the same. Logging out deletes the server's record, so
a copied cookie is worthless afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

import streamlit as st

from pledge import auth, settings
from pledge.sessions import SetupToken
from pledge.sql import fetch_one
from pledge.store import Store
from pledge.text import md
from ui.database import store

COOKIE = "pledge_session"
# Every page open while no account exists, on a database that is not the built-in demo: for the
# test suite and a private demo on one's own machine, never for a deployment.
OPEN_WITHOUT_ACCOUNTS = "PLEDGE_OPEN_WITHOUT_ACCOUNTS"


@st.cache_data(show_spinner=False)
def _count_users(db_path: str, data_version: tuple) -> int:
    with Store(db_path).read() as con:
        return auth.count_users(con)


@st.cache_data(show_spinner=False)
def _is_demo(db_path: str, data_version: tuple) -> bool:
    with Store(db_path).read() as con:
        return fetch_one(con, "SELECT 1 FROM meta WHERE key = 'demo'") is not None


@st.cache_data(show_spinner=False, max_entries=1024)
def _account_state(db_path: str, data_version: tuple, name: str) -> tuple | None:
    with Store(db_path).read() as con:
        return auth.account_state(con, name)


@st.cache_resource(show_spinner=False)
def _setup_token(db_path: str) -> SetupToken:
    return SetupToken()


def accounts_exist() -> bool:
    s = store()
    return _count_users(str(s.path), s.data_version()) > 0


def open_without_accounts() -> bool:
    """Demo mode, every page open with no sign-in: only while no account exists, and only on the
    built-in demo city (or where the operator said so explicitly). Anywhere else an empty account
    list means "create the first admin" and nothing else."""
    if accounts_exist():
        return False
    s = store()
    return os.environ.get(OPEN_WITHOUT_ACCOUNTS) == "1" or _is_demo(str(s.path), s.data_version())


def needs_first_admin() -> bool:
    return not accounts_exist() and not open_without_accounts()


def client() -> str:
    """The client's address, for counting failed sign-ins per client: the connection's, or behind
    the reverse proxy named in PLEDGE_TRUSTED_PROXY, the address that proxy saw (the last entry it
    appended to X-Forwarded-For; earlier entries are the client's own say and not trusted)."""
    address = st.context.ip_address
    address = address if isinstance(address, str) and address else auth.LOCAL_CLIENT
    return forwarded_client(address, st.context.headers.get("X-Forwarded-For"), settings.TRUSTED_PROXY)


def forwarded_client(address: str, forwarded: str | None, trusted_proxy: str | None) -> str:
    if not trusted_proxy or address != trusted_proxy or not forwarded:
        return address
    return forwarded.split(",")[-1].strip() or address


def current_user() -> auth.User | None:
    """The signed-in user; the demo user in demo mode; None when a sign-in is needed."""
    if not accounts_exist():
        return auth.DEMO_USER if open_without_accounts() else None
    user = st.session_state.get("user") or _resume_from_cookie()
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
    token = st.session_state.get("session_token")
    if token and auth.sessions(s).resume(token) is None:  # logged out elsewhere, or expired
        log_out("登录已失效（已在其他窗口退出或超时），请重新登录")
        return None
    st.session_state["last_seen"] = now
    return user


def _resume_from_cookie() -> auth.User | None:
    """A reload, a bookmark or a second tab: the session named by the browser's cookie, if the
    server still holds it and the account has not changed since."""
    token = st.context.cookies.get(COOKIE)
    if not isinstance(token, str) or not token or token == st.session_state.get("refused_token"):
        return None
    s = store()
    found = auth.sessions(s).resume(token)
    user = auth.load_user(s, found[0]) if found else None
    if user is None or found is None or auth.state_text(user) != found[1]:
        if found:
            auth.sessions(s).revoke(token)
        st.session_state["refused_token"] = token  # looked up once, not on every rerun
        st.session_state["clear_cookie"] = True
        return None
    st.session_state["user"] = user
    st.session_state["session_token"] = token
    return user


def scope() -> str | None:
    """The district a signed-in viewer is limited to; None for a city-wide account or demo mode."""
    user = st.session_state.get("user")
    return user.district_code if user is not None else None


def log_in(name: str, password: str) -> auth.User:
    s = store()
    user = auth.authenticate(s, name, password, client())
    st.session_state["user"] = user
    st.session_state["last_seen"] = dt.datetime.now()
    st.session_state["session_token"] = auth.sessions(s).create(user.name, auth.state_text(user))
    st.session_state.pop("clear_cookie", None)
    return user


def log_out(message: str | None = None) -> None:
    """End the session for real: the server forgets the token, the browser's cookie is cleared."""
    token = st.session_state.pop("session_token", None)
    if token:
        auth.sessions(store()).revoke(token)
        st.session_state["refused_token"] = token
        st.session_state["clear_cookie"] = True
    for key in ("user", "last_seen"):
        st.session_state.pop(key, None)
    if message:
        st.session_state["login_message"] = message


def sync_cookie() -> None:
    """Write the session's cookie in the browser, or clear it after a logout. Streamlit offers no
    way to send Set-Cookie, hence the script; the token is URL-safe base64, quoted as JSON."""
    token = st.session_state.get("session_token")
    if token:
        seconds = auth.SESSION_IDLE_MINUTES * 60 * 12  # the server's limits end it sooner
        value = f"{COOKIE}={token}; Path=/; SameSite=Strict; Max-Age={seconds}"
    elif st.session_state.get("clear_cookie"):
        value = f"{COOKIE}=; Path=/; SameSite=Strict; Max-Age=0"
    else:
        return
    st.html(
        f"<script>document.cookie = {json.dumps(value)} + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )


def setup_token_notice() -> None:
    """Print a one-time token for creating the first admin on the server's console (when none is
    valid): whoever can read the console runs the server, and may create the first account."""
    token = _setup_token(str(store().path)).issue_if_needed()
    if token:
        print(
            f"\n[知识产权质押融资监测平台] 尚无账户。创建第一个管理员的一次性令牌（{SetupToken.MINUTES}分钟内有效，"
            f"仅可使用一次）：{token}\n或在服务器上执行：python -m etl users add 用户名 --role admin\n",
            file=sys.stderr,
            flush=True,
        )


def redeem_setup_token(token: str) -> bool:
    return _setup_token(str(store().path)).redeem(token)


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
