"""融资需求 (financing demands) with the bank's feedback: who asked for how much, when, from which
event, which bank it was pushed to and when, and what the bank answered (受理 / 授信 / 放款 /
未通过 + 原因, 授信金额). A demand is an enterprise and its registration date: the same file sent
again with the banks' feedback filled in replaces the earlier rows. Whether a loan followed is
not typed in here: the funnel matches the ledger (pledge/metrics/outreach.py)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from etl import normalise
from etl.columns import Field, Kind
from etl.issues import WARNING, ParsedFile
from etl.kinds import outreach_cells as cells
from etl.kinds.base import Context, FileKind
from etl.kinds.outreach_cells import insert_frame
from etl.normalise import Invalid
from etl.rows import Collector, Rows, money
from pledge.reference import Reference


def demand_key(uscc: str, day: dt.date) -> str:
    return f"{uscc}|{day.isoformat()}"


class Demands(FileKind):
    spec = Kind(
        "demands",
        "融资需求",
        (
            Field("name", "企业名称", ("企业名称", "企业", "需求企业", "企业名字"), True),
            Field("uscc", "统一社会信用代码", ("统一社会信用代码", "信用代码", "社会信用代码"), True),
            Field("district", "所属区县", ("所属区县", "区县", "所属区域", "辖区")),
            Field(
                "amount",
                "需求金额",
                ("需求金额", "融资需求金额", "融资需求", "拟融资金额", "需求资金"),
                money=True,
                default_unit="万元",
            ),
            Field("term_months", "期望期限", ("期望期限", "需求期限", "期望贷款期限", "融资期限")),
            Field("demand_date", "登记日期", ("登记日期", "需求登记日期", "登记时间", "提出日期", "需求日期"), True),
            Field("event", "来源活动", ("来源活动", "对接活动", "活动来源", "需求来源")),
            Field("bank", "推送银行", ("推送银行", "对接银行", "推送机构", "承接银行")),
            Field("push_date", "推送日期", ("推送日期", "推送时间")),
            Field("feedback", "银行反馈", ("银行反馈", "反馈结果", "对接结果", "反馈情况", "银行反馈结果")),
            Field("reason", "未通过原因", ("未通过原因", "原因", "反馈说明", "未通过理由")),
            Field("feedback_date", "反馈日期", ("反馈日期", "反馈时间")),
            Field("credit", "授信金额", ("授信金额", "授信额度", "批复金额"), money=True, default_unit="万元"),
        ),
        signature=("uscc", "demand_date", "amount"),
        record_fields=("amount", "bank", "feedback", "push_date"),
    )
    template_name = "融资需求模板"

    def normalise(self, parsed: ParsedFile, rows: Rows, collector: Collector, context: Context) -> None:
        reference, today = context.reference, context.today

        def day(value, label: str, required: bool = False):
            if normalise.is_blank(value):
                if required:
                    raise Invalid(f"{label}为空")
                return None
            found = normalise.date(value)
            settled = normalise.settled(found)
            if settled.year < 2000 or settled > today:
                raise Invalid(f"{label}{settled.isoformat()}不在合理范围内（不能晚于今天）")
            return found

        n = len(rows)
        names = collector.column("name", normalise.enterprise_name)
        codes = collector.column("uscc", normalise.uscc)
        districts = collector.column("district", lambda v: cells.district_of(reference, v))
        amount = (
            money(rows, collector, parsed, self.spec.field("amount"), normalise.optional_money_yuan)
            if "amount" in rows.cells
            else [None] * n
        )
        credit = (
            money(rows, collector, parsed, self.spec.field("credit"), normalise.optional_money_yuan)
            if "credit" in rows.cells
            else [None] * n
        )
        term = collector.column("term_months", normalise.term_months, soft=True)
        demand_date = collector.column("demand_date", lambda v: day(v, "登记日期", True))
        push_date = collector.column("push_date", lambda v: day(v, "推送日期"))
        feedback_date = collector.column("feedback_date", lambda v: day(v, "反馈日期"), soft=True)
        event = collector.column("event", cells.optional_text)
        bank_raw = collector.column("bank", cells.optional_text)
        bank = [reference.head_bank(b) if b else None for b in bank_raw]
        answer = collector.column("feedback", cells.feedback)
        reason = collector.column("reason", cells.optional_text, soft=True)
        for i in range(n):
            if demand_date[i] and push_date[i] and push_date[i] < demand_date[i]:
                collector.add(WARNING, i, "push_date", "推送日期早于登记日期，请核对", push_date[i].isoformat())
            if push_date[i] and not bank[i]:
                collector.add(WARNING, i, "bank", "有推送日期但未填推送银行，按未推送计")
                push_date[i] = None
            if bank[i] and not push_date[i] and demand_date[i]:
                collector.add(WARNING, i, "push_date", "未填推送日期，按登记日期计")
                push_date[i] = demand_date[i]
            if answer[i] and answer[i][0] == "未通过" and not reason[i] and not answer[i][1]:
                collector.add(WARNING, i, "feedback", "未通过但未写原因，建议补充（如“未通过：经营年限不足”）")
        keys: dict[str, int] = {}
        for i in range(n):
            if codes[i] and demand_date[i]:
                key = demand_key(codes[i], demand_date[i])
                if key in keys:
                    collector.add(
                        WARNING, i, "uscc", f"与第{rows.row[keys[key]]}行是同一企业同一天的需求，按本行导入", codes[i]
                    )
                keys[key] = i
        kept = sorted(keys.values())
        parsed.frame = pd.DataFrame(
            {
                "demand_key": [demand_key(codes[i], demand_date[i]) for i in kept],
                "uscc": [codes[i] for i in kept],
                "enterprise_name": [names[i] for i in kept],
                "district_code": [districts[i] for i in kept],
                "amount_yuan": [amount[i] for i in kept],
                "term_months": pd.array([term[i] for i in kept], dtype="Int64"),
                "demand_date": [demand_date[i] for i in kept],
                "event_name": [event[i] for i in kept],
                "bank": [bank[i] for i in kept],
                "push_date": [push_date[i] for i in kept],
                "feedback": [answer[i][0] if answer[i] else None for i in kept],
                "feedback_reason": [reason[i] or (answer[i][1] if answer[i] else None) for i in kept],
                "feedback_date": [feedback_date[i] for i in kept],
                "credit_yuan": [credit[i] for i in kept],
                "source_sheet": [rows.sheet[i] for i in kept],
                "source_row": [rows.row[i] for i in kept],
            }
        )

    def count(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> dict:
        frame = parsed.table
        known = {r[0] for r in con.execute("SELECT demand_key FROM v_outreach_demands").fetchall()}
        new = sum(k not in known for k in frame["demand_key"])
        return {"new": new, "updated": len(frame) - new, "duplicate": 0}

    def load(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
        counts = self.count(con, parsed)
        frame = parsed.table.assign(batch_id=batch_id)
        for column in ("amount_yuan", "credit_yuan"):  # Decimals in an object column: DuckDB reads floats
            frame[column] = frame[column].map(lambda v: None if v is None else float(v))
        insert_frame(con, "outreach_demands", frame)
        return counts

    def undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        pass  # v_outreach_demands reads active batches only

    def preview(self, parsed: ParsedFile, reference: Reference, limit: int = 20) -> pd.DataFrame:
        frame = parsed.table.head(limit)

        def wan(values: pd.Series) -> pd.Series:
            return values.map(lambda v: None if v is None else round(float(v) / 10_000, 2))

        return pd.DataFrame(
            {
                "企业名称": frame["enterprise_name"],
                "统一社会信用代码": frame["uscc"],
                "所属区县": frame["district_code"].map(lambda c: reference.district_names.get(c, "—")),
                "需求金额(万元)": wan(frame["amount_yuan"]),
                "登记日期": frame["demand_date"],
                "来源活动": frame["event_name"],
                "推送银行": frame["bank"],
                "推送日期": frame["push_date"],
                "银行反馈": frame["feedback"],
                "未通过原因": frame["feedback_reason"],
                "授信金额(万元)": wan(frame["credit_yuan"]),
            }
        )

    def template(self, districts: list[str], year: int) -> bytes:
        from etl.templates_outreach import demands_template

        return demands_template(districts, year)


KIND = Demands()
