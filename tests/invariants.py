"""What must hold in the database after every load and undo, checked in SQL against the file.

`check(store)` raises InvariantBroken naming every problem it finds:

- versions: a loan key has at most one current row, every current row comes from an active
  batch, and a key that has rows in active batches has its current row from the newest of them
  — the newest row that a newer replacing report of its source or a newer withdrawal has not
  taken back (pledge/versions.py, recomputed here in Python); the same for targets per (year, scope, metric); the current
  district list names each code once;
- registrations: each 质押登记 event key counts once, from the newest active batch carrying it;
- districts: no current loan lies in a district outside the current district list;
- 增量扩面: every roster, event, attendee, demand and push row belongs to a batch of its kind, and
  the merged roster (v_roster) lists an enterprise once;
- rollups: enterprises, enterprise_firsts, pledged_firsts, daily_firsts, bank_firsts and daily_loans
  (pledge/rollups.py) equal a recount
  from the current loans, both ways (a missing row and a stale row are both named);
- figures, for every year with loans (as of its middle loan date, so that the window leaves
  some loans out) and every year with targets only (as of 31 December):
  metrics.district_progress agrees with a recount from v_loans / pledged_ip for each district
  and the city; the city's sums (amount, loans, subsidy; this year and the same window last year)
  equal the sum over its districts; its distinct counts (enterprises, first-time enterprises,
  invention patents) lie between the largest district's and the sum over the districts; and where
  the year's targets have no 全市 row for a metric, the city target is the sum of the district
  targets shown.

conftest.py runs it after every successful load and undo in the test process.
"""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import numpy as np
import pandas as pd

from pledge import metrics
from pledge.catalogue import CITY, TARGETED
from pledge.store import Store

SUMS = ("loan_amount", "loans", "subsidy")
DISTINCT_COUNTS = ("enterprises", "first_time_enterprises", "invention_patents")
SHOWN = 5  # offending rows named per problem


class InvariantBroken(AssertionError):
    """The database is inconsistent; the message lists each broken invariant."""


def check(store: Store) -> None:
    with store.read() as con:
        found = problems(con)
    # Leave no read-only handle open behind the load, as the load itself does not: a test that
    # damages or replaces the file next must not read the old one from that handle.
    store._pool.close_now()
    if found:
        raise InvariantBroken(f"data invariants broken in {store.path}:\n  - " + "\n  - ".join(found))


def problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        *versions(con),
        *registration_events(con),
        *outside_districts(con),
        *stale_rollups(con),
        *figures(con),
        *outreach_rows(con),
    ]


def registration_events(con: duckdb.DuckDBPyConnection) -> list[str]:
    """质押登记: each event key counts once, from the newest active batch that carries it."""
    return _named(
        "registration event not counted once from its newest active batch (event_key, counted batches, newest)",
        _rows(
            con,
            """
        WITH newest AS (
            SELECT e.event_key, max(e.batch_id) AS batch_id FROM registration_events e
            JOIN batches b ON b.id = e.batch_id AND b.status = 'active' GROUP BY e.event_key),
        counted AS (SELECT event_key, list(batch_id ORDER BY batch_id) AS batches
                    FROM v_registration_events GROUP BY event_key)
        SELECT event_key, c.batches, n.batch_id FROM newest n FULL JOIN counted c USING (event_key)
        WHERE c.batches IS DISTINCT FROM [n.batch_id] ORDER BY ALL""",
        ),
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def _named(what: str, rows: list[tuple]) -> list[str]:
    if not rows:
        return []
    shown = "; ".join(", ".join(map(str, row)) for row in rows[:SHOWN])
    more = f" (and {len(rows) - SHOWN} more)" if len(rows) > SHOWN else ""
    return [f"{what}: {shown}{more}"]


# -- versions ----------------------------------------------------------------------------------
def _misplaced_current(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The rule of pledge/versions.py recomputed row by row in Python: a row of an active batch
    counts unless a newer active replacing report of its source covers its loan date or a newer
    active withdrawal names its key; the newest counting row of a key is its current row."""
    active = {b for (b,) in _rows(con, "SELECT id FROM batches WHERE status = 'active'")}
    reports: dict[str, list[tuple]] = {}
    for batch, source, start, end in _rows(
        con, "SELECT batch_id, source, period_start, period_end FROM batch_reports WHERE replaces"
    ):
        if batch in active:
            reports.setdefault(source, []).append((batch, start, end))
    withdrawn: dict[str, list[int]] = {}
    for batch, key in _rows(con, "SELECT batch_id, loan_key FROM loan_withdrawals"):
        if batch in active:
            withdrawn.setdefault(key, []).append(batch)
    expected: dict[str, int] = {}
    current: dict[str, int] = {}
    for loan_id, batch, key, source, day, is_current in _rows(
        con, "SELECT loan_id, batch_id, loan_key, source, loan_date, is_current FROM loans ORDER BY loan_id"
    ):
        if is_current:
            current[key] = loan_id
        if batch not in active:
            continue
        covered = any(b > batch and start <= day <= end for b, start, end in reports.get(source, ()))
        taken_back = any(b > batch for b in withdrawn.get(key, []))
        if not covered and not taken_back:
            expected[key] = loan_id  # rows come in loan_id order: the last one is the newest
    return sorted(
        (key, expected.get(key), current.get(key))
        for key in set(expected) | set(current)
        if expected.get(key) != current.get(key)
    )


def versions(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        *_named(
            "loan key with more than one current row (key, current rows)",
            _rows(
                con,
                """
            SELECT loan_key, count(*) FROM loans WHERE is_current
            GROUP BY loan_key HAVING count(*) > 1 ORDER BY loan_key""",
            ),
        ),
        *_named(
            "current loan from a batch that is not active (loan_id, key, batch, status)",
            _rows(
                con,
                """
            SELECT l.loan_id, l.loan_key, l.batch_id, coalesce(b.status, 'no such batch')
            FROM loans l LEFT JOIN batches b ON b.id = l.batch_id
            WHERE l.is_current AND b.status IS DISTINCT FROM 'active' ORDER BY l.loan_id""",
            ),
        ),
        *_named(
            "loan key whose current row is not its newest row that still counts "
            "(key, expected loan_id, current loan_id)",
            _misplaced_current(con),
        ),
        *_named(
            "target with more than one current row (year, scope, metric, current rows)",
            _rows(
                con,
                """
            SELECT year, scope, metric, count(*) FROM targets WHERE is_current
            GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL""",
            ),
        ),
        *_named(
            "target whose current row is not the one from the newest active batch carrying its column "
            "(year, scope, metric, expected batch, current batches)",
            _rows(
                con,
                """
            WITH carrying AS (  -- a targets batch decides every (year, metric) column it carries
                SELECT c.year, c.metric, max(c.batch_id) AS batch_id
                FROM target_columns c JOIN batches b ON b.id = c.batch_id WHERE b.status = 'active' GROUP BY ALL
            ),
            newest AS (
                SELECT t.year, t.scope, t.metric, t.batch_id
                FROM targets t JOIN carrying c USING (year, metric, batch_id)
            ),
            cur AS (SELECT year, scope, metric, list(batch_id ORDER BY batch_id) AS batches
                    FROM targets WHERE is_current GROUP BY ALL)
            SELECT year, scope, metric, n.batch_id, c.batches
            FROM newest n FULL JOIN cur c USING (year, scope, metric)
            WHERE c.batches IS DISTINCT FROM [n.batch_id] ORDER BY ALL""",
            ),
        ),
        *_named(
            "district code listed twice in the current district list (code, times)",
            _rows(
                con,
                """
            SELECT code, count(*) FROM v_districts GROUP BY code HAVING count(*) > 1 ORDER BY code""",
            ),
        ),
    ]


# -- districts ---------------------------------------------------------------------------------
def outside_districts(con: duckdb.DuckDBPyConnection) -> list[str]:
    return _named(
        "current loans in a district outside the current district list (district_code, loans)",
        _rows(
            con,
            """
        SELECT l.district_code, count(*) FROM v_loans l
        WHERE NOT EXISTS (SELECT 1 FROM v_districts d WHERE d.code = l.district_code)
        GROUP BY ALL ORDER BY ALL""",
        ),
    )


# -- 增量扩面 ----------------------------------------------------------------------------------
_OUTREACH_KINDS = {
    "roster": "roster",
    "outreach_events": "events",
    "outreach_attendees": "events",
    "outreach_demands": "demands",
    "outreach_pushes": "pushes",
}


def outreach_rows(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every outreach row belongs to a batch of its own kind (undo marks that batch, and the views
    read active batches only); the merged roster has one row per enterprise."""
    found = []
    for table, kind in _OUTREACH_KINDS.items():
        found += _named(
            f"{table} rows without a batch of kind {kind} (batch_id, rows)",
            _rows(
                con,
                f"""SELECT t.batch_id, count(*) FROM {table} t
                    WHERE NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = t.batch_id AND b.kind = '{kind}')
                    GROUP BY ALL ORDER BY ALL""",
            ),
        )
    found += _named(
        "enterprises listed twice in v_roster (uscc, rows)",
        _rows(con, "SELECT uscc, count(*) FROM v_roster GROUP BY uscc HAVING count(*) > 1 ORDER BY uscc"),
    )
    return found


# -- rollups -----------------------------------------------------------------------------------
# Each rollup next to a recount from the current loans (ungrouped UNION ALL where the rollup uses
# GROUPING SETS; NULL district = the city). Enterprise name and district are checked apart: on a
# tie of last loan dates either loan's value is right.
RECOUNTS = {
    "enterprises": (
        "SELECT uscc, first_loan_date, last_loan_date, loans, amount_yuan FROM enterprises",
        """SELECT uscc, min(loan_date), max(loan_date), count(*), sum(amount_yuan) FROM v_loans GROUP BY uscc""",
    ),
    "enterprise_firsts": (
        "SELECT year, district_code, uscc, first_date, first_flag_date FROM enterprise_firsts",
        """SELECT year(loan_date), district_code, uscc, min(loan_date), min(loan_date) FILTER (WHERE first_loan)
           FROM v_loans GROUP BY 1, 2, 3
           UNION ALL
           SELECT year(loan_date), NULL, uscc, min(loan_date), min(loan_date) FILTER (WHERE first_loan)
           FROM v_loans GROUP BY 1, 3""",
    ),
    "pledged_firsts": (
        "SELECT year, district_code, ip_type, ip_no, first_date FROM pledged_firsts",
        """WITH pledged AS (
               SELECT year(l.loan_date) AS year, l.district_code, p.ip_type, p.ip_no, l.loan_date
               FROM v_loans l JOIN pledged_ip p ON p.loan_id = l.loan_id)
           SELECT year, district_code, ip_type, ip_no, min(loan_date) FROM pledged GROUP BY 1, 2, 3, 4
           UNION ALL
           SELECT year, NULL, ip_type, ip_no, min(loan_date) FROM pledged GROUP BY 1, 3, 4""",
    ),
    "daily_firsts": (
        "SELECT day, district_code, counted, n FROM daily_firsts",
        # from the two rollups above, themselves checked against the loans
        """SELECT first_date, district_code, 'first_date', count(*) FROM enterprise_firsts GROUP BY 1, 2
           UNION ALL
           SELECT first_flag_date, district_code, 'first_flag_date', count(*) FROM enterprise_firsts
           WHERE first_flag_date IS NOT NULL GROUP BY 1, 2
           UNION ALL
           SELECT first_date, district_code, ip_type, count(*) FROM pledged_firsts GROUP BY 1, 2, 3""",
    ),
    "bank_firsts": (
        "SELECT day, district_code, bank, n FROM bank_firsts",
        """WITH firsts AS (
               SELECT district_code, min(loan_date) AS day, bank FROM v_loans
               GROUP BY year(loan_date), district_code, bank, uscc
               UNION ALL
               SELECT NULL, min(loan_date), bank FROM v_loans GROUP BY year(loan_date), bank, uscc)
           SELECT day, district_code, bank, count(*) FROM firsts GROUP BY 1, 2, 3""",
    ),
    "daily_loans": (
        "SELECT day, district_code, loans, amount_yuan FROM daily_loans",
        """SELECT loan_date, district_code, count(*), sum(amount_yuan) FROM v_loans GROUP BY 1, 2
           UNION ALL
           SELECT loan_date, NULL, count(*), sum(amount_yuan) FROM v_loans GROUP BY 1""",
    ),
}


def stale_rollups(con: duckdb.DuckDBPyConnection) -> list[str]:
    found = []
    for table, (stored, recount) in RECOUNTS.items():
        found += _named(
            f"{table}: row the loans give but the rollup lacks or has otherwise",
            _rows(
                con,
                f"""
            SELECT * FROM ({recount}) EXCEPT ALL SELECT * FROM ({stored}) ORDER BY ALL""",
            ),
        )
        found += _named(
            f"{table}: stale row the loans do not give",
            _rows(
                con,
                f"""
            SELECT * FROM ({stored}) EXCEPT ALL SELECT * FROM ({recount}) ORDER BY ALL""",
            ),
        )
    found += _named(
        "enterprises: name or district not of the enterprise's last loan (uscc, name, district_code)",
        _rows(
            con,
            """
        SELECT e.uscc, e.name, e.district_code FROM enterprises e
        WHERE NOT EXISTS (SELECT 1 FROM v_loans l WHERE l.uscc = e.uscc AND l.loan_date = e.last_loan_date
                                                     AND l.enterprise_name = e.name)
           OR NOT EXISTS (SELECT 1 FROM v_loans l WHERE l.uscc = e.uscc AND l.loan_date = e.last_loan_date
                                                     AND l.district_code IS NOT DISTINCT FROM e.district_code)
        ORDER BY e.uscc""",
        ),
    )
    return found


# -- figures -----------------------------------------------------------------------------------
_RECOUNT_FIGURES = """
WITH w AS (SELECT * FROM v_loans WHERE loan_date BETWEEN make_date($year, 1, 1) AND $as_of),
loans_per_scope AS (
    SELECT coalesce(district_code, 'CITY') AS scope, sum(amount_yuan) AS loan_amount, count(*) AS loans,
           coalesce(sum(subsidy_yuan), 0) AS subsidy, count(DISTINCT uscc) AS enterprises,
           count(DISTINCT uscc) FILTER (WHERE first_loan) AS first_time_enterprises
    FROM w GROUP BY ROLLUP (district_code)
),
patents_per_scope AS (
    SELECT coalesce(w.district_code, 'CITY') AS scope, count(DISTINCT p.ip_no) AS invention_patents
    FROM w JOIN pledged_ip p ON p.loan_id = w.loan_id WHERE p.ip_type = '发明专利'
    GROUP BY ROLLUP (w.district_code)
)
SELECT scope, l.loan_amount, l.loans, l.subsidy, l.enterprises, l.first_time_enterprises,
       coalesce(p.invention_patents, 0) AS invention_patents
FROM loans_per_scope l LEFT JOIN patents_per_scope p USING (scope)
"""


def _close(a, b) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.005)


def _as_of_dates(con: duckdb.DuckDBPyConnection) -> dict[int, dt.date]:
    """Per year: its middle loan date (the rollups are compared whole above; here the window
    leaves some of the year's loans out); 31 December for a year with targets only."""
    dates = dict(_rows(con, "SELECT year(loan_date), quantile_disc(loan_date, 0.5) FROM v_loans GROUP BY 1"))
    for (year,) in _rows(con, "SELECT DISTINCT year FROM v_targets"):
        dates.setdefault(year, dt.date(year, 12, 31))
    return dict(sorted(dates.items()))


def figures(con: duckdb.DuckDBPyConnection) -> list[str]:
    found = []
    for year, as_of in _as_of_dates(con).items():
        frame = metrics.district_progress(con, year, as_of)
        found += [f"{year} as of {as_of}: {p}" for p in _scope_figures(con, frame, year, as_of)]
        found += [f"{year} targets: {p}" for p in _city_targets(con, frame, year)]
    return found


def _scope_figures(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, year: int, as_of: dt.date) -> list[str]:
    found = []
    city = frame[frame["scope"] == CITY]
    if len(city) != 1:
        return [f"district_progress has {len(city)} city rows"]
    city = city.iloc[0]
    districts = frame[frame["scope"] != CITY]
    for column in (*SUMS, *(f"prev_{m}" for m in SUMS)):
        total = districts[column].sum()
        if not _close(city[column], total):
            found.append(f"city {column} {city[column]} is not the sum of the districts {total}")
    for column in (*DISTINCT_COUNTS, *(f"prev_{m}" for m in DISTINCT_COUNTS)):
        total, largest = districts[column].sum(), districts[column].max() if len(districts) else 0
        if not largest <= city[column] <= total:
            found.append(
                f"city {column} {city[column]} is not between the largest district {largest} "
                f"and the sum of the districts {total}"
            )
    columns = [*SUMS, *DISTINCT_COUNTS]
    shown = frame.set_index("scope")[columns].astype("float64")
    recount = con.execute(_RECOUNT_FIGURES, {"year": year, "as_of": as_of}).df().set_index("scope")
    counted = recount.reindex(shown.index)[columns].astype("float64").fillna(0)  # no loans: no row, or NULL sums
    differ = ~np.isclose(shown.to_numpy(), counted.to_numpy(), rtol=1e-9, atol=0.005)
    names = frame.set_index("scope")["name"]
    for i, j in zip(*np.nonzero(differ)):
        scope, column = shown.index[i], columns[j]
        found.append(f"{names[scope]} {column} {shown.iat[i, j]} but the loans give {counted.iat[i, j]}")
    return found


def _city_targets(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, year: int) -> list[str]:
    """Without a 全市 row for a metric, the city target is the sum of the district targets shown."""
    found = []
    with_city_row = {r[0] for r in _rows(con, "SELECT metric FROM v_targets WHERE year = ? AND scope = 'CITY'", [year])}
    city = frame[frame["scope"] == CITY].iloc[0]
    districts = frame[frame["scope"] != CITY]
    for metric in (m.key for m in TARGETED):
        if metric in with_city_row:
            continue
        column = f"t_{metric}"
        shown = districts[column].dropna()
        if shown.empty:
            if not pd.isna(city[column]):
                found.append(f"city {column} {city[column]} without any district target or 全市 row")
        elif pd.isna(city[column]) or not _close(city[column], shown.astype("float64").sum()):
            found.append(
                f"city {column} {city[column]} (no 全市 row) is not the sum of the district targets "
                f"{shown.astype('float64').sum()}"
            )
    return found
