"""Issue #15 in a real browser: an analyst uploads far-away-cell workbooks and a lying zip bomb
through 数据导入; while the server parses the first, another session's 总览 draws in seconds; the
upload page then shows what was read and the Chinese refusals, and the server is still healthy."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from pledge import auth
from tests import hostile
from tests.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    log_in,
    open_page,
    page_problems,
    running_app,
    wait_until_drawn,
)
from tests.fixtures import city_in, write

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

OVERVIEW_SECONDS = 8  # from the click to a drawn 总览, on two shared cores, while a file is parsed


def parsing_children(port: int) -> list[int]:
    """The parsing children (etl/sandbox.py) of the app server listening on `port`. The server
    keeps one spare child waiting; a second one exists only while a file is being parsed."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\x00")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        processes[int(entry.name)] = (ppid, cmdline)
    servers = [pid for pid, (_, cmd) in processes.items() if b"streamlit" in cmd and str(port).encode() in cmd]
    return [pid for pid, (ppid, cmd) in processes.items() if ppid in servers and b"etl.sandbox" in cmd]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-browser")
    store = city_in(folder)
    auth.add_user(store, "analyst", "password-2", "analyst")
    files = [
        write(folder, "远处单元格_ALL20000.xlsx", hostile.far_cell_within_budget()),  # read in full: seconds
        write(folder, "远处单元格_XFD1048576.xlsx", hostile.far_cell_honest()),  # the file of issue #15
        write(folder, "压缩炸弹.xlsx", hostile.zip_bomb_lying()),
    ]
    with running_app(store.path) as url:
        yield url, files


def file_box(page, name: str):
    """The bordered box the upload page draws for one file: the innermost holding its title."""
    return (
        page.locator('[data-testid="stLayoutWrapper"]')
        .filter(has=page.get_by_role("heading", name=name, exact=True))
        .last
    )


def test_hostile_uploads_do_not_stall_other_sessions(setup):
    url, files = setup
    port = int(url.rsplit(":", 1)[1])
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        uploader = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        other = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        log_in(uploader, url, "analyst", "password-2")
        open_page(uploader, "数据导入")
        log_in(other, url, "analyst", "password-2")
        open_page(other, "区县")

        uploader.locator('input[type="file"]').set_input_files([str(f) for f in files])
        deadline = time.monotonic() + 30
        while len(parsing_children(port)) < 2:  # the first file is in a child now
            assert time.monotonic() < deadline, "the upload was never parsed"
            time.sleep(0.05)
        started = time.monotonic()
        open_page(other, "总览", timeout_ms=OVERVIEW_SECONDS * 1000)
        drawn = time.monotonic() - started
        assert drawn < OVERVIEW_SECONDS, f"{drawn:.1f} s"
        assert page_problems(other) == []
        assert other.locator('[data-testid="stMetric"]').filter(has_text="质押融资金额").count() == 1

        # The cell at ALL20000 is read past (the ledger's one loan); the one at XFD1048576 and the
        # bomb are refused in Chinese, each reason in its problem list (a canvas grid, whose
        # accessible cells carry the text).
        uploader.locator('[role="gridcell"]').filter(has_text="文件结构有误").first.wait_for(
            state="attached", timeout=60_000
        )
        wait_until_drawn(uploader)
        read, far, bomb = (file_box(uploader, f.name) for f in files)
        assert "质押融资台账" in read.get_by_text("识别为：").first.inner_text()
        assert read.get_by_text("此文件不能导入").count() == 0
        for box, reason in ((far, "1,048,576行×16,384列"), (bomb, "请用Excel打开后另存为 .xlsx 再导入")):
            assert box.get_by_text("此文件不能导入").count() == 1
            assert box.locator('[role="gridcell"]').filter(has_text=reason).count() == 1
        assert not uploader.query_selector_all('[data-testid="stException"]')
        ARTIFACTS.mkdir(exist_ok=True)
        uploader.screenshot(path=str(ARTIFACTS / "upload-hostile.png"), full_page=True)
        browser.close()

    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
        assert response.status == 200 and response.read() == b"ok"
