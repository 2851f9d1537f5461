"""A damaged or vanished database fails closed: every visitor gets a Chinese page that says what
happened and how an admin restores it, never the page list or an English error; the CLI says the
same, and restore picks the newest backup that is whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl import cli
from pledge import auth
from pledge.store import Store, StoreUnreadable

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DAMAGES = {
    "zero length": lambda path: path.write_bytes(b""),
    "bad header": lambda path: path.write_bytes(b"this is not a database" * 400),
}


def damage(store: Store, how: str) -> None:
    store.path.with_name(store.path.name + ".wal").unlink(missing_ok=True)
    DAMAGES[how](store.path)


def page_text(at: AppTest) -> str:
    return "\n".join(
        [e.value for e in at.title]
        + [e.value for e in at.error]
        + [e.value for e in at.markdown]
        + [e.value for e in at.code]
        + [e.value for e in at.warning]
    )


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_file_shows_the_restore_page_and_nothing_else(city, monkeypatch, how):
    auth.add_user(city, "admin", "password-3", "admin")
    damage(city, how)
    monkeypatch.setenv("PLEDGE_DB", str(city.path))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    text = page_text(at)
    assert "数据库文件损坏" in text and "python -m etl restore --list" in text
    assert not at.text_input  # no login form, no upload, no account page: nothing but the notice
    assert not at.metric and not at.dataframe
    for page in ("app_pages/accounts.py", "app_pages/upload.py", "app_pages/overview.py"):  # not even registered
        with pytest.raises(ValueError, match=r"Known pages: \['系统提示'\]"):
            at.switch_page(page)


def test_a_vanished_file_with_backups_is_not_replaced_by_an_empty_one(city, monkeypatch):
    auth.add_user(city, "admin", "password-3", "admin")  # a write: takes a backup first
    with city.write(backup="test"):
        pass
    assert city.backups()
    city.path.unlink()
    monkeypatch.setenv("PLEDGE_DB", str(city.path))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert "数据库文件不存在" in page_text(at)
    assert not city.path.exists()  # nothing created in its place


def test_the_cli_says_the_same_and_restores_the_newest_whole_backup(city, capsys):
    with city.read() as con:
        loans = con.execute("SELECT count(*) FROM v_loans").fetchone()[0]
    with city.write(backup="good"):
        pass
    broken_backup = city.backup_dir / f"{city.path.stem}-99991231-000000-000000-half.duckdb"
    shutil.copy2(city.backups()[0], broken_backup)
    whole = broken_backup.read_bytes()
    broken_backup.write_bytes(whole[: len(whole) // 3])  # newest by mtime, and cut short: it opens
    damage(city, "bad header")

    assert cli.main(["summary", "--year", "2025", "--db", str(city.path)]) == 1
    err = capsys.readouterr().err
    assert "数据库文件损坏" in err and "python -m etl restore" in err and "Error" not in err

    assert cli.main(["restore", "--list", "--db", str(city.path)]) == 0
    listing = capsys.readouterr().out
    assert f"{broken_backup.name}  （损坏，不可恢复）" in listing

    assert cli.main(["restore", "--db", str(city.path)]) == 0
    assert "half" not in capsys.readouterr().out
    with Store(city.path).read() as con:
        assert con.execute("SELECT count(*) FROM v_loans").fetchone()[0] == loans


def test_reading_a_damaged_file_raises_the_chinese_error(city):
    damage(city, "zero length")
    with pytest.raises(StoreUnreadable, match="数据库文件损坏"), Store(city.path).read():
        pass


@pytest.mark.browser
def test_in_the_browser_every_url_gives_the_notice_and_no_page_list(city):
    playwright_api = pytest.importorskip("playwright.sync_api")
    from tests.browser import CHROMIUM, CHROMIUM_ARGS, running_app

    auth.add_user(city, "admin", "password-3", "admin")
    damage(city, "bad header")
    with running_app(city.path) as url, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        for path in ("", "accounts", "upload"):
            page.goto(f"{url}/{path}")
            page.get_by_text("数据库文件损坏").wait_for(timeout=30_000)
            assert page.locator('[data-testid="stSidebarNav"]').count() == 0
            assert page.locator('[data-testid="stException"]').count() == 0
            assert "账户管理" not in page.inner_text("body")
        browser.close()
