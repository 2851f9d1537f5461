"""Which row of each loan counts: the one current row per loan key, recomputed after every load,
undo, edit or withdrawal.

A row counts when its batch is active and nothing newer took it back:
- a newer active report of the same source (a bank's 1–10月 after its 1–9月) whose period covers
  the row's loan date — the report lists the loan again (a newer row of the key), or withdrew it;
- a newer active withdrawal of its key (by hand, or when two loans were merged into one).
Of the rows that count, the newest is the key's current row. Because every row is kept and only
this flag moves, undoing any batch brings back exactly what it replaced.
"""

from __future__ import annotations

import duckdb

# A row the newer report of its own source covers, or a newer withdrawal names, no longer counts.
COUNTING_ROWS = """
    SELECT l.loan_id, l.loan_key
    FROM loans l JOIN batches b ON b.id = l.batch_id AND b.status = 'active'
    WHERE NOT EXISTS (
            SELECT 1 FROM batch_reports r JOIN batches rb ON rb.id = r.batch_id AND rb.status = 'active'
            WHERE r.replaces AND r.batch_id > l.batch_id AND r.source = l.source
              AND l.loan_date BETWEEN r.period_start AND r.period_end)
      AND NOT EXISTS (
            SELECT 1 FROM loan_withdrawals w JOIN batches wb ON wb.id = w.batch_id AND wb.status = 'active'
            WHERE w.loan_key = l.loan_key AND w.batch_id > l.batch_id)
"""


def refresh_current(con: duckdb.DuckDBPyConnection) -> None:
    """Set is_current on every loan row from the rule above (inside the caller's transaction)."""
    con.execute(
        f"""UPDATE loans SET is_current = loan_id IN (
                SELECT max(loan_id) FROM ({COUNTING_ROWS}) GROUP BY loan_key)"""
    )
