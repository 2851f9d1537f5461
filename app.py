"""知识产权质押融资监测平台: the entry point. Page set-up, who is signed in, and the pages
their role may use: a page missing from the navigation cannot be opened, even by its URL."""

from __future__ import annotations

import streamlit as st

from pledge.store import StoreBusy, StoreUnreadable
from ui import hardening, session, style, unavailable
from ui.database import ensure_data, is_reader, reader_pages, reader_without_accounts, writer_link

hardening.refuse_remote_cache_clearing()
st.set_page_config(page_title="知识产权质押融资监测平台", page_icon="📈", layout="wide")
style.apply()
try:
    ensure_data()
    user = session.current_user()
    first_admin = user is None and session.needs_first_admin()
except (StoreBusy, StoreUnreadable) as problem:  # fail closed: no page list, no account page
    unavailable.show(problem)

DASHBOARDS = [
    st.Page("app_pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
    st.Page("app_pages/districts.py", title="区县", icon=":material/map:"),
    st.Page("app_pages/enterprises.py", title="企业", icon=":material/business:"),
    st.Page("app_pages/banks.py", title="质权人", icon=":material/account_balance:"),
]
BULLETIN = st.Page("app_pages/bulletin.py", title="月度通报", icon=":material/article:")
POLICY_TOOLS = [  # every viewer, scoped to a limited viewer's district like the dashboards
    st.Page("app_pages/outreach.py", title="增量扩面", icon=":material/trending_up:"),
    st.Page("app_pages/registrations.py", title="登记核对", icon=":material/fact_check:"),
    st.Page("app_pages/aftercare.py", title="贷后管理", icon=":material/event_upcoming:"),
    st.Page("app_pages/subsidy.py", title="贴息审核", icon=":material/savings:"),
]
SUBSIDY_POLICY = st.Page("app_pages/subsidy_policy.py", title="贴息政策", icon=":material/policy:")
ANALYST = [
    st.Page("app_pages/upload.py", title="数据导入", icon=":material/upload_file:"),
    st.Page("app_pages/history.py", title="导入记录", icon=":material/history:"),
    st.Page("app_pages/loans.py", title="贷款核对", icon=":material/rule:"),
    st.Page("app_pages/targets.py", title="年度目标", icon=":material/flag:"),
]
ADMIN = [
    st.Page("app_pages/accounts.py", title="账户管理", icon=":material/manage_accounts:"),
    st.Page("app_pages/reference.py", title="区县与银行", icon=":material/tune:"),
]

st.logo("ui/logo.svg", size="large")
session.sync_cookie()
pages: list[st.Page] | dict[str, list[st.Page]]
if first_admin and is_reader():
    reader_without_accounts()
if first_admin:  # fail closed: a deployment without any account offers this page and nothing else
    pages = [st.Page("app_pages/first_admin.py", title="创建管理员", icon=":material/key:", default=True)]
elif user is None:
    pages = [st.Page("app_pages/login.py", title="登录", icon=":material/login:", default=True)]
else:
    pages = {"监测": DASHBOARDS + ([] if user.district_code else [BULLETIN]), "政策工具": POLICY_TOOLS}
    if user.can("analyst") and not user.district_code:  # a district's analyst: its 贴息 review only
        pages["数据管理"] = [*ANALYST, SUBSIDY_POLICY]
    if user.can("admin"):
        pages["系统管理"] = ADMIN
    pages = reader_pages(pages)  # a reader process (PLEDGE_READER) offers only the pages that read
    writer_link(user)
    session.user_badge(user)
try:
    st.navigation(pages, expanded=True).run()  # every page listed: none behind “View more”
except (StoreBusy, StoreUnreadable) as problem:  # the file went bad or busy while a page read it
    unavailable.show(problem)
