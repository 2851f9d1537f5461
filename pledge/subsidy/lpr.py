"""The 1-year LPR the bureau keeps (table lpr_rates, seeded with the published values and extended
on the 贴息政策 page), and which published rate a claim's reference date takes."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from pledge.auth import audit


def table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """effective_date, rate_pct (float), added_by, added_at: oldest first."""
    frame = con.execute("SELECT * FROM lpr_rates ORDER BY effective_date").df()
    frame["effective_date"] = pd.to_datetime(frame["effective_date"])
    frame["rate_pct"] = frame["rate_pct"].astype(float)
    return frame


def rates_on(rates: pd.DataFrame, days: pd.Series) -> pd.Series:
    """The LPR in force on each day (NaN before the first known rate), vectorised."""
    days = pd.to_datetime(days)
    if rates.empty:
        return pd.Series(float("nan"), index=days.index)
    positions = rates["effective_date"].searchsorted(days, side="right") - 1
    values = rates["rate_pct"].to_numpy()
    found = pd.Series(values[positions.clip(min=0)], index=days.index, dtype=float)
    return found.where((positions >= 0) & days.notna())


def add(con: duckdb.DuckDBPyConnection, day: dt.date, rate_pct: float, user: str) -> None:
    """A newly published rate (or a correction of one): kept in the table and the audit log."""
    if not 0 < rate_pct < 20:
        raise ValueError(f"LPR应为0到20之间的百分数，读到{rate_pct}")
    con.execute(
        "INSERT OR REPLACE INTO lpr_rates VALUES (?, ?, ?, ?)",
        [day, round(rate_pct, 3), user, dt.datetime.now().replace(microsecond=0)],
    )
    audit(con, user, "LPR", f"{day.isoformat()}起1年期LPR {rate_pct:.2f}%")
