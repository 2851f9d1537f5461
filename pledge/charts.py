"""Every chart of the app and the bulletin, so that they all look like one report: the same
fonts, colours, title form (what, unit, as-of date) and export settings."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from pledge import formats, periods
from pledge.catalogue import CITY, STATUS_COLORS, YI
from pledge.text import plotly

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif"
NO_TARGET_COLOR = "#9e9e9e"
ACTUAL, LAST_YEAR, TARGET, PROJECTION = "#1f5fa8", "#9aa5b1", "#c62828", "#1f5fa8"


def title(what: str, unit: str | None, as_of: dt.date) -> str:
    """The chart title: what (plain text, names included), then unit and as-of date in small type."""
    unit_part = f"单位：{unit}，" if unit else ""
    return f"{plotly(what)}<br><sup>（{unit_part}截至{formats.date_cn(as_of)}）</sup>"


def _style(fig: go.Figure, height: int = 420) -> go.Figure:
    fig.update_layout(
        font={"family": FONT, "size": 14, "color": "#222"},
        title={"x": 0.01, "xanchor": "left", "font": {"size": 18}},
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height,
        margin={"l": 60, "r": 30, "t": 80, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.08, "xanchor": "left", "x": 0},
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(showgrid=False, linecolor="#888")
    fig.update_yaxes(gridcolor="#e5e5e5", zeroline=False, automargin=True)
    return fig


def config(file_name: str) -> dict:
    """Plotly config: a clean toolbar whose camera button saves a 3× PNG with a meaningful name."""
    return {
        "displaylogo": False,
        "modeBarButtonsToRemove": [
            "zoom2d",
            "pan2d",
            "select2d",
            "lasso2d",
            "zoomIn2d",
            "zoomOut2d",
            "autoScale2d",
            "resetScale2d",
            "hoverClosestCartesian",
            "hoverCompareCartesian",
            "toggleSpikelines",
        ],
        "toImageButtonOptions": {"format": "png", "filename": file_name, "scale": 3},
        "locale": "zh-CN",
    }


def cumulative_vs_target(
    series: pd.DataFrame,
    target_yuan: float | None,
    projection: dict | None,
    year: int,
    as_of: dt.date,
    scope: str = "全市",
) -> go.Figure:
    """Cumulative amount by month against the target pace, last year and the year-end projection."""
    months = [f"{m}月" for m in series["month"]]
    fig = go.Figure()
    fig.add_scatter(
        x=months,
        y=series["prev_cumulative"] / YI,
        name=f"{year - 1}年累计",
        mode="lines",
        line={"color": LAST_YEAR, "width": 2},
    )
    if target_yuan and not pd.isna(target_yuan):
        pace = [target_yuan * periods.time_progress(year, periods.month_end(year, m)) / YI for m in series["month"]]
        fig.add_scatter(
            x=months, y=pace, name="目标序时进度", mode="lines", line={"color": TARGET, "dash": "dot", "width": 2}
        )
    if projection is not None and len(projection["path"]) > 1:
        path = projection["path"]
        fig.add_scatter(
            x=[f"{m}月" for m in path["month"]],
            y=path["projected_cumulative"] / YI,
            name="预计全年（预测）",
            mode="lines",
            line={"color": PROJECTION, "dash": "dash", "width": 2},
        )
        fig.add_annotation(
            x=f"{int(path['month'].iloc[-1])}月",
            y=projection["projection"] / YI,
            text=f"预计全年{projection['projection'] / YI:.2f}亿元",
            showarrow=False,
            yshift=14,
            font={"color": PROJECTION},
        )
    fig.add_scatter(
        x=months,
        y=series["cumulative"] / YI,
        name=f"{year}年累计",
        mode="lines+markers",
        line={"color": ACTUAL, "width": 3},
    )
    fig.update_layout(title=title(f"{scope}{year}年质押融资累计进度", "亿元", as_of), hovermode="x unified")
    fig.update_yaxes(rangemode="tozero")
    fig.update_xaxes(tickangle=0, tickfont={"size": 12})
    return _style(fig)


def completion_ranking(progress: pd.DataFrame, time_progress: float, year: int, as_of: dt.date) -> go.Figure:
    """Districts' loan-amount completion as bars, coloured by status, against time progress."""
    rows = progress[progress["scope"] != CITY].sort_values("rank", ascending=False)
    values = rows["c_loan_amount"].fillna(0) * 100
    colors = [STATUS_COLORS.get(s, NO_TARGET_COLOR) for s in rows["status"]]
    labels = ["无目标" if pd.isna(c) else f"{c * 100:.1f}%" for c in rows["c_loan_amount"]]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=rows["name"].map(plotly),
            orientation="h",
            marker_color=colors,
            text=labels,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}：%{text}<extra></extra>",
            showlegend=False,
        )
    )
    fig.add_vline(x=time_progress * 100, line={"color": "#333", "dash": "dash", "width": 1.5})
    fig.add_annotation(
        x=time_progress * 100,
        y=1.0,
        yref="paper",
        yanchor="bottom",
        text=f"序时进度{time_progress * 100:.1f}%",
        showarrow=False,
        yshift=4,
        font={"size": 12},
    )
    for status, color in STATUS_COLORS.items():  # a legend for the colours
        fig.add_bar(x=[None], y=[None], name=status, marker_color=color, orientation="h")
    fig.update_layout(title=title(f"{year}年各区县质押融资目标完成率", "%", as_of), barmode="overlay", bargap=0.35)
    fig.update_xaxes(ticksuffix="%", range=[0, max(110, float(values.max() or 0) * 1.15)])
    return _style(fig, height=max(360, 60 + 34 * len(rows)))


def district_month_heatmap(matrix: pd.DataFrame, year: int, as_of: dt.date) -> go.Figure:
    table = matrix.pivot_table(index=["sort_order", "district"], columns="month", values="amount", aggfunc="sum")
    table = table.sort_index(level=0)
    z = table.to_numpy() / 10_000
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"{m}月" for m in table.columns],
            y=table.index.get_level_values("district").map(plotly),
            colorscale="Blues",
            colorbar={"title": "万元"},
            text=[[f"{v:,.0f}" for v in row] for row in z],
            texttemplate="%{text}",
            textfont={"size": 11},
            hovertemplate="%{y} %{x}：%{z:,.0f}万元<extra></extra>",
        )
    )
    fig.update_layout(title=title(f"{year}年各区县分月质押融资额", "万元", as_of))
    fig.update_yaxes(autorange="reversed")
    return _style(fig, height=max(360, 80 + 32 * len(table)))


def monthly_bars(series: pd.DataFrame, year: int, as_of: dt.date, scope: str) -> go.Figure:
    done = series[series["cumulative"].notna()]
    fig = go.Figure(
        go.Bar(
            x=[f"{m}月" for m in done["month"]],
            y=done["amount"] / 10_000,
            marker_color=ACTUAL,
            text=[f"{v / 10_000:,.0f}" for v in done["amount"]],
            textposition="outside",
            cliponaxis=False,
            name="当月",
        )
    )
    fig.update_layout(title=title(f"{scope}{year}年分月质押融资额", "万元", as_of), showlegend=False)
    fig.update_xaxes(tickangle=0, tickfont={"size": 12})
    return _style(fig, height=360)


def horizontal_bars(
    labels: list[str], values: list[float], what: str, unit: str, as_of: dt.date, color: str = ACTUAL, digits: int = 2
) -> go.Figure:
    """A ranked list (banks, enterprises, patent types) as horizontal bars, largest on top."""
    fig = go.Figure(
        go.Bar(
            x=values[::-1],
            y=[plotly(label) for label in labels[::-1]],
            orientation="h",
            marker_color=color,
            text=[f"{v:,.{digits}f}" for v in values[::-1]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}：%{x:,." + str(digits) + "f}" + unit + "<extra></extra>",
        )
    )
    fig.update_layout(title=title(what, unit, as_of), showlegend=False)
    top = max(values) if values else 1
    fig.update_xaxes(range=[0, top * 1.2 if top > 0 else 1])
    return _style(fig, height=max(320, 90 + 30 * len(labels)))


def stacked_bank_district(frame: pd.DataFrame, year: int, as_of: dt.date) -> go.Figure:
    fig = go.Figure()
    order = frame.groupby("bank")["amount"].sum().sort_values(ascending=False).index
    districts = frame.drop_duplicates("district").sort_values("sort_order")["district"]
    for bank in order:
        part = frame[frame["bank"] == bank].set_index("district").reindex(districts)
        fig.add_bar(x=districts.map(plotly), y=part["amount"].fillna(0) / YI, name=plotly(bank))
    fig.update_layout(title=title(f"{year}年各区县质押融资的银行构成", "亿元", as_of), barmode="stack")
    return _style(fig, height=440)
