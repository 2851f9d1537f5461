"""The bank alias table that maps branch names to head banks, edited by admins, and what a change
of it does to the loans already loaded: each loan's head bank is worked out again from the bank as
written in its file, so that last year's loans of a bank count for the same head bank as this
year's (no −100% on the bank page because a spelling was mapped late)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from pledge import rollups, versions
from pledge.auth import audit
from pledge.reference import BLANK_WORDS, load_reference, split_aliases
from pledge.sql import fetch_value
from pledge.store import Store


@dataclass
class Rebanked:
    loans: int  # current loans whose head bank changed
    merged: int  # current loans that turned out to be another loan's duplicate (same identity now)


def save(store: Store, grid: pd.DataFrame, user: str) -> int:
    """Replace the table with the edited grid (name, aliases text), and re-bank the loans loaded;
    returns the number of banks."""
    rows = []
    for name, aliases in zip(grid["name"], grid["aliases"]):
        name = "" if name is None or pd.isna(name) else str(name).strip()
        if not name or name.lower() in BLANK_WORDS:
            continue
        rows.append([name, [a for a in split_aliases(aliases) if a != name]])
    with store.write() as con:
        con.execute("DELETE FROM banks")
        con.executemany("INSERT INTO banks VALUES (?, ?)", rows)
        moved = rebank(con)
        audit(con, user, "修改银行名称", f"{len(rows)}家总行；已导入贷款{moved.loans}笔改按新的总行统计")
    return len(rows)


def rebank(con: duckdb.DuckDBPyConnection) -> Rebanked:
    """Work out every loan's head bank again from bank_raw with the reference as it now is (inside
    the caller's transaction). A loan without a registration number is identified by its head bank
    too (etl/kinds/loans.loan_key), so its key follows (and the withdrawals naming it); two current
    loans that now share a key are one loan, whose current row pledge/versions.py decides.
    The rollups are rebuilt."""
    reference = load_reference(con)
    written = [r[0] for r in con.execute("SELECT DISTINCT bank_raw FROM loans").fetchall()]
    heads = pd.DataFrame({"bank_raw": written, "head": [reference.head_bank(b) for b in written]}, dtype=object)
    con.register("bank_heads", heads)
    try:
        con.execute(
            """CREATE TEMP TABLE rebanked AS
               SELECT l.loan_id, l.loan_key AS old_key, l.bank AS old_bank, h.head, l.is_current
               FROM loans l JOIN bank_heads h USING (bank_raw) WHERE l.bank <> h.head"""
        )
    finally:
        con.unregister("bank_heads")
    try:
        changed = fetch_value(con, "SELECT count(*) FROM rebanked WHERE is_current")
        if not changed and not fetch_value(con, "SELECT count(*) FROM rebanked"):
            return Rebanked(0, 0)
        current_before = fetch_value(con, "SELECT count(*) FROM loans WHERE is_current")
        # 'K:uscc|bank|date|amount': replace the bank part, which is the loan's old head bank.
        con.execute(
            """UPDATE loans SET
                   bank = r.head,
                   loan_key = CASE WHEN loans.loan_key LIKE 'K:%'
                       THEN split_part(loans.loan_key, '|', 1) || '|' || r.head
                            || substr(loans.loan_key, length(split_part(loans.loan_key, '|', 1)) + length(r.old_bank) + 2)
                       ELSE loans.loan_key END
               FROM rebanked r WHERE loans.loan_id = r.loan_id"""
        )
        # A source named after its bank ('bank:<head bank>') follows the bank where that is unambiguous.
        for old, new in con.execute(
            "SELECT old_bank, any_value(head) FROM rebanked GROUP BY old_bank HAVING count(DISTINCT head) = 1"
        ).fetchall():
            for table in ("loans", "batch_reports"):
                con.execute(f"UPDATE {table} SET source = ? WHERE source = ?", [f"bank:{new}", f"bank:{old}"])
        # Withdrawals and "not duplicates" decisions name keys: they follow the loans' new keys.
        con.execute(
            """CREATE TEMP TABLE rekeyed AS
               SELECT DISTINCT r.old_key, l.loan_key AS new_key
               FROM rebanked r JOIN loans l USING (loan_id) WHERE r.old_key <> l.loan_key"""
        )
        con.execute(
            """UPDATE loan_withdrawals SET loan_key = k.new_key FROM rekeyed k
               WHERE loan_withdrawals.loan_key = k.old_key"""
        )
        for column in ("loan_key_a", "loan_key_b"):
            con.execute(
                f"UPDATE distinct_loans SET {column} = k.new_key FROM rekeyed k WHERE distinct_loans.{column} = k.old_key"
            )
        con.execute("DROP TABLE rekeyed")
        # Two loans that now share a key are one loan; which row counts follows the usual rule.
        versions.refresh_current(con)
        merged = current_before - fetch_value(con, "SELECT count(*) FROM loans WHERE is_current")
        rollups.refresh(con)
        return Rebanked(changed, merged)
    finally:
        con.execute("DROP TABLE IF EXISTS rebanked")
