"""增量扩面: the white list (潜在首贷企业) and the 政银企对接 funnel, in SQL on the outreach views.

A *lead* is a financing demand (from its 登记日期) or a white-list push to a bank (from its 推送日期).
A lead is disbursed when the ledger holds a loan of the same enterprise dated from the lead's start
to 180 days after it, or after its push when it was pushed later (MATCH_DAYS, both ends included):
matched, never typed in. First-time borrowers are those whose matched loan is flagged 首贷, the
metrics layer's definition (DOMAIN.md Metrics).

The funnel of year Y follows the events held in Y and the demands registered in Y, whenever their
loans came. Its stages count enterprises (户) and each implies the ones before it, so every
conversion is at most 100%: 对接企业 (the listed attendees, the declared 参会企业数 beyond the list,
and every enterprise with a demand) → 融资需求 → 推送银行 (pushed, or the bank answered or lent) →
获得授信 (授信/放款 feedback, a 授信金额, or a loan) → 放款 (matched) → 其中首贷. White-list pushes,
which have no demand, are a track of their own (wl_*): pushed → 放款 → 首贷.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from pledge.catalogue import CITY

MATCH_DAYS = 180
# Banks look at these first: ranking of the white list.
RANK_ORDER = "invention_patents DESC, len(tags) DESC, patents DESC NULLS LAST, uscc"


def match_window(start: dt.date, push: dt.date | None) -> tuple[dt.date, dt.date]:
    """The loan dates that count for a lead (both ends included); the SQL below says the same."""
    anchor = max(start, push) if push else start
    return start, anchor + dt.timedelta(days=MATCH_DAYS)


LEADS = f"""
    SELECT 'demand:' || demand_key AS lead_id, uscc, enterprise_name, district_code, demand_date AS start_date,
           push_date, bank, amount_yuan, feedback, feedback_date, credit_yuan, true AS is_demand,
           greatest(demand_date, coalesce(push_date, demand_date)) + {MATCH_DAYS} AS window_end
    FROM v_outreach_demands
    UNION ALL
    SELECT 'push:' || batch_id || ':' || uscc || ':' || bank, uscc, enterprise_name, district_code, push_date,
           push_date, bank, NULL, NULL, NULL, NULL, false, push_date + {MATCH_DAYS}
    FROM v_outreach_pushes
"""

# Every (lead, loan) pair within the window.
MATCHES = """
    SELECT ld.lead_id, l.loan_id, l.loan_date, l.amount_yuan, l.first_loan, l.bank AS loan_bank
    FROM leads ld JOIN v_loans l ON l.uscc = ld.uscc AND l.loan_date BETWEEN ld.start_date AND ld.window_end
"""

WHITELIST = """
    SELECT r.uscc, r.name, r.district_code, d.name AS district, r.invention_patents, r.patents, r.tags, r.contact,
           p.pushes, p.last_push_date, p.last_bank
    FROM v_roster r
    LEFT JOIN v_districts d ON d.code = r.district_code
    LEFT JOIN (SELECT uscc, count(*) AS pushes, max(push_date) AS last_push_date, arg_max(bank, push_date) AS last_bank
               FROM v_outreach_pushes GROUP BY uscc) p USING (uscc)
    WHERE coalesce(r.invention_patents, 0) > 0
      AND NOT EXISTS (SELECT 1 FROM v_loans l WHERE l.uscc = r.uscc)   -- borrowed once: never again
      AND ($district IS NULL OR r.district_code = $district)
"""


def whitelist(con: duckdb.DuckDBPyConnection, district: str | None = None) -> pd.DataFrame:
    """潜在首贷企业: roster enterprises with invention patents and no pledge loan ever, best first."""
    return con.execute(
        f"SELECT row_number() OVER (ORDER BY {RANK_ORDER}) AS rank, * FROM ({WHITELIST}) ORDER BY rank",
        {"district": district},
    ).df()


def whitelist_by_district(con: duckdb.DuckDBPyConnection, district: str | None = None) -> pd.DataFrame:
    """Per district: roster size, white-list size, of which pushed, and their invention patents."""
    return con.execute(
        f"""
        WITH w AS ({WHITELIST})
        SELECT d.code AS district_code, d.name AS district,
               (SELECT count(*) FROM v_roster r WHERE r.district_code = d.code) AS roster,
               count(w.uscc) AS whitelist, count(w.pushes) AS pushed,
               coalesce(sum(w.invention_patents), 0) AS invention_patents
        FROM v_districts d LEFT JOIN w ON w.district_code = d.code
        WHERE $district IS NULL OR d.code = $district
        GROUP BY d.code, d.name, d.sort_order
        ORDER BY whitelist DESC, d.sort_order
        """,
        {"district": district},
    ).df()


def _funnel_sql(where_scope: str) -> str:
    # Each fact counts in its district and in the city ('CITY'): one GROUP BY gives both.
    scopes = "unnest(list_filter([district_code, 'CITY'], lambda x: x IS NOT NULL)) AS scope"
    return f"""
    WITH leads AS (SELECT * FROM ({LEADS}) WHERE year(start_date) = $year),
    matches AS ({MATCHES}),
    ev AS (SELECT * FROM v_outreach_events WHERE year(event_date) = $year),
    listed AS (
        SELECT a.uscc, coalesce(ev.district_code, r.district_code) AS district_code
        FROM v_outreach_attendees a JOIN ev USING (event_key) LEFT JOIN v_roster r USING (uscc)),
    unlisted AS (   -- 参会企业数 beyond the names listed: counted, not deduplicated
        SELECT ev.district_code, greatest(coalesce(any_value(ev.attendee_count), 0) - count(a.uscc), 0) AS n
        FROM ev LEFT JOIN v_outreach_attendees a USING (event_key) GROUP BY ev.event_key, ev.district_code),
    per_lead AS (   -- each stage implies the ones before it: a bank that lent had the demand
        SELECT ld.*, m.first_date, coalesce(m.first_time, false) AS first_time,
               m.first_date IS NOT NULL OR ld.feedback IN ('授信', '放款') OR ld.credit_yuan > 0 AS credited,
               m.first_date IS NOT NULL OR ld.feedback IS NOT NULL OR ld.push_date IS NOT NULL AS pushed
        FROM leads ld LEFT JOIN (
            SELECT lead_id, min(loan_date) AS first_date, bool_or(first_loan) AS first_time
            FROM matches GROUP BY lead_id) m USING (lead_id)),
    lead_s AS (SELECT {scopes}, * FROM per_lead),
    loans_s AS (
        SELECT DISTINCT {scopes}, leads.is_demand, m.loan_id, m.amount_yuan
        FROM matches m JOIN leads USING (lead_id)),
    f_events AS (SELECT scope, count(*) AS events FROM (SELECT {scopes} FROM ev) GROUP BY scope),
    f_reached AS (   -- the listed attendees and every enterprise with a demand
        SELECT scope, count(DISTINCT uscc) AS reached
        FROM (SELECT {scopes}, uscc FROM listed UNION ALL SELECT {scopes}, uscc FROM leads WHERE is_demand)
        GROUP BY scope),
    f_unlisted AS (SELECT scope, sum(n) AS n FROM (SELECT {scopes}, n FROM unlisted) GROUP BY scope),
    f_leads AS (
        SELECT scope,
               count(DISTINCT uscc) AS demands,
               coalesce(sum(amount_yuan), 0)::DOUBLE AS demand_amount,
               count(DISTINCT uscc) FILTER (WHERE pushed) AS pushed,
               count(DISTINCT uscc) FILTER (WHERE credited) AS credited,
               count(DISTINCT uscc) FILTER (WHERE first_date IS NOT NULL) AS disbursed,
               count(DISTINCT uscc) FILTER (WHERE first_time) AS first_time,
               median(first_date - start_date) AS median_days_to_loan
        FROM lead_s WHERE is_demand GROUP BY scope),
    f_white AS (   -- the white list's own track: pushed without a demand
        SELECT scope, count(DISTINCT uscc) AS wl_pushed,
               count(DISTINCT uscc) FILTER (WHERE first_date IS NOT NULL) AS wl_disbursed,
               count(DISTINCT uscc) FILTER (WHERE first_time) AS wl_first_time
        FROM lead_s WHERE NOT is_demand GROUP BY scope),
    f_amount AS (
        SELECT scope, sum(amount_yuan) FILTER (WHERE is_demand)::DOUBLE AS disbursed_amount,
               sum(amount_yuan) FILTER (WHERE NOT is_demand)::DOUBLE AS wl_amount
        FROM loans_s GROUP BY scope),
    scopes AS (SELECT 'CITY' AS scope, '全市' AS name, 0 AS sort_order
               UNION ALL SELECT code, name, sort_order FROM v_districts)
    SELECT s.scope, s.name,
           coalesce(e.events, 0) AS events,
           coalesce(r.reached, 0) + coalesce(u.n, 0)::BIGINT AS reached,
           coalesce(l.demands, 0) AS demands, coalesce(l.demand_amount, 0) AS demand_amount,
           coalesce(l.pushed, 0) AS pushed, coalesce(l.credited, 0) AS credited,
           coalesce(l.disbursed, 0) AS disbursed, coalesce(a.disbursed_amount, 0) AS disbursed_amount,
           coalesce(l.first_time, 0) AS first_time, l.median_days_to_loan::DOUBLE AS median_days_to_loan,
           coalesce(w.wl_pushed, 0) AS wl_pushed, coalesce(w.wl_disbursed, 0) AS wl_disbursed,
           coalesce(w.wl_first_time, 0) AS wl_first_time, coalesce(a.wl_amount, 0) AS wl_amount
    FROM scopes s
    LEFT JOIN f_events e USING (scope) LEFT JOIN f_reached r USING (scope) LEFT JOIN f_unlisted u USING (scope)
    LEFT JOIN f_leads l USING (scope) LEFT JOIN f_white w USING (scope) LEFT JOIN f_amount a USING (scope)
    WHERE {where_scope}
    ORDER BY s.sort_order
    """


STAGES = ("reached", "demands", "pushed", "credited", "disbursed", "first_time")


def _with_conversions(frame: pd.DataFrame) -> pd.DataFrame:
    """Each stage's share of the stage before it (NaN where the stage before is 0)."""
    for before, after in zip(STAGES, STAGES[1:]):
        frame[f"rate_{after}"] = pd.Series(
            [a / b if b else float("nan") for a, b in zip(frame[after], frame[before])], index=frame.index, dtype=float
        )
    return frame


def funnel_table(con: duckdb.DuckDBPyConnection, year: int, district: str | None = None) -> pd.DataFrame:
    """The funnel of year Y for the city (first row, scope CITY) and every district; with a district,
    its row only. Amounts in yuan; rate_<stage>: the conversion from the stage before."""
    where = "($district IS NULL OR s.scope = $district)"
    frame = con.execute(_funnel_sql(where), {"year": year, "district": district}).df()
    return _with_conversions(frame)


def funnel(con: duckdb.DuckDBPyConnection, year: int, district: str | None = None) -> dict:
    """The funnel of one scope (the city, or one district) as plain numbers, with the white list's size."""
    scope = district or CITY
    row = con.execute(_funnel_sql("s.scope = $scope"), {"year": year, "scope": scope}).df()
    found = _with_conversions(row).iloc[0].to_dict()
    found["whitelist_size"] = int(
        con.execute(f"SELECT count(*) FROM ({WHITELIST})", {"district": district}).fetchone()[0]  # type: ignore[index]
    )
    return found


def bank_response(con: duckdb.DuckDBPyConnection, year: int, district: str | None = None) -> pd.DataFrame:
    """Which banks answer: leads pushed to each bank in year Y, with feedback, credit, loans from that
    bank matched within the window, and the median days from push to feedback."""
    return con.execute(
        f"""
        WITH leads AS (SELECT * FROM ({LEADS}) WHERE push_date IS NOT NULL AND bank IS NOT NULL
                         AND year(push_date) = $year AND ($district IS NULL OR district_code = $district)),
        matches AS ({MATCHES}),
        own AS (SELECT DISTINCT m.lead_id, m.loan_id, m.amount_yuan FROM matches m JOIN leads ld USING (lead_id)
                WHERE m.loan_bank = ld.bank)
        SELECT ld.bank,
               count(*) AS pushes,
               count(*) FILTER (WHERE NOT ld.is_demand) AS whitelist_pushes,
               count(ld.feedback) AS feedback,
               count(*) FILTER (WHERE ld.feedback IN ('授信', '放款') OR ld.credit_yuan > 0) AS credited,
               coalesce(sum(ld.credit_yuan), 0)::DOUBLE AS credit_amount,
               count(DISTINCT ld.lead_id) FILTER (WHERE o.lead_id IS NOT NULL) AS loans,
               count(*) FILTER (WHERE ld.feedback = '未通过') AS declined,
               median(ld.feedback_date - ld.push_date) FILTER (WHERE ld.feedback_date >= ld.push_date)::DOUBLE
                   AS median_response_days
        FROM leads ld LEFT JOIN (SELECT DISTINCT lead_id FROM own) o USING (lead_id)
        GROUP BY ld.bank
        ORDER BY pushes DESC, ld.bank
        """,
        {"year": year, "district": district},
    ).df()


def demand_list(con: duckdb.DuckDBPyConnection, year: int, district: str | None = None) -> pd.DataFrame:
    """Year Y's demands and white-list pushes, each with the first loan the ledger matched to it."""
    return con.execute(
        f"""
        WITH leads AS (SELECT * FROM ({LEADS}) WHERE year(start_date) = $year
                         AND ($district IS NULL OR district_code = $district)),
        matches AS ({MATCHES}),
        first AS (SELECT lead_id, arg_min(loan_date, loan_date) AS loan_date, arg_min(loan_bank, loan_date) AS loan_bank,
                         arg_min(amount_yuan, loan_date)::DOUBLE AS loan_amount, bool_or(first_loan) AS first_time
                  FROM matches GROUP BY lead_id)
        SELECT ld.uscc, ld.enterprise_name, d.name AS district, ld.is_demand, ld.start_date, ld.amount_yuan::DOUBLE
                   AS amount, ld.bank, ld.push_date, ld.feedback, ld.credit_yuan::DOUBLE AS credit,
               f.loan_date, f.loan_bank, f.loan_amount, f.first_time, f.loan_date - ld.start_date AS days_to_loan
        FROM leads ld LEFT JOIN first f USING (lead_id) LEFT JOIN v_districts d ON d.code = ld.district_code
        ORDER BY ld.start_date DESC, ld.uscc
        """,
        {"year": year, "district": district},
    ).df()


def funnel_share(con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None) -> dict:
    """Of the year's first-time borrowers (首贷企业, window 1 January to as_of), how many came through
    the funnel: a 首贷 loan matched to a demand or push of any year."""
    first_time, via, leads = con.execute(
        f"""
        WITH leads AS ({LEADS}),
        ft AS (SELECT uscc, loan_date FROM v_loans
               WHERE first_loan AND loan_date BETWEEN make_date($year, 1, 1) AND $as_of
                 AND ($district IS NULL OR district_code = $district))
        SELECT count(DISTINCT ft.uscc),
               count(DISTINCT ft.uscc) FILTER (WHERE EXISTS (
                   SELECT 1 FROM leads ld WHERE ld.uscc = ft.uscc AND ft.loan_date BETWEEN ld.start_date AND ld.window_end)),
               (SELECT count(*) FROM leads)
        FROM ft
        """,
        {"year": year, "as_of": as_of, "district": district},
    ).fetchone() or (0, 0, 0)
    return {
        "first_time": first_time,
        "via_funnel": via,
        "share": via / first_time if first_time else None,
        "has_outreach": leads > 0,  # no demand or push recorded at all: the share says nothing
    }


def outreach_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Years with an event, a demand or a push, newest first (no figure: the same for every viewer)."""
    return [
        r[0]
        for r in con.execute(
            """SELECT DISTINCT y FROM (
                   SELECT year(event_date) AS y FROM v_outreach_events
                   UNION SELECT year(demand_date) FROM v_outreach_demands
                   UNION SELECT year(push_date) FROM v_outreach_pushes) ORDER BY y DESC"""
        ).fetchall()
    ]
