"""The bureau's number and date formats, used by the CLI, the pages and the bulletin alike."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

import pandas as pd


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def yi(value_yi, digits: int = 2) -> str:
    """A sum of money already in 亿元: '12.35亿元'."""
    return "—" if _missing(value_yi) else f"{value_yi:,.{digits}f}亿元"


def wan(value_wan, digits: int = 2) -> str:
    return "—" if _missing(value_wan) else f"{value_wan:,.{digits}f}万元"


def count(value, unit: str) -> str:
    return "—" if _missing(value) else f"{int(round(value)):,}{unit}"


def pct(ratio, digits: int = 1) -> str:
    """0.853 -> '85.3%'."""
    return "—" if _missing(ratio) else f"{ratio * 100:.{digits}f}%"


def points(diff, digits: int = 1) -> str:
    """A difference of two ratios in percentage points: '+3.2个百分点'."""
    return "—" if _missing(diff) else f"{diff * 100:+.{digits}f}个百分点"


def signed_pct(ratio, digits: int = 1) -> str:
    return "—" if _missing(ratio) else f"{ratio * 100:+.{digits}f}%"


def date_cn(day: dt.date | None) -> str:
    return "—" if day is None else f"{day.year}年{day.month}月{day.day}日"


def month_cn(day: dt.date | None) -> str:
    return "—" if day is None else f"{day.year}年{day.month}月"


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain table that lines up in a terminal even with Chinese text."""
    widths = [max(display_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells):
        return "  ".join(str(c) + " " * (w - display_width(str(c))) for c, w in zip(cells, widths)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def rank_change(change) -> str:
    """+2 -> '↑2', -1 -> '↓1', 0 or unknown -> '—'."""
    if _missing(change) or change == 0:
        return "—"
    return f"{'↑' if change > 0 else '↓'}{abs(int(change))}"


def dates_cn(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy with the given date columns written as 2025年10月5日 (— where blank)."""
    shown = frame.copy()
    for column in columns:
        shown[column] = [date_cn(None if pd.isna(v) else pd.Timestamp(v).date()) for v in shown[column]]
    return shown
