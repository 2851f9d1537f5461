"""质押融资台账: the ledger, one row per pledge loan, as banks and districts send it.

A loan key (registration number, else USCC + head bank + loan date + amount) has one current row:
the one from the newest active batch. Loading marks the batch's rows current and the rows they
replace not; undoing recomputes the current row of every key the batch touched, so what it
replaced comes back exactly. The pledged numbers of each loan go to pledged_ip."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pandas as pd

from etl import normalise, unmatched
from etl.columns import Field, Kind
from etl.issues import ERROR, WARNING, ParsedFile
from etl.kinds.base import Context, FileKind
from etl.normalise import Invalid, apply_unique, to_text
from etl.rows import Collector, Rows, money
from etl.templates import ledger_template
from pledge.reference import Reference
from pledge.sql import fetch_row, fetch_value


def loan_key(
    reg_no: str | None, uscc: str | None, head_bank: str | None, loan_date: dt.date | None, amount_yuan: Decimal | None
) -> str | None:
    """A loan's identity (DOMAIN.md): its pledge registration number, or without one the USCC, head
    bank, loan date and amount to the cent. None when the row lacks what identifies it."""
    if reg_no:
        return f"R:{reg_no}"
    if uscc and head_bank and loan_date and amount_yuan:
        return f"K:{uscc}|{head_bank}|{loan_date.isoformat()}|{Decimal(amount_yuan):.2f}"
    return None


class Loans(FileKind):
    spec = Kind(
        "loans",
        "质押融资台账",
        (
            Field(
                "enterprise_name",
                "企业名称",
                ("企业名称", "出质人", "借款企业", "借款人", "出质人名称", "借款企业名称", "借款人名称", "企业"),
                True,
            ),
            Field(
                "uscc",
                "统一社会信用代码",
                (
                    "统一社会信用代码",
                    "信用代码",
                    "社会信用代码",
                    "统一信用代码",
                    "出质人统一社会信用代码",
                    "企业统一社会信用代码",
                ),
                True,
            ),
            Field(
                "district",
                "所属区县",
                ("所属区县", "区县", "所属区域", "区域", "辖区", "所属辖区", "所在区县", "所属区"),
                True,
            ),
            Field(
                "bank", "质权人", ("质权人", "贷款银行", "放款银行", "金融机构", "质权人名称", "贷款机构", "银行"), True
            ),
            Field("pledge_type", "质押物类型", ("质押物类型", "质押类型", "质物类型")),
            Field("patent_numbers", "质押专利号", ("质押专利号", "专利号", "质押物编号", "质押专利", "专利号码")),
            Field("patent_count", "质押专利件数", ("质押专利件数", "专利件数", "专利数量", "质押专利数量", "件数")),
            Field("reg_no", "质押登记号", ("质押登记号", "登记号", "质押登记编号")),
            Field("reg_date", "质押登记日", ("质押登记日", "登记日期", "登记生效日", "质押登记日期")),
            Field(
                "amount",
                "贷款金额",
                ("贷款金额", "融资金额", "质押金额", "授信金额", "质押融资金额", "放款金额", "金额"),
                True,
                money=True,
                default_unit="万元",
            ),
            Field(
                "loan_date",
                "放款日期",
                ("放款日期", "贷款发放日", "发放日期", "放款日", "贷款发放日期", "放款时间"),
                True,
            ),
            Field("term_months", "贷款期限", ("贷款期限", "期限")),
            Field("rate_pct", "年利率", ("年利率", "利率", "贷款利率", "贷款年利率")),
            Field("first_loan", "是否首贷", ("是否首贷", "首贷", "是否首次贷款", "首贷户")),
            Field("subsidy", "贴息金额", ("贴息金额", "贴息"), money=True, default_unit="万元"),
        ),
        signature=("uscc", "loan_date", "bank"),
    )
    rebuilds_rollups = True
    template_name = "质押融资台账模板"

    def normalise(self, parsed: ParsedFile, rows: Rows, c: Collector, context: Context) -> None:
        reference, today = context.reference, context.today
        known = "、".join(d.name for d in reference.districts)

        def district(value):
            code = reference.district_code(to_text(value)) if value is not None else None
            if code is None:
                raise Invalid(
                    f"区县“{to_text(value)}”不在本市区县名单中（应为：{known}）" if value is not None else "区县为空"
                )
            return code

        def bank(value):
            text = to_text(value)
            if not text:
                raise Invalid("质权人（贷款银行）为空")
            return text

        def loan_date(value):
            day = normalise.date(value)
            if day.year < 2000 or day > today + dt.timedelta(days=366):
                raise Invalid(f"放款日期{day.isoformat()}不在合理范围内")
            return day

        n = len(rows)
        name = c.column("enterprise_name", normalise.enterprise_name)
        uscc = c.column("uscc", normalise.uscc)
        district_code = c.column("district", district)
        bank_raw = c.column("bank", bank)
        head_bank, _ = apply_unique(bank_raw, lambda b: reference.head_bank(b) if b else None)
        parsed.unmatched += unmatched.names(rows, district_code, head_bank, set(reference.banks))
        amount = money(rows, c, parsed, self.spec.field("amount"), normalise.positive_money_yuan)
        day = c.column("loan_date", loan_date)
        reg_no = c.column("reg_no", normalise.registration_no)
        reg_date = c.column("reg_date", normalise.optional_date)
        ptype = c.column("pledge_type", normalise.pledge_type)
        count = c.column("patent_count", normalise.optional_count)
        term = c.column("term_months", normalise.optional_count)
        rate = c.column("rate_pct", normalise.optional_rate)
        first = c.column("first_loan", normalise.yes_no) if "first_loan" in rows.cells else [False] * n
        subsidy = (
            money(rows, c, parsed, self.spec.field("subsidy"), normalise.optional_money_yuan)
            if "subsidy" in rows.cells
            else [None] * n
        )
        patents: list[list[tuple[str, str]]] = [[] for _ in range(n)]
        if "patent_numbers" in rows.cells:
            pairs = list(zip(rows.cells["patent_numbers"], ptype))
            found, failures = apply_unique(pairs, lambda p: normalise.patent_numbers(*p))
            for i, message in failures.items():
                c.add(ERROR, i, "patent_numbers", message, pairs[i][0])
            patents = [p or [] for p in found]

        keys: list[str | None] = []
        seen: dict[str, int] = {}
        for i in range(n):
            if day[i] and day[i] > today:
                c.add(WARNING, i, "loan_date", "放款日期晚于今天，请核对", rows.cells["loan_date"][i])
            if amount[i] and amount[i] > Decimal(1_000_000_000):
                c.add(WARNING, i, "amount", "单笔金额超过10亿元，请核对金额单位", rows.cells["amount"][i])
            listed = [t for _, t in patents[i]]
            if count[i] is not None and patents[i] and count[i] != len(patents[i]):
                c.add(
                    WARNING,
                    i,
                    "patent_count",
                    f"填报件数{count[i]}件，但列出了{len(patents[i])}个专利号",
                    rows.cells["patent_count"][i],
                )
            if ptype[i] in ("发明专利", "实用新型", "外观设计") and any(t != ptype[i] for t in listed):
                others = "、".join(sorted({t for t in listed if t != ptype[i]}))
                c.add(WARNING, i, "pledge_type", f"填报为{ptype[i]}，但专利号显示含有{others}", ptype[i])
            key = loan_key(reg_no[i], uscc[i], head_bank[i], day[i], amount[i])
            if key is not None:
                if key in seen:
                    j = seen[key]
                    what = "质押登记号相同" if key.startswith("R:") else "企业、银行、放款日期和金额都相同"
                    c.add(WARNING, i, None, f"与第{rows.row[j]}行是同一笔贷款（{what}），以本行为准")
                seen[key] = i
            keys.append(key)

        frame = pd.DataFrame(
            {
                "source_sheet": rows.sheet,
                "source_row": rows.row,
                "loan_key": keys,
                "reg_no": reg_no,
                "reg_date": pd.to_datetime(pd.Series(reg_date, dtype=object)),
                "uscc": uscc,
                "enterprise_name": name,
                "district_code": district_code,
                "bank": head_bank,
                "bank_raw": bank_raw,
                "pledge_type": ptype,
                "patent_count": pd.array(count, dtype="Int64"),
                "amount_cents": pd.array([None if a is None else int(a * 100) for a in amount], dtype="Int64"),
                "loan_date": pd.to_datetime(pd.Series(day, dtype=object)),
                "term_months": pd.array(term, dtype="Int64"),
                "rate_pct": pd.array([None if r is None else float(r) for r in rate], dtype="Float64"),
                "first_loan": pd.array(first, dtype="boolean"),
                "subsidy_cents": pd.array([None if s is None else int(s * 100) for s in subsidy], dtype="Int64"),
            }
        )
        # What tells an updated loan from an unchanged one: every normalised value and its patents.
        values = frame.drop(columns=["source_sheet", "source_row"]).assign(
            patents=["、".join(f"{no}:{t}" for no, t in p) for p in patents]
        )
        frame["row_hash"] = pd.util.hash_pandas_object(values, index=False).map("{:016x}".format)
        parsed.frame = frame
        parsed.patents = pd.DataFrame(
            [(i, no, t) for i, plist in enumerate(patents) for no, t in plist],
            columns=["row", "patent_no", "patent_type"],
        )

    def count(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> dict:
        return _count_loans(con, parsed.table)

    def load(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
        return _load_loans(con, parsed, batch_id)

    def undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        con.execute("CREATE TEMP TABLE touched AS SELECT DISTINCT loan_key FROM loans WHERE batch_id = ?", [batch_id])
        con.execute(
            "UPDATE loans SET is_current = false WHERE is_current AND loan_key IN (SELECT loan_key FROM touched)"
        )
        con.execute(
            """UPDATE loans SET is_current = true WHERE loan_id IN (
                   SELECT max(l.loan_id) FROM loans l JOIN batches b ON b.id = l.batch_id
                   WHERE b.status = 'active' AND l.loan_key IN (SELECT loan_key FROM touched)
                   GROUP BY l.loan_key)"""
        )
        con.execute("DROP TABLE touched")

    def preview(self, parsed: ParsedFile, reference: Reference, limit: int = 20) -> pd.DataFrame:
        frame = parsed.table.head(limit)
        patents = parsed.patent_table[parsed.patent_table["row"] < limit]
        listed = patents.groupby("row")["patent_no"].agg("、".join) if len(patents) else pd.Series(dtype=str)
        return pd.DataFrame(
            {
                "工作表": frame["source_sheet"],
                "行号": frame["source_row"],
                "企业名称": frame["enterprise_name"],
                "统一社会信用代码": frame["uscc"],
                "区县": frame["district_code"].map(reference.district_names),
                "质权人": frame["bank"],
                "文件中的银行": frame["bank_raw"],
                "贷款金额(万元)": frame["amount_cents"].astype("Float64") / 1_000_000,
                "放款日期": frame["loan_date"].dt.date,
                "首贷": frame["first_loan"].map({True: "是", False: "否"}),
                "质押物类型": frame["pledge_type"],
                "质押专利号": [listed.get(i) for i in range(len(frame))],
                "质押登记号": frame["reg_no"],
            }
        )

    def year_of(self, parsed: ParsedFile) -> int | None:
        return int(parsed.table["loan_date"].dt.year.max())

    def template(self, districts: list[str], year: int) -> bytes:
        return ledger_template(districts, year)


def _load_loans(con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
    frame = parsed.table
    last = frame.drop_duplicates("loan_key", keep="last")  # inside a file the later row wins
    first_id = fetch_value(con, "SELECT coalesce(max(loan_id), 0) + 1 FROM loans")
    staged = last.assign(loan_id=range(first_id, first_id + len(last)))
    for optional in ("source", "rate_text"):
        if optional not in staged:
            staged[optional] = pd.Series([None] * len(staged), index=staged.index, dtype=object)
    patents = parsed.patent_table.merge(staged[["loan_id"]], left_on="row", right_index=True)
    counts = _count_loans(con, frame)
    con.register("staged", staged)
    con.register("staged_patents", patents)
    try:
        con.execute(
            "UPDATE loans SET is_current = false WHERE is_current AND loan_key IN (SELECT loan_key FROM staged)"
        )
        con.execute(
            """INSERT INTO loans
               SELECT loan_id, ?, loan_key, row_hash, true, reg_no, reg_date::DATE, uscc, enterprise_name,
                      district_code, bank, bank_raw, pledge_type, patent_count,
                      amount_cents::DECIMAL(18, 2) / 100, loan_date::DATE, term_months, rate_pct,
                      first_loan, subsidy_cents::DECIMAL(18, 2) / 100, source_sheet, source_row,
                      source, rate_text
               FROM staged""",
            [batch_id],
        )
        con.execute("INSERT INTO pledged_ip SELECT loan_id, patent_no, patent_type FROM staged_patents")
    finally:
        con.unregister("staged")
        con.unregister("staged_patents")
    return counts


def _count_loans(con: duckdb.DuckDBPyConnection, frame) -> dict:
    """New keys, keys whose values changed, and rows that change nothing (repeats in the file too)."""
    last = frame.drop_duplicates("loan_key", keep="last")[["loan_key", "row_hash"]]
    con.register("incoming", last)
    try:
        new, updated, unchanged = fetch_row(
            con,
            """SELECT count(*) FILTER (WHERE cur.loan_key IS NULL),
                      count(*) FILTER (WHERE cur.row_hash <> s.row_hash),
                      count(*) FILTER (WHERE cur.row_hash = s.row_hash)
               FROM incoming s LEFT JOIN (SELECT loan_key, row_hash FROM loans WHERE is_current) cur USING (loan_key)""",
        )
    finally:
        con.unregister("incoming")
    return {"new": new, "updated": updated, "duplicate": unchanged + len(frame) - len(last)}


KIND = Loans()
