"""The sidebar every page shares: year, as-of date, data freshness and the demo badge.

Each page draws it first (AppTest re-runs only the page script, so it must live there); the
widget values are carried from page to page through session state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from pledge import formats, metrics
from pledge.text import md
from ui import session, style
from ui.data import query


@dataclass(frozen=True)
class Period:
    year: int
    as_of: dt.date
    district: str | None = None  # a viewer limited to one district sees only its figures
    district_name: str | None = None


def _reset_as_of() -> None:
    st.session_state.pop("as_of", None)  # a new year starts at its own last loan date
    st.session_state.pop("as_of_default", None)


def render() -> Period | None:
    """Call first on a dashboard page: it checks the visitor may see figures, then draws the sidebar."""
    user = session.require("viewer")
    for key in ("year", "as_of", "presentation"):  # keep the choice when the user moves to another page
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    years = query(metrics.years_with_data)
    fresh = query(metrics.freshness)
    if fresh["demo"]:
        st.badge(f"演示数据：{fresh['demo']}为虚构城市，数字仅供演示", icon=":material/science:", color="orange")
    with st.sidebar:
        if not years:
            return None
        if st.session_state.get("year") not in years:
            st.session_state["year"] = years[0]
            _reset_as_of()
        year = st.selectbox("年度", years, key="year", format_func=lambda y: f"{y}年", on_change=_reset_as_of)
        default = query(metrics.default_as_of, year)
        # Follow the latest loan date as imports arrive, unless the user picked a date.
        if "as_of" not in st.session_state or st.session_state["as_of"] == st.session_state.get("as_of_default"):
            st.session_state["as_of"] = default
        st.session_state["as_of_default"] = default
        as_of = st.date_input(
            "截至日期",
            key="as_of",
            min_value=dt.date(year, 1, 1),
            max_value=dt.date(year, 12, 31),
            format="YYYY/MM/DD",
            help="统计自当年1月1日起至该日（含）放款的贷款；默认为该年最近有放款数据的月份的月末（不晚于今天），与月度通报的日期一致",
        )
        last_import = (
            f"{md(fresh['last_import_file'])}（{fresh['last_import_at']:%Y-%m-%d %H:%M}）"
            if fresh["last_import_at"]
            else "—"
        )
        rule = (
            "默认：最近有数据月份的月末，不晚于今天"
            if as_of == default
            else f"手动选择；默认为{formats.date_cn(default)}"
        )
        st.caption(
            f"数据截至：{formats.date_cn(fresh['latest_loan_date'])}  \n"
            f"统计截至：{formats.date_cn(as_of)}（{rule}）  \n"
            f"最近导入：{last_import}"
        )
        st.toggle("截图模式", key="presentation", help="隐藏侧栏、工具栏和控件，图表按16:9显示，便于截图或投影")
    style.presentation()
    if user.district_code:
        return Period(year, as_of, user.district_code, user.district_name)
    return Period(year, as_of)
