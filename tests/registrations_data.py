"""The 登记核对 / 贷后 scenario shared by tests/test_registrations.py and the browser test: a small
ledger and a registration extract built by hand (see test_registrations.py for what each row tests),
and loading in this process (the sandbox's child process costs seconds on a busy machine)."""

from __future__ import annotations

import datetime as dt

from etl import load as loader
from etl import pipeline
from etl.checksums import patent_check_char
from etl.issues import ParsedFile
from etl.parse import parse_file
from pledge.store import Store
from tests.fixtures import USCC_A, USCC_B, USCC_C, district_rows, xlsx_bytes

AS_OF = dt.date(2025, 12, 31)


def patent(serial: int, kind: int = 1, year: int = 2020) -> str:
    digits = f"{year}{kind}{serial:07d}"
    return f"ZL{digits}.{patent_check_char(digits)}"


P = {i: patent(i) for i in range(1, 10)}
UTILITY = patent(50, kind=2)
A, B, C = "甲科技有限公司", "乙材料股份有限公司", "丙生物(示例)有限公司"

LEDGER_HEADER = [
    "企业名称",
    "统一社会信用代码",
    "所属区县",
    "质权人",
    "质押物类型",
    "质押专利号",
    "质押登记号",
    "贷款金额(万元)",
    "放款日期",
    "贷款期限(月)",
    "到期日",
    "贷款余额(万元)",
    "五级分类",
]
LEDGER = [  # L1 … L12 in order
    [A, USCC_A, "东湖区", "工行东湖支行", "发明专利", P[1], "Y1", 500, "2025-03-01", 12, None, 500, "正常"],
    [B, USCC_B, "西山区", "建行西山支行", "混合", f"{P[2]}、{UTILITY}", None, 100, "2025-06-01", 6, None, 100, "次级"],
    [B, USCC_B, "西山区", "建行西山支行", "发明专利", P[3], None, 300, "2025-06-02", 12, None, 300, "正常类"],
    [B, USCC_B, "西山区", "建行西山支行", "发明专利", P[4], None, 200, "2025-06-03", 12, None, None, None],
    [B, USCC_B, "西山区", "建行西山支行", "发明专利", P[5], None, 210, "2025-06-04", 12, None, None, None],
    [
        C,
        USCC_C,
        "高新区",
        "招商银行示例市分行",
        "发明专利",
        P[6],
        None,
        400,
        "2025-08-01",
        12,
        "2026-02-15",
        400,
        "关注",
    ],
    [C, USCC_C, "高新区", "招商银行示例市分行", "发明专利", P[6], None, 600, "2025-09-01", 6, None, 600, None],
    [A, USCC_A, "东湖区", "中国银行东湖支行", "发明专利", P[7], None, 150, "2025-04-15", 24, None, 0, None],
    [A, USCC_A, "东湖区", "工行东湖支行", "发明专利", P[8], "Y8", 800, "2025-01-10", 12, None, 800, "正常"],
    [A, USCC_A, "东湖区", "工行东湖支行", "发明专利", P[8], "Y9", 820, "2025-06-08", 12, None, None, None],
    [A, USCC_A, "东湖区", "工行东湖支行", "发明专利", P[9], None, 90, "2025-12-15", 12, None, None, None],
    [B, USCC_B, "西山区", "建行西山支行", "商标", "第41527213号", None, 50, "2025-05-05", 12, None, None, None],
]
ICBC, CCB = "中国工商银行股份有限公司示例支行", "中国建设银行股份有限公司西山支行"
EXTRACT_HEADER = ["事件", "专利号", "登记号", "日期", "出质人", "质权人", "出质人统一社会信用代码"]
EXTRACT = [
    ["PE01", P[1], "Y0", "2024-05-01", A, ICBC, USCC_A],
    ["质押注销", P[1], "Y0", "2024-11-01", A, ICBC, USCC_A],
    ["PE01 质押生效", P[1], "Y1", "2025-02-20", "甲科技有限责任公司", ICBC, None],
    ["PE01", f"{P[2]}、{UTILITY}", "Y2", "2025-03-03", B, CCB, USCC_B],
    ["PE01", P[3], "Y3", "2025-07-02", B, CCB, USCC_B],
    ["PE01", P[4], "Y4", "2025-03-04", B, CCB, USCC_B],
    ["PE01", P[5], "Y5", "2025-07-05", B, CCB, USCC_B],
    ["PE01", P[6], "Y6", "2025-07-25", "丙生物（示例）有限责任公司", "招商银行示例市分行", None],
    ["PE01", P[7], "Y7", "2025-04-10", A, "示例市融资担保有限公司", None],
    ["PE01", P[8], "Y8", "2025-01-05", A, ICBC, None],
    ["PC01", P[8], "Y8", "2025-05-10", A, ICBC, None],
    ["PE01", P[8], "Y9", "2025-06-05", A, ICBC, None],
    ["CF01", P[2], None, "2025-09-01", None, None, None],
    ["PC01", P[1], "Y1", "2025-09-15", None, None, None],
    ["IW01", P[1], None, "2025-10-01", None, None, None],
    ["PE01", patent(70), "Y11", "2025-05-20", "东湖新材料有限公司", "交通银行示例分行", None],
    ["PE01", patent(71), "Y12", "2025-05-21", "外地远方有限公司", ICBC, None],
    ["PE01", P[9], "Y13", "2025-12-20", "某某有限公司", ICBC, None],
]


def parse(store: Store, name: str, rows: list[list]) -> ParsedFile:
    """Parsed in this process (the sandbox's child process costs seconds on a busy machine)."""
    return parse_file(xlsx_bytes(rows), name, pipeline.reference(store))


def load(store: Store, name: str, rows: list[list]) -> loader.LoadResult:
    parsed = parse(store, name, rows)
    assert parsed.ok, [str(i) for i in parsed.errors]
    return loader.load(store, parsed, user="test")


def new_store(folder) -> Store:
    store = Store(folder / "pledge.duckdb", timeout=5)
    store.ensure_schema()
    load(store, "districts.xlsx", district_rows())
    return store


def scenario(folder) -> Store:
    """A store with the tiny city's districts, the ledger and the extract above."""
    store = new_store(folder)
    load(store, "ledger.xlsx", [LEDGER_HEADER, *LEDGER])
    load(store, "质押登记.xlsx", [EXTRACT_HEADER, *EXTRACT])
    return store
