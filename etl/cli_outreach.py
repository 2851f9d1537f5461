"""`python -m etl funnel | whitelist`: the 政银企对接 funnel of a year and the white list (增量扩面)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from pledge import formats, whitelist_export
from pledge.metrics import outreach
from pledge.store import Store

# The JSON keys of `funnel --json` (issue 12), in order.
FUNNEL_KEYS = (
    "year",
    "events",
    "reached",
    "demands",
    "demand_amount_wan",
    "pushed",
    "credited",
    "disbursed",
    "disbursed_amount_wan",
    "first_time",
    "median_days_to_loan",
    "whitelist_size",
)


def funnel_json(found: dict, year: int) -> dict:
    median = found["median_days_to_loan"]
    return {
        "year": year,
        "events": int(found["events"]),
        "reached": int(found["reached"]),
        "demands": int(found["demands"]),
        "demand_amount_wan": round(float(found["demand_amount"]) / 10_000, 2),
        "pushed": int(found["pushed"]),
        "credited": int(found["credited"]),
        "disbursed": int(found["disbursed"]),
        "disbursed_amount_wan": round(float(found["disbursed_amount"]) / 10_000, 2),
        "first_time": int(found["first_time"]),
        "median_days_to_loan": None if median is None or math.isnan(median) else float(median),
        "whitelist_size": int(found["whitelist_size"]),
    }


def _no_data(store: Store) -> bool:
    if store.exists():
        return False
    print("数据库还没有数据：先用 python -m etl demo 生成示例数据，或用 python -m etl load 导入文件", file=sys.stderr)
    return True


def cmd_funnel(args, store: Store) -> int:
    if _no_data(store):
        return 1
    with store.read() as con:
        result = funnel_json(outreach.funnel(con, args.year), args.year)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    median = result["median_days_to_loan"]
    steps = [
        ("对接活动", formats.count(result["events"], "场"), ""),
        ("对接企业", formats.count(result["reached"], "家"), ""),
        ("融资需求", formats.count(result["demands"], "户"), formats.wan(result["demand_amount_wan"])),
        ("推送银行", formats.count(result["pushed"], "户"), ""),
        ("获得授信", formats.count(result["credited"], "户"), ""),
        ("放款", formats.count(result["disbursed"], "户"), formats.wan(result["disbursed_amount_wan"])),
        ("其中首贷", formats.count(result["first_time"], "户"), ""),
    ]
    print(f"{args.year}年政银企对接漏斗（全市）")
    print(formats.text_table(["环节", "数量", "金额"], [list(s) for s in steps]))
    print(f"需求登记到放款中位天数：{'—' if median is None else f'{median:.0f}天'}")
    print(f"白名单（潜在首贷企业）：{formats.count(result['whitelist_size'], '家')}")
    return 0


def cmd_whitelist(args, store: Store) -> int:
    if _no_data(store):
        return 1
    with store.read() as con:
        frame = outreach.whitelist(con)
    if args.out:
        Path(args.out).write_bytes(whitelist_export.workbook(frame))
        print(f"✔ 已写出 {args.out}（{len(frame)}家潜在首贷企业）")
        return 0
    shown = whitelist_export.shown(frame).head(args.top)
    rows = [[str(v) for v in r] for r in shown.iloc[:, :6].itertuples(index=False)]
    print(formats.text_table(list(shown.columns[:6]), rows))
    print(f"共{len(frame):,}家潜在首贷企业（有有效发明专利、从未有质押贷款），列出前{len(shown)}家")
    return 0


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("funnel", parents=[common], help="某年的政银企对接漏斗（活动→需求→推送→授信→放款→首贷）")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--json", action="store_true", help="输出一个JSON对象")
    p.set_defaults(func=cmd_funnel)

    p = sub.add_parser("whitelist", parents=[common], help="白名单：有发明专利、从未质押贷款的名单企业")
    p.add_argument("--top", type=int, default=30, help="列出前几家（默认30）")
    p.add_argument("--out", metavar="PATH", help="写出 .xlsx")
    p.set_defaults(func=cmd_whitelist)
