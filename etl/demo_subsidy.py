"""The demo city's 贴息: last year's policy, about 220 claims drawn from that year's loans in the
ledger (a few not in it, some ineligible for each reason, a budget the claims exceed), loaded
through the pipeline as a district would send them, and walked through the workflow to every state.
Reproducible: the same seed and ledger give the same claims and states."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from etl.subsidy_templates import CLAIM_HEADERS, policy_template
from pledge.auth import User
from pledge.store import Store
from pledge.subsidy import calc, figures, lpr, workflow
from pledge.subsidy.policy import Policy, to_values

CLAIMS = 220
REVIEWER = User("示例市局贴息审核", "analyst")


def demo_policy(year: int) -> Policy:
    return Policy(
        f"示例市{year}年度知识产权质押贷款贴息实施细则（演示）",
        year,
        rate_basis="实际利率",
        lpr_reference="放款日当月",
        share_pct=50,
        rate_cap_multiple=1.4,
        day_basis=360,
        period="贷款全周期",
        term_cap_days=365,
        loan_cap_wan=30,
        enterprise_year_cap_wan=50,
        enterprise_total_cap_wan=100,
        loans_per_year=3,
        registration_rule="放款前",
        first_invention=True,
        settled_only=True,
        appraisal_pct=50,
        appraisal_cap_wan=2,
        guarantee_pct=50,
        guarantee_cap_wan=5,
        insurance_pct=50,
        insurance_cap_wan=5,
        guarantee_insurance_exclusive=True,
        over_budget="按比例核减",
    )


def _loans(store: Store, year: int) -> pd.DataFrame:
    """Loans disbursed in the year before the policy's year-end that could have been settled in it."""
    with store.read() as con:
        return con.execute(
            """SELECT l.loan_key, l.enterprise_name, l.uscc, d.name AS district, l.bank_raw, l.amount_yuan::DOUBLE / 1e4
                      AS amount_wan, l.loan_date, l.reg_no, l.reg_date, l.term_months, l.rate_pct::DOUBLE AS rate_pct,
                      (SELECT string_agg(CASE p.ip_type WHEN '商标' THEN '第' || p.ip_no || '号' ELSE 'ZL' || p.ip_no END, '、'
                               ORDER BY p.ip_no) FROM pledged_ip p WHERE p.loan_id = l.loan_id)
                      AS patents,
                      EXISTS (SELECT 1 FROM pledged_ip p WHERE p.loan_id = l.loan_id AND p.ip_type = '发明专利'
                              AND NOT EXISTS (SELECT 1 FROM v_pledged_ip q WHERE q.ip_no = p.ip_no
                                              AND q.loan_date < l.loan_date)) AS first_invention
               FROM v_loans l JOIN v_districts d ON d.code = l.district_code
               WHERE l.loan_date BETWEEN ? AND ? AND l.reg_no IS NOT NULL AND l.uscc NOT LIKE '个体:%'
               ORDER BY l.loan_key""",
            [dt.date(year - 1, 1, 1), dt.date(year, 6, 30)],
        ).df()


def claims_frame(loans: pd.DataFrame, year: int, rng: np.random.Generator) -> pd.DataFrame:
    """One claim per sampled loan, with the cells a bank and an enterprise would fill in."""
    # Most claimants pledge a new invention patent (the policy asks for one); some do not.
    weight = np.where(loans["first_invention"], 1.0, 0.08)
    size = min(CLAIMS, int((weight > 0.5).sum()) + 20, len(loans))
    chosen = rng.choice(len(loans), size=size, replace=False, p=weight / weight.sum())
    picked = loans.iloc[np.sort(chosen)].reset_index(drop=True)
    n = len(picked)
    loan_date = pd.to_datetime(picked["loan_date"])
    settle = loan_date + pd.to_timedelta(365 - rng.integers(0, 30, n), unit="D")  # one-year loans
    year_end = pd.Timestamp(year, 12, 31)
    early = loan_date + (year_end - loan_date) * rng.uniform(0.5, 0.95, n)  # repaid early, within the year
    settle = settle.where(settle <= year_end, early.dt.normalize())
    settle = settle.where(rng.random(n) > 0.08, pd.NaT)  # not settled yet: not eligible
    rate = picked["rate_pct"].fillna(pd.Series(rng.uniform(3.2, 5.8, n).round(2)))
    days = (settle.fillna(pd.Timestamp(year, 12, 31)) - loan_date).dt.days
    share = rng.choice([100, 100, 100, 80, 60, 50], n).astype(float)
    reg_date = pd.to_datetime(picked["reg_date"]).fillna(loan_date - pd.Timedelta(days=2))
    late = rng.random(n) < 0.06  # registered after the money went out
    reg_date = reg_date.where(~late, loan_date + pd.to_timedelta(rng.integers(3, 30, n), unit="D"))
    unregistered = rng.random(n) < 0.03  # no registration date given: the policy needs one
    outside = rng.random(n) < 0.04  # not the ledger's loan: another date and no registration number
    frame = pd.DataFrame(
        {
            "企业名称": picked["enterprise_name"],
            "统一社会信用代码": picked["uscc"],
            "所属区县": picked["district"],
            "质权人": picked["bank_raw"],
            "贷款金额(万元)": picked["amount_wan"].round(2),
            "合同签订日": (loan_date - pd.to_timedelta(rng.integers(3, 25, n), unit="D")).dt.date,
            "放款日期": (loan_date + pd.to_timedelta(np.where(outside, 3, 0), unit="D")).dt.date,
            "结清日期": settle.dt.date.astype(object).where(settle.notna(), None),
            "执行年利率(%)": rate,
            "实付利息(万元)": (picked["amount_wan"] * rate / 100 * days / 360).round(2),
            "知识产权担保占比(%)": share,
            "质押登记号": picked["reg_no"].where(~outside, None),
            "登记生效日": reg_date.dt.date.where(~unregistered, None),
            "质押专利号": picked["patents"],
            "评估费(万元)": np.where(rng.random(n) < 0.3, rng.uniform(0.5, 4, n).round(2), np.nan),
            "担保费(万元)": np.where(rng.random(n) < 0.2, rng.uniform(1, 12, n).round(2), np.nan),
            "保险费(万元)": np.where(rng.random(n) < 0.12, rng.uniform(1, 8, n).round(2), np.nan),
        }
    )
    return frame.astype(object).where(frame.notna(), None)


def _write(path: Path, year: int, frame: pd.DataFrame) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "贴息申报表"
    sheet.append([f"{year}年度知识产权质押贷款贴息申报汇总表（演示数据）"])
    sheet.append([name for name, _ in CLAIM_HEADERS])
    for row in frame.itertuples(index=False):
        sheet.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def build(store: Store, folder: Path, today: dt.date, seed: int = 2025) -> dict:
    """Policy, claims and workflow for the year before `today` (the last complete year)."""
    from etl import pipeline
    from etl.load import load
    from etl.parse import parse_file

    year = today.year - 1
    rng = np.random.default_rng(seed + 10)
    loans = _loans(store, year)
    if loans.empty:
        return {"claims": 0, "files": []}
    frame = claims_frame(loans, year, rng)
    claims_path = _write(folder / f"{year}年度贴息申报汇总表.xlsx", year, frame)
    policy = demo_policy(year)
    # Our own generated files: parsed in this process (the sandbox is for files from outside).
    reference = pipeline.reference(store)
    claims = parse_file(claims_path.read_bytes(), claims_path.name, reference)
    if not claims.ok:
        raise RuntimeError(f"演示贴息申报表未通过校验：{'；'.join(str(i) for i in claims.errors[:5])}")
    # A budget the claims exceed: about 70% of what they would get, so pro rata applies.
    with store.read() as con:
        rates = lpr.table(con)
    table = claims.table
    trial = table.assign(
        order=range(len(table)),
        first_invention=True,
        **{
            f"{name}_wan": table[f"{name}_yuan"].astype(float) / 1e4
            for name in ("amount", "interest_paid", "appraisal_fee", "guarantee_fee", "insurance_fee")
        },
    )
    need = calc.compute(trial, policy, rates).approved_total_wan
    policy = dataclasses.replace(policy, budget_wan=float(round(need * 0.7, -1) or 10))
    data = policy_template(year, to_values(policy))
    (folder / f"{year}年贴息政策参数.xlsx").write_bytes(data)
    for parsed in (parse_file(data, f"{year}年贴息政策参数.xlsx", reference), claims):
        if not parsed.ok:
            raise RuntimeError(
                f"演示数据文件 {parsed.file_name} 未通过校验：" + "；".join(str(i) for i in parsed.errors[:5])
            )
        load(store, parsed, user="demo")
    _walk(store, year, rng)
    files = [f"{year}年贴息政策参数.xlsx", claims_path.name]  # in the order they were loaded
    return {"claims": len(frame), "year": year, "budget_wan": policy.budget_wan, "files": files}


def _walk(store: Store, year: int, rng: np.random.Generator) -> None:
    """Move the claims to every state: eligible ones along the way (the furthest first in 受理
    order), ineligible ones partly returned with their reason, partly still waiting."""
    with store.read() as con:
        claims = figures.claim_awards(con, year)
    good = claims[claims["eligible"].fillna(False).astype(bool)]["claim_key"].tolist()
    bad = claims[~claims["eligible"].fillna(False).astype(bool)]
    n = len(good)
    stages = {  # the share of eligible claims that reach at least this state
        "区县初审": 0.85,
        "市级复核": 0.7,
        "公示": 0.55,
        "已核定": 0.45,
        "已拨付": 0.3,
    }
    for state, share in stages.items():
        workflow.move(store, REVIEWER, year, good[: int(n * share)], state)
    returned = bad.iloc[: int(len(bad) * 0.6)]
    for reason, part in returned.groupby(returned["reasons"].map(lambda r: r[0] if r else "材料不全"), sort=True):
        workflow.move(store, REVIEWER, year, part["claim_key"].tolist(), "退回", f"不符合政策：{reason}")
    if n > 1:  # one returned claim, with a reason of the reviewer's own
        workflow.move(store, REVIEWER, year, good[-1:], "退回", "实付利息凭证与合同不符，请补充银行盖章的付息清单")
