"""Small building blocks the pages share: KPI cards, charts, downloads, empty states."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pledge import charts, formats
from pledge.catalogue import STATUS_BADGES, metric
from pledge.export import xlsx_bytes
from ui import style


def kpi_card(container, key: str, row: pd.Series) -> None:
    """Actual, target, completion, time progress and the gap to it, and year on year."""
    shown = metric(key)
    actual, target, done, yoy = row[key], row[f"t_{key}"], row[f"c_{key}"], row[f"yoy_{key}"]
    progress, status = row["time_progress"], row[f"status_{key}"]
    with container.container(border=True):
        st.metric(
            shown.label,
            shown.format(actual),
            delta=None
            if pd.isna(yoy)
            else f"{formats.signed_pct(yoy)} 同比",  # the sign leads: arrow and colour follow
        )
        if pd.isna(target):
            st.caption("未设定年度目标")
            return
        st.progress(min(float(done), 1.0), text=f"完成 **{formats.pct(done)}** ｜ 目标 {shown.format(target)}")
        gap = done - progress
        st.markdown(
            f"序时进度 {formats.pct(progress)} ｜ :{STATUS_BADGES.get(status, 'gray')}-badge[{status}] "
            f"{'高于' if gap >= 0 else '低于'}序时{abs(gap) * 100:.1f}个百分点"
        )


def chart(fig: go.Figure, file_name: str | None = None, key: str | None = None) -> None:
    """Draw a figure; its camera button saves a PNG named after the figure's own title (scope, what,
    as-of date: charts.file_name), unless a file name is given."""
    name = file_name or charts.figure_file_name(fig) or "图表"
    if style.presenting():  # 16:9 for slides and projectors; a long ranking grows taller, never squeezed
        fig = go.Figure(fig).update_layout(width=1200, height=max(675, fig.layout.height or 0))
        st.plotly_chart(fig, width="content", theme=None, config=charts.config(name), key=key)
        return
    st.plotly_chart(fig, width="stretch", theme=None, config=charts.config(name), key=key)


def side_by_side(count: int = 2, spec=None):
    """Columns on screen; stacked full-width blocks in 截图模式 so each chart can be 16:9."""
    if style.presenting():
        return [st.container() for _ in range(count)]
    return st.columns(spec or count)


def xlsx_download(
    sheets: dict[str, pd.DataFrame] | Callable[[], dict[str, pd.DataFrame]],
    file_name: str,
    label: str = "下载 Excel",
    key: str | None = None,
) -> None:
    # Built when clicked (not on every rerun), and so not held in the server's media store, reachable
    # by its URL, until the user asks for it. `sheets` may be a function: a whole national list is
    # then read only when asked for.
    st.download_button(
        label,
        data=lambda: xlsx_bytes(sheets() if callable(sheets) else sheets),
        file_name=file_name,
        icon=":material/download:",
        key=key,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def empty(message: str) -> None:
    st.info(message, icon="ℹ️")


def table(
    frame: pd.DataFrame,
    number_formats: dict[str, str] | None = None,
    height: int | Literal["auto"] = "auto",
    column_config: dict | None = None,
) -> None:
    """A sortable table whose missing values read '—', times read 2025-10-31 14:05, and numbers use
    the given formats (Python format strings such as '{:,.2f}' or '{:.1f}%')."""
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[column]):
            shown[column] = shown[column].dt.strftime("%Y-%m-%d %H:%M").fillna("—")
        elif not pd.api.types.is_numeric_dtype(shown[column]):
            shown[column] = shown[column].astype(object).where(shown[column].notna(), "—")
    styler = shown.style.format(number_formats or {}, na_rep="—")
    st.dataframe(styler, hide_index=True, width="stretch", height=height, column_config=column_config)


def current_page(key: str) -> int:
    """The page of a paged list the reader chose (pager), from 1."""
    return int(st.session_state.get(key, 1))


def pager(paged: dict, size: int, key: str, noun: str = "家") -> None:
    """Under a table that shows one page of a long list (a metrics result {'rows', 'total',
    'page'}): which rows of how many, and a page number box when there is more than one page."""
    total, page = paged["total"], paged["page"]
    pages = max(1, -(-total // size))
    if pages == 1:
        return
    first = (page - 1) * size + 1
    st.caption(f"显示第{first:,}—{first + len(paged['rows']) - 1:,}{noun}，共{total:,}{noun}；完整名单请下载")
    if current_page(key) != page:  # the list became shorter: back to the page shown
        st.session_state[key] = page
    st.number_input(f"页码（共{pages:,}页，每页{size}{noun}）", min_value=1, max_value=pages, step=1, key=key)
