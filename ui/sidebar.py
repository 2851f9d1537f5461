"""The sidebar every page shares: year, as-of date, data freshness and the demo badge."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from pledge import formats
from ui.data import query


@dataclass
class Period:
    year: int
    as_of: dt.date


def period() -> Period | None:
    years = query("years_with_data")
    fresh = query("freshness")
    with st.sidebar:
        st.markdown("### 知识产权质押融资监测")
        if fresh["demo"]:
            st.warning(f"演示数据：{fresh['demo']}（虚构城市）", icon="🧪")
        if not years:
            st.info("还没有数据。请先导入区县名单、年度目标和质押融资台账。")
            return None
        year = st.selectbox("年度", years, index=0, format_func=lambda y: f"{y}年")
        default = query("default_as_of", year)
        as_of = st.date_input(
            "截至日期", value=default, min_value=dt.date(year, 1, 1), max_value=dt.date(year, 12, 31),
            format="YYYY-MM-DD",
        )
        st.caption(
            f"最新放款日期：{formats.date_cn(fresh['latest_loan_date'])}  \n"
            f"最近导入：{fresh['last_import_file'] or '—'}"
            + (f"（{fresh['last_import_at']:%Y-%m-%d %H:%M}）" if fresh["last_import_at"] else "")
        )
    return Period(year, as_of)
