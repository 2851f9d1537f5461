"""The metrics layer: every figure of DOMAIN.md, as SQL on the clean base views.

Pages, the CLI and the bulletin call these functions and format what they return; nothing else
computes a figure. Each function takes an open connection (from Store.read()) so that a caller
can answer a whole page from one connection.

Definitions (see README, "Metrics"): a window is [Y-01-01, as_of]; money is summed in yuan and
returned in 亿元 (loan amount) or 万元 (subsidy, per enterprise); 普惠占比 is the share of loans
(by count) at or below the year's threshold; YoY compares with [Y-1-01-01, as_of - 1 year].
"""

from __future__ import annotations

import calendar
import datetime as dt

import duckdb
import pandas as pd

from pledge import settings
from pledge.sql import fetch_one, fetch_value

# The figures every scope (district or city) has, in display order.
METRICS = ("loan_amount", "loans", "invention_patents", "enterprises", "first_time_enterprises", "subsidy")
# Keys used by the CLI's JSON and by pages: money carries its unit in the name.
FIGURE_KEYS = {
    "loan_amount": "loan_amount_yi",
    "loans": "loans",
    "invention_patents": "invention_patents",
    "enterprises": "enterprises",
    "first_time_enterprises": "first_time_enterprises",
    "subsidy": "subsidy_wan",
}
LABELS = {
    "loan_amount": "质押融资金额",
    "loans": "质押笔数",
    "invention_patents": "质押发明专利",
    "enterprises": "惠及企业",
    "first_time_enterprises": "首贷企业",
    "subsidy": "贴息金额",
}
UNITS = {
    "loan_amount": "亿元",
    "loans": "笔",
    "invention_patents": "件",
    "enterprises": "家",
    "first_time_enterprises": "家",
    "subsidy": "万元",
}
# Divide a stored value (yuan for money) by this to show it in UNITS.
SCALE = {"loan_amount": 100_000_000, "subsidy": 10_000}
AHEAD, SLIGHTLY_BEHIND, BEHIND = "超序时", "略滞后", "滞后"
CITY = "CITY"


# -- dates ---------------------------------------------------------------------------------
def years_with_data(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Years from the first to the last loan (min and max come from the column statistics),
    and any year with targets, newest first."""
    return [r[0] for r in con.execute(
        """SELECT unnest(range(year(min(loan_date)), year(max(loan_date)) + 1)) FROM v_loans
           UNION SELECT DISTINCT year FROM v_targets ORDER BY 1 DESC"""
    ).fetchall() if r[0] is not None]


def latest_loan_date(con: duckdb.DuckDBPyConnection, year: int | None = None) -> dt.date | None:
    if year is None:
        return fetch_value(con, "SELECT max(loan_date) FROM v_loans")
    return fetch_value(
        con, "SELECT max(loan_date) FROM v_loans WHERE loan_date BETWEEN make_date(?, 1, 1) AND make_date(?, 12, 31)",
        [year, year],
    )


def default_as_of(con: duckdb.DuckDBPyConnection, year: int, today: dt.date | None = None) -> dt.date:
    """The last loan date loaded for the year; without loans, today (or the year's last day)."""
    latest = latest_loan_date(con, year)
    if latest is not None:
        return latest
    today = today or dt.date.today()
    return min(today, dt.date(year, 12, 31)) if year <= today.year else dt.date(year, 1, 1)


def time_progress(year: int, as_of: dt.date) -> float:
    """序时进度: days of the year elapsed up to and including as_of, over the days in the year."""
    days = 366 if calendar.isleap(year) else 365
    elapsed = (min(as_of, dt.date(year, 12, 31)) - dt.date(year, 1, 1)).days + 1
    return max(0, min(elapsed, days)) / days


def same_day_last_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def status_of(completion: float | None, progress: float) -> str | None:
    if completion is None or pd.isna(completion):
        return None
    if completion >= progress:
        return AHEAD
    if completion >= progress - settings.SLIGHTLY_BEHIND_POINTS:
        return SLIGHTLY_BEHIND
    return BEHIND


# -- the building block: figures of a window, per district and for the city ----------------
_FIGURES_SQL = """
WITH window_loans AS (
    SELECT loan_id, district_code, uscc, amount_yuan, first_loan, subsidy_yuan
    FROM v_loans
    WHERE loan_date BETWEEN $start AND $end
),
per_scope AS (
    SELECT coalesce(district_code, 'CITY')                 AS scope,
           sum(amount_yuan)                                AS loan_amount,
           count(*)                                        AS loans,
           count(DISTINCT uscc)                            AS enterprises,
           count(DISTINCT uscc) FILTER (WHERE first_loan)  AS first_time_enterprises,
           coalesce(sum(subsidy_yuan), 0)                  AS subsidy,
           count(*) FILTER (WHERE amount_yuan <= $inclusive_threshold) AS inclusive_loans
    FROM window_loans
    GROUP BY GROUPING SETS ((district_code), ())
),
inventions AS (
    SELECT coalesce(l.district_code, 'CITY') AS scope, count(DISTINCT p.patent_no) AS invention_patents
    FROM window_loans l JOIN loan_patents p USING (loan_id)
    WHERE p.patent_type = '发明专利'
    GROUP BY GROUPING SETS ((l.district_code), ())
)
SELECT s.scope, s.loan_amount, s.loans, coalesce(i.invention_patents, 0) AS invention_patents,
       s.enterprises, s.first_time_enterprises, s.subsidy, s.inclusive_loans
FROM per_scope s LEFT JOIN inventions i USING (scope)
"""


def _window_params(start: dt.date, end: dt.date) -> dict:
    return {"start": start, "end": end, "inclusive_threshold": settings.inclusive_threshold_yuan(end.year)}


def figures(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Raw figures (money in yuan) of the loans dated in [start, end], one row per scope."""
    return con.execute(_FIGURES_SQL, _window_params(start, end)).df()


_TARGETS_SQL = """
WITH year_targets AS (SELECT scope, metric, value FROM v_targets WHERE year = $year),
-- A city target is the 全市 row; where the file had none, the sum of the districts.
city_targets AS (
    SELECT 'CITY' AS scope, metric, sum(value) AS value FROM year_targets
    WHERE scope <> 'CITY' AND metric NOT IN (SELECT metric FROM year_targets WHERE scope = 'CITY')
    GROUP BY metric
    UNION ALL
    SELECT scope, metric, value FROM year_targets WHERE scope = 'CITY'
),
all_targets AS (
    SELECT * FROM year_targets WHERE scope <> 'CITY' UNION ALL SELECT * FROM city_targets
)
SELECT scope,
       max(value) FILTER (WHERE metric = 'loan_amount')            AS t_loan_amount,
       max(value) FILTER (WHERE metric = 'loans')                  AS t_loans,
       max(value) FILTER (WHERE metric = 'invention_patents')      AS t_invention_patents,
       max(value) FILTER (WHERE metric = 'enterprises')            AS t_enterprises,
       max(value) FILTER (WHERE metric = 'first_time_enterprises') AS t_first_time_enterprises,
       max(value) FILTER (WHERE metric = 'subsidy')                AS t_subsidy
FROM all_targets GROUP BY scope
"""

_PROGRESS_SQL = f"""
WITH scopes AS (
    SELECT code AS scope, name, sort_order FROM v_districts
    UNION ALL SELECT 'CITY', '全市', 0
),
-- One scan of the loans serves both windows: this year to the as-of date and the same window
-- last year; the amount to the end of the previous month (for 较上月) is a filtered sum of it.
loans_in AS (
    SELECT district_code, amount_yuan, subsidy_yuan, loan_date,
           CASE WHEN loan_date >= $start THEN 'cur' ELSE 'prev' END AS w
    FROM v_loans
    WHERE loan_date BETWEEN $start AND $end OR loan_date BETWEEN $prev_start AND $prev_end
),
sums AS (
    SELECT w, coalesce(district_code, 'CITY')                  AS scope,
           sum(amount_yuan)                                   AS loan_amount,
           count(*)                                           AS loans,
           coalesce(sum(subsidy_yuan), 0)                     AS subsidy,
           count(*) FILTER (WHERE amount_yuan <= CASE w WHEN 'prev' THEN $prev_inclusive_threshold
                                                        ELSE $inclusive_threshold END) AS inclusive_loans,
           coalesce(sum(amount_yuan) FILTER (WHERE loan_date <= $month_end), 0) AS month_loan_amount
    FROM loans_in
    GROUP BY GROUPING SETS ((w, district_code), (w))
),
-- Distinct enterprises and patents from the rollups (pledge/rollups.py): counted in the window
-- when their first loan of that year came on or before the window's end.
firms AS (
    SELECT CASE WHEN year = $year THEN 'cur' ELSE 'prev' END AS w, coalesce(district_code, 'CITY') AS scope,
           count(*) FILTER (WHERE first_date <= CASE WHEN year = $year THEN $end ELSE $prev_end END) AS enterprises,
           count(*) FILTER (WHERE first_flag_date <= CASE WHEN year = $year THEN $end ELSE $prev_end END)
               AS first_time_enterprises
    FROM enterprise_firsts WHERE year IN ($year, $year - 1)
    GROUP BY ALL
),
inventions AS (
    SELECT CASE WHEN year = $year THEN 'cur' ELSE 'prev' END AS w, coalesce(district_code, 'CITY') AS scope,
           count(*) FILTER (WHERE first_date <= CASE WHEN year = $year THEN $end ELSE $prev_end END) AS invention_patents
    FROM patent_firsts WHERE year IN ($year, $year - 1)
    GROUP BY ALL
),
figures AS (
    SELECT s.*, coalesce(f.enterprises, 0) AS enterprises, coalesce(f.first_time_enterprises, 0) AS first_time_enterprises,
           coalesce(i.invention_patents, 0) AS invention_patents
    FROM sums s LEFT JOIN firms f USING (w, scope) LEFT JOIN inventions i USING (w, scope)
),
current_figures AS (SELECT * FROM figures WHERE w = 'cur'),
previous_figures AS (SELECT * FROM figures WHERE w = 'prev'),
targets AS ({_TARGETS_SQL}),
joined AS (
    SELECT sc.scope, sc.name, sc.sort_order,
           coalesce(c.loan_amount, 0) AS loan_amount, coalesce(c.loans, 0) AS loans,
           coalesce(c.invention_patents, 0) AS invention_patents, coalesce(c.enterprises, 0) AS enterprises,
           coalesce(c.first_time_enterprises, 0) AS first_time_enterprises, coalesce(c.subsidy, 0) AS subsidy,
           coalesce(c.inclusive_loans, 0) AS inclusive_loans,
           coalesce(p.loan_amount, 0) AS prev_loan_amount, coalesce(p.loans, 0) AS prev_loans,
           coalesce(p.invention_patents, 0) AS prev_invention_patents, coalesce(p.enterprises, 0) AS prev_enterprises,
           coalesce(p.first_time_enterprises, 0) AS prev_first_time_enterprises, coalesce(p.subsidy, 0) AS prev_subsidy,
           coalesce(c.month_loan_amount, 0) AS month_loan_amount,
           t.* EXCLUDE (scope)
    FROM scopes sc
    LEFT JOIN current_figures c USING (scope)
    LEFT JOIN previous_figures p USING (scope)
    LEFT JOIN targets t USING (scope)
),
completed AS (
    SELECT *,
           loan_amount / nullif(t_loan_amount, 0)                       AS c_loan_amount,
           loans / nullif(t_loans, 0)                                   AS c_loans,
           invention_patents / nullif(t_invention_patents, 0)           AS c_invention_patents,
           enterprises / nullif(t_enterprises, 0)                       AS c_enterprises,
           first_time_enterprises / nullif(t_first_time_enterprises, 0) AS c_first_time_enterprises,
           subsidy / nullif(t_subsidy, 0)                               AS c_subsidy,
           loan_amount / nullif(prev_loan_amount, 0) - 1                AS yoy_loan_amount,
           loans / nullif(prev_loans, 0) - 1                            AS yoy_loans,
           invention_patents / nullif(prev_invention_patents, 0) - 1    AS yoy_invention_patents,
           enterprises / nullif(prev_enterprises, 0) - 1                AS yoy_enterprises,
           first_time_enterprises / nullif(prev_first_time_enterprises, 0) - 1 AS yoy_first_time_enterprises,
           subsidy / nullif(prev_subsidy, 0) - 1                        AS yoy_subsidy,
           inclusive_loans / nullif(loans, 0)                           AS inclusive_share,
           loan_amount / nullif(enterprises, 0)                         AS per_enterprise,
           month_loan_amount / nullif(t_loan_amount, 0)                 AS month_completion
    FROM joined
),
ranked AS (
    SELECT *,
           CASE WHEN scope <> 'CITY' THEN
                rank() OVER (PARTITION BY scope = 'CITY'
                             ORDER BY c_loan_amount IS NULL, c_loan_amount DESC, loan_amount DESC) END AS rank,
           CASE WHEN scope <> 'CITY' AND $month_end IS NOT NULL THEN
                rank() OVER (PARTITION BY scope = 'CITY'
                             ORDER BY month_completion IS NULL, month_completion DESC, month_loan_amount DESC) END AS prev_rank
    FROM completed
)
SELECT * EXCLUDE (month_loan_amount, month_completion),
       CASE WHEN c_loan_amount IS NULL THEN NULL
            WHEN c_loan_amount >= $progress THEN '{AHEAD}'
            WHEN c_loan_amount >= $progress - $slightly_behind THEN '{SLIGHTLY_BEHIND}'
            ELSE '{BEHIND}' END AS status,
       prev_rank - rank AS rank_change
FROM ranked
ORDER BY scope <> 'CITY', rank, sort_order
"""


def district_progress(con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date) -> pd.DataFrame:
    """One row for the city (first) and one per district, in rank order.

    Money stays in yuan here; callers convert with SCALE. Columns: scope, name, each metric and
    prev_<metric> (same window last year), t_<metric> (target), c_<metric> (completion),
    yoy_<metric> (change on last year, a ratio), inclusive_share, per_enterprise (yuan), status,
    rank, prev_rank (at the end of the previous month) and rank_change (positive: moved up).
    """
    start = dt.date(year, 1, 1)
    params = {
        **_window_params(start, as_of),
        "prev_start": dt.date(year - 1, 1, 1),
        "prev_end": same_day_last_year(as_of),
        "prev_inclusive_threshold": settings.inclusive_threshold_yuan(year - 1),
        "month_end": previous_month_end(as_of),
        "year": year,
        "progress": time_progress(year, as_of),
        "slightly_behind": settings.SLIGHTLY_BEHIND_POINTS,
    }
    frame = con.execute(_PROGRESS_SQL, params).df()
    money = [c for c in frame.columns if c.endswith(("loan_amount", "subsidy")) and not c.startswith(("c_", "yoy_"))]
    frame[money + ["per_enterprise"]] = frame[money + ["per_enterprise"]].astype("float64")
    for column in ("rank", "prev_rank", "rank_change"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _in_units(metric: str, value):
    if value is None or pd.isna(value):
        return None
    return float(value) / SCALE.get(metric, 1) if metric in SCALE else int(value)


def _scope_dict(row: pd.Series) -> dict:
    out = {FIGURE_KEYS[m]: _in_units(m, row[m]) for m in METRICS}
    out["targets"] = {
        FIGURE_KEYS[m]: (None if pd.isna(row[f"t_{m}"]) else float(row[f"t_{m}"]) / SCALE.get(m, 1)) for m in METRICS
    }
    out["completion"] = {FIGURE_KEYS[m]: (None if pd.isna(row[f"c_{m}"]) else float(row[f"c_{m}"])) for m in METRICS}
    out["yoy"] = {FIGURE_KEYS[m]: (None if pd.isna(row[f"yoy_{m}"]) else float(row[f"yoy_{m}"])) for m in METRICS}
    out["inclusive_share"] = None if pd.isna(row["inclusive_share"]) else float(row["inclusive_share"])
    out["per_enterprise_wan"] = None if pd.isna(row["per_enterprise"]) else float(row["per_enterprise"]) / 10_000
    out["status"] = row["status"] if isinstance(row["status"], str) else None
    return out


def summary(con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None = None) -> dict:
    """The CLI's JSON: the year, as-of date, time progress, the city and every district."""
    as_of = as_of or default_as_of(con, year)
    frame = district_progress(con, year, as_of)
    city = frame[frame["scope"] == CITY].iloc[0]
    districts = []
    for _, row in frame[frame["scope"] != CITY].iterrows():
        districts.append(
            {"district": row["name"], "code": row["scope"], "rank": int(row["rank"]), **_scope_dict(row)}
        )
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "time_progress": time_progress(year, as_of),
        "city": _scope_dict(city),
        "districts": districts,
    }


# -- series and breakdowns -----------------------------------------------------------------
def monthly_cumulative(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None
) -> pd.DataFrame:
    """Per month of the year: amount (yuan) and loans in the month, cumulative this year up to
    as_of, and cumulative last year over the whole month."""
    return con.execute(
        """
        WITH months AS (SELECT unnest(range(1, 13)) AS month),
        loans AS (
            SELECT year(loan_date) AS y, month(loan_date) AS month, amount_yuan
            FROM v_loans
            WHERE loan_date BETWEEN make_date($year - 1, 1, 1) AND greatest($as_of, make_date($year - 1, 12, 31))
              AND ($district IS NULL OR district_code = $district)
              AND (year(loan_date) = $year - 1 OR loan_date <= $as_of)
        ),
        per_month AS (
            SELECT m.month,
                   coalesce(sum(amount_yuan) FILTER (WHERE y = $year), 0)     AS amount,
                   count(amount_yuan) FILTER (WHERE y = $year)                AS loans,
                   coalesce(sum(amount_yuan) FILTER (WHERE y = $year - 1), 0) AS prev_amount
            FROM months m LEFT JOIN loans l USING (month)
            GROUP BY m.month
        )
        SELECT month, amount::DOUBLE AS amount, loans,
               CASE WHEN month <= month($as_of) THEN sum(amount) OVER (ORDER BY month)::DOUBLE END AS cumulative,
               sum(prev_amount) OVER (ORDER BY month)::DOUBLE AS prev_cumulative
        FROM per_month ORDER BY month
        """,
        {"year": year, "as_of": as_of, "district": district},
    ).df()


def top_enterprises(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, limit: int = 10, district: str | None = None
) -> pd.DataFrame:
    """The largest borrowers of the window: amount (yuan), loans, 首贷 or not, their banks."""
    return con.execute(
        """
        WITH window_loans AS (
            SELECT uscc, bank, amount_yuan, first_loan FROM v_loans
            WHERE loan_date BETWEEN make_date($year, 1, 1) AND $as_of
              AND ($district IS NULL OR district_code = $district)
        ),
        top AS (
            SELECT uscc, sum(amount_yuan)::DOUBLE AS amount, count(*) AS loans, bool_or(first_loan) AS first_loan
            FROM window_loans GROUP BY uscc
            ORDER BY amount DESC, uscc LIMIT $limit
        ),
        banks AS (  -- only for the few enterprises on the list
            SELECT uscc, string_agg(DISTINCT bank, '、' ORDER BY bank) AS banks
            FROM window_loans WHERE uscc IN (SELECT uscc FROM top) GROUP BY uscc
        )
        SELECT t.uscc, e.name, d.name AS district, t.amount, t.loans, t.first_loan, b.banks
        FROM top t JOIN enterprises e USING (uscc) LEFT JOIN banks b USING (uscc)
        LEFT JOIN v_districts d ON d.code = e.district_code
        ORDER BY t.amount DESC, t.uscc
        """,
        {"year": year, "as_of": as_of, "district": district, "limit": limit},
    ).df()


def bank_breakdown(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None
) -> pd.DataFrame:
    """Per head bank: amount (yuan), loans, enterprises, share of amount, same window last year."""
    return con.execute(
        """
        WITH l AS (
            SELECT bank, uscc, amount_yuan, year(loan_date) = $year AS this_year
            FROM v_loans
            WHERE ($district IS NULL OR district_code = $district)
              AND (loan_date BETWEEN make_date($year, 1, 1) AND $as_of
                   OR loan_date BETWEEN make_date($year - 1, 1, 1) AND $prev_as_of)
        )
        SELECT bank,
               coalesce(sum(amount_yuan) FILTER (WHERE this_year), 0)::DOUBLE AS amount,
               count(*) FILTER (WHERE this_year) AS loans,
               count(DISTINCT uscc) FILTER (WHERE this_year) AS enterprises,
               coalesce(sum(amount_yuan) FILTER (WHERE NOT this_year), 0)::DOUBLE AS prev_amount,
               amount / nullif(sum(amount) OVER (), 0) AS share,
               amount / nullif(prev_amount, 0) - 1 AS yoy
        FROM l GROUP BY bank
        HAVING amount > 0 OR prev_amount > 0
        ORDER BY amount DESC, bank
        """,
        {"year": year, "as_of": as_of, "prev_as_of": same_day_last_year(as_of), "district": district},
    ).df()


def freshness(con: duckdb.DuckDBPyConnection) -> dict:
    """What the data-freshness line shows: latest loan date, last import, demo flag."""
    last = fetch_one(
        con,
        "SELECT file_name, loaded_at, user_name FROM batches WHERE status = 'active' ORDER BY id DESC LIMIT 1",
    )
    return {
        "latest_loan_date": latest_loan_date(con),
        "last_import_file": last[0] if last else None,
        "last_import_at": last[1] if last else None,
        "last_import_user": last[2] if last else None,
        "demo": fetch_value(con, "SELECT value FROM meta WHERE key = 'demo'"),
    }


def previous_month_end(as_of: dt.date) -> dt.date | None:
    """The as-of date a month earlier for 'change of rank': the last day of the previous month."""
    first = as_of.replace(day=1)
    return None if first.month == 1 else first - dt.timedelta(days=1)


def ranking(con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date) -> pd.DataFrame:
    """The district table with 较上月: district_progress already carries prev_rank and rank_change."""
    return district_progress(con, year, as_of)


# -- the year-end projection ---------------------------------------------------------------
_SEASON_SQL = """
-- For the earlier years with loans, the pooled share of the full-year amount reached by the
-- end of each month, and by the same day of the year as the as-of date.
WITH earlier AS (
    SELECT month(loan_date) AS month, day(loan_date) AS day, amount_yuan
    FROM v_loans
    WHERE loan_date BETWEEN make_date($year - $lookback, 1, 1) AND make_date($year - 1, 12, 31)
      AND ($district IS NULL OR district_code = $district)
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
    days = 366 if calendar.isleap(year) else 365
    if share_now is not None and not pd.isna(share_now) and share_now > 0.05:
        method = "按往年季节规律"
        projection = actual / float(share_now)
        shares = season["share_by_month_end"].astype("float64")
    else:
        method = "按当前进度线性外推"
        progress = time_progress(year, as_of)
        projection = actual / progress if progress > 0 else 0.0
        shares = pd.Series(
            [(dt.date(year, m, calendar.monthrange(year, m)[1]).timetuple().tm_yday) / days for m in range(1, 13)]
        )
    path = pd.DataFrame({"month": range(1, 13), "projected_cumulative": (shares * projection).to_numpy()})
    path = path[path["month"] >= as_of.month].copy()
    path.loc[path["month"] == as_of.month, "projected_cumulative"] = actual
    path["projected_cumulative"] = path["projected_cumulative"].cummax().clip(lower=actual)
    return {"projection": max(projection, actual), "actual": actual, "method": method, "path": path, "series": series}


# -- districts, enterprises, banks: the breakdowns the pages show ------------------------
def district_month_matrix(con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date) -> pd.DataFrame:
    """Amount (yuan) per district and month of the year up to as_of; every district appears."""
    return con.execute(
        """
        SELECT d.name AS district, d.sort_order, m.month,
               coalesce(sum(l.amount_yuan), 0)::DOUBLE AS amount, count(l.loan_id) AS loans
        FROM v_districts d
        CROSS JOIN (SELECT unnest(range(1, month($as_of) + 1)) AS month) m
        LEFT JOIN v_loans l ON l.district_code = d.code AND month(l.loan_date) = m.month
             AND l.loan_date BETWEEN make_date($year, 1, 1) AND $as_of
        GROUP BY d.name, d.sort_order, m.month
        ORDER BY d.sort_order, m.month
        """,
        {"year": year, "as_of": as_of},
    ).df()


def patents_by_type(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None
) -> pd.DataFrame:
    """Distinct pledged numbers per type (发明专利, 实用新型, 外观设计, 商标) in the window."""
    return con.execute(
        """
        SELECT patent_type, count(DISTINCT patent_no) AS patents, count(DISTINCT loan_id) AS loans
        FROM v_loan_patents
        WHERE loan_date BETWEEN make_date($year, 1, 1) AND $as_of
          AND ($district IS NULL OR district_code = $district)
        GROUP BY patent_type
        ORDER BY patents DESC
        """,
        {"year": year, "as_of": as_of, "district": district},
    ).df()


def first_time_borrowers(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None
) -> pd.DataFrame:
    """Enterprises with a 首贷 loan in the window: when, how much, from which bank."""
    return con.execute(
        """
        SELECT l.uscc, e.name, d.name AS district, min(l.loan_date) AS first_loan_date,
               sum(l.amount_yuan)::DOUBLE AS amount, string_agg(DISTINCT l.bank, '、') AS banks
        FROM v_loans l JOIN enterprises e USING (uscc) LEFT JOIN v_districts d ON d.code = l.district_code
        WHERE l.first_loan AND l.loan_date BETWEEN make_date($year, 1, 1) AND $as_of
          AND ($district IS NULL OR l.district_code = $district)
        GROUP BY l.uscc, e.name, d.name
        ORDER BY first_loan_date DESC, l.uscc
        """,
        {"year": year, "as_of": as_of, "district": district},
    ).df()


def search_enterprises(
    con: duckdb.DuckDBPyConnection, text: str, limit: int = 50, district: str | None = None
) -> pd.DataFrame:
    """Enterprises whose name contains the text or whose USCC starts with it, biggest first;
    with a district, only loans made there count."""
    pattern = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matches = """e.name ILIKE '%' || $text || '%' ESCAPE '\\' OR e.uscc LIKE upper($text) || '%'"""
    if district is None:  # the enterprise table already holds each one's totals
        sql = f"""
            SELECT e.uscc, e.name, d.name AS district, e.loans, e.amount_yuan::DOUBLE AS amount,
                   e.last_loan_date
            FROM enterprises e LEFT JOIN v_districts d ON d.code = e.district_code
            WHERE {matches}
            ORDER BY amount DESC, e.uscc LIMIT $limit"""
        params = {"text": pattern, "limit": limit}
    else:
        sql = f"""
            SELECT e.uscc, e.name, d.name AS district, count(l.loan_id) AS loans,
                   sum(l.amount_yuan)::DOUBLE AS amount, max(l.loan_date) AS last_loan_date
            FROM enterprises e JOIN v_loans l USING (uscc) LEFT JOIN v_districts d ON d.code = e.district_code
            WHERE ({matches}) AND l.district_code = $district
            GROUP BY e.uscc, e.name, d.name
            ORDER BY amount DESC, e.uscc LIMIT $limit"""
        params = {"text": pattern, "limit": limit, "district": district}
    return con.execute(sql, params).df()


def enterprise_loans(con: duckdb.DuckDBPyConnection, uscc: str, district: str | None = None) -> pd.DataFrame:
    """Every current loan of one enterprise, newest first, with its pledged numbers and where it
    came from (file, sheet, Excel row, import)."""
    return con.execute(
        """
        WITH mine AS (
            SELECT * FROM v_loans WHERE uscc = $uscc AND ($district IS NULL OR district_code = $district)
        ),
        pledged AS (
            SELECT loan_id, string_agg(patent_no || '（' || patent_type || '）', '、' ORDER BY patent_no) AS patents
            FROM loan_patents WHERE loan_id IN (SELECT loan_id FROM mine) GROUP BY loan_id
        )
        SELECT l.loan_date, l.bank, l.bank_raw, l.amount_yuan::DOUBLE AS amount, l.term_months, l.rate_pct::DOUBLE AS rate_pct,
               l.first_loan, l.subsidy_yuan::DOUBLE AS subsidy, l.pledge_type, l.reg_no, l.reg_date, d.name AS district,
               p.patents, b.file_name, l.source_sheet, l.source_row, b.id AS batch_id, b.loaded_at, b.user_name
        FROM mine l JOIN batches b ON b.id = l.batch_id LEFT JOIN pledged p USING (loan_id)
        LEFT JOIN v_districts d ON d.code = l.district_code
        ORDER BY l.loan_date DESC, l.loan_id DESC
        """,
        {"uscc": uscc, "district": district},
    ).df()


def enterprise_history(con: duckdb.DuckDBPyConnection, uscc: str, district: str | None = None) -> pd.DataFrame:
    """One enterprise's loans per year."""
    return con.execute(
        """
        SELECT year(loan_date) AS year, count(*) AS loans, sum(amount_yuan)::DOUBLE AS amount,
               count(DISTINCT bank) AS banks
        FROM v_loans WHERE uscc = $uscc AND ($district IS NULL OR district_code = $district)
        GROUP BY year ORDER BY year
        """,
        {"uscc": uscc, "district": district},
    ).df()


def bank_by_district(con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date) -> pd.DataFrame:
    """Amount (yuan) per head bank and district in the window."""
    return con.execute(
        """
        SELECT l.bank, d.name AS district, d.sort_order, sum(l.amount_yuan)::DOUBLE AS amount, count(*) AS loans
        FROM v_loans l JOIN v_districts d ON d.code = l.district_code
        WHERE l.loan_date BETWEEN make_date($year, 1, 1) AND $as_of
        GROUP BY l.bank, d.name, d.sort_order
        ORDER BY d.sort_order, amount DESC
        """,
        {"year": year, "as_of": as_of},
    ).df()


def districts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT code, name FROM v_districts ORDER BY sort_order").df()



def import_batches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every import, newest first (not a figure, but read through the same cached path)."""
    return con.execute(
        """SELECT id, kind, file_name, sha256, archive_path, status, loaded_at, user_name, rows_read, rows_new,
                  rows_updated, rows_duplicate, rows_rejected, rows_skipped,
                  coalesce(json_array_length(warnings), 0) AS warnings_count, undone_at, undone_by
           FROM batches ORDER BY id DESC"""
    ).df()


def targets_grid(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """The year's targets as entered (no city fallback), one row for 全市 and one per district,
    in display units: 亿元 for the amount, counts otherwise."""
    return con.execute(
        """
        WITH scopes AS (SELECT 'CITY' AS scope, '全市' AS name, 0 AS sort_order
                        UNION ALL SELECT code, name, sort_order FROM v_districts)
        SELECT s.scope, s.name,
               max(t.value) FILTER (WHERE t.metric = 'loan_amount')::DOUBLE / 100000000 AS loan_amount,
               max(t.value) FILTER (WHERE t.metric = 'invention_patents')::DOUBLE AS invention_patents,
               max(t.value) FILTER (WHERE t.metric = 'enterprises')::DOUBLE AS enterprises,
               max(t.value) FILTER (WHERE t.metric = 'first_time_enterprises')::DOUBLE AS first_time_enterprises
        FROM scopes s LEFT JOIN v_targets t ON t.scope = s.scope AND t.year = $year
        GROUP BY s.scope, s.name, s.sort_order ORDER BY s.sort_order
        """,
        {"year": year},
    ).df()


def district_list(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The current district list for editing: name, code, aliases joined with 、."""
    return con.execute(
        "SELECT name, code, array_to_string(aliases, '、') AS aliases FROM v_districts ORDER BY sort_order"
    ).df()


def bank_aliases(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT name, array_to_string(aliases, '、') AS aliases FROM banks ORDER BY name").df()


def bulletin_of(con: duckdb.DuckDBPyConnection, year: int, month: int):
    """The month's bulletin (pledge.bulletin.Bulletin), composed from the functions above."""
    from pledge import bulletin

    return bulletin.build(con, year, month)
