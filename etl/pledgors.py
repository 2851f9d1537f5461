"""Pledgors mapped once to an enterprise of the ledgers (登记核对): a registration's 出质人 written
otherwise than any ledger writes the enterprise (an old name, a branch) is matched from then on.
Audited; a mapping can be removed."""

from __future__ import annotations

import datetime as dt

from etl.issues import LoadRefused
from etl.kinds.registrations import pledgor_key
from pledge.auth import audit
from pledge.sql import fetch_value
from pledge.store import Store


def map_pledgor(store: Store, pledgor: str, uscc: str, user: str) -> str:
    """Map the pledgor's name to the enterprise with this USCC; returns the key saved."""
    key = pledgor_key(pledgor)
    if not key:
        raise LoadRefused("出质人名称为空")
    with store.write() as con:
        name = fetch_value(con, "SELECT name FROM enterprises WHERE uscc = ?", [uscc])
        if name is None:
            raise LoadRefused(f"台账中没有统一社会信用代码为{uscc}的企业，请先核对")
        con.execute(
            "INSERT OR REPLACE INTO enterprise_aliases VALUES (?, ?, ?, ?)",
            [key, uscc, user, dt.datetime.now().replace(microsecond=0)],
        )
        audit(con, user, "出质人对应企业", f"“{pledgor}”→{name}（{uscc}）")
    return key


def unmap_pledgor(store: Store, key: str, user: str) -> None:
    with store.write() as con:
        con.execute("DELETE FROM enterprise_aliases WHERE pledgor_key = ?", [key])
        audit(con, user, "删除出质人对应", key)
