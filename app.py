"""知识产权质押融资监测平台: the entry point. Page set-up, the shared sidebar, navigation."""

from __future__ import annotations

import streamlit as st

from ui import style
from ui.data import ensure_data

st.set_page_config(page_title="知识产权质押融资监测平台", page_icon="📈", layout="wide")
ensure_data()
style.apply()

pages = [
    st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
    st.Page("pages/districts.py", title="区县", icon=":material/map:"),
    st.Page("pages/enterprises.py", title="企业", icon=":material/business:"),
    st.Page("pages/banks.py", title="质权人", icon=":material/account_balance:"),
]
st.logo("ui/logo.svg", size="large")
st.navigation(pages).run()
