"""Benchmark: many viewers open the overview at the same moment (month end). Not part of the tests.

    PYTHONPATH=. .venv/bin/python -m bench.concurrency [--viewers 10,25,50] [--browsers 10,25] [--readers 2]

On the demo city (built once into bench/out/concurrency/), two set-ups one after the other:
- one app process, as `scripts/app.sh` runs it (today's default: no nginx, no snapshots);
- scripts/cluster.py: a writer, N reader processes and nginx with sticky routing.
and two kinds of viewer, all starting together:
- protocol level: a small websocket client that speaks Streamlit's protocol (bench/streamlit_client.py):
  it fetches the page (through nginx: its routing cookie), opens /_stcore/stream and asks for the
  overview's run; the time runs until the server says the run finished. It does not draw: it is
  the server's share of time-to-drawn, and costs the machine almost nothing.
- headless Chromium (Playwright), one browser context per viewer (its own cookies): the time runs
  from navigation until every chart is drawn (tests/browser.py's condition). The browser shares
  the 2 cores with the servers: at 25+ contexts it is the browser that runs out of CPU first.
Each process's query cache is warmed first by one visit per process (month end: the data was
loaded that morning). Writes bench/RESULTS-concurrency.md and bench/out/concurrency.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.streamlit_client import open_page

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "concurrency"
GOAL_SECONDS = 3.0
# One process as scripts/app.sh starts it today, and the same with the file watcher off as
# scripts/cluster.py starts its processes.
READING = "## What the numbers say"
SINGLE = {"single": [], "single-nowatch": ["--server.fileWatcherType", "none"]}


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1] if len(samples) > 1 else samples[0]


def _wait(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    raise RuntimeError(f"did not start: {url}")


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def demo_db() -> Path:
    db = OUT / "pledge.duckdb"
    if not db.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PLEDGE_DB": str(db)}
        env.pop("PLEDGE_SNAPSHOTS", None)
        subprocess.run([sys.executable, "-m", "etl", "demo"], cwd=ROOT, env=env, check=True)
    return db


def single(db: Path, port: int, flags: list[str]) -> tuple[subprocess.Popen, str, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PLEDGE_DB": str(db)}
    for name in ("PLEDGE_SNAPSHOTS", "PLEDGE_READER"):
        env.pop(name, None)
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true", *flags]
    log = open(OUT / "single.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    _wait(f"{url}/_stcore/health", proc)
    return proc, url, [url]


def cluster(db: Path, port: int, readers: int) -> tuple[subprocess.Popen, str, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PLEDGE_DB": str(db), "PLEDGE_SNAPSHOTS": str(OUT / "snapshots")}
    first = port + 11
    command = [sys.executable, "scripts/cluster.py", "--port", str(port), "--writer-port", str(port + 10)]
    command += ["--reader-port", str(first), "--readers", str(readers), "--run-dir", str(OUT / "run")]
    log = open(OUT / "cluster.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    _wait(f"{url}/_stcore/health", proc)
    return proc, url, [f"http://127.0.0.1:{first + i}" for i in range(readers)]


async def protocol_viewers(url: str, n: int) -> tuple[list[float], int]:
    results = await asyncio.gather(*(open_page(url, timeout=120) for _ in range(n)), return_exceptions=True)
    times = [r for r in results if isinstance(r, float)]
    return times, n - len(times)


DRAWN = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    if (!document.querySelector('[data-testid="stMain"] h1')) return false;
    const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
    return charts.length > 0 && Array.from(charts).every(c => c.querySelector('.main-svg'));
}"""


async def browser_viewers(url: str, n: int, returning: bool) -> tuple[list[float], int]:
    """n contexts open the page at once. `returning`: each context has opened it once before (one
    after the other, not timed), so its cache holds Streamlit's and plotly's scripts, as a leader's
    browser does; otherwise every context is a first visit and fetches and compiles them."""
    from playwright.async_api import async_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = [
            await (await browser.new_context(viewport={"width": 1366, "height": 768})).new_page() for _ in range(n)
        ]
        if returning:
            for page in pages:
                await page.goto(url, timeout=120_000)
                await page.wait_for_function(DRAWN, timeout=120_000)
                await page.goto("about:blank")

        async def visit(page) -> float:
            started = time.perf_counter()
            await page.goto(url, timeout=120_000)
            await page.wait_for_function(DRAWN, timeout=120_000)
            return time.perf_counter() - started

        results = await asyncio.gather(*(visit(page) for page in pages), return_exceptions=True)
        await browser.close()
    times = [r for r in results if isinstance(r, float)]
    return times, n - len(times)


def summary(times: list[float], failed: int) -> dict:
    load = round(os.getloadavg()[0], 1)  # the machine is shared: how busy it was, as the batch ended
    if not times:
        return {"n": 0, "failed": failed, "load": load}
    return {
        "load": load,
        "n": len(times),
        "failed": failed,
        "p50": round(statistics.median(times), 2),
        "p95": round(p95(times), 2),
        "max": round(max(times), 2),
    }


def measure(url: str, warm: list[str], viewers: list[int], browsers: list[int]) -> dict:
    for each in warm:  # one visit per process: its query cache is warm, as after the morning's import
        asyncio.run(open_page(each, timeout=120))
    result: dict = {"protocol": {}, "browser": {}, "browser_first": {}}
    for n in viewers:
        result["protocol"][n] = summary(*asyncio.run(protocol_viewers(url, n)))
        print("protocol", n, result["protocol"][n], file=sys.stderr, flush=True)
        time.sleep(2)
    for n in browsers:
        result["browser"][n] = summary(*asyncio.run(browser_viewers(url, n, returning=True)))
        print("browser, returning", n, result["browser"][n], file=sys.stderr, flush=True)
        time.sleep(2)
    n = browsers[0] if browsers else 0
    if n:
        result["browser_first"][n] = summary(*asyncio.run(browser_viewers(url, n, returning=False)))
        print("browser, first visit", n, result["browser_first"][n], file=sys.stderr, flush=True)
    return result


def machine() -> str:
    from bench.run import _machine

    load = os.getloadavg()
    return f"{_machine()}; load average at start {load[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.concurrency")
    parser.add_argument("--viewers", default="10,25,50", help="protocol-level viewers at once (comma list)")
    parser.add_argument("--browsers", default="5,10,25", help="headless-Chromium viewers at once (comma list)")
    parser.add_argument("--readers", default="2", help="reader processes behind nginx (comma list: one run each)")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--report-only", action="store_true", help="rewrite the tables from bench/out/concurrency.json")
    args = parser.parse_args()
    if args.report_only:
        data = json.loads((ROOT / "bench" / "out" / "concurrency.json").read_text(encoding="utf-8"))
        (ROOT / "bench" / "RESULTS-concurrency.md").write_text(report(data), encoding="utf-8")
        return
    viewers = [int(v) for v in args.viewers.split(",") if v]
    browsers = [int(v) for v in args.browsers.split(",") if v]
    db = demo_db()
    about = machine()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results = {}
    for name, flags in SINGLE.items():
        proc, url, warm = single(db, args.port, flags)
        try:
            results[name] = measure(url, warm, viewers, browsers)
        finally:
            _stop(proc)
    for readers in [int(r) for r in args.readers.split(",") if r]:
        proc, url, warm = cluster(db, args.port + 100, readers)
        try:
            results[f"cluster-{readers}"] = measure(url, warm, viewers, browsers)
        finally:
            _stop(proc)
    data = {"started": started, "machine": about, "results": results}
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "concurrency.json").write_text(json.dumps(data, ensure_ascii=False, indent=2))
    (ROOT / "bench" / "RESULTS-concurrency.md").write_text(report(data), encoding="utf-8")
    print(json.dumps(data, ensure_ascii=False))


def report(data: dict) -> str:
    """The tables of bench/RESULTS-concurrency.md; what they mean is written below them by hand."""
    names = {
        "single": "one app process, as scripts/app.sh (no nginx)",
        "single-nowatch": "one app process, file watcher off (no nginx)",
    }
    lines = [
        "# Concurrent viewers of 总览",
        "",
        f"Measured {data['started']} with `python -m bench.concurrency` on the demo city.",
        "",
        f"Machine: {data['machine']}.",
        "",
        f"Goal (issue #14): 50 concurrent viewers, p95 < {GOAL_SECONDS:.0f} s. Times in seconds, all viewers starting together.",
        "",
        "| set-up | viewers | kind | p50 | p95 | max | failed | load average |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    if not any("load" in r for result in data["results"].values() for kind in result.values() for r in kind.values()):
        lines[-2:] = ["| set-up | viewers | kind | p50 | p95 | max | failed |", "|---|---:|---|---:|---:|---:|---:|"]
    kinds = {
        "protocol": "protocol (server run)",
        "browser": "Chromium, returning",
        "browser_first": "Chromium, first visit",
    }
    for setup, result in data["results"].items():
        label = names[setup] if setup in names else f"nginx + {setup.split('-')[1]} readers + writer, file watcher off"
        for kind, title in kinds.items():
            for n, r in result.get(kind, {}).items():
                if r.get("n"):
                    row = f"| {label} | {n} | {title} | {r['p50']} | {r['p95']} | {r['max']} | {r['failed']} |" + (
                        f" {r['load']} |" if "load" in r else ""
                    )
                else:
                    row = f"| {label} | {n} | {title} | | | | {r['failed']} |"
                lines.append(row)
    tables = "\n".join(lines) + "\n"
    # The hand-written reading below the tables is kept when the tables are redrawn.
    existing = ROOT / "bench" / "RESULTS-concurrency.md"
    text = existing.read_text(encoding="utf-8") if existing.exists() else ""
    return tables + ("\n" + text[text.index(READING) :] if READING in text else "")


if __name__ == "__main__":
    main()
