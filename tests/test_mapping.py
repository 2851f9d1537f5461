"""Mapping once, remembered: a district spelling, a bank or a header the system does not know is
mapped in the upload preview, saved as an alias with who and when, applies to the file at once, to
later files, and (a bank) to the loans already loaded; empty alias cells are never saved as "nan"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from etl import aliases, compose, pipeline
from etl.kinds.loans import loan_key
from pledge import auth, banks, metrics
from pledge.reference import load_reference
from tests import invariants
from tests.fixtures import USCC_A, USCC_B, USCC_C, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["企业名称", "统一社会信用代码", "所属区县", "质权人", "贷款金额(万元)", "放款日期"]
AS_OF = dt.date(2025, 6, 30)


def ledger(*rows: list, header: list | None = None) -> bytes:
    return xlsx_bytes([header or HEADER, *rows])


def page_as(store, monkeypatch, name: str, role: str) -> AppTest:
    auth.add_user(store, name, "password-9", role)
    monkeypatch.setenv("PLEDGE_DB", str(store.path))
    at = AppTest.from_file(str(ROOT / "app_pages/upload.py"), default_timeout=60)
    at.session_state["user"] = auth.authenticate(store, name, "password-9")
    return at.run()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    return at.file_uploader(key="uploads").set_value((name, data, XLSX)).run()


def loaded(store, name: str, data: bytes):
    parsed = pipeline.parse_bytes(store, data, name)
    assert parsed.ok, [str(i) for i in parsed.issues]
    from etl import load as loader

    return loader.load(store, parsed, user="test")


# -- the upload page ---------------------------------------------------------------------------
def test_an_unknown_district_spelling_is_mapped_in_the_preview_and_remembered(store, monkeypatch):
    data = ledger(
        ["甲科技有限公司", USCC_A, "老城片区", "工行西山支行", 300, "2025-03-05"],
        ["乙材料股份有限公司", USCC_B, "老城片区", "建行西山支行", 200, "2025-04-01"],
        ["丙生物有限公司", USCC_C, "东湖区", "工行东湖支行", 100, "2025-04-02"],
    )
    at = upload(page_as(store, monkeypatch, "analyst", "analyst"), "老城台账.xlsx", data)
    assert any("不能导入" in e.value for e in at.error)
    assert any("老城片区" in m for m in at.dataframe[0].value["问题"])
    line = next(m.value for m in at.markdown if "老城片区" in m.value)
    assert "2行" in line and "第2、3行" in line  # how many rows, and where
    assert not [b for b in at.button if b.key == "confirm_0"]

    picker = at.selectbox(key="map_0_district_老城片区")
    assert picker.options == ["（暂不映射）", "东湖区", "西山区", "高新技术产业开发区", "临江县"]
    picker.set_value("990102")  # 西山区
    at.button(key="FormSubmitter:mapping_0-保存映射并重新检查").click().run()

    assert not at.exception
    assert not at.error  # the same upload, parsed again: no error left
    assert any("已保存1项映射" in s.value for s in at.success)
    assert not [m for m in at.markdown if "老城片区" in m.value]  # nothing left to map
    assert at.dataframe[-1].value["区县"].tolist() == ["西山区", "西山区", "东湖区"]
    at.button(key="confirm_0").click().run()
    assert any("已导入" in s.value for s in at.success)
    with store.read() as con:
        saved = con.execute("SELECT kind, alias, target, created_by FROM reference_aliases").fetchall()
        logged = con.execute("SELECT user_name, action, detail FROM audit_log WHERE action = '保存名称映射'").fetchall()
        west = metrics.district_progress(con, 2025, AS_OF).set_index("name").loc["西山区", "loan_amount"]
    assert saved == [("district", "老城片区", "990102", "analyst")]
    assert logged == [("analyst", "保存名称映射", "区县“老城片区”→990102")]
    assert west == 500 * 10_000
    # A later file with the same spelling needs no mapping.
    later = pipeline.parse_bytes(
        store, ledger(["丁有限公司", USCC_C, "老城片区", "工行", 50, "2025-05-01"]), "6月.xlsx"
    )
    assert later.ok and later.table["district_code"].tolist() == ["990102"]


def test_an_unmapped_header_is_mapped_to_a_field_and_read_with_its_unit(store, monkeypatch):
    header = ["企业名称", "统一社会信用代码", "所属区县", "质权人", "投放额度（万元）", "放款日期", "客户经理"]
    data = ledger(["甲科技有限公司", USCC_A, "东湖区", "工行东湖支行", 300, "2025-03-05", "张三"], header=header)
    at = upload(page_as(store, monkeypatch, "analyst", "analyst"), "台账.xlsx", data)
    assert any("缺少必填列“贷款金额”" in m for m in at.dataframe[0].value["问题"])
    picker = at.selectbox(key="map_0_header_loans_投放额度")
    assert picker.options[0] == "（不导入此列）" and "贷款金额" in picker.options
    assert "企业名称" not in picker.options  # column A is the enterprise already
    picker.set_value("amount")
    at.button(key="FormSubmitter:mapping_0-保存映射并重新检查").click().run()
    assert not at.exception and not at.error
    assert at.dataframe[-1].value["贷款金额(万元)"].tolist() == [300]
    with store.read() as con:
        assert con.execute("SELECT kind, alias, target FROM reference_aliases").fetchall() == [
            ("header:loans:amount", "投放额度", "amount")
        ]


def test_a_viewer_never_reaches_the_mapping(store, monkeypatch):
    data = ledger(["甲科技有限公司", USCC_A, "老城片区", "工行", 300, "2025-03-05"])
    at = page_as(store, monkeypatch, "leader", "viewer")
    assert any("没有访问此页面的权限" in e.value for e in at.error)
    assert not at.file_uploader
    from ui import importing

    viewer = auth.authenticate(store, "leader", "password-9")
    with pytest.raises(aliases.AliasRefused, match="只有分析人员和管理员"):
        importing.save_mappings([aliases.Mapping("district", "老城片区", "990102")], viewer)
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM reference_aliases").fetchall() == [(0,)]
    assert pipeline.parse_bytes(store, data, "x.xlsx").errors


# -- a bank mapping applies to the loans already loaded ----------------------------------------
def bank_figures(store, year: int = 2025) -> dict[str, tuple[float, float, float | None]]:
    """The bank page's figures: head bank -> (amount 万元, last year's window 万元, YoY)."""
    with store.read() as con:
        frame = metrics.bank_breakdown(con, year, AS_OF)
    return {
        r.bank: (r.amount / 10_000, r.prev_amount / 10_000, None if pd.isna(r.yoy) else round(r.yoy, 4))
        for r in frame.itertuples()
    }


def test_a_bank_mapped_late_counts_last_years_loans_for_the_same_head_bank(store):
    # 2024 under the short spelling, 2025 under the full name; the same 2025 loan (no registration
    # number) also reported by a district under the short spelling: before the mapping, two loans.
    loaded(store, "2024.xlsx", ledger(["甲科技有限公司", USCC_A, "东湖区", "扬州农商行营业部", 300, "2024-03-01"]))
    loaded(
        store,
        "2025银行.xlsx",
        ledger(
            ["甲科技有限公司", USCC_A, "东湖区", "江苏扬州农村商业银行", 500, "2025-03-01"],
            ["乙材料股份有限公司", USCC_B, "西山区", "江苏扬州农村商业银行", 400, "2025-04-01"],
        ),
    )
    loaded(
        store, "2025区县.xlsx", ledger(["乙材料股份有限公司", USCC_B, "西山区", "扬州农商行营业部", 400, "2025-04-01"])
    )
    before = bank_figures(store)
    assert before == {
        "江苏扬州农村商业银行": (900.0, 0.0, None),
        "扬州农商行营业部": (400.0, 300.0, round(400 / 300 - 1, 4)),
    }

    saved = aliases.save(
        store,
        [
            aliases.Mapping("bank", "江苏扬州农村商业银行", "新增银行", new_bank=True),
            aliases.Mapping("bank", "扬州农商行营业部", "江苏扬州农村商业银行"),
        ],
        "analyst",
    )
    invariants.check(store)
    assert saved.new_banks == ["江苏扬州农村商业银行"]
    assert (saved.rebanked.loans, saved.rebanked.merged) == (2, 1)
    # 500 + 400 this year (the district's report of the 400 is the same loan), 300 last year: +200%.
    assert bank_figures(store) == {"江苏扬州农村商业银行": (900.0, 300.0, 2.0)}
    with store.read() as con:
        keys = con.execute("SELECT loan_key FROM v_loans WHERE loan_date = '2024-03-01'").fetchall()
        logged = con.execute("SELECT detail FROM audit_log WHERE action = '保存名称映射'").fetchall()
    assert keys == [(loan_key(None, USCC_A, "江苏扬州农村商业银行", dt.date(2024, 3, 1), 3_000_000),)]
    assert "已导入贷款2笔改按新的总行统计" in logged[0][0]
    # The district's file sent again finds its loan: nothing new.
    again = loaded(
        store,
        "2025区县补报.xlsx",
        ledger(["乙材料股份有限公司", USCC_B, "西山区", "扬州农商行营业部", 400, "2025-04-01"]),
    )
    assert again.counts["new"] == 0
    assert bank_figures(store) == {"江苏扬州农村商业银行": (900.0, 300.0, 2.0)}

    # Removing the mapping (an admin, on the reference page) puts the short spelling back on its own.
    aliases.remove(store, [("bank", "扬州农商行营业部")], "admin")
    invariants.check(store)
    after = bank_figures(store)
    assert after["扬州农商行营业部"] == (400.0, 300.0, round(400 / 300 - 1, 4))


def test_the_bank_name_grid_applies_to_the_loans_loaded_and_never_saves_nan(store):
    loaded(store, "2024.xlsx", ledger(["甲科技有限公司", USCC_A, "东湖区", "扬州农商行营业部", 300, "2024-03-01"]))
    loaded(store, "2025.xlsx", ledger(["甲科技有限公司", USCC_A, "东湖区", "江苏扬州农村商业银行", 500, "2025-03-01"]))
    with store.read() as con:
        grid = metrics.bank_aliases(con)
    added = pd.DataFrame({"name": ["江苏扬州农村商业银行"], "aliases": ["扬州农商行"]})
    blank = pd.DataFrame({"name": ["测试银行", "其他银行"], "aliases": [np.nan, None]})
    banks.save(store, pd.concat([grid, added, blank], ignore_index=True), "admin")
    invariants.check(store)
    assert bank_figures(store) == {"江苏扬州农村商业银行": (500.0, 300.0, round(500 / 300 - 1, 4))}
    with store.read() as con:
        stored = dict(con.execute("SELECT name, aliases FROM banks").fetchall())
    assert stored["测试银行"] == [] and stored["其他银行"] == []
    assert stored["中国工商银行"] == ["工商银行", "工行", "ICBC"]


# -- empty alias cells ---------------------------------------------------------------------------
def test_empty_district_alias_cells_are_saved_empty(store):
    grid = pd.DataFrame(
        {
            "name": ["东湖区", "西山区", "高新技术产业开发区", "临江县"],
            "code": ["990101", "990102", "990103", "990104"],
            "aliases": pd.array([pd.NA, "", "高新区", None], dtype="string"),
        }
    )
    grid.loc[1, "aliases"] = np.nan
    parsed, result = compose.save_districts(store, grid, "admin")
    assert result is not None, [str(i) for i in parsed.issues]
    with store.read() as con:
        stored = con.execute("SELECT name, aliases FROM v_districts ORDER BY sort_order").fetchall()
        reference = load_reference(con)
    assert stored == [("东湖区", []), ("西山区", []), ("高新技术产业开发区", ["高新区"]), ("临江县", [])]
    assert reference.district_code("nan") is None


def test_a_blank_spelling_is_never_saved_as_an_alias(store):
    for blank in ("", "  ", float("nan"), "nan"):
        with pytest.raises(aliases.AliasRefused, match="写法为空"):
            aliases.save(store, [aliases.Mapping("district", blank, "990101")], "analyst")
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM reference_aliases").fetchall() == [(0,)]


def test_an_admin_sees_who_mapped_what_and_removes_a_mapping(store, monkeypatch):
    aliases.save(store, [aliases.Mapping("district", "老城片区", "990102")], "analyst")
    aliases.save(store, [aliases.Mapping("header", "投放额度", "amount", file_kind="loans")], "analyst")
    auth.add_user(store, "admin", "password-9", "admin")
    monkeypatch.setenv("PLEDGE_DB", str(store.path))
    at = AppTest.from_file(str(ROOT / "app_pages/reference.py"), default_timeout=60)
    at.session_state["user"] = auth.authenticate(store, "admin", "password-9")
    at.run()
    editor = next(e for e in at.dataframe if "文件中的写法" in e.value.columns)
    listed = editor.value.set_index("文件中的写法")
    assert listed.loc["老城片区", "映射为"] == "西山区" and listed.loc["老城片区", "保存人"] == "analyst"
    assert listed.loc["投放额度", "类型"] == "表头（质押融资台账）" and listed.loc["投放额度", "映射为"] == "贷款金额"
    assert not pd.isna(listed.loc["老城片区", "保存时间"])
    aliases.remove(store, [("district", "老城片区")], "admin")
    with store.read() as con:
        assert con.execute("SELECT alias FROM reference_aliases").fetchall() == [("投放额度",)]
        assert con.execute("SELECT detail FROM audit_log WHERE action = '删除名称映射'").fetchall() == [
            ("区县“老城片区”",)
        ]
