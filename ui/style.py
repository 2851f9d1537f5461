"""A little CSS: less empty space above the page title, tidy KPI cards. Applied by app.py."""

from __future__ import annotations

import streamlit as st

_CSS = """
<style>
  .block-container { padding-top: 3.6rem; padding-bottom: 2rem; }
  h1 { font-size: 2rem !important; padding-bottom: 0.2rem !important; }
  [data-testid="stMetricValue"] { font-size: 2rem; }
  [data-testid="stCaptionContainer"] { color: #555; }
</style>
"""


# 截图模式: nothing on screen but titles, figures, tables and charts.
_PRESENTATION_CSS = """
<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stElementToolbar"], .modebar-container,
  [data-testid="stSelectbox"], [data-testid="stDateInput"], [data-testid="stTextInput"],
  [data-testid="stButton"], [data-testid="stDownloadButton"], [data-testid="stPopover"],
  [data-testid="stExpander"], [data-testid="stFileUploader"] { display: none !important; }
  .st-key-exit_presentation, .st-key-exit_presentation [data-testid="stButton"] { display: block !important; }
  .block-container { padding-top: 1rem; max-width: 1400px; }
</style>
"""


def apply() -> None:
    st.html(_CSS)


def presenting() -> bool:
    return bool(st.session_state.get("presentation"))


def presentation() -> None:
    """Hide the chrome while 截图模式 is on, and offer the way back."""
    if not presenting():
        return
    st.html(_PRESENTATION_CSS)
    st.button("退出截图模式", key="exit_presentation", icon=":material/close_fullscreen:", on_click=_leave)


def _leave() -> None:
    st.session_state["presentation"] = False  # in a callback: before the toggle is drawn again
