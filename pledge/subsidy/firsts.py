"""Whether a claim pledges an invention patent for the first time (须含首次质押的发明专利).

A claimed invention patent is pledged for the first time when nothing pledged it before:
- no current loan of the ledger dated before the claimed loan pledged it, and
- no CNIPA registration (质押登记, PE01) of it other than the claim's own registration took
  effect before the claim's registration date (its loan date when the claim gives none).
  The claim's own registration may precede the loan by weeks, so it is left out by its 登记号.
Without any registration extract loaded, the ledger alone decides."""

from __future__ import annotations

import duckdb


def first_time_claims(con: duckdb.DuckDBPyConnection, year: int) -> set[str]:
    """claim_keys of the year's current claims with at least one first-time invention patent."""
    rows = con.execute(
        """WITH claimed AS (
               SELECT claim_key, loan_date, reg_no, coalesce(reg_date, loan_date) AS pledged_on,
                      unnest(invention_nos) AS ip_no
               FROM v_subsidy_claims WHERE year = ?
           )
           SELECT DISTINCT c.claim_key FROM claimed c
           WHERE NOT EXISTS (SELECT 1 FROM v_pledged_ip p
                             WHERE p.ip_no = c.ip_no AND p.ip_type = '发明专利' AND p.loan_date < c.loan_date)
             AND NOT EXISTS (SELECT 1 FROM v_registration_events e
                             WHERE e.event = 'PE01' AND e.patent_no = c.ip_no AND e.event_date < c.pledged_on
                               AND e.reg_no IS DISTINCT FROM c.reg_no)""",
        [year],
    ).fetchall()
    return {key for (key,) in rows}
