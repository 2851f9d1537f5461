"""Tables derived from the current loans, rebuilt in the same transaction as every load and undo.

They turn the slow part of the metrics, distinct counts over a window that always starts on
1 January, into plain counts: an enterprise (or invention patent) counts in [Y-01-01, D] exactly
when its first loan (first pledge) of year Y came on or before D; likewise each pledged patent
or trademark number, by type. Rows with a NULL district are
the city level, where an enterprise borrowing in two districts counts once."""

from __future__ import annotations

import duckdb

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
]


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    for statement in _REFRESH:
        con.execute(statement)
