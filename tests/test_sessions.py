"""Sessions, the first admin and sign-in throttling: what a security review checks.

The browser half (reload, second tab, logout, a copied cookie) is in test_browser_sessions.py."""

from __future__ import annotations

import os
import re
import stat
import statistics
import time
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pledge import auth, sessions
from tests.fixtures import run

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SAME = "用户名或密码不正确"
BLOCKED = re.compile(r"登录失败次数过多，请(\d+)分钟后再试")


@pytest.fixture
def clock(monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr(sessions, "_now", lambda: now[0])
    return now


@pytest.fixture
def accounts(city):
    auth.add_user(city, "admin", "password-3", "admin")
    auth.add_user(city, "viewer1", "password-1", "viewer")
    return city


def answer(store, name: str, password: str, client: str = "10.0.0.1") -> str:
    try:
        return "ok:" + auth.authenticate(store, name, password, client).name
    except auth.AuthError as refused:
        return str(refused)


def app(db: Path, monkeypatch, open_demo: bool = False) -> AppTest:
    monkeypatch.setenv("PLEDGE_DB", str(db))
    if not open_demo:
        monkeypatch.delenv("PLEDGE_OPEN_WITHOUT_ACCOUNTS", raising=False)
    return AppTest.from_file(APP, default_timeout=60)


def page_titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


# -- session tokens ------------------------------------------------------------------------------
def test_a_session_lives_while_used_and_ends_when_idle_revoked_or_old(accounts, clock):
    side = auth.sessions(accounts)
    token = side.create("admin", "admin||abc")
    assert side.resume(token) == ("admin", "admin||abc")
    assert stat.S_IMODE(os.stat(side.path).st_mode) == 0o600
    assert token not in side.path.read_bytes().decode("latin-1")  # only its digest is stored
    for _ in range(5):  # used every 50 minutes for over four hours: still signed in
        clock[0] += 50 * 60
        assert side.resume(token) is not None
    clock[0] += 61 * 60  # then an hour and a minute without a request
    assert side.resume(token) is None
    token = side.create("admin", "admin||abc")
    side.revoke(token)  # logout
    assert side.resume(token) is None
    token = side.create("admin", "admin||abc")
    for _ in range(sessions.SESSION_MAX_HOURS * 2 + 1):  # busy all day: at most twelve hours
        clock[0] += 30 * 60
        alive = side.resume(token) is not None
    assert not alive


def test_signing_in_opens_a_session_and_logging_out_revokes_it(accounts, monkeypatch):
    at = app(accounts.path, monkeypatch).run()
    at.text_input(key="login_name").input("viewer1")
    at.text_input(key="login_password").input("password-1")
    at.button[0].click().run()
    token = at.session_state["session_token"]
    assert auth.sessions(accounts).resume(token) == ("viewer1", auth.state_text(at.session_state["user"]))
    assert any("pledge_session=" in h.proto.body and "SameSite=Strict" in h.proto.body for h in at.get("html"))
    at.button(key="logout").click().run()
    assert page_titles(at) == ["知识产权质押融资监测平台"]  # the login page
    assert auth.sessions(accounts).resume(token) is None  # a copy of the cookie is worthless now
    assert any("pledge_session=; " in h.proto.body and "Max-Age=0" in h.proto.body for h in at.get("html"))


def test_removing_an_account_or_changing_its_password_revokes_its_sessions(accounts):
    side = auth.sessions(accounts)
    first = side.create("viewer1", "viewer||x")
    auth.set_password(accounts, "viewer1", "password-new")
    assert side.resume(first) is None
    second = side.create("viewer1", "viewer||y")
    auth.remove_user(accounts, "viewer1")
    assert side.resume(second) is None


# -- the first admin -----------------------------------------------------------------------------
def test_a_deployment_without_accounts_offers_only_the_first_admin_page(city, monkeypatch, capfd):
    at = app(city.path, monkeypatch).run()
    assert page_titles(at) == ["创建第一个管理员"]
    assert not at.metric and not at.dataframe
    for page in ("app_pages/accounts.py", "app_pages/upload.py", "app_pages/overview.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    alone = AppTest.from_file(str(ROOT / "app_pages/accounts.py"), default_timeout=60).run()  # by its URL
    assert any("没有访问此页面的权限" in e.value for e in alone.error) and not alone.title

    printed = capfd.readouterr().err
    token = re.search(r"一次性令牌（30分钟内有效，仅可使用一次）：(\S+)", printed).group(1)
    at.text_input(key="setup_token").input("wrong-token")
    at.text_input(key="setup_name").input("局管理员")
    at.text_input(key="setup_password").input("a-strong-pass")
    at.text_input(key="setup_again").input("a-strong-pass")
    at.button[0].click().run()
    assert any("令牌不正确或已过期" in e.value for e in at.error)
    assert auth.list_users(city) == []
    at.text_input(key="setup_token").input(token)
    at.button[0].click().run()
    assert at.session_state["user"].name == "局管理员" and at.session_state["user"].role == "admin"
    assert [u["name"] for u in auth.list_users(city)] == ["局管理员"]
    at.switch_page("app_pages/accounts.py").run()
    assert page_titles(at) == ["账户管理"]

    again = app(city.path, monkeypatch).run()  # anyone else now gets the login page
    assert page_titles(again) == ["知识产权质押融资监测平台"] and not again.metric


def test_the_setup_token_works_once_and_expires(clock):
    first = sessions.SetupToken()
    token = first.issue_if_needed()
    assert first.issue_if_needed() is None  # printed once while it is valid
    assert first.redeem(token) and not first.redeem(token)
    late = sessions.SetupToken()
    token = late.issue_if_needed()
    clock[0] += 31 * 60
    assert not late.redeem(token)
    assert late.issue_if_needed() not in (None, token)  # a new one is printed


def test_the_first_admin_from_the_cli_then_a_login_page(city, monkeypatch):
    added = run("users", "add", "admin", "--role", "admin", db=city.path, stdin="cli-password\n")
    assert added.returncode == 0, added.stdout + added.stderr
    at = app(city.path, monkeypatch).run()
    assert page_titles(at) == ["知识产权质押融资监测平台"]
    at.text_input(key="login_name").input("admin")
    at.text_input(key="login_password").input("cli-password")
    at.button[0].click().run()
    assert at.session_state["user"].role == "admin"


def test_only_the_demo_city_is_open_without_accounts(city, monkeypatch):
    with city.write() as con:
        con.execute("INSERT INTO meta VALUES ('demo', '示例市')")
    at = app(city.path, monkeypatch).run()
    assert at.metric and any("演示模式" in c.value for c in at.sidebar.caption)
    at.switch_page("app_pages/accounts.py").run()
    assert page_titles(at) == ["账户管理"]


def test_a_missing_database_named_by_pledge_db_is_not_open(tmp_path, monkeypatch):
    at = app(tmp_path / "new.duckdb", monkeypatch).run()
    assert page_titles(at) == ["创建第一个管理员"]


# -- throttling ----------------------------------------------------------------------------------
def test_unknown_names_and_real_ones_get_the_same_answers(accounts, clock):
    real = [answer(accounts, "admin", "wrong-pass") for _ in range(7)]
    ghost = [answer(accounts, "nobody", "wrong-pass") for _ in range(7)]
    assert real == ghost
    assert real[:4] == [SAME] * 4 and all(BLOCKED.match(a) for a in real[4:])
    assert BLOCKED.match(answer(accounts, "admin", "password-3"))  # blocked: the right password waits too


def test_the_answers_take_about_as_long_whatever_the_name(accounts):
    def median_seconds(name: str, client: str) -> float:
        times = []
        for _ in range(4):
            start = time.perf_counter()
            answer(accounts, name, "wrong-pass", client)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    for i in range(5):  # block admin from 10.0.0.9
        answer(accounts, "admin", f"wrong-{i}", "10.0.0.9")
    wrong = median_seconds("admin", "10.0.0.1")
    unknown = median_seconds("nobody", "10.0.0.2")
    blocked = median_seconds("admin", "10.0.0.9")
    slowest, fastest = max(wrong, unknown, blocked), min(wrong, unknown, blocked)
    assert slowest < fastest * 2, (wrong, unknown, blocked)


def test_one_attacker_cannot_lock_the_real_admin_out(accounts, clock):
    for _ in range(5):
        answer(accounts, "admin", "guess", "203.0.113.7")
    assert BLOCKED.match(answer(accounts, "admin", "password-3", "203.0.113.7"))
    assert answer(accounts, "admin", "password-3", "10.0.0.1") == "ok:admin"  # the admin's own desk


def test_the_attackers_waits_double(accounts, clock):
    waits = []
    for _ in range(5):
        for _ in range(5):
            result = answer(accounts, "admin", "guess", "203.0.113.7")
        waits.append(int(BLOCKED.match(result).group(1)))
        clock[0] += waits[-1] * 60 + 1
        result = answer(accounts, "admin", "guess", "203.0.113.7")  # one more try after the wait
        waits.append(int(BLOCKED.match(result).group(1)))
        clock[0] += waits[-1] * 60 + 1
    assert waits[:6] == [1, 2, 4, 8, 16, 32] and max(waits) == 60


def test_one_client_trying_many_names_is_slowed_down(accounts, clock):
    for i in range(20):
        answer(accounts, f"user{i}", "guess", "203.0.113.7")
    assert BLOCKED.match(answer(accounts, "viewer1", "password-1", "203.0.113.7"))
    assert answer(accounts, "viewer1", "password-1", "10.0.0.1") == "ok:viewer1"


def test_an_admin_unlocks_from_the_cli(accounts, clock):
    for _ in range(5):
        answer(accounts, "admin", "guess")
    assert BLOCKED.match(answer(accounts, "admin", "password-3"))
    listed = run("users", "list", db=accounts.path)
    assert "admin" in listed.stdout and "至" in listed.stdout
    unlocked = run("user", "unlock", "admin", db=accounts.path)
    assert unlocked.returncode == 0 and "已解除 admin 的登录锁定" in unlocked.stdout
    assert answer(accounts, "admin", "password-3") == "ok:admin"
    with accounts.read() as con:
        assert (
            con.execute("SELECT action FROM audit_log ORDER BY logged_at DESC LIMIT 1").fetchone()[0] == "解除登录锁定"
        )


def test_an_admin_unlocks_on_the_accounts_page(accounts, monkeypatch):
    for _ in range(5):
        answer(accounts, "viewer1", "guess")
    at = app(accounts.path, monkeypatch)
    at.session_state["user"] = auth.authenticate(accounts, "admin", "password-3")
    at.run().switch_page("app_pages/accounts.py").run()
    table = at.dataframe[0].value.set_index("用户")
    assert table.loc["viewer1", "锁定至"] not in (None, "—") and table.loc["admin", "锁定至"] in (None, "—")
    assert at.selectbox(key="unlock_name").value == "viewer1"
    next(b for b in at.button if b.label == "解除锁定").click().run()
    assert answer(accounts, "viewer1", "password-1") == "ok:viewer1"


# -- binding -------------------------------------------------------------------------------------
def test_the_app_listens_on_this_machine_unless_told_otherwise():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    script = (ROOT / "scripts" / "app.sh").read_text()
    assert '--server.address "${PLEDGE_ADDRESS:-127.0.0.1}"' in script


def test_behind_the_trusted_proxy_the_forwarded_address_is_the_client():
    from ui.session import forwarded_client

    assert forwarded_client("127.0.0.1", "10.0.0.9", "127.0.0.1") == "10.0.0.9"
    # A client cannot choose its own address: only the entry the proxy appended counts.
    assert forwarded_client("127.0.0.1", "1.2.3.4, 10.0.0.9", "127.0.0.1") == "10.0.0.9"
    # Without a trusted proxy, or from another address, the header is the client's say only.
    assert forwarded_client("10.0.0.7", "1.2.3.4", None) == "10.0.0.7"
    assert forwarded_client("10.0.0.7", "1.2.3.4", "127.0.0.1") == "10.0.0.7"
