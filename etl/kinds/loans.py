"""质押融资台账: the ledger, one row per pledge loan, as banks and districts send it.

A loan key (registration number, else USCC + head bank + loan date + amount) has one current row:
the one from the newest active batch. Loading marks the batch's rows current and the rows they
replace not; undoing recomputes the current row of every key the batch touched, so what it
replaced comes back exactly. The pledged numbers of each loan go to pledged_ip."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Any

import duckdb
import pandas as pd

from etl import identity, normalise, reports, unmatched
from etl.columns import Field, Kind
from etl.issues import ERROR, WARNING, LoadRefused, ParsedFile
from etl.kinds import cells
from etl.kinds.base import Context, FileKind
from etl.normalise import Invalid, apply_unique, to_text
from etl.reports import as_chosen
from etl.rows import Collector, Rows, money, unit_for
from etl.templates import ledger_template
from pledge import versions
from pledge.reference import Reference
from pledge.sql import fetch_value

# Columns added after the first ledgers were loaded: they count in a row's hash only where filled,
# so that a file loaded before them is "unchanged" when it comes again.
LATER_COLUMNS = ("rate_text", "maturity_date", "balance_cents", "risk_class")
RISK_CLASSES = ("正常", "关注", "次级", "可疑", "损失")

# Above this a "loan" is a unit mistake: the largest IP pledge loans in China are a few 亿元.
MAX_LOAN_YUAN = Decimal(5_000_000_000)


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


def _date_problem(day: dt.date, today: dt.date, parsed: ParsedFile) -> tuple[str, str] | None:
    """A loan date after the period the file names or after today is an error (one typo must not
    move the dashboard's as-of date); before the period it is allowed (cumulative files carry
    earlier months), except in an earlier year than a one-month report (a warning)."""
    if parsed.period is not None:
        start, end = parsed.period
        label = parsed.period_label or ""
        if str(start.year) not in label:  # "1-9月累计": say which year was understood
            label = f"{label}，即{start.isoformat()}至{end.isoformat()}"
        where = f"（{label}，见{parsed.period_origin}）"
        if day > end:
            return (
                ERROR,
                f"放款日期{day.isoformat()}晚于文件所报期间{where}，请核对日期；如期间写错，请改正标题或文件名",
            )
        single_month = (start.year, start.month) == (end.year, end.month)
        if single_month and day.year < start.year:
            return WARNING, f"放款日期{day.isoformat()}早于文件所报期间{where}且不在同一年，请核对年份"
    if day > today:
        return ERROR, f"放款日期{day.isoformat()}晚于今天（{today.isoformat()}），请核对日期"
    return None


class Loans(FileKind):
    spec = Kind(
        "loans",
        "质押融资台账",
        (
            # Aliases in order of preference: when two columns could be the field, the earlier wins.
            Field(
                "enterprise_name",
                "企业名称",
                (
                    "企业名称",
                    "出质人",
                    "借款企业",
                    "借款人",
                    "出质人名称",
                    "借款企业名称",
                    "借款人名称",
                    "客户名称",
                    "借款主体",
                    "企业",
                ),
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
                sheet_named=True,
            ),
            Field(
                "bank",
                "质权人",
                (
                    "质权人",
                    "贷款银行",
                    "放款银行",
                    "金融机构",
                    "质权人名称",
                    "贷款机构",
                    "放款机构",
                    "贷款行",
                    "经办行",
                    "经办支行",
                    "机构名称",
                    "银行",
                ),
                True,
                sheet_named=True,
            ),
            Field("pledge_type", "质押物类型", ("质押物类型", "质押类型", "质物类型")),
            Field("patent_numbers", "质押专利号", ("质押专利号", "专利号", "质押物编号", "质押专利", "专利号码")),
            Field("patent_count", "质押专利件数", ("质押专利件数", "专利件数", "专利数量", "质押专利数量", "件数")),
            Field("reg_no", "质押登记号", ("质押登记号", "登记号", "质押登记编号")),
            Field("reg_date", "质押登记日", ("质押登记日", "登记日期", "登记生效日", "质押登记日期")),
            Field(
                "amount",
                "贷款金额",
                ("放款金额", "实际发放金额", "贷款金额", "发放金额", "融资金额", "质押融资金额", "质押金额", "金额"),
                True,
                money=True,
                default_unit="万元",
                fallback=("授信金额",),
                fallback_warning="授信金额是授信额度而非贷款，未找到放款金额列，暂按授信金额计，请核对",
            ),
            Field(
                "loan_date",
                "放款日期",
                ("放款日期", "贷款发放日", "发放日期", "放款日", "贷款发放日期", "放款时间"),
                True,
            ),
            Field("term_months", "贷款期限", ("贷款期限", "期限")),
            Field("rate_pct", "年利率", ("年利率", "利率", "贷款利率", "贷款年利率")),
            Field("first_loan", "是否首贷", ("是否首贷", "首贷", "是否首次贷款", "首贷户", "客户类型")),
            Field("subsidy", "贴息金额", ("贴息金额", "贴息"), money=True, default_unit="万元"),
            Field("enterprise_type", "企业类型", ("企业类型", "主体类型", "市场主体类型", "企业性质")),
            # 贷后 (optional): an explicit maturity, the outstanding balance, the five-tier class.
            Field("maturity_date", "到期日", ("到期日", "贷款到期日", "到期日期", "贷款到期日期")),
            Field("balance", "贷款余额", ("贷款余额", "余额", "贷款余额(万元)"), money=True, default_unit="万元"),
            Field("risk_class", "五级分类", ("五级分类", "风险分类", "贷款五级分类", "贷款分类")),
        ),
        signature=("uscc", "loan_date", "bank"),
        record_fields=("enterprise_name", "uscc", "loan_date", "reg_no", "patent_numbers"),
    )
    rebuilds_rollups = True
    template_name = "质押融资台账模板"
    period_field = "loan_date"

    def normalise(self, parsed: ParsedFile, rows: Rows, c: Collector, context: Context) -> None:
        reference, today = context.reference, context.today

        def loan_date(value):
            found = normalise.date(value)
            day = normalise.settled(found)
            if day.year < 2000 or day > today + dt.timedelta(days=366):
                raise Invalid(f"放款日期{day.isoformat()}不在合理范围内")
            return found

        n = len(rows)
        name = c.column("enterprise_name", normalise.enterprise_name)
        district_code = c.column("district", partial(cells.district_code, reference))
        kind = c.column("enterprise_type", to_text)
        uscc = c.column("uscc", normalise.enterprise_id, tags=list(zip(name, district_code, kind)))
        bank_raw = c.column("bank", cells.bank_name)
        head_bank, _ = apply_unique(bank_raw, lambda b: reference.head_bank(b) if b else None)
        parsed.unmatched += unmatched.names(rows, district_code, head_bank, set(reference.banks))
        amount = money(rows, c, parsed, self.spec.field("amount"), normalise.positive_money_yuan)
        day = c.column("loan_date", loan_date)
        reg_no = c.column("reg_no", normalise.registration_no)
        # Columns no figure uses: an unreadable cell is a warning, never a blocked file.
        reg_date = c.column("reg_date", normalise.optional_date, soft=True)
        ptype = c.column("pledge_type", normalise.pledge_type)
        count = c.column("patent_count", normalise.optional_count, soft=True)
        term = c.column("term_months", normalise.term_months, soft=True)
        rate = c.column("rate_pct", normalise.interest_rate, soft=True)
        maturity, balance, risk = _after_loan(rows, c, parsed, self.spec, day)
        # 客户类型 says 首贷户 / 续贷户 in some banks' files and 企业 / 个体工商户 in others: only a
        # 是否首贷 column blocks on a value that is neither; under 客户类型 it is a warning, not 首贷.
        by_type = any(f == "first_loan" and h.startswith("客户类型") for (_, f), h in rows.headers.items())
        first = (
            [
                bool(x)
                for x in c.column(
                    "first_loan", normalise.yes_no, soft=by_type, soft_note="不是首贷户或续贷户，按非首贷计"
                )
            ]
            if "first_loan" in rows.cells
            else [False] * n
        )
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
        ptype = [normalise.pledge_type_of(t, p) for t, p in zip(ptype, patents)]  # 专利权: as its numbers show

        keys: list[str | None] = []
        for i in range(n):
            late = _date_problem(day[i], today, parsed) if day[i] else None
            if late:
                c.add(late[0], i, "loan_date", late[1], rows.cells["loan_date"][i])
            if amount[i] and amount[i] > MAX_LOAN_YUAN:
                c.add(
                    ERROR,
                    i,
                    "amount",
                    f"单笔金额{amount[i] / 100_000_000:,.2f}亿元，超过50亿元，不会是一笔知识产权质押贷款，"
                    "请核对金额单位（元还是万元）",
                    rows.cells["amount"][i],
                )
            elif amount[i] and amount[i] > Decimal(1_000_000_000):
                c.add(WARNING, i, "amount", "单笔金额超过10亿元，请核对金额单位", rows.cells["amount"][i])
            listed = [t for _, t in patents[i]]
            if ptype[i] in ("发明专利", "实用新型", "外观设计") and any(t != ptype[i] for t in listed):
                others = "、".join(sorted({t for t in listed if t != ptype[i]}))
                c.add(WARNING, i, "pledge_type", f"填报为{ptype[i]}，但专利号显示含有{others}", ptype[i])
            keys.append(loan_key(reg_no[i], uscc[i], head_bank[i], day[i], amount[i]))

        # One loan over several rows, one patent a row (its other cells merged or repeated): the
        # rows agree on everything but the patents, and make one loan with all of them.
        loan_values = list(
            zip(
                name,
                uscc,
                district_code,
                bank_raw,
                head_bank,
                amount,
                day,
                reg_no,
                reg_date,
                term,
                rate,
                first,
                subsidy,
            )
        )
        group_rows: dict[int, list[int]] = {}
        absorbed: set[int] = set()
        seen: dict[str, int] = {}
        for i, key in enumerate(keys):
            if key is None:
                continue
            j = seen.get(key)
            if j is not None and loan_values[i] == loan_values[j] and patents[i] != patents[j]:
                group_rows.setdefault(j, [j]).append(i)
                absorbed.add(i)
                patents[j] = list(dict.fromkeys([*patents[j], *patents[i]]))
                continue
            if j is not None:
                what = "质押登记号相同" if key.startswith("R:") else "企业、银行、放款日期和金额都相同"
                c.add(WARNING, i, None, f"与第{rows.row[j]}行是同一笔贷款（{what}），以本行为准")
            seen[key] = i
        for j, members in group_rows.items():
            types = {ptype[i] for i in members if ptype[i]}
            ptype[j] = types.pop() if len(types) == 1 else ("混合" if types else None)
            # 件数 merged over the rows (the loan's), or one a row (each patent's).
            counts = [count[i] for i in members if count[i] is not None]
            if len(set(counts)) > 1 or (len(counts) == len(members) and sum(counts) == len(patents[j])):
                count[j] = sum(counts)
        for i in range(n):
            if i not in absorbed and count[i] is not None and patents[i] and count[i] != len(patents[i]):
                c.add(
                    WARNING,
                    i,
                    "patent_count",
                    f"填报件数{count[i]}件，但列出了{len(patents[i])}个专利号",
                    rows.cells["patent_count"][i],
                )
        source_sheet, source_row = rows.sheet, rows.row
        if absorbed:
            kept = [i for i in range(n) if i not in absorbed]

            def keep(column: Any) -> list:
                return [column[i] for i in kept]

            source_sheet, source_row, keys, reg_no, reg_date, uscc, name = map(
                keep, (source_sheet, source_row, keys, reg_no, reg_date, uscc, name)
            )
            district_code, head_bank, bank_raw, ptype, count, amount, day = map(
                keep, (district_code, head_bank, bank_raw, ptype, count, amount, day)
            )
            term, rate, first, subsidy, patents = map(keep, (term, rate, first, subsidy, patents))
            maturity, balance, risk = map(keep, (maturity, balance, risk))

        frame = pd.DataFrame(
            {
                "source_sheet": source_sheet,
                "source_row": source_row,
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
                "rate_pct": pd.array(
                    [None if r is None or r.pct is None else float(r.pct) for r in rate], dtype="Float64"
                ),
                "rate_text": [None if r is None else r.text for r in rate],
                "first_loan": pd.array(first, dtype="boolean"),
                "subsidy_cents": pd.array([None if s is None else int(s * 100) for s in subsidy], dtype="Int64"),
                "maturity_date": pd.to_datetime(pd.Series(maturity, dtype=object)),
                "balance_cents": pd.array([None if b is None else int(b * 100) for b in balance], dtype="Int64"),
                "risk_class": pd.Series(risk, dtype=object),
            }
        )
        # What tells an updated loan from an unchanged one: every normalised value and its patents.
        # Columns added later (rate_text) count only where filled, so that a file loaded before them
        # is "unchanged" when it comes again.
        values = frame.drop(columns=["source_sheet", "source_row", *LATER_COLUMNS], errors="ignore").assign(
            patents=["、".join(f"{no}:{t}" for no, t in p) for p in patents]
        )
        hashed = pd.util.hash_pandas_object(values, index=False)
        for later in LATER_COLUMNS:
            written = frame[later].notna()
            if written.any():
                extra = pd.util.hash_pandas_object(frame.loc[written, [later]], index=False)
                hashed[written] = hashed[written] ^ extra
        frame["row_hash"] = hashed.map("{:016x}".format)
        frame["source"] = _sources(frame, rows, context, parsed.file_name)
        parsed.frame = frame
        parsed.reports = reports.reports(
            frame,
            parsed.period,
            parsed.period_label,
            parsed.period_origin,
            reports.sheet_texts(context.sheets, {}),
            parsed.file_name,
            reference,
        )
        parsed.patents = pd.DataFrame(
            [(i, no, t) for i, plist in enumerate(patents) for no, t in plist],
            columns=["row", "patent_no", "patent_type"],
        )

    def count(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> dict:
        return identity.resolve(con, parsed).counts

    def plan(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> identity.Plan:
        """What loading would do, report by report, for the preview."""
        return identity.resolve(con, parsed)

    def load(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
        return _load_loans(con, parsed, batch_id)

    def undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        versions.refresh_current(con)

    def preview(self, parsed: ParsedFile, reference: Reference, limit: int = 20) -> pd.DataFrame:
        frame = parsed.table.head(limit)
        patents = parsed.patent_table[parsed.patent_table["row"] < limit]
        listed = patents.groupby("row")["patent_no"].agg("、".join) if len(patents) else pd.Series(dtype=str)
        shown = pd.DataFrame(
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
        if "maturity_date" not in frame:
            return shown
        after = {  # 贷后 columns, shown when the file carries them
            "到期日": frame["maturity_date"].dt.date,
            "贷款余额(万元)": frame["balance_cents"].astype("Float64") / 1_000_000,
            "五级分类": frame["risk_class"],
        }
        return shown.assign(**{k: v for k, v in after.items() if v.notna().any()})

    def year_of(self, parsed: ParsedFile) -> int | None:
        return int(parsed.table["loan_date"].dt.year.max())

    def template(self, districts: list[str], year: int) -> bytes:
        return ledger_template(districts, year)


def _risk_class(value) -> str | None:
    text = to_text(value).replace(" ", "").removesuffix("类")
    if not text:
        return None
    if text not in RISK_CLASSES:
        raise Invalid(f"五级分类应为{'、'.join(RISK_CLASSES)}之一")
    return text


def _after_loan(rows: Rows, c: Collector, parsed: ParsedFile, spec: Kind, day: list) -> tuple[list, list, list]:
    """到期日, 贷款余额, 五级分类: optional and used by 贷后 only, so an unreadable cell is a warning."""
    maturity = c.column("maturity_date", normalise.optional_date, soft=True)
    units = unit_for(rows, spec.field("balance"), parsed) if "balance" in rows.cells else {}
    balance = c.column(
        "balance", normalise.optional_money_yuan, soft=True, tags=[units.get(s, "万元") for s in rows.sheet]
    )
    risk = c.column("risk_class", _risk_class, soft=True)
    for i, (start, end) in enumerate(zip(day, maturity)):
        if start and end and end <= start:
            c.add(WARNING, i, "maturity_date", "到期日不晚于放款日期，已留空，请核对", rows.cells["maturity_date"][i])
            maturity[i] = None
    return maturity, balance, risk


def _sources(frame: pd.DataFrame, rows: Rows, context: Context, file_name: str) -> pd.Series:
    """Each row's source: the bank or district its sheet speaks for (etl/reports.py)."""
    first_data: dict[str, int] = {}
    for sheet, row in zip(rows.sheet, rows.row):
        first_data.setdefault(sheet, row - 1)
    named = reports.sheet_texts(context.sheets, first_data)
    by_sheet = {}
    for sheet, part in frame.groupby("source_sheet", sort=False):
        by_sheet[sheet] = reports.source_of(
            set(part["bank"].dropna()),
            set(part["district_code"].dropna()),
            f"{named.get(str(sheet), '')} {file_name}",
            context.reference,
            bank_column=(sheet, "bank") in rows.headers,
        )
    return frame["source_sheet"].map(by_sheet)


def _load_loans(con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
    plan = identity.resolve(con, parsed)
    if plan.implausible and not parsed.accept_large:
        raise LoadRefused(plan.implausible[0])
    rows = plan.rows
    first_id = fetch_value(con, "SELECT coalesce(max(loan_id), 0) + 1 FROM loans")
    staged = rows.assign(loan_id=range(first_id, first_id + len(rows)))
    for optional in ("source", "rate_text", "maturity_date", "balance_cents", "risk_class"):
        if optional not in staged:
            staged[optional] = pd.Series([None] * len(staged), index=staged.index, dtype=object)
    patents = parsed.patent_table.merge(staged[["loan_id"]], left_on="row", right_index=True)
    carried = pd.DataFrame(
        {
            "loan_id": [staged.at[i, "loan_id"] for i in plan.carried_patents],
            "from_id": list(plan.carried_patents.values()),
        },
        dtype="Int64",
    )
    chosen = as_chosen(parsed.reports, parsed.replace_mode)
    reported = pd.DataFrame(
        {
            "source": [r.source for r in chosen],
            "period_start": [r.start for r in chosen],
            "period_end": [r.end for r in chosen],
            "replaces": [r.replaces for r in chosen],
        }
    )
    con.register("staged", staged)
    con.register("staged_patents", patents)
    con.register("carried", carried)
    con.register("reported", reported)
    try:
        con.execute(
            """INSERT INTO loans
               SELECT loan_id, ?, loan_key, row_hash, false, reg_no, reg_date::DATE, uscc, enterprise_name,
                      district_code, bank, bank_raw, pledge_type, patent_count,
                      amount_cents::DECIMAL(18, 2) / 100, loan_date::DATE, term_months, rate_pct,
                      first_loan, subsidy_cents::DECIMAL(18, 2) / 100, source_sheet, source_row,
                      source, rate_text, maturity_date::DATE, balance_cents::DECIMAL(18, 2) / 100, risk_class
               FROM staged""",
            [batch_id],
        )
        con.execute("INSERT INTO pledged_ip SELECT loan_id, patent_no, patent_type FROM staged_patents")
        con.execute(
            """INSERT INTO pledged_ip SELECT c.loan_id, p.ip_no, p.ip_type
               FROM carried c JOIN pledged_ip p ON p.loan_id = c.from_id"""
        )
        con.execute(
            "INSERT INTO batch_reports SELECT ?, source, period_start::DATE, period_end::DATE, replaces FROM reported",
            [batch_id],
        )
    finally:
        for name in ("staged", "staged_patents", "carried", "reported"):
            con.unregister(name)
    versions.refresh_current(con)
    return plan.counts


KIND = Loans()
