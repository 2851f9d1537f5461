"""The tiny city of tests/fixtures.py with a hand-built 增量扩面 roster, events and demands, shared
by tests/test_outreach.py and tests/test_browser_outreach.py (see the first for the figures)."""

from __future__ import annotations

import shutil
from pathlib import Path

from etl import load as loader
from etl import pipeline
from etl.checksums import uscc_check_char
from etl.parse import parse_file
from pledge.store import Store
from tests.fixtures import USCC_A, USCC_B, USCC_C, city_in, workbook_bytes, xlsx_bytes


def _uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


USCC_D = _uscc("91990102MA00000D1")  # 西山区 by its code
USCC_E = _uscc("91990104MA00000E1")
USCC_F = _uscc("91990101MA00000F1")
USCC_G = _uscc("91990101MA00000G1")  # no district in the roster: 东湖区 from positions 3-8

ROSTER = [
    ["示例市潜在首贷企业名单"],
    ["企业名称", "统一社会信用代码", "所属区县", "有效发明专利数", "有效专利数", "标签"],
    ["甲科技有限公司", USCC_A, "东湖区", 3, 5, "高企"],  # borrowed: never on the white list
    ["丁电子有限公司", USCC_D, "西山区", 4, 9, "科小"],
    ["戊农业有限公司", USCC_E, "临江县", 0, 6, "示范企业"],  # no invention patent
    ["己软件有限公司", USCC_F, "东湖", 2, 3, "专精特新"],
    ["庚医药有限公司", USCC_G, None, 2, 2, "高新技术企业、专精特新"],
]
EVENTS = {
    "活动": [
        ["日期", "活动名称", "区县或园区", "主办银行", "参会企业数"],
        ["2025-03-01", "东湖政银企对接会", "东湖", "工行、中国银行", 30],
    ],
    "对接企业名单": [
        ["活动名称", "企业名称", "统一社会信用代码"],
        ["东湖政银企对接会", "甲科技有限公司", USCC_A],
        ["东湖政银企对接会", "庚医药有限公司", USCC_G],
    ],
}
DEMANDS = [
    [
        "企业名称",
        "统一社会信用代码",
        "需求金额(万元)",
        "登记日期",
        "推送银行",
        "推送日期",
        "银行反馈",
        "反馈日期",
        "授信金额(万元)",
    ],
    # 181 days before A's loan of 2025-01-10: outside the window.
    ["甲科技有限公司", USCC_A, 100, "2024-07-13", None, None, None, None, None],
    # exactly 180 days before it: inside (both ends count); that loan is 首贷.
    ["甲科技有限公司", USCC_A, 200, "2024-07-14", None, None, None, None, None],
    # C's loan of 2025-06-01 is 212 days after the demand but 151 after the push: inside.
    ["丙生物有限公司", USCC_C, 300, "2024-11-01", "招商银行", "2025-01-01", "授信", "2025-01-11", 250],
    # B's 首贷 of 2025-05-20 came the day before: not matched; its 2025-07-05 loan (招行) is.
    ["乙材料股份有限公司", USCC_B, 400, "2025-05-21", "工行", "2025-05-21", "未通过：担保不足", "2025-05-31", None],
    ["庚医药有限公司", USCC_G, 50, "2025-02-01", None, None, None, None, None],
]


def load_parsed(store: Store, name: str, data: bytes):
    """Parsed in this process (the sandbox's child costs seconds on a busy machine), loaded as the app does."""
    parsed = parse_file(data, name, pipeline.reference(store))
    assert parsed.ok, [str(i) for i in parsed.issues]
    result = loader.load(store, parsed, user="分析员")
    assert result.status == "loaded"
    return parsed, result


_BUILT: list[Path] = []  # the file built first in this test session


def outreach_city(folder: Path) -> Store:
    """The tiny city (districts, ledger, 2025 targets) with the roster, events and demands above, in
    a file of its own under `folder`: built once per test session (six loads), then copied."""
    if not _BUILT:
        base = folder / "built"
        base.mkdir()
        store = city_in(base)
        load_parsed(store, "名单.xlsx", xlsx_bytes(ROSTER))
        load_parsed(store, "活动.xlsx", workbook_bytes(EVENTS))
        load_parsed(store, "需求.xlsx", xlsx_bytes(DEMANDS))
        store._pool.close_now()  # the copies must see every write
        _BUILT.append(store.path)
    target = folder / "outreach.duckdb"
    shutil.copy(_BUILT[0], target)
    return Store(target, timeout=5)
