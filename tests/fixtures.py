"""Plain builders and constants shared by the tests: the tiny city (its districts, ledger and
targets), spreadsheet builders, the `python -m etl` runner and a machine without chart packages.

Pytest fixtures built on these (`empty_store`, `store`, `city`, `browser`) are in conftest.py. Test
modules import from here, never from one another.

The tiny city's ledger (amounts in 万元; the tests' as-of date is 2025-06-30 unless they say otherwise):
  2025  A 东湖区 工行 01-10   500 首贷 ZL201310699744.2 (invention)            贴息 5
  2025  A 东湖区 建行 03-15  1500      ZL201310699744.2 + 202320123456.1 (utility)
  2025  B 西山区 工行 05-20  2500 首贷 ZL202310123456.6 (invention)            贴息 10
  2025  C 高新区 招行 06-01  2000      (exactly the 普惠 threshold: counts as inclusive)
  2025  B 高新区 招行 07-05   800      (after the as-of date: never counted)
  2024  A 东湖区 工行 02-01   400
  2024  B 西山区 建行 06-30  1000
  2024  B 西山区 建行 07-01   700      (outside last year's window, inside its full year)
Targets 2025 (亿元): 东湖区 1.0, 西山区 0.4, 高新区 0.5, 临江县 none.
"""

from __future__ import annotations

import atexit
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from etl import pipeline
from pledge.reference import District, Reference
from pledge.schema import DEFAULT_BANKS
from pledge.store import Store

ROOT = Path(__file__).resolve().parent.parent

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
USCC_C = "91990101MA0000001Y"  # check character worked out with the GB 32100 weights
PATENT_INVENTION = "ZL201310699744.2"
PATENT_INVENTION_2 = "ZL202310123456.6"
UTILITY = "202320123456.1"


# -- spreadsheets ---------------------------------------------------------------------------
def xlsx_bytes(
    rows: list[list], merges: list[str] | tuple[str, ...] = (), sheet: str = "Sheet1", extra_sheets: dict | None = None
) -> bytes:
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


def workbook_bytes(sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> bytes:
    """An .xlsx with one sheet per entry (in order) and each sheet's merged ranges like 'A3:A5'."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
        for cell_range in (merges or {}).get(name, []):
            ws.merge_cells(cell_range)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def blank_merged(rows: list[list], merges: list[str]) -> list[list]:
    """What Excel keeps of `rows` once `merges` are merged: the top-left cell of each range only."""
    kept = [list(row) for row in rows]
    for cell_range in merges:
        (c0, r0), (c1, r1) = (coordinate_from_string(end) for end in cell_range.split(":"))
        first, last = column_index_from_string(c0) - 1, column_index_from_string(c1) - 1
        for r in range(r0 - 1, r1):
            for c in range(first, last + 1):
                if (r, c) != (r0 - 1, first) and c < len(kept[r]):
                    kept[r][c] = None
    return kept


def city_reference() -> Reference:
    """The tiny city's districts and the default banks, as parsing sees them (no store needed)."""
    return Reference([District(code, name, [alias] if alias else []) for name, code, alias in DISTRICTS], DEFAULT_BANKS)


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def sheet_rows(sheet) -> list[dict]:
    """A sheet's rows as {header: cell}."""
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row)) for row in sheet.iter_rows(min_row=2)]


# -- the tiny city ----------------------------------------------------------------------------
def district_rows() -> list[list]:
    return [["区县名称", "行政区划代码", "别名"], *[list(d) for d in DISTRICTS]]


AS_OF = dt.date(2025, 6, 30)  # the tiny city's hand-checked as-of date
CITY_HEADER = [
    "企业名称",
    "统一社会信用代码",
    "所属区县",
    "质权人",
    "质押专利号",
    "质押登记号",
    "贷款金额(万元)",
    "放款日期",
    "是否首贷",
    "贴息金额(万元)",
]
CITY_LEDGER = [
    [
        "甲科技有限公司",
        USCC_A,
        "东湖区",
        "中国工商银行示例市东湖支行",
        PATENT_INVENTION,
        "R1",
        500,
        "2025-01-10",
        "是",
        5,
    ],
    [
        "甲科技有限公司",
        USCC_A,
        "东湖区",
        "建设银行东湖支行",
        f"{PATENT_INVENTION}、{UTILITY}",
        "R2",
        1500,
        "2025-03-15",
        "否",
        None,
    ],
    ["乙材料股份有限公司", USCC_B, "西山区", "工行西山支行", PATENT_INVENTION_2, "R3", 2500, "2025-05-20", "是", 10],
    ["丙生物有限公司", USCC_C, "高新区", "招商银行示例市分行", None, "R4", 2000, "2025-06-01", "否", None],
    ["乙材料股份有限公司", USCC_B, "高新区", "招商银行示例市分行", None, "R5", 800, "2025-07-05", "否", None],
    ["甲科技有限公司", USCC_A, "东湖区", "工行东湖支行", None, "P1", 400, "2024-02-01", "否", None],
    ["乙材料股份有限公司", USCC_B, "西山区", "建行西山支行", None, "P2", 1000, "2024-06-30", "否", None],
    ["乙材料股份有限公司", USCC_B, "西山区", "建行西山支行", None, "P3", 700, "2024-07-01", "否", None],
]


def city_targets(rows: list[list]) -> list[list]:
    """A 2025 targets sheet (title, header, then `rows` of 区县, 亿元, 发明专利件数)."""
    return [["2025年度知识产权质押融资目标任务分解表"], ["区县", "质押融资金额(亿元)", "质押发明专利(件)"], *rows]


# -- stores built once per test process -----------------------------------------------------
# Each file a fixture loads goes through the sandboxed child process (about a second each); a
# store every test starts from is built once and copied (database, archive, backups, files).
_TEMPLATES: dict[str, Path] = {}


def from_template(name: str, folder: Path, build: Callable[[Path], object]) -> None:
    """Fill `folder` with a copy of what `build(template_folder)` leaves there, built once per process."""
    if name not in _TEMPLATES:
        template = Path(tempfile.mkdtemp(prefix=f"pledge-{name}-"))
        atexit.register(shutil.rmtree, template, ignore_errors=True)
        build(template)
        _TEMPLATES[name] = template
    shutil.copytree(_TEMPLATES[name], folder, dirs_exist_ok=True)


def load_city(store: Store, folder: Path) -> Store:
    """Load the ledger and the 2025 targets above into a store that has the districts."""
    files: tuple[tuple[str, list], ...] = (
        ("ledger.xlsx", [CITY_HEADER, *CITY_LEDGER]),
        ("targets.xlsx", city_targets([["东湖区", 1.0, 2], ["西山区", 0.4, 1], ["高新区", 0.5, 1]])),
    )
    for name, rows in files:
        parsed, result = pipeline.import_path(store, write(folder, name, xlsx_bytes(rows)), user="test")
        assert parsed.ok and result is not None and result.status == "loaded", [str(i) for i in parsed.issues]
    return store


def city_in(folder: Path) -> Store:
    """A fresh store in `folder` with the tiny city's districts, this ledger and its targets."""

    def build(template: Path) -> None:
        store = Store(template / "city.duckdb")
        store.ensure_schema()
        pipeline.import_path(store, write(template, "districts.xlsx", xlsx_bytes(district_rows())), user="test")
        load_city(store, template)

    from_template("city_in", folder, build)
    return Store(folder / "city.duckdb")


# -- files as analysts send them --------------------------------------------------------------
# A ledger exported with a title, a unit line and a 合计 row; 临江 is written by its alias.
CLI_LEDGER = [
    ["2025年1-6月全市知识产权质押融资情况统计表"],
    ["单位：万元"],
    ["企业名称", "统一社会信用代码", "所属区县", "质权人", "质押专利号", "贷款金额", "放款日期", "是否首贷"],
    ["甲科技有限公司", USCC_A, "东湖区", "工商银行东湖支行", PATENT_INVENTION, 1200, "2025-03-05", "是"],
    ["乙材料股份有限公司", USCC_B, "临江", "农行临江支行", None, 300, "2025-06-20", "否"],
    ["合计", None, None, None, None, 1500, None, None],
]
# Targets with an explicit 全市 row.
CLI_TARGETS = [["2025年度目标"], ["区县", "质押融资金额(亿元)"], ["东湖区", 0.2], ["临江县", 0.1], ["全市", 0.5]]

# A July ledger with a header over two rows (merged G3:H3 where the page test uploads it).
MESSY = [
    ["2025年7月全市知识产权质押融资情况统计表"],
    ["单位：万元"],
    ["企业名称", "统一社会信用代码", "所属区县", "质权人", "质押专利号", "质押登记号", None, None],
    [None, None, None, None, None, None, "贷款金额", "放款日期"],
    ["丁智能有限公司", USCC_A, "临江", "农行临江支行", PATENT_INVENTION, "R9", "1,000", "2025年7月10日"],
    ["合计", None, None, None, None, None, 1000, None],
]


# -- processes ------------------------------------------------------------------------------
def run(*args: str, db: Path, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m etl ARGS --db DB` in a child process (out of reach of the invariant checks)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    env.pop("PLEDGE_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "etl", *args, "--db", str(db)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


HIDDEN = ("chromium", "chromium-browser", "google-chrome", "apt-get", "sudo", "id")
EMPTY_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig></fontconfig>
"""


def without_chart_packages(folder: Path) -> dict[str, str]:
    """Environment of a machine like this one without chromium and without any font: a PATH of
    links to every other command, and FONTCONFIG_FILE naming a configuration with no font."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for entry in os.scandir(directory):
            link = bin_dir / entry.name
            if entry.name not in HIDDEN and not link.exists() and os.access(entry.path, os.X_OK):
                link.symlink_to(entry.path)
    (folder / "fonts.conf").write_text(EMPTY_FONTCONFIG)
    return {"PATH": str(bin_dir), "FONTCONFIG_FILE": str(folder / "fonts.conf")}
