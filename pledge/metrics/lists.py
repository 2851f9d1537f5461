"""Plain reads that are not figures: search, an enterprise's loans and where they came from, the
import history, the reference lists and the targets as entered, the data-freshness line."""

from __future__ import annotations

import duckdb
import pandas as pd

from pledge.catalogue import CITY, HEADLINE
from pledge.metrics.progress import latest_loan_date
from pledge.sql import fetch_one, fetch_value


def search_enterprises(
    con: duckdb.DuckDBPyConnection, text: str, limit: int = 50, district: str | None = None
) -> pd.DataFrame:
    """Enterprises whose name contains the text or whose USCC starts with it, biggest first;
    with a district, only loans made there count."""
    pattern = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matches = """e.name ILIKE '%' || $text || '%' ESCAPE '\\' OR e.uscc LIKE upper($text) || '%'"""
    if district is None:  # the enterprise table already holds each one's totals
        sql = f"""
            SELECT e.uscc, e.name, d.name AS district, e.loans, e.amount_yuan::DOUBLE AS amount,
                   e.last_loan_date
            FROM enterprises e LEFT JOIN v_districts d ON d.code = e.district_code
            WHERE {matches}
            ORDER BY amount DESC, e.uscc LIMIT $limit"""
        params = {"text": pattern, "limit": limit}
    else:
        sql = f"""
            SELECT e.uscc, e.name, d.name AS district, count(l.loan_id) AS loans,
                   sum(l.amount_yuan)::DOUBLE AS amount, max(l.loan_date) AS last_loan_date
            FROM enterprises e JOIN v_loans l USING (uscc) LEFT JOIN v_districts d ON d.code = e.district_code
            WHERE ({matches}) AND l.district_code = $district
            GROUP BY e.uscc, e.name, d.name
            ORDER BY amount DESC, e.uscc LIMIT $limit"""
        params = {"text": pattern, "limit": limit, "district": district}
    return con.execute(sql, params).df()


def enterprise_loans(con: duckdb.DuckDBPyConnection, uscc: str, district: str | None = None) -> pd.DataFrame:
    """Every current loan of one enterprise, newest first, with its pledged numbers and where it
    came from (file, sheet, Excel row, import)."""
    return con.execute(
        """
        WITH mine AS (
            SELECT * FROM v_loans WHERE uscc = $uscc AND ($district IS NULL OR district_code = $district)
        ),
        pledged AS (
            SELECT loan_id, string_agg(ip_no || '（' || ip_type || '）', '、' ORDER BY ip_no) AS patents
            FROM pledged_ip WHERE loan_id IN (SELECT loan_id FROM mine) GROUP BY loan_id
        )
        SELECT l.loan_id, l.loan_date, l.bank, l.bank_raw, l.amount_yuan::DOUBLE AS amount, l.term_months, l.rate_pct::DOUBLE AS rate_pct, l.rate_text,
               l.first_loan, l.subsidy_yuan::DOUBLE AS subsidy, l.pledge_type, l.reg_no, l.reg_date, d.name AS district,
               p.patents, b.file_name, l.source_sheet, l.source_row, b.id AS batch_id, b.loaded_at, b.user_name
        FROM mine l JOIN batches b ON b.id = l.batch_id LEFT JOIN pledged p USING (loan_id)
        LEFT JOIN v_districts d ON d.code = l.district_code
        ORDER BY l.loan_date DESC, l.loan_id DESC
        """,
        {"uscc": uscc, "district": district},
    ).df()


def current_loan(con: duckdb.DuckDBPyConnection, loan_id: int, district: str | None = None) -> pd.DataFrame:
    """One current loan by its number, with the district's name and the batch it came from."""
    return con.execute(
        """SELECT l.loan_id, l.enterprise_name, l.uscc, l.district_code, d.name AS district, l.bank, l.bank_raw,
                  l.amount_yuan::DOUBLE AS amount, l.loan_date, l.first_loan, l.reg_no, l.source,
                  b.id AS batch_id, b.file_name, l.source_sheet, l.source_row
           FROM v_loans l JOIN batches b ON b.id = l.batch_id LEFT JOIN v_districts d ON d.code = l.district_code
           WHERE l.loan_id = ? AND (?::VARCHAR IS NULL OR l.district_code = ?)""",
        [loan_id, district, district],
    ).df()


def enterprise_history(con: duckdb.DuckDBPyConnection, uscc: str, district: str | None = None) -> pd.DataFrame:
    """One enterprise's loans per year."""
    return con.execute(
        """
        SELECT year(loan_date) AS year, count(*) AS loans, sum(amount_yuan)::DOUBLE AS amount,
               count(DISTINCT bank) AS banks
        FROM v_loans WHERE uscc = $uscc AND ($district IS NULL OR district_code = $district)
        GROUP BY year ORDER BY year
        """,
        {"uscc": uscc, "district": district},
    ).df()


def freshness(con: duckdb.DuckDBPyConnection) -> dict:
    """What the data-freshness line shows: latest loan date, last import, demo flag."""
    last = fetch_one(
        con,
        "SELECT file_name, loaded_at, user_name FROM batches WHERE status = 'active' ORDER BY id DESC LIMIT 1",
    )
    return {
        "latest_loan_date": latest_loan_date(con),
        "last_import_file": last[0] if last else None,
        "last_import_at": last[1] if last else None,
        "last_import_user": last[2] if last else None,
        "demo": fetch_value(con, "SELECT value FROM meta WHERE key = 'demo'"),
    }


def districts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT code, name FROM v_districts ORDER BY sort_order").df()


def import_batches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every import, newest first (not a figure, but read through the same cached path)."""
    return con.execute(
        """SELECT id, kind, file_name, sha256, archive_path, status, loaded_at, user_name, rows_read, rows_new,
                  rows_updated, rows_duplicate, rows_withdrawn, rows_rejected, rows_skipped,
                  coalesce(json_array_length(warnings), 0) AS warnings_count, undone_at, undone_by
           FROM batches ORDER BY id DESC"""
    ).df()


def targets_grid(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """The year's targets as entered (no city fallback), one row for 全市 and one per district,
    one column per headline metric that takes a target, in its unit (亿元 for the amount)."""
    shown = [m for m in HEADLINE if m.has_target]
    columns = ",\n               ".join(
        f"max(t.value) FILTER (WHERE t.metric = '{m.key}')::DOUBLE / {m.scale} AS {m.key}" for m in shown
    )
    return con.execute(
        f"""
        WITH scopes AS (SELECT '{CITY}' AS scope, '全市' AS name, 0 AS sort_order
                        UNION ALL SELECT code, name, sort_order FROM v_districts)
        SELECT s.scope, s.name,
               {columns}
        FROM scopes s LEFT JOIN v_targets t ON t.scope = s.scope AND t.year = $year
        GROUP BY s.scope, s.name, s.sort_order ORDER BY s.sort_order
        """,
        {"year": year},
    ).df()


def district_list(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The current district list for editing: name, code, aliases joined with 、."""
    return con.execute(
        "SELECT name, code, array_to_string(aliases, '、') AS aliases FROM v_districts ORDER BY sort_order"
    ).df()


def bank_aliases(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT name, array_to_string(aliases, '、') AS aliases FROM banks ORDER BY name").df()
