"""`python -m etl suspects | merge | keep | withdraw`: near duplicates and corrections of single loans."""

from __future__ import annotations

import argparse
import json

from etl import corrections
from etl.issues import LoadRefused
from pledge import suspects
from pledge.store import Store


def cmd_suspects(args, store: Store) -> int:
    with store.read() as con:
        groups = suspects.suspect_groups(con, args.year)
    if args.json:
        keep = ("id", "uscc", "name", "bank", "loan_date", "amount_wan", "batch")
        print(
            json.dumps(
                [{"reason": g["reason"], "loans": [{k: loan[k] for k in keep} for loan in g["loans"]]} for g in groups],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not groups:
        print("没有疑似重复的贷款")
        return 0
    for n, group in enumerate(groups, start=1):
        print(f"第{n}组：{group['reason']}")
        for loan in group["loans"]:
            print(
                f"  编号{loan['id']:>6}  {loan['name']}  {loan['bank']}  {loan['loan_date']}  "
                f"{loan['amount_wan']:,.2f}万元  登记号{loan['reg_no'] or '—'}  第{loan['batch']}批（{loan['file_name']}）"
            )
    print(f"共{len(groups)}组。合并：python -m etl merge 保留编号 其他编号；确认不是重复：python -m etl keep 编号 编号")
    return 0


def _act(action, said) -> int:
    """Run one correction; print what it did, or why it was refused (exit 1)."""
    try:
        done = action()
    except LoadRefused as refused:
        print(f"✘ {refused}")
        return 1
    print(f"✔ {said(done)}")
    return 0


def cmd_merge(args, store: Store) -> int:
    return _act(
        lambda: corrections.merge_loans(store, args.ids[0], args.ids[1:], user=args.user),
        lambda batch: f"已合并：保留编号{args.ids[0]}，撤回{len(args.ids) - 1}笔（第{batch}批，可撤销）",
    )


def cmd_keep(args, store: Store) -> int:
    return _act(
        lambda: corrections.keep_apart(store, args.ids, user=args.user),
        lambda _: f"已确认编号{'、'.join(map(str, args.ids))}是不同的贷款，不再列为疑似重复",
    )


def cmd_withdraw(args, store: Store) -> int:
    return _act(
        lambda: corrections.withdraw_loans(store, [args.id], args.reason, user=args.user),
        lambda batch: f"已撤回编号{args.id}的贷款（第{batch}批，可撤销）",
    )


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("suspects", parents=[common], help="疑似重复的贷款（同一企业、银行、金额，日期相近）")
    p.add_argument("--year", type=int, help="只列出该年的贷款")
    p.add_argument("--json", action="store_true", help="输出JSON：分组列表")
    p.set_defaults(func=cmd_suspects)

    p = sub.add_parser("merge", parents=[common], help="合并疑似重复：保留第一个编号，撤回其余")
    p.add_argument("ids", nargs="+", type=int, metavar="ID")
    p.add_argument("--user", help="操作人（默认当前登录名）")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("keep", parents=[common], help="确认几笔贷款不是重复，不再列出")
    p.add_argument("ids", nargs="+", type=int, metavar="ID")
    p.add_argument("--user", help="操作人（默认当前登录名）")
    p.set_defaults(func=cmd_keep)

    p = sub.add_parser("withdraw", parents=[common], help="撤回一笔贷款（记为一批，可撤销）")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("--reason", required=True, help="撤回原因")
    p.add_argument("--user", help="操作人（默认当前登录名）")
    p.set_defaults(func=cmd_withdraw)
