"""Issue #15, hostile files: every file of tests/hostile.py goes through the pipeline as an upload
does (the bounded child of etl/sandbox.py) and is either refused with one Chinese message that
names the problem and says what to do, or read correctly, within seconds, without the test
process (standing in for the Streamlit server) growing. And a parsing child killed mid-way costs
only that file."""

from __future__ import annotations

import os
import re
import resource
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from etl import pipeline, sandbox
from pledge import settings
from pledge.store import Store
from tests import hostile
from tests.fixtures import USCC_A, district_rows, write, xlsx_bytes

BOUND_SECONDS = 20  # per file, from the bytes to the analyst's answer
PARSE_TIMEOUT = 18  # the sandbox's wall clock for this module: a hang shows as a refusal, not a stuck run
NAME = hostile.LEDGER_ROW[0]


@dataclass(frozen=True)
class Case:
    file_name: str
    build: Callable[[], bytes]
    refusal: tuple[str, ...] = ()  # words the one message must hold; none: the file is read
    names: tuple[str, ...] = ()  # a file that is read: the enterprise names of its loans, in order


ABORTED = ("文件过于复杂或已损坏", "已拒绝")  # the sandbox's answer when the reader dies with the child
DAMAGED = ("Excel文件无法解析", "文件结构有误", "另存为 .xlsx")
MACROS = ("含有宏", "另存为", "Excel工作簿(*.xlsx)")

CASES = {
    # far-away cells and huge ranges
    "far cell, honest dimension": Case(
        "远处单元格.xlsx", hostile.far_cell_honest, ("工作表“台账”", "1,048,576行×16,384列", "删除多余的行和列")
    ),
    "far cell, lying dimension": Case("远处单元格.xlsx", hostile.far_cell_lying, (*ABORTED, "删除多余的行列")),
    "far cell, no dimension": Case("远处单元格.xlsx", hostile.far_cell_no_dimension, (*ABORTED, "删除多余的行列")),
    "far cell within the cell budget": Case("远处单元格.xlsx", hostile.far_cell_within_budget, names=(NAME,)),
    "huge dimension, no cells": Case(
        "空表.xlsx", hostile.huge_dimension_no_cells, ("工作表“台账”", "1,048,576行×16,384列")
    ),
    "a million styled empty rows": Case("带格式空行.xlsx", hostile.million_styled_empty_rows, names=(NAME,)),
    "a million filled rows": Case(
        "百万行.xlsx", hostile.million_rows, ("工作表“台账”", "1,000,001行", "上限300,000行", "拆分")
    ),
    # XML
    "100k nested elements in the sheet": Case("嵌套.xlsx", hostile.deeply_nested_sheet, names=(NAME,)),
    "100k nested runs in a shared string": Case("嵌套.xlsx", hostile.deeply_nested_shared_string, names=(NAME,)),
    "billion laughs in the sheet": Case("实体.xlsx", hostile.billion_laughs_sheet, DAMAGED),
    "billion laughs in sharedStrings.xml": Case("实体.xlsx", hostile.billion_laughs_shared_strings, DAMAGED),
    # zip bombs and string bombs
    "zip bomb, honest sizes": Case("压缩炸弹.xlsx", hostile.zip_bomb_honest, ("解压后达2048MB", "超过上限500MB")),
    "zip bomb claiming 64 KB": Case("压缩炸弹.xlsx", hostile.zip_bomb_lying, DAMAGED),
    "zip bomb claiming 4 KB": Case(
        "压缩炸弹.xlsx", hostile.zip_bomb_lying_4k, ("Excel文件已损坏", "压缩结构无效", "重新导出")
    ),
    "a 100 MB shared string in 30 cells": Case("长字符串.xlsx", hostile.shared_string_bomb, ABORTED),
    "a 100 MB enterprise name": Case(
        "长字符串.xlsx",
        hostile.shared_string_100mb_name,
        ("工作表“台账”第2行A列", "104,857,600个字符", "上限32,767个字符"),
    ),
    "a million shared strings": Case("百万字符串.xlsx", hostile.million_shared_strings, names=(NAME,)),
    # content that is not what it says
    "NUL bytes in cell text": Case("空字符.xlsx", hostile.nul_in_cell_text, names=("乙科技有限公司",)),
    "NUL bytes in a CSV": Case("空字符.csv", hostile.nul_in_csv, ("CSV文件含有空字符", "另存为 .xlsx")),
    "GBK CSV with a UTF-8 row": Case(
        "混合编码.csv", hostile.mixed_encoding_csv, ("混用了两种编码", "第3行", "UTF-8", "GBK", "乱码")
    ),
    "CSV with an unclosed quote": Case("引号.csv", hostile.csv_unclosed_quote, ("引号没有配对",)),
    "CSV line of two million commas": Case("逗号.csv", hostile.csv_of_commas, ("逗号.csv", "2,000,001列")),
    "macro workbook renamed .xlsx": Case("宏.xlsx", hostile.macro_workbook_renamed, MACROS),
    "VBA part in a plain .xlsx": Case("宏.xlsx", hostile.macro_part_plain_type, MACROS),
    "macro-enabled type renamed .xlsx": Case("宏.xlsx", hostile.macro_enabled_type, MACROS),
    ".xls with a VBA project": Case("宏.xls", hostile.xls_with_macros, MACROS),
    "encrypted workbook named .xlsx": Case("加密.xlsx", hostile.encrypted_workbook, ("打开密码", "取消密码")),
    "encrypted workbook named .xls": Case("加密.xls", hostile.encrypted_workbook, ("打开密码", "取消密码")),
    "xlsx cut in half": Case("半截.xlsx", hostile.truncated_xlsx, ("Excel文件已损坏", "重新导出")),
    "xls cut in half": Case("半截.xls", hostile.truncated_xls, DAMAGED),
    "xls with reversed DIMENSIONS (reader aborts)": Case("坏维度.xls", hostile.xls_reversed_dimensions, ABORTED),
    "xls sheet offset out of range (reader panics)": Case("坏偏移.xls", hostile.xls_sheet_offset_out_of_range, DAMAGED),
    "random bytes named .xls": Case("随机.xls", hostile.random_xls, ("不是有效的Excel工作簿", "扩展名为.xls")),
    "compound-file magic then random bytes": Case("随机.xls", hostile.random_after_ole_magic, DAMAGED),
    "HTML table named .xls": Case("网页.xls", hostile.html_table_xls, ("网页", "另存为 .xlsx")),
}

# Words an analyst may meet in a message; any other Latin word is a leak from the code.
_ALLOWED_WORDS = {"excel", "xlsx", "xls", "csv", "utf", "gbk", "gb18030", "vba", "mb", "kb", "unicode", "xml"}


def assert_for_the_analyst(message: str) -> None:
    """Chinese that names the problem, not a Python or Rust error."""
    assert len(re.findall(r"[\u4e00-\u9fff]", message)) >= 15, message
    leaked = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9_]+", message) if w.lower() not in _ALLOWED_WORDS]
    assert not leaked, f"{leaked} in {message}"
    assert not any(c in message for c in "\x00<>{}"), message


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Store:
    """A store that knows the tiny city's districts, shared by the module (the files never load)."""
    folder = tmp_path_factory.mktemp("hostile")
    store = Store(folder / "pledge.duckdb", timeout=5)
    store.ensure_schema()
    parsed, result = pipeline.import_path(store, write(folder, "区县.xlsx", xlsx_bytes(district_rows())), user="test")
    assert parsed.ok and result.status == "loaded"
    return store


@pytest.fixture(scope="module", autouse=True)
def short_parse_timeout():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLEDGE_PARSE_TIMEOUT", str(PARSE_TIMEOUT))  # children started from now on
        patch.setattr(settings, "PARSE_TIMEOUT_SECONDS", PARSE_TIMEOUT)  # the parent's wall clock
        yield


@pytest.fixture(scope="module")
def rss_before(city) -> float:
    return peak_rss_mb()


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_file_is_refused_in_chinese_or_read(city, rss_before, case):
    spec = CASES[case]
    data = spec.build()
    started = time.perf_counter()
    parsed = pipeline.parse_bytes(city, data, spec.file_name)
    elapsed = time.perf_counter() - started
    assert elapsed < BOUND_SECONDS, f"{case}: {elapsed:.1f} s"
    if spec.refusal:
        assert not parsed.ok and parsed.kind is None and parsed.frame is None
        assert len(parsed.issues) == 1, [str(i) for i in parsed.issues]  # refused as a whole, one reason
        message = parsed.errors[0].message
        assert_for_the_analyst(message)
        for words in spec.refusal:
            assert words in message, message
    else:
        assert parsed.ok, [str(i) for i in parsed.errors]
        assert parsed.kind == "loans" and parsed.rows_read == len(spec.names)
        assert list(parsed.frame["enterprise_name"]) == list(spec.names)
        assert set(parsed.frame["uscc"]) == {USCC_A}
        assert list(parsed.frame["amount_cents"]) == [500 * 10_000 * 100] * len(spec.names)  # 500万元


def test_the_corpus_did_not_grow_the_test_process(rss_before):
    """The test process stands in for the Streamlit server: whatever the files did to the
    children, it holds only the bytes and the answers."""
    assert peak_rss_mb() - rss_before < 200


def test_an_external_link_is_read_without_being_fetched(city):
    """The cached value of a formula into another workbook is read; the workbook it points at,
    on a server that records every connection, is never asked for."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.5)
        port = server.getsockname()[1]
        parsed = pipeline.parse_bytes(
            city, hostile.external_link(f"http://127.0.0.1:{port}/银行底稿.xlsx"), "外部链接.xlsx"
        )
        with pytest.raises(socket.timeout):
            server.accept()
    assert parsed.ok, [str(i) for i in parsed.errors]
    assert list(parsed.frame["amount_cents"]) == [500 * 10_000 * 100]
    assert list(parsed.frame["enterprise_name"]) == [NAME]


def big_csv_ledger(rows: int = 100_000) -> bytes:
    """A legal ledger that takes the child some seconds to parse."""
    lines = [",".join(hostile.LEDGER_HEADER)]
    for i in range(rows):
        values = list(hostile.LEDGER_ROW)
        values[5] = 100 + i % 900
        values[6] = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"
        lines.append(",".join(str(v) for v in values))
    return "\n".join(lines).encode("utf-8")


def test_a_child_killed_mid_parse_refuses_that_file_and_the_next_parse_works(city):
    answers = []
    parsing = threading.Thread(
        target=lambda: answers.append(pipeline.parse_bytes(city, big_csv_ledger(), "全年台账.csv"))
    )
    parsing.start()
    deadline = time.monotonic() + 30
    while not sandbox.running_children():
        assert time.monotonic() < deadline and parsing.is_alive(), "the parse never started a child"
        time.sleep(0.01)
    time.sleep(0.5)  # into the parse
    [pid] = sandbox.running_children()
    assert parsing.is_alive()
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    parsing.join(timeout=10)
    assert not parsing.is_alive() and time.monotonic() - killed < 5
    [parsed] = answers
    assert not parsed.ok and len(parsed.errors) == 1
    assert_for_the_analyst(parsed.errors[0].message)
    assert "被终止" in parsed.errors[0].message
    assert sandbox.running_children() == []
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped, not left a zombie

    again = pipeline.parse_bytes(city, xlsx_bytes([hostile.LEDGER_HEADER, hostile.LEDGER_ROW]), "台账.xlsx")
    assert again.ok and list(again.frame["enterprise_name"]) == [NAME]
