"""Data is text: names with markdown, HTML and LaTeX in them read exactly as stored on every page,
for an admin and for a viewer limited to one district; charts show them literally too.

The payload city is the tiny city of test_metrics plus a district, enterprises, banks, users, a file
and a sheet whose names are hostile. Browser checks of the same city: test_browser_escape.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import (
    AlertBase,
    Block,
    HeadingBase,
    Html,
    Markdown,
    Progress,
    Toast,
)

from pledge import auth, bulletin, charts, metrics
from pledge.store import Store
from pledge.text import WORD_JOINER, md, plotly
from tests.fixtures import AS_OF, xlsx_bytes
from tests.fixtures import CITY_HEADER as HEADER
from tests.payloads import (  # noqa: E402
    ADMIN,
    ALIAS,
    BANKS,
    BOLD,
    CODE,
    DISTRICT,
    EMPTY_CODE,
    EMPTY_DISTRICT,
    ENTERPRISES,
    HEADING,
    IMG,
    ITALIC,
    LEDGER_FILE,
    LINK,
    MORE,
    PASSWORD,
    PAYLOADS,
    RED,
    SHEET,
    TEX,
    UNDOER,
    VIEWER,
    payload_city,
    uscc,
)

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Store:
    return payload_city(tmp_path_factory.mktemp("hostile"))


def test_the_loader_keeps_the_payloads_as_written(hostile):
    with hostile.read() as con:
        names = dict(con.execute("SELECT uscc, name FROM enterprises WHERE uscc LIKE '91990105%'").fetchall())
        district = con.execute("SELECT name, aliases FROM v_districts WHERE code = ?", [CODE]).fetchall()[0]
        empty = con.execute("SELECT name FROM v_districts WHERE code = ?", [EMPTY_CODE]).fetchall()[0][0]
        banks = {
            r[0] for r in con.execute("SELECT DISTINCT bank FROM v_loans WHERE district_code = ?", [CODE]).fetchall()
        }
        sources = con.execute(
            "SELECT DISTINCT file_name, source_sheet FROM v_loans l JOIN batches b ON b.id = l.batch_id "
            "WHERE district_code = ?",
            [CODE],
        ).fetchall()
    assert names == ENTERPRISES
    assert district == (DISTRICT, [ALIAS]) and empty == EMPTY_DISTRICT
    assert banks == set(BANKS)
    assert sources == [(LEDGER_FILE, SHEET)]
    assert {u["name"] for u in auth.list_users(hostile)} == {ADMIN, VIEWER}


# -- the two escapers ----------------------------------------------------------------------
ASCII_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def shown(markdown: str) -> str:
    """What a reader sees of escaped markdown: CommonMark drops the backslash of an escaped
    punctuation character; the word joiner is invisible."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")


@pytest.mark.parametrize("payload", PAYLOADS + MORE)
def test_md_escapes_every_punctuation_character_and_loses_nothing(payload):
    escaped = md(payload)
    i = 0
    while i < len(escaped):  # every ASCII punctuation character comes escaped by a backslash
        if escaped[i] == "\\":
            assert ASCII_PUNCTUATION.match(escaped[i + 1]), escaped
            i += 2
            continue
        assert not ASCII_PUNCTUATION.match(escaped[i]), (escaped, i)
        i += 1
    assert shown(escaped) == payload


@pytest.mark.parametrize(
    "payload, joined",
    [  # ‸ marks where the word joiner goes
        (":smile:", ":‸smile:"),
        (":material_home:", ":‸material_home:"),
        ("a:streamlit:b", "a:‸streamlit:b"),
        ("a -> b", "a -‸> b"),
        ("<-> x", "<‸-> x"),
        ("-- ", "-‸- "),
        ("x >=", "x >‸="),
        ("x ~= y", "x ~‸= y"),
        ("10:30", "10:30"),
        ("a->b", "a->b"),
        ("x--y", "x--y"),
        ("文件：a:b", "文件：a:b"),
    ],
)
def test_md_breaks_what_streamlit_rewrites_after_parsing(payload, joined):
    # Shortcodes become emoji, icons or the Streamlit logo and a lone -> or -- an arrow or a dash,
    # in text a backslash no longer guards. A word joiner splits exactly those sequences.
    assert shown(md(payload)) == payload
    assert md(payload).replace("\\", "") == joined.replace("‸", WORD_JOINER)


def test_md_of_nothing_and_of_numbers():
    assert md(None) == ""
    assert md(12.5) == "12\\.5"
    assert md("东湖区") == "东湖区"


def test_plotly_shows_html_as_written():
    assert plotly(BOLD) == "&lt;b&gt;加粗&lt;/b&gt;"
    assert plotly("AT&amp;T <br>") == "AT&amp;amp;T &lt;br&gt;"
    assert plotly(LINK) == LINK and plotly(None) == ""


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif hasattr(value, "tolist"):  # numpy arrays and scalars
        yield from _strings(value.tolist())
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def test_every_chart_shows_names_with_html_as_written(hostile):
    """Every chart of the pages and the bulletin that names districts, banks or enterprises hands
    Plotly those names escaped, once: none arrives as a tag."""
    with hostile.read() as con:
        report = bulletin.build(con, 2025, 7)
        projection = metrics.year_end_projection(con, 2025, AS_OF, CODE)
        top = metrics.top_enterprises(con, 2025, AS_OF, 15)
        figures = {
            **{name: fig for name, fig in report.charts.items() if name != "累计进度"},  # 全市: no name in it
            "stacked": charts.stacked_bank_district(metrics.bank_by_district(con, 2025, AS_OF), 2025, AS_OF, "全市"),
            "cumulative": charts.cumulative_vs_target(projection["series"], 1e10, projection, 2025, AS_OF, DISTRICT),
            "monthly": charts.monthly_bars(projection["series"], 2025, AS_OF, DISTRICT),
            "enterprises": charts.horizontal_bars(
                top["name"].tolist(), top["amount"].tolist(), "企业", "元", AS_OF, scope="全市"
            ),
        }
    assert set(report.charts) >= {"区县完成率", "银行", "分月热力"}
    for name, fig in figures.items():
        texts = [t.replace("<br>", "") for t in _strings(fig.to_plotly_json())]  # long names wrap
        assert not [t for t in texts if BOLD in t or IMG in t], name
        assert any(plotly(BOLD) in t or plotly(IMG) in t for t in texts), name
        assert not [t for t in texts if "&amp;lt;" in t], name  # escaped once, not twice


# -- every page, through AppTest -------------------------------------------------------------
PAGE_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "app_pages").glob("*.py"))


def markdown_sources(at: AppTest) -> tuple[list[str], list[str]]:
    """Every string the page hands to Streamlit's markdown (bodies, titles, alerts, captions, toasts,
    labels and help of widgets, metrics, tabs, expanders, popovers), and the raw HTML of st.html."""
    found: list[str] = []
    html: list[str] = []

    def fields(proto, names):
        for name in names:
            value = getattr(proto, name, None)
            if isinstance(value, str) and value:
                found.append(value)

    def walk(node):
        if isinstance(node, Block):
            block = getattr(node, "proto", None)  # the tree's root has none
            if block is not None:  # expanders and tabs hold their own message, popovers the generic one
                kind = block.WhichOneof("type") if "type" in block.DESCRIPTOR.oneofs_by_name else None
                fields(getattr(block, kind) if kind else block, ("label", "help"))
            for child in node.children.values():
                walk(child)
            return
        if isinstance(node, Html):
            html.append(node.proto.body)
        elif isinstance(node, (Markdown, AlertBase, HeadingBase, Toast)):
            fields(node.proto, ("body",))
        elif isinstance(node, Progress):
            fields(node.proto, ("text",))
        fields(node.proto, ("label", "help"))

    walk(at._tree)
    return found, html


def assert_escaped(at: AppTest, where: str, seen: set[tuple[str, str]]) -> None:
    """Each markdown source that shows a payload holds it escaped; adds (page, payload) to seen."""
    assert not at.exception, (where, [e.value for e in at.exception])
    sources, html = markdown_sources(at)
    for source in sources:
        for payload in PAYLOADS:
            if payload in shown(source):
                assert md(payload) in source, f"{where}: {payload!r} raw in {source!r}"
                seen.add((Path(where.split()[0]).stem, payload))
    for body in html:
        assert not any(payload in body for payload in PAYLOADS), (where, body)


def _pick_each(at: AppTest, key: str, values: list, where: str, seen: set) -> None:
    if not [s for s in at.selectbox if s.key == key]:
        return
    for value in values:
        at.selectbox(key=key).set_value(value).run()
        assert_escaped(at, f"{where} {key}={value}", seen)


def _alone(page: str, user: auth.User) -> AppTest:
    """The page by itself, as if its URL were opened. Also how buttons get clicked: AppTest drops a
    click made after switch_page."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.session_state["user"] = user
    return at.run()


def _visit(at: AppTest, page: str, store: Store, seen: set) -> None:
    """What a page shows by default, then what its controls reveal, without writing anything."""
    assert_escaped(at, page, seen)
    stem = Path(page).stem
    user = at.session_state["user"]
    if stem == "enterprises":
        at.text_input(key="enterprise_search").input(f"91{CODE}").run()
        assert_escaped(at, page, seen)
        _pick_each(at, "enterprise_pick", at.selectbox(key="enterprise_pick").options, page, seen)
        at.text_input(key="enterprise_search").input(f"{LINK}不存在").run()  # found nothing: the search is quoted
        assert_escaped(at, page, seen)
    elif stem == "districts":
        _pick_each(at, "district_detail", at.selectbox(key="district_detail").options, page, seen)
    elif stem == "history" and user.can("analyst"):
        with store.read() as con:
            batches = metrics.import_batches(con)["id"].tolist()
        _pick_each(at, "history_batch", batches, page, seen)


def _act(page: str, user: auth.User, seen: set) -> None:
    """What a page says after it wrote or refused something: run once every page has been seen."""
    stem = Path(page).stem
    if stem == "history" and user.can("analyst"):
        at = _alone(page, user)  # the newest import is the payload ledger: undo it
        at.button(key="confirm_undo").click().run()
        assert any(md(LEDGER_FILE) in s.value for s in at.success)
        assert_escaped(at, f"{page} undone", seen)
    elif stem == "upload" and user.can("analyst"):
        good = xlsx_bytes([HEADER, [ITALIC, uscc(50), ALIAS, RED, None, "Y1", 10, "2025-06-30", "否", None]], sheet=TEX)
        broken = xlsx_bytes(
            [HEADER, [HEADING, uscc(51), HEADING, BOLD, None, "Y2", 10, "2025-06-30", "否", None]], sheet=SHEET
        )
        at = _alone(page, user)
        at.file_uploader(key="uploads").set_value(
            [(f"{LINK}.xlsx", good, XLSX), (f"{HEADING}.xlsx", broken, XLSX)]
        ).run()
        assert_escaped(at, page, seen)
        at.button(key="confirm_0").click().run()
        assert any("已导入" in s.value for s in at.success)
        assert_escaped(at, f"{page} confirmed", seen)
    elif stem == "accounts" and user.can("admin"):
        at = _alone(page, user)
        inputs = {t.label: t for t in at.text_input}
        inputs["用户名"].input(ADMIN)
        for label in ("初始密码", "再输入一次"):
            inputs[label].input("another-password")
        next(b for b in at.button if b.label == "添加").click().run()
        assert any(md(ADMIN) in e.value for e in at.error)  # 用户“…”已存在, quoting the name
        assert_escaped(at, f"{page} add existing user", seen)
        at = _alone(page, user)
        next(s for s in at.selectbox if s.label == "用户").set_value(VIEWER)
        next(t for t in at.text_input if t.label == "新密码").input(PASSWORD)
        next(b for b in at.button if b.label == "重置密码").click().run()
        assert any(md(VIEWER) in s.value for s in at.success)
        assert_escaped(at, f"{page} reset password", seen)


@pytest.mark.parametrize("who", ["admin", "viewer"])
def test_every_page_shows_payload_names_escaped(tmp_path, monkeypatch, who):
    store = payload_city(tmp_path)  # the upload and history pages write: a city of its own
    user = auth.authenticate(store, ADMIN if who == "admin" else VIEWER, PASSWORD)
    monkeypatch.setenv("PLEDGE_DB", str(store.path))
    assert len(PAGE_FILES) >= 11
    seen: set = set()
    for page in PAGE_FILES:
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["user"] = user
        at.run()
        try:
            at.switch_page(page).run()
        except ValueError:  # not in this role's navigation: opened by its URL, it must refuse safely
            at = _alone(page, user)
        _visit(at, page, store, seen)
    for page in PAGE_FILES:
        _act(page, user, seen)
    # The payloads did reach the screen where they should: the user in the sidebar, the district in
    # titles and sentences, banks in the bulletin, enterprises in their headers, who undid an import,
    # the file and sheet names on the upload page.
    expected = {("overview", LINK), ("districts", LINK), *(("enterprises", name) for name in ENTERPRISES.values())}
    if who == "admin":
        expected |= {
            ("overview", ADMIN),
            ("bulletin", LINK),
            ("bulletin", BOLD),
            ("bulletin", TEX),
            ("districts", EMPTY_DISTRICT),
            ("history", UNDOER),
            ("history", IMG),
            ("upload", LINK),
            ("upload", TEX),
            ("upload", HEADING),
            ("upload", IMG),
            ("accounts", ADMIN),
            ("accounts", VIEWER),
        }
    else:
        expected |= {("overview", VIEWER)}
    assert expected <= seen, expected - seen
