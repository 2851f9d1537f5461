"""`python -m etl reconcile`: the year's ledgers against the CNIPA pledge registrations (登记核对)."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from pledge import formats
from pledge.metrics import registrations
from pledge.store import Store


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写作YYYY-MM-DD，读到“{text}”") from None


def cmd_reconcile(args, store: Store) -> int:
    if not store.exists():
        print(f"✘ 数据库 {store.path} 不存在，请先导入数据")
        return 1
    store.ensure_schema()
    with store.read() as con:
        if not registrations.has_registrations(con):
            if args.json:
                print(json.dumps({"year": args.year, "error": "没有质押登记数据"}, ensure_ascii=False))
            else:
                print("✘ 还没有导入质押登记数据（质押登记文件：python -m etl load 质押登记.xlsx）")
            return 1
        result = registrations.reconcile(con, args.year, args.as_of)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    as_of = dt.date.fromisoformat(result["as_of"])
    print(f"{args.year}年登记核对（截至{formats.date_cn(as_of)}）")
    print(f"  质押登记 {result['registrations']}件，匹配到登记的贷款 {result['matched_loans']}笔")
    sections = [
        ("疑似漏报（有登记、无贷款，请向质权人核实）", "unreported", ("date", "registration_no", "pledgor", "pledgee")),
        ("未见登记（有贷款、无登记）", "unregistered", ("loan_date", "loan_id", "name", "bank", "amount_wan")),
        ("反担保（质权人不是银行）", "counter_guarantee", ("date", "registration_no", "pledgor", "pledgee")),
        ("提前解除", "early_release", ("release_date", "registration_no", "name", "maturity")),
        (
            "续贷（解除后30天内重新登记）",
            "renewals",
            ("new_date", "old_registration_no", "new_registration_no", "pledgor"),
        ),
        ("质物失效（质押期间专利终止或无效）", "lapsed", ("date", "patent_no", "registration_no", "pledgor")),
    ]
    for title, key, columns in sections:
        rows = result[key]
        print(f"\n{title}：{len(rows)}条")
        for row in rows[:50]:
            print("  " + "  ".join("—" if row[c] in (None, "") else str(row[c]) for c in columns))
        if len(rows) > 50:
            print(f"  ……其余{len(rows) - 50}条从略（--json 输出全部）")
    first = result["first_pledge"]
    print(f"\n质押发明专利 {len(first)}件，其中首次质押 {sum(first.values())}件")
    return 0


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("reconcile", parents=[common], help="登记核对：台账与国家知识产权局质押登记比对")
    p.add_argument("--year", type=int, required=True, help="年度")
    p.add_argument("--as-of", type=_date, help="截至日期 YYYY-MM-DD（默认该年最近一个有贷款的月末）")
    p.add_argument("--json", action="store_true", help="输出JSON")
    p.set_defaults(func=cmd_reconcile)
