"""Accounts and roles. Passwords are hashed with argon2; repeated failures block further tries for
a while (pledge/sessions.py counts them, per name and client, outside DuckDB); every change to an
account is written to the audit log with the user who made it."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pledge.sessions import RULES, SESSION_IDLE_MINUTES, Sessions  # noqa: F401  (the idle limit is read from here)
from pledge.sql import fetch_one, fetch_value
from pledge.store import Store

ROLES = ("viewer", "analyst", "admin")
ROLE_LABELS = {"viewer": "查看（局领导）", "analyst": "分析人员", "admin": "管理员"}
_RANK = {role: i for i, role in enumerate(ROLES)}
MIN_PASSWORD_LENGTH = 8
MAX_FAILED_LOGINS = RULES["pair"].threshold
LOCAL_CLIENT = "local"  # the client address of a request from this machine (Streamlit gives None)
WRONG = "用户名或密码不正确"
# Every refusal takes at least this long, whichever path refused it (blocked, unknown name, wrong
# password, each with different bookkeeping): the time of an answer tells nothing either.
REFUSAL_SECONDS = 0.3

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


def state_text(user: User) -> str:
    """What a stored session must still match, as one string (role|district|credential)."""
    return f"{user.role}|{user.district_code or ''}|{user.credential}"


def sessions(store: Store | Path) -> Sessions:
    """The side store of sessions and failed sign-ins that belongs to this database file."""
    return Sessions(store.home if isinstance(store, Store) else Path(store))


def load_user(store: Store, name: str) -> User | None:
    """The account as it is now, for a session resumed from its cookie."""
    with store.read() as con:
        row = fetch_one(
            con,
            """SELECT u.role, u.district_code, d.name, u.password_hash
               FROM users u LEFT JOIN v_districts d ON d.code = u.district_code WHERE u.name = ?""",
            [name],
        )
    return None if row is None else User(name, row[0], row[1], row[2], _credential(row[3]))


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
    if district and role == "admin":  # a district's analyst reviews its 贴息 claims; an admin is city-wide
        raise AuthError("管理员不能限定区县：只有查看角色（viewer）和分析员（analyst）可以限定区县")
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
    sessions(store).revoke_account(name)  # also refused at the next request: the credential changed
    sessions(store).unlock(name)


def unlock_user(store: Store, name: str, by: str = "system") -> int:
    """Lift every sign-in block on this name (from every client); how many blocks were lifted.
    Works for any name typed, as blocks are kept whether or not the account exists."""
    lifted = sessions(store).unlock(name)
    with store.write() as con:
        audit(con, by, "解除登录锁定", f"{name.strip()}（{lifted}项）")
    return lifted


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
    sessions(store).revoke_account(name)


def list_users(store: Store) -> list[dict]:
    if not store.exists():
        return []
    with store.read() as con:
        rows = con.execute(
            """SELECT u.name, u.role, d.name, u.created_at, u.last_login_at
               FROM users u LEFT JOIN v_districts d ON d.code = u.district_code ORDER BY u.name"""
        ).fetchall()
    locked = locked_names(store)
    keys = ("name", "role", "district", "created_at", "last_login_at")
    users = [dict(zip(keys, row)) for row in rows]
    for user in users:
        user["locked_until"] = locked.get(user["name"].strip().casefold())
    return users


def locked_names(store: Store) -> dict[str, dt.datetime]:
    """Names typed at sign-in that are blocked now (from at least one client) and until when;
    an unknown name is blocked like a real one, so it can appear here too."""
    return {
        name: dt.datetime.fromtimestamp(until).replace(microsecond=0)
        for name, until in sessions(store).locked_names().items()
    }


def _blocked(seconds: float) -> AuthError:
    return AuthError(f"登录失败次数过多，请{math.ceil(seconds / 60)}分钟后再试（如需立即解除，请联系管理员）")


def authenticate(store: Store, name: str, password: str, client: str | None = None) -> User:
    """The user, or AuthError.

    Every answer costs one argon2 check, and what it says depends only on the names and passwords
    tried before from this client, never on whether the account exists: an unknown name, a wrong
    password and a blocked name look alike. Failures are counted in the side store
    (pledge/sessions.py), so a flood of wrong passwords never writes the database; the file is
    written only when a sign-in succeeds and something changes (a hash to upgrade, the first
    sign-in of a day)."""
    started = time.monotonic()
    try:
        return _authenticate(store, name.strip(), password, client or LOCAL_CLIENT)
    except AuthError:
        time.sleep(max(0.0, REFUSAL_SECONDS - (time.monotonic() - started)))
        raise


def _authenticate(store: Store, name: str, password: str, client: str) -> User:
    side = sessions(store)
    wait = side.blocked_for(name, client)
    if wait > 0:
        _matches(_DUMMY_HASH, password)  # as costly as any other answer
        raise _blocked(wait)
    with store.read() as con:
        row = fetch_one(
            con,
            """SELECT u.password_hash, u.role, u.district_code, d.name, u.last_login_at
               FROM users u LEFT JOIN v_districts d ON d.code = u.district_code WHERE u.name = ?""",
            [name],
        )
    matched = _matches(row[0] if row else _DUMMY_HASH, password)  # unknown names cost the same
    if row is None or not matched:
        side.count_failure(name, client)
        wait = side.blocked_for(name, client)
        raise _blocked(wait) if wait > 0 else AuthError(WRONG)
    hashed, role, code, district_name, last_login = row
    side.clear_failures(name, client)
    stale = last_login is None or last_login.date() != _now().date()
    # A reader process signs in from its snapshot and never writes: the day's last-login stamp and a
    # rehash wait for a sign-in on the writer.
    if (stale or _hasher.check_needs_rehash(hashed)) and not store.read_only:
        if _hasher.check_needs_rehash(hashed):
            hashed = _hasher.hash(password)
        with store.write() as con:
            con.execute(
                "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE name = ?",
                [hashed, _now(), name],
            )
    return User(name, role, code, district_name, _credential(hashed))
