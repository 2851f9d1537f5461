"""A sign-in in the real browser: it survives a reload and a second tab, and a logout ends it for
good, even for someone who copied the cookie."""

from __future__ import annotations

import pytest

from pledge import auth
from tests.browser import ARTIFACTS, page_problems, running_app, wait_until_drawn
from tests.fixtures import city_in

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
LOGIN = "知识产权质押融资监测平台"
OVERVIEW = "知识产权质押融资总览"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    store = city_in(tmp_path_factory.mktemp("sessions"))
    auth.add_user(store, "analyst", "password-2", "analyst")
    with running_app(store.path) as url:
        yield url


def heading(page) -> str:
    wait_until_drawn(page)
    return page.locator("h1").first.inner_text()


def test_a_sign_in_survives_reload_and_second_tab_and_logout_ends_it(app_url, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(app_url)
    assert heading(page) == LOGIN
    page.get_by_label("用户名").fill("analyst")
    page.get_by_label("密码").fill("password-2")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="总览").wait_for()
    assert heading(page) == OVERVIEW
    page.wait_for_function("() => document.cookie.includes('pledge_session=')")
    cookie = next(c for c in context.cookies() if c["name"] == "pledge_session")
    assert cookie["sameSite"] == "Strict" and not cookie["secure"]  # served over http here
    assert page.locator("iframe").count() == 0  # written by the page itself, no component frame

    page.reload()
    assert heading(page) == OVERVIEW and page.get_by_text("当前用户：analyst").is_visible()
    second = context.new_page()
    second.goto(f"{app_url}/upload")  # a bookmark of an analyst page, in a second tab
    assert heading(second) == "数据导入"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "session-resumed.png"))

    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="登录").wait_for()
    page.wait_for_function("() => !document.cookie.includes('pledge_session=')")
    page.reload()
    assert heading(page) == LOGIN
    second.reload()  # the other tab shared the session: it is over there too
    assert heading(second) == LOGIN
    assert page_problems(page) == [] and page_problems(second) == []
    context.close()

    # Someone who copied the cookie before the logout gets nothing with it.
    thief = browser.new_context()
    thief.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path")}])
    stolen = thief.new_page()
    stolen.goto(app_url)
    assert heading(stolen) == LOGIN
    assert not stolen.get_by_role("link", name="数据导入").count()
    thief.close()
