"""Shared fixtures: a tiny city in a temporary DuckDB file, and builders for messy spreadsheets."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from etl import pipeline
from pledge.store import Store
from tests.browser import CHROMIUM, CHROMIUM_ARGS

# The tiny city used across tests. Codes are fictional (99 is no real province).
DISTRICTS = [
    ("东湖区", "990101", "东湖"),
    ("西山区", "990102", ""),
    ("高新技术产业开发区", "990103", "高新区"),
    ("临江县", "990104", "临江"),
]

# Valid identifiers (checked by hand against the GB 32100 and CNIPA rules).
USCC_A = "91110000710925462X"
USCC_B = "91440300708461136T"
PATENT_INVENTION = "ZL201310699744.2"
PATENT_INVENTION_2 = "ZL202310123456.6"

TODAY = dt.date(2025, 11, 15)


def xlsx_bytes(rows: list[list], merges: list[str] = (), sheet: str = "Sheet1", extra_sheets: dict | None = None) -> bytes:
    """An .xlsx with the given rows (None for empty cells) and merged ranges like 'A3:A4'."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for cell_range in merges:
        ws.merge_cells(cell_range)
    for name, more in (extra_sheets or {}).items():
        other = book.create_sheet(name)
        for row in more:
            other.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def district_rows() -> list[list]:
    return [["区县名称", "行政区划代码", "别名"], *[list(d) for d in DISTRICTS]]


@pytest.fixture
def empty_store(tmp_path) -> Store:
    store = Store(tmp_path / "pledge.duckdb", timeout=5)
    store.ensure_schema()
    return store


@pytest.fixture
def store(empty_store, tmp_path) -> Store:
    """A store that knows the tiny city's districts and nothing else."""
    path = write(tmp_path, "districts.xlsx", xlsx_bytes(district_rows(), sheet="区县"))
    parsed, result = pipeline.import_path(empty_store, path, user="fixture")
    assert parsed.ok and result.status == "loaded", parsed.issues
    return empty_store


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium, one for a test module (the browser tests)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
