"""Helpers for tests that drive the real app in Debian's headless Chromium (the `browser`
fixture itself is in conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(db: Path, extra_env: dict | None = None, script: str | Path = "app.py"):
    """Start `streamlit run app.py` (or another script) on a free port against the given database;
    yield its URL."""
    port = free_port()
    env = {**os.environ, "PLEDGE_DB": str(db), "PYTHONPATH": str(ROOT), **(extra_env or {})}
    log = open(db.parent / f"streamlit-{port}.log", "w")  # noqa: SIM115  (closed in the finally below)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start: {(db.parent / f'streamlit-{port}.log').read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_until_drawn(page, timeout_ms: int = 30_000) -> None:
    """Until Streamlit has finished running the script and every Plotly chart has drawn."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
            if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
            if (document.querySelector('[data-testid="stSkeleton"]')) return false;  // charts still loading
            if (!document.querySelector('[data-testid="stMain"] h1')) return false;
            const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
            return Array.from(charts).every(c => c.querySelector('.main-svg'));
        }""",
        timeout=timeout_ms,
    )


def page_problems(page) -> list[str]:
    """Exceptions and error boxes Streamlit shows on the page."""
    problems = [e.inner_text() for e in page.query_selector_all('[data-testid="stException"]')]
    for alert in page.query_selector_all('[data-testid="stAlertContentError"]'):
        problems.append(alert.inner_text())
    return problems


def log_in(page, url: str, name: str, password: str) -> None:
    """Open the app and sign in through the login form; back once the first page has drawn."""
    page.goto(url)
    wait_until_drawn(page)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="总览").wait_for()
    wait_until_drawn(page)


def open_page(page, name: str, timeout_ms: int = 30_000) -> None:
    """Click a page in the navigation and wait until it has drawn. Right after the click the old
    page still stands, finished: first wait for the address to name the new page (the app changes
    it when the new page's run starts), so that the old page is never taken for the new one."""
    link = page.get_by_role("link", name=name)
    target = urllib.parse.urlparse(link.get_attribute("href") or "").path
    link.click()
    if target:
        page.wait_for_function("path => window.location.pathname === path", arg=target, timeout=timeout_ms)
    wait_until_drawn(page, timeout_ms)


def pick(page, label: str, option: str) -> None:
    """Choose an option of a select box by its (possibly hidden) label; the list can close again
    while the page settles, so retry; then wait until the box shows the choice."""
    import re

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_role("combobox", name=label))
    choice = page.locator('[role="option"]').filter(has_text=re.compile(f"^{re.escape(option)}$"))
    for _ in range(5):
        box.get_by_role("button", name="Open").click()
        try:
            choice.click(timeout=3_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    else:
        raise AssertionError(f"{label}: no option {option!r}")
    page.wait_for_function(
        """([label, option]) => Array.from(document.querySelectorAll('input[role="combobox"]'))
        .some(box => (box.getAttribute('aria-label') || '').startsWith(label) && box.value === option)""",
        arg=[label, option],
    )
    wait_until_drawn(page)
