"""The subsidy calculation (pledge/subsidy/calc.py) on the worked examples of issue 10, computed by
hand from the published policies in DOMAIN.md, and the policy parameters as data."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from pledge.subsidy import calc
from pledge.subsidy.policy import Policy, PolicyError, from_values, to_values

LPR = pd.DataFrame(
    {
        "effective_date": pd.to_datetime(["2023-08-21", "2024-07-22", "2024-10-21", "2025-05-20"]),
        "rate_pct": [3.45, 3.35, 3.10, 3.00],
    }
)
# Beijing 2024: 50% of the interest actually paid, rate capped at LPR × 1.4, IP share only, 30万 a year.
BEIJING = Policy(
    "北京2024",
    2024,
    rate_basis="实际利率",
    lpr_reference="放款日当月",
    share_pct=50,
    rate_cap_multiple=1.4,
    day_basis=365,
    enterprise_year_cap_wan=30,
    appraisal_pct=50,
    appraisal_cap_wan=2,
    guarantee_pct=50,
    guarantee_cap_wan=2,
)
# Qingdao: 60% of the LPR of the month before the contract; registration before disbursement;
# a first-time invention patent; 50万 per enterprise per year.
QINGDAO = Policy(
    "青岛",
    2024,
    rate_basis="LPR",
    lpr_reference="合同签订日上月",
    share_pct=60,
    day_basis=360,
    enterprise_year_cap_wan=50,
    registration_rule="放款前",
    first_invention=True,
)


def claim(n: int = 1, **values) -> dict:
    row = {
        "claim_key": f"K{n}",
        "order": n,
        "uscc": "91110000710925462X",
        "enterprise_name": "甲公司",
        "district_code": "990101",
        "bank": "中国工商银行",
        "amount_wan": 800.0,
        "contract_date": pd.Timestamp("2023-08-25"),
        "loan_date": pd.Timestamp("2023-09-01"),
        "settle_date": pd.Timestamp("2024-08-31"),  # 365 days
        "rate_pct": 4.60,
        "interest_paid_wan": None,
        "ip_share_pct": 60.0,
        "reg_date": pd.Timestamp("2023-08-28"),
        "first_invention": True,
    }
    return row | values


def run(policy: Policy, *rows: dict) -> calc.Result:
    return calc.compute(pd.DataFrame(list(rows)), policy, LPR)


def test_beijing_actual_rate_within_the_cap():
    result = run(BEIJING, claim())
    row = result.claims.iloc[0]
    assert row.lpr_pct == 3.45 and row.days == 365
    assert row.award_wan == pytest.approx(800 * 0.6 * 0.046 * 0.5)  # 11.04
    assert row.award_wan == pytest.approx(11.04)
    text = calc.explain(row, BEIJING)
    assert "按实际利率4.60%×50%计2.30%" in text and "本金800万元×60%=480万元×365/365天" in text
    assert "核定11.04万元" in text


def test_beijing_rate_above_lpr_times_1_4_is_capped_at_4_83():
    row = run(BEIJING, claim(rate_pct=5.50)).claims.iloc[0]
    assert row.rate_used_pct == pytest.approx(4.83)
    assert row.award_wan == pytest.approx(11.592)
    assert "按4.83%" in calc.explain(row, BEIJING)


def test_the_disbursement_month_takes_the_lpr_published_in_that_month():
    """LPR 3.00% was published on 20 May 2025: a loan of 10 May takes it under 放款日当月, though
    3.10% was still in force on its day."""
    lpr_policy = Policy("当月", 2025, rate_basis="LPR", lpr_reference="放款日当月", share_pct=50, day_basis=360)
    row = run(
        lpr_policy, claim(loan_date=pd.Timestamp("2025-05-10"), settle_date=pd.Timestamp("2025-11-10"))
    ).claims.iloc[0]
    assert row.lpr_day == pd.Timestamp("2025-05-31") and row.lpr_pct == 3.00
    assert row.subsidy_rate_pct == pytest.approx(1.50)


def test_qingdao_contract_of_september_2024_takes_the_august_lpr():
    row = run(
        QINGDAO,
        claim(
            amount_wan=1000.0,
            ip_share_pct=100.0,
            contract_date=pd.Timestamp("2024-09-12"),
            loan_date=pd.Timestamp("2024-09-20"),
            settle_date=pd.Timestamp("2025-09-20"),
            reg_date=pd.Timestamp("2024-09-15"),
        ),
    ).claims.iloc[0]
    assert row.lpr_day == pd.Timestamp("2024-08-31") and row.lpr_pct == 3.35
    assert row.subsidy_rate_pct == pytest.approx(2.01)
    assert row.award_wan == pytest.approx(1000 * 0.0201 * 365 / 360)
    assert "按LPR 3.35%×60%计2.01%" in calc.explain(row, QINGDAO)


def test_two_loans_of_one_enterprise_are_capped_at_50_wan_a_year():
    big = {"amount_wan": 2000.0, "ip_share_pct": 100.0, "contract_date": pd.Timestamp("2024-09-12")}
    dates = {"loan_date": pd.Timestamp("2024-09-20"), "settle_date": pd.Timestamp("2025-09-20")}
    result = run(QINGDAO, claim(1, **big, **dates), claim(2, **big, **dates, claim_key="K2"))
    first, second = result.claims["award_wan"]
    assert first == pytest.approx(2000 * 0.0201 * 365 / 360)  # 40.76…
    assert first + second == pytest.approx(50)
    assert result.enterprises.iloc[0]["capped_by"] == ["单户年度上限"]
    assert "受单户年度上限50万元限制" in calc.explain(result.claims.iloc[1], QINGDAO)


def test_tongliang_pro_rata_halves_every_award_when_approved_is_twice_the_budget():
    policy = Policy("铜梁", 2024, share_pct=50, day_basis=360, budget_wan=50)
    # Ten enterprises, each awarded exactly 10万: 2000万 × 1% × 50% over 360 days.
    rows = [
        claim(
            n,
            uscc=f"U{n}",
            amount_wan=2000.0,
            ip_share_pct=100.0,
            rate_pct=1.0,
            loan_date=pd.Timestamp("2024-01-01"),
            settle_date=pd.Timestamp("2024-12-26"),
        )
        for n in range(10)
    ]
    result = run(policy, *rows)
    assert result.approved_total_wan == pytest.approx(100)
    assert result.proration == pytest.approx(0.5)
    assert result.claims["before_budget_wan"].iloc[0] == pytest.approx(10)
    assert result.claims["award_wan"].iloc[0] == pytest.approx(5)
    assert result.award_total_wan == pytest.approx(50)
    assert "按比例核减（系数0.5000），由10万元，核定5万元" in calc.explain(result.claims.iloc[0], policy)
    in_order = run(dataclasses.replace(policy, over_budget="按受理顺序"), *rows)
    assert list(in_order.claims["award_wan"].round(6)) == [10.0] * 5 + [0.0] * 5


def test_eligibility_registration_settlement_and_first_invention():
    policy = dataclasses.replace(QINGDAO, settled_only=True)
    dates = {"contract_date": pd.Timestamp("2023-09-25"), "reg_date": pd.Timestamp("2023-08-28")}
    rows = [
        claim(1, **dates),
        claim(2, **dates | {"reg_date": pd.Timestamp("2023-09-02")}),  # registered after the disbursement
        claim(3, **dates | {"reg_date": None}),
        claim(4, **dates, settle_date=None),
        claim(5, **dates, first_invention=False),
    ]
    result = run(policy, *rows)
    assert list(result.claims["eligible"]) == [True, False, False, False, False]
    said = [calc.reasons(r, policy) for _, r in result.claims.iterrows()]
    assert said[0] == []
    assert "质押登记生效日2023年9月2日晚于放款日2023年9月1日，本政策要求放款前完成质押登记" in said[1]
    assert said[2] == ["未填质押登记生效日，本政策要求放款前完成质押登记"]
    assert said[3] == ["贷款尚未结清，本政策仅对已结清贷款贴息"]
    assert said[4][0].startswith("质押物中没有首次质押的发明专利")
    assert result.claims.loc[1:, "award_wan"].eq(0).all()
    relaxed = dataclasses.replace(policy, registration_rule="结清前", settled_only=False)
    assert run(relaxed, rows[1]).claims.iloc[0].eligible


def test_fee_subsidies_caps_and_the_guarantee_insurance_exclusion():
    policy = Policy(
        "南沙",
        2024,
        share_pct=50,
        rate_cap_multiple=1.0,
        guarantee_pct=50,
        guarantee_cap_wan=5,
        insurance_pct=50,
        insurance_cap_wan=5,
        appraisal_pct=50,
        appraisal_cap_wan=5,
        guarantee_insurance_exclusive=True,
        loans_per_year=1,
    )
    row = claim(appraisal_fee_wan=4.0, guarantee_fee_wan=20.0, insurance_fee_wan=6.0)
    result = run(policy, row, claim(2, claim_key="K2"))
    first = result.claims.iloc[0]
    assert first.appraisal_sub_wan == pytest.approx(2.0)
    assert first.guarantee_sub_wan == pytest.approx(5.0) and first.guarantee_capped
    assert first.insurance_sub_wan == 0.0 and first.fee_excluded == "insurance"
    assert first.fee_subsidy_wan == pytest.approx(7.0)
    assert first.rate_used_pct == pytest.approx(3.45)  # 4.60% capped at LPR × 1.0
    assert first.award_wan == pytest.approx(800 * 0.6 * 0.0345 * 0.5 * 365 / 360 + 7.0)
    second = result.claims.iloc[1]
    assert second.count_capped and second.award_wan == 0
    assert "不可兼得" in calc.explain(first, policy)


def test_cumulative_cap_counts_earlier_years_and_interest_paid_bounds_the_subsidy():
    policy = dataclasses.replace(BEIJING, enterprise_year_cap_wan=None, enterprise_total_cap_wan=20)
    row = run(policy, claim(prior_awards_wan=15.0)).claims.iloc[0]
    assert row.award_wan == pytest.approx(5.0) and row.total_capped
    paid = run(BEIJING, claim(interest_paid_wan=10.0)).claims.iloc[0]
    assert paid.award_wan == pytest.approx(6.0) and paid.paid_capped  # 10万 × 60% IP share


def test_policy_parameters_round_trip_and_refuse_bad_values():
    values = to_values(QINGDAO)
    assert values["first_invention"] == "是" and values["day_basis"] == "360"
    assert from_values(values) == QINGDAO
    with pytest.raises(PolicyError, match="计息依据"):
        from_values(values | {"rate_basis": "固定"})
    with pytest.raises(PolicyError, match="贴息比例"):
        from_values(values | {"share_pct": "abc"})
    assert calc.num(1234567.5) == "1,234,567.5" and calc.num(11.04) == "11.04"
    assert calc.rate(3.0) == "3.00" and calc.rate(2.415) == "2.415" and calc.rate(4.6) == "4.60"
