"""Every chart of the app and the bulletin, so that they all look like one report: the same
fonts, colours, title form (what, unit, as-of date) and export settings.

Every chart stands alone once pasted into a report: its title names the scope (全市, the district,
the enterprise), the year and the as-of date, and so does the PNG the camera button saves
(`file_name`). Ranked bars leave out zero rows, show the top and bottom `EDGE` of a long list and
say so, and never cut a label: long names wrap, margins grow to fit (automargin), data labels
are drawn outside the plot (cliponaxis=False) within a padded range."""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd
import plotly.graph_objects as go

from pledge import formats, periods
from pledge.catalogue import CITY, STATUS_COLORS, YI
from pledge.text import plotly

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif"
NO_TARGET_COLOR = "#9e9e9e"
ACTUAL, LAST_YEAR, TARGET, PROJECTION = "#1f5fa8", "#9aa5b1", "#c62828", "#1f5fa8"
CITY_NAME = "全市"
EDGE = 15  # a ranking longer than 2 × EDGE shows its first and last EDGE rows
WRAP = 16  # characters of a tick label before it wraps
MAX_BANKS = 8  # banks in a stacked chart; the rest are one "其他银行" segment
_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\s]+')


def title(what: str, unit: str | None, as_of: dt.date, note: str | None = None) -> str:
    """The chart title: what (plain text, scope and names included), then unit, as-of date and an
    optional note (what was left out) in small type."""
    unit_part = f"单位：{unit}，" if unit else ""
    note_part = f"；{note}" if note else ""
    return f"{plotly(what)}<br><sup>（{unit_part}截至{formats.date_cn(as_of)}{note_part}）</sup>"


def file_name(what: str, as_of: dt.date | None) -> str:
    """A PNG file name after the chart's title and date, safe on Windows and macOS."""
    stem = _UNSAFE_FILE_CHARS.sub("_", what).strip("_") or "图表"
    return f"{stem}_截至{as_of:%Y%m%d}" if as_of else stem


def _named(fig: go.Figure, what: str, unit: str | None, as_of: dt.date, note: str | None = None) -> go.Figure:
    """Set the title and remember the file name the camera button should use (layout.meta)."""
    fig.update_layout(title=title(what, unit, as_of, note), meta={"file_name": file_name(what, as_of)})
    return fig


def figure_file_name(fig: go.Figure) -> str | None:
    meta = fig.layout.meta
    return meta.get("file_name") if isinstance(meta, dict) else None


def wrap(name: str, width: int = WRAP) -> str:
    """A name for a tick label: escaped, broken into lines of `width` characters, never cut."""
    text = str(name)
    return "<br>".join(plotly(text[i : i + width]) for i in range(0, len(text), width)) or ""


def value_label(value: float, digits: int = 2) -> str:
    """A data label that never reads 0 for a value that is not 0 (0.004亿 reads 0.004, not 0.00)."""
    if value and abs(value) < 10**-digits:
        digits = min(6, max(digits, -math.floor(math.log10(abs(value)))))
    return f"{value:,.{digits}f}"


def ends(
    frame: pd.DataFrame, what: str = "个", edge: int | None = None, total: int | None = None
) -> tuple[pd.DataFrame, str | None]:
    """The first and last `edge` (EDGE) rows of a ranked frame, and the note saying so; short
    frames whole. `total`: the length of the whole list when the frame holds only its ends."""
    edge = EDGE if edge is None else edge
    total = max(total or 0, len(frame))
    if total <= 2 * edge:
        return frame, None
    shown = pd.concat([frame.head(edge), frame.tail(edge)]) if len(frame) > 2 * edge else frame
    return shown, f"共{total:,}{what}，显示前{edge}名和后{edge}名，其余{total - 2 * edge:,}{what}从略"


def gap_label(total: int, edge: int | None = None) -> str:
    edge = EDGE if edge is None else edge
    return f"…其余{total - 2 * edge:,}个从略…"


def _style(fig: go.Figure, height: int = 420) -> go.Figure:
    fig.update_layout(
        font={"family": FONT, "size": 14, "color": "#222"},
        title={"x": 0.01, "xanchor": "left", "font": {"size": 18}},
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height,
        margin={"l": 60, "r": 40, "t": 90, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.08, "xanchor": "left", "x": 0},
        hoverlabel={"font": {"family": FONT}},
    )
    # 10,000 rather than 10k: the bureau's units are 万元 and 亿元, never SI prefixes.
    numbers = {"exponentformat": "none", "separatethousands": True}
    fig.update_xaxes(showgrid=False, linecolor="#888", automargin=True, **numbers)
    fig.update_yaxes(gridcolor="#e5e5e5", zeroline=False, automargin=True, ticklabelstandoff=6, **numbers)
    return fig


def _every_category(fig: go.Figure, axis: str, labels: list[str]) -> None:
    """Show every category's tick (Plotly thins crowded category axes), wrapped, never cut."""
    settings = {"tickmode": "array", "tickvals": labels, "ticktext": labels, "automargin": True}
    if axis == "y":
        fig.update_yaxes(**settings)
    else:
        fig.update_xaxes(**settings)


def _rows_height(names: list[str], per_row: int) -> int:
    """Pixels for category rows whose wrapped labels take one line or more: never overlapping."""
    return sum(per_row + 18 * name.count("<br>") for name in names)


def _empty(fig: go.Figure, message: str) -> None:
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 16})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)


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
    scope: str,
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
            xanchor="right",  # ends at the last month: never runs off the right edge
            font={"color": PROJECTION},
        )
    fig.add_scatter(
        x=months,
        y=series["cumulative"] / YI,
        name=f"{year}年累计",
        mode="lines+markers",
        line={"color": ACTUAL, "width": 3},
    )
    _named(fig, f"{scope}{year}年质押融资累计进度", "亿元", as_of)
    fig.update_layout(hovermode="x unified")
    fig.update_yaxes(rangemode="tozero")
    fig.update_xaxes(tickangle=0, tickfont={"size": 12})
    return _style(fig)


def completion_ranking(
    progress: pd.DataFrame, time_progress: float, year: int, as_of: dt.date, scope: str = CITY_NAME
) -> go.Figure:
    """Districts' loan-amount completion as bars, coloured by status, against time progress; a long
    list shows its first and last EDGE districts."""
    ranked = progress[progress["scope"] != CITY].sort_values("rank")
    ranked, note = ends(ranked, "个区县")
    names = [wrap(n) for n in ranked["name"]]
    values: list[float | None] = [float(c) * 100 if pd.notna(c) else 0.0 for c in ranked["c_loan_amount"]]
    colors = [STATUS_COLORS.get(s, NO_TARGET_COLOR) for s in ranked["status"]]
    labels = ["无目标" if pd.isna(c) else f"{c * 100:.1f}%" for c in ranked["c_loan_amount"]]
    if note:  # one empty row marks where the middle of the ranking was left out
        total = int((progress["scope"] != CITY).sum())
        names.insert(EDGE, gap_label(total))
        values.insert(EDGE, None)
        colors.insert(EDGE, NO_TARGET_COLOR)
        labels.insert(EDGE, "")
    names, values, colors, labels = names[::-1], values[::-1], colors[::-1], labels[::-1]  # first on top
    fig = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker_color=colors,
            text=labels,
            textposition="outside",
            constraintext="none",  # labels keep their size on thin bars
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
    _named(fig, f"{scope}{year}年各区县质押融资目标完成率", "%", as_of, note)
    fig.update_layout(barmode="overlay", bargap=0.35)
    top = max([v for v in values if v is not None] or [0.0])
    fig.update_xaxes(ticksuffix="%", range=[0, max(110, top * 1.2)])
    _every_category(fig, "y", names)
    return _style(fig, height=max(360, 60 + _rows_height(names, 34)))


def district_month_heatmap(matrix: pd.DataFrame, year: int, as_of: dt.date, scope: str) -> go.Figure:
    """District × month amounts; more than 2 × EDGE districts show the largest and smallest EDGE
    (ties in list order). The matrix may hold only those (metrics.district_month_matrix with
    edge=EDGE): its `districts` column then says how many there are."""
    table = matrix.pivot_table(index=["sort_order", "district"], columns="month", values="amount", aggfunc="sum")
    table = table.sort_index(level=0)
    total = int(matrix["districts"].iloc[0]) if "districts" in matrix and len(matrix) else len(table)
    note = None
    if total > 2 * EDGE:
        table = table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index]
        table, _ = ends(table, "个区县")
        note = f"共{total:,}个区县，显示融资额前{EDGE}名和后{EDGE}名，其余{total - 2 * EDGE:,}个从略"
    names = [wrap(n) for n in table.index.get_level_values("district")]
    z = (table.to_numpy() / 10_000).tolist()
    if note:
        names.insert(EDGE, gap_label(total))
        z.insert(EDGE, [None] * len(table.columns))
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"{m}月" for m in table.columns],
            y=names,
            colorscale="Blues",
            colorbar={"title": "万元"},
            text=[["" if v is None or pd.isna(v) else f"{v:,.0f}" for v in row] for row in z],
            texttemplate="%{text}",
            textfont={"size": 11},
            hovertemplate="%{y} %{x}：%{z:,.0f}万元<extra></extra>",
        )
    )
    what = f"{scope}{year}年{'各区县' if total > 1 else ''}分月质押融资额"
    _named(fig, what, "万元", as_of, note)
    fig.update_yaxes(autorange="reversed")
    _every_category(fig, "y", names)
    return _style(fig, height=max(360, 80 + _rows_height(names, 32)))


def monthly_bars(series: pd.DataFrame, year: int, as_of: dt.date, scope: str) -> go.Figure:
    done = series[series["cumulative"].notna()]
    values = (done["amount"] / 10_000).tolist()
    fig = go.Figure(
        go.Bar(
            x=[f"{m}月" for m in done["month"]],
            y=values,
            marker_color=ACTUAL,
            text=[f"{v:,.0f}" for v in values],
            textposition="outside",
            constraintext="none",  # labels keep their size on thin bars
            cliponaxis=False,
            name="当月",
        )
    )
    _named(fig, f"{scope}{year}年分月质押融资额", "万元", as_of)
    fig.update_layout(showlegend=False)
    fig.update_xaxes(tickangle=0, tickfont={"size": 12})
    top = max(values or [0.0])
    fig.update_yaxes(range=[0, top * 1.15 if top > 0 else 1])  # room for the labels above the bars
    return _style(fig, height=360)


def horizontal_bars(
    labels: list[str],
    values: list[float],
    what: str,
    unit: str,
    as_of: dt.date,
    *,
    scope: str,
    color: str = ACTUAL,
    digits: int = 2,
    noun: str = "个",
) -> go.Figure:
    """A ranked list (banks, enterprises, patent types), largest on top, titled "{scope}{what}".
    Zero rows are left out; a list longer than 2 × EDGE shows its first and last EDGE."""
    rows = pd.DataFrame({"label": list(labels), "value": pd.to_numeric(pd.Series(values, dtype=float))})
    rows = rows[rows["value"].notna() & (rows["value"] != 0)]
    total = len(rows)
    rows, note = ends(rows, noun)
    names = [wrap(label) for label in rows["label"]]
    shown: list[float | None] = rows["value"].tolist()
    texts = [value_label(v, digits) for v in rows["value"]]
    if note:
        names.insert(EDGE, gap_label(total))
        shown.insert(EDGE, None)
        texts.insert(EDGE, "")
    fig = go.Figure(
        go.Bar(
            x=shown[::-1],
            y=names[::-1],
            orientation="h",
            marker_color=color,
            text=texts[::-1],
            textposition="outside",
            constraintext="none",  # labels keep their size on thin bars
            cliponaxis=False,
            hovertemplate="%{y}：%{text}" + plotly(unit) + "<extra></extra>",
        )
    )
    _named(fig, f"{scope}{what}", unit, as_of, note)
    fig.update_layout(showlegend=False)
    if total == 0:
        _empty(fig, "本期没有数据")
        return _style(fig, height=320)
    top = max([v for v in shown if v is not None] or [0.0])
    fig.update_xaxes(range=[0, top * 1.25 if top > 0 else 1])
    _every_category(fig, "y", names[::-1])
    return _style(fig, height=max(320, 90 + _rows_height(names, 30)))


def stacked_bank_district(frame: pd.DataFrame, year: int, as_of: dt.date, scope: str) -> go.Figure:
    """Each district's amount by bank as horizontal stacked bars (district names are never cut),
    largest district on top; the MAX_BANKS largest banks, the rest as 其他银行; a long district
    list shows its first and last EDGE by amount (ties by name). The frame may hold only those
    (metrics.bank_by_district with edge=EDGE): its `districts` and `bank_amount` columns then give
    the count and the banks' order over every district."""
    totals = frame.groupby("district")["amount"].sum()
    totals = totals[totals > 0].sort_values(ascending=False, kind="stable")
    count = int(frame["districts"].iloc[0]) if "districts" in frame and len(frame) else len(totals)
    shown_totals, note = ends(totals.to_frame(), "个区县", total=count)
    districts = list(shown_totals.index)
    names = [wrap(d) for d in districts]
    gap = gap_label(count) if note else None
    if gap:
        names.insert(EDGE, gap)
    by_bank = (
        frame.groupby("bank")["bank_amount"].first()
        if "bank_amount" in frame
        else frame.groupby("bank")["amount"].sum()
    )
    order = list(by_bank.sort_values(ascending=False).index)
    banks, rest = order[:MAX_BANKS], order[MAX_BANKS:]
    segments = [(plotly(bank), frame[frame["bank"] == bank]) for bank in banks]
    if rest:
        segments.append(("其他银行", frame[frame["bank"].isin(rest)]))
    fig = go.Figure()
    for label, part in segments:
        amounts = (part.groupby("district")["amount"].sum().reindex(districts).fillna(0) / YI).tolist()
        if gap:
            amounts.insert(EDGE, None)
        fig.add_bar(x=amounts[::-1], y=names[::-1], name=label, orientation="h")
    totals_yi: list[float | None] = (shown_totals["amount"] / YI).tolist()
    if gap:
        totals_yi.insert(EDGE, None)
    fig.add_scatter(
        x=totals_yi[::-1],
        y=names[::-1],
        mode="text",
        text=["" if v is None else " " + value_label(v) for v in totals_yi[::-1]],
        textposition="middle right",
        cliponaxis=False,
        showlegend=False,
        hoverinfo="skip",
    )
    what = f"{scope}{year}年{'各区县' if count > 1 else ''}质押融资的银行构成"
    _named(fig, what, "亿元", as_of, note)
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    if count == 0:
        _empty(fig, "本期没有数据")
        return _style(fig, height=320)
    top = max([v for v in totals_yi if v is not None] or [0.0])
    fig.update_xaxes(range=[0, top * 1.2 if top > 0 else 1])
    _every_category(fig, "y", names[::-1])
    return _style(fig, height=max(360, 120 + _rows_height(names, 30)))
