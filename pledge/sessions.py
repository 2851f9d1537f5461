"""Sign-in state that must outlive a page: session tokens and failed sign-ins.

Kept in a small SQLite file beside the database (pledge.sessions.sqlite for pledge.duckdb), not in
DuckDB: DuckDB has one writer per file, and a sign-in, a page touch or a failed password must never
queue behind an import (or a full disk of imports). The file is created 0600; it holds no password
and no token, only SHA-256 digests of tokens, so a copy of it signs nobody in.

Sessions: a random token in the browser's cookie; the server keeps its digest, the account and the
account's state at sign-in (role, district, password digest). A session ends when it is revoked
(logout, account removed or changed), after SESSION_IDLE_MINUTES without a request, or after
SESSION_MAX_HOURS whatever happens.

Failed sign-ins are counted per (name typed, client), per client and per name typed, whether an
account of that name exists or not, so that the answer never tells which names exist. Each counter
blocks after its threshold, for a time that doubles with every further failure (capped): an
attacker from one address slows down exponentially without locking the real user out elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SESSION_IDLE_MINUTES = 60
SESSION_MAX_HOURS = 12
TOUCH_EVERY_SECONDS = 60  # a busy page does not write on every rerun
FORGET_FAILURES_HOURS = 24  # a failure this old no longer counts


@dataclass(frozen=True)
class Rule:
    threshold: int  # failures before the first block
    base_seconds: int  # the first block; doubled with each further failure
    cap_seconds: int


# (name, client): a mistyped password five times; (client): one address trying many names;
# (name): many addresses trying one name, which bounds distributed guessing.
RULES = {
    "pair": Rule(threshold=5, base_seconds=60, cap_seconds=3600),
    "client": Rule(threshold=20, base_seconds=60, cap_seconds=3600),
    "name": Rule(threshold=50, base_seconds=300, cap_seconds=3600),
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    token_digest TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    state        TEXT NOT NULL,   -- role|district|credential at sign-in
    created_at   REAL NOT NULL,
    last_seen    REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_name ON sessions (name);
CREATE TABLE IF NOT EXISTS failures (
    kind          TEXT NOT NULL,  -- pair | client | name
    key           TEXT NOT NULL,
    name          TEXT NOT NULL,  -- the name typed ('' for a client counter), for unlock
    count         INTEGER NOT NULL,
    last_at       REAL NOT NULL,
    blocked_until REAL NOT NULL,
    PRIMARY KEY (kind, key)
);
"""


_ready: set[Path] = set()  # files whose schema this process has checked


def _now() -> float:
    return time.time()  # one place for tests to move the clock


def path_for(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).stem + ".sessions.sqlite")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def fold(name: str) -> str:
    """The counter key for a typed name: 'Admin ' and 'admin' share one."""
    return name.strip().casefold()


def _keys(name: str, client: str) -> dict[str, tuple[str, str]]:
    folded = fold(name)
    return {"pair": (f"{folded}\x00{client}", folded), "client": (client, ""), "name": (folded, folded)}


def _block_seconds(rule: Rule, count: int) -> float:
    if count < rule.threshold:
        return 0
    return min(rule.cap_seconds, rule.base_seconds * 2 ** min(count - rule.threshold, 20))


class Sessions:
    def __init__(self, db_path: Path):
        self.path = path_for(db_path)

    @staticmethod
    def clock() -> float:
        return _now()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            _ready.discard(self.path)
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            if self.path not in _ready:
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(_SCHEMA)
                _ready.add(self.path)
            # A crash may forget the last second of sessions and failures; no commit waits for the disk.
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("BEGIN IMMEDIATE")
            yield con
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    # -- sessions ------------------------------------------------------------------------------
    def create(self, name: str, state: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self._connect() as con:
            con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)", [digest(token), name, state, now, now])
        return token

    def resume(self, token: str) -> tuple[str, str] | None:
        """(name, state at sign-in) of a live session, touching it; None (and the session is
        dropped) when it is unknown, revoked, idle too long or too old."""
        now = self.clock()
        with self._connect() as con:
            row = con.execute(
                "SELECT name, state, created_at, last_seen FROM sessions WHERE token_digest = ?", [digest(token)]
            ).fetchone()
            if row is None:
                return None
            name, state, created_at, last_seen = row
            if now - last_seen > SESSION_IDLE_MINUTES * 60 or now - created_at > SESSION_MAX_HOURS * 3600:
                con.execute("DELETE FROM sessions WHERE token_digest = ?", [digest(token)])
                return None
            if now - last_seen > TOUCH_EVERY_SECONDS:
                con.execute("UPDATE sessions SET last_seen = ? WHERE token_digest = ?", [now, digest(token)])
        return name, state

    def revoke(self, token: str) -> None:
        with self._connect() as con:
            con.execute("DELETE FROM sessions WHERE token_digest = ?", [digest(token)])

    def revoke_account(self, name: str) -> int:
        with self._connect() as con:
            return con.execute("DELETE FROM sessions WHERE name = ?", [name]).rowcount

    # -- failed sign-ins -----------------------------------------------------------------------
    def blocked_for(self, name: str, client: str) -> float:
        """Seconds until this name may be tried again from this client (0: now)."""
        now = self.clock()
        keys = _keys(name, client)
        with self._connect() as con:
            until = [
                con.execute("SELECT blocked_until FROM failures WHERE kind = ? AND key = ?", [kind, key]).fetchone()
                for kind, (key, _) in keys.items()
            ]
        return max([0.0] + [row[0] - now for row in until if row is not None])

    def count_failure(self, name: str, client: str) -> None:
        now = self.clock()
        forget = now - FORGET_FAILURES_HOURS * 3600
        with self._connect() as con:
            for kind, (key, folded) in _keys(name, client).items():
                row = con.execute(
                    "SELECT count, last_at FROM failures WHERE kind = ? AND key = ?", [kind, key]
                ).fetchone()
                count = 1 if row is None or row[1] < forget else row[0] + 1
                until = now + _block_seconds(RULES[kind], count)
                con.execute(
                    "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?, ?, ?)", [kind, key, folded, count, now, until]
                )

    def clear_failures(self, name: str, client: str) -> None:
        """After a successful sign-in: this name from this client starts afresh."""
        keys = _keys(name, client)
        with self._connect() as con:
            for kind in ("pair", "name"):
                con.execute("DELETE FROM failures WHERE kind = ? AND key = ?", [kind, keys[kind][0]])

    def unlock(self, name: str) -> int:
        """An admin lifts every block on this name, from every client; returns how many were lifted."""
        with self._connect() as con:
            blocked = con.execute(
                "SELECT count(*) FROM failures WHERE name = ? AND blocked_until > ?", [fold(name), self.clock()]
            ).fetchone()[0]
            con.execute("DELETE FROM failures WHERE name = ?", [fold(name)])
        return blocked

    def unlock_client(self, client: str) -> int:
        with self._connect() as con:
            return con.execute("DELETE FROM failures WHERE kind = 'client' AND key = ?", [client]).rowcount

    def locked_names(self) -> dict[str, float]:
        """Names blocked now (from at least one client), with the latest end of a block."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT name, max(blocked_until) FROM failures WHERE name <> '' AND blocked_until > ? GROUP BY name",
                [self.clock()],
            ).fetchall()
        return dict(rows)


class SetupToken:
    """The one-time token that lets the first admin be created from the browser: printed on the
    server console, valid for SETUP_TOKEN_MINUTES, and spent by its first successful use. Only its
    digest is kept, in this process's memory."""

    MINUTES = 30

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._digest: str | None = None
        self._expires = 0.0

    def issue_if_needed(self) -> str | None:
        """A new token when none is valid (the caller prints it); None while one still is."""
        with self._lock:
            if self._digest is not None and _now() < self._expires:
                return None
            token = secrets.token_urlsafe(12)
            self._digest, self._expires = digest(token), _now() + self.MINUTES * 60
            return token

    def redeem(self, token: str) -> bool:
        with self._lock:
            valid = (
                self._digest is not None
                and _now() < self._expires
                and secrets.compare_digest(self._digest, digest(token.strip()))
            )
            if valid:
                self._digest = None  # spent
            return valid
