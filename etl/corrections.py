"""Corrections by hand: edit or withdraw one loan, merge near duplicates, keep two loans apart.

Each is a small batch of its own (kind 'loans', no file), recorded with who, when and why, shown
in 导入记录 and undone like any import: an edit is a new row of the loan's key, a withdrawal a row
of loan_withdrawals (pledge/versions.py decides which row counts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import duckdb

from etl import normalise
from etl.issues import LoadRefused
from etl.load import default_user, written
from pledge import rollups, versions
from pledge.reference import Reference, load_reference
from pledge.sql import fetch_one, fetch_value
from pledge.store import Store

# The fields an analyst may correct, and how the form's text becomes a stored value.
EDITABLE = {
    "enterprise_name": "企业名称",
    "district_code": "所属区县",
    "bank": "质权人",
    "amount_wan": "贷款金额(万元)",
    "loan_date": "放款日期",
    "first_loan": "是否首贷",
    "reg_no": "质押登记号",
}

_STORED_LABEL = {**EDITABLE, "amount_yuan": "贷款金额"}


def _batch(con: duckdb.DuckDBPyConnection, title: str, payload: dict, user: str) -> int:
    batch_id = fetch_value(con, "SELECT nextval('batch_id_seq')")
    digest = hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()
    con.execute(
        """INSERT INTO batches (id, kind, file_name, sha256, archive_path, sheets, user_name, loaded_at, status,
               rows_read, rows_new, rows_updated, rows_duplicate, rows_rejected, rows_skipped, warnings, note)
           VALUES (?, 'loans', ?, ?, NULL, NULL, ?, ?, 'active', 0, 0, 0, 0, 0, 0, '[]', ?)""",
        [batch_id, title, digest, user, dt.datetime.now().replace(microsecond=0), payload.get("reason")],
    )
    return batch_id


def _current_loan(con: duckdb.DuckDBPyConnection, loan_id: int) -> dict:
    row = fetch_one(con, "SELECT * FROM loans WHERE loan_id = ?", [loan_id])
    if row is None:
        raise LoadRefused(f"没有编号为{loan_id}的贷款")
    loan = dict(zip([d[0] for d in con.description or []], row))
    if not loan["is_current"]:
        raise LoadRefused(f"编号{loan_id}的贷款记录已被更新或撤回，请刷新后选择当前记录")
    return loan


def _reason(reason: str) -> str:
    text = normalise.to_text(reason)
    if len(text) < 2:
        raise LoadRefused("请填写更正或撤回的原因（例如“银行来函更正金额”）")
    return text


def _finish(con: duckdb.DuckDBPyConnection) -> None:
    versions.refresh_current(con)
    rollups.refresh(con)


def _copy_row(con: duckdb.DuckDBPyConnection, loan: dict, batch_id: int, changes: dict) -> int:
    """A new row of the loan's key with the changes, and the loan's pledged numbers."""
    new_id = fetch_value(con, "SELECT coalesce(max(loan_id), 0) + 1 FROM loans")
    row = {**loan, **changes, "loan_id": new_id, "batch_id": batch_id, "is_current": False}
    row["row_hash"] = "edit:" + hashlib.sha256(json.dumps(row, default=str, sort_keys=True).encode()).hexdigest()[:16]
    columns = list(row)
    con.execute(
        f"INSERT INTO loans ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [row[c] for c in columns],
    )
    con.execute(
        "INSERT INTO pledged_ip SELECT ?, ip_no, ip_type FROM pledged_ip WHERE loan_id = ?", [new_id, loan["loan_id"]]
    )
    return new_id


def parse_changes(raw: dict, reference: Reference) -> dict:
    """The form's text as stored values; LoadRefused names the first field that cannot be used."""
    changes: dict = {}
    try:
        for field, value in raw.items():
            label = EDITABLE[field]
            if field == "enterprise_name":
                changes[field] = normalise.enterprise_name(value)
            elif field == "district_code":
                code = reference.district_code(normalise.to_text(value))
                if code is None:
                    raise normalise.Invalid(f"“{value}”不在本市区县名单中")
                changes[field] = code
            elif field == "bank":
                changes["bank"] = reference.head_bank(normalise.to_text(value))
                changes["bank_raw"] = normalise.to_text(value)
            elif field == "amount_wan":
                changes["amount_yuan"] = normalise.positive_money_yuan(value, "万元")
            elif field == "loan_date":
                changes[field] = normalise.date(value)
            elif field == "first_loan":
                changes[field] = normalise.yes_no(value)
            elif field == "reg_no":
                changes[field] = normalise.registration_no(value)
    except normalise.Invalid as invalid:
        raise LoadRefused(f"{label}：{invalid}") from None
    return changes


def edit_loan(store: Store, loan_id: int, raw: dict, reason: str, user: str | None = None) -> int:
    """Correct some fields of one current loan; returns the batch id."""
    user, reason = user or default_user(), _reason(reason)
    with written(store, f"before-edit-{loan_id}") as con:
        loan = _current_loan(con, loan_id)
        changes = parse_changes(raw, load_reference(con))
        if changes.get("bank") == loan["bank"]:  # the form shows the head bank: keep the name as written
            changes.pop("bank")
            changes.pop("bank_raw")
        changes = {k: v for k, v in changes.items() if loan.get(k) != v}
        if not changes:
            raise LoadRefused("没有改动任何字段")
        named = "、".join(_STORED_LABEL[k] for k in changes if k in _STORED_LABEL)
        batch_id = _batch(
            con,
            f"手工更正：{loan['enterprise_name']} {named}",
            {"loan_id": loan_id, "changes": changes, "reason": reason},
            user,
        )
        _copy_row(con, loan, batch_id, changes)
        con.execute("UPDATE batches SET rows_read = 1, rows_updated = 1 WHERE id = ?", [batch_id])
        _finish(con)
    return batch_id


def withdraw_loans(
    store: Store, loan_ids: list[int], reason: str, user: str | None = None, title: str | None = None
) -> int:
    """Withdraw current loans: they stop counting until the batch is undone."""
    user, reason = user or default_user(), _reason(reason)
    with written(store, "before-withdraw") as con:
        loans = [_current_loan(con, i) for i in loan_ids]
        names = "、".join(dict.fromkeys(loan["enterprise_name"] for loan in loans))
        batch_id = _batch(con, title or f"手工撤回：{names}", {"loan_ids": loan_ids, "reason": reason}, user)
        con.executemany(
            "INSERT INTO loan_withdrawals VALUES (?, ?, ?)", [[batch_id, loan["loan_key"], reason] for loan in loans]
        )
        con.execute("UPDATE batches SET rows_withdrawn = ? WHERE id = ?", [len(loans), batch_id])
        _finish(con)
    return batch_id


def merge_loans(store: Store, keep_id: int, other_ids: list[int], user: str | None = None) -> int:
    """Keep one of near duplicates and withdraw the others; the kept loan takes a registration
    number and pledged numbers it lacks from them."""
    others = [i for i in other_ids if i != keep_id]
    if not others:
        raise LoadRefused("请至少选择两笔贷款合并")
    user = user or default_user()
    reason = f"疑似重复，合并为编号{keep_id}的贷款"
    with written(store, f"before-merge-{keep_id}") as con:
        kept = _current_loan(con, keep_id)
        dropped = [_current_loan(con, i) for i in others]
        batch_id = _batch(
            con, f"合并重复：{kept['enterprise_name']}", {"keep": keep_id, "merged": others, "reason": reason}, user
        )
        changes = {}
        if not kept["reg_no"]:
            found = next((d for d in dropped if d["reg_no"]), None)
            if found:
                changes = {"reg_no": found["reg_no"], "reg_date": found["reg_date"]}
        new_id = _copy_row(con, kept, batch_id, changes)
        con.execute(
            f"""INSERT INTO pledged_ip
                SELECT DISTINCT ?, p.ip_no, p.ip_type FROM pledged_ip p
                WHERE p.loan_id IN ({", ".join("?" * len(dropped))})
                  AND NOT EXISTS (SELECT 1 FROM pledged_ip k
                                  WHERE k.loan_id = ? AND k.ip_no = p.ip_no AND k.ip_type = p.ip_type)""",
            [new_id, *[d["loan_id"] for d in dropped], new_id],
        )
        con.executemany(
            "INSERT INTO loan_withdrawals VALUES (?, ?, ?)", [[batch_id, d["loan_key"], reason] for d in dropped]
        )
        con.execute("UPDATE batches SET rows_updated = 1, rows_withdrawn = ? WHERE id = ?", [len(dropped), batch_id])
        _finish(con)
    return batch_id


def keep_apart(store: Store, loan_ids: list[int], user: str | None = None) -> None:
    """The analyst looked at near duplicates and they are different loans: stop listing them."""
    user = user or default_user()
    with written(store, "before-keep-apart") as con:
        keys = sorted({_current_loan(con, i)["loan_key"] for i in loan_ids})
        now = dt.datetime.now().replace(microsecond=0)
        con.executemany(
            "INSERT INTO distinct_loans VALUES (?, ?, ?, ?)",
            [[a, b, user, now] for n, a in enumerate(keys) for b in keys[n + 1 :]],
        )
        con.execute(
            "INSERT INTO audit_log VALUES (?, ?, 'keep_loans_apart', ?)",
            [now, user, json.dumps(keys, ensure_ascii=False)],
        )


__all__ = ["EDITABLE", "edit_loan", "keep_apart", "merge_loans", "parse_changes", "withdraw_loans"]
