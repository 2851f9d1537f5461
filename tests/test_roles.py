"""Roles are enforced on the server: navigation lists only what a role may use, and a
restricted page refuses even when opened directly."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pledge import auth
from pledge.text import md

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
ANALYST_PAGES = ["app_pages/upload.py", "app_pages/history.py", "app_pages/targets.py"]
ADMIN_PAGES = ["app_pages/accounts.py", "app_pages/reference.py"]


def app(db: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("PLEDGE_DB", str(db))
    return AppTest.from_file(APP, default_timeout=60)


@pytest.fixture
def accounts(city):
    auth.add_user(city, "leader", "password-1", "viewer")
    auth.add_user(city, "analyst", "password-2", "analyst")
    auth.add_user(city, "admin", "password-3", "admin")
    return city


def test_without_accounts_every_page_is_open_in_demo_mode(city, monkeypatch):
    at = app(city.path, monkeypatch).run()
    for page in ANALYST_PAGES + ADMIN_PAGES:
        at.switch_page(page).run()
        assert not at.exception and not at.error, page


def test_once_an_account_exists_login_is_required(accounts, monkeypatch):
    at = app(accounts.path, monkeypatch).run()
    assert at.title[0].value == "知识产权质押融资监测平台"
    assert not at.metric  # no figure before signing in
    at.text_input(key="login_name").input("leader")
    at.text_input(key="login_password").input("wrong-pass")
    at.button[0].click().run()
    assert any("用户名或密码不正确" in e.value for e in at.error)
    at.text_input(key="login_password").input("password-1")
    at.button[0].click().run()
    assert at.session_state["user"].name == "leader"


def page_alone(page: str, db: Path, monkeypatch, user: auth.User | None) -> AppTest:
    """Run a page file by itself, as if its URL were opened without going through navigation."""
    monkeypatch.setenv("PLEDGE_DB", str(db))
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    if user is not None:
        at.session_state["user"] = user
    return at.run()


@pytest.mark.parametrize("page", ANALYST_PAGES + ADMIN_PAGES)
def test_a_viewer_gets_no_restricted_page(accounts, monkeypatch, page):
    at = app(accounts.path, monkeypatch)
    at.session_state["user"] = auth.authenticate(accounts, "leader", "password-1")
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page)  # not registered in the viewer's navigation at all
    alone = page_alone(page, accounts.path, monkeypatch, auth.authenticate(accounts, "leader", "password-1"))
    assert any("没有访问此页面的权限" in e.value for e in alone.error)
    assert not alone.file_uploader and not alone.title  # refused before drawing anything


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_an_analyst_gets_no_admin_page(accounts, monkeypatch, page):
    at = app(accounts.path, monkeypatch)
    at.session_state["user"] = auth.authenticate(accounts, "analyst", "password-2")
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page)
    alone = page_alone(page, accounts.path, monkeypatch, auth.authenticate(accounts, "analyst", "password-2"))
    assert any("没有访问此页面的权限" in e.value for e in alone.error)


@pytest.mark.parametrize("page", ANALYST_PAGES)
def test_a_session_without_login_is_refused_on_a_restricted_page(accounts, monkeypatch, page):
    alone = page_alone(page, accounts.path, monkeypatch, None)
    assert any("没有访问此页面的权限" in e.value for e in alone.error)


def test_an_analyst_reaches_the_upload_page(accounts, monkeypatch):
    at = app(accounts.path, monkeypatch)
    at.session_state["user"] = auth.authenticate(accounts, "analyst", "password-2")
    at.run()
    at.switch_page("app_pages/upload.py").run()
    assert at.title[0].value == "数据导入" and at.file_uploader


def test_a_viewer_limited_to_a_district_sees_only_its_figures(accounts, monkeypatch):
    auth.add_user(accounts, "东湖领导", "password-4", "viewer", district="东湖区")
    east = auth.authenticate(accounts, "东湖领导", "password-4")
    overview = page_alone("app_pages/overview.py", accounts.path, monkeypatch, east)
    assert overview.title[0].value == "东湖区质押融资总览"
    assert next(m.value for m in overview.metric if m.label == "质押融资金额") == "0.20亿元"  # 500 + 1500万
    assert md("东湖区完成知识产权质押融资0.20亿元") in overview.info[0].value
    districts = page_alone("app_pages/districts.py", accounts.path, monkeypatch, east)
    assert list(districts.dataframe[0].value["区县"]) == ["东湖区"]
    banks = page_alone("app_pages/banks.py", accounts.path, monkeypatch, east)
    assert set(banks.dataframe[0].value["质权人"]) == {"中国工商银行", "中国建设银行"}
    enterprises = page_alone("app_pages/enterprises.py", accounts.path, monkeypatch, east)
    enterprises.text_input(key="enterprise_search").input("乙材料").run()  # borrows in 西山 and 高新 only
    assert any("没有找到" in i.value for i in enterprises.info)


def signed_in(db: Path, monkeypatch, name: str, password: str) -> AppTest:
    at = app(db, monkeypatch).run()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    assert at.session_state["user"].name == name
    return at


@pytest.mark.parametrize(
    "change",
    [
        lambda store: auth.remove_user(store, "analyst"),
        lambda store: auth.set_password(store, "analyst", "a-new-password"),
        lambda store: auth.remove_user(store, "analyst") or auth.add_user(store, "analyst", "password-2", "viewer"),
    ],
    ids=["removed", "new password", "demoted"],
)
def test_a_removed_or_changed_account_is_signed_out_at_its_next_interaction(accounts, monkeypatch, change):
    at = signed_in(accounts.path, monkeypatch, "analyst", "password-2")
    at.switch_page("app_pages/upload.py").run()
    assert at.file_uploader  # still an analyst
    change(accounts)  # by an admin, from the CLI or another session
    at.run()
    assert "user" not in at.session_state
    assert not at.file_uploader and any("账户已被删除或变更" in w.value for w in at.warning)
