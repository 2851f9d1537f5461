"""Tables derived from the current loans, rebuilt in the same transaction as every load and undo.

They turn the slow part of the metrics, distinct counts over a window that always starts on
1 January, into plain counts: an enterprise (or invention patent) counts in [Y-01-01, D] exactly
when its first loan (first pledge) of year Y came on or before D; likewise each pledged patent
or trademark number, by type. Rows with a NULL district are
the city level, where an enterprise borrowing in two districts counts once.

Three more make a national-size window cheap to sum (1M loans, 3,000 districts): `daily_firsts`
counts those first dates per day (a window's distinct count is the sum of its days),
`bank_firsts` likewise each bank's enterprises, and `daily_loans` holds the loans and amount per
day. They are in day order, so a window reads only the row groups of its days."""

from __future__ import annotations

import duckdb

# Created where missing (a file made before they existed); the loads keep them current.
_DERIVED = {
    "daily_firsts": """CREATE TABLE IF NOT EXISTS daily_firsts (
        day            DATE NOT NULL,
        district_code  VARCHAR,           -- NULL: the city level
        counted        VARCHAR NOT NULL,  -- first_date / first_flag_date (enterprises) or an ip_type
        n              BIGINT NOT NULL    -- how many had their first of the year that day
    )""",
    "bank_firsts": """CREATE TABLE IF NOT EXISTS bank_firsts (
        day            DATE NOT NULL,
        district_code  VARCHAR,           -- NULL: the city level
        bank           VARCHAR NOT NULL,
        n              BIGINT NOT NULL    -- enterprises whose first loan of the year from the bank came that day
    )""",
    "daily_loans": """CREATE TABLE IF NOT EXISTS daily_loans (
        day            DATE NOT NULL,
        district_code  VARCHAR,           -- NULL: the city level
        loans          BIGINT NOT NULL,
        amount_yuan    DECIMAL(38, 2) NOT NULL
    )""",
}

_REFRESH = [
    "DELETE FROM enterprises",
    """INSERT INTO enterprises
       SELECT uscc, arg_max(enterprise_name, loan_date), arg_max(district_code, loan_date),
              min(loan_date), max(loan_date), count(*), sum(amount_yuan)
       FROM v_loans GROUP BY uscc""",
    "DELETE FROM enterprise_firsts",
    """INSERT INTO enterprise_firsts
       SELECT year(loan_date), district_code, uscc, min(loan_date), min(loan_date) FILTER (WHERE first_loan)
       FROM v_loans
       GROUP BY GROUPING SETS ((year(loan_date), district_code, uscc), (year(loan_date), uscc))""",
    "DELETE FROM pledged_firsts",
    """INSERT INTO pledged_firsts
       SELECT year(l.loan_date), l.district_code, p.ip_type, p.ip_no, min(l.loan_date)
       FROM v_loans l JOIN pledged_ip p USING (loan_id)
       GROUP BY GROUPING SETS ((year(l.loan_date), l.district_code, p.ip_type, p.ip_no),
                               (year(l.loan_date), p.ip_type, p.ip_no))""",
    "DELETE FROM daily_firsts",
    """INSERT INTO daily_firsts
       SELECT * FROM (
           SELECT first_date, district_code, 'first_date', count(*) FROM enterprise_firsts GROUP BY ALL
           UNION ALL
           SELECT first_flag_date, district_code, 'first_flag_date', count(*) FROM enterprise_firsts
           WHERE first_flag_date IS NOT NULL GROUP BY ALL
           UNION ALL
           SELECT first_date, district_code, ip_type, count(*) FROM pledged_firsts GROUP BY ALL
       ) ORDER BY ALL""",
    "DELETE FROM bank_firsts",
    """INSERT INTO bank_firsts
       SELECT first_date, district_code, bank, count(*) FROM (
           SELECT district_code, bank, min(loan_date) AS first_date FROM v_loans
           GROUP BY GROUPING SETS ((year(loan_date), district_code, bank, uscc), (year(loan_date), bank, uscc))
       ) GROUP BY ALL ORDER BY ALL""",
    "DELETE FROM daily_loans",
    """INSERT INTO daily_loans
       SELECT loan_date, district_code, count(*), sum(amount_yuan) FROM v_loans
       GROUP BY GROUPING SETS ((loan_date, district_code), (loan_date))
       ORDER BY ALL""",
]


def missing(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Derived tables this file does not have yet."""
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    return [name for name in _DERIVED if name not in have]


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Create and fill the derived tables a file lacks."""
    if missing(con):
        refresh(con)


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in _DERIVED.values():
        con.execute(ddl)
    for statement in _REFRESH:
        con.execute(statement)
