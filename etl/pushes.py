"""Record that white-list enterprises were pushed to banks: one small batch of kind 'pushes'
(who, when), listed in 导入记录 and undone like an import. Only enterprises still on the white
list at the moment of writing are recorded; the caller checks the role."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import duckdb
import pandas as pd

from etl.issues import LoadRefused
from etl.kinds.outreach_cells import insert_frame
from etl.load import default_user, written
from pledge.metrics import outreach
from pledge.reference import load_reference
from pledge.sql import fetch_value
from pledge.store import Store


def record_pushes(
    store: Store, assignments: pd.DataFrame, push_date: dt.date, user: str | None = None, district: str | None = None
) -> int:
    """assignments: columns uscc and bank (as written; stored as the head bank). Returns the batch id.
    `district`: a district-limited analyst may push only that district's enterprises."""
    user = user or default_user()
    chosen = assignments.dropna(subset=["uscc", "bank"])
    chosen = chosen[chosen["bank"].astype(str).str.strip() != ""]
    if chosen.empty:
        raise LoadRefused("没有选择要推送的企业和银行：请在“推送银行”一列为企业选择银行")
    if push_date > dt.date.today():
        raise LoadRefused(f"推送日期{push_date.isoformat()}晚于今天，请改正")
    with written(store, "before-pushes") as con:
        reference = load_reference(con)
        listed = outreach.whitelist(con, district=district).set_index("uscc")
        missing = sorted(set(chosen["uscc"]) - set(listed.index))
        if missing:
            raise LoadRefused(
                f"{len(missing)}家企业已不在白名单中（可能已有质押贷款），请刷新后重新选择：{'、'.join(missing[:5])}"
            )
        rows = pd.DataFrame(
            {
                "uscc": chosen["uscc"].to_numpy(),
                "enterprise_name": listed.loc[chosen["uscc"], "name"].to_numpy(),
                "district_code": listed.loc[chosen["uscc"], "district_code"].to_numpy(),
                "bank": [reference.head_bank(str(b)) for b in chosen["bank"]],
                "push_date": push_date,
            }
        ).drop_duplicates(["uscc", "bank"])
        batch_id = write_batch(con, rows, user, f"白名单推送{len(rows)}家企业（{push_date.isoformat()}）")
    return int(batch_id)


def write_batch(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, user: str, title: str) -> int:
    """One batch of pushes (rows: uscc, enterprise_name, district_code, bank, push_date), inside the
    caller's transaction."""
    batch_id = fetch_value(con, "SELECT nextval('batch_id_seq')")
    payload = json.dumps(rows.astype(str).to_dict("records"), ensure_ascii=False, sort_keys=True)
    banks = "、".join(dict.fromkeys(rows["bank"]))
    con.execute(
        """INSERT INTO batches (id, kind, file_name, sha256, archive_path, sheets, user_name, loaded_at, status,
               rows_read, rows_new, rows_updated, rows_duplicate, rows_rejected, rows_skipped, warnings, note)
           VALUES (?, 'pushes', ?, ?, NULL, NULL, ?, ?, 'active', ?, ?, 0, 0, 0, 0, '[]', ?)""",
        [
            batch_id,
            title,
            hashlib.sha256(payload.encode()).hexdigest(),
            user,
            dt.datetime.now().replace(microsecond=0),
            len(rows),
            len(rows),
            f"推送至{banks}",
        ],
    )
    insert_frame(con, "outreach_pushes", rows.assign(batch_id=batch_id))
    return int(batch_id)
