"""Which loan in the store each row of an incoming ledger is, and what loading it would change.

A loan keeps the key it was first seen under. A row is that loan when it has the same pledge
registration number, or the same USCC, head bank, loan date and amount (DOMAIN.md) — whichever
of the two reporters came first, so a district's row with 质押登记号 and a bank's row without are
one loan, and the registration number is attached to the bank's row. Inside a report that
replaces its source's earlier one (etl/reports.py), a row that is none of those but has the USCC
and bank of a loan the earlier report listed, with the same amount or the same date, is that loan
corrected. Whatever the earlier report listed and the new one does not is withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from etl import plausible
from etl.issues import ParsedFile
from etl.reports import Report, as_chosen, span_label

# How a row changes the loan it is, in the order a preview names them.
NEW, UNCHANGED = "新增", "未变"
AMOUNT, DATE, DISTRICT, OTHER = "金额更正", "日期更正", "区县更正", "其他更新"
CHANGES = (AMOUNT, DATE, DISTRICT, OTHER)

_CURRENT = """
    SELECT loan_id, batch_id, loan_key, reg_no, reg_date, uscc, enterprise_name, bank, district_code,
           first_loan, pledge_type,
           loan_date, (amount_yuan * 100)::BIGINT AS amount_cents, source, row_hash
    FROM v_loans
    WHERE uscc IN (SELECT uscc FROM incoming_ids) OR reg_no IN (SELECT reg_no FROM incoming_ids)
       OR source IN (SELECT source FROM incoming_ids)"""


@dataclass
class SourcePlan:
    """What one report does to its source's earlier reports."""

    report: Report
    replaced: list[tuple[int, str, str]] = field(default_factory=list)  # batch, file name, period label
    counts: dict[str, int] = field(default_factory=dict)  # change -> rows, and 撤回 -> loans withdrawn

    def summary(self) -> str:
        """'替换 江苏银行 2026年1-9月（第7批）：47笔未变，1笔金额更正，1笔撤回'"""
        parts = [f"{n}笔{what}" for what, n in self.counts.items() if n]
        head = self.report.source_label + " " + self.report.period_label
        if not self.report.replaces:
            return f"{head}：只新增和更新，不撤回未列出的贷款（{self._why_not()}）；" + "，".join(parts)
        if not self.replaced:
            return f"{head}：此前没有该来源在此期间的报送；" + "，".join(parts)
        earlier = "、".join(f"{label}（第{batch}批）" for batch, _, label in self.replaced)
        return f"替换 {self.report.source_label} {earlier}：" + "，".join(parts)

    def _why_not(self) -> str:
        if self.report.origin == "放款日期":
            return "文件未注明报送期间"
        return "文件为补报"


@dataclass
class Plan:
    rows: pd.DataFrame  # the incoming rows to store (one per loan), with loan_key resolved and `change`
    carried_patents: dict[int, int]  # incoming row index -> loan_id whose pledged numbers it keeps
    withdrawn: pd.DataFrame  # current loans the replacing reports no longer list
    sources: list[SourcePlan]
    repeated_in_file: int
    implausible: list[str] = field(default_factory=list)  # months far above the city's usual month

    @property
    def counts(self) -> dict[str, int]:
        changed = self.rows["change"]
        return {
            "new": int((changed == NEW).sum()),
            "updated": int(changed.isin(CHANGES).sum()),
            "duplicate": int((changed == UNCHANGED).sum()) + self.repeated_in_file,
            "withdrawn": len(self.withdrawn),
        }


def _amount_cents(frame: pd.DataFrame) -> pd.Series:
    return frame["amount_cents"].astype("Int64")


def _current(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    ids = pd.DataFrame(
        {
            "uscc": frame["uscc"].astype(object),
            "reg_no": frame["reg_no"].astype(object),
            "source": frame["source"].astype(object) if "source" in frame else None,
        }
    )
    con.register("incoming_ids", ids)
    try:
        current = con.execute(_CURRENT).df()
    finally:
        con.unregister("incoming_ids")
    current["loan_date"] = pd.to_datetime(current["loan_date"])
    return current


def _tuple(uscc, bank, day, cents) -> tuple:
    return (uscc, bank, pd.Timestamp(day).date() if pd.notna(day) else None, None if pd.isna(cents) else int(cents))


def resolve(con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> Plan:
    reports = as_chosen(parsed.reports, parsed.replace_mode)
    frame = parsed.table.copy()
    if "source" not in frame:
        frame["source"] = None
    current = _current(con, frame)
    by_reg = {r: k for r, k in zip(current["reg_no"], current["loan_key"]) if isinstance(r, str) and r}
    by_tuple = {
        _tuple(u, b, d, c): k
        for u, b, d, c, k in zip(
            current["uscc"], current["bank"], current["loan_date"], current["amount_cents"], current["loan_key"]
        )
    }
    cents = _amount_cents(frame)
    resolved: list[str | None] = []
    for reg, uscc, bank, day, amount in zip(frame["reg_no"], frame["uscc"], frame["bank"], frame["loan_date"], cents):
        key = by_reg.get(reg) if isinstance(reg, str) and reg else None
        resolved.append(key or by_tuple.get(_tuple(uscc, bank, day, amount)))
    frame["matched"] = resolved

    for report in reports:
        if report.replaces:
            _pair_corrections(frame, current, report)
    frame["loan_key"] = frame["matched"].fillna(frame["loan_key"])

    before = len(frame)
    frame = frame[~frame["loan_key"].duplicated(keep="last")]
    repeated = before - len(frame)

    old = (
        frame[["loan_key"]].merge(current.drop_duplicates("loan_key"), on="loan_key", how="left").set_index(frame.index)
    )
    frame["change"] = _changes(frame, old)
    carried = _attach_registrations(frame, old, parsed)

    listed = set(frame["loan_key"])
    withdrawn_parts, sources = [], []
    for report in reports:
        earlier = current[
            (current["source"] == report.source)
            & (current["loan_date"] >= pd.Timestamp(report.start))
            & (current["loan_date"] <= pd.Timestamp(report.end))
        ]
        plan = SourcePlan(report)
        mine = frame[frame["source"] == report.source]
        plan.counts = {what: int((mine["change"] == what).sum()) for what in (UNCHANGED, *CHANGES, NEW)}
        if report.replaces:
            gone = earlier[~earlier["loan_key"].isin(listed)]
            withdrawn_parts.append(gone.assign(withdrawn_by=report.source_label))
            plan.counts["撤回"] = len(gone)
            plan.replaced = _replaced_batches(con, earlier["batch_id"].unique().tolist(), report.source)
        sources.append(plan)
    withdrawn = pd.concat(withdrawn_parts) if withdrawn_parts else current.head(0).assign(withdrawn_by=None)
    implausible = plausible.implausible_months(con, parsed.table)
    return Plan(frame.drop(columns=["matched"]), carried, withdrawn, sources, repeated, implausible)


def _pair_corrections(frame: pd.DataFrame, current: pd.DataFrame, report: Report) -> None:
    """Unmatched rows of the report and unlisted loans of the earlier report with the same USCC
    and bank, and the same amount or the same date: one loan, corrected."""
    taken = set(frame["matched"].dropna())
    pool = current[
        (current["source"] == report.source)
        & (current["loan_date"] >= pd.Timestamp(report.start))
        & (current["loan_date"] <= pd.Timestamp(report.end))
        & ~current["loan_key"].isin(taken)
    ]
    if pool.empty:
        return
    candidates: dict[tuple, list] = {}
    for old in pool.itertuples():
        candidates.setdefault((old.uscc, old.bank), []).append(old)
    todo = frame.index[(frame["source"] == report.source) & frame["matched"].isna()]
    for i in todo:
        row = frame.loc[i]
        olds = candidates.get((row["uscc"], row["bank"]), [])
        same_amount = [o for o in olds if o.amount_cents == row["amount_cents"]]
        same_date = [o for o in olds if o.loan_date == row["loan_date"]]
        pick = (same_amount or same_date or [None])[0]
        if pick is not None:
            frame.at[i, "matched"] = pick.loan_key
            olds.remove(pick)


def _changes(frame: pd.DataFrame, old: pd.DataFrame) -> pd.Series:
    """How each row changes the loan it is (`old`: that loan's current row, aligned; NaN: none)."""
    known = old["loan_id"].notna()
    same_hash = old["row_hash"] == frame["row_hash"]
    amount = _amount_cents(frame).astype("float") != old["amount_cents"].astype("float")
    day = frame["loan_date"] != old["loan_date"]
    district = frame["district_code"].astype(object) != old["district_code"].astype(object)
    # A row stored by hand (an edit, a merge) has a hash of its own: compare what the file carries.
    other = (
        (frame["enterprise_name"].astype(object) != old["enterprise_name"].astype(object))
        | (frame["bank"].astype(object) != old["bank"].astype(object))
        | (frame["first_loan"].fillna(False).astype(bool) != old["first_loan"].fillna(False).astype(bool))
        | (frame["pledge_type"].notna() & (frame["pledge_type"].astype(object) != old["pledge_type"].astype(object)))
    )
    change = pd.Series(UNCHANGED, index=frame.index, dtype=object)
    change[other] = OTHER
    change[district] = DISTRICT
    change[day] = DATE
    change[amount] = AMOUNT
    change[same_hash] = UNCHANGED
    change[~known] = NEW
    return change


def _attach_registrations(frame: pd.DataFrame, old: pd.DataFrame, parsed: ParsedFile) -> dict[int, int]:
    """A row without 质押登记号 that is a loan the store knows with one keeps the number and date;
    a row without pledged numbers keeps the loan's (another reporter listed them)."""
    known = old["loan_id"].notna()
    missing = frame["reg_no"].isna() | (frame["reg_no"].astype(object) == "")
    attach = known & missing & old["reg_no"].notna() & (old["reg_no"].astype(object) != "")
    frame.loc[attach, "reg_no"] = old.loc[attach, "reg_no"]
    frame.loc[attach, "reg_date"] = old.loc[attach, "reg_date"]
    listed = frame.index.isin(parsed.patent_table["row"])
    keep = known & ~listed
    return {int(i): int(loan) for i, loan in zip(frame.index[keep], old.loc[keep, "loan_id"])}


def _replaced_batches(con: duckdb.DuckDBPyConnection, batch_ids: list, source: str) -> list[tuple[int, str, str]]:
    if not batch_ids:
        return []
    rows = con.execute(
        f"""SELECT b.id, b.file_name, r.period_start, r.period_end
            FROM batches b JOIN batch_reports r ON r.batch_id = b.id AND r.source = ?
            WHERE b.id IN ({", ".join("?" * len(batch_ids))}) ORDER BY b.id""",
        [source, *[int(b) for b in batch_ids]],
    ).fetchall()
    return [(bid, name, span_label(start, end)) for bid, name, start, end in rows]


__all__ = ["CHANGES", "NEW", "UNCHANGED", "Plan", "SourcePlan", "resolve"]
