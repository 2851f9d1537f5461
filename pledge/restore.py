"""Restoring a backup, said out loud first: which imports disappear and which come back, how the
loans change, and that accounts and the audit log stay as they are now unless asked.

A data restore is for undoing a bad day of imports or a damaged file; it should not bring back a
removed account or an old password, nor erase who did what. So by default the accounts (users)
and the audit log of the current file are carried into the restored one.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pledge.store import Store, StoreUnreadable

_BATCHES = "SELECT id, kind, file_name, status, user_name, loaded_at FROM batches"


@dataclass
class Preview:
    """What restoring a backup changes. `readable` False: the current file cannot be read (then
    there is nothing to compare and no account to carry over)."""

    readable: bool
    vanishing: list[tuple] = field(default_factory=list)  # active now, not in the backup or undone there
    returning: list[tuple] = field(default_factory=list)  # undone now, active in the backup
    loans_now: int = 0
    loans_after: int = 0
    accounts_now: list[str] = field(default_factory=list)
    accounts_backup: list[str] = field(default_factory=list)

    def lines(self, with_accounts: bool) -> list[str]:
        if not self.readable:
            return ["当前数据库无法读取，恢复后以备份中的数据和账户为准"]
        said = [f"当前有效贷款{self.loans_now:,}笔，恢复后{self.loans_after:,}笔"]
        said += [f"第{b[0]}批导入（{b[2]}，{b[4]}于{b[5]:%Y-%m-%d %H:%M}导入）将消失" for b in self.vanishing]
        said += [f"已撤销的第{b[0]}批导入（{b[2]}）将重新生效" for b in self.returning]
        if with_accounts:
            gone = sorted(set(self.accounts_now) - set(self.accounts_backup))
            back = sorted(set(self.accounts_backup) - set(self.accounts_now))
            said.append("账户和操作日志也恢复为备份时的状态（密码恢复为当时的密码）")
            said += [f"账户“{n}”将被删除" for n in gone] + [f"已删除的账户“{n}”将恢复" for n in back]
        else:
            said.append("账户、密码和操作日志保持现状（如需一并恢复，请加 --with-accounts）")
        return said

    @property
    def loses_anything(self) -> bool:
        return bool(self.vanishing or self.returning or self.loans_now != self.loans_after)


def _facts(con: duckdb.DuckDBPyConnection) -> tuple[dict, int, list[str]]:
    batches = {row[0]: row for row in con.execute(_BATCHES).fetchall()}
    loans = con.execute("SELECT count(*) FROM loans WHERE is_current").fetchone()
    users = [r[0] for r in con.execute("SELECT name FROM users").fetchall()]
    return batches, int(loans[0]) if loans else 0, users


def preview(store: Store, backup: Path) -> Preview:
    with closing(duckdb.connect(str(backup), read_only=True)) as con:
        old_batches, loans_after, old_users = _facts(con)
    try:
        with store.read() as con:
            batches, loans_now, users = _facts(con)
    except (StoreUnreadable, duckdb.Error):
        return Preview(False)
    vanishing = [
        b for i, b in batches.items() if b[3] == "active" and (i not in old_batches or old_batches[i][3] != "active")
    ]
    returning = [
        b for i, b in batches.items() if b[3] != "active" and i in old_batches and old_batches[i][3] == "active"
    ]
    return Preview(True, vanishing, returning, loans_now, loans_after, users, old_users)


def restore(store: Store, backup: Path, user: str, with_accounts: bool = False) -> Path | None:
    """Put the backup in place (Store.restore keeps the current file as a backup, returned here);
    unless `with_accounts`, carry the current accounts and audit log into it."""
    readable = preview(store, backup).readable if store.exists() else False
    saved = store.restore(backup)
    store.ensure_schema()  # an older backup is upgraded before anything is written into it
    if with_accounts or not readable or saved is None:
        return saved
    quoted = str(saved).replace("'", "''")
    with store.write() as con:
        con.execute(f"ATTACH '{quoted}' AS kept (READ_ONLY)")
        for table in ("users", "audit_log"):
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} SELECT * FROM kept.{table}")
        con.execute(
            "INSERT INTO audit_log VALUES (now()::TIMESTAMP, ?, 'restore', ?)",
            [user, f"从备份 {backup.name} 恢复数据（账户与日志保持现状）"],
        )
    return saved
