"""疑似重复: current loans that may be one loan reported twice.

Two current loans of the same enterprise (USCC), head bank and amount whose loan dates lie within
31 days of each other — for example one source dating a loan by its registration date, the other
by the disbursement — are listed for the analyst to merge (etl/corrections.merge_loans) or keep
apart (then they are not listed again). Pairs chain into groups: three reports of one loan are
one group.
"""

from __future__ import annotations

import duckdb
import pandas as pd

WINDOW_DAYS = 31

_PAIRS = """
    SELECT a.loan_id AS a, b.loan_id AS b, abs(date_diff('day', a.loan_date, b.loan_date)) AS days
    FROM v_loans a JOIN v_loans b
      ON a.uscc = b.uscc AND a.bank = b.bank AND a.amount_yuan = b.amount_yuan AND a.loan_key < b.loan_key
     AND abs(date_diff('day', a.loan_date, b.loan_date)) <= ?
    WHERE (? IS NULL OR year(a.loan_date) = ? OR year(b.loan_date) = ?)
      AND NOT EXISTS (SELECT 1 FROM distinct_loans d
                      WHERE d.loan_key_a = least(a.loan_key, b.loan_key)
                        AND d.loan_key_b = greatest(a.loan_key, b.loan_key))
"""

_LOANS = """
    SELECT l.loan_id AS id, l.uscc, l.enterprise_name AS name, l.bank, l.bank_raw, l.district_code,
           l.loan_date, l.amount_yuan / 10000 AS amount_wan, l.reg_no, l.batch_id AS batch, b.file_name
    FROM v_loans l JOIN batches b ON b.id = l.batch_id
    WHERE l.loan_id IN (SELECT unnest(?::BIGINT[]))
    ORDER BY l.loan_date, l.loan_id
"""


def suspect_groups(con: duckdb.DuckDBPyConnection, year: int | None = None) -> list[dict]:
    """[{"reason", "loans": [{"id", "uscc", "name", "bank", "loan_date", "amount_wan", "batch", ...}]}]"""
    pairs = con.execute(_PAIRS, [WINDOW_DAYS, year, year, year]).fetchall()
    if not pairs:
        return []
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        while parent.setdefault(i, i) != i:
            i = parent[i]
        return i

    for a, b, _ in pairs:
        parent[root(a)] = root(b)
    widest: dict[int, int] = {}
    for a, _, days in pairs:
        widest[root(a)] = max(widest.get(root(a), 0), days)
    loans = con.execute(_LOANS, [list(parent)]).df()
    loans["group"] = loans["id"].map(root)
    groups: list[dict] = []
    for group, part in loans.groupby("group", sort=False):
        days = widest.get(int(group), 0)
        when = "放款日期相同" if days == 0 else f"放款日期相差{days}天"
        reason = f"同一企业、同一质权人、金额相同，{when}"
        groups.append({"reason": reason, "loans": [_loan(r) for r in part.drop(columns="group").to_dict("records")]})
    groups.sort(key=lambda g: (g["loans"][0]["loan_date"], g["loans"][0]["id"]))
    return groups


def _loan(record: dict) -> dict:
    record["loan_date"] = pd.Timestamp(record["loan_date"]).date().isoformat()
    record["amount_wan"] = float(record["amount_wan"])
    record["id"], record["batch"] = int(record["id"]), int(record["batch"])
    return record
