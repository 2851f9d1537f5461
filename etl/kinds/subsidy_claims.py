"""贴息申报表: one row per loan claimed for a year's interest subsidy, as the districts collect them.
Validated like the ledger (USCC, district, dates, amounts, patent numbers); whether the loan is in
the ledger is checked at review time and shown to the reviewer (pledge/subsidy/figures.py), never a
rejection. Versioned like targets: per (year, loan) the newest active batch counts; a claim that was
returned (退回) and arrives again is received again (已受理), and undoing that batch takes it back."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import partial

import duckdb
import pandas as pd

from etl import normalise
from etl.columns import Field, Kind
from etl.issues import ERROR, WARNING, Issue, LoadRefused, ParsedFile
from etl.kinds import cells
from etl.kinds.base import Context, FileKind
from etl.kinds.loans import MAX_LOAN_YUAN, loan_key
from etl.normalise import Invalid, to_text
from etl.rows import Collector, Rows, money
from etl.subsidy_templates import claims_template
from pledge.reference import Reference

_YEAR_RE = re.compile(r"(20\d{2})\s*年")

_RECOMPUTE_CURRENT = [
    "UPDATE subsidy_claims SET is_current = false WHERE is_current",
    """UPDATE subsidy_claims SET is_current = true
       FROM (SELECT c.year, c.claim_key, max(c.batch_id) AS batch_id
             FROM subsidy_claims c JOIN batches b ON b.id = c.batch_id
             WHERE b.status = 'active' GROUP BY c.year, c.claim_key) AS newest
       WHERE subsidy_claims.batch_id = newest.batch_id AND subsidy_claims.year = newest.year
         AND subsidy_claims.claim_key = newest.claim_key""",
]
COLUMNS = [
    "year",
    "claim_key",
    "enterprise_name",
    "uscc",
    "district_code",
    "bank",
    "bank_raw",
    "amount_yuan",
    "contract_date",
    "loan_date",
    "settle_date",
    "rate_pct",
    "interest_paid_yuan",
    "ip_share_pct",
    "reg_no",
    "reg_date",
    "ip_nos",
    "invention_nos",
    "appraisal_fee_yuan",
    "guarantee_fee_yuan",
    "insurance_fee_yuan",
    "source_sheet",
    "source_row",
]


def _share(value) -> Decimal | normalise.Guess:
    if normalise.is_blank(value):
        return normalise.Guess(Decimal(100), "未填知识产权担保占比，按纯知识产权质押（100%）计算，请核对")
    share = normalise.decimal(str(value).replace("%", "").replace("％", "") if isinstance(value, str) else value)
    if 0 < share <= 1 and not (isinstance(value, str) and "%" in value):
        share *= 100  # 0.6 written as a fraction
    if not 0 < share <= 100:
        raise Invalid("知识产权担保占比应在0到100之间（%）；纯知识产权质押填100")
    return share


def _claim_year(rows: Rows, context: Context, file_name: str, parsed: ParsedFile) -> int | None:
    years = {
        int(normalise.decimal(re.sub(r"年度?$", "", to_text(v)))) for v in rows.cells.get("year", []) if to_text(v)
    }
    if len(years) > 1:
        parsed.issues.append(Issue(ERROR, f"一个申报表只能含一个申报年度，读到{sorted(years)}"))
        return None
    if years:
        return years.pop()
    if context.year:
        return context.year
    texts = [t for sheet in context.sheets for row in sheet.rows[:3] for t in normalise.text_cells(row)]
    for text in [*texts, file_name]:
        match = _YEAR_RE.search(text)
        if match:
            return int(match.group(1))
    parsed.issues.append(
        Issue(
            ERROR,
            "无法确定申报年度：请在标题或文件名中写明（如“2025年度贴息申报表”），或加一列“申报年度”，或导入时指定年度",
        )
    )
    return None


class SubsidyClaims(FileKind):
    spec = Kind(
        "subsidy_claims",
        "贴息申报表",
        (
            Field("enterprise_name", "企业名称", ("企业名称", "申报企业", "借款企业", "借款人名称", "客户名称"), True),
            Field("uscc", "统一社会信用代码", ("统一社会信用代码", "信用代码", "社会信用代码"), True),
            Field("district", "所属区县", ("所属区县", "区县", "所属区域", "辖区"), True),
            Field("bank", "质权人", ("质权人", "贷款银行", "放款银行", "放款机构", "金融机构"), True),
            Field(
                "amount", "贷款金额", ("贷款金额", "放款金额", "实际发放金额"), True, money=True, default_unit="万元"
            ),
            Field("contract_date", "合同签订日", ("合同签订日", "合同签订日期", "借款合同签订日", "签约日期")),
            Field("loan_date", "放款日期", ("放款日期", "贷款发放日", "发放日期", "放款日"), True),
            Field("settle_date", "结清日期", ("结清日期", "还款日期", "实际还款日", "结清日")),
            Field("rate_pct", "执行年利率(%)", ("执行年利率", "执行利率", "贷款年利率", "年利率", "利率")),
            Field(
                "interest_paid",
                "实付利息",
                ("实付利息", "已付利息", "实际支付利息", "支付利息"),
                money=True,
                default_unit="万元",
            ),
            Field(
                "ip_share", "知识产权担保占比(%)", ("知识产权担保占比", "知识产权占比", "知识产权担保比例", "担保占比")
            ),
            Field("reg_no", "质押登记号", ("质押登记号", "登记号")),
            Field("reg_date", "登记生效日", ("登记生效日", "质押登记日", "登记日期")),
            Field("patent_numbers", "质押专利号", ("质押专利号", "专利号", "质押物编号")),
            Field("appraisal_fee", "评估费", ("评估费",), money=True, default_unit="万元"),
            Field("guarantee_fee", "担保费", ("担保费",), money=True, default_unit="万元"),
            Field("insurance_fee", "保险费", ("保险费", "保证保险费"), money=True, default_unit="万元"),
            Field("year", "申报年度", ("申报年度", "申报年份")),
        ),
        signature=("uscc", "interest_paid"),
        record_fields=("interest_paid", "ip_share", "settle_date"),
    )
    template_name = "贴息申报表模板"

    def normalise(self, parsed: ParsedFile, rows: Rows, c: Collector, context: Context) -> None:
        reference, today = context.reference, context.today

        def day(value):
            found = normalise.date(value)
            settled = normalise.settled(found)
            if settled.year < 2000 or settled > today:
                raise Invalid(f"日期{settled.isoformat()}不在合理范围内（不能晚于今天）")
            return found

        def optional_day(value):
            return None if normalise.is_blank(value) else day(value)

        def rate(value):
            found = normalise.settled(normalise.interest_rate(value))
            if found is not None and found.pct is None:
                raise Invalid(f"执行年利率应为数字（%），读到“{found.text}”")
            return None if found is None else found.pct

        n = len(rows)
        parsed.year = _claim_year(rows, context, parsed.file_name, parsed)
        name = c.column("enterprise_name", normalise.enterprise_name)
        code = c.column("district", partial(cells.district_code, reference))
        uscc = c.column("uscc", normalise.enterprise_id, tags=[(nm, d, None) for nm, d in zip(name, code)])
        bank_raw = c.column("bank", cells.bank_name)
        head_bank = [reference.head_bank(b) if b else None for b in bank_raw]
        amount = money(rows, c, parsed, self.spec.field("amount"), normalise.positive_money_yuan)
        contract = c.column("contract_date", optional_day)
        loan_date = c.column("loan_date", day)
        settle = c.column("settle_date", optional_day)
        rate_pct = c.column("rate_pct", rate)
        share = c.column("ip_share", _share) if "ip_share" in rows.cells else [Decimal(100)] * n
        reg_no = c.column("reg_no", normalise.registration_no)
        reg_date = c.column("reg_date", optional_day)
        fees = {}
        for key in ("interest_paid", "appraisal_fee", "guarantee_fee", "insurance_fee"):
            fees[key] = (
                money(rows, c, parsed, self.spec.field(key), normalise.optional_money_yuan)
                if key in rows.cells
                else [None] * n
            )
        patents: list[list[tuple[str, str]]] = [[] for _ in range(n)]
        for i, cell in enumerate(rows.cells.get("patent_numbers", [])):
            try:
                patents[i] = normalise.patent_numbers(cell, "混合")  # trademarks may be listed as bare numbers
            except Invalid as problem:
                c.add(ERROR, i, "patent_numbers", str(problem), cell)
        keys: list[str | None] = []
        first: dict[str, int] = {}
        for i in range(n):
            if amount[i] and amount[i] > MAX_LOAN_YUAN:
                c.add(ERROR, i, "amount", "单笔金额超过50亿元，请核对金额单位（元还是万元）", rows.cells["amount"][i])
            if settle[i] and loan_date[i] and settle[i] < loan_date[i]:
                c.add(
                    ERROR,
                    i,
                    "settle_date",
                    f"结清日期早于放款日期{loan_date[i].isoformat()}，请核对",
                    rows.cells["settle_date"][i],
                )
            if contract[i] and loan_date[i] and contract[i] > loan_date[i]:
                c.add(
                    WARNING,
                    i,
                    "contract_date",
                    f"合同签订日晚于放款日期{loan_date[i].isoformat()}，请核对",
                    rows.cells["contract_date"][i],
                )
            paid = fees["interest_paid"][i]
            if paid is not None and amount[i] and paid > amount[i]:
                c.add(ERROR, i, "interest_paid", "实付利息大于贷款金额，请核对金额单位", rows.cells["interest_paid"][i])
            this = loan_key(reg_no[i], uscc[i], head_bank[i], loan_date[i], amount[i])
            if this in first:
                c.add(ERROR, i, "enterprise_name", f"与第{rows.row[first[this]]}行是同一笔贷款，重复申报", name[i])
            elif this:
                first[this] = i
            keys.append(this)
        if parsed.errors or parsed.year is None:
            return
        parsed.frame = pd.DataFrame(
            {
                "year": parsed.year,
                "claim_key": keys,
                "enterprise_name": name,
                "uscc": uscc,
                "district_code": code,
                "bank": head_bank,
                "bank_raw": bank_raw,
                "amount_yuan": amount,
                "contract_date": contract,
                "loan_date": loan_date,
                "settle_date": settle,
                "rate_pct": rate_pct,
                "interest_paid_yuan": fees["interest_paid"],
                "ip_share_pct": share,
                "reg_no": reg_no,
                "reg_date": reg_date,
                "ip_nos": [[no for no, _ in p] for p in patents],
                "invention_nos": [[no for no, t in p if t == "发明专利"] for p in patents],
                "appraisal_fee_yuan": fees["appraisal_fee"],
                "guarantee_fee_yuan": fees["guarantee_fee"],
                "insurance_fee_yuan": fees["insurance_fee"],
                "source_sheet": rows.sheet,
                "source_row": rows.row,
            }
        )[COLUMNS]

    def count(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> dict:
        before = {
            key: (amount, loan_date)
            for key, amount, loan_date in con.execute(
                "SELECT claim_key, amount_yuan, loan_date FROM v_subsidy_claims WHERE year = ?", [parsed.year]
            ).fetchall()
        }
        keys = list(parsed.table["claim_key"])
        new = sum(k not in before for k in keys)
        return {"new": new, "updated": len(keys) - new, "duplicate": 0}

    def load(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
        counts = self.count(con, parsed)
        frame = parsed.table.copy()
        frame.insert(0, "batch_id", batch_id)
        frame.insert(3, "is_current", False)
        for column in ("contract_date", "loan_date", "settle_date", "reg_date"):
            frame[column] = pd.to_datetime(frame[column]).dt.date
        for column in (
            "amount_yuan",
            "interest_paid_yuan",
            "appraisal_fee_yuan",
            "guarantee_fee_yuan",
            "insurance_fee_yuan",
            "rate_pct",
            "ip_share_pct",
        ):
            frame[column] = frame[column].map(lambda v: None if v is None or pd.isna(v) else str(v))
        con.register("new_claims", frame)
        con.execute(
            """INSERT INTO subsidy_claims SELECT batch_id, year, claim_key, is_current, enterprise_name, uscc,
                   district_code, bank, bank_raw, amount_yuan::DECIMAL(18, 2), contract_date, loan_date, settle_date,
                   rate_pct::DECIMAL(9, 4), interest_paid_yuan::DECIMAL(18, 2), ip_share_pct::DECIMAL(7, 3), reg_no,
                   reg_date, ip_nos, invention_nos, appraisal_fee_yuan::DECIMAL(18, 2),
                   guarantee_fee_yuan::DECIMAL(18, 2), insurance_fee_yuan::DECIMAL(18, 2), source_sheet, source_row
               FROM new_claims"""
        )
        # A returned claim sent again is received again (the reviewer sees it anew).
        con.execute(
            """INSERT INTO subsidy_claim_states (year, claim_key, state, reason, user_name, changed_at, batch_id)
               SELECT s.year, s.claim_key, '已受理', ?, b.user_name, b.loaded_at, b.id
               FROM v_subsidy_claim_state s JOIN new_claims n ON n.year = s.year AND n.claim_key = s.claim_key
               JOIN batches b ON b.id = ? WHERE s.state = '退回'""",
            [f"退回后重新申报（第{batch_id}批）", batch_id],
        )
        con.unregister("new_claims")
        for statement in _RECOMPUTE_CURRENT:
            con.execute(statement)
        return counts

    def check_undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        """Approved or paid money stays explained: a batch whose claims got that far is not undone."""
        done = con.execute(
            """SELECT c.enterprise_name, s.state FROM v_subsidy_claims c JOIN v_subsidy_claim_state s USING (year, claim_key)
               WHERE c.batch_id = ? AND s.state IN ('已核定', '已拨付') ORDER BY c.source_row LIMIT 3""",
            [batch_id],
        ).fetchall()
        if done:
            named = "、".join(f"{name}（{state}）" for name, state in done)
            raise LoadRefused(f"这批申报中已有申报核定或拨付：{named}等，不能撤销；如申报有误，请导入更正后的申报表")

    def undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        con.execute("DELETE FROM subsidy_claim_states WHERE batch_id = ?", [batch_id])
        for statement in _RECOMPUTE_CURRENT:
            con.execute(statement)

    def preview(self, parsed: ParsedFile, reference: Reference, limit: int = 20) -> pd.DataFrame:
        frame = parsed.table.head(limit)

        def wan(column: str) -> list:
            return [None if v is None or pd.isna(v) else float(v) / 10_000 for v in frame[column]]

        return pd.DataFrame(
            {
                "申报年度": frame["year"],
                "企业名称": frame["enterprise_name"],
                "统一社会信用代码": frame["uscc"],
                "所属区县": [reference.district_names.get(c, c) for c in frame["district_code"]],
                "质权人": frame["bank"],
                "贷款金额(万元)": wan("amount_yuan"),
                "放款日期": frame["loan_date"],
                "结清日期": frame["settle_date"],
                "执行年利率(%)": [None if v is None else float(v) for v in frame["rate_pct"]],
                "实付利息(万元)": wan("interest_paid_yuan"),
                "知识产权担保占比(%)": [float(v) for v in frame["ip_share_pct"]],
                "质押专利号": frame["ip_nos"].map("、".join),
            }
        )

    def template(self, districts: list[str], year: int) -> bytes:
        return claims_template(districts, year)


KIND: FileKind = SubsidyClaims()
