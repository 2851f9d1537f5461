"""The subsidy of each claim under a year's policy, vectorised over all claims of the year, and the
Chinese sentences that explain it. Pure: frames in, frames out (figures.py reads the store).

Per claim: eligible principal = loan amount × IP share; the rate used (actual, or the LPR of the
policy's reference month; capped at LPR × the policy's multiple); days = the loan period (or its part
inside the policy year), at most the term cap; interest subsidy = principal × rate × share × days /
basis, at most the interest paid × IP share and the per-loan cap; fee subsidies with their caps and
the guarantee/insurance exclusion. Then, over the year: loans per enterprise, the enterprise's
yearly and cumulative caps (taken in 受理 order: earlier claims first), and the budget (pro rata, or
in 受理 order until it is spent).

Claims frame (amounts in 万元, rates in %, dates as datetime64): claim_key, order, uscc,
enterprise_name, district_code, bank, amount_wan, contract_date, loan_date, settle_date, rate_pct,
interest_paid_wan, ip_share_pct, reg_date, appraisal_fee_wan, guarantee_fee_wan, insurance_fee_wan,
and optionally first_invention (bool: pledges an invention patent never pledged before),
prior_awards_wan (the enterprise's awards of earlier years), awarded_before (this loan already
subsidised in an earlier year)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pledge.subsidy.lpr import rates_on
from pledge.subsidy.policy import Policy

FEES = (("appraisal", "评估费"), ("guarantee", "担保费"), ("insurance", "保险费"))

# Why a claim gets nothing, in the order they are told.
INELIGIBLE = {
    "no_rate": "未填执行年利率，无法按实际利率计算",
    "no_lpr": "LPR表中没有{ref}适用的1年期LPR，请在“贴息政策”页补充",
    "not_settled": "贷款尚未结清，本政策仅对已结清贷款贴息",
    "no_registration": "未填质押登记生效日，本政策要求{rule}完成质押登记",
    "late_registration": "质押登记生效日{reg}晚于{what}{day}，本政策要求{rule}完成质押登记",
    "no_first_invention": "质押物中没有首次质押的发明专利（所列发明专利此前均已质押过，或未列发明专利）",
    "outside": "贷款期间不在{year}年度内，没有可贴息的天数",
    "awarded_before": "该笔贷款已在以前年度获得贴息，不重复贴息",
}


@dataclass
class Result:
    claims: pd.DataFrame  # one row per claim, in 受理 order, with every intermediate figure
    enterprises: pd.DataFrame  # uscc, name, district_code, award_wan, capped_by (list)
    approved_total_wan: float  # the awards before the budget rule
    award_total_wan: float  # after it
    proration: float  # budget / approved when pro rata applies, else 1 (受理顺序: awarded / approved)


def _col(frame: pd.DataFrame, name: str, default=np.nan) -> pd.Series:
    return frame[name] if name in frame else pd.Series(default, index=frame.index)


def _reference_days(c: pd.DataFrame, policy: Policy) -> pd.Series:
    """The day whose LPR the policy takes, per claim."""
    if policy.lpr_reference == "合同签订日上月":
        signed = c["contract_date"].fillna(c["loan_date"])
        return signed.dt.to_period("M").dt.start_time - pd.Timedelta(days=1)  # last day of the month before
    if policy.lpr_reference == "还款年度12月":
        year = c["settle_date"].dt.year.fillna(policy.year).astype(int)
        return pd.to_datetime(year.astype(str) + "-12-31")
    # 放款日当月: the rate published in the month of disbursement (LPR is published around the 20th),
    # that is, the one in force on its last day, as 合同签订日上月 reads the month before signing.
    return c["loan_date"].dt.to_period("M").dt.end_time.dt.normalize()


def _sequential_cap(amount: pd.Series, groups: pd.Series | None, cap: pd.Series | float) -> pd.Series:
    """Each amount limited so that the running total (per group, in the frame's order) stays
    within cap: earlier claims first, the one that crosses it gets the remainder."""
    before = (amount.groupby(groups).cumsum() if groups is not None else amount.cumsum()) - amount
    return np.minimum(amount, np.maximum(cap - before, 0.0))


def compute(claims: pd.DataFrame, policy: Policy, lpr: pd.DataFrame) -> Result:
    c = claims.sort_values("order", kind="stable").reset_index(drop=True).copy()
    for name in ("contract_date", "loan_date", "settle_date", "reg_date"):
        c[name] = pd.to_datetime(_col(c, name, pd.NaT))
    for name in ("rate_pct", "interest_paid_wan", *(f"{k}_fee_wan" for k, _ in FEES)):
        c[name] = pd.to_numeric(_col(c, name), errors="coerce").astype(float)
    c["amount_wan"] = c["amount_wan"].astype(float)
    c["ip_share_pct"] = pd.to_numeric(_col(c, "ip_share_pct", 100.0)).astype(float).fillna(100.0)
    start_of_year = pd.Timestamp(policy.year, 1, 1)
    next_year = pd.Timestamp(policy.year + 1, 1, 1)

    # -- the rate ----------------------------------------------------------------------------
    c["lpr_day"] = _reference_days(c, policy)
    c["lpr_pct"] = rates_on(lpr, c["lpr_day"])
    if policy.rate_basis == "LPR":
        base = c["lpr_pct"].where(~(c["rate_pct"] < c["lpr_pct"]), c["rate_pct"])
    else:
        base = c["rate_pct"]
    c["rate_cap_pct"] = c["lpr_pct"] * policy.rate_cap_multiple if policy.rate_cap_multiple else np.nan
    c["rate_capped"] = base > c["rate_cap_pct"]
    c["rate_used_pct"] = base.where(~c["rate_capped"], c["rate_cap_pct"])
    c["subsidy_rate_pct"] = c["rate_used_pct"] * policy.share_pct / 100

    # -- the days ----------------------------------------------------------------------------
    end = c["settle_date"].fillna(next_year)
    begin = c["loan_date"]
    if policy.period == "政策年度内":
        begin = begin.clip(lower=start_of_year)
        end = end.clip(upper=next_year)
    c["loan_days"] = (end - begin).dt.days.clip(lower=0).fillna(0).astype(int)
    c["days"] = c["loan_days"].clip(upper=policy.term_cap_days) if policy.term_cap_days else c["loan_days"]

    # -- the interest subsidy of the loan --------------------------------------------------------
    c["principal_wan"] = c["amount_wan"] * c["ip_share_pct"] / 100
    c["raw_wan"] = (c["principal_wan"] * c["subsidy_rate_pct"] / 100 * c["days"] / policy.day_basis).fillna(0.0)
    c["paid_limit_wan"] = c["interest_paid_wan"] * c["ip_share_pct"] / 100
    c["paid_capped"] = c["raw_wan"] > c["paid_limit_wan"]
    interest = c["raw_wan"].where(~c["paid_capped"], c["paid_limit_wan"])
    c["loan_capped"] = interest > policy.loan_cap_wan if policy.loan_cap_wan is not None else False
    c["interest_wan"] = interest.clip(upper=policy.loan_cap_wan) if policy.loan_cap_wan is not None else interest

    # -- fee subsidies -------------------------------------------------------------------------
    for key, _ in FEES:
        pct, cap = getattr(policy, f"{key}_pct"), getattr(policy, f"{key}_cap_wan")
        fee = c[f"{key}_fee_wan"].fillna(0.0) * (pct or 0) / 100
        c[f"{key}_capped"] = fee > cap if cap is not None else False
        c[f"{key}_sub_wan"] = fee.clip(upper=cap) if cap is not None else fee
    c["fee_excluded"] = ""
    if policy.guarantee_insurance_exclusive:
        both = (c["guarantee_sub_wan"] > 0) & (c["insurance_sub_wan"] > 0)
        keep_guarantee = c["guarantee_sub_wan"] >= c["insurance_sub_wan"]
        c.loc[both & keep_guarantee, "fee_excluded"] = "insurance"
        c.loc[both & ~keep_guarantee, "fee_excluded"] = "guarantee"
        c.loc[c["fee_excluded"] == "insurance", "insurance_sub_wan"] = 0.0
        c.loc[c["fee_excluded"] == "guarantee", "guarantee_sub_wan"] = 0.0
    c["fee_wan"] = sum(c[f"{key}_sub_wan"] for key, _ in FEES)

    # -- eligibility ---------------------------------------------------------------------------
    reg_limit = c["loan_date"] if policy.registration_rule == "放款前" else c["settle_date"].fillna(next_year)
    checks = {
        "no_rate": c["rate_pct"].isna() & (policy.rate_basis == "实际利率"),
        "no_lpr": c["lpr_pct"].isna() & ((policy.rate_basis == "LPR") | bool(policy.rate_cap_multiple)),
        "not_settled": c["settle_date"].isna() & policy.settled_only,
        "no_registration": c["reg_date"].isna() & (policy.registration_rule != "不要求"),
        "late_registration": (c["reg_date"] > reg_limit) & (policy.registration_rule != "不要求"),
        "no_first_invention": ~_col(c, "first_invention", False).fillna(False).astype(bool) & policy.first_invention,
        "outside": c["loan_days"] == 0,
        "awarded_before": _col(c, "awarded_before", False).fillna(False).astype(bool),
    }
    for name, mask in checks.items():
        c[f"x_{name}"] = mask
    c["eligible"] = ~pd.concat(list(checks.values()), axis=1).any(axis=1)

    # -- caps over the year ----------------------------------------------------------------------
    capped_base = (c["interest_wan"] + (c["fee_wan"] if policy.caps_include_fees else 0.0)).where(c["eligible"], 0.0)
    c["base_wan"] = capped_base
    c["count_rank"] = (capped_base > 0).groupby(c["uscc"]).cumsum()
    c["count_capped"] = (
        (capped_base > 0) & (c["count_rank"] > policy.loans_per_year) if policy.loans_per_year else False
    )
    capped_base = capped_base.where(~c["count_capped"], 0.0)
    after_count = capped_base
    if policy.enterprise_year_cap_wan is not None:
        capped_base = _sequential_cap(capped_base, c["uscc"], policy.enterprise_year_cap_wan)
    c["year_capped"] = capped_base < after_count - 1e-12
    after_year = capped_base
    c["prior_awards_wan"] = pd.to_numeric(_col(c, "prior_awards_wan", 0.0)).fillna(0.0).astype(float)
    if policy.enterprise_total_cap_wan is not None:
        room = (policy.enterprise_total_cap_wan - c["prior_awards_wan"]).clip(lower=0)
        capped_base = _sequential_cap(capped_base, c["uscc"], room)
    c["total_capped"] = capped_base < after_year - 1e-12
    fees_outside = 0.0 if policy.caps_include_fees else c["fee_wan"].where(c["eligible"], 0.0)
    c["before_budget_wan"] = capped_base + fees_outside

    # -- the budget ----------------------------------------------------------------------------
    approved = float(c["before_budget_wan"].sum())
    proration = 1.0
    award = c["before_budget_wan"]
    if policy.budget_wan is not None and approved > policy.budget_wan:
        if policy.over_budget == "按比例核减":
            proration = policy.budget_wan / approved
            award = award * proration
        else:
            award = _sequential_cap(award, None, policy.budget_wan)
            proration = float(award.sum()) / approved
    c["award_wan"] = award
    c["budget_cut"] = award < c["before_budget_wan"] - 1e-12
    c["interest_subsidy_wan"] = c["interest_wan"].where(c["eligible"], 0.0)
    c["fee_subsidy_wan"] = c["fee_wan"].where(c["eligible"], 0.0)

    enterprises = _enterprises(c)
    return Result(c, enterprises, approved, float(c["award_wan"].sum()), proration)


CAP_NAMES = {
    "loan_capped": "单笔上限",
    "count_capped": "每户每年笔数上限",
    "year_capped": "单户年度上限",
    "total_capped": "单户累计上限",
    "budget_cut": "年度预算",
}


def _enterprises(c: pd.DataFrame) -> pd.DataFrame:
    caps = pd.DataFrame({name: c[flag].astype(bool) for flag, name in CAP_NAMES.items()})
    caps["uscc"] = c["uscc"]
    binding = caps.groupby("uscc").any()
    grouped = c.groupby("uscc", sort=False).agg(
        name=("enterprise_name", "first"), district_code=("district_code", "first"), award_wan=("award_wan", "sum")
    )
    grouped["capped_by"] = [[n for n in CAP_NAMES.values() if binding.at[u, n]] for u in grouped.index]
    return grouped.reset_index()


# -- explanations ------------------------------------------------------------------------------
def num(value: float | None, digits: int = 4) -> str:
    """A figure as the bureau writes it: thousands separators, no trailing zeros, never 1e+06."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def rate(value: float | None) -> str:
    """A rate in %, as rates are written: 3.00, 4.60, 2.415 (two decimals at least, four at most)."""
    if value is None:
        return "—"
    text = f"{value:.4f}".rstrip("0")
    return text + "0" * (2 - len(text.split(".")[1]))


def _day(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def reasons(row, policy: Policy) -> list[str]:
    """Why a claim is not eligible (empty when it is), one Chinese sentence each."""
    found = []
    rule = policy.registration_rule
    for name, template in INELIGIBLE.items():
        if not getattr(row, f"x_{name}"):
            continue
        what, day = ("放款日", row.loan_date) if rule == "放款前" else ("结清日", row.settle_date)
        found.append(
            template.format(
                ref=_day(row.lpr_day) if pd.notna(row.lpr_day) else "该日",
                rule=f"{what.removesuffix('日')}前" if rule != "不要求" else "",
                reg=_day(row.reg_date) if pd.notna(row.reg_date) else "",
                what=what,
                day=_day(day) if pd.notna(day) else "",
                year=policy.year,
            )
        )
    return found


def explain(row, policy: Policy) -> str:
    """How a claim's figure came about, in one paragraph of Chinese."""
    why = reasons(row, policy)
    if why:
        return "不予贴息：" + "；".join(why) + "。"
    parts = []
    lpr = f"LPR {rate(row.lpr_pct)}%" if pd.notna(row.lpr_pct) else ""
    if policy.rate_basis == "LPR":
        used = f"按{lpr}" if not row.rate_pct < row.lpr_pct else f"按实际利率{rate(row.rate_pct)}%（低于{lpr}）"
    else:
        used = f"按实际利率{rate(row.rate_pct)}%"
    if row.rate_capped:
        used += f"，高于{lpr}×{num(policy.rate_cap_multiple)}={rate(row.rate_cap_pct)}%，按{rate(row.rate_cap_pct)}%"
    parts.append(f"{used}×{num(policy.share_pct)}%计{rate(row.subsidy_rate_pct)}%")
    share = f"×{num(row.ip_share_pct)}%={num(row.principal_wan)}万元" if row.ip_share_pct != 100 else ""
    term = f"（贷款{row.loan_days}天，单笔最多贴息{policy.term_cap_days}天）" if row.days < row.loan_days else ""
    parts.append(
        f"本金{num(row.amount_wan)}万元{share}×{row.days}/{policy.day_basis}天{term}，计{num(row.raw_wan)}万元"
    )
    if row.paid_capped:
        parts.append(f"不超过实付利息×知识产权担保占比{num(row.paid_limit_wan)}万元")
    if row.loan_capped:
        parts.append(f"受单笔上限{num(policy.loan_cap_wan)}万元限制")
    fees = []
    for key, label in FEES:
        fee = getattr(row, f"{key}_fee_wan")
        if fee > 0 and getattr(policy, f"{key}_pct"):
            text = f"{label}{num(fee)}万元×{num(getattr(policy, f'{key}_pct'))}%"
            if getattr(row, f"{key}_capped"):
                text += f"，受上限{num(getattr(policy, f'{key}_cap_wan'))}万元限制"
            if row.fee_excluded == key:
                text += "（担保费与保险费不可兼得，只补贴较高的一项，此项不计）"
            else:
                text += f"，补贴{num(getattr(row, f'{key}_sub_wan'))}万元"
            fees.append(text)
    if fees:
        parts.append("费用补贴：" + "；".join(fees))
    if row.count_capped:
        parts.append(
            f"该企业本年度已有{policy.loans_per_year}笔获贴息（每户每年限{policy.loans_per_year}笔），本笔不再贴息"
        )
    if row.year_capped:
        parts.append(f"受单户年度上限{num(policy.enterprise_year_cap_wan)}万元限制（按受理顺序，该企业之前的申报先计）")
    if row.total_capped:
        parts.append(
            f"受单户累计上限{num(policy.enterprise_total_cap_wan)}万元限制（以前年度已获{num(row.prior_awards_wan)}万元）"
        )
    if row.budget_cut:
        over = f"超出年度预算{num(policy.budget_wan)}万元"
        if policy.over_budget == "按比例核减":
            factor = row.award_wan / row.before_budget_wan
            parts.append(f"{over}，按比例核减（系数{factor:.4f}），由{num(row.before_budget_wan)}万元")
        else:
            parts.append(f"{over}，按受理顺序拨付至预算用完，由{num(row.before_budget_wan)}万元")
    parts.append(f"核定{num(row.award_wan)}万元")
    return "，".join(parts) + "。"
