"""Small helpers for reading DuckDB results."""

from __future__ import annotations

import duckdb


# DuckDB 2.0 streams results: a result read with fetchone() stays open and blocks the next
# statement on that connection. These read the whole (one-row) result and close it.
def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def fetch_value(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    row = fetch_one(con, sql, params)
    return row[0] if row else None


def fetch_row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple:
    """The one row an aggregate always returns (count, sum ... without GROUP BY)."""
    row = fetch_one(con, sql, params)
    if row is None:
        raise LookupError(f"no row from: {sql[:80]}")
    return row
