"""登记核对: the banks' ledgers against the CNIPA pledge registrations (DOMAIN.md, Pledge registrations).

A registration is one 登记号 of the gazette's PE01 events (its date, pledgor, pledgee, patents).
Its pledgor is an enterprise of the ledgers by USCC when the extract gives one the ledgers know,
else as an analyst mapped it once (enterprise_aliases), else (without a USCC) by name as names are
keyed (half-width, no spaces, 有限责任公司 = 有限公司). A registration is local when that enterprise, the USCC's division code or a
district named in the pledgor's name places it in one of the city's districts.

A loan matches a registration when they share the 登记号, or else when they share a pledged patent,
the pledgor is the loan's enterprise and the registration date lies in [loan date − 90 days, loan
date + 30 days]; of several, one pledged to the loan's bank before others, then the nearest in
time. One registration matched by several loans of an enterprise is a credit line (授信): it
counts once, and says so.

Every list takes the year's window [1 January, as_of] and an optional district; registration
figures stand beside the bank-reported ones and are never added to them.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from pledge.metrics.aftercare import MATURITY
from pledge.metrics.progress import default_as_of
from pledge.sql import fetch_value

WINDOW_BEFORE, WINDOW_AFTER = 90, 30  # days a registration may precede / follow its loan
RENEWAL_DAYS = 30  # a new registration this soon after a release is a renewal (续贷)
PATENT_PLEDGES = ("发明专利", "实用新型", "外观设计", "混合")

# The same key as etl/kinds/registrations.pledgor_key, for the ledgers' enterprise names.
NAME_KEY = "replace(replace({}, ' ', ''), '有限责任公司', '有限公司')"
INVENTION = (  # type digit 1 or 8 (12-digit numbers), 1 or 8 at position 3 of the old 8-digit ones
    "CASE WHEN length(split_part({0}, '.', 1)) = 12 THEN substr({0}, 5, 1) ELSE substr({0}, 3, 1) END IN ('1', '8')"
)
EVENT_LABELS = {"PE01": "质押生效", "PM01": "质押变更", "PC01": "质押注销", "CF01": "未缴年费终止", "IW01": "全部无效"}

# The registrations, their enterprises and districts, and which loan matches which registration.
BASE = f"""
names AS (      -- every name the ledgers give an enterprise; a key two enterprises share matches neither
    SELECT name_key, any_value(uscc) AS uscc
    FROM (SELECT DISTINCT {NAME_KEY.format("enterprise_name")} AS name_key, uscc FROM v_loans)
    GROUP BY name_key HAVING count(*) = 1
),
regs AS (       -- one registration per 登记号, from its PE01 events
    SELECT reg_no, min(event_date) AS reg_date, max(pledgor) AS pledgor, max(pledgor_key) AS pledgor_key,
           max(pledgor_uscc) AS pledgor_uscc, max(pledgee) AS pledgee, max(pledgee_head) AS pledgee_head,
           list(DISTINCT patent_no ORDER BY patent_no) AS patents
    FROM v_registration_events WHERE event = 'PE01' GROUP BY reg_no
),
reg_patents AS (SELECT DISTINCT reg_no, patent_no FROM v_registration_events WHERE event = 'PE01'),
owners AS (     -- the pledgor's enterprise: by its USCC, else as an analyst mapped it, else by name
                -- when no USCC is given (a USCC no ledger knows is another enterprise than the name's)
    SELECT r.*, coalesce(e.uscc, a.uscc, CASE WHEN r.pledgor_uscc IS NULL THEN n.uscc END) AS uscc
    FROM regs r
    LEFT JOIN enterprises e ON e.uscc = r.pledgor_uscc
    LEFT JOIN enterprise_aliases a ON a.pledgor_key = r.pledgor_key
    LEFT JOIN names n ON n.name_key = r.pledgor_key
),
district_forms AS (
    SELECT code, unnest(list_append(aliases, name)) AS form FROM v_districts
),
named AS (      -- a pledgor whose name names exactly one district
    SELECT r.reg_no, min(f.code) AS code
    FROM regs r JOIN district_forms f ON length(f.form) >= 2 AND contains(r.pledgor, f.form)
    GROUP BY r.reg_no HAVING count(DISTINCT f.code) = 1
),
registrations AS (
    SELECT o.*, coalesce(e.district_code, dc.code, nd.code) AS district_code
    FROM owners o
    LEFT JOIN enterprises e ON e.uscc = o.uscc
    LEFT JOIN v_districts dc ON dc.code = substr(o.pledgor_uscc, 3, 6)
    LEFT JOIN named nd ON nd.reg_no = o.reg_no
),
candidates AS (
    SELECT l.loan_id, r.reg_no, 0 AS rank
    FROM v_loans l JOIN registrations r ON r.reg_no = l.reg_no
    UNION ALL
    SELECT DISTINCT l.loan_id, r.reg_no,  -- the loan's own bank first, then the nearest in time
           1 + abs(date_diff('day', l.loan_date, r.reg_date)) + CASE WHEN r.pledgee_head = l.bank THEN 0 ELSE 1000 END
    FROM v_loans l
    JOIN pledged_ip p ON p.loan_id = l.loan_id
    JOIN reg_patents rp ON rp.patent_no = p.ip_no
    JOIN registrations r ON r.reg_no = rp.reg_no AND r.uscc = l.uscc
    WHERE r.reg_date BETWEEN l.loan_date - {WINDOW_BEFORE} AND l.loan_date + {WINDOW_AFTER}
),
matches AS (    -- each loan's registration: by 登记号, else of those sharing a patent the best ranked
    SELECT loan_id, arg_min(reg_no, rank) AS reg_no, min(rank) = 0 AS by_reg_no
    FROM candidates GROUP BY loan_id
),
reg_loans AS (  -- a registration matched by several loans is a credit line
    SELECT m.reg_no, list(m.loan_id ORDER BY m.loan_id) AS loan_ids, count(*) AS loans,
           string_agg(DISTINCT l.bank, '、') AS banks, max({MATURITY.format("l")}) AS maturity
    FROM matches m JOIN v_loans l USING (loan_id) GROUP BY m.reg_no
),
releases AS (
    SELECT reg_no, min(event_date) AS release_date FROM v_registration_events WHERE event = 'PC01' GROUP BY reg_no
),
renewals AS (   -- a release followed within the days by a new registration of the same patents,
                -- or of the same enterprise with the same pledgee
    SELECT o.reg_no AS old_reg_no, x.release_date, n.reg_no AS new_reg_no, n.reg_date AS new_date,
           n.pledgor, n.pledgee, coalesce(n.district_code, o.district_code) AS district_code,
           CASE WHEN len(list_intersect(n.patents, o.patents)) > 0 THEN '同一专利' ELSE '同一企业和质权人' END AS basis
    FROM releases x
    JOIN registrations o ON o.reg_no = x.reg_no
    JOIN registrations n ON n.reg_no <> o.reg_no
        AND n.reg_date BETWEEN x.release_date AND x.release_date + {RENEWAL_DAYS}
        AND (len(list_intersect(n.patents, o.patents)) > 0
             OR (coalesce(n.uscc, n.pledgor_key) = coalesce(o.uscc, o.pledgor_key)
                 AND coalesce(n.pledgee_head, n.pledgee) = coalesce(o.pledgee_head, o.pledgee)))
)
"""
IN_SCOPE = "(CAST($district AS VARCHAR) IS NULL OR {0} = $district)"


def _frame(con: duckdb.DuckDBPyConnection, select: str, params: dict) -> pd.DataFrame:
    return con.execute(f"WITH {BASE}, d AS (SELECT code, name FROM v_districts) {select}", params).df()


def _params(con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None, district: str | None) -> dict:
    as_of = as_of or default_as_of(con, year)
    return {"start": dt.date(year, 1, 1), "end": as_of, "district": district}


def has_registrations(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(fetch_value(con, "SELECT count(*) FROM v_registration_events"))


def latest_event_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The newest event loaded: the extracts say nothing about later days."""
    return fetch_value(con, "SELECT max(event_date) FROM v_registration_events")


def first_event_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The oldest event loaded: the extracts say nothing about earlier days."""
    return fetch_value(con, "SELECT min(event_date) FROM v_registration_events")


def matches(con: duckdb.DuckDBPyConnection, district: str | None = None) -> pd.DataFrame:
    """Every current loan that matches a registration: loan_id, reg_no, by_reg_no, credit_line."""
    return _frame(
        con,
        f"""SELECT m.loan_id, m.reg_no, m.by_reg_no, rl.loans > 1 AS credit_line, rl.loans AS loans_on_registration
            FROM matches m JOIN reg_loans rl USING (reg_no) JOIN v_loans l USING (loan_id)
            WHERE {IN_SCOPE.format("l.district_code")} ORDER BY m.loan_id""",
        {"district": district},
    )


def unreported(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None = None, district: str | None = None
) -> pd.DataFrame:
    """疑似漏报: registrations of local pledgors with a bank pledgee and no matching loan, with the bank
    to ask. `pending`: a loan dated up to 90 days after the registration may still be reported."""
    return _frame(
        con,
        f"""SELECT r.reg_no AS registration_no, array_to_string(r.patents, '、') AS patent_no, r.reg_date AS date,
                   r.pledgor, r.pledgee, r.pledgee_head AS bank, d.name AS district, r.district_code, r.uscc,
                   r.reg_date + {WINDOW_BEFORE} > $end AS pending
            FROM registrations r JOIN d ON d.code = r.district_code
            WHERE r.reg_date BETWEEN $start AND $end AND r.pledgee_head IS NOT NULL
              AND {IN_SCOPE.format("r.district_code")}
              AND r.reg_no NOT IN (SELECT reg_no FROM matches)
            ORDER BY r.reg_date, r.reg_no""",
        _params(con, year, as_of, district),
    )


def unregistered(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None = None, district: str | None = None
) -> pd.DataFrame:
    """未见登记: loans of the window pledging patents with no matching registration although the
    extracts cover the loan date and its registration window (loan date + 30 days) has closed by
    the as-of date and by the newest extract."""
    params = _params(con, year, as_of, district)
    latest = latest_event_date(con)
    cutoff = min(params["end"], latest) if latest else None
    return _frame(
        con,
        f"""SELECT l.loan_id, l.uscc, l.enterprise_name AS name, l.bank, l.loan_date,
                   CAST(l.amount_yuan / 10000 AS DOUBLE) AS amount_wan, d.name AS district, l.district_code,
                   l.reg_no, (SELECT string_agg(p.ip_no, '、' ORDER BY p.ip_no) FROM pledged_ip p
                              WHERE p.loan_id = l.loan_id AND p.ip_type <> '商标') AS patents
            FROM v_loans l JOIN d ON d.code = l.district_code
            WHERE l.loan_date BETWEEN $start AND $end AND {IN_SCOPE.format("l.district_code")}
              AND l.loan_date + {WINDOW_AFTER} <= CAST($cutoff AS DATE)
              AND l.loan_date >= CAST($first AS DATE)
              AND (l.pledge_type IN {PATENT_PLEDGES}
                   OR EXISTS (SELECT 1 FROM pledged_ip p WHERE p.loan_id = l.loan_id AND p.ip_type <> '商标'))
              AND l.loan_id NOT IN (SELECT loan_id FROM matches)
            ORDER BY l.loan_date, l.loan_id""",
        {**params, "cutoff": cutoff, "first": first_event_date(con)},
    )


def counter_guarantee(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None = None, district: str | None = None
) -> pd.DataFrame:
    """反担保: local registrations whose pledgee is not a bank (a guarantee company), with the loans
    that match them (the bank lent against the guarantee, the patents secure the guarantor)."""
    return _frame(
        con,
        f"""SELECT r.reg_no AS registration_no, array_to_string(r.patents, '、') AS patent_no, r.reg_date AS date,
                   r.pledgor, r.pledgee, d.name AS district, r.district_code,
                   coalesce(array_to_string(rl.loan_ids, '、'), '') AS loan_ids, coalesce(rl.banks, '') AS banks
            FROM registrations r JOIN d ON d.code = r.district_code LEFT JOIN reg_loans rl USING (reg_no)
            WHERE r.reg_date BETWEEN $start AND $end AND r.pledgee_head IS NULL
              AND {IN_SCOPE.format("r.district_code")}
            ORDER BY r.reg_date, r.reg_no""",
        _params(con, year, as_of, district),
    )


def early_release(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None = None, district: str | None = None
) -> pd.DataFrame:
    """提前解除: releases in the window of registrations whose loans (the latest, for a credit line)
    mature later; `renewed` when a new registration followed within 30 days (a renewal)."""
    return _frame(
        con,
        f"""SELECT x.reg_no AS registration_no, x.release_date, array_to_string(rl.loan_ids, '、') AS loan_ids,
                   r.pledgor AS name, rl.banks AS bank, rl.maturity,
                   date_diff('day', x.release_date, rl.maturity) AS days_early, d.name AS district, r.district_code,
                   x.reg_no IN (SELECT old_reg_no FROM renewals) AS renewed
            FROM releases x JOIN reg_loans rl USING (reg_no) JOIN registrations r USING (reg_no)
            JOIN d ON d.code = r.district_code
            WHERE x.release_date BETWEEN $start AND $end AND x.release_date < rl.maturity
              AND {IN_SCOPE.format("r.district_code")}
            ORDER BY x.release_date, x.reg_no""",
        _params(con, year, as_of, district),
    )


def released(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None = None, district: str | None = None
) -> pd.DataFrame:
    """Pledges released (PC01) in the window, with their loans and whether a renewal followed."""
    return _frame(
        con,
        f"""SELECT x.reg_no AS registration_no, x.release_date, r.reg_date, r.pledgor, r.pledgee,
                   coalesce(array_to_string(rl.loan_ids, '、'), '') AS loan_ids, rl.maturity,
                   d.name AS district, r.district_code, x.reg_no IN (SELECT old_reg_no FROM renewals) AS renewed
            FROM releases x JOIN registrations r USING (reg_no) JOIN d ON d.code = r.district_code
            LEFT JOIN reg_loans rl USING (reg_no)
            WHERE x.release_date BETWEEN $start AND $end AND {IN_SCOPE.format("r.district_code")}
            ORDER BY x.release_date, x.reg_no""",
        _params(con, year, as_of, district),
    )


def renewals(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None = None, district: str | None = None
) -> pd.DataFrame:
    """续贷: a release followed within 30 days by a new registration of the same patents, or of the
    same enterprise with the same pledgee; dated by the new registration."""
    return _frame(
        con,
        f"""SELECT n.old_reg_no AS old_registration_no, n.release_date, n.new_reg_no AS new_registration_no,
                   n.new_date, n.pledgor, n.pledgee, n.basis, d.name AS district, n.district_code
            FROM renewals n JOIN d ON d.code = n.district_code
            WHERE n.new_date BETWEEN $start AND $end AND {IN_SCOPE.format("n.district_code")}
            ORDER BY n.new_date, n.new_reg_no""",
        _params(con, year, as_of, district),
    )


def lapsed(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None = None, district: str | None = None
) -> pd.DataFrame:
    """质物失效: a pledged patent lapsing (CF01 annual fee unpaid, IW01 invalidated) while its pledge is
    open (registered on or before the lapse, not released before it)."""
    return _frame(
        con,
        f"""SELECT e.patent_no, e.event, CASE e.event WHEN 'CF01' THEN '未缴年费终止' ELSE '全部无效' END AS what,
                   e.event_date AS date, r.reg_no AS registration_no, r.pledgor, r.pledgee, d.name AS district,
                   r.district_code, coalesce(array_to_string(rl.loan_ids, '、'), '') AS loan_ids
            FROM v_registration_events e
            JOIN reg_patents rp ON rp.patent_no = e.patent_no
            JOIN registrations r ON r.reg_no = rp.reg_no AND r.reg_date <= e.event_date
            JOIN d ON d.code = r.district_code
            LEFT JOIN releases x ON x.reg_no = r.reg_no
            LEFT JOIN reg_loans rl ON rl.reg_no = r.reg_no
            WHERE e.event IN ('CF01', 'IW01') AND e.event_date BETWEEN $start AND $end
              AND (x.release_date IS NULL OR x.release_date > e.event_date)
              AND {IN_SCOPE.format("r.district_code")}
            ORDER BY e.event_date, e.patent_no""",
        _params(con, year, as_of, district),
    )


def first_pledge(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None = None, district: str | None = None
) -> pd.DataFrame:
    """首次质押: each invention patent pledged in the window (by a local registration, or by a loan
    no registration matches) and whether that is its first pledge ever: `first_time` is true when
    neither a registration (anywhere) nor a loan pledged it before 1 January of the year.
    Columns: patent_no, pledge_date (its first pledge in the window), first_time, earlier_date.
    The subsidy rules (贴息) call this; a loan pledging a patent on its pledge_date with first_time
    is that patent's first pledge."""
    return _frame(
        con,
        f"""
        , pledges AS (
            SELECT rp.patent_no, r.reg_date AS day, r.district_code
            FROM reg_patents rp JOIN registrations r USING (reg_no)
            UNION ALL
            SELECT p.ip_no, l.loan_date, l.district_code
            FROM v_loans l JOIN pledged_ip p USING (loan_id)
            WHERE p.ip_type = '发明专利' AND l.loan_id NOT IN (SELECT loan_id FROM matches)
        ),
        inventions AS (SELECT * FROM pledges WHERE {INVENTION.format("patent_no")}),
        in_window AS (
            SELECT patent_no, min(day) AS pledge_date FROM inventions
            WHERE day BETWEEN $start AND $end AND district_code IS NOT NULL AND {IN_SCOPE.format("district_code")}
            GROUP BY patent_no
        )
        SELECT w.patent_no, w.pledge_date, max(i.day) FILTER (WHERE i.day < $start) IS NULL AS first_time,
               max(i.day) FILTER (WHERE i.day < $start) AS earlier_date
        FROM in_window w JOIN inventions i USING (patent_no)
        GROUP BY w.patent_no, w.pledge_date ORDER BY w.patent_no""",
        _params(con, year, as_of, district),
    )


def side_by_side(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None = None, district: str | None = None
) -> pd.DataFrame:
    """Per district (and the city, scope 'CITY', unless a district is asked), the registration-based
    figures beside the bank-reported ones: never added together (the gazette has no amounts and a
    credit line is one registration for several loans)."""
    frame = _frame(
        con,
        f"""
        , reg_w AS (
            SELECT r.* FROM registrations r
            WHERE r.reg_date BETWEEN $start AND $end AND r.district_code IS NOT NULL
              AND {IN_SCOPE.format("r.district_code")}
        ),
        reg_fig AS (
            SELECT r.district_code, count(DISTINCT r.reg_no) AS registrations,
                   count(DISTINCT rp.patent_no) AS reg_patents,
                   count(DISTINCT coalesce(r.uscc, r.pledgor_key)) AS pledgors,
                   count(DISTINCT r.reg_no) FILTER (WHERE r.reg_no IN (SELECT reg_no FROM matches)) AS reg_matched,
                   count(DISTINCT r.reg_no) FILTER (WHERE r.pledgee_head IS NULL) AS reg_non_bank
            FROM reg_w r JOIN reg_patents rp USING (reg_no)
            GROUP BY GROUPING SETS ((r.district_code), ())
        ),
        loan_w AS (
            SELECT * FROM v_loans WHERE loan_date BETWEEN $start AND $end AND {IN_SCOPE.format("district_code")}
        ),
        loan_fig AS (
            SELECT l.district_code, count(DISTINCT l.loan_id) AS loans, sum(l.amount_yuan) AS amount,
                   count(DISTINCT p.ip_no) FILTER (WHERE p.ip_type <> '商标') AS loan_patents,
                   count(DISTINCT l.uscc) AS enterprises,
                   count(DISTINCT l.loan_id) FILTER (WHERE l.loan_id IN (SELECT loan_id FROM matches)) AS loans_matched
            FROM loan_w l LEFT JOIN pledged_ip p USING (loan_id)
            GROUP BY GROUPING SETS ((l.district_code), ())
        ),
        scopes AS (
            SELECT code AS scope, name, sort_order FROM v_districts WHERE {IN_SCOPE.format("code")}
            UNION ALL SELECT 'CITY', '全市', 1000000 WHERE CAST($district AS VARCHAR) IS NULL
        )
        SELECT s.scope, s.name,
               coalesce(g.registrations, 0) AS registrations, coalesce(g.reg_patents, 0) AS reg_patents,
               coalesce(g.pledgors, 0) AS pledgors, coalesce(g.reg_matched, 0) AS reg_matched,
               coalesce(g.reg_non_bank, 0) AS reg_non_bank,
               coalesce(f.loans, 0) AS loans, coalesce(CAST(f.amount AS DOUBLE), 0) AS amount,
               coalesce(f.loan_patents, 0) AS loan_patents, coalesce(f.enterprises, 0) AS enterprises,
               coalesce(f.loans_matched, 0) AS loans_matched
        FROM scopes s
        LEFT JOIN reg_fig g ON coalesce(g.district_code, 'CITY') = s.scope
        LEFT JOIN loan_fig f ON coalesce(f.district_code, 'CITY') = s.scope
        ORDER BY s.sort_order""",
        _params(con, year, as_of, district),
    )
    return frame


def credit_lines(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None = None, district: str | None = None
) -> pd.DataFrame:
    """Registrations in the window matched by several loans of one enterprise (授信 / 最高额质押)."""
    return _frame(
        con,
        f"""SELECT r.reg_no AS registration_no, r.reg_date AS date, r.pledgor, r.pledgee, rl.loans,
                   array_to_string(rl.loan_ids, '、') AS loan_ids, d.name AS district, r.district_code
            FROM registrations r JOIN reg_loans rl USING (reg_no) JOIN d ON d.code = r.district_code
            WHERE rl.loans > 1 AND r.reg_date BETWEEN $start AND $end AND {IN_SCOPE.format("r.district_code")}
            ORDER BY r.reg_date, r.reg_no""",
        _params(con, year, as_of, district),
    )


def unmapped_pledgors(con: duckdb.DuckDBPyConnection, district: str | None = None) -> pd.DataFrame:
    """Local-looking pledgors that are no enterprise of the ledgers (by USCC or name): to map once
    (enterprise_aliases) when they are one under another name; otherwise likely unreported."""
    return _frame(
        con,
        f"""SELECT r.pledgor, r.pledgor_key, any_value(r.pledgor_uscc) AS pledgor_uscc, d.name AS district,
                   any_value(r.district_code) AS district_code, count(*) AS registrations, max(r.reg_date) AS last_date
            FROM registrations r JOIN d ON d.code = r.district_code
            WHERE r.uscc IS NULL AND r.pledgor_key IS NOT NULL AND {IN_SCOPE.format("r.district_code")}
            GROUP BY r.pledgor, r.pledgor_key, d.name ORDER BY registrations DESC, r.pledgor""",
        {"district": district},
    )


def reconcile(con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date | None = None) -> dict:
    """The CLI's JSON: the year's checks for the whole city."""
    as_of = as_of or default_as_of(con, year)
    figures = side_by_side(con, year, as_of)
    city = figures[figures["scope"] == "CITY"].iloc[0]

    def records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
        out = frame[columns].astype(object).where(frame[columns].notna(), None)
        return [{k: _plain(v) for k, v in row.items()} for row in out.to_dict("records")]

    first = first_pledge(con, year, as_of)
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "registrations": int(city["registrations"]),
        "matched_loans": int(city["loans_matched"]),
        "unreported": records(
            unreported(con, year, as_of), ["registration_no", "patent_no", "date", "pledgor", "pledgee", "district"]
        ),
        "unregistered": records(
            unregistered(con, year, as_of), ["loan_id", "uscc", "name", "bank", "loan_date", "amount_wan"]
        ),
        "counter_guarantee": records(
            counter_guarantee(con, year, as_of),
            ["registration_no", "patent_no", "date", "pledgor", "pledgee", "district", "loan_ids"],
        ),
        "early_release": records(
            early_release(con, year, as_of),
            ["registration_no", "release_date", "loan_ids", "name", "bank", "maturity", "days_early", "renewed"],
        ),
        "renewals": records(
            renewals(con, year, as_of),
            ["old_registration_no", "release_date", "new_registration_no", "new_date", "pledgor", "pledgee", "basis"],
        ),
        "lapsed": records(
            lapsed(con, year, as_of),
            ["patent_no", "event", "date", "registration_no", "pledgor", "pledgee", "loan_ids"],
        ),
        "first_pledge": {str(p): bool(f) for p, f in zip(first["patent_no"], first["first_time"])},
    }


def _plain(value):
    """JSON-ready: dates as ISO text, numpy numbers as Python numbers."""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value
