"""Benchmarks: `python -m bench.run` (see bench/README.md). Not part of the test suite.

Each measurement runs in its own process so that its peak memory is its own. Results go to
bench/RESULTS.md with the machine description and the command."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TODAY = dt.date(2026, 11, 23)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _emit(result: dict) -> None:
    result["peak_mb"] = round(_peak_mb(), 1)
    print(json.dumps(result, ensure_ascii=False))


# -- tasks (each in its own process) ------------------------------------------------------
def task_make_ledger(rows: int, path: Path) -> None:
    from etl import demo

    city = demo.generate(seed=11, today=TODAY, scale=rows / 6_250 * 1.1, first_year=TODAY.year - 9)
    loans = city.loans.head(rows)
    demo._write_ledger(path, "全市知识产权质押融资情况统计表", loans)
    districts = path.with_name("districts.xlsx")
    import xlsxwriter

    book = xlsxwriter.Workbook(str(districts))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["区县名称", "行政区划代码", "别名"])
    for r, (name, code, aliases) in enumerate(city.districts, start=1):
        sheet.write_row(r, 0, [name, code, "、".join(aliases)])
    book.close()
    _emit({"rows": len(loans), "bytes": path.stat().st_size})


def task_bare_read(path: Path) -> None:
    import pandas as pd

    started = time.perf_counter()
    frame = pd.read_excel(path, engine="calamine", header=None)
    _emit({"seconds": time.perf_counter() - started, "rows": len(frame)})


def task_ingest(path: Path, db: Path) -> None:
    from etl import load, pipeline
    from etl.read import read_tables
    from pledge.store import Store

    store = Store(db, timeout=600)
    data = path.read_bytes()
    pipeline.import_path(store, path.with_name("districts.xlsx"), user="bench")
    t0 = time.perf_counter()
    read_tables(data, path.name)
    t1 = time.perf_counter()
    parsed = pipeline.parse_bytes(store, data, path.name, today=TODAY)
    t2 = time.perf_counter()
    assert parsed.ok, [str(i) for i in parsed.errors[:5]]
    result = load.load(store, parsed, user="bench")
    t3 = time.perf_counter()
    _emit(
        {
            "read": t1 - t0,
            "header_normalise_validate": (t2 - t1) - (t1 - t0),
            "load": t3 - t2,
            "total": (t3 - t2) + (t2 - t1),
            "rows": parsed.rows_read,
            "new": result.counts["new"],
        }
    )


def task_naive(path: Path, db: Path, rows: int) -> None:
    """What a user writes by hand: openpyxl, a check per cell, one INSERT per row."""
    import duckdb
    import openpyxl

    from etl.checksums import uscc_problem

    started = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book.active
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE loans (name VARCHAR, uscc VARCHAR, district VARCHAR, bank VARCHAR, amount DECIMAL(18,2), loan_date DATE)"
    )
    con.execute("BEGIN")
    done = 0
    for row in sheet.iter_rows(min_row=4, values_only=True):
        if done >= rows or row[0] in (None, "合计"):
            break
        if uscc_problem(str(row[1])) or not row[9] or float(row[9]) <= 0:
            raise ValueError(row)
        con.execute(
            "INSERT INTO loans VALUES (?, ?, ?, ?, ?, ?)",
            [row[0], row[1], row[2], row[3], float(row[9]) * 10_000, row[10]],
        )
        done += 1
    con.execute("COMMIT")
    _emit({"seconds": time.perf_counter() - started, "rows": done})


# What each page asks the metrics layer for (its `query(...)` calls, the sidebar's included), as
# (label, call) pairs so that every call is timed on its own too. Keep in step with app_pages/.
def _sidebar(m, con, y, d, ctx):
    return m.years_with_data(con), m.freshness(con), m.default_as_of(con, y)


def _bulletin(m, con, y, d, ctx):
    from pledge import bulletin

    return bulletin.build(con, y, d.month, annex_rows=50)


def _letterhead(m, con, y, d, ctx):
    from pledge import issuing

    return issuing.letterhead(con), issuing.next_number(con, y), issuing.issued(con)


PAGES = {
    "总览": [
        ("sidebar", _sidebar),
        ("district_progress", lambda m, con, y, d, ctx: m.district_progress(con, y, d)),
        ("funnel_share", lambda m, con, y, d, ctx: m.funnel_share(con, y, d)),
        ("year_end_projection", lambda m, con, y, d, ctx: m.year_end_projection(con, y, d)),
    ],
    "区县": [
        ("sidebar", _sidebar),
        ("district_progress", lambda m, con, y, d, ctx: m.district_progress(con, y, d)),
        ("district_month_matrix", lambda m, con, y, d, ctx: m.district_month_matrix(con, y, d, edge=15)),
        ("year_end_projection(d)", lambda m, con, y, d, ctx: m.year_end_projection(con, y, d, ctx["district"])),
        ("bank_breakdown(d)", lambda m, con, y, d, ctx: m.bank_breakdown(con, y, d, ctx["district"])),
        ("patents_by_type(d)", lambda m, con, y, d, ctx: m.patents_by_type(con, y, d, ctx["district"])),
        ("top_enterprises(d)", lambda m, con, y, d, ctx: m.top_enterprises(con, y, d, 20, ctx["district"])),
    ],
    "企业": [
        ("sidebar", _sidebar),
        ("search_enterprises", lambda m, con, y, d, ctx: m.search_enterprises(con, ctx["search"], 50)),
        ("enterprise_history", lambda m, con, y, d, ctx: m.enterprise_history(con, ctx["uscc"])),
        ("enterprise_loans", lambda m, con, y, d, ctx: m.enterprise_loans(con, ctx["uscc"])),
        ("top_enterprises", lambda m, con, y, d, ctx: m.top_enterprises(con, y, d, 15)),
        ("first_time_page", lambda m, con, y, d, ctx: m.first_time_page(con, y, d, 1, 50)),
    ],
    "质权人": [
        ("sidebar", _sidebar),
        ("bank_breakdown", lambda m, con, y, d, ctx: m.bank_breakdown(con, y, d)),
        ("bank_by_district", lambda m, con, y, d, ctx: m.bank_by_district(con, y, d, edge=15)),
    ],
    "月度通报": [
        ("sidebar", _sidebar),
        ("latest_loan_date", lambda m, con, y, d, ctx: m.latest_loan_date(con, y)),
        ("bulletin.build", _bulletin),
        ("letterhead, 文号, issued", _letterhead),
    ],
}


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def task_queries(db: Path, repeats: int) -> None:
    from pledge import metrics
    from pledge.store import Store

    store = Store(db)
    with store.read() as con:
        year = metrics.years_with_data(con)[0]
        as_of = metrics.default_as_of(con, year)
        top = metrics.top_enterprises(con, year, as_of, 1)
        ctx = {
            "district": metrics.districts(con)["code"].iloc[0],
            "uscc": top["uscc"].iloc[0],
            "search": top["name"].iloc[0][3:6],
        }
        loans = con.execute("SELECT count(*) FROM v_loans").fetchall()[0][0]
    timings = {}
    for page, calls in PAGES.items():
        samples: list[float] = []
        cpu: list[float] = []  # CPU time of this process (DuckDB's threads included): less moved by other load
        per_call: dict[str, list[float]] = {label: [] for label, _ in calls}
        for _ in range(repeats):
            store._pool.close_now()  # each page pays for opening the file once, as after an idle spell
            started, cpu_started = time.perf_counter(), time.process_time()
            with store.read() as con:
                for label, call in calls:
                    t0 = time.perf_counter()
                    call(metrics, con, year, as_of, ctx)
                    per_call[label].append((time.perf_counter() - t0) * 1000)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        timings[page] = {
            "p50_ms": statistics.median(samples),
            "p95_ms": _p95(samples),
            "cpu_p50_ms": statistics.median(cpu),
            "calls": {label: {"p50_ms": statistics.median(s), "p95_ms": _p95(s)} for label, s in per_call.items()},
        }
    started = time.perf_counter()
    for _ in range(repeats):
        store._pool.close_now()
        with store.read():
            pass
    _emit({"loans": loans, "year": year, "pages": timings, "open_ms": (time.perf_counter() - started) * 1000 / repeats})


def task_build(db: Path, loans: int) -> None:
    from bench import scale

    started = time.perf_counter()
    _, city = scale.build_store(db, loans, TODAY)
    _emit({"seconds": time.perf_counter() - started, "loans": len(city.loans), "districts": len(city.districts)})


def task_browser(db: Path, repeats: int) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, running_app, wait_until_drawn

    started = time.perf_counter()
    with running_app(db) as url:
        server_up = time.perf_counter() - started
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # One browser context: the first open is a first visit (nothing cached in the browser),
            # later opens are a returning leader whose browser has Streamlit's and plotly's scripts.
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            samples = []
            for _ in range(repeats):
                page = context.new_page()
                t0 = time.perf_counter()
                page.goto(url)
                wait_until_drawn(page)
                samples.append(time.perf_counter() - t0)
                page.close()
            browser.close()
    _emit(
        {
            "server_start_s": server_up,
            "first_open_s": samples[0],
            "warm_p50_s": statistics.median(samples[1:]),
            "warm_max_s": max(samples[1:]),
        }
    )


# -- orchestration ------------------------------------------------------------------------
def _run(*args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bench.run", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"bench task {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    import duckdb
    import pandas
    import streamlit

    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, pandas {pandas.__version__}, "
        f"Streamlit {streamlit.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="loans in the query benchmarks")
    parser.add_argument("--ingest-rows", type=int, default=100_000)
    parser.add_argument("--naive-rows", type=int, default=10_000, help="rows the naive loader is timed on")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--task", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.task:
        tasks = {
            "make-ledger": lambda a: task_make_ledger(int(a[0]), Path(a[1])),
            "bare": lambda a: task_bare_read(Path(a[0])),
            "ingest": lambda a: task_ingest(Path(a[0]), Path(a[1])),
            "naive": lambda a: task_naive(Path(a[0]), Path(a[1]), int(a[2])),
            "build": lambda a: task_build(Path(a[0]), int(a[1])),
            "queries": lambda a: task_queries(Path(a[0]), int(a[1])),
            "browser": lambda a: task_browser(Path(a[0]), int(a[1])),
        }
        tasks[options.task](options.args)
        return

    OUT.mkdir(parents=True, exist_ok=True)
    command = "python -m bench.run " + " ".join(sys.argv[1:])
    lines = [
        f"# Benchmark results\n\nMeasured {dt.datetime.now():%Y-%m-%d %H:%M} with `{command.strip()}`.\n",
        f"Machine: {_machine()}.\n",
    ]

    ledger = OUT / f"ledger_{options.ingest_rows}.xlsx"
    made = _run("--task", "make-ledger", str(options.ingest_rows), str(ledger))
    print("ledger", made, file=sys.stderr)
    for stale in OUT.glob("ingest*.duckdb*"):
        stale.unlink()
    bare = _run("--task", "bare", str(ledger))
    ours = _run("--task", "ingest", str(ledger), str(OUT / "ingest.duckdb"))
    naive_db = OUT / "naive.duckdb"
    naive_db.unlink(missing_ok=True)
    naive = _run("--task", "naive", str(ledger), str(naive_db), str(options.naive_rows))
    naive_full = naive["seconds"] * made["rows"] / naive["rows"]
    print("ingest", bare, ours, naive, file=sys.stderr)
    lines += [
        f"## 1. Ingest of a {made['rows']:,}-row ledger .xlsx ({made['bytes'] / 1024 / 1024:.1f} MB)\n",
        "| step | seconds | peak memory (MB) |",
        "|---|---:|---:|",
        f'| bare `pandas.read_excel(engine="calamine")` (the floor) | {bare["seconds"]:.2f} | {bare["peak_mb"]:.0f} |',
        f"| ours: read (calamine) | {ours['read']:.2f} | |",
        f"| ours: header, normalise, validate | {ours['header_normalise_validate']:.2f} | |",
        f"| ours: load (one transaction, dedupe, enterprises) | {ours['load']:.2f} | |",
        f"| **ours: end to end** | **{ours['total']:.2f}** ({ours['total'] / bare['seconds']:.1f}× the bare read) | {ours['peak_mb']:.0f} |",
        f"| naive openpyxl + row-by-row INSERT, {naive['rows']:,} rows measured | {naive['seconds']:.2f} | {naive['peak_mb']:.0f} |",
        f"| naive, extrapolated to {made['rows']:,} rows | ≈{naive_full:.0f} | |",
        "",
    ]

    lines += [
        "## 2. Each page's metrics queries\n",
        f"Each page's metrics calls on one read-only connection, the file opened afresh for every sample "
        f"(as after an idle spell; pages then cache their answers until the data changes), "
        f"{options.repeats} samples on the default year and as-of date. Times in milliseconds; CPU is "
        f"the measuring process's CPU time (DuckDB's threads included), less moved by other load.\n",
        "| loans | districts | build (s) | page | p50 | p95 | CPU p50 | peak memory (MB) |",
        "|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for size in [int(s) for s in options.sizes.split(",") if s]:
        db = OUT / f"scale_{size}.duckdb"
        built = _run("--task", "build", str(db), str(size))
        measured = _run("--task", "queries", str(db), str(options.repeats))
        print("queries", size, built, measured, file=sys.stderr)
        for i, (page, t) in enumerate(measured["pages"].items()):
            first = i == 0
            lines.append(
                f"| {measured['loans']:,} | {built['districts']:,} | {built['seconds']:.0f} | {page} | "
                f"{t['p50_ms']:.0f} | {t['p95_ms']:.0f} | {t['cpu_p50_ms']:.0f} | {measured['peak_mb']:.0f} |"
                if first
                else f"| | | | {page} | {t['p50_ms']:.0f} | {t['p95_ms']:.0f} | {t['cpu_p50_ms']:.0f} | |"
            )
        lines.append(f"| | | | (opening a read connection) | {measured['open_ms']:.1f} | | | |")
    lines.append("")

    demo_db = OUT / "demo.duckdb"
    for p in (demo_db, demo_db.with_name(demo_db.name + ".wal")):
        p.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "etl", "demo", "--db", str(demo_db), "--today", TODAY.isoformat()],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    browser = _run("--task", "browser", str(demo_db), "6")
    print("browser", browser, file=sys.stderr)
    lines += [
        "## 3. App start to a fully drawn overview (demo city, headless Chromium, 1366×768)\n",
        "| measure | seconds |",
        "|---|---:|",
        f"| server start until healthy | {browser['server_start_s']:.2f} |",
        f"| first visit: server just started, browser cache empty | {browser['first_open_s']:.2f} |",
        f"| returning visit (browser has the scripts), median | {browser['warm_p50_s']:.2f} |",
        f"| returning visit, slowest | {browser['warm_max_s']:.2f} |",
        f"| peak memory of the measuring process (MB) | {browser['peak_mb']:.0f} |",
        "",
    ]
    notes = ROOT / "bench" / "NOTES.md"
    if notes.exists():
        lines.append(notes.read_text(encoding="utf-8"))
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
