"""贷后: maturities, overdue balances and non-performing loans (DOMAIN.md, Maturity and risk).

Maturity = the ledger's 到期日 where given, else loan date + 贷款期限 (months). A loan is
outstanding while its reported balance (贷款余额) is above zero, or unknown. The non-performing
share of a bank is its balance classed 次级, 可疑 or 损失 over its classified balance; an IP-loan
ratio up to 3 points above the bank's overall ratio is tolerated.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

# {0}: the alias of a loans row.
MATURITY = "coalesce({0}.maturity_date, CAST({0}.loan_date + to_months({0}.term_months) AS DATE))"
HORIZONS = (30, 60, 90)  # days ahead watched for maturities
NPL_CLASSES = ("次级", "可疑", "损失")
TOLERATED_POINTS = 3.0  # an IP-loan NPL ratio this many points above the bank's overall ratio is tolerated
# The overall NPL ratio of commercial banks (NFRA, end of 2023: 1.59%), when a bank's own is not given.
OVERALL_NPL_PCT = 1.59
IN_SCOPE = "(CAST($district AS VARCHAR) IS NULL OR {0} = $district)"

_LOANS = f"""
WITH dated AS (
    SELECT l.*, {MATURITY.format("l")} AS maturity FROM v_loans l
    WHERE l.loan_date <= $as_of AND {IN_SCOPE.format("l.district_code")}
)"""


def maturing(con: duckdb.DuckDBPyConnection, as_of: dt.date, district: str | None = None) -> pd.DataFrame:
    """Outstanding loans maturing after as_of and within 90 days, with the horizon each falls in."""
    return con.execute(
        f"""{_LOANS}
        SELECT l.loan_id, l.enterprise_name AS name, l.uscc, l.bank, d.name AS district, l.district_code,
               l.loan_date, l.maturity, date_diff('day', $as_of, l.maturity) AS days_left,
               CASE WHEN l.maturity <= $as_of + 30 THEN 30 WHEN l.maturity <= $as_of + 60 THEN 60 ELSE 90 END
                   AS horizon,
               CAST(l.amount_yuan / 10000 AS DOUBLE) AS amount_wan, CAST(l.balance_yuan / 10000 AS DOUBLE) AS balance_wan,
               l.risk_class
        FROM dated l JOIN v_districts d ON d.code = l.district_code
        WHERE l.maturity > $as_of AND l.maturity <= $as_of + 90 AND coalesce(l.balance_yuan, 1) > 0
        ORDER BY l.maturity, l.loan_id""",
        {"as_of": as_of, "district": district},
    ).df()


def maturing_by(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, by: str = "bank", district: str | None = None
) -> pd.DataFrame:
    """Loans (and 万元 outstanding, the balance where reported, else the amount) maturing within 30,
    60 and 90 days of as_of, per bank or per district; cumulative (within 60 includes within 30)."""
    group = {"bank": "l.bank", "district": "d.name"}[by]
    order = "min(d.sort_order)" if by == "district" else "loans_90 DESC, name"
    columns = ", ".join(
        f"count(*) FILTER (WHERE l.maturity <= $as_of + {h}) AS loans_{h}, "
        f"coalesce(CAST(sum(coalesce(l.balance_yuan, l.amount_yuan)) FILTER (WHERE l.maturity <= $as_of + {h})"
        f" AS DOUBLE), 0) / 10000 AS wan_{h}"
        for h in HORIZONS
    )
    return con.execute(
        f"""{_LOANS}
        SELECT {group} AS name, {columns}
        FROM dated l JOIN v_districts d ON d.code = l.district_code
        WHERE l.maturity > $as_of AND l.maturity <= $as_of + 90 AND coalesce(l.balance_yuan, 1) > 0
        GROUP BY {group} ORDER BY {order}""",
        {"as_of": as_of, "district": district},
    ).df()


def overdue(con: duckdb.DuckDBPyConnection, as_of: dt.date, district: str | None = None) -> pd.DataFrame:
    """Loans past maturity with a balance still reported above zero."""
    return con.execute(
        f"""{_LOANS}
        SELECT l.loan_id, l.enterprise_name AS name, l.bank, d.name AS district, l.loan_date, l.maturity,
               date_diff('day', l.maturity, $as_of) AS days_overdue,
               CAST(l.balance_yuan / 10000 AS DOUBLE) AS balance_wan, l.risk_class
        FROM dated l JOIN v_districts d ON d.code = l.district_code
        WHERE l.maturity <= $as_of AND l.balance_yuan > 0
        ORDER BY l.maturity, l.loan_id""",
        {"as_of": as_of, "district": district},
    ).df()


def npl_by_bank(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    district: str | None = None,
    overall_pct: float = OVERALL_NPL_PCT,
) -> pd.DataFrame:
    """Per bank: the outstanding balance carrying a 五级分类, of it 关注 and non-performing (次级 + 可疑 +
    损失), the NPL share in percent, and whether it exceeds the tolerated ratio (overall + 3 points)."""
    frame = con.execute(
        f"""{_LOANS}
        SELECT l.bank,
               count(*) AS loans,
               CAST(sum(l.balance_yuan) AS DOUBLE) / 10000 AS balance_wan,
               coalesce(CAST(sum(l.balance_yuan) FILTER (WHERE l.risk_class = '关注') AS DOUBLE), 0) / 10000
                   AS special_wan,
               coalesce(CAST(sum(l.balance_yuan) FILTER (WHERE l.risk_class IN {NPL_CLASSES}) AS DOUBLE), 0) / 10000
                   AS npl_wan,
               count(*) FILTER (WHERE l.risk_class IN {NPL_CLASSES}) AS npl_loans
        FROM dated l
        WHERE l.balance_yuan > 0 AND l.risk_class IS NOT NULL
        GROUP BY l.bank ORDER BY balance_wan DESC, l.bank""",
        {"as_of": as_of, "district": district},
    ).df()
    frame["npl_pct"] = frame["npl_wan"] / frame["balance_wan"] * 100
    frame["tolerated_pct"] = overall_pct + TOLERATED_POINTS
    frame["above"] = frame["npl_pct"] > frame["tolerated_pct"]
    return frame
