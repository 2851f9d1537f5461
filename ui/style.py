"""A little CSS: less empty space above the page title, tidy KPI cards. Applied by app.py."""

from __future__ import annotations

import streamlit as st

_CSS = """
<style>
  .block-container { padding-top: 2.2rem; padding-bottom: 2rem; }
  h1 { font-size: 2rem !important; padding-bottom: 0.2rem !important; }
  [data-testid="stMetricValue"] { font-size: 2rem; }
  [data-testid="stCaptionContainer"] { color: #555; }
</style>
"""


def apply() -> None:
    st.html(_CSS)
