"""What a hostile user might try: query parameters instead of a login, formulas in cells that
come back in the spreadsheets the app writes."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from streamlit.testing.v1 import AppTest

from etl import pipeline
from etl.report import error_report_xlsx
from pledge import auth
from pledge.export import xlsx_bytes
from tests.fixtures import USCC_A, USCC_B, write
from tests.fixtures import xlsx_bytes as workbook

ROOT = Path(__file__).resolve().parent.parent


def test_query_parameters_do_not_sign_anyone_in(city, monkeypatch):
    auth.add_user(city, "admin", "password-3", "admin")
    monkeypatch.setenv("PLEDGE_DB", str(city.path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["user"] = "admin"
    at.query_params["role"] = "admin"
    at.run()
    assert at.title[0].value == "知识产权质押融资监测平台"  # the login page, nothing else
    assert not at.metric and "user" not in at.session_state


def test_error_report_neutralises_formulas_from_the_file(store):
    rows = [
        ["企业名称", "统一社会信用代码", "所属区县", "质权人", "贷款金额(万元)", "放款日期"],
        ['=HYPERLINK("http://evil","点我")', USCC_A, "@SUM(A1)", "+cmd", "-1", "2025-01-10"],
    ]
    parsed = pipeline.parse_bytes(store, workbook(rows), "evil.xlsx")
    assert parsed.errors
    sheet = openpyxl.load_workbook(io.BytesIO(error_report_xlsx(parsed))).active
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)]
    dangerous = [v for v in values if v[:1] in "=+-@"]
    assert not dangerous, dangerous
    assert any(v.startswith("'@SUM") for v in values)


def test_every_exported_table_is_text_not_formula():
    import pandas as pd

    data = xlsx_bytes({"表": pd.DataFrame({"企业名称": ["=1+1", "正常", "@x", "-2", "+3"], "金额": [1, 2, 3, 4, 5]})})
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [sheet.cell(row=r, column=1).value for r in range(2, 7)] == ["'=1+1", "正常", "'@x", "'-2", "'+3"]
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, 7))
    assert sheet.cell(row=2, column=2).value == 1  # numbers stay numbers


def test_one_upload_limit_for_the_browser_and_the_loader():
    """Streamlit's uploader refuses files over server.maxUploadSize million bytes; the loader's
    limit (and the Chinese caption that states it) is the same number of bytes."""
    import tomllib
    from pathlib import Path

    from pledge import settings

    config = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1_000_000 == settings.MAX_UPLOAD_BYTES


def test_formulas_in_a_ledger_are_stored_as_text_with_a_warning(store, tmp_path):
    """＝ is folded to = on reading: every text cell that a spreadsheet would run is kept as text."""
    rows = [
        ["企业名称", "统一社会信用代码", "所属区县", "质权人", "贷款金额(万元)", "放款日期", "质押登记号"],
        ["＝1+1", USCC_A, "东湖区", "@SUM(A1)", 100, "2025-01-10", "-2+3"],
        ["正常科技有限公司", USCC_B, "东湖区", "工商银行", 100, "2025-01-11", "R-1"],
    ]
    parsed, result = pipeline.import_path(store, write(tmp_path, "f.xlsx", workbook(rows)), user="t")
    assert result is not None, [str(e) for e in parsed.errors]
    with store.read() as con:
        stored = con.execute("SELECT enterprise_name, bank_raw, reg_no FROM v_loans ORDER BY source_row").fetchall()
    assert stored == [("'=1+1", "'@SUM(A1)", "'-2+3"), ("正常科技有限公司", "工商银行", "R-1")]
    warned = {(w.row, w.value) for w in parsed.warnings if "公式" in w.message}
    assert warned == {(2, "=1+1"), (2, "@SUM(A1)"), (2, "-2+3")}


def test_a_client_cannot_clear_the_servers_caches():
    """Streamlit's AppSession handles a client's clear_cache BackMsg by clearing every user's
    caches; after the app's hardening the same message changes nothing."""
    import streamlit as st
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.runtime.app_session import AppSession

    from ui import hardening

    calls = []

    @st.cache_data
    def cached(x: int) -> int:
        calls.append(x)
        return x

    cached(1)
    hardening.refuse_remote_cache_clearing()
    message = BackMsg()
    message.clear_cache = True

    class Bare(AppSession):  # only the dispatch on the message type is exercised
        def __del__(self) -> None:
            pass

    session = Bare.__new__(Bare)
    session._session_state = {}  # type: ignore[assignment]
    AppSession.handle_backmsg(session, message)
    cached(1)
    assert calls == [1]  # still cached
