"""Whether a claim pledges an invention patent for the first time: the seam where the CNIPA
registrations (issue 11) will plug in. Today it is decided from the ledger: an invention patent
counts as first-time when no current loan dated before the claimed loan pledged it."""

from __future__ import annotations

import duckdb


def first_time_claims(con: duckdb.DuckDBPyConnection, year: int) -> set[str]:
    """claim_keys of the year's current claims with at least one first-time invention patent."""
    rows = con.execute(
        """WITH claimed AS (
               SELECT claim_key, loan_date, unnest(invention_nos) AS ip_no FROM v_subsidy_claims WHERE year = ?
           )
           SELECT DISTINCT c.claim_key FROM claimed c
           WHERE NOT EXISTS (SELECT 1 FROM v_pledged_ip p
                             WHERE p.ip_no = c.ip_no AND p.ip_type = '发明专利' AND p.loan_date < c.loan_date)""",
        [year],
    ).fetchall()
    return {key for (key,) in rows}
