"""`python -m etl`: load spreadsheets, list and undo imports, print the year's figures, build the demo.

Results go to stdout, progress and logs to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import logging
import sys
from pathlib import Path

from etl import cli_loans, cli_outreach, cli_registrations, cli_subsidy, kinds, pipeline
from etl import load as loader
from etl.parse import ParsedFile
from etl.report import error_report_xlsx
from pledge import auth, formats, metrics, restore
from pledge.store import Store, StoreBusy, StoreUnreadable

MAX_PRINTED_ISSUES = 50


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写作YYYY-MM-DD，读到“{text}”") from None


def _print_issues(parsed: ParsedFile, severity: str, limit: int = MAX_PRINTED_ISSUES) -> None:
    issues = parsed.errors if severity == "error" else parsed.warnings
    for issue in issues[:limit]:
        print(f"    {issue}")
    if len(issues) > limit:
        print(f"    ……其余{len(issues) - limit}条未列出（用 --errors-xlsx 导出完整清单）")


def cmd_load(args, store: Store) -> int:
    failed = 0
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            print(f"✘ 未导入 {name}：文件不存在")
            failed += 1
            continue
        _log(f"正在读取 {path.name} ……")
        parsed = pipeline.parse_path(store, path, kind=args.kind, year=args.year)
        if args.errors_xlsx and parsed.issues:
            report = Path(args.errors_xlsx)
            if len(args.files) > 1:
                report = report.with_name(f"{report.stem}_{path.stem}{report.suffix}")
            report.write_bytes(error_report_xlsx(parsed))
            _log(f"问题清单已写入 {report}")
        if not parsed.ok:
            failed += 1
            print(f"✘ 未导入 {path.name}（{parsed.kind_label}）：发现{len(parsed.errors)}处错误，未导入任何数据")
            _print_issues(parsed, "error")
            continue
        parsed.replace_mode, parsed.accept_large = args.replace_mode, args.accept_large
        _print_plan(loader.plan(store, parsed))
        try:
            result = loader.load(store, parsed, user=args.user)
        except loader.LoadRefused as refused:
            failed += 1
            print(f"✘ 未导入 {path.name}：{refused}")
            continue
        if result.status == "unchanged":
            print(f"✔ 跳过 {path.name}：{result.note}")
        else:
            c = result.counts
            print(
                f"✔ 已导入 {path.name}（{parsed.kind_label}，第{result.batch_id}批）：读取{parsed.rows_read}行，"
                f"新增{c['new']}，更新{c['updated']}，重复{c['duplicate']}，"
                + (f"撤回{c['withdrawn']}，" if c.get("withdrawn") else "")
                + f"跳过{parsed.rows_skipped}行（合计、空行等）"
                + (f"；提示{len(parsed.warnings)}条" if parsed.warnings else "")
            )
        if parsed.warnings:
            _print_issues(parsed, "warning", limit=10)
    return 1 if failed else 0


def _print_plan(plan) -> None:
    """Which earlier reports a ledger replaces, and the loans it withdraws."""
    if plan is None:
        return
    for message in plan.implausible:
        print(f"  ⚠ {message}")
    for source in plan.sources:
        print(f"  {source.summary()}")
    for loan in plan.withdrawn.itertuples():
        print(
            f"    撤回：{loan.enterprise_name} {loan.loan_date:%Y-%m-%d} {loan.amount_cents / 1_000_000:,.2f}万元"
            f"（第{loan.batch_id}批，{loan.withdrawn_by}新报送中已无此笔）"
        )


def _summary_table(result: dict) -> str:
    headers = ["排名", "区县", "质押融资", "目标", "完成率", "发明专利", "惠及企业", "首贷企业", "状态"]
    rows = []
    for scope in [{"district": "全市", "rank": "", **result["city"]}, *result["districts"]]:
        rows.append(
            [
                str(scope["rank"]),
                scope["district"],
                formats.yi(scope["loan_amount_yi"]),
                formats.yi(scope["targets"]["loan_amount_yi"]),
                formats.pct(scope["completion"]["loan_amount_yi"]),
                formats.count(scope["invention_patents"], "件"),
                formats.count(scope["enterprises"], "家"),
                formats.count(scope["first_time_enterprises"], "家"),
                scope.get("status") or "—",
            ]
        )
    as_of = dt.date.fromisoformat(result["as_of"])
    title = (
        f"{result['year']}年知识产权质押融资进度（截至{formats.date_cn(as_of)}，"
        f"序时进度{formats.pct(result['time_progress'])}）"
    )
    return title + "\n" + formats.text_table(headers, rows)


def _has_data(store: Store) -> bool:
    if not store.exists():
        print(
            "数据库还没有数据：先用 python -m etl demo 生成示例数据，或用 python -m etl load 导入文件", file=sys.stderr
        )
        return False
    return True


def cmd_summary(args, store: Store) -> int:
    if not _has_data(store):
        return 1
    with store.read() as con:
        result = metrics.summary(con, args.year, args.as_of)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(_summary_table(result))
    return 0


def _batches(store: Store) -> list[dict]:
    if not store.exists():
        return []
    with store.read() as con:
        frame = metrics.import_batches(con)
    frame = frame.rename(columns={"file_name": "file", "user_name": "user"}).drop(columns=["archive_path"])
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [{k: (v.isoformat(sep=" ") if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in records]


def cmd_batches(args, store: Store) -> int:
    batches = _batches(store)
    if args.json:
        print(json.dumps(batches, ensure_ascii=False))
        return 0
    status = {"active": "有效", "undone": "已撤销"}
    rows = [
        [
            str(b["id"]),
            b["file"],
            kinds.label(b["kind"]),
            status.get(b["status"], b["status"]),
            b["loaded_at"],
            b["user"],
            str(b["rows_read"]),
            str(b["rows_new"]),
            str(b["rows_updated"]),
            str(b["rows_duplicate"]),
        ]
        for b in batches
    ]
    print(
        formats.text_table(["批次", "文件", "类型", "状态", "导入时间", "导入人", "读取", "新增", "更新", "重复"], rows)
    )
    return 0


def cmd_undo(args, store: Store) -> int:
    try:
        done = loader.undo(store, args.batch_id, user=args.user)
    except loader.LoadRefused as refused:
        print(f"✘ {refused}")
        return 1
    print(f"✔ 已撤销第{done['batch_id']}批（{done['file_name']}），它替换的记录已恢复")
    return 0


def cmd_demo(args, store: Store) -> int:
    from etl.demo import build_demo

    if store.exists():
        if store.get_meta("demo") is None:
            print("✘ 数据库中已有正式数据，不能覆盖为演示数据（请用 --db 指定另一个文件）")
            return 1
        for path in (store.path, store.path.with_name(store.path.name + ".wal")):
            path.unlink(missing_ok=True)  # a demo database is rebuilt from scratch
    _log("正在生成示例市演示数据 ……")
    summary = build_demo(store, today=args.today, seed=args.seed)
    print(f"✔ 演示数据已生成：{store.path}（{summary.get('loans', '?')}笔贷款）")
    return 0


def _read_password(confirm: bool = True) -> str:
    """From standard input when it is not a terminal (scripts pipe it), else prompted twice."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码：")
    if confirm and getpass.getpass("再输入一次：") != first:
        raise auth.AuthError("两次输入的密码不一致")
    return first


def cmd_users(args, store: Store) -> int:
    by = loader.default_user()
    try:
        if args.action == "add":
            auth.add_user(store, args.name, _read_password(), args.role, args.district, by=by)
            print(f"✔ 已添加用户 {args.name}（{auth.ROLE_LABELS[args.role]}）")
        elif args.action == "passwd":
            auth.set_password(store, args.name, _read_password(), by=by)
            print(f"✔ 已修改 {args.name} 的密码")
        elif args.action == "remove":
            auth.remove_user(store, args.name, by=by)
            print(f"✔ 已删除用户 {args.name}")
        elif args.action == "unlock":
            lifted = auth.unlock_user(store, args.name, by=by)
            print(f"✔ 已解除 {args.name} 的登录锁定" if lifted else f"✔ {args.name} 当前没有被锁定（已清零失败次数）")
        else:
            users = auth.list_users(store)
            rows = [
                [
                    u["name"],
                    auth.ROLE_LABELS[u["role"]],
                    u["district"] or "全市",
                    f"{u['last_login_at']:%Y-%m-%d %H:%M}" if u["last_login_at"] else "—",
                    f"至{u['locked_until']:%H:%M}" if u["locked_until"] else "—",
                ]
                for u in users
            ]
            print(
                formats.text_table(["用户", "角色", "范围", "最近登录", "登录锁定"], rows)
                if rows
                else "还没有用户：演示数据库以演示模式开放，其他数据库只提供“创建第一个管理员”页面"
            )
    except auth.AuthError as refused:
        print(f"✘ {refused}")
        return 1
    return 0


def cmd_bulletin(args, store: Store) -> int:
    from pledge import bulletin, issuing, render

    if not _has_data(store):
        return 1
    with store.read() as con:
        if args.month is None and args.kind != "year":
            _log("✘ 请用 --month 指定月份（季度通报为季末月份）")
            return 1
        try:
            report = bulletin.build(con, args.year, args.month or 12, args.kind)
        except ValueError as error:
            _log(f"✘ {error}")
            return 1
        head = issuing.letterhead(con)
    _log("正在生成图表 ……")
    word = bulletin.word(report, head)
    if word.missing:
        _log(f"提示：{render.advice(word.missing)}")
    if word.failure:
        _log(f"图表绘制失败：{word.failure}；本次通报不含图表")
    Path(args.out).write_bytes(word.data)
    print(f"✔ 已生成 {args.out}（{report.title}，{len(word.images)}张图表）")
    return 0


def cmd_publish(args, store: Store) -> int:
    """Publish the database as a read-only snapshot for reader processes now (the cluster script
    does this before it starts the readers; a failed automatic publish is retried the same way)."""
    from pledge import settings

    if settings.snapshot_dir() is None:
        _log("✘ 未设置 PLEDGE_SNAPSHOTS（快照目录），无法发布。")
        return 2
    if not store.exists():
        _log(f"✘ 数据库文件不存在：{store.path}")
        return 1
    print(store.publish())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="知识产权质押融资监测平台：数据导入与统计")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="DuckDB 文件（默认 data/pledge.duckdb，或环境变量 PLEDGE_DB）")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("load", parents=[common], help="导入 .xlsx/.xls/.csv 文件")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--kind", choices=list(kinds.KINDS), help="文件类型（默认按表头识别）")
    p.add_argument("--year", type=int, help="目标表的年度（默认从标题或文件名读取）")
    p.add_argument("--user", help="导入人（默认当前登录名）")
    p.add_argument("--errors-xlsx", metavar="PATH", help="把问题清单写成 .xlsx")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--replace",
        dest="replace_mode",
        action="store_const",
        const="replace",
        help="台账替换同一报送单位此前在所报期间的报送（撤回未再列出的贷款）",
    )
    mode.add_argument(
        "--add-only", dest="replace_mode", action="store_const", const="add", help="只新增和更新，不撤回任何贷款"
    )
    p.add_argument("--accept-large", action="store_true", help="金额已核对：月合计远超本市以往月份时仍然导入")
    p.set_defaults(func=cmd_load, replace_mode="auto")

    p = sub.add_parser("summary", parents=[common], help="某年的全市与各区县进度")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--as-of", type=_date, help="截至日期 YYYY-MM-DD（默认该年最后放款日）")
    p.add_argument("--json", action="store_true", help="输出一个JSON对象")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("batches", parents=[common], help="导入记录，新的在前")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_batches)

    p = sub.add_parser("undo", parents=[common], help="撤销一次导入")
    p.add_argument("batch_id", type=int, metavar="BATCH_ID")
    p.add_argument("--user", help="操作人（默认当前登录名）")
    p.set_defaults(func=cmd_undo)

    users = sub.add_parser(
        "users", aliases=["user"], help="账户：add / passwd / remove / unlock / list"
    ).add_subparsers(dest="action", required=True)
    p = users.add_parser("add", parents=[common], help="添加用户（密码从标准输入读取，或交互输入）")
    p.add_argument("name")
    p.add_argument("--role", choices=list(auth.ROLES), required=True)
    p.add_argument("--district", help="限定某一区县（viewer：只看本区县；analyst：只看本区县并办理本区县的贴息初审）")
    p.set_defaults(func=cmd_users)
    for action, text in (("passwd", "修改密码"), ("remove", "删除用户"), ("unlock", "解除连续输错密码后的登录锁定")):
        p = users.add_parser(action, parents=[common], help=text)
        p.add_argument("name")
        p.set_defaults(func=cmd_users)
    p = users.add_parser("list", parents=[common], help="列出用户")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("bulletin", parents=[common], help="生成月度（季度、年度）通报 .docx（草稿，期号空白）")
    p.add_argument("--year", type=int, required=True)
    p.add_argument(
        "--month", type=int, choices=range(1, 13), metavar="M", help="月份；季度通报为季末月份；年度通报不需要"
    )
    p.add_argument("--kind", choices=["month", "quarter", "year"], default="month", help="通报类型（默认 month）")
    p.add_argument("--out", required=True, metavar="FILE.docx")
    p.set_defaults(func=cmd_bulletin)

    p = sub.add_parser("restore", parents=[common], help="从导入前的自动备份恢复数据库")
    p.add_argument("backup", nargs="?", help="备份文件名（默认最新的一个）")
    p.add_argument("--list", action="store_true", help="列出备份，新的在前")
    p.add_argument("--yes", action="store_true", help="不再询问，直接恢复（先读一遍将发生的变化）")
    p.add_argument("--with-accounts", action="store_true", help="账户、密码和操作日志也恢复为备份时的状态")
    p.add_argument("--user", help="操作人（默认当前登录名）")
    p.set_defaults(func=cmd_restore)

    cli_loans.add_commands(sub, common)
    cli_outreach.add_commands(sub, common)
    cli_registrations.add_commands(sub, common)
    cli_subsidy.add_commands(sub, common)

    p = sub.add_parser("publish", parents=[common], help="发布只读快照供只读进程使用（需设置 PLEDGE_SNAPSHOTS）")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("demo", parents=[common], help="生成示例市演示数据")
    p.add_argument("--today", type=_date, help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=2025, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_demo)
    return parser


def cmd_restore(args, store: Store) -> int:
    backups = store.backups()
    if args.list or not backups:
        if not backups:
            print("没有备份（每次导入或撤销前会自动备份到 data/backups/）")
            return 0 if args.list else 1
        for i, path in enumerate(backups, start=1):
            print(f"{i:>3}  {path.name}" + ("" if Store.verify(path) else "  （损坏，不可恢复）"))
        return 0
    chosen: Path | None
    if args.backup:
        chosen = Path(args.backup)
    else:
        chosen = next((b for b in backups if Store.verify(b)), None)
        if chosen is None:
            print("✘ 没有完好的备份可以恢复")
            return 1
    if args.backup and not chosen.exists():
        chosen = store.backup_dir / args.backup
    if not chosen.exists():
        print(f"✘ 找不到备份 {args.backup}")
        return 1
    if not Store.verify(chosen):
        print(f"✘ 备份 {chosen.name} 已损坏，不能用来恢复；请选择其他备份（--list）")
        return 1
    told = restore.preview(store, chosen) if store.exists() else restore.Preview(False)
    print(f"将从 {chosen.name} 恢复：")
    for line in told.lines(args.with_accounts):
        print(f"  · {line}")
    if told.readable and (told.loses_anything or args.with_accounts) and not args.yes:
        if not sys.stdin.isatty():
            print("✘ 未恢复：请核对以上变化后加 --yes 确认")
            return 1
        if input("确认恢复？输入 y 确认：").strip().lower() != "y":
            print("未恢复")
            return 1
    saved = restore.restore(store, chosen, args.user or loader.default_user(), with_accounts=args.with_accounts)
    print(f"✔ 已从 {chosen.name} 恢复数据库" + (f"；恢复前的数据库已另存为 {saved.name}" if saved else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    # Our own progress notes on stderr; the libraries' chatter (the chart renderer logs every tab
    # and temp directory at INFO) only when it is a warning.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    for ours in ("pledge", "etl"):
        logging.getLogger(ours).setLevel(logging.INFO)
    args = build_parser().parse_args(argv)
    store = Store(args.db)
    try:
        return args.func(args, store)
    except (StoreBusy, StoreUnreadable) as problem:
        print(f"✘ {problem}", file=sys.stderr)
        return 1
