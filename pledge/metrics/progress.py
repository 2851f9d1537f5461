"""Figures of a year's window with their targets, completion, year on year, status and rank: the
query behind the overview, the district table, the bulletin and `etl summary`.

The SQL is generated from the catalogue (pledge/catalogue.py): one column per metric for this
year's window and last year's, t_ (target), c_ (completion), yoy_ (change on last year) and
status_ (against 序时进度). A reader can print `PROGRESS_SQL` to see the whole statement.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from pledge import periods, settings
from pledge.catalogue import CITY, METRICS, TARGETED, status_sql
from pledge.sql import fetch_value


def _columns(template: str, metrics=METRICS, sep: str = ",\n           ") -> str:
    return sep.join(template.format(m=m.key, sql=m.sql) for m in metrics)


_LOAN_METRICS = [m for m in METRICS if m.source == "loans"]
_FIRM_METRICS = [m for m in METRICS if m.source == "enterprises"]
_PLEDGED_METRICS = [m for m in METRICS if m.source == "pledged"]
# Counted from daily_firsts, whose `counted` is the enterprise_firsts column or the pledged ip_type.
_FIRST_METRICS = _FIRM_METRICS + _PLEDGED_METRICS

TARGETS_SQL = f"""
-- Targets of districts no longer on the list do not count (nor show).
WITH year_targets AS (
    SELECT scope, metric, value FROM v_targets
    WHERE year = $year AND (scope = '{CITY}' OR scope IN (SELECT code FROM v_districts))
),
-- A city target is the 全市 row; where the file had none, the sum of the districts.
city_targets AS (
    SELECT '{CITY}' AS scope, metric, sum(value) AS value FROM year_targets
    WHERE scope <> '{CITY}' AND metric NOT IN (SELECT metric FROM year_targets WHERE scope = '{CITY}')
    GROUP BY metric
    UNION ALL
    SELECT scope, metric, value FROM year_targets WHERE scope = '{CITY}'
),
all_targets AS (SELECT * FROM year_targets WHERE scope <> '{CITY}' UNION ALL SELECT * FROM city_targets)
SELECT scope,
       {_columns("max(value) FILTER (WHERE metric = '{m}') AS t_{m}", TARGETED)}
FROM all_targets GROUP BY scope
"""

PROGRESS_SQL = f"""
WITH scopes AS (
    SELECT code AS scope, name, sort_order FROM v_districts
    UNION ALL SELECT '{CITY}', '全市', 0
),
-- One scan of the loans serves both windows: this year to the as-of date and the same window
-- last year; the amount to the end of the previous month (for 较上月) is a filtered sum of it.
-- Rows are grouped on their own columns (cur: this year's window); the few groups are labelled after.
loans_in AS (
    SELECT *, loan_date >= $start AS cur
    FROM v_loans
    WHERE loan_date BETWEEN $start AND $end OR loan_date BETWEEN $prev_start AND $prev_end
),
sums AS (
    SELECT cur, district_code,
           {_columns("{sql} AS {m}", _LOAN_METRICS)},
           count(*) FILTER (WHERE amount_yuan <= CASE WHEN cur THEN $inclusive_threshold
                                                      ELSE $prev_inclusive_threshold END) AS inclusive_loans,
           coalesce(sum(amount_yuan) FILTER (WHERE loan_date <= $month_end), 0) AS month_loan_amount
    FROM loans_in
    GROUP BY GROUPING SETS ((cur, district_code), (cur))
),
-- Distinct enterprises and pledged numbers from the rollups (pledge/rollups.py): how many had
-- their first loan (pledge) of the year on each day of either window.
firsts AS (
    SELECT day >= $start AS cur, district_code,
           {_columns("coalesce(sum(n) FILTER (WHERE counted = '{sql}'), 0)::BIGINT AS {m}", _FIRST_METRICS)}
    FROM daily_firsts
    WHERE day BETWEEN $start AND $end OR day BETWEEN $prev_start AND $prev_end
    GROUP BY ALL
),
figures AS (  -- a NULL district is the city, in both
    SELECT CASE WHEN s.cur THEN 'cur' ELSE 'prev' END AS w, coalesce(s.district_code, '{CITY}') AS scope,
           s.* EXCLUDE (cur, district_code), f.* EXCLUDE (cur, district_code)
    FROM sums s LEFT JOIN firsts f ON f.cur = s.cur AND f.district_code IS NOT DISTINCT FROM s.district_code
),
targets AS ({TARGETS_SQL}),
joined AS (
    SELECT sc.scope, sc.name, sc.sort_order,
           {_columns("coalesce(c.{m}, 0) AS {m}")},
           coalesce(c.inclusive_loans, 0) AS inclusive_loans,
           {_columns("coalesce(p.{m}, 0) AS prev_{m}")},
           coalesce(c.month_loan_amount, 0) AS month_loan_amount,
           t.* EXCLUDE (scope)
    FROM scopes sc
    LEFT JOIN (SELECT * FROM figures WHERE w = 'cur') c USING (scope)
    LEFT JOIN (SELECT * FROM figures WHERE w = 'prev') p USING (scope)
    LEFT JOIN targets t USING (scope)
),
completed AS (
    SELECT *,
           {_columns("{m} / nullif(t_{m}, 0) AS c_{m}", TARGETED)},
           {_columns("{m} / nullif(prev_{m}, 0) - 1 AS yoy_{m}")},
           inclusive_loans / nullif(loans, 0)            AS inclusive_share,
           loan_amount / nullif(enterprises, 0)          AS per_enterprise,
           month_loan_amount / nullif(t_loan_amount, 0)  AS month_completion
    FROM joined
),
ranked AS (
    SELECT *,
           CASE WHEN scope <> '{CITY}' THEN
                rank() OVER (PARTITION BY scope = '{CITY}'
                             ORDER BY c_loan_amount IS NULL, c_loan_amount DESC, loan_amount DESC) END AS rank,
           CASE WHEN scope <> '{CITY}' AND $month_end IS NOT NULL THEN
                rank() OVER (PARTITION BY scope = '{CITY}'
                             ORDER BY month_completion IS NULL, month_completion DESC, month_loan_amount DESC) END AS prev_rank
    FROM completed
)
SELECT * EXCLUDE (month_loan_amount, month_completion),
       {_columns(status_sql("c_{m}") + " AS status_{m}", TARGETED)},
       status_loan_amount AS status,
       prev_rank - rank AS rank_change,
       $progress AS time_progress
FROM ranked
ORDER BY scope <> '{CITY}', rank, sort_order
"""


def district_progress(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None
) -> pd.DataFrame:
    """One row for the city (first) and one per district, in rank order; with a district, only
    that district's row (its rank still among all districts).

    Money stays in yuan; callers convert with the catalogue. Columns: scope, name, each metric and
    prev_<metric> (same window last year), t_<metric> (target), c_<metric> (completion),
    yoy_<metric> (a ratio), status_<metric>, inclusive_share, per_enterprise (yuan), status (of
    the loan amount: status and rank use it), rank, prev_rank (at the end of the previous month),
    rank_change (positive: moved up) and time_progress (序时进度 of the as-of date).
    """
    params = {
        "start": dt.date(year, 1, 1),
        "end": as_of,
        "inclusive_threshold": settings.inclusive_threshold_yuan(year),
        "prev_start": dt.date(year - 1, 1, 1),
        "prev_end": periods.same_day_last_year(as_of),
        "prev_inclusive_threshold": settings.inclusive_threshold_yuan(year - 1),
        "month_end": periods.previous_month_end(as_of),
        "year": year,
        "progress": periods.time_progress(year, as_of),
    }
    frame = con.execute(PROGRESS_SQL, params).df()
    if district is not None:
        frame = frame[frame["scope"] == district].reset_index(drop=True)
    money = [
        c
        for c in frame.columns
        if c.endswith(("loan_amount", "subsidy")) and not c.startswith(("c_", "yoy_", "status_"))
    ]
    frame[money + ["per_enterprise"]] = frame[money + ["per_enterprise"]].astype("float64")
    for column in ("rank", "prev_rank", "rank_change"):
        frame[column] = frame[column].astype("Int64")
    return frame


def city_row(progress: pd.DataFrame) -> pd.Series:
    return progress[progress["scope"] == CITY].iloc[0]


def district_rows(progress: pd.DataFrame) -> pd.DataFrame:
    return progress[progress["scope"] != CITY]


# -- the as-of date ------------------------------------------------------------------------
def years_with_data(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Years from the first to the last loan (min and max come from the column statistics),
    and any year with targets, newest first."""
    return [
        r[0]
        for r in con.execute(
            """SELECT unnest(range(year(min(loan_date)), year(max(loan_date)) + 1)) FROM v_loans
           UNION SELECT DISTINCT year FROM v_targets ORDER BY 1 DESC"""
        ).fetchall()
        if r[0] is not None
    ]


def latest_loan_date(con: duckdb.DuckDBPyConnection, year: int | None = None) -> dt.date | None:
    if year is None:
        return fetch_value(con, "SELECT max(loan_date) FROM v_loans")
    return fetch_value(
        con,
        "SELECT max(loan_date) FROM v_loans WHERE loan_date BETWEEN make_date(?, 1, 1) AND make_date(?, 12, 31)",
        [year, year],
    )


def default_as_of(con: duckdb.DuckDBPyConnection, year: int, today: dt.date | None = None) -> dt.date:
    """The end of the latest month with a loan loaded for the year, never after today
    (periods.report_date), as the monthly bulletin is dated; without loans, today (or the year's
    last day)."""
    latest = latest_loan_date(con, year)
    today = today or dt.date.today()
    if latest is not None:
        return periods.report_date(latest, today)
    return min(today, dt.date(year, 12, 31)) if year <= today.year else dt.date(year, 1, 1)


# -- the CLI's JSON --------------------------------------------------------------------------
def _scope_dict(row: pd.Series) -> dict:
    def ratio(value):
        return None if pd.isna(value) else float(value)

    out: dict = {m.json_key: m.in_unit(row[m.key]) for m in METRICS}
    out["targets"] = {
        m.json_key: (None if pd.isna(row[f"t_{m.key}"]) else float(row[f"t_{m.key}"]) / m.scale) for m in TARGETED
    }
    out["completion"] = {m.json_key: ratio(row[f"c_{m.key}"]) for m in TARGETED}
    out["yoy"] = {m.json_key: ratio(row[f"yoy_{m.key}"]) for m in METRICS}
    out["inclusive_share"] = ratio(row["inclusive_share"])
    out["per_enterprise_wan"] = None if pd.isna(row["per_enterprise"]) else float(row["per_enterprise"]) / 10_000
    out["status"] = row["status"] if isinstance(row["status"], str) else None
    return out


def summary(con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None = None) -> dict:
    """The CLI's JSON: the year, as-of date, time progress, the city and every district."""
    as_of = as_of or default_as_of(con, year)
    frame = district_progress(con, year, as_of)
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "time_progress": periods.time_progress(year, as_of),
        "city": _scope_dict(city_row(frame)),
        "districts": [
            {"district": row["name"], "code": row["scope"], "rank": int(row["rank"]), **_scope_dict(row)}
            for _, row in district_rows(frame).iterrows()
        ],
    }
