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
            SELECT bank, amount_yuan, year(loan_date) = $year AS this_year
            FROM v_loans
            WHERE ($district IS NULL OR district_code = $district)
              AND (loan_date BETWEEN make_date($year, 1, 1) AND $as_of
                   OR loan_date BETWEEN make_date($year - 1, 1, 1) AND $prev_as_of)
        ),
        sums AS (
            SELECT bank,
                   coalesce(sum(amount_yuan) FILTER (WHERE this_year), 0)::DOUBLE AS amount,
                   count(*) FILTER (WHERE this_year) AS loans,
                   coalesce(sum(amount_yuan) FILTER (WHERE NOT this_year), 0)::DOUBLE AS prev_amount
            FROM l GROUP BY bank
        ),
        -- distinct enterprises: how many had their first loan of the year from the bank on each
        -- day of the window (pledge/rollups.py), in the district or (NULL) the city
        firms AS (
            SELECT bank, sum(n)::BIGINT AS enterprises FROM bank_firsts
            WHERE day BETWEEN make_date($year, 1, 1) AND $as_of AND district_code IS NOT DISTINCT FROM $district
            GROUP BY bank
        )
        SELECT s.bank, s.amount, s.loans, coalesce(f.enterprises, 0) AS enterprises, s.prev_amount,
               s.amount / nullif(sum(s.amount) OVER (), 0) AS share,
               s.amount / nullif(s.prev_amount, 0) - 1 AS yoy
        FROM sums s LEFT JOIN firms f USING (bank)
        WHERE s.amount > 0 OR s.prev_amount > 0
        ORDER BY s.amount DESC, s.bank
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


def first_time_borrowers(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None
) -> pd.DataFrame:
    """Enterprises with a 首贷 loan in the window, one row per enterprise and district it had one
    in: when, how much, from which bank. The whole list (the downloads, the bulletin's files);
    pages show first_time_page."""
    return con.execute(
        """
        SELECT l.uscc, e.name, d.name AS district, min(l.loan_date) AS first_loan_date,
               sum(l.amount_yuan)::DOUBLE AS amount, string_agg(DISTINCT l.bank, '、' ORDER BY l.bank) AS banks
        FROM v_loans l JOIN enterprises e USING (uscc) LEFT JOIN v_districts d ON d.code = l.district_code
        WHERE l.first_loan AND l.loan_date BETWEEN make_date($year, 1, 1) AND $as_of
          AND ($district IS NULL OR l.district_code = $district)
        GROUP BY l.uscc, e.name, d.name
        ORDER BY first_loan_date DESC, l.uscc, district
        """,
        {"year": year, "as_of": as_of, "district": district},
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
    national list runs to thousands, more than a screen shows: the rollup gives the list's order
    and length, and only the page's loans are summed."""

    def read(page: int) -> pd.DataFrame:
        return con.execute(
            """
            WITH listed AS (  -- each enterprise and district with a 首贷 loan in the window (pledge/rollups.py)
                SELECT uscc, district_code, first_flag_date AS first_loan_date
                FROM enterprise_firsts
                WHERE year = $year AND district_code IS NOT NULL AND first_flag_date <= $as_of
                  AND ($district IS NULL OR district_code = $district)
            ),
            shown AS (
                SELECT l.*, d.name AS district, count(*) OVER () AS total
                FROM listed l LEFT JOIN v_districts d ON d.code = l.district_code
                ORDER BY first_loan_date DESC, uscc, district LIMIT $size OFFSET $offset
            ),
            sums AS (  -- the 首贷 loans of the enterprises shown
                SELECT l.uscc, l.district_code, sum(l.amount_yuan)::DOUBLE AS amount,
                       string_agg(DISTINCT l.bank, '、' ORDER BY l.bank) AS banks
                FROM v_loans l SEMI JOIN shown s ON s.uscc = l.uscc AND s.district_code = l.district_code
                WHERE l.first_loan AND l.loan_date BETWEEN make_date($year, 1, 1) AND $as_of
                GROUP BY l.uscc, l.district_code
            )
            SELECT s.uscc, e.name, s.district, s.first_loan_date, m.amount, m.banks, s.total
            FROM shown s JOIN enterprises e USING (uscc)
            JOIN sums m ON m.uscc = s.uscc AND m.district_code = s.district_code
            ORDER BY s.first_loan_date DESC, s.uscc, s.district
            """,
            {
                "year": year,
                "as_of": as_of,
                "district": district,
                "size": size,
                "offset": (page - 1) * size,
            },
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
