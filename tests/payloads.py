"""Names that carry markdown, HTML and LaTeX, and a city built with them: data must show as
written wherever the app shows it (tests/test_escape.py, tests/test_browser_escape.py)."""

from __future__ import annotations

from pathlib import Path

from etl import load as loader
from etl import pipeline
from etl.checksums import uscc_check_char
from pledge import auth
from pledge.store import Store
from tests.fixtures import CITY_HEADER as HEADER
from tests.fixtures import DISTRICTS, PATENT_INVENTION, city_in, xlsx_bytes

LINK = "**粗体**[点我](javascript:alert(1))"
IMG = "<img src=x onerror=alert(1)>"
BOLD = "<b>加粗</b>"
TEX = "$x^2$"
RED = ":red[红字]"
HEADING = "# 标题"
ITALIC = "_斜体_"
ADMIN = "**管理员**[点我](javascript:alert(1))"
PAYLOADS = [LINK, IMG, BOLD, TEX, RED, HEADING, ITALIC, ADMIN]
# Beyond the issue's list: what Streamlit rewrites after parsing, entities, a backslash.
MORE = [
    ":material/home:",
    ":material_home:",
    ":smile:",
    ":streamlit:",
    "a -> b",
    "x -- y",
    "AT&amp;T &lt;",
    "C:\\dir\\",
    "1. 第一",
    "- 列表",
    "> 引用",
    "~~删除~~",
    "`代码`",
    "| a | b |",
    "$$y$$",
    "\\(x\\)",
    ":small[x]",
    "<!-- x -->",
]

DISTRICT = f"{LINK}{BOLD}"  # the fifth district: markdown and HTML; spaces would be dropped from a district name
ALIAS = TEX  # its alias: the ledger names the district by it
CODE = "990105"
EMPTY_DISTRICT, EMPTY_CODE = ITALIC, "990106"  # a district without loans
BANKS = [LINK, BOLD, TEX, RED, ITALIC]  # spaces would be dropped from a bank name too
VIEWER = BOLD  # a viewer limited to the payload district
UNDOER = HEADING  # who undid an earlier import
PASSWORD = "password-1"
LEDGER_FILE = f"{IMG}{TEX}.xlsx"  # no '/': only the last part of a path is kept
SHEET = IMG  # Excel forbids \ / ? * [ ] : in sheet names


def uscc(n: int) -> str:
    first17 = f"91{CODE}MA{n:07d}"
    return first17 + uscc_check_char(first17)


ENTERPRISES = {
    uscc(i + 1): name for i, name in enumerate(PAYLOADS[:-1])
}  # one a payload (not the admin's), biggest first


def _import(store: Store, name: str, data: bytes, user: str = "test"):
    parsed = pipeline.parse_bytes(store, data, name)
    assert parsed.ok, [str(i) for i in parsed.issues]
    return loader.load(store, parsed, user=user)


def payload_city(folder: Path) -> Store:
    """The tiny city, then the payload district (behind its target, so the sentences name it),
    enterprises and banks that lead the rankings, two users, and a ledger file and sheet with
    hostile names as the newest import; before it, an import someone with a hostile name undid."""
    store = city_in(folder)
    districts = [
        ["区县名称", "行政区划代码", "别名"],
        *[list(d) for d in DISTRICTS],
        [DISTRICT, CODE, ALIAS],
        [EMPTY_DISTRICT, EMPTY_CODE, None],
    ]
    _import(store, "区县名单.xlsx", xlsx_bytes(districts))
    targets = [
        ["2025年度知识产权质押融资目标任务分解表"],
        ["区县", "质押融资金额(亿元)", "质押发明专利(件)"],
        ["东湖区", 1.0, 2],
        ["西山区", 0.4, 1],
        ["高新区", 0.5, 1],
        [DISTRICT, 100.0, 5],
    ]
    _import(store, "2025年目标.xlsx", xlsx_bytes(targets))
    auth.add_user(store, ADMIN, PASSWORD, "admin")
    auth.add_user(store, VIEWER, PASSWORD, "viewer", DISTRICT)
    undone = _import(
        store,
        "撤销的台账.xlsx",
        xlsx_bytes([HEADER, ["撤销企业", uscc(99), "东湖区", "工商银行", None, "U1", 100, "2025-02-01", "否", None]]),
    )
    loader.undo(store, undone.batch_id, user=UNDOER)
    rows = [
        [
            name,
            code,
            ALIAS if i % 2 else DISTRICT,
            BANKS[i % len(BANKS)],
            PATENT_INVENTION if i == 0 else None,
            f"X{i}",
            9000 - 500 * i,
            f"2025-06-{10 + i:02d}",
            "是",
            None,
        ]
        for i, (code, name) in enumerate(ENTERPRISES.items())
    ]
    _import(store, LEDGER_FILE, xlsx_bytes([HEADER, *rows], sheet=SHEET))
    return store
