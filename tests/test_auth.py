"""Accounts: hashed passwords, lockout, the users CLI reading passwords from a pipe."""

from __future__ import annotations

import pytest

from pledge import auth
from tests.fixtures import run


def test_password_is_stored_hashed_and_checked(store):
    auth.add_user(store, "李分析", "correct horse", "analyst", by="test")
    with store.read() as con:
        stored = con.execute("SELECT password_hash FROM users").fetchall()[0][0]
    assert "correct horse" not in stored and stored.startswith("$argon2")
    user = auth.authenticate(store, "李分析", "correct horse")
    assert user.role == "analyst" and user.can("viewer") and not user.can("admin")
    with pytest.raises(auth.AuthError, match="用户名或密码不正确"):
        auth.authenticate(store, "李分析", "wrong password")
    with pytest.raises(auth.AuthError, match="用户名或密码不正确"):
        auth.authenticate(store, "nobody", "whatever1")


def test_repeated_failures_block_the_name_for_a_while(store, monkeypatch):
    from pledge import sessions

    now = [1_000_000.0]
    monkeypatch.setattr(sessions, "_now", lambda: now[0])
    auth.add_user(store, "viewer1", "password1", "viewer")
    for _ in range(auth.MAX_FAILED_LOGINS - 1):
        with pytest.raises(auth.AuthError, match="用户名或密码不正确"):
            auth.authenticate(store, "viewer1", "bad")
    with pytest.raises(auth.AuthError, match="登录失败次数过多，请1分钟后再试"):  # the fifth
        auth.authenticate(store, "viewer1", "bad")
    with pytest.raises(auth.AuthError, match="请1分钟后再试"):  # even the right password now waits
        auth.authenticate(store, "viewer1", "password1")
    now[0] += 61
    with pytest.raises(auth.AuthError, match="请2分钟后再试"):  # one more failure: twice as long
        auth.authenticate(store, "viewer1", "bad")
    now[0] += 121
    assert auth.authenticate(store, "viewer1", "password1").name == "viewer1"
    assert auth.list_users(store)[0]["locked_until"] is None


def test_rules_for_new_accounts(store):
    with pytest.raises(auth.AuthError, match="至少8个字符"):
        auth.add_user(store, "a", "short", "viewer")
    with pytest.raises(auth.AuthError, match="角色"):
        auth.add_user(store, "a", "password1", "root")
    with pytest.raises(auth.AuthError, match="管理员不能限定区县"):
        auth.add_user(store, "a", "password1", "admin", district="东湖区")
    with pytest.raises(auth.AuthError, match="不在区县名单"):
        auth.add_user(store, "a", "password1", "viewer", district="火星区")
    auth.add_user(store, "东湖领导", "password1", "viewer", district="东湖")
    assert auth.authenticate(store, "东湖领导", "password1").district_name == "东湖区"
    with pytest.raises(auth.AuthError, match="已存在"):
        auth.add_user(store, "东湖领导", "password1", "viewer")


def test_users_cli_reads_the_password_from_a_pipe(store):
    added = run("users", "add", "张管理", "--role", "admin", db=store.path, stdin="s3cret-pass\n")
    assert added.returncode == 0, added.stdout + added.stderr
    assert auth.authenticate(store, "张管理", "s3cret-pass").role == "admin"
    assert run("users", "passwd", "张管理", db=store.path, stdin="another-pass\n").returncode == 0
    assert auth.authenticate(store, "张管理", "another-pass")
    listed = run("users", "list", db=store.path)
    assert "张管理" in listed.stdout and "管理员" in listed.stdout
    refused = run("users", "remove", "张管理", db=store.path)  # the only admin
    assert refused.returncode != 0 and "唯一的管理员" in refused.stdout + refused.stderr
    assert run("users", "add", "李管理", "--role", "admin", db=store.path, stdin="third-pass\n").returncode == 0
    assert run("users", "remove", "张管理", db=store.path).returncode == 0
    assert [u["name"] for u in auth.list_users(store)] == ["李管理"]
    with store.read() as con:
        actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY logged_at").fetchall()]
    assert actions[:1] == ["添加用户"] and "删除用户" in actions


def test_hashes_use_owasp_parameters_and_old_ones_are_upgraded_at_sign_in(store):
    from argon2 import PasswordHasher, extract_parameters

    auth.add_user(store, "老用户", "password-9", "viewer")
    with store.write() as con:  # as stored by an earlier version with argon2-cffi's heavy defaults
        con.execute("UPDATE users SET password_hash = ? WHERE name = '老用户'", [PasswordHasher().hash("password-9")])
    auth.authenticate(store, "老用户", "password-9")
    with store.read() as con:
        stored = con.execute("SELECT password_hash FROM users WHERE name = '老用户'").fetchone()[0]
    params = extract_parameters(stored)
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19 * 1024, 2, 1)
    assert auth.authenticate(store, "老用户", "password-9").name == "老用户"  # the new hash still matches


def test_a_routine_sign_in_writes_nothing(store):
    """Twenty leaders signing in at once must not queue behind the single writer."""
    auth.add_user(store, "局领导", "password-1", "viewer")
    auth.authenticate(store, "局领导", "password-1")  # the day's first sign-in is recorded
    before = store.data_version()
    for _ in range(3):
        auth.authenticate(store, "局领导", "password-1")
    assert store.data_version() == before
    for _ in range(10):  # failures are counted outside the database: a flood never writes it
        with pytest.raises(auth.AuthError):
            auth.authenticate(store, "局领导", "wrong-password")
    assert store.data_version() == before


def test_the_last_admin_cannot_be_removed(store):
    auth.add_user(store, "admin", "password-3", "admin")
    auth.add_user(store, "analyst", "password-2", "analyst")
    with pytest.raises(auth.AuthError, match="唯一的管理员"):
        auth.remove_user(store, "admin")
    auth.add_user(store, "admin2", "password-5", "admin")
    auth.remove_user(store, "admin")  # another admin remains
    assert [u["name"] for u in auth.list_users(store)] == ["admin2", "analyst"]
