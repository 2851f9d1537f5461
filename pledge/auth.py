"""Accounts and roles. Passwords are hashed with argon2; repeated failures lock an account for
a while; every change is written to the audit log with the user who made it."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pledge.sql import fetch_one, fetch_value
from pledge.store import Store

ROLES = ("viewer", "analyst", "admin")
ROLE_LABELS = {"viewer": "查看（局领导）", "analyst": "分析人员", "admin": "管理员"}
_RANK = {role: i for i, role in enumerate(ROLES)}
MIN_PASSWORD_LENGTH = 8
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 10
SESSION_IDLE_MINUTES = 60

# OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane): about 30 ms on one core of the 2-core
# server. argon2-cffi's default (64 MiB, 3 passes, 4 lanes) made one sign-in take seconds there.
# Hashes made with other parameters are upgraded at the next successful sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY_HASH = _hasher.hash("not a password: keeps unknown names as slow as known ones")
# Hashes are checked here, never on a page's script thread, and at most one per core at a time:
# a crowd (or a flood) of sign-ins queues for these threads instead of stalling every page.
_verifier = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="argon2")


def _matches(hashed: str, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    return _verifier.submit(check).result()


class AuthError(ValueError):
    """Refused: the message says why, in Chinese."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    district_code: str | None = None
    district_name: str | None = None
    credential: str = ""  # a digest of the password hash at sign-in: a new password ends the session

    def can(self, role: str) -> bool:
        return _RANK[self.role] >= _RANK[role]

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


# Without any account the app runs open, in demo mode, as this user.
DEMO_USER = User("演示用户", "admin")


def _credential(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def account_state(con: duckdb.DuckDBPyConnection, name: str) -> tuple | None:
    """What a signed-in session must still match (role, district, credential), or None when the
    account is gone. Checked on every request: removal, a new role or district, or a new password
    end the account's sessions at their next interaction."""
    row = fetch_one(con, "SELECT role, district_code, password_hash FROM users WHERE name = ?", [name])
    return None if row is None else (row[0], row[1], _credential(row[2]))


def still_valid(user: User, state: tuple | None) -> bool:
    return state == (user.role, user.district_code, user.credential)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def audit(con: duckdb.DuckDBPyConnection, user: str, action: str, detail: str = "") -> None:
    con.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?)", [_now(), user, action, detail])


def has_users(store: Store) -> bool:
    if not store.exists():
        return False
    with store.read() as con:
        return count_users(con) > 0


def count_users(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM users").fetchall()[0][0]


def _district_code(con: duckdb.DuckDBPyConnection, district: str | None) -> str | None:
    if not district:
        return None
    from pledge.reference import load_reference

    code = load_reference(con).district_code(district)
    if code is None:
        raise AuthError(f"区县“{district}”不在区县名单中")
    return code


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"密码至少{MIN_PASSWORD_LENGTH}个字符")


def add_user(
    store: Store, name: str, password: str, role: str, district: str | None = None, by: str = "system"
) -> None:
    name = name.strip()
    if not name:
        raise AuthError("用户名不能为空")
    if role not in ROLES:
        raise AuthError(f"角色应为{'、'.join(ROLES)}之一")
    if district and role != "viewer":
        raise AuthError("只有查看角色（viewer）可以限定区县")
    _check_password(password)
    hashed = _hasher.hash(password)
    with store.write() as con:
        if fetch_one(con, "SELECT 1 FROM users WHERE name = ?", [name]):
            raise AuthError(f"用户“{name}”已存在")
        code = _district_code(con, district)
        con.execute(
            "INSERT INTO users (name, password_hash, role, district_code, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
            [name, hashed, role, code, _now(), by],
        )
        audit(con, by, "添加用户", f"{name}（{role}{'，' + district if district else ''}）")


def set_password(store: Store, name: str, password: str, by: str = "system") -> None:
    _check_password(password)
    hashed = _hasher.hash(password)
    with store.write() as con:
        if not fetch_one(con, "SELECT 1 FROM users WHERE name = ?", [name]):
            raise AuthError(f"没有用户“{name}”")
        con.execute(
            "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE name = ?", [hashed, name]
        )
        audit(con, by, "修改密码", name)


def remove_user(store: Store, name: str, by: str = "system") -> None:
    """Remove an account; the last admin cannot be removed (nobody could manage accounts after)."""
    with store.write() as con:
        row = fetch_one(con, "SELECT role FROM users WHERE name = ?", [name])
        if row is None:
            raise AuthError(f"没有用户“{name}”")
        admins = fetch_value(con, "SELECT count(*) FROM users WHERE role = 'admin'")
        if row[0] == "admin" and admins == 1:
            raise AuthError(f"“{name}”是唯一的管理员，不能删除；请先添加另一位管理员")
        con.execute("DELETE FROM users WHERE name = ?", [name])
        audit(con, by, "删除用户", name)


def list_users(store: Store) -> list[dict]:
    if not store.exists():
        return []
    with store.read() as con:
        rows = con.execute(
            """SELECT u.name, u.role, d.name, u.created_at, u.last_login_at, u.locked_until
               FROM users u LEFT JOIN v_districts d ON d.code = u.district_code ORDER BY u.name"""
        ).fetchall()
    keys = ("name", "role", "district", "created_at", "last_login_at", "locked_until")
    return [dict(zip(keys, row)) for row in rows]


def authenticate(store: Store, name: str, password: str) -> User:
    """The user, or AuthError. Five failures in a row lock the account for ten minutes.

    The hash is checked with no lock held; the file is written only when something changes (a
    failure to count, a lock to lift, a hash to upgrade, the first sign-in of a day), so a crowd of
    leaders signing in at once does not queue behind one writer."""
    name = name.strip()
    with store.read() as con:
        row = fetch_one(
            con,
            """SELECT u.password_hash, u.role, u.district_code, d.name, u.failed_logins, u.locked_until,
                      u.last_login_at
               FROM users u LEFT JOIN v_districts d ON d.code = u.district_code WHERE u.name = ?""",
            [name],
        )
    if row is None:
        _matches(_DUMMY_HASH, password)  # as slow as a real account
        raise AuthError("用户名或密码不正确")
    hashed, role, code, district_name, failed, locked_until, last_login = row
    if locked_until and locked_until > _now():
        minutes = math.ceil((locked_until - _now()).total_seconds() / 60)
        raise AuthError(f"密码错误次数过多，账户已暂时锁定，请{minutes}分钟后再试")
    if not _matches(hashed, password):
        raise AuthError(_count_failure(store, name))
    stale = last_login is None or last_login.date() != _now().date()
    if failed or locked_until or stale or _hasher.check_needs_rehash(hashed):
        if _hasher.check_needs_rehash(hashed):
            hashed = _hasher.hash(password)
        with store.write() as con:
            con.execute(
                "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE name = ?",
                [hashed, _now(), name],
            )
    return User(name, role, code, district_name, _credential(hashed))


def _count_failure(store: Store, name: str) -> str:
    """Count a wrong password (committed before the refusal is shown) and lock after too many."""
    with store.write() as con:
        failed = fetch_value(con, "SELECT failed_logins FROM users WHERE name = ?", [name]) + 1
        lock = _now() + dt.timedelta(minutes=LOCK_MINUTES) if failed >= MAX_FAILED_LOGINS else None
        con.execute(
            "UPDATE users SET failed_logins = ?, locked_until = ? WHERE name = ?", [0 if lock else failed, lock, name]
        )
        audit(con, name, "登录失败", f"连续第{failed}次")
    if lock:
        return f"密码连续错误{MAX_FAILED_LOGINS}次，账户锁定{LOCK_MINUTES}分钟"
    return "用户名或密码不正确"
