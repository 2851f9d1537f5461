"""知识产权质押融资监测平台: the entry point. Builds navigation and the shared sidebar."""

from __future__ import annotations

import streamlit as st

from ui.data import ensure_data

st.set_page_config(page_title="知识产权质押融资监测平台", page_icon="📈", layout="wide")
ensure_data()

pages = [st.Page("pages/overview.py", title="总览", icon="📊", default=True)]
st.navigation(pages).run()
