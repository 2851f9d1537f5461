"""The analyst's upload page through AppTest: preview before writing, confirm, see the figures
move; a broken file shows its Chinese errors and cannot be confirmed. And the targets editor."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from etl import compose, pipeline
from etl import load as loader
from pledge import metrics
from tests.fixtures import MESSY, USCC_B, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload_page(db: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("PLEDGE_DB", str(db))
    return AppTest.from_file(str(ROOT / "app_pages/upload.py"), default_timeout=60).run()


def test_preview_then_confirm_moves_the_city_figures(city, monkeypatch):
    with city.read() as con:
        batches_before = con.execute("SELECT count(*) FROM batches").fetchall()[0][0]
    at = upload_page(city.path, monkeypatch)
    at.file_uploader(key="uploads").set_value(("7月台账.xlsx", xlsx_bytes(MESSY, merges=["G3:H3"]), XLSX)).run()
    assert not at.exception
    assert "质押融资台账" in at.caption[1].value
    shown = {m.label: m.value for m in at.metric}
    assert shown["读取行数"] == "1" and shown["新增"] == "1" and shown["有错误的行"] == "0"
    with city.read() as con:  # nothing written before the analyst confirms
        assert con.execute("SELECT count(*) FROM batches").fetchall()[0][0] == batches_before
    at.button(key="confirm_0").click().run()
    assert not at.exception
    assert any("已导入" in s.value for s in at.success)
    moved = {m.label: m.delta for m in at.metric if m.label.startswith("全市")}
    assert moved["全市质押融资金额"] == "+0.10亿元"
    with city.read() as con:
        row = metrics.district_progress(con, 2025, dt.date(2025, 7, 10)).set_index("name").loc["临江县"]
    assert row["loan_amount"] == 1000 * 10_000


def test_a_broken_file_shows_errors_and_cannot_be_confirmed(city, monkeypatch):
    broken = [row[:] for row in MESSY]
    broken[4][1] = USCC_B[:-1] + "1"
    broken[4][7] = "2025年2月30日"
    at = upload_page(city.path, monkeypatch)
    at.file_uploader(key="uploads").set_value(("坏文件.xlsx", xlsx_bytes(broken), XLSX)).run()
    assert any("不能导入" in e.value for e in at.error)
    issues = at.dataframe[0].value
    assert set(issues["行号"].astype(str)) == {"5"}
    assert any("校验位错误" in m for m in issues["问题"]) and any("不存在" in m for m in issues["问题"])
    assert not [b for b in at.button if b.key == "confirm_0"]


def test_targets_saved_from_the_grid_become_an_undoable_batch(city):
    grid = pd.DataFrame(
        {
            "name": ["全市", "东湖区", "西山区", "高新技术产业开发区", "临江县"],
            "loan_amount": [3.0, 1.2, 0.5, 0.6, None],
            "invention_patents": [None, 3, 1, 1, None],
            "enterprises": [None] * 5,
            "first_time_enterprises": [None] * 5,
        }
    )
    parsed, result = compose.save_targets(city, 2025, grid, "analyst")
    assert result is not None, [str(i) for i in parsed.issues]
    with city.read() as con:
        targets = metrics.targets_grid(con, 2025).set_index("name")
        batch = con.execute(
            "SELECT kind, user_name, file_name FROM batches WHERE id = ?", [result.batch_id]
        ).fetchall()[0]
    assert targets.loc["全市", "loan_amount"] == pytest.approx(3.0)
    assert targets.loc["东湖区", "loan_amount"] == pytest.approx(1.2)
    assert batch[0] == "targets" and batch[1] == "analyst" and "在线编辑" in batch[2]
    negative = grid.assign(loan_amount=[3.0, -1.0, 0.5, 0.6, None])
    parsed, result = compose.save_targets(city, 2025, negative, "analyst")
    assert result is None and any("负数" in str(i) for i in parsed.errors)


def test_a_cleared_target_is_gone_and_the_city_falls_back_to_the_districts_sum(city):
    """年度目标: clear the 全市 amount and save → the city target is the districts' sum, as the page
    says; undoing that save brings the cleared value back."""
    grid = pd.DataFrame(
        {
            "name": ["全市", "东湖区", "西山区", "高新技术产业开发区", "临江县"],
            "loan_amount": [3.0, 1.2, 0.5, 0.6, 0.2],
            "invention_patents": [20, 3, 1, 1, None],
            "enterprises": [None] * 5,
            "first_time_enterprises": [None] * 5,
        }
    )
    _, first = compose.save_targets(city, 2025, grid, "analyst")
    cleared = grid.assign(loan_amount=[None, 1.2, 0.5, 0.6, 0.2], invention_patents=[20, 3, None, 1, None])
    _, second = compose.save_targets(city, 2025, cleared, "analyst")
    assert first is not None and second is not None

    def city_and_west():
        with city.read() as con:
            progress = metrics.district_progress(con, 2025, dt.date(2025, 7, 5)).set_index("name")
            entered = metrics.targets_grid(con, 2025).set_index("name")
        return progress, entered

    progress, entered = city_and_west()
    assert pd.isna(entered.loc["全市", "loan_amount"])  # no longer entered
    assert progress.loc["全市", "t_loan_amount"] == pytest.approx((1.2 + 0.5 + 0.6 + 0.2) * 1e8)
    assert pd.isna(progress.loc["西山区", "t_invention_patents"])  # a blank district cell: no target either
    assert progress.loc["全市", "t_invention_patents"] == 20  # a 全市 value still entered stays

    loader.undo(city, second.batch_id, user="analyst")
    progress, entered = city_and_west()
    assert entered.loc["全市", "loan_amount"] == pytest.approx(3.0)
    assert progress.loc["西山区", "t_invention_patents"] == 1


def test_only_an_admin_may_replace_the_district_list_from_the_upload_page(city, monkeypatch):
    """Reference data is an admin's, wherever it comes from: an analyst who uploads a 区县名单 sees why
    it cannot be loaded, gets no confirm button, and the server refuses it anyway."""
    from pledge import auth
    from tests.fixtures import district_rows
    from ui import importing

    auth.add_user(city, "analyst", "password-2", "analyst")
    auth.add_user(city, "admin", "password-3", "admin")
    analyst = auth.authenticate(city, "analyst", "password-2")
    renamed = [row[:] for row in district_rows()]
    renamed[1][0] = "东湖新区"
    monkeypatch.setenv("PLEDGE_DB", str(city.path))
    at = AppTest.from_file(str(ROOT / "app_pages/upload.py"), default_timeout=60)
    at.session_state["user"] = analyst
    at.run().file_uploader(key="uploads").set_value(("区县名单.xlsx", xlsx_bytes(renamed), XLSX)).run()
    assert any("只能由管理员导入" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "confirm_0"]
    upload = importing.Upload(pipeline.parse_bytes(city, xlsx_bytes(renamed), "区县名单.xlsx"), {})
    with pytest.raises(loader.LoadRefused, match="只能由管理员导入"):
        importing.confirm(upload, analyst)
    with city.read() as con:
        assert metrics.districts(con)["name"].iloc[0] == "东湖区"  # unchanged
