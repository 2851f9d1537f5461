"""The 贴息 figures read from the store: the year's policy, every claim with its state and computed
award, the budget, the 公示 list and the payment list. Functions take `con` first (pages reach them
through ui.data.query, which forces a district-limited user's district into `district`).

Caps and the budget act over the whole city's claims of the year, so every figure is computed for
the year first and filtered to a district after."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from pledge import periods
from pledge.catalogue import metric
from pledge.sql import fetch_value
from pledge.subsidy import calc, lpr
from pledge.subsidy.firsts import first_time_claims
from pledge.subsidy.policy import PARAMS, Policy, from_values

STATES = ("已受理", "区县初审", "市级复核", "公示", "已核定", "已拨付")
RETURNED = "退回"
PENDING = STATES[:4]
APPROVED = ("已核定", "已拨付")
_PUBLIC = ("公示", "已核定", "已拨付")


def policy_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [y for (y,) in con.execute("SELECT DISTINCT year FROM v_subsidy_policies ORDER BY year DESC").fetchall()]


def policy_values(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, str | None]:
    """{key: text} of the year's policy; empty when there is none."""
    return dict(con.execute("SELECT param, value FROM v_subsidy_policies WHERE year = ?", [year]).fetchall())


def policy_for(con: duckdb.DuckDBPyConnection, year: int) -> Policy | None:
    values = policy_values(con, year)
    return from_values(values) if values else None


def policy_table(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """参数 | 取值 | 说明 of the year's policy (every parameter, blank where not set)."""
    values = policy_values(con, year)
    return pd.DataFrame(
        {
            "参数": [p.label for p in PARAMS],
            "取值": [values.get(p.key) or "" for p in PARAMS],
            "说明": [p.note for p in PARAMS],
        }
    )


def lpr_rates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return lpr.table(con)


def _claims(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """The year's current claims in 受理 order, with their state, amounts in 万元, whether the loan
    is in the ledger, the enterprise's awards of earlier years and whether the loan had one."""
    frame = con.execute(
        """WITH firsts AS (                    -- 受理 order: the batch that first brought the claim
               SELECT year, claim_key, min(batch_id) AS first_batch FROM subsidy_claims c
               JOIN batches b ON b.id = c.batch_id AND b.status = 'active' GROUP BY ALL
           ), earlier AS (                    -- awards fixed in earlier years (cumulative cap, no double subsidy)
               SELECT c.uscc, c.claim_key, s.award_yuan FROM v_subsidy_claims c
               JOIN v_subsidy_claim_state s USING (year, claim_key)
               WHERE c.year < ? AND s.state IN ('已核定', '已拨付')
           ), prior AS (
               SELECT uscc, sum(award_yuan)::DOUBLE / 1e4 AS prior_awards_wan FROM earlier GROUP BY uscc
           )
           SELECT c.claim_key, c.enterprise_name, c.uscc, c.district_code, d.name AS district, c.bank, c.bank_raw,
                  c.amount_yuan::DOUBLE / 1e4 AS amount_wan, c.contract_date, c.loan_date, c.settle_date,
                  c.rate_pct::DOUBLE AS rate_pct, c.interest_paid_yuan::DOUBLE / 1e4 AS interest_paid_wan,
                  c.ip_share_pct::DOUBLE AS ip_share_pct, c.reg_no, c.reg_date, c.ip_nos, c.invention_nos,
                  c.appraisal_fee_yuan::DOUBLE / 1e4 AS appraisal_fee_wan,
                  c.guarantee_fee_yuan::DOUBLE / 1e4 AS guarantee_fee_wan,
                  c.insurance_fee_yuan::DOUBLE / 1e4 AS insurance_fee_wan, c.source_sheet, c.source_row, c.batch_id,
                  coalesce(s.state, '已受理') AS state, s.reason AS state_reason, s.user_name AS state_by,
                  s.changed_at AS state_at, s.award_yuan::DOUBLE / 1e4 AS fixed_award_wan,
                  -- the ledger's loan: its key, its registration number, or USCC, head bank, date and amount
                  coalesce(c.claim_key IN (SELECT loan_key FROM v_loans)
                           OR c.reg_no IN (SELECT reg_no FROM v_loans WHERE reg_no IS NOT NULL)
                           OR (c.uscc, c.bank, c.loan_date, c.amount_yuan)
                              IN (SELECT (uscc, bank, loan_date, amount_yuan) FROM v_loans), false) AS in_ledger,
                  coalesce(p.prior_awards_wan, 0) AS prior_awards_wan,
                  c.claim_key IN (SELECT claim_key FROM earlier) AS awarded_before,
                  row_number() OVER (ORDER BY f.first_batch, c.source_sheet, c.source_row) AS "order"
           FROM v_subsidy_claims c JOIN firsts f USING (year, claim_key)
           LEFT JOIN v_subsidy_claim_state s USING (year, claim_key)
           LEFT JOIN v_districts d ON d.code = c.district_code
           LEFT JOIN prior p ON p.uscc = c.uscc
           WHERE c.year = ? ORDER BY "order" """,
        [year, year],
    ).df()
    frame["first_invention"] = frame["claim_key"].isin(first_time_claims(con, year))
    return frame


def _result(con: duckdb.DuckDBPyConnection, year: int, every_claim: bool) -> tuple[Policy, calc.Result] | None:
    """The year's computation. every_claim: as submitted (the CLI), else returned claims left out."""
    policy = policy_for(con, year)
    if policy is None:
        return None
    claims = _claims(con, year)
    if not every_claim:
        claims = claims[claims["state"] != RETURNED]
    return policy, calc.compute(claims, policy, lpr.table(con))


def compute(con: duckdb.DuckDBPyConnection, year: int) -> tuple[Policy, calc.Result] | None:
    """Every current claim of the year treated as submitted (python -m etl subsidy)."""
    return _result(con, year, every_claim=True)


def claim_awards(con: duckdb.DuckDBPyConnection, year: int, district: str | None = None) -> pd.DataFrame:
    """Every claim of the year (of the district) with its state, computed figures, the award that
    counts (fixed at 已核定, computed before) and the explanation. Returned claims show no award."""
    done = _result(con, year, every_claim=False)
    claims = _claims(con, year)
    if done is None:
        claims["award_wan"] = float("nan")
        claims["说明"] = f"{year}年尚无贴息政策，无法计算"
        claims["reasons"] = [[] for _ in range(len(claims))]
        return claims if district is None else claims[claims["district_code"] == district].reset_index(drop=True)
    policy, result = done
    figures = result.claims.drop(columns=[c for c in result.claims.columns if c in claims.columns and c != "claim_key"])
    frame = claims.merge(figures, on="claim_key", how="left")
    frame["computed_wan"] = frame["award_wan"]
    fixed = frame["state"].isin(APPROVED) & frame["fixed_award_wan"].notna()
    frame["award_wan"] = frame["award_wan"].where(~fixed, frame["fixed_award_wan"])
    frame.loc[frame["state"] == RETURNED, "award_wan"] = 0.0
    if district is not None:
        frame = frame[frame["district_code"] == district].reset_index(drop=True)
    texts: list[str] = []
    why: list[list[str]] = []
    for row in frame.itertuples(index=False):  # the sentences of the claims shown, not a figure
        if row.state == RETURNED:
            texts.append(f"已退回：{row.state_reason or ''}")
            why.append([])
            continue
        text = calc.explain(row, policy)
        if row.state in APPROVED and row.fixed_award_wan is not None and pd.notna(row.fixed_award_wan):
            text += f"（{row.state}金额{calc.num(row.fixed_award_wan)}万元，于核定时确定）"
        if not row.in_ledger:
            text += "【提示：台账中未找到这笔贷款，请核对贷款合同和放款凭证】"
        texts.append(text)
        why.append(calc.reasons(row, policy))
    frame["说明"] = texts
    frame["reasons"] = why
    return frame


def budget(
    con: duckdb.DuckDBPyConnection, year: int, district: str | None = None, as_of: dt.date | None = None
) -> dict:
    """Budget, approved (已核定 + 已拨付), paid, remaining, 序时进度 and what pending claims would need.
    The budget is the city's: a district sees its own approved, paid and pending figures only."""
    policy = policy_for(con, year)
    frame = claim_awards(con, year, district)
    as_of = as_of or min(dt.date.today(), dt.date(year, 12, 31))
    approved = float(frame.loc[frame["state"].isin(APPROVED), "award_wan"].sum()) if len(frame) else 0.0
    paid = float(frame.loc[frame["state"] == "已拨付", "award_wan"].sum()) if len(frame) else 0.0
    pending = frame[frame["state"].isin(PENDING)] if len(frame) else frame
    need = float(pending["before_budget_wan"].sum()) if "before_budget_wan" in pending else 0.0
    b = policy.budget_wan if policy and district is None else None
    figures: dict[str, object] = {
        "year": year,
        "policy": policy.name if policy else None,
        "budget_wan": b,
        "approved_wan": approved,
        "paid_wan": paid,
        "pending_claims": len(pending),
        "pending_need_wan": need,
        "returned_claims": int((frame["state"] == RETURNED).sum()) if len(frame) else 0,
        "claims": len(frame),
        "time_progress": periods.time_progress(year, as_of),
        "as_of": as_of,
    }
    figures["remaining_wan"] = b - approved if b is not None else None
    figures["burn"] = paid / b if b else None
    figures["shortfall_wan"] = max(0.0, approved + need - b) if b is not None else None
    return figures


def public_list(con: duckdb.DuckDBPyConnection, year: int, district: str | None = None) -> pd.DataFrame:
    """The 公示 list: claims at 公示 or later, as published (企业, 区县, 银行, 贷款金额, 贴息)."""
    frame = claim_awards(con, year, district)
    frame = frame[frame["state"].isin(_PUBLIC)]
    return pd.DataFrame(
        {
            "序号": range(1, len(frame) + 1),
            "企业名称": frame["enterprise_name"].to_numpy(),
            "所属区县": frame["district"].to_numpy(),
            "贷款银行": frame["bank"].to_numpy(),
            "贷款金额(万元)": frame["amount_wan"].round(2).to_numpy(),
            "贴息及补贴金额(万元)": frame["award_wan"].round(2).to_numpy(),
        }
    )


def payment_list(con: duckdb.DuckDBPyConnection, year: int, district: str | None = None) -> pd.DataFrame:
    """Claims approved for payment (已核定) and paid (已拨付), by district."""
    frame = claim_awards(con, year, district)
    frame = frame[frame["state"].isin(APPROVED)].sort_values(["district", "order"])
    return pd.DataFrame(
        {
            "所属区县": frame["district"].to_numpy(),
            "企业名称": frame["enterprise_name"].to_numpy(),
            "统一社会信用代码": frame["uscc"].to_numpy(),
            "贷款银行": frame["bank"].to_numpy(),
            "贷款金额(万元)": frame["amount_wan"].round(2).to_numpy(),
            "核定金额(万元)": frame["award_wan"].round(2).to_numpy(),
            "状态": frame["state"].to_numpy(),
        }
    )


def claim_history(
    con: duckdb.DuckDBPyConnection, year: int, claim_key: str, district: str | None = None
) -> pd.DataFrame:
    """The workflow of one claim: state, who, when, reason (oldest first)."""
    return con.execute(
        """SELECT s.state AS 状态, s.user_name AS 操作人, strftime(s.changed_at, '%Y年%-m月%-d日 %H:%M') AS 时间,
                  coalesce(s.reason, '') AS 说明
           FROM subsidy_claim_states s
           WHERE s.year = ? AND s.claim_key = ?
             AND (?::VARCHAR IS NULL OR EXISTS (SELECT 1 FROM v_subsidy_claims c WHERE c.year = s.year
                  AND c.claim_key = s.claim_key AND c.district_code = ?))
           ORDER BY s.seq""",
        [year, claim_key, district, district],
    ).df()


def subsidy_figure(
    con: duckdb.DuckDBPyConnection, year: int, as_of: dt.date, district: str | None = None
) -> dict[str, Any]:
    """The year's 贴息 figure and where it comes from: with a policy for the year, the awards
    approved under it (已核定 and 已拨付, fixed at approval); without one, the ledger's 贴息金额
    column over [1 January, as_of] (the catalogue's `subsidy`). {"yuan", "source", "label"}."""
    if policy_values(con, year):
        yuan = fetch_value(
            con,
            """SELECT coalesce(sum(s.award_yuan), 0)::DOUBLE FROM v_subsidy_claim_state s
               JOIN v_subsidy_claims c USING (year, claim_key)
               WHERE s.year = ? AND s.state IN ('已核定', '已拨付')
                 AND (?::VARCHAR IS NULL OR c.district_code = ?)""",
            [year, district, district],
        )
        return {"yuan": yuan, "source": "approved", "label": f"按{year}年度贴息政策至今已核定的贴息"}
    yuan = fetch_value(
        con,
        f"""SELECT ({metric("subsidy").sql})::DOUBLE FROM v_loans
            WHERE loan_date BETWEEN ? AND ? AND (?::VARCHAR IS NULL OR district_code = ?)""",
        [dt.date(year, 1, 1), as_of, district, district],
    )
    return {"yuan": yuan, "source": "ledger", "label": "台账“贴息金额”列合计，本年度尚无贴息政策"}
