"""`python -m etl subsidy --year Y [--json]`: the year's awards under its policy, every claim treated
as submitted (before workflow states); `python -m etl lpr [--add DATE RATE]`: the 1-year LPR table."""

from __future__ import annotations

import argparse
import datetime as dt
import json

import pandas as pd

from pledge.store import Store
from pledge.subsidy import calc, figures, lpr


def _float(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def cmd_subsidy(args, store: Store) -> int:
    store.ensure_schema()
    with store.read() as con:
        done = figures.compute(con, args.year)
    if done is None:
        print(f"✘ {args.year}年没有贴息政策：请先在“贴息政策”页面填写，或导入贴息政策参数表")
        return 1
    policy, result = done
    claims = result.claims
    said = [calc.reasons(row, policy) for row in claims.itertuples(index=False)]
    if args.json:
        out = {
            "year": args.year,
            "policy": policy.name,
            "budget_wan": policy.budget_wan,
            "approved_total_wan": result.approved_total_wan,
            "paid_total_wan": result.award_total_wan,
            "proration": result.proration,
            "enterprises": [
                {
                    "uscc": e.uscc,
                    "name": e.name,
                    "district": e.district,
                    "award_wan": float(e.award_wan),
                    "capped_by": list(e.capped_by),
                }
                for e in result.enterprises.assign(
                    district=claims.groupby("uscc", sort=False)["district"].first().to_numpy()
                ).itertuples()
            ],
            "claims": [
                {
                    "row": f"{row.source_sheet}!{row.source_row}",
                    "uscc": row.uscc,
                    "loan_amount_wan": float(row.amount_wan),
                    "eligible": bool(row.eligible),
                    "rate_used": _float(row.rate_used_pct),
                    "subsidy_rate": _float(row.subsidy_rate_pct),
                    "days": int(row.days),
                    "interest_subsidy_wan": float(row.interest_subsidy_wan),
                    "fee_subsidy_wan": float(row.fee_subsidy_wan),
                    "award_wan": float(row.award_wan),
                    "reasons": reasons,
                }
                for row, reasons in zip(claims.itertuples(index=False), said)
            ],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"{args.year}年 {policy.name}：申报{len(claims)}笔，符合条件{int(claims['eligible'].sum())}笔")
    for row in claims.itertuples(index=False):
        print(
            f"  {row.enterprise_name}  {row.district}  {row.bank}  贷款{calc.num(row.amount_wan, 2)}万元  "
            f"贴息{calc.num(row.award_wan, 2)}万元"
        )
        print(f"    {calc.explain(row, policy)}")
    budget = f"，预算{calc.num(policy.budget_wan, 2)}万元" if policy.budget_wan is not None else ""
    factor = f"，按比例核减系数{result.proration:.4f}" if result.proration < 1 else ""
    print(
        f"按政策计合计{calc.num(result.approved_total_wan, 2)}万元{budget}{factor}，"
        f"核定合计{calc.num(result.award_total_wan, 2)}万元"
    )
    return 0


def cmd_lpr(args, store: Store) -> int:
    store.ensure_schema()
    if args.add:
        day, rate = dt.date.fromisoformat(args.add[0]), float(args.add[1])
        with store.write() as con:
            lpr.add(con, day, rate, args.user or "命令行")
        print(f"✔ 已记录{day.year}年{day.month}月{day.day}日起1年期LPR {rate:.2f}%")
        return 0
    with store.read() as con:
        rates = lpr.table(con)
    if args.json:
        print(
            json.dumps(
                [
                    {"from": d.date().isoformat(), "rate_pct": r}
                    for d, r in zip(rates["effective_date"], rates["rate_pct"])
                ]
            )
        )
        return 0
    for d, r in zip(rates["effective_date"], rates["rate_pct"]):
        print(f"{d.year}年{d.month}月{d.day}日起  {r:.2f}%")
    return 0


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("subsidy", parents=[common], help="按当年贴息政策计算各笔申报的贴息（全部视为已申报）")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--json", action="store_true", help="输出一个JSON对象（金额单位万元，不取整）")
    p.set_defaults(func=cmd_subsidy)

    p = sub.add_parser("lpr", parents=[common], help="1年期LPR表；--add 日期 利率 记录新公布的LPR")
    p.add_argument("--add", nargs=2, metavar=("YYYY-MM-DD", "RATE"), help="新公布的LPR，如 --add 2025-06-20 3.00")
    p.add_argument("--json", action="store_true")
    p.add_argument("--user", help="操作人")
    p.set_defaults(func=cmd_lpr)
