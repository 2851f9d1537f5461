"""Time series: the cumulative curve against last year and the target pace, the district ×
month matrix, and the seasonal year-end projection built on the curve."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from pledge import periods
from pledge.sql import fetch_row


def monthly_cumulative(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None
) -> pd.DataFrame:
    """Per month of the year: amount (yuan) and loans in the month, cumulative this year up to
    as_of, and cumulative last year over the whole month."""
    return con.execute(
        """
        WITH months AS (SELECT unnest(range(1, 13)) AS month),
        days AS (  -- the day totals of the city (NULL district) or of one district
            SELECT year(day) AS y, month(day) AS month, loans, amount_yuan
            FROM daily_loans
            WHERE day BETWEEN make_date($year - 1, 1, 1) AND greatest($as_of, make_date($year - 1, 12, 31))
              AND district_code IS NOT DISTINCT FROM $district
              AND (year(day) = $year - 1 OR day <= $as_of)
        ),
        per_month AS (
            SELECT m.month,
                   coalesce(sum(amount_yuan) FILTER (WHERE y = $year), 0)        AS amount,
                   coalesce(sum(loans) FILTER (WHERE y = $year), 0)::BIGINT      AS loans,
                   coalesce(sum(amount_yuan) FILTER (WHERE y = $year - 1), 0)    AS prev_amount
            FROM months m LEFT JOIN days l USING (month)
            GROUP BY m.month
        )
        SELECT month, amount::DOUBLE AS amount, loans,
               CASE WHEN month <= month($as_of) THEN sum(amount) OVER (ORDER BY month)::DOUBLE END AS cumulative,
               sum(prev_amount) OVER (ORDER BY month)::DOUBLE AS prev_cumulative
        FROM per_month ORDER BY month
        """,
        {"year": year, "as_of": as_of, "district": district},
    ).df()


def new_in_months(
    con: duckdb.DuckDBPyConnection, year: int, first_month: int, last_month: int, district: str | None = None
) -> dict:
    """Amount (yuan) and number of loans dated in months first_month..last_month of the year:
    what a quarter or a year added."""
    amount, loans = fetch_row(
        con,
        """
        SELECT coalesce(sum(amount_yuan), 0)::DOUBLE, coalesce(sum(loans), 0)::BIGINT
        FROM daily_loans
        WHERE day BETWEEN make_date($1, $2, 1) AND last_day(make_date($1, $3, 1))
          AND district_code IS NOT DISTINCT FROM $4::VARCHAR
        """,
        [year, first_month, last_month, district],
    )
    return {"amount": float(amount), "loans": int(loans)}


def district_month_matrix(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None, edge: int | None = None
) -> pd.DataFrame:
    """Amount (yuan) and loans per district and month of the year up to as_of; every district
    appears (or only the given one). With `edge`, a list longer than 2 × edge keeps only the
    `edge` districts with the largest amount in the window and the `edge` with the smallest (ties
    in list order): what the heat map shows of a national list. Column `districts`: how many
    there are in all."""
    return con.execute(
        """
        WITH days AS (
            SELECT district_code AS code, month(day) AS month, loans, amount_yuan
            FROM daily_loans
            WHERE district_code IS NOT NULL AND day BETWEEN make_date($year, 1, 1) AND $as_of
        ),
        ranked AS (  -- every district by its amount in the window
            SELECT d.code, d.name, d.sort_order,
                   row_number() OVER (ORDER BY coalesce(sum(t.amount_yuan), 0) DESC, d.sort_order) AS place,
                   count(*) OVER () AS districts
            FROM v_districts d LEFT JOIN days t USING (code)
            WHERE $district IS NULL OR d.code = $district
            GROUP BY d.code, d.name, d.sort_order
        ),
        shown AS (
            SELECT * FROM ranked
            WHERE $edge IS NULL OR districts <= 2 * $edge OR place <= $edge OR place > districts - $edge
        )
        SELECT s.name AS district, s.sort_order, m.month,
               coalesce(sum(t.amount_yuan), 0)::DOUBLE AS amount, coalesce(sum(t.loans), 0)::BIGINT AS loans,
               s.districts
        FROM shown s CROSS JOIN (SELECT unnest(range(1, month($as_of) + 1)) AS month) m
        LEFT JOIN days t ON t.code = s.code AND t.month = m.month
        GROUP BY s.name, s.sort_order, s.districts, m.month
        ORDER BY s.sort_order, m.month
        """,
        {"year": year, "as_of": as_of, "district": district, "edge": edge},
    ).df()


# -- the year-end projection ---------------------------------------------------------------
_SEASON_SQL = """
-- For the earlier years with loans, the pooled share of the full-year amount reached by the
-- end of each month, and by the same day of the year as the as-of date.
WITH earlier AS (  -- day totals of the city (NULL district) or of one district
    SELECT month(day) AS month, dayofmonth(day) AS day, amount_yuan
    FROM daily_loans
    WHERE day BETWEEN make_date($year - $lookback, 1, 1) AND make_date($year - 1, 12, 31)
      AND district_code IS NOT DISTINCT FROM $district
),
totals AS (
    SELECT sum(amount_yuan) AS total,
           sum(amount_yuan) FILTER (WHERE month < $month OR (month = $month AND day <= $day)) AS by_as_of
    FROM earlier
),
per_month AS (
    SELECT m.month, coalesce(sum(e.amount_yuan), 0) AS amount
    FROM (SELECT unnest(range(1, 13)) AS month) m LEFT JOIN earlier e USING (month)
    GROUP BY m.month
)
SELECT month,
       sum(amount) OVER (ORDER BY month) / nullif((SELECT total FROM totals), 0) AS share_by_month_end,
       (SELECT by_as_of FROM totals) / nullif((SELECT total FROM totals), 0) AS share_by_as_of
FROM per_month ORDER BY month
"""


def year_end_projection(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None, lookback: int = 3
) -> dict:
    """预计全年: the amount so far divided by the share of the year that the last `lookback` years
    had reached by the same day (their seasonality); without earlier data, by time progress.

    Returns {'projection' (yuan), 'method', 'path': DataFrame month, projected_cumulative, from the
    as-of month to December, 'series': the monthly_cumulative it was built on}.
    """
    series = monthly_cumulative(con, year, as_of, district)
    actual = float(series["cumulative"].dropna().iloc[-1]) if series["cumulative"].notna().any() else 0.0
    season = con.execute(
        _SEASON_SQL,
        {"year": year, "lookback": lookback, "district": district, "month": as_of.month, "day": as_of.day},
    ).df()
    share_now = season["share_by_as_of"].iloc[0]
    if share_now is not None and not pd.isna(share_now) and share_now > 0.05:
        method = "按往年季节规律"
        projection = actual / float(share_now)
        shares = season["share_by_month_end"].astype("float64")
    else:
        method = "按当前进度线性外推"
        progress = periods.time_progress(year, as_of)
        projection = actual / progress if progress > 0 else 0.0
        shares = pd.Series([periods.time_progress(year, periods.month_end(year, m)) for m in range(1, 13)])
    path = pd.DataFrame({"month": range(1, 13), "projected_cumulative": (shares * projection).to_numpy()})
    path = path[path["month"] >= as_of.month].copy()
    path.loc[path["month"] == as_of.month, "projected_cumulative"] = actual
    path["projected_cumulative"] = path["projected_cumulative"].cummax().clip(lower=actual)
    return {"projection": max(projection, actual), "actual": actual, "method": method, "path": path, "series": series}
