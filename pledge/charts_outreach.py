"""The 增量扩面 charts, in the style of pledge/charts.py (title with scope, unit and date; the PNG
named after it): the 政银企对接 funnel, and pushes against loans by bank."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from pledge import charts, formats

# The funnel's stages as the bureau names them, with their unit.
STAGES = (
    ("reached", "对接企业", "家"),
    ("demands", "融资需求", "户"),
    ("pushed", "推送银行", "户"),
    ("credited", "获得授信", "户"),
    ("disbursed", "放款", "户"),
    ("first_time", "其中首贷", "户"),
)


def funnel(row: pd.Series, year: int, as_of: dt.date, scope: str) -> go.Figure:
    """One scope's funnel: enterprises at each stage, with the conversion from the stage before."""
    values = [int(row[key]) for key, _, _ in STAGES]
    labels = []
    for i, (key, _, unit) in enumerate(STAGES):
        rate = "" if i == 0 else f"（{formats.pct(row.get(f'rate_{key}'))}）"
        labels.append(f"{values[i]:,}{unit}{rate}")
    fig = go.Figure(
        go.Funnel(
            y=[label for _, label, _ in STAGES],
            x=values,
            text=labels,
            textinfo="text",
            textposition="outside",
            marker={"color": ["#9aa5b1", "#6b8fc7", "#4a78b8", "#2f66a8", "#1f5fa8", "#c62828"]},
            connector={"line": {"color": "#ccc"}},
            cliponaxis=False,
            hovertemplate="%{y}：%{x:,}<extra></extra>",
        )
    )
    charts._style(fig, height=420)
    fig.update_layout(margin={"l": 100, "r": 160, "t": 90, "b": 30})
    note = f"对接活动{int(row['events'])}场，括号内为较上一环节的转化率"
    return charts._named(fig, f"{scope}{year}年政银企对接漏斗", "家/户", as_of, note)


def banks(frame: pd.DataFrame, year: int, as_of: dt.date, scope: str) -> go.Figure:
    """Pushes received, credit given and loans by bank (count of pushed enterprises)."""
    shown = frame.sort_values("pushes")
    names = [charts.wrap(b) for b in shown["bank"]]
    fig = go.Figure()
    for column, label, color in (
        ("pushes", "推送", "#9aa5b1"),
        ("credited", "授信", "#4a78b8"),
        ("loans", "放款", "#c62828"),
    ):
        fig.add_bar(
            y=names,
            x=shown[column],
            name=label,
            orientation="h",
            marker_color=color,
            text=[f"{v:,}" for v in shown[column]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"%{{y}} {label}：%{{x:,}}户<extra></extra>",
        )
    charts._style(fig, height=max(320, 130 + charts._rows_height(names, 54)))
    fig.update_layout(
        barmode="group",
        margin={"l": 60, "r": 60, "t": 90, "b": 80},
        legend={"y": -0.12, "traceorder": "reversed"},  # in the order the bars stand, top down
    )
    fig.update_xaxes(tickformat=",d", dtick=_whole_step(int(frame["pushes"].max()) if len(frame) else 1))
    charts._every_category(fig, "y", names)
    if frame.empty:
        charts._empty(fig, "本年没有推送记录")
    return charts._named(fig, f"{scope}{year}年各银行对接反馈", "户", as_of)


__all__ = ["STAGES", "banks", "funnel"]


def _whole_step(largest: int) -> int:
    """A tick step of 1, 2 or 5 × 10^k giving at most about six ticks: counts never read 0.2."""
    step = 1
    while largest / step > 6:
        for factor in (2, 5 / 2, 2):
            step = int(step * factor)
            if largest / step <= 6:
                break
    return step
