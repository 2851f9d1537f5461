"""Pytest fixtures shared by the test modules (their builders are in tests/fixtures.py), and the
data-invariant checks (tests/invariants.py) run after every load and undo.

The checks wrap `etl.load.load` and `etl.load.undo` for the whole session: the module attributes
(which `loader.load` / `loader.undo` in etl/cli.py, ui/importing.py and pages/history.py look up
at call time) and every name a project module bound with `from etl.load import load` before the
session started (etl/pipeline.py, hence pipeline.import_path and etl/demo.py; etl/compose.py);
a module imported later binds the wrapper itself. After each call that returns, the wrapper
checks the store it was given, unless the test is marked `no_invariants`. A broken invariant
raises at the call site and is also recorded, so that the test fails even where app code (a
Streamlit page under AppTest, the CLI's error handling) catches the exception.

Out of reach: loads and undos in child processes (the CLI tests through subprocess, the fault
tests, the app that the browser tests drive).
"""

from __future__ import annotations

import functools
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from etl import load as loader
from etl import pipeline
from pledge.store import Store
from tests import invariants
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.fixtures import district_rows, from_template, load_city, write, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent


# -- stores ------------------------------------------------------------------------------------
# Built once per test process and copied for each test (tests/fixtures.py from_template).
def _districts_only(folder: Path) -> None:
    store = Store(folder / "pledge.duckdb", timeout=5)
    store.ensure_schema()
    path = write(folder, "districts.xlsx", xlsx_bytes(district_rows(), sheet="区县"))
    parsed, result = pipeline.import_path(store, path, user="fixture")
    assert parsed.ok and result.status == "loaded", parsed.issues


def _tiny_city(folder: Path) -> None:
    _districts_only(folder)
    load_city(Store(folder / "pledge.duckdb", timeout=5), folder)


@pytest.fixture
def empty_store(tmp_path) -> Store:
    store = Store(tmp_path / "pledge.duckdb", timeout=5)
    store.ensure_schema()
    return store


@pytest.fixture
def store(tmp_path) -> Store:
    """A store that knows the tiny city's districts and nothing else."""
    from_template("districts", tmp_path, _districts_only)
    return Store(tmp_path / "pledge.duckdb", timeout=5)


@pytest.fixture
def city(tmp_path) -> Store:
    """The tiny city of tests/fixtures.py: its districts, its ledger and its 2025 targets."""
    from_template("city", tmp_path, _tiny_city)
    return Store(tmp_path / "pledge.duckdb", timeout=5)


@pytest.fixture(scope="session", autouse=True)
def _open_without_accounts():
    """Most tests drive pages of a city without any account, as a demo would. A deployment gets
    "create the first admin" instead (tests/test_sessions.py removes this to check it); the
    browser tests' app servers inherit it through the environment."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLEDGE_OPEN_WITHOUT_ACCOUNTS", "1")
        yield


# -- the browser -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium, one for a test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# -- data invariants after every load and undo -------------------------------------------------
@dataclass
class _Checks:
    enabled: bool = True
    broken: list[str] = field(default_factory=list)  # since the last test's teardown
    done: dict[str, int] = field(default_factory=lambda: {"load": 0, "undo": 0})
    seconds: float = 0.0


_checks = _Checks()


def _checked(real, name: str):
    @functools.wraps(real)
    def wrapper(store, *args, **kwargs):
        result = real(store, *args, **kwargs)
        if _checks.enabled:
            started = time.perf_counter()
            try:
                invariants.check(store)
            except invariants.InvariantBroken as broken:
                _checks.broken.append(f"after {name}: {broken}")
                raise
            finally:
                _checks.seconds += time.perf_counter() - started
            _checks.done[name] += 1
        return result

    return wrapper


def _project_modules():
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None) or ""
        if path.startswith(str(ROOT)) and not path.startswith(str(ROOT / "tests")) and "/.venv/" not in path:
            yield module


@pytest.fixture(scope="session", autouse=True)
def _loads_and_undos_are_checked():
    wrappers = [(loader.load, _checked(loader.load, "load")), (loader.undo, _checked(loader.undo, "undo"))]
    with pytest.MonkeyPatch.context() as patch:
        for module in _project_modules():
            for attr, value in list(vars(module).items()):
                for real, wrapper in wrappers:
                    if value is real:
                        patch.setattr(module, attr, wrapper)
        yield


_CALL_PASSED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_CALL_PASSED] = report.passed
    return report


@pytest.fixture(autouse=True)
def data_invariants(request):
    """Checks on unless the test is marked no_invariants; fails a test whose broken invariant
    app code swallowed."""
    _checks.enabled = request.node.get_closest_marker("no_invariants") is None
    yield
    _checks.enabled = True
    broken, _checks.broken = _checks.broken, []
    if broken and request.node.stash.get(_CALL_PASSED, False):
        pytest.fail(
            "a load or undo left the database inconsistent (the exception was caught on the way):\n"
            + "\n".join(broken),
            pytrace=False,
        )


def pytest_terminal_summary(terminalreporter):
    if any(_checks.done.values()):
        terminalreporter.write_line(
            f"data invariants held after {_checks.done['load']} loads and {_checks.done['undo']} undos "
            f"in this process (checking took {_checks.seconds:.1f}s)"
        )
