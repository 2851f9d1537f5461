"""The multi-process set of scripts/cluster.py, for real: a writer, two readers and nginx on loopback.
A viewer signs in through nginx and sees the overview from a reader that offers no writing page;
a ledger loaded on the writer shows through the reader once its snapshot is published.

nginx must be installed (scripts/system-packages.sh installs nginx-light for the tests): without
it this test fails, it does not skip."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from etl import pipeline
from pledge import auth
from pledge.store import Store
from tests.browser import ARTIFACTS, ROOT, free_port, page_problems, wait_until_drawn
from tests.fixtures import MESSY, city_in, write, xlsx_bytes

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    store = city_in(folder)
    auth.add_user(store, "viewer", "password-1", "viewer")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PLEDGE_DB": str(store.path),
        "PLEDGE_SNAPSHOTS": str(folder / "snapshots"),
    }
    port, writer, first, second = (free_port() for _ in range(4))
    log = open(folder / "cluster.log", "w")  # noqa: SIM115  (closed below)
    command = [sys.executable, "scripts/cluster.py", "--port", str(port), "--writer-port", str(writer)]
    command += ["--reader-ports", f"{first},{second}", "--run-dir", str(folder / "run")]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"scripts/cluster.py did not start:\n{(folder / 'cluster.log').read_text()}")
            time.sleep(0.3)
        yield url, env, folder
    finally:
        proc.send_signal(signal.SIGTERM)  # it stops nginx and the app processes it started
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def amount(page) -> str:
    wait_until_drawn(page)
    card = page.locator('[data-testid="stMetric"]').filter(has_text="质押融资金额").first
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def test_readers_serve_the_dashboards_and_a_writer_import_reaches_them(cluster, browser):
    url, env, folder = cluster
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(url)
    wait_until_drawn(page)
    page.get_by_label("用户名").fill("viewer")
    page.get_by_label("密码").fill("password-1")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="总览").wait_for()
    assert amount(page) == "0.73亿元"
    assert page.get_by_role("link", name="数据导入", exact=True).count() == 0  # a reader offers no writing page
    assert page.get_by_role("link", name="月度通报", exact=True).count() == 0  # its 签发 writes: on the writer
    assert page_problems(page) == []
    route = next(c["value"] for c in context.cookies() if c["name"] == "pledge_route")

    # The writing pages' URLs go to the writer (nginx redirects them under /admin/, served by it).
    redirect = http.client.HTTPConnection(url.removeprefix("http://"), timeout=10)
    redirect.request("GET", "/upload")
    answer = redirect.getresponse()
    assert (answer.status, answer.getheader("Location")) == (302, "/admin/upload")
    with urllib.request.urlopen(f"{url}/admin/_stcore/health", timeout=10) as response:
        assert response.status == 200

    before = sorted((folder / "snapshots").glob("*.duckdb"))
    ledger = write(folder, "7月台账.xlsx", xlsx_bytes(MESSY))
    with pytest.MonkeyPatch.context() as patch:  # a writer, as `python -m etl load` is (its library, in-process)
        patch.setenv("PLEDGE_SNAPSHOTS", env["PLEDGE_SNAPSHOTS"])
        parsed, result = pipeline.import_path(Store(env["PLEDGE_DB"]), ledger, user="analyst")
    assert parsed.ok and result is not None and result.status == "loaded"
    after = sorted((folder / "snapshots").glob("*.duckdb"))
    assert len(after) == len(before) + 1  # one import, one snapshot

    page.reload()  # the reader notices the new snapshot at the next rerun
    assert amount(page) == "0.83亿元"  # the loan of 7月10日
    assert next(c["value"] for c in context.cookies() if c["name"] == "pledge_route") == route  # sticky
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "cluster-reader-overview.png"))
    context.close()
