"""Breakdowns of a year's window: by bank, by enterprise, by pledged IP type, first-time
borrowers. Every one takes the district, so a viewer limited to one district is answered from
the query layer (ui/data.py passes the district for such a viewer)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from pledge import periods


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
        {"year": year, "as_of": as_of, "prev_as_of": periods.same_day_last_year(as_of), "district": district},
    ).df()


def bank_by_district(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None, edge: int | None = None
) -> pd.DataFrame:
    """Amount (yuan) and loans per head bank and district in the window. With `edge`, a list of
    more than 2 × edge districts keeps only the `edge` districts with the largest amount and the
    `edge` with the smallest (ties by name): what the stacked chart shows of a national list.
    Columns `districts` (how many districts lent at all) and `bank_amount` (the bank's amount in
    every district) keep the chart's count and bank order those of the whole list."""
    return con.execute(
        """
        WITH cells AS (
            SELECT l.bank, d.name AS district, d.sort_order, sum(l.amount_yuan) AS amount, count(*) AS loans
            FROM v_loans l JOIN v_districts d ON d.code = l.district_code
            WHERE l.loan_date BETWEEN make_date($year, 1, 1) AND $as_of
              AND ($district IS NULL OR l.district_code = $district)
            GROUP BY l.bank, d.name, d.sort_order
        ),
        ranked AS (
            SELECT district, row_number() OVER (ORDER BY sum(amount) DESC, district) AS place,
                   count(*) OVER () AS districts
            FROM cells GROUP BY district
        ),
        banks AS (SELECT bank, sum(amount) AS bank_amount FROM cells GROUP BY bank)
        SELECT c.bank, c.district, c.sort_order, c.amount::DOUBLE AS amount, c.loans,
               r.districts, b.bank_amount::DOUBLE AS bank_amount
        FROM cells c JOIN ranked r USING (district) JOIN banks b USING (bank)
        WHERE $edge IS NULL OR r.districts <= 2 * $edge OR r.place <= $edge OR r.place > r.districts - $edge
        ORDER BY c.sort_order, c.amount DESC, c.bank
        """,
        {"year": year, "as_of": as_of, "district": district, "edge": edge},
    ).df()


def patents_by_type(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None
) -> pd.DataFrame:
    """Distinct pledged numbers per type (发明专利, 实用新型, 外观设计, 商标) in the window."""
    return con.execute(
        """
        SELECT ip_type AS patent_type, count(DISTINCT ip_no) AS patents, count(DISTINCT loan_id) AS loans
        FROM v_pledged_ip
        WHERE loan_date BETWEEN make_date($year, 1, 1) AND $as_of
          AND ($district IS NULL OR district_code = $district)
        GROUP BY ip_type
        ORDER BY patents DESC
        """,
        {"year": year, "as_of": as_of, "district": district},
    ).df()


_FIRST_TIME_SQL = """
    SELECT l.uscc, e.name, d.name AS district, min(l.loan_date) AS first_loan_date,
           sum(l.amount_yuan)::DOUBLE AS amount, string_agg(DISTINCT l.bank, '、') AS banks
    FROM v_loans l JOIN enterprises e USING (uscc) LEFT JOIN v_districts d ON d.code = l.district_code
    WHERE l.first_loan AND l.loan_date BETWEEN make_date($year, 1, 1) AND $as_of
      AND ($district IS NULL OR l.district_code = $district)
    GROUP BY l.uscc, e.name, d.name
"""
_FIRST_TIME_ORDER = "ORDER BY first_loan_date DESC, uscc"


def first_time_borrowers(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None
) -> pd.DataFrame:
    """Enterprises with a 首贷 loan in the window: when, how much, from which bank. The whole
    list (for the downloads and the bulletin's files); pages show first_time_page."""
    return con.execute(
        f"SELECT * FROM ({_FIRST_TIME_SQL}) {_FIRST_TIME_ORDER}", {"year": year, "as_of": as_of, "district": district}
    ).df()


def first_time_page(
    con: duckdb.DuckDBPyConnection,
    year: int,
    as_of: dt.date,
    page: int = 1,
    size: int = 50,
    district: str | None = None,
) -> dict:
    """One page of first_time_borrowers, pages counted from 1: {'rows', 'total' (how many the
    whole list holds), 'page' (the page given; the first when the list has become shorter)}. A
    national list runs to thousands, more than a screen shows."""
    params = {"year": year, "as_of": as_of, "district": district}

    def read(page: int) -> pd.DataFrame:
        return con.execute(
            f"""SELECT *, count(*) OVER () AS total FROM ({_FIRST_TIME_SQL})
                {_FIRST_TIME_ORDER} LIMIT $size OFFSET $offset""",
            {**params, "size": size, "offset": (page - 1) * size},
        ).df()

    page = max(page, 1)
    rows = read(page)
    if rows.empty and page > 1:
        page, rows = 1, read(1)
    total = int(rows["total"].iloc[0]) if len(rows) else 0
    return {"rows": rows.drop(columns="total"), "total": total, "page": page}


def first_time_banks(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None
) -> list[str]:
    """Banks that lent to a first-time borrower (a 首贷 loan) in the window."""
    return [
        r[0]
        for r in con.execute(
            """SELECT DISTINCT bank FROM v_loans
               WHERE first_loan AND loan_date BETWEEN make_date($year, 1, 1) AND $as_of
                 AND ($district IS NULL OR district_code = $district)
               ORDER BY bank""",
            {"year": year, "as_of": as_of, "district": district},
        ).fetchall()
    ]
