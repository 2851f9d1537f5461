"""Amounts that cannot be right: a file whose month totals dwarf the city's usual month.

A ledger in 元 whose header says 万元 (or that names no unit) is 10,000 times too large; a
single such file would swamp the year's figures. Compared with the median month of the city's
own history, not a fixed bound, so that a large city and a county are both protected.
"""

from __future__ import annotations

import duckdb
import pandas as pd

MIN_HISTORY_MONTHS = 6
# A unit slip is 10,000 times (元 read as 万元); a real busy month of a small county can be fifty
# times its median. Between the two, with a floor so that small sums never trip it.
TIMES_USUAL = 200
FLOOR_YUAN = 500_000_000

_MONTHS = """
    SELECT date_trunc('month', loan_date) AS month, sum(amount_yuan) AS amount
    FROM v_loans WHERE loan_date > ?::DATE - INTERVAL 2 YEAR AND loan_date <= ?::DATE
    GROUP BY month"""


def _yi(yuan: float) -> str:
    return f"{yuan / 100_000_000:,.2f}亿元"


def implausible_months(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> list[str]:
    """One message per month of the file whose total exceeds TIMES_USUAL × the city's median month
    (and FLOOR_YUAN)."""
    if frame.empty:
        return []
    last = frame["loan_date"].max().date()
    history = con.execute(_MONTHS, [last, last]).df()
    if len(history) < MIN_HISTORY_MONTHS:
        return []
    usual = float(history["amount"].astype(float).median())
    months = frame.groupby(frame["loan_date"].dt.to_period("M"))["amount_cents"].sum().astype(float) / 100
    return [
        f"文件中{month.year}年{month.month}月的贷款合计{_yi(total)}，是本市以往月份中位数{_yi(usual)}的"
        f"{total / usual:,.0f}倍，疑为金额单位有误（例如以元填写却标为万元）。请核对金额单位；"
        "确认无误时可选择“金额已核对，仍然导入”"
        for month, total in months.items()
        if usual > 0 and total > max(TIMES_USUAL * usual, FLOOR_YUAN)
    ]
